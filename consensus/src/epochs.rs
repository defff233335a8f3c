//! Validator-set changes at epoch boundaries.
//!
//! Epoch `e` spans heights `e·L .. (e+1)·L` for the chain's epoch length `L` (Commonware's
//! `FixedEpocher`; epoch 0 includes genesis). The validator set of epoch 0 is the chain
//! spec's; the set of epoch `e+1` is the one the state of block `(e+1)·L − 1`, the last of
//! epoch `e`, names (the node reads `Validators.Validators` there, [`crate::Chain::validators_after`]).
//! An empty or unusable list keeps the set of epoch `e`.
//!
//! Each epoch runs its own simplex engine: its own journal (partition `simplex-epoch-<e>`),
//! its own sub-channel of the votes, certificates and fetch channels (keyed by the epoch),
//! and the boundary block as its genesis. Marshal checks a finalization against the set of
//! the finalization's epoch ([`EpochProvider`]), and knows no set of an epoch the node has not
//! reached, so a certificate of a later epoch is ignored until the node gets there.
//!
//! At a boundary, in this order:
//! 1. the commit task commits the boundary block and reads the next set from its state;
//! 2. the [`orchestrate`] task stores the set (only when it changed: [`EpochStore`]), makes it
//!    known, tells the network whom to connect to, starts the next epoch's engine and stops
//!    the previous one;
//! 3. only then is the boundary block acknowledged to marshal.
//!
//! A crash before 3 makes marshal deliver the boundary block again after the restart, so the
//! transition runs again; after 3 the stored set is there. On start the current epoch is the
//! one holding the block after marshal's processed height.
//!
//! A node whose engine is in an older epoch than its peers (it was offline) sees their
//! traffic on sub-channels it has not opened; it asks marshal for the finalization of its
//! own epoch's last block from the sender, which walks it to the boundary, and so on.

use std::collections::BTreeMap;
use std::sync::Arc;

use commonware_codec::RangeCfg;
use commonware_consensus::simplex::scheme::ed25519::Scheme;
use commonware_consensus::types::{Epoch, Epocher, FixedEpocher};
use commonware_cryptography::certificate::{Provider, Scheme as _, Scoped};
use commonware_cryptography::{ed25519, Signer as _};
use commonware_p2p::utils::mux::{Builder as _, MuxHandle, Muxer, SubReceiver, SubSender};
use commonware_p2p::{Receiver, Sender};
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::metadata::{self, Metadata};
use commonware_utils::ordered::Set;
use commonware_utils::sequence::U64;
use commonware_utils::vec::NonEmptyVec;
use futures::channel::{mpsc, oneshot};
use futures::{FutureExt as _, StreamExt as _};
use parking_lot::RwLock;
use tracing::{info, warn};

use crate::block::Digest;
use crate::metrics::ConsensusMetrics;
use crate::wiring::MarshalMailbox;

/// The most validators an epoch may have (the chain spec's and the pallet's bound).
pub const VALIDATORS_MAX: usize = 64;

/// The validator set of each epoch the node has reached, as marshal's certificate provider.
/// Cheap to clone (shared).
#[derive(Clone)]
pub struct EpochProvider {
    inner: Arc<RwLock<ProviderState>>,
    namespace: Arc<Vec<u8>>,
    signer: Option<ed25519::PrivateKey>,
}

struct ProviderState {
    /// The set from each epoch on which it changed.
    changes: BTreeMap<u64, Arc<Scheme>>,
    /// The latest epoch reached: later ones have no set yet.
    current: u64,
}

impl EpochProvider {
    /// A provider whose epoch 0 has `genesis`; `signer` signs in the epochs whose set has
    /// its key (none: this node never votes).
    pub fn new(namespace: &[u8], genesis: Set<ed25519::PublicKey>, signer: Option<ed25519::PrivateKey>) -> Self {
        let provider = EpochProvider {
            inner: Arc::new(RwLock::new(ProviderState { changes: BTreeMap::new(), current: 0 })),
            namespace: Arc::new(namespace.to_vec()),
            signer,
        };
        provider.insert(0, genesis);
        provider
    }

    fn scheme_for(&self, validators: Set<ed25519::PublicKey>) -> Scheme {
        self.signer
            .as_ref()
            .and_then(|key| Scheme::signer(&self.namespace, validators.clone(), key.clone()))
            .unwrap_or_else(|| Scheme::verifier(&self.namespace, validators))
    }

