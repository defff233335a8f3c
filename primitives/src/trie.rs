//! Roots of Substrate's base-16 Merkle-Patricia trie ("no extension" layout, blake2-256).
//!
//! These are the closed-form roots of a sorted key/value set; the node's persistent trie
//! must produce the same root for the same set. Node encodings:
//!
//! ```text
//! leaf   = header(0x40 | 0x20 hashed value, nibble count) ++ partial key ++ value
//! branch = header(0x80 no value | 0xC0 value | 0x10 hashed value, nibble count)
//!          ++ partial key ++ bitmap(u16 LE) ++ value? ++ children
//! value  = Compact(len) ++ bytes          (inline)
//!        | blake2_256(bytes)              (state version 1 and len >= 33)
//! child  = Compact(len) ++ node           (node shorter than 32 bytes)
//!        | Compact(32) ++ blake2_256(node)
//! ```
//! Partial keys are nibbles packed two per byte, an odd count putting its first nibble alone
//! in the low half of the first byte. The root is the blake2-256 of the root node, however
//! short. The empty trie's root node is the single byte `0x00`.

use codec::{Compact, Decode, Encode};

use crate::hashing::blake2_256;
use crate::types::H256;

/// Values of at least this many bytes are stored as their hash in state version 1.
pub const VALUE_HASH_THRESHOLD: usize = 33;

/// The trie layout version: V0 stores every value inline, V1 hashes values of 33 bytes or
/// more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateVersion {
    /// Values always inline.
    V0,
    /// Large values hashed.
    V1,
}

/// The root of the empty trie: blake2-256 of `0x00`.
pub fn empty_trie_root() -> H256 {
    H256(blake2_256(&[0]))
}

/// The nibbles of `key`, high half first: `[0xab]` is `[0xa, 0xb]`.
pub fn nibbles(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() * 2);
    for b in key {
        out.push(b >> 4);
        out.push(b & 0x0f);
    }
    out
}

/// Writes a node header: `prefix` in the top bits, then the nibble count in the remaining
/// `8 - prefix_bits` bits with Substrate's continuation bytes for large counts.
fn write_header(out: &mut Vec<u8>, prefix: u8, prefix_bits: u32, nibble_count: usize) {
    let max_value = (255u8 >> prefix_bits) as usize;
    if nibble_count < max_value {
        out.push(prefix + nibble_count as u8);
        return;
    }
    out.push(prefix + max_value as u8);
    // The first byte stands for `max_value` nibbles; each following byte adds its value, a
    // 255 meaning "more follows".
    let mut rem = nibble_count - max_value;
    loop {
        if rem < 255 {
            out.push(rem as u8);
            break;
        }
        out.push(255);
        rem -= 255;
    }
}

/// Writes `partial` (nibbles) packed two per byte, an odd first nibble alone.
fn write_partial(out: &mut Vec<u8>, partial: &[u8]) {
    let mut rest = partial;
    if partial.len() % 2 == 1 {
        out.push(partial[0]);
        rest = &partial[1..];
    }
    for pair in rest.chunks(2) {
        out.push((pair[0] << 4) | pair[1]);
    }
}

/// A value as a trie node holds it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum NodeValue {
    /// The value itself.
    Inline(Vec<u8>),
    /// The blake2-256 of a value of at least [`VALUE_HASH_THRESHOLD`] bytes (state version 1).
    Hashed([u8; 32]),
}

impl NodeValue {
    /// How `value` is held in a node under `version`.
    pub fn new(value: &[u8], version: StateVersion) -> NodeValue {
        if version == StateVersion::V1 && value.len() >= VALUE_HASH_THRESHOLD {
            NodeValue::Hashed(blake2_256(value))
        } else {
            NodeValue::Inline(value.to_vec())
        }
    }
}

/// How a branch refers to a child: its encoding when shorter than 32 bytes, else its hash.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum ChildRef {
    /// The child's encoding (shorter than 32 bytes).
    Inline(Vec<u8>),
    /// The blake2-256 of the child's encoding.
    Hash([u8; 32]),
}

impl ChildRef {
    /// The reference to a child whose encoding is `encoded`.
    pub fn of(encoded: &[u8]) -> ChildRef {
        if encoded.len() < 32 {
            ChildRef::Inline(encoded.to_vec())
        } else {
            ChildRef::Hash(blake2_256(encoded))
        }
    }
}

