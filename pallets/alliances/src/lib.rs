//! # Alliances pallet
//!
//! Alliances of member organizations, the business chains they create, and the tasks that
//! track every long operation until the provisioning drivers (off-chain, one per
//! organization) report it done.
//!
//! ## Alliances
//! - `create_alliance(org, name, platform, invitees, deadline)`: an admin of `org` creates an
//!   alliance led by `org` and invites other active organizations. The alliance is
//!   `Forming` until the first invitee accepts (then `Active`); each invitee that accepts
//!   joins it at once. When every invitation is answered or its deadline passed, the
//!   creation task ends: succeeded if one invitee or more accepted; otherwise failed, and the
//!   alliance is removed (compensation: nothing half-made remains).
//! - `request_join(alliance, org, deadline)`: joining needs the approval of **every** current
//!   member, whatever their number (with two members, both; with one, that one). Any member's
//!   `reject_join` ends the request; a member that never answers lets the request **expire**
//!   at its deadline (the request fails, the organization may ask again). A member that
//!   leaves the alliance meanwhile no longer counts; one that joins meanwhile must approve
//!   too. An invited organization accepts its invitation instead of asking.
//! - `exit_alliance`: any member but the leader while others remain; the leader, once alone,
//!   may exit, which removes the alliance. The leaver leaves the alliance's business chains
//!   at once; a task waits for its driver to confirm its nodes stopped.
//! - `delete_alliance(alliance, notice)`: the leader only. The alliance is `Deleting` for
//!   `notice` blocks (at least [`DELETION_NOTICE_MIN`]) so members can export their data;
//!   then it and its business chains are removed, and a task waits for every organization
//!   that ran their nodes to confirm they stopped.
//!
//! Deadlines are block numbers relative to now, [`DEADLINE_MIN`] to [`DEADLINE_MAX`] blocks:
//! nothing waits forever. They are processed in `on_initialize` of the block they fall in.
//!
//! ## Business chains
//! `create_business_chain(alliance, org, name, mode, orgs, blockchains)`: by an admin of a
//! member organization, which must be among `orgs` (all members of the alliance). Each
//! blockchain names its platform, its organizations (among the chain's), the registered
//! nodes that run it (each owned by one of the blockchain's organizations), a node spec, a
//! chain spec (e.g. its consensus) and bounded extra information. The mode is checked
//! against the node registry:
//! - `MultiSubchain`: blockchains may share nodes;
//! - `SingleChainIsolation`: no node serves two of the chain's blockchains;
//! - `Private`: every node is in one resource space (one organization's).
//!
//! Nodes a business chain uses cannot be deregistered (`Organizations.remove_node` fails
//! with `NodeInUse`); an organization that exits the consortium leaves every alliance and
//! chain, taking its nodes with it, so the rules keep holding. The chain is `Creating` until
//! every organization with nodes in it reported its nodes started (`report_task`), then
//! `Active`. A failure report or the task deadline ([`TASK_TIMEOUT`] blocks) fails it: the
//! chain becomes `Failed`, and drivers stop what they started for it (they run nodes only
//! for `Creating` and `Active` chains).
//!
//! ## Tasks
//! Every long operation is a [`Task`]: its kind, its parts (one per organization that must
//! act: invitees, approvers, or drivers), `Running` then `Succeeded` or `Failed` with the
//! reason; progress is the number of parts answered out of all. Exit and delete are not
//! undone by a failed task (their rights are gone at once); the failure records which
//! organization's driver did not confirm.
//!
//! ## Platform types
//! `register_platform(name, interfaces)` (root) records a platform type and the standard
//! interfaces it offers (network, chain, contract, operations queries), so that drivers of
//! heterogeneous platforms plug in by type. Platform 1, `accord`, is registered at genesis
//! with all four.

mod dispatch;
mod invariants;
mod registry;
mod tasks;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_organizations::{Name, NodeKey, OrgCode};
use accord_primitives::BlockNumber;
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, BoundedVec, Ext, Hooks, OptionQuery, PalletError, PalletMeta, StorageDoubleMap, StorageMap, StorageValue,
    Twox64Concat, ValueQuery, Weight,
};

pub use dispatch::dispatch;
pub use registry::{AllianceHooks, RegistryHooks};

/// The pallet's name in the runtime.
pub const NAME: &str = "Alliances";

