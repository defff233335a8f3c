//! The node side of BFT consensus: [`accord_consensus::Chain`] over the client, the pool
//! and the storage.
//!
//! Only finalized blocks are written to RocksDB. A block consensus is still deciding on
//! (built here, or received and verified) is *held* in memory with its state changes and
//! trie writes, and with an *overlay*: its changes merged with those of its held ancestors,
//! so that its state is the database's latest state with the overlay laid over it
//! ([`Backend::overlay_state`]). Children are built and verified on that state.
//!
//! ```text
//! RocksDB: ... ─ #9 (finalized, best) ─┬─ #10a held ─ #11a held      (overlay: 10a+11a)
//!                                      └─ #10b held                   (abandoned when 10a is final)
//! ```
//!
//! That view is sound while every block committed meanwhile is an ancestor of the held
//! block; a held block on an abandoned fork may read a mixture, but it can never be
//! finalized (a conflicting block at its height already was) and it is dropped when its
//! height is finalized. A held block's transactions stay in the pool (they are skipped when
//! building on it or its descendants); watchers see `inBlock` when it is notarized,
//! `finalized` when it is final and `retracted` if it is abandoned.
//!
//! The best block is the highest notarized held block on the stored chain, as a Substrate
//! node's best chain holds blocks that are not final yet: new heads, reads at the best
//! block and nonces move at notarization. Reads at any held block see its overlay
//! ([`crate::client::Unstored`]). When the notarized blocks above the stored chain are
//! abandoned, the best moves back to the highest one left (or the stored best).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use tracing::{info, warn};

use accord_consensus::Block as ConsensusBlock;
use accord_pallet_timestamp as timestamp;
use accord_primitives::{Block, Header, H256};
use accord_support::Changes;
use accord_trie::TrieUpdate;

use crate::authoring::update_pool;
use crate::backend::{Head, Pending};
use crate::client::{Client, ClientError, TypedRead};
use crate::metrics::Metrics;
use crate::pool::Pool;
use crate::service::{Api, ConsensusHandle, ConsensusSettings, NodeError};
use commonware_codec::DecodeExt as _;

/// The most blocks held in memory; beyond it the lowest are dropped (consensus finalizes
/// within a few blocks of notarizing, so this is reached only on a long stall).
pub const HELD_MAX: usize = 512;

/// A block consensus is deciding on.
struct Held {
    block: Block,
    /// Its own state changes and trie writes (what its commit writes).
    changes: Arc<Changes>,
    trie: Arc<TrieUpdate>,
    /// Its changes and trie writes merged with its held ancestors' (what its children
    /// execute on).
    overlay: Arc<Pending>,
    /// The hashes of its extrinsics (pool transactions are known by the same hash).
    txs: Vec<H256>,
    /// Whether consensus notarized it (only a notarized block can become the best).
    notarized: AtomicBool,
}

/// The node's chain as consensus sees it.
pub struct BftChain {
    client: Arc<Client>,
    pool: Arc<Pool>,
    metrics: Arc<Metrics>,
    held: Mutex<HashMap<H256, Arc<Held>>>,
    /// The best block as last announced: the highest notarized held block that descends
    /// from the stored best block, else the stored best block (`None` until the first
    /// announcement: the stored best).
    best: Mutex<Option<Header>>,
    genesis: ConsensusBlock,
    /// How long building a block may take.
    build_budget: Duration,
    /// Hands a gossiped transaction to the pool (validated like an RPC submission).
    submit: Box<dyn Fn(Vec<u8>) + Send + Sync>,
    /// The node's async runtime (delayed status notifications).
    runtime: tokio::runtime::Handle,
}

/// How long after a block's finalization its transactions' watchers are told so.
pub const FINALIZED_STATUS_DELAY: Duration = Duration::from_millis(300);

