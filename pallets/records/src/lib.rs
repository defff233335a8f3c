//! # Records pallet
//!
//! A shared registry of business records: each has an id, an owner, a state (opaque bytes
//! the business systems agree on), the hash of its off-chain payload, and a bounded list of
//! accounts the owner authorized to change its state. Every operation appends one entry to
//! the operation log, inside the same dispatch:
//!
//! | call | log entry |
//! |---|---|
//! | `create` | `Create`, "" -> state |
//! | `update_state` | `Update`, old state -> new state |
//! | `transfer_ownership` | `Custom(1)`, state -> state (the data is unchanged) |
//! | `delete` | `Delete`, blake2-256(state) -> "" |
//!
//! So for each record id, every entry's source state equals the previous entry's result
//! state (a `Delete` entry's, its 32-byte blake2-256 hash: the continuity consumers check),
//! and a deletion leaves no copy of the deleted state in the log. A deletion through
//! `Metering.delete_data` logs the same `Delete` entry.
//!
//! ## Record instances
//! Each record carries an **instance** number, taken from `Records.LastInstance` when it is
//! created and kept while it lives (updates, transfers) and through a backup and recovery: an
//! id deleted and created again is another instance. Rights others hold over a record (the
//! deleters `Metering` keeps) belong to an instance, so they never pass to a later record of
//! the same id.
//!
//! ## Logic versions
//! The pallet ships two versions of its logic side by side, and the runtime picks one per
//! call (the `Releases` pallet routes them, see pallets/releases/README.md):
//! - **version 1** (the base): the rules above;
//! - **version 2**, *strict, revisioned records*: every state must be non-empty
//!   (`EmptyState`), an `update_state` must change the state (`UnchangedState`: version 1
//!   logs a no-op update), and each record carries a revision (`Revisions`): 1 at `create`,
//!   one more at each `update_state` and `transfer_ownership` that version 2 runs, announced
//!   by a `Revised` event. `delete` removes the revision in both versions.
//!
//! Both versions log the same entries: a consumer sees no difference but the refusals.

mod v2;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_oplog::{self as oplog, OpType};
use accord_primitives::hashing::blake2_256;
use accord_primitives::{AccountId32, MultiAddress, H256};
use accord_support::storage::StorageEntry;
use accord_support::{
    lookup, Blake2_128Concat, BoundedVec, DispatchError, DispatchResult, Ext, Hooks, OptionQuery, Origin, PalletError,
    PalletMeta, StorageMap, StorageValue, ValueQuery, Weight,
};

/// The pallet's name in the runtime.
pub const NAME: &str = "Records";

/// The custom operation type logged for ownership transfers.
pub const OP_TRANSFER_OWNERSHIP: u16 = 1;
/// The most accounts a record's owner may authorize.
pub const AUTHORIZED_MAX: u32 = 16;

/// The logic versions this pallet ships, oldest first.
pub const VERSIONS: &[u16] = &[1, 2];
/// The version that runs when no release routes the call elsewhere.
pub const BASE_VERSION: u16 = 1;

/// A record id: at most the oplog's data id length.
pub type RecordId = BoundedVec<u8, { oplog::DATA_ID_LEN_MAX }>;
/// A record's state: at most the oplog's state length.
pub type RecordState = BoundedVec<u8, { oplog::STATE_LEN_MAX }>;

/// A business record.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Record {
    /// Who owns it.
    pub owner: AccountId32,
    /// Its current state.
    pub state: RecordState,
    /// The hash of its off-chain payload.
    pub payload_hash: H256,
    /// Accounts the owner allowed to change the state.
    pub authorized: BoundedVec<AccountId32, AUTHORIZED_MAX>,
    /// Which record this is: unique among all records ever created (see the crate docs).
    pub instance: u64,
}

/// `Records.Records`.
pub const RECORDS: StorageMap<RecordId, Record, Blake2_128Concat, OptionQuery> =
    StorageMap::new(NAME, "Records", &[" The records by id."]);

