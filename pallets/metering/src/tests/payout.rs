//! Payouts count only nodes with evidence of work in the period, the network multiplier is
//! the same count, and a self-declared storage medium is worth the lowest grade until
//! governance attests it.

use accord_pallet_organizations::{self as organizations, NoHooks};

use super::*;

/// The key of test node `seed` (organization 1: nodes 1 HDD and 2 NVM; organization 2:
/// node 3 SSD; see `new_ext`).
fn key(seed: u8) -> NodeKey {
    Ed25519Pair::from_seed(&[seed; 32]).public()
}

/// Moves `amount` of fees into the platform account, as a block would.
fn income(ext: &mut Ext<'_>, amount: Balance) {
    let charge = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 0, 0), 0);
    assert!(withdraw(ext, &charge, amount));
    Pallet::on_finalize(ext, 1);
    check(ext);
}

/// What each of the admins 10, 20 and 30 gains from a payout.
fn paid_out(ext: &mut Ext<'_>) -> Vec<Balance> {
    let admins = [acc(10), acc(20), acc(30)];
    let before: Vec<Balance> = admins.iter().map(|a| free(ext, a)).collect();
    pay_out(ext);
    check(ext);
    admins.iter().zip(&before).map(|(a, b)| free(ext, a) - b).collect()
}

fn attest(node: u8, medium: Option<StorageMedium>) -> Call<Inner> {
    Call::attest_medium { node: key(node), medium }
}

#[test]
fn only_nodes_that_did_work_in_the_period_are_paid_and_counted() {
    new_ext().execute_with(|ext| {
        // Three registered nodes, none with evidence of work: no node count, no payout.
        assert_eq!(NODE_COUNT.get(ext), 1, "registered nodes are not the node count");
        income(ext, 1_000_000_000_000);
        assert_eq!(paid_out(ext), vec![0, 0, 0], "no node did work: everything stays");
        assert!(events(ext).contains(&Event::PayoutClosed {
            available: 1_000_000_000_000,
            paid: 0,
            remainder: 1_000_000_000_000
        }));

        // Nodes 1 (organization 1) and 3 (organization 2) prove work; node 2 never does.
        assert!(work_due(ext, &key(1)) && work_due(ext, &key(3)));
        note_work(ext, &key(1));
        check(ext);
        note_work(ext, &key(1));
        note_work(ext, &key(3));
        check(ext);
        assert!(!work_due(ext, &key(1)), "counted once per period");
        assert_eq!(PERIOD_NODES.get(ext).as_slice(), &[key(1), key(3)]);
        assert_eq!(NODE_COUNT.get(ext), 2, "the network multiplier follows the nodes counted");
        assert!(events(ext).contains(&Event::WorkNoted { node: key(1), org: 1 }));
        // A key no organization registered counts for no one.
        let stranger = Ed25519Pair::from_seed(&[99; 32]).public();
        assert!(!work_due(ext, &stranger));
        note_work(ext, &stranger);
        assert_eq!(PERIOD_NODES.get(ext).len(), 2);

        // Equal shares per node that worked: one each, not two for organization 1.
        income(ext, 1_000_000_000_000);
        assert_eq!(paid_out(ext), vec![1_000_000_000_000, 1_000_000_000_000, 0]);
        assert!(PERIOD_NODES.get(ext).is_empty(), "the next period counts from none");
        assert_eq!(NODE_COUNT.get(ext), 2, "the closed period's count");
        assert!(work_due(ext, &key(1)));

        // A node of a suspended organization neither counts nor is paid.
        note_work(ext, &key(1));
        note_work(ext, &key(3));
        organizations::dispatch_with(ext, Origin::Root, organizations::Call::suspend_org { org: 2 }, &NoHooks).unwrap();
        assert!(!work_due(ext, &key(3)));
        income(ext, 1_000_000_000_000);
        assert_eq!(paid_out(ext), vec![1_000_000_000_000, 0, 0]);
        assert_eq!(NODE_COUNT.get(ext), 1, "only organization 1's node counted");
        check(ext);
    });
}

