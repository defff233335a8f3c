//! `chainHead_v1_*`: the follow subscription, pinning, and the operations on pinned blocks.
//!
//! A follow subscription is one task ([`run`]) that turns the node's head broadcasts into
//! events through the [`Tracker`], and a [`Follow`] that method calls reach through the
//! [`Registry`] (by connection and subscription id, so that a connection reaches only its
//! own subscriptions). `body`, `call` and `storage` each start one task that reports on the
//! same subscription; its events are sent only once the method's answer (which carries the
//! operation id) has gone out, since a client can only match events to ids it knows.
//! `stop` ends the subscription: nothing is sent on it afterwards, and its operations end.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codec::Encode;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{ConnectionId, ResponsePayload, RpcModule, SubscriptionSink};
use serde_json::{json, Value};
use tokio::sync::{broadcast, Notify};

use accord_primitives::{Header, H256};

use super::follow::{FollowEvent, Pins, Stop, Tracker, UnpinError};
use super::{
    connection, error, lock, method, required_hash, required_id, runtime_json, storage, subscription_key, NodeSource,
    SpecCtx, CALL_WITHOUT_RUNTIME, DUPLICATE_HASHES, FOLLOWS_PER_CONNECTION_MAX, FOLLOW_LIMIT_REACHED, INVALID_BLOCK,
    INVALID_CONTINUE, OPERATIONS_MAX, PINNED_BLOCKS_MAX,
};
use crate::api::StateError;
use crate::errors::invalid_params;
use crate::json::{hex0x, parse_hash, parse_hex, Args};
use crate::subscriptions::send;
use crate::RpcError;

/// The live follow subscriptions, by connection, then subscription id.
#[derive(Default)]
pub(super) struct Registry {
    follows: Mutex<HashMap<ConnectionId, HashMap<String, Arc<Follow>>>>,
}

impl Registry {
    /// Adds a subscription; `false` if the connection holds [`FOLLOWS_PER_CONNECTION_MAX`].
    fn insert(&self, conn: ConnectionId, id: String, follow: Arc<Follow>) -> bool {
        let mut all = lock(&self.follows);
        let mine = all.entry(conn).or_default();
        if mine.len() >= FOLLOWS_PER_CONNECTION_MAX {
            return false;
        }
        mine.insert(id, follow);
        true
    }

    fn remove(&self, conn: ConnectionId, id: &str) {
        let mut all = lock(&self.follows);
        if let Some(mine) = all.get_mut(&conn) {
            mine.remove(id);
            if mine.is_empty() {
                all.remove(&conn);
            }
        }
    }

    fn get(&self, conn: ConnectionId, id: &str) -> Option<Arc<Follow>> {
        lock(&self.follows).get(&conn).and_then(|mine| mine.get(id)).cloned()
    }
}

/// One follow subscription as its methods see it.
pub(super) struct Follow {
    with_runtime: bool,
    pins: Arc<Pins>,
    emitter: Emitter,
    operations: Mutex<Operations>,
}

/// The operations in progress on a subscription.
#[derive(Default)]
struct Operations {
    running: HashMap<String, Arc<OpControl>>,
    /// Slots taken: an operation takes one, a storage operation one per item.
    slots: usize,
    next_id: u64,
    /// The subscription ended: no operation starts.
    ended: bool,
}

impl Follow {
    fn new(with_runtime: bool) -> Follow {
        Follow {
            with_runtime,
            pins: Arc::new(Pins::default()),
            emitter: Emitter::default(),
            operations: Mutex::new(Operations::default()),
        }
    }

    /// Starts an operation taking up to `wanted` slots (at least one, unless `wanted` is
    /// zero); `None` if no slot is free.
    fn begin(self: &Arc<Self>, wanted: usize) -> Option<Operation> {
        let mut ops = lock(&self.operations);
        let granted = wanted.min(OPERATIONS_MAX.saturating_sub(ops.slots));
        if ops.ended || (granted == 0 && wanted > 0) {
            return None;
        }
        ops.next_id += 1;
        let id = ops.next_id.to_string();
        let control = Arc::new(OpControl::default());
        ops.running.insert(id.clone(), control.clone());
        ops.slots += granted;
        Some(Operation { id, slots: granted, control, follow: self.clone() })
    }

