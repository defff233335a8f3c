use accord_pallet_oplog::{LogEntry, OpType, ENTRIES, NEXT_INDEX};
use accord_primitives::{AccountId32, MultiAddress, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{BoundedVec, DispatchError, Ext, ModuleError, Origin, PalletIndices};

use crate::*;

const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1), ("Oplog", 4), ("Records", 5)];

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn rid(s: &str) -> RecordId {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn st(s: &str) -> RecordState {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: 5, error: [e as u8, 0, 0, 0] })
}

fn new_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        accord_pallet_system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 5);
    });
    t
}

fn log(ext: &Ext<'_>) -> Vec<LogEntry> {
    (0..NEXT_INDEX.get(ext)).map(|i| ENTRIES.get(ext, &i).unwrap()).collect()
}

fn create(ext: &mut Ext<'_>, who: u8, id: &str, state: &str) -> DispatchResult {
    dispatch(ext, Origin::Signed(acc(who)), Call::create { id: rid(id), state: st(state), payload_hash: H256([7; 32]) })
}

#[test]
fn lifecycle_logs_one_entry_per_operation_with_continuous_states() {
    new_ext().execute_with(|ext| {
        create(ext, 1, "r1", "draft").unwrap();
        dispatch(ext, Origin::Signed(acc(1)), Call::update_state { id: rid("r1"), state: st("signed") }).unwrap();
        dispatch(
            ext,
            Origin::Signed(acc(1)),
            Call::transfer_ownership { id: rid("r1"), new_owner: MultiAddress::Id(acc(2)) },
        )
        .unwrap();
        dispatch(ext, Origin::Signed(acc(2)), Call::delete { id: rid("r1") }).unwrap();
        let entries = log(ext);
        let signed_hash = accord_primitives::hashing::blake2_256(b"signed");
        let summary: Vec<(OpType, &[u8], &[u8], AccountId32)> = entries
            .iter()
            .map(|e| (e.op_type, e.source_state.as_slice(), e.result_state.as_slice(), e.operator))
            .collect();
        assert_eq!(
            summary,
            vec![
                (OpType::Create, &b""[..], &b"draft"[..], acc(1)),
                (OpType::Update, &b"draft"[..], &b"signed"[..], acc(1)),
                (OpType::Custom(OP_TRANSFER_OWNERSHIP), &b"signed"[..], &b"signed"[..], acc(1)),
                (OpType::Delete, &signed_hash[..], &b""[..], acc(2)),
            ]
        );
        for pair in entries.windows(2) {
            let expected = match pair[1].op_type {
                OpType::Delete => state_hash(&pair[0].result_state).to_vec(),
                _ => pair[0].result_state.to_vec(),
            };
            assert_eq!(pair[1].source_state.to_vec(), expected, "continuity");
        }
        assert!(entries.iter().all(|e| e.data_id.as_slice() == b"r1"));
        assert!(RECORDS.get(ext, &rid("r1")).is_none());
    });
}

#[test]
fn only_owners_and_authorized_accounts_change_records() {
    new_ext().execute_with(|ext| {
        create(ext, 1, "r", "a").unwrap();
        assert_noop(ext, err(Error::RecordExists), |ext| create(ext, 2, "r", "b"));
        let update = |who: u8| {
            move |ext: &mut Ext<'_>| {
                dispatch(ext, Origin::Signed(acc(who)), Call::update_state { id: rid("r"), state: st("x") })
            }
        };
        assert_noop(ext, err(Error::NotAllowed), update(2));
        dispatch(ext, Origin::Signed(acc(1)), Call::authorize { id: rid("r"), who: MultiAddress::Id(acc(2)) }).unwrap();
        assert_noop(ext, err(Error::AlreadyAuthorized), |ext| {
            dispatch(ext, Origin::Signed(acc(1)), Call::authorize { id: rid("r"), who: MultiAddress::Id(acc(2)) })
        });
        update(2)(ext).unwrap();
        assert_noop(ext, err(Error::NotOwner), |ext| {
            dispatch(ext, Origin::Signed(acc(2)), Call::delete { id: rid("r") })
        });
        assert_noop(ext, err(Error::NotOwner), |ext| {
            dispatch(
                ext,
                Origin::Signed(acc(2)),
                Call::transfer_ownership { id: rid("r"), new_owner: MultiAddress::Id(acc(2)) },
            )
        });
        dispatch(ext, Origin::Signed(acc(1)), Call::deauthorize { id: rid("r"), who: MultiAddress::Id(acc(2)) })
            .unwrap();
        assert_noop(ext, err(Error::NotAuthorized), |ext| {
            dispatch(ext, Origin::Signed(acc(1)), Call::deauthorize { id: rid("r"), who: MultiAddress::Id(acc(2)) })
        });
        assert_noop(ext, err(Error::NotAllowed), update(2));
        assert_noop(ext, err(Error::UnknownRecord), |ext| {
            dispatch(ext, Origin::Signed(acc(1)), Call::delete { id: rid("nope") })
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::Root, Call::delete { id: rid("r") }));
        assert_noop(ext, DispatchError::CannotLookup, |ext| {
            dispatch(ext, Origin::Signed(acc(1)), Call::authorize { id: rid("r"), who: MultiAddress::Index(1) })
        });
    });
}

