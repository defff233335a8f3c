//! The new JSON-RPC spec (`chainHead_v1`, `transaction_v1`, `transactionWatch_v1`,
//! `chainSpec_v1`, `archive_v1`) end to end: the real server on 127.0.0.1, a real
//! WebSocket client, and an in-memory node ([`fake::FakeNode`]) whose chain each test drives.

mod archive;
mod eth;
mod fake;
mod follow;
mod operations;
mod transaction;

use std::sync::Arc;
use std::time::Duration;

use accord_primitives::H256;
use accord_rpc::{RpcConfig, RpcServer};
use jsonrpsee::core::client::{ClientT, Subscription, SubscriptionClientT, SubscriptionKind};
use jsonrpsee::core::params::ArrayParams;
use jsonrpsee::core::ClientError;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde_json::{json, Value};

use fake::FakeNode;

/// How long a test waits for an event that must come.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A server over a fake node, and a client connected to it.
pub(crate) struct Test {
    /// The node.
    pub(crate) node: Arc<FakeNode>,
    /// A client connected to the server.
    pub(crate) client: WsClient,
    _server: RpcServer,
}

impl Test {
    /// A node whose head broadcasts keep 1024 headers.
    pub(crate) async fn start() -> Test {
        Test::with_capacity(1024).await
    }

    /// A node whose head broadcasts keep `capacity` headers.
    pub(crate) async fn with_capacity(capacity: usize) -> Test {
        let node = FakeNode::new(capacity);
        let config = RpcConfig::with_defaults("127.0.0.1:0".parse().unwrap());
        let server = accord_rpc::start(config, node.clone()).await.unwrap();
        let client = connect(&server).await;
        Test { node, client, _server: server }
    }

    /// Another connection to the same server.
    pub(crate) async fn connect_again(&self) -> WsClient {
        connect(&self._server).await
    }

    /// Calls `method`; a JSON-RPC error is `Err`, anything else fails the test.
    pub(crate) async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, ErrorObjectOwned> {
        call_on(&self.client, method, params).await
    }

    /// Opens a `chainHead_v1_follow` subscription.
    pub(crate) async fn follow(&self, with_runtime: bool) -> Follow {
        follow_on(&self.client, with_runtime).await.unwrap()
    }
}

async fn connect(server: &RpcServer) -> WsClient {
    WsClientBuilder::default()
        .max_buffer_capacity_per_subscription(4096)
        .build(format!("ws://{}", server.addr))
        .await
        .unwrap()
}

/// Calls `method` on `client`.
pub(crate) async fn call_on(client: &WsClient, method: &str, params: Vec<Value>) -> Result<Value, ErrorObjectOwned> {
    match client.request::<Value, _>(method, array(params)).await {
        Ok(v) => Ok(v),
        Err(ClientError::Call(e)) => Err(e),
        Err(e) => panic!("{method}: {e}"),
    }
}

/// Opens a follow subscription on `client`, or the server's error.
pub(crate) async fn follow_on(client: &WsClient, with_runtime: bool) -> Result<Follow, ErrorObjectOwned> {
    let subscribed = client
        .subscribe::<Value, _>("chainHead_v1_follow", array(vec![json!(with_runtime)]), "chainHead_v1_unfollow")
        .await;
    let sub = match subscribed {
        Ok(sub) => sub,
        Err(ClientError::Call(e)) => return Err(e),
        Err(e) => panic!("chainHead_v1_follow: {e}"),
    };
    let SubscriptionKind::Subscription(id) = sub.kind() else { panic!("a subscription id") };
    let id = serde_json::to_value(id).unwrap();
    Ok(Follow { sub, id })
}

/// Subscribes to `method` (any subscription of the new API).
pub(crate) async fn subscribe(client: &WsClient, method: &str, params: Vec<Value>, unsubscribe: &str) -> Events {
    let sub = client.subscribe::<Value, _>(method, array(params), unsubscribe).await.unwrap();
    Events { sub }
}

fn array(params: Vec<Value>) -> ArrayParams {
    let mut array = ArrayParams::new();
    for p in params {
        array.insert(p).unwrap();
    }
    array
}

/// The events of a subscription.
pub(crate) struct Events {
    /// The subscription.
    pub(crate) sub: Subscription<Value>,
}

impl Events {
    /// The next event (it must come in time).
    pub(crate) async fn next(&mut self) -> Value {
        next_of(&mut self.sub).await
    }
}

async fn next_of(sub: &mut Subscription<Value>) -> Value {
    let next = tokio::time::timeout(EVENT_TIMEOUT, sub.next()).await.expect("an event in time");
    next.expect("the subscription is open").expect("an event in JSON")
}

/// A follow subscription: its events and its id (as the server gave it).
pub(crate) struct Follow {
    /// The subscription.
    pub(crate) sub: Subscription<Value>,
    /// Its id, as followSubscription parameters pass it.
    pub(crate) id: Value,
}

impl Follow {
    /// The next event (it must come in time).
    pub(crate) async fn next(&mut self) -> Value {
        next_of(&mut self.sub).await
    }

    /// Reads `initialized` (with `finalized` as the finalized block) and the
    /// `bestBlockChanged` that follows it; returns `initialized`.
    pub(crate) async fn initialized(&mut self, finalized: H256) -> Value {
        let init = self.next().await;
        assert_eq!(init["event"], "initialized", "{init}");
        assert_eq!(init["finalizedBlockHashes"], json!([finalized.to_hex()]));
        assert_eq!(self.next().await, best_changed(finalized));
        init
    }

    /// The id of a started operation, from a method's answer.
    pub(crate) fn started(answer: &Value) -> String {
        assert_eq!(answer["result"], "started", "{answer}");
        answer["operationId"].as_str().expect("an operation id").to_string()
    }
}

/// `newBlock` as a subscription without the runtime gets it.
pub(crate) fn new_block(hash: H256, parent: H256) -> Value {
    json!({ "event": "newBlock", "blockHash": hash.to_hex(), "parentBlockHash": parent.to_hex() })
}

/// `bestBlockChanged`.
pub(crate) fn best_changed(hash: H256) -> Value {
    json!({ "event": "bestBlockChanged", "bestBlockHash": hash.to_hex() })
}

/// `finalized`.
pub(crate) fn finalized(finalized: &[H256], pruned: &[H256]) -> Value {
    let hex = |list: &[H256]| list.iter().map(|h| h.to_hex()).collect::<Vec<_>>();
    json!({ "event": "finalized", "finalizedBlockHashes": hex(finalized), "prunedBlockHashes": hex(pruned) })
}

/// A hash as a JSON parameter.
pub(crate) fn hex(hash: H256) -> Value {
    json!(hash.to_hex())
}

/// Retries `check` until it holds (the server's bookkeeping after an event is asynchronous).
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never: {what}");
}
