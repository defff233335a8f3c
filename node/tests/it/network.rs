//! A BFT network of real processes on loopback: four validators (//Alice..//Dave, the
//! `local` chain with epochs of [`EPOCH_LENGTH`] blocks) and two more nodes (one started
//! late), each with its own base path and dynamically picked RPC and p2p ports. Node 4 runs
//! as a validator whose key is not in the genesis set: it follows until root adds it; it
//! announces only version 1 of the Records logic (`--logic-versions`), as an older binary
//! would, so a release of version 2 is refused while it validates. One
//! network is started and taken through every phase in turn (starting processes is the
//! expensive part).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use jsonrpsee::http_client::HttpClient;
use serde_json::json;

use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::Pair;

use crate::harness::{
    call, finalized, free_port, genesis_hash, header_of, hex0x, node_bin, sign, transfer, wait_until, Node,
};

const VALIDATORS: [&str; 4] = ["//Alice", "//Bob", "//Charlie", "//Dave"];
/// The full nodes' key seeds (any fixed 32 bytes): one from the start, one started late.
const FULL_NODE_SEEDS: [[u8; 32]; 2] = [[7; 32], [8; 32]];
/// Nodes: four validators, then the two full nodes.
const NODES: usize = 6;
/// The keys of two misbehaving peers, known to every node (but never started as nodes).
const ROGUE_SEEDS: [[u8; 32]; 2] = [[9; 32], [10; 32]];
/// The full node started at the end.
const LATE: usize = 5;

/// Blocks per epoch: short, so that every phase crosses boundaries.
const EPOCH_LENGTH: u64 = 8;

/// Long enough for several 1 s blocks with four validators and a full node sharing two cores.
const PROGRESS: Duration = Duration::from_secs(60);

struct Network {
    _tmp: tempfile::TempDir,
    spec: String,
    bases: Vec<PathBuf>,
    p2p_ports: Vec<u16>,
    keys: Vec<[u8; 32]>,
    nodes: Vec<Option<Node>>,
}

impl Network {
    /// Four validators and a full node (index 4) started; a second full node ([`LATE`])
    /// known to all but not started.
    fn start() -> Network {
        let tmp = tempfile::tempdir().unwrap();
        let bases: Vec<PathBuf> = (0..NODES).map(|i| tmp.path().join(format!("node{i}"))).collect();
        let mut keys: Vec<[u8; 32]> = VALIDATORS.iter().map(|v| Ed25519Pair::from_uri(v).unwrap().public()).collect();
        for (seed, base) in FULL_NODE_SEEDS.iter().zip(&bases[4..]) {
            keys.push(Ed25519Pair::from_seed(seed).public());
            std::fs::create_dir_all(base).unwrap();
            std::fs::write(base.join("node-key"), hex::encode(seed)).unwrap();
        }
        keys.extend(ROGUE_SEEDS.iter().map(|seed| Ed25519Pair::from_seed(seed).public()));
        let p2p_ports = (0..NODES + ROGUE_SEEDS.len()).map(|_| free_port()).collect();
        let spec = tmp.path().join("spec.json");
        let built = Command::new(node_bin())
            .args(["build-spec", "--chain", "local", "--epoch-length", &EPOCH_LENGTH.to_string()])
            .output()
            .unwrap();
        assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
        std::fs::write(&spec, &built.stdout).unwrap();
        let spec = spec.display().to_string();
        let mut network =
            Network { _tmp: tmp, spec, bases, p2p_ports, keys, nodes: (0..NODES).map(|_| None).collect() };
        for i in 0..LATE {
            network.launch(i);
        }
        network
    }

