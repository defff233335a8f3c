//! Block headers and digests in the SCALE layout of `sp_runtime::generic::Header`.
//!
//! `parent_hash[32] ++ Compact<u32>(number) ++ state_root[32] ++ extrinsics_root[32] ++
//! Vec<DigestItem>`; the block hash is blake2-256 of exactly these bytes.

use codec::{Decode, Encode};

use crate::types::{BlockNumber, H256};

/// One digest entry. Tags follow `sp_runtime::DigestItem`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DigestItem {
    /// Arbitrary data.
    #[codec(index = 0)]
    Other(Vec<u8>),
    /// A message from the consensus engine to the runtime.
    #[codec(index = 4)]
    Consensus([u8; 4], Vec<u8>),
    /// A seal (signature) of the block author, added after execution.
    #[codec(index = 5)]
    Seal([u8; 4], Vec<u8>),
    /// A pre-runtime digest from the block author (for example the slot).
    #[codec(index = 6)]
    PreRuntime([u8; 4], Vec<u8>),
    /// The runtime code or heap pages changed in this block.
    #[codec(index = 8)]
    RuntimeEnvironmentUpdated,
}

/// The digest of a header: a list of items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Digest {
    /// The items, in order.
    pub logs: Vec<DigestItem>,
}

/// A block header.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Header {
    /// Hash of the parent block (zero for genesis).
    pub parent_hash: H256,
    /// Block number; SCALE-compact in the encoding.
    #[codec(compact)]
    pub number: BlockNumber,
    /// Root of the state trie after executing this block.
    pub state_root: H256,
    /// Root of the ordered trie of this block's extrinsics.
    pub extrinsics_root: H256,
    /// Digest items.
    pub digest: Digest,
}

impl Header {
    /// The block hash: blake2-256 of the SCALE-encoded header.
    pub fn hash(&self) -> H256 {
        H256::hash_of(&self.encode())
    }
}

/// A block: a header and its extrinsics, each kept as the exact submitted bytes (with their
/// compact length prefix), so that hashes never change by re-encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The extrinsics, each as submitted (length-prefixed).
    pub extrinsics: Vec<Vec<u8>>,
}

impl Encode for Block {
    fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
        self.header.encode_to(dest);
        codec::Compact(self.extrinsics.len() as u32).encode_to(dest);
        for xt in &self.extrinsics {
            // Already length-prefixed: written verbatim.
            dest.write(xt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let header = Header {
            parent_hash: H256([1; 32]),
            number: 300,
            state_root: H256([2; 32]),
            extrinsics_root: H256([3; 32]),
            digest: Digest {
                logs: vec![DigestItem::PreRuntime(*b"aura", vec![7]), DigestItem::Seal(*b"aura", vec![])],
            },
        };
        let bytes = header.encode();
        assert_eq!(&bytes[..32], &[1; 32]);
        // Compact(300) = two-byte mode: (300 << 2) | 1 = 0x04b1, little-endian.
        assert_eq!(&bytes[32..34], &[0xb1, 0x04]);
        assert_eq!(&bytes[34..66], &[2; 32]);
        assert_eq!(&bytes[66..98], &[3; 32]);
        assert_eq!(&bytes[98..], &[8, 6, b'a', b'u', b'r', b'a', 4, 7, 5, b'a', b'u', b'r', b'a', 0]);
        assert_eq!(Header::decode(&mut &bytes[..]).unwrap(), header);
        assert_eq!(header.hash(), H256::hash_of(&bytes));
    }

    #[test]
    fn unknown_digest_tag_is_an_error() {
        assert!(DigestItem::decode(&mut &[3u8, 0][..]).is_err());
        assert_eq!(DigestItem::decode(&mut &[8u8][..]).unwrap(), DigestItem::RuntimeEnvironmentUpdated);
    }
}
