//! keccak-256, public-key addresses, CREATE and CREATE2 addresses, [`U256`].

use crate::{address_of_public_key, create2_address, create_address, keccak256, Address, SigningKey, U256};

fn address(s: &str) -> Address {
    hex::decode(s.trim_start_matches("0x")).unwrap().try_into().unwrap()
}

#[test]
fn keccak256_of_empty_input() {
    assert_eq!(hex::encode(keccak256(&[])), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

#[test]
fn create_address_matches_known_vector() {
    let sender = address("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
    assert_eq!(create_address(sender, 0), address("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"));
    assert_eq!(create_address(sender, 1), address("343c43a37d37dff08ae8c4a11544c718abb4fcf8"));
}

#[test]
fn create2_address_matches_eip_1014_example_0() {
    let created = create2_address([0; 20], [0; 32], keccak256(&[0x00]));
    assert_eq!(created, address("4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38".to_lowercase().as_str()));
}

#[test]
fn public_key_address_matches_eip_155_example_key() {
    let key = SigningKey::from_bytes(&[0x46; 32].into()).unwrap();
    let expected = address("9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
    assert_eq!(address_of_public_key(key.verifying_key()), expected);
}

#[test]
fn u256_orders_numerically_and_converts() {
    assert!(U256::from(255) < U256::from(256));
    assert!(U256::from(u128::MAX) < U256([0xff; 32]));
    assert_eq!(U256::from(u128::MAX).to_u128(), Some(u128::MAX));
    assert_eq!(U256([0xff; 32]).to_u128(), None);
    assert!(U256::ZERO.is_zero() && !U256::from(1).is_zero());
    assert_eq!(format!("{:?}", U256::from(0xab)), format!("0x{}ab", "0".repeat(62)));
}
