//! Deletion, backup and charging rules: rights per data instance, backups recoverable only by
//! the rights holders of their data, expiry on the paid day, one payer per transaction, the
//! minimum admission threshold.

use super::*;

/// What the runtime does after a store's own call changed `key` (see `data_changed`).
fn report(ext: &mut Ext<'_>, key: &str, before: Option<DataInstance>) {
    let after = TestStore.instance(ext, DataTarget::Records, key.as_bytes());
    data_changed(ext, DataTarget::Records, &dkey(key), before, after);
}

/// The store's own delete of `key` (as `Records.delete`), reported to metering if `reported`.
fn store_delete(ext: &mut Ext<'_>, key: &str, reported: bool) {
    let before = TestStore.instance(ext, DataTarget::Records, key.as_bytes());
    ext.kill(data_key(key.as_bytes()));
    if reported {
        report(ext, key, before);
    }
}

/// The store's own transfer of `key` to `to` (as `Records.transfer_ownership`: the same
/// instance), reported to metering if `reported`.
fn store_transfer(ext: &mut Ext<'_>, key: &str, to: u8, reported: bool) {
    let before = TestStore.instance(ext, DataTarget::Records, key.as_bytes());
    let (_, bytes, instance) = stored(ext, key.as_bytes()).unwrap();
    ext.set(data_key(key.as_bytes()), codec::Encode::encode(&(acc(to), bytes, instance)));
    if reported {
        report(ext, key, before);
    }
}

fn declare(key: &str, who: u8, allowed: bool) -> Call<Inner> {
    Call::set_deleter { target: DataTarget::Records, key: dkey(key), who: acc(who), allowed }
}

fn instance_of(ext: &Ext<'_>, key: &str) -> u64 {
    stored(ext, key.as_bytes()).unwrap().2
}

fn deleters(ext: &Ext<'_>, key: &str, instance: u64) -> Vec<(AccountId32, AccountId32)> {
    DELETERS.iter_prefix1(ext, &(DataTarget::Records, dkey(key), instance), DELETERS_MAX)
}

#[test]
fn deleter_rights_end_with_the_instance_and_the_ownership_they_were_given_for() {
    new_ext().execute_with(|ext| {
        // Deleted by the store itself, even unreported, then created again: a new instance,
        // the old deleter has no right over it.
        put_data(ext, "a", 1, b"first");
        ok(ext, Origin::Signed(acc(1)), declare("a", 2, true));
        store_delete(ext, "a", false);
        put_data(ext, "a", 1, b"second");
        noop(ext, Origin::Signed(acc(2)), delete("a", DeletionMode::Permanent, None), err(Error::NotDeleter));

        // Reported deletion: the rights are cleared, not merely inert.
        ok(ext, Origin::Signed(acc(1)), declare("a", 2, true));
        let second = instance_of(ext, "a");
        assert_eq!(deleters(ext, "a", second), vec![(acc(2), acc(1))], "the declaring owner is kept");
        store_delete(ext, "a", true);
        check(ext);
        assert!(deleters(ext, "a", second).is_empty());
        assert_eq!(take_deletion_usage(ext), Some((0, 0)), "the store's delete is noted: no storage fee");

        // Transferred: the old owner's deleters lose their right, and do not regain it when
        // the data comes back to that owner.
        put_data(ext, "t", 1, b"doc");
        ok(ext, Origin::Signed(acc(1)), declare("t", 2, true));
        store_transfer(ext, "t", 3, false);
        noop(ext, Origin::Signed(acc(2)), delete("t", DeletionMode::Permanent, None), err(Error::NotDeleter));
        store_transfer(ext, "t", 1, false);
        store_transfer(ext, "t", 3, true);
        check(ext);
        assert!(deleters(ext, "t", instance_of(ext, "t")).is_empty(), "a transfer clears them");
        assert_eq!(take_deletion_usage(ext), None, "a transfer deletes nothing");
        store_transfer(ext, "t", 1, true);
        noop(ext, Origin::Signed(acc(2)), delete("t", DeletionMode::Permanent, None), err(Error::NotDeleter));
        noop(ext, Origin::Signed(acc(2)), declare("t", 2, true), err(Error::NotOwner));
        ok(ext, Origin::Signed(acc(1)), delete("t", DeletionMode::Permanent, None));
    });
}

