//! Measured weights (not a test; nothing is asserted but that every measured extrinsic
//! succeeds): in the spirit of frame-benchmarking, in plain Rust.
//!
//! Each case of [`cases`] is a call of a pallet over its parameter range. For every point of
//! the range, an author builds blocks of `ACCORD_WEIGHTS_PER_BLOCK` extrinsics of that call
//! (distinct signers where the call allows it) on a RocksDB-backed chain of
//! `ACCORD_WEIGHTS_ACCOUNTS` funded accounts, and a second node imports them (decode,
//! signature check, apply, state root, commit: what every validator pays for a block). The
//! import time per extrinsic, less that of a block of empty `System.remark`s imported just
//! before it (the extrinsic base: decoding, signature, nonce, fees), is the call's cost at
//! that point: the median over the measured pairs of blocks (pairs cancel the drift of a
//! growing database); a least-squares line through the points gives the weight function.
//! The empty remark itself is `EXTRINSIC_BASE_WEIGHT`. Root calls run inside `Sudo.sudo`
//! and are measured against `Sudo.sudo(System.remark(""))` (whose inner call only refuses
//! the root origin), the sudo key's own calls against its own empty remarks. A storage read (a random account
//! of the large state, missing the caches) and a storage write (its share of committing
//! 10,000 changed keys: state root, trie nodes, flat state, history) are measured on the
//! same databases: the figures for `db_weight::READ` and `WRITE`, which the hand-written
//! weights use.
//!
//! Every figure written gets [`MARGIN_PERCENT`] on top (see there).
//!
//! `cargo bench --locked -p accord-node --bench weights [-- --write] [--smoke]`:
//! prints the table; `--write` generates the weights files of the measured pallets and the
//! extrinsic base (header: command, date, machine), `--write-db` the storage read and write
//! weights too (`support/src/dispatch/db_weight.rs` says why they are not written by default), `--smoke` runs every case on a small chain with tiny blocks (the
//! test command's check that the harness works; with `--write` it writes only into
//! `ACCORD_WEIGHTS_OUT`, a folder instead of the workspace, which any run may also name).
//!
//! Environment knobs (defaults in brackets): `ACCORD_WEIGHTS_ACCOUNTS` [1,000,000],
//! `ACCORD_WEIGHTS_PER_BLOCK` [1,000], `ACCORD_WEIGHTS_BLOCKS` [9] measured pairs per point
//! after one warm-up pair, `ACCORD_WEIGHTS_ROUNDS` [3] runs of every case, each on new chains
//! (the medians are written), `ACCORD_WEIGHTS_DB_CACHE` [the node's default] MiB per database.

#[path = "../common/mod.rs"]
mod common;

mod cases;
mod emit;
mod evm;
mod precompiles;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use codec::Decode;

use accord_primitives::{AccountId32, Implicit, Pair};
use accord_runtime::genesis::{funded_account, funded_accounts, FundedAccounts};
use accord_runtime::{GenesisConfig, RuntimeCall, RuntimeEvent, UNIT};
use accord_support::{Phase, StateRead};

use common::{median, Chain};

/// The node binary's allocator, so that the figures are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What every written weight adds to its measured median, in percent. The medians of three
/// runs of this harness on the reference machine differ by up to about 10%, a busy node
/// (RPC, gossip, RocksDB compactions of earlier blocks) is slower than a node that only
/// imports, and an author that builds a block pays the pool's part on top of the import:
/// 20% covers the three.
pub(crate) const MARGIN_PERCENT: u64 = 20;

/// The shape of a run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    /// Funded accounts in the genesis state.
    pub(crate) accounts: u32,
    /// Extrinsics per measured block.
    pub(crate) per_block: u32,
    /// Measured pairs of blocks per point (after one warm-up pair).
    pub(crate) blocks: u32,
    /// Times every case is measured, each time on new chains; the medians are written.
    pub(crate) rounds: u32,
    /// Each database's cache, in MiB.
    pub(crate) db_cache_mib: u32,
    /// The small run of the test command.
    pub(crate) smoke: bool,
}

