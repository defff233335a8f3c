//! The client: the engine-neutral operations on the chain — `build_block`, `import_block`,
//! `finalize` — plus runtime calls and state reads at a block. A consensus engine drives
//! these; the local authoring loop (`authoring.rs`) is the first such engine.

use std::sync::Arc;
use std::time::Instant;

use codec::Decode;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use accord_pallet_timestamp as timestamp;
use accord_primitives::{Block, Digest, Header, H256};
use accord_rpc::StateError;
use accord_runtime::validity::{InvalidTransaction, TransactionValidityError};
use accord_runtime::{execute_block, execute_block_with, timestamp_inherent, BlockExecution, Signatures};
use accord_support::{Changes, StateRead};

use crate::backend::{Backend, BackendError, Head, StateAt, TipState};
use crate::metrics::Metrics;
use crate::pool::PoolTx;
use accord_trie::TrieUpdate;

/// Capacity of the block notification channels (slow subscribers skip ahead).
const NOTIFICATION_CAPACITY: usize = 256;

/// Why a block could not be built, imported or finalized.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Storage failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The block is invalid.
    #[error("invalid block: {0}")]
    InvalidBlock(#[from] accord_runtime::BlockError),
    /// The parent's state is not available.
    #[error("state of block {0:?} is not available")]
    MissingState(H256),
    /// The block to finalize is not canonical.
    #[error("cannot finalize unknown block {0:?}")]
    UnknownBlock(H256),
}

impl From<crate::db::DbError> for ClientError {
    fn from(e: crate::db::DbError) -> Self {
        ClientError::Backend(e.into())
    }
}

/// A block built on the best block, ready to import.
pub struct Proposal {
    /// The block.
    pub block: Block,
    /// Its state changes.
    pub changes: Changes,
    /// Pool transactions it includes.
    pub included: Vec<H256>,
    /// Pool transactions that can never apply (to be removed from the pool).
    pub invalid: Vec<H256>,
}

/// The client.
pub struct Client {
    backend: Backend,
    import_lock: Mutex<()>,
    best_heads: broadcast::Sender<Header>,
    finalized_heads: broadcast::Sender<Header>,
    metrics: Arc<Metrics>,
    logic_signer: std::sync::OnceLock<LogicSigner>,
    unstored: std::sync::OnceLock<Arc<dyn Unstored>>,
}

/// Blocks an engine holds in memory before they are stored (a BFT engine's notarized
/// blocks): what reads at them need.
pub trait Unstored: Send + Sync {
    /// The number of held block `hash`, and its state changes merged with those of its held
    /// ancestors (laid over the stored state, they are its state); `None` if not held.
    fn overlay(&self, hash: H256) -> Option<(u32, Arc<Changes>)>;
}

/// A validator's signal of the logic versions it runs, added to the blocks it builds when
/// the chain's stored signal differs (see `Releases.signal_support`).
pub struct LogicSigner {
    /// The validator key.
    pub pair: accord_primitives::crypto::Ed25519Pair,
    /// The versions to announce, sorted.
    pub versions: accord_runtime::LogicVersions,
}

impl Client {
    /// A client over `backend`.
    pub fn new(backend: Backend, metrics: Arc<Metrics>) -> Client {
        let (best_heads, _) = broadcast::channel(NOTIFICATION_CAPACITY);
        let (finalized_heads, _) = broadcast::channel(NOTIFICATION_CAPACITY);
        let best = backend.best();
        metrics.set_heights(best.number, backend.finalized().number);
        Client {
            backend,
            import_lock: Mutex::new(()),
            best_heads,
            finalized_heads,
            metrics,
            logic_signer: std::sync::OnceLock::new(),
            unstored: std::sync::OnceLock::new(),
        }
    }

    /// Makes the blocks this node builds carry its validator's logic-version signal (once).
    pub fn set_logic_signer(&self, signer: LogicSigner) {
        let _ = self.logic_signer.set(signer);
    }

    /// The storage.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// New best headers.
    pub fn subscribe_best_heads(&self) -> broadcast::Receiver<Header> {
        self.best_heads.subscribe()
    }

    /// Newly finalized headers.
    pub fn subscribe_finalized_heads(&self) -> broadcast::Receiver<Header> {
        self.finalized_heads.subscribe()
    }

