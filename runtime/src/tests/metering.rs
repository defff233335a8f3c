//! Metering in the assembled runtime: every signed extrinsic priced from its measured
//! resources in real blocks, the charging modes, payers, and conservation over a seeded run.

use codec::Encode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use accord_pallet_balances as balances;
use accord_pallet_metering::{self as metering, ChargingMode, Prices, Threshold, Usage, PLATFORM};
use accord_pallet_records as records;
use accord_primitives::{MultiAddress, Pair};
use accord_support::{BoundedVec, DispatchError, ModuleError};

use super::Chain;
use crate::limits::EXTRINSIC_BASE_WEIGHT;
use crate::validity::{custom, InvalidTransaction};
use crate::{RuntimeCall, RuntimeEvent, UNIT};

fn transfer(to: &Pair, value: u128) -> RuntimeCall {
    RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(to.account()), value })
}

fn sudo(call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(call) })
}

fn metering_call(call: metering::Call<RuntimeCall>) -> RuntimeCall {
    RuntimeCall::Metering(call)
}

fn free(chain: &Chain, who: &accord_primitives::AccountId32) -> u128 {
    chain.read(|ext| balances::free_balance(ext, who))
}

fn create(id: &str, state_len: usize) -> RuntimeCall {
    RuntimeCall::Records(records::Call::create {
        id: BoundedVec::try_from_vec(id.as_bytes().to_vec()).unwrap(),
        state: BoundedVec::try_from_vec(vec![7; state_len]).unwrap(),
        payload_hash: Default::default(),
    })
}

#[test]
fn every_fee_is_price_times_measured_usage() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let remark = RuntimeCall::System(accord_pallet_system::Call::remark_with_event { remark: vec![1; 200] });
    let calls = [
        transfer(&bob, UNIT),
        transfer(&Pair::dev("Newcomer"), UNIT),
        create("r-1", 10),
        create("r-2", 1_000),
        remark,
        transfer(&bob, u128::MAX),
    ];
    let prices = metering::DEFAULT_PRICES;
    for (nonce, call) in calls.iter().enumerate() {
        let xt = chain.signed(&alice, call, nonce as u32);
        let quote = chain.quote(&xt);
        let outcome = chain.produce(std::slice::from_ref(&xt)).remove(0).unwrap();
        let usage = Usage {
            ref_time: call.weight().saturating_add(EXTRINSIC_BASE_WEIGHT).ref_time,
            length: xt.encoded().len() as u32,
            nodes: 1,
            storage_added: outcome.usage.storage.bytes_added,
            ..Usage::default()
        };
        let expected = metering::fee_of(&prices, &usage, 0).total();
        assert_eq!(outcome.fee, expected, "call {nonce}: {call:?}");
        assert_eq!(quote.total, expected, "the quote is what was charged (call {nonce})");
        let charged = chain.events().into_iter().find_map(|r| match r.event {
            RuntimeEvent::Metering(metering::Event::FeeCharged { fee, .. }) => Some(fee),
            _ => None,
        });
        assert_eq!(charged, Some(expected));
    }
    // More stored, more paid.
    let stored = |id: &str, len| {
        let chain = Chain::dev();
        chain.quote(&chain.signed(&alice, &create(id, len), 0)).fee.storage
    };
    assert!(stored("x", 2_000) > stored("x", 100));
}

