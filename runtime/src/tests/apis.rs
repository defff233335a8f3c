use codec::{Compact, Decode, Encode};

use accord_pallet_balances as balances;
use accord_primitives::extrinsic::{Signature, SignedExtra};
use accord_primitives::{Era, MultiAddress, MultiSignature, Pair, UncheckedExtrinsic, H256};
use accord_support::{DispatchClass, Weight};

use super::Chain;
use crate::apis::{call, ApiError, FeeDetails, RuntimeDispatchInfo};
use crate::limits::EXTRINSIC_BASE_WEIGHT;
use crate::validity::{InvalidTransaction, TransactionSource, TransactionValidity};
use crate::version::RuntimeVersion;
use crate::{RuntimeCall, UNIT};

fn transfer_call() -> RuntimeCall {
    RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(Pair::dev("Bob").account()),
        value: UNIT,
    })
}

#[test]
fn core_version_and_metadata_apis() {
    let chain = Chain::dev();
    let v = RuntimeVersion::decode(&mut &call(&chain.state, "Core_version", &[]).unwrap()[..]).unwrap();
    assert_eq!(v.spec_name, "accord");
    assert_eq!(v.system_version, 1);
    let versions =
        Vec::<u32>::decode(&mut &call(&chain.state, "Metadata_metadata_versions", &[]).unwrap()[..]).unwrap();
    assert_eq!(versions, vec![14, 15]);
    let at14 = call(&chain.state, "Metadata_metadata_at_version", &14u32.encode()).unwrap();
    let opaque = Option::<Vec<u8>>::decode(&mut &at14[..]).unwrap().unwrap();
    assert_eq!(&opaque[..5], b"meta\x0e");
    // V15: 0x01 (Some) ++ Compact(len) ++ b"meta" ++ 0x0f ++ ...
    let at15 = call(&chain.state, "Metadata_metadata_at_version", &15u32.encode()).unwrap();
    assert_eq!(at15[0], 1);
    let v15 = Option::<Vec<u8>>::decode(&mut &at15[..]).unwrap().unwrap();
    assert_eq!(&v15[..5], b"meta\x0f");
    assert_eq!(v15, crate::metadata::metadata_v15_bytes());
    for other in [0u32, 13, 16, u32::MAX] {
        assert_eq!(call(&chain.state, "Metadata_metadata_at_version", &other.encode()).unwrap(), vec![0], "{other}");
    }
    let plain = call(&chain.state, "Metadata_metadata", &[]).unwrap();
    let mut input = &plain[..];
    let Compact(len) = Compact::<u32>::decode(&mut input).unwrap();
    assert_eq!(len as usize, input.len());
    assert_eq!(input, &opaque[..]);
}

#[test]
fn account_nonce_api() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    chain.produce(&[chain.signed(&alice, &transfer_call(), 0)]);
    let out = call(&chain.state, "AccountNonceApi_account_nonce", &alice.account().encode()).unwrap();
    assert_eq!(u32::decode(&mut &out[..]).unwrap(), 1);
    assert!(matches!(call(&chain.state, "AccountNonceApi_account_nonce", &[1, 2]), Err(ApiError::BadInput { .. })));
}

#[test]
fn query_info_does_not_verify_the_signature() {
    let chain = Chain::dev();
    // As polkadot.js's paymentInfo: a fake signature.
    let fake = Signature {
        address: MultiAddress::Id(Pair::dev("Alice").account()),
        signature: MultiSignature::Sr25519([1; 64]),
        extra: SignedExtra { era: Era::Immortal, nonce: 0, tip: 7 },
    };
    let xt = UncheckedExtrinsic::from_signed_part(&transfer_call().encode(), fake);
    let len = xt.encoded().len() as u32;
    let mut input = xt.encoded().to_vec();
    input.extend(len.encode());
    let info =
        RuntimeDispatchInfo::decode(&mut &call(&chain.state, "TransactionPaymentApi_query_info", &input).unwrap()[..])
            .unwrap();
    let weight = transfer_call().weight();
    let quote = chain.quote(&xt);
    assert_eq!(info, RuntimeDispatchInfo { weight, class: DispatchClass::Normal, partial_fee: quote.total - 7 });
    let details =
        FeeDetails::decode(&mut &call(&chain.state, "TransactionPaymentApi_query_fee_details", &input).unwrap()[..])
            .unwrap();
    let inclusion = details.inclusion_fee.unwrap();
    assert_eq!(inclusion.base_fee + inclusion.len_fee + inclusion.adjusted_weight_fee, info.partial_fee);
    assert_eq!(details.tip, 7);
    // The parts: the base weight's compute, the network fee, the rest.
    let base = u128::decode(
        &mut &call(&chain.state, "TransactionPaymentApi_query_weight_to_fee", &EXTRINSIC_BASE_WEIGHT.encode()).unwrap()
            [..],
    )
    .unwrap();
    assert!(base > 0);
    assert_eq!(inclusion.base_fee, base);
    assert_eq!(inclusion.len_fee, quote.fee.network);
    assert_eq!(inclusion.adjusted_weight_fee, quote.fee.compute - base + quote.fee.storage);
    // Weight encodes as two compacts, as clients expect.
    assert_eq!(Weight { ref_time: 1, proof_size: 0 }.encode(), vec![4, 0]);
    // Truncated input.
    assert!(matches!(
        call(&chain.state, "TransactionPaymentApi_query_info", &input[..input.len() - 1]),
        Err(ApiError::BadInput { .. })
    ));
}

