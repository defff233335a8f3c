use accord_pallet_alliances as alliances;
use accord_pallet_organizations::{self as organizations, GenesisOrg};
use accord_pallet_system as system;
use accord_primitives::{AccountId32, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{BoundedVec, DispatchError, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

const INDEX: u8 = 12;
const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1), ("Organizations", 7), ("SubchainStatus", INDEX)];

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: INDEX, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, INDEX)
}

#[track_caller]
fn ok(ext: &mut Ext<'_>, origin: Origin, call: Call) {
    dispatch(ext, origin, call).unwrap();
    Pallet::check_state(ext).unwrap();
}

#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call, error: DispatchError) {
    assert_noop(ext, error, |ext| dispatch(ext, origin, call));
    Pallet::check_state(ext).unwrap();
}

fn signed(n: u8) -> Origin {
    Origin::Signed(acc(n))
}

const TOLERANCE: Tolerance = Tolerance { orgs: 0, nodes: 0, tx_count: 5, tps_milli: 500, contracts: 0 };

fn register(orgs: &[OrgCode], interval: u32, grace: u32) -> Call {
    Call::register_subchain {
        name: BoundedVec::try_from_vec(b"ledger".to_vec()).unwrap(),
        genesis: H256([9; 32]),
        orgs: BoundedVec::try_from_vec(orgs.to_vec()).unwrap(),
        interval,
        grace,
        tolerance: TOLERANCE,
    }
}

fn status(height: u64, tx_count: u64, contracts: u32) -> Status {
    Status {
        height,
        block_hash: H256([height as u8; 32]),
        state_root: H256([1; 32]),
        orgs: 3,
        nodes: 4,
        tx_count,
        tps_milli: 2_000,
        contracts,
    }
}

fn report(height: u64, tx_count: u64) -> Call {
    Call::report { subchain: 1, status: status(height, tx_count, 1) }
}

fn run_to(ext: &mut Ext<'_>, n: u32) {
    for b in system::block_number(ext) + 1..=n {
        system::initialize(ext, b, H256([b as u8; 32]));
        Pallet::on_initialize(ext, b);
        Pallet::check_state(ext).unwrap();
    }
}

/// Organizations 1..=4 (admin `10 i`); sub-chain 1 of organizations 1, 2 and 3 (interval 10
/// blocks, grace 2), with monitoring accounts 11, 21 and 31.
fn new_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_000);
        let orgs: Vec<GenesisOrg> = (1..=4).map(|i| GenesisOrg::with_admin(&format!("Org{i}"), acc(i * 10))).collect();
        organizations::build_genesis(ext, &orgs, false).unwrap();
        system::initialize(ext, 1, H256([1; 32]));
        ok(ext, Origin::Root, register(&[1, 2, 3], 10, 2));
        for org in 1..=3u8 {
            ok(ext, signed(org * 10), Call::add_monitor { subchain: 1, org: org as u32, who: acc(org * 10 + 1) });
        }
    });
    t
}

#[test]
fn registration_is_root_only_and_checked() {
    new_ext().execute_with(|ext| {
        noop(ext, signed(10), register(&[1], 10, 2), DispatchError::BadOrigin);
        noop(ext, Origin::Root, register(&[], 10, 2), err(Error::NoMembers));
        noop(ext, Origin::Root, register(&[1, 9], 10, 2), err(Error::UnknownOrg));
        noop(ext, Origin::Root, register(&[1, 2, 1], 10, 2), err(Error::DuplicateOrg));
        noop(ext, Origin::Root, register(&[1], 0, 2), err(Error::BadInterval));
        noop(ext, Origin::Root, register(&[1], 10, 0), err(Error::BadInterval));
        noop(ext, Origin::Root, register(&[1], INTERVAL_MAX + 1, 1), err(Error::BadInterval));
        for _ in 2..=SUBCHAINS_MAX {
            ok(ext, Origin::Root, register(&[1], 10, 2));
        }
        noop(ext, Origin::Root, register(&[1], 10, 2), err(Error::TooManySubchains));
        assert!(events(ext).contains(&Event::SubchainRegistered { subchain: 2, genesis: H256([9; 32]) }));
    });
}

