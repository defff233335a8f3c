//! Data deletion: permanent, or into the backup store for a number of days (priced per byte
//! moved and per byte-day), recovery before expiry, deleters, and the expiry sweep.
//!
//! The business pallets keep their data; the runtime hands their stores to this module as a
//! [`DataStore`] (`Records` first). A deletion and a recovery each write the store's oplog
//! entry (`Delete`, then `Create`), so off-chain databases follow.
//!
//! Rights belong to the data, not to its key: a store names each piece of data's
//! **instance** ([`DataInstance`]), and deleters are declared for one instance of one owner
//! (`Deleters((target, key, instance), who)`, the declaring owner as value). They end when
//! that instance is deleted or changes hands (the runtime reports a change the store's own
//! calls made with [`data_changed`]), so a later record of the same key starts with none. A
//! backup takes its instance's deleters along: only its owner and those may recover it, and
//! a recovered instance gets them back.
//!
//! ```text
//! delete_data(Backup, days) ──▶ Backups(target, key) {owner, instance, deleters, data, ..}
//!                               Expiring(day, seq) = (target, key), day = today + days
//! on_initialize ──▶ every day <= today in ExpiryDays: up to 64 entries per block, resumed
//!                   in the next block until the day is empty (a backup expires on its day)
//! ```

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_pallet_timestamp as timestamp;
use accord_primitives::{AccountId32, H160, H256};
use accord_support::{
    Blake2_128Concat, BoundedVec, DispatchError, DispatchResult, Ext, OptionQuery, StorageDoubleMap, StorageMap,
    StorageValue, Twox64Concat, ValueQuery,
};

use crate::{Error, Event, NAME};

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;
/// The longest backup, in days.
pub const BACKUP_DAYS_MAX: u32 = 3_650;
/// The backup duration when a deletion names none (until governance sets another).
pub const DEFAULT_BACKUP_DAYS: u32 = 30;
/// The largest encoded data a backup holds.
pub const BACKUP_LEN_MAX: u32 = 8_192;
/// Backups that may expire on one day (a deletion beyond it fails with `TooManyBackups`;
/// the sweep takes a day's backups over as many blocks as it needs, so this bound never
/// moves an expiry).
pub const EXPIRIES_PER_DAY_MAX: u32 = 1 << 20;
/// Days with expiring backups: the backup days ahead and a backlog the sweep has not reached.
pub const EXPIRY_DAYS_MAX: u32 = 4_096;
/// Backups the block hook expires per block at most (the rest in later blocks).
pub const EXPIRIES_PER_BLOCK: u32 = 64;
/// Deleters one piece of data may have.
pub const DELETERS_MAX: u32 = 16;

/// A store of business data that can be deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum DataTarget {
    /// `Records.Records`, by record id.
    #[codec(index = 0)]
    Records,
    /// A contract's storage, by a serial number the contract maps to its slots
    /// (`accordDataSlots(bytes) returns (bytes32[])`, called read-only). Owned by the
    /// contract's creator; the contract may declare deleters itself (the Data precompile).
    #[codec(index = 1)]
    Contract(H160),
    /// A contract's storage, by its slots: the key is 1 to 4 32-byte slot numbers. Owned by
    /// the contract's creator.
    #[codec(index = 2)]
    ContractSlots(H160),
}

impl DataTarget {
    /// The contract whose storage it is, if it is a contract's.
    pub fn contract(self) -> Option<H160> {
        match self {
            DataTarget::Contract(c) | DataTarget::ContractSlots(c) => Some(c),
            DataTarget::Records => None,
        }
    }
}

/// A piece of data's key in its store.
pub type DataKey = BoundedVec<u8, 128>;

/// How data is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum DeletionMode {
    /// Gone from the state; no storage fee, no copy kept (its `Delete` oplog entry carries
    /// only the hash of the deleted state).
    Permanent,
    /// Moved to the backup store for some days, recoverable until then.
    Backup,
}

/// A piece of data as its store knows it: who owns it and which instance it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct DataInstance {
    /// The account with the creator's rights over the data.
    pub owner: AccountId32,
    /// The data's identity in its store: a key deleted and used again is another instance
    /// (for `Records`, the record's `instance`).
    pub instance: u64,
}

