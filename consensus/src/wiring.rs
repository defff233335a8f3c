//! The wiring of one node's consensus, generic over the runtime and the network so that the
//! same code runs on Commonware's tokio runtime with authenticated p2p ([`crate::Engine`])
//! and under its deterministic runtime with simulated links (the simulation tests).

use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use commonware_broadcast::buffered;
use commonware_consensus::marshal;
use commonware_consensus::marshal::core::{Actor as MarshalActor, Mailbox};
use commonware_consensus::marshal::resolver::p2p as marshal_resolver;
use commonware_consensus::marshal::standard::{Inline, Standard};
use commonware_consensus::simplex;
use commonware_consensus::simplex::config::{ForwardPolicy, SkipBudget, SkipPolicy};
use commonware_consensus::simplex::elector::RoundRobin;
use commonware_consensus::simplex::scheme::ed25519::Scheme;
use commonware_consensus::simplex::types::Activity;
use commonware_consensus::types::{Epoch, Epocher as _, FixedEpocher, ViewDelta};
use commonware_consensus::Reporter;
use commonware_cryptography::{ed25519, sha256::Sha256, Digestible};
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::{NZDuration, NZUsize, NZU16, NZU64};
use futures::channel::mpsc;

use crate::application::{
    commit_finalized, follow_notarized, Application, Committer, Finalizer, Observer, FOLLOW_QUEUE,
};
use crate::block::{Block, Digest};
use crate::chain::Chain;
use crate::engine::Timing;
use crate::epochs::{
    current_epoch, orchestrate, EngineStarter, EpochProvider, EpochStore, Orchestration, PeerTracker, SubChannel,
};
use crate::metrics::ConsensusMetrics;

/// Marshal's mailbox for Accord blocks.
pub type MarshalMailbox = Mailbox<Scheme, Standard<Block>>;

const PAGE_SIZE: std::num::NonZeroU16 = NZU16!(4096);
const PAGE_CACHE_PAGES: NonZeroUsize = NZUsize!(256);
const MAILBOX: NonZeroUsize = NZUsize!(1024);

/// The p2p channels consensus uses (see [`crate::engine`] for their numbers and limits).
pub struct Channels<S, R> {
    /// Simplex votes.
    pub votes: (S, R),
    /// Notarizations, nullifications and finalizations.
    pub certs: (S, R),
    /// Simplex's certificate backfill.
    pub fetch: (S, R),
    /// Marshal's block backfill.
    pub backfill: (S, R),
    /// Full blocks from their proposer.
    pub blocks: (S, R),
    /// Transaction gossip.
    pub txs: (S, R),
}

/// What one node's consensus is made of, besides its network.
pub struct Wiring {
    /// This node's public key.
    pub me: ed25519::PublicKey,
    /// The validator sets (made with the genesis set and this node's signer, if it votes);
    /// the changes stored since are added to it.
    pub sets: EpochProvider,
    /// Blocks per epoch (at least 2); the set may change between epochs.
    pub epoch_length: NonZeroU64,
    /// Tells the network the validators of an epoch (they are dialed).
    pub tracker: PeerTracker,
    /// Consensus timing.
    pub timing: Timing,
    /// The node.
    pub chain: Arc<dyn Chain>,
    /// Figures for the node.
    pub metrics: Arc<ConsensusMetrics>,
    /// Transactions the node gossips.
    pub gossip: mpsc::Receiver<Vec<u8>>,
    /// Prefix of this node's storage partitions (nodes sharing one runtime's storage, as
    /// in the simulation, need distinct ones).
    pub partitions: String,
}

/// The tasks of a wired node (abort them to crash it).
pub struct Handles {
    /// Marshal.
    pub marshal: Handle<()>,
    /// The epochs' simplex engines.
    pub simplex: Handle<()>,
    /// The commit of finalized blocks.
    pub commit: Handle<()>,
    /// Transaction gossip.
    pub gossip: Handle<()>,
    /// The metrics refresh.
    pub refresh: Handle<()>,
    /// The fetch of notarized blocks the node did not verify.
    pub follow: Handle<()>,
}

impl Handles {
    /// Aborts every task, as a crash would.
    pub fn abort(self) {
        for handle in [self.marshal, self.simplex, self.commit, self.gossip, self.refresh, self.follow] {
            handle.abort();
        }
    }
}

