//! Precompiles weighed by this machine's time. Ethereum's gas schedule prices a precompile
//! for other machines and libraries: here a gas of some precompiles costs tens of times what
//! a gas of ordinary execution costs (the weights harness, `node/benches/weights/
//! precompiles.rs`). So a precompile call weighs its own measured cost, not its gas times
//! [`WEIGHT_PER_GAS`]: [`Metered`] wraps revm's precompiles and adds, per call, what it costs
//! beyond that ([`surcharge`], from the table [`MEASURED`]).

use revm::context::Cfg;
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::{EthPrecompiles, PrecompileProvider};
use revm::interpreter::{CallInputs, CallScheme, Gas, InstructionResult, InterpreterResult};
use revm::primitives::{Address, AddressSet, Bytes};

use crate::WEIGHT_PER_GAS;

/// The gas of an `ecrecover` call.
pub const ECRECOVER_GAS: u64 = 3_000;
/// Ref time per gas of a precompile without a measured weight (none of the Prague set; a
/// later hard fork's new ones until they are measured): the ratio Frontier chains use.
pub const PRECOMPILE_WEIGHT_PER_GAS: u64 = 20_000;

/// A precompile's measured weight: a fixed part per call plus a part per gas it spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The precompile's address (its last two bytes; the others are zero).
    pub address: u16,
    /// Ref time per call, ps.
    pub base: u64,
    /// Ref time per gas the call spent, ps.
    pub per_gas: u64,
}

const fn measured(address: u16, base: u64, per_gas: u64) -> Measured {
    Measured { address, base, per_gas }
}

/// The Prague precompiles' weights, from the weights harness (`node/benches/weights/
/// precompiles.rs`, `ACCORD_WEIGHTS_ACCOUNTS=100000 ACCORD_WEIGHTS_PER_BLOCK=500
/// ACCORD_WEIGHTS_BLOCKS=5 ACCORD_WEIGHTS_ROUNDS=1`, with its 20% margin; the higher of two
/// runs): each precompile at one or two inputs. Most weigh their gas at the ratio of their dearest measured input (a
/// large MSM or modexp is overcharged rather than a small one undercharged). The hash
/// functions, identity and blake2f, whose cheapest calls cost under a microsecond and
/// almost no gas, weigh a fixed part per call plus a part per gas fitted through their two
/// inputs. `ecrecover` weighs its measured call: given its 3,000 gas it recovers; given less
/// it fails before any work.
pub const MEASURED: [Measured; 17] = [
    measured(0x01, ECRECOVER_WEIGHT, 0),
    measured(0x02, 352_000, 1_900),  // sha256: 0.34 µs at 72 gas, 2.36 µs at 1,596
    measured(0x03, 254_000, 900),    // ripemd160: 0.68 µs at 720 gas, 11.8 µs at 15,960
    measured(0x04, 317_000, 0),      // identity: 0.25 µs at 18 gas, less at 399 (noise)
    measured(0x05, 0, 18_200),       // modexp: 19.9 µs at 1,360 gas (32 B); 726 µs at 87,040
    measured(0x06, 0, 29_900),       // bn254 add: 3.7 µs at 150 gas
    measured(0x07, 0, 16_400),       // bn254 mul: 81.6 µs at 6,000 gas
    measured(0x08, 0, 12_500),       // bn254 pairing: 1.16 ms (2 pairs), 1.88 ms (4 pairs)
    measured(0x09, 408_000, 10_800), // blake2f: 0.35 µs at 1 round, 89.8 µs at 10,000
    measured(0x0a, 0, 57_100),       // KZG point evaluation: 2.33 ms at 50,000 gas
    measured(0x0b, 0, 24_000),       // BLS12-381 G1 add: 7.5 µs at 375 gas
    measured(0x0c, 0, 23_200),       // G1 MSM: 216 µs (1 pair), 446 µs (8 pairs)
    measured(0x0d, 0, 22_100),       // G2 add: 10.4 µs at 600 gas
    measured(0x0e, 0, 30_400),       // G2 MSM: 570 µs (1 pair), 594 µs (8 pairs)
    measured(0x0f, 0, 20_900),       // pairing check: 1.22 ms (1 pair), 1.62 ms (2 pairs)
    measured(0x10, 0, 22_400),       // map Fp to G1: 103 µs at 5,500 gas
    measured(0x11, 0, 15_300),       // map Fp2 to G2: 303 µs at 23,800 gas
];

