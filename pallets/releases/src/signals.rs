//! Validators' signals of the logic versions their binaries run.

use codec::Encode;

use accord_pallet_system as system;
use accord_pallet_validators::{ValidatorKey, VALIDATORS};
use accord_primitives::crypto::ed25519_verify;
use accord_primitives::H256;
use accord_support::Ext;

use crate::*;

/// What a validator signs: `"accord/logic-support:" ++ genesis hash ++ SCALE(signal)`.
/// Binding the genesis hash keeps a signal from being replayed on another chain; binding the
/// block number (in the signal) keeps it from being replayed later on this one.
pub fn signal_payload(genesis_hash: &H256, signal: &Signal) -> Vec<u8> {
    let mut data = b"accord/logic-support:".to_vec();
    data.extend_from_slice(&genesis_hash.0);
    data.extend_from_slice(&signal.encode());
    data
}

/// Checks a signal for the block being built or executed: `Err` says why it is refused.
pub fn verify_signal(ext: &Ext<'_>, signal: &Signal, signature: &[u8; 64]) -> Result<(), &'static str> {
    if !VALIDATORS.get(ext).contains(&signal.key) {
        return Err("the key is not a validator's");
    }
    if signal.at != system::block_number(ext) {
        return Err("the signal is not for this block");
    }
    if SUPPORT.get(ext, &signal.key).is_some_and(|stored| stored.at >= signal.at) {
        return Err("the validator signalled in this block already");
    }
    if signal.versions.as_slice().windows(2).any(|w| w[0] >= w[1]) {
        return Err("the versions are not sorted and distinct");
    }
    let genesis = system::block_hash(ext, 0).ok_or("the genesis hash is unknown")?;
    if !ed25519_verify(signature, &signal_payload(&genesis, signal), &signal.key) {
        return Err("the signature is not the key's");
    }
    Ok(())
}

/// The signal validator `key` should add to the block being built, if any: when it is a
/// validator and its stored signal names other versions than `versions` (sorted, distinct).
pub fn signal_to_send(ext: &Ext<'_>, key: &ValidatorKey, versions: &SignalVersions) -> Option<Signal> {
    if !VALIDATORS.get(ext).contains(key) {
        return None;
    }
    if SUPPORT.get(ext, key).is_some_and(|stored| stored.versions == *versions) {
        return None;
    }
    Some(Signal { key: *key, versions: versions.clone(), at: system::block_number(ext) })
}

/// Whether every validator of the stored set signalled support for `version` of `target`.
pub(crate) fn supported_by_validators(ext: &Ext<'_>, target: Target, version: Version) -> bool {
    VALIDATORS.get(ext).iter().all(|key| SUPPORT.get(ext, key).is_some_and(|s| s.supports(target, version)))
}
