//! [`Ext`]: the externalities a block executes with — storage reads and writes over the
//! parent state in nested transactional layers, the block's events, and the current phase.
//!
//! ```text
//!   pallet code ──get/set──▶ layer n (innermost transaction)
//!                             ...
//!                            layer 0 (the block's committed changes)
//!                            base: parent state (StateRead)
//! ```
//! A layer is opened per extrinsic (and wherever a pallet wants all-or-nothing), committed
//! into the layer below on success and dropped on failure, together with the events it
//! emitted. Layer 0 is never rolled back; the node takes it with [`Ext::into_changes`].

use std::cell::RefCell;
use std::collections::HashMap;

use codec::{Decode, Encode};
use scale_info::build::{Fields, Variants};
use scale_info::{meta_type, Path, Type, TypeInfo, TypeParameter};

use accord_primitives::H256;

use crate::dispatch::{DispatchError, ModuleError, PalletError, TransactionalError};
use crate::state::{Changes, StateRead};

/// The most nested transactional layers open at once (including the block layer).
pub const TRANSACTIONAL_DEPTH_MAX: usize = 32;

/// The most events one block may hold; further events are dropped (and counted).
pub const EVENTS_PER_BLOCK_MAX: usize = 1 << 20;

/// The most topics one event may carry.
pub const TOPICS_PER_EVENT_MAX: usize = 8;

/// The phase of block execution an event was emitted in, as `frame_system::Phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Phase {
    /// While applying the extrinsic at this index.
    ApplyExtrinsic(u32),
    /// In `on_finalize` hooks.
    Finalization,
    /// In `on_initialize` hooks.
    Initialization,
}

impl TypeInfo for Phase {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder().path(Path::from_segments_unchecked(["frame_system", "Phase"])).variant(
            Variants::new()
                .variant("ApplyExtrinsic", |v| v.index(0).fields(Fields::unnamed().field(|f| f.ty::<u32>())))
                .variant("Finalization", |v| v.index(1))
                .variant("Initialization", |v| v.index(2)),
        )
    }
}

/// An event as stored in `System.Events`: the phase, the runtime event (pallet index ++ the
/// pallet's event encoding) and its topics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// When it was emitted.
    pub phase: Phase,
    /// `pallet index ++ pallet event`: the `RuntimeEvent` encoding.
    pub event: Vec<u8>,
    /// Topics (for example the hash of a data id), for indexed lookups.
    pub topics: Vec<H256>,
}

impl Encode for EventRecord {
    fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
        self.phase.encode_to(dest);
        dest.write(&self.event);
        self.topics.encode_to(dest);
    }
}

/// Describes `frame_system::EventRecord<E, H256>` for metadata, `E` being the runtime's
/// event enum.
pub struct EventRecordInfo<E>(std::marker::PhantomData<E>);

impl<E: TypeInfo + 'static> TypeInfo for EventRecordInfo<E> {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder()
            .path(Path::from_segments_unchecked(["frame_system", "EventRecord"]))
            .type_params([
                TypeParameter::new("E", Some(meta_type::<E>())),
                TypeParameter::new("T", Some(meta_type::<H256>())),
            ])
            .composite(
                Fields::named()
                    .field(|f| f.ty::<Phase>().name("phase").type_name("Phase"))
                    .field(|f| f.ty::<E>().name("event").type_name("E"))
                    .field(|f| f.ty::<Vec<H256>>().name("topics").type_name("Vec<T>")),
            )
    }
}

/// Storage growth and shrinkage of a set of changes, in bytes of key plus value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageDelta {
    /// Bytes added: new keys, and growth of existing values.
    pub bytes_added: u64,
    /// Bytes freed: removed keys, and shrinkage of existing values.
    pub bytes_freed: u64,
}

/// The pallet name to index table of a runtime.
pub type PalletIndices = &'static [(&'static str, u8)];

