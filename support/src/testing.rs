//! Test externalities for mock runtimes: an in-memory state that tests execute against, and
//! [`assert_noop`], which checks that a failing call returned the expected error and changed
//! nothing.

use codec::Decode;

use crate::dispatch::DispatchError;
use crate::ext::{Ext, PalletIndices};
use crate::state::MemoryState;

/// An in-memory state plus the runtime's pallet table.
pub struct TestExternalities {
    /// The state; every `execute_with` commits into it.
    pub state: MemoryState,
    pallets: PalletIndices,
}

impl TestExternalities {
    /// Externalities over an empty state.
    pub fn new(pallets: PalletIndices) -> TestExternalities {
        TestExternalities { state: MemoryState::default(), pallets }
    }

    /// Runs `f` with externalities over the state, then commits what it committed. Events
    /// recorded in `f` are returned by [`Ext::events`] inside `f` only.
    pub fn execute_with<R>(&mut self, f: impl FnOnce(&mut Ext<'_>) -> R) -> R {
        let (r, changes) = {
            let mut ext = Ext::new(&self.state, self.pallets);
            let r = f(&mut ext);
            (r, ext.into_changes())
        };
        self.state.apply(changes);
        r
    }
}

/// Runs `f`, asserting that it fails with `expected` and leaves storage and events exactly
/// as they were (FRAME's "check before write").
#[track_caller]
pub fn assert_noop<R: std::fmt::Debug>(
    ext: &mut Ext<'_>,
    expected: DispatchError,
    f: impl FnOnce(&mut Ext<'_>) -> Result<R, DispatchError>,
) {
    let before = ext.snapshot();
    let result = f(ext);
    assert_eq!(result.map(|_| ()).unwrap_err(), expected, "wrong error");
    assert!(ext.snapshot() == before, "a failing call changed storage or events");
}

/// The events the pallet at `index` deposited in `ext` so far, decoded as its `E`.
///
/// # Panics
/// If one does not decode as `E`: the test's event type is not the pallet's.
#[track_caller]
pub fn pallet_events<E: Decode>(ext: &Ext<'_>, index: u8) -> Vec<E> {
    ext.events()
        .iter()
        .filter(|e| e.event.first() == Some(&index))
        .map(|e| E::decode(&mut &e.event[1..]).expect("the pallet's event decodes"))
        .collect()
}