    /// Records that the set changes to `validators` at `epoch`.
    fn insert(&self, epoch: u64, validators: Set<ed25519::PublicKey>) {
        let scheme = Arc::new(self.scheme_for(validators));
        self.inner.write().changes.insert(epoch, scheme);
    }

    /// Makes the sets up to `epoch` known.
    pub(crate) fn reach(&self, epoch: u64) {
        let mut state = self.inner.write();
        state.current = state.current.max(epoch);
    }

    /// The latest epoch the node reached.
    pub fn current(&self) -> u64 {
        self.inner.read().current
    }

    fn scheme_at(&self, epoch: u64) -> Option<Arc<Scheme>> {
        let state = self.inner.read();
        if epoch > state.current {
            return None;
        }
        state.changes.range(..=epoch).next_back().map(|(_, scheme)| scheme.clone())
    }

    /// The validators of `epoch`, in consensus order; `None` for an epoch not reached.
    pub fn validators(&self, epoch: u64) -> Option<Vec<ed25519::PublicKey>> {
        self.scheme_at(epoch).map(|scheme| scheme.participants().iter().cloned().collect())
    }

    /// Whether this node signs in `epoch`.
    pub fn signs_in(&self, epoch: u64) -> bool {
        let me = self.signer.as_ref().map(|k| k.public_key());
        self.scheme_at(epoch).is_some_and(|s| me.is_some_and(|me| s.participants().position(&me).is_some()))
    }
}

impl Provider for EpochProvider {
    type Scope = Epoch;
    type Scheme = Scheme;

    fn scoped(&self, epoch: Epoch) -> Option<Scoped<Scheme>> {
        // Every set is served as a scheme (a verifier for epochs this node does not sign
        // in): marshal needs the participants to check notarized payloads too.
        self.scheme_at(epoch.get()).map(Scoped::scheme)
    }
}

/// The sets of the epochs at which the set changed, stored under the engine's storage
/// (Commonware metadata: a crash leaves the previous or the new version, never a mix).
pub struct EpochStore<E: Storage + Clock + Metrics> {
    metadata: Option<Metadata<E, U64, Vec<ed25519::PublicKey>>>,
}

impl<E: Storage + Clock + Metrics> EpochStore<E> {
    /// Opens the store in `partition` and hands every stored change to `provider`.
    pub async fn open(context: E, partition: String, provider: &EpochProvider) -> Self {
        let config = metadata::Config { partition, codec_config: (RangeCfg::from(1..=VALIDATORS_MAX), ()) };
        let metadata: Metadata<E, U64, Vec<ed25519::PublicKey>> =
            Metadata::init(context, config).await.unwrap_or_else(|e| panic!("opening the validator-set store: {e}"));
        for key in metadata.keys() {
            let epoch = u64::from_be_bytes(key.as_ref().try_into().expect("a u64 key"));
            let validators = metadata.get(key).expect("a listed key").clone();
            if let Ok(set) = Set::try_from(validators) {
                provider.insert(epoch, set);
            }
        }
        EpochStore { metadata: Some(metadata) }
    }

    /// Stores that the set changes to `validators` at `epoch` (durably, before returning).
    async fn store(&mut self, epoch: u64, validators: &Set<ed25519::PublicKey>) {
        let metadata = self.metadata.take().expect("the store is open");
        let stored = metadata
            .put_sync(U64::new(epoch), validators.iter().cloned().collect())
            .await
            .unwrap_or_else(|e| panic!("storing the validator set of epoch {epoch}: {e}"));
        self.metadata = Some(stored);
    }
}

/// What the commit task hands over at a boundary: the block `boundary` (the last of
/// `epoch − 1`) is committed and its state names `validators` (raw keys).
pub struct Transition {
    /// The epoch to enter.
    pub epoch: Epoch,
    /// The keys the boundary block's state names.
    pub validators: Vec<[u8; 32]>,
    /// The boundary block: the new epoch's genesis.
    pub boundary: Digest,
    /// Answered once the epoch is entered (the boundary block may then be acknowledged).
    pub done: oneshot::Sender<()>,
}

