//! Pipelined block production on the real RocksDB backend, without a node process: blocks
//! built on a pending (not yet written) block must be exactly the blocks a sequential
//! importer accepts, and the state cache must never show a view a block it does not hold.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use codec::Encode;

use accord_node::backend::{Backend, Pruning};
use accord_node::client::{Client, TypedRead};
use accord_node::metrics::Metrics;
use accord_node::pool::PoolTx;
use accord_pallet_balances as balances;
use accord_pallet_system as system;
use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Block, Digest, Era, Header, Implicit, MultiAddress, UncheckedExtrinsic, H256};
use accord_runtime::genesis::{funded_account, funded_accounts, FundedAccounts};
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::{GenesisConfig, RuntimeCall, UNIT};
use accord_support::{Changes, StateRead};

const ACCOUNTS: u32 = 300;
const SENDERS: u32 = 40;

struct Chain {
    client: Client,
    _dir: tempfile::TempDir,
}

fn open(genesis: &GenesisConfig) -> Chain {
    let (state, header) = genesis.build().expect("valid genesis");
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::open(dir.path(), Pruning::Window(256), &header, &state.map).unwrap();
    Chain { client: Client::new(backend, Arc::new(Metrics::default())), _dir: dir }
}

fn genesis() -> GenesisConfig {
    GenesisConfig {
        funded: Some(FundedAccounts { count: ACCOUNTS, balance: 1_000 * UNIT }),
        open_chain: true,
        evm: Default::default(),
        ..GenesisConfig::dev()
    }
}

/// Block `b`'s transfers: every sender once, nonce `b`, to destinations that differ per block.
fn transfers(genesis_hash: H256, b: u32) -> Vec<Arc<PoolTx>> {
    let ids = funded_accounts(ACCOUNTS);
    let implicit = Implicit {
        spec_version: SPEC_VERSION,
        transaction_version: TRANSACTION_VERSION,
        genesis_hash,
        era_birth_hash: genesis_hash,
    };
    (0..SENDERS)
        .map(|s| {
            let dest = ids[((s * 7 + b * 13) % ACCOUNTS) as usize];
            let call = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
                dest: MultiAddress::Id(dest),
                value: UNIT + b as u128,
            });
            let pair = funded_account(s);
            let xt = UncheckedExtrinsic::new_signed(
                &call.encode(),
                &pair,
                SignedExtra { era: Era::Immortal, nonce: b, tip: 0 },
                &implicit,
            );
            Arc::new(PoolTx {
                hash: xt.hash(),
                sender: pair.account(),
                nonce: b,
                priority: 0,
                valid_till: u64::MAX,
                seq: s as u64,
                xt,
            })
        })
        .collect()
}

fn nonce_of(state: &impl StateRead, s: u32) -> u32 {
    state.get_typed::<system::AccountInfo>(&system::ACCOUNT.key(&funded_account(s).account())).map_or(0, |a| a.nonce)
}

#[test]
fn blocks_built_on_a_pending_block_import_sequentially() {
    let genesis = genesis();
    let author = open(&genesis);
    let importer = open(&genesis);
    let backend = author.client.backend();
    let genesis_hash = backend.genesis_hash();
    let deadline = || Instant::now() + Duration::from_secs(60);
    let mut blocks: Vec<Block> = Vec::new();
    // Block b is built while block b-1 is pending; b-1 is committed only afterwards.
    let mut in_flight: Option<(Block, Arc<Changes>)> = None;
    for b in 0..6u32 {
        let mut proposal =
            author.client.build_block(1_000_000 + 1000 * b as u64, &transfers(genesis_hash, b), deadline()).unwrap();
        assert_eq!(proposal.included.len(), SENDERS as usize, "block {b}: every transfer applies on the tip");
        if let Some((block, changes)) = in_flight.take() {
            // The pending block's state is what the builder saw; the committed best is older.
            let best = backend.state_at(backend.best().number).unwrap().unwrap();
            assert_eq!(nonce_of(&best, 0), b - 1, "the best state does not include the pending block");
            assert_eq!(nonce_of(&backend.tip_state(), 0), b, "the tip state includes the pending block");
            author.client.import_block(&block, Some(&changes)).unwrap();
            assert!(backend.pending().is_none(), "a committed block is no longer pending");
        }
        let changes = Arc::new(std::mem::take(&mut proposal.changes));
        backend.set_pending(&proposal.block.header, changes.clone(), Duration::ZERO).unwrap();
        assert_eq!(backend.tip().hash, proposal.block.header.hash());
        assert_eq!(backend.tip().number, backend.best().number + 1);
        // A second pending block is refused while the first is not written.
        let err = backend.set_pending(&proposal.block.header, changes.clone(), Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("still is"), "{err}");
        blocks.push(proposal.block.clone());
        in_flight = Some((proposal.block, changes));
    }
    let (block, changes) = in_flight.take().unwrap();
    author.client.import_block(&block, Some(&changes)).unwrap();
    // The importer executes every block from scratch and checks its roots.
    for block in &blocks {
        importer.client.import_block(block, None).unwrap();
    }
    assert_eq!(importer.client.backend().best(), backend.best());
    let check = backend.verify_state().unwrap();
    assert!(check.is_consistent(), "{check:?}");
    assert_eq!(nonce_of(&backend.state_at(backend.best().number).unwrap().unwrap(), 3), 6);
}

