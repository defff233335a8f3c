//! Micro-benchmarks of the runtime's hot paths (not tests; nothing is asserted):
//!
//! - the physical limit: sr25519 verifications per second, one at a time and batched;
//! - decoding a signed transfer and checking its signature;
//! - applying transfers in a block (checks, fee, dispatch, events);
//! - the state root after changing N keys of a large trie (incremental update).
//!
//! `cargo bench -p accord-runtime --bench micro`. Each figure is the median of 5 runs.

use std::time::Instant;

use codec::Encode;

use accord_pallet_balances as balances;
use accord_primitives::crypto::SIGNING_CONTEXT;
use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::trie::StateVersion;
use accord_primitives::{Digest, Era, Implicit, MultiAddress, Pair, UncheckedExtrinsic};
use accord_runtime::limits::EXTRINSIC_LENGTH_MAX;
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::{timestamp_inherent, BlockExecution, GenesisConfig, RuntimeCall, UNIT};

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    runs[runs.len() / 2]
}

/// Runs `f` (which does `n` operations) 5 times; returns operations per second (median).
fn rate(n: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                n as f64 / t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let n = 4000usize;
    let keypairs: Vec<schnorrkel::Keypair> = (0..n)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            schnorrkel::MiniSecretKey::from_bytes(&seed).unwrap().expand_to_keypair(schnorrkel::ExpansionMode::Ed25519)
        })
        .collect();
    let messages: Vec<Vec<u8>> = (0..n).map(|i| format!("payload {i} of a transfer").into_bytes()).collect();
    let signatures: Vec<schnorrkel::Signature> =
        keypairs.iter().zip(&messages).map(|(k, m)| k.sign_simple(SIGNING_CONTEXT, m)).collect();
    let single = rate(n, || {
        for ((k, m), s) in keypairs.iter().zip(&messages).zip(&signatures) {
            assert!(k.public.verify_simple(SIGNING_CONTEXT, m, s).is_ok());
        }
    });
    println!("sr25519 verify, one core, one at a time: {single:.0}/s");
    let publics: Vec<schnorrkel::PublicKey> = keypairs.iter().map(|k| k.public).collect();
    let batched = rate(n, || {
        let ctx = schnorrkel::signing_context(SIGNING_CONTEXT);
        let transcripts = messages.iter().map(|m| ctx.bytes(m));
        assert!(schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok());
    });
    println!("sr25519 verify, one core, batches of {n}: {batched:.0}/s");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let parallel = rate(n * cores, || {
        std::thread::scope(|s| {
            for _ in 0..cores {
                s.spawn(|| {
                    let ctx = schnorrkel::signing_context(SIGNING_CONTEXT);
                    let transcripts = messages.iter().map(|m| ctx.bytes(m));
                    assert!(schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok());
                });
            }
        });
    });
    println!("sr25519 verify, {cores} cores, batched: {parallel:.0}/s (the physical limit of signed extrinsics here)");

    // A dev chain with 1000 funded senders.
    let senders: Vec<Pair> = (0..1000).map(|i| Pair::dev(&format!("sender{i}"))).collect();
    let mut config = GenesisConfig::dev();
    config.balances.extend(senders.iter().map(|p| (p.account(), 1_000 * UNIT)));
    let (state, header) = config.build().unwrap();
    let genesis = header.hash();
    let implicit = Implicit {
        spec_version: SPEC_VERSION,
        transaction_version: TRANSACTION_VERSION,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    };
    let to = Pair::dev("Bob");
    let call = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(to.account()),
        value: UNIT,
    });
    let xts: Vec<UncheckedExtrinsic> = senders
        .iter()
        .map(|p| {
            UncheckedExtrinsic::new_signed(
                &call.encode(),
                p,
                SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 },
                &implicit,
            )
        })
        .collect();
    let bytes: Vec<Vec<u8>> = xts.iter().map(|x| x.encoded().to_vec()).collect();
    let decode_verify = rate(bytes.len(), || {
        for b in &bytes {
            let xt = UncheckedExtrinsic::decode_with_limit(b, EXTRINSIC_LENGTH_MAX).unwrap();
            let sig = xt.signature.as_ref().unwrap();
            let payload = accord_primitives::extrinsic::signing_payload(xt.call(), &sig.extra, &implicit);
            let MultiAddress::Id(who) = &sig.address else { unreachable!() };
            assert!(sig.signature.verify(&payload, who));
        }
    });
    println!("signed transfer decode + signature check, one core: {decode_verify:.0}/s");
    let apply = rate(xts.len(), || {
        let mut exec = BlockExecution::initialize(&state, genesis, 1, Digest::default());
        exec.apply(&timestamp_inherent(1)).unwrap();
        for xt in &xts {
            assert!(exec.apply(xt).unwrap().result.is_ok());
        }
    });
    println!(
        "apply_extrinsic of a transfer (checks incl. signature, fee, dispatch, oplog, events), one core: {apply:.0}/s"
    );

    // The incremental trie: 100,000 keys, then N changed keys per block.
    let mut store = accord_trie::MemoryNodeStore::default();
    let base: Vec<(Vec<u8>, Vec<u8>)> = (0u32..100_000)
        .map(|i| (accord_primitives::hashing::blake2_256(&i.to_le_bytes()).to_vec(), vec![1u8; 80]))
        .collect();
    let u = accord_trie::update(&store, base.iter().map(|(k, v)| (k.as_slice(), Some(v.as_slice()))), StateVersion::V1);
    store.apply(u.writes);
    for changed in [100usize, 1000, 10_000] {
        let changes: Vec<(Vec<u8>, Vec<u8>)> =
            base.iter().take(changed).map(|(k, _)| (k.clone(), vec![2u8; 80])).collect();
        let per_second = rate(changed, || {
            let u = accord_trie::update(
                &store,
                changes.iter().map(|(k, v)| (k.as_slice(), Some(v.as_slice()))),
                StateVersion::V1,
            );
            assert!(!u.writes.is_empty());
        });
        println!("state root after {changed} changed keys of 100,000 (in-memory node store): {per_second:.0} keys/s");
    }
}
