//! The signature batcher: sr25519 signatures of submitted transactions verified together.
//!
//! RPC submissions hand their signatures to the verifier thread and await the answer
//! ([`SignatureBatcher::verify_async`]). The verifier takes everything queued (up to
//! [`BATCH_MAX`]) and checks it with one batch verification, about three times cheaper per
//! signature than one at a time (BENCHMARKS.md); if a batch fails, it checks that batch's
//! signatures one by one so that each submitter gets its own answer. Under light load a batch
//! is a single signature, with no added wait.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use accord_primitives::crypto::{sr25519_verify, sr25519_verify_batch};
use accord_primitives::{AccountId32, MultiSignature};
use tokio::sync::oneshot;

/// The most signatures verified in one batch.
pub const BATCH_MAX: usize = 512;
/// Signatures that may wait for the verifier.
const QUEUE: usize = 8192;

struct Job {
    payload: Vec<u8>,
    signature: [u8; 64],
    public: [u8; 32],
    /// The awaiting submission; gone if it was dropped.
    reply: oneshot::Sender<bool>,
}

/// A running verifier thread; stops when dropped (after the queued work).
pub struct SignatureBatcher {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Default for SignatureBatcher {
    fn default() -> Self {
        SignatureBatcher::start()
    }
}

impl SignatureBatcher {
    /// Starts the verifier thread.
    pub fn start() -> SignatureBatcher {
        let (jobs, rx) = mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("sig-verifier".into())
            .spawn(move || {
                crate::lower_thread_priority(crate::SERVING_NICE);
                run(rx)
            })
            .expect("spawning the signature verifier");
        SignatureBatcher { jobs: Some(jobs), thread: Some(thread) }
    }

    /// Whether `signature` by `public` signs `payload` (sr25519, `substrate` context), once
    /// the batch it joins is verified; the caller awaits without holding a thread. When the
    /// verifier's queue is full (or the verifier is gone) the signature is checked right
    /// here instead, so the queue stays bounded and no caller waits for room in it.
    pub async fn verify_async(&self, payload: Vec<u8>, signature: [u8; 64], public: [u8; 32]) -> bool {
        let (reply, answer) = oneshot::channel();
        let job = Job { payload, signature, public, reply };
        let Some(jobs) = self.jobs.as_ref() else { return false };
        match jobs.try_send(job) {
            Ok(()) => answer.await.unwrap_or(false),
            Err(mpsc::TrySendError::Full(job) | mpsc::TrySendError::Disconnected(job)) => {
                sr25519_verify(&job.signature, &job.payload, &job.public)
            }
        }
    }
}

impl Drop for SignatureBatcher {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(rx: Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let items: Vec<(&[u8], [u8; 64], [u8; 32])> =
            batch.iter().map(|j| (j.payload.as_slice(), j.signature, j.public)).collect();
        let all_valid = if items.len() == 1 {
            sr25519_verify(&items[0].1, items[0].0, &items[0].2)
        } else {
            sr25519_verify_batch(&items)
        };
        drop(items);
        for job in batch {
            let valid = all_valid || sr25519_verify(&job.signature, &job.payload, &job.public);
            // A dropped submission needs no answer.
            let _ = job.reply.send(valid);
        }
    }
}

/// An sr25519 signature check left for later: payload, signature, signer.
pub type SignatureCheck = (Vec<u8>, [u8; 64], [u8; 32]);

/// A signature check for `Signatures::VerifyWith` that hands sr25519 checks to `sink`
/// (taking them as valid for now) and verifies the other kinds at once.
pub fn forwarding(sink: &dyn Fn(SignatureCheck)) -> impl Fn(&MultiSignature, &[u8], &AccountId32) -> bool + '_ {
    move |signature, payload, signer| match signature {
        MultiSignature::Sr25519(s) => {
            sink((payload.to_vec(), *s, signer.0));
            true
        }
        other => other.verify(payload, signer),
    }
}

/// Checks a helper thread verifies at a time in [`verify_while`]: large enough for batch
/// verification's saving (most of it is reached by 64), small enough that little is left
/// when the producer finishes.
const STREAM_BATCH: usize = 64;

/// Runs `produce` on this thread while a helper thread verifies, in batches, the sr25519
/// checks it hands to its sink; returns what `produce` returned and whether every check
/// was valid. A block's signatures are verified on the second core while the first
/// executes the block (they used to wait for the end of the execution). On one core the
/// checks are collected and verified at the end instead.
pub fn verify_while<T>(produce: impl FnOnce(&dyn Fn(SignatureCheck)) -> T) -> (T, bool) {
    if cores() < 2 {
        let collected = RefCell::new(Vec::new());
        let out = produce(&|check| collected.borrow_mut().push(check));
        let valid = verify_all(&collected.into_inner());
        return (out, valid);
    }
    let (sink, checks) = mpsc::channel::<SignatureCheck>();
    std::thread::scope(|scope| {
        let verifier = scope.spawn(move || {
            let mut valid = true;
            let mut batch = Vec::with_capacity(STREAM_BATCH);
            // After a bad signature the rest is only drained (the block is rejected anyway).
            for check in checks {
                batch.push(check);
                if batch.len() == STREAM_BATCH {
                    valid = valid && verify_all(&batch);
                    batch.clear();
                }
            }
            valid && verify_all(&batch)
        });
        let out = produce(&|check| {
            // The verifier outlives the producer (scope); a send cannot fail while it runs.
            let _ = sink.send(check);
        });
        drop(sink);
        let valid = verifier.join().unwrap_or(false);
        (out, valid)
    })
}