impl Config {
    fn from_env(smoke: bool) -> Config {
        let num = common::env_u32;
        let db_cache_mib = num("ACCORD_WEIGHTS_DB_CACHE", accord_node::db::DEFAULT_DB_CACHE_MIB as u32).max(1);
        if smoke {
            return Config { accounts: 2_000, per_block: 10, blocks: 1, rounds: 1, db_cache_mib, smoke };
        }
        Config {
            accounts: num("ACCORD_WEIGHTS_ACCOUNTS", 1_000_000).max(10_000),
            per_block: num("ACCORD_WEIGHTS_PER_BLOCK", 1000).max(1),
            blocks: num("ACCORD_WEIGHTS_BLOCKS", 9).max(1),
            rounds: num("ACCORD_WEIGHTS_ROUNDS", 3).max(1),
            db_cache_mib,
            smoke,
        }
    }
}

/// An event record as `System.Events` stores it.
#[derive(Decode)]
struct Record {
    _phase: Phase,
    event: RuntimeEvent,
    _topics: Vec<accord_primitives::H256>,
}

/// Two nodes on the same genesis: the author builds and commits each block, the importer
/// imports it (timed).
pub(crate) struct Bench {
    pub(crate) config: Config,
    author: Chain,
    importer: Chain,
    implicit: Implicit,
    /// The funded accounts' ids, for destinations spread over the whole state.
    pub(crate) ids: Vec<AccountId32>,
    pairs: HashMap<u32, Pair>,
    nonces: HashMap<AccountId32, u32>,
    now_ms: u64,
    alice: Pair,
    /// Whether a root call may fail: the root baseline, `Sudo.sudo(System.remark(""))`,
    /// whose inner call refuses the root origin (`BadOrigin`) and does nothing else (and the
    /// `sudo` case, which measures that call).
    pub(crate) root_may_fail: bool,
}

/// What a measured call is compared with: an empty `System.remark` from distinct funded
/// accounts (signed calls), from the sudo key alone (the key's own calls: one sender, its
/// account cached), or inside `Sudo.sudo` (root calls; the inner remark only refuses root).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Baseline {
    Signed,
    SudoKey,
    Root,
}

/// The signer and call of one extrinsic of a block.
pub(crate) type Xt = (Pair, RuntimeCall);

impl Bench {
    fn new(config: Config) -> Bench {
        let genesis = GenesisConfig {
            funded: Some(FundedAccounts { count: config.accounts, balance: 1_000_000 * UNIT }),
            // Funded accounts belong to no organization: an open chain lets them transact.
            open_chain: true,
            evm: Default::default(),
            // The Ethereum senders of `evm::transact`.
            balances: [GenesisConfig::dev().balances, evm::ethereum_accounts(config.per_block, 1_000_000 * UNIT)]
                .concat(),
            ..GenesisConfig::dev()
        };
        let (author, took) = common::open(&genesis, config.db_cache_mib);
        let (importer, _) = common::open(&genesis, config.db_cache_mib);
        println!("{} accounts: genesis built and written twice in {:.1} s", config.accounts, took.as_secs_f64() * 2.0);
        let implicit = common::implicit(author.client.backend().genesis_hash());
        Bench {
            config,
            author,
            importer,
            implicit,
            ids: funded_accounts(config.accounts),
            pairs: HashMap::new(),
            nonces: HashMap::new(),
            now_ms: 1_000_000,
            alice: Pair::dev("Alice"),
            root_may_fail: false,
        }
    }

    /// Funded account `index`'s key pair.
    pub(crate) fn signer(&mut self, index: u32) -> Pair {
        self.pairs.entry(index).or_insert_with(|| funded_account(index)).clone()
    }

