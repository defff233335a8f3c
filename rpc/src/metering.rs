//! `metering_quote`: what an extrinsic would be charged.
//!
//! ```text
//! metering_quote(extrinsic, at?) -> { usage, priceVersion, fee, mode, dispatchOk }
//! ```
//! `extrinsic` is a signed extrinsic as 0x-prefixed hex (the signature is not checked: a
//! client may quote before signing, as polkadot.js's `paymentInfo` does), `at` a block hash
//! (default: the best block). Balances are decimal strings (they exceed 2^53).

use jsonrpsee::RpcModule;
use serde_json::json;

use crate::errors::{invalid_params, state_error};
use crate::methods::{method, Ctx};
use crate::RpcError;

/// Registers `metering_quote`.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "metering_quote", |a, ctx| {
        let a = a.at_most(2)?;
        let extrinsic = a.required_bytes(0)?;
        let at = a.hash(1)?.unwrap_or_else(|| ctx.api.best_hash());
        let q = ctx.api.metering_quote(at, &extrinsic).map_err(state_error)?.map_err(invalid_params)?;
        let s = |v: u128| v.to_string();
        Ok(json!({
            "usage": {
                "refTime": q.ref_time,
                "length": q.length,
                "nodes": q.nodes,
                "storageAdded": q.storage_added,
                "backupBytes": q.backup_bytes,
                "backupByteDays": q.backup_byte_days,
            },
            "priceVersion": q.price_version,
            "fee": {
                "compute": s(q.compute),
                "network": s(q.network),
                "storage": s(q.storage),
                "backup": s(q.backup),
                "backupTime": s(q.backup_time),
                "tip": s(q.tip),
                "total": s(q.total),
            },
            "mode": q.mode,
            "dispatchOk": q.dispatch_ok,
        }))
    })
}
