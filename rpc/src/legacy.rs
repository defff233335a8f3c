//! The rest of Substrate's legacy API that tools beyond polkadot.js call (Substrate API
//! Sidecar, polkadot-api's legacy adapter): the node's place in the network, fee queries,
//! dry runs, read proofs and storage changes over a range of blocks.

use codec::Decode;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};

use accord_primitives::H256;

use crate::errors::{invalid_params, state_error};
use crate::json::{hex0x, parse_hex, Args};
use crate::methods::{at, method, Ctx, KEYS_PER_CALL_MAX};
use crate::RpcError;

/// The most (block, key) reads one `state_queryStorage` call may make.
pub(crate) const QUERY_STORAGE_READS_MAX: u64 = 100_000;

type MethodResult = Result<Value, ErrorObjectOwned>;

fn network(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "system_nodeRoles", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(ctx.api.network().roles))
    })?;
    method(m, "system_localPeerId", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(ctx.api.network().peer_id))
    })?;
    method(m, "system_localListenAddresses", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(ctx.api.network().listen_addresses))
    })?;
    method(m, "system_peers", |a, ctx| {
        a.at_most(0)?;
        let peers: Vec<Value> = ctx
            .api
            .network()
            .peers
            .iter()
            .map(|p| {
                json!({
                    "peerId": p.peer_id,
                    "roles": p.roles.to_uppercase(),
                    "bestHash": p.best_hash.to_hex(),
                    "bestNumber": p.best_number,
                })
            })
            .collect();
        Ok(json!(peers))
    })?;
    method(m, "system_syncState", |a, ctx| {
        a.at_most(0)?;
        let best = ctx.api.header(ctx.api.best_hash()).map_or(0, |h| h.number);
        let highest = ctx.api.network().highest_block.map_or(best, |h| h.max(best));
        Ok(json!({ "startingBlock": 0, "currentBlock": best, "highestBlock": highest }))
    })
}

/// A balance as Substrate's `NumberOrHex`: a number up to `u64::MAX`, else `0x` hex.
fn number_or_hex(value: u128) -> Value {
    match u64::try_from(value) {
        Ok(small) => json!(small),
        Err(_) => json!(format!("0x{value:x}")),
    }
}

/// The runtime API `method` called with `extrinsic` (as the runtime takes it: its encoding)
/// and its length, at `at`.
fn call_with_extrinsic(ctx: &Ctx, method: &str, extrinsic: &[u8], at: H256) -> Result<Vec<u8>, ErrorObjectOwned> {
    let mut data = extrinsic.to_vec();
    data.extend_from_slice(&(extrinsic.len() as u32).to_le_bytes());
    ctx.api.call(at, method, &data).map_err(state_error)
}

/// `RuntimeDispatchInfo` (SCALE) as Substrate's `payment_queryInfo` answers it.
fn dispatch_info_json(bytes: &[u8]) -> MethodResult {
    #[derive(Decode)]
    struct Info {
        ref_time: codec::Compact<u64>,
        proof_size: codec::Compact<u64>,
        class: u8,
        partial_fee: u128,
    }
    let info = Info::decode(&mut &bytes[..]).map_err(|e| state_error(crate::StateError::Execution(e.to_string())))?;
    let class = match info.class {
        0 => "normal",
        1 => "operational",
        _ => "mandatory",
    };
    Ok(json!({
        "weight": { "ref_time": info.ref_time.0, "proof_size": info.proof_size.0 },
        "class": class,
        "partialFee": info.partial_fee.to_string(),
    }))
}

/// `FeeDetails` (SCALE) as Substrate's `payment_queryFeeDetails` answers it (the tip is not
/// shown, as there).
fn fee_details_json(bytes: &[u8]) -> MethodResult {
    #[derive(Decode)]
    struct Details {
        inclusion_fee: Option<(u128, u128, u128)>,
        _tip: u128,
    }
    let d = Details::decode(&mut &bytes[..]).map_err(|e| state_error(crate::StateError::Execution(e.to_string())))?;
    let inclusion = d.inclusion_fee.map(|(base, len, adjusted)| {
        json!({
            "baseFee": number_or_hex(base),
            "lenFee": number_or_hex(len),
            "adjustedWeightFee": number_or_hex(adjusted),
        })
    });
    Ok(json!({ "inclusionFee": inclusion }))
}

fn payment(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "payment_queryInfo", |a, ctx| {
        let a = a.at_most(2)?;
        let at = at(ctx, a.hash(1)?)?;
        let xt = a.required_bytes(0)?;
        dispatch_info_json(&call_with_extrinsic(ctx, "TransactionPaymentApi_query_info", &xt, at)?)
    })?;
    method(m, "payment_queryFeeDetails", |a, ctx| {
        let a = a.at_most(2)?;
        let at = at(ctx, a.hash(1)?)?;
        let xt = a.required_bytes(0)?;
        fee_details_json(&call_with_extrinsic(ctx, "TransactionPaymentApi_query_fee_details", &xt, at)?)
    })?;
    method(m, "system_dryRun", |a, ctx| {
        let a = a.at_most(2)?;
        let at = at(ctx, a.hash(1)?)?;
        let xt = a.required_bytes(0)?;
        Ok(json!(hex0x(&ctx.api.dry_run(at, &xt).map_err(state_error)?)))
    })
}

