//! The consumer against real processes: a real node, real consumer processes, real SQLite
//! files. The node binary comes from `ACCORD_NODE_BIN` or the release build in the target
//! folder (`./scripts/test` builds it first).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use codec::Encode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Era, Implicit, MultiAddress, Pair, UncheckedExtrinsic, H256};
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::RuntimeCall;

const UNIT: u128 = 1_000_000_000_000;

fn node_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("ACCORD_NODE_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/accord-target"));
    target.join("release/accord-node")
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a node on `chain` (a spec path or `dev`) and returns it with its HTTP URL.
fn start_node(base: &Path, chain: &str) -> (Proc, String) {
    let mut child = Command::new(node_bin())
        .args(["--chain", chain, "--rpc-port", "0", "--block-time-ms", "100", "--base-path"])
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("accord-node (build it with cargo build --release -p accord-node)");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("Running JSON-RPC server: addr=").nth(1) {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(60)).expect("node RPC address");
    (Proc(child), format!("http://{addr}"))
}

fn start_consumer(config: &Path) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_accord-offchain"))
        .arg("--config")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Proc(child)
}

fn rpc(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let addr = url.trim_start_matches("http://");
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let json_start = out.find("\r\n\r\n").unwrap() + 4;
    let v: Value = serde_json::from_str(&out[json_start..]).unwrap();
    v["result"].clone()
}

fn sign(genesis: H256, who: &Pair, to: &Pair, value: u128, nonce: u32) -> String {
    let call = RuntimeCall::Balances(accord_pallet_balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(to.account()),
        value,
    });
    let implicit = Implicit {
        spec_version: SPEC_VERSION,
        transaction_version: TRANSACTION_VERSION,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    };
    let xt = UncheckedExtrinsic::new_signed(
        &call.encode(),
        who,
        SignedExtra { era: Era::Immortal, nonce, tip: 0 },
        &implicit,
    );
    format!("0x{}", hex::encode(xt.encoded()))
}

fn genesis(url: &str) -> H256 {
    H256::from_hex(rpc(url, "chain_getBlockHash", json!([0])).as_str().unwrap()).unwrap()
}

