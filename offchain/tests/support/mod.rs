//! Shared by the integration tests and the benchmark: real node processes, a throwaway
//! PostgreSQL server, signing and raw JSON-RPC calls.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use codec::Encode;
use serde_json::{json, Value};

use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Era, Implicit, MultiAddress, Pair, UncheckedExtrinsic, H256};
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::RuntimeCall;

pub const UNIT: u128 = 1_000_000_000_000;

pub fn node_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("ACCORD_NODE_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/accord-target"));
    target.join("release/accord-node")
}

pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a node on `chain` (a spec path or `dev`) and returns it with its HTTP URL.
pub fn start_node(base: &Path, chain: &str) -> (Proc, String) {
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

pub fn start_consumer(config: &Path) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_accord-offchain"))
        .arg("--config")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Proc(child)
}

/// The `result` of a JSON-RPC call (null on an error: see [`rpc_response`]).
pub fn rpc(url: &str, method: &str, params: Value) -> Value {
    rpc_response(url, method, params)["result"].clone()
}

/// The whole JSON-RPC response of a call, `error` included.
pub fn rpc_response(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let addr = url.trim_start_matches("http://");
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let json_start = out.find("\r\n\r\n").unwrap() + 4;
    serde_json::from_str(&out[json_start..]).unwrap()
}

pub fn sign(genesis: H256, who: &Pair, to: &Pair, value: u128, nonce: u32) -> String {
    let call = RuntimeCall::Balances(accord_pallet_balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(to.account()),
        value,
    });
    sign_call(genesis, who, &call, nonce)
}

/// A signed, immortal extrinsic of `call`, as 0x hex.
pub fn sign_call(genesis: H256, who: &Pair, call: &RuntimeCall, nonce: u32) -> String {
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

pub fn genesis(url: &str) -> H256 {
    H256::from_hex(rpc(url, "chain_getBlockHash", json!([0])).as_str().unwrap()).unwrap()
}

pub fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A throwaway PostgreSQL server: its own cluster in a temporary folder, on a free port,
/// stopped when dropped. As root, the server runs as the `postgres` user.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let status = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(&path).args(args).status()
        } else {
            Command::new(&path).args(args).status()
        };
        assert!(status.map(|s| s.success()).unwrap_or(false), "{program} {args:?} failed");
    }

    pub fn start() -> Postgres {
        let versions = std::fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL is installed (./scripts/setup)");
        let bin = versions
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("pg_ctl").exists())
            .max()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
        if as_postgres {
            assert!(Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status().unwrap().success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = Postgres { dir, bin, port, as_postgres };
        let data = pg.dir.path().join("data");
        pg.run("initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", pg.dir.path().display());
        let log = pg.dir.path().join("log");
        pg.run("pg_ctl", &["-D", data.to_str().unwrap(), "-o", &options, "-l", log.to_str().unwrap(), "-w", "start"]);
        pg
    }

    pub fn create_database(&self, name: &str) -> String {
        let mut admin = postgres::Client::connect(
            &format!("postgres://postgres@127.0.0.1:{}/postgres", self.port),
            postgres::NoTls,
        )
        .unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let path = self.bin.join("pg_ctl");
        let args = ["-D", data.to_str().unwrap(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(&path).args(args).status()
        } else {
            Command::new(&path).args(args).status()
        };
    }
}
