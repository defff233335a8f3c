//! Subscriptions: new, finalized and all heads, runtime version, storage changes and
//! extrinsic status. Head subscriptions emit the current head at once; storage
//! subscriptions emit every requested key at once (null for absent), then changes only.

use std::collections::HashMap;
use std::sync::Arc;

use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionSink};
use serde_json::{json, Value};
use tokio::sync::broadcast;

use accord_primitives::Header;

use crate::errors::{invalid_params, state_error, submit_error};
use crate::json::{header_json, hex0x, parse_hex, runtime_version_json, tx_status_json, Args};
use crate::methods::{Ctx, KEYS_PER_CALL_MAX};
use crate::RpcError;

/// Sends `value` as a notification; `false` once the client is gone.
pub(crate) async fn send(sink: &SubscriptionSink, value: &Value) -> bool {
    match serde_json::value::to_raw_value(value) {
        Ok(raw) => sink.send(raw).await.is_ok(),
        Err(_) => false,
    }
}

/// What a subscription following the chain's heads gets next.
pub(crate) enum NextHead {
    /// A new header.
    Header(Header),
    /// The subscriber fell behind and missed headers.
    Lagged,
    /// The client went away or the node stopped notifying.
    Stop,
}

/// Waits for the next header on `rx`, or for the client to go away.
pub(crate) async fn next_head(sink: &SubscriptionSink, rx: &mut broadcast::Receiver<Header>) -> NextHead {
    tokio::select! {
        _ = sink.closed() => NextHead::Stop,
        next = rx.recv() => match next {
            Ok(h) => NextHead::Header(h),
            Err(broadcast::error::RecvError::Lagged(_)) => NextHead::Lagged,
            Err(broadcast::error::RecvError::Closed) => NextHead::Stop,
        },
    }
}

/// Forwards headers from `rx` after sending `first`, until the client goes away.
async fn forward_heads(sink: SubscriptionSink, first: Option<Header>, mut rx: broadcast::Receiver<Header>) {
    if let Some(h) = first {
        if !send(&sink, &header_json(&h)).await {
            return;
        }
    }
    loop {
        match next_head(&sink, &mut rx).await {
            NextHead::Header(h) => {
                if !send(&sink, &header_json(&h)).await {
                    return;
                }
            }
            NextHead::Lagged => continue,
            NextHead::Stop => return,
        }
    }
}

#[derive(Clone, Copy)]
enum Heads {
    Best,
    Finalized,
}

fn heads(
    m: &mut RpcModule<Ctx>,
    names: (&'static str, &'static str, &'static str),
    kind: Heads,
) -> Result<(), RpcError> {
    let (sub, notif, unsub) = names;
    m.register_subscription(
        sub,
        notif,
        unsub,
        move |_params, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.api.record_rpc_call(sub);
            // Subscribe before reading the current head so nothing falls in between.
            let (rx, current) = match kind {
                Heads::Best => (ctx.api.subscribe_best_heads(), ctx.api.best_hash()),
                Heads::Finalized => (ctx.api.subscribe_finalized_heads(), ctx.api.finalized_hash()),
            };
            let Ok(sink) = pending.accept().await else { return };
            forward_heads(sink, ctx.api.header(current), rx).await;
        },
    )?;
    Ok(())
}

fn runtime_version(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    m.register_subscription(
        "state_subscribeRuntimeVersion",
        "state_runtimeVersion",
        "state_unsubscribeRuntimeVersion",
        |_params, pending, ctx: Arc<Ctx>, _| async move {
            ctx.api.record_rpc_call("state_subscribeRuntimeVersion");
            let version = match ctx.api.runtime_version(ctx.api.best_hash()) {
                Ok(v) => v,
                Err(e) => return pending.reject(state_error(e)).await,
            };
            let Ok(sink) = pending.accept().await else { return };
            if send(&sink, &runtime_version_json(&version)).await {
                // The runtime does not change without an upgrade; hold the subscription open.
                sink.closed().await;
            }
        },
    )?;
    Ok(())
}

