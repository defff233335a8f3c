//! The EVM pallet in the assembled runtime: contracts deployed and called in real blocks,
//! charged by Metering like any extrinsic, behind the membership gate; its genesis config.

use accord_pallet_balances as balances;
use accord_pallet_evm as evm;
use accord_primitives::{AccountId32, Pair, UncheckedExtrinsic, H160, H256};
use accord_support::BoundedVec;
use codec::Encode;

use super::Chain;
use crate::validity::{custom, InvalidTransaction, TransactionValidityError, ValidTransaction};
use crate::{GenesisConfig, RuntimeCall, RuntimeEvent, UNIT};

/// Init code: `sstore(0, 42)`, then deploys a runtime that stores its first call-data word in
/// slot 0 when given one and returns slot 0 (the pallet's tests spell both out).
const STORE_INIT: &str = "602a6000556017601160003960176000f33615600b576000356000555b60005460005260206000f3";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn create(value: u128) -> RuntimeCall {
    let init_code = BoundedVec::try_from_vec(hex(STORE_INIT)).unwrap();
    RuntimeCall::Evm(evm::Call::create { init_code, value, gas_limit: 200_000, salt: None })
}

fn call(contract: H160, input: Vec<u8>) -> RuntimeCall {
    let input = BoundedVec::try_from_vec(input).unwrap();
    RuntimeCall::Evm(evm::Call::call { contract, input, value: 0, gas_limit: 100_000 })
}

fn address(who: &Pair) -> [u8; 20] {
    accord_ethereum::address_of(&who.account())
}

#[test]
fn contracts_run_in_blocks_and_pay_like_any_extrinsic() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let before = chain.read(|ext| balances::free_balance(ext, &alice.account()));
    let xt = chain.signed(&alice, &create(UNIT), 0);
    let quote = chain.quote(&xt);
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.fee, quote.total, "charged what was quoted");
    assert!(outcome.usage.storage.bytes_added > 0, "the code and the slot are billed as storage");
    let after = chain.read(|ext| balances::free_balance(ext, &alice.account()));
    assert_eq!(before - after, outcome.fee + UNIT, "the fee and the value");
    // The transaction's nonce (0) gives the address.
    let contract = H160(accord_ethereum::create_address(address(&alice), 0));
    let created = chain.events().into_iter().find_map(|r| match r.event {
        RuntimeEvent::Evm(evm::Event::Created { contract, .. }) => Some(contract),
        _ => None,
    });
    assert_eq!(created, Some(contract));
    let mut word = [0u8; 32];
    word[31] = 7;
    assert_eq!(
        chain.produce(&[chain.signed(&bob, &call(contract, word.to_vec()), 0)])[0].as_ref().unwrap().result,
        Ok(())
    );
    let slot = chain.read(|ext| evm::STORAGE.get(ext, &contract, &H256::ZERO));
    assert_eq!(slot, Some(H256(word)));
    let info = chain.read(|ext| evm::CONTRACTS.get(ext, &contract)).unwrap();
    assert_eq!((info.creator, info.created_at, info.storage_items), (H160(address(&alice)), 1, 1));
}

#[test]
fn the_membership_gate_stands_before_contracts() {
    let mut config = GenesisConfig::dev();
    config.balances.push((Pair::dev("Stranger").account(), 1_000 * UNIT));
    let chain = Chain::from_config(&config);
    let refused = chain.validate(&chain.signed(&Pair::dev("Stranger"), &create(0), 0));
    assert_eq!(refused, Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(custom::NOT_A_MEMBER))));
}

#[test]
fn the_most_gas_a_transaction_may_use_fits_a_block() {
    let chain = Chain::dev();
    let init_code = BoundedVec::try_from_vec(hex(STORE_INIT)).unwrap();
    let call = RuntimeCall::Evm(evm::Call::create { init_code, value: 0, gas_limit: evm::TX_GAS_MAX, salt: None });
    assert!(chain.validate(&chain.signed(&Pair::dev("Alice"), &call, 0)).is_ok());
}

