//! `chainHead_v1_header`, `_body`, `_call`, `_storage`, `_continue`, `_stopOperation`,
//! `_unpin` on a follow subscription.

use accord_primitives::{Header, H256};
use accord_rpc::spec_v2::{DUPLICATE_HASHES, INVALID_BLOCK, OPERATIONS_MAX, STORAGE_PAGE_ITEMS_MAX};
use codec::Decode;
use serde_json::{json, Value};

use crate::{best_changed, eventually, hex, new_block, Follow, Test};

/// A test with a follow subscription (with the runtime) that has seen block 1, `a1`,
/// holding two extrinsics, as best.
async fn with_block() -> (Test, Follow, H256, H256) {
    let t = Test::start().await;
    let g = t.node.genesis();
    let mut f = t.follow(true).await;
    f.initialized(g).await;
    let a1 = t.node.import_with(g, 1, vec![vec![4, 1, 2], vec![4, 3, 4]]);
    t.node.set_best(a1);
    let mut expected = new_block(a1, g);
    expected["newRuntime"] = json!(null);
    assert_eq!(f.next().await, expected);
    assert_eq!(f.next().await, best_changed(a1));
    (t, f, g, a1)
}

/// Starts an operation and returns its id.
async fn start(t: &Test, method: &str, params: Vec<Value>) -> String {
    Follow::started(&t.call(method, params).await.unwrap())
}

