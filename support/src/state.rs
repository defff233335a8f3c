//! The state a block executes on: read access to the parent block's key/value state, and
//! the root of that state with a set of changes applied.
//!
//! The runtime only reads through [`StateRead`]; the node implements it over its trie and
//! RocksDB, tests over [`MemoryState`].

use std::collections::BTreeMap;
use std::ops::Bound;

use accord_primitives::trie::{trie_root, StateVersion};
use accord_primitives::H256;

/// A set of storage changes: `Some(value)` sets a key, `None` deletes it.
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The state trie's layout version used by Accord (values of 33 bytes or more hashed).
pub const STATE_VERSION: StateVersion = StateVersion::V1;

/// Read access to a key/value state, and its root after changes.
pub trait StateRead {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The smallest key strictly greater than `key`.
    fn next_key(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The state root of this state with `changes` applied.
    fn root_with(&self, changes: &Changes) -> H256;
}

/// An in-memory state: genesis building, tests, and small tools.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryState {
    /// The key/value pairs.
    pub map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryState {
    /// Applies `changes`.
    pub fn apply(&mut self, changes: Changes) {
        for (k, v) in changes {
            match v {
                Some(v) => {
                    self.map.insert(k, v);
                }
                None => {
                    self.map.remove(&k);
                }
            }
        }
    }

    /// The root of this state.
    pub fn root(&self) -> H256 {
        trie_root(self.map.iter(), STATE_VERSION)
    }
}

impl StateRead for MemoryState {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.map.get(key).cloned()
    }

    fn next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.map.range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded)).next().map(|(k, _)| k.clone())
    }

    fn root_with(&self, changes: &Changes) -> H256 {
        // Full recomputation: fine for tests and genesis; the node keeps an incremental trie.
        let mut merged: BTreeMap<&[u8], &[u8]> = self.map.iter().map(|(k, v)| (k.as_slice(), v.as_slice())).collect();
        for (k, v) in changes {
            match v {
                Some(v) => {
                    merged.insert(k, v);
                }
                None => {
                    merged.remove(k.as_slice());
                }
            }
        }
        trie_root(merged, STATE_VERSION)
    }
}
