//! The runtime APIs as metadata V15 describes them: every method that [`crate::apis::call`]
//! serves, with Substrate's trait, method and parameter names and the types of its SCALE
//! input and output (polkadot-api builds its typed runtime calls from this list, and
//! polkadot.js its `api.call.*`). The traits' versions are `version::apis()`'s.
//!
//! BlockBuilder, which the runtime version lists, has no entry: its methods are not served
//! through `state_call` (blocks are built and imported by the executive).

use frame_metadata::v15::{RuntimeApiMetadata, RuntimeApiMethodMetadata, RuntimeApiMethodParamMetadata};
use scale_info::build::Fields;
use scale_info::{meta_type, MetaType, Path, Type, TypeInfo};

use accord_pallet_metering::Quote;
use accord_primitives::extrinsic::ExtrinsicTypeInfo;
use accord_primitives::{AccountId32, Balance, Nonce, H256};
use accord_support::Weight;

use crate::apis::{FeeDetails, RuntimeDispatchInfo};
use crate::call::RuntimeCall;
use crate::validity::{TransactionSource, TransactionValidity};
use crate::version::RuntimeVersion;

/// `sp_core::OpaqueMetadata`: prefixed metadata as SCALE bytes.
pub struct OpaqueMetadata;

impl TypeInfo for OpaqueMetadata {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder()
            .path(Path::from_segments_unchecked(["sp_core", "OpaqueMetadata"]))
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>().type_name("Vec<u8>")))
    }
}

/// The extrinsic as runtime APIs take it: `Compact(len) ++ bytes`.
fn extrinsic() -> MetaType {
    meta_type::<ExtrinsicTypeInfo<RuntimeCall>>()
}

fn method(
    name: &'static str,
    inputs: Vec<(&'static str, MetaType)>,
    output: MetaType,
    docs: &[&'static str],
) -> RuntimeApiMethodMetadata {
    let inputs = inputs.into_iter().map(|(name, ty)| RuntimeApiMethodParamMetadata { name, ty }).collect();
    RuntimeApiMethodMetadata { name, inputs, output, docs: docs.to_vec() }
}

fn api(name: &'static str, docs: &[&'static str], methods: Vec<RuntimeApiMethodMetadata>) -> RuntimeApiMetadata {
    RuntimeApiMetadata { name, methods, docs: docs.to_vec() }
}

/// The two fee conversions both payment APIs have.
fn fee_conversions() -> [RuntimeApiMethodMetadata; 2] {
    [
        method(
            "query_weight_to_fee",
            vec![("weight", meta_type::<Weight>())],
            meta_type::<Balance>(),
            &[" The compute fee of `weight` at the current prices."],
        ),
        method(
            "query_length_to_fee",
            vec![("length", meta_type::<u32>())],
            meta_type::<Balance>(),
            &[" The network fee of `length` bytes at the current prices and node count."],
        ),
    ]
}

fn payment_apis() -> [RuntimeApiMetadata; 2] {
    let info = meta_type::<RuntimeDispatchInfo>();
    let details = meta_type::<FeeDetails>();
    let [weight_fee, length_fee] = fee_conversions();
    let xt = || vec![("uxt", extrinsic()), ("len", meta_type::<u32>())];
    let call = || vec![("call", meta_type::<RuntimeCall>()), ("len", meta_type::<u32>())];
    [
        api(
            "TransactionPaymentApi",
            &[" The fee of a signed extrinsic: a dry run of its dispatch, priced by the metering."],
            vec![
                method("query_info", xt(), info, &[" Weight, class and fee (without the tip)."]),
                method("query_fee_details", xt(), details, &[" The fee in base, length and weight parts."]),
                weight_fee.clone(),
                length_fee.clone(),
            ],
        ),
        api(
            "TransactionPaymentCallApi",
            &[" The fee of a call without a signer: its compute and network parts (no storage)."],
            vec![
                method("query_call_info", call(), info, &[" Weight, class and the fee known without a dispatch."]),
                method("query_call_fee_details", call(), details, &[" That fee in base, length and weight parts."]),
                weight_fee,
                length_fee,
            ],
        ),
    ]
}

/// Every runtime API served, in metadata V15's form.
pub fn runtime_apis() -> Vec<RuntimeApiMetadata> {
    let [payment, payment_call] = payment_apis();
    vec![
        api(
            "Core",
            &[" The runtime's identity."],
            vec![method("version", vec![], meta_type::<RuntimeVersion>(), &[" The runtime version."])],
        ),
        api(
            "Metadata",
            &[" The runtime's metadata."],
            vec![
                method("metadata", vec![], meta_type::<OpaqueMetadata>(), &[" Metadata V14."]),
                method(
                    "metadata_at_version",
                    vec![("version", meta_type::<u32>())],
                    meta_type::<Option<OpaqueMetadata>>(),
                    &[" The metadata of `version` (14 or 15), `None` for another."],
                ),
                method("metadata_versions", vec![], meta_type::<Vec<u32>>(), &[" The metadata versions served."]),
            ],
        ),
        api(
            "AccountNonceApi",
            &[" Account nonces."],
            vec![method(
                "account_nonce",
                vec![("account", meta_type::<AccountId32>())],
                meta_type::<Nonce>(),
                &[" The nonce of `account`'s next transaction."],
            )],
        ),
        payment,
        payment_call,
        api(
            "TaggedTransactionQueue",
            &[" Transaction validation for the pool."],
            vec![method(
                "validate_transaction",
                vec![
                    ("source", meta_type::<TransactionSource>()),
                    ("tx", extrinsic()),
                    ("block_hash", meta_type::<H256>()),
                ],
                meta_type::<TransactionValidity>(),
                &[" The validity of `tx` on top of block `block_hash` (the state called at)."],
            )],
        ),
        api(
            "MeteringApi",
            &[" Accord's metering."],
            vec![method(
                "quote",
                vec![("uxt", extrinsic())],
                meta_type::<Result<Quote, String>>(),
                &[" The metered quote of a signed extrinsic: resources, prices, fee, charging mode."],
            )],
        ),
    ]
}