    /// The sudo key (//Alice).
    pub(crate) fn sudo_key(&self) -> Pair {
        self.alice.clone()
    }

    /// Builds a block of `xts` on the author, commits it, imports it on the importer; returns
    /// the import's wall time per extrinsic in µs. Panics, naming `what`, if an extrinsic
    /// stays out of the block or its dispatch fails (the weight would be an error path's).
    pub(crate) fn block(&mut self, what: &str, xts: &[Xt]) -> f64 {
        let txs: Vec<_> = xts
            .iter()
            .enumerate()
            .map(|(i, (pair, call))| {
                let nonce = self.nonces.entry(pair.account()).or_insert(0);
                let tx = common::pool_tx(call, pair, *nonce, &self.implicit, i as u64);
                *nonce += 1;
                tx
            })
            .collect();
        self.block_of(what, &txs)
    }

    /// The next nonce of `who` in these blocks (counted up).
    pub(crate) fn next_nonce(&mut self, who: AccountId32) -> u32 {
        let nonce = self.nonces.entry(who).or_insert(0);
        *nonce += 1;
        *nonce - 1
    }

    /// [`block`](Self::block) of pool transactions made by the caller. The importer starts
    /// without the memo of Ethereum senders the author filled: it recovers each sender, as a
    /// node that never saw the transactions does.
    pub(crate) fn block_of(&mut self, what: &str, txs: &[std::sync::Arc<accord_node::pool::PoolTx>]) -> f64 {
        self.now_ms += 1000;
        let proposal = self
            .author
            .client
            .build_block(self.now_ms, txs, Instant::now() + Duration::from_secs(120))
            .expect("the author builds a block");
        assert_eq!(
            proposal.included.len(),
            txs.len(),
            "{what}: not every extrinsic fits into the block (the weights now compiled in fill it: \
             lower ACCORD_WEIGHTS_PER_BLOCK)"
        );
        self.author.client.import_block(&proposal.block, Some(&proposal.changes)).expect("the author commits");
        accord_ethereum::senders::clear();
        let started = Instant::now();
        self.importer.client.import_block(&proposal.block, None).expect("the importer imports");
        let per_xt = started.elapsed().as_secs_f64() * 1e6 / txs.len().max(1) as f64;
        self.check_succeeded(what);
        per_xt
    }

    /// Panics if the importer's best block has a failed dispatch (or a failed root call).
    fn check_succeeded(&self, what: &str) {
        let backend = self.importer.client.backend();
        let state = backend.state_at(backend.best().number).expect("state").expect("the best state is kept");
        let bytes = state.get(&accord_pallet_system::events_key()).unwrap_or_default();
        let records = Vec::<Record>::decode(&mut &bytes[..]).expect("System.Events decodes");
        for record in records {
            match record.event {
                RuntimeEvent::System(accord_pallet_system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
                    panic!("{what}: a measured extrinsic failed: {dispatch_error:?}")
                }
                RuntimeEvent::Sudo(accord_pallet_sudo::Event::Sudid { sudo_result: Err(e) }) if !self.root_may_fail => {
                    panic!("{what}: a measured root call failed: {e:?}")
                }
                _ => {}
            }
        }
    }

