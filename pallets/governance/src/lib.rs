//! # Governance pallet
//!
//! Management by the member organizations instead of one key: an admin of an active
//! organization proposes a **management operation** (a runtime call that needs root); the
//! active organizations at that moment vote, one vote each (or a weight governance sets);
//! a hook tallies; a passed proposal grants its proposer a **permission** to execute exactly
//! that call, once, before it expires — or executes it at once for classes marked so.
//!
//! ## Classes and their rules
//! A management call's class is the index of its pallet (`Balances` = 2, `Validators` = 6,
//! `Organizations` = 7, `Alliances` = 8, `Governance` = 9, ...). Each class has [`Rules`] (else
//! the default rules): quorum and approval thresholds in percent of the electorate's
//! weight, voting period in blocks, permission lifetime in blocks, and whether it executes on
//! passing. Rules are set through governance itself (`set_rules`, a management call).
//!
//! ## The electorate and the tally
//! The electorate is a **snapshot** of the active organizations when the proposal is made,
//! each with its weight then (default 1): organizations that join later do not vote on it;
//! one that is suspended or exits keeps its place but can no longer vote (its admins cannot
//! act), so it counts as not voting. `vote(proposal, org, aye | nay | abstain)` by an admin of
//! the organization; a vote may change while the proposal is open.
//!
//! With `W` the electorate's weight, a proposal needs `ceil(approval% · W)` aye weight and
//! `ceil(quorum% · W)` weight voting at all (abstentions count there). It closes:
//! - **passed** as soon as both hold (more votes cannot undo that);
//! - **rejected** as soon as the aye weight plus the weight not yet voted is below the
//!   approval need (no remaining vote can save it), or at its deadline with enough
//!   participation but too few ayes;
//! - **expired** at its deadline without the quorum.
//!
//! So the order of votes never decides the outcome, and with two organizations and a
//! majority rule (51%) both must vote aye. Each outcome is an event with the tally. A close
//! costs a bounded amount of work: at most [`ELECTORATE_MAX`] votes are counted.
//!
//! ## Permissions
//! Passing grants the proposer a permission bound to the proposal and the blake2-256 of the
//! call's encoding. `execute(proposal, call)` by the proposer checks it (the same call, not
//! expired, not used) and dispatches the call as root; the permission is used up whatever the
//! call's result. Unused permissions lapse at `passed + lifetime`.
//!
//! ## Checked at propose time
//! The call decodes and needs root (else `NotManagement`), its encoding is at most
//! [`CALL_LEN_MAX`] bytes and its weight at most [`CALL_WEIGHT_MAX`] (so the execution fits
//! in a block), the electorate is not empty and at most [`ELECTORATE_MAX`] organizations,
//! and there is room: at most [`OPEN_MAX`] proposals open and live permissions together, at
//! most [`OPEN_PER_ORG_MAX`] open per organization.

mod dispatch;
mod tally;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_organizations::OrgCode;
use accord_primitives::{AccountId32, BlockNumber, H256};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, BoundedVec, Ext, Hooks, OptionQuery, PalletError, PalletMeta, StorageMap, StorageValue, Twox64Concat,
    ValueQuery, Weight,
};

pub use dispatch::dispatch;
pub use tally::{on_initialize, Tally};

/// The pallet's name in the runtime.
pub const NAME: &str = "Governance";

/// The longest encoded call a proposal may carry.
pub const CALL_LEN_MAX: u32 = 4096;
/// The heaviest call a proposal may carry (half a second of reference computation).
pub const CALL_WEIGHT_MAX: Weight = Weight::from_ref_time(500_000_000_000);
/// The most organizations in an electorate: the most that may be active at once.
pub const ELECTORATE_MAX: u32 = accord_pallet_organizations::ACTIVE_ORGS_MAX;
/// The most weight the block hook spends on execute-on-pass calls per block (half a block);
/// the rest waits for the next block.
pub const EXECUTION_BUDGET: Weight = Weight::from_ref_time(1_000_000_000_000);
/// The most open proposals and live permissions together.
pub const OPEN_MAX: u32 = 32;
/// The most open proposals of one organization.
pub const OPEN_PER_ORG_MAX: u32 = 4;
/// The highest organization weight.
pub const WEIGHT_MAX: u32 = 100;
/// The longest voting period or permission lifetime, in blocks.
pub const PERIOD_MAX: BlockNumber = 864_000;

/// A proposal's id, from 1.
pub type ProposalId = u32;
/// A management class: the index of the call's pallet.
pub type Class = u8;

