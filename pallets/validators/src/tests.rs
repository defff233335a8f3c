use codec::{Decode, Encode};

use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::AccountId32;
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{DispatchError, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

const VALIDATORS_INDEX: u8 = 6;
const PALLETS: PalletIndices = &[("System", 0), ("Validators", VALIDATORS_INDEX)];

/// 32 bytes that are not the encoding of a curve point (checked in `the_invalid_key_is_invalid`).
const INVALID: ValidatorKey = [2; 32];

/// The ed25519 public key of `//<name>`.
fn key(name: &str) -> ValidatorKey {
    Ed25519Pair::from_uri(&format!("//{name}")).unwrap().public()
}

fn list(names: &[&str]) -> ValidatorList {
    ValidatorList::try_from_vec(names.iter().map(|n| key(n)).collect()).unwrap()
}

fn keys(raw: &[ValidatorKey]) -> ValidatorList {
    ValidatorList::try_from_vec(raw.to_vec()).unwrap()
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: VALIDATORS_INDEX, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, VALIDATORS_INDEX)
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
}

/// Dispatches `call` as root, expecting success, then checks the invariants.
#[track_caller]
fn root(ext: &mut Ext<'_>, call: Call) {
    dispatch(ext, Origin::Root, call).unwrap();
    check(ext);
}

/// Dispatches `call` as `origin`, expecting `error` and no change, then checks the invariants.
#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call, error: DispatchError) {
    assert_noop(ext, error, |ext| dispatch(ext, origin, call));
    check(ext);
}

/// A chain whose genesis names `names`.
fn new_ext(names: &[&str]) -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        build_genesis(ext, &list(names)).unwrap();
        check(ext);
    });
    t
}

#[test]
fn the_invalid_key_is_invalid() {
    assert!(!is_valid_key(&INVALID));
    assert!(is_valid_key(&key("Alice")));
    assert!(!is_valid_key(&[0; 32]), "a weak (small-order) point is refused");
    // `//Alice`'s key as `subkey inspect --scheme ed25519 //Alice` prints it.
    assert_eq!(hex::encode(key("Alice")), "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee");
}

#[test]
fn set_validators_replaces_the_set_in_the_order_given() {
    new_ext(&["Alice", "Bob"]).execute_with(|ext| {
        assert_eq!(VALIDATORS.get(ext), list(&["Alice", "Bob"]));
        root(ext, Call::set_validators { validators: list(&["Eve", "Charlie", "Dave"]) });
        assert_eq!(VALIDATORS.get(ext), list(&["Eve", "Charlie", "Dave"]), "kept in the order given");
        assert_eq!(events(ext), vec![Event::ValidatorsSet { count: 3 }]);
    });
}

#[test]
fn set_validators_rejects_bad_lists() {
    new_ext(&["Alice"]).execute_with(|ext| {
        let set = |validators: ValidatorList| Call::set_validators { validators };
        noop(ext, Origin::Root, set(ValidatorList::new()), err(Error::NoValidators));
        noop(ext, Origin::Root, set(list(&["Bob", "Charlie", "Bob"])), err(Error::DuplicateValidator));
        noop(ext, Origin::Root, set(keys(&[key("Bob"), INVALID])), err(Error::InvalidKey));
        assert_eq!(VALIDATORS.get(ext), list(&["Alice"]));
    });
}

#[test]
fn add_validator_appends_one() {
    new_ext(&["Alice"]).execute_with(|ext| {
        root(ext, Call::add_validator { validator: key("Bob") });
        assert_eq!(VALIDATORS.get(ext), list(&["Alice", "Bob"]));
        assert_eq!(events(ext), vec![Event::ValidatorAdded { validator: key("Bob") }]);
        noop(ext, Origin::Root, Call::add_validator { validator: key("Alice") }, err(Error::AlreadyValidator));
        noop(ext, Origin::Root, Call::add_validator { validator: INVALID }, err(Error::InvalidKey));
    });
}

#[test]
fn add_validator_starts_a_set_on_a_chain_without_one() {
    new_ext(&[]).execute_with(|ext| {
        assert!(!VALIDATORS.exists(ext), "an empty genesis list stores nothing");
        root(ext, Call::add_validator { validator: key("Alice") });
        assert_eq!(VALIDATORS.get(ext), list(&["Alice"]));
    });
}

#[test]
fn the_set_is_bounded() {
    new_ext(&[]).execute_with(|ext| {
        let many: Vec<ValidatorKey> = (0..VALIDATORS_MAX).map(|i| key(&format!("Validator{i}"))).collect();
        root(ext, Call::set_validators { validators: keys(&many) });
        assert_eq!(VALIDATORS.get(ext).len(), VALIDATORS_MAX as usize);
        noop(ext, Origin::Root, Call::add_validator { validator: key("Alice") }, err(Error::TooManyValidators));
        // AlreadyValidator is checked first: a full set still says which error applies.
        noop(ext, Origin::Root, Call::add_validator { validator: many[3] }, err(Error::AlreadyValidator));
    });
    // One more than the bound does not even decode.
    let too_many = vec![key("Alice"); VALIDATORS_MAX as usize + 1];
    assert!(Call::decode(&mut &(0u8, too_many).encode()[..]).is_err());
}

