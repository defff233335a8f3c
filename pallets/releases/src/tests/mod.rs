use codec::{Decode, Encode};

use accord_pallet_records::{self as records, RecordId, RecordState, REVISIONS};
use accord_pallet_system as system;
use accord_pallet_validators as validators;
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::{AccountId32, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{DispatchError, DispatchResult, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

mod contracts;

const INDEX: u8 = 10;
const PALLETS: PalletIndices =
    &[("System", 0), ("Timestamp", 1), ("Oplog", 4), ("Records", 5), ("Validators", 6), ("Releases", INDEX)];
const GENESIS: H256 = H256([1; 32]);

/// The runtime's calls, for the tests: a records call (a release target) or another one.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
enum TestCall {
    Records(records::Call),
    Plain,
}

impl RoutedCall for TestCall {
    fn routed(&self, _: &Ext<'_>) -> Option<(Target, Vec<u8>)> {
        match self {
            TestCall::Records(c) => Some((Target::Records, c.data_id().to_vec())),
            TestCall::Plain => None,
        }
    }
}

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: INDEX, error: [e as u8, 0, 0, 0] })
}

fn records_err(e: records::Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: 5, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, INDEX)
}

fn validator(i: u8) -> Ed25519Pair {
    Ed25519Pair::from_seed(&[i; 32])
}

/// Runs a call in a class as the runtime does: `as_class` routes its inner call.
fn run_in_class(ext: &mut Ext<'_>, origin: Origin, class: TrafficClass, call: TestCall) -> DispatchResult {
    match call {
        TestCall::Records(c) => {
            let version = route(ext, Target::Records, class, c.data_id()).version;
            records::dispatch_version(ext, origin, c, version)
        }
        TestCall::Plain => Ok(()),
    }
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
    accord_pallet_evm::Pallet::check_state(ext).unwrap();
}

#[track_caller]
fn ok(ext: &mut Ext<'_>, origin: Origin, call: Call<TestCall>) {
    dispatch(ext, origin, call, run_in_class).unwrap();
    check(ext);
}

#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call<TestCall>, error: DispatchError) {
    assert_noop(ext, error, |ext| dispatch(ext, origin, call, run_in_class));
    check(ext);
}

/// A transaction as the executive applies it: routed before, dispatched in a layer, its
/// outcome reported after the layer closed. Returns the result and the version that ran.
fn submit(ext: &mut Ext<'_>, who: u8, class: Option<TrafficClass>, call: records::Call) -> (DispatchResult, Version) {
    let routed = route(ext, Target::Records, class.unwrap_or(TrafficClass::Production), call.data_id());
    let origin = Origin::Signed(acc(who));
    let result = ext.transactional(|ext| match class {
        None => records::dispatch_version(ext, origin, call, routed.version),
        Some(class) => {
            dispatch(ext, origin, Call::as_class { class, call: Box::new(TestCall::Records(call)) }, run_in_class)
        }
    });
    note_outcome(ext, &routed, result.is_ok());
    check(ext);
    (result, routed.version)
}