    /// The extrinsic a baseline block holds at position `k`.
    fn baseline_xt(&mut self, baseline: Baseline, k: u32) -> Xt {
        let empty = RuntimeCall::System(accord_pallet_system::Call::remark { remark: Vec::new() });
        match baseline {
            Baseline::Signed => (self.signer(k), empty),
            Baseline::SudoKey => (self.sudo_key(), empty),
            Baseline::Root => {
                (self.sudo_key(), RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(empty) }))
            }
        }
    }

    /// The import cost of the baseline's extrinsic itself: the median over one warm-up and
    /// `blocks` measured blocks, µs per extrinsic.
    pub(crate) fn measure_baseline(&mut self, baseline: Baseline) -> f64 {
        let what = format!("{baseline:?} baseline");
        let times: Vec<f64> =
            (0..=self.config.blocks).map(|_| self.baseline_block(&what, baseline, self.config.per_block)).collect();
        median(times[1..].to_vec())
    }

    /// One block of `n` baseline extrinsics (a root baseline's inner call may fail); its
    /// import time per extrinsic, µs.
    fn baseline_block(&mut self, what: &str, baseline: Baseline, n: u32) -> f64 {
        let xts: Vec<Xt> = (0..n).map(|k| self.baseline_xt(baseline, k)).collect();
        let root_may_fail = std::mem::replace(&mut self.root_may_fail, baseline == Baseline::Root);
        let t = self.block(what, &xts);
        self.root_may_fail = root_may_fail;
        t
    }

    /// What a call costs above `baseline`, µs per extrinsic: one warm-up pair and `blocks`
    /// measured pairs of blocks of `per_block` extrinsics, a baseline block and then a block
    /// whose extrinsic `k` of pair `b` is `make(self, b, k)`; the median of the pairs'
    /// differences (pairs cancel the drift of a growing database: compactions, cache fill).
    pub(crate) fn measure(
        &mut self,
        what: &str,
        baseline: Baseline,
        make: impl FnMut(&mut Bench, u32, u32) -> Xt,
    ) -> f64 {
        self.measure_n(what, self.config.per_block, baseline, make)
    }

    /// [`Bench::measure`] with blocks of `n` extrinsics.
    pub(crate) fn measure_n(
        &mut self,
        what: &str,
        n: u32,
        baseline: Baseline,
        mut make: impl FnMut(&mut Bench, u32, u32) -> Xt,
    ) -> f64 {
        let mut differences = Vec::new();
        for b in 0..=self.config.blocks {
            let t_base = self.baseline_block(&format!("{what} ({baseline:?} baseline)"), baseline, n);
            let xts: Vec<Xt> = (0..n).map(|k| make(self, b, k)).collect();
            let t = self.block(what, &xts);
            if b > 0 {
                differences.push(t - t_base);
            }
        }
        median(differences)
    }

    /// Runs blocks of `n` extrinsics `make(self, b, k)` for every block `measure` will run,
    /// unmeasured (the state a measured call needs: records to update, say).
    pub(crate) fn prepare(&mut self, what: &str, n: u32, mut make: impl FnMut(&mut Bench, u32, u32) -> Xt) {
        for b in 0..=self.config.blocks {
            let xts: Vec<Xt> = (0..n).map(|k| make(self, b, k)).collect();
            self.block(what, &xts);
        }
    }

    /// A storage read missing the caches: random accounts of the importer's state, µs.
    fn read_cost(&self) -> f64 {
        let backend = self.importer.client.backend();
        let state = backend.state_at(backend.best().number).expect("state").expect("kept");
        let n = 20_000u64.min(self.ids.len() as u64);
        let mut runs = Vec::new();
        for r in 0..3u64 {
            let t = Instant::now();
            for i in 0..n {
                let who = &self.ids[((i * 7_919 + r * 1_000_003 + 12_345) % self.ids.len() as u64) as usize];
                std::hint::black_box(state.get(&accord_pallet_system::ACCOUNT.key(who)));
            }
            runs.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        }
        median(runs)
    }

    /// A storage write: its share of committing 10,000 changed accounts (root + write) on the
    /// author's state, µs. The accounts get made-up values and the author's chain leaves the
    /// importer's: nothing can be measured after it on these chains.
    fn write_cost(&self) -> f64 {
        let n = 10_000usize.min(self.ids.len());
        let runs = (0..3)
            .map(|r| {
                common::commit_made_up_accounts(&self.author.client, &self.ids, n, r).as_secs_f64() * 1e6 / n as f64
            })
            .collect();
        median(runs)
    }
}

