//! The validators pallet in the assembled runtime: genesis, root calls through sudo in real
//! blocks, and what clients see of it in metadata.

use accord_pallet_validators as validators;
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::Pair;
use accord_support::{DispatchError, Ext, MemoryState, ModuleError};

use super::Chain;
use crate::{GenesisConfig, GenesisError, RuntimeCall, RuntimeEvent, PALLETS};

fn key(name: &str) -> [u8; 32] {
    Ed25519Pair::from_uri(&format!("//{name}")).unwrap().public()
}

fn stored(state: &MemoryState) -> Vec<[u8; 32]> {
    validators::VALIDATORS.get(&Ext::new(state, PALLETS)).into_inner()
}

fn sudo(call: validators::Call) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Validators(call)) })
}

#[test]
fn genesis_stores_the_set_only_when_there_is_one() {
    let (dev, dev_header) = GenesisConfig::dev().build().unwrap();
    assert!(!dev.map.contains_key(&validators::VALIDATORS.key()), "the dev chain has no stored set");
    let config = GenesisConfig { validators: vec![key("Bob"), key("Alice")], ..GenesisConfig::dev() };
    let (state, header) = config.build().unwrap();
    assert_eq!(stored(&state), vec![key("Bob"), key("Alice")], "in the order given");
    assert_ne!(header.state_root, dev_header.state_root);
    // The set is the only difference.
    let mut without = state.map.clone();
    without.remove(&validators::VALIDATORS.key());
    assert_eq!(without, dev.map);
    assert_eq!(Chain::dev().read(crate::check_state), Ok(()));
    let ext = Ext::new(&state, PALLETS);
    assert_eq!(crate::check_state(&ext), Ok(()));
    // Not part of the JSON form: the chain spec carries it.
    assert_eq!(GenesisConfig::from_json(&config.to_json()).unwrap().validators, Vec::<[u8; 32]>::new());
}

#[test]
fn genesis_rejects_a_bad_set() {
    let build = |validators: Vec<[u8; 32]>| GenesisConfig { validators, ..GenesisConfig::dev() }.build();
    let twice = build(vec![key("Alice"), key("Alice")]).unwrap_err();
    assert!(matches!(&twice, GenesisError::Rejected(m) if m.contains("listed twice")), "{twice}");
    let invalid = build(vec![[2; 32]]).unwrap_err();
    assert!(invalid.to_string().contains("not an ed25519 public key"), "{invalid}");
    let too_many = build(vec![key("Alice"); validators::VALIDATORS_MAX as usize + 1]).unwrap_err();
    assert!(too_many.to_string().contains("more than the limit"), "{too_many}");
}

#[test]
fn root_changes_the_set_in_blocks() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let add = sudo(validators::Call::add_validator { validator: key("Alice") });
    let outcome = chain.produce(&[chain.signed(&alice, &add, 0)]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.info.weight, add.weight());
    assert_eq!(chain.read(|ext| validators::VALIDATORS.get(ext)).into_inner(), vec![key("Alice")]);
    let events: Vec<RuntimeEvent> = chain.events().into_iter().map(|r| r.event).collect();
    assert!(events.contains(&RuntimeEvent::Validators(validators::Event::ValidatorAdded { validator: key("Alice") })));
    assert!(events.contains(&RuntimeEvent::Sudo(accord_pallet_sudo::Event::Sudid { sudo_result: Ok(()) })));

    // A failing inner call is reported in Sudid, with the pallet's index 6.
    let remove_last = sudo(validators::Call::remove_validator { validator: key("Alice") });
    chain.produce(&[chain.signed(&alice, &remove_last, 1)]);
    let no_validators =
        DispatchError::Module(ModuleError { index: 6, error: [validators::Error::NoValidators as u8, 0, 0, 0] });
    assert!(chain
        .events()
        .iter()
        .any(|r| r.event == RuntimeEvent::Sudo(accord_pallet_sudo::Event::Sudid { sudo_result: Err(no_validators) })));
    assert_eq!(chain.read(|ext| validators::VALIDATORS.get(ext)).len(), 1);

    // Signed (not root): the call itself fails.
    let direct = RuntimeCall::Validators(validators::Call::add_validator { validator: key("Bob") });
    let outcome = chain.produce(&[chain.signed(&alice, &direct, 2)]).remove(0).unwrap();
    assert_eq!(outcome.result, Err(DispatchError::BadOrigin));
    assert_eq!(chain.read(|ext| validators::VALIDATORS.get(ext)).len(), 1);
}

#[test]
fn clients_see_the_pallet_in_metadata() {
    let md = subxt_metadata::Metadata::decode_from(crate::metadata::metadata_bytes()).unwrap();
    let pallet = md.pallet_by_name("Validators").unwrap();
    assert_eq!(pallet.call_index(), 6);
    let add = pallet.call_variant_by_name("add_validator").unwrap();
    assert_eq!(add.index, 1);
    assert_eq!(add.fields.len(), 1);
    let ty = md.types().resolve(add.fields[0].ty.id).unwrap();
    assert!(
        matches!(&ty.type_def, scale_info::TypeDef::Array(a) if a.len == 32),
        "add_validator takes a [u8; 32]: {:?}",
        ty.type_def
    );
    for (index, name) in [(0, "set_validators"), (2, "remove_validator")] {
        assert_eq!(pallet.call_variant_by_name(name).unwrap().index, index, "{name}");
    }
    assert_eq!(pallet.event_variant_by_index(1).unwrap().name, "ValidatorAdded");
    assert!(pallet.storage().unwrap().entry_by_name("Validators").is_some());
    assert!(pallet.constant_by_name("ValidatorsMax").is_some());
}