/// `Records.Revisions`: version 2's revision counters.
pub const REVISIONS: StorageMap<RecordId, u32, Blake2_128Concat, OptionQuery> = StorageMap::new(
    NAME,
    "Revisions",
    &[" Each record's revision under logic version 2: 1 at creation, one more per change version 2 made."],
);

/// `Records.LastInstance`.
pub const LAST_INSTANCE: StorageValue<u64, ValueQuery> = StorageValue::new(
    NAME,
    "LastInstance",
    &[" The instance number of the latest record created (0: none yet); each creation takes the next."],
);

/// The calls of the records pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Creates a record owned by the caller, as a new instance.
    ///
    /// - Origin: signed.
    /// - Events: `Created`; oplog `Logged` (`Create`).
    /// - Errors: `RecordExists`.
    /// - Cost: [`weights::create`], linear in the state's length.
    #[codec(index = 0)]
    create {
        /// The id.
        id: RecordId,
        /// The initial state.
        state: RecordState,
        /// The hash of the off-chain payload.
        payload_hash: H256,
    },
    /// Replaces a record's state.
    ///
    /// - Origin: signed by the owner or an authorized account.
    /// - Events: `StateUpdated`; oplog `Logged` (`Update`).
    /// - Errors: `UnknownRecord`, `NotAllowed`.
    /// - Cost: [`weights::update_state`], linear in the state's length.
    #[codec(index = 1)]
    update_state {
        /// The id.
        id: RecordId,
        /// The new state.
        state: RecordState,
    },
    /// Hands a record to a new owner (its authorized list is cleared).
    ///
    /// - Origin: signed by the owner.
    /// - Events: `OwnershipTransferred`; oplog `Logged` (`Custom(1)`).
    /// - Errors: `UnknownRecord`, `NotOwner`, `CannotLookup`.
    /// - Cost: [`weights::owner_operation`], constant.
    #[codec(index = 2)]
    transfer_ownership {
        /// The id.
        id: RecordId,
        /// The new owner.
        new_owner: MultiAddress,
    },
    /// Deletes a record.
    ///
    /// - Origin: signed by the owner.
    /// - Events: `Deleted`; oplog `Logged` (`Delete`, the blake2-256 hash of the state -> "").
    /// - Errors: `UnknownRecord`, `NotOwner`.
    /// - Cost: [`weights::owner_operation`], constant.
    #[codec(index = 3)]
    delete {
        /// The id.
        id: RecordId,
    },
    /// Allows `who` to update the record's state.
    ///
    /// - Origin: signed by the owner.
    /// - Events: `Authorized`.
    /// - Errors: `UnknownRecord`, `NotOwner`, `AlreadyAuthorized`, `TooManyAuthorized`,
    ///   `CannotLookup`.
    /// - Cost: [`weights::authorization`], constant.
    #[codec(index = 4)]
    authorize {
        /// The id.
        id: RecordId,
        /// The account.
        who: MultiAddress,
    },
    /// Withdraws `who`'s permission.
    ///
    /// - Origin: signed by the owner.
    /// - Events: `Deauthorized`.
    /// - Errors: `UnknownRecord`, `NotOwner`, `NotAuthorized`, `CannotLookup`.
    /// - Cost: [`weights::authorization`], constant.
    #[codec(index = 5)]
    deauthorize {
        /// The id.
        id: RecordId,
        /// The account.
        who: MultiAddress,
    },
}

/// The events of the records pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A record was created.
    Created {
        /// The id.
        id: RecordId,
        /// The owner.
        owner: AccountId32,
    },
    /// A record's state changed.
    StateUpdated {
        /// The id.
        id: RecordId,
        /// Who changed it.
        by: AccountId32,
    },
    /// A record changed hands.
    OwnershipTransferred {
        /// The id.
        id: RecordId,
        /// The previous owner.
        from: AccountId32,
        /// The new owner.
        to: AccountId32,
    },
    /// A record was deleted.
    Deleted {
        /// The id.
        id: RecordId,
    },
    /// An account may now update a record.
    Authorized {
        /// The id.
        id: RecordId,
        /// The account.
        who: AccountId32,
    },
    /// An account may no longer update a record.
    Deauthorized {
        /// The id.
        id: RecordId,
        /// The account.
        who: AccountId32,
    },
    /// Logic version 2 changed a record: its new revision.
    Revised {
        /// The id.
        id: RecordId,
        /// The revision.
        revision: u32,
    },
}