    fn operation(&self, id: &str) -> Option<Arc<OpControl>> {
        lock(&self.operations).running.get(id).cloned()
    }

    /// The subscription is over: every operation stops, none starts.
    fn end(&self) {
        let mut ops = lock(&self.operations);
        ops.ended = true;
        for control in ops.running.values() {
            control.stop();
        }
    }
}

/// Sends a subscription's notifications, one at a time; after `stop`, nothing.
#[derive(Default)]
struct Emitter {
    sink: tokio::sync::Mutex<Option<SubscriptionSink>>,
}

impl Emitter {
    async fn open(&self, sink: SubscriptionSink) {
        *self.sink.lock().await = Some(sink);
    }

    /// Sends `event`; `false` if the subscription is over.
    async fn send(&self, event: &Value) -> bool {
        let sink = self.sink.lock().await;
        match sink.as_ref() {
            Some(sink) => send(sink, event).await,
            None => false,
        }
    }

    /// Closes without a word (the client left).
    async fn close(&self) {
        self.sink.lock().await.take();
    }

    /// Sends `stop` and closes.
    async fn stop(&self, reason: &Stop) {
        if let Some(sink) = self.sink.lock().await.take() {
            tracing::debug!(target: "rpc", %reason, "chainHead_v1_follow stopped");
            send(&sink, &json!({ "event": "stop" })).await;
        }
    }
}

/// Where an operation stands, for `continue` and `stopOperation`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum OpState {
    #[default]
    Running,
    /// It sent `operationWaitingForContinue`.
    Waiting,
    /// `continue` came; it has not yet picked it up.
    Resumed,
    /// Stopped by the client or by the end of the subscription.
    Stopped,
}

/// How a wait for `continue` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Resume {
    /// Go on.
    Continue,
    /// The operation was stopped.
    Stopped,
    /// No `continue` came in time.
    TimedOut,
}

#[derive(Default)]
struct OpControl {
    state: Mutex<OpState>,
    wake: Notify,
}

impl OpControl {
    fn stop(&self) {
        *lock(&self.state) = OpState::Stopped;
        self.wake.notify_one();
    }

    fn is_stopped(&self) -> bool {
        *lock(&self.state) == OpState::Stopped
    }

    /// Waits (at most `timeout`) until `continue` resumes the operation or it is stopped.
    async fn wait(&self, timeout: Duration) -> Resume {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            {
                let mut state = lock(&self.state);
                match *state {
                    OpState::Resumed => {
                        *state = OpState::Running;
                        return Resume::Continue;
                    }
                    OpState::Stopped => return Resume::Stopped,
                    OpState::Running | OpState::Waiting => {}
                }
            }
            // `notify_one` keeps a permit if nobody waits yet, so no wake-up is lost here.
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = &mut deadline => return Resume::TimedOut,
            }
        }
    }

    /// `continue`: `false` if the operation is not waiting for it.
    fn resume(&self) -> bool {
        let mut state = lock(&self.state);
        match *state {
            OpState::Waiting => {
                *state = OpState::Resumed;
                drop(state);
                self.wake.notify_one();
                true
            }
            OpState::Stopped => true,
            OpState::Running | OpState::Resumed => false,
        }
    }
}

/// An operation in progress: its slots are freed when it is dropped.
pub(super) struct Operation {
    /// Its id, as the client knows it.
    pub(super) id: String,
    slots: usize,
    control: Arc<OpControl>,
    follow: Arc<Follow>,
}

impl Operation {
    /// Sends an event about this operation; `false` if the operation or its subscription
    /// is over.
    pub(super) async fn emit(&self, event: Value) -> bool {
        !self.control.is_stopped() && self.follow.emitter.send(&event).await
    }

