//! RPC reads served per second: `state_getStorage` of random accounts, and
//! `state_queryStorageAt` of 10 random accounts per call, over several connections.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;
use serde_json::Value;

use accord_runtime::genesis::funded_account;

/// Keys per `state_queryStorageAt` call.
const KEYS_PER_QUERY: usize = 10;
/// Outstanding requests per connection.
const IN_FLIGHT: usize = 64;

/// Read rates.
#[derive(Debug)]
pub(crate) struct Reads {
    /// `state_getStorage` calls per second.
    pub(crate) get_storage_per_s: f64,
    /// `state_queryStorageAt` calls per second (10 keys each).
    pub(crate) query_storage_at_per_s: f64,
}

impl Reads {
    /// Prints the figures.
    pub(crate) fn print(&self) {
        println!(
            "reads: state_getStorage {:.0}/s; state_queryStorageAt ({KEYS_PER_QUERY} keys) {:.0}/s = {:.0} keys/s",
            self.get_storage_per_s,
            self.query_storage_at_per_s,
            self.query_storage_at_per_s * KEYS_PER_QUERY as f64
        );
    }

    /// The JSON form.
    pub(crate) fn json(&self) -> Value {
        serde_json::json!({
            "state_getStorage_per_s": self.get_storage_per_s.round(),
            "state_queryStorageAt_per_s": self.query_storage_at_per_s.round(),
            "state_queryStorageAt_keys": KEYS_PER_QUERY,
        })
    }
}

async fn hammer(
    url: &str,
    connections: u32,
    time: Duration,
    keys: Arc<Vec<String>>,
    method: &'static str,
) -> Result<f64, String> {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + time;
    let started = Instant::now();
    let mut workers = Vec::new();
    for c in 0..connections as usize {
        let client = Arc::new(
            jsonrpsee::ws_client::WsClientBuilder::default()
                .max_concurrent_requests(IN_FLIGHT * 2)
                .build(url)
                .await
                .map_err(|e| format!("connecting to {url}: {e}"))?,
        );
        for w in 0..IN_FLIGHT {
            let (client, keys, done) = (client.clone(), keys.clone(), done.clone());
            workers.push(tokio::spawn(async move {
                let mut i = (c * IN_FLIGHT + w) * 7919;
                while Instant::now() < deadline {
                    i = i.wrapping_add(104_729);
                    let result: Result<Value, _> = if method == "state_getStorage" {
                        client.request(method, rpc_params![&keys[i % keys.len()]]).await
                    } else {
                        let batch: Vec<&String> =
                            (0..KEYS_PER_QUERY).map(|j| &keys[(i + j * 31) % keys.len()]).collect();
                        client.request(method, rpc_params![batch]).await
                    };
                    match result {
                        Ok(_) => done.fetch_add(1, Ordering::Relaxed),
                        Err(e) => return Err(format!("{method}: {e}")),
                    };
                }
                Ok(())
            }));
        }
    }
    for w in workers {
        w.await.map_err(|e| e.to_string())??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// Measures both methods for `time` each.
pub(crate) async fn run(url: &str, accounts: u32, time: Duration, connections: u32) -> Result<Reads, String> {
    let sample = accounts.min(10_000);
    let keys: Vec<String> = (0..sample)
        .map(|i| {
            let who = funded_account(i * (accounts / sample)).account();
            format!("0x{}", hex::encode(accord_pallet_system::ACCOUNT.key(&who)))
        })
        .collect();
    let keys = Arc::new(keys);
    println!("measuring RPC reads for {} s per method over {connections} connections ...", time.as_secs());
    let get_storage_per_s = hammer(url, connections, time, keys.clone(), "state_getStorage").await?;
    let query_storage_at_per_s = hammer(url, connections, time, keys, "state_queryStorageAt").await?;
    Ok(Reads { get_storage_per_s, query_storage_at_per_s })
}
