//! Chain specifications: the chain's name, id, type, token properties and genesis, as JSON in
//! Substrate's shape. `build-spec` writes them; `--chain` reads them.
//!
//! ```json
//! { "name": "Development", "id": "dev", "chainType": "Development",
//!   "properties": { "ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "ACD" },
//!   "genesis": { "runtimeGenesis": { "balances": [["5Grw...", "1000000000000000000"]] } } }
//! ```
//! A raw spec carries the genesis storage itself: `"genesis": {"raw": {"top": {"0x..": "0x.."}}}`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use accord_primitives::trie::{ordered_trie_root, trie_root, StateVersion};
use accord_primitives::types::SS58_PREFIX_DEFAULT;
use accord_primitives::{AccountId32, Digest, Header, Pair, H256};
use accord_runtime::genesis::dev_organization;
use accord_runtime::{GenesisConfig, UNIT};

/// A genesis state: every key and its value.
pub type GenesisState = BTreeMap<Vec<u8>, Vec<u8>>;

/// Where the genesis state comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Genesis {
    /// Built by the runtime from its config.
    Runtime(GenesisConfig),
    /// Raw storage.
    Raw(BTreeMap<Vec<u8>, Vec<u8>>),
}

/// A chain specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// Human-readable name (`system_chain`).
    pub name: String,
    /// Short id; names the chain's folder under the base path.
    pub id: String,
    /// `Development`, `Local` or `Live`.
    pub chain_type: String,
    /// `system_properties`.
    pub properties: Value,
    /// Genesis.
    pub genesis: Genesis,
    /// BFT consensus among several validators; `None`: a single local authority (`--dev`).
    pub consensus: Option<ConsensusSpec>,
    /// Peers to connect to, `<ed25519 public key hex>@<ip>:<port>` (`bootNodes`).
    pub boot_nodes: Vec<String>,
}

/// A chain's BFT consensus: who validates and how fast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsensusSpec {
    /// The validators' ed25519 public keys: each one's consensus key, which is also its
    /// node (p2p) key.
    pub validators: Vec<[u8; 32]>,
    /// The least time between a block and its child.
    pub block_time_ms: u64,
    /// Blocks per epoch: the validator set root sets (`Validators.Validators`) takes effect
    /// at the next epoch boundary.
    pub epoch_length: u64,
}

/// The most validators a chain spec (and an epoch) may name.
pub const VALIDATORS_MAX: usize = accord_consensus::VALIDATORS_MAX;

/// The default epoch length: ten minutes of one-second blocks.
pub const EPOCH_LENGTH_DEFAULT: u64 = 600;

/// The epoch lengths a chain spec may give.
pub const EPOCH_LENGTH_RANGE: std::ops::RangeInclusive<u64> = 2..=1_000_000;

/// The secret URI of the `i`-th validator of test chains: //Alice..//Ferdie, then
/// //Validator7, //Validator8, ...
pub fn dev_validator_uri(i: usize) -> String {
    const NAMES: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];
    match NAMES.get(i) {
        Some(name) => format!("//{name}"),
        None => format!("//Validator{}", i + 1),
    }
}

impl ConsensusSpec {
    /// `count` test validators (see [`dev_validator_uri`]), a block a second.
    pub fn dev_validators(count: usize) -> ConsensusSpec {
        let validators = (0..count)
            .map(|i| {
                accord_primitives::crypto::Ed25519Pair::from_uri(&dev_validator_uri(i))
                    .expect("dev validator URIs are valid")
                    .public()
            })
            .collect();
        ConsensusSpec { validators, block_time_ms: 1000, epoch_length: EPOCH_LENGTH_DEFAULT }
    }

    fn to_json(&self) -> Value {
        let validators: Vec<String> = self.validators.iter().map(|v| format!("0x{}", hex::encode(v))).collect();
        json!({ "validators": validators, "blockTimeMs": self.block_time_ms, "epochLength": self.epoch_length })
    }

