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
//! - An in-memory cache (`cache.rs`) holds recently used values and trie nodes of the best
//!   state; each commit updates it with the block's new values and nodes.
//! - Pipelined production: a block built on the best block can be made *pending*
//!   ([`Backend::set_pending`]) while it is written; the next block is then built on
//!   [`Backend::tip_state`], the best state with the pending block's changes and trie writes
//!   laid over it. The pending block leaves when it is committed. Only one block is pending
//!   at a time and only the producer builds on the tip: reads of the tip state that miss the
//!   overlay go to the latest database state (the best or, once written, the pending block),
//!   which agree on every key the overlay does not hold.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use codec::{Decode, Encode};
use parking_lot::{Condvar, Mutex, MutexGuard, RwLock};
use rocksdb::{Direction, IteratorMode, WriteBatch};

use accord_primitives::trie::{trie_root, StateVersion};
use accord_primitives::{Block, Header, H256};
use accord_support::state::STATE_VERSION;
use accord_support::{Changes, StateRead};
use accord_trie::{NodeStore, StoredNode, TrieUpdate};

mod state_at;
pub use state_at::StateAt;

use crate::cache::{EncodedNode, StateCache};
use crate::db::{col, escape_key, unescape_key, Db, DbError, MemoryBudget};

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
/// The digest of the chain spec's genesis definition that built the stored genesis.
const META_GENESIS_SPEC: &[u8] = b"genesis_spec";
const META_OLDEST_STATE: &[u8] = b"oldest_state";
const META_SCHEMA: &[u8] = b"schema";

/// Entries of the `index` column written with a block: (key, value).
pub type IndexEntries = [(Vec<u8>, Vec<u8>)];

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
    /// A block is already pending (see [`Backend::set_pending`]).
    #[error("block #{number} cannot be made pending: block #{pending} still is")]
    AlreadyPending {
        /// The block to make pending.
        number: u32,
        /// The pending block.
        pending: u32,
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

/// A block built on the best block and being written (see [`Backend::set_pending`]).
pub struct Pending {
    /// The block.
    pub head: Head,
    /// Its state changes.
    pub changes: Arc<Changes>,
    /// Its trie node writes.
    pub trie: Arc<TrieUpdate>,
}

/// A trie update computed by a state's `root_with`, kept for the block's commit.
struct ComputedUpdate {
    /// The block the changes apply to.
    parent: H256,
    update: Arc<TrieUpdate>,
}

/// The chain's storage.
pub struct Backend {
    db: Db,
    pruning: Pruning,
    genesis_hash: H256,
    best: RwLock<Head>,
    finalized: RwLock<Head>,
    /// The block being written, if any.
    pending: Mutex<Option<Arc<Pending>>>,
    /// Signalled when the pending block leaves.
    pending_left: Condvar,
    /// The last trie updates computed by `root_with` (a few: builders and importers may
    /// interleave), reused when their block is committed.
    updates: Mutex<Vec<ComputedUpdate>>,
    /// Values and trie nodes of the best state.
    cache: Mutex<StateCache>,
    /// State reads the cache did not answer.
    reads: ReadCounters,
}

/// Counts of the state reads that went to RocksDB (the cache did not answer them).
#[derive(Default)]
struct ReadCounters {
    trie_nodes: AtomicU64,
    values: AtomicU64,
}

/// How many state reads went to RocksDB since the backend was opened: what the state
/// cache did not answer (see [`Backend::db_reads`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DbReads {
    /// Trie nodes read (computing state roots).
    pub trie_nodes: u64,
    /// Values read from the flat state (block execution, commits, RPC reads).
    pub values: u64,
}

impl DbReads {
    /// The reads made since `earlier` (a count taken before).
    pub fn since(self, earlier: DbReads) -> DbReads {
        DbReads { trie_nodes: self.trie_nodes - earlier.trie_nodes, values: self.values - earlier.values }
    }
}

/// How many computed trie updates are kept for their commit.
const UPDATES_KEPT: usize = 4;

fn be(n: u32) -> [u8; 4] {
    n.to_be_bytes()
}

