//! The organizations pallet in the assembled runtime: the membership gate at validation and
//! at block application, suspension and exit through sudo in real blocks, genesis JSON, and
//! what clients see in metadata.

use accord_pallet_balances as balances;
use accord_pallet_organizations as organizations;
use accord_primitives::{MultiAddress, Pair};
use accord_support::{DispatchError, Ext, ModuleError};

use super::Chain;
use crate::validity::{custom, InvalidTransaction, TransactionValidityError};
use crate::{BlockError, GenesisConfig, RuntimeCall, RuntimeEvent, PALLETS};

fn transfer(to: &Pair, value: u128) -> RuntimeCall {
    RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(to.account()), value })
}

fn sudo(call: organizations::Call) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Organizations(call)) })
}

const NOT_A_MEMBER: TransactionValidityError =
    TransactionValidityError::Invalid(InvalidTransaction::Custom(custom::NOT_A_MEMBER));

/// The dev chain with //Stranger endowed (funded, but in no organization).
fn chain_with_stranger() -> Chain {
    Chain::from_config(&chain_config())
}

/// The dev genesis with //Stranger endowed.
fn chain_config() -> GenesisConfig {
    let mut config = GenesisConfig::dev();
    config.balances.push((Pair::dev("Stranger").account(), 1_000 * crate::UNIT));
    config
}

#[test]
fn only_members_of_active_organizations_transact() {
    let mut chain = chain_with_stranger();
    let (alice, bob, stranger) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Stranger"));
    chain.read(|ext| assert_eq!(organizations::org_of(ext, &bob.account()), Some(1)));
    // Refused by the pool's validation, with the reason clients see as the error's data.
    let refused = chain.validate(&chain.signed(&stranger, &transfer(&bob, 1), 0)).unwrap_err();
    assert_eq!(refused, NOT_A_MEMBER);
    assert!(refused.to_string().contains("sender is not a member of an active organization"));
    // And again when a block applies it (a block author that skipped validation).
    let outcomes =
        chain.produce(&[chain.signed(&stranger, &transfer(&bob, 1), 0), chain.signed(&bob, &transfer(&alice, 1), 0)]);
    assert_eq!(outcomes[0].as_ref().unwrap_err(), &NOT_A_MEMBER);
    assert_eq!(outcomes[1].as_ref().unwrap().result, Ok(()), "a member's transfer is included");

    // Admitted once an admin adds it, refused again when removed.
    let add = RuntimeCall::Organizations(organizations::Call::add_member { org: 1, who: stranger.account() });
    assert_eq!(chain.produce(&[chain.signed(&alice, &add, 0)])[0].as_ref().unwrap().result, Ok(()));
    assert!(chain.validate(&chain.signed(&stranger, &transfer(&bob, 1), 0)).is_ok());
    let remove = RuntimeCall::Organizations(organizations::Call::remove_member { org: 1, who: stranger.account() });
    assert_eq!(chain.produce(&[chain.signed(&alice, &remove, 1)])[0].as_ref().unwrap().result, Ok(()));
    assert_eq!(chain.validate(&chain.signed(&stranger, &transfer(&bob, 1), 0)), Err(NOT_A_MEMBER));
}

#[test]
fn a_block_with_a_non_members_transaction_does_not_import() {
    use crate::executive::BlockExecution;
    let closed = Chain::from_config(&chain_config());
    let stranger = Pair::dev("Stranger");
    let xt = closed.signed(&stranger, &transfer(&Pair::dev("Bob"), 1), 0);
    let parent = closed.best().clone();
    // An author that ignores the gate appends it to a block anyway: the import refuses it.
    let mut exec = BlockExecution::initialize(&closed.state, parent.hash(), 1, Default::default());
    exec.apply(&crate::timestamp_inherent(1_000)).unwrap();
    assert_eq!(exec.apply(&xt).unwrap_err(), NOT_A_MEMBER);
    let mut block = exec.finalize().unwrap().block;
    block.extrinsics.push(xt.encoded().to_vec());
    let result = crate::execute_block(&closed.state, &block);
    assert!(
        matches!(result, Err(BlockError::InvalidExtrinsic { index: 1, error }) if error == NOT_A_MEMBER),
        "{result:?}"
    );
}

