//! The tally, closing proposals, the block hook (deadlines, execute-on-pass, lapsed
//! permissions) and the invariants.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use accord_pallet_system as system;
use accord_primitives::BlockNumber;
use accord_support::{DispatchResult, Ext, Weight};

use crate::*;

/// A proposal's tally, in vote weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Tally {
    /// For.
    pub aye: u32,
    /// Against.
    pub nay: u32,
    /// Abstained.
    pub abstain: u32,
    /// Not voted (yet).
    pub outstanding: u32,
    /// The electorate's weight.
    pub total: u32,
    /// Distinct organizations that voted.
    pub voters: u32,
}

impl Tally {
    /// The tally of `proposal`'s votes.
    pub fn of(proposal: &Proposal) -> Tally {
        let weight_of = |org: OrgCode| proposal.electorate.iter().find(|(o, _)| *o == org).map_or(0, |(_, w)| *w);
        let total = proposal.electorate.iter().map(|(_, w)| *w).sum();
        let mut t = Tally { total, ..Tally::default() };
        for (org, vote) in proposal.votes.iter() {
            let w = weight_of(*org);
            match vote {
                VoteKind::Aye => t.aye += w,
                VoteKind::Nay => t.nay += w,
                VoteKind::Abstain => t.abstain += w,
            }
            t.voters += 1;
        }
        t.outstanding = total - t.aye - t.nay - t.abstain;
        t
    }

    /// `ceil(percent · total / 100)`.
    fn needed(&self, percent: u8) -> u32 {
        ((percent as u64 * self.total as u64).div_ceil(100)) as u32
    }

    /// Whether it passes under `rules` now (and so whatever the outstanding votes).
    pub fn passes(&self, rules: &Rules) -> bool {
        self.aye >= self.needed(rules.approval_percent)
            && self.aye + self.nay + self.abstain >= self.needed(rules.quorum_percent)
    }

    /// Whether no outstanding vote can make it pass any more.
    pub fn cannot_pass(&self, rules: &Rules) -> bool {
        self.aye + self.outstanding < self.needed(rules.approval_percent)
    }

