//! The calls: each checks everything first, then writes.

use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_pallet_validators as validators;
use accord_primitives::crypto::ed25519_verify;
use accord_primitives::{AccountId32, H256};
use accord_support::{DispatchError, DispatchResult, Ext, Origin};

use crate::*;

fn deposit_event(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

/// Which statuses root may act on besides `Active`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RootMay {
    /// Active organizations only.
    ActiveOnly,
    /// Suspended ones too (release a space, exit).
    AlsoSuspended,
}

/// The organization `code`, if `origin` may manage it: root, or a signed admin of it while it
/// is active. Checks in order: `UnknownOrg`, `OrgNotActive`, `NotAdmin`.
fn managed(ext: &Ext<'_>, origin: &Origin, code: OrgCode, root_may: RootMay) -> Result<Organization, DispatchError> {
    let org = ORGS.get(ext, &code).ok_or_else(|| fail(ext, Error::UnknownOrg))?;
    match origin {
        Origin::Root => {
            let allowed = org.status == OrgStatus::Active
                || (org.status == OrgStatus::Suspended && root_may == RootMay::AlsoSuspended);
            if !allowed {
                return Err(fail(ext, Error::OrgNotActive));
            }
        }
        Origin::Signed(who) => {
            if org.status != OrgStatus::Active {
                return Err(fail(ext, Error::OrgNotActive));
            }
            if MEMBERS.get(ext, &code, who) != Some(Role::Admin) {
                return Err(fail(ext, Error::NotAdmin));
            }
        }
        Origin::None => return Err(DispatchError::BadOrigin),
    }
    Ok(org)
}

/// Why credentials cannot be set now: a TLS certificate that already expired.
fn credentials_error(ext: &Ext<'_>, credentials: &Credentials) -> Option<Error> {
    let now = timestamp::now(ext);
    credentials.tls.filter(|tls| tls.expires_at_ms <= now).map(|_| Error::CertificateExpired)
}

/// Why a list of first admins is not acceptable (also used by genesis).
pub(crate) fn admins_error(ext: &Ext<'_>, admins: &[AccountId32]) -> Option<Error> {
    if admins.is_empty() {
        return Some(Error::NoAdmins);
    }
    if admins.iter().enumerate().any(|(i, a)| admins[..i].contains(a)) {
        return Some(Error::DuplicateAccount);
    }
    if admins.iter().any(|a| ACCOUNT_ORG.contains_key(ext, a)) {
        return Some(Error::AlreadyMember);
    }
    None
}

/// Why a resource space cannot be bound by an organization of `category`: its shape.
pub(crate) fn space_error(category: Category, space: &ResourceSpace) -> Option<Error> {
    match (category, space) {
        (Category::OnCloud, ResourceSpace::Tenant(t)) => {
            let empty_name = |n: &Option<Name>| n.as_ref().is_some_and(|n| n.is_empty());
            if t.tenant_id.is_empty()
                || t.project_id.is_empty()
                || empty_name(&t.tenant_name)
                || empty_name(&t.project_name)
            {
                return Some(Error::EmptyName);
            }
            None
        }
        (Category::OffCloud, ResourceSpace::Physical(endpoints)) => {
            if !endpoints.iter().all(is_valid_endpoint) {
                return Some(Error::BadAddress);
            }
            if endpoints.is_empty() || endpoints.iter().enumerate().any(|(i, e)| endpoints[..i].contains(e)) {
                return Some(Error::DuplicateEndpoint);
            }
            None
        }
        _ => Some(Error::WrongCategory),
    }
}

/// Whether another organization than `code` holds one of `keys`.
pub(crate) fn space_taken(ext: &Ext<'_>, code: OrgCode, keys: &[H256]) -> bool {
    keys.iter().any(|k| SPACE_HOLDERS.get(ext, k).is_some_and(|holder| holder != code))
}

/// The node keys of an organization (at most [`ORG_NODES_MAX`]).
pub(crate) fn org_node_keys(ext: &Ext<'_>, code: OrgCode) -> Vec<NodeKey> {
    ORG_NODES.iter_prefix1(ext, &code, ORG_NODES_MAX + 1).into_iter().map(|(key, ())| key).collect()
}

