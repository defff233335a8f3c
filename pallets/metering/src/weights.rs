//! Weights of the metering pallet: storage reads and writes at their bounds plus a fixed
//! computation share (estimates until the measured-weights harness replaces them).

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::WORKERS_MAX;

const BASE: Weight = Weight::from_ref_time(10_000_000);

/// `exchange`: the issuer, the genesis hash, the serial, one ed25519 verification, the
/// holder's account (and its log entry), the issuer, totals and the credit written.
pub fn exchange() -> Weight {
    Weight::from_ref_time(60_000_000).saturating_add(db_weight::reads_writes(5, 6))
}

/// `redeem`: the issuer and the account read, the burn, the request written.
pub fn redeem() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 6))
}

/// The governance-set values and approvals: one or two reads, one or two writes.
pub fn admin() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(2, 2))
}

/// `delete_data`, `recover_data`: the data and its owner, the deleters (up to 16), the
/// backup, the expiry schedule (the day list and the day's counter), the store's write and
/// log entry.
pub fn delete_data() -> Weight {
    Weight::from_ref_time(40_000_000).saturating_add(db_weight::reads_writes(40, 8))
}

/// What the storage quota adds to a write of business data: the data before and after, the
/// old and the new owner's quota read and written.
pub fn quota() -> Weight {
    db_weight::reads_writes(4, 2)
}

/// What reporting a change of a store's data adds to a call of its pallet
/// ([`crate::data_changed`]): the deleters of the old instance cleared (up to 16) and the
/// deletion noted.
pub fn data_changed() -> Weight {
    let deleters = crate::DELETERS_MAX as u64;
    db_weight::reads_writes(deleters, deleters + 1)
}

/// `pay_with`: the approval read, on top of the call's weight.
pub fn pay_with() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(1, 0))
}

/// A payout: the period's nodes (at most [`WORKERS_MAX`]) with their records, organizations
/// and attestations; a transfer to each active organization (at most 64); the period closed.
pub fn payout() -> Weight {
    let workers = WORKERS_MAX as u64;
    let orgs = accord_pallet_organizations::ACTIVE_ORGS_MAX as u64;
    BASE.saturating_add(db_weight::reads_writes(3 + 3 * workers + 3 * orgs, 2 * orgs + 4))
}

/// What counting a node's work adds to its proof: the node, its organization, the period's
/// nodes and the node count read; the period's nodes and the node count written.
pub fn note_work() -> Weight {
    db_weight::reads_writes(4, 2)
}
