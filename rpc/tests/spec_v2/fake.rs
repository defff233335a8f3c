//! An in-memory node that a test drives: blocks are imported without announcement, then
//! announced as best or finalized when the test says so. Every block sees the same storage;
//! a block can be marked as having its state pruned.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use accord_primitives::hashing::blake2_256;
use accord_primitives::{AccountId32, Block, Digest, Header, H256};
use accord_rpc::api::{EthBlock, EthLog, EthReceipt};
use accord_rpc::{
    ChainInfo, Health, NodeApi, OplogEntry, OplogHead, RuntimeVersionInfo, StateError, Submission, SubmitError,
    TxStatus, WatchedSubmission,
};
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

/// The chain and what was submitted.
struct Chain {
    headers: HashMap<H256, Header>,
    bodies: HashMap<H256, Vec<Vec<u8>>>,
    spec_versions: HashMap<H256, u32>,
    pruned: HashSet<H256>,
    best: H256,
    finalized: H256,
    storage: BTreeMap<Vec<u8>, Vec<u8>>,
    submitted: Vec<Vec<u8>>,
    refuse: Option<SubmitError>,
    watchers: Vec<mpsc::Sender<TxStatus>>,
}

/// The fake node.
pub(crate) struct FakeNode {
    chain: Mutex<Chain>,
    best_tx: broadcast::Sender<Header>,
    finalized_tx: broadcast::Sender<Header>,
}

impl FakeNode {
    /// A node at genesis whose head broadcasts keep `capacity` headers.
    pub(crate) fn new(capacity: usize) -> Arc<FakeNode> {
        let genesis = header(H256::ZERO, 0, 0, &[]);
        let hash = genesis.hash();
        let chain = Chain {
            headers: HashMap::from([(hash, genesis)]),
            bodies: HashMap::from([(hash, Vec::new())]),
            spec_versions: HashMap::new(),
            pruned: HashSet::new(),
            best: hash,
            finalized: hash,
            storage: BTreeMap::new(),
            submitted: Vec::new(),
            refuse: None,
            watchers: Vec::new(),
        };
        Arc::new(FakeNode {
            chain: Mutex::new(chain),
            best_tx: broadcast::channel(capacity).0,
            finalized_tx: broadcast::channel(capacity).0,
        })
    }

    fn chain(&self) -> std::sync::MutexGuard<'_, Chain> {
        self.chain.lock().unwrap()
    }

    /// The genesis hash.
    pub(crate) fn genesis(&self) -> H256 {
        self.block_hash(0).unwrap()
    }

    /// Imports a child of `parent` holding `extrinsics`; `salt` tells siblings apart.
    pub(crate) fn import_with(&self, parent: H256, salt: u8, extrinsics: Vec<Vec<u8>>) -> H256 {
        let mut chain = self.chain();
        let number = chain.headers[&parent].number + 1;
        let h = header(parent, number, salt, &extrinsics);
        let hash = h.hash();
        chain.headers.insert(hash, h);
        chain.bodies.insert(hash, extrinsics);
        hash
    }

    /// Imports an empty child of `parent`.
    pub(crate) fn import(&self, parent: H256, salt: u8) -> H256 {
        self.import_with(parent, salt, Vec::new())
    }

    /// The runtime of `hash` has spec version `version` (default 1).
    pub(crate) fn set_spec_version(&self, hash: H256, version: u32) {
        self.chain().spec_versions.insert(hash, version);
    }

    /// The state of `hash` is no longer kept.
    pub(crate) fn prune_state(&self, hash: H256) {
        self.chain().pruned.insert(hash);
    }

    /// Announces `hash` as the best block.
    pub(crate) fn set_best(&self, hash: H256) {
        let header = {
            let mut chain = self.chain();
            chain.best = hash;
            chain.headers[&hash].clone()
        };
        let _ = self.best_tx.send(header);
    }

    /// Finalizes `hash` and announces it; a best block off its chain falls back to it.
    pub(crate) fn finalize(&self, hash: H256) {
        let header = {
            let mut chain = self.chain();
            chain.finalized = hash;
            if !descends(&chain.headers, chain.best, hash) {
                chain.best = hash;
            }
            chain.headers[&hash].clone()
        };
        let _ = self.finalized_tx.send(header);
    }

    /// Sets a storage value (at every block).
    pub(crate) fn set_storage(&self, key: Vec<u8>, value: Vec<u8>) {
        self.chain().storage.insert(key, value);
    }

    /// The extrinsics submitted so far.
    pub(crate) fn submitted(&self) -> Vec<Vec<u8>> {
        self.chain().submitted.clone()
    }

    /// The next submission is refused with `e`.
    pub(crate) fn refuse_next(&self, e: SubmitError) {
        self.chain().refuse = Some(e);
    }

    /// The status sender of the latest watched submission.
    pub(crate) fn watcher(&self) -> Option<mpsc::Sender<TxStatus>> {
        self.chain().watchers.last().cloned()
    }

    /// The state at `at`, or why it is not available.
    fn state_check(&self, at: H256) -> Result<std::sync::MutexGuard<'_, Chain>, StateError> {
        let chain = self.chain();
        if !chain.headers.contains_key(&at) {
            return Err(StateError::UnknownBlock(at));
        }
        if chain.pruned.contains(&at) {
            return Err(StateError::Pruned(at));
        }
        Ok(chain)
    }
}

