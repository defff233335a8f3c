//! The command line, in the conventions Substrate users know.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand};

use accord_rpc::{Cors, RpcConfig};

use crate::authoring::SealMode;
use crate::backend::Pruning;
use crate::chain_spec::ChainSpec;
use crate::keys::Scheme;
use crate::pool::PoolLimits;
use crate::service::{ConsensusSettings, NodeConfig};
use accord_primitives::crypto::Ed25519Pair;

/// The Accord node.
#[derive(Debug, Parser)]
#[command(name = "accord-node", version, about = "Accord: a Substrate-compatible node for consortium chains")]
pub struct Cli {
    /// A subcommand; without one the node runs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Run the development chain: --chain dev, a temporary database unless --base-path is given.
    #[arg(long, global = true)]
    pub dev: bool,
    /// The chain: `dev`, `local`, or a chain spec JSON file.
    #[arg(long, value_name = "CHAIN", global = true)]
    pub chain: Option<String>,
    /// Where the node keeps its data (`<base>/chains/<id>/db`).
    #[arg(long, short = 'd', value_name = "PATH", global = true)]
    pub base_path: Option<PathBuf>,
    /// Keep the data in a temporary folder, deleted on exit.
    #[arg(long)]
    pub tmp: bool,
    /// The JSON-RPC port (HTTP and WebSocket); 0 picks a free port.
    #[arg(long, default_value_t = 9944)]
    pub rpc_port: u16,
    /// Listen for RPC on all interfaces instead of 127.0.0.1.
    #[arg(long)]
    pub rpc_external: bool,
    /// Browser origins allowed to call the RPC: `all`, or a comma-separated list.
    #[arg(long, value_name = "ORIGINS")]
    pub rpc_cors: Option<String>,
    /// Simultaneous RPC connections.
    #[arg(long, default_value_t = 100)]
    pub rpc_max_connections: u32,
    /// Largest RPC request, in MiB.
    #[arg(long, default_value_t = 15)]
    pub rpc_max_request_size: u32,
    /// Largest RPC response, in MiB.
    #[arg(long, default_value_t = 15)]
    pub rpc_max_response_size: u32,
    /// Subscriptions per RPC connection.
    #[arg(long, default_value_t = 1024)]
    pub rpc_max_subscriptions_per_connection: u32,
    /// Calls per RPC batch.
    #[arg(long, default_value_t = 256)]
    pub rpc_max_batch_len: u32,
    /// Milliseconds between blocks.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub block_time_ms: u64,
    /// Make a block as soon as transactions wait (and none otherwise).
    #[arg(long)]
    pub instant_seal: bool,
    /// State history to keep: a number of blocks, or `archive`.
    #[arg(long, default_value = "256", value_parser = parse_pruning)]
    pub state_pruning: Pruning,
    /// Serve Prometheus metrics on this port (127.0.0.1); off unless given.
    #[arg(long)]
    pub prometheus_port: Option<u16>,
    /// Transactions the pool holds.
    #[arg(long, default_value_t = 65_536)]
    pub pool_limit: usize,
    /// Megabytes of transactions the pool holds.
    #[arg(long, default_value_t = 64)]
    pub pool_mb: usize,
    /// Megabytes of storage caches: a third each for RocksDB's block cache, its memtables
    /// and the in-memory cache of state values and trie nodes.
    #[arg(long, default_value_t = crate::db::DEFAULT_DB_CACHE_MIB,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(48..=1_048_576))]
    pub db_cache: usize,
    /// Validate: vote and propose in the chain's BFT consensus with `--validator-key`
    /// (chains with a `consensus` section, e.g. `--chain local`). Without it such a chain
    /// runs a full node, which follows the finalized chain and serves the RPC.
    #[arg(long)]
    pub validator: bool,
    /// The validator's ed25519 key: a secret URI (`//Alice`, for test chains) or a key file
    /// (hex seed, as `key generate-node-key --file` writes). It is also the node's p2p key.
    #[arg(long, value_name = "URI|FILE")]
    pub validator_key: Option<String>,
    /// The p2p key file of a full node (hex seed); default `<base>/chains/<id>/network/node-key`,
    /// created on first start.
    #[arg(long, value_name = "FILE")]
    pub node_key_file: Option<PathBuf>,
    /// Where to accept p2p connections.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:30333")]
    pub listen_addr: SocketAddr,
    /// Peers, `<ed25519 public key hex>@<ip>:<port>`, comma-separated (added to the chain
    /// spec's `bootNodes`). Validators are dialed; other listed peers (full nodes) are
    /// accepted when they connect.
    #[arg(long, value_name = "KEY@IP:PORT", value_delimiter = ',')]
    pub bootnodes: Vec<String>,
    /// The logic versions this validator announces on chain, `Target:version` pairs,
    /// comma-separated (`Records:1,Records:2`); default: every version this binary ships. A
    /// release cannot enter a stage until every validator announces its new version, so an
    /// operator holds one back with this (tests use it to stand in for an older binary).
    #[arg(long, value_name = "LIST")]
    pub logic_versions: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the chain spec as JSON.
    BuildSpec {
        /// Print the genesis storage instead of the runtime config.
        #[arg(long)]
        raw: bool,
        /// Also endow this many indexed accounts (`fundedAccounts`, for load tests: account
        /// i's secret is `runtime::genesis::funded_account_seed(i)`; see `accord-bench`).
        /// They belong to no organization: add `--open` for them to transact.
        #[arg(long, value_name = "N")]
        funded_accounts: Option<u32>,
        /// The free balance of each funded account, in plancks (default 10^6 units).
        #[arg(long, value_name = "PLANCKS", default_value_t = 1_000_000 * accord_runtime::UNIT)]
        funded_balance: u128,
        /// Make the chain run BFT consensus among N test validators (//Alice..//Ferdie, then
        /// //Validator7 ...).
        #[arg(long, value_name = "N")]
        validators: Option<usize>,
        /// Blocks per BFT epoch: a validator set root sets takes effect at the next epoch
        /// boundary (default 600; needs a consensus section).
        #[arg(long, value_name = "BLOCKS")]
        epoch_length: Option<u64>,
        /// Open the chain (`openChain`): any funded account may transact, not only the
        /// accounts of active organizations (for load tests and experiments).
        #[arg(long)]
        open: bool,
    },
    /// Check a block's finalization certificate (hex, as `accord_getFinalityCertificate`
    /// returns it) against the chain spec's validator set.
    VerifyCertificate {
        /// The certificate, hex.
        certificate: String,
        /// The block it must finalize (hex hash); any block if omitted.
        #[arg(long)]
        block: Option<String>,
        /// The validator set of the certificate's epoch, comma-separated hex keys (as
        /// `accord_validators <epoch>` returns them); default: the chain spec's (epoch 0).
        #[arg(long, value_delimiter = ',')]
        validators: Vec<String>,
    },
    /// Delete the chain's database.
    PurgeChain {
        /// Do not ask for confirmation.
        #[arg(short = 'y')]
        yes: bool,
    },
    /// Recompute the best state's root from the database and compare it with the header.
    VerifyState,
    /// Key tools.
    #[command(subcommand)]
    Key(KeyCommand),
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a random mnemonic and print its account.
    Generate {
        /// Signature scheme.
        #[arg(long, value_enum, default_value = "sr25519")]
        scheme: Scheme,
        /// Words in the phrase.
        #[arg(long, default_value_t = 12)]
        words: usize,
        /// SS58 network prefix.
        #[arg(long, default_value_t = 42)]
        network: u16,
    },
    /// Generate a random ed25519 node key: the secret (hex seed) goes to `--file` (or
    /// standard output), the public key, which peers list in `--bootnodes`, to standard
    /// output (or standard error without `--file`).
    GenerateNodeKey {
        /// Write the secret to this file (refused if it exists).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Print the public key (`0x` hex, as the chain spec and `--bootnodes` take it) of a node key: a key file or
    /// a secret URI (`//Alice`).
    InspectNodeKey {
        /// The key file or secret URI.
        key: String,
    },
    /// Print the account of a secret URI (`//Alice`, `<phrase>//hard/soft///password`, `0x<seed>`).
    Inspect {
        /// The secret URI.
        uri: String,
        /// Signature scheme.
        #[arg(long, value_enum, default_value = "sr25519")]
        scheme: Scheme,
        /// SS58 network prefix.
        #[arg(long, default_value_t = 42)]
        network: u16,
    },
}

fn parse_pruning(s: &str) -> Result<Pruning, String> {
    if s == "archive" || s == "archive-canonical" {
        return Ok(Pruning::Archive);
    }
    match s.parse::<u32>() {
        Ok(n) if n > 0 => Ok(Pruning::Window(n)),
        _ => Err(format!("expected a positive number of blocks or `archive`, got {s:?}")),
    }
}

impl Cli {
    /// The chain spec named by `--chain` / `--dev`.
    pub fn spec(&self) -> Result<ChainSpec, String> {
        let chain = match (&self.chain, self.dev) {
            (Some(c), _) => c.as_str(),
            (None, true) => "dev",
            (None, false) => "local",
        };
        ChainSpec::load(chain).map_err(|e| e.to_string())
    }