/// The keys of parameter `i`: an array of hex strings, at most [`KEYS_PER_CALL_MAX`].
fn keys_of(a: &Args, i: usize) -> Result<Vec<(String, Vec<u8>)>, ErrorObjectOwned> {
    let Some(Value::Array(keys)) = a.get(i) else {
        return Err(invalid_params(format!("parameter {i} must be an array of keys")));
    };
    if keys.len() > KEYS_PER_CALL_MAX as usize {
        return Err(invalid_params(format!("at most {KEYS_PER_CALL_MAX} keys per call")));
    }
    keys.iter()
        .map(|k| match k {
            Value::String(text) => Ok((text.clone(), parse_hex(text)?)),
            _ => Err(invalid_params("keys must be hex strings")),
        })
        .collect()
}

fn state(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "state_getReadProof", |a, ctx| {
        let a = a.at_most(2)?;
        let keys: Vec<Vec<u8>> = keys_of(&a, 0)?.into_iter().map(|(_, k)| k).collect();
        let (at, proof) = ctx.api.read_proof(a.hash(1)?, &keys).map_err(state_error)?;
        Ok(json!({ "at": at.to_hex(), "proof": proof.iter().map(|n| hex0x(n)).collect::<Vec<_>>() }))
    })?;
    method(m, "state_queryStorage", |a, ctx| {
        let a = a.at_most(3)?;
        let keys = keys_of(&a, 0)?;
        let from = a.hash(1)?.ok_or_else(|| invalid_params("parameter 1 (the first block) is required"))?;
        let to = at(ctx, a.hash(2)?)?;
        query_storage(ctx, &keys, from, to)
    })
}

/// The values of `keys` at each block from `from` to `to` (on `to`'s chain): the first
/// block with every key, then each block where one changed, with the keys that did.
fn query_storage(ctx: &Ctx, keys: &[(String, Vec<u8>)], from: H256, to: H256) -> MethodResult {
    let unknown = |h| state_error(crate::StateError::UnknownBlock(h));
    let first = ctx.api.header(from).ok_or_else(|| unknown(from))?;
    let last = ctx.api.header(to).ok_or_else(|| unknown(to))?;
    if first.number > last.number {
        return Err(invalid_params("the first block is above the last"));
    }
    let blocks = u64::from(last.number - first.number) + 1;
    if blocks.saturating_mul(keys.len() as u64) > QUERY_STORAGE_READS_MAX {
        return Err(invalid_params(format!(
            "{blocks} blocks × {} keys: at most {QUERY_STORAGE_READS_MAX} reads per call",
            keys.len()
        )));
    }
    // The blocks of `to`'s chain, walked back by parent to `from`.
    let mut chain = vec![last.clone()];
    while chain.last().map(|h| h.number) > Some(first.number) {
        let parent = chain.last().map(|h| h.parent_hash).unwrap_or_default();
        chain.push(ctx.api.header(parent).ok_or_else(|| unknown(parent))?);
    }
    if chain.last().map(|h| h.hash()) != Some(from) {
        return Err(invalid_params("the first block is not an ancestor of the last"));
    }
    let mut last_values: Vec<Option<Option<Vec<u8>>>> = vec![None; keys.len()];
    let mut out = Vec::new();
    for header in chain.iter().rev() {
        let hash = header.hash();
        let mut changes = Vec::new();
        for ((text, key), seen) in keys.iter().zip(last_values.iter_mut()) {
            let value = ctx.api.storage(hash, key).map_err(state_error)?;
            if seen.as_ref() != Some(&value) {
                changes.push(json!([text, value.as_deref().map(hex0x)]));
                *seen = Some(value);
            }
        }
        if !changes.is_empty() {
            out.push(json!({ "block": hash.to_hex(), "changes": changes }));
        }
    }
    Ok(json!(out))
}

/// Registers the methods of this module.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    network(m)?;
    payment(m)?;
    state(m)
}

#[cfg(test)]
mod tests {
    use codec::Encode;

    use super::*;

    #[test]
    fn fee_answers_have_substrates_json_shapes() {
        let info = (codec::Compact(1_000u64), codec::Compact(0u64), 0u8, 12_345u128).encode();
        assert_eq!(
            dispatch_info_json(&info).unwrap(),
            json!({ "weight": { "ref_time": 1000, "proof_size": 0 }, "class": "normal", "partialFee": "12345" })
        );
        let details = (Some((1u128, 2u128, u128::from(u64::MAX) + 1)), 0u128).encode();
        assert_eq!(
            fee_details_json(&details).unwrap(),
            json!({ "inclusionFee": { "baseFee": 1, "lenFee": 2, "adjustedWeightFee": "0x10000000000000000" } })
        );
        assert_eq!(
            fee_details_json(&(None::<(u128, u128, u128)>, 0u128).encode()).unwrap(),
            json!({ "inclusionFee": null })
        );
        assert!(dispatch_info_json(&[1, 2]).is_err(), "a short answer is an error, not a panic");
    }
}
