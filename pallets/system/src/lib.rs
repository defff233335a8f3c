//! # System pallet
//!
//! The accounts (`System.Account` in FRAME's `AccountInfo` layout, which polkadot.js and
//! subxt read for nonces and balances), the block number and hashes, and the block's events.
//! Every other pallet builds on it.
//!
//! ## Storage
//! - `Account`: `AccountId32 -> AccountInfo` (Blake2_128Concat), the nonce and balances.
//! - `BlockHash`: `BlockNumber -> H256` (Twox64Concat); genesis and the last
//!   [`BLOCK_HASH_COUNT`] blocks, for mortal transactions.
//! - `Number`, `ParentHash`: the block being executed.
//! - `Events`, `EventCount`: the events of the block, reset at each block's start.
//! - `ExtrinsicCount`, `AllExtrinsicsLen`, `BlockWeight`: totals of the block.
//!
//! ## Calls
//! - `remark` (0) and `remark_with_event` (7).
//!
//! ## Constants
//! FRAME's, in its order and shapes: `BlockWeights`, `BlockLength` (see [`limits`]),
//! `BlockHashCount`, `DbWeight`, `Version` (the runtime's `sp_version::RuntimeVersion`, which
//! polkadot-api reads to sign) and `SS58Prefix`; the runtime supplies the values
//! ([`Constants`]).

pub mod limits;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_primitives::{AccountId32, Balance, BlockNumber, Nonce, H256};
use accord_support::ext::EventRecordInfo;
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, Blake2_128Concat, DispatchError, DispatchInfo, DispatchResult, Ext, Hooks, OptionQuery, Origin,
    PalletMeta, StorageMap, StorageValue, Twox64Concat, Weight,
};
use frame_metadata::v14::{StorageEntryMetadata, StorageEntryModifier, StorageEntryType};

/// The pallet's name in the runtime.
pub const NAME: &str = "System";

/// How many recent block hashes are kept (for mortal transactions): 4096 blocks.
pub const BLOCK_HASH_COUNT: BlockNumber = 4096;

/// `AccountData.flags` of accounts created by this runtime (FRAME's "new logic" bit).
pub const NEW_ACCOUNT_FLAGS: u128 = 1 << 127;

/// The balances of an account, as `pallet_balances::AccountData`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct AccountData {
    /// Spendable balance.
    pub free: Balance,
    /// Reserved balance (not spendable; unused so far).
    pub reserved: Balance,
    /// The part of `free` that may not be spent (unused so far).
    pub frozen: Balance,
    /// Flags (bit 127: new logic).
    pub flags: u128,
}

/// An account, as `frame_system::AccountInfo` (80 bytes encoded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct AccountInfo {
    /// Transactions sent.
    pub nonce: Nonce,
    /// Modules depending on this account existing.
    pub consumers: u32,
    /// Modules allowing this account to exist (balances when free >= existential deposit).
    pub providers: u32,
    /// Sufficient-asset references.
    pub sufficients: u32,
    /// The balances.
    pub data: AccountData,
}

/// `System.Account`.
pub const ACCOUNT: StorageMap<AccountId32, AccountInfo, Blake2_128Concat> =
    StorageMap::new(NAME, "Account", &[" The full account information for a particular account ID."]);
/// `System.ExtrinsicCount`.
pub const EXTRINSIC_COUNT: StorageValue<u32, OptionQuery> =
    StorageValue::new(NAME, "ExtrinsicCount", &[" Total extrinsics count for the current block."]);
/// `System.BlockWeight`.
pub const BLOCK_WEIGHT: StorageValue<Weight> =
    StorageValue::new(NAME, "BlockWeight", &[" The weight used by the extrinsics of the current block."]);
/// `System.AllExtrinsicsLen`.
pub const ALL_EXTRINSICS_LEN: StorageValue<u32, OptionQuery> =
    StorageValue::new(NAME, "AllExtrinsicsLen", &[" Total length (in bytes) of the extrinsics of the current block."]);
/// `System.BlockHash`.
pub const BLOCK_HASH: StorageMap<BlockNumber, H256, Twox64Concat> =
    StorageMap::new(NAME, "BlockHash", &[" Map of block numbers to block hashes."]);
/// `System.Number`.
pub const NUMBER: StorageValue<BlockNumber> =
    StorageValue::new(NAME, "Number", &[" The current block number being processed."]);
