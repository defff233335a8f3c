//! Storage quotas: an owner buys quota for its business data; the runtime reports every
//! change of an owner's data size, and a write beyond the quota fails; deleting data gives
//! quota back.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_pallet_balances as balances;
use accord_primitives::{AccountId32, Balance};
use accord_support::{Blake2_128Concat, DispatchError, DispatchResult, Ext, StorageMap, StorageValue, ValueQuery};

use crate::{current_prices, Error, BLOCK_INCOME, NAME};

/// An owner's quota and what its data uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Quota {
    /// Bytes bought.
    pub limit: u64,
    /// Bytes its data takes (record ids and encoded records).
    pub used: u64,
}

/// `Metering.Quotas`.
pub const QUOTAS: StorageMap<AccountId32, Quota, Blake2_128Concat, ValueQuery> = StorageMap::new(
    NAME,
    "Quotas",
    &[" Each owner's bought quota and the bytes its business data uses (tracked for every owner)."],
);
/// `Metering.QuotaRequired`.
pub const QUOTA_REQUIRED: StorageValue<bool, ValueQuery> = StorageValue::new(
    NAME,
    "QuotaRequired",
    &[" Whether every owner's writes are limited by its quota (else only owners that bought some)."],
);

/// `Metering.QuotaGifts`.
pub const QUOTA_GIFTS: StorageMap<AccountId32, u64, Blake2_128Concat, ValueQuery> = StorageMap::new(
    NAME,
    "QuotaGifts",
    &[" The bytes of each owner's quota that others bought for it: they add room, but never make a quota bind."],
);

/// Whether `owner`'s `quota` limits its writes: when quotas are required, or when the owner
/// bought quota itself. Quota others bought only adds room: nobody can freeze another's data
/// by buying it a byte.
fn enforced(ext: &Ext<'_>, owner: &AccountId32, quota: &Quota) -> bool {
    quota.limit > QUOTA_GIFTS.get(ext, owner) || QUOTA_REQUIRED.get(ext)
}

/// Reports that a piece of data went from `before` (owner, bytes) to `after`: the bytes are
/// released from the old owner and counted for the new one. `QuotaExceeded` (and nothing
/// changed) if the new owner's usage would pass a quota that limits it; shrinking never fails.
pub fn data_resized(
    ext: &mut Ext<'_>,
    before: Option<(AccountId32, u64)>,
    after: Option<(AccountId32, u64)>,
) -> DispatchResult {
    let mut changes: Vec<(AccountId32, Quota)> = Vec::new();
    if let Some((owner, bytes)) = before {
        let mut quota = QUOTAS.get(ext, &owner);
        quota.used = quota.used.saturating_sub(bytes);
        changes.push((owner, quota));
    }
    if let Some((owner, bytes)) = after {
        let mut quota = match changes.iter().find(|(o, _)| *o == owner) {
            Some((_, q)) => *q,
            None => QUOTAS.get(ext, &owner),
        };
        let grows = before.as_ref().is_none_or(|(o, b)| *o != owner || bytes > *b);
        quota.used = quota.used.saturating_add(bytes);
        if grows && enforced(ext, &owner, &quota) && quota.used > quota.limit {
            return Err(ext.error(Error::QuotaExceeded));
        }
        changes.retain(|(o, _)| *o != owner);
        changes.push((owner, quota));
    }
    for (owner, quota) in changes {
        QUOTAS.insert(ext, &owner, &quota);
    }
    Ok(())
}

/// Whether `owner`'s data may take `used` bytes: `Err(limit)` if a quota that limits it is
/// smaller. For a store that counts usage itself (a contract's storage, in `Evm.Contracts`),
/// before it grows.
pub fn check_usage(ext: &Ext<'_>, owner: &AccountId32, used: u64) -> Result<(), u64> {
    let quota = QUOTAS.get(ext, owner);
    if enforced(ext, owner, &quota) && used > quota.limit {
        return Err(quota.limit);
    }
    Ok(())
}

/// `buy_quota` and `buy_quota_for`: `payer` pays the quota price for `bytes` into the
/// block's income, and `owner`'s quota grows by them. Returns (paid, the owner's limit now).
pub(crate) fn buy(
    ext: &mut Ext<'_>,
    payer: AccountId32,
    owner: AccountId32,
    bytes: u64,
) -> Result<(Balance, u64), DispatchError> {
    if bytes == 0 {
        return Err(ext.error(Error::ZeroAmount));
    }
    let (_, prices) = current_prices(ext);
    let price: Balance = prices.quota_per_byte.saturating_mul(bytes as Balance);
    if !balances::withdraw_fee(ext, &payer, price) {
        return Err(ext.error(Error::CannotPayQuota));
    }
    BLOCK_INCOME.mutate(ext, |i| *i = i.saturating_add(price));
    let mut quota = QUOTAS.get(ext, &owner);
    quota.limit = quota.limit.saturating_add(bytes);
    QUOTAS.insert(ext, &owner, &quota);
    if payer != owner {
        QUOTA_GIFTS.mutate(ext, &owner, |g| *g = g.saturating_add(bytes));
    }
    Ok((price, quota.limit))
}