#[test]
fn member_organizations_name_and_withdraw_monitoring_accounts() {
    new_ext().execute_with(|ext| {
        let add = |org, who| Call::add_monitor { subchain: 1, org, who };
        noop(ext, signed(20), add(1, acc(12)), err(Error::NotAdmin));
        noop(ext, signed(40), add(4, acc(41)), err(Error::NotMember));
        noop(ext, signed(10), add(1, acc(21)), err(Error::MonitorExists));
        noop(ext, signed(10), Call::add_monitor { subchain: 7, org: 1, who: acc(12) }, err(Error::UnknownSubchain));
        for i in 1..MONITORS_PER_ORG_MAX {
            ok(ext, signed(10), add(1, acc(100 + i as u8)));
        }
        noop(ext, signed(10), add(1, acc(99)), err(Error::TooManyMonitors));
        let remove = |who| Call::remove_monitor { subchain: 1, who };
        noop(ext, signed(10), remove(acc(99)), err(Error::NotMonitor));
        noop(ext, signed(20), remove(acc(101)), err(Error::NotAdmin));
        ok(ext, signed(10), remove(acc(101)));
        assert_eq!(MONITOR_COUNT.get(ext, &(1, 1)), MONITORS_PER_ORG_MAX - 1);
        noop(ext, signed(101), report(1, 0), err(Error::NotMonitor));
    });
}

#[test]
fn reports_are_sequenced_pinned_to_heights_and_announce_their_changes() {
    new_ext().execute_with(|ext| {
        noop(ext, signed(99), report(10, 100), err(Error::NotMonitor));
        noop(ext, signed(11), Call::report { subchain: 2, status: status(1, 1, 1) }, err(Error::UnknownSubchain));
        ok(ext, signed(11), report(10, 100));
        let first = REPORTS.get(ext, &1, &1).unwrap();
        assert_eq!((first.org, first.status.tx_count), (1, 100));
        let Some(Event::Reported { seq: 1, changes, .. }) =
            events(ext).into_iter().find(|e| matches!(e, Event::Reported { .. }))
        else {
            panic!("no Reported event")
        };
        assert_eq!(changes.len(), 6, "a first report announces every metric from 0");
        noop(ext, signed(21), report(9, 100), err(Error::HeightTooLow));
        // A heartbeat at the same height changes nothing.
        ok(ext, signed(21), report(10, 100));
        assert!(events(ext).iter().any(|e| matches!(e, Event::Reported { seq: 2, changes, .. } if changes.is_empty())));
        ok(ext, signed(31), Call::report { subchain: 1, status: status(20, 150, 2) });
        let changed = events(ext).into_iter().find_map(|e| match e {
            Event::Reported { seq: 3, changes, .. } => Some(changes.into_inner()),
            _ => None,
        });
        assert_eq!(
            changed.unwrap(),
            vec![
                Change { metric: Metric::Height, old: 10, new: 20 },
                Change { metric: Metric::TxCount, old: 100, new: 150 },
                Change { metric: Metric::Contracts, old: 1, new: 2 }
            ]
        );
        assert!(events(ext).contains(&Event::ContractsChanged { subchain: 1, old: 1, new: 2 }));
        // The history is bounded.
        for h in 0..HISTORY_MAX as u64 {
            ok(ext, signed(11), report(21 + h, 150));
        }
        assert_eq!(REPORTS.iter_prefix1(ext, &1, 1_000).len() as u32, HISTORY_MAX);
        assert!(REPORTS.get(ext, &1, &1).is_none());
        // An organization that leaves the consortium loses its monitors' right.
        organizations::dispatch(ext, Origin::Root, organizations::Call::suspend_org { org: 3 }).unwrap();
        noop(ext, signed(31), report(200, 150), err(Error::NotMonitor));
    });
}

