//! The business chains' rules against the node registry, membership removal, and the hooks
//! the organizations pallet calls (a node in use may not go; an exited organization leaves
//! every alliance).

use accord_pallet_organizations::{self as organizations, NodeKey, OrgCode};
use accord_support::Ext;

use crate::tasks;
use crate::*;

pub use organizations::RegistryHooks;

/// The alliances pallet's answers to the organizations pallet.
pub struct AllianceHooks;

impl RegistryHooks for AllianceHooks {
    fn node_in_use(&self, ext: &Ext<'_>, key: &NodeKey) -> bool {
        !NODE_CHAINS.iter_prefix1(ext, key, 1).is_empty()
    }

    /// The organization leaves every alliance it is in (handing over leadership, or removing
    /// an alliance it was alone in), its open invitations and join requests end, and its
    /// nodes leave every business chain. No driver task: its accounts are gone, and its
    /// drivers stop everything once the registry no longer names it.
    fn org_exited(&self, ext: &mut Ext<'_>, org: OrgCode) {
        for (alliance, ()) in ORG_ALLIANCES.iter_prefix1(ext, &org, ORG_ALLIANCES_MAX + 1) {
            leave(ext, alliance, org);
        }
        let invited = invitations_of(ext, org);
        for (alliance, task) in invited {
            remove_invitation(ext, alliance, org);
            tasks::answer(ext, task, org, PartStatus::Failed);
        }
        for (alliance, request) in requests_by(ext, org) {
            JOIN_REQUESTS.remove(ext, &alliance, &org);
            tasks::fail(ext, request.task, TaskFailure::Cancelled);
        }
    }
}

/// Open invitations of `org` (one read per alliance id ever assigned, stopping once all its
/// counted invitations are found: at most [`ORG_INVITATIONS_MAX`]).
fn invitations_of(ext: &Ext<'_>, org: OrgCode) -> Vec<(AllianceId, TaskId)> {
    let count = INVITATION_COUNT.get(ext, &org) as usize;
    let mut out = Vec::with_capacity(count);
    for a in 1..=LAST_ALLIANCE.get(ext) {
        if out.len() >= count {
            break;
        }
        if let Some(t) = INVITATIONS.get(ext, &a, &org) {
            out.push((a, t));
        }
    }
    out
}

/// Records an invitation and counts it.
pub(crate) fn add_invitation(ext: &mut Ext<'_>, alliance: AllianceId, org: OrgCode, task: TaskId) {
    INVITATIONS.insert(ext, &alliance, &org, &task);
    INVITATION_COUNT.mutate(ext, &org, |c| *c += 1);
}

/// Removes an invitation (if open) and uncounts it.
pub(crate) fn remove_invitation(ext: &mut Ext<'_>, alliance: AllianceId, org: OrgCode) {
    if INVITATIONS.get(ext, &alliance, &org).is_some() {
        INVITATIONS.remove(ext, &alliance, &org);
        let left = INVITATION_COUNT.get(ext, &org).saturating_sub(1);
        if left == 0 {
            INVITATION_COUNT.remove(ext, &org);
        } else {
            INVITATION_COUNT.insert(ext, &org, &left);
        }
    }
}

/// Open join requests by `org`.
fn requests_by(ext: &Ext<'_>, org: OrgCode) -> Vec<(AllianceId, JoinRequest)> {
    (1..=LAST_ALLIANCE.get(ext)).filter_map(|a| JOIN_REQUESTS.get(ext, &a, &org).map(|r| (a, r))).collect()
}

/// Whether a chain's status means its nodes should run.
pub(crate) fn is_live(status: ChainStatus) -> bool {
    matches!(status, ChainStatus::Creating | ChainStatus::Active)
}

/// The organizations that own nodes of `chain`, each once.
pub(crate) fn node_owners(ext: &Ext<'_>, chain: &BusinessChain) -> Vec<OrgCode> {
    let mut owners = Vec::new();
    for key in chain.blockchains.iter().flat_map(|b| b.nodes.iter()) {
        if let Some(node) = organizations::NODES.get(ext, key) {
            if !owners.contains(&node.org) {
                owners.push(node.org);
            }
        }
    }
    owners
}

