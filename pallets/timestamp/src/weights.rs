//! Weights of the timestamp pallet.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// `set`: reads and writes `Now` and `DidUpdate`.
pub fn set() -> Weight {
    Weight::from_ref_time(5_000_000).saturating_add(db_weight::reads_writes(2, 2))
}

/// `on_finalize`: clears `DidUpdate`.
pub fn on_finalize() -> Weight {
    db_weight::reads_writes(0, 1)
}
