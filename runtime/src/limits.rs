//! Block and transaction limits.

use accord_support::Weight;

/// The most weight a block may use: 2 seconds of reference computation.
pub const BLOCK_WEIGHT_MAX: Weight = Weight { ref_time: 2_000_000_000_000, proof_size: u64::MAX };

/// The share of the block weight and length that normal (non-mandatory) extrinsics may use,
/// in percent; the rest is kept for inherents and hooks.
pub const NORMAL_DISPATCH_RATIO_PERCENT: u64 = 75;

/// The weight every extrinsic adds to its block besides its call's: decoding, the sr25519
/// signature check (the larger part: about 66-76 µs one at a time on the reference machine),
/// fee and nonce bookkeeping. Measured: a signed transfer decodes and verifies in 88 µs
/// (`cargo bench -p accord-runtime --bench micro`, BENCHMARKS.md).
pub const EXTRINSIC_BASE_WEIGHT: Weight = Weight { ref_time: 90_000_000, proof_size: 0 };

/// The most weight normal extrinsics may use in one block.
pub const NORMAL_BLOCK_WEIGHT_MAX: Weight =
    Weight { ref_time: BLOCK_WEIGHT_MAX.ref_time / 100 * NORMAL_DISPATCH_RATIO_PERCENT, proof_size: u64::MAX };

/// The most bytes of extrinsics in one block: 5 MiB.
pub const BLOCK_LENGTH_MAX: u32 = 5 * 1024 * 1024;

/// The most bytes of normal extrinsics in one block.
pub const NORMAL_BLOCK_LENGTH_MAX: u32 = (BLOCK_LENGTH_MAX as u64 / 100 * NORMAL_DISPATCH_RATIO_PERCENT) as u32;

/// The longest single extrinsic accepted anywhere (RPC, pool, block): 1 MiB.
pub const EXTRINSIC_LENGTH_MAX: u32 = 1024 * 1024;
