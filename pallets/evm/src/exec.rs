//! Running a transaction: revm over [`StateDb`], then its state changes, sorted, into the
//! trie.
//!
//! [`simulate`] runs without writing anything (the RPC's `eth_call` and estimates will use
//! it); [`execute`] runs, applies a successful run's changes and deposits the events.

use revm::context::result::{EVMError, ExecutionResult, HaltReason as RevmHalt, InvalidTransaction, OutOfGasError};
use revm::context::{BlockEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, B256, U256};
use revm::state::EvmState;
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};

use accord_pallet_balances::{self as balances, Existence};
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_primitives::{AccountId32, Balance, H160, H256};
use accord_support::{BoundedVec, DispatchError, Ext, Weight};

use crate::alias::Served;
use crate::db::{h160, h256, StateDb};
use crate::{
    Code, ContractInfo, Error, Event, ExitReason, HaltReason, HardFork, CODES, CODE_LEN_MAX, CODE_REFS, CONFIG,
    CONTRACTS, INIT_CODE_LEN_MAX, LOGS_MAX, LOG_DATA_MAX, MEMORY_MAX, NAME, SLOT_BYTES, STORAGE, TX_GAS_MAX,
    WEI_PER_PLANCK,
};

/// A transaction for the EVM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// The caller's native account (it signed the transaction, and holds the balance).
    pub origin: AccountId32,
    /// The caller's address (of `origin`).
    pub caller: H160,
    /// The transaction's nonce (the caller's nonce before it).
    pub nonce: u64,
    /// The called address; `None` creates a contract.
    pub to: Option<H160>,
    /// The init code or the call data.
    pub data: Vec<u8>,
    /// The value, in wei.
    pub value: U256,
    /// The most gas it may use.
    pub gas_limit: u64,
    /// The version of the called alias that serves it, if routing chose one (see
    /// [`crate::alias`]); `None` runs what the alias designates.
    pub served: Option<Served>,
}

impl Execution {
    /// A contract creation by `origin`.
    pub fn create(origin: AccountId32, nonce: u64, init_code: Vec<u8>, value: U256, gas_limit: u64) -> Self {
        let caller = H160(accord_ethereum::address_of(&origin));
        Execution { origin, caller, nonce, to: None, data: init_code, value, gas_limit, served: None }
    }

    /// A call by `origin`.
    pub fn call(origin: AccountId32, nonce: u64, to: H160, input: Vec<u8>, value: U256, gas_limit: u64) -> Self {
        let caller = H160(accord_ethereum::address_of(&origin));
        Execution { origin, caller, nonce, to: Some(to), data: input, value, gas_limit, served: None }
    }

    /// The address it calls, or the address CREATE gives it.
    pub fn target(&self) -> H160 {
        self.to.unwrap_or_else(|| H160(accord_ethereum::create_address(self.caller.0, self.nonce)))
    }
}

/// A log, as the EVM emitted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// The contract.
    pub contract: H160,
    /// Its topics.
    pub topics: Vec<H256>,
    /// Its data.
    pub data: Vec<u8>,
}

/// What a run gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub exit: ExitReason,
    /// The gas it used (after refunds: what a receipt reports).
    pub gas_used: u64,
    /// The return data (success) or the whole revert data.
    pub output: Vec<u8>,
    /// The created contract (a successful create).
    pub created: Option<H160>,
    /// Its logs (only when it succeeded).
    pub logs: Vec<Log>,
    /// What its precompile calls weigh beyond their gas, ps ([`crate::precompiles`]).
    pub precompile_weight: u64,
}

