//! The chain's storage: blocks, the canonical chain, and state with history.
//!
//! - The best block's state is kept flat (`state` column) for one-read lookups, and as a
//!   trie (`trie` column, see `accord_trie`) for its root.
//! - Every block records the previous value of each key it changes (`history`), so the
//!   state of any of the last `window` blocks can be read: the value of `k` at block `b` is
//!   the first history entry of `k` after `b`, or the flat value if there is none.
//! - A block, its state changes, its history, its trie nodes, the new best pointer and the
//!   pruning of history that left the window are written in one atomic batch: a node killed
//!   at any instant restarts at its last committed block with a matching state root.

use std::collections::BTreeMap;
use std::path::Path;

use codec::{Decode, Encode};
use parking_lot::{Mutex, RwLock};
use rocksdb::{Direction, IteratorMode, WriteBatch};

use accord_primitives::trie::{trie_root, StateVersion};
use accord_primitives::{Block, Header, H256};
use accord_support::state::STATE_VERSION;
use accord_support::{Changes, StateRead};
use accord_trie::{NodeStore, StoredNode, TrieUpdate};

use crate::db::{col, escape_key, unescape_key, Db, DbError};

/// How much state history to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pruning {
    /// States of the last `n` blocks (and the best) can be read.
    Window(u32),
    /// Every state can be read.
    Archive,
}

/// Keys per write batch when writing a genesis state.
const GENESIS_BATCH_KEYS: usize = 100_000;

/// The database schema version this code reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

const META_BEST: &[u8] = b"best";
const META_FINALIZED: &[u8] = b"finalized";
const META_GENESIS: &[u8] = b"genesis";
const META_OLDEST_STATE: &[u8] = b"oldest_state";
const META_SCHEMA: &[u8] = b"schema";

/// Why a backend operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The database holds another chain.
    #[error("the database holds a chain with genesis {stored:?}, but the chain spec's genesis is {expected:?}; use another --base-path or purge-chain")]
    GenesisMismatch {
        /// In the database.
        stored: H256,
        /// From the chain spec.
        expected: H256,
    },
    /// The database was written by another schema version.
    #[error("database schema version {found} is not supported (expected {SCHEMA_VERSION}); purge the chain")]
    Schema {
        /// Found.
        found: u32,
    },
    /// A block does not extend the best block.
    #[error("block #{number} ({hash:?}) does not extend the best block {best:?}")]
    NotOnBest {
        /// Its number.
        number: u32,
        /// Its hash.
        hash: H256,
        /// The best block.
        best: H256,
    },
}

/// A chain head pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Head {
    /// Block number.
    pub number: u32,
    /// Block hash.
    pub hash: H256,
}

/// The chain's storage.
pub struct Backend {
    db: Db,
    pruning: Pruning,
    genesis_hash: H256,
    best: RwLock<Head>,
    finalized: RwLock<Head>,
    /// The last trie update computed by `root_with`, reused when its block is committed.
    trie_cache: Mutex<Option<(Changes, TrieUpdate)>>,
}

fn be(n: u32) -> [u8; 4] {
    n.to_be_bytes()
}

fn corrupt(column: &'static str, e: impl ToString) -> DbError {
    DbError::Corrupt { column, message: e.to_string() }
}

fn decode<T: Decode>(column: &'static str, bytes: &[u8]) -> Result<T, DbError> {
    T::decode(&mut &bytes[..]).map_err(|e| corrupt(column, e))
}

struct TrieStore<'a>(&'a Db);

impl NodeStore for TrieStore<'_> {
    fn node(&self, path: &[u8]) -> Option<StoredNode> {
        let bytes = self.0.get(col::TRIE, path).expect("reading a trie node from RocksDB")?;
        Some(StoredNode::decode(&mut &bytes[..]).expect("stored trie nodes decode"))
    }
}

