//! A mock runtime with system, timestamp, balances and the EVM.

use accord_primitives::{AccountId32, Balance};
use accord_support::testing::TestExternalities;
use accord_support::PalletIndices;

pub(crate) const PALLETS: PalletIndices =
    &[("System", 0), ("Timestamp", 1), ("Balances", 2), ("Oplog", 7), ("Evm", 30)];
pub(crate) const EVM_INDEX: u8 = 30;
/// One unit: 10^12 planck.
pub(crate) const UNIT: Balance = 1_000_000_000_000;

pub(crate) fn account(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

pub(crate) fn new_test_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        accord_pallet_system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_700_000_000_000);
        accord_pallet_system::initialize(ext, 1, Default::default());
        for n in 1..=3 {
            accord_pallet_balances::mint(ext, &account(n), 1_000 * UNIT).unwrap();
        }
        crate::build_genesis(ext, crate::EvmConfig::default());
    });
    t
}
