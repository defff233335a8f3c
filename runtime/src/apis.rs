//! Runtime APIs served by name with SCALE input and output, as `state_call` exposes them.
//! Metadata V15 describes each of them with its types (`api_metadata.rs`).
//!
//! | method | input | output |
//! |---|---|---|
//! | `Core_version` | () | `RuntimeVersion` |
//! | `Metadata_metadata` | () | `Compact(len) ++ metadata V14` |
//! | `Metadata_metadata_versions` | () | `Vec<u32>` = [14, 15] |
//! | `Metadata_metadata_at_version` | u32 | `Option<OpaqueMetadata>`: V14 or V15, else `None` |
//! | `AccountNonceApi_account_nonce` | AccountId32 | u32 |
//! | `TransactionPaymentApi_query_info` | (xt, u32 len) | `RuntimeDispatchInfo` |
//! | `TransactionPaymentApi_query_fee_details` | (xt, u32 len) | `FeeDetails` |
//! | `TransactionPaymentApi_query_weight_to_fee` | Weight | u128 |
//! | `TransactionPaymentApi_query_length_to_fee` | u32 | u128 |
//! | `TransactionPaymentCallApi_query_call_info` | (call, u32 len) | `RuntimeDispatchInfo` |
//! | `TransactionPaymentCallApi_query_call_fee_details` | (call, u32 len) | `FeeDetails` |
//! | `TransactionPaymentCallApi_query_weight_to_fee` | Weight | u128 |
//! | `TransactionPaymentCallApi_query_length_to_fee` | u32 | u128 |
//! | `TaggedTransactionQueue_validate_transaction` | (source, xt, block hash) | `TransactionValidity` |
//! | `MeteringApi_quote` | xt | `Result<metering::Quote, String>` (see `fees::quote`) |
//!
//! Fees: the metering prices compute (the call's weight and the extrinsic base weight),
//! network (length times nodes), and the storage a dry run of the dispatch adds. A signed
//! extrinsic's fee (`query_info`) includes the storage part; a bare call's (`query_call_info`)
//! cannot, since a dispatch needs its signer: it is the compute and network part only.
//! `FeeDetails` splits a fee in Substrate's three parts: `base_fee` the compute price of the
//! extrinsic base weight, `len_fee` the network fee, `adjusted_weight_fee` the rest (the
//! call's compute, storage and backup); their sum is `query_info`'s `partial_fee`.

use codec::{Compact, Decode, DecodeLimit, Encode};
use scale_info::TypeInfo;

use accord_pallet_metering::{self as metering, FeeBreakdown};
use accord_pallet_system as system;
use accord_primitives::{AccountId32, Balance, UncheckedExtrinsic, H256};
use accord_support::{DispatchClass, Ext, Pays, StateRead, Weight};

use crate::call::{RuntimeCall, CALL_DECODE_DEPTH_MAX};
use crate::executive::validate_transaction;
use crate::limits::{EXTRINSIC_BASE_WEIGHT, EXTRINSIC_LENGTH_MAX};
use crate::validity::TransactionSource;
use crate::{fees, metadata, version, PALLETS};

/// Why a runtime API call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No such method.
    #[error("runtime API method {0:?} is not provided by this runtime")]
    UnknownMethod(String),
    /// The input does not decode as the method's parameters.
    #[error("invalid input for runtime API {method}: {reason}")]
    BadInput {
        /// The method.
        method: &'static str,
        /// Why.
        reason: String,
    },
}

/// `pallet_transaction_payment::RuntimeDispatchInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct RuntimeDispatchInfo {
    /// The weight.
    pub weight: Weight,
    /// The class.
    pub class: DispatchClass,
    /// The fee without the tip.
    pub partial_fee: Balance,
}

/// `pallet_transaction_payment::InclusionFee`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct InclusionFee {
    /// The compute price of the extrinsic base weight.
    pub base_fee: Balance,
    /// The network fee (length times nodes).
    pub len_fee: Balance,
    /// The rest: the call's compute, storage and backup.
    pub adjusted_weight_fee: Balance,
}

/// `pallet_transaction_payment::FeeDetails`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct FeeDetails {
    /// `None` for calls that pay no fee (inherents).
    pub inclusion_fee: Option<InclusionFee>,
    /// The tip.
    pub tip: Balance,
}

fn bad(method: &'static str, reason: impl ToString) -> ApiError {
    ApiError::BadInput { method, reason: reason.to_string() }
}

fn decode_exact<T: Decode>(method: &'static str, input: &[u8]) -> Result<T, ApiError> {
    let mut rest = input;
    let value = T::decode(&mut rest).map_err(|e| bad(method, e))?;
    if !rest.is_empty() {
        return Err(bad(method, format!("{} trailing bytes", rest.len())));
    }
    Ok(value)
}

