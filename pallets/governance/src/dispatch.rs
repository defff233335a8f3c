//! The calls: each checks everything first, then writes.

use codec::Encode;

use accord_pallet_organizations as organizations;
use accord_pallet_system as system;
use accord_support::{BoundedVec, DispatchError, DispatchResult, Ext, Origin};

use crate::tally::{blake2_hash, settle, unlive};
use crate::*;

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// `origin` must be a signed admin of the active organization `org`; returns the account.
fn ensure_admin(ext: &Ext<'_>, origin: &Origin, org: OrgCode) -> Result<AccountId32, DispatchError> {
    let who = origin.ensure_signed()?;
    if !organizations::is_active_admin(ext, org, &who) {
        return Err(fail(ext, Error::NotAdmin));
    }
    Ok(who)
}

/// Dispatches a governance call; `dispatch_root` dispatches a runtime call as root.
pub fn dispatch<C: ManagementCall>(
    ext: &mut Ext<'_>,
    origin: Origin,
    call: Call<C>,
    dispatch_root: impl FnOnce(&mut Ext<'_>, C) -> DispatchResult,
) -> DispatchResult {
    match call {
        Call::propose { org, call } => {
            let proposer = ensure_admin(ext, &origin, org)?;
            let Some(class) = call.management_class() else {
                return Err(fail(ext, Error::NotManagement));
            };
            let bytes = call.encode();
            let Ok(bytes) = BoundedVec::<u8, CALL_LEN_MAX>::try_from_vec(bytes) else {
                return Err(fail(ext, Error::CallTooLong));
            };
            if call.call_weight().any_gt(CALL_WEIGHT_MAX) {
                return Err(fail(ext, Error::CallTooHeavy));
            }
            let active = organizations::active_orgs(ext);
            if active.is_empty() {
                return Err(fail(ext, Error::NoElectorate));
            }
            let electorate: Vec<(OrgCode, u32)> =
                active.iter().map(|o| (*o, ORG_WEIGHTS.get(ext, o).unwrap_or(1))).collect();
            let Ok(electorate) = BoundedVec::<_, ELECTORATE_MAX>::try_from_vec(electorate) else {
                return Err(fail(ext, Error::ElectorateTooLarge));
            };
            let mut live = LIVE.get(ext);
            let of_org = live
                .iter()
                .filter(|id| PROPOSALS.get(ext, id).is_some_and(|p| p.org == org && p.status == ProposalStatus::Voting))
                .count() as u32;
            let id = LAST_PROPOSAL.get(ext) + 1;
            if of_org >= OPEN_PER_ORG_MAX || live.try_push(id).is_err() {
                return Err(fail(ext, Error::TooManyProposals));
            }
            let rules = rules_of(ext, class);
            let now = system::block_number(ext);
            let call_hash = blake2_hash(&bytes);
            let voting_ends = now.saturating_add(rules.voting_period);
            let proposal = Proposal {
                proposer,
                org,
                class,
                call: bytes,
                call_hash,
                rules,
                electorate: electorate.clone(),
                votes: BoundedVec::new(),
                proposed_at: now,
                voting_ends,
                status: ProposalStatus::Voting,
                permission_until: None,
            };
            LAST_PROPOSAL.put(ext, &id);
            PROPOSALS.insert(ext, &id, &proposal);
            LIVE.put(ext, &live);
            deposit(ext, Event::Proposed { proposal: id, org, class, call_hash, voting_ends });
            for (voter, weight) in electorate.iter() {
                deposit(ext, Event::VoteRequested { proposal: id, org: *voter, weight: *weight });
            }
        }
        Call::vote { proposal: id, org, vote } => {
            ensure_admin(ext, &origin, org)?;
            let mut proposal = PROPOSALS.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownProposal))?;
            if proposal.status != ProposalStatus::Voting {
                return Err(fail(ext, Error::NotVoting));
            }
            if !proposal.electorate.iter().any(|(o, _)| *o == org) {
                return Err(fail(ext, Error::NotInElectorate));
            }
            match proposal.votes.as_mut_slice().iter_mut().find(|(o, _)| *o == org) {
                Some(cast) => cast.1 = vote,
                // One vote per organization of the electorate, which has the votes' bound.
                None => {
                    if proposal.votes.try_push((org, vote)).is_err() {
                        return Err(DispatchError::Other("governance: more votes than the electorate"));
                    }
                }
            }
            PROPOSALS.insert(ext, &id, &proposal);
            deposit(ext, Event::Voted { proposal: id, org, vote });
            settle(ext, id, proposal, false);
        }
        Call::execute { proposal: id, call } => {
            let who = origin.ensure_signed()?;
            let mut proposal = PROPOSALS.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownProposal))?;
            let Some(until) = proposal.permission_until.filter(|_| proposal.status == ProposalStatus::Passed) else {
                return Err(fail(ext, Error::NoPermission));
            };
            if who != proposal.proposer {
                return Err(fail(ext, Error::NotProposer));
            }
            if system::block_number(ext) > until {
                return Err(fail(ext, Error::PermissionExpired));
            }
            if blake2_hash(&call.encode()) != proposal.call_hash {
                return Err(fail(ext, Error::WrongCall));
            }
            proposal.status = ProposalStatus::Executed;
            PROPOSALS.insert(ext, &id, &proposal);
            unlive(ext, id);
            let result = ext.transactional(|ext| dispatch_root(ext, *call));
            deposit(ext, Event::Executed { proposal: id, result });
        }
        Call::set_rules { class, rules } => {
            origin.ensure_root()?;
            if !rules.is_valid() {
                return Err(fail(ext, Error::BadRules));
            }
            match class {
                Some(c) => CLASS_RULES.insert(ext, &c, &rules),
                None => RULES.put(ext, &rules),
            }
            deposit(ext, Event::RulesSet { class, rules });
        }
        Call::set_weight { org, weight } => {
            origin.ensure_root()?;
            if !(1..=WEIGHT_MAX).contains(&weight) {
                return Err(fail(ext, Error::BadWeight));
            }
            if organizations::ORGS.get(ext, &org).is_none() {
                return Err(fail(ext, Error::UnknownOrg));
            }
            if weight == 1 {
                ORG_WEIGHTS.remove(ext, &org);
            } else {
                ORG_WEIGHTS.insert(ext, &org, &weight);
            }
            deposit(ext, Event::WeightSet { org, weight });
        }
    }
    Ok(())
}