/// Whether a node of an organization of `category` with `space` may sit at `address`:
/// off-cloud nodes must be at an endpoint of the physical set.
pub(crate) fn node_place_error(category: Category, space: Option<&ResourceSpace>, address: &Endpoint) -> Option<Error> {
    if category == Category::OnCloud {
        return None;
    }
    match space {
        None => Some(Error::NoResourceSpace),
        Some(ResourceSpace::Physical(endpoints)) if endpoints.contains(address) => None,
        Some(_) => Some(Error::NodeOutsideSpace),
    }
}

/// Adds `who` to `code` with `role` (the caller checked it belongs to no organization).
pub(crate) fn insert_member(ext: &mut Ext<'_>, code: OrgCode, who: &AccountId32, role: Role) {
    MEMBERS.insert(ext, &code, who, &role);
    ACCOUNT_ORG.insert(ext, who, &code);
}

/// Registers a node (the caller checked everything).
pub(crate) fn insert_node(ext: &mut Ext<'_>, key: &NodeKey, node: &NodeInfo) {
    NODE_ADDRESSES.insert(ext, &endpoint_key(&node.address), key);
    ORG_NODES.insert(ext, &node.org, key, &());
    NODES.insert(ext, key, node);
}

/// Deregisters a node's records (not its validator seat).
fn delete_node(ext: &mut Ext<'_>, key: &NodeKey, node: &NodeInfo) {
    NODE_ADDRESSES.remove(ext, &endpoint_key(&node.address));
    ORG_NODES.remove(ext, &node.org, key);
    NODES.remove(ext, key);
}

/// Dispatches an organizations call with no pallet built on the registry.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    dispatch_with(ext, origin, call, &NoHooks)
}

