//! The load: pre-signed transfers submitted over several WebSocket connections, and the
//! blocks read back to see when each was included.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codec::Encode;
use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde_json::Value;
use tokio::sync::Semaphore;

use accord_pallet_balances as balances;
use accord_primitives::extrinsic::SignedExtra;
use accord_primitives::hashing::blake2_256;
use accord_primitives::{Era, Implicit, MultiAddress, Pair, UncheckedExtrinsic, H256};
use accord_runtime::genesis::funded_account;
use accord_runtime::RuntimeCall;

use crate::limit::Limit;
use crate::node::Usage;
use crate::Args;

/// What one run measured.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Transfers pre-signed.
    pub(crate) total: u32,
    /// Accepted by the node.
    pub(crate) accepted: u64,
    /// Refused by the node, by reason.
    pub(crate) rejected: BTreeMap<String, u64>,
    /// Found in blocks.
    pub(crate) included: u32,
    /// Seconds from the first to the last submission.
    pub(crate) submit_seconds: f64,
    /// Signing time, seconds.
    pub(crate) sign_seconds: f64,
    /// CPU seconds of this process spent signing (all threads).
    pub(crate) sign_cpu_seconds: f64,
    /// Included per second from the first to the last block holding our transfers (the
    /// first block's own transfers not counted: they arrived before the interval).
    pub(crate) sustained: f64,
    /// Included per second from the first submission to the last inclusion.
    pub(crate) overall: f64,
    /// Submit-to-inBlock latencies, milliseconds, sorted.
    pub(crate) latencies_ms: Vec<f64>,
    /// Blocks that held our transfers: (number, transfers).
    pub(crate) blocks: Vec<(u32, u32)>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl Report {
    /// Prints the figures.
    pub(crate) fn print(&self, limit: Option<&Limit>, usage: Option<&Usage>) {
        println!(
            "load: {} transfers signed in {:.1} s; {} accepted, {} rejected {:?}; submitted in {:.1} s ({:.0}/s)",
            self.total,
            self.sign_seconds,
            self.accepted,
            self.rejected.values().sum::<u64>(),
            self.rejected,
            self.submit_seconds,
            self.accepted as f64 / self.submit_seconds.max(1e-9)
        );
        let fills: Vec<u32> = self.blocks.iter().map(|b| b.1).collect();
        println!(
            "included: {} in {} blocks (max {} per block); sustained {:.0}/s, overall {:.0}/s",
            self.included,
            self.blocks.len(),
            fills.iter().max().copied().unwrap_or(0),
            self.sustained,
            self.overall
        );
        let l = &self.latencies_ms;
        println!(
            "submit-to-inBlock latency: p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            percentile(l, 0.5),
            percentile(l, 0.9),
            percentile(l, 0.99),
            percentile(l, 1.0)
        );
        if let Some(limit) = limit {
            println!(
                "ratio to the physical limit: {:.1}% of batched sr25519 on all cores, {:.1}% of one core one at a time",
                100.0 * self.sustained / limit.batched_all_cores,
                100.0 * self.sustained / limit.single
            );
        }
        if let Some(u) = usage {
            u.print();
        }
    }

    /// The JSON form.
    pub(crate) fn json(&self, limit: Option<&Limit>) -> Value {
        let l = &self.latencies_ms;
        serde_json::json!({
            "total": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "included": self.included,
            "blocks": self.blocks.len(),
            "max_per_block": self.blocks.iter().map(|b| b.1).max(),
            "submit_seconds": self.submit_seconds,
            "sustained_per_s": self.sustained.round(),
            "overall_per_s": self.overall.round(),
            "latency_ms": { "p50": percentile(l, 0.5), "p90": percentile(l, 0.9), "p99": percentile(l, 0.99), "max": percentile(l, 1.0) },
            "ratio_to_batched_all_cores": limit.map(|x| self.sustained / x.batched_all_cores),
        })
    }
}