/// What a runtime's call type must tell governance.
pub trait ManagementCall: Encode + Decode + Clone {
    /// The call's class (its pallet's index) if it needs root; `None` if it is not a
    /// management operation.
    fn management_class(&self) -> Option<Class>;
    /// The call's weight.
    fn call_weight(&self) -> Weight;
    /// Decodes a stored call (depth-limited, every byte used).
    fn decode_stored(bytes: &[u8]) -> Option<Self>;
}

/// A vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum VoteKind {
    /// For.
    Aye,
    /// Against.
    Nay,
    /// Counts towards the quorum only.
    Abstain,
}

/// The rules of a class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Rules {
    /// Weight that must vote at all, in percent of the electorate's (0 to 100).
    pub quorum_percent: u8,
    /// Aye weight needed, in percent of the electorate's (1 to 100).
    pub approval_percent: u8,
    /// Blocks the vote stays open at most (1 to [`PERIOD_MAX`]).
    pub voting_period: BlockNumber,
    /// Blocks a permission stays usable (1 to [`PERIOD_MAX`]).
    pub permission_lifetime: BlockNumber,
    /// Whether a passed proposal executes at the start of the next block, with no
    /// `execute` call.
    pub execute_on_pass: bool,
}

/// The default rules: a majority (51%) of the electorate's weight for, half of it voting,
/// 600 blocks to vote, 600 blocks to execute.
pub const DEFAULT_RULES: Rules = Rules {
    quorum_percent: 50,
    approval_percent: 51,
    voting_period: 600,
    permission_lifetime: 600,
    execute_on_pass: false,
};

impl Default for Rules {
    fn default() -> Self {
        DEFAULT_RULES
    }
}

impl Rules {
    /// Whether the rules can be used: approval 1 to 100, quorum at most 100, periods 1 to
    /// [`PERIOD_MAX`].
    pub fn is_valid(&self) -> bool {
        (1..=100).contains(&self.approval_percent)
            && self.quorum_percent <= 100
            && (1..=PERIOD_MAX).contains(&self.voting_period)
            && (1..=PERIOD_MAX).contains(&self.permission_lifetime)
    }
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ProposalStatus {
    /// Open for votes.
    Voting,
    /// Passed: its proposer holds the permission (or it is queued to execute).
    Passed,
    /// Not enough ayes.
    Rejected,
    /// The deadline passed without the quorum.
    Expired,
    /// Its call was dispatched as root.
    Executed,
    /// Passed, but the permission was not used in time.
    Lapsed,
}

/// A proposal.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Proposal {
    /// The account that proposed (and would hold the permission).
    pub proposer: AccountId32,
    /// Its organization.
    pub org: OrgCode,
    /// The call's class.
    pub class: Class,
    /// The call, SCALE-encoded (decode it with the runtime's `Call` type).
    pub call: BoundedVec<u8, CALL_LEN_MAX>,
    /// blake2-256 of `call`.
    pub call_hash: H256,
    /// The rules in force when it was made.
    pub rules: Rules,
    /// The electorate: organizations and their weights, snapshot at proposal time.
    pub electorate: BoundedVec<(OrgCode, u32), ELECTORATE_MAX>,
    /// The votes cast so far, one per organization.
    pub votes: BoundedVec<(OrgCode, VoteKind), ELECTORATE_MAX>,
    /// The block it was made in.
    pub proposed_at: BlockNumber,
    /// The last block of its vote: it closes at the start of the next one at the latest.
    pub voting_ends: BlockNumber,
    /// Where it stands.
    pub status: ProposalStatus,
    /// For a passed proposal: the last block its permission may be used in.
    pub permission_until: Option<BlockNumber>,
}

/// `Governance.Proposals`.
pub const PROPOSALS: StorageMap<ProposalId, Proposal, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Proposals", &[" The proposals by id, closed ones included."]);
/// `Governance.LastProposal`.
pub const LAST_PROPOSAL: StorageValue<ProposalId, ValueQuery> =
    StorageValue::new(NAME, "LastProposal", &[" The latest proposal id (0: none)."]);
/// `Governance.Live`: proposals open for votes or holding a permission.
pub const LIVE: StorageValue<BoundedVec<ProposalId, OPEN_MAX>, ValueQuery> = StorageValue::new(
    NAME,
    "Live",
    &[" The proposals open for votes, passed with an unused permission, or queued to execute."],
);
/// `Governance.ClassRules`: the rules of classes that have their own.
pub const CLASS_RULES: StorageMap<Class, Rules, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "ClassRules", &[" The rules of each class that has its own (the pallet index)."]);
/// `Governance.DefaultRules`.
pub const RULES: StorageValue<Rules, ValueQuery> =
    StorageValue::new(NAME, "DefaultRules", &[" The rules of classes without their own."]);
