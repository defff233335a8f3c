//! # Organizations pallet
//!
//! The consortium's member organizations: who they are, which accounts act for them, which
//! resource space they hold and which nodes they run. The chain is **gated** by it: only an
//! account of an active organization may send a signed transaction (see [`may_transact`];
//! the runtime's executive checks it when a transaction is validated and again when a block
//! applies it), unless the chain was opened ([`OPEN`]).
//!
//! ## Model
//! - **Organization** ([`Organization`]), keyed by a code the chain assigns (1, 2, 3, ...;
//!   never reused): name, category (on-cloud or off-cloud), its resource space if bound,
//!   status (active, suspended, exited), admins, counts, and credential **commitments**
//!   only (hashes of an access key or token, a TLS certificate's fingerprint and expiry):
//!   no secret is ever stored.
//! - **Accounts**: each account belongs to at most one organization, as a member or an
//!   admin (admins are members with management rights). An organization has 1 to
//!   [`ADMINS_MAX`] admins and at most [`MEMBERS_MAX`] accounts in all.
//! - **Resource space** ([`ResourceSpace`]): an on-cloud organization's tenant space
//!   (tenant id and project id, names optional), an off-cloud organization's physical
//!   resource set (up to [`SPACE_ENDPOINTS_MAX`] `host:port` endpoints). A tenant space,
//!   and each endpoint of a physical set, is held by at most one organization
//!   ([`SPACE_HOLDERS`]); another may bind it only after its holder (or root) released it.
//! - **Nodes** ([`NodeInfo`]): an ed25519 public key (the node's p2p and consensus key), the
//!   owning organization, its address, role (validator or observer) and storage medium
//!   grade (HDD, SSD, NVM). Registering a node proves control of its key (see
//!   [`node_proof_payload`]); an off-cloud organization's nodes must sit at endpoints of its
//!   physical set; no two nodes share an address. At most [`ORG_NODES_MAX`] per organization.
//!
//! ## Statuses and what they revoke
//! - `Active`: its accounts transact, its admins manage it.
//! - `Suspended` (root): its accounts can send no transaction, pooled ones included (the
//!   pool drops them at its next check); its admins cannot manage it; its records stay, and
//!   its nodes keep their registration and any validator seat. `resume_org` (root) undoes it.
//! - `Exited` (an admin of the organization, or root): final. Every right hangs off the
//!   organization and goes at once: every account leaves (free to join another
//!   organization), its space is released, its nodes are deregistered and their keys leave
//!   the next epoch's validator set (`Validators.Validators`). The record stays, with its
//!   code, so history keeps its meaning.
//!
//! ## Origins
//! "Admin" below means a signed origin that is an admin of the organization named by the
//! call, which must be active; **root** may do everything an admin may (recovery, and
//! governance later). Root alone registers, suspends and resumes organizations and opens or
//! closes the chain.
//!
//! ## Bounds
//! Names and ids: [`NAME_LEN_MAX`] bytes; hosts: [`HOST_LEN_MAX`] bytes (lowercase letters,
//! digits, `.`, `-`, `:`, `[`, `]`); [`ADMINS_MAX`] admins, [`MEMBERS_MAX`] accounts,
//! [`SPACE_ENDPOINTS_MAX`] endpoints and [`ORG_NODES_MAX`] nodes per organization;
//! [`ORGS_MAX`] organizations on a chain.

mod dispatch;
mod genesis;
mod invariants;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_primitives::hashing::blake2_256;
use accord_primitives::{AccountId32, BlockNumber, H256};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, Blake2_128Concat, BoundedVec, Ext, Hooks, Identity, OptionQuery, PalletError, PalletMeta,
    StorageDoubleMap, StorageMap, StorageValue, Twox64Concat, ValueQuery, Weight,
};

pub use dispatch::{dispatch, dispatch_with};
pub use genesis::{build_genesis, GenesisNode, GenesisOrg};

/// The pallet's name in the runtime.
pub const NAME: &str = "Organizations";

