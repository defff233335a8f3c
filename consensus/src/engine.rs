//! The wiring: one Commonware tokio runtime on a thread of its own, running authenticated
//! p2p, block broadcast, marshal (backfill, finalized blocks in order) and simplex.
//!
//! The node keeps its own tokio runtime for RPC; the two meet only through [`Chain`]
//! (called on this runtime's blocking pool) and the bounded channels of [`Engine`].
//!
//! ```text
//! p2p channel  carries                         rate per peer
//!   0 votes    simplex votes                   VOTES_PER_SECOND
//!   1 certs    notarizations, finalizations    CERTS_PER_SECOND
//!   2 fetch    simplex certificate backfill    FETCHES_PER_SECOND
//!   3 backfill marshal: blocks by digest/height BACKFILL_PER_SECOND
//!   4 blocks   full blocks from their proposer  BLOCKS_PER_SECOND
//!   5 txs      transaction gossip               TXS_PER_SECOND
//! ```

use std::net::SocketAddr;
use std::num::NonZeroU64;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use commonware_consensus::types::Epoch;
use commonware_cryptography::{ed25519, ChaCha20Poly1305, Signer as _};
use commonware_p2p::authenticated::lookup;
use commonware_p2p::{Address, AddressableManager as _, AddressableTrackedPeers};
use commonware_runtime::{Quota, Runner as _, Spawner as _, Supervisor as _};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};
use commonware_utils::ordered::{Map, Set};
use commonware_utils::{NZUsize, NZU32};
use futures::channel::{mpsc, oneshot};
use tracing::{info, warn};

use crate::block::BLOCK_ENCODED_MAX;
use crate::chain::Chain;
use crate::epochs::{EpochProvider, PeerTracker};
use crate::metrics::ConsensusMetrics;
use crate::wiring::{wire, Channels, Wiring};

/// The most bytes one p2p message may carry: a block with room for marshal's framing.
pub const MESSAGE_SIZE_MAX: u32 = (BLOCK_ENCODED_MAX + 64 * 1024) as u32;

/// The most transactions a node queues for gossip; more are not gossiped (they stay in
/// its own pool).
pub const GOSSIP_QUEUE: usize = 4096;

/// The most peers (validators and full nodes) in the address book. Each channel's inbound
/// queue holds one second's quota from every possible peer, so this and the rates below
/// bound the engine's memory.
pub const PEERS_MAX: usize = 63;

// Messages per second from one peer, per channel.
const VOTES_PER_SECOND: u32 = 128;
const CERTS_PER_SECOND: u32 = 128;
const FETCHES_PER_SECOND: u32 = 64;
const BACKFILL_PER_SECOND: u32 = 64;
const BLOCKS_PER_SECOND: u32 = 16;
/// Gossip messages carry batches of up to [`crate::gossip::GOSSIP_BATCH_MAX`] transactions.
const TXS_PER_SECOND: u32 = 64;

/// Consensus timing.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The least time between a block and its child (their timestamps).
    pub block_time: Duration,
    /// How long a view waits for its leader's proposal before voting to skip it.
    pub leader_timeout: Duration,
    /// How long a view waits for a notarization before voting to skip it.
    pub certification_timeout: Duration,
    /// How often a skip vote is sent again while a view is stuck.
    pub timeout_retry: Duration,
}

impl Timing {
    /// Timeouts derived from the block time: a leader has the block time plus two
    /// seconds to propose (it waits out the block time first).
    pub fn for_block_time(block_time: Duration) -> Timing {
        let leader_timeout = block_time + Duration::from_secs(2);
        Timing {
            block_time,
            leader_timeout,
            certification_timeout: leader_timeout + Duration::from_secs(1),
            timeout_retry: Duration::from_secs(2),
        }
    }
}

/// Everything the engine needs.
#[derive(Clone)]
pub struct EngineConfig {
    /// This node's key: its p2p identity and, for a validator, its consensus key.
    pub key: ed25519::PrivateKey,
    /// The validator set of epoch 0 (the chain spec's).
    pub validators: Vec<ed25519::PublicKey>,
    /// Whether this node votes in the epochs whose set has its key (`--validator`).
    pub vote: bool,
    /// Blocks per epoch (at least 2): the set may change from one epoch to the next.
    pub epoch_length: u64,
    /// Where to accept p2p connections.
    pub listen: SocketAddr,
    /// The address book: every peer (validators and full nodes) with its address.
    pub peers: Vec<(ed25519::PublicKey, SocketAddr)>,
    /// Where the consensus journal and marshal's archives live.
    pub storage: PathBuf,
    /// Separates this chain's signatures and connections from any other's (e.g. the
    /// genesis hash).
    pub namespace: Vec<u8>,
    /// Consensus timing.
    pub timing: Timing,
    /// Worker threads of the engine's runtime.
    pub worker_threads: usize,
}

