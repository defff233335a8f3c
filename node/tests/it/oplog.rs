//! The operation log over RPC, with the source's worked example: accounts C=500 and D=100;
//! C->D 100 then C->D 50; D's entries read 100->200 then 200->250, pulled and pushed.

use std::time::Duration;

use jsonrpsee::core::client::SubscriptionClientT;
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use serde_json::{json, Value};

use accord_primitives::Pair;

use crate::harness::{call, genesis_hash, hex0x, sign, transfer, wait_until, Node};

const UNIT: u128 = 1_000_000_000_000;

fn spec_with_c_and_d(dir: &std::path::Path) -> std::path::PathBuf {
    let ss58 = |name: &str| Pair::dev(name).account().to_ss58(42);
    let spec = json!({
        "name": "Oplog Example",
        "id": "oplog_example",
        "chainType": "Local",
        "properties": { "ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "ACD" },
        "genesis": { "runtimeGenesis": {
            "balances": [
                [ss58("Alice"), (1_000_000 * UNIT).to_string()],
                [ss58("Charlie"), (500 * UNIT).to_string()],
                [ss58("Dave"), (100 * UNIT).to_string()],
            ],
            "openChain": true,
        } },
    });
    let path = dir.join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

fn balance(hex: &Value) -> u128 {
    let bytes = hex::decode(&hex.as_str().unwrap()[2..]).unwrap();
    u128::from_le_bytes(bytes.try_into().unwrap())
}

#[tokio::test]
async fn worked_example_pulled_and_pushed() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec_with_c_and_d(tmp.path());
    let node = Node::start(&tmp.path().join("base"), &["--chain", spec.to_str().unwrap(), "--block-time-ms", "200"]);
    let c = node.http();
    let ws = WsClientBuilder::default().build(node.ws_url()).await.unwrap();
    let (charlie, dave) = (Pair::dev("Charlie"), Pair::dev("Dave"));
    let d_id = hex0x(dave.account().as_bytes());
    let mut sub = ws
        .subscribe::<Value, _>("oplog_subscribeLogs", rpc_params![json!({ "dataId": d_id })], "oplog_unsubscribeLogs")
        .await
        .unwrap();

    let genesis = genesis_hash(&c).await;
    for (nonce, amount) in [(0u32, 100 * UNIT), (1, 50 * UNIT)] {
        let xt = sign(genesis, &charlie, &transfer(&dave, amount), nonce);
        call(&c, "author_submitExtrinsic", vec![json!(hex0x(xt.encoded()))]).await;
    }
    let mut pushed = Vec::new();
    while pushed.len() < 2 {
        let next =
            tokio::time::timeout(Duration::from_secs(20), sub.next()).await.expect("pushed entries").unwrap().unwrap();
        pushed.push(next);
    }
    let states: Vec<(u128, u128)> =
        pushed.iter().map(|e| (balance(&e["sourceState"]), balance(&e["resultState"]))).collect();
    assert_eq!(states, vec![(100 * UNIT, 200 * UNIT), (200 * UNIT, 250 * UNIT)]);
    assert!(pushed
        .iter()
        .all(|e| e["operator"] == json!(charlie.account().to_ss58(42)) && e["opType"] == json!("Update")));

    wait_until("both entries final", Duration::from_secs(20), || async {
        call(&c, "oplog_getLogs", vec![json!(0), json!(100), json!({ "dataId": d_id })]).await.as_array().unwrap().len()
            == 2
    })
    .await;
    let pulled = call(&c, "oplog_getLogs", vec![json!(0), json!(100), json!({ "dataId": d_id })]).await;
    assert_eq!(pulled.as_array().unwrap(), &pushed);
    let all = call(&c, "oplog_getLogs", vec![json!(0), json!(100)]).await;
    let indices: Vec<u64> = all.as_array().unwrap().iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, (0..indices.len() as u64).collect::<Vec<_>>(), "gap-free from 0");
    let head = call(&c, "oplog_head", vec![]).await;
    assert_eq!(head["nextIndex"].as_u64().unwrap(), indices.len() as u64);
    assert_eq!(head["lowestRetained"], json!(0));
}

#[tokio::test]
async fn oplog_rpc_rejects_bad_parameters() {
    let node = Node::dev(&["--block-time-ms", "500"]);
    let c = node.http();
    use jsonrpsee::core::client::ClientT;
    for params in [
        rpc_params![json!(0), json!(5000)],
        rpc_params![json!(-1), json!(10)],
        rpc_params![json!(0), json!(10), json!({ "bogus": 1 })],
        rpc_params![json!(0), json!(10), json!({ "opType": "Nope" })],
        rpc_params![json!(0), json!(10), json!({ "dataId": "zz" })],
    ] {
        let err = c.request::<Value, _>("oplog_getLogs", params).await.unwrap_err();
        assert!(err.to_string().contains("-32602") || err.to_string().to_lowercase().contains("invalid"), "{err}");
    }
    assert_eq!(call(&c, "oplog_getLogs", vec![json!(1_000_000), json!(10)]).await, json!([]));
}
