//! On a BFT chain the best block is the notarized head, as a Substrate node's best chain
//! holds blocks that are not final yet: a client told `inBlock` at H reads the state at H
//! and takes the next nonce at the best block (polkadot.js does both). Run inside the
//! network test (`network.rs`), on its four validators and full node.

use std::time::Duration;

use jsonrpsee::core::client::{ClientT, Subscription, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde_json::{json, Value};

use accord_primitives::{Pair, H256};

use crate::harness::{hex0x, sign, transfer};

/// How long one transfer may take to be notarized.
const IN_BLOCK: Duration = Duration::from_secs(60);

/// Sends `count` transfers from `from` to `to` through the node at `ws_url`, one after the
/// other, each with the nonce `AccountNonceApi_account_nonce` answers at the best block as
/// soon as the previous one is `inBlock`; each must be accepted and reach `inBlock`, and
/// every state method must answer at the `inBlock` hash at once.
pub(crate) async fn back_to_back_sends_land(ws_url: &str, genesis: H256, from: &Pair, to: &Pair, count: u32) {
    let ws = WsClientBuilder::default().build(ws_url).await.unwrap();
    let account = hex0x(&from.account().0);
    for i in 0..count {
        let best: String = ws.request("chain_getBlockHash", rpc_params![]).await.unwrap();
        let nonce: String =
            ws.request("state_call", rpc_params!["AccountNonceApi_account_nonce", &account, &best]).await.unwrap();
        let nonce = u32::from_le_bytes(hex::decode(&nonce[2..]).unwrap().try_into().unwrap());
        let xt = sign(genesis, from, &transfer(to, 1_000_000), nonce);
        let mut watch: Subscription<Value> = ws
            .subscribe("author_submitAndWatchExtrinsic", rpc_params![hex0x(xt.encoded())], "author_unwatchExtrinsic")
            .await
            .unwrap_or_else(|e| panic!("transfer {i} (nonce {nonce} read at the best block {best}) refused: {e}"));
        let block = in_block(&mut watch, i).await;
        answers_at(&ws, &block, &account).await;
    }
}

/// Waits for `inBlock` (or `finalized`, should it overtake) of transfer `i`.
async fn in_block(watch: &mut Subscription<Value>, i: u32) -> String {
    let started = std::time::Instant::now();
    loop {
        let left = IN_BLOCK.saturating_sub(started.elapsed());
        let status = tokio::time::timeout(left, watch.next())
            .await
            .unwrap_or_else(|_| panic!("transfer {i} not in a block within {IN_BLOCK:?}"))
            .expect("the status stream ended")
            .unwrap();
        for key in ["inBlock", "finalized"] {
            if let Some(hash) = status.get(key).and_then(Value::as_str) {
                return hash.to_string();
            }
        }
        assert!(status.is_string(), "transfer {i}: {status}");
        assert!(status != json!("invalid") && status != json!("dropped"), "transfer {i}: {status}");
    }
}

/// Every state method answers at block `block` right away, and the best block is at or
/// above it.
async fn answers_at(ws: &WsClient, block: &str, account: &str) {
    let ask = |method: &'static str, params: jsonrpsee::core::params::ArrayParams| async move {
        ws.request::<Value, _>(method, params).await.unwrap_or_else(|e| panic!("{method} at {block}: {e}"))
    };
    let header = ask("chain_getHeader", rpc_params![block]).await;
    let number = u32::from_str_radix(header["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(ask("chain_getBlock", rpc_params![block]).await["block"].is_object());
    assert!(ask("state_getRuntimeVersion", rpc_params![block]).await["specVersion"].is_u64());
    assert!(ask("state_getMetadata", rpc_params![block]).await.as_str().unwrap().starts_with("0x6d657461"));
    let nonce = ask("state_call", rpc_params!["AccountNonceApi_account_nonce", account, block]).await;
    assert_eq!(nonce.as_str().map(str::len), Some(10), "{nonce}");
    let prefix = hex0x(&accord_primitives::hashing::twox_128(b"System"));
    let keys = ask("state_getKeysPaged", rpc_params![&prefix, 10, Value::Null, block]).await;
    let first = keys.as_array().and_then(|k| k.first()).cloned().expect("System has keys");
    assert!(ask("state_getStorage", rpc_params![first, block]).await.is_string());
    let best = ask("chain_getHeader", rpc_params![]).await;
    let best = u32::from_str_radix(best["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(best >= number, "the best block #{best} is below the inBlock block #{number}");
}
