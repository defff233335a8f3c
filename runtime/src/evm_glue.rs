//! What the node's Ethereum JSON-RPC asks of the runtime: account and storage reads in the
//! EVM's terms, calls simulated on a block's state, and the extrinsic that carries a raw
//! Ethereum transaction.

use codec::{Decode, Encode};

use accord_pallet_evm as evm;
use accord_pallet_evm::U256;
use accord_pallet_releases as releases;
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

/// The most gas a block's normal class holds: its weight limit over the weight of a gas.
pub const BLOCK_GAS_LIMIT: u64 = crate::limits::NORMAL_BLOCK_WEIGHT_MAX.ref_time / evm::WEIGHT_PER_GAS;

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
    // A contract target's alias runs the version production traffic would.
    if let Some(to) = execution.to {
        execution.served = releases::serve(&ext, releases::TrafficClass::Production, &to, &execution.data);
    }
    evm::exec::simulate_as_included(&ext, &execution).map_err(|e| describe(&ext, e))
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

/// One log of an Ethereum transaction's receipt.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EthLog {
    /// The contract that emitted it.
    pub address: [u8; 20],
    /// Its topics.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: Vec<u8>,
}

/// What an included Ethereum transaction did, as its receipt reports it: read from the
/// block's extrinsics and events once, when the node stores the block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EthReceipt {
    /// keccak-256 of the raw transaction.
    pub hash: [u8; 32],
    /// The extrinsic's index in the block.
    pub extrinsic_index: u32,
    /// The raw signed transaction.
    pub raw: Vec<u8>,
    /// The sender.
    pub from: [u8; 20],
    /// The contract it created, if it created one.
    pub contract_address: Option<[u8; 20]>,
    /// Whether it succeeded (a revert or a halt is included, and fails).
    pub status: bool,
    /// The gas it used (0 if its dispatch failed before execution).
    pub gas_used: u64,
    /// What Metering charged its sender, in planck.
    pub fee: accord_primitives::Balance,
    /// Its logs, in order.
    pub logs: Vec<EthLog>,
}

/// wei per planck: balances are in planck, the EVM counts in wei.
pub const WEI_PER_PLANCK: u128 = evm::WEI_PER_PLANCK;

/// The raw Ethereum transaction the encoded extrinsic `xt` carries, if it is an
/// `Evm.transact`.
pub fn ethereum_transaction_of(xt: &[u8]) -> Option<Vec<u8>> {
    let xt = UncheckedExtrinsic::decode_with_limit(xt, crate::limits::EXTRINSIC_LENGTH_MAX).ok()?;

    // Only unsigned extrinsics (inherents and Ethereum transactions) are decoded.
    if xt.signature.is_some() {
        return None;
    }
    match RuntimeCall::decode(&mut xt.call()).ok()? {
        RuntimeCall::Evm(evm::Call::transact { transaction }) => Some(transaction.into_inner()),
        _ => None,
    }
}

/// Recovers the sender of the Ethereum transaction the encoded extrinsic `xt` carries, if
/// it carries one, into the memo of senders (`accord_ethereum::senders`): executing it then
/// finds the sender remembered. A node calls this ahead of a block's execution, on another
/// core; a transaction that does not decode or recover is left for the execution to refuse.
pub fn recover_ethereum_sender(xt: &[u8]) {
    if let Some(raw) = ethereum_transaction_of(xt) {
        if let Ok(signed) = accord_ethereum::transaction::decode(&raw) {
            let _ = signed.recover_sender();
        }
    }
}

/// An event record of `System.Events`, decoded.
#[derive(Decode)]
struct Record {
    phase: accord_support::Phase,
    event: crate::RuntimeEvent,
    _topics: Vec<H256>,
}

