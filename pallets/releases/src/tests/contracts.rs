//! Contract targets: aliases, versions, and releases of them.

use accord_pallet_evm::{self as evm, alias, ContractInfo};
use accord_primitives::H160;

use super::*;

fn addr(n: u8) -> H160 {
    H160([n; 20])
}

/// Deploys a contract with code `[0x60, n]` at `address`, as the EVM would have.
fn deploy(ext: &mut Ext<'_>, address: H160, n: u8) {
    let code = vec![0x60, n];
    let code_hash = H256(accord_ethereum::keccak256(&code));
    if evm::CODE_REFS.get(ext, &code_hash) == 0 {
        evm::CODES.insert(ext, &code_hash, &BoundedVec::try_from_vec(code).unwrap());
    }
    evm::CODE_REFS.mutate(ext, &code_hash, |r| *r += 1);
    let info =
        ContractInfo { creator: addr(0xcc), code_hash, created_at: 1, nonce: 1, storage_items: 0, storage_bytes: 0 };
    evm::CONTRACTS.insert(ext, &address, &info);
    evm::CONTRACT_COUNT.mutate(ext, |n| *n += 1);
}

fn rule(index: u8) -> DataIdRule {
    DataIdRule::Argument { index }
}

fn create_target(code: H160) -> Call<TestCall> {
    Call::create_contract_target { code, data_id: rule(0), init: None }
}

/// Call data with selector `0xaabbccdd` and one argument word ending in `n`.
fn input(n: u32) -> Vec<u8> {
    let mut data = vec![0xaa, 0xbb, 0xcc, 0xdd];
    let mut word = [0u8; 32];
    word[28..].copy_from_slice(&n.to_be_bytes());
    data.extend_from_slice(&word);
    data
}

/// A contract target with versions at 0x01…, 0x02…, 0x03… (version 1 the first), admin 7.
fn with_target(ext: &mut Ext<'_>) -> H160 {
    for n in 1..=3 {
        deploy(ext, addr(n), n);
    }
    ok(ext, Origin::Signed(acc(7)), create_target(addr(1)));
    let alias = alias_address(0);
    for n in 2..=3 {
        ok(ext, Origin::Signed(acc(7)), Call::add_contract_version { alias, code: addr(n) });
    }
    alias
}

fn served_version(ext: &Ext<'_>, class: TrafficClass, alias: &H160, n: u32) -> Version {
    serve(ext, class, alias, &input(n)).unwrap().version
}

#[test]
fn a_contract_target_is_an_alias_of_its_first_version() {
    new_ext(0).execute_with(|ext| {
        deploy(ext, addr(1), 1);
        ok(ext, Origin::Signed(acc(7)), create_target(addr(1)));
        let alias = alias_address(0);
        assert_eq!(ALIAS_NONCE.get(ext), 1);
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(1)));
        let target = CONTRACT_TARGETS.get(ext, &alias).unwrap();
        assert_eq!((target.admin, target.versions.as_slice()), (acc(7), [addr(1)].as_slice()));
        let created = Event::ContractTargetCreated { alias, admin: acc(7), code: addr(1), data_id: rule(0) };
        assert!(events(ext).contains(&created));
        assert_eq!(contract_route(ext, &alias, &input(5)).map(|(t, _)| t), Some(Target::Contract(alias)));
        assert_eq!(contract_route(ext, &addr(1), &input(5)), None, "a version is not a target");
        // No release: production runs version 1, and test classes are refused.
        assert_eq!(served_version(ext, TrafficClass::Production, &alias, 5), 1);
        assert_eq!(
            check_class(ext, &acc(7), Target::Contract(alias), TrafficClass::PreReleaseTest),
            Err(Error::NotInCohort)
        );
        // The next alias skips an address taken since.
        deploy(ext, alias_address(1), 9);
        ok(ext, Origin::Signed(acc(8)), create_target(addr(1)));
        assert!(CONTRACT_TARGETS.contains_key(ext, &alias_address(2)));
        assert_eq!(ALIAS_NONCE.get(ext), 3);
    });
}

#[test]
fn creating_and_growing_a_target_refuses_bad_input() {
    new_ext(0).execute_with(|ext| {
        noop(ext, Origin::Signed(acc(7)), create_target(addr(1)), err(Error::NotAPlainContract));
        let alias = with_target(ext);
        noop(ext, Origin::None, create_target(addr(1)), DispatchError::BadOrigin);
        noop(ext, Origin::Signed(acc(7)), create_target(alias), err(Error::NotAPlainContract));
        let add = |alias, code| Call::add_contract_version { alias, code };
        noop(ext, Origin::Signed(acc(7)), add(addr(9), addr(1)), err(Error::UnknownContractTarget));
        noop(ext, Origin::Signed(acc(8)), add(alias, addr(4)), err(Error::NotTargetAdmin));
        noop(ext, Origin::None, add(alias, addr(4)), DispatchError::BadOrigin);
        noop(ext, Origin::Signed(acc(7)), add(alias, addr(4)), err(Error::NotAPlainContract));
        noop(ext, Origin::Signed(acc(7)), add(alias, alias), err(Error::NotAPlainContract));
        noop(ext, Origin::Signed(acc(7)), add(alias, addr(2)), err(Error::DuplicateVersion));
        // Root may add versions too, up to the bound.
        for n in 4..=CONTRACT_VERSIONS_MAX as u8 {
            deploy(ext, addr(n), n);
            ok(ext, Origin::Root, add(alias, addr(n)));
        }
        let added = Event::ContractVersionAdded { alias, version: 64, code: addr(64) };
        assert!(events(ext).contains(&added));
        deploy(ext, addr(200), 200);
        noop(ext, Origin::Signed(acc(7)), add(alias, addr(200)), err(Error::TooManyVersions));
        // Every derived address taken: no alias.
        let next = ALIAS_NONCE.get(ext);
        for n in next..next + 16 {
            deploy(ext, alias_address(n), 201);
        }
        noop(ext, Origin::Signed(acc(7)), create_target(addr(2)), err(Error::NoFreeAlias));
    });
}