/// A measured weight function: `intercept + slope × parameter` µs (no parameter: slope 0).
#[derive(Clone, Debug)]
pub(crate) struct Fitted {
    /// `pallet::function`.
    pub(crate) name: String,
    /// The parameter's name, if any.
    pub(crate) parameter: Option<&'static str>,
    /// µs at parameter 0.
    pub(crate) intercept: f64,
    /// µs per unit of the parameter.
    pub(crate) slope: f64,
    /// The measured points: (parameter, µs).
    pub(crate) points: Vec<(u32, f64)>,
}

impl Fitted {
    /// The least-squares line through `points`, neither part below zero.
    pub(crate) fn fit(name: &str, parameter: Option<&'static str>, points: Vec<(u32, f64)>) -> Fitted {
        let n = points.len() as f64;
        let (sx, sy) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + *x as f64, b + y));
        let (mx, my) = (sx / n, sy / n);
        let sxx: f64 = points.iter().map(|(x, _)| (*x as f64 - mx).powi(2)).sum();
        let sxy: f64 = points.iter().map(|(x, y)| (*x as f64 - mx) * (y - my)).sum();
        let slope = if sxx > 0.0 { (sxy / sxx).max(0.0) } else { 0.0 };
        let intercept = (my - slope * mx).max(0.0);
        Fitted { name: name.to_string(), parameter, intercept, slope, points }
    }

    /// The constant weight of a call without a parameter.
    pub(crate) fn constant(name: &str, us: f64) -> Fitted {
        Fitted { name: name.to_string(), parameter: None, intercept: us.max(0.0), slope: 0.0, points: vec![(0, us)] }
    }
}

/// `value` with [`MARGIN_PERCENT`] on top.
pub(crate) fn with_margin(value: f64) -> f64 {
    value * (100 + MARGIN_PERCENT) as f64 / 100.0
}

/// With the margin, in picoseconds of reference time (`ref_time` units), rounded up to a
/// thousand.
pub(crate) fn with_margin_ps(us: f64) -> u64 {
    let ps = with_margin(us.max(0.0) * 1e6);
    (ps / 1000.0).ceil() as u64 * 1000
}

/// What a run measured.
pub(crate) struct Measured {
    /// The empty remark's import cost per extrinsic, µs.
    pub(crate) base: f64,
    /// A storage read, µs.
    pub(crate) read: f64,
    /// A storage write, µs.
    pub(crate) write: f64,
    /// The calls.
    pub(crate) calls: Vec<Fitted>,
}

impl Measured {
    /// Per figure, the median over `rounds` (each intercept and slope on its own).
    fn median(rounds: Vec<Measured>) -> Measured {
        let pick = |f: &dyn Fn(&Measured) -> f64| median(rounds.iter().map(f).collect());
        let calls = rounds[0]
            .calls
            .iter()
            .map(|first| {
                let same: Vec<&Fitted> = rounds.iter().map(|m| m.get(&first.name)).collect();
                Fitted {
                    name: first.name.clone(),
                    parameter: first.parameter,
                    intercept: median(same.iter().map(|f| f.intercept).collect()),
                    slope: median(same.iter().map(|f| f.slope).collect()),
                    points: same.iter().flat_map(|f| f.points.iter().copied()).collect(),
                }
            })
            .collect();
        Measured { base: pick(&|m| m.base), read: pick(&|m| m.read), write: pick(&|m| m.write), calls }
    }

