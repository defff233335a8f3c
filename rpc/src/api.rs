//! What the RPC server needs from a node: [`NodeApi`]. The node implements it; the server
//! turns it into JSON-RPC. No JSON crosses this boundary except chain properties, which are
//! JSON by definition.

use std::future::Future;
use std::pin::Pin;

use accord_primitives::{AccountId32, Block, Header, H256};
use tokio::sync::{broadcast, mpsc};

/// A submission in progress (it may wait for the node's batch signature verifier): resolves
/// to the transaction's hash, or why the pool refused it.
pub type Submission = Pin<Box<dyn Future<Output = Result<H256, SubmitError>> + Send>>;

/// A watched submission in progress: resolves to the transaction's hash and its status
/// stream, or why the pool refused it.
pub type WatchedSubmission =
    Pin<Box<dyn Future<Output = Result<(H256, mpsc::Receiver<TxStatus>), SubmitError>> + Send>>;

/// The chain's identity as the `system_*` methods report it.
#[derive(Clone, Debug)]
pub struct ChainInfo {
    /// The chain's name (`system_chain`).
    pub chain_name: String,
    /// `Development`, `Local` or `Live` (`system_chainType`).
    pub chain_type: String,
    /// `system_properties`: `ss58Format`, `tokenDecimals`, `tokenSymbol`.
    pub properties: serde_json::Value,
    /// The node implementation's name (`system_name`).
    pub node_name: String,
    /// The node implementation's version (`system_version`).
    pub node_version: String,
}

/// The runtime version, as `state_getRuntimeVersion` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeVersionInfo {
    /// `specName`.
    pub spec_name: String,
    /// `implName`.
    pub impl_name: String,
    /// `authoringVersion`.
    pub authoring_version: u32,
    /// `specVersion`.
    pub spec_version: u32,
    /// `implVersion`.
    pub impl_version: u32,
    /// `apis`: ids and versions.
    pub apis: Vec<([u8; 8], u32)>,
    /// `transactionVersion`.
    pub transaction_version: u32,
    /// `systemVersion` (and `stateVersion`).
    pub system_version: u8,
}

/// A transaction's progress, as `author_extrinsicUpdate` notifications report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Waiting for an earlier nonce.
    Future,
    /// Ready to be included.
    Ready,
    /// Included in a block.
    InBlock(H256),
    /// The block that included it was abandoned (a BFT engine finalized another block at
    /// its height); the transaction is back in the pool.
    Retracted(H256),
    /// The block that included it is final.
    Finalized(H256),
    /// Replaced by another transaction (with the same nonce and a higher priority).
    Usurped(H256),
    /// Removed from the pool without inclusion (limits).
    Dropped,
    /// No longer valid.
    Invalid,
}

impl TxStatus {
    /// Whether no update follows this one.
    pub fn is_final(&self) -> bool {
        matches!(self, TxStatus::Finalized(_) | TxStatus::Usurped(_) | TxStatus::Dropped | TxStatus::Invalid)
    }
}

/// Why a submitted extrinsic was refused (the author error codes).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// 1001: the bytes are not an extrinsic.
    #[error("Extrinsic has invalid format: {0}")]
    BadFormat(String),
    /// 1010: invalid; the reason is the runtime's.
    #[error("Invalid Transaction: {0}")]
    Invalid(String),
    /// 1011: validity could not be determined.
    #[error("Unknown Transaction Validity: {0}")]
    UnknownValidity(String),
    /// 1013: already in the pool.
    #[error("Transaction Already Imported")]
    AlreadyImported,
    /// 1014: a transaction with the same sender and nonce has a higher or equal priority.
    #[error("Priority is too low: ({old} vs {new})")]
    TooLowPriority {
        /// The pooled transaction's priority.
        old: u64,
        /// The submitted one's.
        new: u64,
    },
    /// 1016: the pool is full and this transaction does not outrank anything in it.
    #[error("Immediately Dropped: {0}")]
    ImmediatelyDropped(String),
}

impl SubmitError {
    /// The JSON-RPC error code Substrate uses for this error.
    pub fn code(&self) -> i32 {
        match self {
            SubmitError::BadFormat(_) => 1001,
            SubmitError::Invalid(_) => 1010,
            SubmitError::UnknownValidity(_) => 1011,
            SubmitError::AlreadyImported => 1013,
            SubmitError::TooLowPriority { .. } => 1014,
            SubmitError::ImmediatelyDropped(_) => 1016,
        }
    }
}