/// The longest name or id, in bytes.
pub const NAME_LEN_MAX: u32 = 64;
/// The longest host name, in bytes (DNS's limit).
pub const HOST_LEN_MAX: u32 = 253;
/// The most admins of one organization.
pub const ADMINS_MAX: u32 = 16;
/// The most accounts (admins included) of one organization.
pub const MEMBERS_MAX: u32 = 1_000;
/// The most endpoints of a physical resource set.
pub const SPACE_ENDPOINTS_MAX: u32 = 64;
/// The most nodes of one organization.
pub const ORG_NODES_MAX: u32 = 64;
/// The most organizations a chain may register (exited ones included).
pub const ORGS_MAX: u32 = 10_000;
/// The most organizations active at once (each votes in governance: the electorate's bound).
pub const ACTIVE_ORGS_MAX: u32 = 64;

/// An organization's code: assigned by the chain, from 1, never reused.
pub type OrgCode = u32;
/// A name or id: UTF-8 by convention, at most [`NAME_LEN_MAX`] bytes.
pub type Name = BoundedVec<u8, NAME_LEN_MAX>;
/// A node's ed25519 public key.
pub type NodeKey = [u8; 32];
/// An organization's admins.
pub type AdminList = BoundedVec<AccountId32, ADMINS_MAX>;

/// Where an organization's network is deployed; fixes the kind of resource space it binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Category {
    /// In a cloud: its resource space is a tenant space.
    OnCloud,
    /// On its own machines: its resource space is a physical resource set.
    OffCloud,
}

/// An organization's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum OrgStatus {
    /// A full member.
    Active,
    /// Temporarily without rights (root); `resume_org` restores them.
    Suspended,
    /// Left the consortium for good; kept for the record.
    Exited,
}

/// A network endpoint: an IP address or host name, and a port.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Endpoint {
    /// IPv4, IPv6 (optionally in brackets) or a host name, lowercase.
    pub host: BoundedVec<u8, HOST_LEN_MAX>,
    /// The port, not 0.
    pub port: u16,
}

/// A cloud tenant space.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct TenantSpace {
    /// The tenant's id at the cloud.
    pub tenant_id: Name,
    /// The tenant's name.
    pub tenant_name: Option<Name>,
    /// The project's id within the tenant.
    pub project_id: Name,
    /// The project's name.
    pub project_name: Option<Name>,
}

/// The resources an organization deploys its nodes into.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ResourceSpace {
    /// On-cloud: a tenant space, identified by (tenant id, project id).
    Tenant(TenantSpace),
    /// Off-cloud: a physical resource set, the endpoints its nodes may use.
    Physical(BoundedVec<Endpoint, SPACE_ENDPOINTS_MAX>),
}

/// A TLS certificate, as a commitment: its fingerprint and its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct TlsCredential {
    /// SHA-256 of the certificate's DER encoding.
    pub fingerprint: H256,
    /// When it expires, in Unix milliseconds (must be after the current block's time when set).
    pub expires_at_ms: u64,
}

/// Credential commitments: hashes only, so the chain can check a presented credential
/// without ever holding it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Credentials {
    /// blake2-256 (or any agreed hash) of the on-cloud access key / secret key pair.
    pub access_key_hash: Option<H256>,
    /// Hash of an access token.
    pub token_hash: Option<H256>,
    /// The off-cloud organization's TLS certificate.
    pub tls: Option<TlsCredential>,
}

/// An organization.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Organization {
    /// Its name.
    pub name: Name,
    /// Where it deploys.
    pub category: Category,
    /// Its bound resource space, if any.
    pub space: Option<ResourceSpace>,
    /// Its status.
    pub status: OrgStatus,
    /// Its admins (each also counted in `members`).
    pub admins: AdminList,
    /// How many accounts it has, admins included.
    pub members: u32,
    /// How many nodes it has registered.
    pub nodes: u32,
    /// Its credential commitments.
    pub credentials: Credentials,
    /// The block that registered it (0: genesis).
    pub registered_at: BlockNumber,
}