impl BftChain {
    /// The chain over `client` and `pool`; `submit` pools a gossiped transaction.
    pub fn new(
        client: Arc<Client>,
        pool: Arc<Pool>,
        metrics: Arc<Metrics>,
        block_time: Duration,
        submit: Box<dyn Fn(Vec<u8>) + Send + Sync>,
    ) -> Result<BftChain, ClientError> {
        let backend = client.backend();
        let genesis_hash = backend.genesis_hash();
        let genesis = backend.block(genesis_hash)?.ok_or(ClientError::UnknownBlock(genesis_hash))?;
        // Everything stored was finalized by consensus.
        let best = backend.best();
        if backend.finalized().number < best.number {
            client.finalize(best.hash, None)?;
        }
        Ok(BftChain {
            client,
            pool,
            metrics,
            held: Mutex::new(HashMap::new()),
            best: Mutex::new(None),
            genesis: ConsensusBlock::new(genesis),
            build_budget: (block_time / 2).clamp(Duration::from_millis(50), Duration::from_secs(2)),
            submit,
            runtime: tokio::runtime::Handle::current(),
        })
    }

    /// Block `hash` if it is held (being decided, not committed).
    pub fn block(&self, hash: H256) -> Option<Block> {
        self.held.lock().get(&hash).map(|h| h.block.clone())
    }

    /// The best block: the highest notarized block this node verified and holds, on the
    /// stored chain; `None` when that is the stored best block.
    pub fn best(&self) -> Option<Header> {
        let stored = self.client.backend().best();
        self.best.lock().clone().filter(|h| h.number > stored.number)
    }

    /// The hash of the block at `number` on the chain of the best held block, if held.
    pub fn hash_of(&self, number: u32) -> Option<H256> {
        let best = self.best()?;
        let held = self.held.lock();
        let mut cursor = best;
        loop {
            if cursor.number == number {
                return Some(cursor.hash());
            }
            if cursor.number < number {
                return None;
            }
            cursor = held.get(&cursor.parent_hash)?.block.header.clone();
        }
    }

    /// Recomputes the best block and announces it if it changed: the highest notarized held
    /// block whose held ancestors reach the stored best block (on a tie the current best
    /// stays), else the stored best block (the best moves back when the notarized blocks
    /// above it were abandoned).
    fn refresh_best(&self) {
        let mut best = self.best.lock();
        let backend = self.client.backend();
        let stored = backend.best();
        let current = best.as_ref().map(Header::hash);
        let candidate = {
            let held = self.held.lock();
            let on_stored_chain = |h: &Held| {
                let mut parent = h.block.header.parent_hash;
                loop {
                    if parent == stored.hash {
                        return true;
                    }
                    match held.get(&parent) {
                        Some(p) => parent = p.block.header.parent_hash,
                        None => return false,
                    }
                }
            };
            let mut chosen: Option<&Held> = None;
            for h in held.values() {
                let n = h.block.header.number;
                if !h.notarized.load(Ordering::SeqCst) || n <= stored.number || !on_stored_chain(h) {
                    continue;
                }
                let better = match chosen {
                    None => true,
                    Some(c) => {
                        let m = c.block.header.number;
                        n > m || (n == m && Some(h.block.header.hash()) == current)
                    }
                };
                if better {
                    chosen = Some(h);
                }
            }
            chosen.map(|h| h.block.header.clone())
        };
        let new = match candidate {
            Some(header) => header,
            None => match backend.header(stored.hash) {
                Ok(Some(header)) => header,
                _ => return,
            },
        };
        if current != Some(new.hash()) {
            *best = Some(new.clone());
            self.client.announce_best(new);
        }
    }

    /// The overlay to execute a child of `parent` on: `Some(None)` for the best block,
    /// `Some(Some(..))` for a held block, `None` if `parent`'s state is not here.
    fn overlay_of(&self, parent: H256) -> Option<Option<Arc<Pending>>> {
        if parent == self.client.backend().best().hash {
            return Some(None);
        }
        self.held.lock().get(&parent).map(|h| Some(h.overlay.clone()))
    }