#[test]
fn changes_name_every_changed_metric_and_only_those() {
    let base = Status { orgs: 3, nodes: 4, tps_milli: 7, ..status(10, 100, 1) };
    let metrics = |c: BoundedVec<Change, 8>| c.iter().map(|c| c.metric).collect::<Vec<_>>();
    let all = vec![Metric::Height, Metric::Orgs, Metric::Nodes, Metric::TxCount, Metric::Tps, Metric::Contracts];
    assert_eq!(metrics(changes(None, &base)), all, "a first report changes every metric from 0");
    assert!(changes(Some(&base), &base).is_empty());
    let next = Status { height: 11, tx_count: 100, contracts: 2, ..base };
    let listed = changes(Some(&base), &next);
    assert_eq!(metrics(listed.clone()), vec![Metric::Height, Metric::Contracts]);
    assert_eq!((listed[1].old, listed[1].new), (1, 2));
}

#[test]
fn tolerance_bands_decide_what_can_be_disputed() {
    let base = status(10, 100, 1);
    let within = Status { tx_count: 105, tps_milli: 2_500, ..base };
    assert!(beyond_tolerance(&TOLERANCE, &base, &within).is_empty());
    let table = [
        (Status { tx_count: 106, ..base }, vec![Metric::TxCount]),
        (Status { tx_count: 94, ..base }, vec![Metric::TxCount]),
        (Status { tps_milli: 2_501, ..base }, vec![Metric::Tps]),
        (Status { nodes: 5, ..base }, vec![Metric::Nodes]),
        (Status { orgs: 2, contracts: 2, ..base }, vec![Metric::Orgs, Metric::Contracts]),
        (Status { block_hash: H256([0; 32]), ..base }, vec![Metric::Block]),
        (Status { state_root: H256([0; 32]), ..base }, vec![Metric::Block]),
    ];
    for (observed, expected) in table {
        assert_eq!(beyond_tolerance(&TOLERANCE, &base, &observed).into_inner(), expected, "{observed:?}");
    }
}

#[test]
fn disputes_are_checked_bounded_and_resolved() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(11), report(10, 100));
        let dispute = |seq, observed| Call::dispute { subchain: 1, seq, observed };
        noop(ext, signed(11), dispute(1, status(10, 200, 1)), err(Error::OwnReport));
        noop(ext, signed(21), dispute(1, status(11, 200, 1)), err(Error::HeightMismatch));
        noop(ext, signed(21), dispute(1, status(10, 105, 1)), err(Error::WithinTolerance));
        noop(ext, signed(21), dispute(9, status(10, 200, 1)), err(Error::UnknownReport));
        noop(ext, signed(41), dispute(1, status(10, 200, 1)), err(Error::NotMonitor));
        ok(ext, signed(21), dispute(1, status(10, 200, 1)));
        let beyond = BoundedVec::try_from_vec(vec![Metric::TxCount]).unwrap();
        assert!(events(ext).contains(&Event::Disputed { dispute: 1, subchain: 1, seq: 1, org: 2, beyond }));
        noop(ext, signed(21), dispute(1, status(10, 300, 1)), err(Error::AlreadyDisputed));
        for h in 11..14 {
            ok(ext, signed(11), report(h, 100));
            ok(ext, signed(21), dispute((h - 9) as Seq, status(h, 500, 1)));
        }
        ok(ext, signed(11), report(14, 100));
        noop(ext, signed(21), dispute(5, status(14, 500, 1)), err(Error::TooManyDisputes));
        assert_eq!(OPEN_DISPUTES.get(ext, &2), OPEN_DISPUTES_PER_ORG_MAX);

        // Three members: the electorate is organizations 2 and 3, and 2 disputes: no
        // confirming majority is possible, so every dispute went to governance.
        assert!(events(ext).contains(&Event::Escalated { dispute: 1, electorate: 2, confirmations: 0 }));
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Escalated);
        noop(ext, signed(31), Call::confirm { dispute: 1 }, err(Error::Escalated));
        noop(ext, signed(11), Call::confirm { dispute: 9 }, err(Error::UnknownDispute));
        ok(ext, Origin::Root, Call::resolve { dispute: 1, upheld: false });
        noop(ext, signed(31), Call::confirm { dispute: 1 }, err(Error::NotOpen));
        assert_eq!(OPEN_DISPUTES.get(ext, &2), OPEN_DISPUTES_PER_ORG_MAX - 1);

        // Upheld by governance: the report is false, its organization flagged.
        noop(ext, signed(10), Call::resolve { dispute: 2, upheld: true }, DispatchError::BadOrigin);
        ok(ext, Origin::Root, Call::resolve { dispute: 2, upheld: true });
        assert!(REPORTS.get(ext, &1, &2).unwrap().false_report);
        assert_eq!(FLAGS.get(ext, &(1, 1)), 1);
        ok(ext, Origin::Root, Call::resolve { dispute: 3, upheld: false });
        assert!(!REPORTS.get(ext, &1, &3).unwrap().false_report);
        noop(ext, Origin::Root, Call::resolve { dispute: 3, upheld: true }, err(Error::NotOpen));
        noop(ext, Origin::Root, Call::resolve { dispute: 9, upheld: true }, err(Error::UnknownDispute));
        assert!(events(ext).contains(&Event::DisputeClosed { dispute: 2, status: DisputeStatus::Upheld }));
    });
}

