//! The Data precompile: a contract declares the deleters of its own data.
//!
//! At [`DATA_ADDRESS`] (`0x…0802`; the Solidity interface is `pallets/evm/solidity/IData.sol`):
//!
//! ```solidity
//! function setDeleter(bytes key, bytes32 deleter, bool allowed) returns (bool);
//! ```
//!
//! `key` is a serial number of the calling contract's data (the `Metering` target
//! `Contract(address)`, whose slots the contract names through `accordDataSlots`), `deleter`
//! a native account (32 bytes; an Ethereum address `A` is the account `A ++ 0xEE × 12`). The
//! right's owner is the contract's creator, as when the creator declares one with
//! `Metering.set_deleter`. Like an oplog append, the call emits an EVM log ([`declared_topic`])
//! that `exec::execute` applies after the transaction's writes: the data must then exist (a
//! slot non-zero), or the transaction reverts with the reason. Refused with an `Error(string)`
//! revert: a call that is not a plain `CALL` by a contract, value, bad arguments, a key over
//! 128 bytes. Gas: [`DECLARE_GAS`] (it covers the read-only `accordDataSlots` call at apply).

use revm::context_interface::{ContextTr, JournalTr};
use revm::interpreter::{CallInputs, InstructionResult, InterpreterResult};
use revm::primitives::{Address, Bytes, Log, LogData, B256};

use accord_ethereum::abi::{self, Args, Token};
use accord_primitives::{AccountId32, H160};
use accord_support::Ext;

use crate::precompiles::{charge, check_plain_call, revert};

/// The precompile's address.
pub const DATA_ADDRESS: [u8; 20] = {
    let mut address = [0u8; 20];
    address[18] = 0x08;
    address[19] = 0x02;
    address
};
/// The gas of a declaration: the read-only `accordDataSlots` call at apply
/// ([`crate::data::DATA_SLOTS_GAS`]) and the rights' writes.
pub const DECLARE_GAS: u64 = 150_000;
/// The longest key.
pub const KEY_LEN_MAX: usize = 128;

/// What applying a declaration weighs (ps): the read-only `accordDataSlots` call (a call's
/// fixed part and at most [`crate::data::DATA_SLOTS_GAS`]), the deleters read and the ended
/// ones dropped (at most 16, each a read and two writes), each of at most
/// [`crate::data::DATA_SLOTS_MAX`] slots read and marked, the right and its clock written.
pub fn declare_weight() -> u64 {
    use accord_support::dispatch::db_weight::reads_writes;
    let call = crate::weights::call(crate::data::DATA_SLOTS_GAS, 0).ref_time;
    let slots = crate::data::DATA_SLOTS_MAX as u64;
    call.saturating_add(reads_writes(16 + slots, 32 + slots + 3).ref_time)
}

/// What a declaration weighs beyond [`DECLARE_GAS`] at [`crate::WEIGHT_PER_GAS`].
pub fn surcharge() -> u64 {
    declare_weight().saturating_sub(DECLARE_GAS.saturating_mul(crate::WEIGHT_PER_GAS))
}

/// The signature of `setDeleter`.
pub const SET_DELETER: &str = "setDeleter(bytes,bytes32,bool)";
/// The signature of the log a declaration emits: contract (indexed), key, deleter, allowed.
pub const DECLARED: &str = "DeleterDeclared(address,bytes,bytes32,bool)";

/// The precompile's address, as revm's.
pub fn address() -> Address {
    Address::new(DATA_ADDRESS)
}

/// Topic 0 of the log a declaration emits.
pub fn declared_topic() -> [u8; 32] {
    accord_ethereum::keccak256(DECLARED.as_bytes())
}

/// A declaration, as its log carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The contract whose data it is.
    pub contract: H160,
    /// The data's serial number.
    pub key: Vec<u8>,
    /// The deleter.
    pub deleter: AccountId32,
    /// Declared (or revoked).
    pub allowed: bool,
}