impl Backend {
    /// Opens the database at `path`, writing the genesis block and state if it is new, or
    /// checking that it holds the chain of `genesis` if not.
    pub fn open(
        path: &Path,
        pruning: Pruning,
        genesis_header: &Header,
        genesis_state: &BTreeMap<Vec<u8>, Vec<u8>>,
    ) -> Result<Backend, BackendError> {
        let db = Db::open(path)?;
        let expected = genesis_header.hash();
        let stored: Option<H256> = db.get(col::META, META_GENESIS)?.map(|b| decode(col::META, &b)).transpose()?;
        match stored {
            Some(stored) if stored != expected => return Err(BackendError::GenesisMismatch { stored, expected }),
            Some(_) => {
                let schema: u32 =
                    db.get(col::META, META_SCHEMA)?.map(|b| decode(col::META, &b)).transpose()?.unwrap_or(0);
                if schema != SCHEMA_VERSION {
                    return Err(BackendError::Schema { found: schema });
                }
            }
            None => Self::write_genesis(&db, genesis_header, genesis_state)?,
        }
        let read_head = |key: &[u8]| -> Result<Head, BackendError> {
            let bytes = db.get(col::META, key)?.ok_or_else(|| corrupt(col::META, "missing chain head"))?;
            Ok(decode(col::META, &bytes)?)
        };
        let best = read_head(META_BEST)?;
        let finalized = read_head(META_FINALIZED)?;
        Ok(Backend {
            db,
            pruning,
            genesis_hash: expected,
            best: RwLock::new(best),
            finalized: RwLock::new(finalized),
            trie_cache: Mutex::new(None),
        })
    }

    fn write_genesis(db: &Db, header: &Header, state: &BTreeMap<Vec<u8>, Vec<u8>>) -> Result<(), BackendError> {
        let hash = header.hash();
        let empty = accord_trie::MemoryNodeStore::default();
        let trie =
            accord_trie::update(&empty, state.iter().map(|(k, v)| (k.as_slice(), Some(v.as_slice()))), STATE_VERSION);
        if trie.root != header.state_root {
            return Err(corrupt(col::TRIE, "genesis state root differs from the genesis header").into());
        }
        // Written in bounded batches; the chain heads and the genesis marker go last, so a
        // node stopped half-way writes the whole genesis again at its next start.
        let mut batch = WriteBatch::default();
        let flush_if_large = |batch: &mut WriteBatch| -> Result<(), BackendError> {
            if batch.len() >= GENESIS_BATCH_KEYS {
                db.rocks.write(std::mem::take(batch)).map_err(|e| db.err(e))?;
            }
            Ok(())
        };
        for (k, v) in state {
            batch.put_cf(db.cf(col::STATE), k, v);
            flush_if_large(&mut batch)?;
        }
        for (path, node) in &trie.writes {
            if let Some(node) = node {
                batch.put_cf(db.cf(col::TRIE), path, node.encode());
                flush_if_large(&mut batch)?;
            }
        }
        batch.put_cf(db.cf(col::HEADERS), hash.0, header.encode());
        batch.put_cf(db.cf(col::BODIES), hash.0, Vec::<Vec<u8>>::new().encode());
        batch.put_cf(db.cf(col::NUMBER), be(0), hash.0);
        let head = Head { number: 0, hash };
        batch.put_cf(db.cf(col::META), META_BEST, head.encode());
        batch.put_cf(db.cf(col::META), META_FINALIZED, head.encode());
        batch.put_cf(db.cf(col::META), META_GENESIS, hash.encode());
        batch.put_cf(db.cf(col::META), META_OLDEST_STATE, 0u32.encode());
        batch.put_cf(db.cf(col::META), META_SCHEMA, SCHEMA_VERSION.encode());
        db.rocks.write(batch).map_err(|e| db.err(e))?;
        Ok(())
    }

    /// The genesis hash.
    pub fn genesis_hash(&self) -> H256 {
        self.genesis_hash
    }

    /// The best block.
    pub fn best(&self) -> Head {
        *self.best.read()
    }

    /// The last finalized block.
    pub fn finalized(&self) -> Head {
        *self.finalized.read()
    }

    /// A header by hash.
    pub fn header(&self, hash: H256) -> Result<Option<Header>, DbError> {
        self.db.get(col::HEADERS, &hash.0)?.map(|b| decode(col::HEADERS, &b)).transpose()
    }

