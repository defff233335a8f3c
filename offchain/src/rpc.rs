//! The node RPC calls the workers share: a JSON-RPC request with the method in its error,
//! storage and headers read at a given block, the finalized head, and signing and submitting
//! a call.

use codec::{Decode, Encode};
use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;
use serde_json::Value;

use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Era, Implicit, Pair, UncheckedExtrinsic, H256};
use accord_runtime::RuntimeCall;

/// A JSON-RPC call; the error names the method.
pub async fn call(
    client: &HttpClient,
    method: &str,
    params: jsonrpsee::core::params::ArrayParams,
) -> Result<Value, String> {
    client.request::<Value, _>(method, params).await.map_err(|e| format!("{method}: {e}"))
}

/// `0x`-prefixed hex.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The bytes of a `0x`-prefixed hex string in an answer of `method`.
pub fn from_hex(value: &Value, method: &str) -> Result<Vec<u8>, String> {
    let text = value.as_str().ok_or_else(|| format!("{method}: expected a hex string, got {value}"))?;
    hex::decode(text.trim_start_matches("0x")).map_err(|e| format!("{method}: not hex: {e}"))
}

/// A hash in an answer of `method`.
pub fn hash_of(value: &Value, method: &str) -> Result<H256, String> {
    let bytes = from_hex(value, method)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| format!("{method}: not a 32-byte hash"))?;
    Ok(H256(bytes))
}

/// The value under `key` at block `at`, decoded; `None` if there is none.
pub async fn storage<T: Decode>(client: &HttpClient, key: &[u8], at: H256) -> Result<Option<T>, String> {
    let value = call(client, "state_getStorage", rpc_params![to_hex(key), to_hex(&at.0)]).await?;
    if value.is_null() {
        return Ok(None);
    }
    let bytes = from_hex(&value, "state_getStorage")?;
    T::decode(&mut &bytes[..]).map(Some).map_err(|e| format!("stored value does not decode: {e}"))
}

/// The finalized head's hash.
pub async fn finalized(client: &HttpClient) -> Result<H256, String> {
    let v = call(client, "chain_getFinalizedHead", rpc_params![]).await?;
    hash_of(&v, "chain_getFinalizedHead")
}

/// The number of block `hash`.
pub async fn number_of(client: &HttpClient, hash: H256) -> Result<u64, String> {
    let header = call(client, "chain_getHeader", rpc_params![to_hex(&hash.0)]).await?;
    let number = header["number"].as_str().ok_or("chain_getHeader: no number")?;
    u64::from_str_radix(number.trim_start_matches("0x"), 16).map_err(|e| format!("chain_getHeader: number: {e}"))
}

/// The finalized head: its hash and number.
pub async fn finalized_head(client: &HttpClient) -> Result<(H256, u64), String> {
    let hash = finalized(client).await?;
    Ok((hash, number_of(client, hash).await?))
}

/// Signs `call` with `pair` (immortal, the account's next nonce as the node counts it, pool
/// included) and submits it; returns the transaction hash the node reports.
pub async fn submit_signed(client: &HttpClient, pair: &Pair, call_: &RuntimeCall) -> Result<String, String> {
    let genesis = hash_of(&call(client, "chain_getBlockHash", rpc_params![0]).await?, "chain_getBlockHash")?;
    let version = call(client, "state_getRuntimeVersion", rpc_params![]).await?;
    let account = pair.account().to_ss58_default();
    let nonce = call(client, "system_accountNextIndex", rpc_params![account]).await?;
    let implicit = Implicit {
        spec_version: version["specVersion"].as_u64().ok_or("no specVersion")? as u32,
        transaction_version: version["transactionVersion"].as_u64().ok_or("no transactionVersion")? as u32,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    };
    let extra = SignedExtra { era: Era::Immortal, nonce: nonce.as_u64().ok_or("no nonce")? as u32, tip: 0 };
    let xt = UncheckedExtrinsic::new_signed(&call_.encode(), pair, extra, &implicit);
    let hash = call(client, "author_submitExtrinsic", rpc_params![to_hex(xt.encoded())]).await?;
    Ok(hash.as_str().unwrap_or_default().to_string())
}