#[test]
fn a_silent_subchain_is_flagged_stale_and_a_report_clears_it() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(11), report(10, 100));
        // Reported at block 1: due by 1 + 10 × 2 = 21.
        run_to(ext, 21);
        assert!(!SUBCHAINS.get(ext, &1).unwrap().stale);
        run_to(ext, 22);
        assert!(SUBCHAINS.get(ext, &1).unwrap().stale);
        assert!(events(ext).contains(&Event::Stale { subchain: 1, last_report_at: 1 }));
        run_to(ext, 30);
        assert_eq!(events(ext).iter().filter(|e| matches!(e, Event::Stale { .. })).count(), 1, "flagged once");
        ok(ext, signed(21), report(40, 120));
        assert!(!SUBCHAINS.get(ext, &1).unwrap().stale);
        assert!(events(ext).contains(&Event::Fresh { subchain: 1 }));
    });
}

/// Business chain 1 of the registry, created by organization 1, with blockchain 0 "trade"
/// of organizations 1 and 2, in `status`.
fn business_chain(ext: &mut Ext<'_>, status: alliances::ChainStatus) {
    let name = |t: &str| BoundedVec::try_from_vec(t.as_bytes().to_vec()).unwrap();
    let blockchain = alliances::Blockchain {
        external_id: name("trade-1"),
        name: name("trade"),
        platform: 1,
        orgs: BoundedVec::try_from_vec(vec![1, 2]).unwrap(),
        nodes: BoundedVec::new(),
        node_spec: BoundedVec::new(),
        chain_spec: BoundedVec::new(),
        extra: BoundedVec::new(),
    };
    let chain = alliances::BusinessChain {
        alliance: 1,
        creator: 1,
        name: name("business"),
        mode: alliances::ChainMode::MultiSubchain,
        orgs: BoundedVec::try_from_vec(vec![1, 2, 3]).unwrap(),
        blockchains: BoundedVec::try_from_vec(vec![blockchain]).unwrap(),
        status,
        task: 1,
    };
    alliances::CHAINS.insert(ext, &1, &chain);
}

fn from_chain(chain: u32, blockchain: u32, interval: u32) -> Call {
    Call::register_from_chain { chain, blockchain, genesis: H256([7; 32]), interval, grace: 2, tolerance: TOLERANCE }
}

