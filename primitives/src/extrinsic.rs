//! The extrinsic format, version 4, byte-compatible with `sp_runtime`'s
//! `UncheckedExtrinsic`:
//!
//! ```text
//! signed:   Compact(len) ++ 0x84 ++ MultiAddress ++ MultiSignature ++ extra ++ call
//! unsigned: Compact(len) ++ 0x04 ++ call          (inherents)
//! bare v5:  Compact(len) ++ 0x05 ++ call          (accepted, treated as unsigned)
//! ```
//!
//! `extra` is the explicit part of the signed extensions, in metadata order (see
//! [`SignedExtra`]); the signature covers `call ++ extra ++ implicit`, or its blake2-256 when
//! that payload is longer than 256 bytes. Decoded extrinsics keep the submitted bytes so that
//! their hash never changes by re-encoding. The call stays opaque bytes here; the runtime
//! decodes it.

use codec::{Compact, Decode, Encode, Input};
use scale_info::{build::Fields, build::Variants, meta_type, MetaType, Path, Type, TypeInfo, TypeParameter};

use crate::crypto::{MultiSignature, Pair};
use crate::era::Era;
use crate::hashing::blake2_256;
use crate::types::{AccountId32, Balance, Nonce, H256};

/// The extrinsic format version we declare in metadata.
pub const EXTRINSIC_FORMAT_VERSION: u8 = 4;
const SIGNED_V4: u8 = 0b1000_0000 | 4;
const UNSIGNED_V4: u8 = 4;
const BARE_V5: u8 = 5;

/// Signing payloads longer than this are hashed with blake2-256 before signing.
pub const SIGNING_PAYLOAD_HASH_THRESHOLD: usize = 256;

/// A transaction's sender as `sp_runtime::MultiAddress<AccountId32, ()>`. Only `Id` names an
/// account here; the other variants decode but are rejected by the runtime.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum MultiAddress {
    /// An account id.
    #[codec(index = 0)]
    Id(AccountId32),
    /// An account index (unsupported).
    #[codec(index = 1)]
    Index(#[codec(compact)] u32),
    /// Raw bytes (unsupported).
    #[codec(index = 2)]
    Raw(Vec<u8>),
    /// A 32-byte address (unsupported).
    #[codec(index = 3)]
    Address32([u8; 32]),
    /// A 20-byte address (unsupported).
    #[codec(index = 4)]
    Address20([u8; 20]),
}

impl TypeInfo for MultiAddress {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder()
            .path(Path::from_segments_unchecked(["sp_runtime", "multiaddress", "MultiAddress"]))
            .type_params([
                TypeParameter::new("AccountId", Some(meta_type::<AccountId32>())),
                TypeParameter::new("AccountIndex", Some(meta_type::<()>())),
            ])
            .docs(&["A multi-format address."])
            .variant(
                Variants::new()
                    .variant("Id", |v| v.index(0).fields(Fields::unnamed().field(|f| f.ty::<AccountId32>())))
                    .variant("Index", |v| v.index(1).fields(Fields::unnamed().field(|f| f.compact::<()>())))
                    .variant("Raw", |v| v.index(2).fields(Fields::unnamed().field(|f| f.ty::<Vec<u8>>())))
                    .variant("Address32", |v| v.index(3).fields(Fields::unnamed().field(|f| f.ty::<[u8; 32]>())))
                    .variant("Address20", |v| v.index(4).fields(Fields::unnamed().field(|f| f.ty::<[u8; 20]>()))),
            )
    }
}

/// The explicit data of the signed extensions, in metadata order: `CheckNonZeroSender`,
/// `CheckSpecVersion`, `CheckTxVersion`, `CheckGenesis` carry none; then `CheckMortality`
/// (era), `CheckNonce` (compact nonce), `CheckWeight` (none), `ChargeTransactionPayment`
/// (compact tip).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedExtra {
    /// The mortality of the transaction.
    pub era: Era,
    /// The sender's nonce.
    #[codec(compact)]
    pub nonce: Nonce,
    /// An optional tip, raising the transaction's priority.
    #[codec(compact)]
    pub tip: Balance,
}

