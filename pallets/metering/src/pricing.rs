//! Pricing: the fee of a resource vector, the charge of one transaction from before its
//! dispatch to after it, admission thresholds, quotes.

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use accord_pallet_balances as balances;
use accord_primitives::{AccountId32, Balance};
use accord_support::Ext;

use crate::*;

/// The prices in force and their version.
pub fn current_prices(ext: &Ext<'_>) -> (PriceVersion, Prices) {
    let version = PRICE_VERSION.get(ext);
    (version, PRICES.get(ext, &version).unwrap_or(DEFAULT_PRICES))
}

/// `Σ price × usage` per resource, plus the tip (saturating: a fee never wraps).
pub fn fee_of(prices: &Prices, usage: &Usage, tip: Balance) -> FeeBreakdown {
    let mul = |price: Balance, amount: u64| price.saturating_mul(amount as Balance);
    FeeBreakdown {
        compute: mul(prices.compute_per_ns, usage.ref_time / 1_000),
        network: mul(prices.network_per_byte, (usage.length as u64).saturating_mul(usage.nodes.max(1) as u64)),
        storage: mul(prices.storage_per_byte, usage.storage_added),
        backup: mul(prices.backup_per_byte, usage.backup_bytes),
        backup_time: mul(prices.backup_per_byte_day, usage.backup_byte_days),
        tip,
    }
}

/// The usage known before dispatch: compute and network, nothing stored yet.
pub fn attempt_usage(ext: &Ext<'_>, ref_time: u64, length: u32) -> Usage {
    Usage { ref_time, length, nodes: NODE_COUNT.get(ext).max(1), ..Usage::default() }
}

/// One transaction's charge, from its checks to after its dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// Who pays.
    pub payer: AccountId32,
    /// The signer (another account than the payer with `pay_with`).
    pub signer: AccountId32,
    /// The price version charged at.
    pub version: PriceVersion,
    /// Its prices.
    pub prices: Prices,
    /// The mode of the call's class.
    pub mode: ChargingMode,
    /// Compute and network.
    pub usage: Usage,
    /// The tip.
    pub tip: Balance,
    /// The call's (pallet, call) indices, for average thresholds.
    pub call_key: (u8, u8),
    /// Whether the call may delete data (`delete_data`, a store's own delete): its dispatch
    /// may leave a deletion note ([`crate::take_deletion_usage`]), which exempts it from the
    /// storage fee and reports its backup usage.
    pub deletes: bool,
    /// For `delete_data`: the backup bytes and byte-days it is expected to move
    /// ([`crate::backup_estimate`]); the prepay estimate then counts them instead of the
    /// storage estimate (a deletion pays no storage fee).
    pub deletion_estimate: Option<(u64, u64)>,
}

impl Charge {
    /// The charge of a transaction of `class` from `signer`, paid by `payer`.
    pub fn new(
        ext: &Ext<'_>,
        signer: AccountId32,
        payer: AccountId32,
        class: Class,
        call_key: (u8, u8),
        usage: Usage,
        tip: Balance,
    ) -> Charge {
        let (version, prices) = current_prices(ext);
        let mode = mode_of(ext, class);
        Charge { payer, signer, version, prices, mode, usage, tip, call_key, deletes: false, deletion_estimate: None }
    }

    /// The fee with `storage_added` bytes stored and `backup_bytes` moved to the backup store
    /// for `backup_byte_days`.
    pub fn fee_for(&self, storage_added: u64, backup_bytes: u64, backup_byte_days: u64) -> FeeBreakdown {
        fee_of(&self.prices, &Usage { storage_added, backup_bytes, backup_byte_days, ..self.usage }, self.tip)
    }

    /// The fee with `storage_added` bytes stored.
    pub fn fee_with(&self, storage_added: u64) -> FeeBreakdown {
        fee_of(&self.prices, &Usage { storage_added, ..self.usage }, self.tip)
    }

    /// The attempt fee: compute, network, tip.
    pub fn attempt_fee(&self) -> Balance {
        self.fee_with(0).total()
    }

    /// The estimate: the attempt and the class's storage estimate, or for a deletion its
    /// expected backup fees (none outside prepay).
    pub fn estimate(&self) -> Balance {
        match (self.mode, self.deletion_estimate) {
            (ChargingMode::Prepay { .. }, Some((bytes, byte_days))) => self.fee_for(0, bytes, byte_days).total(),
            (ChargingMode::Prepay { storage_estimate }, None) => self.fee_with(storage_estimate as u64).total(),
            _ => self.attempt_fee(),
        }
    }

