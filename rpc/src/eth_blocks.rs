//! The Ethereum JSON-RPC's history: blocks, transactions, receipts, logs and fee history,
//! answered from the node's index of Ethereum transactions (`node/src/eth_index.rs`).
//!
//! A block's Ethereum hash is its Accord hash; its transactions are the `Evm.transact`
//! extrinsics it includes (native `Evm.call`/`Evm.create` extrinsics are Substrate
//! transactions: their logs are `Evm.Log` events). `transactionIndex` is the position among
//! the block's Ethereum transactions, `logIndex` the position among the block's logs.
//! `receiptsRoot` is not an Ethereum receipt trie root (nothing verifies one here): it is the
//! keccak-256 of the block's transaction hashes.

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use serde_json::{json, Map, Value};

use accord_ethereum::{keccak256, SignedTransaction, TransactionKind};
use accord_primitives::H256;

use crate::api::{EthBlock, EthLog, EthReceipt};
use crate::errors::{invalid_params, state_error};
use crate::eth::{block, parse_address, parse_quantity, quantity, quantity256, MethodResult};
use crate::json::{hex0x, parse_hash, Args};
use crate::methods::{method, Ctx};
use crate::RpcError;

/// The most blocks one `eth_getLogs` (or a log filter's poll) scans.
pub(crate) const LOG_RANGE_MAX: u32 = 10_000;
/// The most logs one `eth_getLogs` returns.
pub(crate) const LOGS_MAX: usize = 10_000;
/// The most blocks one `eth_feeHistory` reports.
const FEE_HISTORY_MAX: u64 = 1_024;

/// keccak-256 of the RLP of an empty list: the `sha3Uncles` of a block without uncles.
const EMPTY_UNCLES: &str = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";

/// A 2048-bit log bloom (the yellow paper's M3:2048) of `logs`.
pub(crate) fn bloom<'a>(logs: impl IntoIterator<Item = &'a EthLog>) -> [u8; 256] {
    let mut bloom = [0u8; 256];
    let mut add = |item: &[u8]| {
        let h = keccak256(item);
        for i in [0, 2, 4] {
            let bit = ((usize::from(h[i]) << 8) | usize::from(h[i + 1])) & 2047;
            bloom[255 - bit / 8] |= 1 << (bit % 8);
        }
    };
    for log in logs {
        add(&log.address);
        for topic in &log.topics {
            add(topic);
        }
    }
    bloom
}

/// The price per gas a receipt reports: its fee over its gas used, rounded up (so
/// `gasUsed × effectiveGasPrice` is the fee, exceeding it by less than `gasUsed` wei).
pub(crate) fn effective_gas_price(r: &EthReceipt) -> u128 {
    if r.gas_used == 0 {
        return 0;
    }
    r.fee_wei.div_ceil(u128::from(r.gas_used))
}

/// Where an included transaction is.
pub(crate) struct Place<'a> {
    pub(crate) block: &'a EthBlock,
    pub(crate) hash: H256,
    pub(crate) position: usize,
}

impl Place<'_> {
    fn common(&self, m: &mut Map<String, Value>) {
        m.insert("blockHash".into(), json!(hex0x(&self.hash.0)));
        m.insert("blockNumber".into(), quantity(self.block.header.number.into()));
        m.insert("transactionIndex".into(), quantity(self.position as u128));
    }

    /// The index of the first log of this transaction among the block's logs.
    fn first_log_index(&self) -> usize {
        self.block.receipts[..self.position].iter().map(|r| r.logs.len()).sum()
    }
}

/// A transaction object (`eth_getTransactionByHash`, full blocks).
pub(crate) fn transaction_json(place: &Place<'_>, receipt: &EthReceipt) -> Value {
    let mut m = Map::new();
    place.common(&mut m);
    m.insert("hash".into(), json!(hex0x(&receipt.hash)));
    m.insert("from".into(), json!(hex0x(&receipt.from)));
    let Ok(signed) = accord_ethereum::transaction::decode(&receipt.raw) else { return Value::Object(m) };
    fields(&mut m, &signed, Some(effective_gas_price(receipt)));
    Value::Object(m)
}

