//! The EVM's price of a gas: `Evm.call`s of two hand-assembled contracts, one that only
//! computes (a countdown loop of cheap opcodes: the interpreter) and one that writes fresh
//! storage slots (SSTORE of new slots: revm's state, the trie and RocksDB), each at two
//! amounts of work; the slope of import time over gas used is the reference time of a gas.
//! `WEIGHT_PER_GAS` must cover the costlier of the two. A third contract calls the ecrecover
//! precompile in a loop: precompiles are priced in gas by Ethereum's schedule, not by this
//! machine's time, so each one's measured cost is its weight (`pallets/evm/src/precompiles.rs`:
//! `ECRECOVER_WEIGHT` is this case's µs per call with the margin).

use accord_pallet_evm as evm;
use accord_primitives::H160;
use accord_runtime::RuntimeCall;
use accord_support::BoundedVec;
use codec::Decode;

use crate::{Baseline, Bench, Fitted, Record};

/// Counts `calldataload(0)` down to zero, then stops: 40 gas a turn.
const LOOP_RUNTIME: &str = "600035 5b 8015 601057 60019003 600356 5b00";
/// Calls the ecrecover precompile (0x01) `calldataload(0)` times on a valid signature (EIP-155's
/// example: its signing hash, v 27, r, s):
/// the dearest gas of the precompiles a consortium contract uses (a signature check).
const ECRECOVER_RUNTIME: &str = concat!(
    "7f",
    "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53",
    "600052",
    "601b602052",
    "7f",
    "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276",
    "604052",
    "7f",
    "67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
    "606052",
    "600035 5b 8015 608e57",
    "6020 6080 6080 6000 6001 5a fa 50",
    "60019003 607456 5b00",
);
/// Adds the bn254 generator to itself (precompile 0x06) `calldataload(0)` times.
const BN254_ADD_RUNTIME: &str = concat!(
    "6001600052 6002602052 6001604052 6002606052",
    "600035 5b 8015 603157",
    "6040 6080 6080 6000 6006 5a fa 50",
    "60019003 601756 5b00",
);
/// Multiplies the bn254 generator by a 256-bit scalar (precompile 0x07) `calldataload(0)` times.
const BN254_MUL_RUNTIME: &str = concat!(
    "6001600052 6002602052",
    "7f 2b5e3a1b7c9d0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796 604052",
    "600035 5b 8015 604b57",
    "6040 6080 6060 6000 6007 5a fa 50",
    "60019003 603156 5b00",
);
/// Stores 1 in slots `calldataload(32) + n` for n = `calldataload(0)` down to 1.
const STORE_RUNTIME: &str = "602035 600035 5b 8015 601957 6001 8282 01 55 60019003 600656 5b00";

fn bytes(hex: &str) -> Vec<u8> {
    let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

/// Init code that returns `runtime` as the contract's code.
fn init_code(runtime: &[u8]) -> Vec<u8> {
    let len = u8::try_from(runtime.len()).expect("a short runtime");
    // PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0 RETURN, then the runtime.
    let mut code = vec![0x60, len, 0x60, 12, 0x60, 0, 0x39, 0x60, len, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code
}

fn word(n: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

impl Bench {
    /// Deploys `runtime` from the sudo key; its address.
    fn deploy(&mut self, runtime: &str) -> H160 {
        let init = BoundedVec::try_from_vec(init_code(&bytes(runtime))).expect("small init code");
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
/// points, the gas in thousands.
fn points(bench: &mut Bench, name: &str, contract: H160, ns: [u64; 2], gas_per_n: u64, round: u32) -> Fitted {
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
        points.push(((gas / 1000.0).round() as u32, us));
    }
    Fitted::fit(name, Some("kgas"), points)
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

/// The compute and storage cases: slopes in µs per thousand gas.
pub(crate) fn run(bench: &mut Bench, round: u32) -> Vec<Fitted> {
    let looping = bench.deploy(LOOP_RUNTIME);
    let storing = bench.deploy(STORE_RUNTIME);
    let recovering = bench.deploy(ECRECOVER_RUNTIME);
    let adding = bench.deploy(BN254_ADD_RUNTIME);
    let multiplying = bench.deploy(BN254_MUL_RUNTIME);
    let (loops, stores, recoveries) =
        // At most about 600,000 gas a call: a block holds a call at its limit times the most a
        // gas can cost (DECLARED_WEIGHT_PER_GAS), and a point needs tens of calls per block.
        if bench.config.smoke { ([10, 1_000], [1, 4], [1, 4]) } else { ([1_000, 12_000], [1, 20], [1, 40]) };
    vec![
        points(bench, "evm::compute", looping, loops, 45, round),
        points(bench, "evm::storage", storing, stores, 23_000, round),
        points(bench, "evm::ecrecover", recovering, recoveries, 3_300, round),
        points(bench, "evm::bn254_add", adding, [1, recoveries[1] * 10], 400, round),
        points(bench, "evm::bn254_mul", multiplying, recoveries, 6_400, round),
    ]
}
