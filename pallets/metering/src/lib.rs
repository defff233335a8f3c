//! # Metering pallet
//!
//! Resource metering and billing in **VR**, the chain's fee unit (the native balance: the
//! `Balances` pallet keeps the accounts). VR comes from off-chain assets: an issuer that
//! governance registered signs a **freezing certificate** and `exchange` credits its amount
//! to the holder, once per serial; `redeem` burns VR and asks the issuer to release the asset.
//!
//! ## Prices and fees
//! Every signed extrinsic is priced from its measured resource vector ([`Usage`]): compute
//! (its weight plus the extrinsic base weight, per nanosecond of reference time), network (its
//! encoded length times the node count, per byte), storage (bytes its dispatch added to the
//! state, gross, per byte), and for data moved to the backup store the bytes moved and the
//! byte-days kept. `fee = Σ price × usage + tip` ([`fee_of`]), with the [`Prices`] of a
//! numbered **price version**; governance sets new prices (`set_prices`), each change a new
//! version. A charge records its version, and refunds and top-ups use that version's prices.
//!
//! ## Charging modes
//! Governance chooses one per call class (the call's pallet index, `set_mode`):
//! - [`ChargingMode::Prepay`]: the estimate (compute, network, a configured storage estimate)
//!   is withdrawn before dispatch; after it, the actual fee is reconciled: a refund, or a
//!   top-up; a top-up the payer cannot pay discards the dispatch (`CannotPayStorage`), and
//!   the payer keeps paying the attempt (compute and network).
//! - [`ChargingMode::Postpay`]: the dispatch runs first; its actual fee is then withdrawn;
//!   if the payer cannot pay it, its changes are discarded (`CannotPayStorage`) and the
//!   attempt is charged.
//! - [`ChargingMode::Admission`]: as postpay, and the pool admits the transaction only if the
//!   payer holds at least the threshold: the attempt fee (`Minimum`), the average actual fee
//!   of that call so far (`Average`, tracked on chain), or its exact fee, which the pool
//!   measures by a dry run of the dispatch (`Exact`).
//!
//! ## Payers, income, payouts
//! `pay_with(payer, call)` has another account pay, if it approved the signer
//! (`approve_payer`, with an optional allowance). Fee income goes to the platform account
//! [`PLATFORM`] (credited once per block); every payout period it is paid out to the active
//! organizations that run nodes, equally per node or weighted by storage medium grade, to
//! each organization's first admin; what does not divide stays for the next period.

mod deletion;
mod dispatch;
mod payout;
mod pricing;
mod quota;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_organizations::OrgCode;
use accord_primitives::{AccountId32, Balance, BlockNumber};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, Blake2_128Concat, BoundedVec, Ext, Hooks, OptionQuery, PalletError, PalletMeta, StorageDoubleMap,
    StorageMap, StorageValue, Twox64Concat, ValueQuery, Weight,
};

pub use deletion::{
    take_backup_usage, Backup, DataKey, DataStore, DataTarget, DeletionMode, BACKUPS, BACKUP_DAYS, BACKUP_DAYS_MAX,
    BACKUP_LEN_MAX, BUCKET_MAX, DAY_MS, DEFAULT_BACKUP_DAYS, DELETERS, DELETERS_MAX, EXPIRIES_PER_BLOCK, EXPIRING,
    EXPIRY_DAYS, EXPIRY_DAYS_MAX, PENDING_BACKUP,
};
pub use dispatch::dispatch;
pub use payout::{credit_block_income, pay_out};
pub use pricing::{
    admission_threshold, attempt_usage, current_prices, estimate, fee_of, note_actual, refund, withdraw, Charge, Quote,
};
pub use quota::{data_resized, Quota, QUOTAS, QUOTA_REQUIRED};

/// The pallet's name in the runtime.
pub const NAME: &str = "Metering";

