//! `releases_route`: which logic version a call would run.
//!
//! ```text
//! releases_route(target, class, dataId, at?) -> { version, release, stage, shareBp, bucket, code }
//! ```
//! `target` is a built-in release target's name (`Records`) or a contract target's alias
//! (`0x` and 40 hex digits), `class` a traffic class (`production`, `preReleaseTest`,
//! `grayTest`), `dataId` the call's data id as 0x-prefixed hex (a record id; for a contract
//! target, the 32-byte argument its data id rule names), `at` a block hash (default: the best
//! block). `code` is, for a contract target, the contract whose code the version runs.

use jsonrpsee::RpcModule;
use serde_json::json;

use crate::errors::{invalid_params, state_error};
use crate::methods::{method, Ctx};
use crate::RpcError;

/// Registers `releases_route`.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "releases_route", |a, ctx| {
        let a = a.at_most(4)?;
        let target = a.required_str(0)?;
        let class = a.required_str(1)?;
        let data_id = a.required_bytes(2)?;
        let at = a.hash(3)?.unwrap_or_else(|| ctx.api.best_hash());
        let route = ctx.api.release_route(at, target, class, &data_id).map_err(state_error)?.map_err(invalid_params)?;
        Ok(json!({
            "version": route.version,
            "release": route.release,
            "stage": route.stage,
            "shareBp": route.share_bp,
            "bucket": route.bucket,
            "code": route.code.map(|c| format!("0x{}", hex::encode(c))),
        }))
    })
}
