//! # accord-trie
//!
//! The latest state trie, stored node by node under the nibble path where each node begins,
//! and updated incrementally with each block's changes. Only the latest version is kept:
//! reads of older states go through the node's flat state and history, and old roots live
//! in the headers. Keying nodes by path (not by hash) means no reference counting and no
//! garbage: an update overwrites or deletes exactly the nodes it changes.
//!
//! ```text
//! path []            root node (partial key P0)
//! path P0 ++ [n]     child n of the root (partial key P1)
//! ...
//! ```
//! Every node is stored with its partial key, its value as the node holds it (inline, or its
//! hash in state version 1) and its children's references (inline encoding or hash), so a
//! parent's encoding never needs its children loaded. Encodings and roots are Substrate's
//! (see `accord_primitives::trie`); tests check every root against the closed-form root.

use std::collections::BTreeMap;
use std::sync::Arc;

mod proof;
pub use proof::{closest_descendant_merkle_value, read_proof};

use codec::{Decode, Encode};

use accord_primitives::hashing::blake2_256;
use accord_primitives::trie::{
    common_prefix, empty_trie_root, encode_node, nibbles, ChildRef, NodeValue, StateVersion,
};
use accord_primitives::H256;

/// A trie node as stored.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StoredNode {
    /// The partial key, in nibbles.
    pub partial: Vec<u8>,
    /// The value at this node's full path, if any (always for a leaf).
    pub value: Option<NodeValue>,
    /// References to the children, by nibble.
    pub children: [Option<ChildRef>; 16],
}

impl StoredNode {
    /// A leaf.
    pub fn leaf(partial: Vec<u8>, value: NodeValue) -> StoredNode {
        StoredNode { partial, value: Some(value), children: Default::default() }
    }

    /// The node's Substrate encoding.
    pub fn encode_node(&self) -> Vec<u8> {
        encode_node(&self.partial, self.value.as_ref(), &self.children)
    }

    fn child_count(&self) -> usize {
        self.children.iter().filter(|c| c.is_some()).count()
    }
}

/// Read access to stored nodes.
pub trait NodeStore {
    /// The node stored at nibble path `path`.
    fn node(&self, path: &[u8]) -> Option<StoredNode>;

    /// The node at `path` if the store has it in memory (`Some(None)`: known to be absent);
    /// `None` when finding out would take a read. The default knows nothing. An update asks
    /// this first, then tries to infer a leaf (see [`NodeStore::known_value`]), and only
    /// then calls [`NodeStore::node`].
    fn cached(&self, _path: &[u8]) -> Option<Option<StoredNode>> {
        None
    }

    /// The value of `key` (storage key bytes, not nibbles) in the state this trie holds, if
    /// the store knows it without a read (`None`: unknown or absent). The default knows
    /// nothing.
    ///
    /// This is a hint that saves reading leaves: when one change falls under a child, the
    /// leaf that would hold `key`'s known value is encoded and compared with the reference
    /// the parent holds (the child's hash, or its encoding when short). Only an exact match
    /// is used, so a stale or wrong hint costs the read it would have saved, never a wrong
    /// root.
    fn known_value(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// Nodes in memory (tests, and building a state from scratch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryNodeStore {
    /// Nodes by path.
    pub nodes: BTreeMap<Vec<u8>, StoredNode>,
}

impl NodeStore for MemoryNodeStore {
    fn node(&self, path: &[u8]) -> Option<StoredNode> {
        self.nodes.get(path).cloned()
    }
}

impl MemoryNodeStore {
    /// Applies an update's writes.
    pub fn apply(&mut self, writes: BTreeMap<Vec<u8>, Option<Arc<StoredNode>>>) {
        for (path, node) in writes {
            match node {
                Some(n) => {
                    self.nodes.insert(path, Arc::unwrap_or_clone(n));
                }
                None => {
                    self.nodes.remove(&path);
                }
            }
        }
    }
}

/// The root of the trie whose root node is `root` (none: empty trie).
pub fn root_of(root: Option<&StoredNode>) -> H256 {
    match root {
        Some(node) => H256(blake2_256(&node.encode_node())),
        None => empty_trie_root(),
    }
}

/// The outcome of applying changes: the new root and the node writes (`None` deletes). The
/// nodes are shared (`Arc`) so that a node's caches can keep them without copying.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrieUpdate {
    /// The new state root.
    pub root: H256,
    /// Nodes to write (`Some`) or delete (`None`), by path.
    pub writes: BTreeMap<Vec<u8>, Option<Arc<StoredNode>>>,
}