/// The platform account that receives fee income: `"modl" ++ "acc/metr" ++ 20 zero bytes`
/// (a Substrate `PalletId` account).
pub const PLATFORM: AccountId32 = {
    let mut id = [0u8; 32];
    let tag = *b"modlacc/metr";
    let mut i = 0;
    while i < tag.len() {
        id[i] = tag[i];
        i += 1;
    }
    AccountId32(id)
};

/// The longest issuer name, asset name or serial.
pub const NAME_LEN_MAX: u32 = 64;
/// The most registered issuers.
pub const ISSUERS_MAX: u32 = 32;
/// The longest payout period, in blocks.
pub const PERIOD_MAX: BlockNumber = 864_000;
/// The largest storage estimate of a prepay mode, in bytes.
pub const STORAGE_ESTIMATE_MAX: u32 = 5 * 1024 * 1024;
/// The nodes of one organization counted for a payout.
pub const NODES_PER_ORG_MAX: u32 = 1_000;

/// A management class: the index of the call's pallet (as governance's).
pub type Class = u8;
/// A price version, from 1.
pub type PriceVersion = u32;
/// An issuer's ed25519 public key.
pub type IssuerKey = [u8; 32];
/// A name or serial.
pub type Text = BoundedVec<u8, NAME_LEN_MAX>;

/// Unit prices, in VR (plancks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Prices {
    /// Per nanosecond of reference time (1,000 units of weight).
    pub compute_per_ns: Balance,
    /// Per encoded byte, times the node count.
    pub network_per_byte: Balance,
    /// Per byte a dispatch added to the state.
    pub storage_per_byte: Balance,
    /// Per byte moved to the backup store.
    pub backup_per_byte: Balance,
    /// Per byte kept in the backup store per day.
    pub backup_per_byte_day: Balance,
    /// Per byte of storage quota bought.
    pub quota_per_byte: Balance,
}

/// The prices a chain starts with (version 1): about the flat model's fee for a transfer on
/// one node, and storage at ten times the network byte.
pub const DEFAULT_PRICES: Prices = Prices {
    compute_per_ns: 1_000,
    network_per_byte: 1_000_000,
    storage_per_byte: 10_000_000,
    backup_per_byte: 5_000_000,
    backup_per_byte_day: 10_000,
    quota_per_byte: 1_000_000,
};

/// What a transaction used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Usage {
    /// Reference time of its weight plus the extrinsic base weight, in picoseconds.
    pub ref_time: u64,
    /// Its encoded length.
    pub length: u32,
    /// The node count it was broadcast to.
    pub nodes: u32,
    /// Bytes its dispatch added to the state (gross).
    pub storage_added: u64,
    /// Bytes it moved to the backup store.
    pub backup_bytes: u64,
    /// Byte-days it keeps in the backup store.
    pub backup_byte_days: u64,
}

/// A fee, per resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct FeeBreakdown {
    /// Compute.
    pub compute: Balance,
    /// Network.
    pub network: Balance,
    /// Storage.
    pub storage: Balance,
    /// Backup storage (bytes moved).
    pub backup: Balance,
    /// Backup storage time (byte-days).
    pub backup_time: Balance,
    /// The tip.
    pub tip: Balance,
}

impl FeeBreakdown {
    /// The sum.
    pub fn total(&self) -> Balance {
        self.compute
            .saturating_add(self.network)
            .saturating_add(self.storage)
            .saturating_add(self.backup)
            .saturating_add(self.backup_time)
            .saturating_add(self.tip)
    }
}

/// An admission threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Threshold {
    /// The attempt fee: compute and network (and the tip).
    Minimum,
    /// The average actual fee of the same call so far (the estimate before the first).
    Average,
    /// The exact fee, storage included: the pool dry-runs the dispatch to price it (a block
    /// checks the attempt fee).
    Exact,
}