fn corrupt(column: &'static str, e: impl ToString) -> DbError {
    DbError::Corrupt { column, message: e.to_string() }
}

fn decode<T: Decode>(column: &'static str, bytes: &[u8]) -> Result<T, DbError> {
    T::decode(&mut &bytes[..]).map_err(|e| corrupt(column, e))
}

fn read_node(db: &Db, path: &[u8]) -> Option<StoredNode> {
    read_encoded_node(db, path).map(|bytes| decode_node(&bytes))
}

fn read_encoded_node(db: &Db, path: &[u8]) -> Option<Vec<u8>> {
    db.get(col::TRIE, path).expect("reading a trie node from RocksDB")
}

/// A trie write of a block, encoded once for the write batch and the cache: the path, the
/// node's encoding (`None`: deleted) and whether it is a branch.
type NodeWrite<'a> = (&'a Vec<u8>, Option<EncodedNode>, bool);

/// About the bytes a block's write batch takes: each record's key and value and ~12 bytes
/// of framing. A change writes its state record, its history record (the escaped key and
/// block number; the old value, taken as large as the new one) and its key in the journal.
fn batch_size_estimate(block: &Block, changes: &Changes, nodes: &[NodeWrite<'_>]) -> usize {
    const RECORD: usize = 12;
    let state: usize = changes
        .iter()
        .map(|(key, value)| {
            let value = value.as_ref().map_or(0, Vec::len);
            (key.len() + value + RECORD) + (key.len() + 6 + value + RECORD) + (key.len() + 2)
        })
        .sum();
    let trie: usize =
        nodes.iter().map(|(path, node, _)| path.len() + node.as_ref().map_or(0, |n| n.len()) + RECORD).sum();
    let body: usize = block.extrinsics.iter().map(|xt| xt.len() + 4).sum();
    state + trie + body + 4096
}

/// Whether `node` has children (the state cache keeps branches apart from leaves).
fn is_branch(node: &StoredNode) -> bool {
    node.children.iter().any(Option::is_some)
}

fn decode_node(bytes: &[u8]) -> StoredNode {
    StoredNode::decode(&mut &bytes[..]).expect("stored trie nodes decode")
}

/// The stored trie as of the latest database state, through the cache when its version is
/// in `accept`, under the writes of `overlay` (and the values of `values`, the same block's
/// state changes, for [`NodeStore::known_value`]).
struct TrieStore<'a> {
    backend: &'a Backend,
    accept: (u32, u32),
    overlay: Option<&'a TrieUpdate>,
    values: Option<&'a Changes>,
}

impl NodeStore for TrieStore<'_> {
    fn cached(&self, path: &[u8]) -> Option<Option<StoredNode>> {
        if let Some(written) = self.overlay.and_then(|o| o.writes.get(path)) {
            return Some(written.as_deref().cloned());
        }
        // The cache's lock is released before decoding.
        let encoded = self.backend.cache_at(self.accept)?.node(path)?;
        Some(encoded.map(|bytes| decode_node(&bytes)))
    }

    fn node(&self, path: &[u8]) -> Option<StoredNode> {
        if let Some(known) = self.cached(path) {
            return known;
        }
        let encoded = read_encoded_node(&self.backend.db, path);
        self.backend.reads.trie_nodes.fetch_add(1, Ordering::Relaxed);
        let node = encoded.as_ref().map(|bytes| decode_node(bytes));
        if let Some(mut cache) = self.backend.cache_at(self.accept) {
            cache.put_node(path.to_vec(), encoded.map(EncodedNode::from), node.as_ref().is_some_and(is_branch));
        }
        node
    }

    fn known_value(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(value) = self.values.and_then(|v| v.get(key)) {
            return value.clone();
        }
        // The values the block's execution just read are in the cache (a hint: the trie
        // checks it against the stored hashes).
        self.backend.cache_at(self.accept)?.value(key).flatten()
    }
}

/// The trie nodes written so far, read straight from the database (building the genesis
/// trie, before there is a backend or a cache).
struct WrittenNodes<'a>(&'a Db);

impl accord_trie::NodeStore for WrittenNodes<'_> {
    fn node(&self, path: &[u8]) -> Option<StoredNode> {
        read_node(self.0, path)
    }
}

