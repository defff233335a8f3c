//! # Evm pallet
//!
//! Smart contracts: EVM bytecode, deployed at run time, executed by `revm` (one pinned
//! release, pure Rust, one hard fork per chain: [`HardFork`], set at genesis).
//!
//! ## State
//! - `Evm.Contracts`: per contract address, its [`ContractInfo`]: creator, code hash (keccak-256
//!   of the deployed code), creation block, nonce, and how many storage slots and bytes it holds.
//! - `Evm.Codes` / `Evm.CodeRefs`: each deployed code once, by its hash, with the number of
//!   contracts running it; the code goes when the last of them does.
//! - `Evm.Storage`: one trie entry per non-zero slot, keyed by (contract, slot), so that a slot
//!   can be deleted, backed up and metered on its own. A slot set to zero is removed.
//! - `Evm.OriginalAccounts`: the 32-byte account behind the address of a native account that has
//!   used the EVM (see "Accounts").
//!
//! ## Accounts
//! One rule both ways (the `accord-ethereum` crate's [`accord_ethereum::account`]): the
//! address `A` of an Ethereum account is the native account `A ++ [0xEE; 12]`; a native account
//! `X` that is not of that form has the address `keccak256(X)[12..]`, and the first time `X`
//! runs a transaction that succeeds, `Evm.OriginalAccounts` records it, so that value sent to that address
//! reaches `X`. Contracts have addresses like Ethereum accounts, so their balances are those of
//! `address ++ [0xEE; 12]`.
//!
//! Balances stay in `Balances`. The EVM counts in wei (18 decimals), Accord in planck (12):
//! one planck is [`WEI_PER_PLANCK`] wei. A transaction whose value transfers would leave a
//! balance that is not a whole number of planck halts with [`HaltReason::ValueNotRepresentable`].
//! Value moves through `Balances` transfers (with its events and its existential deposit: a
//! transfer that would create an account below it fails the call).
//!
//! ## Execution
//! revm runs with a gas price of zero: the runtime charges a contract transaction like any
//! extrinsic, by weight. Before dispatch a call weighs its gas limit at the most a gas can cost
//! ([`precompiles::DECLARED_WEIGHT_PER_GAS`]); after it, what it used: its fixed part, its gas
//! beyond [`TRANSACTION_BASE_GAS`] times [`WEIGHT_PER_GAS`], plus what its precompile calls
//! cost beyond their gas.
//! A transaction that reverts or halts (out of gas, invalid opcode, ...) is not a dispatch
//! error: as on Ethereum it is included and pays, changes no contract state, and `Executed`
//! says what happened (the revert data, or the halt reason). The dispatch errors are the
//! refusals before execution: a gas limit outside the bounds, a value the caller cannot pay, a
//! call with input to an address without code.
//!
//! Execution is deterministic: revm's state changes are sorted by address and slot before they
//! touch the trie; the block number, the timestamp (seconds) and the 256-block hash window come
//! from the chain; `PREVRANDAO` is the parent block's hash.

pub mod alias;
pub mod data;
pub mod db;
pub mod deleters;
pub mod ethereum;
pub mod exec;
pub mod oplog;
pub mod precompiles;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_primitives::{AccountId32, Balance, BlockNumber, H160, H256};
use accord_support::storage::StorageEntry;
use accord_support::{
    Blake2_128Concat, BoundedVec, DispatchResult, Ext, Hooks, Identity, OptionQuery, Origin, PalletError, PalletMeta,
    StorageDoubleMap, StorageMap, StorageValue, ValueQuery, Weight,
};

pub use alias::Served;
pub use exec::{Execution, Outcome};
pub use revm::primitives::U256;

/// The pallet's name in the runtime.
pub const NAME: &str = "Evm";