#[test]
fn a_refund_after_a_price_change_uses_the_prices_charged() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    // Sudo's class prepays an estimate of 10,000 stored bytes, so a refund follows.
    let prepay = metering::Call::set_mode { class: 3, mode: Some(ChargingMode::Prepay { storage_estimate: 10_000 }) };
    chain.produce(&[chain.signed(&alice, &sudo(metering_call(prepay)), 0)])[0].as_ref().unwrap().result.unwrap();
    let dearer =
        Prices { storage_per_byte: 1_000 * metering::DEFAULT_PRICES.storage_per_byte, ..metering::DEFAULT_PRICES };
    let xt = chain.signed(&alice, &sudo(metering_call(metering::Call::set_prices { prices: dearer })), 1);
    let before = free(&chain, &alice.account());
    let outcome = chain.produce(std::slice::from_ref(&xt)).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(chain.read(metering::current_prices).0, 2, "the call itself raised the prices");
    // Charged and refunded at version 1: the estimate's unused storage came back at the old price.
    let usage = Usage {
        ref_time: xt_weight(&xt),
        length: xt.encoded().len() as u32,
        nodes: 1,
        storage_added: outcome.usage.storage.bytes_added,
        ..Usage::default()
    };
    let at_old = metering::fee_of(&metering::DEFAULT_PRICES, &usage, 0).total();
    assert_eq!(outcome.fee, at_old);
    assert_eq!(before - free(&chain, &alice.account()), at_old);
    let version = chain.events().into_iter().find_map(|r| match r.event {
        RuntimeEvent::Metering(metering::Event::FeeCharged { price_version, .. }) => Some(price_version),
        _ => None,
    });
    assert_eq!(version, Some(1));
}

fn xt_weight(xt: &accord_primitives::UncheckedExtrinsic) -> u64 {
    let call = RuntimeCall::decode_all(xt.call()).unwrap();
    call.weight().saturating_add(EXTRINSIC_BASE_WEIGHT).ref_time
}

#[test]
fn a_dispatch_that_cannot_be_paid_leaves_no_trace() {
    let mut chain = Chain::dev();
    let (alice, poor, target) = (Pair::dev("Alice"), Pair::dev("Poor"), Pair::dev("Target"));
    chain.produce(&[chain.signed(&alice, &transfer(&poor, 10 * UNIT), 0)]);
    // Poor is no member: let the chain be open for it.
    let open = sudo(RuntimeCall::Organizations(accord_pallet_organizations::Call::set_open { open: true }));
    chain.produce(&[chain.signed(&alice, &open, 1)])[0].as_ref().unwrap().result.unwrap();
    // Poor sends nearly everything: the attempt fee is covered, the storage of a new account is not.
    let xt = chain.signed(&poor, &transfer(&target, 10 * UNIT - balances::EXISTENTIAL_DEPOSIT - 1_000_000), 0);
    let quote = chain.quote(&xt);
    let log_before = chain.read(|ext| accord_pallet_oplog::NEXT_INDEX.get(ext));
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    let cannot =
        DispatchError::Module(ModuleError { index: 11, error: [metering::Error::CannotPayStorage as u8, 0, 0, 0] });
    assert_eq!(outcome.result, Err(cannot));
    assert_eq!(free(&chain, &target.account()), 0, "the transfer was discarded");
    assert_eq!(outcome.usage.storage, Default::default());
    let attempt = quote.fee.compute + quote.fee.network;
    assert_eq!(outcome.fee, attempt, "the attempt is charged");
    assert_eq!(free(&chain, &poor.account()), 10 * UNIT - attempt);
    let logged = chain.read(|ext| accord_pallet_oplog::NEXT_INDEX.get(ext)) - log_before;
    assert_eq!(logged, 2, "only the fee and the platform's income are logged");
}

