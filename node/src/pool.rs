//! The transaction pool: validated transactions waiting for a block.
//!
//! ```text
//! submit ─▶ decode (length limit) ─▶ runtime validation at the best block
//!        ─▶ per sender: nonce-ordered queue; the run of consecutive nonces from the
//!           account's nonce is ready, the rest is future
//! build  ◀─ ready transactions, highest priority first, each sender's in nonce order
//! import ─▶ included ones leave (inBlock, finalized); stale and expired ones are dropped
//! ```
//! Replacement: a transaction with the same sender and nonce replaces a pooled one only with
//! a higher priority (a higher tip); the replaced one is `usurped`. Limits: transactions and
//! bytes in total, transactions per sender; a full pool refuses new transactions.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use accord_primitives::{AccountId32, UncheckedExtrinsic, H256};
use accord_rpc::{SubmitError, TxStatus};
use accord_runtime::limits::EXTRINSIC_LENGTH_MAX;
use accord_runtime::validity::ValidTransaction;

/// A pooled transaction's hash, and the receiver of its status when it is watched.
pub type Pooled = (H256, Option<mpsc::Receiver<TxStatus>>);

/// Pool limits.
#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// Transactions in the pool.
    pub count_max: usize,
    /// Bytes of transactions in the pool.
    pub bytes_max: usize,
    /// Transactions of one sender.
    pub per_sender_max: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits { count_max: 65_536, bytes_max: 64 * 1024 * 1024, per_sender_max: 1024 }
    }
}

/// Capacity of each status watcher's channel.
const WATCH_CHANNEL_CAPACITY: usize = 16;

/// A pooled transaction.
#[derive(Debug)]
pub struct PoolTx {
    /// Its hash (blake2-256 of its bytes).
    pub hash: H256,
    /// The decoded extrinsic, with its submitted bytes.
    pub xt: UncheckedExtrinsic,
    /// The signer.
    pub sender: AccountId32,
    /// Its nonce.
    pub nonce: u32,
    /// The runtime's priority.
    pub priority: u64,
    /// The last block number it is valid at.
    pub valid_till: u64,
    /// Arrival order in the pool (ties of priority go first come, first served).
    pub seq: u64,
}

#[derive(Default)]
struct Inner {
    by_hash: BTreeMap<H256, Arc<PoolTx>>,
    /// Where the next re-validation batch starts.
    revalidate_after: H256,
    senders: HashMap<AccountId32, BTreeMap<u32, Arc<PoolTx>>>,
    /// The account nonce of each sender with pooled transactions, as last seen.
    chain_nonce: HashMap<AccountId32, u32>,
    bytes: usize,
    watchers: HashMap<H256, Vec<mpsc::Sender<TxStatus>>>,
    /// The next arrival number.
    next_seq: u64,
    /// The number of the last block `on_block` saw.
    block: u32,
    /// Pooled transactions in a notarized block that is not final yet (BFT), by the
    /// block: they stay in the pool until it is final, and return to it if it is abandoned.
    notarized: HashMap<H256, H256>,
}

impl Inner {
    fn notify(&mut self, hash: &H256, status: TxStatus) {
        let last = status.is_final();
        if let Some(list) = self.watchers.get_mut(hash) {
            // A watcher that does not keep up loses updates rather than blocking the pool.
            list.retain(|w| w.try_send(status.clone()).is_ok() || !w.is_closed());
        }
        if last {
            self.watchers.remove(hash);
        }
    }

    fn remove(&mut self, hash: &H256) -> Option<Arc<PoolTx>> {
        let tx = self.by_hash.remove(hash)?;
        self.notarized.remove(hash);
        self.bytes -= tx.xt.encoded().len();
        if let Some(queue) = self.senders.get_mut(&tx.sender) {
            queue.remove(&tx.nonce);
            if queue.is_empty() {
                self.senders.remove(&tx.sender);
                self.chain_nonce.remove(&tx.sender);
            }
        }
        Some(tx)
    }

    /// The sender's ready transactions: the run of consecutive nonces from its account nonce.
    fn ready_run<'a>(&'a self, sender: &AccountId32) -> impl Iterator<Item = &'a Arc<PoolTx>> + 'a {
        let start = self.chain_nonce.get(sender).copied().unwrap_or(0);
        self.senders
            .get(sender)
            .into_iter()
            .flat_map(move |queue| queue.range(start..))
            .enumerate()
            .take_while(move |(i, (nonce, _))| **nonce as u64 == start as u64 + *i as u64)
            .map(|(_, (_, tx))| tx)
    }

    fn is_ready(&self, tx: &PoolTx) -> bool {
        let base = self.chain_nonce.get(&tx.sender).copied().unwrap_or(0);
        let queue = &self.senders[&tx.sender];
        (base..tx.nonce).all(|n| queue.contains_key(&n)) && tx.nonce >= base
    }
}

