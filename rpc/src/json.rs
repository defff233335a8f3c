//! JSON forms of Substrate types, and parsing of positional parameters.

use codec::Encode;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use serde_json::{json, Value};

use accord_primitives::{Block, Header, H256};

use crate::api::{RuntimeVersionInfo, TxStatus};
use crate::errors::invalid_params;

/// `0x`-prefixed lowercase hex.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Parses `0x`-prefixed hex (an empty `0x` is empty bytes).
pub fn parse_hex(s: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    let body = s.strip_prefix("0x").ok_or_else(|| invalid_params(format!("expected 0x-prefixed hex, got {s:?}")))?;
    hex::decode(body).map_err(|e| invalid_params(format!("invalid hex: {e}")))
}

/// Parses a 32-byte hash.
pub fn parse_hash(s: &str) -> Result<H256, ErrorObjectOwned> {
    let bytes = parse_hex(s)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| invalid_params("expected a 32-byte hash"))?;
    Ok(H256(arr))
}

/// The header as clients read it; `number` is minimal big-endian hex.
pub fn header_json(h: &Header) -> Value {
    let logs: Vec<String> = h.digest.logs.iter().map(|l| hex0x(&l.encode())).collect();
    json!({
        "parentHash": h.parent_hash.to_hex(),
        "number": format!("0x{:x}", h.number),
        "stateRoot": h.state_root.to_hex(),
        "extrinsicsRoot": h.extrinsics_root.to_hex(),
        "digest": { "logs": logs },
    })
}

/// The signed block as `chain_getBlock` returns it: extrinsics with their length prefix.
pub fn block_json(b: &Block) -> Value {
    let extrinsics: Vec<String> = b.extrinsics.iter().map(|x| hex0x(x)).collect();
    json!({ "block": { "header": header_json(&b.header), "extrinsics": extrinsics }, "justifications": null })
}

/// The runtime version in camelCase, as polkadot.js and subxt read it.
pub fn runtime_version_json(v: &RuntimeVersionInfo) -> Value {
    let apis: Vec<Value> = v.apis.iter().map(|(id, ver)| json!([hex0x(id), ver])).collect();
    json!({
        "specName": v.spec_name,
        "implName": v.impl_name,
        "authoringVersion": v.authoring_version,
        "specVersion": v.spec_version,
        "implVersion": v.impl_version,
        "apis": apis,
        "transactionVersion": v.transaction_version,
        "systemVersion": v.system_version,
        "stateVersion": v.system_version,
    })
}

/// A transaction status as `author_extrinsicUpdate` carries it.
pub fn tx_status_json(s: &TxStatus) -> Value {
    match s {
        TxStatus::Future => json!("future"),
        TxStatus::Ready => json!("ready"),
        TxStatus::InBlock(h) => json!({ "inBlock": h.to_hex() }),
        TxStatus::Retracted(h) => json!({ "retracted": h.to_hex() }),
        TxStatus::Finalized(h) => json!({ "finalized": h.to_hex() }),
        TxStatus::Usurped(h) => json!({ "usurped": h.to_hex() }),
        TxStatus::Dropped => json!("dropped"),
        TxStatus::Invalid => json!("invalid"),
    }
}

/// Positional parameters, each optional (missing or `null`).
pub struct Args(Vec<Value>);

impl Args {
    /// Reads the parameters: an array, or none.
    pub fn of(params: &Params<'_>) -> Result<Args, ErrorObjectOwned> {
        if params.is_object() {
            return Err(invalid_params("named parameters are not supported; pass an array"));
        }
        let values: Option<Vec<Value>> = params.parse().map_err(|e| invalid_params(e.to_string()))?;
        Ok(Args(values.unwrap_or_default()))
    }

    /// Errors if more than `n` parameters were given.
    pub fn at_most(self, n: usize) -> Result<Args, ErrorObjectOwned> {
        if self.0.len() > n {
            return Err(invalid_params(format!("expected at most {n} parameters, got {}", self.0.len())));
        }
        Ok(self)
    }

    /// Parameter `i`, `None` if missing or null.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }

    /// Parameter `i` as a string, if present.
    pub fn str(&self, i: usize) -> Result<Option<&str>, ErrorObjectOwned> {
        match self.get(i) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(invalid_params(format!("parameter {i}: expected a string, got {other}"))),
        }
    }

    /// Parameter `i` as a required string.
    pub fn required_str(&self, i: usize) -> Result<&str, ErrorObjectOwned> {
        self.str(i)?.ok_or_else(|| invalid_params(format!("parameter {i} is required")))
    }

    /// Parameter `i` as hex bytes, if present.
    pub fn bytes(&self, i: usize) -> Result<Option<Vec<u8>>, ErrorObjectOwned> {
        self.str(i)?.map(parse_hex).transpose()
    }

    /// Parameter `i` as required hex bytes.
    pub fn required_bytes(&self, i: usize) -> Result<Vec<u8>, ErrorObjectOwned> {
        parse_hex(self.required_str(i)?)
    }

    /// Parameter `i` as a hash, if present.
    pub fn hash(&self, i: usize) -> Result<Option<H256>, ErrorObjectOwned> {
        self.str(i)?.map(parse_hash).transpose()
    }

    /// Parameter `i` as an unsigned integer, if present.
    pub fn u32(&self, i: usize) -> Result<Option<u32>, ErrorObjectOwned> {
        match self.get(i) {
            None => Ok(None),
            Some(v) => parse_block_number(v).map(Some),
        }
    }
}

/// A block number: a JSON number or a hex (or decimal) string.
pub fn parse_block_number(v: &Value) -> Result<u32, ErrorObjectOwned> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        },
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| invalid_params(format!("invalid block number {v}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_primitives::{Digest, DigestItem};

    #[test]
    fn header_json_shape() {
        let h = Header {
            parent_hash: H256([1; 32]),
            number: 26,
            state_root: H256([2; 32]),
            extrinsics_root: H256([3; 32]),
            digest: Digest { logs: vec![DigestItem::Other(vec![7])] },
        };
        let j = header_json(&h);
        assert_eq!(j["number"], "0x1a");
        assert_eq!(j["digest"]["logs"][0], "0x000407");
        assert_eq!(j["parentHash"], H256([1; 32]).to_hex());
    }

    #[test]
    fn numbers_and_hex() {
        assert_eq!(parse_block_number(&json!(5)).unwrap(), 5);
        assert_eq!(parse_block_number(&json!("0x1a")).unwrap(), 26);
        assert_eq!(parse_block_number(&json!("12")).unwrap(), 12);
        assert!(parse_block_number(&json!(-1)).is_err());
        assert!(parse_block_number(&json!("0xfffffffff")).is_err());
        assert_eq!(parse_hex("0x").unwrap(), Vec::<u8>::new());
        assert!(parse_hex("12").is_err());
        assert!(parse_hash("0x12").is_err());
    }

    #[test]
    fn statuses() {
        assert_eq!(tx_status_json(&TxStatus::Ready), json!("ready"));
        assert_eq!(tx_status_json(&TxStatus::InBlock(H256([0; 32])))["inBlock"], H256([0; 32]).to_hex());
    }
}
