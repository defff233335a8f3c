//! Precompiles weighed by this machine's time. Ethereum's gas schedule prices a precompile
//! for other machines and libraries: here `ecrecover` (k256, no C code) costs about 48,000 ps
//! per gas where ordinary execution costs under 1,000 (the weights harness,
//! `node/benches/weights/evm.rs`). So a precompile call weighs its own measured cost, not its
//! gas times [`WEIGHT_PER_GAS`]: [`Metered`] wraps revm's precompiles and adds, per call, what
//! it costs beyond that ([`surcharge`]). Precompiles not yet measured keep the ratio every
//! gas had before, [`PRECOMPILE_WEIGHT_PER_GAS`] (bn254 addition and multiplication measured
//! 9,842 and 11,202 ps per gas: below it).

use revm::context::Cfg;
use revm::context_interface::ContextTr;
use revm::handler::{EthPrecompiles, PrecompileProvider};
use revm::interpreter::{CallInputs, InterpreterResult};
use revm::primitives::{Address, AddressSet};

use crate::WEIGHT_PER_GAS;

/// The gas of an `ecrecover` call.
pub const ECRECOVER_GAS: u64 = 3_000;
/// The weight of an `ecrecover` call that recovers: 146, 152 and 163 µs measured in three
/// runs of the weights harness (`evm::ecrecover`), the highest with the 20% margin.
pub const ECRECOVER_WEIGHT: u64 = 200_000_000;
/// Ref time per gas of the precompiles not yet measured (the ratio Frontier chains use).
pub const PRECOMPILE_WEIGHT_PER_GAS: u64 = 20_000;

/// What a precompile call at `address` that spent `gas` weighs beyond `gas ×`
/// [`WEIGHT_PER_GAS`], in picoseconds.
pub fn surcharge(address: &Address, gas: u64) -> u64 {
    let ordinary = gas.saturating_mul(WEIGHT_PER_GAS);
    let weight = if *address == Address::with_last_byte(1) {
        // Given less than its gas, it fails before recovering anything.
        if gas >= ECRECOVER_GAS {
            ECRECOVER_WEIGHT
        } else {
            ordinary
        }
    } else {
        gas.saturating_mul(PRECOMPILE_WEIGHT_PER_GAS)
    };
    weight.saturating_sub(ordinary)
}

/// revm's precompiles for the chain's hard fork, counting what their calls weigh beyond
/// their gas (calls in frames that later revert count too: their work was done).
#[derive(Debug, Clone)]
pub struct Metered {
    inner: EthPrecompiles,
    /// The sum of [`surcharge`] over the calls so far, ps.
    pub surcharge_ps: u64,
}

impl Metered {
    /// Wraps `inner`.
    pub fn new(inner: EthPrecompiles) -> Metered {
        Metered { inner, surcharge_ps: 0 }
    }
}

impl<CTX: ContextTr> PrecompileProvider<CTX> for Metered {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.inner, spec)
    }

    fn run(&mut self, context: &mut CTX, inputs: &CallInputs) -> Result<Option<InterpreterResult>, String> {
        let output = <EthPrecompiles as PrecompileProvider<CTX>>::run(&mut self.inner, context, inputs)?;
        if let Some(result) = &output {
            let extra = surcharge(&inputs.bytecode_address, result.gas.total_gas_spent());
            self.surcharge_ps = self.surcharge_ps.saturating_add(extra);
        }
        Ok(output)
    }

    fn warm_addresses(&self) -> &AddressSet {
        self.inner.warm_addresses()
    }
}

/// The most a gas of a transaction can weigh, precompiles included: a call's weight before
/// dispatch is its gas limit at this ratio; after, it is refunded to what it used.
pub const DECLARED_WEIGHT_PER_GAS: u64 = {
    // An ecrecover call spends its 3,000 gas and at least 100 for the call itself.
    let ecrecover = ECRECOVER_WEIGHT / (ECRECOVER_GAS + 100) + 1;
    let mut max = WEIGHT_PER_GAS;
    if PRECOMPILE_WEIGHT_PER_GAS > max {
        max = PRECOMPILE_WEIGHT_PER_GAS;
    }
    if ecrecover > max {
        max = ecrecover;
    }
    max
};

// The declared ratio bounds every call's weight per gas.
const _: () = assert!(DECLARED_WEIGHT_PER_GAS * (ECRECOVER_GAS + 100) >= ECRECOVER_WEIGHT);
const _: () = assert!(DECLARED_WEIGHT_PER_GAS >= PRECOMPILE_WEIGHT_PER_GAS);
const _: () = assert!(DECLARED_WEIGHT_PER_GAS >= WEIGHT_PER_GAS);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surcharges_follow_the_measured_costs() {
        let ecrecover = Address::with_last_byte(1);
        assert_eq!(surcharge(&ecrecover, 3_000), ECRECOVER_WEIGHT - 3_000 * WEIGHT_PER_GAS);
        assert_eq!(surcharge(&ecrecover, 2_999), 0, "out of gas before recovering");
        let sha256 = Address::with_last_byte(2);
        assert_eq!(surcharge(&sha256, 72), 72 * (PRECOMPILE_WEIGHT_PER_GAS - WEIGHT_PER_GAS));
    }
}