/// What an account is in its organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Role {
    /// May transact.
    Member,
    /// May transact and manage the organization.
    Admin,
}

/// What a node does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum NodeRole {
    /// Takes part in consensus (once `Validators` names its key).
    Validator,
    /// Follows the chain and serves it.
    Observer,
}

/// A node's storage medium grade (metering pays by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum StorageMedium {
    /// Spinning disks.
    Hdd,
    /// Solid-state disks.
    Ssd,
    /// Non-volatile memory.
    Nvm,
}

/// A registered node.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct NodeInfo {
    /// The organization that runs it.
    pub org: OrgCode,
    /// Where it listens.
    pub address: Endpoint,
    /// What it does.
    pub role: NodeRole,
    /// Its storage medium.
    pub medium: StorageMedium,
}

/// `Organizations.Open`: whether any funded account may transact (membership not needed).
pub const OPEN: StorageValue<bool, ValueQuery> = StorageValue::new(
    NAME,
    "Open",
    &[
        " Whether the chain is open: any account may send signed transactions. When false (the default),",
        " only accounts of active organizations may.",
    ],
);

/// `Organizations.LastOrgCode`: the code of the latest organization (0: none yet).
pub const LAST_ORG_CODE: StorageValue<OrgCode, ValueQuery> =
    StorageValue::new(NAME, "LastOrgCode", &[" The code the latest organization got (0: none yet)."]);

/// `Organizations.ActiveOrgs`: how many organizations are active.
pub const ACTIVE_ORGS: StorageValue<u32, ValueQuery> = StorageValue::new(
    NAME,
    "ActiveOrgs",
    &[" How many organizations are active (at most ActiveOrgsMax, at least one once there is one)."],
);

/// `Organizations.Orgs`: the organizations by code.
pub const ORGS: StorageMap<OrgCode, Organization, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Orgs", &[" The organizations by code, exited ones included."]);

/// `Organizations.Members`: (code, account) -> role.
pub const MEMBERS: StorageDoubleMap<OrgCode, Twox64Concat, AccountId32, Blake2_128Concat, Role, OptionQuery> =
    StorageDoubleMap::new(NAME, "Members", &[" The accounts of each organization and their roles."]);

/// `Organizations.AccountOrg`: account -> the organization it belongs to.
pub const ACCOUNT_ORG: StorageMap<AccountId32, OrgCode, Blake2_128Concat, OptionQuery> =
    StorageMap::new(NAME, "AccountOrg", &[" The organization each member account belongs to (at most one)."]);

/// `Organizations.SpaceHolders`: resource-space key ([`space_keys`]) -> holding organization.
pub const SPACE_HOLDERS: StorageMap<H256, OrgCode, Identity, OptionQuery> = StorageMap::new(
    NAME,
    "SpaceHolders",
    &[
        " Who holds each tenant space and each endpoint of a physical set, by its key",
        " (blake2-256 of \"tenant:\" ++ (tenant id, project id), or of \"endpoint:\" ++ endpoint).",
    ],
);

/// `Organizations.Nodes`: node key -> node.
pub const NODES: StorageMap<NodeKey, NodeInfo, Blake2_128Concat, OptionQuery> =
    StorageMap::new(NAME, "Nodes", &[" The registered nodes by ed25519 public key."]);

/// `Organizations.OrgNodes`: (code, node key) -> (): each organization's nodes.
pub const ORG_NODES: StorageDoubleMap<OrgCode, Twox64Concat, NodeKey, Blake2_128Concat, (), OptionQuery> =
    StorageDoubleMap::new(NAME, "OrgNodes", &[" The nodes of each organization."]);

/// `Organizations.NodeAddresses`: endpoint key -> the node registered there.
pub const NODE_ADDRESSES: StorageMap<H256, NodeKey, Identity, OptionQuery> =
    StorageMap::new(NAME, "NodeAddresses", &[" The node at each endpoint (by the endpoint's key): no two share one."]);

