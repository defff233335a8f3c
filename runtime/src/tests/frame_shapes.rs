//! The `System` constants and the `Balances` lock items that Substrate clients read, checked
//! against FRAME's shapes: the values decode exactly as FRAME's types (written out here as
//! FRAME declares them, independently of ours), and the metadata names FRAME's fields.

use codec::{Decode, Encode};
use frame_metadata::v14::{StorageEntryModifier, StorageEntryType, StorageHasher};
use scale_info::{PortableRegistry, TypeDef};

use accord_pallet_balances as balances;
use accord_primitives::Pair;
use accord_support::Weight;

use super::metadata::v14;
use super::Chain;
use crate::limits::{BLOCK_LENGTH_MAX, BLOCK_WEIGHT_MAX, EXTRINSIC_BASE_WEIGHT, NORMAL_BLOCK_WEIGHT_MAX};

/// `sp_version::RuntimeVersion`.
#[derive(Debug, PartialEq, Decode)]
struct FrameRuntimeVersion {
    spec_name: String,
    impl_name: String,
    authoring_version: u32,
    spec_version: u32,
    impl_version: u32,
    apis: Vec<([u8; 8], u32)>,
    transaction_version: u32,
    system_version: u8,
}

/// `sp_weights::Weight`.
#[derive(Debug, PartialEq, Decode)]
struct FrameWeight {
    #[codec(compact)]
    ref_time: u64,
    #[codec(compact)]
    proof_size: u64,
}

/// `frame_support::dispatch::PerDispatchClass`.
#[derive(Debug, PartialEq, Decode)]
struct FramePerClass<T> {
    normal: T,
    operational: T,
    mandatory: T,
}

/// `frame_system::limits::WeightsPerClass`.
#[derive(Debug, PartialEq, Decode)]
struct FrameWeightsPerClass {
    base_extrinsic: FrameWeight,
    max_extrinsic: Option<FrameWeight>,
    max_total: Option<FrameWeight>,
    reserved: Option<FrameWeight>,
}

/// `frame_system::limits::BlockWeights`.
#[derive(Debug, PartialEq, Decode)]
struct FrameBlockWeights {
    base_block: FrameWeight,
    max_block: FrameWeight,
    per_class: FramePerClass<FrameWeightsPerClass>,
}

/// `frame_system::limits::BlockLength`.
#[derive(Debug, PartialEq, Decode)]
struct FrameBlockLength {
    max: FramePerClass<u32>,
}

/// `sp_weights::RuntimeDbWeight`.
#[derive(Debug, PartialEq, Decode)]
struct FrameDbWeight {
    read: u64,
    write: u64,
}

fn frame<T: Decode>(bytes: &[u8]) -> T {
    let mut input = bytes;
    let value = T::decode(&mut input).expect("decodes as FRAME's type");
    assert!(input.is_empty(), "{} bytes left over", input.len());
    value
}

fn weight(w: Weight) -> FrameWeight {
    FrameWeight { ref_time: w.ref_time, proof_size: w.proof_size }
}

/// The field names of struct `id`, and the struct each field's type is (recursively, for
/// the names of nested structs).
fn fields(types: &PortableRegistry, id: u32) -> Vec<String> {
    match &types.resolve(id).expect("resolves").type_def {
        TypeDef::Composite(c) => c.fields.iter().map(|f| f.name.clone().unwrap_or_default()).collect(),
        other => panic!("not a struct: {other:?}"),
    }
}

fn field_ty(types: &PortableRegistry, id: u32, name: &str) -> u32 {
    let TypeDef::Composite(c) = &types.resolve(id).unwrap().type_def else { panic!("not a struct") };
    c.fields.iter().find(|f| f.name.as_deref() == Some(name)).unwrap_or_else(|| panic!("field {name}")).ty.id
}

