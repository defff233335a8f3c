//! Data deletion: permanent, or into the backup store for a number of days (priced per byte
//! moved and per byte-day), recovery before expiry, deleters, and the expiry sweep.
//!
//! The business pallets keep their data; the runtime hands their stores to this module as a
//! [`DataStore`] (`Records` first). A deletion and a recovery each write the store's oplog
//! entry (`Delete`, then `Create`), so off-chain databases follow.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_pallet_timestamp as timestamp;
use accord_primitives::AccountId32;
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
/// Backups expiring on one day.
pub const BUCKET_MAX: u32 = 256;
/// Days with expiring backups.
pub const EXPIRY_DAYS_MAX: u32 = 4_096;
/// Backups the block hook expires per block at most (the rest in later blocks).
pub const EXPIRIES_PER_BLOCK: u32 = 64;
/// Deleters one piece of data may have.
pub const DELETERS_MAX: u32 = 16;

/// A store of business data that can be deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum DataTarget {
    /// `Records.Records`, by record id.
    Records,
}

/// A piece of data's key in its store.
pub type DataKey = BoundedVec<u8, 128>;

/// How data is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum DeletionMode {
    /// Gone from the state; no storage fee.
    Permanent,
    /// Moved to the backup store for some days, recoverable until then.
    Backup,
}

/// A backup of deleted data.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Backup {
    /// The data's owner when it was deleted (who, with its deleters, may recover it).
    pub owner: AccountId32,
    /// The store's encoding of the data.
    pub data: BoundedVec<u8, BACKUP_LEN_MAX>,
    /// When it was deleted (Unix ms).
    pub deleted_at_ms: u64,
    /// The days paid for.
    pub days: u32,
    /// The day (Unix ms / 86,400,000) it expires at the start of.
    pub expires_day: u32,
}

/// What the runtime's business pallets offer for deletion.
pub trait DataStore {
    /// The account with the creator's rights over the data (its owner), if it exists.
    fn owner(&self, ext: &Ext<'_>, target: DataTarget, key: &[u8]) -> Option<AccountId32>;
    /// The length of the encoding [`DataStore::take`] would return.
    fn encoded_len(&self, ext: &Ext<'_>, target: DataTarget, key: &[u8]) -> Option<usize>;
    /// Removes the data from the state (logging its deletion by `by`) and returns its
    /// encoding.
    fn take(
        &self,
        ext: &mut Ext<'_>,
        target: DataTarget,
        key: &[u8],
        by: AccountId32,
    ) -> Result<Vec<u8>, DispatchError>;
    /// Puts data taken by [`DataStore::take`] back (logging its re-creation by `by`).
    fn restore(
        &self,
        ext: &mut Ext<'_>,
        target: DataTarget,
        key: &[u8],
        data: &[u8],
        by: AccountId32,
    ) -> DispatchResult;
}

/// `Metering.Backups`.
pub const BACKUPS: StorageDoubleMap<DataTarget, Twox64Concat, DataKey, Blake2_128Concat, Backup, OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "Backups",
        &[" The backup store: deleted data kept until its expiry, by store and key."],
    );
/// `Metering.Deleters`.
pub const DELETERS: StorageDoubleMap<
    (DataTarget, DataKey),
    Blake2_128Concat,
    AccountId32,
    Blake2_128Concat,
    (),
    OptionQuery,
> = StorageDoubleMap::new(NAME, "Deleters", &[" The accounts an owner declared as deleters of a piece of data."]);
/// `Metering.Expiring`: the backups expiring on each day.
pub const EXPIRING: StorageMap<u32, BoundedVec<(DataTarget, DataKey), BUCKET_MAX>, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "Expiring", &[" The backups expiring at the start of each day."]);
/// `Metering.ExpiryDays`: the days with expiring backups, ascending.
pub const EXPIRY_DAYS: StorageValue<BoundedVec<u32, EXPIRY_DAYS_MAX>, ValueQuery> =
    StorageValue::new(NAME, "ExpiryDays", &[" The days that have backups expiring, in order."]);
