//! Hand-written `TypeInfo` helpers.
//!
//! Polkadot.js and subxt recognise some types by their path in the metadata (for example
//! `sp_core::crypto::AccountId32` or `sp_runtime::generic::era::Era`) and decode them with
//! built-in codecs. Deriving `TypeInfo` would name our own crate paths, so these types
//! describe themselves by hand with the paths the clients expect.

use scale_info::{build::Fields, Path, Type, TypeInfo};

/// A composite (struct) type at `path` with a single unnamed field of type `F`.
pub fn newtype<F: TypeInfo + 'static>(path: &[&'static str], docs: &'static [&'static str]) -> Type {
    Type::builder()
        .path(Path::from_segments_unchecked(path.iter().copied()))
        .docs(docs)
        .composite(Fields::unnamed().field(|f| f.ty::<F>().type_name(type_name::<F>())))
}

fn type_name<F: 'static>() -> &'static str {
    // Only used as a display hint in metadata; clients do not rely on it.
    let full = std::any::type_name::<F>();
    full.rsplit("::").next().unwrap_or(full)
}
