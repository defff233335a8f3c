//! # Validators pallet
//!
//! The BFT validator set as on-chain state: the ed25519 public keys of the validators of
//! the next epoch, replaced, extended or shrunk by root (sudo on development and bootstrap
//! chains, governance later).
//!
//! ## The epoch rule
//!
//! Consensus runs in epochs of a fixed number of blocks. The set stored in the state of the
//! **last block of epoch `e`** is the validator set of **epoch `e + 1`**; epoch 0's set is
//! the chain spec's. A change made in the middle of an epoch therefore takes effect at the
//! start of the next one, and changes made later in the same epoch overwrite it.
//!
//! ```text
//!   epoch e                                  epoch e+1
//!   ... | block | block | last block of e |  first block | ...
//!                          state names S  ->  validated by S
//! ```
//!
//! The node does the reading (it reads `Validators.Validators` from the boundary block's
//! state, see `consensus/src/epochs.rs`); this pallet only keeps the list and has no block
//! hooks. The keys are kept in the order given: consensus orders the set itself, so the
//! order here means nothing.
//!
//! ## Storage
//! - `Validators`: the next epoch's validators, at most [`VALIDATORS_MAX`] distinct valid
//!   ed25519 keys. Absent (reads as empty) until genesis or root sets it; once stored it is
//!   never empty, since no call leaves it empty.

pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode};
use scale_info::{meta_type, TypeInfo};

use accord_support::storage::StorageEntry;
use accord_support::{
    constant, BoundedVec, DispatchResult, Ext, Hooks, Origin, PalletError, PalletMeta, StorageValue, ValueQuery, Weight,
};

/// The pallet's name in the runtime.
pub const NAME: &str = "Validators";

/// The most validators an epoch may have (consensus has the same bound).
pub const VALIDATORS_MAX: u32 = 64;

/// A validator's ed25519 public key.
pub type ValidatorKey = [u8; 32];

/// A list of validators: at most [`VALIDATORS_MAX`] keys.
pub type ValidatorList = BoundedVec<ValidatorKey, VALIDATORS_MAX>;

/// `Validators.Validators`.
pub const VALIDATORS: StorageValue<ValidatorList, ValueQuery> = StorageValue::new(
    NAME,
    "Validators",
    &[
        " The ed25519 public keys of the next epoch's validators, in the order given (consensus",
        " orders them itself). The set in the state of an epoch's last block validates the next epoch.",
    ],
);

/// The calls of the validators pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Replaces the validator set.
    ///
    /// - Origin: root.
    /// - Events: `ValidatorsSet`.
    /// - Errors: `NoValidators` (an empty list), `InvalidKey`, `DuplicateValidator`.
    /// - Cost: [`weights::set_validators`], linear in the number of validators.
    #[codec(index = 0)]
    set_validators {
        /// The new set: distinct ed25519 public keys.
        validators: ValidatorList,
    },
    /// Adds one validator to the set.
    ///
    /// - Origin: root.
    /// - Events: `ValidatorAdded`.
    /// - Errors: `InvalidKey`, `AlreadyValidator`, `TooManyValidators`.
    /// - Cost: [`weights::add_validator`], constant.
    #[codec(index = 1)]
    add_validator {
        /// Its ed25519 public key.
        validator: ValidatorKey,
    },
    /// Removes one validator from the set.
    ///
    /// - Origin: root.
    /// - Events: `ValidatorRemoved`.
    /// - Errors: `NotValidator`, `NoValidators` (it is the last one).
    /// - Cost: [`weights::remove_validator`], constant.
    #[codec(index = 2)]
    remove_validator {
        /// Its ed25519 public key.
        validator: ValidatorKey,
    },
}

/// The events of the validators pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// The set was replaced.
    #[codec(index = 0)]
    ValidatorsSet {
        /// How many validators it has.
        count: u32,
    },
    /// A validator joined the set.
    #[codec(index = 1)]
    ValidatorAdded {
        /// Its key.
        validator: ValidatorKey,
    },
    /// A validator left the set.
    #[codec(index = 2)]
    ValidatorRemoved {
        /// Its key.
        validator: ValidatorKey,
    },
}

/// The errors of the validators pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The set would be empty.
    NoValidators,
    /// A key appears twice in the list.
    DuplicateValidator,
    /// The key is already in the set.
    AlreadyValidator,
    /// The set has [`VALIDATORS_MAX`] validators.
    TooManyValidators,
    /// The key is not in the set.
    NotValidator,
    /// The bytes are not a usable ed25519 public key (not a point of the curve, or a weak
    /// one of small order).
    InvalidKey,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> Weight {
        match self {
            Call::set_validators { validators } => weights::set_validators(validators.len() as u32),
            Call::add_validator { .. } => weights::add_validator(),
            Call::remove_validator { .. } => weights::remove_validator(),
        }
    }
}

/// Whether `key` is a usable ed25519 public key: a point of the curve that is not of small
/// order (a weak key, such as 32 zero bytes, would let anyone forge its signatures).
pub fn is_valid_key(key: &ValidatorKey) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(key).is_ok_and(|k| !k.is_weak())
}

