//! The runtime version (`Core_version`, `state_getRuntimeVersion`).

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use accord_primitives::hashing::blake2_64;

/// The name clients key type overrides on; unique to Accord so none apply.
pub const SPEC_NAME: &str = "accord";
/// The implementation's name.
pub const IMPL_NAME: &str = "accord-node";
/// The runtime logic's version: bump on any change of behaviour.
pub const SPEC_VERSION: u32 = 103;
/// The implementation's version.
pub const IMPL_VERSION: u32 = 1;
/// Bumped when the extrinsic format or a call's encoding changes: signed into transactions.
pub const TRANSACTION_VERSION: u32 = 1;
/// The authoring interface version.
pub const AUTHORING_VERSION: u32 = 1;
/// System version 1: state trie layout V1, extrinsics root with layout V0 (as Substrate).
pub const SYSTEM_VERSION: u8 = 1;

/// The 8-byte id of a runtime API: blake2b with an 8-byte output of its trait name.
pub fn api_id(trait_name: &str) -> [u8; 8] {
    blake2_64(trait_name.as_bytes())
}

/// The runtime APIs, with their versions. Metadata V15 describes the methods of each that
/// `apis::call` serves (`runtime/src/api_metadata.rs`), except BlockBuilder's: block building
/// and import go through the executive, not through `state_call`.
pub fn apis() -> Vec<([u8; 8], u32)> {
    vec![
        (api_id("Core"), 5),
        (api_id("Metadata"), 2),
        (api_id("BlockBuilder"), 6),
        (api_id("TaggedTransactionQueue"), 3),
        (api_id("AccountNonceApi"), 1),
        (api_id("TransactionPaymentApi"), 4),
        (api_id("TransactionPaymentCallApi"), 3),
        (api_id("MeteringApi"), 1),
    ]
}

/// `sp_version::RuntimeVersion`, SCALE-encoded as `Core_version` returns it and as the
/// `System.Version` constant holds it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct RuntimeVersion {
    /// `accord`.
    pub spec_name: String,
    /// `accord-node`.
    pub impl_name: String,
    /// Authoring version.
    pub authoring_version: u32,
    /// Spec version.
    pub spec_version: u32,
    /// Implementation version.
    pub impl_version: u32,
    /// APIs and their versions.
    pub apis: Vec<([u8; 8], u32)>,
    /// Transaction version.
    pub transaction_version: u32,
    /// System version (state layout).
    pub system_version: u8,
}

/// This runtime's version.
pub fn version() -> RuntimeVersion {
    RuntimeVersion {
        spec_name: SPEC_NAME.into(),
        impl_name: IMPL_NAME.into(),
        authoring_version: AUTHORING_VERSION,
        spec_version: SPEC_VERSION,
        impl_version: IMPL_VERSION,
        apis: apis(),
        transaction_version: TRANSACTION_VERSION,
        system_version: SYSTEM_VERSION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_ids_match_the_reference() {
        let hex = |n: &str| format!("0x{}", hex::encode(api_id(n)));
        assert_eq!(hex("Core"), "0xdf6acb689907609b");
        assert_eq!(hex("Metadata"), "0x37e397fc7c91f5e4");
        assert_eq!(hex("AccountNonceApi"), "0xbc9d89904f5b923f");
        assert_eq!(hex("TransactionPaymentApi"), "0x37c8bb1350a9a2a8");
        assert_eq!(hex("TaggedTransactionQueue"), "0xd2bc9897eed08f15");
        assert_eq!(hex("BlockBuilder"), "0x40fe3ad401f8959a");
        assert_eq!(hex("TransactionPaymentCallApi"), "0xf3ff14d5ab527059");
    }
}
