//! Weights of the releases pallet: storage access counts and a base cost.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::{COHORT_MAX, SIGNAL_VERSIONS_MAX};

/// `as_class`: the cohort check (the latest release, with its cohort), on top of the call's
/// own weight and [`routed`].
pub fn as_class() -> Weight {
    Weight::from_ref_time(5_000_000 + 200_000 * COHORT_MAX as u64).saturating_add(db_weight::reads_writes(2, 0))
}

/// What routing adds to a call of a release target: the routing table entry and the current
/// version before dispatch; after it, the health rules, the release and the version's
/// window read, the window written, the event; and the worst case, an automatic rollback
/// (three routes, the release, the current version written).
pub fn routed() -> Weight {
    Weight::from_ref_time(20_000_000).saturating_add(db_weight::reads_writes(5, 6))
}

/// A stage change, a cohort or health rules: the release, the latest release of its target,
/// every validator's signal (at most 64), the routing table and the release written.
pub fn stage_change() -> Weight {
    Weight::from_ref_time(30_000_000).saturating_add(db_weight::reads_writes(68, 7))
}

/// `signal_support`: the validator set, the stored signal, the genesis hash, one ed25519
/// verification, the signal written.
pub fn signal_support() -> Weight {
    Weight::from_ref_time(60_000_000 + 100_000 * SIGNAL_VERSIONS_MAX as u64)
        .saturating_add(db_weight::reads_writes(3, 1))
}

/// `create_contract_target`: the contract and its code, the nonce, the alias's contract,
/// balance and nonce read; the target, the nonce, the alias's contract, its designator and
/// the designator's count written.
pub fn create_contract_target() -> Weight {
    Weight::from_ref_time(20_000_000).saturating_add(db_weight::reads_writes(6, 5))
}

/// `add_contract_version`: the target, the contract and its code read; the target written.
pub fn add_contract_version() -> Weight {
    Weight::from_ref_time(10_000_000).saturating_add(db_weight::reads_writes(3, 1))
}

/// What looking up whether a contract call's address is a contract target's alias adds to
/// every contract call (one read); [`routed`] comes on top when it is one.
pub fn alias_lookup() -> Weight {
    db_weight::reads_writes(1, 0)
}
