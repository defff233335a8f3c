//! Signing hashes, encodings and sender recovery against published vectors; every refusal.

use super::*;
use crate::rlp::RlpError;
use crate::transaction::{decode, TYPE_EIP1559, TYPE_EIP2930};
use crate::{address_of_public_key, keccak256, Signature, TransactionError};

/// The secp256k1 group order `n`, and `n / 2`.
const N: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
const N_HALF: &str = "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0";

/// `a - b` for big-endian 256-bit numbers, `a >= b`.
fn sub(a: [u8; 32], b: [u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

fn one() -> [u8; 32] {
    U256::from(1).0
}

/// The raw bytes with the signature's (v or yParity, r, s) replaced.
fn with_signature(raw: &[u8], v: &[u8], r: &[u8], s: &[u8]) -> Vec<u8> {
    rebuild(raw, |fields| {
        let at = fields.len() - 3;
        fields.truncate(at);
        fields.extend([uint(v), uint(r), uint(s)]);
    })
}

#[test]
fn eip155_example_signs_hashes_and_recovers() {
    let transaction = eip155_example();
    assert_eq!(
        hex::encode(transaction.signing_payload()),
        "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"
    );
    assert_eq!(
        hex::encode(transaction.signing_hash()),
        "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    );
    let signed = SignedTransaction::sign(transaction.clone(), &eip155_key()).unwrap();
    assert_eq!(hex::encode(signed.encode()), EIP155_SIGNED, "RFC 6979 signing reproduces the EIP's bytes");

    let raw = bytes(EIP155_SIGNED);
    let decoded = decode(&raw).unwrap();
    assert_eq!(decoded, signed);
    assert_eq!(decoded.transaction(), &transaction);
    assert_eq!(decoded.v(), 37);
    assert_eq!(decoded.hash(), keccak256(&raw));
    assert_eq!(decoded.recover_sender(), Ok(array("9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f")));
}

#[test]
fn mainnet_eip1559_transaction_has_its_hash_and_sender() {
    // Ethereum mainnet transaction 0x0ec0b6a2…2ee0, rebuilt from its fields.
    let transaction = Transaction {
        chain_id: 1,
        nonce: 0x42,
        gas_limit: 44_386,
        to: Some(array("6069a6c32cf691f5982febae4faf8a6f3ab2f0f6")),
        value: U256::ZERO,
        input: bytes("a22cb4650000000000000000000000005eee75727d804a2b13038928d36f8b188945a57a0000000000000000000000000000000000000000000000000000000000000000"),
        kind: TransactionKind::Eip1559 {
            max_priority_fee_per_gas: 0x3b9a_ca00,
            max_fee_per_gas: 0x4_a817_c800,
            access_list: vec![],
        },
    };
    let r = array("840cfc572845f5786e702984c2a582528cad4b49b2a10b9db1be7fca90058565");
    let s = array("25e7109ceb98168d95b09b18bbf6b685130e0562f233877d492b94eee0c5b6d1");
    let signed = SignedTransaction::new(transaction, Signature::new(false, U256(r), U256(s)).unwrap());
    assert_eq!(hex::encode(signed.hash()), "0ec0b6a2df4d87424e5f6ad2a654e27aaeb7dac20ae9e8385cc09087ad532ee0");
    assert_eq!(signed.recover_sender(), Ok(array("dd6b8b3dc6b7ad97db52f08a275ff4483e024cea")));
    let raw = signed.encode();
    assert_eq!(raw[0], TYPE_EIP1559);
    assert_eq!(decode(&raw), Ok(signed));
}

#[test]
fn typed_transactions_sign_decode_and_recover() {
    let key = SigningKey::from_bytes(&[0x22; 32].into()).unwrap();
    let sender = address_of_public_key(key.verifying_key());
    for (transaction, tx_type) in [(eip2930_example(), TYPE_EIP2930), (eip1559_example(), TYPE_EIP1559)] {
        let payload = transaction.signing_payload();
        assert_eq!(payload[0], tx_type, "typed signing payloads start with the type");
        assert_eq!(transaction.signing_hash(), keccak256(&payload));
        let signed = SignedTransaction::sign(transaction.clone(), &key).unwrap();
        let raw = signed.encode();
        assert_eq!(raw[0], tx_type);
        let decoded = decode(&raw).unwrap();
        assert_eq!(decoded.transaction(), &transaction);
        assert_eq!(decoded.transaction().tx_type(), tx_type);
        assert_eq!(decoded.transaction().access_list(), &access_list()[..]);
        assert_eq!(decoded.hash(), keccak256(&raw));
        assert_eq!(decoded.recover_sender(), Ok(sender));
        assert_eq!(decoded.v(), u128::from(decoded.signature().y_parity()));

        // The signature covers the fields: another nonce recovers someone else, or no one.
        let tampered = rebuild(&raw, |fields| fields[1] = uint(&[7]));
        assert_ne!(decode(&tampered).unwrap().recover_sender(), Ok(sender));
    }
}

#[test]
fn decoding_then_encoding_gives_back_the_raw_bytes() {
    for raw in signed_samples() {
        let decoded = decode(&raw).unwrap();
        assert_eq!(decoded.encode(), raw);
        assert_eq!(SignedTransaction::new(decoded.transaction().clone(), *decoded.signature()), decoded);
    }
}

#[test]
fn effective_gas_price_by_type() {
    assert_eq!(eip155_example().effective_gas_price(1_000), 20_000_000_000);
    assert_eq!(eip2930_example().effective_gas_price(1_000), 7);
    let mut dynamic = eip1559_example();
    dynamic.kind = TransactionKind::Eip1559 { max_priority_fee_per_gas: 2, max_fee_per_gas: 100, access_list: vec![] };
    assert_eq!(dynamic.effective_gas_price(10), 12);
    assert_eq!(dynamic.effective_gas_price(99), 100);
    assert_eq!(dynamic.effective_gas_price(u128::MAX), 100);
    assert_eq!(dynamic.max_fee_per_gas(), 100);
}

#[test]
fn refuses_empty_input() {
    assert_eq!(decode(&[]), Err(TransactionError::Empty));
}

#[test]
fn refuses_unprotected_legacy_transactions() {
    let raw = bytes(EIP155_SIGNED);
    for v in [27u8, 28] {
        let unprotected = rebuild(&raw, |fields| fields[6] = uint(&[v]));
        assert_eq!(decode(&unprotected), Err(TransactionError::UnprotectedLegacy));
    }
    let message = TransactionError::UnprotectedLegacy.to_string();
    assert!(message.contains("unprotected legacy transactions (without EIP-155 chain id) are not accepted"));
}

#[test]
fn refuses_blob_set_code_and_unknown_types() {
    let typed = signed_samples().pop().unwrap();
    for (tx_type, expected) in [
        (0x03, TransactionError::BlobTransaction),
        (0x04, TransactionError::SetCodeTransaction),
        (0x00, TransactionError::UnknownType(0x00)),
        (0x05, TransactionError::UnknownType(0x05)),
        (0x7f, TransactionError::UnknownType(0x7f)),
    ] {
        let mut raw = typed.clone();
        raw[0] = tx_type;
        assert_eq!(decode(&raw), Err(expected));
    }
    assert!(TransactionError::BlobTransaction.to_string().contains("blob transactions"));
    assert!(TransactionError::SetCodeTransaction.to_string().contains("set-code"));
}

#[test]
fn refuses_invalid_v_values() {
    let raw = bytes(EIP155_SIGNED);
    for v in [0u8, 1, 26, 29, 34] {
        let bad = rebuild(&raw, |fields| fields[6] = uint(&[v]));
        assert_eq!(decode(&bad), Err(TransactionError::InvalidLegacyV { v: v.into() }), "v = {v}");
    }
    // A chain id beyond u64.
    let huge = [0xff; 16];
    let bad = rebuild(&raw, |fields| fields[6] = uint(&huge));
    assert_eq!(decode(&bad), Err(TransactionError::InvalidLegacyV { v: u128::MAX }));

    for raw in &signed_samples()[1..] {
        let bad = rebuild(raw, |fields| {
            let at = fields.len() - 3;
            fields[at] = uint(&[2]);
        });
        assert_eq!(decode(&bad), Err(TransactionError::InvalidYParity { y_parity: 2 }));
    }
}

#[test]
fn refuses_zero_or_too_large_r_and_s() {
    let n: [u8; 32] = array(N);
    for raw in signed_samples() {
        let decoded = decode(&raw).unwrap();
        let (r, s, v) = (decoded.signature().r().0, decoded.signature().s().0, decoded.v().to_be_bytes());
        let cases = [([0u8; 32], s, "r"), (r, [0u8; 32], "s"), (n, s, "r"), (r, n, "s"), ([0xff; 32], s, "r")];
        for (r, s, which) in cases {
            let bad = with_signature(&raw, &v, &r, &s);
            assert_eq!(decode(&bad), Err(TransactionError::SignatureOutOfRange { which }), "{which}");
        }
    }
}

#[test]
fn refuses_high_s() {
    let n: [u8; 32] = array(N);
    for raw in signed_samples() {
        let decoded = decode(&raw).unwrap();
        let signature = decoded.signature();
        // (r, n - s) with the other parity is the same signature's malleable twin.
        let twin_s = sub(n, signature.s().0);
        let twin_v = if signature.y_parity() { decoded.v() - 1 } else { decoded.v() + 1 };
        let twin = with_signature(&raw, &twin_v.to_be_bytes(), &signature.r().0, &twin_s);
        assert_eq!(decode(&twin), Err(TransactionError::HighS));
    }
}

#[test]
fn curve_order_bounds_match_k256() {
    let (n, half): ([u8; 32], [u8; 32]) = (array(N), array(N_HALF));
    let n_minus_one = sub(n, one());
    assert_eq!(sub(sub(n, half), half), one(), "n = 2 * half + 1");
    let above_half = sub(n, half);
    assert!(k256::ecdsa::Signature::from_scalars(one(), n).is_err());
    assert!(k256::ecdsa::Signature::from_scalars(one(), n_minus_one).is_ok());
    assert_eq!(k256::ecdsa::Signature::from_scalars(one(), half).unwrap().normalize_s(), None);
    assert!(k256::ecdsa::Signature::from_scalars(one(), above_half).unwrap().normalize_s().is_some());

    assert!(Signature::new(false, U256(n_minus_one), U256(half)).is_ok());
    assert_eq!(Signature::new(false, U256(one()), U256(above_half)), Err(TransactionError::HighS));
    assert_eq!(Signature::new(false, U256(n), U256(one())), Err(TransactionError::SignatureOutOfRange { which: "r" }));
}

#[test]
fn refuses_a_signature_that_recovers_no_key() {
    // No curve point has x = 5 (5^3 + 7 is not a square modulo p), so nothing recovers.
    let raw = with_signature(&bytes(EIP155_SIGNED), &[37], &[5], &one());
    let decoded = decode(&raw).unwrap();
    assert_eq!(decoded.recover_sender(), Err(TransactionError::InvalidSignature));
}

#[test]
fn refuses_malformed_rlp() {
    let raw = bytes(EIP155_SIGNED);
    assert_eq!(decode(&raw[..raw.len() - 1]), Err(TransactionError::Rlp(RlpError::Truncated)));
    let mut trailing = raw.clone();
    trailing.push(0);
    assert_eq!(decode(&trailing), Err(TransactionError::Rlp(RlpError::TrailingBytes { count: 1 })));
    assert_eq!(decode(&bytes("83010203")), Err(TransactionError::Rlp(RlpError::ExpectedList)));

    let mut typed = signed_samples().pop().unwrap();
    typed.push(0x80);
    assert_eq!(decode(&typed), Err(TransactionError::Rlp(RlpError::TrailingBytes { count: 1 })));
    assert_eq!(decode(&[TYPE_EIP1559]), Err(TransactionError::Rlp(RlpError::Truncated)));
    assert_eq!(decode(&[TYPE_EIP2930, 0x80]), Err(TransactionError::Rlp(RlpError::ExpectedList)));

    // A nonce with a leading zero byte, and an access list that is a string.
    let padded_nonce = rebuild(&raw, |fields| fields[0] = bytes("820009"));
    let expected = TransactionError::Field { field: "nonce", source: RlpError::IntegerLeadingZero };
    assert_eq!(decode(&padded_nonce), Err(expected));
    let typed = signed_samples().pop().unwrap();
    let bad_list = rebuild(&typed, |fields| fields[8] = bytes("80"));
    let expected = TransactionError::Field { field: "accessList", source: RlpError::ExpectedList };
    assert_eq!(decode(&bad_list), Err(expected));
    let short_to = rebuild(&raw, |fields| fields[3] = bytes("820102"));
    let expected = TransactionError::Field { field: "to", source: RlpError::WrongLength { expected: 20, found: 2 } };
    assert_eq!(decode(&short_to), Err(expected));
}

#[test]
fn refuses_wrong_field_counts() {
    let shapes = [("legacy", 9), ("EIP-2930", 11), ("EIP-1559", 12)];
    for (raw, (kind, expected)) in signed_samples().into_iter().zip(shapes) {
        let fewer = rebuild(&raw, |fields| {
            fields.pop();
        });
        let error = TransactionError::FieldCount { kind, expected, found: expected - 1 };
        assert_eq!(decode(&fewer), Err(error));
        let more = rebuild(&raw, |fields| fields.push(uint(&[1])));
        let error = TransactionError::FieldCount { kind, expected, found: expected + 1 };
        assert_eq!(decode(&more), Err(error));
    }
}

/// Sender recovery runs on libsecp256k1; k256 (the signing library) is the oracle: for keys
/// it signed with, and for arbitrary in-range `(r, s)` of both parities (most recover some
/// key, some none), both libraries agree on the outcome and on the address.
#[test]
fn recovery_agrees_with_k256() {
    use k256::ecdsa::{RecoveryId, VerifyingKey};
    use rand::{RngCore, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(27);
    let k256_recover = |signed: &SignedTransaction| {
        let signature = signed.signature();
        let k = k256::ecdsa::Signature::from_scalars(signature.r().0, signature.s().0).ok()?;
        let id = RecoveryId::new(signature.y_parity(), false);
        VerifyingKey::recover_from_prehash(&signed.signing_hash(), &k, id).ok().map(|key| address_of_public_key(&key))
    };
    let (mut recovered, mut refused) = (0, 0);
    for round in 0..400u64 {
        let mut transaction = eip155_example();
        transaction.nonce = round;
        let signed = if round % 2 == 0 {
            let mut secret = [0u8; 32];
            rng.fill_bytes(&mut secret);
            let Ok(key) = SigningKey::from_bytes(&secret.into()) else { continue };
            let signed = SignedTransaction::sign(transaction, &key).unwrap();
            assert_eq!(signed.recover_sender(), Ok(address_of_public_key(key.verifying_key())));
            signed
        } else {
            let (mut r, mut s) = ([0u8; 32], [0u8; 32]);
            rng.fill_bytes(&mut r);
            rng.fill_bytes(&mut s);
            s[0] &= 0x7f; // below n / 2 (and r below n) with overwhelming probability
            let Ok(signature) = Signature::new(round % 4 == 1, U256(r), U256(s)) else { continue };
            SignedTransaction::new(transaction, signature)
        };
        let expected = k256_recover(&signed);
        assert_eq!(signed.recover_sender_uncached().ok(), expected, "round {round}");
        assert_eq!(signed.recover_sender().ok(), expected, "round {round}, then from the memo");
        assert_eq!(signed.recover_sender().ok(), expected, "round {round}, again");
        if expected.is_some() {
            recovered += 1
        } else {
            refused += 1
        }
    }
    assert!(recovered > 250 && refused > 50, "both outcomes covered: {recovered} recovered, {refused} refused");
}

/// The memo of senders stays within its two generations however many are recovered.
#[test]
fn the_memo_of_senders_is_bounded() {
    use crate::senders::{self, GENERATION};
    for i in 0..2 * GENERATION + 100 {
        let mut hash = [0xee; 32];
        hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
        senders::put(hash, [1; 20]);
    }
    assert!(senders::len() <= 2 * GENERATION, "{} entries", senders::len());
    let mut newest = [0xee; 32];
    newest[..8].copy_from_slice(&(2 * GENERATION as u64 + 99).to_le_bytes());
    assert_eq!(senders::get(&newest), Some([1; 20]));
}