#[test]
fn a_blockchain_of_the_registry_is_registered_by_its_creator_once_and_membership_follows_it() {
    new_ext().execute_with(|ext| {
        noop(ext, signed(10), from_chain(1, 0, 10), err(Error::UnknownChain));
        business_chain(ext, alliances::ChainStatus::Creating);
        noop(ext, signed(10), from_chain(1, 0, 10), err(Error::ChainNotActive));
        business_chain(ext, alliances::ChainStatus::Active);
        noop(ext, signed(10), from_chain(1, 1, 10), err(Error::UnknownBlockchain));
        noop(ext, signed(20), from_chain(1, 0, 10), err(Error::NotAdmin));
        noop(ext, Origin::Root, from_chain(1, 0, 10), DispatchError::BadOrigin);
        noop(ext, signed(10), from_chain(1, 0, 0), err(Error::BadInterval));
        ok(ext, signed(10), from_chain(1, 0, 10));
        assert!(events(ext).contains(&Event::SubchainRegistered { subchain: 2, genesis: H256([7; 32]) }));
        let sc = SUBCHAINS.get(ext, &2).unwrap();
        assert_eq!((sc.name.as_slice(), sc.orgs.as_slice()), (&b"trade"[..], &[1, 2][..]));
        assert_eq!(CHAIN_OF.get(ext, &2), Some((1, 0)));
        noop(ext, signed(10), from_chain(1, 0, 10), err(Error::AlreadyRegistered));
        noop(ext, signed(30), Call::add_monitor { subchain: 2, org: 3, who: acc(32) }, err(Error::NotMember));
        ok(ext, signed(20), Call::add_monitor { subchain: 2, org: 2, who: acc(22) });
        let report2 = Call::report { subchain: 2, status: status(5, 1, 1) };
        // Organization 2 leaves the blockchain: its monitoring account loses the right.
        let mut chain = alliances::CHAINS.get(ext, &1).unwrap();
        chain.blockchains.as_mut_slice()[0].orgs = BoundedVec::try_from_vec(vec![1]).unwrap();
        alliances::CHAINS.insert(ext, &1, &chain);
        noop(ext, signed(22), report2.clone(), err(Error::NotMonitor));
        chain.blockchains.as_mut_slice()[0].orgs = BoundedVec::try_from_vec(vec![1, 2]).unwrap();
        alliances::CHAINS.insert(ext, &1, &chain);
        ok(ext, signed(22), report2);
        // Organization 3 joins the blockchain: a current member, it may name a monitor.
        chain.blockchains.as_mut_slice()[0].orgs = BoundedVec::try_from_vec(vec![1, 2, 3]).unwrap();
        alliances::CHAINS.insert(ext, &1, &chain);
        ok(ext, signed(30), Call::add_monitor { subchain: 2, org: 3, who: acc(32) });
        for _ in 3..=SUBCHAINS_MAX {
            ok(ext, Origin::Root, register(&[1], 10, 2));
        }
        business_chain(ext, alliances::ChainStatus::Active);
        alliances::CHAINS.insert(ext, &2, &alliances::CHAINS.get(ext, &1).unwrap());
        noop(ext, signed(10), from_chain(2, 0, 10), err(Error::TooManySubchains));
    });
}

/// Organizations 1..=5 (admin `10 i`); sub-chain 1 of organizations `members` with one
/// monitoring account each (`10 i + 1`); organization `members[0]` reported at height 10
/// and `members[1]` disputed it (dispute 1).
fn disputed(members: &[OrgCode]) -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_000);
        let orgs: Vec<GenesisOrg> = (1..=5).map(|i| GenesisOrg::with_admin(&format!("Org{i}"), acc(i * 10))).collect();
        organizations::build_genesis(ext, &orgs, false).unwrap();
        system::initialize(ext, 1, H256([1; 32]));
        ok(ext, Origin::Root, register(members, 10, 2));
        for org in members {
            let admin = *org as u8 * 10;
            ok(ext, signed(admin), Call::add_monitor { subchain: 1, org: *org, who: acc(admin + 1) });
        }
        ok(ext, signed(members[0] as u8 * 10 + 1), report(10, 100));
        let observed = status(10, 200, 1);
        ok(ext, signed(members[1] as u8 * 10 + 1), Call::dispute { subchain: 1, seq: 1, observed });
    });
    t
}

fn suspend(ext: &mut Ext<'_>, org: OrgCode) {
    let call = organizations::Call::suspend_org { org };
    organizations::dispatch_with(ext, Origin::Root, call, &organizations::NoHooks).unwrap();
}

