//! Seeded fuzzing of every decoder that sees untrusted bytes: extrinsic decoding, call
//! decoding, validation and block application must return errors, never panic. Set
//! `ACCORD_FUZZ_SEED` to reproduce a printed seed, `ACCORD_FUZZ_ITERATIONS` to run longer.

use codec::Encode;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use accord_pallet_balances as balances;
use accord_pallet_system as system;
use accord_primitives::{Digest, Era, MultiAddress, Pair, UncheckedExtrinsic};

use super::Chain;
use crate::executive::BlockExecution;
use crate::limits::EXTRINSIC_LENGTH_MAX;
use crate::{timestamp_inherent, RuntimeCall};

fn seed() -> u64 {
    let seed = std::env::var("ACCORD_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    println!("fuzz seed: {seed} (ACCORD_FUZZ_SEED={seed} reproduces)");
    seed
}

fn iterations(default: u32) -> u32 {
    std::env::var("ACCORD_FUZZ_ITERATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn bounded<const N: u32>(bytes: &[u8]) -> accord_support::BoundedVec<u8, N> {
    accord_support::BoundedVec::try_from_vec(bytes.to_vec()).unwrap()
}

fn samples(chain: &Chain) -> Vec<Vec<u8>> {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let transfer =
        RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(bob.account()), value: 7 });
    let remark = RuntimeCall::System(system::Call::remark_with_event { remark: vec![9; 40] });
    let endpoint = accord_pallet_organizations::Endpoint { host: bounded(b"10.0.0.1"), port: 30333 };
    let bind = RuntimeCall::Organizations(accord_pallet_organizations::Call::bind_resource_space {
        org: 1,
        space: accord_pallet_organizations::ResourceSpace::Physical(
            accord_support::BoundedVec::try_from_vec(vec![endpoint.clone()]).unwrap(),
        ),
    });
    let node = RuntimeCall::Organizations(accord_pallet_organizations::Call::register_node {
        org: 1,
        key: [3; 32],
        address: endpoint,
        role: accord_pallet_organizations::NodeRole::Observer,
        medium: accord_pallet_organizations::StorageMedium::Nvm,
        proof: [4; 64],
    });
    let blockchain = accord_pallet_alliances::Blockchain {
        external_id: bounded(b"x"),
        name: bounded(b"y"),
        platform: 1,
        orgs: accord_support::BoundedVec::try_from_vec(vec![1]).unwrap(),
        nodes: accord_support::BoundedVec::try_from_vec(vec![[3; 32]]).unwrap(),
        node_spec: bounded(b"cpu=1"),
        chain_spec: bounded(b"consensus=bft"),
        extra: bounded(b"{}"),
    };
    let business = RuntimeCall::Alliances(accord_pallet_alliances::Call::create_business_chain {
        alliance: 1,
        org: 1,
        name: bounded(b"z"),
        mode: accord_pallet_alliances::ChainMode::Private,
        orgs: accord_support::BoundedVec::try_from_vec(vec![1]).unwrap(),
        blockchains: accord_support::BoundedVec::try_from_vec(vec![blockchain]).unwrap(),
    });
    let proposal = RuntimeCall::Governance(accord_pallet_governance::Call::propose {
        org: 1,
        call: Box::new(RuntimeCall::Balances(balances::Call::force_set_balance {
            who: MultiAddress::Id(bob.account()),
            new_free: 5,
        })),
    });
    let classed = RuntimeCall::Releases(accord_pallet_releases::Call::as_class {
        class: accord_pallet_releases::TrafficClass::GrayTest,
        call: Box::new(RuntimeCall::Records(accord_pallet_records::Call::update_state {
            id: bounded(b"order-1"),
            state: bounded(b"signed"),
        })),
    });
    let signal = RuntimeCall::Releases(accord_pallet_releases::Call::signal_support {
        signal: accord_pallet_releases::Signal { key: [5; 32], versions: crate::logic_versions(), at: 1 },
        signature: [6; 64],
    });
    let certificate = accord_pallet_metering::Certificate {
        holder: bob.account(),
        amount: 5,
        asset: bounded(b"CNY"),
        serial: bounded(b"S-1"),
        expiry_ms: 9,
    };
    let exchange = RuntimeCall::Metering(accord_pallet_metering::Call::exchange {
        certificate,
        issuer: [8; 32],
        signature: [9; 64],
    });
    let deletion = RuntimeCall::Metering(accord_pallet_metering::Call::pay_with {
        payer: bob.account(),
        call: Box::new(RuntimeCall::Metering(accord_pallet_metering::Call::delete_data {
            target: accord_pallet_metering::DataTarget::Records,
            key: bounded(b"order-1"),
            mode: accord_pallet_metering::DeletionMode::Backup,
            backup_days: Some(3),
            payer: None,
        })),
    });
    let contract = accord_primitives::H160([7; 20]);
    let target = RuntimeCall::Releases(accord_pallet_releases::Call::create_contract_target {
        code: contract,
        data_id: accord_pallet_releases::DataIdRule::Argument { index: 1 },
        init: Some(accord_pallet_releases::AliasInit { input: bounded(&[1, 2, 3, 4, 5]), gas_limit: 90_000 }),
    });
    let contract_data = RuntimeCall::Metering(accord_pallet_metering::Call::delete_data {
        target: accord_pallet_metering::DataTarget::Contract(contract),
        key: bounded(&[9; 32]),
        mode: accord_pallet_metering::DeletionMode::Permanent,
        backup_days: None,
        payer: None,
    });
    let announce = RuntimeCall::SubchainStatus(accord_pallet_subchain_status::Call::announce_contract {
        subchain: 1,
        contract,
        code_hash: accord_primitives::H256([3; 32]),
        height: 77,
    });
    let quota = RuntimeCall::Metering(accord_pallet_metering::Call::buy_quota_for { owner: bob.account(), bytes: 64 });
    vec![
        chain.signed(&alice, &target, 0).into_encoded(),
        chain.signed(&alice, &contract_data, 0).into_encoded(),
        chain.signed(&alice, &announce, 0).into_encoded(),
        chain.signed(&alice, &quota, 0).into_encoded(),
        chain.signed(&alice, &exchange, 0).into_encoded(),
        chain.signed(&alice, &deletion, 0).into_encoded(),
        chain.signed(&alice, &classed, 0).into_encoded(),
        UncheckedExtrinsic::new_unsigned(&signal.encode()).into_encoded(),
        chain.signed(&alice, &proposal, 0).into_encoded(),
        chain.signed(&alice, &bind, 0).into_encoded(),
        chain.signed(&alice, &node, 0).into_encoded(),
        chain.signed(&alice, &business, 0).into_encoded(),
        chain.signed(&alice, &transfer, 0).into_encoded(),
        chain.sign(&alice, &remark, 1, Era::mortal(64, 0), 5).into_encoded(),
        timestamp_inherent(12345).into_encoded(),
        UncheckedExtrinsic::new_unsigned(&remark.encode()).into_encoded(),
    ]
}