/// How a call class is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ChargingMode {
    /// Charge the estimate first (with `storage_estimate` bytes), reconcile after.
    Prepay {
        /// The storage bytes the estimate assumes.
        storage_estimate: u32,
    },
    /// Execute first, charge actual use; discard the dispatch if it cannot be paid.
    Postpay,
    /// As postpay, admitted only above a threshold.
    Admission(Threshold),
}

/// The default mode: postpay, one debit per transaction (prepay debits twice when the
/// dispatch stores more than the estimate).
pub const DEFAULT_MODE: ChargingMode = ChargingMode::Postpay;

/// A freezing certificate: `amount` of `asset` frozen for `holder` off chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Certificate {
    /// Who gets the VR.
    pub holder: AccountId32,
    /// How much.
    pub amount: Balance,
    /// The frozen asset's name.
    pub asset: Text,
    /// The issuer's serial: a certificate is exchanged once.
    pub serial: Text,
    /// Unix time in milliseconds after which it may no longer be exchanged.
    pub expiry_ms: u64,
}

/// A registered issuer.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Issuer {
    /// Its name.
    pub name: Text,
    /// VR credited on its certificates.
    pub credited: Balance,
    /// VR redeemed towards it.
    pub redeemed: Balance,
}

/// Where a credit came from.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Credit {
    /// The holder credited.
    pub holder: AccountId32,
    /// The amount.
    pub amount: Balance,
    /// The asset.
    pub asset: Text,
    /// The block.
    pub block: BlockNumber,
}

/// A redemption request for an issuer.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Redemption {
    /// Who burned VR.
    pub who: AccountId32,
    /// Towards which issuer.
    pub issuer: IssuerKey,
    /// How much.
    pub amount: Balance,
    /// The block.
    pub block: BlockNumber,
}

/// How income is shared among nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Distribution {
    /// One share per node.
    Equal,
    /// Per node, its storage medium's grade weight.
    ByMedium {
        /// HDD nodes' weight.
        hdd: u32,
        /// SSD nodes' weight.
        ssd: u32,
        /// NVM nodes' weight.
        nvm: u32,
    },
}

/// The payout rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct PayoutRules {
    /// Blocks per payout period (1 to [`PERIOD_MAX`]): payouts run at multiples of it.
    pub period: BlockNumber,
    /// How the income is shared.
    pub distribution: Distribution,
}

/// The payout rules a chain starts with: every 100 blocks, equally per node.
pub const DEFAULT_PAYOUT_RULES: PayoutRules = PayoutRules { period: 100, distribution: Distribution::Equal };

/// A payer's approval of a signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Approval {
    /// What the payer still pays for the signer (`None`: no limit).
    pub allowance: Option<Balance>,
}

/// The average actual fee of a call: the charges counted and their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CallStats {
    /// Charges counted.
    pub count: u64,
    /// Their sum.
    pub total: Balance,
}

/// `Metering.Prices`: every price version.
pub const PRICES: StorageMap<PriceVersion, Prices, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Prices", &[" Every price version's unit prices (version 1: the genesis prices)."]);
/// `Metering.PriceVersion`: the version in force.
pub const PRICE_VERSION: StorageValue<PriceVersion, ValueQuery> =
    StorageValue::new(NAME, "PriceVersion", &[" The price version in force (0 before genesis: the defaults)."]);
/// `Metering.Modes`: classes with another mode than the default.
pub const MODES: StorageMap<Class, ChargingMode, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Modes", &[" The charging mode of each class that has its own (else postpay)."]);
/// `Metering.NodeCount`: the network multiplier.
pub const NODE_COUNT: StorageValue<u32, ValueQuery> = StorageValue::new(
    NAME,
    "NodeCount",
    &[" The nodes of active organizations (at least 1), counted at the start of each block: the network multiplier."],
);
/// `Metering.Issuers`.
pub const ISSUERS: StorageMap<IssuerKey, Issuer, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Issuers", &[" The certificate issuers governance registered, by ed25519 key."]);
/// `Metering.IssuerCount`.
pub const ISSUER_COUNT: StorageValue<u32, ValueQuery> =
    StorageValue::new(NAME, "IssuerCount", &[" How many issuers are registered."]);