/// Wei per planck: the EVM counts 18 decimals, the native token 12.
pub const WEI_PER_PLANCK: u128 = 1_000_000;
/// The largest deployed code (EIP-170).
pub const CODE_LEN_MAX: u32 = 0x6000;
/// The largest init code (EIP-3860).
pub const INIT_CODE_LEN_MAX: u32 = 0xC000;
/// The largest call input.
pub const INPUT_LEN_MAX: u32 = 0x1_0000;
/// The largest raw Ethereum transaction `transact` takes (the largest input and its envelope).
pub const RAW_TRANSACTION_LEN_MAX: u32 = INPUT_LEN_MAX + 1024;
/// The most gas one transaction may use.
pub const TX_GAS_MAX: u64 = 15_000_000;
/// The most memory one transaction's EVM may use, bytes (revm's memory limit).
pub const MEMORY_MAX: u64 = 16 << 20;
/// The most logs one transaction may emit; more halts it ([`HaltReason::TooManyLogs`]).
pub const LOGS_MAX: u32 = 256;
/// The largest data of one log; larger halts the transaction ([`HaltReason::LogTooLarge`]).
pub const LOG_DATA_MAX: u32 = 0x4000;
/// The most bytes of revert data an `Executed` event carries (the first ones).
pub const REVERT_DATA_MAX: u32 = 1024;
/// The bytes one storage slot's value counts in [`ContractInfo::storage_bytes`].
pub const SLOT_BYTES: u64 = 32;
/// The chain id of a chain whose genesis names none (development chains).
pub const CHAIN_ID_DEFAULT: u64 = 4242;
/// Weight (picoseconds of ref time) per unit of gas of ordinary execution: the weights
/// harness measured fresh storage writes on RocksDB at 1,077 ps per gas (the median of three
/// rounds; a compute loop 732), with the 20% margin. Precompile calls weigh their own
/// measured cost ([`precompiles`]); a call's weight before dispatch uses
/// [`precompiles::DECLARED_WEIGHT_PER_GAS`], the most a gas can cost.
pub const WEIGHT_PER_GAS: u64 = 1_300;
/// The gas every transaction pays before it runs anything (Ethereum's 21,000). Its work
/// (decoding, the signature, the nonce, the fee, revm's set-up) is what the fixed parts of
/// [`weights`] measured, so a call weighs only the gas it used beyond this at
/// [`WEIGHT_PER_GAS`].
pub const TRANSACTION_BASE_GAS: u64 = 21_000;

/// Deployed EVM code.
pub type Code = BoundedVec<u8, CODE_LEN_MAX>;
/// Init code of a `create`.
pub type InitCode = BoundedVec<u8, INIT_CODE_LEN_MAX>;
/// The input of a `call`.
pub type Input = BoundedVec<u8, INPUT_LEN_MAX>;
/// A signed Ethereum transaction as `eth_sendRawTransaction` receives it.
pub type RawTransaction = BoundedVec<u8, RAW_TRANSACTION_LEN_MAX>;

/// The EVM rules a chain runs, fixed at genesis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum HardFork {
    /// Cancun (transient storage, `MCOPY`, blobs off).
    Cancun,
    /// Prague (BLS12-381 precompiles, EIP-7623 calldata floor).
    #[default]
    Prague,
}

impl HardFork {
    /// The hard fork's name in chain specs.
    pub fn name(self) -> &'static str {
        match self {
            HardFork::Cancun => "cancun",
            HardFork::Prague => "prague",
        }
    }

    /// The hard fork named `name` (`"cancun"`, `"prague"`), for chain specs.
    pub fn from_name(name: &str) -> Option<HardFork> {
        match name {
            "cancun" => Some(HardFork::Cancun),
            "prague" => Some(HardFork::Prague),
            _ => None,
        }
    }
}

/// The chain's EVM configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct EvmConfig {
    /// The EIP-155 chain id Ethereum transactions must carry.
    pub chain_id: u64,
    /// The rules.
    pub hard_fork: HardFork,
}

impl Default for EvmConfig {
    fn default() -> Self {
        EvmConfig { chain_id: CHAIN_ID_DEFAULT, hard_fork: HardFork::default() }
    }
}

