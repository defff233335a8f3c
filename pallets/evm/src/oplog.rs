//! The operation log precompile: contracts append `Oplog` entries.
//!
//! At [`OPLOG_ADDRESS`] (`0x…0800`; the Solidity interface is `pallets/evm/solidity/IOplog.sol`):
//!
//! ```solidity
//! function append(bytes dataId, bytes sourceState, bytes resultState, uint8 opType) returns (uint64 index);
//! function appendCustom(bytes dataId, bytes sourceState, bytes resultState, uint16 code) returns (uint64 index);
//! ```
//!
//! `opType` is 0 create, 1 update, 2 delete, 3 query; `appendCustom` logs a business-defined
//! operation `code`. The entry's origin is the calling contract's address (`LogOrigin::Contract`):
//! a contract writes only under its own name, never over another's or a pallet's data. Its
//! operator is the transaction's signer. Refused with an `Error(string)` revert: a call that is
//! not a plain `CALL` (a `STATICCALL` cannot write; under `DELEGATECALL` or `CALLCODE` the
//! writer would be ambiguous), a call by the transaction itself (only contracts append), a call
//! with value, bad arguments, a data id over 128 bytes, a state over 4096 bytes, an `opType`
//! above 3. Gas: [`APPEND_GAS`] plus [`APPEND_GAS_PER_BYTE`] per byte of the three byte strings.
//!
//! Atomic with the transaction: the precompile emits an EVM log ([`appended_topic`]) and
//! returns the entry's index; revm's journal drops the logs of frames that revert, so only the
//! entries of a successful transaction's surviving frames reach `Oplog`, in order, when the
//! transaction's changes are applied (`exec::execute`). A reverted or halted transaction
//! appends nothing. The log also reaches the Ethereum receipt.

use revm::context_interface::{ContextTr, JournalTr};
use revm::interpreter::{CallInputs, InstructionResult, InterpreterResult};
use revm::primitives::{Address, Bytes, Log, LogData, B256};

use accord_ethereum::abi::{self, Args, Token};
use accord_pallet_oplog::{self as oplog, OpType};

use crate::precompiles::{charge, check_plain_call, revert};

use crate::WEIGHT_PER_GAS;

/// The precompile's address.
pub const OPLOG_ADDRESS: [u8; 20] = {
    let mut address = [0u8; 20];
    address[18] = 0x08;
    address
};
/// The gas of an append, besides its bytes.
pub const APPEND_GAS: u64 = 20_000;
/// The gas of each byte of an append's data id and states.
pub const APPEND_GAS_PER_BYTE: u64 = 16;

/// The signature of `append`.
pub const APPEND: &str = "append(bytes,bytes,bytes,uint8)";
/// The signature of `appendCustom`.
pub const APPEND_CUSTOM: &str = "appendCustom(bytes,bytes,bytes,uint16)";
/// The signature of the log an append emits: origin (indexed), `opType` (0-3, or 4 for a
/// custom one), custom code, data id, source state, result state.
pub const APPENDED: &str = "Appended(address,uint8,uint16,bytes,bytes,bytes)";

/// The precompile's address, as revm's.
pub fn address() -> Address {
    Address::new(OPLOG_ADDRESS)
}

/// Topic 0 of the log an append emits.
pub fn appended_topic() -> [u8; 32] {
    accord_ethereum::keccak256(APPENDED.as_bytes())
}

/// An entry a contract appended, as its log carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The contract that appended it.
    pub origin: [u8; 20],
    /// What the operation did.
    pub op_type: OpType,
    /// The data id.
    pub data_id: Vec<u8>,
    /// The state before.
    pub source_state: Vec<u8>,
    /// The state after.
    pub result_state: Vec<u8>,
}

/// What an append weighs beyond its gas at [`WEIGHT_PER_GAS`]: the `Oplog` entry's write.
pub fn surcharge(gas: u64, bytes: u32) -> u64 {
    oplog::weights::append(bytes).ref_time.saturating_sub(gas.saturating_mul(WEIGHT_PER_GAS))
}