#[test]
fn the_accused_cannot_confirm_its_own_report_and_the_others_decide() {
    disputed(&[1, 2, 3, 4]).execute_with(|ext| {
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Open);
        assert_eq!(DISPUTES.get(ext, &1).unwrap().accused, 1);
        noop(ext, signed(11), Call::confirm { dispute: 1 }, err(Error::Accused));
        noop(ext, signed(21), Call::confirm { dispute: 1 }, err(Error::AlreadyConfirmed));
        // The electorate is 2, 3 and 4: one confirmation is no majority, two are.
        ok(ext, signed(31), Call::confirm { dispute: 1 });
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Open);
        noop(ext, signed(31), Call::confirm { dispute: 1 }, err(Error::AlreadyConfirmed));
        ok(ext, signed(41), Call::confirm { dispute: 1 });
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Confirmed);
        assert!(events(ext).contains(&Event::DisputeClosed { dispute: 1, status: DisputeStatus::Confirmed }));
        assert_eq!(OPEN_DISPUTES.get(ext, &2), 0);
    });
}

#[test]
fn the_majority_is_counted_over_the_current_members() {
    // Five members at registration; organization 5 is suspended: the electorate is 2, 3, 4.
    disputed(&[1, 2, 3, 4, 5]).execute_with(|ext| {
        suspend(ext, 5);
        ok(ext, signed(31), Call::confirm { dispute: 1 });
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Open);
        ok(ext, signed(41), Call::confirm { dispute: 1 });
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Confirmed, "2 of 3, not 2 of 5");
    });
    // Five members; 3 confirms, then 4 and 5 leave: 2 and 3 remain, no majority is possible.
    disputed(&[1, 2, 3, 4, 5]).execute_with(|ext| {
        ok(ext, signed(31), Call::confirm { dispute: 1 });
        suspend(ext, 4);
        suspend(ext, 5);
        noop(ext, signed(41), Call::confirm { dispute: 1 }, err(Error::NotMonitor));
        ok(ext, Origin::Root, Call::resolve { dispute: 1, upheld: true });
        assert_eq!(FLAGS.get(ext, &(1, 1)), 1);
    });
}

#[test]
fn with_two_members_a_dispute_goes_to_governance() {
    disputed(&[1, 2]).execute_with(|ext| {
        let dispute = DISPUTES.get(ext, &1).unwrap();
        assert_eq!(dispute.status, DisputeStatus::Escalated);
        ok(ext, signed(11), report(11, 100));
        ok(ext, signed(21), Call::dispute { subchain: 1, seq: 2, observed: status(11, 300, 1) });
        assert!(events(ext).contains(&Event::Escalated { dispute: 2, electorate: 1, confirmations: 0 }));
        assert_eq!(OPEN_DISPUTES.get(ext, &2), 2, "an escalated dispute holds its slot");
        noop(ext, signed(11), Call::confirm { dispute: 1 }, err(Error::Escalated));
        noop(ext, signed(21), Call::confirm { dispute: 1 }, err(Error::Escalated));
        noop(ext, signed(10), Call::resolve { dispute: 1, upheld: true }, DispatchError::BadOrigin);
        ok(ext, Origin::Root, Call::resolve { dispute: 1, upheld: true });
        assert!(REPORTS.get(ext, &1, &1).unwrap().false_report);
        assert_eq!(FLAGS.get(ext, &(1, 1)), 1);
        assert_eq!(OPEN_DISPUTES.get(ext, &2), 1);
        noop(ext, Origin::Root, Call::resolve { dispute: 1, upheld: false }, err(Error::NotOpen));
    });
}

#[test]
fn a_confirmation_that_leaves_no_majority_escalates() {
    // Four members: the electorate is 2, 3 and 4. Organization 4 is suspended after the
    // dispute; 3's confirmation is 1 of 2, and 2 (the disputer) never confirms.
    disputed(&[1, 2, 3, 4]).execute_with(|ext| {
        suspend(ext, 4);
        ok(ext, signed(31), Call::confirm { dispute: 1 });
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Escalated);
        assert!(events(ext).contains(&Event::Escalated { dispute: 1, electorate: 2, confirmations: 1 }));
        ok(ext, Origin::Root, Call::resolve { dispute: 1, upheld: false });
        assert_eq!(DISPUTES.get(ext, &1).unwrap().status, DisputeStatus::Rejected);
    });
}

