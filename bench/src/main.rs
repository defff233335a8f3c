//! `accord-bench`: the load generator.
//!
//! ```text
//! build-spec --funded-accounts N ─▶ node (own process, temp base path) ─▶ RSS/CPU sampler
//! pre-sign T transfers (S senders × consecutive nonces, random funded destinations)
//! C WebSocket connections ─▶ author_submitExtrinsic at a fixed rate or flat out
//! chain_subscribeNewHeads ─▶ chain_getBlock ─▶ match extrinsic hashes ─▶ inclusion times
//! ```
//! It reports included extrinsics per second (sustained, per-second bins), submit-to-inBlock
//! latency percentiles, pool rejections by reason, the node's peak RSS and CPU time, and the
//! bare sr25519 verification rate of this machine measured in the same run (the physical
//! limit of signed extrinsics), with the end-to-end rate as a ratio of it. `--reads` measures
//! `state_getStorage` and `state_queryStorageAt` served per second. `--smoke` is the short
//! run the test command does: a few hundred transfers that must all be included.
//!
//! Nothing here is a test: figures are printed (and written as JSON with `--json`).

mod limit;
mod load;
mod node;
mod reads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(name = "accord-bench", about = "Load generator and end-to-end benchmark for accord-node")]
pub(crate) struct Args {
    /// The accord-node binary (default: next to this binary).
    #[arg(long)]
    pub(crate) node: Option<PathBuf>,
    /// Use a running node at this WebSocket URL instead of starting one; its genesis must fund
    /// at least --accounts indexed accounts (`build-spec --funded-accounts`). RSS and CPU are
    /// then read from --node-pid if given.
    #[arg(long)]
    pub(crate) url: Option<String>,
    /// The running node's process id, for RSS and CPU figures with --url.
    #[arg(long)]
    pub(crate) node_pid: Option<u32>,
    /// Funded accounts in the genesis (destinations are drawn from all of them).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) accounts: u32,
    /// Accounts that send (each sends consecutive nonces); at most --accounts.
    #[arg(long, default_value_t = 4_000)]
    pub(crate) senders: u32,
    /// Submissions per second; 0 submits flat out.
    #[arg(long, default_value_t = 0)]
    pub(crate) rate: u32,
    /// Seconds of submission.
    #[arg(long, default_value_t = 60)]
    pub(crate) duration: u64,
    /// Transfers to pre-sign (default: rate × duration, or 12,000 × duration flat out).
    #[arg(long)]
    pub(crate) count: Option<u32>,
    /// WebSocket connections that submit.
    #[arg(long, default_value_t = 4)]
    pub(crate) connections: u32,
    /// Outstanding submissions per connection.
    #[arg(long, default_value_t = 128)]
    pub(crate) in_flight: usize,
    /// Accepted transfers waiting for inclusion at most (keeps the pool from overflowing).
    #[arg(long, default_value_t = 30_000)]
    pub(crate) window: usize,
    /// The node's block time.
    #[arg(long, default_value_t = 1000)]
    pub(crate) block_time_ms: u64,
    /// Extra arguments for the node (repeatable), e.g. --node-arg=--pool-limit=200000.
    #[arg(long = "node-arg", allow_hyphen_values = true)]
    pub(crate) node_args: Vec<String>,
    /// Skip measuring the sr25519 limit.
    #[arg(long)]
    pub(crate) skip_limit: bool,
    /// After the load, measure RPC reads for this many seconds per method.
    #[arg(long, value_name = "SECS")]
    pub(crate) reads: Option<u64>,
    /// Write the figures as JSON here.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// A short check (300 transfers, 200 ms blocks): fails unless all are included.
    #[arg(long)]
    pub(crate) smoke: bool,
    /// Seed of the destination choice.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Run a BFT network of this many validators (the `local` chain's //Alice, //Bob, ...,
    /// 1 s blocks) instead of one dev node; transfers go to the first validator and reach
    /// the others by gossip. Adds per-validator CPU and network bytes per block.
    #[arg(long, value_name = "N")]
    pub(crate) validators: Option<usize>,
}

