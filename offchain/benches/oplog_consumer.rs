//! Benchmark (not a test): how fast the oplog consumer moves entries from a real node into
//! each sink, and how far it lags under a sustained load.
//!
//! `cargo bench -p accord-offchain --bench oplog_consumer` (needs the release node binary:
//! `cargo build --release -p accord-node`). Prints one line per figure.
//!
//! `cargo bench -p accord-offchain --bench oplog_consumer -- --flat-out [seconds]` instead
//! follows a chain loaded flat out by `accord-bench` (10k funded accounts, an open chain)
//! with a PostgreSQL consumer and prints its lag, in entries and in blocks (also needs the
//! release `accord-bench`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use accord_offchain::Config;
use accord_primitives::Pair;

use support::{genesis, rpc, sign, start_node, wait_for, Postgres, UNIT};

const SENDERS: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

fn config(url: &str, database: &str) -> Config {
    Config::parse(&format!(
        "node_url = \"{url}\"\nmode = \"subscribe\"\nbatch_size = 1000\nqueue_capacity = 4096\ndatabase = \"{database}\"\n[[subscriptions]]\nname = \"all\"\n"
    ))
    .unwrap()
}

/// Runs a consumer until it has processed `until`; returns entries per second.
fn catch_up(config: Config, until: u64) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let done_at = Arc::new(Mutex::new(None));
    let (stop2, done2) = (stop.clone(), done_at.clone());
    accord_offchain::run(config, stop, move |p| {
        if p.cursor >= until && done2.lock().unwrap().is_none() {
            *done2.lock().unwrap() = Some(started.elapsed());
            stop2.store(true, Ordering::SeqCst);
        }
    })
    .unwrap();
    let took = done_at.lock().unwrap().expect("caught up");
    until as f64 / took.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--flat-out") {
        let seconds = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(40);
        flat_out(seconds);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), "dev");
    let g = genesis(&url);
    let senders: Vec<Pair> = SENDERS.iter().map(|n| Pair::dev(n)).collect();
    let to = Pair::dev("Receiver");
    let transfers = 3000u32;
    let signed: Vec<String> = (0..transfers).map(|i| sign(g, &senders[(i % 6) as usize], &to, UNIT, i / 6)).collect();
    let started = Instant::now();
    for xt in &signed {
        rpc(&url, "author_submitExtrinsic", json!([xt]));
    }
    let entries = 3 * transfers as u64;
    wait_for("the load to be final", Duration::from_secs(300), || {
        rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap() >= entries
    });
    println!("chain: {entries} entries from {transfers} transfers final in {:.2} s", started.elapsed().as_secs_f64());

    let sqlite = dir.path().join("bench.db");
    let rate = catch_up(config(&url, &format!("sqlite://{}", sqlite.display())), entries);
    println!("sqlite: {rate:.0} entries/s catching up {entries} entries (batches of up to 1000, one transaction each)");
    let pg = Postgres::start();
    let pg_url = pg.create_database("bench");
    let rate = catch_up(config(&url, &pg_url), entries);
    println!(
        "postgresql: {rate:.0} entries/s catching up {entries} entries (batches of up to 1000, one transaction each)"
    );

    // Lag under a sustained load: 100 transfers/s (300 entries/s) for 15 s, into SQLite.
    let lag_db = dir.path().join("lag.db");
    let cfg = config(&url, &format!("sqlite://{}", lag_db.display()));
    let stop = Arc::new(AtomicBool::new(false));
    let cursor = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let consumer = {
        let (stop, cursor) = (stop.clone(), cursor.clone());
        std::thread::spawn(move || {
            accord_offchain::run(cfg, stop, move |p| cursor.store(p.cursor, Ordering::SeqCst)).unwrap()
        })
    };
    wait_for("the lag consumer to catch up", Duration::from_secs(120), || cursor.load(Ordering::SeqCst) >= entries);
    let mut nonces: Vec<u32> = vec![transfers / 6; 6];
    let mut lags = Vec::new();
    let load_start = Instant::now();
    let mut sent = 0u32;
    while load_start.elapsed() < Duration::from_secs(15) {
        let due = (load_start.elapsed().as_secs_f64() * 100.0) as u32;
        while sent < due {
            let s = (sent % 6) as usize;
            rpc(&url, "author_submitExtrinsic", json!([sign(g, &senders[s], &to, UNIT, nonces[s])]));
            nonces[s] += 1;
            sent += 1;
        }
        let head = rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap();
        lags.push(head.saturating_sub(cursor.load(Ordering::SeqCst)));
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::SeqCst);
    let _ = consumer.join();
    lags.sort_unstable();
    let p50 = lags[lags.len() / 2];
    let max = *lags.last().unwrap();
    println!(
        "lag at 300 entries/s into sqlite (finalized head minus processed, sampled every 100 ms): p50 {p50} entries, max {max} entries (a 2 s block holds ~600)"
    );
}

