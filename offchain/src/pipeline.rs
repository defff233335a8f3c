//! The consumer pipeline:
//!
//! ```text
//! gateway thread ──oplog_getLogs (finalized, from the cursor, in batches)──▶ bounded queue
//!   (blocks when the queue is full: back-pressure)
//! dispatcher (this thread) ◀── queue: takes what is there (up to a batch), hands each entry
//!   to every matching subscription, commits data + cursor in one SQL transaction
//! ```
//!
//! With a `[consumer]` configured, the gateway also keeps the consumer registered and
//! acknowledged on chain (`ack.rs`): it checks what the chain holds under its name, reports
//! a name taken by another account or an acknowledgement that does not land (log and
//! metrics), and retries with backoff.
//!
//! A cursor below the node's `lowestRetained` can never be served again: the consumer stops
//! with [`ConsumerError::Pruned`], naming both indices; the remedy (a fresh database from a
//! snapshot of the state at a finalized block, then the log from that block on) is in the
//! README, "When a consumer falls behind the pruned range".

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::core::client::{ClientT, Subscription as PushSubscription, SubscriptionClientT};
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde_json::Value;
use tracing::{error, info, warn};

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
    /// The node pruned entries the consumer has not processed: the database can no longer
    /// follow the log.
    #[error(
        "the node pruned the log below index {lowest_retained} (its lowestRetained), but this consumer's \
         cursor is {cursor}: entries {cursor}..{lowest_retained} are gone and cannot be applied. Start the \
         database again from a snapshot of the state at a finalized block and follow the log from that \
         block's next index (see README.md, \"When a consumer falls behind the pruned range\")"
    )]
    Pruned {
        /// The first index the consumer has not processed.
        cursor: u64,
        /// The oldest index the node still holds.
        lowest_retained: u64,
    },
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

/// Why a fetch failed.
#[derive(Debug, PartialEq, Eq)]
enum FetchError {
    /// The cursor is below the node's lowest retained entry: fatal.
    Pruned {
        /// The node's `lowestRetained`.
        lowest_retained: u64,
    },
    /// Anything else (the node unreachable, a malformed answer): retried.
    Failed(String),
}

impl From<String> for FetchError {
    fn from(message: String) -> FetchError {
        FetchError::Failed(message)
    }
}

impl From<&str> for FetchError {
    fn from(message: &str) -> FetchError {
        FetchError::Failed(message.into())
    }
}

/// Whether the node still holds the entry at `cursor`, from its `oplog_head` answer.
fn check_retained(cursor: u64, head: &Value) -> Result<(), FetchError> {
    let lowest_retained = head["lowestRetained"].as_u64().ok_or("oplog_head without lowestRetained")?;
    if cursor < lowest_retained {
        return Err(FetchError::Pruned { lowest_retained });
    }
    Ok(())
}

