//! Wiring: opens the chain, starts the RPC server, metrics and the authoring loop, and
//! serves the RPC's [`NodeApi`] from the client and the pool.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use codec::Decode;
use tokio::sync::broadcast;
use tracing::info;

use accord_pallet_oplog as oplog;
use accord_pallet_system as system;
use accord_primitives::UncheckedExtrinsic;
use accord_primitives::{AccountId32, Block, Header, H256};
use accord_rpc::api::{EthAccount, EthBlock, EthCall, EthCallOutcome, EthLog, EthReceipt};
use accord_rpc::{
    ChainInfo, Health, NodeApi, OpKind, OplogEntry, OplogHead, RpcConfig, RuntimeVersionInfo, StateError, Submission,
    SubmitError, WatchedSubmission,
};
use accord_runtime::evm_glue;
use accord_runtime::validity::{InvalidTransaction, TransactionValidityError, ValidTransaction};

use crate::authoring::{Authoring, SealMode, Wake};
use crate::backend::{Backend, Head, Pruning};
use crate::chain_spec::ChainSpec;
use crate::client::{read_result, Client, TypedRead};
use crate::metrics::Metrics;
use crate::pool::{Pool, PoolLimits};
use crate::verify::{forwarding, SignatureBatcher, SignatureCheck};

/// Everything the node needs to run.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The chain.
    pub spec: ChainSpec,
    /// The database folder.
    pub db_path: PathBuf,
    /// State history to keep.
    pub pruning: Pruning,
    /// Storage memory: RocksDB caches and the state cache (`--db-cache`).
    pub memory: crate::db::MemoryBudget,
    /// The RPC server.
    pub rpc: RpcConfig,
    /// Where to serve metrics, if anywhere.
    pub prometheus: Option<SocketAddr>,
    /// When to make blocks.
    pub seal: SealMode,
    /// Pool limits.
    pub pool: PoolLimits,
    /// BFT consensus (a chain spec with a `consensus` section); `None`: the local
    /// authoring loop makes and finalizes every block (`seal`).
    pub consensus: Option<ConsensusSettings>,
}

/// How this node takes part in BFT consensus.
#[derive(Clone, Debug)]
pub struct ConsensusSettings {
    /// The node key's ed25519 seed: its p2p identity and, if it is a validator, its
    /// consensus key.
    pub key: [u8; 32],
    /// Whether it votes in the epochs whose validator set has its key (`--validator`).
    pub vote: bool,
    /// The validator set of epoch 0 (ed25519 public keys).
    pub validators: Vec<[u8; 32]>,
    /// Blocks per epoch.
    pub epoch_length: u64,
    /// Where to accept p2p connections.
    pub listen: SocketAddr,
    /// Known peers (public key, address).
    pub peers: Vec<([u8; 32], SocketAddr)>,
    /// The consensus journal and marshal's archives.
    pub storage: PathBuf,
    /// The least time between blocks.
    pub block_time: std::time::Duration,
    /// The logic versions a validator announces (`--logic-versions`; default: all this
    /// binary ships).
    pub logic_versions: accord_runtime::LogicVersions,
}

impl ConsensusSettings {
    /// The node key's public key.
    pub fn key_public(&self) -> [u8; 32] {
        accord_primitives::crypto::Ed25519Pair::from_seed(&self.key).public()
    }
}

