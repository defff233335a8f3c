//! Genesis: the initial state from a JSON config, and the genesis header.
//!
//! ```json
//! { "balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "1000000000000000000"]],
//!   "sudoKey": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
//!   "timestampMs": 0 }
//! ```
//! Accounts are SS58 (any prefix) or `0x` hex; balances are JSON numbers or decimal strings
//! (amounts of 2^64 or more must be strings: JSON readers lose precision above that).
//!
//! For load tests and benchmarks, `"fundedAccounts": {"count": 1000000, "balance": "10000000000000000"}`
//! endows `count` more accounts without listing them: account `i` is the sr25519 key of the
//! mini secret [`funded_account_seed`]`(i)`, so the load generator can sign for any of them
//! (its secret URI is `0x` + the seed in hex).
//!
//! The founding organizations and the membership gate (`organizations`, `openChain`) are
//! described in `genesis_orgs.rs`: a chain is closed unless `"openChain": true`, and a closed
//! chain needs an organization with an account.
//!
//! The BFT validator set ([`GenesisConfig::validators`]) is not part of this JSON: the node
//! takes it from the chain spec's `consensus` section.
//!
//! The genesis state holds the runtime's descriptor under `:code` ([`crate::code`]), so the
//! genesis hash of a config changes with the runtime (its versions and metadata), as a
//! Substrate chain's does with its wasm: a chain keeps its genesis through its raw chain
//! spec, whose storage is taken as it is.

use serde::Deserialize;

use accord_pallet_alliances as alliances;
use accord_pallet_balances as balances;
use accord_pallet_metering as metering;
use accord_pallet_organizations::{self as organizations, Category, GenesisOrg};
use accord_pallet_sudo as sudo;
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_pallet_validators as validators;
use accord_primitives::crypto::{Sr25519Pair, DEV_ACCOUNT_NAMES};
use accord_primitives::hashing::blake2_256;
use accord_primitives::trie::{ordered_trie_root, StateVersion};
use accord_primitives::{AccountId32, Balance, Digest, Header, Pair, H256};
use accord_support::{Ext, MemoryState};

use crate::genesis_orgs::JsonOrg;
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
    /// Accounts endowed by index (see [`funded_account`]), for load tests.
    pub funded: Option<FundedAccounts>,
    /// The BFT validators' ed25519 keys (`Validators.Validators`, stored only if non-empty);
    /// the node fills it from the chain spec's consensus section, it is not read from the
    /// genesis JSON (nor written to it).
    pub validators: Vec<[u8; 32]>,
    /// The founding organizations (codes 1, 2, ... in this order).
    pub organizations: Vec<GenesisOrg>,
    /// Whether any account may transact (`Organizations.Open`); otherwise only accounts of
    /// active organizations may.
    pub open_chain: bool,
    /// The EVM's chain id and hard fork (`Evm.Config`).
    pub evm: accord_pallet_evm::EvmConfig,
}

/// The ten development accounts of Hardhat and Anvil: the addresses of the mnemonic "test test
/// test test test test test test test test test junk" at `m/44'/60'/0'/0/0..9`. A `--dev`
/// chain endows each (with [`DEV_ETHEREUM_BALANCE`]) and makes it a member of the development
/// organization, so that a Hardhat project works against it with only a network entry.
pub const DEV_ETHEREUM_ADDRESSES: [&str; 10] = [
    "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    "70997970c51812dc3a010c7d01b50e0d17dc79c8",
    "3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
    "90f79bf6eb2c4f870365e785982e1f101e93b906",
    "15d34aaf54267db7d7c367839aaf71a00a2c6a65",
    "9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
    "976ea74026e726554db657fa54763abd0c3a0aa9",
    "14dc79964da2c08b23698b3d3cc7ca32193d9955",
    "23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f",
    "a0ee7a142d267c1f36714e4a8f75612f20a79720",
];

/// What each of [`DEV_ETHEREUM_ADDRESSES`] holds on a development chain: 10,000 units, which
/// Ethereum tools show as 10,000 ETH (one planck is 10^6 wei), as Hardhat and Anvil give.
pub const DEV_ETHEREUM_BALANCE: Balance = 10_000 * UNIT;

/// The native accounts of [`DEV_ETHEREUM_ADDRESSES`] (`address ++ [0xEE; 12]`).
pub fn dev_ethereum_accounts() -> Vec<AccountId32> {
    DEV_ETHEREUM_ADDRESSES
        .iter()
        .map(|hex| {
            let mut address = [0u8; 20];
            hex::decode_to_slice(hex, &mut address).expect("constant addresses are 20 bytes of hex; qed");
            accord_ethereum::account_of(address)
        })
        .collect()
}

