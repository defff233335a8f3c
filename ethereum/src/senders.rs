//! A memo of recovered senders, by transaction hash, shared by the whole process.
//!
//! One Ethereum transaction has its sender recovered several times in a node: when it enters
//! the pool, when the block builder applies it, when the pool revalidates what is left after
//! a block, when its receipt is indexed, and by the RPC's views of it. Each recovery costs
//! tens of microseconds. The sender is a pure function of the signed bytes, and the
//! transaction hash (keccak-256 of those bytes, canonical by construction) names them, so a
//! recovery done once can answer the others: remembering it changes no result, only the
//! time it takes. Only successful recoveries are remembered.
//!
//! Bounded ([`crate::memo::Memo`]): two generations of at most [`GENERATION`] entries each
//! (about 3.5 MiB at most).

use crate::memo::Memo;
use crate::Address;

/// The most entries of one generation.
pub const GENERATION: usize = 32_768;

static MEMO: Memo<[u8; 32], Address> = Memo::new(GENERATION);

/// The sender remembered for the transaction with this hash, if any (what recovering it
/// gives: see the module docs).
pub fn get(hash: &[u8; 32]) -> Option<Address> {
    MEMO.get(hash)
}

/// Remembers the sender recovered for the transaction with this hash.
pub(crate) fn put(hash: [u8; 32], sender: Address) {
    MEMO.put(hash, sender)
}

/// How many senders are remembered (both generations; for tests).
pub fn len() -> usize {
    MEMO.len()
}

/// Forgets every remembered sender (the weights harness measures recoveries a node does
/// for transactions it never saw).
pub fn clear() {
    MEMO.clear()
}
