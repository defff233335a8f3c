//! JSON-RPC error objects, with Substrate's codes.

use jsonrpsee::types::ErrorObjectOwned;

use crate::api::{StateError, SubmitError};

/// -32602: invalid parameters.
pub(crate) fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32602, message.into(), None::<()>)
}

/// Substrate's base code for state errors ("Client error").
pub(crate) const STATE_ERROR_CODE: i32 = 4003;

/// A state query error.
pub(crate) fn state_error(e: StateError) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(STATE_ERROR_CODE, e.to_string(), None::<()>)
}

/// An author (submission) error; invalid transactions carry the runtime's reason as data,
/// as Substrate does.
pub(crate) fn submit_error(e: SubmitError) -> ErrorObjectOwned {
    let data = match &e {
        SubmitError::Invalid(reason) | SubmitError::UnknownValidity(reason) => Some(reason.clone()),
        _ => None,
    };
    let message = match &e {
        SubmitError::Invalid(_) => "Invalid Transaction".to_string(),
        SubmitError::UnknownValidity(_) => "Unknown Transaction Validity".to_string(),
        other => other.to_string(),
    };
    ErrorObjectOwned::owned(e.code(), message, data)
}