/// Externalities: the state a block executes on, its pending changes, its events.
pub struct Ext<'a> {
    base: &'a dyn StateRead,
    /// Values read from `base` (a block reads an account several times before writing it;
    /// each base read may be a database lookup).
    read_cache: RefCell<HashMap<Vec<u8>, Option<Vec<u8>>>>,
    layers: Vec<Changes>,
    events: Vec<EventRecord>,
    /// `events.len()` when each layer above layer 0 was opened.
    event_marks: Vec<usize>,
    events_dropped: u64,
    phase: Phase,
    pallets: PalletIndices,
    /// Weight the current dispatch declared and did not use (see [`Ext::refund_weight`]).
    weight_refund: crate::Weight,
    /// Whether the current dispatch reported that it ran and failed (see
    /// [`Ext::report_failure`]).
    failure_reported: bool,
}

impl<'a> Ext<'a> {
    /// Externalities over `base`, for a runtime whose pallets are `pallets`.
    pub fn new(base: &'a dyn StateRead, pallets: PalletIndices) -> Ext<'a> {
        Ext {
            base,
            read_cache: RefCell::default(),
            layers: vec![Changes::new()],
            events: Vec::new(),
            event_marks: Vec::new(),
            events_dropped: 0,
            phase: Phase::Initialization,
            pallets,
            weight_refund: crate::Weight::ZERO,
            failure_reported: false,
        }
    }

    /// Notes that the current dispatch used `weight` less than its call declared before
    /// dispatch (a contract call that used less gas than its limit). The executive takes it
    /// after the dispatch ([`Ext::take_weight_refund`]): the transaction is charged, and
    /// counts in the block, as the weight it used. A dispatch that refunds does so whatever
    /// its result (the work was done).
    pub fn refund_weight(&mut self, weight: crate::Weight) {
        self.weight_refund = self.weight_refund.saturating_add(weight);
    }

    /// The weight refunded since the last call, reset to zero.
    pub fn take_weight_refund(&mut self) -> crate::Weight {
        std::mem::replace(&mut self.weight_refund, crate::Weight::ZERO)
    }

    /// Notes that the current dispatch succeeded as a dispatch but failed in its own terms: a
    /// contract call that reverted or halted is included and pays (`Ok`), yet the logic that
    /// served it failed. The executive takes it after the dispatch
    /// ([`Ext::take_failure_report`]) to count a release's health.
    pub fn report_failure(&mut self) {
        self.failure_reported = true;
    }

    /// Whether a failure was reported since the last call, reset to `false`.
    pub fn take_failure_report(&mut self) -> bool {
        std::mem::replace(&mut self.failure_reported, false)
    }

    /// The value at `key`, seen through all open layers.
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        for layer in self.layers.iter().rev() {
            if let Some(v) = layer.get(key) {
                return v.clone();
            }
        }
        self.base_get(key)
    }