    /// Sends `operationWaitingForContinue`, then waits for `continue` (at most `timeout`).
    pub(super) async fn wait_for_continue(&self, timeout: Duration) -> Resume {
        {
            let mut state = lock(&self.control.state);
            if *state == OpState::Stopped {
                return Resume::Stopped;
            }
            // Before the event: a quick `continue` must find the operation waiting.
            *state = OpState::Waiting;
        }
        if !self.emit(json!({ "event": "operationWaitingForContinue", "operationId": self.id })).await {
            return Resume::Stopped;
        }
        self.control.wait(timeout).await
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        let mut ops = lock(&self.follow.operations);
        ops.running.remove(&self.id);
        ops.slots -= self.slots;
    }
}

/// `operationInaccessible`: the data is not (or no longer) available; trying again may work.
pub(super) fn inaccessible(id: &str) -> Value {
    json!({ "event": "operationInaccessible", "operationId": id })
}

/// `operationError`: trying again will not work.
pub(super) fn operation_error(id: &str, error: impl std::fmt::Display) -> Value {
    json!({ "event": "operationError", "operationId": id, "error": error.to_string() })
}

/// The event for a failed read: a missing or pruned state is inaccessible (the block may
/// still be read elsewhere), a runtime failure an error.
pub(super) fn state_failure(id: &str, e: StateError) -> Value {
    match e {
        StateError::Execution(message) => operation_error(id, message),
        StateError::UnknownBlock(_) | StateError::Pruned(_) | StateError::Database(_) => inaccessible(id),
    }
}

/// The JSON of a chain event.
fn event_json(event: &FollowEvent, with_runtime: bool) -> Value {
    let hashes = |list: &[H256]| list.iter().map(|h| h.to_hex()).collect::<Vec<_>>();
    match event {
        FollowEvent::Initialized { finalized, runtime } => {
            let mut v = json!({ "event": "initialized", "finalizedBlockHashes": hashes(finalized) });
            if let Some(runtime) = runtime {
                v["finalizedBlockRuntime"] = runtime_json(runtime);
            }
            v
        }
        FollowEvent::NewBlock { hash, parent, new_runtime } => {
            let mut v = json!({ "event": "newBlock", "blockHash": hash.to_hex(), "parentBlockHash": parent.to_hex() });
            if with_runtime {
                v["newRuntime"] = new_runtime.as_ref().map_or(Value::Null, runtime_json);
            }
            v
        }
        FollowEvent::BestBlockChanged(hash) => json!({ "event": "bestBlockChanged", "bestBlockHash": hash.to_hex() }),
        FollowEvent::Finalized { finalized, pruned } => json!({
            "event": "finalized",
            "finalizedBlockHashes": hashes(finalized),
            "prunedBlockHashes": hashes(pruned),
        }),
    }
}

/// A head from a broadcast, or why the subscription must stop.
fn received(next: Result<Header, broadcast::error::RecvError>) -> Result<Header, Stop> {
    next.map_err(|e| match e {
        broadcast::error::RecvError::Lagged(_) => Stop::Lagged,
        broadcast::error::RecvError::Closed => Stop::Closed,
    })
}

/// Runs a follow subscription until the client leaves or it stops.
async fn run(ctx: &SpecCtx, follow: &Follow, sink: SubscriptionSink) {
    // Subscribe before reading the chain, so that no head falls in between.
    let mut best_rx = ctx.api.subscribe_best_heads();
    let mut finalized_rx = ctx.api.subscribe_finalized_heads();
    follow.emitter.open(sink.clone()).await;
    let src = NodeSource { api: &*ctx.api, runtimes: &ctx.runtimes };
    let mut events = Vec::new();
    let mut tracker = match Tracker::start(&src, follow.pins.clone(), follow.with_runtime, &mut events) {
        Ok(tracker) => tracker,
        Err(stop) => return follow.emitter.stop(&stop).await,
    };
    loop {
        for event in events.drain(..) {
            if !follow.emitter.send(&event_json(&event, follow.with_runtime)).await {
                return;
            }
        }
        let step = tokio::select! {
            biased;
            _ = sink.closed() => return,
            next = best_rx.recv() => received(next).and_then(|h| tracker.on_best(&src, h, &mut events)),
            next = finalized_rx.recv() => received(next).and_then(|h| tracker.on_finalized(&src, h, &mut events)),
        };
        if let Err(stop) = step {
            return follow.emitter.stop(&stop).await;
        }
    }
}