/// A backup of deleted data.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Backup {
    /// The data's owner when it was deleted (who, with [`Backup::deleters`], may recover it).
    pub owner: AccountId32,
    /// The instance it was.
    pub instance: u64,
    /// The deleters the owner had declared for that instance: they may recover it, and get
    /// their rights back with it.
    pub deleters: BoundedVec<AccountId32, DELETERS_MAX>,
    /// The store's encoding of the data.
    pub data: BoundedVec<u8, BACKUP_LEN_MAX>,
    /// When it was deleted (Unix ms).
    pub deleted_at_ms: u64,
    /// The days paid for.
    pub days: u32,
    /// The day (Unix ms / 86,400,000) it expires at the start of: the day of deletion plus
    /// `days`, always.
    pub expires_day: u32,
    /// Its place in that day's schedule (`Expiring(expires_day, seq)`).
    pub seq: u32,
}

/// What the runtime's business pallets offer for deletion.
pub trait DataStore {
    /// The data's owner and instance, if it exists.
    fn instance(&self, ext: &Ext<'_>, target: DataTarget, key: &[u8]) -> Option<DataInstance>;
    /// The length of the encoding [`DataStore::take`] would return.
    fn encoded_len(&self, ext: &Ext<'_>, target: DataTarget, key: &[u8]) -> Option<usize>;
    /// Removes the data from the state (logging its deletion by `by`: a `Delete` entry with
    /// the blake2-256 hash of the deleted state) and returns its encoding.
    fn take(
        &self,
        ext: &mut Ext<'_>,
        target: DataTarget,
        key: &[u8],
        by: AccountId32,
    ) -> Result<Vec<u8>, DispatchError>;
    /// Puts data taken by [`DataStore::take`] back, as the same instance (logging its
    /// re-creation by `by`).
    fn restore(
        &self,
        ext: &mut Ext<'_>,
        target: DataTarget,
        key: &[u8],
        data: &[u8],
        by: AccountId32,
    ) -> DispatchResult;
    /// The storage slots a contract's piece of data takes (none for other stores): deleter
    /// rights over it end when the contract's own code zeroes one of them
    /// ([`crate::contract_slots_zeroed`]).
    fn contract_slots(&self, ext: &Ext<'_>, target: DataTarget, key: &[u8]) -> Vec<H256>;
}

/// `Metering.Backups`.
pub const BACKUPS: StorageDoubleMap<DataTarget, Twox64Concat, DataKey, Blake2_128Concat, Backup, OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "Backups",
        &[" The backup store: deleted data kept until its expiry, by store and key, with who may recover it."],
    );
/// `Metering.Deleters`: ((store, key, instance), deleter) -> the owner that declared it.
pub const DELETERS: StorageDoubleMap<
    (DataTarget, DataKey, u64),
    Blake2_128Concat,
    AccountId32,
    Blake2_128Concat,
    AccountId32,
    OptionQuery,
> = StorageDoubleMap::new(
    NAME,
    "Deleters",
    &[" The deleters an owner declared for one instance of a piece of data, with the owner that declared each."],
);
/// `Metering.Expiring`: (day, seq) -> the backup expiring at the start of that day.
pub const EXPIRING: StorageDoubleMap<u32, Twox64Concat, u32, Twox64Concat, (DataTarget, DataKey), OptionQuery> =
    StorageDoubleMap::new(NAME, "Expiring", &[" The backups expiring at the start of each day, by day and sequence."]);
/// `Metering.ExpirySeq`: the next sequence number of each day in [`EXPIRY_DAYS`].
pub const EXPIRY_SEQ: StorageMap<u32, u32, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "ExpirySeq", &[" The next sequence number of each day that has backups expiring."]);
/// `Metering.ExpiryDays`: the days with expiring backups, ascending.
pub const EXPIRY_DAYS: StorageValue<BoundedVec<u32, EXPIRY_DAYS_MAX>, ValueQuery> =
    StorageValue::new(NAME, "ExpiryDays", &[" The days that have backups expiring, in order."]);
/// `Metering.BackupDays`.
pub const BACKUP_DAYS: StorageValue<u32, OptionQuery> =
    StorageValue::new(NAME, "BackupDays", &[" The backup duration of deletions that name none (absent: 30 days)."]);
/// `Metering.PendingDeletion`: the deletion of the transaction being applied.
pub const PENDING_DELETION: StorageValue<(u64, u64), OptionQuery> = StorageValue::new(
    NAME,
    "PendingDeletion",
    &[" During a transaction that deleted data: the bytes it moved to the backup store and their byte-days (0 and 0 for a permanent deletion). A deletion pays no storage fee."],
);

/// Today, by the chain's clock.
fn today(ext: &Ext<'_>) -> u32 {
    (timestamp::now(ext) / DAY_MS) as u32
}

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// The key of `data`'s deleters.
fn rights_key(target: DataTarget, key: &DataKey, data: &DataInstance) -> (DataTarget, DataKey, u64) {
    (target, key.clone(), data.instance)
}

/// A piece of data as a deletion sees it: its instance and, for a contract's, its slots.
struct Held<'a> {
    data: DataInstance,
    slots: &'a [H256],
}

