//! Contract targets: an alias address that users call, and versions that are deployed
//! contracts.
//!
//! `create_contract_target` makes a fresh alias (an EVM address, see `accord_pallet_evm::alias`)
//! whose version 1 is a deployed contract; `add_contract_version` adds the next version,
//! another deployed contract, at any time. A release of the target then moves its traffic
//! from version to version exactly as for a built-in target. A version is **code, not data**:
//! whichever version serves a call runs at the alias's address against the alias's storage,
//! so the business data stays one data set across versions.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_pallet_evm::{self as evm, alias};
use accord_primitives::{AccountId32, H160};
use accord_support::{BoundedVec, DispatchError, Ext, Origin, StorageMap, StorageValue, Twox64Concat, ValueQuery};

use crate::{current_version, Error, Event, Target, TrafficClass, Version, NAME};

/// The most versions of one contract target.
pub const CONTRACT_VERSIONS_MAX: u32 = 64;

/// How the data id of a call to an alias is read from the call's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum DataIdRule {
    /// The `index`-th 32-byte word of the arguments (after the 4-byte selector), as it is
    /// encoded; an input too short for it gives the empty data id.
    Argument {
        /// The argument's position, from 0.
        index: u8,
    },
}

impl DataIdRule {
    /// The data id of a call with `input`.
    pub fn data_id(&self, input: &[u8]) -> Vec<u8> {
        match *self {
            DataIdRule::Argument { index } => {
                let start = 4 + 32 * index as usize;
                input.get(start..start + 32).map(<[u8]>::to_vec).unwrap_or_default()
            }
        }
    }
}

/// The call that initialises a new alias: the signer calls it with `input`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct AliasInit {
    /// The call data (an initializer of version 1).
    pub input: evm::Input,
    /// The most gas it may use.
    pub gas_limit: u64,
}

/// A contract target.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ContractTarget {
    /// The account that created it: it (or root) adds versions.
    pub admin: AccountId32,
    /// How a call's data id is read.
    pub data_id: DataIdRule,
    /// Each version's contract: version `n` runs the code of `versions[n - 1]`.
    pub versions: BoundedVec<H160, CONTRACT_VERSIONS_MAX>,
}

impl ContractTarget {
    /// The contract of `version`, if the target has it.
    pub fn code_of(&self, version: Version) -> Option<H160> {
        let index = usize::from(version).checked_sub(1)?;
        self.versions.get(index).copied()
    }
}

/// `Releases.ContractTargets`.
pub const CONTRACT_TARGETS: StorageMap<H160, ContractTarget, Twox64Concat, crate::OptionQuery> =
    StorageMap::new(NAME, "ContractTargets", &[" The contract targets by alias address, with their versions."]);
/// `Releases.AliasNonce`.
pub const ALIAS_NONCE: StorageValue<u32, ValueQuery> =
    StorageValue::new(NAME, "AliasNonce", &[" The nonce the next alias address derives from."]);

/// The alias address nonce `n` gives: the last 20 bytes of keccak-256 of
/// `"accord/alias" ++ SCALE(n)`.
pub fn alias_address(nonce: u32) -> H160 {
    let mut data = b"accord/alias".to_vec();
    data.extend_from_slice(&nonce.encode());
    let hash = accord_ethereum::keccak256(&data);
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    H160(address)
}

/// The target and data id of a call to `to` with `input`, if `to` is an alias.
pub fn contract_route(ext: &Ext<'_>, to: &H160, input: &[u8]) -> Option<(Target, Vec<u8>)> {
    let target = CONTRACT_TARGETS.get(ext, to)?;
    Some((Target::Contract(*to), target.data_id.data_id(input)))
}

/// The version of alias `to` that serves a call with `input` in `class`, now: what the
/// runtime sets on the EVM execution (`None`: `to` is not an alias).
pub fn serve(ext: &Ext<'_>, class: TrafficClass, to: &H160, input: &[u8]) -> Option<evm::Served> {
    let target = CONTRACT_TARGETS.get(ext, to)?;
    let routed = crate::route(ext, Target::Contract(*to), class, &target.data_id.data_id(input));
    let code = target.code_of(routed.version)?;
    Some(evm::Served { release: routed.release.unwrap_or(0), version: routed.version, code })
}

/// Whether `target` has `version`: a shipped one, or a contract target's registered one.
pub fn has_version(ext: &Ext<'_>, target: Target, version: Version) -> bool {
    match target {
        Target::Contract(alias) => CONTRACT_TARGETS.get(ext, &alias).is_some_and(|t| t.code_of(version).is_some()),
        _ => target.versions().contains(&version),
    }
}

