//! The provisioning driver with real processes: a main chain (dev node), two organizations
//! with two nodes each in their physical sets on loopback, an alliance and a business chain;
//! one driver per organization starts the four `accord-node` processes, which form one BFT
//! chain and finalize blocks; a driver killed with -9 mid-task and restarted neither
//! duplicates nor loses a node; deleting the alliance stops them all.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use codec::{Decode, Encode};
use serde_json::json;

use accord_pallet_alliances::{self as alliances, Blockchain, ChainMode, OrgList, TaskKind, TaskStatus};
use accord_pallet_organizations::{self as organizations, Endpoint, Name, NodeRole, ResourceSpace, StorageMedium};
use accord_primitives::crypto::Ed25519Pair;
use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::{Era, Implicit, MultiAddress, Pair, UncheckedExtrinsic, H256};
use accord_runtime::version::{SPEC_VERSION, TRANSACTION_VERSION};
use accord_runtime::RuntimeCall;
use accord_support::BoundedVec;

use crate::support::{genesis, node_bin, rpc, start_node, wait_for, Proc, UNIT};

/// Kills (-9) every process whose command line mentions `dir`, when dropped: the node
/// processes the drivers started outlive the drivers by design.
struct Reaper(PathBuf);

impl Drop for Reaper {
    fn drop(&mut self) {
        for pid in processes_under(&self.0) {
            // SAFETY: kill(2) of a process this test's drivers started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// The `accord-node` processes whose base path lies under `dir`.
fn processes_under(dir: &Path) -> Vec<i32> {
    let needle = dir.to_string_lossy().into_owned();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let args: Vec<String> = cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.rsplit_once(')').is_some_and(|(_, r)| r.trim_start().starts_with('Z')))
            .unwrap_or(true);
        if !zombie && args.iter().any(|a| a == "--base-path") && args.iter().any(|a| a.starts_with(&needle)) {
            pids.push(pid);
        }
    }
    pids
}

fn bounded<T, const N: u32>(items: Vec<T>) -> BoundedVec<T, N> {
    BoundedVec::try_from_vec(items).map_err(|_| "too many").unwrap()
}

fn name(s: &str) -> Name {
    bounded(s.as_bytes().to_vec())
}

fn endpoint(port: u16) -> Endpoint {
    Endpoint { host: bounded(b"127.0.0.1".to_vec()), port }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn storage<T: Decode>(url: &str, key: Vec<u8>) -> Option<T> {
    let v = rpc(url, "state_getStorage", json!([format!("0x{}", hex::encode(key))]));
    let bytes = hex::decode(v.as_str()?.trim_start_matches("0x")).unwrap();
    Some(T::decode(&mut &bytes[..]).unwrap())
}

fn next_index(url: &str, who: &Pair) -> u32 {
    rpc(url, "system_accountNextIndex", json!([who.account().to_ss58_default()])).as_u64().unwrap() as u32
}

/// Signs and submits `call`, then waits until it is in a block (the sender's nonce moved on
/// and the pool is empty).
fn send(url: &str, genesis_hash: H256, who: &Pair, call: RuntimeCall) {
    let nonce = next_index(url, who);
    let implicit = Implicit {
        spec_version: SPEC_VERSION,
        transaction_version: TRANSACTION_VERSION,
        genesis_hash,
        era_birth_hash: genesis_hash,
    };
    let xt = UncheckedExtrinsic::new_signed(
        &call.encode(),
        who,
        SignedExtra { era: Era::Immortal, nonce, tip: 0 },
        &implicit,
    );
    let hash = rpc(url, "author_submitExtrinsic", json!([format!("0x{}", hex::encode(xt.encoded()))]));
    assert!(hash.is_string(), "{call:?} was refused");
    wait_for("inclusion", Duration::from_secs(30), || {
        rpc(url, "author_pendingExtrinsics", json!([])).as_array().unwrap().is_empty()
    });
}

fn sudo(call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(call) })
}

fn org_call(call: organizations::Call) -> RuntimeCall {
    RuntimeCall::Organizations(call)
}