/// Whether `who` may delete `held`: its owner, or a deleter its owner declared for it whose
/// right still stands (see `slot_rights`).
fn may_delete(ext: &Ext<'_>, target: DataTarget, key: &DataKey, held: &Held<'_>, who: &AccountId32) -> bool {
    *who == held.data.owner
        || (DELETERS.get(ext, &rights_key(target, key, &held.data), who) == Some(held.data.owner)
            && crate::slot_rights::still_valid(ext, target, key, held.slots, who))
}

/// The deleters `held`'s owner declared for it whose rights stand (at most [`DELETERS_MAX`]).
fn deleters_of(ext: &Ext<'_>, target: DataTarget, key: &DataKey, held: &Held<'_>) -> Vec<AccountId32> {
    let declared = DELETERS.iter_prefix1(ext, &rights_key(target, key, &held.data), DELETERS_MAX);
    declared
        .into_iter()
        .filter(|(who, by)| {
            *by == held.data.owner && crate::slot_rights::still_valid(ext, target, key, held.slots, who)
        })
        .map(|(who, _)| who)
        .collect()
}

/// The `(day, seq)` a backup of `days` from today expires at: exactly today + `days`.
/// `TooManyBackups` if that day's schedule or the day list is full.
fn expiry_slot(ext: &Ext<'_>, days: u32) -> Result<(u32, u32), DispatchError> {
    let day = today(ext).saturating_add(days);
    let listed = EXPIRY_DAYS.get(ext);
    if !listed.contains(&day) && listed.len() as u32 >= EXPIRY_DAYS_MAX {
        return Err(fail(ext, Error::TooManyBackups));
    }
    let seq = EXPIRY_SEQ.get(ext, &day);
    if seq >= EXPIRIES_PER_DAY_MAX {
        return Err(fail(ext, Error::TooManyBackups));
    }
    Ok((day, seq))
}

/// Puts `(target, key)` in the schedule at `(day, seq)` (checked by [`expiry_slot`]).
fn schedule(ext: &mut Ext<'_>, day: u32, seq: u32, target: DataTarget, key: &DataKey) -> DispatchResult {
    let mut listed = EXPIRY_DAYS.get(ext).into_inner();
    if !listed.contains(&day) {
        listed.push(day);
        listed.sort_unstable();
        let bounded = BoundedVec::try_from_vec(listed).map_err(|_| fail(ext, Error::TooManyBackups))?;
        EXPIRY_DAYS.put(ext, &bounded);
    }
    EXPIRING.insert(ext, &day, &seq, &(target, key.clone()));
    EXPIRY_SEQ.insert(ext, &day, &(seq + 1));
    Ok(())
}

/// The days of a backup deletion naming `backup_days`.
fn backup_days_of(ext: &Ext<'_>, backup_days: Option<u32>) -> u32 {
    backup_days.unwrap_or_else(|| BACKUP_DAYS.get(ext).unwrap_or(DEFAULT_BACKUP_DAYS))
}

/// What a `delete_data` of `key` in `mode` would move to the backup store, before it runs:
/// (bytes, byte-days); (0, 0) for a permanent deletion or data that does not exist (which
/// the deletion refuses). The prepay estimate of a deletion includes its price.
pub fn backup_estimate(
    ext: &Ext<'_>,
    store: &dyn DataStore,
    target: DataTarget,
    key: &[u8],
    mode: DeletionMode,
    backup_days: Option<u32>,
) -> (u64, u64) {
    match mode {
        DeletionMode::Permanent => (0, 0),
        DeletionMode::Backup => {
            let days = backup_days_of(ext, backup_days).min(BACKUP_DAYS_MAX) as u64;
            let bytes = store.encoded_len(ext, target, key).map_or(0, |len| len as u64);
            (bytes, bytes.saturating_mul(days))
        }
    }
}