/// `Metering.BackupDays`.
pub const BACKUP_DAYS: StorageValue<u32, OptionQuery> =
    StorageValue::new(NAME, "BackupDays", &[" The backup duration of deletions that name none (absent: 30 days)."]);
/// `Metering.PendingBackup`: the backup usage of the transaction being applied.
pub const PENDING_BACKUP: StorageValue<(u64, u64, u64), OptionQuery> = StorageValue::new(
    NAME,
    "PendingBackup",
    &[" During a deletion: bytes moved, byte-days, and the backup's own state bytes (priced as backup, not storage)."],
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

/// Whether `who` may delete or recover: the owner, or a declared deleter.
fn may_act(ext: &Ext<'_>, target: DataTarget, key: &DataKey, owner: &AccountId32, who: &AccountId32) -> bool {
    who == owner || DELETERS.contains_key(ext, &(target, key.clone()), who)
}

/// The first day from `day` whose bucket has room, and whether the day list has room.
fn expiry_slot(ext: &Ext<'_>, day: u32) -> Option<u32> {
    let days = EXPIRY_DAYS.get(ext);
    (day..day.saturating_add(31)).find(|d| {
        let has_bucket = days.contains(d);
        (has_bucket && (EXPIRING.get(ext, d).len() as u32) < BUCKET_MAX)
            || (!has_bucket && (days.len() as u32) < EXPIRY_DAYS_MAX)
    })
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
    let owner = store.owner(ext, target, &key).ok_or_else(|| fail(ext, Error::UnknownData))?;
    if !may_act(ext, target, &key, &owner, &who) {
        return Err(fail(ext, Error::NotDeleter));
    }
    match mode {
        DeletionMode::Permanent => {
            store.take(ext, target, &key, who)?;
            DELETERS.clear_prefix(ext, &(target, key.clone()), DELETERS_MAX);
        }
        DeletionMode::Backup => {
            let days = backup_days.unwrap_or_else(|| BACKUP_DAYS.get(ext).unwrap_or(DEFAULT_BACKUP_DAYS));
            if !(1..=BACKUP_DAYS_MAX).contains(&days) {
                return Err(fail(ext, Error::BadBackupDays));
            }
            if BACKUPS.contains_key(ext, &target, &key) {
                return Err(fail(ext, Error::BackupExists));
            }
            if store.encoded_len(ext, target, &key).unwrap_or(0) > BACKUP_LEN_MAX as usize {
                return Err(fail(ext, Error::BackupTooLarge));
            }
            let expires_day =
                expiry_slot(ext, today(ext).saturating_add(days)).ok_or_else(|| fail(ext, Error::TooManyBackups))?;
            let data = store.take(ext, target, &key, who)?;
            let data = BoundedVec::try_from_vec(data).map_err(|_| fail(ext, Error::BackupTooLarge))?;
            let bytes = data.len() as u64;
            let backup = Backup { owner, data, deleted_at_ms: timestamp::now(ext), days, expires_day };
            // The backup's state bytes (and this usage note's) are priced as backup, not storage.
            let note_bytes = PENDING_BACKUP.key().len() + 24;
            let entry_bytes = (BACKUPS.key(&target, &key).len() + backup.encode().len() + note_bytes) as u64;
            BACKUPS.insert(ext, &target, &key, &backup);
            EXPIRING.mutate(ext, &expires_day, |bucket| {
                let _ = bucket.try_push((target, key.clone()));
            });
            EXPIRY_DAYS.mutate(ext, |list| {
                if !list.contains(&expires_day) {
                    let mut days = list.clone().into_inner();
                    days.push(expires_day);
                    days.sort_unstable();
                    *list = BoundedVec::try_from_vec(days).unwrap_or_default();
                }
            });
            PENDING_BACKUP.put(ext, &(bytes, bytes.saturating_mul(days as u64), entry_bytes));
        }
    }
    deposit(ext, Event::DataDeleted { target, key, mode, by: who });
    Ok(())
}

/// Removes `key` of `target` from the expiry bucket of `day`.
fn unschedule(ext: &mut Ext<'_>, day: u32, target: DataTarget, key: &DataKey) {
    let mut bucket = EXPIRING.get(ext, &day);
    bucket.remove_first(|(t, k)| *t == target && k == key);
    if bucket.is_empty() {
        EXPIRING.remove(ext, &day);
        EXPIRY_DAYS.mutate(ext, |list| {
            list.remove_first(|d| *d == day);
        });
    } else {
        EXPIRING.insert(ext, &day, &bucket);
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
    if !may_act(ext, target, &key, &backup.owner, &who) {
        return Err(fail(ext, Error::NotDeleter));
    }
    if today(ext) >= backup.expires_day {
        return Err(fail(ext, Error::BackupExpired));
    }
    store.restore(ext, target, &key, &backup.data, who)?;
    BACKUPS.remove(ext, &target, &key);
    unschedule(ext, backup.expires_day, target, &key);
    deposit(ext, Event::DataRecovered { target, key, by: who });
    Ok(())
}

/// `set_deleter`.
pub(crate) fn set_deleter(
    ext: &mut Ext<'_>,
    store: &dyn DataStore,
    owner: AccountId32,
    target: DataTarget,
    key: DataKey,
    who: AccountId32,
    allowed: bool,
) -> DispatchResult {
    let actual = store
        .owner(ext, target, &key)
        .or_else(|| BACKUPS.get(ext, &target, &key).map(|b| b.owner))
        .ok_or_else(|| fail(ext, Error::UnknownData))?;
    if actual != owner {
        return Err(fail(ext, Error::NotOwner));
    }
    let k1 = (target, key.clone());
    if allowed {
        if !DELETERS.contains_key(ext, &k1, &who)
            && DELETERS.iter_prefix1(ext, &k1, DELETERS_MAX).len() as u32 >= DELETERS_MAX
        {
            return Err(fail(ext, Error::TooManyDeleters));
        }
        DELETERS.insert(ext, &k1, &who, &());
    } else {
        DELETERS.remove(ext, &k1, &who);
    }
    deposit(ext, Event::DeleterSet { target, key, who, allowed });
    Ok(())
}

/// Expires the backups due by today, at most [`EXPIRIES_PER_BLOCK`] per block, in day order;
/// returns how many.
pub(crate) fn expire(ext: &mut Ext<'_>) -> u32 {
    let today = today(ext);
    let mut done = 0;
    while done < EXPIRIES_PER_BLOCK {
        let Some(day) = EXPIRY_DAYS.get(ext).first().copied().filter(|d| *d <= today) else { break };
        let mut bucket = EXPIRING.get(ext, &day).into_inner();
        let take = bucket.len().min((EXPIRIES_PER_BLOCK - done) as usize);
        for (target, key) in bucket.drain(..take) {
            BACKUPS.remove(ext, &target, &key);
            DELETERS.clear_prefix(ext, &(target, key.clone()), DELETERS_MAX);
            deposit(ext, Event::BackupExpired { target, key });
            done += 1;
        }
        if bucket.is_empty() {
            EXPIRING.remove(ext, &day);
            EXPIRY_DAYS.mutate(ext, |list| {
                list.remove_first(|d| *d == day);
            });
        } else {
            EXPIRING.insert(ext, &day, &BoundedVec::try_from_vec(bucket).unwrap_or_default());
        }
    }
    done
}

/// Takes the backup usage the transaction being applied recorded: (bytes moved, byte-days,
/// the backup's own state bytes).
pub fn take_backup_usage(ext: &mut Ext<'_>) -> (u64, u64, u64) {
    let usage = PENDING_BACKUP.get(ext).unwrap_or_default();
    if usage != (0, 0, 0) {
        PENDING_BACKUP.kill(ext);
    }
    usage
}
