//! Mock tests of every call and error, with hand-assembled bytecode (each program is spelled
//! out where it is defined), and the pallet's invariants checked after each step.

use accord_primitives::H256;
use accord_support::testing::{assert_noop, pallet_events};
use accord_support::{DispatchError, Ext, ModuleError, Origin};

use crate::exec::{self, Execution};
use crate::mock::{account, new_test_ext, EVM_INDEX, UNIT};
use crate::*;

mod deleters;
mod quota;

/// Runtime: with call data, `sstore(0, calldataload(0))`; then returns `sload(0)`.
/// `36 15 600b 57` (no data: jump to 0x0b) `6000 35 6000 55` (store) `5b 6000 54 6000 52
/// 6020 6000 f3` (return slot 0).
const STORE_RUNTIME: &str = "3615600b576000356000555b60005460005260206000f3";
/// Init: `sstore(0, 42)`, then returns the 23 bytes of runtime that follow its 17 bytes.
const STORE_INIT_PREFIX: &str = "602a6000556017601160003960176000f3";
/// Runtime: `mstore(0, 0xdead)`, `revert(0, 32)`.
const REVERTER: &str = "61dead60005260206000fd";
/// Runtime: `mstore(0, 42)`, `log1(0, 32, topic 1)`, stop.
const LOGGER: &str = "602a600052600160206000a100";
/// Runtime: returns `NUMBER` and `TIMESTAMP`: `43 6000 52 42 6020 52 6040 6000 f3`.
const BLOCK_INFO: &str = "436000524260205260406000f3";
/// Runtime: `CREATE(value 0, offset 0, size 0)` (a child with empty code), stop.
const FACTORY: &str = "600060006000f000";

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Init code that deploys `runtime` as it is (and runs nothing else).
fn deployer(runtime: &str) -> Vec<u8> {
    let code = hex(runtime);
    assert!(code.len() < 256);
    // PUSH1 len, PUSH1 12 (offset of the code), PUSH1 0, CODECOPY, PUSH1 len, PUSH1 0, RETURN
    let mut init = vec![0x60, code.len() as u8, 0x60, 12, 0x60, 0, 0x39, 0x60, code.len() as u8, 0x60, 0, 0xf3];
    init.extend(code);
    init
}

fn store_init() -> Vec<u8> {
    hex(&format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}"))
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: EVM_INDEX, error: [e as u8, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    pallet_events(ext, EVM_INDEX)
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
}

/// Dispatches `call` signed by `account(n)`, bumping its nonce first as the runtime does.
fn signed(ext: &mut Ext<'_>, n: u8, call: Call) -> DispatchResult {
    accord_pallet_system::inc_account_nonce(ext, &account(n));
    let result = dispatch(ext, Origin::Signed(account(n)), call);
    check(ext);
    result
}

fn create_call(init: Vec<u8>, value: Balance) -> Call {
    Call::create { init_code: BoundedVec::try_from_vec(init).unwrap(), value, gas_limit: 1_000_000, salt: None }
}

fn call_call(contract: H160, input: Vec<u8>, value: Balance) -> Call {
    Call::call { contract, input: BoundedVec::try_from_vec(input).unwrap(), value, gas_limit: 1_000_000 }
}

/// Deploys `init` as `account(n)`; the contract's address.
fn deploy(ext: &mut Ext<'_>, n: u8, init: Vec<u8>) -> H160 {
    let nonce = accord_pallet_system::account_nonce(ext, &account(n)) as u64;
    signed(ext, n, create_call(init, 0)).unwrap();
    let address = H160(accord_ethereum::create_address(accord_ethereum::address_of(&account(n)), nonce));
    assert!(CONTRACTS.contains_key(ext, &address), "deployed at the CREATE address");
    address
}

fn caller(n: u8) -> H160 {
    H160(accord_ethereum::address_of(&account(n)))
}

/// What a read-only call of `contract` returns.
fn read(ext: &Ext<'_>, contract: H160) -> Vec<u8> {
    let execution = Execution::call(account(1), 99, contract, Vec::new(), Default::default(), 100_000);
    let (outcome, _) = exec::simulate(ext, &execution).unwrap();
    assert_eq!(outcome.exit, ExitReason::Succeeded);
    outcome.output
}

fn word(n: u64) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

fn last_exit(ext: &Ext<'_>) -> ExitReason {
    match events(ext).into_iter().rev().find(|e| matches!(e, Event::Executed { .. })) {
        Some(Event::Executed { exit, .. }) => exit,
        _ => panic!("no Executed event"),
    }
}

#[test]
fn create_stores_the_code_once_and_the_slots_one_by_one() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, store_init());
        let runtime = hex(STORE_RUNTIME);
        let code_hash = H256(accord_ethereum::keccak256(&runtime));
        let info = CONTRACTS.get(ext, &contract).unwrap();
        assert_eq!(
            info,
            ContractInfo {
                creator: caller(1),
                code_hash,
                created_at: 1,
                nonce: 1,
                storage_items: 1,
                storage_bytes: 32
            }
        );
        assert_eq!(CODES.get(ext, &code_hash).unwrap().as_slice(), &runtime[..]);
        assert_eq!(CODE_REFS.get(ext, &code_hash), 1);
        assert_eq!(STORAGE.get(ext, &contract, &H256::ZERO), Some(H256(word(42).try_into().unwrap())));
        assert_eq!(read(ext, contract), word(42));
        let evs = events(ext);
        assert!(evs.contains(&Event::Created { creator: caller(1), contract, code_hash }));
        assert!(matches!(evs.last(), Some(Event::Executed { exit: ExitReason::Succeeded, to, .. }) if *to == contract));
        // The same code again: stored once, counted twice.
        let second = deploy(ext, 2, store_init());
        assert_ne!(second, contract);
        assert_eq!(CODE_REFS.get(ext, &code_hash), 2);
        // A native account's address maps back to it.
        assert_eq!(ORIGINAL_ACCOUNTS.get(ext, &caller(1)), Some(account(1)));
        assert_eq!(account_of(ext, &caller(1)), account(1));
    });
}

