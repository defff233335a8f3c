//! # Sudo pallet
//!
//! One account, the sudo key, may dispatch any call with the root origin. Development
//! chains give it to //Alice; a consortium chain replaces it by governance later.
//!
//! The pallet is generic over the runtime's call type `C`: the runtime hands it a
//! function that dispatches an inner call, so the pallet never depends on the runtime.
//!
//! ## Storage
//! - `Key`: the sudo account (none: sudo disabled).

pub mod weights;

#[cfg(test)]
mod tests;

use codec::{Decode, Encode};
use scale_info::{meta_type, TypeInfo};

use accord_primitives::{AccountId32, MultiAddress};
use accord_support::storage::StorageEntry;
use accord_support::{
    lookup, DispatchError, DispatchResult, Ext, Hooks, OptionQuery, Origin, PalletError, PalletMeta, StorageValue,
    Weight,
};

/// The pallet's name in the runtime.
pub const NAME: &str = "Sudo";

/// `Sudo.Key`.
pub const KEY: StorageValue<AccountId32, OptionQuery> =
    StorageValue::new(NAME, "Key", &[" The `AccountId` of the sudo key."]);

/// The calls of the sudo pallet; `C` is the runtime's call type.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Call<C> {
    /// Dispatches `call` with the root origin.
    ///
    /// - Origin: signed by the sudo key.
    /// - Events: `Sudid` with the inner call's result (the outer call succeeds either way).
    /// - Errors: `RequireSudo`.
    /// - Cost: [`weights::sudo`] plus the inner call's weight.
    #[codec(index = 0)]
    sudo {
        /// The call.
        call: Box<C>,
    },
    /// Hands the sudo key to `new`.
    ///
    /// - Origin: signed by the sudo key.
    /// - Events: `KeyChanged`.
    /// - Errors: `RequireSudo`, `CannotLookup` (non-`Id` address).
    /// - Cost: [`weights::set_key`], constant.
    #[codec(index = 2)]
    set_key {
        /// The new key.
        new: MultiAddress,
    },
    /// Dispatches `call` signed by `who`.
    ///
    /// - Origin: signed by the sudo key.
    /// - Events: `SudoAsDone` with the inner call's result.
    /// - Errors: `RequireSudo`, `CannotLookup`.
    /// - Cost: [`weights::sudo`] plus the inner call's weight.
    #[codec(index = 3)]
    sudo_as {
        /// The account to act as.
        who: MultiAddress,
        /// The call.
        call: Box<C>,
    },
}

/// The events of the sudo pallet, with FRAME's indices.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A call ran as root.
    #[codec(index = 0)]
    Sudid {
        /// Its result.
        sudo_result: Result<(), DispatchError>,
    },
    /// The sudo key changed.
    #[codec(index = 1)]
    KeyChanged {
        /// The previous key.
        old: Option<AccountId32>,
        /// The new key.
        new: AccountId32,
    },
    /// A call ran as another account.
    #[codec(index = 3)]
    SudoAsDone {
        /// Its result.
        sudo_result: Result<(), DispatchError>,
    },
}

/// The errors of the sudo pallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The sender is not the sudo key.
    RequireSudo,
}

impl PalletError for Error {
    const PALLET: &'static str = NAME;
    fn index(self) -> u8 {
        self as u8
    }
}

impl<C> Call<C> {
    /// The weight of the call itself; the runtime adds the inner call's.
    pub fn own_weight(&self) -> Weight {
        match self {
            Call::sudo { .. } | Call::sudo_as { .. } => weights::sudo(),
            Call::set_key { .. } => weights::set_key(),
        }
    }

    /// The inner call, if any.
    pub fn inner(&self) -> Option<&C> {
        match self {
            Call::sudo { call } | Call::sudo_as { call, .. } => Some(call),
            Call::set_key { .. } => None,
        }
    }
}

fn ensure_sudo(ext: &Ext<'_>, origin: &Origin) -> Result<AccountId32, DispatchError> {
    let who = origin.ensure_signed()?;
    if KEY.get(ext) != Some(who) {
        return Err(ext.error(Error::RequireSudo));
    }
    Ok(who)
}

fn deposit_event(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// Dispatches a sudo call; `dispatch_inner` dispatches the runtime's inner call. The inner
/// call runs in its own transactional layer: its failure is reported in the event and
/// rolled back, and the sudo call itself succeeds.
pub fn dispatch<C>(
    ext: &mut Ext<'_>,
    origin: Origin,
    call: Call<C>,
    dispatch_inner: impl FnOnce(&mut Ext<'_>, Origin, C) -> DispatchResult,
) -> DispatchResult {
    ensure_sudo(ext, &origin)?;
    match call {
        Call::sudo { call } => {
            let sudo_result = ext.transactional(|ext| dispatch_inner(ext, Origin::Root, *call));
            deposit_event(ext, Event::Sudid { sudo_result });
            Ok(())
        }
        Call::sudo_as { who, call } => {
            let who = lookup(&who)?;
            let sudo_result = ext.transactional(|ext| dispatch_inner(ext, Origin::Signed(who), *call));
            deposit_event(ext, Event::SudoAsDone { sudo_result });
            Ok(())
        }
        Call::set_key { new } => {
            let new = lookup(&new)?;
            let old = KEY.get(ext);
            KEY.put(ext, &new);
            deposit_event(ext, Event::KeyChanged { old, new });
            Ok(())
        }
    }
}

/// Genesis: the sudo key, if any.
pub fn build_genesis(ext: &mut Ext<'_>, key: Option<AccountId32>) {
    if let Some(key) = key {
        KEY.put(ext, &key);
    }
}

/// The sudo pallet's hooks.
pub struct Pallet;

impl Hooks for Pallet {
    const NAME: &'static str = NAME;
}

/// The metadata of the sudo pallet; `C` is the runtime's call type.
pub fn metadata<C: TypeInfo + 'static>() -> PalletMeta {
    PalletMeta {
        name: NAME,
        storage: vec![KEY.metadata()],
        call: Some(meta_type::<Call<C>>()),
        event: Some(meta_type::<Event>()),
        error: Some(meta_type::<Error>()),
        constants: vec![],
    }
}
