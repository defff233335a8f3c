use accord_pallet_balances as balances;
use accord_pallet_organizations::{self as organizations, Endpoint, GenesisNode, GenesisOrg};
use accord_pallet_organizations::{NodeRole, StorageMedium};
use accord_pallet_system as system;
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::{AccountId32, H256};
use accord_support::testing::{assert_noop, TestExternalities};
use accord_support::{DispatchError, DispatchResult, Ext, Hooks, ModuleError, Origin, PalletIndices};

use crate::*;

mod payout;

const INDEX: u8 = 11;
const PALLETS: PalletIndices =
    &[("System", 0), ("Timestamp", 1), ("Balances", 2), ("Oplog", 4), ("Organizations", 7), ("Metering", INDEX)];
const GENESIS: H256 = H256([1; 32]);
const UNIT: Balance = 1_000_000_000_000;
const NOW_MS: u64 = 1_000_000;

mod charging_and_deletion;

/// A stand-in for the runtime's calls: `pay_with` wraps one of these; it may name a payer
/// (as `delete_data` does).
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
struct Inner(Option<AccountId32>);

impl NamesPayer for Inner {
    fn named_payer(&self) -> Option<AccountId32> {
        self.0
    }
}

fn run_inner(_: &mut Ext<'_>, origin: Origin, _: Inner) -> DispatchResult {
    origin.ensure_signed().map(|_| ())
}

/// A store of business data for the tests: `data:<key>` -> (owner, bytes, instance); each
/// [`put_data`] is a new instance (`instances` counts them).
struct TestStore;

type Stored = (AccountId32, Vec<u8>, u64);

fn data_key(key: &[u8]) -> Vec<u8> {
    [b"data:".as_slice(), key].concat()
}

fn stored(ext: &Ext<'_>, key: &[u8]) -> Option<Stored> {
    ext.get(&data_key(key)).map(|v| codec::Decode::decode(&mut &v[..]).unwrap())
}

/// Creates data (a new instance) under `key`.
fn put_data(ext: &mut Ext<'_>, key: &str, owner: u8, bytes: &[u8]) {
    let instance = ext.get(b"instances").map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap())) + 1;
    ext.set(b"instances".to_vec(), instance.to_le_bytes().to_vec());
    ext.set(data_key(key.as_bytes()), codec::Encode::encode(&(acc(owner), bytes.to_vec(), instance)));
}

fn data_of(ext: &Ext<'_>, key: &str) -> Option<(AccountId32, Vec<u8>)> {
    stored(ext, key.as_bytes()).map(|(owner, bytes, _)| (owner, bytes))
}

impl DataStore for TestStore {
    fn instance(&self, ext: &Ext<'_>, target: DataTarget, key: &[u8]) -> Option<DataInstance> {
        // A contract's data has one instance, as in the runtime.
        let single = target.contract().is_some();
        stored(ext, key).map(|(owner, _, instance)| DataInstance { owner, instance: if single { 0 } else { instance } })
    }
    fn encoded_len(&self, ext: &Ext<'_>, _: DataTarget, key: &[u8]) -> Option<usize> {
        ext.get(&data_key(key)).map(|v| v.len())
    }
    fn take(&self, ext: &mut Ext<'_>, _: DataTarget, key: &[u8], _: AccountId32) -> Result<Vec<u8>, DispatchError> {
        let value = ext.get(&data_key(key)).ok_or(DispatchError::Other("no data"))?;
        ext.kill(data_key(key));
        Ok(value)
    }
    fn contract_slots(&self, _: &Ext<'_>, target: DataTarget, key: &[u8]) -> Vec<H256> {
        // A contract's piece of data takes one slot: its key, padded.
        let mut slot = [0u8; 32];
        slot[..key.len().min(32)].copy_from_slice(&key[..key.len().min(32)]);
        target.contract().map(|_| vec![H256(slot)]).unwrap_or_default()
    }
    fn restore(&self, ext: &mut Ext<'_>, _: DataTarget, key: &[u8], data: &[u8], _: AccountId32) -> DispatchResult {
        if ext.exists(&data_key(key)) {
            return Err(DispatchError::Other("exists"));
        }
        ext.set(data_key(key), data.to_vec());
        Ok(())
    }
}

fn acc(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn err(e: Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: INDEX, error: [e as u8, 0, 0, 0] })
}

fn balances_err(index: u8) -> DispatchError {
    DispatchError::Module(ModuleError { index: 2, error: [index, 0, 0, 0] })
}

fn events(ext: &Ext<'_>) -> Vec<Event> {
    accord_support::testing::pallet_events(ext, INDEX)
}

#[track_caller]
fn check(ext: &Ext<'_>) {
    Pallet::check_state(ext).unwrap();
}

#[track_caller]
fn ok(ext: &mut Ext<'_>, origin: Origin, call: Call<Inner>) {
    dispatch(ext, origin, call, &TestStore, run_inner).unwrap();
    check(ext);
}

#[track_caller]
fn noop(ext: &mut Ext<'_>, origin: Origin, call: Call<Inner>, error: DispatchError) {
    assert_noop(ext, error, |ext| dispatch(ext, origin, call, &TestStore, run_inner));
    check(ext);
}