/// A value of the meta column.
fn read_meta<T: Decode>(db: &Db, key: &[u8]) -> Result<Option<T>, BackendError> {
    Ok(db.get(col::META, key)?.map(|b| decode(col::META, &b)).transpose()?)
}

impl Backend {
    /// Opens the database at `path`, writing the genesis block and state if it is new, or
    /// checking that it holds the chain of `genesis` if not. Uses the default memory budget.
    pub fn open(
        path: &Path,
        pruning: Pruning,
        genesis_header: &Header,
        genesis_state: &BTreeMap<Vec<u8>, Vec<u8>>,
    ) -> Result<Backend, BackendError> {
        Self::open_with(path, pruning, genesis_header, genesis_state, &MemoryBudget::default())
    }

    /// [`Backend::open`] with a memory budget for RocksDB and the state cache.
    pub fn open_with(
        path: &Path,
        pruning: Pruning,
        genesis_header: &Header,
        genesis_state: &BTreeMap<Vec<u8>, Vec<u8>>,
        budget: &MemoryBudget,
    ) -> Result<Backend, BackendError> {
        Self::open_lazy(path, pruning, None, || Ok::<_, BackendError>((genesis_state, genesis_header.clone())), budget)
    }

    /// [`Backend::open_with`] building the genesis only when needed. `genesis` yields the
    /// genesis state and header; `spec_digest` names what it would build (see
    /// `ChainSpec::genesis_digest`). A new database gets the genesis and the digest. An
    /// existing one that stored the same digest is opened without calling `genesis` (a large
    /// genesis takes long and much memory to build); otherwise the genesis is built and its
    /// hash compared with the stored one, and the digest stored when they agree.
    pub fn open_lazy<S, E, F>(
        path: &Path,
        pruning: Pruning,
        spec_digest: Option<H256>,
        genesis: F,
        budget: &MemoryBudget,
    ) -> Result<Backend, E>
    where
        S: std::borrow::Borrow<BTreeMap<Vec<u8>, Vec<u8>>>,
        F: FnOnce() -> Result<(S, Header), E>,
        E: From<BackendError>,
    {
        let db = Db::open(path, budget).map_err(BackendError::from)?;
        let stored: Option<H256> = read_meta(&db, META_GENESIS)?;
        let genesis_hash = match stored {
            Some(stored) => {
                let schema: u32 = read_meta(&db, META_SCHEMA)?.unwrap_or(0);
                if schema != SCHEMA_VERSION {
                    return Err(BackendError::Schema { found: schema }.into());
                }
                let stored_digest: Option<H256> = read_meta(&db, META_GENESIS_SPEC)?;
                if spec_digest.is_none() || stored_digest != spec_digest {
                    let (_, header) = genesis()?;
                    let expected = header.hash();
                    if stored != expected {
                        return Err(BackendError::GenesisMismatch { stored, expected }.into());
                    }
                    if let Some(digest) = spec_digest {
                        db.rocks
                            .put_cf(db.cf(col::META), META_GENESIS_SPEC, digest.encode())
                            .map_err(|e| BackendError::from(db.err(e)))?;
                    }
                }
                stored
            }
            None => {
                let (state, header) = genesis()?;
                Self::write_genesis(&db, &header, state.borrow(), spec_digest)?;
                header.hash()
            }
        };
        let read_head = |key: &[u8]| -> Result<Head, BackendError> {
            read_meta(&db, key)?.ok_or_else(|| corrupt(col::META, "missing chain head").into())
        };
        let best = read_head(META_BEST)?;
        let finalized = read_head(META_FINALIZED)?;
        Ok(Backend {
            db,
            pruning,
            genesis_hash,
            best: RwLock::new(best),
            finalized: RwLock::new(finalized),
            pending: Mutex::new(None),
            pending_left: Condvar::new(),
            updates: Mutex::new(Vec::new()),
            cache: Mutex::new(StateCache::new(best.number, budget.state_cache)),
            reads: ReadCounters::default(),
        })
    }

