use codec::Encode;

use accord_pallet_balances as balances;
use accord_pallet_system as system;
use accord_primitives::extrinsic::{Signature, SignedExtra};
use accord_primitives::{AccountId32, Digest, Era, MultiAddress, MultiSignature, Pair, UncheckedExtrinsic};
use accord_support::{DispatchError, ModuleError, Phase};

use super::Chain;
use crate::executive::BlockExecution;
use crate::validity::{InvalidTransaction as I, TransactionValidityError, UnknownTransaction};
use crate::{execute_block, timestamp_inherent, BlockError, RuntimeCall, RuntimeEvent, UNIT};

fn transfer(to: &Pair, value: u128) -> RuntimeCall {
    RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(to.account()), value })
}

fn free(chain: &Chain, who: &Pair) -> u128 {
    chain.read(|ext| balances::free_balance(ext, &who.account()))
}

fn nonce(chain: &Chain, who: &Pair) -> u32 {
    chain.read(|ext| system::account_nonce(ext, &who.account()))
}

fn issuance(chain: &Chain) -> u128 {
    chain.read(|ext| balances::TOTAL_ISSUANCE.get(ext))
}

fn invalid(e: I) -> TransactionValidityError {
    TransactionValidityError::Invalid(e)
}

#[test]
fn a_transfer_is_applied_charged_and_reported() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let xt = chain.signed(&alice, &transfer(&bob, 5 * UNIT), 0);
    let quote = chain.quote(&xt);
    assert!(quote.dispatch_ok && quote.usage.storage_added > 0, "the transfer's log entries are stored: {quote:?}");
    let fee = quote.total;
    let platform = |chain: &Chain| chain.read(|ext| balances::free_balance(ext, &accord_pallet_metering::PLATFORM));
    let platform_before = platform(&chain);
    let (alice_before, bob_before, issuance_before) = (free(&chain, &alice), free(&chain, &bob), issuance(&chain));
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.fee, fee);
    assert!(outcome.usage.encoded_len > 100);
    assert_eq!(free(&chain, &alice), alice_before - 5 * UNIT - fee);
    assert_eq!(free(&chain, &bob), bob_before + 5 * UNIT);
    assert_eq!(issuance(&chain), issuance_before, "the fee went to the platform account");
    assert_eq!(platform(&chain), platform_before + fee);
    assert_eq!(nonce(&chain, &alice), 1);
    let events = chain.events();
    let at_1: Vec<_> = events
        .iter()
        .filter(|r| r.phase == Phase::ApplyExtrinsic(1) && !matches!(r.event, RuntimeEvent::Oplog(_)))
        .map(|r| &r.event)
        .collect();
    let logged = events.iter().filter(|r| matches!(r.event, RuntimeEvent::Oplog(_))).count();
    assert_eq!(logged, 4, "both sides of the transfer, the fee, the platform's income at the block's end");
    let charged = accord_pallet_metering::Event::FeeCharged {
        payer: alice.account(),
        fee,
        storage_added: quote.usage.storage_added,
        price_version: 1,
    };
    assert_eq!(
        at_1,
        vec![
            &RuntimeEvent::Balances(balances::Event::Transfer {
                from: alice.account(),
                to: bob.account(),
                amount: 5 * UNIT
            }),
            &RuntimeEvent::Balances(balances::Event::Withdraw { who: alice.account(), amount: fee }),
            &RuntimeEvent::Metering(charged),
            &RuntimeEvent::System(system::Event::ExtrinsicSuccess { dispatch_info: outcome.info }),
        ]
    );
    assert!(matches!(events[0].event, RuntimeEvent::System(system::Event::ExtrinsicSuccess { .. })), "the inherent");
    assert_eq!(events[0].phase, Phase::ApplyExtrinsic(0));
}

