//! Opening a database: the genesis is built for a new one, and for an existing one only
//! when the chain spec's genesis digest is not the stored one (a restart of a large chain
//! must not rebuild its genesis); a different genesis is still refused.

use std::cell::Cell;

use accord_node::backend::{Backend, BackendError, Pruning};
use accord_node::chain_spec::ChainSpec;
use accord_node::db::MemoryBudget;
use accord_runtime::genesis::FundedAccounts;
use accord_runtime::{GenesisConfig, UNIT};

/// Opens `dir` with `spec`'s digest, counting the genesis builds in `builds`.
fn open(dir: &std::path::Path, spec: &ChainSpec, builds: &Cell<u32>) -> Result<Backend, BackendError> {
    Backend::open_lazy(
        dir,
        Pruning::Window(16),
        spec.genesis_digest(),
        || {
            builds.set(builds.get() + 1);
            Ok::<_, BackendError>(spec.genesis_state().expect("valid spec"))
        },
        &MemoryBudget::default(),
    )
}

fn funded(count: u32) -> ChainSpec {
    let mut spec = ChainSpec::dev();
    spec.genesis = accord_node::chain_spec::Genesis::Runtime(GenesisConfig {
        funded: Some(FundedAccounts { count, balance: 1_000 * UNIT }),
        ..GenesisConfig::dev()
    });
    spec
}

#[test]
fn a_restart_with_the_same_spec_does_not_build_the_genesis_again() {
    let dir = tempfile::tempdir().unwrap();
    let spec = funded(100);
    let expected = spec.genesis_state().unwrap().1.hash();
    let builds = Cell::new(0);

    let backend = open(dir.path(), &spec, &builds).unwrap();
    assert_eq!(builds.get(), 1, "a new database gets the genesis");
    assert_eq!(backend.genesis_hash(), expected);
    drop(backend);

    let backend = open(dir.path(), &spec, &builds).unwrap();
    assert_eq!(builds.get(), 1, "the same spec opens without building the genesis");
    assert_eq!(backend.genesis_hash(), expected);
    assert_eq!(backend.best().number, 0);
}

#[test]
fn another_genesis_is_still_refused_and_an_equal_one_is_checked_once() {
    let dir = tempfile::tempdir().unwrap();
    let builds = Cell::new(0);
    drop(open(dir.path(), &funded(100), &builds).unwrap());

    // Another genesis: built, compared, refused; the stored digest stays.
    let other = funded(101);
    assert_ne!(other.genesis_digest(), funded(100).genesis_digest());
    match open(dir.path(), &other, &builds) {
        Err(BackendError::GenesisMismatch { .. }) => {}
        Err(e) => panic!("expected a genesis mismatch, got {e}"),
        Ok(_) => panic!("a database of another genesis was opened"),
    }
    assert_eq!(builds.get(), 2);
    drop(open(dir.path(), &funded(100), &builds).unwrap());
    assert_eq!(builds.get(), 2, "the refused spec did not replace the stored digest");

    // A spec written differently but with the same genesis (the raw form has no digest):
    // built and checked each time, and accepted.
    let raw = ChainSpec::from_json(&funded(100).to_json(true).unwrap()).unwrap();
    assert_eq!(raw.genesis_digest(), None);
    drop(open(dir.path(), &raw, &builds).unwrap());
    assert_eq!(builds.get(), 3);

    // A database written before digests were stored (simulated by opening with the raw
    // spec first) gets the digest at its first start with a runtime spec.
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), &raw, &builds).unwrap());
    drop(open(dir.path(), &funded(100), &builds).unwrap());
    assert_eq!(builds.get(), 5);
    drop(open(dir.path(), &funded(100), &builds).unwrap());
    assert_eq!(builds.get(), 5);
}

#[test]
fn an_interrupted_genesis_write_is_redone_from_scratch() {
    use accord_node::db::{col, Db};
    let dir = tempfile::tempdir().unwrap();
    // What a killed first start may leave: a whole trie and state, but no genesis marker
    // (written last). Here they are of another chain with more accounts (trie nodes the new
    // genesis does not have), plus a key no genesis has.
    drop(open(dir.path(), &funded(150), &Cell::new(0)).unwrap());
    {
        let db = Db::open(dir.path(), &MemoryBudget::default()).unwrap();
        db.rocks.delete_cf(db.cf(col::META), b"genesis").unwrap();
        db.rocks.put_cf(db.cf(col::STATE), b":leftover:", b"1").unwrap();
    }
    let spec = funded(100);
    let builds = Cell::new(0);
    let backend = open(dir.path(), &spec, &builds).unwrap();
    assert_eq!(backend.genesis_hash(), spec.genesis_state().unwrap().1.hash());
    let view = backend.state_at(0).unwrap().expect("the genesis state");
    use accord_support::StateRead;
    assert_eq!(
        view.root_with(&accord_support::Changes::default()),
        spec.genesis_state().unwrap().1.state_root,
        "the stored trie is this genesis'"
    );
    // Every path of the stored trie is there: changing any one key through it gives the
    // root computed from scratch.
    let (genesis_state, _) = spec.genesis_state().unwrap();
    for key in genesis_state.keys() {
        let changes: accord_support::Changes = [(key.clone(), Some(b"changed".to_vec()))].into_iter().collect();
        let mut expected = genesis_state.clone();
        expected.insert(key.clone(), b"changed".to_vec());
        assert_eq!(
            view.root_with(&changes),
            accord_primitives::trie::trie_root(expected.iter(), accord_primitives::trie::StateVersion::V1),
            "the trie path of {key:02x?}"
        );
    }
    let keys: usize = genesis_state.len();
    let mut stored = 0;
    let mut key = Vec::new();
    while let Some(next) = view.next_key(&key) {
        stored += 1;
        key = next;
    }
    assert_eq!(stored, keys, "no state of the interrupted attempt is left");
}
