use accord_pallet_organizations::{
    self as organizations, Category, Credentials, Endpoint, GenesisNode, GenesisOrg, NodeRole, ResourceSpace,
    StorageMedium,
};
use accord_pallet_system as system;
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::{AccountId32, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{BoundedVec, DispatchError, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

const INDEX: u8 = 8;
const PALLETS: PalletIndices =
    &[("System", 0), ("Timestamp", 1), ("Validators", 6), ("Organizations", 7), ("Alliances", INDEX)];

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

/// The admin account of organization `org` (1 -> 10, 2 -> 20, ...).
fn admin(org: OrgCode) -> Origin {
    Origin::Signed(acc(org as u8 * 10))
}

/// A (non-admin) member account of `org`: its driver's.
fn driver(org: OrgCode) -> Origin {
    Origin::Signed(acc(org as u8 * 10 + 1))
}

fn name(s: &str) -> Name {
    Name::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn node(n: u8) -> NodeKey {
    Ed25519Pair::from_uri(&format!("//Node{n}")).unwrap().public()
}

fn ep(host: &str, port: u16) -> Endpoint {
    Endpoint { host: BoundedVec::try_from_vec(host.as_bytes().to_vec()).unwrap(), port }
}

fn orgs(list: &[OrgCode]) -> OrgList {
    OrgList::try_from_vec(list.to_vec()).unwrap()
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
    organizations::Pallet::check_state(ext).unwrap();
}

#[track_caller]
fn ok(ext: &mut Ext<'_>, origin: Origin, call: Call) {
    dispatch(ext, origin, call).unwrap();
    check(ext);
}

#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call, error: Error) {
    assert_noop(ext, err(error), |ext| dispatch(ext, origin, call));
    check(ext);
}

/// Runs the block hooks of the blocks after the current one up to `n`.
fn run_to(ext: &mut Ext<'_>, n: BlockNumber) {
    for b in system::block_number(ext) + 1..=n {
        system::initialize(ext, b, H256([b as u8; 32]));
        Pallet::on_initialize(ext, b);
        check(ext);
    }
}

/// Five organizations: 1 and 2 off-cloud with two nodes each (//Node1, //Node2 of 1 in
/// 10.0.0.1; //Node3, //Node4 of 2 in 10.0.0.2), 3 on-cloud with //Node5, 4 and 5 on-cloud
/// without nodes. Organization `i`'s admin is account `10 i`, its member `10 i + 1`.
fn new_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_000);
        let physical = |host: &str| {
            ResourceSpace::Physical(BoundedVec::try_from_vec((1..=4).map(|p| ep(host, p)).collect()).unwrap())
        };
        let gnode = |n: u8, host: &str, port: u16| GenesisNode {
            key: node(n),
            address: ep(host, port),
            role: NodeRole::Validator,
            medium: StorageMedium::Ssd,
        };
        let org = |code: u8, category, space, nodes| GenesisOrg {
            name: format!("Org{code}").into_bytes(),
            category,
            space,
            admins: vec![acc(code * 10)],
            members: vec![acc(code * 10 + 1)],
            nodes,
            credentials: Credentials::default(),
        };
        let list = vec![
            org(
                1,
                Category::OffCloud,
                Some(physical("10.0.0.1")),
                vec![gnode(1, "10.0.0.1", 1), gnode(2, "10.0.0.1", 2)],
            ),
            org(
                2,
                Category::OffCloud,
                Some(physical("10.0.0.2")),
                vec![gnode(3, "10.0.0.2", 1), gnode(4, "10.0.0.2", 2)],
            ),
            org(3, Category::OnCloud, None, vec![gnode(5, "cloud.example", 9)]),
            org(4, Category::OnCloud, None, vec![]),
            org(5, Category::OnCloud, None, vec![]),
        ];
        organizations::build_genesis(ext, &list, false).unwrap();
        build_genesis(ext);
        system::initialize(ext, 1, H256([1; 32]));
        check(ext);
    });
    t
}

fn create(org: OrgCode, invitees: &[OrgCode], deadline: BlockNumber) -> Call {
    Call::create_alliance {
        org,
        name: name("Trade"),
        platform: 1,
        invitees: BoundedVec::try_from_vec(invitees.to_vec()).unwrap(),
        deadline,
    }
}

/// Alliance 1 led by organization 1, with `others` accepted (each also invited).
fn alliance_of(ext: &mut Ext<'_>, others: &[OrgCode]) -> AllianceId {
    ok(ext, admin(1), create(1, others, 100));
    let id = LAST_ALLIANCE.get(ext);
    for org in others {
        ok(ext, admin(*org), Call::accept_invitation { alliance: id, org: *org });
    }
    id
}

