//! Transaction fees: the one place that prices an extrinsic, with the `Metering` pallet's
//! prices and charging modes. The executive builds a [`Charge`] in its checks, withdraws the
//! precharge before dispatch and settles after it ([`settle`]); quotes ([`quote`]) dry-run
//! the dispatch to measure its storage with the same formula.

use codec::Encode;

use accord_pallet_metering::{self as metering, Charge, Quote};
use accord_pallet_releases as releases;
use accord_pallet_system as system;
use accord_primitives::{AccountId32, Balance, MultiAddress, UncheckedExtrinsic};
use accord_support::{DispatchResult, Ext, Origin, StateRead, StorageDelta, Weight};

use crate::call::RuntimeCall;
use crate::limits::EXTRINSIC_BASE_WEIGHT;
use crate::PALLETS;

/// The call a wrapper carries (`Metering.pay_with`, `Releases.as_class`), down to the call
/// that does the work.
fn innermost(call: &RuntimeCall) -> &RuntimeCall {
    match call {
        RuntimeCall::Metering(metering::Call::pay_with { call, .. }) => innermost(call),
        RuntimeCall::Releases(releases::Call::as_class { call, .. }) => innermost(call),
        other => other,
    }
}

/// The payer a call names: the outermost `pay_with`'s, else `delete_data`'s (through
/// `as_class`). `pay_with` refuses a call that names another (`ConflictingPayers`), so a
/// transaction has exactly one payer.
impl metering::NamesPayer for RuntimeCall {
    fn named_payer(&self) -> Option<AccountId32> {
        match self {
            RuntimeCall::Metering(metering::Call::pay_with { payer, .. }) => Some(*payer),
            RuntimeCall::Metering(metering::Call::delete_data { payer, .. }) => *payer,
            RuntimeCall::Releases(releases::Call::as_class { call, .. }) => call.named_payer(),
            _ => None,
        }
    }
}

/// Who pays for `call` signed by `signer`: the payer it names (the outermost `pay_with`'s,
/// else `delete_data`'s), else the signer.
pub fn payer_of(call: &RuntimeCall, signer: &AccountId32) -> AccountId32 {
    metering::NamesPayer::named_payer(call).unwrap_or(*signer)
}

/// The (pallet, call) indices of the call that does the work: its class is the pallet.
pub fn call_key(call: &RuntimeCall) -> (u8, u8) {
    let bytes = innermost(call).encode();
    (bytes[0], bytes.get(1).copied().unwrap_or(0))
}

/// The charge of a signed transaction of `call` (weight `weight`, `len` bytes, `tip`) by
/// `signer`, on `ext`.
pub fn charge_of(
    ext: &Ext<'_>,
    call: &RuntimeCall,
    signer: &AccountId32,
    weight: Weight,
    len: u32,
    tip: Balance,
) -> Charge {
    let key = call_key(call);
    let ref_time = weight.saturating_add(EXTRINSIC_BASE_WEIGHT).ref_time;
    let usage = metering::attempt_usage(ext, ref_time, len);
    let mut charge = Charge::new(ext, *signer, payer_of(call, signer), key.0, key, usage, tip);
    // A deletion notes itself (`delete_data`, `Records.delete`); so may one through sudo.
    charge.deletes = matches!(
        innermost(call),
        RuntimeCall::Metering(metering::Call::delete_data { .. }) | RuntimeCall::Records(_) | RuntimeCall::Sudo(_)
    );
    if let RuntimeCall::Metering(metering::Call::delete_data { target, key, mode, backup_days, .. }) = innermost(call) {
        let expected = metering::backup_estimate(ext, &crate::call::Stores, *target, key, *mode, *backup_days);
        charge.deletion_estimate = Some(expected);
    }
    charge
}

/// The stored bytes, backup bytes and byte-days of the dispatch in the open layer (whose
/// delta is `delta`). A dispatch that deleted data pays no storage fee: its oplog entry (the
/// hash of the deleted state), events and bookkeeping are not billed as storage; a deletion
/// into the backup store reports the bytes it moved and their byte-days instead.
fn measured(ext: &mut Ext<'_>, charge: &Charge, delta: &StorageDelta) -> (u64, u64, u64) {
    match charge.deletes.then(|| metering::take_deletion_usage(ext)).flatten() {
        Some((bytes, byte_days)) => (0, bytes, byte_days),
        None => (delta.bytes_added, 0, 0),
    }
}

/// What settling a dispatch did.
pub struct Settled {
    /// The dispatch result (`Metering.CannotPayStorage` if its storage could not be paid).
    pub result: DispatchResult,
    /// Its storage delta (empty if it was discarded).
    pub storage: StorageDelta,
    /// What the payer was charged in all.
    pub fee: Balance,
    /// The weight the dispatch declared and did not use ([`Ext::refund_weight`]).
    pub refund: Weight,
}