/// Applies `changes` (`Some` sets, `None` deletes; keys in any order, last one wins) to the
/// trie in `store`, returning the new root and the node writes. Reads nodes on the changed
/// paths only. Large updates use every core (see [`update_with_threads`]).
pub fn update<'k>(
    store: &(dyn NodeStore + Sync),
    changes: impl IntoIterator<Item = (&'k [u8], Option<&'k [u8]>)>,
    version: StateVersion,
) -> TrieUpdate {
    // Found once: `available_parallelism` opens cgroup files on each call (~76 µs).
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads = *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    update_with_threads(store, changes, version, threads)
}

/// Changes under one node from which its children's subtrees are updated on two threads.
/// Below it a thread costs more than the work it takes over (a thread starts in ~20 µs; a
/// changed key costs 5-20 µs of reads, encoding and hashing).
pub const PARALLEL_MIN_CHANGES: usize = 256;

/// [`update`] on at most `threads` threads. Where at least [`PARALLEL_MIN_CHANGES`] changes
/// fall under a node and its children can be split in two sets neither of which takes
/// more than 4/7 of them, the two sets are updated on two threads that share the threads
/// left. Otherwise the children are updated in turn, each free to split further down.
/// Subtrees share no node, so the outcome is the same on any number of threads.
pub fn update_with_threads<'k>(
    store: &(dyn NodeStore + Sync),
    changes: impl IntoIterator<Item = (&'k [u8], Option<&'k [u8]>)>,
    version: StateVersion,
    threads: usize,
) -> TrieUpdate {
    // By nibble path; the last change of a key wins.
    let sorted: BTreeMap<_, _> = changes.into_iter().map(|(k, v)| (nibbles(k), (v, k))).collect();
    let changes: Vec<Change<'_>> = sorted.into_iter().map(|(path, (value, key))| (path, value, key)).collect();
    let mut updater = Updater { store, writes: BTreeMap::new(), version, threads: threads.max(1) };
    let root_node = updater.get(&[]);
    let new_root = updater.update(&[], root_node, &changes);
    let root = root_of(new_root.as_ref());
    updater.put(Vec::new(), new_root);
    TrieUpdate { root, writes: updater.writes }
}

struct Updater<'a> {
    store: &'a (dyn NodeStore + Sync),
    writes: BTreeMap<Vec<u8>, Option<Arc<StoredNode>>>,
    version: StateVersion,
    /// Threads this updater may use (1: it works alone).
    threads: usize,
}

/// The changes under one child of a node: its nibble and their range.
type Group = (u8, std::ops::Range<usize>);

/// A change: the key in nibbles, the new value (`None` deletes), and the key itself.
type Change<'v> = (Vec<u8>, Option<&'v [u8]>, &'v [u8]);