/// The most organizations of one alliance (the leader included).
pub const ALLIANCE_MEMBERS_MAX: u32 = 32;
/// The most alliances a chain may create (removed ones included).
pub const ALLIANCES_MAX: u32 = 1_000;
/// The most alliances one organization belongs to.
pub const ORG_ALLIANCES_MAX: u32 = 16;
/// The most business chains of one alliance.
pub const CHAINS_MAX: u32 = 8;
/// The most blockchains of one business chain.
pub const BLOCKCHAINS_MAX: u32 = 4;
/// The most nodes of one blockchain.
pub const CHAIN_NODES_MAX: u32 = 16;
/// The longest extra information of a blockchain, in bytes.
pub const EXTRA_LEN_MAX: u32 = 1024;
/// The longest node spec or chain spec of a blockchain, in bytes.
pub const SPEC_LEN_MAX: u32 = 256;
/// The most open invitations one organization may have (bounds the work of its exit).
pub const ORG_INVITATIONS_MAX: u32 = 16;
/// The most open join requests of one alliance.
pub const JOIN_REQUESTS_MAX: u32 = 8;
/// The most platform types.
pub const PLATFORMS_MAX: u32 = 64;
/// The shortest deadline or notice, in blocks.
pub const DEADLINE_MIN: BlockNumber = 10;
/// The longest deadline or notice, in blocks (ten days of one-second blocks).
pub const DEADLINE_MAX: BlockNumber = 864_000;
/// The shortest notice before a deletion takes effect, in blocks.
pub const DELETION_NOTICE_MIN: BlockNumber = DEADLINE_MIN;
/// How long drivers have to report a task's part, in blocks.
pub const TASK_TIMEOUT: BlockNumber = 600;
/// The most deadlines falling in one block (a new one goes to the next block with room).
pub const DEADLINES_PER_BLOCK_MAX: u32 = 64;

/// An alliance's id, assigned from 1.
pub type AllianceId = u32;
/// A business chain's id, assigned from 1.
pub type ChainId = u32;
/// A task's id, assigned from 1.
pub type TaskId = u32;
/// A platform type's id, assigned from 1.
pub type PlatformId = u32;
/// A list of organizations.
pub type OrgList = BoundedVec<OrgCode, ALLIANCE_MEMBERS_MAX>;

/// A standard interface a platform offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Interface {
    /// Network management (nodes, peers).
    Network,
    /// Chain management (create, stop, status).
    Chain,
    /// Contract or business-logic management.
    Contract,
    /// Operations queries (metrics, logs).
    Operations,
}

/// A platform type.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Platform {
    /// Its name (unique).
    pub name: Name,
    /// The standard interfaces it offers, each once.
    pub interfaces: BoundedVec<Interface, 4>,
}

/// Where an alliance stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum AllianceStatus {
    /// Created, no invitee accepted yet.
    Forming,
    /// At least two members.
    Active,
    /// The leader deleted it; it goes at `effective_at`.
    Deleting {
        /// The block whose start removes it.
        effective_at: BlockNumber,
    },
}

/// An alliance.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Alliance {
    /// Its name.
    pub name: Name,
    /// The organization that created and leads it.
    pub leader: OrgCode,
    /// Its platform type.
    pub platform: PlatformId,
    /// Its members, the leader first, then in order of joining.
    pub members: OrgList,
    /// Where it stands.
    pub status: AllianceStatus,
    /// Its business chains.
    pub chains: BoundedVec<ChainId, CHAINS_MAX>,
    /// The task of its creation.
    pub task: TaskId,
}

/// An open request to join an alliance.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct JoinRequest {
    /// The task that collects the approvals.
    pub task: TaskId,
    /// When it expires.
    pub deadline: BlockNumber,
}

/// How a business chain's blockchains may share nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ChainMode {
    /// Blockchains may share nodes.
    MultiSubchain,
    /// No node serves two of its blockchains.
    SingleChainIsolation,
    /// Every node in one resource space.
    Private,
}

/// One blockchain of a business chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Blockchain {
    /// Its id on its platform (unique within the business chain).
    pub external_id: Name,
    /// Its name.
    pub name: Name,
    /// Its platform type.
    pub platform: PlatformId,
    /// Its organizations (among the business chain's).
    pub orgs: OrgList,
    /// The registered nodes that run it, each owned by one of `orgs`.
    pub nodes: BoundedVec<NodeKey, CHAIN_NODES_MAX>,
    /// The infrastructure each node needs (opaque to the chain, e.g. `cpu=2;memGiB=4`).
    pub node_spec: BoundedVec<u8, SPEC_LEN_MAX>,
    /// Its chain spec (opaque to the chain, e.g. `consensus=bft;blockTimeMs=1000`).
    pub chain_spec: BoundedVec<u8, SPEC_LEN_MAX>,
    /// Extra information (JSON by convention).
    pub extra: BoundedVec<u8, EXTRA_LEN_MAX>,
}