fn blockchain(id: &str, orgs_: &[OrgCode], nodes: &[u8]) -> Blockchain {
    Blockchain {
        external_id: name(id),
        name: name(id),
        platform: 1,
        orgs: orgs(orgs_),
        nodes: BoundedVec::try_from_vec(nodes.iter().map(|n| node(*n)).collect()).unwrap(),
        node_spec: BoundedVec::try_from_vec(b"cpu=1".to_vec()).unwrap(),
        chain_spec: BoundedVec::try_from_vec(b"consensus=bft".to_vec()).unwrap(),
        extra: BoundedVec::new(),
    }
}

fn chain_call(alliance: AllianceId, org: OrgCode, mode: ChainMode, orgs_: &[OrgCode], chains: Vec<Blockchain>) -> Call {
    Call::create_business_chain {
        alliance,
        org,
        name: name("Ledger"),
        mode,
        orgs: orgs(orgs_),
        blockchains: BoundedVec::try_from_vec(chains).unwrap(),
    }
}

/// Business chain `LastChain + 1` of organizations 1 and 2 in alliance `id`, one
/// blockchain on //Node1 (of 1) and //Node3 (of 2), created by 1's admin; its creation task.
fn two_org_chain(ext: &mut Ext<'_>, id: AllianceId) -> TaskId {
    ok(ext, admin(1), chain_call(id, 1, ChainMode::MultiSubchain, &[1, 2], vec![blockchain("a", &[1, 2], &[1, 3])]));
    CHAINS.get(ext, &LAST_CHAIN.get(ext)).unwrap().task
}

fn task(ext: &Ext<'_>, id: TaskId) -> Task {
    TASKS.get(ext, &id).unwrap()
}

#[test]
fn invitations_make_the_alliance_active_one_invitee_at_a_time() {
    new_ext().execute_with(|ext| {
        ok(ext, admin(1), create(1, &[2, 3], 50));
        let a = ALLIANCES.get(ext, &1).unwrap();
        assert_eq!((a.status, a.members.as_slice(), a.leader), (AllianceStatus::Forming, &[1][..], 1));
        assert_eq!(INVITATIONS.get(ext, &1, &2), Some(a.task));
        assert!(events(ext).contains(&Event::Invited { alliance: 1, org: 3, deadline: 51 }));

        ok(ext, admin(2), Call::accept_invitation { alliance: 1, org: 2 });
        let a = ALLIANCES.get(ext, &1).unwrap();
        assert_eq!((a.status, a.members.as_slice()), (AllianceStatus::Active, &[1, 2][..]));
        assert_eq!(task(ext, a.task).progress(), (1, 2));
        assert_eq!(task(ext, a.task).status, TaskStatus::Running);
        ok(ext, admin(3), Call::reject_invitation { alliance: 1, org: 3 });
        assert_eq!(task(ext, a.task).status, TaskStatus::Succeeded);
        assert_eq!(ALLIANCES.get(ext, &1).unwrap().members.as_slice(), &[1, 2]);
        assert!(events(ext).contains(&Event::InvitationRejected { alliance: 1, org: 3 }));

        noop(ext, admin(3), Call::accept_invitation { alliance: 1, org: 3 }, Error::NoInvitation);
        noop(ext, admin(2), Call::accept_invitation { alliance: 1, org: 2 }, Error::NoInvitation);
        noop(ext, driver(2), Call::accept_invitation { alliance: 1, org: 2 }, Error::NotAdmin);
    });
}

#[test]
fn create_alliance_checks_everything() {
    new_ext().execute_with(|ext| {
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::Root, create(1, &[2], 50)));
        noop(ext, driver(1), create(1, &[2], 50), Error::NotAdmin);
        noop(ext, admin(2), create(1, &[2], 50), Error::NotAdmin);
        let nameless = Call::create_alliance {
            org: 1,
            name: name(""),
            platform: 1,
            invitees: BoundedVec::try_from_vec(vec![2]).unwrap(),
            deadline: 50,
        };
        noop(ext, admin(1), nameless, Error::EmptyName);
        let Call::create_alliance { name: n, invitees, .. } = create(1, &[2], 50) else { unreachable!() };
        noop(
            ext,
            admin(1),
            Call::create_alliance { org: 1, name: n, platform: 9, invitees, deadline: 50 },
            Error::UnknownPlatform,
        );
        noop(ext, admin(1), create(1, &[], 50), Error::NoInvitees);
        noop(ext, admin(1), create(1, &[1], 50), Error::BadInvitee);
        noop(ext, admin(1), create(1, &[2, 2], 50), Error::BadInvitee);
        noop(ext, admin(1), create(1, &[99], 50), Error::BadInvitee);
        noop(ext, admin(1), create(1, &[2], DEADLINE_MIN - 1), Error::BadDeadline);
        noop(ext, admin(1), create(1, &[2], DEADLINE_MAX + 1), Error::BadDeadline);
        // A suspended organization cannot be invited.
        organizations::dispatch(ext, Origin::Root, organizations::Call::suspend_org { org: 3 }).unwrap();
        noop(ext, admin(1), create(1, &[3], 50), Error::BadInvitee);
        // Deadlines falling in one full block move to the next with room.
        for _ in 0..DEADLINES_PER_BLOCK_MAX {
            tasks::schedule(ext, 51, Due::Deletion(999)).unwrap();
        }
        ok(ext, admin(1), create(1, &[2], 50));
        assert_eq!(task(ext, 1).deadline, 52);
    });
}

