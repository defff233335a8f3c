//! The runtime's metadata, built once each from one list of pallets ([`pallets`]):
//!
//! - V14: `state_getMetadata`, `Metadata_metadata`, `Metadata_metadata_at_version(14)`;
//! - V15: `Metadata_metadata_at_version(15)`, which polkadot-api prefers: V14's pallets and
//!   types, plus pallet docs, the runtime APIs (`api_metadata.rs`), the outer enums
//!   (`RuntimeCall`, `RuntimeEvent`, [`RuntimeError`]) and an empty custom map.

use std::sync::OnceLock;

use codec::{Decode, Encode};
use frame_metadata::RuntimeMetadataPrefixed;
use scale_info::{meta_type, Field, Path, Type, TypeDefVariant, TypeInfo, Variant};

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
use accord_primitives::extrinsic::ExtrinsicTypeInfo;
use accord_primitives::types::SS58_PREFIX_DEFAULT;
use accord_support::metadata::RuntimeTypes;
use accord_support::PalletMeta;

use crate::call::{RuntimeCall, RuntimeEvent};
use crate::version::RuntimeVersion;
use crate::{limits, pallet_index, version};

/// The metadata versions served (`Metadata_metadata_versions`).
pub const METADATA_VERSIONS: [u32; 2] = [14, 15];

/// Names the runtime in metadata.
#[derive(TypeInfo)]
pub struct Runtime;

/// Why a balance is held (`Balances.Holds`): FRAME's `RuntimeHoldReason`, one variant per
/// pallet that holds funds. None does: the enum has no variants (polkadot.js reads an empty
/// enum as `Null`; no value of it is ever stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum RuntimeHoldReason {}

/// Why a balance is frozen (`Balances.Freezes`): FRAME's `RuntimeFreezeReason`; no pallet
/// freezes funds, so no variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum RuntimeFreezeReason {}

/// Every pallet's metadata parts and docs, in index order: the one list both versions are
/// built from.
pub fn pallets() -> Vec<(PalletMeta, &'static [&'static str])> {
    let system_constants = system::Constants {
        block_weights: limits::block_weights(),
        block_length: limits::BLOCK_LENGTH,
        version: version::version(),
        ss58_prefix: SS58_PREFIX_DEFAULT,
    };
    vec![
        (
            system::metadata::<RuntimeEvent, RuntimeVersion>(&system_constants),
            &[" Accounts and nonces, the block number and hashes, the block's events."],
        ),
        (timestamp::metadata(), &[" The block time, set by the `set` inherent."]),
        (
            balances::metadata::<RuntimeHoldReason, RuntimeFreezeReason>(),
            &[" Free balances, transfers, the existential deposit and fee withdrawal."],
        ),
        (sudo::metadata::<RuntimeCall>(), &[" One key that dispatches calls as root."]),
        (oplog::metadata(), &[" The operation log: every change to business data, for off-chain consumers."]),
        (records::metadata(), &[" Shared business records."]),
        (validators::metadata(), &[" The next epoch's BFT validator set."]),
        (organizations::metadata(), &[" Member organizations, their accounts, resource spaces and nodes."]),
        (alliances::metadata(), &[" Alliances of organizations, business chains and their tasks."]),
        (governance::metadata::<RuntimeCall>(), &[" Proposals of management calls, voted by organizations."]),
        (releases::metadata::<RuntimeCall>(), &[" Gray releases of logic versions: routing, stages, rollback."]),
        (metering::metadata::<RuntimeCall>(), &[" Resource prices, fees, charging modes, payouts and data deletion."]),
        (subchain_status::metadata(), &[" The main chain's record of sub-chain status reports and disputes."]),
        (evm::metadata(), &[" Contracts: EVM bytecode run by revm, storage slot by slot."]),
    ]
}

/// `RuntimeError`: the `Error` enum of every pallet that has one, as a variant named after
/// the pallet at its index. It decodes the 5 bytes of `DispatchError::Module` (the pallet
/// index, then the error) into the pallet's error (metadata V15's outer error enum).
pub struct RuntimeError;

impl TypeInfo for RuntimeError {
    type Identity = Self;
    fn type_info() -> Type {
        let variants = pallets().into_iter().filter_map(|(pallet, _)| {
            let error = pallet.error?;
            let field = Field::new(None, error, None, Vec::new());
            Some(Variant::new(pallet.name, vec![field], pallet_index(pallet.name), Vec::new()))
        });
        Type::new(Path::new("RuntimeError", module_path!()), [], TypeDefVariant::new(variants), Vec::new())
    }
}

/// Builds the metadata V14.
pub fn build() -> RuntimeMetadataPrefixed {
    let pallets = pallets()
        .into_iter()
        .map(|(pallet, _)| {
            let index = pallet_index(pallet.name);
            pallet.build(index)
        })
        .collect();
    accord_support::metadata::build_v14(pallets, meta_type::<ExtrinsicTypeInfo<RuntimeCall>>(), meta_type::<Runtime>())
}

/// Builds the metadata V15.
pub fn build_v15() -> RuntimeMetadataPrefixed {
    let pallets = pallets()
        .into_iter()
        .map(|(pallet, docs)| {
            let index = pallet_index(pallet.name);
            pallet.build_v15(index, docs)
        })
        .collect();
    let types = RuntimeTypes {
        runtime: meta_type::<Runtime>(),
        call: meta_type::<RuntimeCall>(),
        event: meta_type::<RuntimeEvent>(),
        error: meta_type::<RuntimeError>(),
    };
    accord_support::metadata::build_v15(pallets, types, crate::api_metadata::runtime_apis())
}

/// The SCALE-encoded prefixed metadata V14 (`0x6d657461 0e ...`), built once.
pub fn metadata_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| build().encode())
}

/// The SCALE-encoded prefixed metadata V15 (`0x6d657461 0f ...`), built once.
pub fn metadata_v15_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| build_v15().encode())
}