/// `delete_data`.
pub(crate) fn delete(
    ext: &mut Ext<'_>,
    store: &dyn DataStore,
    who: AccountId32,
    target: DataTarget,
    key: DataKey,
    mode: DeletionMode,
    backup_days: Option<u32>,
) -> DispatchResult {
    let data = store.instance(ext, target, &key).ok_or_else(|| fail(ext, Error::UnknownData))?;
    let slots = store.contract_slots(ext, target, &key);
    let held = Held { data, slots: &slots };
    if !may_delete(ext, target, &key, &held, &who) {
        return Err(fail(ext, Error::NotDeleter));
    }
    match mode {
        DeletionMode::Permanent => {
            store.take(ext, target, &key, who)?;
            DELETERS.clear_prefix(ext, &rights_key(target, &key, &data), DELETERS_MAX);
            crate::slot_rights::forget(ext, target, &key, None);
            PENDING_DELETION.put(ext, &(0, 0));
        }
        DeletionMode::Backup => backup(ext, store, who, target, &key, &held, backup_days)?,
    }
    deposit(ext, Event::DataDeleted { target, key, mode, by: who });
    Ok(())
}

/// `delete_data` into the backup store, `who` checked.
fn backup(
    ext: &mut Ext<'_>,
    store: &dyn DataStore,
    who: AccountId32,
    target: DataTarget,
    key: &DataKey,
    held: &Held<'_>,
    backup_days: Option<u32>,
) -> DispatchResult {
    let data = held.data;
    let days = backup_days_of(ext, backup_days);
    if !(1..=BACKUP_DAYS_MAX).contains(&days) {
        return Err(fail(ext, Error::BadBackupDays));
    }
    if BACKUPS.contains_key(ext, &target, key) {
        return Err(fail(ext, Error::BackupExists));
    }
    let len = store.encoded_len(ext, target, key).ok_or_else(|| fail(ext, Error::UnknownData))?;
    if len > BACKUP_LEN_MAX as usize {
        return Err(fail(ext, Error::BackupTooLarge));
    }
    let (expires_day, seq) = expiry_slot(ext, days)?;
    let deleters =
        BoundedVec::try_from_vec(deleters_of(ext, target, key, held)).map_err(|_| fail(ext, Error::TooManyDeleters))?;
    let taken = store.take(ext, target, key, who)?;
    let taken = BoundedVec::try_from_vec(taken).map_err(|_| fail(ext, Error::BackupTooLarge))?;
    let bytes = taken.len() as u64;
    let backup = Backup {
        owner: data.owner,
        instance: data.instance,
        deleters,
        data: taken,
        deleted_at_ms: timestamp::now(ext),
        days,
        expires_day,
        seq,
    };
    schedule(ext, expires_day, seq, target, key)?;
    BACKUPS.insert(ext, &target, key, &backup);
    DELETERS.clear_prefix(ext, &rights_key(target, key, &data), DELETERS_MAX);
    crate::slot_rights::forget(ext, target, key, None);
    PENDING_DELETION.put(ext, &(bytes, bytes.saturating_mul(days as u64)));
    Ok(())
}

/// Removes `(day, seq)` from the schedule; a day left empty leaves the day list.
fn unschedule(ext: &mut Ext<'_>, day: u32, seq: u32) {
    EXPIRING.remove(ext, &day, &seq);
    if EXPIRING.iter_prefix1(ext, &day, 1).is_empty() {
        EXPIRY_SEQ.remove(ext, &day);
        EXPIRY_DAYS.mutate(ext, |list| {
            list.remove_first(|d| *d == day);
        });
    }
}

/// `recover_data`.
pub(crate) fn recover(
    ext: &mut Ext<'_>,
    store: &dyn DataStore,
    who: AccountId32,
    target: DataTarget,
    key: DataKey,
) -> DispatchResult {
    let backup = BACKUPS.get(ext, &target, &key).ok_or_else(|| fail(ext, Error::NoBackup))?;
    if who != backup.owner && !backup.deleters.contains(&who) {
        return Err(fail(ext, Error::NotDeleter));
    }
    if today(ext) >= backup.expires_day {
        return Err(fail(ext, Error::BackupExpired));
    }
    store.restore(ext, target, &key, &backup.data, who)?;
    BACKUPS.remove(ext, &target, &key);
    unschedule(ext, backup.expires_day, backup.seq);
    // The same instance is back: so are the rights its owner had declared for it.
    let rights = (target, key.clone(), backup.instance);
    let slots = store.contract_slots(ext, target, &key);
    for deleter in backup.deleters.as_slice() {
        DELETERS.insert(ext, &rights, deleter, &backup.owner);
        crate::slot_rights::granted(ext, target, &key, &slots, deleter);
    }
    deposit(ext, Event::DataRecovered { target, key, by: who });
    Ok(())
}