#[test]
fn suspension_and_exit_take_effect_in_the_next_block() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    // A second organization, with //Eve moved into it: refused while Eve is in the first.
    let register = sudo(organizations::Call::register_org {
        name: organizations::Name::try_from_vec(b"Second".to_vec()).unwrap(),
        category: organizations::Category::OnCloud,
        admins: organizations::AdminList::try_from_vec(vec![Pair::dev("Eve").account()]).unwrap(),
        credentials: Default::default(),
    });
    chain.produce(&[chain.signed(&alice, &register, 0)]);
    let already =
        DispatchError::Module(ModuleError { index: 7, error: [organizations::Error::AlreadyMember as u8, 0, 0, 0] });
    assert!(chain
        .events()
        .iter()
        .any(|r| r.event == RuntimeEvent::Sudo(accord_pallet_sudo::Event::Sudid { sudo_result: Err(already) })));
    let dave = Pair::dev("Dave");
    let remove_eve =
        RuntimeCall::Organizations(organizations::Call::remove_member { org: 1, who: Pair::dev("Eve").account() });
    let register = sudo(organizations::Call::register_org {
        name: organizations::Name::try_from_vec(b"Second".to_vec()).unwrap(),
        category: organizations::Category::OnCloud,
        admins: organizations::AdminList::try_from_vec(vec![Pair::dev("Eve").account()]).unwrap(),
        credentials: Default::default(),
    });
    let outcomes = chain.produce(&[chain.signed(&alice, &remove_eve, 1), chain.signed(&alice, &register, 2)]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "{outcomes:?}");
    let eve = Pair::dev("Eve");
    chain.read(|ext| assert_eq!(organizations::org_of(ext, &eve.account()), Some(2)));

    // Suspended: Eve's transaction, valid a block ago, is refused; Dave's still goes in.
    let eves = chain.signed(&eve, &transfer(&dave, 1), 0);
    assert!(chain.validate(&eves).is_ok());
    let suspend = sudo(organizations::Call::suspend_org { org: 2 });
    assert_eq!(chain.produce(&[chain.signed(&alice, &suspend, 3)])[0].as_ref().unwrap().result, Ok(()));
    assert_eq!(chain.validate(&eves), Err(NOT_A_MEMBER));
    assert!(chain.validate(&chain.signed(&dave, &transfer(&eve, 1), 0)).is_ok());
    // Resumed, then exited by its own admin: refused for good.
    let resume = sudo(organizations::Call::resume_org { org: 2 });
    assert_eq!(chain.produce(&[chain.signed(&alice, &resume, 4)])[0].as_ref().unwrap().result, Ok(()));
    let exit = RuntimeCall::Organizations(organizations::Call::exit_org { org: 2 });
    assert_eq!(chain.produce(&[chain.signed(&eve, &exit, 0)])[0].as_ref().unwrap().result, Ok(()));
    assert_eq!(chain.validate(&chain.signed(&eve, &transfer(&dave, 1), 1)), Err(NOT_A_MEMBER));

    // Opened by root, anyone funded transacts; closed again, not.
    let open = sudo(organizations::Call::set_open { open: true });
    assert_eq!(chain.produce(&[chain.signed(&alice, &open, 5)])[0].as_ref().unwrap().result, Ok(()));
    assert!(chain.validate(&chain.signed(&eve, &transfer(&dave, 1), 1)).is_ok());
}

