//! The application Commonware's marshal drives: it proposes and verifies Accord blocks
//! through the node's [`Chain`], and commits the finalized blocks marshal delivers in order.
//!
//! ```text
//! simplex ──propose/verify──▶ marshal::Inline ──▶ Application::{propose, verify} ──▶ Chain
//!    │ activity                       ▲ ancestry (parent block, fetched if missing)
//!    ▼                                │
//! Observer (notarized) ──▶ marshal ──Update::Block, in height order──▶ Finalizer ──▶ Chain
//! ```
//!
//! Block execution and commits block; they run on the runtime's blocking pool.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use commonware_actor::Feedback;
use commonware_consensus::marshal::ancestry::Ancestry;
use commonware_consensus::marshal::Update;
use commonware_consensus::simplex::scheme::ed25519::Scheme;
use commonware_consensus::simplex::types::{Activity, Context};
use commonware_consensus::types::Round;
use commonware_consensus::types::{Epocher as _, FixedEpocher};
use commonware_consensus::Reporter;
use commonware_cryptography::{ed25519, Digested, Digestible};
use commonware_runtime::{Clock, Metrics, Spawner};
use commonware_utils::Acknowledgement;
use futures::channel::{mpsc, oneshot};
use futures::SinkExt as _;
use futures::StreamExt;
use tracing::{debug, warn};

use crate::block::{hash_of, Block, Digest};
use crate::chain::Chain;
use crate::epochs::Transition;
use crate::metrics::ConsensusMetrics;

/// The consensus context of a proposal: its round, leader and parent.
pub type ProposalContext = Context<Digest, ed25519::PublicKey>;

/// How many times a verification that cannot be decided yet is tried, and how long apart.
const VERIFY_ATTEMPTS: u32 = 50;
const VERIFY_RETRY: Duration = Duration::from_millis(100);

/// Proposes and verifies blocks through the node.
#[derive(Clone)]
pub struct Application {
    chain: Arc<dyn Chain>,
    block_time: Duration,
}

impl Application {
    /// An application over `chain` that proposes a block `block_time` after its parent's
    /// timestamp at the earliest.
    pub fn new(chain: Arc<dyn Chain>, block_time: Duration) -> Application {
        Application { chain, block_time }
    }
}

/// Runs `f` on the runtime's blocking pool; `None` if the task failed.
pub(crate) async fn blocking<E: Spawner, T: Send + 'static>(
    context: E,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    context.shared(true).spawn(move |_| async move { f() }).await.ok()
}

impl<E: Spawner + Clock + Metrics> commonware_consensus::Application<E> for Application {
    type SigningScheme = Scheme;
    type Context = ProposalContext;
    type Block = Block;
    type Input = ();

    async fn propose(
        &mut self,
        (runtime, context): (E, ProposalContext),
        mut ancestry: impl Ancestry<Block>,
        _input: (),
    ) -> Option<Digested<Block>> {
        let parent = ancestry.next().await?;
        if parent.digest() != context.parent.1 {
            warn!("proposal ancestry starts at {:?}, not the context's parent", hash_of(&parent.digest()));
            return None;
        }
        let chain = self.chain.clone();
        let parent = parent.inner().clone();
        let due = UNIX_EPOCH + Duration::from_millis(chain.timestamp_ms(&parent)) + self.block_time;
        runtime.sleep_until(due).await;
        let block = blocking(runtime, move || chain.propose(&parent)).await.flatten()?;
        let digest = block.digest();
        Some(Digested::precomputed(block, digest))
    }