/// `set_deleter`: on the data if it exists, else on its backup.
pub(crate) fn set_deleter(
    ext: &mut Ext<'_>,
    store: &dyn DataStore,
    owner: AccountId32,
    target: DataTarget,
    key: DataKey,
    who: AccountId32,
    allowed: bool,
) -> DispatchResult {
    if let Some(data) = store.instance(ext, target, &key) {
        if data.owner != owner {
            return Err(fail(ext, Error::NotOwner));
        }
        let rights = rights_key(target, &key, &data);
        let slots = store.contract_slots(ext, target, &key);
        if allowed {
            crate::slot_rights::drop_ended(ext, target, &key, &slots);
            if !DELETERS.contains_key(ext, &rights, &who)
                && DELETERS.iter_prefix1(ext, &rights, DELETERS_MAX).len() as u32 >= DELETERS_MAX
            {
                return Err(fail(ext, Error::TooManyDeleters));
            }
            DELETERS.insert(ext, &rights, &who, &owner);
            crate::slot_rights::granted(ext, target, &key, &slots, &who);
        } else {
            DELETERS.remove(ext, &rights, &who);
            crate::slot_rights::forget(ext, target, &key, Some(&who));
        }
    } else {
        let mut backup = BACKUPS.get(ext, &target, &key).ok_or_else(|| fail(ext, Error::UnknownData))?;
        if backup.owner != owner {
            return Err(fail(ext, Error::NotOwner));
        }
        if allowed && !backup.deleters.contains(&who) && backup.deleters.try_push(who).is_err() {
            return Err(fail(ext, Error::TooManyDeleters));
        }
        if !allowed {
            backup.deleters.remove_first(|d| *d == who);
        }
        BACKUPS.insert(ext, &target, &key, &backup);
    }
    deposit(ext, Event::DeleterSet { target, key, who, allowed });
    Ok(())
}

/// Reports that a store's own call (not `delete_data`) changed a piece of data from `before`
/// to `after` (the runtime calls it after every call of the store's pallet): the deleters of
/// an instance that was deleted or changed hands lose their rights, and a deletion is noted
/// so that its transaction pays no storage fee. Writes nothing if the data kept its owner.
pub fn data_changed(
    ext: &mut Ext<'_>,
    target: DataTarget,
    key: &DataKey,
    before: Option<DataInstance>,
    after: Option<DataInstance>,
) {
    let Some(before) = before else { return };
    if after == Some(before) {
        return;
    }
    DELETERS.clear_prefix(ext, &rights_key(target, key, &before), DELETERS_MAX);
    if after.is_none() {
        PENDING_DELETION.put(ext, &(0, 0));
    }
}

/// Expires the backups due by today, at most [`EXPIRIES_PER_BLOCK`] per block, in day order;
/// returns how many. A day with more waits for the next block, never for a later day.
pub(crate) fn expire(ext: &mut Ext<'_>) -> u32 {
    let today = today(ext);
    let mut done = 0;
    while done < EXPIRIES_PER_BLOCK {
        let Some(day) = EXPIRY_DAYS.get(ext).first().copied().filter(|d| *d <= today) else { break };
        let due = EXPIRING.iter_prefix1(ext, &day, EXPIRIES_PER_BLOCK - done);
        for (seq, (target, key)) in &due {
            EXPIRING.remove(ext, &day, seq);
            BACKUPS.remove(ext, target, key);
            deposit(ext, Event::BackupExpired { target: *target, key: key.clone() });
            done += 1;
        }
        if EXPIRING.iter_prefix1(ext, &day, 1).is_empty() {
            EXPIRY_SEQ.remove(ext, &day);
            EXPIRY_DAYS.mutate(ext, |list| {
                list.remove_first(|d| *d == day);
            });
        }
    }
    done
}

/// Takes the note of a deletion the transaction being applied made: `Some((bytes moved to
/// the backup store, byte-days))` if it deleted data (the transaction then pays no storage
/// fee), `None` otherwise.
pub fn take_deletion_usage(ext: &mut Ext<'_>) -> Option<(u64, u64)> {
    let usage = PENDING_DELETION.get(ext)?;
    PENDING_DELETION.kill(ext);
    Some(usage)
}

/// The deletion invariants a test can check cheaply: the day list is sorted, without
/// duplicates, and every listed day has a sequence counter.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    let days = EXPIRY_DAYS.get(ext);
    if days.as_slice().windows(2).any(|w| w[0] >= w[1]) {
        return Err(format!("Metering.ExpiryDays is not strictly ascending: {:?}", days.as_slice()));
    }
    if let Some(day) = days.as_slice().iter().find(|d| !EXPIRY_SEQ.contains_key(ext, d)) {
        return Err(format!("Metering.ExpiryDays lists day {day} without a sequence counter"));
    }
    Ok(())
}
