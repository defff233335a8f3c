use accord_pallet_validators as validators;
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::{AccountId32, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{BoundedVec, DispatchError, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

const INDEX: u8 = 7;
const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1), ("Validators", 6), ("Organizations", INDEX)];
const GENESIS_HASH: H256 = H256([0x42; 32]);
const NOW_MS: u64 = 1_000_000;

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn name(s: &str) -> Name {
    Name::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn admins(ns: &[u8]) -> AdminList {
    AdminList::try_from_vec(ns.iter().map(|n| acc(*n)).collect()).unwrap()
}

fn ep(host: &str, port: u16) -> Endpoint {
    Endpoint { host: BoundedVec::try_from_vec(host.as_bytes().to_vec()).unwrap(), port }
}

fn physical(ports: &[u16]) -> ResourceSpace {
    ResourceSpace::Physical(BoundedVec::try_from_vec(ports.iter().map(|p| ep("10.0.0.1", *p)).collect()).unwrap())
}

fn tenant(id: &str, project: &str) -> ResourceSpace {
    ResourceSpace::Tenant(TenantSpace {
        tenant_id: name(id),
        tenant_name: Some(name("Tenant")),
        project_id: name(project),
        project_name: None,
    })
}

fn node_pair(n: u8) -> Ed25519Pair {
    Ed25519Pair::from_uri(&format!("//Node{n}")).unwrap()
}

/// `register_node` for `//Node<n>` of `org` at port `port` of 10.0.0.1, with a valid proof.
fn node_call(org: OrgCode, n: u8, port: u16) -> Call {
    let pair = node_pair(n);
    let key = pair.public();
    let proof = pair.sign(&node_proof_payload(&GENESIS_HASH, org, &key));
    Call::register_node {
        org,
        key,
        address: ep("10.0.0.1", port),
        role: NodeRole::Validator,
        medium: StorageMedium::Ssd,
        proof,
    }
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: INDEX, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, INDEX)
}

fn org(ext: &Ext<'_>, code: OrgCode) -> Organization {
    ORGS.get(ext, &code).unwrap()
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
    validators::Pallet::check_state(ext).unwrap();
}

/// Dispatches `call` as `origin`, expecting success, then checks the invariants.
#[track_caller]
fn ok(ext: &mut Ext<'_>, origin: Origin, call: Call) {
    dispatch(ext, origin, call).unwrap();
    check(ext);
}

/// Dispatches `call` as `origin`, expecting `error` and no change, then checks the invariants.
#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call, error: Error) {
    assert_noop(ext, err(error), |ext| dispatch(ext, origin, call));
    check(ext);
}

fn signed(n: u8) -> Origin {
    Origin::Signed(acc(n))
}

/// A chain with two founding organizations:
/// 1 "Alpha" (off-cloud, physical set 10.0.0.1:30001..30004, admin 1, members 2, 3);
/// 2 "Beta" (on-cloud, no space, admin 10, member 11).
fn new_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        accord_pallet_system::build_genesis(ext);
        accord_pallet_system::BLOCK_HASH.insert(ext, &0, &GENESIS_HASH);
        accord_pallet_timestamp::build_genesis(ext, NOW_MS);
        let orgs = [
            GenesisOrg {
                name: b"Alpha".to_vec(),
                category: Category::OffCloud,
                space: Some(physical(&[30001, 30002, 30003, 30004])),
                admins: vec![acc(1)],
                members: vec![acc(2), acc(3)],
                nodes: vec![],
                credentials: Credentials::default(),
            },
            GenesisOrg {
                name: b"Beta".to_vec(),
                category: Category::OnCloud,
                space: None,
                admins: vec![acc(10)],
                members: vec![acc(11)],
                nodes: vec![],
                credentials: Credentials::default(),
            },
        ];
        build_genesis(ext, &orgs, false).unwrap();
        check(ext);
    });
    t
}

fn register(ext: &mut Ext<'_>, label: &str, category: Category, admin: u8) -> OrgCode {
    ok(
        ext,
        Origin::Root,
        Call::register_org {
            name: name(label),
            category,
            admins: admins(&[admin]),
            credentials: Credentials::default(),
        },
    );
    LAST_ORG_CODE.get(ext)
}

