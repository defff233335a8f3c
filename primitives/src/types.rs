//! Basic types shared by every crate: hashes, accounts and the numeric aliases.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{Type, TypeInfo};

use crate::hashing::{blake2_256, blake2_512};
use crate::type_info::newtype;

/// Block numbers. Encoded as `Compact<u32>` in headers.
pub type BlockNumber = u32;
/// Account nonces.
pub type Nonce = u32;
/// Balances, in the smallest unit (12 decimals by default).
pub type Balance = u128;
/// Milliseconds since the Unix epoch, as set by the timestamp inherent.
pub type Moment = u64;

/// A 256-bit hash (blocks, extrinsics, state roots, topics).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode, MaxEncodedLen)]
pub struct H256(pub [u8; 32]);

impl H256 {
    /// The all-zero hash.
    pub const ZERO: H256 = H256([0; 32]);

    /// blake2-256 of `data`.
    pub fn hash_of(data: &[u8]) -> H256 {
        H256(blake2_256(data))
    }

    /// The bytes of the hash.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `0x`-prefixed lowercase hex.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Parses `0x`-prefixed (or bare) hex of exactly 32 bytes.
    pub fn from_hex(s: &str) -> Result<H256, hex::FromHexError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)?;
        Ok(H256(out))
    }
}

impl std::fmt::Debug for H256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl std::fmt::Display for H256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Short form for logs: 0xabcd…ef01.
        let h = hex::encode(self.0);
        write!(f, "0x{}…{}", &h[..4], &h[60..])
    }
}

impl From<[u8; 32]> for H256 {
    fn from(b: [u8; 32]) -> Self {
        H256(b)
    }
}

impl TypeInfo for H256 {
    type Identity = Self;
    fn type_info() -> Type {
        newtype::<[u8; 32]>(&["primitive_types", "H256"], &["A 256-bit hash."])
    }
}

/// A 160-bit value: an Ethereum address (accounts and contracts of the `Evm` pallet).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode, MaxEncodedLen)]
pub struct H160(pub [u8; 20]);

impl H160 {
    /// `0x`-prefixed lowercase hex.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Parses `0x`-prefixed (or bare) hex of exactly 20 bytes.
    pub fn from_hex(s: &str) -> Result<H160, hex::FromHexError> {
        let mut out = [0u8; 20];
        hex::decode_to_slice(s.strip_prefix("0x").unwrap_or(s), &mut out)?;
        Ok(H160(out))
    }
}

impl std::fmt::Debug for H160 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl From<[u8; 20]> for H160 {
    fn from(b: [u8; 20]) -> Self {
        H160(b)
    }
}

impl TypeInfo for H160 {
    type Identity = Self;
    fn type_info() -> Type {
        newtype::<[u8; 20]>(&["primitive_types", "H160"], &["A 160-bit value: an Ethereum address."])
    }
}

/// The SS58 address format prefix of Accord chains unless a chain spec says otherwise
/// (42, the generic Substrate prefix).
pub const SS58_PREFIX_DEFAULT: u16 = 42;

/// A 32-byte account identifier: an sr25519 or ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode, MaxEncodedLen)]
pub struct AccountId32(pub [u8; 32]);

impl TypeInfo for AccountId32 {
    type Identity = Self;
    fn type_info() -> Type {
        newtype::<[u8; 32]>(&["sp_core", "crypto", "AccountId32"], &["A 32-byte account identifier."])
    }
}

/// Why an SS58 address was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ss58Error {
    /// The text is not base58.
    #[error("SS58 address is not valid base58")]
    BadBase58,
    /// The decoded length fits no supported layout.
    #[error("SS58 address has {0} bytes; a 32-byte account needs 35 or 36")]
    BadLength(usize),
    /// The prefix uses reserved bits or is out of range.
    #[error("SS58 address has an invalid network prefix")]
    BadPrefix,
    /// The two checksum bytes do not match.
    #[error("SS58 address checksum does not match")]
    BadChecksum,
}

fn ss58_checksum(data: &[u8]) -> [u8; 64] {
    let mut pre = Vec::with_capacity(7 + data.len());
    pre.extend_from_slice(b"SS58PRE");
    pre.extend_from_slice(data);
    blake2_512(&pre)
}