/// Why the engine cannot start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The validator set is empty or has duplicates.
    #[error("invalid validator set: {0}")]
    ValidatorSet(String),
    /// The epoch length is below 2.
    #[error("the epoch length must be at least 2 blocks, not {0}")]
    EpochLength(u64),
    /// The address book is too large or names a key twice.
    #[error("invalid peer list: {0}")]
    Peers(String),
    /// The engine thread could not be started.
    #[error("cannot start the consensus thread: {0}")]
    Thread(std::io::Error),
}

/// A running engine.
pub struct Engine {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    gossip: mpsc::Sender<Vec<u8>>,
    metrics: Arc<ConsensusMetrics>,
    sets: EpochProvider,
}

impl Engine {
    /// Starts the engine on its own thread.
    pub fn start(config: EngineConfig, chain: Arc<dyn Chain>) -> Result<Engine, EngineError> {
        let validators = validator_set(&config.validators)?;
        let epoch_length = NonZeroU64::new(config.epoch_length)
            .filter(|l| l.get() >= 2)
            .ok_or(EngineError::EpochLength(config.epoch_length))?;
        check_peers(&config)?;
        let signer = config.vote.then(|| config.key.clone());
        let sets = EpochProvider::new(&config.namespace, validators, signer);
        let metrics = Arc::new(ConsensusMetrics::default());
        let (stop, stopped) = oneshot::channel();
        let (gossip, gossip_rx) = mpsc::channel(GOSSIP_QUEUE);
        let thread_metrics = metrics.clone();
        let thread_sets = sets.clone();
        let thread = std::thread::Builder::new()
            .name("consensus".into())
            .spawn(move || {
                let runtime = commonware_runtime::tokio::Config::new()
                    .with_worker_threads(config.worker_threads.max(1))
                    .with_storage_directory(config.storage.clone())
                    .with_catch_panics(false);
                commonware_runtime::tokio::Runner::new(runtime).start(|context| async move {
                    let parts = Parts {
                        config,
                        epoch_length,
                        sets: thread_sets,
                        chain,
                        metrics: thread_metrics,
                        gossip: gossip_rx,
                    };
                    run(context.child("engine"), parts, stopped).await;
                    let _ = context.stop(0, Some(Duration::from_secs(5))).await;
                })
            })
            .map_err(EngineError::Thread)?;
        Ok(Engine { stop: Some(stop), thread: Some(thread), gossip, metrics, sets })
    }

    /// The engine's figures.
    pub fn metrics(&self) -> &Arc<ConsensusMetrics> {
        &self.metrics
    }

    /// The validator sets (shared: it follows the engine's epochs).
    pub fn validator_sets(&self) -> EpochProvider {
        self.sets.clone()
    }

    /// A function that queues a transaction (its encoding, as submitted) for gossip to
    /// every peer; `false` if the queue is full. It outlives a borrow of the engine.
    pub fn gossiper(&self) -> impl Fn(Vec<u8>) -> bool + Send + Sync + 'static {
        let sender = parking_lot::Mutex::new(self.gossip.clone());
        move |extrinsic| sender.lock().try_send(extrinsic).is_ok()
    }

    /// Stops the engine and waits for its thread.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The validator set, ordered as consensus orders it.
fn validator_set(keys: &[ed25519::PublicKey]) -> Result<Set<ed25519::PublicKey>, EngineError> {
    if keys.is_empty() {
        return Err(EngineError::ValidatorSet("no validators".into()));
    }
    Set::try_from(keys.to_vec()).map_err(|_| EngineError::ValidatorSet("a validator is listed twice".into()))
}

/// Checks the address book's size and that it names each key once.
fn check_peers(config: &EngineConfig) -> Result<(), EngineError> {
    if config.peers.len() > PEERS_MAX {
        return Err(EngineError::Peers(format!("{} peers, at most {PEERS_MAX}", config.peers.len())));
    }
    Map::try_from(config.peers.iter().map(|(k, a)| (k.clone(), *a)).collect::<Vec<_>>())
        .map_err(|_| EngineError::Peers("a peer key is listed twice".into()))?;
    Ok(())
}

