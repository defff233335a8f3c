//! In-memory caches of the best state: values by key and trie nodes by path.
//!
//! RocksDB lookups cost microseconds (a memtable skip-list search over long keys with
//! shared prefixes, or a block-cache probe); a block of transfers reads every changed
//! account and every trie node on the changed paths, and the commit reads every changed
//! key's old value again. These caches answer most of those reads from a hash map.
//!
//! Consistency: the cache holds the state of one block, `version`; the backend updates it
//! (new values and trie nodes, new version) right after each commit, under its lock. A
//! reader uses it only if the version is one its view agrees with (see `Backend`), and
//! fills it only under the same condition.
//!
//! Bounds: each map keeps two generations of at most `budget` bytes each. A hit in the
//! old generation moves the entry to the new one; when the new one is full it becomes the
//! old one and the previous old one is dropped: a cheap approximation of LRU whose memory
//! stays under twice the budget (plus hash-map overhead counted in the estimate).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// Estimated per-entry overhead of a cached entry (hash-map slot, allocation headers).
const ENTRY_OVERHEAD: usize = 64;

/// Hash maps with a fast, randomly seeded hasher (keys are storage keys and trie paths).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A bounded map with two generations (see the module docs).
pub struct Generations<K, V> {
    young: Map<K, V>,
    old: Map<K, V>,
    young_bytes: usize,
    budget: usize,
    /// Entries a full generation held last time (the next one is allocated for as many).
    expected: usize,
}

impl<K: Hash + Eq + Clone + std::borrow::Borrow<[u8]>, V: Clone> Generations<K, V> {
    /// An empty map keeping at most about `2 × budget` bytes.
    pub fn new(budget: usize) -> Self {
        Generations { young: Map::default(), old: Map::default(), young_bytes: 0, budget, expected: 0 }
    }

    /// The cached value of `key`, if any (a hit in the old generation is promoted).
    pub fn get(&mut self, key: &[u8], size: impl Fn(&V) -> usize) -> Option<V> {
        if let Some(v) = self.young.get(key) {
            return Some(v.clone());
        }
        let (k, v) = self.old.remove_entry(key)?;
        let out = v.clone();
        self.put(k, v, &size);
        Some(out)
    }

    /// Caches `value` for `key`, replacing what either generation held for it; `size` is a
    /// value's estimated size in bytes (the key's and [`ENTRY_OVERHEAD`] are added).
    pub fn put(&mut self, key: K, value: V, size: impl Fn(&V) -> usize) {
        let key_len = key.borrow().len();
        self.old.remove(key.borrow());
        self.young_bytes += key_len + size(&value) + ENTRY_OVERHEAD;
        if let Some(replaced) = self.young.insert(key, value) {
            // A replaced value may differ in size (a trie leaf that became a branch).
            self.young_bytes = self.young_bytes.saturating_sub(key_len + size(&replaced) + ENTRY_OVERHEAD);
        }
        if self.young_bytes > self.budget {
            // Sized like the last generation: no rehashing while it fills.
            self.expected = self.young.len();
            self.old =
                std::mem::replace(&mut self.young, Map::with_capacity_and_hasher(self.expected, Default::default()));
            self.young_bytes = 0;
        }
    }