impl Args {
    fn apply_smoke(&mut self) {
        if self.smoke {
            self.accounts = self.accounts.min(100);
            self.senders = self.senders.min(30);
            self.count = Some(self.count.unwrap_or(300));
            self.rate = if self.rate == 0 { 600 } else { self.rate };
            self.duration = 1;
            self.block_time_ms = 200;
            self.skip_limit = true;
            self.connections = self.connections.min(2);
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.accounts == 0 || self.senders == 0 || self.senders > self.accounts {
            return Err(format!("need 0 < --senders ({}) <= --accounts ({})", self.senders, self.accounts));
        }
        if self.connections == 0 || self.in_flight == 0 {
            return Err("--connections and --in-flight must be positive".into());
        }
        if self.duration == 0 {
            return Err("--duration must be positive".into());
        }
        Ok(())
    }

    /// How many transfers to pre-sign.
    pub(crate) fn total(&self) -> u32 {
        self.count.unwrap_or_else(|| {
            let per_second = if self.rate == 0 { 12_000 } else { self.rate as u64 };
            (per_second * self.duration).min(u32::MAX as u64) as u32
        })
    }
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    args.apply_smoke();
    if let Err(e) = args.check() {
        eprintln!("accord-bench: {e}");
        return ExitCode::from(2);
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("accord-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let limit = if args.skip_limit {
        None
    } else {
        println!("measuring the sr25519 verification limit of this machine ...");
        Some(limit::measure(Duration::from_secs(2)))
    };
    if let Some(l) = &limit {
        println!(
            "physical limit: sr25519 verify {:.0}/s one at a time (1 core), {:.0}/s batched (1 core), {:.0}/s batched on {} cores",
            l.single, l.batched_one_core, l.batched_all_cores, l.cores
        );
    }
    let (node, url) = match &args.url {
        Some(url) => (None, url.clone()),
        None => {
            let node = node::NodeProcess::start(&args).await?;
            let url = node.url.clone();
            (Some(node), url)
        }
    };
    let pids = match &node {
        Some(n) => n.pids(),
        None => args.node_pid.into_iter().collect(),
    };
    let sampler = (!pids.is_empty()).then(|| node::Sampler::start(pids.clone()));
    let network_before = node.as_ref().map(node::NodeProcess::network_counters);
    let own_cpu_start = node::cpu_seconds(std::process::id()).unwrap_or(0.0);
    let report = load::run(&args, &url).await?;
    let own_cpu = node::cpu_seconds(std::process::id()).unwrap_or(0.0) - own_cpu_start;
    let usage = sampler.map(|s| s.stop());
    report.print(limit.as_ref(), usage.as_ref());
    if let (Some(n), Some(before), Some(usage)) = (&node, network_before, &usage) {
        if pids.len() > 1 {
            n.print_network(&report, before, usage);
        }
    }
    // The generator shares the machine with the node: its own CPU (signing included).
    println!("load generator: CPU {own_cpu:.1} s, of which signing {:.1} s", report.sign_cpu_seconds);
    let reads = match args.reads {
        Some(secs) => Some(reads::run(&url, args.accounts, Duration::from_secs(secs), args.connections).await?),
        None => None,
    };
    if let Some(r) = &reads {
        r.print();
    }
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "args": format!("{args:?}"),
            "limit": limit.as_ref().map(limit::Limit::json),
            "load": report.json(limit.as_ref()),
            "node": usage.as_ref().map(node::Usage::json),
            "generator_cpu_seconds": own_cpu,
            "generator_sign_cpu_seconds": report.sign_cpu_seconds,
            "reads": reads.as_ref().map(reads::Reads::json),
        });
        std::fs::write(path, serde_json::to_string_pretty(&json).expect("JSON serializes"))
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    drop(node);
    let all_included = report.included == report.total;
    if args.smoke && !all_included {
        eprintln!("accord-bench: smoke run: {} of {} transfers included", report.included, report.total);
        return Ok(false);
    }
    Ok(true)
}
