//! The runtime's metadata V14, built once from the pallets' parts.

use std::sync::OnceLock;

use codec::Encode;
use frame_metadata::RuntimeMetadataPrefixed;
use scale_info::{meta_type, TypeInfo};

use accord_pallet_alliances as alliances;
use accord_pallet_balances as balances;
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

use crate::call::{RuntimeCall, RuntimeEvent};
use crate::pallet_index;

/// Names the runtime in metadata.
#[derive(TypeInfo)]
pub struct Runtime;

/// Builds the metadata.
pub fn build() -> RuntimeMetadataPrefixed {
    let pallets = vec![
        system::metadata::<RuntimeEvent>(SS58_PREFIX_DEFAULT).build(pallet_index(system::NAME)),
        timestamp::metadata().build(pallet_index(timestamp::NAME)),
        balances::metadata().build(pallet_index(balances::NAME)),
        sudo::metadata::<RuntimeCall>().build(pallet_index(sudo::NAME)),
        oplog::metadata().build(pallet_index(oplog::NAME)),
        records::metadata().build(pallet_index(records::NAME)),
        validators::metadata().build(pallet_index(validators::NAME)),
        organizations::metadata().build(pallet_index(organizations::NAME)),
        alliances::metadata().build(pallet_index(alliances::NAME)),
        governance::metadata::<RuntimeCall>().build(pallet_index(governance::NAME)),
        releases::metadata::<RuntimeCall>().build(pallet_index(releases::NAME)),
        metering::metadata::<RuntimeCall>().build(pallet_index(metering::NAME)),
        subchain_status::metadata().build(pallet_index(subchain_status::NAME)),
    ];
    accord_support::metadata::build_v14(pallets, meta_type::<ExtrinsicTypeInfo<RuntimeCall>>(), meta_type::<Runtime>())
}

/// The SCALE-encoded prefixed metadata (`0x6d657461 0e ...`), built once.
pub fn metadata_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| build().encode())
}