/// Encodes a node: a leaf when it has no children, else a branch. `partial` is its partial
/// key in nibbles.
pub fn encode_node(partial: &[u8], value: Option<&NodeValue>, children: &[Option<ChildRef>; 16]) -> Vec<u8> {
    let is_leaf = children.iter().all(Option::is_none);
    let mut out = Vec::with_capacity(4 + partial.len() / 2 + if is_leaf { 40 } else { 16 * 33 });
    match (is_leaf, value) {
        (true, Some(NodeValue::Hashed(_))) => write_header(&mut out, 0x20, 3, partial.len()),
        (true, _) => write_header(&mut out, 0x40, 2, partial.len()),
        (false, None) => write_header(&mut out, 0x80, 2, partial.len()),
        (false, Some(NodeValue::Hashed(_))) => write_header(&mut out, 0x10, 4, partial.len()),
        (false, Some(NodeValue::Inline(_))) => write_header(&mut out, 0xC0, 2, partial.len()),
    }
    write_partial(&mut out, partial);
    if !is_leaf {
        let mut bitmap = 0u16;
        for (i, child) in children.iter().enumerate() {
            if child.is_some() {
                bitmap |= 1 << i;
            }
        }
        out.extend_from_slice(&bitmap.to_le_bytes());
    }
    match value {
        Some(NodeValue::Inline(v)) => {
            Compact(v.len() as u32).encode_to(&mut out);
            out.extend_from_slice(v);
        }
        Some(NodeValue::Hashed(h)) => out.extend_from_slice(h),
        None => {}
    }
    for child in children.iter().flatten() {
        match child {
            ChildRef::Inline(bytes) => {
                Compact(bytes.len() as u32).encode_to(&mut out);
                out.extend_from_slice(bytes);
            }
            ChildRef::Hash(h) => {
                Compact(32u32).encode_to(&mut out);
                out.extend_from_slice(h);
            }
        }
    }
    out
}

