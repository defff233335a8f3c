//! # accord-primitives
//!
//! The types every other Accord crate speaks, byte-compatible with Substrate so that
//! polkadot.js and subxt work unchanged:
//!
//! - [`hashing`]: blake2 (128/256/512) and xxHash ("twox" 64/128).
//! - [`types`]: [`H256`], [`H160`], [`AccountId32`] with SS58, and the numeric aliases.
//! - [`crypto`]: sr25519 and ed25519 keys, secret URIs (`//Alice`), [`MultiSignature`].
//! - [`header`]: [`Header`], [`Digest`], [`Block`].
//! - [`era`]: transaction mortality.
//! - [`extrinsic`]: the v4 extrinsic format and its signing payload.
//! - [`trie`]: state and extrinsics roots.
//!
//! Everything here is pure: no I/O, no clock, no randomness (key generation takes its seed
//! from the caller).

pub mod crypto;
pub mod era;
pub mod extrinsic;
pub mod hashing;
pub mod header;
pub mod trie;
mod type_info;
pub mod types;

pub use crypto::{MultiSignature, Pair};
pub use era::Era;
pub use extrinsic::{Implicit, MultiAddress, SignedExtra, UncheckedExtrinsic};
pub use header::{Block, Digest, DigestItem, Header};
pub use type_info::newtype;
pub use types::{AccountId32, Balance, BlockNumber, Moment, Nonce, H160, H256};
