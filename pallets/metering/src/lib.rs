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
//! - [`ChargingMode::Prepay`]: the estimate (compute, network, a configured storage estimate;
//!   for `delete_data`, its backup fees instead of storage: a deletion pays none) is withdrawn
//!   before dispatch; after it, the actual fee is reconciled: a refund, or a top-up; a top-up
//!   the payer cannot pay discards the dispatch (`CannotPayStorage`), and the payer keeps
//!   paying the attempt (compute and network).
//! - [`ChargingMode::Postpay`]: the dispatch runs first; its actual fee is then withdrawn;
//!   if the payer cannot pay it, its changes are discarded (`CannotPayStorage`) and the
//!   attempt is charged.
//! - [`ChargingMode::Admission`]: as postpay, and the pool admits the transaction only if the
//!   payer holds at least the threshold: the lowest actual fee of that call's successful
//!   transactions so far (`Minimum`: what the cheapest one that did its work cost), the
//!   average actual fee of that call so far (`Average`), both tracked on chain and never
//!   below the attempt fee, or its exact fee, which the pool measures by a dry run of the
//!   dispatch (`Exact`). Postpay admits any payer that holds the attempt fee.
//!
//! ## Data deletion
//! A deletion (`delete_data`, or a store's own delete such as `Records.delete`) pays **no
//! storage fee**: its oplog entry (the hash of the deleted state), events and bookkeeping are
//! not billed as storage added. A permanent deletion pays compute and network; a deletion
//! into the backup store pays those and the backup fees (bytes moved, byte-days).
//!
//! ## Payers, income, payouts
//! `pay_with(payer, call)` has another account pay, if it approved the signer
//! (`approve_payer`, with an optional allowance). Fee income goes to the platform account
//! [`PLATFORM`] (credited once per block); every payout period it is paid out to the active
//! organizations whose nodes **did work in the period**, equally per node or weighted by
//! storage medium grade, to each organization's first admin; what does not divide stays for
//! the next period.
//!
//! ## Which nodes count
//! A registered node counts for a period only with on-chain evidence of work in it: a
//! validator's node signs its logic-version signal (`Releases.signal_support`) into a block
//! it builds at least once per period, and the runtime reports each such signal here
//! ([`note_work`]; [`work_due`] tells the node when one is due). So only validators of this
//! chain that built a block in the period count; observers, nodes of other chains (sub-chains
//! count on their own chain) and nodes never started earn nothing and add nothing to the
//! network multiplier. The nodes counted ([`PERIOD_NODES`], at most [`WORKERS_MAX`]) are
//! re-checked at the payout: still registered, organization still active.
//!
//! A node's declared storage medium is not evidence: under `ByMedium` a node weighs as HDD
//! (the lowest grade) unless governance attested its grade (`attest_medium`), and then as
//! the lower of the attested and the declared grade.
//!
//! The network multiplier [`NODE_COUNT`] is the same count: the nodes counted in the last
//! closed period, raised while the current period counts more (at least 1).

mod deletion;
mod dispatch;
mod events;
mod payout;
mod pricing;
mod quota;
mod slot_rights;
pub mod weights;

#[cfg(test)]
mod tests;

pub use events::{Error, Event};

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_organizations::{OrgCode, StorageMedium};
use accord_primitives::{AccountId32, Balance, BlockNumber};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, Blake2_128Concat, BoundedVec, Ext, Hooks, OptionQuery, PalletMeta, StorageDoubleMap, StorageMap,
    StorageValue, Twox64Concat, ValueQuery, Weight,
};

pub use deletion::{
    backup_estimate, data_changed, take_deletion_usage, Backup, DataInstance, DataKey, DataStore, DataTarget,
    DeletionMode, BACKUPS, BACKUP_DAYS, BACKUP_DAYS_MAX, BACKUP_LEN_MAX, DAY_MS, DEFAULT_BACKUP_DAYS, DELETERS,
    DELETERS_MAX, EXPIRIES_PER_BLOCK, EXPIRIES_PER_DAY_MAX, EXPIRING, EXPIRY_DAYS, EXPIRY_DAYS_MAX, EXPIRY_SEQ,
    PENDING_DELETION,
};
pub use dispatch::dispatch;
pub use payout::{credit_block_income, note_work, paid_medium, pay_out, work_due};
pub use pricing::{
    admission_threshold, attempt_usage, current_prices, estimate, fee_of, note_actual, refund, withdraw, Charge, Quote,
};
pub use quota::{check_usage, data_resized, Quota, QUOTAS, QUOTA_GIFTS, QUOTA_REQUIRED};
pub use slot_rights::{
    contract_slots_zeroed, declare_by_contract, RIGHTS_CLOCK, RIGHTS_SINCE, SLOT_ENDED, SLOT_RIGHTS,
};

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
/// The nodes counted in one payout period: twice the validator bound (64), so that a set
/// replaced within a period still fits (the runtime asserts the relation).
pub const WORKERS_MAX: u32 = 128;
/// The most attested storage media.
pub const ATTESTATIONS_MAX: u32 = 4_096;

