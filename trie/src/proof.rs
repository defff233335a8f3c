//! Read proofs: the trie nodes a client needs to check values (or their absence) against a
//! state root, in Substrate's format (`state_getReadProof`: a set of encoded nodes, and in
//! state version 1 the values that nodes hold only by hash).

use std::collections::BTreeSet;

use accord_primitives::trie::{nibbles, NodeValue};

use crate::NodeStore;

/// The nodes on the path of each of `keys` in the trie `store` holds, each once: the root,
/// every node whose encoding is at least 32 bytes (shorter ones are inline in their
/// parent's), and the value of each key held by hash (read with `value_of`). The walk
/// stops where a key's path leaves the trie, so the last node proves its absence.
pub fn read_proof<'k>(
    store: &(impl NodeStore + ?Sized),
    keys: impl IntoIterator<Item = &'k [u8]>,
    value_of: impl Fn(&[u8]) -> Option<Vec<u8>>,
) -> Vec<Vec<u8>> {
    let mut proof = BTreeSet::new();
    for key in keys {
        let key_nibbles = nibbles(key);
        let mut path = Vec::new();
        while let Some(node) = store.node(&path) {
            let encoded = node.encode_node();
            if path.is_empty() || encoded.len() >= 32 {
                proof.insert(encoded);
            }
            let end = path.len() + node.partial.len();
            if key_nibbles.len() < end || key_nibbles[path.len()..end] != node.partial[..] {
                break;
            }
            if key_nibbles.len() == end {
                if let Some(NodeValue::Hashed(_)) = node.value {
                    proof.extend(value_of(key));
                }
                break;
            }
            let child = key_nibbles[end] as usize;
            if node.children[child].is_none() {
                break;
            }
            path = key_nibbles[..=end].to_vec();
        }
    }
    proof.into_iter().collect()
}

/// The Merkle value of the closest descendant of `key` (storage key bytes) in the trie
/// `store` holds: of the node at `key` or, if none, of the first node below it (what
/// `chainHead_v1_storage`'s `closestDescendantMerkleValue` answers). A node's Merkle value
/// is its blake2-256 hash, or its encoding when shorter than 32 bytes (the root's is always
/// its hash). `None` if no node lies at or below `key`.
pub fn closest_descendant_merkle_value(store: &(impl NodeStore + ?Sized), key: &[u8]) -> Option<Vec<u8>> {
    let key_nibbles = nibbles(key);
    let mut path = Vec::new();
    loop {
        let node = store.node(&path)?;
        let end = path.len() + node.partial.len();
        // The nibbles of the key this node's partial key covers must match it.
        let covered = key_nibbles.len().min(end);
        if key_nibbles[path.len().min(covered)..covered] != node.partial[..covered.saturating_sub(path.len())] {
            return None;
        }
        if key_nibbles.len() <= end {
            let encoded = node.encode_node();
            return Some(if path.is_empty() || encoded.len() >= 32 {
                accord_primitives::hashing::blake2_256(&encoded).to_vec()
            } else {
                encoded
            });
        }
        let child = key_nibbles[end] as usize;
        node.children[child].as_ref()?;
        path = key_nibbles[..=end].to_vec();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use accord_primitives::hashing::blake2_256;
    use accord_primitives::trie::{trie_root, StateVersion};

    use super::*;
    use crate::{update, MemoryNodeStore};

    fn store_of(model: &BTreeMap<Vec<u8>, Vec<u8>>) -> MemoryNodeStore {
        let mut store = MemoryNodeStore::default();
        let u = update(&store, model.iter().map(|(k, v)| (k.as_slice(), Some(v.as_slice()))), StateVersion::V1);
        store.apply(u.writes);
        store
    }

    /// Whether `needle` occurs in `haystack`.
    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_proof_holds_the_root_each_hashed_node_on_the_path_and_hashed_values() {
        let mut model = BTreeMap::new();
        for i in 0u8..40 {
            model.insert(vec![i / 8, i, 7], vec![i; if i % 2 == 0 { 4 } else { 40 }]);
        }
        let store = store_of(&model);
        let root = trie_root(&model, StateVersion::V1);
        let value_of = |k: &[u8]| model.get(k).cloned();
        let present = vec![1u8, 9, 7];
        let proof = read_proof(&store, [present.as_slice()], value_of);
        assert!(proof.iter().any(|n| blake2_256(n) == root.0), "the root node is in the proof");
        // Every item but the root is referenced by hash from another item.
        for item in &proof {
            let hash = blake2_256(item);
            if hash != root.0 {
                assert!(proof.iter().any(|other| contains(other, &hash)), "an unreferenced item");
            }
        }
        assert!(proof.contains(&vec![9; 40]), "a value held by hash comes with the proof");

        let small = read_proof(&store, [[0u8, 0, 7].as_slice()], value_of);
        assert!(!small.contains(&vec![0; 4]), "an inline value is inside its node");
        let absent = read_proof(&store, [[1u8, 200].as_slice()], value_of);
        assert!(!absent.is_empty() && absent.len() <= proof.len(), "an absence is proven by the path to it");
        let both = read_proof(&store, [present.as_slice(), present.as_slice()], value_of);
        assert_eq!(both, proof, "a node is listed once");
        assert!(read_proof(&MemoryNodeStore::default(), [present.as_slice()], value_of).is_empty());
    }

    #[test]
    fn closest_descendants_are_the_nodes_at_or_below_a_key() {
        let mut model = BTreeMap::new();
        for i in 0u8..40 {
            model.insert(vec![i / 8, i, 7], vec![i; 40]);
        }
        let store = store_of(&model);
        let root = trie_root(&model, StateVersion::V1);
        assert_eq!(closest_descendant_merkle_value(&store, &[]), Some(root.0.to_vec()), "the root's is the root");
        let leaf = closest_descendant_merkle_value(&store, &[1, 9, 7]).expect("a stored key");
        let under = closest_descendant_merkle_value(&store, &[1, 9]).expect("a prefix of one key");
        assert_eq!(leaf, under, "the only node below a prefix is the key's leaf");
        assert_eq!(closest_descendant_merkle_value(&store, &[1, 200]), None, "nothing below");
        assert_eq!(closest_descendant_merkle_value(&store, &[1, 9, 7, 0]), None, "beyond a leaf");
        let mut changed = model.clone();
        changed.insert(vec![1, 9, 7], vec![0; 40]);
        let after = closest_descendant_merkle_value(&store_of(&changed), &[1]).unwrap();
        assert_ne!(closest_descendant_merkle_value(&store, &[1]).unwrap(), after, "a change below changes it");
        assert_eq!(
            closest_descendant_merkle_value(&store_of(&changed), &[2]),
            closest_descendant_merkle_value(&store, &[2]),
            "a change elsewhere does not"
        );
    }
}
