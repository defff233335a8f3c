//! On-chain acknowledgement: the consumer registers under its name (once) and periodically
//! tells the chain which index it processed, with signed `Oplog` calls, so that entries
//! every registered consumer processed are pruned.

use codec::Encode;
use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;
use serde_json::Value;

use accord_pallet_oplog as oplog;
use accord_primitives::crypto::Sr25519Pair;
use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Era, Implicit, Pair, UncheckedExtrinsic, H256};
use accord_runtime::RuntimeCall;
use accord_support::BoundedVec;

use crate::config::ConsumerConfig;

/// Signs and submits the consumer's calls.
pub struct Acknowledger {
    name: oplog::ConsumerName,
    pair: Pair,
    /// The last index acknowledged (or registered as the start).
    pub acknowledged: Option<u64>,
}

async fn request(
    client: &HttpClient,
    method: &str,
    params: jsonrpsee::core::params::ArrayParams,
) -> Result<Value, String> {
    client.request::<Value, _>(method, params).await.map_err(|e| format!("{method}: {e}"))
}

/// Signs `call` with `pair` (immortal, the account's next nonce as the node counts it, pool
/// included) and submits it; returns the transaction hash the node reports.
pub async fn submit_signed(client: &HttpClient, pair: &Pair, call: &RuntimeCall) -> Result<String, String> {
    let genesis = request(client, "chain_getBlockHash", rpc_params![0]).await?;
    let genesis = H256::from_hex(genesis.as_str().ok_or("no genesis hash")?).map_err(|e| e.to_string())?;
    let version = request(client, "state_getRuntimeVersion", rpc_params![]).await?;
    let account = pair.account().to_ss58_default();
    let nonce = request(client, "system_accountNextIndex", rpc_params![account]).await?;
    let implicit = Implicit {
        spec_version: version["specVersion"].as_u64().ok_or("no specVersion")? as u32,
        transaction_version: version["transactionVersion"].as_u64().ok_or("no transactionVersion")? as u32,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    };
    let extra = SignedExtra { era: Era::Immortal, nonce: nonce.as_u64().ok_or("no nonce")? as u32, tip: 0 };
    let xt = UncheckedExtrinsic::new_signed(&call.encode(), pair, extra, &implicit);
    let hash =
        request(client, "author_submitExtrinsic", rpc_params![format!("0x{}", hex::encode(xt.encoded()))]).await?;
    Ok(hash.as_str().unwrap_or_default().to_string())
}

impl Acknowledger {
    /// The acknowledger of `config` (already checked).
    pub fn new(config: &ConsumerConfig) -> Result<Acknowledger, String> {
        let name = BoundedVec::try_from_vec(config.name.as_bytes().to_vec()).map_err(|_| "consumer name too long")?;
        let pair = Pair::Sr25519(Sr25519Pair::from_uri(&config.signing_key).map_err(|e| e.to_string())?);
        Ok(Acknowledger { name, pair, acknowledged: None })
    }

    async fn submit(&self, client: &HttpClient, call: RuntimeCall) -> Result<(), String> {
        submit_signed(client, &self.pair, &call).await.map(|_| ())
    }

    /// Registers the consumer starting at `cursor` (a consumer already registered under
    /// this name keeps its registration: the chain refuses the duplicate).
    pub async fn register(&mut self, client: &HttpClient, cursor: u64) -> Result<(), String> {
        let call = RuntimeCall::Oplog(oplog::Call::register_consumer { name: self.name.clone(), start_index: cursor });
        self.submit(client, call).await?;
        self.acknowledged = Some(cursor);
        Ok(())
    }

    /// Acknowledges everything below `cursor`, if that is news.
    pub async fn acknowledge(&mut self, client: &HttpClient, cursor: u64) -> Result<(), String> {
        if self.acknowledged.is_some_and(|a| a >= cursor) {
            return Ok(());
        }
        let call = RuntimeCall::Oplog(oplog::Call::acknowledge { name: self.name.clone(), up_to: cursor });
        self.submit(client, call).await?;
        self.acknowledged = Some(cursor);
        Ok(())
    }
}
