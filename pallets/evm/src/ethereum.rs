//! The Ethereum door: a signed Ethereum transaction as a self-contained extrinsic
//! (`Evm.transact`). The runtime checks it before the pool takes it or a block includes it
//! ([`check_transaction`]: decoding, chain id, gas limit, sender recovery). The dispatch
//! decodes it again and checks its sender again (answered by the memo of senders,
//! `accord_ethereum::senders`, once the checks recovered it), so that a `transact` reached
//! any other way (signed by a native account, inside `sudo` or `pay_with`) cannot run
//! someone else's transaction, and the block path recovers once.

use accord_ethereum::transaction::{self, SignedTransaction, TransactionError};
use accord_primitives::{AccountId32, H160};
use accord_support::{DispatchError, Ext};
use revm::primitives::U256;

use crate::exec::Execution;
use crate::{Error, CONFIG, TX_GAS_MAX};

/// A checked Ethereum transaction: what it asks, and who signed it.
#[derive(Clone, Debug)]
pub struct CheckedTransaction {
    /// The transaction.
    pub signed: SignedTransaction,
    /// Its sender's address.
    pub sender: H160,
    /// The native account of that address (`address ++ [0xEE; 12]`): it pays, its nonce counts.
    pub account: AccountId32,
}

impl CheckedTransaction {
    /// The transaction's nonce.
    pub fn nonce(&self) -> u64 {
        self.signed.transaction().nonce
    }

    /// What the EVM runs for it.
    pub fn execution(&self) -> Execution {
        let tx = self.signed.transaction();
        let value = U256::from_be_bytes(tx.value.0);
        let input = tx.input.clone();
        match tx.to {
            Some(to) => Execution::call(self.account, tx.nonce, H160(to), input, value, tx.gas_limit),
            None => Execution::create(self.account, tx.nonce, input, value, tx.gas_limit),
        }
    }
}

/// Why an Ethereum transaction is refused before it is pooled or included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It does not decode, or its signature is not valid.
    Malformed(TransactionError),
    /// It is for another chain.
    WrongChainId {
        /// This chain's id.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// Its gas limit is above [`TX_GAS_MAX`].
    GasLimitTooHigh,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Malformed(e) => write!(f, "{e}"),
            Refusal::WrongChainId { expected, got } => {
                write!(f, "the transaction is for chain id {got}; this chain's id is {expected}")
            }
            Refusal::GasLimitTooHigh => write!(f, "the gas limit is above this chain's cap of {TX_GAS_MAX}"),
        }
    }
}

/// Decodes `raw` and checks its chain id and gas limit.
fn decode_checked(ext: &Ext<'_>, raw: &[u8]) -> Result<SignedTransaction, Refusal> {
    let signed = transaction::decode(raw).map_err(Refusal::Malformed)?;
    let tx = signed.transaction();
    let expected = CONFIG.get(ext).chain_id;
    if tx.chain_id != expected {
        return Err(Refusal::WrongChainId { expected, got: tx.chain_id });
    }
    if tx.gas_limit > TX_GAS_MAX {
        return Err(Refusal::GasLimitTooHigh);
    }
    Ok(signed)
}

/// Decodes `raw`, checks its chain id and gas limit, and recovers its sender.
pub fn check_transaction(ext: &Ext<'_>, raw: &[u8]) -> Result<CheckedTransaction, Refusal> {
    let signed = decode_checked(ext, raw)?;
    let sender = H160(signed.recover_sender().map_err(Refusal::Malformed)?);
    let account = accord_ethereum::account_of(sender.0);
    Ok(CheckedTransaction { signed, sender, account })
}

/// What `transact` by `who` runs: checks the transaction again and that `who` signed it (the
/// sender recovered by the executive's checks is remembered: see `accord_ethereum::senders`),
/// and that a call with input reaches a contract.
pub fn checked_execution(ext: &Ext<'_>, who: &AccountId32, raw: &[u8]) -> Result<Execution, DispatchError> {
    let checked = check_transaction(ext, raw).map_err(|_| ext.error(Error::BadTransaction))?;
    if checked.account != *who {
        return Err(DispatchError::BadOrigin);
    }
    let execution = checked.execution();
    crate::ensure_callee(ext, execution.to.as_ref(), &execution.data)?;
    Ok(execution)
}