#[test]
fn older_states_never_read_the_newer_cache() {
    let genesis = genesis();
    let chain = open(&genesis);
    let backend = chain.client.backend();
    let genesis_hash = backend.genesis_hash();
    // Warm the cache at block 0 through a view of block 0.
    let at0 = backend.state_at(0).unwrap().unwrap();
    assert_eq!(nonce_of(&at0, 1), 0);
    let proposal = chain
        .client
        .build_block(1_000_000, &transfers(genesis_hash, 0), Instant::now() + Duration::from_secs(60))
        .unwrap();
    chain.client.import_block(&proposal.block, Some(&proposal.changes)).unwrap();
    // The view taken before the commit still reads block 0, though the cache now holds 1.
    assert_eq!(nonce_of(&at0, 1), 0);
    assert_eq!(nonce_of(&backend.state_at(0).unwrap().unwrap(), 1), 0);
    assert_eq!(nonce_of(&backend.state_at(1).unwrap().unwrap(), 1), 1);
}

#[test]
fn reads_the_cache_answers_are_not_counted_as_database_reads() {
    let chain = open(&genesis());
    let backend = chain.client.backend();
    let before = backend.db_reads();
    let at0 = backend.state_at(0).unwrap().unwrap();
    assert_eq!(nonce_of(&at0, 1), 0);
    let after_miss = backend.db_reads();
    assert_eq!(after_miss.values, before.values + 1, "the first read goes to RocksDB");
    assert_eq!(nonce_of(&at0, 1), 0);
    assert_eq!(backend.db_reads(), after_miss, "the second is a cache hit");
    assert!(backend.db_property("state", "rocksdb.estimate-num-keys").is_some());
    assert_eq!(backend.db_property("no-such-column", "rocksdb.estimate-num-keys"), None);
}

#[test]
fn the_tip_state_lays_the_pending_changes_over_the_database() {
    let genesis = genesis();
    let chain = open(&genesis);
    let backend = chain.client.backend();
    let best = backend.state_at(0).unwrap().unwrap();
    // Three existing keys in a row: delete the middle one, add one after the first.
    let mut keys = Vec::new();
    let mut cursor = system::ACCOUNT.key(&funded_account(0).account());
    for _ in 0..3 {
        cursor = best.next_key(&cursor).unwrap();
        keys.push(cursor.clone());
    }
    let (k1, k2, k3) = (&keys[0], &keys[1], &keys[2]);
    let mut added = k1.clone();
    added.push(0);
    assert!(&added < k2);
    let changes: Changes = BTreeMap::from([(k2.clone(), None), (added.clone(), Some(b"new".to_vec()))]);
    let header = Header {
        parent_hash: backend.best().hash,
        number: 1,
        state_root: H256::default(),
        extrinsics_root: H256::default(),
        digest: Digest::default(),
    };
    backend.set_pending(&header, Arc::new(changes), Duration::ZERO).unwrap();
    let tip = backend.tip_state();
    assert_eq!(tip.next_key(k1), Some(added.clone()));
    assert_eq!(tip.next_key(&added), Some(k3.clone()), "a key deleted by the pending block is skipped");
    assert_eq!(tip.get(k2), None);
    assert_eq!(tip.get(&added), Some(b"new".to_vec()));
    assert_eq!(tip.get(k3), best.get(k3));
    // The best state is untouched.
    assert_eq!(best.next_key(k1), Some(k2.clone()));
    assert!(best.get(k2).is_some());
}

#[test]
fn an_imported_block_with_a_forged_signature_is_rejected_naming_it() {
    let genesis = genesis();
    let author = open(&genesis);
    let importer = open(&genesis);
    let genesis_hash = author.client.backend().genesis_hash();
    // 160 transfers (every sender four times): enough for the importer to split the batch
    // verification across threads.
    let mut txs: Vec<Arc<PoolTx>> = (0..4).flat_map(|b| transfers(genesis_hash, b)).collect();
    // Transaction 100 gets a forged signature; the builder trusts the pool and includes it.
    let forged = &txs[100];
    let mut bytes = forged.xt.encoded().to_vec();
    let signer = forged.sender.0;
    let at = bytes.windows(32).position(|w| w == signer).expect("the signer's address is in the extrinsic");
    bytes[at + 32 + 1 + 5] ^= 1;
    let xt = UncheckedExtrinsic::decode_with_limit(&bytes, u32::MAX).unwrap();
    txs[100] = Arc::new(PoolTx {
        hash: xt.hash(),
        sender: forged.sender,
        nonce: forged.nonce,
        priority: 0,
        valid_till: u64::MAX,
        seq: forged.seq,
        xt,
    });
    let proposal = author.client.build_block(1_000_000, &txs, Instant::now() + Duration::from_secs(60)).unwrap();
    assert_eq!(proposal.included.len(), 160);
    let err = importer.client.import_block(&proposal.block, None).unwrap_err();
    match err {
        accord_node::client::ClientError::InvalidBlock(accord_runtime::BlockError::InvalidExtrinsic {
            index,
            error,
        }) => {
            // Index 0 is the timestamp inherent.
            assert_eq!(index, 101);
            assert_eq!(
                error,
                accord_runtime::validity::TransactionValidityError::Invalid(
                    accord_runtime::validity::InvalidTransaction::BadProof
                )
            );
        }
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(importer.client.backend().best().number, 0, "nothing was imported");
    // Without the forgery the same transactions import.
    let mut txs: Vec<Arc<PoolTx>> = (0..4).flat_map(|b| transfers(genesis_hash, b)).collect();
    txs.truncate(160);
    let author = open(&genesis);
    let proposal = author.client.build_block(1_000_000, &txs, Instant::now() + Duration::from_secs(60)).unwrap();
    importer.client.import_block(&proposal.block, None).unwrap();
    assert_eq!(importer.client.backend().best().number, 1);
}