/// Runs a call of the precompile.
pub fn run<CTX: ContextTr>(context: &mut CTX, inputs: &CallInputs) -> InterpreterResult {
    // Read in place, after the call checks: a refused call costs its caller no gas here, so
    // it must cost no copy.
    let parsed = check_plain_call(&*context, inputs, "Data", "declare deleters")
        .and_then(|()| parse(&inputs.input.as_bytes(context)));
    let (key, deleter, allowed) = match parsed {
        Ok(request) => request,
        Err(reason) => return revert(inputs, &reason),
    };
    let meter = match charge(inputs, DECLARE_GAS) {
        Ok(meter) => meter,
        Err(out_of_gas) => return out_of_gas,
    };
    let mut data = abi::encode(&[Token::Bytes(&key), Token::Uint(0), Token::Uint(u64::from(allowed))]);
    // The deleter is a whole word: put it in the second head slot.
    data[32..64].copy_from_slice(&deleter);
    let topics = vec![B256::from(declared_topic()), B256::from(abi::address_word(&inputs.caller.into_array()))];
    context.journal_mut().log(Log { address: address(), data: LogData::new_unchecked(topics, data.into()) });
    // Returns `true`: Solidity checks that a callee has code before a call that returns
    // nothing, and a precompile has none.
    InterpreterResult::new(InstructionResult::Return, Bytes::copy_from_slice(&abi::word_of(1)), meter)
}

/// The declaration `input` asks for: (key, deleter, allowed).
fn parse(input: &[u8]) -> Result<(Vec<u8>, [u8; 32], bool), String> {
    if input.len() > 4 + 5 * 32 + KEY_LEN_MAX {
        return Err("Data: the call data is longer than a declaration's".into());
    }
    let (selector, args) = input.split_at_checked(4).ok_or("Data: no function selector")?;
    if selector != abi::selector(SET_DELETER) {
        return Err("Data: unknown function".into());
    }
    let bad = |e: abi::AbiError| format!("Data: bad arguments: {e}");
    let args_reader = Args::new(args);
    let key = args_reader.bytes(0).map_err(bad)?;
    if key.is_empty() || key.len() > KEY_LEN_MAX {
        return Err(format!("Data: the key must be 1 to {KEY_LEN_MAX} bytes"));
    }
    let deleter: [u8; 32] =
        args.get(32..64).and_then(|w| w.try_into().ok()).ok_or("Data: bad arguments: no deleter")?;
    let allowed = args_reader.uint(2, 8).map_err(bad)?;
    if allowed > 1 {
        return Err("Data: bad arguments: allowed is not a bool".into());
    }
    Ok((key.to_vec(), deleter, allowed == 1))
}

/// The declaration a log of the precompile carries; `None` for any other log.
pub fn declared(log: &crate::exec::Log) -> Option<Declared> {
    if log.contract.0 != DATA_ADDRESS || log.topics.len() != 2 || log.topics[0].0 != declared_topic() {
        return None;
    }
    let contract = H160(Args::new(&log.topics[1].0).address(0).ok()?);
    let args = Args::new(&log.data);
    let deleter: [u8; 32] = log.data.get(32..64)?.try_into().ok()?;
    Some(Declared {
        contract,
        key: args.bytes(0).ok()?.to_vec(),
        deleter: AccountId32(deleter),
        allowed: args.uint(2, 8).ok()? == 1,
    })
}

/// Applies a declaration after the transaction's writes: the data must exist. `Err` is the
/// reason the transaction reverts with.
pub fn apply(ext: &mut Ext<'_>, declared: &Declared) -> Result<(), String> {
    let slots = crate::data::slots_of_serial(ext, &declared.contract, &declared.key)?;
    if crate::data::values(ext, &declared.contract, &slots).is_empty() {
        return Err("Data: no data under this key (its slots are all zero)".into());
    }
    let key = accord_support::BoundedVec::try_from_vec(declared.key.clone()).map_err(|_| "Data: key too long")?;
    let creator = crate::CONTRACTS.get(ext, &declared.contract).map(|c| c.creator).ok_or("Data: no contract")?;
    let owner = crate::account_of(ext, &creator);
    accord_pallet_metering::declare_by_contract(
        ext,
        declared.contract,
        key,
        &slots,
        owner,
        declared.deleter,
        declared.allowed,
    )
    .map_err(|_| "Data: the data has the most deleters it may have (16)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever a contract passes, parsing answers a declaration or a reason, never a panic.
    #[test]
    fn declarations_parse_strictly_and_never_panic() {
        let selector = abi::selector(SET_DELETER);
        for mut input in crate::data::random_inputs(0xdec1, 5_000, 300) {
            if input.len() >= 4 && input[0] % 2 == 0 {
                input[..4].copy_from_slice(&selector);
            }
            let _ = parse(&input);
        }
        let mut good = selector.to_vec();
        let mut args = abi::encode(&[Token::Bytes(b"k"), Token::Uint(0), Token::Uint(1)]);
        args[32..64].copy_from_slice(&[7; 32]);
        good.extend(args);
        assert_eq!(parse(&good), Ok((b"k".to_vec(), [7; 32], true)));
    }
}
