//! `accord-offchain status-reporter`: reports a sub-chain's status to the main chain.
//!
//! Each round (every `poll_ms`): read the sub-chain's status at its finalized head, read
//! the sub-chain's record and latest report at the main chain's finalized head, and submit
//! `SubchainStatus.report` when it is [`due`]: at once when the organizations, nodes or
//! contracts changed; when only the transaction count did, a quarter of the reporting
//! interval (in main-chain blocks) after the last report, so a busy sub-chain costs the main
//! chain at most four reports an interval; and with nothing changed, a heartbeat half an
//! interval after the last report, so one lost round still keeps the sub-chain fresh. Nothing is submitted while the account has a
//! transaction in flight, and after a submission the round waits for its sequence number,
//! so neither a slow block nor a restart produces a duplicate report.
//!
//! Then it announces the sub-chain's contracts ([`Reporter::announce`]): when the sub-chain's
//! contract count changed, and every [`RESCAN_EVERY`] (a release alias pointed at another
//! version keeps the count), it reads every contract's code hash at the block of the latest
//! report (the main chain takes no announcement above it; a new contract changes the count,
//! which is reported at once) and announces, one per round, each that the main chain does not hold
//! with that hash (`SubchainStatus.announce_contract`), skipping one whose announcement a
//! dispute holds for governance.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use tracing::{info, warn};

use accord_pallet_subchain_status::{self as subchain_status, ContractDispute, DisputeStatus, Status};
use accord_primitives::{BlockNumber, Pair, H160};
use accord_runtime::RuntimeCall;

use super::contracts;
use super::{
    check_genesis, in_flight, on_chain, signer, wait_for, Collector, StatusConfig, WorkerMetrics, PROGRESS_EVERY,
};
use crate::rpc::{finalized_head, storage};

/// How often the reporter reads all contracts even if their count did not change.
pub const RESCAN_EVERY: Duration = Duration::from_secs(5);

/// Why a report is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// The first report, or the organizations, nodes or contracts changed: at once.
    Structure,
    /// Only the transaction count changed, and a quarter interval has passed since the
    /// last report (a busy sub-chain is reported at most four times an interval).
    Transactions,
    /// Nothing changed, and half an interval has passed: a heartbeat.
    Heartbeat,
}

/// Whether `new` must be reported over `last`, `since` main-chain blocks after the last
/// report, for a sub-chain reporting every `interval` blocks. The height, the hash and the
/// TPS move with every block and are no reason by themselves.
pub fn due(last: Option<&Status>, new: &Status, since: u64, interval: BlockNumber) -> Option<Due> {
    let Some(l) = last else { return Some(Due::Structure) };
    let after = |share: BlockNumber| since >= u64::from((interval / share).max(1));
    if (l.orgs, l.nodes, l.contracts) != (new.orgs, new.nodes, new.contracts) {
        Some(Due::Structure)
    } else if l.tx_count != new.tx_count {
        after(4).then_some(Due::Transactions)
    } else {
        after(2).then_some(Due::Heartbeat)
    }
}

/// What a round did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// Nothing to report (or the own node is behind the last report).
    Idle,
    /// A transaction of the account is still in flight.
    Waiting,
    /// A report with news landed as this sequence number.
    Reported(u64),
    /// A heartbeat landed as this sequence number.
    Heartbeat(u64),
}

/// The reporter.
pub struct Reporter {
    config: StatusConfig,
    main: HttpClient,
    sub: HttpClient,
    pair: Pair,
    collector: Collector,
    /// The contract count of the last full read of the sub-chain's contracts, and when.
    scanned: Option<(u32, Instant)>,
    /// Its counters.
    pub metrics: Arc<WorkerMetrics>,
}

impl Reporter {
    /// A reporter for `config` (already checked); connects lazily.
    pub fn new(config: StatusConfig) -> Result<Reporter, String> {
        let main = HttpClientBuilder::default().build(&config.main_url).map_err(|e| e.to_string())?;
        let sub = HttpClientBuilder::default().build(&config.sub_url).map_err(|e| e.to_string())?;
        let pair = signer(&config)?;
        Ok(Reporter {
            config,
            main,
            sub,
            pair,
            collector: Collector::default(),
            scanned: None,
            metrics: Arc::default(),
        })
    }