fn follow(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    m.register_subscription(
        "chainHead_v1_follow",
        "chainHead_v1_followEvent",
        "chainHead_v1_unfollow",
        |params, pending, ctx: Arc<SpecCtx>, _| async move {
            ctx.api.record_rpc_call("chainHead_v1_follow");
            let with_runtime = match Args::of(&params).and_then(|a| a.at_most(1)) {
                Ok(a) => match a.get(0) {
                    Some(Value::Bool(b)) => *b,
                    _ => return pending.reject(invalid_params("parameter 0 (withRuntime) must be a boolean")).await,
                },
                Err(e) => return pending.reject(e).await,
            };
            let conn = pending.connection_id();
            let id = subscription_key(&pending.subscription_id());
            let follow = Arc::new(Follow::new(with_runtime));
            if !ctx.follows.insert(conn, id.clone(), follow.clone()) {
                let message = format!("at most {FOLLOWS_PER_CONNECTION_MAX} chainHead_v1_follow per connection");
                return pending.reject(error(FOLLOW_LIMIT_REACHED, message)).await;
            }
            if let Ok(sink) = pending.accept().await {
                run(&ctx, &follow, sink).await;
            }
            ctx.follows.remove(conn, &id);
            follow.end();
            follow.emitter.close().await;
        },
    )?;
    Ok(())
}

/// -32801 for a block the subscription does not hold.
fn not_pinned(hash: H256) -> ErrorObjectOwned {
    error(INVALID_BLOCK, format!("block {hash:?} is not pinned by this subscription"))
}

/// The answer to an operation the server cannot take on (or a stale subscription).
fn limit_reached() -> ResponsePayload<'static, Value> {
    ResponsePayload::success(json!({ "result": "limitReached" }))
}

/// Answers `started` for `op` and runs `task` once that answer is out.
fn started<F, Fut>(op: Operation, discarded: Option<usize>, task: F) -> ResponsePayload<'static, Value>
where
    F: FnOnce(Operation) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut answer = json!({ "result": "started", "operationId": op.id });
    if let Some(n) = discarded {
        answer["discardedItems"] = json!(n);
    }
    let (payload, sent) = ResponsePayload::success(answer).notify_on_completion();
    tokio::spawn(async move {
        // Events about an id the client has not yet received would be dropped by it.
        if sent.await.is_ok() {
            task(op).await;
        }
    });
    payload
}

type Started = Result<ResponsePayload<'static, Value>, ErrorObjectOwned>;

/// Registers a method that starts an operation.
fn operation_method(
    m: &mut RpcModule<SpecCtx>,
    name: &'static str,
    f: impl Fn(Args, &SpecCtx, ConnectionId) -> Started + Send + Sync + 'static,
) -> Result<(), RpcError> {
    m.register_method(name, move |params, ctx, ext| {
        ctx.api.record_rpc_call(name);
        let answer = Args::of(&params).and_then(|a| f(a, ctx, connection(ext)?));
        answer.unwrap_or_else(ResponsePayload::error)
    })?;
    Ok(())
}

/// The subscription named by parameter 0 and the pinned block named by parameter 1;
/// `Ok(None)` if the subscription is unknown (stale).
fn pinned_target(a: &Args, ctx: &SpecCtx, conn: ConnectionId) -> Result<Option<(Arc<Follow>, H256)>, ErrorObjectOwned> {
    let id = required_id(a, 0)?;
    let hash = required_hash(a, 1)?;
    let Some(follow) = ctx.follows.get(conn, &id) else { return Ok(None) };
    if !follow.pins.contains(hash) {
        return Err(not_pinned(hash));
    }
    Ok(Some((follow, hash)))
}