    /// A block by hash.
    pub fn block(&self, hash: H256) -> Result<Option<Block>, DbError> {
        let Some(header) = self.header(hash)? else { return Ok(None) };
        let body = self.db.get(col::BODIES, &hash.0)?.ok_or_else(|| corrupt(col::BODIES, "header without body"))?;
        Ok(Some(Block { header, extrinsics: decode(col::BODIES, &body)? }))
    }

    /// The canonical block hash at `number`.
    pub fn hash_of(&self, number: u32) -> Result<Option<H256>, DbError> {
        self.db.get(col::NUMBER, &be(number))?.map(|b| decode(col::NUMBER, &b)).transpose()
    }

    /// The oldest block whose state can still be read.
    pub fn oldest_state(&self) -> Result<u32, DbError> {
        Ok(self.db.get(col::META, META_OLDEST_STATE)?.map(|b| decode(col::META, &b)).transpose()?.unwrap_or(0))
    }

    /// The state at canonical block `number`, as a consistent snapshot. `None` if the block
    /// is beyond the best or its state was pruned.
    pub fn state_at(&self, number: u32) -> Result<Option<StateAt<'_>>, DbError> {
        let snapshot = self.db.rocks.snapshot();
        let best_bytes = snapshot
            .get_cf(self.db.cf(col::META), META_BEST)
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| corrupt(col::META, "missing best"))?;
        let head: Head = decode(col::META, &best_bytes)?;
        if number > head.number || number < self.oldest_state()? {
            return Ok(None);
        }
        Ok(Some(StateAt { backend: self, snapshot, number, head: head.number }))
    }

    /// The trie update that `changes` make to the best state (cached for the commit).
    pub fn trie_update(&self, changes: &Changes) -> TrieUpdate {
        if let Some((cached_changes, update)) = self.trie_cache.lock().as_ref() {
            if cached_changes == changes {
                return update.clone();
            }
        }
        let update = accord_trie::update(
            &TrieStore(&self.db),
            changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref())),
            STATE_VERSION,
        );
        *self.trie_cache.lock() = Some((changes.clone(), update.clone()));
        update
    }

    /// Commits `block`, which must extend the best block, with the state `changes` it makes:
    /// one atomic write.
    pub fn commit_block(&self, block: &Block, changes: &Changes) -> Result<(), BackendError> {
        let header = &block.header;
        let hash = header.hash();
        let best = self.best();
        if header.parent_hash != best.hash || header.number != best.number + 1 {
            return Err(BackendError::NotOnBest { number: header.number, hash, best: best.hash });
        }
        let trie = self.trie_update(changes);
        let db = &self.db;
        let n = header.number;
        let mut batch = WriteBatch::default();
        let mut journal = Vec::with_capacity(changes.len());
        for (key, value) in changes {
            let old = db.get(col::STATE, key)?;
            if old.as_ref() == value.as_ref() {
                continue;
            }
            let mut history_key = escape_key(key);
            history_key.extend_from_slice(&be(n));
            batch.put_cf(db.cf(col::HISTORY), history_key, old.encode());
            match value {
                Some(v) => batch.put_cf(db.cf(col::STATE), key, v),
                None => batch.delete_cf(db.cf(col::STATE), key),
            }
            journal.push(key.clone());
        }
        batch.put_cf(db.cf(col::JOURNAL), be(n), journal.encode());
        for (path, node) in &trie.writes {
            match node {
                Some(node) => batch.put_cf(db.cf(col::TRIE), path, node.encode()),
                None => batch.delete_cf(db.cf(col::TRIE), path),
            }
        }
        batch.put_cf(db.cf(col::HEADERS), hash.0, header.encode());
        batch.put_cf(db.cf(col::BODIES), hash.0, block.extrinsics.encode());
        batch.put_cf(db.cf(col::NUMBER), be(n), hash.0);
        let head = Head { number: n, hash };
        batch.put_cf(db.cf(col::META), META_BEST, head.encode());
        if let Pruning::Window(window) = self.pruning {
            if n > window {
                self.prune_history(&mut batch, n - window)?;
            }
        }
        db.rocks.write(batch).map_err(|e| db.err(e))?;
        *self.best.write() = head;
        *self.trie_cache.lock() = None;
        Ok(())
    }

    /// Deletes the history written by block `p`: states before `p` become unreadable.
    fn prune_history(&self, batch: &mut WriteBatch, p: u32) -> Result<(), DbError> {
        let db = &self.db;
        if let Some(bytes) = db.get(col::JOURNAL, &be(p))? {
            let keys: Vec<Vec<u8>> = decode(col::JOURNAL, &bytes)?;
            for key in keys {
                let mut history_key = escape_key(&key);
                history_key.extend_from_slice(&be(p));
                batch.delete_cf(db.cf(col::HISTORY), history_key);
            }
            batch.delete_cf(db.cf(col::JOURNAL), be(p));
        }
        batch.put_cf(db.cf(col::META), META_OLDEST_STATE, p.encode());
        Ok(())
    }

    /// Marks `hash` (a canonical block) final.
    pub fn set_finalized(&self, head: Head) -> Result<(), DbError> {
        self.db.rocks.put_cf(self.db.cf(col::META), META_FINALIZED, head.encode()).map_err(|e| self.db.err(e))?;
        *self.finalized.write() = head;
        Ok(())
    }

    /// Recomputes the best state's root three ways: from the flat state, from the stored
    /// trie, and as the best header says. All three must agree.
    pub fn verify_state(&self) -> Result<StateCheck, DbError> {
        let best = self.best();
        let header = self.header(best.hash)?.ok_or_else(|| corrupt(col::HEADERS, "best header missing"))?;
        let mut flat = Vec::new();
        for item in self.db.rocks.iterator_cf(self.db.cf(col::STATE), IteratorMode::Start) {
            let (k, v) = item.map_err(|e| self.db.err(e))?;
            flat.push((k.to_vec(), v.to_vec()));
        }
        let flat_root = trie_root(flat.iter().map(|(k, v)| (k, v)), StateVersion::V1);
        let trie_root = accord_trie::root_of(TrieStore(&self.db).node(&[]).as_ref());
        Ok(StateCheck { best, keys: flat.len() as u64, header_root: header.state_root, flat_root, trie_root })
    }
}