/// Why the node stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The chain spec is unusable.
    #[error(transparent)]
    ChainSpec(#[from] crate::chain_spec::ChainSpecError),
    /// Storage failed.
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
    /// The RPC server failed.
    #[error(transparent)]
    Rpc(#[from] accord_rpc::RpcError),
    /// BFT consensus could not start.
    #[error("consensus: {0}")]
    Consensus(String),
    /// The metrics endpoint failed.
    #[error("cannot serve metrics on {addr}: {source}")]
    Metrics {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// How many times a submission is validated when blocks keep arriving meanwhile.
const SUBMIT_ATTEMPTS: usize = 3;

/// The node's implementation of the RPC's needs.
pub struct Api {
    /// The client.
    pub client: Arc<Client>,
    /// The pool.
    pub pool: Arc<Pool>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Wakes the authoring loop on new transactions.
    pub wake: Arc<Wake>,
    /// The chain's identity.
    pub info: ChainInfo,
    /// Verifies the signatures of concurrent submissions in batches.
    pub verifier: Arc<SignatureBatcher>,
    /// The BFT engine, once started: gossips local submissions, reports peers.
    pub consensus: Arc<std::sync::OnceLock<ConsensusHandle>>,
}

/// What the RPC side keeps of a running BFT engine.
pub struct ConsensusHandle {
    /// Sends a transaction to every peer.
    pub gossip: Box<dyn Fn(Vec<u8>) -> bool + Send + Sync>,
    /// The validator set of an epoch (default: the current one).
    pub validators: Box<dyn Fn(Option<u64>) -> accord_rpc::EpochValidators + Send + Sync>,
    /// The engine's figures.
    pub metrics: Arc<accord_consensus::ConsensusMetrics>,
    /// The node's side of consensus: blocks being decided (served to clients that follow
    /// `inBlock`).
    pub chain: Arc<crate::bft::BftChain>,
    /// The node's network key (its consensus key when it validates).
    pub key: [u8; 32],
    /// Where it listens for peers.
    pub listen: SocketAddr,
    /// Whether it votes (a validator).
    pub vote: bool,
}

impl ConsensusHandle {
    /// This node in its network: its peer id and address, its role, and its connected
    /// peers (validators of the current epoch are authorities; as their best block the
    /// highest finalized block seen in the network, which they certified).
    fn network(&self, best: &dyn Fn(u32) -> Option<H256>) -> accord_rpc::NetworkInfo {
        let peer_id = crate::keys::peer_id(&self.key);
        let ip = match self.listen.ip() {
            std::net::IpAddr::V4(ip) => format!("/ip4/{ip}"),
            std::net::IpAddr::V6(ip) => format!("/ip6/{ip}"),
        };
        let listen = format!("{ip}/tcp/{}/p2p/{peer_id}", self.listen.port());
        let validators = (self.validators)(None).validators.unwrap_or_default();
        let tip = u32::try_from(self.metrics.status().finalized_tip).unwrap_or(u32::MAX);
        let tip_hash = best(tip).unwrap_or_default();
        let peers = self
            .metrics
            .connected_peers()
            .iter()
            .map(|key| accord_rpc::PeerInfo {
                peer_id: crate::keys::peer_id(key),
                roles: if validators.contains(key) { "Authority" } else { "Full" },
                best_hash: tip_hash,
                best_number: tip,
            })
            .collect();
        accord_rpc::NetworkInfo {
            peer_id,
            listen_addresses: vec![listen],
            roles: vec![if self.vote { "Authority" } else { "Full" }],
            peers,
            highest_block: Some(tip),
        }
    }
}

impl Api {
    /// The blocks a BFT engine is deciding on, if one runs.
    fn held(&self) -> Option<&Arc<crate::bft::BftChain>> {
        self.consensus.get().map(|c| &c.chain)
    }

    /// The receipts of block `header`'s Ethereum transactions: from the index if it is
    /// stored (no body read), else (a notarized block held in memory) from its events.
    fn ethereum_receipts(&self, header: &Header) -> Result<Vec<evm_glue::EthReceipt>, StateError> {
        let backend = self.client.backend();
        if header.number <= backend.best().number {
            return crate::eth_index::receipts(backend, header.number).map_err(|e| StateError::Database(e.to_string()));
        }
        match self.held().and_then(|h| h.block(header.hash())) {
            Some(block) => self.held_receipts(&block),
            None => Ok(Vec::new()),
        }
    }

    /// The receipts of `block`, a notarized block held in memory, from its events.
    fn held_receipts(&self, block: &Block) -> Result<Vec<evm_glue::EthReceipt>, StateError> {
        use accord_support::StateRead;
        let state = self.client.state_at(block.header.hash())?;
        let events = state.get(&accord_pallet_system::events_key());
        let receipts = evm_glue::ethereum_receipts(&block.extrinsics, events.as_deref());
        read_result(&state, receipts)
    }

    /// The best block: on a BFT chain the notarized head (see `bft.rs`), else the stored
    /// best block.
    fn best(&self) -> Head {
        best_head(&self.client, &self.consensus)
    }

    /// The nonce of `who` in the best state (0 if it cannot be read: `NodeApi` has no error
    /// for this answer, so a read error is logged rather than a panic of the RPC worker).
    /// The nonce of `who` in the best block's state; an error if the state cannot be read.
    fn best_state_nonce(&self, who: &AccountId32) -> Result<u32, StateError> {
        let state = self.client.state_at(self.best().hash)?;
        let nonce = state.get_typed::<system::AccountInfo>(&system::ACCOUNT.key(who)).map_or(0, |a| a.nonce);
        read_result(&state, nonce)
    }

    /// What a submission needs, owned, so that it can be awaited apart from `self`.
    fn submitter(&self) -> Submitter {
        Submitter {
            client: self.client.clone(),
            pool: self.pool.clone(),
            wake: self.wake.clone(),
            verifier: self.verifier.clone(),
            consensus: self.consensus.clone(),
        }
    }
}

/// The best block: on a BFT chain the notarized head (see `bft.rs`), else the stored best
/// block.
fn best_head(client: &Client, consensus: &std::sync::OnceLock<ConsensusHandle>) -> Head {
    match consensus.get().and_then(|c| c.chain.best()) {
        Some(header) => Head { number: header.number, hash: header.hash() },
        None => client.backend().best(),
    }
}

/// `what` (made from the stored trie at `head`) answers a request at `at` only if `at` is
/// `head` or unnamed.
fn only_at_stored(at: Option<H256>, head: Head, what: &str) -> Result<(), StateError> {
    match at {
        Some(at) if at != head.hash => Err(StateError::Execution(format!(
            "{what} are made at the best stored block only (#{} {:?}; the trie keeps only its state)",
            head.number, head.hash
        ))),
        _ => Ok(()),
    }
}

/// A transaction as validated at the best block: the extrinsic, its validity, the sender's
/// account nonce and the block number.
type Validated = (UncheckedExtrinsic, ValidTransaction, u32, u32);

/// Submits transactions to the pool: everything the RPC's submit methods need.
#[derive(Clone)]
struct Submitter {
    client: Arc<Client>,
    pool: Arc<Pool>,
    wake: Arc<Wake>,
    verifier: Arc<SignatureBatcher>,
    consensus: Arc<std::sync::OnceLock<ConsensusHandle>>,
}

impl Submitter {
    /// Pools a transaction a peer gossiped (not gossiped again: every node is connected to
    /// every validator); a refusal is only logged.
    async fn submit_gossiped(self, bytes: Vec<u8>) {
        if let Err(e) = self.submit_from(bytes, false, false).await {
            tracing::debug!("gossiped transaction refused: {e}");
        }
    }

    async fn submit(self, bytes: Vec<u8>, watch: bool) -> Result<crate::pool::Pooled, SubmitError> {
        self.submit_from(bytes, watch, true).await
    }

    /// Decodes and validates `bytes` at the best block, awaits its sr25519 signature check in
    /// the verifier's next batch, and inserts it into the pool; a `local` submission is also
    /// gossiped to the BFT peers.
    async fn submit_from(self, bytes: Vec<u8>, watch: bool, local: bool) -> Result<crate::pool::Pooled, SubmitError> {
        let xt = Pool::decode(&bytes)?;
        let (mut validated, deferred) = self.validate_deferring(&xt)?;
        if let Some((payload, signature, public)) = deferred {
            if !self.verifier.verify_async(payload, signature, public).await {
                // The runtime's own diagnosis: a bad proof, or an expired mortal era.
                self.validate_at_best(&xt, accord_runtime::Signatures::Verify)?;
                return Err(SubmitError::Invalid(
                    TransactionValidityError::from(InvalidTransaction::BadProof).to_string(),
                ));
            }
        }
        // A block may be imported meanwhile; the pool then refuses the outdated validation
        // and it runs again at the new best block (the signature stays verified).
        let mut attempt = 1;
        loop {
            let (checked, validity, nonce, best) = validated;
            if let Some(result) = self.pool.insert(checked, validity, nonce, best, watch) {
                self.wake.notify();
                if let (true, Ok(_), Some(consensus)) = (local, &result, self.consensus.get()) {
                    if !(consensus.gossip)(bytes) {
                        tracing::debug!("gossip queue full; the transaction stays in this node's pool only");
                    }
                }
                return result;
            }
            if attempt == SUBMIT_ATTEMPTS {
                return Err(SubmitError::UnknownValidity(format!(
                    "blocks kept arriving during {SUBMIT_ATTEMPTS} validations; submit the transaction again"
                )));
            }
            attempt += 1;
            validated = self.validate_at_best(&xt, accord_runtime::Signatures::Verified)?;
        }
    }

    /// Validates `xt` at the best block, checking every signature except sr25519 ones, which
    /// it returns for the batch verifier (the validation takes them as valid).
    fn validate_deferring(&self, xt: &UncheckedExtrinsic) -> Result<(Validated, Option<SignatureCheck>), SubmitError> {
        // An extrinsic carries at most one signature.
        let deferred = std::cell::Cell::new(None);
        let defer = |check| deferred.set(Some(check));
        let verify = forwarding(&defer);
        let validated = self.validate_at_best(xt, accord_runtime::Signatures::VerifyWith(&verify))?;
        Ok((validated, deferred.take()))
    }

    /// Validates `xt` at the best block, checking signatures as `signatures` says.
    fn validate_at_best(
        &self,
        xt: &UncheckedExtrinsic,
        signatures: accord_runtime::Signatures<'_>,
    ) -> Result<Validated, SubmitError> {
        let best = best_head(&self.client, &self.consensus);
        let state = self.client.state_at(best.hash).map_err(|e| SubmitError::UnknownValidity(e.to_string()))?;
        let validity = accord_runtime::validate_transaction_with(&state, xt, best.hash, signatures);
        read_result(&state, ()).map_err(|e| SubmitError::UnknownValidity(e.to_string()))?;
        let validity = validity.map_err(|e| match e {
            TransactionValidityError::Invalid(_) => SubmitError::Invalid(e.to_string()),
            TransactionValidityError::Unknown(_) => SubmitError::UnknownValidity(e.to_string()),
        })?;
        let (sender, _) = crate::pool::pooled_sender(xt, &validity)?;
        let nonce = state.get_typed::<system::AccountInfo>(&system::ACCOUNT.key(&sender)).map_or(0, |a| a.nonce);
        read_result(&state, ()).map_err(|e| SubmitError::UnknownValidity(e.to_string()))?;
        Ok((xt.clone(), validity, nonce, best.number))
    }
}

impl NodeApi for Api {
    fn chain_info(&self) -> ChainInfo {
        self.info.clone()
    }

    fn health(&self) -> Health {
        match self.consensus.get() {
            Some(c) => {
                let status = c.metrics.status();
                Health {
                    peers: c.metrics.peers() as u32,
                    is_syncing: status.finalized_tip > status.finalized + 1,
                    should_have_peers: true,
                }
            }
            None => Health { peers: 0, is_syncing: false, should_have_peers: false },
        }
    }

    fn finality_certificate(&self, hash: H256) -> Option<Vec<u8>> {
        self.client.backend().justification(hash).ok().flatten()
    }

    fn validators(&self, epoch: Option<u64>) -> Option<accord_rpc::EpochValidators> {
        self.consensus.get().map(|c| (c.validators)(epoch))
    }

    fn best_hash(&self) -> H256 {
        self.best().hash
    }

    fn network(&self) -> accord_rpc::NetworkInfo {
        match self.consensus.get() {
            Some(c) => c.network(&|n| self.block_hash(n)),
            // A development node: the only authority, alone.
            None => accord_rpc::NetworkInfo { roles: vec!["Authority"], ..Default::default() },
        }
    }

    fn read_proof(&self, at: Option<H256>, keys: &[Vec<u8>]) -> Result<(H256, Vec<Vec<u8>>), StateError> {
        let keys = keys.iter().map(Vec::as_slice);
        let (head, proof) = self
            .client
            .backend()
            .at_stored_trie(|nodes, values| accord_trie::read_proof(nodes, keys, values))
            .map_err(|e| StateError::Database(e.to_string()))?;
        only_at_stored(at, head, "read proofs")?;
        Ok((head.hash, proof))
    }

    fn closest_descendant_merkle_value(&self, at: H256, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        let (head, value) = self
            .client
            .backend()
            .at_stored_trie(|nodes, _| accord_trie::closest_descendant_merkle_value(nodes, key))
            .map_err(|e| StateError::Database(e.to_string()))?;
        only_at_stored(Some(at), head, "Merkle values")?;
        Ok(value)
    }

    fn dry_run(&self, at: H256, extrinsic: &[u8]) -> Result<Vec<u8>, StateError> {
        let xt = UncheckedExtrinsic::decode_with_limit(extrinsic, accord_runtime::limits::EXTRINSIC_LENGTH_MAX)
            .map_err(|e| StateError::Execution(format!("the extrinsic does not decode: {e}")))?;
        let number = self.header(at).ok_or(StateError::UnknownBlock(at))?.number;
        let state = self.client.state_at(at)?;
        let result = accord_runtime::dry_run(&state, at, number, &xt);
        read_result(&state, result)
    }

    fn finalized_hash(&self) -> H256 {
        self.client.backend().finalized().hash
    }

    fn block_hash(&self, number: u32) -> Option<H256> {
        self.client.backend().hash_of(number).ok().flatten().or_else(|| self.held().and_then(|h| h.hash_of(number)))
    }

    fn header(&self, hash: H256) -> Option<Header> {
        self.client
            .backend()
            .header(hash)
            .ok()
            .flatten()
            .or_else(|| self.held().and_then(|h| h.block(hash)).map(|b| b.header))
    }

    fn block(&self, hash: H256) -> Option<Block> {
        self.client.backend().block(hash).ok().flatten().or_else(|| self.held().and_then(|h| h.block(hash)))
    }

    fn storage(&self, at: H256, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        use accord_support::StateRead;
        let state = self.client.state_at(at)?;
        read_result(&state, state.get(key))
    }

    fn storage_keys_paged(
        &self,
        at: H256,
        prefix: &[u8],
        count: u32,
        start: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>, StateError> {
        use accord_support::StateRead;
        let state = self.client.state_at(at)?;
        let mut keys = Vec::new();
        let mut cursor = match start {
            Some(s) if s > prefix => s.to_vec(),
            _ => {
                if state.get(prefix).is_some() && count > 0 {
                    keys.push(prefix.to_vec());
                }
                prefix.to_vec()
            }
        };
        while keys.len() < count as usize {
            let Some(next) = state.next_key(&cursor) else { break };
            if !next.starts_with(prefix) {
                break;
            }
            keys.push(next.clone());
            cursor = next;
        }
        read_result(&state, keys)
    }

    fn call(&self, at: H256, method: &str, data: &[u8]) -> Result<Vec<u8>, StateError> {
        self.client.call(at, method, data)
    }

    fn runtime_version(&self, at: H256) -> Result<RuntimeVersionInfo, StateError> {
        let bytes = self.client.call(at, "Core_version", &[])?;
        let v = accord_runtime::version::RuntimeVersion::decode(&mut &bytes[..])
            .map_err(|e| StateError::Execution(e.to_string()))?;
        Ok(RuntimeVersionInfo {
            spec_name: v.spec_name,
            impl_name: v.impl_name,
            authoring_version: v.authoring_version,
            spec_version: v.spec_version,
            impl_version: v.impl_version,
            apis: v.apis,
            transaction_version: v.transaction_version,
            system_version: v.system_version,
        })
    }

    fn metadata(&self, at: H256) -> Result<Vec<u8>, StateError> {
        self.client.state_at(at)?;
        Ok(accord_runtime::metadata::metadata_bytes().to_vec())
    }

    fn account_next_index(&self, who: &AccountId32) -> Result<u32, StateError> {
        Ok(self.pool.next_nonce(who, self.best_state_nonce(who)?))
    }

    fn submit(&self, extrinsic: Vec<u8>) -> Submission {
        let submitter = self.submitter();
        Box::pin(async move { submitter.submit(extrinsic, false).await.map(|(hash, _)| hash) })
    }

    fn submit_and_watch(&self, extrinsic: Vec<u8>) -> WatchedSubmission {
        let submitter = self.submitter();
        Box::pin(async move {
            let (hash, rx) = submitter.submit(extrinsic, true).await?;
            Ok((hash, rx.expect("watch requested; qed")))
        })
    }

    fn eth_chain_id(&self) -> Option<u64> {
        let state = self.client.state_at(self.best().hash).ok()?;
        Some(evm_glue::evm_chain_id(&state))
    }

    fn eth_gas_cap(&self) -> u64 {
        evm_glue::GAS_CAP
    }

    fn eth_account(&self, at: H256, address: [u8; 20], pending: bool) -> Result<EthAccount, StateError> {
        let state = self.client.state_at(at)?;
        let account = read_result(&state, evm_glue::evm_account(&state, address))?;
        let mut nonce = account.nonce;
        if pending {
            let who = evm_glue::ethereum_account(address);
            nonce = self.pool.next_nonce(&who, u32::try_from(nonce).unwrap_or(u32::MAX)) as u64;
        }
        Ok(EthAccount { balance: account.balance, nonce, code: account.code })
    }

    fn eth_storage(&self, at: H256, address: [u8; 20], slot: [u8; 32]) -> Result<[u8; 32], StateError> {
        let state = self.client.state_at(at)?;
        read_result(&state, evm_glue::evm_storage(&state, address, slot))
    }

    fn eth_call(&self, at: H256, call: EthCall) -> Result<Result<EthCallOutcome, String>, StateError> {
        let state = self.client.state_at(at)?;
        let call =
            evm_glue::EvmCall { from: call.from, to: call.to, gas: call.gas, value: call.value, data: call.data };
        let outcome = evm_glue::evm_call(&state, at, &call).map(|o| {
            let gas_used = o.gas_used;
            match o.exit {
                accord_pallet_evm::ExitReason::Succeeded => EthCallOutcome::Success { output: o.output, gas_used },
                accord_pallet_evm::ExitReason::Reverted { .. } => EthCallOutcome::Revert { output: o.output, gas_used },
                accord_pallet_evm::ExitReason::Halted { reason } => {
                    EthCallOutcome::Halt { reason: format!("{reason:?}"), gas_used }
                }
            }
        });
        read_result(&state, outcome)
    }

    fn eth_block(&self, hash: H256) -> Result<Option<EthBlock>, StateError> {
        let Some(block) = NodeApi::block(self, hash) else { return Ok(None) };
        let timestamp_ms = evm_glue::block_timestamp_ms(&block.extrinsics);
        let receipts = self.ethereum_receipts(&block.header)?.into_iter().map(eth_receipt).collect();
        let gas_limit = evm_glue::BLOCK_GAS_LIMIT;
        Ok(Some(EthBlock { header: block.header, timestamp_ms, gas_limit, receipts }))
    }

    fn eth_receipts(&self, hash: H256) -> Result<Option<(Header, Vec<EthReceipt>)>, StateError> {
        let Some(header) = NodeApi::header(self, hash) else { return Ok(None) };
        let receipts = self.ethereum_receipts(&header)?.into_iter().map(eth_receipt).collect();
        Ok(Some((header, receipts)))
    }

    fn eth_transaction(&self, hash: [u8; 32]) -> Result<Option<(H256, u32)>, StateError> {
        let backend = self.client.backend();
        let db = |e: crate::db::DbError| StateError::Database(e.to_string());
        if let Some((number, position)) = crate::eth_index::position(backend, &hash).map_err(db)? {
            return Ok(backend.hash_of(number).map_err(db)?.map(|block| (block, position)));
        }
        // Not stored yet: one of a BFT chain's notarized blocks, above the stored best.
        let Some(held) = self.held() else { return Ok(None) };
        let stored = backend.best().number;
        let best = self.best().number;
        for number in (stored + 1)..=best {
            let Some(block) = held.hash_of(number).and_then(|h| held.block(h)) else { continue };
            let receipts = self.held_receipts(&block)?;
            if let Some(position) = receipts.iter().position(|r| r.hash == hash) {
                return Ok(Some((block.header.hash(), position as u32)));
            }
        }
        Ok(None)
    }

    fn eth_pending_transactions(&self) -> Vec<Vec<u8>> {
        self.pool.pending().iter().filter_map(|xt| evm_glue::ethereum_transaction_of(xt)).collect()
    }

    fn eth_gas_price(&self) -> u128 {
        self.client.state_at(self.best().hash).map_or(0, |state| evm_glue::evm_gas_price(&state))
    }

    fn eth_submit(&self, raw: Vec<u8>) -> Submission {
        let submitter = self.submitter();
        Box::pin(async move {
            let xt = evm_glue::ethereum_extrinsic(raw)
                .ok_or_else(|| SubmitError::BadFormat("the transaction is larger than Evm.transact takes".into()))?;
            submitter.submit(xt.into_encoded(), false).await.map(|(hash, _)| hash)
        })
    }

    fn pending_extrinsics(&self) -> Vec<Vec<u8>> {
        self.pool.pending()
    }

    fn subscribe_best_heads(&self) -> broadcast::Receiver<Header> {
        self.client.subscribe_best_heads()
    }

    fn subscribe_finalized_heads(&self) -> broadcast::Receiver<Header> {
        self.client.subscribe_finalized_heads()
    }

    fn release_route(
        &self,
        at: H256,
        target: &str,
        class: &str,
        data_id: &[u8],
    ) -> Result<Result<accord_rpc::ReleaseRoute, String>, StateError> {
        use accord_pallet_releases::Stage;
        let state = self.client.state_at(at)?;
        let ext = accord_support::Ext::new(&state, accord_runtime::PALLETS);
        let answer = read_result(&state, accord_runtime::route_answer(&ext, target, class, data_id))?;
        Ok(answer.map(|answer| accord_rpc::ReleaseRoute {
            version: answer.version,
            release: answer.release,
            stage: answer.stage.map(|s| match s {
                Stage::PreRelease => "PreRelease",
                Stage::Gray { .. } => "Gray",
                Stage::Switched => "Switched",
                Stage::RolledBack { .. } => "RolledBack",
            }),
            share_bp: match answer.stage {
                Some(Stage::Gray { share_bp }) => Some(share_bp),
                _ => None,
            },
            bucket: answer.bucket,
            code: answer.code,
        }))
    }

    fn metering_quote(
        &self,
        at: H256,
        extrinsic: &[u8],
    ) -> Result<Result<accord_rpc::MeteringQuote, String>, StateError> {
        use accord_pallet_metering::{ChargingMode, Threshold};
        let xt = match UncheckedExtrinsic::decode_with_limit(extrinsic, accord_runtime::limits::EXTRINSIC_LENGTH_MAX) {
            Ok(xt) => xt,
            Err(e) => return Ok(Err(format!("the extrinsic does not decode: {e}"))),
        };
        let state = self.client.state_at(at)?;
        let quote = read_result(&state, accord_runtime::fees::quote(&state, &xt, at))?;
        Ok(quote.map(|q| accord_rpc::MeteringQuote {
            ref_time: q.usage.ref_time,
            length: q.usage.length,
            nodes: q.usage.nodes,
            storage_added: q.usage.storage_added,
            backup_bytes: q.usage.backup_bytes,
            backup_byte_days: q.usage.backup_byte_days,
            price_version: q.price_version,
            compute: q.fee.compute,
            network: q.fee.network,
            storage: q.fee.storage,
            backup: q.fee.backup,
            backup_time: q.fee.backup_time,
            tip: q.fee.tip,
            total: q.total,
            mode: match q.mode {
                ChargingMode::Postpay => "Postpay".into(),
                ChargingMode::Prepay { storage_estimate } => format!("Prepay(storageEstimate={storage_estimate})"),
                ChargingMode::Admission(Threshold::Minimum) => "Admission(Minimum)".into(),
                ChargingMode::Admission(Threshold::Average) => "Admission(Average)".into(),
                ChargingMode::Admission(Threshold::Exact) => "Admission(Exact)".into(),
            },
            dispatch_ok: q.dispatch_ok,
        }))
    }

    fn oplog_head(&self, at: H256) -> Result<OplogHead, StateError> {
        let state = self.client.state_at(at)?;
        let ext = accord_support::Ext::new(&state, accord_runtime::PALLETS);
        let head =
            OplogHead { next_index: oplog::NEXT_INDEX.get(&ext), lowest_retained: oplog::LOWEST_RETAINED.get(&ext) };
        read_result(&state, head)
    }

    fn oplog_entries(&self, at: H256, from: u64, limit: u32) -> Result<Vec<OplogEntry>, StateError> {
        let state = self.client.state_at(at)?;
        let ext = accord_support::Ext::new(&state, accord_runtime::PALLETS);
        let (lowest, next) = (oplog::LOWEST_RETAINED.get(&ext), oplog::NEXT_INDEX.get(&ext));
        let start = from.max(lowest);
        let end = from.saturating_add(limit as u64).min(next);
        let entries = (start..end).filter_map(|i| oplog::ENTRIES.get(&ext, &i)).map(oplog_entry).collect();
        read_result(&state, entries)
    }

    fn record_rpc_call(&self, method: &str) {
        self.metrics.on_rpc_call(method);
    }
}

/// Opens the chain described by `config`.
pub fn open_client(config: &NodeConfig, metrics: Arc<Metrics>) -> Result<Client, NodeError> {
    // The genesis is built only for a new database, or to check an existing one that a
    // different spec or node version wrote.
    let backend = Backend::open_lazy(
        &config.db_path,
        config.pruning,
        config.spec.genesis_digest(),
        || config.spec.genesis_state().map_err(NodeError::from),
        &config.memory,
    )?;
    // A large genesis (a million funded accounts) passes through gigabytes of short-lived
    // allocations; give the freed memory back to the system rather than keep it resident.
    release_free_memory();
    Ok(Client::new(backend, metrics))
}

/// Returns freed heap memory to the operating system: mimalloc's (the node binary's
/// allocator, which otherwise keeps a thread's freed pages until that thread allocates
/// again) and glibc's (RocksDB's).
fn release_free_memory() {
    // SAFETY: mi_collect only returns the calling thread's free pages and abandoned
    // segments; it is a no-op for memory mimalloc does not manage.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own heap.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs the node until `shutdown` resolves.
pub async fn run(config: NodeConfig, shutdown: impl std::future::Future<Output = ()>) -> Result<(), NodeError> {
    let metrics = Arc::new(Metrics::default());
    let client = Arc::new(open_client(&config, metrics.clone())?);
    let best = client.backend().best();
    info!(
        "chain {:?} ({}), genesis {:?}, best #{} ({:?}), database {}",
        config.spec.name,
        config.spec.id,
        client.backend().genesis_hash(),
        best.number,
        best.hash,
        config.db_path.display()
    );
    let pool = Arc::new(Pool::new(config.pool));
    let wake = Arc::new(Wake::default());
    let info = ChainInfo {
        chain_name: config.spec.name.clone(),
        chain_type: config.spec.chain_type.clone(),
        properties: config.spec.properties.clone(),
        node_name: "Accord Node".into(),
        node_version: env!("CARGO_PKG_VERSION").into(),
    };
    let api = Arc::new(Api {
        client: client.clone(),
        pool: pool.clone(),
        metrics: metrics.clone(),
        wake: wake.clone(),
        verifier: Arc::new(SignatureBatcher::start()),
        info,
        consensus: Arc::new(std::sync::OnceLock::new()),
    });
    let rpc = accord_rpc::start(config.rpc.clone(), api.clone()).await?;
    info!("Running JSON-RPC server: addr={}", rpc.addr);
    let _metrics_task = match config.prometheus {
        Some(addr) => {
            let (bound, task) = crate::metrics::serve(addr, metrics.clone())
                .await
                .map_err(|source| NodeError::Metrics { addr, source })?;
            info!("Prometheus metrics: http://{bound}/metrics");
            Some(task)
        }
        None => None,
    };
    let producer = match &config.consensus {
        Some(settings) => Producer::Bft(Box::new(crate::bft::start(settings, &client, &pool, &metrics, &api)?)),
        None => Producer::Local(Authoring::start(client.clone(), pool.clone(), metrics.clone(), config.seal, wake)),
    };
    shutdown.await;
    info!("shutting down");
    match producer {
        Producer::Local(authoring) => authoring.stop(),
        Producer::Bft(engine) => engine.stop(),
    }
    let _ = rpc.handle.stop();
    Ok(())
}

/// What makes the blocks.
enum Producer {
    /// One local authority.
    Local(Authoring),
    /// BFT consensus (boxed: the engine is ten times the size of the local one).
    Bft(Box<accord_consensus::Engine>),
}

impl Api {
    /// Pools a gossiped transaction from any thread (validation runs on the node's runtime).
    pub(crate) fn gossip_submitter(&self, runtime: tokio::runtime::Handle) -> Box<dyn Fn(Vec<u8>) + Send + Sync> {
        let submitter = self.submitter();
        Box::new(move |bytes| {
            runtime.spawn(submitter.clone().submit_gossiped(bytes));
        })
    }
}

fn oplog_entry(e: oplog::LogEntry) -> OplogEntry {
    OplogEntry {
        index: e.index,
        block: e.block,
        extrinsic_index: e.extrinsic_index,
        operator: e.operator,
        origin: e.origin.to_text(),
        data_id: e.data_id.into_inner(),
        source_state: e.source_state.into_inner(),
        result_state: e.result_state.into_inner(),
        op_type: match e.op_type {
            oplog::OpType::Create => OpKind::Create,
            oplog::OpType::Update => OpKind::Update,
            oplog::OpType::Delete => OpKind::Delete,
            oplog::OpType::Query => OpKind::Query,
            oplog::OpType::Custom(n) => OpKind::Custom(n),
        },
        timestamp_ms: e.timestamp_ms,
    }
}

/// A stored receipt as the RPC reports it (the fee in wei).
fn eth_receipt(r: evm_glue::EthReceipt) -> EthReceipt {
    EthReceipt {
        hash: r.hash,
        raw: r.raw,
        from: r.from,
        contract_address: r.contract_address,
        status: r.status,
        gas_used: r.gas_used,
        fee_wei: r.fee.saturating_mul(evm_glue::WEI_PER_PLANCK),
        logs: r.logs.into_iter().map(|l| EthLog { address: l.address, topics: l.topics, data: l.data }).collect(),
    }
}