    fn write_genesis(
        db: &Db,
        header: &Header,
        state: &BTreeMap<Vec<u8>, Vec<u8>>,
        spec_digest: Option<H256>,
    ) -> Result<(), BackendError> {
        let hash = header.hash();
        // Written in bounded batches; the chain heads and the genesis marker go last, so a
        // node stopped half-way writes the whole genesis again at its next start, after
        // removing what the interrupted attempt left.
        let mut batch = WriteBatch::default();
        let flush_if_large = |batch: &mut WriteBatch| -> Result<(), BackendError> {
            if batch.len() >= GENESIS_BATCH_KEYS {
                db.rocks.write(std::mem::take(batch)).map_err(|e| db.err(e))?;
            }
            Ok(())
        };
        for column in [col::STATE, col::TRIE] {
            for item in db.rocks.iterator_cf(db.cf(column), IteratorMode::Start) {
                let (key, _) = item.map_err(|e| db.err(e))?;
                batch.delete_cf(db.cf(column), key);
                flush_if_large(&mut batch)?;
            }
        }
        // The trie below is built on the nodes in the database: the removals must be written.
        db.rocks.write(std::mem::take(&mut batch)).map_err(|e| db.err(e))?;
        for (k, v) in state {
            batch.put_cf(db.cf(col::STATE), k, v);
            flush_if_large(&mut batch)?;
        }
        // The trie, built over the sorted keys a chunk at a time: each chunk updates the
        // nodes written so far, so only one chunk's nodes are in memory (a 1M-account
        // genesis built in one update held about 1.5 GB of nodes).
        let mut entries = state.iter().peekable();
        let root = loop {
            let chunk: Vec<(&[u8], Option<&[u8]>)> =
                entries.by_ref().take(GENESIS_BATCH_KEYS).map(|(k, v)| (k.as_slice(), Some(v.as_slice()))).collect();
            let trie = accord_trie::update(&WrittenNodes(db), chunk, STATE_VERSION);
            for (path, node) in &trie.writes {
                match node {
                    Some(node) => batch.put_cf(db.cf(col::TRIE), path, node.encode()),
                    None => batch.delete_cf(db.cf(col::TRIE), path),
                }
            }
            db.rocks.write(std::mem::take(&mut batch)).map_err(|e| db.err(e))?;
            if entries.peek().is_none() {
                break trie.root;
            }
        };
        if root != header.state_root {
            return Err(corrupt(col::TRIE, "genesis state root differs from the genesis header").into());
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
        if let Some(digest) = spec_digest {
            batch.put_cf(db.cf(col::META), META_GENESIS_SPEC, digest.encode());
        }
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
        Ok(Some(StateAt { backend: self, snapshot, number, head: head.number, read_error: None, overlay: None }))
    }

    /// The block being written, if any.
    pub fn pending(&self) -> Option<Arc<Pending>> {
        self.pending.lock().clone()
    }

    /// The block new blocks are built on: the pending block, or the best.
    pub fn tip(&self) -> Head {
        self.pending.lock().as_ref().map_or_else(|| self.best(), |p| p.head)
    }

    /// The state of [`Backend::tip`], for building the next block on it. Only the block
    /// producer may use it (see the module docs).
    pub fn tip_state(&self) -> TipState<'_> {
        // Read the pending block first: if it is committed meanwhile, `best` is then at
        // least its parent, and the overlay still describes the difference.
        let pending = self.pending();
        let best = self.best();
        TipState { backend: self, base: best.number, pending }
    }

    /// Makes `header` (built on the best block, with `changes`) the pending block while it
    /// is being written, so the next block can be built on it. Waits up to `wait` for the
    /// previous pending block to be committed.
    pub fn set_pending(&self, header: &Header, changes: Arc<Changes>, wait: Duration) -> Result<(), BackendError> {
        let hash = header.hash();
        let mut pending = self.pending.lock();
        if pending.is_some() {
            self.pending_left.wait_for(&mut pending, wait);
        }
        if let Some(p) = pending.as_ref() {
            return Err(BackendError::AlreadyPending { number: header.number, pending: p.head.number });
        }
        let best = self.best();
        if header.parent_hash != best.hash || header.number != best.number + 1 {
            return Err(BackendError::NotOnBest { number: header.number, hash, best: best.hash });
        }
        let trie = self.trie_update_for(header, &changes, (best.number, best.number), None);
        *pending = Some(Arc::new(Pending { head: Head { number: header.number, hash }, changes, trie }));
        Ok(())
    }