#[test]
fn admission_thresholds_and_payers_are_checked_in_the_pool() {
    let mut chain = Chain::dev();
    let (alice, bob, charlie) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Charlie"));
    // Balances' class admits only payers holding the exact fee; Charlie is nearly empty.
    let mode = metering::Call::set_mode { class: 2, mode: Some(ChargingMode::Admission(Threshold::Exact)) };
    let drain = RuntimeCall::Balances(balances::Call::force_set_balance {
        who: MultiAddress::Id(charlie.account()),
        new_free: balances::EXISTENTIAL_DEPOSIT + 1,
    });
    for (i, call) in [sudo(metering_call(mode)), sudo(drain)].iter().enumerate() {
        chain.produce(&[chain.signed(&alice, call, i as u32)])[0].as_ref().unwrap().result.unwrap();
    }
    let refused = chain.signed(&charlie, &transfer(&bob, 1), 0);
    assert_eq!(chain.validate(&refused), Err(InvalidTransaction::Custom(custom::BELOW_ADMISSION_THRESHOLD).into()));
    assert!(custom::describe(custom::BELOW_ADMISSION_THRESHOLD).unwrap().contains("admission threshold"));

    // Bob pays for Charlie once he approved it; not before.
    let paid = metering_call(metering::Call::pay_with { payer: bob.account(), call: Box::new(transfer(&alice, 1)) });
    let xt = chain.signed(&charlie, &paid, 0);
    assert_eq!(chain.validate(&xt), Err(InvalidTransaction::Custom(custom::PAYER_NOT_APPROVED).into()));
    let approve = metering_call(metering::Call::approve_payer { signer: charlie.account(), allowance: Some(UNIT) });
    chain.produce(&[chain.signed(&bob, &approve, 0)])[0].as_ref().unwrap().result.unwrap();
    assert!(chain.validate(&xt).is_ok());
    let (bob_before, charlie_before) = (free(&chain, &bob.account()), free(&chain, &charlie.account()));
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(free(&chain, &charlie.account()), charlie_before - 1, "Charlie paid only the transfer");
    assert_eq!(free(&chain, &bob.account()), bob_before - outcome.fee);
    let left = chain.read(|ext| metering::APPROVALS.get(ext, &bob.account(), &charlie.account())).unwrap();
    assert_eq!(left.allowance, Some(UNIT - outcome.fee));
}