#[test]
fn genesis_builds_the_founding_organizations() {
    new_ext().execute_with(|ext| {
        assert_eq!(LAST_ORG_CODE.get(ext), 2);
        let alpha = org(ext, 1);
        assert_eq!((alpha.members, alpha.admins.as_slice(), alpha.status), (3, &[acc(1)][..], OrgStatus::Active));
        assert_eq!(MEMBERS.get(ext, &1, &acc(2)), Some(Role::Member));
        assert_eq!(ACCOUNT_ORG.get(ext, &acc(11)), Some(2));
        assert!(!OPEN.get(ext));
        assert!(may_transact(ext, &acc(2)) && may_transact(ext, &acc(11)));
        assert!(!may_transact(ext, &acc(99)), "a stranger may not transact on a closed chain");
        assert_eq!(active_orgs(ext), vec![1, 2]);
    });
}

#[test]
fn genesis_refuses_what_the_calls_would_refuse() {
    let build = |orgs: Vec<GenesisOrg>, open: bool| {
        let mut t = TestExternalities::new(PALLETS);
        t.execute_with(|ext| build_genesis(ext, &orgs, open))
    };
    let base = GenesisOrg {
        name: b"A".to_vec(),
        category: Category::OffCloud,
        space: Some(physical(&[1])),
        admins: vec![acc(1)],
        members: vec![],
        nodes: vec![],
        credentials: Credentials::default(),
    };
    assert!(build(vec![], false).unwrap_err().contains("closed"));
    assert_eq!(build(vec![], true), Ok(()));
    assert!(build(vec![GenesisOrg { name: vec![], ..base.clone() }], true).unwrap_err().contains("empty name"));
    assert!(build(vec![GenesisOrg { admins: vec![], ..base.clone() }], true).unwrap_err().contains("NoAdmins"));
    let twice = GenesisOrg { space: Some(physical(&[2])), ..base.clone() };
    assert!(build(vec![base.clone(), twice], true).unwrap_err().contains("AlreadyMember"));
    let same_space = GenesisOrg { admins: vec![acc(2)], ..base.clone() };
    assert!(build(vec![base.clone(), same_space], true).unwrap_err().contains("held by another"));
    let cloud_space = GenesisOrg { category: Category::OnCloud, ..base.clone() };
    assert!(build(vec![cloud_space], true).unwrap_err().contains("WrongCategory"));
    let node = GenesisNode {
        key: node_pair(1).public(),
        address: ep("10.0.0.1", 9),
        role: NodeRole::Observer,
        medium: StorageMedium::Hdd,
    };
    let outside = GenesisOrg { nodes: vec![node.clone()], ..base.clone() };
    assert!(build(vec![outside], true).unwrap_err().contains("NodeOutsideSpace"));
    let inside = GenesisNode { address: ep("10.0.0.1", 1), ..node };
    let two = GenesisOrg { nodes: vec![inside.clone(), inside], ..base.clone() };
    assert!(build(vec![two], true).unwrap_err().contains("listed twice"));
    let member_twice = GenesisOrg { members: vec![acc(1)], ..base };
    assert!(build(vec![member_twice], true).unwrap_err().contains("listed twice"));
}

#[test]
fn register_org_assigns_codes_and_checks_everything() {
    new_ext().execute_with(|ext| {
        let code = register(ext, "Gamma", Category::OnCloud, 20);
        assert_eq!(code, 3);
        assert_eq!(events(ext), vec![Event::OrgRegistered { org: 3, name: name("Gamma") }]);
        assert_eq!(MEMBERS.get(ext, &3, &acc(20)), Some(Role::Admin));
        let call = |n: &str, a: &[u8], credentials| Call::register_org {
            name: name(n),
            category: Category::OffCloud,
            admins: admins(a),
            credentials,
        };
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, signed(1), call("X", &[30], Credentials::default()))
        });
        noop(ext, Origin::Root, call("", &[30], Credentials::default()), Error::EmptyName);
        noop(ext, Origin::Root, call("X", &[], Credentials::default()), Error::NoAdmins);
        noop(ext, Origin::Root, call("X", &[30, 30], Credentials::default()), Error::DuplicateAccount);
        noop(ext, Origin::Root, call("X", &[30, 2], Credentials::default()), Error::AlreadyMember);
        let expired = Credentials {
            tls: Some(TlsCredential { fingerprint: H256([1; 32]), expires_at_ms: NOW_MS }),
            ..Credentials::default()
        };
        noop(ext, Origin::Root, call("X", &[30], expired), Error::CertificateExpired);
        LAST_ORG_CODE.put(ext, &ORGS_MAX);
        assert_noop(ext, err(Error::TooManyOrgs), |ext| {
            dispatch(ext, Origin::Root, call("X", &[30], Credentials::default()))
        });
    });
}