/// The calls of the organizations pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Registers an organization; the chain assigns its code (the next after `LastOrgCode`).
    ///
    /// - Origin: root.
    /// - Events: `OrgRegistered`.
    /// - Errors: `EmptyName`, `NoAdmins`, `DuplicateAccount`, `AlreadyMember` (an admin
    ///   belongs to another organization), `TooManyOrgs`, `TooManyActiveOrgs`,
    ///   `CertificateExpired`.
    /// - Cost: [`weights::register_org`], linear in the admins.
    #[codec(index = 0)]
    register_org {
        /// Its name (not empty).
        name: Name,
        /// On-cloud or off-cloud.
        category: Category,
        /// Its first admins: accounts of no organization yet.
        admins: AdminList,
        /// Its credential commitments.
        credentials: Credentials,
    },
    /// Adds an account to an organization as a member.
    ///
    /// - Origin: admin of `org`, or root.
    /// - Events: `MemberAdded`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `AlreadyMember`, `TooManyMembers`.
    /// - Cost: [`weights::add_member`].
    #[codec(index = 1)]
    add_member {
        /// The organization.
        org: OrgCode,
        /// The account (of no organization yet).
        who: AccountId32,
    },
    /// Removes an account (member or admin) from an organization.
    ///
    /// - Origin: admin of `org`, or root.
    /// - Events: `MemberRemoved`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `NotMember`, `LastAdmin`.
    /// - Cost: [`weights::remove_member`].
    #[codec(index = 2)]
    remove_member {
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// Makes an account an admin: a member is promoted, an account of no organization joins
    /// as an admin.
    ///
    /// - Origin: admin of `org`, or root.
    /// - Events: `AdminAdded` (and `MemberAdded` if it joins).
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `AlreadyAdmin`, `AlreadyMember`
    ///   (of another organization), `TooManyAdmins`, `TooManyMembers`.
    /// - Cost: [`weights::add_admin`].
    #[codec(index = 3)]
    add_admin {
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// Takes an admin's rights away; it stays a member.
    ///
    /// - Origin: admin of `org` (itself included), or root.
    /// - Events: `AdminRemoved`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin` (the caller, or `who`), `LastAdmin`.
    /// - Cost: [`weights::remove_admin`].
    #[codec(index = 4)]
    remove_admin {
        /// The organization.
        org: OrgCode,
        /// The admin.
        who: AccountId32,
    },
    /// Registers a node of an organization. `proof` is the node key's ed25519 signature of
    /// [`node_proof_payload`]`(genesis hash, org, key)`, so that nobody registers a key
    /// they do not hold.
    ///
    /// - Origin: admin of `org`, or root.
    /// - Events: `NodeRegistered`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `BadAddress`, `BadNodeProof`,
    ///   `NodeExists`, `AddressTaken`, `SpaceTaken` (the endpoint is in another
    ///   organization's physical set), `NoResourceSpace` / `NodeOutsideSpace` (off-cloud),
    ///   `TooManyNodes`.
    /// - Cost: [`weights::register_node`] (one signature check).
    #[codec(index = 5)]
    register_node {
        /// The organization.
        org: OrgCode,
        /// The node's ed25519 public key.
        key: NodeKey,
        /// Where it listens.
        address: Endpoint,
        /// Validator or observer.
        role: NodeRole,
        /// Its storage medium grade.
        medium: StorageMedium,
        /// The key's signature of [`node_proof_payload`].
        proof: [u8; 64],
    },
    /// Deregisters a node (its key also leaves `Validators.Validators` if there; refused if
    /// it is the last validator).
    ///
    /// - Origin: admin of the node's organization, or root.
    /// - Events: `NodeRemoved` (and `Validators.ValidatorRemoved`).
    /// - Errors: `UnknownNode`, `OrgNotActive`, `NotAdmin`, `NodeInUse` (a business chain
    ///   uses it), `LastValidator`.
    /// - Cost: [`weights::remove_node`].
    #[codec(index = 6)]
    remove_node {
        /// The node's key.
        key: NodeKey,
    },
    /// Binds a resource space to an organization, or replaces its bound space (every
    /// registered node must stay inside the new one). Each tenant space, and each endpoint,
    /// may be held by one organization only.
    ///
    /// - Origin: admin of `org`, or root.
    /// - Events: `ResourceSpaceBound`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `WrongCategory`, `EmptyName`,
    ///   `BadAddress`, `DuplicateEndpoint`, `SpaceTaken` (held by another organization, or
    ///   another organization's node is registered at an endpoint), `NodeOutsideSpace`.
    /// - Cost: [`weights::bind_resource_space`], linear in the endpoints.
    #[codec(index = 7)]
    bind_resource_space {
        /// The organization.
        org: OrgCode,
        /// The space: a tenant space for on-cloud, a physical set for off-cloud.
        space: ResourceSpace,
    },
    /// Releases an organization's resource space, so that another may bind it.
    ///
    /// - Origin: admin of `org`, or root (any status but exited: root may free a space a
    ///   suspended organization holds).
    /// - Events: `ResourceSpaceReleased`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `NoResourceSpace`, `SpaceHasNodes`
    ///   (an off-cloud organization's nodes live in it: remove them first; an on-cloud
    ///   organization's nodes are not tied to its tenant space).
    /// - Cost: [`weights::bind_resource_space`].
    #[codec(index = 8)]
    release_resource_space {
        /// The organization.
        org: OrgCode,
    },
    /// Suspends an active organization: none of its accounts may transact, pooled
    /// transactions included, and its admins may not manage it.
    ///
    /// - Origin: root.
    /// - Events: `OrgSuspended`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `LastActiveOrg`.
    /// - Cost: [`weights::set_status`].
    #[codec(index = 9)]
    suspend_org {
        /// The organization.
        org: OrgCode,
    },
    /// Restores a suspended organization's rights.
    ///
    /// - Origin: root.
    /// - Events: `OrgResumed`.
    /// - Errors: `UnknownOrg`, `NotSuspended`, `TooManyActiveOrgs`.
    /// - Cost: [`weights::set_status`].
    #[codec(index = 10)]
    resume_org {
        /// The organization.
        org: OrgCode,
    },
    /// An organization leaves the consortium for good: all its accounts leave, its space is
    /// released, its nodes are deregistered and leave the validator set, and it leaves every
    /// alliance and business chain.
    ///
    /// - Origin: admin of `org`, or root (also for a suspended organization).
    /// - Events: `OrgExited` (and `Validators.ValidatorRemoved` per validator key).
    /// - Errors: `UnknownOrg`, `OrgNotActive` (already exited; or suspended and not root),
    ///   `NotAdmin`, `LastActiveOrg`, `LastValidator` (its nodes are the whole validator set).
    /// - Cost: [`weights::exit_org`], linear in [`MEMBERS_MAX`] and [`ORG_NODES_MAX`].
    #[codec(index = 11)]
    exit_org {
        /// The organization.
        org: OrgCode,
    },
    /// Replaces an organization's credential commitments.
    ///
    /// - Origin: admin of `org`, or root.
    /// - Events: `CredentialsSet`.
    /// - Errors: `UnknownOrg`, `OrgNotActive`, `NotAdmin`, `CertificateExpired`.
    /// - Cost: [`weights::set_status`].
    #[codec(index = 12)]
    set_credentials {
        /// The organization.
        org: OrgCode,
        /// The new commitments.
        credentials: Credentials,
    },
    /// Opens the chain (any account may transact) or closes it (members only).
    ///
    /// - Origin: root.
    /// - Events: `GateChanged`.
    /// - Errors: `NoActiveMembers` (closing a chain no active organization could use).
    /// - Cost: [`weights::set_open`].
    #[codec(index = 13)]
    set_open {
        /// Whether it is open.
        open: bool,
    },
}

/// The events of the organizations pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An organization was registered.
    #[codec(index = 0)]
    OrgRegistered {
        /// Its code.
        org: OrgCode,
        /// Its name.
        name: Name,
    },
    /// An account joined an organization.
    #[codec(index = 1)]
    MemberAdded {
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// An account left an organization.
    #[codec(index = 2)]
    MemberRemoved {
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// An account became an admin.
    #[codec(index = 3)]
    AdminAdded {
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// An admin became a plain member.
    #[codec(index = 4)]
    AdminRemoved {
        /// The organization.
        org: OrgCode,
        /// The account.
        who: AccountId32,
    },
    /// A node was registered.
    #[codec(index = 5)]
    NodeRegistered {
        /// The organization.
        org: OrgCode,
        /// Its key.
        key: NodeKey,
        /// What it does.
        role: NodeRole,
    },
    /// A node was deregistered.
    #[codec(index = 6)]
    NodeRemoved {
        /// The organization.
        org: OrgCode,
        /// Its key.
        key: NodeKey,
    },
    /// A resource space was bound (or replaced).
    #[codec(index = 7)]
    ResourceSpaceBound {
        /// The organization.
        org: OrgCode,
    },
    /// A resource space was released.
    #[codec(index = 8)]
    ResourceSpaceReleased {
        /// The organization.
        org: OrgCode,
    },
    /// An organization was suspended.
    #[codec(index = 9)]
    OrgSuspended {
        /// The organization.
        org: OrgCode,
    },
    /// A suspended organization was resumed.
    #[codec(index = 10)]
    OrgResumed {
        /// The organization.
        org: OrgCode,
    },
    /// An organization left the consortium.
    #[codec(index = 11)]
    OrgExited {
        /// The organization.
        org: OrgCode,
        /// How many accounts left with it.
        members: u32,
        /// How many nodes were deregistered.
        nodes: u32,
    },
    /// Credential commitments were replaced.
    #[codec(index = 12)]
    CredentialsSet {
        /// The organization.
        org: OrgCode,
    },
    /// The chain was opened or closed.
    #[codec(index = 13)]
    GateChanged {
        /// Whether it is open now.
        open: bool,
    },
}

/// The errors of the organizations pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No organization has this code.
    UnknownOrg,
    /// The organization is suspended or exited.
    OrgNotActive,
    /// The sender is not an admin of the organization (or the account named is not one).
    NotAdmin,
    /// The account already belongs to an organization.
    AlreadyMember,
    /// The account is not a member of this organization.
    NotMember,
    /// The account is already an admin.
    AlreadyAdmin,
    /// The organization would have no admin left.
    LastAdmin,
    /// The organization has [`ADMINS_MAX`] admins.
    TooManyAdmins,
    /// The organization has [`MEMBERS_MAX`] accounts.
    TooManyMembers,
    /// An organization needs at least one admin.
    NoAdmins,
    /// An account is listed twice.
    DuplicateAccount,
    /// A name or id is empty.
    EmptyName,
    /// The chain has [`ORGS_MAX`] organizations.
    TooManyOrgs,
    /// An on-cloud organization binds a tenant space, an off-cloud one a physical set.
    WrongCategory,
    /// An address is not a lowercase IP or host name with a non-zero port.
    BadAddress,
    /// A physical set lists an endpoint twice (or is empty).
    DuplicateEndpoint,
    /// Another organization holds this tenant space or one of these endpoints.
    SpaceTaken,
    /// The organization has no resource space bound.
    NoResourceSpace,
    /// The space still has the organization's nodes: remove them first.
    SpaceHasNodes,
    /// An off-cloud organization's node must sit at an endpoint of its physical set.
    NodeOutsideSpace,
    /// The node key's signature does not prove control of the key.
    BadNodeProof,
    /// The node key is already registered.
    NodeExists,
    /// Another node is registered at this address.
    AddressTaken,
    /// No node has this key.
    UnknownNode,
    /// The organization has [`ORG_NODES_MAX`] nodes.
    TooManyNodes,
    /// The node (or the organization's nodes) are the whole validator set.
    LastValidator,
    /// The organization is not suspended.
    NotSuspended,
    /// The TLS certificate's expiry is not after the current block's time.
    CertificateExpired,
    /// No active organization has an account: closing the chain would stop it.
    NoActiveMembers,
    /// A business chain uses the node: it cannot be deregistered.
    NodeInUse,
    /// [`ACTIVE_ORGS_MAX`] organizations are active.
    TooManyActiveOrgs,
    /// The last active organization cannot be suspended or exit: nobody could govern the
    /// chain any more.
    LastActiveOrg,
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
            Call::register_org { admins, .. } => weights::register_org(admins.len() as u32),
            Call::add_member { .. } => weights::add_member(),
            Call::remove_member { .. } => weights::remove_member(),
            Call::add_admin { .. } => weights::add_admin(),
            Call::remove_admin { .. } => weights::remove_admin(),
            Call::register_node { .. } => weights::register_node(),
            Call::remove_node { .. } => weights::remove_node(),
            Call::bind_resource_space { space, .. } => weights::bind_resource_space(space_len(space)),
            Call::release_resource_space { .. } => weights::bind_resource_space(SPACE_ENDPOINTS_MAX),
            Call::suspend_org { .. } | Call::resume_org { .. } | Call::set_credentials { .. } => weights::set_status(),
            Call::set_open { .. } => weights::set_open(),
            Call::exit_org { .. } => weights::exit_org(),
        }
    }
}