/// The development organization: "Development" (off-cloud, no resource space), //Alice its
/// admin, //Bob..//Ferdie and the ten Hardhat/Anvil accounts its members.
pub fn dev_organization() -> GenesisOrg {
    GenesisOrg {
        name: b"Development".to_vec(),
        category: Category::OffCloud,
        space: None,
        admins: vec![Pair::dev("Alice").account()],
        members: DEV_ACCOUNT_NAMES[1..]
            .iter()
            .map(|name| Pair::dev(name).account())
            .chain(dev_ethereum_accounts())
            .collect(),
        nodes: Vec::new(),
        credentials: Default::default(),
    }
}

/// `count` accounts, numbered from 0, each endowed with `balance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FundedAccounts {
    /// How many.
    pub count: u32,
    /// The free balance of each.
    pub balance: Balance,
}

/// The most accounts `fundedAccounts` may endow.
pub const FUNDED_ACCOUNTS_MAX: u32 = 10_000_000;

/// The 32-byte mini secret of funded account `index`: `blake2_256("accord/funded-account/" ++ index as u32 LE)`.
pub fn funded_account_seed(index: u32) -> [u8; 32] {
    let mut data = b"accord/funded-account/".to_vec();
    data.extend_from_slice(&index.to_le_bytes());
    blake2_256(&data)
}

/// The sr25519 key pair of funded account `index`.
pub fn funded_account(index: u32) -> Pair {
    Pair::Sr25519(Sr25519Pair::from_seed(&funded_account_seed(index)))
}

/// The accounts `0..count`, derived on all cores (a key derivation costs tens of
/// microseconds: a million take seconds).
pub fn funded_accounts(count: u32) -> Vec<AccountId32> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    let per_thread = count.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(per_thread as usize)
            .map(|start| {
                let end = start.saturating_add(per_thread).min(count);
                scope.spawn(move || (start..end).map(|i| funded_account(i).account()).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("key derivation does not panic")).collect()
    })
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
    #[serde(default)]
    funded_accounts: Option<JsonFunded>,
    #[serde(default)]
    organizations: Vec<JsonOrg>,
    #[serde(default)]
    open_chain: bool,
    #[serde(default)]
    evm: Option<JsonEvm>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonEvm {
    chain_id: u64,
    hard_fork: String,
}