#[test]
fn members_join_and_leave() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(1), Call::add_member { org: 1, who: acc(4) });
        assert_eq!(events(ext), vec![Event::MemberAdded { org: 1, who: acc(4) }]);
        assert_eq!(org(ext, 1).members, 4);
        assert!(may_transact(ext, &acc(4)));
        ok(ext, Origin::Root, Call::add_member { org: 1, who: acc(5) });
        ok(ext, signed(1), Call::remove_member { org: 1, who: acc(4) });
        assert!(!may_transact(ext, &acc(4)));
        assert_eq!(org(ext, 1).members, 4);

        noop(ext, signed(1), Call::add_member { org: 9, who: acc(6) }, Error::UnknownOrg);
        noop(ext, signed(2), Call::add_member { org: 1, who: acc(6) }, Error::NotAdmin);
        noop(ext, signed(10), Call::add_member { org: 1, who: acc(6) }, Error::NotAdmin);
        noop(ext, signed(1), Call::add_member { org: 1, who: acc(11) }, Error::AlreadyMember);
        noop(ext, signed(1), Call::add_member { org: 1, who: acc(2) }, Error::AlreadyMember);
        noop(ext, signed(1), Call::remove_member { org: 1, who: acc(11) }, Error::NotMember);
        noop(ext, signed(1), Call::remove_member { org: 1, who: acc(1) }, Error::LastAdmin);
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::None, Call::add_member { org: 1, who: acc(6) })
        });

        ok(ext, Origin::Root, Call::suspend_org { org: 1 });
        noop(ext, signed(1), Call::add_member { org: 1, who: acc(6) }, Error::OrgNotActive);
        noop(ext, Origin::Root, Call::add_member { org: 1, who: acc(6) }, Error::OrgNotActive);
    });
}

#[test]
fn an_organization_holds_at_most_members_max_accounts() {
    new_ext().execute_with(|ext| {
        for i in 0..(MEMBERS_MAX - 3) {
            let mut raw = [7u8; 32];
            raw[..4].copy_from_slice(&i.to_le_bytes());
            dispatch(ext, signed(1), Call::add_member { org: 1, who: AccountId32(raw) }).unwrap();
        }
        check(ext);
        assert_eq!(org(ext, 1).members, MEMBERS_MAX);
        noop(ext, signed(1), Call::add_member { org: 1, who: acc(6) }, Error::TooManyMembers);
        noop(ext, signed(1), Call::add_admin { org: 1, who: acc(6) }, Error::TooManyMembers);
        // A member may still be promoted: the count does not change.
        ok(ext, signed(1), Call::add_admin { org: 1, who: acc(2) });
    });
}

#[test]
fn admins_are_added_and_removed() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(1), Call::add_admin { org: 1, who: acc(2) });
        assert_eq!(events(ext), vec![Event::AdminAdded { org: 1, who: acc(2) }]);
        assert_eq!(org(ext, 1).members, 3, "a promoted member is counted once");
        ok(ext, signed(2), Call::add_admin { org: 1, who: acc(4) });
        assert_eq!(
            events(ext)[1..],
            [Event::MemberAdded { org: 1, who: acc(4) }, Event::AdminAdded { org: 1, who: acc(4) }]
        );
        assert_eq!(org(ext, 1).members, 4);
        noop(ext, signed(1), Call::add_admin { org: 1, who: acc(2) }, Error::AlreadyAdmin);
        noop(ext, signed(1), Call::add_admin { org: 1, who: acc(10) }, Error::AlreadyMember);
        noop(ext, signed(3), Call::add_admin { org: 1, who: acc(5) }, Error::NotAdmin);

        // An admin may step down; a plain member is not an admin to remove.
        ok(ext, signed(4), Call::remove_admin { org: 1, who: acc(4) });
        assert_eq!(MEMBERS.get(ext, &1, &acc(4)), Some(Role::Member));
        noop(ext, signed(1), Call::remove_admin { org: 1, who: acc(4) }, Error::NotAdmin);
        noop(ext, signed(4), Call::remove_admin { org: 1, who: acc(1) }, Error::NotAdmin);
        ok(ext, signed(1), Call::remove_admin { org: 1, who: acc(2) });
        noop(ext, signed(1), Call::remove_admin { org: 1, who: acc(1) }, Error::LastAdmin);
        // Removing an admin who is not the last removes both its rights.
        ok(ext, signed(1), Call::add_admin { org: 1, who: acc(3) });
        ok(ext, signed(1), Call::remove_member { org: 1, who: acc(3) });
        assert_eq!(org(ext, 1).admins.as_slice(), &[acc(1)]);

        for n in 40..(40 + ADMINS_MAX as u8 - 1) {
            dispatch(ext, signed(1), Call::add_admin { org: 1, who: acc(n) }).unwrap();
        }
        check(ext);
        noop(ext, signed(1), Call::add_admin { org: 1, who: acc(4) }, Error::TooManyAdmins);
    });
}

