use accord_support::testing::assert_noop;
use accord_support::{BoundedVec, DispatchError, DispatchResult, Ext, Hooks, ModuleError, Origin, Phase};

use crate::mock::{account, new_test_ext, OPLOG_INDEX};
use crate::*;

fn name(s: &str) -> ConsumerName {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: OPLOG_INDEX, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, OPLOG_INDEX)
}

fn log(ext: &mut Ext<'_>, id: &[u8]) -> u64 {
    append(ext, "Test", account(1), id, b"before", b"after", OpType::Update).unwrap()
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
}

#[test]
fn entries_are_gap_free_in_execution_order_with_context() {
    new_test_ext().execute_with(|ext| {
        accord_pallet_system::initialize(ext, 5, Default::default());
        ext.set_phase(Phase::ApplyExtrinsic(3));
        assert_eq!(log(ext, b"a"), 0);
        assert_eq!(log(ext, b"b"), 1);
        ext.set_phase(Phase::ApplyExtrinsic(4));
        assert_eq!(append(ext, "Test", account(2), b"a", b"x", b"y", OpType::Custom(9)).unwrap(), 2);
        let e = ENTRIES.get(ext, &2).unwrap();
        assert_eq!(
            (e.block, e.extrinsic_index, e.operator, e.op_type, e.timestamp_ms),
            (5, 4, account(2), OpType::Custom(9), 1_000)
        );
        assert_eq!(e.data_id.as_slice(), b"a");
        assert_eq!((e.source_state.as_slice(), e.result_state.as_slice()), (&b"x"[..], &b"y"[..]));
        assert_eq!(NEXT_INDEX.get(ext), 3);
        let topics: Vec<_> = ext.events().iter().map(|e| e.topics.clone()).collect();
        assert_eq!(topics[0], vec![LogOrigin::pallet("Test").unwrap().topic(b"a")]);
        assert_eq!(e.origin, LogOrigin::pallet("Test").unwrap());
        check(ext);
    });
}

#[test]
fn a_failed_dispatch_leaves_no_entry() {
    new_test_ext().execute_with(|ext| {
        log(ext, b"a");
        let r: Result<(), _> = ext.transactional(|ext| {
            log(ext, b"b");
            Err(DispatchError::BadOrigin)
        });
        assert!(r.is_err());
        assert_eq!(NEXT_INDEX.get(ext), 1);
        assert!(ENTRIES.get(ext, &1).is_none());
        assert_eq!(ext.events().len(), 1);
        check(ext);
    });
}

#[test]
fn bounds_on_data_ids_and_states() {
    new_test_ext().execute_with(|ext| {
        let long_id = vec![0u8; DATA_ID_LEN_MAX as usize + 1];
        assert_noop(ext, err(Error::DataIdTooLong), |ext| {
            append(ext, "Test", account(1), &long_id, b"", b"", OpType::Create)
        });
        let long_state = vec![0u8; STATE_LEN_MAX as usize + 1];
        assert_noop(ext, err(Error::StateTooLong), |ext| {
            append(ext, "Test", account(1), b"a", &long_state, b"", OpType::Update)
        });
        assert_noop(ext, err(Error::StateTooLong), |ext| {
            append(ext, "Test", account(1), b"a", b"", &long_state, OpType::Update)
        });
    });
}

#[test]
fn consumers_register_acknowledge_and_unregister() {
    new_test_ext().execute_with(|ext| {
        for i in 0..3 {
            log(ext, &[i]);
        }
        let a = Origin::Signed(account(10));
        dispatch(ext, a.clone(), Call::register_consumer { name: name("A"), start_index: 0 }).unwrap();
        assert_noop(ext, err(Error::ConsumerExists), |ext| {
            dispatch(ext, Origin::Signed(account(11)), Call::register_consumer { name: name("A"), start_index: 0 })
        });
        assert_noop(ext, err(Error::StartOutOfRange), |ext| {
            dispatch(ext, a.clone(), Call::register_consumer { name: name("B"), start_index: 4 })
        });
        dispatch(ext, a.clone(), Call::acknowledge { name: name("A"), up_to: 2 }).unwrap();
        assert_noop(ext, err(Error::AckBackwards), |ext| {
            dispatch(ext, a.clone(), Call::acknowledge { name: name("A"), up_to: 1 })
        });
        assert_noop(ext, err(Error::AckBeyondHead), |ext| {
            dispatch(ext, a.clone(), Call::acknowledge { name: name("A"), up_to: 4 })
        });
        assert_noop(ext, err(Error::NotOwner), |ext| {
            dispatch(ext, Origin::Signed(account(11)), Call::acknowledge { name: name("A"), up_to: 3 })
        });
        assert_noop(ext, err(Error::UnknownConsumer), |ext| {
            dispatch(ext, a.clone(), Call::acknowledge { name: name("Z"), up_to: 3 })
        });
        assert_noop(ext, err(Error::NotOwner), |ext| {
            dispatch(ext, Origin::Signed(account(11)), Call::unregister_consumer { name: name("A") })
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::None, Call::unregister_consumer { name: name("A") })
        });
        dispatch(ext, Origin::Root, Call::unregister_consumer { name: name("A") }).unwrap();
        assert_eq!(CONSUMER_COUNT.get(ext), 0);
        check(ext);
    });
}