    /// The transactions of `from` and its held ancestors.
    fn included_from(&self, from: H256) -> HashSet<H256> {
        let held = self.held.lock();
        let mut txs = HashSet::new();
        let mut cursor = from;
        while let Some(h) = held.get(&cursor) {
            txs.extend(h.txs.iter().copied());
            cursor = h.block.header.parent_hash;
        }
        txs
    }

    /// Holds `block` (built or verified on `parent_overlay`) until it is final or abandoned.
    fn hold(&self, block: Block, changes: Changes, trie: Arc<TrieUpdate>, parent_overlay: Option<Arc<Pending>>) {
        let hash = block.header.hash();
        let head = Head { number: block.header.number, hash };
        let changes = Arc::new(changes);
        let overlay = match parent_overlay {
            None => Arc::new(Pending { head, changes: changes.clone(), trie: trie.clone() }),
            Some(parent) => {
                let mut merged = (*parent.changes).clone();
                merged.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
                let mut writes = parent.trie.writes.clone();
                writes.extend(trie.writes.iter().map(|(k, v)| (k.clone(), v.clone())));
                let merged_trie = TrieUpdate { root: trie.root, writes };
                Arc::new(Pending { head, changes: Arc::new(merged), trie: Arc::new(merged_trie) })
            }
        };
        let txs = tx_hashes(&block);
        let mut held = self.held.lock();
        if held.len() >= HELD_MAX {
            if let Some(lowest) = held.values().min_by_key(|h| h.block.header.number).map(|h| h.block.header.hash()) {
                held.remove(&lowest);
            }
        }
        held.insert(hash, Arc::new(Held { block, changes, trie, overlay, txs, notarized: AtomicBool::new(false) }));
    }

    /// Drops every held block at or below `number` but `kept`, retracting their transactions.
    fn abandon_up_to(&self, number: u32, kept: H256) {
        let abandoned: Vec<Arc<Held>> = {
            let mut held = self.held.lock();
            let gone: Vec<H256> = held
                .iter()
                .filter(|(hash, h)| h.block.header.number <= number && **hash != kept)
                .map(|(hash, _)| *hash)
                .collect();
            gone.iter().filter_map(|hash| held.remove(hash)).collect()
        };
        for h in abandoned {
            let hash = h.block.header.hash();
            info!("abandoned block #{} ({hash:?}): another block was finalized at its height", h.block.header.number);
            self.pool.on_retracted(hash, &h.txs);
        }
    }

    fn propose_on(&self, parent: &ConsensusBlock) -> Result<Option<ConsensusBlock>, ClientError> {
        let Some(overlay) = self.overlay_of(parent.hash()) else {
            warn!("cannot build on {:?}: its state is not held", parent.hash());
            return Ok(None);
        };
        let skip = self.included_from(parent.hash());
        let candidates: Vec<_> = self.pool.ready().into_iter().filter(|tx| !skip.contains(&tx.hash)).collect();
        let backend = self.client.backend();
        let state = backend.overlay_state(overlay.clone());
        let mut proposal =
            self.client.build_block_on(&state, now_ms(), &candidates, Instant::now() + self.build_budget)?;
        let changes = std::mem::take(&mut proposal.changes);
        let trie = backend.trie_update_on(&state, &proposal.block.header, &changes);
        drop(state);
        let block = proposal.block;
        info!(
            "proposing #{} ({:?}) with {} extrinsics",
            block.header.number,
            block.header.hash(),
            block.extrinsics.len()
        );
        self.hold(block.clone(), changes, trie, overlay);
        Ok(Some(ConsensusBlock::new(block)))
    }