/// The receipts of the Ethereum transactions among `extrinsics`, from the block's
/// `System.Events` value `events` (`None`: no events). Empty if the block has none, without
/// decoding its events.
pub fn ethereum_receipts(extrinsics: &[Vec<u8>], events: Option<&[u8]>) -> Vec<EthReceipt> {
    let mut receipts: Vec<EthReceipt> = Vec::new();
    let mut position = std::collections::BTreeMap::new();
    for (index, xt) in extrinsics.iter().enumerate() {
        let Some(raw) = ethereum_transaction_of(xt) else { continue };
        let Ok(signed) = accord_ethereum::transaction::decode(&raw) else { continue };
        // The sender as recovered on admission; recovered again only if no event names it.
        position.insert(index as u32, receipts.len());
        receipts.push(EthReceipt {
            hash: signed.hash(),
            extrinsic_index: index as u32,
            raw,
            from: [0; 20],
            contract_address: None,
            status: false,
            gas_used: 0,
            fee: 0,
            logs: Vec::new(),
        });
    }
    if receipts.is_empty() {
        return receipts;
    }
    let records = events.and_then(|bytes| Vec::<Record>::decode(&mut &bytes[..]).ok()).unwrap_or_default();
    let mut named = vec![false; receipts.len()];
    for record in records {
        let accord_support::Phase::ApplyExtrinsic(index) = record.phase else { continue };
        let Some(&at) = position.get(&index) else { continue };
        let receipt = &mut receipts[at];
        match record.event {
            crate::RuntimeEvent::Evm(evm::Event::Executed { from, gas_used, exit, .. }) => {
                receipt.from = from.0;
                named[at] = true;
                receipt.gas_used = gas_used;
                receipt.status = exit == evm::ExitReason::Succeeded;
            }
            crate::RuntimeEvent::Evm(evm::Event::Created { contract, .. }) => {
                receipt.contract_address = Some(contract.0)
            }
            crate::RuntimeEvent::Evm(evm::Event::Log { contract, topics, data }) => receipt.logs.push(EthLog {
                address: contract.0,
                topics: topics.into_inner().into_iter().map(|t| t.0).collect(),
                data: data.into_inner(),
            }),
            crate::RuntimeEvent::Metering(accord_pallet_metering::Event::FeeCharged { fee, .. }) => receipt.fee = fee,
            _ => {}
        }
    }
    for (receipt, named) in receipts.iter_mut().zip(named) {
        if !named {
            let sender = accord_ethereum::transaction::decode(&receipt.raw).ok().and_then(|s| s.recover_sender().ok());
            receipt.from = sender.unwrap_or([0; 20]);
        }
    }
    receipts
}

/// The time a block's timestamp inherent sets, in ms (0 if it has none).
pub fn block_timestamp_ms(extrinsics: &[Vec<u8>]) -> u64 {
    extrinsics
        .iter()
        .filter_map(|xt| UncheckedExtrinsic::decode_with_limit(xt, crate::limits::EXTRINSIC_LENGTH_MAX).ok())
        .filter(|xt| xt.signature.is_none())
        .find_map(|xt| match RuntimeCall::decode(&mut xt.call()).ok()? {
            RuntimeCall::Timestamp(accord_pallet_timestamp::Call::set { now }) => Some(now),
            _ => None,
        })
        .unwrap_or(0)
}

/// The price of one gas in wei on `state`: Metering's compute price of
/// [`evm::WEIGHT_PER_GAS`], what one more unit of gas limit adds to a transaction's fee
/// (`eth_gasPrice`). A transaction also pays its length and the storage it adds, so its
/// receipt's effective price is its fee over its gas used.
pub fn evm_gas_price(state: &dyn StateRead) -> u128 {
    let ext = Ext::new(state, PALLETS);
    let (_, prices) = accord_pallet_metering::current_prices(&ext);
    // compute_per_ns is per 1,000 ps of reference time.
    let per_gas_planck_milli = prices.compute_per_ns.saturating_mul(u128::from(evm::WEIGHT_PER_GAS));
    per_gas_planck_milli.saturating_mul(WEI_PER_PLANCK) / 1_000
}
