//! Weights of the sub-chain status pallet: storage reads and writes at their bounds plus a
//! fixed computation share.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::MEMBERS_MAX;

const BASE: Weight = Weight::from_ref_time(10_000_000);

/// `register_subchain`: each member organization read, the record written.
pub fn register() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(1 + MEMBERS_MAX as u64, 2))
}

/// `add_monitor`, `remove_monitor`: the sub-chain, the organization, the monitor and its count.
pub fn monitor() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 2))
}

/// `report`: the sub-chain, the monitor and its organization, the latest report; the report,
/// the dropped history entry and the sub-chain written.
pub fn report() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 3))
}

/// `announce_contract`, `dispute_contract`, `resolve_contract`: the sub-chain, the monitor
/// and its organization, the announcement and its dispute read; one of them and a flag
/// written.
pub fn contract() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(5, 2))
}

/// `dispute`, `confirm`, `resolve`: the sub-chain, the monitor, the report, the dispute and
/// the counters.
pub fn dispute() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(6, 4))
}
