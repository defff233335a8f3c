//! What the harness measures: each call of the measured pallets over its parameter range,
//! the extrinsic base and the storage read and write.

use accord_pallet_balances as balances;
use accord_pallet_metering as metering;
use accord_pallet_records as records;
use accord_pallet_sudo as sudo;
use accord_pallet_system as system;
use accord_primitives::MultiAddress;
use accord_runtime::{RuntimeCall, UNIT};
use accord_support::BoundedVec;

use crate::{Baseline, Bench, Fitted, Measured};

/// The balances pallet's index: its charging-mode class.
const BALANCES_CLASS: metering::Class = 2;

/// The longest record state (the oplog's bound).
const STATE_MAX: u32 = accord_pallet_oplog::STATE_LEN_MAX;

fn remark(len: u32) -> RuntimeCall {
    RuntimeCall::System(system::Call::remark { remark: vec![7; len as usize] })
}

fn as_root(call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Sudo(sudo::Call::sudo { call: Box::new(call) })
}

fn record_id(tag: &str, b: u32, k: u32) -> records::RecordId {
    BoundedVec::try_from_vec(format!("{tag}-{b}-{k}").into_bytes()).expect("a short id")
}

fn record_state(len: u32) -> records::RecordState {
    BoundedVec::try_from_vec(vec![7; len as usize]).expect("within the bound")
}

fn create(tag: &str, b: u32, k: u32, len: u32) -> RuntimeCall {
    RuntimeCall::Records(records::Call::create {
        id: record_id(tag, b, k),
        state: record_state(len),
        payload_hash: Default::default(),
    })
}

/// A funded account spread over the whole state, a different one for each (b, k, salt).
fn spread(bench: &Bench, b: u32, k: u32, salt: u64) -> MultiAddress {
    let n = bench.ids.len() as u64;
    let i = (k as u64 * 2_654_435_761 + b as u64 * 97 + salt * 1_000_003) % n;
    MultiAddress::Id(bench.ids[i as usize])
}

/// The points of a parameter's range.
fn lens(bench: &Bench) -> Vec<u32> {
    if bench.config.smoke {
        vec![0, STATE_MAX]
    } else {
        vec![0, STATE_MAX / 4, STATE_MAX / 2, STATE_MAX]
    }
}

/// Extrinsics per block for calls carrying `len` bytes: as many as the configured count, or
/// as fit in nine tenths of a block's normal length.
fn per_block_for(bench: &Bench, len: u32) -> u32 {
    let room = accord_runtime::limits::NORMAL_BLOCK_LENGTH_MAX / 10 * 9;
    bench.config.per_block.min(room / (len + 200)).max(1)
}