/// The outcome of [`Backend::verify_state`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateCheck {
    /// The best block.
    pub best: Head,
    /// How many keys the state holds.
    pub keys: u64,
    /// The root in the best header.
    pub header_root: H256,
    /// The root recomputed from the flat state.
    pub flat_root: H256,
    /// The root of the stored trie.
    pub trie_root: H256,
}

impl StateCheck {
    /// Whether all three roots agree.
    pub fn is_consistent(&self) -> bool {
        self.header_root == self.flat_root && self.flat_root == self.trie_root
    }
}

/// The state at one block, read through a consistent snapshot.
pub struct StateAt<'a> {
    backend: &'a Backend,
    snapshot: rocksdb::Snapshot<'a>,
    number: u32,
    head: u32,
}

impl StateAt<'_> {
    /// The block number of this state.
    pub fn number(&self) -> u32 {
        self.number
    }

    fn flat_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.snapshot.get_cf(self.backend.db.cf(col::STATE), key).expect("reading state from RocksDB")
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
            let (k, v) = item.expect("reading history from RocksDB");
            if k.len() == escaped.len() + 4 && k.starts_with(&escaped) {
                return Option::<Vec<u8>>::decode(&mut &v[..]).expect("history records decode");
            }
        }
        self.flat_get(key)
    }

    /// The next key after `key` in the flat state of the best block.
    fn flat_next(&self, key: &[u8]) -> Option<Vec<u8>> {
        let mut iter =
            self.snapshot.iterator_cf(self.backend.db.cf(col::STATE), IteratorMode::From(key, Direction::Forward));
        for item in iter.by_ref() {
            let (k, _) = item.expect("reading state from RocksDB");
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
        let (k, _) = iter.next()?.expect("reading history from RocksDB");
        unescape_key(&k).map(|(key, _)| key)
    }
}

impl StateRead for StateAt<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.value_at(key)
    }

    fn next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
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

    fn root_with(&self, changes: &Changes) -> H256 {
        debug_assert_eq!(self.number, self.head, "blocks are built and imported on the best state only");
        self.backend.trie_update(changes).root
    }
}