#[test]
fn a_release_of_a_contract_target_routes_code_by_class_and_data_id() {
    // No validator signalled anything: contract versions need no signal.
    new_ext(0).execute_with(|ext| {
        let alias = with_target(ext);
        let target = Target::Contract(alias);
        let open = |v| Call::open_release { target, new_version: v, cohort: cohort(&[7]) };
        noop(ext, Origin::Root, open(4), err(Error::UnknownVersion));
        noop(ext, Origin::Root, open(1), err(Error::SameVersion));
        noop(
            ext,
            Origin::Root,
            Call::open_release { target: Target::Records, new_version: 2, cohort: cohort(&[7]) },
            err(Error::NotSupportedByValidators),
        );
        ok(ext, Origin::Root, open(2));
        let (prod, pre, gray) = (TrafficClass::Production, TrafficClass::PreReleaseTest, TrafficClass::GrayTest);
        assert_eq!((served_version(ext, prod, &alias, 1), served_version(ext, pre, &alias, 1)), (1, 2));
        assert_eq!(served_version(ext, gray, &alias, 1), 1);
        let served = serve(ext, pre, &alias, &input(1)).unwrap();
        assert_eq!(served, evm::Served { release: 1, version: 2, code: addr(2) });
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(1)), "outside a routed call: the current version");
        assert_eq!(check_class(ext, &acc(7), target, pre), Ok(()));

        // Gray at 20%: by the data id's bucket, the same id always on the same version.
        ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 2_000 });
        let on_new = (0..2_000).filter(|n| served_version(ext, prod, &alias, *n) == 2).count();
        assert!((340..=460).contains(&on_new), "20% of 2,000 ids within 3 points: {on_new}");
        for n in 0..50 {
            let data_id = rule(0).data_id(&input(n));
            let expected = if bucket_of(1, &data_id) < 2_000 { 2 } else { 1 };
            assert_eq!(served_version(ext, prod, &alias, n), expected);
        }
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(1)));

        // Switch: the alias designates version 2; a rollback points it back in one step.
        ok(ext, Origin::Root, Call::switch { release: 1 });
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(2)));
        assert_eq!(served_version(ext, prod, &alias, 7), 2);
        ok(ext, Origin::Root, Call::rollback { release: 1 });
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(1)));
        assert_eq!(served_version(ext, prod, &alias, 7), 1);

        // A later release goes from version 1 to 3, and switches.
        ok(ext, Origin::Root, open(3));
        ok(ext, Origin::Root, Call::start_gray { release: 2, share_bp: 10_000 });
        ok(ext, Origin::Root, Call::switch { release: 2 });
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(3)));
        assert_eq!(current_version(ext, target), 3);
    });
}

#[test]
fn a_failing_contract_version_rolls_itself_back() {
    new_ext(0).execute_with(|ext| {
        let alias = with_target(ext);
        let target = Target::Contract(alias);
        ok(ext, Origin::Root, Call::open_release { target, new_version: 2, cohort: cohort(&[7]) });
        ok(ext, Origin::Root, Call::start_gray { release: 1, share_bp: 10_000 });
        let rules = HealthRules { window: 10, max_failure_bp: 2_000, min_sample: 5 };
        ok(ext, Origin::Root, Call::set_health_rules { rules });
        // Every call reverts on version 2: the fifth rolls the release back.
        for n in 0..5 {
            let routed = route(ext, target, TrafficClass::Production, &rule(0).data_id(&input(n)));
            assert_eq!(routed.version, 2);
            note_outcome(ext, &routed, false);
            check(ext);
        }
        assert_eq!(stage(ext, 1), Stage::RolledBack { automatic: true });
        assert_eq!(alias::delegation_of(ext, &alias), Some(addr(1)));
        assert_eq!(served_version(ext, TrafficClass::Production, &alias, 0), 1);
    });
}

#[test]
fn a_data_id_is_the_named_argument_word() {
    let mut data = input(9);
    data.extend_from_slice(&[0x11; 32]);
    assert_eq!(rule(0).data_id(&data), data[4..36].to_vec());
    assert_eq!(rule(1).data_id(&data), vec![0x11; 32]);
    assert_eq!(rule(2).data_id(&data), Vec::<u8>::new(), "too short: the empty data id");
    assert_eq!(rule(0).data_id(&[1, 2, 3]), Vec::<u8>::new());
    assert_eq!(rule(255).data_id(&data), Vec::<u8>::new());
}

#[test]
fn a_target_is_named_by_its_alias() {
    let alias = alias_address(0);
    let name = Target::Contract(alias).name();
    assert_eq!(Target::from_name(&name), Some(Target::Contract(alias)));
    assert_eq!(Target::from_name("records"), Some(Target::Records));
    assert_eq!(Target::from_name("0x1234"), None);
    assert_eq!(Target::from_name("0xzz"), None);
}
