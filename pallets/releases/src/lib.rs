//! # Releases pallet
//!
//! Gray release of versioned business logic, decided by consensus. A pallet ships several
//! versions of a call family's logic side by side (today: `Records`, versions 1 and 2, see
//! that pallet); a **release** moves one **target** from its current version (`old`) to a
//! `new` one in stages, each entered only by root, that is by a passed governance proposal
//! (and by sudo on `--dev`):
//!
//! | stage | production | pre-release test | gray test |
//! |---|---|---|---|
//! | (no live release) | current | current | current |
//! | `PreRelease` | old | **new** | old |
//! | `Gray { share_bp }` | **new** for `share_bp`/10,000 of the data ids, else old | **new** | **new** |
//! | `Switched` | **new** | **new** | **new** |
//! | `RolledBack` | old | old | old |
//!
//! `open_release` enters pre-release, `start_gray` enters gray (again: a new share),
//! `switch` switches, `rollback` goes back to `old` for every class in one step from any
//! of them. Nothing is redeployed: both versions are in every node's binary, and the routing
//! table (`Routes`, keyed by target and traffic class) is state, so every node routes every
//! call the same way.
//!
//! ## Traffic classes
//! A transaction is production traffic unless it is wrapped in `as_class(class, call)`, a
//! plain call any client can send from the metadata. A test class is refused at validation
//! (and at dispatch) unless the target has a live release whose test **cohort** holds the
//! sender.
//!
//! ## The production share
//! In gray, a production call goes to `new` when `bucket < share_bp`, with `bucket` the
//! first 8 bytes (little endian) of `blake2_256("accord/route" ++ release ++ data id)`
//! modulo 10,000. One piece of data (a record id) therefore always sees one version at a
//! given share, and a larger share only adds data to `new`.
//!
//! ## Health and automatic rollback
//! While a release is live, the executive reports the outcome of every routed transaction:
//! the chain counts dispatches and failures per (release, version) over a sliding window of
//! [`HealthRules::window`] blocks, kept in [`BUCKETS`] buckets of `ceil(window / BUCKETS)`
//! blocks (so the counts cover the last `window` blocks and the current bucket). In gray, when
//! the new version has at least `min_sample` dispatches in the window and its failures exceed
//! `max_failure_bp` basis points of them, the release rolls back by itself
//! (`AutoRolledBack` with the figures). Each routed transaction emits `Routed` with the
//! version that ran it.
//!
//! ## Which nodes can run a version
//! Each validator signals the logic versions its binary supports: the node adds a
//! `signal_support` inherent, signed with its validator key, to a block it proposes when its
//! stored signal differs. A release enters pre-release, gray or switch only if every
//! validator in `Validators.Validators` signalled support for its new version
//! (`NotSupportedByValidators` otherwise), so no node is asked to run logic it lacks.

mod contracts;
mod dispatch;
mod routing;
mod signals;
pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_validators::ValidatorKey;
use accord_primitives::{AccountId32, BlockNumber, H160};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, BoundedVec, Hooks, OptionQuery, PalletError, PalletMeta, StorageDoubleMap, StorageMap, StorageValue,
    Twox64Concat, ValueQuery,
};

pub use contracts::{
    alias_address, contract_route, has_version, serve, AliasInit, ContractTarget, DataIdRule, ALIAS_NONCE,
    CONTRACT_TARGETS, CONTRACT_VERSIONS_MAX,
};
pub use dispatch::{dispatch, RoutedCall};
pub use routing::{bucket_of, check_class, note_outcome, route, totals, Routed};
pub use signals::{signal_payload, signal_to_send, verify_signal};

/// The pallet's name in the runtime.
pub const NAME: &str = "Releases";

/// The most accounts in a release's test cohort.
pub const COHORT_MAX: u32 = 64;
/// The most stage entries in a release's history (the last slot is kept for a rollback).
pub const HISTORY_MAX: u32 = 32;
/// The buckets of a health window.
pub const BUCKETS: u32 = 8;
/// The most (target, version) pairs one signal names.
pub const SIGNAL_VERSIONS_MAX: u32 = 32;
/// The longest health window, in blocks.
pub const WINDOW_MAX: BlockNumber = 100_800;
/// Basis points in a whole.
pub const BASIS_POINTS: u16 = 10_000;