/// Where a business chain stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ChainStatus {
    /// Its creation task runs: drivers start its nodes.
    Creating,
    /// Every driver reported its nodes started.
    Active,
    /// Its creation failed: drivers stop what they started.
    Failed,
}

/// A business chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct BusinessChain {
    /// Its alliance.
    pub alliance: AllianceId,
    /// The organization that created it.
    pub creator: OrgCode,
    /// Its name.
    pub name: Name,
    /// Its mode.
    pub mode: ChainMode,
    /// Its organizations.
    pub orgs: OrgList,
    /// Its blockchains.
    pub blockchains: BoundedVec<Blockchain, BLOCKCHAINS_MAX>,
    /// Where it stands.
    pub status: ChainStatus,
    /// Its creation task.
    pub task: TaskId,
}

/// What a task does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum TaskKind {
    /// Collecting the invitees' answers.
    CreateAlliance,
    /// Collecting every member's approval for `org`.
    JoinAlliance {
        /// The organization that asked.
        org: OrgCode,
    },
    /// Waiting for `org`'s driver to stop its nodes of the alliance's chains.
    ExitAlliance {
        /// The organization that left.
        org: OrgCode,
    },
    /// Waiting for the drivers to stop the deleted alliance's nodes.
    DeleteAlliance,
    /// Waiting for the drivers to start a business chain's nodes.
    CreateChain {
        /// The chain.
        chain: ChainId,
    },
}

/// One organization's part of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum PartStatus {
    /// Not answered yet.
    Waiting,
    /// Accepted, approved or done.
    Done,
    /// Declined an invitation (does not fail the creation by itself).
    Declined,
    /// Rejected, failed, or let its deadline pass.
    Failed,
}

/// Why a task failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum TaskFailure {
    /// No invitee accepted: the alliance was removed.
    NoInvitationAccepted,
    /// A member rejected the join request.
    Rejected {
        /// The member.
        by: OrgCode,
    },
    /// An organization's driver reported a failure.
    Reported {
        /// The organization.
        org: OrgCode,
    },
    /// The deadline passed with parts unanswered.
    Expired,
    /// The alliance it belonged to went away first.
    Cancelled,
}

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum TaskStatus {
    /// Parts are outstanding.
    Running,
    /// Every part answered as needed.
    Succeeded,
    /// It failed.
    Failed(TaskFailure),
}

/// A long operation.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Task {
    /// What it does.
    pub kind: TaskKind,
    /// Its alliance.
    pub alliance: AllianceId,
    /// Where it stands.
    pub status: TaskStatus,
    /// The organizations that must act, and how far each got.
    pub parts: BoundedVec<(OrgCode, PartStatus), ALLIANCE_MEMBERS_MAX>,
    /// When it fails if parts are still waiting.
    pub deadline: BlockNumber,
    /// The block that started it.
    pub started_at: BlockNumber,
}

impl Task {
    /// How many parts answered, out of all.
    pub fn progress(&self) -> (u32, u32) {
        let answered = self.parts.iter().filter(|(_, p)| *p != PartStatus::Waiting).count() as u32;
        (answered, self.parts.len() as u32)
    }
}

/// Something that falls due at a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Due {
    /// A task's deadline (invitations, join approvals, driver reports).
    Task(TaskId),
    /// An alliance's deletion.
    Deletion(AllianceId),
}

/// `Alliances.Platforms`.
pub const PLATFORMS: StorageMap<PlatformId, Platform, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Platforms", &[" The platform types by id."]);
/// `Alliances.LastPlatform`.
pub const LAST_PLATFORM: StorageValue<PlatformId, ValueQuery> =
    StorageValue::new(NAME, "LastPlatform", &[" The latest platform id (0: none)."]);
/// `Alliances.Alliances`.
pub const ALLIANCES: StorageMap<AllianceId, Alliance, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Alliances", &[" The alliances by id."]);
/// `Alliances.LastAlliance`.
pub const LAST_ALLIANCE: StorageValue<AllianceId, ValueQuery> =
    StorageValue::new(NAME, "LastAlliance", &[" The latest alliance id (0: none)."]);
