//! revm's view of the chain state: a [`Database`] over the runtime's [`Ext`], read only.
//!
//! Accounts: a contract (in `Evm.Contracts`) has its nonce and code there; any other address
//! is an account whose nonce is its `System` nonce (the caller's: the transaction's nonce) and
//! whose balance is the free balance of its native account, in wei. An address without a
//! contract, a nonce or a balance does not exist. Block hashes: the 256 blocks before the
//! current one, from `System.BlockHash`. An alias called by a transaction that a version
//! serves ([`Execution::served`]) reads as designating that version's code.

use revm::bytecode::Bytecode;
use revm::database_interface::{DBErrorMarker, Database};
use revm::primitives::{Address, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::AccountInfo;

use accord_pallet_balances as balances;
use accord_pallet_system as system;
use accord_primitives::{AccountId32, H160, H256};
use accord_support::Ext;

use crate::exec::Execution;
use crate::{account_of, address_state, wei, CODES, STORAGE};

/// A state read revm cannot do without: the chain's state is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EVM state: {}", self.0)
    }
}

impl std::error::Error for DbError {}
impl DBErrorMarker for DbError {}

/// The chain's state as revm reads it.
pub struct StateDb<'a, 'e> {
    ext: &'a Ext<'e>,
    execution: &'a Execution,
}

impl<'a, 'e> StateDb<'a, 'e> {
    /// The state in `ext` as `execution` sees it: its caller's nonce is the transaction's.
    pub fn new(ext: &'a Ext<'e>, execution: &'a Execution) -> Self {
        StateDb { ext, execution }
    }

    /// The native account of `address` (the caller's is the transaction's signer).
    pub fn account(&self, address: &H160) -> AccountId32 {
        if *address == self.execution.caller {
            return self.execution.origin;
        }
        account_of(self.ext, address)
    }

    /// The balance of `address` in wei: its native account's free balance.
    pub fn balance(&self, address: &H160) -> U256 {
        wei(balances::free_balance(self.ext, &self.account(address)))
    }
}

/// revm's address as ours.
pub fn h160(address: &Address) -> H160 {
    H160(address.into_array())
}

/// revm's 256-bit word as our hash type (big-endian).
pub fn h256(word: &U256) -> H256 {
    H256(word.to_be_bytes())
}

impl Database for StateDb<'_, '_> {
    type Error = DbError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        let address = h160(&address);
        let (mut balance, mut nonce, contract) = address_state(self.ext, &address);
        if address == self.execution.caller && contract.is_none() {
            // The transaction's signer: its native account, the transaction's nonce.
            (balance, nonce) = (self.balance(&address), self.execution.nonce);
        }
        if let (Some(served), true) = (&self.execution.served, self.execution.to == Some(address)) {
            if contract.is_some() {
                // The called alias, as designating the version that serves this transaction.
                let code_hash = B256::from(crate::alias::designator_hash(&served.code).0);
                let code = Some(Bytecode::new_eip7702(Address::from(served.code.0)));
                return Ok(Some(AccountInfo { balance, nonce, code_hash, code, ..Default::default() }));
            }
        }
        let code_hash = contract.map_or(KECCAK_EMPTY, |c| B256::from(c.code_hash.0));
        if code_hash == KECCAK_EMPTY && nonce == 0 && balance.is_zero() {
            return Ok(None);
        }
        Ok(Some(AccountInfo { balance, nonce, code_hash, code: None, ..Default::default() }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, DbError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        if let Some(code) = analyzed::get(&code_hash) {
            return Ok(code);
        }
        let code = CODES.get(self.ext, &H256(code_hash.0)).ok_or_else(|| DbError(format!("no code {code_hash}")))?;
        // Stored code passed revm's checks when it was created; a legacy analysis cannot fail.
        let code = Bytecode::new_raw_checked(code.into_inner().into())
            .map_err(|e| DbError(format!("code {code_hash}: {e:?}")))?;
        analyzed::put(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, DbError> {
        let value = STORAGE.get(self.ext, &h160(&address), &h256(&index));
        Ok(value.map_or(U256::ZERO, |v| U256::from_be_bytes(v.0)))
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, DbError> {
        let Ok(number) = u32::try_from(number) else { return Ok(B256::ZERO) };
        let current = system::block_number(self.ext);
        // BLOCKHASH answers for the 256 blocks before the current one (revm checks the window
        // too; this keeps the rule here, next to the data).
        if number >= current || current - number > 256 {
            return Ok(B256::ZERO);
        }
        Ok(system::block_hash(self.ext, number).map_or(B256::ZERO, |h| B256::from(h.0)))
    }
}

/// Analyzed code remembered by code hash, for the whole process. Each call of a contract
/// read its code from the state, decoded it and analyzed its jump destinations: for a token
/// called thousands of times a block, a good part of each call. The code hash is keccak-256
/// of the code, so remembered code is the code the state holds under that hash: remembering
/// changes no result, only the time (as the memo of senders in `accord-ethereum`).
/// Bounded: two generations of at most [`analyzed::GENERATION`] codes (24 KiB each at most).
pub mod analyzed {
    use accord_ethereum::memo::Memo;
    use revm::bytecode::Bytecode;
    use revm::primitives::B256;

    /// The most codes of one generation.
    pub const GENERATION: usize = 256;

    static MEMO: Memo<B256, Bytecode> = Memo::new(GENERATION);

    /// The analyzed code with this hash, if remembered.
    pub fn get(hash: &B256) -> Option<Bytecode> {
        MEMO.get(hash)
    }

    /// Remembers the analyzed code with this hash.
    pub fn put(hash: B256, code: Bytecode) {
        MEMO.put(hash, code)
    }

    /// How many codes are remembered (both generations).
    pub fn len() -> usize {
        MEMO.len()
    }
}
