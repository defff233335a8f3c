//! Seeded fuzzing of the transaction decoder: random bytes and mutated valid transactions
//! must give `Ok` or `Err`, never a panic, and whatever decodes re-encodes to the same bytes.
//! Set `ACCORD_FUZZ_SEED` to reproduce a printed seed, `ACCORD_FUZZ_ITERATIONS` to run longer.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::signed_samples;
use crate::keccak256;
use crate::transaction::decode;

fn seed() -> u64 {
    let seed = std::env::var("ACCORD_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    println!("fuzz seed: {seed} (ACCORD_FUZZ_SEED={seed} reproduces)");
    seed
}

fn iterations(default: u32) -> u32 {
    std::env::var("ACCORD_FUZZ_ITERATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Flips, inserts, deletes or overwrites a few bytes, or truncates.
fn mutate(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.gen_range(1..4) {
        let len = bytes.len();
        match rng.gen_range(0..5) {
            0 if len > 0 => {
                let i = rng.gen_range(0..len);
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => {
                let i = rng.gen_range(0..=len);
                bytes.insert(i, rng.gen());
            }
            2 if len > 0 => {
                bytes.remove(rng.gen_range(0..len));
            }
            3 if len > 0 => {
                let i = rng.gen_range(0..len);
                bytes[i] = rng.gen();
            }
            _ => bytes.truncate(rng.gen_range(0..=len)),
        }
    }
}

#[test]
fn decoding_and_recovery_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(seed());
    let samples = signed_samples();
    let (mut decoded, mut recovered) = (0u32, 0u32);
    for _ in 0..iterations(20_000) {
        let mut bytes = if rng.gen_bool(0.2) {
            let mut b = vec![0u8; rng.gen_range(0..300)];
            rng.fill_bytes(&mut b);
            // Give random bytes a fair chance past the type byte.
            if let Some(first) = b.first_mut() {
                *first = [0x01, 0x02, 0xf8, *first][rng.gen_range(0..4)];
            }
            b
        } else {
            samples[rng.gen_range(0..samples.len())].clone()
        };
        mutate(&mut rng, &mut bytes);
        let Ok(transaction) = decode(&bytes) else {
            continue;
        };
        decoded += 1;
        assert_eq!(transaction.encode(), bytes, "decoding keeps the submitted bytes");
        assert_eq!(transaction.hash(), keccak256(&bytes));
        recovered += u32::from(transaction.recover_sender().is_ok());
    }
    println!("decoded {decoded}, recovered {recovered}");
    assert!(decoded > 0, "the mutations should leave some transactions decodable");
}

/// Arbitrary and mutated call data give `Ok` or `Err` from every ABI read, never a panic.
#[test]
fn fuzzed_call_data_never_panics() {
    use crate::abi::{self, Args, Token};
    let mut rng = ChaCha8Rng::seed_from_u64(seed());
    let valid = abi::encode(&[Token::Bytes(b"id"), Token::Bytes(&[1; 40]), Token::Bytes(&[]), Token::Uint(3)]);
    for _ in 0..iterations(20_000) {
        let data = if rng.gen_bool(0.5) {
            let mut data = vec![0u8; rng.gen_range(0..300)];
            rng.fill_bytes(&mut data);
            data
        } else {
            let mut data = valid.clone();
            mutate(&mut rng, &mut data);
            data
        };
        let args = Args::new(&data);
        for index in 0..5 {
            if let Ok(bytes) = args.bytes(index) {
                assert!(bytes.len() <= data.len());
            }
            let _ = (args.uint(index, 8), args.uint(index, 64), args.address(index));
        }
    }
}
