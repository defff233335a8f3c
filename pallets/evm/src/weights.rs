//! Weights of the EVM pallet.
//!
//! Before dispatch a contract transaction weighs its gas limit at
//! [`DECLARED_WEIGHT_PER_GAS`](crate::precompiles::DECLARED_WEIGHT_PER_GAS) (the most a gas can
//! cost; the dispatch refunds down to what it used, see `exec::execute`), plus a fixed part for
//! the pallet's own work around the EVM (the config, the caller's account and mapping, revm's
//! set-up, the contract's entry) and the call data's bytes. The figures are the weights
//! harness's (`node/benches/weights/evm.rs`, `ACCORD_WEIGHTS_ACCOUNTS=100000
//! ACCORD_WEIGHTS_PER_BLOCK=500 ACCORD_WEIGHTS_BLOCKS=5`, three runs of one round and one of
//! three), the highest with its 20% margin.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::precompiles::DECLARED_WEIGHT_PER_GAS;

/// Ref time per byte of init code or input (hashing and copying it).
const PER_BYTE: u64 = 2_000;

/// What recovering an Ethereum transaction's sender adds to a block's import: a node that
/// never saw the transaction recovers it (libsecp256k1: `evm::recovery`, 42–45 µs in four
/// runs on the machine the other figures come from, weighed 55 µs), but on a helper core,
/// ahead of the execution (`node/src/verify.rs`, `recovering_senders_ahead`). What stays on
/// the import's path is the share the harness's A/B measures (`evm::transact_inline` against
/// `evm::transact`'s first point): 36.7 of 57.1 µs saved in one run, 36% left; 55 µs × 36%.
pub fn recovery() -> Weight {
    Weight::from_ref_time(20_000_000)
}

/// The fixed part of a `call`: an `Evm.call` above an empty signed remark, at the 21,000 gas
/// every transaction pays ([`crate::TRANSACTION_BASE_GAS`], not weighed per gas): the
/// `evm::compute` line at that gas, 55.9, 29.8, 55.3 and 47.7 µs in four runs.
const CALL_BASE: Weight = Weight::from_ref_time(67_000_000);

/// A `call` with `gas_limit` and `data_len` bytes of input.
pub fn call(gas_limit: u64, data_len: u32) -> Weight {
    CALL_BASE.saturating_add(gas_and_bytes(gas_limit, data_len))
}

/// A `transact` that calls a contract, with `gas_limit` and `data_len` raw bytes: a call
/// and a sender recovery. Measured whole (`evm::transact`: from distinct senders, the
/// importer recovering each, the extrinsic base included): about 141 µs at 21,000 gas, 170
/// µs with the margin, with each sender recovered in line; the helper ahead takes about
/// 37 µs off that (A/B above), where this and the extrinsic base now weigh 146 µs.
pub fn transact(gas_limit: u64, data_len: u32) -> Weight {
    call(gas_limit, data_len).saturating_add(recovery())
}

/// A `create` with `gas_limit` and `data_len` bytes of init code: besides a call's work, the
/// contract's entry, its code and the code's reference count are written (not measured apart:
/// four reads and four writes, as every contract execution weighed before the call was).
pub fn create(gas_limit: u64, data_len: u32) -> Weight {
    db_weight::reads_writes(4, 4).saturating_add(gas_and_bytes(gas_limit, data_len))
}

fn gas_and_bytes(gas_limit: u64, data_len: u32) -> Weight {
    Weight::from_ref_time(gas_limit.saturating_mul(DECLARED_WEIGHT_PER_GAS))
        .saturating_add(Weight::from_ref_time(PER_BYTE.saturating_mul(data_len as u64)))
}
