//! The ABI reader and writer: published vectors, round trips, strictness (its fuzzing is in
//! `fuzz.rs`).

use crate::abi::{self, AbiError, Args, Token};

#[test]
fn selectors_and_error_strings_match_solidity() {
    assert_eq!(hex::encode(abi::selector("transfer(address,uint256)")), "a9059cbb");
    assert_eq!(hex::encode(abi::selector("Error(string)")), "08c379a0");
    // What `revert("Nope")` returns (solc 0.8).
    let expected = concat!(
        "08c379a0",
        "0000000000000000000000000000000000000000000000000000000000000020",
        "0000000000000000000000000000000000000000000000000000000000000004",
        "4e6f706500000000000000000000000000000000000000000000000000000000"
    );
    assert_eq!(hex::encode(abi::error_string("Nope")), expected);
}

#[test]
fn encoded_arguments_decode_to_themselves() {
    let empty: &[u8] = &[];
    let long = [0xab; 70];
    for (a, b) in [(empty, empty), (&b"x"[..], &long[..]), (&long[..], &b"exactly thirty-two bytes long..."[..])] {
        let data = abi::encode(&[Token::Bytes(a), Token::Uint(7), Token::Bytes(b), Token::Uint(u64::MAX)]);
        assert_eq!(data.len() % 32, 0);
        let args = Args::new(&data);
        assert_eq!(args.bytes(0).unwrap(), a);
        assert_eq!(args.uint(1, 8).unwrap(), 7);
        assert_eq!(args.bytes(2).unwrap(), b);
        assert_eq!(args.uint(3, 64).unwrap(), u64::MAX);
        let past = data.len() / 32;
        assert_eq!(args.uint(past, 8), Err(AbiError::MissingArgument { index: past }));
    }
    let address = [0x5a; 20];
    let word = abi::address_word(&address);
    assert_eq!(Args::new(&word).address(0).unwrap(), address);
}

#[test]
fn decoding_is_strict() {
    let mut data = abi::encode(&[Token::Uint(256)]);
    assert_eq!(Args::new(&data).uint(0, 8), Err(AbiError::OutOfRange { index: 0 }), "256 is not a uint8");
    assert_eq!(Args::new(&data).uint(0, 16).unwrap(), 256);
    data[0] = 1;
    assert_eq!(Args::new(&data).uint(0, 64), Err(AbiError::OutOfRange { index: 0 }), "bits above 64");
    assert_eq!(Args::new(&data).address(0), Err(AbiError::OutOfRange { index: 0 }), "dirty address bytes");
    // An offset past the end, a length past the end, an offset that overflows.
    let bytes = abi::encode(&[Token::Bytes(b"abc")]);
    let mut far = bytes.clone();
    far[31] = 0x60;
    assert_eq!(Args::new(&far).bytes(0), Err(AbiError::BadBytes { index: 0 }));
    let mut long = bytes.clone();
    long[63] = 0x21;
    assert_eq!(Args::new(&long).bytes(0), Err(AbiError::BadBytes { index: 0 }));
    let mut huge = bytes;
    huge[24..32].copy_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(Args::new(&huge).bytes(0), Err(AbiError::BadBytes { index: 0 }));
    huge[24..32].copy_from_slice(&32u64.to_be_bytes());
    huge[56..64].copy_from_slice(&(u64::MAX - 10).to_be_bytes());
    assert_eq!(Args::new(&huge).bytes(0), Err(AbiError::BadBytes { index: 0 }));
}