/// Why a list of validators is not a valid set: empty, an invalid key, or a key twice (in
/// that order of checks).
fn list_error(validators: &[ValidatorKey]) -> Option<Error> {
    if validators.is_empty() {
        return Some(Error::NoValidators);
    }
    if !validators.iter().all(is_valid_key) {
        return Some(Error::InvalidKey);
    }
    duplicate(validators).map(|_| Error::DuplicateValidator)
}

/// The first key that appears twice. Quadratic, but over at most [`VALIDATORS_MAX`] keys
/// (about 2,000 comparisons) and without allocating.
fn duplicate(validators: &[ValidatorKey]) -> Option<&ValidatorKey> {
    validators.iter().enumerate().find(|(i, key)| validators[..*i].contains(key)).map(|(_, key)| key)
}

fn deposit_event(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// Dispatches a validators call. Every check runs before the one write.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    origin.ensure_root()?;
    match call {
        Call::set_validators { validators } => {
            if let Some(error) = list_error(&validators) {
                return Err(ext.error(error));
            }
            VALIDATORS.put(ext, &validators);
            deposit_event(ext, Event::ValidatorsSet { count: validators.len() as u32 });
        }
        Call::add_validator { validator } => {
            if !is_valid_key(&validator) {
                return Err(ext.error(Error::InvalidKey));
            }
            let mut validators = VALIDATORS.get(ext);
            if validators.contains(&validator) {
                return Err(ext.error(Error::AlreadyValidator));
            }
            if validators.try_push(validator).is_err() {
                return Err(ext.error(Error::TooManyValidators));
            }
            VALIDATORS.put(ext, &validators);
            deposit_event(ext, Event::ValidatorAdded { validator });
        }
        Call::remove_validator { validator } => {
            let mut validators = VALIDATORS.get(ext);
            if validators.remove_first(|v| *v == validator).is_none() {
                return Err(ext.error(Error::NotValidator));
            }
            if validators.is_empty() {
                return Err(ext.error(Error::NoValidators));
            }
            VALIDATORS.put(ext, &validators);
            deposit_event(ext, Event::ValidatorRemoved { validator });
        }
    }
    Ok(())
}

/// Removes those of `keys` that are in the set (for other pallets: an organization that
/// exits or deregisters a node takes its keys out), emitting `ValidatorRemoved` for each.
/// Returns how many were removed. Fails with [`Error::NoValidators`], changing nothing, if
/// the set would be left empty; a set that is absent or holds none of the keys is left as is.
pub fn remove_keys(ext: &mut Ext<'_>, keys: &[ValidatorKey]) -> Result<u32, Error> {
    let mut kept = VALIDATORS.get(ext);
    let gone: Vec<ValidatorKey> = kept.iter().filter(|v| keys.contains(v)).copied().collect();
    if gone.is_empty() {
        return Ok(0);
    }
    if gone.len() == kept.len() {
        return Err(Error::NoValidators);
    }
    for validator in &gone {
        kept.remove_first(|v| v == validator);
    }
    VALIDATORS.put(ext, &kept);
    for validator in &gone {
        deposit_event(ext, Event::ValidatorRemoved { validator: *validator });
    }
    Ok(gone.len() as u32)
}

/// Genesis: the initial set, stored only if `validators` is non-empty (so a chain without
/// one, such as the development chain, has the same genesis state as before this pallet).
///
/// Fails if the list is longer than [`VALIDATORS_MAX`], has an invalid key or a key twice.
pub fn build_genesis(ext: &mut Ext<'_>, validators: &[ValidatorKey]) -> Result<(), String> {
    if validators.is_empty() {
        return Ok(());
    }
    let list = ValidatorList::try_from_vec(validators.to_vec())
        .map_err(|v| format!("{} genesis validators, more than the limit of {VALIDATORS_MAX}", v.len()))?;
    if let Some(bad) = list.iter().find(|key| !is_valid_key(key)) {
        return Err(format!("genesis validator 0x{} is not an ed25519 public key", hex::encode(bad)));
    }
    if let Some(twice) = duplicate(&list) {
        return Err(format!("genesis validator 0x{} is listed twice", hex::encode(twice)));
    }
    VALIDATORS.put(ext, &list);
    Ok(())
}

/// The validators pallet's hooks: no block hooks, only the storage invariants.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    /// A stored set decodes (as an unbounded list, so an oversized one is reported rather
    /// than read as empty), has at most [`VALIDATORS_MAX`] keys, is non-empty, and its keys
    /// are distinct valid ed25519 keys.
    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        let Some(bytes) = ext.get(&VALIDATORS.key()) else {
            return Ok(());
        };
        let mut input = &bytes[..];
        let list = Vec::<ValidatorKey>::decode(&mut input).map_err(|e| format!("validators do not decode: {e}"))?;
        if !input.is_empty() {
            return Err(format!("validators have {} trailing bytes", input.len()));
        }
        if list.len() > VALIDATORS_MAX as usize {
            return Err(format!("{} validators stored, more than {VALIDATORS_MAX}", list.len()));
        }
        match list_error(&list) {
            None => Ok(()),
            Some(error) => Err(format!("stored validator set is invalid: {error:?}")),
        }
    }
}

/// The metadata of the validators pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![VALIDATORS.metadata()],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![constant("ValidatorsMax", &VALIDATORS_MAX, &[" The most validators an epoch may have."])],
    }
}
