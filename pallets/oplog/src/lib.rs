//! # Oplog pallet
//!
//! The operation log: every change of shared business data appends one entry, inside the
//! same dispatch (so a failed extrinsic leaves none), with a global, gap-free index in
//! execution order. Every entry names its **origin**, the pallet (or the contract, through the
//! EVM's oplog precompile) that owns the data: a data id means something only within its
//! origin, so one writer can never log over another's data (a `Records` record whose id equals
//! an account's 32 bytes is not that account's balance). Consumers key their data by
//! `(origin, data id)`.
//!
//! Business systems read the log from the node's RPC, process it in order, and acknowledge
//! what they processed on-chain; entries everyone acknowledged are pruned.
//!
//! ```text
//! pallet dispatch ──append(origin, ..)──▶ Entries[index] ++ event Logged(index)
//!                                          (topic: blake2-256 of SCALE (origin, data id))
//! consumers: register(name, start) · acknowledge(name, up_to) · unregister(name)
//! on_initialize: prune entries below every consumer's acknowledgement (bounded per block);
//!                beyond the retention bound prune anyway, naming the consumers that lagged
//! ```
//!
//! ## Storage
//! - `NextIndex`: the index the next entry gets. `LowestRetained`: the oldest kept entry.
//! - `Entries`: `u64 -> LogEntry` (Twox64Concat).
//! - `Consumers`: `name -> Consumer` (Blake2_128Concat), at most [`CONSUMERS_MAX`];
//!   `ConsumerCount`.
//! - `GroupConsumers`: `ConsumerGroup -> u32` (Blake2_128Concat): how many consumers each
//!   group holds, at most [`CONSUMERS_PER_GROUP_MAX`] (no entry: none).
//! - `RetentionMax`: the most entries kept whatever the consumers (0: no bound).
//!
//! ## Who may take the consumer slots
//! The [`CONSUMERS_MAX`] slots are shared by the whole chain, so one party must not take
//! them all. A consumer counts against the **group** of the account that registers it: the
//! organization the account belongs to (`Organizations.AccountOrg`), or, for an account of
//! no organization (an open chain, a dev chain), the account itself. A group holds at most
//! [`CONSUMERS_PER_GROUP_MAX`] consumers. The group is fixed at registration and stored in
//! the consumer, so a later change of the owner's organization frees the slot of the group
//! that was charged. Governance (root) removes a squatter with `unregister_consumer`.

pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{meta_type, TypeInfo};

use accord_pallet_organizations::{self as organizations, OrgCode};
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_primitives::{AccountId32, BlockNumber, Moment, H256};
use accord_support::storage::StorageEntry;
use accord_support::{
    constant, Blake2_128Concat, BoundedVec, DispatchError, DispatchResult, Ext, Hooks, Origin, PalletError, PalletMeta,
    Phase, StorageMap, StorageValue, Twox64Concat, Weight,
};

/// The pallet's name in the runtime.
pub const NAME: &str = "Oplog";

/// The longest origin name (a pallet's name), in bytes.
pub const ORIGIN_NAME_LEN_MAX: u32 = 32;
/// The longest data id, in bytes.
pub const DATA_ID_LEN_MAX: u32 = 128;
/// The longest source or result state, in bytes.
pub const STATE_LEN_MAX: u32 = 4096;
/// The longest consumer name, in bytes.
pub const CONSUMER_NAME_LEN_MAX: u32 = 64;
/// The most registered consumers.
pub const CONSUMERS_MAX: u32 = 64;
/// The most consumers of one group (an organization, or an account of none): it takes
/// [`CONSUMERS_MAX`] / 8 groups to fill the chain's slots.
pub const CONSUMERS_PER_GROUP_MAX: u32 = 8;
/// The most entries pruned in one block.
pub const PRUNE_PER_BLOCK_MAX: u64 = 1024;
/// The most consumers named in one `RetentionForced` event.
pub const LAGGING_NAMED_MAX: u32 = CONSUMERS_MAX;

/// A data id.
pub type DataId = BoundedVec<u8, DATA_ID_LEN_MAX>;
/// A data state (source or result).
pub type State = BoundedVec<u8, STATE_LEN_MAX>;
/// A consumer's name.
pub type ConsumerName = BoundedVec<u8, CONSUMER_NAME_LEN_MAX>;