/// The tracked peers of an epoch. For a validator of the epoch, the epoch's validators are
/// primary (dialed) and the other known peers secondary (accepted when they connect). A node
/// that does not validate in the epoch (a full node, a retired validator, a node that is
/// behind) dials every known peer, so it reaches whoever still runs; the address book is at
/// most [`PEERS_MAX`]. A validator of the epoch missing from the address book cannot be
/// reached: it is reported.
fn address_book(
    config: &EngineConfig,
    validators: &Set<ed25519::PublicKey>,
) -> AddressableTrackedPeers<ed25519::PublicKey> {
    let me = config.key.public_key();
    let validating = validators.position(&me).is_some();
    let mut primary = Vec::new();
    let mut secondary = Vec::new();
    for (key, addr) in &config.peers {
        let entry = (key.clone(), Address::Symmetric(*addr));
        if !validating || validators.position(key).is_some() {
            primary.push(entry);
        } else {
            secondary.push(entry);
        }
    }
    // We listen on our own address.
    if validating && !primary.iter().any(|(k, _)| *k == me) {
        primary.push((me.clone(), Address::Symmetric(config.listen)));
    }
    for validator in validators.iter() {
        if *validator != me && !primary.iter().any(|(k, _)| k == validator) {
            warn!("validator {validator} has no address in the peer list: it cannot be reached");
        }
    }
    // `check_peers` ruled out duplicates; our own key is added only when absent.
    let primary = Map::try_from(primary).unwrap_or_default();
    let secondary = Map::try_from(secondary).unwrap_or_default();
    AddressableTrackedPeers::new(primary, secondary)
}

/// What the engine's task owns.
struct Parts {
    config: EngineConfig,
    epoch_length: NonZeroU64,
    sets: EpochProvider,
    chain: Arc<dyn Chain>,
    metrics: Arc<ConsensusMetrics>,
    gossip: mpsc::Receiver<Vec<u8>>,
}

const MAILBOX: std::num::NonZeroUsize = NZUsize!(1024);

async fn run(context: commonware_runtime::tokio::Context, parts: Parts, stopped: oneshot::Receiver<()>) {
    let Parts { config, epoch_length, sets, chain, metrics, gossip } = parts;
    let me = config.key.public_key();
    let namespace = config.namespace.clone();

    // Authenticated p2p with the known peers.
    let upgrader = Cups::<_, ChaCha20Poly1305>::new(
        Sake {
            signer: config.key.clone(),
            synchrony_bound: Duration::from_secs(5),
            max_handshake_age: Duration::from_secs(10),
            version: sake::Version::V1,
        },
        cups::Version::V1,
    );
    let mut p2p = lookup::Config::recommended(
        upgrader,
        &namespace,
        config.listen,
        NZUsize!(PEERS_MAX + 1),
        MESSAGE_SIZE_MAX,
        MAILBOX,
    );
    // A consortium's peers are few and known, and may share an address (several nodes of
    // one organization behind one NAT, or a test network on loopback): a handshake per
    // 125 ms per address, a peer may reconnect after a second, and one that misbehaved is
    // blocked for ten minutes (Commonware's defaults: one per 5 s, 60 s, 4 h).
    p2p.allow_private_ips = true;
    p2p.allowed_handshake_rate_per_ip = Quota::per_second(NZU32!(8));
    p2p.peer_connection_cooldown = Duration::from_secs(1);
    p2p.dial_frequency = Duration::from_millis(500);
    p2p.tracked_peer_sets = NZUsize!(2);
    p2p.block_duration = Duration::from_secs(600);
    let (mut network, oracle) = lookup::Network::new(context.child("network"), p2p);
    let votes = network.register(0, Quota::per_second(NZU32!(VOTES_PER_SECOND)));
    let certs = network.register(1, Quota::per_second(NZU32!(CERTS_PER_SECOND)));
    let fetch = network.register(2, Quota::per_second(NZU32!(FETCHES_PER_SECOND)));
    let backfill = network.register(3, Quota::per_second(NZU32!(BACKFILL_PER_SECOND)));
    let blocks = network.register(4, Quota::per_second(NZU32!(BLOCKS_PER_SECOND)));
    let txs = network.register(5, Quota::per_second(NZU32!(TXS_PER_SECOND)));
    network.start();

    let channels = Channels { votes, certs, fetch, backfill, blocks, txs };
    info!("consensus starting: this node {me}, {}", if config.vote { "a validator" } else { "a full node" });
    let tracker: PeerTracker = {
        let (config, mut oracle) = (config.clone(), oracle.clone());
        Box::new(move |epoch: Epoch, validators: &Set<ed25519::PublicKey>| {
            let _ = oracle.track(epoch.get(), address_book(&config, validators));
        })
    };
    let wiring = Wiring {
        me,
        sets,
        epoch_length,
        tracker,
        timing: config.timing,
        chain,
        metrics,
        gossip,
        partitions: String::new(),
    };
    let _handles = wire(context.child("consensus"), oracle.clone(), oracle, channels, wiring).await;
    let _ = stopped.await;
    info!("consensus stopping");
}
