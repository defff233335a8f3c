//! Block and transaction limits, and their description in the `System` constants
//! `BlockWeights` and `BlockLength`.

use accord_pallet_system as system;
use accord_pallet_system::limits::{BlockLength, BlockWeights, PerDispatchClass, WeightsPerClass};
use accord_support::dispatch::db_weight;
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

/// The weight every block uses before its extrinsics and pallet hooks: System's
/// initialization and the `:code` check (one read; its rare rewrite adds a write, see
/// [`crate::code::update`]).
pub fn block_base_weight() -> Weight {
    system::weights::on_initialize().saturating_add(db_weight::READ)
}

/// The limits of a class that shares the normal budget (normal and operational: the
/// executive checks both against the normal limits).
const NORMAL_CLASS_WEIGHTS: WeightsPerClass = WeightsPerClass {
    base_extrinsic: EXTRINSIC_BASE_WEIGHT,
    // An extrinsic's call weight and its base must fit in the normal budget.
    max_extrinsic: Some(Weight {
        ref_time: NORMAL_BLOCK_WEIGHT_MAX.ref_time - EXTRINSIC_BASE_WEIGHT.ref_time,
        proof_size: NORMAL_BLOCK_WEIGHT_MAX.proof_size - EXTRINSIC_BASE_WEIGHT.proof_size,
    }),
    max_total: Some(NORMAL_BLOCK_WEIGHT_MAX),
    reserved: Some(Weight::ZERO),
};

/// The block weight limits as the `System.BlockWeights` constant describes them
/// (`frame_system::limits::BlockWeights`). Mandatory extrinsics (inherents) are limited only
/// by the block's maximum.
pub fn block_weights() -> BlockWeights {
    BlockWeights {
        base_block: block_base_weight(),
        max_block: BLOCK_WEIGHT_MAX,
        per_class: PerDispatchClass {
            normal: NORMAL_CLASS_WEIGHTS,
            operational: NORMAL_CLASS_WEIGHTS,
            mandatory: WeightsPerClass {
                base_extrinsic: EXTRINSIC_BASE_WEIGHT,
                max_extrinsic: None,
                max_total: None,
                reserved: None,
            },
        },
    }
}

/// The block length limits as the `System.BlockLength` constant describes them.
pub const BLOCK_LENGTH: BlockLength = BlockLength {
    max: PerDispatchClass {
        normal: NORMAL_BLOCK_LENGTH_MAX,
        operational: NORMAL_BLOCK_LENGTH_MAX,
        mandatory: BLOCK_LENGTH_MAX,
    },
};