/// A release's id, from 1.
pub type ReleaseId = u32;
/// A logic version of a target.
pub type Version = u16;

/// A call family whose logic comes in versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Target {
    /// The `Records` pallet's calls.
    #[codec(index = 0)]
    Records,
    /// The calls to a contract target's alias (see [`CONTRACT_TARGETS`]).
    #[codec(index = 1)]
    Contract(H160),
}

impl Target {
    /// Every built-in target: those whose versions the runtime ships.
    pub const BUILT_IN: [Target; 1] = [Target::Records];

    /// The versions this runtime ships, oldest first (none for a contract target, whose
    /// versions are on chain: see [`has_version`]).
    pub const fn versions(self) -> &'static [Version] {
        match self {
            Target::Records => accord_pallet_records::VERSIONS,
            Target::Contract(_) => &[],
        }
    }

    /// The version that runs before any release.
    pub fn base_version(self) -> Version {
        match self {
            Target::Records => accord_pallet_records::BASE_VERSION,
            Target::Contract(_) => 1,
        }
    }

    /// Its name, as the RPC takes it: a built-in target's name, or `0x` and the alias in hex.
    pub fn name(self) -> String {
        match self {
            Target::Records => "Records".to_string(),
            Target::Contract(alias) => format!("0x{}", hex::encode(alias.0)),
        }
    }

    /// The target called `name`: a built-in one by name (any case), or a contract target's
    /// alias (`0x` and 40 hex digits; whether it is one is for the state to say).
    pub fn from_name(name: &str) -> Option<Target> {
        if let Some(hex_digits) = name.strip_prefix("0x") {
            let bytes = hex::decode(hex_digits).ok()?;
            return <[u8; 20]>::try_from(bytes.as_slice()).ok().map(|a| Target::Contract(H160(a)));
        }
        Target::BUILT_IN.into_iter().find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// A transaction's traffic class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum TrafficClass {
    /// Business traffic: every transaction not wrapped in `as_class`.
    Production,
    /// Tests of a release in pre-release (and later stages), by its cohort.
    PreReleaseTest,
    /// Tests of a release in gray (and later), by its cohort.
    GrayTest,
}

impl TrafficClass {
    /// Every class.
    pub const ALL: [TrafficClass; 3] = [TrafficClass::Production, TrafficClass::PreReleaseTest, TrafficClass::GrayTest];
}

/// Where a release stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Stage {
    /// Pre-release tests run the new version.
    PreRelease,
    /// Tests, and `share_bp` basis points of production data ids, run the new version.
    Gray {
        /// The share of production, in basis points (0 to 10,000).
        share_bp: u16,
    },
    /// Everything runs the new version.
    Switched,
    /// Everything runs the old version again.
    RolledBack {
        /// Whether the health check did it (else a proposal).
        automatic: bool,
    },
}

/// A stage a release entered, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct StageEntry {
    /// The block.
    pub at: BlockNumber,
    /// The stage.
    pub stage: Stage,
}

/// A release.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Release {
    /// The call family.
    pub target: Target,
    /// The version it replaces (the target's version when it opened).
    pub old: Version,
    /// The version it rolls out.
    pub new: Version,
    /// The accounts that may send test classes.
    pub cohort: BoundedVec<AccountId32, COHORT_MAX>,
    /// Where it stands.
    pub stage: Stage,
    /// Every stage it entered, in order.
    pub history: BoundedVec<StageEntry, HISTORY_MAX>,
}

impl Release {
    /// Whether it still routes: pre-release, gray, or switched (until a later release of the
    /// target opens, see [`LATEST`]).
    pub fn routes(&self) -> bool {
        !matches!(self.stage, Stage::RolledBack { .. })
    }
}

/// A routing rule: the value of the routing table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Rule {
    /// Every call runs this version.
    To(Version),
    /// A call runs `new` if its data id's bucket is below `share_bp`, else `old`.
    Split {
        /// The version of the rest.
        old: Version,
        /// The version of the share.
        new: Version,
        /// The share, in basis points.
        share_bp: u16,
    },
}

/// An entry of the routing table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct RouteEntry {
    /// The release that set it (the salt of the data id's bucket).
    pub release: ReleaseId,
    /// The rule.
    pub rule: Rule,
}