/// `Alliances.OrgAlliances`: (org, alliance) -> (): the alliances each organization is in.
pub const ORG_ALLIANCES: StorageDoubleMap<OrgCode, Twox64Concat, AllianceId, Twox64Concat, (), OptionQuery> =
    StorageDoubleMap::new(NAME, "OrgAlliances", &[" The alliances each organization is a member of."]);
/// `Alliances.Invitations`: (alliance, invitee) -> the creation task.
pub const INVITATIONS: StorageDoubleMap<AllianceId, Twox64Concat, OrgCode, Twox64Concat, TaskId, OptionQuery> =
    StorageDoubleMap::new(NAME, "Invitations", &[" Open invitations: (alliance, invitee) -> the creation task."]);
/// `Alliances.InvitationCount`: how many open invitations each organization has.
pub const INVITATION_COUNT: StorageMap<OrgCode, u32, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "InvitationCount", &[" How many open invitations each invited organization has."]);
/// `Alliances.JoinRequests`: (alliance, org) -> request.
pub const JOIN_REQUESTS: StorageDoubleMap<AllianceId, Twox64Concat, OrgCode, Twox64Concat, JoinRequest, OptionQuery> =
    StorageDoubleMap::new(NAME, "JoinRequests", &[" Open requests to join: (alliance, organization) -> request."]);
/// `Alliances.Chains`.
pub const CHAINS: StorageMap<ChainId, BusinessChain, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Chains", &[" The business chains by id (failed ones included)."]);
/// `Alliances.LastChain`.
pub const LAST_CHAIN: StorageValue<ChainId, ValueQuery> =
    StorageValue::new(NAME, "LastChain", &[" The latest business chain id (0: none)."]);
/// `Alliances.NodeChains`: (node, chain) -> (): the live chains each node serves.
pub const NODE_CHAINS: StorageDoubleMap<
    NodeKey,
    accord_support::Blake2_128Concat,
    ChainId,
    Twox64Concat,
    (),
    OptionQuery,
> = StorageDoubleMap::new(NAME, "NodeChains", &[" The creating or active business chains each node serves."]);
/// `Alliances.Tasks`.
pub const TASKS: StorageMap<TaskId, Task, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Tasks", &[" The tasks by id, finished ones included."]);
/// `Alliances.LastTask`.
pub const LAST_TASK: StorageValue<TaskId, ValueQuery> =
    StorageValue::new(NAME, "LastTask", &[" The latest task id (0: none)."]);
/// `Alliances.DueAt`: block -> what falls due at its start.
pub const DUE_AT: StorageMap<BlockNumber, BoundedVec<Due, DEADLINES_PER_BLOCK_MAX>, Twox64Concat, ValueQuery> =
    StorageMap::new(NAME, "DueAt", &[" What falls due at the start of each block."]);

