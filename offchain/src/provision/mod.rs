//! # Provisioning
//!
//! `accord-offchain provision --config org.toml`: a client of the main chain's public RPC
//! that reconciles reality with the registry for one organization, from finalized blocks
//! only. Every `poll_ms` it
//!
//! 1. reads the live business chains (creating or active), their nodes, and the running
//!    tasks in which its organization still has to answer ([`registry`]);
//! 2. plans one unit per node of those chains that its organization owns and whose key it
//!    holds (`node_keys`), with the blockchain's chain spec ([`spec`], the same for every
//!    organization's driver);
//! 3. stops units no longer planned (their chain failed, was deleted, or its organization
//!    left), starts planned units that do not run (a [`Driver`]: the first is
//!    [`local::LocalProcesses`]);
//! 4. reports its part of each task with `Alliances.report_task`: a chain's creation once
//!    all its units of that chain serve RPC (or failure once a unit failed to stay up); an
//!    exit or deletion once none of its units of chains that went remains.
//!
//! A restarted driver picks up from what exists: it finds running units again, starts only
//! what is missing, and reports only parts still waiting on chain. If the organization is
//! not active (suspended or exited), it halts its units and keeps their data; a reading that
//! does not know the organization at all changes nothing. It manages only folders named as
//! units, and writes a unit's chain spec once.

pub mod config;
pub mod local;
pub mod registry;
pub mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};

use accord_pallet_alliances::{self as alliances, ChainId, TaskKind};
use accord_primitives::crypto::Sr25519Pair;
use accord_primitives::Pair;
use accord_runtime::RuntimeCall;

pub use config::ProvisionConfig;

/// One node to run: a unit of a driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitPlan {
    /// Its name: `bc<chain>-<blockchain tag ([`spec::tag`])>-<first 8 bytes of the node key,
    /// hex>`: stable for the unit's life.
    pub name: String,
    /// The business chain it serves.
    pub chain: ChainId,
    /// The chain spec JSON.
    pub spec: String,
    /// `ip:port` to listen on for peers.
    pub listen: String,
    /// Whether it validates (else it follows).
    pub validator: bool,
    /// Its node key file.
    pub key_file: std::path::PathBuf,
}

/// What runs nodes: local processes today, a cloud API later.
pub trait Driver {
    /// The units running now.
    fn running(&mut self) -> Result<Vec<String>, String>;
    /// Every unit it has state for, running or not.
    fn known(&mut self) -> Result<Vec<String>, String>;
    /// Starts a unit (nothing if it runs).
    fn start(&mut self, unit: &UnitPlan) -> Result<(), String>;
    /// Stops a unit and reclaims its resources (its data goes).
    fn stop(&mut self, name: &str) -> Result<(), String>;
    /// Stops a unit's process, keeping its data (its organization is suspended).
    fn halt(&mut self, name: &str) -> Result<(), String>;
    /// Whether a unit runs and serves.
    fn ready(&mut self, name: &str) -> bool;
    /// Whether a unit's start failed for good.
    fn failed(&self, name: &str) -> bool;
}