/// The transaction pool.
#[derive(Default)]
pub struct Pool {
    inner: Mutex<Inner>,
    limits: PoolLimits,
}

/// Counts for the status line and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Ready transactions.
    pub ready: usize,
    /// Future transactions.
    pub future: usize,
    /// Bytes held.
    pub bytes: usize,
}

impl Pool {
    /// An empty pool with `limits`.
    pub fn new(limits: PoolLimits) -> Pool {
        Pool { inner: Mutex::new(Inner::default()), limits }
    }

    /// Decodes a submitted extrinsic.
    pub fn decode(bytes: &[u8]) -> Result<UncheckedExtrinsic, SubmitError> {
        UncheckedExtrinsic::decode_with_limit(bytes, EXTRINSIC_LENGTH_MAX)
            .map_err(|e| SubmitError::BadFormat(e.to_string()))
    }

    /// Adds a transaction validated at block number `best`, where the sender's nonce is
    /// `account_nonce`. `None` if `best` is older than the last block the pool saw: that block
    /// may have included the transaction (or its nonce) after the validation read the state,
    /// so it must be validated again.
    pub fn insert(
        &self,
        xt: UncheckedExtrinsic,
        validity: ValidTransaction,
        account_nonce: u32,
        best: u32,
        watch: bool,
    ) -> Option<Result<Pooled, SubmitError>> {
        let mut inner = self.inner.lock();
        if best < inner.block {
            return None;
        }
        Some(self.insert_locked(&mut inner, xt, validity, account_nonce, best, watch))
    }

    fn insert_locked(
        &self,
        inner: &mut Inner,
        xt: UncheckedExtrinsic,
        validity: ValidTransaction,
        account_nonce: u32,
        best: u32,
        watch: bool,
    ) -> Result<Pooled, SubmitError> {
        let hash = xt.hash();
        let (sender, nonce) = pooled_sender(&xt, &validity)?;
        let len = xt.encoded().len();
        let seq = inner.next_seq;
        let tx = Arc::new(PoolTx {
            hash,
            xt,
            sender,
            nonce,
            priority: validity.priority,
            valid_till: (best as u64).saturating_add(validity.longevity),
            seq,
        });
        if inner.by_hash.contains_key(&hash) {
            return Err(SubmitError::AlreadyImported);
        }
        let replaced = inner.senders.get(&sender).and_then(|q| q.get(&nonce)).cloned();
        if let Some(old) = &replaced {
            if old.priority >= tx.priority {
                return Err(SubmitError::TooLowPriority { old: old.priority, new: tx.priority });
            }
        } else {
            let sender_count = inner.senders.get(&sender).map_or(0, |q| q.len());
            if sender_count >= self.limits.per_sender_max {
                return Err(SubmitError::ImmediatelyDropped(format!(
                    "the sender has {sender_count} pooled transactions, the limit"
                )));
            }
            if inner.by_hash.len() >= self.limits.count_max || inner.bytes + len > self.limits.bytes_max {
                return Err(SubmitError::ImmediatelyDropped("the transaction pool is full".into()));
            }
        }
        if let Some(old) = replaced {
            inner.remove(&old.hash);
            inner.notify(&old.hash, TxStatus::Usurped(hash));
        }
        inner.chain_nonce.insert(sender, account_nonce);
        inner.senders.entry(sender).or_default().insert(nonce, tx.clone());
        inner.by_hash.insert(hash, tx.clone());
        inner.bytes += len;
        inner.next_seq += 1;
        let receiver = watch.then(|| {
            let (sender, receiver) = mpsc::channel(WATCH_CHANNEL_CAPACITY);
            inner.watchers.entry(hash).or_default().push(sender);
            receiver
        });
        let ready = inner.is_ready(&tx);
        inner.notify(&hash, if ready { TxStatus::Ready } else { TxStatus::Future });
        Ok((hash, receiver))
    }

