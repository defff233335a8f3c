//! The sub-chain status workers, clients of two public RPCs, finalized data only:
//!
//! - `accord-offchain status-reporter --config reporter.toml` ([`reporter`]) reads its
//!   sub-chain's status at the sub-chain's finalized head on a timer ([`collect`]) and
//!   reports it to the main chain's `SubchainStatus` pallet with its monitoring account when
//!   a count changed, and as a heartbeat once half the sub-chain's reporting interval has
//!   passed without a report; it announces each contract of the sub-chain, new or with new
//!   code ([`contracts`]);
//! - `accord-offchain status-verifier --config verifier.toml` ([`verifier`]) follows the
//!   sub-chain's reports on the main chain in sequence order (what each `Reported` event
//!   announces), reads the same height from its own node of the sub-chain, disputes a
//!   report beyond the tolerance bands and confirms an honest report someone else disputed;
//!   it checks each announced contract's code against its own node and disputes a mismatch.
//!
//! Both keep no state of their own: what was reported, disputed and confirmed is read back
//! from the main chain at start and after every submission, so a restart neither repeats a
//! submission nor skips one; a transaction of the worker's account still in the main
//! chain's pool holds the next one back. Both serve Prometheus metrics when configured and
//! log a progress line every ten seconds.

pub mod collect;
pub mod config;
pub mod contracts;
pub mod reporter;
pub mod verifier;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;

use accord_pallet_subchain_status::{self as subchain_status, Report, Subchain, SubchainId};
use accord_primitives::{AccountId32, Pair, H256};

use crate::rpc::{call, finalized_head, storage};

pub use collect::Collector;
pub use config::{StatusConfig, StatusConfigError};

/// How often the progress line is logged.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// How long a worker waits for its submission to reach the main chain's finalized state.
pub const INCLUSION_TIMEOUT: Duration = Duration::from_secs(30);

/// What the main chain holds for a sub-chain at its finalized head.
#[derive(Clone, Debug)]
pub struct OnChain {
    /// The finalized block read.
    pub at: H256,
    /// Its number.
    pub number: u64,
    /// The sub-chain's record.
    pub subchain: Subchain,
    /// Its latest report.
    pub latest: Option<Report>,
}

/// Reads the sub-chain's record and latest report at the main chain's finalized head.
pub async fn on_chain(main: &HttpClient, id: SubchainId) -> Result<OnChain, String> {
    let (at, number) = finalized_head(main).await?;
    let subchain = storage::<Subchain>(main, &subchain_status::SUBCHAINS.key(&id), at)
        .await?
        .ok_or_else(|| format!("sub-chain {id} is not registered on the main chain"))?;
    let latest = storage::<Report>(main, &subchain_status::REPORTS.key(&id, &subchain.last_seq), at).await?;
    Ok(OnChain { at, number, subchain, latest })
}

/// Whether `account` has a transaction in the main chain's pool or in a block not yet
/// finalized: its next nonce as the node counts it is above its finalized nonce.
pub async fn in_flight(main: &HttpClient, account: &AccountId32, at: H256) -> Result<bool, String> {
    let next = call(main, "system_accountNextIndex", rpc_params![account.to_ss58_default()]).await?;
    let next = next.as_u64().ok_or("system_accountNextIndex: not a number")?;
    let info =
        storage::<accord_pallet_system::AccountInfo>(main, &accord_pallet_system::ACCOUNT.key(account), at).await?;
    Ok(next > info.map_or(0, |i| i.nonce as u64))
}

/// Checks that `sub` serves the sub-chain registered as `id` (its genesis hash).
pub async fn check_genesis(
    main: &HttpClient,
    sub: &HttpClient,
    id: SubchainId,
    collector: &mut Collector,
) -> Result<(), String> {
    let registered = on_chain(main, id).await?.subchain.genesis;
    let served = collector.genesis(sub).await?;
    if registered != served {
        return Err(format!(
            "the sub-chain node serves genesis {served:?}, but sub-chain {id} was registered with genesis {registered:?}: wrong sub_url or subchain"
        ));
    }
    Ok(())
}

/// Waits until `done` holds on the main chain's finalized state, checking every 200 ms for
/// [`INCLUSION_TIMEOUT`].
pub async fn wait_for<F, Fut>(what: &str, mut done: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, String>>,
{
    let deadline = Instant::now() + INCLUSION_TIMEOUT;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(true) = done().await {
            return Ok(());
        }
    }
    Err(format!("{what} did not reach the main chain's finalized state in {} s", INCLUSION_TIMEOUT.as_secs()))
}

/// The workers' counters, served as Prometheus text.
#[derive(Debug, Default)]
pub struct WorkerMetrics {
    /// The sub-chain height last read.
    pub height: AtomicU64,
    /// The transaction count read there.
    pub tx_count: AtomicU64,
    /// The main chain's last report sequence number seen.
    pub last_seq: AtomicU64,
    /// Reports this worker submitted (reporter).
    pub reports: AtomicU64,
    /// Of those, heartbeats (nothing changed).
    pub heartbeats: AtomicU64,
    /// Reports checked against the worker's own node (verifier).
    pub checked: AtomicU64,
    /// Disputes submitted (verifier).
    pub disputes: AtomicU64,
    /// Confirmations submitted (verifier).
    pub confirmations: AtomicU64,
    /// Rounds that failed (and were retried).
    pub errors: AtomicU64,
    /// Contracts announced (reporter).
    pub announced: AtomicU64,
    /// Announced contracts checked against the own node (verifier).
    pub contracts_checked: AtomicU64,
    /// Announced contracts disputed (verifier).
    pub contract_disputes: AtomicU64,
}

impl WorkerMetrics {
    /// The Prometheus text of a worker of kind `role` (`reporter`, `verifier`).
    pub fn render(&self, role: &str) -> String {
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        let rows = [
            ("height", "gauge", "Sub-chain height last read.", get(&self.height)),
            ("tx_count", "gauge", "Sub-chain transaction count at that height.", get(&self.tx_count)),
            ("last_seq", "gauge", "Latest report sequence number on the main chain.", get(&self.last_seq)),
            ("reports_total", "counter", "Reports submitted.", get(&self.reports)),
            ("heartbeats_total", "counter", "Reports submitted with nothing changed.", get(&self.heartbeats)),
            ("checked_total", "counter", "Reports checked against the own node.", get(&self.checked)),
            ("disputes_total", "counter", "Disputes submitted.", get(&self.disputes)),
            ("confirmations_total", "counter", "Confirmations submitted.", get(&self.confirmations)),
            ("errors_total", "counter", "Rounds that failed and were retried.", get(&self.errors)),
            ("announced_total", "counter", "Contracts announced.", get(&self.announced)),
            ("contracts_checked_total", "counter", "Announced contracts checked.", get(&self.contracts_checked)),
            ("contract_disputes_total", "counter", "Announced contracts disputed.", get(&self.contract_disputes)),
        ];
        let rows: Vec<_> = rows
            .iter()
            .map(|(name, kind, help, v)| (format!("accord_status_{role}_{name}"), *kind, *help, *v))
            .collect();
        crate::metrics::render_rows(&rows)
    }
}

/// The worker's account.
pub(crate) fn signer(config: &StatusConfig) -> Result<Pair, String> {
    let pair = accord_primitives::crypto::Sr25519Pair::from_uri(&config.signing_key).map_err(|e| e.to_string())?;
    Ok(Pair::Sr25519(pair))
}