/// Flips, inserts, deletes or overwrites a few bytes.
fn mutate(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.gen_range(1..4) {
        let len = bytes.len();
        match rng.gen_range(0..5) {
            0 if len > 0 => {
                let i = rng.gen_range(0..len);
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => {
                let i = rng.gen_range(0..=len);
                bytes.insert(i, rng.gen());
            }
            2 if len > 0 => {
                bytes.remove(rng.gen_range(0..len));
            }
            3 if len > 0 => {
                let i = rng.gen_range(0..len);
                bytes[i] = rng.gen();
            }
            _ => bytes.truncate(rng.gen_range(0..=len)),
        }
    }
}

#[test]
fn extrinsic_and_call_decoding_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(seed());
    let chain = Chain::dev();
    let samples = samples(&chain);
    let mut decoded = 0u32;
    for _ in 0..iterations(50_000) {
        let mut bytes = if rng.gen_bool(0.2) {
            let mut b = vec![0u8; rng.gen_range(0..300)];
            rng.fill_bytes(&mut b);
            b
        } else {
            samples[rng.gen_range(0..samples.len())].clone()
        };
        mutate(&mut rng, &mut bytes);
        if let Ok(xt) = UncheckedExtrinsic::decode_with_limit(&bytes, EXTRINSIC_LENGTH_MAX) {
            decoded += 1;
            let _ = RuntimeCall::decode_all(xt.call());
            assert_eq!(xt.encoded(), &bytes[..], "decoding keeps the submitted bytes");
        }
        let _ = RuntimeCall::decode_all(&bytes);
    }
    assert!(decoded > 0, "the mutations should leave some extrinsics decodable");
}

#[test]
fn validation_and_application_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(seed());
    let chain = Chain::dev();
    let samples = samples(&chain);
    let parent = chain.best().clone();
    let mut exec = BlockExecution::initialize(&chain.state, parent.hash(), 1, Digest::default());
    exec.apply(&timestamp_inherent(1)).unwrap();
    for _ in 0..iterations(3_000) {
        let mut bytes = samples[rng.gen_range(0..samples.len())].clone();
        mutate(&mut rng, &mut bytes);
        let Ok(xt) = UncheckedExtrinsic::decode_with_limit(&bytes, EXTRINSIC_LENGTH_MAX) else {
            continue;
        };
        let _ = chain.validate(&xt);
        let _ = exec.apply(&xt);
        let mut input = vec![2u8];
        input.extend_from_slice(&bytes);
        input.extend_from_slice(&[0; 32]);
        let _ = crate::apis::call(&chain.state, "TaggedTransactionQueue_validate_transaction", &input);
        let _ = crate::apis::call(&chain.state, "TransactionPaymentApi_query_info", &bytes);
    }
    assert!(exec.finalize().is_ok());
}
