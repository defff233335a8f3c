//! An Accord block as Commonware sees it: encoded with Commonware's codec for the network
//! and marshal's archives, identified by its header hash.
//!
//! Wire format (also what marshal stores):
//!
//! ```text
//! +--------------------+--------------------------------------------------------+
//! | length (u32, BE)   | the block, SCALE: header ++ compact(count) ++ extrinsics |
//! +--------------------+--------------------------------------------------------+
//! ```
//!
//! Decoding is bounded ([`BLOCK_ENCODED_MAX`]) and canonical: bytes that decode must be the
//! encoding of what they decode to, otherwise they are refused.

use bytes::{Buf, BufMut};
use codec::{Compact, Decode, Encode as _};
use commonware_codec::{EncodeSize, Error as CodecError, Read, Write};
use commonware_consensus::types::Height;
use commonware_consensus::{BoundedBlock, Heightable};
use commonware_cryptography::{sha256, Digestible};

use accord_primitives::{Header, H256};

/// The 32-byte digest type consensus carries. Its value is the block's blake2-256 header
/// hash (Commonware's SHA-256 digest type is used only as a 32-byte container).
pub type Digest = sha256::Digest;

/// The most bytes one encoded block may take: the runtime's 5 MiB of extrinsics, their
/// length prefixes, the header and room to spare.
pub const BLOCK_ENCODED_MAX: usize = 6 * 1024 * 1024;

/// The most extrinsics one block may hold (each takes at least two bytes).
const EXTRINSICS_MAX: u32 = (BLOCK_ENCODED_MAX / 2) as u32;

/// The digest of block hash `hash`.
pub fn digest_of(hash: H256) -> Digest {
    sha256::Digest(hash.0)
}

/// The block hash of `digest`.
pub fn hash_of(digest: &Digest) -> H256 {
    H256(digest.0)
}

/// An Accord block with its hash, as consensus and marshal handle it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    block: accord_primitives::Block,
    hash: H256,
}

impl Block {
    /// Wraps `block`.
    pub fn new(block: accord_primitives::Block) -> Block {
        let hash = block.header.hash();
        Block { block, hash }
    }

    /// The Accord block.
    pub fn inner(&self) -> &accord_primitives::Block {
        &self.block
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.block.header
    }

    /// The block hash.
    pub fn hash(&self) -> H256 {
        self.hash
    }

    /// Decodes the SCALE encoding of a block (as [`accord_primitives::Block`] encodes it),
    /// refusing trailing bytes and non-canonical encodings.
    pub fn decode_scale(bytes: &[u8]) -> Result<Block, CodecError> {
        let input = &mut &bytes[..];
        let header = Header::decode(input).map_err(|_| CodecError::Invalid("Block", "header does not decode"))?;
        let count = Compact::<u32>::decode(input)
            .map_err(|_| CodecError::Invalid("Block", "extrinsic count does not decode"))?
            .0;
        if count > EXTRINSICS_MAX {
            return Err(CodecError::InvalidLength(count as usize));
        }
        let mut extrinsics = Vec::with_capacity(count.min(4096) as usize);
        for _ in 0..count {
            let before = *input;
            let len = Compact::<u32>::decode(input)
                .map_err(|_| CodecError::Invalid("Block", "extrinsic length does not decode"))?
                .0 as usize;
            if len > input.len() {
                return Err(CodecError::EndOfBuffer);
            }
            let prefix = before.len() - input.len();
            extrinsics.push(before[..prefix + len].to_vec());
            *input = &input[len..];
        }
        if !input.is_empty() {
            return Err(CodecError::ExtraData(input.len()));
        }
        let block = accord_primitives::Block { header, extrinsics };
        if block.encode() != bytes {
            return Err(CodecError::Invalid("Block", "non-canonical encoding"));
        }
        Ok(Block::new(block))
    }
}

impl Write for Block {
    fn write(&self, buf: &mut impl BufMut) {
        let bytes = self.block.encode();
        buf.put_u32(bytes.len() as u32);
        buf.put_slice(&bytes);
    }
}

impl EncodeSize for Block {
    fn encode_size(&self) -> usize {
        4 + self.block.encoded_size()
    }
}

