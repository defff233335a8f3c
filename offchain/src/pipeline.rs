//! The consumer pipeline:
//!
//! ```text
//! gateway thread ──oplog_getLogs (finalized, from the cursor, in batches)──▶ bounded queue
//!   (blocks when the queue is full: back-pressure)
//! dispatcher (this thread) ◀── queue: takes what is there (up to a batch), hands each entry
//!   to every matching subscription, commits data + cursor in one SQL transaction
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::core::client::{ClientT, Subscription as PushSubscription, SubscriptionClientT};
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde_json::Value;
use tracing::{info, warn};

use crate::config::{Config, Mode};
use crate::entry::{Entry, Subscription};
use crate::sink;

/// Why the consumer stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A subscription is malformed.
    #[error("invalid subscription: {0}")]
    Subscription(String),
    /// The database failed.
    #[error(transparent)]
    Sink(#[from] crate::sink::SinkError),
    /// The node could not be reached or answered nonsense.
    #[error("node {url}: {message}")]
    Node {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// Totals, for the progress line and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The next index to process.
    pub cursor: u64,
    /// Entries applied.
    pub applied: u64,
    /// Entries that matched no subscription.
    pub unmatched: u64,
    /// Continuity breaks recorded.
    pub breaks: u64,
    /// The most entries the queue held at once (never above its capacity).
    pub queue_depth_max: u64,
}

/// The queue's current depth, counted on both ends (the channel does not expose it).
#[derive(Default)]
struct Depth {
    now: AtomicU64,
    max: AtomicU64,
}

impl Depth {
    fn pushed(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn popped(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The chain's side of the lag, as the gateway last saw it.
#[derive(Default)]
struct Head {
    next_index: AtomicU64,
    finalized_block: AtomicU64,
}

async fn fetch(client: &HttpClient, from: u64, limit: u32, seen: &Head) -> Result<(Vec<Entry>, u64), String> {
    let head: Value = client.request("oplog_head", rpc_params![]).await.map_err(|e| e.to_string())?;
    let next = head["nextIndex"].as_u64().ok_or("oplog_head without nextIndex")?;
    seen.next_index.store(next, Ordering::SeqCst);
    seen.finalized_block.store(head["finalizedBlock"].as_u64().unwrap_or(0), Ordering::SeqCst);
    let lowest = head["lowestRetained"].as_u64().ok_or("oplog_head without lowestRetained")?;
    if from < lowest {
        return Err(format!("entries {from}..{lowest} were pruned before this consumer processed them"));
    }
    if from >= next {
        return Ok((Vec::new(), next));
    }
    let logs: Value = client.request("oplog_getLogs", rpc_params![from, limit]).await.map_err(|e| e.to_string())?;
    let entries: Result<Vec<Entry>, String> =
        logs.as_array().ok_or("oplog_getLogs did not return an array")?.iter().map(Entry::from_json).collect();
    let entries = entries?;
    // Entries must continue the cursor without a gap.
    for (i, e) in entries.iter().enumerate() {
        if e.index != from + i as u64 {
            return Err(format!("gap in the log: expected index {}, got {}", from + i as u64, e.index));
        }
    }
    Ok((entries, next))
}

/// A WebSocket connection and its push subscription (the client must outlive it).
type Push = (WsClient, PushSubscription<Value>);

/// Subscribe mode: waits up to `fallback` for the node to push an entry of a newly
/// finalized block (`oplog_subscribeLogs`). The push only wakes the gateway, which then
/// fetches from its cursor, so order and gap-freedom never depend on the push stream; a lost
/// connection is re-established on the next wait, and polling covers the meantime.
fn wait_for_push(runtime: &tokio::runtime::Runtime, push: &mut Option<Push>, ws_url: &str, fallback: Duration) {
    if push.is_none() {
        let subscribed = runtime.block_on(async {
            let client = WsClientBuilder::default().build(ws_url).await.map_err(|e| e.to_string())?;
            let sub = client
                .subscribe::<Value, _>("oplog_subscribeLogs", rpc_params![], "oplog_unsubscribeLogs")
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((client, sub))
        });
        match subscribed {
            Ok(sub) => *push = Some(sub),
            Err(e) => {
                warn!("subscribing to {ws_url} failed, polling instead: {e}");
                std::thread::sleep(fallback);
                return;
            }
        }
    }
    let (_client, sub) = push.as_mut().expect("set above");
    match runtime.block_on(async { tokio::time::timeout(fallback, sub.next()).await }) {
        Ok(Some(Ok(_))) | Err(_) => {}
        Ok(Some(Err(_))) | Ok(None) => *push = None,
    }
}

/// The gateway: fetches finalized entries in order from `cursor` into `queue` until `stop`;
/// with a configured consumer, registers it and acknowledges `processed` periodically.
fn gateway(
    config: Config,
    mut cursor: u64,
    queue: SyncSender<Entry>,
    stop: Arc<AtomicBool>,
    processed: Arc<AtomicU64>,
    seen: Arc<Head>,
    depth: Arc<Depth>,
) -> Result<(), ConsumerError> {
    let node_err = |message: String| ConsumerError::Node { url: config.node_url.clone(), message };
    // One worker keeps the WebSocket client's task running while this thread blocks on the
    // queue.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| node_err(e.to_string()))?;
    let client = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(30))
        .build(&config.node_url)
        .map_err(|e| node_err(e.to_string()))?;
    let idle = Duration::from_millis(config.poll_interval_ms);
    let ws_url = config.node_url.replacen("http", "ws", 1);
    let mut push: Option<Push> = None;
    let mut acknowledger = match &config.consumer {
        Some(c) => Some(crate::ack::Acknowledger::new(c).map_err(node_err)?),
        None => None,
    };
    let ack_interval = Duration::from_millis(config.consumer.as_ref().map_or(u64::MAX / 4, |c| c.ack_interval_ms));
    let mut last_ack = Instant::now();
    if let Some(ack) = acknowledger.as_mut() {
        if let Err(e) = runtime.block_on(ack.register(&client, cursor)) {
            warn!("registering the consumer on chain failed (it will not be acknowledged): {e}");
            acknowledger = None;
        }
    }
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        if let Some(ack) = acknowledger.as_mut() {
            if last_ack.elapsed() >= ack_interval {
                last_ack = Instant::now();
                if let Err(e) = runtime.block_on(ack.acknowledge(&client, processed.load(Ordering::SeqCst))) {
                    warn!("acknowledging on chain failed: {e}");
                }
            }
        }
        match runtime.block_on(fetch(&client, cursor, config.batch_size, &seen)) {
            Ok((entries, next)) => {
                failures = 0;
                let caught_up = entries.is_empty() || cursor + entries.len() as u64 >= next;
                for e in entries {
                    cursor = e.index + 1;
                    // Counted before the send so the count is an upper bound of the depth;
                    // the send blocks while the queue is full: the dispatcher sets the pace.
                    depth.pushed();
                    if queue.send(e).is_err() {
                        return Ok(());
                    }
                }
                if caught_up {
                    match config.mode {
                        Mode::Poll => std::thread::sleep(idle),
                        Mode::Subscribe => wait_for_push(&runtime, &mut push, &ws_url, idle),
                    }
                }
            }
            Err(message) if message.contains("pruned") => return Err(node_err(message)),
            Err(message) => {
                failures += 1;
                warn!("fetching from {} failed ({failures} in a row): {message}", config.node_url);
                if failures >= 30 {
                    return Err(node_err(message));
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
    Ok(())
}

/// Runs the consumer until `stop` is set or an error occurs. `progress` is called after
/// every committed batch.
pub fn run(config: Config, stop: Arc<AtomicBool>, progress: impl FnMut(Progress)) -> Result<Progress, ConsumerError> {
    let sink = sink::open(&config.database)?;
    run_with_sink(config, sink, stop, progress)
}

/// As [`run`], into a given sink (ignoring the configured database).
pub fn run_with_sink(
    config: Config,
    mut sink: Box<dyn sink::Sink>,
    stop: Arc<AtomicBool>,
    mut progress: impl FnMut(Progress),
) -> Result<Progress, ConsumerError> {
    let subs: Vec<Subscription> = config
        .subscriptions
        .iter()
        .map(Subscription::from_config)
        .collect::<Result<_, _>>()
        .map_err(ConsumerError::Subscription)?;
    let mut totals = Progress { cursor: sink.cursor()?, ..Default::default() };
    let metrics = Arc::new(crate::metrics::Metrics::default());
    metrics.cursor.store(totals.cursor, Ordering::SeqCst);
    if let Some(port) = config.metrics_port {
        let bound = crate::metrics::serve(port, metrics.clone()).map_err(|e| ConsumerError::Node {
            url: format!("127.0.0.1:{port}"),
            message: format!("metrics endpoint: {e}"),
        })?;
        info!("Prometheus metrics: http://127.0.0.1:{bound}/metrics");
    }
    info!("consumer starting at index {}", totals.cursor);
    let (tx, rx): (SyncSender<Entry>, Receiver<Entry>) = sync_channel(config.queue_capacity);
    let gateway_stop = stop.clone();
    let gateway_config = config.clone();
    let start = totals.cursor;
    let processed = Arc::new(AtomicU64::new(start));
    let gateway_processed = processed.clone();
    let seen = Arc::new(Head::default());
    let gateway_seen = seen.clone();
    let depth = Arc::new(Depth::default());
    let gateway_depth = depth.clone();
    let gateway = std::thread::Builder::new()
        .name("gateway".into())
        .spawn(move || gateway(gateway_config, start, tx, gateway_stop, gateway_processed, gateway_seen, gateway_depth))
        .map_err(|e| ConsumerError::Node { url: config.node_url.clone(), message: e.to_string() })?;
    let batch_max = config.batch_size as usize;
    let mut last_report = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let first = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(e) => {
                depth.popped();
                e
            }
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = vec![first];
        while batch.len() < batch_max {
            match rx.try_recv() {
                Ok(e) => {
                    depth.popped();
                    batch.push(e)
                }
                Err(_) => break,
            }
        }
        let outcome = sink.apply_batch(&batch, &subs)?;
        totals.cursor = batch.last().map_or(totals.cursor, |e| e.index + 1);
        totals.applied += outcome.applied;
        totals.unmatched += outcome.unmatched;
        totals.breaks += outcome.breaks;
        processed.store(totals.cursor, Ordering::SeqCst);
        totals.queue_depth_max = depth.max.load(Ordering::SeqCst);
        metrics.cursor.store(totals.cursor, Ordering::SeqCst);
        metrics.head.store(seen.next_index.load(Ordering::SeqCst), Ordering::SeqCst);
        metrics.applied.store(totals.applied, Ordering::SeqCst);
        metrics.unmatched.store(totals.unmatched, Ordering::SeqCst);
        metrics.breaks.store(totals.breaks, Ordering::SeqCst);
        metrics.queue_depth_max.store(totals.queue_depth_max, Ordering::SeqCst);
        let last_block = batch.last().map_or(0, |e| e.block as u64);
        if outcome.breaks > 0 {
            warn!("{} continuity break(s) recorded in accord_breaks", outcome.breaks);
        }
        progress(totals);
        if last_report.elapsed() >= Duration::from_secs(5) {
            let lag_entries = seen.next_index.load(Ordering::SeqCst).saturating_sub(totals.cursor);
            // Caught up means no lag, however long ago the last entry was written.
            let lag_blocks = if lag_entries == 0 {
                0
            } else {
                seen.finalized_block.load(Ordering::SeqCst).saturating_sub(last_block)
            };
            info!(
                "oplog cursor {} (lag {lag_entries} entries, {lag_blocks} blocks): {} applied, {} unmatched, {} breaks",
                totals.cursor, totals.applied, totals.unmatched, totals.breaks
            );
            last_report = Instant::now();
        }
    }
    stop.store(true, Ordering::SeqCst);
    drop(rx);
    match gateway.join() {
        Ok(result) => result?,
        Err(_) => {
            return Err(ConsumerError::Node {
                url: config.node_url.clone(),
                message: "the gateway thread panicked".into(),
            })
        }
    }
    Ok(totals)
}
