//! [`StateAt`]: the state at one block, read through a RocksDB snapshot (flat values and
//! their history), for RPC reads and block execution.

use super::*;

/// The state at one block, read through a consistent snapshot.
///
/// A read error of RocksDB panics (a block built or imported on a state that could not be
/// read would be wrong), unless the view [reports errors](StateAt::reporting_errors): then
/// the failed read sees no value and the caller checks [`StateAt::read_error`] afterwards.
pub struct StateAt<'a> {
    pub(super) backend: &'a Backend,
    pub(super) snapshot: rocksdb::Snapshot<'a>,
    pub(super) number: u32,
    pub(super) head: u32,
    /// The first read error, when this view reports errors instead of panicking.
    pub(super) read_error: Option<std::cell::OnceCell<String>>,
    /// For a block that is not stored yet (see [`Backend::state_over`]): its changes and
    /// its unstored ancestors', laid over the stored state.
    pub(super) overlay: Option<Arc<Changes>>,
}

impl Backend {
    /// The state of block number `number` that is not stored (a block a BFT engine is still
    /// deciding on): the stored best state with `overlay` laid over it, where `overlay`
    /// holds the changes of that block and of its ancestors above some stored block. Sound
    /// while the blocks stored meanwhile are its ancestors: their changes are in `overlay`
    /// too. `None` if the stored chain has reached `number` (read the stored block then).
    pub fn state_over(&self, overlay: Arc<Changes>, number: u32) -> Result<Option<StateAt<'_>>, DbError> {
        let snapshot = self.db.rocks.snapshot();
        let best_bytes = snapshot
            .get_cf(self.db.cf(col::META), META_BEST)
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| corrupt(col::META, "missing best"))?;
        let head: Head = decode(col::META, &best_bytes)?;
        if head.number >= number {
            return Ok(None);
        }
        let view = StateAt {
            backend: self,
            snapshot,
            number: head.number,
            head: head.number,
            read_error: None,
            overlay: None,
        };
        Ok(Some(StateAt { overlay: Some(overlay), ..view }))
    }
}

impl Backend {
    /// `f` over the trie and the values of the stored best block, which it returns with
    /// `f`'s answer: the trie holds only the latest state, so proofs and Merkle values at
    /// other blocks cannot be made. Nodes and values come from one snapshot, so they belong
    /// to the same block.
    pub fn at_stored_trie<T>(
        &self,
        f: impl FnOnce(&dyn accord_trie::NodeStore, &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> T,
    ) -> Result<(Head, T), DbError> {
        let snapshot = self.db.rocks.snapshot();
        let best_bytes = snapshot
            .get_cf(self.db.cf(col::META), META_BEST)
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| corrupt(col::META, "missing best"))?;
        let head: Head = decode(col::META, &best_bytes)?;
        let failed = std::cell::RefCell::new(None);
        let read = |column: &'static str, key: &[u8]| match snapshot.get_cf(self.db.cf(column), key) {
            Ok(value) => value,
            Err(e) => {
                failed.borrow_mut().get_or_insert(self.db.err(e));
                None
            }
        };
        let nodes = SnapshotNodes { read: &read, failed: &failed };
        let answer = f(&nodes, &|key| read(col::STATE, key));
        match failed.into_inner() {
            Some(error) => Err(error),
            None => Ok((head, answer)),
        }
    }
}

/// A read of a key in a column of a snapshot.
type ColumnRead<'a> = dyn Fn(&'static str, &[u8]) -> Option<Vec<u8>> + 'a;

/// The stored trie's nodes, read through a snapshot (a read or decoding error is recorded
/// in `failed` and reads as no node).
struct SnapshotNodes<'a> {
    read: &'a ColumnRead<'a>,
    failed: &'a std::cell::RefCell<Option<DbError>>,
}

impl accord_trie::NodeStore for SnapshotNodes<'_> {
    fn node(&self, path: &[u8]) -> Option<accord_trie::StoredNode> {
        let bytes = (self.read)(col::TRIE, path)?;
        match accord_trie::StoredNode::decode(&mut &bytes[..]) {
            Ok(node) => Some(node),
            Err(_) => {
                self.failed.borrow_mut().get_or_insert(corrupt(col::TRIE, "a trie node does not decode"));
                None
            }
        }
    }
}