fn text(s: &str) -> Text {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn issuer() -> Ed25519Pair {
    Ed25519Pair::from_seed(&[42; 32])
}

fn node(seed: u8, medium: StorageMedium) -> GenesisNode {
    GenesisNode {
        key: Ed25519Pair::from_seed(&[seed; 32]).public(),
        address: Endpoint {
            host: BoundedVec::try_from_vec(format!("10.0.0.{seed}").into_bytes()).unwrap(),
            port: 30333,
        },
        role: NodeRole::Observer,
        medium,
    }
}

/// Accounts 1..=3 with 100 units each, the platform account; organization 1 (admin 10) runs
/// an HDD and an NVM node, organization 2 (admin 20) an SSD node, organization 3 (admin 30)
/// none; an issuer registered.
fn new_ext() -> TestExternalities {
    let mut t = TestExternalities::new(PALLETS);
    t.execute_with(|ext| {
        system::build_genesis(ext);
        accord_pallet_timestamp::build_genesis(ext, NOW_MS);
        let mut endowed: Vec<(AccountId32, Balance)> =
            [1, 2, 3, 10, 20, 30].iter().map(|i| (acc(*i), 100 * UNIT)).collect();
        endowed.push((PLATFORM, balances::EXISTENTIAL_DEPOSIT));
        balances::GenesisConfig { balances: endowed }.build(ext).unwrap();
        let org = |name: &str, admin: u8, nodes: Vec<GenesisNode>| GenesisOrg {
            nodes,
            ..GenesisOrg::with_admin(name, acc(admin))
        };
        let orgs = vec![
            org("One", 10, vec![node(1, StorageMedium::Hdd), node(2, StorageMedium::Nvm)]),
            org("Two", 20, vec![node(3, StorageMedium::Ssd)]),
            org("Three", 30, vec![]),
        ];
        organizations::build_genesis(ext, &orgs, false).unwrap();
        build_genesis(ext);
        system::initialize(ext, 1, GENESIS);
        Pallet::on_initialize(ext, 1);
        ok(ext, Origin::Root, Call::register_issuer { key: issuer().public(), name: text("Bank") });
    });
    t
}

fn cert_of(holder: u8, amount: Balance, serial: &str, expiry_ms: u64) -> Certificate {
    Certificate { holder: acc(holder), amount, asset: text("CNY"), serial: text(serial), expiry_ms }
}

fn exchange(certificate: Certificate) -> Call<Inner> {
    let signature = issuer().sign(&certificate_payload(&GENESIS, &certificate));
    Call::exchange { certificate, issuer: issuer().public(), signature }
}

fn free(ext: &Ext<'_>, who: &AccountId32) -> Balance {
    balances::free_balance(ext, who)
}

#[test]
fn a_certificate_credits_its_holder_once_with_its_provenance() {
    new_ext().execute_with(|ext| {
        let before = balances::TOTAL_ISSUANCE.get(ext);
        ok(ext, Origin::Signed(acc(1)), exchange(cert_of(5, 50 * UNIT, "S-1", NOW_MS + 1)));
        assert_eq!(free(ext, &acc(5)), 50 * UNIT, "a new holder's account is created");
        assert_eq!(balances::TOTAL_ISSUANCE.get(ext), before + 50 * UNIT);
        let credit = CREDITS.get(ext, &issuer().public(), &text("S-1")).unwrap();
        assert_eq!((credit.holder, credit.amount, credit.asset), (acc(5), 50 * UNIT, text("CNY")));
        assert_eq!(ISSUERS.get(ext, &issuer().public()).unwrap().credited, 50 * UNIT);
        assert_eq!(TOTAL_CREDITED.get(ext), 50 * UNIT);
        assert!(events(ext).contains(&Event::Exchanged {
            issuer: issuer().public(),
            serial: text("S-1"),
            holder: acc(5),
            amount: 50 * UNIT
        }));

        // Replayed, forged, expired, unknown issuer, zero, below a new account's deposit.
        let signed = Origin::Signed(acc(2));
        noop(ext, signed.clone(), exchange(cert_of(5, 50 * UNIT, "S-1", NOW_MS + 1)), err(Error::SerialUsed));
        let Call::exchange { mut certificate, issuer: key, signature } = exchange(cert_of(5, UNIT, "S-2", NOW_MS + 1))
        else {
            unreachable!()
        };
        certificate.amount = 1_000 * UNIT;
        noop(ext, signed.clone(), Call::exchange { certificate, issuer: key, signature }, err(Error::BadCertificate));
        noop(ext, signed.clone(), exchange(cert_of(5, UNIT, "S-3", NOW_MS - 1)), err(Error::CertificateExpired));
        noop(ext, signed.clone(), exchange(cert_of(5, 0, "S-4", NOW_MS + 1)), err(Error::ZeroAmount));
        noop(ext, signed.clone(), exchange(cert_of(6, 1, "S-5", NOW_MS + 1)), balances_err(3));
        let stranger = Ed25519Pair::from_seed(&[7; 32]);
        let cert = cert_of(5, UNIT, "S-6", NOW_MS + 1);
        let signature = stranger.sign(&certificate_payload(&GENESIS, &cert));
        let call = Call::exchange { certificate: cert, issuer: stranger.public(), signature };
        noop(ext, signed, call, err(Error::UnknownIssuer));
        noop(ext, Origin::Root, exchange(cert_of(5, UNIT, "S-7", NOW_MS + 1)), DispatchError::BadOrigin);
    });
}

#[test]
fn redemptions_burn_up_to_what_the_issuer_credited() {
    new_ext().execute_with(|ext| {
        ok(ext, Origin::Signed(acc(1)), exchange(cert_of(1, 10 * UNIT, "S-1", NOW_MS + 1)));
        let key = issuer().public();
        let issuance = balances::TOTAL_ISSUANCE.get(ext);
        ok(ext, Origin::Signed(acc(1)), Call::redeem { issuer: key, amount: 4 * UNIT });
        assert_eq!(balances::TOTAL_ISSUANCE.get(ext), issuance - 4 * UNIT);
        assert_eq!(REDEMPTIONS.get(ext, &1).unwrap().amount, 4 * UNIT);
        assert!(events(ext).contains(&Event::RedemptionRequested {
            id: 1,
            who: acc(1),
            issuer: key,
            amount: 4 * UNIT
        }));
        noop(
            ext,
            Origin::Signed(acc(1)),
            Call::redeem { issuer: key, amount: 7 * UNIT },
            err(Error::ExceedsIssuerCredit),
        );
        noop(ext, Origin::Signed(acc(1)), Call::redeem { issuer: key, amount: 0 }, err(Error::ZeroAmount));
        noop(ext, Origin::Signed(acc(1)), Call::redeem { issuer: [9; 32], amount: 1 }, err(Error::UnknownIssuer));
        ok(ext, Origin::Signed(acc(1)), exchange(cert_of(2, 1_000 * UNIT, "S-2", NOW_MS + 1)));
        noop(ext, Origin::Signed(acc(1)), Call::redeem { issuer: key, amount: 500 * UNIT }, balances_err(2));
        noop(ext, Origin::Root, Call::redeem { issuer: key, amount: 1 }, DispatchError::BadOrigin);
        // Conservation: what the issuer credited minus what was redeemed is in accounts.
        assert_eq!(TOTAL_CREDITED.get(ext) - TOTAL_REDEEMED.get(ext), 1_006 * UNIT);
    });
}

#[test]
fn governance_values_are_root_only_and_checked() {
    new_ext().execute_with(|ext| {
        let signed = Origin::Signed(acc(1));
        let key = issuer().public();
        noop(ext, Origin::Root, Call::register_issuer { key, name: text("Again") }, err(Error::IssuerExists));
        noop(ext, signed.clone(), Call::register_issuer { key: [1; 32], name: text("X") }, DispatchError::BadOrigin);
        for i in 1..ISSUERS_MAX {
            ok(ext, Origin::Root, Call::register_issuer { key: [i as u8; 32], name: text("X") });
        }
        noop(ext, Origin::Root, Call::register_issuer { key: [200; 32], name: text("X") }, err(Error::TooManyIssuers));
        ok(ext, Origin::Root, Call::remove_issuer { key: [1; 32] });
        noop(ext, Origin::Root, Call::remove_issuer { key: [1; 32] }, err(Error::UnknownIssuer));
        noop(ext, signed.clone(), Call::remove_issuer { key }, DispatchError::BadOrigin);

        let prices = Prices { compute_per_ns: 7, ..DEFAULT_PRICES };
        noop(ext, signed.clone(), Call::set_prices { prices }, DispatchError::BadOrigin);
        ok(ext, Origin::Root, Call::set_prices { prices });
        assert_eq!(current_prices(ext), (2, prices));
        assert_eq!(PRICES.get(ext, &1), Some(DEFAULT_PRICES), "every version is kept");

        let prepay =
            |storage_estimate| Call::set_mode { class: 5, mode: Some(ChargingMode::Prepay { storage_estimate }) };
        noop(ext, Origin::Root, prepay(STORAGE_ESTIMATE_MAX + 1), err(Error::BadMode));
        noop(ext, signed.clone(), prepay(10), DispatchError::BadOrigin);
        ok(ext, Origin::Root, prepay(10));
        assert_eq!(mode_of(ext, 5), ChargingMode::Prepay { storage_estimate: 10 });
        ok(ext, Origin::Root, Call::set_mode { class: 5, mode: None });
        assert_eq!(mode_of(ext, 5), DEFAULT_MODE);

        let rules = |period, distribution| Call::set_payout_rules { rules: PayoutRules { period, distribution } };
        let none = Distribution::ByMedium { hdd: 0, ssd: 0, nvm: 0 };
        noop(ext, Origin::Root, rules(0, Distribution::Equal), err(Error::BadPayoutRules));
        noop(ext, Origin::Root, rules(PERIOD_MAX + 1, Distribution::Equal), err(Error::BadPayoutRules));
        noop(ext, Origin::Root, rules(10, none), err(Error::BadPayoutRules));
        noop(ext, signed, rules(10, Distribution::Equal), DispatchError::BadOrigin);
        ok(ext, Origin::Root, rules(10, Distribution::Equal));
        assert_eq!(payout_rules(ext).period, 10);
    });
}

#[test]
fn payers_approve_signers_and_allowances_bound_what_they_pay() {
    new_ext().execute_with(|ext| {
        noop(
            ext,
            Origin::Signed(acc(1)),
            Call::approve_payer { signer: acc(1), allowance: None },
            err(Error::SelfApproval),
        );
        noop(ext, Origin::Signed(acc(1)), Call::revoke_payer { signer: acc(2) }, err(Error::NotApproved));
        let pay_with = |payer| Call::pay_with { payer, call: Box::new(Inner(None)) };
        noop(ext, Origin::Signed(acc(2)), pay_with(acc(1)), err(Error::NotApproved));
        ok(ext, Origin::Signed(acc(1)), Call::approve_payer { signer: acc(2), allowance: Some(UNIT) });
        ok(ext, Origin::Signed(acc(2)), pay_with(acc(1)));
        noop(ext, Origin::Root, pay_with(acc(1)), DispatchError::BadOrigin);

        // The charge is the payer's, within the allowance, and a refund restores it.
        let usage = attempt_usage(ext, 1_000_000, 100);
        let charge = Charge::new(ext, acc(2), acc(1), 2, (2, 3), usage, 0);
        let (payer_before, signer_before) = (free(ext, &acc(1)), free(ext, &acc(2)));
        assert!(withdraw(ext, &charge, UNIT / 2));
        assert!(!withdraw(ext, &charge, UNIT), "beyond the allowance left");
        assert_eq!(APPROVALS.get(ext, &acc(1), &acc(2)).unwrap().allowance, Some(UNIT / 2));
        refund(ext, &charge, UNIT / 4);
        assert_eq!(APPROVALS.get(ext, &acc(1), &acc(2)).unwrap().allowance, Some(3 * UNIT / 4));
        assert_eq!(free(ext, &acc(1)), payer_before - UNIT / 4);
        assert_eq!(free(ext, &acc(2)), signer_before);
        assert_eq!(BLOCK_INCOME.get(ext), UNIT / 4);
        ok(ext, Origin::Signed(acc(1)), Call::revoke_payer { signer: acc(2) });
        assert!(!withdraw(ext, &charge, 1), "no approval left");
    });
}

#[test]
fn a_fee_is_the_sum_of_price_times_usage() {
    let prices = Prices {
        compute_per_ns: 3,
        network_per_byte: 5,
        storage_per_byte: 7,
        backup_per_byte: 11,
        backup_per_byte_day: 13,
        quota_per_byte: 17,
    };
    let usage = |ref_time, length, nodes, storage_added, backup_bytes, backup_byte_days| Usage {
        ref_time,
        length,
        nodes,
        storage_added,
        backup_bytes,
        backup_byte_days,
    };
    let table = [
        (usage(0, 0, 1, 0, 0, 0), 0, 0),
        (usage(1_000_000, 0, 1, 0, 0, 0), 0, 3 * 1_000),
        (usage(999, 0, 1, 0, 0, 0), 0, 0),
        (usage(0, 100, 1, 0, 0, 0), 0, 5 * 100),
        (usage(0, 100, 4, 0, 0, 0), 0, 5 * 400),
        (usage(0, 100, 0, 0, 0, 0), 0, 5 * 100),
        (usage(0, 0, 1, 80, 0, 0), 0, 7 * 80),
        (usage(0, 0, 1, 0, 1_000, 30_000), 0, 11 * 1_000 + 13 * 30_000),
        (usage(2_000_000, 150, 3, 80, 10, 20), 9, 3 * 2_000 + 5 * 450 + 7 * 80 + 11 * 10 + 13 * 20 + 9),
    ];
    for (u, tip, expected) in table {
        assert_eq!(fee_of(&prices, &u, tip).total(), expected, "{u:?}");
    }
    let huge = usage(u64::MAX, u32::MAX, u32::MAX, u64::MAX, u64::MAX, u64::MAX);
    assert_eq!(fee_of(&Prices { compute_per_ns: Balance::MAX, ..prices }, &huge, 0).total(), Balance::MAX);
}

#[test]
fn the_network_fee_grows_with_the_node_count_and_thresholds_follow_the_mode() {
    new_ext().execute_with(|ext| {
        for seed in 1..=3u8 {
            note_work(ext, &Ed25519Pair::from_seed(&[seed; 32]).public());
        }
        assert_eq!(NODE_COUNT.get(ext), 3, "the nodes that did work");
        let three = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        NODE_COUNT.put(ext, &6);
        let six = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        assert_eq!(six.fee_with(0).network, 2 * three.fee_with(0).network, "twice the nodes, twice the network fee");
        // Postpay (the default): nothing before, the attempt to be admitted.
        assert_eq!((six.precharge(), six.required(ext)), (0, six.attempt_fee()));
        ok(ext, Origin::Root, Call::set_mode { class: 2, mode: Some(ChargingMode::Prepay { storage_estimate: 100 }) });
        let prepay = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        assert_eq!(prepay.precharge(), prepay.attempt_fee() + 100 * DEFAULT_PRICES.storage_per_byte);
        let mode = |threshold| Some(ChargingMode::Admission(threshold));
        ok(ext, Origin::Root, Call::set_mode { class: 2, mode: mode(Threshold::Average) });
        let average = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        assert_eq!(average.required(ext), average.attempt_fee(), "no history yet: the attempt");
        note_actual(ext, &average, 10 * UNIT, 0, true);
        note_actual(ext, &average, 20 * UNIT, 0, true);
        assert_eq!(average.required(ext), 15 * UNIT);
        assert_eq!(
            CALL_STATS.get(ext, &(2, 3)),
            CallStats { count: 2, total: 30 * UNIT, min_success: Some(10 * UNIT) }
        );
        ok(ext, Origin::Root, Call::set_mode { class: 2, mode: mode(Threshold::Exact) });
        let exact = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        assert_eq!(exact.required(ext), exact.attempt_fee(), "the pool adds the dry run");
        ok(ext, Origin::Root, Call::set_mode { class: 2, mode: mode(Threshold::Minimum) });
        let minimum = Charge::new(ext, acc(1), acc(1), 2, (2, 4), attempt_usage(ext, 1_000_000, 100), 7);
        assert_eq!(minimum.required(ext), minimum.attempt_fee(), "no success yet: the attempt");
        assert_eq!(minimum.attempt_fee(), exact.attempt_fee() + 7, "the tip counts");
    });
}

#[test]
fn income_is_paid_out_to_node_operators_and_nothing_is_created_or_lost() {
    new_ext().execute_with(|ext| {
        let admins = [acc(10), acc(20), acc(30)];
        let before: Vec<Balance> = admins.iter().map(|a| free(ext, a)).collect();
        let issuance = balances::TOTAL_ISSUANCE.get(ext);
        let charge = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 0, 0), 0);
        assert!(withdraw(ext, &charge, 1_000_000_000_001));
        Pallet::on_finalize(ext, 1);
        assert_eq!(balances::TOTAL_ISSUANCE.get(ext), issuance, "the fee moved to the platform account");
        assert_eq!(TOTAL_INCOME.get(ext), 1_000_000_000_001);
        check(ext);
        // All three nodes did work in the period.
        let work = |ext: &mut Ext<'_>| {
            for seed in 1..=3u8 {
                note_work(ext, &Ed25519Pair::from_seed(&[seed; 32]).public());
            }
        };
        work(ext);
        // Equally per node: 2 of 3 shares to organization 1, 1 to organization 2, none to 3.
        let (available, paid) = pay_out(ext);
        assert_eq!(available, 1_000_000_000_001);
        let gains: Vec<Balance> = admins.iter().zip(&before).map(|(a, b)| free(ext, a) - b).collect();
        assert_eq!(gains, vec![666_666_666_667, 333_333_333_333, 0]);
        assert_eq!(paid, gains.iter().sum::<Balance>());
        assert!(events(ext).contains(&Event::PayoutClosed { available, paid, remainder: 1 }));
        assert_eq!(
            TOTAL_INCOME.get(ext),
            TOTAL_PAID_OUT.get(ext) + free(ext, &PLATFORM) - balances::EXISTENTIAL_DEPOSIT
        );
        check(ext);

        // By medium (attested): HDD 1 + NVM 5 for organization 1, SSD 3 for organization 2.
        let by_medium = Distribution::ByMedium { hdd: 1, ssd: 3, nvm: 5 };
        ok(ext, Origin::Root, Call::set_payout_rules { rules: PayoutRules { period: 5, distribution: by_medium } });
        for (seed, medium) in [(2u8, StorageMedium::Nvm), (3, StorageMedium::Ssd)] {
            let node = Ed25519Pair::from_seed(&[seed; 32]).public();
            ok(ext, Origin::Root, Call::attest_medium { node, medium: Some(medium) });
        }
        work(ext);
        assert!(withdraw(ext, &charge, 9_000_000_000_000 - 1));
        Pallet::on_finalize(ext, 1);
        let before: Vec<Balance> = admins.iter().map(|a| free(ext, a)).collect();
        // Block 5 is a payout block: the hook pays.
        system::initialize(ext, 5, H256([5; 32]));
        Pallet::on_initialize(ext, 5);
        let gains: Vec<Balance> = admins.iter().zip(&before).map(|(a, b)| free(ext, a) - b).collect();
        assert_eq!(gains, vec![6_000_000_000_000, 3_000_000_000_000, 0], "the remainder of 1 joined this period");
        assert!(events(ext).iter().any(|e| matches!(e, Event::PaidOut { org: 1, weight: 6, .. })));
        assert_eq!(free(ext, &PLATFORM), balances::EXISTENTIAL_DEPOSIT);
        assert_eq!(TOTAL_INCOME.get(ext), TOTAL_PAID_OUT.get(ext));
        check(ext);
    });
}

