//! # Balances pallet
//!
//! Free balances held in `System.Account` (FRAME's `AccountData` layout), the total issuance,
//! the existential deposit, transfers and fee withdrawal.
//!
//! Every change of a free balance (transfers, fees, root settings, dust) appends one entry
//! to the operation log: data id = the account's 32 bytes, source and result state = the
//! SCALE-encoded free balance before and after, type `Update`.
//!
//! Invariant: `TotalIssuance` equals the sum of `free + reserved` over all accounts. An
//! account whose balance would drop below [`EXISTENTIAL_DEPOSIT`] is either refused
//! (keep-alive) or reaped, its dust burned (`DustLost`).
//!
//! ## Calls (FRAME's indices)
//! | index | call | origin |
//! |---|---|---|
//! | 0 | `transfer_allow_death(dest, value)` | signed |
//! | 2 | `force_transfer(source, dest, value)` | root |
//! | 3 | `transfer_keep_alive(dest, value)` | signed |
//! | 4 | `transfer_all(dest, keep_alive)` | signed |
//! | 8 | `force_set_balance(who, new_free)` | root |
//!
//! ## Storage
//! - `TotalIssuance`: the sum of all balances.
//! - `Locks`, `Reserves`, `Holds`, `Freezes`: FRAME's items for balance tools, always empty
//!   (Accord locks, reserves, holds and freezes nothing; see [`types`]).

pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use codec::{Decode, Encode};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_oplog::{self as oplog, OpType};
use accord_pallet_system::{self as system, AccountInfo, NEW_ACCOUNT_FLAGS};
use accord_primitives::{AccountId32, Balance, MultiAddress};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, lookup, ArithmeticError, DispatchError, DispatchResult, Ext, Hooks, Origin, PalletError, PalletMeta,
    StorageValue, Weight,
};

/// The pallet's name in the runtime.
pub const NAME: &str = "Balances";

/// The smallest balance an account may hold: 1 milli-unit (10^9 of 10^12 per unit).
pub const EXISTENTIAL_DEPOSIT: Balance = 1_000_000_000;

/// `Balances.TotalIssuance`.
pub const TOTAL_ISSUANCE: StorageValue<Balance> =
    StorageValue::new(NAME, "TotalIssuance", &[" The total units issued in the system."]);