#[test]
fn an_alliance_nobody_joins_is_removed() {
    new_ext().execute_with(|ext| {
        ok(ext, admin(1), create(1, &[2, 3], 50));
        ok(ext, admin(2), Call::reject_invitation { alliance: 1, org: 2 });
        assert!(ALLIANCES.get(ext, &1).is_some(), "one invitee may still accept");
        ok(ext, admin(3), Call::reject_invitation { alliance: 1, org: 3 });
        assert_eq!(task(ext, 1).status, TaskStatus::Failed(TaskFailure::NoInvitationAccepted));
        assert!(ALLIANCES.get(ext, &1).is_none(), "compensation: the alliance is gone");
        assert!(ORG_ALLIANCES.get(ext, &1, &1).is_none());
        assert!(events(ext).contains(&Event::AllianceRemoved { alliance: 1 }));
    });
}

#[test]
fn unanswered_invitations_expire_at_their_deadline() {
    new_ext().execute_with(|ext| {
        ok(ext, admin(1), create(1, &[2, 3], 20));
        ok(ext, admin(2), Call::accept_invitation { alliance: 1, org: 2 });
        run_to(ext, 20);
        assert_eq!(task(ext, 1).status, TaskStatus::Running);
        run_to(ext, 21);
        assert_eq!(task(ext, 1).status, TaskStatus::Succeeded);
        assert!(events(ext).contains(&Event::InvitationExpired { alliance: 1, org: 3 }));
        noop(ext, admin(3), Call::accept_invitation { alliance: 1, org: 3 }, Error::NoInvitation);
        // Nobody answered: removed at the deadline.
        ok(ext, admin(4), create(4, &[5], 10));
        run_to(ext, 31);
        assert!(ALLIANCES.get(ext, &2).is_none());
        assert_eq!(task(ext, 2).status, TaskStatus::Failed(TaskFailure::NoInvitationAccepted));
    });
}

#[test]
fn joining_needs_every_members_approval() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        let join = |deadline| Call::request_join { alliance: id, org: 4, deadline };
        ok(ext, admin(4), join(30));
        let request = JOIN_REQUESTS.get(ext, &id, &4).unwrap();
        assert_eq!(task(ext, request.task).parts.as_slice(), &[(1, PartStatus::Waiting), (2, PartStatus::Waiting)]);
        noop(ext, admin(4), join(30), Error::RequestExists);
        noop(ext, admin(2), Call::request_join { alliance: id, org: 2, deadline: 30 }, Error::AlreadyMember);
        noop(ext, admin(4), Call::request_join { alliance: 9, org: 4, deadline: 30 }, Error::UnknownAlliance);

        let approve = |member| Call::approve_join { alliance: id, joiner: 4, member };
        ok(ext, admin(1), approve(1));
        noop(ext, admin(1), approve(1), Error::AlreadyAnswered);
        noop(ext, admin(3), approve(3), Error::NotMember);
        noop(ext, admin(1), approve(2), Error::NotAdmin);
        noop(ext, admin(1), Call::approve_join { alliance: id, joiner: 5, member: 1 }, Error::NoRequest);
        assert!(!ALLIANCES.get(ext, &id).unwrap().members.contains(&4), "one approval of two is not enough");
        ok(ext, admin(2), approve(2));
        assert_eq!(ALLIANCES.get(ext, &id).unwrap().members.as_slice(), &[1, 2, 4]);
        assert_eq!(task(ext, request.task).status, TaskStatus::Succeeded);
        assert!(JOIN_REQUESTS.get(ext, &id, &4).is_none());

        // A forming alliance takes no requests.
        ok(ext, admin(3), create(3, &[5], 50));
        noop(ext, admin(4), Call::request_join { alliance: 2, org: 4, deadline: 30 }, Error::AllianceNotActive);
    });
}

