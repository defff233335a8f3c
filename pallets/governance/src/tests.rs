use codec::{Decode, Encode};

use accord_pallet_organizations::{self as organizations, Category, Credentials, GenesisOrg};
use accord_pallet_system as system;
use accord_primitives::{AccountId32, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{DispatchError, DispatchResult, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

const INDEX: u8 = 9;
const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1), ("Organizations", 7), ("Governance", INDEX)];

/// A runtime call for the tests: `SetFlag` needs root (class 2) and writes a flag.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
enum TestCall {
    SetFlag(u8),
    Heavy,
    Long(Vec<u8>),
    Plain,
    Fails,
}

impl ManagementCall for TestCall {
    fn management_class(&self) -> Option<Class> {
        match self {
            TestCall::SetFlag(_) | TestCall::Fails => Some(2),
            TestCall::Heavy => Some(3),
            TestCall::Long(_) => Some(4),
            TestCall::Plain => None,
        }
    }
    fn call_weight(&self) -> Weight {
        match self {
            TestCall::Heavy => CALL_WEIGHT_MAX.saturating_add(Weight::from_ref_time(1)),
            _ => Weight::from_ref_time(1_000_000),
        }
    }
    fn decode_stored(bytes: &[u8]) -> Option<Self> {
        TestCall::decode(&mut &bytes[..]).ok()
    }
}

fn flag(ext: &Ext<'_>) -> Option<u8> {
    ext.get(b"flag").map(|v| v[0])
}

fn run_root(ext: &mut Ext<'_>, call: TestCall) -> DispatchResult {
    match call {
        TestCall::SetFlag(v) => {
            ext.set(b"flag".to_vec(), vec![v]);
            Ok(())
        }
        TestCall::Fails => Err(DispatchError::BadOrigin),
        _ => Ok(()),
    }
}

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn admin(org: OrgCode) -> Origin {
    Origin::Signed(acc(org as u8 * 10))
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: INDEX, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, INDEX)
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
}

#[track_caller]
fn ok(ext: &mut Ext<'_>, origin: Origin, call: Call<TestCall>) {
    dispatch(ext, origin, call, run_root).unwrap();
    check(ext);
}

#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call<TestCall>, error: DispatchError) {
    assert_noop(ext, error, |ext| dispatch(ext, origin, call, run_root));
    check(ext);
}

fn run_to(ext: &mut Ext<'_>, n: BlockNumber) {
    for b in system::block_number(ext) + 1..=n {
        system::initialize(ext, b, H256([b as u8; 32]));
        on_initialize::<TestCall>(ext, b, run_root);
        check(ext);
    }
}

fn propose(org: OrgCode, call: TestCall) -> Call<TestCall> {
    Call::propose { org, call: Box::new(call) }
}

fn vote(proposal: ProposalId, org: OrgCode, vote: VoteKind) -> Call<TestCall> {
    Call::vote { proposal, org, vote }
}

fn status(ext: &Ext<'_>, id: ProposalId) -> ProposalStatus {
    PROPOSALS.get(ext, &id).unwrap().status
}

/// `count` organizations, organization `i`'s admin being account `10 i`.
fn new_ext(count: u8) -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_000);
        let orgs: Vec<GenesisOrg> =
            (1..=count).map(|i| GenesisOrg::with_admin(&format!("Org{i}"), acc(i * 10))).collect();
        organizations::build_genesis(ext, &orgs, false).unwrap();
        system::initialize(ext, 1, H256([1; 32]));
    });
    t
}