#[test]
fn calls_write_and_clear_slots_and_count_them() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, store_init());
        signed(ext, 2, call_call(contract, word(7), 0)).unwrap();
        assert_eq!(read(ext, contract), word(7));
        assert_eq!(last_exit(ext), ExitReason::Succeeded);
        signed(ext, 2, call_call(contract, word(0), 0)).unwrap();
        assert_eq!(STORAGE.get(ext, &contract, &H256::ZERO), None, "a zeroed slot leaves the trie");
        let info = CONTRACTS.get(ext, &contract).unwrap();
        assert_eq!((info.storage_items, info.storage_bytes), (0, 0));
    });
}

#[test]
fn a_revert_is_included_with_its_data_and_changes_nothing() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, deployer(REVERTER));
        let info = CONTRACTS.get(ext, &contract);
        let balance = accord_pallet_balances::free_balance(ext, &account(2));
        // With value: the transfer the EVM made is undone with the rest.
        signed(ext, 2, call_call(contract, vec![1], UNIT)).unwrap();
        let mut data = vec![0u8; 32];
        data[30..].copy_from_slice(&[0xde, 0xad]);
        assert_eq!(last_exit(ext), ExitReason::Reverted { data: BoundedVec::try_from_vec(data).unwrap() });
        assert_eq!(CONTRACTS.get(ext, &contract), info);
        assert_eq!(accord_pallet_balances::free_balance(ext, &account(2)), balance);
        assert_eq!(ORIGINAL_ACCOUNTS.get(ext, &caller(2)), None, "noted only after a success");
    });
}

