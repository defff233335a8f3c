use codec::{Compact, Decode, Encode};

use accord_pallet_balances as balances;
use accord_primitives::extrinsic::{Signature, SignedExtra};
use accord_primitives::{Era, MultiAddress, MultiSignature, Pair, UncheckedExtrinsic, H256};
use accord_support::{DispatchClass, Weight};

use super::Chain;
use crate::apis::{call, ApiError, FeeDetails, RuntimeDispatchInfo};
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
    assert_eq!(versions, vec![14]);
    let at14 = call(&chain.state, "Metadata_metadata_at_version", &14u32.encode()).unwrap();
    let opaque = Option::<Vec<u8>>::decode(&mut &at14[..]).unwrap().unwrap();
    assert_eq!(&opaque[..5], b"meta\x0e");
    let at15 = call(&chain.state, "Metadata_metadata_at_version", &15u32.encode()).unwrap();
    assert_eq!(at15, vec![0]);
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
