//! # Sub-chain status pallet
//!
//! The main chain's record of its business sub-chains' health. Root (governance) registers
//! a sub-chain: name, genesis hash, member organizations, reporting interval (main-chain
//! blocks), grace factor, tolerance per metric. Each member organization's admins name
//! **monitoring accounts** that report for it; the right lapses when the organization leaves
//! the sub-chain or stops being active in the consortium.
//!
//! A **report** pins a status to a finalized block of the sub-chain (height, hash, state
//! root) with its organization, node, transaction and contract counts and its TPS (in
//! thousandths, derived by the reporter from block timestamps and counts). Reports get
//! sequence numbers, the latest is kept with a bounded history, and each emits the metrics
//! that changed (old and new); a change of the contract (business-logic) count has its own
//! event. A height below the latest report's is refused; the same height is a heartbeat.
//!
//! Another member organization that observes something else at the same height records a
//! **dispute** with its observation as evidence; it must differ beyond the tolerance in at
//! least one metric (or in the block hash or state root). The dispute is decided by the
//! sub-chain's **current** members (those still in its blockchain, for a sub-chain
//! registered from the registry, and active in the consortium) other than the accused (the
//! report's organization): it closes as `Confirmed` when a strict majority of them confirm
//! the report. The accused cannot confirm its own report and the disputer does not; when a
//! confirming majority is no longer possible (two members, a tie of three, members that
//! left) the dispute is **escalated** to governance (`Escalated` event and status). Root
//! resolves an open or escalated dispute: upheld (the report is marked false and its
//! organization flagged) or rejected. Each organization has at most
//! [`OPEN_DISPUTES_PER_ORG_MAX`] open or escalated disputes.
//!
//! **Liveness**: a sub-chain without a report for `interval × grace` blocks is flagged stale
//! in the block hook (`Stale` event, `stale` in its record); the next report clears it
//! (`Fresh`).

mod contracts;
mod dispatch;
mod hooks;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_alliances::ChainId;
use accord_pallet_organizations::OrgCode;
use accord_primitives::{AccountId32, BlockNumber, H160, H256};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, Blake2_128Concat, BoundedVec, Hooks, OptionQuery, PalletError, PalletMeta, StorageDoubleMap, StorageMap,
    StorageValue, Twox64Concat, ValueQuery,
};

pub use contracts::{Announcement, ContractDispute, CONTRACTS, CONTRACT_DISPUTES};
pub use dispatch::{dispatch, members};
pub use hooks::{beyond_tolerance, changes};

/// The pallet's name in the runtime.
pub const NAME: &str = "SubchainStatus";

/// The most registered sub-chains.
pub const SUBCHAINS_MAX: u32 = 32;
/// The most member organizations of a sub-chain.
pub const MEMBERS_MAX: u32 = 32;
/// The longest sub-chain name.
pub const NAME_LEN_MAX: u32 = 64;
/// Reports kept per sub-chain (older ones are dropped).
pub const HISTORY_MAX: u32 = 64;
/// Open disputes per organization.
pub const OPEN_DISPUTES_PER_ORG_MAX: u32 = 4;
/// Monitoring accounts per organization and sub-chain.
pub const MONITORS_PER_ORG_MAX: u32 = 8;
/// The longest reporting interval, in blocks.
pub const INTERVAL_MAX: BlockNumber = 864_000;
/// The largest grace factor.
pub const GRACE_MAX: u32 = 100;

/// A sub-chain's id, from 1.
pub type SubchainId = u32;
/// A report's sequence number within its sub-chain, from 1.
pub type Seq = u64;
/// A dispute's id, from 1.
pub type DisputeId = u32;

/// A sub-chain's status at one of its finalized blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Status {
    /// The block's height.
    pub height: u64,
    /// Its hash.
    pub block_hash: H256,
    /// Its state root.
    pub state_root: H256,
    /// Participating organizations.
    pub orgs: u32,
    /// Nodes.
    pub nodes: u32,
    /// Transactions up to that block.
    pub tx_count: u64,
    /// Transactions per second over the reporting window, in thousandths.
    pub tps_milli: u64,
    /// Deployed contracts and business-logic versions: the EVM contracts (`Evm.ContractCount`,
    /// release aliases and versions included) plus the built-in targets' shipped versions.
    pub contracts: u32,
}

