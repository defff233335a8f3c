//! `archive_v1_*`: reads at any block the node keeps, by hash.
//!
//! `header`, `body` and `call` answer `null` for a block the node does not know; `call`
//! answers `{success: false, error}` when the block is known but its state is not kept (or
//! the call fails). `hashByHeight` answers the finalized block at or below the finalized
//! height, above it the node's best-chain block if any. `storage` is a subscription
//! (`archive_v1_storageEvent`, stopped by `archive_v1_stopStorage`): one `storage` event per
//! result item, then `storageDone`, or `storageError` (unknown block, state not kept).

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::{RpcModule, SubscriptionSink};
use serde_json::{json, Value};

use accord_primitives::H256;

use super::chain_head::call_parameters;
use super::storage::{no_child_trie, parse_items, Query, StorageRun};
use super::{chain_spec, error, method, required_hash, SpecCtx, STORAGE_PAGE_BYTES_MAX, STORAGE_PAGE_ITEMS_MAX};
use crate::api::{NodeApi, StateError};
use crate::json::{hex0x, parse_block_number, Args};
use crate::subscriptions::send;
use crate::RpcError;

fn blocks(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    method(m, "archive_v1_header", |a, ctx, _| {
        let hash = required_hash(&a.at_most(1)?, 0)?;
        Ok(ctx.api.header(hash).map_or(Value::Null, |h| json!(hex0x(&h.encode()))))
    })?;
    method(m, "archive_v1_body", |a, ctx, _| {
        let hash = required_hash(&a.at_most(1)?, 0)?;
        Ok(ctx
            .api
            .block(hash)
            .map_or(Value::Null, |b| json!(b.extrinsics.iter().map(|x| hex0x(x)).collect::<Vec<_>>())))
    })?;
    method(m, "archive_v1_finalizedHeight", |a, ctx, _| {
        a.at_most(0)?;
        let finalized = ctx.api.finalized_hash();
        let header = ctx.api.header(finalized).ok_or_else(|| error(-32603, "the finalized header cannot be read"))?;
        Ok(json!(header.number))
    })?;
    method(m, "archive_v1_genesisHash", |a, ctx, _| {
        a.at_most(0)?;
        chain_spec::genesis_hash(ctx)
    })?;
    method(m, "archive_v1_hashByHeight", |a, ctx, _| {
        let a = a.at_most(1)?;
        let height = parse_block_number(a.get(0).unwrap_or(&Value::Null))?;
        // At or below the finalized height the canonical block is the only one; above it,
        // the node's best chain is the one branch it keeps by number.
        Ok(json!(ctx.api.block_hash(height).map(|h| h.to_hex()).into_iter().collect::<Vec<_>>()))
    })
}

fn call(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    method(m, "archive_v1_call", |a, ctx, _| {
        let a = a.at_most(3)?;
        let hash = required_hash(&a, 0)?;
        let function = a.required_str(1)?;
        let data = call_parameters(&a, 2)?;
        if ctx.api.header(hash).is_none() {
            return Ok(Value::Null);
        }
        Ok(match ctx.api.call(hash, function, &data) {
            Ok(output) => json!({ "success": true, "value": hex0x(&output) }),
            Err(StateError::UnknownBlock(_)) => Value::Null,
            Err(e) => json!({ "success": false, "error": e.to_string() }),
        })
    })
}

/// Streams the answers to `queries` at block `at`, a page at a time (each send waits for
/// room in the connection's buffer).
async fn stream_storage(api: &dyn NodeApi, sink: &SubscriptionSink, at: H256, queries: Vec<Query>) {
    if api.header(at).is_none() {
        send(sink, &json!({ "event": "storageError", "error": StateError::UnknownBlock(at).to_string() })).await;
        return;
    }
    let mut run = StorageRun::new(queries);
    loop {
        let page = match run.next_page(api, at, STORAGE_PAGE_ITEMS_MAX, STORAGE_PAGE_BYTES_MAX) {
            Ok(page) => page,
            Err(e) => {
                send(sink, &json!({ "event": "storageError", "error": e.to_string() })).await;
                return;
            }
        };
        for mut item in page.items {
            item["event"] = json!("storage");
            if !send(sink, &item).await {
                return;
            }
        }
        if page.done {
            send(sink, &json!({ "event": "storageDone" })).await;
            return;
        }
    }
}

fn storage(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    m.register_subscription(
        "archive_v1_storage",
        "archive_v1_storageEvent",
        "archive_v1_stopStorage",
        |params, pending, ctx: Arc<SpecCtx>, _| async move {
            ctx.api.record_rpc_call("archive_v1_storage");
            let parsed = Args::of(&params).and_then(|a| {
                let a = a.at_most(3)?;
                no_child_trie(&a, 2)?;
                Ok((required_hash(&a, 0)?, parse_items(a.get(1), true)?))
            });
            let (at, queries) = match parsed {
                Ok(p) => p,
                Err(e) => return pending.reject(e).await,
            };
            let Ok(sink) = pending.accept().await else { return };
            stream_storage(&*ctx.api, &sink, at, queries).await;
        },
    )?;
    Ok(())
}

/// Registers the `archive_v1_*` methods.
pub(super) fn register(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    blocks(m)?;
    call(m)?;
    storage(m)
}