#[test]
fn one_rejection_ends_a_request_and_silence_lets_it_expire() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        ok(ext, admin(4), Call::request_join { alliance: id, org: 4, deadline: 30 });
        ok(ext, admin(1), Call::approve_join { alliance: id, joiner: 4, member: 1 });
        ok(ext, admin(2), Call::reject_join { alliance: id, joiner: 4, member: 2 });
        let t = LAST_TASK.get(ext);
        assert_eq!(task(ext, t).status, TaskStatus::Failed(TaskFailure::Rejected { by: 2 }));
        assert!(JOIN_REQUESTS.get(ext, &id, &4).is_none());
        noop(ext, admin(2), Call::reject_join { alliance: id, joiner: 4, member: 2 }, Error::NoRequest);

        // Member 2 never answers: the request expires at its deadline, and may be made again.
        ok(ext, admin(4), Call::request_join { alliance: id, org: 4, deadline: 30 });
        ok(ext, admin(1), Call::approve_join { alliance: id, joiner: 4, member: 1 });
        let t = LAST_TASK.get(ext);
        run_to(ext, 31);
        assert_eq!(task(ext, t).status, TaskStatus::Failed(TaskFailure::Expired));
        assert!(events(ext).contains(&Event::JoinExpired { alliance: id, joiner: 4 }));
        assert!(!ALLIANCES.get(ext, &id).unwrap().members.contains(&4));
        ok(ext, admin(4), Call::request_join { alliance: id, org: 4, deadline: 30 });

        // A member that leaves no longer counts: member 1's approval then suffices.
        ok(ext, admin(1), Call::approve_join { alliance: id, joiner: 4, member: 1 });
        ok(ext, admin(2), Call::exit_alliance { alliance: id, org: 2 });
        assert_eq!(ALLIANCES.get(ext, &id).unwrap().members.as_slice(), &[1, 4]);
    });
}

#[test]
fn members_exit_and_the_leader_goes_last() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2, 3]);
        noop(ext, admin(1), Call::exit_alliance { alliance: id, org: 1 }, Error::LeaderCannotExit);
        noop(ext, admin(4), Call::exit_alliance { alliance: id, org: 4 }, Error::NotMember);
        noop(ext, admin(1), Call::exit_alliance { alliance: id, org: 2 }, Error::NotAdmin);
        ok(ext, admin(2), Call::exit_alliance { alliance: id, org: 2 });
        assert!(events(ext).contains(&Event::MemberExited { alliance: id, org: 2 }));
        ok(ext, admin(3), Call::exit_alliance { alliance: id, org: 3 });
        ok(ext, admin(1), Call::exit_alliance { alliance: id, org: 1 });
        assert!(ALLIANCES.get(ext, &id).is_none(), "the last member leaving removes it");
        noop(ext, admin(1), Call::exit_alliance { alliance: id, org: 1 }, Error::UnknownAlliance);
    });
}

#[test]
fn a_business_chain_is_active_once_every_driver_reported() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2, 3]);
        let chains = vec![blockchain("main", &[1, 2], &[1, 2, 3, 4])];
        ok(ext, admin(1), chain_call(id, 1, ChainMode::MultiSubchain, &[1, 2], chains));
        let chain = CHAINS.get(ext, &1).unwrap();
        assert_eq!(chain.status, ChainStatus::Creating);
        let t = task(ext, chain.task);
        assert_eq!(t.parts.as_slice(), &[(1, PartStatus::Waiting), (2, PartStatus::Waiting)]);
        assert_eq!(t.deadline, system::block_number(ext) + TASK_TIMEOUT);
        assert_eq!(ALLIANCES.get(ext, &id).unwrap().chains.as_slice(), &[1]);

        let report = |org, success| Call::report_task { task: chain.task, org, success };
        noop(ext, driver(2), report(1, true), Error::NotOrgAccount);
        noop(ext, driver(3), report(3, true), Error::NotAPart);
        noop(ext, driver(1), Call::report_task { task: 99, org: 1, success: true }, Error::UnknownTask);
        ok(ext, driver(1), report(1, true));
        noop(ext, driver(1), report(1, true), Error::AlreadyAnswered);
        assert_eq!(CHAINS.get(ext, &1).unwrap().status, ChainStatus::Creating);
        ok(ext, admin(2), report(2, true));
        assert_eq!(CHAINS.get(ext, &1).unwrap().status, ChainStatus::Active);
        assert!(events(ext).contains(&Event::ChainActivated { chain: 1 }));
        noop(ext, driver(1), report(1, true), Error::TaskNotRunning);

        // Its nodes cannot be deregistered while it uses them.
        let remove = organizations::Call::remove_node { key: node(1) };
        let in_use =
            DispatchError::Module(ModuleError { index: 7, error: [organizations::Error::NodeInUse as u8, 0, 0, 0] });
        assert_noop(ext, in_use, |ext| organizations::dispatch_with(ext, admin(1), remove, &AllianceHooks));
        // Invitations and approvals are not a driver's to report.
        ok(ext, admin(4), Call::request_join { alliance: id, org: 4, deadline: 30 });
        let join_task = JOIN_REQUESTS.get(ext, &id, &4).unwrap().task;
        noop(ext, driver(1), Call::report_task { task: join_task, org: 1, success: true }, Error::NotADriverTask);
    });
}

