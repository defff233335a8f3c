//! Block and state micro-benchmarks on the real RocksDB backend (not tests; nothing is
//! asserted):
//!
//! - building a block of N transfers from pool transactions (`Client::build_block`) and
//!   committing it (state root, trie nodes, flat state, history: one write batch);
//! - importing the same blocks on a second node (`execute_block`: decode, signature check,
//!   apply, roots) and committing them;
//! - committing N changed keys (state root + write) on a large state;
//!
//! each with 1,000, 100,000 and 1,000,000 funded accounts (import cost per extrinsic should
//! not grow with the state). `cargo bench -p accord-node --bench import [-- ACCOUNTS...]`.
//! Figures are medians over the measured blocks.
//!
//! Environment knobs (defaults in brackets):
//! - `ACCORD_BENCH_PER_BLOCK` [1000]: transfers per block;
//! - `ACCORD_BENCH_BLOCKS` [20]: measured blocks;
//! - `ACCORD_BENCH_WARMUP` [1]: blocks run first and not measured (caches fill up);
//! - `ACCORD_BENCH_DISJOINT`: destinations are never senders, so that every transfer
//!   changes two accounts of its own however small the state (needs twice as many accounts
//!   as transfers per block); by default a small state's senders also receive;
//! - `ACCORD_BENCH_TRACE`: print each block's import time and RocksDB reads, then the cost
//!   of one uncached read and the block cache's usage;
//! - `ACCORD_BENCH_CFSTATS`: with `ACCORD_BENCH_TRACE`, RocksDB's compaction statistics of
//!   the state, trie and history columns;
//! - `ACCORD_BENCH_BLOCKS_ONLY`: skip the commits of N changed keys;
//! - `ACCORD_BENCH_DB_CACHE` [384, the node's default]: each database's `--db-cache`, in MiB.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{median, thread_cpu};

use accord_node::pool::PoolTx;
use accord_pallet_balances as balances;
use accord_primitives::{MultiAddress, Pair, H256};
use accord_runtime::genesis::{funded_account, funded_accounts, FundedAccounts};
use accord_runtime::{GenesisConfig, RuntimeCall, UNIT};

/// The node binary's allocator, so that the figures are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The shape of a run (see the module docs for the knobs).
#[derive(Clone, Copy)]
struct Config {
    per_block: u32,
    blocks: u32,
    warmup: u32,
    disjoint: bool,
    trace: bool,
    cfstats: bool,
    blocks_only: bool,
    db_cache_mib: u32,
}

impl Config {
    fn from_env() -> Config {
        let num = common::env_u32;
        let flag = |name: &str| std::env::var_os(name).is_some();
        Config {
            per_block: num("ACCORD_BENCH_PER_BLOCK", 1000).max(1),
            blocks: num("ACCORD_BENCH_BLOCKS", 20).max(1),
            warmup: num("ACCORD_BENCH_WARMUP", 1),
            disjoint: flag("ACCORD_BENCH_DISJOINT"),
            trace: flag("ACCORD_BENCH_TRACE"),
            cfstats: flag("ACCORD_BENCH_CFSTATS"),
            blocks_only: flag("ACCORD_BENCH_BLOCKS_ONLY"),
            db_cache_mib: num("ACCORD_BENCH_DB_CACHE", accord_node::db::DEFAULT_DB_CACHE_MIB as u32).max(1),
        }
    }
}

/// Per-block times of one phase, in µs per transfer: wall clock, and the CPU time of the
/// thread that runs it (less sensitive to what else the machine runs: RocksDB's
/// compactions, a noisy neighbour).
struct Phase {
    per_block: u32,
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

impl Phase {
    fn new(per_block: u32) -> Phase {
        Phase { per_block, wall: Vec::new(), cpu: Vec::new() }
    }

    fn time<T>(&mut self, counted: bool, f: impl FnOnce() -> T) -> T {
        let (wall, cpu) = (Instant::now(), thread_cpu());
        let out = f();
        if counted {
            self.wall.push(wall.elapsed().as_secs_f64() * 1e6 / self.per_block as f64);
            self.cpu.push((thread_cpu() - cpu).as_secs_f64() * 1e6 / self.per_block as f64);
        }
        out
    }

    fn summary(&self) -> String {
        format!("{:.1} ({:.1})", median(self.wall.clone()), median(self.cpu.clone()))
    }
}

fn transfers(
    config: Config,
    accounts: u32,
    ids: &[accord_primitives::AccountId32],
    genesis: H256,
    block: u32,
) -> Vec<Arc<PoolTx>> {
    let per_block = config.per_block;
    let implicit = common::implicit(genesis);
    let senders = per_block.min(accounts);
    let pairs: Vec<Pair> = (0..senders).map(funded_account).collect();
    // Disjoint: destinations among the accounts that never send.
    let (first_dest, dests) = if config.disjoint {
        assert!(accounts >= 2 * per_block, "ACCORD_BENCH_DISJOINT needs 2 × ACCORD_BENCH_PER_BLOCK accounts");
        (per_block as u64, (accounts - per_block) as u64)
    } else {
        (0, accounts as u64)
    };
    (0..per_block)
        .map(|k| {
            let s = k % senders;
            // Each block: every sender once (nonce = block), or more often on small chains.
            let nonce = block * (per_block / senders) + k / senders;
            let dest = ids[(first_dest + (k as u64 * 2_654_435_761 + block as u64 * 97) % dests) as usize];
            let call = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
                dest: MultiAddress::Id(dest),
                value: UNIT / 1000,
            });
            common::pool_tx(&call, &pairs[s as usize], nonce, &implicit, k as u64)
        })
        .collect()
}