/// The implicit data the signature also covers (the "additional signed"), in metadata order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Implicit {
    /// `CheckSpecVersion`: the runtime's spec version.
    pub spec_version: u32,
    /// `CheckTxVersion`: the runtime's transaction version.
    pub transaction_version: u32,
    /// `CheckGenesis`: the genesis block hash.
    pub genesis_hash: H256,
    /// `CheckMortality`: the hash of the era's birth block (genesis when immortal).
    pub era_birth_hash: H256,
}

/// The signed part of a signed extrinsic.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Signature {
    /// Who signs.
    pub address: MultiAddress,
    /// The signature over the signing payload.
    pub signature: MultiSignature,
    /// The explicit extension data.
    pub extra: SignedExtra,
}

/// Why extrinsic bytes were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtrinsicError {
    /// The length prefix is missing or malformed.
    #[error("extrinsic has no valid compact length prefix")]
    BadLengthPrefix,
    /// The declared length exceeds the limit.
    #[error("extrinsic of {len} bytes exceeds the limit of {max} bytes")]
    TooLong {
        /// The declared length.
        len: u64,
        /// The limit.
        max: u32,
    },
    /// The declared length differs from the bytes given.
    #[error("extrinsic length prefix says {declared} bytes but {actual} follow")]
    LengthMismatch {
        /// The declared length.
        declared: u64,
        /// The bytes present after the prefix.
        actual: usize,
    },
    /// The version byte is not one we accept.
    #[error("unsupported extrinsic version byte 0x{0:02x} (accepted: 0x84 signed, 0x04 unsigned, 0x05 bare)")]
    UnsupportedVersion(u8),
    /// The address, signature or extension data does not decode.
    #[error("malformed signature part: {0}")]
    BadSignaturePart(String),
    /// Nothing follows the version byte or the signature.
    #[error("extrinsic has no call")]
    MissingCall,
}

/// An extrinsic as submitted: its exact bytes, the decoded signed part, and the offset of
/// the opaque call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncheckedExtrinsic {
    /// The signed part, if signed.
    pub signature: Option<Signature>,
    /// The version byte (0x84, 0x04 or 0x05).
    pub version_byte: u8,
    call_offset: usize,
    encoded: Vec<u8>,
}

impl UncheckedExtrinsic {
    /// Decodes the length-prefixed extrinsic `bytes`, rejecting it if it is longer than
    /// `max_len` bytes (after the prefix) or has bytes beyond its declared length.
    pub fn decode_with_limit(bytes: &[u8], max_len: u32) -> Result<UncheckedExtrinsic, ExtrinsicError> {
        let mut input = bytes;
        let Compact(declared) = Compact::<u64>::decode(&mut input).map_err(|_| ExtrinsicError::BadLengthPrefix)?;
        if declared > max_len as u64 {
            return Err(ExtrinsicError::TooLong { len: declared, max: max_len });
        }
        if declared != input.len() as u64 {
            return Err(ExtrinsicError::LengthMismatch { declared, actual: input.len() });
        }
        let prefix_len = bytes.len() - input.len();
        let version_byte = input.read_byte().map_err(|_| ExtrinsicError::MissingCall)?;
        let signature = match version_byte {
            SIGNED_V4 => {
                Some(Signature::decode(&mut input).map_err(|e| ExtrinsicError::BadSignaturePart(e.to_string()))?)
            }
            UNSIGNED_V4 | BARE_V5 => None,
            other => return Err(ExtrinsicError::UnsupportedVersion(other)),
        };
        if input.is_empty() {
            return Err(ExtrinsicError::MissingCall);
        }
        let call_offset = bytes.len() - input.len();
        debug_assert!(call_offset > prefix_len);
        Ok(UncheckedExtrinsic { signature, version_byte, call_offset, encoded: bytes.to_vec() })
    }