/// The fields a signed transaction carries itself.
fn fields(m: &mut Map<String, Value>, signed: &SignedTransaction, effective: Option<u128>) {
    let tx = signed.transaction();
    let sig = signed.signature();
    m.insert("type".into(), quantity(tx.tx_type().into()));
    m.insert("nonce".into(), quantity(tx.nonce.into()));
    m.insert("to".into(), tx.to.map_or(Value::Null, |to| json!(hex0x(&to))));
    m.insert("gas".into(), quantity(tx.gas_limit.into()));
    m.insert("value".into(), quantity256(&tx.value.0));
    m.insert("input".into(), json!(hex0x(&tx.input)));
    m.insert("chainId".into(), quantity(tx.chain_id.into()));
    m.insert("v".into(), quantity(signed.v()));
    m.insert("r".into(), quantity256(&sig.r().0));
    m.insert("s".into(), quantity256(&sig.s().0));
    match &tx.kind {
        TransactionKind::Legacy { gas_price } => {
            m.insert("gasPrice".into(), quantity(*gas_price));
        }
        TransactionKind::Eip2930 { gas_price, .. } => {
            m.insert("gasPrice".into(), quantity(*gas_price));
        }
        TransactionKind::Eip1559 { max_priority_fee_per_gas, max_fee_per_gas, .. } => {
            m.insert("maxPriorityFeePerGas".into(), quantity(*max_priority_fee_per_gas));
            m.insert("maxFeePerGas".into(), quantity(*max_fee_per_gas));
            m.insert("gasPrice".into(), quantity(effective.unwrap_or(*max_fee_per_gas)));
        }
    }
    if tx.tx_type() != 0 {
        m.insert("yParity".into(), quantity(u128::from(sig.y_parity())));
        let list: Vec<Value> = tx
            .access_list()
            .iter()
            .map(|item| {
                let keys: Vec<String> = item.storage_keys.iter().map(|k| hex0x(k)).collect();
                json!({ "address": hex0x(&item.address), "storageKeys": keys })
            })
            .collect();
        m.insert("accessList".into(), json!(list));
    }
}

/// A pending transaction object (in the pool, not in a block).
pub(crate) fn pending_transaction_json(raw: &[u8]) -> Option<Value> {
    let signed = accord_ethereum::transaction::decode(raw).ok()?;
    let from = signed.recover_sender().ok()?;
    let mut m = Map::new();
    m.insert("blockHash".into(), Value::Null);
    m.insert("blockNumber".into(), Value::Null);
    m.insert("transactionIndex".into(), Value::Null);
    m.insert("hash".into(), json!(hex0x(&signed.hash())));
    m.insert("from".into(), json!(hex0x(&from)));
    fields(&mut m, &signed, None);
    Some(Value::Object(m))
}

/// A log object.
pub(crate) fn log_json(place: &Place<'_>, receipt: &EthReceipt, log: &EthLog, log_index: usize) -> Value {
    let mut m = Map::new();
    place.common(&mut m);
    m.insert("transactionHash".into(), json!(hex0x(&receipt.hash)));
    m.insert("logIndex".into(), quantity(log_index as u128));
    m.insert("address".into(), json!(hex0x(&log.address)));
    let topics: Vec<String> = log.topics.iter().map(|t| hex0x(t)).collect();
    m.insert("topics".into(), json!(topics));
    m.insert("data".into(), json!(hex0x(&log.data)));
    m.insert("removed".into(), json!(false));
    Value::Object(m)
}