/// The errors of the records pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// A record with this id exists.
    RecordExists,
    /// No record has this id.
    UnknownRecord,
    /// Only the owner or an authorized account may do this.
    NotAllowed,
    /// Only the owner may do this.
    NotOwner,
    /// The account is already authorized.
    AlreadyAuthorized,
    /// The account is not authorized.
    NotAuthorized,
    /// [`AUTHORIZED_MAX`] accounts are authorized.
    TooManyAuthorized,
    /// Version 2: a record's state may not be empty.
    EmptyState,
    /// Version 2: the new state equals the current one.
    UnchangedState,
    /// No logic version of this pallet has this number.
    UnknownVersion,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl Call {
    /// The weight of the call, before dispatch, whichever version runs it (version 2's
    /// revision counter included).
    pub fn weight(&self) -> Weight {
        let logic = match self {
            Call::create { state, .. } => weights::create(state.len() as u32),
            Call::update_state { state, .. } => weights::update_state(state.len() as u32),
            Call::transfer_ownership { .. } | Call::delete { .. } => weights::owner_operation(),
            Call::authorize { .. } | Call::deauthorize { .. } => weights::authorization(),
        };
        logic.saturating_add(weights::revision())
    }

    /// The id of the record the call is about: the data id releases route by.
    pub fn data_id(&self) -> &[u8] {
        match self {
            Call::create { id, .. }
            | Call::update_state { id, .. }
            | Call::transfer_ownership { id, .. }
            | Call::delete { id }
            | Call::authorize { id, .. }
            | Call::deauthorize { id, .. } => id.as_slice(),
        }
    }
}

fn deposit_event(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// The record `id`, which the caller must own.
fn owned(ext: &Ext<'_>, id: &RecordId, who: &AccountId32) -> Result<Record, DispatchError> {
    let record = RECORDS.get(ext, id).ok_or(ext.error(Error::UnknownRecord))?;
    if record.owner != *who {
        return Err(ext.error(Error::NotOwner));
    }
    Ok(record)
}

/// Dispatches a records call with the base logic version.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    dispatch_version(ext, origin, call, BASE_VERSION)
}

/// Dispatches a records call with logic `version` (one of [`VERSIONS`]).
pub fn dispatch_version(ext: &mut Ext<'_>, origin: Origin, call: Call, version: u16) -> DispatchResult {
    match version {
        1 => dispatch_v1(ext, origin, call),
        2 => v2::dispatch(ext, origin, call),
        _ => Err(ext.error(Error::UnknownVersion)),
    }
}