/// A management class: the index of the call's pallet (as governance's).
pub type Class = u8;
/// A price version, from 1.
pub type PriceVersion = u32;
/// An issuer's ed25519 public key.
pub type IssuerKey = [u8; 32];
/// A name or serial.
pub type Text = BoundedVec<u8, NAME_LEN_MAX>;
/// A registered node's ed25519 public key (`Organizations.Nodes`).
pub type NodeKey = accord_pallet_organizations::NodeKey;
/// The nodes counted in a payout period.
pub type Workers = BoundedVec<NodeKey, WORKERS_MAX>;

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
    /// The lowest actual fee of the same call's successful transactions so far (storage
    /// included), the attempt fee before the first; never below the attempt fee. Unlike
    /// postpay, which admits a payer holding the attempt fee, it asks for what the call has at
    /// least cost when it did its work.
    Minimum,
    /// The average actual fee of the same call so far (the attempt fee before the first).
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

/// A storage medium grade governance attested for a node of an organization (it lapses if
/// the key is registered again by another organization).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Attestation {
    /// The organization the node belonged to when attested.
    pub org: OrgCode,
    /// The grade attested.
    pub medium: StorageMedium,
}

/// How income is shared among nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Distribution {
    /// One share per node.
    Equal,
    /// Per node, the weight of its storage medium grade: the lower of the attested and the
    /// declared grade, HDD without an attestation (`attest_medium`).
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

/// A call's actual fees so far: the charges counted and their sum (the average), and the
/// lowest fee of a successful one (the minimum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CallStats {
    /// Charges counted.
    pub count: u64,
    /// Their sum.
    pub total: Balance,
    /// The lowest fee charged for a successful dispatch (`None`: none yet).
    pub min_success: Option<Balance>,
}