/// A receipt object.
pub(crate) fn receipt_json(place: &Place<'_>) -> Value {
    let receipts = &place.block.receipts;
    let receipt = &receipts[place.position];
    let cumulative: u64 = receipts[..=place.position].iter().map(|r| r.gas_used).sum();
    let first = place.first_log_index();
    let logs: Vec<Value> =
        receipt.logs.iter().enumerate().map(|(i, log)| log_json(place, receipt, log, first + i)).collect();
    let signed = accord_ethereum::transaction::decode(&receipt.raw).ok();
    let to = signed.as_ref().and_then(|s| s.transaction().to);
    let mut m = Map::new();
    place.common(&mut m);
    m.insert("transactionHash".into(), json!(hex0x(&receipt.hash)));
    m.insert("from".into(), json!(hex0x(&receipt.from)));
    m.insert("to".into(), to.map_or(Value::Null, |to| json!(hex0x(&to))));
    m.insert("contractAddress".into(), receipt.contract_address.map_or(Value::Null, |a| json!(hex0x(&a))));
    m.insert("cumulativeGasUsed".into(), quantity(cumulative.into()));
    m.insert("gasUsed".into(), quantity(receipt.gas_used.into()));
    m.insert("effectiveGasPrice".into(), quantity(effective_gas_price(receipt)));
    m.insert("status".into(), quantity(u128::from(receipt.status)));
    m.insert("type".into(), quantity(signed.map_or(0, |s| s.transaction().tx_type()).into()));
    m.insert("logsBloom".into(), json!(hex0x(&bloom(&receipt.logs))));
    m.insert("logs".into(), json!(logs));
    Value::Object(m)
}

/// A block object: transaction hashes, or full transactions with `full`.
pub(crate) fn block_json(b: &EthBlock, full: bool, base_fee: u128) -> Value {
    let hash = b.header.hash();
    let transactions: Vec<Value> = b
        .receipts
        .iter()
        .enumerate()
        .map(
            |(position, r)| {
                if full {
                    transaction_json(&Place { block: b, hash, position }, r)
                } else {
                    json!(hex0x(&r.hash))
                }
            },
        )
        .collect();
    let hashes: Vec<u8> = b.receipts.iter().flat_map(|r| r.hash).collect();
    let gas_used: u64 = b.receipts.iter().map(|r| r.gas_used).sum();
    json!({
        "number": quantity(b.header.number.into()),
        "hash": hex0x(&hash.0),
        "parentHash": hex0x(&b.header.parent_hash.0),
        "nonce": "0x0000000000000000",
        "sha3Uncles": EMPTY_UNCLES,
        "logsBloom": hex0x(&bloom(b.receipts.iter().flat_map(|r| &r.logs))),
        "transactionsRoot": hex0x(&b.header.extrinsics_root.0),
        "stateRoot": hex0x(&b.header.state_root.0),
        "receiptsRoot": hex0x(&keccak256(&hashes)),
        "miner": hex0x(&[0u8; 20]),
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": "0x",
        "size": quantity(codec::Encode::encoded_size(&b.header) as u128),
        "gasLimit": quantity(b.gas_limit.into()),
        "gasUsed": quantity(gas_used.into()),
        "timestamp": quantity((b.timestamp_ms / 1000).into()),
        "baseFeePerGas": quantity(base_fee),
        "mixHash": hex0x(&[0u8; 32]),
        "transactions": transactions,
        "uncles": [],
    })
}

fn eth_block(ctx: &Ctx, hash: H256) -> Result<Option<EthBlock>, ErrorObjectOwned> {
    ctx.api.eth_block(hash).map_err(state_error)
}

/// Block `hash` with its receipts but without its body: time and gas limit left at zero.
/// What transactions, receipts and logs need (they name their block by number and hash).
fn receipts_block(ctx: &Ctx, hash: H256) -> Result<Option<EthBlock>, ErrorObjectOwned> {
    let found = ctx.api.eth_receipts(hash).map_err(state_error)?;
    Ok(found.map(|(header, receipts)| EthBlock { header, timestamp_ms: 0, gas_limit: 0, receipts }))
}

/// The block named by a tag or number that exists, or `None` (a number beyond the best).
fn named_block(ctx: &Ctx, v: Option<&Value>) -> Result<Option<H256>, ErrorObjectOwned> {
    match block(ctx, v) {
        Ok(hash) => Ok(Some(hash)),
        Err(e) if e.code() == -32000 => Ok(None),
        Err(e) => Err(e),
    }
}

