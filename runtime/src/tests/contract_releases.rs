//! Releases of contract targets in the assembled runtime: real EVM code routed by class and
//! data id against the alias's storage, the served version in events and receipts' logs,
//! reverts counted against the version that served them.

use accord_pallet_evm::{self as evm, alias};
use accord_pallet_releases::{self as releases, DataIdRule, Stage, Target, TrafficClass};
use accord_primitives::{Pair, H160, H256};
use accord_support::BoundedVec;

use super::Chain;
use crate::validity::{custom, InvalidTransaction, TransactionValidityError};
use crate::{RuntimeCall, RuntimeEvent};

/// Version 1: `sstore(arg0, 1)`.
const V1: &str = "60016004355500";
/// Version 2: reverts when `arg0` is odd, else `sstore(arg0, 2)`.
const V2: &str = "600435600116601057600260043555005b600080fd";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Init code that deploys `runtime` as it is.
fn deploy(runtime: &str) -> RuntimeCall {
    let len = runtime.len() / 2;
    let init = format!("60{len:02x}600c60003960{len:02x}6000f3{runtime}");
    let init_code = BoundedVec::try_from_vec(hex(&init)).unwrap();
    RuntimeCall::Evm(evm::Call::create { init_code, value: 0, gas_limit: 200_000, salt: None })
}

/// A call of the alias with selector `0x01020304` and argument `n`.
fn call(alias: H160, n: u8) -> RuntimeCall {
    let mut input = vec![1, 2, 3, 4];
    input.extend_from_slice(&word(n).0);
    let input = BoundedVec::try_from_vec(input).unwrap();
    RuntimeCall::Evm(evm::Call::call { contract: alias, input, value: 0, gas_limit: 100_000 })
}

fn word(n: u8) -> H256 {
    let mut w = [0u8; 32];
    w[31] = n;
    H256(w)
}

fn sudo(call: releases::Call<RuntimeCall>) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Releases(call)) })
}

fn in_class(class: TrafficClass, call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Releases(releases::Call::as_class { class, call: Box::new(call) })
}

fn slot(chain: &Chain, contract: H160, n: u8) -> Option<u8> {
    chain.read(|ext| evm::STORAGE.get(ext, &contract, &word(n))).map(|v| v.0[31])
}