fn header(parent: H256, number: u32, salt: u8, extrinsics: &[Vec<u8>]) -> Header {
    Header {
        parent_hash: parent,
        number,
        state_root: H256([salt; 32]),
        extrinsics_root: H256(blake2_256(&extrinsics.concat())),
        digest: Digest::default(),
    }
}

/// The chain id of the fake's EVM.
pub(crate) const ETH_CHAIN_ID: u64 = 4242;

/// A signed EIP-1559 transaction (a call with 4 bytes of input), raw.
pub(crate) fn eth_raw() -> Vec<u8> {
    use accord_ethereum::{SignedTransaction, SigningKey, Transaction, TransactionKind, U256};
    let kind = TransactionKind::Eip1559 { max_priority_fee_per_gas: 1, max_fee_per_gas: 2, access_list: Vec::new() };
    let tx = Transaction {
        chain_id: ETH_CHAIN_ID,
        nonce: 3,
        gas_limit: 50_000,
        to: Some([7; 20]),
        value: U256([0; 32]),
        input: vec![1, 2, 3, 4],
        kind,
    };
    let key = SigningKey::from_bytes(&[5u8; 32].into()).expect("a valid key");
    SignedTransaction::sign(tx, &key).expect("signs").encode()
}

/// Whether `block` is `ancestor` or descends from it.
fn descends(headers: &HashMap<H256, Header>, block: H256, ancestor: H256) -> bool {
    let mut cursor = block;
    loop {
        if cursor == ancestor {
            return true;
        }
        match headers.get(&cursor) {
            Some(h) if h.number > 0 => cursor = h.parent_hash,
            _ => return false,
        }
    }
}

