//! Assembles metadata V14 (`RuntimeMetadataPrefixed(b"meta", V14)`) from the pallets'
//! parts, the extrinsic type and the signed extensions.

use frame_metadata::v14::{ExtrinsicMetadata, PalletMetadata, RuntimeMetadataV14, SignedExtensionMetadata};
use frame_metadata::RuntimeMetadataPrefixed;
use scale_info::MetaType;

use accord_primitives::extrinsic::{signed_extensions, EXTRINSIC_FORMAT_VERSION};

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
