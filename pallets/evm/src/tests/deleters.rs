//! The Data precompile: refusals with a reason; a declaration for data the contract does not
//! map reverts the whole transaction.

use accord_ethereum::abi::{self, Token};

use super::*;

fn set_deleter_input(key: &[u8], deleter: [u8; 32], allowed: u64) -> Vec<u8> {
    let mut input = abi::selector(crate::deleters::SET_DELETER).to_vec();
    let mut args = abi::encode(&[Token::Bytes(key), Token::Uint(0), Token::Uint(allowed)]);
    args[32..64].copy_from_slice(&deleter);
    input.extend(args);
    input
}

fn revert_text(ext: &Ext<'_>) -> String {
    match last_exit(ext) {
        ExitReason::Reverted { data } => String::from_utf8_lossy(&data).to_string(),
        other => panic!("not reverted: {other:?}"),
    }
}

#[test]
fn a_declaration_is_checked_and_needs_data_the_contract_maps() {
    new_test_ext().execute_with(|ext| {
        let to = crate::deleters::DATA_ADDRESS;
        let call = deploy(ext, 1, deployer_of(&forwarder(0xf1, to, false)));
        let delegate = deploy(ext, 1, deployer_of(&forwarder(0xf4, to, false)));
        let good = set_deleter_input(b"entry-1", [7; 32], 1);
        let mut unknown = good.clone();
        unknown[0] ^= 1;
        let cases: Vec<(H160, Vec<u8>, Balance, &str)> = vec![
            (call, set_deleter_input(b"", [7; 32], 1), 0, "1 to 128 bytes"),
            (call, set_deleter_input(&[1; 129], [7; 32], 1), 0, "1 to 128 bytes"),
            (call, vec![0; 300], 0, "longer than a declaration"),
            (call, set_deleter_input(b"k", [7; 32], 2), 0, "not a bool"),
            (call, unknown, 0, "unknown function"),
            (call, vec![1], 0, "no function selector"),
            (call, good.clone(), 1, "takes no value"),
            (delegate, good.clone(), 0, "call with CALL"),
            // A well-formed declaration by a contract without `accordDataSlots`: the
            // transaction reverts when it applies.
            (call, good.clone(), 0, "accordDataSlots(bytes) did not succeed"),
        ];
        for (contract, input, value, reason) in cases {
            signed(ext, 2, call_call(contract, input, value)).unwrap();
            let text = revert_text(ext);
            assert!(text.contains(reason), "{reason}: {text}");
            let rights = (
                accord_pallet_metering::DataTarget::Contract(call),
                BoundedVec::try_from_vec(b"entry-1".to_vec()).unwrap(),
                0,
            );
            assert!(
                accord_pallet_metering::DELETERS.iter_prefix1(ext, &rights, 1).is_empty(),
                "{reason}: nothing declared"
            );
        }
        let direct = call_call(H160(to), good, 0);
        assert_noop(ext, err(Error::NotAContract), |ext| dispatch(ext, Origin::Signed(account(2)), direct));
    });
}

#[test]
fn a_declarations_log_round_trips() {
    let log = crate::exec::Log {
        contract: H160(crate::deleters::DATA_ADDRESS),
        topics: vec![H256(crate::deleters::declared_topic()), H256(abi::address_word(&[5; 20]))],
        data: set_deleter_input(b"k-1", [9; 32], 1)[4..].to_vec(),
    };
    let declared = crate::deleters::declared(&log).unwrap();
    assert_eq!(
        (declared.contract, declared.key, declared.deleter, declared.allowed),
        (H160([5; 20]), b"k-1".to_vec(), AccountId32([9; 32]), true)
    );
    let other = crate::exec::Log { contract: H160([1; 20]), ..log };
    assert_eq!(crate::deleters::declared(&other), None);
}