/// An address as the Ethereum JSON-RPC reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EthAccount {
    /// Its balance in wei, big-endian.
    pub balance: [u8; 32],
    /// Its nonce (with `pending`: counting the pool's transactions).
    pub nonce: u64,
    /// Its code (empty for an account).
    pub code: Vec<u8>,
}

/// A call to simulate (`eth_call`, `eth_estimateGas`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EthCall {
    /// The caller.
    pub from: Option<[u8; 20]>,
    /// The callee; `None` simulates a creation.
    pub to: Option<[u8; 20]>,
    /// The gas limit (the cap if none).
    pub gas: Option<u64>,
    /// The value in wei, big-endian.
    pub value: [u8; 32],
    /// The call data or init code.
    pub data: Vec<u8>,
}

/// One log of an Ethereum receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EthLog {
    /// The contract that emitted it.
    pub address: [u8; 20],
    /// Its topics.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: Vec<u8>,
}

/// An included Ethereum transaction and what its receipt reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EthReceipt {
    /// keccak-256 of the raw transaction.
    pub hash: [u8; 32],
    /// The raw signed transaction.
    pub raw: Vec<u8>,
    /// The sender.
    pub from: [u8; 20],
    /// The contract it created.
    pub contract_address: Option<[u8; 20]>,
    /// Whether it succeeded.
    pub status: bool,
    /// The gas it used.
    pub gas_used: u64,
    /// What its sender was charged, in wei.
    pub fee_wei: u128,
    /// Its logs, in order.
    pub logs: Vec<EthLog>,
}

/// A block as the Ethereum JSON-RPC sees it: its header, time and Ethereum transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthBlock {
    /// The header.
    pub header: Header,
    /// The time its timestamp inherent set, in ms.
    pub timestamp_ms: u64,
    /// The most gas its normal class could hold.
    pub gas_limit: u64,
    /// Its Ethereum transactions' receipts, in block order.
    pub receipts: Vec<EthReceipt>,
}

/// How a simulated call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EthCallOutcome {
    /// It succeeded with this output.
    Success {
        /// The return data.
        output: Vec<u8>,
        /// The gas it used.
        gas_used: u64,
    },
    /// It reverted with this data.
    Revert {
        /// The revert data.
        output: Vec<u8>,
        /// The gas it used.
        gas_used: u64,
    },
    /// It halted.
    Halt {
        /// Why, in words.
        reason: String,
        /// The gas it used.
        gas_used: u64,
    },
}

/// Why a state query failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The block is unknown.
    #[error("Unknown block: {0:?}")]
    UnknownBlock(H256),
    /// The block's state was pruned.
    #[error("State already discarded for {0:?}")]
    Pruned(H256),
    /// A runtime API call failed.
    #[error("Execution failed: {0}")]
    Execution(String),
    /// A database error.
    #[error("Database error: {0}")]
    Database(String),
}

/// An operation type, as the oplog records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Created.
    Create,
    /// Updated.
    Update,
    /// Deleted.
    Delete,
    /// Read.
    Query,
    /// Business-defined.
    Custom(u16),
}

impl OpKind {
    /// Parses `Create`, `Update`, `Delete`, `Query` or `Custom:<n>`.
    pub fn parse(s: &str) -> Option<OpKind> {
        match s {
            "Create" => Some(OpKind::Create),
            "Update" => Some(OpKind::Update),
            "Delete" => Some(OpKind::Delete),
            "Query" => Some(OpKind::Query),
            other => other.strip_prefix("Custom:").and_then(|n| n.parse().ok()).map(OpKind::Custom),
        }
    }
}

impl std::fmt::Display for OpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpKind::Create => f.write_str("Create"),
            OpKind::Update => f.write_str("Update"),
            OpKind::Delete => f.write_str("Delete"),
            OpKind::Query => f.write_str("Query"),
            OpKind::Custom(n) => write!(f, "Custom:{n}"),
        }
    }
}

