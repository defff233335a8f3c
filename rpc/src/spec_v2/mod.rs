//! The new Substrate JSON-RPC interface (`paritytech/json-rpc-interface-spec`, the version
//! with `archive_v1_storage` as a subscription), as polkadot-api (PAPI 2.x) speaks it:
//!
//! | group | file | methods |
//! |---|---|---|
//! | `chainHead_v1` | `chain_head.rs` (`follow.rs`: the block tracker, `storage.rs`) | `follow`/`unfollow` (`followEvent`), `header`, `body`, `call`, `storage`, `continue`, `stopOperation`, `unpin` |
//! | `transaction_v1`, `transactionWatch_v1` | `transaction.rs` | `broadcast`, `stop`; `submitAndWatch`/`unwatch` (`watchEvent`) |
//! | `chainSpec_v1` | `chain_spec.rs` | `chainName`, `genesisHash`, `properties` |
//! | `archive_v1` | `archive.rs` | `body`, `call`, `finalizedHeight`, `genesisHash`, `hashByHeight`, `header`, `storage`/`stopStorage` (`storageEvent`) |
//!
//! A follow subscription turns the node's two head streams into the spec's event order:
//!
//! ```text
//! subscribe_best_heads ──────┐                           ┌─▶ initialized, newBlock, bestBlockChanged,
//!                            ├─▶ Tracker (follow.rs) ────┤   finalized (+ pruned), stop
//! subscribe_finalized_heads ─┘   gaps: NodeApi::header   └─▶ Pins: the blocks the client holds
//!
//! chainHead_v1_body / call / storage ──▶ one task each ──▶ operation* events, same subscription
//! ```
//!
//! The spec's version: its repository at commit `06e3bae` (2026-03; transactionWatch without
//! the `broadcasted` event, `archive_v1_storage` as a subscription), as PAPI 2.2.2 speaks it.
//!
//! Every queue is bounded: notifications wait for room in the connection's bounded buffer;
//! a follower that falls behind the node's head broadcasts (a lag) gets `stop`, as does one
//! that holds [`PINNED_BLOCKS_MAX`] blocks. The other limits are the constants below.

mod archive;
mod chain_head;
mod chain_spec;
mod follow;
mod storage;
mod transaction;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{ConnectionId, Extensions, RpcModule};
use serde_json::{json, Map, Value};

use accord_primitives::{Header, H256};

use crate::api::{NodeApi, RuntimeVersionInfo};
use crate::json::{hex0x, Args};
use crate::RpcError;

use follow::{ChainSource, Runtime};

/// `chainHead_v1_follow` subscriptions one connection may hold at once (the spec asks for
/// at least 2); the next one is refused with [`FOLLOW_LIMIT_REACHED`].
pub const FOLLOWS_PER_CONNECTION_MAX: usize = 4;
/// Blocks one follow subscription may hold pinned (reported and not yet unpinned), and
/// non-finalized blocks it may track; past either the subscription gets `stop`.
pub const PINNED_BLOCKS_MAX: usize = 512;
/// Operations in progress per follow subscription (each `body` or `call`, and each item of
/// a `storage` call, is one); the spec asks for at least 16. Past it: `limitReached`.
pub const OPERATIONS_MAX: usize = 16;
/// Items in one `operationStorageItems` page of a descendants query; then the operation
/// waits for `chainHead_v1_continue`.
pub const STORAGE_PAGE_ITEMS_MAX: usize = 256;
/// Bytes (keys and values) after which a descendants page ends early.
pub const STORAGE_PAGE_BYTES_MAX: usize = 1024 * 1024;
/// How long a storage operation waits for `chainHead_v1_continue` before it reports
/// `operationInaccessible` and frees its slots.
pub const CONTINUE_TIMEOUT: Duration = Duration::from_secs(60);
/// Items one `chainHead_v1_storage` or `archive_v1_storage` call may name.
pub const STORAGE_ITEMS_PER_CALL_MAX: usize = 1000;
/// `transaction_v1_broadcast` operations one connection may hold (the spec asks for at
/// least 4); past it the method answers `null`.
pub const BROADCASTS_PER_CONNECTION_MAX: usize = 64;
/// Broadcast operations kept server-wide; past it the oldest is forgotten (its
/// transaction stays in the pool; only its id becomes unknown to `transaction_v1_stop`).
pub const BROADCASTS_MAX: usize = 4096;
/// Runtime versions kept by block hash, so that followers of the same block share one
/// `runtime_version` call.
const RUNTIME_CACHE_MAX: usize = 64;

/// -32800: the connection holds [`FOLLOWS_PER_CONNECTION_MAX`] follow subscriptions.
pub const FOLLOW_LIMIT_REACHED: i32 = -32800;
/// -32801: the block was not reported by this follow subscription, or was unpinned.
pub const INVALID_BLOCK: i32 = -32801;
/// -32802: `chainHead_v1_call` on a subscription that follows without the runtime.
pub const CALL_WITHOUT_RUNTIME: i32 = -32802;
/// -32803: `chainHead_v1_continue` on an operation that is not waiting for it.
pub const INVALID_CONTINUE: i32 = -32803;
/// -32804: `chainHead_v1_unpin` named a block twice.
pub const DUPLICATE_HASHES: i32 = -32804;