    /// An unsigned (inherent) extrinsic carrying `call`.
    pub fn new_unsigned(call: &[u8]) -> UncheckedExtrinsic {
        let mut body = Vec::with_capacity(1 + call.len());
        body.push(UNSIGNED_V4);
        body.extend_from_slice(call);
        Self::from_body(None, UNSIGNED_V4, body, 1)
    }

    /// A signed extrinsic carrying `call`, signed by `pair` over `call ++ extra ++ implicit`.
    pub fn new_signed(call: &[u8], pair: &Pair, extra: SignedExtra, implicit: &Implicit) -> UncheckedExtrinsic {
        let signature = pair.sign(&signing_payload(call, &extra, implicit));
        let signed = Signature { address: MultiAddress::Id(pair.account()), signature, extra };
        Self::from_signed_part(call, signed)
    }

    /// A signed extrinsic from an already computed signed part (the signature need not be
    /// valid: useful for fee estimation and for tests).
    pub fn from_signed_part(call: &[u8], signed: Signature) -> UncheckedExtrinsic {
        let mut body = Vec::with_capacity(1 + 100 + call.len());
        body.push(SIGNED_V4);
        signed.encode_to(&mut body);
        let call_in_body = body.len();
        body.extend_from_slice(call);
        Self::from_body(Some(signed), SIGNED_V4, body, call_in_body)
    }

    fn from_body(signature: Option<Signature>, version_byte: u8, body: Vec<u8>, call_in_body: usize) -> Self {
        let mut encoded = Compact(body.len() as u32).encode();
        let prefix_len = encoded.len();
        encoded.extend_from_slice(&body);
        UncheckedExtrinsic { signature, version_byte, call_offset: prefix_len + call_in_body, encoded }
    }

    /// The opaque call bytes (`pallet index ++ call index ++ arguments`).
    pub fn call(&self) -> &[u8] {
        &self.encoded[self.call_offset..]
    }

    /// The exact bytes as submitted, with the compact length prefix.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// Consumes the extrinsic, returning its submitted bytes.
    pub fn into_encoded(self) -> Vec<u8> {
        self.encoded
    }

    /// blake2-256 of the submitted bytes: the hash clients compute.
    pub fn hash(&self) -> H256 {
        H256(blake2_256(&self.encoded))
    }

