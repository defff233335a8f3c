//! Weights of the sudo pallet (the inner call's weight is added by the runtime).

use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// `sudo` and `sudo_as` themselves: read the key, one event.
pub fn sudo() -> Weight {
    Weight::from_ref_time(8_000_000).saturating_add(db_weight::reads_writes(1, 0))
}

/// `set_key`: read and write the key.
pub fn set_key() -> Weight {
    Weight::from_ref_time(8_000_000).saturating_add(db_weight::reads_writes(1, 1))
}
