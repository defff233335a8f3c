//! Reading the registry over the main chain's public RPC, at its finalized head only.

use std::collections::BTreeMap;

use codec::Decode;
use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;
use serde_json::Value;

use accord_pallet_alliances::{self as alliances, BusinessChain, ChainId, Task, TaskId, TaskStatus};
use accord_pallet_organizations::{self as organizations, NodeInfo, NodeKey, OrgCode};
use accord_primitives::H256;

/// What the driver needs of the registry at one finalized block.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The finalized block read.
    pub at: H256,
    /// Whether the driver's organization is active.
    pub org_active: bool,
    /// The live (creating or active) business chains.
    pub chains: BTreeMap<ChainId, BusinessChain>,
    /// The registered nodes of those chains.
    pub nodes: BTreeMap<NodeKey, NodeInfo>,
    /// Running tasks in which the organization still has to answer.
    pub tasks: BTreeMap<TaskId, Task>,
}

/// A JSON-RPC call.
pub(crate) async fn call(
    client: &HttpClient,
    method: &str,
    params: jsonrpsee::core::params::ArrayParams,
) -> Result<Value, String> {
    client.request::<Value, _>(method, params).await.map_err(|e| format!("{method}: {e}"))
}

async fn storage<T: Decode>(client: &HttpClient, key: &[u8], at: H256) -> Result<Option<T>, String> {
    let key = format!("0x{}", hex::encode(key));
    let at = format!("0x{}", hex::encode(at.0));
    let value = call(client, "state_getStorage", rpc_params![key, at]).await?;
    let Some(text) = value.as_str() else {
        return Ok(None);
    };
    let bytes = hex::decode(text.trim_start_matches("0x")).map_err(|e| format!("storage is not hex: {e}"))?;
    T::decode(&mut &bytes[..]).map(Some).map_err(|e| format!("stored value does not decode: {e}"))
}

async fn finalized(client: &HttpClient) -> Result<H256, String> {
    let v = call(client, "chain_getFinalizedHead", rpc_params![]).await?;
    H256::from_hex(v.as_str().ok_or("chain_getFinalizedHead: not a hash")?).map_err(|e| e.to_string())
}

/// Reads the snapshot for organization `org` at the finalized head. `first_task` is the
/// lowest task id that may still run (tasks below it ended); returns the new lowest.
pub async fn read(client: &HttpClient, org: OrgCode, first_task: TaskId) -> Result<(Snapshot, TaskId), String> {
    let at = finalized(client).await?;
    let mut snapshot = Snapshot { at, ..Snapshot::default() };
    // An organization the chain does not know means the wrong chain or an unsynced node:
    // nothing is changed on such a reading.
    let record = storage::<organizations::Organization>(client, &organizations::ORGS.key(&org), at)
        .await?
        .ok_or_else(|| format!("organization {org} is not registered at the finalized head: nothing changed"))?;
    snapshot.org_active = record.status == organizations::OrgStatus::Active;
    let last_chain: ChainId = storage(client, &alliances::LAST_CHAIN.key(), at).await?.unwrap_or(0);
    for id in 1..=last_chain {
        let Some(chain) = storage::<BusinessChain>(client, &alliances::CHAINS.key(&id), at).await? else { continue };
        if !matches!(chain.status, alliances::ChainStatus::Creating | alliances::ChainStatus::Active) {
            continue;
        }
        for key in chain.blockchains.iter().flat_map(|b| b.nodes.iter()) {
            if !snapshot.nodes.contains_key(key) {
                if let Some(node) = storage::<NodeInfo>(client, &organizations::NODES.key(key), at).await? {
                    snapshot.nodes.insert(*key, node);
                }
            }
        }
        snapshot.chains.insert(id, chain);
    }
    let last_task: TaskId = storage(client, &alliances::LAST_TASK.key(), at).await?.unwrap_or(0);
    let mut lowest_running = last_task + 1;
    for id in first_task.max(1)..=last_task {
        let Some(task) = storage::<Task>(client, &alliances::TASKS.key(&id), at).await? else { continue };
        if task.status != TaskStatus::Running {
            continue;
        }
        lowest_running = lowest_running.min(id);
        if task.parts.iter().any(|(o, p)| *o == org && *p == alliances::PartStatus::Waiting) {
            snapshot.tasks.insert(id, task);
        }
    }
    Ok((snapshot, lowest_running))
}
