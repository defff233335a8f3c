//! Ethereum filters and subscriptions: `eth_newFilter`, `eth_newBlockFilter`,
//! `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter` (polled, what ethers'
//! `contract.on` uses over HTTP) and `eth_subscribe` `newHeads` / `logs` (WebSocket).
//!
//! Filters are bounded: at most [`FILTERS_MAX`] at once, each forgotten after
//! [`FILTER_IDLE`] without a poll (geth's rule), each poll scanning at most
//! [`LOG_RANGE_MAX`](crate::eth_blocks::LOG_RANGE_MAX) blocks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::errors::invalid_params;
use crate::eth::quantity;
use crate::eth_blocks::{block_json, bound, logs_in, logs_of_block, parse_log_query, LogQuery, LOG_RANGE_MAX};
use crate::json::{hex0x, Args};
use crate::methods::{method, Ctx};
use crate::subscriptions::{next_head, send, NextHead};
use crate::RpcError;

/// The most filters installed at once.
pub(crate) const FILTERS_MAX: usize = 1_024;
/// A filter not polled for this long is removed.
pub(crate) const FILTER_IDLE: Duration = Duration::from_secs(300);

/// What a filter reports.
#[derive(Clone, Debug)]
enum Kind {
    /// New block hashes.
    Blocks,
    /// Matching logs, within `to` if the filter names an end.
    Logs { query: LogQuery, from: u32, to: Option<u32> },
}

#[derive(Clone, Debug)]
struct Filter {
    kind: Kind,
    /// The last block reported.
    seen: u32,
    polled: Instant,
}

/// The installed filters.
#[derive(Default)]
pub struct Filters {
    next: Mutex<u64>,
    installed: Mutex<HashMap<u64, Filter>>,
}

impl Filters {
    /// Filter `id`, marked as polled now.
    fn poll(&self, id: u64) -> Result<Filter, ErrorObjectOwned> {
        let mut installed = self.installed.lock();
        let f = installed.get_mut(&id).ok_or_else(not_found)?;
        f.polled = Instant::now();
        Ok(f.clone())
    }

    fn install(&self, filter: Filter) -> Result<u64, ErrorObjectOwned> {
        let mut installed = self.installed.lock();
        installed.retain(|_, f| f.polled.elapsed() < FILTER_IDLE);
        if installed.len() >= FILTERS_MAX {
            return Err(ErrorObjectOwned::owned(
                -32005,
                format!("too many filters (at most {FILTERS_MAX})"),
                None::<()>,
            ));
        }
        let mut next = self.next.lock();
        *next += 1;
        installed.insert(*next, filter);
        Ok(*next)
    }
}

fn filter_id(a: &Args) -> Result<u64, ErrorObjectOwned> {
    let s = a.required_str(0)?;
    let digits = s.strip_prefix("0x").ok_or_else(|| invalid_params("filter id: expected a hex quantity"))?;
    u64::from_str_radix(digits, 16).map_err(|_| invalid_params("filter id: expected a hex quantity"))
}

fn not_found() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32000, "filter not found", None::<()>)
}

fn best_number(ctx: &Ctx) -> u32 {
    ctx.api.header(ctx.api.best_hash()).map_or(0, |h| h.number)
}

fn new_filter(ctx: &Ctx, a: Args) -> Result<Value, ErrorObjectOwned> {
    let o = a.get(0).and_then(Value::as_object).ok_or_else(|| invalid_params("expected a filter object"))?;
    let query = parse_log_query(o)?;
    let best = best_number(ctx);
    let from = match o.get("fromBlock").filter(|v| !v.is_null()) {
        Some(v) => bound(ctx, Some(v))?,
        None => best + 1,
    };
    let to = o.get("toBlock").filter(|v| !v.is_null() && v.as_str() != Some("latest")).map(|v| bound(ctx, Some(v)));
    let to = to.transpose()?;
    let seen = from.saturating_sub(1);
    let id = ctx.eth_filters.install(Filter { kind: Kind::Logs { query, from, to }, seen, polled: Instant::now() })?;
    Ok(quantity(id.into()))
}

