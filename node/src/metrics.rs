//! Prometheus metrics: chain heights, pool size, imported extrinsics, block import time and
//! RPC calls by method, served as text on `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The node's metrics.
#[derive(Default)]
pub struct Metrics {
    best: AtomicU64,
    finalized: AtomicU64,
    pool_ready: AtomicU64,
    pool_future: AtomicU64,
    extrinsics_imported: AtomicU64,
    blocks_imported: AtomicU64,
    import_micros_total: AtomicU64,
    rpc_calls: Mutex<BTreeMap<&'static str, u64>>,
    /// The BFT engine's figures, once it runs.
    consensus: std::sync::OnceLock<Arc<accord_consensus::ConsensusMetrics>>,
}

impl Metrics {
    /// Records the best and finalized heights.
    pub fn set_heights(&self, best: u32, finalized: u32) {
        self.best.store(best as u64, Ordering::Relaxed);
        self.finalized.store(finalized as u64, Ordering::Relaxed);
    }

    /// Records an imported block.
    pub fn on_import(&self, number: u32, extrinsics: u64, took: Duration) {
        self.best.store(number as u64, Ordering::Relaxed);
        self.blocks_imported.fetch_add(1, Ordering::Relaxed);
        self.extrinsics_imported.fetch_add(extrinsics, Ordering::Relaxed);
        self.import_micros_total.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Records the pool's size.
    pub fn set_pool(&self, ready: usize, future: usize) {
        self.pool_ready.store(ready as u64, Ordering::Relaxed);
        self.pool_future.store(future as u64, Ordering::Relaxed);
    }

    /// Counts an RPC call.
    pub fn on_rpc_call(&self, method: &str) {
        let mut calls = self.rpc_calls.lock();
        match calls.get_mut(method) {
            Some(n) => *n += 1,
            None => {
                // Method names are the server's registered, static names: a bounded set.
                let name: &'static str = Box::leak(method.to_string().into_boxed_str());
                calls.insert(name, 1);
            }
        }
    }

    /// Adds the BFT engine's figures (and Commonware's own metrics) to `/metrics`.
    pub fn set_consensus(&self, consensus: Arc<accord_consensus::ConsensusMetrics>) {
        let _ = self.consensus.set(consensus);
    }

    /// The BFT engine's figures, if it runs.
    pub fn consensus(&self) -> Option<&Arc<accord_consensus::ConsensusMetrics>> {
        self.consensus.get()
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut gauge = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        };
        gauge("accord_block_height_best", "Best block number.", self.best.load(Ordering::Relaxed));
        gauge("accord_block_height_finalized", "Finalized block number.", self.finalized.load(Ordering::Relaxed));
        gauge("accord_txpool_ready", "Ready transactions in the pool.", self.pool_ready.load(Ordering::Relaxed));
        gauge("accord_txpool_future", "Future transactions in the pool.", self.pool_future.load(Ordering::Relaxed));
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter("accord_blocks_imported_total", "Blocks imported.", self.blocks_imported.load(Ordering::Relaxed));
        counter(
            "accord_extrinsics_imported_total",
            "Extrinsics in imported blocks.",
            self.extrinsics_imported.load(Ordering::Relaxed),
        );
        counter(
            "accord_block_import_micros_total",
            "Time spent importing blocks, microseconds.",
            self.import_micros_total.load(Ordering::Relaxed),
        );
        let _ =
            writeln!(out, "# HELP accord_rpc_calls_total RPC calls by method.\n# TYPE accord_rpc_calls_total counter");
        for (method, n) in self.rpc_calls.lock().iter() {
            let _ = writeln!(out, "accord_rpc_calls_total{{method=\"{method}\"}} {n}");
        }
        if let Some(consensus) = self.consensus.get() {
            render_consensus(&mut out, consensus);
        }
        out
    }
}

/// The BFT figures, then Commonware's metrics (peers, bytes sent and received by peer
/// and channel, engine internals) under their own names.
fn render_consensus(out: &mut String, consensus: &accord_consensus::ConsensusMetrics) {
    let status = consensus.status();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
    };
    metric(
        "accord_consensus_view",
        "gauge",
        "Latest consensus view of the epoch seen notarized or finalized.",
        status.view,
    );
    metric("accord_consensus_epoch", "gauge", "Consensus epoch the node is in.", status.epoch);
    metric("accord_consensus_validators", "gauge", "Validators in the current epoch.", status.validators);
    metric("accord_consensus_peers", "gauge", "Connected p2p peers.", consensus.peers());
    metric("accord_consensus_bytes_sent_total", "counter", "Bytes sent to peers.", consensus.bytes_sent());
    metric(
        "accord_consensus_bytes_received_total",
        "counter",
        "Bytes received from peers.",
        consensus.bytes_received(),
    );
    metric("accord_consensus_finalized_tip", "gauge", "Highest finalized height known.", status.finalized_tip);
    metric("accord_consensus_nullifications_total", "counter", "Views that timed out.", status.nullifications);
    metric("accord_consensus_gossip_in_total", "counter", "Transactions from peers.", status.gossiped_in);
    metric("accord_consensus_gossip_out_total", "counter", "Transactions sent to peers.", status.gossiped_out);
    out.push_str(&consensus.engine_text());
}

/// Serves `/metrics` on `addr` until the task is dropped. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                // Out of file descriptors or similar: back off rather than spin.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                // Whatever the request, answer with the metrics; bounded read and time.
                let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
                let body = metrics.render();
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    body.len(),
                    body
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok((local, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.set_heights(5, 4);
        m.on_import(6, 3, Duration::from_micros(10));
        m.on_rpc_call("chain_getHeader");
        m.on_rpc_call("chain_getHeader");
        let text = m.render();
        assert!(text.contains("accord_block_height_best 6"));
        assert!(text.contains("accord_block_height_finalized 4"));
        assert!(text.contains("accord_extrinsics_imported_total 3"));
        assert!(text.contains("accord_rpc_calls_total{method=\"chain_getHeader\"} 2"));
    }
}