#[test]
fn resource_spaces_are_bound_to_one_organization() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(10), Call::bind_resource_space { org: 2, space: tenant("t1", "p1") });
        assert_eq!(events(ext), vec![Event::ResourceSpaceBound { org: 2 }]);
        let gamma = register(ext, "Gamma", Category::OnCloud, 20);
        let delta = register(ext, "Delta", Category::OffCloud, 21);
        noop(ext, signed(20), Call::bind_resource_space { org: gamma, space: tenant("t1", "p1") }, Error::SpaceTaken);
        // Another project of the same tenant is another space.
        ok(ext, signed(20), Call::bind_resource_space { org: gamma, space: tenant("t1", "p2") });
        noop(ext, signed(20), Call::bind_resource_space { org: gamma, space: physical(&[1]) }, Error::WrongCategory);
        noop(
            ext,
            signed(21),
            Call::bind_resource_space { org: delta, space: tenant("t9", "p9") },
            Error::WrongCategory,
        );
        noop(ext, signed(20), Call::bind_resource_space { org: gamma, space: tenant("", "p3") }, Error::EmptyName);
        // One endpoint of Alpha's set is enough to refuse a set.
        noop(
            ext,
            signed(21),
            Call::bind_resource_space { org: delta, space: physical(&[40000, 30002]) },
            Error::SpaceTaken,
        );
        noop(
            ext,
            signed(21),
            Call::bind_resource_space { org: delta, space: physical(&[40000, 40000]) },
            Error::DuplicateEndpoint,
        );
        noop(ext, signed(21), Call::bind_resource_space { org: delta, space: physical(&[]) }, Error::DuplicateEndpoint);
        noop(ext, signed(21), Call::bind_resource_space { org: delta, space: physical(&[0]) }, Error::BadAddress);
        let upper = ResourceSpace::Physical(BoundedVec::try_from_vec(vec![ep("Host", 1)]).unwrap());
        noop(ext, signed(21), Call::bind_resource_space { org: delta, space: upper }, Error::BadAddress);
        noop(ext, signed(1), Call::bind_resource_space { org: delta, space: physical(&[40000]) }, Error::NotAdmin);

        // Released by its holder, the space is free for another.
        ok(ext, signed(10), Call::release_resource_space { org: 2 });
        assert_eq!(events(ext).last(), Some(&Event::ResourceSpaceReleased { org: 2 }));
        noop(ext, signed(10), Call::release_resource_space { org: 2 }, Error::NoResourceSpace);
        ok(ext, signed(20), Call::bind_resource_space { org: gamma, space: tenant("t1", "p1") });
        assert_eq!(
            SPACE_HOLDERS.iter_from(ext, None, 100).iter().filter(|(_, c)| *c == gamma).count(),
            1,
            "the old space was replaced"
        );

        // Root may release a suspended organization's space.
        ok(ext, Origin::Root, Call::suspend_org { org: gamma });
        noop(ext, signed(20), Call::release_resource_space { org: gamma }, Error::OrgNotActive);
        ok(ext, Origin::Root, Call::release_resource_space { org: gamma });
    });
}

