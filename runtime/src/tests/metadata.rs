use codec::{Decode, Encode};
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use scale_info::form::PortableForm;
use scale_info::TypeDef;

use accord_pallet_balances as balances;
use accord_pallet_system as system;
use accord_primitives::{MultiAddress, Pair};

use super::scale_walk::{decode_fully, references};
use super::Chain;
use crate::metadata::metadata_bytes;
use crate::{RuntimeCall, UNIT};

pub(super) fn v14() -> frame_metadata::v14::RuntimeMetadataV14 {
    let prefixed = RuntimeMetadataPrefixed::decode(&mut &metadata_bytes()[..]).expect("frame-metadata decodes it");
    assert_eq!(prefixed.0, frame_metadata::META_RESERVED);
    match prefixed.1 {
        RuntimeMetadata::V14(m) => m,
        _ => panic!("expected V14"),
    }
}

fn path_of(m: &frame_metadata::v14::RuntimeMetadataV14, id: u32) -> String {
    m.types.resolve(id).unwrap().path.segments.join("::")
}

#[test]
fn prefix_and_version_byte() {
    assert_eq!(&metadata_bytes()[..5], b"meta\x0e");
}

#[test]
fn every_type_reference_resolves() {
    let m = v14();
    for ty in m.types.types.iter() {
        for id in references(&ty.ty) {
            assert!(m.types.resolve(id).is_some(), "type {} refers to missing type {id}", ty.id);
        }
    }
    for pallet in &m.pallets {
        let ids = pallet
            .calls
            .iter()
            .map(|c| c.ty.id)
            .chain(pallet.event.iter().map(|e| e.ty.id))
            .chain(pallet.error.iter().map(|e| e.ty.id));
        for id in ids {
            assert!(matches!(m.types.resolve(id).unwrap().type_def, TypeDef::Variant(_)), "{}: {id}", pallet.name);
        }
    }
}

#[test]
fn pallets_are_at_their_indices() {
    let m = v14();
    let pallets: Vec<_> = m.pallets.iter().map(|p| (p.name.as_str(), p.index)).collect();
    assert_eq!(
        pallets,
        vec![
            ("System", 0),
            ("Timestamp", 1),
            ("Balances", 2),
            ("Sudo", 3),
            ("Oplog", 4),
            ("Records", 5),
            ("Validators", 6),
            ("Organizations", 7),
            ("Alliances", 8),
            ("Governance", 9),
            ("Releases", 10),
            ("Metering", 11),
            ("SubchainStatus", 12),
            ("Evm", 13)
        ]
    );
}

#[test]
fn client_aliased_type_paths() {
    let m = v14();
    let xt = m.types.resolve(m.extrinsic.ty.id).unwrap();
    assert_eq!(xt.path.segments.join("::"), "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic");
    let params: Vec<_> = xt.type_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, vec!["Address", "Call", "Signature", "Extra"]);
    let param = |name: &str| xt.type_params.iter().find(|p| p.name == name).unwrap().ty.unwrap().id;
    assert_eq!(path_of(&m, param("Address")), "sp_runtime::multiaddress::MultiAddress");
    assert_eq!(path_of(&m, param("Signature")), "sp_runtime::MultiSignature");
    assert!(path_of(&m, param("Call")).ends_with("RuntimeCall"));
    assert_eq!(m.extrinsic.version, 4);
    let all_paths: Vec<String> = m.types.types.iter().map(|t| t.ty.path.segments.join("::")).collect();
    for expected in [
        "sp_core::crypto::AccountId32",
        "sp_runtime::generic::era::Era",
        "sp_weights::weight_v2::Weight",
        "sp_runtime::DispatchError",
        "sp_runtime::ModuleError",
        "frame_system::EventRecord",
        "frame_system::Phase",
        "primitive_types::H256",
    ] {
        assert!(all_paths.iter().any(|p| p == expected), "missing {expected}");
    }
    assert!(all_paths.iter().any(|p| p.ends_with("RuntimeEvent")));
    // DispatchError::Module is variant 3 carrying {index: u8, error: [u8; 4]}.
    let de = m.types.types.iter().find(|t| t.ty.path.segments.join("::") == "sp_runtime::DispatchError").unwrap();
    let TypeDef::Variant(v) = &de.ty.type_def else { panic!() };
    assert_eq!(v.variants.iter().find(|v| v.name == "Module").unwrap().index, 3);
    assert_eq!(v.variants.len(), 15);
}

#[test]
fn extensions_match_the_reference_table() {
    let m = v14();
    let ids: Vec<_> = m.extrinsic.signed_extensions.iter().map(|e| e.identifier.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "CheckNonZeroSender",
            "CheckSpecVersion",
            "CheckTxVersion",
            "CheckGenesis",
            "CheckMortality",
            "CheckNonce",
            "CheckWeight",
            "ChargeTransactionPayment"
        ]
    );
    // The extra and implicit data we encode must decode by these types.
    let extra = accord_primitives::SignedExtra { era: accord_primitives::Era::mortal(64, 7), nonce: 3, tip: 9 };
    let mut extra_bytes = &extra.encode()[..];
    let implicit = Chain::dev().implicit(accord_primitives::Era::Immortal);
    let mut implicit_bytes = &implicit.encode()[..];
    for e in &m.extrinsic.signed_extensions {
        super::scale_walk::skip(&m.types, e.ty.id, &mut extra_bytes, 0).unwrap();
        super::scale_walk::skip(&m.types, e.additional_signed.id, &mut implicit_bytes, 0).unwrap();
    }
    assert!(extra_bytes.is_empty() && implicit_bytes.is_empty());
}