fn run(config: Config, accounts: u32) {
    let Config { per_block, blocks, warmup, trace, .. } = config;
    let genesis = GenesisConfig {
        funded: Some(FundedAccounts { count: accounts, balance: 1_000_000 * UNIT }),
        // Funded accounts belong to no organization: an open chain lets them transact (as
        // `accord-bench`'s `build-spec --open`).
        open_chain: true,
        evm: Default::default(),
        ..GenesisConfig::dev()
    };
    let (author, took) = common::open(&genesis, config.db_cache_mib);
    let (importer, _) = common::open(&genesis, config.db_cache_mib);
    let ids = funded_accounts(accounts);
    println!("{accounts} accounts: genesis built and written in {:.1} s", took.as_secs_f64());
    let genesis_hash = author.client.backend().genesis_hash();
    let (mut build, mut commit, mut import) = (Phase::new(per_block), Phase::new(per_block), Phase::new(per_block));
    let mut now_ms = 1_000_000;
    let mut changed = Vec::new();
    let mut reads_before = importer.client.backend().db_reads();
    for b in 0..warmup + blocks {
        let txs = transfers(config, accounts, &ids, genesis_hash, b);
        now_ms += 1000;
        // The warm-up blocks fill the caches: not counted.
        let counted = b >= warmup;
        if b == warmup {
            reads_before = importer.client.backend().db_reads();
        }
        let proposal = build.time(counted, || {
            author.client.build_block(now_ms, &txs, Instant::now() + Duration::from_secs(60)).unwrap()
        });
        assert_eq!(proposal.included.len(), per_block as usize, "every transfer applies");
        commit.time(counted, || author.client.import_block(&proposal.block, Some(&proposal.changes)).unwrap());
        let (t, r) = (Instant::now(), importer.client.backend().db_reads());
        import.time(counted, || importer.client.import_block(&proposal.block, None).unwrap());
        if trace {
            let read = importer.client.backend().db_reads().since(r);
            println!(
                "  block {b}: import {:.1} ms, RocksDB reads {} values, {} trie nodes",
                t.elapsed().as_secs_f64() * 1e3,
                read.values,
                read.trie_nodes
            );
        }
        changed.push(proposal.changes.len() as f64);
    }
    let reads = importer.client.backend().db_reads().since(reads_before);
    let measured = (blocks * per_block) as f64;
    let keys_per_tx = median(changed) / per_block as f64;
    let (import_wall, import_cpu) = (median(import.wall.clone()), median(import.cpu.clone()));
    println!(
        "{accounts} accounts, blocks of {per_block} transfers{} ({keys_per_tx:.2} changed keys per transfer), µs per transfer, wall (thread CPU): build {}, commit {}, import (execute + commit) {} = {:.0} tx/s; import CPU per changed key {:.1} µs; importer's RocksDB reads per transfer: {:.2} values, {:.2} trie nodes",
        if config.disjoint { " to non-senders" } else { "" },
        build.summary(),
        commit.summary(),
        import.summary(),
        1e6 / import_wall,
        import_cpu / keys_per_tx,
        reads.values as f64 / measured,
        reads.trie_nodes as f64 / measured,
    );

    if trace {
        // What one read the state cache misses costs on this state: random accounts (most
        // not cached), and absent keys (new log entries).
        use accord_support::StateRead;
        let backend = importer.client.backend();
        let state = backend.state_at(backend.best().number).unwrap().unwrap();
        let n = 5000u64;
        let t = Instant::now();
        for i in 0..n {
            let who = &ids[((i * 7_919 + 12_345) % ids.len() as u64) as usize];
            std::hint::black_box(state.get(&accord_pallet_system::ACCOUNT.key(who)));
        }
        let present = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let t = Instant::now();
        for i in 0..n {
            std::hint::black_box(state.get(&accord_pallet_oplog::ENTRIES.key(&(u64::MAX - i))));
        }
        let absent = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("  one state read missing the cache: {present:.1} µs (random account), {absent:.1} µs (absent key)");
        for name in ["rocksdb.block-cache-usage", "rocksdb.block-cache-pinned-usage", "rocksdb.cur-size-all-mem-tables"]
        {
            println!("  importer's {name}: {}", backend.db_property("state", name).unwrap_or_default());
        }
        if config.cfstats {
            for column in ["state", "trie", "history"] {
                println!(
                    "  importer's column {column}: {}",
                    backend.db_property(column, "rocksdb.cfstats").unwrap_or_default()
                );
            }
        }
    }
    if config.blocks_only {
        return;
    }
    // Commit of N changed keys (the state root and the write), on this state.
    for n in [1_000usize, 10_000, 50_000].into_iter().filter(|n| *n <= accounts as usize) {
        let runs = (0..3).map(|r| common::commit_made_up_accounts(&author.client, &ids, n, r).as_secs_f64()).collect();
        let secs = median(runs);
        println!(
            "{accounts} accounts: commit of {n} changed keys (root + write) {:.1} ms = {:.0} keys/s",
            secs * 1000.0,
            n as f64 / secs
        );
    }
}

fn main() {
    let args: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if args.is_empty() { vec![1_000, 100_000, 1_000_000] } else { args };
    let config = Config::from_env();
    for accounts in sizes {
        run(config, accounts);
    }
}