#[test]
fn a_backup_is_recoverable_only_by_the_rights_holders_of_its_data() {
    new_ext().execute_with(|ext| {
        set_day(ext, 100);
        put_data(ext, "b", 1, b"old");
        let old = instance_of(ext, "b");
        ok(ext, Origin::Signed(acc(1)), declare("b", 2, true));
        ok(ext, Origin::Signed(acc(1)), delete("b", DeletionMode::Backup, Some(10)));
        let backup = BACKUPS.get(ext, &DataTarget::Records, &dkey("b")).unwrap();
        assert_eq!((backup.owner, backup.instance, backup.deleters.as_slice()), (acc(1), old, &[acc(2)][..]));
        assert!(deleters(ext, "b", old).is_empty(), "the rights moved into the backup");

        // A new owner of the key declares a deleter, then deletes its record by itself.
        put_data(ext, "b", 3, b"new");
        ok(ext, Origin::Signed(acc(3)), declare("b", 4, true));
        store_delete(ext, "b", true);
        noop(ext, Origin::Signed(acc(4)), recover("b"), err(Error::NotDeleter));
        noop(ext, Origin::Signed(acc(3)), recover("b"), err(Error::NotDeleter));
        // The backup's owner manages who may recover it while the key is free.
        noop(ext, Origin::Signed(acc(3)), declare("b", 4, true), err(Error::NotOwner));
        ok(ext, Origin::Signed(acc(1)), declare("b", 5, true));
        ok(ext, Origin::Signed(acc(1)), declare("b", 5, false));
        noop(ext, Origin::Signed(acc(5)), recover("b"), err(Error::NotDeleter));

        // The old owner's deleter recovers it: the same instance, its rights back.
        ok(ext, Origin::Signed(acc(2)), recover("b"));
        assert_eq!(stored(ext, b"b"), Some((acc(1), b"old".to_vec(), old)));
        assert_eq!(deleters(ext, "b", old), vec![(acc(2), acc(1))]);
        assert!(events(ext).contains(&Event::DataRecovered {
            target: DataTarget::Records,
            key: dkey("b"),
            by: acc(2)
        }));
    });
}

#[test]
fn the_expiry_sweep_leaves_a_newer_instances_deleters_alone() {
    new_ext().execute_with(|ext| {
        set_day(ext, 20);
        put_data(ext, "c", 1, b"old");
        ok(ext, Origin::Signed(acc(1)), declare("c", 2, true));
        ok(ext, Origin::Signed(acc(1)), delete("c", DeletionMode::Backup, Some(1)));
        put_data(ext, "c", 1, b"new");
        ok(ext, Origin::Signed(acc(1)), declare("c", 5, true));
        set_day(ext, 21);
        Pallet::on_initialize(ext, 2);
        check(ext);
        assert!(events(ext).contains(&Event::BackupExpired { target: DataTarget::Records, key: dkey("c") }));
        assert_eq!(deleters(ext, "c", instance_of(ext, "c")), vec![(acc(5), acc(1))]);
        ok(ext, Origin::Signed(acc(5)), delete("c", DeletionMode::Permanent, None));
    });
}

#[test]
fn a_backup_expires_on_its_paid_day_however_many_share_it() {
    new_ext().execute_with(|ext| {
        set_day(ext, 10);
        // More than one block's sweep, and more than the 256 a day's bucket once held.
        let count = 300u32;
        for i in 0..count {
            put_data(ext, &format!("k{i}"), 1, b"x");
            ok(ext, Origin::Signed(acc(1)), delete(&format!("k{i}"), DeletionMode::Backup, Some(1)));
        }
        for i in [0, count - 1] {
            assert_eq!(BACKUPS.get(ext, &DataTarget::Records, &dkey(&format!("k{i}"))).unwrap().expires_day, 11);
        }
        assert_eq!(EXPIRY_DAYS.get(ext).as_slice(), &[11]);
        set_day(ext, 11);
        let last = format!("k{}", count - 1);
        noop(ext, Origin::Signed(acc(1)), recover(&last), err(Error::BackupExpired));
        let expired = |ext: &Ext<'_>| events(ext).iter().filter(|e| matches!(e, Event::BackupExpired { .. })).count();
        let mut block = 2;
        while !EXPIRY_DAYS.get(ext).is_empty() {
            let before = expired(ext);
            system::initialize(ext, block, H256([block as u8; 32]));
            Pallet::on_initialize(ext, block);
            check(ext);
            assert!((expired(ext) - before) as u32 <= EXPIRIES_PER_BLOCK);
            block += 1;
        }
        assert_eq!(expired(ext) as u32, count);
        assert_eq!(block - 2, count.div_ceil(EXPIRIES_PER_BLOCK), "every block of the day sweeps its share");
        assert!(EXPIRING.iter_prefix1(ext, &11, 1).is_empty() && !EXPIRY_SEQ.contains_key(ext, &11));
        noop(ext, Origin::Signed(acc(1)), recover(&last), err(Error::NoBackup));
    });
}