fn rid(s: &str) -> RecordId {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn st(s: &str) -> RecordState {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn create(id: &str, state: &str) -> records::Call {
    records::Call::create { id: rid(id), state: st(state), payload_hash: H256([0; 32]) }
}

fn update(id: &str, state: &str) -> records::Call {
    records::Call::update_state { id: rid(id), state: st(state) }
}

fn cohort(accounts: &[u8]) -> BoundedVec<AccountId32, COHORT_MAX> {
    BoundedVec::try_from_vec(accounts.iter().map(|a| acc(*a)).collect()).unwrap()
}

fn open(new_version: Version) -> Call<TestCall> {
    Call::open_release { target: Target::Records, new_version, cohort: cohort(&[7]) }
}

fn signed_signal(ext: &Ext<'_>, i: u8, versions: &[(Target, Version)]) -> Call<TestCall> {
    let pair = validator(i);
    let signal = Signal {
        key: pair.public(),
        versions: BoundedVec::try_from_vec(versions.to_vec()).unwrap(),
        at: system::block_number(ext),
    };
    let signature = pair.sign(&signal_payload(&GENESIS, &signal));
    Call::signal_support { signal, signature }
}

fn next_block(ext: &mut Ext<'_>) {
    let n = system::block_number(ext) + 1;
    system::initialize(ext, n, H256([n as u8; 32]));
}

/// Three validators; `supporting` of them signalled versions 1 and 2 of `Records`.
fn new_ext(supporting: u8) -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_000);
        let keys: Vec<_> = (1..=3).map(|i| validator(i).public()).collect();
        validators::build_genesis(ext, &keys).unwrap();
        system::initialize(ext, 1, GENESIS);
        for i in 1..=supporting {
            let call = signed_signal(ext, i, &[(Target::Records, 1), (Target::Records, 2)]);
            ok(ext, Origin::None, call);
        }
        next_block(ext);
    });
    t
}

fn stage(ext: &Ext<'_>, id: ReleaseId) -> Stage {
    RELEASES.get(ext, &id).unwrap().stage
}

#[test]
fn a_release_routes_each_class_through_pre_release_gray_and_switch() {
    new_ext(3).execute_with(|ext| {
        assert_eq!(submit(ext, 7, None, create("a", "x")), (Ok(()), 1));
        ok(ext, Origin::Root, open(2));
        assert_eq!(stage(ext, 1), Stage::PreRelease);
        assert!(events(ext).contains(&Event::ReleaseOpened { release: 1, target: Target::Records, old: 1, new: 2 }));

        // Pre-release: the cohort's pre-release tests run version 2, all else version 1.
        let pre = Some(TrafficClass::PreReleaseTest);
        assert_eq!(submit(ext, 7, pre, update("a", "y")), (Ok(()), 2));
        assert_eq!(REVISIONS.get(ext, &rid("a")), Some(1), "version 2 counts revisions");
        assert_eq!(submit(ext, 7, pre, update("a", "y")).0, Err(records_err(records::Error::UnchangedState)));
        assert_eq!(submit(ext, 7, Some(TrafficClass::GrayTest), update("a", "z")), (Ok(()), 1));
        assert_eq!(submit(ext, 8, None, create("b", "x")), (Ok(()), 1));
        let outsider = submit(ext, 8, pre, update("b", "y"));
        assert_eq!(outsider, (Err(err(Error::NotInCohort)), 2));
        assert!(events(ext).contains(&Event::Routed {
            release: 1,
            class: TrafficClass::PreReleaseTest,
            version: 2,
            success: true
        }));

        // Gray: tests run version 2, and the data ids in the share.
        ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 2_000 });
        assert_eq!(submit(ext, 7, Some(TrafficClass::GrayTest), update("a", "w")), (Ok(()), 2));
        let ids: Vec<String> = (0..200).map(|i| format!("id{i}")).collect();
        let to_new =
            ids.iter().filter(|id| route(ext, Target::Records, TrafficClass::Production, id.as_bytes()).version == 2);
        let count = to_new.count();
        assert!((20..=60).contains(&count), "about 20% of 200 ids: {count}");

        // Switch: everything runs version 2, which becomes the current version.
        ok(ext, Origin::Root, Call::switch { release: 1 });
        assert_eq!(submit(ext, 8, None, update("b", "y")), (Ok(()), 2));
        assert_eq!(current_version(ext, Target::Records), 2);
        // Rollback from switched: everything runs version 1 again.
        ok(ext, Origin::Root, Call::rollback { release: 1 });
        assert_eq!(stage(ext, 1), Stage::RolledBack { automatic: false });
        assert_eq!(submit(ext, 8, None, update("b", "y")), (Ok(()), 1), "version 1 accepts an unchanged state");
        assert_eq!(current_version(ext, Target::Records), 1);
        let history: Vec<Stage> = RELEASES.get(ext, &1).unwrap().history.iter().map(|e| e.stage).collect();
        assert_eq!(
            history,
            vec![
                Stage::PreRelease,
                Stage::Gray { share_bp: 2_000 },
                Stage::Switched,
                Stage::RolledBack { automatic: false }
            ]
        );
        // No live release: no Routed event, and test classes are refused.
        assert_eq!(submit(ext, 7, pre, update("a", "v")).0, Err(err(Error::NotInCohort)));
    });
}

