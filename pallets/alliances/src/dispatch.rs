//! The calls: each checks everything first, then writes.

use accord_pallet_organizations::{self as organizations, OrgCode};
use accord_pallet_system as system;
use accord_support::{DispatchError, DispatchResult, Ext, Origin};

use crate::registry::{self, deposit};
use crate::tasks;
use crate::*;

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

/// `origin` must be a signed admin of the active organization `org`.
fn ensure_admin(ext: &Ext<'_>, origin: &Origin, org: OrgCode) -> Result<(), DispatchError> {
    let who = origin.ensure_signed()?;
    if !organizations::is_active_admin(ext, org, &who) {
        return Err(fail(ext, Error::NotAdmin));
    }
    Ok(())
}

fn alliance(ext: &Ext<'_>, id: AllianceId) -> Result<Alliance, DispatchError> {
    ALLIANCES.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownAlliance))
}

fn alliance_count(ext: &Ext<'_>, org: OrgCode) -> u32 {
    ORG_ALLIANCES.iter_prefix1(ext, &org, ORG_ALLIANCES_MAX + 1).len() as u32
}

/// The block a deadline `blocks` from now falls in, with a free slot.
fn deadline_slot(ext: &Ext<'_>, blocks: BlockNumber) -> Result<BlockNumber, DispatchError> {
    if !tasks::deadline_ok(blocks) {
        return Err(fail(ext, Error::BadDeadline));
    }
    tasks::slot(ext, system::block_number(ext).saturating_add(blocks)).ok_or_else(|| fail(ext, Error::DeadlinesFull))
}

