use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{DispatchError, Hooks, ModuleError, Origin};

use crate::mock::{new_test_ext as new_ext, PALLETS, TIMESTAMP_INDEX};
use crate::*;

fn error(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: TIMESTAMP_INDEX, error: [e as u8, 0, 0, 0] })
}

#[test]
fn set_once_per_block_and_strictly_increasing() {
    new_ext().execute_with(|ext| {
        dispatch(ext, Origin::None, Call::set { now: 1_500 }).unwrap();
        assert_eq!(now(ext), 1_500);
        assert!(did_update(ext));
        assert_noop(ext, error(Error::AlreadySet), |ext| dispatch(ext, Origin::None, Call::set { now: 2_000 }));
        Pallet::on_finalize(ext, 1);
        assert!(!did_update(ext));
        assert_noop(ext, error(Error::TooEarly), |ext| dispatch(ext, Origin::None, Call::set { now: 1_500 }));
        dispatch(ext, Origin::None, Call::set { now: 1_500 + MINIMUM_PERIOD_MS }).unwrap();
    });
}

#[test]
fn only_unsigned_origin() {
    new_ext().execute_with(|ext| {
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::Signed(accord_primitives::AccountId32([1; 32])), Call::set { now: 5_000 })
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| dispatch(ext, Origin::Root, Call::set { now: 5_000 }));
    });
}

#[test]
fn unset_genesis_accepts_any_first_time() {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        dispatch(ext, Origin::None, Call::set { now: 0 }).unwrap();
    });
}