#[test]
fn stage_changes_out_of_order_and_bad_input_change_nothing() {
    new_ext(3).execute_with(|ext| {
        let signed = Origin::Signed(acc(7));
        noop(ext, signed.clone(), open(2), DispatchError::BadOrigin);
        noop(ext, Origin::Root, open(3), err(Error::UnknownVersion));
        noop(ext, Origin::Root, open(1), err(Error::SameVersion));
        let empty = Call::open_release { target: Target::Records, new_version: 2, cohort: cohort(&[]) };
        noop(ext, Origin::Root, empty, err(Error::EmptyCohort));
        noop(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 10 }, err(Error::UnknownRelease));
        ok(ext, Origin::Root, open(2));
        noop(ext, Origin::Root, open(2), err(Error::ReleaseLive));
        noop(ext, Origin::Root, Call::switch { release: 1 }, err(Error::StageOutOfOrder));
        noop(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 10_001 }, err(Error::ShareTooLarge));
        noop(ext, signed.clone(), Call::start_gray { release: 1, share_bp: 10 }, DispatchError::BadOrigin);
        noop(ext, signed.clone(), Call::switch { release: 1 }, DispatchError::BadOrigin);
        noop(ext, signed.clone(), Call::rollback { release: 1 }, DispatchError::BadOrigin);
        noop(ext, Origin::Root, Call::switch { release: 2 }, err(Error::UnknownRelease));
        noop(ext, Origin::Root, Call::rollback { release: 2 }, err(Error::UnknownRelease));
        ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 10_000 });
        // A share may change in gray, until the history keeps only the rollback's slot.
        for share in 1..(HISTORY_MAX - 2) {
            ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: share as u16 });
        }
        noop(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 5 }, err(Error::TooManyStageChanges));
        noop(ext, Origin::Root, Call::switch { release: 1 }, err(Error::TooManyStageChanges));
        ok(ext, Origin::Root, Call::rollback { release: 1 });
        assert_eq!(RELEASES.get(ext, &1).unwrap().history.len() as u32, HISTORY_MAX);
        noop(ext, Origin::Root, Call::rollback { release: 1 }, err(Error::StageOutOfOrder));
        noop(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 5 }, err(Error::StageOutOfOrder));
        noop(ext, Origin::Root, Call::set_cohort { release: 1, cohort: cohort(&[1]) }, err(Error::StageOutOfOrder));

        // A switched release is final once a later release of its target opens.
        ok(ext, Origin::Root, open(2));
        ok(ext, Origin::Root, Call::start_gray { release: 2, share_bp: 0 });
        ok(ext, Origin::Root, Call::switch { release: 2 });
        assert_eq!(current_version(ext, Target::Records), 2);
        ok(ext, Origin::Root, open(1));
        assert_eq!(RELEASES.get(ext, &3).unwrap().old, 2, "a release replaces the current version");
        noop(ext, Origin::Root, Call::rollback { release: 2 }, err(Error::StageOutOfOrder));
        noop(ext, Origin::Root, Call::set_cohort { release: 3, cohort: cohort(&[]) }, err(Error::EmptyCohort));
        noop(ext, Origin::Root, Call::set_cohort { release: 4, cohort: cohort(&[1]) }, err(Error::UnknownRelease));
        noop(ext, signed, Call::set_cohort { release: 3, cohort: cohort(&[1]) }, DispatchError::BadOrigin);
        ok(ext, Origin::Root, Call::set_cohort { release: 3, cohort: cohort(&[1, 2]) });
        assert_eq!(RELEASES.get(ext, &3).unwrap().cohort.len(), 2);
        assert!(events(ext).contains(&Event::CohortSet { release: 3, size: 2 }));
    });
}

