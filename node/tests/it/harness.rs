//! Starting and stopping real node processes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use codec::Encode;
use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use serde_json::Value;

use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Era, Implicit, MultiAddress, Pair, UncheckedExtrinsic, H256};
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::RuntimeCall;

/// The node binary built for these tests.
pub(crate) fn node_bin() -> &'static str {
    env!("CARGO_BIN_EXE_accord-node")
}

/// A running node process, killed when dropped.
pub(crate) struct Node {
    pub(crate) child: Child,
    pub(crate) rpc_addr: String,
    _tmp: Option<tempfile::TempDir>,
}

impl Node {
    /// Starts a dev node with a fresh temporary base path.
    pub(crate) fn dev(extra: &[&str]) -> Node {
        let tmp = tempfile::tempdir().expect("temp dir");
        let base = tmp.path().to_path_buf();
        let mut node = Node::start(&base, extra);
        node._tmp = Some(tmp);
        node
    }

    /// Starts a dev node on `base`.
    pub(crate) fn start(base: &Path, extra: &[&str]) -> Node {
        let mut args = vec!["--dev"];
        args.extend_from_slice(extra);
        Node::spawn(base, &args)
    }

    /// Starts a node on `base` with `args` (and `--rpc-port 0`).
    pub(crate) fn spawn(base: &Path, args: &[&str]) -> Node {
        let mut cmd = Command::new(node_bin());
        cmd.arg("--base-path").arg(base).args(["--rpc-port", "0"]).args(args);
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env("RUST_LOG", std::env::var("ACCORD_TEST_RUST_LOG").unwrap_or_else(|_| "info".into()));
        let mut child = cmd.spawn().expect("spawning accord-node");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("Running JSON-RPC server: addr=").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
                if std::env::var_os("ACCORD_TEST_NODE_LOG").is_some() {
                    eprintln!("[node] {line}");
                }
            }
        });
        let rpc_addr = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the node did not report its RPC address within 60 s")
        });
        Node { child, rpc_addr, _tmp: None }
    }

    pub(crate) fn http_url(&self) -> String {
        format!("http://{}", self.rpc_addr)
    }

    pub(crate) fn ws_url(&self) -> String {
        format!("ws://{}", self.rpc_addr)
    }

    pub(crate) fn http(&self) -> HttpClient {
        HttpClientBuilder::default().build(self.http_url()).expect("http client")
    }

    /// Kills the process at once (SIGKILL).
    pub(crate) fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A JSON-RPC call that must succeed.
pub(crate) async fn call(client: &HttpClient, method: &str, params: Vec<Value>) -> Value {
    let mut p = jsonrpsee::core::params::ArrayParams::new();
    for v in params {
        p.insert(v).unwrap();
    }
    client.request::<Value, _>(method, p).await.unwrap_or_else(|e| panic!("{method} failed: {e}"))
}

/// The best block number.
pub(crate) async fn best_number(client: &HttpClient) -> u32 {
    let header = call(client, "chain_getHeader", vec![]).await;
    u32::from_str_radix(header["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Waits until `cond` holds, polling.
pub(crate) async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !cond().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Signs `call` for the dev chain whose genesis is `genesis`.
pub(crate) fn sign(genesis: H256, who: &Pair, call: &RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
    let implicit = Implicit {
        spec_version: SPEC_VERSION,
        transaction_version: TRANSACTION_VERSION,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    };
    UncheckedExtrinsic::new_signed(&call.encode(), who, SignedExtra { era: Era::Immortal, nonce, tip: 0 }, &implicit)
}

/// A keep-alive transfer call.
pub(crate) fn transfer(to: &Pair, value: u128) -> RuntimeCall {
    RuntimeCall::Balances(accord_pallet_balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(to.account()),
        value,
    })
}

/// The genesis hash as the node reports it.
pub(crate) async fn genesis_hash(client: &HttpClient) -> H256 {
    let v = call(client, "chain_getBlockHash", vec![serde_json::json!(0)]).await;
    H256::from_hex(v.as_str().unwrap()).unwrap()
}

/// `0x`-hex.
pub(crate) fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// A free TCP port on 127.0.0.1 (bound once and released: another process may take it
/// meanwhile, which the tests accept).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A header field of block `hash` (`None`: the best block).
pub(crate) async fn header_of(client: &HttpClient, hash: Option<&str>) -> Value {
    let params = hash.map(|h| vec![serde_json::json!(h)]).unwrap_or_default();
    call(client, "chain_getHeader", params).await
}

/// The finalized head's number and hash.
pub(crate) async fn finalized(client: &HttpClient) -> (u32, String) {
    let hash = call(client, "chain_getFinalizedHead", vec![]).await.as_str().unwrap().to_string();
    let header = header_of(client, Some(&hash)).await;
    let number = u32::from_str_radix(header["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    (number, hash)
}
