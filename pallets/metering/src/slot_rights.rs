//! Deleter rights over a contract's data end with the data: the contract's own code may
//! delete it (zero its slots) and later write the same key again, which is another piece of
//! data. The EVM cannot tell which piece of data a slot belongs to, so the rights end
//! lazily, at a cost bounded per slot:
//!
//! - a right granted over a contract's data (by its creator, by the contract, or back with a
//!   recovery) notes the rights clock (`RightsSince`) and marks the data's slots
//!   (`SlotRights`);
//! - a transaction that zeroes a marked slot stamps it with the clock (`SlotEnded`) and
//!   clears the mark: one read per zeroed slot, three writes for a marked one;
//! - a right is valid while no slot of its data was stamped after it was granted
//!   ([`still_valid`]); a stale one is dropped when the data's rights are next written.
//!
//! A contract's data has a single instance (0).

use accord_primitives::{AccountId32, H160, H256};
use accord_support::{Blake2_128Concat, DispatchError, Ext, OptionQuery, StorageDoubleMap, StorageValue, ValueQuery};

use crate::deletion::{DataKey, DataTarget, DELETERS, DELETERS_MAX};
use crate::{Error, Event, NAME};

/// `Metering.SlotRights`.
pub const SLOT_RIGHTS: StorageDoubleMap<H160, Blake2_128Concat, H256, Blake2_128Concat, (), OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "SlotRights",
        &[" The contract slots that data with declared deleters takes: zeroing one ends those rights."],
    );
/// `Metering.SlotEnded`.
pub const SLOT_ENDED: StorageDoubleMap<H160, Blake2_128Concat, H256, Blake2_128Concat, u64, OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "SlotEnded",
        &[" The rights clock when a transaction last zeroed each marked contract slot: rights granted before it ended."],
    );
/// `Metering.RightsSince`.
pub const RIGHTS_SINCE: StorageDoubleMap<
    (DataTarget, DataKey, u64),
    Blake2_128Concat,
    AccountId32,
    Blake2_128Concat,
    u64,
    OptionQuery,
> = StorageDoubleMap::new(
    NAME,
    "RightsSince",
    &[" The rights clock when each deleter of a contract's data was granted its right."],
);
/// `Metering.RightsClock`.
pub const RIGHTS_CLOCK: StorageValue<u64, ValueQuery> =
    StorageValue::new(NAME, "RightsClock", &[" Counts the grants and ends of rights over contract data."]);

fn tick(ext: &mut Ext<'_>) -> u64 {
    let now = RIGHTS_CLOCK.get(ext).saturating_add(1);
    RIGHTS_CLOCK.put(ext, &now);
    now
}

fn rights(target: DataTarget, key: &DataKey) -> (DataTarget, DataKey, u64) {
    (target, key.clone(), 0)
}

/// Whether `who`'s right over contract data `(target, key)`, which takes `slots`, still
/// stands: granted after every slot's last end. Always true for other stores' data.
pub(crate) fn still_valid(ext: &Ext<'_>, target: DataTarget, key: &DataKey, slots: &[H256], who: &AccountId32) -> bool {
    let Some(contract) = target.contract() else { return true };
    let Some(since) = RIGHTS_SINCE.get(ext, &rights(target, key), who) else { return false };
    slots.iter().all(|slot| SLOT_ENDED.get(ext, &contract, slot).is_none_or(|ended| ended < since))
}

/// Drops the rights over contract data `(target, key)` that ended.
pub(crate) fn drop_ended(ext: &mut Ext<'_>, target: DataTarget, key: &DataKey, slots: &[H256]) {
    if target.contract().is_none() {
        return;
    }
    for (who, _) in DELETERS.iter_prefix1(ext, &rights(target, key), DELETERS_MAX) {
        if !still_valid(ext, target, key, slots, &who) {
            DELETERS.remove(ext, &rights(target, key), &who);
            RIGHTS_SINCE.remove(ext, &rights(target, key), &who);
        }
    }
}

/// Notes that `who` was granted a right over `(target, key)`, which takes `slots` (nothing
/// for other stores' data).
pub(crate) fn granted(ext: &mut Ext<'_>, target: DataTarget, key: &DataKey, slots: &[H256], who: &AccountId32) {
    let Some(contract) = target.contract() else { return };
    let now = tick(ext);
    for slot in slots {
        SLOT_RIGHTS.insert(ext, &contract, slot, &());
    }
    RIGHTS_SINCE.insert(ext, &rights(target, key), who, &now);
}

/// Forgets the grant of `who`'s right (revoked), or of every right (`None`: the data went).
pub(crate) fn forget(ext: &mut Ext<'_>, target: DataTarget, key: &DataKey, who: Option<&AccountId32>) {
    if target.contract().is_none() {
        return;
    }
    match who {
        Some(who) => RIGHTS_SINCE.remove(ext, &rights(target, key), who),
        None => {
            RIGHTS_SINCE.clear_prefix(ext, &rights(target, key), DELETERS_MAX);
        }
    }
}

/// Reports that a transaction zeroed `slots` of `contract`: every right over data on a
/// marked one ends. One read per slot; three writes for a marked one.
pub fn contract_slots_zeroed(ext: &mut Ext<'_>, contract: &H160, slots: &[H256]) {
    for slot in slots {
        if SLOT_RIGHTS.contains_key(ext, contract, slot) {
            let now = tick(ext);
            SLOT_ENDED.insert(ext, contract, slot, &now);
            SLOT_RIGHTS.remove(ext, contract, slot);
        }
    }
}

/// A contract declares (or revokes) `who` as a deleter of its own data `key` (a serial
/// number), which takes `slots`: the Data precompile's `setDeleter`, applied with the
/// transaction. The right's owner is the contract's creator, `owner`.
pub fn declare_by_contract(
    ext: &mut Ext<'_>,
    contract: H160,
    key: DataKey,
    slots: &[H256],
    owner: AccountId32,
    who: AccountId32,
    allowed: bool,
) -> Result<(), DispatchError> {
    let target = DataTarget::Contract(contract);
    let rights = rights(target, &key);
    if allowed {
        drop_ended(ext, target, &key, slots);
        if !DELETERS.contains_key(ext, &rights, &who)
            && DELETERS.iter_prefix1(ext, &rights, DELETERS_MAX).len() as u32 >= DELETERS_MAX
        {
            return Err(ext.error(Error::TooManyDeleters));
        }
        DELETERS.insert(ext, &rights, &who, &owner);
        granted(ext, target, &key, slots, &who);
    } else {
        DELETERS.remove(ext, &rights, &who);
        forget(ext, target, &key, Some(&who));
    }
    ext.deposit_event(NAME, &Event::DeleterSet { target, key, who, allowed }, Vec::new());
    Ok(())
}