#[test]
fn validate_transaction_api_matches_the_direct_call() {
    let mut chain = Chain::dev();
    chain.produce(&[]);
    let alice = Pair::dev("Alice");
    let xt = chain.signed(&alice, &transfer_call(), 0);
    let best = chain.best().hash();
    let mut input = TransactionSource::External.encode();
    input.extend_from_slice(xt.encoded());
    input.extend(best.encode());
    let out = call(&chain.state, "TaggedTransactionQueue_validate_transaction", &input).unwrap();
    let validity = TransactionValidity::decode(&mut &out[..]).unwrap();
    assert_eq!(validity, chain.validate(&xt));
    assert!(validity.unwrap().priority > 0);
    let bad = chain.signed(&alice, &transfer_call(), 0);
    let mut input = TransactionSource::Local.encode();
    input.extend_from_slice(bad.encoded());
    input.extend(H256::ZERO.encode());
    // The best hash is wrong, but immortal transactions only sign genesis: still valid.
    let out = call(&chain.state, "TaggedTransactionQueue_validate_transaction", &input).unwrap();
    assert!(TransactionValidity::decode(&mut &out[..]).unwrap().is_ok());
    let mortal = chain.sign(&alice, &transfer_call(), 0, Era::mortal(64, 1), 0);
    let mut input = TransactionSource::Local.encode();
    input.extend_from_slice(mortal.encoded());
    input.extend(H256::ZERO.encode());
    let out = call(&chain.state, "TaggedTransactionQueue_validate_transaction", &input).unwrap();
    assert_eq!(
        TransactionValidity::decode(&mut &out[..]).unwrap(),
        Err(InvalidTransaction::BadProof.into()),
        "a mortal transaction signs its birth block: the claimed best hash is checked"
    );
}

#[test]
fn unknown_methods_and_garbage() {
    let chain = Chain::dev();
    assert_eq!(call(&chain.state, "Nope_nope", &[]), Err(ApiError::UnknownMethod("Nope_nope".into())));
    assert!(matches!(call(&chain.state, "Metadata_metadata_at_version", &[1]), Err(ApiError::BadInput { .. })));
    assert!(matches!(
        call(&chain.state, "TaggedTransactionQueue_validate_transaction", &[9]),
        Err(ApiError::BadInput { .. })
    ));
}

fn decode<T: Decode>(bytes: Vec<u8>) -> T {
    let mut input = &bytes[..];
    let value = T::decode(&mut input).unwrap();
    assert!(input.is_empty(), "{} trailing bytes", input.len());
    value
}

#[test]
fn call_fee_apis_price_compute_and_network() {
    let chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let xt = chain.sign(&alice, &transfer_call(), 0, Era::Immortal, 3);
    let len = xt.encoded().len() as u32;
    let quote = chain.quote(&xt);
    let mut input = transfer_call().encode();
    input.extend(len.encode());
    let info: RuntimeDispatchInfo =
        decode(call(&chain.state, "TransactionPaymentCallApi_query_call_info", &input).unwrap());
    assert_eq!(info.weight, transfer_call().weight());
    assert_eq!(info.class, DispatchClass::Normal);
    // Without a signer the dispatch cannot run: compute and network only, no tip.
    assert_eq!(info.partial_fee, quote.fee.compute + quote.fee.network);
    let details: FeeDetails =
        decode(call(&chain.state, "TransactionPaymentCallApi_query_call_fee_details", &input).unwrap());
    let inclusion = details.inclusion_fee.unwrap();
    assert_eq!(inclusion.base_fee + inclusion.len_fee + inclusion.adjusted_weight_fee, info.partial_fee);
    assert_eq!((details.tip, inclusion.len_fee), (0, quote.fee.network));
    // The conversions answer the same under both APIs.
    for api in ["TransactionPaymentApi", "TransactionPaymentCallApi"] {
        let weight_fee: u128 = decode(
            call(&chain.state, &format!("{api}_query_weight_to_fee"), &transfer_call().weight().encode()).unwrap(),
        );
        assert_eq!(weight_fee + inclusion.base_fee, quote.fee.compute, "{api}: compute of the call and the base");
        let length_fee: u128 =
            decode(call(&chain.state, &format!("{api}_query_length_to_fee"), &len.encode()).unwrap());
        assert_eq!(length_fee, quote.fee.network, "{api}");
    }
    // An inherent pays nothing.
    let mut inherent = RuntimeCall::Timestamp(accord_pallet_timestamp::Call::set { now: 1 }).encode();
    inherent.extend(10u32.encode());
    let info: RuntimeDispatchInfo =
        decode(call(&chain.state, "TransactionPaymentCallApi_query_call_info", &inherent).unwrap());
    assert_eq!((info.partial_fee, info.class), (0, DispatchClass::Mandatory));
    let details: FeeDetails =
        decode(call(&chain.state, "TransactionPaymentCallApi_query_call_fee_details", &inherent).unwrap());
    assert_eq!(details, FeeDetails { inclusion_fee: None, tip: 0 });
    // The length is required, and nothing may follow it.
    let short = &input[..input.len() - 1];
    assert!(matches!(
        call(&chain.state, "TransactionPaymentCallApi_query_call_info", short),
        Err(ApiError::BadInput { .. })
    ));
    let mut long = input.clone();
    long.push(0);
    assert!(matches!(
        call(&chain.state, "TransactionPaymentCallApi_query_call_fee_details", &long),
        Err(ApiError::BadInput { .. })
    ));
}