/// Dispatches an alliances call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    match call {
        Call::register_platform { name, interfaces } => {
            origin.ensure_root()?;
            if name.is_empty() {
                return Err(fail(ext, Error::EmptyName));
            }
            if interfaces.iter().enumerate().any(|(i, x)| interfaces[..i].contains(x)) {
                return Err(fail(ext, Error::DuplicateInterface));
            }
            let last = LAST_PLATFORM.get(ext);
            if (1..=last).any(|p| PLATFORMS.get(ext, &p).is_some_and(|p| p.name == name)) {
                return Err(fail(ext, Error::PlatformExists));
            }
            if last >= PLATFORMS_MAX {
                return Err(fail(ext, Error::TooManyPlatforms));
            }
            let id = last + 1;
            PLATFORMS.insert(ext, &id, &Platform { name, interfaces });
            LAST_PLATFORM.put(ext, &id);
            deposit(ext, Event::PlatformRegistered { platform: id });
        }
        Call::create_alliance { org, name, platform, invitees, deadline } => {
            ensure_admin(ext, &origin, org)?;
            if name.is_empty() {
                return Err(fail(ext, Error::EmptyName));
            }
            if !PLATFORMS.contains_key(ext, &platform) {
                return Err(fail(ext, Error::UnknownPlatform));
            }
            if invitees.is_empty() {
                return Err(fail(ext, Error::NoInvitees));
            }
            let bad =
                |i: usize, o: &OrgCode| *o == org || invitees[..i].contains(o) || !organizations::is_active(ext, *o);
            if invitees.iter().enumerate().any(|(i, o)| bad(i, o)) {
                return Err(fail(ext, Error::BadInvitee));
            }
            if invitees.iter().any(|o| INVITATION_COUNT.get(ext, o) >= ORG_INVITATIONS_MAX) {
                return Err(fail(ext, Error::TooManyInvitations));
            }
            if alliance_count(ext, org) >= ORG_ALLIANCES_MAX {
                return Err(fail(ext, Error::TooManyAlliances));
            }
            let last = LAST_ALLIANCE.get(ext);
            if last >= ALLIANCES_MAX {
                return Err(fail(ext, Error::AllianceLimitReached));
            }
            let at = deadline_slot(ext, deadline)?;
            let id = last + 1;
            LAST_ALLIANCE.put(ext, &id);
            let task = tasks::start(ext, TaskKind::CreateAlliance, id, &invitees, at)?;
            let record = Alliance {
                name,
                leader: org,
                platform,
                members: OrgList::from_array([org]),
                status: AllianceStatus::Forming,
                chains: BoundedVec::new(),
                task,
            };
            ALLIANCES.insert(ext, &id, &record);
            ORG_ALLIANCES.insert(ext, &org, &id, &());
            deposit(ext, Event::AllianceCreated { alliance: id, leader: org });
            for invitee in invitees.iter() {
                registry::add_invitation(ext, id, *invitee, task);
                deposit(ext, Event::Invited { alliance: id, org: *invitee, deadline: at });
            }
        }
        Call::accept_invitation { alliance: id, org } => {
            ensure_admin(ext, &origin, org)?;
            let task = INVITATIONS.get(ext, &id, &org).ok_or_else(|| fail(ext, Error::NoInvitation))?;
            let record = alliance(ext, id)?;
            if matches!(record.status, AllianceStatus::Deleting { .. }) {
                return Err(fail(ext, Error::AllianceNotActive));
            }
            if record.members.len() as u32 >= ALLIANCE_MEMBERS_MAX {
                return Err(fail(ext, Error::AllianceFull));
            }
            if alliance_count(ext, org) >= ORG_ALLIANCES_MAX {
                return Err(fail(ext, Error::TooManyAlliances));
            }
            registry::remove_invitation(ext, id, org);
            deposit(ext, Event::InvitationAccepted { alliance: id, org });
            // Checked above: there is room, and `org` is active and below its bound.
            tasks::admit(ext, id, org);
            tasks::answer(ext, task, org, PartStatus::Done);
        }
        Call::reject_invitation { alliance: id, org } => {
            ensure_admin(ext, &origin, org)?;
            let task = INVITATIONS.get(ext, &id, &org).ok_or_else(|| fail(ext, Error::NoInvitation))?;
            registry::remove_invitation(ext, id, org);
            deposit(ext, Event::InvitationRejected { alliance: id, org });
            tasks::answer(ext, task, org, PartStatus::Declined);
        }
        Call::request_join { alliance: id, org, deadline } => {
            ensure_admin(ext, &origin, org)?;
            let record = alliance(ext, id)?;
            if record.status != AllianceStatus::Active {
                return Err(fail(ext, Error::AllianceNotActive));
            }
            if record.members.contains(&org) {
                return Err(fail(ext, Error::AlreadyMember));
            }
            if JOIN_REQUESTS.get(ext, &id, &org).is_some() {
                return Err(fail(ext, Error::RequestExists));
            }
            if INVITATIONS.get(ext, &id, &org).is_some() {
                return Err(fail(ext, Error::AlreadyInvited));
            }
            if JOIN_REQUESTS.iter_prefix1(ext, &id, JOIN_REQUESTS_MAX).len() as u32 >= JOIN_REQUESTS_MAX {
                return Err(fail(ext, Error::TooManyRequests));
            }
            if record.members.len() as u32 >= ALLIANCE_MEMBERS_MAX {
                return Err(fail(ext, Error::AllianceFull));
            }
            if alliance_count(ext, org) >= ORG_ALLIANCES_MAX {
                return Err(fail(ext, Error::TooManyAlliances));
            }
            let at = deadline_slot(ext, deadline)?;
            let task = tasks::start(ext, TaskKind::JoinAlliance { org }, id, &record.members, at)?;
            JOIN_REQUESTS.insert(ext, &id, &org, &JoinRequest { task, deadline: at });
            deposit(ext, Event::JoinRequested { alliance: id, org, deadline: at });
        }
        Call::approve_join { alliance: id, joiner, member } => {
            ensure_admin(ext, &origin, member)?;
            let request = join_part(ext, id, joiner, member)?;
            let record = alliance(ext, id)?;
            if record.status != AllianceStatus::Active {
                return Err(fail(ext, Error::AllianceNotActive));
            }
            if record.members.len() as u32 >= ALLIANCE_MEMBERS_MAX {
                return Err(fail(ext, Error::AllianceFull));
            }
            if alliance_count(ext, joiner) >= ORG_ALLIANCES_MAX {
                return Err(fail(ext, Error::TooManyAlliances));
            }
            deposit(ext, Event::JoinApproved { alliance: id, joiner, by: member });
            tasks::answer(ext, request.task, member, PartStatus::Done);
        }
        Call::reject_join { alliance: id, joiner, member } => {
            ensure_admin(ext, &origin, member)?;
            let request = join_part(ext, id, joiner, member)?;
            deposit(ext, Event::JoinRejected { alliance: id, joiner, by: member });
            tasks::answer(ext, request.task, member, PartStatus::Failed);
        }
        Call::exit_alliance { alliance: id, org } => {
            ensure_admin(ext, &origin, org)?;
            let record = alliance(ext, id)?;
            if !record.members.contains(&org) {
                return Err(fail(ext, Error::NotMember));
            }
            if record.leader == org && record.members.len() > 1 {
                return Err(fail(ext, Error::LeaderCannotExit));
            }
            let serves = record.chains.iter().any(|c| {
                CHAINS
                    .get(ext, c)
                    .is_some_and(|c| registry::is_live(c.status) && registry::node_owners(ext, &c).contains(&org))
            });
            let at = if serves { Some(deadline_slot(ext, TASK_TIMEOUT)?) } else { None };
            registry::leave(ext, id, org);
            if let Some(at) = at {
                tasks::start(ext, TaskKind::ExitAlliance { org }, id, &[org], at)?;
            }
        }
        Call::delete_alliance { alliance: id, notice } => {
            let record = alliance(ext, id)?;
            let who = origin.ensure_signed()?;
            if !organizations::is_active_admin(ext, record.leader, &who) {
                // The leader's own admin refused (its organization is not active) is not
                // an admin now; anyone else is not the leader.
                let leaders_admin =
                    organizations::MEMBERS.get(ext, &record.leader, &who) == Some(organizations::Role::Admin);
                return Err(fail(ext, if leaders_admin { Error::NotAdmin } else { Error::NotLeader }));
            }
            if matches!(record.status, AllianceStatus::Deleting { .. }) {
                return Err(fail(ext, Error::AlreadyDeleting));
            }
            if !(DELETION_NOTICE_MIN..=DEADLINE_MAX).contains(&notice) {
                return Err(fail(ext, Error::BadDeadline));
            }
            let at = deadline_slot(ext, notice)?;
            let mut record = record;
            record.status = AllianceStatus::Deleting { effective_at: at };
            ALLIANCES.insert(ext, &id, &record);
            tasks::schedule(ext, at, Due::Deletion(id))?;
            deposit(ext, Event::DeletionScheduled { alliance: id, effective_at: at });
        }
        Call::create_business_chain { alliance: id, org, name, mode, orgs, blockchains } => {
            ensure_admin(ext, &origin, org)?;
            let mut record = alliance(ext, id)?;
            if record.status != AllianceStatus::Active {
                return Err(fail(ext, Error::AllianceNotActive));
            }
            if !record.members.contains(&org) {
                return Err(fail(ext, Error::NotMember));
            }
            // Failed chains keep their records but no longer count against the bound.
            record.chains.retain(|c| CHAINS.get(ext, c).is_some_and(|c| registry::is_live(c.status)));
            let chain = BusinessChain {
                alliance: id,
                creator: org,
                name,
                mode,
                orgs,
                blockchains,
                status: ChainStatus::Creating,
                task: 0,
            };
            if let Some(error) = registry::chain_error(ext, &record, &chain) {
                return Err(fail(ext, error));
            }
            if record.chains.len() as u32 >= CHAINS_MAX {
                return Err(fail(ext, Error::TooManyChains));
            }
            let owners = registry::node_owners(ext, &chain);
            let at = if owners.is_empty() { None } else { Some(deadline_slot(ext, TASK_TIMEOUT)?) };
            let chain_id = LAST_CHAIN.get(ext) + 1;
            if record.chains.try_push(chain_id).is_err() {
                return Err(fail(ext, Error::TooManyChains));
            }
            LAST_CHAIN.put(ext, &chain_id);
            let mut chain = chain;
            if let Some(at) = at {
                chain.task = tasks::start(ext, TaskKind::CreateChain { chain: chain_id }, id, &owners, at)?;
            } else {
                chain.status = ChainStatus::Active;
            }
            registry::index_nodes(ext, chain_id, &chain);
            CHAINS.insert(ext, &chain_id, &chain);
            ALLIANCES.insert(ext, &id, &record);
            deposit(ext, Event::ChainCreationStarted { chain: chain_id, alliance: id });
            if chain.status == ChainStatus::Active {
                deposit(ext, Event::ChainActivated { chain: chain_id });
            }
        }
        Call::report_task { task: id, org, success } => {
            let who = origin.ensure_signed()?;
            if organizations::org_of(ext, &who) != Some(org) || !organizations::is_active(ext, org) {
                return Err(fail(ext, Error::NotOrgAccount));
            }
            let task = TASKS.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownTask))?;
            if task.status != TaskStatus::Running {
                return Err(fail(ext, Error::TaskNotRunning));
            }
            if matches!(task.kind, TaskKind::CreateAlliance | TaskKind::JoinAlliance { .. }) {
                return Err(fail(ext, Error::NotADriverTask));
            }
            match task.parts.iter().find(|(o, _)| *o == org) {
                None => return Err(fail(ext, Error::NotAPart)),
                Some((_, PartStatus::Waiting)) => {}
                Some(_) => return Err(fail(ext, Error::AlreadyAnswered)),
            }
            let part = if success { PartStatus::Done } else { PartStatus::Failed };
            tasks::answer(ext, id, org, part);
        }
    }
    Ok(())
}

/// The open request of `joiner` to `alliance`, if `member` still has to answer it.
fn join_part(ext: &Ext<'_>, id: AllianceId, joiner: OrgCode, member: OrgCode) -> Result<JoinRequest, DispatchError> {
    let request = JOIN_REQUESTS.get(ext, &id, &joiner).ok_or_else(|| fail(ext, Error::NoRequest))?;
    let task = TASKS.get(ext, &request.task).ok_or_else(|| fail(ext, Error::NoRequest))?;
    match task.parts.iter().find(|(o, _)| *o == member) {
        None => Err(fail(ext, Error::NotMember)),
        Some((_, PartStatus::Waiting)) => Ok(request),
        Some(_) => Err(fail(ext, Error::AlreadyAnswered)),
    }
}
