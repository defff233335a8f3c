//! The TOML config of the sub-chain status workers (reporter and verifier alike).
//!
//! ```toml
//! main_url = "http://127.0.0.1:9944"   # the main chain's public RPC
//! sub_url = "http://127.0.0.1:9955"    # this organization's node of the sub-chain
//! subchain = 1                         # the sub-chain's id on the main chain
//! signing_key = "//LedgerMonitor"      # a monitoring account (secret URI or key file)
//! poll_ms = 1000                       # how often it looks (100 to 60000)
//! metrics_port = 9616                  # optional: Prometheus text on 127.0.0.1
//! # inflate_tx_count = 0               # reporter only, tests only: lie about the tx count
//! # forge_code_hash = false            # reporter only, tests only: lie about contracts' code
//! ```

use serde::Deserialize;

use accord_pallet_subchain_status::SubchainId;

/// Why a config was refused.
#[derive(Debug, thiserror::Error)]
pub enum StatusConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML does not parse or has unknown fields.
    #[error("invalid status worker config: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is out of range or unusable.
    #[error("invalid status worker config: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    main_url: String,
    sub_url: String,
    subchain: SubchainId,
    signing_key: String,
    #[serde(default = "default_poll_ms")]
    poll_ms: u64,
    metrics_port: Option<u16>,
    #[serde(default)]
    inflate_tx_count: u64,
    #[serde(default)]
    forge_code_hash: bool,
}

fn default_poll_ms() -> u64 {
    1000
}

/// A checked config of a status worker.
#[derive(Clone, Debug)]
pub struct StatusConfig {
    /// The main chain's RPC (HTTP).
    pub main_url: String,
    /// The sub-chain node's RPC (HTTP).
    pub sub_url: String,
    /// The sub-chain's id on the main chain.
    pub subchain: SubchainId,
    /// The secret URI (or key file contents) of the monitoring account.
    pub signing_key: String,
    /// How often it looks, in milliseconds (100 to 60000).
    pub poll_ms: u64,
    /// Where to serve metrics (127.0.0.1), if anywhere.
    pub metrics_port: Option<u16>,
    /// Added to every collected transaction count: a test flag that makes a reporter lie
    /// (refused by the verifier).
    pub inflate_tx_count: u64,
    /// Announces every contract with a wrong code hash: a test flag that makes a reporter
    /// lie (disputed by the verifier).
    pub forge_code_hash: bool,
}

impl StatusConfig {
    /// Parses and checks a config.
    pub fn parse(text: &str) -> Result<StatusConfig, StatusConfigError> {
        let raw: RawConfig = toml::from_str(text)?;
        let invalid = |m: String| StatusConfigError::Invalid(m);
        for (name, url) in [("main_url", &raw.main_url), ("sub_url", &raw.sub_url)] {
            if !url.starts_with("http://") && !url.starts_with("https://") {
                return Err(invalid(format!("{name} {url:?} must be an http(s) URL")));
            }
        }
        if raw.main_url == raw.sub_url {
            return Err(invalid("main_url and sub_url name the same node: a sub-chain is another chain".into()));
        }
        if raw.subchain == 0 {
            return Err(invalid("subchain must be a sub-chain id (1 or more)".into()));
        }
        if !(100..=60_000).contains(&raw.poll_ms) {
            return Err(invalid("poll_ms must be 100 to 60000".into()));
        }
        let signing_key = match std::fs::read_to_string(&raw.signing_key) {
            Ok(text) => text.trim().to_string(),
            Err(_) => raw.signing_key.clone(),
        };
        accord_primitives::crypto::Sr25519Pair::from_uri(&signing_key)
            .map_err(|e| invalid(format!("signing_key: {e}")))?;
        Ok(StatusConfig {
            main_url: raw.main_url,
            sub_url: raw.sub_url,
            subchain: raw.subchain,
            signing_key,
            poll_ms: raw.poll_ms,
            metrics_port: raw.metrics_port,
            inflate_tx_count: raw.inflate_tx_count,
            forge_code_hash: raw.forge_code_hash,
        })
    }

    /// Reads and checks a config file.
    pub fn load(path: &str) -> Result<StatusConfig, StatusConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| StatusConfigError::Read { path: path.into(), source })?;
        StatusConfig::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> String {
        format!(
            "main_url = \"http://127.0.0.1:9944\"\nsub_url = \"http://127.0.0.1:9955\"\nsubchain = 1\nsigning_key = \"//Mon\"\n{extra}"
        )
    }

    #[test]
    fn a_good_config_parses_and_bad_ones_say_why() {
        let good = StatusConfig::parse(&config("metrics_port = 0\n")).unwrap();
        assert_eq!((good.subchain, good.poll_ms, good.metrics_port, good.inflate_tx_count), (1, 1000, Some(0), 0));
        let error = |text: &str| StatusConfig::parse(text).unwrap_err().to_string();
        assert!(error(&config("colour = 1\n")).contains("unknown field"));
        assert!(error(&config("poll_ms = 50\n")).contains("poll_ms"));
        assert!(error(&config("").replace("subchain = 1", "subchain = 0")).contains("subchain must be"));
        assert!(error(&config("").replace("http://127.0.0.1:9955", "127.0.0.1:9955")).contains("sub_url"));
        assert!(error(&config("").replace("9955", "9944")).contains("same node"));
        assert!(error(&config("").replace("//Mon", "not a key")).contains("signing_key"));
        assert!(error(&config("").replace("subchain = 1", "subchain = \"one\"")).contains("invalid"));
    }
}
