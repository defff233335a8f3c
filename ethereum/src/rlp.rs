//! Recursive Length Prefix (RLP), the serialization of Ethereum transactions.
//!
//! An item is a byte string or a list of items. Its first byte says which, and how long:
//!
//! ```text
//!   0x00..=0x7f   the byte itself, a one-byte string
//!   0x80..=0xb7   a string of 0..=55 bytes follows          (0x80 + length)
//!   0xb8..=0xbf   1..=8 length bytes, then the string       (0xb7 + length of the length)
//!   0xc0..=0xf7   a list whose items take 0..=55 bytes      (0xc0 + length)
//!   0xf8..=0xff   1..=8 length bytes, then the list's items (0xf7 + length of the length)
//! ```
//!
//! Every value has exactly one encoding, and the decoder refuses all others, so that
//! `encode(decode(bytes)) == bytes`: a transaction's hash (keccak-256 of its bytes) is then a
//! property of the transaction, not of how a sender chose to write it. Refused: truncated
//! input, trailing bytes, the long form for lengths below 56, lengths with leading zero
//! bytes, a single byte below `0x80` wrapped as `0x81 xx`, lists nested deeper than
//! [`DEPTH_MAX`], and integers with leading zero bytes (zero is the empty string).
//!
//! The decoder builds a tree of [`Item`]s borrowing from the input; every item takes at
//! least one input byte, so the tree is bounded by the input's length.

use crate::{Address, U256};

/// The deepest nesting of lists the decoder accepts (the outermost list is depth 1). A
/// transaction needs 4: envelope, access list, entry, storage keys.
pub const DEPTH_MAX: usize = 16;

/// Why bytes are not canonical RLP, or not the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RlpError {
    /// The input ends before the end of an item it announces.
    #[error("RLP input is truncated: an item announces more bytes than remain")]
    Truncated,
    /// Bytes remain after the one top-level item.
    #[error("RLP input has {count} trailing bytes after the item")]
    TrailingBytes {
        /// How many bytes follow the item.
        count: usize,
    },
    /// A length below 56 written in the long form.
    #[error("non-canonical RLP: a length below 56 is written in the long form")]
    LongFormForShortLength,
    /// A long-form length begins with a zero byte.
    #[error("non-canonical RLP: a length has leading zero bytes")]
    LeadingZeroInLength,
    /// A single byte below `0x80` written as a one-byte string (`0x81 xx`).
    #[error("non-canonical RLP: a single byte below 0x80 is wrapped in a string header")]
    NonCanonicalSingleByte,
    /// Lists are nested deeper than [`DEPTH_MAX`].
    #[error("RLP lists are nested deeper than {max} levels")]
    TooDeep {
        /// The limit, [`DEPTH_MAX`].
        max: usize,
    },
    /// A length does not fit in this machine's `usize`.
    #[error("RLP length does not fit in memory addresses")]
    LengthOverflow,
    /// A list where a byte string was expected.
    #[error("expected an RLP byte string, found a list")]
    ExpectedBytes,
    /// A byte string where a list was expected.
    #[error("expected an RLP list, found a byte string")]
    ExpectedList,
    /// An integer with leading zero bytes (zero must be the empty string).
    #[error("non-canonical RLP integer: leading zero bytes")]
    IntegerLeadingZero,
    /// An integer longer than its type allows.
    #[error("RLP integer is too large: more than {max_bytes} bytes")]
    IntegerTooLarge {
        /// The most bytes the integer type holds.
        max_bytes: usize,
    },
    /// A fixed-size byte string (address, storage key) of the wrong length.
    #[error("expected a {expected}-byte string, found {found} bytes")]
    WrongLength {
        /// The required length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A list with the wrong number of items (an access-list entry).
    #[error("expected a list of {expected} items, found {found}")]
    WrongListLength {
        /// The required number of items.
        expected: usize,
        /// The number found.
        found: usize,
    },
}

/// One decoded RLP item, borrowing its bytes from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// A byte string.
    Bytes(&'a [u8]),
    /// A list of items.
    List(Vec<Item<'a>>),
}

/// An entry of an EIP-2930 access list: an address and storage keys it will touch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessListItem {
    /// The account.
    pub address: Address,
    /// Storage keys of the account.
    pub storage_keys: Vec<[u8; 32]>,
}

/// Decodes `input` as exactly one canonical RLP item.
pub fn decode(input: &[u8]) -> Result<Item<'_>, RlpError> {
    let (item, rest) = decode_item(input, 0)?;
    if !rest.is_empty() {
        return Err(RlpError::TrailingBytes { count: rest.len() });
    }
    Ok(item)
}

