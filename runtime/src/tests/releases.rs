//! Releases in the assembled runtime: routing in real blocks, the traffic-class checks at
//! validation, health counted for failed dispatches, validators' signal inherents.

use codec::Encode;

use accord_pallet_records as records;
use accord_pallet_releases::{self as releases, Stage, Target, TrafficClass, HEALTH};
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::{Pair, UncheckedExtrinsic, H256};
use accord_support::BoundedVec;

use super::Chain;
use crate::validity::{custom, InvalidTransaction, TransactionValidityError};
use crate::{GenesisConfig, RuntimeCall, RuntimeEvent};

fn sudo(call: releases::Call<RuntimeCall>) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Releases(call)) })
}

fn update(id: &str, state: &str) -> RuntimeCall {
    RuntimeCall::Records(records::Call::update_state {
        id: BoundedVec::try_from_vec(id.as_bytes().to_vec()).unwrap(),
        state: BoundedVec::try_from_vec(state.as_bytes().to_vec()).unwrap(),
    })
}

fn create(id: &str, state: &str) -> RuntimeCall {
    RuntimeCall::Records(records::Call::create {
        id: BoundedVec::try_from_vec(id.as_bytes().to_vec()).unwrap(),
        state: BoundedVec::try_from_vec(state.as_bytes().to_vec()).unwrap(),
        payload_hash: H256([0; 32]),
    })
}

fn in_class(class: TrafficClass, call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Releases(releases::Call::as_class { class, call: Box::new(call) })
}

fn routed_events(chain: &Chain) -> Vec<releases::Event> {
    chain
        .events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Releases(e @ releases::Event::Routed { .. }) => Some(e),
            _ => None,
        })
        .collect()
}

fn custom_error(code: u8) -> TransactionValidityError {
    InvalidTransaction::Custom(code).into()
}

#[test]
fn routed_calls_run_their_version_and_failures_count() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let cohort = BoundedVec::try_from_vec(vec![alice.account()]).unwrap();
    let open = sudo(releases::Call::open_release { target: Target::Records, new_version: 2, cohort });
    let outcomes = chain.produce(&[
        chain.signed(&alice, &create("r", "a"), 0),
        chain.signed(&bob, &create("s", "a"), 0),
        chain.signed(&alice, &open, 1),
    ]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "{outcomes:?}");
    assert!(routed_events(&chain).is_empty(), "no release was live for the creates");
    assert_eq!(chain.read(|ext| releases::RELEASES.get(ext, &1)).unwrap().stage, Stage::PreRelease);

    // A test class from outside the cohort, or around a call no release routes, is refused
    // at validation, before it costs anything.
    let bob_test = chain.signed(&bob, &in_class(TrafficClass::PreReleaseTest, update("r", "b")), 1);
    assert_eq!(chain.validate(&bob_test), Err(custom_error(custom::NOT_IN_COHORT)));
    assert_eq!(custom::describe(custom::NOT_IN_COHORT).map(|d| d.contains("cohort")), Some(true));
    let transfer = RuntimeCall::Balances(accord_pallet_balances::Call::transfer_keep_alive {
        dest: accord_primitives::MultiAddress::Id(bob.account()),
        value: 1,
    });
    let not_routed = chain.signed(&alice, &in_class(TrafficClass::Production, transfer), 2);
    assert_eq!(chain.validate(&not_routed), Err(custom_error(custom::NOT_ROUTED)));

    // The cohort's pre-release test runs version 2, which refuses an unchanged state: the
    // failure is counted although the dispatch was rolled back.
    let same = chain.signed(&alice, &in_class(TrafficClass::PreReleaseTest, update("r", "a")), 2);
    let changed = chain.signed(&alice, &in_class(TrafficClass::PreReleaseTest, update("r", "c")), 3);
    let production = chain.signed(&bob, &update("s", "a"), 1);
    let outcomes = chain.produce(&[same, changed, production]);
    let results: Vec<_> = outcomes.iter().map(|o| o.as_ref().unwrap().result.is_ok()).collect();
    assert_eq!(results, vec![false, true, true], "{outcomes:?}");
    let routed = routed_events(&chain);
    let seen: Vec<(TrafficClass, u16, bool)> = routed
        .iter()
        .map(|e| match e {
            releases::Event::Routed { class, version, success, .. } => (*class, *version, *success),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (TrafficClass::PreReleaseTest, 2, false),
            (TrafficClass::PreReleaseTest, 2, true),
            (TrafficClass::Production, 1, true)
        ]
    );
    let (new, old) = chain.read(|ext| (HEALTH.get(ext, &1, &2), HEALTH.get(ext, &1, &1)));
    assert_eq!((new[0].calls, new[0].failures), (2, 1));
    assert_eq!((old[0].calls, old[0].failures), (1, 0));
    let revision = chain.read(|ext| records::REVISIONS.get(ext, &BoundedVec::try_from_vec(b"r".to_vec()).unwrap()));
    assert_eq!(revision, Some(1), "only version 2 counts revisions");
}