    fn peers(&self, except: usize) -> String {
        (0..self.keys.len())
            .filter(|i| *i != except)
            .map(|i| format!("{}@127.0.0.1:{}", hex::encode(self.keys[i]), self.p2p_ports[i]))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Starts node `i` (again) on its base path.
    fn launch(&mut self, i: usize) {
        let listen = format!("127.0.0.1:{}", self.p2p_ports[i]);
        let peers = self.peers(i);
        let key_file = self.bases[i].join("node-key").display().to_string();
        let spec = self.spec.clone();
        let mut args = vec!["--chain", &spec, "--listen-addr", &listen, "--bootnodes", &peers];
        match i {
            0..4 => args.extend(["--validator", "--validator-key", VALIDATORS[i]]),
            // Not in the genesis set: it votes once root adds it.
            4 => args.extend(["--validator", "--validator-key", &key_file, "--logic-versions", "Records:1"]),
            _ => args.extend(["--node-key-file", &key_file]),
        }
        self.nodes[i] = Some(Node::spawn(&self.bases[i], &args));
    }

    fn kill9(&mut self, i: usize) {
        if let Some(mut node) = self.nodes[i].take() {
            node.kill9();
        }
    }

    fn client(&self, i: usize) -> HttpClient {
        self.nodes[i].as_ref().expect("node running").http()
    }

    fn running(&self) -> Vec<usize> {
        (0..NODES).filter(|i| self.nodes[*i].is_some()).collect()
    }

    /// Waits until every running node has finalized `height`.
    async fn wait_finalized(&self, height: u32, what: &str) {
        for i in self.running() {
            let client = self.client(i);
            wait_until(&format!("node {i} to finalize #{height} ({what})"), PROGRESS, || async {
                finalized(&client).await.0 >= height
            })
            .await;
        }
    }

    /// The lowest finalized height among the running nodes.
    async fn min_finalized(&self) -> u32 {
        let mut min = u32::MAX;
        for i in self.running() {
            min = min.min(finalized(&self.client(i)).await.0);
        }
        min
    }

    /// Every running node has the same block hash and state root at every height up to
    /// `height`.
    async fn assert_agree(&self, height: u32) {
        let running = self.running();
        for n in 0..=height {
            let mut seen: Option<(String, String)> = None;
            for &i in &running {
                let client = self.client(i);
                let hash = call(&client, "chain_getBlockHash", vec![json!(n)]).await;
                let hash = hash.as_str().unwrap_or_else(|| panic!("node {i} has no block #{n}")).to_string();
                let root = header_of(&client, Some(&hash)).await["stateRoot"].as_str().unwrap().to_string();
                match &seen {
                    None => seen = Some((hash, root)),
                    Some(first) => assert_eq!(first, &(hash, root), "node {i} disagrees at #{n}"),
                }
            }
        }
    }
}

fn free_balance(account: &serde_json::Value) -> u128 {
    // System.Account: nonce u32, consumers u32, providers u32, sufficients u32, then free u128
    // (none stored: no account yet).
    let Some(account) = account.as_str() else { return 0 };
    let bytes = hex::decode(account.trim_start_matches("0x")).unwrap();
    u128::from_le_bytes(bytes[16..32].try_into().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_and_full_nodes_finalize_agree_survive_crashes_and_sync_late() {
    let mut net = Network::start();

    // Four validators finalize; every node, the full node too, agrees on every block.
    net.wait_finalized(3, "start").await;
    let height = net.min_finalized().await;
    net.assert_agree(height).await;

    // A transfer submitted to the full node is gossiped to the leaders, included and
    // finalized; every node sees the new balance.
    let full = net.client(4);
    let genesis = genesis_hash(&full).await;
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let bob_key = hex0x(&accord_pallet_system::ACCOUNT.key(&bob.account()));
    let before = free_balance(&call(&full, "state_getStorage", vec![json!(bob_key)]).await);
    let xt = sign(genesis, &alice, &transfer(&bob, 1_000_000), 0);
    call(&full, "author_submitExtrinsic", vec![json!(hex0x(xt.encoded()))]).await;
    for i in net.running() {
        let client = net.client(i);
        wait_until(&format!("node {i} to finalize the transfer"), PROGRESS, || async {
            let (_, head) = finalized(&client).await;
            let v = call(&client, "state_getStorage", vec![json!(bob_key), json!(head)]).await;
            free_balance(&v) == before + 1_000_000
        })
        .await;
    }

    // The best block is the notarized head: back-to-back transfers through the full node,
    // each taking its nonce at the best block once the previous one is inBlock, all land,
    // and every state method answers at the inBlock hash at once.
    let full_ws = net.nodes[4].as_ref().unwrap().ws_url();
    crate::best_chain::back_to_back_sends_land(&full_ws, genesis, &alice, &bob, BACK_TO_BACK).await;
    let validator_ws = net.nodes[0].as_ref().unwrap().ws_url();
    crate::best_chain::back_to_back_sends_land(&validator_ws, genesis, &alice, &bob, BACK_TO_BACK).await;

    // A peer that sends malformed votes is blocked by every validator; one that sends a
    // message over the size limit is disconnected; finality goes on.
    let namespace = accord_node::consensus_namespace(genesis, EPOCH_LENGTH, &net.keys[..4]);
    let validators: Vec<([u8; 32], std::net::SocketAddr)> =
        (0..4).map(|i| (net.keys[i], format!("127.0.0.1:{}", net.p2p_ports[i]).parse().unwrap())).collect();
    let epoch = call(&net.client(0), "accord_validators", vec![]).await["currentEpoch"].as_u64().unwrap();
    let others: Vec<([u8; 32], std::net::SocketAddr)> =
        (4..NODES).map(|i| (net.keys[i], format!("127.0.0.1:{}", net.p2p_ports[i]).parse().unwrap())).collect();
    let rogue = |i: usize, misdeed| {
        let (validators, others, namespace) = (validators.clone(), others.clone(), namespace.clone());
        let listen = format!("127.0.0.1:{}", net.p2p_ports[NODES + i]).parse().unwrap();
        tokio::task::spawn_blocking(move || {
            let watch = Duration::from_secs(4);
            crate::rogue::misbehave(ROGUE_SEEDS[i], listen, validators, others, namespace, misdeed, watch)
        })
    };
    let at = net.min_finalized().await;
    let malformed = rogue(0, crate::rogue::Misdeed::MalformedVotes { epochs: [epoch, epoch + 1] }).await.unwrap();
    assert_eq!(malformed.before, 4, "{malformed:?}");
    assert_eq!(malformed.after, 0, "still connected after malformed votes: {malformed:?}");
    let oversized = rogue(1, crate::rogue::Misdeed::Oversized { bytes: 8 << 20 }).await.unwrap();
    assert_eq!(oversized.before, 4, "{oversized:?}");
    assert_eq!(oversized.after, 0, "still connected after an oversized message: {oversized:?}");
    net.wait_finalized(at + 3, "after the rogue peers").await;

    // The finalized head carries a certificate that verifies against the validator set,
    // and fails for another block or when tampered with.
    // (A block finalized only through a descendant's certificate has none of its own.)
    let (top, _) = finalized(&net.client(0)).await;
    let mut found = None;
    for n in (1..=top).rev().take(10) {
        let hash = call(&net.client(0), "chain_getBlockHash", vec![json!(n)]).await.as_str().unwrap().to_string();
        let cert = call(&net.client(0), "accord_getFinalityCertificate", vec![json!(hash)]).await;
        if let Some(cert) = cert.as_str() {
            found = Some((hash, cert.to_string()));
            break;
        }
    }
    let (head, certificate) = found.expect("one of the last ten finalized blocks has a certificate");
    // The set has not changed yet: the current epoch's is the certificate's epoch's.
    let set = call(&net.client(0), "accord_validators", vec![]).await;
    let set: Vec<&str> = set["validators"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    let set = set.join(",");
    let verify = |cert: &str, block: &str| {
        Command::new(node_bin())
            .args(["verify-certificate", "--chain", &net.spec, "--validators", &set, "--block", block, cert])
            .output()
            .unwrap()
    };
    let ok = verify(&certificate, &head);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("valid"));
    let genesis_hex = genesis.to_hex();
    assert!(!verify(&certificate, &genesis_hex).status.success());
    let mut tampered = hex::decode(certificate.trim_start_matches("0x")).unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(!verify(&hex0x(&tampered), &head).status.success());

    // kill -9 one validator under a transfer load: the other three keep finalizing and
    // lose no transfer; restarted, it catches up and agrees.
    let charlie = Pair::dev("Charlie");
    let charlie_key = hex0x(&accord_pallet_system::ACCOUNT.key(&charlie.account()));
    let charlie_before = free_balance(&call(&full, "state_getStorage", vec![json!(charlie_key)]).await);
    let load = {
        let (client, bob) = (net.client(0), Pair::dev("Bob"));
        let charlie = Pair::dev("Charlie");
        tokio::spawn(async move {
            for nonce in 0..LOAD_TRANSFERS {
                // Above the existential deposit, so that Charlie's account comes to be.
                let xt = sign(genesis, &bob, &transfer(&charlie, TRANSFER), nonce);
                call(&client, "author_submitExtrinsic", vec![json!(hex0x(xt.encoded()))]).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    net.kill9(3);
    let at_kill = net.min_finalized().await;
    net.wait_finalized(at_kill + 3, "without Dave").await;
    load.await.unwrap();
    net.launch(3);
    let target = net.min_finalized().await.max(at_kill + 3) + 1;
    net.wait_finalized(target, "Dave back").await;
    let expected = charlie_before + u128::from(LOAD_TRANSFERS) * TRANSFER;
    for i in net.running() {
        let client = net.client(i);
        wait_until(&format!("node {i} to finalize every transfer of the load"), PROGRESS, || async {
            let (_, head) = finalized(&client).await;
            let v = call(&client, "state_getStorage", vec![json!(charlie_key), json!(head)]).await;
            free_balance(&v) == expected
        })
        .await;
    }
    net.assert_agree(net.min_finalized().await).await;

    // Two of four stopped: finality halts (no quorum) without any disagreement; one back:
    // it resumes.
    net.kill9(2);
    net.kill9(3);
    let highest = net.assert_halted("two of four validators down").await;
    net.launch(2);
    net.wait_finalized(highest + 2, "Charlie back").await;
    net.assert_agree(net.min_finalized().await).await;

    // A full node started late fetches every finalized block it missed, then follows, and
    // serves the same state.
    let head = net.min_finalized().await;
    net.launch(LATE);
    net.wait_finalized(head + 2, "the late full node").await;
    net.assert_agree(net.min_finalized().await).await;

    // Root adds node 4 to the validators (a proposal the development organization, the
    // `local` chain's only one, passes): from the next epoch it votes. With Dave down,
    // Alice, Bob, Charlie and node 4 are four of five, a quorum only with node 4's votes.
    net.launch(3);
    // Alice's transfers took nonces 0 (the first) and 1..=2 * BACK_TO_BACK.
    let nonce = 1 + 2 * BACK_TO_BACK;
    net.govern(genesis, validators_call(Call::add_validator { validator: net.keys[4] }), nonce, 1).await;
    net.wait_validators(|set| set.len() == 5 && set.contains(&hex0x(&net.keys[4])), "node 4 to join").await;
    net.kill9(3);
    let at = net.min_finalized().await;
    net.wait_finalized(at + 3, "node 4 voting, Dave down").await;

    // Each validator signalled the logic versions it runs in a block it proposed; node 4
    // lacks version 2, so a proposal to release it passes but its execution is refused and
    // no release opens.
    net.assert_release_refused(genesis, nonce + 3, 2).await;

    // Root removes Dave (down): from the next epoch the set is Alice, Bob, Charlie and
    // node 4. Dave restarted follows (catching up across the epochs it missed) but no
    // longer counts: with Charlie and node 4 down, Alice, Bob and Dave cannot finalize.
    net.govern(genesis, validators_call(Call::remove_validator { validator: net.keys[3] }), nonce + 6, 3).await;
    let without =
        net.wait_validators(|set| set.len() == 4 && !set.contains(&hex0x(&net.keys[3])), "Dave to be removed").await;
    net.launch(3);
    let dave = net.client(3);
    wait_until("Dave to catch up to the epoch without him", PROGRESS, || async {
        // Just restarted, Dave may answer before consensus reports an epoch: not yet.
        call(&dave, "accord_validators", vec![]).await["currentEpoch"].as_u64().is_some_and(|e| e >= without)
    })
    .await;
    net.wait_finalized(net.min_finalized().await + 2, "Dave following").await;
    net.kill9(2);
    net.kill9(4);
    let highest = net.assert_halted("a removed validator's votes counted").await;
    net.launch(2);
    net.wait_finalized(highest + 2, "Charlie back").await;
    net.assert_agree(net.min_finalized().await).await;
}

/// Transfers sent back to back through each of two nodes (the full node, a validator).
const BACK_TO_BACK: u32 = 8;
/// Transfers of the load under which a validator is killed.
const LOAD_TRANSFERS: u32 = 60;
/// The amount of each.
const TRANSFER: u128 = accord_runtime::UNIT;

type Call = accord_pallet_validators::Call;

fn validators_call(call: Call) -> accord_runtime::RuntimeCall {
    accord_runtime::RuntimeCall::Validators(call)
}

impl Network {
    /// Checks over 9 s that finality has halted (at most one more block, one that was
    /// already being finalized); returns the highest finalized height.
    async fn assert_halted(&self, why: &str) -> u32 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let halted = self.min_finalized().await;
        tokio::time::sleep(Duration::from_secs(6)).await;
        let mut highest = 0;
        for i in self.running() {
            highest = highest.max(finalized(&self.client(i)).await.0);
        }
        assert!(highest <= halted + 1, "finality went on ({why}): {halted} -> {highest}");
        highest
    }

    /// Alice, the admin of the chain's one organization, has `inner` dispatched as root by
    /// governance: she proposes it (proposal `proposal`), votes aye (one organization of one:
    /// it passes) and executes it, with nonces `nonce`, `nonce + 1` and `nonce + 2`, submitted
    /// to node 0 together (nonce order applies them in turn).
    async fn govern(
        &self,
        genesis: accord_primitives::H256,
        inner: accord_runtime::RuntimeCall,
        nonce: u32,
        proposal: u32,
    ) {
        use accord_pallet_governance::{Call as Gov, VoteKind};
        use accord_runtime::RuntimeCall::Governance;
        let calls = [
            Governance(Gov::propose { org: 1, call: Box::new(inner.clone()) }),
            Governance(Gov::vote { proposal, org: 1, vote: VoteKind::Aye }),
            Governance(Gov::execute { proposal, call: Box::new(inner) }),
        ];
        for (i, c) in calls.iter().enumerate() {
            let xt = sign(genesis, &Pair::dev("Alice"), c, nonce + i as u32);
            call(&self.client(0), "author_submitExtrinsic", vec![json!(hex0x(xt.encoded()))]).await;
        }
    }

    /// Waits for every validator's signal (node 4: version 1 only), then has governance try
    /// to release version 2 of Records (proposal `proposal`, Alice's nonces from `nonce`):
    /// the proposal executes, the release is refused, and calls still run version 1.
    async fn assert_release_refused(&self, genesis: accord_primitives::H256, nonce: u32, proposal: u32) {
        use accord_pallet_releases::{self as releases, Signal, Target};
        let client = self.client(0);
        let signal_of = |key: [u8; 32]| {
            let client = client.clone();
            async move {
                let key = hex0x(&releases::SUPPORT.key(&key));
                let value = call(&client, "state_getStorage", vec![json!(key)]).await;
                value.as_str().map(|v| {
                    let bytes = hex::decode(v.trim_start_matches("0x")).unwrap();
                    <Signal as codec::Decode>::decode(&mut &bytes[..]).unwrap()
                })
            }
        };
        wait_until("every validator to signal its logic versions", PROGRESS * 2, || async {
            let mut all = true;
            for key in &self.keys[..5] {
                all &= signal_of(*key).await.is_some();
            }
            all
        })
        .await;
        for (i, key) in self.keys[..5].iter().enumerate() {
            let signal = signal_of(*key).await.unwrap();
            assert!(signal.supports(Target::Records, 1), "validator {i}: {signal:?}");
            assert_eq!(signal.supports(Target::Records, 2), i < 4, "validator {i}: {signal:?}");
        }
        let cohort = accord_support::BoundedVec::try_from_vec(vec![Pair::dev("Alice").account()]).unwrap();
        let open = accord_runtime::RuntimeCall::Releases(releases::Call::open_release {
            target: Target::Records,
            new_version: 2,
            cohort,
        });
        self.govern(genesis, open, nonce, proposal).await;
        let proposal_key = hex0x(&accord_pallet_governance::PROPOSALS.key(&proposal));
        wait_until("the release proposal to execute", PROGRESS, || async {
            let value = call(&client, "state_getStorage", vec![json!(proposal_key)]).await;
            value.as_str().is_some_and(|v| {
                let bytes = hex::decode(v.trim_start_matches("0x")).unwrap();
                let p = <accord_pallet_governance::Proposal as codec::Decode>::decode(&mut &bytes[..]).unwrap();
                p.status == accord_pallet_governance::ProposalStatus::Executed
            })
        })
        .await;
        let last = call(&client, "state_getStorage", vec![json!(hex0x(&releases::LAST_RELEASE.key()))]).await;
        assert!(last.is_null(), "no release opened: {last}");
        let route = call(&client, "releases_route", vec![json!("Records"), json!("production"), json!("0x01")]).await;
        assert_eq!(route["version"], 1, "{route}");
        assert!(route["release"].is_null(), "{route}");
    }

    /// Waits until node 0 is in an epoch whose set (hex keys) satisfies `ok`; returns
    /// that epoch.
    async fn wait_validators(&self, ok: impl Fn(&Vec<String>) -> bool, what: &str) -> u64 {
        let client = self.client(0);
        let epoch = std::cell::Cell::new(0);
        wait_until(what, PROGRESS * 2, || async {
            let v = call(&client, "accord_validators", vec![]).await;
            let set: Vec<String> = v["validators"]
                .as_array()
                .map(|a| a.iter().map(|k| k.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            epoch.set(v["currentEpoch"].as_u64().unwrap_or(0));
            ok(&set)
        })
        .await;
        epoch.get()
    }
}