/// Decodes the item at the start of `input` (inside `depth` lists); returns it and the rest.
fn decode_item(input: &[u8], depth: usize) -> Result<(Item<'_>, &[u8]), RlpError> {
    let Some((&first, after)) = input.split_first() else {
        return Err(RlpError::Truncated);
    };
    match first {
        0x00..=0x7f => Ok((Item::Bytes(input.split_at(1).0), after)),
        0x80..=0xb7 => {
            let (payload, rest) = take(after, usize::from(first - 0x80))?;
            if let [byte] = payload {
                if *byte < 0x80 {
                    return Err(RlpError::NonCanonicalSingleByte);
                }
            }
            Ok((Item::Bytes(payload), rest))
        }
        0xb8..=0xbf => {
            let (length, after) = long_length(after, usize::from(first - 0xb7))?;
            let (payload, rest) = take(after, length)?;
            Ok((Item::Bytes(payload), rest))
        }
        0xc0..=0xf7 => {
            let (payload, rest) = take(after, usize::from(first - 0xc0))?;
            Ok((decode_list(payload, depth + 1)?, rest))
        }
        0xf8..=0xff => {
            let (length, after) = long_length(after, usize::from(first - 0xf7))?;
            let (payload, rest) = take(after, length)?;
            Ok((decode_list(payload, depth + 1)?, rest))
        }
    }
}

/// Decodes the items of a list's payload; `depth` counts this list.
fn decode_list(mut payload: &[u8], depth: usize) -> Result<Item<'_>, RlpError> {
    if depth > DEPTH_MAX {
        return Err(RlpError::TooDeep { max: DEPTH_MAX });
    }
    let mut items = Vec::new();
    while !payload.is_empty() {
        let (item, rest) = decode_item(payload, depth)?;
        items.push(item);
        payload = rest;
    }
    Ok(Item::List(items))
}

/// Reads a long-form length of `size` (1..=8) big-endian bytes; it must be canonical.
fn long_length(input: &[u8], size: usize) -> Result<(usize, &[u8]), RlpError> {
    let (bytes, rest) = take(input, size)?;
    if bytes.first() == Some(&0) {
        return Err(RlpError::LeadingZeroInLength);
    }
    let length = bytes.iter().fold(0u64, |length, &b| (length << 8) | u64::from(b));
    let length = usize::try_from(length).map_err(|_| RlpError::LengthOverflow)?;
    if length < 56 {
        return Err(RlpError::LongFormForShortLength);
    }
    Ok((length, rest))
}

/// Splits off the first `length` bytes, or fails if fewer remain.
fn take(input: &[u8], length: usize) -> Result<(&[u8], &[u8]), RlpError> {
    if length > input.len() {
        return Err(RlpError::Truncated);
    }
    Ok(input.split_at(length))
}

impl<'a> Item<'a> {
    /// The byte string, or [`RlpError::ExpectedBytes`] for a list.
    pub fn as_bytes(&self) -> Result<&'a [u8], RlpError> {
        match self {
            Item::Bytes(bytes) => Ok(bytes),
            Item::List(_) => Err(RlpError::ExpectedBytes),
        }
    }

    /// The list's items, or [`RlpError::ExpectedList`] for a byte string.
    pub fn as_list(&self) -> Result<&[Item<'a>], RlpError> {
        match self {
            Item::List(items) => Ok(items),
            Item::Bytes(_) => Err(RlpError::ExpectedList),
        }
    }

    /// A canonical unsigned integer of at most 8 bytes.
    pub fn as_u64(&self) -> Result<u64, RlpError> {
        self.uint::<8>().map(u64::from_be_bytes)
    }

    /// A canonical unsigned integer of at most 16 bytes.
    pub fn as_u128(&self) -> Result<u128, RlpError> {
        self.uint::<16>().map(u128::from_be_bytes)
    }

    /// A canonical unsigned integer of at most 32 bytes.
    pub fn as_u256(&self) -> Result<U256, RlpError> {
        self.uint::<32>().map(U256)
    }

    /// A 20-byte address, or `None` for the empty string (a transaction's `to` when it
    /// creates a contract).
    pub fn as_address_or_empty(&self) -> Result<Option<Address>, RlpError> {
        let bytes = self.as_bytes()?;
        if bytes.is_empty() {
            return Ok(None);
        }
        fixed::<20>(bytes).map(Some)
    }

    /// An EIP-2930 access list: `[[address, [key, ...]], ...]`, addresses of 20 bytes and
    /// storage keys of 32.
    pub fn as_access_list(&self) -> Result<Vec<AccessListItem>, RlpError> {
        let entries = self.as_list()?;
        let mut access_list = Vec::with_capacity(entries.len());
        for entry in entries {
            let fields = entry.as_list()?;
            let [address, keys] = fields else {
                return Err(RlpError::WrongListLength { expected: 2, found: fields.len() });
            };
            let address = fixed::<20>(address.as_bytes()?)?;
            let storage_keys =
                keys.as_list()?.iter().map(|key| fixed::<32>(key.as_bytes()?)).collect::<Result<_, _>>()?;
            access_list.push(AccessListItem { address, storage_keys });
        }
        Ok(access_list)
    }

    /// A canonical unsigned integer right-aligned in `N` big-endian bytes.
    fn uint<const N: usize>(&self) -> Result<[u8; N], RlpError> {
        let bytes = self.as_bytes()?;
        if bytes.first() == Some(&0) {
            return Err(RlpError::IntegerLeadingZero);
        }
        let Some(offset) = N.checked_sub(bytes.len()) else {
            return Err(RlpError::IntegerTooLarge { max_bytes: N });
        };
        let mut out = [0u8; N];
        // In range: `offset` is `N` minus the length of `bytes`.
        out[offset..].copy_from_slice(bytes);
        Ok(out)
    }
}