fn signal_inherent(chain: &Chain, pair: &Ed25519Pair, versions: &[(Target, u16)], at: u32) -> UncheckedExtrinsic {
    let signal =
        releases::Signal { key: pair.public(), versions: BoundedVec::try_from_vec(versions.to_vec()).unwrap(), at };
    let signature = pair.sign(&releases::signal_payload(&chain.genesis_hash(), &signal));
    let call = RuntimeCall::Releases(releases::Call::signal_support { signal, signature });
    UncheckedExtrinsic::new_unsigned(&call.encode())
}

#[test]
fn validators_signal_their_versions_in_inherents() {
    let pairs: Vec<Ed25519Pair> = (1..=2).map(|i| Ed25519Pair::from_seed(&[i; 32])).collect();
    let config = GenesisConfig { validators: pairs.iter().map(|p| p.public()).collect(), ..GenesisConfig::dev() };
    let mut chain = Chain::from_config(&config);
    let all = crate::logic_versions();
    assert_eq!(all.as_slice(), [(Target::Records, 1), (Target::Records, 2)]);
    let older = BoundedVec::from_array([(Target::Records, 1)]);

    // A signal is an inherent: a pool refuses it, a block takes it.
    let first = signal_inherent(&chain, &pairs[0], &all, 1);
    assert_eq!(chain.validate(&first), Err(InvalidTransaction::MandatoryValidation.into()));
    let outcomes = chain.produce(&[first.clone(), signal_inherent(&chain, &pairs[1], &older, 1)]);
    assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
    let stored = chain.read(|ext| releases::SUPPORT.get(ext, &pairs[1].public())).unwrap();
    assert!(!stored.supports(Target::Records, 2));

    // Replayed, signed for another block, or by a key that is not a validator's: refused.
    let stranger = Ed25519Pair::from_seed(&[9; 32]);
    for xt in [first, signal_inherent(&chain, &pairs[0], &all, 5), signal_inherent(&chain, &stranger, &all, 2)] {
        let mut exec = crate::BlockExecution::initialize(
            &chain.state,
            chain.best().hash(),
            chain.best_number() + 1,
            Default::default(),
        );
        exec.apply(&crate::timestamp_inherent(1_800_000_000_000)).unwrap();
        assert_eq!(exec.apply(&xt).map(|_| ()), Err(InvalidTransaction::BadProof.into()));
    }

    // The node builds its inherent only when its stored signal differs.
    let sign = |m: &[u8]| pairs[1].sign(m);
    let mut exec = crate::BlockExecution::initialize(
        &chain.state,
        chain.best().hash(),
        chain.best_number() + 1,
        Default::default(),
    );
    exec.apply(&crate::timestamp_inherent(1_800_000_000_000)).unwrap();
    assert!(crate::logic_signal_inherent(exec.ext(), &pairs[1].public(), &older, &sign).is_none());
    let xt = crate::logic_signal_inherent(exec.ext(), &pairs[1].public(), &all, &sign).expect("it changed");
    assert!(exec.apply(&xt).is_ok());
}

#[test]
fn operators_name_versions_and_the_route_answer_names_bad_input() {
    use crate::parse_logic_versions;
    assert_eq!(
        parse_logic_versions("Records:2, records:1,Records:2"),
        Ok(BoundedVec::from_array([(Target::Records, 1), (Target::Records, 2)]))
    );
    assert_eq!(parse_logic_versions(""), Ok(BoundedVec::new()));
    for (bad, why) in
        [("Records", "Target:version"), ("Ledger:1", "no such target"), ("Records:x", "number"), ("Records:9", "ships")]
    {
        let error = parse_logic_versions(bad).unwrap_err();
        assert!(error.contains(why), "{bad}: {error}");
    }
    let chain = Chain::dev();
    chain.read(|ext| {
        let answer = crate::route_answer(ext, "records", "production", b"order-1").unwrap();
        assert_eq!((answer.version, answer.release, answer.bucket), (1, None, None));
        assert!(crate::route_answer(ext, "Ledger", "production", b"x").unwrap_err().contains("unknown target"));
        assert!(crate::route_answer(ext, "Records", "beta", b"x").unwrap_err().contains("unknown traffic class"));
        let long = vec![0u8; accord_pallet_oplog::DATA_ID_LEN_MAX as usize + 1];
        assert!(crate::route_answer(ext, "Records", "grayTest", &long).unwrap_err().contains("longer"));
    });
}

#[test]
fn the_route_answer_names_a_contract_targets_code() {
    let chain = Chain::dev();
    chain.read(|ext| {
        let alias = releases::alias_address(0);
        let name = Target::Contract(alias).name();
        let error = crate::route_answer(ext, &name, "production", &[0; 32]).unwrap_err();
        assert!(error.contains("unknown target") && error.contains("alias"), "{error}");
        assert!(crate::parse_logic_versions(&format!("{name}:1")).unwrap_err().contains("no such target"));
    });
}
