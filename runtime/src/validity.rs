//! Transaction validity, in the SCALE shapes of `sp_runtime::transaction_validity`, which
//! the pool and the RPC (author error 1010) report.

use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// This runtime's [`InvalidTransaction::Custom`] codes.
pub mod custom {
    /// The sender is not an account of an active organization, and the chain is closed
    /// (`Organizations.Open` is false).
    pub const NOT_A_MEMBER: u8 = 1;
    /// A test traffic class (`Releases.as_class`) from an account outside the test cohort of
    /// the target's live release, or for a target without one.
    pub const NOT_IN_COHORT: u8 = 2;
    /// `Releases.as_class` around a call that no release routes.
    pub const NOT_ROUTED: u8 = 3;
    /// The payer's balance is below its call class's admission threshold (`Metering`).
    pub const BELOW_ADMISSION_THRESHOLD: u8 = 4;
    /// `Metering.pay_with` names a payer that did not approve the sender, or whose allowance
    /// for it does not cover the fee.
    pub const PAYER_NOT_APPROVED: u8 = 5;
    /// An `Evm.transact` whose Ethereum transaction does not decode or whose signature is
    /// invalid (unprotected legacy, blob and set-code transactions included).
    pub const ETHEREUM_MALFORMED: u8 = 6;
    /// An Ethereum transaction for another chain id.
    pub const ETHEREUM_WRONG_CHAIN: u8 = 7;
    /// An Ethereum transaction whose gas limit is above the chain's cap (`Evm.TxGasMax`).
    pub const ETHEREUM_GAS_LIMIT: u8 = 8;

    /// What a custom code means, as the RPC error's data says it.
    pub fn describe(code: u8) -> Option<&'static str> {
        match code {
            NOT_A_MEMBER => Some("sender is not a member of an active organization"),
            NOT_IN_COHORT => Some("test traffic from an account outside the test cohort of the target's live release"),
            NOT_ROUTED => Some("a traffic class applies only to calls of a release target"),
            BELOW_ADMISSION_THRESHOLD => {
                Some("the payer's balance is below the admission threshold of the call's class")
            }
            PAYER_NOT_APPROVED => {
                Some("the payer has not approved the sender, or its allowance does not cover the fee")
            }
            ETHEREUM_MALFORMED => Some("the Ethereum transaction does not decode, or its signature is invalid"),
            ETHEREUM_WRONG_CHAIN => Some("the Ethereum transaction is for another chain id"),
            ETHEREUM_GAS_LIMIT => Some("the Ethereum transaction's gas limit is above the chain's cap"),
            _ => None,
        }
    }
}

/// Why a transaction is invalid (`sp_runtime::InvalidTransaction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum InvalidTransaction {
    /// The call does not decode or may not be sent this way.
    Call,
    /// The sender cannot pay the fee.
    Payment,
    /// The nonce is ahead of the account's: valid later.
    Future,
    /// The nonce was already used.
    Stale,
    /// The signature is wrong (which includes a wrong genesis, spec or transaction
    /// version, or era birth block, all of which the signature covers).
    BadProof,
    /// The era's birth block is unknown or the transaction's era has ended.
    AncientBirthBlock,
    /// The transaction does not fit in a block (weight or length).
    ExhaustsResources,
    /// A custom error.
    Custom(u8),
    /// A mandatory (inherent) dispatch failed.
    BadMandatory,
    /// An inherent was submitted as a transaction.
    MandatoryValidation,
    /// The sender is invalid (for example the all-zero account).
    BadSigner,
    /// Implicit data could not be computed.
    IndeterminateImplicit,
    /// The origin is unknown.
    UnknownOrigin,
}

/// Why validity could not be determined (`sp_runtime::UnknownTransaction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum UnknownTransaction {
    /// An address could not be looked up.
    CannotLookup,
    /// No validator for unsigned transactions of this kind.
    NoUnsignedValidator,
    /// A custom error.
    Custom(u8),
}

/// `sp_runtime::TransactionValidityError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum TransactionValidityError {
    /// Invalid.
    Invalid(InvalidTransaction),
    /// Unknown.
    Unknown(UnknownTransaction),
}