/// The calls of the balances pallet. Variant names are the call names clients see.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Transfers `value` to `dest`; the sender is reaped if left below the existential
    /// deposit (its dust burned).
    ///
    /// - Origin: signed.
    /// - Events: `Transfer`; `Endowed` and `System.NewAccount` for a new `dest`; `DustLost`
    ///   and `System.KilledAccount` if the sender is reaped.
    /// - Errors: `InsufficientBalance`, `ExistentialDeposit` (a new `dest` would hold less
    ///   than it), `Arithmetic(Overflow)`, `CannotLookup` (a non-`Id` address).
    /// - Cost: [`weights::transfer_allow_death`], constant.
    #[codec(index = 0)]
    transfer_allow_death {
        /// The recipient.
        dest: MultiAddress,
        /// The amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers `value` from `source` to `dest`, as `transfer_allow_death`.
    ///
    /// - Origin: root.
    /// - Events, errors and cost as `transfer_allow_death`; `BadOrigin` if not root.
    #[codec(index = 2)]
    force_transfer {
        /// The payer.
        source: MultiAddress,
        /// The recipient.
        dest: MultiAddress,
        /// The amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers `value` to `dest`, refusing to leave the sender below the existential
    /// deposit.
    ///
    /// - Origin: signed.
    /// - Events as `transfer_allow_death` (never reaps).
    /// - Errors as `transfer_allow_death`, plus `Expendability`.
    /// - Cost: [`weights::transfer_keep_alive`], constant.
    #[codec(index = 3)]
    transfer_keep_alive {
        /// The recipient.
        dest: MultiAddress,
        /// The amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers the whole free balance to `dest` (or all but the existential deposit when
    /// `keep_alive`).
    ///
    /// - Origin: signed.
    /// - Events and errors as `transfer_allow_death`.
    /// - Cost: [`weights::transfer_all`], constant.
    #[codec(index = 4)]
    transfer_all {
        /// The recipient.
        dest: MultiAddress,
        /// Whether to leave the existential deposit behind.
        keep_alive: bool,
    },
    /// Sets the free balance of `who`, minting or burning the difference; below the
    /// existential deposit the account is reaped.
    ///
    /// - Origin: root.
    /// - Events: `BalanceSet`; `Endowed`/`System.NewAccount` or `System.KilledAccount`.
    /// - Errors: `BadOrigin`, `CannotLookup`, `Arithmetic(Overflow)` of the total issuance.
    /// - Cost: [`weights::force_set_balance`], constant.
    #[codec(index = 8)]
    force_set_balance {
        /// The account.
        who: MultiAddress,
        /// Its new free balance.
        #[codec(compact)]
        new_free: Balance,
    },
}

/// The events of the balances pallet, with FRAME's indices.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An account was created with some free balance.
    #[codec(index = 0)]
    Endowed {
        /// The account.
        account: AccountId32,
        /// Its first free balance.
        free_balance: Balance,
    },
    /// An account was reaped and its remaining balance (below the existential deposit)
    /// burned.
    #[codec(index = 1)]
    DustLost {
        /// The account.
        account: AccountId32,
        /// The burned amount.
        amount: Balance,
    },
    /// A transfer succeeded.
    #[codec(index = 2)]
    Transfer {
        /// The payer.
        from: AccountId32,
        /// The recipient.
        to: AccountId32,
        /// The amount.
        amount: Balance,
    },
    /// A balance was set by root.
    #[codec(index = 3)]
    BalanceSet {
        /// The account.
        who: AccountId32,
        /// Its new free balance.
        free: Balance,
    },
    /// An amount was minted into an account (a fee refund, a VR exchange, the platform's
    /// block income).
    #[codec(index = 7)]
    Deposit {
        /// The account.
        who: AccountId32,
        /// The amount.
        amount: Balance,
    },
    /// An amount was withdrawn from an account and burned (a transaction fee, which the
    /// metering pallet credits to the platform account at the block's end; a redemption).
    #[codec(index = 8)]
    Withdraw {
        /// The account.
        who: AccountId32,
        /// The amount.
        amount: Balance,
    },
}

/// The errors of the balances pallet, with FRAME's indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// Balance too low to send value.
    #[codec(index = 2)]
    InsufficientBalance,
    /// Value too low to create an account: below the existential deposit.
    #[codec(index = 3)]
    ExistentialDeposit,
    /// The transfer would leave the sender below the existential deposit (keep-alive).
    #[codec(index = 4)]
    Expendability,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        match self {
            Error::InsufficientBalance => 2,
            Error::ExistentialDeposit => 3,
            Error::Expendability => 4,
        }
    }
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> Weight {
        match self {
            Call::transfer_allow_death { .. } => weights::transfer_allow_death(),
            Call::force_transfer { .. } => weights::force_transfer(),
            Call::transfer_keep_alive { .. } => weights::transfer_keep_alive(),
            Call::transfer_all { .. } => weights::transfer_all(),
            Call::force_set_balance { .. } => weights::force_set_balance(),
        }
    }
}

/// Dispatches a balances call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    match call {
        Call::transfer_allow_death { dest, value } => {
            let from = origin.ensure_signed()?;
            transfer(ext, &from, &from, &lookup(&dest)?, value, Existence::AllowDeath)
        }
        Call::force_transfer { source, dest, value } => {
            origin.ensure_root()?;
            transfer(ext, &ROOT_OPERATOR, &lookup(&source)?, &lookup(&dest)?, value, Existence::AllowDeath)
        }
        Call::transfer_keep_alive { dest, value } => {
            let from = origin.ensure_signed()?;
            transfer(ext, &from, &from, &lookup(&dest)?, value, Existence::KeepAlive)
        }
        Call::transfer_all { dest, keep_alive } => {
            let from = origin.ensure_signed()?;
            let dest = lookup(&dest)?;
            let free = free_balance(ext, &from);
            let (value, existence) = if keep_alive {
                (free.saturating_sub(EXISTENTIAL_DEPOSIT), Existence::KeepAlive)
            } else {
                (free, Existence::AllowDeath)
            };
            transfer(ext, &from, &from, &dest, value, existence)
        }
        Call::force_set_balance { who, new_free } => {
            origin.ensure_root()?;
            force_set_balance(ext, &lookup(&who)?, new_free)
        }
    }
}