fn header_and_unpin(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    method(m, "chainHead_v1_header", |a, ctx, conn| {
        let a = a.at_most(2)?;
        let id = required_id(&a, 0)?;
        let hash = required_hash(&a, 1)?;
        let Some(follow) = ctx.follows.get(conn, &id) else { return Ok(Value::Null) };
        let header = follow.pins.header(hash).ok_or_else(|| not_pinned(hash))?;
        Ok(json!(hex0x(&header.encode())))
    })?;
    method(m, "chainHead_v1_unpin", |a, ctx, conn| {
        let a = a.at_most(2)?;
        let id = required_id(&a, 0)?;
        let hashes = match a.get(1) {
            Some(Value::String(s)) => vec![parse_hash(s)?],
            Some(Value::Array(list)) if list.len() <= PINNED_BLOCKS_MAX => list
                .iter()
                .map(|v| v.as_str().ok_or_else(|| invalid_params("block hashes must be strings")).and_then(parse_hash))
                .collect::<Result<_, _>>()?,
            Some(Value::Array(_)) => return Err(invalid_params(format!("at most {PINNED_BLOCKS_MAX} hashes"))),
            _ => return Err(invalid_params("parameter 1 must be a block hash or an array of them")),
        };
        let Some(follow) = ctx.follows.get(conn, &id) else { return Ok(Value::Null) };
        match follow.pins.unpin(&hashes) {
            Ok(()) => Ok(Value::Null),
            Err(UnpinError::NotPinned(hash)) => Err(not_pinned(hash)),
            Err(UnpinError::Duplicate(hash)) => Err(error(DUPLICATE_HASHES, format!("block {hash:?} is named twice"))),
        }
    })
}

fn body_and_call(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    operation_method(m, "chainHead_v1_body", |a, ctx, conn| {
        let a = a.at_most(2)?;
        let Some((follow, hash)) = pinned_target(&a, ctx, conn)? else { return Ok(limit_reached()) };
        let Some(op) = follow.begin(1) else { return Ok(limit_reached()) };
        let api = ctx.api.clone();
        Ok(started(op, None, move |op| async move {
            let event = match api.block(hash) {
                Some(block) => {
                    let value: Vec<String> = block.extrinsics.iter().map(|x| hex0x(x)).collect();
                    json!({ "event": "operationBodyDone", "operationId": op.id, "value": value })
                }
                None => inaccessible(&op.id),
            };
            op.emit(event).await;
        }))
    })?;
    operation_method(m, "chainHead_v1_call", |a, ctx, conn| {
        let a = a.at_most(4)?;
        let function = a.required_str(2)?.to_string();
        let data = call_parameters(&a, 3)?;
        let Some((follow, hash)) = pinned_target(&a, ctx, conn)? else { return Ok(limit_reached()) };
        if !follow.with_runtime {
            return Err(error(CALL_WITHOUT_RUNTIME, "the subscription follows without the runtime"));
        }
        let Some(op) = follow.begin(1) else { return Ok(limit_reached()) };
        let api = ctx.api.clone();
        Ok(started(op, None, move |op| async move {
            let event = match api.call(hash, &function, &data) {
                Ok(output) => json!({ "event": "operationCallDone", "operationId": op.id, "output": hex0x(&output) }),
                Err(e) => state_failure(&op.id, e),
            };
            op.emit(event).await;
        }))
    })
}

/// Runtime call parameters: hex, with or without `0x`; empty (`""` or `"0x"`) is no data.
pub(super) fn call_parameters(a: &Args, i: usize) -> Result<Vec<u8>, ErrorObjectOwned> {
    match a.str(i)? {
        None | Some("") => Ok(Vec::new()),
        Some(s) if s.starts_with("0x") => parse_hex(s),
        Some(s) => hex::decode(s).map_err(|e| invalid_params(format!("parameter {i}: invalid hex: {e}"))),
    }
}