/// Wires marshal and simplex for one node over `channels`, with `provider` (who the peers
/// are) and `blocker` (how a misbehaving peer is blocked) from its network.
pub async fn wire<E, P, B, S, R>(
    context: E,
    provider: P,
    blocker: B,
    channels: Channels<S, R>,
    wiring: Wiring,
) -> Handles
where
    E: Spawner + Clock + Storage + Metrics + rand010::CryptoRng,
    P: Provider<PublicKey = ed25519::PublicKey>,
    B: Blocker<PublicKey = ed25519::PublicKey>,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let Channels { votes, certs, fetch, backfill, blocks, txs } = channels;
    let Wiring { me, sets, epoch_length, tracker, timing, chain, metrics, gossip, partitions } = wiring;
    // Marshal: block broadcast, backfill, finalized blocks in order.
    let resolver = marshal_resolver::init(
        context.child("resolver"),
        marshal_resolver::Config {
            public_key: me.clone(),
            peer_provider: provider.clone(),
            blocker: blocker.clone(),
            mailbox_size: MAILBOX,
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(200),
            priority_requests: false,
            priority_responses: false,
        },
        backfill,
    );
    let (broadcast, buffer) = buffered::Engine::new(
        context.child("broadcast"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size: MAILBOX,
            deque_size: 16,
            priority: false,
            codec_config: (),
            peer_provider: provider.clone(),
            strategy: Sequential,
        },
    );
    broadcast.start(blocks);

    // The validator sets: the genesis one, and every change stored since.
    let store = EpochStore::open(context.child("epochs"), format!("{partitions}epochs"), &sets).await;
    let page_cache = CacheRef::new(PAGE_SIZE, PAGE_CACHE_PAGES);
    let epocher = FixedEpocher::new(epoch_length);
    let genesis = chain.genesis();
    let genesis_digest = genesis.digest();
    let marshal_config = marshal::Config {
        provider: sets.clone(),
        epocher: epocher.clone(),
        start: marshal::Start::Genesis(commonware_cryptography::Digested::precomputed(genesis, genesis_digest)),
        partition_prefix: format!("{partitions}marshal"),
        mailbox_size: MAILBOX,
        view_retention: ViewDelta::new(64),
        prunable_items_per_section: NZU64!(4096),
        page_cache: page_cache.clone(),
        replay_buffer: NZUsize!(1024 * 1024),
        key_write_buffer: NZUsize!(1024 * 1024),
        value_write_buffer: NZUsize!(1024 * 1024),
        block_codec_config: (),
        max_repair: NZUsize!(16),
        max_pending_acks: NZUsize!(16),
        strategy: Sequential,
    };
    let finalizations = archive(
        &context,
        &partitions,
        "finalizations",
        &page_cache,
        <Scheme as commonware_cryptography::certificate::Verifier>::certificate_codec_config_unbounded(),
    )
    .await;
    let finalized_blocks = archive(&context, &partitions, "blocks", &page_cache, ()).await;
    let (actor, mailbox, floor) =
        MarshalActor::init(context.child("marshal"), finalizations, finalized_blocks, marshal_config).await;
    // Where this node is: the epoch of the block after the last one it processed (its set
    // is known before marshal runs, so marshal can check that epoch's certificates at once);
    // the epoch's genesis is the previous epoch's last block.
    let processed = floor.processed().map_or(0, |p| p.height().get());
    let epoch = current_epoch(&epocher, processed);
    sets.reach(epoch.get());
    let (finalizer, deliveries) = Finalizer::new();
    let marshal_handle = actor.start(finalizer, buffer, resolver);
    let floor = match epoch.previous().and_then(|previous| epocher.last(previous)) {
        None => genesis_digest,
        Some(boundary) => match mailbox.get_block(boundary).await {
            Some(block) => block.digest(),
            None => panic!("marshal has not the boundary block #{} of epoch {}", boundary.get(), epoch.get()),
        },
    };
    let (transitions, transitions_rx) = mpsc::channel(1);
    let commit = context.child("commit").spawn({
        let committer = Committer {
            chain: chain.clone(),
            marshal: mailbox.clone(),
            metrics: metrics.clone(),
            epocher: epocher.clone(),
            transitions,
        };
        move |ctx| commit_finalized(ctx, committer, deliveries)
    });

    // Simplex over marshal, one engine per epoch.
    let application = Application::new(chain.clone(), timing.block_time);
    let inline = Inline::new(context.child("inline"), application, mailbox.clone(), epocher.clone());
    let (unknown, unknown_rx) = mpsc::channel(FOLLOW_QUEUE);
    let reporter = Observer::new(inline.clone(), chain.clone(), metrics.clone(), unknown);
    let follow = context.child("follow").spawn({
        let (chain, mailbox) = (chain.clone(), mailbox.clone());
        move |ctx| follow_notarized(ctx, chain, mailbox, unknown_rx)
    });
    let starter = Simplex {
        context: context.child("simplex"),
        blocker: blocker.clone(),
        inline,
        reporter,
        timing,
        page_cache,
        partitions: partitions.clone(),
    };
    let orchestration = Orchestration {
        provider: sets,
        store,
        epocher,
        start: (epoch, floor),
        starter,
        tracker,
        transitions: transitions_rx,
        marshal: mailbox.clone(),
        metrics: metrics.clone(),
    };
    let simplex = context.child("epochs").spawn(move |ctx| orchestrate(ctx, votes, certs, fetch, orchestration));

    let gossip_task = context.child("gossip").spawn({
        let (chain, metrics) = (chain.clone(), metrics.clone());
        let blocker = blocker.clone();
        move |ctx| crate::gossip::gossip_loop(ctx, txs, gossip, chain, metrics, blocker)
    });
    let refresh = context.child("metrics").spawn({
        let metrics = metrics.clone();
        move |ctx| async move {
            loop {
                metrics.set_engine_text(ctx.encode());
                ctx.sleep(Duration::from_secs(2)).await;
            }
        }
    });
    Handles { marshal: marshal_handle, simplex, commit, gossip: gossip_task, refresh, follow }
}

