//! Income and payouts: the block's fees to the platform account, the node count, the
//! payout to node-operating organizations every period, and the invariants.

use accord_pallet_balances as balances;
use accord_pallet_organizations::{self as organizations, StorageMedium};
use accord_primitives::{Balance, BlockNumber};
use accord_support::dispatch::db_weight;
use accord_support::{Ext, Weight};

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

/// The weight of a node under `distribution`.
fn node_weight(distribution: &Distribution, medium: StorageMedium) -> u64 {
    match (distribution, medium) {
        (Distribution::Equal, _) => 1,
        (Distribution::ByMedium { hdd, .. }, StorageMedium::Hdd) => *hdd as u64,
        (Distribution::ByMedium { ssd, .. }, StorageMedium::Ssd) => *ssd as u64,
        (Distribution::ByMedium { nvm, .. }, StorageMedium::Nvm) => *nvm as u64,
    }
}

/// Each active organization with nodes, its first admin and its nodes' weight.
fn shares(ext: &Ext<'_>, distribution: &Distribution) -> Vec<(OrgCode, AccountId32, u64)> {
    let mut out = Vec::new();
    for org in organizations::active_orgs(ext) {
        let Some(info) = organizations::ORGS.get(ext, &org) else { continue };
        let Some(admin) = info.admins.first().copied() else { continue };
        let weight: u64 = organizations::ORG_NODES
            .iter_prefix1(ext, &org, NODES_PER_ORG_MAX)
            .into_iter()
            .filter_map(|(key, ())| organizations::NODES.get(ext, &key))
            .map(|node| node_weight(distribution, node.medium))
            .sum();
        if weight > 0 {
            out.push((org, admin, weight));
        }
    }
    out
}

/// Pays the platform account's income (all but its existential deposit) out to the
/// organizations that run nodes, in proportion to their nodes' weight; what does not
/// divide stays. Returns (available, paid).
pub fn pay_out(ext: &mut Ext<'_>) -> (Balance, Balance) {
    let available = balances::free_balance(ext, &PLATFORM).saturating_sub(balances::EXISTENTIAL_DEPOSIT);
    let rules = payout_rules(ext);
    let shares = shares(ext, &rules.distribution);
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
    let remainder = available - paid;
    ext.deposit_event(NAME, &Event::PayoutClosed { available, paid, remainder }, Vec::new());
    (available, paid)
}

/// The node count for this block; a payout at a multiple of the period.
pub(crate) fn on_initialize(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
    let active = organizations::active_orgs(ext);
    let nodes: u32 = active.iter().filter_map(|o| organizations::ORGS.get(ext, o)).map(|o| o.nodes).sum();
    NODE_COUNT.put(ext, &nodes.max(1));
    let expired = crate::deletion::expire(ext) as u64;
    let mut weight = db_weight::reads_writes(4 + 2 * active.len() as u64 + 2 * expired, 1 + 4 * expired);
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
    Ok(())
}