    /// Announces the next contract of the sub-chain the main chain does not hold with its
    /// code hash, if any (see the module docs); returns it once its announcement is final.
    pub async fn announce(&mut self) -> Result<Option<H160>, String> {
        let id = self.config.subchain;
        let now = on_chain(&self.main, id).await?;
        // Read at the latest report's block: the main chain takes no announcement above it.
        let Some(report) = now.latest else { return Ok(None) };
        let (at, height) = (report.status.block_hash, report.status.height);
        let count = contracts::contract_count(&self.sub, at).await?;
        if self.scanned.is_some_and(|(c, when)| c == count && when.elapsed() < RESCAN_EVERY) {
            return Ok(None);
        }
        if in_flight(&self.main, &self.pair.account(), now.at).await? {
            return Ok(None);
        }
        let mut sub = contracts::sub_contracts(&self.sub, at).await?;
        if self.config.forge_code_hash {
            sub.values_mut().for_each(|hash| hash.0[0] ^= 0xff);
        }
        let on_main = contracts::announced(&self.main, id, now.at).await?;
        let mut candidates = contracts::to_announce(&sub, &on_main);
        let next = loop {
            let Some((contract, code_hash)) = candidates.next() else {
                self.scanned = Some((count, Instant::now()));
                return Ok(None);
            };
            let dispute =
                storage::<ContractDispute>(&self.main, &subchain_status::CONTRACT_DISPUTES.key(&id, &contract), now.at)
                    .await?;
            if dispute.is_none_or(|d| d.status != DisputeStatus::Escalated) {
                break (contract, code_hash);
            }
        };
        let (contract, code_hash) = next;
        let call = subchain_status::Call::announce_contract { subchain: id, contract, code_hash, height };
        crate::rpc::submit_signed(&self.main, &self.pair, &RuntimeCall::SubchainStatus(call)).await?;
        let main = &self.main;
        wait_for(&format!("the announcement of contract {contract:?}"), || async move {
            let (at, _) = finalized_head(main).await?;
            let key = subchain_status::CONTRACTS.key(&id, &contract);
            let held = storage::<subchain_status::Announcement>(main, &key, at).await?;
            Ok(held.is_some_and(|a| a.code_hash == code_hash))
        })
        .await?;
        self.metrics.announced.fetch_add(1, Ordering::SeqCst);
        info!("announced contract {contract:?} of sub-chain {id}: code {code_hash:?} at height {height}");
        Ok(Some(contract))
    }

    /// One round: collect, compare with what the main chain holds, report if due and wait
    /// for the report to be finalized.
    pub async fn round(&mut self) -> Result<Round, String> {
        let id = self.config.subchain;
        let mut status = self.collector.collect(&self.sub).await?;
        status.tx_count = status.tx_count.saturating_add(self.config.inflate_tx_count);
        self.metrics.height.store(status.height, Ordering::SeqCst);
        self.metrics.tx_count.store(status.tx_count, Ordering::SeqCst);
        let now = on_chain(&self.main, id).await?;
        self.metrics.last_seq.store(now.subchain.last_seq, Ordering::SeqCst);
        if in_flight(&self.main, &self.pair.account(), now.at).await? {
            return Ok(Round::Waiting);
        }
        let last = now.latest.map(|r| r.status);
        if last.is_some_and(|l| status.height < l.height) {
            return Ok(Round::Idle);
        }
        let since = now.number.saturating_sub(u64::from(now.subchain.last_report_at));
        let Some(why) = due(last.as_ref(), &status, since, now.subchain.interval) else {
            return Ok(Round::Idle);
        };
        let call = RuntimeCall::SubchainStatus(subchain_status::Call::report { subchain: id, status });
        crate::rpc::submit_signed(&self.main, &self.pair, &call).await?;
        let wanted = now.subchain.last_seq + 1;
        let main = &self.main;
        wait_for(&format!("report {wanted} of sub-chain {id}"), || async move {
            Ok(on_chain(main, id).await?.subchain.last_seq >= wanted)
        })
        .await?;
        self.metrics.reports.fetch_add(1, Ordering::SeqCst);
        self.metrics.last_seq.store(wanted, Ordering::SeqCst);
        if why != Due::Heartbeat {
            info!(
                "reported sub-chain {id} #{wanted}: height {}, {} transactions, {} orgs, {} nodes, {} contracts",
                status.height, status.tx_count, status.orgs, status.nodes, status.contracts
            );
            Ok(Round::Reported(wanted))
        } else {
            self.metrics.heartbeats.fetch_add(1, Ordering::SeqCst);
            Ok(Round::Heartbeat(wanted))
        }
    }

