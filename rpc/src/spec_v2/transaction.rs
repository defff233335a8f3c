//! `transaction_v1_broadcast` / `transaction_v1_stop`, and `transactionWatch_v1_submitAndWatch`
//! / `transactionWatch_v1_unwatch` (notification `transactionWatch_v1_watchEvent`).
//!
//! A broadcast submits once (the pool gossips the transaction; it is not re-submitted) and
//! answers an operation id at once, without waiting for validation: an invalid transaction
//! is dropped silently, as the spec allows. The id lives until `transaction_v1_stop`.
//!
//! A watch maps the node's [`TxStatus`] stream (and a refused submission) to the spec's
//! events:
//!
//! | node | event |
//! |---|---|
//! | `Future`, `Ready` | `validated` (repeats merged) |
//! | `InBlock(h)` | `bestChainBlockIncluded {block: {hash, index}}` (index: the extrinsic's position in `h`) |
//! | `Retracted(h)` | `bestChainBlockIncluded {block: null}` |
//! | `Finalized(h)` | `finalized {block: {hash, index}}` |
//! | `Usurped`, `Invalid`; refused as bad format, invalid or priority too low | `invalid {error}` |
//! | `Dropped`; refused as already imported or immediately dropped; status stream ended | `dropped {error}` |
//! | refused with unknown validity | `error {error}` |

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use jsonrpsee::{ConnectionId, RpcModule, SubscriptionSink};
use serde_json::{json, Value};

use accord_primitives::hashing::blake2_256;
use accord_primitives::H256;

use super::{lock, method, required_id, SpecCtx, BROADCASTS_MAX, BROADCASTS_PER_CONNECTION_MAX};
use crate::api::{NodeApi, SubmitError, TxStatus};
use crate::json::Args;
use crate::subscriptions::send;
use crate::RpcError;

/// The live broadcast operations: by id (ascending = oldest first), with counts per
/// connection.
#[derive(Default)]
pub(super) struct Broadcasts {
    inner: Mutex<BroadcastsInner>,
}

#[derive(Default)]
struct BroadcastsInner {
    by_id: BTreeMap<u64, ConnectionId>,
    per_connection: HashMap<ConnectionId, usize>,
    next_id: u64,
}

impl BroadcastsInner {
    fn forget(&mut self, id: u64) -> Option<ConnectionId> {
        let conn = self.by_id.remove(&id)?;
        if let Some(count) = self.per_connection.get_mut(&conn) {
            *count -= 1;
            if *count == 0 {
                self.per_connection.remove(&conn);
            }
        }
        Some(conn)
    }
}

impl Broadcasts {
    /// A new operation id for `conn`; `None` if it holds [`BROADCASTS_PER_CONNECTION_MAX`].
    fn add(&self, conn: ConnectionId) -> Option<u64> {
        let mut inner = lock(&self.inner);
        if inner.per_connection.get(&conn).copied().unwrap_or(0) >= BROADCASTS_PER_CONNECTION_MAX {
            return None;
        }
        if inner.by_id.len() >= BROADCASTS_MAX {
            // Closed connections never stop theirs: the oldest goes.
            if let Some((&oldest, _)) = inner.by_id.iter().next() {
                inner.forget(oldest);
            }
        }
        inner.next_id += 1;
        let id = inner.next_id;
        inner.by_id.insert(id, conn);
        *inner.per_connection.entry(conn).or_default() += 1;
        Some(id)
    }

    /// Ends operation `id` of `conn`; `false` if there is no such operation.
    fn stop(&self, conn: ConnectionId, id: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else { return false };
        let mut inner = lock(&self.inner);
        if inner.by_id.get(&id) != Some(&conn) {
            return false;
        }
        inner.forget(id);
        true
    }
}

fn broadcast(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    method(m, "transaction_v1_broadcast", |a, ctx, conn| {
        let transaction = a.at_most(1)?.required_bytes(0)?;
        let Some(id) = ctx.broadcasts.add(conn) else { return Ok(Value::Null) };
        let submission = ctx.api.submit(transaction);
        tokio::spawn(async move {
            if let Err(e) = submission.await {
                tracing::debug!(target: "rpc", error = %e, "transaction_v1_broadcast: the pool refused the transaction");
            }
        });
        Ok(json!(id.to_string()))
    })?;
    method(m, "transaction_v1_stop", |a, ctx, conn| {
        let id = required_id(&a.at_most(1)?, 0)?;
        if ctx.broadcasts.stop(conn, &id) {
            Ok(Value::Null)
        } else {
            Err(crate::errors::invalid_params(format!("no broadcast operation {id:?}")))
        }
    })
}

/// The event for a refused submission.
fn refused(e: &SubmitError) -> Value {
    let reason = e.to_string();
    match e {
        SubmitError::BadFormat(_) | SubmitError::Invalid(_) | SubmitError::TooLowPriority { .. } => {
            json!({ "event": "invalid", "error": reason })
        }
        SubmitError::UnknownValidity(_) => json!({ "event": "error", "error": reason }),
        SubmitError::AlreadyImported | SubmitError::ImmediatelyDropped(_) => {
            json!({ "event": "dropped", "error": reason })
        }
    }
}