#[test]
fn vr_is_conserved_over_a_seeded_run() {
    let seed: u64 = std::env::var("ACCORD_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let issuer = accord_primitives::crypto::Ed25519Pair::from_seed(&[42; 32]);
    let register = metering::Call::register_issuer {
        key: issuer.public(),
        name: BoundedVec::try_from_vec(b"Bank".to_vec()).unwrap(),
    };
    let period = metering::Call::set_payout_rules {
        rules: metering::PayoutRules { period: 3, distribution: metering::Distribution::Equal },
    };
    let setup = [sudo(metering_call(register)), sudo(metering_call(period))];
    for (i, call) in setup.iter().enumerate() {
        chain.produce(&[chain.signed(&alice, call, i as u32)])[0].as_ref().unwrap().result.unwrap();
    }
    let issuance_at = |chain: &Chain| chain.read(|ext| balances::TOTAL_ISSUANCE.get(ext));
    let start = issuance_at(&chain);
    let (credited_start, redeemed_start) =
        chain.read(|ext| (metering::TOTAL_CREDITED.get(ext), metering::TOTAL_REDEEMED.get(ext)));
    let senders = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"].map(Pair::dev);
    let mut nonces = [2u32, 0, 0, 0, 0, 0];
    let mut dust = 0u128;
    for block in 0..12 {
        let mut xts = Vec::new();
        for _ in 0..rng.gen_range(1..6) {
            let i = rng.gen_range(0..senders.len());
            let to = &senders[rng.gen_range(0..senders.len())];
            let call = match rng.gen_range(0..4) {
                0 => transfer(to, rng.gen_range(1..1_000) * UNIT),
                1 => create(&format!("r-{block}-{}", rng.gen::<u32>()), rng.gen_range(1..500)),
                2 => {
                    let certificate = metering::Certificate {
                        holder: to.account(),
                        amount: rng.gen_range(1..100) * UNIT,
                        asset: BoundedVec::try_from_vec(b"CNY".to_vec()).unwrap(),
                        serial: BoundedVec::try_from_vec(rng.gen::<u64>().encode()).unwrap(),
                        expiry_ms: u64::MAX,
                    };
                    let signature = issuer.sign(&metering::certificate_payload(&chain.genesis_hash(), &certificate));
                    metering_call(metering::Call::exchange { certificate, issuer: issuer.public(), signature })
                }
                _ => metering_call(metering::Call::redeem {
                    issuer: issuer.public(),
                    amount: rng.gen_range(1..50) * UNIT,
                }),
            };
            xts.push(chain.signed(&senders[i], &call, nonces[i]));
            nonces[i] += 1;
        }
        for outcome in chain.produce(&xts) {
            assert!(outcome.is_ok(), "{outcome:?}");
        }
        dust += chain
            .events()
            .iter()
            .filter_map(|r| match r.event {
                RuntimeEvent::Balances(balances::Event::DustLost { amount, .. }) => Some(amount),
                _ => None,
            })
            .sum::<u128>();
        let (credited, redeemed) =
            chain.read(|ext| (metering::TOTAL_CREDITED.get(ext), metering::TOTAL_REDEEMED.get(ext)));
        assert_eq!(
            issuance_at(&chain),
            start + (credited - credited_start) - (redeemed - redeemed_start) - dust,
            "block {block} (seed {seed}): total VR = credited - redeemed - burned"
        );
        let (income, paid) = chain.read(|ext| (metering::TOTAL_INCOME.get(ext), metering::TOTAL_PAID_OUT.get(ext)));
        let held = free(&chain, &PLATFORM) - balances::EXISTENTIAL_DEPOSIT;
        assert_eq!(income, paid + held, "block {block}: income = payouts + remainder");
    }
    assert!(chain.read(|ext| metering::TOTAL_INCOME.get(ext)) > 0);
}

#[test]
fn deletion_into_the_backup_is_priced_logged_recovered_and_expires() {
    use accord_pallet_oplog::{OpType, ENTRIES, NEXT_INDEX};
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    chain.produce(&[chain.signed(&alice, &create("doc-1", 300), 0)])[0].as_ref().unwrap().result.unwrap();
    let key: metering::DataKey = BoundedVec::try_from_vec(b"doc-1".to_vec()).unwrap();
    let delete = |days| {
        metering_call(metering::Call::delete_data {
            target: metering::DataTarget::Records,
            key: key.clone(),
            mode: metering::DeletionMode::Backup,
            backup_days: Some(days),
            payer: None,
        })
    };
    let recover =
        metering_call(metering::Call::recover_data { target: metering::DataTarget::Records, key: key.clone() });
    // Bob is no deleter.
    let refused = chain.produce(&[chain.signed(&bob, &delete(10), 0)]).remove(0).unwrap();
    assert_eq!(
        refused.result,
        Err(DispatchError::Module(ModuleError { index: 11, error: [metering::Error::NotDeleter as u8, 0, 0, 0] }))
    );

    let xt = chain.signed(&alice, &delete(10), 1);
    let quote = chain.quote(&xt);
    let log_from = chain.read(|ext| NEXT_INDEX.get(ext));
    let outcome = chain.produce(std::slice::from_ref(&xt)).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    let backup = chain.read(|ext| metering::BACKUPS.get(ext, &metering::DataTarget::Records, &key)).unwrap();
    let bytes = backup.data.len() as u64;
    assert_eq!((quote.usage.backup_bytes, quote.usage.backup_byte_days), (bytes, bytes * 10));
    let prices = metering::DEFAULT_PRICES;
    assert_eq!(quote.fee.backup, prices.backup_per_byte * bytes as u128);
    assert_eq!(quote.fee.backup_time, prices.backup_per_byte_day * (bytes * 10) as u128);
    assert_eq!(outcome.fee, quote.total, "charged as quoted, backup included");
    assert!(chain
        .read(|ext| records::RECORDS.get(ext, &BoundedVec::try_from_vec(b"doc-1".to_vec()).unwrap()))
        .is_none());
    let deleted = chain.read(|ext| ENTRIES.get(ext, &log_from)).unwrap();
    assert_eq!(
        (deleted.op_type, deleted.data_id.as_slice(), deleted.result_state.len()),
        (OpType::Delete, &b"doc-1"[..], 0)
    );

    // Recovered before expiry: the record is back, logged as a creation.
    let log_from = chain.read(|ext| NEXT_INDEX.get(ext));
    chain.produce(&[chain.signed(&alice, &recover, 2)])[0].as_ref().unwrap().result.unwrap();
    let id = BoundedVec::try_from_vec(b"doc-1".to_vec()).unwrap();
    assert_eq!(chain.read(|ext| records::RECORDS.get(ext, &id)).unwrap().state.len(), 300);
    let created = chain.read(|ext| ENTRIES.get(ext, &log_from)).unwrap();
    assert_eq!((created.op_type, created.source_state.len(), created.result_state.len()), (OpType::Create, 0, 300));

    // Deleted for a day: a day later the sweep removes the backup; recovery is refused.
    chain.produce(&[chain.signed(&alice, &delete(1), 3)])[0].as_ref().unwrap().result.unwrap();
    chain.advance_time(2 * metering::DAY_MS);
    // The block hook runs before the block's timestamp: the sweep sees the new day one block later.
    chain.produce(&[]);
    chain.produce(&[]);
    let expired =
        chain.events().iter().any(|r| matches!(r.event, RuntimeEvent::Metering(metering::Event::BackupExpired { .. })));
    assert!(expired);
    let gone = chain.produce(&[chain.signed(&alice, &recover, 4)]).remove(0).unwrap();
    assert_eq!(
        gone.result,
        Err(DispatchError::Module(ModuleError { index: 11, error: [metering::Error::NoBackup as u8, 0, 0, 0] }))
    );
}

#[test]
fn a_write_beyond_the_quota_fails_and_a_deletion_gives_quota_back() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let buy = metering_call(metering::Call::buy_quota { bytes: 800 });
    chain.produce(&[chain.signed(&alice, &buy, 0)])[0].as_ref().unwrap().result.unwrap();
    let outcomes =
        chain.produce(&[chain.signed(&alice, &create("q-1", 300), 1), chain.signed(&alice, &create("q-2", 300), 2)]);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().result.is_ok()), "{outcomes:?}");
    let used = chain.read(|ext| metering::QUOTAS.get(ext, &alice.account())).used;
    assert!(used > 700 && used <= 800, "two records of about 370 bytes: {used}");
    let over = chain.produce(&[chain.signed(&alice, &create("q-3", 300), 3)]).remove(0).unwrap();
    let exceeded =
        DispatchError::Module(ModuleError { index: 11, error: [metering::Error::QuotaExceeded as u8, 0, 0, 0] });
    assert_eq!(over.result, Err(exceeded));
    let id = |s: &str| BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap();
    assert!(chain.read(|ext| records::RECORDS.get(ext, &id("q-3"))).is_none(), "the refused write left nothing");
    // Deleting a record (here through delete_data) gives its bytes back.
    let delete = metering_call(metering::Call::delete_data {
        target: metering::DataTarget::Records,
        key: id("q-1"),
        mode: metering::DeletionMode::Permanent,
        backup_days: None,
        payer: None,
    });
    chain.produce(&[chain.signed(&alice, &delete, 4)])[0].as_ref().unwrap().result.unwrap();
    assert!(chain.read(|ext| metering::QUOTAS.get(ext, &alice.account())).used < used);
    let again = chain.produce(&[chain.signed(&alice, &create("q-3", 300), 5)]).remove(0).unwrap();
    assert_eq!(again.result, Ok(()));
}

