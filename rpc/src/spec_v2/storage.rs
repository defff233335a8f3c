//! Storage queries of `chainHead_v1_storage` and `archive_v1_storage`: the items a client
//! asks for, and a [`StorageRun`] that answers them in bounded pages.
//!
//! An item is `{key, type}` (archive: also `paginationStartKey`) with `type` one of
//! `value`, `hash` (blake2-256 of the value), `closestDescendantMerkleValue` (from
//! [`NodeApi::closest_descendant_merkle_value`]), `descendantsValues`, `descendantsHashes`
//! (every key starting with `key`, the key itself included, in key order). A key without a
//! value yields no result item. Child tries are not supported (this chain has none).

use std::sync::Arc;

use jsonrpsee::types::ErrorObjectOwned;
use serde_json::{json, Value};

use accord_primitives::hashing::blake2_256;
use accord_primitives::H256;

use super::chain_head::{state_failure, Operation, Resume};
use super::{CONTINUE_TIMEOUT, STORAGE_ITEMS_PER_CALL_MAX, STORAGE_PAGE_BYTES_MAX, STORAGE_PAGE_ITEMS_MAX};
use crate::api::{NodeApi, StateError};
use crate::errors::invalid_params;
use crate::json::{hex0x, parse_hex, Args};
use crate::methods::KEYS_PER_CALL_MAX;

/// What an item asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum QueryType {
    /// The value at the key.
    Value,
    /// The hash of the value at the key.
    Hash,
    /// The Merkle value of the closest trie node at or below the key.
    ClosestDescendantMerkleValue,
    /// The values of every key under the key.
    DescendantsValues,
    /// The hashes of the values of every key under the key.
    DescendantsHashes,
}

/// One requested item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Query {
    key: Vec<u8>,
    kind: QueryType,
    /// Descendants only: resume strictly after this key (`archive_v1_storage`).
    start: Option<Vec<u8>>,
}

/// Parses the `items` parameter; `with_start` accepts `paginationStartKey`.
pub(super) fn parse_items(items: Option<&Value>, with_start: bool) -> Result<Vec<Query>, ErrorObjectOwned> {
    let Some(Value::Array(list)) = items else { return Err(invalid_params("parameter `items` must be an array")) };
    if list.len() > STORAGE_ITEMS_PER_CALL_MAX {
        return Err(invalid_params(format!("at most {STORAGE_ITEMS_PER_CALL_MAX} items per call")));
    }
    list.iter().map(|item| parse_item(item, with_start)).collect()
}

fn parse_item(item: &Value, with_start: bool) -> Result<Query, ErrorObjectOwned> {
    let field = |name: &str| item.get(name).and_then(Value::as_str);
    let key = parse_hex(field("key").ok_or_else(|| invalid_params("an item needs a hex `key`"))?)?;
    let kind = match field("type") {
        Some("value") => QueryType::Value,
        Some("hash") => QueryType::Hash,
        Some("closestDescendantMerkleValue") => QueryType::ClosestDescendantMerkleValue,
        Some("descendantsValues") => QueryType::DescendantsValues,
        Some("descendantsHashes") => QueryType::DescendantsHashes,
        other => return Err(invalid_params(format!("unknown item type {other:?}"))),
    };
    let start = match item.get("paginationStartKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if with_start => Some(parse_hex(s)?),
        Some(_) => return Err(invalid_params("`paginationStartKey` is a hex key of an archive descendants item")),
    };
    if start.is_some() && !matches!(kind, QueryType::DescendantsValues | QueryType::DescendantsHashes) {
        return Err(invalid_params("`paginationStartKey` applies to descendants items only"));
    }
    Ok(Query { key, kind, start })
}

/// Refuses a child trie in parameter `i` (only `null` or absent is accepted).
pub(super) fn no_child_trie(a: &Args, i: usize) -> Result<(), ErrorObjectOwned> {
    match a.get(i) {
        None => Ok(()),
        Some(_) => Err(invalid_params("child tries are not supported: pass null as childTrie")),
    }
}

/// A page of result items; `done` once every query is answered.
#[derive(Debug, Default)]
pub(super) struct Page {
    /// `{key, value | hash | closestDescendantMerkleValue}` objects.
    pub(super) items: Vec<Value>,
    /// No more pages.
    pub(super) done: bool,
}

