//! The local block authoring engine: a single authority that builds a block on the best
//! block every interval (or, with instant seal, as soon as transactions wait), imports it,
//! and finalizes it a moment later ([`finality_delay`]): a single authority's blocks are
//! final by construction, but clients must be able to observe `inBlock` before `finalized`
//! (polkadot.js drops an `inBlock` update that a `finalized` one overtakes, and code that
//! waits for `isInBlock` would hang). It drives the client only through `build_block`,
//! `import_block` and `finalize`, the interface a BFT engine will use too.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};
use tracing::{info, warn};

use accord_pallet_system as system;
use accord_primitives::H256;

use crate::client::{Client, TypedRead};
use crate::metrics::Metrics;
use crate::pool::Pool;

/// How many pooled transactions are validated again after each block.
pub const REVALIDATE_PER_BLOCK: usize = 512;

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

fn run(client: &Client, pool: &Pool, metrics: &Metrics, mode: SealMode, stop: &AtomicBool, wake: &Wake) {
    // A single authority: whatever it committed before a restart is final.
    let best = client.backend().best();
    if client.backend().finalized().number < best.number {
        if let Err(e) = client.finalize(best.hash, None) {
            warn!("finalizing the best block at start failed: {e}");
        }
    }
    let delay = finality_delay(mode);
    let mut pending: VecDeque<PendingFinality> = VecDeque::new();
    let mut next_slot = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        finalize_due(client, pool, &mut pending, false);
        let now = Instant::now();
        let finality_wait = pending.front().map(|p| p.due.saturating_duration_since(now));
        let budget = match mode {
            SealMode::Interval(interval) => {
                if now < next_slot {
                    let wait = finality_wait.map_or(next_slot - now, |f| f.min(next_slot - now));
                    wake.wait(wait);
                    continue;
                }
                next_slot = now + interval;
                interval / 2
            }
            SealMode::Instant => {
                if pool.ready().is_empty() {
                    wake.wait(finality_wait.unwrap_or(Duration::from_millis(200)).min(Duration::from_millis(200)));
                    continue;
                }
                Duration::from_secs(1)
            }
        };
        match produce(client, pool, metrics, budget) {
            Ok((hash, included)) => pending.push_back(PendingFinality { due: Instant::now() + delay, hash, included }),
            Err(e) => {
                warn!("block production failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    finalize_due(client, pool, &mut pending, true);
}

/// Builds and imports one block with the pool's ready transactions. Returns its hash and
/// the pool transactions it included; finalizing it is the caller's next step.
pub fn produce(
    client: &Client,
    pool: &Pool,
    metrics: &Metrics,
    budget: Duration,
) -> Result<(H256, Vec<H256>), crate::client::ClientError> {
    let started = Instant::now();
    let ready = pool.ready();
    let proposal = client.build_block(now_ms(), &ready, Instant::now() + budget)?;
    let built = started.elapsed();
    let number = proposal.block.header.number;
    let extrinsics = proposal.block.extrinsics.len();
    let hash = client.import_block(&proposal.block, Some(proposal.changes))?;
    let imported = started.elapsed();
    let backend = client.backend();
    let state = backend.state_at(number)?;
    pool.on_block(hash, number, &proposal.included, &proposal.invalid, |who| {
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
    info!(
        "best #{number} ({hash}), finalized #{}, txpool {} ready {} future, {} extrinsics (build {} ms, commit {} ms, pool {} ms)",
        backend.finalized().number,
        status.ready,
        status.future,
        extrinsics,
        built.as_millis(),
        (imported - built).as_millis(),
        (started.elapsed() - imported).as_millis()
    );
    Ok((hash, proposal.included))
}
