//! Weights of the oplog pallet: storage access counts plus a base cost, to be replaced by
//! measured figures.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// `register_consumer`: reads the consumer, the count, the owner's organization, the
/// group's count and the log's bounds; writes the consumer and both counts.
pub fn register_consumer() -> Weight {
    Weight::from_ref_time(10_000_000).saturating_add(db_weight::reads_writes(6, 3))
}

/// `acknowledge`: reads and writes the consumer.
pub fn acknowledge() -> Weight {
    Weight::from_ref_time(8_000_000).saturating_add(db_weight::reads_writes(2, 1))
}

/// `unregister_consumer`: reads the consumer, the count and its group's count, writes all
/// three.
pub fn unregister_consumer() -> Weight {
    Weight::from_ref_time(8_000_000).saturating_add(db_weight::reads_writes(3, 3))
}

/// `set_retention`: one write.
pub fn set_retention() -> Weight {
    Weight::from_ref_time(5_000_000).saturating_add(db_weight::reads_writes(0, 1))
}

/// Appending one entry (charged to the calling pallet's weight): reads the head (cached for
/// the rest of the block), writes the entry and the head, one event.
pub fn append(data_len: u32) -> Weight {
    Weight::from_ref_time(5_000_000 + 2_000 * data_len as u64).saturating_add(db_weight::reads_writes(1, 2))
}

/// `on_initialize` pruning `n` entries after reading every consumer.
pub fn prune(n: u64, consumers: u64) -> Weight {
    db_weight::reads_writes(3 + consumers, 0).saturating_add(db_weight::WRITE.saturating_mul(n))
}