fn rid(s: &str) -> records::RecordId {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn delete_data(id: &str, mode: metering::DeletionMode, days: Option<u32>, payer: Option<&Pair>) -> RuntimeCall {
    metering_call(metering::Call::delete_data {
        target: metering::DataTarget::Records,
        key: rid(id),
        mode,
        backup_days: days,
        payer: payer.map(|p| p.account()),
    })
}

fn metering_error(error: metering::Error) -> DispatchError {
    DispatchError::Module(ModuleError { index: 11, error: [error as u8, 0, 0, 0] })
}

#[track_caller]
fn produce_ok(chain: &mut Chain, who: &Pair, call: &RuntimeCall, nonce: u32) {
    let outcome = chain.produce(&[chain.signed(who, call, nonce)]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()), "{call:?}");
}

#[test]
fn every_deletion_logs_the_hash_of_the_state_and_pays_no_storage_fee() {
    use accord_pallet_oplog::{OpType, ENTRIES, NEXT_INDEX};
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    for (nonce, id) in ["d-1", "d-2", "d-3"].iter().enumerate() {
        produce_ok(&mut chain, &alice, &create(id, 300), nonce as u32);
    }
    let hash = accord_primitives::hashing::blake2_256(&[7; 300]);
    let deletions = [
        RuntimeCall::Records(records::Call::delete { id: rid("d-1") }),
        delete_data("d-2", metering::DeletionMode::Permanent, None, None),
        delete_data("d-3", metering::DeletionMode::Backup, Some(2), None),
    ];
    for (i, call) in deletions.iter().enumerate() {
        let xt = chain.signed(&alice, call, 3 + i as u32);
        let quote = chain.quote(&xt);
        let log_from = chain.read(|ext| NEXT_INDEX.get(ext));
        let outcome = chain.produce(std::slice::from_ref(&xt)).remove(0).unwrap();
        assert_eq!(outcome.result, Ok(()), "{call:?}");
        assert!(outcome.usage.storage.bytes_added > 0, "it wrote its log entry ({call:?})");
        let usage = Usage {
            ref_time: call.weight().saturating_add(EXTRINSIC_BASE_WEIGHT).ref_time,
            length: xt.encoded().len() as u32,
            nodes: 1,
            backup_bytes: quote.usage.backup_bytes,
            backup_byte_days: quote.usage.backup_byte_days,
            ..Usage::default()
        };
        assert_eq!(quote.fee.storage, 0, "no storage fee ({call:?})");
        assert_eq!(outcome.fee, metering::fee_of(&metering::DEFAULT_PRICES, &usage, 0).total(), "{call:?}");
        assert_eq!(outcome.fee, quote.total);
        let log_to = chain.read(|ext| NEXT_INDEX.get(ext));
        let deleted: Vec<_> = (log_from..log_to)
            .filter_map(|i| chain.read(|ext| ENTRIES.get(ext, &i)))
            .filter(|e| e.op_type == OpType::Delete)
            .collect();
        assert_eq!(deleted.len(), 1, "{call:?}");
        assert_eq!(deleted[0].source_state.as_slice(), &hash[..], "the hash, not the state ({call:?})");
        assert!(deleted[0].result_state.is_empty());
    }
    let backup = chain.read(|ext| metering::BACKUPS.get(ext, &metering::DataTarget::Records, &rid("d-3"))).unwrap();
    assert_eq!(backup.days, 2, "only the backup keeps a copy, priced as backup");
}

