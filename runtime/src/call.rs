//! The runtime's call and event enums: one variant per pallet, at the pallet's index.
//! Written out in plain Rust; adding a pallet means adding a variant here, a row in
//! [`crate::PALLETS`], and its hooks and metadata in `lib.rs`.

use codec::{Decode, Encode};
use scale_info::TypeInfo;

use accord_pallet_alliances as alliances;
use accord_pallet_balances as balances;
use accord_pallet_evm as evm;
use accord_pallet_governance as governance;
use accord_pallet_metering as metering;
use accord_pallet_oplog as oplog;
use accord_pallet_organizations as organizations;
use accord_pallet_records as records;
use accord_pallet_releases as releases;
use accord_pallet_subchain_status as subchain_status;
use accord_pallet_sudo as sudo;
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_pallet_validators as validators;
use accord_primitives::AccountId32;
use accord_support::{DispatchClass, DispatchResult, Ext, Origin, Pays, Weight};

/// Nesting limit when decoding a call from untrusted bytes.
pub const CALL_DECODE_DEPTH_MAX: u32 = 32;

/// Every call of the runtime: `pallet index ++ call index ++ arguments`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum RuntimeCall {
    /// System calls.
    #[codec(index = 0)]
    System(system::Call),
    /// Timestamp calls.
    #[codec(index = 1)]
    Timestamp(timestamp::Call),
    /// Balances calls.
    #[codec(index = 2)]
    Balances(balances::Call),
    /// Sudo calls (wrapping other calls).
    #[codec(index = 3)]
    Sudo(sudo::Call<RuntimeCall>),
    /// Oplog calls.
    #[codec(index = 4)]
    Oplog(oplog::Call),
    /// Records calls.
    #[codec(index = 5)]
    Records(records::Call),
    /// Validators calls (root only).
    #[codec(index = 6)]
    Validators(validators::Call),
    /// Organizations calls.
    #[codec(index = 7)]
    Organizations(organizations::Call),
    /// Alliances calls.
    #[codec(index = 8)]
    Alliances(alliances::Call),
    /// Governance calls (wrapping management calls).
    #[codec(index = 9)]
    Governance(governance::Call<RuntimeCall>),
    /// Releases calls (one wraps a call in a traffic class).
    #[codec(index = 10)]
    Releases(releases::Call<RuntimeCall>),
    /// Metering calls (one wraps a call with another payer).
    #[codec(index = 11)]
    Metering(metering::Call<RuntimeCall>),
    /// Sub-chain status calls.
    #[codec(index = 12)]
    SubchainStatus(subchain_status::Call),
    /// EVM calls: contracts.
    #[codec(index = 13)]
    Evm(evm::Call),
}

/// Every event of the runtime: `pallet index ++ event`. Pallets without events have no
/// variant.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum RuntimeEvent {
    /// System events.
    #[codec(index = 0)]
    System(system::Event),
    /// Balances events.
    #[codec(index = 2)]
    Balances(balances::Event),
    /// Sudo events.
    #[codec(index = 3)]
    Sudo(sudo::Event),
    /// Oplog events.
    #[codec(index = 4)]
    Oplog(oplog::Event),
    /// Records events.
    #[codec(index = 5)]
    Records(records::Event),
    /// Validators events.
    #[codec(index = 6)]
    Validators(validators::Event),
    /// Organizations events.
    #[codec(index = 7)]
    Organizations(organizations::Event),
    /// Alliances events.
    #[codec(index = 8)]
    Alliances(alliances::Event),
    /// Governance events.
    #[codec(index = 9)]
    Governance(governance::Event),
    /// Releases events.
    #[codec(index = 10)]
    Releases(releases::Event),
    /// Metering events.
    #[codec(index = 11)]
    Metering(metering::Event),
    /// Sub-chain status events.
    #[codec(index = 12)]
    SubchainStatus(subchain_status::Event),
    /// EVM events.
    #[codec(index = 13)]
    Evm(evm::Event),
}