/// What the chain keeps about a contract.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ContractInfo {
    /// The address that created it (an account, or the contract whose code did).
    pub creator: H160,
    /// keccak-256 of its code (`Evm.Codes`).
    pub code_hash: H256,
    /// The block it was created in.
    pub created_at: BlockNumber,
    /// Its nonce: the number of contracts it created, plus one (EIP-161).
    pub nonce: u64,
    /// Its non-zero storage slots.
    pub storage_items: u32,
    /// The bytes of their values ([`SLOT_BYTES`] each).
    pub storage_bytes: u64,
}

/// `Evm.Config`.
pub const CONFIG: StorageValue<EvmConfig, ValueQuery> =
    StorageValue::new(NAME, "Config", &[" The chain id and the hard fork, set at genesis."]);

/// `Evm.Contracts`.
pub const CONTRACTS: StorageMap<H160, ContractInfo, Blake2_128Concat, OptionQuery> =
    StorageMap::new(NAME, "Contracts", &[" The contracts by address."]);

/// `Evm.ContractCount`.
pub const CONTRACT_COUNT: StorageValue<u32, ValueQuery> =
    StorageValue::new(NAME, "ContractCount", &[" How many contracts there are (aliases included)."]);

/// `Evm.Codes`.
pub const CODES: StorageMap<H256, Code, Identity, OptionQuery> =
    StorageMap::new(NAME, "Codes", &[" Deployed code by its keccak-256 hash, stored once."]);

/// `Evm.CodeRefs`.
pub const CODE_REFS: StorageMap<H256, u32, Identity, ValueQuery> =
    StorageMap::new(NAME, "CodeRefs", &[" How many contracts run each code."]);

/// `Evm.Storage`.
pub const STORAGE: StorageDoubleMap<H160, Blake2_128Concat, H256, Blake2_128Concat, H256, OptionQuery> =
    StorageDoubleMap::new(NAME, "Storage", &[" The non-zero storage slots of each contract."]);

/// `Evm.OriginalAccounts`.
pub const ORIGINAL_ACCOUNTS: StorageMap<H160, AccountId32, Identity, OptionQuery> = StorageMap::new(
    NAME,
    "OriginalAccounts",
    &[" The native account behind the address of a native account that used the EVM."],
);

/// The calls of the EVM pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Deploys a contract: runs `init_code` and stores the code it returns at the address
    /// CREATE gives (the caller's address and the nonce of this transaction).
    ///
    /// - Origin: signed.
    /// - Events: each `Log`, `Created` (on success), `Executed`; `Balances.Transfer` for value.
    /// - Errors: `GasLimitTooHigh`, `GasLimitTooLow`, `InsufficientBalance`, `SaltUnsupported`,
    ///   `InvalidTransaction`, `Corruption`; `Balances` errors when value cannot move.
    /// - Cost: [`weights::create`] of `gas_limit` and the init code's length.
    #[codec(index = 0)]
    create {
        /// The init code.
        init_code: InitCode,
        /// Planck to endow the contract with.
        value: Balance,
        /// The most gas to use.
        gas_limit: u64,
        /// Reserved for CREATE2 addresses; must be `None` (`SaltUnsupported`).
        salt: Option<H256>,
    },
    /// Calls a contract.
    ///
    /// - Origin: signed.
    /// - Events: each `Log`, `Executed`; `Balances.Transfer` for value.
    /// - Errors: `NotAContract` (input to an address without code), `GasLimitTooHigh`,
    ///   `GasLimitTooLow`, `InsufficientBalance`, `InvalidTransaction`, `Corruption`;
    ///   `Balances` errors when value cannot move.
    /// - Cost: [`weights::call`] of `gas_limit` and the input's length.
    #[codec(index = 1)]
    call {
        /// The contract (or, with empty input, any address: a plain value transfer).
        contract: H160,
        /// The call data.
        input: Input,
        /// Planck to send.
        value: Balance,
        /// The most gas to use.
        gas_limit: u64,
    },
    /// Runs a signed Ethereum transaction (legacy with EIP-155, EIP-2930 or EIP-1559): a
    /// creation if it has no `to`, else a call.
    ///
    /// - Origin: none: submitted as an unsigned, self-contained extrinsic. The runtime
    ///   recovers the sender, checks the chain id and the gas cap, then treats it as signed by
    ///   the sender's account (`address ++ [0xEE; 12]`): membership gate, nonce (the
    ///   transaction's), fee by Metering. Refusals: `1010` with custom codes 6 (malformed or
    ///   bad signature), 7 (wrong chain id), 8 (gas limit above `TxGasMax`).
    /// - Events, errors: as `create` and `call`; `BadTransaction` if dispatched otherwise.
    /// - Cost: [`weights::call`] (or [`weights::create`] without `to`) of its gas limit and
    ///   raw length, plus a sender recovery.
    #[codec(index = 2)]
    transact {
        /// The raw signed transaction.
        transaction: RawTransaction,
    },
}

