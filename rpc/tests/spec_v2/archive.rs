//! `archive_v1_*`, `chainSpec_v1_*` and the method listing.

use accord_primitives::H256;
use serde_json::{json, Value};

use crate::{hex, subscribe, Test};

#[tokio::test]
async fn archive_hash_by_height_and_block_reads() {
    let t = Test::start().await;
    let g = t.node.genesis();
    let a1 = t.node.import_with(g, 1, vec![vec![4, 1]]);
    let a2 = t.node.import(a1, 1);
    let b1 = t.node.import(g, 2);
    t.node.finalize(a1);
    t.node.set_best(a2);
    assert_eq!(t.call("archive_v1_finalizedHeight", vec![]).await, Ok(json!(1)));
    for (height, expected) in [(0, json!([hex(g)])), (1, json!([hex(a1)])), (2, json!([hex(a2)])), (3, json!([]))] {
        assert_eq!(t.call("archive_v1_hashByHeight", vec![json!(height)]).await, Ok(expected), "height {height}");
    }
    assert_eq!(t.call("archive_v1_genesisHash", vec![]).await, Ok(hex(g)));
    let header = t.call("archive_v1_header", vec![hex(a1)]).await.unwrap();
    assert!(header.as_str().unwrap().starts_with("0x"));
    assert_eq!(t.call("archive_v1_body", vec![hex(a1)]).await, Ok(json!(["0x0401"])));
    let unknown = H256([3; 32]);
    for method in ["archive_v1_header", "archive_v1_body"] {
        assert_eq!(t.call(method, vec![hex(unknown)]).await, Ok(Value::Null), "{method}");
    }
    let call = |hash: H256| vec![hex(hash), json!("Test_echo"), json!("0x05")];
    assert_eq!(t.call("archive_v1_call", call(a1)).await, Ok(json!({ "success": true, "value": "0x05" })));
    assert_eq!(t.call("archive_v1_call", call(unknown)).await, Ok(Value::Null));
    t.node.prune_state(b1);
    let pruned = t.call("archive_v1_call", call(b1)).await.unwrap();
    assert_eq!(pruned["success"], false, "{pruned}");
}

#[tokio::test]
async fn archive_storage_streams_items_then_done() {
    let t = Test::start().await;
    let g = t.node.genesis();
    for i in 0..5u8 {
        t.node.set_storage(vec![0xaa, i], vec![i]);
    }
    let items = json!([
        { "key": "0xaa", "type": "descendantsValues", "paginationStartKey": "0xaa02" },
        { "key": "0xaa01", "type": "hash" },
    ]);
    let mut events =
        subscribe(&t.client, "archive_v1_storage", vec![hex(g), items, json!(null)], "archive_v1_stopStorage").await;
    for i in 3..5u8 {
        let expected = json!({ "event": "storage", "key": format!("0xaa0{i}"), "value": format!("0x0{i}") });
        assert_eq!(events.next().await, expected);
    }
    let hashed = events.next().await;
    assert_eq!((hashed["key"].as_str(), hashed["hash"].is_string()), (Some("0xaa01"), true));
    assert_eq!(events.next().await, json!({ "event": "storageDone" }));
    // An unknown block is an error event.
    let items = json!([{ "key": "0xaa", "type": "value" }]);
    let mut events = subscribe(
        &t.client,
        "archive_v1_storage",
        vec![hex(H256([5; 32])), items, json!(null)],
        "archive_v1_stopStorage",
    )
    .await;
    assert_eq!(events.next().await["event"], "storageError");
}

#[tokio::test]
async fn chain_spec_and_method_listing() {
    let t = Test::start().await;
    assert_eq!(t.call("chainSpec_v1_chainName", vec![]).await, Ok(json!("Accord Test")));
    assert_eq!(t.call("chainSpec_v1_genesisHash", vec![]).await, Ok(hex(t.node.genesis())));
    assert_eq!(t.call("chainSpec_v1_properties", vec![]).await.unwrap()["tokenSymbol"], "ACD");
    let listed = t.call("rpc_methods", vec![]).await.unwrap();
    let methods: Vec<&str> = listed["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for method in [
        "chainHead_v1_follow",
        "chainHead_v1_unfollow",
        "chainHead_v1_header",
        "chainHead_v1_body",
        "chainHead_v1_call",
        "chainHead_v1_storage",
        "chainHead_v1_continue",
        "chainHead_v1_stopOperation",
        "chainHead_v1_unpin",
        "transaction_v1_broadcast",
        "transaction_v1_stop",
        "transactionWatch_v1_submitAndWatch",
        "transactionWatch_v1_unwatch",
        "chainSpec_v1_chainName",
        "chainSpec_v1_genesisHash",
        "chainSpec_v1_properties",
        "archive_v1_body",
        "archive_v1_call",
        "archive_v1_finalizedHeight",
        "archive_v1_genesisHash",
        "archive_v1_hashByHeight",
        "archive_v1_header",
        "archive_v1_storage",
        "archive_v1_stopStorage",
    ] {
        assert!(methods.contains(&method), "{method} is not listed");
    }
}
