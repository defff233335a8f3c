//! The founding organizations in the genesis JSON, and the chain's membership gate:
//!
//! ```json
//! "openChain": false,
//! "organizations": [
//!   { "name": "Alpha", "category": "offCloud",
//!     "space": { "physical": ["10.0.0.1:30333", "10.0.0.2:30333"] },
//!     "admins": ["5Grw..."], "members": ["5FHn..."],
//!     "nodes": [{ "key": "0x88dc...", "address": "10.0.0.1:30333", "role": "validator", "medium": "ssd" }],
//!     "credentials": { "tls": { "fingerprint": "0x...", "expiresAtMs": 1893456000000 } } },
//!   { "name": "Beta", "category": "onCloud",
//!     "space": { "tenant": { "tenantId": "t-1", "tenantName": "Beta", "projectId": "p-1" } },
//!     "admins": ["5FLS..."] }
//! ]
//! ```
//! The `i`-th organization gets code `i + 1`. `category` is `onCloud` or `offCloud`;
//! `role` `validator` or `observer`; `medium` `hdd`, `ssd` or `nvm`; hashes and keys are
//! `0x` hex of 32 bytes; accounts SS58 or `0x` hex; an address is `host:port` (IPv6 in
//! brackets). `openChain` (default false) lets every funded account transact; a closed
//! chain must name at least one organization with an account.

use serde::{Deserialize, Serialize};

use accord_pallet_organizations::{
    Category, Credentials, Endpoint, GenesisNode, GenesisOrg, Name, NodeRole, ResourceSpace, StorageMedium,
    TenantSpace, TlsCredential,
};
use accord_primitives::{AccountId32, H256};
use accord_support::BoundedVec;