fn alliance_call(call: alliances::Call) -> RuntimeCall {
    RuntimeCall::Alliances(call)
}

fn driver_config(dir: &Path, url: &str, org: u32, admin: &str, keys: &[PathBuf]) -> PathBuf {
    let keys: Vec<String> = keys.iter().map(|k| format!("{:?}", k.display().to_string())).collect();
    let text = format!(
        "node_url = {url:?}\norg = {org}\nsigning_key = {admin:?}\nwork_dir = {:?}\nnode_binary = {:?}\npoll_ms = 300\nnode_keys = [{}]\n",
        dir.join(format!("org{org}")).display().to_string(),
        node_bin().display().to_string(),
        keys.join(", ")
    );
    let path = dir.join(format!("org{org}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn start_driver(config: &Path, log: &Path) -> Proc {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_accord-offchain"))
        .arg("provision")
        .arg("--config")
        .arg(config)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Proc(child)
}

fn finalized_number(url: &str) -> u64 {
    let hash = rpc(url, "chain_getFinalizedHead", json!([]));
    let header = rpc(url, "chain_getHeader", json!([hash]));
    u64::from_str_radix(header["number"].as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn drivers_start_a_business_chain_of_four_real_nodes_and_stop_it_on_deletion() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let _reaper = Reaper(dir.clone());
    let (_main, url) = start_node(&dir.join("main"), "dev");
    let g = genesis(&url);
    let alice = Pair::dev("Alice");
    let admins = [Pair::dev("BetaAdmin"), Pair::dev("GammaAdmin")];

    // Two organizations (codes 2 and 3), each with a physical set of two loopback ports and
    // two validator nodes that prove their keys.
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let mut key_files = Vec::new();
    let mut keys = Vec::new();
    for (i, admin) in admins.iter().enumerate() {
        let org = i as u32 + 2;
        send(
            &url,
            g,
            &alice,
            RuntimeCall::Balances(accord_pallet_balances::Call::transfer_keep_alive {
                dest: MultiAddress::Id(admin.account()),
                value: 1_000 * UNIT,
            }),
        );
        let register = organizations::Call::register_org {
            name: name(&format!("Org{org}")),
            category: organizations::Category::OffCloud,
            admins: bounded(vec![admin.account()]),
            credentials: Default::default(),
        };
        send(&url, g, &alice, sudo(org_call(register)));
        let space = ResourceSpace::Physical(bounded(vec![endpoint(ports[2 * i]), endpoint(ports[2 * i + 1])]));
        send(&url, g, admin, org_call(organizations::Call::bind_resource_space { org, space }));
        for j in 0..2 {
            let n = 2 * i + j;
            let seed = [n as u8 + 1; 32];
            let pair = Ed25519Pair::from_seed(&seed);
            let file = dir.join(format!("node{n}.key"));
            std::fs::write(&file, format!("{}\n", hex::encode(seed))).unwrap();
            key_files.push(file);
            keys.push(pair.public());
            let proof = pair.sign(&organizations::node_proof_payload(&g, org, &pair.public()));
            let call = organizations::Call::register_node {
                org,
                key: pair.public(),
                address: endpoint(ports[n]),
                role: NodeRole::Validator,
                medium: StorageMedium::Ssd,
                proof,
            };
            send(&url, g, admin, org_call(call));
        }
    }
    assert_eq!(storage::<u32>(&url, organizations::LAST_ORG_CODE.key()), Some(3));

    // Alliance 1 of the development organization with both, and a business chain on the
    // four nodes.
    let create = alliances::Call::create_alliance {
        org: 1,
        name: name("Trade"),
        platform: 1,
        invitees: bounded(vec![2, 3]),
        deadline: 1_000,
    };
    send(&url, g, &alice, alliance_call(create));
    for (i, admin) in admins.iter().enumerate() {
        send(&url, g, admin, alliance_call(alliances::Call::accept_invitation { alliance: 1, org: i as u32 + 2 }));
    }
    let blockchain = Blockchain {
        external_id: name("ledger"),
        name: name("Ledger"),
        platform: 1,
        orgs: OrgList::try_from_vec(vec![2, 3]).unwrap(),
        nodes: bounded(keys.clone()),
        node_spec: bounded(b"cpu=1".to_vec()),
        chain_spec: bounded(b"consensus=bft;blockTimeMs=500".to_vec()),
        extra: BoundedVec::new(),
    };
    let chain = alliances::Call::create_business_chain {
        alliance: 1,
        org: 2,
        name: name("Ledger"),
        mode: ChainMode::MultiSubchain,
        orgs: OrgList::try_from_vec(vec![2, 3]).unwrap(),
        blockchains: bounded(vec![blockchain]),
    };
    send(&url, g, &admins[0], alliance_call(chain));
    let record: alliances::BusinessChain = storage(&url, alliances::CHAINS.key(&1)).expect("the chain is registered");
    assert_eq!(record.status, alliances::ChainStatus::Creating);
    let task_of = |id: u32| storage::<alliances::Task>(&url, alliances::TASKS.key(&id)).unwrap();

    // Gamma's driver, then Beta's, killed with -9 as soon as its nodes run, and restarted.
    let gamma_config = driver_config(&dir, &url, 3, "//GammaAdmin", &key_files[2..]);
    let beta_config = driver_config(&dir, &url, 2, "//BetaAdmin", &key_files[..2]);
    let _gamma = start_driver(&gamma_config, &dir.join("gamma-driver.log"));
    let mut beta = start_driver(&beta_config, &dir.join("beta-driver.log"));
    wait_for("Beta's two nodes", Duration::from_secs(60), || processes_under(&dir.join("org2")).len() == 2);
    let _ = beta.0.kill();
    let _ = beta.0.wait();
    assert_eq!(processes_under(&dir.join("org2")).len(), 2, "its nodes outlive the driver");
    let _beta = start_driver(&beta_config, &dir.join("beta-driver.log"));

    wait_for("the creation task to succeed", Duration::from_secs(120), || {
        task_of(record.task).status == TaskStatus::Succeeded
    });
    let active: alliances::BusinessChain = storage(&url, alliances::CHAINS.key(&1)).unwrap();
    assert_eq!(active.status, alliances::ChainStatus::Active);
    assert_eq!(processes_under(&dir.join("org2")).len(), 2, "the restarted driver started no second copy");
    assert_eq!(processes_under(&dir.join("org3")).len(), 2);

    // The four nodes form one chain: the same genesis, and blocks finalized by BFT.
    let mut urls = Vec::new();
    for org in ["org2", "org3"] {
        for unit in std::fs::read_dir(dir.join(org)).unwrap().flatten() {
            urls.push(std::fs::read_to_string(unit.path().join("rpc")).unwrap().trim().to_string());
        }
    }
    assert_eq!(urls.len(), 4);
    let genesis_hashes: Vec<H256> = urls.iter().map(|u| genesis(u)).collect();
    assert!(genesis_hashes.iter().all(|h| *h == genesis_hashes[0]), "{genesis_hashes:?}");
    assert_ne!(genesis_hashes[0], g, "the business chain is a chain of its own");
    wait_for("the business chain to finalize blocks", Duration::from_secs(90), || finalized_number(&urls[0]) >= 3);
    wait_for("every node to follow", Duration::from_secs(60), || urls.iter().all(|u| finalized_number(u) >= 3));

    // Deleting the alliance (the leader, after a 10-block notice) stops every node, and
    // both drivers confirm.
    send(&url, g, &alice, alliance_call(alliances::Call::delete_alliance { alliance: 1, notice: 10 }));
    wait_for("the nodes to stop", Duration::from_secs(90), || {
        processes_under(&dir.join("org2")).is_empty() && processes_under(&dir.join("org3")).is_empty()
    });
    let last = storage::<u32>(&url, alliances::LAST_TASK.key()).unwrap();
    let deletion = task_of(last);
    assert_eq!(deletion.kind, TaskKind::DeleteAlliance);
    wait_for("the deletion task to succeed", Duration::from_secs(60), || task_of(last).status == TaskStatus::Succeeded);
    assert!(storage::<alliances::BusinessChain>(&url, alliances::CHAINS.key(&1)).is_none());
}