#[test]
fn pay_with_carries_no_call_that_names_another_payer() {
    new_ext().execute_with(|ext| {
        ok(ext, Origin::Signed(acc(1)), Call::approve_payer { signer: acc(2), allowance: None });
        ok(ext, Origin::Signed(acc(3)), Call::approve_payer { signer: acc(2), allowance: None });
        let pay_with = |payer, named| Call::pay_with { payer: acc(payer), call: Box::new(Inner(named)) };
        noop(ext, Origin::Signed(acc(2)), pay_with(1, Some(acc(3))), err(Error::ConflictingPayers));
        ok(ext, Origin::Signed(acc(2)), pay_with(1, Some(acc(1))));
        ok(ext, Origin::Signed(acc(2)), pay_with(1, None));
    });
}

#[test]
fn a_minimum_threshold_is_the_cheapest_successful_fee_so_far() {
    new_ext().execute_with(|ext| {
        let mode = Some(ChargingMode::Admission(Threshold::Minimum));
        ok(ext, Origin::Root, Call::set_mode { class: 2, mode });
        let charge = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        let attempt = charge.attempt_fee();
        assert_eq!(charge.required(ext), attempt, "before any success: what postpay asks");
        note_actual(ext, &charge, 9 * UNIT, 40, true);
        note_actual(ext, &charge, 4 * UNIT, 20, true);
        note_actual(ext, &charge, attempt, 0, false);
        assert_eq!(charge.required(ext), 4 * UNIT, "the cheapest success, not the failed attempt");
        assert!(charge.required(ext) > attempt, "more than postpay asks");
        assert_eq!(CALL_STATS.get(ext, &(2, 3)).min_success, Some(4 * UNIT));
        // Never below the attempt fee of the transaction at hand.
        let dear = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, u64::MAX / 2, 100), 0);
        assert_eq!(dear.required(ext), dear.attempt_fee());
        // Postpay asks the attempt fee whatever the history.
        ok(ext, Origin::Root, Call::set_mode { class: 2, mode: None });
        let postpay = Charge::new(ext, acc(1), acc(1), 2, (2, 3), attempt_usage(ext, 1_000_000, 100), 0);
        assert_eq!(postpay.required(ext), attempt);
    });
}

#[test]
fn a_prepay_deletion_estimate_counts_its_backup_not_storage() {
    new_ext().execute_with(|ext| {
        put_data(ext, "e", 1, &[7; 100]);
        ok(
            ext,
            Origin::Root,
            Call::set_mode { class: INDEX, mode: Some(ChargingMode::Prepay { storage_estimate: 50 }) },
        );
        let len = TestStore.encoded_len(ext, DataTarget::Records, b"e").unwrap() as u64;
        assert_eq!(
            backup_estimate(ext, &TestStore, DataTarget::Records, b"e", DeletionMode::Backup, Some(3)),
            (len, len * 3)
        );
        assert_eq!(backup_estimate(ext, &TestStore, DataTarget::Records, b"e", DeletionMode::Permanent, None), (0, 0));
        ok(ext, Origin::Root, Call::set_backup_days { days: 7 });
        assert_eq!(
            backup_estimate(ext, &TestStore, DataTarget::Records, b"e", DeletionMode::Backup, None),
            (len, len * 7)
        );
        let mut charge = Charge::new(ext, acc(1), acc(1), INDEX, (INDEX, 10), attempt_usage(ext, 1_000_000, 100), 0);
        charge.deletion_estimate = Some((len, len * 7));
        let backup =
            DEFAULT_PRICES.backup_per_byte * len as Balance + DEFAULT_PRICES.backup_per_byte_day * (len * 7) as Balance;
        assert_eq!(charge.precharge(), charge.attempt_fee() + backup);
    });
}