#[test]
fn nodes_prove_their_keys_and_stay_inside_their_space() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(1), node_call(1, 1, 30001));
        let key1 = node_pair(1).public();
        assert_eq!(events(ext), vec![Event::NodeRegistered { org: 1, key: key1, role: NodeRole::Validator }]);
        assert_eq!(NODES.get(ext, &key1).unwrap().medium, StorageMedium::Ssd);
        assert_eq!(org(ext, 1).nodes, 1);

        noop(ext, signed(1), node_call(1, 1, 30002), Error::NodeExists);
        noop(ext, signed(1), node_call(1, 2, 30001), Error::AddressTaken);
        noop(ext, signed(1), node_call(1, 2, 39999), Error::NodeOutsideSpace);
        noop(ext, signed(2), node_call(1, 2, 30002), Error::NotAdmin);
        noop(ext, signed(1), node_call(1, 2, 0), Error::BadAddress);
        // A proof made for another organization (or chain) does not prove anything here.
        let Call::register_node { key, address, role, medium, proof, .. } = node_call(2, 2, 30002) else {
            unreachable!()
        };
        noop(ext, signed(1), Call::register_node { org: 1, key, address, role, medium, proof }, Error::BadNodeProof);
        // An off-cloud organization without a space has nowhere to put a node.
        let delta = register(ext, "Delta", Category::OffCloud, 21);
        noop(ext, signed(21), node_call(delta, 3, 39998), Error::NoResourceSpace);
        // An on-cloud organization's nodes may be anywhere, but not at a taken address; they
        // are not tied to its tenant space, which it may release with nodes registered.
        ok(ext, signed(10), node_call(2, 4, 50000));
        noop(ext, signed(10), node_call(2, 5, 30001), Error::AddressTaken);
        ok(ext, signed(10), Call::bind_resource_space { org: 2, space: tenant("t9", "p9") });
        ok(ext, signed(10), Call::release_resource_space { org: 2 });

        // Replacing a space must keep the nodes inside; releasing it needs them gone.
        noop(ext, signed(1), Call::bind_resource_space { org: 1, space: physical(&[30002]) }, Error::NodeOutsideSpace);
        ok(ext, signed(1), Call::bind_resource_space { org: 1, space: physical(&[30001, 30005]) });
        noop(ext, signed(1), Call::release_resource_space { org: 1 }, Error::SpaceHasNodes);

        ok(ext, signed(1), Call::remove_node { key: key1 });
        assert_eq!(events(ext).last(), Some(&Event::NodeRemoved { org: 1, key: key1 }));
        noop(ext, signed(1), Call::remove_node { key: key1 }, Error::UnknownNode);
        noop(ext, signed(1), Call::remove_node { key: node_pair(4).public() }, Error::NotAdmin);
        ok(ext, Origin::Root, Call::remove_node { key: node_pair(4).public() });
        ok(ext, signed(1), Call::release_resource_space { org: 1 });
    });
}

#[test]
fn an_organization_has_at_most_org_nodes_max_nodes() {
    new_ext().execute_with(|ext| {
        // On-cloud Beta: nodes anywhere, so the count is the only limit.
        for i in 0..ORG_NODES_MAX as u8 {
            dispatch(ext, signed(10), node_call(2, 100 + i, 1 + i as u16)).unwrap();
        }
        check(ext);
        assert_eq!(org(ext, 2).nodes, ORG_NODES_MAX);
        noop(ext, signed(10), node_call(2, 99, 60000), Error::TooManyNodes);
    });
}

#[test]
fn suspension_stops_transactions_until_resumed() {
    new_ext().execute_with(|ext| {
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, signed(1), Call::suspend_org { org: 1 }));
        noop(ext, Origin::Root, Call::suspend_org { org: 9 }, Error::UnknownOrg);
        noop(ext, Origin::Root, Call::resume_org { org: 1 }, Error::NotSuspended);
        ok(ext, Origin::Root, Call::suspend_org { org: 1 });
        assert_eq!(events(ext), vec![Event::OrgSuspended { org: 1 }]);
        assert!(!may_transact(ext, &acc(1)) && !may_transact(ext, &acc(2)));
        assert!(may_transact(ext, &acc(10)), "other organizations are not affected");
        assert!(!is_active_admin(ext, 1, &acc(1)));
        assert_eq!(active_orgs(ext), vec![2]);
        noop(ext, Origin::Root, Call::suspend_org { org: 1 }, Error::OrgNotActive);
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, signed(1), Call::resume_org { org: 1 }));
        ok(ext, Origin::Root, Call::resume_org { org: 1 });
        assert_eq!(events(ext).last(), Some(&Event::OrgResumed { org: 1 }));
        assert!(may_transact(ext, &acc(2)) && is_active_admin(ext, 1, &acc(1)));
    });
}

