//! Prometheus metrics, served as text on `metrics_port` (127.0.0.1) when configured: the
//! consumer's (cursor, lag, applied, unmatched, breaks, queue depth, and its on-chain
//! registration: registered, acknowledged, failures, last error) here, and the server every
//! worker uses.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters shared by the pipeline and the endpoint.
#[derive(Default)]
pub struct Metrics {
    /// The next index to process.
    pub cursor: AtomicU64,
    /// The finalized head's next index, as last seen.
    pub head: AtomicU64,
    /// Entries applied.
    pub applied: AtomicU64,
    /// Entries matching no subscription.
    pub unmatched: AtomicU64,
    /// Continuity breaks.
    pub breaks: AtomicU64,
    /// The most entries the queue held.
    pub queue_depth_max: AtomicU64,
    /// 1 while the chain holds the consumer's name for its key, else 0.
    pub registered: AtomicU64,
    /// The chain's acknowledgement of the consumer, as last read.
    pub acknowledged: AtomicU64,
    /// Steps that found a registration problem (name taken, unregistered, not applied).
    pub registration_failures: AtomicU64,
    /// Steps that found an acknowledgement problem (not applied, submit or read failed).
    pub ack_failures: AtomicU64,
    /// The kind of the last problem: an index into [`ERROR_KINDS`] (0: none).
    pub last_error: AtomicU64,
}

/// The `kind` labels of `accord_oplog_consumer_last_error` (see [`crate::ack::Problem::kind`]).
pub const ERROR_KINDS: [&str; 7] = [
    "none",
    "name_taken",
    "unregistered",
    "registration_not_applied",
    "ack_not_applied",
    "submit_failed",
    "read_failed",
];

impl Metrics {
    /// Records the kind of the last problem (an unknown kind counts as `none`).
    pub fn set_last_error(&self, kind: &str) {
        let index = ERROR_KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        self.last_error.store(index as u64, Ordering::SeqCst);
    }

    /// The text format.
    pub fn render(&self) -> String {
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        let (cursor, head) = (get(&self.cursor), get(&self.head));
        let rows = [
            ("accord_oplog_consumer_cursor", "gauge", "Next index to process.", cursor),
            (
                "accord_oplog_consumer_lag_entries",
                "gauge",
                "Finalized entries not yet processed.",
                head.saturating_sub(cursor),
            ),
            ("accord_oplog_consumer_applied_total", "counter", "Entries applied.", get(&self.applied)),
            (
                "accord_oplog_consumer_unmatched_total",
                "counter",
                "Entries matching no subscription.",
                get(&self.unmatched),
            ),
            ("accord_oplog_consumer_breaks_total", "counter", "Continuity breaks recorded.", get(&self.breaks)),
            (
                "accord_oplog_consumer_queue_depth_max",
                "gauge",
                "Most entries queued at once.",
                get(&self.queue_depth_max),
            ),
            (
                "accord_oplog_consumer_registered",
                "gauge",
                "1 while the chain holds the consumer's name for its key.",
                get(&self.registered),
            ),
            (
                "accord_oplog_consumer_acknowledged",
                "gauge",
                "The chain's acknowledgement of the consumer, as last read.",
                get(&self.acknowledged),
            ),
            (
                "accord_oplog_consumer_registration_failures_total",
                "counter",
                "Registration attempts that failed (name taken, unregistered, not applied).",
                get(&self.registration_failures),
            ),
            (
                "accord_oplog_consumer_ack_failures_total",
                "counter",
                "Acknowledgements that failed (not applied, not submitted).",
                get(&self.ack_failures),
            ),
        ];
        let kind = ERROR_KINDS.get(get(&self.last_error) as usize).unwrap_or(&ERROR_KINDS[0]);
        let name = "accord_oplog_consumer_last_error";
        format!(
            "{}# HELP {name} The kind of the consumer's last registration or acknowledgement problem.\n\
             # TYPE {name} gauge\n{name}{{kind=\"{kind}\"}} 1\n",
            render_rows(&rows)
        )
    }
}

/// The Prometheus text of `(name, kind, help, value)` rows.
pub fn render_rows<N: std::fmt::Display>(rows: &[(N, &str, &str, u64)]) -> String {
    rows.iter()
        .map(|(name, kind, help, v)| format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"))
        .collect()
}

/// Serves `metrics` on 127.0.0.1:`port` from a background thread; returns the bound port.
pub fn serve(port: u16, metrics: Arc<Metrics>) -> std::io::Result<u16> {
    serve_text(port, move || metrics.render())
}

/// Serves what `render` returns, as Prometheus text, on 127.0.0.1:`port` from a background
/// thread; returns the bound port.
pub fn serve_text(port: u16, render: impl Fn() -> String + Send + 'static) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let bound = listener.local_addr()?.port();
    std::thread::Builder::new().name("metrics".into()).spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 2048];
            let _ = stream.read(&mut buf);
            let body = render();
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    })?;
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_counters() {
        let m = Arc::new(Metrics::default());
        m.cursor.store(7, Ordering::SeqCst);
        m.head.store(10, Ordering::SeqCst);
        let port = serve(0, m).unwrap();
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.contains("accord_oplog_consumer_cursor 7"), "{out}");
        assert!(out.contains("accord_oplog_consumer_lag_entries 3"));
        assert!(out.contains("accord_oplog_consumer_registered 0"), "{out}");
        assert!(out.contains("accord_oplog_consumer_last_error{kind=\"none\"} 1"), "{out}");
    }

    #[test]
    fn the_last_error_names_its_kind() {
        let m = Metrics::default();
        m.set_last_error("name_taken");
        m.registered.store(0, Ordering::SeqCst);
        m.registration_failures.store(2, Ordering::SeqCst);
        let out = m.render();
        assert!(out.contains("accord_oplog_consumer_last_error{kind=\"name_taken\"} 1"), "{out}");
        assert!(out.contains("accord_oplog_consumer_registration_failures_total 2"), "{out}");
        assert!(out.contains("# TYPE accord_oplog_consumer_ack_failures_total counter"), "{out}");
    }
}
