//! Weights of the EVM pallet.
//!
//! Before dispatch a contract transaction weighs its gas limit at
//! [`DECLARED_WEIGHT_PER_GAS`](crate::precompiles::DECLARED_WEIGHT_PER_GAS) (the most a gas can
//! cost; the dispatch refunds down to what it used, see `exec::execute`), plus a fixed part for
//! the pallet's own reads and writes around the EVM (the config, the caller's account and
//! mapping, the created contract) and the call data's bytes.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::precompiles::DECLARED_WEIGHT_PER_GAS;

/// Ref time per byte of init code or input (hashing and copying it).
const PER_BYTE: u64 = 2_000;

/// Recovering an Ethereum transaction's sender (secp256k1, about 60 µs measured by k256's
/// benchmarks on a core of this class), with a margin: it runs in validation and in dispatch.
pub fn recovery() -> Weight {
    Weight::from_ref_time(200_000_000)
}

/// A `create` or `call` with `gas_limit` and `data_len` bytes of init code or input.
pub fn execution(gas_limit: u64, data_len: u32) -> Weight {
    db_weight::reads_writes(4, 4)
        .saturating_add(Weight::from_ref_time(gas_limit.saturating_mul(DECLARED_WEIGHT_PER_GAS)))
        .saturating_add(Weight::from_ref_time(PER_BYTE.saturating_mul(data_len as u64)))
}