/// The rules of the health check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct HealthRules {
    /// The sliding window, in blocks (1 to [`WINDOW_MAX`]).
    pub window: BlockNumber,
    /// The highest failure rate of the new version in gray, in basis points (0 to 10,000).
    pub max_failure_bp: u16,
    /// The fewest dispatches of the new version in the window before the rate counts (at
    /// least 1).
    pub min_sample: u32,
}

/// The health rules a chain starts with: more than 20% failures of at least 20 dispatches
/// in the last 100 blocks roll a gray release back.
pub const DEFAULT_HEALTH_RULES: HealthRules = HealthRules { window: 100, max_failure_bp: 2_000, min_sample: 20 };

impl Default for HealthRules {
    fn default() -> Self {
        DEFAULT_HEALTH_RULES
    }
}

impl HealthRules {
    /// Whether the rules can be used.
    pub fn is_valid(&self) -> bool {
        (1..=WINDOW_MAX).contains(&self.window) && self.max_failure_bp <= BASIS_POINTS && self.min_sample >= 1
    }

    /// The blocks in one bucket of the window.
    pub fn bucket_len(&self) -> BlockNumber {
        self.window.div_ceil(BUCKETS).max(1)
    }
}

/// Dispatches and failures counted from block `start` on, for one bucket's length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Bucket {
    /// Its first block.
    pub start: BlockNumber,
    /// Routed transactions dispatched.
    pub calls: u32,
    /// Of which failed.
    pub failures: u32,
}

/// A version's counts over the window: at most [`BUCKETS`] + 1 buckets, oldest first.
pub type Window = BoundedVec<Bucket, { BUCKETS + 1 }>;

/// The (target, version) pairs a signal names: sorted, without duplicates.
pub type SignalVersions = BoundedVec<(Target, Version), SIGNAL_VERSIONS_MAX>;

/// How many (target, version) pairs this runtime ships.
const SHIPPED_COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < Target::BUILT_IN.len() {
        n += Target::BUILT_IN[i].versions().len();
        i += 1;
    }
    n
};

