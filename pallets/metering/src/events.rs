//! The metering pallet's events and errors (their indices are wire format: append only).

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use accord_pallet_organizations::{OrgCode, StorageMedium};
use accord_primitives::{AccountId32, Balance};
use accord_support::PalletError;

use crate::{
    ChargingMode, Class, DataKey, DataTarget, DeletionMode, IssuerKey, NodeKey, PayoutRules, PriceVersion, Prices,
    Text, NAME,
};

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
    /// Governance attested (or withdrew) a node's storage medium.
    #[codec(index = 19)]
    MediumAttested {
        /// The node.
        node: NodeKey,
        /// Its organization.
        org: OrgCode,
        /// The grade (`None`: withdrawn).
        medium: Option<StorageMedium>,
    },
    /// A node proved work in the current payout period: it counts for the payout and the
    /// network multiplier.
    #[codec(index = 20)]
    WorkNoted {
        /// The node.
        node: NodeKey,
        /// Its organization.
        org: OrgCode,
    },
    /// A node proved work but the period already counts [`WORKERS_MAX`] nodes: it is not
    /// paid for this period.
    #[codec(index = 21)]
    WorkNotCounted {
        /// The node.
        node: NodeKey,
    },
    /// An account bought quota for another owner (a contract's account, say).
    #[codec(index = 22)]
    QuotaBoughtFor {
        /// Who paid.
        payer: AccountId32,
        /// The owner the quota is for.
        owner: AccountId32,
        /// Bytes bought.
        bytes: u64,
        /// What it paid.
        paid: Balance,
        /// The owner's quota now.
        limit: u64,
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
    /// The backup store's expiry schedule is full on that day ([`EXPIRIES_PER_DAY_MAX`]) or
    /// has [`EXPIRY_DAYS_MAX`] days.
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
    /// No organization registered a node with this key.
    UnknownNode,
    /// The node's medium is not attested.
    NotAttested,
    /// [`ATTESTATIONS_MAX`] media are attested.
    TooManyAttestations,
    /// A call inside `pay_with` names another payer than `pay_with`'s.
    ConflictingPayers,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}
