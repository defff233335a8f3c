//! Malformed, forged and replayed input: the right JSON-RPC errors, and the node keeps
//! serving.

use std::time::Duration;

use jsonrpsee::core::client::{ClientT, Error as ClientError};
use serde_json::{json, Value};

use accord_primitives::{MultiSignature, Pair, UncheckedExtrinsic};

use crate::harness::{best_number, call, genesis_hash, hex0x, sign, transfer, wait_until, Node};

async fn error_of(
    c: &jsonrpsee::http_client::HttpClient,
    method: &str,
    params: Vec<Value>,
) -> (i32, String, Option<String>) {
    let mut p = jsonrpsee::core::params::ArrayParams::new();
    for v in params {
        p.insert(v).unwrap();
    }
    match c.request::<Value, _>(method, p).await {
        Err(ClientError::Call(e)) => (e.code(), e.message().to_string(), e.data().map(|d| d.get().to_string())),
        other => panic!("{method}: expected a call error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_extrinsics_get_author_errors() {
    let node = Node::dev(&["--instant-seal"]);
    let c = node.http();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let genesis = genesis_hash(&c).await;

    // Not hex, not an extrinsic, truncated.
    assert_eq!(error_of(&c, "author_submitExtrinsic", vec![json!("nothex")]).await.0, -32602);
    assert_eq!(error_of(&c, "author_submitExtrinsic", vec![json!("0x1234")]).await.0, 1001);
    let good = sign(genesis, &alice, &transfer(&bob, 1_000_000_000_000), 0);
    let bytes = good.encoded();
    let truncated = hex0x(&bytes[..bytes.len() - 1]);
    assert_eq!(error_of(&c, "author_submitExtrinsic", vec![json!(truncated)]).await.0, 1001);

    // A bad signature.
    let mut sig = good.signature.clone().unwrap();
    if let MultiSignature::Sr25519(s) = &mut sig.signature {
        s[10] ^= 0xff;
    }
    let forged = UncheckedExtrinsic::from_signed_part(good.call(), sig);
    let (code, message, data) = error_of(&c, "author_submitExtrinsic", vec![json!(hex0x(forged.encoded()))]).await;
    assert_eq!((code, message.as_str()), (1010, "Invalid Transaction"));
    assert!(data.unwrap().contains("bad signature"));

    // Accepted once; the same bytes again are already imported; after inclusion, stale.
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(bytes))]).await;
    let (code, _, _) = error_of(&c, "author_submitExtrinsic", vec![json!(hex0x(bytes))]).await;
    assert!(code == 1013 || code == 1010, "replay while pooled or just included: {code}");
    wait_until("inclusion", Duration::from_secs(20), || async { best_number(&c).await >= 1 }).await;
    let (code, _, data) = error_of(&c, "author_submitExtrinsic", vec![json!(hex0x(bytes))]).await;
    assert_eq!(code, 1010);
    assert!(data.unwrap().contains("outdated"));

    // An unaffordable transfer from an account without funds.
    // An account of no organization, on the closed dev chain: the gate's reason.
    let stranger = Pair::dev("Nobody");
    let xt = sign(genesis, &stranger, &transfer(&bob, 1), 0);
    let (code, _, data) = error_of(&c, "author_submitExtrinsic", vec![json!(hex0x(xt.encoded()))]).await;
    assert_eq!(code, 1010);
    assert!(data.unwrap().contains("sender is not a member of an active organization"));

    // A lower-priority replacement of a pooled nonce.
    let future = sign(genesis, &alice, &transfer(&bob, 1_000_000_000_000), 5);
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(future.encoded()))]).await;
    let same_nonce = sign(genesis, &alice, &transfer(&bob, 2_000_000_000_000), 5);
    assert_eq!(error_of(&c, "author_submitExtrinsic", vec![json!(hex0x(same_nonce.encoded()))]).await.0, 1014);
    let pending = call(&c, "author_pendingExtrinsics", vec![]).await;
    assert_eq!(pending.as_array().unwrap().len(), 1);

    // Still serving.
    assert_eq!(call(&c, "system_chain", vec![]).await, json!("Development"));
}

