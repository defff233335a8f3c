//! The block limits as FRAME describes them in the `System` constants `BlockWeights`,
//! `BlockLength` and `DbWeight`: the SCALE shapes and field names of
//! `frame_system::limits::{BlockWeights, WeightsPerClass, BlockLength}`,
//! `frame_support::dispatch::PerDispatchClass` and `sp_weights::RuntimeDbWeight`, which
//! clients decode by the metadata (polkadot.js reads `maxExtrinsic` and `maxBlock` from
//! them). The runtime fills in its values (`runtime/src/limits.rs`); this module only names
//! the shapes.

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use accord_support::dispatch::db_weight;
use accord_support::Weight;

/// One value per dispatch class (`frame_support::dispatch::PerDispatchClass`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct PerDispatchClass<T> {
    /// For normal extrinsics.
    pub normal: T,
    /// For operational extrinsics.
    pub operational: T,
    /// For mandatory extrinsics (inherents).
    pub mandatory: T,
}

/// The weight limits of one dispatch class (`frame_system::limits::WeightsPerClass`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct WeightsPerClass {
    /// What every extrinsic of the class adds to its block besides its call's weight.
    pub base_extrinsic: Weight,
    /// The most weight one call of the class may have (without `base_extrinsic`); `None`:
    /// no limit of its own.
    pub max_extrinsic: Option<Weight>,
    /// The most weight the class may use in one block (bases included); `None`: no limit
    /// of its own.
    pub max_total: Option<Weight>,
    /// Weight kept for the class that other classes may not use; `None`: the whole block.
    pub reserved: Option<Weight>,
}

/// The block's weight limits (`frame_system::limits::BlockWeights`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct BlockWeights {
    /// What every block uses before its extrinsics (block initialization).
    pub base_block: Weight,
    /// The most weight one block may use.
    pub max_block: Weight,
    /// Each class's limits.
    pub per_class: PerDispatchClass<WeightsPerClass>,
}

/// The most bytes of extrinsics of each class in one block
/// (`frame_system::limits::BlockLength`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct BlockLength {
    /// The limit per class.
    pub max: PerDispatchClass<u32>,
}

/// The weight of one storage read and one write (`sp_weights::RuntimeDbWeight`), in
/// picoseconds of reference time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct RuntimeDbWeight {
    /// One read.
    pub read: u64,
    /// One write.
    pub write: u64,
}

/// The storage weights weight functions count with ([`db_weight::READ`] and
/// [`db_weight::WRITE`]).
pub const DB_WEIGHT: RuntimeDbWeight =
    RuntimeDbWeight { read: db_weight::READ.ref_time, write: db_weight::WRITE.ref_time };
