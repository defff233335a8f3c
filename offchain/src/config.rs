//! The consumer's TOML configuration.
//!
//! ```toml
//! node_url = "http://127.0.0.1:9944"
//! mode = "poll"            # or "subscribe"
//! poll_interval_ms = 5000
//! batch_size = 500         # entries fetched per call
//! queue_capacity = 1024    # the ring queue between the gateway and the dispatcher
//! database = "sqlite:///var/lib/business-a/oplog.db"   # or "postgres://user@host/db"
//! metrics_port = 9616      # optional: Prometheus text on 127.0.0.1
//!
//! [consumer]                # optional: acknowledge on chain so entries can be pruned
//! name = "business-a"
//! signing_key = "//BusinessA"
//! ack_interval_ms = 10000
//!
//! [[subscriptions]]
//! name = "balances-of-d"
//! origin = "Balances"      # who owns the data: a pallet's name, or a contract's 0x address
//! data_id = "0x306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"
//!
//! [[subscriptions]]
//! name = "records"
//! origin = "Records"
//! data_id_prefix = "0x7265"
//! op_type = "Update"
//! ```

use serde::Deserialize;

/// How the gateway learns of new entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Fetch every `poll_interval_ms`.
    Poll,
    /// Fetch as soon as the node pushes an entry of a finalized block
    /// (`oplog_subscribeLogs`), polling every `poll_interval_ms` as a fallback.
    Subscribe,
}

/// A subscription: a name and a condition; every given field must match.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionConfig {
    /// Its name (rows in the database carry it).
    pub name: String,
    /// Exactly this origin: a pallet's name (`Balances`, `Records`) or `0x` and a contract's
    /// 20-byte address. Data ids are unique only within their origin: name it.
    pub origin: Option<String>,
    /// Exactly this data id (hex).
    pub data_id: Option<String>,
    /// Data ids with this prefix (hex).
    pub data_id_prefix: Option<String>,
    /// This operation type (`Create`, `Update`, `Delete`, `Query`, `Custom:<n>`).
    pub op_type: Option<String>,
    /// This operator (SS58).
    pub operator: Option<String>,
}

/// The consumer's on-chain identity: it registers under `name` and acknowledges what it
/// processed, signed with `signing_key`, so that entries every consumer processed are
/// pruned.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
    /// The consumer's name on chain.
    pub name: String,
    /// A secret URI (`//Alice`, a phrase, `0x<seed>`) of an sr25519 key with funds for fees.
    pub signing_key: String,
    /// How often to acknowledge, at most.
    #[serde(default = "default_ack_ms")]
    pub ack_interval_ms: u64,
}

fn default_ack_ms() -> u64 {
    10_000
}

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The node's HTTP JSON-RPC URL.
    pub node_url: String,
    /// Poll or subscribe.
    #[serde(default = "default_mode")]
    pub mode: Mode,
    /// Poll interval.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// Entries fetched per call (at most 1000).
    #[serde(default = "default_batch")]
    pub batch_size: u32,
    /// Capacity of the queue between fetching and processing.
    #[serde(default = "default_queue")]
    pub queue_capacity: usize,
    /// The database: `sqlite://<path>` or `postgres://user@host:port/db`.
    pub database: String,
    /// The subscriptions.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionConfig>,
    /// Serve Prometheus metrics on this port of 127.0.0.1 (optional).
    pub metrics_port: Option<u16>,
    /// The on-chain consumer (optional: without it nothing is acknowledged).
    pub consumer: Option<ConsumerConfig>,
}

fn default_mode() -> Mode {
    Mode::Poll
}
fn default_poll_ms() -> u64 {
    5000
}
fn default_batch() -> u32 {
    500
}
fn default_queue() -> usize {
    1024
}

/// Why a configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed.
    #[error("invalid config: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value is out of range or inconsistent.
    #[error("invalid config: {0}")]
    Invalid(String),
}

impl Config {
    /// Parses and checks a configuration.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    /// Reads and parses `path`.
    pub fn load(path: &str) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Config::parse(&text)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if !self.node_url.starts_with("http://") && !self.node_url.starts_with("https://") {
            return bad(format!("node_url {:?} must be an http(s) URL", self.node_url));
        }
        if self.batch_size == 0 || self.batch_size > 1000 {
            return bad(format!("batch_size {} must be 1..=1000", self.batch_size));
        }
        if self.queue_capacity == 0 || self.queue_capacity > 1_000_000 {
            return bad(format!("queue_capacity {} must be 1..=1000000", self.queue_capacity));
        }
        if self.poll_interval_ms == 0 {
            return bad("poll_interval_ms must be positive".into());
        }
        if !self.database.starts_with("sqlite://")
            && !self.database.starts_with("postgres://")
            && !self.database.starts_with("postgresql://")
        {
            return bad(format!("database {:?} must be sqlite://<path> or postgres://<url>", self.database));
        }
        if let Some(c) = &self.consumer {
            if c.name.is_empty() || c.name.len() > accord_pallet_oplog::CONSUMER_NAME_LEN_MAX as usize {
                return bad(format!(
                    "consumer name {:?} must be 1..={} bytes",
                    c.name,
                    accord_pallet_oplog::CONSUMER_NAME_LEN_MAX
                ));
            }
            if let Err(e) = accord_primitives::crypto::Sr25519Pair::from_uri(&c.signing_key) {
                return bad(format!("consumer signing_key: {e}"));
            }
            if c.ack_interval_ms == 0 {
                return bad("consumer ack_interval_ms must be positive".into());
            }
        }
        if self.subscriptions.is_empty() {
            return bad("at least one [[subscriptions]] is needed".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for s in &self.subscriptions {
            if s.name.is_empty() || !names.insert(&s.name) {
                return bad(format!("subscription names must be unique and non-empty: {:?}", s.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let ok = r#"
            node_url = "http://127.0.0.1:9944"
            mode = "subscribe"
            database = "sqlite:///tmp/x.db"
            [[subscriptions]]
            name = "all"
        "#;
        let c = Config::parse(ok).unwrap();
        assert_eq!((c.mode, c.batch_size, c.queue_capacity), (Mode::Subscribe, 500, 1024));
        assert!(Config::parse("node_url = 1").is_err());
        assert!(Config::parse(&ok.replace("http://", "ftp://")).unwrap_err().to_string().contains("node_url"));
        assert!(Config::parse(&ok.replace("sqlite://", "mysql://")).unwrap_err().to_string().contains("sqlite"));
        assert!(Config::parse(&ok.replace("sqlite:///tmp/x.db", "postgres://u@h/db")).is_ok());
        assert!(Config::parse(&format!("{ok}\n[[subscriptions]]\nname = \"all\"")).is_err(), "duplicate names");
        assert!(Config::parse(&format!("{ok}\nbogus = 1")).is_err(), "unknown fields");
    }
}