/// A byte string of exactly `N` bytes.
fn fixed<const N: usize>(bytes: &[u8]) -> Result<[u8; N], RlpError> {
    bytes.try_into().map_err(|_| RlpError::WrongLength { expected: N, found: bytes.len() })
}

/// Appends the header of a string (`offset` 0x80) or list (`offset` 0xc0) of `length` bytes.
fn encode_header(out: &mut Vec<u8>, offset: u8, length: usize) {
    if length < 56 {
        // Below 56, so the sum stays below 0x80 + 56 and 0xc0 + 56.
        out.push(offset + length as u8);
    } else {
        let be = (length as u64).to_be_bytes();
        let be = strip_leading_zeros(&be);
        // At most 8 length bytes: 0xb8..=0xbf and 0xf8..=0xff.
        out.push(offset + 55 + be.len() as u8);
        out.extend_from_slice(be);
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.split_at(zeros).1
}

/// Appends `bytes` as an RLP string.
pub fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes {
        [byte] if *byte < 0x80 => out.push(*byte),
        _ => {
            encode_header(out, 0x80, bytes.len());
            out.extend_from_slice(bytes);
        }
    }
}

/// Appends a list whose items, already encoded and concatenated, are `payload`.
pub fn encode_list(out: &mut Vec<u8>, payload: &[u8]) {
    encode_header(out, 0xc0, payload.len());
    out.extend_from_slice(payload);
}

/// Appends an unsigned integer given as big-endian bytes, without its leading zeros.
pub fn encode_uint(out: &mut Vec<u8>, big_endian: &[u8]) {
    encode_bytes(out, strip_leading_zeros(big_endian));
}

/// Appends a `u64` as an RLP integer.
pub fn encode_u64(out: &mut Vec<u8>, value: u64) {
    encode_uint(out, &value.to_be_bytes());
}

/// Appends a `u128` as an RLP integer.
pub fn encode_u128(out: &mut Vec<u8>, value: u128) {
    encode_uint(out, &value.to_be_bytes());
}

/// Appends a [`U256`] as an RLP integer.
pub fn encode_u256(out: &mut Vec<u8>, value: &U256) {
    encode_uint(out, &value.0);
}

/// Appends an address, or the empty string for `None` (contract creation).
pub fn encode_address_or_empty(out: &mut Vec<u8>, address: Option<&Address>) {
    encode_bytes(out, address.map_or(&[][..], |a| &a[..]));
}

/// Appends an EIP-2930 access list.
pub fn encode_access_list(out: &mut Vec<u8>, access_list: &[AccessListItem]) {
    let mut entries = Vec::new();
    for item in access_list {
        let mut keys = Vec::with_capacity(33 * item.storage_keys.len());
        item.storage_keys.iter().for_each(|key| encode_bytes(&mut keys, key));
        let mut entry = Vec::with_capacity(keys.len() + 25);
        encode_bytes(&mut entry, &item.address);
        encode_list(&mut entry, &keys);
        encode_list(&mut entries, &entry);
    }
    encode_list(out, &entries);
}