fn write_config(dir: &Path, name: &str, url: &str, subscription: &str, queue: usize, batch: u32) -> PathBuf {
    let db = dir.join(format!("{name}.db"));
    let text = format!(
        "node_url = \"{url}\"\nmode = \"subscribe\"\nqueue_capacity = {queue}\nbatch_size = {batch}\ndatabase = \"sqlite://{}\"\n{subscription}\n",
        db.display()
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn db_cursor(db: &Path) -> u64 {
    let Ok(conn) = rusqlite::Connection::open(db) else { return 0 };
    conn.query_row("SELECT next_index FROM accord_cursor WHERE id = 0", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .unwrap_or(0)
}

fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_business_systems_follow_the_worked_example() {
    let dir = tempfile::tempdir().unwrap();
    let ss58 = |n: &str| Pair::dev(n).account().to_ss58(42);
    let spec = json!({
        "name": "Oplog Example", "id": "oplog_example", "chainType": "Local",
        "properties": {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "ACD"},
        "genesis": {"runtimeGenesis": {"balances": [
            [ss58("Alice"), (1_000_000 * UNIT).to_string()],
            [ss58("Charlie"), (500 * UNIT).to_string()],
            [ss58("Dave"), (100 * UNIT).to_string()]]}}
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), spec_path.to_str().unwrap());
    let (c, d) = (Pair::dev("Charlie"), Pair::dev("Dave"));
    let sub = format!("[[subscriptions]]\nname = \"d\"\ndata_id = \"0x{}\"", hex::encode(d.account().as_bytes()));
    let config_a = write_config(dir.path(), "a", &url, &sub, 8, 100);
    let config_b = write_config(dir.path(), "b", &url, &sub, 8, 100);
    let _a = start_consumer(&config_a);
    let _b = start_consumer(&config_b);
    let g = genesis(&url);
    rpc(&url, "author_submitExtrinsic", json!([sign(g, &c, &d, 100 * UNIT, 0)]));
    rpc(&url, "author_submitExtrinsic", json!([sign(g, &c, &d, 50 * UNIT, 1)]));
    for name in ["a", "b"] {
        let db = dir.path().join(format!("{name}.db"));
        wait_for("D's two entries", Duration::from_secs(30), || {
            accord_offchain::sink::SqliteSink::open(db.to_str().unwrap())
                .and_then(|s| s.history("d", d.account().as_bytes()))
                .map_or(0, |h| h.len())
                == 2
        });
        let sink = accord_offchain::sink::SqliteSink::open(db.to_str().unwrap()).unwrap();
        let history: Vec<(u128, u128)> = sink
            .history("d", d.account().as_bytes())
            .unwrap()
            .into_iter()
            .map(|(_, s, r)| (u128::from_le_bytes(s.try_into().unwrap()), u128::from_le_bytes(r.try_into().unwrap())))
            .collect();
        assert_eq!(history, vec![(100 * UNIT, 200 * UNIT), (200 * UNIT, 250 * UNIT)], "business system {name}");
    }
}

#[test]
fn exactly_once_through_repeated_kill_9() {
    let seed: u64 =
        std::env::var("ACCORD_CONSUMER_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("consumer crash seed {seed} (ACCORD_CONSUMER_SEED reproduces)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), "dev");
    let config = write_config(dir.path(), "x", &url, "[[subscriptions]]\nname = \"all\"", 4, 50);
    let db = dir.path().join("x.db");
    let g = genesis(&url);
    // About 2100 entries: 700 transfers, each logging the fee and both balances.
    let senders: Vec<Pair> =
        ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"].iter().map(|n| Pair::dev(n)).collect();
    let to = Pair::dev("Receiver");
    let load = {
        let url = url.clone();
        std::thread::spawn(move || {
            for i in 0..700u32 {
                let who = &senders[(i % 6) as usize];
                rpc(&url, "author_submitExtrinsic", json!([sign(g, who, &to, UNIT, i / 6)]));
            }
        })
    };
    let mut consumer = start_consumer(&config);
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..600)));
        drop(consumer);
        consumer = start_consumer(&config);
    }
    load.join().unwrap();
    wait_for("all transfers final", Duration::from_secs(60), || {
        rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap() >= 2100
    });
    let head = rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap();
    wait_for("the consumer to catch up", Duration::from_secs(60), || db_cursor(&db) >= head);
    drop(consumer);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let indices: Vec<u64> = conn
        .prepare("SELECT log_index FROM accord_history WHERE subscription = 'all' ORDER BY log_index")
        .unwrap()
        .query_map([], |r| r.get::<_, i64>(0))
        .unwrap()
        .map(|r| r.unwrap() as u64)
        .collect();
    assert_eq!(indices, (0..head).collect::<Vec<_>>(), "every entry exactly once, in order");
    let breaks: i64 = conn.query_row("SELECT COUNT(*) FROM accord_breaks", [], |r| r.get(0)).unwrap();
    assert_eq!(breaks, 0, "the chain's states are continuous");
    // Spot-check the rows against the chain.
    for from in [0u64, head / 2, head - 10] {
        let chain = rpc(&url, "oplog_getLogs", json!([from, 10]));
        for e in chain.as_array().unwrap() {
            let index = e["index"].as_u64().unwrap() as i64;
            let result: Vec<u8> = conn
                .query_row(
                    "SELECT result_state FROM accord_history WHERE subscription = 'all' AND log_index = ?1",
                    [index],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(format!("0x{}", hex::encode(result)), e["resultState"].as_str().unwrap());
        }
    }
}

#[test]
fn bad_configs_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "node_url = \"ftp://x\"\ndatabase = \"sqlite://x\"\n[[subscriptions]]\nname = \"a\"")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_accord-offchain")).arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("node_url"));
    let out = Command::new(env!("CARGO_BIN_EXE_accord-offchain")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // An unreachable node: the consumer gives up with an error naming it.
    let config = write_config(dir.path(), "u", "http://127.0.0.1:9", "[[subscriptions]]\nname = \"a\"", 4, 10);
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_accord-offchain")).arg("--config").arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.1:9"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(60));
}
