//! What consensus reports to the node's metrics endpoint and status line.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

/// Counters shared between the engine's thread and the node.
#[derive(Debug, Default)]
pub struct ConsensusMetrics {
    view: AtomicU64,
    epoch: AtomicU64,
    validators: AtomicU64,
    finalized: AtomicU64,
    finalized_tip: AtomicU64,
    nullifications: AtomicU64,
    gossiped_in: AtomicU64,
    gossiped_out: AtomicU64,
    /// Commonware's own metrics (peers, bytes sent and received per peer and channel,
    /// engine internals) in the Prometheus text format, refreshed every few seconds.
    engine_text: Mutex<String>,
}

/// A snapshot of [`ConsensusMetrics`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsensusStatus {
    /// The latest view seen notarized or finalized (views start again in each epoch).
    pub view: u64,
    /// The epoch the node is in.
    pub epoch: u64,
    /// The number of validators in that epoch.
    pub validators: u64,
    /// The height of the last committed finalized block.
    pub finalized: u64,
    /// The highest finalized height known (ahead of `finalized` while catching up).
    pub finalized_tip: u64,
    /// Views that ended without a block (timeouts, nullified).
    pub nullifications: u64,
    /// Transactions received from peers.
    pub gossiped_in: u64,
    /// Transactions sent to peers.
    pub gossiped_out: u64,
}

impl ConsensusMetrics {
    pub(crate) fn set_view(&self, view: u64) {
        self.view.fetch_max(view, Ordering::Relaxed);
    }

    pub(crate) fn set_epoch(&self, epoch: u64, validators: u64) {
        self.epoch.store(epoch, Ordering::Relaxed);
        self.validators.store(validators, Ordering::Relaxed);
        // Views start again in each epoch.
        self.view.store(0, Ordering::Relaxed);
    }

    pub(crate) fn set_finalized(&self, height: u64) {
        self.finalized.fetch_max(height, Ordering::Relaxed);
        self.finalized_tip.fetch_max(height, Ordering::Relaxed);
    }

    pub(crate) fn set_finalized_tip(&self, height: u64) {
        self.finalized_tip.fetch_max(height, Ordering::Relaxed);
    }

    pub(crate) fn on_nullification(&self) {
        self.nullifications.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn on_gossip_in(&self, transactions: u64) {
        self.gossiped_in.fetch_add(transactions, Ordering::Relaxed);
    }

    pub(crate) fn on_gossip_out(&self, transactions: u64) {
        self.gossiped_out.fetch_add(transactions, Ordering::Relaxed);
    }

    pub(crate) fn set_engine_text(&self, text: String) {
        *self.engine_text.lock() = text;
    }

    /// The current figures.
    pub fn status(&self) -> ConsensusStatus {
        ConsensusStatus {
            view: self.view.load(Ordering::Relaxed),
            epoch: self.epoch.load(Ordering::Relaxed),
            validators: self.validators.load(Ordering::Relaxed),
            finalized: self.finalized.load(Ordering::Relaxed),
            finalized_tip: self.finalized_tip.load(Ordering::Relaxed),
            nullifications: self.nullifications.load(Ordering::Relaxed),
            gossiped_in: self.gossiped_in.load(Ordering::Relaxed),
            gossiped_out: self.gossiped_out.load(Ordering::Relaxed),
        }
    }

    /// Commonware's metrics, Prometheus text format.
    pub fn engine_text(&self) -> String {
        self.engine_text.lock().clone()
    }

    /// A value of Commonware's metrics without labels (0 before the first refresh).
    fn engine_value(&self, name: &str) -> u64 {
        let text = self.engine_text.lock();
        text.lines()
            .filter_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .next()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(0, |v| v as u64)
    }

    /// How many peers are connected (the p2p tracker's reservations).
    pub fn peers(&self) -> u64 {
        self.engine_value("engine_network_tracker_directory_reserved")
    }

    /// The ed25519 keys of the connected peers: the peers of Commonware's
    /// `directory_connected` gauge (one line per connected peer, labelled with its key in
    /// hex), as of the last refresh.
    pub fn connected_peers(&self) -> Vec<[u8; 32]> {
        const PREFIX: &str = "engine_network_tracker_directory_connected{peer=\"";
        let text = self.engine_text.lock();
        let mut peers: Vec<[u8; 32]> = text
            .lines()
            .filter_map(|l| l.strip_prefix(PREFIX))
            .filter_map(|rest| rest.split('"').next())
            .filter_map(|key| hex::decode(key.trim_start_matches("0x")).ok())
            .filter_map(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .collect();
        peers.sort_unstable();
        peers.dedup();
        peers
    }

    /// Bytes received from peers.
    pub fn bytes_received(&self) -> u64 {
        self.engine_value("runtime_inbound_bandwidth_total")
    }

    /// Bytes sent to peers.
    pub fn bytes_sent(&self) -> u64 {
        self.engine_value("runtime_outbound_bandwidth_total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commonware_values_by_exact_name() {
        let m = ConsensusMetrics::default();
        assert_eq!(m.peers(), 0);
        m.set_engine_text(
            "# HELP x\nengine_network_tracker_directory_reserved_more 9\nengine_network_tracker_directory_reserved 3\n\
             runtime_inbound_bandwidth_total 44657\nruntime_outbound_bandwidth_total{peer=\"a\"} 1\n"
                .into(),
        );
        assert_eq!(m.peers(), 3);
        assert_eq!(m.bytes_received(), 44657);
        assert_eq!(m.bytes_sent(), 0);
        assert!(m.connected_peers().is_empty());
        let key = "ab".repeat(32);
        m.set_engine_text(format!(
            "engine_network_tracker_directory_connected{{peer=\"{key}\"}} 1765000000000\n\
             engine_network_tracker_directory_connected{{peer=\"zz\"}} 1\n\
             engine_network_tracker_directory_blocked{{peer=\"{}\"}} 1\n",
            "cd".repeat(32)
        ));
        assert_eq!(m.connected_peers(), vec![[0xab; 32]], "only well-formed keys of connected peers");
    }
}