/// A metric of a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Metric {
    /// The height.
    Height,
    /// The block hash or state root (no tolerance: either matches or not).
    Block,
    /// Organizations.
    Orgs,
    /// Nodes.
    Nodes,
    /// Transactions.
    TxCount,
    /// TPS (thousandths).
    Tps,
    /// Contracts.
    Contracts,
}

/// How far an observation may differ from a report, per metric, before a dispute is valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Tolerance {
    /// Organizations.
    pub orgs: u32,
    /// Nodes.
    pub nodes: u32,
    /// Transactions.
    pub tx_count: u64,
    /// TPS, thousandths.
    pub tps_milli: u64,
    /// Contracts.
    pub contracts: u32,
}

/// A metric that changed between two reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Change {
    /// The metric.
    pub metric: Metric,
    /// Its value before.
    pub old: u64,
    /// Its value now.
    pub new: u64,
}

/// A registered sub-chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Subchain {
    /// Its name.
    pub name: BoundedVec<u8, NAME_LEN_MAX>,
    /// Its genesis hash.
    pub genesis: H256,
    /// Its member organizations.
    pub orgs: BoundedVec<OrgCode, MEMBERS_MAX>,
    /// Blocks between reports (heartbeats at least this often).
    pub interval: BlockNumber,
    /// Stale after `interval × grace` blocks without a report.
    pub grace: u32,
    /// The dispute tolerances.
    pub tolerance: Tolerance,
    /// The last report's sequence number (0: none yet).
    pub last_seq: Seq,
    /// The main-chain block of the last report (registration before the first).
    pub last_report_at: BlockNumber,
    /// Whether reports stopped arriving.
    pub stale: bool,
}

/// A report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Report {
    /// The monitoring account that sent it.
    pub reporter: AccountId32,
    /// Its organization.
    pub org: OrgCode,
    /// The status.
    pub status: Status,
    /// The main-chain block it arrived in.
    pub at: BlockNumber,
    /// Whether governance upheld a dispute against it.
    pub false_report: bool,
}

/// Where a dispute stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum DisputeStatus {
    /// Waiting for confirmations or governance.
    Open,
    /// A majority of the sub-chain's organizations confirmed the report.
    Confirmed,
    /// Governance upheld it: the report is false.
    Upheld,
    /// Governance rejected it.
    Rejected,
    /// No confirming majority of the current non-accused members is possible any more:
    /// waiting for governance (`resolve`).
    Escalated,
}

/// A dispute of a report.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Dispute {
    /// The sub-chain.
    pub subchain: SubchainId,
    /// The report disputed.
    pub seq: Seq,
    /// The disputing organization.
    pub org: OrgCode,
    /// Its monitoring account.
    pub by: AccountId32,
    /// What it observed at the report's height.
    pub observed: Status,
    /// The metrics beyond tolerance.
    pub beyond: BoundedVec<Metric, 8>,
    /// Organizations that confirmed the report (one that is no member any more is dropped
    /// at the next confirmation, and never counted).
    pub confirmations: BoundedVec<OrgCode, MEMBERS_MAX>,
    /// Where it stands.
    pub status: DisputeStatus,
    /// The accused: the organization that sent the report.
    pub accused: OrgCode,
}

/// `SubchainStatus.Subchains`.
pub const SUBCHAINS: StorageMap<SubchainId, Subchain, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Subchains", &[" The registered sub-chains, with their liveness."]);
/// `SubchainStatus.LastSubchain`.
pub const LAST_SUBCHAIN: StorageValue<SubchainId, ValueQuery> =
    StorageValue::new(NAME, "LastSubchain", &[" The latest sub-chain id (0: none)."]);
/// `SubchainStatus.ChainOf`: sub-chain -> (business chain, blockchain index) of the
/// registry it was registered from.
pub const CHAIN_OF: StorageMap<SubchainId, (ChainId, u32), Twox64Concat, OptionQuery> = StorageMap::new(
    NAME,
    "ChainOf",
    &[" The business chain and blockchain (index) of the registry a sub-chain was registered from."],
);
/// `SubchainStatus.Monitors`: (sub-chain, account) -> organization.
pub const MONITORS: StorageDoubleMap<SubchainId, Twox64Concat, AccountId32, Blake2_128Concat, OrgCode, OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "Monitors",
        &[" The monitoring accounts of each sub-chain and the organization each reports for."],
    );