fn storage_entry<'a>(
    m: &'a frame_metadata::v14::RuntimeMetadataV14,
    pallet: &str,
    item: &str,
) -> &'a frame_metadata::v14::StorageEntryMetadata<PortableForm> {
    let p = m.pallets.iter().find(|p| p.name == pallet).unwrap();
    p.storage.as_ref().unwrap().entries.iter().find(|e| e.name == item).unwrap()
}

fn value_ty(e: &frame_metadata::v14::StorageEntryMetadata<PortableForm>) -> u32 {
    match &e.ty {
        frame_metadata::v14::StorageEntryType::Plain(t) => t.id,
        frame_metadata::v14::StorageEntryType::Map { value, .. } => value.id,
    }
}

#[test]
fn defaults_and_constants_decode_exactly() {
    let m = v14();
    for p in &m.pallets {
        for e in p.storage.iter().flat_map(|s| s.entries.iter()) {
            let bytes = &e.default;
            let result = match e.modifier {
                frame_metadata::v14::StorageEntryModifier::Default => decode_fully(&m.types, value_ty(e), bytes),
                frame_metadata::v14::StorageEntryModifier::Optional => {
                    if bytes == &[0] {
                        Ok(())
                    } else {
                        Err("optional default must be None".into())
                    }
                }
            };
            result.unwrap_or_else(|err| panic!("{}.{} default: {err}", p.name, e.name));
        }
        for c in &p.constants {
            decode_fully(&m.types, c.ty.id, &c.value).unwrap_or_else(|err| panic!("{}.{}: {err}", p.name, c.name));
        }
    }
    let system = m.pallets.iter().find(|p| p.name == "System").unwrap();
    let ss58 = system.constants.iter().find(|c| c.name == "SS58Prefix").unwrap();
    assert_eq!(path_of(&m, ss58.ty.id), "");
    assert_eq!(ss58.value, 42u16.encode());
}

#[test]
fn stored_values_of_a_real_block_decode_by_the_metadata() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let call = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(bob.account()),
        value: UNIT,
    });
    let fail = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(bob.account()),
        value: u128::MAX,
    });
    chain.produce(&[chain.signed(&alice, &call, 0), chain.signed(&alice, &fail, 1)]);
    let m = v14();
    let events = chain.state.map.get(&system::events_key()).unwrap();
    decode_fully(&m.types, value_ty(storage_entry(&m, "System", "Events")), events).unwrap();
    assert_eq!(
        chain.events().len(),
        14,
        "inherent success; transfer, 3 logged (both sides, fee), withdraw, fee charged, success; withdraw, logged, \
         fee charged, failed; the platform's deposit and its log entry"
    );
    let account = chain.state.map.get(&system::ACCOUNT.key(&alice.account())).unwrap();
    decode_fully(&m.types, value_ty(storage_entry(&m, "System", "Account")), account).unwrap();
    let number = chain.state.map.get(&system::NUMBER.key()).unwrap();
    decode_fully(&m.types, value_ty(storage_entry(&m, "System", "Number")), number).unwrap();
}

#[test]
fn calls_we_build_decode_by_the_metadata() {
    let m = v14();
    let call_ty = m
        .types
        .resolve(m.extrinsic.ty.id)
        .unwrap()
        .type_params
        .iter()
        .find(|p| p.name == "Call")
        .unwrap()
        .ty
        .unwrap()
        .id;
    let calls = [
        RuntimeCall::Balances(balances::Call::transfer_allow_death {
            dest: MultiAddress::Id(Pair::dev("Bob").account()),
            value: 5,
        }),
        RuntimeCall::System(system::Call::remark_with_event { remark: vec![1, 2, 3] }),
        RuntimeCall::Timestamp(accord_pallet_timestamp::Call::set { now: 99 }),
    ];
    for call in calls {
        decode_fully(&m.types, call_ty, &call.encode()).unwrap();
    }
}

#[test]
fn subxt_reads_our_metadata() {
    let md = subxt_metadata::Metadata::decode_from(metadata_bytes()).expect("subxt-metadata accepts it");
    let balances = md.pallet_by_name("Balances").unwrap();
    assert_eq!(balances.call_index(), 2);
    for name in ["transfer_allow_death", "force_transfer", "transfer_keep_alive", "transfer_all", "force_set_balance"] {
        assert!(balances.call_variant_by_name(name).is_some(), "{name}");
    }
    assert_eq!(balances.event_variant_by_index(2).unwrap().name, "Transfer");
    assert_eq!(balances.error_variant_by_index(2).unwrap().name, "InsufficientBalance");
    assert!(balances.constant_by_name("ExistentialDeposit").is_some());
    let system = md.pallet_by_name("System").unwrap();
    let storage = system.storage().unwrap();
    for item in ["Account", "Number", "ParentHash", "BlockHash", "Events"] {
        assert!(storage.entry_by_name(item).is_some(), "{item}");
    }
    assert!(md.pallet_by_name("Timestamp").unwrap().call_variant_by_name("set").is_some());
    let ids: Vec<String> =
        md.extrinsic().transaction_extensions_by_version(0).unwrap().map(|e| e.identifier().to_string()).collect();
    assert_eq!(ids.len(), 8);
    assert_eq!(ids[4], "CheckMortality");
    let outer = md.outer_enums();
    assert!(md.types().resolve(outer.call_enum_ty()).is_some());
    assert!(md.types().resolve(outer.event_enum_ty()).is_some());
    assert!(md.types().resolve(outer.error_enum_ty()).is_some());
}
