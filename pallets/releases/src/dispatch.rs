//! The calls: each checks everything first, then writes.

use accord_support::{BoundedVec, DispatchError, DispatchResult, Ext, Origin};

use crate::routing::{check_class, enter};
use crate::signals::{supported_by_validators, verify_signal};
use crate::*;

/// What the releases pallet must know of the runtime's calls.
pub trait RoutedCall {
    /// The target and data id of the call on the state in `ext`, if it is a call of a release
    /// target (a contract target's alias is known from the state).
    fn routed(&self, ext: &Ext<'_>) -> Option<(Target, Vec<u8>)>;
}

fn fail(ext: &Ext<'_>, error: Error) -> DispatchError {
    ext.error(error)
}

fn deposit(ext: &mut Ext<'_>, event: Event) {
    ext.deposit_event(NAME, &event, Vec::new());
}

/// The release `id`, or `UnknownRelease`.
fn release_of(ext: &Ext<'_>, id: ReleaseId) -> Result<Release, DispatchError> {
    RELEASES.get(ext, &id).ok_or_else(|| fail(ext, Error::UnknownRelease))
}

/// A stage other than a rollback needs a free history slot (the last is the rollback's).
fn ensure_history_room(ext: &Ext<'_>, release: &Release) -> Result<(), DispatchError> {
    if release.history.len() as u32 >= HISTORY_MAX - 1 {
        return Err(fail(ext, Error::TooManyStageChanges));
    }
    Ok(())
}

fn ensure_supported(ext: &Ext<'_>, target: Target, version: Version) -> Result<(), DispatchError> {
    if crate::contracts::needs_signals(target) && !supported_by_validators(ext, target, version) {
        return Err(fail(ext, Error::NotSupportedByValidators));
    }
    Ok(())
}

/// Dispatches a releases call; `dispatch_in_class` dispatches a runtime call in a traffic
/// class (`as_class`).
pub fn dispatch<C: RoutedCall>(
    ext: &mut Ext<'_>,
    origin: Origin,
    call: Call<C>,
    dispatch_in_class: impl FnOnce(&mut Ext<'_>, Origin, TrafficClass, C) -> DispatchResult,
) -> DispatchResult {
    match call {
        Call::as_class { class, call } => {
            let who = origin.ensure_signed()?;
            let Some((target, _)) = call.routed(ext) else {
                return Err(fail(ext, Error::NotRouted));
            };
            check_class(ext, &who, target, class).map_err(|e| fail(ext, e))?;
            return dispatch_in_class(ext, origin, class, *call);
        }
        Call::open_release { target, new_version, cohort } => {
            origin.ensure_root()?;
            if !crate::has_version(ext, target, new_version) {
                return Err(fail(ext, Error::UnknownVersion));
            }
            let old = current_version(ext, target);
            if new_version == old {
                return Err(fail(ext, Error::SameVersion));
            }
            let latest = LATEST.get(ext, &target).and_then(|id| RELEASES.get(ext, &id));
            if latest.is_some_and(|r| matches!(r.stage, Stage::PreRelease | Stage::Gray { .. })) {
                return Err(fail(ext, Error::ReleaseLive));
            }
            if cohort.is_empty() {
                return Err(fail(ext, Error::EmptyCohort));
            }
            ensure_supported(ext, target, new_version)?;
            let id = LAST_RELEASE.get(ext) + 1;
            LAST_RELEASE.put(ext, &id);
            LATEST.insert(ext, &target, &id);
            let mut release =
                Release { target, old, new: new_version, cohort, stage: Stage::PreRelease, history: BoundedVec::new() };
            deposit(ext, Event::ReleaseOpened { release: id, target, old, new: new_version });
            enter(ext, id, &mut release, Stage::PreRelease);
        }
        Call::start_gray { release: id, share_bp } => {
            origin.ensure_root()?;
            if share_bp > BASIS_POINTS {
                return Err(fail(ext, Error::ShareTooLarge));
            }
            let mut release = release_of(ext, id)?;
            if !matches!(release.stage, Stage::PreRelease | Stage::Gray { .. }) {
                return Err(fail(ext, Error::StageOutOfOrder));
            }
            ensure_history_room(ext, &release)?;
            ensure_supported(ext, release.target, release.new)?;
            enter(ext, id, &mut release, Stage::Gray { share_bp });
        }
        Call::switch { release: id } => {
            origin.ensure_root()?;
            let mut release = release_of(ext, id)?;
            if !matches!(release.stage, Stage::Gray { .. }) {
                return Err(fail(ext, Error::StageOutOfOrder));
            }
            ensure_history_room(ext, &release)?;
            ensure_supported(ext, release.target, release.new)?;
            enter(ext, id, &mut release, Stage::Switched);
        }
        Call::rollback { release: id } => {
            origin.ensure_root()?;
            let mut release = release_of(ext, id)?;
            if !release.routes() || LATEST.get(ext, &release.target) != Some(id) {
                return Err(fail(ext, Error::StageOutOfOrder));
            }
            enter(ext, id, &mut release, Stage::RolledBack { automatic: false });
        }
        Call::set_cohort { release: id, cohort } => {
            origin.ensure_root()?;
            let mut release = release_of(ext, id)?;
            if !matches!(release.stage, Stage::PreRelease | Stage::Gray { .. }) {
                return Err(fail(ext, Error::StageOutOfOrder));
            }
            if cohort.is_empty() {
                return Err(fail(ext, Error::EmptyCohort));
            }
            let size = cohort.len() as u32;
            release.cohort = cohort;
            RELEASES.insert(ext, &id, &release);
            deposit(ext, Event::CohortSet { release: id, size });
        }
        Call::set_health_rules { rules } => {
            origin.ensure_root()?;
            if !rules.is_valid() {
                return Err(fail(ext, Error::BadHealthRules));
            }
            HEALTH_RULES.put(ext, &rules);
            deposit(ext, Event::HealthRulesSet { rules });
        }
        Call::signal_support { signal, signature } => {
            origin.ensure_none()?;
            if verify_signal(ext, &signal, &signature).is_err() {
                return Err(fail(ext, Error::BadSignal));
            }
            SUPPORT.insert(ext, &signal.key, &signal);
            deposit(ext, Event::SupportSignalled { key: signal.key, versions: signal.versions });
        }
        Call::create_contract_target { code, data_id, init } => {
            crate::contracts::create(ext, origin, code, data_id, init)?
        }
        Call::add_contract_version { alias, code } => crate::contracts::add_version(ext, origin, alias, code)?,
    }
    Ok(())
}