/// `SubchainStatus.MonitorCount`: (sub-chain, organization) -> monitoring accounts.
pub const MONITOR_COUNT: StorageMap<(SubchainId, OrgCode), u32, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "MonitorCount", &[" How many monitoring accounts each organization has for a sub-chain."]);
/// `SubchainStatus.Reports`: the history, (sub-chain, seq) -> report.
pub const REPORTS: StorageDoubleMap<SubchainId, Twox64Concat, Seq, Twox64Concat, Report, OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "Reports",
        &[" The last reports of each sub-chain by sequence number (the latest is Subchains.lastSeq)."],
    );
/// `SubchainStatus.Disputes`.
pub const DISPUTES: StorageMap<DisputeId, Dispute, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Disputes", &[" Every dispute by id."]);
/// `SubchainStatus.LastDispute`.
pub const LAST_DISPUTE: StorageValue<DisputeId, ValueQuery> =
    StorageValue::new(NAME, "LastDispute", &[" The latest dispute id (0: none)."]);
/// `SubchainStatus.DisputeOf`: (sub-chain, seq, organization) -> the organization's dispute
/// of that report (one each).
pub const DISPUTE_OF: StorageMap<(SubchainId, Seq, OrgCode), DisputeId, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "DisputeOf", &[" Each organization's dispute of a report: one per report and organization."]);
/// `SubchainStatus.OpenDisputes`: open disputes per organization.
pub const OPEN_DISPUTES: StorageMap<OrgCode, u32, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "OpenDisputes", &[" How many open disputes each organization has."]);
/// `SubchainStatus.Flags`: upheld disputes against each (sub-chain, organization).
pub const FLAGS: StorageMap<(SubchainId, OrgCode), u32, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "Flags", &[" How many of each organization's reports on a sub-chain were found false."]);

