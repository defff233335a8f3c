//! Signed Ethereum transactions: the accepted envelopes, their hashes and sender recovery.
//!
//! Accepted, as `eth_sendRawTransaction` receives them:
//!
//! ```text
//!   legacy (EIP-155)   rlp([nonce, gasPrice, gas, to, value, input, v, r, s])
//!                      v = 35 + 2 * chainId + yParity
//!   0x01 (EIP-2930)    0x01 || rlp([chainId, nonce, gasPrice, gas, to, value, input,
//!                                   accessList, yParity, r, s])
//!   0x02 (EIP-1559)    0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas,
//!                                   to, value, input, accessList, yParity, r, s])
//! ```
//!
//! The signed message is keccak-256 of the same fields without the signature: for legacy,
//! `rlp([nonce, gasPrice, gas, to, value, input, chainId, 0, 0])`; for typed ones,
//! `type || rlp(fields)`. The transaction hash is keccak-256 of the raw bytes as received;
//! because the RLP decoder only accepts canonical encodings, [`SignedTransaction::encode`]
//! gives those bytes back exactly.
//!
//! Refused, each with its own [`TransactionError`]: legacy transactions without a chain id
//! (`v` = 27 or 28, replayable on every chain), blob (0x03) and set-code (0x04) transactions,
//! unknown types, signatures with `r` or `s` outside `1..n`, and signatures with `s` above
//! `n / 2` (EIP-2: each signature has a twin with `n - s`, and only the low one is valid).

use k256::ecdsa::SigningKey;

use crate::rlp::{self, AccessListItem, Item, RlpError};
use crate::{address_from_hash, keccak256, Address, U256};

/// The type byte of EIP-2930 (access list) transactions.
pub const TYPE_EIP2930: u8 = 0x01;
/// The type byte of EIP-1559 (dynamic fee) transactions.
pub const TYPE_EIP1559: u8 = 0x02;
/// The type byte of EIP-4844 (blob) transactions, which are refused.
pub const TYPE_BLOB: u8 = 0x03;
/// The type byte of EIP-7702 (set code) transactions, which are refused.
pub const TYPE_SET_CODE: u8 = 0x04;

/// The order `n` of the secp256k1 group.
const CURVE_ORDER: U256 = U256([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, //
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
]);

/// `n / 2`, rounded down: the largest `s` that EIP-2 accepts.
const CURVE_ORDER_HALF: U256 = U256([
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, //
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
]);

/// Why raw bytes are not an acceptable signed transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// No bytes at all.
    #[error("empty transaction: no bytes were given")]
    Empty,
    /// The envelope is not canonical RLP, or not a list.
    #[error("transaction is not valid RLP: {0}")]
    Rlp(#[from] RlpError),
    /// The envelope's list has the wrong number of fields for its type.
    #[error("{kind} transaction has {found} fields; it needs {expected}")]
    FieldCount {
        /// The transaction type.
        kind: &'static str,
        /// The number of fields the type has.
        expected: usize,
        /// The number found.
        found: usize,
    },
    /// A field is malformed (a list, a non-canonical or too large integer, a bad length).
    #[error("transaction field `{field}` is invalid: {source}")]
    Field {
        /// The field, named as in Ethereum's JSON-RPC.
        field: &'static str,
        /// What is wrong with it.
        source: RlpError,
    },
    /// A legacy transaction with `v` = 27 or 28: no chain id, so replayable on every chain.
    #[error("unprotected legacy transactions (without EIP-155 chain id) are not accepted; sign with the chain id")]
    UnprotectedLegacy,
    /// An EIP-4844 blob transaction (type 0x03).
    #[error("blob transactions (type 0x03, EIP-4844) are not accepted: this chain carries no blobs")]
    BlobTransaction,
    /// An EIP-7702 set-code transaction (type 0x04).
    #[error("set-code transactions (type 0x04, EIP-7702) are not accepted")]
    SetCodeTransaction,
    /// A type byte this crate does not know.
    #[error(
        "transaction type 0x{0:02x} is unknown; accepted are legacy (EIP-155), 0x01 (EIP-2930) and 0x02 (EIP-1559)"
    )]
    UnknownType(u8),
    /// A legacy `v` that is neither 27/28 nor `35 + 2 * chainId + {0, 1}`.
    #[error("legacy transaction has v = {v}; EIP-155 needs v = 35 + 2 * chainId + (0 or 1)")]
    InvalidLegacyV {
        /// The value found.
        v: u128,
    },
    /// A typed transaction's `yParity` other than 0 or 1.
    #[error("typed transaction has yParity = {y_parity}; it must be 0 or 1")]
    InvalidYParity {
        /// The value found.
        y_parity: u64,
    },
    /// `r` or `s` is zero or not below the curve order.
    #[error("signature {which} is zero or not below the secp256k1 curve order")]
    SignatureOutOfRange {
        /// `"r"` or `"s"`.
        which: &'static str,
    },
    /// `s` is above half the curve order (EIP-2).
    #[error("signature s is in the upper half of the curve order (malleable, refused since EIP-2); sign again")]
    HighS,
    /// No public key recovers from the signature.
    #[error("invalid signature: no public key can be recovered from it")]
    InvalidSignature,
}

