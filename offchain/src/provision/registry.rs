//! Reading the registry over the main chain's public RPC, at its finalized head only.

use std::collections::BTreeMap;

use jsonrpsee::http_client::HttpClient;

use accord_pallet_alliances::{self as alliances, BusinessChain, ChainId, Task, TaskId, TaskStatus};
use accord_pallet_organizations::{self as organizations, NodeInfo, NodeKey, OrgCode};
use accord_primitives::H256;

use crate::rpc::{finalized, storage};

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
