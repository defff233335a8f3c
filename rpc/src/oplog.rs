//! Accord's `oplog_*` namespace: the operation log of finalized blocks, for business systems
//! that keep their own databases in sync.
//!
//! | method | params | result |
//! |---|---|---|
//! | `oplog_head` | `[]` | `{nextIndex, lowestRetained, finalizedBlock}` |
//! | `oplog_getLogs` | `[fromIndex, limit, filter?]` | entries with index in `[fromIndex, fromIndex+limit)` that match, in index order |
//! | `oplog_subscribeLogs` | `[filter?]` | each new matching entry of each finalized block (`oplog_logs`) |
//!
//! An entry is `{index, block, extrinsicIndex, operator (SS58), origin, dataId (hex),
//! sourceState (hex), resultState (hex), opType, timestampMs}`; `origin` names who owns the
//! data (a pallet's name such as `"Records"` or `"Balances"`, or `0x` and a contract's
//! 20-byte address): a data id is unique only within its origin. `opType` is `Create`,
//! `Update`, `Delete`, `Query` or `Custom:<n>`; a `Delete` entry's `sourceState` is the
//! blake2-256 hash of the deleted state (the chain keeps no copy of deleted data). A filter
//! is `{origin?, dataId?, dataIdPrefix?, opType?, operator?}`; every given field must match. `oplog_getLogs` scans at most `limit` (at most
//! [`LOGS_PER_CALL_MAX`]) indices, so a client continues from `fromIndex + limit` (or the
//! head) whatever the filter kept.

use std::sync::Arc;

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};

use accord_primitives::AccountId32;

use crate::api::{OpKind, OplogEntry};
use crate::errors::{invalid_params, state_error};
use crate::json::{hex0x, parse_hex, Args};
use crate::methods::{method, Ctx};
use crate::subscriptions::{next_head, send, NextHead};
use crate::RpcError;

/// The most indices one `oplog_getLogs` call scans.
pub const LOGS_PER_CALL_MAX: u32 = 1000;

/// Which entries a client wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Exactly this origin.
    pub origin: Option<String>,
    /// Exactly this data id.
    pub data_id: Option<Vec<u8>>,
    /// Data ids starting with these bytes.
    pub data_id_prefix: Option<Vec<u8>>,
    /// This operation type.
    pub op_type: Option<OpKind>,
    /// This operator.
    pub operator: Option<AccountId32>,
}

impl LogFilter {
    /// Parses the JSON filter (absent or null: everything).
    pub fn parse(v: Option<&Value>) -> Result<LogFilter, ErrorObjectOwned> {
        let Some(v) = v else { return Ok(LogFilter::default()) };
        let obj = v.as_object().ok_or_else(|| invalid_params("the filter must be an object"))?;
        for key in obj.keys() {
            if !["origin", "dataId", "dataIdPrefix", "opType", "operator"].contains(&key.as_str()) {
                return Err(invalid_params(format!("unknown filter field {key:?}")));
            }
        }
        let text = |k: &str| -> Result<Option<&str>, ErrorObjectOwned> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(invalid_params(format!("filter field {k} must be a string"))),
            }
        };
        Ok(LogFilter {
            origin: text("origin")?.map(str::to_string),
            data_id: text("dataId")?.map(parse_hex).transpose()?,
            data_id_prefix: text("dataIdPrefix")?.map(parse_hex).transpose()?,
            op_type: text("opType")?
                .map(|s| OpKind::parse(s).ok_or_else(|| invalid_params(format!("unknown opType {s:?}"))))
                .transpose()?,
            operator: text("operator")?
                .map(|s| AccountId32::parse(s).map_err(|e| invalid_params(format!("invalid operator: {e}"))))
                .transpose()?,
        })
    }

    /// Whether `e` matches.
    pub fn matches(&self, e: &OplogEntry) -> bool {
        self.origin.as_ref().is_none_or(|o| *o == e.origin)
            && self.data_id.as_ref().is_none_or(|id| *id == e.data_id)
            && self.data_id_prefix.as_ref().is_none_or(|p| e.data_id.starts_with(p))
            && self.op_type.is_none_or(|t| t == e.op_type)
            && self.operator.is_none_or(|o| o == e.operator)
    }
}

/// The JSON form of an entry.
pub fn entry_json(e: &OplogEntry) -> Value {
    json!({
        "index": e.index,
        "block": e.block,
        "extrinsicIndex": e.extrinsic_index,
        "operator": e.operator.to_ss58_default(),
        "origin": e.origin,
        "dataId": hex0x(&e.data_id),
        "sourceState": hex0x(&e.source_state),
        "resultState": hex0x(&e.result_state),
        "opType": e.op_type.to_string(),
        "timestampMs": e.timestamp_ms,
    })
}

fn u64_param(a: &Args, i: usize, name: &str) -> Result<u64, ErrorObjectOwned> {
    a.get(i)
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid_params(format!("parameter {i} ({name}) must be a non-negative integer")))
}

