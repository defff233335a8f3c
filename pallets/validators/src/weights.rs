//! Weights of the validators pallet: storage access counts plus the computation, of which
//! the largest part is decompressing each new key to check it is an ed25519 point.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// Checking one key: its point decompression (measured at about 8 µs in a release build on
/// the development machine; the margin covers slower machines) and its comparison against
/// the others.
const PER_KEY: Weight = Weight::from_ref_time(20_000_000);

/// `set_validators` with `count` keys: each checked, then the set written once.
pub fn set_validators(count: u32) -> Weight {
    Weight::from_ref_time(10_000_000)
        .saturating_add(PER_KEY.saturating_mul(count as u64))
        .saturating_add(db_weight::reads_writes(0, 1))
}

/// `add_validator`: one key checked, the set read, scanned and written.
pub fn add_validator() -> Weight {
    Weight::from_ref_time(10_000_000).saturating_add(PER_KEY).saturating_add(db_weight::reads_writes(1, 1))
}

/// `remove_validator`: the set read, scanned and written.
pub fn remove_validator() -> Weight {
    Weight::from_ref_time(10_000_000).saturating_add(db_weight::reads_writes(1, 1))
}