/// `Metering.Credits`: provenance of every credit.
pub const CREDITS: StorageDoubleMap<IssuerKey, Twox64Concat, Text, Blake2_128Concat, Credit, OptionQuery> =
    StorageDoubleMap::new(NAME, "Credits", &[" Every exchanged certificate by issuer and serial: its credit."]);
/// `Metering.Redemptions`.
pub const REDEMPTIONS: StorageMap<u64, Redemption, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Redemptions", &[" Redemption requests by id, for the issuers to act on."]);
/// `Metering.LastRedemption`.
pub const LAST_REDEMPTION: StorageValue<u64, ValueQuery> =
    StorageValue::new(NAME, "LastRedemption", &[" The latest redemption id (0: none)."]);
/// `Metering.TotalCredited`.
pub const TOTAL_CREDITED: StorageValue<Balance, ValueQuery> =
    StorageValue::new(NAME, "TotalCredited", &[" VR credited by exchanges, ever."]);
/// `Metering.TotalRedeemed`.
pub const TOTAL_REDEEMED: StorageValue<Balance, ValueQuery> =
    StorageValue::new(NAME, "TotalRedeemed", &[" VR burned by redemptions, ever."]);
/// `Metering.BlockIncome`: fees of the block being built, credited to the platform at its end.
pub const BLOCK_INCOME: StorageValue<Balance, ValueQuery> = StorageValue::new(
    NAME,
    "BlockIncome",
    &[" Fees charged in this block, credited to the platform account at its end."],
);
/// `Metering.TotalIncome`.
pub const TOTAL_INCOME: StorageValue<Balance, ValueQuery> =
    StorageValue::new(NAME, "TotalIncome", &[" Fee income credited to the platform account, ever."]);
/// `Metering.TotalPaidOut`.
pub const TOTAL_PAID_OUT: StorageValue<Balance, ValueQuery> =
    StorageValue::new(NAME, "TotalPaidOut", &[" Income paid out to organizations, ever."]);
/// `Metering.PayoutRules`.
pub const PAYOUT_RULES: StorageValue<PayoutRules, OptionQuery> =
    StorageValue::new(NAME, "PayoutRules", &[" The payout period and distribution (absent: the defaults)."]);
/// `Metering.Approvals`: (payer, signer) -> approval.
pub const APPROVALS: StorageDoubleMap<
    AccountId32,
    Blake2_128Concat,
    AccountId32,
    Blake2_128Concat,
    Approval,
    OptionQuery,
> = StorageDoubleMap::new(NAME, "Approvals", &[" The signers each payer pays for, and what it still pays."]);
/// `Metering.CallStats`: the average actual fee per (pallet, call) of average-threshold classes.
pub const CALL_STATS: StorageMap<(u8, u8), CallStats, Twox64Concat, ValueQuery> = StorageMap::new(
    NAME,
    "CallStats",
    &[" Charges and their sum per (pallet, call), for average admission thresholds."],
);

/// The mode of `class` now.
pub fn mode_of(ext: &Ext<'_>, class: Class) -> ChargingMode {
    MODES.get(ext, &class).unwrap_or(DEFAULT_MODE)
}

/// The payout rules now.
pub fn payout_rules(ext: &Ext<'_>) -> PayoutRules {
    PAYOUT_RULES.get(ext).unwrap_or(DEFAULT_PAYOUT_RULES)
}

