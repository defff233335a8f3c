//! Reading a sub-chain's status at one of its finalized blocks, from its public RPC.
//!
//! Every figure is a function of the chain up to that block, so two honest workers reading
//! the same height from different nodes of the sub-chain get the same status:
//! - `height`, `block_hash`, `state_root`: the block's header;
//! - `tx_count`: the signed extrinsics of blocks 1 to `height` (inherents are not
//!   transactions), counted by walking the blocks once, forward, from a cursor;
//! - `tps_milli`: the signed extrinsics of the last [`TPS_WINDOW`] blocks over the time
//!   between their first block's parent and the block (`Timestamp.Now`), in thousandths
//!   per second (from block 1 while the chain is shorter than the window);
//! - `orgs`: `Organizations.ActiveOrgs`;
//! - `nodes`: the BFT validators (`Validators.Validators`), 1 on a single-authority chain;
//! - `contracts`: the deployed contracts (`Evm.ContractCount`: contracts, release aliases
//!   and their versions) plus the built-in targets' shipped logic versions;
//! - transactions: signed extrinsics and Ethereum transactions (`Evm.transact`).

use std::collections::VecDeque;

use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;

use accord_pallet_releases as releases;
use accord_pallet_subchain_status::Status;
use accord_primitives::{UncheckedExtrinsic, H256};

use crate::rpc::{call, finalized_head, from_hex, hash_of, storage, to_hex};

/// The blocks the TPS is measured over.
pub const TPS_WINDOW: u64 = 10;

/// Counts a sub-chain's transactions forward from block 1 and reads statuses.
#[derive(Debug, Default)]
pub struct Collector {
    /// The sub-chain's genesis hash, once read.
    genesis: Option<H256>,
    /// The last block counted (0: none).
    height: u64,
    /// Signed extrinsics in blocks 1 to `height`.
    tx_count: u64,
    /// Signed extrinsics per block of the last [`TPS_WINDOW`] blocks counted, oldest first.
    recent: VecDeque<u64>,
    /// Blocks read so far (a restart reads them again).
    pub blocks_read: u64,
}

/// The transactions among a block's extrinsics (`chain_getBlock`'s hex list): the signed
/// ones and the Ethereum transactions (`Evm.transact`, unsigned and self-contained).
pub fn signed_count(extrinsics: &[serde_json::Value]) -> Result<u64, String> {
    let mut signed = 0;
    for (i, xt) in extrinsics.iter().enumerate() {
        let bytes = from_hex(xt, "chain_getBlock")?;
        let xt = UncheckedExtrinsic::decode_with_limit(&bytes, u32::MAX)
            .map_err(|e| format!("chain_getBlock: extrinsic {i} does not decode: {e}"))?;
        signed += u64::from(xt.is_signed() || is_ethereum(xt.call()));
    }
    Ok(signed)
}

/// Whether `call` is an `Evm.transact`.
fn is_ethereum(call: &[u8]) -> bool {
    use codec::Encode;
    let probe = accord_runtime::RuntimeCall::Evm(accord_pallet_evm::Call::transact { transaction: Default::default() });
    call.len() >= 2 && call[..2] == probe.encode()[..2]
}

/// Transactions per second, in thousandths: `txs` over `elapsed_ms` (0 with no time).
pub fn tps_milli(txs: u64, elapsed_ms: u64) -> u64 {
    if elapsed_ms == 0 {
        return 0;
    }
    (txs as u128 * 1_000_000 / elapsed_ms as u128).min(u64::MAX as u128) as u64
}

async fn block_hash(client: &HttpClient, height: u64) -> Result<H256, String> {
    let v = call(client, "chain_getBlockHash", rpc_params![height]).await?;
    if v.is_null() {
        return Err(format!("the sub-chain has no block {height}"));
    }
    hash_of(&v, "chain_getBlockHash")
}

async fn moment(client: &HttpClient, at: H256) -> Result<u64, String> {
    Ok(storage::<u64>(client, &accord_pallet_timestamp::NOW.key(), at).await?.unwrap_or(0))
}

impl Collector {
    /// The sub-chain's genesis hash.
    pub async fn genesis(&mut self, client: &HttpClient) -> Result<H256, String> {
        if let Some(g) = self.genesis {
            return Ok(g);
        }
        let g = block_hash(client, 0).await?;
        self.genesis = Some(g);
        Ok(g)
    }