    /// Executes `block` on `parent`'s state and holds it if valid; `vote`: the answer is a
    /// vote, so a block too far ahead of the clock is refused (a block that is already
    /// notarized is followed whatever its timestamp).
    fn verify_on(&self, parent: &ConsensusBlock, block: &ConsensusBlock, vote: bool) -> Option<bool> {
        let hash = block.hash();
        if self.held.lock().contains_key(&hash) {
            return Some(true);
        }
        let backend = self.client.backend();
        let number = block.header().number;
        if number <= backend.best().number {
            // At or below the committed chain: valid only if it is that chain's block.
            return Some(backend.hash_of(number).ok().flatten() == Some(hash));
        }
        if block.header().parent_hash != parent.hash() || number != parent.header().number + 1 {
            return Some(false);
        }
        let overlay = self.overlay_of(parent.hash())?;
        let state = backend.overlay_state(overlay.clone());
        match self.client.execute(&state, block.inner()) {
            Ok(changes) => {
                if let Some(ahead) = ahead_of_clock(&changes).filter(|_| vote) {
                    // A proposer whose clock runs ahead would make every later leader wait
                    // for its timestamp: refuse to vote for it (it may come again later).
                    warn!("block #{number} ({hash:?}) is {} ms ahead of this node's clock: not voting for it", ahead);
                    return Some(false);
                }
                let trie = backend.trie_update_on(&state, block.header(), &changes);
                drop(state);
                self.hold(block.inner().clone(), changes, trie, overlay);
                Some(true)
            }
            Err(ClientError::InvalidBlock(e)) => {
                warn!("block #{number} ({hash:?}) is invalid: {e}");
                Some(false)
            }
            Err(e) => {
                warn!("block #{number} ({hash:?}) could not be verified: {e}");
                None
            }
        }
    }

    fn commit(&self, block: &ConsensusBlock, certificate: Option<Vec<u8>>) -> Result<(), String> {
        let backend = self.client.backend();
        let best = backend.best();
        let number = block.header().number;
        let hash = block.hash();
        if number <= best.number {
            return match backend.hash_of(number).map_err(|e| e.to_string())? {
                Some(stored) if stored == hash => Ok(()),
                stored => Err(format!("finalized block #{number} {hash:?} conflicts with the stored {stored:?}")),
            };
        }
        // Held until stored: a client reading at the block meanwhile finds it in one place
        // or the other.
        let held = self.held.lock().get(&hash).cloned();
        let started = Instant::now();
        let committed = match &held {
            Some(h) => {
                let executed = Some((&*h.changes, Some(h.trie.clone())));
                self.client.commit_final(&h.block, executed, certificate.as_deref(), false)
            }
            None => self.client.commit_final(block.inner(), None, certificate.as_deref(), false),
        };
        committed.map_err(|e| format!("committing finalized block #{number}: {e}"))?;
        self.held.lock().remove(&hash);
        let commit_ms = started.elapsed().as_millis();
        self.abandon_up_to(number, hash);
        // The best stays the notarized head; it moves to the committed block only if that
        // is now the highest (or a notarized block above it was abandoned).
        self.refresh_best();
        let txs: Vec<H256> = match &held {
            Some(h) => h.txs.clone(),
            None => tx_hashes(block.inner()),
        };
        let status =
            update_pool(&self.client, &self.pool, &self.metrics, hash, number, &txs, &[]).map_err(|e| e.to_string())?;
        // Watchers see `finalized` a moment after `inBlock`: simplex finalizes a round trip
        // after it notarizes, and polkadot.js drops an `inBlock` that `finalized` overtakes
        // while it fetches the block's events. The chain's finality itself is not delayed.
        let pool = self.pool.clone();
        self.runtime.spawn(async move {
            tokio::time::sleep(FINALIZED_STATUS_DELAY).await;
            pool.on_finalized(hash, &txs);
        });
        let (peers, epoch, view, timeouts) = self.metrics.consensus().map_or((0, 0, 0, 0), |c| {
            let s = c.status();
            (c.peers(), s.epoch, s.view, s.nullifications)
        });
        info!(
            "finalized #{number} ({hash}), {} extrinsics, txpool {} ready {} future, peers {peers}, epoch {epoch} \
             view {view}, timeouts {timeouts} (commit {commit_ms} ms)",
            block.inner().extrinsics.len(),
            status.ready,
            status.future,
        );
        Ok(())
    }
}

