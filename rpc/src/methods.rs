//! The JSON-RPC methods: Substrate's legacy API as polkadot.js and subxt use it.
//! Subscriptions are in `subscriptions.rs`.

use std::sync::Arc;

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};

use accord_primitives::hashing::blake2_256;
use accord_primitives::{AccountId32, H256};

use crate::api::{NodeApi, StateError};
use crate::errors::{invalid_params, state_error, submit_error};
use crate::json::{block_json, header_json, hex0x, parse_block_number, runtime_version_json, Args};
use crate::RpcError;

/// The most keys one `state_getKeysPaged` page or `state_queryStorageAt` call may name.
pub const KEYS_PER_CALL_MAX: u32 = 1000;

/// The server's shared context.
pub struct Ctx {
    /// The node.
    pub api: Arc<dyn NodeApi>,
    /// The installed Ethereum filters.
    pub eth_filters: crate::eth_filters::Filters,
}

type MethodResult = Result<Value, ErrorObjectOwned>;

/// Registers a plain method that takes positional parameters, counting its calls.
pub(crate) fn method(
    m: &mut RpcModule<Ctx>,
    name: &'static str,
    f: impl Fn(Args, &Ctx) -> MethodResult + Send + Sync + 'static,
) -> Result<(), RpcError> {
    m.register_method(name, move |params, ctx, _| {
        ctx.api.record_rpc_call(name);
        f(Args::of(&params)?, ctx)
    })?;
    Ok(())
}

/// Registers `alias` as another name of `existing`.
pub(crate) fn alias(m: &mut RpcModule<Ctx>, alias: &'static str, existing: &'static str) -> Result<(), RpcError> {
    m.register_alias(alias, existing)?;
    Ok(())
}

/// The block a state query runs at: the given hash, which must be known, or the best.
pub(crate) fn at(ctx: &Ctx, hash: Option<H256>) -> Result<H256, ErrorObjectOwned> {
    match hash {
        None => Ok(ctx.api.best_hash()),
        Some(h) if ctx.api.header(h).is_some() => Ok(h),
        Some(h) => Err(state_error(StateError::UnknownBlock(h))),
    }
}

fn system(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "system_chain", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(ctx.api.chain_info().chain_name))
    })?;
    method(m, "system_name", |_, ctx| Ok(json!(ctx.api.chain_info().node_name)))?;
    method(m, "system_version", |_, ctx| Ok(json!(ctx.api.chain_info().node_version)))?;
    method(m, "system_chainType", |_, ctx| Ok(json!(ctx.api.chain_info().chain_type)))?;
    method(m, "system_properties", |_, ctx| Ok(ctx.api.chain_info().properties))?;
    method(m, "system_health", |_, ctx| {
        let h = ctx.api.health();
        Ok(json!({ "peers": h.peers, "isSyncing": h.is_syncing, "shouldHavePeers": h.should_have_peers }))
    })?;
    // system_nodeRoles, system_peers, system_syncState: legacy.rs (the node's network).
    method(m, "system_accountNextIndex", |a, ctx| {
        let a = a.at_most(1)?;
        let who =
            AccountId32::parse(a.required_str(0)?).map_err(|e| invalid_params(format!("invalid account: {e}")))?;
        ctx.api.account_next_index(&who).map(|n| json!(n)).map_err(state_error)
    })?;
    alias(m, "account_nextIndex", "system_accountNextIndex")
}

fn block_hash_of(ctx: &Ctx, v: Option<&Value>) -> MethodResult {
    match v {
        None => Ok(json!(ctx.api.best_hash().to_hex())),
        Some(v) => {
            let n = parse_block_number(v)?;
            Ok(ctx.api.block_hash(n).map_or(Value::Null, |h| json!(h.to_hex())))
        }
    }
}

