//! Genesis: the initial state from a JSON config, and the genesis header.
//!
//! ```json
//! { "balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "1000000000000000000"]],
//!   "sudoKey": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
//!   "timestampMs": 0 }
//! ```
//! Accounts are SS58 (any prefix) or `0x` hex; balances are JSON numbers or decimal strings
//! (amounts of 2^64 or more must be strings: JSON readers lose precision above that).

use serde::Deserialize;

use accord_pallet_balances as balances;
use accord_pallet_sudo as sudo;
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_primitives::crypto::DEV_ACCOUNT_NAMES;
use accord_primitives::trie::{ordered_trie_root, StateVersion};
use accord_primitives::{AccountId32, Balance, Digest, Header, Pair, H256};
use accord_support::{Ext, MemoryState};

use crate::PALLETS;

/// One unit of the native token: 10^12 (12 decimals).
pub const UNIT: Balance = 1_000_000_000_000;

/// What the chain starts with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenesisConfig {
    /// Endowed accounts.
    pub balances: Vec<(AccountId32, Balance)>,
    /// The chain's start time in milliseconds (0: the first block sets it).
    pub timestamp_ms: u64,
    /// The account that may dispatch calls as root (none: no sudo).
    pub sudo_key: Option<AccountId32>,
}

/// Why a genesis config was rejected.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The JSON does not parse or has unknown fields.
    #[error("genesis config is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// An account does not parse.
    #[error("genesis account {account:?}: {reason}")]
    BadAccount {
        /// The text.
        account: String,
        /// Why.
        reason: String,
    },
    /// A balance does not parse.
    #[error("genesis balance {0} is not a non-negative integer below 2^128 (use a decimal string at or above 2^64)")]
    BadBalance(String),
    /// A pallet refused the config.
    #[error("genesis config rejected: {0}")]
    Rejected(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonGenesis {
    #[serde(default)]
    balances: Vec<(String, serde_json::Value)>,
    #[serde(default)]
    timestamp_ms: u64,
    #[serde(default)]
    sudo_key: Option<String>,
}

impl GenesisConfig {
    /// Parses the JSON form.
    pub fn from_json(json: &str) -> Result<GenesisConfig, GenesisError> {
        let parsed: JsonGenesis = serde_json::from_str(json)?;
        let mut balances = Vec::with_capacity(parsed.balances.len());
        for (account, amount) in parsed.balances {
            let who = AccountId32::parse(&account)
                .map_err(|e| GenesisError::BadAccount { account: account.clone(), reason: e.to_string() })?;
            // JSON numbers are exact only up to 2^64 in most readers: larger amounts must be
            // decimal strings.
            let amount = match &amount {
                serde_json::Value::Number(n) => n.as_u64().map(Balance::from),
                serde_json::Value::String(t) => t.parse::<Balance>().ok(),
                _ => None,
            }
            .ok_or_else(|| GenesisError::BadBalance(amount.to_string()))?;
            balances.push((who, amount));
        }
        let sudo_key = parsed
            .sudo_key
            .map(|k| {
                AccountId32::parse(&k)
                    .map_err(|e| GenesisError::BadAccount { account: k.clone(), reason: e.to_string() })
            })
            .transpose()?;
        Ok(GenesisConfig { balances, timestamp_ms: parsed.timestamp_ms, sudo_key })
    }

    /// The JSON form (accounts in SS58 with prefix 42, balances as strings).
    pub fn to_json(&self) -> String {
        let balances: Vec<serde_json::Value> = self
            .balances
            .iter()
            .map(|(who, amount)| serde_json::json!([who.to_ss58_default(), amount.to_string()]))
            .collect();
        let sudo_key = self.sudo_key.map(|k| k.to_ss58_default());
        serde_json::to_string_pretty(
            &serde_json::json!({ "balances": balances, "sudoKey": sudo_key, "timestampMs": self.timestamp_ms }),
        )
        .expect("a JSON value serializes; qed")
    }

    /// The development genesis: //Alice..//Ferdie each endowed with 10^6 units, //Alice the
    /// sudo key.
    pub fn dev() -> GenesisConfig {
        let balances = DEV_ACCOUNT_NAMES.iter().map(|name| (Pair::dev(name).account(), 1_000_000 * UNIT)).collect();
        GenesisConfig { balances, timestamp_ms: 0, sudo_key: Some(Pair::dev("Alice").account()) }
    }

    /// Builds the genesis state and header.
    pub fn build(&self) -> Result<(MemoryState, Header), GenesisError> {
        let empty = MemoryState::default();
        let changes = {
            let mut ext = Ext::new(&empty, PALLETS);
            system::build_genesis(&mut ext);
            // As FRAME: a placeholder for block 0's hash, replaced by the real one when block
            // 1 starts (the real hash depends on this state's root).
            system::BLOCK_HASH.insert(&mut ext, &0, &H256([0x69; 32]));
            timestamp::build_genesis(&mut ext, self.timestamp_ms);
            sudo::build_genesis(&mut ext, self.sudo_key);
            balances::GenesisConfig { balances: self.balances.clone() }
                .build(&mut ext)
                .map_err(GenesisError::Rejected)?;
            ext.into_changes()
        };
        let mut state = MemoryState::default();
        state.apply(changes);
        let header = Header {
            parent_hash: H256::ZERO,
            number: 0,
            state_root: state.root(),
            extrinsics_root: ordered_trie_root::<Vec<u8>>(&[], StateVersion::V0),
            digest: Digest::default(),
        };
        Ok((state, header))
    }
}