/// `System.ParentHash`.
pub const PARENT_HASH: StorageValue<H256> = StorageValue::new(NAME, "ParentHash", &[" Hash of the previous block."]);
/// `System.EventCount`.
pub const EVENT_COUNT: StorageValue<u32> =
    StorageValue::new(NAME, "EventCount", &[" The number of events in the `Events<T>` list."]);

/// The storage key of `System.Events`: `Vec<EventRecord<RuntimeEvent, H256>>`, written once
/// per block by [`finalize`] from the events recorded in [`Ext`].
pub fn events_key() -> Vec<u8> {
    accord_support::storage::storage_prefix(NAME, "Events")
}

/// The calls of the system pallet. Variant names are the call names clients see.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Makes an on-chain remark; does nothing else.
    ///
    /// - Origin: signed.
    /// - Events: none. Errors: `BadOrigin`.
    /// - Cost: [`weights::remark`], linear in the remark's length.
    #[codec(index = 0)]
    remark {
        /// The remark.
        remark: Vec<u8>,
    },
    /// Makes an on-chain remark and emits `Remarked` with its blake2-256 hash.
    ///
    /// - Origin: signed.
    /// - Events: `Remarked`. Errors: `BadOrigin`.
    /// - Cost: [`weights::remark_with_event`], linear in the remark's length.
    #[codec(index = 7)]
    remark_with_event {
        /// The remark.
        remark: Vec<u8>,
    },
}

/// The events of the system pallet, with FRAME's indices.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An extrinsic completed successfully.
    #[codec(index = 0)]
    ExtrinsicSuccess {
        /// Its weight, class and fee mode.
        dispatch_info: DispatchInfo,
    },
    /// An extrinsic failed; its changes were rolled back (its fee and nonce were kept).
    #[codec(index = 1)]
    ExtrinsicFailed {
        /// Why.
        dispatch_error: DispatchError,
        /// Its weight, class and fee mode.
        dispatch_info: DispatchInfo,
    },
    /// A new account was created.
    #[codec(index = 3)]
    NewAccount {
        /// The account.
        account: AccountId32,
    },
    /// An account was reaped.
    #[codec(index = 4)]
    KilledAccount {
        /// The account.
        account: AccountId32,
    },
    /// A remark was made.
    #[codec(index = 5)]
    Remarked {
        /// Who made it.
        sender: AccountId32,
        /// Its blake2-256 hash.
        hash: H256,
    },
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> Weight {
        match self {
            Call::remark { remark } => weights::remark(remark.len() as u32),
            Call::remark_with_event { remark } => weights::remark_with_event(remark.len() as u32),
        }
    }
}

/// Dispatches a system call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    match call {
        Call::remark { .. } => {
            origin.ensure_signed()?;
            Ok(())
        }
        Call::remark_with_event { remark } => {
            let sender = origin.ensure_signed()?;
            let hash = H256::hash_of(&remark);
            deposit_event(ext, Event::Remarked { sender, hash });
            Ok(())
        }
    }
}