/// Extrinsics in a block below which no helper recovers Ethereum senders ahead (a thread
/// costs more than a few recoveries).
const AHEAD_MIN: usize = 16;

/// Whether [`recovering_senders_ahead`] starts its helper: always in a node; the weights
/// harness turns it off for one case, to measure what the helper saves.
pub static RECOVER_AHEAD: AtomicBool = AtomicBool::new(true);

/// Runs `work` (a block's execution) on this thread while a helper thread recovers, in
/// block order, the senders of the Ethereum transactions among `extrinsics` into the memo
/// of senders (`accord_ethereum::senders`). A recovery (~45 µs) is then off the execution's
/// path: the helper runs ahead, since executing a transaction costs more than recovering
/// its sender, and the execution finds each sender remembered (if it gets there first, it
/// recovers the sender itself; the memo holds what recovering gives, so the result is the
/// same either way). The helper stops when `work` returns. On one core, `work` alone.
pub fn recovering_senders_ahead<T>(extrinsics: &[Vec<u8>], work: impl FnOnce() -> T) -> T {
    if cores() < 2 || extrinsics.len() < AHEAD_MIN || !RECOVER_AHEAD.load(Ordering::Relaxed) {
        return work();
    }
    /// Tells the helper to stop when dropped: when `work` returns, and when it unwinds.
    struct Done<'a>(&'a AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| {
            for xt in extrinsics {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                accord_runtime::evm_glue::recover_ethereum_sender(xt);
            }
        });
        let out = {
            let _done = Done(&done);
            work()
        };
        // The helper only saves time: if it panicked, the execution recovered what it needed.
        let _ = helper.join();
        out
    })
}

/// The cores this process may use, found once: `available_parallelism` opens three cgroup
/// files on each call (~76 µs here), and [`verify_while`] verifies a block in many small
/// batches.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Signatures in a block below which one thread verifies them all (a thread costs more).
const PARALLEL_MIN: usize = 64;