#[test]
fn health_rules_are_checked() {
    new_ext(3).execute_with(|ext| {
        let set = |window, max_failure_bp, min_sample| Call::set_health_rules {
            rules: HealthRules { window, max_failure_bp, min_sample },
        };
        noop(ext, Origin::Root, set(0, 100, 1), err(Error::BadHealthRules));
        noop(ext, Origin::Root, set(WINDOW_MAX + 1, 100, 1), err(Error::BadHealthRules));
        noop(ext, Origin::Root, set(10, 10_001, 1), err(Error::BadHealthRules));
        noop(ext, Origin::Root, set(10, 100, 0), err(Error::BadHealthRules));
        noop(ext, Origin::Signed(acc(1)), set(10, 100, 1), DispatchError::BadOrigin);
        ok(ext, Origin::Root, set(10, 100, 1));
        assert_eq!(health_rules(ext), HealthRules { window: 10, max_failure_bp: 100, min_sample: 1 });
    });
}

#[test]
fn as_class_needs_a_routed_call_a_signed_sender_and_the_cohort() {
    new_ext(3).execute_with(|ext| {
        let plain = |class| Call::as_class { class, call: Box::new(TestCall::Plain) };
        noop(ext, Origin::Signed(acc(7)), plain(TrafficClass::Production), err(Error::NotRouted));
        let records = |class| Call::as_class { class, call: Box::new(TestCall::Records(create("c", "x"))) };
        noop(ext, Origin::Root, records(TrafficClass::Production), DispatchError::BadOrigin);
        noop(ext, Origin::Signed(acc(7)), records(TrafficClass::GrayTest), err(Error::NotInCohort));
        // Production is anyone's class, with or without a release.
        ok(ext, Origin::Signed(acc(8)), records(TrafficClass::Production));
        assert_eq!(check_class(ext, &acc(7), Target::Records, TrafficClass::PreReleaseTest), Err(Error::NotInCohort));
        ok(ext, Origin::Root, open(2));
        assert_eq!(check_class(ext, &acc(7), Target::Records, TrafficClass::PreReleaseTest), Ok(()));
        assert_eq!(check_class(ext, &acc(8), Target::Records, TrafficClass::GrayTest), Err(Error::NotInCohort));
    });
}

#[test]
fn a_release_needs_every_validator_to_support_its_version() {
    new_ext(2).execute_with(|ext| {
        noop(ext, Origin::Root, open(2), err(Error::NotSupportedByValidators));
        // The third validator runs only version 1.
        let call = signed_signal(ext, 3, &[(Target::Records, 1)]);
        ok(ext, Origin::None, call);
        noop(ext, Origin::Root, open(2), err(Error::NotSupportedByValidators));
        next_block(ext);
        let call = signed_signal(ext, 3, &[(Target::Records, 1), (Target::Records, 2)]);
        ok(ext, Origin::None, call);
        ok(ext, Origin::Root, open(2));
        // A validator that stops supporting it holds the next stage back.
        next_block(ext);
        let call = signed_signal(ext, 3, &[(Target::Records, 1)]);
        ok(ext, Origin::None, call);
        noop(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 100 }, err(Error::NotSupportedByValidators));
        next_block(ext);
        let call = signed_signal(ext, 3, &[(Target::Records, 1), (Target::Records, 2)]);
        ok(ext, Origin::None, call);
        ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 100 });
        next_block(ext);
        let call = signed_signal(ext, 3, &[(Target::Records, 1)]);
        ok(ext, Origin::None, call);
        noop(ext, Origin::Root, Call::switch { release: 1 }, err(Error::NotSupportedByValidators));
        // A rollback always goes through.
        ok(ext, Origin::Root, Call::rollback { release: 1 });
    });
}