#[test]
fn halts_are_reported_and_change_nothing() {
    new_test_ext().execute_with(|ext| {
        let invalid = deploy(ext, 1, deployer("fe"));
        signed(ext, 1, call_call(invalid, vec![1], 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Halted { reason: HaltReason::InvalidOpcode });
        // JUMPDEST, PUSH1 0, JUMP: a loop until the gas is gone.
        let looping = deploy(ext, 1, deployer("5b600056"));
        signed(ext, 1, call_call(looping, vec![1], 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Halted { reason: HaltReason::OutOfGas });
        let gas_used = events(ext).iter().rev().find_map(|e| match e {
            Event::Executed { gas_used, .. } => Some(*gas_used),
            _ => None,
        });
        assert_eq!(gas_used, Some(1_000_000), "a halt uses all the gas");
        // Init code returning 0x6001 zero bytes: one more than the code limit.
        signed(ext, 1, create_call(hex("6160016000f3"), 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Halted { reason: HaltReason::CodeRejected });
        // Init code returning the single byte 0xEF (EIP-3541).
        signed(ext, 1, create_call(hex("60ef60005360016000f3"), 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Halted { reason: HaltReason::CodeRejected });
        assert_eq!(CONTRACTS.iter_from(ext, None, 10).len(), 2, "only the first two contracts exist");
    });
}

#[test]
fn logs_become_events_in_order() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, deployer(LOGGER));
        signed(ext, 2, call_call(contract, vec![1], 0)).unwrap();
        let mut topic = [0u8; 32];
        topic[31] = 1;
        let log = Event::Log {
            contract,
            topics: BoundedVec::try_from_vec(vec![H256(topic)]).unwrap(),
            data: BoundedVec::try_from_vec(word(42)).unwrap(),
        };
        let evs = events(ext);
        let n = evs.len();
        assert_eq!(&evs[n - 2], &log);
        assert!(matches!(&evs[n - 1], Event::Executed { exit: ExitReason::Succeeded, .. }));
    });
}

#[test]
fn value_moves_through_balances_both_ways_of_the_mapping() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, store_init());
        let contract_account = accord_ethereum::account_of(contract.0);
        signed(ext, 2, call_call(contract, Vec::new(), 5 * UNIT)).unwrap();
        assert_eq!(accord_pallet_balances::free_balance(ext, &contract_account), 5 * UNIT);
        assert_eq!(accord_pallet_balances::free_balance(ext, &account(2)), 995 * UNIT);
        // A plain transfer to account 1's address reaches account 1 (its mapping was noted).
        signed(ext, 2, call_call(caller(1), Vec::new(), UNIT)).unwrap();
        assert_eq!(accord_pallet_balances::free_balance(ext, &account(1)), 1_001 * UNIT);
        // A contract created with value holds it.
        let nonce = accord_pallet_system::account_nonce(ext, &account(3)) as u64;
        signed(ext, 3, create_call(store_init(), 2 * UNIT)).unwrap();
        let created = H160(accord_ethereum::create_address(caller(3).0, nonce));
        assert_eq!(accord_pallet_balances::free_balance(ext, &accord_ethereum::account_of(created.0)), 2 * UNIT);
    });
}

#[test]
fn a_balance_that_is_not_whole_planck_halts() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, store_init());
        let execution = Execution::call(account(2), 0, contract, Vec::new(), revm::primitives::U256::from(1), 100_000);
        let outcome = exec::execute(ext, &execution).unwrap();
        assert_eq!(outcome.exit, ExitReason::Halted { reason: HaltReason::ValueNotRepresentable });
        assert_eq!(accord_pallet_balances::free_balance(ext, &account(2)), 1_000 * UNIT);
        check(ext);
    });
}

#[test]
fn the_block_is_the_chains() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, deployer(BLOCK_INFO));
        let out = read(ext, contract);
        assert_eq!(out[..32], word(1)[..], "NUMBER");
        assert_eq!(out[32..], word(1_700_000_000)[..], "TIMESTAMP in seconds");
    });
}

#[test]
fn contracts_create_contracts_counted_by_their_nonce() {
    new_test_ext().execute_with(|ext| {
        let factory = deploy(ext, 1, deployer(FACTORY));
        signed(ext, 2, call_call(factory, vec![1], 0)).unwrap();
        let child = H160(accord_ethereum::create_address(factory.0, 1));
        let info = CONTRACTS.get(ext, &child).expect("the child is a contract");
        // The factory created it, not whoever called the factory: a creator owns the
        // contract's data in Metering (it may delete its slots).
        assert_eq!((info.creator, info.nonce), (factory, 1), "the factory is the creator");
        assert_eq!(CONTRACTS.get(ext, &factory).unwrap().nonce, 2);
    });
}

#[test]
fn a_contract_that_destroys_itself_while_created_leaves_nothing() {
    new_test_ext().execute_with(|ext| {
        // CALLER, SELFDESTRUCT.
        signed(ext, 1, create_call(hex("33ff"), UNIT)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Succeeded);
        assert!(CONTRACTS.iter_from(ext, None, 10).is_empty());
        assert_eq!(accord_pallet_balances::free_balance(ext, &account(1)), 1_000 * UNIT, "the value came back");
    });
}

