//! The calls: each checks everything first, then writes.

use accord_pallet_balances as balances;
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_primitives::crypto::ed25519_verify;
use accord_support::{DispatchError, DispatchResult, Ext, Origin};

use crate::*;

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// Dispatches a metering call; `dispatch_inner` dispatches `pay_with`'s call with the
/// signer's origin (the executive already charged the payer).
pub fn dispatch<C: NamesPayer>(
    ext: &mut Ext<'_>,
    origin: Origin,
    call: Call<C>,
    store: &dyn DataStore,
    dispatch_inner: impl FnOnce(&mut Ext<'_>, Origin, C) -> DispatchResult,
) -> DispatchResult {
    match call {
        Call::exchange { certificate, issuer, signature } => {
            origin.ensure_signed()?;
            let mut info = ISSUERS.get(ext, &issuer).ok_or_else(|| fail(ext, Error::UnknownIssuer))?;
            let genesis = system::block_hash(ext, 0).unwrap_or_default();
            if !ed25519_verify(&signature, &certificate_payload(&genesis, &certificate), &issuer) {
                return Err(fail(ext, Error::BadCertificate));
            }
            if timestamp::now(ext) > certificate.expiry_ms {
                return Err(fail(ext, Error::CertificateExpired));
            }
            if CREDITS.contains_key(ext, &issuer, &certificate.serial) {
                return Err(fail(ext, Error::SerialUsed));
            }
            if certificate.amount == 0 {
                return Err(fail(ext, Error::ZeroAmount));
            }
            balances::mint(ext, &certificate.holder, certificate.amount)?;
            info.credited = info.credited.saturating_add(certificate.amount);
            ISSUERS.insert(ext, &issuer, &info);
            TOTAL_CREDITED.mutate(ext, |t| *t = t.saturating_add(certificate.amount));
            let credit = Credit {
                holder: certificate.holder,
                amount: certificate.amount,
                asset: certificate.asset,
                block: system::block_number(ext),
            };
            CREDITS.insert(ext, &issuer, &certificate.serial, &credit);
            let event = Event::Exchanged {
                issuer,
                serial: certificate.serial,
                holder: certificate.holder,
                amount: certificate.amount,
            };
            deposit(ext, event);
        }
        Call::redeem { issuer, amount } => {
            let who = origin.ensure_signed()?;
            let mut info = ISSUERS.get(ext, &issuer).ok_or_else(|| fail(ext, Error::UnknownIssuer))?;
            if amount == 0 {
                return Err(fail(ext, Error::ZeroAmount));
            }
            if info.redeemed.saturating_add(amount) > info.credited {
                return Err(fail(ext, Error::ExceedsIssuerCredit));
            }
            balances::burn(ext, &who, amount)?;
            info.redeemed += amount;
            ISSUERS.insert(ext, &issuer, &info);
            TOTAL_REDEEMED.mutate(ext, |t| *t = t.saturating_add(amount));
            let id = LAST_REDEMPTION.get(ext) + 1;
            LAST_REDEMPTION.put(ext, &id);
            let block = system::block_number(ext);
            REDEMPTIONS.insert(ext, &id, &Redemption { who, issuer, amount, block });
            deposit(ext, Event::RedemptionRequested { id, who, issuer, amount });
        }
        Call::register_issuer { key, name } => {
            origin.ensure_root()?;
            if ISSUERS.contains_key(ext, &key) {
                return Err(fail(ext, Error::IssuerExists));
            }
            let count = ISSUER_COUNT.get(ext);
            if count >= ISSUERS_MAX {
                return Err(fail(ext, Error::TooManyIssuers));
            }
            ISSUERS.insert(ext, &key, &Issuer { name, credited: 0, redeemed: 0 });
            ISSUER_COUNT.put(ext, &(count + 1));
            deposit(ext, Event::IssuerRegistered { key });
        }
        Call::remove_issuer { key } => {
            origin.ensure_root()?;
            if !ISSUERS.contains_key(ext, &key) {
                return Err(fail(ext, Error::UnknownIssuer));
            }
            ISSUERS.remove(ext, &key);
            ISSUER_COUNT.mutate(ext, |c| *c = c.saturating_sub(1));
            deposit(ext, Event::IssuerRemoved { key });
        }
        Call::set_prices { prices } => {
            origin.ensure_root()?;
            let version = PRICE_VERSION.get(ext) + 1;
            PRICES.insert(ext, &version, &prices);
            PRICE_VERSION.put(ext, &version);
            deposit(ext, Event::PricesSet { version, prices });
        }
        Call::set_mode { class, mode } => {
            origin.ensure_root()?;
            if let Some(ChargingMode::Prepay { storage_estimate }) = mode {
                if storage_estimate > STORAGE_ESTIMATE_MAX {
                    return Err(fail(ext, Error::BadMode));
                }
            }
            match mode {
                Some(m) => MODES.insert(ext, &class, &m),
                None => MODES.remove(ext, &class),
            }
            deposit(ext, Event::ModeSet { class, mode });
        }
        Call::set_payout_rules { rules } => {
            origin.ensure_root()?;
            let no_weight = matches!(rules.distribution, Distribution::ByMedium { hdd: 0, ssd: 0, nvm: 0 });
            if !(1..=PERIOD_MAX).contains(&rules.period) || no_weight {
                return Err(fail(ext, Error::BadPayoutRules));
            }
            PAYOUT_RULES.put(ext, &rules);
            deposit(ext, Event::PayoutRulesSet { rules });
        }
        Call::approve_payer { signer, allowance } => {
            let payer = origin.ensure_signed()?;
            if payer == signer {
                return Err(fail(ext, Error::SelfApproval));
            }
            APPROVALS.insert(ext, &payer, &signer, &Approval { allowance });
            deposit(ext, Event::PayerApproved { payer, signer, allowance });
        }
        Call::revoke_payer { signer } => {
            let payer = origin.ensure_signed()?;
            if !APPROVALS.contains_key(ext, &payer, &signer) {
                return Err(fail(ext, Error::NotApproved));
            }
            APPROVALS.remove(ext, &payer, &signer);
            deposit(ext, Event::PayerRevoked { payer, signer });
        }
        Call::pay_with { payer, call } => {
            let signer = origin.ensure_signed()?;
            if payer != signer && !APPROVALS.contains_key(ext, &payer, &signer) {
                return Err(fail(ext, Error::NotApproved));
            }
            // One payer per transaction: `payer`, which the executive charged.
            if call.named_payer().is_some_and(|named| named != payer) {
                return Err(fail(ext, Error::ConflictingPayers));
            }
            return dispatch_inner(ext, origin, *call);
        }
        Call::delete_data { target, key, mode, backup_days, payer } => {
            let who = origin.ensure_signed()?;
            if payer.is_some_and(|p| p != who && !APPROVALS.contains_key(ext, &p, &who)) {
                return Err(fail(ext, Error::NotApproved));
            }
            crate::deletion::delete(ext, store, who, target, key, mode, backup_days)?;
        }
        Call::recover_data { target, key } => {
            let who = origin.ensure_signed()?;
            crate::deletion::recover(ext, store, who, target, key)?;
        }
        Call::set_deleter { target, key, who, allowed } => {
            let owner = origin.ensure_signed()?;
            crate::deletion::set_deleter(ext, store, owner, target, key, who, allowed)?;
        }
        Call::buy_quota { bytes } => {
            let who = origin.ensure_signed()?;
            let (paid, limit) = crate::quota::buy(ext, who, who, bytes)?;
            ext.deposit_event(NAME, &Event::QuotaBought { who, bytes, paid, limit }, Vec::new());
        }
        Call::buy_quota_for { owner, bytes } => {
            let payer = origin.ensure_signed()?;
            let (paid, limit) = crate::quota::buy(ext, payer, owner, bytes)?;
            ext.deposit_event(NAME, &Event::QuotaBoughtFor { payer, owner, bytes, paid, limit }, Vec::new());
        }
        Call::set_quota_required { required } => {
            origin.ensure_root()?;
            QUOTA_REQUIRED.put(ext, &required);
            deposit(ext, Event::QuotaRequiredSet { required });
        }
        Call::attest_medium { node, medium } => {
            origin.ensure_root()?;
            crate::payout::attest(ext, node, medium)?;
        }
        Call::set_backup_days { days } => {
            origin.ensure_root()?;
            if !(1..=BACKUP_DAYS_MAX).contains(&days) {
                return Err(fail(ext, Error::BadBackupDays));
            }
            BACKUP_DAYS.put(ext, &days);
            deposit(ext, Event::BackupDaysSet { days });
        }
    }
    Ok(())
}
