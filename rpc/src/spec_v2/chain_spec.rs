//! `chainSpec_v1_*`: the chain's name, genesis hash and properties, which never change while
//! the node runs.

use jsonrpsee::RpcModule;
use serde_json::{json, Value};

use super::{error, method, SpecCtx};
use crate::RpcError;

/// The genesis hash, as `0x` hex.
pub(super) fn genesis_hash(ctx: &SpecCtx) -> Result<Value, jsonrpsee::types::ErrorObjectOwned> {
    let hash = ctx.api.block_hash(0).ok_or_else(|| error(-32603, "the node has no genesis block"))?;
    Ok(json!(hash.to_hex()))
}

/// Registers `chainSpec_v1_chainName`, `chainSpec_v1_genesisHash`, `chainSpec_v1_properties`.
pub(super) fn register(m: &mut RpcModule<SpecCtx>) -> Result<(), RpcError> {
    method(m, "chainSpec_v1_chainName", |a, ctx, _| {
        a.at_most(0)?;
        Ok(json!(ctx.api.chain_info().chain_name))
    })?;
    method(m, "chainSpec_v1_genesisHash", |a, ctx, _| {
        a.at_most(0)?;
        genesis_hash(ctx)
    })?;
    method(m, "chainSpec_v1_properties", |a, ctx, _| {
        a.at_most(0)?;
        Ok(ctx.api.chain_info().properties)
    })
}