#[test]
fn refusals_before_execution_change_nothing() {
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, store_init());
        accord_pallet_system::inc_account_nonce(ext, &account(2));
        let o = || Origin::Signed(account(2));
        let too_much_gas = Call::call { contract, input: Default::default(), value: 0, gas_limit: TX_GAS_MAX + 1 };
        assert_noop(ext, err(Error::GasLimitTooHigh), |ext| dispatch(ext, o(), too_much_gas));
        let too_little_gas = Call::call { contract, input: Default::default(), value: 0, gas_limit: 20_000 };
        assert_noop(ext, err(Error::GasLimitTooLow), |ext| dispatch(ext, o(), too_little_gas));
        assert_noop(ext, err(Error::InsufficientBalance), |ext| {
            dispatch(ext, o(), call_call(contract, Vec::new(), 1_001 * UNIT))
        });
        assert_noop(ext, err(Error::NotAContract), |ext| dispatch(ext, o(), call_call(caller(3), vec![1], 0)));
        let salted = Call::create {
            init_code: BoundedVec::try_from_vec(store_init()).unwrap(),
            value: 0,
            gas_limit: 1_000_000,
            salt: Some(H256::ZERO),
        };
        assert_noop(ext, err(Error::SaltUnsupported), |ext| dispatch(ext, o(), salted));
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::None, call_call(contract, vec![], 0)));
        // Value below the existential deposit into a new contract account: Balances refuses,
        // and nothing the EVM did is kept.
        let small = accord_pallet_balances::EXISTENTIAL_DEPOSIT - 1;
        let result = dispatch(ext, o(), create_call(store_init(), small));
        assert!(matches!(result, Err(DispatchError::Module(ModuleError { index: 2, .. }))), "{result:?}");
        check(ext);
    });
}

#[test]
fn the_weight_is_the_gas_limit_at_the_measured_ratio() {
    let call = Call::call { contract: H160::default(), input: Default::default(), value: 0, gas_limit: 100_000 };
    assert!(call.weight().ref_time >= 100_000 * WEIGHT_PER_GAS);
    let more = Call::call { contract: H160::default(), input: Default::default(), value: 0, gas_limit: 200_000 };
    assert!(more.weight().ref_time > call.weight().ref_time);
}

/// A signed Ethereum transaction from the key `[k; 32]`.
fn eth_tx(k: u8, nonce: u64, chain_id: u64, to: Option<[u8; 20]>, input: Vec<u8>, legacy: bool) -> Vec<u8> {
    use accord_ethereum::transaction::{SignedTransaction, Transaction, TransactionKind};
    let key = accord_ethereum::SigningKey::from_bytes(&[k; 32].into()).unwrap();
    let kind = if legacy {
        TransactionKind::Legacy { gas_price: 0 }
    } else {
        TransactionKind::Eip1559 { max_priority_fee_per_gas: 0, max_fee_per_gas: 0, access_list: Vec::new() }
    };
    let value = accord_ethereum::U256([0; 32]);
    let tx = Transaction { chain_id, nonce, gas_limit: 1_000_000, to, value, input, kind };
    SignedTransaction::sign(tx, &key).unwrap().encode()
}

fn eth_account(k: u8) -> (H160, AccountId32) {
    let key = accord_ethereum::SigningKey::from_bytes(&[k; 32].into()).unwrap();
    let address = accord_ethereum::address_of_public_key(key.verifying_key());
    (H160(address), accord_ethereum::account_of(address))
}

fn transact(raw: Vec<u8>) -> Call {
    Call::transact { transaction: BoundedVec::try_from_vec(raw).unwrap() }
}

