//! Tasks: starting them, answering their parts, settling, failing with compensation, and
//! the deadlines that end them in `on_initialize`.

use accord_pallet_organizations::OrgCode;
use accord_pallet_system as system;
use accord_primitives::BlockNumber;
use accord_support::{BoundedVec, DispatchError, Ext, Weight};

use crate::registry::{self, deposit};
use crate::*;

/// How far past its block a deadline may be moved when that block is full.
const SLOT_SEARCH: BlockNumber = 16;

/// The first block at or after `at` with room for one more deadline, if one is near.
pub(crate) fn slot(ext: &Ext<'_>, at: BlockNumber) -> Option<BlockNumber> {
    (at..at.saturating_add(SLOT_SEARCH)).find(|b| DUE_AT.get(ext, b).len() < DEADLINES_PER_BLOCK_MAX as usize)
}

/// Schedules `due` at `at`, which [`slot`] found to have room: `DeadlinesFull` if it has
/// none (nothing is written then).
pub(crate) fn schedule(ext: &mut Ext<'_>, at: BlockNumber, due: Due) -> Result<(), DispatchError> {
    let mut list = DUE_AT.get(ext, &at);
    if list.try_push(due).is_err() {
        return Err(ext.error(Error::DeadlinesFull));
    }
    DUE_AT.insert(ext, &at, &list);
    Ok(())
}

/// Whether `deadline` (blocks from now) is allowed.
pub(crate) fn deadline_ok(deadline: BlockNumber) -> bool {
    (DEADLINE_MIN..=DEADLINE_MAX).contains(&deadline)
}

/// Starts a task whose deadline falls in block `at` (a slot the caller found), with a part
/// for each of `parts` (organizations of the alliance, so at most its member bound). Fails
/// before any write if the slot is full or there are more parts than that.
pub(crate) fn start(
    ext: &mut Ext<'_>,
    kind: TaskKind,
    alliance: AllianceId,
    parts: &[OrgCode],
    at: BlockNumber,
) -> Result<TaskId, DispatchError> {
    let parts = parts.iter().map(|o| (*o, PartStatus::Waiting)).collect();
    let Ok(parts) = BoundedVec::try_from_vec(parts) else {
        return Err(DispatchError::Other("alliances: a task has more parts than an alliance has members"));
    };
    let id = LAST_TASK.get(ext) + 1;
    schedule(ext, at, Due::Task(id))?;
    LAST_TASK.put(ext, &id);
    let task = Task {
        kind,
        alliance,
        status: TaskStatus::Running,
        parts,
        deadline: at,
        started_at: system::block_number(ext),
    };
    TASKS.insert(ext, &id, &task);
    deposit(ext, Event::TaskStarted { task: id, kind, deadline: at });
    Ok(id)
}

/// Records `org`'s answer to its part, then settles the task.
pub(crate) fn answer(ext: &mut Ext<'_>, id: TaskId, org: OrgCode, part: PartStatus) {
    let Some(mut task) = TASKS.get(ext, &id).filter(|t| t.status == TaskStatus::Running) else {
        return;
    };
    let Some(slot) = task.parts.as_mut_slice().iter_mut().find(|(o, _)| *o == org) else {
        return;
    };
    slot.1 = part;
    TASKS.insert(ext, &id, &task);
    let (answered, total) = task.progress();
    deposit(ext, Event::TaskProgress { task: id, org, part, answered, total });
    settle(ext, id);
}

/// `org` no longer takes part (it left the alliance): its part goes, then the task settles.
pub(crate) fn drop_part(ext: &mut Ext<'_>, id: TaskId, org: OrgCode) {
    let Some(mut task) = TASKS.get(ext, &id).filter(|t| t.status == TaskStatus::Running) else {
        return;
    };
    if task.parts.remove_first(|(o, _)| *o == org).is_some() {
        TASKS.insert(ext, &id, &task);
        settle(ext, id);
    }
}