    /// The ready transactions in the order a block should take them: highest priority
    /// first, each sender's in nonce order.
    pub fn ready(&self) -> Vec<Arc<PoolTx>> {
        let inner = self.inner.lock();
        let mut runs: Vec<Vec<Arc<PoolTx>>> = Vec::new();
        for sender in inner.senders.keys() {
            let mut run: Vec<Arc<PoolTx>> = inner.ready_run(sender).cloned().collect();
            if !run.is_empty() {
                run.reverse();
                runs.push(run);
            }
        }
        // A heap of each sender's next transaction, by priority then arrival (first come,
        // first served: under a full pool no transaction waits behind later ones forever).
        let mut heap: BinaryHeap<(u64, Reverse<u64>, usize)> = BinaryHeap::new();
        for (i, run) in runs.iter().enumerate() {
            let head = run.last().expect("non-empty run");
            heap.push((head.priority, Reverse(head.seq), i));
        }
        let mut out = Vec::new();
        while let Some((_, _, i)) = heap.pop() {
            let tx = runs[i].pop().expect("heap entries have a transaction");
            out.push(tx);
            if let Some(next) = runs[i].last() {
                heap.push((next.priority, Reverse(next.seq), i));
            }
        }
        out
    }

    /// After a block: `included` left the pool in block `block` (`inBlock`); `invalid`
    /// failed to apply; `nonces` are the new account nonces of the senders with pooled
    /// transactions; transactions valid only until before `best` expire.
    pub fn on_block(
        &self,
        block: H256,
        best: u32,
        included: &[H256],
        invalid: &[H256],
        nonces: impl Fn(&AccountId32) -> u32,
    ) {
        let mut inner = self.inner.lock();
        inner.block = inner.block.max(best);
        for hash in included {
            let announced = inner.notarized.remove(hash) == Some(block);
            if inner.remove(hash).is_some() && !announced {
                inner.notify(hash, TxStatus::InBlock(block));
            }
        }
        for hash in invalid {
            if inner.remove(hash).is_some() {
                inner.notify(hash, TxStatus::Invalid);
            }
        }
        let senders: Vec<AccountId32> = inner.senders.keys().copied().collect();
        let mut stale = Vec::new();
        for sender in senders {
            let nonce = nonces(&sender);
            inner.chain_nonce.insert(sender, nonce);
            for (n, tx) in &inner.senders[&sender] {
                if *n < nonce || tx.valid_till < best as u64 {
                    stale.push(tx.hash);
                }
            }
        }
        for hash in stale {
            inner.remove(&hash);
            inner.notify(&hash, TxStatus::Invalid);
        }
    }

    /// A BFT engine notarized block `block`, which includes `included`: their watchers see
    /// `inBlock`, but they stay pooled until the block is final (see [`Pool::on_block`]) or
    /// abandoned ([`Pool::on_retracted`]).
    pub fn on_notarized(&self, block: H256, included: &[H256]) {
        let mut inner = self.inner.lock();
        for hash in included {
            if inner.by_hash.contains_key(hash) && inner.notarized.get(hash) != Some(&block) {
                inner.notarized.insert(*hash, block);
                inner.notify(hash, TxStatus::InBlock(block));
            }
        }
    }

    /// Notarized block `block`, which included `included`, was abandoned: its transactions
    /// that are still pooled are announced `retracted` and may go into another block.
    pub fn on_retracted(&self, block: H256, included: &[H256]) {
        let mut inner = self.inner.lock();
        for hash in included {
            if inner.notarized.get(hash) == Some(&block) {
                inner.notarized.remove(hash);
                inner.notify(hash, TxStatus::Retracted(block));
            }
        }
    }

    /// Block `block`, which included `included`, is final.
    pub fn on_finalized(&self, block: H256, included: &[H256]) {
        let mut inner = self.inner.lock();
        for hash in included {
            inner.notify(hash, TxStatus::Finalized(block));
        }
    }

    /// Removes transactions that no longer validate.
    pub fn remove_invalid(&self, hashes: &[H256]) {
        let mut inner = self.inner.lock();
        for hash in hashes {
            if inner.remove(hash).is_some() {
                inner.notify(hash, TxStatus::Invalid);
            }
        }
    }

    /// The sender's next nonce counting pooled transactions: the end of the run of
    /// consecutive nonces from `account_nonce`.
    pub fn next_nonce(&self, who: &AccountId32, account_nonce: u32) -> u32 {
        let inner = self.inner.lock();
        let mut next = account_nonce;
        if let Some(queue) = inner.senders.get(who) {
            while queue.contains_key(&next) {
                next += 1;
            }
        }
        next
    }

    /// Every pooled extrinsic's bytes.
    pub fn pending(&self) -> Vec<Vec<u8>> {
        self.inner.lock().by_hash.values().map(|tx| tx.xt.encoded().to_vec()).collect()
    }