#[test]
fn ethereum_transactions_create_and_call_as_their_senders_account() {
    new_test_ext().execute_with(|ext| {
        let (address, account) = eth_account(9);
        accord_pallet_balances::mint(ext, &account, 10 * UNIT).unwrap();
        // As the runtime does: the transaction's nonce is the account's, bumped before dispatch.
        accord_pallet_system::inc_account_nonce(ext, &account);
        let raw = eth_tx(9, 0, CHAIN_ID_DEFAULT, None, store_init(), false);
        dispatch(ext, Origin::Signed(account), transact(raw)).unwrap();
        let contract = H160(accord_ethereum::create_address(address.0, 0));
        assert_eq!(CONTRACTS.get(ext, &contract).unwrap().creator, address);
        accord_pallet_system::inc_account_nonce(ext, &account);
        let raw = eth_tx(9, 1, CHAIN_ID_DEFAULT, Some(contract.0), word(5), true);
        dispatch(ext, Origin::Signed(account), transact(raw)).unwrap();
        assert_eq!(read(ext, contract), word(5));
        assert_eq!(ORIGINAL_ACCOUNTS.get(ext, &address), None, "an Ethereum account needs no mapping");
        check(ext);
    });
}

#[test]
fn a_transaction_runs_only_as_its_signers_account() {
    new_test_ext().execute_with(|ext| {
        let (_, signer) = eth_account(9);
        let raw = eth_tx(9, 0, CHAIN_ID_DEFAULT, None, store_init(), false);
        // Someone else's origin: a native signer relaying it, or another Ethereum account.
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::Signed(account(1)), transact(raw.clone()))
        });
        let (_, other) = eth_account(8);
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::Signed(other), transact(raw.clone())));
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::None, transact(raw.clone())));
        let wrong_chain = eth_tx(9, 0, 1, None, store_init(), false);
        assert_noop(ext, err(Error::BadTransaction), |ext| {
            dispatch(ext, Origin::Signed(signer), transact(wrong_chain))
        });
        assert_noop(ext, err(Error::BadTransaction), |ext| dispatch(ext, Origin::Signed(signer), transact(vec![0xc0])));
    });
}

#[test]
fn a_transaction_runs_only_as_its_own_signer() {
    new_test_ext().execute_with(|ext| {
        let (address, signer) = eth_account(9);
        accord_pallet_balances::mint(ext, &signer, 10 * UNIT).unwrap();
        let raw = eth_tx(9, 0, CHAIN_ID_DEFAULT, None, store_init(), false);
        // Its sender recovered (and remembered) first, as the executive's checks do: a
        // relayer still cannot run it.
        assert_eq!(crate::ethereum::check_transaction(ext, &raw).unwrap().account, signer);
        let (_, other) = eth_account(8);
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::Signed(other), transact(raw.clone())));
        // Its signer runs it.
        accord_pallet_system::inc_account_nonce(ext, &signer);
        dispatch(ext, Origin::Signed(signer), transact(raw)).unwrap();
        let contract = H160(accord_ethereum::create_address(address.0, 0));
        assert_eq!(CONTRACTS.get(ext, &contract).unwrap().creator, address);
        check(ext);
    });
}

#[test]
fn the_checks_before_the_pool_name_their_reason() {
    use crate::ethereum::{check_transaction, Refusal};
    new_test_ext().execute_with(|ext| {
        let (address, account) = eth_account(9);
        let checked = check_transaction(ext, &eth_tx(9, 3, CHAIN_ID_DEFAULT, None, vec![], true)).unwrap();
        assert_eq!((checked.sender, checked.account, checked.nonce()), (address, account, 3));
        let wrong = check_transaction(ext, &eth_tx(9, 0, 1, None, vec![], false)).unwrap_err();
        assert_eq!(wrong, Refusal::WrongChainId { expected: CHAIN_ID_DEFAULT, got: 1 });
        assert!(wrong.to_string().contains("chain id 1"), "{wrong}");
        assert!(matches!(check_transaction(ext, &[0x02, 0xc0]), Err(Refusal::Malformed(_))));
    });
}

/// Calls ecrecover once on EIP-155's example signature, then stops.
const ECRECOVER_ONCE: &str = concat!(
    "7f daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53 600052",
    "601b602052",
    "7f 28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276 604052",
    "7f 67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83 606052",
    "6020 6080 6080 6000 6001 5a fa 50 00",
);

fn gas_used(ext: &Ext<'_>) -> u64 {
    match events(ext).into_iter().rev().find(|e| matches!(e, Event::Executed { .. })) {
        Some(Event::Executed { gas_used, .. }) => gas_used,
        _ => panic!("no Executed event"),
    }
}

