//! Deleter rights over a contract's data end with the data: the contract's own code may
//! delete it (zero its slots) and later write the same key again, which is another piece of
//! data. So each right declared for a contract's data is indexed by the slots that data
//! takes (`SlotRights`); when a transaction zeroes one of them, the EVM reports it
//! ([`contract_slots_zeroed`]) and the rights over every piece of data on that slot end.
//! A contract's data has a single instance (0): its rights are ended, not superseded.

use accord_primitives::{AccountId32, H160, H256};
use accord_support::{Blake2_128Concat, BoundedVec, DispatchError, Ext, StorageDoubleMap, ValueQuery};

use crate::deletion::{DataKey, DataTarget, DELETERS, DELETERS_MAX};
use crate::{Error, Event, NAME};

/// The pieces of data one slot's rights index names.
pub type SlotKeys = BoundedVec<(DataTarget, DataKey), DELETERS_MAX>;

/// `Metering.SlotRights`.
pub const SLOT_RIGHTS: StorageDoubleMap<H160, Blake2_128Concat, H256, Blake2_128Concat, SlotKeys, ValueQuery> =
    StorageDoubleMap::new(
        NAME,
        "SlotRights",
        &[" For each contract slot, the pieces of contract data with declared deleters that take it: their rights end when it is zeroed."],
    );

/// Indexes the rights over `(target, key)` by its `slots` (nothing for data of other stores).
/// `TooManyDeleters` if a slot already indexes [`DELETERS_MAX`] other pieces of data.
pub(crate) fn index(ext: &mut Ext<'_>, target: DataTarget, key: &DataKey, slots: &[H256]) -> Result<(), DispatchError> {
    let Some(contract) = target.contract() else { return Ok(()) };
    let entry = (target, key.clone());
    let mut updated = Vec::new();
    for slot in slots {
        let mut keys = SLOT_RIGHTS.get(ext, &contract, slot);
        if keys.contains(&entry) {
            continue;
        }
        if keys.try_push(entry.clone()).is_err() {
            return Err(ext.error(Error::TooManyDeleters));
        }
        updated.push((*slot, keys));
    }
    for (slot, keys) in updated {
        SLOT_RIGHTS.insert(ext, &contract, &slot, &keys);
    }
    Ok(())
}

/// Reports that a transaction zeroed `slots` of `contract`: the deleter rights over every
/// piece of its data on them end.
pub fn contract_slots_zeroed(ext: &mut Ext<'_>, contract: &H160, slots: &[H256]) {
    for slot in slots {
        let keys = SLOT_RIGHTS.get(ext, contract, slot);
        if keys.is_empty() {
            continue;
        }
        SLOT_RIGHTS.remove(ext, contract, slot);
        for (target, key) in keys.as_slice() {
            DELETERS.clear_prefix(ext, &(*target, key.clone(), 0), DELETERS_MAX);
        }
    }
}

/// A contract declares (or revokes) `who` as a deleter of its own data `key` (a serial
/// number), which takes `slots` and must exist (one of them non-zero): the Data precompile's
/// `setDeleter`, applied with the transaction. The rights' owner is the contract's creator,
/// `owner`.
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
    let rights = (target, key.clone(), 0);
    if allowed {
        if !DELETERS.contains_key(ext, &rights, &who)
            && DELETERS.iter_prefix1(ext, &rights, DELETERS_MAX).len() as u32 >= DELETERS_MAX
        {
            return Err(ext.error(Error::TooManyDeleters));
        }
        index(ext, target, &key, slots)?;
        DELETERS.insert(ext, &rights, &who, &owner);
    } else {
        DELETERS.remove(ext, &rights, &who);
    }
    ext.deposit_event(NAME, &Event::DeleterSet { target, key, who, allowed }, Vec::new());
    Ok(())
}