/// The hashes of `block`'s extrinsics (pool transactions are known by the same hash).
fn tx_hashes(block: &Block) -> Vec<H256> {
    block.extrinsics.iter().map(|xt| H256::hash_of(xt)).collect()
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl crate::client::Unstored for BftChain {
    fn overlay(&self, hash: H256) -> Option<(u32, Arc<Changes>)> {
        self.held.lock().get(&hash).map(|h| (h.block.header.number, h.overlay.changes.clone()))
    }
}

impl accord_consensus::Chain for BftChain {
    fn genesis(&self) -> ConsensusBlock {
        self.genesis.clone()
    }

    fn propose(&self, parent: &ConsensusBlock) -> Option<ConsensusBlock> {
        self.propose_on(parent).unwrap_or_else(|e| {
            warn!("building a block on #{} failed: {e}", parent.header().number);
            None
        })
    }

    fn verify(&self, parent: &ConsensusBlock, block: &ConsensusBlock) -> Option<bool> {
        self.verify_on(parent, block, true)
    }

    fn notarized(&self, hash: H256) -> bool {
        let txs = self.held.lock().get(&hash).map(|h| {
            h.notarized.store(true, Ordering::SeqCst);
            h.txs.clone()
        });
        match txs {
            Some(txs) => {
                // Best first: a client told `inBlock` reads the state at the best block
                // (polkadot.js takes the next nonce there).
                self.refresh_best();
                self.pool.on_notarized(hash, &txs);
                true
            }
            // Already committed: nothing to announce.
            None => self.client.backend().header(hash).ok().flatten().is_some(),
        }
    }

    fn follow(&self, block: &ConsensusBlock) {
        let parent_hash = block.header().parent_hash;
        let parent = self.held.lock().get(&parent_hash).map(|h| ConsensusBlock::new(h.block.clone()));
        let parent = parent.or_else(|| {
            let backend = self.client.backend();
            (backend.best().hash == parent_hash)
                .then(|| backend.block(parent_hash).ok().flatten().map(ConsensusBlock::new))
                .flatten()
        });
        let Some(parent) = parent else { return };
        if self.verify_on(&parent, block, false) == Some(true) {
            self.notarized(block.hash());
        }
    }

    fn finalized(&self, block: &ConsensusBlock, certificate: Option<Vec<u8>>) -> Result<(), String> {
        self.commit(block, certificate)
    }

    fn timestamp_ms(&self, block: &ConsensusBlock) -> u64 {
        let key = timestamp::NOW.key();
        if let Some(h) = self.held.lock().get(&block.hash()) {
            if let Some(Some(value)) = h.changes.get(&key) {
                return codec::Decode::decode(&mut &value[..]).unwrap_or(0);
            }
        }
        let backend = self.client.backend();
        let number = block.header().number;
        if backend.hash_of(number).ok().flatten() == Some(block.hash()) {
            if let Ok(Some(state)) = backend.state_at(number) {
                return state.get_typed::<u64>(&key).unwrap_or(0);
            }
        }
        0
    }

    fn gossiped(&self, extrinsic: Vec<u8>) {
        (self.submit)(extrinsic);
    }

    fn validators_after(&self, block: &ConsensusBlock) -> Result<Option<Vec<[u8; 32]>>, String> {
        let backend = self.client.backend();
        let number = block.header().number;
        if backend.hash_of(number).map_err(|e| e.to_string())? != Some(block.hash()) {
            return Err(format!("#{number} {:?} is not the committed block at its height", block.hash()));
        }
        let state = backend
            .state_at(number)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the state of #{number} is no longer kept (pruned)"))?
            .reporting_errors();
        let key = accord_pallet_validators::VALIDATORS.key();
        let value = accord_support::StateRead::get(&state, &key);
        if let Some(error) = state.read_error() {
            return Err(error.to_string());
        }
        match value {
            None => Ok(None),
            Some(value) => codec::Decode::decode(&mut &value[..])
                .map(Some)
                .map_err(|e| format!("Validators.Validators at #{number} does not decode: {e}")),
        }
    }
}

/// How far ahead of this node's clock a block's timestamp may be.
pub const FUTURE_DRIFT_MAX: Duration = Duration::from_secs(2);

/// By how many milliseconds the timestamp a block sets (`Timestamp.Now` in its `changes`)
/// is ahead of this node's clock plus [`FUTURE_DRIFT_MAX`]; `None` if it is not.
fn ahead_of_clock(changes: &Changes) -> Option<u64> {
    let value = changes.get(&timestamp::NOW.key())?.as_ref()?;
    let set: u64 = codec::Decode::decode(&mut &value[..]).ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_millis() as u64;
    let limit = now + FUTURE_DRIFT_MAX.as_millis() as u64;
    (set > limit).then(|| set - now)
}

/// `accord_validators` over the engine's validator sets.
fn epoch_validators(
    sets: accord_consensus::epochs::EpochProvider,
    epoch_length: u64,
) -> impl Fn(Option<u64>) -> accord_rpc::EpochValidators + Send + Sync + 'static {
    move |epoch| {
        let current = sets.current();
        let epoch = epoch.unwrap_or(current);
        let validators = sets.validators(epoch).map(|keys| keys.iter().map(public_bytes).collect());
        accord_rpc::EpochValidators { current, epoch_length, epoch, validators }
    }
}