fn full_flag(v: Option<&Value>) -> Result<bool, ErrorObjectOwned> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid_params("full transactions: expected a boolean")),
    }
}

fn get_block(ctx: &Ctx, hash: Option<H256>, full: Option<&Value>) -> MethodResult {
    let full = full_flag(full)?;
    let Some(hash) = hash else { return Ok(Value::Null) };
    match eth_block(ctx, hash)? {
        Some(b) => Ok(block_json(&b, full, ctx.api.eth_gas_price())),
        None => Ok(Value::Null),
    }
}

/// The included transaction `hash`: its block and position.
fn find(ctx: &Ctx, hash: &[u8; 32]) -> Result<Option<(EthBlock, H256, usize)>, ErrorObjectOwned> {
    let Some((block_hash, position)) = ctx.api.eth_transaction(*hash).map_err(state_error)? else { return Ok(None) };
    let Some(b) = receipts_block(ctx, block_hash)? else { return Ok(None) };
    let position = position as usize;
    if position >= b.receipts.len() {
        return Ok(None);
    }
    Ok(Some((b, block_hash, position)))
}

fn tx_hash(a: &Args) -> Result<[u8; 32], ErrorObjectOwned> {
    Ok(parse_hash(a.required_str(0)?)?.0)
}

fn get_transaction(ctx: &Ctx, a: Args) -> MethodResult {
    let hash = tx_hash(&a)?;
    if let Some((b, block_hash, position)) = find(ctx, &hash)? {
        return Ok(transaction_json(&Place { block: &b, hash: block_hash, position }, &b.receipts[position]));
    }
    // Still in the pool?
    for raw in ctx.api.eth_pending_transactions() {
        if keccak256(&raw) == hash {
            return Ok(pending_transaction_json(&raw).unwrap_or(Value::Null));
        }
    }
    Ok(Value::Null)
}

fn get_receipt(ctx: &Ctx, a: Args) -> MethodResult {
    let hash = tx_hash(&a)?;
    Ok(match find(ctx, &hash)? {
        Some((b, block_hash, position)) => receipt_json(&Place { block: &b, hash: block_hash, position }),
        None => Value::Null,
    })
}

fn block_receipts(ctx: &Ctx, a: Args) -> MethodResult {
    let Some(hash) = named_block(ctx, a.get(0))? else { return Ok(Value::Null) };
    let Some(b) = receipts_block(ctx, hash)? else { return Ok(Value::Null) };
    let receipts: Vec<Value> =
        (0..b.receipts.len()).map(|position| receipt_json(&Place { block: &b, hash, position })).collect();
    Ok(json!(receipts))
}

fn by_index(ctx: &Ctx, hash: Option<H256>, index: Option<&Value>) -> MethodResult {
    let index = parse_quantity(index.unwrap_or(&Value::Null), "index")?;
    let Some(hash) = hash else { return Ok(Value::Null) };
    let Some(b) = receipts_block(ctx, hash)? else { return Ok(Value::Null) };
    let Some(r) = usize::try_from(index).ok().and_then(|i| b.receipts.get(i)) else { return Ok(Value::Null) };
    Ok(transaction_json(&Place { block: &b, hash, position: index as usize }, r))
}