#[test]
fn remove_validator_removes_one_but_never_the_last() {
    new_ext(&["Alice", "Bob", "Charlie"]).execute_with(|ext| {
        root(ext, Call::remove_validator { validator: key("Bob") });
        assert_eq!(VALIDATORS.get(ext), list(&["Alice", "Charlie"]));
        assert_eq!(events(ext), vec![Event::ValidatorRemoved { validator: key("Bob") }]);
        noop(ext, Origin::Root, Call::remove_validator { validator: key("Bob") }, err(Error::NotValidator));
        root(ext, Call::remove_validator { validator: key("Alice") });
        noop(ext, Origin::Root, Call::remove_validator { validator: key("Charlie") }, err(Error::NoValidators));
        assert_eq!(VALIDATORS.get(ext), list(&["Charlie"]));
    });
    new_ext(&[]).execute_with(|ext| {
        noop(ext, Origin::Root, Call::remove_validator { validator: key("Alice") }, err(Error::NotValidator));
    });
}

#[test]
fn only_root_changes_the_set() {
    new_ext(&["Alice", "Bob"]).execute_with(|ext| {
        let calls = [
            Call::set_validators { validators: list(&["Charlie"]) },
            Call::add_validator { validator: key("Charlie") },
            Call::remove_validator { validator: key("Bob") },
        ];
        for call in calls {
            for origin in [Origin::Signed(AccountId32(key("Alice"))), Origin::None] {
                noop(ext, origin, call.clone(), DispatchError::BadOrigin);
            }
        }
        assert_eq!(VALIDATORS.get(ext), list(&["Alice", "Bob"]));
    });
}

#[test]
fn genesis_checks_its_list() {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        let too_many = vec![key("Alice"); VALIDATORS_MAX as usize + 1];
        assert!(build_genesis(ext, &too_many).unwrap_err().contains("more than the limit"));
        assert!(build_genesis(ext, &[key("Alice"), INVALID]).unwrap_err().contains("not an ed25519 public key"));
        assert!(build_genesis(ext, &[key("Bob"), key("Alice"), key("Bob")]).unwrap_err().contains("listed twice"));
        assert!(!VALIDATORS.exists(ext), "a rejected list stores nothing");
        build_genesis(ext, &[]).unwrap();
        assert!(!VALIDATORS.exists(ext), "an empty list stores nothing");
        build_genesis(ext, &[key("Bob"), key("Alice")]).unwrap();
        assert_eq!(VALIDATORS.get(ext), list(&["Bob", "Alice"]));
        check(ext);
    });
}

#[test]
fn check_state_catches_broken_sets() {
    let broken: [(&str, Vec<u8>); 5] = [
        ("NoValidators", Vec::<ValidatorKey>::new().encode()),
        ("DuplicateValidator", vec![key("Alice"), key("Bob"), key("Alice")].encode()),
        ("InvalidKey", vec![key("Alice"), INVALID].encode()),
        ("more than 64", vec![key("Alice"); VALIDATORS_MAX as usize + 1].encode()),
        ("trailing bytes", [vec![key("Alice")].encode(), vec![0]].concat()),
    ];
    for (expected, bytes) in broken {
        let mut t = TestExternalities::new(PALLETS);
        t.execute_with(|ext| {
            ext.set(VALIDATORS.key(), bytes);
            let error = Pallet::check_state(ext).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
        });
    }
}

#[test]
fn weights_grow_with_the_list() {
    let one = Call::set_validators { validators: list(&["Alice"]) }.weight();
    let three = Call::set_validators { validators: list(&["Alice", "Bob", "Charlie"]) }.weight();
    assert!(three.ref_time > one.ref_time);
    assert_eq!(
        three.ref_time - one.ref_time,
        2 * (weights::set_validators(1).ref_time - weights::set_validators(0).ref_time)
    );
    assert_eq!(Call::add_validator { validator: key("Alice") }.weight(), weights::add_validator());
    assert_eq!(Call::remove_validator { validator: key("Alice") }.weight(), weights::remove_validator());
}

#[test]
fn call_indices_are_fixed() {
    assert_eq!(Call::set_validators { validators: list(&["Alice"]) }.encode()[0], 0);
    assert_eq!(Call::add_validator { validator: key("Alice") }.encode()[0], 1);
    assert_eq!(Call::remove_validator { validator: key("Alice") }.encode()[0], 2);
    assert_eq!(Call::add_validator { validator: key("Alice") }.encode().len(), 33, "the key is a bare [u8; 32]");
}
