//! The Ethereum JSON-RPC's present: chain identity, state reads, calls, estimates and
//! `eth_sendRawTransaction`, answered from the node's own state (the EVM pallet's), on the
//! same port as the Substrate methods; the history is in `eth_blocks.rs`, filters and
//! subscriptions in `eth_filters.rs`. Quantities are hex without leading zeros; blocks are
//! named by tag (`latest` and `pending`: the best block; `safe` and `finalized`: the last
//! finalized one; `earliest`: genesis), by number, or by `{ "blockHash": .. }`.
//!
//! Errors in geth's words where tools match them: `nonce too low`, `already known`,
//! `insufficient funds for gas * price + value`, and reverts as code 3 `execution reverted`
//! with the revert data.

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};

use accord_primitives::H256;

use crate::api::{EthCall, EthCallOutcome, SubmitError};
use crate::errors::{invalid_params, state_error};
use crate::json::{hex0x, parse_hex, Args};
use crate::methods::{method, Ctx};
use crate::RpcError;

/// The most steps of `eth_estimateGas`'s binary search.
pub(crate) const ESTIMATE_STEPS_MAX: u32 = 24;

pub(crate) type MethodResult = Result<Value, ErrorObjectOwned>;

/// A quantity: hex without leading zeros.
pub(crate) fn quantity(n: u128) -> Value {
    json!(format!("0x{n:x}"))
}

/// A 256-bit big-endian quantity.
pub(crate) fn quantity256(bytes: &[u8; 32]) -> Value {
    let digits = hex::encode(bytes);
    let trimmed = digits.trim_start_matches('0');
    json!(format!("0x{}", if trimmed.is_empty() { "0" } else { trimmed }))
}

pub(crate) fn parse_quantity(v: &Value, what: &str) -> Result<u128, ErrorObjectOwned> {
    let s = v.as_str().ok_or_else(|| invalid_params(format!("{what}: expected a hex quantity")))?;
    let digits = s.strip_prefix("0x").ok_or_else(|| invalid_params(format!("{what}: {s} has no 0x prefix")))?;
    if digits.is_empty() || digits.len() > 32 {
        return Err(invalid_params(format!("{what}: {s} is not a quantity of at most 128 bits")));
    }
    u128::from_str_radix(digits, 16).map_err(|_| invalid_params(format!("{what}: {s} is not hex")))
}

pub(crate) fn parse_u256(v: &Value, what: &str) -> Result<[u8; 32], ErrorObjectOwned> {
    let s = v.as_str().ok_or_else(|| invalid_params(format!("{what}: expected a hex quantity")))?;
    let digits = s.strip_prefix("0x").ok_or_else(|| invalid_params(format!("{what}: {s} has no 0x prefix")))?;
    if digits.is_empty() || digits.len() > 64 {
        return Err(invalid_params(format!("{what}: {s} is not a 256-bit quantity")));
    }
    let padded = format!("{digits:0>64}");
    let mut out = [0u8; 32];
    hex::decode_to_slice(&padded, &mut out).map_err(|_| invalid_params(format!("{what}: {s} is not hex")))?;
    Ok(out)
}

pub(crate) fn parse_address(v: &Value, what: &str) -> Result<[u8; 20], ErrorObjectOwned> {
    let bytes =
        v.as_str().map(parse_hex).transpose()?.ok_or_else(|| invalid_params(format!("{what}: expected an address")))?;
    bytes.try_into().map_err(|_| invalid_params(format!("{what}: an address is 20 bytes")))
}

/// The block `v` names (default: latest).
pub(crate) fn block(ctx: &Ctx, v: Option<&Value>) -> Result<H256, ErrorObjectOwned> {
    let not_found = || ErrorObjectOwned::owned(-32000, "header not found", None::<()>);
    match v {
        None | Some(Value::Null) => Ok(ctx.api.best_hash()),
        Some(Value::String(tag)) => match tag.as_str() {
            "latest" | "pending" => Ok(ctx.api.best_hash()),
            "safe" | "finalized" => Ok(ctx.api.finalized_hash()),
            "earliest" => ctx.api.block_hash(0).ok_or_else(not_found),
            number => {
                let n = parse_quantity(&json!(number), "block")?;
                ctx.api.block_hash(u32::try_from(n).map_err(|_| not_found())?).ok_or_else(not_found)
            }
        },
        Some(Value::Object(o)) => {
            let hash = o
                .get("blockHash")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid_params("block: expected a tag, a number or {blockHash}"))?;
            let hash = crate::json::parse_hash(hash)?;
            ctx.api.header(hash).map(|_| hash).ok_or_else(not_found)
        }
        Some(_) => Err(invalid_params("block: expected a tag, a number or {blockHash}")),
    }
}

pub(crate) fn chain_id(ctx: &Ctx) -> Result<u64, ErrorObjectOwned> {
    ctx.api.eth_chain_id().ok_or_else(|| ErrorObjectOwned::owned(-32601, "this node runs no EVM", None::<()>))
}

