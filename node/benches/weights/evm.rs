//! The EVM's price of a gas: `Evm.call`s of two hand-assembled contracts, one that only
//! computes (a countdown loop of cheap opcodes: the interpreter) and one that writes fresh
//! storage slots (SSTORE of new slots: revm's state, the trie and RocksDB), each at two
//! amounts of work; the slope of import time over gas used is the reference time of a gas.
//! `WEIGHT_PER_GAS` must cover the costlier of the two. The precompiles are measured in
//! `precompiles.rs`.

use accord_pallet_evm as evm;
use accord_primitives::H160;
use accord_runtime::RuntimeCall;
use accord_support::BoundedVec;
use codec::Decode;

use crate::{Baseline, Bench, Fitted, Record};

/// Counts `calldataload(0)` down to zero, then stops: 40 gas a turn.
const LOOP_RUNTIME: &str = "600035 5b 8015 601057 60019003 600356 5b00";
/// Stores 1 in slots `calldataload(32) + n` for n = `calldataload(0)` down to 1.
const STORE_RUNTIME: &str = "602035 600035 5b 8015 601957 6001 8282 01 55 60019003 600656 5b00";

/// Bytes from hex (whitespace ignored).
pub(crate) fn bytes(hex: &str) -> Vec<u8> {
    let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

/// Init code that returns `runtime` as the contract's code.
fn init_code(runtime: &[u8]) -> Vec<u8> {
    let [hi, lo] = u16::try_from(runtime.len()).expect("a runtime below 64 KiB").to_be_bytes();
    // PUSH2 len PUSH1 14 PUSH1 0 CODECOPY PUSH2 len PUSH1 0 RETURN, then the runtime.
    let mut code = vec![0x61, hi, lo, 0x60, 14, 0x60, 0, 0x39, 0x61, hi, lo, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code
}

/// `n` as a 32-byte big-endian word.
pub(crate) fn word(n: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

impl Bench {
    /// Deploys `runtime` (hex) from the sudo key; its address.
    fn deploy(&mut self, runtime: &str) -> H160 {
        self.deploy_code(&bytes(runtime))
    }

    /// Deploys `runtime` from the sudo key; its address.
    pub(crate) fn deploy_code(&mut self, runtime: &[u8]) -> H160 {
        let init = BoundedVec::try_from_vec(init_code(runtime)).expect("small init code");
        let call = RuntimeCall::Evm(evm::Call::create { init_code: init, value: 0, gas_limit: 1_000_000, salt: None });
        let key = self.sudo_key();
        self.block("evm::create", &[(key, call)]);
        self.evm_events()
            .into_iter()
            .find_map(|e| match e {
                evm::Event::Created { contract, .. } => Some(contract),
                _ => None,
            })
            .expect("the contract is created")
    }

    /// The EVM events of the importer's best block.
    fn evm_events(&self) -> Vec<evm::Event> {
        use accord_support::StateRead;
        let backend = self.importer.client.backend();
        let state = backend.state_at(backend.best().number).expect("state").expect("the best state is kept");
        let bytes = state.get(&accord_pallet_system::events_key()).unwrap_or_default();
        let records = Vec::<Record>::decode(&mut &bytes[..]).expect("System.Events decodes");
        records
            .into_iter()
            .filter_map(|r| match r.event {
                accord_runtime::RuntimeEvent::Evm(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// The mean gas the best block's executions used; panics unless all succeeded.
    fn mean_gas_used(&self, what: &str) -> f64 {
        let used: Vec<u64> = self
            .evm_events()
            .into_iter()
            .filter_map(|e| match e {
                evm::Event::Executed { gas_used, exit, .. } => {
                    assert_eq!(exit, evm::ExitReason::Succeeded, "{what}: an execution failed");
                    Some(gas_used)
                }
                _ => None,
            })
            .collect();
        assert!(!used.is_empty(), "{what}: nothing executed");
        used.iter().sum::<u64>() as f64 / used.len() as f64
    }
}

/// The contract `contract` called with `n` and a base distinct per (round, block, call).
fn call(contract: H160, n: u64, base: u64, gas_limit: u64) -> RuntimeCall {
    let mut input = word(n).to_vec();
    input.extend_from_slice(&word(base));
    let input = BoundedVec::try_from_vec(input).expect("64 bytes");
    RuntimeCall::Evm(evm::Call::call { contract, input, value: 0, gas_limit })
}

/// Measures one contract at two amounts of work `ns`: (gas, µs above an empty remark)
/// points; the slope is µs per gas.
pub(crate) fn points(
    bench: &mut Bench,
    name: &str,
    contract: H160,
    ns: [u64; 2],
    gas_per_n: u64,
    round: u32,
) -> Fitted {
    let mut points = Vec::new();
    for n in ns {
        let gas_limit = 100_000 + gas_per_n * n;
        // As many calls as fit in half a block's normal weight at their gas limit.
        let weight = call(contract, n, 0, gas_limit).weight_of_call();
        let fit = accord_runtime::limits::NORMAL_BLOCK_WEIGHT_MAX.ref_time / 2 / weight.max(1);
        let per_block = bench.config.per_block.min(fit as u32).max(1);
        let what = format!("{name} n={n}");
        let us = bench.measure_n(&what, per_block, Baseline::Signed, |b, bl, k| {
            let base = ((round as u64) << 48) | ((bl as u64) << 32) | (n << 16) | k as u64;
            (b.signer(k), call(contract, n, base << 8, gas_limit))
        });
        // The last measured block is a block of these calls.
        let gas = bench.mean_gas_used(&what);
        points.push((gas.round() as u32, us));
    }
    Fitted::fit(name, Some("gas"), points)
}

trait CallWeight {
    fn weight_of_call(&self) -> u64;
}

impl CallWeight for RuntimeCall {
    fn weight_of_call(&self) -> u64 {
        match self {
            RuntimeCall::Evm(c) => c.weight().ref_time,
            _ => 0,
        }
    }
}

/// The compute and storage cases: slopes in µs per gas.
pub(crate) fn run(bench: &mut Bench, round: u32) -> Vec<Fitted> {
    let looping = bench.deploy(LOOP_RUNTIME);
    let storing = bench.deploy(STORE_RUNTIME);
    let (loops, stores) = if bench.config.smoke { ([10, 1_000], [1, 4]) } else { ([1_000, 12_000], [1, 20]) };
    vec![
        points(bench, "evm::compute", looping, loops, 45, round),
        points(bench, "evm::storage", storing, stores, 23_000, round),
        transact_points(bench, looping, round),
        transact_inline(bench, looping, round),
    ]
}

/// [`transact_points`]' first point with the importer recovering each sender in line (no
/// helper ahead, as before it had one), µs per transaction: what the helper saves is the
/// difference.
fn transact_inline(bench: &mut Bench, contract: H160, round: u32) -> Fitted {
    use std::sync::atomic::Ordering;
    accord_node::verify::RECOVER_AHEAD.store(false, Ordering::Relaxed);
    let us = transact_median(bench, contract, 1, round, "evm::transact_inline");
    accord_node::verify::RECOVER_AHEAD.store(true, Ordering::Relaxed);
    Fitted::constant("evm::transact_inline", us)
}

/// The import time of blocks of `Evm.transact`s running the compute loop `n` times, µs per
/// transaction: the median of `blocks` blocks after one warm-up block.
fn transact_median(bench: &mut Bench, contract: H160, n: u64, round: u32, what: &str) -> f64 {
    let mut times = Vec::new();
    for b in 0..=bench.config.blocks {
        let base = ((u64::from(round) << 48) | (u64::from(b) << 32) | (n << 16)) << 8;
        let txs = transacts(bench, contract, n, base, bench.config.per_block);
        let us = bench.block_of(what, &txs);
        if b > 0 {
            times.push(us);
        }
    }
    crate::common::median(times)
}

/// Recovering an Ethereum transaction's sender without the memo of senders (what a node pays
/// on import for a transaction its pool never saw), µs: the median of three runs over
/// distinct signed transactions.
pub(crate) fn recovery_cost(smoke: bool) -> f64 {
    use accord_ethereum::{SignedTransaction, SigningKey, Transaction, TransactionKind, U256};
    let n = if smoke { 50 } else { 2_000 };
    let signed: Vec<SignedTransaction> = (0..n)
        .map(|i: u64| {
            let mut secret = [7u8; 32];
            secret[..8].copy_from_slice(&(i + 1).to_be_bytes());
            let key = SigningKey::from_bytes(&secret.into()).expect("a valid key");
            let transaction = Transaction {
                chain_id: 4242,
                nonce: i,
                gas_limit: 80_000,
                to: Some([0x35; 20]),
                value: U256::ZERO,
                input: word(i).to_vec(),
                kind: TransactionKind::Eip1559 {
                    max_priority_fee_per_gas: 1,
                    max_fee_per_gas: 100,
                    access_list: vec![],
                },
            };
            SignedTransaction::sign(transaction, &key).expect("signs")
        })
        .collect();
    let runs = (0..3)
        .map(|_| {
            let started = std::time::Instant::now();
            for tx in &signed {
                std::hint::black_box(tx.recover_sender_uncached().expect("recovers"));
            }
            started.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .collect();
    crate::common::median(runs)
}

/// The key of Ethereum sender `i` of `evm::transact`.
fn ethereum_key(i: u32) -> accord_ethereum::SigningKey {
    let mut secret = [0x42u8; 32];
    secret[..4].copy_from_slice(&(i + 1).to_be_bytes());
    accord_ethereum::SigningKey::from_bytes(&secret.into()).expect("a valid key")
}

fn ethereum_account(key: &accord_ethereum::SigningKey) -> accord_primitives::AccountId32 {
    accord_ethereum::account_of(accord_ethereum::address_of_public_key(key.verifying_key()))
}

/// The native accounts of the first `n` Ethereum senders, each with `balance` (genesis).
pub(crate) fn ethereum_accounts(n: u32, balance: u128) -> Vec<(accord_primitives::AccountId32, u128)> {
    (0..n).map(|i| (ethereum_account(&ethereum_key(i)), balance)).collect()
}

/// A block's `Evm.transact`s: sender `k` calls `contract` with `n` (and a distinct base).
fn transacts(
    bench: &mut Bench,
    contract: H160,
    n: u64,
    base: u64,
    count: u32,
) -> Vec<std::sync::Arc<accord_node::pool::PoolTx>> {
    use accord_ethereum::{SignedTransaction, Transaction, TransactionKind, U256};
    use accord_primitives::UncheckedExtrinsic;
    (0..count)
        .map(|k| {
            let key = ethereum_key(k);
            let sender = ethereum_account(&key);
            let nonce = bench.next_nonce(sender);
            let mut input = word(n).to_vec();
            input.extend_from_slice(&word(base + u64::from(k)));
            let transaction = Transaction {
                chain_id: evm::CHAIN_ID_DEFAULT,
                nonce: u64::from(nonce),
                gas_limit: 100_000 + 45 * n,
                to: Some(contract.0),
                value: U256::ZERO,
                input,
                kind: TransactionKind::Eip1559 {
                    max_priority_fee_per_gas: 1_000_000_000,
                    max_fee_per_gas: 100_000_000_000,
                    access_list: vec![],
                },
            };
            let raw = SignedTransaction::sign(transaction, &key).expect("signs").encode();
            let raw = BoundedVec::try_from_vec(raw).expect("a small transaction");
            let call = RuntimeCall::Evm(evm::Call::transact { transaction: raw });
            let xt = UncheckedExtrinsic::new_unsigned(&codec::Encode::encode(&call));
            std::sync::Arc::new(accord_node::pool::PoolTx {
                hash: xt.hash(),
                xt,
                sender,
                nonce,
                priority: 0,
                valid_till: u64::MAX,
                seq: u64::from(k),
            })
        })
        .collect()
}

/// `Evm.transact`s of the compute loop from distinct Ethereum senders, whole (not above a
/// baseline: the extrinsic base is part of what is measured), at two amounts of work:
/// (gas, µs per transaction) points; the intercept is a transaction's fixed cost, the
/// recovery of its sender included (the importer does not have the author's memo).
pub(crate) fn transact_points(bench: &mut Bench, contract: H160, round: u32) -> Fitted {
    let loops = if bench.config.smoke { [1, 100] } else { [1, 4_000] };
    let mut points = Vec::new();
    for n in loops {
        let us = transact_median(bench, contract, n, round, "evm::transact");
        let gas = bench.mean_gas_used("evm::transact");
        points.push((gas.round() as u32, us));
    }
    Fitted::fit("evm::transact", Some("gas"), points)
}
