//! A mock runtime with system, timestamp and oplog.

use accord_primitives::AccountId32;
use accord_support::testing::TestExternalities;
use accord_support::PalletIndices;

pub(crate) const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1), ("Oplog", 7)];
pub(crate) const OPLOG_INDEX: u8 = 7;

pub(crate) fn account(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

pub(crate) fn new_test_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        accord_pallet_system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, 1_000);
    });
    t
}
