//! The provisioning driver's TOML config.
//!
//! ```toml
//! node_url = "http://127.0.0.1:9944"   # the main chain's public RPC
//! org = 2                              # the organization this driver acts for
//! signing_key = "//BetaAdmin"          # an account of that organization (secret URI or key file)
//! work_dir = "/var/lib/accord-provision/beta"
//! node_binary = "/usr/local/bin/accord-node"   # default: accord-node next to this program
//! poll_ms = 1000
//! node_keys = ["/etc/accord/node-a.key", "/etc/accord/node-b.key"]   # ed25519 seeds, hex
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use accord_primitives::crypto::Ed25519Pair;

/// Why a config was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML does not parse or has unknown fields.
    #[error("invalid provisioning config: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is out of range or unusable.
    #[error("invalid provisioning config: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    node_url: String,
    org: u32,
    signing_key: String,
    work_dir: PathBuf,
    node_binary: Option<PathBuf>,
    #[serde(default = "default_poll_ms")]
    poll_ms: u64,
    #[serde(default)]
    node_keys: Vec<PathBuf>,
}

fn default_poll_ms() -> u64 {
    1000
}

/// A node key this driver holds: its file and public key.
#[derive(Clone, Debug)]
pub struct HeldKey {
    /// The key file (passed to `accord-node`).
    pub file: PathBuf,
    /// Its ed25519 public key.
    pub public: [u8; 32],
}

/// A checked provisioning config.
#[derive(Clone, Debug)]
pub struct ProvisionConfig {
    /// The main chain's RPC (HTTP).
    pub node_url: String,
    /// The organization's code.
    pub org: u32,
    /// The secret URI (or key file contents) of the reporting account.
    pub signing_key: String,
    /// Where the driver keeps each node's spec, data and log.
    pub work_dir: PathBuf,
    /// The `accord-node` binary.
    pub node_binary: PathBuf,
    /// How often it reconciles, in milliseconds (100 to 60000).
    pub poll_ms: u64,
    /// The node keys it holds.
    pub node_keys: Vec<HeldKey>,
}

/// Reads the seed of a node key file: 32 bytes of hex (`accord-node key generate-node-key`),
/// or a secret URI, on its first line.
pub fn read_node_key(path: &std::path::Path) -> Result<Ed25519Pair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read node key {}: {e}", path.display()))?;
    let line = text.lines().next().unwrap_or("").trim();
    if let Ok(bytes) = hex::decode(line.trim_start_matches("0x")) {
        let seed: [u8; 32] =
            bytes.try_into().map_err(|_| format!("node key {}: hex must be 32 bytes", path.display()))?;
        return Ok(Ed25519Pair::from_seed(&seed));
    }
    Ed25519Pair::from_uri(line).map_err(|e| format!("node key {}: {e}", path.display()))
}

impl ProvisionConfig {
    /// Parses and checks a config.
    pub fn parse(text: &str) -> Result<ProvisionConfig, ProvisionConfigError> {
        let raw: RawConfig = toml::from_str(text)?;
        let invalid = |m: String| ProvisionConfigError::Invalid(m);
        if !raw.node_url.starts_with("http://") && !raw.node_url.starts_with("https://") {
            return Err(invalid(format!("node_url {:?} must be an http(s) URL", raw.node_url)));
        }
        if raw.org == 0 {
            return Err(invalid("org must be an organization code (1 or more)".into()));
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
        let mut node_keys = Vec::new();
        for file in raw.node_keys {
            let public = read_node_key(&file).map_err(invalid)?.public();
            if node_keys.iter().any(|k: &HeldKey| k.public == public) {
                return Err(invalid(format!("node key {} is listed twice", file.display())));
            }
            node_keys.push(HeldKey { file, public });
        }
        let node_binary = match raw.node_binary {
            Some(path) => path,
            None => std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|d| d.join("accord-node")))
                .unwrap_or_else(|| PathBuf::from("accord-node")),
        };
        Ok(ProvisionConfig {
            node_url: raw.node_url,
            org: raw.org,
            signing_key,
            work_dir: raw.work_dir,
            node_binary,
            poll_ms: raw.poll_ms,
            node_keys,
        })
    }

    /// Reads and checks a config file.
    pub fn load(path: &str) -> Result<ProvisionConfig, ProvisionConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ProvisionConfigError::Read { path: path.into(), source })?;
        ProvisionConfig::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> String {
        format!("node_url = \"http://127.0.0.1:9944\"\norg = 2\nsigning_key = \"//BetaAdmin\"\nwork_dir = \"/tmp/x\"\n{extra}")
    }

    #[test]
    fn a_good_config_parses_and_bad_ones_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("node.key");
        std::fs::write(&key, format!("{}\n", "07".repeat(32))).unwrap();
        let good =
            ProvisionConfig::parse(&config(&format!("node_keys = [{:?}]\n", key.display().to_string()))).unwrap();
        assert_eq!((good.org, good.poll_ms, good.node_keys.len()), (2, 1000, 1));
        assert_eq!(good.node_keys[0].public, Ed25519Pair::from_seed(&[7; 32]).public());

        let error = |text: &str| ProvisionConfig::parse(text).unwrap_err().to_string();
        assert!(error(&config("colour = 1\n")).contains("unknown field"));
        assert!(error(&config("poll_ms = 5\n")).contains("poll_ms"));
        assert!(error(&config("node_keys = [\"/nonexistent/key\"]\n")).contains("cannot read node key"));
        let twice = format!("node_keys = [{0:?}, {0:?}]\n", key.display().to_string());
        assert!(error(&config(&twice)).contains("listed twice"));
        assert!(error(&config("").replace("org = 2", "org = 0")).contains("org must be"));
        assert!(error(&config("").replace("http://127.0.0.1:9944", "127.0.0.1:9944")).contains("http(s) URL"));
        assert!(error(&config("").replace("//BetaAdmin", "not a key at all")).contains("signing_key"));
        std::fs::write(&key, "zz\n").unwrap();
        assert!(read_node_key(&key).is_err());
    }
}