/// Whether a debit may reap the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existence {
    /// The account may be reaped (its dust burned).
    AllowDeath,
    /// The debit must leave at least the existential deposit.
    KeepAlive,
}

/// The free balance of `who`.
pub fn free_balance(ext: &Ext<'_>, who: &AccountId32) -> Balance {
    system::account(ext, who).data.free
}

fn deposit_event(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// The new state of an account credited with `amount`, checked but not written.
fn plan_credit(ext: &Ext<'_>, who: &AccountId32, amount: Balance) -> Result<AccountInfo, DispatchError> {
    let mut info = system::account(ext, who);
    let new_free = info.data.free.checked_add(amount).ok_or(DispatchError::Arithmetic(ArithmeticError::Overflow))?;
    if info.providers == 0 && new_free < EXISTENTIAL_DEPOSIT {
        return Err(ext.error(Error::ExistentialDeposit));
    }
    if info.providers == 0 {
        info.providers = 1;
        info.data.flags = NEW_ACCOUNT_FLAGS;
    }
    info.data.free = new_free;
    Ok(info)
}

/// The new state of an account debited by `amount` and the dust to burn, checked but not
/// written.
fn plan_debit(
    ext: &Ext<'_>,
    who: &AccountId32,
    amount: Balance,
    existence: Existence,
) -> Result<(AccountInfo, Balance), DispatchError> {
    let mut info = system::account(ext, who);
    let new_free = info.data.free.checked_sub(amount).ok_or(ext.error(Error::InsufficientBalance))?;
    let mut dust = 0;
    if new_free < EXISTENTIAL_DEPOSIT && info.data.reserved == 0 {
        if existence == Existence::KeepAlive {
            return Err(ext.error(Error::Expendability));
        }
        dust = new_free;
        info.providers = info.providers.saturating_sub(1);
        info.data.free = 0;
    } else {
        info.data.free = new_free;
    }
    Ok((info, dust))
}

/// The operator recorded in the operation log for root-initiated balance changes.
pub const ROOT_OPERATOR: AccountId32 = AccountId32([0; 32]);

/// Writes the account of `who` and appends the change of its free balance to the operation
/// log (data id: the account's 32 bytes; states: the SCALE-encoded free balance before and
/// after; type `Update`), on behalf of `operator`.
fn write_and_log(ext: &mut Ext<'_>, operator: &AccountId32, who: &AccountId32, info: AccountInfo) {
    let old_free = system::account(ext, who).data.free;
    system::write_account(ext, who, info);
    if old_free != info.data.free {
        let logged = oplog::append(
            ext,
            NAME,
            *operator,
            who.as_bytes(),
            &old_free.encode(),
            &info.data.free.encode(),
            OpType::Update,
        );
        debug_assert!(logged.is_ok(), "32-byte ids and 16-byte states are within the oplog's bounds");
    }
}

/// Writes a credited account, emitting `Endowed` if it is new.
fn apply_credit(ext: &mut Ext<'_>, operator: &AccountId32, who: &AccountId32, info: AccountInfo) {
    let is_new = !system::ACCOUNT.contains_key(ext, who);
    write_and_log(ext, operator, who, info);
    if is_new {
        deposit_event(ext, Event::Endowed { account: *who, free_balance: info.data.free });
    }
}

/// Writes a debited account, burning and reporting dust if it was reaped.
fn apply_debit(ext: &mut Ext<'_>, operator: &AccountId32, who: &AccountId32, info: AccountInfo, dust: Balance) {
    if info.providers == 0 && info.sufficients == 0 {
        TOTAL_ISSUANCE.mutate(ext, |t| *t = t.saturating_sub(dust));
        deposit_event(ext, Event::DustLost { account: *who, amount: dust });
    }
    write_and_log(ext, operator, who, info);
}

/// Moves `amount` from `from` to `to` on behalf of `operator` (who is logged as having done
/// it). All checks happen before any write. A zero amount or a transfer to oneself changes
/// nothing and emits nothing.
pub fn transfer(
    ext: &mut Ext<'_>,
    operator: &AccountId32,
    from: &AccountId32,
    to: &AccountId32,
    amount: Balance,
    existence: Existence,
) -> DispatchResult {
    if amount == 0 || from == to {
        return Ok(());
    }
    let (from_info, dust) = plan_debit(ext, from, amount, existence)?;
    let to_info = plan_credit(ext, to, amount)?;
    apply_debit(ext, operator, from, from_info, dust);
    apply_credit(ext, operator, to, to_info);
    deposit_event(ext, Event::Transfer { from: *from, to: *to, amount });
    Ok(())
}

/// Withdraws a transaction fee from `who` and burns it, never reaping the account. Returns
/// `false` (and changes nothing) if `who` cannot pay while staying alive.
pub fn withdraw_fee(ext: &mut Ext<'_>, who: &AccountId32, fee: Balance) -> bool {
    if fee == 0 {
        return true;
    }
    let Ok((info, _)) = plan_debit(ext, who, fee, Existence::KeepAlive) else {
        return false;
    };
    write_and_log(ext, who, who, info);
    TOTAL_ISSUANCE.mutate(ext, |t| *t = t.saturating_sub(fee));
    deposit_event(ext, Event::Withdraw { who: *who, amount: fee });
    true
}

/// Gives `amount` of a fee back to `who` (the fee's payer, so its account exists), minting
/// it. Logged as `who`'s own change, as the withdrawal was.
pub fn refund_fee(ext: &mut Ext<'_>, who: &AccountId32, amount: Balance) {
    if amount == 0 {
        return;
    }
    if let Ok(info) = plan_credit(ext, who, amount) {
        apply_credit(ext, who, who, info);
        TOTAL_ISSUANCE.mutate(ext, |t| *t = t.saturating_add(amount));
        deposit_event(ext, Event::Deposit { who: *who, amount });
    }
}

/// Mints `amount` into `who`'s account (creating it if `amount` reaches the existential
/// deposit), raising the total issuance; logged with [`ROOT_OPERATOR`].
pub fn mint(ext: &mut Ext<'_>, who: &AccountId32, amount: Balance) -> DispatchResult {
    if amount == 0 {
        return Ok(());
    }
    let info = plan_credit(ext, who, amount)?;
    let issuance =
        TOTAL_ISSUANCE.get(ext).checked_add(amount).ok_or(DispatchError::Arithmetic(ArithmeticError::Overflow))?;
    apply_credit(ext, &ROOT_OPERATOR, who, info);
    TOTAL_ISSUANCE.put(ext, &issuance);
    deposit_event(ext, Event::Deposit { who: *who, amount });
    Ok(())
}

/// Burns `amount` from `who`, who must stay alive, lowering the total issuance; logged as
/// `who`'s own change.
pub fn burn(ext: &mut Ext<'_>, who: &AccountId32, amount: Balance) -> DispatchResult {
    let (info, _) = plan_debit(ext, who, amount, Existence::KeepAlive)?;
    write_and_log(ext, who, who, info);
    TOTAL_ISSUANCE.mutate(ext, |t| *t = t.saturating_sub(amount));
    deposit_event(ext, Event::Withdraw { who: *who, amount });
    Ok(())
}

/// Whether `who` could pay `fee` while staying alive.
pub fn can_pay_fee(ext: &Ext<'_>, who: &AccountId32, fee: Balance) -> bool {
    fee == 0 || plan_debit(ext, who, fee, Existence::KeepAlive).is_ok()
}

/// Sets the free balance of `who` to `new_free`, adjusting the total issuance; reaps below
/// the existential deposit. Logged with [`ROOT_OPERATOR`].
pub fn force_set_balance(ext: &mut Ext<'_>, who: &AccountId32, new_free: Balance) -> DispatchResult {
    let mut info = system::account(ext, who);
    let old_free = info.data.free;
    let new_free = if new_free < EXISTENTIAL_DEPOSIT { 0 } else { new_free };
    let issuance = TOTAL_ISSUANCE.get(ext);
    let new_issuance = if new_free >= old_free {
        issuance.checked_add(new_free - old_free).ok_or(DispatchError::Arithmetic(ArithmeticError::Overflow))?
    } else {
        issuance.saturating_sub(old_free - new_free)
    };
    let was_alive = info.providers > 0;
    info.data.free = new_free;
    if new_free == 0 && was_alive {
        info.providers -= 1;
    } else if new_free > 0 && !was_alive {
        info.providers = 1;
        info.data.flags = NEW_ACCOUNT_FLAGS;
    }
    TOTAL_ISSUANCE.put(ext, &new_issuance);
    write_and_log(ext, &ROOT_OPERATOR, who, info);
    if new_free > 0 && !was_alive {
        deposit_event(ext, Event::Endowed { account: *who, free_balance: new_free });
    }
    deposit_event(ext, Event::BalanceSet { who: *who, free: new_free });
    Ok(())
}

/// Genesis balances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenesisConfig {
    /// Accounts and their initial free balances.
    pub balances: Vec<(AccountId32, Balance)>,
}