/// Splits a length-prefixed extrinsic off the front of `input`.
fn take_extrinsic(method: &'static str, input: &mut &[u8]) -> Result<UncheckedExtrinsic, ApiError> {
    let mut probe = *input;
    let Compact(len) = Compact::<u32>::decode(&mut probe).map_err(|e| bad(method, e))?;
    let prefix = input.len() - probe.len();
    let total = prefix
        .checked_add(len as usize)
        .filter(|t| *t <= input.len())
        .ok_or_else(|| bad(method, "extrinsic truncated"))?;
    let xt =
        UncheckedExtrinsic::decode_with_limit(&input[..total], EXTRINSIC_LENGTH_MAX).map_err(|e| bad(method, e))?;
    *input = &input[total..];
    Ok(xt)
}

fn payment_parts(method: &'static str, input: &[u8]) -> Result<(UncheckedExtrinsic, RuntimeCall), ApiError> {
    let mut rest = input;
    let xt = take_extrinsic(method, &mut rest)?;
    let _len: u32 = decode_exact(method, rest)?;
    let call = RuntimeCall::decode_all(xt.call()).ok_or_else(|| bad(method, "the call does not decode"))?;
    Ok((xt, call))
}

/// The `(call, len)` input of `TransactionPaymentCallApi`: a call (depth-limited, as from an
/// extrinsic) and the length of the extrinsic it would be sent in.
fn call_parts(method: &'static str, input: &[u8]) -> Result<(RuntimeCall, u32), ApiError> {
    let mut rest = input;
    let call = RuntimeCall::decode_with_depth_limit(CALL_DECODE_DEPTH_MAX, &mut rest).map_err(|e| bad(method, e))?;
    Ok((call, decode_exact(method, rest)?))
}

/// The metered quote of a signed `xt` (see [`fees::quote`]); `None` for a call that pays no
/// fee. The dry run's parent hash is unknown here and does not change the price.
fn payment_quote(state: &dyn StateRead, xt: &UncheckedExtrinsic, call: &RuntimeCall) -> Option<metering::Quote> {
    if call.pays() != Pays::Yes {
        return None;
    }
    fees::quote(state, xt, H256::ZERO).ok()
}

/// The fee of `call` sent in an extrinsic of `len` bytes, without a tip, as far as it is known
/// without dispatching it: compute and network (no storage). The fee does not depend on the
/// signer (nor on the payer), so the charge is priced for a placeholder account.
fn call_fee(state: &dyn StateRead, call: &RuntimeCall, len: u32) -> Option<FeeBreakdown> {
    if call.pays() != Pays::Yes {
        return None;
    }
    let ext = Ext::new(state, PALLETS);
    Some(fees::charge_of(&ext, call, &AccountId32([0; 32]), call.weight(), len, 0).fee_with(0))
}

/// The compute fee of `weight` at the current prices.
fn weight_to_fee(state: &dyn StateRead, weight: Weight) -> Balance {
    let ext = Ext::new(state, PALLETS);
    let usage = metering::Usage { ref_time: weight.ref_time, ..Default::default() };
    metering::fee_of(&metering::current_prices(&ext).1, &usage, 0).compute
}

/// The network fee of `length` bytes at the current prices and node count.
fn length_to_fee(state: &dyn StateRead, length: u32) -> Balance {
    let ext = Ext::new(state, PALLETS);
    metering::fee_of(&metering::current_prices(&ext).1, &metering::attempt_usage(&ext, 0, length), 0).network
}

/// `fee` in Substrate's parts (see the module docs); `None` for a call that pays none.
fn fee_details(state: &dyn StateRead, fee: Option<FeeBreakdown>, tip: Balance) -> FeeDetails {
    let inclusion_fee = fee.map(|fee| {
        let base_fee = weight_to_fee(state, EXTRINSIC_BASE_WEIGHT).min(fee.compute);
        InclusionFee {
            base_fee,
            len_fee: fee.network,
            adjusted_weight_fee: (fee.compute - base_fee)
                .saturating_add(fee.storage)
                .saturating_add(fee.backup)
                .saturating_add(fee.backup_time),
        }
    });
    FeeDetails { inclusion_fee, tip }
}