/// `Governance.OrgWeights`: organizations whose vote weighs other than 1.
pub const ORG_WEIGHTS: StorageMap<OrgCode, u32, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "OrgWeights", &[" Vote weights other than 1, by organization."]);
/// `Governance.ExecuteQueue`: passed proposals of execute-on-pass classes, run next block.
pub const EXECUTE_QUEUE: StorageValue<BoundedVec<ProposalId, OPEN_MAX>, ValueQuery> =
    StorageValue::new(NAME, "ExecuteQueue", &[" Passed proposals that execute at the start of the next block."]);

/// The calls of the governance pallet; `C` is the runtime's call type.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call<C> {
    /// Proposes a management operation.
    ///
    /// - Origin: an admin of `org` (active).
    /// - Events: `Proposed`, `VoteRequested` per electorate organization.
    /// - Errors: `NotAdmin`, `NotManagement`, `CallTooLong`, `CallTooHeavy`,
    ///   `NoElectorate`, `ElectorateTooLarge`, `TooManyProposals`.
    /// - Cost: [`weights::propose`] (the electorate snapshot reads every organization).
    #[codec(index = 0)]
    propose {
        /// The proposing organization.
        org: OrgCode,
        /// The management call.
        call: Box<C>,
    },
    /// Votes, or changes `org`'s vote, on an open proposal.
    ///
    /// - Origin: an admin of `org` (active).
    /// - Events: `Voted`; `Passed` / `Rejected` with the tally when the outcome is fixed.
    /// - Errors: `NotAdmin`, `UnknownProposal`, `NotVoting`, `NotInElectorate`.
    /// - Cost: [`weights::vote`].
    #[codec(index = 1)]
    vote {
        /// The proposal.
        proposal: ProposalId,
        /// The voting organization.
        org: OrgCode,
        /// Its vote.
        vote: VoteKind,
    },
    /// Executes a passed proposal's call as root.
    ///
    /// - Origin: signed by the proposer.
    /// - Events: `Executed` with the call's result.
    /// - Errors: `UnknownProposal`, `NoPermission` (not passed, or used), `NotProposer`,
    ///   `PermissionExpired`, `WrongCall` (not the call voted on).
    /// - Cost: [`weights::execute`] plus the call's weight.
    #[codec(index = 2)]
    execute {
        /// The proposal.
        proposal: ProposalId,
        /// The call voted on, again.
        call: Box<C>,
    },
    /// Sets the rules of a class (`None`: the default rules).
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `RulesSet`.
    /// - Errors: `BadRules`.
    /// - Cost: [`weights::set_rules`].
    #[codec(index = 3)]
    set_rules {
        /// The class, or `None` for the default.
        class: Option<Class>,
        /// The rules.
        rules: Rules,
    },
    /// Sets an organization's vote weight (1 to [`WEIGHT_MAX`]) for later proposals.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `WeightSet`.
    /// - Errors: `BadWeight`, `UnknownOrg`.
    /// - Cost: [`weights::set_rules`].
    #[codec(index = 4)]
    set_weight {
        /// The organization.
        org: OrgCode,
        /// Its weight.
        weight: u32,
    },
}