use crate::genesis::GenesisError;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct JsonOrg {
    name: String,
    category: JsonCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    space: Option<JsonSpace>,
    admins: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    nodes: Vec<JsonNode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credentials: Option<JsonCredentials>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum JsonCategory {
    OnCloud,
    OffCloud,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum JsonSpace {
    Tenant(JsonTenant),
    Physical(Vec<String>),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonTenant {
    tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant_name: Option<String>,
    project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project_name: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonNode {
    key: String,
    address: String,
    role: JsonRole,
    medium: JsonMedium,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum JsonRole {
    Validator,
    Observer,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum JsonMedium {
    Hdd,
    Ssd,
    Nvm,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tls: Option<JsonTls>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonTls {
    fingerprint: String,
    expires_at_ms: u64,
}

fn rejected(org: &str, what: String) -> GenesisError {
    GenesisError::Rejected(format!("organization {org:?}: {what}"))
}

fn parse_account(org: &str, text: &str) -> Result<AccountId32, GenesisError> {
    AccountId32::parse(text).map_err(|e| rejected(org, format!("account {text:?}: {e}")))
}

fn parse_bytes32(org: &str, text: &str) -> Result<[u8; 32], GenesisError> {
    let bytes = text.strip_prefix("0x").and_then(|h| hex::decode(h).ok());
    bytes
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| rejected(org, format!("{text:?} is not 0x and 32 bytes of hex")))
}

fn name(org: &str, text: &str) -> Result<Name, GenesisError> {
    Name::try_from_vec(text.as_bytes().to_vec()).map_err(|_| {
        rejected(org, format!("{text:?} is longer than {} bytes", accord_pallet_organizations::NAME_LEN_MAX))
    })
}

/// Parses `host:port` (the host may be an IPv6 address in brackets).
fn parse_endpoint(org: &str, text: &str) -> Result<Endpoint, GenesisError> {
    let bad = || rejected(org, format!("address {text:?} is not host:port"));
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let host = BoundedVec::try_from_vec(host.as_bytes().to_vec()).map_err(|_| bad())?;
    Ok(Endpoint { host, port })
}

fn render_endpoint(e: &Endpoint) -> String {
    format!("{}:{}", String::from_utf8_lossy(&e.host), e.port)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex32(bytes: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(bytes))
}

impl JsonOrg {
    /// The pallet's form; the pallet's genesis checks the rest.
    pub(crate) fn parse(self) -> Result<GenesisOrg, GenesisError> {
        let org = self.name.as_str();
        let space = match self.space {
            None => None,
            Some(JsonSpace::Tenant(t)) => Some(ResourceSpace::Tenant(TenantSpace {
                tenant_id: name(org, &t.tenant_id)?,
                tenant_name: t.tenant_name.as_deref().map(|n| name(org, n)).transpose()?,
                project_id: name(org, &t.project_id)?,
                project_name: t.project_name.as_deref().map(|n| name(org, n)).transpose()?,
            })),
            Some(JsonSpace::Physical(list)) => {
                let endpoints = list.iter().map(|e| parse_endpoint(org, e)).collect::<Result<Vec<_>, _>>()?;
                let max = accord_pallet_organizations::SPACE_ENDPOINTS_MAX;
                Some(ResourceSpace::Physical(
                    BoundedVec::try_from_vec(endpoints)
                        .map_err(|_| rejected(org, format!("more than {max} endpoints in its physical set")))?,
                ))
            }
        };
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                Ok(GenesisNode {
                    key: parse_bytes32(org, &n.key)?,
                    address: parse_endpoint(org, &n.address)?,
                    role: match n.role {
                        JsonRole::Validator => NodeRole::Validator,
                        JsonRole::Observer => NodeRole::Observer,
                    },
                    medium: match n.medium {
                        JsonMedium::Hdd => StorageMedium::Hdd,
                        JsonMedium::Ssd => StorageMedium::Ssd,
                        JsonMedium::Nvm => StorageMedium::Nvm,
                    },
                })
            })
            .collect::<Result<Vec<_>, GenesisError>>()?;
        let c = self.credentials.unwrap_or_default();
        let hash = |h: &Option<String>| h.as_deref().map(|t| parse_bytes32(org, t).map(H256)).transpose();
        let credentials = Credentials {
            access_key_hash: hash(&c.access_key_hash)?,
            token_hash: hash(&c.token_hash)?,
            tls: c
                .tls
                .map(|t| {
                    Ok::<_, GenesisError>(TlsCredential {
                        fingerprint: H256(parse_bytes32(org, &t.fingerprint)?),
                        expires_at_ms: t.expires_at_ms,
                    })
                })
                .transpose()?,
        };
        Ok(GenesisOrg {
            name: self.name.as_bytes().to_vec(),
            category: match self.category {
                JsonCategory::OnCloud => Category::OnCloud,
                JsonCategory::OffCloud => Category::OffCloud,
            },
            space,
            admins: self.admins.iter().map(|a| parse_account(org, a)).collect::<Result<_, _>>()?,
            members: self.members.iter().map(|a| parse_account(org, a)).collect::<Result<_, _>>()?,
            nodes,
            credentials,
        })
    }

    /// The JSON form of a founding organization.
    pub(crate) fn render(org: &GenesisOrg) -> JsonOrg {
        let space = org.space.as_ref().map(|s| match s {
            ResourceSpace::Tenant(t) => JsonSpace::Tenant(JsonTenant {
                tenant_id: text(&t.tenant_id),
                tenant_name: t.tenant_name.as_ref().map(|n| text(n)),
                project_id: text(&t.project_id),
                project_name: t.project_name.as_ref().map(|n| text(n)),
            }),
            ResourceSpace::Physical(list) => JsonSpace::Physical(list.iter().map(render_endpoint).collect()),
        });
        let c = &org.credentials;
        let credentials = (*c != Credentials::default()).then(|| JsonCredentials {
            access_key_hash: c.access_key_hash.map(|h| hex32(&h.0)),
            token_hash: c.token_hash.map(|h| hex32(&h.0)),
            tls: c.tls.map(|t| JsonTls { fingerprint: hex32(&t.fingerprint.0), expires_at_ms: t.expires_at_ms }),
        });
        JsonOrg {
            name: text(&org.name),
            category: match org.category {
                Category::OnCloud => JsonCategory::OnCloud,
                Category::OffCloud => JsonCategory::OffCloud,
            },
            space,
            admins: org.admins.iter().map(|a| a.to_ss58_default()).collect(),
            members: org.members.iter().map(|a| a.to_ss58_default()).collect(),
            nodes: org
                .nodes
                .iter()
                .map(|n| JsonNode {
                    key: hex32(&n.key),
                    address: render_endpoint(&n.address),
                    role: match n.role {
                        NodeRole::Validator => JsonRole::Validator,
                        NodeRole::Observer => JsonRole::Observer,
                    },
                    medium: match n.medium {
                        StorageMedium::Hdd => JsonMedium::Hdd,
                        StorageMedium::Ssd => JsonMedium::Ssd,
                        StorageMedium::Nvm => JsonMedium::Nvm,
                    },
                })
                .collect(),
            credentials,
        }
    }
}
