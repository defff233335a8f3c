use codec::Encode;

use accord_pallet_system as system;
use accord_primitives::MultiAddress;
use accord_support::testing::assert_noop;
use accord_support::{ArithmeticError, DispatchError, Ext, Hooks, ModuleError, Origin};

use crate::mock::{account, ExtBuilder, BALANCES_INDEX, UNIT};
use crate::*;

fn id(n: u8) -> MultiAddress {
    MultiAddress::Id(account(n))
}

fn module_error(index: u8) -> DispatchError {
    DispatchError::Module(ModuleError { index: BALANCES_INDEX, error: [index, 0, 0, 0] })
}

fn balances_events(ext: &Ext<'_>) -> Vec<Vec<u8>> {
    ext.events().iter().filter(|e| e.event[0] == BALANCES_INDEX).map(|e| e.event[1..].to_vec()).collect()
}

fn system_events(ext: &Ext<'_>) -> Vec<system::Event> {
    use codec::Decode;
    ext.events()
        .iter()
        .filter(|e| e.event[0] == 0)
        .map(|e| system::Event::decode(&mut &e.event[1..]).unwrap())
        .collect()
}

#[track_caller]
fn assert_invariants(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
    system::Pallet::check_state(ext).unwrap();
}

#[test]
fn genesis_sets_balances_and_issuance() {
    ExtBuilder::default().build().execute_with(|ext| {
        assert_eq!(free_balance(ext, &account(1)), 100 * UNIT);
        assert_eq!(TOTAL_ISSUANCE.get(ext), 150 * UNIT);
        assert_eq!(system::account(ext, &account(1)).providers, 1);
        assert_invariants(ext);
    });
}

#[test]
fn genesis_rejects_bad_configs() {
    let mut t = accord_support::testing::TestExternalities::new(crate::mock::PALLETS);
    t.execute_with(|ext| {
        assert!(GenesisConfig { balances: vec![(account(1), 1)] }.build(ext).unwrap_err().contains("existential"));
        assert!(GenesisConfig { balances: vec![(account(1), UNIT), (account(1), UNIT)] }
            .build(ext)
            .unwrap_err()
            .contains("twice"));
    });
}

#[test]
fn transfer_allow_death_moves_funds_and_emits_transfer() {
    ExtBuilder::default().build().execute_with(|ext| {
        dispatch(ext, Origin::Signed(account(1)), Call::transfer_allow_death { dest: id(2), value: 10 * UNIT })
            .unwrap();
        assert_eq!(free_balance(ext, &account(1)), 90 * UNIT);
        assert_eq!(free_balance(ext, &account(2)), 60 * UNIT);
        let expected = Event::Transfer { from: account(1), to: account(2), amount: 10 * UNIT };
        assert_eq!(balances_events(ext), vec![expected.encode()]);
        assert_invariants(ext);
    });
}

#[test]
fn transfer_to_a_new_account_endows_it() {
    ExtBuilder::default().build().execute_with(|ext| {
        dispatch(ext, Origin::Signed(account(1)), Call::transfer_keep_alive { dest: id(9), value: 5 * UNIT }).unwrap();
        assert_eq!(free_balance(ext, &account(9)), 5 * UNIT);
        assert_eq!(system::account(ext, &account(9)).providers, 1);
        let endowed = Event::Endowed { account: account(9), free_balance: 5 * UNIT }.encode();
        let transfer = Event::Transfer { from: account(1), to: account(9), amount: 5 * UNIT }.encode();
        assert_eq!(balances_events(ext), vec![endowed, transfer]);
        assert_eq!(system_events(ext), vec![system::Event::NewAccount { account: account(9) }]);
        assert_invariants(ext);
    });
}

#[test]
fn transfer_allow_death_reaps_the_sender_and_burns_dust() {
    ExtBuilder::default().build().execute_with(|ext| {
        let value = 50 * UNIT - EXISTENTIAL_DEPOSIT / 2;
        dispatch(ext, Origin::Signed(account(2)), Call::transfer_allow_death { dest: id(1), value }).unwrap();
        assert!(!system::ACCOUNT.contains_key(ext, &account(2)));
        assert_eq!(TOTAL_ISSUANCE.get(ext), 150 * UNIT - EXISTENTIAL_DEPOSIT / 2);
        let dust = Event::DustLost { account: account(2), amount: EXISTENTIAL_DEPOSIT / 2 }.encode();
        assert_eq!(balances_events(ext)[0], dust);
        assert_eq!(system_events(ext), vec![system::Event::KilledAccount { account: account(2) }]);
        assert_invariants(ext);
    });
}

