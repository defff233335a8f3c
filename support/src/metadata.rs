//! Assembles metadata V14 and V15 (`RuntimeMetadataPrefixed(b"meta", V14 | V15)`) from the
//! pallets' parts, the extrinsic's types and the signed extensions; V15 adds the runtime APIs,
//! the outer enums, pallet docs and an (empty) custom map.

use std::collections::BTreeMap;

use frame_metadata::v14::{ExtrinsicMetadata, PalletMetadata, RuntimeMetadataV14, SignedExtensionMetadata};
use frame_metadata::v15::{self, CustomMetadata, OuterEnums, RuntimeApiMetadata, RuntimeMetadataV15};
use frame_metadata::RuntimeMetadataPrefixed;
use scale_info::{meta_type, MetaType};

use accord_primitives::extrinsic::{signed_extensions, SignedExtensionTypes, EXTRINSIC_FORMAT_VERSION};
use accord_primitives::{MultiAddress, MultiSignature};

/// Builds the prefixed V14 metadata. `extrinsic_ty` is the extrinsic's type (see
/// `accord_primitives::extrinsic::ExtrinsicTypeInfo`), `runtime_ty` a type naming the runtime.
pub fn build_v14(
    pallets: Vec<PalletMetadata>,
    extrinsic_ty: MetaType,
    runtime_ty: MetaType,
) -> RuntimeMetadataPrefixed {
    let extensions = signed_extensions()
        .into_iter()
        .map(|e| SignedExtensionMetadata { identifier: e.identifier, ty: e.ty, additional_signed: e.implicit })
        .collect();
    let extrinsic =
        ExtrinsicMetadata { ty: extrinsic_ty, version: EXTRINSIC_FORMAT_VERSION, signed_extensions: extensions };
    RuntimeMetadataV14::new(pallets, extrinsic, runtime_ty).into()
}

/// The runtime's own types that V15 names: its call enum and the outer enums.
pub struct RuntimeTypes {
    /// The type naming the runtime.
    pub runtime: MetaType,
    /// `RuntimeCall`.
    pub call: MetaType,
    /// `RuntimeEvent`.
    pub event: MetaType,
    /// `RuntimeError`: one variant per pallet with errors, at its index, holding its `Error`.
    pub error: MetaType,
}

/// Builds the prefixed V15 metadata: the pallets (with docs), the extrinsic's address, call,
/// signature and extension types, the runtime APIs and the outer enums.
pub fn build_v15(
    pallets: Vec<v15::PalletMetadata>,
    types: RuntimeTypes,
    apis: Vec<RuntimeApiMetadata>,
) -> RuntimeMetadataPrefixed {
    let extensions = signed_extensions()
        .into_iter()
        .map(|e| v15::SignedExtensionMetadata { identifier: e.identifier, ty: e.ty, additional_signed: e.implicit })
        .collect();
    let extrinsic = v15::ExtrinsicMetadata {
        version: EXTRINSIC_FORMAT_VERSION,
        address_ty: meta_type::<MultiAddress>(),
        call_ty: types.call,
        signature_ty: meta_type::<MultiSignature>(),
        extra_ty: meta_type::<SignedExtensionTypes>(),
        signed_extensions: extensions,
    };
    let outer_enums = OuterEnums { call_enum_ty: types.call, event_enum_ty: types.event, error_enum_ty: types.error };
    let custom = CustomMetadata { map: BTreeMap::new() };
    RuntimeMetadataV15::new(pallets, extrinsic, types.runtime, apis, outer_enums, custom).into()
}