fn public_bytes(key: &accord_consensus::PublicKey) -> [u8; 32] {
    let mut bytes = [0; 32];
    bytes.copy_from_slice(key.as_ref());
    bytes
}

/// Starts BFT consensus for this node: the chain over `client` and `pool`, the engine on its
/// own thread, and the gossip of local submissions through `api`.
pub fn start(
    settings: &ConsensusSettings,
    client: &Arc<Client>,
    pool: &Arc<Pool>,
    metrics: &Arc<Metrics>,
    api: &Arc<Api>,
) -> Result<accord_consensus::Engine, NodeError> {
    let consensus_error = |e: &dyn std::fmt::Display| NodeError::Consensus(e.to_string());
    let key = accord_consensus::PrivateKey::decode(commonware_codec::Copying(settings.key.as_slice()))
        .map_err(|e| consensus_error(&e))?;
    let public = |bytes: &[u8; 32]| {
        accord_consensus::PublicKey::try_from(&bytes[..]).map_err(|e| NodeError::Consensus(e.to_string()))
    };
    let validators = settings.validators.iter().map(public).collect::<Result<Vec<_>, _>>()?;
    let peers =
        settings.peers.iter().map(|(key, addr)| Ok((public(key)?, *addr))).collect::<Result<Vec<_>, NodeError>>()?;
    let submit = api.gossip_submitter(tokio::runtime::Handle::current());
    if settings.vote {
        let pair = accord_primitives::crypto::Ed25519Pair::from_seed(&settings.key);
        client.set_logic_signer(crate::client::LogicSigner { pair, versions: settings.logic_versions.clone() });
    }
    let chain = BftChain::new(client.clone(), pool.clone(), metrics.clone(), settings.block_time, submit)
        .map_err(|e| consensus_error(&e))?;
    let namespace =
        crate::consensus_namespace(client.backend().genesis_hash(), settings.epoch_length, &settings.validators);
    let config = accord_consensus::EngineConfig {
        key,
        validators,
        vote: settings.vote,
        epoch_length: settings.epoch_length,
        listen: settings.listen,
        peers,
        storage: settings.storage.clone(),
        namespace,
        timing: accord_consensus::Timing::for_block_time(settings.block_time),
        worker_threads: 2,
    };
    let chain = Arc::new(chain);
    client.set_unstored(chain.clone());
    let engine = accord_consensus::Engine::start(config, chain.clone()).map_err(|e| consensus_error(&e))?;
    info!(
        "BFT consensus: node key 0x{}, p2p on {}, {} validators, {} known peers",
        hex::encode(settings.key_public()),
        settings.listen,
        settings.validators.len(),
        settings.peers.len()
    );
    metrics.set_consensus(engine.metrics().clone());
    let epoch_length = settings.epoch_length;
    let _ = api.consensus.set(ConsensusHandle {
        gossip: Box::new(engine.gossiper()),
        validators: Box::new(epoch_validators(engine.validator_sets(), epoch_length)),
        metrics: engine.metrics().clone(),
        chain,
        key: settings.key_public(),
        listen: settings.listen,
        vote: settings.vote,
    });
    Ok(engine)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(ms: u64) -> Changes {
        let mut changes = Changes::new();
        changes.insert(timestamp::NOW.key(), Some(codec::Encode::encode(&ms)));
        changes
    }

    /// A dev chain in a temporary folder, under BFT.
    fn chain(dir: &std::path::Path) -> BftChain {
        let (state, header) = crate::chain_spec::ChainSpec::dev().genesis_state().unwrap();
        let backend = crate::backend::Backend::open(dir, crate::backend::Pruning::Archive, &header, &state).unwrap();
        let metrics = Arc::new(Metrics::default());
        let client = Arc::new(Client::new(backend, metrics.clone()));
        let pool = Arc::new(Pool::new(crate::pool::PoolLimits::default()));
        BftChain::new(client, pool, metrics, Duration::from_secs(1), Box::new(|_| {})).unwrap()
    }

    #[tokio::test]
    async fn the_best_block_is_the_notarized_head_and_moves_back_when_it_is_abandoned() {
        use accord_consensus::Chain as _;
        let dir = tempfile::tempdir().unwrap();
        let chain = Arc::new(chain(dir.path()));
        chain.client.set_unstored(chain.clone());
        let mut heads = chain.client.subscribe_best_heads();
        let genesis = chain.genesis();
        let a1 = chain.propose(&genesis).unwrap();
        let a2 = chain.propose(&a1).unwrap();
        assert_eq!(chain.best(), None, "held, not notarized: the stored best stays");
        assert!(chain.client.state_at(a2.hash()).is_ok(), "a held block's state reads");

        // A notarized block two above the stored chain is the best; reads at it see its
        // changes (the timestamp it set).
        assert!(chain.notarized(a2.hash()));
        assert_eq!(chain.best().map(|h| h.hash()), Some(a2.hash()));
        assert_eq!(heads.try_recv().unwrap().hash(), a2.hash(), "announced as the new best");
        assert_eq!(chain.hash_of(1), Some(a1.hash()));
        assert_eq!(chain.hash_of(2), Some(a2.hash()));
        let state = chain.client.state_at(a2.hash()).unwrap();
        let now: u64 = state.get_typed(&timestamp::NOW.key()).unwrap();
        assert_eq!(now, chain.timestamp_ms(&a2));

        // Its parent is finalized and stored: the best stays a2, announced once.
        chain.finalized(&a1, None).unwrap();
        assert_eq!(chain.best().map(|h| h.hash()), Some(a2.hash()));
        assert!(heads.try_recv().is_err(), "no second announcement: {:?}", heads.try_recv());
        assert!(chain.client.state_at(a2.hash()).is_ok());

        // Another block is finalized at a2's height: a2 is abandoned and the best moves
        // back to the stored best block, announced.
        std::thread::sleep(Duration::from_millis(5));
        let b2 = chain.propose(&a1).unwrap();
        assert_ne!(b2.hash(), a2.hash());
        chain.finalized(&b2, None).unwrap();
        assert_eq!(chain.best(), None);
        assert_eq!(chain.client.backend().best().hash, b2.hash());
        assert_eq!(heads.try_recv().unwrap().hash(), b2.hash(), "the best moved to the finalized fork");
        assert!(chain.client.state_at(a2.hash()).is_err(), "an abandoned block is gone");
    }

    #[test]
    fn a_timestamp_beyond_the_drift_bound_is_ahead() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert_eq!(ahead_of_clock(&setting(now)), None);
        assert_eq!(ahead_of_clock(&setting(now + 1_000)), None, "within the bound");
        let ahead = ahead_of_clock(&setting(now + 60_000)).expect("a minute ahead");
        assert!((57_000..=60_000).contains(&ahead), "{ahead}");
        assert_eq!(ahead_of_clock(&Changes::new()), None, "no timestamp set");
    }
}