    /// `key` in the base state, through the read cache.
    fn base_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(v) = self.read_cache.borrow().get(key) {
            return v.clone();
        }
        let v = self.base.get(key);
        self.read_cache.borrow_mut().insert(key.to_vec(), v.clone());
        v
    }

    /// Whether `key` has a value.
    pub fn exists(&self, key: &[u8]) -> bool {
        for layer in self.layers.iter().rev() {
            if let Some(v) = layer.get(key) {
                return v.is_some();
            }
        }
        self.base_get(key).is_some()
    }

    /// Sets `key` to `value` in the innermost layer.
    pub fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.top().insert(key, Some(value));
    }

    /// Deletes `key` in the innermost layer.
    pub fn kill(&mut self, key: Vec<u8>) {
        self.top().insert(key, None);
    }

    fn top(&mut self) -> &mut Changes {
        self.layers.last_mut().expect("layer 0 is never popped; qed")
    }

    /// The smallest key strictly greater than `key` that has a value.
    pub fn next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
        use std::ops::Bound::{Excluded, Unbounded};
        let mut cursor = key.to_vec();
        loop {
            let mut best = self.base.next_key(&cursor);
            for layer in &self.layers {
                if let Some((k, _)) = layer.range::<[u8], _>((Excluded(cursor.as_slice()), Unbounded)).next() {
                    if best.as_ref().is_none_or(|b| k < b) {
                        best = Some(k.clone());
                    }
                }
            }
            let candidate = best?;
            if self.exists(&candidate) {
                return Some(candidate);
            }
            cursor = candidate;
        }
    }

    /// Deletes up to `limit` keys starting with `prefix`; returns how many were deleted and
    /// whether keys remain.
    pub fn clear_prefix(&mut self, prefix: &[u8], limit: u32) -> (u32, bool) {
        let mut removed = 0;
        let mut cursor = prefix.to_vec();
        if self.exists(prefix) {
            if limit == 0 {
                return (0, true);
            }
            self.kill(prefix.to_vec());
            removed += 1;
        }
        while let Some(key) = self.next_key(&cursor) {
            if !key.starts_with(prefix) {
                return (removed, false);
            }
            if removed == limit {
                return (removed, true);
            }
            self.kill(key.clone());
            removed += 1;
            cursor = key;
        }
        (removed, false)
    }

    /// Opens a transactional layer.
    pub fn start_layer(&mut self) -> Result<(), DispatchError> {
        if self.layers.len() >= TRANSACTIONAL_DEPTH_MAX {
            return Err(DispatchError::Transactional(TransactionalError::LimitReached));
        }
        self.layers.push(Changes::new());
        self.event_marks.push(self.events.len());
        Ok(())
    }

    /// Commits the innermost layer into the one below.
    pub fn commit_layer(&mut self) -> Result<(), DispatchError> {
        if self.layers.len() < 2 {
            return Err(DispatchError::Transactional(TransactionalError::NoLayer));
        }
        let top = self.layers.pop().expect("checked above; qed");
        self.event_marks.pop();
        let below = self.top();
        if below.is_empty() {
            *below = top;
        } else {
            below.extend(top);
        }
        Ok(())
    }

    /// Drops the innermost layer and the events emitted in it.
    pub fn rollback_layer(&mut self) -> Result<(), DispatchError> {
        if self.layers.len() < 2 {
            return Err(DispatchError::Transactional(TransactionalError::NoLayer));
        }
        self.layers.pop();
        let mark = self.event_marks.pop().expect("one mark per layer above 0; qed");
        self.events.truncate(mark);
        Ok(())
    }

    /// Runs `f` in a new layer: committed if it returns `Ok`, rolled back if `Err`.
    pub fn transactional<R>(
        &mut self,
        f: impl FnOnce(&mut Ext<'a>) -> Result<R, DispatchError>,
    ) -> Result<R, DispatchError> {
        self.start_layer()?;
        match f(self) {
            Ok(r) => {
                self.commit_layer()?;
                Ok(r)
            }
            Err(e) => {
                self.rollback_layer()?;
                Err(e)
            }
        }
    }

    /// How many layers are open above the block layer.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// The storage growth and shrinkage of the innermost layer relative to what lies below.
    pub fn top_layer_delta(&self) -> StorageDelta {
        let n = self.layers.len();
        let mut delta = StorageDelta::default();
        for (key, new) in &self.layers[n - 1] {
            let old = self.layers[..n - 1]
                .iter()
                .rev()
                .find_map(|l| l.get(key))
                .cloned()
                .unwrap_or_else(|| self.base_get(key));
            let size = |v: &Option<Vec<u8>>| v.as_ref().map_or(0, |v| (key.len() + v.len()) as u64);
            let (old, new) = (size(&old), size(new));
            if new > old {
                delta.bytes_added += new - old;
            } else {
                delta.bytes_freed += old - new;
            }
        }
        delta
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Sets the phase that new events are recorded with.
    pub fn set_phase(&mut self, phase: Phase) {
        self.phase = phase;
    }

    /// The index of the pallet named `pallet`.
    pub fn pallet_index(&self, pallet: &str) -> Option<u8> {
        self.pallets.iter().find(|(name, _)| *name == pallet).map(|(_, i)| *i)
    }

    /// The `DispatchError::Module` of a pallet error.
    pub fn error<E: PalletError>(&self, error: E) -> DispatchError {
        match self.pallet_index(E::PALLET) {
            Some(index) => DispatchError::Module(ModuleError { index, error: [error.index(), 0, 0, 0] }),
            None => DispatchError::Other("pallet not in runtime"),
        }
    }

    /// Records `event` of `pallet` with `topics` in the current phase. Events beyond
    /// [`EVENTS_PER_BLOCK_MAX`] and topics beyond [`TOPICS_PER_EVENT_MAX`] are dropped.
    pub fn deposit_event(&mut self, pallet: &str, event: &impl Encode, mut topics: Vec<H256>) {
        let Some(index) = self.pallet_index(pallet) else {
            debug_assert!(false, "event of a pallet not in the runtime: {pallet}");
            return;
        };
        if self.events.len() >= EVENTS_PER_BLOCK_MAX {
            self.events_dropped += 1;
            return;
        }
        // Pallets pass a fixed number of topics: more is a programming error.
        debug_assert!(topics.len() <= TOPICS_PER_EVENT_MAX, "{pallet}: {} topics", topics.len());
        topics.truncate(TOPICS_PER_EVENT_MAX);
        let mut bytes = Vec::with_capacity(1 + event.size_hint());
        bytes.push(index);
        event.encode_to(&mut bytes);
        self.events.push(EventRecord { phase: self.phase, event: bytes, topics });
    }

    /// The events recorded so far in this block.
    pub fn events(&self) -> &[EventRecord] {
        &self.events
    }

    /// Takes the block's events, leaving none.
    pub fn take_events(&mut self) -> Vec<EventRecord> {
        std::mem::take(&mut self.events)
    }

    /// How many events were dropped for exceeding the per-block limit.
    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    /// The state root with the committed changes applied (open layers are ignored).
    pub fn storage_root(&self) -> accord_primitives::H256 {
        self.base.root_with(&self.layers[0])
    }

    /// The committed changes of the block (layer 0). Open layers are discarded.
    pub fn into_changes(mut self) -> Changes {
        self.layers.truncate(1);
        self.layers.pop().expect("layer 0 exists; qed")
    }

    /// A copy of all pending changes and events, to compare before and after a call in
    /// tests.
    pub fn snapshot(&self) -> (Vec<Changes>, Vec<EventRecord>) {
        (self.layers.clone(), self.events.clone())
    }

    /// The committed changes so far, without consuming.
    pub fn committed_changes(&self) -> &Changes {
        &self.layers[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryState;

    const PALLETS: PalletIndices = &[("Test", 7)];

    fn base() -> MemoryState {
        let mut s = MemoryState::default();
        s.map.insert(b"a".to_vec(), b"1".to_vec());
        s.map.insert(b"c".to_vec(), b"3".to_vec());
        s.map.insert(b"p1".to_vec(), b"x".to_vec());
        s.map.insert(b"p2".to_vec(), b"y".to_vec());
        s
    }

    #[test]
    fn layers_commit_and_roll_back() {
        let state = base();
        let mut ext = Ext::new(&state, PALLETS);
        ext.set(b"b".to_vec(), b"2".to_vec());
        ext.start_layer().unwrap();
        ext.kill(b"a".to_vec());
        ext.set(b"b".to_vec(), b"22".to_vec());
        ext.deposit_event("Test", &1u8, vec![]);
        assert_eq!(ext.get(b"a"), None);
        ext.rollback_layer().unwrap();
        assert_eq!(ext.get(b"a"), Some(b"1".to_vec()));
        assert_eq!(ext.get(b"b"), Some(b"2".to_vec()));
        assert!(ext.events().is_empty());
        ext.start_layer().unwrap();
        ext.set(b"b".to_vec(), b"222".to_vec());
        ext.deposit_event("Test", &2u8, vec![]);
        ext.commit_layer().unwrap();
        assert_eq!(ext.get(b"b"), Some(b"222".to_vec()));
        assert_eq!(ext.events()[0].event, vec![7, 2]);
        assert_eq!(ext.commit_layer(), Err(DispatchError::Transactional(TransactionalError::NoLayer)));
        let changes = ext.into_changes();
        assert_eq!(changes.get(&b"b"[..]), Some(&Some(b"222".to_vec())));
    }

    #[test]
    fn transactional_closure() {
        let state = base();
        let mut ext = Ext::new(&state, PALLETS);
        let r: Result<(), _> = ext.transactional(|ext| {
            ext.set(b"z".to_vec(), vec![1]);
            Err(DispatchError::BadOrigin)
        });
        assert_eq!(r, Err(DispatchError::BadOrigin));
        assert!(!ext.exists(b"z"));
        ext.transactional(|ext| {
            ext.set(b"z".to_vec(), vec![1]);
            Ok(())
        })
        .unwrap();
        assert!(ext.exists(b"z"));
    }

    #[test]
    fn depth_is_bounded() {
        let state = base();
        let mut ext = Ext::new(&state, PALLETS);
        for _ in 1..TRANSACTIONAL_DEPTH_MAX {
            ext.start_layer().unwrap();
        }
        assert_eq!(ext.start_layer(), Err(DispatchError::Transactional(TransactionalError::LimitReached)));
    }

    #[test]
    fn next_key_merges_layers_and_skips_deleted() {
        let state = base();
        let mut ext = Ext::new(&state, PALLETS);
        ext.set(b"b".to_vec(), vec![]);
        ext.start_layer().unwrap();
        ext.kill(b"c".to_vec());
        assert_eq!(ext.next_key(b"a"), Some(b"b".to_vec()));
        assert_eq!(ext.next_key(b"b"), Some(b"p1".to_vec()));
        assert_eq!(ext.next_key(b"p2"), None);
    }

    #[test]
    fn clear_prefix_respects_limit() {
        let state = base();
        let mut ext = Ext::new(&state, PALLETS);
        ext.set(b"p3".to_vec(), vec![]);
        assert_eq!(ext.clear_prefix(b"p", 2), (2, true));
        assert_eq!(ext.clear_prefix(b"p", 10), (1, false));
        assert_eq!(ext.next_key(b"c"), None);
        assert!(ext.exists(b"c"));
    }

    #[test]
    fn storage_delta_of_top_layer() {
        let state = base();
        let mut ext = Ext::new(&state, PALLETS);
        ext.start_layer().unwrap();
        ext.set(b"new".to_vec(), vec![0; 10]); // +13
        ext.set(b"a".to_vec(), vec![0; 5]); // 1 -> 5: +4
        ext.kill(b"c".to_vec()); // -2
        ext.kill(b"missing".to_vec()); // 0
        assert_eq!(ext.top_layer_delta(), StorageDelta { bytes_added: 17, bytes_freed: 2 });
    }

    #[test]
    fn storage_root_matches_memory_state() {
        let mut state = base();
        let mut ext = Ext::new(&state, PALLETS);
        ext.set(b"k".to_vec(), vec![9; 40]);
        ext.kill(b"a".to_vec());
        let root = ext.storage_root();
        let changes = ext.into_changes();
        state.apply(changes);
        assert_eq!(state.root(), root);
    }

    #[test]
    fn event_record_encoding() {
        let r = EventRecord { phase: Phase::ApplyExtrinsic(2), event: vec![7, 1], topics: vec![H256([1; 32])] };
        let mut expected = vec![0, 2, 0, 0, 0, 7, 1, 4];
        expected.extend_from_slice(&[1; 32]);
        assert_eq!(r.encode(), expected);
    }
}