#[test]
fn the_genesis_json_names_the_chain_id_and_the_hard_fork() {
    let mut config = GenesisConfig::dev();
    config.evm = evm::EvmConfig { chain_id: 1_234, hard_fork: evm::HardFork::Cancun };
    let json = config.to_json();
    assert!(json.contains("\"hardFork\": \"cancun\""), "{json}");
    let parsed = GenesisConfig::from_json(&json).unwrap();
    assert_eq!(parsed.evm, config.evm);
    let chain = Chain::from_config(&parsed);
    assert_eq!(chain.read(|ext| evm::CONFIG.get(ext)), config.evm);
    // Without the section: the defaults. With an unknown hard fork: a clear error.
    assert_eq!(GenesisConfig::from_json("{}").unwrap().evm, evm::EvmConfig::default());
    let bad = GenesisConfig::from_json(r#"{"evm": {"chainId": 1, "hardFork": "london"}}"#).unwrap_err();
    assert!(bad.to_string().contains("\"london\" is not one of \"cancun\", \"prague\""), "{bad}");
}

/// An `Evm.transact` of a transaction signed by the key `[k; 32]`, as a bare extrinsic.
fn ethereum(k: u8, nonce: u64, chain_id: u64, to: Option<[u8; 20]>, input: Vec<u8>) -> UncheckedExtrinsic {
    ethereum_signed_by(&accord_ethereum::SigningKey::from_bytes(&[k; 32].into()).unwrap(), nonce, chain_id, to, input)
}

/// An `Evm.transact` of an EIP-1559 transaction signed by `key`, as a bare extrinsic.
fn ethereum_signed_by(
    key: &accord_ethereum::SigningKey,
    nonce: u64,
    chain_id: u64,
    to: Option<[u8; 20]>,
    input: Vec<u8>,
) -> UncheckedExtrinsic {
    use accord_ethereum::transaction::{SignedTransaction, Transaction, TransactionKind};
    let kind = TransactionKind::Eip1559 { max_priority_fee_per_gas: 0, max_fee_per_gas: 0, access_list: Vec::new() };
    let tx =
        Transaction { chain_id, nonce, gas_limit: 200_000, to, value: accord_ethereum::U256([0; 32]), input, kind };
    let raw = SignedTransaction::sign(tx, key).unwrap().encode();
    let call = RuntimeCall::Evm(evm::Call::transact { transaction: BoundedVec::try_from_vec(raw).unwrap() });
    UncheckedExtrinsic::new_unsigned(&call.encode())
}

fn ethereum_account(k: u8) -> ([u8; 20], AccountId32) {
    let key = accord_ethereum::SigningKey::from_bytes(&[k; 32].into()).unwrap();
    let address = accord_ethereum::address_of_public_key(key.verifying_key());
    (address, accord_ethereum::account_of(address))
}

fn refused(code: u8) -> Result<ValidTransaction, TransactionValidityError> {
    Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(code)))
}