/// The calls of the alliances pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Registers a platform type.
    ///
    /// - Origin: root.
    /// - Events: `PlatformRegistered`.
    /// - Errors: `EmptyName`, `PlatformExists` (same name), `DuplicateInterface`,
    ///   `TooManyPlatforms`.
    /// - Cost: [`weights::register_platform`].
    #[codec(index = 0)]
    register_platform {
        /// Its name.
        name: Name,
        /// The standard interfaces it offers.
        interfaces: BoundedVec<Interface, 4>,
    },
    /// Creates an alliance led by `org` and invites `invitees`.
    ///
    /// - Origin: an admin of `org` (active).
    /// - Events: `AllianceCreated`, `Invited` per invitee, `TaskStarted`.
    /// - Errors: `NotAdmin`, `EmptyName`, `UnknownPlatform`, `NoInvitees`, `BadInvitee`
    ///   (unknown, inactive, `org` itself, or twice), `TooManyInvitations`, `BadDeadline`,
    ///   `TooManyAlliances`, `AllianceLimitReached`, `DeadlinesFull`.
    /// - Cost: [`weights::create_alliance`], linear in the invitees.
    #[codec(index = 1)]
    create_alliance {
        /// The leading organization.
        org: OrgCode,
        /// Its name.
        name: Name,
        /// Its platform type.
        platform: PlatformId,
        /// The organizations invited.
        invitees: BoundedVec<OrgCode, 31>,
        /// Blocks from now until unanswered invitations expire.
        deadline: BlockNumber,
    },
    /// Accepts an invitation: `org` joins the alliance now.
    ///
    /// - Origin: an admin of `org`.
    /// - Events: `InvitationAccepted`, `MemberJoined`, and `TaskSucceeded` when it was the
    ///   last answer.
    /// - Errors: `NotAdmin`, `NoInvitation`, `AllianceNotActive` (being deleted),
    ///   `AllianceFull`, `TooManyAlliances`.
    /// - Cost: [`weights::answer`].
    #[codec(index = 2)]
    accept_invitation {
        /// The alliance.
        alliance: AllianceId,
        /// The invited organization.
        org: OrgCode,
    },
    /// Declines an invitation.
    ///
    /// - Origin: an admin of `org`.
    /// - Events: `InvitationRejected`; `TaskFailed` and `AllianceRemoved` if no invitee
    ///   accepted and none is left to answer (or `TaskSucceeded` if one did).
    /// - Errors: `NotAdmin`, `NoInvitation`.
    /// - Cost: [`weights::answer`].
    #[codec(index = 3)]
    reject_invitation {
        /// The alliance.
        alliance: AllianceId,
        /// The invited organization.
        org: OrgCode,
    },
    /// Asks to join an active alliance; every current member must approve.
    ///
    /// - Origin: an admin of `org`.
    /// - Events: `JoinRequested`, `TaskStarted`.
    /// - Errors: `NotAdmin`, `UnknownAlliance`, `AllianceNotActive`, `AlreadyMember`,
    ///   `RequestExists`, `AlreadyInvited`, `TooManyRequests`, `AllianceFull`,
    ///   `TooManyAlliances`, `BadDeadline`, `DeadlinesFull`.
    /// - Cost: [`weights::request_join`].
    #[codec(index = 4)]
    request_join {
        /// The alliance.
        alliance: AllianceId,
        /// The organization asking.
        org: OrgCode,
        /// Blocks from now until the request expires.
        deadline: BlockNumber,
    },
    /// A member approves a join request; the last approval admits the organization.
    ///
    /// - Origin: an admin of `member`.
    /// - Events: `JoinApproved`; `MemberJoined` and `TaskSucceeded` on the last approval.
    /// - Errors: `NotAdmin`, `NoRequest`, `NotMember`, `AlreadyAnswered`,
    ///   `AllianceNotActive` (being deleted), `AllianceFull`, `TooManyAlliances`.
    /// - Cost: [`weights::answer`].
    #[codec(index = 5)]
    approve_join {
        /// The alliance.
        alliance: AllianceId,
        /// The organization asking.
        joiner: OrgCode,
        /// The approving member.
        member: OrgCode,
    },
    /// A member rejects a join request, which ends it.
    ///
    /// - Origin: an admin of `member`.
    /// - Events: `JoinRejected`, `TaskFailed`.
    /// - Errors: `NotAdmin`, `NoRequest`, `NotMember`, `AlreadyAnswered`.
    /// - Cost: [`weights::answer`].
    #[codec(index = 6)]
    reject_join {
        /// The alliance.
        alliance: AllianceId,
        /// The organization asking.
        joiner: OrgCode,
        /// The rejecting member.
        member: OrgCode,
    },
    /// Leaves an alliance (and its business chains).
    ///
    /// - Origin: an admin of `org`.
    /// - Events: `MemberExited` (and `AllianceRemoved` if the leader was alone);
    ///   `TaskStarted` if its driver must stop nodes.
    /// - Errors: `NotAdmin`, `UnknownAlliance`, `NotMember`, `LeaderCannotExit`,
    ///   `DeadlinesFull`.
    /// - Cost: [`weights::exit_alliance`].
    #[codec(index = 7)]
    exit_alliance {
        /// The alliance.
        alliance: AllianceId,
        /// The leaving organization.
        org: OrgCode,
    },
    /// Deletes an alliance after a notice period.
    ///
    /// - Origin: an admin of the leader.
    /// - Events: `DeletionScheduled`; at the end of the notice, `AllianceRemoved` (and
    ///   `TaskStarted` if drivers must stop nodes).
    /// - Errors: `NotAdmin`, `UnknownAlliance`, `NotLeader`, `AlreadyDeleting`, `BadDeadline`,
    ///   `DeadlinesFull`.
    /// - Cost: [`weights::delete_alliance`].
    #[codec(index = 8)]
    delete_alliance {
        /// The alliance.
        alliance: AllianceId,
        /// Blocks until it takes effect (at least [`DELETION_NOTICE_MIN`]).
        notice: BlockNumber,
    },
    /// Creates a business chain; its nodes' drivers start them and report.
    ///
    /// - Origin: an admin of `org`, a member of the alliance and one of `orgs`.
    /// - Events: `ChainCreationStarted`, `TaskStarted` (or `ChainActivated` at once if no
    ///   blockchain has nodes).
    /// - Errors: `NotAdmin`, `UnknownAlliance`, `AllianceNotActive`, `NotMember`, `EmptyName`,
    ///   `BadChainOrgs`, `NoBlockchains`, `DuplicateBlockchain`, `UnknownPlatform`,
    ///   `BadBlockchainOrgs`, `UnknownNode`, `NodeNotOfChainOrgs`, `DuplicateNode`,
    ///   `ModeViolated`, `TooManyChains`, `DeadlinesFull`.
    /// - Cost: [`weights::create_business_chain`], linear in blockchains and nodes.
    #[codec(index = 9)]
    create_business_chain {
        /// The alliance.
        alliance: AllianceId,
        /// The creating organization.
        org: OrgCode,
        /// Its name.
        name: Name,
        /// Its mode.
        mode: ChainMode,
        /// Its organizations.
        orgs: OrgList,
        /// Its blockchains.
        blockchains: BoundedVec<Blockchain, BLOCKCHAINS_MAX>,
    },
    /// A driver reports its organization's part of a task.
    ///
    /// - Origin: any account of `org` (the driver's).
    /// - Events: `TaskProgress`; `TaskSucceeded` / `TaskFailed` when it decides the task
    ///   (`ChainActivated` / `ChainFailed` for a chain's creation).
    /// - Errors: `NotOrgAccount`, `UnknownTask`, `TaskNotRunning`, `NotAPart`,
    ///   `AlreadyAnswered`, `NotADriverTask` (invitations and approvals have their own calls).
    /// - Cost: [`weights::report_task`].
    #[codec(index = 10)]
    report_task {
        /// The task.
        task: TaskId,
        /// The reporting organization.
        org: OrgCode,
        /// Whether its part succeeded.
        success: bool,
    },
}