/// Decides a running task if its parts allow it.
pub(crate) fn settle(ext: &mut Ext<'_>, id: TaskId) {
    let Some(task) = TASKS.get(ext, &id).filter(|t| t.status == TaskStatus::Running) else {
        return;
    };
    let driver_task =
        matches!(task.kind, TaskKind::ExitAlliance { .. } | TaskKind::DeleteAlliance | TaskKind::CreateChain { .. });
    // An organization that left the consortium has no driver any more: its part of a driver
    // task does not hold the task up.
    let gone = |org: &OrgCode| {
        driver_task
            && !accord_pallet_organizations::ORGS
                .get(ext, org)
                .is_some_and(|o| o.status != accord_pallet_organizations::OrgStatus::Exited)
    };
    let waiting = task.parts.iter().any(|(o, p)| *p == PartStatus::Waiting && !gone(o));
    let failed = task.parts.iter().find(|(_, p)| *p == PartStatus::Failed).map(|(o, _)| *o);
    match task.kind {
        TaskKind::CreateAlliance => {
            if !waiting {
                if task.parts.iter().any(|(_, p)| *p == PartStatus::Done) {
                    succeed(ext, id, task);
                } else {
                    fail(ext, id, TaskFailure::NoInvitationAccepted);
                }
            }
        }
        TaskKind::JoinAlliance { .. } => match failed {
            Some(by) => fail(ext, id, TaskFailure::Rejected { by }),
            None if !waiting => succeed(ext, id, task),
            None => {}
        },
        TaskKind::ExitAlliance { .. } | TaskKind::DeleteAlliance | TaskKind::CreateChain { .. } => match failed {
            Some(org) => fail(ext, id, TaskFailure::Reported { org }),
            None if !waiting => succeed(ext, id, task),
            None => {}
        },
    }
}

fn succeed(ext: &mut Ext<'_>, id: TaskId, mut task: Task) {
    if let TaskKind::JoinAlliance { org } = task.kind {
        JOIN_REQUESTS.remove(ext, &task.alliance, &org);
        if !admit(ext, task.alliance, org) {
            fail(ext, id, TaskFailure::Cancelled);
            return;
        }
    }
    task.status = TaskStatus::Succeeded;
    TASKS.insert(ext, &id, &task);
    deposit(ext, Event::TaskSucceeded { task: id });
    if let TaskKind::CreateChain { chain } = task.kind {
        if let Some(mut c) = CHAINS.get(ext, &chain) {
            c.status = ChainStatus::Active;
            CHAINS.insert(ext, &chain, &c);
            deposit(ext, Event::ChainActivated { chain });
        }
    }
}

/// Adds `org` to `alliance` if both still allow it: the organization active and below its
/// alliance bound, the alliance not full.
pub(crate) fn admit(ext: &mut Ext<'_>, id: AllianceId, org: OrgCode) -> bool {
    let Some(mut alliance) = ALLIANCES.get(ext, &id) else {
        return false;
    };
    let in_alliances = ORG_ALLIANCES.iter_prefix1(ext, &org, ORG_ALLIANCES_MAX).len() as u32;
    if !accord_pallet_organizations::is_active(ext, org) || in_alliances >= ORG_ALLIANCES_MAX {
        return false;
    }
    if alliance.members.contains(&org) || alliance.members.try_push(org).is_err() {
        return false;
    }
    if alliance.status == AllianceStatus::Forming {
        alliance.status = AllianceStatus::Active;
    }
    ALLIANCES.insert(ext, &id, &alliance);
    ORG_ALLIANCES.insert(ext, &org, &id, &());
    deposit(ext, Event::MemberJoined { alliance: id, org });
    // Every current member approves a join: the newcomer too, for the requests still open.
    for (joiner, request) in JOIN_REQUESTS.iter_prefix1(ext, &id, JOIN_REQUESTS_MAX + 1) {
        if joiner == org {
            continue;
        }
        if let Some(mut task) = TASKS.get(ext, &request.task).filter(|t| t.status == TaskStatus::Running) {
            if !task.parts.iter().any(|(o, _)| *o == org) {
                // A join task's parts are members (one that leaves drops its part, and `org`
                // just joined), so at most ALLIANCE_MEMBERS_MAX: there is room.
                let added = task.parts.try_push((org, PartStatus::Waiting)).is_ok();
                debug_assert!(added, "a join task has more parts than the alliance has members");
                TASKS.insert(ext, &request.task, &task);
            }
        }
    }
    true
}