/// Settles a dispatch whose layer is still open (the executive dispatched in it, the
/// precharge was withdrawn before): charges its actual fee (a top-up or a refund) and
/// commits, or rolls the layer back (a failed dispatch, or a top-up the payer cannot pay)
/// and charges the attempt.
pub fn settle(ext: &mut Ext<'_>, charge: &Charge, result: DispatchResult) -> Settled {
    let delta = ext.top_layer_delta();
    // What was withdrawn before dispatch was priced at the declared weight; the fee is
    // priced at the weight used.
    let pre = charge.precharge();
    let refund = ext.take_weight_refund();
    let charge = &used(charge, refund);
    if result.is_ok() {
        let (stored, backup, byte_days) = measured(ext, charge, &delta);
        let actual = charge.fee_for(stored, backup, byte_days).total();
        let paid = actual <= pre || metering::withdraw(ext, charge, actual - pre);
        if paid {
            let closed = ext.commit_layer();
            debug_assert!(closed.is_ok(), "the executive opened the layer");
            metering::refund(ext, charge, pre.saturating_sub(actual));
            metering::note_actual(ext, charge, actual, stored, true);
            return Settled { result, storage: delta, fee: actual, refund };
        }
    }
    let closed = ext.rollback_layer();
    debug_assert!(closed.is_ok(), "the executive opened the layer");
    let result = result.and_then(|()| Err(ext.error(metering::Error::CannotPayStorage)));
    let attempt = charge.attempt_fee();
    let fee = if pre >= attempt {
        metering::refund(ext, charge, pre - attempt);
        attempt
    } else if metering::withdraw(ext, charge, attempt - pre) {
        attempt
    } else {
        // Only if the payer spent what validation saw elsewhere in this block.
        pre
    };
    metering::note_actual(ext, charge, fee, 0, false);
    Settled { result, storage: StorageDelta::default(), fee, refund }
}

/// `charge` with the reference time its dispatch did not use (`refund`) taken off.
fn used(charge: &Charge, refund: Weight) -> Charge {
    let ref_time = charge.usage.ref_time.saturating_sub(refund.ref_time);
    Charge { usage: metering::Usage { ref_time, ..charge.usage }, ..*charge }
}

/// A quote of `xt` on `state` (the best block's): its dispatch dry-run in the next block's
/// context without signature or nonce checks, measured and priced as the executive would
/// charge it; the tip included. `Err` if it is not a signed extrinsic of a decodable call.
pub fn quote(
    state: &dyn StateRead,
    xt: &UncheckedExtrinsic,
    best_hash: accord_primitives::H256,
) -> Result<Quote, String> {
    let call = RuntimeCall::decode_all(xt.call()).ok_or("the call does not decode")?;
    let mut ext = Ext::new(state, PALLETS);
    let n = system::block_number(&ext) + 1;
    system::initialize(&mut ext, n, best_hash);
    let (signer, tip) = match (&xt.signature, &call) {
        (Some(sig), _) => match sig.address {
            MultiAddress::Id(signer) => (signer, sig.extra.tip),
            _ => return Err("the signer is not an account id".into()),
        },
        // An Ethereum transaction pays from its sender's account, without a tip.
        (None, RuntimeCall::Evm(accord_pallet_evm::Call::transact { transaction })) => {
            let checked = accord_pallet_evm::ethereum::check_transaction(&ext, transaction)
                .map_err(|e| format!("the Ethereum transaction is refused: {e:?}"))?;
            (checked.account, 0)
        }
        (None, _) => return Err("an unsigned extrinsic pays no fee".into()),
    };
    let len = xt.encoded().len() as u32;
    let charge = charge_of(&ext, &call, &signer, call.weight(), len, tip);
    let (mut storage_added, mut backup_bytes, mut backup_byte_days) = (0, 0, 0);
    let mut dispatch_ok = false;
    let mut charge = charge;
    if ext.start_layer().is_ok() {
        let result = call.dispatch(&mut ext, Origin::Signed(signer));
        charge = used(&charge, ext.take_weight_refund());
        if result.is_ok() {
            let delta = ext.top_layer_delta();
            (storage_added, backup_bytes, backup_byte_days) = measured(&mut ext, &charge, &delta);
            dispatch_ok = true;
        }
        let _ = ext.rollback_layer();
    }
    let fee = charge.fee_for(storage_added, backup_bytes, backup_byte_days);
    let usage = metering::Usage { storage_added, backup_bytes, backup_byte_days, ..charge.usage };
    Ok(Quote { usage, price_version: charge.version, total: fee.total(), fee, mode: charge.mode, dispatch_ok })
}

/// Pool priority: what the payer offers per byte (its admission requirement), so a higher
/// tip orders first and replaces a same-nonce transaction with a lower one.
pub fn priority(len: u32, fee_with_tip: Balance) -> u64 {
    let per_byte = fee_with_tip / (len.max(1) as Balance);
    u64::try_from(per_byte).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_grows_with_the_fee_per_byte() {
        assert!(priority(100, 2_000_000_000) > priority(100, 1_000_000_000));
        assert_eq!(priority(0, 10), 10);
        assert_eq!(priority(1, Balance::MAX), u64::MAX);
    }
}
