//! Weights of the system pallet's calls. Estimates from storage access counts plus a base
//! cost; to be replaced by measured figures (see BENCHMARKS.md once it exists).

use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// `remark`: no storage access; linear in the remark's length (hashing nothing, copying it).
pub fn remark(len: u32) -> Weight {
    Weight::from_ref_time(2_000_000 + 1_000 * len as u64)
}

/// `remark_with_event`: blake2-256 of the remark and one event.
pub fn remark_with_event(len: u32) -> Weight {
    Weight::from_ref_time(5_000_000 + 3_000 * len as u64).saturating_add(db_weight::reads_writes(0, 0))
}

/// Fixed per-block work in `initialize_block`: writes of Number, ParentHash, BlockHash and
/// the pruning of an old BlockHash entry.
pub fn on_initialize() -> Weight {
    db_weight::reads_writes(1, 4)
}
