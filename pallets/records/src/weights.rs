//! Weights of the records pallet: storage access counts, the log entry, a base cost.

use accord_pallet_oplog::weights::append;
use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// `create`: reads and writes the record, one log entry.
pub fn create(state_len: u32) -> Weight {
    Weight::from_ref_time(15_000_000).saturating_add(db_weight::reads_writes(1, 1)).saturating_add(append(state_len))
}

/// `update_state`: as `create`, with the old state in the log entry too.
pub fn update_state(state_len: u32) -> Weight {
    create(state_len.saturating_mul(2))
}

/// `transfer_ownership`, `delete`: one record and one log entry of the current state.
pub fn owner_operation() -> Weight {
    create(2 * accord_pallet_oplog::STATE_LEN_MAX)
}

/// `authorize`, `deauthorize`: one record, no log entry.
pub fn authorization() -> Weight {
    Weight::from_ref_time(10_000_000).saturating_add(db_weight::reads_writes(1, 1))
}

/// Version 2's revision counter: one read, one write (charged whichever version runs).
pub fn revision() -> Weight {
    db_weight::reads_writes(1, 1)
}
