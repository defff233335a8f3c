//! `:code`: the runtime's identity in the state.
//!
//! Substrate keeps the runtime's wasm under the well-known key `:code`, and clients identify
//! the runtime by that value's hash: polkadot-api's legacy adapter asks
//! `state_getStorageHash(":code")` and fails on `null`. Accord executes native Rust, so the
//! key holds a [`RuntimeDescriptor`] instead: a small SCALE struct of the version fields and
//! the blake2-256 of the metadata, which changes when, and only when, the runtime does.
//!
//! ```text
//! genesis                       :code = descriptor of the binary that built the genesis
//! BlockExecution::initialize    stored != running descriptor ?  -> :code = running descriptor
//! ```
//!
//! The rewrite at a block's start covers chains begun by older binaries (no `:code`, or an
//! older descriptor) and the runtime upgrades that switch versions at a block. FRAME's
//! `System.CodeUpdated` event is not emitted: Accord's System pallet has no such event yet.

use std::sync::OnceLock;

use codec::{Decode, Encode};

use accord_primitives::hashing::blake2_256;
use accord_support::Ext;

use crate::version::{IMPL_NAME, IMPL_VERSION, SPEC_NAME, SPEC_VERSION, TRANSACTION_VERSION};

/// The well-known storage key of the runtime code (`sp_storage::well_known_keys::CODE`).
pub const CODE_KEY: &[u8] = b":code";

/// The first bytes of every descriptor: what a reader of `:code` finds instead of wasm's
/// `\0asm` (and the descriptor format's version in its last byte).
pub const DESCRIPTOR_MAGIC: [u8; 8] = *b"ACCORD\x00\x01";

/// What `:code` holds: the running native runtime's identity.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RuntimeDescriptor {
    /// [`DESCRIPTOR_MAGIC`].
    pub magic: [u8; 8],
    /// `accord`.
    pub spec_name: String,
    /// `accord-node`.
    pub impl_name: String,
    /// The spec version.
    pub spec_version: u32,
    /// The implementation version.
    pub impl_version: u32,
    /// The transaction version.
    pub transaction_version: u32,
    /// blake2-256 of the SCALE-encoded metadata V15 (`Metadata_metadata_at_version(15)`'s
    /// bytes), which describes every pallet, type and runtime API.
    pub metadata_hash: [u8; 32],
}

/// The running runtime's descriptor.
pub fn descriptor() -> RuntimeDescriptor {
    RuntimeDescriptor {
        magic: DESCRIPTOR_MAGIC,
        spec_name: SPEC_NAME.into(),
        impl_name: IMPL_NAME.into(),
        spec_version: SPEC_VERSION,
        impl_version: IMPL_VERSION,
        transaction_version: TRANSACTION_VERSION,
        metadata_hash: blake2_256(crate::metadata::metadata_v15_bytes()),
    }
}

/// The running runtime's descriptor, SCALE-encoded: the value of `:code`. Built once.
pub fn descriptor_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| descriptor().encode())
}

/// Writes the running runtime's descriptor to `:code` unless it is there already; returns
/// whether it wrote (one read, and one write when it did).
pub fn update(ext: &mut Ext<'_>) -> bool {
    let current = descriptor_bytes();
    if ext.get(CODE_KEY).as_deref() == Some(current) {
        return false;
    }
    ext.set(CODE_KEY.to_vec(), current.to_vec());
    true
}