#[test]
fn system_constants_decode_as_frames_types() {
    let m = v14();
    let system = m.pallets.iter().find(|p| p.name == "System").unwrap();
    let names: Vec<&str> = system.constants.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["BlockWeights", "BlockLength", "BlockHashCount", "DbWeight", "Version", "SS58Prefix"]);
    let constant = |name: &str| system.constants.iter().find(|c| c.name == name).unwrap();

    let version: FrameRuntimeVersion = frame(&constant("Version").value);
    let ours = crate::version::version();
    assert_eq!((version.spec_name.as_str(), version.spec_version), (ours.spec_name.as_str(), ours.spec_version));
    assert_eq!((version.transaction_version, version.system_version), (ours.transaction_version, 1));
    assert_eq!((version.impl_name, version.authoring_version, version.impl_version), (ours.impl_name, 1, 1));
    assert_eq!(version.apis, ours.apis);
    assert_eq!(constant("Version").value, crate::version::version().encode(), "the constant is Core_version's answer");

    let weights: FrameBlockWeights = frame(&constant("BlockWeights").value);
    assert_eq!(weights.max_block, weight(BLOCK_WEIGHT_MAX));
    assert_eq!(weights.base_block, weight(crate::limits::block_base_weight()));
    let normal = &weights.per_class.normal;
    assert_eq!(normal.base_extrinsic, weight(EXTRINSIC_BASE_WEIGHT));
    assert_eq!(normal.max_total, Some(weight(NORMAL_BLOCK_WEIGHT_MAX)));
    let max_extrinsic = normal.max_extrinsic.as_ref().unwrap();
    assert_eq!(max_extrinsic.ref_time + EXTRINSIC_BASE_WEIGHT.ref_time, NORMAL_BLOCK_WEIGHT_MAX.ref_time);
    assert_eq!(weights.per_class.operational, weights.per_class.normal);
    assert_eq!(weights.per_class.mandatory.max_total, None, "inherents: only the block's maximum");

    let length: FrameBlockLength = frame(&constant("BlockLength").value);
    assert_eq!(length.max.mandatory, BLOCK_LENGTH_MAX);
    assert_eq!(length.max.normal, crate::limits::NORMAL_BLOCK_LENGTH_MAX);

    let db: FrameDbWeight = frame(&constant("DbWeight").value);
    let measured = accord_support::dispatch::db_weight::reads_writes(1, 0);
    assert_eq!(db.read, measured.ref_time);
    assert_eq!(db.write, accord_support::dispatch::db_weight::reads_writes(0, 1).ref_time);
    assert_eq!(u32::decode(&mut &constant("BlockHashCount").value[..]).unwrap(), 4096);

    // The metadata names FRAME's fields, which clients read by name.
    let t = &m.types;
    let bw = constant("BlockWeights").ty.id;
    assert_eq!(fields(t, bw), ["base_block", "max_block", "per_class"]);
    let per_class = field_ty(t, bw, "per_class");
    assert_eq!(fields(t, per_class), ["normal", "operational", "mandatory"]);
    let class = field_ty(t, per_class, "normal");
    assert_eq!(fields(t, class), ["base_extrinsic", "max_extrinsic", "max_total", "reserved"]);
    assert_eq!(fields(t, constant("BlockLength").ty.id), ["max"]);
    assert_eq!(fields(t, constant("DbWeight").ty.id), ["read", "write"]);
    let v = fields(t, constant("Version").ty.id);
    let expected = [
        "spec_name",
        "impl_name",
        "authoring_version",
        "spec_version",
        "impl_version",
        "apis",
        "transaction_version",
        "system_version",
    ];
    assert_eq!(v, expected);
}

#[test]
fn balance_lock_items_have_frames_shapes_and_read_empty() {
    let m = v14();
    let balances_meta = m.pallets.iter().find(|p| p.name == "Balances").unwrap();
    let entries = &balances_meta.storage.as_ref().unwrap().entries;
    let t = &m.types;
    let element = |item: &str| {
        let e = entries.iter().find(|e| e.name == item).unwrap_or_else(|| panic!("Balances.{item}"));
        assert_eq!(e.modifier, StorageEntryModifier::Default, "{item}: ValueQuery");
        assert_eq!(e.default, vec![0], "{item}: an empty vector");
        let StorageEntryType::Map { hashers, key, value } = &e.ty else { panic!("{item} is a map") };
        assert_eq!(hashers, &vec![StorageHasher::Blake2_128Concat], "{item}");
        assert_eq!(t.resolve(key.id).unwrap().path.segments.join("::"), "sp_core::crypto::AccountId32");
        let TypeDef::Sequence(seq) = &t.resolve(value.id).unwrap().type_def else { panic!("{item}: a vector") };
        seq.type_param.id
    };
    let lock = element("Locks");
    assert_eq!(fields(t, lock), ["id", "amount", "reasons"]);
    let TypeDef::Variant(reasons) = &t.resolve(field_ty(t, lock, "reasons")).unwrap().type_def else {
        panic!("Reasons is an enum")
    };
    let reasons: Vec<(&str, u8)> = reasons.variants.iter().map(|v| (v.name.as_str(), v.index)).collect();
    assert_eq!(reasons, [("Fee", 0), ("Misc", 1), ("All", 2)]);
    let TypeDef::Array(id) = &t.resolve(field_ty(t, lock, "id")).unwrap().type_def else { panic!("[u8; 8]") };
    assert_eq!(id.len, 8);
    assert_eq!(fields(t, element("Reserves")), ["id", "amount"]);
    for item in ["Holds", "Freezes"] {
        let id_amount = element(item);
        assert_eq!(fields(t, id_amount), ["id", "amount"]);
        let TypeDef::Variant(reasons) = &t.resolve(field_ty(t, id_amount, "id")).unwrap().type_def else {
            panic!("{item}: the reason is an enum")
        };
        assert!(reasons.variants.is_empty(), "{item}: no pallet holds or freezes");
    }

    // Nothing writes them: after a block of transfers every account reads empty, and the
    // state has no key under them (`check_state` checks that after every block).
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let transfer = crate::RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: accord_primitives::MultiAddress::Id(bob.account()),
        value: crate::UNIT,
    });
    chain.produce(&[chain.signed(&alice, &transfer, 0)]);
    chain.read(|ext| {
        assert!(balances::types::LOCKS.get(ext, &alice.account()).is_empty());
        assert!(balances::types::RESERVES.get(ext, &alice.account()).is_empty());
        let holds = balances::types::holds::<crate::metadata::RuntimeHoldReason>();
        assert!(holds.get(ext, &bob.account()).is_empty());
        assert!(holds.iter_from(ext, None, 1).is_empty());
    });
    // An entry would break the invariant.
    let key = balances::types::LOCKS.key(&alice.account());
    chain.state.map.insert(key, vec![0]);
    let broken = chain.read(crate::check_state).unwrap_err();
    assert!(broken.contains("Balances.Locks"), "{broken}");
}