/// An unsigned transaction of one of the accepted types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The chain the signature is for (EIP-155 for legacy transactions).
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// The most gas the transaction may use.
    pub gas_limit: u64,
    /// The callee, or `None` to create a contract.
    pub to: Option<Address>,
    /// The amount transferred, in wei.
    pub value: U256,
    /// The call data, or the init code of a contract creation.
    pub input: Vec<u8>,
    /// The type and the fields only some types have.
    pub kind: TransactionKind,
}

/// What differs between the transaction types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionKind {
    /// Legacy, with the EIP-155 chain id in `v`.
    Legacy {
        /// The price of a unit of gas, in wei.
        gas_price: u128,
    },
    /// Type 0x01 (EIP-2930).
    Eip2930 {
        /// The price of a unit of gas, in wei.
        gas_price: u128,
        /// Accounts and storage keys the transaction declares.
        access_list: Vec<AccessListItem>,
    },
    /// Type 0x02 (EIP-1559).
    Eip1559 {
        /// The most the sender pays per gas to the block author on top of the base fee.
        max_priority_fee_per_gas: u128,
        /// The most the sender pays per gas in all.
        max_fee_per_gas: u128,
        /// Accounts and storage keys the transaction declares.
        access_list: Vec<AccessListItem>,
    },
}

impl Transaction {
    /// The type as JSON-RPC reports it: 0 (legacy), 1 or 2.
    pub fn tx_type(&self) -> u8 {
        match self.kind {
            TransactionKind::Legacy { .. } => 0,
            TransactionKind::Eip2930 { .. } => TYPE_EIP2930,
            TransactionKind::Eip1559 { .. } => TYPE_EIP1559,
        }
    }

    /// The access list (empty for legacy transactions).
    pub fn access_list(&self) -> &[AccessListItem] {
        match &self.kind {
            TransactionKind::Legacy { .. } => &[],
            TransactionKind::Eip2930 { access_list, .. } | TransactionKind::Eip1559 { access_list, .. } => access_list,
        }
    }

    /// The most the sender pays per gas: the gas price, or `maxFeePerGas`.
    pub fn max_fee_per_gas(&self) -> u128 {
        match self.kind {
            TransactionKind::Legacy { gas_price } | TransactionKind::Eip2930 { gas_price, .. } => gas_price,
            TransactionKind::Eip1559 { max_fee_per_gas, .. } => max_fee_per_gas,
        }
    }

    /// The price per gas paid under `base_fee`: the gas price for legacy and EIP-2930
    /// transactions, `min(maxFeePerGas, base_fee + maxPriorityFeePerGas)` for EIP-1559 ones.
    /// Whether this covers the base fee is for the caller to check.
    pub fn effective_gas_price(&self, base_fee: u128) -> u128 {
        match self.kind {
            TransactionKind::Legacy { gas_price } | TransactionKind::Eip2930 { gas_price, .. } => gas_price,
            TransactionKind::Eip1559 { max_priority_fee_per_gas, max_fee_per_gas, .. } => {
                max_fee_per_gas.min(base_fee.saturating_add(max_priority_fee_per_gas))
            }
        }
    }

    /// The bytes the sender signs the hash of.
    pub fn signing_payload(&self) -> Vec<u8> {
        self.encode_with(None)
    }