async fn connect(url: &str) -> Result<WsClient, String> {
    WsClientBuilder::default()
        .max_concurrent_requests(4096)
        .max_buffer_capacity_per_subscription(4096)
        .request_timeout(Duration::from_secs(120))
        .build(url)
        .await
        .map_err(|e| format!("connecting to {url}: {e}"))
}

fn hex_bytes(v: &Value) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or_else(|| format!("expected a hex string, got {v}"))?;
    hex::decode(s.trim_start_matches("0x")).map_err(|e| format!("{s}: {e}"))
}

fn parse_hash(v: &Value) -> Result<H256, String> {
    let b = hex_bytes(v)?;
    let a: [u8; 32] = b.try_into().map_err(|_| "a hash is 32 bytes".to_string())?;
    Ok(H256(a))
}

/// A transfer ready to send.
struct Signed {
    hex: String,
    hash: [u8; 32],
}

/// A small deterministic generator (xorshift64*) for destinations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn sign_all(args: &Args, implicit: Implicit, nonces: &[u32]) -> Vec<Signed> {
    let total = args.total();
    let senders: Vec<Pair> = (0..args.senders).map(funded_account).collect();
    let destination_ids = accord_runtime::genesis::funded_accounts(args.accounts);
    let mut rng = Rng(args.seed.max(1));
    // Transfer k: sender k mod S with its next nonce, to a random funded account.
    let plan: Vec<(u32, u32, u32)> = (0..total)
        .map(|k| {
            let s = k % args.senders;
            let mut d = (rng.next() % args.accounts as u64) as u32;
            if d == s {
                d = (d + 1) % args.accounts;
            }
            (s, nonces[s as usize] + k / args.senders, d)
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let chunk = plan.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .chunks(chunk)
            .map(|part| {
                let (senders, ids) = (&senders, &destination_ids);
                scope.spawn(move || {
                    part.iter()
                        .map(|&(s, nonce, d)| {
                            let call = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
                                dest: MultiAddress::Id(ids[d as usize]),
                                value: accord_runtime::UNIT / 1000,
                            });
                            let xt = UncheckedExtrinsic::new_signed(
                                &call.encode(),
                                &senders[s as usize],
                                SignedExtra { era: Era::Immortal, nonce, tip: 0 },
                                &implicit,
                            );
                            Signed { hex: format!("0x{}", hex::encode(xt.encoded())), hash: blake2_256(xt.encoded()) }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("signing does not panic")).collect()
    })
}

/// Shared between the block reader and the main task.
#[derive(Default)]
struct Seen {
    included_at: HashMap<usize, Instant>,
    blocks: Vec<(u32, u32, Instant)>,
    error: Option<String>,
}

async fn read_blocks(
    client: WsClient,
    index: Arc<HashMap<[u8; 32], usize>>,
    seen: Arc<Mutex<Seen>>,
    window: Arc<Semaphore>,
) {
    let result: Result<(), String> = async {
        let mut heads = client
            .subscribe::<Value, _>("chain_subscribeNewHeads", rpc_params![], "chain_unsubscribeNewHeads")
            .await
            .map_err(|e| format!("subscribing to new heads: {e}"))?;
        let mut last: Option<u32> = None;
        while let Some(head) = heads.next().await {
            let arrived = Instant::now();
            let head = head.map_err(|e| format!("new heads: {e}"))?;
            let number = head["number"]
                .as_str()
                .and_then(|n| u32::from_str_radix(n.trim_start_matches("0x"), 16).ok())
                .ok_or_else(|| format!("bad header {head}"))?;
            let from = last.map_or(number, |l| l + 1);
            for n in from..=number {
                let hash: Value =
                    client.request("chain_getBlockHash", rpc_params![n]).await.map_err(|e| e.to_string())?;
                let block: Value =
                    client.request("chain_getBlock", rpc_params![hash]).await.map_err(|e| e.to_string())?;
                let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
                let mut ours = 0u32;
                let mut s = seen.lock().expect("not poisoned");
                for x in &extrinsics {
                    if let Some(k) = index.get(&blake2_256(&hex_bytes(x)?)) {
                        s.included_at.entry(*k).or_insert(arrived);
                        ours += 1;
                    }
                }
                if ours > 0 {
                    s.blocks.push((n, ours, arrived));
                    window.add_permits(ours as usize);
                }
            }
            last = Some(number);
        }
        Err("the new-heads subscription ended".into())
    }
    .await;
    if let Err(e) = result {
        seen.lock().expect("not poisoned").error = Some(e);
    }
}

fn reason(e: &jsonrpsee::core::ClientError) -> String {
    match e {
        jsonrpsee::core::ClientError::Call(obj) => {
            let data = obj.data().map(|d| format!(": {}", d.get())).unwrap_or_default();
            format!("{} {}{}", obj.code(), obj.message(), data)
        }
        other => other.to_string(),
    }
}

/// Runs the load against `url`.
pub(crate) async fn run(args: &Args, url: &str) -> Result<Report, String> {
    let control = connect(url).await?;
    let genesis: Value = control.request("chain_getBlockHash", rpc_params![0]).await.map_err(|e| e.to_string())?;
    let genesis = parse_hash(&genesis)?;
    let version: Value = control.request("state_getRuntimeVersion", rpc_params![]).await.map_err(|e| e.to_string())?;
    let implicit = Implicit {
        spec_version: version["specVersion"].as_u64().ok_or("runtime version without specVersion")? as u32,
        transaction_version: version["transactionVersion"].as_u64().ok_or("no transactionVersion")? as u32,
        genesis_hash: genesis,
        era_birth_hash: genesis,
    };
    // The last funded account must exist, or the node's genesis funds fewer accounts.
    let last = funded_account(args.accounts - 1).account();
    let key = format!("0x{}", hex::encode(accord_pallet_system::ACCOUNT.key(&last)));
    let stored: Value = control.request("state_getStorage", rpc_params![key]).await.map_err(|e| e.to_string())?;
    if stored.is_null() {
        return Err(format!(
            "funded account {} does not exist on this chain: start the node with a spec from `accord-node build-spec --open --funded-accounts {}`",
            args.accounts - 1,
            args.accounts
        ));
    }
    let mut nonces = Vec::with_capacity(args.senders as usize);
    for s in 0..args.senders {
        let who = funded_account(s).account().to_ss58_default();
        let n: u32 = control.request("system_accountNextIndex", rpc_params![who]).await.map_err(|e| e.to_string())?;
        nonces.push(n);
    }
    let total = args.total();
    println!("signing {total} transfers from {} senders to {} accounts ...", args.senders, args.accounts);
    let started = Instant::now();
    let cpu_before = crate::node::cpu_seconds(std::process::id()).unwrap_or(0.0);
    let signed = tokio::task::block_in_place(|| sign_all(args, implicit, &nonces));
    let sign_seconds = started.elapsed().as_secs_f64();
    let sign_cpu_seconds = crate::node::cpu_seconds(std::process::id()).unwrap_or(0.0) - cpu_before;
    let index: Arc<HashMap<[u8; 32], usize>> = Arc::new(signed.iter().enumerate().map(|(k, s)| (s.hash, k)).collect());
    let signed = Arc::new(signed);

    let seen = Arc::new(Mutex::new(Seen::default()));
    // At most `window` accepted transfers wait for inclusion: a client that keeps the pool
    // from overflowing (a refused nonce would leave the sender's later ones stuck).
    let window = Arc::new(Semaphore::new(args.window));
    let reader = tokio::spawn(read_blocks(connect(url).await?, index, seen.clone(), window.clone()));
    let mut clients = Vec::new();
    for _ in 0..args.connections {
        clients.push(Arc::new(connect(url).await?));
    }
    let sent_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; total as usize]));
    let rejected: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    println!(
        "submitting over {} connections {} ...",
        args.connections,
        if args.rate == 0 { "flat out".to_string() } else { format!("at {}/s", args.rate) }
    );
    let t0 = Instant::now();
    let mut feeders = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let (client, signed, sent_at, rejected) = (client.clone(), signed.clone(), sent_at.clone(), rejected.clone());
        let (connections, rate, in_flight) = (args.connections as usize, args.rate, args.in_flight);
        let window = window.clone();
        feeders.push(tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(in_flight));
            let mut tasks = Vec::new();
            for k in (c..signed.len()).step_by(connections) {
                if rate > 0 {
                    tokio::time::sleep_until((t0 + Duration::from_secs_f64(k as f64 / rate as f64)).into()).await;
                }
                let permit = permits.clone().acquire_owned().await.expect("never closed");
                let pending = window.clone().acquire_owned().await.expect("never closed");
                let (client, signed, sent_at, rejected) =
                    (client.clone(), signed.clone(), sent_at.clone(), rejected.clone());
                tasks.push(tokio::spawn(async move {
                    let now = Instant::now();
                    let result: Result<Value, _> =
                        client.request("author_submitExtrinsic", rpc_params![&signed[k].hex]).await;
                    match result {
                        Ok(_) => {
                            sent_at.lock().expect("not poisoned")[k] = Some(now);
                            // Given back by the block reader on inclusion.
                            pending.forget();
                        }
                        Err(e) => *rejected.lock().expect("not poisoned").entry(reason(&e)).or_default() += 1,
                    }
                    drop(permit);
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        }));
    }
    for f in feeders {
        let _ = f.await;
    }
    let submit_seconds = t0.elapsed().as_secs_f64();
    let sent: Vec<Option<Instant>> = sent_at.lock().expect("not poisoned").clone();
    let accepted = sent.iter().filter(|s| s.is_some()).count();
    // Wait for the accepted ones, while inclusions keep coming.
    let quiet_max = Duration::from_millis((args.block_time_ms * 10).max(10_000));
    let mut last_progress = (Instant::now(), 0usize);
    loop {
        let (count, error) = {
            let s = seen.lock().expect("not poisoned");
            (s.included_at.len(), s.error.clone())
        };
        if let Some(e) = error {
            return Err(e);
        }
        if count >= accepted {
            break;
        }
        if count > last_progress.1 {
            last_progress = (Instant::now(), count);
        } else if last_progress.0.elapsed() > quiet_max {
            println!(
                "no new inclusions for {} s: {count} of {accepted} accepted transfers included",
                quiet_max.as_secs()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    reader.abort();
    let seen = seen.lock().expect("not poisoned");
    let mut latencies_ms: Vec<f64> = seen
        .included_at
        .iter()
        .filter_map(|(k, at)| sent[*k].map(|s| at.saturating_duration_since(s).as_secs_f64() * 1000.0))
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    let blocks = &seen.blocks;
    let sustained = match (blocks.first(), blocks.last()) {
        (Some(first), Some(last)) if blocks.len() > 1 => {
            let counted: u32 = blocks[1..].iter().map(|b| b.1).sum();
            counted as f64 / last.2.duration_since(first.2).as_secs_f64()
        }
        _ => 0.0,
    };
    let included = seen.included_at.len() as u32;
    let overall = blocks.last().map_or(0.0, |last| included as f64 / last.2.duration_since(t0).as_secs_f64());
    let rejected = rejected.lock().expect("not poisoned").clone();
    Ok(Report {
        total,
        accepted: accepted as u64,
        rejected,
        included,
        submit_seconds,
        sign_seconds,
        sign_cpu_seconds,
        sustained,
        overall,
        latencies_ms,
        blocks: blocks.iter().map(|b| (b.0, b.1)).collect(),
    })
}
