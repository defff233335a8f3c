//! `accord-offchain status-verifier`: checks a sub-chain's reports against the verifier's
//! own node of the sub-chain.
//!
//! It follows the reports in sequence order from the oldest the main chain still holds (a
//! restart checks that history again: checking is free of side effects, and a report the
//! organization already disputed is skipped). For each report of another organization it
//! waits until its own node has finalized the report's height, reads the status there
//! ([`Collector::status_at`]) and compares ([`beyond_tolerance`]):
//! - beyond a tolerance band: `SubchainStatus.dispute` with its observation, unless the
//!   organization already disputed that report or holds the most open disputes allowed;
//! - within: `SubchainStatus.confirm` of each open dispute by another organization of that
//!   report which the organization has not confirmed yet.
//!
//! It also checks each contract another organization announced ([`Verifier::check_contracts`],
//! every [`super::reporter::RESCAN_EVERY`]): once its own node finalized the announced height,
//! it hashes `eth_getCode` there and disputes a different code (or none) with
//! `SubchainStatus.dispute_contract`, unless a dispute of it waits for governance already.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use tracing::{info, warn};

use accord_pallet_organizations::OrgCode;
use accord_pallet_subchain_status::{
    self as subchain_status, beyond_tolerance, Dispute, DisputeId, DisputeStatus, Report, Seq,
};
use std::collections::BTreeSet;

use accord_primitives::{Pair, H160, H256};
use accord_runtime::RuntimeCall;

use super::{
    check_genesis, in_flight, on_chain, signer, wait_for, Collector, StatusConfig, WorkerMetrics, PROGRESS_EVERY,
};
use crate::rpc::{finalized_head, storage, submit_signed};

/// What checking one report did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Not checked: the own node has not finalized the report's height yet, or the
    /// account has a transaction in flight.
    NotYet,
    /// The report is the organization's own, or gone from the history.
    Skipped,
    /// Within tolerance (and these disputes of others confirmed).
    Agrees(Vec<DisputeId>),
    /// Beyond tolerance: disputed now, or already disputed before.
    Disputed(DisputeId),
    /// Beyond tolerance, but the organization holds the most open disputes allowed.
    TooManyDisputes,
}

/// The verifier.
pub struct Verifier {
    config: StatusConfig,
    main: HttpClient,
    sub: HttpClient,
    pair: Pair,
    collector: Collector,
    /// The next report to check (0: not started).
    next: Seq,
    /// The announcements checked: (contract, code hash, height).
    contracts_checked: BTreeSet<(H160, H256, u64)>,
    /// When the announcements were last read.
    contracts_read: Option<Instant>,
    /// Its counters.
    pub metrics: Arc<WorkerMetrics>,
}

async fn dispute_of(main: &HttpClient, key: (u32, Seq, OrgCode), at: H256) -> Result<Option<DisputeId>, String> {
    storage::<DisputeId>(main, &subchain_status::DISPUTE_OF.key(&key), at).await
}

impl Verifier {
    /// A verifier for `config` (already checked); connects lazily.
    pub fn new(config: StatusConfig) -> Result<Verifier, String> {
        if config.inflate_tx_count != 0 || config.forge_code_hash {
            return Err(
                "inflate_tx_count and forge_code_hash are reporter test flags; a verifier does not take them".into()
            );
        }
        let main = HttpClientBuilder::default().build(&config.main_url).map_err(|e| e.to_string())?;
        let sub = HttpClientBuilder::default().build(&config.sub_url).map_err(|e| e.to_string())?;
        let pair = signer(&config)?;
        Ok(Verifier {
            config,
            main,
            sub,
            pair,
            collector: Collector::default(),
            next: 0,
            contracts_checked: BTreeSet::new(),
            contracts_read: None,
            metrics: Arc::default(),
        })
    }