#[test]
fn ethereum_transactions_are_checked_like_signed_ones_and_pay() {
    let (address, account) = ethereum_account(9);
    let mut config = GenesisConfig::dev();
    config.balances.push((account, 1_000 * UNIT));
    let mut chain = Chain::from_config(&config);
    let deploy = ethereum(9, 0, evm::CHAIN_ID_DEFAULT, None, hex(STORE_INIT));
    // Funded but in no organization: the gate refuses it as any stranger.
    assert_eq!(chain.validate(&deploy), refused(custom::NOT_A_MEMBER));
    let add = RuntimeCall::Organizations(accord_pallet_organizations::Call::add_member { org: 1, who: account });
    assert_eq!(chain.produce(&[chain.signed(&Pair::dev("Alice"), &add, 0)])[0].as_ref().unwrap().result, Ok(()));
    // The pool orders it by its sender and nonce.
    let validity = chain.validate(&deploy).unwrap();
    assert_eq!(crate::self_contained_sender(&validity), Some((account, 0)));
    assert_eq!(
        chain.validate(&ethereum(9, 1, evm::CHAIN_ID_DEFAULT, None, vec![])).unwrap().requires,
        vec![(account, 0u32).encode()]
    );
    let before = chain.read(|ext| balances::free_balance(ext, &account));
    let outcome = chain.produce(&[deploy]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert!(outcome.fee > 0);
    assert_eq!(before - chain.read(|ext| balances::free_balance(ext, &account)), outcome.fee, "its account paid");
    assert_eq!(chain.read(|ext| accord_pallet_system::account_nonce(ext, &account)), 1);
    let contract = accord_ethereum::create_address(address, 0);
    assert!(chain.read(|ext| evm::CONTRACTS.contains_key(ext, &H160(contract))));
    // The same transaction again: its nonce is spent.
    let again = ethereum(9, 0, evm::CHAIN_ID_DEFAULT, None, hex(STORE_INIT));
    assert_eq!(chain.validate(&again), Err(TransactionValidityError::Invalid(InvalidTransaction::Stale)));
}

#[test]
fn bad_ethereum_transactions_are_refused_with_their_reason() {
    let chain = Chain::dev();
    assert_eq!(chain.validate(&ethereum(9, 0, 1, None, vec![])), refused(custom::ETHEREUM_WRONG_CHAIN));
    let garbage =
        RuntimeCall::Evm(evm::Call::transact { transaction: BoundedVec::try_from_vec(vec![0x02, 0xc0]).unwrap() });
    assert_eq!(
        chain.validate(&UncheckedExtrinsic::new_unsigned(&garbage.encode())),
        refused(custom::ETHEREUM_MALFORMED)
    );
    // Signed by a native account, a transact is refused: it is self-contained only.
    let xt = ethereum(9, 0, evm::CHAIN_ID_DEFAULT, None, vec![]);
    let call = RuntimeCall::decode_all(xt.call()).unwrap();
    assert_eq!(
        chain.validate(&chain.signed(&Pair::dev("Alice"), &call, 0)),
        Err(TransactionValidityError::Invalid(InvalidTransaction::Call))
    );
    let text = TransactionValidityError::Invalid(InvalidTransaction::Custom(custom::ETHEREUM_WRONG_CHAIN)).to_string();
    assert!(text.contains("another chain id"), "{text}");
}

#[test]
fn the_dev_chain_admits_hardhats_accounts() {
    // Hardhat's and Anvil's account 0: its well-known private key gives the first address.
    let key: [u8; 32] =
        hex::decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80").unwrap().try_into().unwrap();
    let signing = accord_ethereum::SigningKey::from_bytes(&key.into()).unwrap();
    let address = accord_ethereum::address_of_public_key(signing.verifying_key());
    assert_eq!(hex::encode(address), crate::genesis::DEV_ETHEREUM_ADDRESSES[0]);
    let chain = Chain::dev();
    for who in crate::genesis::dev_ethereum_accounts() {
        assert_eq!(chain.read(|ext| balances::free_balance(ext, &who)), crate::genesis::DEV_ETHEREUM_BALANCE);
        assert!(chain.read(|ext| accord_pallet_organizations::may_transact(ext, &who)));
    }
    let deploy = ethereum_signed_by(&signing, 0, evm::CHAIN_ID_DEFAULT, None, hex(STORE_INIT));
    assert!(chain.validate(&deploy).is_ok());
}

/// The dev chain with `account` endowed and a member of the development organization.
fn chain_with_member(account: AccountId32) -> Chain {
    let mut config = GenesisConfig::dev();
    config.balances.push((account, 1_000 * UNIT));
    config.organizations.iter_mut().for_each(|o| o.members.push(account));
    Chain::from_config(&config)
}

#[test]
fn receipts_are_read_from_a_blocks_extrinsics_and_events() {
    let (address, account) = ethereum_account(9);
    let mut chain = chain_with_member(account);
    let deploy = ethereum(9, 0, evm::CHAIN_ID_DEFAULT, None, hex(STORE_INIT));
    let contract = accord_ethereum::create_address(address, 0);
    let mut word = [0u8; 32];
    word[31] = 5;
    let write = ethereum(9, 1, evm::CHAIN_ID_DEFAULT, Some(contract), word.to_vec());
    let native = chain.signed(
        &Pair::dev("Alice"),
        &RuntimeCall::System(accord_pallet_system::Call::remark { remark: vec![1] }),
        0,
    );
    let block = [deploy, native, write];
    let outcomes = chain.produce(&block);
    let events = chain.state.map.get(&accord_pallet_system::events_key()).cloned();
    // The block as stored: the timestamp inherent first, then the transactions.
    let mut extrinsics = vec![crate::timestamp_inherent(chain.time_ms).encoded().to_vec()];
    extrinsics.extend(block.iter().map(|xt| xt.encoded().to_vec()));
    let receipts = crate::evm_glue::ethereum_receipts(&extrinsics, events.as_deref());
    assert_eq!(receipts.len(), 2, "the remark is no Ethereum transaction");
    let (created, written) = (&receipts[0], &receipts[1]);
    assert_eq!((created.extrinsic_index, written.extrinsic_index), (1, 3));
    assert_eq!(created.contract_address, Some(contract));
    assert_eq!(written.contract_address, None);
    for (receipt, outcome) in receipts.iter().zip([&outcomes[0], &outcomes[2]]) {
        assert!(receipt.status && receipt.gas_used > 21_000);
        assert_eq!(receipt.from, address);
        assert_eq!(receipt.fee, outcome.as_ref().unwrap().fee, "the fee Metering charged");
        assert_eq!(receipt.hash, accord_ethereum::keccak256(&receipt.raw));
    }
    assert!(created.logs.is_empty());
    // No events: the receipts still name the transactions, failed, with the signer.
    let bare = crate::evm_glue::ethereum_receipts(&extrinsics, None);
    assert_eq!(bare.iter().map(|r| (r.status, r.from)).collect::<Vec<_>>(), vec![(false, address); 2]);
    assert_eq!(crate::evm_glue::block_timestamp_ms(&extrinsics), chain.time_ms);
}

#[test]
fn a_contract_transaction_pays_and_counts_the_gas_it_used_not_its_limit() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    chain.produce(&[chain.signed(&alice, &create(0), 0)]);
    let contract = H160(accord_ethereum::create_address(address(&alice), 0));
    // Each call changes slot 0 from one non-zero value to another: the same gas.
    let with_limit = |gas_limit| {
        let mut word = [0u8; 32];
        word[31] = (gas_limit % 251) as u8 + 1;
        let input = BoundedVec::try_from_vec(word.to_vec()).unwrap();
        RuntimeCall::Evm(evm::Call::call { contract, input, value: 0, gas_limit })
    };
    let small = chain.signed(&alice, &with_limit(100_000), 1);
    let quote = chain.quote(&small);
    let small = chain.produce(&[small]).remove(0).unwrap();
    assert_eq!(small.fee, quote.total, "the quote refunds the unused gas too");
    let large = chain.produce(&[chain.signed(&alice, &with_limit(10_000_000), 2)]).remove(0).unwrap();
    assert_eq!((small.result, large.result), (Ok(()), Ok(())));
    // The same work: the same fee and weight, whatever the limit.
    assert_eq!(large.fee, small.fee);
    assert_eq!(large.info.weight, small.info.weight);
    assert!(large.info.weight.ref_time < with_limit(10_000_000).weight().ref_time / 10);
}

#[test]
fn an_ethereum_transaction_is_quoted_from_its_sender() {
    let (_, account) = ethereum_account(9);
    let mut chain = chain_with_member(account);
    let deploy = ethereum(9, 0, evm::CHAIN_ID_DEFAULT, None, hex(STORE_INIT));
    let quote = chain.quote(&deploy);
    let outcome = chain.produce(&[deploy]).remove(0).unwrap();
    assert_eq!(outcome.fee, quote.total);
    assert!(quote.dispatch_ok);
}