#[test]
fn a_failed_dispatch_keeps_fee_and_nonce_and_rolls_back_the_rest() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let xt = chain.signed(&alice, &transfer(&bob, 10_000_000 * UNIT), 0);
    let quote = chain.quote(&xt);
    assert!(!quote.dispatch_ok && quote.usage.storage_added == 0);
    let fee = quote.total;
    let (alice_before, bob_before) = (free(&chain, &alice), free(&chain, &bob));
    let outcome = chain.produce(&[xt]).remove(0).unwrap();
    let error = DispatchError::Module(ModuleError { index: 2, error: [2, 0, 0, 0] });
    assert_eq!(outcome.result, Err(error));
    assert_eq!(outcome.usage.storage, Default::default(), "a rolled-back dispatch stores nothing");
    assert_eq!(free(&chain, &alice), alice_before - fee);
    assert_eq!(free(&chain, &bob), bob_before);
    assert_eq!(nonce(&chain, &alice), 1);
    let events: Vec<_> = chain
        .events()
        .into_iter()
        .filter(|r| r.phase == Phase::ApplyExtrinsic(1) && !matches!(r.event, RuntimeEvent::Oplog(_)))
        .map(|r| r.event)
        .collect();
    let next_index = chain.read(|ext| accord_pallet_oplog::NEXT_INDEX.get(ext));
    assert_eq!(next_index, 2, "the fee and the platform's income: the failed transfer's entries were rolled back");
    let charged =
        accord_pallet_metering::Event::FeeCharged { payer: alice.account(), fee, storage_added: 0, price_version: 1 };
    assert_eq!(
        events,
        vec![
            RuntimeEvent::Balances(balances::Event::Withdraw { who: alice.account(), amount: fee }),
            RuntimeEvent::Metering(charged),
            RuntimeEvent::System(system::Event::ExtrinsicFailed { dispatch_error: error, dispatch_info: outcome.info }),
        ]
    );
}

#[test]
fn storage_growth_is_metered() {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let newcomer = Pair::dev("Newcomer");
    let outcome = chain.produce(&[chain.signed(&alice, &transfer(&newcomer, UNIT), 0)]).remove(0).unwrap();
    // A new System.Account entry (32-byte prefix + 16 + 32 key bytes, 80 value bytes) and
    // two oplog entries (32-byte prefix + 8 + 8 key bytes each); the fee's entry (index 2) is
    // written after the dispatch was measured.
    let entries: u64 = chain.read(|ext| {
        (0u64..2).map(|i| 48 + accord_pallet_oplog::ENTRIES.get(ext, &i).unwrap().encoded_size() as u64).sum()
    });
    // The chain's first entry also creates the oplog's next index (32-byte key, u64 value).
    assert_eq!(outcome.usage.storage.bytes_added, 32 + 16 + 32 + 80 + entries + 32 + 8);
    assert_eq!(outcome.usage.network_bytes(4), 4 * outcome.usage.encoded_len as u64);
}

/// Asserts that `xt` is rejected with `expected` by the pool check and by block building,
/// and that the rejection changes nothing.
#[track_caller]
fn assert_rejected(chain: &Chain, xt: &UncheckedExtrinsic, expected: TransactionValidityError) {
    assert_eq!(chain.validate(xt), Err(expected), "validate_transaction");
    let parent = chain.best();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), parent.number + 1, Digest::default());
    exec.apply(&timestamp_inherent(u64::MAX / 2)).unwrap();
    let before = exec.ext().snapshot();
    assert_eq!(exec.apply(xt).unwrap_err(), expected, "apply_extrinsic");
    assert!(exec.ext().snapshot() == before, "a rejected extrinsic changed state");
}

/// `xt` with one bit of its sr25519 signature flipped.
fn tampered(xt: &UncheckedExtrinsic) -> UncheckedExtrinsic {
    let mut sig = xt.signature.clone().unwrap();
    if let MultiSignature::Sr25519(s) = &mut sig.signature {
        s[0] ^= 1;
    }
    UncheckedExtrinsic::from_signed_part(xt.call(), sig)
}

#[test]
fn bad_signature_is_bad_proof() {
    let chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let good = chain.signed(&alice, &transfer(&bob, 1), 0);
    assert_rejected(&chain, &tampered(&good), invalid(I::BadProof));
    // Signed by Bob, claiming to be Alice.
    let mut forged = chain.signed(&bob, &transfer(&bob, 1), 0).signature.unwrap();
    forged.address = MultiAddress::Id(alice.account());
    assert_rejected(&chain, &UncheckedExtrinsic::from_signed_part(good.call(), forged), invalid(I::BadProof));
}