/// The lag of a PostgreSQL consumer behind a chain that `accord-bench` loads flat out for
/// about `seconds` (4,000 transfers per second of load): finalized oplog head minus processed entries, and finalized height minus the
/// block of the first unprocessed entry, sampled every 200 ms while the load runs.
fn flat_out(seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let node = support::node_bin();
    let spec = std::process::Command::new(&node)
        .args(["build-spec", "--dev", "--open", "--funded-accounts", "10000"])
        .output()
        .expect("accord-node build-spec");
    assert!(spec.status.success(), "build-spec failed");
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, &spec.stdout).unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), spec_path.to_str().unwrap());
    let pg = Postgres::start();
    let cfg = config(&url, &pg.create_database("follow"));
    let stop = Arc::new(AtomicBool::new(false));
    let cursor = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let consumer = {
        let (stop, cursor) = (stop.clone(), cursor.clone());
        std::thread::spawn(move || {
            accord_offchain::run(cfg, stop, move |p| cursor.store(p.cursor, Ordering::SeqCst)).unwrap()
        })
    };
    let bench = node.with_file_name("accord-bench");
    let ws = url.replace("http://", "ws://");
    let mut load = std::process::Command::new(&bench)
        .args(["--url", &ws, "--accounts", "10000", "--count", &(seconds * 4_000).to_string(), "--skip-limit"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("accord-bench (cargo build --release -p accord-bench)");
    let (mut entry_lags, mut block_lags) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let cpu_before = process_cpu();
    while load.try_wait().unwrap().is_none() {
        let head = rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap_or(0);
        let done = cursor.load(Ordering::SeqCst);
        entry_lags.push(head.saturating_sub(done));
        let final_hash = rpc(&url, "chain_getFinalizedHead", json!([]));
        let header = rpc(&url, "chain_getHeader", json!([final_hash]));
        let height =
            u64::from_str_radix(header["number"].as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap();
        let next = rpc(&url, "oplog_getLogs", json!([done, 1]));
        let behind = next
            .as_array()
            .and_then(|a| a.first())
            .and_then(|e| e["block"].as_u64())
            .map_or(0, |b| height.saturating_sub(b));
        block_lags.push(behind);
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = load.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let included = report.lines().find(|l| l.starts_with("included:")).unwrap_or("included: ?").to_string();
    let head = rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap_or(0);
    wait_for("the consumer to catch up after the load", Duration::from_secs(300), || {
        cursor.load(Ordering::SeqCst) >= head
    });
    let caught_up = started.elapsed().as_secs_f64();
    // This process is the consumer (and the 200 ms sampler): its CPU per entry applied.
    let cpu = process_cpu() - cpu_before;
    stop.store(true, Ordering::SeqCst);
    let _ = consumer.join();
    let summary = |v: &mut Vec<u64>| {
        v.sort_unstable();
        (v[v.len() / 2], *v.last().unwrap())
    };
    let (e50, emax) = summary(&mut entry_lags);
    let (b50, bmax) = summary(&mut block_lags);
    println!("load: {included}");
    println!(
        "postgresql consumer following a flat-out chain for {seconds} s ({} samples): lag p50 {e50} / max {emax} entries, p50 {b50} / max {bmax} blocks; {head} entries all applied {caught_up:.1} s after the start",
        entry_lags.len()
    );
    println!(
        "consumer process CPU: {cpu:.1} s for {head} entries = {:.1} µs per entry ({:.0} entries per CPU-second)",
        cpu * 1e6 / head.max(1) as f64,
        head as f64 / cpu.max(1e-9)
    );
}

/// This process's CPU time (user + system) so far, in seconds.
fn process_cpu() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