/// Every (target, version) pair this runtime ships, in order: `Target::BUILT_IN` is in
/// declaration order and each target's versions are oldest first.
const SHIPPED: [(Target, Version); SHIPPED_COUNT] = {
    let mut out = [(Target::BUILT_IN[0], 0); SHIPPED_COUNT];
    let (mut n, mut i) = (0, 0);
    while i < Target::BUILT_IN.len() {
        let versions = Target::BUILT_IN[i].versions();
        let mut j = 0;
        while j < versions.len() {
            out[n] = (Target::BUILT_IN[i], versions[j]);
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
};

/// Every (target, version) pair this runtime ships, sorted: what a validator signals by
/// default. More pairs than [`SIGNAL_VERSIONS_MAX`] do not compile.
pub fn shipped_versions() -> SignalVersions {
    BoundedVec::from_array(SHIPPED)
}

/// A validator's signal: the logic versions its binary supports.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Signal {
    /// The validator's ed25519 key.
    pub key: ValidatorKey,
    /// The (target, version) pairs it runs, sorted, without duplicates.
    pub versions: SignalVersions,
    /// The block it was signed for (the block that carries it).
    pub at: BlockNumber,
}

impl Signal {
    /// Whether the validator runs `version` of `target`.
    pub fn supports(&self, target: Target, version: Version) -> bool {
        self.versions.contains(&(target, version))
    }
}

/// `Releases.Releases`.
pub const RELEASES: StorageMap<ReleaseId, Release, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Releases", &[" Every release by id, with its stage history."]);
/// `Releases.LastRelease`.
pub const LAST_RELEASE: StorageValue<ReleaseId, ValueQuery> =
    StorageValue::new(NAME, "LastRelease", &[" The latest release id (0: none)."]);
/// `Releases.Latest`: each target's latest release.
pub const LATEST: StorageMap<Target, ReleaseId, Twox64Concat, OptionQuery> = StorageMap::new(
    NAME,
    "Latest",
    &[" Each target's latest release: the only one that may route, and the only one a rollback may name."],
);
/// `Releases.Current`: the version production runs without a live release.
pub const CURRENT: StorageMap<Target, Version, Twox64Concat, OptionQuery> = StorageMap::new(
    NAME,
    "Current",
    &[" Each target's current version (absent: its base version): what a new release replaces."],
);
/// `Releases.Routes`: the routing table.
pub const ROUTES: StorageDoubleMap<Target, Twox64Concat, TrafficClass, Twox64Concat, RouteEntry, OptionQuery> =
    StorageDoubleMap::new(
        NAME,
        "Routes",
        &[" The routing table: (target, traffic class) -> rule, set by the target's live release; absent: the current version."],
    );
/// `Releases.Health`: counts per (release, version).
pub const HEALTH: StorageDoubleMap<ReleaseId, Twox64Concat, Version, Twox64Concat, Window, ValueQuery> =
    StorageDoubleMap::new(
        NAME,
        "Health",
        &[" Dispatches and failures of each (release, version) in the window's buckets, oldest first."],
    );
/// `Releases.HealthRules`.
pub const HEALTH_RULES: StorageValue<HealthRules, OptionQuery> =
    StorageValue::new(NAME, "HealthRules", &[" The health check's rules (absent: the defaults)."]);
/// `Releases.Support`: each validator's latest signal.
pub const SUPPORT: StorageMap<ValidatorKey, Signal, Twox64Concat, OptionQuery> =
    StorageMap::new(NAME, "Support", &[" Each validator's latest signal of the logic versions it runs."]);

/// The health rules in force.
pub fn health_rules(ext: &accord_support::Ext<'_>) -> HealthRules {
    HEALTH_RULES.get(ext).unwrap_or_default()
}

/// The version `target` runs without a live release.
pub fn current_version(ext: &accord_support::Ext<'_>, target: Target) -> Version {
    CURRENT.get(ext, &target).unwrap_or(target.base_version())
}

/// The calls of the releases pallet; `C` is the runtime's call type.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call<C> {
    /// Sends `call` (a call of a release target, such as a `Records` call) in a traffic class.
    ///
    /// - Origin: signed; for a test class, by a member of the target's live release cohort.
    /// - Events: those of the call; `Routed` while a release is live.
    /// - Errors: `NotRouted` (the call has no target), `NotInCohort`; the call's own.
    /// - Cost: [`weights::as_class`] plus the call's weight.
    #[codec(index = 0)]
    as_class {
        /// The traffic class.
        class: TrafficClass,
        /// The call.
        call: Box<C>,
    },
    /// Opens a release of `target`'s `new_version` in the pre-release stage.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `ReleaseOpened`, `StageChanged`.
    /// - Errors: `UnknownVersion`, `SameVersion`, `ReleaseLive` (a release of the target is
    ///   in pre-release or gray), `EmptyCohort`, `NotSupportedByValidators` (a built-in
    ///   target's version only: every node runs any contract's code).
    /// - Cost: [`weights::stage_change`] (reads every validator's signal).
    #[codec(index = 1)]
    open_release {
        /// The call family.
        target: Target,
        /// The version to roll out.
        new_version: Version,
        /// The accounts that may send test classes.
        cohort: BoundedVec<AccountId32, COHORT_MAX>,
    },
    /// Enters the gray stage (from pre-release), or changes its share (in gray).
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `StageChanged`.
    /// - Errors: `UnknownRelease`, `StageOutOfOrder`, `ShareTooLarge`, `TooManyStageChanges`,
    ///   `NotSupportedByValidators`.
    /// - Cost: [`weights::stage_change`].
    #[codec(index = 2)]
    start_gray {
        /// The release.
        release: ReleaseId,
        /// The share of production data ids that runs the new version, in basis points.
        share_bp: u16,
    },
    /// Switches every class to the new version (from gray).
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `StageChanged`.
    /// - Errors: `UnknownRelease`, `StageOutOfOrder`, `NotSupportedByValidators`.
    /// - Cost: [`weights::stage_change`].
    #[codec(index = 3)]
    switch {
        /// The release.
        release: ReleaseId,
    },
    /// Sends every class back to the old version, from pre-release, gray, or switched (while
    /// it is the target's latest release).
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `StageChanged`.
    /// - Errors: `UnknownRelease`, `StageOutOfOrder` (rolled back already, or a later
    ///   release of the target opened).
    /// - Cost: [`weights::stage_change`].
    #[codec(index = 4)]
    rollback {
        /// The release.
        release: ReleaseId,
    },
    /// Replaces a live release's test cohort.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `CohortSet`.
    /// - Errors: `UnknownRelease`, `StageOutOfOrder` (not in pre-release or gray),
    ///   `EmptyCohort`.
    /// - Cost: [`weights::stage_change`].
    #[codec(index = 5)]
    set_cohort {
        /// The release.
        release: ReleaseId,
        /// The accounts.
        cohort: BoundedVec<AccountId32, COHORT_MAX>,
    },
    /// Sets the health check's rules.
    ///
    /// - Origin: root (a passed proposal).
    /// - Events: `HealthRulesSet`.
    /// - Errors: `BadHealthRules`.
    /// - Cost: [`weights::stage_change`].
    #[codec(index = 6)]
    set_health_rules {
        /// The rules.
        rules: HealthRules,
    },
    /// A validator's signal of the versions it runs: an inherent the validator's node adds to
    /// a block it proposes.
    ///
    /// - Origin: none (an inherent), checked at validation: the key is a validator's, the
    ///   signal is for this block and newer than the stored one, the versions are sorted,
    ///   distinct and known, and the signature is the key's over [`signal_payload`].
    /// - Events: `SupportSignalled`.
    /// - Errors: `BadSignal` (the validation checks, again).
    /// - Cost: [`weights::signal_support`].
    #[codec(index = 7)]
    signal_support {
        /// The signal.
        signal: Signal,
        /// The key's ed25519 signature of [`signal_payload`].
        signature: [u8; 64],
    },
    /// Creates a contract target: a fresh alias address (see [`alias_address`]) whose version
    /// 1 is the deployed contract `code`. Calls to the alias run a version's code against the
    /// alias's storage; initialise that storage through the alias (an initializer of version
    /// 1), as behind any upgradeable proxy: constructors ran in the versions' own storage.
    /// With `init`, the signer calls the new alias with it in the same transaction, so nobody
    /// can initialise it first.
    ///
    /// - Origin: signed; the signer becomes the target's admin.
    /// - Events: `ContractTargetCreated` (with the alias); with `init`, the call's `Evm` events.
    /// - Errors: `NotAPlainContract` (`code` holds no contract, or is an alias), `NoFreeAlias`,
    ///   `InitFailed` (the init call reverted or halted: nothing is created); the `Evm`
    ///   refusals of a call (`GasLimitTooHigh`, `GasLimitTooLow`, ...).
    /// - Cost: [`weights::create_contract_target`], with `init` plus an `Evm.call`'s weight of
    ///   its gas limit and input (refunded to the gas it used).
    #[codec(index = 8)]
    create_contract_target {
        /// The contract whose code is version 1.
        code: H160,
        /// How a call's data id is read from its input.
        data_id: DataIdRule,
        /// A call of the new alias by the signer, in the same transaction (an initializer).
        init: Option<AliasInit>,
    },
    /// Adds the next version of a contract target: the deployed contract `code`. Nothing is
    /// routed to it until a release of the target opens with it.
    ///
    /// - Origin: signed by the target's admin, or root.
    /// - Events: `ContractVersionAdded` (with the version's number).
    /// - Errors: `UnknownContractTarget`, `NotTargetAdmin`, `NotAPlainContract`,
    ///   `DuplicateVersion`, `TooManyVersions`.
    /// - Cost: [`weights::add_contract_version`].
    #[codec(index = 9)]
    add_contract_version {
        /// The target's alias.
        alias: H160,
        /// The contract whose code is the new version.
        code: H160,
    },
}