#[test]
fn deleter_rights_end_when_the_record_is_deleted_or_changes_hands() {
    let mut chain = Chain::dev();
    let (alice, bob, charlie) = (Pair::dev("Alice"), Pair::dev("Bob"), Pair::dev("Charlie"));
    let declare = |id: &str| {
        metering_call(metering::Call::set_deleter {
            target: metering::DataTarget::Records,
            key: rid(id),
            who: bob.account(),
            allowed: true,
        })
    };
    let rights = |chain: &Chain, id: &str| {
        let instance = chain.read(|ext| records::RECORDS.get(ext, &rid(id))).map(|r| r.instance);
        let key = (metering::DataTarget::Records, rid(id), instance.unwrap_or(0));
        chain.read(|ext| metering::DELETERS.iter_prefix1(ext, &key, 16).len())
    };
    // Deleted by Records.delete and created again under the same id: Bob's right is gone.
    produce_ok(&mut chain, &alice, &create("r-1", 10), 0);
    produce_ok(&mut chain, &alice, &declare("r-1"), 1);
    assert_eq!(rights(&chain, "r-1"), 1);
    let old = chain.read(|ext| records::RECORDS.get(ext, &rid("r-1"))).unwrap().instance;
    produce_ok(&mut chain, &alice, &RuntimeCall::Records(records::Call::delete { id: rid("r-1") }), 2);
    let old_key = (metering::DataTarget::Records, rid("r-1"), old);
    assert!(chain.read(|ext| metering::DELETERS.iter_prefix1(ext, &old_key, 16)).is_empty(), "cleared");
    produce_ok(&mut chain, &alice, &create("r-1", 10), 3);
    let refused =
        chain.produce(&[chain.signed(&bob, &delete_data("r-1", metering::DeletionMode::Permanent, None, None), 0)]);
    assert_eq!(refused[0].as_ref().unwrap().result, Err(metering_error(metering::Error::NotDeleter)));

    // Transferred to Charlie: Bob's right (Alice's grant) is gone.
    produce_ok(&mut chain, &alice, &create("t-1", 10), 4);
    produce_ok(&mut chain, &alice, &declare("t-1"), 5);
    let transfer = records::Call::transfer_ownership { id: rid("t-1"), new_owner: MultiAddress::Id(charlie.account()) };
    produce_ok(&mut chain, &alice, &RuntimeCall::Records(transfer), 6);
    assert_eq!(rights(&chain, "t-1"), 0);
    let refused =
        chain.produce(&[chain.signed(&bob, &delete_data("t-1", metering::DeletionMode::Permanent, None, None), 1)]);
    assert_eq!(refused[0].as_ref().unwrap().result, Err(metering_error(metering::Error::NotDeleter)));
    assert!(chain.read(|ext| records::RECORDS.get(ext, &rid("t-1"))).is_some());
}