/// Points a contract target's alias at its current version's code (after a stage change).
pub(crate) fn point_at_current(ext: &mut Ext<'_>, target: Target) {
    let Target::Contract(alias) = target else { return };
    let Some(contract) = CONTRACT_TARGETS.get(ext, &alias) else { return };
    if let Some(code) = contract.code_of(current_version(ext, target)) {
        let creator = evm::CONTRACTS.get(ext, &alias).map_or(H160([0; 20]), |c| c.creator);
        alias::point(ext, &alias, &code, creator);
    }
}

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

/// `create_contract_target`.
pub(crate) fn create(
    ext: &mut Ext<'_>,
    origin: Origin,
    code: H160,
    data_id: DataIdRule,
    init: Option<AliasInit>,
) -> Result<(), DispatchError> {
    let admin = origin.ensure_signed()?;
    if !alias::is_plain_contract(ext, &code) {
        return Err(fail(ext, Error::NotAPlainContract));
    }
    // A derived address is unused but for a 2^-80 accident: skip one that is not.
    let first = ALIAS_NONCE.get(ext);
    let nonce = (first..first.saturating_add(16))
        .find(|n| alias::is_unused(ext, &alias_address(*n)))
        .ok_or_else(|| fail(ext, Error::NoFreeAlias))?;
    let alias = alias_address(nonce);
    ALIAS_NONCE.put(ext, &nonce.saturating_add(1));
    // The admin's address is the alias's creator: record whose account it is, so that the
    // alias's data belongs to the admin (Metering deletions) from the start.
    evm::note_original_account(ext, &admin);
    alias::point(ext, &alias, &code, H160(accord_ethereum::address_of(&admin)));
    let versions = BoundedVec::from_array([code]);
    CONTRACT_TARGETS.insert(ext, &alias, &ContractTarget { admin, data_id, versions });
    deposit(ext, Event::ContractTargetCreated { alias, admin, code, data_id });
    if let Some(init) = init {
        // The executive bumped the signer's nonce before dispatch: the call's is the one before.
        let nonce = accord_pallet_system::account_nonce(ext, &admin).saturating_sub(1) as u64;
        let call =
            evm::Execution::call(admin, nonce, alias, init.input.into_inner(), Default::default(), init.gas_limit);
        let outcome = evm::exec::execute(ext, &call)?;
        if outcome.exit != evm::ExitReason::Succeeded {
            return Err(fail(ext, Error::InitFailed));
        }
    }
    Ok(())
}

/// `add_contract_version`.
pub(crate) fn add_version(ext: &mut Ext<'_>, origin: Origin, alias: H160, code: H160) -> Result<(), DispatchError> {
    let mut target = CONTRACT_TARGETS.get(ext, &alias).ok_or_else(|| fail(ext, Error::UnknownContractTarget))?;
    match origin {
        Origin::Root => {}
        Origin::Signed(who) if who == target.admin => {}
        Origin::Signed(_) => return Err(fail(ext, Error::NotTargetAdmin)),
        Origin::None => return Err(DispatchError::BadOrigin),
    }
    if !alias::is_plain_contract(ext, &code) {
        return Err(fail(ext, Error::NotAPlainContract));
    }
    if target.versions.contains(&code) {
        return Err(fail(ext, Error::DuplicateVersion));
    }
    if target.versions.try_push(code).is_err() {
        return Err(fail(ext, Error::TooManyVersions));
    }
    let version = target.versions.len() as Version;
    CONTRACT_TARGETS.insert(ext, &alias, &target);
    deposit(ext, Event::ContractVersionAdded { alias, version, code });
    Ok(())
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// The invariants of contract targets: each has versions, each version is a plain contract,
/// and each alias designates its current version.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    for (alias, target) in CONTRACT_TARGETS.iter_from(ext, None, u32::MAX) {
        if target.versions.is_empty() {
            return Err(format!("contract target {alias:?} has no version"));
        }
        if let Some(code) = target.versions.iter().find(|c| !alias::is_plain_contract(ext, c)) {
            return Err(format!("contract target {alias:?}: version {code:?} is not a plain contract"));
        }
        let current = current_version(ext, Target::Contract(alias));
        let expected = target.code_of(current);
        if expected.is_none() || alias::delegation_of(ext, &alias) != expected {
            return Err(format!("alias {alias:?} does not designate its current version {current}"));
        }
    }
    Ok(())
}

/// Every contract target, for the invariants of the routing table.
pub(crate) fn targets(ext: &Ext<'_>) -> Vec<Target> {
    CONTRACT_TARGETS.iter_from(ext, None, u32::MAX).into_iter().map(|(alias, _)| Target::Contract(alias)).collect()
}

/// Whether a release of `target` needs every validator's signal for its new version: a
/// built-in target's versions are in the binary, a contract target's are on chain (every node
/// runs any deployed code).
pub(crate) fn needs_signals(target: Target) -> bool {
    !matches!(target, Target::Contract(_))
}