#[test]
fn wrong_genesis_or_versions_are_bad_proof() {
    let chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let call = transfer(&bob, 1).encode();
    let extra = SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 };
    let good = chain.implicit(Era::Immortal);
    let variants = [
        accord_primitives::Implicit {
            genesis_hash: accord_primitives::H256([1; 32]),
            era_birth_hash: accord_primitives::H256([1; 32]),
            ..good
        },
        accord_primitives::Implicit { spec_version: good.spec_version + 1, ..good },
        accord_primitives::Implicit { transaction_version: good.transaction_version + 1, ..good },
    ];
    for implicit in variants {
        let xt = UncheckedExtrinsic::new_signed(&call, &alice, extra, &implicit);
        assert_rejected(&chain, &xt, invalid(I::BadProof));
    }
}

#[test]
fn nonces_stale_and_future() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    chain.produce(&[chain.signed(&alice, &transfer(&bob, UNIT), 0)]);
    assert_rejected(&chain, &chain.signed(&alice, &transfer(&bob, UNIT), 0), invalid(I::Stale));
    let future = chain.signed(&alice, &transfer(&bob, UNIT), 3);
    let valid = chain.validate(&future).expect("future nonces are valid in the pool");
    assert_eq!(valid.requires, vec![(alice.account(), 2u32).encode()]);
    assert_eq!(valid.provides, vec![(alice.account(), 3u32).encode()]);
    assert_eq!(valid.longevity, u64::MAX - 2);
    let parent = chain.best();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), parent.number + 1, Digest::default());
    exec.apply(&timestamp_inherent(u64::MAX / 2)).unwrap();
    assert_eq!(exec.apply(&future).unwrap_err(), invalid(I::Future));
    let ready = chain.validate(&chain.signed(&alice, &transfer(&bob, UNIT), 1)).unwrap();
    assert!(ready.requires.is_empty());
}

#[test]
fn mortal_transactions_live_for_their_period() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    for _ in 0..3 {
        chain.produce(&[]);
    }
    let era = Era::mortal(4, chain.best_number() as u64);
    let xt = chain.sign(&alice, &transfer(&bob, UNIT), 0, era, 0);
    let valid = chain.validate(&xt).unwrap();
    assert_eq!(valid.longevity, 3, "born at #3, dies at #7, validated for #4");
    chain.produce(&[]);
    chain.produce(&[]);
    assert!(chain.validate(&xt).is_ok(), "still valid for #6");
    chain.produce(&[]);
    // For #7 the era's birth would be #7 itself: not yet known.
    assert_rejected(&chain, &xt, invalid(I::AncientBirthBlock));
    chain.produce(&[]);
    // For #8 the birth is #7, whose hash the signature does not cover; the signature does
    // verify against the previous period's birth: the transaction expired.
    assert_rejected(&chain, &xt, invalid(I::AncientBirthBlock));
}

#[test]
fn birth_block_in_the_future_is_ancient_birth_block() {
    let chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    // An era whose birth is block 2 while the chain is at genesis: the hash is unknown.
    let era = Era::Mortal(64, 2);
    let mut implicit = chain.implicit(Era::Immortal);
    implicit.era_birth_hash = accord_primitives::H256([2; 32]);
    let xt = UncheckedExtrinsic::new_signed(
        &transfer(&bob, 1).encode(),
        &alice,
        SignedExtra { era, nonce: 0, tip: 0 },
        &implicit,
    );
    assert_rejected(&chain, &xt, invalid(I::AncientBirthBlock));
}

#[test]
fn unaffordable_fee_is_payment() {
    // Open, so that an account of no organization gets as far as paying.
    let chain = Chain::open_dev();
    let (poor, bob) = (Pair::dev("Nobody"), Pair::dev("Bob"));
    assert_rejected(&chain, &chain.signed(&poor, &transfer(&bob, 1), 0), invalid(I::Payment));
    // A tip beyond the balance.
    let alice = Pair::dev("Alice");
    assert_rejected(
        &chain,
        &chain.sign(&alice, &transfer(&bob, 1), 0, Era::Immortal, 2_000_000 * UNIT),
        invalid(I::Payment),
    );
}

