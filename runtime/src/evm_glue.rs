//! What the node's Ethereum JSON-RPC asks of the runtime: account and storage reads in the
//! EVM's terms, calls simulated on a block's state, and the extrinsic that carries a raw
//! Ethereum transaction.

use codec::Encode;

use accord_pallet_evm as evm;
use accord_pallet_evm::U256;
use accord_pallet_system as system;
use accord_primitives::{UncheckedExtrinsic, H160, H256};
use accord_support::{BoundedVec, DispatchError, Ext, StateRead};

use crate::{RuntimeCall, PALLETS};

/// An address's balance (wei, big-endian), nonce and code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmAccount {
    /// Its balance in wei.
    pub balance: [u8; 32],
    /// A contract's nonce, or an account's `System` nonce.
    pub nonce: u64,
    /// A contract's code (empty for an account).
    pub code: Vec<u8>,
}

/// The most gas one transaction may use.
pub const GAS_CAP: u64 = evm::TX_GAS_MAX;

/// The native account that sends an Ethereum address's transactions (`address ++ 0xEE×12`).
pub fn ethereum_account(address: [u8; 20]) -> accord_primitives::AccountId32 {
    accord_ethereum::account_of(address)
}

/// The EVM's chain id on `state`.
pub fn evm_chain_id(state: &dyn StateRead) -> u64 {
    evm::CONFIG.get(&Ext::new(state, PALLETS)).chain_id
}

/// What `address` holds on `state`.
pub fn evm_account(state: &dyn StateRead, address: [u8; 20]) -> EvmAccount {
    let ext = Ext::new(state, PALLETS);
    let (balance, nonce, contract) = evm::address_state(&ext, &H160(address));
    let code = contract.and_then(|info| evm::CODES.get(&ext, &info.code_hash)).map(|c| c.into_inner());
    EvmAccount { balance: balance.to_be_bytes(), nonce, code: code.unwrap_or_default() }
}

/// Storage slot `slot` of contract `address` on `state` (zero if unset).
pub fn evm_storage(state: &dyn StateRead, address: [u8; 20], slot: [u8; 32]) -> [u8; 32] {
    let ext = Ext::new(state, PALLETS);
    evm::STORAGE.get(&ext, &H160(address), &H256(slot)).map_or([0; 32], |v| v.0)
}

/// A call to simulate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvmCall {
    /// The caller (zero address if none).
    pub from: Option<[u8; 20]>,
    /// The callee; `None` simulates a creation.
    pub to: Option<[u8; 20]>,
    /// The gas limit (the cap if none).
    pub gas: Option<u64>,
    /// The value in wei (big-endian).
    pub value: [u8; 32],
    /// The call data or init code.
    pub data: Vec<u8>,
}

/// `call` simulated on the state of block `best_hash` as if in the next block; nothing is
/// kept. `Err` is a refusal before execution (a gas limit above the cap, a value the caller
/// cannot pay), in words.
pub fn evm_call(state: &dyn StateRead, best_hash: H256, call: &EvmCall) -> Result<evm::Outcome, String> {
    let mut ext = Ext::new(state, PALLETS);
    let n = system::block_number(&ext) + 1;
    system::initialize(&mut ext, n, best_hash);
    let from = H160(call.from.unwrap_or([0; 20]));
    let origin = evm::account_of(&ext, &from);
    let (_, nonce, _) = evm::address_state(&ext, &from);
    let value = U256::from_be_bytes(call.value);
    let gas = call.gas.unwrap_or(evm::TX_GAS_MAX);
    let mut execution = match call.to {
        Some(to) => evm::Execution::call(origin, nonce, H160(to), call.data.clone(), value, gas),
        None => evm::Execution::create(origin, nonce, call.data.clone(), value, gas),
    };
    // The caller is the address asked for, whatever account holds its balance.
    execution.caller = from;
    let (outcome, _) = evm::exec::simulate(&ext, &execution).map_err(|e| describe(&ext, e))?;
    Ok(outcome)
}

/// A refusal before execution in the words Ethereum tools know.
fn describe(ext: &Ext<'_>, error: DispatchError) -> String {
    let known = [
        (evm::Error::GasLimitTooHigh, "gas limit above the chain's cap"),
        (evm::Error::GasLimitTooLow, "intrinsic gas too low"),
        (evm::Error::InsufficientBalance, "insufficient funds for gas * price + value"),
    ];
    known
        .into_iter()
        .find(|(e, _)| ext.error(*e) == error)
        .map_or_else(|| format!("refused before execution: {error:?}"), |(_, words)| words.to_string())
}

/// The extrinsic that carries the raw signed Ethereum transaction `raw` (`Evm.transact`,
/// unsigned). `None` if `raw` is longer than the call takes.
pub fn ethereum_extrinsic(raw: Vec<u8>) -> Option<UncheckedExtrinsic> {
    let transaction = BoundedVec::try_from_vec(raw).ok()?;
    let call = RuntimeCall::Evm(evm::Call::transact { transaction });
    Some(UncheckedExtrinsic::new_unsigned(&call.encode()))
}
