//! A mock runtime with only the system pallet.

use accord_support::testing::TestExternalities;
use accord_support::PalletIndices;

pub(crate) const PALLETS: PalletIndices = &[("System", 0)];

pub(crate) fn new_test_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(crate::build_genesis);
    t
}