/// The calls of the sub-chain status pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Registers a sub-chain.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `SubchainRegistered`.
    /// - Errors: `NoMembers`, `UnknownOrg`, `DuplicateOrg`, `BadInterval`, `TooManySubchains`.
    /// - Cost: [`weights::register`].
    #[codec(index = 0)]
    register_subchain {
        /// Its name.
        name: BoundedVec<u8, NAME_LEN_MAX>,
        /// Its genesis hash.
        genesis: H256,
        /// Its member organizations.
        orgs: BoundedVec<OrgCode, MEMBERS_MAX>,
        /// Blocks between reports (1 to [`INTERVAL_MAX`]).
        interval: BlockNumber,
        /// Stale after `interval × grace` blocks (1 to [`GRACE_MAX`]).
        grace: u32,
        /// Dispute tolerances.
        tolerance: Tolerance,
    },
    /// Registers a blockchain of a business chain of the registry as a sub-chain: its name
    /// and organizations are the blockchain's. Its members follow the blockchain: the
    /// organizations that leave it lose their monitoring rights, those that join gain them.
    ///
    /// - Origin: an admin of the business chain's creating organization (active).
    /// - Events: `SubchainRegistered`.
    /// - Errors: `UnknownChain`, `ChainNotActive`, `UnknownBlockchain`, `NotAdmin`,
    ///   `AlreadyRegistered`, `BadInterval`, `TooManySubchains`.
    /// - Cost: [`weights::register`].
    #[codec(index = 7)]
    register_from_chain {
        /// The business chain.
        chain: ChainId,
        /// The blockchain's index in it.
        blockchain: u32,
        /// Its genesis hash.
        genesis: H256,
        /// Blocks between reports (1 to [`INTERVAL_MAX`]).
        interval: BlockNumber,
        /// Stale after `interval × grace` blocks (1 to [`GRACE_MAX`]).
        grace: u32,
        /// Dispute tolerances.
        tolerance: Tolerance,
    },
    /// Names a monitoring account of `org` for `subchain`.
    ///
    /// - Origin: an admin of `org` (active, a member of the sub-chain).
    /// - Events: `MonitorAdded`.
    /// - Errors: `UnknownSubchain`, `NotAdmin`, `NotMember`, `MonitorExists`, `TooManyMonitors`.
    /// - Cost: [`weights::monitor`].
    #[codec(index = 1)]
    add_monitor {
        /// The sub-chain.
        subchain: SubchainId,
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// Withdraws a monitoring account.
    ///
    /// - Origin: an admin of the account's organization.
    /// - Events: `MonitorRemoved`.
    /// - Errors: `UnknownSubchain`, `NotMonitor`, `NotAdmin`.
    /// - Cost: [`weights::monitor`].
    #[codec(index = 2)]
    remove_monitor {
        /// The sub-chain.
        subchain: SubchainId,
        /// The account.
        who: AccountId32,
    },
    /// Reports a sub-chain's status at one of its finalized blocks.
    ///
    /// - Origin: a monitoring account of an active member organization.
    /// - Events: `Reported` with the changes; `ContractsChanged`; `Fresh` if it was stale.
    /// - Errors: `UnknownSubchain`, `NotMonitor`, `HeightTooLow`.
    /// - Cost: [`weights::report`].
    #[codec(index = 3)]
    report {
        /// The sub-chain.
        subchain: SubchainId,
        /// The status.
        status: Status,
    },
    /// Disputes a report with an observation at the same height. When the current members
    /// leave no confirming majority possible (two members, or three), the dispute is
    /// escalated to governance at once.
    ///
    /// - Origin: a monitoring account of another active member organization.
    /// - Events: `Disputed`; `Escalated`.
    /// - Errors: `UnknownSubchain`, `NotMonitor`, `UnknownReport`, `OwnReport`,
    ///   `HeightMismatch`, `WithinTolerance`, `AlreadyDisputed`, `TooManyDisputes`.
    /// - Cost: [`weights::dispute`].
    #[codec(index = 4)]
    dispute {
        /// The sub-chain.
        subchain: SubchainId,
        /// The report.
        seq: Seq,
        /// What the disputer observed.
        observed: Status,
    },
    /// Confirms a disputed report for the sender's organization. A strict majority of the
    /// sub-chain's current members other than the accused closes the dispute
    /// (`Confirmed`); if such a majority is no longer possible, the dispute is escalated.
    ///
    /// - Origin: a monitoring account of a current member other than the accused and the
    ///   disputer.
    /// - Events: `Confirmed`; `DisputeClosed` or `Escalated`.
    /// - Errors: `UnknownDispute`, `Escalated`, `NotOpen`, `NotMonitor`, `Accused`,
    ///   `AlreadyConfirmed` (also the disputer).
    /// - Cost: [`weights::dispute`].
    #[codec(index = 5)]
    confirm {
        /// The dispute.
        dispute: DisputeId,
    },
    /// Resolves an open or escalated dispute: upheld (the report is false, its organization
    /// flagged) or rejected.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `DisputeClosed`.
    /// - Errors: `UnknownDispute`, `NotOpen`.
    /// - Cost: [`weights::dispute`].
    #[codec(index = 6)]
    resolve {
        /// The dispute.
        dispute: DisputeId,
        /// Upheld (true) or rejected.
        upheld: bool,
    },
    /// Announces a contract deployed on the sub-chain (or its new code): its address and
    /// the keccak-256 hash of its code, read at a finalized block of the sub-chain.
    ///
    /// - Origin: a monitoring account of an active member organization.
    /// - Events: `ContractAnnounced`.
    /// - Errors: `UnknownSubchain`, `NotMonitor`, `HeightTooHigh` (above the latest report's
    ///   height), `AlreadyAnnounced` (the same code hash), `HeightTooLow` (below the announced
    ///   one), `Escalated` (a dispute of it is open).
    /// - Cost: [`weights::contract`].
    #[codec(index = 8)]
    announce_contract {
        /// The sub-chain.
        subchain: SubchainId,
        /// The contract's address.
        contract: H160,
        /// keccak-256 of its code.
        code_hash: H256,
        /// The sub-chain block it was read at.
        height: u64,
    },
    /// Disputes an announced contract: the sender's organization observed another code (or
    /// none) at the address on its own node. Escalated to governance at once.
    ///
    /// - Origin: a monitoring account of another active member organization.
    /// - Events: `ContractDisputed`.
    /// - Errors: `UnknownSubchain`, `NotMonitor`, `UnknownContract`, `OwnReport`,
    ///   `WithinTolerance` (the same code hash), `AlreadyDisputed`.
    /// - Cost: [`weights::contract`].
    #[codec(index = 9)]
    dispute_contract {
        /// The sub-chain.
        subchain: SubchainId,
        /// The contract's address.
        contract: H160,
        /// The code hash observed (`None`: no contract there).
        observed: Option<H256>,
    },
    /// Resolves a contract dispute: upheld (the announcement is withdrawn, its organization
    /// flagged) or rejected.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `ContractDisputeClosed`.
    /// - Errors: `UnknownDispute`, `NotOpen`.
    /// - Cost: [`weights::contract`].
    #[codec(index = 10)]
    resolve_contract {
        /// The sub-chain.
        subchain: SubchainId,
        /// The contract's address.
        contract: H160,
        /// Upheld (true) or rejected.
        upheld: bool,
    },
}