/// A pallet's name as an entry's origin.
pub type OriginName = BoundedVec<u8, ORIGIN_NAME_LEN_MAX>;

/// Who owns an entry's data: the writer that appended it. A data id is unique only within
/// its origin. JSON form (RPC, consumers' SQL): the pallet's name (`"Balances"`), or `0x`
/// and 40 lowercase hex digits for a contract.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum LogOrigin {
    /// A pallet of the runtime, by name.
    #[codec(index = 0)]
    Pallet(OriginName),
    /// A contract, by its 20-byte address.
    #[codec(index = 1)]
    Contract([u8; 20]),
}

impl LogOrigin {
    /// The origin of a pallet named `name`; `None` if the name is longer than
    /// [`ORIGIN_NAME_LEN_MAX`] (a pallet's name is a constant: the integrity check finds it).
    pub fn pallet(name: &str) -> Option<LogOrigin> {
        OriginName::try_from_vec(name.as_bytes().to_vec()).ok().map(LogOrigin::Pallet)
    }

    /// The JSON/SQL form: a pallet's name, or `0x` and the contract's address in hex.
    pub fn to_text(&self) -> String {
        match self {
            LogOrigin::Pallet(name) => String::from_utf8_lossy(name).into_owned(),
            LogOrigin::Contract(address) => {
                let mut s = String::from("0x");
                for b in address {
                    s.push_str(&format!("{b:02x}"));
                }
                s
            }
        }
    }

    /// The event topic of an entry of this origin about `data_id`.
    pub fn topic(&self, data_id: &[u8]) -> H256 {
        H256::hash_of(&(self, data_id).encode())
    }
}

/// What an operation did to its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum OpType {
    /// The data was created.
    Create,
    /// The data changed.
    Update,
    /// The data was deleted.
    Delete,
    /// The data was read (an audited query).
    Query,
    /// A business-defined operation.
    Custom(u16),
}

/// One operation log entry.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct LogEntry {
    /// Global index: gap-free, in execution order.
    pub index: u64,
    /// The block that executed the operation.
    pub block: BlockNumber,
    /// The extrinsic's index in that block.
    pub extrinsic_index: u32,
    /// Who initiated it.
    pub operator: AccountId32,
    /// Who owns the data: the pallet or contract that wrote the entry.
    pub origin: LogOrigin,
    /// Which data it operated on (unique within its origin).
    pub data_id: DataId,
    /// The data's state before.
    pub source_state: State,
    /// The data's state after.
    pub result_state: State,
    /// What it did.
    pub op_type: OpType,
    /// The block's time, milliseconds since the Unix epoch.
    pub timestamp_ms: Moment,
}

/// Whose share of the consumer slots a consumer takes (see the crate docs).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ConsumerGroup {
    /// The organization of the registering account.
    #[codec(index = 0)]
    Org(OrgCode),
    /// A registering account that belongs to no organization.
    #[codec(index = 1)]
    Account(AccountId32),
}

impl ConsumerGroup {
    /// The group of `who` now: its organization, else itself. One read.
    pub fn of(ext: &Ext<'_>, who: &AccountId32) -> ConsumerGroup {
        match organizations::org_of(ext, who) {
            Some(code) => ConsumerGroup::Org(code),
            None => ConsumerGroup::Account(*who),
        }
    }
}

/// A registered consumer of the log.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Consumer {
    /// The account that registered it and may acknowledge for it.
    pub owner: AccountId32,
    /// Every entry below this index is processed.
    pub acknowledged: u64,
    /// The group it counts against, fixed when it registered.
    pub group: ConsumerGroup,
}

/// `Oplog.NextIndex`.
pub const NEXT_INDEX: StorageValue<u64> =
    StorageValue::new(NAME, "NextIndex", &[" The index the next log entry gets."]);
/// `Oplog.LowestRetained`.
pub const LOWEST_RETAINED: StorageValue<u64> =
    StorageValue::new(NAME, "LowestRetained", &[" The index of the oldest entry still stored."]);
/// `Oplog.Entries`.
pub const ENTRIES: StorageMap<u64, LogEntry, Twox64Concat, accord_support::OptionQuery> =
    StorageMap::new(NAME, "Entries", &[" The log entries by index."]);