/// The events of the releases pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A release opened.
    #[codec(index = 0)]
    ReleaseOpened {
        /// Its id.
        release: ReleaseId,
        /// The call family.
        target: Target,
        /// The version it replaces.
        old: Version,
        /// The version it rolls out.
        new: Version,
    },
    /// A release entered a stage.
    #[codec(index = 1)]
    StageChanged {
        /// The release.
        release: ReleaseId,
        /// The stage.
        stage: Stage,
    },
    /// The health check rolled a gray release back: the new version's figures in the window.
    #[codec(index = 2)]
    AutoRolledBack {
        /// The release.
        release: ReleaseId,
        /// The version that failed.
        version: Version,
        /// Its dispatches in the window.
        calls: u32,
        /// Its failures in the window.
        failures: u32,
        /// The bound it exceeded, in basis points.
        max_failure_bp: u16,
    },
    /// A transaction of a live release's target ran this version.
    #[codec(index = 3)]
    Routed {
        /// The release.
        release: ReleaseId,
        /// The traffic class.
        class: TrafficClass,
        /// The version that ran.
        version: Version,
        /// Whether the call succeeded.
        success: bool,
    },
    /// A release's cohort changed.
    #[codec(index = 4)]
    CohortSet {
        /// The release.
        release: ReleaseId,
        /// How many accounts it has.
        size: u32,
    },
    /// The health rules changed.
    #[codec(index = 5)]
    HealthRulesSet {
        /// The rules.
        rules: HealthRules,
    },
    /// A validator signalled the versions it runs.
    #[codec(index = 6)]
    SupportSignalled {
        /// The validator.
        key: ValidatorKey,
        /// The versions.
        versions: BoundedVec<(Target, Version), SIGNAL_VERSIONS_MAX>,
    },
    /// A contract target was created.
    #[codec(index = 7)]
    ContractTargetCreated {
        /// Its alias: the address users call.
        alias: H160,
        /// Its admin.
        admin: AccountId32,
        /// The contract of version 1.
        code: H160,
        /// How a call's data id is read.
        data_id: DataIdRule,
    },
    /// A contract target gained a version.
    #[codec(index = 8)]
    ContractVersionAdded {
        /// The target's alias.
        alias: H160,
        /// The version's number.
        version: Version,
        /// Its contract.
        code: H160,
    },
}

