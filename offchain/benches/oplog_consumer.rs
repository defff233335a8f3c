//! Benchmark (not a test): how fast the oplog consumer moves entries from a real node into
//! each sink, and how far it lags under a sustained load.
//!
//! `cargo bench -p accord-offchain --bench oplog_consumer` (needs the release node binary:
//! `cargo build --release -p accord-node`). Prints one line per figure.

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
