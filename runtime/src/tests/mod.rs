//! Runtime tests, in one test binary: a small in-memory chain drives the executive the way
//! the node will.

mod apis;
mod code;
mod contract_data;
mod contract_releases;
mod evm;
mod executive;
mod frame_shapes;
mod fuzz;
mod genesis;
mod governance;
mod indices;
mod metadata;
mod metadata_v15;
mod metering;
mod organizations;
mod payouts;
mod releases;
mod root_calls;
mod scale_walk;
mod validators;

use codec::{Decode, Encode};

use accord_pallet_system as system;
use accord_primitives::extrinsic::{Implicit, SignedExtra};
use accord_primitives::{Digest, Era, Header, Pair, UncheckedExtrinsic, H256};
use accord_support::{Ext, MemoryState, Phase};

use crate::executive::{ApplyOutcome, BlockExecution};
use crate::validity::{TransactionValidity, TransactionValidityError};
use crate::version::{SPEC_VERSION, TRANSACTION_VERSION};
use crate::{timestamp_inherent, GenesisConfig, RuntimeCall, RuntimeEvent, PALLETS};

/// An event record as stored, decoded.
#[derive(Debug, Decode)]
pub(crate) struct Record {
    pub(crate) phase: Phase,
    pub(crate) event: RuntimeEvent,
    #[allow(dead_code)]
    pub(crate) topics: Vec<H256>,
}

/// An in-memory chain on the real executive.
pub(crate) struct Chain {
    pub(crate) state: MemoryState,
    pub(crate) headers: Vec<Header>,
    time_ms: u64,
}

impl Chain {
    pub(crate) fn dev() -> Chain {
        Chain::from_config(&GenesisConfig::dev())
    }

    /// The development chain, opened: any funded account may transact.
    pub(crate) fn open_dev() -> Chain {
        Chain::from_config(&GenesisConfig { open_chain: true, ..GenesisConfig::dev() })
    }

    pub(crate) fn from_config(config: &GenesisConfig) -> Chain {
        let (state, header) = config.build().unwrap();
        Chain { state, headers: vec![header], time_ms: 1_700_000_000_000 }
    }

    pub(crate) fn genesis_hash(&self) -> H256 {
        self.headers[0].hash()
    }

    pub(crate) fn best(&self) -> &Header {
        self.headers.last().unwrap()
    }

    pub(crate) fn best_number(&self) -> u32 {
        self.best().number
    }

    /// The implicit data a client signs for `era` at the current best block.
    pub(crate) fn implicit(&self, era: Era) -> Implicit {
        let birth = era.birth(self.best_number() as u64) as usize;
        let era_birth_hash = if era.is_immortal() { self.genesis_hash() } else { self.headers[birth].hash() };
        Implicit {
            spec_version: SPEC_VERSION,
            transaction_version: TRANSACTION_VERSION,
            genesis_hash: self.genesis_hash(),
            era_birth_hash,
        }
    }

    pub(crate) fn sign(&self, who: &Pair, call: &RuntimeCall, nonce: u32, era: Era, tip: u128) -> UncheckedExtrinsic {
        UncheckedExtrinsic::new_signed(&call.encode(), who, SignedExtra { era, nonce, tip }, &self.implicit(era))
    }

    pub(crate) fn signed(&self, who: &Pair, call: &RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
        self.sign(who, call, nonce, Era::Immortal, 0)
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&Ext<'_>) -> R) -> R {
        let ext = Ext::new(&self.state, PALLETS);
        f(&ext)
    }

    pub(crate) fn validate(&self, xt: &UncheckedExtrinsic) -> TransactionValidity {
        crate::validate_transaction(&self.state, xt, self.best().hash())
    }

    /// Builds a block with the timestamp inherent and `xts`, imports it through
    /// `execute_block` as a second node would, and returns each extrinsic's outcome.
    pub(crate) fn produce(
        &mut self,
        xts: &[UncheckedExtrinsic],
    ) -> Vec<Result<ApplyOutcome, TransactionValidityError>> {
        self.time_ms += 1_000;
        let parent = self.best().clone();
        let mut exec = BlockExecution::initialize(&self.state, parent.hash(), parent.number + 1, Digest::default());
        exec.apply(&timestamp_inherent(self.time_ms)).expect("the timestamp inherent applies");
        let outcomes: Vec<_> = xts.iter().map(|xt| exec.apply(xt)).collect();
        let built = exec.finalize().expect("block finalizes");
        let imported = crate::execute_block(&self.state, &built.block).expect("the built block imports");
        assert!(imported == built.changes, "import must reproduce the builder's changes");
        self.state.apply(built.changes);
        assert_eq!(self.state.root(), built.block.header.state_root);
        self.headers.push(built.block.header);
        self.read(crate::check_state).expect("state invariants hold after every block");
        outcomes
    }

    /// Moves the chain's clock forward by `ms` (the next block's timestamp follows).
    pub(crate) fn advance_time(&mut self, ms: u64) {
        self.time_ms += ms;
    }

    /// The metered quote of `xt` at the best block (what applying it next would charge).
    pub(crate) fn quote(&self, xt: &UncheckedExtrinsic) -> accord_pallet_metering::Quote {
        crate::fees::quote(&self.state, xt, self.best().hash()).expect("a signed extrinsic")
    }

    /// The events of the best block.
    pub(crate) fn events(&self) -> Vec<Record> {
        let bytes = self.state.map.get(&system::events_key()).cloned().unwrap_or_default();
        Vec::<Record>::decode(&mut &bytes[..]).expect("System.Events decodes as Vec<EventRecord>")
    }
}
