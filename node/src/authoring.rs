//! The local block authoring engine: a single authority that builds a block on the tip
//! every interval (or, with instant seal, as soon as transactions wait), imports it, and
//! finalizes it a moment later ([`finality_delay`]): a single authority's blocks are final
//! by construction, but clients must be able to observe `inBlock` before `finalized`
//! (polkadot.js drops an `inBlock` update that a `finalized` one overtakes, and code that
//! waits for `isInBlock` would hang). It drives the client only through `build_block`,
//! `import_block` and `finalize`, the interface a BFT engine will use too.
//!
//! Production is pipelined over two threads: the *authoring* thread builds block n+1 while
//! the *committer* thread writes block n, then updates the pool, notifies subscribers and
//! finalizes. Block n is pending in the backend meanwhile, so n+1 is built on its state
//! (`Backend::set_pending`); the builder skips the transactions of the blocks still in
//! flight, which the pool forgets only when the committer reports them.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};
use tracing::{info, warn};

use accord_pallet_system as system;
use accord_primitives::H256;

use crate::client::{Client, ClientError, Proposal, TypedRead};
use crate::metrics::Metrics;
use crate::pool::{Pool, PoolTx};

/// How many pooled transactions are validated again after each block.
pub const REVALIDATE_PER_BLOCK: usize = 512;

/// How long the builder waits for the previous block's commit before giving up on a block.
const COMMIT_WAIT: Duration = Duration::from_secs(30);

/// When blocks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealMode {
    /// A block every interval, with or without transactions.
    Interval(Duration),
    /// A block as soon as transactions are ready; none otherwise.
    Instant,
}

/// Wakes the authoring loop (new transactions, shutdown).
#[derive(Default)]
pub struct Wake {
    pending: Mutex<bool>,
    cv: Condvar,
}

impl Wake {
    /// Signals the loop.
    pub fn notify(&self) {
        *self.pending.lock() = true;
        self.cv.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        let mut pending = self.pending.lock();
        if !*pending {
            self.cv.wait_for(&mut pending, timeout);
        }
        *pending = false;
    }
}

/// A running authoring loop.
pub struct Authoring {
    stop: Arc<AtomicBool>,
    wake: Arc<Wake>,
    thread: Option<JoinHandle<()>>,
}

impl Authoring {
    /// Starts the loop on its own thread.
    pub fn start(
        client: Arc<Client>,
        pool: Arc<Pool>,
        metrics: Arc<Metrics>,
        mode: SealMode,
        wake: Arc<Wake>,
    ) -> Authoring {
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = stop.clone();
        let thread_wake = wake.clone();
        let thread = std::thread::Builder::new()
            .name("authoring".into())
            .spawn(move || run(&client, &pool, &metrics, mode, &thread_stop, &thread_wake))
            .expect("spawning the authoring thread");
        Authoring { stop, wake, thread: Some(thread) }
    }