    /// Counts.
    pub fn status(&self) -> PoolStatus {
        let inner = self.inner.lock();
        // No ordering needed to count.
        let ready: usize = inner.senders.keys().map(|sender| inner.ready_run(sender).count()).sum();
        PoolStatus { ready, future: inner.by_hash.len() - ready, bytes: inner.bytes }
    }

    /// Up to `n` pooled transactions for re-validation, rotating through the whole pool
    /// across calls so that every transaction is checked again within a few blocks.
    pub fn revalidation_batch(&self, n: usize) -> Vec<Arc<PoolTx>> {
        let mut inner = self.inner.lock();
        let start = inner.revalidate_after;
        let mut batch: Vec<Arc<PoolTx>> =
            inner.by_hash.range((Bound::Excluded(start), Bound::Unbounded)).take(n).map(|(_, tx)| tx.clone()).collect();
        if batch.len() < n {
            let more = n - batch.len();
            batch.extend(inner.by_hash.range(..=start).take(more).map(|(_, tx)| tx.clone()));
        }
        batch.dedup_by_key(|tx| tx.hash);
        inner.revalidate_after = batch.last().map_or(H256::ZERO, |tx| tx.hash);
        batch
    }
}

/// Who sent a pooled transaction, and its nonce: a signed extrinsic's signer, or the sender
/// the runtime recovered from a self-contained one (an Ethereum transaction).
pub fn pooled_sender(xt: &UncheckedExtrinsic, validity: &ValidTransaction) -> Result<(AccountId32, u32), SubmitError> {
    match &xt.signature {
        Some(sig) => match sig.address {
            accord_primitives::MultiAddress::Id(sender) => Ok((sender, sig.extra.nonce)),
            _ => Err(SubmitError::UnknownValidity(
                "Could not lookup information required to validate the transaction".into(),
            )),
        },
        None => accord_runtime::self_contained_sender(validity)
            .ok_or_else(|| SubmitError::Invalid("unsigned transactions are not pooled".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_primitives::extrinsic::SignedExtra;
    use accord_primitives::{Era, Implicit, Pair};

    fn xt(who: &Pair, nonce: u32, tip: u128) -> UncheckedExtrinsic {
        let implicit =
            Implicit { spec_version: 1, transaction_version: 1, genesis_hash: H256::ZERO, era_birth_hash: H256::ZERO };
        UncheckedExtrinsic::new_signed(&[0, 0, 0], who, SignedExtra { era: Era::Immortal, nonce, tip }, &implicit)
    }

    fn valid(priority: u64) -> ValidTransaction {
        ValidTransaction { priority, requires: vec![], provides: vec![], longevity: 64, propagate: true }
    }

    fn current<T>(inserted: Option<T>) -> T {
        inserted.expect("validated at the pool's current block")
    }

    fn add(pool: &Pool, who: &Pair, nonce: u32, priority: u64, chain_nonce: u32) -> Result<H256, SubmitError> {
        current(pool.insert(xt(who, nonce, priority as u128), valid(priority), chain_nonce, 0, false)).map(|(h, _)| h)
    }

    #[test]
    fn ready_order_is_priority_then_nonce_per_sender() {
        let pool = Pool::new(PoolLimits::default());
        let (a, b) = (Pair::dev("Alice"), Pair::dev("Bob"));
        add(&pool, &a, 1, 50, 0).unwrap(); // future until nonce 0 arrives
        assert_eq!(pool.status(), PoolStatus { ready: 0, future: 1, bytes: pool.status().bytes });
        add(&pool, &a, 0, 10, 0).unwrap();
        add(&pool, &b, 0, 30, 0).unwrap();
        let order: Vec<(AccountId32, u32)> = pool.ready().iter().map(|t| (t.sender, t.nonce)).collect();
        assert_eq!(order, vec![(b.account(), 0), (a.account(), 0), (a.account(), 1)]);
        // Equal priorities: first come, first served.
        let (c, d) = (Pair::dev("Charlie"), Pair::dev("Dave"));
        add(&pool, &d, 0, 10, 0).unwrap();
        add(&pool, &c, 0, 10, 0).unwrap();
        let order: Vec<AccountId32> = pool.ready().iter().map(|t| t.sender).collect();
        assert_eq!(order, vec![b.account(), a.account(), a.account(), d.account(), c.account()]);
        assert_eq!(pool.next_nonce(&a.account(), 0), 2);
        assert_eq!(pool.next_nonce(&b.account(), 0), 1);
        assert_eq!(pool.next_nonce(&b.account(), 5), 5);
    }

    #[test]
    fn replacement_needs_a_higher_priority() {
        let pool = Pool::new(PoolLimits::default());
        let a = Pair::dev("Alice");
        let original = xt(&a, 0, 5);
        let (first, mut watch) = current(pool.insert(original.clone(), valid(5), 0, 0, true)).unwrap();
        assert_eq!(watch.as_mut().unwrap().try_recv().unwrap(), TxStatus::Ready);
        // sr25519 signatures are randomized: a second signing is another transaction.
        assert_eq!(add(&pool, &a, 0, 5, 0), Err(SubmitError::TooLowPriority { old: 5, new: 5 }));
        assert_eq!(current(pool.insert(original, valid(5), 0, 0, false)).unwrap_err(), SubmitError::AlreadyImported);
        let second = add(&pool, &a, 0, 6, 0).unwrap();
        assert_eq!(watch.unwrap().try_recv().unwrap(), TxStatus::Usurped(second));
        assert_ne!(first, second);
        assert_eq!(pool.ready().len(), 1);
    }

    #[test]
    fn limits_refuse_new_transactions() {
        let pool = Pool::new(PoolLimits { count_max: 2, bytes_max: usize::MAX, per_sender_max: 1 });
        let (a, b, c) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Charlie"));
        add(&pool, &a, 0, 1, 0).unwrap();
        assert!(matches!(add(&pool, &a, 1, 1, 0), Err(SubmitError::ImmediatelyDropped(_))), "per sender");
        add(&pool, &b, 0, 1, 0).unwrap();
        assert!(matches!(add(&pool, &c, 0, 1, 0), Err(SubmitError::ImmediatelyDropped(_))), "total");
        let small = Pool::new(PoolLimits { count_max: 10, bytes_max: 150, per_sender_max: 10 });
        add(&small, &a, 0, 1, 0).unwrap();
        assert!(matches!(add(&small, &b, 0, 1, 0), Err(SubmitError::ImmediatelyDropped(_))), "bytes");
    }

    #[test]
    fn blocks_remove_included_stale_and_expired() {
        let pool = Pool::new(PoolLimits::default());
        let (a, b) = (Pair::dev("Alice"), Pair::dev("Bob"));
        let (a0, mut watch) = current(pool.insert(xt(&a, 0, 1), valid(1), 0, 0, true)).unwrap();
        let a1 = add(&pool, &a, 1, 1, 0).unwrap();
        let b0 = add(&pool, &b, 0, 1, 0).unwrap();
        let block = H256([9; 32]);
        // a0 included; Bob's nonce moved on elsewhere (b0 is stale).
        pool.on_block(block, 1, &[a0], &[], |_| 1);
        let watch = watch.as_mut().unwrap();
        assert_eq!(watch.try_recv().unwrap(), TxStatus::Ready);
        assert_eq!(watch.try_recv().unwrap(), TxStatus::InBlock(block));
        assert!(watch.try_recv().is_err(), "final only once the block is");
        pool.on_finalized(block, &[a0]);
        assert_eq!(watch.try_recv().unwrap(), TxStatus::Finalized(block));
        let left: Vec<H256> = pool.ready().iter().map(|t| t.hash).collect();
        assert_eq!(left, vec![a1]);
        assert!(!pool.pending().iter().any(|x| H256::hash_of(x) == b0));
        // Longevity 64 from block 0: gone after block 65.
        pool.on_block(block, 66, &[], &[], |_| 1);
        assert!(pool.pending().is_empty());
    }

    #[test]
    fn a_validation_older_than_the_last_block_is_refused() {
        let pool = Pool::new(PoolLimits::default());
        let a = Pair::dev("Alice");
        pool.on_block(H256([1; 32]), 3, &[], &[], |_| 0);
        // Validated at block 2, before block 3 reached the pool: validate again.
        assert!(pool.insert(xt(&a, 0, 1), valid(1), 0, 2, false).is_none());
        assert!(pool.pending().is_empty());
        assert!(current(pool.insert(xt(&a, 0, 1), valid(1), 0, 3, false)).is_ok());
        assert!(current(pool.insert(xt(&a, 1, 1), valid(1), 0, 4, false)).is_ok(), "a newer view is fine");
    }

    #[test]
    fn revalidation_batches_rotate_through_the_pool() {
        let pool = Pool::new(PoolLimits::default());
        let names = ["Alice", "Bob", "Charlie", "Dave", "Eve"];
        for n in names {
            add(&pool, &Pair::dev(n), 0, 1, 0).unwrap();
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..3 {
            for tx in pool.revalidation_batch(2) {
                seen.insert(tx.hash);
            }
        }
        assert_eq!(seen.len(), 5);
        assert_eq!(pool.revalidation_batch(10).len(), 5);
    }
}