/// Whether every `(payload, signature, public)` is a valid sr25519 signature (`substrate`
/// context): batch verification, split across the machine's cores for large sets (each
/// batch of [`verify_while`]).
pub fn verify_all(items: &[SignatureCheck]) -> bool {
    let parts = cores().min(items.len() / PARALLEL_MIN).max(1);
    let verify = |part: &[SignatureCheck]| {
        let refs: Vec<(&[u8], [u8; 64], [u8; 32])> = part.iter().map(|(p, s, k)| (p.as_slice(), *s, *k)).collect();
        sr25519_verify_batch(&refs)
    };
    if parts == 1 {
        return items.is_empty() || verify(items);
    }
    let chunk = items.len().div_ceil(parts);
    std::thread::scope(|scope| {
        let mut chunks = items.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|part| scope.spawn(move || verify(part))).collect();
        let mine = verify(first);
        // Every thread is joined (scope), whatever this one found.
        others.into_iter().fold(mine, |all, t| t.join().unwrap_or(false) && all)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_primitives::crypto::Sr25519Pair;
    use std::sync::Arc;

    #[test]
    fn verify_all_accepts_valid_sets_and_finds_one_bad_signature_in_any_part() {
        let pairs: Vec<Sr25519Pair> = (0..300u32).map(|i| Sr25519Pair::from_seed(&[i as u8; 32])).collect();
        let mut items: Vec<(Vec<u8>, [u8; 64], [u8; 32])> = pairs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let payload = format!("payload {i}").into_bytes();
                (payload.clone(), p.sign(&payload), p.public())
            })
            .collect();
        assert!(verify_all(&[]));
        assert!(verify_all(&items[..1]));
        assert!(verify_all(&items));
        for bad in [0, 150, 299] {
            let saved = items[bad].0.clone();
            items[bad].0.push(1);
            assert!(!verify_all(&items), "a bad signature at {bad} is found");
            assert!(!verify_all(&items[bad..bad + 1]));
            items[bad].0 = saved;
        }
    }

    #[test]
    fn verify_while_checks_everything_handed_over_during_the_work() {
        let pairs: Vec<Sr25519Pair> = (0..200u32).map(|i| Sr25519Pair::from_seed(&[i as u8; 32])).collect();
        let check = |i: usize, forged: bool| {
            let payload = format!("payload {i}").into_bytes();
            let mut signature = pairs[i].sign(&payload);
            if forged {
                signature[1] ^= 0x40;
            }
            (payload, signature, pairs[i].public())
        };
        for (count, bad) in [(0, None), (1, None), (200, None), (200, Some(0)), (200, Some(130)), (200, Some(199))] {
            let (out, valid) = verify_while(|sink| {
                for i in 0..count {
                    sink(check(i, bad == Some(i)));
                }
                count * 2
            });
            assert_eq!(out, count * 2, "the work's result comes back");
            assert_eq!(valid, bad.is_none(), "{count} checks, bad {bad:?}");
        }
    }

    /// Signed Ethereum transactions from distinct senders, as extrinsics, with their hashes.
    fn ethereum_block(n: u64, salt: u8) -> (Vec<Vec<u8>>, Vec<[u8; 32]>) {
        use accord_ethereum::{SignedTransaction, SigningKey, Transaction, TransactionKind, U256};
        (0..n)
            .map(|i| {
                let mut secret = [salt; 32];
                secret[..8].copy_from_slice(&(i + 1).to_be_bytes());
                let key = SigningKey::from_bytes(&secret.into()).unwrap();
                let transaction = Transaction {
                    chain_id: 42,
                    nonce: i,
                    gas_limit: 21_000,
                    to: Some([0x35; 20]),
                    value: U256::ZERO,
                    input: vec![],
                    kind: TransactionKind::Legacy { gas_price: 1 },
                };
                let signed = SignedTransaction::sign(transaction, &key).unwrap();
                let xt = accord_runtime::evm_glue::ethereum_extrinsic(signed.encode()).unwrap();
                (xt.encoded().to_vec(), signed.hash())
            })
            .unzip()
    }

    #[test]
    fn senders_are_recovered_ahead_while_the_block_executes() {
        use accord_ethereum::senders;
        if cores() < 2 {
            eprintln!("one core: no helper to test");
            return;
        }
        let (mut extrinsics, hashes) = ethereum_block(64, 0x51);
        // Other extrinsics do not stop the helper.
        extrinsics.insert(10, vec![0xff; 3]);
        extrinsics.insert(0, accord_runtime::timestamp_inherent(1).encoded().to_vec());
        let remembered = || hashes.iter().filter(|h| senders::get(h).is_some()).count();
        assert_eq!(remembered(), 0, "nothing is remembered before");
        let seen = recovering_senders_ahead(&extrinsics, || {
            // The "execution" waits (at most 20 s) for the helper to have recovered them all.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while remembered() < hashes.len() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            remembered()
        });
        assert_eq!(seen, hashes.len(), "every sender was recovered while the work ran");
    }

    #[test]
    fn the_work_s_result_comes_back_with_a_helper_or_without() {
        let (extrinsics, _) = ethereum_block(AHEAD_MIN as u64, 0x52);
        // The work returns at once; the scope joins the helper, which stops early or not.
        assert_eq!(recovering_senders_ahead(&extrinsics, || 7), 7);
        assert_eq!(recovering_senders_ahead(&extrinsics[..1], || 8), 8, "a short block: the work alone");
    }

    #[test]
    fn concurrent_submitters_each_get_their_own_answer() {
        let batcher = Arc::new(SignatureBatcher::start());
        let handles: Vec<_> = (0..64u8)
            .map(|i| {
                let batcher = batcher.clone();
                std::thread::spawn(move || {
                    let pair = Sr25519Pair::from_seed(&[i; 32]);
                    let message = vec![i; 100];
                    let mut signature = pair.sign(&message);
                    // Every fifth one is forged.
                    if i % 5 == 0 {
                        signature[1] ^= 0x40;
                    }
                    (i, futures::executor::block_on(batcher.verify_async(message, signature, pair.public())))
                })
            })
            .collect();
        for h in handles {
            let (i, valid) = h.join().unwrap();
            assert_eq!(valid, i % 5 != 0, "submitter {i}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_async_submitters_share_batches_and_get_their_own_answers() {
        let batcher = Arc::new(SignatureBatcher::start());
        let tasks: Vec<_> = (0..200u8)
            .map(|i| {
                let batcher = batcher.clone();
                tokio::spawn(async move {
                    let pair = Sr25519Pair::from_seed(&[i; 32]);
                    let message = vec![i; 100];
                    let mut signature = pair.sign(&message);
                    // Every seventh one signs another message.
                    if i % 7 == 0 {
                        signature = pair.sign(b"something else");
                    }
                    (i, batcher.verify_async(message, signature, pair.public()).await)
                })
            })
            .collect();
        for t in tasks {
            let (i, valid) = t.await.unwrap();
            assert_eq!(valid, i % 7 != 0, "submitter {i}");
        }
    }
}