    async fn verify(&mut self, (runtime, _context): (E, ProposalContext), mut ancestry: impl Ancestry<Block>) -> bool {
        // The stream yields the block first, then its parent.
        let Some(block) = ancestry.next().await else { return false };
        let Some(parent) = ancestry.next().await else { return false };
        let (block, parent) = (block.inner().clone(), parent.inner().clone());
        for _ in 0..VERIFY_ATTEMPTS {
            let chain = self.chain.clone();
            let (b, p) = (block.clone(), parent.clone());
            match blocking(runtime.child("verify"), move || chain.verify(&p, &b)).await.flatten() {
                Some(valid) => return valid,
                // The parent's state may arrive (its commit or verification is under way).
                None => runtime.sleep(VERIFY_RETRY).await,
            }
        }
        // Undecidable here: abstain (consensus drops the request when it moves on).
        warn!("cannot verify block #{} ({:?}): its parent's state is not here", block.header().number, block.hash());
        std::future::pending::<bool>().await
    }
}

/// Consensus activity on its way to marshal, with notarizations reported to the node first
/// (a transaction's `inBlock`).
#[derive(Clone)]
pub struct Observer<R> {
    inner: R,
    chain: Arc<dyn Chain>,
    metrics: Arc<ConsensusMetrics>,
    /// Notarized blocks the node does not hold, for [`follow_notarized`].
    unknown: mpsc::Sender<(Digest, Round)>,
}

/// How many notarized blocks may wait to be fetched for a node that did not verify them;
/// more are skipped (their transactions are announced when they are final).
pub const FOLLOW_QUEUE: usize = 64;

impl<R> Observer<R> {
    /// Forwards to `inner` after telling `chain` of notarizations; notarized blocks the node
    /// does not hold go to `unknown`.
    pub fn new(
        inner: R,
        chain: Arc<dyn Chain>,
        metrics: Arc<ConsensusMetrics>,
        unknown: mpsc::Sender<(Digest, Round)>,
    ) -> Observer<R> {
        Observer { inner, chain, metrics, unknown }
    }
}

/// Fetches each notarized block the node did not verify from marshal (which has it, or asks
/// the peers for it) and hands it to [`Chain::follow`], in notarization order.
pub async fn follow_notarized<E: Spawner + Clock + Metrics>(
    context: E,
    chain: Arc<dyn Chain>,
    marshal: crate::wiring::MarshalMailbox,
    mut unknown: mpsc::Receiver<(Digest, Round)>,
) {
    use commonware_consensus::marshal::core::DigestFallback;
    while let Some((digest, round)) = unknown.next().await {
        let block = marshal.subscribe_by_digest(digest, DigestFallback::FetchByRound { round });
        let block = futures::select_biased! {
            block = futures::FutureExt::fuse(block) => block,
            _ = futures::FutureExt::fuse(context.sleep(FOLLOW_TIMEOUT)) => continue,
        };
        let Ok(block) = block else { continue };
        let chain = chain.clone();
        let block = block.inner().clone();
        let _ = blocking(context.child("follow"), move || chain.follow(&block)).await;
    }
}

/// How long a notarized block is waited for before it is skipped.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(10);

impl<R: Reporter<Activity = Activity<Scheme, Digest>>> Reporter for Observer<R> {
    type Activity = Activity<Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        match &activity {
            Activity::Notarization(notarization) => {
                let proposal = &notarization.proposal;
                self.metrics.set_view(proposal.round.view().get());
                if !self.chain.notarized(hash_of(&proposal.payload)) {
                    let _ = self.unknown.try_send((proposal.payload, proposal.round));
                }
            }
            Activity::Nullification(_) => self.metrics.on_nullification(),
            Activity::Finalization(finalization) => {
                self.metrics.set_view(finalization.proposal.round.view().get());
            }
            _ => {}
        }
        self.inner.report(activity)
    }
}

/// A finalized block delivered by marshal, and the acknowledgement it waits for.
type Delivery = Update<Block>;

/// Receives marshal's updates and hands them, in order, to the task that commits them.
#[derive(Clone)]
pub struct Finalizer {
    sender: mpsc::Sender<Delivery>,
}

/// How many delivered blocks may wait for their commit (marshal also bounds its pending
/// acknowledgements).
pub const FINALIZER_QUEUE: usize = 64;

