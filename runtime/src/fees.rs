//! Transaction fees: the one place that prices an extrinsic. For now a simple
//! `base + length + weight` fee plus the tip, burned; the resource-pricing model (compute,
//! storage, network) replaces this module later.

use accord_primitives::Balance;
use accord_support::Weight;

/// Charged for every signed extrinsic.
pub const BASE_FEE: Balance = 100_000_000;
/// Charged per encoded byte.
pub const LENGTH_FEE_PER_BYTE: Balance = 1_000_000;
/// Charged per nanosecond of `ref_time` (1000 picoseconds).
pub const WEIGHT_FEE_PER_NANOSECOND: Balance = 1_000;

/// The fee of an extrinsic of `len` bytes and `weight`, before the tip.
pub fn inclusion_fee(len: u32, weight: Weight) -> Balance {
    let length_fee = LENGTH_FEE_PER_BYTE.saturating_mul(len as Balance);
    let weight_fee = WEIGHT_FEE_PER_NANOSECOND.saturating_mul((weight.ref_time / 1_000) as Balance);
    BASE_FEE.saturating_add(length_fee).saturating_add(weight_fee)
}

/// The total charged: inclusion fee plus tip.
pub fn total_fee(len: u32, weight: Weight, tip: Balance) -> Balance {
    inclusion_fee(len, weight).saturating_add(tip)
}

/// Pool priority: what the sender pays per byte, so a higher tip orders first and replaces
/// a same-nonce transaction with a lower one.
pub fn priority(len: u32, fee_with_tip: Balance) -> u64 {
    let per_byte = fee_with_tip / (len.max(1) as Balance);
    u64::try_from(per_byte).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_grows_with_length_weight_and_tip() {
        let base = inclusion_fee(100, Weight::from_ref_time(1_000_000));
        assert_eq!(base, BASE_FEE + 100 * LENGTH_FEE_PER_BYTE + 1_000 * WEIGHT_FEE_PER_NANOSECOND);
        assert!(inclusion_fee(101, Weight::from_ref_time(1_000_000)) > base);
        assert!(inclusion_fee(100, Weight::from_ref_time(2_000_000)) > base);
        assert_eq!(total_fee(100, Weight::from_ref_time(1_000_000), 5), base + 5);
        assert!(priority(100, base + 1_000_000_000) > priority(100, base));
        assert_eq!(priority(0, 10), 10);
    }
}
