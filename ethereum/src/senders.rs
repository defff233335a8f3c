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
//! Bounded: two generations of at most [`GENERATION`] entries each; when the young one is
//! full it becomes the old one and the old one is dropped (about 3.5 MiB at most).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::Address;

/// The most entries of one generation.
pub const GENERATION: usize = 32_768;

struct Generations {
    young: HashMap<[u8; 32], Address>,
    old: HashMap<[u8; 32], Address>,
}

static MEMO: Mutex<Option<Generations>> = Mutex::new(None);

/// The sender remembered for the transaction with this hash, if any.
pub(crate) fn get(hash: &[u8; 32]) -> Option<Address> {
    let memo = MEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let generations = memo.as_ref()?;
    generations.young.get(hash).or_else(|| generations.old.get(hash)).copied()
}

/// Remembers the sender recovered for the transaction with this hash.
pub(crate) fn put(hash: [u8; 32], sender: Address) {
    let mut memo = MEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let generations = memo.get_or_insert_with(|| Generations { young: HashMap::new(), old: HashMap::new() });
    if generations.young.len() >= GENERATION {
        generations.old = std::mem::take(&mut generations.young);
    }
    generations.young.insert(hash, sender);
}

/// How many senders are remembered (both generations; for tests).
pub fn len() -> usize {
    let memo = MEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    memo.as_ref().map_or(0, |g| g.young.len() + g.old.len())
}

/// Forgets every remembered sender (the weights harness measures recoveries a node does
/// for transactions it never saw).
pub fn clear() {
    *MEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
}