#[test]
fn exit_revokes_everything_at_once() {
    new_ext().execute_with(|ext| {
        ok(ext, signed(1), node_call(1, 1, 30001));
        ok(ext, signed(1), node_call(1, 2, 30002));
        ok(ext, signed(10), node_call(2, 3, 50000));
        let keys: Vec<_> = [1, 2, 3].iter().map(|n| node_pair(*n).public()).collect();
        validators::build_genesis(ext, &keys).unwrap();
        ok(
            ext,
            signed(1),
            Call::set_credentials {
                org: 1,
                credentials: Credentials { token_hash: Some(H256([3; 32])), ..Credentials::default() },
            },
        );

        noop(ext, signed(2), Call::exit_org { org: 1 }, Error::NotAdmin);
        ok(ext, signed(1), Call::exit_org { org: 1 });
        let exited = org(ext, 1);
        assert_eq!(exited.status, OrgStatus::Exited);
        assert_eq!((exited.members, exited.nodes, exited.space.is_none()), (0, 0, true));
        assert_eq!(exited.credentials, Credentials::default());
        assert!(events(ext).contains(&Event::OrgExited { org: 1, members: 3, nodes: 2 }));
        assert_eq!(validators::VALIDATORS.get(ext).as_slice(), &[keys[2]], "its nodes left the validator set");
        for n in [1, 2, 3] {
            assert!(!may_transact(ext, &acc(n)));
            assert_eq!(ACCOUNT_ORG.get(ext, &acc(n)), None);
        }
        assert!(NODES.get(ext, &keys[0]).is_none());
        assert_eq!(active_orgs(ext), vec![2]);

        // Nothing more happens to an exited organization; its accounts and space are free.
        noop(ext, Origin::Root, Call::exit_org { org: 1 }, Error::OrgNotActive);
        noop(ext, Origin::Root, Call::resume_org { org: 1 }, Error::NotSuspended);
        noop(ext, Origin::Root, Call::add_member { org: 1, who: acc(5) }, Error::OrgNotActive);
        let delta = register(ext, "Delta", Category::OffCloud, 1);
        ok(ext, signed(1), Call::bind_resource_space { org: delta, space: physical(&[30001]) });
        ok(ext, signed(1), node_call(delta, 1, 30001));

        // The last validators cannot leave with their organization.
        noop(ext, signed(10), Call::exit_org { org: 2 }, Error::LastValidator);
        noop(ext, signed(10), Call::remove_node { key: keys[2] }, Error::LastValidator);
        // Root may expel a suspended organization.
        ok(ext, Origin::Root, Call::suspend_org { org: delta });
        ok(ext, Origin::Root, Call::exit_org { org: delta });
        assert_eq!(org(ext, delta).status, OrgStatus::Exited);
    });
}

#[test]
fn credentials_are_commitments_with_a_live_certificate() {
    new_ext().execute_with(|ext| {
        let tls = |expires_at_ms| Credentials {
            access_key_hash: Some(H256([1; 32])),
            token_hash: None,
            tls: Some(TlsCredential { fingerprint: H256([2; 32]), expires_at_ms }),
        };
        ok(ext, signed(1), Call::set_credentials { org: 1, credentials: tls(NOW_MS + 1) });
        assert_eq!(events(ext), vec![Event::CredentialsSet { org: 1 }]);
        assert_eq!(org(ext, 1).credentials, tls(NOW_MS + 1));
        noop(ext, signed(1), Call::set_credentials { org: 1, credentials: tls(NOW_MS) }, Error::CertificateExpired);
        noop(ext, signed(2), Call::set_credentials { org: 1, credentials: tls(NOW_MS + 1) }, Error::NotAdmin);
        ok(ext, Origin::Root, Call::set_credentials { org: 1, credentials: Credentials::default() });
    });
}