impl Call {
    /// The weight of the call before dispatch: as if it used all its gas.
    pub fn weight(&self) -> Weight {
        match self {
            Call::create { init_code, gas_limit, .. } => weights::create(*gas_limit, init_code.len() as u32),
            Call::call { input, gas_limit, .. } => weights::call(*gas_limit, input.len() as u32),
            Call::transact { transaction } => {
                // An undecodable one is refused before dispatch; its weight is a create's floor.
                let decoded = accord_ethereum::transaction::decode(transaction).ok();
                let (gas, len) = (decoded.as_ref().map_or(0, |t| t.transaction().gas_limit), transaction.len() as u32);
                match decoded.as_ref().and_then(|t| t.transaction().to) {
                    Some(_) => weights::transact(gas, len),
                    None => weights::create(gas, len).saturating_add(weights::recovery()),
                }
            }
        }
    }
}

impl Call {
    /// The address a call reaches and its input; `None` for a creation, or a transaction
    /// that does not decode (refused before dispatch).
    pub fn callee(&self) -> Option<(H160, std::borrow::Cow<'_, [u8]>)> {
        match self {
            Call::create { .. } => None,
            Call::call { contract, input, .. } => Some((*contract, std::borrow::Cow::Borrowed(input.as_slice()))),
            Call::transact { transaction } => {
                let signed = accord_ethereum::transaction::decode(transaction).ok()?;
                let tx = signed.transaction();
                Some((H160(tx.to?), std::borrow::Cow::Owned(tx.input.clone())))
            }
        }
    }
}

/// How an execution ended.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum ExitReason {
    /// It succeeded; its state changes were applied.
    Succeeded,
    /// It reverted, with this data (the first [`REVERT_DATA_MAX`] bytes); nothing was applied.
    Reverted {
        /// The revert data (an `Error(string)`, a custom error, or nothing).
        data: BoundedVec<u8, REVERT_DATA_MAX>,
    },
    /// It halted exceptionally; nothing was applied.
    Halted {
        /// Why.
        reason: HaltReason,
    },
}

/// Why an execution halted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum HaltReason {
    /// It ran out of gas.
    OutOfGas,
    /// An invalid or unknown opcode (`INVALID`, `0xfe`).
    InvalidOpcode,
    /// The operand stack overflowed or underflowed.
    StackError,
    /// A jump to a place that is not a `JUMPDEST`.
    InvalidJump,
    /// Calls nested deeper than 1,024.
    CallTooDeep,
    /// The created code is larger than [`CODE_LEN_MAX`], or starts with `0xEF` (EIP-3541).
    CodeRejected,
    /// The EVM's memory exceeded [`MEMORY_MAX`].
    MemoryLimit,
    /// A state change in a static call.
    StateChangeInStaticCall,
    /// A precompile failed.
    PrecompileFailed,
    /// More than [`LOGS_MAX`] logs.
    TooManyLogs,
    /// A log's data exceeded [`LOG_DATA_MAX`] bytes.
    LogTooLarge,
    /// A balance would not be a whole number of planck (see the crate docs).
    ValueNotRepresentable,
    /// A created address already holds a contract or a nonce.
    CreateCollision,
    /// Another exceptional halt.
    Other,
}

