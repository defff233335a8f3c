//! Transactions against published vectors, every refusal, and seeded fuzzing of the
//! decoder. Shared here: the sample transactions and a way to rewrite one field of an
//! envelope.

mod abi;
mod addresses;
mod fuzz;
mod transaction;

use crate::rlp::{self, AccessListItem, Item};
use crate::{SignedTransaction, SigningKey, Transaction, TransactionKind, U256};

/// The EIP-155 example, signed: nonce 9, 20 gwei, 21000 gas, 1 ether to 0x3535…, chain 1.
const EIP155_SIGNED: &str = "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";

fn bytes(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

fn array<const N: usize>(s: &str) -> [u8; N] {
    bytes(s).try_into().unwrap()
}

/// The private key of the EIP-155 example.
fn eip155_key() -> SigningKey {
    SigningKey::from_bytes(&[0x46; 32].into()).unwrap()
}

fn eip155_example() -> Transaction {
    Transaction {
        chain_id: 1,
        nonce: 9,
        gas_limit: 21_000,
        to: Some([0x35; 20]),
        value: U256::from(1_000_000_000_000_000_000),
        input: vec![],
        kind: TransactionKind::Legacy { gas_price: 20_000_000_000 },
    }
}

fn access_list() -> Vec<AccessListItem> {
    vec![
        AccessListItem { address: [0xaa; 20], storage_keys: vec![[1; 32], [2; 32]] },
        AccessListItem { address: [0xbb; 20], storage_keys: vec![] },
    ]
}

fn eip2930_example() -> Transaction {
    Transaction {
        chain_id: 42,
        nonce: 0,
        gas_limit: 100_000,
        to: None,
        value: U256::ZERO,
        input: vec![0x60, 0x80, 0x60, 0x40, 0x52],
        kind: TransactionKind::Eip2930 { gas_price: 7, access_list: access_list() },
    }
}

fn eip1559_example() -> Transaction {
    Transaction {
        chain_id: 42,
        nonce: 300,
        gas_limit: 1_000_000,
        to: Some([0x77; 20]),
        value: U256([0x12; 32]),
        input: vec![0xab; 100],
        kind: TransactionKind::Eip1559 {
            max_priority_fee_per_gas: 1_000_000_000,
            max_fee_per_gas: u128::MAX,
            access_list: access_list(),
        },
    }
}

/// Signed samples of every accepted type, as raw bytes.
fn signed_samples() -> Vec<Vec<u8>> {
    let key = SigningKey::from_bytes(&[0x11; 32].into()).unwrap();
    let mut samples = vec![bytes(EIP155_SIGNED)];
    for transaction in [eip2930_example(), eip1559_example()] {
        samples.push(SignedTransaction::sign(transaction, &key).unwrap().encode());
    }
    samples
}

/// Rebuilds a raw envelope (typed or legacy) after `edit` changed its encoded fields;
/// untouched fields and the type byte are kept byte for byte.
fn rebuild(raw: &[u8], edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let (prefix, list) = raw.split_at(usize::from(raw[0] < 0x80));
    let item: Item<'_> = rlp::decode(list).unwrap();
    let mut fields: Vec<Vec<u8>> = item
        .as_list()
        .unwrap()
        .iter()
        .map(|item| {
            let mut out = Vec::new();
            rlp::encode_item(&mut out, item);
            out
        })
        .collect();
    edit(&mut fields);
    let mut out = prefix.to_vec();
    rlp::encode_list(&mut out, &fields.concat());
    out
}

/// An RLP-encoded unsigned integer.
fn uint(big_endian: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    rlp::encode_uint(&mut out, big_endian);
    out
}