/// The errors of the releases pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The call is not a call of a release target.
    NotRouted,
    /// A test class from an account outside the cohort of the target's live release (or
    /// the target has none).
    NotInCohort,
    /// The target has no such version (a built-in target's that this runtime does not ship,
    /// or a contract target's that was not added).
    UnknownVersion,
    /// The new version is the target's current one.
    SameVersion,
    /// A release of the target is in pre-release or gray.
    ReleaseLive,
    /// A cohort must name at least one account.
    EmptyCohort,
    /// A validator of the current set has not signalled support for the new version.
    NotSupportedByValidators,
    /// No release has this id.
    UnknownRelease,
    /// The release cannot enter that stage from where it stands.
    StageOutOfOrder,
    /// A share above 10,000 basis points.
    ShareTooLarge,
    /// The release's history is full: only a rollback may follow.
    TooManyStageChanges,
    /// Health rules out of range (see [`HealthRules::is_valid`]).
    BadHealthRules,
    /// The signal is not a valid one of a validator for this block.
    BadSignal,
    /// The address holds no contract, or an alias (a version must run its own code).
    NotAPlainContract,
    /// No contract target has this alias.
    UnknownContractTarget,
    /// Only the target's admin (or root) may add versions.
    NotTargetAdmin,
    /// The contract is a version of the target already.
    DuplicateVersion,
    /// The target has [`CONTRACT_VERSIONS_MAX`] versions.
    TooManyVersions,
    /// No unused alias address was found (the derived ones are taken).
    NoFreeAlias,
    /// The init call of a new alias reverted or halted.
    InitFailed,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

/// The releases pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn check_state(ext: &accord_support::Ext<'_>) -> Result<(), String> {
        routing::check(ext)?;
        contracts::check(ext)
    }
}

/// The metadata of the releases pallet; `C` is the runtime's call type.
pub fn metadata<C: TypeInfo + 'static>() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            RELEASES.metadata(),
            LAST_RELEASE.metadata(),
            LATEST.metadata(),
            CURRENT.metadata(),
            ROUTES.metadata(),
            HEALTH.metadata(),
            HEALTH_RULES.metadata(),
            SUPPORT.metadata(),
            CONTRACT_TARGETS.metadata(),
            ALIAS_NONCE.metadata(),
        ],
        call: Some(meta_type::<Call<C>>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("CohortMax", &COHORT_MAX, &[" The most accounts in a test cohort."]),
            constant("HistoryMax", &HISTORY_MAX, &[" The most stage entries of a release."]),
            constant("Buckets", &BUCKETS, &[" The buckets of a health window."]),
            constant("DefaultHealthRules", &DEFAULT_HEALTH_RULES, &[" The health rules a chain starts with."]),
            constant("ContractVersionsMax", &CONTRACT_VERSIONS_MAX, &[" The most versions of a contract target."]),
        ],
    }
}