#[tokio::test]
async fn bad_requests_get_json_rpc_errors() {
    let node = Node::dev(&["--block-time-ms", "500", "--rpc-max-request-size", "1"]);
    let c = node.http();
    assert_eq!(error_of(&c, "no_such_method", vec![]).await.0, -32601);
    assert_eq!(error_of(&c, "chain_getBlockHash", vec![json!("zz")]).await.0, -32602);
    assert_eq!(error_of(&c, "chain_getHeader", vec![json!("0x12")]).await.0, -32602);
    assert_eq!(error_of(&c, "state_getStorage", vec![]).await.0, -32602);
    assert_eq!(error_of(&c, "state_getKeysPaged", vec![json!("0x"), json!(5000)]).await.0, -32602);
    assert_eq!(error_of(&c, "system_chain", vec![json!(1)]).await.0, -32602);
    let (code, message, _) =
        error_of(&c, "state_getStorage", vec![json!("0x00"), json!(format!("0x{}", "ab".repeat(32)))]).await;
    assert_eq!(code, 4003);
    assert!(message.contains("Unknown block"));
    assert_eq!(error_of(&c, "state_call", vec![json!("Nope_nope"), json!("0x")]).await.0, 4003);
    // releases_route names the bad parameter.
    let route = |target: &str, class: &str, data: Value| {
        let c = c.clone();
        let (target, class) = (target.to_string(), class.to_string());
        async move { error_of(&c, "releases_route", vec![json!(target), json!(class), data]).await }
    };
    let (code, message, _) = route("Ledger", "production", json!("0x01")).await;
    assert_eq!(code, -32602);
    assert!(
        message.contains("unknown target \"Ledger\" (targets: Records, or a contract target's alias)"),
        "{message}"
    );
    let (code, message, _) = route("Records", "beta", json!("0x01")).await;
    assert_eq!(code, -32602);
    assert!(message.contains("unknown traffic class"), "{message}");
    assert_eq!(route("Records", "production", json!("order-1")).await.0, -32602, "the data id is hex");
    assert_eq!(route("Records", "production", json!(null)).await.0, -32602, "the data id is required");
    let long = format!("0x{}", "ab".repeat(accord_pallet_oplog::DATA_ID_LEN_MAX as usize + 1));
    assert!(route("Records", "production", json!(long)).await.1.contains("longer"));
    // metering_quote: not an extrinsic, unsigned; a signed one is priced.
    assert!(error_of(&c, "metering_quote", vec![json!("0x1234")]).await.1.contains("does not decode"));
    let inherent = accord_runtime::timestamp_inherent(1);
    assert!(error_of(&c, "metering_quote", vec![json!(hex0x(inherent.encoded()))]).await.1.contains("unsigned"));
    let genesis = genesis_hash(&c).await;
    let xt = sign(genesis, &Pair::dev("Alice"), &transfer(&Pair::dev("Bob"), 1), 0);
    let quote = call(&c, "metering_quote", vec![json!(hex0x(xt.encoded()))]).await;
    assert_eq!(quote["mode"], "Postpay", "{quote}");
    assert_eq!(quote["usage"]["length"], xt.encoded().len(), "{quote}");
    let total: u128 = quote["fee"]["total"].as_str().unwrap().parse().unwrap();
    let parts: u128 = ["compute", "network", "storage", "backup", "backupTime", "tip"]
        .iter()
        .map(|k| quote["fee"][k].as_str().unwrap().parse::<u128>().unwrap())
        .sum();
    assert!(total > 0 && total == parts, "{quote}");
    let answer = call(&c, "releases_route", vec![json!("Records"), json!("grayTest"), json!("0x01")]).await;
    let expected =
        json!({ "version": 1, "release": null, "stage": null, "shareBp": null, "bucket": null, "code": null });
    assert_eq!(answer, expected);

    // A request over the 1 MiB limit is refused at the HTTP level.
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":["0x{}"]}}"#,
        "00".repeat(1024 * 1024)
    );
    let status = raw_post(&node.rpc_addr, &big).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    // Garbage JSON.
    let status = raw_post(&node.rpc_addr, "{not json").await;
    assert!(status.contains("-32700"), "{status}");

    assert_eq!(call(&c, "system_chain", vec![]).await, json!("Development"));
}

async fn raw_post(addr: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(request.as_bytes()).await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}