#[test]
fn a_majority_passes_and_the_proposer_executes_the_exact_call_once() {
    new_ext(3).execute_with(|ext| {
        ok(ext, admin(1), propose(1, TestCall::SetFlag(7)));
        let p = PROPOSALS.get(ext, &1).unwrap();
        assert_eq!(p.electorate.as_slice(), &[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(p.voting_ends, 1 + DEFAULT_RULES.voting_period);
        let evs = events(ext);
        assert!(matches!(evs[0], Event::Proposed { proposal: 1, org: 1, class: 2, .. }));
        assert_eq!(evs.iter().filter(|e| matches!(e, Event::VoteRequested { .. })).count(), 3);

        ok(ext, admin(1), vote(1, 1, VoteKind::Aye));
        assert_eq!(status(ext, 1), ProposalStatus::Voting, "one aye of three is not a majority");
        // A vote may change while open.
        ok(ext, admin(2), vote(1, 2, VoteKind::Nay));
        ok(ext, admin(2), vote(1, 2, VoteKind::Aye));
        assert_eq!(status(ext, 1), ProposalStatus::Passed, "two of three: fixed whatever the third does");
        let tally = Tally { aye: 2, nay: 0, abstain: 0, outstanding: 1, total: 3, voters: 2 };
        assert!(events(ext).contains(&Event::Passed { proposal: 1, tally, permission_until: Some(1 + 600) }));
        noop(ext, admin(3), vote(1, 3, VoteKind::Nay), err(Error::NotVoting));

        let execute = |call| Call::execute { proposal: 1, call: Box::new(call) };
        noop(ext, admin(2), execute(TestCall::SetFlag(7)), err(Error::NotProposer));
        noop(ext, admin(1), execute(TestCall::SetFlag(8)), err(Error::WrongCall));
        assert_eq!(flag(ext), None);
        ok(ext, admin(1), execute(TestCall::SetFlag(7)));
        assert_eq!(flag(ext), Some(7));
        assert_eq!(status(ext, 1), ProposalStatus::Executed);
        assert!(events(ext).contains(&Event::Executed { proposal: 1, result: Ok(()) }));
        noop(ext, admin(1), execute(TestCall::SetFlag(7)), err(Error::NoPermission));
        noop(
            ext,
            admin(1),
            Call::execute { proposal: 9, call: Box::new(TestCall::Plain) },
            err(Error::UnknownProposal),
        );
    });
}

#[test]
fn propose_refuses_what_could_never_execute_or_overflow() {
    new_ext(3).execute_with(|ext| {
        noop(ext, admin(2), propose(1, TestCall::SetFlag(1)), err(Error::NotAdmin));
        noop(ext, Origin::Root, propose(1, TestCall::SetFlag(1)), DispatchError::BadOrigin);
        noop(ext, admin(1), propose(1, TestCall::Plain), err(Error::NotManagement));
        noop(ext, admin(1), propose(1, TestCall::Heavy), err(Error::CallTooHeavy));
        noop(ext, admin(1), propose(1, TestCall::Long(vec![0; CALL_LEN_MAX as usize])), err(Error::CallTooLong));
        for i in 0..OPEN_PER_ORG_MAX as u8 {
            ok(ext, admin(1), propose(1, TestCall::SetFlag(i)));
        }
        noop(ext, admin(1), propose(1, TestCall::SetFlag(9)), err(Error::TooManyProposals));
        ok(ext, admin(2), propose(2, TestCall::SetFlag(9)));
        // The last active organization cannot be suspended, so an electorate always exists.
        for org in [2, 3] {
            organizations::dispatch(ext, Origin::Root, organizations::Call::suspend_org { org }).unwrap();
        }
        let last = organizations::Call::suspend_org { org: 1 };
        let refused = DispatchError::Module(ModuleError {
            index: 7,
            error: [organizations::Error::LastActiveOrg as u8, 0, 0, 0],
        });
        assert_eq!(organizations::dispatch(ext, Origin::Root, last), Err(refused));
        assert_eq!(organizations::active_orgs(ext), vec![1]);
    });
}

#[test]
fn the_live_bound_counts_open_proposals_and_permissions() {
    new_ext(9).execute_with(|ext| {
        for i in 0..OPEN_MAX {
            let org = i / OPEN_PER_ORG_MAX + 1;
            ok(ext, admin(org), propose(org, TestCall::SetFlag(i as u8)));
        }
        noop(ext, admin(9), propose(9, TestCall::SetFlag(0)), err(Error::TooManyProposals));
    });
}

#[test]
fn rejection_is_early_when_no_vote_can_save_it_and_expiry_needs_the_quorum() {
    new_ext(3).execute_with(|ext| {
        ok(ext, admin(1), propose(1, TestCall::SetFlag(1)));
        ok(ext, admin(2), vote(1, 2, VoteKind::Nay));
        ok(ext, admin(3), vote(1, 3, VoteKind::Nay));
        assert_eq!(status(ext, 1), ProposalStatus::Rejected);
        noop(
            ext,
            admin(1),
            Call::execute { proposal: 1, call: Box::new(TestCall::SetFlag(1)) },
            err(Error::NoPermission),
        );

        // One aye: no quorum at the deadline -> expired.
        ok(ext, admin(1), propose(1, TestCall::SetFlag(2)));
        ok(ext, admin(1), vote(2, 1, VoteKind::Aye));
        // One aye and one abstention: quorum, too few ayes -> rejected at the deadline.
        ok(ext, admin(1), propose(1, TestCall::SetFlag(3)));
        ok(ext, admin(1), vote(3, 1, VoteKind::Aye));
        ok(ext, admin(2), vote(3, 2, VoteKind::Abstain));
        let ends = PROPOSALS.get(ext, &3).unwrap().voting_ends;
        run_to(ext, ends);
        assert_eq!((status(ext, 2), status(ext, 3)), (ProposalStatus::Voting, ProposalStatus::Voting));
        run_to(ext, ends + 1);
        assert_eq!(status(ext, 2), ProposalStatus::Expired);
        assert_eq!(status(ext, 3), ProposalStatus::Rejected);
        assert!(LIVE.get(ext).is_empty());
    });
}

#[test]
fn with_two_organizations_a_majority_needs_both() {
    new_ext(2).execute_with(|ext| {
        ok(ext, admin(1), propose(1, TestCall::SetFlag(1)));
        ok(ext, admin(1), vote(1, 1, VoteKind::Aye));
        assert_eq!(status(ext, 1), ProposalStatus::Voting);
        ok(ext, admin(2), vote(1, 2, VoteKind::Aye));
        assert_eq!(status(ext, 1), ProposalStatus::Passed);
    });
}

#[test]
fn the_electorate_is_a_snapshot_at_proposal_time() {
    new_ext(3).execute_with(|ext| {
        ok(ext, admin(1), propose(1, TestCall::SetFlag(1)));
        // A fourth organization registered afterwards has no vote on it.
        let register = organizations::Call::register_org {
            name: organizations::Name::try_from_vec(b"Late".to_vec()).unwrap(),
            category: Category::OnCloud,
            admins: organizations::AdminList::try_from_vec(vec![acc(40)]).unwrap(),
            credentials: Credentials::default(),
        };
        organizations::dispatch(ext, Origin::Root, register).unwrap();
        noop(ext, admin(4), vote(1, 4, VoteKind::Aye), err(Error::NotInElectorate));
        // A suspended one keeps its place but cannot vote: it counts as not voting.
        organizations::dispatch(ext, Origin::Root, organizations::Call::suspend_org { org: 3 }).unwrap();
        noop(ext, admin(3), vote(1, 3, VoteKind::Aye), err(Error::NotAdmin));
        ok(ext, admin(1), vote(1, 1, VoteKind::Aye));
        ok(ext, admin(2), vote(1, 2, VoteKind::Aye));
        assert_eq!(status(ext, 1), ProposalStatus::Passed, "two of the three snapshot organizations");
        noop(ext, admin(1), vote(9, 1, VoteKind::Aye), err(Error::UnknownProposal));
        // The next proposal's electorate has the fourth and not the suspended third.
        ok(ext, admin(1), propose(1, TestCall::SetFlag(2)));
        assert_eq!(PROPOSALS.get(ext, &2).unwrap().electorate.as_slice(), &[(1, 1), (2, 1), (4, 1)]);
    });
}

#[test]
fn weights_rules_and_execute_on_pass_are_set_by_root() {
    new_ext(3).execute_with(|ext| {
        noop(ext, admin(1), Call::set_weight { org: 1, weight: 3 }, DispatchError::BadOrigin);
        noop(ext, Origin::Root, Call::set_weight { org: 1, weight: 0 }, err(Error::BadWeight));
        noop(ext, Origin::Root, Call::set_weight { org: 1, weight: WEIGHT_MAX + 1 }, err(Error::BadWeight));
        noop(ext, Origin::Root, Call::set_weight { org: 9, weight: 2 }, err(Error::UnknownOrg));
        ok(ext, Origin::Root, Call::set_weight { org: 1, weight: 3 });
        let bad = Rules { approval_percent: 0, ..DEFAULT_RULES };
        noop(ext, Origin::Root, Call::set_rules { class: None, rules: bad }, err(Error::BadRules));
        let bad = Rules { voting_period: 0, ..DEFAULT_RULES };
        noop(ext, Origin::Root, Call::set_rules { class: Some(2), rules: bad }, err(Error::BadRules));
        let instant = Rules { execute_on_pass: true, ..DEFAULT_RULES };
        ok(ext, Origin::Root, Call::set_rules { class: Some(2), rules: instant });
        assert!(events(ext).contains(&Event::RulesSet { class: Some(2), rules: instant }));

        // Organization 1 weighs 3 of 5: its aye alone is 60% > 51%, and the quorum.
        ok(ext, admin(1), propose(1, TestCall::SetFlag(5)));
        assert_eq!(PROPOSALS.get(ext, &1).unwrap().electorate.as_slice(), &[(1, 3), (2, 1), (3, 1)]);
        ok(ext, admin(1), vote(1, 1, VoteKind::Aye));
        assert_eq!(status(ext, 1), ProposalStatus::Passed);
        noop(
            ext,
            admin(1),
            Call::execute { proposal: 1, call: Box::new(TestCall::SetFlag(5)) },
            err(Error::NoPermission),
        );
        assert_eq!(flag(ext), None);
        run_to(ext, 2);
        assert_eq!(flag(ext), Some(5), "executed at the start of the next block");
        assert_eq!(status(ext, 1), ProposalStatus::Executed);
        // A failing call is reported and used up all the same.
        ok(ext, admin(1), propose(1, TestCall::Fails));
        ok(ext, admin(1), vote(2, 1, VoteKind::Aye));
        run_to(ext, 3);
        assert!(events(ext).contains(&Event::Executed { proposal: 2, result: Err(DispatchError::BadOrigin) }));
    });
}

#[test]
fn an_unused_permission_lapses() {
    new_ext(1).execute_with(|ext| {
        ok(ext, admin(1), propose(1, TestCall::SetFlag(1)));
        ok(ext, admin(1), vote(1, 1, VoteKind::Aye));
        let until = PROPOSALS.get(ext, &1).unwrap().permission_until.unwrap();
        run_to(ext, until);
        assert_eq!(status(ext, 1), ProposalStatus::Passed);
        system::initialize(ext, until + 1, H256([0; 32]));
        noop(
            ext,
            admin(1),
            Call::execute { proposal: 1, call: Box::new(TestCall::SetFlag(1)) },
            err(Error::PermissionExpired),
        );
        on_initialize::<TestCall>(ext, until + 1, run_root);
        assert_eq!(status(ext, 1), ProposalStatus::Lapsed);
        assert!(events(ext).contains(&Event::PermissionLapsed { proposal: 1 }));
        check(ext);
    });
}

#[test]
fn every_call_weighs_less_than_a_normal_block() {
    let limit = Weight::from_ref_time(1_500_000_000_000);
    let calls: Vec<Call<TestCall>> = vec![
        propose(1, TestCall::Plain),
        vote(1, 1, VoteKind::Aye),
        Call::execute { proposal: 1, call: Box::new(TestCall::SetFlag(1)) },
        Call::set_rules { class: None, rules: DEFAULT_RULES },
        Call::set_weight { org: 1, weight: 2 },
    ];
    for call in calls {
        assert!(!call.weight().any_gt(limit), "{call:?}");
    }
    assert!(!weights::execute().saturating_add(CALL_WEIGHT_MAX).any_gt(limit));
}

#[test]
fn the_execution_queue_spends_a_budget_per_block_and_closes_undecodable_calls() {
    new_ext(1).execute_with(|ext| {
        let instant = Rules { execute_on_pass: true, ..DEFAULT_RULES };
        ok(ext, Origin::Root, Call::set_rules { class: Some(2), rules: instant });
        // Three passes in one block; a stored call corrupted before it runs.
        for v in 1..=3 {
            ok(ext, admin(1), propose(1, TestCall::SetFlag(v)));
            ok(ext, admin(1), vote(v as u32, 1, VoteKind::Aye));
        }
        PROPOSALS.mutate_existing_for_test(ext, 3);
        run_to(ext, 2);
        assert_eq!(flag(ext), Some(2), "proposals 1 and 2 ran in order");
        assert_eq!(status(ext, 3), ProposalStatus::Executed);
        assert!(events(ext).iter().any(|e| matches!(e, Event::Executed { proposal: 3, result: Err(_) })));
        assert!(EXECUTE_QUEUE.get(ext).is_empty() && LIVE.get(ext).is_empty());
    });
}

trait CorruptForTest {
    fn mutate_existing_for_test(&self, ext: &mut Ext<'_>, id: ProposalId);
}

impl CorruptForTest
    for accord_support::StorageMap<ProposalId, Proposal, accord_support::Twox64Concat, accord_support::OptionQuery>
{
    /// Replaces the stored call with bytes no `TestCall` decodes from (keeping the hash in step).
    fn mutate_existing_for_test(&self, ext: &mut Ext<'_>, id: ProposalId) {
        let mut p = self.get(ext, &id).unwrap();
        p.call = accord_support::BoundedVec::try_from_vec(vec![0xff]).unwrap();
        p.call_hash = crate::tally::blake2_hash(&p.call);
        self.insert(ext, &id, &p);
    }
}