    /// Whether it is signed.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

/// The bytes a signer signs: `call ++ extra ++ implicit`, replaced by its blake2-256 when
/// longer than 256 bytes.
pub fn signing_payload(call: &[u8], extra: &SignedExtra, implicit: &Implicit) -> Vec<u8> {
    let mut payload = Vec::with_capacity(call.len() + 80);
    payload.extend_from_slice(call);
    extra.encode_to(&mut payload);
    implicit.encode_to(&mut payload);
    if payload.len() > SIGNING_PAYLOAD_HASH_THRESHOLD {
        return blake2_256(&payload).to_vec();
    }
    payload
}

/// Declares a signed-extension marker type for metadata: its Substrate path and the fields
/// of its explicit data.
macro_rules! extension_type {
    ($name:ident, [$($seg:literal),*], $doc:literal, $fields:expr) => {
        #[doc = $doc]
        pub struct $name;
        impl TypeInfo for $name {
            type Identity = Self;
            fn type_info() -> Type {
                Type::builder().path(Path::from_segments_unchecked([$($seg),*])).docs(&[$doc]).composite($fields)
            }
        }
    };
}

extension_type!(
    CheckNonZeroSender,
    ["frame_system", "extensions", "check_non_zero_sender", "CheckNonZeroSender"],
    "Rejects the all-zero sender.",
    Fields::unit()
);
extension_type!(
    CheckSpecVersion,
    ["frame_system", "extensions", "check_spec_version", "CheckSpecVersion"],
    "Signs the runtime spec version.",
    Fields::unit()
);
extension_type!(
    CheckTxVersion,
    ["frame_system", "extensions", "check_tx_version", "CheckTxVersion"],
    "Signs the transaction version.",
    Fields::unit()
);
extension_type!(
    CheckGenesis,
    ["frame_system", "extensions", "check_genesis", "CheckGenesis"],
    "Signs the genesis hash.",
    Fields::unit()
);
extension_type!(
    CheckMortality,
    ["frame_system", "extensions", "check_mortality", "CheckMortality"],
    "The era; signs its birth block hash.",
    Fields::unnamed().field(|f| f.ty::<Era>())
);
extension_type!(
    CheckNonce,
    ["frame_system", "extensions", "check_nonce", "CheckNonce"],
    "The sender's nonce.",
    Fields::unnamed().field(|f| f.compact::<u32>())
);
extension_type!(
    CheckWeight,
    ["frame_system", "extensions", "check_weight", "CheckWeight"],
    "Checks the block weight limit.",
    Fields::unit()
);
extension_type!(
    ChargeTransactionPayment,
    ["pallet_transaction_payment", "ChargeTransactionPayment"],
    "The tip; charges the fee.",
    Fields::unnamed().field(|f| f.compact::<u128>())
);

/// The tuple of extension types: the `Extra` type parameter of the extrinsic type.
pub type SignedExtensionTypes = (
    CheckNonZeroSender,
    CheckSpecVersion,
    CheckTxVersion,
    CheckGenesis,
    CheckMortality,
    CheckNonce,
    CheckWeight,
    ChargeTransactionPayment,
);

/// One signed extension as metadata describes it.
pub struct SignedExtensionInfo {
    /// The name clients key their encoders on.
    pub identifier: &'static str,
    /// The explicit part's type.
    pub ty: MetaType,
    /// The implicit ("additional signed") part's type.
    pub implicit: MetaType,
}

/// The signed extensions in order, matching [`SignedExtra`] and [`Implicit`].
pub fn signed_extensions() -> Vec<SignedExtensionInfo> {
    fn ext<T: TypeInfo + 'static, I: TypeInfo + 'static>(identifier: &'static str) -> SignedExtensionInfo {
        SignedExtensionInfo { identifier, ty: meta_type::<T>(), implicit: meta_type::<I>() }
    }
    vec![
        ext::<CheckNonZeroSender, ()>("CheckNonZeroSender"),
        ext::<CheckSpecVersion, u32>("CheckSpecVersion"),
        ext::<CheckTxVersion, u32>("CheckTxVersion"),
        ext::<CheckGenesis, H256>("CheckGenesis"),
        ext::<CheckMortality, H256>("CheckMortality"),
        ext::<CheckNonce, ()>("CheckNonce"),
        ext::<CheckWeight, ()>("CheckWeight"),
        ext::<ChargeTransactionPayment, ()>("ChargeTransactionPayment"),
    ]
}

/// Describes the extrinsic type for metadata as
/// `sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic<Address, Call, Signature,
/// Extra>`: an opaque byte vector whose type parameters tell clients how to build it.
pub struct ExtrinsicTypeInfo<Call>(std::marker::PhantomData<Call>);

impl<Call: TypeInfo + 'static> TypeInfo for ExtrinsicTypeInfo<Call> {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder()
            .path(Path::from_segments_unchecked(["sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"]))
            .type_params([
                TypeParameter::new("Address", Some(meta_type::<MultiAddress>())),
                TypeParameter::new("Call", Some(meta_type::<Call>())),
                TypeParameter::new("Signature", Some(meta_type::<MultiSignature>())),
                TypeParameter::new("Extra", Some(meta_type::<SignedExtensionTypes>())),
            ])
            .docs(&["UncheckedExtrinsic raw bytes, requires custom decoding routine"])
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Pair;

    fn implicit() -> Implicit {
        Implicit { spec_version: 1, transaction_version: 1, genesis_hash: H256([7; 32]), era_birth_hash: H256([7; 32]) }
    }

