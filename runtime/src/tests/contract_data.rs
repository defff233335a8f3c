//! A contract's storage deleted and backed up through `Metering` in real blocks: by its slots,
//! by its creator or a deleter the creator declared; recovery of the exact slots; deleter
//! rights that end when the contract zeroes the data itself.

use accord_pallet_evm as evm;
use accord_pallet_metering::{self as metering, DataTarget, DeletionMode};
use accord_pallet_oplog::{OpType, ENTRIES, NEXT_INDEX};
use accord_primitives::{Pair, H160, H256};
use accord_support::{BoundedVec, DispatchError, ModuleError};

use super::Chain;
use crate::RuntimeCall;

/// `sstore(calldataload(0), calldataload(32))`, deployed by init code that copies it.
const SETTER_INIT: &str = "6008600c60003960086000f36020356000355500";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn word(n: u8) -> H256 {
    let mut w = [0u8; 32];
    w[31] = n;
    H256(w)
}

fn set(contract: H160, slot: u8, value: u8) -> RuntimeCall {
    let input = [word(slot).0, word(value).0].concat();
    RuntimeCall::Evm(evm::Call::call {
        contract,
        input: BoundedVec::try_from_vec(input).unwrap(),
        value: 0,
        gas_limit: 100_000,
    })
}

fn metering_call(call: metering::Call<RuntimeCall>) -> RuntimeCall {
    RuntimeCall::Metering(call)
}

fn key(slots: &[u8]) -> metering::DataKey {
    BoundedVec::try_from_vec(slots.iter().flat_map(|s| word(*s).0).collect()).unwrap()
}

fn slot(chain: &Chain, contract: H160, n: u8) -> Option<u8> {
    chain.read(|ext| evm::STORAGE.get(ext, &contract, &word(n))).map(|v| v.0[31])
}

fn module_error(error: metering::Error) -> Result<(), DispatchError> {
    Err(DispatchError::Module(ModuleError { index: 11, error: [error as u8, 0, 0, 0] }))
}

#[test]
fn a_contracts_slots_are_deleted_backed_up_and_recovered_by_its_creator_and_deleters() {
    let mut chain = Chain::dev();
    let (alice, bob, charlie) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Charlie"));
    let create = RuntimeCall::Evm(evm::Call::create {
        init_code: BoundedVec::try_from_vec(hex(SETTER_INIT)).unwrap(),
        value: 0,
        gas_limit: 200_000,
        salt: None,
    });
    let contract = H160(accord_ethereum::create_address(accord_ethereum::address_of(&alice.account()), 0));
    let target = DataTarget::ContractSlots(contract);
    let outcomes = chain.produce(&[
        chain.signed(&alice, &create, 0),
        chain.signed(&bob, &set(contract, 1, 11), 0),
        chain.signed(&bob, &set(contract, 2, 22), 1),
    ]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "{outcomes:?}");
    let delete = |slots: &[u8], mode, days| {
        metering_call(metering::Call::delete_data { target, key: key(slots), mode, backup_days: days, payer: None })
    };

    // Bob wrote the slots but did not create the contract: no deleter.
    let refused = chain.produce(&[chain.signed(&bob, &delete(&[1, 2], DeletionMode::Backup, Some(3)), 2)]);
    assert_eq!(refused[0].as_ref().unwrap().result, module_error(metering::Error::NotDeleter));
    // The creator declares Charlie; Charlie backs the data up for 3 days.
    let declare =
        metering_call(metering::Call::set_deleter { target, key: key(&[1, 2]), who: charlie.account(), allowed: true });
    chain.produce(&[chain.signed(&alice, &declare, 1)]);
    let log_from = chain.read(|ext| NEXT_INDEX.get(ext));
    let backed_up = chain.produce(&[chain.signed(&charlie, &delete(&[1, 2], DeletionMode::Backup, Some(3)), 0)]);
    assert_eq!(backed_up[0].as_ref().unwrap().result, Ok(()));
    assert_eq!((slot(&chain, contract, 1), slot(&chain, contract, 2)), (None, None), "the contract reads zeros");
    assert_eq!(chain.read(|ext| evm::CONTRACTS.get(ext, &contract)).unwrap().storage_items, 0);
    let entry = chain.read(|ext| ENTRIES.get(ext, &log_from)).unwrap();
    assert_eq!(entry.op_type, OpType::Delete);
    assert_eq!(entry.origin, accord_pallet_oplog::LogOrigin::Contract(contract.0));

    // Recovered before expiry by the deleter: the exact slots and values are back.
    let recover = metering_call(metering::Call::recover_data { target, key: key(&[1, 2]) });
    chain.produce(&[chain.signed(&charlie, &recover, 1)])[0].as_ref().unwrap().result.unwrap();
    assert_eq!((slot(&chain, contract, 1), slot(&chain, contract, 2)), (Some(11), Some(22)));

    // The contract zeroes slot 2 by itself: the data it was given for is gone, and so is
    // Charlie's right over it, though the slots hold data again.
    chain.produce(&[chain.signed(&bob, &set(contract, 2, 0), 3), chain.signed(&bob, &set(contract, 2, 23), 4)]);
    let again = chain.produce(&[chain.signed(&charlie, &delete(&[1, 2], DeletionMode::Permanent, None), 2)]);
    assert_eq!(again[0].as_ref().unwrap().result, module_error(metering::Error::NotDeleter));

    // Backed up for a day by the creator: after it, the backup is gone for good.
    let one_day = chain.produce(&[chain.signed(&alice, &delete(&[1], DeletionMode::Backup, Some(1)), 2)]);
    assert_eq!(one_day[0].as_ref().unwrap().result, Ok(()));
    chain.advance_time(2 * metering::DAY_MS);
    chain.produce(&[]);
    chain.produce(&[]);
    assert!(chain.read(|ext| metering::BACKUPS.get(ext, &target, &key(&[1]))).is_none(), "swept");
    let recover_1 = metering_call(metering::Call::recover_data { target, key: key(&[1]) });
    let late = chain.produce(&[chain.signed(&alice, &recover_1, 3)]);
    assert_eq!(late[0].as_ref().unwrap().result, module_error(metering::Error::NoBackup));
    assert_eq!(slot(&chain, contract, 1), None);

    // The creator deletes permanently: no copy is kept; recovery finds nothing.
    let gone = chain.produce(&[chain.signed(&alice, &delete(&[2], DeletionMode::Permanent, None), 4)]);
    assert_eq!(gone[0].as_ref().unwrap().result, Ok(()));
    assert!(chain.read(|ext| metering::BACKUPS.get(ext, &target, &key(&[2]))).is_none());
    let recover_2 = metering_call(metering::Call::recover_data { target, key: key(&[2]) });
    let nothing = chain.produce(&[chain.signed(&alice, &recover_2, 5)]);
    assert_eq!(nothing[0].as_ref().unwrap().result, module_error(metering::Error::NoBackup));
    // Keys that name no data: bad slot lists, empty slots, no contract.
    for (nonce, bad) in (6..).zip([key(&[]), key(&[9]), BoundedVec::try_from_vec(vec![1; 33]).unwrap()]) {
        let call = metering_call(metering::Call::delete_data {
            target,
            key: bad,
            mode: DeletionMode::Permanent,
            backup_days: None,
            payer: None,
        });
        let refused = chain.produce(&[chain.signed(&alice, &call, nonce)]);
        assert_eq!(refused[0].as_ref().unwrap().result, module_error(metering::Error::UnknownData));
    }
}
