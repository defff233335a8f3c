use codec::Decode;

use accord_primitives::{AccountId32, MultiAddress};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{DispatchError, DispatchResult, Ext, ModuleError, Origin, PalletIndices, StorageValue};

use crate::*;

const PALLETS: PalletIndices = &[("System", 0), ("Sudo", 6)];
const COUNTER: StorageValue<u32> = StorageValue::new("Test", "Counter", &[]);

/// A stand-in runtime call: bump the counter (root only) or fail.
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo)]
enum TestCall {
    Bump,
    Fail,
}

fn inner(ext: &mut Ext<'_>, origin: Origin, call: TestCall) -> DispatchResult {
    match call {
        TestCall::Bump => {
            origin.ensure_root()?;
            COUNTER.mutate(ext, |c| *c += 1);
            Ok(())
        }
        TestCall::Fail => {
            COUNTER.mutate(ext, |c| *c += 100);
            Err(DispatchError::Other("fail"))
        }
    }
}

fn alice() -> AccountId32 {
    AccountId32([1; 32])
}

fn new_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| build_genesis(ext, Some(alice())));
    t
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    ext.events().iter().map(|e| Event::decode(&mut &e.event[1..]).unwrap()).collect()
}

#[test]
fn sudo_dispatches_as_root_and_reports_the_inner_result() {
    new_ext().execute_with(|ext| {
        dispatch(ext, Origin::Signed(alice()), Call::sudo { call: Box::new(TestCall::Bump) }, inner).unwrap();
        assert_eq!(COUNTER.get(ext), 1);
        dispatch(ext, Origin::Signed(alice()), Call::sudo { call: Box::new(TestCall::Fail) }, inner).unwrap();
        assert_eq!(COUNTER.get(ext), 1, "the failed inner call was rolled back");
        assert_eq!(
            events(ext),
            vec![Event::Sudid { sudo_result: Ok(()) }, Event::Sudid { sudo_result: Err(DispatchError::Other("")) }]
        );
    });
}

#[test]
fn only_the_key_may_sudo() {
    new_ext().execute_with(|ext| {
        let require = DispatchError::Module(ModuleError { index: 6, error: [0, 0, 0, 0] });
        assert_noop(ext, require, |ext| {
            dispatch(ext, Origin::Signed(AccountId32([2; 32])), Call::sudo { call: Box::new(TestCall::Bump) }, inner)
        });
        assert_noop(ext, DispatchError::BadOrigin, |ext| {
            dispatch(ext, Origin::None, Call::<TestCall>::set_key { new: MultiAddress::Id(alice()) }, inner)
        });
    });
}

#[test]
fn sudo_as_and_set_key() {
    new_ext().execute_with(|ext| {
        let bob = AccountId32([2; 32]);
        dispatch(
            ext,
            Origin::Signed(alice()),
            Call::sudo_as { who: MultiAddress::Id(bob), call: Box::new(TestCall::Bump) },
            inner,
        )
        .unwrap();
        assert_eq!(COUNTER.get(ext), 0, "Bump needs root; as Bob it fails");
        assert_eq!(events(ext), vec![Event::SudoAsDone { sudo_result: Err(DispatchError::BadOrigin) }]);
        dispatch(ext, Origin::Signed(alice()), Call::<TestCall>::set_key { new: MultiAddress::Id(bob) }, inner)
            .unwrap();
        assert_eq!(KEY.get(ext), Some(bob));
        assert_noop(ext, DispatchError::Module(ModuleError { index: 6, error: [0, 0, 0, 0] }), |ext| {
            dispatch(ext, Origin::Signed(alice()), Call::sudo { call: Box::new(TestCall::Bump) }, inner)
        });
    });
}