impl NodeApi for FakeNode {
    fn chain_info(&self) -> ChainInfo {
        ChainInfo {
            chain_name: "Accord Test".into(),
            chain_type: "Development".into(),
            properties: json!({ "ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "ACD" }),
            node_name: "fake".into(),
            node_version: "0".into(),
        }
    }
    fn health(&self) -> Health {
        Health::default()
    }
    fn best_hash(&self) -> H256 {
        self.chain().best
    }
    fn finalized_hash(&self) -> H256 {
        self.chain().finalized
    }
    fn block_hash(&self, number: u32) -> Option<H256> {
        let chain = self.chain();
        let mut cursor = chain.best;
        loop {
            let h = &chain.headers[&cursor];
            if h.number == number {
                return Some(cursor);
            }
            if h.number < number {
                return None;
            }
            cursor = h.parent_hash;
        }
    }
    fn header(&self, hash: H256) -> Option<Header> {
        self.chain().headers.get(&hash).cloned()
    }
    fn block(&self, hash: H256) -> Option<Block> {
        let chain = self.chain();
        Some(Block { header: chain.headers.get(&hash)?.clone(), extrinsics: chain.bodies[&hash].clone() })
    }
    fn storage(&self, at: H256, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.state_check(at)?.storage.get(key).cloned())
    }
    fn storage_keys_paged(
        &self,
        at: H256,
        prefix: &[u8],
        count: u32,
        start_key: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>, StateError> {
        let chain = self.state_check(at)?;
        let from = match start_key {
            Some(s) => Bound::Excluded(s.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        Ok(chain
            .storage
            .range((from, Bound::Unbounded))
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .take(count as usize)
            .cloned()
            .collect())
    }
    fn call(&self, at: H256, method: &str, data: &[u8]) -> Result<Vec<u8>, StateError> {
        drop(self.state_check(at)?);
        match method {
            "Test_echo" => Ok(data.to_vec()),
            other => Err(StateError::Execution(format!("{other} failed"))),
        }
    }
    fn runtime_version(&self, at: H256) -> Result<RuntimeVersionInfo, StateError> {
        let chain = self.state_check(at)?;
        Ok(RuntimeVersionInfo {
            spec_name: "accord-test".into(),
            impl_name: "fake".into(),
            authoring_version: 1,
            spec_version: chain.spec_versions.get(&at).copied().unwrap_or(1),
            impl_version: 1,
            apis: vec![([0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b], 5)],
            transaction_version: 1,
            system_version: 1,
        })
    }
    fn metadata(&self, _at: H256) -> Result<Vec<u8>, StateError> {
        Ok(Vec::new())
    }
    fn account_next_index(&self, _who: &AccountId32) -> Result<u32, StateError> {
        Ok(0)
    }
    fn submit(&self, extrinsic: Vec<u8>) -> Submission {
        let hash = H256(blake2_256(&extrinsic));
        self.chain().submitted.push(extrinsic);
        Box::pin(async move { Ok(hash) })
    }
    fn submit_and_watch(&self, extrinsic: Vec<u8>) -> WatchedSubmission {
        let hash = H256(blake2_256(&extrinsic));
        let mut chain = self.chain();
        if let Some(e) = chain.refuse.take() {
            return Box::pin(async move { Err(e) });
        }
        let (tx, rx) = mpsc::channel(16);
        chain.watchers.push(tx);
        chain.submitted.push(extrinsic);
        Box::pin(async move { Ok((hash, rx)) })
    }
    fn pending_extrinsics(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
    fn subscribe_best_heads(&self) -> broadcast::Receiver<Header> {
        self.best_tx.subscribe()
    }
    fn subscribe_finalized_heads(&self) -> broadcast::Receiver<Header> {
        self.finalized_tx.subscribe()
    }
    fn oplog_head(&self, _at: H256) -> Result<OplogHead, StateError> {
        Ok(OplogHead { next_index: 0, lowest_retained: 0 })
    }
    fn oplog_entries(&self, _at: H256, _from: u64, _limit: u32) -> Result<Vec<OplogEntry>, StateError> {
        Ok(Vec::new())
    }
    fn record_rpc_call(&self, _method: &str) {}
    fn eth_chain_id(&self) -> Option<u64> {
        Some(ETH_CHAIN_ID)
    }
    /// Every block holds one Ethereum transaction ([`eth_raw`]) with one log.
    fn eth_block(&self, hash: H256) -> Result<Option<EthBlock>, StateError> {
        let Some(header) = self.chain().headers.get(&hash).cloned() else { return Ok(None) };
        let raw = eth_raw();
        let log = EthLog { address: [7; 20], topics: vec![[1; 32], [2; 32]], data: vec![3; 40] };
        let receipt = EthReceipt {
            hash: accord_ethereum::keccak256(&raw),
            raw,
            from: [9; 20],
            contract_address: None,
            status: true,
            gas_used: 30_000,
            fee_wei: 31_000_000_000,
            logs: vec![log],
        };
        Ok(Some(EthBlock { header, timestamp_ms: 1_700_000_000_000, gas_limit: 75_000_000, receipts: vec![receipt] }))
    }
    fn eth_transaction(&self, hash: [u8; 32]) -> Result<Option<(H256, u32)>, StateError> {
        Ok((hash == accord_ethereum::keccak256(&eth_raw())).then(|| (self.chain().best, 0)))
    }
    fn eth_gas_price(&self) -> u128 {
        1_000_000
    }
    /// A stand-in for the trie: a hash of every key and value under `key`.
    fn closest_descendant_merkle_value(&self, at: H256, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        let chain = self.state_check(at)?;
        let under: Vec<u8> = chain
            .storage
            .range(key.to_vec()..)
            .take_while(|(k, _)| k.starts_with(key))
            .flat_map(|(k, v)| [k.as_slice(), v.as_slice()].concat())
            .collect();
        Ok((!under.is_empty()).then(|| blake2_256(&under).to_vec()))
    }
}
