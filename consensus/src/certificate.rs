//! Finalization certificates: what proves a block final, and how anyone checks one.
//!
//! A certificate is the Commonware encoding of simplex's `Finalization` for the ed25519
//! scheme:
//!
//! ```text
//! +-------------------------------------------------------------+
//! | proposal: epoch (varint) ++ view (varint) ++ parent view     |
//! |           (varint) ++ payload (32 bytes: the block hash)     |
//! +-------------------------------------------------------------+
//! | certificate: signers (bitmap over the ordered validator set) |
//! |              ++ one ed25519 signature (64 bytes) per signer  |
//! +-------------------------------------------------------------+
//! ```
//!
//! The signatures are over the proposal under the chain's namespace (see
//! [`crate::EngineConfig::namespace`]); a quorum (more than two thirds) of the validator set
//! must have signed. The validator set is ordered by public key.

use commonware_codec::Decode as _;
use commonware_consensus::simplex::scheme::ed25519::Scheme;
use commonware_consensus::simplex::types::Finalization;
use commonware_cryptography::certificate::Verifier as _;
use commonware_cryptography::ed25519;
use commonware_parallel::Sequential;
use commonware_utils::ordered::Set;

use accord_primitives::H256;

use crate::block::{hash_of, Digest};

/// The most bytes a certificate may take (checked before decoding).
pub const CERTIFICATE_MAX: usize = 64 * 1024;

/// What a valid certificate says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certified {
    /// The block it finalizes.
    pub block: H256,
    /// Its consensus epoch.
    pub epoch: u64,
    /// Its consensus view.
    pub view: u64,
    /// How many validators signed.
    pub signers: u32,
    /// Who signed.
    pub signed_by: Vec<ed25519::PublicKey>,
}

/// Why a certificate is not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertificateError {
    /// Too long.
    #[error("certificate of {0} bytes, at most {CERTIFICATE_MAX}")]
    TooLong(usize),
    /// The bytes are not a finalization.
    #[error("certificate does not decode: {0}")]
    Malformed(String),
    /// The validator set is empty or lists a key twice.
    #[error("invalid validator set")]
    ValidatorSet,
    /// The signatures do not verify, or too few validators signed.
    #[error("signatures do not verify against the validator set")]
    BadSignatures,
    /// It finalizes another block.
    #[error("certificate finalizes {found:?}, not {expected:?}")]
    OtherBlock {
        /// The block asked about.
        expected: H256,
        /// The block it names.
        found: H256,
    },
}

/// Checks `bytes` against the validator set `validators` under `namespace`; with `block`,
/// also that it finalizes that block.
pub fn verify(
    bytes: &[u8],
    namespace: &[u8],
    validators: &[ed25519::PublicKey],
    block: Option<H256>,
) -> Result<Certified, CertificateError> {
    if bytes.len() > CERTIFICATE_MAX {
        return Err(CertificateError::TooLong(bytes.len()));
    }
    let set = Set::try_from(validators.to_vec()).map_err(|_| CertificateError::ValidatorSet)?;
    if set.is_empty() {
        return Err(CertificateError::ValidatorSet);
    }
    let scheme = Scheme::verifier(namespace, set);
    let finalization = Finalization::<Scheme, Digest>::decode_cfg(
        commonware_codec::Copying(bytes),
        &scheme.certificate_codec_config(),
    )
    .map_err(|e| CertificateError::Malformed(e.to_string()))?;
    let found = hash_of(&finalization.proposal.payload);
    if let Some(expected) = block {
        if expected != found {
            return Err(CertificateError::OtherBlock { expected, found });
        }
    }
    if !finalization.verify(&mut rand010::rng(), &scheme, &Sequential) {
        return Err(CertificateError::BadSignatures);
    }
    Ok(Certified {
        block: found,
        epoch: finalization.proposal.round.epoch().get(),
        view: finalization.proposal.round.view().get(),
        signers: signer_count(&finalization),
        signed_by: finalization
            .certificate
            .signers
            .iter()
            .filter_map(|signer| set_of(&scheme).get(signer.get() as usize).cloned())
            .collect(),
    })
}

fn set_of(scheme: &Scheme) -> &Set<ed25519::PublicKey> {
    use commonware_cryptography::certificate::Scheme as _;
    scheme.participants()
}

fn signer_count(finalization: &Finalization<Scheme, Digest>) -> u32 {
    finalization.certificate.signatures.len() as u32
}