/// The weight of an `ecrecover` call that recovers (libsecp256k1): 53.8 µs measured, with
/// the margin.
pub const ECRECOVER_WEIGHT: u64 = 65_000_000;

/// The measured weight of the precompile at `address`, if it has one.
pub fn measured_weight(address: &Address) -> Option<&'static Measured> {
    let bytes = address.as_slice();
    if bytes[..18].iter().any(|b| *b != 0) {
        return None;
    }
    let low = u16::from_be_bytes([bytes[18], bytes[19]]);
    MEASURED.iter().find(|m| m.address == low)
}

/// What a precompile call at `address` that spent `gas` weighs beyond `gas ×`
/// [`WEIGHT_PER_GAS`], in picoseconds.
pub fn surcharge(address: &Address, gas: u64) -> u64 {
    let ordinary = gas.saturating_mul(WEIGHT_PER_GAS);
    let weight = match measured_weight(address) {
        // Given less than its gas, ecrecover fails before recovering anything.
        Some(m) if m.address == 0x01 && gas < ECRECOVER_GAS => ordinary,
        Some(m) => m.base.saturating_add(gas.saturating_mul(m.per_gas)),
        None => gas.saturating_mul(PRECOMPILE_WEIGHT_PER_GAS),
    };
    weight.saturating_sub(ordinary)
}

/// revm's precompiles for the chain's hard fork and the chain's own (the operation log,
/// [`crate::oplog`]), counting what their calls weigh beyond their gas (calls in frames
/// that later revert count too: their work was done).
#[derive(Debug, Clone)]
pub struct Metered {
    inner: EthPrecompiles,
    /// Every precompile's address: revm's and the chain's.
    warm: AddressSet,
    /// The index the transaction's first `Oplog` entry gets.
    oplog_next: u64,
    /// The sum of [`surcharge`] over the calls so far, ps.
    pub surcharge_ps: u64,
}

impl Metered {
    /// Wraps `inner`; the transaction's first `Oplog` entry will get index `oplog_next`.
    pub fn new(inner: EthPrecompiles, oplog_next: u64) -> Metered {
        let warm = Metered::warm_set(&inner);
        Metered { inner, warm, oplog_next, surcharge_ps: 0 }
    }

    fn warm_set(inner: &EthPrecompiles) -> AddressSet {
        let mut warm = inner.warm_addresses().clone();
        warm.insert(crate::oplog::address());
        warm.insert(crate::deleters::address());
        warm
    }
}

impl<CTX: ContextTr> PrecompileProvider<CTX> for Metered {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.inner, spec);
        if changed {
            self.warm = Metered::warm_set(&self.inner);
        }
        changed
    }

    fn run(&mut self, context: &mut CTX, inputs: &CallInputs) -> Result<Option<InterpreterResult>, String> {
        if inputs.bytecode_address == crate::oplog::address() {
            let (result, extra) = crate::oplog::run(context, inputs, self.oplog_next);
            self.surcharge_ps = self.surcharge_ps.saturating_add(extra);
            return Ok(Some(result));
        }
        if inputs.bytecode_address == crate::deleters::address() {
            let result = crate::deleters::run(context, inputs);
            if result.result == InstructionResult::Return {
                self.surcharge_ps = self.surcharge_ps.saturating_add(crate::deleters::surcharge());
            }
            return Ok(Some(result));
        }
        let output = <EthPrecompiles as PrecompileProvider<CTX>>::run(&mut self.inner, context, inputs)?;
        if let Some(result) = &output {
            let extra = surcharge(&inputs.bytecode_address, result.gas.total_gas_spent());
            self.surcharge_ps = self.surcharge_ps.saturating_add(extra);
        }
        Ok(output)
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }
}