#[test]
fn unsigned_and_malformed_calls() {
    let chain = Chain::dev();
    let remark = RuntimeCall::System(system::Call::remark { remark: vec![] });
    let unsigned = UncheckedExtrinsic::new_unsigned(&remark.encode());
    assert_rejected(&chain, &unsigned, TransactionValidityError::Unknown(UnknownTransaction::NoUnsignedValidator));
    assert_eq!(chain.validate(&timestamp_inherent(5)), Err(invalid(I::MandatoryValidation)));
    let alice = Pair::dev("Alice");
    let signed_inherent =
        chain.signed(&alice, &RuntimeCall::Timestamp(accord_pallet_timestamp::Call::set { now: 5 }), 0);
    assert_rejected(&chain, &signed_inherent, invalid(I::Call));
    let mut bad_call = remark.encode();
    bad_call.push(0); // trailing byte
    let xt = UncheckedExtrinsic::new_signed(
        &bad_call,
        &alice,
        SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 },
        &chain.implicit(Era::Immortal),
    );
    assert_rejected(&chain, &xt, invalid(I::Call));
    let unknown_pallet = UncheckedExtrinsic::new_unsigned(&[99, 0]);
    assert_rejected(&chain, &unknown_pallet, invalid(I::Call));
}

#[test]
fn zero_sender_and_non_id_addresses() {
    let chain = Chain::dev();
    let call = transfer(&Pair::dev("Bob"), 1).encode();
    let sig = |address| Signature {
        address,
        signature: MultiSignature::Sr25519([0; 64]),
        extra: SignedExtra { era: Era::Immortal, nonce: 0, tip: 0 },
    };
    let zero = UncheckedExtrinsic::from_signed_part(&call, sig(MultiAddress::Id(AccountId32([0; 32]))));
    assert_rejected(&chain, &zero, invalid(I::BadSigner));
    let index = UncheckedExtrinsic::from_signed_part(&call, sig(MultiAddress::Index(3)));
    assert_rejected(&chain, &index, TransactionValidityError::Unknown(UnknownTransaction::CannotLookup));
}

#[test]
fn inherents_come_first_and_are_required() {
    let chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let parent = chain.best();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), 1, Digest::default());
    exec.apply(&chain.signed(&alice, &transfer(&bob, UNIT), 0)).unwrap();
    assert_eq!(exec.apply(&timestamp_inherent(5)).unwrap_err(), invalid(I::Call));
    assert!(matches!(exec.finalize(), Err(BlockError::MissingTimestamp)));
    // A second timestamp fails its dispatch: a failed inherent is refused.
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), 1, Digest::default());
    exec.apply(&timestamp_inherent(5)).unwrap();
    assert_eq!(exec.apply(&timestamp_inherent(6)).unwrap_err(), invalid(I::BadMandatory));
}

#[test]
fn import_rejects_tampered_blocks() {
    let chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let parent = chain.best();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), 1, Digest::default());
    exec.apply(&timestamp_inherent(5)).unwrap();
    exec.apply(&chain.signed(&alice, &transfer(&bob, UNIT), 0)).unwrap();
    let block = exec.finalize().unwrap().block;
    assert!(execute_block(&chain.state, &block).is_ok());

    let mut bad_root = block.clone();
    bad_root.header.state_root.0[0] ^= 1;
    assert!(matches!(execute_block(&chain.state, &bad_root), Err(BlockError::StateRootMismatch { .. })));

    let mut bad_xt_root = block.clone();
    bad_xt_root.header.extrinsics_root.0[0] ^= 1;
    assert!(matches!(execute_block(&chain.state, &bad_xt_root), Err(BlockError::ExtrinsicsRootMismatch { .. })));

    let mut truncated = block.clone();
    truncated.extrinsics[1].pop();
    assert!(matches!(execute_block(&chain.state, &truncated), Err(BlockError::MalformedExtrinsic { index: 1, .. })));

    let mut replayed = block.clone();
    replayed.extrinsics.push(block.extrinsics[1].clone());
    assert!(matches!(
        execute_block(&chain.state, &replayed),
        Err(BlockError::InvalidExtrinsic { index: 2, error: TransactionValidityError::Invalid(I::Stale) })
    ));

    let mut no_timestamp = block.clone();
    no_timestamp.extrinsics.remove(0);
    assert!(execute_block(&chain.state, &no_timestamp).is_err());
}

