//! The storage invariants, checked after every step of the tests (and by the runtime's
//! `check_state`). Reads every item: for tests and audits, not for blocks.

use accord_pallet_organizations::{self as organizations, OrgStatus};
use accord_support::storage::storage_prefix;
use accord_support::Ext;

use crate::registry::{chain_error, is_live};
use crate::*;

/// Every invariant:
/// - an alliance has 1 to [`ALLIANCE_MEMBERS_MAX`] distinct members, its leader among them,
///   each a registered organization that has not exited (suspension takes an organization's
///   rights, not its memberships), indexed in `OrgAlliances` (and nothing else is); a
///   forming alliance has only its leader, and its creation task runs;
/// - every business chain of an alliance exists and names it; a live (creating or active)
///   chain keeps every rule of [`chain_error`] against the current registry (so its mode
///   holds), and `NodeChains` lists exactly the live chains' nodes;
/// - an invitation names a running creation task in which its invitee waits; a join
///   request names a running join task of its organization, not yet a member;
/// - a task's parts are distinct organizations; ids never exceed their `Last*` counters.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    let alliances = ALLIANCES.iter_from(ext, None, u32::MAX);
    let last = LAST_ALLIANCE.get(ext);
    let mut memberships = 0usize;
    let mut node_chains = 0usize;
    for (id, alliance) in &alliances {
        if *id == 0 || *id > last {
            return Err(format!("alliance {id} beyond LastAlliance {last}"));
        }
        let m = &alliance.members;
        if m.is_empty() || !m.contains(&alliance.leader) || m.iter().enumerate().any(|(i, o)| m[..i].contains(o)) {
            return Err(format!("alliance {id}: members {:?}, leader {}", m.as_slice(), alliance.leader));
        }
        for org in m.iter() {
            let live = organizations::ORGS.get(ext, org).is_some_and(|o| o.status != OrgStatus::Exited);
            if !live || ORG_ALLIANCES.get(ext, org, id).is_none() {
                return Err(format!("alliance {id}: member {org} is exited or not indexed"));
            }
        }
        memberships += m.len();
        if alliance.status == AllianceStatus::Forming {
            let running = TASKS.get(ext, &alliance.task).is_some_and(|t| t.status == TaskStatus::Running);
            if m.len() != 1 || !running {
                return Err(format!("alliance {id} is forming with {} members", m.len()));
            }
        }
        for chain_id in alliance.chains.iter() {
            let chain = CHAINS.get(ext, chain_id).ok_or_else(|| format!("alliance {id}: chain {chain_id} missing"))?;
            if chain.alliance != *id {
                return Err(format!("chain {chain_id} names alliance {}", chain.alliance));
            }
            if is_live(chain.status) {
                if let Some(error) = chain_error(ext, alliance, &chain) {
                    return Err(format!("chain {chain_id} breaks a rule: {error:?}"));
                }
                for b in chain.blockchains.iter() {
                    for key in b.nodes.iter() {
                        if NODE_CHAINS.get(ext, key, chain_id).is_none() {
                            return Err(format!("chain {chain_id}: a node is not indexed"));
                        }
                    }
                }
                let mut keys: Vec<_> = chain.blockchains.iter().flat_map(|b| b.nodes.iter()).collect();
                keys.sort();
                keys.dedup();
                node_chains += keys.len();
            }
        }
        for (org, task) in INVITATIONS.iter_prefix1(ext, id, u32::MAX) {
            let waiting = TASKS.get(ext, &task).is_some_and(|t| {
                t.status == TaskStatus::Running
                    && t.kind == TaskKind::CreateAlliance
                    && t.parts.contains(&(org, PartStatus::Waiting))
            });
            if !waiting || m.contains(&org) {
                return Err(format!("alliance {id}: invitation of {org} has no waiting part"));
            }
        }
        for (org, request) in JOIN_REQUESTS.iter_prefix1(ext, id, u32::MAX) {
            let running = TASKS.get(ext, &request.task).is_some_and(|t| {
                t.status == TaskStatus::Running && t.kind == TaskKind::JoinAlliance { org } && t.alliance == *id
            });
            if !running || m.contains(&org) {
                return Err(format!("alliance {id}: join request of {org} is not a running task"));
            }
        }
    }
    let mut invited: std::collections::BTreeMap<OrgCode, u32> = Default::default();
    for (id, _) in &alliances {
        for (org, _) in INVITATIONS.iter_prefix1(ext, id, u32::MAX) {
            *invited.entry(org).or_default() += 1;
        }
    }
    let counted: std::collections::BTreeMap<OrgCode, u32> =
        INVITATION_COUNT.iter_from(ext, None, u32::MAX).into_iter().collect();
    if invited != counted || counted.values().any(|c| *c == 0 || *c > ORG_INVITATIONS_MAX) {
        return Err(format!("InvitationCount {counted:?} does not count the open invitations {invited:?}"));
    }
    let indexed = count_prefix(ext, &storage_prefix(NAME, "OrgAlliances"));
    if indexed != memberships {
        return Err(format!("OrgAlliances has {indexed} entries, the alliances {memberships} members"));
    }
    let node_index = count_prefix(ext, &storage_prefix(NAME, "NodeChains"));
    if node_index != node_chains {
        return Err(format!("NodeChains has {node_index} entries, the live chains {node_chains} nodes"));
    }
    for (id, task) in TASKS.iter_from(ext, None, u32::MAX) {
        let p = &task.parts;
        if id == 0
            || id > LAST_TASK.get(ext)
            || p.iter().enumerate().any(|(i, (o, _))| p[..i].iter().any(|(x, _)| x == o))
        {
            return Err(format!("task {id}: bad id or parts twice"));
        }
    }
    Ok(())
}

/// How many keys start with `prefix`.
fn count_prefix(ext: &Ext<'_>, prefix: &[u8]) -> usize {
    let mut cursor = prefix.to_vec();
    let mut n = 0;
    while let Some(key) = ext.next_key(&cursor) {
        if !key.starts_with(prefix) {
            break;
        }
        n += 1;
        cursor = key;
    }
    n
}