#[test]
fn transfer_errors_change_nothing() {
    ExtBuilder::default().build().execute_with(|ext| {
        let signed = || Origin::Signed(account(1));
        // More than the balance.
        assert_noop(ext, module_error(2), |ext| {
            dispatch(ext, signed(), Call::transfer_allow_death { dest: id(2), value: 101 * UNIT })
        });
        // A new account below the existential deposit.
        assert_noop(ext, module_error(3), |ext| {
            dispatch(ext, signed(), Call::transfer_allow_death { dest: id(9), value: EXISTENTIAL_DEPOSIT - 1 })
        });
        // Keep-alive would reap the sender.
        assert_noop(ext, module_error(4), |ext| {
            dispatch(ext, signed(), Call::transfer_keep_alive { dest: id(2), value: 100 * UNIT })
        });
        // Unsupported address.
        assert_noop(ext, DispatchError::CannotLookup, |ext| {
            dispatch(ext, signed(), Call::transfer_keep_alive { dest: MultiAddress::Index(1), value: 1 })
        });
        // Wrong origins.
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::Root, Call::transfer_keep_alive { dest: id(2), value: 1 })
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, signed(), Call::force_transfer { source: id(1), dest: id(2), value: 1 })
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, signed(), Call::force_set_balance { who: id(1), new_free: 1 })
        });
        assert_invariants(ext);
    });
}

#[test]
fn issuance_overflow_is_an_arithmetic_error() {
    // With the issuance invariant a transfer cannot overflow a balance; minting can overflow
    // the issuance.
    ExtBuilder::default().build().execute_with(|ext| {
        assert_noop(ext, DispatchError::Arithmetic(ArithmeticError::Overflow), |ext| {
            dispatch(ext, Origin::Root, Call::force_set_balance { who: id(3), new_free: Balance::MAX })
        });
    });
}

#[test]
fn zero_and_self_transfers_do_nothing() {
    ExtBuilder::default().build().execute_with(|ext| {
        let before = ext.snapshot();
        dispatch(ext, Origin::Signed(account(1)), Call::transfer_allow_death { dest: id(2), value: 0 }).unwrap();
        dispatch(ext, Origin::Signed(account(1)), Call::transfer_allow_death { dest: id(1), value: 5 }).unwrap();
        assert!(ext.snapshot() == before);
    });
}

#[test]
fn force_transfer_by_root() {
    ExtBuilder::default().build().execute_with(|ext| {
        dispatch(ext, Origin::Root, Call::force_transfer { source: id(2), dest: id(3), value: 7 * UNIT }).unwrap();
        assert_eq!(free_balance(ext, &account(2)), 43 * UNIT);
        assert_eq!(free_balance(ext, &account(3)), 7 * UNIT);
        assert_noop(ext, module_error(2), |ext| {
            dispatch(ext, Origin::Root, Call::force_transfer { source: id(3), dest: id(2), value: 8 * UNIT })
        });
        assert_invariants(ext);
    });
}

#[test]
fn transfer_all_with_and_without_keep_alive() {
    ExtBuilder::default().build().execute_with(|ext| {
        dispatch(ext, Origin::Signed(account(2)), Call::transfer_all { dest: id(3), keep_alive: true }).unwrap();
        assert_eq!(free_balance(ext, &account(2)), EXISTENTIAL_DEPOSIT);
        assert_invariants(ext);
        dispatch(ext, Origin::Signed(account(1)), Call::transfer_all { dest: id(3), keep_alive: false }).unwrap();
        assert!(!system::ACCOUNT.contains_key(ext, &account(1)));
        assert_eq!(free_balance(ext, &account(3)), 150 * UNIT - EXISTENTIAL_DEPOSIT);
        assert_invariants(ext);
    });
}

#[test]
fn force_set_balance_mints_burns_and_reaps() {
    ExtBuilder::default().build().execute_with(|ext| {
        dispatch(ext, Origin::Root, Call::force_set_balance { who: id(1), new_free: 200 * UNIT }).unwrap();
        assert_eq!(TOTAL_ISSUANCE.get(ext), 250 * UNIT);
        assert_invariants(ext);
        dispatch(ext, Origin::Root, Call::force_set_balance { who: id(7), new_free: 3 * UNIT }).unwrap();
        assert_eq!(system_events(ext), vec![system::Event::NewAccount { account: account(7) }]);
        assert_invariants(ext);
        dispatch(ext, Origin::Root, Call::force_set_balance { who: id(1), new_free: 1 }).unwrap();
        assert!(!system::ACCOUNT.contains_key(ext, &account(1)));
        assert_eq!(TOTAL_ISSUANCE.get(ext), 53 * UNIT);
        let set = Event::BalanceSet { who: account(1), free: 0 }.encode();
        assert_eq!(balances_events(ext).last(), Some(&set));
        assert_invariants(ext);
    });
}

