//! A sub-chain's contracts on the main chain: the reporter announces each contract of the
//! sub-chain (address and keccak-256 of its code, read at a finalized block) that the main
//! chain does not hold with that code yet; the verifier reads each announcement's code from
//! its own node (`eth_getCode` at the announced height) and disputes a different one.
//! Neither keeps state: what is announced and disputed is read back from the main chain.

use std::collections::BTreeMap;

use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;

use accord_pallet_evm as evm;
use accord_pallet_subchain_status::{self as subchain_status, Announcement, SubchainId};
use accord_primitives::{H160, H256};

use crate::rpc::{call, from_hex, storage, to_hex};

/// Keys read per `state_getKeysPaged` call.
const PAGE: u32 = 1000;
/// The most contracts a worker reads (a sub-chain with more is announced in part, with a
/// warning).
pub const CONTRACTS_MAX: usize = 100_000;

/// The keys under `prefix` at block `at`, in order, at most [`CONTRACTS_MAX`].
async fn keys_under(client: &HttpClient, prefix: &[u8], at: H256) -> Result<Vec<Vec<u8>>, String> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    loop {
        let start = keys.last().map(|k| to_hex(k));
        let page = call(client, "state_getKeysPaged", rpc_params![to_hex(prefix), PAGE, start, to_hex(&at.0)]).await?;
        let page = page.as_array().ok_or("state_getKeysPaged: not a list")?;
        for key in page {
            keys.push(from_hex(key, "state_getKeysPaged")?);
        }
        if (page.len() as u32) < PAGE || keys.len() >= CONTRACTS_MAX {
            return Ok(keys);
        }
    }
}

/// The address at the end of a map key whose last hasher is `Blake2_128Concat` of an address.
fn address_of_key(key: &[u8]) -> Option<H160> {
    let tail = key.get(key.len().checked_sub(20)?..)?;
    Some(H160(tail.try_into().ok()?))
}

/// The sub-chain's contracts at block `at`: address -> code hash (`Evm.Contracts`).
pub async fn sub_contracts(sub: &HttpClient, at: H256) -> Result<BTreeMap<H160, H256>, String> {
    let mut out = BTreeMap::new();
    for key in keys_under(sub, &evm::CONTRACTS.prefix(), at).await? {
        let Some(address) = address_of_key(&key) else { continue };
        if let Some(info) = storage::<evm::ContractInfo>(sub, &key, at).await? {
            out.insert(address, info.code_hash);
        }
    }
    Ok(out)
}

/// How many contracts the sub-chain has at block `at` (`Evm.ContractCount`).
pub async fn contract_count(sub: &HttpClient, at: H256) -> Result<u32, String> {
    Ok(storage::<u32>(sub, &evm::CONTRACT_COUNT.key(), at).await?.unwrap_or(0))
}

/// The main chain's announcements of sub-chain `id` at block `at`.
pub async fn announced(main: &HttpClient, id: SubchainId, at: H256) -> Result<BTreeMap<H160, Announcement>, String> {
    let mut out = BTreeMap::new();
    for key in keys_under(main, &subchain_status::CONTRACTS.prefix1(&id), at).await? {
        let Some(address) = address_of_key(&key) else { continue };
        if let Some(announcement) = storage::<Announcement>(main, &key, at).await? {
            out.insert(address, announcement);
        }
    }
    Ok(out)
}

/// The contracts of `sub` that `on_main` does not hold with their code hash, in address order.
pub fn to_announce<'a>(
    sub: &'a BTreeMap<H160, H256>,
    on_main: &'a BTreeMap<H160, Announcement>,
) -> impl Iterator<Item = (H160, H256)> + 'a {
    sub.iter()
        .filter(|(address, hash)| on_main.get(address).is_none_or(|a| a.code_hash != **hash))
        .map(|(a, h)| (*a, *h))
}

/// keccak-256 of the code at `address` on the own node at height `height` (`eth_getCode`);
/// `None` if there is no code there.
pub async fn code_hash_at(sub: &HttpClient, address: &H160, height: u64) -> Result<Option<H256>, String> {
    let code = call(sub, "eth_getCode", rpc_params![to_hex(&address.0), format!("0x{height:x}")]).await?;
    let code = from_hex(&code, "eth_getCode")?;
    Ok((!code.is_empty()).then(|| H256(accord_ethereum::keccak256(&code))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(hash: u8) -> Announcement {
        let by = accord_primitives::AccountId32([1; 32]);
        Announcement { code_hash: H256([hash; 32]), height: 1, org: 1, by, at: 1 }
    }

    #[test]
    fn the_next_contract_to_announce_is_new_or_has_new_code() {
        let (a, b) = (H160([1; 20]), H160([2; 20]));
        let sub = BTreeMap::from([(a, H256([1; 32])), (b, H256([2; 32]))]);
        let empty = BTreeMap::new();
        assert_eq!(to_announce(&sub, &empty).collect::<Vec<_>>(), [(a, H256([1; 32])), (b, H256([2; 32]))]);
        let on_main = BTreeMap::from([(a, announcement(1))]);
        assert_eq!(to_announce(&sub, &on_main).collect::<Vec<_>>(), [(b, H256([2; 32]))]);
        let on_main = BTreeMap::from([(a, announcement(1)), (b, announcement(2))]);
        assert_eq!(to_announce(&sub, &on_main).next(), None);
        let on_main = BTreeMap::from([(a, announcement(9)), (b, announcement(2))]);
        assert_eq!(to_announce(&sub, &on_main).next(), Some((a, H256([1; 32]))), "an alias pointed elsewhere");
    }

    #[test]
    fn the_address_is_the_end_of_the_key() {
        let mut key = evm::CONTRACTS.key(&H160([7; 20]));
        assert_eq!(address_of_key(&key), Some(H160([7; 20])));
        key.truncate(10);
        assert_eq!(address_of_key(&key), None);
    }
}
