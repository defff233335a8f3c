//! Crash safety: kill -9 during block production under load, several times; every restart
//! resumes at or after the last block seen committed, and the state roots recomputed from
//! the database match the header. Also: the CLI's clear errors.

use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use accord_primitives::Pair;

use crate::harness::{best_number, call, genesis_hash, hex0x, node_bin, sign, transfer, Node};

fn verify_state(base: &std::path::Path) -> String {
    let out = Command::new(node_bin()).args(["verify-state", "--dev", "--base-path"]).arg(base).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "verify-state failed: {text}");
    text
}

#[tokio::test]
async fn kill_9_under_load_loses_no_committed_block() {
    let seed: u64 = std::env::var("ACCORD_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("crash test seed {seed} (ACCORD_CRASH_SEED reproduces)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tmp = tempfile::tempdir().unwrap();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut committed = 0u32;
    let mut submitted_total = 0u32;
    for round in 0..5 {
        let mut node = Node::start(tmp.path(), &["--block-time-ms", "50"]);
        let c = node.http();
        let best = best_number(&c).await;
        assert!(
            best >= committed,
            "round {round}: restarted at #{best}, but #{committed} was committed before the kill"
        );
        let genesis = genesis_hash(&c).await;
        let next = call(&c, "system_accountNextIndex", vec![json!(alice.account().to_ss58(42))]).await;
        let mut nonce = next.as_u64().unwrap() as u32;
        let window = Duration::from_millis(rng.gen_range(300..1200));
        let start = Instant::now();
        while start.elapsed() < window {
            let xt = sign(genesis, &alice, &transfer(&bob, 1_000_000_000_000), nonce);
            if call_ok(&c, "author_submitExtrinsic", hex0x(xt.encoded())).await {
                nonce += 1;
                submitted_total += 1;
            }
        }
        committed = best_number(&c).await;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..80))).await;
        node.kill9();
        let report = verify_state(tmp.path());
        assert!(report.contains("state is consistent"), "{report}");
    }
    assert!(submitted_total > 0, "the load generator submitted nothing");
    let node = Node::start(tmp.path(), &["--block-time-ms", "50"]);
    let c = node.http();
    assert!(best_number(&c).await >= committed);
    let nonce = call(&c, "system_accountNextIndex", vec![json!(alice.account().to_ss58(42))]).await;
    assert!(nonce.as_u64().unwrap() > 0, "some transfers were included");
}

async fn call_ok(c: &jsonrpsee::http_client::HttpClient, method: &str, param: String) -> bool {
    use jsonrpsee::core::client::ClientT;
    let mut p = jsonrpsee::core::params::ArrayParams::new();
    p.insert(param).unwrap();
    c.request::<serde_json::Value, _>(method, p).await.is_ok()
}

#[tokio::test]
async fn a_base_path_in_use_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let _first = Node::start(tmp.path(), &["--block-time-ms", "500"]);
    let out =
        Command::new(node_bin()).args(["--dev", "--rpc-port", "0", "--base-path"]).arg(tmp.path()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use"), "{err}");
}

#[test]
fn cli_errors_are_clear() {
    let run = |args: &[&str]| {
        let out = Command::new(node_bin()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, err, _) = run(&["--state-pruning", "0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("archive"), "{err}");
    let (code, err, _) = run(&["--no-such-flag"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err, _) = run(&["--chain", "/nonexistent/spec.json", "build-spec"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot read chain spec"), "{err}");
    let (code, _, out) = run(&["key", "inspect", "//Alice"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"));
    let (code, _, out) = run(&["build-spec", "--dev", "--raw"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("\"raw\""));
    let (code, _, out) = run(&["key", "generate"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("Secret phrase:"));
}

#[tokio::test]
async fn a_chain_spec_file_round_trips_and_purge_chain_deletes() {
    let tmp = tempfile::tempdir().unwrap();
    let spec_path = tmp.path().join("spec.json");
    let out = Command::new(node_bin()).args(["build-spec", "--chain", "local"]).output().unwrap();
    std::fs::write(&spec_path, &out.stdout).unwrap();
    let base = tmp.path().join("base");
    let mut cmd_args = vec!["--chain".to_string(), spec_path.display().to_string()];
    // A BFT full node of the local chain: no peer is up, so it only opens its database.
    cmd_args.extend(["--block-time-ms".into(), "100".into(), "--listen-addr".into(), "127.0.0.1:0".into()]);
    {
        let mut child = Command::new(node_bin())
            .args(&cmd_args)
            .args(["--rpc-port", "0", "--base-path"])
            .arg(&base)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let _ = child.kill();
        let _ = child.wait();
    }
    let db = base.join("chains/local/db");
    assert!(db.exists());
    let out = Command::new(node_bin())
        .args(&cmd_args[..2])
        .args(["purge-chain", "-y", "--base-path"])
        .arg(&base)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!db.exists());
}