    /// Checks the sub-chain node against the registration, then runs rounds until `stop`
    /// is set. A wrong genesis is fatal; any other failure is logged and retried.
    pub async fn run(&mut self, stop: Arc<AtomicBool>) -> Result<(), String> {
        let id = self.config.subchain;
        info!("status reporter for sub-chain {id}: {} -> {}", self.config.sub_url, self.config.main_url);
        if self.config.inflate_tx_count > 0 {
            warn!("inflate_tx_count = {}: this reporter lies (a test flag)", self.config.inflate_tx_count);
        }
        if self.config.forge_code_hash {
            warn!("forge_code_hash: this reporter lies about contracts' code (a test flag)");
        }
        while !stop.load(Ordering::SeqCst) {
            match check_genesis(&self.main, &self.sub, id, &mut self.collector).await {
                Ok(()) => break,
                Err(e) if e.contains("registered with genesis") => return Err(e),
                Err(e) => {
                    warn!("status reporter: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(self.config.poll_ms)).await;
                }
            }
        }
        let mut progress = Instant::now();
        while !stop.load(Ordering::SeqCst) {
            if let Err(e) = self.round().await {
                self.metrics.errors.fetch_add(1, Ordering::SeqCst);
                warn!("status reporter: {e}; retrying");
            }
            if let Err(e) = self.announce().await {
                self.metrics.errors.fetch_add(1, Ordering::SeqCst);
                warn!("status reporter, contracts: {e}; retrying");
            }
            if progress.elapsed() >= PROGRESS_EVERY {
                progress = Instant::now();
                let m = &self.metrics;
                let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::SeqCst);
                info!(
                    "sub-chain {id}: height {}, {} transactions; main chain report #{}; {} reports sent ({} heartbeats), {} errors",
                    get(&m.height),
                    get(&m.tx_count),
                    get(&m.last_seq),
                    get(&m.reports),
                    get(&m.heartbeats),
                    get(&m.errors)
                );
            }
            tokio::time::sleep(Duration::from_millis(self.config.poll_ms)).await;
        }
        Ok(())
    }
}

/// Runs a reporter for `config` until `stop` is set (the `status-reporter` subcommand).
pub fn run(config: StatusConfig, stop: Arc<AtomicBool>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let metrics_port = config.metrics_port;
        let mut reporter = Reporter::new(config)?;
        if let Some(port) = metrics_port {
            let metrics = reporter.metrics.clone();
            let bound =
                crate::metrics::serve_text(port, move || metrics.render("reporter")).map_err(|e| e.to_string())?;
            info!("metrics on http://127.0.0.1:{bound}/metrics");
        }
        reporter.run(stop).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_at_once_transactions_every_quarter_heartbeats_every_half_interval() {
        let a =
            Status { height: 10, tx_count: 5, orgs: 2, nodes: 4, contracts: 1, tps_milli: 300, ..Status::default() };
        assert_eq!(due(None, &a, 0, 20), Some(Due::Structure));
        let moved = Status { height: 11, tps_milli: 0, block_hash: [1; 32].into(), ..a };
        assert_eq!(due(Some(&a), &moved, 9, 20), None, "height, hash and TPS are no reason");
        assert_eq!(due(Some(&a), &moved, 10, 20), Some(Due::Heartbeat));
        for changed in [Status { orgs: 3, ..a }, Status { nodes: 3, ..a }, Status { contracts: 2, ..a }] {
            assert_eq!(due(Some(&a), &changed, 0, 20), Some(Due::Structure), "{changed:?}");
        }
        let busy = Status { tx_count: 6, ..a };
        assert_eq!(due(Some(&a), &busy, 4, 20), None);
        assert_eq!(due(Some(&a), &busy, 5, 20), Some(Due::Transactions));
        assert_eq!(due(Some(&a), &busy, 1, 1), Some(Due::Transactions), "a one-block interval");
        assert_eq!(due(Some(&a), &a, 0, 1), None);
        assert_eq!(due(Some(&a), &a, 1, 0), Some(Due::Heartbeat));
    }
}