/// `Oplog.Consumers`.
pub const CONSUMERS: StorageMap<ConsumerName, Consumer, Blake2_128Concat, accord_support::OptionQuery> =
    StorageMap::new(NAME, "Consumers", &[" Registered consumers by name."]);
/// `Oplog.ConsumerCount`.
pub const CONSUMER_COUNT: StorageValue<u32> =
    StorageValue::new(NAME, "ConsumerCount", &[" How many consumers are registered."]);
/// `Oplog.GroupConsumers`.
pub const GROUP_CONSUMERS: StorageMap<ConsumerGroup, u32, Blake2_128Concat, accord_support::ValueQuery> =
    StorageMap::new(
        NAME,
        "GroupConsumers",
        &[" How many consumers each group (organization, or account of none) holds."],
    );
/// `Oplog.RetentionMax`.
pub const RETENTION_MAX: StorageValue<u64> =
    StorageValue::new(NAME, "RetentionMax", &[" The most entries kept regardless of consumers (0: unbounded)."]);

/// The calls of the oplog pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Registers a consumer that will process entries from `start_index` on. Pruning waits
    /// for it from then on. It counts against the group of the caller (its organization,
    /// else the caller itself), which holds at most [`CONSUMERS_PER_GROUP_MAX`].
    ///
    /// - Origin: signed (becomes the consumer's owner).
    /// - Events: `ConsumerRegistered`.
    /// - Errors: `ConsumerExists`, `TooManyConsumers`, `TooManyGroupConsumers`,
    ///   `StartOutOfRange` (below the lowest retained entry or beyond the next index).
    /// - Cost: [`weights::register_consumer`], constant.
    #[codec(index = 0)]
    register_consumer {
        /// Its name (at most [`CONSUMER_NAME_LEN_MAX`] bytes).
        name: ConsumerName,
        /// The first index it has not processed.
        start_index: u64,
    },
    /// Acknowledges that the consumer processed every entry below `up_to`.
    ///
    /// - Origin: signed by the consumer's owner.
    /// - Events: `Acknowledged`.
    /// - Errors: `UnknownConsumer`, `NotOwner`, `AckBackwards`, `AckBeyondHead`.
    /// - Cost: [`weights::acknowledge`], constant.
    #[codec(index = 1)]
    acknowledge {
        /// The consumer.
        name: ConsumerName,
        /// Every entry below this index is processed.
        up_to: u64,
    },
    /// Removes a consumer; pruning no longer waits for it, and its group's slot is free.
    /// A management call: governance removes a squatter or an abandoned consumer.
    ///
    /// - Origin: signed by the owner, or root (a governance proposal, class 4).
    /// - Events: `ConsumerUnregistered`.
    /// - Errors: `UnknownConsumer`, `NotOwner`, `BadOrigin`.
    /// - Cost: [`weights::unregister_consumer`], constant.
    #[codec(index = 2)]
    unregister_consumer {
        /// The consumer.
        name: ConsumerName,
    },
    /// Sets the retention bound: at most `max_entries` entries are kept, even if some
    /// consumer has not acknowledged them (0: unbounded).
    ///
    /// - Origin: root.
    /// - Events: `RetentionSet`.
    /// - Errors: `BadOrigin`.
    /// - Cost: [`weights::set_retention`], constant.
    #[codec(index = 3)]
    set_retention {
        /// The bound.
        max_entries: u64,
    },
}

