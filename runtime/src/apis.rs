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
//! | `MeteringApi_quote` | xt | `Result<metering::Quote, String>` (see `fees::quote`) |

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

fn payment_parts(method: &'static str, input: &[u8]) -> Result<(UncheckedExtrinsic, RuntimeCall), ApiError> {
    let mut rest = input;
    let xt = take_extrinsic(method, &mut rest)?;
    let _len: u32 = decode_exact(method, rest)?;
    let call = RuntimeCall::decode_all(xt.call()).ok_or_else(|| bad(method, "the call does not decode"))?;
    Ok((xt, call))
}

/// The metered quote of a signed `xt` (see [`fees::quote`]); `None` for a call that pays no
/// fee. The dry run's parent hash is unknown here and does not change the price.
fn payment_quote(
    state: &dyn StateRead,
    xt: &UncheckedExtrinsic,
    call: &RuntimeCall,
) -> Option<accord_pallet_metering::Quote> {
    if call.pays() != Pays::Yes {
        return None;
    }
    fees::quote(state, xt, H256::ZERO).ok()
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
            let (xt, call) = payment_parts("TransactionPaymentApi_query_info", input)?;
            let quote = payment_quote(state, &xt, &call);
            let partial_fee = quote.map_or(0, |q| q.total - q.fee.tip);
            Ok(RuntimeDispatchInfo { weight: call.weight(), class: call.class(), partial_fee }.encode())
        }
        "TransactionPaymentApi_query_fee_details" => {
            let (xt, call) = payment_parts("TransactionPaymentApi_query_fee_details", input)?;
            let quote = payment_quote(state, &xt, &call);
            let tip = xt.signature.as_ref().map_or(0, |s| s.extra.tip);
            // Substrate's three parts: no base fee; the length part is the network fee; the
            // weight part is everything else the metering prices (compute, storage, backup).
            let inclusion_fee = quote.map(|q| InclusionFee {
                base_fee: 0,
                len_fee: q.fee.network,
                adjusted_weight_fee: q.fee.compute + q.fee.storage + q.fee.backup + q.fee.backup_time,
            });
            Ok(FeeDetails { inclusion_fee, tip }.encode())
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