/// Answers queries at one block, page by page.
pub(super) struct StorageRun {
    queries: Vec<Query>,
    /// The query being answered.
    index: usize,
    /// Within a descendants query: the last key answered.
    cursor: Option<Vec<u8>>,
}

impl StorageRun {
    /// A run of `queries`.
    pub(super) fn new(queries: Vec<Query>) -> StorageRun {
        StorageRun { queries, index: 0, cursor: None }
    }

    /// The next page: every single-key answer up to the next descendants query, then
    /// descendants until `items_max` items or `bytes_max` bytes of keys and values.
    pub(super) fn next_page(
        &mut self,
        api: &dyn NodeApi,
        at: H256,
        items_max: usize,
        bytes_max: usize,
    ) -> Result<Page, StateError> {
        let mut page = Page::default();
        let mut bytes = 0usize;
        while let Some(query) = self.queries.get(self.index) {
            let single = match query.kind {
                QueryType::Value | QueryType::Hash | QueryType::ClosestDescendantMerkleValue => true,
                QueryType::DescendantsValues | QueryType::DescendantsHashes => false,
            };
            if single {
                page.items.extend(single_item(api, at, query)?);
                self.index += 1;
                continue;
            }
            let room = items_max.saturating_sub(page.items.len());
            if room == 0 || bytes >= bytes_max {
                return Ok(page);
            }
            let count = room.min(KEYS_PER_CALL_MAX as usize);
            let start = self.cursor.as_deref().or(query.start.as_deref());
            let keys = api.storage_keys_paged(at, &query.key, count as u32, start)?;
            let exhausted = keys.len() < count;
            for key in keys {
                if let Some(value) = api.storage(at, &key)? {
                    bytes = bytes.saturating_add(key.len() + value.len());
                    page.items.push(item(&key, query.kind, &value));
                }
                self.cursor = Some(key);
            }
            if exhausted {
                self.index += 1;
                self.cursor = None;
            }
        }
        page.done = true;
        Ok(page)
    }
}

/// The answer to a single-key query, if the key (or, for a Merkle value, a node below it)
/// exists.
fn single_item(api: &dyn NodeApi, at: H256, query: &Query) -> Result<Option<Value>, StateError> {
    if query.kind == QueryType::ClosestDescendantMerkleValue {
        let merkle = api.closest_descendant_merkle_value(at, &query.key)?;
        return Ok(merkle.map(|m| json!({ "key": hex0x(&query.key), "closestDescendantMerkleValue": hex0x(&m) })));
    }
    Ok(api.storage(at, &query.key)?.map(|value| item(&query.key, query.kind, &value)))
}

/// A result item with the value or its hash, as the query type asks.
fn item(key: &[u8], kind: QueryType, value: &[u8]) -> Value {
    match kind {
        QueryType::Hash | QueryType::DescendantsHashes => {
            json!({ "key": hex0x(key), "hash": hex0x(&blake2_256(value)) })
        }
        _ => json!({ "key": hex0x(key), "value": hex0x(value) }),
    }
}

/// Runs a `chainHead_v1_storage` operation: pages of `operationStorageItems`, each full
/// page followed by `operationWaitingForContinue`, then `operationStorageDone`.
pub(super) async fn run_paged(api: Arc<dyn NodeApi>, op: Operation, at: H256, queries: Vec<Query>) {
    let mut run = StorageRun::new(queries);
    loop {
        let page = match run.next_page(&*api, at, STORAGE_PAGE_ITEMS_MAX, STORAGE_PAGE_BYTES_MAX) {
            Ok(page) => page,
            Err(e) => {
                op.emit(state_failure(&op.id, e)).await;
                return;
            }
        };
        if !page.items.is_empty() {
            let event = json!({ "event": "operationStorageItems", "operationId": op.id, "items": page.items });
            if !op.emit(event).await {
                return;
            }
        }
        if page.done {
            op.emit(json!({ "event": "operationStorageDone", "operationId": op.id })).await;
            return;
        }
        if page.items.is_empty() {
            // Only keys without values so far: nothing to wait on.
            continue;
        }
        match op.wait_for_continue(CONTINUE_TIMEOUT).await {
            Resume::Continue => {}
            Resume::Stopped => return,
            Resume::TimedOut => {
                op.emit(super::chain_head::inaccessible(&op.id)).await;
                return;
            }
        }
    }
}