#[test]
fn the_network_fee_does_not_grow_with_nodes_that_do_no_work() {
    new_ext().execute_with(|ext| {
        let fee = |ext: &Ext<'_>| {
            Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0).fee_with(0).network
        };
        let one = fee_of(&DEFAULT_PRICES, &Usage { length: 100, nodes: 1, ..Usage::default() }, 0).network;
        // The block hook does not count registered nodes.
        for n in 2..=4 {
            system::initialize(ext, n, H256([n as u8; 32]));
            Pallet::on_initialize(ext, n);
            check(ext);
        }
        assert_eq!(fee(ext), one, "three registered nodes, none working: one node's fee");
        note_work(ext, &key(1));
        note_work(ext, &key(3));
        assert_eq!(fee(ext), 2 * one, "two nodes did work: twice the network fee");
    });
}

#[test]
fn a_self_declared_medium_weighs_as_hdd_until_governance_attests_it() {
    new_ext().execute_with(|ext| {
        let by_medium = Distribution::ByMedium { hdd: 1, ssd: 3, nvm: 5 };
        ok(ext, Origin::Root, Call::set_payout_rules { rules: PayoutRules { period: 100, distribution: by_medium } });
        // Node 2 declares NVM (organization 1), node 3 SSD (organization 2): both weigh 1.
        note_work(ext, &key(2));
        note_work(ext, &key(3));
        income(ext, 2_000_000_000_000);
        assert_eq!(paid_out(ext), vec![1_000_000_000_000, 1_000_000_000_000, 0]);

        // Refusals.
        noop(ext, Origin::Signed(acc(10)), attest(2, Some(StorageMedium::Nvm)), DispatchError::BadOrigin);
        noop(ext, Origin::Root, attest(99, Some(StorageMedium::Nvm)), err(Error::UnknownNode));
        noop(ext, Origin::Root, attest(2, None), err(Error::NotAttested));
        ATTESTATION_COUNT.put(ext, &ATTESTATIONS_MAX);
        assert_noop(ext, err(Error::TooManyAttestations), |ext| {
            dispatch(ext, Origin::Root, attest(2, Some(StorageMedium::Nvm)), &TestStore, run_inner)
        });
        ATTESTATION_COUNT.put(ext, &0);
        check(ext);

        // Attested: NVM for node 2; node 3 attested NVM but declares SSD: the lower, SSD.
        ok(ext, Origin::Root, attest(2, Some(StorageMedium::Nvm)));
        ok(ext, Origin::Root, attest(3, Some(StorageMedium::Nvm)));
        assert!(events(ext).contains(&Event::MediumAttested {
            node: key(2),
            org: 1,
            medium: Some(StorageMedium::Nvm)
        }));
        assert_eq!(ATTESTATION_COUNT.get(ext), 2);
        note_work(ext, &key(2));
        note_work(ext, &key(3));
        income(ext, 8_000_000_000_000);
        assert_eq!(paid_out(ext), vec![5_000_000_000_000, 3_000_000_000_000, 0]);
        assert!(events(ext).iter().any(|e| matches!(e, Event::PaidOut { org: 1, weight: 5, .. })));

        // Withdrawn: back to the lowest grade.
        ok(ext, Origin::Root, attest(2, None));
        assert_eq!(ATTESTATION_COUNT.get(ext), 1);
        note_work(ext, &key(2));
        note_work(ext, &key(3));
        income(ext, 4_000_000_000_000);
        assert_eq!(paid_out(ext), vec![1_000_000_000_000, 3_000_000_000_000, 0]);
    });
}

#[test]
fn a_full_period_says_so_instead_of_counting_silently() {
    new_ext().execute_with(|ext| {
        let full: Vec<NodeKey> = (0..WORKERS_MAX)
            .map(|i| {
                let mut k = [7u8; 32];
                k[..4].copy_from_slice(&i.to_le_bytes());
                k
            })
            .collect();
        PERIOD_NODES.put(ext, &BoundedVec::try_from_vec(full).unwrap());
        NODE_COUNT.put(ext, &WORKERS_MAX);
        check(ext);
        assert!(!work_due(ext, &key(1)), "no room: the node is not asked for a proof");
        note_work(ext, &key(1));
        assert!(events(ext).contains(&Event::WorkNotCounted { node: key(1) }));
        assert_eq!(PERIOD_NODES.get(ext).len() as u32, WORKERS_MAX);
        check(ext);
    });
}