impl RuntimeCall {
    /// Decodes a call from untrusted bytes: depth-limited, and every byte must be used.
    pub fn decode_all(bytes: &[u8]) -> Option<RuntimeCall> {
        let mut input = bytes;
        let call = codec::DecodeLimit::decode_with_depth_limit(CALL_DECODE_DEPTH_MAX, &mut input).ok()?;
        input.is_empty().then_some(call)
    }

    /// The weight charged before dispatch.
    pub fn weight(&self) -> Weight {
        match self {
            RuntimeCall::System(c) => c.weight(),
            RuntimeCall::Timestamp(c) => c.weight(),
            RuntimeCall::Balances(c) => c.weight(),
            RuntimeCall::Sudo(c) => c.own_weight().saturating_add(c.inner().map_or(Weight::ZERO, |i| i.weight())),
            RuntimeCall::Oplog(c) => c.weight(),
            // Routing and the health count come with every call of a release target.
            RuntimeCall::Records(c) => c
                .weight()
                .saturating_add(releases::weights::routed())
                .saturating_add(metering::weights::quota())
                .saturating_add(metering::weights::data_changed()),
            RuntimeCall::Validators(c) => c.weight(),
            // An exit also takes the organization out of every alliance.
            RuntimeCall::Organizations(c @ organizations::Call::exit_org { .. }) => {
                c.weight().saturating_add(alliances::weights::org_exited())
            }
            RuntimeCall::Organizations(c) => c.weight(),
            RuntimeCall::Alliances(c) => c.weight(),
            RuntimeCall::Governance(c) => c.weight(),
            RuntimeCall::Releases(releases::Call::as_class { call, .. }) => {
                releases::weights::as_class().saturating_add(call.weight())
            }
            // A validator's signal is also its node's proof of work for the payout period.
            RuntimeCall::Releases(releases::Call::signal_support { .. }) => {
                releases::weights::signal_support().saturating_add(metering::weights::note_work())
            }
            RuntimeCall::Releases(releases::Call::create_contract_target { init, .. }) => {
                let call =
                    init.as_ref().map_or(Weight::ZERO, |i| evm::weights::call(i.gas_limit, i.input.len() as u32));
                releases::weights::create_contract_target().saturating_add(call)
            }
            RuntimeCall::Releases(releases::Call::add_contract_version { .. }) => {
                releases::weights::add_contract_version()
            }
            RuntimeCall::Releases(_) => releases::weights::stage_change(),
            RuntimeCall::Metering(metering::Call::pay_with { call, .. }) => {
                metering::weights::pay_with().saturating_add(call.weight())
            }
            RuntimeCall::Metering(metering::Call::exchange { .. }) => metering::weights::exchange(),
            RuntimeCall::Metering(metering::Call::redeem { .. }) => metering::weights::redeem(),
            // A contract's data: its slots read (a serial number through a read-only call of the
            // contract, made by the quote, the owner check, the size and the deletion), each
            // read three times and written once, and the rights over it.
            RuntimeCall::Metering(
                metering::Call::delete_data { target, .. }
                | metering::Call::recover_data { target, .. }
                | metering::Call::set_deleter { target, .. },
            ) if target.contract().is_some() => {
                let (calls, slots) = match target {
                    metering::DataTarget::Contract(_) => (4, evm::data::DATA_SLOTS_MAX as u64),
                    _ => (0, evm::data::KEY_SLOTS_MAX as u64),
                };
                let call = evm::weights::call(evm::data::DATA_SLOTS_GAS, 0);
                let rights = metering::DELETERS_MAX as u64;
                metering::weights::delete_data()
                    .saturating_add(Weight::from_ref_time(call.ref_time.saturating_mul(calls)))
                    .saturating_add(accord_support::dispatch::db_weight::reads_writes(
                        3 * slots + rights,
                        2 * slots + 2 * rights,
                    ))
            }
            RuntimeCall::Metering(metering::Call::delete_data { .. } | metering::Call::recover_data { .. }) => {
                metering::weights::delete_data()
            }
            RuntimeCall::Metering(_) => metering::weights::admin(),
            RuntimeCall::SubchainStatus(c) => c.weight(),
            // A call may reach a contract target's alias: the lookup always, the routing
            // when it does (refunded when it does not).
            RuntimeCall::Evm(c @ (evm::Call::call { .. } | evm::Call::transact { .. })) => {
                c.weight().saturating_add(releases::weights::alias_lookup()).saturating_add(releases::weights::routed())
            }
            RuntimeCall::Evm(c) => c.weight(),
        }
    }