/// A call object (`eth_call`, `eth_estimateGas`): `from`, `to`, `gas`, `value`, `data` or
/// `input`; fee fields and `type` are accepted and not used (the runtime charges by weight).
fn call_object(v: Option<&Value>) -> Result<EthCall, ErrorObjectOwned> {
    let o = v.and_then(Value::as_object).ok_or_else(|| invalid_params("expected a call object"))?;
    let field = |name: &str| o.get(name).filter(|v| !v.is_null());
    let data = match field("input").or(field("data")) {
        Some(v) => parse_hex(v.as_str().ok_or_else(|| invalid_params("data: expected hex"))?)?,
        None => Vec::new(),
    };
    Ok(EthCall {
        from: field("from").map(|v| parse_address(v, "from")).transpose()?,
        to: field("to").map(|v| parse_address(v, "to")).transpose()?,
        gas: field("gas").map(|v| parse_quantity(v, "gas").map(|g| g.min(u64::MAX as u128) as u64)).transpose()?,
        value: field("value").map(|v| parse_u256(v, "value")).transpose()?.unwrap_or([0; 32]),
        data,
    })
}

/// A revert as geth reports it: code 3, the decoded `Error(string)` reason if there is one,
/// the raw revert data.
fn reverted(output: &[u8]) -> ErrorObjectOwned {
    let message = match revert_reason(output) {
        Some(reason) => format!("execution reverted: {reason}"),
        None => "execution reverted".to_string(),
    };
    ErrorObjectOwned::owned(3, message, Some(hex0x(output)))
}

/// The string of an `Error(string)` revert (selector 0x08c379a0).
fn revert_reason(output: &[u8]) -> Option<String> {
    let body = output.strip_prefix(&[0x08, 0xc3, 0x79, 0xa0][..])?;
    let len = usize::try_from(u64::from_be_bytes(body.get(56..64)?.try_into().ok()?)).ok()?;
    String::from_utf8(body.get(64..64usize.checked_add(len)?)?.to_vec()).ok()
}

fn simulate(ctx: &Ctx, at: H256, call: EthCall) -> Result<EthCallOutcome, ErrorObjectOwned> {
    ctx.api.eth_call(at, call).map_err(state_error)?.map_err(|e| ErrorObjectOwned::owned(-32000, e, None::<()>))
}

fn eth_call(ctx: &Ctx, a: Args) -> MethodResult {
    let call = call_object(a.get(0))?;
    let at = block(ctx, a.get(1))?;
    match simulate(ctx, at, call)? {
        EthCallOutcome::Success { output, .. } => Ok(json!(hex0x(&output))),
        EthCallOutcome::Revert { output, .. } => Err(reverted(&output)),
        EthCallOutcome::Halt { reason, .. } => Err(ErrorObjectOwned::owned(-32000, reason, None::<()>)),
    }
}

/// The least gas with which the call succeeds: a binary search between the gas it used and
/// the cap (the 63/64 rule and refunds make the gas used lower than the gas needed).
fn eth_estimate_gas(ctx: &Ctx, a: Args) -> MethodResult {
    let call = call_object(a.get(0))?;
    let at = block(ctx, a.get(1))?;
    let cap = call.gas.unwrap_or(ctx.api.eth_gas_cap());
    let at_cap = simulate(ctx, at, EthCall { gas: Some(cap), ..call.clone() })?;
    let mut low = match at_cap {
        EthCallOutcome::Success { gas_used, .. } => gas_used.saturating_sub(1),
        EthCallOutcome::Revert { output, .. } => return Err(reverted(&output)),
        EthCallOutcome::Halt { reason, .. } => {
            return Err(ErrorObjectOwned::owned(
                -32000,
                format!("gas required exceeds allowance ({cap}): {reason}"),
                None::<()>,
            ))
        }
    };
    let mut high = cap;
    for _ in 0..ESTIMATE_STEPS_MAX {
        if high.saturating_sub(low) <= 1 {
            break;
        }
        let mid = low + (high - low) / 2;
        match simulate(ctx, at, EthCall { gas: Some(mid), ..call.clone() }) {
            Ok(EthCallOutcome::Success { .. }) => high = mid,
            _ => low = mid,
        }
    }
    Ok(quantity(high as u128))
}

/// `eth_sendRawTransaction`'s refusals in geth's words.
fn send_error(e: SubmitError) -> ErrorObjectOwned {
    let message = match &e {
        SubmitError::AlreadyImported => "already known".to_string(),
        SubmitError::TooLowPriority { .. } => "replacement transaction underpriced".to_string(),
        SubmitError::Invalid(reason) if reason.contains("outdated") => "nonce too low".to_string(),
        SubmitError::Invalid(reason) if reason.contains("Inability to pay") => {
            "insufficient funds for gas * price + value".to_string()
        }
        other => other.to_string(),
    };
    ErrorObjectOwned::owned(-32000, message, None::<()>)
}

