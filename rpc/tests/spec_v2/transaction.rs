//! `transactionWatch_v1_submitAndWatch` (status mapping) and `transaction_v1_broadcast`.

use accord_primitives::H256;
use accord_rpc::spec_v2::BROADCASTS_PER_CONNECTION_MAX;
use accord_rpc::{SubmitError, TxStatus};
use jsonrpsee::core::client::SubscriptionClientT;
use serde_json::json;

use crate::{eventually, subscribe, Test};

#[tokio::test]
async fn transaction_watch_maps_statuses() {
    let t = Test::start().await;
    let g = t.node.genesis();
    let xt = vec![8, 1, 2, 3, 4];
    let block = t.node.import_with(g, 1, vec![vec![4, 9, 9], xt.clone()]);
    let params = vec![json!(format!("0x{}", hex::encode(&xt)))];
    let mut events =
        subscribe(&t.client, "transactionWatch_v1_submitAndWatch", params, "transactionWatch_v1_unwatch").await;
    let node = t.node.clone();
    eventually("the node watches the submission", || {
        let node = node.clone();
        async move { node.watcher().is_some() }
    })
    .await;
    let status = t.node.watcher().unwrap();
    let included = json!({ "hash": block.to_hex(), "index": 1 });
    for s in [TxStatus::Future, TxStatus::Ready, TxStatus::InBlock(block), TxStatus::Retracted(block)] {
        status.send(s).await.unwrap();
    }
    // Future then Ready: one `validated`.
    assert_eq!(events.next().await, json!({ "event": "validated" }));
    assert_eq!(events.next().await, json!({ "event": "bestChainBlockIncluded", "block": included }));
    assert_eq!(events.next().await, json!({ "event": "bestChainBlockIncluded", "block": null }));
    status.send(TxStatus::InBlock(block)).await.unwrap();
    status.send(TxStatus::Finalized(block)).await.unwrap();
    assert_eq!(events.next().await, json!({ "event": "bestChainBlockIncluded", "block": included }));
    assert_eq!(events.next().await, json!({ "event": "finalized", "block": included }));
}

#[tokio::test]
async fn refused_and_dropped_transactions_are_events() {
    let t = Test::start().await;
    let params = vec![json!("0x0401")];
    t.node.refuse_next(SubmitError::Invalid("bad nonce".into()));
    let mut events =
        subscribe(&t.client, "transactionWatch_v1_submitAndWatch", params.clone(), "transactionWatch_v1_unwatch").await;
    assert_eq!(events.next().await, json!({ "event": "invalid", "error": "Invalid Transaction: bad nonce" }));
    t.node.refuse_next(SubmitError::UnknownValidity("no runtime".into()));
    let mut events =
        subscribe(&t.client, "transactionWatch_v1_submitAndWatch", params.clone(), "transactionWatch_v1_unwatch").await;
    assert_eq!(events.next().await["event"], "error");
    let mut events =
        subscribe(&t.client, "transactionWatch_v1_submitAndWatch", params, "transactionWatch_v1_unwatch").await;
    let status = t.node.watcher().unwrap();
    status.send(TxStatus::Usurped(H256([1; 32]))).await.unwrap();
    assert_eq!(events.next().await["event"], "invalid");
    // Not hex at all: a parameter error.
    let bad = t.client.subscribe::<serde_json::Value, _>(
        "transactionWatch_v1_submitAndWatch",
        jsonrpsee::rpc_params!["zz"],
        "transactionWatch_v1_unwatch",
    );
    assert!(bad.await.is_err());
}

#[tokio::test]
async fn broadcast_submits_and_stop_forgets() {
    let t = Test::start().await;
    let id = t.call("transaction_v1_broadcast", vec![json!("0x0407")]).await.unwrap();
    let node = t.node.clone();
    eventually("the transaction reaches the pool", || {
        let node = node.clone();
        async move { node.submitted() == vec![vec![4, 7]] }
    })
    .await;
    assert_eq!(t.call("transaction_v1_stop", vec![id.clone()]).await, Ok(json!(null)));
    assert!(t.call("transaction_v1_stop", vec![id]).await.is_err(), "stopped once");
    for _ in 0..BROADCASTS_PER_CONNECTION_MAX {
        assert!(t.call("transaction_v1_broadcast", vec![json!("0x04")]).await.unwrap().is_string());
    }
    assert_eq!(t.call("transaction_v1_broadcast", vec![json!("0x04")]).await, Ok(json!(null)));
}