fn chain(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "chain_getBlockHash", |a, ctx| {
        let a = a.at_most(1)?;
        match a.get(0) {
            Some(Value::Array(list)) => {
                if list.len() > KEYS_PER_CALL_MAX as usize {
                    return Err(invalid_params(format!("at most {KEYS_PER_CALL_MAX} block numbers per call")));
                }
                let hashes: Result<Vec<Value>, _> = list.iter().map(|v| block_hash_of(ctx, Some(v))).collect();
                Ok(Value::Array(hashes?))
            }
            other => block_hash_of(ctx, other),
        }
    })?;
    alias(m, "chain_getHead", "chain_getBlockHash")?;
    method(m, "chain_getHeader", |a, ctx| {
        let a = a.at_most(1)?;
        let hash = a.hash(0)?.unwrap_or_else(|| ctx.api.best_hash());
        Ok(ctx.api.header(hash).map_or(Value::Null, |h| header_json(&h)))
    })?;
    method(m, "chain_getBlock", |a, ctx| {
        let a = a.at_most(1)?;
        let hash = a.hash(0)?.unwrap_or_else(|| ctx.api.best_hash());
        Ok(ctx.api.block(hash).map_or(Value::Null, |b| block_json(&b)))
    })?;
    method(m, "chain_getFinalizedHead", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(ctx.api.finalized_hash().to_hex()))
    })?;
    alias(m, "chain_getFinalisedHead", "chain_getFinalizedHead")?;
    // Accord: the BFT finalization certificate of a block (default: the finalized head),
    // hex; null if none is stored for it.
    method(m, "accord_getFinalityCertificate", |a, ctx| {
        let a = a.at_most(1)?;
        let hash = a.hash(0)?.unwrap_or_else(|| ctx.api.finalized_hash());
        Ok(ctx.api.finality_certificate(hash).map_or(Value::Null, |c| json!(hex0x(&c))))
    })?;
    // Accord: the BFT validator set of an epoch (default: the current one); null on a
    // chain without BFT consensus.
    method(m, "accord_validators", |a, ctx| {
        let a = a.at_most(1)?;
        let epoch = match a.get(0) {
            None => None,
            Some(v) => {
                Some(v.as_u64().ok_or_else(|| invalid_params("parameter 0 (epoch) must be a non-negative integer"))?)
            }
        };
        Ok(ctx.api.validators(epoch).map_or(Value::Null, |v| {
            json!({
                "currentEpoch": v.current,
                "epochLength": v.epoch_length,
                "epoch": v.epoch,
                "validators": v.validators.map(|keys| keys.iter().map(|k| hex0x(k)).collect::<Vec<_>>()),
            })
        }))
    })
}

fn state(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "state_getMetadata", |a, ctx| {
        let a = a.at_most(1)?;
        let at = at(ctx, a.hash(0)?)?;
        Ok(json!(hex0x(&ctx.api.metadata(at).map_err(state_error)?)))
    })?;
    method(m, "state_getRuntimeVersion", |a, ctx| {
        let a = a.at_most(1)?;
        let at = at(ctx, a.hash(0)?)?;
        Ok(runtime_version_json(&ctx.api.runtime_version(at).map_err(state_error)?))
    })?;
    alias(m, "chain_getRuntimeVersion", "state_getRuntimeVersion")?;
    method(m, "state_getStorage", |a, ctx| {
        let a = a.at_most(2)?;
        let key = a.required_bytes(0)?;
        let at = at(ctx, a.hash(1)?)?;
        let value = ctx.api.storage(at, &key).map_err(state_error)?;
        Ok(value.map_or(Value::Null, |v| json!(hex0x(&v))))
    })?;
    alias(m, "state_getStorageAt", "state_getStorage")?;
    method(m, "state_getStorageHash", |a, ctx| {
        let a = a.at_most(2)?;
        let key = a.required_bytes(0)?;
        let at = at(ctx, a.hash(1)?)?;
        let value = ctx.api.storage(at, &key).map_err(state_error)?;
        Ok(value.map_or(Value::Null, |v| json!(hex0x(&blake2_256(&v)))))
    })?;
    alias(m, "state_getStorageHashAt", "state_getStorageHash")?;
    method(m, "state_getStorageSize", |a, ctx| {
        let a = a.at_most(2)?;
        let key = a.required_bytes(0)?;
        let at = at(ctx, a.hash(1)?)?;
        let value = ctx.api.storage(at, &key).map_err(state_error)?;
        Ok(value.map_or(Value::Null, |v| json!(v.len())))
    })?;
    alias(m, "state_getStorageSizeAt", "state_getStorageSize")?;
    method(m, "state_queryStorageAt", |a, ctx| {
        let a = a.at_most(2)?;
        let Some(Value::Array(keys)) = a.get(0) else {
            return Err(invalid_params("parameter 0 must be an array of keys"));
        };
        if keys.len() > KEYS_PER_CALL_MAX as usize {
            return Err(invalid_params(format!("at most {KEYS_PER_CALL_MAX} keys per call")));
        }
        let at = at(ctx, a.hash(1)?)?;
        let mut changes = Vec::with_capacity(keys.len());
        for key in keys {
            let Value::String(text) = key else { return Err(invalid_params("keys must be hex strings")) };
            let bytes = crate::json::parse_hex(text)?;
            let value = ctx.api.storage(at, &bytes).map_err(state_error)?;
            // Echo the key exactly as given, as polkadot.js matches on it.
            changes.push(json!([text, value.map(|v| hex0x(&v))]));
        }
        Ok(json!([{ "block": at.to_hex(), "changes": changes }]))
    })?;
    method(m, "state_getKeysPaged", |a, ctx| {
        let a = a.at_most(4)?;
        let prefix = a.bytes(0)?.unwrap_or_default();
        let count = a.u32(1)?.ok_or_else(|| invalid_params("parameter 1 (count) is required"))?;
        if count > KEYS_PER_CALL_MAX {
            return Err(invalid_params(format!("count {count} exceeds the limit of {KEYS_PER_CALL_MAX}")));
        }
        let start = a.bytes(2)?;
        let at = at(ctx, a.hash(3)?)?;
        let keys = ctx.api.storage_keys_paged(at, &prefix, count, start.as_deref()).map_err(state_error)?;
        Ok(json!(keys.iter().map(|k| hex0x(k)).collect::<Vec<_>>()))
    })?;
    alias(m, "state_getKeysPagedAt", "state_getKeysPaged")?;
    method(m, "state_call", |a, ctx| {
        let a = a.at_most(3)?;
        let name = a.required_str(0)?.to_string();
        let data = call_data(&a)?;
        let at = at(ctx, a.hash(2)?)?;
        Ok(json!(hex0x(&ctx.api.call(at, &name, &data).map_err(state_error)?)))
    })?;
    alias(m, "state_callAt", "state_call")
}