#[test]
fn signals_are_checked_like_an_inherent() {
    new_ext(0).execute_with(|ext| {
        let versions = shipped_versions();
        assert_eq!(versions.as_slice(), [(Target::Records, 1), (Target::Records, 2)], "every shipped pair, sorted");
        let good = signed_signal(ext, 1, &versions);
        noop(ext, Origin::Signed(acc(1)), good.clone(), DispatchError::BadOrigin);
        // Not a validator's key.
        noop(ext, Origin::None, signed_signal(ext, 9, &versions), err(Error::BadSignal));
        // Signed for another block.
        let Call::signal_support { mut signal, signature } = good.clone() else { unreachable!() };
        signal.at += 1;
        noop(ext, Origin::None, Call::signal_support { signal: signal.clone(), signature }, err(Error::BadSignal));
        // A signature over other versions.
        let Call::signal_support { mut signal, signature } = good.clone() else { unreachable!() };
        signal.versions = BoundedVec::try_from_vec(vec![(Target::Records, 1)]).unwrap();
        noop(ext, Origin::None, Call::signal_support { signal, signature }, err(Error::BadSignal));
        // Unsorted or repeated versions.
        let unsorted = signed_signal(ext, 1, &[(Target::Records, 2), (Target::Records, 1)]);
        noop(ext, Origin::None, unsorted, err(Error::BadSignal));
        let repeated = signed_signal(ext, 1, &[(Target::Records, 1), (Target::Records, 1)]);
        noop(ext, Origin::None, repeated, err(Error::BadSignal));

        let key = validator(1).public();
        assert!(signal_to_send(ext, &key, &versions).is_some());
        assert!(signal_to_send(ext, &validator(9).public(), &versions).is_none(), "not a validator");
        ok(ext, Origin::None, good.clone());
        assert!(events(ext).iter().any(|e| matches!(e, Event::SupportSignalled { key: k, .. } if *k == key)));
        assert!(SUPPORT.get(ext, &key).unwrap().supports(Target::Records, 2));
        // Once per block, and only when it changes.
        noop(ext, Origin::None, good, err(Error::BadSignal));
        assert!(signal_to_send(ext, &key, &versions).is_none());
        let older = BoundedVec::from_array([(Target::Records, 1)]);
        assert!(signal_to_send(ext, &key, &older).is_some());
    });
}

/// splitmix64: a seeded stream of pseudo-random numbers.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn routing_is_deterministic_and_the_share_is_within_one_point() {
    new_ext(3).execute_with(|ext| {
        ok(ext, Origin::Root, open(2));
        let mut seed = 42;
        let ids: Vec<Vec<u8>> = (0..10_000).map(|_| splitmix(&mut seed).to_le_bytes().to_vec()).collect();
        let mut previous: Vec<Version> = vec![1; ids.len()];
        for share_bp in [500u16, 2_000, 5_000, 9_000] {
            ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp });
            let versions: Vec<Version> =
                ids.iter().map(|id| route(ext, Target::Records, TrafficClass::Production, id).version).collect();
            let again: Vec<Version> =
                ids.iter().map(|id| route(ext, Target::Records, TrafficClass::Production, id).version).collect();
            assert_eq!(versions, again, "the same data id gets the same version at a given stage");
            let to_new = versions.iter().filter(|v| **v == 2).count() as i64;
            let expected = share_bp as i64;
            assert!((to_new - expected).abs() <= 100, "share {share_bp} bp routed {to_new} of 10,000 ids to new");
            // A larger share only adds ids to the new version.
            assert!(previous.iter().zip(&versions).all(|(p, v)| *p == 1 || *v == 2));
            previous = versions;
        }
        // The bucket is the documented hash.
        let mut data = b"accord/route".to_vec();
        data.extend_from_slice(&1u32.to_le_bytes());
        data.extend_from_slice(b"order-1");
        let hash = accord_primitives::hashing::blake2_256(&data);
        let expected = u64::from_le_bytes(hash[..8].try_into().unwrap()) % 10_000;
        assert_eq!(bucket_of(1, b"order-1") as u64, expected);
    });
}

