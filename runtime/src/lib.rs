//! # accord-runtime
//!
//! The Accord runtime: the pallets assembled in plain Rust, the executive that builds and
//! imports blocks, genesis, the runtime version, the runtime APIs and metadata (V14, V15),
//! and the runtime's identity in the state (`:code`, see [`code`]).
//!
//! | index | pallet |
//! |---|---|
//! | 0 | System |
//! | 1 | Timestamp |
//! | 2 | Balances |
//! | 3 | Sudo |
//! | 4 | Oplog |
//! | 5 | Records |
//! | 6 | Validators |
//! | 7 | Organizations |
//! | 8 | Alliances |
//! | 9 | Governance |
//! | 10 | Releases |
//! | 11 | Metering |
//! | 12 | SubchainStatus |
//! | 13 | Evm |
//!
//! Pallet indices are part of the wire format (calls, events, errors): never reuse one.
//!
//! Architecture invariant: the runtime is pure. It reads state through
//! [`accord_support::StateRead`] and returns changes; the node does every I/O.

pub mod api_metadata;
pub mod apis;
pub mod call;
pub mod code;
mod contract_data;
pub mod evm_glue;
pub mod executive;
pub mod fees;
pub mod genesis;
mod genesis_orgs;
pub mod limits;
pub mod metadata;
mod releases_glue;
pub mod validity;
pub mod version;
pub mod weights;

#[cfg(test)]
mod tests;

use accord_pallet_alliances as alliances;
use accord_pallet_balances as balances;
use accord_pallet_evm as evm;
use accord_pallet_governance as governance;
use accord_pallet_metering as metering;
use accord_pallet_oplog as oplog;
use accord_pallet_organizations as organizations;
use accord_pallet_records as records;
use accord_pallet_releases as releases;
use accord_pallet_subchain_status as subchain_status;
use accord_pallet_sudo as sudo;
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_pallet_validators as validators;
use accord_support::{Hooks, PalletIndices};

pub use accord_pallet_releases::{SignalVersions as LogicVersions, Target as LogicTarget, Version as LogicVersion};
pub use call::{RuntimeCall, RuntimeEvent};
pub use executive::{
    dry_run, execute_block, execute_block_with, self_contained_sender, timestamp_inherent, validate_transaction,
    validate_transaction_with, ApplyOutcome, BlockError, BlockExecution, BuiltBlock, Signatures,
};
pub use genesis::{GenesisConfig, GenesisError, UNIT};
pub use releases_glue::{
    logic_signal_inherent, logic_versions, parse_logic_versions, route_answer, traffic_class_from_name, RouteAnswer,
};

/// The pallets and their indices.
pub const PALLETS: PalletIndices = &[
    (system::NAME, 0),
    (timestamp::NAME, 1),
    (balances::NAME, 2),
    (sudo::NAME, 3),
    (oplog::NAME, 4),
    (records::NAME, 5),
    (validators::NAME, 6),
    (organizations::NAME, 7),
    (alliances::NAME, 8),
    (governance::NAME, 9),
    (releases::NAME, 10),
    (metering::NAME, 11),
    (subchain_status::NAME, 12),
    (evm::NAME, 13),
];

/// The index of a pallet of this runtime.
///
/// # Panics
/// If `name` is not in [`PALLETS`]: a programming error in the runtime's assembly.
pub fn pallet_index(name: &str) -> u8 {
    PALLETS.iter().find(|(n, _)| *n == name).map(|(_, i)| *i).expect("pallet is in PALLETS")
}

/// Runs every pallet's `integrity_check`.
pub fn integrity_check() -> Result<(), String> {
    system::Pallet::integrity_check()?;
    timestamp::Pallet::integrity_check()?;
    balances::Pallet::integrity_check()?;
    sudo::Pallet::integrity_check()?;
    oplog::Pallet::integrity_check()?;
    records::Pallet::integrity_check()?;
    validators::Pallet::integrity_check()?;
    organizations::Pallet::integrity_check()?;
    alliances::Pallet::integrity_check()?;
    governance::Pallet::integrity_check()?;
    releases::Pallet::integrity_check()?;
    metering::Pallet::integrity_check()?;
    subchain_status::Pallet::integrity_check()?;
    evm::Pallet::integrity_check()?;
    let mut seen = [false; 256];
    for (name, index) in PALLETS {
        if std::mem::replace(&mut seen[*index as usize], true) {
            return Err(format!("pallet index {index} ({name}) is used twice"));
        }
    }
    Ok(())
}

/// Runs every pallet's `check_state` on `ext`.
pub fn check_state(ext: &accord_support::Ext<'_>) -> Result<(), String> {
    system::Pallet::check_state(ext)?;
    timestamp::Pallet::check_state(ext)?;
    balances::Pallet::check_state(ext)?;
    sudo::Pallet::check_state(ext)?;
    oplog::Pallet::check_state(ext)?;
    records::Pallet::check_state(ext)?;
    validators::Pallet::check_state(ext)?;
    organizations::Pallet::check_state(ext)?;
    alliances::Pallet::check_state(ext)?;
    governance::Pallet::check_state(ext)?;
    releases::Pallet::check_state(ext)?;
    metering::Pallet::check_state(ext)?;
    subchain_status::Pallet::check_state(ext)?;
    evm::Pallet::check_state(ext)
}
