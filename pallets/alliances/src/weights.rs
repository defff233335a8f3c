//! Weights of the alliances pallet: storage reads and writes (see
//! `accord_support::dispatch::db_weight`) at their bounds, plus a fixed computation share.
//! Estimates until the measured-weights harness (issue 19) replaces them.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::{ALLIANCES_MAX, ALLIANCE_MEMBERS_MAX, CHAINS_MAX, CHAIN_NODES_MAX, JOIN_REQUESTS_MAX, ORG_ALLIANCES_MAX};

const BASE: Weight = Weight::from_ref_time(10_000_000);

/// Settling a task after an answer: the task, its alliance, and what success or failure
/// touches (at worst a whole alliance's removal, see [`remove_alliance`]).
fn settle() -> Weight {
    db_weight::reads_writes(4, 4)
}

/// Removing an alliance: its members' indexes, invitations, requests, chains and their
/// nodes' indexes, and the tasks cancelled.
pub fn remove_alliance() -> Weight {
    let members = ALLIANCE_MEMBERS_MAX as u64;
    let chains = CHAINS_MAX as u64;
    let nodes = chains * CHAIN_NODES_MAX as u64 * crate::BLOCKCHAINS_MAX as u64;
    let requests = JOIN_REQUESTS_MAX as u64;
    BASE.saturating_add(db_weight::reads_writes(
        2 + 2 * members + 2 * requests + 2 * chains + nodes,
        2 + 2 * members + 2 * requests + 2 * chains + nodes,
    ))
}

/// `register_platform`: every platform read for its name, two writes.
pub fn register_platform() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(1 + crate::PLATFORMS_MAX as u64, 2))
}

/// `create_alliance` with `invitees`: each read once, an invitation and an event each.
pub fn create_alliance(invitees: u32) -> Weight {
    let n = invitees as u64;
    BASE.saturating_add(db_weight::reads_writes(6 + n + ORG_ALLIANCES_MAX as u64, 7 + n))
}

/// An answer (`accept_invitation`, `reject_invitation`, `approve_join`, `reject_join`).
pub fn answer() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(5 + 2 * ORG_ALLIANCES_MAX as u64, 3))
        .saturating_add(settle())
        .saturating_add(remove_alliance())
}

/// `request_join`.
pub fn request_join() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(5 + JOIN_REQUESTS_MAX as u64 + ORG_ALLIANCES_MAX as u64, 5))
}

/// `exit_alliance`: the leave (every chain of the alliance rewritten), maybe a removal.
pub fn exit_alliance() -> Weight {
    let chains = CHAINS_MAX as u64;
    BASE.saturating_add(db_weight::reads_writes(3 + 3 * chains + CHAIN_NODES_MAX as u64, 3 + 3 * chains))
        .saturating_add(remove_alliance())
}

/// `delete_alliance`: the alliance and its deadline slot.
pub fn delete_alliance() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 2))
}

/// `create_business_chain` with `blockchains` blockchains and `nodes` nodes in all.
pub fn create_business_chain(blockchains: u32, nodes: u32) -> Weight {
    BASE.saturating_add(db_weight::reads_writes(6 + blockchains as u64 + nodes as u64, 6 + nodes as u64))
}

/// `report_task`.
pub fn report_task() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 2)).saturating_add(settle())
}

/// The block hook's check for deadlines falling in this block.
pub fn due_check() -> Weight {
    db_weight::reads_writes(1, 0)
}

/// One deadline or deletion falling due (at worst an alliance's removal).
pub fn due_item() -> Weight {
    Weight::from_ref_time(5_000_000).saturating_add(settle()).saturating_add(remove_alliance())
}

/// An organization leaving the consortium: every alliance it is in, every invitation (each
/// answered, which may remove its alliance) and join request it has (one read per alliance
/// ever created to find them).
pub fn org_exited() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(2 * ALLIANCES_MAX as u64, 0))
        .saturating_add(exit_alliance().saturating_mul(ORG_ALLIANCES_MAX as u64))
        .saturating_add(answer().saturating_mul(crate::ORG_INVITATIONS_MAX as u64))
}