/// The `served` of the last `Executed` event, and whether the execution succeeded.
fn last_executed(chain: &Chain) -> (Option<evm::Served>, bool) {
    chain
        .events()
        .into_iter()
        .rev()
        .find_map(|r| match r.event {
            RuntimeEvent::Evm(evm::Event::Executed { served, exit, .. }) => {
                Some((served, exit == evm::ExitReason::Succeeded))
            }
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_contract_target_serves_versions_by_class_and_rolls_back_on_reverts() {
    let mut chain = Chain::dev();
    let (alice, bob, charlie) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Charlie"));
    let me = accord_ethereum::address_of(&alice.account());
    let (v1, v2) = (H160(accord_ethereum::create_address(me, 0)), H160(accord_ethereum::create_address(me, 1)));
    let rule = DataIdRule::Argument { index: 0 };
    let outcomes = chain.produce(&[
        chain.signed(&alice, &deploy(V1), 0),
        chain.signed(&alice, &deploy(V2), 1),
        chain.signed(
            &alice,
            &RuntimeCall::Releases(releases::Call::create_contract_target { code: v1, data_id: rule, init: None }),
            2,
        ),
    ]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "{outcomes:?}");
    let alias = releases::alias_address(0);
    assert_eq!(chain.read(|ext| alias::delegation_of(ext, &alias)), Some(v1));

    // No release: version 1 runs against the alias's storage, never its own.
    chain.produce(&[chain.signed(&bob, &call(alias, 4), 0)]);
    assert_eq!((slot(&chain, alias, 4), slot(&chain, v1, 4)), (Some(1), None));
    assert_eq!(last_executed(&chain), (Some(evm::Served { release: 0, version: 1, code: v1 }), true));
    let served_log = chain.events().into_iter().any(|r| {
        matches!(r.event, RuntimeEvent::Evm(evm::Event::Log { contract, .. }) if contract.0 == alias::SERVED_LOG_ADDRESS)
    });
    assert!(served_log, "the receipt's logs name the version");

    // Version 2 added while the chain runs; a release sends the cohort's pre-release tests
    // to it while production stays on version 1.
    let add = RuntimeCall::Releases(releases::Call::add_contract_version { alias, code: v2 });
    let cohort = BoundedVec::try_from_vec(vec![bob.account()]).unwrap();
    let open = sudo(releases::Call::open_release { target: Target::Contract(alias), new_version: 2, cohort });
    let rules = releases::HealthRules { window: 100, max_failure_bp: 2_000, min_sample: 3 };
    let set_rules = sudo(releases::Call::set_health_rules { rules });
    let outcomes = chain.produce(&[
        chain.signed(&alice, &add, 3),
        chain.signed(&alice, &open, 4),
        chain.signed(&alice, &set_rules, 5),
    ]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "{outcomes:?}");
    chain.produce(&[chain.signed(&bob, &in_class(TrafficClass::PreReleaseTest, call(alias, 6)), 1)]);
    assert_eq!(last_executed(&chain), (Some(evm::Served { release: 1, version: 2, code: v2 }), true));
    chain.produce(&[chain.signed(&charlie, &call(alias, 8), 0)]);
    assert_eq!((slot(&chain, alias, 6), slot(&chain, alias, 8)), (Some(2), Some(1)));
    let outsider = chain.signed(&charlie, &in_class(TrafficClass::PreReleaseTest, call(alias, 10)), 1);
    let refused: TransactionValidityError = InvalidTransaction::Custom(custom::NOT_IN_COHORT).into();
    assert_eq!(chain.validate(&outsider), Err(refused));

    // All of production on version 2, which reverts on odd ids: with the pre-release test's
    // success, two reverts are 2 failures in 3 calls, above 20%: the release rolls back, and
    // the alias designates version 1 again.
    chain.produce(&[chain.signed(&alice, &sudo(releases::Call::start_gray { release: 1, share_bp: 10_000 }), 6)]);
    let reverts: Vec<_> = (0..2).map(|i| chain.signed(&charlie, &call(alias, 2 * i + 1), 1 + i as u32)).collect();
    let outcomes = chain.produce(&reverts);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "a revert is included and pays");
    assert!(!last_executed(&chain).1, "the last one reverted");
    let stage = chain.read(|ext| releases::RELEASES.get(ext, &1)).unwrap().stage;
    assert_eq!(stage, Stage::RolledBack { automatic: true });
    let rolled_back = chain.events().into_iter().any(|r| {
        matches!(r.event, RuntimeEvent::Releases(releases::Event::AutoRolledBack { calls: 3, failures: 2, .. }))
    });
    assert!(rolled_back);
    assert_eq!(chain.read(|ext| alias::delegation_of(ext, &alias)), Some(v1));
    chain.produce(&[chain.signed(&charlie, &call(alias, 9), 3)]);
    assert_eq!(slot(&chain, alias, 9), Some(1), "version 1 serves again");
}

#[test]
fn a_call_that_reaches_no_alias_is_not_charged_for_routing() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let me = accord_ethereum::address_of(&alice.account());
    let v1 = H160(accord_ethereum::create_address(me, 0));
    chain.produce(&[chain.signed(&alice, &deploy(V1), 0)]);
    let direct = chain.produce(&[chain.signed(&alice, &call(v1, 2), 1)]).remove(0).unwrap();
    let declared = call(v1, 2).weight();
    let routing = releases::weights::routed();
    assert!(direct.info.weight.ref_time + routing.ref_time <= declared.ref_time);
    assert_eq!(last_executed(&chain), (None, true));
}

#[test]
fn an_alias_is_initialised_in_the_transaction_that_creates_it() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let me = accord_ethereum::address_of(&alice.account());
    let (v1, v2) = (H160(accord_ethereum::create_address(me, 0)), H160(accord_ethereum::create_address(me, 1)));
    chain.produce(&[chain.signed(&alice, &deploy(V1), 0), chain.signed(&alice, &deploy(V2), 1)]);
    let init = |n: u8| {
        let mut input = vec![1, 2, 3, 4];
        input.extend_from_slice(&word(n).0);
        Some(releases::AliasInit { input: BoundedVec::try_from_vec(input).unwrap(), gas_limit: 100_000 })
    };
    let create = |code, init| {
        let rule = DataIdRule::Argument { index: 0 };
        RuntimeCall::Releases(releases::Call::create_contract_target { code, data_id: rule, init })
    };
    // Version 2 refuses odd ids: its init reverts, and nothing is created.
    let failed = chain.produce(&[chain.signed(&alice, &create(v2, init(3)), 2)]).remove(0).unwrap();
    let init_failed = accord_support::DispatchError::Module(accord_support::ModuleError {
        index: 10,
        error: [releases::Error::InitFailed as u8, 0, 0, 0],
    });
    assert_eq!(failed.result, Err(init_failed));
    assert_eq!(chain.read(|ext| releases::ALIAS_NONCE.get(ext)), 0);
    // Version 1's init writes the alias's storage in the same transaction.
    let created = chain.produce(&[chain.signed(&alice, &create(v1, init(5)), 3)]).remove(0).unwrap();
    assert_eq!(created.result, Ok(()));
    let alias = releases::alias_address(0);
    assert_eq!(slot(&chain, alias, 5), Some(1));
    assert!(created.info.weight.ref_time < create(v1, init(5)).weight().ref_time, "refunded to the gas it used");
}