fn dkey(s: &str) -> DataKey {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn delete(key: &str, mode: DeletionMode, backup_days: Option<u32>) -> Call<Inner> {
    Call::delete_data { target: DataTarget::Records, key: dkey(key), mode, backup_days, payer: None }
}

fn recover(key: &str) -> Call<Inner> {
    Call::recover_data { target: DataTarget::Records, key: dkey(key) }
}

fn set_day(ext: &mut Ext<'_>, day: u64) {
    accord_pallet_timestamp::NOW.put(ext, &(day * DAY_MS + 1));
}

#[test]
fn only_owners_and_their_deleters_delete_and_permanent_deletion_leaves_nothing() {
    new_ext().execute_with(|ext| {
        put_data(ext, "a", 1, b"state-a");
        noop(ext, Origin::Signed(acc(2)), delete("a", DeletionMode::Permanent, None), err(Error::NotDeleter));
        noop(ext, Origin::Signed(acc(1)), delete("nope", DeletionMode::Permanent, None), err(Error::UnknownData));
        noop(ext, Origin::Root, delete("a", DeletionMode::Permanent, None), DispatchError::BadOrigin);
        let declare = |who, allowed| Call::set_deleter { target: DataTarget::Records, key: dkey("a"), who, allowed };
        noop(ext, Origin::Signed(acc(2)), declare(acc(2), true), err(Error::NotOwner));
        ok(ext, Origin::Signed(acc(1)), declare(acc(2), true));
        for i in 1..DELETERS_MAX {
            ok(ext, Origin::Signed(acc(1)), declare(acc(100 + i as u8), true));
        }
        noop(ext, Origin::Signed(acc(1)), declare(acc(99), true), err(Error::TooManyDeleters));
        let unknown = Call::set_deleter { target: DataTarget::Records, key: dkey("x"), who: acc(2), allowed: true };
        noop(ext, Origin::Signed(acc(1)), unknown, err(Error::UnknownData));
        // A payer that did not approve the deleter.
        let paid = Call::delete_data {
            target: DataTarget::Records,
            key: dkey("a"),
            mode: DeletionMode::Permanent,
            backup_days: None,
            payer: Some(acc(3)),
        };
        noop(ext, Origin::Signed(acc(2)), paid, err(Error::NotApproved));
        ok(ext, Origin::Signed(acc(2)), delete("a", DeletionMode::Permanent, None));
        assert_eq!(data_of(ext, "a"), None);
        assert!(
            DELETERS.iter_prefix1(ext, &(DataTarget::Records, dkey("a"), 1), 1).is_empty(),
            "deleters go with the data"
        );
        assert_eq!(take_deletion_usage(ext), Some((0, 0)), "a permanent deletion moves nothing to the backup");
        noop(ext, Origin::Signed(acc(1)), recover("a"), err(Error::NoBackup));
        assert!(events(ext).contains(&Event::DataDeleted {
            target: DataTarget::Records,
            key: dkey("a"),
            mode: DeletionMode::Permanent,
            by: acc(2)
        }));
    });
}

#[test]
fn a_backup_is_priced_recovered_before_expiry_and_swept_after_it() {
    new_ext().execute_with(|ext| {
        set_day(ext, 100);
        put_data(ext, "b", 1, b"state-b");
        noop(ext, Origin::Signed(acc(1)), delete("b", DeletionMode::Backup, Some(0)), err(Error::BadBackupDays));
        let too_long = delete("b", DeletionMode::Backup, Some(BACKUP_DAYS_MAX + 1));
        noop(ext, Origin::Signed(acc(1)), too_long, err(Error::BadBackupDays));
        ok(ext, Origin::Signed(acc(1)), delete("b", DeletionMode::Backup, Some(10)));
        let backup = BACKUPS.get(ext, &DataTarget::Records, &dkey("b")).unwrap();
        assert_eq!((backup.owner, backup.days, backup.expires_day), (acc(1), 10, 110));
        let bytes = backup.data.len() as u64;
        assert_eq!(take_deletion_usage(ext), Some((bytes, bytes * 10)));
        assert_eq!(EXPIRY_DAYS.get(ext).as_slice(), &[110]);
        assert_eq!(data_of(ext, "b"), None);
        // The key is used again: a second backup of it waits for the first.
        put_data(ext, "b", 1, b"again");
        noop(ext, Origin::Signed(acc(1)), delete("b", DeletionMode::Backup, None), err(Error::BackupExists));
        noop(ext, Origin::Signed(acc(1)), recover("b"), DispatchError::Other("exists"));
        ok(ext, Origin::Signed(acc(1)), delete("b", DeletionMode::Permanent, None));
        noop(ext, Origin::Signed(acc(2)), recover("b"), err(Error::NotDeleter));
        set_day(ext, 109);
        ok(ext, Origin::Signed(acc(1)), recover("b"));
        assert_eq!(data_of(ext, "b"), Some((acc(1), b"state-b".to_vec())));
        assert!(EXPIRY_DAYS.get(ext).is_empty() && EXPIRING.iter_prefix1(ext, &110, 1).is_empty());

        // A backup with the default days (set by root) expires by itself.
        noop(ext, Origin::Root, Call::set_backup_days { days: 0 }, err(Error::BadBackupDays));
        noop(ext, Origin::Signed(acc(1)), Call::set_backup_days { days: 2 }, DispatchError::BadOrigin);
        ok(ext, Origin::Root, Call::set_backup_days { days: 2 });
        ok(ext, Origin::Signed(acc(1)), delete("b", DeletionMode::Backup, None));
        assert_eq!(BACKUPS.get(ext, &DataTarget::Records, &dkey("b")).unwrap().expires_day, 111);
        set_day(ext, 111);
        noop(ext, Origin::Signed(acc(1)), recover("b"), err(Error::BackupExpired));
        Pallet::on_initialize(ext, 2);
        check(ext);
        assert!(events(ext).contains(&Event::BackupExpired { target: DataTarget::Records, key: dkey("b") }));
        noop(ext, Origin::Signed(acc(1)), recover("b"), err(Error::NoBackup));
        assert!(EXPIRY_DAYS.get(ext).is_empty());
    });
}

#[test]
fn the_expiry_sweep_is_bounded_per_block_and_resumes() {
    new_ext().execute_with(|ext| {
        set_day(ext, 10);
        let count = EXPIRIES_PER_BLOCK + 6;
        for i in 0..count {
            put_data(ext, &format!("k{i}"), 1, b"x");
            ok(ext, Origin::Signed(acc(1)), delete(&format!("k{i}"), DeletionMode::Backup, Some(1)));
        }
        set_day(ext, 11);
        Pallet::on_initialize(ext, 2);
        let expired = |ext: &Ext<'_>| events(ext).iter().filter(|e| matches!(e, Event::BackupExpired { .. })).count();
        assert_eq!(expired(ext) as u32, EXPIRIES_PER_BLOCK, "at most this many per block");
        assert_eq!(EXPIRING.iter_prefix1(ext, &11, 100).len(), 6, "the rest waits");
        system::initialize(ext, 3, H256([3; 32]));
        Pallet::on_initialize(ext, 3);
        assert_eq!(expired(ext) as u32, count, "the next block takes the rest");
        assert!(EXPIRY_DAYS.get(ext).is_empty());
    });
}

#[test]
fn quotas_are_bought_and_bind_the_owners_writes() {
    new_ext().execute_with(|ext| {
        noop(ext, Origin::Signed(acc(1)), Call::buy_quota { bytes: 0 }, err(Error::ZeroAmount));
        noop(ext, Origin::Signed(acc(1)), Call::buy_quota { bytes: u64::MAX / 2 }, err(Error::CannotPayQuota));
        noop(ext, Origin::Root, Call::buy_quota { bytes: 10 }, DispatchError::BadOrigin);
        let before = free(ext, &acc(1));
        ok(ext, Origin::Signed(acc(1)), Call::buy_quota { bytes: 100 });
        assert_eq!(free(ext, &acc(1)), before - 100 * DEFAULT_PRICES.quota_per_byte);
        assert_eq!(BLOCK_INCOME.get(ext), 100 * DEFAULT_PRICES.quota_per_byte, "paid into the platform's income");
        assert_eq!(QUOTAS.get(ext, &acc(1)), Quota { limit: 100, used: 0 });
        assert!(events(ext).iter().any(|e| matches!(e, Event::QuotaBought { bytes: 100, limit: 100, .. })));

        // Within the quota, then beyond it: refused, nothing changed.
        data_resized(ext, None, Some((acc(1), 60))).unwrap();
        assert_noop(ext, err(Error::QuotaExceeded), |ext| data_resized(ext, None, Some((acc(1), 41))));
        assert_noop(ext, err(Error::QuotaExceeded), |ext| data_resized(ext, Some((acc(1), 60)), Some((acc(1), 101))));
        // Shrinking never fails; deleting gives quota back.
        data_resized(ext, Some((acc(1), 60)), Some((acc(1), 20))).unwrap();
        data_resized(ext, Some((acc(1), 20)), None).unwrap();
        assert_eq!(QUOTAS.get(ext, &acc(1)).used, 0);
        // An owner without quota is tracked but not limited, until quotas are required.
        data_resized(ext, None, Some((acc(2), 1_000))).unwrap();
        assert_eq!(QUOTAS.get(ext, &acc(2)), Quota { limit: 0, used: 1_000 });
        noop(ext, Origin::Signed(acc(1)), Call::set_quota_required { required: true }, DispatchError::BadOrigin);
        ok(ext, Origin::Root, Call::set_quota_required { required: true });
        assert_noop(ext, err(Error::QuotaExceeded), |ext| data_resized(ext, None, Some((acc(3), 1))));
        // A transfer moves the bytes to the new owner, whose quota must hold them.
        data_resized(ext, None, Some((acc(1), 50))).unwrap();
        assert_noop(ext, err(Error::QuotaExceeded), |ext| data_resized(ext, Some((acc(1), 50)), Some((acc(3), 50))));
        data_resized(ext, Some((acc(2), 1_000)), Some((acc(1), 50))).unwrap();
        assert_eq!((QUOTAS.get(ext, &acc(1)).used, QUOTAS.get(ext, &acc(2)).used), (100, 0));
    });
}

#[test]
fn anyone_buys_quota_for_another_owner() {
    new_ext().execute_with(|ext| {
        let for_9 = |bytes| Call::buy_quota_for { owner: acc(9), bytes };
        noop(ext, Origin::Signed(acc(1)), for_9(0), err(Error::ZeroAmount));
        noop(ext, Origin::Signed(acc(1)), for_9(u64::MAX / 2), err(Error::CannotPayQuota));
        noop(ext, Origin::None, for_9(10), DispatchError::BadOrigin);
        let (before_1, before_9) = (free(ext, &acc(1)), free(ext, &acc(9)));
        ok(ext, Origin::Signed(acc(1)), for_9(64));
        ok(ext, Origin::Signed(acc(2)), for_9(32));
        assert_eq!(free(ext, &acc(1)), before_1 - 64 * DEFAULT_PRICES.quota_per_byte, "the payer pays");
        assert_eq!(free(ext, &acc(9)), before_9);
        assert_eq!(QUOTAS.get(ext, &acc(9)), Quota { limit: 96, used: 0 });
        assert_eq!(QUOTAS.get(ext, &acc(1)), Quota::default());
        let bought = Event::QuotaBoughtFor {
            payer: acc(2),
            owner: acc(9),
            bytes: 32,
            paid: 32 * DEFAULT_PRICES.quota_per_byte,
            limit: 96,
        };
        assert!(events(ext).contains(&bought));
        assert_eq!(QUOTA_GIFTS.get(ext, &acc(9)), 96);
        // A store that counts usage itself asks before it grows. Quota others bought does
        // not bind: one byte bought for someone must not freeze its data.
        assert_eq!(check_usage(ext, &acc(9), 1_000), Ok(()), "gifts alone do not bind");
        assert_eq!(check_usage(ext, &acc(8), 1_000), Ok(()), "no quota, none required: unlimited");
        QUOTA_REQUIRED.put(ext, &true);
        assert_eq!(check_usage(ext, &acc(9), 96), Ok(()));
        assert_eq!(check_usage(ext, &acc(9), 97), Err(96), "required: the gifts are room");
        assert_eq!(check_usage(ext, &acc(8), 1), Err(0));
        QUOTA_REQUIRED.put(ext, &false);
        // The owner's own purchase makes its quota bind, gifts included.
        balances::mint(ext, &acc(9), 10 * UNIT).unwrap();
        ok(ext, Origin::Signed(acc(9)), Call::buy_quota { bytes: 4 });
        assert_eq!(check_usage(ext, &acc(9), 100), Ok(()));
        assert_eq!(check_usage(ext, &acc(9), 101), Err(100));
    });
}

#[test]
fn backups_are_bounded_in_size_and_per_day() {
    new_ext().execute_with(|ext| {
        set_day(ext, 50);
        put_data(ext, "big", 1, &vec![0u8; BACKUP_LEN_MAX as usize + 1]);
        noop(ext, Origin::Signed(acc(1)), delete("big", DeletionMode::Backup, Some(1)), err(Error::BackupTooLarge));
        // A day whose schedule is full refuses (it never moves the expiry to a later day).
        EXPIRY_SEQ.insert(ext, &51, &EXPIRIES_PER_DAY_MAX);
        EXPIRY_DAYS.put(ext, &BoundedVec::try_from_vec(vec![51]).unwrap());
        put_data(ext, "last", 1, b"x");
        noop(ext, Origin::Signed(acc(1)), delete("last", DeletionMode::Backup, Some(1)), err(Error::TooManyBackups));
        ok(ext, Origin::Signed(acc(1)), delete("last", DeletionMode::Backup, Some(2)));
        assert_eq!(BACKUPS.get(ext, &DataTarget::Records, &dkey("last")).unwrap().expires_day, 52);
        ok(ext, Origin::Signed(acc(1)), recover("last"));
        // So does a full day list, for a day not in it.
        let full: Vec<u32> = (1_000..1_000 + EXPIRY_DAYS_MAX).collect();
        for day in &full {
            EXPIRY_SEQ.insert(ext, day, &1);
        }
        EXPIRY_DAYS.put(ext, &BoundedVec::try_from_vec(full).unwrap());
        noop(ext, Origin::Signed(acc(1)), delete("last", DeletionMode::Backup, Some(3)), err(Error::TooManyBackups));
        // A permanent deletion needs no slot.
        ok(ext, Origin::Signed(acc(1)), delete("last", DeletionMode::Permanent, None));
        noop(ext, Origin::Root, Call::approve_payer { signer: acc(2), allowance: None }, DispatchError::BadOrigin);
        noop(ext, Origin::Root, Call::revoke_payer { signer: acc(2) }, DispatchError::BadOrigin);
    });
}

#[test]
fn rights_over_contract_data_end_when_the_contract_zeroes_its_slots() {
    new_ext().execute_with(|ext| {
        let contract = accord_primitives::H160([7; 20]);
        let target = DataTarget::Contract(contract);
        put_data(ext, "k", 1, b"state-k");
        let declare = |who, allowed| Call::set_deleter { target, key: dkey("k"), who, allowed };
        ok(ext, Origin::Signed(acc(1)), declare(acc(2), true));
        let slot = TestStore.contract_slots(ext, target, b"k")[0];
        assert!(SLOT_RIGHTS.contains_key(ext, &contract, &slot), "the slot is marked");
        // The contract's own code zeroes the slot: the data is gone, and with it the right,
        // even if the contract writes the key again.
        contract_slots_zeroed(ext, &contract, &[slot]);
        assert!(!SLOT_RIGHTS.contains_key(ext, &contract, &slot));
        assert!(SLOT_ENDED.get(ext, &contract, &slot).is_some());
        // An unmarked slot zeroed costs a read and writes nothing.
        contract_slots_zeroed(ext, &contract, &[H256([9; 32])]);
        assert!(SLOT_ENDED.get(ext, &contract, &H256([9; 32])).is_none());
        put_data(ext, "k", 1, b"state-k2");
        let del =
            Call::delete_data { target, key: dkey("k"), mode: DeletionMode::Permanent, backup_days: None, payer: None };
        noop(ext, Origin::Signed(acc(2)), del.clone(), err(Error::NotDeleter));

        assert!(DELETERS.contains_key(ext, &(target, dkey("k"), 0), &acc(2)), "ended, not yet dropped");
        // The contract declares through the precompile: the same rights, its creator the owner.
        declare_by_contract(ext, contract, dkey("k"), &[slot], acc(1), acc(3), true).unwrap();
        assert!(!DELETERS.contains_key(ext, &(target, dkey("k"), 0), &acc(2)), "dropped when rights were written");
        assert!(events(ext).contains(&Event::DeleterSet { target, key: dkey("k"), who: acc(3), allowed: true }));
        // A backup keeps the right; a recovery indexes it again.
        let backup =
            Call::delete_data { target, key: dkey("k"), mode: DeletionMode::Backup, backup_days: Some(3), payer: None };
        ok(ext, Origin::Signed(acc(3)), backup);
        contract_slots_zeroed(ext, &contract, &[slot]);
        ok(ext, Origin::Signed(acc(3)), Call::recover_data { target, key: dkey("k") });
        assert!(SLOT_RIGHTS.contains_key(ext, &contract, &slot), "marked again with the recovered right");
        ok(ext, Origin::Signed(acc(3)), del);
        assert_eq!(data_of(ext, "k"), None);
        // Revoking and the bound; a right that ended does not count (acc(2)'s is stale).
        put_data(ext, "k", 1, b"state-k3");
        declare_by_contract(ext, contract, dkey("k"), &[slot], acc(1), acc(3), false).unwrap();
        for i in 0..DELETERS_MAX {
            declare_by_contract(ext, contract, dkey("k"), &[slot], acc(1), acc(100 + i as u8), true).unwrap();
        }
        let full = |ext: &mut Ext<'_>| declare_by_contract(ext, contract, dkey("k"), &[slot], acc(1), acc(99), true);
        assert_noop(ext, err(Error::TooManyDeleters), full);
    });
}
