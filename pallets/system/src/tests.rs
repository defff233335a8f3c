use codec::{Decode, Encode};

use accord_primitives::{AccountId32, H256};
use accord_support::testing::assert_noop;
use accord_support::{DispatchError, Origin, Phase};

use crate::mock::new_test_ext;
use crate::*;

fn alice() -> AccountId32 {
    AccountId32([1; 32])
}

#[test]
fn account_info_is_80_bytes_in_frame_layout() {
    let info = AccountInfo {
        nonce: 1,
        consumers: 2,
        providers: 3,
        sufficients: 4,
        data: AccountData { free: 5, reserved: 6, frozen: 7, flags: NEW_ACCOUNT_FLAGS },
    };
    let bytes = info.encode();
    assert_eq!(bytes.len(), 80);
    assert_eq!(&bytes[..16], &[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
    assert_eq!(bytes[16], 5);
    assert_eq!(AccountInfo::decode(&mut &bytes[..]).unwrap(), info);
}

#[test]
fn remark_needs_a_signed_origin() {
    new_test_ext().execute_with(|ext| {
        assert_eq!(dispatch(ext, Origin::Signed(alice()), Call::remark { remark: vec![1, 2] }), Ok(()));
        assert!(ext.events().is_empty());
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::None, Call::remark { remark: vec![] }));
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::Root, Call::remark_with_event { remark: vec![] })
        });
    });
}

#[test]
fn remark_with_event_emits_the_hash() {
    new_test_ext().execute_with(|ext| {
        ext.set_phase(Phase::ApplyExtrinsic(3));
        dispatch(ext, Origin::Signed(alice()), Call::remark_with_event { remark: b"hi".to_vec() }).unwrap();
        let expected = Event::Remarked { sender: alice(), hash: H256::hash_of(b"hi") };
        let mut bytes = vec![0u8];
        expected.encode_to(&mut bytes);
        assert_eq!(ext.events().len(), 1);
        assert_eq!(ext.events()[0].event, bytes);
        assert_eq!(ext.events()[0].phase, Phase::ApplyExtrinsic(3));
    });
}

#[test]
fn block_hashes_are_kept_for_the_window_and_genesis_forever() {
    new_test_ext().execute_with(|ext| {
        for n in 1..=(BLOCK_HASH_COUNT + 5) {
            initialize(ext, n, H256([((n - 1) % 251) as u8; 32]));
        }
        let last = BLOCK_HASH_COUNT + 5;
        assert_eq!(block_number(ext), last);
        assert_eq!(block_hash(ext, last - 1), Some(H256([((last - 1) % 251) as u8; 32])));
        assert_eq!(block_hash(ext, last - BLOCK_HASH_COUNT), Some(H256([((last - BLOCK_HASH_COUNT) % 251) as u8; 32])));
        assert_eq!(block_hash(ext, last - BLOCK_HASH_COUNT - 1), None);
        assert!(block_hash(ext, 0).is_some(), "genesis hash is never pruned");
    });
}

#[test]
fn events_are_written_once_at_finalize_and_cleared_next_block() {
    new_test_ext().execute_with(|ext| {
        initialize(ext, 1, H256::ZERO);
        dispatch(ext, Origin::Signed(alice()), Call::remark_with_event { remark: vec![] }).unwrap();
        finalize(ext);
        let stored = ext.get(&events_key()).unwrap();
        assert_eq!(stored[0], 1 << 2, "one event");
        assert_eq!(EVENT_COUNT.get(ext), 1);
        ext.take_events();
        initialize(ext, 2, H256([1; 32]));
        assert_eq!(ext.get(&events_key()), None);
        assert_eq!(EVENT_COUNT.get(ext), 0);
    });
}

#[test]
fn accounts_are_created_and_reaped_with_events() {
    new_test_ext().execute_with(|ext| {
        let mut info = AccountInfo { providers: 1, ..Default::default() };
        write_account(ext, &alice(), info);
        assert!(ACCOUNT.contains_key(ext, &alice()));
        inc_account_nonce(ext, &alice());
        assert_eq!(account_nonce(ext, &alice()), 1);
        info.providers = 0;
        write_account(ext, &alice(), info);
        assert!(!ACCOUNT.contains_key(ext, &alice()));
        let names: Vec<u8> = ext.events().iter().map(|e| e.event[1]).collect();
        assert_eq!(names, vec![3, 4], "NewAccount then KilledAccount");
        assert_eq!(Pallet::check_state(ext), Ok(()));
    });
}

#[test]
fn check_state_catches_an_account_without_providers() {
    new_test_ext().execute_with(|ext| {
        ACCOUNT.insert(ext, &alice(), &AccountInfo::default());
        assert!(Pallet::check_state(ext).is_err());
    });
}