/// A call that may name who pays for it (the runtime's call type): `pay_with` refuses to
/// carry a call that names another payer than its own, so a transaction has one payer.
pub trait NamesPayer {
    /// The payer the call names itself (`delete_data`'s `payer`, a nested `pay_with`'s), if
    /// any.
    fn named_payer(&self) -> Option<AccountId32>;
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
    &[
        " The network multiplier: the nodes counted in the last closed payout period, or in the current one",
        " if more (at least 1). A node counts when a block carries its signed work proof (see PeriodNodes).",
    ],
);
/// `Metering.PeriodNodes`: the nodes that did work in the current payout period.
pub const PERIOD_NODES: StorageValue<Workers, ValueQuery> = StorageValue::new(
    NAME,
    "PeriodNodes",
    &[
        " The registered nodes of active organizations whose signed logic-version signal a block of the",
        " current payout period carries (validators that built a block), in the order seen: the nodes paid.",
    ],
);
/// `Metering.AttestedMedia`: storage media governance attested, by node key.
pub const ATTESTED_MEDIA: StorageMap<NodeKey, Attestation, Blake2_128Concat, OptionQuery> = StorageMap::new(
    NAME,
    "AttestedMedia",
    &[" Storage media governance attested, by node key; a node without one weighs as HDD."],
);
/// `Metering.AttestationCount`.
pub const ATTESTATION_COUNT: StorageValue<u32, ValueQuery> =
    StorageValue::new(NAME, "AttestationCount", &[" How many storage media are attested."]);
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
/// `Metering.CallStats`: the actual fees per (pallet, call) of average- and minimum-threshold
/// classes.
pub const CALL_STATS: StorageMap<(u8, u8), CallStats, Twox64Concat, ValueQuery> = StorageMap::new(
    NAME,
    "CallStats",
    &[" Charges, their sum and the lowest successful one per (pallet, call), for average and minimum admission thresholds."],
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
    /// the signer, its allowance and balance cover the fee). `payer` pays for everything
    /// `call` does: a call it carries may not name another payer (a `delete_data` with
    /// `payer: Some(other)`, a nested `pay_with` of another), which is refused with the
    /// attempt charged to `payer`.
    ///
    /// - Origin: signed.
    /// - Events: the call's.
    /// - Errors: `NotApproved`, `ConflictingPayers`; the call's own.
    /// - Cost: [`weights::pay_with`] plus the call's weight.
    #[codec(index = 9)]
    pay_with {
        /// Who pays.
        payer: AccountId32,
        /// The call.
        call: Box<C>,
    },
    /// Deletes a piece of business data: permanently, or into the backup store for
    /// `backup_days` (default `BackupDays`, 30) — it expires at the start of the day of
    /// deletion plus `backup_days`. It writes the store's `Delete` oplog entry, which carries
    /// the blake2-256 hash of the deleted state, not the state. The deleters of the data end
    /// with it; a backup keeps them as the accounts that may recover it.
    ///
    /// - Origin: signed by the data's owner or a deleter it declared for this instance of the
    ///   data; `payer`, if given, pays (it must have approved the signer, as for `pay_with`;
    ///   inside `pay_with` it must be `pay_with`'s payer or none).
    /// - Events: `DataDeleted`; the store's (e.g. `Records.Deleted`).
    /// - Errors: `UnknownData`, `NotDeleter`, `BadBackupDays`, `BackupExists`,
    ///   `TooManyBackups`, `BackupTooLarge`, `NotApproved`.
    /// - Cost: [`weights::delete_data`]; no storage fee (a deletion pays none); into the
    ///   backup, the backup price per byte moved and per byte-day.
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
    /// Restores a backup that has not expired, as the same instance with its deleters back;
    /// writes the store's `Create` oplog entry.
    ///
    /// - Origin: signed by the owner it was deleted from or a deleter that owner had declared
    ///   for the deleted instance (or for the backup).
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
    /// Declares (or withdraws) `who` as a deleter of a piece of data: of the current instance
    /// under `key`, or, if there is none, of its backup. The right ends when that instance is
    /// deleted or changes hands.
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
    /// Attests a registered node's storage medium grade (`None`: withdraws the attestation).
    /// Under `ByMedium` a node weighs as the lower of its attested and declared grade; a node
    /// without an attestation weighs as HDD.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `MediumAttested`.
    /// - Errors: `UnknownNode` (attesting a key no organization registered), `NotAttested`
    ///   (withdrawing what is not there), `TooManyAttestations` ([`ATTESTATIONS_MAX`]).
    /// - Cost: [`weights::admin`].
    #[codec(index = 16)]
    attest_medium {
        /// The node's ed25519 key.
        node: NodeKey,
        /// The grade, or `None` to withdraw.
        medium: Option<StorageMedium>,
    },
    /// Buys `bytes` of storage quota for `owner`, paid by the caller: for a contract, whose
    /// storage counts against the quota of its account (its address `++ [0xEE; 12]`), anyone
    /// may buy it room. Quota bought for another owner adds room but never makes its quota
    /// bind (`Metering.QuotaGifts`): that takes the owner's own purchase, or quotas required.
    ///
    /// - Origin: signed (the payer).
    /// - Events: `QuotaBoughtFor`.
    /// - Errors: `ZeroAmount`, `CannotPayQuota`.
    /// - Cost: [`weights::admin`].
    #[codec(index = 17)]
    buy_quota_for {
        /// The owner the quota is for.
        owner: AccountId32,
        /// Bytes.
        bytes: u64,
    },
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

/// The metering pallet's hooks: payouts (and the node count) at period boundaries, the
/// block's income to the platform at its end.
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
        payout::check(ext)?;
        deletion::check(ext)
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
            SLOT_RIGHTS.metadata(),
            SLOT_ENDED.metadata(),
            RIGHTS_SINCE.metadata(),
            RIGHTS_CLOCK.metadata(),
            EXPIRING.metadata(),
            EXPIRY_DAYS.metadata(),
            BACKUP_DAYS.metadata(),
            EXPIRY_SEQ.metadata(),
            PENDING_DELETION.metadata(),
            QUOTAS.metadata(),
            QUOTA_REQUIRED.metadata(),
            QUOTA_GIFTS.metadata(),
            PERIOD_NODES.metadata(),
            ATTESTED_MEDIA.metadata(),
            ATTESTATION_COUNT.metadata(),
        ],
        call: Some(meta_type::<Call<C>>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("PlatformAccount", &PLATFORM, &[" The account fee income goes to."]),
            constant("DefaultPrices", &DEFAULT_PRICES, &[" The genesis prices (version 1)."]),
            constant("DefaultMode", &DEFAULT_MODE, &[" The charging mode of classes without their own."]),
            constant("IssuersMax", &ISSUERS_MAX, &[" The most registered issuers."]),
            constant("WorkersMax", &WORKERS_MAX, &[" The most nodes counted in one payout period."]),
            constant("AttestationsMax", &ATTESTATIONS_MAX, &[" The most attested storage media."]),
        ],
    }
}
