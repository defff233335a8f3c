//! Metadata V15, checked with the real decoders (frame-metadata, subxt-metadata): its runtime
//! APIs against what the runtime serves and advertises, their types against the values the
//! APIs answer, and the outer enums.

use codec::{Decode, Encode};
use frame_metadata::v15::RuntimeMetadataV15;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use scale_info::{PortableRegistry, TypeDef};

use accord_pallet_balances as balances;
use accord_primitives::extrinsic::{Signature, SignedExtra};
use accord_primitives::{Era, MultiAddress, MultiSignature, Pair, UncheckedExtrinsic};

use super::metadata::v14;
use super::scale_walk::{decode_fully, references};
use super::Chain;
use crate::apis::{call, ApiError};
use crate::metadata::metadata_v15_bytes;
use crate::validity::TransactionSource;
use crate::version::{api_id, apis};
use crate::{RuntimeCall, UNIT};

pub(super) fn v15() -> RuntimeMetadataV15 {
    let prefixed = RuntimeMetadataPrefixed::decode(&mut &metadata_v15_bytes()[..]).expect("frame-metadata decodes it");
    assert_eq!(prefixed.0, frame_metadata::META_RESERVED);
    assert_eq!(prefixed.encode(), metadata_v15_bytes(), "and encodes it back to the same bytes");
    match prefixed.1 {
        RuntimeMetadata::V15(m) => m,
        _ => panic!("expected V15"),
    }
}

fn path_of(types: &PortableRegistry, id: u32) -> String {
    types.resolve(id).expect("type resolves").path.segments.join("::")
}

fn field_names(types: &PortableRegistry, id: u32) -> Vec<String> {
    match &types.resolve(id).expect("type resolves").type_def {
        TypeDef::Composite(c) => c.fields.iter().map(|f| f.name.clone().unwrap_or_default()).collect(),
        other => panic!("type {id} is not a struct: {other:?}"),
    }
}

#[test]
fn v15_has_v14s_pallets_with_docs_and_every_reference_resolves() {
    assert_eq!(&metadata_v15_bytes()[..5], b"meta\x0f");
    let (m, old) = (v15(), v14());
    let names = |it: Vec<(String, u8)>| it;
    assert_eq!(
        names(m.pallets.iter().map(|p| (p.name.clone(), p.index)).collect()),
        names(old.pallets.iter().map(|p| (p.name.clone(), p.index)).collect())
    );
    for (new, old) in m.pallets.iter().zip(&old.pallets) {
        assert!(!new.docs.is_empty(), "{} has docs", new.name);
        let entries = |s: Option<Vec<String>>| s.unwrap_or_default();
        assert_eq!(
            entries(new.storage.as_ref().map(|s| s.entries.iter().map(|e| e.name.clone()).collect())),
            entries(old.storage.as_ref().map(|s| s.entries.iter().map(|e| e.name.clone()).collect())),
        );
        let constants: Vec<_> = new.constants.iter().map(|c| (&c.name, &c.value)).collect();
        assert_eq!(constants, old.constants.iter().map(|c| (&c.name, &c.value)).collect::<Vec<_>>());
    }
    for ty in m.types.types.iter() {
        for id in references(&ty.ty) {
            assert!(m.types.resolve(id).is_some(), "type {} refers to missing type {id}", ty.id);
        }
    }
    assert!(m.custom.map.is_empty());
    assert_eq!(m.extrinsic.version, 4);
    assert_eq!(path_of(&m.types, m.extrinsic.address_ty.id), "sp_runtime::multiaddress::MultiAddress");
    assert_eq!(path_of(&m.types, m.extrinsic.signature_ty.id), "sp_runtime::MultiSignature");
    assert!(path_of(&m.types, m.extrinsic.call_ty.id).ends_with("RuntimeCall"));
    let extensions: Vec<_> = m.extrinsic.signed_extensions.iter().map(|e| e.identifier.clone()).collect();
    let old_extensions: Vec<_> = old.extrinsic.signed_extensions.iter().map(|e| e.identifier.clone()).collect();
    assert_eq!(extensions, old_extensions);
    // The extra type is the tuple of the extensions' own types, in order.
    let TypeDef::Tuple(extra) = &m.types.resolve(m.extrinsic.extra_ty.id).unwrap().type_def else {
        panic!("extra is a tuple")
    };
    let own: Vec<u32> = m.extrinsic.signed_extensions.iter().map(|e| e.ty.id).collect();
    assert_eq!(extra.fields.iter().map(|f| f.id).collect::<Vec<_>>(), own);
}

