//! Contracts' storage as a data store of `Metering`'s deletion and backup: a piece of a
//! contract's data is a set of its slots, named by a serial number the contract maps
//! (`DataTarget::Contract`) or by the slots themselves (`DataTarget::ContractSlots`); see
//! `accord_pallet_evm::data`. Its owner is the contract's creator; it has one instance (0),
//! and deleter rights over it end when the contract zeroes one of its slots.

use codec::{Decode, Encode};

use accord_pallet_evm as evm;
use accord_pallet_metering as metering;
use accord_pallet_oplog::{self as oplog, LogOrigin, OpType};
use accord_primitives::hashing::blake2_256;
use accord_primitives::{AccountId32, H160, H256};
use accord_support::{DispatchError, DispatchResult, Ext};

/// The contract and slots of `key` of a contract's data store.
fn slots(ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Result<(H160, Vec<H256>), DispatchError> {
    let unknown = || ext.error(metering::Error::UnknownData);
    match target {
        metering::DataTarget::Contract(contract) => {
            // Why the contract names no slots (no contract, no `accordDataSlots`, a bad
            // return) is one answer to the caller: there is no such data.
            let slots = evm::data::slots_of_serial(ext, &contract, key).map_err(|_| unknown())?;
            Ok((contract, slots))
        }
        metering::DataTarget::ContractSlots(contract) if evm::CONTRACTS.contains_key(ext, &contract) => {
            Ok((contract, evm::data::explicit_slots(key).ok_or_else(unknown)?))
        }
        _ => Err(unknown()),
    }
}

/// The slots a piece of contract data takes (none if it is not one).
pub(crate) fn contract_slots(ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Vec<H256> {
    slots(ext, target, key).map(|(_, slots)| slots).unwrap_or_default()
}

/// Its owner (the contract's creator) and instance, if one of its slots is set.
pub(crate) fn instance(ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Option<metering::DataInstance> {
    let (contract, slots) = slots(ext, target, key).ok()?;
    if evm::data::values(ext, &contract, &slots).is_empty() {
        return None;
    }
    let creator = evm::CONTRACTS.get(ext, &contract)?.creator;
    Some(metering::DataInstance { owner: evm::account_of(ext, &creator), instance: 0 })
}

/// The length of what [`take`] returns: the SCALE encoding of its (slot, value) pairs.
pub(crate) fn encoded_len(ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Option<usize> {
    let (contract, slots) = slots(ext, target, key).ok()?;
    let values = evm::data::values(ext, &contract, &slots);
    (!values.is_empty()).then(|| values.encoded_size())
}

/// Zeroes the data's slots (the contract reads zeros), logs a `Delete` entry under the
/// contract's origin with the hash of the deleted (slot, value) pairs, and returns them.
pub(crate) fn take(
    ext: &mut Ext<'_>,
    target: metering::DataTarget,
    key: &[u8],
    by: AccountId32,
) -> Result<Vec<u8>, DispatchError> {
    let (contract, slots) = slots(ext, target, key)?;
    let values = evm::data::values(ext, &contract, &slots);
    if values.is_empty() {
        return Err(ext.error(metering::Error::UnknownData));
    }
    let encoded = values.encode();
    oplog::append_as(ext, LogOrigin::Contract(contract.0), by, key, &blake2_256(&encoded), &[], OpType::Delete)?;
    evm::data::clear(ext, &contract, &slots)?;
    metering::contract_slots_zeroed(ext, &contract, &slots);
    Ok(encoded)
}

/// Writes the exact (slot, value) pairs [`take`] returned back, and logs a `Create` entry
/// whose state is their encoding.
pub(crate) fn restore(
    ext: &mut Ext<'_>,
    target: metering::DataTarget,
    key: &[u8],
    data: &[u8],
    by: AccountId32,
) -> DispatchResult {
    let contract = target.contract().ok_or_else(|| ext.error(metering::Error::UnknownData))?;
    let pairs = Vec::<(H256, H256)>::decode(&mut &data[..]).map_err(|_| ext.error(metering::Error::NoBackup))?;
    evm::data::restore(ext, &contract, &pairs)?;
    oplog::append_as(ext, LogOrigin::Contract(contract.0), by, key, &[], data, OpType::Create)?;
    Ok(())
}
