//! The chain spec of one blockchain of a business chain, derived from the registry alone,
//! so that every organization's driver writes the same one and their nodes form one chain.
//!
//! - `id`: `bc<chain>-<tag>`, the tag being the first 8 bytes (hex) of the blake2-256 of the
//!   blockchain's external id (unique within its business chain, and stable when other
//!   blockchains go); `name`: `<business chain name> / <blockchain name>`;
//! - `consensus.validators`: the blockchain's `Validator` nodes, in its on-chain order;
//!   `blockTimeMs` and `epochLength` from its chain spec text (`key=value` pairs separated by
//!   `;`, e.g. `consensus=bft;blockTimeMs=500`), else 1000 and 600;
//! - `bootNodes`: every node of the blockchain as `<key>@<host>:<port>`;
//! - genesis: open (`"openChain": true`), no balances, no sudo key: the sub-chain's own
//!   organizations and funds are set up by its members.

use std::collections::BTreeMap;

use serde_json::json;

use accord_pallet_alliances::{Blockchain, BusinessChain, ChainId};
use accord_pallet_organizations::{NodeInfo, NodeKey, NodeRole};

/// The parameters the chain spec text may set.
fn parameter(text: &[u8], name: &str) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    text.split(';').filter_map(|pair| pair.split_once('=')).find(|(k, _)| k.trim() == name)?.1.trim().parse().ok()
}

/// A blockchain's stable tag: the first 8 bytes, hex, of blake2-256 of its external id.
pub fn tag(b: &Blockchain) -> String {
    hex::encode(&accord_primitives::hashing::blake2_256(&b.external_id)[..8])
}

/// The address `host:port` of a node.
pub fn address(node: &NodeInfo) -> String {
    format!("{}:{}", String::from_utf8_lossy(&node.address.host), node.address.port)
}

/// The chain spec JSON of blockchain `index` of business chain `id`, or why there is none
/// (a node of it is not registered, it has no validator).
pub fn chain_spec(
    id: ChainId,
    chain: &BusinessChain,
    index: usize,
    nodes: &BTreeMap<NodeKey, NodeInfo>,
) -> Result<String, String> {
    let b: &Blockchain = chain.blockchains.get(index).ok_or("no such blockchain")?;
    let mut validators = Vec::new();
    let mut boot_nodes = Vec::new();
    for key in b.nodes.iter() {
        let node = nodes.get(key).ok_or_else(|| format!("node 0x{} is not registered", hex::encode(key)))?;
        if node.role == NodeRole::Validator {
            validators.push(format!("0x{}", hex::encode(key)));
        }
        boot_nodes.push(format!("{}@{}", hex::encode(key), address(node)));
    }
    if validators.is_empty() {
        return Err("the blockchain has no validator node".into());
    }
    let block_time_ms = parameter(&b.chain_spec, "blockTimeMs").unwrap_or(1000);
    let epoch_length = parameter(&b.chain_spec, "epochLength").unwrap_or(600);
    let spec = json!({
        "name": format!("{} / {}", String::from_utf8_lossy(&chain.name), String::from_utf8_lossy(&b.name)),
        "id": format!("bc{id}-{}", tag(b)),
        "chainType": "Live",
        "properties": { "ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "ACD" },
        "genesis": { "runtimeGenesis": { "openChain": true } },
        "consensus": { "validators": validators, "blockTimeMs": block_time_ms, "epochLength": epoch_length },
        "bootNodes": boot_nodes,
    });
    Ok(serde_json::to_string_pretty(&spec).expect("a JSON value serializes; qed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_from_the_spec_text() {
        assert_eq!(parameter(b"consensus=bft;blockTimeMs=500", "blockTimeMs"), Some(500));
        assert_eq!(parameter(b" blockTimeMs = 250 ", "blockTimeMs"), Some(250));
        assert_eq!(parameter(b"consensus=bft", "blockTimeMs"), None);
        assert_eq!(parameter(b"blockTimeMs=fast", "blockTimeMs"), None);
        assert_eq!(parameter(&[0xff, 0xfe], "blockTimeMs"), None);
    }
}