impl Read for Block {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        if buf.remaining() < 4 {
            return Err(CodecError::EndOfBuffer);
        }
        let len = buf.get_u32() as usize;
        if len > BLOCK_ENCODED_MAX - 4 {
            return Err(CodecError::InvalidLength(len));
        }
        if buf.remaining() < len {
            return Err(CodecError::EndOfBuffer);
        }
        let mut bytes = vec![0u8; len];
        buf.copy_to_slice(&mut bytes);
        Block::decode_scale(&bytes)
    }
}

impl Digestible for Block {
    type Digest = Digest;

    fn digest(&self) -> Digest {
        digest_of(self.hash)
    }
}

impl Heightable for Block {
    fn height(&self) -> Height {
        Height::new(self.block.header.number as u64)
    }
}

impl commonware_consensus::Block for Block {
    fn parent(&self) -> Digest {
        digest_of(self.block.header.parent_hash)
    }
}

impl BoundedBlock for Block {
    fn max_encode_size(_: &()) -> usize {
        BLOCK_ENCODED_MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_primitives::Digest as HeaderDigest;
    use commonware_codec::{Copying, DecodeExt, Encode};

    fn sample(extrinsics: Vec<Vec<u8>>) -> Block {
        Block::new(accord_primitives::Block {
            header: Header {
                parent_hash: H256([1; 32]),
                number: 7,
                state_root: H256([2; 32]),
                extrinsics_root: H256([3; 32]),
                digest: HeaderDigest::default(),
            },
            extrinsics,
        })
    }

    #[test]
    fn round_trips_and_names_its_parent() {
        let block = sample(vec![vec![8, 1, 2], vec![0]]);
        let bytes = block.encode();
        assert_eq!(bytes.len(), block.encode_size());
        let decoded = Block::decode(bytes).unwrap();
        assert_eq!(decoded, block);
        assert_eq!(decoded.height(), Height::new(7));
        assert_eq!(commonware_consensus::Block::parent(&decoded), digest_of(H256([1; 32])));
        assert_eq!(hash_of(&decoded.digest()), block.header().hash());
    }

    #[test]
    fn refuses_truncated_trailing_and_oversized_input() {
        let bytes = sample(vec![vec![8, 1, 2]]).encode().to_vec();
        for cut in 0..bytes.len() {
            assert!(Block::decode(Copying(&bytes[..cut])).is_err(), "truncated at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Block::decode(Copying(&longer[..])).is_err());
        // A length prefix beyond the bound is refused before anything is allocated.
        let mut huge = (BLOCK_ENCODED_MAX as u32).to_be_bytes().to_vec();
        huge.extend_from_slice(&bytes[4..]);
        assert!(matches!(Block::decode(Copying(&huge[..])), Err(CodecError::InvalidLength(_))));
    }

    #[test]
    fn refuses_a_non_canonical_compact() {
        let block = sample(vec![]);
        let mut scale = block.inner().encode();
        // The count 0 in compact's two-byte mode instead of its one-byte mode.
        let last = scale.len() - 1;
        scale.truncate(last);
        scale.extend_from_slice(&[0x01, 0x00]);
        assert!(Block::decode_scale(&scale).is_err());
    }

    /// Random bytes never panic the decoder (seeded; `ACCORD_FUZZ_SEED` reproduces a run).
    #[test]
    fn fuzz_decoder() {
        let seed: u64 = std::env::var("ACCORD_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(1, |d| d.as_nanos() as u64) | 1
        });
        println!("fuzz_decoder seed {seed} (ACCORD_FUZZ_SEED reproduces)");
        let mut state = seed;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let valid = sample(vec![vec![8, 1, 2], vec![4, 9]]).encode().to_vec();
        for _ in 0..20_000 {
            let mut bytes = valid.clone();
            let flips = 1 + next() % 4;
            for _ in 0..flips {
                let i = (next() as usize) % bytes.len();
                bytes[i] = next() as u8;
            }
            let len = (next() as usize) % (bytes.len() + 1);
            let _ = Block::decode(Copying(&bytes[..len]));
            let _ = Block::decode_scale(&bytes[4..]);
        }
    }
}