/// The chain a unit's name belongs to, if it is a unit's name (`bc<n>-<16 hex>-<16 hex>`).
pub fn chain_of(name: &str) -> Option<ChainId> {
    let mut parts = name.strip_prefix("bc")?.split('-');
    let chain = parts.next()?.parse().ok()?;
    let hex16 = |p: Option<&str>| p.is_some_and(|p| p.len() == 16 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    (hex16(parts.next()) && hex16(parts.next()) && parts.next().is_none()).then_some(chain)
}

/// The units the registry asks of this organization, and the chains it cannot serve (a
/// node's address is not an IP:port, or the spec cannot be made) with the reason.
pub fn plan(snapshot: &registry::Snapshot, config: &ProvisionConfig) -> (Vec<UnitPlan>, BTreeMap<ChainId, String>) {
    let mut units = Vec::new();
    let mut broken = BTreeMap::new();
    if !snapshot.org_active {
        return (units, broken);
    }
    for (id, chain) in &snapshot.chains {
        // One process per node: the local driver cannot run a node key twice.
        let mut keys: Vec<&[u8; 32]> = chain.blockchains.iter().flat_map(|b| b.nodes.iter()).collect();
        keys.sort();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            broken.insert(*id, "a node serves two of its blockchains: the local driver runs one chain per node".into());
            continue;
        }
        for (index, b) in chain.blockchains.iter().enumerate() {
            for key in b.nodes.iter() {
                let Some(node) = snapshot.nodes.get(key).filter(|n| n.org == config.org) else { continue };
                let Some(held) = config.node_keys.iter().find(|k| k.public == *key) else {
                    broken.insert(*id, format!("the key of node 0x{} is not in node_keys", hex::encode(key)));
                    continue;
                };
                let listen = spec::address(node);
                if listen.parse::<std::net::SocketAddr>().is_err() {
                    broken.insert(*id, format!("node address {listen} is not ip:port (the local driver needs one)"));
                    continue;
                }
                match spec::chain_spec(*id, chain, index, &snapshot.nodes) {
                    Ok(spec) => units.push(UnitPlan {
                        name: format!("bc{id}-{}-{}", spec::tag(b), hex::encode(&key[..8])),
                        chain: *id,
                        spec,
                        listen,
                        validator: node.role == accord_pallet_organizations::NodeRole::Validator,
                        key_file: held.file.clone(),
                    }),
                    Err(e) => {
                        broken.insert(*id, e);
                    }
                }
            }
        }
    }
    // A node in two business chains: the later chain cannot get it.
    let mut seen = BTreeMap::new();
    units.retain(|u| {
        let key = u.key_file.clone();
        match seen.get(&key) {
            Some(first) if *first != u.chain => {
                broken.insert(
                    u.chain,
                    format!("its node is already serving chain {first}: the local driver runs one chain per node"),
                );
                false
            }
            _ => {
                seen.insert(key, u.chain);
                true
            }
        }
    });
    (units, broken)
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Units planned.
    pub planned: usize,
    /// Units running after the round.
    pub running: usize,
    /// Units started this round.
    pub started: usize,
    /// Units stopped this round.
    pub stopped: usize,
    /// Task parts reported this round.
    pub reported: usize,
}

/// The reconciling loop's state between rounds.
struct Provisioner<D: Driver> {
    config: ProvisionConfig,
    client: HttpClient,
    pair: Pair,
    driver: D,
    first_task: alliances::TaskId,
    /// Reports submitted and when, so a part is not reported again before the chain shows it.
    submitted: BTreeMap<alliances::TaskId, Instant>,
}