    /// The dispatch class: inherents are mandatory.
    pub fn class(&self) -> DispatchClass {
        match self {
            RuntimeCall::Timestamp(timestamp::Call::set { .. })
            | RuntimeCall::Releases(releases::Call::signal_support { .. }) => DispatchClass::Mandatory,
            _ => DispatchClass::Normal,
        }
    }

    /// Whether a fee is paid.
    pub fn pays(&self) -> Pays {
        match self.class() {
            DispatchClass::Mandatory => Pays::No,
            _ => Pays::Yes,
        }
    }

    /// Whether this call is an inherent: unsigned, included by the block author.
    pub fn is_inherent(&self) -> bool {
        matches!(
            self,
            RuntimeCall::Timestamp(timestamp::Call::set { .. })
                | RuntimeCall::Releases(releases::Call::signal_support { .. })
        )
    }

    /// The call `pay_with` carries, or this call.
    pub fn paid_call(&self) -> &RuntimeCall {
        match self {
            RuntimeCall::Metering(metering::Call::pay_with { call, .. }) => call,
            call => call,
        }
    }

    /// Where the top-level call goes, if it is a call of a release target (alone, or in
    /// `as_class`): decided on the state before its dispatch.
    pub fn route(&self, ext: &Ext<'_>) -> Option<releases::Routed> {
        let (class, call) = match self.paid_call() {
            RuntimeCall::Releases(releases::Call::as_class { class, call }) => (*class, &**call),
            call => (releases::TrafficClass::Production, call),
        };
        let (target, data_id) = releases::RoutedCall::routed(call, ext)?;
        Some(releases::route(ext, target, class, &data_id))
    }

    /// Dispatches in traffic class `class`: a call of a release target runs the version its
    /// route names.
    fn dispatch_in_class(self, ext: &mut Ext<'_>, origin: Origin, class: releases::TrafficClass) -> DispatchResult {
        match self {
            RuntimeCall::Records(c) => {
                let version = releases::route(ext, releases::Target::Records, class, c.data_id()).version;
                // The owner's storage quota follows the record's size and owner; the deleters
                // of a record end when it is deleted or changes hands.
                let id = record_id(ext, c.data_id())?;
                let (before, held) = (record_usage(ext, &id), record_instance(ext, &id));
                records::dispatch_version(ext, origin, c, version)?;
                metering::data_resized(ext, before, record_usage(ext, &id))?;
                let target = metering::DataTarget::Records;
                metering::data_changed(ext, target, &id, held, record_instance(ext, &id));
                Ok(())
            }
            RuntimeCall::Evm(c) => {
                // A call to a contract target's alias runs the version its route names.
                let mut routed = false;
                let result = evm::dispatch_with(ext, origin, c, &mut |ext, execution| {
                    let to = execution.to?;
                    let served = releases::serve(ext, class, &to, &execution.data);
                    routed = served.is_some();
                    served
                });
                if !routed {
                    ext.refund_weight(releases::weights::routed());
                }
                result
            }
            other => other.dispatch(ext, origin),
        }
    }