impl From<InvalidTransaction> for TransactionValidityError {
    fn from(e: InvalidTransaction) -> Self {
        TransactionValidityError::Invalid(e)
    }
}

impl From<UnknownTransaction> for TransactionValidityError {
    fn from(e: UnknownTransaction) -> Self {
        TransactionValidityError::Unknown(e)
    }
}

impl std::fmt::Display for TransactionValidityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let TransactionValidityError::Invalid(InvalidTransaction::Custom(code)) = self {
            return match custom::describe(*code) {
                Some(text) => write!(f, "Custom error {code}: {text}"),
                None => write!(f, "Custom error {code}"),
            };
        }
        let text = match self {
            TransactionValidityError::Invalid(i) => match i {
                InvalidTransaction::Call => "Transaction call is not expected",
                InvalidTransaction::Payment => "Inability to pay some fees (e.g. account balance too low)",
                InvalidTransaction::Future => "Transaction will be valid in the future",
                InvalidTransaction::Stale => "Transaction is outdated",
                InvalidTransaction::BadProof => "Transaction has a bad signature",
                InvalidTransaction::AncientBirthBlock => "Transaction has an ancient birth block",
                InvalidTransaction::ExhaustsResources => "Transaction would exhaust the block limits",
                InvalidTransaction::Custom(_) => "Custom error",
                InvalidTransaction::BadMandatory => "A call was labelled as mandatory, but resulted in an Error.",
                InvalidTransaction::MandatoryValidation => {
                    "Transaction dispatch is mandatory; transactions must not be validated."
                }
                InvalidTransaction::BadSigner => "Invalid signing address",
                InvalidTransaction::IndeterminateImplicit => "The implicit data was unable to be calculated",
                InvalidTransaction::UnknownOrigin => "The origin is unknown",
            },
            TransactionValidityError::Unknown(u) => match u {
                UnknownTransaction::CannotLookup => "Could not lookup information required to validate the transaction",
                UnknownTransaction::NoUnsignedValidator => {
                    "Could not find an unsigned validator for the unsigned transaction"
                }
                UnknownTransaction::Custom(_) => "Custom error",
            },
        };
        f.write_str(text)
    }
}

/// Where a transaction came from (`sp_runtime::TransactionSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum TransactionSource {
    /// Already in a block being imported.
    InBlock,
    /// Submitted to this node (RPC).
    Local,
    /// Received from a peer.
    External,
}

/// A valid transaction's pool parameters (`sp_runtime::ValidTransaction`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ValidTransaction {
    /// Higher goes first.
    pub priority: u64,
    /// Tags that must be provided first (the sender's previous nonce).
    pub requires: Vec<Vec<u8>>,
    /// Tags this provides (the sender's nonce).
    pub provides: Vec<Vec<u8>>,
    /// Blocks it stays valid for.
    pub longevity: u64,
    /// Whether to gossip it.
    pub propagate: bool,
}

/// `TaggedTransactionQueue_validate_transaction`'s result.
pub type TransactionValidity = Result<ValidTransaction, TransactionValidityError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_sp_runtime() {
        let e: TransactionValidityError = InvalidTransaction::BadProof.into();
        assert_eq!(e.encode(), vec![0, 4]);
        assert_eq!(TransactionValidityError::from(InvalidTransaction::Custom(9)).encode(), vec![0, 7, 9]);
        assert_eq!(TransactionValidityError::from(UnknownTransaction::NoUnsignedValidator).encode(), vec![1, 1]);
        let ok: TransactionValidity = Ok(ValidTransaction {
            priority: 1,
            requires: vec![],
            provides: vec![vec![1]],
            longevity: 2,
            propagate: true,
        });
        assert_eq!(ok.encode(), vec![0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(e.to_string(), "Transaction has a bad signature");
        let not_member = TransactionValidityError::from(InvalidTransaction::Custom(custom::NOT_A_MEMBER));
        assert_eq!(not_member.to_string(), "Custom error 1: sender is not a member of an active organization");
        assert_eq!(TransactionValidityError::from(InvalidTransaction::Custom(200)).to_string(), "Custom error 200");
    }
}
