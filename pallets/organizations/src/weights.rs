//! Weights of the organizations pallet: storage reads and writes (see
//! `accord_support::dispatch::db_weight`) plus a fixed computation share; `register_node`
//! adds one ed25519 signature check. Estimates until the measured-weights harness (issue 19)
//! replaces them.

use accord_support::dispatch::db_weight;
use accord_support::Weight;

use crate::{MEMBERS_MAX, ORGS_MAX, ORG_NODES_MAX};

/// The computation of a call besides its storage accesses.
const BASE: Weight = Weight::from_ref_time(10_000_000);

/// One ed25519 signature verification (about 40 µs in a release build on the development
/// machine, with margin).
const SIGNATURE: Weight = Weight::from_ref_time(60_000_000);

/// `register_org` with `admins` admins: each checked (one read) and written twice.
pub fn register_org(admins: u32) -> Weight {
    BASE.saturating_add(db_weight::reads_writes(1 + admins as u64, 2 + 2 * admins as u64))
}

/// `add_member`: the organization, the caller's role and the account's index read; three writes.
pub fn add_member() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(3, 3))
}

/// `remove_member`: as `add_member`.
pub fn remove_member() -> Weight {
    add_member()
}

/// `add_admin`: as `add_member`, with the role read.
pub fn add_admin() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 3))
}

/// `remove_admin`: two reads, two writes.
pub fn remove_admin() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(3, 2))
}

/// `register_node`: five reads, four writes and the key's proof.
pub fn register_node() -> Weight {
    BASE.saturating_add(SIGNATURE).saturating_add(db_weight::reads_writes(6, 4))
}

/// `remove_node`: the node, organization, role and validator set read; up to five writes.
pub fn remove_node() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(4, 5))
}

/// `bind_resource_space` (and `release_resource_space`) over `endpoints` keys: each key read
/// and written, the old ones removed, the organization's nodes read.
pub fn bind_resource_space(endpoints: u32) -> Weight {
    let keys = endpoints as u64;
    BASE.saturating_add(db_weight::reads_writes(3 + keys + ORG_NODES_MAX as u64, 1 + 2 * keys))
}

/// `suspend_org`, `resume_org`, `set_credentials`: a few reads, one write.
pub fn set_status() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(3, 1))
}

/// `set_open`: closing the chain reads every organization (at most [`ORGS_MAX`]) to be
/// sure some active one has an account.
pub fn set_open() -> Weight {
    BASE.saturating_add(db_weight::reads_writes(1 + ORGS_MAX as u64, 1))
}

/// `exit_org`: every account and node removed, at their bounds.
pub fn exit_org() -> Weight {
    let accounts = MEMBERS_MAX as u64;
    let nodes = ORG_NODES_MAX as u64;
    BASE.saturating_add(db_weight::reads_writes(3 + accounts + nodes, 1 + 2 * accounts + 3 * nodes + 2 * 64))
}