/// One operation log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OplogEntry {
    /// Global index.
    pub index: u64,
    /// The block that executed it.
    pub block: u32,
    /// The extrinsic's index in that block.
    pub extrinsic_index: u32,
    /// Who initiated it.
    pub operator: AccountId32,
    /// Who owns the data: a pallet's name, or `0x` and a contract's 20-byte address in hex.
    pub origin: String,
    /// The data id (unique within its origin).
    pub data_id: Vec<u8>,
    /// The state before.
    pub source_state: Vec<u8>,
    /// The state after.
    pub result_state: Vec<u8>,
    /// What it did.
    pub op_type: OpKind,
    /// The block's time, ms.
    pub timestamp_ms: u64,
}

/// The oplog's bounds at a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OplogHead {
    /// The index the next entry gets.
    pub next_index: u64,
    /// The oldest entry kept.
    pub lowest_retained: u64,
}

/// Health, as `system_health` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Connected peers.
    pub peers: u32,
    /// Whether the node is syncing.
    pub is_syncing: bool,
    /// Whether the node expects peers.
    pub should_have_peers: bool,
}

/// What the RPC server needs from the node. Every method is quick (reads, validation), so
/// the server calls them on its own tasks.
pub trait NodeApi: Send + Sync + 'static {
    /// The chain's identity.
    fn chain_info(&self) -> ChainInfo;
    /// Health.
    fn health(&self) -> Health;
    /// The best block's hash.
    fn best_hash(&self) -> H256;
    /// The last finalized block's hash.
    fn finalized_hash(&self) -> H256;
    /// The hash of the canonical block at `number`.
    fn block_hash(&self, number: u32) -> Option<H256>;
    /// A header by hash.
    fn header(&self, hash: H256) -> Option<Header>;
    /// A block by hash.
    fn block(&self, hash: H256) -> Option<Block>;
    /// A storage value at block `at`.
    fn storage(&self, at: H256, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;
    /// Up to `count` keys starting with `prefix`, strictly after `start_key` if given, at
    /// block `at`, in order.
    fn storage_keys_paged(
        &self,
        at: H256,
        prefix: &[u8],
        count: u32,
        start_key: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>, StateError>;
    /// Calls runtime API `method` with SCALE `data` at block `at`.
    fn call(&self, at: H256, method: &str, data: &[u8]) -> Result<Vec<u8>, StateError>;
    /// The runtime version at block `at`.
    fn runtime_version(&self, at: H256) -> Result<RuntimeVersionInfo, StateError>;
    /// The prefixed SCALE metadata at block `at`.
    fn metadata(&self, at: H256) -> Result<Vec<u8>, StateError>;
    /// The next nonce of `who` at the best block, counting transactions waiting in the pool;
    /// an error if the state cannot be read.
    fn account_next_index(&self, who: &AccountId32) -> Result<u32, StateError>;
    /// Submits an extrinsic (length-prefixed bytes). The returned future does the waiting
    /// (for signature verification); it must not block the thread that polls it.
    fn submit(&self, extrinsic: Vec<u8>) -> Submission;
    /// Submits an extrinsic and returns its status stream, as [`NodeApi::submit`].
    fn submit_and_watch(&self, extrinsic: Vec<u8>) -> WatchedSubmission;
    /// The extrinsics waiting in the pool.
    fn pending_extrinsics(&self) -> Vec<Vec<u8>>;
    /// New best blocks.
    fn subscribe_best_heads(&self) -> broadcast::Receiver<Header>;
    /// Newly finalized blocks.
    fn subscribe_finalized_heads(&self) -> broadcast::Receiver<Header>;
    /// The oplog's bounds at block `at`.
    fn oplog_head(&self, at: H256) -> Result<OplogHead, StateError>;
    /// The oplog entries with index in `[from, from + limit)` that are still kept, at block
    /// `at`, in index order.
    fn oplog_entries(&self, at: H256, from: u64, limit: u32) -> Result<Vec<OplogEntry>, StateError>;
    /// Counts a call of `method` (metrics).
    fn record_rpc_call(&self, method: &str);
    /// The finalization certificate a BFT engine stored with block `hash` (see
    /// `accord_consensus::certificate` for its format); `None` for a block finalized by a
    /// single authority or finalized through a descendant's certificate.
    fn finality_certificate(&self, _hash: H256) -> Option<Vec<u8>> {
        None
    }
    /// The BFT validator set of `epoch` (default: the current epoch); `None` without BFT
    /// consensus.
    fn validators(&self, _epoch: Option<u64>) -> Option<EpochValidators> {
        None
    }
    /// Which logic version a call of `target` in traffic class `class` about `data_id` would
    /// run at block `at`; the inner `Err` says which parameter is bad.
    fn release_route(
        &self,
        _at: H256,
        _target: &str,
        _class: &str,
        _data_id: &[u8],
    ) -> Result<Result<ReleaseRoute, String>, StateError> {
        Ok(Err("this node does not route releases".into()))
    }
    /// The EVM's chain id; `None` if this node runs no EVM (the `eth_*` methods then answer
    /// that they are not served).
    fn eth_chain_id(&self) -> Option<u64> {
        None
    }
    /// The most gas one transaction may use (`eth_estimateGas` searches below it).
    fn eth_gas_cap(&self) -> u64 {
        0
    }
    /// What `address` holds at block `at`; with `pending`, its nonce counts its transactions
    /// waiting in the pool.
    fn eth_account(&self, _at: H256, _address: [u8; 20], _pending: bool) -> Result<EthAccount, StateError> {
        Err(StateError::Execution("this node runs no EVM".into()))
    }
    /// Storage slot `slot` of contract `address` at block `at`.
    fn eth_storage(&self, _at: H256, _address: [u8; 20], _slot: [u8; 32]) -> Result<[u8; 32], StateError> {
        Err(StateError::Execution("this node runs no EVM".into()))
    }
    /// `call` simulated on the state of block `at`; the inner `Err` is a refusal before
    /// execution, in words.
    fn eth_call(&self, _at: H256, _call: EthCall) -> Result<Result<EthCallOutcome, String>, StateError> {
        Err(StateError::Execution("this node runs no EVM".into()))
    }
    /// Block `hash` as the Ethereum JSON-RPC sees it, if known.
    fn eth_block(&self, _hash: H256) -> Result<Option<EthBlock>, StateError> {
        Ok(None)
    }
    /// Block `hash`'s header and Ethereum receipts, without what else [`NodeApi::eth_block`]
    /// reads (the body, for the time): what log queries need.
    fn eth_receipts(&self, hash: H256) -> Result<Option<(Header, Vec<EthReceipt>)>, StateError> {
        Ok(self.eth_block(hash)?.map(|b| (b.header, b.receipts)))
    }
    /// The block and position of the included Ethereum transaction `hash`, if a block of
    /// the best chain includes it.
    fn eth_transaction(&self, _hash: [u8; 32]) -> Result<Option<(H256, u32)>, StateError> {
        Ok(None)
    }
    /// The raw Ethereum transactions waiting in the pool.
    fn eth_pending_transactions(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
    /// The price of one gas in wei at the best block (`eth_gasPrice`).
    fn eth_gas_price(&self) -> u128 {
        0
    }
    /// Submits the raw signed Ethereum transaction `raw` (as the extrinsic that carries it).
    fn eth_submit(&self, _raw: Vec<u8>) -> Submission {
        Box::pin(async { Err(SubmitError::Invalid("this node runs no EVM".into())) })
    }
    /// What the signed extrinsic `extrinsic` (its bytes; signature not checked) would be
    /// charged at block `at`; the inner `Err` says why it cannot be quoted.
    fn metering_quote(&self, _at: H256, _extrinsic: &[u8]) -> Result<Result<MeteringQuote, String>, StateError> {
        Ok(Err("this node does not meter".into()))
    }
    /// The Merkle value of the closest descendant of `key` in the state trie at block `at`
    /// (the `closestDescendantMerkleValue` items of `chainHead_v1_storage` and
    /// `archive_v1_storage`): of the trie node whose key is `key` or, if there is none, of
    /// the first node (branch or leaf) below it. A node's Merkle value is its encoding if
    /// shorter than 32 bytes, otherwise its blake2-256 hash; the root's is always the hash
    /// (so the empty key gives the state root). `Ok(None)` if no node lies at or below
    /// `key`. Default: an `Execution` error (clients get `operationError`), for a node that
    /// does not serve Merkle values.
    fn closest_descendant_merkle_value(&self, _at: H256, _key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Err(StateError::Execution("this node does not serve closest descendant Merkle values".into()))
    }
    /// A read proof of `keys` (`state_getReadProof`) in the state of block `at`, or of the
    /// block the node chooses (`None`), which it returns with the proof: the trie nodes on
    /// the keys' paths, each once (and, in state version 1, the values nodes hold by
    /// hash). A node may make proofs at some blocks only (an `Execution` error names
    /// them). Default: an `Execution` error, for a node that makes no proofs.
    fn read_proof(&self, _at: Option<H256>, _keys: &[Vec<u8>]) -> Result<(H256, Vec<Vec<u8>>), StateError> {
        Err(StateError::Execution("this node makes no read proofs".into()))
    }
    /// `extrinsic` applied on the state of block `at` as in a block built on it
    /// (`system_dryRun`); nothing is kept. The SCALE `ApplyExtrinsicResult`:
    /// `Result<Result<(), DispatchError>, TransactionValidityError>`. Default: an
    /// `Execution` error.
    fn dry_run(&self, _at: H256, _extrinsic: &[u8]) -> Result<Vec<u8>, StateError> {
        Err(StateError::Execution("this node does not dry-run extrinsics".into()))
    }
    /// This node in its network (`system_localPeerId`, `system_localListenAddresses`,
    /// `system_nodeRoles`, `system_peers`, `system_syncState`). Default: a node alone.
    fn network(&self) -> NetworkInfo {
        NetworkInfo::default()
    }
}

/// This node in its network.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkInfo {
    /// Its peer id, libp2p's text form of its network key (`12D3KooW...` for ed25519);
    /// empty when it has no network key.
    pub peer_id: String,
    /// The multiaddresses it listens on for peers (`/ip4/.../tcp/.../p2p/<peer id>`).
    pub listen_addresses: Vec<String>,
    /// Its roles, as Substrate names them: `Authority` (it votes on or authors blocks) or
    /// `Full`.
    pub roles: Vec<&'static str>,
    /// The peers it is connected to.
    pub peers: Vec<PeerInfo>,
    /// The highest block number its peers showed it (finalized by the network), if any.
    pub highest_block: Option<u32>,
}

/// A connected peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// Its peer id (see [`NetworkInfo::peer_id`]).
    pub peer_id: String,
    /// `Authority` if it is a validator of the current epoch, else `Full`.
    pub roles: &'static str,
    /// The best block it is known to have (the finalized head it certified, or ours).
    pub best_hash: H256,
    /// That block's number.
    pub best_number: u32,
}