impl AccountId32 {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Encodes as SS58 with the given network prefix (0..=16383).
    pub fn to_ss58(&self, prefix: u16) -> String {
        let prefix = prefix & 0b0011_1111_1111_1111;
        let mut data = Vec::with_capacity(36);
        if prefix < 64 {
            data.push(prefix as u8);
        } else {
            // Two-byte form: 14 bits, split as in the SS58 spec.
            let first = ((prefix & 0b0000_0000_1111_1100) as u8) >> 2;
            let second = ((prefix >> 8) as u8) | (((prefix & 0b0000_0000_0000_0011) as u8) << 6);
            data.push(first | 0b0100_0000);
            data.push(second);
        }
        data.extend_from_slice(&self.0);
        let checksum = ss58_checksum(&data);
        data.extend_from_slice(&checksum[..2]);
        bs58::encode(data).into_string()
    }

    /// Encodes as SS58 with the default prefix 42.
    pub fn to_ss58_default(&self) -> String {
        self.to_ss58(SS58_PREFIX_DEFAULT)
    }

    /// Decodes an SS58 address, verifying its checksum. Returns the account and its prefix.
    pub fn from_ss58(s: &str) -> Result<(AccountId32, u16), Ss58Error> {
        if s.len() > 64 {
            return Err(Ss58Error::BadLength(s.len()));
        }
        let data = bs58::decode(s).into_vec().map_err(|_| Ss58Error::BadBase58)?;
        let (prefix_len, prefix) = match data.first() {
            Some(&b) if b < 64 => (1usize, b as u16),
            Some(&b) if b < 128 => {
                let second = *data.get(1).ok_or(Ss58Error::BadLength(data.len()))?;
                let lower = ((b << 2) | (second >> 6)) as u16;
                let upper = (second & 0b0011_1111) as u16;
                (2, lower | (upper << 8))
            }
            Some(_) => return Err(Ss58Error::BadPrefix),
            None => return Err(Ss58Error::BadLength(0)),
        };
        if data.len() != prefix_len + 32 + 2 {
            return Err(Ss58Error::BadLength(data.len()));
        }
        let body = &data[..prefix_len + 32];
        let checksum = ss58_checksum(body);
        if data[prefix_len + 32..] != checksum[..2] {
            return Err(Ss58Error::BadChecksum);
        }
        let mut id = [0u8; 32];
        id.copy_from_slice(&body[prefix_len..]);
        Ok((AccountId32(id), prefix))
    }

    /// Parses an account from SS58 or from `0x`-prefixed hex of 32 bytes.
    pub fn parse(s: &str) -> Result<AccountId32, Ss58Error> {
        if let Some(h) = s.strip_prefix("0x") {
            let mut id = [0u8; 32];
            hex::decode_to_slice(h, &mut id).map_err(|_| Ss58Error::BadBase58)?;
            return Ok(AccountId32(id));
        }
        AccountId32::from_ss58(s).map(|(id, _)| id)
    }
}

impl From<[u8; 32]> for AccountId32 {
    fn from(b: [u8; 32]) -> Self {
        AccountId32(b)
    }
}

impl std::fmt::Debug for AccountId32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_ss58_default())
    }
}

impl std::fmt::Display for AccountId32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_ss58_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    fn alice() -> AccountId32 {
        let mut b = [0u8; 32];
        hex::decode_to_slice(ALICE, &mut b).unwrap();
        AccountId32(b)
    }

    #[test]
    fn ss58_of_alice_matches_reference() {
        assert_eq!(alice().to_ss58(42), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        let (id, prefix) = AccountId32::from_ss58("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").unwrap();
        assert_eq!((id, prefix), (alice(), 42));
    }

    #[test]
    fn ss58_round_trips_every_prefix_form() {
        for prefix in [0u16, 2, 42, 63, 64, 255, 1284, 16383] {
            let s = alice().to_ss58(prefix);
            assert_eq!(AccountId32::from_ss58(&s).unwrap(), (alice(), prefix), "prefix {prefix}");
        }
    }

    #[test]
    fn ss58_rejects_a_bad_checksum() {
        let s = alice().to_ss58(42);
        let mut bytes = bs58::decode(&s).into_vec().unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let broken = bs58::encode(bytes).into_string();
        assert_eq!(AccountId32::from_ss58(&broken), Err(Ss58Error::BadChecksum));
        assert_eq!(AccountId32::from_ss58("0OIl"), Err(Ss58Error::BadBase58));
        assert!(matches!(AccountId32::from_ss58("1111"), Err(Ss58Error::BadLength(_))));
    }

    #[test]
    fn parse_accepts_hex_and_ss58() {
        assert_eq!(AccountId32::parse(&format!("0x{ALICE}")).unwrap(), alice());
        assert_eq!(AccountId32::parse("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").unwrap(), alice());
    }
}
