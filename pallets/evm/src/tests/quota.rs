//! Contract storage against the quota of the contract's account (`Metering.Quotas`).

use accord_pallet_metering::{Quota, QUOTAS, QUOTA_REQUIRED};

use super::*;

/// Runtime: `sstore(calldataload(0), calldataload(32))`, stop.
const SETTER: &str = "6020356000355500";

fn set(ext: &mut Ext<'_>, contract: H160, slot: u64, value: u64) {
    let mut input = word(slot);
    input.extend(word(value));
    signed(ext, 2, call_call(contract, input, 0)).unwrap();
}

fn slots(ext: &Ext<'_>, contract: H160) -> u32 {
    CONTRACTS.get(ext, &contract).unwrap().storage_items
}

fn quota_reason(ext: &Ext<'_>) -> Option<String> {
    match last_exit(ext) {
        ExitReason::Reverted { data } => {
            let text = String::from_utf8_lossy(&data).to_string();
            text.contains("storage quota exceeded").then_some(text)
        }
        _ => None,
    }
}

#[test]
fn a_contracts_writes_count_against_its_quota_and_deletion_gives_room_back() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, deployer(SETTER));
        let owner = account_of(ext, &contract);
        // No quota bought, none required: unlimited.
        set(ext, contract, 1, 5);
        assert_eq!(slots(ext, contract), 1);
        QUOTAS.insert(ext, &owner, &Quota { limit: 64, used: 0 });
        set(ext, contract, 2, 5);
        assert_eq!((slots(ext, contract), last_exit(ext)), (2, ExitReason::Succeeded));
        let _ = ext.take_failure_report();
        // A third slot would take 96 bytes of 64: reverted with the reason, nothing written.
        set(ext, contract, 3, 5);
        let reason = quota_reason(ext).expect("a quota revert");
        assert!(reason.contains("96 bytes") && reason.contains("64"), "{reason}");
        assert!(ext.take_failure_report(), "a revert is a failure of the code that ran");
        assert_eq!(STORAGE.get(ext, &contract, &H256(word(3).try_into().unwrap())), None);
        assert_eq!(slots(ext, contract), 2);
        // Changing a slot it holds does not grow it; zeroing one gives room back.
        set(ext, contract, 2, 6);
        assert_eq!(last_exit(ext), ExitReason::Succeeded);
        set(ext, contract, 1, 0);
        set(ext, contract, 3, 5);
        assert_eq!((slots(ext, contract), last_exit(ext)), (2, ExitReason::Succeeded));
        assert!(!ext.take_failure_report());
    });
}

#[test]
fn a_required_quota_binds_a_contract_without_one() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, deployer(SETTER));
        QUOTA_REQUIRED.put(ext, &true);
        set(ext, contract, 1, 5);
        assert!(quota_reason(ext).is_some());
        assert_eq!(CONTRACTS.get(ext, &contract).unwrap().storage_items, 0);
        // A constructor's writes count too: the store contract sets slot 0 when created.
        signed(ext, 1, create_call(store_init(), 0)).unwrap();
        assert!(quota_reason(ext).is_some());
    });
}