    /// Forgets `key` in both generations.
    pub fn remove(&mut self, key: &[u8], size: impl Fn(&V) -> usize) {
        self.old.remove(key);
        if let Some(removed) = self.young.remove(key) {
            self.young_bytes = self.young_bytes.saturating_sub(key.len() + size(&removed) + ENTRY_OVERHEAD);
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.young.clear();
        self.old.clear();
        self.young_bytes = 0;
    }

    /// Entries held (both generations).
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn value_size(v: &Option<Vec<u8>>) -> usize {
    v.as_ref().map_or(0, Vec::len)
}

fn node_size(n: &EncodedNode) -> usize {
    // The encoding, plus its shared allocation's header and the allocator's rounding up to
    // a size class (most nodes are small leaves, where these weigh).
    n.len() + NODE_ALLOCATION_OVERHEAD
}

fn maybe_node_size(n: &Option<EncodedNode>) -> usize {
    n.as_ref().map_or(0, node_size)
}

/// Estimated allocation overhead of a cached node's encoding (`Arc` counts, size-class
/// rounding).
const NODE_ALLOCATION_OVERHEAD: usize = 48;

/// A trie node as the cache keeps it: its SCALE encoding, decoded on each hit. A decoded
/// `StoredNode` holds its 16 child slots inline (about 700 bytes, leaf or branch); a leaf
/// encodes in about 60-100 bytes, so the same budget keeps several times more nodes, and
/// decoding costs about what cloning a decoded node did.
pub type EncodedNode = Arc<[u8]>;

/// Memory budgets of the state cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheBudget {
    /// Bytes per generation for values.
    pub values: usize,
    /// Bytes per generation for branch nodes (nodes with children).
    pub branches: usize,
    /// Bytes per generation for leaves and known-absent paths.
    pub leaves: usize,
}

impl Default for CacheBudget {
    fn default() -> Self {
        CacheBudget { values: 24 << 20, branches: 32 << 20, leaves: 16 << 20 }
    }
}

/// The values and trie nodes of the state at block `version`.
///
/// Branches and leaves are kept apart. Every changed key needs the branches on its path,
/// while a changed leaf is rebuilt from its known value (`NodeStore::known_value`) and read
/// only when a new key lands next to it. A large state's leaves, written and read at
/// random, would otherwise rotate the branches out: at 1,000,000 accounts each block
/// touches ~2,000 of the 65,536 fourth-level branches, so each is needed again only
/// every ~30 blocks.
pub struct StateCache {
    /// The block whose state this is.
    pub version: u32,
    values: Generations<Vec<u8>, Option<Vec<u8>>>,
    branches: Generations<Vec<u8>, EncodedNode>,
    leaves: Generations<Vec<u8>, Option<EncodedNode>>,
}

impl StateCache {
    /// An empty cache of the state at block `version`.
    pub fn new(version: u32, budget: CacheBudget) -> Self {
        StateCache {
            version,
            values: Generations::new(budget.values),
            branches: Generations::new(budget.branches),
            leaves: Generations::new(budget.leaves),
        }
    }

    /// The value at `key` (`Some(None)`: known absent), if cached.
    pub fn value(&mut self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.values.get(key, value_size)
    }

    /// Caches the value at `key` (`None`: absent).
    pub fn put_value(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.values.put(key, value, value_size);
    }

    /// The encoding of the trie node at `path` (`Some(None)`: known absent), if cached. The
    /// caller decodes it (after releasing the cache's lock).
    pub fn node(&mut self, path: &[u8]) -> Option<Option<EncodedNode>> {
        if let Some(branch) = self.branches.get(path, node_size) {
            return Some(Some(branch));
        }
        self.leaves.get(path, maybe_node_size)
    }

    /// Caches the trie node at `path`, given as its encoding (`None`: absent); `branch`
    /// says whether it has children (see [`StateCache`]).
    pub fn put_node(&mut self, path: Vec<u8>, node: Option<EncodedNode>, branch: bool) {
        match node {
            Some(encoded) if branch => {
                self.leaves.remove(&path, maybe_node_size);
                self.branches.put(path, encoded, node_size);
            }
            node => {
                self.branches.remove(&path, node_size);
                self.leaves.put(path, node, maybe_node_size);
            }
        }
    }

    /// Entries held: (values, branches, leaves and absent paths).
    pub fn len(&self) -> (usize, usize, usize) {
        (self.values.len(), self.branches.len(), self.leaves.len())
    }