/// The events of the alliances pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A platform type was registered.
    #[codec(index = 0)]
    PlatformRegistered {
        /// Its id.
        platform: PlatformId,
    },
    /// An alliance was created.
    #[codec(index = 1)]
    AllianceCreated {
        /// Its id.
        alliance: AllianceId,
        /// Its leader.
        leader: OrgCode,
    },
    /// An organization was invited.
    #[codec(index = 2)]
    Invited {
        /// The alliance.
        alliance: AllianceId,
        /// The invitee.
        org: OrgCode,
        /// When the invitation expires.
        deadline: BlockNumber,
    },
    /// An invitation was accepted.
    #[codec(index = 3)]
    InvitationAccepted {
        /// The alliance.
        alliance: AllianceId,
        /// The invitee.
        org: OrgCode,
    },
    /// An invitation was declined.
    #[codec(index = 4)]
    InvitationRejected {
        /// The alliance.
        alliance: AllianceId,
        /// The invitee.
        org: OrgCode,
    },
    /// An invitation expired unanswered.
    #[codec(index = 5)]
    InvitationExpired {
        /// The alliance.
        alliance: AllianceId,
        /// The invitee.
        org: OrgCode,
    },
    /// An organization joined.
    #[codec(index = 6)]
    MemberJoined {
        /// The alliance.
        alliance: AllianceId,
        /// The organization.
        org: OrgCode,
    },
    /// An organization asked to join.
    #[codec(index = 7)]
    JoinRequested {
        /// The alliance.
        alliance: AllianceId,
        /// The organization.
        org: OrgCode,
        /// When the request expires.
        deadline: BlockNumber,
    },
    /// A member approved a join request.
    #[codec(index = 8)]
    JoinApproved {
        /// The alliance.
        alliance: AllianceId,
        /// The organization asking.
        joiner: OrgCode,
        /// The member.
        by: OrgCode,
    },
    /// A member rejected a join request.
    #[codec(index = 9)]
    JoinRejected {
        /// The alliance.
        alliance: AllianceId,
        /// The organization asking.
        joiner: OrgCode,
        /// The member.
        by: OrgCode,
    },
    /// A join request expired without every approval.
    #[codec(index = 10)]
    JoinExpired {
        /// The alliance.
        alliance: AllianceId,
        /// The organization asking.
        joiner: OrgCode,
    },
    /// An organization left.
    #[codec(index = 11)]
    MemberExited {
        /// The alliance.
        alliance: AllianceId,
        /// The organization.
        org: OrgCode,
    },
    /// The leader deleted the alliance; it goes at `effective_at`.
    #[codec(index = 12)]
    DeletionScheduled {
        /// The alliance.
        alliance: AllianceId,
        /// The block whose start removes it.
        effective_at: BlockNumber,
    },
    /// An alliance and its business chains were removed.
    #[codec(index = 13)]
    AllianceRemoved {
        /// The alliance.
        alliance: AllianceId,
    },
    /// A business chain's creation started.
    #[codec(index = 14)]
    ChainCreationStarted {
        /// The chain.
        chain: ChainId,
        /// Its alliance.
        alliance: AllianceId,
    },
    /// A business chain is active.
    #[codec(index = 15)]
    ChainActivated {
        /// The chain.
        chain: ChainId,
    },
    /// A business chain's creation failed.
    #[codec(index = 16)]
    ChainFailed {
        /// The chain.
        chain: ChainId,
    },
    /// A task started.
    #[codec(index = 17)]
    TaskStarted {
        /// The task.
        task: TaskId,
        /// What it does.
        kind: TaskKind,
        /// When it fails if parts still wait.
        deadline: BlockNumber,
    },
    /// An organization's part of a task was answered.
    #[codec(index = 18)]
    TaskProgress {
        /// The task.
        task: TaskId,
        /// The organization.
        org: OrgCode,
        /// Its answer.
        part: PartStatus,
        /// Parts answered.
        answered: u32,
        /// Parts in all.
        total: u32,
    },
    /// A task succeeded.
    #[codec(index = 19)]
    TaskSucceeded {
        /// The task.
        task: TaskId,
    },
    /// A task failed.
    #[codec(index = 20)]
    TaskFailed {
        /// The task.
        task: TaskId,
        /// Why.
        reason: TaskFailure,
    },
    /// The leader left the consortium; another member leads now.
    #[codec(index = 21)]
    LeaderChanged {
        /// The alliance.
        alliance: AllianceId,
        /// The new leader.
        leader: OrgCode,
    },
}