    /// The state at block `hash`, for answering a client: a stored block's, or that of a
    /// block a BFT engine holds (see [`Client::set_unstored`]). A read error of the
    /// database is recorded, not a panic; check it with [`read_result`] before answering.
    pub fn state_at(&self, hash: H256) -> Result<StateAt<'_>, StateError> {
        let database = |e: crate::db::DbError| StateError::Database(e.to_string());
        if self.backend.header(hash).map_err(database)?.is_none() {
            let held = self.unstored.get().and_then(|u| u.overlay(hash));
            if let Some((number, overlay)) = held {
                if let Some(state) = self.backend.state_over(overlay, number).map_err(database)? {
                    return Ok(state.reporting_errors());
                }
                // Stored meanwhile: read it as a stored block.
            }
        }
        self.stored_state_at(hash)
    }

    /// The state at stored block `hash`.
    fn stored_state_at(&self, hash: H256) -> Result<StateAt<'_>, StateError> {
        let database = |e: crate::db::DbError| StateError::Database(e.to_string());
        let header = self.backend.header(hash).map_err(database)?.ok_or(StateError::UnknownBlock(hash))?;
        let canonical = self.backend.hash_of(header.number).map_err(database)?;
        if canonical != Some(hash) {
            return Err(StateError::UnknownBlock(hash));
        }
        self.backend
            .state_at(header.number)
            .map_err(database)?
            .map(StateAt::reporting_errors)
            .ok_or(StateError::Pruned(hash))
    }

    /// Lets reads at a block find the blocks `unstored` holds in memory (once).
    pub fn set_unstored(&self, unstored: Arc<dyn Unstored>) {
        let _ = self.unstored.set(unstored);
    }

    /// Announces `header` as the new best block (a BFT engine's notarized head, or the
    /// block the best moved back to).
    pub fn announce_best(&self, header: Header) {
        let _ = self.best_heads.send(header);
    }

    /// Calls runtime API `method` at block `hash`.
    pub fn call(&self, hash: H256, method: &str, data: &[u8]) -> Result<Vec<u8>, StateError> {
        let state = self.state_at(hash)?;
        let result = accord_runtime::apis::call(&state, method, data);
        // A failed read explains a failed call: report the database error first.
        read_result(&state, ())?;
        result.map_err(|e| StateError::Execution(e.to_string()))
    }

    /// Builds a block on the tip (the pending block if one is being written, otherwise the
    /// best block; see [`Backend::set_pending`]) at time `now_ms` from `candidates` (in
    /// order), stopping when the block is full or at `deadline`. Candidates are pool transactions:
    /// their signatures were verified when they entered the pool and are not verified again
    /// (see [`Signatures::Verified`]); those past their `valid_till` are dropped as invalid.
    pub fn build_block(
        &self,
        now_ms: u64,
        candidates: &[Arc<PoolTx>],
        deadline: Instant,
    ) -> Result<Proposal, ClientError> {
        self.build_block_on(&self.backend.tip_state(), now_ms, candidates, deadline)
    }

    /// [`Client::build_block`] on `state`: the tip, or a block a BFT engine holds in memory
    /// ([`Backend::overlay_state`]).
    pub fn build_block_on(
        &self,
        state: &TipState<'_>,
        now_ms: u64,
        candidates: &[Arc<PoolTx>],
        deadline: Instant,
    ) -> Result<Proposal, ClientError> {
        let tip = state.head();
        let previous_ms = state.get_typed::<u64>(&timestamp::NOW.key()).unwrap_or(0);
        let now_ms = now_ms.max(previous_ms + timestamp::MINIMUM_PERIOD_MS);
        let mut exec = BlockExecution::initialize(state, tip.hash, tip.number + 1, Digest::default());
        exec.apply(&timestamp_inherent(now_ms)).map_err(|e| {
            ClientError::InvalidBlock(accord_runtime::BlockError::InvalidExtrinsic { index: 0, error: e })
        })?;
        if let Some(signer) = self.logic_signer.get() {
            let public = signer.pair.public();
            let sign = |message: &[u8]| signer.pair.sign(message);
            if let Some(xt) = accord_runtime::logic_signal_inherent(exec.ext(), &public, &signer.versions, &sign) {
                if let Err(e) = exec.apply(&xt) {
                    tracing::warn!("the logic-version signal does not apply: {e:?}");
                }
            }
        }
        let mut included = Vec::new();
        let mut invalid = Vec::new();
        for tx in candidates {
            if Instant::now() >= deadline {
                break;
            }
            if (exec.number() as u64) > tx.valid_till {
                invalid.push(tx.hash);
                continue;
            }
            match exec.apply_with(&tx.xt, Signatures::Verified) {
                Ok(_) => included.push(tx.hash),
                Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)) => break,
                // A later nonce whose predecessor failed: it may apply in a later block.
                Err(TransactionValidityError::Invalid(InvalidTransaction::Future)) => {}
                Err(_) => invalid.push(tx.hash),
            }
        }
        let built = exec.finalize()?;
        Ok(Proposal { block: built.block, changes: built.changes, included, invalid })
    }

    /// Imports `block` on the best block. With `changes` (our own proposal) the block is not
    /// executed again; otherwise it is executed, its signatures verified together, and its
    /// roots checked.
    pub fn import_block(&self, block: &Block, changes: Option<&Changes>) -> Result<H256, ClientError> {
        let _guard = self.import_lock.lock();
        let hash = self.import_locked(block, changes.map(|c| (c, None)), None)?;
        let _ = self.best_heads.send(block.header.clone());
        Ok(hash)
    }

    /// [`Client::import_block`] under the import lock: executes `block` on the best state
    /// unless `executed` gives its changes (and, if known, its trie writes), commits it with
    /// its `justification`.
    fn import_locked(
        &self,
        block: &Block,
        executed: Option<(&Changes, Option<Arc<TrieUpdate>>)>,
        justification: Option<&[u8]>,
    ) -> Result<H256, ClientError> {
        let started = Instant::now();
        let computed;
        let (changes, trie) = match executed {
            Some(executed) => executed,
            None => {
                let best = self.backend.best();
                let state = self.backend.state_at(best.number)?.ok_or(ClientError::MissingState(best.hash))?;
                computed = execute_verifying_together(&state, block)?;
                (&computed, None)
            }
        };
        let index = crate::eth_index::entries(block, changes);
        self.backend.commit_block_with(block, changes, trie, justification, &index)?;
        let hash = block.header.hash();
        self.metrics.on_import(block.header.number, block.extrinsics.len() as u64, started.elapsed());
        Ok(hash)
    }

    /// Executes `block` on `state` (its parent's), verifying its signatures together, and
    /// checks its roots; returns its changes. Nothing is written.
    pub fn execute(&self, state: &dyn StateRead, block: &Block) -> Result<Changes, ClientError> {
        execute_verifying_together(state, block)
    }

    /// Commits `block`, final (a BFT engine finalized it), as the next block of the stored
    /// chain, with its finalization certificate `justification`. With `executed` (its
    /// changes and, if known, trie writes: it was verified while consensus decided) it is not
    /// executed again. Subscribers see it as a new finalized head, and as a new best head if
    /// `announce_best` (not when the engine's best, a notarized block, is already beyond it).
    pub fn commit_final(
        &self,
        block: &Block,
        executed: Option<(&Changes, Option<Arc<TrieUpdate>>)>,
        justification: Option<&[u8]>,
        announce_best: bool,
    ) -> Result<H256, ClientError> {
        let _guard = self.import_lock.lock();
        let hash = self.import_locked(block, executed, justification)?;
        if announce_best {
            let _ = self.best_heads.send(block.header.clone());
        }
        let head = Head { number: block.header.number, hash };
        self.backend.set_finalized(head)?;
        self.metrics.set_heights(head.number, head.number);
        let _ = self.finalized_heads.send(block.header.clone());
        Ok(hash)
    }

    /// Marks `hash` final. A single authority's blocks are final at once; a BFT engine
    /// passes its commit certificate as `justification` (not yet stored).
    pub fn finalize(&self, hash: H256, _justification: Option<Vec<u8>>) -> Result<(), ClientError> {
        let header = self.backend.header(hash)?.ok_or(ClientError::UnknownBlock(hash))?;
        self.backend.set_finalized(Head { number: header.number, hash })?;
        self.metrics.set_heights(self.backend.best().number, header.number);
        let _ = self.finalized_heads.send(header);
        Ok(())
    }
}