#[test]
fn authorized_accounts_are_bounded() {
    new_ext().execute_with(|ext| {
        create(ext, 1, "r", "a").unwrap();
        for i in 0..AUTHORIZED_MAX {
            dispatch(
                ext,
                Origin::Signed(acc(1)),
                Call::authorize { id: rid("r"), who: MultiAddress::Id(acc(100 + i as u8)) },
            )
            .unwrap();
        }
        assert_noop(ext, err(Error::TooManyAuthorized), |ext| {
            dispatch(ext, Origin::Signed(acc(1)), Call::authorize { id: rid("r"), who: MultiAddress::Id(acc(9)) })
        });
    });
}

#[test]
fn oversized_ids_and_states_do_not_decode() {
    use codec::{Decode, Encode};
    let long_id = vec![0u8; accord_pallet_oplog::DATA_ID_LEN_MAX as usize + 1];
    let bytes = (0u8, long_id, vec![1u8], H256([0; 32])).encode();
    assert!(Call::decode(&mut &bytes[..]).is_err());
}

#[test]
fn version_2_refuses_empty_and_unchanged_states_and_counts_revisions() {
    new_ext().execute_with(|ext| {
        let v2 = |ext: &mut Ext<'_>, who: u8, call: Call| dispatch_version(ext, Origin::Signed(acc(who)), call, 2);
        let create_call = |state: &str| Call::create { id: rid("r"), state: st(state), payload_hash: H256([7; 32]) };
        assert_noop(ext, err(Error::EmptyState), |ext| v2(ext, 1, create_call("")));
        v2(ext, 1, create_call("a")).unwrap();
        assert_eq!(REVISIONS.get(ext, &rid("r")), Some(1));
        let update = |state: &str| Call::update_state { id: rid("r"), state: st(state) };
        assert_noop(ext, err(Error::UnchangedState), |ext| v2(ext, 1, update("a")));
        assert_noop(ext, err(Error::EmptyState), |ext| v2(ext, 1, update("")));
        assert_noop(ext, err(Error::NotAllowed), |ext| v2(ext, 2, update("b")));
        v2(ext, 1, update("b")).unwrap();
        v2(ext, 1, Call::transfer_ownership { id: rid("r"), new_owner: MultiAddress::Id(acc(2)) }).unwrap();
        assert_eq!(REVISIONS.get(ext, &rid("r")), Some(3));
        let revised: Vec<u32> = accord_support::testing::pallet_events::<Event>(ext, 5)
            .into_iter()
            .filter_map(|e| match e {
                Event::Revised { revision, .. } => Some(revision),
                _ => None,
            })
            .collect();
        assert_eq!(revised, vec![1, 2, 3]);
        // Version 1 accepts what version 2 refuses, and does not count.
        dispatch_version(ext, Origin::Signed(acc(2)), update("b"), 1).unwrap();
        assert_eq!(REVISIONS.get(ext, &rid("r")), Some(3));
        // Both versions log the same entries, and delete drops the revision.
        assert_eq!(log(ext).len(), 4);
        v2(ext, 2, Call::delete { id: rid("r") }).unwrap();
        assert_eq!(REVISIONS.get(ext, &rid("r")), None);
        assert_noop(ext, err(Error::UnknownVersion), |ext| {
            dispatch_version(ext, Origin::Signed(acc(1)), create_call("a"), 3)
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch_version(ext, Origin::Root, create_call("a"), 2));
    });
}

#[test]
fn each_record_is_an_instance_and_a_deletion_logs_only_the_hash_of_its_state() {
    new_ext().execute_with(|ext| {
        create(ext, 1, "r", "one").unwrap();
        assert_eq!(RECORDS.get(ext, &rid("r")).unwrap().instance, 1);
        dispatch(ext, Origin::Signed(acc(1)), Call::update_state { id: rid("r"), state: st("two") }).unwrap();
        let to = MultiAddress::Id(acc(2));
        dispatch(ext, Origin::Signed(acc(1)), Call::transfer_ownership { id: rid("r"), new_owner: to }).unwrap();
        assert_eq!(RECORDS.get(ext, &rid("r")).unwrap().instance, 1, "updates and transfers keep the instance");
        create(ext, 1, "other", "x").unwrap();
        dispatch(ext, Origin::Signed(acc(2)), Call::delete { id: rid("r") }).unwrap();
        create(ext, 3, "r", "three").unwrap();
        assert_eq!(RECORDS.get(ext, &rid("r")).unwrap().instance, 3, "the same id again: a new instance");
        assert_eq!(LAST_INSTANCE.get(ext), 3);

        // Taken for a data deletion and restored: the same instance, the hash in the log.
        let taken = take_record(ext, &rid("r"), acc(9)).unwrap();
        let deleted = log(ext).pop().unwrap();
        assert_eq!(deleted.op_type, OpType::Delete);
        assert_eq!(deleted.source_state.as_slice(), &accord_primitives::hashing::blake2_256(b"three")[..]);
        assert!(deleted.result_state.is_empty(), "no copy of the state is kept");
        assert_noop(ext, err(Error::UnknownRecord), |ext| take_record(ext, &rid("r"), acc(9)).map(|_| ()));
        restore_record(ext, &rid("r"), &taken, acc(9)).unwrap();
        assert_eq!(RECORDS.get(ext, &rid("r")).unwrap().instance, 3);
        assert_noop(ext, err(Error::RecordExists), |ext| restore_record(ext, &rid("r"), &taken, acc(9)));
        assert_eq!(LAST_INSTANCE.get(ext), 3, "a restore creates no instance");
    });
}
