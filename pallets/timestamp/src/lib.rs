//! # Timestamp pallet
//!
//! The block time, set once per block by the `set` inherent (an unsigned extrinsic the block
//! author puts first). Times are milliseconds since the Unix epoch and strictly increase by
//! at least [`MINIMUM_PERIOD_MS`] from block to block. This is the only way time enters the
//! runtime.
//!
//! ## Storage
//! - `Now`: the current block's time.
//! - `DidUpdate`: whether `set` ran in this block (cleared in `on_finalize`).

pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use codec::{Decode, Encode};
use scale_info::{meta_type, TypeInfo};

use accord_primitives::{BlockNumber, Moment};
use accord_support::storage::StorageEntry;
use accord_support::{constant, DispatchResult, Ext, Hooks, Origin, PalletError, PalletMeta, StorageValue, Weight};

/// The pallet's name in the runtime.
pub const NAME: &str = "Timestamp";

/// The least time between two blocks, in milliseconds. Small, so that instant-seal dev
/// chains can make blocks quickly; the node's block time sets the real pace.
pub const MINIMUM_PERIOD_MS: Moment = 1;

/// `Timestamp.Now`.
pub const NOW: StorageValue<Moment> = StorageValue::new(NAME, "Now", &[" The current time for the current block."]);
/// `Timestamp.DidUpdate`.
pub const DID_UPDATE: StorageValue<bool> =
    StorageValue::new(NAME, "DidUpdate", &[" Whether the timestamp has been updated in this block."]);

/// The calls of the timestamp pallet.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call {
    /// Sets the current time. An inherent: the block author includes it once per block.
    ///
    /// - Origin: none (unsigned).
    /// - Events: none.
    /// - Errors: `BadOrigin`; `AlreadySet` if set before in this block; `TooEarly` if not at
    ///   least [`MINIMUM_PERIOD_MS`] after the previous block's time.
    /// - Cost: [`weights::set`], constant.
    #[codec(index = 0)]
    set {
        /// Milliseconds since the Unix epoch.
        #[codec(compact)]
        now: Moment,
    },
}

/// The errors of the timestamp pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The timestamp was already set in this block.
    AlreadySet,
    /// The timestamp does not advance by the minimum period.
    TooEarly,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl Call {
    /// The weight of the call, before dispatch.
    pub fn weight(&self) -> Weight {
        weights::set()
    }
}

/// Dispatches a timestamp call.
pub fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    match call {
        Call::set { now } => {
            origin.ensure_none()?;
            if DID_UPDATE.get(ext) {
                return Err(ext.error(Error::AlreadySet));
            }
            let previous = NOW.get(ext);
            if previous != 0 && now < previous.saturating_add(MINIMUM_PERIOD_MS) {
                return Err(ext.error(Error::TooEarly));
            }
            NOW.put(ext, &now);
            DID_UPDATE.put(ext, &true);
            Ok(())
        }
    }
}

/// The current block's time (the previous block's until `set` runs).
pub fn now(ext: &Ext<'_>) -> Moment {
    NOW.get(ext)
}

/// Whether `set` ran in this block.
pub fn did_update(ext: &Ext<'_>) -> bool {
    DID_UPDATE.get(ext)
}

/// Genesis: the chain starts at `genesis_time_ms` (0 means "unset": the first block may use
/// any time).
pub fn build_genesis(ext: &mut Ext<'_>, genesis_time_ms: Moment) {
    NOW.put(ext, &genesis_time_ms);
}

/// The timestamp pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;

    fn on_finalize(ext: &mut Ext<'_>, _n: BlockNumber) {
        DID_UPDATE.kill(ext);
    }

    fn integrity_check() -> Result<(), String> {
        if MINIMUM_PERIOD_MS == 0 {
            return Err("the minimum period must be positive for time to increase".into());
        }
        Ok(())
    }
}

/// The metadata of the timestamp pallet.
pub fn metadata() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![NOW.metadata(), DID_UPDATE.metadata()],
        call: Some(meta_type::<Call>()),
        event: None,
        error: Some(meta_type::<Error>()),
        constants: vec![constant(
            "MinimumPeriod",
            &MINIMUM_PERIOD_MS,
            &[" The minimum period between blocks, in milliseconds."],
        )],
    }
}