    /// keccak-256 of [`Transaction::signing_payload`]: the message of the signature.
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak256(&self.signing_payload())
    }

    /// The envelope, signed with `signature` or, without one, in its signing form.
    fn encode_with(&self, signature: Option<&Signature>) -> Vec<u8> {
        let mut fields = Vec::with_capacity(self.input.len() + 160);
        match &self.kind {
            TransactionKind::Legacy { gas_price } => {
                rlp::encode_u64(&mut fields, self.nonce);
                rlp::encode_u128(&mut fields, *gas_price);
                self.encode_body(&mut fields);
            }
            TransactionKind::Eip2930 { gas_price, access_list } => {
                rlp::encode_u64(&mut fields, self.chain_id);
                rlp::encode_u64(&mut fields, self.nonce);
                rlp::encode_u128(&mut fields, *gas_price);
                self.encode_body(&mut fields);
                rlp::encode_access_list(&mut fields, access_list);
            }
            TransactionKind::Eip1559 { max_priority_fee_per_gas, max_fee_per_gas, access_list } => {
                rlp::encode_u64(&mut fields, self.chain_id);
                rlp::encode_u64(&mut fields, self.nonce);
                rlp::encode_u128(&mut fields, *max_priority_fee_per_gas);
                rlp::encode_u128(&mut fields, *max_fee_per_gas);
                self.encode_body(&mut fields);
                rlp::encode_access_list(&mut fields, access_list);
            }
        }
        match signature {
            Some(signature) => {
                rlp::encode_u128(&mut fields, self.v(signature.y_parity));
                rlp::encode_u256(&mut fields, &signature.r);
                rlp::encode_u256(&mut fields, &signature.s);
            }
            // EIP-155: a legacy transaction signs its chain id in v's place, with r = s = 0.
            None if self.tx_type() == 0 => {
                rlp::encode_u64(&mut fields, self.chain_id);
                rlp::encode_u64(&mut fields, 0);
                rlp::encode_u64(&mut fields, 0);
            }
            None => {}
        }
        let mut out = Vec::with_capacity(fields.len() + 10);
        if self.tx_type() != 0 {
            out.push(self.tx_type());
        }
        rlp::encode_list(&mut out, &fields);
        out
    }

    /// The fields every type has in the same order: gas, to, value, input.
    fn encode_body(&self, out: &mut Vec<u8>) {
        rlp::encode_u64(out, self.gas_limit);
        rlp::encode_address_or_empty(out, self.to.as_ref());
        rlp::encode_u256(out, &self.value);
        rlp::encode_bytes(out, &self.input);
    }

    /// The signature's `v` field: EIP-155's `35 + 2 * chainId + yParity` for legacy
    /// transactions, `yParity` for typed ones.
    fn v(&self, y_parity: bool) -> u128 {
        match self.kind {
            TransactionKind::Legacy { .. } => 35 + 2 * u128::from(self.chain_id) + u128::from(y_parity),
            _ => u128::from(y_parity),
        }
    }
}

/// A secp256k1 signature of a transaction, checked to be in range and low-`s` (EIP-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    y_parity: bool,
    r: U256,
    s: U256,
}

impl Signature {
    /// Checks that `r` and `s` are in `1..n` and that `s <= n / 2`.
    pub fn new(y_parity: bool, r: U256, s: U256) -> Result<Signature, TransactionError> {
        for (which, scalar) in [("r", r), ("s", s)] {
            if scalar.is_zero() || scalar >= CURVE_ORDER {
                return Err(TransactionError::SignatureOutOfRange { which });
            }
        }
        if s > CURVE_ORDER_HALF {
            return Err(TransactionError::HighS);
        }
        Ok(Signature { y_parity, r, s })
    }

    /// Whether the `y` of the curve point behind `r` is odd (the recovery id).
    pub fn y_parity(&self) -> bool {
        self.y_parity
    }

    /// The `r` scalar.
    pub fn r(&self) -> U256 {
        self.r
    }

    /// The `s` scalar.
    pub fn s(&self) -> U256 {
        self.s
    }
}

/// A transaction with its signature and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    transaction: Transaction,
    signature: Signature,
    hash: [u8; 32],
}