impl JsonEvm {
    fn parse(self) -> Result<accord_pallet_evm::EvmConfig, GenesisError> {
        let hard_fork = accord_pallet_evm::HardFork::from_name(&self.hard_fork).ok_or_else(|| {
            GenesisError::Rejected(format!("evm.hardFork {:?} is not one of \"cancun\", \"prague\"", self.hard_fork))
        })?;
        Ok(accord_pallet_evm::EvmConfig { chain_id: self.chain_id, hard_fork })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFunded {
    count: u32,
    balance: serde_json::Value,
}

fn parse_balance(amount: &serde_json::Value) -> Result<Balance, GenesisError> {
    // JSON numbers are exact only up to 2^64 in most readers: larger amounts must be
    // decimal strings.
    match amount {
        serde_json::Value::Number(n) => n.as_u64().map(Balance::from),
        serde_json::Value::String(t) => t.parse::<Balance>().ok(),
        _ => None,
    }
    .ok_or_else(|| GenesisError::BadBalance(amount.to_string()))
}

impl GenesisConfig {
    /// Parses the JSON form.
    pub fn from_json(json: &str) -> Result<GenesisConfig, GenesisError> {
        let parsed: JsonGenesis = serde_json::from_str(json)?;
        let mut balances = Vec::with_capacity(parsed.balances.len());
        for (account, amount) in parsed.balances {
            let who = AccountId32::parse(&account)
                .map_err(|e| GenesisError::BadAccount { account: account.clone(), reason: e.to_string() })?;
            balances.push((who, parse_balance(&amount)?));
        }
        let sudo_key = parsed
            .sudo_key
            .map(|k| {
                AccountId32::parse(&k)
                    .map_err(|e| GenesisError::BadAccount { account: k.clone(), reason: e.to_string() })
            })
            .transpose()?;
        let funded = match parsed.funded_accounts {
            None => None,
            Some(f) if f.count > FUNDED_ACCOUNTS_MAX => {
                return Err(GenesisError::Rejected(format!(
                    "fundedAccounts.count {} is above the limit {FUNDED_ACCOUNTS_MAX}",
                    f.count
                )))
            }
            Some(f) => Some(FundedAccounts { count: f.count, balance: parse_balance(&f.balance)? }),
        };
        let organizations = parsed.organizations.into_iter().map(JsonOrg::parse).collect::<Result<_, _>>()?;
        let evm = parsed.evm.map(JsonEvm::parse).transpose()?.unwrap_or_default();
        Ok(GenesisConfig {
            balances,
            timestamp_ms: parsed.timestamp_ms,
            sudo_key,
            funded,
            validators: Vec::new(),
            organizations,
            open_chain: parsed.open_chain,
            evm,
        })
    }

    /// The JSON form (accounts in SS58 with prefix 42, balances as strings); without
    /// [`GenesisConfig::validators`], which the chain spec carries.
    pub fn to_json(&self) -> String {
        let balances: Vec<serde_json::Value> = self
            .balances
            .iter()
            .map(|(who, amount)| serde_json::json!([who.to_ss58_default(), amount.to_string()]))
            .collect();
        let sudo_key = self.sudo_key.map(|k| k.to_ss58_default());
        let mut json =
            serde_json::json!({ "balances": balances, "sudoKey": sudo_key, "timestampMs": self.timestamp_ms });
        if let Some(f) = self.funded {
            json["fundedAccounts"] = serde_json::json!({ "count": f.count, "balance": f.balance.to_string() });
        }
        json["openChain"] = serde_json::json!(self.open_chain);
        json["evm"] = serde_json::json!({ "chainId": self.evm.chain_id, "hardFork": self.evm.hard_fork.name() });
        let orgs: Vec<JsonOrg> = self.organizations.iter().map(JsonOrg::render).collect();
        json["organizations"] = serde_json::to_value(orgs).expect("organizations serialize; qed");
        serde_json::to_string_pretty(&json).expect("a JSON value serializes; qed")
    }

    /// The development genesis: //Alice..//Ferdie each endowed with 10^6 units and the ten
    /// Hardhat/Anvil accounts with [`DEV_ETHEREUM_BALANCE`], //Alice the sudo key, no
    /// validator set (`--dev` has a single local authority); one organization,
    /// [`dev_organization`], holds the sixteen accounts, and the chain is closed to others.
    pub fn dev() -> GenesisConfig {
        let natives = DEV_ACCOUNT_NAMES.iter().map(|name| (Pair::dev(name).account(), 1_000_000 * UNIT));
        let ethereum = dev_ethereum_accounts().into_iter().map(|who| (who, DEV_ETHEREUM_BALANCE));
        let balances = natives.chain(ethereum).collect();
        GenesisConfig {
            balances,
            timestamp_ms: 0,
            sudo_key: Some(Pair::dev("Alice").account()),
            funded: None,
            validators: Vec::new(),
            organizations: vec![dev_organization()],
            open_chain: false,
            evm: Default::default(),
        }
    }

    /// Builds the genesis state and header.
    pub fn build(&self) -> Result<(MemoryState, Header), GenesisError> {
        let empty = MemoryState::default();
        let changes = {
            let mut ext = Ext::new(&empty, PALLETS);
            // The runtime's identity (`:code`): a genesis built by another runtime differs.
            ext.set(crate::code::CODE_KEY.to_vec(), crate::code::descriptor_bytes().to_vec());
            system::build_genesis(&mut ext);
            // As FRAME: a placeholder for block 0's hash, replaced by the real one when block
            // 1 starts (the real hash depends on this state's root).
            system::BLOCK_HASH.insert(&mut ext, &0, &H256([0x69; 32]));
            timestamp::build_genesis(&mut ext, self.timestamp_ms);
            sudo::build_genesis(&mut ext, self.sudo_key);
            let mut endowed = self.balances.clone();
            if let Some(f) = self.funded {
                endowed.extend(funded_accounts(f.count).into_iter().map(|who| (who, f.balance)));
            }
            // The platform account that fee income goes to exists from the start.
            if !endowed.iter().any(|(who, _)| *who == metering::PLATFORM) {
                endowed.push((metering::PLATFORM, balances::EXISTENTIAL_DEPOSIT));
            }
            balances::GenesisConfig { balances: endowed }.build(&mut ext).map_err(GenesisError::Rejected)?;
            validators::build_genesis(&mut ext, &self.validators).map_err(GenesisError::Rejected)?;
            organizations::build_genesis(&mut ext, &self.organizations, self.open_chain)
                .map_err(GenesisError::Rejected)?;
            alliances::build_genesis(&mut ext);
            metering::build_genesis(&mut ext);
            accord_pallet_evm::build_genesis(&mut ext, self.evm);
            if let Some(sudo) = self.sudo_key.filter(|_| !self.open_chain) {
                if organizations::org_of(&ext, &sudo).is_none() {
                    return Err(GenesisError::Rejected(format!(
                        "the sudo key {} is in no organization: on a closed chain it could not send a transaction",
                        sudo.to_ss58_default()
                    )));
                }
            }
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
