//! # Ethereum formats
//!
//! What Accord needs to speak Ethereum's wire formats, without an EVM: RLP, the signed
//! transaction envelopes (legacy with EIP-155, EIP-2930, EIP-1559), their hashes, sender
//! recovery, and the mapping between 20-byte and 32-byte accounts. The `Evm` pallet and the
//! Ethereum JSON-RPC in `rpc/` both build on it.
//!
//! ```text
//!   raw bytes (eth_sendRawTransaction)
//!        |
//!        v
//!   transaction::decode --- rlp::decode (strict: canonical, bounded depth)
//!        |
//!        v
//!   SignedTransaction --- hash()            keccak256(raw bytes as received)
//!        |            \-- recover_sender()  secp256k1 -> 20-byte address
//!        v
//!   account::account_of(address) -> AccountId32 (the 32-byte Accord account)
//! ```
//!
//! - [`rlp`]: the decoder (refuses every non-canonical form) and the encoder.
//! - [`transaction`]: the accepted envelopes, their signing hashes and sender recovery; the
//!   refused ones (unprotected legacy, blob, set-code) with a reason.
//! - [`account`]: 20-byte address <-> 32-byte account.
//! - [`abi`]: the Solidity ABI the chain's own precompiles speak (selectors, strict
//!   decoding of their arguments, the encodings they return).
//! - [`senders`]: recovered senders remembered by transaction hash, a bounded [`memo`]
//!   (the EVM's analyzed code uses one too).
//! - Here: [`keccak256`], [`U256`], and the contract addresses of `CREATE` and `CREATE2`.
//!
//! Everything here is pure: no I/O, no clock, no randomness (a [`memo`] only saves time: it
//! answers what computing would).

pub mod abi;
pub mod account;
pub mod memo;
pub mod rlp;
pub mod senders;
pub mod transaction;

#[cfg(test)]
mod tests;

pub use account::{account_of, address_of, is_ethereum_account};
pub use k256::ecdsa::{SigningKey, VerifyingKey};
pub use rlp::{AccessListItem, RlpError};
pub use transaction::{Signature, SignedTransaction, Transaction, TransactionError, TransactionKind};

use tiny_keccak::{Hasher, Keccak};

/// A 20-byte Ethereum address.
pub type Address = [u8; 20];

/// keccak-256 (the pre-standard SHA-3 that Ethereum uses) of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak::v256();
    hasher.update(data);
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// The last 20 bytes of a 32-byte hash: how Ethereum turns hashes into addresses.
fn address_from_hash(hash: [u8; 32]) -> Address {
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    address
}

/// The address of a secp256k1 public key: the last 20 bytes of keccak-256 of the
/// uncompressed point without its `0x04` prefix (64 bytes, `x ++ y`).
pub fn address_of_public_key(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    // An uncompressed SEC1 point is always 65 bytes, the first being the 0x04 tag.
    let xy = point.as_bytes().get(1..).unwrap_or_default();
    address_from_hash(keccak256(xy))
}

/// The address of a contract created by `sender` with the `CREATE` opcode or a transaction
/// without `to`: `keccak256(rlp([sender, nonce]))[12..]`.
pub fn create_address(sender: Address, nonce: u64) -> Address {
    let mut fields = Vec::with_capacity(30);
    rlp::encode_bytes(&mut fields, &sender);
    rlp::encode_u64(&mut fields, nonce);
    let mut list = Vec::with_capacity(32);
    rlp::encode_list(&mut list, &fields);
    address_from_hash(keccak256(&list))
}

/// The address of a contract created by `sender` with `CREATE2` (EIP-1014):
/// `keccak256(0xff ++ sender ++ salt ++ init_code_hash)[12..]`, where `init_code_hash` is
/// `keccak256(init_code)`.
pub fn create2_address(sender: Address, salt: [u8; 32], init_code_hash: [u8; 32]) -> Address {
    let mut preimage = Vec::with_capacity(85);
    preimage.push(0xff);
    preimage.extend_from_slice(&sender);
    preimage.extend_from_slice(&salt);
    preimage.extend_from_slice(&init_code_hash);
    address_from_hash(keccak256(&preimage))
}

/// A 256-bit unsigned integer, big-endian, as Ethereum writes amounts (`value`) and
/// signature scalars. Only what this crate needs: comparison (the derived ordering of the
/// big-endian bytes is the numeric ordering) and conversion to and from `u128`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct U256(pub [u8; 32]);

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256([0; 32]);

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 32]
    }

    /// The value as a `u128`, or `None` if it does not fit.
    pub fn to_u128(&self) -> Option<u128> {
        let (high, low) = self.0.split_at(16);
        if high.iter().any(|&b| b != 0) {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(low);
        Some(u128::from_be_bytes(bytes))
    }
}

impl From<u128> for U256 {
    fn from(value: u128) -> U256 {
        let mut bytes = [0u8; 32];
        bytes[16..].copy_from_slice(&value.to_be_bytes());
        U256(bytes)
    }
}

impl std::fmt::Debug for U256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("0x")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