/// The set `keys` names, or `None` if it names none usable (bad keys are skipped).
pub fn validator_set(keys: &[[u8; 32]]) -> Option<Set<ed25519::PublicKey>> {
    let mut publics = Vec::with_capacity(keys.len());
    for key in keys.iter().take(VALIDATORS_MAX) {
        match ed25519::PublicKey::try_from(&key[..]) {
            Ok(public) if !publics.contains(&public) => publics.push(public),
            Ok(_) => {}
            Err(_) => warn!("validator key 0x{} is not an ed25519 public key: skipped", hex::encode(key)),
        }
    }
    if publics.is_empty() {
        return None;
    }
    Set::try_from(publics).ok()
}

/// The epoch of the block after `processed` (marshal's processed height): where a
/// (re)started node is.
pub fn current_epoch(epocher: &FixedEpocher, processed: u64) -> Epoch {
    let next = commonware_consensus::types::Height::new(processed.saturating_add(1));
    epocher.containing(next).map_or(Epoch::zero(), |info| info.epoch())
}

/// A sub-channel pair of an epoch.
pub type SubChannel<S> = (SubSender<S>, SubReceiver<ed25519::PublicKey>);

/// Starts the simplex engine of an epoch: `(epoch, its genesis block, its scheme, votes,
/// certificates, fetch)`.
pub trait EngineStarter<S: Sender<PublicKey = ed25519::PublicKey>>: Send + 'static {
    /// Starts it and returns its task.
    fn start(
        &mut self,
        epoch: Epoch,
        floor: Digest,
        scheme: Scheme,
        channels: (SubChannel<S>, SubChannel<S>, SubChannel<S>),
    ) -> Handle<()>;

    /// The storage partition of an epoch's engine (its vote journal).
    fn partition(&self, epoch: Epoch) -> String;
}

/// How many epochs before the current one keep their vote journal. The previous one is
/// needed: a crash before its last block is acknowledged restarts the node in it, where it
/// must not vote against its journal. One more is kept for safety margin; older ones are
/// removed (they would otherwise pile up, one per epoch).
pub const JOURNALS_KEPT: u64 = 2;

/// Tells the network the peers of an epoch's validator set.
pub type PeerTracker = Box<dyn FnMut(Epoch, &Set<ed25519::PublicKey>) + Send>;

/// What [`orchestrate`] needs.
pub struct Orchestration<E: Storage + Clock + Metrics, F> {
    /// The sets.
    pub provider: EpochProvider,
    /// Where changes are stored.
    pub store: EpochStore<E>,
    /// Heights to epochs.
    pub epocher: FixedEpocher,
    /// The epoch to start in and its genesis block.
    pub start: (Epoch, Digest),
    /// Starts an epoch's engine.
    pub starter: F,
    /// Tells the network whom to connect to.
    pub tracker: PeerTracker,
    /// Boundaries from the commit task.
    pub transitions: mpsc::Receiver<Transition>,
    /// Marshal (hints for a node left behind).
    pub marshal: MarshalMailbox,
    /// Figures.
    pub metrics: Arc<ConsensusMetrics>,
}

struct Active {
    epoch: Epoch,
    handle: Handle<()>,
}

