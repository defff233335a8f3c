//! What the benchmarks of this crate share: a RocksDB-backed chain in a temporary folder,
//! signing, CPU time of the running thread, medians.

#![allow(dead_code)] // Each benchmark uses its own part.

use std::sync::Arc;
use std::time::{Duration, Instant};

use codec::Encode;

use accord_node::backend::{Backend, Pruning};
use accord_node::client::Client;
use accord_node::db::MemoryBudget;
use accord_node::metrics::Metrics;
use accord_node::pool::PoolTx;
use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{AccountId32, Block, Era, Header, Implicit, Pair, UncheckedExtrinsic, H256};
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::{GenesisConfig, RuntimeCall};
use accord_support::Changes;

/// This thread's CPU time.
pub(crate) fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The environment variable `name` as a number, `default` when unset; panics naming it when
/// it is not a number (a benchmark's knob).
pub(crate) fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}: not a number")))
}

/// The median of `v` (the upper one of an even count); 0 for none.
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A node's client on its own RocksDB database.
pub(crate) struct Chain {
    // Dropped before the folder it lives in.
    pub(crate) client: Client,
    _dir: tempfile::TempDir,
}

/// Builds `genesis` and writes it into a new database in a temporary folder, with a
/// `db_cache_mib` cache; returns the chain and how long that took.
pub(crate) fn open(genesis: &GenesisConfig, db_cache_mib: u32) -> (Chain, Duration) {
    let started = Instant::now();
    let (state, header) = genesis.build().expect("valid genesis");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let budget = MemoryBudget::from_mib(db_cache_mib as usize);
    let backend =
        Backend::open_with(dir.path(), Pruning::Window(256), &header, &state.map, &budget).expect("the database opens");
    (Chain { client: Client::new(backend, Arc::new(Metrics::default())), _dir: dir }, started.elapsed())
}

/// What a signature of this chain covers besides the call (immortal era).
pub(crate) fn implicit(genesis: H256) -> Implicit {
    Implicit {
        spec_version: SPEC_VERSION,
        transaction_version: TRANSACTION_VERSION,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    }
}

/// `call` signed by `pair` with `nonce` (immortal, no tip), as a pool transaction that the
/// author's block builder takes in `seq` order.
pub(crate) fn pool_tx(call: &RuntimeCall, pair: &Pair, nonce: u32, implicit: &Implicit, seq: u64) -> Arc<PoolTx> {
    let xt = UncheckedExtrinsic::new_signed(
        &call.encode(),
        pair,
        SignedExtra { era: Era::Immortal, nonce, tip: 0 },
        implicit,
    );
    Arc::new(PoolTx { hash: xt.hash(), sender: pair.account(), nonce, priority: 0, valid_till: u64::MAX, seq, xt })
}

/// Commits a block of `n` made-up `System.Account` values (spread over `ids`, different for
/// each `round`) straight to `client`'s database, no execution: the state root, trie nodes,
/// flat state and history of `n` changed keys. Returns how long the commit took. The chain
/// then holds a block no other node has.
pub(crate) fn commit_made_up_accounts(client: &Client, ids: &[AccountId32], n: usize, round: u32) -> Duration {
    let best = client.backend().best();
    let mut changes = Changes::new();
    for i in 0..n {
        let who = &ids[(i as u64 * 7_919 + round as u64 * 104_729) as usize % ids.len()];
        let mut value = [0u8; 80];
        value[..4].copy_from_slice(&(round + 1).to_le_bytes());
        changes.insert(accord_pallet_system::ACCOUNT.key(who), Some(value.to_vec()));
    }
    let block = Block {
        header: Header {
            parent_hash: best.hash,
            number: best.number + 1,
            state_root: H256::ZERO,
            extrinsics_root: H256::ZERO,
            digest: Default::default(),
        },
        extrinsics: Vec::new(),
    };
    let started = Instant::now();
    client.backend().commit_block(&block, &changes).expect("the commit");
    started.elapsed()
}