fn space_len(space: &ResourceSpace) -> u32 {
    match space {
        ResourceSpace::Tenant(_) => 1,
        ResourceSpace::Physical(endpoints) => endpoints.len() as u32,
    }
}

/// The key of an endpoint in [`SPACE_HOLDERS`] and [`NODE_ADDRESSES`].
pub fn endpoint_key(endpoint: &Endpoint) -> H256 {
    let mut data = b"endpoint:".to_vec();
    endpoint.encode_to(&mut data);
    H256(blake2_256(&data))
}

/// The keys a resource space occupies in [`SPACE_HOLDERS`]: one for a tenant space
/// (tenant id, project id), one per endpoint for a physical set.
pub fn space_keys(space: &ResourceSpace) -> Vec<H256> {
    match space {
        ResourceSpace::Tenant(t) => {
            let mut data = b"tenant:".to_vec();
            (&t.tenant_id, &t.project_id).encode_to(&mut data);
            vec![H256(blake2_256(&data))]
        }
        ResourceSpace::Physical(endpoints) => endpoints.iter().map(endpoint_key).collect(),
    }
}

/// What a node key signs to prove it is held by whoever registers it:
/// `"accord/register-node:" ++ genesis hash ++ SCALE(org) ++ key`. Binding the genesis hash
/// and the organization keeps a proof from being replayed on another chain or for another
/// organization.
pub fn node_proof_payload(genesis_hash: &H256, org: OrgCode, key: &NodeKey) -> Vec<u8> {
    let mut data = b"accord/register-node:".to_vec();
    data.extend_from_slice(&genesis_hash.0);
    org.encode_to(&mut data);
    data.extend_from_slice(key);
    data
}