/// The least gas a transaction spends on a precompile call besides the precompile's own: a
/// call to a warm address (precompiles always are).
const CALL_GAS: u64 = 100;

/// The most a gas of a transaction can weigh, precompiles included: a call's weight before
/// dispatch is its gas limit at this ratio; after, it is refunded to what it used. A call
/// spending `g` gas in a precompile spent at least `g + CALL_GAS`, so a ratio of at least
/// `per_gas + base / CALL_GAS` for each precompile bounds it (ecrecover's base is paid only
/// with its 3,000 gas).
pub const DECLARED_WEIGHT_PER_GAS: u64 = {
    let mut max = WEIGHT_PER_GAS;
    if PRECOMPILE_WEIGHT_PER_GAS > max {
        max = PRECOMPILE_WEIGHT_PER_GAS;
    }
    let mut i = 0;
    while i < MEASURED.len() {
        let m = MEASURED[i];
        let least_gas = if m.address == 0x01 { ECRECOVER_GAS + CALL_GAS } else { CALL_GAS };
        let ratio = m.per_gas + m.base.div_ceil(least_gas);
        if ratio > max {
            max = ratio;
        }
        i += 1;
    }
    max
};

/// Why a call of one of the chain's own precompiles (`name`, which contracts call to `what`)
/// is refused whatever its arguments: it is not a plain `CALL` (a `STATICCALL` cannot write;
/// under `DELEGATECALL` or `CALLCODE` the caller would be ambiguous), the transaction itself
/// calls it, or it carries value.
pub(crate) fn check_plain_call<CTX: ContextTr>(
    context: &CTX,
    inputs: &CallInputs,
    name: &str,
    what: &str,
) -> Result<(), String> {
    if inputs.is_static || inputs.scheme != CallScheme::Call {
        return Err(format!("{name}: call with CALL (not STATICCALL, DELEGATECALL or CALLCODE)"));
    }
    if context.journal().depth() <= 1 {
        return Err(format!("{name}: only contracts {what} (the transaction called the precompile itself)"));
    }
    if !inputs.value.get().is_zero() {
        return Err(format!("{name}: takes no value"));
    }
    Ok(())
}

/// A revert of a call of one of the chain's own precompiles with `Error(reason)`, keeping the
/// gas.
pub(crate) fn revert(inputs: &CallInputs, reason: &str) -> InterpreterResult {
    let gas = Gas::new_with_regular_gas_and_reservoir(inputs.gas_limit, inputs.reservoir);
    InterpreterResult::new(InstructionResult::Revert, accord_ethereum::abi::error_string(reason).into(), gas)
}