/// The events of the oplog pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An entry was appended; its topic is the blake2-256 of the SCALE-encoded
    /// `(origin, data id)` ([`LogOrigin::topic`]).
    #[codec(index = 0)]
    Logged {
        /// Its index.
        index: u64,
        /// Who owns the data.
        origin: LogOrigin,
        /// Its data id.
        data_id: DataId,
        /// Its operation type.
        op_type: OpType,
    },
    /// A consumer registered.
    #[codec(index = 1)]
    ConsumerRegistered {
        /// Its name.
        name: ConsumerName,
        /// Its owner.
        owner: AccountId32,
        /// The first index it will process.
        start_index: u64,
    },
    /// A consumer acknowledged entries.
    #[codec(index = 2)]
    Acknowledged {
        /// Its name.
        name: ConsumerName,
        /// Every entry below this index is processed.
        up_to: u64,
    },
    /// A consumer was removed.
    #[codec(index = 3)]
    ConsumerUnregistered {
        /// Its name.
        name: ConsumerName,
    },
    /// Entries were pruned.
    #[codec(index = 4)]
    Pruned {
        /// Every entry below this index is gone.
        below: u64,
    },
    /// The retention bound pruned entries that these consumers had not acknowledged.
    #[codec(index = 5)]
    RetentionForced {
        /// Every entry below this index is gone.
        below: u64,
        /// The consumers that had not acknowledged them.
        lagging: BoundedVec<ConsumerName, LAGGING_NAMED_MAX>,
    },
    /// The retention bound changed.
    #[codec(index = 6)]
    RetentionSet {
        /// The new bound (0: unbounded).
        max_entries: u64,
    },
}

/// The errors of the oplog pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// A consumer with this name is registered.
    ConsumerExists,
    /// [`CONSUMERS_MAX`] consumers are registered.
    TooManyConsumers,
    /// The start index is below the lowest retained entry or beyond the next index.
    StartOutOfRange,
    /// No consumer has this name.
    UnknownConsumer,
    /// The caller does not own the consumer.
    NotOwner,
    /// An acknowledgement may not go backwards.
    AckBackwards,
    /// An acknowledgement may not pass the next index.
    AckBeyondHead,
    /// The data id is longer than [`DATA_ID_LEN_MAX`].
    DataIdTooLong,
    /// A state is longer than [`STATE_LEN_MAX`].
    StateTooLong,
    /// The origin's name is longer than [`ORIGIN_NAME_LEN_MAX`].
    OriginNameTooLong,
    /// The caller's group (its organization, else the caller) holds
    /// [`CONSUMERS_PER_GROUP_MAX`] consumers.
    TooManyGroupConsumers,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> Weight {
        match self {
            Call::register_consumer { .. } => weights::register_consumer(),
            Call::acknowledge { .. } => weights::acknowledge(),
            Call::unregister_consumer { .. } => weights::unregister_consumer(),
            Call::set_retention { .. } => weights::set_retention(),
        }
    }
}

fn deposit_event(ext: &mut Ext<'_>, event: Event, topics: Vec<H256>) {
    ext.deposit_event(NAME, &event, topics);
}

/// Appends an entry for an operation of the extrinsic being dispatched. Call it inside your
/// own dispatch after your checks: if your dispatch fails, the entry is rolled back with
/// everything else. `origin` is the caller's own name (a pallet passes its `NAME`): the
/// data id is scoped to it. Returns the entry's index.
pub fn append(
    ext: &mut Ext<'_>,
    origin: &str,
    operator: AccountId32,
    data_id: &[u8],
    source_state: &[u8],
    result_state: &[u8],
    op_type: OpType,
) -> Result<u64, DispatchError> {
    let origin = LogOrigin::pallet(origin).ok_or(ext.error(Error::OriginNameTooLong))?;
    append_as(ext, origin, operator, data_id, source_state, result_state, op_type)
}

/// [`append`] for any origin (a contract's address, through the EVM's precompile).
pub fn append_as(
    ext: &mut Ext<'_>,
    origin: LogOrigin,
    operator: AccountId32,
    data_id: &[u8],
    source_state: &[u8],
    result_state: &[u8],
    op_type: OpType,
) -> Result<u64, DispatchError> {
    let data_id = DataId::try_from_vec(data_id.to_vec()).map_err(|_| ext.error(Error::DataIdTooLong))?;
    let source_state = State::try_from_vec(source_state.to_vec()).map_err(|_| ext.error(Error::StateTooLong))?;
    let result_state = State::try_from_vec(result_state.to_vec()).map_err(|_| ext.error(Error::StateTooLong))?;
    let index = NEXT_INDEX.get(ext);
    let extrinsic_index = match ext.phase() {
        Phase::ApplyExtrinsic(i) => i,
        _ => u32::MAX,
    };
    let topic = origin.topic(&data_id);
    let entry = LogEntry {
        index,
        block: system::block_number(ext),
        extrinsic_index,
        operator,
        origin: origin.clone(),
        data_id: data_id.clone(),
        source_state,
        result_state,
        op_type,
        timestamp_ms: timestamp::now(ext),
    };
    ENTRIES.insert(ext, &index, &entry);
    NEXT_INDEX.put(ext, &(index + 1));
    deposit_event(ext, Event::Logged { index, origin, data_id, op_type }, vec![topic]);
    Ok(index)
}