    /// Whether enough weight voted for the quorum.
    pub fn has_quorum(&self, rules: &Rules) -> bool {
        self.aye + self.nay + self.abstain >= self.needed(rules.quorum_percent)
    }
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// Closes `proposal` if its outcome is fixed (or, `at_deadline`, whatever it is).
pub(crate) fn settle(ext: &mut Ext<'_>, id: ProposalId, mut proposal: Proposal, at_deadline: bool) {
    let tally = Tally::of(&proposal);
    let rules = proposal.rules;
    if tally.passes(&rules) {
        let now = system::block_number(ext);
        if rules.execute_on_pass {
            proposal.permission_until = None;
            // The queue holds live proposals only (executing one takes it off both), and at
            // most OPEN_MAX are live: there is room.
            let mut queue = EXECUTE_QUEUE.get(ext);
            let queued = queue.try_push(id).is_ok();
            debug_assert!(queued, "more queued executions than live proposals");
            EXECUTE_QUEUE.put(ext, &queue);
        } else {
            proposal.permission_until = Some(now.saturating_add(rules.permission_lifetime));
        }
        proposal.status = ProposalStatus::Passed;
        let permission_until = proposal.permission_until;
        PROPOSALS.insert(ext, &id, &proposal);
        deposit(ext, Event::Passed { proposal: id, tally, permission_until });
    } else if tally.cannot_pass(&rules) || (at_deadline && tally.has_quorum(&rules)) {
        proposal.status = ProposalStatus::Rejected;
        PROPOSALS.insert(ext, &id, &proposal);
        unlive(ext, id);
        deposit(ext, Event::Rejected { proposal: id, tally });
    } else if at_deadline {
        proposal.status = ProposalStatus::Expired;
        PROPOSALS.insert(ext, &id, &proposal);
        unlive(ext, id);
        deposit(ext, Event::Expired { proposal: id, tally });
    }
}

/// Takes `id` off the live list.
pub(crate) fn unlive(ext: &mut Ext<'_>, id: ProposalId) {
    LIVE.mutate(ext, |live| {
        live.remove_first(|p| *p == id);
    });
}

/// The block hook: queued executions of the previous block's passes, proposals whose vote
/// ended, permissions that lapsed. `dispatch_root` dispatches a call as root. Returns the
/// weight used (the executed calls' included).
pub fn on_initialize<C: ManagementCall>(
    ext: &mut Ext<'_>,
    n: BlockNumber,
    mut dispatch_root: impl FnMut(&mut Ext<'_>, C) -> DispatchResult,
) -> Weight {
    let mut weight = weights::hook_base();
    let mut queue = EXECUTE_QUEUE.get(ext);
    if !queue.is_empty() {
        // Within a budget per block: calls over it wait for the next block, in order.
        let mut spent = Weight::ZERO;
        let mut first_waiting = queue.len();
        for (i, id) in queue.iter().enumerate() {
            let Some(mut proposal) = PROPOSALS.get(ext, id) else { continue };
            let call = C::decode_stored(&proposal.call);
            let cost = call.as_ref().map_or(Weight::ZERO, |c| c.call_weight()).saturating_add(weights::execute());
            if spent != Weight::ZERO && spent.saturating_add(cost).any_gt(EXECUTION_BUDGET) {
                first_waiting = i;
                break;
            }
            spent = spent.saturating_add(cost);
            // A stored call that no longer decodes (the runtime changed) closes as failed.
            let result = match call {
                Some(call) => ext.transactional(|ext| dispatch_root(ext, call)),
                None => Err(accord_support::DispatchError::Other("the proposal's call no longer decodes")),
            };
            proposal.status = ProposalStatus::Executed;
            PROPOSALS.insert(ext, id, &proposal);
            unlive(ext, *id);
            deposit(ext, Event::Executed { proposal: *id, result });
        }
        EXECUTE_QUEUE.put(ext, &queue.split_off(first_waiting));
        weight = weight.saturating_add(spent);
    }
    let live = LIVE.get(ext);
    weight = weight.saturating_add(weights::per_live().saturating_mul(live.len() as u64));
    for id in live.iter() {
        let Some(proposal) = PROPOSALS.get(ext, id) else { continue };
        match proposal.status {
            ProposalStatus::Voting if n > proposal.voting_ends => settle(ext, *id, proposal, true),
            ProposalStatus::Passed if proposal.permission_until.is_some_and(|until| n > until) => {
                let mut proposal = proposal;
                proposal.status = ProposalStatus::Lapsed;
                PROPOSALS.insert(ext, id, &proposal);
                unlive(ext, *id);
                deposit(ext, Event::PermissionLapsed { proposal: *id });
            }
            _ => {}
        }
    }
    weight
}

/// The invariants: every live proposal is voting or passed (with a permission or queued),
/// closed ones are not live; votes are distinct organizations of the electorate (so the
/// votes counted are the distinct electorate organizations that voted); an open proposal's
/// outcome is not already fixed; the electorate is not empty and within bounds.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    let live = LIVE.get(ext);
    let queue = EXECUTE_QUEUE.get(ext);
    for (id, p) in PROPOSALS.iter_from(ext, None, u32::MAX) {
        if id == 0 || id > LAST_PROPOSAL.get(ext) {
            return Err(format!("proposal {id} beyond LastProposal"));
        }
        let is_live = live.contains(&id);
        let should = matches!(p.status, ProposalStatus::Voting | ProposalStatus::Passed);
        if is_live != should {
            return Err(format!("proposal {id} is {:?} but live: {is_live}", p.status));
        }
        if p.status == ProposalStatus::Passed && p.permission_until.is_none() && !queue.contains(&id) {
            return Err(format!("proposal {id} passed without a permission and is not queued"));
        }
        if p.electorate.is_empty() {
            return Err(format!("proposal {id} has an empty electorate"));
        }
        let e = &p.electorate;
        if e.iter().enumerate().any(|(i, (o, _))| e[..i].iter().any(|(x, _)| x == o)) {
            return Err(format!("proposal {id}: an organization twice in the electorate"));
        }
        let v = &p.votes;
        let distinct = v.iter().enumerate().all(|(i, (o, _))| !v[..i].iter().any(|(x, _)| x == o));
        if !distinct || !v.iter().all(|(o, _)| e.iter().any(|(x, _)| x == o)) {
            return Err(format!("proposal {id}: votes are not distinct electorate organizations"));
        }
        let tally = Tally::of(&p);
        if tally.voters as usize != v.len() || tally.aye + tally.nay + tally.abstain + tally.outstanding != tally.total
        {
            return Err(format!("proposal {id}: the tally does not add up"));
        }
        if p.status == ProposalStatus::Voting && (tally.passes(&p.rules) || tally.cannot_pass(&p.rules)) {
            return Err(format!("proposal {id} is open with a fixed outcome"));
        }
        if blake2_hash(&p.call) != p.call_hash {
            return Err(format!("proposal {id}: the call hash does not match the call"));
        }
    }
    if live.len() > OPEN_MAX as usize {
        return Err("too many live proposals".into());
    }
    Ok(())
}

/// blake2-256 of a call's encoding.
pub(crate) fn blake2_hash(bytes: &[u8]) -> accord_primitives::H256 {
    accord_primitives::H256(accord_primitives::hashing::blake2_256(bytes))
}