/// Whether `host` is a lowercase IP address or host name: 1 to [`HOST_LEN_MAX`] bytes of
/// `a-z 0-9 . - : [ ]`.
pub fn is_valid_host(host: &[u8]) -> bool {
    !host.is_empty() && host.iter().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b':' | b'[' | b']'))
}

/// Whether an endpoint is well formed: a valid host and a non-zero port.
pub fn is_valid_endpoint(endpoint: &Endpoint) -> bool {
    is_valid_host(&endpoint.host) && endpoint.port != 0
}

/// Whether `who` may send a signed transaction: the chain is open, or `who` belongs to an
/// active organization. Two reads for a member (its organization, then the organization's
/// record); one when the chain is open.
pub fn may_transact(ext: &Ext<'_>, who: &AccountId32) -> bool {
    if OPEN.get(ext) {
        return true;
    }
    ACCOUNT_ORG.get(ext, who).and_then(|code| ORGS.get(ext, &code)).is_some_and(|org| org.status == OrgStatus::Active)
}

/// The organization `who` belongs to, if any.
pub fn org_of(ext: &Ext<'_>, who: &AccountId32) -> Option<OrgCode> {
    ACCOUNT_ORG.get(ext, who)
}

/// Whether `who` is an admin of organization `org` and `org` is active.
pub fn is_active_admin(ext: &Ext<'_>, org: OrgCode, who: &AccountId32) -> bool {
    MEMBERS.get(ext, &org, who) == Some(Role::Admin)
        && ORGS.get(ext, &org).is_some_and(|o| o.status == OrgStatus::Active)
}