    /// Dispatches to the pallet.
    pub fn dispatch(self, ext: &mut Ext<'_>, origin: Origin) -> DispatchResult {
        match self {
            RuntimeCall::System(c) => system::dispatch(ext, origin, c),
            RuntimeCall::Timestamp(c) => timestamp::dispatch(ext, origin, c),
            RuntimeCall::Balances(c) => balances::dispatch(ext, origin, c),
            RuntimeCall::Sudo(c) => sudo::dispatch(ext, origin, c, |ext, origin, inner| inner.dispatch(ext, origin)),
            RuntimeCall::Oplog(c) => oplog::dispatch(ext, origin, c),
            call @ RuntimeCall::Records(_) => call.dispatch_in_class(ext, origin, releases::TrafficClass::Production),
            RuntimeCall::Validators(c) => validators::dispatch(ext, origin, c),
            RuntimeCall::Organizations(c) => organizations::dispatch_with(ext, origin, c, &alliances::AllianceHooks),
            RuntimeCall::Alliances(c) => alliances::dispatch(ext, origin, c),
            RuntimeCall::Governance(c) => {
                governance::dispatch(ext, origin, c, |ext, inner| inner.dispatch(ext, Origin::Root))
            }
            // A validator's signal, signed for this block and verified by the dispatch, is its
            // node's proof of work in the payout period (see `logic_signal_inherent`).
            RuntimeCall::Releases(releases::Call::signal_support { signal, signature }) => {
                let key = signal.key;
                let call = releases::Call::signal_support { signal, signature };
                releases::dispatch(ext, origin, call, |ext, origin, class, inner: RuntimeCall| {
                    inner.dispatch_in_class(ext, origin, class)
                })?;
                metering::note_work(ext, &key);
                Ok(())
            }
            RuntimeCall::Releases(c) => releases::dispatch(ext, origin, c, |ext, origin, class, inner| {
                inner.dispatch_in_class(ext, origin, class)
            }),
            RuntimeCall::SubchainStatus(c) => subchain_status::dispatch(ext, origin, c),
            call @ RuntimeCall::Evm(_) => call.dispatch_in_class(ext, origin, releases::TrafficClass::Production),
            RuntimeCall::Metering(c) => {
                metering::dispatch(ext, origin, c, &Stores, |ext, origin, inner| inner.dispatch(ext, origin))
            }
        }
    }
}

/// Management operations are the calls that need root: a governance proposal may carry only
/// these, and each belongs to the class of its pallet (its index).
impl governance::ManagementCall for RuntimeCall {
    fn management_class(&self) -> Option<governance::Class> {
        use accord_pallet_organizations::Call as O;
        let class = match self {
            RuntimeCall::Balances(balances::Call::force_transfer { .. } | balances::Call::force_set_balance { .. }) => {
                2
            }
            // Root may remove any consumer (a squatter, an abandoned one), not only its own.
            RuntimeCall::Oplog(oplog::Call::set_retention { .. } | oplog::Call::unregister_consumer { .. }) => 4,
            RuntimeCall::Validators(_) => 6,
            // Root-only calls, and those root may make on any organization (expel it, free its
            // space or a node), which only governance can do on a chain without sudo.
            RuntimeCall::Organizations(
                O::register_org { .. }
                | O::suspend_org { .. }
                | O::resume_org { .. }
                | O::set_open { .. }
                | O::exit_org { .. }
                | O::release_resource_space { .. }
                | O::remove_node { .. },
            ) => 7,
            RuntimeCall::Alliances(alliances::Call::register_platform { .. }) => 8,
            RuntimeCall::Governance(governance::Call::set_rules { .. } | governance::Call::set_weight { .. }) => 9,
            RuntimeCall::Releases(
                releases::Call::open_release { .. }
                | releases::Call::start_gray { .. }
                | releases::Call::switch { .. }
                | releases::Call::rollback { .. }
                | releases::Call::set_cohort { .. }
                | releases::Call::set_health_rules { .. },
            ) => 10,
            RuntimeCall::Metering(
                metering::Call::register_issuer { .. }
                | metering::Call::remove_issuer { .. }
                | metering::Call::set_prices { .. }
                | metering::Call::set_mode { .. }
                | metering::Call::set_payout_rules { .. }
                | metering::Call::set_quota_required { .. }
                | metering::Call::set_backup_days { .. }
                | metering::Call::attest_medium { .. },
            ) => 11,
            RuntimeCall::SubchainStatus(
                subchain_status::Call::register_subchain { .. }
                | subchain_status::Call::resolve { .. }
                | subchain_status::Call::resolve_contract { .. },
            ) => 12,
            _ => return None,
        };
        Some(class)
    }