/// The context of the new API's methods: the node and the per-connection state.
pub(crate) struct SpecCtx {
    /// The node.
    api: Arc<dyn NodeApi>,
    /// Live follow subscriptions by connection.
    follows: chain_head::Registry,
    /// Live `transaction_v1_broadcast` operations.
    broadcasts: transaction::Broadcasts,
    /// Recently computed runtime versions.
    runtimes: RuntimeCache,
}

/// Builds the module of every method of the new API (merged into the server's module).
pub(crate) fn module(api: Arc<dyn NodeApi>) -> Result<RpcModule<SpecCtx>, RpcError> {
    let ctx = SpecCtx {
        api,
        follows: chain_head::Registry::default(),
        broadcasts: transaction::Broadcasts::default(),
        runtimes: RuntimeCache::default(),
    };
    let mut m = RpcModule::new(ctx);
    chain_head::register(&mut m)?;
    transaction::register(&mut m)?;
    chain_spec::register(&mut m)?;
    archive::register(&mut m)?;
    Ok(m)
}

type MethodResult = Result<Value, ErrorObjectOwned>;

/// Registers a plain method, counting its calls; `f` gets the caller's connection.
fn method(
    m: &mut RpcModule<SpecCtx>,
    name: &'static str,
    f: impl Fn(Args, &SpecCtx, ConnectionId) -> MethodResult + Send + Sync + 'static,
) -> Result<(), RpcError> {
    m.register_method(name, move |params, ctx, ext| {
        ctx.api.record_rpc_call(name);
        f(Args::of(&params)?, ctx, connection(ext)?)
    })?;
    Ok(())
}

/// The connection a call came on (the server always records it).
fn connection(ext: &Extensions) -> Result<ConnectionId, ErrorObjectOwned> {
    ext.get::<ConnectionId>().copied().ok_or_else(|| error(-32603, "the call carries no connection id"))
}

/// A JSON-RPC error object with `code`.
fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

/// Parameter `i` as a subscription or operation id. The server's ids are strings (see
/// [`crate::start`]); a number is read as its text, should the id provider change.
fn required_id(a: &Args, i: usize) -> Result<String, ErrorObjectOwned> {
    match a.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(crate::errors::invalid_params(format!("parameter {i} must be a subscription or operation id"))),
    }
}

/// Parameter `i` as a required block hash.
fn required_hash(a: &Args, i: usize) -> Result<H256, ErrorObjectOwned> {
    a.hash(i)?.ok_or_else(|| crate::errors::invalid_params(format!("parameter {i} (a block hash) is required")))
}

/// The text form of a server-generated subscription id (as [`required_id`] reads it back).
fn subscription_key(id: &jsonrpsee::types::SubscriptionId<'_>) -> String {
    match id {
        jsonrpsee::types::SubscriptionId::Num(n) => n.to_string(),
        jsonrpsee::types::SubscriptionId::Str(s) => s.to_string(),
    }
}

/// A runtime as `finalizedBlockRuntime` and `newRuntime` carry it: `valid` with the spec's
/// subset of the version (apis as an object keyed by the API id), or `invalid`.
fn runtime_json(runtime: &Runtime) -> Value {
    match runtime {
        Ok(v) => {
            let apis: Map<String, Value> = v.apis.iter().map(|(id, version)| (hex0x(id), json!(version))).collect();
            json!({
                "type": "valid",
                "spec": {
                    "specName": v.spec_name,
                    "implName": v.impl_name,
                    "specVersion": v.spec_version,
                    "implVersion": v.impl_version,
                    "transactionVersion": v.transaction_version,
                    "apis": apis,
                },
            })
        }
        Err(e) => json!({ "type": "invalid", "error": e }),
    }
}

/// Runtime versions by block hash, the most recent [`RUNTIME_CACHE_MAX`].
#[derive(Default)]
struct RuntimeCache {
    entries: Mutex<VecDeque<(H256, Arc<RuntimeVersionInfo>)>>,
}

impl RuntimeCache {
    /// The runtime of block `hash`, computed by `api` unless cached. Errors are not cached.
    fn get(&self, api: &dyn NodeApi, hash: H256) -> Runtime {
        if let Some((_, v)) = lock(&self.entries).iter().find(|(h, _)| *h == hash) {
            return Ok(v.clone());
        }
        let version = Arc::new(api.runtime_version(hash).map_err(|e| e.to_string())?);
        let mut entries = lock(&self.entries);
        if entries.len() >= RUNTIME_CACHE_MAX {
            entries.pop_front();
        }
        entries.push_back((hash, version.clone()));
        Ok(version)
    }
}

/// The node as the block tracker sees it.
struct NodeSource<'a> {
    api: &'a dyn NodeApi,
    runtimes: &'a RuntimeCache,
}

impl ChainSource for NodeSource<'_> {
    fn header(&self, hash: H256) -> Option<Header> {
        self.api.header(hash)
    }

    fn finalized_hash(&self) -> H256 {
        self.api.finalized_hash()
    }

    fn best_hash(&self) -> H256 {
        self.api.best_hash()
    }

    fn runtime(&self, hash: H256) -> Runtime {
        self.runtimes.get(self.api, hash)
    }
}

/// Locks `m`; a panic while it was held leaves plain data behind, so the lock is reused.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
