//! Payouts on a real chain: a validator's node counts for a payout period once a block
//! carries its signed logic-version signal; the node sends one each period even when its
//! versions did not change; observers and keys no organization registered are never counted.

use accord_pallet_balances as balances;
use accord_pallet_metering as metering;
use accord_pallet_organizations::{Endpoint, GenesisNode, NodeRole, ResourceSpace, StorageMedium};
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::{MultiAddress, Pair, UncheckedExtrinsic};
use accord_support::BoundedVec;

use super::Chain;
use crate::{BlockExecution, GenesisConfig, RuntimeCall, RuntimeEvent};

fn endpoint(port: u16) -> Endpoint {
    Endpoint { host: BoundedVec::try_from_vec(b"10.0.0.1".to_vec()).unwrap(), port }
}

fn node(pair: &Ed25519Pair, port: u16, role: NodeRole) -> GenesisNode {
    GenesisNode { key: pair.public(), address: endpoint(port), role, medium: StorageMedium::Nvm }
}

/// The development chain with validators `validators`; the development organization runs
/// the first as a validator node and `observer` as an observer node.
fn chain(validators: &[Ed25519Pair], observer: &Ed25519Pair) -> Chain {
    let mut org = crate::genesis::dev_organization();
    org.space = Some(ResourceSpace::Physical(BoundedVec::try_from_vec(vec![endpoint(1), endpoint(2)]).unwrap()));
    org.nodes = vec![node(&validators[0], 1, NodeRole::Validator), node(observer, 2, NodeRole::Observer)];
    let config = GenesisConfig {
        validators: validators.iter().map(|p| p.public()).collect(),
        organizations: vec![org],
        ..GenesisConfig::dev()
    };
    Chain::from_config(&config)
}

/// The signal inherent the node of `pair` adds to the next block, if any.
fn inherent(chain: &Chain, pair: &Ed25519Pair) -> Option<UncheckedExtrinsic> {
    let mut exec =
        BlockExecution::initialize(&chain.state, chain.best().hash(), chain.best_number() + 1, Default::default());
    exec.apply(&crate::timestamp_inherent(1_800_000_000_000)).unwrap();
    let sign = |m: &[u8]| pair.sign(m);
    crate::logic_signal_inherent(exec.ext(), &pair.public(), &crate::logic_versions(), &sign)
}

fn sudo(chain: &Chain, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
    let call = RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(call) });
    chain.signed(&Pair::dev("Alice"), &call, nonce)
}

#[test]
fn a_validator_node_proves_work_once_a_period_and_only_it_is_paid() {
    let validators: Vec<Ed25519Pair> = (1..=2).map(|i| Ed25519Pair::from_seed(&[i; 32])).collect();
    let observer = Ed25519Pair::from_seed(&[9; 32]);
    let mut chain = chain(&validators, &observer);
    let rules = metering::PayoutRules { period: 4, distribution: metering::Distribution::Equal };
    let setup = sudo(&chain, RuntimeCall::Metering(metering::Call::set_payout_rules { rules }), 0);
    assert!(chain.produce(&[setup])[0].as_ref().unwrap().result.is_ok());

    // Block 2: both validators signal (their versions are new); only the registered node counts.
    let signals: Vec<UncheckedExtrinsic> = validators.iter().map(|p| inherent(&chain, p).unwrap()).collect();
    assert!(inherent(&chain, &observer).is_none(), "an observer is no validator: it has no proof to give");
    let transfer = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(Pair::dev("Bob").account()),
        value: 1_000_000_000_000,
    });
    let paying = chain.signed(&Pair::dev("Alice"), &transfer, 1);
    let outcomes = chain.produce(&[signals[0].clone(), signals[1].clone(), paying]);
    assert!(outcomes.iter().all(|o| o.as_ref().is_ok_and(|o| o.result.is_ok())), "{outcomes:?}");
    let counted = chain.read(|ext| metering::PERIOD_NODES.get(ext));
    assert_eq!(counted.as_slice(), &[validators[0].public()]);
    assert_eq!(chain.read(|ext| metering::NODE_COUNT.get(ext)), 1);

    // Block 3: counted already and versions unchanged: nothing to send.
    assert!(inherent(&chain, &validators[0]).is_none());
    chain.produce(&[]);

    // Block 4 pays organization 1 (Alice, its first admin) for its one node, and opens a new
    // period in which the unchanged signal is due again as the proof of work.
    chain.produce(&[]);
    let paid = chain.events().into_iter().find_map(|r| match r.event {
        RuntimeEvent::Metering(metering::Event::PaidOut { org, weight, amount, .. }) => Some((org, weight, amount)),
        _ => None,
    });
    let (org, weight, amount) = paid.expect("a payout at block 4");
    assert_eq!((org, weight), (1, 1));
    assert!(amount > 0);
    assert!(chain.read(|ext| metering::PERIOD_NODES.get(ext)).is_empty());
    let proof = inherent(&chain, &validators[0]).expect("a proof of work is due in the new period");
    assert!(inherent(&chain, &validators[1]).is_none(), "an unregistered validator is not asked");
    let outcomes = chain.produce(&[proof]);
    assert!(outcomes[0].as_ref().is_ok_and(|o| o.result.is_ok()), "{outcomes:?}");
    assert_eq!(chain.read(|ext| metering::PERIOD_NODES.get(ext)).as_slice(), &[validators[0].public()]);
}