/// Why a business chain breaks the rules of its alliance, the registry or its mode.
pub(crate) fn chain_error(ext: &Ext<'_>, alliance: &Alliance, chain: &BusinessChain) -> Option<Error> {
    if chain.name.is_empty() {
        return Some(Error::EmptyName);
    }
    let orgs = &chain.orgs;
    let distinct = orgs.iter().enumerate().all(|(i, o)| !orgs[..i].contains(o));
    if !distinct || !orgs.contains(&chain.creator) || !orgs.iter().all(|o| alliance.members.contains(o)) {
        return Some(Error::BadChainOrgs);
    }
    if chain.blockchains.is_empty() {
        return Some(Error::NoBlockchains);
    }
    let mut owners = Vec::new();
    for (i, b) in chain.blockchains.iter().enumerate() {
        if b.external_id.is_empty() || b.name.is_empty() {
            return Some(Error::EmptyName);
        }
        if chain.blockchains[..i].iter().any(|other| other.external_id == b.external_id) {
            return Some(Error::DuplicateBlockchain);
        }
        if !PLATFORMS.contains_key(ext, &b.platform) {
            return Some(Error::UnknownPlatform);
        }
        let distinct = b.orgs.iter().enumerate().all(|(j, o)| !b.orgs[..j].contains(o));
        if b.orgs.is_empty() || !distinct || !b.orgs.iter().all(|o| orgs.contains(o)) {
            return Some(Error::BadBlockchainOrgs);
        }
        for (j, key) in b.nodes.iter().enumerate() {
            let Some(node) = organizations::NODES.get(ext, key) else {
                return Some(Error::UnknownNode);
            };
            if !b.orgs.contains(&node.org) {
                return Some(Error::NodeNotOfChainOrgs);
            }
            if b.nodes[..j].contains(key) {
                return Some(Error::DuplicateNode);
            }
            if !owners.contains(&node.org) {
                owners.push(node.org);
            }
        }
    }
    mode_error(chain, &owners)
}

/// Why the nodes break the chain's mode: a node in two blockchains under isolation, or
/// nodes of several organizations (resource spaces) when private.
pub(crate) fn mode_error(chain: &BusinessChain, owners: &[OrgCode]) -> Option<Error> {
    match chain.mode {
        ChainMode::MultiSubchain => None,
        ChainMode::SingleChainIsolation => {
            let all: Vec<&NodeKey> = chain.blockchains.iter().flat_map(|b| b.nodes.iter()).collect();
            let shared = all.iter().enumerate().any(|(i, k)| all[..i].contains(k));
            shared.then_some(Error::ModeViolated)
        }
        ChainMode::Private => (owners.len() > 1).then_some(Error::ModeViolated),
    }
}

/// Records that `chain`'s nodes serve it (it is live).
pub(crate) fn index_nodes(ext: &mut Ext<'_>, id: ChainId, chain: &BusinessChain) {
    for key in chain.blockchains.iter().flat_map(|b| b.nodes.iter()) {
        NODE_CHAINS.insert(ext, key, &id, &());
    }
}

/// Forgets that `chain`'s nodes serve it (it failed or went).
pub(crate) fn unindex_nodes(ext: &mut Ext<'_>, id: ChainId, chain: &BusinessChain) {
    for key in chain.blockchains.iter().flat_map(|b| b.nodes.iter()) {
        NODE_CHAINS.remove(ext, key, &id);
    }
}

