//! The hash functions of the Substrate formats.
//!
//! - blake2b with 128-, 256- and 512-bit outputs: block hashes, extrinsic hashes, storage
//!   hashers (`Blake2_128Concat`), SS58 checksums.
//! - xxHash64 ("twox") with 64- and 128-bit outputs: storage prefixes (`twox128(pallet)`)
//!   and the `Twox64Concat` hasher. `twox128(x)` is `xxh64(x, seed 0) ++ xxh64(x, seed 1)`,
//!   each little-endian.

use twox_hash::XxHash64;

fn blake2<const N: usize>(data: &[u8]) -> [u8; N] {
    let hash = blake2b_simd::Params::new().hash_length(N).hash(data);
    let mut out = [0u8; N];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// blake2b with a 64-bit output (runtime API ids).
pub fn blake2_64(data: &[u8]) -> [u8; 8] {
    blake2::<8>(data)
}

/// blake2b with a 128-bit output.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    blake2::<16>(data)
}

/// blake2b with a 256-bit output: the hash of blocks, extrinsics and trie nodes.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    blake2::<32>(data)
}

/// blake2b with a 512-bit output (SS58 checksums).
pub fn blake2_512(data: &[u8]) -> [u8; 64] {
    blake2::<64>(data)
}

/// xxHash64 with seed 0, little-endian.
pub fn twox_64(data: &[u8]) -> [u8; 8] {
    XxHash64::oneshot(0, data).to_le_bytes()
}

/// Two xxHash64 runs (seeds 0 and 1), each little-endian, concatenated.
pub fn twox_128(data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&XxHash64::oneshot(1, data).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twox_128_of_system_matches_frame() {
        assert_eq!(hex::encode(twox_128(b"System")), "26aa394eea5630e07c48ae0c9558cef7");
        assert_eq!(hex::encode(twox_128(b"Account")), "b99d880ec681799c0cf30e8886371da9");
    }

    #[test]
    fn blake2_256_of_empty_trie_node() {
        // The root of an empty Substrate trie is blake2-256 of the single byte 0x00.
        assert_eq!(hex::encode(blake2_256(&[0])), "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314");
    }

    #[test]
    fn output_lengths() {
        assert_eq!(blake2_128(b"x").len(), 16);
        assert_eq!(blake2_512(b"x").len(), 64);
        assert_ne!(twox_64(b"a"), twox_64(b"b"));
    }
}
