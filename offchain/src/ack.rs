//! On-chain acknowledgement: the consumer registers under its name (once) and periodically
//! tells the chain which index it processed, with signed `Oplog` calls, so that entries
//! every registered consumer processed are pruned.

use jsonrpsee::http_client::HttpClient;

use accord_pallet_oplog as oplog;
use accord_primitives::crypto::Sr25519Pair;
use accord_primitives::Pair;
use accord_runtime::RuntimeCall;
use accord_support::BoundedVec;

use crate::config::ConsumerConfig;
use crate::rpc::submit_signed;

/// Signs and submits the consumer's calls.
pub struct Acknowledger {
    name: oplog::ConsumerName,
    pair: Pair,
    /// The last index acknowledged (or registered as the start).
    pub acknowledged: Option<u64>,
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
