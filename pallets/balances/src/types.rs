//! FRAME's balance locks, reserves, holds and freezes, which balance tools read
//! (Substrate API Sidecar's `/accounts/{id}/balance-info` reads `Balances.Locks`; polkadot.js's
//! balance derives read all four).
//!
//! Accord has no locks, named reserves, holds or freezes: nothing writes these maps, so every
//! account reads as the empty default, which is the truth. They exist so that the queries
//! find the items with FRAME's keys (`Blake2_128Concat` of the account) and value shapes.

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use accord_primitives::{AccountId32, Balance};
use accord_support::{Blake2_128Concat, BoundedVec, StorageMap};

use crate::NAME;

/// The most locks an account may have: none, Accord locks nothing.
pub const LOCKS_MAX: u32 = 0;
/// The most named reserves an account may have: none.
pub const RESERVES_MAX: u32 = 0;
/// The most holds an account may have: one per hold reason, of which the runtime has none.
pub const HOLDS_MAX: u32 = 0;
/// The most freezes an account may have: one per freeze reason, of which the runtime has none.
pub const FREEZES_MAX: u32 = 0;

/// What a lock keeps from being spent on (`pallet_balances::types::Reasons`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Reasons {
    /// Paying transaction fees.
    #[codec(index = 0)]
    Fee,
    /// Anything but transaction fees.
    #[codec(index = 1)]
    Misc,
    /// Anything.
    #[codec(index = 2)]
    All,
}

/// A lock on an account's balance (`pallet_balances::types::BalanceLock`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct BalanceLock {
    /// Who locked it.
    pub id: [u8; 8],
    /// How much.
    pub amount: Balance,
    /// What it keeps the amount from.
    pub reasons: Reasons,
}

/// A named reserve (`pallet_balances::types::ReserveData`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ReserveData {
    /// Who reserved it.
    pub id: [u8; 8],
    /// How much.
    pub amount: Balance,
}

/// An amount held or frozen for a reason `R`, the runtime's `RuntimeHoldReason` or
/// `RuntimeFreezeReason` (`frame_support::traits::tokens::misc::IdAmount`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct IdAmount<R> {
    /// Why.
    pub id: R,
    /// How much.
    pub amount: Balance,
}

/// `Balances.Locks`: always empty.
pub const LOCKS: StorageMap<AccountId32, BoundedVec<BalanceLock, LOCKS_MAX>, Blake2_128Concat> = StorageMap::new(
    NAME,
    "Locks",
    &[" Any liquidity locks on some account balances.", " Accord locks nothing: every account reads as empty."],
);

/// `Balances.Reserves`: always empty.
pub const RESERVES: StorageMap<AccountId32, BoundedVec<ReserveData, RESERVES_MAX>, Blake2_128Concat> = StorageMap::new(
    NAME,
    "Reserves",
    &[" Named reserves on some account balances.", " Accord reserves nothing: every account reads as empty."],
);

/// `Balances.Holds` with the runtime's hold reasons `R`: always empty.
pub const fn holds<R: Encode + Decode>() -> StorageMap<AccountId32, BoundedVec<IdAmount<R>, HOLDS_MAX>, Blake2_128Concat>
{
    StorageMap::new(
        NAME,
        "Holds",
        &[" Holds on account balances.", " Accord holds nothing: every account reads as empty."],
    )
}

/// `Balances.Freezes` with the runtime's freeze reasons `R`: always empty.
pub const fn freezes<R: Encode + Decode>(
) -> StorageMap<AccountId32, BoundedVec<IdAmount<R>, FREEZES_MAX>, Blake2_128Concat> {
    StorageMap::new(
        NAME,
        "Freezes",
        &[" Freeze locks on account balances.", " Accord freezes nothing: every account reads as empty."],
    )
}