    /// The measured function `name`.
    pub(crate) fn get(&self, name: &str) -> &Fitted {
        self.calls.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("{name} was not measured"))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write_db = args.iter().any(|a| a == "--write-db");
    let write = write_db || args.iter().any(|a| a == "--write");
    let smoke = args.iter().any(|a| a == "--smoke");
    let config = Config::from_env(smoke);
    println!(
        "weights: {} accounts, blocks of {} extrinsics, median of {} measured pairs per point, {} rounds, +{MARGIN_PERCENT}% margin",
        config.accounts, config.per_block, config.blocks, config.rounds
    );
    let started = Instant::now();
    // Each round on chains of its own: every round grows the databases by hundreds of
    // thousands of extrinsics (their log entries, records), which a later round would pay for.
    let rounds: Vec<Measured> = (0..config.rounds)
        .map(|round| {
            let mut bench = Bench::new(config);
            let m = cases::run_all(&mut bench, round);
            println!("round {}: done after {:.0} s", round + 1, started.elapsed().as_secs_f64());
            m
        })
        .collect();
    let measured = Measured::median(rounds);
    println!(
        "{:<40} {:>12} {:>14}   points (parameter: µs)",
        "function (µs, before the margin)", "intercept", "per unit"
    );
    println!("{:<40} {:>12.1}", "extrinsic base (empty remark)", measured.base);
    println!("{:<40} {:>12.2}", "db read", measured.read);
    println!("{:<40} {:>12.2}", "db write", measured.write);
    for f in &measured.calls {
        let points: Vec<String> = f.points.iter().map(|(x, y)| format!("{x}: {y:.1}")).collect();
        let slope = f.parameter.map_or(String::new(), |p| format!("{:.4}/{p}", f.slope));
        println!("{:<40} {:>12.1} {:>14}   {}", f.name, f.intercept, slope, points.join(", "));
    }
    for name in ["evm::compute", "evm::storage"] {
        let ps = measured.get(name).slope * 1e6;
        println!(
            "{name}: {ps:.0} ps per gas before the margin, {:.0} with it (Evm's WEIGHT_PER_GAS: {})",
            with_margin(ps),
            accord_pallet_evm::WEIGHT_PER_GAS
        );
    }
    let at_base_gas = |name: &str| {
        let f = measured.get(name);
        f.intercept + f.slope * accord_pallet_evm::TRANSACTION_BASE_GAS as f64
    };
    println!(
        "evm::call's fixed part (evm::compute at the 21,000 base gas): {:.1} µs before the margin, {:.1} with it (Evm's weights::call(0, 0): {} µs)",
        at_base_gas("evm::compute"),
        with_margin(at_base_gas("evm::compute")),
        accord_pallet_evm::weights::call(0, 0).ref_time / 1_000_000
    );
    println!(
        "evm::transact's fixed part (whole, at the 21,000 base gas): {:.1} µs before the margin, {:.1} with it ({:.0} ps per gas; the runtime's weight of a transact at that gas, with the extrinsic base: {} µs)",
        at_base_gas("evm::transact"),
        with_margin(at_base_gas("evm::transact")),
        measured.get("evm::transact").slope * 1e6,
        (accord_pallet_evm::weights::transact(0, 0).ref_time + accord_runtime::weights::EXTRINSIC_BASE_WEIGHT.ref_time) / 1_000_000
    );
    println!(
        "evm::transact at its smallest gas: {:.1} µs with the senders recovered ahead, {:.1} with each recovered in line",
        measured.get("evm::transact").points.first().map_or(0.0, |p| p.1),
        measured.get("evm::transact_inline").intercept,
    );
    println!(
        "evm::recovery: {:.1} µs before the margin, {:.1} with it (Evm's weights::recovery: {} µs)",
        measured.get("evm::recovery").intercept,
        with_margin(measured.get("evm::recovery").intercept),
        accord_pallet_evm::weights::recovery().ref_time / 1_000_000
    );
    precompiles::report(&measured, smoke, measured.get("evm::compute").slope * 1e6);
    println!("measured in {:.0} s", started.elapsed().as_secs_f64());
    // A smoke run writes only into a folder of its own (the emitter's check).
    let out = std::env::var_os("ACCORD_WEIGHTS_OUT").map(std::path::PathBuf::from);
    if write && (out.is_some() || !smoke) {
        let root = out.unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let written = emit::write_all(&measured, &config, &root, write_db).expect("the weights files are written");
        for path in written {
            println!("wrote {path}");
        }
    }
}
