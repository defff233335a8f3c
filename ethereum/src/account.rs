//! The mapping between 20-byte Ethereum addresses and 32-byte Accord accounts, as
//! pallet-revive defines it.
//!
//! ```text
//!   address -> account   account_of(a)  = a ++ [0xEE; 12]
//!   account -> address   address_of(x)  = x[..20]              if x ends with [0xEE; 12]
//!                                       = keccak256(x)[12..]   otherwise
//! ```
//!
//! An Ethereum key signs for the account `account_of(sender)`, so balances and nonces of
//! Ethereum users live in ordinary 32-byte accounts, and `address_of(account_of(a)) == a`.
//! A native account (an sr25519 or ed25519 public key) shows to Ethereum tools under the
//! hashed address; that address maps back to a *different* account (`account_of` of it
//! ends with `0xEE` bytes), so a native account cannot be reached through its Ethereum
//! address unless the chain records the pairing explicitly (pallet-revive's
//! `map_account`). A public key ending with twelve `0xEE` bytes is not a practical concern:
//! finding one takes about 2^96 tries.

use accord_primitives::AccountId32;

use crate::{keccak256, Address};

/// The bytes that mark an account as derived from an Ethereum address.
const ETHEREUM_SUFFIX: [u8; 12] = [0xEE; 12];

/// The Accord account of an Ethereum address: the address followed by twelve `0xEE` bytes.
pub fn account_of(address: Address) -> AccountId32 {
    let mut account = [0u8; 32];
    account[..20].copy_from_slice(&address);
    account[20..].copy_from_slice(&ETHEREUM_SUFFIX);
    AccountId32(account)
}

/// Whether the account was derived from an Ethereum address (ends with twelve `0xEE`).
pub fn is_ethereum_account(account: &AccountId32) -> bool {
    account.0[20..] == ETHEREUM_SUFFIX
}

/// The Ethereum address of an account: its first 20 bytes if it is an Ethereum account,
/// else the last 20 bytes of keccak-256 of its 32 bytes.
pub fn address_of(account: &AccountId32) -> Address {
    let source = if is_ethereum_account(account) { &account.0[..20] } else { &keccak256(&account.0)[12..] };
    let mut address = [0u8; 20];
    address.copy_from_slice(source);
    address
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethereum_addresses_round_trip() {
        let address = [0x9d; 20];
        let account = account_of(address);
        assert_eq!(&account.0[..20], &address);
        assert_eq!(account.0[20..], [0xEE; 12]);
        assert!(is_ethereum_account(&account));
        assert_eq!(address_of(&account), address);
    }

    #[test]
    fn native_accounts_map_to_their_hashed_address() {
        // Alice's sr25519 public key.
        let alice: [u8; 32] = hex::decode("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
            .unwrap()
            .try_into()
            .unwrap();
        let account = AccountId32(alice);
        assert!(!is_ethereum_account(&account));
        let address = address_of(&account);
        assert_eq!(address[..], keccak256(&alice)[12..]);
        assert_ne!(address[..], alice[..20]);
        // The hashed address leads to a different, Ethereum-derived account.
        assert_ne!(account_of(address), account);
    }

    #[test]
    fn only_the_full_suffix_marks_an_ethereum_account() {
        let mut almost = account_of([1; 20]);
        almost.0[31] = 0xEF;
        assert!(!is_ethereum_account(&almost));
        assert_ne!(address_of(&almost), [1; 20]);
    }
}