/// Runs `execution` on the state in `ext` without writing anything: the outcome, and for a
/// successful run the state changes revm made. Errors: the refusals before execution.
pub fn simulate(ext: &Ext<'_>, execution: &Execution) -> Result<(Outcome, Option<EvmState>), DispatchError> {
    if execution.gas_limit > TX_GAS_MAX {
        return Err(ext.error(Error::GasLimitTooHigh));
    }
    let config = CONFIG.get(ext);
    let mut db = StateDb::new(ext, execution);
    let tx = tx_env(execution, config.chain_id).map_err(|_| ext.error(Error::InvalidTransaction))?;
    let spec = match config.hard_fork {
        HardFork::Cancun => SpecId::CANCUN,
        HardFork::Prague => SpecId::PRAGUE,
    };
    let evm = Context::mainnet()
        .with_db(&mut db)
        .modify_cfg_chained(|cfg| {
            cfg.set_spec_and_mainnet_gas_params(spec);
            cfg.chain_id = config.chain_id;
            cfg.limit_contract_code_size = Some(CODE_LEN_MAX as usize);
            cfg.limit_contract_initcode_size = Some(INIT_CODE_LEN_MAX as usize);
            cfg.tx_gas_limit_cap = Some(TX_GAS_MAX);
            cfg.memory_limit = MEMORY_MAX;
            cfg.disable_base_fee = true;
        })
        .with_block(block_env(ext))
        .build_mainnet();
    let metered = crate::precompiles::Metered::new(evm.precompiles.clone(), accord_pallet_oplog::NEXT_INDEX.get(ext));
    let mut evm = evm.with_precompiles(metered);
    let result = evm.transact(tx).map_err(|e| refusal(ext, e))?;
    let mut outcome = outcome(result.result);
    outcome.precompile_weight = evm.precompiles.surcharge_ps;
    let state = (outcome.exit == ExitReason::Succeeded).then_some(result.state);
    Ok((outcome, state))
}

/// Runs `execution` without writing anything, as a block would include it: a run whose
/// changes a block would refuse (past a contract's storage quota, a value that is not a
/// whole number of planck) ends as it would there. What `eth_call` and `eth_estimateGas`
/// answer.
pub fn simulate_as_included(ext: &Ext<'_>, execution: &Execution) -> Result<Outcome, DispatchError> {
    let (outcome, state) = simulate(ext, execution)?;
    let Some(state) = state else { return Ok(outcome) };
    Ok(match checked_plan(ext, execution, outcome, state) {
        Ok((outcome, _)) | Err(outcome) => outcome,
    })
}

/// The plan of a successful run's changes, or the outcome a block gives a run whose changes
/// it refuses: reverted past a contract's storage quota, halted if they cannot be applied.
fn checked_plan(
    ext: &Ext<'_>,
    execution: &Execution,
    outcome: Outcome,
    state: EvmState,
) -> Result<(Outcome, Plan), Outcome> {
    match plan(ext, execution, state) {
        Ok(plan) => match over_quota(ext, &plan) {
            Some(reason) => Err(reverted(outcome, &reason)),
            None => Ok((outcome, plan)),
        },
        Err(reason) => Err(halted(outcome, reason)),
    }
}

/// Runs `execution`, applies its changes if it succeeded, and deposits its events.
pub fn execute(ext: &mut Ext<'_>, execution: &Execution) -> Result<Outcome, DispatchError> {
    let (outcome, state) = simulate(ext, execution)?;
    let Some(state) = state else { return finish(ext, execution, outcome) };
    let (mut outcome, plan) = match checked_plan(ext, execution, outcome, state) {
        Ok(planned) => planned,
        Err(refused) => return finish(ext, execution, refused),
    };
    if let (Some(served), Some(alias)) = (&execution.served, execution.to) {
        outcome.logs.insert(0, crate::alias::served_log(&alias, served));
    }
    if let Some(reason) = write_declaring(ext, execution, &outcome.logs, plan)? {
        return finish(ext, execution, reverted(outcome, &reason));
    }
    for log in &outcome.logs {
        let (topics, data) = (BoundedVec::try_from_vec(log.topics.clone()), bounded(&log.data));
        // Both bounds were checked in `outcome` (the EVM has at most 4 topics).
        if let (Ok(topics), Some(data)) = (topics, data) {
            deposit(ext, Event::Log { contract: log.contract, topics, data });
        }
    }
    if let Some(contract) = outcome.created {
        let code_hash = CONTRACTS.get(ext, &contract).map_or(H256::ZERO, |c| c.code_hash);
        deposit(ext, Event::Created { creator: execution.caller, contract, code_hash });
    }
    finish(ext, execution, outcome)
}

/// Writes a successful run ([`write`]) and applies the deleter declarations among its logs
/// to the data as it left it. `Ok(Some(reason))`: a declaration was refused, nothing was
/// written, and the transaction reverts with the reason.
fn write_declaring(
    ext: &mut Ext<'_>,
    execution: &Execution,
    logs: &[Log],
    plan: Plan,
) -> Result<Option<String>, DispatchError> {
    let declarations: Vec<_> = logs.iter().filter_map(crate::deleters::declared).collect();
    if declarations.is_empty() {
        return write(ext, execution, logs, plan).map(|()| None);
    }
    let mut refusal = None;
    let applied = ext.transactional(|ext| {
        write(ext, execution, logs, plan)?;
        for declared in &declarations {
            if let Err(reason) = crate::deleters::apply(ext, declared) {
                refusal = Some(reason);
                return Err(DispatchError::Other("a deleter declaration was refused"));
            }
        }
        Ok(())
    });
    match refusal {
        Some(reason) => Ok(Some(reason)),
        None => applied.map(|()| None),
    }
}