/// What filter `id` has not reported yet.
fn changes(ctx: &Ctx, id: u64) -> Result<Value, ErrorObjectOwned> {
    let filter = ctx.eth_filters.poll(id)?;
    let best = best_number(ctx);
    let (out, seen) = match &filter.kind {
        Kind::Blocks => {
            let last = best.min(filter.seen.saturating_add(LOG_RANGE_MAX));
            let hashes: Vec<Value> =
                ((filter.seen + 1)..=last).filter_map(|n| ctx.api.block_hash(n)).map(|h| json!(hex0x(&h.0))).collect();
            (json!(hashes), last.max(filter.seen))
        }
        Kind::Logs { query, to, .. } => {
            let end = to.map_or(best, |to| to.min(best));
            let last = end.min(filter.seen.saturating_add(LOG_RANGE_MAX));
            if last <= filter.seen {
                (json!([]), filter.seen)
            } else {
                (json!(logs_in(ctx, filter.seen + 1, last, query)?), last)
            }
        }
    };
    if let Some(f) = ctx.eth_filters.installed.lock().get_mut(&id) {
        f.seen = f.seen.max(seen);
    }
    Ok(out)
}

/// Every log filter `id` matches (`eth_getFilterLogs`).
fn filter_logs(ctx: &Ctx, id: u64) -> Result<Value, ErrorObjectOwned> {
    let filter = ctx.eth_filters.poll(id)?;
    let Kind::Logs { query, from, to } = filter.kind else { return Err(not_found()) };
    let best = best_number(ctx);
    Ok(json!(logs_in(ctx, from, to.map_or(best, |to| to.min(best)), &query)?))
}

/// `eth_subscribe`: `newHeads` (each new best block) or `logs` (matching logs of each new
/// best block).
fn subscribe(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    m.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.api.record_rpc_call("eth_subscribe");
            let parsed = Args::of(&params).and_then(|a| {
                let kind = a.required_str(0)?.to_string();
                let query = match (kind.as_str(), a.get(1).and_then(Value::as_object)) {
                    ("newHeads", _) => None,
                    ("logs", Some(o)) => Some(parse_log_query(o)?),
                    ("logs", None) => Some(LogQuery { addresses: vec![], topics: vec![] }),
                    (other, _) => return Err(invalid_params(format!("unsupported subscription: {other}"))),
                };
                Ok(query)
            });
            let query = match parsed {
                Ok(q) => q,
                Err(e) => return pending.reject(e).await,
            };
            let mut rx = ctx.api.subscribe_best_heads();
            let Ok(sink) = pending.accept().await else { return };
            let price = ctx.api.eth_gas_price();
            loop {
                let header = match next_head(&sink, &mut rx).await {
                    NextHead::Header(h) => h,
                    NextHead::Lagged => continue,
                    NextHead::Stop => return,
                };
                let hash = header.hash();
                let notifications = match &query {
                    None => match ctx.api.eth_block(hash) {
                        Ok(Some(b)) => {
                            let mut head = block_json(&b, false, price);
                            head.as_object_mut().map(|o| o.remove("transactions"));
                            vec![head]
                        }
                        _ => continue,
                    },
                    Some(query) => {
                        let mut logs = Vec::new();
                        if logs_of_block(&ctx, hash, query, &mut logs).is_err() {
                            continue;
                        }
                        logs
                    }
                };
                for n in notifications {
                    if !send(&sink, &n).await {
                        return;
                    }
                }
            }
        },
    )?;
    Ok(())
}

/// Registers the filter and subscription methods.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "eth_newFilter", |a, ctx| new_filter(ctx, a.at_most(1)?))?;
    method(m, "eth_newBlockFilter", |a, ctx| {
        a.at_most(0)?;
        let seen = best_number(ctx);
        Ok(quantity(ctx.eth_filters.install(Filter { kind: Kind::Blocks, seen, polled: Instant::now() })?.into()))
    })?;
    method(m, "eth_getFilterChanges", |a, ctx| changes(ctx, filter_id(&a.at_most(1)?)?))?;
    method(m, "eth_getFilterLogs", |a, ctx| filter_logs(ctx, filter_id(&a.at_most(1)?)?))?;
    method(m, "eth_uninstallFilter", |a, ctx| {
        let id = filter_id(&a.at_most(1)?)?;
        Ok(json!(ctx.eth_filters.installed.lock().remove(&id).is_some()))
    })?;
    subscribe(m)
}
