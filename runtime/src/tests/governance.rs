//! Governance in the assembled runtime: three organizations pass a proposal that sets a
//! balance, in real blocks, without sudo; only management calls may be proposed.

use accord_pallet_balances as balances;
use accord_pallet_governance::{self as governance, ManagementCall, ProposalStatus, VoteKind};
use accord_pallet_organizations as organizations;
use accord_primitives::{MultiAddress, Pair};
use accord_support::{DispatchError, ModuleError};

use super::Chain;
use crate::{RuntimeCall, RuntimeEvent, UNIT};

fn gov(call: governance::Call<RuntimeCall>) -> RuntimeCall {
    RuntimeCall::Governance(call)
}

fn ok(outcome: &Result<crate::ApplyOutcome, crate::validity::TransactionValidityError>) {
    assert_eq!(outcome.as_ref().unwrap().result, Ok(()), "{outcome:?}");
}

#[test]
fn three_organizations_set_a_balance_without_sudo() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let (bob, charlie) = (Pair::dev("Bob"), Pair::dev("Charlie"));
    // Setup: Bob and Charlie lead organizations of their own (by sudo, on the dev chain).
    for (i, who) in [&bob, &charlie].iter().enumerate() {
        let remove = RuntimeCall::Organizations(organizations::Call::remove_member { org: 1, who: who.account() });
        let register = RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo {
            call: Box::new(RuntimeCall::Organizations(organizations::Call::register_org {
                name: organizations::Name::try_from_vec(format!("Org{}", i + 2).into_bytes()).unwrap(),
                category: organizations::Category::OnCloud,
                admins: organizations::AdminList::try_from_vec(vec![who.account()]).unwrap(),
                credentials: Default::default(),
            })),
        });
        let nonce = 2 * i as u32;
        let outcomes =
            chain.produce(&[chain.signed(&alice, &remove, nonce), chain.signed(&alice, &register, nonce + 1)]);
        outcomes.iter().for_each(ok);
    }
    chain.read(|ext| assert_eq!(organizations::active_orgs(ext), vec![1, 2, 3]));

    let target = Pair::dev("Target");
    let set = RuntimeCall::Balances(balances::Call::force_set_balance {
        who: MultiAddress::Id(target.account()),
        new_free: 42 * UNIT,
    });
    assert_eq!(set.management_class(), Some(2));
    let propose = gov(governance::Call::propose { org: 1, call: Box::new(set.clone()) });
    ok(&chain.produce(&[chain.signed(&alice, &propose, 4)])[0]);
    let vote = |org, kind| gov(governance::Call::vote { proposal: 1, org, vote: kind });
    let outcomes = chain
        .produce(&[chain.signed(&alice, &vote(1, VoteKind::Aye), 5), chain.signed(&bob, &vote(2, VoteKind::Aye), 0)]);
    outcomes.iter().for_each(ok);
    let passed = chain
        .events()
        .iter()
        .any(|r| matches!(r.event, RuntimeEvent::Governance(governance::Event::Passed { proposal: 1, .. })));
    assert!(passed);
    // Charlie's late vote is refused: the proposal closed.
    let late = chain.produce(&[chain.signed(&charlie, &vote(3, VoteKind::Nay), 0)]);
    let closed = DispatchError::Module(ModuleError { index: 9, error: [governance::Error::NotVoting as u8, 0, 0, 0] });
    assert_eq!(late[0].as_ref().unwrap().result, Err(closed));

    let execute = gov(governance::Call::execute { proposal: 1, call: Box::new(set) });
    ok(&chain.produce(&[chain.signed(&alice, &execute, 6)])[0]);
    chain.read(|ext| {
        assert_eq!(balances::free_balance(ext, &target.account()), 42 * UNIT);
        assert_eq!(governance::PROPOSALS.get(ext, &1).unwrap().status, ProposalStatus::Executed);
    });

    // A transfer needs no root: not a management operation.
    let transfer =
        RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(bob.account()), value: 1 });
    assert_eq!(transfer.management_class(), None);
    let refused =
        chain.produce(&[chain.signed(&alice, &gov(governance::Call::propose { org: 1, call: Box::new(transfer) }), 7)]);
    let not_management =
        DispatchError::Module(ModuleError { index: 9, error: [governance::Error::NotManagement as u8, 0, 0, 0] });
    assert_eq!(refused[0].as_ref().unwrap().result, Err(not_management));
}

/// Governance removes a consumer it does not own (a squatter, an abandoned one): the
/// proposal carries `Oplog.unregister_consumer`, passes and executes, and the slots of the
/// chain and of the owner's organization are free again.
#[test]
fn governance_unregisters_a_consumer() {
    use accord_pallet_oplog as oplog;
    use accord_support::Hooks;
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let name = oplog::ConsumerName::try_from_vec(b"squatter".to_vec()).unwrap();
    let register = RuntimeCall::Oplog(oplog::Call::register_consumer { name: name.clone(), start_index: 0 });
    ok(&chain.produce(&[chain.signed(&bob, &register, 0)])[0]);
    let group = chain.read(|ext| {
        assert_eq!(oplog::CONSUMER_COUNT.get(ext), 1);
        oplog::CONSUMERS.get(ext, &name).unwrap().group
    });
    assert_eq!(group, oplog::ConsumerGroup::Org(1), "Bob belongs to Alice's organization");

    let unregister = RuntimeCall::Oplog(oplog::Call::unregister_consumer { name: name.clone() });
    assert_eq!(unregister.management_class(), Some(4));
    let propose = gov(governance::Call::propose { org: 1, call: Box::new(unregister.clone()) });
    let vote = gov(governance::Call::vote { proposal: 1, org: 1, vote: VoteKind::Aye });
    let execute = gov(governance::Call::execute { proposal: 1, call: Box::new(unregister) });
    let xts = [chain.signed(&alice, &propose, 0), chain.signed(&alice, &vote, 1), chain.signed(&alice, &execute, 2)];
    chain.produce(&xts).iter().for_each(ok);
    let executed = chain.events().into_iter().find_map(|r| match r.event {
        RuntimeEvent::Governance(governance::Event::Executed { result, .. }) => Some(result),
        _ => None,
    });
    assert_eq!(executed, Some(Ok(())));
    let unregistered = chain
        .events()
        .into_iter()
        .any(|r| r.event == RuntimeEvent::Oplog(oplog::Event::ConsumerUnregistered { name: name.clone() }));
    assert!(unregistered);
    chain.read(|ext| {
        assert!(oplog::CONSUMERS.get(ext, &name).is_none());
        assert_eq!(oplog::CONSUMER_COUNT.get(ext), 0);
        assert_eq!(oplog::GROUP_CONSUMERS.get(ext, &group), 0);
        assert_eq!(oplog::Pallet::check_state(ext), Ok(()));
    });
}