/// Whether organization `org` exists and is active.
pub fn is_active(ext: &Ext<'_>, org: OrgCode) -> bool {
    ORGS.get(ext, &org).is_some_and(|o| o.status == OrgStatus::Active)
}

/// The codes of the active organizations, in code order (at most [`ACTIVE_ORGS_MAX`]; reads
/// organizations in code order until it found them all, at most [`ORGS_MAX`]).
pub fn active_orgs(ext: &Ext<'_>) -> Vec<OrgCode> {
    let count = ACTIVE_ORGS.get(ext) as usize;
    let mut out = Vec::with_capacity(count);
    for code in 1..=LAST_ORG_CODE.get(ext) {
        if out.len() >= count {
            break;
        }
        if is_active(ext, code) {
            out.push(code);
        }
    }
    out
}

/// What the pallets built on the registry must be asked before, and told after, a change
/// to it (the alliances pallet: business chains use nodes, alliances have member
/// organizations). The runtime passes them to [`dispatch_with`].
pub trait RegistryHooks {
    /// Whether `key` serves something that needs it, so that it may not be deregistered.
    fn node_in_use(&self, ext: &Ext<'_>, key: &NodeKey) -> bool;
    /// `org` exited the consortium (its records are already cleared): remove everything
    /// else that hangs off it.
    fn org_exited(&self, ext: &mut Ext<'_>, org: OrgCode);
}

/// No pallet built on the registry (the pallet's own tests).
pub struct NoHooks;

impl RegistryHooks for NoHooks {
    fn node_in_use(&self, _ext: &Ext<'_>, _key: &NodeKey) -> bool {
        false
    }
    fn org_exited(&self, _ext: &mut Ext<'_>, _org: OrgCode) {}
}

/// The organizations pallet's hooks: no block hooks, only the storage invariants.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    /// See [`invariants::check`]: indexes agree with the records both ways, counts match,
    /// spaces are held by one organization, nodes sit inside their organization's space.
    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        invariants::check(ext)
    }
}

/// The metadata of the organizations pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            OPEN.metadata(),
            LAST_ORG_CODE.metadata(),
            ACTIVE_ORGS.metadata(),
            ORGS.metadata(),
            MEMBERS.metadata(),
            ACCOUNT_ORG.metadata(),
            SPACE_HOLDERS.metadata(),
            NODES.metadata(),
            ORG_NODES.metadata(),
            NODE_ADDRESSES.metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("NameLenMax", &NAME_LEN_MAX, &[" The longest name or id, in bytes."]),
            constant("HostLenMax", &HOST_LEN_MAX, &[" The longest host, in bytes."]),
            constant("AdminsMax", &ADMINS_MAX, &[" The most admins of one organization."]),
            constant("MembersMax", &MEMBERS_MAX, &[" The most accounts of one organization, admins included."]),
            constant("SpaceEndpointsMax", &SPACE_ENDPOINTS_MAX, &[" The most endpoints of a physical resource set."]),
            constant("OrgNodesMax", &ORG_NODES_MAX, &[" The most nodes of one organization."]),
            constant("OrgsMax", &ORGS_MAX, &[" The most organizations of a chain."]),
            constant("ActiveOrgsMax", &ACTIVE_ORGS_MAX, &[" The most organizations active at once."]),
        ],
    }
}
