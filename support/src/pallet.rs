//! What the runtime asks of every pallet: its name, block hooks and invariant checks, and its
//! metadata. Calls, events, errors and genesis are each pallet's own plain types.

use codec::Encode;
use frame_metadata::v14::{
    PalletCallMetadata, PalletConstantMetadata, PalletErrorMetadata, PalletEventMetadata, PalletMetadata,
    PalletStorageMetadata, StorageEntryMetadata,
};
use scale_info::{meta_type, MetaType, TypeInfo};

use accord_primitives::BlockNumber;

use crate::dispatch::Weight;
use crate::ext::Ext;

/// Block hooks and invariants of a pallet. All have empty defaults.
pub trait Hooks {
    /// The pallet's name in the runtime and in storage keys (`"Balances"`).
    const NAME: &'static str;

    /// Runs at the start of every block, before any extrinsic; returns the weight used.
    fn on_initialize(_ext: &mut Ext<'_>, _n: BlockNumber) -> Weight {
        Weight::ZERO
    }

    /// Runs at the end of every block, after every extrinsic.
    fn on_finalize(_ext: &mut Ext<'_>, _n: BlockNumber) {}

    /// Checks the pallet's constants once, when the runtime is assembled.
    fn integrity_check() -> Result<(), String> {
        Ok(())
    }

    /// Checks the pallet's storage invariants (tests, and a node's debug checks).
    fn check_state(_ext: &Ext<'_>) -> Result<(), String> {
        Ok(())
    }
}

/// A constant exposed in metadata.
pub fn constant<T: Encode + TypeInfo + 'static>(
    name: &'static str,
    value: &T,
    docs: &'static [&'static str],
) -> PalletConstantMetadata {
    PalletConstantMetadata { name, ty: meta_type::<T>(), value: value.encode(), docs: docs.to_vec() }
}

/// The parts of a pallet's metadata; [`PalletMeta::build`] turns them into frame-metadata's
/// form with the runtime's index.
pub struct PalletMeta {
    /// The pallet's name.
    pub name: &'static str,
    /// Storage entries, in declaration order.
    pub storage: Vec<StorageEntryMetadata>,
    /// The `Call` enum's type, if the pallet has calls.
    pub call: Option<MetaType>,
    /// The `Event` enum's type, if the pallet has events.
    pub event: Option<MetaType>,
    /// The `Error` enum's type, if the pallet has errors.
    pub error: Option<MetaType>,
    /// Constants.
    pub constants: Vec<PalletConstantMetadata>,
}

impl PalletMeta {
    /// The V15 pallet entry at `index`, with `docs`: the V14 entry and the docs.
    pub fn build_v15(self, index: u8, docs: &[&'static str]) -> frame_metadata::v15::PalletMetadata {
        let v14 = self.build(index);
        frame_metadata::v15::PalletMetadata {
            name: v14.name,
            storage: v14.storage,
            calls: v14.calls,
            event: v14.event,
            constants: v14.constants,
            error: v14.error,
            index,
            docs: docs.to_vec(),
        }
    }

    /// The frame-metadata pallet entry at `index`.
    pub fn build(self, index: u8) -> PalletMetadata {
        PalletMetadata {
            name: self.name,
            storage: (!self.storage.is_empty())
                .then_some(PalletStorageMetadata { prefix: self.name, entries: self.storage }),
            calls: self.call.map(|ty| PalletCallMetadata { ty }),
            event: self.event.map(|ty| PalletEventMetadata { ty }),
            constants: self.constants,
            error: self.error.map(|ty| PalletErrorMetadata { ty }),
            index,
        }
    }
}