#[test]
fn a_failed_or_late_creation_fails_the_chain_and_frees_its_nodes() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        let t = two_org_chain(ext, id);
        ok(ext, driver(1), Call::report_task { task: t, org: 1, success: true });
        ok(ext, driver(2), Call::report_task { task: t, org: 2, success: false });
        assert_eq!(task(ext, t).status, TaskStatus::Failed(TaskFailure::Reported { org: 2 }));
        assert_eq!(CHAINS.get(ext, &1).unwrap().status, ChainStatus::Failed);
        assert!(events(ext).contains(&Event::ChainFailed { chain: 1 }));
        organizations::dispatch_with(ext, admin(1), organizations::Call::remove_node { key: node(1) }, &AllianceHooks)
            .unwrap();
        check(ext);

        // No report at all: the chain fails at the task's deadline.
        ok(ext, admin(2), chain_call(id, 2, ChainMode::Private, &[2], vec![blockchain("b", &[2], &[3, 4])]));
        let t = CHAINS.get(ext, &2).unwrap().task;
        let deadline = task(ext, t).deadline;
        run_to(ext, deadline);
        assert_eq!(task(ext, t).status, TaskStatus::Failed(TaskFailure::Expired));
        assert_eq!(CHAINS.get(ext, &2).unwrap().status, ChainStatus::Failed);
    });
}

#[test]
fn chain_modes_and_shapes_are_checked_against_the_registry() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2, 3]);
        let make = |mode, o: &[OrgCode], chains| chain_call(id, 1, mode, o, chains);
        use ChainMode::*;
        noop(ext, admin(1), make(MultiSubchain, &[1, 4], vec![blockchain("a", &[1], &[1])]), Error::BadChainOrgs);
        noop(ext, admin(1), make(MultiSubchain, &[2], vec![blockchain("a", &[2], &[3])]), Error::BadChainOrgs);
        noop(ext, admin(1), make(MultiSubchain, &[1, 1], vec![blockchain("a", &[1], &[1])]), Error::BadChainOrgs);
        noop(ext, admin(1), make(MultiSubchain, &[1], vec![]), Error::NoBlockchains);
        noop(
            ext,
            admin(1),
            make(MultiSubchain, &[1], vec![blockchain("a", &[1], &[1]), blockchain("a", &[1], &[2])]),
            Error::DuplicateBlockchain,
        );
        let mut other_platform = blockchain("a", &[1], &[1]);
        other_platform.platform = 7;
        noop(ext, admin(1), make(MultiSubchain, &[1], vec![other_platform]), Error::UnknownPlatform);
        noop(ext, admin(1), make(MultiSubchain, &[1, 2], vec![blockchain("a", &[3], &[5])]), Error::BadBlockchainOrgs);
        noop(ext, admin(1), make(MultiSubchain, &[1], vec![blockchain("a", &[], &[])]), Error::BadBlockchainOrgs);
        noop(ext, admin(1), make(MultiSubchain, &[1], vec![blockchain("a", &[1], &[9])]), Error::UnknownNode);
        noop(ext, admin(1), make(MultiSubchain, &[1, 2], vec![blockchain("a", &[1], &[3])]), Error::NodeNotOfChainOrgs);
        noop(ext, admin(1), make(MultiSubchain, &[1], vec![blockchain("a", &[1], &[1, 1])]), Error::DuplicateNode);
        let shared = vec![blockchain("a", &[1], &[1, 2]), blockchain("b", &[1], &[2])];
        noop(ext, admin(1), make(SingleChainIsolation, &[1], shared.clone()), Error::ModeViolated);
        noop(ext, admin(1), make(Private, &[1, 2], vec![blockchain("a", &[1, 2], &[1, 3])]), Error::ModeViolated);
        noop(ext, driver(1), make(MultiSubchain, &[1], shared.clone()), Error::NotAdmin);
        noop(ext, admin(4), chain_call(id, 4, MultiSubchain, &[4], vec![blockchain("a", &[4], &[])]), Error::NotMember);
        // The same shapes pass where the mode allows them.
        ok(ext, admin(1), make(MultiSubchain, &[1], shared));
        ok(
            ext,
            admin(1),
            make(SingleChainIsolation, &[1], vec![blockchain("a", &[1], &[1]), blockchain("b", &[1], &[2])]),
        );
        ok(ext, admin(1), make(Private, &[1, 2], vec![blockchain("a", &[1, 2], &[3, 4])]));
        // A chain without nodes is active at once; the alliance holds at most CHAINS_MAX.
        for _ in 3..CHAINS_MAX {
            ok(ext, admin(1), make(MultiSubchain, &[1], vec![blockchain("x", &[1], &[])]));
        }
        assert_eq!(CHAINS.get(ext, &CHAINS_MAX).unwrap().status, ChainStatus::Active);
        noop(ext, admin(1), make(MultiSubchain, &[1], vec![blockchain("x", &[1], &[])]), Error::TooManyChains);
    });
}

