//! The local block authoring engine: a single authority that builds a block on the best
//! block every interval (or, with instant seal, as soon as transactions wait), imports it
//! and finalizes it at once. It drives the client only through `build_block`,
//! `import_block` and `finalize`, the interface a BFT engine will use too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};
use tracing::{info, warn};

use accord_pallet_system as system;

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
    pub fn start(client: Arc<Client>, pool: Arc<Pool>, metrics: Arc<Metrics>, mode: SealMode, wake: Arc<Wake>) -> Authoring {
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

fn run(client: &Client, pool: &Pool, metrics: &Metrics, mode: SealMode, stop: &AtomicBool, wake: &Wake) {
    let mut next_slot = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let budget = match mode {
            SealMode::Interval(interval) => {
                let now = Instant::now();
                if now < next_slot {
                    wake.wait(next_slot - now);
                    continue;
                }
                next_slot = now + interval;
                interval / 2
            }
            SealMode::Instant => {
                if pool.ready().is_empty() {
                    wake.wait(Duration::from_millis(200));
                    continue;
                }
                Duration::from_secs(1)
            }
        };
        if let Err(e) = produce(client, pool, metrics, budget) {
            warn!("block production failed: {e}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Builds, imports and finalizes one block with the pool's ready transactions.
pub fn produce(client: &Client, pool: &Pool, metrics: &Metrics, budget: Duration) -> Result<(), crate::client::ClientError> {
    let ready = pool.ready();
    let proposal = client.build_block(now_ms(), &ready, Instant::now() + budget)?;
    let number = proposal.block.header.number;
    let extrinsics = proposal.block.extrinsics.len();
    let hash = client.import_block(&proposal.block, Some(proposal.changes))?;
    client.finalize(hash, None)?;
    let backend = client.backend();
    let state = backend.state_at(number)?;
    pool.on_block(hash, number, &proposal.included, &proposal.invalid, |who| {
        state
            .as_ref()
            .and_then(|s| s.get_typed::<system::AccountInfo>(&system::ACCOUNT.key(who)))
            .map_or(0, |a| a.nonce)
    });
    if let Some(state) = &state {
        // Balances and nonces change with every block: check a rotating part of the pool again.
        let invalid: Vec<_> = pool
            .revalidation_batch(REVALIDATE_PER_BLOCK)
            .iter()
            .filter(|tx| accord_runtime::validate_transaction(state, &tx.xt, hash).is_err())
            .map(|tx| tx.hash)
            .collect();
        pool.remove_invalid(&invalid);
    }
    let status = pool.status();
    metrics.set_pool(status.ready, status.future);
    info!(
        "best #{number} ({hash}), finalized #{number}, txpool {} ready {} future, {} extrinsics",
        status.ready, status.future, extrinsics
    );
    Ok(())
}
