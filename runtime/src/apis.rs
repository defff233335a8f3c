//! Runtime APIs served by name with SCALE input and output, as `state_call` exposes them.
//!
//! | method | input | output |
//! |---|---|---|
//! | `Core_version` | () | `RuntimeVersion` |
//! | `Metadata_metadata` | () | `Compact(len) ++ metadata` |
//! | `Metadata_metadata_versions` | () | `Vec<u32>` = [14] |
//! | `Metadata_metadata_at_version` | u32 | `Option<OpaqueMetadata>` |
//! | `AccountNonceApi_account_nonce` | AccountId32 | u32 |
//! | `TransactionPaymentApi_query_info` | (xt, u32 len) | `RuntimeDispatchInfo` |
//! | `TransactionPaymentApi_query_fee_details` | (xt, u32 len) | `FeeDetails` |
//! | `TaggedTransactionQueue_validate_transaction` | (source, xt, block hash) | `TransactionValidity` |

use codec::{Compact, Decode, Encode};

use accord_pallet_system as system;
use accord_primitives::{AccountId32, Balance, UncheckedExtrinsic, H256};
use accord_support::{DispatchClass, Ext, Pays, StateRead, Weight};

use crate::call::RuntimeCall;
use crate::executive::validate_transaction;
use crate::limits::EXTRINSIC_LENGTH_MAX;
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
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RuntimeDispatchInfo {
    /// The weight.
    pub weight: Weight,
    /// The class.
    pub class: DispatchClass,
    /// The fee without the tip.
    pub partial_fee: Balance,
}

/// `pallet_transaction_payment::InclusionFee`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct InclusionFee {
    /// The base fee.
    pub base_fee: Balance,
    /// The length fee.
    pub len_fee: Balance,
    /// The weight fee.
    pub adjusted_weight_fee: Balance,
}

/// `pallet_transaction_payment::FeeDetails`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct FeeDetails {
    /// `None` for free (mandatory) calls.
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

fn payment_parts(method: &'static str, input: &[u8]) -> Result<(RuntimeCall, u32, Balance), ApiError> {
    let mut rest = input;
    let xt = take_extrinsic(method, &mut rest)?;
    let len: u32 = decode_exact(method, rest)?;
    let call = RuntimeCall::decode_all(xt.call()).ok_or_else(|| bad(method, "the call does not decode"))?;
    let tip = xt.signature.as_ref().map_or(0, |s| s.extra.tip);
    Ok((call, len, tip))
}

/// Calls runtime API `method` with SCALE `input` on `state`.
pub fn call(state: &dyn StateRead, method: &str, input: &[u8]) -> Result<Vec<u8>, ApiError> {
    match method {
        "Core_version" => Ok(version::version().encode()),
        "Metadata_metadata" => Ok(metadata::metadata_bytes().to_vec().encode()),
        "Metadata_metadata_versions" => Ok(vec![14u32].encode()),
        "Metadata_metadata_at_version" => {
            let v: u32 = decode_exact("Metadata_metadata_at_version", input)?;
            Ok((v == 14).then(|| metadata::metadata_bytes().to_vec()).encode())
        }
        "AccountNonceApi_account_nonce" => {
            let who: AccountId32 = decode_exact("AccountNonceApi_account_nonce", input)?;
            let ext = Ext::new(state, PALLETS);
            Ok(system::account_nonce(&ext, &who).encode())
        }
        "TransactionPaymentApi_query_info" => {
            let (call, len, _) = payment_parts("TransactionPaymentApi_query_info", input)?;
            let weight = call.weight();
            let partial_fee = if call.pays() == Pays::Yes { fees::inclusion_fee(len, weight) } else { 0 };
            Ok(RuntimeDispatchInfo { weight, class: call.class(), partial_fee }.encode())
        }
        "TransactionPaymentApi_query_fee_details" => {
            let (call, len, tip) = payment_parts("TransactionPaymentApi_query_fee_details", input)?;
            let weight = call.weight();
            let inclusion_fee = (call.pays() == Pays::Yes).then(|| InclusionFee {
                base_fee: fees::BASE_FEE,
                len_fee: fees::inclusion_fee(len, Weight::ZERO) - fees::BASE_FEE,
                adjusted_weight_fee: fees::inclusion_fee(0, weight) - fees::BASE_FEE,
            });
            Ok(FeeDetails { inclusion_fee, tip }.encode())
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