/// Executes `block` on `state` (see [`execute_block`]), verifying its sr25519 signatures
/// together: batches verified on a second core while this one executes
/// ([`crate::verify::verify_while`]), instead of one verification per extrinsic in line
/// (BENCHMARKS.md). The block is valid only if every batch is. If a batch or the execution
/// fails, the block is executed again verifying each signature in turn, so the error names
/// the first bad extrinsic as before. The senders of its Ethereum transactions are recovered
/// ahead on another core ([`crate::verify::recovering_senders_ahead`]).
fn execute_verifying_together(state: &dyn StateRead, block: &Block) -> Result<Changes, ClientError> {
    let (executed, valid) = crate::verify::recovering_senders_ahead(&block.extrinsics, || {
        crate::verify::verify_while(|sink| {
            let forward = crate::verify::forwarding(sink);
            execute_block_with(state, block, Signatures::VerifyWith(&forward))
        })
    });
    if let (Ok(changes), true) = (executed, valid) {
        return Ok(changes);
    }
    Ok(execute_block(state, block)?)
}

/// Typed reads of raw state.
pub trait TypedRead {
    /// The value at `key`, decoded.
    fn get_typed<T: Decode>(&self, key: &[u8]) -> Option<T>;
}

impl<S: StateRead> TypedRead for S {
    fn get_typed<T: Decode>(&self, key: &[u8]) -> Option<T> {
        self.get(key).and_then(|b| T::decode(&mut &b[..]).ok())
    }
}

/// `value`, read through `state` (from [`Client::state_at`]), unless a read of the database
/// failed on the way: then the error, for the RPC to return.
pub fn read_result<T>(state: &StateAt<'_>, value: T) -> Result<T, StateError> {
    match state.read_error() {
        Some(error) => Err(StateError::Database(error.to_string())),
        None => Ok(value),
    }
}