/// Measures every case once (round `round`: its records and emptied accounts are its own);
/// the order is the printed table's.
pub(crate) fn run_all(bench: &mut Bench, round: u32) -> Measured {
    use Baseline::{Root, Signed, SudoKey};
    let (per_block, blocks) = (bench.config.per_block, bench.config.blocks);
    let base = bench.measure_baseline(Signed);
    let mut calls = Vec::new();

    // System.
    for (name, with_event) in [("system::remark", false), ("system::remark_with_event", true)] {
        let mut points = Vec::new();
        for len in lens(bench) {
            let n = per_block_for(bench, len);
            let us = bench.measure_n(name, n, Signed, |b, _, k| {
                let remark = vec![7; len as usize];
                let call = if with_event {
                    system::Call::remark_with_event { remark }
                } else {
                    system::Call::remark { remark }
                };
                (b.signer(k), RuntimeCall::System(call))
            });
            points.push((len, us));
        }
        calls.push(Fitted::fit(name, Some("len"), points));
    }

    // Balances: signed transfers from distinct senders to accounts all over the state.
    let transfer = |dest, keep_alive: bool| {
        let value = UNIT / 1000;
        RuntimeCall::Balances(if keep_alive {
            balances::Call::transfer_keep_alive { dest, value }
        } else {
            balances::Call::transfer_allow_death { dest, value }
        })
    };
    let us = bench.measure("balances::transfer_allow_death", Signed, |b, bl, k| {
        (b.signer(k), transfer(spread(b, bl, k, 1), false))
    });
    calls.push(Fitted::constant("balances::transfer_allow_death", us));
    let us = bench.measure("balances::transfer_keep_alive", Signed, |b, bl, k| {
        (b.signer(k), transfer(spread(b, bl, k, 2), true))
    });
    calls.push(Fitted::constant("balances::transfer_keep_alive", us));
    // Each sender empties its account once, but for the existential deposit: senders no
    // other case uses. Charged after the dispatch (the default), the fee could no longer be
    // paid: the balances class is prepaid for this case (the estimate covers the log
    // entries' storage, the rest is refunded).
    let set_mode = |b: &mut Bench, mode: Option<metering::ChargingMode>| {
        let call = as_root(RuntimeCall::Metering(metering::Call::set_mode { class: BALANCES_CLASS, mode }));
        b.block("metering::set_mode", &[(b.sudo_key(), call)]);
    };
    set_mode(bench, Some(metering::ChargingMode::Prepay { storage_estimate: 4096 }));
    let us = bench.measure("balances::transfer_all", Signed, |b, bl, k| {
        let sender = per_block + (round * (blocks + 1) + bl) * per_block + k;
        let dest = MultiAddress::Id(b.ids[((sender as u64 * 7 + 3) % b.ids.len() as u64) as usize]);
        (b.signer(sender), RuntimeCall::Balances(balances::Call::transfer_all { dest, keep_alive: true }))
    });
    set_mode(bench, None);
    calls.push(Fitted::constant("balances::transfer_all", us));

    // The sudo key's own calls against its own empty remarks; root calls inside `Sudo.sudo`
    // against an empty remark as root.
    bench.root_may_fail = true;
    let us = bench.measure("sudo::sudo", SudoKey, |b, _, _| (b.sudo_key(), as_root(remark(0))));
    bench.root_may_fail = false;
    calls.push(Fitted::constant("sudo::sudo", us));
    let us = bench.measure("sudo::set_key", SudoKey, |b, _, _| {
        let key = b.sudo_key();
        (key.clone(), RuntimeCall::Sudo(sudo::Call::set_key { new: MultiAddress::Id(key.account()) }))
    });
    calls.push(Fitted::constant("sudo::set_key", us));
    let us = bench.measure("balances::force_transfer", Root, |b, bl, k| {
        let source = MultiAddress::Id(b.signer(k).account());
        let call = balances::Call::force_transfer { source, dest: spread(b, bl, k, 3), value: UNIT / 1000 };
        (b.sudo_key(), as_root(RuntimeCall::Balances(call)))
    });
    calls.push(Fitted::constant("balances::force_transfer", us));
    let us = bench.measure("balances::force_set_balance", Root, |b, bl, k| {
        let call = balances::Call::force_set_balance {
            who: spread(b, bl, k, 4),
            new_free: 2_000_000 * UNIT + (bl * per_block + k) as u128,
        };
        (b.sudo_key(), as_root(RuntimeCall::Balances(call)))
    });
    calls.push(Fitted::constant("balances::force_set_balance", us));

    // Records: sender k owns the records (b, k) it created.
    let mut points = Vec::new();
    for len in lens(bench) {
        let tag = format!("c{len}r{round}");
        let n = per_block_for(bench, len);
        points.push((
            len,
            bench.measure_n("records::create", n, Signed, |b, bl, k| (b.signer(k), create(&tag, bl, k, len))),
        ));
    }
    calls.push(Fitted::fit("records::create", Some("state_len"), points));
    // An update logs the old state too: the old one is the longest, the new one varies.
    let mut points = Vec::new();
    let n = per_block_for(bench, STATE_MAX);
    for len in lens(bench) {
        let tag = format!("u{len}r{round}");
        bench.prepare("records::update_state (records)", n, |b, bl, k| (b.signer(k), create(&tag, bl, k, STATE_MAX)));
        let us = bench.measure_n("records::update_state", n, Signed, |b, bl, k| {
            let call = records::Call::update_state { id: record_id(&tag, bl, k), state: record_state(len) };
            (b.signer(k), RuntimeCall::Records(call))
        });
        points.push((len, us));
    }
    calls.push(Fitted::fit("records::update_state", Some("state_len"), points));
    // Owner operations log the record's (longest) state: the costlier of the two.
    let (t_tag, d_tag, a_tag) = (format!("t{round}"), format!("d{round}"), format!("a{round}"));
    bench.prepare("records::transfer_ownership (records)", n, |b, bl, k| {
        (b.signer(k), create(&t_tag, bl, k, STATE_MAX))
    });
    let transfer_us = bench.measure_n("records::transfer_ownership", n, Signed, |b, bl, k| {
        let call = records::Call::transfer_ownership { id: record_id(&t_tag, bl, k), new_owner: spread(b, bl, k, 5) };
        (b.signer(k), RuntimeCall::Records(call))
    });
    bench.prepare("records::delete (records)", n, |b, bl, k| (b.signer(k), create(&d_tag, bl, k, STATE_MAX)));
    let delete_us = bench.measure_n("records::delete", n, Signed, |b, bl, k| {
        (b.signer(k), RuntimeCall::Records(records::Call::delete { id: record_id(&d_tag, bl, k) }))
    });
    calls.push(Fitted::constant("records::owner_operation", transfer_us.max(delete_us)));
    bench.prepare("records::authorize (records)", per_block, |b, bl, k| (b.signer(k), create(&a_tag, bl, k, 0)));
    let authorize_us = bench.measure("records::authorize", Signed, |b, bl, k| {
        let call = records::Call::authorize { id: record_id(&a_tag, bl, k), who: spread(b, bl, k, 6) };
        (b.signer(k), RuntimeCall::Records(call))
    });
    let deauthorize_us = bench.measure("records::deauthorize", Signed, |b, bl, k| {
        let call = records::Call::deauthorize { id: record_id(&a_tag, bl, k), who: spread(b, bl, k, 6) };
        (b.signer(k), RuntimeCall::Records(call))
    });
    calls.push(Fitted::constant("records::authorization", authorize_us.max(deauthorize_us)));

    // The EVM's price of a gas.
    calls.extend(crate::evm::run(bench, round));
    calls.extend(crate::precompiles::run(bench, round));
    calls.push(Fitted::constant("evm::recovery", crate::evm::recovery_cost(bench.config.smoke)));

    // Last: the write measurement commits blocks of made-up account values on the author.
    let read = bench.read_cost();
    let write = bench.write_cost();
    Measured { base, read, write, calls }
}
