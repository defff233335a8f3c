//! Genesis: the founding organizations, with their accounts, spaces and nodes.

use accord_primitives::AccountId32;
use accord_support::Ext;

use crate::dispatch::{admins_error, insert_member, insert_node, node_place_error, space_error, space_taken};
use crate::*;

/// A founding organization, as the chain spec gives it. It gets code `i + 1` for the `i`-th
/// in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisOrg {
    /// Its name.
    pub name: Vec<u8>,
    /// On-cloud or off-cloud.
    pub category: Category,
    /// Its resource space.
    pub space: Option<ResourceSpace>,
    /// Its admins (at least one).
    pub admins: Vec<AccountId32>,
    /// Its other accounts.
    pub members: Vec<AccountId32>,
    /// Its nodes (a chain spec's author vouches for them: no key proof).
    pub nodes: Vec<GenesisNode>,
    /// Its credential commitments.
    pub credentials: Credentials,
}

impl GenesisOrg {
    /// An on-cloud organization called `name` with one admin and nothing else (the shape
    /// tests and small chain specs start from).
    pub fn with_admin(name: &str, admin: AccountId32) -> GenesisOrg {
        GenesisOrg {
            name: name.as_bytes().to_vec(),
            category: Category::OnCloud,
            space: None,
            admins: vec![admin],
            members: vec![],
            nodes: vec![],
            credentials: Credentials::default(),
        }
    }
}

/// A founding organization's node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenesisNode {
    /// Its ed25519 public key.
    pub key: NodeKey,
    /// Where it listens.
    pub address: Endpoint,
    /// What it does.
    pub role: NodeRole,
    /// Its storage medium.
    pub medium: StorageMedium,
}

/// Stores the founding organizations and whether the chain is open. A closed chain needs
/// at least one account in an organization (else no one could ever transact).
///
/// Fails, with the organization's position and name, on what the calls would refuse: an
/// empty or oversized name, no admin, an account twice or in two organizations, a space of
/// the wrong kind or held twice, a node twice, at a taken address or outside its space, too
/// many accounts, admins or nodes.
pub fn build_genesis(ext: &mut Ext<'_>, orgs: &[GenesisOrg], open: bool) -> Result<(), String> {
    if orgs.len() > ACTIVE_ORGS_MAX as usize {
        return Err(format!(
            "{} organizations, more than the {ACTIVE_ORGS_MAX} that may be active at once",
            orgs.len()
        ));
    }
    for (i, org) in orgs.iter().enumerate() {
        let code = i as OrgCode + 1;
        let label = format!("organization {code} ({:?})", String::from_utf8_lossy(&org.name));
        add_org(ext, code, org).map_err(|e| format!("{label}: {e}"))?;
    }
    if !open && orgs.iter().all(|o| o.admins.is_empty() && o.members.is_empty()) {
        return Err("the chain is closed (only accounts of active organizations may transact) but no organization \
             has an account: add organizations, or open the chain"
            .into());
    }
    if open {
        OPEN.put(ext, &true);
    }
    ACTIVE_ORGS.put(ext, &(orgs.len() as u32));
    Ok(())
}

fn add_org(ext: &mut Ext<'_>, code: OrgCode, org: &GenesisOrg) -> Result<(), String> {
    let name = Name::try_from_vec(org.name.clone()).map_err(|_| format!("name longer than {NAME_LEN_MAX} bytes"))?;
    if name.is_empty() {
        return Err("empty name".into());
    }
    let admins = AdminList::try_from_vec(org.admins.clone()).map_err(|_| format!("more than {ADMINS_MAX} admins"))?;
    if let Some(error) = admins_error(ext, &admins) {
        return Err(format!("admins: {error:?}"));
    }
    let members = admins.len() + org.members.len();
    if members > MEMBERS_MAX as usize {
        return Err(format!("{members} accounts, more than {MEMBERS_MAX}"));
    }
    for (i, who) in org.members.iter().enumerate() {
        if admins.contains(who) || org.members[..i].contains(who) {
            return Err(format!("account {} is listed twice", who.to_ss58_default()));
        }
        if ACCOUNT_ORG.contains_key(ext, who) {
            return Err(format!("account {} already belongs to another organization", who.to_ss58_default()));
        }
    }
    if let Some(space) = &org.space {
        if let Some(error) = space_error(org.category, space) {
            return Err(format!("resource space: {error:?}"));
        }
        if space_taken(ext, code, &space_keys(space)) {
            return Err("resource space is held by another organization".into());
        }
    }
    if org.nodes.len() > ORG_NODES_MAX as usize {
        return Err(format!("{} nodes, more than {ORG_NODES_MAX}", org.nodes.len()));
    }
    for admin in admins.iter() {
        insert_member(ext, code, admin, Role::Admin);
    }
    for who in &org.members {
        insert_member(ext, code, who, Role::Member);
    }
    if let Some(space) = &org.space {
        for key in space_keys(space) {
            SPACE_HOLDERS.insert(ext, &key, &code);
        }
    }
    for node in &org.nodes {
        let hex_key = hex_key(&node.key);
        if !is_valid_endpoint(&node.address) {
            return Err(format!("node {hex_key}: address is not a lowercase host and a non-zero port"));
        }
        if NODES.contains_key(ext, &node.key) {
            return Err(format!("node {hex_key} is listed twice"));
        }
        if NODE_ADDRESSES.contains_key(ext, &endpoint_key(&node.address)) {
            return Err(format!("node {hex_key}: another node has its address"));
        }
        if let Some(error) = node_place_error(org.category, org.space.as_ref(), &node.address) {
            return Err(format!("node {hex_key}: {error:?}"));
        }
        let info = NodeInfo { org: code, address: node.address.clone(), role: node.role, medium: node.medium };
        insert_node(ext, &node.key, &info);
    }
    let record = Organization {
        name,
        category: org.category,
        space: org.space.clone(),
        status: OrgStatus::Active,
        admins,
        members: members as u32,
        nodes: org.nodes.len() as u32,
        credentials: org.credentials,
        registered_at: 0,
    };
    ORGS.insert(ext, &code, &record);
    LAST_ORG_CODE.put(ext, &code);
    Ok(())
}

fn hex_key(key: &NodeKey) -> String {
    let mut out = String::from("0x");
    for b in key {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