async fn fetch(client: &HttpClient, from: u64, limit: u32, seen: &Head) -> Result<(Vec<Entry>, u64), FetchError> {
    let head: Value = client.request("oplog_head", rpc_params![]).await.map_err(|e| e.to_string())?;
    let next = head["nextIndex"].as_u64().ok_or("oplog_head without nextIndex")?;
    seen.next_index.store(next, Ordering::SeqCst);
    seen.finalized_block.store(head["finalizedBlock"].as_u64().unwrap_or(0), Ordering::SeqCst);
    check_retained(from, &head)?;
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
            return Err(format!("gap in the log: expected index {}, got {}", from + i as u64, e.index).into());
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

/// What the gateway shares with the dispatcher.
struct Shared {
    stop: Arc<AtomicBool>,
    /// The dispatcher's cursor: what may be acknowledged.
    processed: Arc<AtomicU64>,
    seen: Arc<Head>,
    depth: Arc<Depth>,
    metrics: Arc<crate::metrics::Metrics>,
}

/// The gateway: fetches finalized entries in order from `cursor` into `queue` until `stop`;
/// with a configured consumer, keeps it registered and acknowledges `processed` (see
/// `ack.rs`).
fn gateway(config: Config, mut cursor: u64, queue: SyncSender<Entry>, shared: Shared) -> Result<(), ConsumerError> {
    let Shared { stop, processed, seen, depth, metrics } = shared;
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
    // The first step registers (or finds the registration) before the first fetch.
    let mut next_ack = Instant::now();
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        if let Some(ack) = acknowledger.as_mut() {
            if Instant::now() >= next_ack {
                let wait = runtime.block_on(ack.step(&client, processed.load(Ordering::SeqCst), &metrics));
                next_ack = Instant::now() + wait;
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
            Err(FetchError::Pruned { lowest_retained }) => {
                let e = ConsumerError::Pruned { cursor, lowest_retained };
                error!("{e}");
                return Err(e);
            }
            Err(FetchError::Failed(message)) => {
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
    let gateway_config = config.clone();
    let start = totals.cursor;
    let processed = Arc::new(AtomicU64::new(start));
    let seen = Arc::new(Head::default());
    let depth = Arc::new(Depth::default());
    let shared = Shared {
        stop: stop.clone(),
        processed: processed.clone(),
        seen: seen.clone(),
        depth: depth.clone(),
        metrics: metrics.clone(),
    };
    let gateway = std::thread::Builder::new()
        .name("gateway".into())
        .spawn(move || gateway(gateway_config, start, tx, shared))
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex;

    use codec::Encode;
    use serde_json::json;

    use super::*;
    use crate::ack::Acknowledger;
    use crate::config::ConsumerConfig;
    use crate::metrics::Metrics;
    use accord_pallet_oplog as oplog;
    use accord_primitives::Pair;
    use accord_runtime::RuntimeCall;

    type Handler = Arc<dyn Fn(&str, &Value) -> Value + Send + Sync>;

    /// A node that answers JSON-RPC over HTTP with `handler(method, params)` and records the
    /// requests, one per connection.
    struct FakeNode {
        url: String,
        calls: Arc<Mutex<Vec<(String, Value)>>>,
    }

    impl FakeNode {
        fn start(handler: Handler) -> FakeNode {
            let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
            let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
            let calls = Arc::new(Mutex::new(Vec::new()));
            let seen = calls.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut stream) = stream else { continue };
                    let Some(request) = read_request(&mut stream) else { continue };
                    let method = request["method"].as_str().unwrap_or_default().to_string();
                    let result = handler(&method, &request["params"]);
                    seen.lock().unwrap().push((method, request["params"].clone()));
                    let body = json!({"jsonrpc": "2.0", "id": request["id"], "result": result}).to_string();
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            });
            FakeNode { url, calls }
        }

        fn methods(&self) -> Vec<String> {
            self.calls.lock().unwrap().iter().map(|(m, _)| m.clone()).collect()
        }
    }

    fn read_request(stream: &mut std::net::TcpStream) -> Option<Value> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            let Some(end) = text.find("\r\n\r\n") else { continue };
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())?;
            if buf.len() >= end + 4 + length {
                return serde_json::from_slice(&buf[end + 4..end + 4 + length]).ok();
            }
        }
    }

    fn config(url: &str, db: &str) -> Config {
        let text = format!(
            "node_url = \"{url}\"\npoll_interval_ms = 50\nbatch_size = 10\nqueue_capacity = 4\n\
             database = \"sqlite://{db}\"\n[[subscriptions]]\nname = \"all\"\n"
        );
        Config::parse(&text).unwrap()
    }

    #[test]
    fn a_cursor_below_the_lowest_retained_entry_is_pruned() {
        let head = json!({"nextIndex": 20, "lowestRetained": 10, "finalizedBlock": 5});
        assert_eq!(check_retained(3, &head), Err(FetchError::Pruned { lowest_retained: 10 }));
        assert_eq!(check_retained(10, &head), Ok(()));
        assert!(matches!(check_retained(3, &json!({"nextIndex": 20})), Err(FetchError::Failed(_))));
    }

    /// A consumer whose cursor the node pruned stops at once with an error naming both
    /// indices and the remedy (today's consumer stopped with a bare node error).
    #[test]
    fn a_consumer_behind_the_pruned_range_stops_with_the_remedy() {
        let node = FakeNode::start(Arc::new(|method, _| match method {
            "oplog_head" => json!({"nextIndex": 20, "lowestRetained": 10, "finalizedBlock": 5}),
            _ => Value::Null,
        }));
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("behind.db");
        let stop = Arc::new(AtomicBool::new(false));
        let err = run(config(&node.url, db.to_str().unwrap()), stop, |_| {}).unwrap_err();
        assert!(matches!(err, ConsumerError::Pruned { cursor: 0, lowest_retained: 10 }), "{err:?}");
        let text = err.to_string();
        for needed in ["lowestRetained", "cursor is 0", "10", "snapshot", "finalized block", "README.md"] {
            assert!(text.contains(needed), "{needed:?} missing from: {text}");
        }
        assert!(!node.methods().contains(&"oplog_getLogs".to_string()), "nothing fetched below the pruned range");
    }

    /// What the fake chain holds under the consumer's name, and the node's answers for
    /// signing and submitting.
    fn chain_node(stored: Arc<Mutex<Option<oplog::Consumer>>>) -> FakeNode {
        FakeNode::start(Arc::new(move |method, _| match method {
            "chain_getFinalizedHead" | "chain_getBlockHash" => json!(format!("0x{}", "11".repeat(32))),
            "state_getStorage" => match &*stored.lock().unwrap() {
                Some(c) => json!(crate::rpc::to_hex(&c.encode())),
                None => Value::Null,
            },
            "state_getRuntimeVersion" => json!({"specVersion": 1, "transactionVersion": 1}),
            "system_accountNextIndex" => json!(0),
            "author_submitExtrinsic" => json!(format!("0x{}", "22".repeat(32))),
            _ => Value::Null,
        }))
    }

    fn submitted(node: &FakeNode) -> Vec<String> {
        let calls = node.calls.lock().unwrap();
        calls
            .iter()
            .filter(|(m, _)| m == "author_submitExtrinsic")
            .map(|(_, p)| p[0].as_str().unwrap().to_string())
            .collect()
    }

    fn call_hex(call: oplog::Call) -> String {
        hex::encode(RuntimeCall::Oplog(call).encode())
    }

    /// A name taken by another account is logged and counted, `registered` stays 0 and
    /// nothing is submitted; once the name is free the consumer registers, and an
    /// acknowledgement that does not land is counted and retried.
    #[test]
    fn the_acknowledger_reports_a_taken_name_and_a_lost_acknowledgement() {
        let consumer = ConsumerConfig { name: "business-a".into(), signing_key: "//Alice".into(), ack_interval_ms: 10 };
        let alice = Pair::dev("Alice").account();
        let name = oplog::ConsumerName::try_from_vec(b"business-a".to_vec()).unwrap();
        let stored = Arc::new(Mutex::new(Some(oplog::Consumer {
            owner: Pair::dev("Bob").account(),
            acknowledged: 0,
            group: oplog::ConsumerGroup::Org(1),
        })));
        let node = chain_node(stored.clone());
        let client = HttpClientBuilder::default().build(&node.url).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let metrics = Metrics::default();
        let mut ack = Acknowledger::new(&consumer).unwrap();
        ack.confirm_within = Duration::ZERO;

        let first = runtime.block_on(ack.step(&client, 5, &metrics));
        let second = runtime.block_on(ack.step(&client, 5, &metrics));
        assert!(second > first, "backoff: {first:?} then {second:?}");
        assert_eq!(metrics.registered.load(Ordering::SeqCst), 0);
        assert_eq!(metrics.registration_failures.load(Ordering::SeqCst), 2);
        assert!(metrics.render().contains("accord_oplog_consumer_last_error{kind=\"name_taken\"} 1"));
        assert!(submitted(&node).is_empty(), "nothing submitted under a taken name");

        // The owner unregistered it: this consumer registers at its cursor.
        *stored.lock().unwrap() = None;
        assert_eq!(runtime.block_on(ack.step(&client, 5, &metrics)), Duration::from_millis(10));
        let register = call_hex(oplog::Call::register_consumer { name: name.clone(), start_index: 5 });
        assert!(submitted(&node).last().unwrap().contains(&register));

        // Registered; 7 processed: acknowledged.
        *stored.lock().unwrap() =
            Some(oplog::Consumer { owner: alice, acknowledged: 5, group: oplog::ConsumerGroup::Org(1) });
        runtime.block_on(ack.step(&client, 7, &metrics));
        assert_eq!(metrics.registered.load(Ordering::SeqCst), 1);
        let acknowledge = call_hex(oplog::Call::acknowledge { name: name.clone(), up_to: 7 });
        assert!(submitted(&node).last().unwrap().contains(&acknowledge));

        // The chain still says 5: the acknowledgement did not land; counted and retried.
        runtime.block_on(ack.step(&client, 8, &metrics));
        assert_eq!(metrics.ack_failures.load(Ordering::SeqCst), 1);
        assert!(metrics.render().contains("kind=\"ack_not_applied\""));
        let again = call_hex(oplog::Call::acknowledge { name, up_to: 8 });
        assert!(submitted(&node).last().unwrap().contains(&again));
        assert_eq!(submitted(&node).len(), 3);
    }
}