    /// Checks the contracts other organizations announced against the own node; returns the
    /// contracts disputed now.
    pub async fn check_contracts(&mut self) -> Result<Vec<H160>, String> {
        if self.contracts_read.is_some_and(|t| t.elapsed() < super::reporter::RESCAN_EVERY) {
            return Ok(Vec::new());
        }
        let id = self.config.subchain;
        let now = on_chain(&self.main, id).await?;
        let org = self.org(now.at).await?;
        let (_, own_height) = finalized_head(&self.sub).await?;
        let mut disputed = Vec::new();
        let mut pending = false;
        for (contract, a) in super::contracts::announced(&self.main, id, now.at).await? {
            let seen = (contract, a.code_hash, a.height);
            if a.org == org || self.contracts_checked.contains(&seen) {
                continue;
            }
            if own_height < a.height {
                pending = true;
                continue;
            }
            let observed = match super::contracts::code_hash_at(&self.sub, &contract, a.height).await {
                Ok(observed) => observed,
                Err(e) => {
                    // One announcement the own node cannot answer holds back no other.
                    warn!("contract {contract:?} of sub-chain {id}: {e}; checking it again later");
                    pending = true;
                    continue;
                }
            };
            if observed == Some(a.code_hash) {
                self.contracts_checked.insert(seen);
                self.metrics.contracts_checked.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            let key = subchain_status::CONTRACT_DISPUTES.key(&id, &contract);
            let held = storage::<subchain_status::ContractDispute>(&self.main, &key, now.at).await?;
            if held.is_some_and(|d| d.status == DisputeStatus::Escalated) {
                self.contracts_checked.insert(seen);
                continue;
            }
            if in_flight(&self.main, &self.pair.account(), now.at).await? {
                pending = true;
                continue;
            }
            let call = subchain_status::Call::dispute_contract { subchain: id, contract, observed };
            submit_signed(&self.main, &self.pair, &RuntimeCall::SubchainStatus(call)).await?;
            let (main, key) = (&self.main, &key);
            wait_for(&format!("the dispute of contract {contract:?}"), || async move {
                let (at, _) = finalized_head(main).await?;
                let d = storage::<subchain_status::ContractDispute>(main, key, at).await?;
                Ok(d.is_some_and(|d| d.status == DisputeStatus::Escalated && d.announced == a.code_hash))
            })
            .await?;
            self.contracts_checked.insert(seen);
            self.metrics.contracts_checked.fetch_add(1, Ordering::SeqCst);
            self.metrics.contract_disputes.fetch_add(1, Ordering::SeqCst);
            warn!(
                "disputed contract {contract:?} of sub-chain {id} announced by organization {}: code {:?}, observed {observed:?} at height {}",
                a.org, a.code_hash, a.height
            );
            disputed.push(contract);
        }
        if !pending {
            self.contracts_read = Some(Instant::now());
        }
        Ok(disputed)
    }

    /// The organization the account monitors for.
    async fn org(&self, at: H256) -> Result<OrgCode, String> {
        storage::<OrgCode>(&self.main, &subchain_status::MONITORS.key(&self.config.subchain, &self.pair.account()), at)
            .await?
            .ok_or_else(|| {
                format!(
                    "{} is not a monitoring account of sub-chain {} (yet)",
                    self.pair.account().to_ss58_default(),
                    self.config.subchain
                )
            })
    }

    /// One round: check every report from the next one to the latest; returns what each
    /// check did, stopping at the first that cannot be checked yet.
    pub async fn round(&mut self) -> Result<Vec<(Seq, Checked)>, String> {
        let id = self.config.subchain;
        let now = on_chain(&self.main, id).await?;
        self.metrics.last_seq.store(now.subchain.last_seq, Ordering::SeqCst);
        if self.next == 0 {
            self.next = now.subchain.last_seq.saturating_sub(subchain_status::HISTORY_MAX as Seq - 1).max(1);
        }
        let mut done = Vec::new();
        while self.next <= now.subchain.last_seq {
            let seq = self.next;
            let checked = self.check(seq).await?;
            if checked == Checked::NotYet {
                break;
            }
            done.push((seq, checked));
            self.next = seq + 1;
        }
        Ok(done)
    }

    /// Checks report `seq`.
    pub async fn check(&mut self, seq: Seq) -> Result<Checked, String> {
        let id = self.config.subchain;
        let now = on_chain(&self.main, id).await?;
        let org = self.org(now.at).await?;
        let Some(report) = storage::<Report>(&self.main, &subchain_status::REPORTS.key(&id, &seq), now.at).await?
        else {
            return Ok(Checked::Skipped);
        };
        if report.org == org {
            return Ok(Checked::Skipped);
        }
        let (_, own_height) = finalized_head(&self.sub).await?;
        if own_height < report.status.height || in_flight(&self.main, &self.pair.account(), now.at).await? {
            return Ok(Checked::NotYet);
        }
        let observed = self.collector.status_at(&self.sub, report.status.height).await?;
        self.metrics.height.store(observed.height, Ordering::SeqCst);
        self.metrics.tx_count.store(observed.tx_count, Ordering::SeqCst);
        self.metrics.checked.fetch_add(1, Ordering::SeqCst);
        let beyond = beyond_tolerance(&now.subchain.tolerance, &report.status, &observed);
        if !beyond.is_empty() {
            if let Some(dispute) = dispute_of(&self.main, (id, seq, org), now.at).await? {
                return Ok(Checked::Disputed(dispute));
            }
            let open =
                storage::<u32>(&self.main, &subchain_status::OPEN_DISPUTES.key(&org), now.at).await?.unwrap_or(0);
            if open >= subchain_status::OPEN_DISPUTES_PER_ORG_MAX {
                warn!("report {seq} of sub-chain {id} is wrong ({beyond:?}), but organization {org} has {open} open disputes: not disputed");
                return Ok(Checked::TooManyDisputes);
            }
            let call = RuntimeCall::SubchainStatus(subchain_status::Call::dispute { subchain: id, seq, observed });
            submit_signed(&self.main, &self.pair, &call).await?;
            let main = &self.main;
            wait_for(&format!("the dispute of report {seq}"), || async move {
                let (at, _) = finalized_head(main).await?;
                Ok(dispute_of(main, (id, seq, org), at).await?.is_some())
            })
            .await?;
            let (at, _) = finalized_head(main).await?;
            let dispute = dispute_of(main, (id, seq, org), at).await?.unwrap_or_default();
            self.metrics.disputes.fetch_add(1, Ordering::SeqCst);
            warn!(
                "disputed report {seq} of sub-chain {id} by organization {} (dispute {dispute}): {beyond:?}; reported {} transactions at height {}, observed {}",
                report.org, report.status.tx_count, observed.height, observed.tx_count
            );
            return Ok(Checked::Disputed(dispute));
        }
        let mut confirmed = Vec::new();
        for other in now.subchain.orgs.iter().filter(|o| **o != org) {
            let Some(dispute_id) = dispute_of(&self.main, (id, seq, *other), now.at).await? else { continue };
            let Some(dispute) =
                storage::<Dispute>(&self.main, &subchain_status::DISPUTES.key(&dispute_id), now.at).await?
            else {
                continue;
            };
            if dispute.status != DisputeStatus::Open || dispute.confirmations.contains(&org) {
                continue;
            }
            let call = RuntimeCall::SubchainStatus(subchain_status::Call::confirm { dispute: dispute_id });
            submit_signed(&self.main, &self.pair, &call).await?;
            let main = &self.main;
            wait_for(&format!("the confirmation of dispute {dispute_id}"), || async move {
                let (at, _) = finalized_head(main).await?;
                let d = storage::<Dispute>(main, &subchain_status::DISPUTES.key(&dispute_id), at).await?;
                Ok(d.is_some_and(|d| d.confirmations.contains(&org) || d.status != DisputeStatus::Open))
            })
            .await?;
            self.metrics.confirmations.fetch_add(1, Ordering::SeqCst);
            info!("confirmed report {seq} of sub-chain {id} against dispute {dispute_id}");
            confirmed.push(dispute_id);
        }
        Ok(Checked::Agrees(confirmed))
    }

    /// Checks the sub-chain node against the registration, then runs rounds until `stop`
    /// is set. A wrong genesis is fatal; any other failure is logged and retried.
    pub async fn run(&mut self, stop: Arc<AtomicBool>) -> Result<(), String> {
        let id = self.config.subchain;
        info!("status verifier for sub-chain {id}: {} against {}", self.config.main_url, self.config.sub_url);
        while !stop.load(Ordering::SeqCst) {
            match check_genesis(&self.main, &self.sub, id, &mut self.collector).await {
                Ok(()) => break,
                Err(e) if e.contains("registered with genesis") => return Err(e),
                Err(e) => {
                    warn!("status verifier: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(self.config.poll_ms)).await;
                }
            }
        }
        let mut progress = Instant::now();
        while !stop.load(Ordering::SeqCst) {
            if let Err(e) = self.round().await {
                self.metrics.errors.fetch_add(1, Ordering::SeqCst);
                warn!("status verifier: {e}; retrying");
            }
            if let Err(e) = self.check_contracts().await {
                self.metrics.errors.fetch_add(1, Ordering::SeqCst);
                warn!("status verifier, contracts: {e}; retrying");
            }
            if progress.elapsed() >= PROGRESS_EVERY {
                progress = Instant::now();
                let m = &self.metrics;
                let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::SeqCst);
                info!(
                    "sub-chain {id}: next report #{} of #{}; {} checked, {} disputed, {} confirmed, {} errors; own node at height {}",
                    self.next,
                    get(&m.last_seq),
                    get(&m.checked),
                    get(&m.disputes),
                    get(&m.confirmations),
                    get(&m.errors),
                    get(&m.height)
                );
            }
            tokio::time::sleep(Duration::from_millis(self.config.poll_ms)).await;
        }
        Ok(())
    }
}

/// Runs a verifier for `config` until `stop` is set (the `status-verifier` subcommand).
pub fn run(config: StatusConfig, stop: Arc<AtomicBool>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let metrics_port = config.metrics_port;
        let mut verifier = Verifier::new(config)?;
        if let Some(port) = metrics_port {
            let metrics = verifier.metrics.clone();
            let bound =
                crate::metrics::serve_text(port, move || metrics.render("verifier")).map_err(|e| e.to_string())?;
            info!("metrics on http://127.0.0.1:{bound}/metrics");
        }
        verifier.run(stop).await
    })
}
