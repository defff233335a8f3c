use accord_pallet_balances as balances;
use accord_primitives::{AccountId32, Pair};

use super::Chain;
use crate::{GenesisConfig, GenesisError, UNIT};

#[test]
fn dev_genesis_endows_the_six_dev_accounts_and_hardhats_ten() {
    let config = GenesisConfig::dev();
    assert_eq!(config.balances.len(), 16);
    assert_eq!(config.balances[0].0, Pair::dev("Alice").account());
    let (state, header) = config.build().unwrap();
    assert_eq!(header.number, 0);
    assert_eq!(header.state_root, state.root());
    let chain = Chain::dev();
    // The six accounts, the ten Hardhat/Anvil accounts and the platform account's existential
    // deposit.
    let platform = balances::EXISTENTIAL_DEPOSIT;
    let ethereum = 10 * crate::genesis::DEV_ETHEREUM_BALANCE;
    assert_eq!(chain.read(|ext| balances::TOTAL_ISSUANCE.get(ext)), 6 * 1_000_000 * UNIT + ethereum + platform);
    assert_eq!(chain.read(crate::check_state), Ok(()));
}

#[test]
fn json_round_trip_and_forms() {
    let config = GenesisConfig::dev();
    assert_eq!(GenesisConfig::from_json(&config.to_json()).unwrap(), config);
    let json = r#"{"balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 5000000000000],
        ["0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48", "340282366920938463463374607431768211455"]],
        "timestampMs": 7}"#;
    let parsed = GenesisConfig::from_json(json).unwrap();
    assert_eq!(parsed.balances[0], (Pair::dev("Alice").account(), 5 * UNIT));
    assert_eq!(parsed.balances[1], (Pair::dev("Bob").account(), u128::MAX));
    assert_eq!(parsed.timestamp_ms, 7);
}

#[test]
fn bad_configs_get_clear_errors() {
    assert!(matches!(GenesisConfig::from_json("{"), Err(GenesisError::Json(_))));
    assert!(matches!(GenesisConfig::from_json(r#"{"balance": []}"#), Err(GenesisError::Json(_))), "unknown field");
    assert!(matches!(GenesisConfig::from_json(r#"{"balances": [["nope", 1]]}"#), Err(GenesisError::BadAccount { .. })));
    assert!(matches!(
        GenesisConfig::from_json(r#"{"balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "-1"]]}"#),
        Err(GenesisError::BadBalance(_))
    ));
    assert!(matches!(
        GenesisConfig::from_json(r#"{"balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 1.5]]}"#),
        Err(GenesisError::BadBalance(_))
    ));
    assert!(
        matches!(
            GenesisConfig::from_json(
                r#"{"balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 18446744073709551616]]}"#
            ),
            Err(GenesisError::BadBalance(_))
        ),
        "numbers past 2^64 must be strings"
    );
    let below_ed = GenesisConfig { balances: vec![(AccountId32([1; 32]), 1)], ..Default::default() };
    let err = below_ed.build().unwrap_err();
    assert!(err.to_string().contains("existential deposit"), "{err}");
    let overflow = GenesisConfig {
        balances: vec![(AccountId32([1; 32]), u128::MAX), (AccountId32([2; 32]), UNIT)],
        ..Default::default()
    };
    assert!(overflow.build().unwrap_err().to_string().contains("overflows"));
}

#[test]
fn funded_accounts_are_endowed_by_index() {
    use crate::genesis::{funded_account, funded_account_seed, funded_accounts, FundedAccounts, FUNDED_ACCOUNTS_MAX};
    let json = r#"{"balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 5000000000000]],
        "fundedAccounts": {"count": 37, "balance": "2000000000000"}, "openChain": true}"#;
    let config = GenesisConfig::from_json(json).unwrap();
    assert_eq!(config.funded, Some(FundedAccounts { count: 37, balance: 2 * UNIT }));
    assert_eq!(GenesisConfig::from_json(&config.to_json()).unwrap(), config);
    // Derived on several threads, in index order, each the key of its published seed.
    let ids = funded_accounts(37);
    assert_eq!(ids.len(), 37);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(*id, funded_account(i as u32).account());
    }
    let uri = format!("0x{}", hex::encode(funded_account_seed(3)));
    assert_eq!(Pair::Sr25519(accord_primitives::crypto::Sr25519Pair::from_uri(&uri).unwrap()).account(), ids[3]);
    assert_ne!(ids[0], ids[1]);
    let (state, _) = config.build().unwrap();
    let ext = accord_support::Ext::new(&state, crate::PALLETS);
    assert_eq!(balances::free_balance(&ext, &ids[36]), 2 * UNIT);
    assert_eq!(balances::TOTAL_ISSUANCE.get(&ext), 5 * UNIT + 37 * 2 * UNIT + balances::EXISTENTIAL_DEPOSIT);
    assert_eq!(crate::check_state(&ext), Ok(()));
    let too_many = format!(r#"{{"fundedAccounts": {{"count": {}, "balance": 1}}}}"#, FUNDED_ACCOUNTS_MAX + 1);
    assert!(GenesisConfig::from_json(&too_many).unwrap_err().to_string().contains("above the limit"));
    assert!(matches!(
        GenesisConfig::from_json(r#"{"fundedAccounts": {"count": 1, "balance": "x"}}"#),
        Err(GenesisError::BadBalance(_))
    ));
}