    /// The trie update of `header`'s `changes` on its parent: the one computed when the
    /// block was built if it is kept, otherwise computed now over `overlay`.
    fn trie_update_for(
        &self,
        header: &Header,
        changes: &Changes,
        accept: (u32, u32),
        overlay: Option<&TrieUpdate>,
    ) -> Arc<TrieUpdate> {
        {
            let mut updates = self.updates.lock();
            if let Some(i) =
                updates.iter().position(|u| u.parent == header.parent_hash && u.update.root == header.state_root)
            {
                return updates.swap_remove(i).update;
            }
        }
        Arc::new(accord_trie::update(
            &TrieStore { backend: self, accept, overlay, values: None },
            changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref())),
            STATE_VERSION,
        ))
    }

    /// Computes the trie update of `changes` on the state `parent` (read through `store`),
    /// keeps it for the commit, and returns the new root.
    fn compute_root(&self, parent: H256, store: &TrieStore<'_>, changes: &Changes) -> H256 {
        let update =
            accord_trie::update(store, changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref())), STATE_VERSION);
        let root = update.root;
        let mut updates = self.updates.lock();
        if updates.len() >= UPDATES_KEPT {
            updates.remove(0);
        }
        updates.push(ComputedUpdate { parent, update: Arc::new(update) });
        root
    }

    /// The value of `key` in the latest database state, through the cache when its version
    /// is in `accept` (filling it on a miss under the same condition).
    fn latest_value(&self, key: &[u8], accept: (u32, u32)) -> Option<Vec<u8>> {
        if let Some(hit) = self.cache_at(accept).and_then(|mut cache| cache.value(key)) {
            return hit;
        }
        let value = self.db.get(col::STATE, key).expect("reading state from RocksDB");
        self.reads.values.fetch_add(1, Ordering::Relaxed);
        if let Some(mut cache) = self.cache_at(accept) {
            cache.put_value(key.to_vec(), value.clone());
        }
        value
    }

    /// The state reads that went to RocksDB so far (cache misses of the best state and of
    /// the latest block's view; reads of older states' history are not counted).
    pub fn db_reads(&self) -> DbReads {
        DbReads {
            trie_nodes: self.reads.trie_nodes.load(Ordering::Relaxed),
            values: self.reads.values.load(Ordering::Relaxed),
        }
    }

    /// A RocksDB property of one column (e.g. `rocksdb.cfstats`, `rocksdb.num-files-at-level0`),
    /// for diagnostics.
    pub fn db_property(&self, column: &str, name: &str) -> Option<String> {
        self.db.property(column, name)
    }

    /// The state cache, locked, if the block whose state it holds is one of `lo..=hi` (a
    /// view that agrees with those blocks may use and fill it; see `cache.rs`).
    fn cache_at(&self, (lo, hi): (u32, u32)) -> Option<MutexGuard<'_, StateCache>> {
        let cache = self.cache.lock();
        (lo..=hi).contains(&cache.version).then_some(cache)
    }

    /// Commits `block`, which must extend the best block, with the state `changes` it makes:
    /// one atomic write. If it is the pending block, it stops being pending.
    pub fn commit_block(&self, block: &Block, changes: &Changes) -> Result<(), BackendError> {
        self.commit_block_with(block, changes, None, None, &[])
    }

    /// [`Backend::commit_block`] with the block's trie writes when they are known (a block
    /// held in memory while consensus decided on it), its finalization certificate and its
    /// `index` entries (key, value of the `index` column), all written in the same atomic
    /// batch.
    pub fn commit_block_with(
        &self,
        block: &Block,
        changes: &Changes,
        trie: Option<Arc<TrieUpdate>>,
        justification: Option<&[u8]>,
        index: &IndexEntries,
    ) -> Result<(), BackendError> {
        let header = &block.header;
        let hash = header.hash();
        let best = self.best();
        if header.parent_hash != best.hash || header.number != best.number + 1 {
            return Err(BackendError::NotOnBest { number: header.number, hash, best: best.hash });
        }
        let pending = self.pending().filter(|p| p.head.hash == hash);
        let trie = trie.or_else(|| pending.as_ref().map(|p| p.trie.clone()));
        let result = self.write_block(block, hash, best, changes, trie, (justification, index));
        if pending.is_some() {
            // Committed or not, the block stops being pending (a failed write leaves the best
            // block as it was; the next block is built on it).
            *self.pending.lock() = None;
            self.pending_left.notify_all();
        }
        result
    }

    fn write_block(
        &self,
        block: &Block,
        hash: H256,
        best: Head,
        changes: &Changes,
        trie: Option<Arc<TrieUpdate>>,
        (justification, index): (Option<&[u8]>, &IndexEntries),
    ) -> Result<(), BackendError> {
        let header = &block.header;
        let accept = (best.number, best.number);
        let trie = trie.unwrap_or_else(|| self.trie_update_for(header, changes, accept, None));
        let db = &self.db;
        let n = header.number;
        // Encoded once, for the batch and the cache.
        let nodes: Vec<NodeWrite<'_>> = trie
            .writes
            .iter()
            .map(|(path, node)| {
                (path, node.as_ref().map(|n| EncodedNode::from(n.encode())), node.as_deref().is_some_and(is_branch))
            })
            .collect();
        // The batch is allocated once: growing it copies megabytes at 1,000 transfers.
        let mut batch = WriteBatch::with_capacity_bytes(batch_size_estimate(block, changes, &nodes));
        let mut journal = Vec::with_capacity(changes.len());
        for (key, value) in changes {
            let old = self.latest_value(key, accept);
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
        for (path, node, _) in &nodes {
            match node {
                Some(encoded) => batch.put_cf(db.cf(col::TRIE), path, encoded),
                None => batch.delete_cf(db.cf(col::TRIE), path),
            }
        }
        batch.put_cf(db.cf(col::HEADERS), hash.0, header.encode());
        batch.put_cf(db.cf(col::BODIES), hash.0, block.extrinsics.encode());
        batch.put_cf(db.cf(col::NUMBER), be(n), hash.0);
        if let Some(justification) = justification {
            batch.put_cf(db.cf(col::JUSTIFICATIONS), hash.0, justification);
        }
        for (key, value) in index {
            batch.put_cf(db.cf(col::INDEX), key, value);
        }
        let head = Head { number: n, hash };
        batch.put_cf(db.cf(col::META), META_BEST, head.encode());
        if let Pruning::Window(window) = self.pruning {
            if n > window {
                self.prune_history(&mut batch, n - window)?;
            }
        }
        if let Err(e) = db.rocks.write(batch) {
            // The cache may hold values read for this block's commit only: start afresh.
            self.cache.lock().reset(best.number);
            return Err(db.err(e).into());
        }
        *self.best.write() = head;
        let mut cache = self.cache.lock();
        for (key, value) in changes {
            cache.put_value(key.clone(), value.clone());
        }
        for (path, node, branch) in nodes {
            cache.put_node(path.clone(), node, branch);
        }
        cache.version = n;
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

    /// A value of the `index` column (see [`Backend::commit_block_with`]).
    pub fn index_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, DbError> {
        self.db.get(col::INDEX, key)
    }

    /// The finalization certificate stored with block `hash`, if a BFT engine finalized it
    /// with one.
    pub fn justification(&self, hash: H256) -> Result<Option<Vec<u8>>, DbError> {
        self.db.get(col::JUSTIFICATIONS, &hash.0)
    }

    /// The trie update of `header`'s `changes` on its parent's state `parent` (a view made
    /// by [`Backend::overlay_state`]): kept from the state's `root_with` if possible,
    /// otherwise computed now.
    pub fn trie_update_on(&self, parent: &TipState<'_>, header: &Header, changes: &Changes) -> Arc<TrieUpdate> {
        let overlay = parent.pending.as_deref().map(|p| &*p.trie);
        self.trie_update_for(header, changes, parent.accept(), overlay)
    }

    /// The state of a block not yet committed: the latest database state with `overlay`
    /// (the block's changes and trie writes merged with those of its uncommitted ancestors)
    /// laid over it; `None` for the best block itself. Sound while the committed blocks are
    /// the block's ancestors (see `node/src/bft.rs`).
    pub fn overlay_state(&self, overlay: Option<Arc<Pending>>) -> TipState<'_> {
        TipState { backend: self, base: self.best().number, pending: overlay }
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
        let trie_root = accord_trie::root_of(read_node(&self.db, &[]).as_ref());
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

/// The state of the tip (the pending block, or the best block): the latest database state
/// with the pending block's changes laid over it. See the module docs for when it is sound.
pub struct TipState<'a> {
    backend: &'a Backend,
    /// The best block when this view was taken.
    base: u32,
    pending: Option<Arc<Pending>>,
}

impl TipState<'_> {
    /// The tip block.
    pub fn head(&self) -> Head {
        match &self.pending {
            Some(p) => p.head,
            None => {
                Head { number: self.base, hash: self.backend.hash_of(self.base).ok().flatten().unwrap_or_default() }
            }
        }
    }

    /// The cache versions that agree with this view on every key outside the overlay.
    fn accept(&self) -> (u32, u32) {
        (self.base, self.pending.as_ref().map_or(self.base, |p| p.head.number))
    }

    fn overlay(&self) -> Option<&Changes> {
        self.pending.as_deref().map(|p| &*p.changes)
    }
}