    fn from_json(v: &Value) -> Result<ConsensusSpec, ChainSpecError> {
        let list = v
            .get("validators")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("consensus.validators must be a list of 0x-prefixed ed25519 public keys"))?;
        if list.is_empty() || list.len() > VALIDATORS_MAX {
            return Err(invalid(format!("consensus.validators must name 1 to {VALIDATORS_MAX} validators")));
        }
        let mut validators = Vec::with_capacity(list.len());
        for item in list {
            let text = item.as_str().ok_or_else(|| invalid("consensus.validators entries must be strings"))?;
            let bytes = parse_hex(text)?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| invalid(format!("validator {text:?} is not a 32-byte ed25519 public key")))?;
            if validators.contains(&key) {
                return Err(invalid(format!("validator {text} is listed twice")));
            }
            validators.push(key);
        }
        let block_time_ms = match v.get("blockTimeMs") {
            None => 1000,
            Some(t) => t
                .as_u64()
                .filter(|t| (50..=600_000).contains(t))
                .ok_or_else(|| invalid("consensus.blockTimeMs must be 50 to 600000"))?,
        };
        let epoch_length = match v.get("epochLength") {
            None => EPOCH_LENGTH_DEFAULT,
            Some(l) => l.as_u64().filter(|l| EPOCH_LENGTH_RANGE.contains(l)).ok_or_else(|| {
                invalid(format!(
                    "consensus.epochLength must be {} to {} blocks",
                    EPOCH_LENGTH_RANGE.start(),
                    EPOCH_LENGTH_RANGE.end()
                ))
            })?,
        };
        Ok(ConsensusSpec { validators, block_time_ms, epoch_length })
    }
}

/// Why a chain spec was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// The file could not be read.
    #[error("cannot read chain spec {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The JSON is malformed or misses fields.
    #[error("invalid chain spec: {0}")]
    Invalid(String),
    /// The runtime refused the genesis config.
    #[error("invalid genesis in chain spec: {0}")]
    Genesis(#[from] accord_runtime::GenesisError),
}

fn invalid(message: impl Into<String>) -> ChainSpecError {
    ChainSpecError::Invalid(message.into())
}

fn default_properties() -> Value {
    json!({ "ss58Format": SS58_PREFIX_DEFAULT, "tokenDecimals": 12, "tokenSymbol": "ACD" })
}

impl ChainSpec {
    /// The development chain: //Alice..//Ferdie endowed.
    pub fn dev() -> ChainSpec {
        ChainSpec {
            name: "Development".into(),
            id: "dev".into(),
            chain_type: "Development".into(),
            properties: default_properties(),
            genesis: Genesis::Runtime(GenesisConfig::dev()),
            consensus: None,
            boot_nodes: Vec::new(),
        }
    }

    /// A local testnet: four validators (//Alice..//Dave, ed25519) finalizing by BFT
    /// consensus, a block a second; Alice and Bob endowed; the development organization
    /// (//Alice admin, //Bob..//Ferdie members) the only one, the chain closed to others; no
    /// sudo key: root comes through governance (`Governance.propose`).
    pub fn local() -> ChainSpec {
        let balances: Vec<(AccountId32, u128)> =
            ["Alice", "Bob"].iter().map(|n| (Pair::dev(n).account(), 1_000_000 * UNIT)).collect();
        ChainSpec {
            name: "Local Testnet".into(),
            id: "local".into(),
            chain_type: "Local".into(),
            properties: default_properties(),
            genesis: Genesis::Runtime(GenesisConfig {
                balances,
                timestamp_ms: 0,
                sudo_key: None,
                organizations: vec![dev_organization()],
                ..GenesisConfig::default()
            }),
            consensus: Some(ConsensusSpec::dev_validators(4)),
            boot_nodes: Vec::new(),
        }
    }

