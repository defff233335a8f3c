//! The Ethereum JSON-RPC over the fake node (whose every block holds one Ethereum
//! transaction with one log): the shapes of blocks, receipts and logs, filters, and random
//! parameters to every method, which must get an answer or a clear error, never a panic.
//! `ACCORD_FUZZ_SEED` reproduces a printed seed, `ACCORD_FUZZ_ITERATIONS` runs longer.

use serde_json::{json, Value};

use crate::fake::{eth_raw, ETH_CHAIN_ID};
use crate::Test;

/// Imports empty blocks on the best one, each announced as best, up to number `to`.
fn grow(t: &Test, to: u32) {
    use accord_rpc::NodeApi;
    loop {
        let best = t.node.best_hash();
        let number = t.node.header(best).unwrap().number;
        if number >= to {
            return;
        }
        let next = t.node.import(best, 1);
        t.node.set_best(next);
    }
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[tokio::test]
async fn blocks_transactions_receipts_and_logs_have_ethereums_shapes() {
    let t = Test::start().await;
    grow(&t, 3);
    assert_eq!(t.call("eth_chainId", vec![]).await.unwrap(), json!(format!("0x{ETH_CHAIN_ID:x}")));
    let block = t.call("eth_getBlockByNumber", vec![json!("0x2"), json!(false)]).await.unwrap();
    let tx_hash = hex0x(&accord_ethereum::keccak256(&eth_raw()));
    assert_eq!(block["number"], json!("0x2"));
    assert_eq!(block["transactions"], json!([tx_hash]));
    assert_eq!(block["timestamp"], json!(format!("0x{:x}", 1_700_000_000u64)));
    assert_eq!(block["gasUsed"], json!("0x7530"));
    assert_eq!(block["logsBloom"].as_str().unwrap().len(), 2 + 512);
    let by_hash = t.call("eth_getBlockByHash", vec![block["hash"].clone(), json!(true)]).await.unwrap();
    let tx = &by_hash["transactions"][0];
    assert_eq!(
        (tx["hash"].as_str(), tx["nonce"].as_str(), tx["type"].as_str()),
        (Some(&*tx_hash), Some("0x3"), Some("0x2"))
    );
    assert_eq!(tx["input"], json!("0x01020304"));
    assert_eq!(tx["to"], json!(hex0x(&[7; 20])));
    // Beyond the best: null.
    assert_eq!(t.call("eth_getBlockByNumber", vec![json!("0x9"), json!(false)]).await.unwrap(), Value::Null);
    let receipt = t.call("eth_getTransactionReceipt", vec![json!(tx_hash)]).await.unwrap();
    assert_eq!(receipt["status"], json!("0x1"));
    assert_eq!(receipt["gasUsed"], json!("0x7530"));
    // 31e9 wei over 30,000 gas, rounded up.
    assert_eq!(receipt["effectiveGasPrice"], json!(format!("0x{:x}", 31_000_000_000u128.div_ceil(30_000))));
    assert_eq!(receipt["logs"][0]["logIndex"], json!("0x0"));
    assert_eq!(receipt["logs"][0]["transactionHash"], json!(tx_hash));
    let unknown = json!(hex0x(&[0; 32]));
    assert_eq!(t.call("eth_getTransactionReceipt", vec![unknown.clone()]).await.unwrap(), Value::Null);
    assert_eq!(t.call("eth_getTransactionByHash", vec![unknown]).await.unwrap(), Value::Null);
    // Logs by topic position, over a range.
    let topic = |b: u8| json!(hex0x(&[b; 32]));
    let query = json!({ "fromBlock": "0x1", "toBlock": "latest", "topics": [null, topic(2)] });
    assert_eq!(t.call("eth_getLogs", vec![query]).await.unwrap().as_array().unwrap().len(), 3);
    let miss = json!({ "fromBlock": "0x0", "topics": [topic(2)] });
    assert_eq!(t.call("eth_getLogs", vec![miss]).await.unwrap(), json!([]));
    // A bound beyond the best block is the best block.
    let beyond = json!({ "fromBlock": "0x3", "toBlock": "0xffffff" });
    assert_eq!(t.call("eth_getLogs", vec![beyond]).await.unwrap().as_array().unwrap().len(), 1);
    let history = t.call("eth_feeHistory", vec![json!("0x2"), json!("latest"), json!([50])]).await.unwrap();
    assert_eq!(history["oldestBlock"], json!("0x2"));
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 3);
    assert_eq!(history["reward"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn filters_report_what_is_new_once_and_expire_on_uninstall() {
    let t = Test::start().await;
    grow(&t, 1);
    let blocks = t.call("eth_newBlockFilter", vec![]).await.unwrap();
    let logs = t.call("eth_newFilter", vec![json!({ "address": hex0x(&[7; 20]) })]).await.unwrap();
    assert_eq!(t.call("eth_getFilterChanges", vec![blocks.clone()]).await.unwrap(), json!([]));
    grow(&t, 3);
    let new_blocks = t.call("eth_getFilterChanges", vec![blocks.clone()]).await.unwrap();
    assert_eq!(new_blocks.as_array().unwrap().len(), 2, "blocks 2 and 3");
    assert_eq!(t.call("eth_getFilterChanges", vec![blocks.clone()]).await.unwrap(), json!([]), "reported once");
    let new_logs = t.call("eth_getFilterChanges", vec![logs.clone()]).await.unwrap();
    assert_eq!(new_logs.as_array().unwrap().len(), 2, "the logs of blocks 2 and 3");
    assert_eq!(t.call("eth_uninstallFilter", vec![logs.clone()]).await.unwrap(), json!(true));
    assert_eq!(t.call("eth_uninstallFilter", vec![logs.clone()]).await.unwrap(), json!(false));
    let gone = t.call("eth_getFilterChanges", vec![logs]).await.unwrap_err();
    assert_eq!(gone.message(), "filter not found");
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FIELDS: [&str; 14] = [
    "from",
    "to",
    "gas",
    "value",
    "data",
    "input",
    "address",
    "topics",
    "fromBlock",
    "toBlock",
    "blockHash",
    "nonce",
    "type",
    "x",
];

fn random_string(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => ["latest", "pending", "earliest", "safe", "finalized", "", "0x", "0X1"][rng.below(8) as usize].into(),
        1 => format!("0x{:x}", rng.next() >> rng.below(64)),
        2 => format!("0x{}", "f".repeat(rng.below(80) as usize)),
        3 => hex0x(&(0..rng.below(40)).map(|_| rng.next() as u8).collect::<Vec<_>>()),
        4 => hex0x(&accord_ethereum::keccak256(&eth_raw())),
        _ => (0..rng.below(12)).map(|_| char::from(32 + rng.below(95) as u8)).collect(),
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64 >> rng.below(64)),
        3 | 4 => json!(random_string(rng)),
        5 => Value::Array((0..rng.below(5)).map(|_| random_value(rng, depth + 1)).collect()),
        _ => Value::Object(
            (0..rng.below(5))
                .map(|_| (FIELDS[rng.below(FIELDS.len() as u64) as usize].to_string(), random_value(rng, depth + 1)))
                .collect(),
        ),
    }
}

const METHODS: [&str; 38] = [
    "eth_chainId",
    "net_version",
    "web3_clientVersion",
    "eth_blockNumber",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_getBalance",
    "eth_getTransactionCount",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_call",
    "eth_estimateGas",
    "eth_sendRawTransaction",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getBlockReceipts",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getBlockTransactionCountByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getLogs",
    "eth_feeHistory",
    "eth_newFilter",
    "eth_newBlockFilter",
    "eth_getFilterChanges",
    "eth_getFilterLogs",
    "eth_uninstallFilter",
    "eth_syncing",
    "eth_accounts",
    "net_listening",
    "eth_getUncleCountByBlockNumber",
    "eth_getUncleCountByBlockHash",
    "eth_subscribe",
    "eth_unsubscribe",
    "eth_chainId",
    "eth_getLogs",
];

#[tokio::test]
async fn random_parameters_get_an_answer_or_a_clear_error() {
    let seed = std::env::var("ACCORD_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
    });
    println!("fuzz seed: {seed} (ACCORD_FUZZ_SEED={seed} reproduces)");
    let iterations = std::env::var("ACCORD_FUZZ_ITERATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(3_000);
    let t = Test::start().await;
    grow(&t, 4);
    let mut rng = Rng(seed);
    for i in 0..iterations {
        let method = METHODS[rng.below(METHODS.len() as u64) as usize];
        let params: Vec<Value> = (0..rng.below(5)).map(|_| random_value(&mut rng, 0)).collect();
        if let Err(e) = t.call(method, params.clone()).await {
            assert_ne!(e.code(), -32603, "internal error at iteration {i}: {method} {params:?}: {e:?}");
            assert!(!e.message().is_empty(), "{method} {params:?}");
        }
    }
    // The server still answers.
    assert_eq!(t.call("eth_chainId", vec![]).await.unwrap(), json!(format!("0x{ETH_CHAIN_ID:x}")));
}