/// Charges `gas` to a call of one of the chain's own precompiles: its gas meter, or the
/// out-of-gas result that spends all it was given.
pub(crate) fn charge(inputs: &CallInputs, gas: u64) -> Result<Gas, InterpreterResult> {
    let mut meter = Gas::new_with_regular_gas_and_reservoir(inputs.gas_limit, inputs.reservoir);
    if !meter.record_regular_cost(gas) {
        meter.spend_all();
        return Err(InterpreterResult::new(InstructionResult::PrecompileOOG, Bytes::new(), meter));
    }
    Ok(meter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surcharges_follow_the_measured_costs() {
        let ecrecover = Address::with_last_byte(1);
        assert_eq!(surcharge(&ecrecover, 3_000), ECRECOVER_WEIGHT - 3_000 * WEIGHT_PER_GAS);
        assert_eq!(surcharge(&ecrecover, 2_999), 0, "out of gas before recovering");
        for m in MEASURED.iter().skip(1) {
            let address = Address::from_word(revm::primitives::B256::left_padding_from(&m.address.to_be_bytes()));
            let weight = m.base + 1_000 * m.per_gas;
            assert_eq!(surcharge(&address, 1_000), weight.saturating_sub(1_000 * WEIGHT_PER_GAS), "{:#x}", m.address);
        }
        let unmeasured = Address::with_last_byte(0x12);
        assert_eq!(surcharge(&unmeasured, 72), 72 * (PRECOMPILE_WEIGHT_PER_GAS - WEIGHT_PER_GAS));
        let not_a_precompile = Address::repeat_byte(0x01);
        assert_eq!(measured_weight(&not_a_precompile), None);
    }

    /// Each precompile weighs at least what the weights harness measured it at (µs a call at
    /// its own gas, the first run's figures in BENCHMARKS.md). The fallback of 20,000 ps per
    /// gas failed this for the KZG point evaluation (2.33 ms at 50,000 gas: 1.0 ms weighed),
    /// the BLS12-381 G2 MSM of one pair, bn254 addition and blake2f of one round.
    #[test]
    fn every_precompile_weighs_at_least_its_measured_cost() {
        let measured: [(u16, u64, f64); 24] = [
            (0x01, 3_000, 53.8),
            (0x02, 72, 0.34),
            (0x02, 1_596, 2.36),
            (0x03, 720, 0.68),
            (0x03, 15_960, 11.84),
            (0x04, 18, 0.25),
            (0x05, 1_360, 19.92),
            (0x05, 87_040, 725.8),
            (0x06, 150, 3.74),
            (0x07, 6_000, 81.6),
            (0x08, 113_000, 1_157.7),
            (0x08, 181_000, 1_877.3),
            (0x09, 1, 0.35),
            (0x09, 10_000, 89.8),
            (0x0a, 50_000, 2_333.4),
            (0x0b, 375, 7.49),
            (0x0c, 12_000, 216.4),
            (0x0c, 69_888, 445.7),
            (0x0d, 600, 10.38),
            (0x0e, 22_500, 569.5),
            (0x0e, 143_279, 594.3),
            (0x0f, 70_300, 1_220.9),
            (0x0f, 102_900, 1_621.7),
            (0x10, 5_500, 102.7),
        ];
        for (low, gas, us) in measured {
            let address = Address::from_word(revm::primitives::B256::left_padding_from(&low.to_be_bytes()));
            let weight = gas * WEIGHT_PER_GAS + surcharge(&address, gas);
            assert!(weight as f64 >= us * 1e6, "{low:#x} at {gas} gas weighs {weight} ps, measured {us} µs");
        }
    }

    /// Every address of the Prague set has its measured weight, once.
    #[test]
    fn every_prague_precompile_is_measured() {
        let addresses: Vec<u16> = MEASURED.iter().map(|m| m.address).collect();
        assert_eq!(addresses, (1..=0x11).collect::<Vec<u16>>());
    }

    /// A deleter declaration's weight stays under the ratio its gas is declared at.
    #[test]
    fn a_declaration_weighs_its_apply_within_the_declared_ratio() {
        let gas = crate::deleters::DECLARE_GAS;
        let weight = gas * WEIGHT_PER_GAS + crate::deleters::surcharge();
        assert_eq!(weight, crate::deleters::declare_weight());
        assert!(weight <= DECLARED_WEIGHT_PER_GAS * (gas + CALL_GAS), "{weight} ps for {gas} gas");
    }

    /// The declared ratio bounds every precompile call's weight per gas of its transaction.
    #[test]
    fn the_declared_ratio_bounds_every_call() {
        for m in &MEASURED {
            let address = Address::from_word(revm::primitives::B256::left_padding_from(&m.address.to_be_bytes()));
            let least = if m.address == 1 { ECRECOVER_GAS } else { 0 };
            for gas in [least, least + 1, least + 1_000, least + 1_000_000] {
                let weight = gas * WEIGHT_PER_GAS + surcharge(&address, gas);
                assert!(weight <= DECLARED_WEIGHT_PER_GAS * (gas + CALL_GAS), "{:#x} at {gas} gas", m.address);
            }
        }
    }
}