fn storage_and_control(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    operation_method(m, "chainHead_v1_storage", |a, ctx, conn| {
        let a = a.at_most(4)?;
        let mut queries = storage::parse_items(a.get(2), false)?;
        storage::no_child_trie(&a, 3)?;
        let Some((follow, hash)) = pinned_target(&a, ctx, conn)? else { return Ok(limit_reached()) };
        let Some(op) = follow.begin(queries.len()) else { return Ok(limit_reached()) };
        let discarded = queries.len() - op.slots;
        queries.truncate(op.slots);
        let api = ctx.api.clone();
        Ok(started(op, Some(discarded), move |op| storage::run_paged(api, op, hash, queries)))
    })?;
    method(m, "chainHead_v1_continue", |a, ctx, conn| {
        let a = a.at_most(2)?;
        let (id, operation) = (required_id(&a, 0)?, required_id(&a, 1)?);
        let control = ctx.follows.get(conn, &id).and_then(|f| f.operation(&operation));
        match control {
            Some(control) if !control.resume() => {
                Err(error(INVALID_CONTINUE, format!("operation {operation} is not waiting for continue")))
            }
            _ => Ok(Value::Null),
        }
    })?;
    method(m, "chainHead_v1_stopOperation", |a, ctx, conn| {
        let a = a.at_most(2)?;
        let (id, operation) = (required_id(&a, 0)?, required_id(&a, 1)?);
        if let Some(control) = ctx.follows.get(conn, &id).and_then(|f| f.operation(&operation)) {
            control.stop();
        }
        Ok(Value::Null)
    })
}

/// Registers the `chainHead_v1_*` methods.
pub(super) fn register(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    follow(m)?;
    header_and_unpin(m)?;
    body_and_call(m)?;
    storage_and_control(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_share_the_slots_and_free_them_when_done() {
        let follow = Arc::new(Follow::new(true));
        let storage = follow.begin(OPERATIONS_MAX + 4).expect("some slots are free");
        assert_eq!(storage.slots, OPERATIONS_MAX, "the rest is discarded");
        assert!(follow.begin(1).is_none());
        drop(storage);
        let body = follow.begin(1).expect("the slots are free again");
        assert_ne!(body.id, "1", "ids are not reused");
        follow.end();
        assert!(follow.operation(&body.id).unwrap().is_stopped(), "the end stops every operation");
        assert!(follow.begin(1).is_none(), "nothing starts after the end");
    }

    #[test]
    fn continue_is_accepted_only_while_waiting() {
        let control = OpControl::default();
        assert!(!control.resume(), "running");
        *lock(&control.state) = OpState::Waiting;
        assert!(control.resume());
        assert!(!control.resume(), "already resumed");
        control.stop();
        assert!(control.resume(), "a stopped operation ignores continue");
    }

    #[tokio::test]
    async fn a_wait_ends_on_continue_stop_or_timeout() {
        let control = Arc::new(OpControl::default());
        *lock(&control.state) = OpState::Waiting;
        assert!(control.resume(), "continue before the wait begins");
        assert_eq!(control.wait(Duration::from_secs(5)).await, Resume::Continue);
        assert_eq!(*lock(&control.state), OpState::Running);
        *lock(&control.state) = OpState::Waiting;
        let waiter = tokio::spawn({
            let control = control.clone();
            async move { control.wait(Duration::from_secs(5)).await }
        });
        tokio::task::yield_now().await;
        control.stop();
        assert_eq!(waiter.await.unwrap(), Resume::Stopped);
        let idle = OpControl::default();
        *lock(&idle.state) = OpState::Waiting;
        assert_eq!(idle.wait(Duration::from_millis(10)).await, Resume::TimedOut);
    }
}