/// `eth_feeHistory`: the price per gas of each block (constant between price changes), and
/// how full each block's gas was.
fn fee_history(ctx: &Ctx, a: Args) -> MethodResult {
    let count = parse_count(a.get(0))?.min(FEE_HISTORY_MAX);
    let newest = block(ctx, a.get(1))?;
    let percentiles = match a.get(2) {
        None | Some(Value::Null) => None,
        Some(Value::Array(p)) => Some(p.len()),
        Some(_) => return Err(invalid_params("reward percentiles: expected an array")),
    };
    let newest_number = ctx.api.header(newest).map_or(0, |h| u64::from(h.number));
    let count = count.min(newest_number + 1);
    let oldest = newest_number + 1 - count;
    let price = ctx.api.eth_gas_price();
    let mut ratios = Vec::new();
    for n in oldest..=newest_number {
        let b = ctx.api.block_hash(n as u32).map(|h| eth_block(ctx, h)).transpose()?.flatten();
        let ratio = b.map_or(0.0, |b| b.receipts.iter().map(|r| r.gas_used).sum::<u64>() as f64 / b.gas_limit as f64);
        ratios.push(json!(ratio));
    }
    let mut out = json!({
        "oldestBlock": quantity(oldest.into()),
        "baseFeePerGas": vec![quantity(price); ratios.len() + usize::from(count > 0)],
        "gasUsedRatio": ratios,
    });
    if let Some(n) = percentiles {
        out["reward"] = json!(vec![vec![quantity(0); n]; count as usize]);
    }
    Ok(out)
}

/// A block count: a hex quantity or a plain number.
fn parse_count(v: Option<&Value>) -> Result<u64, ErrorObjectOwned> {
    match v {
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| invalid_params("block count: expected a count")),
        Some(v @ Value::String(_)) => Ok(parse_quantity(v, "block count")?.min(u64::MAX.into()) as u64),
        _ => Err(invalid_params("block count: expected a count")),
    }
}

/// A log query (`eth_getLogs`, `eth_newFilter`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogQuery {
    /// Contracts (any, if empty).
    pub(crate) addresses: Vec<[u8; 20]>,
    /// Per position, the topics accepted there (any, if empty).
    pub(crate) topics: Vec<Vec<[u8; 32]>>,
}

impl LogQuery {
    /// Whether `log` matches.
    pub(crate) fn matches(&self, log: &EthLog) -> bool {
        if !self.addresses.is_empty() && !self.addresses.contains(&log.address) {
            return false;
        }
        self.topics
            .iter()
            .enumerate()
            .all(|(i, accepted)| accepted.is_empty() || log.topics.get(i).is_some_and(|t| accepted.contains(t)))
    }
}

fn parse_topic(v: &Value) -> Result<[u8; 32], ErrorObjectOwned> {
    Ok(parse_hash(v.as_str().ok_or_else(|| invalid_params("topic: expected a 32-byte hex string"))?)?.0)
}

/// Parses a filter object's `address` and `topics`.
pub(crate) fn parse_log_query(o: &Map<String, Value>) -> Result<LogQuery, ErrorObjectOwned> {
    let addresses = match o.get("address") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list.iter().map(|v| parse_address(v, "address")).collect::<Result<_, _>>()?,
        Some(v) => vec![parse_address(v, "address")?],
    };
    let topics = match o.get("topics") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) if list.len() <= 4 => list
            .iter()
            .map(|t| match t {
                Value::Null => Ok(Vec::new()),
                Value::Array(any) => any.iter().map(parse_topic).collect(),
                one => Ok(vec![parse_topic(one)?]),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid_params("topics: expected an array of at most 4 entries")),
    };
    Ok(LogQuery { addresses, topics })
}

/// The number of the block a filter's bound names (`latest` if absent; a number beyond the
/// best block is the best block, as geth reads it).
pub(crate) fn bound(ctx: &Ctx, v: Option<&Value>) -> Result<u32, ErrorObjectOwned> {
    let best = ctx.api.header(ctx.api.best_hash()).map_or(0, |h| h.number);
    if let Some(Value::String(s)) = v {
        if s.starts_with("0x") {
            let n = parse_quantity(&json!(s), "block")?;
            return Ok(u32::try_from(n).unwrap_or(u32::MAX).min(best));
        }
    }
    let hash = block(ctx, v.filter(|v| !v.is_null()))?;
    Ok(ctx.api.header(hash).map_or(0, |h| h.number))
}

/// Refuses a range of more than [`LOG_RANGE_MAX`] blocks.
fn check_range(from: u32, to: u32) -> Result<(), ErrorObjectOwned> {
    if to >= from && to - from >= LOG_RANGE_MAX {
        return Err(ErrorObjectOwned::owned(
            -32005,
            format!("block range too large: at most {LOG_RANGE_MAX} blocks per query"),
            None::<()>,
        ));
    }
    Ok(())
}