/// Dispatches an oplog call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    match call {
        Call::register_consumer { name, start_index } => {
            let owner = origin.ensure_signed()?;
            if CONSUMERS.contains_key(ext, &name) {
                return Err(ext.error(Error::ConsumerExists));
            }
            let count = CONSUMER_COUNT.get(ext);
            if count >= CONSUMERS_MAX {
                return Err(ext.error(Error::TooManyConsumers));
            }
            let group = ConsumerGroup::of(ext, &owner);
            let in_group = GROUP_CONSUMERS.get(ext, &group);
            if in_group >= CONSUMERS_PER_GROUP_MAX {
                return Err(ext.error(Error::TooManyGroupConsumers));
            }
            if start_index < LOWEST_RETAINED.get(ext) || start_index > NEXT_INDEX.get(ext) {
                return Err(ext.error(Error::StartOutOfRange));
            }
            GROUP_CONSUMERS.insert(ext, &group, &(in_group + 1));
            CONSUMERS.insert(ext, &name, &Consumer { owner, acknowledged: start_index, group });
            CONSUMER_COUNT.put(ext, &(count + 1));
            deposit_event(ext, Event::ConsumerRegistered { name, owner, start_index }, vec![]);
            Ok(())
        }
        Call::acknowledge { name, up_to } => {
            let who = origin.ensure_signed()?;
            let mut consumer = CONSUMERS.get(ext, &name).ok_or(ext.error(Error::UnknownConsumer))?;
            if consumer.owner != who {
                return Err(ext.error(Error::NotOwner));
            }
            if up_to < consumer.acknowledged {
                return Err(ext.error(Error::AckBackwards));
            }
            if up_to > NEXT_INDEX.get(ext) {
                return Err(ext.error(Error::AckBeyondHead));
            }
            consumer.acknowledged = up_to;
            CONSUMERS.insert(ext, &name, &consumer);
            deposit_event(ext, Event::Acknowledged { name, up_to }, vec![]);
            Ok(())
        }
        Call::unregister_consumer { name } => {
            let consumer = CONSUMERS.get(ext, &name).ok_or(ext.error(Error::UnknownConsumer))?;
            match &origin {
                Origin::Root => {}
                Origin::Signed(who) if *who == consumer.owner => {}
                Origin::Signed(_) => return Err(ext.error(Error::NotOwner)),
                Origin::None => return Err(DispatchError::BadOrigin),
            }
            CONSUMERS.remove(ext, &name);
            CONSUMER_COUNT.mutate(ext, |c| *c = c.saturating_sub(1));
            match GROUP_CONSUMERS.get(ext, &consumer.group) {
                0 | 1 => GROUP_CONSUMERS.remove(ext, &consumer.group),
                n => GROUP_CONSUMERS.insert(ext, &consumer.group, &(n - 1)),
            }
            deposit_event(ext, Event::ConsumerUnregistered { name }, vec![]);
            Ok(())
        }
        Call::set_retention { max_entries } => {
            origin.ensure_root()?;
            RETENTION_MAX.put(ext, &max_entries);
            deposit_event(ext, Event::RetentionSet { max_entries }, vec![]);
            Ok(())
        }
    }
}

/// Every registered consumer, by name.
pub fn consumers(ext: &Ext<'_>) -> BoundedVec<(ConsumerName, Consumer), CONSUMERS_MAX> {
    CONSUMERS.first_bounded(ext)
}

