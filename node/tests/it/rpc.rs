//! The Substrate RPC surface over HTTP: the methods polkadot.js calls on connect, storage
//! reads at the best and older blocks, paged keys, runtime calls.

use std::time::Duration;

use codec::{Decode, Encode};
use serde_json::{json, Value};

use accord_pallet_system as system;
use accord_primitives::Pair;

use crate::harness::{best_number, call, genesis_hash, hex0x, sign, transfer, wait_until, Node};

#[tokio::test]
async fn connect_sequence_and_chain_reads() {
    let node = Node::dev(&["--block-time-ms", "200"]);
    let c = node.http();
    assert_eq!(call(&c, "system_chain", vec![]).await, json!("Development"));
    assert_eq!(call(&c, "system_chainType", vec![]).await, json!("Development"));
    assert_eq!(call(&c, "system_properties", vec![]).await["ss58Format"], json!(42));
    assert_eq!(call(&c, "system_health", vec![]).await["isSyncing"], json!(false));
    let version = call(&c, "state_getRuntimeVersion", vec![]).await;
    assert_eq!(version["specName"], json!("accord"));
    assert!(version["apis"].as_array().unwrap().iter().any(|a| a[0] == json!("0x37e397fc7c91f5e4")));
    let methods = call(&c, "rpc_methods", vec![]).await;
    let methods: Vec<&str> = methods["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for m in [
        "chain_getBlockHash",
        "chain_getHeader",
        "chain_getBlock",
        "chain_getFinalizedHead",
        "chain_subscribeNewHead",
        "chain_subscribeFinalizedHeads",
        "state_getMetadata",
        "state_getStorage",
        "state_queryStorageAt",
        "state_subscribeStorage",
        "state_getKeysPaged",
        "state_call",
        "state_subscribeRuntimeVersion",
        "author_submitExtrinsic",
        "author_submitAndWatchExtrinsic",
        "system_accountNextIndex",
        "rpc_methods",
    ] {
        assert!(methods.contains(&m), "rpc_methods lacks {m}");
    }
    let metadata = call(&c, "state_getMetadata", vec![]).await;
    assert!(metadata.as_str().unwrap().starts_with("0x6d6574610e"));
    let versions = call(&c, "state_call", vec![json!("Metadata_metadata_versions"), json!("0x")]).await;
    assert_eq!(versions, json!("0x080e0000000f000000"), "metadata V14 and V15");
    wait_until("two blocks", Duration::from_secs(20), || async { best_number(&c).await >= 2 }).await;
    let h1 = call(&c, "chain_getBlockHash", vec![json!(1)]).await;
    let many = call(&c, "chain_getBlockHash", vec![json!([0, "0x1", 1_000_000])]).await;
    assert_eq!(many[1], h1);
    assert_eq!(many[2], Value::Null);
    let block = call(&c, "chain_getBlock", vec![h1.clone()]).await;
    let xts = block["block"]["extrinsics"].as_array().unwrap();
    assert_eq!(xts.len(), 1, "the timestamp inherent");
    assert_eq!(block["block"]["header"]["number"], json!("0x1"));
    assert_eq!(call(&c, "chain_getFinalizedHead", vec![]).await.as_str().map(str::len), Some(66));
    assert_eq!(call(&c, "chain_getHeader", vec![json!(format!("0x{}", "11".repeat(32)))]).await, Value::Null);
}

#[tokio::test]
async fn storage_at_best_and_older_blocks_and_paged_keys() {
    let node = Node::dev(&["--instant-seal"]);
    let c = node.http();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let genesis = genesis_hash(&c).await;
    let key = hex0x(&system::ACCOUNT.key(&alice.account()));
    let before = call(&c, "state_getStorage", vec![json!(key)]).await;
    let info = system::AccountInfo::decode(&mut &hex::decode(&before.as_str().unwrap()[2..]).unwrap()[..]).unwrap();
    assert_eq!(info.nonce, 0);
    let xt = sign(genesis, &alice, &transfer(&bob, 1_000_000_000_000), 0);
    let hash = call(&c, "author_submitExtrinsic", vec![json!(hex0x(xt.encoded()))]).await;
    assert_eq!(hash, json!(xt.hash().to_hex()));
    wait_until("the transfer's block", Duration::from_secs(20), || async { best_number(&c).await >= 1 }).await;
    let after = call(&c, "state_getStorage", vec![json!(key)]).await;
    let info = system::AccountInfo::decode(&mut &hex::decode(&after.as_str().unwrap()[2..]).unwrap()[..]).unwrap();
    assert_eq!(info.nonce, 1);
    assert_eq!(call(&c, "system_accountNextIndex", vec![json!(alice.account().to_ss58(42))]).await, json!(1));
    // The state at genesis still shows the old account.
    let at_genesis = call(&c, "state_getStorage", vec![json!(key), json!(genesis.to_hex())]).await;
    assert_eq!(at_genesis, before);
    let query = call(&c, "state_queryStorageAt", vec![json!([key, "0x1234"]), json!(genesis.to_hex())]).await;
    assert_eq!(query[0]["changes"][0], json!([key, before]));
    assert_eq!(query[0]["changes"][1], json!(["0x1234", null]));
    // System.Account has the sixteen dev accounts and the platform: page through them two by two.
    let prefix = hex0x(&system::ACCOUNT.prefix());
    let mut all = Vec::new();
    let mut start = Value::Null;
    loop {
        let page = call(&c, "state_getKeysPaged", vec![json!(prefix), json!(2), start.clone()]).await;
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        start = page.last().unwrap().clone();
        all.extend(page);
    }
    assert_eq!(all.len(), 17, "the six dev accounts, the ten Hardhat/Anvil accounts and the platform account");
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(all, sorted, "keys come in order");
    let old =
        call(&c, "state_getKeysPaged", vec![json!(prefix), json!(100), Value::Null, json!(genesis.to_hex())]).await;
    assert_eq!(old.as_array().unwrap().len(), 17, "the same accounts at genesis");
    let nonce =
        call(&c, "state_call", vec![json!("AccountNonceApi_account_nonce"), json!(hex0x(&alice.account().encode()))])
            .await;
    assert_eq!(nonce, json!("0x01000000"));
}

#[tokio::test]
async fn prometheus_metrics_count_blocks_and_rpc_calls() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let node = Node::dev(&["--block-time-ms", "100", "--prometheus-port", &port.to_string()]);
    let c = node.http();
    wait_until("a block", Duration::from_secs(20), || async { best_number(&c).await >= 1 }).await;
    let text = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    };
    assert!(text.contains("accord_block_height_best"), "{text}");
    assert!(text.contains("accord_rpc_calls_total{method=\"chain_getHeader\"}"), "{text}");
}