#[test]
fn a_call_weighs_its_gas_used_and_its_precompile_calls_measured_cost() {
    use crate::precompiles::{DECLARED_WEIGHT_PER_GAS, ECRECOVER_GAS, ECRECOVER_WEIGHT};
    new_test_ext().execute_with(|ext| {
        let plain = deploy(ext, 1, store_init());
        let recovering = deploy(ext, 1, deployer(ECRECOVER_ONCE));
        let _ = ext.take_weight_refund();
        let declared = 1_000_000 * DECLARED_WEIGHT_PER_GAS;
        // No precompile: the gas used at the ordinary ratio.
        signed(ext, 2, call_call(plain, word(3), 0)).unwrap();
        let beyond_base = |gas: u64| (gas - crate::TRANSACTION_BASE_GAS) * WEIGHT_PER_GAS;
        assert_eq!(declared - ext.take_weight_refund().ref_time, beyond_base(gas_used(ext)));
        // One ecrecover: its measured weight replaces its 3,000 gas at the ordinary ratio.
        signed(ext, 2, call_call(recovering, vec![], 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Succeeded);
        let used = declared - ext.take_weight_refund().ref_time;
        assert_eq!(used, beyond_base(gas_used(ext) - ECRECOVER_GAS) + ECRECOVER_WEIGHT);
        // An eth_call-style simulation reports the same.
        let execution = Execution::call(account(2), 0, recovering, Vec::new(), Default::default(), 100_000);
        let (outcome, _) = exec::simulate(ext, &execution).unwrap();
        assert_eq!(outcome.precompile_weight, ECRECOVER_WEIGHT - ECRECOVER_GAS * WEIGHT_PER_GAS);
    });
}

/// A called contract's analyzed code is remembered by its hash and is the stored code; the
/// memo stays within its two generations.
#[test]
fn called_code_is_remembered_by_its_hash_and_bounded() {
    use crate::db::analyzed;
    use revm::primitives::B256;
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, store_init());
        let code_hash = CONTRACTS.get(ext, &contract).unwrap().code_hash;
        assert_eq!(read(ext, contract), word(42));
        let remembered = analyzed::get(&B256::from(code_hash.0)).expect("remembered after a call");
        assert_eq!(remembered.original_bytes().as_ref(), CODES.get(ext, &code_hash).unwrap().as_slice());
        // Called again, from the memo: the same answer.
        assert_eq!(read(ext, contract), word(42));
    });
    for i in 0..2 * analyzed::GENERATION as u64 + 10 {
        analyzed::put(B256::left_padding_from(&i.to_be_bytes()), revm::bytecode::Bytecode::default());
    }
    assert!(analyzed::len() <= 2 * analyzed::GENERATION);
}

/// Runtime that forwards its call data to `to` with the call opcode `op` (`CALL` f1 passing
/// its own `CALLVALUE`, `DELEGATECALL` f4, `STATICCALL` fa) and all its gas, then returns
/// what the callee returned, or reverts with it; with `revert_after`, reverts either way.
fn forwarder(op: u8, to: [u8; 20], revert_after: bool) -> Vec<u8> {
    // calldatacopy(0, 0, calldatasize); retSize, retOffset, argsSize, argsOffset
    let mut code = vec![0x36, 0x60, 0, 0x60, 0, 0x37, 0x60, 0, 0x60, 0, 0x36, 0x60, 0];
    if op == 0xf1 {
        code.push(0x34); // CALLVALUE
    }
    code.push(0x73); // PUSH20 to
    code.extend_from_slice(&to);
    // GAS, op, then returndatacopy(0, 0, returndatasize)
    code.extend_from_slice(&[0x5a, op, 0x3d, 0x60, 0, 0x60, 0, 0x3e]);
    if revert_after {
        code.extend_from_slice(&[0x50, 0x3d, 0x60, 0, 0xfd]); // POP, revert(0, returndatasize)
        return code;
    }
    let success = code.len() as u8 + 7;
    code.extend_from_slice(&[0x60, success, 0x57, 0x3d, 0x60, 0, 0xfd, 0x5b, 0x3d, 0x60, 0, 0xf3]);
    assert_eq!(code[success as usize], 0x5b, "the success branch starts at a JUMPDEST");
    code
}