#[test]
fn outer_enums_name_the_call_event_and_every_pallet_error() {
    let m = v15();
    assert_eq!(m.outer_enums.call_enum_ty.id, m.extrinsic.call_ty.id);
    assert!(path_of(&m.types, m.outer_enums.event_enum_ty.id).ends_with("RuntimeEvent"));
    assert!(path_of(&m.types, m.outer_enums.error_enum_ty.id).ends_with("RuntimeError"));
    let TypeDef::Variant(errors) = &m.types.resolve(m.outer_enums.error_enum_ty.id).unwrap().type_def else {
        panic!("RuntimeError is an enum")
    };
    let with_errors: Vec<_> = m.pallets.iter().filter(|p| p.error.is_some()).collect();
    assert!(with_errors.len() >= 10, "most pallets have errors");
    assert_eq!(errors.variants.len(), with_errors.len());
    for pallet in with_errors {
        let variant = errors.variants.iter().find(|v| v.name == pallet.name).expect("a variant per pallet");
        assert_eq!(variant.index, pallet.index, "{}", pallet.name);
        let fields: Vec<u32> = variant.fields.iter().map(|f| f.ty.id).collect();
        assert_eq!(fields, vec![pallet.error.as_ref().unwrap().ty.id], "{} wraps its Error", pallet.name);
    }
    // A module error's 5 bytes decode through it: Balances (2), InsufficientBalance (2).
    let mut module_error = &[2u8, 2, 0, 0, 0][..];
    super::scale_walk::skip(&m.types, m.outer_enums.error_enum_ty.id, &mut module_error, 0).unwrap();
    assert_eq!(module_error, &[0, 0, 0]);
}