    /// The status at the finalized head.
    pub async fn collect(&mut self, client: &HttpClient) -> Result<Status, String> {
        let (_, height) = finalized_head(client).await?;
        self.status_at(client, height).await
    }

    /// The status at `height`, which must be finalized on the node (the caller checks).
    /// Counting moves forward only; a lower height than the last one counted starts the
    /// count again from block 1.
    pub async fn status_at(&mut self, client: &HttpClient, height: u64) -> Result<Status, String> {
        if height < self.height {
            *self = Collector { genesis: self.genesis, blocks_read: self.blocks_read, ..Collector::default() };
        }
        while self.height < height {
            let n = self.height + 1;
            let hash = block_hash(client, n).await?;
            let block = call(client, "chain_getBlock", rpc_params![to_hex(&hash.0)]).await?;
            let extrinsics = block["block"]["extrinsics"].as_array().ok_or("chain_getBlock: no extrinsics")?;
            let txs = signed_count(extrinsics)?;
            self.tx_count += txs;
            self.recent.push_back(txs);
            if self.recent.len() as u64 > TPS_WINDOW {
                self.recent.pop_front();
            }
            self.height = n;
            self.blocks_read += 1;
        }
        let hash = block_hash(client, height).await?;
        let header = call(client, "chain_getHeader", rpc_params![to_hex(&hash.0)]).await?;
        let state_root = hash_of(&header["stateRoot"], "chain_getHeader")?;
        let (window_txs, base) = if height == 0 {
            (0, 0)
        } else if height <= TPS_WINDOW {
            (self.recent.iter().skip(1).sum(), 1)
        } else {
            (self.recent.iter().sum(), height - TPS_WINDOW)
        };
        let elapsed = if height > base {
            moment(client, hash).await?.saturating_sub(moment(client, block_hash(client, base).await?).await?)
        } else {
            0
        };
        let orgs = storage::<u32>(client, &accord_pallet_organizations::ACTIVE_ORGS.key(), hash).await?.unwrap_or(0);
        let validators = storage::<accord_pallet_validators::ValidatorList>(
            client,
            &accord_pallet_validators::VALIDATORS.key(),
            hash,
        )
        .await?
        .map_or(0, |v| v.len() as u32);
        let deployed = super::contracts::contract_count(client, hash).await?;
        Ok(Status {
            height,
            block_hash: hash,
            state_root,
            orgs,
            nodes: validators.max(1),
            tx_count: self.tx_count,
            tps_milli: tps_milli(window_txs, elapsed),
            contracts: deployed.saturating_add(releases::shipped_versions().len() as u32),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_primitives::crypto::Sr25519Pair;
    use accord_primitives::extrinsic::SignedExtra;
    use accord_primitives::{Era, Implicit, Pair};

    #[test]
    fn only_signed_extrinsics_count_and_garbage_is_an_error() {
        let pair = Pair::Sr25519(Sr25519Pair::from_uri("//Alice").unwrap());
        let implicit = Implicit {
            spec_version: 1,
            transaction_version: 1,
            genesis_hash: H256([0; 32]),
            era_birth_hash: H256([0; 32]),
        };
        let signed = UncheckedExtrinsic::new_signed(
            &[5, 0],
            &pair,
            SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 },
            &implicit,
        );
        let inherent = UncheckedExtrinsic::new_unsigned(&[3, 0, 1]);
        // An Ethereum transaction is unsigned, and a transaction.
        let ethereum = accord_runtime::evm_glue::ethereum_extrinsic(vec![0xf8, 0x01]).unwrap();
        let list: Vec<serde_json::Value> = [signed.encoded(), inherent.encoded(), signed.encoded(), ethereum.encoded()]
            .iter()
            .map(|b| to_hex(b).into())
            .collect();
        assert_eq!(signed_count(&list).unwrap(), 3);
        assert!(signed_count(&["0x0184".into()]).unwrap_err().contains("extrinsic 0"));
        assert!(signed_count(&["zz".into()]).unwrap_err().contains("not hex"));
    }

    #[test]
    fn tps_in_thousandths() {
        assert_eq!(tps_milli(25, 10_000), 2_500);
        assert_eq!(tps_milli(1, 3_000), 333);
        assert_eq!(tps_milli(7, 0), 0);
        assert_eq!(tps_milli(u64::MAX, 1), u64::MAX);
    }
}