    #[test]
    fn signed_layout_and_round_trip() {
        let alice = Pair::dev("Alice");
        let extra = SignedExtra { era: Era::mortal(64, 10), nonce: 5, tip: 0 };
        let call = [4u8, 0, 1, 2, 3];
        let xt = UncheckedExtrinsic::new_signed(&call, &alice, extra, &implicit());
        let bytes = xt.encoded().to_vec();
        // Compact(len) in two bytes here, then 0x84, 0x00 (Id), Alice, 0x01 (Sr25519).
        let Compact(len) = Compact::<u32>::decode(&mut &bytes[..]).unwrap();
        assert_eq!(len as usize, bytes.len() - 2);
        assert_eq!(bytes[2], 0x84);
        assert_eq!(bytes[3], 0x00);
        assert_eq!(&bytes[4..36], alice.public().as_slice());
        assert_eq!(bytes[36], 0x01);
        assert_eq!(xt.call(), &call);
        let decoded = UncheckedExtrinsic::decode_with_limit(&bytes, 1024).unwrap();
        assert_eq!(decoded, xt);
        assert_eq!(decoded.hash(), H256(blake2_256(&bytes)));
        let sig = decoded.signature.unwrap();
        assert!(sig.signature.verify(&signing_payload(&call, &extra, &implicit()), &alice.account()));
    }

    #[test]
    fn unsigned_and_bare() {
        let xt = UncheckedExtrinsic::new_unsigned(&[3, 0, 9]);
        assert_eq!(xt.encoded(), &[4 << 2, 0x04, 3, 0, 9]);
        let back = UncheckedExtrinsic::decode_with_limit(xt.encoded(), 100).unwrap();
        assert!(!back.is_signed());
        assert_eq!(back.call(), &[3, 0, 9]);
        let bare = UncheckedExtrinsic::decode_with_limit(&[3 << 2, 0x05, 3, 0], 100).unwrap();
        assert_eq!(bare.version_byte, 5);
        assert_eq!(bare.call(), &[3, 0]);
    }

    #[test]
    fn long_payload_is_hashed_before_signing() {
        let alice = Pair::dev("Alice");
        let extra = SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 };
        let call = vec![0u8; 300];
        let payload = signing_payload(&call, &extra, &implicit());
        assert_eq!(payload.len(), 32);
        let mut full = call.clone();
        extra.encode_to(&mut full);
        implicit().encode_to(&mut full);
        assert_eq!(payload, blake2_256(&full).to_vec());
        let xt = UncheckedExtrinsic::new_signed(&call, &alice, extra, &implicit());
        let sig = xt.signature.clone().unwrap().signature;
        assert!(sig.verify(&payload, &alice.account()));
        assert!(!sig.verify(&full, &alice.account()));
    }

    #[test]
    fn rejects_malformed_input() {
        assert_eq!(UncheckedExtrinsic::decode_with_limit(&[], 10), Err(ExtrinsicError::BadLengthPrefix));
        assert_eq!(
            UncheckedExtrinsic::decode_with_limit(&[8, 4], 10),
            Err(ExtrinsicError::LengthMismatch { declared: 2, actual: 1 })
        );
        assert_eq!(
            UncheckedExtrinsic::decode_with_limit(&[4 << 2, 4, 0, 0, 0], 3),
            Err(ExtrinsicError::TooLong { len: 4, max: 3 })
        );
        assert_eq!(
            UncheckedExtrinsic::decode_with_limit(&[2 << 2, 0x85, 1], 10),
            Err(ExtrinsicError::UnsupportedVersion(0x85))
        );
        assert_eq!(UncheckedExtrinsic::decode_with_limit(&[1 << 2, 4], 10), Err(ExtrinsicError::MissingCall));
        assert!(matches!(
            UncheckedExtrinsic::decode_with_limit(&[3 << 2, 0x84, 0, 1], 10),
            Err(ExtrinsicError::BadSignaturePart(_))
        ));
    }

    #[test]
    fn extensions_are_in_reference_order() {
        let names: Vec<_> = signed_extensions().iter().map(|e| e.identifier).collect();
        assert_eq!(
            names,
            [
                "CheckNonZeroSender",
                "CheckSpecVersion",
                "CheckTxVersion",
                "CheckGenesis",
                "CheckMortality",
                "CheckNonce",
                "CheckWeight",
                "ChargeTransactionPayment"
            ]
        );
    }
}