impl GenesisConfig {
    /// Endows the accounts and sets the total issuance. Fails on a balance below the
    /// existential deposit, a duplicate account, or an issuance overflow.
    pub fn build(&self, ext: &mut Ext<'_>) -> Result<(), String> {
        let mut total: Balance = 0;
        for (who, amount) in &self.balances {
            if *amount < EXISTENTIAL_DEPOSIT {
                return Err(format!("genesis balance of {who} is below the existential deposit {EXISTENTIAL_DEPOSIT}"));
            }
            if system::ACCOUNT.contains_key(ext, who) {
                return Err(format!("genesis lists {who} twice"));
            }
            total = total.checked_add(*amount).ok_or("genesis total issuance overflows u128")?;
            let info = AccountInfo {
                providers: 1,
                data: system::AccountData { free: *amount, flags: NEW_ACCOUNT_FLAGS, ..Default::default() },
                ..Default::default()
            };
            system::ACCOUNT.insert(ext, who, &info);
        }
        TOTAL_ISSUANCE.put(ext, &total);
        Ok(())
    }
}

/// The balances pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn integrity_check() -> Result<(), String> {
        if EXISTENTIAL_DEPOSIT == 0 {
            return Err("the existential deposit must be positive".into());
        }
        Ok(())
    }

    /// Total issuance equals the sum of all balances, and no account is below the
    /// existential deposit.
    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        let mut sum: Balance = 0;
        for (who, info) in system::ACCOUNT.iter_from(ext, None, u32::MAX) {
            let total = info.data.free + info.data.reserved;
            if info.providers > 0 && total < EXISTENTIAL_DEPOSIT {
                return Err(format!("{who} holds {total}, below the existential deposit"));
            }
            sum = sum.checked_add(total).ok_or("sum of balances overflows")?;
        }
        let issuance = TOTAL_ISSUANCE.get(ext);
        if sum != issuance {
            return Err(format!("total issuance {issuance} != sum of balances {sum}"));
        }
        // Nothing locks, reserves, holds or freezes: the FRAME items stay empty.
        for item in ["Locks", "Reserves", "Holds", "Freezes"] {
            let prefix = accord_support::storage::storage_prefix(NAME, item);
            if ext.next_key(&prefix).is_some_and(|key| key.starts_with(&prefix)) {
                return Err(format!("Balances.{item} has an entry, but nothing may write it"));
            }
        }
        Ok(())
    }
}

/// The metadata of the balances pallet; `H` and `F` are the runtime's `RuntimeHoldReason` and
/// `RuntimeFreezeReason` (for `Holds` and `Freezes`).
pub fn metadata<H, F>() -> PalletMeta
where
    H: Encode + Decode + TypeInfo + 'static,
    F: Encode + Decode + TypeInfo + 'static,
{
    PalletMeta {
        name: NAME,
        storage: vec![
            TOTAL_ISSUANCE.metadata(),
            types::LOCKS.metadata(),
            types::RESERVES.metadata(),
            types::holds::<H>().metadata(),
            types::freezes::<F>().metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![constant(
            "ExistentialDeposit",
            &EXISTENTIAL_DEPOSIT,
            &[" The minimum amount required to keep an account open."],
        )],
    }
}