/// Runs a call of the precompile: `oplog_next` is the index the transaction's first entry
/// gets. Returns the result and the call's surcharge, ps.
pub fn run<CTX: ContextTr>(context: &mut CTX, inputs: &CallInputs, oplog_next: u64) -> (InterpreterResult, u64) {
    // Read in place: a refused call costs its caller no gas here, so it must cost no copy.
    let parsed =
        check_plain_call(&*context, inputs, "Oplog", "append").and_then(|()| parse(&inputs.input.as_bytes(context)));
    let request = match parsed {
        Ok(request) => request,
        Err(reason) => return (revert(inputs, &reason), 0),
    };
    let bytes = request.data_id.len() + request.source_state.len() + request.result_state.len();
    let gas = APPEND_GAS.saturating_add(APPEND_GAS_PER_BYTE.saturating_mul(bytes as u64));
    let meter = match charge(inputs, gas) {
        Ok(meter) => meter,
        Err(out_of_gas) => return (out_of_gas, 0),
    };
    let earlier = context.journal().logs().iter().filter(|log| log.address == address()).count() as u64;
    let (op, code) = op_code(request.op_type);
    let data = abi::encode(&[
        Token::Uint(op),
        Token::Uint(u64::from(code)),
        Token::Bytes(&request.data_id),
        Token::Bytes(&request.source_state),
        Token::Bytes(&request.result_state),
    ]);
    let topics = vec![B256::from(appended_topic()), B256::from(abi::address_word(&inputs.caller.into_array()))];
    context.journal_mut().log(Log { address: address(), data: LogData::new_unchecked(topics, data.into()) });
    let index = abi::word_of(oplog_next.saturating_add(earlier));
    let result = InterpreterResult::new(InstructionResult::Return, Bytes::copy_from_slice(&index), meter);
    (result, surcharge(gas, bytes as u32))
}

/// An operation type as the log carries it: `(opType, code)`, `opType` 4 for a custom one.
fn op_code(op_type: OpType) -> (u64, u16) {
    match op_type {
        OpType::Create => (0, 0),
        OpType::Update => (1, 0),
        OpType::Delete => (2, 0),
        OpType::Query => (3, 0),
        OpType::Custom(code) => (4, code),
    }
}

/// The operation type of `(opType, code)` (see [`op_code`]); `None` above 4.
fn op_type(op: u64, code: u16) -> Option<OpType> {
    Some(match op {
        0 => OpType::Create,
        1 => OpType::Update,
        2 => OpType::Delete,
        3 => OpType::Query,
        4 => OpType::Custom(code),
        _ => return None,
    })
}

/// A decoded append.
struct Request {
    op_type: OpType,
    data_id: Vec<u8>,
    source_state: Vec<u8>,
    result_state: Vec<u8>,
}

/// The longest call data of an append: the selector, four head words, three length words and
/// the three byte strings at their longest, padded.
pub const APPEND_INPUT_LEN_MAX: usize =
    4 + 7 * 32 + (oplog::DATA_ID_LEN_MAX as usize) + 2 * (oplog::STATE_LEN_MAX as usize);

/// The append `input` asks for.
fn parse(input: &[u8]) -> Result<Request, String> {
    if input.len() > APPEND_INPUT_LEN_MAX {
        return Err(format!("Oplog: the call data is longer than an append's {APPEND_INPUT_LEN_MAX} bytes"));
    }
    let (selector, args) = input.split_at_checked(4).ok_or("Oplog: no function selector")?;
    let args = Args::new(args);
    let bad = |e: abi::AbiError| format!("Oplog: bad arguments: {e}");
    let op_type = if selector == abi::selector(APPEND) {
        let op = args.uint(3, 8).map_err(bad)?;
        match op_type(op, 0) {
            Some(op_type) if op <= 3 => op_type,
            _ => return Err(format!("Oplog: opType {op} is not 0-3 (appendCustom logs others)")),
        }
    } else if selector == abi::selector(APPEND_CUSTOM) {
        OpType::Custom(args.uint(3, 16).map_err(bad)? as u16)
    } else {
        return Err("Oplog: unknown function".into());
    };
    let data_id = args.bytes(0).map_err(bad)?;
    if data_id.len() > oplog::DATA_ID_LEN_MAX as usize {
        return Err(format!("Oplog: the data id is longer than {} bytes", oplog::DATA_ID_LEN_MAX));
    }
    let (source, result) = (args.bytes(1).map_err(bad)?, args.bytes(2).map_err(bad)?);
    if source.len().max(result.len()) > oplog::STATE_LEN_MAX as usize {
        return Err(format!("Oplog: a state is longer than {} bytes", oplog::STATE_LEN_MAX));
    }
    Ok(Request { op_type, data_id: data_id.to_vec(), source_state: source.to_vec(), result_state: result.to_vec() })
}

/// The entry a log of the precompile carries; `None` for any other log.
pub fn appended(log: &crate::exec::Log) -> Option<Appended> {
    if log.contract.0 != OPLOG_ADDRESS || log.topics.len() != 2 || log.topics[0].0 != appended_topic() {
        return None;
    }
    let origin = Args::new(&log.topics[1].0).address(0).ok()?;
    let args = Args::new(&log.data);
    let op_type = op_type(args.uint(0, 8).ok()?, args.uint(1, 16).ok()? as u16)?;
    Some(Appended {
        origin,
        op_type,
        data_id: args.bytes(2).ok()?.to_vec(),
        source_state: args.bytes(3).ok()?.to_vec(),
        result_state: args.bytes(4).ok()?.to_vec(),
    })
}