    /// What is withdrawn before dispatch: the estimate in prepay, nothing otherwise.
    pub fn precharge(&self) -> Balance {
        match self.mode {
            ChargingMode::Prepay { .. } => self.estimate(),
            _ => 0,
        }
    }

    /// What the payer must hold for the pool to admit the transaction.
    pub fn required(&self, ext: &Ext<'_>) -> Balance {
        match self.mode {
            ChargingMode::Prepay { .. } => self.precharge(),
            ChargingMode::Postpay => self.attempt_fee(),
            ChargingMode::Admission(threshold) => admission_threshold(ext, self, threshold),
        }
    }
}

/// The admission threshold of `charge` under `threshold` (never below the attempt fee). For
/// `Exact` this is the attempt fee: the exact fee needs a dry run of the dispatch, which the
/// runtime's pool validation adds (`fees::quote`).
pub fn admission_threshold(ext: &Ext<'_>, charge: &Charge, threshold: Threshold) -> Balance {
    let attempt = charge.attempt_fee();
    match threshold {
        Threshold::Minimum => CALL_STATS.get(ext, &charge.call_key).min_success.map_or(attempt, |m| m.max(attempt)),
        Threshold::Exact => attempt,
        Threshold::Average => {
            let stats = CALL_STATS.get(ext, &charge.call_key);
            if stats.count == 0 {
                attempt
            } else {
                (stats.total / stats.count as Balance).max(attempt)
            }
        }
    }
}

/// The estimate of a transaction before it runs (what `payment_queryInfo` reports).
pub fn estimate(charge: &Charge) -> Balance {
    charge.estimate()
}

/// Withdraws `amount` from the payer into this block's income; `false` (and nothing
/// changed) if it cannot pay while staying alive or beyond its allowance for the signer.
pub fn withdraw(ext: &mut Ext<'_>, charge: &Charge, amount: Balance) -> bool {
    if amount == 0 {
        return true;
    }
    let approval = (charge.payer != charge.signer).then(|| APPROVALS.get(ext, &charge.payer, &charge.signer));
    let allowance = match approval {
        None => None,
        Some(None) => return false,
        Some(Some(a)) => a.allowance,
    };
    if allowance.is_some_and(|left| left < amount) {
        return false;
    }
    if !balances::withdraw_fee(ext, &charge.payer, amount) {
        return false;
    }
    if let Some(left) = allowance {
        APPROVALS.insert(ext, &charge.payer, &charge.signer, &Approval { allowance: Some(left - amount) });
    }
    BLOCK_INCOME.mutate(ext, |i| *i = i.saturating_add(amount));
    true
}

/// Gives `amount` of this block's income back to the payer (and to its allowance).
pub fn refund(ext: &mut Ext<'_>, charge: &Charge, amount: Balance) {
    if amount == 0 {
        return;
    }
    balances::refund_fee(ext, &charge.payer, amount);
    if charge.payer != charge.signer {
        if let Some(Approval { allowance: Some(left) }) = APPROVALS.get(ext, &charge.payer, &charge.signer) {
            let allowance = Some(left.saturating_add(amount));
            APPROVALS.insert(ext, &charge.payer, &charge.signer, &Approval { allowance });
        }
    }
    BLOCK_INCOME.mutate(ext, |i| *i = i.saturating_sub(amount));
}

/// Records what a transaction was charged in the end (`succeeded`: its dispatch took effect):
/// the `FeeCharged` event, and the call's statistics if its class admits by average or
/// minimum.
pub fn note_actual(ext: &mut Ext<'_>, charge: &Charge, fee: Balance, storage_added: u64, succeeded: bool) {
    if matches!(charge.mode, ChargingMode::Admission(Threshold::Average | Threshold::Minimum)) {
        CALL_STATS.mutate(ext, &charge.call_key, |s| {
            s.count = s.count.saturating_add(1);
            s.total = s.total.saturating_add(fee);
            if succeeded {
                s.min_success = Some(s.min_success.map_or(fee, |m| m.min(fee)));
            }
        });
    }
    let event = Event::FeeCharged { payer: charge.payer, fee, storage_added, price_version: charge.version };
    ext.deposit_event(NAME, &event, Vec::new());
}

/// What `metering_quote` answers: the resource vector, the price version, the fee per
/// resource and the charging mode.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Quote {
    /// The resources (storage as a dry run of the dispatch measured it).
    pub usage: Usage,
    /// The price version.
    pub price_version: PriceVersion,
    /// The fee per resource.
    pub fee: FeeBreakdown,
    /// The total.
    pub total: Balance,
    /// The charging mode of the call's class.
    pub mode: ChargingMode,
    /// Whether the dry run's dispatch succeeded (a failed one stores nothing).
    pub dispatch_ok: bool,
}