#[test]
fn contracts_are_announced_disputed_and_resolved_by_governance() {
    use accord_primitives::H160;
    new_ext().execute_with(|ext| {
        let contract = H160([5; 20]);
        let announce =
            |hash: u8, height| Call::announce_contract { subchain: 1, contract, code_hash: H256([hash; 32]), height };
        noop(ext, signed(99), announce(1, 10), err(Error::NotMonitor));
        noop(ext, Origin::Root, announce(1, 10), DispatchError::BadOrigin);
        noop(
            ext,
            signed(11),
            Call::announce_contract { subchain: 7, contract, code_hash: H256([1; 32]), height: 1 },
            err(Error::UnknownSubchain),
        );
        noop(ext, signed(11), announce(1, 10), err(Error::HeightTooHigh));
        ok(ext, signed(11), Call::report { subchain: 1, status: status(12, 5, 1) });
        noop(ext, signed(11), announce(1, 13), err(Error::HeightTooHigh));
        ok(ext, signed(11), announce(1, 10));
        let announced =
            Event::ContractAnnounced { subchain: 1, contract, code_hash: H256([1; 32]), height: 10, org: 1 };
        assert!(events(ext).contains(&announced));
        noop(ext, signed(21), announce(1, 12), err(Error::AlreadyAnnounced));
        noop(ext, signed(21), announce(2, 9), err(Error::HeightTooLow));
        assert_eq!(CONTRACTS.get(ext, &1, &contract).map(|a| (a.code_hash, a.org)), Some((H256([1; 32]), 1)));

        // Another member observed other code: escalated to governance at once.
        let dispute = |observed| Call::dispute_contract { subchain: 1, contract, observed };
        noop(ext, signed(11), dispute(Some(H256([2; 32]))), err(Error::OwnReport));
        noop(ext, signed(21), dispute(Some(H256([1; 32]))), err(Error::WithinTolerance));
        noop(
            ext,
            signed(21),
            Call::dispute_contract { subchain: 1, contract: H160([6; 20]), observed: None },
            err(Error::UnknownContract),
        );
        noop(ext, signed(99), dispute(None), err(Error::NotMonitor));
        ok(ext, signed(21), dispute(Some(H256([2; 32]))));
        let disputed = CONTRACT_DISPUTES.get(ext, &1, &contract).unwrap();
        assert_eq!(
            (disputed.org, disputed.status, disputed.observed),
            (2, DisputeStatus::Escalated, Some(H256([2; 32])))
        );
        noop(ext, signed(31), dispute(None), err(Error::AlreadyDisputed));
        noop(ext, signed(11), announce(3, 11), err(Error::Escalated));

        // Rejected: the announcement stands. Disputed again and upheld: withdrawn, flagged.
        let resolve = |upheld| Call::resolve_contract { subchain: 1, contract, upheld };
        noop(ext, signed(10), resolve(true), DispatchError::BadOrigin);
        noop(
            ext,
            Origin::Root,
            Call::resolve_contract { subchain: 1, contract: H160([6; 20]), upheld: true },
            err(Error::UnknownDispute),
        );
        ok(ext, Origin::Root, resolve(false));
        assert!(CONTRACTS.contains_key(ext, &1, &contract));
        noop(ext, Origin::Root, resolve(true), err(Error::NotOpen));
        ok(ext, signed(31), dispute(None));
        ok(ext, Origin::Root, resolve(true));
        assert!(events(ext).contains(&Event::ContractDisputeClosed {
            subchain: 1,
            contract,
            status: DisputeStatus::Upheld
        }));
        assert!(!CONTRACTS.contains_key(ext, &1, &contract));
        assert_eq!(FLAGS.get(ext, &(1, 1)), 1);
        // The honest reporter announces again; new code (a release alias repointed) too.
        ok(ext, signed(21), announce(2, 11));
        ok(ext, signed(21), announce(3, 12));
        assert_eq!(CONTRACTS.get(ext, &1, &contract).map(|a| a.code_hash), Some(H256([3; 32])));
    });
}