#[test]
fn a_prepaid_deletion_estimates_its_backup_fees() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let prepay = metering::Call::set_mode { class: 11, mode: Some(ChargingMode::Prepay { storage_estimate: 0 }) };
    produce_ok(&mut chain, &alice, &sudo(metering_call(prepay)), 0);
    produce_ok(&mut chain, &alice, &create("doc", 300), 1);
    let call = delete_data("doc", metering::DeletionMode::Backup, Some(30), None);
    let xt = chain.signed(&alice, &call, 2);
    let quote = chain.quote(&xt);
    assert!(quote.fee.backup > 0 && quote.fee.backup_time > 0);
    let len = xt.encoded().len() as u32;
    let charge = chain.read(|ext| crate::fees::charge_of(ext, &call, &alice.account(), call.weight(), len, 0));
    assert_eq!(charge.precharge(), quote.total, "the estimate is the attempt and the backup fees");
    let before = free(&chain, &alice.account());
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!((outcome.fee, before - free(&chain, &alice.account())), (quote.total, quote.total));
}

#[test]
fn a_deletion_inside_pay_with_has_one_payer() {
    let mut chain = Chain::dev();
    let (bob, charlie, dave) = (Pair::dev("Bob"), Pair::dev("Charlie"), Pair::dev("Dave"));
    let approve = metering_call(metering::Call::approve_payer { signer: charlie.account(), allowance: None });
    produce_ok(&mut chain, &bob, &approve, 0);
    produce_ok(&mut chain, &dave, &approve, 0);
    produce_ok(&mut chain, &charlie, &create("c-1", 10), 0);
    let paid = |named: &Pair| {
        let delete = delete_data("c-1", metering::DeletionMode::Permanent, None, Some(named));
        metering_call(metering::Call::pay_with { payer: bob.account(), call: Box::new(delete) })
    };
    // Bob pays, the deletion names Dave: refused, Bob pays the attempt, Dave nothing.
    let (bob_before, dave_before) = (free(&chain, &bob.account()), free(&chain, &dave.account()));
    let xt = chain.signed(&charlie, &paid(&dave), 1);
    assert!(chain.validate(&xt).is_ok());
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    assert_eq!(outcome.result, Err(metering_error(metering::Error::ConflictingPayers)));
    assert_eq!(free(&chain, &bob.account()), bob_before - outcome.fee);
    assert_eq!(free(&chain, &dave.account()), dave_before);
    assert!(chain.read(|ext| records::RECORDS.get(ext, &rid("c-1"))).is_some());
    // Naming the same payer twice is one payer.
    let bob_before = free(&chain, &bob.account());
    let outcome = chain.produce(&[chain.signed(&charlie, &paid(&bob), 2)]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(free(&chain, &bob.account()), bob_before - outcome.fee);
    assert!(chain.read(|ext| records::RECORDS.get(ext, &rid("c-1"))).is_none());
}
