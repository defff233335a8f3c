//! A mock runtime with the system and timestamp pallets.

use accord_support::testing::TestExternalities;
use accord_support::PalletIndices;

pub(crate) const PALLETS: PalletIndices = &[("System", 0), ("Timestamp", 1)];
pub(crate) const TIMESTAMP_INDEX: u8 = 1;

/// Externalities whose chain started at 1000 ms.
pub(crate) fn new_test_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| crate::build_genesis(ext, 1_000));
    t
}