impl StateRead for TipState<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(v) = self.overlay().and_then(|o| o.get(key)) {
            return v.clone();
        }
        self.backend.latest_value(key, self.accept())
    }

    fn next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
        use std::ops::Bound;
        let db = &self.backend.db;
        let mut cursor = key.to_vec();
        loop {
            let mut from_db = None;
            for item in db.rocks.iterator_cf(db.cf(col::STATE), IteratorMode::From(&cursor, Direction::Forward)) {
                let (k, _) = item.expect("reading state from RocksDB");
                if *k != *cursor {
                    from_db = Some(k.to_vec());
                    break;
                }
            }
            let from_overlay = self.overlay().and_then(|o| {
                o.range::<[u8], _>((Bound::Excluded(cursor.as_slice()), Bound::Unbounded))
                    .next()
                    .map(|(k, _)| k.clone())
            });
            let candidate = match (from_db, from_overlay) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => return None,
            };
            match self.overlay().and_then(|o| o.get(&candidate)) {
                Some(None) => cursor = candidate,
                _ => return Some(candidate),
            }
        }
    }

    fn root_with(&self, changes: &Changes) -> H256 {
        let overlay = self.pending.as_deref().map(|p| &*p.trie);
        let store = TrieStore { backend: self.backend, accept: self.accept(), overlay, values: self.overlay() };
        self.backend.compute_root(self.head().hash, &store, changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A RocksDB read error cannot be provoked on demand through the `rocksdb` crate (an open
    /// table file stays readable after it is removed), so the error enters where a read's
    /// `Err` arrives: what a reporting view records, and that a block-building view panics.
    #[test]
    fn a_read_error_is_recorded_by_a_reporting_view_and_panics_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let (state, header) = crate::chain_spec::ChainSpec::dev().genesis_state().unwrap();
        let backend = Backend::open(dir.path(), Pruning::Archive, &header, &state).unwrap();
        let (key, value) = state.iter().next().unwrap();

        let view = backend.state_at(0).unwrap().unwrap().reporting_errors();
        assert_eq!(view.get(key).as_ref(), Some(value));
        assert_eq!(view.read_error(), None);
        assert_eq!(crate::client::read_result(&view, 7).unwrap(), 7);
        view.read_failed("state", "injected I/O error");
        view.read_failed("state", "a later error");
        let error = crate::client::read_result(&view, 7).unwrap_err();
        assert_eq!(error.to_string(), "Database error: reading state from RocksDB at block 0: injected I/O error");

        let building = backend.state_at(0).unwrap().unwrap();
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| building.read_failed("state", "x")));
        assert!(panic.is_err(), "a view that builds blocks must not go on after a failed read");
    }
}