const INFO: &str = "TransactionPaymentApi_query_info";
const DETAILS: &str = "TransactionPaymentApi_query_fee_details";
const WEIGHT_FEE: &str = "TransactionPaymentApi_query_weight_to_fee";
const LENGTH_FEE: &str = "TransactionPaymentApi_query_length_to_fee";
const CALL_INFO: &str = "TransactionPaymentCallApi_query_call_info";
const CALL_DETAILS: &str = "TransactionPaymentCallApi_query_call_fee_details";
const CALL_WEIGHT_FEE: &str = "TransactionPaymentCallApi_query_weight_to_fee";
const CALL_LENGTH_FEE: &str = "TransactionPaymentCallApi_query_length_to_fee";

/// The methods of `TransactionPaymentApi` and `TransactionPaymentCallApi`.
const PAYMENT_METHODS: [&str; 8] =
    [INFO, DETAILS, WEIGHT_FEE, LENGTH_FEE, CALL_INFO, CALL_DETAILS, CALL_WEIGHT_FEE, CALL_LENGTH_FEE];

/// Answers `method`, one of [`PAYMENT_METHODS`].
fn payment_api(state: &dyn StateRead, method: &'static str, input: &[u8]) -> Result<Vec<u8>, ApiError> {
    Ok(match method {
        INFO => {
            let (xt, call) = payment_parts(method, input)?;
            let partial_fee = payment_quote(state, &xt, &call).map_or(0, |q| q.total - q.fee.tip);
            RuntimeDispatchInfo { weight: call.weight(), class: call.class(), partial_fee }.encode()
        }
        DETAILS => {
            let (xt, call) = payment_parts(method, input)?;
            let tip = xt.signature.as_ref().map_or(0, |s| s.extra.tip);
            let fee = payment_quote(state, &xt, &call).map(|q| q.fee);
            fee_details(state, fee, tip).encode()
        }
        CALL_INFO => {
            let (call, len) = call_parts(method, input)?;
            let partial_fee = call_fee(state, &call, len).map_or(0, |f| f.total());
            RuntimeDispatchInfo { weight: call.weight(), class: call.class(), partial_fee }.encode()
        }
        CALL_DETAILS => {
            let (call, len) = call_parts(method, input)?;
            fee_details(state, call_fee(state, &call, len), 0).encode()
        }
        WEIGHT_FEE | CALL_WEIGHT_FEE => weight_to_fee(state, decode_exact(method, input)?).encode(),
        LENGTH_FEE | CALL_LENGTH_FEE => length_to_fee(state, decode_exact(method, input)?).encode(),
        other => return Err(ApiError::UnknownMethod(other.to_string())),
    })
}

/// `Metadata_metadata_at_version`'s answer: the prefixed metadata of `version`, if served.
fn metadata_at(version: u32) -> Option<Vec<u8>> {
    match version {
        14 => Some(metadata::metadata_bytes().to_vec()),
        15 => Some(metadata::metadata_v15_bytes().to_vec()),
        _ => None,
    }
}

/// Calls runtime API `method` with SCALE `input` on `state`.
pub fn call(state: &dyn StateRead, method: &str, input: &[u8]) -> Result<Vec<u8>, ApiError> {
    if let Some(method) = PAYMENT_METHODS.into_iter().find(|m| *m == method) {
        return payment_api(state, method, input);
    }
    match method {
        "Core_version" => Ok(version::version().encode()),
        "Metadata_metadata" => Ok(metadata::metadata_bytes().to_vec().encode()),
        "Metadata_metadata_versions" => Ok(metadata::METADATA_VERSIONS.to_vec().encode()),
        "Metadata_metadata_at_version" => {
            let v: u32 = decode_exact("Metadata_metadata_at_version", input)?;
            Ok(metadata_at(v).encode())
        }
        "AccountNonceApi_account_nonce" => {
            let who: AccountId32 = decode_exact("AccountNonceApi_account_nonce", input)?;
            let ext = Ext::new(state, PALLETS);
            Ok(system::account_nonce(&ext, &who).encode())
        }
        "MeteringApi_quote" => {
            let mut rest = input;
            let xt = take_extrinsic("MeteringApi_quote", &mut rest)?;
            if !rest.is_empty() {
                return Err(bad("MeteringApi_quote", format!("{} trailing bytes", rest.len())));
            }
            Ok(fees::quote(state, &xt, H256::ZERO).encode())
        }
        "TaggedTransactionQueue_validate_transaction" => {
            const M: &str = "TaggedTransactionQueue_validate_transaction";
            let mut rest = input;
            let _source = TransactionSource::decode(&mut rest).map_err(|e| bad(M, e))?;
            let xt = take_extrinsic(M, &mut rest)?;
            let block_hash: H256 = decode_exact(M, rest)?;
            Ok(validate_transaction(state, &xt, block_hash).encode())
        }
        other => Err(ApiError::UnknownMethod(other.to_string())),
    }
}