/// The calls of the metering pallet; `C` is the runtime's call type.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call<C> {
    /// Credits a freezing certificate's VR to its holder.
    ///
    /// - Origin: signed (anyone may hand a certificate in).
    /// - Events: `Exchanged`.
    /// - Errors: `UnknownIssuer`, `BadCertificate` (the signature), `CertificateExpired`,
    ///   `SerialUsed`, `ZeroAmount`; `Balances.ExistentialDeposit` for a new holder below it.
    /// - Cost: [`weights::exchange`].
    #[codec(index = 0)]
    exchange {
        /// The certificate.
        certificate: Certificate,
        /// The issuer's key.
        issuer: IssuerKey,
        /// The issuer's ed25519 signature of [`certificate_payload`].
        signature: [u8; 64],
    },
    /// Burns VR and asks `issuer` to release the asset.
    ///
    /// - Origin: signed.
    /// - Events: `RedemptionRequested`.
    /// - Errors: `UnknownIssuer`, `ZeroAmount`, `ExceedsIssuerCredit`;
    ///   `Balances.InsufficientBalance` / `Expendability`.
    /// - Cost: [`weights::redeem`].
    #[codec(index = 1)]
    redeem {
        /// The issuer.
        issuer: IssuerKey,
        /// The VR.
        amount: Balance,
    },
    /// Registers a certificate issuer.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `IssuerRegistered`.
    /// - Errors: `IssuerExists`, `TooManyIssuers`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 2)]
    register_issuer {
        /// Its ed25519 key.
        key: IssuerKey,
        /// Its name.
        name: Text,
    },
    /// Removes an issuer: its certificates can no longer be exchanged (credits stay).
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `IssuerRemoved`.
    /// - Errors: `UnknownIssuer`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 3)]
    remove_issuer {
        /// Its key.
        key: IssuerKey,
    },
    /// Sets new prices: a new price version.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `PricesSet`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 4)]
    set_prices {
        /// The prices.
        prices: Prices,
    },
    /// Sets a class's charging mode (`None`: back to the default).
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `ModeSet`.
    /// - Errors: `BadMode` (a storage estimate above the extrinsic length limit).
    /// - Cost: [`weights::admin`].
    #[codec(index = 5)]
    set_mode {
        /// The class (a pallet index).
        class: Class,
        /// The mode.
        mode: Option<ChargingMode>,
    },
    /// Sets the payout period and distribution.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `PayoutRulesSet`.
    /// - Errors: `BadPayoutRules` (a period outside 1..=[`PERIOD_MAX`], grade weights all 0).
    /// - Cost: [`weights::admin`].
    #[codec(index = 6)]
    set_payout_rules {
        /// The rules.
        rules: PayoutRules,
    },
    /// Pays for `signer`'s transactions sent with `pay_with`, up to `allowance` (`None`: no
    /// limit); replaces an earlier approval.
    ///
    /// - Origin: signed (the payer).
    /// - Events: `PayerApproved`.
    /// - Errors: `SelfApproval`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 7)]
    approve_payer {
        /// The signer paid for.
        signer: AccountId32,
        /// The most the payer pays for it.
        allowance: Option<Balance>,
    },
    /// Withdraws an approval.
    ///
    /// - Origin: signed (the payer).
    /// - Events: `PayerRevoked`.
    /// - Errors: `NotApproved`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 8)]
    revoke_payer {
        /// The signer.
        signer: AccountId32,
    },
    /// Sends `call` with `payer` paying its fee (checked at validation: the payer approved
    /// the signer, its allowance and balance cover the fee).
    ///
    /// - Origin: signed.
    /// - Events: the call's.
    /// - Errors: `NotApproved`; the call's own.
    /// - Cost: [`weights::pay_with`] plus the call's weight.
    #[codec(index = 9)]
    pay_with {
        /// Who pays.
        payer: AccountId32,
        /// The call.
        call: Box<C>,
    },
    /// Deletes a piece of business data: permanently, or into the backup store for
    /// `backup_days` (default `BackupDays`, 30), priced per byte moved and per byte-day; it
    /// writes the store's `Delete` oplog entry.
    ///
    /// - Origin: signed by the data's owner or a deleter it declared; `payer`, if given, pays
    ///   (it must have approved the signer, as for `pay_with`).
    /// - Events: `DataDeleted`; the store's (e.g. `Records.Deleted`).
    /// - Errors: `UnknownData`, `NotDeleter`, `BadBackupDays`, `BackupExists`,
    ///   `TooManyBackups`, `BackupTooLarge`, `NotApproved`.
    /// - Cost: [`weights::delete_data`].
    #[codec(index = 10)]
    delete_data {
        /// The store.
        target: DataTarget,
        /// The data's key (a record id).
        key: DataKey,
        /// Permanent or backup.
        mode: DeletionMode,
        /// The backup's days (1 to 3,650).
        backup_days: Option<u32>,
        /// Another account that pays.
        payer: Option<AccountId32>,
    },
    /// Restores a backup that has not expired; writes the store's `Create` oplog entry.
    ///
    /// - Origin: signed by the owner it was deleted from or a deleter.
    /// - Events: `DataRecovered`; the store's.
    /// - Errors: `NoBackup`, `NotDeleter`, `BackupExpired`; the store's (e.g.
    ///   `Records.RecordExists` if the key was used again).
    /// - Cost: [`weights::delete_data`].
    #[codec(index = 11)]
    recover_data {
        /// The store.
        target: DataTarget,
        /// The key.
        key: DataKey,
    },
    /// Declares (or withdraws) `who` as a deleter of a piece of data.
    ///
    /// - Origin: signed by the data's owner (of the data, or of its backup).
    /// - Events: `DeleterSet`.
    /// - Errors: `UnknownData`, `NotOwner`, `TooManyDeleters` (16).
    /// - Cost: [`weights::admin`].
    #[codec(index = 12)]
    set_deleter {
        /// The store.
        target: DataTarget,
        /// The key.
        key: DataKey,
        /// The account.
        who: AccountId32,
        /// Declare (true) or withdraw (false).
        allowed: bool,
    },
    /// Sets the backup duration of deletions that name none.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `BackupDaysSet`.
    /// - Errors: `BadBackupDays`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 13)]
    set_backup_days {
        /// Days (1 to 3,650).
        days: u32,
    },
    /// Buys `bytes` of storage quota for the caller's business data, at `quota_per_byte`
    /// (paid into the platform's income). Once an owner holds quota, writes that would take
    /// its data past it fail (`QuotaExceeded`); deleting data gives quota back.
    ///
    /// - Origin: signed.
    /// - Events: `QuotaBought`.
    /// - Errors: `ZeroAmount`, `CannotPayQuota`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 14)]
    buy_quota {
        /// Bytes.
        bytes: u64,
    },
    /// Makes quotas limit every owner (an owner without quota can then write nothing new),
    /// or only owners that bought some.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `QuotaRequiredSet`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 15)]
    set_quota_required {
        /// Whether quotas bind everyone.
        required: bool,
    },
}