/// Starts each epoch's simplex engine with the node's automaton, relay and reporter.
struct Simplex<E: Spawner + Clock + Metrics, B, R> {
    context: E,
    blocker: B,
    inline: InlineApp<E>,
    reporter: R,
    timing: Timing,
    page_cache: CacheRef,
    partitions: String,
}

/// Marshal's inline wrapper around [`Application`].
type InlineApp<E> = Inline<E, Scheme, Application, Block, FixedEpocher>;

impl<E, B, R, S> EngineStarter<S> for Simplex<E, B, R>
where
    E: Spawner + Clock + Storage + Metrics + rand010::CryptoRng,
    B: Blocker<PublicKey = ed25519::PublicKey>,
    R: Reporter<Activity = Activity<Scheme, Digest>> + Clone,
    S: Sender<PublicKey = ed25519::PublicKey>,
{
    fn start(
        &mut self,
        epoch: Epoch,
        floor: Digest,
        scheme: Scheme,
        (votes, certs, fetch): (SubChannel<S>, SubChannel<S>, SubChannel<S>),
    ) -> Handle<()> {
        let timing = self.timing;
        let engine = simplex::Engine::new(
            self.context.child("engine").with_attribute("epoch", epoch.get()),
            simplex::config::Config {
                scheme,
                elector: RoundRobin::<Sha256>::default(),
                blocker: self.blocker.clone(),
                automaton: self.inline.clone(),
                relay: self.inline.clone(),
                reporter: self.reporter.clone(),
                strategy: Sequential,
                partition: EngineStarter::<S>::partition(self, epoch),
                mailbox_size: MAILBOX,
                epoch,
                floor: simplex::config::Floor::Genesis(floor),
                replay_buffer: NZUsize!(1024 * 1024),
                write_buffer: NZUsize!(1024 * 1024),
                page_cache: self.page_cache.clone(),
                leader_timeout: timing.leader_timeout,
                certification_timeout: timing.certification_timeout,
                timeout_retry: timing.timeout_retry,
                view_retention: ViewDelta::new(64),
                skip: SkipPolicy::Enabled {
                    timeout: timing.certification_timeout + timing.timeout_retry + Duration::from_secs(1),
                    budget: SkipBudget::Participants,
                },
                fetch_timeout: NZDuration!(Duration::from_secs(2)),
                fetch_retry_delay: Duration::from_millis(200),
                forward: ForwardPolicy::SilentLeader,
                track_historical_votes: false,
            },
        );
        engine.start(votes, certs, fetch)
    }

    fn partition(&self, epoch: Epoch) -> String {
        format!("{}simplex-epoch-{}", self.partitions, epoch.get())
    }
}

/// An immutable archive (marshal's finalized blocks or certificates) under `name`.
async fn archive<E, C, V>(
    context: &E,
    prefix: &str,
    name: &'static str,
    page_cache: &CacheRef,
    codec_config: C,
) -> immutable::Archive<E, Digest, V>
where
    E: Spawner + Clock + Storage + Metrics,
    C: Clone + Send + Sync + 'static,
    V: commonware_codec::Codec<Cfg = C> + Send + Sync + 'static,
{
    let partition = |part: &str| format!("{prefix}marshal-{name}-{part}");
    immutable::Archive::init(
        context.child(name),
        immutable::Config {
            metadata_partition: partition("metadata"),
            freezer_table_partition: partition("freezer-table"),
            freezer_table_initial_size: 65_536,
            freezer_table_resize_frequency: 4,
            freezer_table_resize_chunk_size: 16_384,
            freezer_key_partition: partition("freezer-key"),
            freezer_key_page_cache: page_cache.clone(),
            freezer_value_partition: partition("freezer-value"),
            freezer_value_target_size: 1024 * 1024 * 1024,
            freezer_value_compression: None,
            ordinal_partition: partition("ordinal"),
            items_per_section: NZU64!(65_536),
            codec_config,
            replay_buffer: NZUsize!(1024 * 1024),
            freezer_key_write_buffer: NZUsize!(1024 * 1024),
            freezer_value_write_buffer: NZUsize!(1024 * 1024),
            ordinal_write_buffer: NZUsize!(1024 * 1024),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("opening marshal's {name} archive: {e}"))
}