#[test]
fn consumer_count_is_bounded() {
    new_test_ext().execute_with(|ext| {
        // Accounts of no organization: each is its own group, so only the chain's bound bites.
        for i in 0..CONSUMERS_MAX {
            dispatch(
                ext,
                Origin::Signed(account(100 + i as u8)),
                Call::register_consumer { name: name(&format!("c{i}")), start_index: 0 },
            )
            .unwrap();
        }
        assert_noop(ext, err(Error::TooManyConsumers), |ext| {
            dispatch(
                ext,
                Origin::Signed(account(1)),
                Call::register_consumer { name: name("one-more"), start_index: 0 },
            )
        });
        check(ext);
    });
}

fn join_org(ext: &mut Ext<'_>, who: u8, org: u32) {
    accord_pallet_organizations::ACCOUNT_ORG.insert(ext, &account(who), &org);
}

fn register(ext: &mut Ext<'_>, who: u8, consumer: &str) -> DispatchResult {
    dispatch(ext, Origin::Signed(account(who)), Call::register_consumer { name: name(consumer), start_index: 0 })
}

/// An organization's accounts share [`CONSUMERS_PER_GROUP_MAX`] slots; other organizations
/// and accounts of no organization (each its own group) are not affected; unregistering
/// frees the slot of the group that was charged, even after the owner changed organization.
#[test]
fn registration_is_bounded_per_organization() {
    new_test_ext().execute_with(|ext| {
        join_org(ext, 20, 1);
        join_org(ext, 21, 1);
        join_org(ext, 22, 2);
        for i in 0..CONSUMERS_PER_GROUP_MAX {
            register(ext, 20 + (i % 2) as u8, &format!("org1-{i}")).unwrap();
            check(ext);
        }
        assert_eq!(GROUP_CONSUMERS.get(ext, &ConsumerGroup::Org(1)), CONSUMERS_PER_GROUP_MAX);
        // Another account of the same organization finds no slot either.
        assert_noop(ext, err(Error::TooManyGroupConsumers), |ext| register(ext, 21, "org1-more"));
        register(ext, 22, "org2-0").unwrap();
        check(ext);
        // Accounts of no organization: a group each.
        for i in 0..CONSUMERS_PER_GROUP_MAX {
            register(ext, 30, &format!("acc30-{i}")).unwrap();
        }
        assert_noop(ext, err(Error::TooManyGroupConsumers), |ext| register(ext, 30, "acc30-more"));
        register(ext, 31, "acc31-0").unwrap();
        assert_eq!(GROUP_CONSUMERS.get(ext, &ConsumerGroup::Account(account(30))), CONSUMERS_PER_GROUP_MAX);
        check(ext);
        // Account 20 moves to organization 2: its consumer still counts against 1 until it
        // goes, and going frees a slot of 1, not of 2.
        join_org(ext, 20, 2);
        assert_eq!(CONSUMERS.get(ext, &name("org1-0")).unwrap().group, ConsumerGroup::Org(1));
        dispatch(ext, Origin::Signed(account(20)), Call::unregister_consumer { name: name("org1-0") }).unwrap();
        assert_eq!(GROUP_CONSUMERS.get(ext, &ConsumerGroup::Org(1)), CONSUMERS_PER_GROUP_MAX - 1);
        assert_eq!(GROUP_CONSUMERS.get(ext, &ConsumerGroup::Org(2)), 1);
        check(ext);
        register(ext, 21, "org1-more").unwrap();
        check(ext);
        // Root frees a slot too; a group with no consumer left has no entry.
        dispatch(ext, Origin::Root, Call::unregister_consumer { name: name("org2-0") }).unwrap();
        assert!(!GROUP_CONSUMERS.contains_key(ext, &ConsumerGroup::Org(2)));
        check(ext);
    });
}

/// The invariant notices a group count that does not match the consumers.
#[test]
fn check_state_finds_a_wrong_group_count() {
    new_test_ext().execute_with(|ext| {
        register(ext, 1, "a").unwrap();
        check(ext);
        GROUP_CONSUMERS.insert(ext, &ConsumerGroup::Account(account(1)), &2);
        assert!(Pallet::check_state(ext).unwrap_err().contains("group consumer counts"));
        GROUP_CONSUMERS.insert(ext, &ConsumerGroup::Account(account(1)), &1);
        GROUP_CONSUMERS.insert(ext, &ConsumerGroup::Org(9), &1);
        assert!(Pallet::check_state(ext).is_err());
    });
}