#[test]
fn runtime_apis_are_the_served_and_advertised_ones() {
    let m = v15();
    let chain = Chain::dev();
    let advertised = apis();
    let mut described = Vec::new();
    for api in &m.apis {
        let id = api_id(&api.name);
        assert!(advertised.iter().any(|(a, _)| *a == id), "{} is in the runtime version's apis", api.name);
        described.push(id);
        for method in &api.methods {
            let name = format!("{}_{}", api.name, method.name);
            // Served: the input is wrong (empty or garbage), the method is known.
            let out = call(&chain.state, &name, &[0xff; 3]);
            assert!(!matches!(out, Err(ApiError::UnknownMethod(_))), "{name} is served");
        }
    }
    // Everything advertised is described, but BlockBuilder (not served through state_call).
    for (id, _) in &advertised {
        assert!(described.contains(id) || *id == api_id("BlockBuilder"), "{} is described", hex::encode(id));
    }
    // Everything served is described: the method names `apis.rs` matches on.
    let source = include_str!("../apis.rs");
    let served: Vec<&str> = source
        .split('"')
        .filter(|s| s.contains('_') && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .filter(|s| s.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .collect();
    assert!(served.len() >= 15, "{served:?}");
    for name in served {
        let (api, method) = name.split_once('_').unwrap();
        let found = m.apis.iter().any(|a| a.name == api && a.methods.iter().any(|mm| mm.name == method));
        assert!(found, "{name} is served and must be described");
    }
}

/// `(api, method, input names)` as Substrate's traits name them.
const SUBSTRATE_SHAPES: &[(&str, &str, &[&str])] = &[
    ("Core", "version", &[]),
    ("Metadata", "metadata", &[]),
    ("Metadata", "metadata_at_version", &["version"]),
    ("Metadata", "metadata_versions", &[]),
    ("AccountNonceApi", "account_nonce", &["account"]),
    ("TransactionPaymentApi", "query_info", &["uxt", "len"]),
    ("TransactionPaymentApi", "query_fee_details", &["uxt", "len"]),
    ("TransactionPaymentApi", "query_weight_to_fee", &["weight"]),
    ("TransactionPaymentApi", "query_length_to_fee", &["length"]),
    ("TransactionPaymentCallApi", "query_call_info", &["call", "len"]),
    ("TransactionPaymentCallApi", "query_call_fee_details", &["call", "len"]),
    ("TransactionPaymentCallApi", "query_weight_to_fee", &["weight"]),
    ("TransactionPaymentCallApi", "query_length_to_fee", &["length"]),
    ("TaggedTransactionQueue", "validate_transaction", &["source", "tx", "block_hash"]),
];

#[test]
fn subxt_converts_v15_and_every_api_type_resolves() {
    let md = subxt_metadata::Metadata::decode_from(metadata_v15_bytes()).expect("subxt-metadata accepts V15");
    let m = v15();
    for api in &m.apis {
        let trait_ = md.runtime_api_trait_by_name(&api.name).expect("subxt sees the trait");
        assert_eq!(trait_.methods().len(), api.methods.len(), "{}", api.name);
        for method in trait_.methods() {
            for input in method.inputs() {
                assert!(md.types().resolve(input.id).is_some(), "{}.{} input {}", api.name, method.name(), input.name);
            }
            assert!(md.types().resolve(method.output_ty()).is_some(), "{}.{} output", api.name, method.name());
        }
    }
    for (api, method, inputs) in SUBSTRATE_SHAPES {
        let found = md.runtime_api_trait_by_name(api).and_then(|t| t.method_by_name(method));
        let found = found.unwrap_or_else(|| panic!("{api}.{method}"));
        let names: Vec<&str> = found.inputs().map(|i| &*i.name).collect();
        assert_eq!(&names, inputs, "{api}.{method}");
    }
    let query_info =
        md.runtime_api_trait_by_name("TransactionPaymentApi").unwrap().method_by_name("query_info").unwrap();
    assert_eq!(field_names(md.types(), query_info.output_ty()), ["weight", "class", "partial_fee"]);
    let uxt = query_info.inputs().next().unwrap().id;
    assert_eq!(path_of(md.types(), uxt), "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic");
    let details = md.runtime_api_trait_by_name("TransactionPaymentCallApi").unwrap();
    let details = details.method_by_name("query_call_fee_details").unwrap().output_ty();
    assert_eq!(field_names(md.types(), details), ["inclusion_fee", "tip"]);
    let outer = md.outer_enums();
    assert!(md.types().resolve(outer.error_enum_ty()).is_some());
}

/// The SCALE input of each served method on `chain`.
fn inputs(chain: &Chain) -> Vec<(&'static str, Vec<u8>)> {
    let alice = Pair::dev("Alice");
    let transfer = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(Pair::dev("Bob").account()),
        value: UNIT,
    });
    let xt = chain.signed(&alice, &transfer, 0);
    let fake = Signature {
        address: MultiAddress::Id(alice.account()),
        signature: MultiSignature::Sr25519([1; 64]),
        extra: SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 },
    };
    let unsigned_fee = UncheckedExtrinsic::from_signed_part(&transfer.encode(), fake);
    let with_len = |bytes: &[u8], len: usize| [bytes.to_vec(), (len as u32).encode()].concat();
    let validate = [TransactionSource::External.encode(), xt.encoded().to_vec(), chain.best().hash().encode()].concat();
    vec![
        ("Core_version", vec![]),
        ("Metadata_metadata", vec![]),
        ("Metadata_metadata_at_version", 15u32.encode()),
        ("Metadata_metadata_versions", vec![]),
        ("AccountNonceApi_account_nonce", alice.account().encode()),
        ("TransactionPaymentApi_query_info", with_len(unsigned_fee.encoded(), unsigned_fee.encoded().len())),
        ("TransactionPaymentApi_query_fee_details", with_len(xt.encoded(), xt.encoded().len())),
        ("TransactionPaymentApi_query_weight_to_fee", transfer.weight().encode()),
        ("TransactionPaymentApi_query_length_to_fee", 120u32.encode()),
        ("TransactionPaymentCallApi_query_call_info", with_len(&transfer.encode(), 120)),
        ("TransactionPaymentCallApi_query_call_fee_details", with_len(&transfer.encode(), 120)),
        ("TransactionPaymentCallApi_query_weight_to_fee", transfer.weight().encode()),
        ("TransactionPaymentCallApi_query_length_to_fee", 120u32.encode()),
        ("TaggedTransactionQueue_validate_transaction", validate),
        ("MeteringApi_quote", xt.encoded().to_vec()),
    ]
}

#[test]
fn every_api_input_and_answer_decodes_by_its_metadata_types() {
    let mut chain = Chain::dev();
    chain.produce(&[]);
    let m = v15();
    let cases = inputs(&chain);
    let described: usize = m.apis.iter().map(|a| a.methods.len()).sum();
    assert_eq!(cases.len(), described, "a case per described method");
    for (name, input) in cases {
        let (api, method) = name.split_once('_').unwrap();
        let api = m.apis.iter().find(|a| a.name == api).unwrap_or_else(|| panic!("{name}"));
        let method = api.methods.iter().find(|mm| mm.name == method).unwrap_or_else(|| panic!("{name}"));
        // The input is the concatenation of the parameters, each by its type.
        let mut rest = &input[..];
        for param in &method.inputs {
            super::scale_walk::skip(&m.types, param.ty.id, &mut rest, 0)
                .unwrap_or_else(|e| panic!("{name} input {}: {e}", param.name));
        }
        assert!(rest.is_empty(), "{name}: {} input bytes left", rest.len());
        let out = call(&chain.state, name, &input).unwrap_or_else(|e| panic!("{name}: {e}"));
        decode_fully(&m.types, method.output.id, &out).unwrap_or_else(|e| panic!("{name} output: {e}"));
    }
}