/// The logs of blocks `from..=to` matching `query`, in order.
pub(crate) fn logs_in(ctx: &Ctx, from: u32, to: u32, query: &LogQuery) -> Result<Vec<Value>, ErrorObjectOwned> {
    check_range(from, to)?;
    let mut out = Vec::new();
    for n in from..=to {
        let Some(hash) = ctx.api.block_hash(n) else { break };
        logs_of_block(ctx, hash, query, &mut out)?;
    }
    Ok(out)
}

/// Appends the logs of block `hash` that match `query` to `out`.
pub(crate) fn logs_of_block(
    ctx: &Ctx,
    hash: H256,
    query: &LogQuery,
    out: &mut Vec<Value>,
) -> Result<(), ErrorObjectOwned> {
    let Some(b) = receipts_block(ctx, hash)? else { return Ok(()) };
    let mut log_index = 0;
    for (position, receipt) in b.receipts.iter().enumerate() {
        for log in &receipt.logs {
            if query.matches(log) {
                if out.len() >= LOGS_MAX {
                    return Err(ErrorObjectOwned::owned(
                        -32005,
                        format!("query returned more than {LOGS_MAX} results"),
                        None::<()>,
                    ));
                }
                out.push(log_json(&Place { block: &b, hash, position }, receipt, log, log_index));
            }
            log_index += 1;
        }
    }
    Ok(())
}

fn get_logs(ctx: &Ctx, a: Args) -> MethodResult {
    let o = a.get(0).and_then(Value::as_object).ok_or_else(|| invalid_params("expected a filter object"))?;
    let query = parse_log_query(o)?;
    if let Some(hash) = o.get("blockHash").filter(|v| !v.is_null()) {
        if o.get("fromBlock").is_some_and(|v| !v.is_null()) || o.get("toBlock").is_some_and(|v| !v.is_null()) {
            return Err(invalid_params("blockHash excludes fromBlock and toBlock"));
        }
        let hash = parse_hash(hash.as_str().ok_or_else(|| invalid_params("blockHash: expected a hash"))?)?;
        if ctx.api.header(hash).is_none() {
            return Err(ErrorObjectOwned::owned(-32000, "unknown block", None::<()>));
        }
        let mut out = Vec::new();
        logs_of_block(ctx, hash, &query, &mut out)?;
        return Ok(json!(out));
    }
    let from = bound(ctx, o.get("fromBlock"))?;
    let to = bound(ctx, o.get("toBlock"))?;
    Ok(json!(logs_in(ctx, from, to, &query)?))
}