    /// Forgets everything and moves to `version`.
    pub fn reset(&mut self, version: u32) {
        self.values.clear();
        self.branches.clear();
        self.leaves.clear();
        self.version = version;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_stay_bounded_and_promote_hits() {
        let mut g: Generations<Vec<u8>, Option<Vec<u8>>> = Generations::new(1000);
        for i in 0u32..1000 {
            // 100 bytes each: a 4-byte key, 32 bytes of value, the entry overhead.
            g.put(i.to_le_bytes().to_vec(), Some(vec![0; 10]), |_| 32);
        }
        // A generation rotates once it exceeds the budget: 11 entries each at most.
        assert!(g.len() <= 22, "held {}", g.len());
        // The most recent entries are there; the first ones are gone.
        assert!(g.get(&999u32.to_le_bytes(), value_size).is_some());
        assert!(g.get(&0u32.to_le_bytes(), value_size).is_none());
        // A hit in the old generation survives the next rotation.
        let old_key = 985u32.to_le_bytes();
        assert!(g.old.contains_key(&old_key[..]) || g.young.contains_key(&old_key[..]));
        assert!(g.get(&old_key, value_size).is_some());
        for i in 2000u32..2005 {
            g.put(i.to_le_bytes().to_vec(), None, |_| 32);
        }
        assert!(g.get(&old_key, value_size).is_some(), "promoted entries outlive a rotation");
    }

    #[test]
    fn nodes_are_kept_encoded_and_come_back_decoded() {
        use accord_primitives::trie::{ChildRef, NodeValue};
        use accord_trie::StoredNode;
        use codec::{Decode, Encode};
        let mut c = StateCache::new(1, CacheBudget::default());
        let mut branch = StoredNode::leaf(vec![1, 2], NodeValue::Hashed([8; 32]));
        branch.children[3] = Some(ChildRef::Hash([9; 32]));
        branch.children[15] = Some(ChildRef::Inline(vec![1, 2, 3]));
        assert_eq!(c.node(b"p"), None);
        c.put_node(b"p".to_vec(), Some(branch.encode().into()), true);
        c.put_node(b"q".to_vec(), None, false);
        let cached = c.node(b"p").expect("cached").expect("present");
        assert_eq!(StoredNode::decode(&mut &cached[..]), Ok(branch));
        assert_eq!(c.node(b"q"), Some(None), "absence is cached");
    }

    #[test]
    fn a_path_is_held_once_as_branch_or_leaf_and_leaves_do_not_evict_branches() {
        let mut c = StateCache::new(1, CacheBudget { values: 1000, branches: 10_000, leaves: 1000 });
        let node = |b: u8| -> EncodedNode { vec![b; 40].into() };
        // A leaf that becomes a branch, and back: one copy, the latest.
        c.put_node(b"p".to_vec(), Some(node(1)), false);
        c.put_node(b"p".to_vec(), Some(node(2)), true);
        assert_eq!(c.len(), (0, 1, 0));
        assert_eq!(c.node(b"p"), Some(Some(node(2))));
        c.put_node(b"p".to_vec(), None, false);
        assert_eq!(c.len(), (0, 0, 1));
        assert_eq!(c.node(b"p"), Some(None));
        // Many leaves rotate the leaves' generations; the branch stays.
        c.put_node(b"b".to_vec(), Some(node(3)), true);
        for i in 0u32..1000 {
            c.put_node(i.to_le_bytes().to_vec(), Some(node(4)), false);
        }
        assert!(c.leaves.len() < 30, "leaves stay within their budget");
        assert_eq!(c.node(b"b"), Some(Some(node(3))));
    }

    #[test]
    fn replacing_an_entry_counts_its_new_size_and_drops_the_old_generation_copy() {
        let mut g: Generations<Vec<u8>, Option<Vec<u8>>> = Generations::new(10_000);
        g.put(b"k".to_vec(), Some(vec![0; 10]), value_size);
        assert_eq!(g.young_bytes, 1 + 10 + ENTRY_OVERHEAD);
        g.put(b"k".to_vec(), Some(vec![0; 500]), value_size);
        assert_eq!(g.young_bytes, 1 + 500 + ENTRY_OVERHEAD, "the growth is counted, the old size no longer");
        // Rotate "k" into the old generation, then write it again: one copy remains.
        g.old = std::mem::take(&mut g.young);
        g.young_bytes = 0;
        g.put(b"k".to_vec(), Some(vec![1]), value_size);
        assert!(!g.old.contains_key(&b"k"[..]));
        assert_eq!(g.len(), 1);
        assert_eq!(g.get(b"k", value_size), Some(Some(vec![1])));
    }

    #[test]
    fn state_cache_caches_absence() {
        let mut c = StateCache::new(7, CacheBudget::default());
        assert_eq!(c.value(b"k"), None);
        c.put_value(b"k".to_vec(), None);
        assert_eq!(c.value(b"k"), Some(None));
        c.put_value(b"k".to_vec(), Some(b"v".to_vec()));
        assert_eq!(c.value(b"k"), Some(Some(b"v".to_vec())));
        c.reset(8);
        assert_eq!(c.value(b"k"), None);
        assert_eq!(c.version, 8);
    }
}