/// The events of the governance pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A proposal was made.
    #[codec(index = 0)]
    Proposed {
        /// Its id.
        proposal: ProposalId,
        /// The proposing organization.
        org: OrgCode,
        /// The call's class.
        class: Class,
        /// The call's hash.
        call_hash: H256,
        /// The last block of its vote.
        voting_ends: BlockNumber,
    },
    /// An electorate organization is asked for its vote (the source's vote event).
    #[codec(index = 1)]
    VoteRequested {
        /// The proposal.
        proposal: ProposalId,
        /// The organization.
        org: OrgCode,
        /// Its weight.
        weight: u32,
    },
    /// An organization voted (or changed its vote).
    #[codec(index = 2)]
    Voted {
        /// The proposal.
        proposal: ProposalId,
        /// The organization.
        org: OrgCode,
        /// The vote.
        vote: VoteKind,
    },
    /// A proposal passed.
    #[codec(index = 3)]
    Passed {
        /// The proposal.
        proposal: ProposalId,
        /// The tally.
        tally: Tally,
        /// The last block its permission may be used in (`None`: it executes next block).
        permission_until: Option<BlockNumber>,
    },
    /// A proposal was rejected.
    #[codec(index = 4)]
    Rejected {
        /// The proposal.
        proposal: ProposalId,
        /// The tally.
        tally: Tally,
    },
    /// A proposal's vote ended without the quorum.
    #[codec(index = 5)]
    Expired {
        /// The proposal.
        proposal: ProposalId,
        /// The tally.
        tally: Tally,
    },
    /// A passed proposal's call ran as root.
    #[codec(index = 6)]
    Executed {
        /// The proposal.
        proposal: ProposalId,
        /// The call's result.
        result: Result<(), accord_support::DispatchError>,
    },
    /// A permission was not used in time.
    #[codec(index = 7)]
    PermissionLapsed {
        /// The proposal.
        proposal: ProposalId,
    },
    /// A class's rules (or the default rules) changed.
    #[codec(index = 8)]
    RulesSet {
        /// The class (`None`: the default).
        class: Option<Class>,
        /// The rules.
        rules: Rules,
    },
    /// An organization's vote weight changed.
    #[codec(index = 9)]
    WeightSet {
        /// The organization.
        org: OrgCode,
        /// Its weight.
        weight: u32,
    },
}

/// The errors of the governance pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The sender is not an admin of that active organization.
    NotAdmin,
    /// The call is not a management operation (it does not need root).
    NotManagement,
    /// The encoded call is longer than [`CALL_LEN_MAX`].
    CallTooLong,
    /// The call weighs more than [`CALL_WEIGHT_MAX`]: its execution would not fit a block.
    CallTooHeavy,
    /// No organization is active: nobody could vote.
    NoElectorate,
    /// More than [`ELECTORATE_MAX`] organizations are active.
    ElectorateTooLarge,
    /// [`OPEN_MAX`] proposals are live, or the organization has [`OPEN_PER_ORG_MAX`] open.
    TooManyProposals,
    /// No proposal has this id.
    UnknownProposal,
    /// The proposal is not open for votes.
    NotVoting,
    /// The organization is not in the proposal's electorate.
    NotInElectorate,
    /// The proposal holds no permission (not passed, already used, or executes by itself).
    NoPermission,
    /// Only the proposer holds the permission.
    NotProposer,
    /// The permission's lifetime ended.
    PermissionExpired,
    /// The call is not the one voted on.
    WrongCall,
    /// Rules out of range (see [`Rules::is_valid`]).
    BadRules,
    /// A weight outside 1..=[`WEIGHT_MAX`].
    BadWeight,
    /// No organization has this code.
    UnknownOrg,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl<C: ManagementCall> Call<C> {
    /// The weight of the call; `execute` includes its inner call's.
    pub fn weight(&self) -> Weight {
        match self {
            Call::propose { .. } => weights::propose(),
            Call::vote { .. } => weights::vote(),
            Call::execute { call, .. } => weights::execute().saturating_add(call.call_weight()),
            Call::set_rules { .. } | Call::set_weight { .. } => weights::set_rules(),
        }
    }
}

/// The rules of `class` now.
pub fn rules_of(ext: &Ext<'_>, class: Class) -> Rules {
    CLASS_RULES.get(ext, &class).unwrap_or_else(|| RULES.get(ext))
}

/// The governance pallet's hooks (its block hook needs the runtime's dispatcher: the
/// runtime calls [`on_initialize`] itself).
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        tally::check(ext)
    }
}

/// The metadata of the governance pallet; `C` is the runtime's call type.
pub fn metadata<C: TypeInfo + 'static>() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            PROPOSALS.metadata(),
            LAST_PROPOSAL.metadata(),
            LIVE.metadata(),
            CLASS_RULES.metadata(),
            RULES.metadata(),
            ORG_WEIGHTS.metadata(),
            EXECUTE_QUEUE.metadata(),
        ],
        call: Some(meta_type::<Call<C>>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("CallLenMax", &CALL_LEN_MAX, &[" The longest encoded call a proposal may carry."]),
            constant("ElectorateMax", &ELECTORATE_MAX, &[" The most organizations in an electorate."]),
            constant("OpenMax", &OPEN_MAX, &[" The most open proposals and live permissions together."]),
            constant("OpenPerOrgMax", &OPEN_PER_ORG_MAX, &[" The most open proposals of one organization."]),
            constant("WeightMax", &WEIGHT_MAX, &[" The highest organization weight."]),
            constant("DefaultRulesAtGenesis", &DEFAULT_RULES, &[" The default rules a chain starts with."]),
        ],
    }
}