/// Registers the history methods.
pub(crate) fn register(m: &mut RpcModule<Ctx>) -> Result<(), RpcError> {
    method(m, "eth_getBlockByNumber", |a, ctx| {
        let a = a.at_most(2)?;
        let hash = named_block(ctx, a.get(0))?;
        get_block(ctx, hash, a.get(1))
    })?;
    method(m, "eth_getBlockByHash", |a, ctx| {
        let a = a.at_most(2)?;
        let hash = parse_hash(a.required_str(0)?)?;
        get_block(ctx, ctx.api.header(hash).map(|_| hash), a.get(1))
    })?;
    method(m, "eth_getTransactionByHash", |a, ctx| get_transaction(ctx, a.at_most(1)?))?;
    method(m, "eth_getTransactionReceipt", |a, ctx| get_receipt(ctx, a.at_most(1)?))?;
    method(m, "eth_getBlockReceipts", |a, ctx| block_receipts(ctx, a.at_most(1)?))?;
    method(m, "eth_getTransactionByBlockNumberAndIndex", |a, ctx| {
        let a = a.at_most(2)?;
        by_index(ctx, named_block(ctx, a.get(0))?, a.get(1))
    })?;
    method(m, "eth_getTransactionByBlockHashAndIndex", |a, ctx| {
        let a = a.at_most(2)?;
        let hash = parse_hash(a.required_str(0)?)?;
        by_index(ctx, ctx.api.header(hash).map(|_| hash), a.get(1))
    })?;
    method(m, "eth_getBlockTransactionCountByNumber", |a, ctx| {
        let a = a.at_most(1)?;
        let Some(hash) = named_block(ctx, a.get(0))? else { return Ok(Value::Null) };
        Ok(receipts_block(ctx, hash)?.map_or(Value::Null, |b| quantity(b.receipts.len() as u128)))
    })?;
    method(m, "eth_getBlockTransactionCountByHash", |a, ctx| {
        let a = a.at_most(1)?;
        let hash = parse_hash(a.required_str(0)?)?;
        Ok(receipts_block(ctx, hash)?.map_or(Value::Null, |b| quantity(b.receipts.len() as u128)))
    })?;
    method(m, "eth_getUncleCountByBlockNumber", |_, _| Ok(quantity(0)))?;
    method(m, "eth_getUncleCountByBlockHash", |_, _| Ok(quantity(0)))?;
    method(m, "eth_getLogs", |a, ctx| get_logs(ctx, a.at_most(1)?))?;
    method(m, "eth_feeHistory", |a, ctx| fee_history(ctx, a.at_most(3)?))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bloom_of_a_log_sets_three_bits_per_item() {
        let log = EthLog { address: [0x11; 20], topics: vec![[0x22; 32]], data: vec![] };
        let b = bloom([&log]);
        let bits: u32 = b.iter().map(|byte| byte.count_ones()).sum();
        assert!((1..=6).contains(&bits), "two items set at most six bits, got {bits}");
        assert_eq!(bloom([]), [0u8; 256]);
        // Each item's bits are set: a bloom of the address alone is contained in it.
        let alone = bloom([&EthLog { address: [0x11; 20], topics: vec![], data: vec![] }]);
        assert!(alone.iter().zip(b.iter()).all(|(a, b)| a & b == *a));
    }

    #[test]
    fn the_effective_price_times_gas_covers_the_fee_within_one_gas_worth() {
        let r = EthReceipt { gas_used: 21_000, fee_wei: 1_000_000_000_007, ..Default::default() };
        let price = effective_gas_price(&r);
        let paid = price * 21_000;
        assert!(paid >= r.fee_wei && paid - r.fee_wei < 21_000);
        assert_eq!(effective_gas_price(&EthReceipt::default()), 0);
    }

    #[test]
    fn a_log_range_is_bounded() {
        assert!(check_range(0, LOG_RANGE_MAX - 1).is_ok());
        assert!(check_range(5, 4).is_ok(), "an empty range");
        let error = check_range(0, LOG_RANGE_MAX).unwrap_err();
        assert_eq!(error.code(), -32005);
        assert!(error.message().contains("block range too large"));
    }

    #[test]
    fn log_queries_match_addresses_and_topic_positions() {
        let log = EthLog { address: [1; 20], topics: vec![[7; 32], [8; 32]], data: vec![] };
        let any = LogQuery { addresses: vec![], topics: vec![] };
        assert!(any.matches(&log));
        assert!(!LogQuery { addresses: vec![[2; 20]], topics: vec![] }.matches(&log));
        assert!(LogQuery { addresses: vec![[2; 20], [1; 20]], topics: vec![vec![], vec![[8; 32]]] }.matches(&log));
        assert!(!LogQuery { addresses: vec![], topics: vec![vec![[8; 32]]] }.matches(&log));
        assert!(!LogQuery { addresses: vec![], topics: vec![vec![], vec![], vec![[1; 32]]] }.matches(&log));
        let parsed = parse_log_query(
            json!({ "address": "0x0101010101010101010101010101010101010101", "topics": [null, [format!("0x{}", "08".repeat(32))]] })
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert!(parsed.matches(&log));
        assert!(parse_log_query(json!({ "topics": [null, null, null, null, null] }).as_object().unwrap()).is_err());
        assert!(parse_log_query(json!({ "address": "0x01" }).as_object().unwrap()).is_err());
    }
}