/// `{hash, index}` of the transaction `tx` in block `hash`, if the block holds it.
fn position(api: &dyn NodeApi, hash: H256, tx: H256) -> Option<Value> {
    let block = api.block(hash)?;
    let index = block.extrinsics.iter().position(|xt| blake2_256(xt) == tx.0)?;
    Some(json!({ "hash": hash.to_hex(), "index": index }))
}

/// The event for a status, `None` to send nothing.
fn status_event(api: &dyn NodeApi, tx: H256, status: &TxStatus) -> Option<Value> {
    Some(match status {
        TxStatus::Future | TxStatus::Ready => json!({ "event": "validated" }),
        // A block that does not hold it: skipped (the next inclusion or finality tells).
        TxStatus::InBlock(h) => json!({ "event": "bestChainBlockIncluded", "block": position(api, *h, tx)? }),
        TxStatus::Retracted(_) => json!({ "event": "bestChainBlockIncluded", "block": null }),
        TxStatus::Finalized(h) => match position(api, *h, tx) {
            Some(block) => json!({ "event": "finalized", "block": block }),
            None => {
                json!({ "event": "dropped", "error": format!("finalized block {h:?} does not hold the transaction") })
            }
        },
        TxStatus::Usurped(h) => json!({ "event": "invalid", "error": format!("replaced by transaction {h:?}") }),
        TxStatus::Dropped => json!({ "event": "dropped", "error": "dropped from the pool (limits)" }),
        TxStatus::Invalid => json!({ "event": "invalid", "error": "no longer valid" }),
    })
}

/// Whether no event follows this one.
fn is_last(event: &Value) -> bool {
    matches!(event["event"].as_str(), Some("finalized" | "invalid" | "dropped" | "error"))
}

/// Forwards a watched transaction's statuses until a last event or the client leaves.
async fn watch(api: Arc<dyn NodeApi>, sink: SubscriptionSink, tx: H256, mut rx: tokio::sync::mpsc::Receiver<TxStatus>) {
    let mut previous: Option<Value> = None;
    loop {
        let status = tokio::select! {
            _ = sink.closed() => return,
            status = rx.recv() => status,
        };
        let event = match status {
            Some(status) => match status_event(&*api, tx, &status) {
                Some(event) => event,
                None => continue,
            },
            None => json!({ "event": "dropped", "error": "the node stopped tracking the transaction" }),
        };
        // Repeats (`future` then `ready`) say nothing new.
        if previous.as_ref() == Some(&event) {
            continue;
        }
        if !send(&sink, &event).await || is_last(&event) {
            return;
        }
        previous = Some(event);
    }
}

fn submit_and_watch(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    m.register_subscription(
        "transactionWatch_v1_submitAndWatch",
        "transactionWatch_v1_watchEvent",
        "transactionWatch_v1_unwatch",
        |params, pending, ctx: Arc<SpecCtx>, _| async move {
            ctx.api.record_rpc_call("transactionWatch_v1_submitAndWatch");
            let transaction = match Args::of(&params).and_then(|a| a.at_most(1)).and_then(|a| a.required_bytes(0)) {
                Ok(t) => t,
                Err(e) => return pending.reject(e).await,
            };
            let Ok(sink) = pending.accept().await else { return };
            // The spec reports a refused transaction as an event, not an error.
            match ctx.api.submit_and_watch(transaction).await {
                Ok((tx, rx)) => watch(ctx.api.clone(), sink, tx, rx).await,
                Err(e) => {
                    send(&sink, &refused(&e)).await;
                }
            }
        },
    )?;
    Ok(())
}

/// Registers the `transaction_v1_*` and `transactionWatch_v1_*` methods.
pub(super) fn register(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    broadcast(m)?;
    submit_and_watch(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_are_bounded_per_connection_and_in_total() {
        let broadcasts = Broadcasts::default();
        let first = broadcasts.add(ConnectionId(0)).unwrap();
        for _ in 1..BROADCASTS_PER_CONNECTION_MAX {
            broadcasts.add(ConnectionId(0)).unwrap();
        }
        assert_eq!(broadcasts.add(ConnectionId(0)), None);
        assert!(!broadcasts.stop(ConnectionId(1), &first.to_string()), "another connection's operation");
        assert!(broadcasts.stop(ConnectionId(0), &first.to_string()));
        assert!(broadcasts.add(ConnectionId(0)).is_some());
        // Past the total, the oldest operations are forgotten.
        for conn in 1..=BROADCASTS_MAX {
            broadcasts.add(ConnectionId(conn)).unwrap();
        }
        assert_eq!(lock(&broadcasts.inner).by_id.len(), BROADCASTS_MAX);
        assert!(!broadcasts.stop(ConnectionId(0), &(first + 1).to_string()), "forgotten");
        let newest = lock(&broadcasts.inner).next_id;
        assert!(broadcasts.stop(ConnectionId(BROADCASTS_MAX), &newest.to_string()));
    }
}