/// `state_call`'s call data (parameter 1): hex, `"0x"` or, as Substrate accepts and
/// polkadot-api's legacy adapter sends, `""` for none; absent or `null` is none too.
fn call_data(a: &Args) -> Result<Vec<u8>, ErrorObjectOwned> {
    match a.str(1)? {
        None | Some("") => Ok(Vec::new()),
        Some(text) => crate::json::parse_hex(text),
    }
}

fn author(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    // Asynchronous: a submission awaits the node's batch signature verifier without holding
    // a thread, so every submission in flight can join the same batch.
    m.register_async_method("author_submitExtrinsic", |params, ctx, _| async move {
        ctx.api.record_rpc_call("author_submitExtrinsic");
        let xt = Args::of(&params).and_then(|a| a.at_most(1)).and_then(|a| a.required_bytes(0))?;
        let hash = ctx.api.submit(xt).await.map_err(submit_error)?;
        MethodResult::Ok(json!(hash.to_hex()))
    })?;
    method(m, "author_pendingExtrinsics", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(ctx.api.pending_extrinsics().iter().map(|x| hex0x(x)).collect::<Vec<_>>()))
    })
}

/// Registers every plain (non-subscription) method.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    system(m)?;
    chain(m)?;
    state(m)?;
    author(m)
}

#[cfg(test)]
mod tests {
    use jsonrpsee::types::Params;

    use super::*;

    fn data_of(params: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
        call_data(&Args::of(&Params::new(Some(params)))?)
    }

    #[test]
    fn call_data_accepts_empty_forms() {
        assert_eq!(data_of(r#"["Metadata_metadata_versions", ""]"#).unwrap(), Vec::<u8>::new());
        assert_eq!(data_of(r#"["Metadata_metadata_versions", "0x"]"#).unwrap(), Vec::<u8>::new());
        assert_eq!(data_of(r#"["Metadata_metadata_versions", null]"#).unwrap(), Vec::<u8>::new());
        assert_eq!(data_of(r#"["Metadata_metadata_versions"]"#).unwrap(), Vec::<u8>::new());
        assert_eq!(data_of(r#"["Metadata_metadata_at_version", "0x0f000000"]"#).unwrap(), vec![15, 0, 0, 0]);
        assert!(data_of(r#"["Metadata_metadata_at_version", "0f000000"]"#).is_err(), "hex needs its 0x");
        assert!(data_of(r#"["Metadata_metadata_at_version", "0xzz"]"#).is_err());
        assert!(data_of(r#"["Metadata_metadata_at_version", 15]"#).is_err());
    }
}