#[test]
fn the_gate_opens_and_closes() {
    new_ext().execute_with(|ext| {
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, signed(1), Call::set_open { open: true }));
        ok(ext, Origin::Root, Call::set_open { open: true });
        assert_eq!(events(ext), vec![Event::GateChanged { open: true }]);
        assert!(may_transact(ext, &acc(99)));
        ok(ext, Origin::Root, Call::set_open { open: false });
        assert!(!may_transact(ext, &acc(99)));
        // The last active organization stays: it can be neither suspended nor exit.
        ok(ext, Origin::Root, Call::suspend_org { org: 1 });
        noop(ext, Origin::Root, Call::exit_org { org: 2 }, Error::LastActiveOrg);
        noop(ext, signed(10), Call::exit_org { org: 2 }, Error::LastActiveOrg);
        noop(ext, Origin::Root, Call::suspend_org { org: 2 }, Error::LastActiveOrg);
        assert_eq!(ACTIVE_ORGS.get(ext), 1);
        ok(ext, Origin::Root, Call::exit_org { org: 1 });
        assert_eq!(ACTIVE_ORGS.get(ext), 1, "a suspended organization's exit leaves the count");
    });
    // An open chain without organizations cannot be closed.
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        build_genesis(ext, &[], true).unwrap();
        noop(ext, Origin::Root, Call::set_open { open: false }, Error::NoActiveMembers);
    });
}

#[test]
fn at_most_active_orgs_max_are_active() {
    new_ext().execute_with(|ext| {
        for i in 0..(ACTIVE_ORGS_MAX - 2) as u8 {
            dispatch(
                ext,
                Origin::Root,
                Call::register_org {
                    name: name("x"),
                    category: Category::OnCloud,
                    admins: admins(&[100 + i]),
                    credentials: Credentials::default(),
                },
            )
            .unwrap();
        }
        check(ext);
        let one_more = Call::register_org {
            name: name("y"),
            category: Category::OnCloud,
            admins: admins(&[99]),
            credentials: Credentials::default(),
        };
        noop(ext, Origin::Root, one_more.clone(), Error::TooManyActiveOrgs);
        ok(ext, Origin::Root, Call::suspend_org { org: 1 });
        ok(ext, Origin::Root, one_more);
        noop(ext, Origin::Root, Call::resume_org { org: 1 }, Error::TooManyActiveOrgs);
    });
}

#[test]
fn every_call_has_a_weight_within_a_block() {
    let limit = accord_support::Weight::from_ref_time(2_000_000_000_000);
    let calls = [
        Call::register_org {
            name: name("x"),
            category: Category::OnCloud,
            admins: admins(&[1; 16]),
            credentials: Credentials::default(),
        },
        Call::add_member { org: 1, who: acc(1) },
        Call::remove_member { org: 1, who: acc(1) },
        Call::add_admin { org: 1, who: acc(1) },
        Call::remove_admin { org: 1, who: acc(1) },
        node_call(1, 1, 1),
        Call::remove_node { key: [0; 32] },
        Call::bind_resource_space { org: 1, space: physical(&[1, 2, 3]) },
        Call::release_resource_space { org: 1 },
        Call::suspend_org { org: 1 },
        Call::resume_org { org: 1 },
        Call::exit_org { org: 1 },
        Call::set_credentials { org: 1, credentials: Credentials::default() },
        Call::set_open { open: false },
    ];
    for call in calls {
        let w = call.weight();
        assert!(w.ref_time > 0 && !w.any_gt(limit), "{call:?}: {w:?}");
    }
}

#[test]
fn an_endpoint_of_a_physical_set_is_not_anyone_elses_node_address() {
    new_ext().execute_with(|ext| {
        // Beta (on-cloud) may put nodes anywhere, but not at Alpha's endpoints.
        noop(ext, signed(10), node_call(2, 4, 30001), Error::SpaceTaken);
        ok(ext, signed(10), node_call(2, 4, 50000));
        // And an off-cloud set may not take an endpoint where another's node is registered.
        let delta = register(ext, "Delta", Category::OffCloud, 21);
        let at_beta = ResourceSpace::Physical(BoundedVec::try_from_vec(vec![ep("10.0.0.1", 50000)]).unwrap());
        noop(ext, signed(21), Call::bind_resource_space { org: delta, space: at_beta }, Error::SpaceTaken);
    });
}
