//! A mock runtime with the system and balances pallets, and an `ExtBuilder` for genesis
//! balances.

use accord_primitives::{AccountId32, Balance};
use accord_support::testing::TestExternalities;
use accord_support::PalletIndices;

pub(crate) const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1), ("Balances", 5), ("Oplog", 7)];
pub(crate) const BALANCES_INDEX: u8 = 5;

/// One unit: 10^12.
pub(crate) const UNIT: Balance = 1_000_000_000_000;

pub(crate) fn account(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

pub(crate) struct ExtBuilder {
    balances: Vec<(AccountId32, Balance)>,
}

impl Default for ExtBuilder {
    fn default() -> Self {
        ExtBuilder { balances: vec![(account(1), 100 * UNIT), (account(2), 50 * UNIT)] }
    }
}

impl ExtBuilder {
    pub(crate) fn balances(mut self, balances: Vec<(AccountId32, Balance)>) -> Self {
        self.balances = balances;
        self
    }

    pub(crate) fn build(self) -> TestExternalities {
        let mut t = TestExternalities::new(PALLETS);
        t.execute_with(|ext| {
            accord_pallet_system::build_genesis(ext);
            crate::GenesisConfig { balances: self.balances }.build(ext).expect("valid test genesis");
        });
        t
    }
}
