//! The Solidity ABI, as much of it as the chain's own precompiles speak: a call's selector,
//! its static arguments (unsigned integers, addresses) and dynamic `bytes`, and the
//! encodings they return (words, `bytes`, an `Error(string)` revert).
//!
//! Input is untrusted (any contract may call a precompile with any bytes): every read is
//! bounds-checked and fails with an [`AbiError`], never a panic. Decoding is strict, as
//! Solidity's own decoder is: an integer with bits above its type, or an address with
//! nonzero upper bytes, is refused.

use crate::keccak256;

/// Why call data does not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AbiError {
    /// The data ends before argument `index`'s head word.
    #[error("the call data ends before argument {index}")]
    MissingArgument {
        /// The argument's position.
        index: usize,
    },
    /// Argument `index` has bits set above its type's width.
    #[error("argument {index} does not fit its type")]
    OutOfRange {
        /// The argument's position.
        index: usize,
    },
    /// Argument `index`'s `bytes` offset or length points outside the call data.
    #[error("argument {index}'s bytes lie outside the call data")]
    BadBytes {
        /// The argument's position.
        index: usize,
    },
}

/// The 4-byte selector of a function signature such as `append(bytes,bytes,bytes,uint8)`.
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// The arguments of a call, after its selector.
#[derive(Clone, Copy, Debug)]
pub struct Args<'a> {
    data: &'a [u8],
}

impl<'a> Args<'a> {
    /// The arguments in `data` (the call data without its selector).
    pub fn new(data: &'a [u8]) -> Args<'a> {
        Args { data }
    }

    /// The head word of argument `index`.
    fn word(&self, index: usize) -> Result<&'a [u8], AbiError> {
        let missing = AbiError::MissingArgument { index };
        let start = index.checked_mul(32).ok_or(missing.clone())?;
        let end = start.checked_add(32).ok_or(missing.clone())?;
        self.data.get(start..end).ok_or(missing)
    }

    /// Argument `index` as an unsigned integer of `bits` bits (at most 64).
    pub fn uint(&self, index: usize, bits: u32) -> Result<u64, AbiError> {
        let word = self.word(index)?;
        let bits = bits.min(64);
        let (high, low) = word.split_at(24);
        let value = u64::from_be_bytes(low.try_into().map_err(|_| AbiError::MissingArgument { index })?);
        if high.iter().any(|b| *b != 0) || (bits < 64 && value >> bits != 0) {
            return Err(AbiError::OutOfRange { index });
        }
        Ok(value)
    }

    /// Argument `index` as an address.
    pub fn address(&self, index: usize) -> Result<[u8; 20], AbiError> {
        let word = self.word(index)?;
        if word[..12].iter().any(|b| *b != 0) {
            return Err(AbiError::OutOfRange { index });
        }
        let mut address = [0; 20];
        address.copy_from_slice(&word[12..]);
        Ok(address)
    }

    /// Argument `index` as dynamic `bytes`: its head word is the offset of a length word,
    /// followed by that many bytes.
    pub fn bytes(&self, index: usize) -> Result<&'a [u8], AbiError> {
        let bad = AbiError::BadBytes { index };
        let offset = self.uint(index, 64).map_err(|_| bad.clone())?;
        let offset = usize::try_from(offset).map_err(|_| bad.clone())?;
        let length_word = offset.checked_add(32).and_then(|end| self.data.get(offset..end)).ok_or(bad.clone())?;
        if length_word[..24].iter().any(|b| *b != 0) {
            return Err(bad);
        }
        let mut low = [0u8; 8];
        low.copy_from_slice(&length_word[24..]);
        let length = usize::try_from(u64::from_be_bytes(low)).map_err(|_| bad.clone())?;
        let start = offset + 32;
        start.checked_add(length).and_then(|end| self.data.get(start..end)).ok_or(bad)
    }
}

/// An unsigned integer as an ABI word.
pub fn word_of(value: u64) -> [u8; 32] {
    let mut word = [0; 32];
    word[24..].copy_from_slice(&value.to_be_bytes());
    word
}

/// An address as an ABI word.
pub fn address_word(address: &[u8; 20]) -> [u8; 32] {
    let mut word = [0; 32];
    word[12..].copy_from_slice(address);
    word
}

/// A value of an ABI-encoded argument list (see [`encode`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// An unsigned integer (of any width up to 64 bits).
    Uint(u64),
    /// Dynamic `bytes`.
    Bytes(&'a [u8]),
}

/// The ABI encoding of `tokens` as one argument list (the data of a call after its
/// selector, of a return, or of an event): heads, then the tails of the dynamic ones.
pub fn encode(tokens: &[Token<'_>]) -> Vec<u8> {
    let padded = |len: usize| len.div_ceil(32) * 32;
    let mut out = Vec::with_capacity(32 * tokens.len());
    let mut tail_offset = 32 * tokens.len();
    for token in tokens {
        match token {
            Token::Uint(value) => out.extend_from_slice(&word_of(*value)),
            Token::Bytes(bytes) => {
                out.extend_from_slice(&word_of(tail_offset as u64));
                tail_offset += 32 + padded(bytes.len());
            }
        }
    }
    for token in tokens {
        if let Token::Bytes(bytes) = token {
            out.extend_from_slice(&word_of(bytes.len() as u64));
            out.extend_from_slice(bytes);
            out.resize(out.len() + padded(bytes.len()) - bytes.len(), 0);
        }
    }
    out
}

/// The revert data of Solidity's `Error(string)` with `reason`, as `revert("...")` gives.
pub fn error_string(reason: &str) -> Vec<u8> {
    let mut out = selector("Error(string)").to_vec();
    out.extend(encode(&[Token::Bytes(reason.as_bytes())]));
    out
}