/// Records a system event.
pub fn deposit_event(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// The account information of `who` (default if absent).
pub fn account(ext: &Ext<'_>, who: &AccountId32) -> AccountInfo {
    ACCOUNT.get(ext, who)
}

/// The next nonce of `who`.
pub fn account_nonce(ext: &Ext<'_>, who: &AccountId32) -> Nonce {
    ACCOUNT.get(ext, who).nonce
}

/// Increments the nonce of `who`.
pub fn inc_account_nonce(ext: &mut Ext<'_>, who: &AccountId32) {
    ACCOUNT.mutate(ext, who, |a| a.nonce = a.nonce.wrapping_add(1));
}

/// Writes the account of `who`: created (with `NewAccount`) when it did not exist, removed
/// (with `KilledAccount`) when it has no providers left.
pub fn write_account(ext: &mut Ext<'_>, who: &AccountId32, info: AccountInfo) {
    let existed = ACCOUNT.contains_key(ext, who);
    if info.providers == 0 && info.sufficients == 0 {
        if existed {
            ACCOUNT.remove(ext, who);
            deposit_event(ext, Event::KilledAccount { account: *who });
        }
        return;
    }
    ACCOUNT.insert(ext, who, &info);
    if !existed {
        deposit_event(ext, Event::NewAccount { account: *who });
    }
}

/// The current block number.
pub fn block_number(ext: &Ext<'_>) -> BlockNumber {
    NUMBER.get(ext)
}

/// The hash of block `n`, if still kept (genesis always is).
pub fn block_hash(ext: &Ext<'_>, n: BlockNumber) -> Option<H256> {
    BLOCK_HASH.try_get(ext, &n)
}

/// Starts block `number` on top of `parent_hash`: records the parent's hash, prunes the
/// hash that fell out of the window, and clears the previous block's events and totals.
pub fn initialize(ext: &mut Ext<'_>, number: BlockNumber, parent_hash: H256) {
    NUMBER.put(ext, &number);
    PARENT_HASH.put(ext, &parent_hash);
    if number > 0 {
        BLOCK_HASH.insert(ext, &(number - 1), &parent_hash);
    }
    // Keep genesis (0) forever: immortal transactions sign it.
    if number > BLOCK_HASH_COUNT + 1 {
        BLOCK_HASH.remove(ext, &(number - BLOCK_HASH_COUNT - 1));
    }
    ext.kill(events_key());
    EVENT_COUNT.kill(ext);
    EXTRINSIC_COUNT.kill(ext);
    ALL_EXTRINSICS_LEN.kill(ext);
    BLOCK_WEIGHT.kill(ext);
}

/// Writes the block's events into `System.Events` (one write for the block) and its count.
pub fn finalize(ext: &mut Ext<'_>) {
    let events = ext.events();
    let count = events.len() as u32;
    let mut bytes = codec::Compact(count).encode();
    for e in events {
        e.encode_to(&mut bytes);
    }
    ext.set(events_key(), bytes);
    EVENT_COUNT.put(ext, &count);
}

/// Genesis of the system pallet: block hash 0 is set by the runtime once the genesis header
/// is known (it depends on the state root).
pub fn build_genesis(ext: &mut Ext<'_>) {
    NUMBER.put(ext, &0);
    PARENT_HASH.put(ext, &H256::ZERO);
}

/// The system pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn integrity_check() -> Result<(), String> {
        if BLOCK_HASH_COUNT < 2 {
            return Err("BlockHashCount must keep at least 2 hashes".into());
        }
        Ok(())
    }

    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        // Every stored account exists for a reason.
        for (who, info) in ACCOUNT.iter_from(ext, None, u32::MAX) {
            if info.providers == 0 && info.sufficients == 0 {
                return Err(format!("account {who} stored without providers"));
            }
        }
        Ok(())
    }
}

/// The values of the `System` constants that the runtime sets; `V` is the runtime's
/// `sp_version::RuntimeVersion`.
pub struct Constants<V> {
    /// `BlockWeights`.
    pub block_weights: limits::BlockWeights,
    /// `BlockLength`.
    pub block_length: limits::BlockLength,
    /// `Version`.
    pub version: V,
    /// `SS58Prefix`.
    pub ss58_prefix: u16,
}

/// The metadata of the system pallet; `E` is the runtime's event enum (for `Events`), `V`
/// its version type (for the `Version` constant).
pub fn metadata<E: TypeInfo + 'static, V: Encode + TypeInfo + 'static>(constants: &Constants<V>) -> PalletMeta {
    let events = StorageEntryMetadata {
        name: "Events",
        modifier: StorageEntryModifier::Default,
        ty: StorageEntryType::Plain(meta_type::<Vec<EventRecordInfo<E>>>()),
        default: vec![0],
        docs: vec![" Events deposited for the current block."],
    };
    PalletMeta {
        name: NAME,
        storage: vec![
            ACCOUNT.metadata(),
            EXTRINSIC_COUNT.metadata(),
            BLOCK_WEIGHT.metadata(),
            ALL_EXTRINSICS_LEN.metadata(),
            BLOCK_HASH.metadata(),
            NUMBER.metadata(),
            PARENT_HASH.metadata(),
            events,
            EVENT_COUNT.metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: None,
        constants: vec![
            constant(
                "BlockWeights",
                &constants.block_weights,
                &[" Block & extrinsics weights: base values and limits."],
            ),
            constant("BlockLength", &constants.block_length, &[" The maximum length of a block (in bytes)."]),
            constant(
                "BlockHashCount",
                &BLOCK_HASH_COUNT,
                &[" Maximum number of block number to block hash mappings to keep."],
            ),
            constant(
                "DbWeight",
                &limits::DB_WEIGHT,
                &[" The weight of runtime database operations the runtime can invoke."],
            ),
            constant("Version", &constants.version, &[" Get the chain's in-code version."]),
            constant("SS58Prefix", &constants.ss58_prefix, &[" The designated SS58 prefix of this chain."]),
        ],
    }
}