impl Drop for Active {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Runs one simplex engine per epoch over sub-channels of `votes`, `certs` and `fetch`,
/// moving to the next epoch at each boundary the commit task reports.
pub async fn orchestrate<E, S, R, F>(
    context: E,
    votes: (S, R),
    certs: (S, R),
    fetch: (S, R),
    mut parts: Orchestration<E, F>,
) where
    E: Spawner + Storage + Clock + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
    F: EngineStarter<S>,
{
    let (mux, mut votes, mut vote_backup) =
        Muxer::builder(context.child("votes_mux"), votes.0, votes.1).with_backup().build();
    mux.start();
    let (mux, mut certs, mut cert_backup) =
        Muxer::builder(context.child("certs_mux"), certs.0, certs.1).with_backup().build();
    mux.start();
    let (mux, mut fetch) = Muxer::new(context.child("fetch_mux"), fetch.0, fetch.1);
    mux.start();

    let (epoch, floor) = parts.start;
    let Some(mut active) = enter(&mut parts, epoch, floor, (&mut votes, &mut certs, &mut fetch)).await else {
        return;
    };
    remove_journals(&context, old_journals(&parts.starter, epoch)).await;
    loop {
        futures::select_biased! {
            transition = parts.transitions.next() => {
                let Some(transition) = transition else { return };
                if transition.epoch <= active.epoch {
                    let _ = transition.done.send(());
                    continue;
                }
                let previous = parts.provider.validators(active.epoch.get()).unwrap_or_default();
                let next = validator_set(&transition.validators).unwrap_or_else(|| {
                    warn!("the boundary block names no usable validator: epoch {} keeps the set", transition.epoch);
                    Set::try_from(previous.clone()).expect("a known set")
                });
                let epoch = transition.epoch.get();
                if next.iter().cloned().collect::<Vec<_>>() != previous {
                    parts.store.store(epoch, &next).await;
                    parts.provider.insert(epoch, next.clone());
                    info!("epoch {epoch}: the validator set changes to {} validators", next.len());
                }
                let Some(next_active) =
                    enter(&mut parts, transition.epoch, transition.boundary, (&mut votes, &mut certs, &mut fetch)).await
                else {
                    return;
                };
                // Dropping the previous epoch's engine stops it.
                active = next_active;
                let _ = transition.done.send(());
                remove_journals(&context, old_journals(&parts.starter, transition.epoch)).await;
            },
            message = vote_backup.recv().fuse() => {
                let Some((their_epoch, (from, _))) = message else { return };
                hint(&parts, active.epoch, their_epoch, from);
            },
            message = cert_backup.recv().fuse() => {
                let Some((their_epoch, (from, _))) = message else { return };
                hint(&parts, active.epoch, their_epoch, from);
            },
        }
    }
}

/// How many epochs below the kept ones are looked at for a journal to remove: a crash
/// between a transition and its removal leaves one behind, which the next removal takes.
const JOURNALS_SWEPT: u64 = 8;

/// The vote journals of the epochs before `current` beyond [`JOURNALS_KEPT`] to remove.
fn old_journals<S, F>(starter: &F, current: Epoch) -> Vec<String>
where
    S: Sender<PublicKey = ed25519::PublicKey>,
    F: EngineStarter<S>,
{
    let Some(newest) = current.get().checked_sub(JOURNALS_KEPT + 1) else { return Vec::new() };
    (newest.saturating_sub(JOURNALS_SWEPT)..=newest).map(|old| starter.partition(Epoch::new(old))).collect()
}

/// Removes `partitions` (vote journals), those already gone aside.
async fn remove_journals<E: Storage>(context: &E, partitions: Vec<String>) {
    for partition in partitions {
        if let Err(e) = context.remove(&partition, None).await {
            if !matches!(e, commonware_runtime::Error::PartitionMissing(_)) {
                warn!("cannot remove the vote journal {partition}: {e}");
            }
        }
    }
}

/// Traffic of a later epoch than ours: the sender has passed our epoch's last block, so ask
/// it for that block's finalization.
fn hint<E: Storage + Clock + Metrics, F>(
    parts: &Orchestration<E, F>,
    ours: Epoch,
    theirs: u64,
    from: ed25519::PublicKey,
) {
    if theirs <= ours.get() {
        return;
    }
    if let Some(last) = parts.epocher.last(ours) {
        parts.marshal.hint_finalized(last, NonEmptyVec::new(from));
    }
}

/// Starts `epoch`'s engine on its sub-channels, with `floor` as its genesis.
async fn enter<E, S, F>(
    parts: &mut Orchestration<E, F>,
    epoch: Epoch,
    floor: Digest,
    (votes, certs, fetch): (&mut MuxHandle<S>, &mut MuxHandle<S>, &mut MuxHandle<S>),
) -> Option<Active>
where
    E: Storage + Clock + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    F: EngineStarter<S>,
{
    parts.provider.reach(epoch.get());
    let scheme = parts.provider.scheme_at(epoch.get()).expect("a reached epoch has a set");
    (parts.tracker)(epoch, scheme.participants());
    let votes = votes.register(epoch.get()).await.ok()?;
    let certs = certs.register(epoch.get()).await.ok()?;
    let fetch = fetch.register(epoch.get()).await.ok()?;
    let signs = parts.provider.signs_in(epoch.get());
    let handle = parts.starter.start(epoch, floor, scheme.as_ref().clone(), (votes, certs, fetch));
    parts.metrics.set_epoch(epoch.get(), scheme.participants().len() as u64);
    info!(
        "entered epoch {}: {} validators, this node {}",
        epoch.get(),
        scheme.participants().len(),
        if signs { "votes" } else { "follows" }
    );
    Some(Active { epoch, handle })
}