#[tokio::test]
async fn header_and_body_of_pinned_blocks() {
    let (t, mut f, _, a1) = with_block().await;
    let header = t.call("chainHead_v1_header", vec![f.id.clone(), hex(a1)]).await.unwrap();
    let bytes = hex::decode(header.as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(Header::decode(&mut &bytes[..]).unwrap().hash(), a1);
    // PAPI fails on a numeric follow subscription id.
    assert!(f.id.is_string(), "the spec's ids are strings: {}", f.id);

    let op = start(&t, "chainHead_v1_body", vec![f.id.clone(), hex(a1)]).await;
    assert_eq!(
        f.next().await,
        json!({ "event": "operationBodyDone", "operationId": op, "value": ["0x040102", "0x040304"] })
    );
    let unknown = H256([7; 32]);
    let e = t.call("chainHead_v1_body", vec![f.id.clone(), hex(unknown)]).await.unwrap_err();
    assert_eq!(e.code(), INVALID_BLOCK);
    let stale = t.call("chainHead_v1_body", vec![json!("nope"), hex(a1)]).await.unwrap();
    assert_eq!(stale, json!({ "result": "limitReached" }));
    assert_eq!(t.call("chainHead_v1_header", vec![json!("nope"), hex(a1)]).await.unwrap(), json!(null));
}

#[tokio::test]
async fn call_reports_output_and_errors() {
    let (t, mut f, g, a1) = with_block().await;
    let op = start(&t, "chainHead_v1_call", vec![f.id.clone(), hex(a1), json!("Test_echo"), json!("0x0102")]).await;
    assert_eq!(f.next().await, json!({ "event": "operationCallDone", "operationId": op, "output": "0x0102" }));
    // PAPI passes empty call data as "".
    let op = start(&t, "chainHead_v1_call", vec![f.id.clone(), hex(a1), json!("Test_echo"), json!("")]).await;
    assert_eq!(f.next().await, json!({ "event": "operationCallDone", "operationId": op, "output": "0x" }));
    let op = start(&t, "chainHead_v1_call", vec![f.id.clone(), hex(a1), json!("Test_missing"), json!("0x")]).await;
    let event = f.next().await;
    assert_eq!((event["event"].as_str(), event["operationId"].as_str()), (Some("operationError"), Some(op.as_str())));
    // A state no longer kept is inaccessible, not an error.
    t.node.prune_state(a1);
    let op = start(&t, "chainHead_v1_call", vec![f.id.clone(), hex(a1), json!("Test_echo"), json!("0x")]).await;
    assert_eq!(f.next().await, json!({ "event": "operationInaccessible", "operationId": op }));
    // Following without the runtime: no calls.
    let mut plain = t.follow(false).await;
    assert_eq!(plain.next().await["event"], "initialized");
    assert_eq!(plain.next().await, new_block(a1, g));
    assert_eq!(plain.next().await, best_changed(a1));
    let e = t.call("chainHead_v1_call", vec![plain.id.clone(), hex(g), json!("Test_echo"), json!("0x")]).await;
    assert_eq!(e.unwrap_err().code(), -32802);
}

#[tokio::test]
async fn unpin_checks_every_hash_first() {
    let (t, f, g, a1) = with_block().await;
    let unknown = H256([9; 32]);
    let e = t.call("chainHead_v1_unpin", vec![f.id.clone(), hex(unknown)]).await.unwrap_err();
    assert_eq!(e.code(), INVALID_BLOCK);
    let e = t.call("chainHead_v1_unpin", vec![f.id.clone(), json!([hex(a1), hex(unknown)])]).await.unwrap_err();
    assert_eq!(e.code(), INVALID_BLOCK);
    let e = t.call("chainHead_v1_unpin", vec![f.id.clone(), json!([hex(a1), hex(a1)])]).await.unwrap_err();
    assert_eq!(e.code(), DUPLICATE_HASHES);
    // Refused calls unpinned nothing.
    assert!(t.call("chainHead_v1_header", vec![f.id.clone(), hex(a1)]).await.is_ok());
    assert_eq!(t.call("chainHead_v1_unpin", vec![f.id.clone(), json!([hex(g), hex(a1)])]).await, Ok(json!(null)));
    let e = t.call("chainHead_v1_header", vec![f.id.clone(), hex(a1)]).await.unwrap_err();
    assert_eq!(e.code(), INVALID_BLOCK);
    // A stale subscription: ignored.
    assert_eq!(t.call("chainHead_v1_unpin", vec![json!("nope"), hex(unknown)]).await, Ok(json!(null)));
}

/// 600 keys under `0xaa`, `0xbb` = `0x01`.
fn fill_storage(t: &Test) -> Vec<String> {
    let mut keys = Vec::new();
    for i in 0..600u16 {
        let key = [&[0xaa][..], &i.to_be_bytes()].concat();
        keys.push(format!("0x{}", hex::encode(&key)));
        t.node.set_storage(key, vec![i as u8]);
    }
    t.node.set_storage(vec![0xbb], vec![1]);
    keys
}

/// The items of an `operationStorageItems` event of `op`.
fn items(event: &Value, op: &str) -> Vec<Value> {
    assert_eq!((event["event"].as_str(), event["operationId"].as_str()), (Some("operationStorageItems"), Some(op)));
    event["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn storage_descendants_page_with_continue() {
    let (t, mut f, _, a1) = with_block().await;
    let keys = fill_storage(&t);
    let query = json!([
        { "key": "0xaa", "type": "descendantsValues" },
        { "key": "0xbb", "type": "value" },
        { "key": "0xbb", "type": "hash" },
        { "key": "0xcc", "type": "value" },
        { "key": "0xaa", "type": "closestDescendantMerkleValue" },
    ]);
    let answer = t.call("chainHead_v1_storage", vec![f.id.clone(), hex(a1), query, json!(null)]).await.unwrap();
    assert_eq!(answer["discardedItems"], 0);
    let op = Follow::started(&answer);
    let mut got = Vec::new();
    loop {
        let page = items(&f.next().await, &op);
        assert!(page.len() <= STORAGE_PAGE_ITEMS_MAX, "{} items in a page", page.len());
        got.extend(page);
        let next = f.next().await;
        if next["event"] == "operationStorageDone" {
            break;
        }
        assert_eq!(next, json!({ "event": "operationWaitingForContinue", "operationId": op }));
        t.call("chainHead_v1_continue", vec![f.id.clone(), json!(op)]).await.unwrap();
    }
    let descendants: Vec<&str> = got
        .iter()
        .filter(|i| i.get("value").is_some() && i["key"] != "0xbb")
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(descendants, keys.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(got.contains(&json!({ "key": "0xbb", "value": "0x01" })));
    let hash = format!("0x{}", hex::encode(accord_primitives::hashing::blake2_256(&[1])));
    assert!(got.contains(&json!({ "key": "0xbb", "hash": hash })));
    assert!(got.iter().any(|i| i["key"] == "0xaa" && i["closestDescendantMerkleValue"].is_string()));
    assert!(!got.iter().any(|i| i["key"] == "0xcc"), "an absent key yields nothing");
    // The operation is over: continue has no effect.
    assert_eq!(t.call("chainHead_v1_continue", vec![f.id.clone(), json!(op)]).await, Ok(json!(null)));
}

#[tokio::test]
async fn operations_are_limited_per_subscription() {
    let (t, mut f, _, a1) = with_block().await;
    fill_storage(&t);
    // Every item waits for continue after its first page: 20 items, 16 slots.
    let query: Vec<Value> =
        (0..OPERATIONS_MAX + 4).map(|_| json!({ "key": "0xaa", "type": "descendantsHashes" })).collect();
    let answer = t.call("chainHead_v1_storage", vec![f.id.clone(), hex(a1), json!(query), json!(null)]).await.unwrap();
    assert_eq!(answer["discardedItems"], 4);
    let op = Follow::started(&answer);
    items(&f.next().await, &op);
    assert_eq!(f.next().await, json!({ "event": "operationWaitingForContinue", "operationId": op }));
    let refused = t.call("chainHead_v1_body", vec![f.id.clone(), hex(a1)]).await.unwrap();
    assert_eq!(refused, json!({ "result": "limitReached" }));
    let storage = json!([{ "key": "0xbb", "type": "value" }]);
    let refused = t.call("chainHead_v1_storage", vec![f.id.clone(), hex(a1), storage, json!(null)]).await.unwrap();
    assert_eq!(refused, json!({ "result": "limitReached" }));
    // Stopping the operation frees its slots.
    t.call("chainHead_v1_stopOperation", vec![f.id.clone(), json!(op)]).await.unwrap();
    let (id, t) = (f.id.clone(), &t);
    eventually("a slot is free", || {
        let id = id.clone();
        async move { t.call("chainHead_v1_body", vec![id, hex(a1)]).await.unwrap()["result"] == "started" }
    })
    .await;
}

#[tokio::test]
async fn storage_of_a_pruned_state_is_inaccessible() {
    let (t, mut f, _, a1) = with_block().await;
    fill_storage(&t);
    t.node.prune_state(a1);
    let query = json!([{ "key": "0xbb", "type": "value" }]);
    let op = start(&t, "chainHead_v1_storage", vec![f.id.clone(), hex(a1), query.clone(), json!(null)]).await;
    assert_eq!(f.next().await, json!({ "event": "operationInaccessible", "operationId": op }));
    let e = t.call("chainHead_v1_storage", vec![f.id.clone(), hex(a1), query, json!("0x01")]).await.unwrap_err();
    assert_eq!(e.code(), -32602, "child tries are refused");
}