/// The events of the EVM pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A contract was deployed.
    Created {
        /// Who deployed it.
        creator: H160,
        /// Its address.
        contract: H160,
        /// keccak-256 of its code.
        code_hash: H256,
    },
    /// A transaction ran.
    Executed {
        /// The caller's address.
        from: H160,
        /// The called address, or the created (or would-be) contract's.
        to: H160,
        /// The gas it used (what the receipt reports).
        gas_used: u64,
        /// How it ended.
        exit: ExitReason,
        /// The version of the called alias that served it (a contract target of `Releases`).
        served: Option<Served>,
    },
    /// A contract emitted a log (in order; only from transactions that succeeded).
    Log {
        /// The contract.
        contract: H160,
        /// Its topics (at most 4).
        topics: BoundedVec<H256, 4>,
        /// Its data.
        data: BoundedVec<u8, LOG_DATA_MAX>,
    },
}

/// The errors of the EVM pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The gas limit exceeds [`TX_GAS_MAX`].
    GasLimitTooHigh,
    /// The gas limit is below the transaction's intrinsic gas (21,000 plus its data).
    GasLimitTooLow,
    /// The caller's free balance cannot pay the value.
    InsufficientBalance,
    /// A call with input to an address that holds no code.
    NotAContract,
    /// `create` with a salt: CREATE2 addresses for transactions are not supported yet.
    SaltUnsupported,
    /// revm refused the transaction for another reason (see the node's log).
    InvalidTransaction,
    /// The state is inconsistent (a contract's code is missing): the block cannot be built.
    Corruption,
    /// `transact` dispatched with an origin other than its transaction's sender's account
    /// (the runtime submits it unsigned), or with a transaction that does not check.
    BadTransaction,
    /// A recovery would write slots of a contract that hold values again (the contract wrote
    /// the data anew since it was deleted).
    SlotsInUse,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

/// Dispatches an EVM call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    dispatch_with(ext, origin, call, &mut |_, _| None)
}

