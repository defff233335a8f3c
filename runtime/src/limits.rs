//! Block and transaction limits.

use accord_support::Weight;

/// The most weight a block may use: 2 seconds of reference computation, twice the default
/// 1 s block time. Why, for now: weights are measured import costs (the weights harness, at
/// 1,000,000 accounts, with a 20% margin), and at 1 s, three quarters of it for normal
/// transactions, a block would hold 4,943 transfers (151.7 µs of weight each), below the
/// 5,000 transfers/s the chain is built to carry in 1 s blocks; at 2 s the weights no longer
/// bind a flat-out load, the node's own build deadline (half the block time) does. Tying the
/// limit to the block time is a trade-off against that target, left for a decision (BENCHMARKS.md,
/// "Measured weights").
pub const BLOCK_WEIGHT_MAX: Weight = Weight { ref_time: 2_000_000_000_000, proof_size: u64::MAX };

/// The share of the block weight and length that normal (non-mandatory) extrinsics may use,
/// in percent; the rest is kept for inherents and hooks.
pub const NORMAL_DISPATCH_RATIO_PERCENT: u64 = 75;

/// The weight every extrinsic adds to its block besides its call's (measured: see
/// [`crate::weights`]).
pub use crate::weights::EXTRINSIC_BASE_WEIGHT;

/// The most weight normal extrinsics may use in one block.
pub const NORMAL_BLOCK_WEIGHT_MAX: Weight =
    Weight { ref_time: BLOCK_WEIGHT_MAX.ref_time / 100 * NORMAL_DISPATCH_RATIO_PERCENT, proof_size: u64::MAX };

/// The most bytes of extrinsics in one block: 5 MiB.
pub const BLOCK_LENGTH_MAX: u32 = 5 * 1024 * 1024;

/// The most bytes of normal extrinsics in one block.
pub const NORMAL_BLOCK_LENGTH_MAX: u32 = (BLOCK_LENGTH_MAX as u64 / 100 * NORMAL_DISPATCH_RATIO_PERCENT) as u32;

/// The longest single extrinsic accepted anywhere (RPC, pool, block): 1 MiB.
pub const EXTRINSIC_LENGTH_MAX: u32 = 1024 * 1024;