/// Ends a running task as failed, then compensates what it started — except when
/// `Cancelled`, which means what it belonged to is being removed by the caller.
pub(crate) fn fail(ext: &mut Ext<'_>, id: TaskId, reason: TaskFailure) {
    let Some(mut task) = TASKS.get(ext, &id).filter(|t| t.status == TaskStatus::Running) else {
        return;
    };
    task.status = TaskStatus::Failed(reason);
    TASKS.insert(ext, &id, &task);
    deposit(ext, Event::TaskFailed { task: id, reason });
    if reason == TaskFailure::Cancelled {
        return;
    }
    match task.kind {
        // No invitee accepted: the alliance is removed, nothing half-made remains.
        TaskKind::CreateAlliance => {
            registry::remove_alliance(ext, task.alliance);
        }
        TaskKind::JoinAlliance { org } => JOIN_REQUESTS.remove(ext, &task.alliance, &org),
        // The chain's record stays as `Failed`; its nodes are freed, drivers stop them.
        TaskKind::CreateChain { chain } => {
            if let Some(mut c) = CHAINS.get(ext, &chain) {
                registry::unindex_nodes(ext, chain, &c);
                c.status = ChainStatus::Failed;
                CHAINS.insert(ext, &chain, &c);
                deposit(ext, Event::ChainFailed { chain });
            }
        }
        // Exits and deletions are not undone: the failure records whose driver did not confirm.
        TaskKind::ExitAlliance { .. } | TaskKind::DeleteAlliance => {}
    }
}

/// A task's deadline: unanswered invitations expire (the creation settles on the answers
/// it has), a join request without every approval expires, drivers that did not report fail
/// their task.
fn expire(ext: &mut Ext<'_>, id: TaskId) {
    let Some(mut task) = TASKS.get(ext, &id).filter(|t| t.status == TaskStatus::Running) else {
        return;
    };
    match task.kind {
        TaskKind::CreateAlliance => {
            for (org, part) in task.parts.as_mut_slice().iter_mut() {
                if *part == PartStatus::Waiting {
                    *part = PartStatus::Failed;
                    registry::remove_invitation(ext, task.alliance, *org);
                    deposit(ext, Event::InvitationExpired { alliance: task.alliance, org: *org });
                }
            }
            TASKS.insert(ext, &id, &task);
            settle(ext, id);
        }
        TaskKind::JoinAlliance { org } => {
            deposit(ext, Event::JoinExpired { alliance: task.alliance, joiner: org });
            fail(ext, id, TaskFailure::Expired);
        }
        _ => {
            // Parts of exited organizations do not count (see `settle`): it may be done.
            settle(ext, id);
            fail(ext, id, TaskFailure::Expired);
        }
    }
}

/// Takes an alliance whose notice ran out off the registry, with its chains; the
/// organizations that ran their nodes get a task to confirm they stopped them.
fn delete(ext: &mut Ext<'_>, id: AllianceId, n: BlockNumber) {
    let due = ALLIANCES.get(ext, &id).is_some_and(|a| a.status == AllianceStatus::Deleting { effective_at: n });
    if !due {
        return;
    }
    let owners = registry::remove_alliance(ext, id);
    if !owners.is_empty() {
        // A block's list is full only if 64 deadlines fall in 16 blocks: then the task has
        // no deadline slot and is not started (the drivers reconcile regardless).
        if let Some(at) = slot(ext, n.saturating_add(TASK_TIMEOUT)) {
            // `slot` found room and the owners ran the alliance's nodes: it starts.
            let started = start(ext, TaskKind::DeleteAlliance, id, &owners, at);
            debug_assert!(started.is_ok(), "{started:?}");
        }
    }
}

/// Processes what falls due at block `n`.
pub(crate) fn on_initialize(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
    let key = DUE_AT.key(&n);
    if !ext.exists(&key) {
        return weights::due_check();
    }
    let due = DUE_AT.get(ext, &n);
    DUE_AT.remove(ext, &n);
    for item in due.iter() {
        match *item {
            Due::Task(id) => expire(ext, id),
            Due::Deletion(id) => delete(ext, id, n),
        }
    }
    weights::due_check().saturating_add(weights::due_item().saturating_mul(due.len() as u64))
}
