//! # accord-support
//!
//! The small runtime framework the pallets are written in, in plain Rust:
//!
//! - [`state`]: what a block executes on ([`StateRead`], [`MemoryState`]).
//! - [`ext`]: [`Ext`], storage with nested transactional layers, events and phases.
//! - [`storage`]: typed items with FRAME's key layout ([`StorageValue`], [`StorageMap`],
//!   [`StorageDoubleMap`]), hashers, [`BoundedVec`].
//! - [`dispatch`]: [`Origin`], [`DispatchError`] in `sp_runtime`'s exact shape, [`Weight`],
//!   [`DispatchInfo`].
//! - [`meter`]: per-extrinsic resource usage for fee models.
//! - [`pallet`]: the [`Hooks`] every pallet implements, and its metadata parts.
//! - [`metadata`]: metadata V14 assembly.
//! - [`testing`]: test externalities and [`testing::assert_noop`].
//!
//! Architecture invariant: nothing here does I/O, reads a clock, uses randomness or floats,
//! or iterates a hash map; all state comes through [`StateRead`].

pub mod dispatch;
pub mod ext;
pub mod metadata;
pub mod meter;
pub mod pallet;
pub mod state;
pub mod storage;
pub mod testing;

pub use dispatch::{
    lookup, ArithmeticError, DispatchClass, DispatchError, DispatchInfo, DispatchResult, ModuleError, Origin,
    PalletError, Pays, TokenError, Weight,
};
pub use ext::{EventRecord, Ext, PalletIndices, Phase, StorageDelta};
pub use meter::ResourceUsage;
pub use pallet::{constant, Hooks, PalletMeta};
pub use state::{Changes, MemoryState, StateRead};
pub use storage::{
    Blake2_128Concat, BoundedVec, Identity, OptionQuery, StorageDoubleMap, StorageEntry, StorageMap, StorageValue,
    Twox64Concat, ValueQuery,
};
