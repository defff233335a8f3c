//! Entries as the node's `oplog_getLogs` returns them, and subscription conditions.

use serde_json::Value;

use crate::config::SubscriptionConfig;

/// One operation log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Global index.
    pub index: u64,
    /// Block number.
    pub block: u32,
    /// Extrinsic index.
    pub extrinsic_index: u32,
    /// Operator (SS58).
    pub operator: String,
    /// Who owns the data: a pallet's name, or `0x` and a contract's address.
    pub origin: String,
    /// Data id (unique within its origin).
    pub data_id: Vec<u8>,
    /// State before.
    pub source_state: Vec<u8>,
    /// State after.
    pub result_state: Vec<u8>,
    /// Operation type.
    pub op_type: String,
    /// Block time, ms.
    pub timestamp_ms: u64,
}

fn hex_field(v: &Value, k: &str) -> Result<Vec<u8>, String> {
    let s = v[k].as_str().ok_or_else(|| format!("entry field {k} missing"))?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| format!("entry field {k}: {e}"))
}

fn u64_field(v: &Value, k: &str) -> Result<u64, String> {
    v[k].as_u64().ok_or_else(|| format!("entry field {k} missing"))
}

impl Entry {
    /// Parses the node's JSON form.
    pub fn from_json(v: &Value) -> Result<Entry, String> {
        Ok(Entry {
            index: u64_field(v, "index")?,
            block: u64_field(v, "block")? as u32,
            extrinsic_index: u64_field(v, "extrinsicIndex")? as u32,
            operator: v["operator"].as_str().ok_or("entry field operator missing")?.to_string(),
            origin: v["origin"]
                .as_str()
                .ok_or("entry field origin missing (a node older than the origin field?)")?
                .to_string(),
            data_id: hex_field(v, "dataId")?,
            source_state: hex_field(v, "sourceState")?,
            result_state: hex_field(v, "resultState")?,
            op_type: v["opType"].as_str().ok_or("entry field opType missing")?.to_string(),
            timestamp_ms: u64_field(v, "timestampMs")?,
        })
    }
}

/// A parsed subscription condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Its name.
    pub name: String,
    origin: Option<String>,
    data_id: Option<Vec<u8>>,
    data_id_prefix: Option<Vec<u8>>,
    op_type: Option<String>,
    operator: Option<String>,
}

impl Subscription {
    /// Parses a configured subscription.
    pub fn from_config(c: &SubscriptionConfig) -> Result<Subscription, String> {
        let hex = |s: &Option<String>| -> Result<Option<Vec<u8>>, String> {
            s.as_ref()
                .map(|s| {
                    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| format!("subscription {}: {e}", c.name))
                })
                .transpose()
        };
        Ok(Subscription {
            name: c.name.clone(),
            origin: c.origin.clone(),
            data_id: hex(&c.data_id)?,
            data_id_prefix: hex(&c.data_id_prefix)?,
            op_type: c.op_type.clone(),
            operator: c.operator.clone(),
        })
    }

    /// Whether `e` matches every given field.
    pub fn matches(&self, e: &Entry) -> bool {
        self.origin.as_ref().is_none_or(|o| *o == e.origin)
            && self.data_id.as_ref().is_none_or(|d| *d == e.data_id)
            && self.data_id_prefix.as_ref().is_none_or(|p| e.data_id.starts_with(p))
            && self.op_type.as_ref().is_none_or(|t| *t == e.op_type)
            && self.operator.as_ref().is_none_or(|o| *o == e.operator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_entries_and_matches() {
        let v = json!({"index": 4, "block": 2, "extrinsicIndex": 1, "operator": "5Grw", "origin": "Records", "dataId": "0xab01",
            "sourceState": "0x", "resultState": "0x01", "opType": "Create", "timestampMs": 7});
        let e = Entry::from_json(&v).unwrap();
        assert_eq!((e.index, e.data_id.clone(), e.source_state.clone()), (4, vec![0xab, 1], vec![]));
        let sub = |prefix: &str, op: &str| {
            Subscription::from_config(&SubscriptionConfig {
                name: "s".into(),
                origin: Some("Records".into()),
                data_id: None,
                data_id_prefix: Some(prefix.into()),
                op_type: Some(op.into()),
                operator: None,
            })
            .unwrap()
        };
        assert!(sub("0xab", "Create").matches(&e));
        assert!(!sub("0xac", "Create").matches(&e));
        assert!(!sub("0xab", "Update").matches(&e));
        assert!(Entry::from_json(&json!({"index": 1})).is_err());
    }
}
