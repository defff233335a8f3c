//! The calls: each checks everything first, then writes.

use accord_pallet_alliances as alliances;
use accord_pallet_organizations as organizations;
use accord_pallet_system as system;
use accord_primitives::{AccountId32, BlockNumber, H256};
use accord_support::{BoundedVec, DispatchError, DispatchResult, Ext, Origin};

use crate::hooks::{beyond_tolerance, changes};
use crate::*;

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

pub(crate) fn subchain_of(ext: &Ext<'_>, id: SubchainId) -> Result<Subchain, DispatchError> {
    SUBCHAINS.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownSubchain))
}

/// The member organizations of sub-chain `id` now: for a sub-chain registered from the
/// registry, the organizations of its blockchain while its business chain exists (a removed
/// blockchain has none); otherwise those named at registration. At most [`MEMBERS_MAX`].
pub fn members(ext: &Ext<'_>, id: SubchainId, sc: &Subchain) -> Vec<OrgCode> {
    let Some((chain, index)) = CHAIN_OF.get(ext, &id) else { return sc.orgs.to_vec() };
    match alliances::CHAINS.get(ext, &chain) {
        Some(c) => c.blockchains.get(index as usize).map(|b| b.orgs.to_vec()).unwrap_or_default(),
        None => sc.orgs.to_vec(),
    }
}

/// Whether `org` is a member of sub-chain `id` now (see [`members`]).
fn is_member(ext: &Ext<'_>, id: SubchainId, sc: &Subchain, org: OrgCode) -> bool {
    members(ext, id, sc).contains(&org)
}

/// Where an open dispute stands, its confirmations counted over the **electorate**: the
/// sub-chain's current members, active in the consortium, other than the accused. A strict
/// majority of it confirmed: `Confirmed`. The disputer never confirms, so when the others
/// are no majority of it (two members, three, members that left) no majority is possible:
/// `Escalated`. Otherwise still `Open`. Returns the status, the electorate's size and its
/// confirmations.
fn tally(ext: &Ext<'_>, dispute: &Dispute, sc: &Subchain) -> (DisputeStatus, u32, u32) {
    let electorate: Vec<OrgCode> = members(ext, dispute.subchain, sc)
        .into_iter()
        .filter(|o| *o != dispute.accused && organizations::is_active(ext, *o))
        .collect();
    let confirmed = dispute.confirmations.iter().filter(|o| electorate.contains(o)).count();
    let may_confirm = electorate.iter().filter(|o| **o != dispute.org).count();
    let status = if confirmed * 2 > electorate.len() {
        DisputeStatus::Confirmed
    } else if may_confirm * 2 <= electorate.len() {
        DisputeStatus::Escalated
    } else {
        DisputeStatus::Open
    };
    (status, electorate.len() as u32, confirmed as u32)
}

/// The organization `who` monitors `id` for, if it is still an active member of it.
pub(crate) fn monitor_org(
    ext: &Ext<'_>,
    id: SubchainId,
    sc: &Subchain,
    who: &AccountId32,
) -> Result<OrgCode, DispatchError> {
    let org = MONITORS.get(ext, &id, who).ok_or_else(|| fail(ext, Error::NotMonitor))?;
    if !is_member(ext, id, sc, org) || !organizations::is_active(ext, org) {
        return Err(fail(ext, Error::NotMonitor));
    }
    Ok(org)
}

/// Checks the interval, grace and sub-chain bound; stores a new sub-chain and returns its id.
fn insert_subchain(
    ext: &mut Ext<'_>,
    name: BoundedVec<u8, NAME_LEN_MAX>,
    genesis: H256,
    orgs: BoundedVec<OrgCode, MEMBERS_MAX>,
    (interval, grace): (BlockNumber, u32),
    tolerance: Tolerance,
) -> Result<SubchainId, DispatchError> {
    if !(1..=INTERVAL_MAX).contains(&interval) || !(1..=GRACE_MAX).contains(&grace) {
        return Err(fail(ext, Error::BadInterval));
    }
    let id = LAST_SUBCHAIN.get(ext) + 1;
    if id > SUBCHAINS_MAX {
        return Err(fail(ext, Error::TooManySubchains));
    }
    let sc = Subchain {
        name,
        genesis,
        orgs,
        interval,
        grace,
        tolerance,
        last_seq: 0,
        last_report_at: system::block_number(ext),
        stale: false,
    };
    LAST_SUBCHAIN.put(ext, &id);
    SUBCHAINS.insert(ext, &id, &sc);
    deposit(ext, Event::SubchainRegistered { subchain: id, genesis });
    Ok(id)
}

/// Closes open or escalated dispute `id` as `status`, giving its organization back a slot.
fn close(ext: &mut Ext<'_>, id: DisputeId, mut dispute: Dispute, status: DisputeStatus) {
    OPEN_DISPUTES.mutate(ext, &dispute.org, |c| *c = c.saturating_sub(1));
    dispute.status = status;
    DISPUTES.insert(ext, &id, &dispute);
    deposit(ext, Event::DisputeClosed { dispute: id, status });
}