/// The events of the metering pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A transaction's fee was charged.
    #[codec(index = 0)]
    FeeCharged {
        /// Who paid.
        payer: AccountId32,
        /// The fee, tip included.
        fee: Balance,
        /// The storage bytes it paid for.
        storage_added: u64,
        /// The prices it paid at.
        price_version: PriceVersion,
    },
    /// A certificate was exchanged.
    #[codec(index = 1)]
    Exchanged {
        /// The issuer.
        issuer: IssuerKey,
        /// The serial.
        serial: Text,
        /// The holder.
        holder: AccountId32,
        /// The VR credited.
        amount: Balance,
    },
    /// VR was burned for an issuer to release.
    #[codec(index = 2)]
    RedemptionRequested {
        /// The request's id.
        id: u64,
        /// Who burned.
        who: AccountId32,
        /// The issuer.
        issuer: IssuerKey,
        /// The amount.
        amount: Balance,
    },
    /// An issuer was registered.
    #[codec(index = 3)]
    IssuerRegistered {
        /// Its key.
        key: IssuerKey,
    },
    /// An issuer was removed.
    #[codec(index = 4)]
    IssuerRemoved {
        /// Its key.
        key: IssuerKey,
    },
    /// New prices.
    #[codec(index = 5)]
    PricesSet {
        /// Their version.
        version: PriceVersion,
        /// The prices.
        prices: Prices,
    },
    /// A class's mode changed.
    #[codec(index = 6)]
    ModeSet {
        /// The class.
        class: Class,
        /// The mode (`None`: the default).
        mode: Option<ChargingMode>,
    },
    /// The payout rules changed.
    #[codec(index = 7)]
    PayoutRulesSet {
        /// The rules.
        rules: PayoutRules,
    },
    /// A payer approved a signer.
    #[codec(index = 8)]
    PayerApproved {
        /// The payer.
        payer: AccountId32,
        /// The signer.
        signer: AccountId32,
        /// The allowance.
        allowance: Option<Balance>,
    },
    /// A payer withdrew its approval.
    #[codec(index = 9)]
    PayerRevoked {
        /// The payer.
        payer: AccountId32,
        /// The signer.
        signer: AccountId32,
    },
    /// An organization was paid its share of a period's income.
    #[codec(index = 10)]
    PaidOut {
        /// The organization.
        org: OrgCode,
        /// The account paid (its first admin).
        account: AccountId32,
        /// Its nodes' weight.
        weight: u64,
        /// The amount.
        amount: Balance,
    },
    /// A payout period closed.
    #[codec(index = 11)]
    PayoutClosed {
        /// The income available (this period's and the carried remainder).
        available: Balance,
        /// What was paid out.
        paid: Balance,
        /// What is carried to the next period.
        remainder: Balance,
    },
    /// Data was deleted.
    #[codec(index = 12)]
    DataDeleted {
        /// The store.
        target: DataTarget,
        /// The key.
        key: DataKey,
        /// How.
        mode: DeletionMode,
        /// By whom.
        by: AccountId32,
    },
    /// A backup was restored.
    #[codec(index = 13)]
    DataRecovered {
        /// The store.
        target: DataTarget,
        /// The key.
        key: DataKey,
        /// By whom.
        by: AccountId32,
    },
    /// A backup expired and is gone.
    #[codec(index = 14)]
    BackupExpired {
        /// The store.
        target: DataTarget,
        /// The key.
        key: DataKey,
    },
    /// A deleter was declared or withdrawn.
    #[codec(index = 15)]
    DeleterSet {
        /// The store.
        target: DataTarget,
        /// The key.
        key: DataKey,
        /// The account.
        who: AccountId32,
        /// Declared (true) or withdrawn.
        allowed: bool,
    },
    /// The default backup duration changed.
    #[codec(index = 16)]
    BackupDaysSet {
        /// Days.
        days: u32,
    },
    /// Quota was bought.
    #[codec(index = 17)]
    QuotaBought {
        /// The owner.
        who: AccountId32,
        /// Bytes bought.
        bytes: u64,
        /// What it paid.
        paid: Balance,
        /// Its quota now.
        limit: u64,
    },
    /// Whether quotas bind everyone changed.
    #[codec(index = 18)]
    QuotaRequiredSet {
        /// The new setting.
        required: bool,
    },
}