impl<D: Driver> Provisioner<D> {
    async fn round(&mut self) -> Result<Round, String> {
        let (snapshot, first_task) = registry::read(&self.client, self.config.org, self.first_task).await?;
        self.first_task = first_task;
        let mut round = Round::default();
        if !snapshot.org_active {
            // Suspended or exited: nothing runs for it, but data is kept (a suspension ends).
            for name in self.driver.running()? {
                tracing::info!("halting {name}: organization {} is not active", self.config.org);
                self.driver.halt(&name)?;
                round.stopped += 1;
            }
            return Ok(round);
        }
        let (plans, broken) = plan(&snapshot, &self.config);
        let planned: BTreeSet<&str> = plans.iter().map(|u| u.name.as_str()).collect();
        round.planned = plans.len();
        for name in self.driver.known()? {
            if !planned.contains(name.as_str()) {
                tracing::info!("stopping {name}: no live chain of the registry needs it");
                self.driver.stop(&name)?;
                round.stopped += 1;
            }
        }
        let running: BTreeSet<String> = self.driver.running()?.into_iter().collect();
        for unit in &plans {
            if !running.contains(&unit.name) && !self.driver.failed(&unit.name) {
                match self.driver.start(unit) {
                    Ok(()) => {
                        tracing::info!("started {} (chain {}, listening on {})", unit.name, unit.chain, unit.listen);
                        round.started += 1;
                    }
                    Err(e) => tracing::warn!("{}: {e}", unit.name),
                }
            }
        }
        let remaining: Vec<String> = self.driver.known()?;
        for (id, task) in &snapshot.tasks {
            if self.submitted.get(id).is_some_and(|at| at.elapsed() < Duration::from_secs(30)) {
                continue;
            }
            let outcome = match task.kind {
                TaskKind::CreateChain { chain } => {
                    let units: Vec<&UnitPlan> = plans.iter().filter(|u| u.chain == chain).collect();
                    if let Some(reason) = broken.get(&chain) {
                        tracing::warn!("chain {chain}: {reason}");
                        Some(false)
                    } else if units.iter().any(|u| self.driver.failed(&u.name)) {
                        Some(false)
                    } else if !units.is_empty() && units.iter().all(|u| self.driver.ready(&u.name)) {
                        Some(true)
                    } else {
                        None
                    }
                }
                TaskKind::ExitAlliance { .. } | TaskKind::DeleteAlliance => {
                    let stale =
                        remaining.iter().any(|n| chain_of(n).is_some_and(|c| !snapshot.chains.contains_key(&c)));
                    (!stale).then_some(true)
                }
                TaskKind::CreateAlliance | TaskKind::JoinAlliance { .. } => None,
            };
            if let Some(success) = outcome {
                let call =
                    RuntimeCall::Alliances(alliances::Call::report_task { task: *id, org: self.config.org, success });
                match crate::rpc::submit_signed(&self.client, &self.pair, &call).await {
                    Ok(_) => {
                        tracing::info!(
                            "reported task {id} ({:?}): {}",
                            task.kind,
                            if success { "done" } else { "failed" }
                        );
                        self.submitted.insert(*id, Instant::now());
                        round.reported += 1;
                    }
                    Err(e) => tracing::warn!("reporting task {id}: {e}"),
                }
            }
        }
        self.submitted.retain(|id, _| snapshot.tasks.contains_key(id));
        round.running = self.driver.running()?.len();
        Ok(round)
    }
}

/// Runs the provisioning loop with `driver` until `stop` is set; `progress` sees each round.
pub fn run_with<D: Driver>(
    config: ProvisionConfig,
    driver: D,
    stop: Arc<AtomicBool>,
    mut progress: impl FnMut(Round),
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client =
            HttpClientBuilder::default().build(&config.node_url).map_err(|e| format!("{}: {e}", config.node_url))?;
        let pair = Pair::Sr25519(Sr25519Pair::from_uri(&config.signing_key).map_err(|e| e.to_string())?);
        let poll = Duration::from_millis(config.poll_ms);
        let mut p = Provisioner { config, client, pair, driver, first_task: 1, submitted: BTreeMap::new() };
        while !stop.load(Ordering::SeqCst) {
            match p.round().await {
                Ok(round) => {
                    tracing::info!(
                        "provision: org {}: {} planned, {} running, {} started, {} stopped, {} reported",
                        p.config.org,
                        round.planned,
                        round.running,
                        round.started,
                        round.stopped,
                        round.reported
                    );
                    progress(round);
                }
                Err(e) => tracing::warn!("provision round: {e}"),
            }
            tokio::time::sleep(poll).await;
        }
        Ok(())
    })
}

/// Runs the provisioning loop with the local-processes driver.
pub fn run(config: ProvisionConfig, stop: Arc<AtomicBool>) -> Result<(), String> {
    let driver = local::LocalProcesses::new(&config.work_dir, &config.node_binary)?;
    run_with(config, driver, stop, |_| {})
}