/// The length of the common prefix of `a` and `b` from `from` on.
pub fn common_prefix(a: &[u8], b: &[u8], from: usize) -> usize {
    let max = a.len().min(b.len());
    let mut i = from;
    while i < max && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Encodes the node for `entries` (nibble keys, sorted, unique), all sharing the nibbles
/// before `cursor`.
fn build_node(entries: &[(Vec<u8>, &[u8])], cursor: usize, version: StateVersion) -> Vec<u8> {
    match entries {
        [] => vec![0],
        [(key, value)] => encode_node(&key[cursor..], Some(&NodeValue::new(value, version)), &Default::default()),
        _ => {
            let first = &entries[0].0;
            let last = &entries[entries.len() - 1].0;
            let shared = common_prefix(first, last, cursor);
            let (value, rest) = if first.len() == shared {
                (Some(NodeValue::new(entries[0].1, version)), &entries[1..])
            } else {
                (None, entries)
            };
            let mut children: [Option<ChildRef>; 16] = Default::default();
            let mut start = 0;
            while start < rest.len() {
                let nibble = rest[start].0[shared];
                let mut end = start + 1;
                while end < rest.len() && rest[end].0[shared] == nibble {
                    end += 1;
                }
                children[nibble as usize] = Some(ChildRef::of(&build_node(&rest[start..end], shared + 1, version)));
                start = end;
            }
            encode_node(&first[cursor..shared], value.as_ref(), &children)
        }
    }
}

/// The root of the trie holding `entries`. Keys need not be sorted; a later duplicate key
/// replaces an earlier one.
pub fn trie_root<K: AsRef<[u8]>, V: AsRef<[u8]>>(
    entries: impl IntoIterator<Item = (K, V)>,
    version: StateVersion,
) -> H256 {
    let map: std::collections::BTreeMap<Vec<u8>, V> =
        entries.into_iter().map(|(k, v)| (k.as_ref().to_vec(), v)).collect();
    let sorted: Vec<(Vec<u8>, &[u8])> = map.iter().map(|(k, v)| (nibbles(k), v.as_ref())).collect();
    H256(blake2_256(&build_node(&sorted, 0, version)))
}

/// The root of the trie whose keys are `Compact<u32>(index)` of each item: the extrinsics
/// root of a block.
pub fn ordered_trie_root<V: AsRef<[u8]>>(items: &[V], version: StateVersion) -> H256 {
    trie_root(items.iter().enumerate().map(|(i, v)| (Compact(i as u32).encode(), v.as_ref())), version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_of(entries: &[(&[u8], &[u8])], version: StateVersion) -> Vec<u8> {
        let e: Vec<(Vec<u8>, &[u8])> = entries.iter().map(|(k, v)| (nibbles(k), *v)).collect();
        build_node(&e, 0, version)
    }

    #[test]
    fn empty_root() {
        assert_eq!(trie_root(Vec::<(Vec<u8>, Vec<u8>)>::new(), StateVersion::V1), empty_trie_root());
        assert_eq!(empty_trie_root().to_hex(), "0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314");
    }

    #[test]
    fn single_tuple_encoding_matches_sp_trie() {
        // sp-trie `codec_trie_single_tuple`: [0x42, 0xaa, compact(1), 0xbb].
        assert_eq!(node_of(&[(&[0xaa][..], &[0xbb][..])], StateVersion::V1), vec![0x42, 0xaa, 4, 0xbb]);
    }

    #[test]
    fn two_disjoint_keys_match_sp_trie() {
        // sp-trie `codec_trie_two_tuples_disjoint_keys`.
        let entries = [(&[0x13, 0x14][..], &[0xff][..]), (&[0x48, 0x19][..], &[0xfe][..])];
        assert_eq!(hex::encode(node_of(&entries, StateVersion::V1)), "8012001443031404ff1443081904fe");
    }

    #[test]
    fn one_node_root_matches_smoldot() {
        // smoldot `trie_root_one_node`.
        for v in [StateVersion::V0, StateVersion::V1] {
            assert_eq!(
                trie_root([(b"abcd".to_vec(), b"hello world".to_vec())], v).to_hex(),
                "0x7ab18659d3b2789ef2400d107104c7d4fb93d06d9ab6a8b641a5de7c3fecc851"
            );
        }
    }

    #[test]
    fn hashed_values_only_in_v1_from_33_bytes() {
        let long = vec![0x41u8; 33];
        let node = node_of(&[(&[0xaa][..], &long[..])], StateVersion::V1);
        assert_eq!(node[..2], [0x22, 0xaa]);
        assert_eq!(node[2..], blake2_256(&long));
        let node0 = node_of(&[(&[0xaa][..], &long[..])], StateVersion::V0);
        assert_eq!(node0[..3], [0x42, 0xaa, 33 << 2]);
        let short = [0x41u8; 32];
        let node1 = node_of(&[(&[0xaa][..], &short[..])], StateVersion::V1);
        assert_eq!(node1[..3], [0x42, 0xaa, 32 << 2]);
    }

    #[test]
    fn ordered_root_layout() {
        // Keys Compact(0) = 0x00 and Compact(1) = 0x04: a branch with the one-nibble partial
        // 0 and two leaves with empty partial keys.
        let items = [b"hello".to_vec(), b"world".to_vec()];
        let node = node_of(&[(&[0x00][..], &items[0][..]), (&[0x04][..], &items[1][..])], StateVersion::V0);
        assert_eq!(hex::encode(&node), "810011001c401468656c6c6f1c4014776f726c64");
        assert_eq!(
            ordered_trie_root(&items, StateVersion::V0).to_hex(),
            "0xcce3b92ea24b68534b822b49ddaf0a4ca231bc4b5952d6d54b2bc5322baeffaf"
        );
    }

    #[test]
    fn headers_for_long_partials() {
        let mut out = Vec::new();
        write_header(&mut out, 0x40, 2, 62);
        assert_eq!(out, vec![0x7e]);
        for (count, expected) in
            [(63, vec![0x7f, 0x00]), (64, vec![0x7f, 0x01]), (317, vec![0x7f, 0xfe]), (318, vec![0x7f, 0xff, 0x00])]
        {
            let mut out = Vec::new();
            write_header(&mut out, 0x40, 2, count);
            assert_eq!(out, expected, "{count}");
        }
    }

    #[test]
    fn root_is_order_independent_and_value_sensitive() {
        let a = trie_root([(vec![1u8, 2], vec![3u8]), (vec![1, 2, 3], vec![4]), (vec![9], vec![5])], StateVersion::V1);
        let b = trie_root([(vec![9u8], vec![5u8]), (vec![1, 2, 3], vec![4]), (vec![1, 2], vec![3])], StateVersion::V1);
        let c = trie_root([(vec![9u8], vec![6u8]), (vec![1, 2, 3], vec![4]), (vec![1, 2], vec![3])], StateVersion::V1);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
