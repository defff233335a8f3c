//! Tolerance arithmetic, the changes between two statuses, staleness in the block hook, and
//! the invariants.

use accord_primitives::BlockNumber;
use accord_support::dispatch::db_weight;
use accord_support::{BoundedVec, Ext, Weight};

use crate::*;

/// The metrics in which `observed` differs from `reported` beyond `tolerance`: the block
/// (hash or state root differ), then each count by more than its band. The height is not
/// compared (a dispute must be at the report's height).
pub fn beyond_tolerance(tolerance: &Tolerance, reported: &Status, observed: &Status) -> BoundedVec<Metric, 8> {
    let far = |a: u64, b: u64, band: u64| a.abs_diff(b) > band;
    let block = reported.block_hash != observed.block_hash || reported.state_root != observed.state_root;
    let mut out = BoundedVec::from_array([
        (Metric::Block, block),
        (Metric::Orgs, far(reported.orgs as u64, observed.orgs as u64, tolerance.orgs as u64)),
        (Metric::Nodes, far(reported.nodes as u64, observed.nodes as u64, tolerance.nodes as u64)),
        (Metric::TxCount, far(reported.tx_count, observed.tx_count, tolerance.tx_count)),
        (Metric::Tps, far(reported.tps_milli, observed.tps_milli, tolerance.tps_milli)),
        (Metric::Contracts, far(reported.contracts as u64, observed.contracts as u64, tolerance.contracts as u64)),
    ]);
    out.retain(|(_, beyond)| *beyond);
    out.map(|(metric, _)| metric)
}

/// The metrics that changed from `old` to `new` (every metric for a first report, from 0).
pub fn changes(old: Option<&Status>, new: &Status) -> BoundedVec<Change, 8> {
    let zero = Status::default();
    let old = old.unwrap_or(&zero);
    let pairs = [
        (Metric::Height, old.height, new.height),
        (Metric::Orgs, old.orgs as u64, new.orgs as u64),
        (Metric::Nodes, old.nodes as u64, new.nodes as u64),
        (Metric::TxCount, old.tx_count, new.tx_count),
        (Metric::Tps, old.tps_milli, new.tps_milli),
        (Metric::Contracts, old.contracts as u64, new.contracts as u64),
    ];
    let mut list = BoundedVec::from_array(pairs.map(|(metric, old, new)| Change { metric, old, new }));
    list.retain(|c| c.old != c.new);
    list
}

/// Flags the sub-chains whose last report is older than `interval × grace` blocks.
pub(crate) fn flag_stale(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
    let last = LAST_SUBCHAIN.get(ext);
    for id in 1..=last {
        let Some(mut sc) = SUBCHAINS.get(ext, &id) else { continue };
        let due = sc.last_report_at.saturating_add(sc.interval.saturating_mul(sc.grace));
        if !sc.stale && n > due {
            sc.stale = true;
            SUBCHAINS.insert(ext, &id, &sc);
            let event = Event::Stale { subchain: id, last_report_at: sc.last_report_at };
            ext.deposit_event(NAME, &event, Vec::new());
        }
    }
    db_weight::reads_writes(1 + last as u64, last as u64)
}

/// The invariants: history bounded and consistent with `last_seq`; open-dispute counts match
/// the open and escalated disputes; monitor counts match the monitors.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    let last = LAST_SUBCHAIN.get(ext);
    for id in 1..=last {
        let sc = SUBCHAINS.get(ext, &id).ok_or(format!("sub-chain {id} is missing"))?;
        let kept = REPORTS.iter_prefix1(ext, &id, HISTORY_MAX + 1);
        if kept.len() as u32 > HISTORY_MAX {
            return Err(format!("sub-chain {id} keeps more than {HISTORY_MAX} reports"));
        }
        if sc.last_seq > 0 && REPORTS.get(ext, &id, &sc.last_seq).is_none() {
            return Err(format!("sub-chain {id}'s latest report {} is missing", sc.last_seq));
        }
        if kept.iter().any(|(seq, _)| *seq > sc.last_seq) {
            return Err(format!("sub-chain {id} has a report after its latest"));
        }
        let mut monitors: std::collections::BTreeMap<OrgCode, u32> = sc.orgs.iter().map(|org| (*org, 0)).collect();
        for (_, org) in MONITORS.iter_prefix1(ext, &id, 10_000) {
            *monitors.entry(org).or_default() += 1;
        }
        for (org, count) in monitors {
            if count != MONITOR_COUNT.get(ext, &(id, org)) {
                return Err(format!("sub-chain {id} org {org}: monitor count differs"));
            }
        }
    }
    let mut from_chains = std::collections::BTreeSet::new();
    for id in 1..=last {
        if let Some(source) = CHAIN_OF.get(ext, &id) {
            if !from_chains.insert(source) {
                return Err(format!("blockchain {source:?} is registered twice"));
            }
        }
    }
    if CHAIN_OF.get(ext, &(last + 1)).is_some() {
        return Err(format!("sub-chain {} has a registry source but is not registered", last + 1));
    }
    let mut open: std::collections::BTreeMap<OrgCode, u32> = Default::default();
    for d in 1..=LAST_DISPUTE.get(ext) {
        let dispute = DISPUTES.get(ext, &d).ok_or(format!("dispute {d} is missing"))?;
        if matches!(dispute.status, DisputeStatus::Open | DisputeStatus::Escalated) {
            *open.entry(dispute.org).or_default() += 1;
        }
    }
    for (org, count) in &open {
        if OPEN_DISPUTES.get(ext, org) != *count {
            return Err(format!("org {org} has {count} open disputes, counted {}", OPEN_DISPUTES.get(ext, org)));
        }
    }
    Ok(())
}