    /// Makes the chain run BFT consensus among `count` test validators
    /// ([`dev_validator_uri`]).
    pub fn set_dev_validators(&mut self, count: usize) -> Result<(), ChainSpecError> {
        if count == 0 || count > VALIDATORS_MAX {
            return Err(invalid(format!("1 to {VALIDATORS_MAX} validators")));
        }
        let (block_time_ms, epoch_length) =
            self.consensus.as_ref().map_or((1000, EPOCH_LENGTH_DEFAULT), |c| (c.block_time_ms, c.epoch_length));
        self.consensus = Some(ConsensusSpec { block_time_ms, epoch_length, ..ConsensusSpec::dev_validators(count) });
        Ok(())
    }

    /// Sets the BFT epoch length (the chain must have a consensus section).
    pub fn set_epoch_length(&mut self, blocks: u64) -> Result<(), ChainSpecError> {
        let consensus = self.consensus.as_mut().ok_or_else(|| invalid("the chain has no consensus section"))?;
        if !EPOCH_LENGTH_RANGE.contains(&blocks) {
            return Err(invalid(format!(
                "the epoch length must be {} to {} blocks",
                EPOCH_LENGTH_RANGE.start(),
                EPOCH_LENGTH_RANGE.end()
            )));
        }
        consensus.epoch_length = blocks;
        Ok(())
    }

    /// Endows `count` indexed accounts with `balance` each (see
    /// [`accord_runtime::genesis::funded_account`]). Only a runtime genesis can be changed.
    pub fn fund_accounts(&mut self, count: u32, balance: u128) -> Result<(), ChainSpecError> {
        use accord_runtime::genesis::{FundedAccounts, FUNDED_ACCOUNTS_MAX};
        if count > FUNDED_ACCOUNTS_MAX {
            return Err(invalid(format!("at most {FUNDED_ACCOUNTS_MAX} funded accounts")));
        }
        match &mut self.genesis {
            Genesis::Runtime(cfg) => {
                cfg.funded = Some(FundedAccounts { count, balance });
                Ok(())
            }
            Genesis::Raw(_) => Err(invalid("a raw chain spec's genesis cannot be changed")),
        }
    }

    /// Opens the chain (any funded account may transact) or closes it (`openChain`). Only a
    /// runtime genesis can be changed.
    pub fn set_open(&mut self, open: bool) -> Result<(), ChainSpecError> {
        match &mut self.genesis {
            Genesis::Runtime(cfg) => {
                cfg.open_chain = open;
                Ok(())
            }
            Genesis::Raw(_) => Err(invalid("a raw chain spec's genesis cannot be changed")),
        }
    }