/// A seeded stream of production updates in gray at 50%: a share of them resend the
/// current state, which version 2 refuses. Returns the block of the automatic rollback.
fn gray_stream(ext: &mut Ext<'_>, unchanged_percent: u64, blocks: u32) -> Option<u32> {
    for i in 0..40 {
        submit(ext, 8, None, create(&format!("r{i}"), "s0")).0.unwrap();
    }
    ok(ext, Origin::Root, open(2));
    ok(
        ext,
        Origin::Root,
        Call::set_health_rules { rules: HealthRules { window: 20, max_failure_bp: 2_500, min_sample: 20 } },
    );
    ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 5_000 });
    let mut seed = 7;
    for _ in 0..blocks {
        next_block(ext);
        for _ in 0..10 {
            let id = format!("r{}", splitmix(&mut seed) % 40);
            let state = records::RECORDS.get(ext, &rid(&id)).unwrap().state;
            let resend = splitmix(&mut seed) % 100 < unchanged_percent;
            let next = if resend { state.to_vec() } else { splitmix(&mut seed).to_le_bytes().to_vec() };
            let call = records::Call::update_state { id: rid(&id), state: BoundedVec::try_from_vec(next).unwrap() };
            let (result, version) = submit(ext, 8, None, call);
            assert!(result.is_ok() || (version == 2 && resend), "only version 2 refuses resent states");
            if stage(ext, 1) == (Stage::RolledBack { automatic: true }) {
                return Some(system::block_number(ext));
            }
        }
    }
    None
}

#[test]
fn a_failing_new_version_rolls_back_by_itself_with_the_figures() {
    new_ext(3).execute_with(|ext| {
        let at = gray_stream(ext, 60, 30).expect("60% resent states under version 2 exceed the 25% bound");
        let (calls, failures) = totals(&HEALTH.get(ext, &1, &2), &health_rules(ext), at);
        assert!(calls >= 20 && failures * 4 > calls, "{failures} of {calls}");
        assert!(events(ext).contains(&Event::AutoRolledBack {
            release: 1,
            version: 2,
            calls,
            failures,
            max_failure_bp: 2_500
        }));
        assert_eq!(ROUTES.get(ext, &Target::Records, &TrafficClass::Production), None);
        // Everything runs version 1 again, which accepts resent states.
        assert_eq!(submit(ext, 8, None, update("r1", "same")), (Ok(()), 1));
        assert_eq!(submit(ext, 8, None, update("r1", "same")), (Ok(()), 1));
        noop(ext, Origin::Root, Call::switch { release: 1 }, err(Error::StageOutOfOrder));
    });
}

#[test]
fn a_healthy_new_version_stays_and_old_failures_age_out_of_the_window() {
    new_ext(3).execute_with(|ext| {
        assert_eq!(gray_stream(ext, 5, 30), None, "5% resent states stay under the 25% bound");
        assert!(matches!(stage(ext, 1), Stage::Gray { .. }));
        let rules = health_rules(ext);
        let now = system::block_number(ext);
        let (calls, _) = totals(&HEALTH.get(ext, &1, &2), &rules, now);
        assert!(calls > 0 && calls < 30 * 10, "only the window's blocks count: {calls}");
        let window = HEALTH.get(ext, &1, &2);
        assert!(window.len() as u32 <= BUCKETS + 1);
        assert_eq!(totals(&window, &rules, now + rules.window + rules.bucket_len()), (0, 0));
    });
}