/// Init code deploying a runtime given as bytes.
fn deployer_of(runtime: &[u8]) -> Vec<u8> {
    let hex: String = runtime.iter().map(|b| format!("{b:02x}")).collect();
    deployer(&hex)
}

/// The call data of `append` (or of `appendCustom` with `custom`).
fn append_input(data_id: &[u8], source: &[u8], result: &[u8], op: u64, custom: bool) -> Vec<u8> {
    use accord_ethereum::abi::{self, Token};
    let signature = if custom { oplog::APPEND_CUSTOM } else { oplog::APPEND };
    let mut input = abi::selector(signature).to_vec();
    input.extend(abi::encode(&[Token::Bytes(data_id), Token::Bytes(source), Token::Bytes(result), Token::Uint(op)]));
    input
}

fn oplog_next(ext: &Ext<'_>) -> u64 {
    accord_pallet_oplog::NEXT_INDEX.get(ext)
}

fn oplog_entry(ext: &Ext<'_>, index: u64) -> accord_pallet_oplog::LogEntry {
    accord_pallet_oplog::ENTRIES.get(ext, &index).expect("the entry is kept")
}

/// The output of the last call, from a simulation of the same call on the state before.
fn simulated_output(ext: &Ext<'_>, n: u8, contract: H160, input: &[u8]) -> Vec<u8> {
    let nonce = accord_pallet_system::account_nonce(ext, &account(n)) as u64;
    let execution = Execution::call(account(n), nonce, contract, input.to_vec(), Default::default(), 1_000_000);
    exec::simulate(ext, &execution).unwrap().0.output
}

