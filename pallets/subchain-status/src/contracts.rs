//! A sub-chain's contracts, announced on the main chain: each deployed contract's address
//! and code hash, read by a reporter at a finalized block of the sub-chain; another member's
//! verifier checks it against its own node and disputes a different code; governance decides.
//! A contract whose code changes (a release alias pointed at another version) is announced
//! again with its new hash.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_pallet_organizations::OrgCode;
use accord_pallet_system as system;
use accord_primitives::{AccountId32, BlockNumber, H160, H256};
use accord_support::{Blake2_128Concat, DispatchError, Ext, Origin, StorageDoubleMap, Twox64Concat};

use crate::dispatch::{monitor_org, subchain_of};
use crate::{DisputeStatus, Error, Event, SubchainId, FLAGS, NAME};

/// A contract a reporter announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Announcement {
    /// keccak-256 of its code, as the reporter read it.
    pub code_hash: H256,
    /// The sub-chain block it was read at (finalized there).
    pub height: u64,
    /// The reporting organization.
    pub org: OrgCode,
    /// Its monitoring account.
    pub by: AccountId32,
    /// The main-chain block it arrived in.
    pub at: BlockNumber,
}

/// A dispute of an announcement: another member observed another code at the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ContractDispute {
    /// The disputing organization.
    pub org: OrgCode,
    /// Its monitoring account.
    pub by: AccountId32,
    /// The code hash announced.
    pub announced: H256,
    /// What the disputer observed at the announcement's height (`None`: no contract there).
    pub observed: Option<H256>,
    /// `Escalated` until governance resolves it (`Upheld` or `Rejected`).
    pub status: DisputeStatus,
}

/// `SubchainStatus.Contracts`.
pub const CONTRACTS: StorageDoubleMap<
    SubchainId,
    Twox64Concat,
    H160,
    Blake2_128Concat,
    Announcement,
    crate::OptionQuery,
> = StorageDoubleMap::new(
    NAME,
    "Contracts",
    &[" Each sub-chain's announced contracts: address -> code hash, height, reporter."],
);
/// `SubchainStatus.ContractDisputes`.
pub const CONTRACT_DISPUTES: StorageDoubleMap<
    SubchainId,
    Twox64Concat,
    H160,
    Blake2_128Concat,
    ContractDispute,
    crate::OptionQuery,
> = StorageDoubleMap::new(
    NAME,
    "ContractDisputes",
    &[" The dispute of each sub-chain contract's announcement: the last one, open or resolved."],
);

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// `announce_contract`.
pub(crate) fn announce(
    ext: &mut Ext<'_>,
    origin: Origin,
    subchain: SubchainId,
    contract: H160,
    code_hash: H256,
    height: u64,
) -> Result<(), DispatchError> {
    let who = origin.ensure_signed()?;
    let sc = subchain_of(ext, subchain)?;
    let org = monitor_org(ext, subchain, &sc, &who)?;
    // Read at a block the main chain knows: at most the latest report's height, so every
    // member's node has it and a verifier can check it.
    let reported = crate::REPORTS.get(ext, &subchain, &sc.last_seq).map(|r| r.status.height);
    if reported.is_none_or(|h| height > h) {
        return Err(fail(ext, Error::HeightTooHigh));
    }
    let before = CONTRACTS.get(ext, &subchain, &contract);
    if before.is_some_and(|a| a.code_hash == code_hash) {
        return Err(fail(ext, Error::AlreadyAnnounced));
    }
    if before.is_some_and(|a| height < a.height) {
        return Err(fail(ext, Error::HeightTooLow));
    }
    if CONTRACT_DISPUTES.get(ext, &subchain, &contract).is_some_and(|d| d.status == DisputeStatus::Escalated) {
        return Err(fail(ext, Error::Escalated));
    }
    let at = system::block_number(ext);
    CONTRACTS.insert(ext, &subchain, &contract, &Announcement { code_hash, height, org, by: who, at });
    deposit(ext, Event::ContractAnnounced { subchain, contract, code_hash, height, org });
    Ok(())
}

/// `dispute_contract`: escalated to governance at once (the code at an address is a fact
/// every node can check; governance reads it and decides).
pub(crate) fn dispute(
    ext: &mut Ext<'_>,
    origin: Origin,
    subchain: SubchainId,
    contract: H160,
    observed: Option<H256>,
) -> Result<(), DispatchError> {
    let who = origin.ensure_signed()?;
    let sc = subchain_of(ext, subchain)?;
    let org = monitor_org(ext, subchain, &sc, &who)?;
    let announced = CONTRACTS.get(ext, &subchain, &contract).ok_or_else(|| fail(ext, Error::UnknownContract))?;
    if announced.org == org {
        return Err(fail(ext, Error::OwnReport));
    }
    if observed == Some(announced.code_hash) {
        return Err(fail(ext, Error::WithinTolerance));
    }
    if CONTRACT_DISPUTES.get(ext, &subchain, &contract).is_some_and(|d| d.status == DisputeStatus::Escalated) {
        return Err(fail(ext, Error::AlreadyDisputed));
    }
    let status = DisputeStatus::Escalated;
    let dispute = ContractDispute { org, by: who, announced: announced.code_hash, observed, status };
    CONTRACT_DISPUTES.insert(ext, &subchain, &contract, &dispute);
    deposit(ext, Event::ContractDisputed { subchain, contract, org, announced: announced.code_hash, observed });
    Ok(())
}

/// `resolve_contract`: upheld, the announcement is withdrawn and its organization flagged.
pub(crate) fn resolve(
    ext: &mut Ext<'_>,
    origin: Origin,
    subchain: SubchainId,
    contract: H160,
    upheld: bool,
) -> Result<(), DispatchError> {
    origin.ensure_root()?;
    let mut dispute =
        CONTRACT_DISPUTES.get(ext, &subchain, &contract).ok_or_else(|| fail(ext, Error::UnknownDispute))?;
    if dispute.status != DisputeStatus::Escalated {
        return Err(fail(ext, Error::NotOpen));
    }
    if upheld {
        if let Some(announced) = CONTRACTS.get(ext, &subchain, &contract) {
            FLAGS.mutate(ext, &(subchain, announced.org), |f| *f += 1);
        }
        CONTRACTS.remove(ext, &subchain, &contract);
    }
    dispute.status = if upheld { DisputeStatus::Upheld } else { DisputeStatus::Rejected };
    CONTRACT_DISPUTES.insert(ext, &subchain, &contract, &dispute);
    deposit(ext, Event::ContractDisputeClosed { subchain, contract, status: dispute.status });
    Ok(())
}