/// Appends an item: `encode_item(decode(bytes))` gives back `bytes`.
pub fn encode_item(out: &mut Vec<u8>, item: &Item<'_>) {
    match item {
        Item::Bytes(bytes) => encode_bytes(out, bytes),
        Item::List(items) => {
            let mut payload = Vec::new();
            items.iter().for_each(|item| encode_item(&mut payload, item));
            encode_list(out, &payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn encoded(item: &Item<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        encode_item(&mut out, item);
        out
    }

    fn uint(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        hex::encode(out)
    }

    #[test]
    fn decodes_the_examples_of_the_yellow_paper() {
        assert_eq!(decode(&bytes("83646f67")), Ok(Item::Bytes(b"dog")));
        assert_eq!(decode(&bytes("80")), Ok(Item::Bytes(b"")));
        assert_eq!(decode(&bytes("c0")), Ok(Item::List(vec![])));
        assert_eq!(decode(&bytes("0f")), Ok(Item::Bytes(&[0x0f])));
        assert_eq!(
            decode(&bytes("c88363617483646f67")),
            Ok(Item::List(vec![Item::Bytes(b"cat"), Item::Bytes(b"dog")]))
        );
        // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
        let three = bytes("c7c0c1c0c3c0c1c0");
        let three = decode(&three).unwrap();
        let empty = || Item::List(vec![]);
        let one = || Item::List(vec![empty()]);
        assert_eq!(three, Item::List(vec![empty(), one(), Item::List(vec![empty(), one()])]));
        let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let mut long = bytes("b838");
        long.extend_from_slice(lorem);
        assert_eq!(decode(&long), Ok(Item::Bytes(lorem)));
    }

    #[test]
    fn round_trips_strings_and_lists_of_every_header_form() {
        for length in [0usize, 1, 55, 56, 255, 256, 70_000] {
            let data = vec![0xab; length];
            let mut out = Vec::new();
            encode_bytes(&mut out, &data);
            assert_eq!(decode(&out), Ok(Item::Bytes(&data)), "string of {length}");
            assert_eq!(encoded(&decode(&out).unwrap()), out);
            let mut list = Vec::new();
            encode_list(&mut list, &out);
            let decoded = decode(&list).unwrap();
            assert_eq!(decoded, Item::List(vec![Item::Bytes(&data)]), "list of {length}");
            assert_eq!(encoded(&decoded), list);
        }
        for byte in 0..=255u8 {
            let mut out = Vec::new();
            encode_bytes(&mut out, &[byte]);
            assert_eq!(decode(&out), Ok(Item::Bytes(&[byte])));
        }
    }

    #[test]
    fn integers_encode_without_leading_zeros_and_round_trip() {
        assert_eq!(uint(|o| encode_u64(o, 0)), "80");
        assert_eq!(uint(|o| encode_u64(o, 0x7f)), "7f");
        assert_eq!(uint(|o| encode_u64(o, 0x80)), "8180");
        assert_eq!(uint(|o| encode_u64(o, 1024)), "820400");
        for value in [0u64, 1, 0x7f, 0x80, 0xff, 0x100, u64::MAX] {
            let mut out = Vec::new();
            encode_u64(&mut out, value);
            assert_eq!(decode(&out).unwrap().as_u64(), Ok(value));
        }
        let mut out = Vec::new();
        encode_u128(&mut out, u128::MAX);
        assert_eq!(decode(&out).unwrap().as_u128(), Ok(u128::MAX));
        out.clear();
        encode_u256(&mut out, &U256([0xff; 32]));
        assert_eq!(decode(&out).unwrap().as_u256(), Ok(U256([0xff; 32])));
    }

    #[test]
    fn refuses_truncated_input_and_trailing_bytes() {
        assert_eq!(decode(&[]), Err(RlpError::Truncated));
        assert_eq!(decode(&bytes("83646f")), Err(RlpError::Truncated));
        assert_eq!(decode(&bytes("b838")), Err(RlpError::Truncated));
        assert_eq!(decode(&bytes("b9")), Err(RlpError::Truncated));
        assert_eq!(decode(&bytes("c883636174")), Err(RlpError::Truncated));
        assert_eq!(decode(&bytes("c2c3")), Err(RlpError::Truncated));
        assert_eq!(decode(&bytes("8000")), Err(RlpError::TrailingBytes { count: 1 }));
        assert_eq!(decode(&bytes("c0c0c0")), Err(RlpError::TrailingBytes { count: 2 }));
    }

    #[test]
    fn refuses_non_canonical_lengths() {
        // "dog" (3 bytes) in the long form.
        assert_eq!(decode(&bytes("b803646f67")), Err(RlpError::LongFormForShortLength));
        assert_eq!(decode(&bytes("f80180")), Err(RlpError::LongFormForShortLength));
        // 56 bytes with a two-byte length 0x0038.
        let mut padded = bytes("b90038");
        padded.extend_from_slice(&[1; 56]);
        assert_eq!(decode(&padded), Err(RlpError::LeadingZeroInLength));
        let mut list = bytes("f90038");
        list.extend_from_slice(&[1; 56]);
        assert_eq!(decode(&list), Err(RlpError::LeadingZeroInLength));
        assert_eq!(decode(&bytes("8105")), Err(RlpError::NonCanonicalSingleByte));
        assert_eq!(decode(&bytes("c28100")), Err(RlpError::NonCanonicalSingleByte));
        assert_eq!(decode(&bytes("8180")), Ok(Item::Bytes(&[0x80])));
    }

    #[test]
    fn refuses_huge_lengths_without_panicking() {
        let huge = bytes("bfffffffffffffffff");
        // An 8-byte length fits a 64-bit usize (and is then truncated), not a 32-bit one.
        let expected = if usize::BITS < 64 { RlpError::LengthOverflow } else { RlpError::Truncated };
        assert_eq!(decode(&huge), Err(expected.clone()));
        assert_eq!(decode(&bytes("ffffffffffffffffff00")), Err(expected));
    }

    #[test]
    fn refuses_nesting_deeper_than_the_limit() {
        fn nested(depth: usize) -> Vec<u8> {
            let mut out = bytes("80");
            for _ in 0..depth {
                let mut list = Vec::new();
                encode_list(&mut list, &out);
                out = list;
            }
            out
        }
        assert!(decode(&nested(DEPTH_MAX)).is_ok());
        assert_eq!(decode(&nested(DEPTH_MAX + 1)), Err(RlpError::TooDeep { max: DEPTH_MAX }));
        assert_eq!(decode(&nested(10_000)), Err(RlpError::TooDeep { max: DEPTH_MAX }));
    }

    #[test]
    fn integer_fields_refuse_leading_zeros_and_excess_bytes() {
        assert_eq!(decode(&bytes("00")).unwrap().as_u64(), Err(RlpError::IntegerLeadingZero));
        assert_eq!(decode(&bytes("820001")).unwrap().as_u128(), Err(RlpError::IntegerLeadingZero));
        let nine = bytes("89010000000000000000");
        assert_eq!(decode(&nine).unwrap().as_u64(), Err(RlpError::IntegerTooLarge { max_bytes: 8 }));
        assert!(decode(&nine).unwrap().as_u128().is_ok());
        let mut big = vec![0xa1, 1];
        big.extend_from_slice(&[0; 32]);
        assert_eq!(decode(&big).unwrap().as_u256(), Err(RlpError::IntegerTooLarge { max_bytes: 32 }));
        assert_eq!(decode(&bytes("c0")).unwrap().as_u64(), Err(RlpError::ExpectedBytes));
        assert_eq!(decode(&bytes("80")).unwrap().as_list(), Err(RlpError::ExpectedList));
    }

    #[test]
    fn addresses_and_access_lists_round_trip_and_check_lengths() {
        let mut out = Vec::new();
        encode_address_or_empty(&mut out, None);
        assert_eq!(decode(&out).unwrap().as_address_or_empty(), Ok(None));
        out.clear();
        encode_address_or_empty(&mut out, Some(&[7; 20]));
        assert_eq!(decode(&out).unwrap().as_address_or_empty(), Ok(Some([7; 20])));
        let short = bytes("820102");
        assert_eq!(
            decode(&short).unwrap().as_address_or_empty(),
            Err(RlpError::WrongLength { expected: 20, found: 2 })
        );

        let list = vec![
            AccessListItem { address: [1; 20], storage_keys: vec![[2; 32], [3; 32]] },
            AccessListItem { address: [4; 20], storage_keys: vec![] },
        ];
        out.clear();
        encode_access_list(&mut out, &list);
        assert_eq!(decode(&out).unwrap().as_access_list(), Ok(list));
        // [[address, [short key]]], [[address]]
        let mut bad_key = bytes("d9d894");
        bad_key.extend_from_slice(&[1; 20]);
        bad_key.extend_from_slice(&bytes("c20102"));
        assert_eq!(decode(&bad_key).unwrap().as_access_list(), Err(RlpError::WrongLength { expected: 32, found: 1 }));
        let mut no_keys = bytes("d6d594");
        no_keys.extend_from_slice(&[1; 20]);
        assert_eq!(
            decode(&no_keys).unwrap().as_access_list(),
            Err(RlpError::WrongListLength { expected: 2, found: 1 })
        );
    }
}