/// What `metering_quote` answers (see the metering pallet's `Quote`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeteringQuote {
    /// Reference time of weight + base, in picoseconds.
    pub ref_time: u64,
    /// Encoded length.
    pub length: u32,
    /// The node count.
    pub nodes: u32,
    /// Bytes the dispatch adds to the state.
    pub storage_added: u64,
    /// Bytes moved to the backup store.
    pub backup_bytes: u64,
    /// Byte-days kept in the backup store.
    pub backup_byte_days: u64,
    /// The price version.
    pub price_version: u32,
    /// Compute fee.
    pub compute: u128,
    /// Network fee.
    pub network: u128,
    /// Storage fee.
    pub storage: u128,
    /// Backup fee.
    pub backup: u128,
    /// Backup time fee.
    pub backup_time: u128,
    /// The tip.
    pub tip: u128,
    /// The total.
    pub total: u128,
    /// The charging mode, e.g. `Postpay`, `Prepay(storageEstimate=100)`, `Admission(Exact)`.
    pub mode: String,
    /// Whether the dry run's dispatch succeeded.
    pub dispatch_ok: bool,
}

/// What `releases_route` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseRoute {
    /// The version the call would run.
    pub version: u16,
    /// The live release that routes it (`None`: the target's current version).
    pub release: Option<u32>,
    /// That release's stage: `PreRelease`, `Gray`, `Switched`.
    pub stage: Option<&'static str>,
    /// In gray, the share of production that runs the new version, in basis points.
    pub share_bp: Option<u16>,
    /// The data id's bucket (0 to 9,999) under the release: below the share means new.
    pub bucket: Option<u16>,
    /// For a contract target, the contract whose code the version runs.
    pub code: Option<[u8; 20]>,
}

/// A BFT epoch's validator set, as `accord_validators` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochValidators {
    /// The epoch the node is in.
    pub current: u64,
    /// Blocks per epoch.
    pub epoch_length: u64,
    /// The epoch asked about.
    pub epoch: u64,
    /// Its validators' ed25519 public keys in consensus order; `None` for an epoch the
    /// node has not reached.
    pub validators: Option<Vec<[u8; 32]>>,
}