impl Finalizer {
    /// A finalizer and the receiving end its commit task reads.
    pub fn new() -> (Finalizer, mpsc::Receiver<Delivery>) {
        let (sender, receiver) = mpsc::channel(FINALIZER_QUEUE);
        (Finalizer { sender }, receiver)
    }
}

impl Reporter for Finalizer {
    type Activity = Delivery;

    fn report(&mut self, activity: Delivery) -> Feedback {
        match self.sender.try_send(activity) {
            Ok(()) => Feedback::Ok,
            Err(e) if e.is_full() => {
                // Marshal bounds its unacknowledged blocks below the queue, so this means a
                // stalled commit task; the block stays unacknowledged and is delivered again.
                warn!("finalized-block queue is full");
                Feedback::Backoff
            }
            Err(_) => Feedback::Closed,
        }
    }
}

/// What the commit task works with.
pub struct Committer {
    /// The node.
    pub chain: Arc<dyn Chain>,
    /// Marshal (certificates by height).
    pub marshal: crate::wiring::MarshalMailbox,
    /// Figures.
    pub metrics: Arc<ConsensusMetrics>,
    /// Heights to epochs.
    pub epocher: FixedEpocher,
    /// Boundaries, to the epoch orchestrator.
    pub transitions: mpsc::Sender<Transition>,
}

/// Commits delivered blocks in order: each with its finalization certificate when marshal
/// holds one for its height, acknowledged only after the node committed it (so marshal
/// delivers it again after a crash in between). The last block of an epoch is acknowledged
/// only once the next epoch is entered (see [`crate::epochs`]).
pub async fn commit_finalized<E: Spawner + Clock + Metrics>(
    context: E,
    committer: Committer,
    mut deliveries: mpsc::Receiver<Delivery>,
) {
    let Committer { chain, marshal, metrics, epocher, mut transitions } = committer;
    while let Some(update) = deliveries.next().await {
        let (block, ack) = match update {
            Update::Tip(_, height, _) => {
                metrics.set_finalized_tip(height.get());
                continue;
            }
            Update::Block(block, ack) => (block, ack),
        };
        let height = commonware_consensus::Heightable::height(&block);
        let certificate = marshal.get_finalization(height).await.map(|f| commonware_codec::Encode::encode(&f).to_vec());
        let commit_chain = chain.clone();
        let inner = block.inner().clone();
        let committed = blocking(context.child("commit"), move || commit_chain.finalized(&inner, certificate)).await;
        if or_stop(committed, || format!("committing finalized block #{}", height.get())).is_none() {
            return;
        }
        debug!("committed finalized block #{}", height.get());
        metrics.set_finalized(height.get());
        if let Some(info) = epocher.containing(height).filter(|info| info.last() == height) {
            let read_chain = chain.clone();
            let inner = block.inner().clone();
            let read = blocking(context.child("validators"), move || read_chain.validators_after(&inner)).await;
            let Some(validators) = or_stop(read, || format!("reading the validator set after #{}", height.get()))
            else {
                return;
            };
            let validators = validators.unwrap_or_default();
            let (done, entered) = oneshot::channel();
            let transition = Transition { epoch: info.epoch().next(), validators, boundary: block.digest(), done };
            if transitions.send(transition).await.is_err() || entered.await.is_err() {
                // The orchestrator is gone (stopping): leave the block unacknowledged.
                return;
            }
        }
        ack.acknowledge();
    }
}

/// The value of a node call run on the blocking pool (`None`: the task itself failed), or
/// `None` after logging that `what` failed and consensus stops.
fn or_stop<T>(result: Option<Result<T, String>>, what: impl Fn() -> String) -> Option<T> {
    match result {
        Some(Ok(value)) => Some(value),
        Some(Err(e)) => {
            warn!("{} failed: {e}; consensus stops", what());
            None
        }
        None => {
            warn!("{}: its task failed; consensus stops", what());
            None
        }
    }
}