/// Registers the Ethereum methods.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "eth_chainId", |a, ctx| {
        a.at_most(0)?;
        Ok(quantity(chain_id(ctx)? as u128))
    })?;
    method(m, "net_version", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(chain_id(ctx)?.to_string()))
    })?;
    method(m, "web3_clientVersion", |a, ctx| {
        a.at_most(0)?;
        Ok(json!(format!("accord-node/{}", ctx.api.chain_info().node_version)))
    })?;
    method(m, "net_listening", |_, _| Ok(json!(true)))?;
    method(m, "eth_syncing", |_, _| Ok(json!(false)))?;
    method(m, "eth_accounts", |_, _| Ok(json!([])))?;
    method(m, "eth_blockNumber", |a, ctx| {
        a.at_most(0)?;
        let best = ctx.api.header(ctx.api.best_hash()).map_or(0, |h| h.number);
        Ok(quantity(best as u128))
    })?;
    // Metering charges every transaction by its weight, length and storage; the price of a
    // gas is the compute price of its weight. Fee fields of transactions are not used: no
    // priority is bought with a tip in wei.
    method(m, "eth_gasPrice", |a, ctx| {
        a.at_most(0)?;
        Ok(quantity(ctx.api.eth_gas_price()))
    })?;
    method(m, "eth_maxPriorityFeePerGas", |_, _| Ok(quantity(0)))?;
    method(m, "eth_getBalance", |a, ctx| {
        let a = a.at_most(2)?;
        let address = parse_address(a.get(0).unwrap_or(&Value::Null), "address")?;
        let at = block(ctx, a.get(1))?;
        let account = ctx.api.eth_account(at, address, false).map_err(state_error)?;
        Ok(quantity256(&account.balance))
    })?;
    method(m, "eth_getTransactionCount", |a, ctx| {
        let a = a.at_most(2)?;
        let address = parse_address(a.get(0).unwrap_or(&Value::Null), "address")?;
        let pending = a.get(1).and_then(Value::as_str) == Some("pending");
        let at = block(ctx, a.get(1))?;
        let account = ctx.api.eth_account(at, address, pending).map_err(state_error)?;
        Ok(quantity(account.nonce as u128))
    })?;
    method(m, "eth_getCode", |a, ctx| {
        let a = a.at_most(2)?;
        let address = parse_address(a.get(0).unwrap_or(&Value::Null), "address")?;
        let at = block(ctx, a.get(1))?;
        Ok(json!(hex0x(&ctx.api.eth_account(at, address, false).map_err(state_error)?.code)))
    })?;
    method(m, "eth_getStorageAt", |a, ctx| {
        let a = a.at_most(3)?;
        let address = parse_address(a.get(0).unwrap_or(&Value::Null), "address")?;
        let slot = parse_u256(a.get(1).unwrap_or(&Value::Null), "slot")?;
        let at = block(ctx, a.get(2))?;
        Ok(json!(hex0x(&ctx.api.eth_storage(at, address, slot).map_err(state_error)?)))
    })?;
    method(m, "eth_call", |a, ctx| eth_call(ctx, a.at_most(2)?))?;
    method(m, "eth_estimateGas", |a, ctx| eth_estimate_gas(ctx, a.at_most(2)?))?;
    m.register_async_method("eth_sendRawTransaction", |params, ctx, _| async move {
        ctx.api.record_rpc_call("eth_sendRawTransaction");
        let raw = Args::of(&params).and_then(|a| a.at_most(1)).and_then(|a| a.required_bytes(0))?;
        // Refused here with the decoder's reason, before the pool: what tools show their users.
        let signed = accord_ethereum::transaction::decode(&raw)
            .map_err(|e| ErrorObjectOwned::owned(-32000, format!("invalid transaction: {e}"), None::<()>))?;
        ctx.api.eth_submit(raw).await.map_err(send_error)?;
        MethodResult::Ok(json!(hex0x(&signed.hash())))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_have_no_leading_zeros() {
        assert_eq!(quantity(0), json!("0x0"));
        assert_eq!(quantity(255), json!("0xff"));
        let mut big = [0u8; 32];
        big[31] = 1;
        assert_eq!(quantity256(&big), json!("0x1"));
        assert_eq!(quantity256(&[0; 32]), json!("0x0"));
        assert_eq!(parse_u256(&json!("0x1"), "v").unwrap(), big);
        assert!(parse_quantity(&json!("12"), "v").is_err(), "no prefix");
        assert!(parse_quantity(&json!("0x"), "v").is_err(), "no digits");
        assert!(parse_u256(&json!(format!("0x{}", "f".repeat(65))), "v").is_err(), "too long");
    }

    #[test]
    fn revert_reasons_decode_from_error_string() {
        // Error("no") ABI-encoded.
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        let word = |n: u8| {
            let mut w = [0u8; 32];
            w[31] = n;
            w
        };
        data.extend(word(32));
        data.extend(word(2));
        let mut text = [0u8; 32];
        text[..2].copy_from_slice(b"no");
        data.extend(text);
        assert_eq!(revert_reason(&data).as_deref(), Some("no"));
        assert_eq!(revert_reason(&data[..40]), None, "truncated");
        assert_eq!(revert_reason(&[0xde, 0xad]), None);
        let error = reverted(&data);
        assert_eq!((error.code(), error.message()), (3, "execution reverted: no"));
    }
}