/// Writes a successful run: its oplog entries, then its plan.
fn write(ext: &mut Ext<'_>, execution: &Execution, logs: &[Log], plan: Plan) -> Result<(), DispatchError> {
    // Before the value transfers (whose balances `Oplog` logs too): the indices the
    // precompile returned count from the entries before this transaction.
    for log in logs {
        append_to_oplog(ext, execution, log)?;
    }
    apply(ext, execution, plan)
}

/// Refunds the weight `outcome` did not use, reports a failure, deposits `Executed`.
fn finish(ext: &mut Ext<'_>, execution: &Execution, outcome: Outcome) -> Result<Outcome, DispatchError> {
    // Charged and counted as what it used, not its limit at the most a gas can cost.
    let declared = execution.gas_limit.saturating_mul(crate::precompiles::DECLARED_WEIGHT_PER_GAS);
    let used = outcome
        .gas_used
        .saturating_sub(crate::TRANSACTION_BASE_GAS)
        .saturating_mul(crate::WEIGHT_PER_GAS)
        .saturating_add(outcome.precompile_weight);
    ext.refund_weight(Weight::from_ref_time(declared.saturating_sub(used)));
    if outcome.exit != ExitReason::Succeeded {
        ext.report_failure();
    }
    let (exit, served) = (outcome.exit.clone(), execution.served);
    let event =
        Event::Executed { from: execution.caller, to: execution.target(), gas_used: outcome.gas_used, exit, served };
    deposit(ext, event);
    Ok(outcome)
}

