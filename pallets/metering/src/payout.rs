//! Income and payouts: the block's fees to the platform account, the nodes that did work in
//! a payout period (which set the node count), attested storage media, the payout to their
//! organizations every period, and the invariants.

use accord_pallet_balances as balances;
use accord_pallet_organizations::{self as organizations, StorageMedium};
use std::collections::BTreeMap;

use accord_primitives::{Balance, BlockNumber};
use accord_support::dispatch::db_weight;
use accord_support::{DispatchResult, Ext, Weight};

use crate::*;

/// Credits this block's fee income to the platform account (at the block's end: one write
/// of the platform account per block, not per transaction).
pub fn credit_block_income(ext: &mut Ext<'_>) {
    let income = BLOCK_INCOME.get(ext);
    if income == 0 {
        return;
    }
    BLOCK_INCOME.kill(ext);
    // The platform account exists from genesis and is never debited below the deposit.
    let credited = balances::mint(ext, &PLATFORM, income);
    debug_assert!(credited.is_ok(), "the platform account exists");
    TOTAL_INCOME.mutate(ext, |t| *t = t.saturating_add(income));
}

/// The weight of a node paid by `medium` under `distribution`.
fn node_weight(distribution: &Distribution, medium: StorageMedium) -> u64 {
    match (distribution, medium) {
        (Distribution::Equal, _) => 1,
        (Distribution::ByMedium { hdd, .. }, StorageMedium::Hdd) => *hdd as u64,
        (Distribution::ByMedium { ssd, .. }, StorageMedium::Ssd) => *ssd as u64,
        (Distribution::ByMedium { nvm, .. }, StorageMedium::Nvm) => *nvm as u64,
    }
}

/// A grade's rank: HDD < SSD < NVM.
fn rank(medium: StorageMedium) -> u8 {
    match medium {
        StorageMedium::Hdd => 0,
        StorageMedium::Ssd => 1,
        StorageMedium::Nvm => 2,
    }
}

/// The grade node `key` is paid by: the lower of its attested and declared grade; HDD
/// without an attestation for its current organization (a declaration alone is not
/// evidence: any organization could declare NVM).
pub fn paid_medium(ext: &Ext<'_>, key: &NodeKey, node: &organizations::NodeInfo) -> StorageMedium {
    match ATTESTED_MEDIA.get(ext, key) {
        Some(a) if a.org == node.org && rank(a.medium) < rank(node.medium) => a.medium,
        Some(a) if a.org == node.org => node.medium,
        _ => StorageMedium::Hdd,
    }
}

/// The organization of node `key`, if it is registered to an active one: the nodes that
/// may count.
fn counted_org(ext: &Ext<'_>, key: &NodeKey) -> Option<OrgCode> {
    let node = organizations::NODES.get(ext, key)?;
    organizations::is_active(ext, node.org).then_some(node.org)
}

/// Whether node `key` should prove work in the block being built: it is registered to an
/// active organization, not counted yet in this payout period, and the period has room. The
/// runtime asks this for the node that builds the block, and adds its proof when it is due.
pub fn work_due(ext: &Ext<'_>, key: &NodeKey) -> bool {
    if counted_org(ext, key).is_none() {
        return false;
    }
    let workers = PERIOD_NODES.get(ext);
    !workers.contains(key) && (workers.len() as u32) < WORKERS_MAX
}

/// Counts node `key` for the current payout period: the runtime calls this when a block
/// carries the node's signed proof of work (its validator's logic-version signal, verified
/// before). A key that is no node of an active organization counts for no one (nobody to
/// pay), a counted one once; a full period emits `WorkNotCounted`. Raises the node count
/// when this period counts more nodes than it.
pub fn note_work(ext: &mut Ext<'_>, key: &NodeKey) {
    let Some(org) = counted_org(ext, key) else { return };
    let mut workers = PERIOD_NODES.get(ext);
    if workers.contains(key) {
        return;
    }
    if workers.try_push(*key).is_err() {
        ext.deposit_event(NAME, &Event::WorkNotCounted { node: *key }, Vec::new());
        return;
    }
    PERIOD_NODES.put(ext, &workers);
    let counted = workers.len() as u32;
    if counted > NODE_COUNT.get(ext) {
        NODE_COUNT.put(ext, &counted);
    }
    ext.deposit_event(NAME, &Event::WorkNoted { node: *key, org }, Vec::new());
}

/// The nodes counted in this period that are still registered to an active organization,
/// by organization in code order: its first admin and its nodes' weight; and how many nodes
/// that is.
fn shares(ext: &Ext<'_>, distribution: &Distribution) -> (Vec<(OrgCode, AccountId32, u64)>, u32) {
    let mut by_org: BTreeMap<OrgCode, u64> = BTreeMap::new();
    let mut counted = 0u32;
    for key in PERIOD_NODES.get(ext).iter() {
        let Some(node) = organizations::NODES.get(ext, key) else { continue };
        if !organizations::is_active(ext, node.org) {
            continue;
        }
        counted += 1;
        let weight = node_weight(distribution, paid_medium(ext, key, &node));
        *by_org.entry(node.org).or_default() += weight;
    }
    let mut out = Vec::new();
    for (org, weight) in by_org {
        let admin = organizations::ORGS.get(ext, &org).and_then(|info| info.admins.first().copied());
        if let Some(admin) = admin.filter(|_| weight > 0) {
            out.push((org, admin, weight));
        }
    }
    (out, counted)
}