#[test]
fn block_weight_limit_stops_a_block() {
    let chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let parent = chain.best();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), 1, Digest::default());
    exec.apply(&timestamp_inherent(5)).unwrap();
    // Remarks of 256 KiB: the normal length limit (75% of 5 MiB) stops the block at 15.
    let remark = RuntimeCall::System(system::Call::remark { remark: vec![0; 256 * 1024] });
    let mut applied = 0;
    let mut nonce = 0;
    loop {
        match exec.apply(&chain.signed(&alice, &remark, nonce)) {
            Ok(_) => {
                applied += 1;
                nonce += 1;
            }
            Err(e) => {
                assert_eq!(e, invalid(I::ExhaustsResources));
                break;
            }
        }
        assert!(applied < 100, "the limit never applied");
    }
    assert_eq!(applied, 14);
    assert!(exec.finalize().is_ok());
}

#[test]
fn genesis_hash_is_recorded_by_block_one() {
    let mut chain = Chain::dev();
    assert_eq!(chain.read(|ext| system::block_hash(ext, 0)), Some(accord_primitives::H256([0x69; 32])));
    chain.produce(&[]);
    let genesis = chain.genesis_hash();
    assert_eq!(chain.read(|ext| system::block_hash(ext, 0)), Some(genesis));
    assert_eq!(chain.read(system::block_number), 1);
    // An immortal transaction signed at block 1 still applies at block 3.
    chain.produce(&[]);
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let outcome = chain.produce(&[chain.signed(&alice, &transfer(&bob, UNIT), 0)]);
    assert_eq!(outcome[0].as_ref().unwrap().result, Ok(()));
}

#[test]
fn the_sudo_key_dispatches_as_root() {
    let mut chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let set = RuntimeCall::Balances(balances::Call::force_set_balance {
        who: MultiAddress::Id(bob.account()),
        new_free: 5 * UNIT,
    });
    let sudo = RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(set.clone()) });
    let outcome = chain.produce(&[chain.signed(&alice, &sudo, 0)]).remove(0).unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(free(&chain, &bob), 5 * UNIT);
    assert!(chain
        .events()
        .iter()
        .any(|r| r.event == RuntimeEvent::Sudo(accord_pallet_sudo::Event::Sudid { sudo_result: Ok(()) })));
    // Bob is not the key; calling force_set_balance directly needs root.
    let outcome = chain.produce(&[chain.signed(&bob, &sudo, 0), chain.signed(&alice, &set, 1)]);
    let require_sudo = DispatchError::Module(ModuleError { index: 3, error: [0, 0, 0, 0] });
    assert_eq!(outcome[0].as_ref().unwrap().result, Err(require_sudo));
    assert_eq!(outcome[1].as_ref().unwrap().result, Err(DispatchError::BadOrigin));
}

#[test]
fn the_sources_worked_example_end_to_end_in_blocks() {
    // Charlie = C (500), Dave = D (100): C->D 100, then C->D 50; D's entries read 100->200->250.
    use codec::Decode;
    let (c, d) = (Pair::dev("Charlie"), Pair::dev("Dave"));
    let mut chain = Chain::dev();
    chain.produce(&[
        chain.signed(
            &Pair::dev("Alice"),
            &RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo {
                call: Box::new(RuntimeCall::Balances(balances::Call::force_set_balance {
                    who: MultiAddress::Id(c.account()),
                    new_free: 500 * UNIT,
                })),
            }),
            0,
        ),
        chain.signed(
            &Pair::dev("Alice"),
            &RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo {
                call: Box::new(RuntimeCall::Balances(balances::Call::force_set_balance {
                    who: MultiAddress::Id(d.account()),
                    new_free: 100 * UNIT,
                })),
            }),
            1,
        ),
    ]);
    let start = chain.read(|ext| accord_pallet_oplog::NEXT_INDEX.get(ext));
    chain.produce(&[chain.signed(&c, &transfer(&d, 100 * UNIT), 0)]);
    chain.produce(&[chain.signed(&c, &transfer(&d, 50 * UNIT), 1)]);
    let entries: Vec<accord_pallet_oplog::LogEntry> = chain.read(|ext| {
        (start..accord_pallet_oplog::NEXT_INDEX.get(ext))
            .map(|i| accord_pallet_oplog::ENTRIES.get(ext, &i).unwrap())
            .collect()
    });
    let of_d: Vec<(u128, u128, u32)> = entries
        .iter()
        .filter(|e| e.data_id.as_slice() == d.account().as_bytes())
        .map(|e| {
            (u128::decode(&mut &e.source_state[..]).unwrap(), u128::decode(&mut &e.result_state[..]).unwrap(), e.block)
        })
        .collect();
    assert_eq!(of_d, vec![(100 * UNIT, 200 * UNIT, 2), (200 * UNIT, 250 * UNIT, 3)]);
    assert!(entries.windows(2).all(|w| w[1].index == w[0].index + 1), "gap-free");
}