/// Dispatches an organizations call, asking and telling `hooks` about node removals and
/// exits.
pub fn dispatch_with(ext: &mut Ext<'_>, origin: Origin, call: Call, hooks: &dyn RegistryHooks) -> DispatchResult {
    match call {
        Call::register_org { name, category, admins, credentials } => {
            origin.ensure_root()?;
            if name.is_empty() {
                return Err(fail(ext, Error::EmptyName));
            }
            if let Some(error) = admins_error(ext, &admins) {
                return Err(fail(ext, error));
            }
            let last = LAST_ORG_CODE.get(ext);
            if last >= ORGS_MAX {
                return Err(fail(ext, Error::TooManyOrgs));
            }
            let active = ACTIVE_ORGS.get(ext);
            if active >= ACTIVE_ORGS_MAX {
                return Err(fail(ext, Error::TooManyActiveOrgs));
            }
            if let Some(error) = credentials_error(ext, &credentials) {
                return Err(fail(ext, error));
            }
            let code = last + 1;
            for admin in admins.iter() {
                insert_member(ext, code, admin, Role::Admin);
            }
            let org = Organization {
                name: name.clone(),
                category,
                space: None,
                status: OrgStatus::Active,
                members: admins.len() as u32,
                admins,
                nodes: 0,
                credentials,
                registered_at: system::block_number(ext),
            };
            ORGS.insert(ext, &code, &org);
            LAST_ORG_CODE.put(ext, &code);
            ACTIVE_ORGS.put(ext, &(active + 1));
            deposit_event(ext, Event::OrgRegistered { org: code, name });
        }
        Call::add_member { org: code, who } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            if ACCOUNT_ORG.contains_key(ext, &who) {
                return Err(fail(ext, Error::AlreadyMember));
            }
            if org.members >= MEMBERS_MAX {
                return Err(fail(ext, Error::TooManyMembers));
            }
            insert_member(ext, code, &who, Role::Member);
            org.members += 1;
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::MemberAdded { org: code, who });
        }
        Call::remove_member { org: code, who } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            let role = MEMBERS.get(ext, &code, &who).ok_or_else(|| fail(ext, Error::NotMember))?;
            if role == Role::Admin && org.admins.len() == 1 {
                return Err(fail(ext, Error::LastAdmin));
            }
            MEMBERS.remove(ext, &code, &who);
            ACCOUNT_ORG.remove(ext, &who);
            org.admins.remove_first(|a| *a == who);
            org.members -= 1;
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::MemberRemoved { org: code, who });
        }
        Call::add_admin { org: code, who } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            let joins = match MEMBERS.get(ext, &code, &who) {
                Some(Role::Admin) => return Err(fail(ext, Error::AlreadyAdmin)),
                Some(Role::Member) => false,
                None if ACCOUNT_ORG.contains_key(ext, &who) => return Err(fail(ext, Error::AlreadyMember)),
                None if org.members >= MEMBERS_MAX => return Err(fail(ext, Error::TooManyMembers)),
                None => true,
            };
            if org.admins.try_push(who).is_err() {
                return Err(fail(ext, Error::TooManyAdmins));
            }
            insert_member(ext, code, &who, Role::Admin);
            if joins {
                org.members += 1;
            }
            ORGS.insert(ext, &code, &org);
            if joins {
                deposit_event(ext, Event::MemberAdded { org: code, who });
            }
            deposit_event(ext, Event::AdminAdded { org: code, who });
        }
        Call::remove_admin { org: code, who } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            if MEMBERS.get(ext, &code, &who) != Some(Role::Admin) {
                return Err(fail(ext, Error::NotAdmin));
            }
            if org.admins.len() == 1 {
                return Err(fail(ext, Error::LastAdmin));
            }
            MEMBERS.insert(ext, &code, &who, &Role::Member);
            org.admins.remove_first(|a| *a == who);
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::AdminRemoved { org: code, who });
        }
        Call::register_node { org: code, key, address, role, medium, proof } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            if !is_valid_endpoint(&address) {
                return Err(fail(ext, Error::BadAddress));
            }
            if NODES.contains_key(ext, &key) {
                return Err(fail(ext, Error::NodeExists));
            }
            if NODE_ADDRESSES.contains_key(ext, &endpoint_key(&address)) {
                return Err(fail(ext, Error::AddressTaken));
            }
            if space_taken(ext, code, &[endpoint_key(&address)]) {
                // Another organization's physical set holds this endpoint.
                return Err(fail(ext, Error::SpaceTaken));
            }
            if let Some(error) = node_place_error(org.category, org.space.as_ref(), &address) {
                return Err(fail(ext, error));
            }
            if org.nodes >= ORG_NODES_MAX {
                return Err(fail(ext, Error::TooManyNodes));
            }
            let genesis_hash = system::block_hash(ext, 0).unwrap_or_default();
            if !ed25519_verify(&proof, &node_proof_payload(&genesis_hash, code, &key), &key) {
                return Err(fail(ext, Error::BadNodeProof));
            }
            insert_node(ext, &key, &NodeInfo { org: code, address, role, medium });
            org.nodes += 1;
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::NodeRegistered { org: code, key, role });
        }
        Call::remove_node { key } => {
            let node = NODES.get(ext, &key).ok_or_else(|| fail(ext, Error::UnknownNode))?;
            let mut org = managed(ext, &origin, node.org, RootMay::AlsoSuspended)?;
            if hooks.node_in_use(ext, &key) {
                return Err(fail(ext, Error::NodeInUse));
            }
            // The last check, and the first write: it changes nothing when it fails.
            validators::remove_keys(ext, &[key]).map_err(|_| fail(ext, Error::LastValidator))?;
            delete_node(ext, &key, &node);
            org.nodes -= 1;
            ORGS.insert(ext, &node.org, &org);
            deposit_event(ext, Event::NodeRemoved { org: node.org, key });
        }
        Call::bind_resource_space { org: code, space } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            if let Some(error) = space_error(org.category, &space) {
                return Err(fail(ext, error));
            }
            let keys = space_keys(&space);
            if space_taken(ext, code, &keys) {
                return Err(fail(ext, Error::SpaceTaken));
            }
            let foreign_node =
                |k: &H256| NODE_ADDRESSES.get(ext, k).and_then(|n| NODES.get(ext, &n)).is_some_and(|n| n.org != code);
            if keys.iter().any(foreign_node) {
                // Another organization's node is registered at one of these endpoints.
                return Err(fail(ext, Error::SpaceTaken));
            }
            for node_key in org_node_keys(ext, code) {
                let node = NODES.get(ext, &node_key).ok_or_else(|| fail(ext, Error::UnknownNode))?;
                if node_place_error(org.category, Some(&space), &node.address).is_some() {
                    return Err(fail(ext, Error::NodeOutsideSpace));
                }
            }
            if let Some(old) = &org.space {
                for key in space_keys(old) {
                    SPACE_HOLDERS.remove(ext, &key);
                }
            }
            for key in &keys {
                SPACE_HOLDERS.insert(ext, key, &code);
            }
            org.space = Some(space);
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::ResourceSpaceBound { org: code });
        }
        Call::release_resource_space { org: code } => {
            let mut org = managed(ext, &origin, code, RootMay::AlsoSuspended)?;
            let Some(space) = org.space.take() else {
                return Err(fail(ext, Error::NoResourceSpace));
            };
            if org.nodes > 0 && org.category == Category::OffCloud {
                return Err(fail(ext, Error::SpaceHasNodes));
            }
            for key in space_keys(&space) {
                SPACE_HOLDERS.remove(ext, &key);
            }
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::ResourceSpaceReleased { org: code });
        }
        Call::suspend_org { org: code } => {
            origin.ensure_root()?;
            let mut org = ORGS.get(ext, &code).ok_or_else(|| fail(ext, Error::UnknownOrg))?;
            if org.status != OrgStatus::Active {
                return Err(fail(ext, Error::OrgNotActive));
            }
            let active = ACTIVE_ORGS.get(ext);
            if active <= 1 {
                return Err(fail(ext, Error::LastActiveOrg));
            }
            org.status = OrgStatus::Suspended;
            ORGS.insert(ext, &code, &org);
            ACTIVE_ORGS.put(ext, &(active - 1));
            deposit_event(ext, Event::OrgSuspended { org: code });
        }
        Call::resume_org { org: code } => {
            origin.ensure_root()?;
            let mut org = ORGS.get(ext, &code).ok_or_else(|| fail(ext, Error::UnknownOrg))?;
            if org.status != OrgStatus::Suspended {
                return Err(fail(ext, Error::NotSuspended));
            }
            let active = ACTIVE_ORGS.get(ext);
            if active >= ACTIVE_ORGS_MAX {
                return Err(fail(ext, Error::TooManyActiveOrgs));
            }
            org.status = OrgStatus::Active;
            ORGS.insert(ext, &code, &org);
            ACTIVE_ORGS.put(ext, &(active + 1));
            deposit_event(ext, Event::OrgResumed { org: code });
        }
        Call::exit_org { org: code } => {
            let org = managed(ext, &origin, code, RootMay::AlsoSuspended)?;
            let active = ACTIVE_ORGS.get(ext);
            if org.status == OrgStatus::Active && active <= 1 {
                return Err(fail(ext, Error::LastActiveOrg));
            }
            let node_keys = org_node_keys(ext, code);
            validators::remove_keys(ext, &node_keys).map_err(|_| fail(ext, Error::LastValidator))?;
            if org.status == OrgStatus::Active {
                ACTIVE_ORGS.put(ext, &(active - 1));
            }
            exit(ext, code, org, &node_keys);
            hooks.org_exited(ext, code);
        }
        Call::set_credentials { org: code, credentials } => {
            let mut org = managed(ext, &origin, code, RootMay::ActiveOnly)?;
            if let Some(error) = credentials_error(ext, &credentials) {
                return Err(fail(ext, error));
            }
            org.credentials = credentials;
            ORGS.insert(ext, &code, &org);
            deposit_event(ext, Event::CredentialsSet { org: code });
        }
        Call::set_open { open } => {
            origin.ensure_root()?;
            if !open && !active_orgs(ext).iter().any(|code| ORGS.get(ext, code).is_some_and(|o| o.members > 0)) {
                return Err(fail(ext, Error::NoActiveMembers));
            }
            OPEN.put(ext, &open);
            deposit_event(ext, Event::GateChanged { open });
        }
    }
    Ok(())
}

/// Everything hanging off an exiting organization goes: accounts, nodes (their validator
/// seats were taken already), space, credentials. Bounded by [`MEMBERS_MAX`] and
/// [`ORG_NODES_MAX`].
fn exit(ext: &mut Ext<'_>, code: OrgCode, mut org: Organization, node_keys: &[NodeKey]) {
    let accounts = MEMBERS.iter_prefix1(ext, &code, MEMBERS_MAX + 1);
    for (who, _) in &accounts {
        ACCOUNT_ORG.remove(ext, who);
    }
    MEMBERS.clear_prefix(ext, &code, MEMBERS_MAX + 1);
    for key in node_keys {
        if let Some(node) = NODES.get(ext, key) {
            delete_node(ext, key, &node);
        }
    }
    if let Some(space) = org.space.take() {
        for key in space_keys(&space) {
            SPACE_HOLDERS.remove(ext, &key);
        }
    }
    org.status = OrgStatus::Exited;
    org.admins = AdminList::new();
    org.members = 0;
    org.nodes = 0;
    org.credentials = Credentials::default();
    ORGS.insert(ext, &code, &org);
    deposit_event(ext, Event::OrgExited { org: code, members: accounts.len() as u32, nodes: node_keys.len() as u32 });
}
