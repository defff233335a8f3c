//! Weights of the governance pallet: storage reads and writes (see
//! `accord_support::dispatch::db_weight`) at their bounds, plus a fixed computation share.
//! Estimates until the measured-weights harness (issue 19) replaces them.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::{ELECTORATE_MAX, OPEN_MAX};

const BASE: Weight = Weight::from_ref_time(10_000_000);

/// `propose`: the electorate snapshot reads every organization code ever assigned (at most
/// `accord_pallet_organizations::ORGS_MAX`) and each member's weight; the live proposals read.
pub fn propose() -> Weight {
    let orgs = accord_pallet_organizations::ORGS_MAX as u64;
    BASE.saturating_add(db_weight::reads_writes(3 + orgs + ELECTORATE_MAX as u64 + OPEN_MAX as u64, 3))
}

/// `vote`: the proposal read and written, the tally over at most [`ELECTORATE_MAX`] votes,
/// maybe the live list and the execute queue.
pub fn vote() -> Weight {
    BASE.saturating_add(Weight::from_ref_time(5_000_000)).saturating_add(db_weight::reads_writes(4, 4))
}

/// `execute` without its call: the proposal read and written, the live list.
pub fn execute() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(2, 2))
}

/// `set_rules`, `set_weight`.
pub fn set_rules() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(1, 1))
}

/// The block hook with nothing due: the queue and the live list read.
pub fn hook_base() -> Weight {
    db_weight::reads_writes(2, 0)
}

/// One live proposal looked at (and maybe closed) by the block hook.
pub fn per_live() -> Weight {
    Weight::from_ref_time(5_000_000).saturating_add(db_weight::reads_writes(1, 2))
}