/// The events of the sub-chain status pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A sub-chain was registered.
    #[codec(index = 0)]
    SubchainRegistered {
        /// Its id.
        subchain: SubchainId,
        /// Its genesis hash.
        genesis: H256,
    },
    /// A monitoring account was named.
    #[codec(index = 1)]
    MonitorAdded {
        /// The sub-chain.
        subchain: SubchainId,
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// A monitoring account was withdrawn.
    #[codec(index = 2)]
    MonitorRemoved {
        /// The sub-chain.
        subchain: SubchainId,
        /// The account.
        who: AccountId32,
    },
    /// A report arrived: the metrics that changed since the previous one.
    #[codec(index = 3)]
    Reported {
        /// The sub-chain.
        subchain: SubchainId,
        /// Its sequence number.
        seq: Seq,
        /// The reporting organization.
        org: OrgCode,
        /// The height.
        height: u64,
        /// What changed (empty: a heartbeat).
        changes: BoundedVec<Change, 8>,
    },
    /// The sub-chain's contract (business-logic) count changed.
    #[codec(index = 4)]
    ContractsChanged {
        /// The sub-chain.
        subchain: SubchainId,
        /// Before.
        old: u32,
        /// Now.
        new: u32,
    },
    /// No report within `interval × grace` blocks.
    #[codec(index = 5)]
    Stale {
        /// The sub-chain.
        subchain: SubchainId,
        /// The last report's main-chain block.
        last_report_at: BlockNumber,
    },
    /// Reports resumed.
    #[codec(index = 6)]
    Fresh {
        /// The sub-chain.
        subchain: SubchainId,
    },
    /// A report was disputed.
    #[codec(index = 7)]
    Disputed {
        /// The dispute.
        dispute: DisputeId,
        /// The sub-chain.
        subchain: SubchainId,
        /// The report.
        seq: Seq,
        /// The disputing organization.
        org: OrgCode,
        /// The metrics beyond tolerance.
        beyond: BoundedVec<Metric, 8>,
    },
    /// An organization confirmed a disputed report.
    #[codec(index = 8)]
    Confirmed {
        /// The dispute.
        dispute: DisputeId,
        /// The organization.
        org: OrgCode,
    },
    /// A dispute closed.
    #[codec(index = 9)]
    DisputeClosed {
        /// The dispute.
        dispute: DisputeId,
        /// How.
        status: DisputeStatus,
    },
    /// No confirming majority is possible: the dispute waits for governance.
    #[codec(index = 10)]
    Escalated {
        /// The dispute.
        dispute: DisputeId,
        /// The current members other than the accused (the electorate).
        electorate: u32,
        /// Their confirmations so far.
        confirmations: u32,
    },
    /// A contract of a sub-chain was announced (or its new code).
    #[codec(index = 11)]
    ContractAnnounced {
        /// The sub-chain.
        subchain: SubchainId,
        /// The contract's address.
        contract: H160,
        /// keccak-256 of its code.
        code_hash: H256,
        /// The sub-chain block it was read at.
        height: u64,
        /// The reporting organization.
        org: OrgCode,
    },
    /// An announced contract was disputed (and escalated to governance).
    #[codec(index = 12)]
    ContractDisputed {
        /// The sub-chain.
        subchain: SubchainId,
        /// The contract's address.
        contract: H160,
        /// The disputing organization.
        org: OrgCode,
        /// The code hash announced.
        announced: H256,
        /// The code hash observed (`None`: no contract there).
        observed: Option<H256>,
    },
    /// Governance resolved a contract dispute.
    #[codec(index = 13)]
    ContractDisputeClosed {
        /// The sub-chain.
        subchain: SubchainId,
        /// The contract's address.
        contract: H160,
        /// `Upheld` or `Rejected`.
        status: DisputeStatus,
    },
}