/// Dispatches a sub-chain status call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    match call {
        Call::register_subchain { name, genesis, orgs, interval, grace, tolerance } => {
            origin.ensure_root()?;
            if orgs.is_empty() {
                return Err(fail(ext, Error::NoMembers));
            }
            if orgs.iter().any(|o| organizations::ORGS.get(ext, o).is_none()) {
                return Err(fail(ext, Error::UnknownOrg));
            }
            let mut sorted = orgs.clone().into_inner();
            sorted.sort_unstable();
            if sorted.windows(2).any(|w| w[0] == w[1]) {
                return Err(fail(ext, Error::DuplicateOrg));
            }
            insert_subchain(ext, name, genesis, orgs, (interval, grace), tolerance)?;
        }
        Call::register_from_chain { chain, blockchain, genesis, interval, grace, tolerance } => {
            let who = origin.ensure_signed()?;
            let c = alliances::CHAINS.get(ext, &chain).ok_or_else(|| fail(ext, Error::UnknownChain))?;
            if c.status != alliances::ChainStatus::Active {
                return Err(fail(ext, Error::ChainNotActive));
            }
            let b = c.blockchains.get(blockchain as usize).ok_or_else(|| fail(ext, Error::UnknownBlockchain))?;
            if !organizations::is_active_admin(ext, c.creator, &who) {
                return Err(fail(ext, Error::NotAdmin));
            }
            let last = LAST_SUBCHAIN.get(ext);
            if (1..=last).any(|id| CHAIN_OF.get(ext, &id) == Some((chain, blockchain))) {
                return Err(fail(ext, Error::AlreadyRegistered));
            }
            let name = BoundedVec::from_bounded(b.name.clone());
            let orgs = BoundedVec::from_bounded(b.orgs.clone());
            let id = insert_subchain(ext, name, genesis, orgs, (interval, grace), tolerance)?;
            CHAIN_OF.insert(ext, &id, &(chain, blockchain));
        }
        Call::add_monitor { subchain, org, who } => {
            let admin = origin.ensure_signed()?;
            let sc = subchain_of(ext, subchain)?;
            if !organizations::is_active_admin(ext, org, &admin) {
                return Err(fail(ext, Error::NotAdmin));
            }
            if !is_member(ext, subchain, &sc, org) {
                return Err(fail(ext, Error::NotMember));
            }
            if MONITORS.contains_key(ext, &subchain, &who) {
                return Err(fail(ext, Error::MonitorExists));
            }
            let count = MONITOR_COUNT.get(ext, &(subchain, org));
            if count >= MONITORS_PER_ORG_MAX {
                return Err(fail(ext, Error::TooManyMonitors));
            }
            MONITORS.insert(ext, &subchain, &who, &org);
            MONITOR_COUNT.insert(ext, &(subchain, org), &(count + 1));
            deposit(ext, Event::MonitorAdded { subchain, org, who });
        }
        Call::remove_monitor { subchain, who } => {
            let admin = origin.ensure_signed()?;
            subchain_of(ext, subchain)?;
            let org = MONITORS.get(ext, &subchain, &who).ok_or_else(|| fail(ext, Error::NotMonitor))?;
            if !organizations::is_active_admin(ext, org, &admin) {
                return Err(fail(ext, Error::NotAdmin));
            }
            MONITORS.remove(ext, &subchain, &who);
            MONITOR_COUNT.mutate(ext, &(subchain, org), |c| *c = c.saturating_sub(1));
            deposit(ext, Event::MonitorRemoved { subchain, who });
        }
        Call::report { subchain, status } => {
            let who = origin.ensure_signed()?;
            let mut sc = subchain_of(ext, subchain)?;
            let org = monitor_org(ext, subchain, &sc, &who)?;
            let latest = REPORTS.get(ext, &subchain, &sc.last_seq);
            if latest.is_some_and(|r| status.height < r.status.height) {
                return Err(fail(ext, Error::HeightTooLow));
            }
            let now = system::block_number(ext);
            let seq = sc.last_seq + 1;
            let changed = changes(latest.as_ref().map(|r| &r.status), &status);
            let old_contracts = latest.map_or(0, |r| r.status.contracts);
            REPORTS.insert(ext, &subchain, &seq, &Report { reporter: who, org, status, at: now, false_report: false });
            if seq > HISTORY_MAX as Seq {
                REPORTS.remove(ext, &subchain, &(seq - HISTORY_MAX as Seq));
            }
            let was_stale = sc.stale;
            sc.last_seq = seq;
            sc.last_report_at = now;
            sc.stale = false;
            SUBCHAINS.insert(ext, &subchain, &sc);
            deposit(ext, Event::Reported { subchain, seq, org, height: status.height, changes: changed });
            if latest.is_some() && old_contracts != status.contracts {
                deposit(ext, Event::ContractsChanged { subchain, old: old_contracts, new: status.contracts });
            }
            if was_stale {
                deposit(ext, Event::Fresh { subchain });
            }
        }
        Call::dispute { subchain, seq, observed } => {
            let who = origin.ensure_signed()?;
            let sc = subchain_of(ext, subchain)?;
            let org = monitor_org(ext, subchain, &sc, &who)?;
            let report = REPORTS.get(ext, &subchain, &seq).ok_or_else(|| fail(ext, Error::UnknownReport))?;
            if report.org == org {
                return Err(fail(ext, Error::OwnReport));
            }
            if observed.height != report.status.height {
                return Err(fail(ext, Error::HeightMismatch));
            }
            let beyond = beyond_tolerance(&sc.tolerance, &report.status, &observed);
            if beyond.is_empty() {
                return Err(fail(ext, Error::WithinTolerance));
            }
            if DISPUTE_OF.contains_key(ext, &(subchain, seq, org)) {
                return Err(fail(ext, Error::AlreadyDisputed));
            }
            let last = LAST_DISPUTE.get(ext);
            if OPEN_DISPUTES.get(ext, &org) >= OPEN_DISPUTES_PER_ORG_MAX {
                return Err(fail(ext, Error::TooManyDisputes));
            }
            let id = last + 1;
            let mut dispute = Dispute {
                subchain,
                seq,
                org,
                by: who,
                observed,
                beyond: beyond.clone(),
                confirmations: BoundedVec::new(),
                status: DisputeStatus::Open,
                accused: report.org,
            };
            let (status, electorate, _) = tally(ext, &dispute, &sc);
            // No confirmation yet: a new dispute is open, or escalated if none can close it.
            dispute.status = status;
            LAST_DISPUTE.put(ext, &id);
            DISPUTES.insert(ext, &id, &dispute);
            OPEN_DISPUTES.mutate(ext, &org, |c| *c += 1);
            DISPUTE_OF.insert(ext, &(subchain, seq, org), &id);
            deposit(ext, Event::Disputed { dispute: id, subchain, seq, org, beyond });
            if status == DisputeStatus::Escalated {
                deposit(ext, Event::Escalated { dispute: id, electorate, confirmations: 0 });
            }
        }
        Call::confirm { dispute: id } => {
            let who = origin.ensure_signed()?;
            let mut dispute = DISPUTES.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownDispute))?;
            if dispute.status == DisputeStatus::Escalated {
                return Err(fail(ext, Error::Escalated));
            }
            if dispute.status != DisputeStatus::Open {
                return Err(fail(ext, Error::NotOpen));
            }
            let sc = subchain_of(ext, dispute.subchain)?;
            let org = monitor_org(ext, dispute.subchain, &sc, &who)?;
            if org == dispute.accused {
                return Err(fail(ext, Error::Accused));
            }
            if dispute.confirmations.contains(&org) || org == dispute.org {
                return Err(fail(ext, Error::AlreadyConfirmed));
            }
            // Only current members' confirmations are kept: distinct, so at most MEMBERS_MAX.
            let current = members(ext, dispute.subchain, &sc);
            let kept = dispute.confirmations.iter().copied().filter(|o| current.contains(o)).chain([org]).collect();
            dispute.confirmations = BoundedVec::try_from_vec(kept).map_err(|_| fail(ext, Error::AlreadyConfirmed))?;
            deposit(ext, Event::Confirmed { dispute: id, org });
            match tally(ext, &dispute, &sc) {
                (DisputeStatus::Confirmed, ..) => close(ext, id, dispute, DisputeStatus::Confirmed),
                (DisputeStatus::Escalated, electorate, confirmations) => {
                    dispute.status = DisputeStatus::Escalated;
                    DISPUTES.insert(ext, &id, &dispute);
                    deposit(ext, Event::Escalated { dispute: id, electorate, confirmations });
                }
                _ => DISPUTES.insert(ext, &id, &dispute),
            }
        }
        Call::announce_contract { subchain, contract, code_hash, height } => {
            crate::contracts::announce(ext, origin, subchain, contract, code_hash, height)?
        }
        Call::dispute_contract { subchain, contract, observed } => {
            crate::contracts::dispute(ext, origin, subchain, contract, observed)?
        }
        Call::resolve_contract { subchain, contract, upheld } => {
            crate::contracts::resolve(ext, origin, subchain, contract, upheld)?
        }
        Call::resolve { dispute: id, upheld } => {
            origin.ensure_root()?;
            let dispute = DISPUTES.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownDispute))?;
            if !matches!(dispute.status, DisputeStatus::Open | DisputeStatus::Escalated) {
                return Err(fail(ext, Error::NotOpen));
            }
            if upheld {
                // The report may have left the history; the accused is flagged either way.
                if let Some(mut report) = REPORTS.get(ext, &dispute.subchain, &dispute.seq) {
                    report.false_report = true;
                    REPORTS.insert(ext, &dispute.subchain, &dispute.seq, &report);
                }
                FLAGS.mutate(ext, &(dispute.subchain, dispute.accused), |f| *f += 1);
            }
            let status = if upheld { DisputeStatus::Upheld } else { DisputeStatus::Rejected };
            close(ext, id, dispute, status);
        }
    }
    Ok(())
}