impl SignedTransaction {
    /// Joins a transaction and its signature (not checked against each other: see
    /// [`SignedTransaction::recover_sender`]).
    pub fn new(transaction: Transaction, signature: Signature) -> SignedTransaction {
        let hash = keccak256(&transaction.encode_with(Some(&signature)));
        SignedTransaction { transaction, signature, hash }
    }

    /// Signs `transaction` with `key` (for tests and tools: a node holds no user keys).
    pub fn sign(transaction: Transaction, key: &SigningKey) -> Result<SignedTransaction, TransactionError> {
        let (signature, recovery_id) = key
            .sign_prehash_recoverable(&transaction.signing_hash())
            .map_err(|_| TransactionError::InvalidSignature)?;
        let (r, s) = signature.split_bytes();
        let signature = Signature::new(recovery_id.is_y_odd(), U256(r.into()), U256(s.into()))?;
        Ok(SignedTransaction::new(transaction, signature))
    }

    /// The transaction.
    pub fn transaction(&self) -> &Transaction {
        &self.transaction
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The transaction hash: keccak-256 of the raw signed bytes.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The message of the signature, see [`Transaction::signing_hash`].
    pub fn signing_hash(&self) -> [u8; 32] {
        self.transaction.signing_hash()
    }

    /// The `v` of JSON-RPC: `35 + 2 * chainId + yParity` for legacy, `yParity` for typed.
    pub fn v(&self) -> u128 {
        self.transaction.v(self.signature.y_parity)
    }

    /// The raw signed bytes, as `eth_sendRawTransaction` takes them.
    pub fn encode(&self) -> Vec<u8> {
        self.transaction.encode_with(Some(&self.signature))
    }

    /// The sender: the address of the public key that the signature recovers to
    /// (libsecp256k1; `r` and `s` were range-checked by [`Signature::new`]). A sender
    /// recovered before for the same transaction hash is answered from
    /// [`crate::senders`] without recovering again.
    pub fn recover_sender(&self) -> Result<Address, TransactionError> {
        if let Some(sender) = crate::senders::get(&self.hash) {
            return Ok(sender);
        }
        let sender = self.recover_sender_uncached()?;
        crate::senders::put(self.hash, sender);
        Ok(sender)
    }

    /// [`recover_sender`](Self::recover_sender) without the memo: always recovers.
    pub fn recover_sender_uncached(&self) -> Result<Address, TransactionError> {
        use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
        let Signature { y_parity, r, s } = self.signature;
        let mut compact = [0u8; 64];
        compact[..32].copy_from_slice(&r.0);
        compact[32..].copy_from_slice(&s.0);
        let recovery_id = if y_parity { RecoveryId::One } else { RecoveryId::Zero };
        let signature = RecoverableSignature::from_compact(&compact, recovery_id)
            .map_err(|_| TransactionError::InvalidSignature)?;
        let message = secp256k1::Message::from_digest(self.signing_hash());
        let key =
            secp256k1::SECP256K1.recover_ecdsa(message, &signature).map_err(|_| TransactionError::InvalidSignature)?;
        // The uncompressed serialization is 65 bytes: the 0x04 tag, then x ++ y.
        Ok(address_from_hash(keccak256(&key.serialize_uncompressed()[1..])))
    }
}

/// Decodes raw signed transaction bytes (as `eth_sendRawTransaction` receives them) into
/// one of the accepted types; the signature is range-checked but not yet recovered.
pub fn decode(raw: &[u8]) -> Result<SignedTransaction, TransactionError> {
    let Some((&first, payload)) = raw.split_first() else {
        return Err(TransactionError::Empty);
    };
    let (transaction, signature) = match first {
        TYPE_EIP2930 | TYPE_EIP1559 => decode_typed(first, payload)?,
        TYPE_BLOB => return Err(TransactionError::BlobTransaction),
        TYPE_SET_CODE => return Err(TransactionError::SetCodeTransaction),
        // An RLP string or list: a legacy transaction, or malformed.
        0x80..=0xff => decode_legacy(raw)?,
        _ => return Err(TransactionError::UnknownType(first)),
    };
    Ok(SignedTransaction { transaction, signature, hash: keccak256(raw) })
}

/// Decodes a legacy transaction; only EIP-155 (`v >= 35`) is accepted.
fn decode_legacy(raw: &[u8]) -> Result<(Transaction, Signature), TransactionError> {
    let item = rlp::decode(raw)?;
    let fields = item.as_list()?;
    let [nonce, gas_price, gas_limit, to, value, input, v, r, s] = fields else {
        return Err(TransactionError::FieldCount { kind: "legacy", expected: 9, found: fields.len() });
    };
    let v = field("v", v.as_u128())?;
    let (chain_id, y_parity) = match v {
        27 | 28 => return Err(TransactionError::UnprotectedLegacy),
        35.. => {
            let chain_id = u64::try_from((v - 35) / 2).map_err(|_| TransactionError::InvalidLegacyV { v })?;
            (chain_id, (v - 35) % 2 == 1)
        }
        _ => return Err(TransactionError::InvalidLegacyV { v }),
    };
    let kind = TransactionKind::Legacy { gas_price: field("gasPrice", gas_price.as_u128())? };
    let transaction = body(chain_id, [nonce, gas_limit, to, value, input], kind)?;
    Ok((transaction, signature(y_parity, r, s)?))
}

/// Decodes the list after the type byte of an EIP-2930 or EIP-1559 transaction.
fn decode_typed(tx_type: u8, payload: &[u8]) -> Result<(Transaction, Signature), TransactionError> {
    let item = rlp::decode(payload)?;
    let fields = item.as_list()?;
    let (chain_id, common, kind, [y_parity, r, s]) = match (tx_type, fields) {
        (TYPE_EIP2930, [chain_id, nonce, gas_price, gas_limit, to, value, input, access_list, y_parity, r, s]) => {
            let kind = TransactionKind::Eip2930 {
                gas_price: field("gasPrice", gas_price.as_u128())?,
                access_list: field("accessList", access_list.as_access_list())?,
            };
            (chain_id, [nonce, gas_limit, to, value, input], kind, [y_parity, r, s])
        }
        (
            TYPE_EIP1559,
            [chain_id, nonce, priority, max_fee, gas_limit, to, value, input, access_list, y_parity, r, s],
        ) => {
            let kind = TransactionKind::Eip1559 {
                max_priority_fee_per_gas: field("maxPriorityFeePerGas", priority.as_u128())?,
                max_fee_per_gas: field("maxFeePerGas", max_fee.as_u128())?,
                access_list: field("accessList", access_list.as_access_list())?,
            };
            (chain_id, [nonce, gas_limit, to, value, input], kind, [y_parity, r, s])
        }
        (TYPE_EIP2930, _) => {
            return Err(TransactionError::FieldCount { kind: "EIP-2930", expected: 11, found: fields.len() });
        }
        // `decode` only passes the two typed transactions, so this is EIP-1559.
        _ => return Err(TransactionError::FieldCount { kind: "EIP-1559", expected: 12, found: fields.len() }),
    };
    let y_parity = match field("yParity", y_parity.as_u64())? {
        0 => false,
        1 => true,
        y_parity => return Err(TransactionError::InvalidYParity { y_parity }),
    };
    let transaction = body(field("chainId", chain_id.as_u64())?, common, kind)?;
    Ok((transaction, signature(y_parity, r, s)?))
}

/// Reads the fields every type has: nonce, gas, to, value, input.
fn body(chain_id: u64, fields: [&Item<'_>; 5], kind: TransactionKind) -> Result<Transaction, TransactionError> {
    let [nonce, gas_limit, to, value, input] = fields;
    Ok(Transaction {
        chain_id,
        nonce: field("nonce", nonce.as_u64())?,
        gas_limit: field("gas", gas_limit.as_u64())?,
        to: field("to", to.as_address_or_empty())?,
        value: field("value", value.as_u256())?,
        input: field("input", input.as_bytes())?.to_vec(),
        kind,
    })
}

/// Reads `r` and `s` and checks them.
fn signature(y_parity: bool, r: &Item<'_>, s: &Item<'_>) -> Result<Signature, TransactionError> {
    Signature::new(y_parity, field("r", r.as_u256())?, field("s", s.as_u256())?)
}

/// Names the field a decoding error is about.
fn field<T>(name: &'static str, result: Result<T, RlpError>) -> Result<T, TransactionError> {
    result.map_err(|source| TransactionError::Field { field: name, source })
}
