//! The node's index of Ethereum transactions, for the Ethereum JSON-RPC: written with each
//! block in the same atomic batch (the `index` column), so a node killed at any instant
//! finds every committed block's receipts and none of an uncommitted one.
//!
//! - `b ++ number (big-endian)` -> the block's receipts (`Vec<EthReceipt>`), only for blocks
//!   with Ethereum transactions: receipts are read from the block's events once, when it is
//!   stored, because a block's state (and so its events) is pruned after the window while
//!   receipts are kept as long as blocks are.
//! - `t ++ transaction hash` -> (block number, position among the block's receipts).
//!
//! Blocks not yet stored (a BFT chain's notarized blocks) are read from their state instead
//! (`service.rs`). Blocks stored by a node before this index existed have no entries.

use codec::{Decode, Encode};

use accord_primitives::Block;
use accord_runtime::evm_glue::{self, EthReceipt};
use accord_support::Changes;

use crate::backend::Backend;
use crate::db::DbError;

const BLOCK: u8 = b'b';
const TRANSACTION: u8 = b't';

fn block_key(number: u32) -> Vec<u8> {
    let mut key = vec![BLOCK];
    key.extend_from_slice(&number.to_be_bytes());
    key
}

fn transaction_key(hash: &[u8; 32]) -> Vec<u8> {
    let mut key = vec![TRANSACTION];
    key.extend_from_slice(hash);
    key
}

/// The receipts of `block`'s Ethereum transactions, from its events in `changes` (what
/// executing it wrote).
pub fn receipts_of(block: &Block, changes: &Changes) -> Vec<EthReceipt> {
    let events = changes.get(&accord_pallet_system::events_key()).and_then(|v| v.as_deref());
    evm_glue::ethereum_receipts(&block.extrinsics, events)
}

/// The `index` column entries of `block`, executed with `changes`: none for a block without
/// Ethereum transactions.
pub fn entries(block: &Block, changes: &Changes) -> Vec<(Vec<u8>, Vec<u8>)> {
    let receipts = receipts_of(block, changes);
    if receipts.is_empty() {
        return Vec::new();
    }
    let number = block.header.number;
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = receipts
        .iter()
        .enumerate()
        .map(|(position, r)| (transaction_key(&r.hash), (number, position as u32).encode()))
        .collect();
    entries.push((block_key(number), receipts.encode()));
    entries
}

fn corrupt(e: codec::Error) -> DbError {
    DbError::Corrupt { column: crate::db::col::INDEX, message: e.to_string() }
}

/// The receipts of stored block `number` (empty if it has no Ethereum transactions).
pub fn receipts(backend: &Backend, number: u32) -> Result<Vec<EthReceipt>, DbError> {
    match backend.index_get(&block_key(number))? {
        Some(bytes) => Vec::<EthReceipt>::decode(&mut &bytes[..]).map_err(corrupt),
        None => Ok(Vec::new()),
    }
}

/// The stored block and position of the Ethereum transaction `hash`, if a stored block
/// includes it.
pub fn position(backend: &Backend, hash: &[u8; 32]) -> Result<Option<(u32, u32)>, DbError> {
    backend
        .index_get(&transaction_key(hash))?
        .map(|bytes| <(u32, u32)>::decode(&mut &bytes[..]).map_err(corrupt))
        .transpose()
}