impl StateAt<'_> {
    /// The block number of this state.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// This view, recording a read error instead of panicking: for reads that answer a
    /// client (RPC), which must check [`StateAt::read_error`] before using what they read.
    /// Never for building or importing a block.
    pub fn reporting_errors(mut self) -> Self {
        self.read_error = Some(std::cell::OnceCell::new());
        self
    }

    /// The first read that failed, if this view reports errors and one did.
    pub fn read_error(&self) -> Option<&str> {
        self.read_error.as_ref().and_then(|e| e.get()).map(String::as_str)
    }

    /// A read of `what` failed with `error`: recorded if this view reports errors (the read
    /// then sees nothing), a panic otherwise.
    pub(super) fn read_failed(&self, what: &str, error: impl std::fmt::Display) {
        let message = format!("reading {what} from RocksDB at block {}: {error}", self.number);
        match &self.read_error {
            Some(first) => {
                // The first failure explains the others.
                let _ = first.set(message);
            }
            None => panic!("{message}"),
        }
    }

    /// `item` of a RocksDB iterator, or `None` after [`StateAt::read_failed`].
    fn item<T>(&self, what: &str, item: Result<T, rocksdb::Error>) -> Option<T> {
        item.map_err(|e| self.read_failed(what, e)).ok()
    }

    fn flat_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        // The cache serves this view only while it holds the same block's state.
        let cache = || (self.number == self.head).then(|| self.backend.cache_at((self.head, self.head))).flatten();
        if let Some(hit) = cache().and_then(|mut c| c.value(key)) {
            return hit;
        }
        let value = self.item("state", self.snapshot.get_cf(self.backend.db.cf(col::STATE), key))?;
        self.backend.reads.values.fetch_add(1, Ordering::Relaxed);
        if let Some(mut c) = cache() {
            c.put_value(key.to_vec(), value.clone());
        }
        value
    }

    /// The value of `key` at this block: its first history entry after this block, or the
    /// flat value.
    fn value_at(&self, key: &[u8]) -> Option<Vec<u8>> {
        if self.number == self.head {
            return self.flat_get(key);
        }
        let escaped = escape_key(key);
        let mut seek = escaped.clone();
        seek.extend_from_slice(&be(self.number + 1));
        let mut iter = self
            .snapshot
            .iterator_cf(self.backend.db.cf(col::HISTORY), IteratorMode::From(seek.as_slice(), Direction::Forward));
        if let Some(item) = iter.next() {
            let (k, v) = self.item("history", item)?;
            if k.len() == escaped.len() + 4 && k.starts_with(&escaped) {
                let record = Option::<Vec<u8>>::decode(&mut &v[..]);
                return record.map_err(|e| self.read_failed("a history record", e)).ok().flatten();
            }
        }
        self.flat_get(key)
    }

    /// The next key after `key` in the flat state of the best block.
    fn flat_next(&self, key: &[u8]) -> Option<Vec<u8>> {
        let mut iter =
            self.snapshot.iterator_cf(self.backend.db.cf(col::STATE), IteratorMode::From(key, Direction::Forward));
        for item in iter.by_ref() {
            let (k, _) = self.item("state keys", item)?;
            if &*k != key {
                return Some(k.to_vec());
            }
        }
        None
    }

    /// The next key after `key` that has history (so may have existed at an older block).
    fn history_next(&self, key: &[u8]) -> Option<Vec<u8>> {
        // Escaped keys sort like keys; start just after every entry of `key` itself.
        let mut seek = escape_key(key);
        seek.extend_from_slice(&[0xff; 5]);
        let mut iter = self
            .snapshot
            .iterator_cf(self.backend.db.cf(col::HISTORY), IteratorMode::From(seek.as_slice(), Direction::Forward));
        let (k, _) = self.item("history keys", iter.next()?)?;
        unescape_key(&k).map(|(key, _)| key)
    }
}

impl StateAt<'_> {
    /// The next key after `key` in the stored state at this block.
    fn stored_next(&self, key: &[u8]) -> Option<Vec<u8>> {
        if self.number == self.head {
            return self.flat_next(key);
        }
        // Candidates: keys of the best state, and keys that have history (deleted since).
        let mut cursor = key.to_vec();
        loop {
            let a = self.flat_next(&cursor);
            let b = self.history_next(&cursor);
            let candidate = match (a, b) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => return None,
            };
            if self.value_at(&candidate).is_some() {
                return Some(candidate);
            }
            cursor = candidate;
        }
    }
}

impl StateRead for StateAt<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(value) = self.overlay.as_ref().and_then(|o| o.get(key)) {
            return value.clone();
        }
        self.value_at(key)
    }

    fn next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
        use std::ops::Bound;
        let Some(overlay) = &self.overlay else { return self.stored_next(key) };
        // The stored keys and the overlay's, merged; a key the overlay deletes is skipped.
        let mut cursor = key.to_vec();
        loop {
            let stored = self.stored_next(&cursor);
            let laid = overlay.range::<[u8], _>((Bound::Excluded(cursor.as_slice()), Bound::Unbounded)).next();
            let candidate = match (stored, laid.map(|(k, _)| k.clone())) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => return None,
            };
            match overlay.get(&candidate) {
                Some(None) => cursor = candidate,
                _ => return Some(candidate),
            }
        }
    }

    fn root_with(&self, changes: &Changes) -> H256 {
        debug_assert_eq!(self.number, self.head, "blocks are built and imported on the best state only");
        debug_assert!(self.overlay.is_none(), "a state over unstored blocks is for reading only");
        let parent = self.backend.hash_of(self.number).ok().flatten().unwrap_or_default();
        let store = TrieStore { backend: self.backend, accept: (self.head, self.head), overlay: None, values: None };
        self.backend.compute_root(parent, &store, changes)
    }
}
