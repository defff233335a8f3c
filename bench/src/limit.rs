//! The physical limit of signed extrinsics on this machine: bare sr25519 verifications per
//! second (Substrate's signing context), one at a time and batched, on one core and on all.

use std::time::{Duration, Instant};

use accord_primitives::crypto::SIGNING_CONTEXT;

/// Verifications per second.
#[derive(Clone, Debug)]
pub(crate) struct Limit {
    /// One at a time on one core.
    pub(crate) single: f64,
    /// Batched (schnorrkel's `verify_batch`) on one core.
    pub(crate) batched_one_core: f64,
    /// Batched on every core at once.
    pub(crate) batched_all_cores: f64,
    /// Cores used.
    pub(crate) cores: usize,
}

impl Limit {
    /// The JSON form.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "sr25519_single_per_s": self.single.round(),
            "sr25519_batched_one_core_per_s": self.batched_one_core.round(),
            "sr25519_batched_all_cores_per_s": self.batched_all_cores.round(),
            "cores": self.cores,
        })
    }
}

const BATCH: usize = 1024;

struct Sample {
    messages: Vec<Vec<u8>>,
    signatures: Vec<schnorrkel::Signature>,
    publics: Vec<schnorrkel::PublicKey>,
}

fn sample() -> Sample {
    let mut s = Sample { messages: Vec::new(), signatures: Vec::new(), publics: Vec::new() };
    for i in 0..BATCH {
        let seed = accord_primitives::hashing::blake2_256(&(i as u64).to_le_bytes());
        let pair = schnorrkel::MiniSecretKey::from_bytes(&seed)
            .expect("32 bytes")
            .expand_to_keypair(schnorrkel::ExpansionMode::Ed25519);
        // A transfer's signing payload is about 100 bytes.
        let message = [&(i as u64).to_le_bytes()[..], &[7u8; 92]].concat();
        s.signatures.push(pair.sign_simple(SIGNING_CONTEXT, &message));
        s.publics.push(pair.public);
        s.messages.push(message);
    }
    s
}

fn single_for(s: &Sample, time: Duration) -> f64 {
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < time {
        for ((m, sig), p) in s.messages.iter().zip(&s.signatures).zip(&s.publics).take(128) {
            assert!(p.verify_simple(SIGNING_CONTEXT, m, sig).is_ok(), "a valid signature verifies");
            n += 1;
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn batched_for(s: &Sample, time: Duration) -> f64 {
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < time {
        let ctx = schnorrkel::signing_context(SIGNING_CONTEXT);
        let transcripts = s.messages.iter().map(|m| ctx.bytes(m));
        assert!(schnorrkel::verify_batch(transcripts, &s.signatures, &s.publics, false).is_ok());
        n += BATCH;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Measures for about `time` in all (a third per figure).
pub(crate) fn measure(time: Duration) -> Limit {
    let s = sample();
    let part = time / 3;
    let single = single_for(&s, part);
    let batched_one_core = batched_for(&s, part);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let batched_all_cores = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores).map(|_| scope.spawn(|| batched_for(&s, part))).collect();
        handles.into_iter().map(|h| h.join().expect("no panic")).sum()
    });
    Limit { single, batched_one_core, batched_all_cores, cores }
}