#[test]
fn contracts_append_to_the_oplog_under_their_own_address() {
    use accord_pallet_oplog::{LogOrigin, OpType};
    new_test_ext().execute_with(|ext| {
        let contract = deploy(ext, 1, deployer_of(&forwarder(0xf1, oplog::OPLOG_ADDRESS, false)));
        let first = oplog_next(ext);
        let input = append_input(b"account D", &100u32.to_be_bytes(), &200u32.to_be_bytes(), 1, false);
        assert_eq!(simulated_output(ext, 2, contract, &input), word(first), "append returns the entry's index");
        signed(ext, 2, call_call(contract, input, 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Succeeded);
        let custom = append_input(b"", b"", &[7; 4096], 513, true);
        signed(ext, 3, call_call(contract, custom, 0)).unwrap();
        assert_eq!(oplog_next(ext), first + 2, "one entry per append, nothing else");
        let entry = oplog_entry(ext, first);
        assert_eq!(entry.origin, LogOrigin::Contract(contract.0), "the contract is the origin");
        assert_eq!(entry.operator, account(2), "the signer is the operator");
        assert_eq!((&entry.data_id[..], &entry.source_state[..]), (&b"account D"[..], &100u32.to_be_bytes()[..]));
        assert_eq!((&entry.result_state[..], entry.op_type), (&200u32.to_be_bytes()[..], OpType::Update));
        let custom = oplog_entry(ext, first + 1);
        assert_eq!(
            (custom.op_type, custom.operator, custom.result_state.len()),
            (OpType::Custom(513), account(3), 4096)
        );
        // The precompile's log reaches the receipt as an EVM log of the precompile.
        let logged =
            events(ext).into_iter().any(|e| matches!(e, Event::Log { contract: c, .. } if c.0 == oplog::OPLOG_ADDRESS));
        assert!(logged, "the Appended log is an Evm.Log event");
    });
}

#[test]
fn oplog_refusals_revert_with_a_reason_and_append_nothing() {
    new_test_ext().execute_with(|ext| {
        let to = oplog::OPLOG_ADDRESS;
        let call = deploy(ext, 1, deployer_of(&forwarder(0xf1, to, false)));
        let delegate = deploy(ext, 1, deployer_of(&forwarder(0xf4, to, false)));
        let fixed = deploy(ext, 1, deployer_of(&forwarder(0xfa, to, false)));
        let good = append_input(b"id", b"a", b"b", 0, false);
        let mut truncated = good.clone();
        truncated.truncate(100);
        let mut unknown = good.clone();
        unknown[0] ^= 1;
        let cases: Vec<(H160, Vec<u8>, Balance, &str)> = vec![
            (call, append_input(b"id", b"a", b"b", 4, false), 0, "opType 4 is not 0-3"),
            (call, append_input(&[1; 129], b"", b"", 0, false), 0, "data id is longer than 128"),
            (call, append_input(b"id", &[1; 4097], b"", 0, false), 0, "state is longer than 4096"),
            (call, append_input(b"id", b"", b"", 70_000, true), 0, "bad arguments"),
            (call, truncated, 0, "bad arguments"),
            (call, unknown, 0, "unknown function"),
            (call, vec![1, 2], 0, "no function selector"),
            (call, vec![0; oplog::APPEND_INPUT_LEN_MAX + 1], 0, "longer than an append's"),
            (call, good.clone(), 1, "takes no value"),
            (delegate, good.clone(), 0, "call with CALL"),
            (fixed, good.clone(), 0, "call with CALL"),
        ];
        let first = oplog_next(ext);
        for (contract, input, value, reason) in cases {
            signed(ext, 2, call_call(contract, input, value)).unwrap();
            let ExitReason::Reverted { data } = last_exit(ext) else { panic!("{reason}: not reverted") };
            let text = String::from_utf8_lossy(&data);
            assert!(text.contains(reason), "{reason}: {text}");
            assert_eq!(oplog_next(ext), first, "{reason}: nothing appended");
        }
        // A transaction cannot call the precompile itself (it has no code: refused).
        let direct = call_call(H160(to), good, 0);
        assert_noop(ext, err(Error::NotAContract), |ext| dispatch(ext, Origin::Signed(account(2)), direct));
    });
}

#[test]
fn only_the_frames_that_survive_append() {
    use accord_pallet_oplog::LogOrigin;
    new_test_ext().execute_with(|ext| {
        let to = oplog::OPLOG_ADDRESS;
        let reverting = deploy(ext, 1, deployer_of(&forwarder(0xf1, to, true)));
        let plain = deploy(ext, 1, deployer_of(&forwarder(0xf1, to, false)));
        let input = append_input(b"id", b"a", b"b", 1, false);
        let first = oplog_next(ext);
        // The whole transaction reverts: nothing.
        signed(ext, 2, call_call(reverting, input.clone(), 0)).unwrap();
        assert!(matches!(last_exit(ext), ExitReason::Reverted { .. }));
        assert_eq!(oplog_next(ext), first);
        // An outer contract calls the reverting one (its failure ignored), then the plain one:
        // one entry, the plain one's, at the index it was told.
        // Runtime: calldatacopy; call(reverting); pop; call(plain); returndatacopy; return.
        let mut outer = vec![0x36, 0x60, 0, 0x60, 0, 0x37];
        for target in [reverting, plain] {
            outer.extend_from_slice(&[0x60, 0, 0x60, 0, 0x36, 0x60, 0, 0x60, 0, 0x73]);
            outer.extend_from_slice(&target.0);
            outer.extend_from_slice(&[0x5a, 0xf1, 0x50]);
        }
        outer.extend_from_slice(&[0x3d, 0x60, 0, 0x60, 0, 0x3e, 0x3d, 0x60, 0, 0xf3]);
        let outer = deploy(ext, 1, deployer_of(&outer));
        assert_eq!(simulated_output(ext, 2, outer, &input), word(first), "the index skips the dropped frame");
        signed(ext, 2, call_call(outer, input, 0)).unwrap();
        assert_eq!(last_exit(ext), ExitReason::Succeeded);
        assert_eq!(oplog_next(ext), first + 1);
        assert_eq!(oplog_entry(ext, first).origin, LogOrigin::Contract(plain.0));
    });
}

#[test]
fn an_append_weighs_its_oplog_write() {
    let gas = oplog::APPEND_GAS + 100 * oplog::APPEND_GAS_PER_BYTE;
    let weight = gas * WEIGHT_PER_GAS + oplog::surcharge(gas, 100);
    assert_eq!(weight, accord_pallet_oplog::weights::append(100).ref_time.max(gas * WEIGHT_PER_GAS));
    // The most an append's gas can weigh stays under the ratio a call's limit is declared at.
    let per_gas = oplog::surcharge(oplog::APPEND_GAS, 0) / oplog::APPEND_GAS + WEIGHT_PER_GAS;
    assert!(per_gas < precompiles::DECLARED_WEIGHT_PER_GAS, "{per_gas}");
}