/// Dispatches an EVM call; `serve` names the version of the called alias that serves it,
/// if any (the runtime's routing of contract targets, see [`alias`]).
pub fn dispatch_with(
    ext: &mut Ext<'_>,
    origin: Origin,
    call: Call,
    serve: &mut dyn FnMut(&Ext<'_>, &Execution) -> Option<Served>,
) -> DispatchResult {
    let who = origin.ensure_signed()?;
    // The runtime bumped the signer's nonce before dispatch: the transaction's own nonce is
    // the one before (it derives the created address, as on Ethereum).
    let nonce = accord_pallet_system::account_nonce(ext, &who).saturating_sub(1) as u64;
    let mut execution = match call {
        Call::create { init_code, value, gas_limit, salt } => {
            if salt.is_some() {
                return Err(ext.error(Error::SaltUnsupported));
            }
            Execution::create(who, nonce, init_code.into_inner(), wei(value), gas_limit)
        }
        Call::call { contract, input, value, gas_limit } => {
            ensure_callee(ext, Some(&contract), &input)?;
            Execution::call(who, nonce, contract, input.into_inner(), wei(value), gas_limit)
        }
        Call::transact { transaction } => ethereum::checked_execution(ext, &who, &transaction)?,
    };
    if execution.to.is_some() {
        execution.served = serve(ext, &execution);
    }
    exec::execute(ext, &execution).map(|_| ())
}

/// Records the address of native account `who` in `Evm.OriginalAccounts` if it is not an
/// Ethereum account's, so that value sent to the address reaches `who`.
pub fn note_original_account(ext: &mut Ext<'_>, who: &AccountId32) {
    let address = H160(accord_ethereum::address_of(who));
    if !accord_ethereum::is_ethereum_account(who) && !ORIGINAL_ACCOUNTS.contains_key(ext, &address) {
        ORIGINAL_ACCOUNTS.insert(ext, &address, who);
    }
}

/// What the EVM sees of `address`: its balance in wei, its nonce (a contract's, else its
/// native account's `System` nonce) and, for a contract, what the chain keeps about it.
pub fn address_state(ext: &Ext<'_>, address: &H160) -> (U256, u64, Option<ContractInfo>) {
    let account = account_of(ext, address);
    let balance = wei(accord_pallet_balances::free_balance(ext, &account));
    match CONTRACTS.get(ext, address) {
        Some(info) => (balance, info.nonce, Some(info)),
        None => (balance, accord_pallet_system::account_nonce(ext, &account) as u64, None),
    }
}

/// `NotAContract` for a call with input to an address that holds no contract.
pub fn ensure_callee(ext: &Ext<'_>, to: Option<&H160>, input: &[u8]) -> DispatchResult {
    match to {
        Some(to) if !input.is_empty() && !CONTRACTS.contains_key(ext, to) => Err(ext.error(Error::NotAContract)),
        _ => Ok(()),
    }
}

/// The native account that holds the balance of `address`.
pub fn account_of(ext: &Ext<'_>, address: &H160) -> AccountId32 {
    ORIGINAL_ACCOUNTS.get(ext, address).unwrap_or_else(|| accord_ethereum::account_of(address.0))
}

/// `planck` in wei.
pub fn wei(planck: Balance) -> revm::primitives::U256 {
    revm::primitives::U256::from(planck) * revm::primitives::U256::from(WEI_PER_PLANCK)
}

/// Sets the chain's EVM configuration at genesis.
pub fn build_genesis(ext: &mut Ext<'_>, config: EvmConfig) {
    CONFIG.put(ext, &config);
}

/// The EVM pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    /// Every contract's code is stored and counted; each code's reference count is the number
    /// of contracts running it; the contracts are counted; each contract's slot counts match its slots; no slot is zero.
    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        let contracts = CONTRACTS.iter_from(ext, None, u32::MAX);
        let mut refs = std::collections::BTreeMap::<H256, u32>::new();
        for (address, info) in &contracts {
            *refs.entry(info.code_hash).or_default() += 1;
            let slots = STORAGE.iter_prefix1(ext, address, u32::MAX);
            if slots.len() as u32 != info.storage_items || info.storage_bytes != slots.len() as u64 * SLOT_BYTES {
                return Err(format!("{address:?} counts {} slots, holds {}", info.storage_items, slots.len()));
            }
            if slots.iter().any(|(_, v)| *v == H256::ZERO) {
                return Err(format!("{address:?} stores a zero slot"));
            }
        }
        for (hash, count) in CODE_REFS.iter_from(ext, None, u32::MAX) {
            if refs.remove(&hash) != Some(count) || !CODES.contains_key(ext, &hash) {
                return Err(format!("code {hash:?}: {count} references counted"));
            }
        }
        if CONTRACT_COUNT.get(ext) as usize != contracts.len() {
            return Err(format!(
                "Evm.ContractCount is {}, there are {} contracts",
                CONTRACT_COUNT.get(ext),
                contracts.len()
            ));
        }
        match refs.into_iter().next() {
            Some((hash, _)) => Err(format!("code {hash:?} is used but not counted")),
            None => Ok(()),
        }
    }
}

/// The metadata of the EVM pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            CONFIG.metadata(),
            CONTRACTS.metadata(),
            CONTRACT_COUNT.metadata(),
            CODES.metadata(),
            CODE_REFS.metadata(),
            STORAGE.metadata(),
            ORIGINAL_ACCOUNTS.metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            accord_support::constant("WeiPerPlanck", &WEI_PER_PLANCK, &[" Wei per planck."]),
            accord_support::constant("CodeLenMax", &CODE_LEN_MAX, &[" The largest deployed code."]),
            accord_support::constant("InitCodeLenMax", &INIT_CODE_LEN_MAX, &[" The largest init code."]),
            accord_support::constant("TxGasMax", &TX_GAS_MAX, &[" The most gas per transaction."]),
            accord_support::constant("LogsMax", &LOGS_MAX, &[" The most logs per transaction."]),
            accord_support::constant("WeightPerGas", &WEIGHT_PER_GAS, &[" Ref time (ps) per unit of gas."]),
        ],
    }
}