    /// `dev`, `local`, or a path to a JSON spec.
    pub fn load(chain: &str) -> Result<ChainSpec, ChainSpecError> {
        match chain {
            "dev" | "" => Ok(ChainSpec::dev()),
            "local" => Ok(ChainSpec::local()),
            path => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ChainSpecError::Read { path: path.to_string(), source })?;
                ChainSpec::from_json(&text)
            }
        }
    }

    /// Parses a JSON spec.
    pub fn from_json(text: &str) -> Result<ChainSpec, ChainSpecError> {
        let v: Value = serde_json::from_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let field = |name: &str| -> Result<String, ChainSpecError> {
            v.get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("missing string field {name:?}")))
        };
        let name = field("name")?;
        let id = field("id")?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(invalid(format!("chain id {id:?} must be non-empty ASCII letters, digits, '-' or '_'")));
        }
        let chain_type = v.get("chainType").and_then(Value::as_str).unwrap_or("Live").to_string();
        if !["Development", "Local", "Live"].contains(&chain_type.as_str()) {
            return Err(invalid(format!("chainType {chain_type:?} must be Development, Local or Live")));
        }
        let properties = v.get("properties").cloned().unwrap_or_else(default_properties);
        if properties.get("ss58Format").and_then(Value::as_u64) != Some(SS58_PREFIX_DEFAULT as u64) {
            return Err(invalid(format!(
                "properties.ss58Format must be {SS58_PREFIX_DEFAULT}, the runtime's SS58 prefix"
            )));
        }
        let genesis = v.get("genesis").ok_or_else(|| invalid("missing field \"genesis\""))?;
        let genesis = if let Some(cfg) = genesis.get("runtimeGenesis") {
            Genesis::Runtime(GenesisConfig::from_json(&cfg.to_string())?)
        } else if let Some(top) = genesis.get("raw").and_then(|r| r.get("top")).and_then(Value::as_object) {
            let mut raw = BTreeMap::new();
            for (k, val) in top {
                let val = val.as_str().ok_or_else(|| invalid(format!("raw value of {k} is not a string")))?;
                raw.insert(parse_hex(k)?, parse_hex(val)?);
            }
            Genesis::Raw(raw)
        } else {
            return Err(invalid("genesis must hold \"runtimeGenesis\" or \"raw\": {\"top\": ...}"));
        };
        let has_sudo = match &genesis {
            Genesis::Runtime(cfg) => cfg.sudo_key.is_some(),
            Genesis::Raw(raw) => raw.contains_key(&accord_pallet_sudo::KEY.key()),
        };
        if has_sudo && chain_type != "Development" {
            return Err(invalid(format!(
                "a sudo key is for development chains only (this one's chainType is {chain_type:?}): root comes \
                 through governance (Governance.propose, vote, execute)"
            )));
        }
        let consensus = v.get("consensus").filter(|c| !c.is_null()).map(ConsensusSpec::from_json).transpose()?;
        let boot_nodes = match v.get("bootNodes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .map(|b| b.as_str().map(str::to_string).ok_or_else(|| invalid("bootNodes entries must be strings")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid("bootNodes must be a list")),
        };
        Ok(ChainSpec { name, id, chain_type, properties, genesis, consensus, boot_nodes })
    }

    /// The JSON form; `raw` writes the genesis storage instead of the runtime config.
    pub fn to_json(&self, raw: bool) -> Result<String, ChainSpecError> {
        let genesis = if raw {
            let (state, _) = self.genesis_state()?;
            let top: serde_json::Map<String, Value> = state
                .iter()
                .map(|(k, v)| (format!("0x{}", hex::encode(k)), json!(format!("0x{}", hex::encode(v)))))
                .collect();
            json!({ "raw": { "top": top } })
        } else {
            match &self.genesis {
                Genesis::Runtime(cfg) => {
                    let cfg: Value = serde_json::from_str(&cfg.to_json()).map_err(|e| invalid(e.to_string()))?;
                    json!({ "runtimeGenesis": cfg })
                }
                Genesis::Raw(_) => return self.to_json(true),
            }
        };
        let mut spec = json!({
            "name": self.name,
            "id": self.id,
            "chainType": self.chain_type,
            "bootNodes": self.boot_nodes,
            "properties": self.properties,
            "genesis": genesis,
        });
        if let Some(consensus) = &self.consensus {
            spec["consensus"] = consensus.to_json();
        }
        serde_json::to_string_pretty(&spec).map_err(|e| invalid(e.to_string()))
    }

    /// A digest of what builds this spec's genesis: the node version, the runtime (its spec
    /// version and metadata) and the runtime genesis config. A database that stored the same
    /// digest holds this spec's genesis, so a restart need not build it again (see
    /// `Backend::open_lazy`); after a change to any of them the genesis is built once more
    /// and checked. `None` for raw genesis storage, which is checked by building it.
    pub fn genesis_digest(&self) -> Option<H256> {
        match &self.genesis {
            Genesis::Runtime(cfg) => {
                let mut data = b"accord-genesis-spec:".to_vec();
                data.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
                data.extend_from_slice(&accord_runtime::version::SPEC_VERSION.to_le_bytes());
                // The runtime descriptor (`:code`) names the versions and hashes the newest
                // metadata: any runtime change changes the genesis state.
                data.extend_from_slice(&accord_primitives::hashing::blake2_256(
                    accord_runtime::code::descriptor_bytes(),
                ));
                data.extend_from_slice(cfg.to_json().as_bytes());
                Some(H256(accord_primitives::hashing::blake2_256(&data)))
            }
            Genesis::Raw(_) => None,
        }
    }

    /// The genesis storage and header.
    pub fn genesis_state(&self) -> Result<(GenesisState, Header), ChainSpecError> {
        match &self.genesis {
            Genesis::Runtime(cfg) => {
                // The genesis validator set lives in the consensus section; the state holds
                // it too (`Validators.Validators`), where root changes it.
                let mut cfg = cfg.clone();
                cfg.validators = self.consensus.as_ref().map(|c| c.validators.clone()).unwrap_or_default();
                let (state, header) = cfg.build()?;
                Ok((state.map, header))
            }
            Genesis::Raw(raw) => {
                let header = Header {
                    parent_hash: H256::ZERO,
                    number: 0,
                    state_root: trie_root(raw.iter(), StateVersion::V1),
                    extrinsics_root: ordered_trie_root::<Vec<u8>>(&[], StateVersion::V0),
                    digest: Digest::default(),
                };
                Ok((raw.clone(), header))
            }
        }
    }
}