/// The errors of the metering pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No registered issuer has this key.
    UnknownIssuer,
    /// The signature is not the issuer's over this certificate on this chain.
    BadCertificate,
    /// The certificate's expiry passed.
    CertificateExpired,
    /// The issuer's serial was exchanged already.
    SerialUsed,
    /// An amount of zero.
    ZeroAmount,
    /// More than the issuer ever credited would be redeemed towards it.
    ExceedsIssuerCredit,
    /// The issuer is registered already.
    IssuerExists,
    /// [`ISSUERS_MAX`] issuers are registered.
    TooManyIssuers,
    /// A storage estimate above the extrinsic length limit.
    BadMode,
    /// Payout rules out of range.
    BadPayoutRules,
    /// A payer approving itself.
    SelfApproval,
    /// The payer did not approve the signer (or its allowance is spent).
    NotApproved,
    /// The payer cannot pay for what the dispatch stored: its changes were discarded.
    CannotPayStorage,
    /// No such data in the store.
    UnknownData,
    /// Only the data's owner or a deleter it declared may do this.
    NotDeleter,
    /// Only the data's owner may do this.
    NotOwner,
    /// Backup days outside 1 to 3,650.
    BadBackupDays,
    /// This key has a backup already (recover it, or wait for its expiry).
    BackupExists,
    /// The backup store's expiry schedule is full around that day.
    TooManyBackups,
    /// The data is larger than a backup holds.
    BackupTooLarge,
    /// No backup of this key (never made, recovered, or expired and swept).
    NoBackup,
    /// The backup's days are over.
    BackupExpired,
    /// The data has 16 deleters.
    TooManyDeleters,
    /// The owner's data would exceed its storage quota: buy more (`buy_quota`) or delete data.
    QuotaExceeded,
    /// The buyer cannot pay for the quota (and stay alive).
    CannotPayQuota,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

