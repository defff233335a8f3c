//! `:code`: the runtime descriptor in the genesis state, and its rewrite at a block's start
//! when a chain began under another runtime.

use codec::{Decode, Encode};

use accord_primitives::hashing::blake2_256;
use accord_primitives::Digest;
use accord_support::StateRead;

use super::Chain;
use crate::code::{descriptor, descriptor_bytes, RuntimeDescriptor, CODE_KEY, DESCRIPTOR_MAGIC};
use crate::executive::BlockExecution;
use crate::metadata::metadata_v15_bytes;
use crate::timestamp_inherent;
use crate::version::{SPEC_NAME, SPEC_VERSION, TRANSACTION_VERSION};

/// Builds the next block on `chain` without importing it: whether it wrote `:code`, and to
/// what.
fn next_block_code(chain: &Chain) -> Option<Option<Vec<u8>>> {
    let parent = chain.best().clone();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), parent.number + 1, Digest::default());
    exec.apply(&timestamp_inherent(1_800_000_000_000)).unwrap();
    let built = exec.finalize().unwrap();
    built.changes.into_iter().find(|(k, _)| k == CODE_KEY).map(|(_, v)| v)
}

#[test]
fn genesis_holds_the_runtime_descriptor() {
    let chain = Chain::dev();
    let stored = chain.state.get(CODE_KEY).expect("genesis has :code");
    assert_eq!(stored, descriptor_bytes());
    let d = RuntimeDescriptor::decode(&mut &stored[..]).unwrap();
    assert_eq!(d.magic, DESCRIPTOR_MAGIC);
    assert_ne!(&stored[..4], b"\0asm", "not wasm");
    assert_eq!(
        (d.spec_name.as_str(), d.spec_version, d.transaction_version),
        (SPEC_NAME, SPEC_VERSION, TRANSACTION_VERSION)
    );
    assert_eq!(d.metadata_hash, blake2_256(metadata_v15_bytes()));
    // Deterministic: the metadata built again gives the same bytes, so the same genesis.
    assert_eq!(crate::metadata::build_v15().encode(), metadata_v15_bytes());
    assert_eq!(Chain::dev().genesis_hash(), chain.genesis_hash());
}

#[test]
fn a_block_leaves_the_current_descriptor_alone() {
    let mut chain = Chain::dev();
    assert_eq!(next_block_code(&chain), None, "no write when :code is current");
    chain.produce(&[]);
    assert_eq!(chain.state.get(CODE_KEY).as_deref(), Some(descriptor_bytes()));
}

#[test]
fn a_block_rewrites_a_missing_or_stale_descriptor() {
    // A chain begun by a binary without `:code`: the first block writes it, and a second
    // node importing the block agrees (`produce` imports every block it builds).
    let mut chain = Chain::dev();
    chain.state.map.remove(CODE_KEY);
    assert_eq!(next_block_code(&chain), Some(Some(descriptor_bytes().to_vec())));
    chain.produce(&[]);
    assert_eq!(chain.state.get(CODE_KEY).as_deref(), Some(descriptor_bytes()));
    assert_eq!(next_block_code(&chain), None, "once current, left alone");

    // A chain begun by an older runtime (another spec version and metadata).
    let older = RuntimeDescriptor { spec_version: SPEC_VERSION - 1, metadata_hash: [7; 32], ..descriptor() };
    let mut chain = Chain::dev();
    chain.state.map.insert(CODE_KEY.to_vec(), older.encode());
    let block_weight_before = {
        let mut probe = Chain::dev();
        probe.produce(&[]);
        probe.read(|ext| accord_pallet_system::BLOCK_WEIGHT.get(ext))
    };
    chain.produce(&[]);
    assert_eq!(chain.state.get(CODE_KEY).as_deref(), Some(descriptor_bytes()));
    let block_weight = chain.read(|ext| accord_pallet_system::BLOCK_WEIGHT.get(ext));
    assert_eq!(
        block_weight.ref_time - block_weight_before.ref_time,
        accord_support::dispatch::db_weight::WRITE.ref_time,
        "the rewrite is counted in the block's weight"
    );
}