/// Version 1 of the logic.
fn dispatch_v1(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    let who = origin.ensure_signed()?;
    match call {
        Call::create { id, state, payload_hash } => {
            if RECORDS.contains_key(ext, &id) {
                return Err(ext.error(Error::RecordExists));
            }
            // 2^64 creations cannot happen: the counter never saturates in practice.
            let instance = LAST_INSTANCE.get(ext).saturating_add(1);
            let record = Record { owner: who, state, payload_hash, authorized: BoundedVec::new(), instance };
            LAST_INSTANCE.put(ext, &instance);
            RECORDS.insert(ext, &id, &record);
            oplog::append(ext, NAME, who, &id, &[], &record.state, OpType::Create)?;
            deposit_event(ext, Event::Created { id, owner: who });
        }
        Call::update_state { id, state } => {
            let mut record = RECORDS.get(ext, &id).ok_or(ext.error(Error::UnknownRecord))?;
            if record.owner != who && !record.authorized.contains(&who) {
                return Err(ext.error(Error::NotAllowed));
            }
            let old = std::mem::replace(&mut record.state, state);
            RECORDS.insert(ext, &id, &record);
            oplog::append(ext, NAME, who, &id, &old, &record.state, OpType::Update)?;
            deposit_event(ext, Event::StateUpdated { id, by: who });
        }
        Call::transfer_ownership { id, new_owner } => {
            let new_owner = lookup(&new_owner)?;
            let mut record = owned(ext, &id, &who)?;
            record.owner = new_owner;
            record.authorized = BoundedVec::new();
            RECORDS.insert(ext, &id, &record);
            let op = OpType::Custom(OP_TRANSFER_OWNERSHIP);
            oplog::append(ext, NAME, who, &id, &record.state, &record.state, op)?;
            deposit_event(ext, Event::OwnershipTransferred { id, from: who, to: new_owner });
        }
        Call::delete { id } => {
            let record = owned(ext, &id, &who)?;
            RECORDS.remove(ext, &id);
            REVISIONS.remove(ext, &id);
            oplog::append(ext, NAME, who, &id, &state_hash(&record.state), &[], OpType::Delete)?;
            deposit_event(ext, Event::Deleted { id });
        }
        Call::authorize { id, who: target } => {
            let target = lookup(&target)?;
            let mut record = owned(ext, &id, &who)?;
            if record.authorized.contains(&target) {
                return Err(ext.error(Error::AlreadyAuthorized));
            }
            if record.authorized.try_push(target).is_err() {
                return Err(ext.error(Error::TooManyAuthorized));
            }
            RECORDS.insert(ext, &id, &record);
            deposit_event(ext, Event::Authorized { id, who: target });
        }
        Call::deauthorize { id, who: target } => {
            let target = lookup(&target)?;
            let mut record = owned(ext, &id, &who)?;
            if record.authorized.remove_first(|a| *a == target).is_none() {
                return Err(ext.error(Error::NotAuthorized));
            }
            RECORDS.insert(ext, &id, &record);
            deposit_event(ext, Event::Deauthorized { id, who: target });
        }
    }
    Ok(())
}

/// What a `Delete` entry logs as its source state: the 32-byte blake2-256 hash of the
/// deleted state, so that consumers can check continuity and the log keeps no copy.
pub fn state_hash(state: &[u8]) -> [u8; 32] {
    blake2_256(state)
}

/// Takes record `id` out of the state for a data deletion by `by` (its owner or a deleter
/// the metering pallet checked): logs a `Delete` entry (blake2-256 of the state -> ""),
/// removes its revision; returns the record, its instance included. `UnknownRecord` if there
/// is none.
pub fn take_record(ext: &mut Ext<'_>, id: &RecordId, by: AccountId32) -> Result<Record, DispatchError> {
    let record = RECORDS.get(ext, id).ok_or(ext.error(Error::UnknownRecord))?;
    oplog::append(ext, NAME, by, id, &state_hash(&record.state), &[], OpType::Delete)?;
    RECORDS.remove(ext, id);
    REVISIONS.remove(ext, id);
    deposit_event(ext, Event::Deleted { id: id.clone() });
    Ok(record)
}

/// Puts a record taken by [`take_record`] back (a recovery by `by`), as the same instance:
/// logs a `Create` entry ("" -> state), so consumers re-create it. `RecordExists` if the id
/// was used again meanwhile.
pub fn restore_record(ext: &mut Ext<'_>, id: &RecordId, record: &Record, by: AccountId32) -> DispatchResult {
    if RECORDS.contains_key(ext, id) {
        return Err(ext.error(Error::RecordExists));
    }
    oplog::append(ext, NAME, by, id, &[], &record.state, OpType::Create)?;
    RECORDS.insert(ext, id, record);
    deposit_event(ext, Event::Created { id: id.clone(), owner: record.owner });
    Ok(())
}

/// The records pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;
}

/// The metadata of the records pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![RECORDS.metadata(), REVISIONS.metadata(), LAST_INSTANCE.metadata()],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            accord_support::constant("AuthorizedMax", &AUTHORIZED_MAX, &[" The most authorized accounts per record."]),
            accord_support::constant(
                "LogicVersions",
                &VERSIONS.to_vec(),
                &[" The logic versions this runtime ships (see the Releases pallet)."],
            ),
        ],
    }
}