#[test]
fn deletion_takes_effect_after_the_notice_and_drivers_confirm() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        let t = two_org_chain(ext, id);
        ok(ext, driver(1), Call::report_task { task: t, org: 1, success: true });
        ok(ext, driver(2), Call::report_task { task: t, org: 2, success: true });

        noop(ext, admin(2), Call::delete_alliance { alliance: id, notice: 20 }, Error::NotLeader);
        noop(
            ext,
            admin(1),
            Call::delete_alliance { alliance: id, notice: DELETION_NOTICE_MIN - 1 },
            Error::BadDeadline,
        );
        noop(ext, admin(1), Call::delete_alliance { alliance: 9, notice: 20 }, Error::UnknownAlliance);
        ok(ext, admin(1), Call::delete_alliance { alliance: id, notice: 20 });
        let effective_at = system::block_number(ext) + 20;
        assert_eq!(ALLIANCES.get(ext, &id).unwrap().status, AllianceStatus::Deleting { effective_at });
        noop(ext, admin(1), Call::delete_alliance { alliance: id, notice: 20 }, Error::AlreadyDeleting);
        noop(
            ext,
            admin(1),
            chain_call(id, 1, ChainMode::MultiSubchain, &[1], vec![blockchain("b", &[1], &[])]),
            Error::AllianceNotActive,
        );
        run_to(ext, effective_at - 1);
        assert!(ALLIANCES.get(ext, &id).is_some(), "members can still export during the notice");
        run_to(ext, effective_at);
        assert!(ALLIANCES.get(ext, &id).is_none() && CHAINS.get(ext, &1).is_none());
        let t = LAST_TASK.get(ext);
        assert_eq!(task(ext, t).kind, TaskKind::DeleteAlliance);
        assert_eq!(task(ext, t).parts.as_slice(), &[(1, PartStatus::Waiting), (2, PartStatus::Waiting)]);
        ok(ext, driver(1), Call::report_task { task: t, org: 1, success: true });
        ok(ext, driver(2), Call::report_task { task: t, org: 2, success: true });
        assert_eq!(task(ext, t).status, TaskStatus::Succeeded);
        // Its nodes are free again.
        organizations::dispatch_with(ext, admin(1), organizations::Call::remove_node { key: node(1) }, &AllianceHooks)
            .unwrap();
    });
}

#[test]
fn an_organization_leaving_the_consortium_leaves_every_alliance() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2, 3]);
        two_org_chain(ext, id);
        ok(ext, admin(4), Call::request_join { alliance: id, org: 4, deadline: 30 });
        ok(ext, admin(2), create(2, &[5], 50));
        // The leader (1) exits the consortium: 2 leads, the chain keeps 2's node only.
        organizations::dispatch_with(ext, admin(1), organizations::Call::exit_org { org: 1 }, &AllianceHooks).unwrap();
        check(ext);
        let a = ALLIANCES.get(ext, &id).unwrap();
        assert_eq!((a.leader, a.members.as_slice()), (2, &[2, 3][..]));
        assert!(events(ext).contains(&Event::LeaderChanged { alliance: id, leader: 2 }));
        let chain = CHAINS.get(ext, &1).unwrap();
        assert_eq!(chain.blockchains[0].nodes.as_slice(), &[node(3)]);
        assert_eq!(task(ext, chain.task).parts.as_slice(), &[(2, PartStatus::Waiting)]);
        // 4's request now needs 2's and 3's approvals only.
        ok(ext, admin(2), Call::approve_join { alliance: id, joiner: 4, member: 2 });
        ok(ext, admin(3), Call::approve_join { alliance: id, joiner: 4, member: 3 });
        assert!(ALLIANCES.get(ext, &id).unwrap().members.contains(&4));
        // 5 exits while invited: the creation fails for want of an invitee.
        organizations::dispatch_with(ext, admin(5), organizations::Call::exit_org { org: 5 }, &AllianceHooks).unwrap();
        check(ext);
        assert!(ALLIANCES.get(ext, &2).is_none());
    });
}

#[test]
fn platforms_are_registered_by_root() {
    new_ext().execute_with(|ext| {
        let interfaces = |list: Vec<Interface>| BoundedVec::try_from_vec(list).unwrap();
        let call = |n: &str, i| Call::register_platform { name: name(n), interfaces: i };
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, admin(1), call("fabric", interfaces(vec![]))));
        ok(ext, Origin::Root, call("fabric", interfaces(vec![Interface::Chain, Interface::Contract])));
        assert_eq!(events(ext), vec![Event::PlatformRegistered { platform: 2 }]);
        noop(ext, Origin::Root, call("fabric", interfaces(vec![])), Error::PlatformExists);
        noop(ext, Origin::Root, call("", interfaces(vec![])), Error::EmptyName);
        noop(
            ext,
            Origin::Root,
            call("x", interfaces(vec![Interface::Chain, Interface::Chain])),
            Error::DuplicateInterface,
        );
        LAST_PLATFORM.put(ext, &PLATFORMS_MAX);
        assert_noop(ext, err(Error::TooManyPlatforms), |ext| {
            dispatch(ext, Origin::Root, call("y", interfaces(vec![])))
        });
    });
}