/// `org` leaves `alliance`: its membership, its part in business chains (its nodes with
/// it), its pending approvals of join requests. The leader hands over to the next member;
/// an alliance left empty is removed. Returns the organization's nodes that were serving
/// the alliance's live chains.
pub(crate) fn leave(ext: &mut Ext<'_>, id: AllianceId, org: OrgCode) -> Vec<NodeKey> {
    let Some(mut alliance) = ALLIANCES.get(ext, &id) else {
        return Vec::new();
    };
    ORG_ALLIANCES.remove(ext, &org, &id);
    alliance.members.remove_first(|m| *m == org);
    deposit(ext, Event::MemberExited { alliance: id, org });
    if alliance.members.is_empty() {
        ALLIANCES.insert(ext, &id, &alliance);
        remove_alliance(ext, id);
        return Vec::new();
    }
    if alliance.leader == org {
        alliance.leader = alliance.members[0];
        deposit(ext, Event::LeaderChanged { alliance: id, leader: alliance.leader });
    }
    ALLIANCES.insert(ext, &id, &alliance);
    let mut stopped = Vec::new();
    for chain_id in alliance.chains.iter() {
        let Some(mut chain) = CHAINS.get(ext, chain_id) else { continue };
        if !chain.orgs.contains(&org) {
            continue;
        }
        let live = is_live(chain.status);
        if live {
            unindex_nodes(ext, *chain_id, &chain);
        }
        chain.orgs.remove_first(|o| *o == org);
        if chain.creator == org {
            chain.creator = chain.orgs.first().copied().unwrap_or(org);
        }
        for b in chain.blockchains.as_mut_slice().iter_mut() {
            b.orgs.remove_first(|o| *o == org);
            let owned: Vec<NodeKey> = b
                .nodes
                .iter()
                .filter(|k| organizations::NODES.get(ext, k).is_none_or(|n| n.org == org))
                .copied()
                .collect();
            for key in &owned {
                b.nodes.remove_first(|k| k == key);
                if live && !stopped.contains(key) {
                    stopped.push(*key);
                }
            }
        }
        // A blockchain no organization runs any more goes; a chain left with none fails.
        chain.blockchains.retain(|b| !b.orgs.is_empty());
        if chain.orgs.is_empty() || chain.blockchains.is_empty() {
            if chain.status == ChainStatus::Creating {
                tasks::fail(ext, chain.task, TaskFailure::Cancelled);
            }
            if live {
                chain.status = ChainStatus::Failed;
                deposit(ext, Event::ChainFailed { chain: *chain_id });
            }
            CHAINS.insert(ext, chain_id, &chain);
            continue;
        }
        if live {
            index_nodes(ext, *chain_id, &chain);
        }
        CHAINS.insert(ext, chain_id, &chain);
        if chain.status == ChainStatus::Creating {
            // Its driver no longer has to start anything for it.
            tasks::drop_part(ext, chain.task, org);
        }
    }
    for (_, request) in JOIN_REQUESTS.iter_prefix1(ext, &id, JOIN_REQUESTS_MAX + 1) {
        tasks::drop_part(ext, request.task, org);
    }
    stopped
}

/// Removes an alliance with its invitations, join requests and business chains; their
/// running tasks are cancelled. Returns the organizations that ran nodes of its live chains.
pub(crate) fn remove_alliance(ext: &mut Ext<'_>, id: AllianceId) -> Vec<OrgCode> {
    let Some(alliance) = ALLIANCES.get(ext, &id) else {
        return Vec::new();
    };
    for member in alliance.members.iter() {
        ORG_ALLIANCES.remove(ext, member, &id);
    }
    for (invitee, task) in INVITATIONS.iter_prefix1(ext, &id, ALLIANCE_MEMBERS_MAX + 1) {
        tasks::fail(ext, task, TaskFailure::Cancelled);
        remove_invitation(ext, id, invitee);
    }
    for (_, request) in JOIN_REQUESTS.iter_prefix1(ext, &id, JOIN_REQUESTS_MAX + 1) {
        tasks::fail(ext, request.task, TaskFailure::Cancelled);
    }
    JOIN_REQUESTS.clear_prefix(ext, &id, JOIN_REQUESTS_MAX + 1);
    let mut owners = Vec::new();
    for chain_id in alliance.chains.iter() {
        let Some(chain) = CHAINS.get(ext, chain_id) else { continue };
        if is_live(chain.status) {
            for org in node_owners(ext, &chain) {
                if !owners.contains(&org) {
                    owners.push(org);
                }
            }
            unindex_nodes(ext, *chain_id, &chain);
        }
        if chain.status == ChainStatus::Creating {
            tasks::fail(ext, chain.task, TaskFailure::Cancelled);
        }
        CHAINS.remove(ext, chain_id);
    }
    if TASKS.get(ext, &alliance.task).is_some_and(|t| t.status == TaskStatus::Running) {
        tasks::fail(ext, alliance.task, TaskFailure::Cancelled);
    }
    ALLIANCES.remove(ext, &id);
    deposit(ext, Event::AllianceRemoved { alliance: id });
    owners
}

pub(crate) fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}