    /// Stops the loop after the block in progress, and waits for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// How long after its import a block is finalized: half the block time, at most 500 ms
/// (100 ms with instant seal).
pub fn finality_delay(mode: SealMode) -> Duration {
    match mode {
        SealMode::Interval(interval) => (interval / 2).min(Duration::from_millis(500)),
        SealMode::Instant => Duration::from_millis(100),
    }
}

/// A block imported but not yet finalized.
struct PendingFinality {
    due: Instant,
    hash: H256,
    included: Vec<H256>,
}

fn finalize_due(client: &Client, pool: &Pool, pending: &mut VecDeque<PendingFinality>, all: bool) {
    while pending.front().is_some_and(|p| all || p.due <= Instant::now()) {
        let p = pending.pop_front().expect("checked above");
        match client.finalize(p.hash, None) {
            Ok(()) => pool.on_finalized(p.hash, &p.included),
            Err(e) => warn!("finalizing {:?} failed: {e}", p.hash),
        }
    }
}

/// A block built and made pending, on its way to the committer.
struct Built {
    proposal: Proposal,
    changes: Arc<accord_support::Changes>,
    build_time: Duration,
    /// The block this one was built on, if it was pending: released by the committer (the
    /// last reference frees a whole block's changes and trie nodes, which takes a while).
    _parent: Option<Arc<crate::backend::Pending>>,
}

fn run(client: &Arc<Client>, pool: &Arc<Pool>, metrics: &Arc<Metrics>, mode: SealMode, stop: &AtomicBool, wake: &Wake) {
    // A single authority: whatever it committed before a restart is final.
    let best = client.backend().best();
    if client.backend().finalized().number < best.number {
        if let Err(e) = client.finalize(best.hash, None) {
            warn!("finalizing the best block at start failed: {e}");
        }
    }
    // One block queued while another is written: the builder never runs further ahead.
    let (to_committer, committed) = sync_channel::<Built>(1);
    let committer = {
        let (client, pool, metrics) = (client.clone(), pool.clone(), metrics.clone());
        let delay = finality_delay(mode);
        std::thread::Builder::new()
            .name("committer".into())
            .spawn(move || commit_loop(&client, &pool, &metrics, delay, committed))
            .expect("spawning the committer thread")
    };
    // Transactions of the last two blocks handed to the committer: the pool may still
    // list them as ready until the committer has reported their blocks.
    let mut in_flight: VecDeque<HashSet<H256>> = VecDeque::new();
    let mut next_slot = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        let budget = match mode {
            SealMode::Interval(interval) => {
                if now < next_slot {
                    wake.wait(next_slot - now);
                    continue;
                }
                next_slot = now + interval;
                interval / 2
            }
            SealMode::Instant => {
                if !pool.ready().iter().any(|tx| !in_flight.iter().any(|s| s.contains(&tx.hash))) {
                    wake.wait(Duration::from_millis(200));
                    continue;
                }
                Duration::from_secs(1)
            }
        };
        match build(client, pool, budget, &in_flight) {
            Ok(built) => {
                in_flight.push_back(built.proposal.included.iter().copied().collect());
                if in_flight.len() > 2 {
                    in_flight.pop_front();
                }
                if to_committer.send(built).is_err() {
                    warn!("the committer thread stopped; block production stops");
                    break;
                }
            }
            Err(e) => {
                warn!("block production failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    drop(to_committer);
    let _ = committer.join();
}

/// Builds a block on the tip from the pool's ready transactions (minus those in flight)
/// and makes it pending once the previous block is written.
fn build(
    client: &Client,
    pool: &Pool,
    budget: Duration,
    in_flight: &VecDeque<HashSet<H256>>,
) -> Result<Built, ClientError> {
    let started = Instant::now();
    let parent = client.backend().pending();
    let ready: Vec<Arc<PoolTx>> =
        pool.ready().into_iter().filter(|tx| !in_flight.iter().any(|s| s.contains(&tx.hash))).collect();
    let mut proposal = client.build_block(now_ms(), &ready, Instant::now() + budget)?;
    let build_time = started.elapsed();
    let changes = Arc::new(std::mem::take(&mut proposal.changes));
    client.backend().set_pending(&proposal.block.header, changes.clone(), COMMIT_WAIT)?;
    Ok(Built { proposal, changes, build_time, _parent: parent })
}

/// The committer: writes each built block, then tells the pool, and finalizes blocks when
/// they are due.
fn commit_loop(client: &Client, pool: &Pool, metrics: &Metrics, delay: Duration, blocks: Receiver<Built>) {
    let mut pending: VecDeque<PendingFinality> = VecDeque::new();
    loop {
        finalize_due(client, pool, &mut pending, false);
        let wait =
            pending.front().map_or(Duration::from_millis(500), |p| p.due.saturating_duration_since(Instant::now()));
        let built = match blocks.recv_timeout(wait) {
            Ok(built) => built,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match commit(client, pool, metrics, &built) {
            Ok(hash) => pending.push_back(PendingFinality {
                due: Instant::now() + delay,
                hash,
                included: built.proposal.included,
            }),
            Err(e) => warn!("block #{} could not be committed: {e}", built.proposal.block.header.number),
        }
    }
    finalize_due(client, pool, &mut pending, true);
}

/// Imports one built block, then updates the pool (included and invalid transactions gone,
/// a rotating part re-validated) and prints the status line.
fn commit(client: &Client, pool: &Pool, metrics: &Metrics, built: &Built) -> Result<H256, ClientError> {
    let started = Instant::now();
    let proposal = &built.proposal;
    let number = proposal.block.header.number;
    let extrinsics = proposal.block.extrinsics.len();
    let hash = client.import_block(&proposal.block, Some(&built.changes))?;
    let imported = started.elapsed();
    let backend = client.backend();
    let status = update_pool(client, pool, metrics, hash, number, &proposal.included, &proposal.invalid)?;
    info!(
        "best #{number} ({hash}), finalized #{}, txpool {} ready {} future, {} extrinsics (build {} ms, commit {} ms, pool {} ms)",
        backend.finalized().number,
        status.ready,
        status.future,
        extrinsics,
        built.build_time.as_millis(),
        imported.as_millis(),
        (started.elapsed() - imported).as_millis()
    );
    Ok(hash)
}

/// The pool after block `number` (`hash`) was committed: `included` leave it (`inBlock`),
/// `invalid` are dropped, the senders' nonces move on, and a rotating part of the pool is
/// validated again. Returns the pool's counts (also set in `metrics`).
pub(crate) fn update_pool(
    client: &Client,
    pool: &Pool,
    metrics: &Metrics,
    hash: H256,
    number: u32,
    included: &[H256],
    invalid: &[H256],
) -> Result<crate::pool::PoolStatus, ClientError> {
    let state = client.backend().state_at(number)?;
    pool.on_block(hash, number, included, invalid, |who| {
        state
            .as_ref()
            .and_then(|s| s.get_typed::<system::AccountInfo>(&system::ACCOUNT.key(who)))
            .map_or(0, |a| a.nonce)
    });
    if let Some(state) = &state {
        // Balances and nonces change with every block: check a rotating part of the pool again
        // (signatures were verified on entry and cannot change).
        let invalid: Vec<_> = pool
            .revalidation_batch(REVALIDATE_PER_BLOCK)
            .iter()
            .filter(|tx| {
                accord_runtime::validate_transaction_with(state, &tx.xt, hash, accord_runtime::Signatures::Verified)
                    .is_err()
            })
            .map(|tx| tx.hash)
            .collect();
        pool.remove_invalid(&invalid);
    }
    let status = pool.status();
    metrics.set_pool(status.ready, status.future);
    Ok(status)
}