    fn call_weight(&self) -> Weight {
        self.weight()
    }

    fn decode_stored(bytes: &[u8]) -> Option<Self> {
        RuntimeCall::decode_all(bytes)
    }
}

/// The calls of release targets, and the data id each is about.
impl releases::RoutedCall for RuntimeCall {
    fn routed(&self, ext: &Ext<'_>) -> Option<(releases::Target, Vec<u8>)> {
        match self {
            RuntimeCall::Records(c) => Some((releases::Target::Records, c.data_id().to_vec())),
            RuntimeCall::Evm(c) => {
                let (to, input) = c.callee()?;
                releases::contract_route(ext, &to, &input)
            }
            _ => None,
        }
    }
}

/// The business data stores `Metering.delete_data` reaches: `Records`, by record id, and
/// contracts' storage (`contract_data`).
pub struct Stores;

fn record_id(ext: &Ext<'_>, key: &[u8]) -> Result<records::RecordId, accord_support::DispatchError> {
    records::RecordId::try_from_vec(key.to_vec()).map_err(|_| ext.error(metering::Error::UnknownData))
}

/// A record's owner and the bytes it takes (id and encoded record), for storage quotas.
fn record_usage(ext: &Ext<'_>, id: &records::RecordId) -> Option<(AccountId32, u64)> {
    records::RECORDS.get(ext, id).map(|r| (r.owner, (id.len() + r.encoded_size()) as u64))
}

/// A record's owner and instance, for the rights `Metering` keeps over it.
fn record_instance(ext: &Ext<'_>, id: &records::RecordId) -> Option<metering::DataInstance> {
    records::RECORDS.get(ext, id).map(|r| metering::DataInstance { owner: r.owner, instance: r.instance })
}

impl metering::DataStore for Stores {
    fn instance(&self, ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Option<metering::DataInstance> {
        match target {
            metering::DataTarget::Records => record_instance(ext, &record_id(ext, key).ok()?),
            _ => crate::contract_data::instance(ext, target, key),
        }
    }

    fn encoded_len(&self, ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Option<usize> {
        match target {
            metering::DataTarget::Records => {
                records::RECORDS.get(ext, &record_id(ext, key).ok()?).map(|r| r.encoded_size())
            }
            _ => crate::contract_data::encoded_len(ext, target, key),
        }
    }

    fn contract_slots(&self, ext: &Ext<'_>, target: metering::DataTarget, key: &[u8]) -> Vec<accord_primitives::H256> {
        crate::contract_data::contract_slots(ext, target, key)
    }

    fn take(
        &self,
        ext: &mut Ext<'_>,
        target: metering::DataTarget,
        key: &[u8],
        by: AccountId32,
    ) -> Result<Vec<u8>, accord_support::DispatchError> {
        match target {
            metering::DataTarget::Records => {
                let id = record_id(ext, key)?;
                let before = record_usage(ext, &id);
                let record = records::take_record(ext, &id, by)?;
                metering::data_resized(ext, before, None)?;
                Ok(record.encode())
            }
            _ => crate::contract_data::take(ext, target, key, by),
        }
    }

    fn restore(
        &self,
        ext: &mut Ext<'_>,
        target: metering::DataTarget,
        key: &[u8],
        data: &[u8],
        by: AccountId32,
    ) -> DispatchResult {
        match target {
            metering::DataTarget::Records => {
                let record =
                    records::Record::decode(&mut &data[..]).map_err(|_| ext.error(metering::Error::NoBackup))?;
                let id = record_id(ext, key)?;
                records::restore_record(ext, &id, &record, by)?;
                metering::data_resized(ext, None, record_usage(ext, &id))
            }
            _ => crate::contract_data::restore(ext, target, key, data, by),
        }
    }
}