/// The errors of the alliances pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The sender is not an admin of that active organization.
    NotAdmin,
    /// The sender is not an account of that active organization.
    NotOrgAccount,
    /// A name or id is empty.
    EmptyName,
    /// A platform type has this name.
    PlatformExists,
    /// An interface is listed twice.
    DuplicateInterface,
    /// [`PLATFORMS_MAX`] platform types exist.
    TooManyPlatforms,
    /// No platform type has this id.
    UnknownPlatform,
    /// An alliance needs at least one invitee.
    NoInvitees,
    /// An invitee is unknown, not active, the creator itself, or listed twice.
    BadInvitee,
    /// A deadline or notice is outside [`DEADLINE_MIN`]..=[`DEADLINE_MAX`] blocks.
    BadDeadline,
    /// Too many deadlines fall in the blocks around this one: choose another.
    DeadlinesFull,
    /// No alliance has this id.
    UnknownAlliance,
    /// The alliance is forming or being deleted.
    AllianceNotActive,
    /// The organization has no open invitation to this alliance.
    NoInvitation,
    /// The organization is already a member.
    AlreadyMember,
    /// The organization is not a member.
    NotMember,
    /// The alliance has [`ALLIANCE_MEMBERS_MAX`] members.
    AllianceFull,
    /// The organization is in [`ORG_ALLIANCES_MAX`] alliances.
    TooManyAlliances,
    /// The organization already asked to join.
    RequestExists,
    /// The alliance has [`JOIN_REQUESTS_MAX`] open requests.
    TooManyRequests,
    /// No open request from this organization.
    NoRequest,
    /// This part was answered already.
    AlreadyAnswered,
    /// The leader may leave only when it is the last member.
    LeaderCannotExit,
    /// Only the leader may delete the alliance.
    NotLeader,
    /// The alliance is already being deleted.
    AlreadyDeleting,
    /// A chain's organizations must be distinct members of the alliance, the creator among them.
    BadChainOrgs,
    /// A business chain needs at least one blockchain.
    NoBlockchains,
    /// Two blockchains have the same external id.
    DuplicateBlockchain,
    /// A blockchain's organizations must be distinct organizations of the chain (at least one).
    BadBlockchainOrgs,
    /// A node is not registered.
    UnknownNode,
    /// A node is not owned by one of its blockchain's organizations.
    NodeNotOfChainOrgs,
    /// A node is listed twice in one blockchain.
    DuplicateNode,
    /// The nodes break the chain's mode (shared under isolation, several spaces when private).
    ModeViolated,
    /// The alliance has [`CHAINS_MAX`] business chains.
    TooManyChains,
    /// No task has this id.
    UnknownTask,
    /// The task has ended.
    TaskNotRunning,
    /// The organization has no part in this task.
    NotAPart,
    /// Invitations and approvals are answered with their own calls.
    NotADriverTask,
    /// The chain has created [`ALLIANCES_MAX`] alliances.
    AllianceLimitReached,
    /// The organization has an open invitation to this alliance: it accepts that instead.
    AlreadyInvited,
    /// An invitee has [`ORG_INVITATIONS_MAX`] open invitations.
    TooManyInvitations,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> Weight {
        match self {
            Call::register_platform { .. } => weights::register_platform(),
            Call::create_alliance { invitees, .. } => weights::create_alliance(invitees.len() as u32),
            Call::accept_invitation { .. }
            | Call::reject_invitation { .. }
            | Call::approve_join { .. }
            | Call::reject_join { .. } => weights::answer(),
            Call::request_join { .. } => weights::request_join(),
            Call::exit_alliance { .. } => weights::exit_alliance(),
            Call::delete_alliance { .. } => weights::delete_alliance(),
            Call::create_business_chain { blockchains, .. } => {
                let nodes = blockchains.iter().map(|b| b.nodes.len() as u32).sum();
                weights::create_business_chain(blockchains.len() as u32, nodes)
            }
            Call::report_task { .. } => weights::report_task(),
        }
    }
}

