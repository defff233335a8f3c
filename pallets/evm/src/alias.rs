//! Aliases: addresses that run another contract's code against their own storage.
//!
//! An alias's code is an EIP-7702 delegation designator, `0xef0100 ++ address` (23 bytes):
//! revm runs the designated contract's code at the alias's address, with the alias's storage,
//! balance and nonce, and `msg.sender` the alias's caller (as a `DELEGATECALL` from an
//! upgradeable proxy would, without the proxy's code). `eth_getCode` of an alias answers the
//! designator, as for any delegated account. No transaction can write a designator: EIP-3541
//! refuses created code starting with `0xEF`, and `transact` takes no EIP-7702 transactions.
//! Only the runtime points an alias ([`point`]): the `Releases` pallet, for the versions of a
//! contract target.
//!
//! One transaction may be **served** by another version than the one the alias designates
//! ([`Served`], set on the [`Execution`](crate::Execution) by the runtime's routing): for
//! that transaction, the called alias reads as designating the served code. Other aliases it
//! reaches, and the called alias in any other transaction, run what they designate.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_primitives::{H160, H256};
use accord_support::{BoundedVec, Ext};

use crate::{ContractInfo, CODES, CODE_REFS, CONTRACTS};

/// The first bytes of a delegation designator: EIP-7702's magic and version.
pub const DESIGNATOR_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];
/// The length of a delegation designator.
pub const DESIGNATOR_LEN: usize = 23;

/// The address of the system log that says which version served a transaction (no code
/// lives there): `0x…0801`. Its event is `VersionServed` in
/// `pallets/evm/solidity/IReleases.sol`.
pub const SERVED_LOG_ADDRESS: [u8; 20] = {
    let mut address = [0u8; 20];
    address[18] = 0x08;
    address[19] = 0x01;
    address
};

/// The signature of the log: alias (indexed), release (0: none live), version, code.
pub const VERSION_SERVED: &str = "VersionServed(address,uint32,uint16,address)";

/// Which version of a contract target served a transaction to its alias.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Served {
    /// The live release that routed it (0: none, the target's current version).
    pub release: u32,
    /// The version.
    pub version: u16,
    /// The contract whose code ran.
    pub code: H160,
}

/// The designator of `code`.
pub fn designator(code: &H160) -> [u8; DESIGNATOR_LEN] {
    let mut out = [0u8; DESIGNATOR_LEN];
    out[..3].copy_from_slice(&DESIGNATOR_PREFIX);
    out[3..].copy_from_slice(&code.0);
    out
}

/// The address `code` designates, if it is a designator.
pub fn designated(code: &[u8]) -> Option<H160> {
    if code.len() != DESIGNATOR_LEN || code[..3] != DESIGNATOR_PREFIX {
        return None;
    }
    let mut address = [0u8; 20];
    address.copy_from_slice(&code[3..]);
    Some(H160(address))
}

/// keccak-256 of `code`'s designator.
pub fn designator_hash(code: &H160) -> H256 {
    H256(accord_ethereum::keccak256(&designator(code)))
}

/// The contract alias `address` designates, if it is an alias.
pub fn delegation_of(ext: &Ext<'_>, address: &H160) -> Option<H160> {
    let info = CONTRACTS.get(ext, address)?;
    designated(&CODES.get(ext, &info.code_hash)?)
}

/// Whether `address` holds a contract that runs its own code (not an alias).
pub fn is_plain_contract(ext: &Ext<'_>, address: &H160) -> bool {
    CONTRACTS.contains_key(ext, address) && delegation_of(ext, address).is_none()
}

/// Whether `address` may become an alias: no contract and no nonce (value sent to it
/// beforehand, which anyone can do, does not keep it from being one: the alias holds it).
pub fn is_unused(ext: &Ext<'_>, address: &H160) -> bool {
    let (_, nonce, contract) = crate::address_state(ext, address);
    contract.is_none() && nonce == 0
}

/// Points alias `alias` at `code`: creates it (by `creator`, with no storage) if it holds
/// no contract, else replaces its designator; the designators' code and reference counts
/// follow. The caller checks that `alias` is unused or an alias, and `code` a plain contract.
pub fn point(ext: &mut Ext<'_>, alias: &H160, code: &H160, creator: H160) {
    let hash = designator_hash(code);
    let info = match CONTRACTS.get(ext, alias) {
        Some(info) if info.code_hash == hash => return,
        Some(info) => {
            release_code(ext, &info.code_hash);
            ContractInfo { code_hash: hash, ..info }
        }
        None => {
            let created_at = accord_pallet_system::block_number(ext);
            crate::CONTRACT_COUNT.mutate(ext, |n| *n = n.saturating_add(1));
            // EIP-161: a contract starts with nonce 1.
            ContractInfo { creator, code_hash: hash, created_at, nonce: 1, storage_items: 0, storage_bytes: 0 }
        }
    };
    if CODE_REFS.get(ext, &hash) == 0 {
        // 23 bytes: within any code bound.
        let bytes = BoundedVec::try_from_vec(designator(code).to_vec()).unwrap_or_default();
        CODES.insert(ext, &hash, &bytes);
    }
    CODE_REFS.mutate(ext, &hash, |n| *n = n.saturating_add(1));
    CONTRACTS.insert(ext, alias, &info);
}

/// Drops one reference to code `hash`, and the code with its last.
pub(crate) fn release_code(ext: &mut Ext<'_>, hash: &H256) {
    let refs = CODE_REFS.get(ext, hash).saturating_sub(1);
    if refs == 0 {
        CODE_REFS.remove(ext, hash);
        CODES.remove(ext, hash);
    } else {
        CODE_REFS.insert(ext, hash, &refs);
    }
}

/// Topic 0 of the log of [`VERSION_SERVED`].
pub fn served_topic() -> [u8; 32] {
    accord_ethereum::keccak256(VERSION_SERVED.as_bytes())
}

/// The log that says `served` served a transaction to `alias`: topics (signature, alias),
/// data ABI-encoded (release, version, code).
pub fn served_log(alias: &H160, served: &Served) -> crate::exec::Log {
    let mut topic = [0u8; 32];
    topic[12..].copy_from_slice(&alias.0);
    let mut data = vec![0u8; 96];
    data[28..32].copy_from_slice(&served.release.to_be_bytes());
    data[62..64].copy_from_slice(&served.version.to_be_bytes());
    data[76..96].copy_from_slice(&served.code.0);
    crate::exec::Log { contract: H160(SERVED_LOG_ADDRESS), topics: vec![H256(served_topic()), H256(topic)], data }
}