#[test]
fn pool_verified_transactions_skip_only_the_signature_check() {
    use crate::{validate_transaction_with, Signatures};
    let chain = Chain::open_dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let good = chain.signed(&alice, &transfer(&bob, 1), 0);
    let tampered = tampered(&good);
    let best = chain.best().hash();
    // Verify: the tampered signature is refused; Verified trusts the pool's earlier check.
    assert_eq!(validate_transaction_with(&chain.state, &tampered, best, Signatures::Verify), Err(invalid(I::BadProof)));
    assert!(validate_transaction_with(&chain.state, &tampered, best, Signatures::Verified).is_ok());
    // VerifyWith: the caller's verifier sees the signature, the payload as signed and the
    // signer, and decides.
    let calls = std::cell::Cell::new(0);
    let checking = |s: &MultiSignature, payload: &[u8], who: &AccountId32| {
        calls.set(calls.get() + 1);
        assert_eq!(*who, alice.account());
        s.verify(payload, who)
    };
    let with = Signatures::VerifyWith(&checking);
    assert!(validate_transaction_with(&chain.state, &good, best, with).is_ok());
    assert_eq!(validate_transaction_with(&chain.state, &tampered, best, with), Err(invalid(I::BadProof)));
    assert_eq!(calls.get(), 2);
    // Every other check still runs: a stale nonce, a future nonce in a block, no funds.
    let stale = chain.signed(&alice, &transfer(&bob, 1), 0);
    let mut exec = BlockExecution::initialize(&chain.state, best, chain.best_number() + 1, Digest::default());
    exec.apply(&timestamp_inherent(10_000)).unwrap();
    exec.apply_with(&good, Signatures::Verified).unwrap();
    assert_eq!(exec.apply_with(&stale, Signatures::Verified).unwrap_err(), invalid(I::Stale));
    let future = chain.signed(&alice, &transfer(&bob, 1), 5);
    assert_eq!(exec.apply_with(&future, Signatures::Verified).unwrap_err(), invalid(I::Future));
    let pauper = Pair::dev("Nobody");
    let broke = chain.signed(&pauper, &transfer(&bob, 1), 0);
    assert_eq!(exec.apply_with(&broke, Signatures::Verified).unwrap_err(), invalid(I::Payment));
    // A block built that way still imports with every signature verified.
    let built = exec.finalize().unwrap();
    assert!(execute_block(&chain.state, &built.block).is_ok());
}

#[test]
fn every_extrinsic_adds_the_base_weight_to_its_block() {
    use crate::limits::{EXTRINSIC_BASE_WEIGHT, NORMAL_BLOCK_WEIGHT_MAX};
    let chain = Chain::dev();
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let call = transfer(&bob, 1);
    let per_transfer = call.weight().saturating_add(EXTRINSIC_BASE_WEIGHT).ref_time;
    let fit = NORMAL_BLOCK_WEIGHT_MAX.ref_time / per_transfer;
    assert!(fit >= 5_000, "a block holds {fit} transfers: the throughput target needs 5,000");
    let mut exec =
        BlockExecution::initialize(&chain.state, chain.best().hash(), chain.best_number() + 1, Digest::default());
    exec.apply(&timestamp_inherent(10_000)).unwrap();
    let mut applied = 0u64;
    loop {
        let xt = chain.signed(&alice, &call, applied as u32);
        match exec.apply(&xt) {
            Ok(_) => applied += 1,
            Err(e) => {
                assert_eq!(e, invalid(I::ExhaustsResources));
                break;
            }
        }
    }
    assert_eq!(applied, fit, "the normal class fills up at exactly its weight limit");
}