/// Genesis: platform 1, `accord`, with every standard interface.
pub fn build_genesis(ext: &mut Ext<'_>) {
    let platform = Platform {
        name: Name::from_array(*b"accord"),
        interfaces: BoundedVec::from_array([
            Interface::Network,
            Interface::Chain,
            Interface::Contract,
            Interface::Operations,
        ]),
    };
    PLATFORMS.insert(ext, &1, &platform);
    LAST_PLATFORM.put(ext, &1);
}

/// The alliances pallet's hooks: deadlines and deletions fall due in `on_initialize`.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn on_initialize(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
        tasks::on_initialize(ext, n)
    }

    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        invariants::check(ext)
    }
}

/// The metadata of the alliances pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            PLATFORMS.metadata(),
            LAST_PLATFORM.metadata(),
            ALLIANCES.metadata(),
            LAST_ALLIANCE.metadata(),
            ORG_ALLIANCES.metadata(),
            INVITATIONS.metadata(),
            INVITATION_COUNT.metadata(),
            JOIN_REQUESTS.metadata(),
            CHAINS.metadata(),
            LAST_CHAIN.metadata(),
            NODE_CHAINS.metadata(),
            TASKS.metadata(),
            LAST_TASK.metadata(),
            DUE_AT.metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("AllianceMembersMax", &ALLIANCE_MEMBERS_MAX, &[" The most organizations of one alliance."]),
            constant("AlliancesMax", &ALLIANCES_MAX, &[" The most alliances a chain may create."]),
            constant("OrgAlliancesMax", &ORG_ALLIANCES_MAX, &[" The most alliances of one organization."]),
            constant("ChainsMax", &CHAINS_MAX, &[" The most business chains of one alliance."]),
            constant("BlockchainsMax", &BLOCKCHAINS_MAX, &[" The most blockchains of one business chain."]),
            constant("ChainNodesMax", &CHAIN_NODES_MAX, &[" The most nodes of one blockchain."]),
            constant("JoinRequestsMax", &JOIN_REQUESTS_MAX, &[" The most open join requests of one alliance."]),
            constant("DeadlineMin", &DEADLINE_MIN, &[" The shortest deadline or notice, in blocks."]),
            constant("DeadlineMax", &DEADLINE_MAX, &[" The longest deadline or notice, in blocks."]),
            constant("TaskTimeout", &TASK_TIMEOUT, &[" Blocks drivers have to report their part of a task."]),
        ],
    }
}
