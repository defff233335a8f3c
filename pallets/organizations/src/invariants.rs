//! The storage invariants, checked after every step of the tests (and by the runtime's
//! `check_state`). Reads every item: for tests and audits, not for blocks.

use std::collections::BTreeSet;

use accord_support::Ext;

use crate::dispatch::node_place_error;
use crate::*;

/// Every invariant:
/// - each organization up to `LastOrgCode` exists, none beyond; names are not empty;
/// - an active or suspended organization has 1 to [`ADMINS_MAX`] admins, each an `Admin` in
///   `Members`, and `members` / `nodes` equal its entries in `Members` / `OrgNodes`; an
///   exited one has no account, node, space or admin left;
/// - `AccountOrg` and `Members` agree both ways (so an account is in at most one
///   organization);
/// - `SpaceHolders` holds exactly the keys of the bound spaces, each for its organization
///   (so a space is bound to at most one organization);
/// - `Nodes`, `OrgNodes` and `NodeAddresses` agree; each node's organization exists and is
///   not exited; an off-cloud organization's nodes sit inside its physical set.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    let last = LAST_ORG_CODE.get(ext);
    let orgs = ORGS.iter_from(ext, None, u32::MAX);
    if orgs.len() != last as usize || orgs.iter().any(|(code, _)| *code == 0 || *code > last) {
        return Err(format!("{} organizations stored for codes 1..={last}", orgs.len()));
    }
    let active = orgs.iter().filter(|(_, o)| o.status == OrgStatus::Active).count() as u32;
    if active != ACTIVE_ORGS.get(ext) || active > ACTIVE_ORGS_MAX {
        return Err(format!("{active} organizations active, ActiveOrgs says {}", ACTIVE_ORGS.get(ext)));
    }
    let mut held = BTreeSet::new();
    for (code, org) in &orgs {
        check_org(ext, *code, org, &mut held).map_err(|e| format!("organization {code}: {e}"))?;
    }
    for (who, code) in ACCOUNT_ORG.iter_from(ext, None, u32::MAX) {
        if MEMBERS.get(ext, &code, &who).is_none() {
            return Err(format!("AccountOrg names {code} for an account that is not in its Members"));
        }
    }
    let holders = SPACE_HOLDERS.iter_from(ext, None, u32::MAX);
    if holders.len() != held.len() || holders.iter().any(|(key, code)| !held.contains(&(*key, *code))) {
        return Err(format!("SpaceHolders has {} keys, the bound spaces {}", holders.len(), held.len()));
    }
    for (key, node) in NODES.iter_from(ext, None, u32::MAX) {
        if ORG_NODES.get(ext, &node.org, &key).is_none() {
            return Err(format!("node {key:?} is not in its organization's OrgNodes"));
        }
        if NODE_ADDRESSES.get(ext, &endpoint_key(&node.address)) != Some(key) {
            return Err(format!("node {key:?} is not indexed at its address"));
        }
    }
    for (address, key) in NODE_ADDRESSES.iter_from(ext, None, u32::MAX) {
        if NODES.get(ext, &key).is_none_or(|n| endpoint_key(&n.address) != address) {
            return Err(format!("NodeAddresses names {key:?}, which is not registered there"));
        }
    }
    Ok(())
}

fn check_org(
    ext: &Ext<'_>,
    code: OrgCode,
    org: &Organization,
    held: &mut BTreeSet<(H256, OrgCode)>,
) -> Result<(), String> {
    if org.name.is_empty() {
        return Err("empty name".into());
    }
    let members = MEMBERS.iter_prefix1(ext, &code, u32::MAX);
    let node_keys: Vec<NodeKey> = ORG_NODES.iter_prefix1(ext, &code, u32::MAX).into_iter().map(|(k, ())| k).collect();
    if org.status == OrgStatus::Exited {
        if !members.is_empty() || !node_keys.is_empty() || org.space.is_some() || !org.admins.is_empty() {
            return Err("exited, but accounts, nodes, a space or admins remain".into());
        }
        return Ok(());
    }
    if org.admins.is_empty() {
        return Err("no admin".into());
    }
    if members.len() != org.members as usize || members.len() > MEMBERS_MAX as usize {
        return Err(format!("counts {} accounts, Members has {}", org.members, members.len()));
    }
    let admins: BTreeSet<_> = members.iter().filter(|(_, r)| *r == Role::Admin).map(|(w, _)| *w).collect();
    if admins.len() != org.admins.len() || org.admins.iter().any(|a| !admins.contains(a)) {
        return Err("its admin list and its Admin members differ".into());
    }
    if members.iter().any(|(who, _)| ACCOUNT_ORG.get(ext, who) != Some(code)) {
        return Err("an account in Members is not indexed to it in AccountOrg".into());
    }
    if let Some(space) = &org.space {
        if dispatch::space_error(org.category, space).is_some() {
            return Err("its space does not suit its category".into());
        }
        for key in space_keys(space) {
            if !held.insert((key, code)) {
                return Err("its space lists a key twice".into());
            }
        }
    }
    if node_keys.len() != org.nodes as usize || node_keys.len() > ORG_NODES_MAX as usize {
        return Err(format!("counts {} nodes, OrgNodes has {}", org.nodes, node_keys.len()));
    }
    for key in &node_keys {
        let node = NODES.get(ext, key).ok_or_else(|| format!("OrgNodes names unregistered node {key:?}"))?;
        if node.org != code {
            return Err(format!("node {key:?} belongs to {}", node.org));
        }
        if node_place_error(org.category, org.space.as_ref(), &node.address).is_some() {
            return Err(format!("node {key:?} sits outside its organization's space"));
        }
    }
    Ok(())
}