impl Updater<'_> {
    /// The node this update wrote at `path` (`Some(None)`: deleted), if any.
    fn written(&self, path: &[u8]) -> Option<Option<StoredNode>> {
        self.writes.get(path).map(|written| written.as_deref().cloned())
    }

    fn get(&self, path: &[u8]) -> Option<StoredNode> {
        self.written(path).unwrap_or_else(|| self.store.node(path))
    }

    /// The node at `path`, which `parent_ref` references and under which `change` is the
    /// only change: from this update's writes or the store's memory if there, else the leaf
    /// holding the changed key's known value if it is the referenced node, else read.
    fn get_or_infer(&self, path: &[u8], change: &Change<'_>, parent_ref: &ChildRef) -> Option<StoredNode> {
        let (nibbles, _, key) = change;
        if let Some(written) = self.written(path) {
            return written;
        }
        if let Some(cached) = self.store.cached(path) {
            return cached;
        }
        if let Some(value) = self.store.known_value(key) {
            let leaf = StoredNode::leaf(nibbles[path.len()..].to_vec(), NodeValue::new(&value, self.version));
            if ChildRef::of(&leaf.encode_node()) == *parent_ref {
                return Some(leaf);
            }
        }
        self.store.node(path)
    }

    fn put(&mut self, path: Vec<u8>, node: Option<StoredNode>) {
        self.writes.insert(path, node.map(Arc::new));
    }

    /// The node at `path` after `changes` (sorted; every key starts with `path`).
    fn update(&mut self, path: &[u8], node: Option<StoredNode>, changes: &[Change<'_>]) -> Option<StoredNode> {
        if changes.is_empty() {
            return node;
        }
        let node = match node {
            Some(n) => n,
            None => self.fresh(path, changes)?,
        };
        let node = self.split_if_diverging(path, node, changes);
        let mut full = path.to_vec();
        full.extend_from_slice(&node.partial);
        let mut node = node;
        let mut i = 0;
        if changes[0].0.len() == full.len() {
            node.value = changes[0].1.map(|v| NodeValue::new(v, self.version));
            i = 1;
        }
        let mut groups: Vec<Group> = Vec::new();
        while i < changes.len() {
            let nibble = changes[i].0[full.len()];
            let mut j = i + 1;
            while j < changes.len() && changes[j].0[full.len()] == nibble {
                j += 1;
            }
            groups.push((nibble, i..j));
            i = j;
        }
        let refs = match self.parallel_split(&groups) {
            Some(at) => {
                let (mine, theirs) = groups.split_at(at);
                let their_threads = self.threads / 2;
                self.threads -= their_threads;
                // The helper sees what this update already wrote under its children (a node
                // `split_if_diverging` moved down); its own writes replace those on merging.
                let mut inherited = BTreeMap::new();
                for (nibble, _) in theirs {
                    let mut prefix = full.clone();
                    prefix.push(*nibble);
                    for (k, v) in self.writes.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)) {
                        inherited.insert(k.clone(), v.clone());
                    }
                }
                let (store, version, parent, full) = (self.store, self.version, &node, &full);
                let (mut refs, (their_refs, mut their_writes)) = std::thread::scope(|scope| {
                    let helper = scope.spawn(move || {
                        let mut other = Updater { store, writes: inherited, version, threads: their_threads };
                        let refs = other.update_children(parent, full, changes, theirs);
                        (refs, other.writes)
                    });
                    let refs = self.update_children(parent, full, changes, mine);
                    (refs, helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                });
                self.threads += their_threads;
                self.writes.append(&mut their_writes);
                refs.extend(their_refs);
                refs
            }
            None => self.update_children(&node, &full, changes, &groups),
        };
        for (nibble, child_ref) in refs {
            node.children[nibble as usize] = child_ref;
        }
        self.normalize(path, node)
    }

    /// Where to split `groups` (the children receiving changes) between this thread and a
    /// helper, if worth it (see [`update_with_threads`]).
    fn parallel_split(&self, groups: &[Group]) -> Option<usize> {
        let count: usize = groups.iter().map(|(_, range)| range.len()).sum();
        if self.threads < 2 || count < PARALLEL_MIN_CHANGES || groups.len() < 2 {
            return None;
        }
        // The split whose larger side takes the fewest changes.
        let mut taken = 0;
        let (mut best, mut best_side) = (0, usize::MAX);
        for (at, (_, range)) in groups.iter().enumerate().take(groups.len() - 1) {
            taken += range.len();
            let side = taken.max(count - taken);
            if side < best_side {
                (best, best_side) = (at + 1, side);
            }
        }
        (best_side * 7 <= count * 4).then_some(best)
    }

    /// Updates the children of `parent` (at full path `full`) named in `groups`; returns
    /// their new references and records their writes.
    fn update_children(
        &mut self,
        parent: &StoredNode,
        full: &[u8],
        changes: &[Change<'_>],
        groups: &[Group],
    ) -> Vec<(u8, Option<ChildRef>)> {
        let mut refs = Vec::with_capacity(groups.len());
        for (nibble, range) in groups {
            let mut child_path = full.to_vec();
            child_path.push(*nibble);
            let child = match &parent.children[*nibble as usize] {
                None => None,
                Some(child_ref) if range.len() == 1 => self.get_or_infer(&child_path, &changes[range.start], child_ref),
                Some(_) => self.get(&child_path),
            };
            let new_child = self.update(&child_path, child, &changes[range.clone()]);
            refs.push((*nibble, new_child.as_ref().map(|c| ChildRef::of(&c.encode_node()))));
            self.put(child_path, new_child);
        }
        refs
    }

    /// The node that starts an empty subtree receiving `changes`: a leaf for one insertion,
    /// else an empty branch over the insertions' common prefix.
    fn fresh(&self, path: &[u8], changes: &[Change<'_>]) -> Option<StoredNode> {
        let mut inserts = changes.iter().filter(|(_, v, _)| v.is_some());
        let first = inserts.next()?;
        let Some(last) = inserts.next_back() else {
            let value = NodeValue::new(first.1.expect("filtered on Some; qed"), self.version);
            return Some(StoredNode::leaf(first.0[path.len()..].to_vec(), value));
        };
        let shared = common_prefix(&first.0, &last.0, path.len());
        Some(StoredNode { partial: first.0[path.len()..shared].to_vec(), value: None, children: Default::default() })
    }

    /// If a change leaves `node`'s partial key early, moves `node` one level down under a new
    /// branch ending where the first change leaves. The moved node's full path, and so its
    /// descendants' paths, stay the same.
    fn split_if_diverging(&mut self, path: &[u8], node: StoredNode, changes: &[Change<'_>]) -> StoredNode {
        let mut full = path.to_vec();
        full.extend_from_slice(&node.partial);
        let d = changes.iter().map(|(key, _, _)| common_prefix(key, &full, path.len()) - path.len()).min().unwrap_or(0);
        if d >= node.partial.len() {
            return node;
        }
        let nibble = node.partial[d];
        let moved = StoredNode { partial: node.partial[d + 1..].to_vec(), value: node.value, children: node.children };
        let mut children: [Option<ChildRef>; 16] = Default::default();
        children[nibble as usize] = Some(ChildRef::of(&moved.encode_node()));
        self.put(full[..path.len() + d + 1].to_vec(), Some(moved));
        StoredNode { partial: node.partial[..d].to_vec(), value: None, children }
    }

    /// Restores the trie's canonical shape at `path`: no empty nodes, no value-less branch
    /// with a single child (merged with that child).
    fn normalize(&mut self, path: &[u8], node: StoredNode) -> Option<StoredNode> {
        match node.child_count() {
            0 => node.value.map(|v| StoredNode::leaf(node.partial, v)),
            1 if node.value.is_none() => {
                let nibble = node.children.iter().position(Option::is_some).expect("one child; qed");
                let mut child_path = path.to_vec();
                child_path.extend_from_slice(&node.partial);
                child_path.push(nibble as u8);
                let child = self.get(&child_path).expect("a referenced child is stored at its path");
                self.put(child_path, None);
                let mut partial = node.partial;
                partial.push(nibble as u8);
                partial.extend_from_slice(&child.partial);
                Some(StoredNode { partial, value: child.value, children: child.children })
            }
            _ => Some(node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_primitives::trie::trie_root;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn apply_batch(
        store: &mut MemoryNodeStore,
        model: &mut BTreeMap<Vec<u8>, Vec<u8>>,
        batch: &[(Vec<u8>, Option<Vec<u8>>)],
    ) -> H256 {
        // Hints: the model's values, every third one stale.
        let hints = model
            .iter()
            .enumerate()
            .map(|(i, (k, v))| (k.clone(), if i % 3 == 0 { vec![0x5a; v.len()] } else { v.clone() }))
            .collect();
        let hinted = Hinted { inner: store, hints, reads: Default::default() };
        let update = update(&hinted, batch.iter().map(|(k, v)| (k.as_slice(), v.as_deref())), StateVersion::V1);
        store.apply(update.writes);
        apply_to_model(model, batch);
        update.root
    }

    /// Applies `batch` to the key-value model.
    fn apply_to_model(model: &mut BTreeMap<Vec<u8>, Vec<u8>>, batch: &[(Vec<u8>, Option<Vec<u8>>)]) {
        for (k, v) in batch {
            match v {
                Some(v) => model.insert(k.clone(), v.clone()),
                None => model.remove(k),
            };
        }
    }

    /// The nodes a from-scratch build of `model` stores: the canonical shape.
    fn fresh_store(model: &BTreeMap<Vec<u8>, Vec<u8>>) -> MemoryNodeStore {
        let mut store = MemoryNodeStore::default();
        let u = update(&store, model.iter().map(|(k, v)| (k.as_slice(), Some(v.as_slice()))), StateVersion::V1);
        store.apply(u.writes);
        store
    }

    #[test]
    fn small_cases() {
        let mut store = MemoryNodeStore::default();
        let mut model = BTreeMap::new();
        let root = apply_batch(&mut store, &mut model, &[(vec![0xaa], Some(vec![0xbb]))]);
        assert_eq!(root, trie_root(&model, StateVersion::V1));
        let root =
            apply_batch(&mut store, &mut model, &[(vec![0xaa, 0x01], Some(vec![1; 40])), (vec![0xab], Some(vec![2]))]);
        assert_eq!(root, trie_root(&model, StateVersion::V1));
        let root = apply_batch(&mut store, &mut model, &[(vec![0xaa], None), (vec![0xab], None)]);
        assert_eq!(root, trie_root(&model, StateVersion::V1));
        let root = apply_batch(&mut store, &mut model, &[(vec![0xaa, 0x01], None)]);
        assert_eq!(root, empty_trie_root());
        assert!(store.nodes.is_empty(), "an emptied trie stores nothing");
    }

    #[test]
    fn deleting_absent_keys_changes_nothing() {
        let mut store = MemoryNodeStore::default();
        let mut model = BTreeMap::new();
        apply_batch(&mut store, &mut model, &[(vec![1, 2, 3], Some(vec![1])), (vec![1, 2, 4], Some(vec![2]))]);
        let before = store.clone();
        let root =
            apply_batch(&mut store, &mut model, &[(vec![1, 9], None), (vec![1, 2, 3, 4], None), (vec![7], None)]);
        assert_eq!(root, trie_root(&model, StateVersion::V1));
        assert_eq!(store, before);
    }

    #[test]
    fn random_batches_match_the_closed_form_root_and_shape() {
        let seed: u64 = std::env::var("ACCORD_TRIE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed);
        println!("trie seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut store = MemoryNodeStore::default();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for round in 0..300 {
            let mut batch = Vec::new();
            for _ in 0..rng.gen_range(1..20) {
                // Short keys over a small alphabet: many shared prefixes, prefix keys, splits
                // and merges.
                let len = rng.gen_range(0..5);
                let key: Vec<u8> = (0..len).map(|_| [0x00, 0x01, 0x10, 0x11, 0xff][rng.gen_range(0..5)]).collect();
                let existing: Vec<_> = model.keys().cloned().collect();
                let key = if !existing.is_empty() && rng.gen_bool(0.3) {
                    existing[rng.gen_range(0..existing.len())].clone()
                } else {
                    key
                };
                let value = if rng.gen_bool(0.35) { None } else { Some(vec![round as u8; rng.gen_range(0..50)]) };
                batch.push((key, value));
            }
            let root = apply_batch(&mut store, &mut model, &batch);
            assert_eq!(root, trie_root(&model, StateVersion::V1), "round {round}");
            assert_eq!(store, fresh_store(&model), "round {round}: shape differs from a fresh build");
        }
    }

    #[test]
    fn threads_change_nothing_in_large_random_updates() {
        let mut rng = ChaCha8Rng::seed_from_u64(0x7412);
        let mut store = MemoryNodeStore::default();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for round in 0..40 {
            // Enough changes under the root and its children to split them across threads,
            // over a small alphabet: splits, merges and prefix keys on both sides.
            let mut batch = Vec::new();
            for _ in 0..rng.gen_range(PARALLEL_MIN_CHANGES..3 * PARALLEL_MIN_CHANGES) {
                let len = rng.gen_range(0..6);
                let key: Vec<u8> =
                    (0..len).map(|_| [0x00, 0x01, 0x10, 0x11, 0xf0, 0xff][rng.gen_range(0..6)]).collect();
                let value = if rng.gen_bool(0.3) { None } else { Some(vec![round as u8; rng.gen_range(0..50)]) };
                batch.push((key, value));
            }
            let changes = || batch.iter().map(|(k, v)| (k.as_slice(), v.as_deref()));
            let alone = update_with_threads(&store, changes(), StateVersion::V1, 1);
            let shared = update_with_threads(&store, changes(), StateVersion::V1, 4);
            assert_eq!(alone, shared, "round {round}");
            store.apply(shared.writes);
            apply_to_model(&mut model, &batch);
            assert_eq!(shared.root, trie_root(&model, StateVersion::V1), "round {round}");
            assert_eq!(store, fresh_store(&model), "round {round}: shape differs from a fresh build");
        }
        assert!(model.len() > 100, "the trie stayed large: {}", model.len());
    }

    #[test]
    fn a_helper_thread_sees_the_node_its_parent_moved_down() {
        // Every stored key starts 0xaabb: the root's partial key is long. Half the changes
        // leave it at the first nibble, so the root splits and moves the old root one level
        // down, under the nibble the other half of the changes (updates) go to: the helper
        // thread that updates them must start from the moved node, which is not stored yet.
        let key = |i: u32| [&[0xaa, 0xbb][..], &blake2_256(&i.to_le_bytes())[..4]].concat();
        let model: BTreeMap<Vec<u8>, Vec<u8>> = (0u32..400).map(|i| (key(i), vec![1; 40])).collect();
        let store = fresh_store(&model);
        let mut batch: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0u32..200).map(|i| (key(i), Some(vec![2; 40]))).collect();
        batch.extend(
            (0u32..200).map(|i| ([&[0x10][..], &blake2_256(&i.to_be_bytes())[..4]].concat(), Some(vec![3; 40]))),
        );
        let changes = || batch.iter().map(|(k, v)| (k.as_slice(), v.as_deref()));
        let alone = update_with_threads(&store, changes(), StateVersion::V1, 1);
        let shared = update_with_threads(&store, changes(), StateVersion::V1, 2);
        assert_eq!(alone, shared);
        let mut after = model.clone();
        apply_to_model(&mut after, &batch);
        assert_eq!(shared.root, trie_root(&after, StateVersion::V1));
    }

    /// A store over `inner` that knows the values in `hints` and counts its reads.
    struct Hinted<'a> {
        inner: &'a MemoryNodeStore,
        hints: BTreeMap<Vec<u8>, Vec<u8>>,
        reads: std::sync::atomic::AtomicUsize,
    }

    impl NodeStore for Hinted<'_> {
        fn node(&self, path: &[u8]) -> Option<StoredNode> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.inner.node(path)
        }

        fn known_value(&self, key: &[u8]) -> Option<Vec<u8>> {
            self.hints.get(key).cloned()
        }
    }

    fn map_key(i: u32) -> Vec<u8> {
        let mut key = vec![0x26; 32];
        key.extend_from_slice(&blake2_256(&i.to_le_bytes())[..16]);
        key.extend_from_slice(&i.to_le_bytes());
        key
    }

    #[test]
    fn known_values_save_leaf_reads_and_wrong_ones_change_nothing() {
        let model: BTreeMap<Vec<u8>, Vec<u8>> = (0u32..3000).map(|i| (map_key(i), vec![i as u8; 80])).collect();
        let store = fresh_store(&model);
        // Updates of existing keys, a deletion, and an insertion.
        let mut batch: Vec<(Vec<u8>, Option<Vec<u8>>)> =
            (0u32..3000).step_by(37).map(|i| (map_key(i), Some(vec![0xee; 80]))).collect();
        batch.push((map_key(5), None));
        batch.push((map_key(9999), Some(vec![1; 80])));
        let changes = || batch.iter().map(|(k, v)| (k.as_slice(), v.as_deref()));
        let mut after = model.clone();
        apply_to_model(&mut after, &batch);
        let run = |hints: BTreeMap<Vec<u8>, Vec<u8>>| {
            let hinted = Hinted { inner: &store, hints, reads: Default::default() };
            let u = update(&hinted, changes(), StateVersion::V1);
            (u, hinted.reads.into_inner())
        };
        let (plain, plain_reads) = run(BTreeMap::new());
        assert_eq!(plain.root, trie_root(&after, StateVersion::V1));
        let (hinted, hinted_reads) = run(model.clone());
        assert_eq!(hinted, plain, "the same root and writes");
        // Every changed existing key's leaf is inferred; the branches above are still read.
        let changed_existing = batch.len() - 1;
        assert!(
            hinted_reads + changed_existing <= plain_reads,
            "{hinted_reads} reads with hints, {plain_reads} without"
        );
        // Wrong hints: the same outcome, with every read done.
        let wrong: BTreeMap<Vec<u8>, Vec<u8>> = model.keys().map(|k| (k.clone(), vec![0x01; 80])).collect();
        let (wrong_update, wrong_reads) = run(wrong);
        assert_eq!(wrong_update, plain);
        assert_eq!(wrong_reads, plain_reads);
        // Short values (inline leaves, whose parents hold their encoding): inferred as well.
        let short: BTreeMap<Vec<u8>, Vec<u8>> = (0u32..3000).map(|i| (map_key(i), vec![i as u8; 2])).collect();
        let short_store = fresh_store(&short);
        let hinted = Hinted { inner: &short_store, hints: short.clone(), reads: Default::default() };
        let u = update(&hinted, changes(), StateVersion::V1);
        let mut short_after = short.clone();
        apply_to_model(&mut short_after, &batch);
        assert_eq!(u.root, trie_root(&short_after, StateVersion::V1));
    }

    #[test]
    fn long_keys_like_storage_maps() {
        let mut store = MemoryNodeStore::default();
        let mut model = BTreeMap::new();
        let batch: Vec<_> = (0u32..500)
            .map(|i| {
                let mut key = vec![0x26; 32];
                key.extend_from_slice(&blake2_256(&i.to_le_bytes())[..16]);
                key.extend_from_slice(&i.to_le_bytes());
                (key, Some(vec![i as u8; 80]))
            })
            .collect();
        let root = apply_batch(&mut store, &mut model, &batch);
        assert_eq!(root, trie_root(&model, StateVersion::V1));
        let removals: Vec<_> = batch.iter().step_by(3).map(|(k, _)| (k.clone(), None)).collect();
        let root = apply_batch(&mut store, &mut model, &removals);
        assert_eq!(root, trie_root(&model, StateVersion::V1));
    }
}