#[test]
fn every_call_weighs_less_than_a_normal_block() {
    let limit = accord_support::Weight::from_ref_time(1_500_000_000_000);
    let calls = [
        create(1, &[2; 31], 50),
        Call::accept_invitation { alliance: 1, org: 1 },
        Call::request_join { alliance: 1, org: 1, deadline: 50 },
        Call::exit_alliance { alliance: 1, org: 1 },
        Call::delete_alliance { alliance: 1, notice: 50 },
        chain_call(1, 1, ChainMode::MultiSubchain, &[1], vec![blockchain("a", &[1], &[1; 16]); 4]),
        Call::report_task { task: 1, org: 1, success: true },
        Call::register_platform { name: name("p"), interfaces: BoundedVec::new() },
    ];
    for call in calls {
        let w = call.weight();
        assert!(w.ref_time > 0 && !w.any_gt(limit), "{call:?}: {w:?}");
    }
    let hook = weights::due_item().saturating_mul(DEADLINES_PER_BLOCK_MAX as u64);
    assert!(!hook.any_gt(accord_support::Weight::from_ref_time(2_000_000_000_000)), "{hook:?}");
    assert!(!weights::org_exited().any_gt(limit));
}

#[test]
fn every_bound_is_a_clear_error() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        ok(ext, admin(3), create(3, &[4], 50));
        // The deadline slots around a block are all taken.
        let at = system::block_number(ext) + 40;
        for b in at..at + 16 {
            // Until full (some blocks already hold a deadline).
            while tasks::schedule(ext, b, Due::Deletion(999)).is_ok() {}
        }
        noop(ext, admin(1), create(1, &[5], 40), Error::DeadlinesFull);
        // The states below are forced into storage (they take too long to build by calls),
        // so the invariants are not checked.
        let refused = |ext: &mut Ext<'_>, origin: Origin, call: Call, error: Error| {
            assert_noop(ext, err(error), |ext| dispatch(ext, origin, call));
        };
        INVITATION_COUNT.insert(ext, &5, &ORG_INVITATIONS_MAX);
        refused(ext, admin(1), create(1, &[5], 50), Error::TooManyInvitations);
        INVITATION_COUNT.remove(ext, &5);
        LAST_ALLIANCE.put(ext, &ALLIANCES_MAX);
        refused(ext, admin(1), create(1, &[5], 50), Error::AllianceLimitReached);
        LAST_ALLIANCE.put(ext, &2);
        for a in 100..100 + ORG_ALLIANCES_MAX {
            ORG_ALLIANCES.insert(ext, &5, &a, &());
        }
        refused(ext, admin(5), Call::request_join { alliance: id, org: 5, deadline: 30 }, Error::TooManyAlliances);
        refused(ext, admin(5), create(5, &[1], 50), Error::TooManyAlliances);
        ORG_ALLIANCES.clear_prefix(ext, &5, u32::MAX);
        for org in 100..100 + JOIN_REQUESTS_MAX {
            JOIN_REQUESTS.insert(ext, &id, &org, &JoinRequest { task: 1, deadline: 99 });
        }
        refused(ext, admin(5), Call::request_join { alliance: id, org: 5, deadline: 30 }, Error::TooManyRequests);
        JOIN_REQUESTS.clear_prefix(ext, &id, u32::MAX);
        let mut full = ALLIANCES.get(ext, &id).unwrap();
        full.members = OrgList::try_from_vec([1].into_iter().chain(101..100 + ALLIANCE_MEMBERS_MAX).collect()).unwrap();
        ALLIANCES.insert(ext, &id, &full);
        refused(ext, admin(5), Call::request_join { alliance: id, org: 5, deadline: 30 }, Error::AllianceFull);
        let mut forming = ALLIANCES.get(ext, &2).unwrap();
        forming.members =
            OrgList::try_from_vec([3].into_iter().chain(201..200 + ALLIANCE_MEMBERS_MAX).collect()).unwrap();
        ALLIANCES.insert(ext, &2, &forming);
        refused(ext, admin(4), Call::accept_invitation { alliance: 2, org: 4 }, Error::AllianceFull);
    });
}