/// The errors of the sub-chain status pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No sub-chain has this id.
    UnknownSubchain,
    /// A sub-chain needs member organizations.
    NoMembers,
    /// No such organization.
    UnknownOrg,
    /// An organization is named twice.
    DuplicateOrg,
    /// An interval or grace factor out of range.
    BadInterval,
    /// [`SUBCHAINS_MAX`] sub-chains are registered.
    TooManySubchains,
    /// The sender is not an admin of that active organization.
    NotAdmin,
    /// The organization is not a member of the sub-chain.
    NotMember,
    /// The account is a monitoring account of this sub-chain already.
    MonitorExists,
    /// The organization has [`MONITORS_PER_ORG_MAX`] monitoring accounts for it.
    TooManyMonitors,
    /// Not a monitoring account of an active member organization of the sub-chain.
    NotMonitor,
    /// The height is below the latest report's.
    HeightTooLow,
    /// No report with this sequence number is kept.
    UnknownReport,
    /// An organization cannot dispute its own report.
    OwnReport,
    /// The observation is not at the report's height.
    HeightMismatch,
    /// The observation is within the tolerance of the report.
    WithinTolerance,
    /// The organization disputed this report already.
    AlreadyDisputed,
    /// The organization has [`OPEN_DISPUTES_PER_ORG_MAX`] open disputes.
    TooManyDisputes,
    /// No dispute has this id.
    UnknownDispute,
    /// The dispute is closed.
    NotOpen,
    /// The organization confirmed already.
    AlreadyConfirmed,
    /// No business chain has this id.
    UnknownChain,
    /// The business chain is not active.
    ChainNotActive,
    /// The business chain has no blockchain at this index.
    UnknownBlockchain,
    /// This blockchain is registered as a sub-chain already.
    AlreadyRegistered,
    /// The accused organization (the report's) cannot confirm its own report.
    Accused,
    /// The dispute went to governance: only root resolves it now.
    Escalated,
    /// The contract is announced with this code hash already.
    AlreadyAnnounced,
    /// No contract is announced at this address for the sub-chain.
    UnknownContract,
    /// An announcement above the latest report's height (or before any report).
    HeightTooHigh,
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> accord_support::Weight {
        match self {
            Call::register_subchain { .. } | Call::register_from_chain { .. } => weights::register(),
            Call::add_monitor { .. } | Call::remove_monitor { .. } => weights::monitor(),
            Call::report { .. } => weights::report(),
            Call::dispute { .. } | Call::confirm { .. } | Call::resolve { .. } => weights::dispute(),
            Call::announce_contract { .. } | Call::dispute_contract { .. } | Call::resolve_contract { .. } => {
                weights::contract()
            }
        }
    }
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

/// The pallet's hooks: staleness at the start of each block.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn on_initialize(ext: &mut accord_support::Ext<'_>, n: BlockNumber) -> accord_support::Weight {
        hooks::flag_stale(ext, n)
    }

    fn check_state(ext: &accord_support::Ext<'_>) -> Result<(), String> {
        hooks::check(ext)
    }
}

/// The pallet's metadata.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            SUBCHAINS.metadata(),
            LAST_SUBCHAIN.metadata(),
            CHAIN_OF.metadata(),
            MONITORS.metadata(),
            MONITOR_COUNT.metadata(),
            REPORTS.metadata(),
            DISPUTES.metadata(),
            CONTRACTS.metadata(),
            CONTRACT_DISPUTES.metadata(),
            DISPUTE_OF.metadata(),
            LAST_DISPUTE.metadata(),
            OPEN_DISPUTES.metadata(),
            FLAGS.metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("SubchainsMax", &SUBCHAINS_MAX, &[" The most registered sub-chains."]),
            constant("HistoryMax", &HISTORY_MAX, &[" Reports kept per sub-chain."]),
            constant("OpenDisputesPerOrgMax", &OPEN_DISPUTES_PER_ORG_MAX, &[" Open disputes per organization."]),
        ],
    }
}