fn storage(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    m.register_subscription(
        "state_subscribeStorage",
        "state_storage",
        "state_unsubscribeStorage",
        |params, pending, ctx: Arc<Ctx>, _| async move {
            ctx.api.record_rpc_call("state_subscribeStorage");
            let keys = match parse_keys(&params) {
                Ok(k) => k,
                Err(e) => return pending.reject(e).await,
            };
            let mut rx = ctx.api.subscribe_best_heads();
            let Ok(sink) = pending.accept().await else { return };
            let mut last: HashMap<String, Option<Vec<u8>>> = HashMap::new();
            let mut block = ctx.api.best_hash();
            let mut initial = true;
            loop {
                let mut changes = Vec::new();
                for (text, key) in &keys {
                    let Ok(value) = ctx.api.storage(block, key) else { return };
                    if initial || last.get(text) != Some(&value) {
                        changes.push(json!([text, value.as_ref().map(|v| hex0x(v))]));
                        last.insert(text.clone(), value);
                    }
                }
                if (initial || !changes.is_empty())
                    && !send(&sink, &json!({ "block": block.to_hex(), "changes": changes })).await
                {
                    return;
                }
                initial = false;
                block = match next_head(&sink, &mut rx).await {
                    NextHead::Header(h) => h.hash(),
                    NextHead::Lagged => ctx.api.best_hash(),
                    NextHead::Stop => return,
                };
            }
        },
    )?;
    Ok(())
}

/// The keys of a storage subscription, kept as given (echoed verbatim) and decoded.
fn parse_keys(
    params: &jsonrpsee::types::Params<'_>,
) -> Result<Vec<(String, Vec<u8>)>, jsonrpsee::types::ErrorObjectOwned> {
    let args = Args::of(params)?.at_most(1)?;
    let Some(Value::Array(list)) = args.get(0) else {
        return Err(invalid_params("pass an array of storage keys; subscribing to all changes is not supported"));
    };
    if list.len() > KEYS_PER_CALL_MAX as usize {
        return Err(invalid_params(format!("at most {KEYS_PER_CALL_MAX} keys per subscription")));
    }
    list.iter()
        .map(|v| match v {
            Value::String(s) => Ok((s.clone(), parse_hex(s)?)),
            other => Err(invalid_params(format!("storage keys must be hex strings, got {other}"))),
        })
        .collect()
}

fn extrinsic_watch(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    m.register_subscription(
        "author_submitAndWatchExtrinsic",
        "author_extrinsicUpdate",
        "author_unwatchExtrinsic",
        |params, pending, ctx: Arc<Ctx>, _| async move {
            ctx.api.record_rpc_call("author_submitAndWatchExtrinsic");
            let xt = match Args::of(&params).and_then(|a| a.at_most(1)).and_then(|a| a.required_bytes(0)) {
                Ok(xt) => xt,
                Err(e) => return pending.reject(e).await,
            };
            let mut rx = match ctx.api.submit_and_watch(xt).await {
                Ok((_, rx)) => rx,
                Err(e) => return pending.reject(submit_error(e)).await,
            };
            let Ok(sink) = pending.accept().await else { return };
            loop {
                tokio::select! {
                    _ = sink.closed() => return,
                    status = rx.recv() => match status {
                        Some(s) => {
                            let last = s.is_final();
                            if !send(&sink, &tx_status_json(&s)).await || last {
                                return;
                            }
                        }
                        None => return,
                    },
                }
            }
        },
    )?;
    Ok(())
}

/// Registers every subscription and its aliases.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    heads(m, ("chain_subscribeNewHeads", "chain_newHead", "chain_unsubscribeNewHeads"), Heads::Best)?;
    crate::methods::alias(m, "chain_subscribeNewHead", "chain_subscribeNewHeads")?;
    crate::methods::alias(m, "subscribe_newHead", "chain_subscribeNewHeads")?;
    crate::methods::alias(m, "chain_unsubscribeNewHead", "chain_unsubscribeNewHeads")?;
    crate::methods::alias(m, "unsubscribe_newHead", "chain_unsubscribeNewHeads")?;
    heads(m, ("chain_subscribeAllHeads", "chain_allHead", "chain_unsubscribeAllHeads"), Heads::Best)?;
    heads(
        m,
        ("chain_subscribeFinalizedHeads", "chain_finalizedHead", "chain_unsubscribeFinalizedHeads"),
        Heads::Finalized,
    )?;
    crate::methods::alias(m, "chain_subscribeFinalisedHeads", "chain_subscribeFinalizedHeads")?;
    crate::methods::alias(m, "chain_unsubscribeFinalisedHeads", "chain_unsubscribeFinalizedHeads")?;
    runtime_version(m)?;
    crate::methods::alias(m, "chain_subscribeRuntimeVersion", "state_subscribeRuntimeVersion")?;
    crate::methods::alias(m, "chain_unsubscribeRuntimeVersion", "state_unsubscribeRuntimeVersion")?;
    storage(m)?;
    extrinsic_watch(m)
}