#[test]
fn genesis_json_carries_the_organizations_and_the_gate() {
    let alice = Pair::dev("Alice").account().to_ss58_default();
    let bob = Pair::dev("Bob").account().to_ss58_default();
    let key =
        format!("0x{}", hex::encode(accord_primitives::crypto::Ed25519Pair::from_uri("//Alice").unwrap().public()));
    let json = format!(
        r#"{{"balances": [["{alice}", "1000000000000000"]], "sudoKey": "{alice}",
        "organizations": [
          {{"name": "Alpha", "category": "offCloud", "space": {{"physical": ["127.0.0.1:30333", "[::1]:30334"]}},
            "admins": ["{alice}"], "members": [],
            "nodes": [{{"key": "{key}", "address": "127.0.0.1:30333", "role": "validator", "medium": "nvm"}}],
            "credentials": {{"tls": {{"fingerprint": "0x{fp}", "expiresAtMs": 1893456000000}}}}}},
          {{"name": "Beta", "category": "onCloud",
            "space": {{"tenant": {{"tenantId": "t-1", "tenantName": "Beta Corp", "projectId": "p-1"}}}},
            "admins": ["{bob}"]}}
        ]}}"#,
        fp = "ab".repeat(32),
    );
    let config = GenesisConfig::from_json(&json).unwrap();
    assert_eq!(config.organizations.len(), 2);
    assert!(!config.open_chain);
    assert_eq!(GenesisConfig::from_json(&config.to_json()).unwrap(), config, "the JSON form round-trips");
    let (state, _) = config.build().unwrap();
    let ext = Ext::new(&state, PALLETS);
    assert_eq!(crate::check_state(&ext), Ok(()));
    let alpha = organizations::ORGS.get(&ext, &1).unwrap();
    assert_eq!(alpha.nodes, 1);
    assert_eq!(alpha.credentials.tls.unwrap().expires_at_ms, 1_893_456_000_000);
    assert_eq!(organizations::org_of(&ext, &Pair::dev("Bob").account()), Some(2));

    // Clear errors for bad input.
    let bad = |edit: &str, with: &str| {
        GenesisConfig::from_json(&json.replacen(edit, with, 1)).and_then(|c| c.build().map(|_| ()))
    };
    let e = bad("127.0.0.1:30333\", \"[::1]", "127.0.0.1\", \"[::1]").unwrap_err().to_string();
    assert!(e.contains("is not host:port"), "{e}");
    let e = bad("offCloud", "inTheAir").unwrap_err().to_string();
    assert!(e.contains("unknown variant"), "{e}");
    let e = bad(r#""medium": "nvm""#, r#""medium": "nvm", "extra": 1"#).unwrap_err().to_string();
    assert!(e.contains("unknown field"), "{e}");
    let e = bad(&format!(r#""admins": ["{bob}"]"#), &format!(r#""admins": ["{alice}"]"#)).unwrap_err().to_string();
    assert!(e.contains("AlreadyMember"), "{e}");
    // A closed chain whose sudo key is in no organization could never use it.
    let e = bad(
        &format!(r#""sudoKey": "{alice}""#),
        &format!(r#""sudoKey": "{}""#, Pair::dev("Ferdie").account().to_ss58_default()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("in no organization"), "{e}");
    // A chain spec without organizations must say it is open.
    let e = GenesisConfig::from_json("{}").unwrap().build().unwrap_err().to_string();
    assert!(e.contains("open the chain"), "{e}");
    assert!(GenesisConfig::from_json(r#"{"openChain": true}"#).unwrap().build().is_ok());
}

#[test]
fn clients_see_the_pallet_in_metadata() {
    let m = match crate::metadata::build().1 {
        frame_metadata::RuntimeMetadata::V14(m) => m,
        _ => unreachable!(),
    };
    let pallet = m.pallets.iter().find(|p| p.name == "Organizations").unwrap();
    assert_eq!(pallet.index, 7);
    let calls = m.types.resolve(pallet.calls.as_ref().unwrap().ty.id).unwrap();
    let scale_info::TypeDef::Variant(v) = &calls.type_def else { panic!("calls are an enum") };
    let names: Vec<_> = v.variants.iter().map(|v| v.name.as_str()).collect();
    for expected in [
        "register_org",
        "add_member",
        "remove_member",
        "add_admin",
        "remove_admin",
        "register_node",
        "remove_node",
        "bind_resource_space",
        "release_resource_space",
        "suspend_org",
        "exit_org",
    ] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let storage: Vec<_> = pallet.storage.as_ref().unwrap().entries.iter().map(|e| e.name.as_str()).collect();
    assert!(storage.contains(&"Orgs") && storage.contains(&"AccountOrg") && storage.contains(&"Nodes"));
}

#[test]
fn the_sudo_key_stays_reachable_whatever_happens_to_its_organization() {
    let mut chain = Chain::dev();
    let (alice, bob, eve) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Eve"));
    // A second organization led by Eve, so that the first may be suspended.
    let remove_eve = RuntimeCall::Organizations(organizations::Call::remove_member { org: 1, who: eve.account() });
    let register = sudo(organizations::Call::register_org {
        name: organizations::Name::try_from_vec(b"Second".to_vec()).unwrap(),
        category: organizations::Category::OnCloud,
        admins: organizations::AdminList::try_from_vec(vec![eve.account()]).unwrap(),
        credentials: Default::default(),
    });
    let outcomes = chain.produce(&[chain.signed(&alice, &remove_eve, 0), chain.signed(&alice, &register, 1)]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()));
    // Bob, made admin, removes Alice from the development organization ...
    let promote = RuntimeCall::Organizations(organizations::Call::add_admin { org: 1, who: bob.account() });
    assert_eq!(chain.produce(&[chain.signed(&alice, &promote, 2)])[0].as_ref().unwrap().result, Ok(()));
    let remove = RuntimeCall::Organizations(organizations::Call::remove_member { org: 1, who: alice.account() });
    assert_eq!(chain.produce(&[chain.signed(&bob, &remove, 0)])[0].as_ref().unwrap().result, Ok(()));
    chain.read(|ext| assert_eq!(organizations::org_of(ext, &alice.account()), None));
    // ... and root suspends the organization: Alice, the sudo key, still sends root calls.
    let suspend = sudo(organizations::Call::suspend_org { org: 1 });
    assert_eq!(chain.produce(&[chain.signed(&alice, &suspend, 3)])[0].as_ref().unwrap().result, Ok(()));
    assert_eq!(chain.validate(&chain.signed(&bob, &transfer(&alice, 1), 1)), Err(NOT_A_MEMBER));
    let resume = sudo(organizations::Call::resume_org { org: 1 });
    assert_eq!(chain.produce(&[chain.signed(&alice, &resume, 4)])[0].as_ref().unwrap().result, Ok(()));
    assert!(chain.validate(&chain.signed(&bob, &transfer(&alice, 1), 1)).is_ok());
}