fn parse_hex(s: &str) -> Result<Vec<u8>, ChainSpecError> {
    let body = s.strip_prefix("0x").ok_or_else(|| invalid(format!("{s:?} is not 0x-prefixed hex")))?;
    hex::decode(body).map_err(|e| invalid(format!("{s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_raw_specs_give_the_same_genesis() {
        let dev = ChainSpec::dev();
        let plain = ChainSpec::from_json(&dev.to_json(false).unwrap()).unwrap();
        assert_eq!(plain, dev);
        let raw = ChainSpec::from_json(&dev.to_json(true).unwrap()).unwrap();
        assert!(matches!(raw.genesis, Genesis::Raw(_)));
        assert_eq!(raw.genesis_state().unwrap().1.hash(), dev.genesis_state().unwrap().1.hash());
    }

    #[test]
    fn funded_accounts_go_into_the_runtime_genesis_only() {
        let mut spec = ChainSpec::dev();
        spec.fund_accounts(10, 5 * UNIT).unwrap();
        let round = ChainSpec::from_json(&spec.to_json(false).unwrap()).unwrap();
        assert_eq!(round, spec);
        assert_ne!(spec.genesis_state().unwrap().1.hash(), ChainSpec::dev().genesis_state().unwrap().1.hash());
        let too_many = spec.fund_accounts(accord_runtime::genesis::FUNDED_ACCOUNTS_MAX + 1, UNIT);
        assert!(too_many.unwrap_err().to_string().contains("at most"));
        let mut raw = ChainSpec::from_json(&ChainSpec::dev().to_json(true).unwrap()).unwrap();
        assert!(raw.fund_accounts(10, UNIT).unwrap_err().to_string().contains("raw"));
    }

    #[test]
    fn a_printed_node_public_key_is_taken_by_the_spec_and_by_bootnodes() {
        // The form `key inspect-node-key` and `key generate-node-key` print.
        let seed = crate::keys::node_key_from("//Alice").unwrap();
        let printed = crate::keys::node_public_text(&seed);
        let public = accord_primitives::crypto::Ed25519Pair::from_seed(&seed).public();
        let consensus = ConsensusSpec::from_json(&json!({ "validators": [printed] })).unwrap();
        assert_eq!(consensus.validators, vec![public]);
        let (peer, _) = crate::cli::parse_peer(&format!("{printed}@127.0.0.1:30333")).unwrap();
        assert_eq!(peer, public);
    }

    #[test]
    fn consensus_sections_round_trip_and_are_checked() {
        let local = ChainSpec::local();
        let consensus = local.consensus.as_ref().unwrap();
        assert_eq!(consensus.validators.len(), 4);
        assert_eq!(
            consensus.validators[0],
            accord_primitives::crypto::Ed25519Pair::from_uri("//Alice").unwrap().public()
        );
        let round = ChainSpec::from_json(&local.to_json(false).unwrap()).unwrap();
        assert_eq!(round, local);
        assert_eq!(consensus.epoch_length, EPOCH_LENGTH_DEFAULT);
        let mut seven = ChainSpec::local();
        seven.set_dev_validators(7).unwrap();
        assert_eq!(seven.consensus.as_ref().unwrap().validators.len(), 7);
        assert_eq!(dev_validator_uri(6), "//Validator7");
        assert!(seven.set_dev_validators(0).is_err());
        let spec = |consensus: &str| {
            format!(r#"{{"name":"n","id":"x","genesis":{{"runtimeGenesis":{{}}}},"consensus":{consensus}}}"#)
        };
        for (bad, why) in [
            (r#"{"validators":[]}"#, "1 to"),
            (r#"{"validators":["0x01"]}"#, "32-byte"),
            (r#"{"validators":"x"}"#, "list"),
            (
                r#"{"validators":["0x0101010101010101010101010101010101010101010101010101010101010101"],"blockTimeMs":1}"#,
                "blockTimeMs",
            ),
            (
                r#"{"validators":["0x0101010101010101010101010101010101010101010101010101010101010101"],"epochLength":1}"#,
                "epochLength",
            ),
        ] {
            let err = ChainSpec::from_json(&spec(bad)).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let twice = format!(r#"{{"validators":["0x{k}","0x{k}"]}}"#, k = "02".repeat(32));
        assert!(ChainSpec::from_json(&spec(&twice)).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn bad_specs_are_explained() {
        assert!(ChainSpec::from_json("{").unwrap_err().to_string().contains("not JSON"));
        assert!(ChainSpec::from_json(r#"{"id":"x","genesis":{}}"#).unwrap_err().to_string().contains("name"));
        let bad_id = r#"{"name":"n","id":"a b","genesis":{"runtimeGenesis":{}}}"#;
        assert!(ChainSpec::from_json(bad_id).unwrap_err().to_string().contains("chain id"));
        let bad_genesis = r#"{"name":"n","id":"x","genesis":{"runtimeGenesis":{"balances":[["nope","1"]]}}}"#;
        assert!(matches!(ChainSpec::from_json(bad_genesis), Err(ChainSpecError::Genesis(_))));
        // A sudo key outside a development chain: root comes through governance there.
        let alice = Pair::dev("Alice").account().to_ss58_default();
        let live_sudo = format!(
            r#"{{"name":"n","id":"x","chainType":"Live","genesis":{{"runtimeGenesis":{{"sudoKey":"{alice}","openChain":true}}}}}}"#
        );
        let e = ChainSpec::from_json(&live_sudo).unwrap_err().to_string();
        assert!(e.contains("sudo key is for development chains only"), "{e}");
        let dev_sudo = live_sudo.replace("Live", "Development");
        assert!(ChainSpec::from_json(&dev_sudo).is_ok());
        assert_eq!(
            match ChainSpec::local().genesis {
                Genesis::Runtime(cfg) => cfg.sudo_key,
                Genesis::Raw(_) => None,
            },
            None,
            "the local testnet has no sudo key"
        );
        let bad_raw = r#"{"name":"n","id":"x","genesis":{"raw":{"top":{"0xzz":"0x00"}}}}"#;
        assert!(ChainSpec::from_json(bad_raw).is_err());
        assert!(matches!(ChainSpec::load("/nonexistent/spec.json"), Err(ChainSpecError::Read { .. })));
    }
}