/// Prunes what every consumer acknowledged, and what the retention bound forces out;
/// at most [`PRUNE_PER_BLOCK_MAX`] entries. Returns the weight used.
pub fn prune(ext: &mut Ext<'_>) -> Weight {
    let lowest = LOWEST_RETAINED.get(ext);
    let next = NEXT_INDEX.get(ext);
    let consumers = consumers(ext);
    // With no consumer registered nothing is acknowledged: only retention prunes.
    let acknowledged = consumers.iter().map(|(_, c)| c.acknowledged).min().unwrap_or(lowest);
    let retention = RETENTION_MAX.get(ext);
    let forced_floor = if retention > 0 { next.saturating_sub(retention) } else { 0 };
    let target = acknowledged.max(forced_floor).min(next).min(lowest + PRUNE_PER_BLOCK_MAX);
    if target <= lowest {
        return weights::prune(0, consumers.len() as u64);
    }
    for index in lowest..target {
        ENTRIES.remove(ext, &index);
    }
    LOWEST_RETAINED.put(ext, &target);
    if target > acknowledged {
        let mut lagging = consumers;
        lagging.retain(|(_, c)| c.acknowledged < target);
        let lagging = BoundedVec::from_bounded(lagging.map(|(name, _)| name));
        deposit_event(ext, Event::RetentionForced { below: target, lagging }, vec![]);
    } else {
        deposit_event(ext, Event::Pruned { below: target }, vec![]);
    }
    weights::prune(target - lowest, CONSUMER_COUNT.get(ext) as u64)
}

/// The oplog pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn on_initialize(ext: &mut Ext<'_>, _n: BlockNumber) -> Weight {
        prune(ext)
    }

    /// Entries exist exactly for `LowestRetained..NextIndex`, each at its own index, the
    /// consumer count matches, and each group's count is its consumers' number (at most
    /// [`CONSUMERS_PER_GROUP_MAX`], no entry for none).
    fn check_state(ext: &Ext<'_>) -> Result<(), String> {
        let (lowest, next) = (LOWEST_RETAINED.get(ext), NEXT_INDEX.get(ext));
        if lowest > next {
            return Err(format!("lowest retained {lowest} > next index {next}"));
        }
        let stored = ENTRIES.iter_from(ext, None, u32::MAX);
        if stored.len() as u64 != next - lowest {
            return Err(format!("{} entries stored, expected {}", stored.len(), next - lowest));
        }
        for (index, entry) in stored {
            if entry.index != index || index < lowest || index >= next {
                return Err(format!("entry {index} is misplaced"));
            }
        }
        let count = CONSUMER_COUNT.get(ext) as usize;
        let consumers = consumers(ext);
        if consumers.len() != count {
            return Err("consumer count mismatch".into());
        }
        let mut expected = std::collections::BTreeMap::<ConsumerGroup, u32>::new();
        for (_, c) in consumers.iter() {
            *expected.entry(c.group.clone()).or_default() += 1;
        }
        let stored: std::collections::BTreeMap<_, _> =
            GROUP_CONSUMERS.iter_from(ext, None, CONSUMERS_MAX + 1).into_iter().collect();
        if stored != expected {
            return Err(format!("group consumer counts {stored:?} do not match the consumers' groups {expected:?}"));
        }
        if let Some((group, n)) = stored.iter().find(|(_, n)| **n > CONSUMERS_PER_GROUP_MAX) {
            return Err(format!("group {group:?} holds {n} consumers, above {CONSUMERS_PER_GROUP_MAX}"));
        }
        Ok(())
    }
}

/// The metadata of the oplog pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![
            NEXT_INDEX.metadata(),
            LOWEST_RETAINED.metadata(),
            ENTRIES.metadata(),
            CONSUMERS.metadata(),
            CONSUMER_COUNT.metadata(),
            RETENTION_MAX.metadata(),
            GROUP_CONSUMERS.metadata(),
        ],
        call: Some(meta_type::<Call>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![
            constant("DataIdLenMax", &DATA_ID_LEN_MAX, &[" The longest data id."]),
            constant("StateLenMax", &STATE_LEN_MAX, &[" The longest source or result state."]),
            constant("ConsumersMax", &CONSUMERS_MAX, &[" The most registered consumers."]),
            constant(
                "ConsumersPerGroupMax",
                &CONSUMERS_PER_GROUP_MAX,
                &[" The most consumers of one organization (or of one account of none)."],
            ),
            constant("PrunePerBlockMax", &PRUNE_PER_BLOCK_MAX, &[" The most entries pruned per block."]),
        ],
    }
}