/// Pays the platform account's income (all but its existential deposit) out to the
/// organizations whose nodes did work in the period, in proportion to their nodes' weight;
/// what does not divide stays. Closes the period: the node count becomes the nodes counted
/// (at least 1) and the next period counts from none. Returns (available, paid).
pub fn pay_out(ext: &mut Ext<'_>) -> (Balance, Balance) {
    let available = balances::free_balance(ext, &PLATFORM).saturating_sub(balances::EXISTENTIAL_DEPOSIT);
    let rules = payout_rules(ext);
    let (shares, counted) = shares(ext, &rules.distribution);
    let total_weight: u64 = shares.iter().map(|(_, _, w)| *w).sum();
    let mut paid: Balance = 0;
    if available > 0 && total_weight > 0 {
        for (org, account, weight) in shares {
            let amount = available.saturating_mul(weight as Balance) / total_weight as Balance;
            // A share below a new account's deposit stays with the platform.
            let moved = balances::transfer(ext, &PLATFORM, &PLATFORM, &account, amount, balances::Existence::KeepAlive);
            if amount > 0 && moved.is_ok() {
                paid += amount;
                ext.deposit_event(NAME, &Event::PaidOut { org, account, weight, amount }, Vec::new());
            }
        }
    }
    TOTAL_PAID_OUT.mutate(ext, |t| *t = t.saturating_add(paid));
    NODE_COUNT.put(ext, &counted.max(1));
    PERIOD_NODES.kill(ext);
    let remainder = available - paid;
    ext.deposit_event(NAME, &Event::PayoutClosed { available, paid, remainder }, Vec::new());
    (available, paid)
}

/// Attests (or withdraws) node `node`'s storage medium: the `attest_medium` call, checks
/// first.
pub(crate) fn attest(ext: &mut Ext<'_>, node: NodeKey, medium: Option<StorageMedium>) -> DispatchResult {
    let existing = ATTESTED_MEDIA.get(ext, &node);
    let count = ATTESTATION_COUNT.get(ext);
    let org = match medium {
        Some(medium) => {
            let info = organizations::NODES.get(ext, &node).ok_or_else(|| ext.error(Error::UnknownNode))?;
            if existing.is_none() && count >= ATTESTATIONS_MAX {
                return Err(ext.error(Error::TooManyAttestations));
            }
            ATTESTED_MEDIA.insert(ext, &node, &Attestation { org: info.org, medium });
            if existing.is_none() {
                ATTESTATION_COUNT.put(ext, &(count + 1));
            }
            info.org
        }
        None => {
            let Some(attestation) = existing else { return Err(ext.error(Error::NotAttested)) };
            ATTESTED_MEDIA.remove(ext, &node);
            ATTESTATION_COUNT.put(ext, &(count - 1));
            attestation.org
        }
    };
    ext.deposit_event(NAME, &Event::MediumAttested { node, org, medium }, Vec::new());
    Ok(())
}

/// Payouts at multiples of the period (they also set the node count); the expiry sweep of
/// the backup store.
pub(crate) fn on_initialize(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
    let expired = crate::deletion::expire(ext) as u64;
    let mut weight = db_weight::reads_writes(2 + 2 * expired, 4 * expired);
    let rules = payout_rules(ext);
    if n > 0 && n.is_multiple_of(rules.period) {
        pay_out(ext);
        weight = weight.saturating_add(weights::payout());
    }
    weight
}

/// The invariants: the platform account holds at least its deposit; all income credited to
/// it was paid out or is still there (more if someone transferred to it).
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    if PRICE_VERSION.get(ext) == 0 {
        return Ok(());
    }
    let platform = balances::free_balance(ext, &PLATFORM);
    if platform < balances::EXISTENTIAL_DEPOSIT {
        return Err(format!("the platform account holds {platform}, below the existential deposit"));
    }
    let held = platform - balances::EXISTENTIAL_DEPOSIT;
    let (income, paid) = (TOTAL_INCOME.get(ext), TOTAL_PAID_OUT.get(ext));
    if paid.saturating_add(held) < income {
        return Err(format!("income {income} > paid out {paid} + held {held}"));
    }
    for version in 1..=PRICE_VERSION.get(ext) {
        if !PRICES.contains_key(ext, &version) {
            return Err(format!("price version {version} is missing"));
        }
    }
    if ISSUER_COUNT.get(ext) > ISSUERS_MAX {
        return Err("more issuers than the bound".into());
    }
    check_work(ext)
}

/// The payout invariants: the period's nodes are distinct and within the node count (at
/// least 1); attestations match their count and bound.
fn check_work(ext: &Ext<'_>) -> Result<(), String> {
    let workers = PERIOD_NODES.get(ext);
    let mut sorted = workers.clone().into_inner();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err("a node is counted twice in the period".into());
    }
    let nodes = NODE_COUNT.get(ext);
    if nodes == 0 || (workers.len() as u32) > nodes {
        return Err(format!("node count {nodes} below 1 or below the {} nodes counted", workers.len()));
    }
    let attested = ATTESTED_MEDIA.iter_from(ext, None, ATTESTATIONS_MAX + 1).len() as u32;
    if attested != ATTESTATION_COUNT.get(ext) || attested > ATTESTATIONS_MAX {
        return Err(format!("{attested} attestations, counted {}", ATTESTATION_COUNT.get(ext)));
    }
    Ok(())
}