    /// Whether the data goes to a temporary folder.
    pub fn uses_tmp(&self) -> bool {
        self.tmp || (self.dev && self.base_path.is_none())
    }

    /// The base path: `--base-path`, or `$HOME/.local/share/accord`.
    pub fn base_path(&self) -> PathBuf {
        self.base_path.clone().unwrap_or_else(|| {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
            home.join(".local/share/accord")
        })
    }

    /// The node configuration, with the database under `base`.
    pub fn node_config(&self, spec: ChainSpec, base: &Path) -> Result<NodeConfig, String> {
        let ip = if self.rpc_external { std::net::IpAddr::from([0, 0, 0, 0]) } else { Ipv4Addr::LOCALHOST.into() };
        let mut rpc = RpcConfig::with_defaults(SocketAddr::new(ip, self.rpc_port));
        rpc.max_connections = self.rpc_max_connections;
        rpc.max_request_bytes = self.rpc_max_request_size.saturating_mul(1024 * 1024);
        rpc.max_response_bytes = self.rpc_max_response_size.saturating_mul(1024 * 1024);
        rpc.max_subscriptions_per_connection = self.rpc_max_subscriptions_per_connection;
        rpc.max_batch_len = self.rpc_max_batch_len;
        rpc.cors = match self.rpc_cors.as_deref() {
            None | Some("all") => Cors::All,
            Some(list) => Cors::List(list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()),
        };
        if self.pool_limit == 0 || self.pool_mb == 0 {
            return Err("--pool-limit and --pool-mb must be positive".into());
        }
        let db_path = base.join("chains").join(&spec.id).join("db");
        let consensus = self.consensus_settings(&spec, base)?;
        Ok(NodeConfig {
            consensus,
            spec,
            db_path,
            pruning: self.state_pruning,
            memory: crate::db::MemoryBudget::from_mib(self.db_cache),
            rpc,
            prometheus: self.prometheus_port.map(|p| SocketAddr::new(Ipv4Addr::LOCALHOST.into(), p)),
            seal: if self.instant_seal {
                SealMode::Instant
            } else {
                SealMode::Interval(Duration::from_millis(self.block_time_ms))
            },
            pool: PoolLimits {
                count_max: self.pool_limit,
                bytes_max: self.pool_mb.saturating_mul(1024 * 1024),
                per_sender_max: PoolLimits::default().per_sender_max,
            },
        })
    }
}

impl Cli {
    /// The BFT settings: `None` for a chain without a `consensus` section (one local
    /// authority).
    fn consensus_settings(&self, spec: &ChainSpec, base: &Path) -> Result<Option<ConsensusSettings>, String> {
        let Some(consensus) = &spec.consensus else {
            if self.validator || self.validator_key.is_some() || self.logic_versions.is_some() {
                return Err(format!(
                    "chain {:?} has no consensus section: it runs one local authority, without validators",
                    spec.id
                ));
            }
            return Ok(None);
        };
        let chain_dir = base.join("chains").join(&spec.id);
        let key = if self.validator {
            let source = self.validator_key.as_deref().ok_or("--validator needs --validator-key <URI|FILE>")?;
            let seed = crate::keys::node_key_from(source)?;
            let public = Ed25519Pair::from_seed(&seed).public();
            if !consensus.validators.contains(&public) {
                // Root may add it (`Validators`): it votes from the epoch after that.
                tracing::warn!(
                    "validator key 0x{} is not in the genesis validator set: this node follows until an epoch's set names it",
                    hex::encode(public)
                );
            }
            seed
        } else if self.validator_key.is_some() {
            return Err("--validator-key is given without --validator".into());
        } else {
            let path = self.node_key_file.clone().unwrap_or_else(|| chain_dir.join("network").join("node-key"));
            crate::keys::load_or_create_node_key(&path, self.node_key_file.is_none())?
        };
        let me = Ed25519Pair::from_seed(&key).public();
        let mut peers = Vec::new();
        for entry in spec.boot_nodes.iter().chain(&self.bootnodes) {
            let (public, addr) = parse_peer(entry)?;
            if public != me && !peers.iter().any(|(p, _)| *p == public) {
                peers.push((public, addr));
            }
        }
        Ok(Some(ConsensusSettings {
            key,
            vote: self.validator,
            validators: consensus.validators.clone(),
            epoch_length: consensus.epoch_length,
            listen: self.listen_addr,
            peers,
            storage: chain_dir.join("consensus"),
            block_time: Duration::from_millis(consensus.block_time_ms),
            logic_versions: match &self.logic_versions {
                Some(list) => {
                    accord_runtime::parse_logic_versions(list).map_err(|e| format!("--logic-versions: {e}"))?
                }
                None => accord_runtime::logic_versions(),
            },
        }))
    }
}

/// Parses a peer, `<ed25519 public key hex>@<ip>:<port>`.
pub fn parse_peer(entry: &str) -> Result<([u8; 32], SocketAddr), String> {
    let bad = |why: &str| format!("peer {entry:?}: {why} (expected <ed25519 public key hex>@<ip>:<port>)");
    let (key, addr) = entry.trim().split_once('@').ok_or_else(|| bad("no '@'"))?;
    let key = hex::decode(key.trim_start_matches("0x")).map_err(|_| bad("the key is not hex"))?;
    let key: [u8; 32] = key.try_into().map_err(|_| bad("the key is not 32 bytes"))?;
    let addr: SocketAddr = addr.parse().map_err(|_| bad("the address is not <ip>:<port>"))?;
    Ok((key, addr))
}