#[test]
fn fees_are_withdrawn_and_burned_but_never_reap() {
    ExtBuilder::default().build().execute_with(|ext| {
        assert!(withdraw_fee(ext, &account(1), UNIT));
        assert_eq!(free_balance(ext, &account(1)), 99 * UNIT);
        assert_eq!(TOTAL_ISSUANCE.get(ext), 149 * UNIT);
        assert_invariants(ext);
        assert!(!can_pay_fee(ext, &account(2), 50 * UNIT));
        let before = ext.snapshot();
        assert!(!withdraw_fee(ext, &account(2), 50 * UNIT));
        assert!(!withdraw_fee(ext, &account(9), 1));
        assert!(ext.snapshot() == before);
    });
}

#[test]
fn a_sequence_of_transfers_keeps_issuance_equal_to_the_sum() {
    ExtBuilder::default().build().execute_with(|ext| {
        let steps = [(1u8, 2u8, 30u128), (2, 3, 70), (3, 4, 69), (4, 1, 69), (1, 5, 1)];
        for (from, to, units) in steps {
            let _ = dispatch(
                ext,
                Origin::Signed(account(from)),
                Call::transfer_allow_death { dest: id(to), value: units * UNIT },
            );
            assert_invariants(ext);
        }
    });
}

#[test]
fn custom_genesis() {
    ExtBuilder::default().balances(vec![(account(4), 2 * UNIT)]).build().execute_with(|ext| {
        assert_eq!(TOTAL_ISSUANCE.get(ext), 2 * UNIT);
        assert_eq!(free_balance(ext, &account(1)), 0);
        assert_invariants(ext);
    });
}

fn oplog_entries(ext: &Ext<'_>) -> Vec<accord_pallet_oplog::LogEntry> {
    // Stored by hashed key: read them back in index order.
    let mut entries: Vec<_> =
        accord_pallet_oplog::ENTRIES.iter_from(ext, None, 1000).into_iter().map(|(_, e)| e).collect();
    entries.sort_by_key(|e| e.index);
    entries
}

fn balance_of(state: &[u8]) -> Balance {
    <Balance as codec::Decode>::decode(&mut &state[..]).unwrap()
}

#[test]
fn the_sources_worked_example_logs_d_going_100_200_250() {
    let (c, d) = (account(3), account(4));
    ExtBuilder::default().balances(vec![(c, 500 * UNIT), (d, 100 * UNIT)]).build().execute_with(|ext| {
        dispatch(ext, Origin::Signed(c), Call::transfer_allow_death { dest: id(4), value: 100 * UNIT }).unwrap();
        dispatch(ext, Origin::Signed(c), Call::transfer_allow_death { dest: id(4), value: 50 * UNIT }).unwrap();
        let entries = oplog_entries(ext);
        assert_eq!(entries.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 1, 2, 3], "gap-free, in order");
        let of_d: Vec<(Balance, Balance)> = entries
            .iter()
            .filter(|e| e.data_id.as_slice() == d.as_bytes())
            .map(|e| (balance_of(&e.source_state), balance_of(&e.result_state)))
            .collect();
        assert_eq!(of_d, vec![(100 * UNIT, 200 * UNIT), (200 * UNIT, 250 * UNIT)]);
        assert!(entries.iter().all(|e| e.operator == c && e.op_type == accord_pallet_oplog::OpType::Update));
        let of_c: Vec<Balance> = entries
            .iter()
            .filter(|e| e.data_id.as_slice() == c.as_bytes())
            .map(|e| balance_of(&e.result_state))
            .collect();
        assert_eq!(of_c, vec![400 * UNIT, 350 * UNIT]);
    });
}

#[test]
fn failed_transfers_log_nothing_and_fees_and_root_changes_are_logged() {
    ExtBuilder::default().build().execute_with(|ext| {
        assert_noop(ext, module_error(2), |ext| {
            dispatch(ext, Origin::Signed(account(1)), Call::transfer_allow_death { dest: id(2), value: 1000 * UNIT })
        });
        assert!(oplog_entries(ext).is_empty());
        assert!(withdraw_fee(ext, &account(1), UNIT));
        dispatch(ext, Origin::Root, Call::force_set_balance { who: id(2), new_free: 7 * UNIT }).unwrap();
        let entries = oplog_entries(ext);
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].operator, balance_of(&entries[0].result_state)), (account(1), 99 * UNIT));
        assert_eq!((entries[1].operator, balance_of(&entries[1].result_state)), (ROOT_OPERATOR, 7 * UNIT));
    });
}