/// The `Oplog` entry `log` carries, if it is the operation log precompile's, appended with
/// the contract as its origin and the transaction's signer as its operator.
fn append_to_oplog(ext: &mut Ext<'_>, execution: &Execution, log: &Log) -> Result<(), DispatchError> {
    let Some(entry) = crate::oplog::appended(log) else {
        return Ok(());
    };
    let origin = accord_pallet_oplog::LogOrigin::Contract(entry.origin);
    accord_pallet_oplog::append_as(
        ext,
        origin,
        execution.origin,
        &entry.data_id,
        &entry.source_state,
        &entry.result_state,
        entry.op_type,
    )
    .map(|_| ())
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

fn bounded<const N: u32>(bytes: &[u8]) -> Option<BoundedVec<u8, N>> {
    BoundedVec::try_from_vec(bytes.to_vec()).ok()
}

/// The first contract whose storage the plan grows past the quota of its account
/// (`Metering.Quotas`, by the contract's native account), as a revert reason.
fn over_quota(ext: &Ext<'_>, plan: &Plan) -> Option<String> {
    for change in plan.contracts.iter().filter(|c| !c.destroyed) {
        let before = CONTRACTS.get(ext, &change.address).map_or(0, |c| c.storage_items as i64);
        let delta: i64 =
            change.slots.iter().map(|(_, was, value)| i64::from(*value != H256::ZERO) - i64::from(*was)).sum();
        if delta <= 0 {
            continue; // shrinking or unchanged: never refused
        }
        let used = (before + delta) as u64 * SLOT_BYTES;
        let owner = crate::account_of(ext, &change.address);
        if let Err(limit) = accord_pallet_metering::check_usage(ext, &owner, used) {
            return Some(format!(
                "Accord: storage quota exceeded: contract {:?} would hold {used} bytes, its quota is {limit} (Metering.buy_quota_for)",
                change.address
            ));
        }
    }
    None
}

/// A run whose changes are refused after it ran: reverted with `Error(reason)`.
fn reverted(outcome: Outcome, reason: &str) -> Outcome {
    let data = accord_ethereum::abi::error_string(reason);
    let end = data.len().min(crate::REVERT_DATA_MAX as usize);
    let exit = ExitReason::Reverted { data: bounded(&data[..end]).unwrap_or_default() };
    Outcome { exit, created: None, logs: Vec::new(), output: data, ..outcome }
}

fn halted(outcome: Outcome, reason: HaltReason) -> Outcome {
    Outcome { exit: ExitReason::Halted { reason }, created: None, logs: Vec::new(), output: Vec::new(), ..outcome }
}

fn tx_env(execution: &Execution, chain_id: u64) -> Result<TxEnv, String> {
    let kind = match execution.to {
        Some(to) => TxKind::Call(Address::from(to.0)),
        None => TxKind::Create,
    };
    TxEnv::builder()
        .tx_type(Some(0))
        .caller(Address::from(execution.caller.0))
        .nonce(execution.nonce)
        .kind(kind)
        .data(Bytes::from(execution.data.clone()))
        .value(execution.value)
        .gas_limit(execution.gas_limit)
        .gas_price(0)
        .chain_id(Some(chain_id))
        .build()
        .map_err(|e| format!("{e:?}"))
}

/// The block as the EVM sees it: number, time in seconds, the parent's hash as randomness;
/// no fees (base fee zero, no beneficiary).
fn block_env(ext: &Ext<'_>) -> BlockEnv {
    let number = system::block_number(ext);
    let parent = number.checked_sub(1).and_then(|n| system::block_hash(ext, n)).unwrap_or_default();
    BlockEnv {
        number: U256::from(number),
        timestamp: U256::from(timestamp::now(ext) / 1000),
        gas_limit: TX_GAS_MAX,
        basefee: 0,
        prevrandao: Some(B256::from(parent.0)),
        ..Default::default()
    }
}

/// A refusal by revm before execution, as the pallet's error.
fn refusal(ext: &Ext<'_>, error: EVMError<crate::db::DbError>) -> DispatchError {
    let error = match error {
        EVMError::Transaction(InvalidTransaction::CallGasCostMoreThanGasLimit { .. })
        | EVMError::Transaction(InvalidTransaction::GasFloorMoreThanGasLimit { .. }) => Error::GasLimitTooLow,
        EVMError::Transaction(InvalidTransaction::LackOfFundForMaxFee { .. }) => Error::InsufficientBalance,
        EVMError::Transaction(InvalidTransaction::TxGasLimitGreaterThanCap { .. }) => Error::GasLimitTooHigh,
        EVMError::Database(_) => Error::Corruption,
        _ => Error::InvalidTransaction,
    };
    ext.error(error)
}

/// revm's result as ours, the limits on logs applied.
fn outcome(result: ExecutionResult<RevmHalt>) -> Outcome {
    let gas_used = result.gas().tx_gas_used();
    let created = result.created_address().map(|a| h160(&a));
    let output = result.output().map(|o| o.to_vec()).unwrap_or_default();
    let exit = match &result {
        ExecutionResult::Success { .. } => ExitReason::Succeeded,
        ExecutionResult::Revert { output, .. } => {
            let end = output.len().min(crate::REVERT_DATA_MAX as usize);
            ExitReason::Reverted { data: bounded(output.get(..end).unwrap_or_default()).unwrap_or_default() }
        }
        ExecutionResult::Halt { reason, .. } => ExitReason::Halted { reason: halt_reason(reason) },
    };
    let logs: Vec<Log> = result
        .logs()
        .iter()
        .map(|l| Log {
            contract: h160(&l.address),
            topics: l.topics().iter().map(|t| H256(t.0)).collect(),
            data: l.data.data.to_vec(),
        })
        .collect();
    let outcome = Outcome { exit, gas_used, output, created, logs, precompile_weight: 0 };
    if outcome.exit != ExitReason::Succeeded {
        return Outcome { logs: Vec::new(), created: None, ..outcome };
    }
    if outcome.logs.len() > LOGS_MAX as usize {
        return halted(outcome, HaltReason::TooManyLogs);
    }
    if outcome.logs.iter().any(|l| l.data.len() > LOG_DATA_MAX as usize || l.topics.len() > 4) {
        return halted(outcome, HaltReason::LogTooLarge);
    }
    outcome
}

fn halt_reason(reason: &RevmHalt) -> HaltReason {
    match reason {
        RevmHalt::OutOfGas(OutOfGasError::MemoryLimit) => HaltReason::MemoryLimit,
        RevmHalt::OutOfGas(_) => HaltReason::OutOfGas,
        RevmHalt::OpcodeNotFound | RevmHalt::InvalidFEOpcode | RevmHalt::NotActivated => HaltReason::InvalidOpcode,
        RevmHalt::StackUnderflow | RevmHalt::StackOverflow => HaltReason::StackError,
        RevmHalt::InvalidJump => HaltReason::InvalidJump,
        RevmHalt::CallTooDeep => HaltReason::CallTooDeep,
        RevmHalt::CreateContractSizeLimit | RevmHalt::CreateContractStartingWithEF => HaltReason::CodeRejected,
        RevmHalt::StateChangeDuringStaticCall | RevmHalt::CallNotAllowedInsideStatic => {
            HaltReason::StateChangeInStaticCall
        }
        RevmHalt::PrecompileError | RevmHalt::PrecompileErrorWithContext(_) => HaltReason::PrecompileFailed,
        RevmHalt::CreateCollision => HaltReason::CreateCollision,
        _ => HaltReason::Other,
    }
}

/// A contract's changes in one transaction.
struct ContractChange {
    address: H160,
    /// The code of a contract created by the transaction.
    created: Option<(H256, Code)>,
    /// Who created a contract created by the transaction (see [`creators`]).
    creator: H160,
    destroyed: bool,
    /// Its nonce before the transaction (1 for one it created: EIP-161).
    nonce_before: u64,
    nonce: u64,
    /// (slot, was non-zero, new value), by slot.
    slots: Vec<(H256, bool, H256)>,
}

/// What a successful run changes, sorted, checked before anything is written.
struct Plan {
    /// (from, to, planck): the value moved, as `Balances` transfers.
    transfers: Vec<(AccountId32, AccountId32, Balance)>,
    contracts: Vec<ContractChange>,
}

/// Sorts revm's changes into a plan; a halt reason if they cannot be applied.
fn plan(ext: &Ext<'_>, execution: &Execution, state: EvmState) -> Result<Plan, HaltReason> {
    let mut accounts: Vec<_> = state.into_iter().filter(|(_, a)| a.is_touched()).collect();
    // revm's maps iterate in a random order: sort, so that every node writes the same way.
    accounts.sort_by_key(|(address, _)| *address);
    let db = StateDb::new(ext, execution);
    let (mut debits, mut credits) = (Vec::new(), Vec::new());
    let mut contracts = Vec::new();
    for (address, account) in accounts {
        let address = h160(&address);
        let before = db.balance(&address);
        let after = account.info.balance;
        if after != before {
            let (delta, list) =
                if after > before { (after - before, &mut credits) } else { (before - after, &mut debits) };
            list.push((db.account(&address), planck(delta)?));
        }
        let existing = CONTRACTS.contains_key(ext, &address);
        let created = account.is_created() && !account.info.code_hash.is_zero();
        if !existing && !created {
            continue; // an account: its nonce is the System nonce, its balance moved above
        }
        let code = match (created, &account.info.code) {
            (true, Some(code)) => {
                let code =
                    BoundedVec::try_from_vec(code.original_bytes().to_vec()).map_err(|_| HaltReason::CodeRejected)?;
                Some((H256(account.info.code_hash.0), code))
            }
            _ => None,
        };
        let mut slots: Vec<_> = account
            .changed_storage_slots()
            .map(|(slot, value)| (h256(slot), !value.original_value.is_zero(), h256(&value.present_value)))
            .collect();
        slots.sort_by_key(|(slot, _, _)| *slot);
        let destroyed = account.is_selfdestructed();
        let nonce_before = if existing { CONTRACTS.get(ext, &address).map_or(1, |c| c.nonce) } else { 1 };
        let nonce = account.info.nonce;
        let creator = H160([0; 20]);
        contracts.push(ContractChange { address, created: code, creator, destroyed, nonce_before, nonce, slots });
    }
    creators(execution, &mut contracts);
    Ok(Plan { transfers: pair(debits, credits)?, contracts })
}

/// Names the creator of each contract the transaction created: the transaction's caller for
/// the one it deployed; for one a contract's code deployed with `CREATE`, that contract (the
/// CREATE address of one of the nonces it used); for one deployed with `CREATE2`, no one
/// (the zero address). A contract's creator owns its data in `Metering`, so a contract
/// deployed by a factory belongs to no native account, not to whoever called the factory.
fn creators(execution: &Execution, contracts: &mut [ContractChange]) {
    let mut by_address = std::collections::HashMap::new();
    for c in contracts.iter() {
        for k in c.nonce_before..c.nonce {
            by_address.insert(H160(accord_ethereum::create_address(c.address.0, k)), c.address);
        }
    }
    let deployed = execution.to.is_none().then(|| execution.target());
    for c in contracts.iter_mut().filter(|c| c.created.is_some()) {
        c.creator = if deployed == Some(c.address) {
            execution.caller
        } else {
            by_address.get(&c.address).copied().unwrap_or(H160([0; 20]))
        };
    }
}

/// `wei` in planck, if it is a whole number of them.
fn planck(wei: U256) -> Result<Balance, HaltReason> {
    let per = U256::from(WEI_PER_PLANCK);
    if !(wei % per).is_zero() {
        return Err(HaltReason::ValueNotRepresentable);
    }
    u128::try_from(wei / per).map_err(|_| HaltReason::ValueNotRepresentable)
}

/// Matches the decreases of balances with the increases into transfers, in order. With a gas
/// price of zero they sum to the same: value only moves.
fn pair(
    mut debits: Vec<(AccountId32, Balance)>,
    mut credits: Vec<(AccountId32, Balance)>,
) -> Result<Vec<(AccountId32, AccountId32, Balance)>, HaltReason> {
    let (mut i, mut j, mut transfers) = (0, 0, Vec::new());
    while i < debits.len() && j < credits.len() {
        let amount = debits[i].1.min(credits[j].1);
        transfers.push((debits[i].0, credits[j].0, amount));
        debits[i].1 -= amount;
        credits[j].1 -= amount;
        i += usize::from(debits[i].1 == 0);
        j += usize::from(credits[j].1 == 0);
    }
    if debits.iter().skip(i).any(|d| d.1 > 0) || credits.iter().skip(j).any(|c| c.1 > 0) {
        return Err(HaltReason::Other); // value created or destroyed: cannot happen at price zero
    }
    Ok(transfers)
}

/// Writes a plan: value first (it may fail on an existential deposit: the dispatch's layer
/// then undoes everything), then contracts, their code and slots.
fn apply(ext: &mut Ext<'_>, execution: &Execution, plan: Plan) -> Result<(), DispatchError> {
    for (from, to, amount) in plan.transfers {
        balances::transfer(ext, &execution.origin, &from, &to, amount, Existence::KeepAlive)?;
    }
    crate::note_original_account(ext, &execution.origin);
    let block = system::block_number(ext);
    for change in plan.contracts {
        if change.destroyed {
            destroy(ext, &change.address);
            continue;
        }
        let mut info = match change.created {
            Some((code_hash, code)) => {
                if CODE_REFS.get(ext, &code_hash) == 0 {
                    CODES.insert(ext, &code_hash, &code);
                }
                CODE_REFS.mutate(ext, &code_hash, |n| *n = n.saturating_add(1));
                crate::CONTRACT_COUNT.mutate(ext, |n| *n = n.saturating_add(1));
                let creator = change.creator;
                ContractInfo { creator, code_hash, created_at: block, nonce: 0, storage_items: 0, storage_bytes: 0 }
            }
            None => CONTRACTS.get(ext, &change.address).ok_or(ext.error(Error::Corruption))?,
        };
        info.nonce = change.nonce;
        let zeroed: Vec<H256> =
            change.slots.iter().filter(|(_, was, v)| *was && *v == H256::ZERO).map(|(s, _, _)| *s).collect();
        if !zeroed.is_empty() {
            // Deleter rights over data on these slots end with it.
            accord_pallet_metering::contract_slots_zeroed(ext, &change.address, &zeroed);
        }
        for (slot, was_set, value) in change.slots {
            let set = value != H256::ZERO;
            if set {
                STORAGE.insert(ext, &change.address, &slot, &value);
            } else {
                STORAGE.remove(ext, &change.address, &slot);
            }
            match (was_set, set) {
                (false, true) => info.storage_items = info.storage_items.saturating_add(1),
                (true, false) => info.storage_items = info.storage_items.saturating_sub(1),
                _ => {}
            }
        }
        info.storage_bytes = info.storage_items as u64 * SLOT_BYTES;
        CONTRACTS.insert(ext, &change.address, &info);
    }
    Ok(())
}

/// Removes a self-destructed contract (created in the same transaction, since Cancun), its
/// slots, and its code when no other contract runs it.
fn destroy(ext: &mut Ext<'_>, address: &H160) {
    let Some(info) = CONTRACTS.get(ext, address) else { return };
    STORAGE.clear_prefix(ext, address, u32::MAX);
    CONTRACTS.remove(ext, address);
    crate::CONTRACT_COUNT.mutate(ext, |n| *n = n.saturating_sub(1));
    crate::alias::release_code(ext, &info.code_hash);
}