#[test]
fn pruning_waits_for_every_consumer() {
    new_test_ext().execute_with(|ext| {
        for i in 0..10 {
            log(ext, &[i]);
        }
        let (a, b) = (Origin::Signed(account(10)), Origin::Signed(account(11)));
        dispatch(ext, a.clone(), Call::register_consumer { name: name("A"), start_index: 0 }).unwrap();
        dispatch(ext, b.clone(), Call::register_consumer { name: name("B"), start_index: 0 }).unwrap();
        dispatch(ext, a.clone(), Call::acknowledge { name: name("A"), up_to: 8 }).unwrap();
        Pallet::on_initialize(ext, 2);
        assert_eq!(LOWEST_RETAINED.get(ext), 0, "B acknowledged nothing yet");
        dispatch(ext, b.clone(), Call::acknowledge { name: name("B"), up_to: 5 }).unwrap();
        Pallet::on_initialize(ext, 3);
        assert_eq!(LOWEST_RETAINED.get(ext), 5);
        assert!(ENTRIES.get(ext, &4).is_none() && ENTRIES.get(ext, &5).is_some());
        assert_eq!(events(ext).last(), Some(&Event::Pruned { below: 5 }));
        check(ext);
        // A consumer may not start below what is gone.
        assert_noop(ext, err(Error::StartOutOfRange), |ext| {
            dispatch(ext, a.clone(), Call::register_consumer { name: name("C"), start_index: 4 })
        });
    });
}

#[test]
fn retention_prunes_anyway_and_names_the_laggards() {
    new_test_ext().execute_with(|ext| {
        dispatch(ext, Origin::Signed(account(10)), Call::register_consumer { name: name("slow"), start_index: 0 })
            .unwrap();
        dispatch(ext, Origin::Signed(account(11)), Call::register_consumer { name: name("fast"), start_index: 0 })
            .unwrap();
        for i in 0..20 {
            log(ext, &[i]);
        }
        dispatch(ext, Origin::Signed(account(11)), Call::acknowledge { name: name("fast"), up_to: 20 }).unwrap();
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::Signed(account(1)), Call::set_retention { max_entries: 5 })
        });
        dispatch(ext, Origin::Root, Call::set_retention { max_entries: 5 }).unwrap();
        Pallet::on_initialize(ext, 2);
        assert_eq!(LOWEST_RETAINED.get(ext), 15);
        let lagging = BoundedVec::try_from_vec(vec![name("slow")]).unwrap();
        assert_eq!(events(ext).last(), Some(&Event::RetentionForced { below: 15, lagging }));
        check(ext);
    });
}

#[test]
fn pruning_is_bounded_per_block() {
    new_test_ext().execute_with(|ext| {
        for i in 0..(PRUNE_PER_BLOCK_MAX + 10) {
            log(ext, &i.to_le_bytes());
        }
        dispatch(ext, Origin::Root, Call::set_retention { max_entries: 1 }).unwrap();
        Pallet::on_initialize(ext, 2);
        assert_eq!(LOWEST_RETAINED.get(ext), PRUNE_PER_BLOCK_MAX);
        Pallet::on_initialize(ext, 3);
        assert_eq!(LOWEST_RETAINED.get(ext), PRUNE_PER_BLOCK_MAX + 9);
        check(ext);
    });
}

/// The same data id under two origins is two data: the entries say whose it is, the topics
/// differ, and a too-long origin name is refused.
#[test]
fn entries_name_their_origin() {
    new_test_ext().execute_with(|ext| {
        let id = account(7);
        append(ext, "Balances", account(1), id.as_bytes(), b"1", b"2", OpType::Update).unwrap();
        append(ext, "Records", account(2), id.as_bytes(), b"", b"2", OpType::Create).unwrap();
        let (a, b) = (ENTRIES.get(ext, &0).unwrap(), ENTRIES.get(ext, &1).unwrap());
        assert_eq!(a.origin.to_text(), "Balances");
        assert_eq!(b.origin.to_text(), "Records");
        assert_eq!(a.data_id, b.data_id);
        let topics: Vec<_> = ext.events().iter().map(|e| e.topics[0]).collect();
        assert_ne!(topics[0], topics[1]);
        assert_eq!(LogOrigin::Contract([0xab; 20]).to_text(), format!("0x{}", "ab".repeat(20)));
        let long = "X".repeat(ORIGIN_NAME_LEN_MAX as usize + 1);
        assert_noop(ext, err(Error::OriginNameTooLong), |ext| {
            append(ext, &long, account(1), b"a", b"", b"", OpType::Create)
        });
        check(ext);
    });
}