/// What an issuer signs: `"accord/vr-certificate:" ++ genesis hash ++ SCALE(certificate)`.
pub fn certificate_payload(genesis_hash: &accord_primitives::H256, certificate: &Certificate) -> Vec<u8> {
    let mut data = b"accord/vr-certificate:".to_vec();
    data.extend_from_slice(&genesis_hash.0);
    data.extend_from_slice(&certificate.encode());
    data
}

/// Genesis: price version 1 at [`DEFAULT_PRICES`] and a node count. The genesis balances
/// must endow [`PLATFORM`] with the existential deposit (the runtime's genesis does).
pub fn build_genesis(ext: &mut Ext<'_>) {
    PRICES.insert(ext, &1, &DEFAULT_PRICES);
    PRICE_VERSION.put(ext, &1);
    NODE_COUNT.put(ext, &1);
}

/// The metering pallet's hooks: the node count at the start of a block, payouts at period
/// boundaries, the block's income to the platform at its end.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn on_initialize(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
        payout::on_initialize(ext, n)
    }

    fn on_finalize(ext: &mut Ext<'_>, _n: BlockNumber) {
        credit_block_income(ext);
    }

    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        payout::check(ext)
    }
}

/// The metering pallet's metadata; `C` is the runtime's call type.
pub fn metadata<C: TypeInfo + 'static>() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            PRICES.metadata(),
            PRICE_VERSION.metadata(),
            MODES.metadata(),
            NODE_COUNT.metadata(),
            ISSUERS.metadata(),
            ISSUER_COUNT.metadata(),
            CREDITS.metadata(),
            REDEMPTIONS.metadata(),
            LAST_REDEMPTION.metadata(),
            TOTAL_CREDITED.metadata(),
            TOTAL_REDEEMED.metadata(),
            BLOCK_INCOME.metadata(),
            TOTAL_INCOME.metadata(),
            TOTAL_PAID_OUT.metadata(),
            PAYOUT_RULES.metadata(),
            APPROVALS.metadata(),
            CALL_STATS.metadata(),
            BACKUPS.metadata(),
            DELETERS.metadata(),
            EXPIRING.metadata(),
            EXPIRY_DAYS.metadata(),
            BACKUP_DAYS.metadata(),
            deletion::PENDING_BACKUP.metadata(),
            QUOTAS.metadata(),
            QUOTA_REQUIRED.metadata(),
        ],
        call: Some(meta_type::<Call<C>>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("PlatformAccount", &PLATFORM, &[" The account fee income goes to."]),
            constant("DefaultPrices", &DEFAULT_PRICES, &[" The genesis prices (version 1)."]),
            constant("DefaultMode", &DEFAULT_MODE, &[" The charging mode of classes without their own."]),
            constant("IssuersMax", &ISSUERS_MAX, &[" The most registered issuers."]),
        ],
    }
}