/// Registers the `oplog_*` methods.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "oplog_head", |a, ctx| {
        a.at_most(0)?;
        let at = ctx.api.finalized_hash();
        let head = ctx.api.oplog_head(at).map_err(state_error)?;
        let number = ctx.api.header(at).map_or(0, |h| h.number);
        Ok(json!({ "nextIndex": head.next_index, "lowestRetained": head.lowest_retained, "finalizedBlock": number }))
    })?;
    method(m, "oplog_getLogs", |a, ctx| {
        let a = a.at_most(3)?;
        let from = u64_param(&a, 0, "fromIndex")?;
        let limit = u64_param(&a, 1, "limit")?;
        if limit > LOGS_PER_CALL_MAX as u64 {
            return Err(invalid_params(format!("limit {limit} exceeds {LOGS_PER_CALL_MAX}")));
        }
        let filter = LogFilter::parse(a.get(2))?;
        let at = ctx.api.finalized_hash();
        let entries = ctx.api.oplog_entries(at, from, limit as u32).map_err(state_error)?;
        Ok(Value::Array(entries.iter().filter(|e| filter.matches(e)).map(entry_json).collect()))
    })?;
    m.register_subscription(
        "oplog_subscribeLogs",
        "oplog_logs",
        "oplog_unsubscribeLogs",
        |params, pending, ctx: Arc<Ctx>, _| async move {
            ctx.api.record_rpc_call("oplog_subscribeLogs");
            let filter = match Args::of(&params).and_then(|a| a.at_most(1)).and_then(|a| LogFilter::parse(a.get(0))) {
                Ok(f) => f,
                Err(e) => return pending.reject(e).await,
            };
            let mut rx = ctx.api.subscribe_finalized_heads();
            let mut cursor = match ctx.api.oplog_head(ctx.api.finalized_hash()) {
                Ok(h) => h.next_index,
                Err(e) => return pending.reject(state_error(e)).await,
            };
            let Ok(sink) = pending.accept().await else { return };
            loop {
                let header = match next_head(&sink, &mut rx).await {
                    NextHead::Header(h) => h,
                    NextHead::Lagged => continue,
                    NextHead::Stop => return,
                };
                let at = header.hash();
                let Ok(head) = ctx.api.oplog_head(at) else { return };
                while cursor < head.next_index {
                    let Ok(batch) = ctx.api.oplog_entries(at, cursor, LOGS_PER_CALL_MAX) else { return };
                    let scanned_to = batch.last().map_or(head.next_index, |e| e.index + 1).max(cursor + 1);
                    for e in batch.iter().filter(|e| filter.matches(e)) {
                        if !send(&sink, &entry_json(e)).await {
                            return;
                        }
                    }
                    cursor = scanned_to.min(head.next_index);
                }
            }
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(op_type: OpKind) -> OplogEntry {
        OplogEntry {
            index: 3,
            block: 2,
            extrinsic_index: 1,
            operator: AccountId32([1; 32]),
            origin: "Records".into(),
            data_id: vec![0xab, 0xcd],
            source_state: vec![1],
            result_state: vec![2],
            op_type,
            timestamp_ms: 9,
        }
    }

    #[test]
    fn filters() {
        let f = LogFilter::parse(Some(&json!({"dataIdPrefix": "0xab", "opType": "Update"}))).unwrap();
        assert!(f.matches(&entry(OpKind::Update)));
        assert!(!f.matches(&entry(OpKind::Create)));
        let f = LogFilter::parse(Some(&json!({"dataId": "0xab"}))).unwrap();
        assert!(!f.matches(&entry(OpKind::Update)));
        assert!(LogFilter::parse(Some(&json!({"nope": 1}))).is_err());
        assert!(LogFilter::parse(Some(&json!({"opType": "Frobnicate"}))).is_err());
        let custom = LogFilter::parse(Some(&json!({"opType": "Custom:7"}))).unwrap();
        assert!(custom.matches(&entry(OpKind::Custom(7))));
        assert!(LogFilter::parse(None).unwrap().matches(&entry(OpKind::Query)));
        let origin = LogFilter::parse(Some(&json!({"origin": "Records", "dataId": "0xabcd"}))).unwrap();
        assert!(origin.matches(&entry(OpKind::Update)));
        let other = LogFilter::parse(Some(&json!({"origin": "Balances", "dataId": "0xabcd"}))).unwrap();
        assert!(!other.matches(&entry(OpKind::Update)));
    }

    #[test]
    fn entry_shape() {
        let j = entry_json(&entry(OpKind::Custom(7)));
        assert_eq!(j["dataId"], "0xabcd");
        assert_eq!(j["origin"], "Records");
        assert_eq!(j["opType"], "Custom:7");
        assert_eq!(j["extrinsicIndex"], 1);
        assert_eq!(j["timestampMs"], 9);
    }
}