#[test]
fn a_member_leaving_takes_its_nodes_out_and_its_driver_confirms() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        ok(
            ext,
            admin(1),
            chain_call(id, 1, ChainMode::MultiSubchain, &[1, 2], vec![blockchain("a", &[1, 2], &[1, 3, 4])]),
        );
        let creation = CHAINS.get(ext, &1).unwrap().task;
        ok(ext, admin(2), Call::exit_alliance { alliance: id, org: 2 });
        let chain = CHAINS.get(ext, &1).unwrap();
        assert_eq!(chain.orgs.as_slice(), &[1]);
        assert_eq!(chain.blockchains[0].nodes.as_slice(), &[node(1)]);
        assert_eq!(task(ext, creation).parts.as_slice(), &[(1, PartStatus::Waiting)], "2's part went with it");
        let exit = LAST_TASK.get(ext);
        assert_eq!(task(ext, exit).kind, TaskKind::ExitAlliance { org: 2 });
        assert_eq!(task(ext, exit).parts.as_slice(), &[(2, PartStatus::Waiting)]);
        // Its nodes are free at once; its driver confirms they stopped.
        organizations::dispatch_with(ext, admin(2), organizations::Call::remove_node { key: node(3) }, &AllianceHooks)
            .unwrap();
        ok(ext, driver(2), Call::report_task { task: exit, org: 2, success: true });
        assert_eq!(task(ext, exit).status, TaskStatus::Succeeded);
        ok(ext, driver(1), Call::report_task { task: creation, org: 1, success: true });
        assert_eq!(CHAINS.get(ext, &1).unwrap().status, ChainStatus::Active);
    });
}

#[test]
fn review_fixes_hold() {
    new_ext().execute_with(|ext| {
        ok(ext, admin(1), create(1, &[2, 3], 100));
        ok(ext, admin(2), Call::accept_invitation { alliance: 1, org: 2 });
        // An invited organization accepts its invitation; it cannot also ask to join.
        noop(ext, admin(3), Call::request_join { alliance: 1, org: 3, deadline: 30 }, Error::AlreadyInvited);
        // A member that joins while a request is open must approve it too.
        ok(ext, admin(4), Call::request_join { alliance: 1, org: 4, deadline: 30 });
        ok(ext, admin(3), Call::accept_invitation { alliance: 1, org: 3 });
        ok(ext, admin(1), Call::approve_join { alliance: 1, joiner: 4, member: 1 });
        ok(ext, admin(2), Call::approve_join { alliance: 1, joiner: 4, member: 2 });
        assert!(!ALLIANCES.get(ext, &1).unwrap().members.contains(&4), "3 has not approved yet");
        // No approval completes a join into an alliance being deleted.
        ok(ext, admin(1), Call::delete_alliance { alliance: 1, notice: 20 });
        noop(ext, admin(3), Call::approve_join { alliance: 1, joiner: 4, member: 3 }, Error::AllianceNotActive);
    });
    new_ext().execute_with(|ext| {
        // Failed chains do not use up the alliance's bound.
        let id = alliance_of(ext, &[2]);
        for _ in 0..CHAINS_MAX + 2 {
            ok(ext, admin(1), chain_call(id, 1, ChainMode::MultiSubchain, &[1], vec![blockchain("a", &[1], &[1])]));
            let t = CHAINS.get(ext, &LAST_CHAIN.get(ext)).unwrap().task;
            ok(ext, driver(1), Call::report_task { task: t, org: 1, success: false });
        }
        assert_eq!(LAST_CHAIN.get(ext), CHAINS_MAX + 2);
    });
}

#[test]
fn an_exited_organization_does_not_hold_up_driver_tasks() {
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2, 3]);
        let t = two_org_chain(ext, id);
        ok(ext, driver(1), Call::report_task { task: t, org: 1, success: true });
        ok(ext, driver(2), Call::report_task { task: t, org: 2, success: true });
        ok(ext, admin(2), Call::exit_alliance { alliance: id, org: 2 });
        let exit = LAST_TASK.get(ext);
        // Org 2 then leaves the consortium: nobody can report its exit task any more.
        organizations::dispatch_with(ext, admin(2), organizations::Call::exit_org { org: 2 }, &AllianceHooks).unwrap();
        check(ext);
        run_to(ext, task(ext, exit).deadline);
        assert_eq!(task(ext, exit).status, TaskStatus::Succeeded, "not failed in the name of an organization gone");

        // A deletion afterwards waits only on the driver still running the chain's nodes.
        ok(ext, admin(1), Call::delete_alliance { alliance: id, notice: 10 });
        let at = system::block_number(ext) + 10;
        run_to(ext, at);
        let deletion = LAST_TASK.get(ext);
        assert_eq!(task(ext, deletion).kind, TaskKind::DeleteAlliance);
        assert_eq!(task(ext, deletion).parts.as_slice(), &[(1, PartStatus::Waiting)]);
    });
    new_ext().execute_with(|ext| {
        let id = alliance_of(ext, &[2]);
        // The leader's admin, its organization suspended, is refused as not an admin; another
        // organization's admin as not the leader.
        organizations::dispatch(ext, Origin::Root, organizations::Call::suspend_org { org: 1 }).unwrap();
        noop(ext, admin(1), Call::delete_alliance { alliance: id, notice: 10 }, Error::NotAdmin);
        noop(ext, admin(2), Call::delete_alliance { alliance: id, notice: 10 }, Error::NotLeader);
    });
}
