//! Logic version 2: strict, revisioned records. It checks what version 1 lets through (empty
//! states, updates that change nothing), runs version 1 for the change itself, then counts
//! the record's revision.

use accord_support::{DispatchResult, Ext, Origin};

use crate::{deposit_event, dispatch_v1, Call, Error, Event, RecordId, RECORDS, REVISIONS};

/// Dispatches `call` with version 2 of the logic.
pub(crate) fn dispatch(ext: &mut Ext<'_>, origin: Origin, call: Call) -> DispatchResult {
    origin.ensure_signed()?;
    let revised = match &call {
        Call::create { id, state, .. } => {
            if state.is_empty() {
                return Err(ext.error(Error::EmptyState));
            }
            Some(id.clone())
        }
        Call::update_state { id, state } => {
            if state.is_empty() {
                return Err(ext.error(Error::EmptyState));
            }
            if RECORDS.get(ext, id).is_some_and(|r| r.state == *state) {
                return Err(ext.error(Error::UnchangedState));
            }
            Some(id.clone())
        }
        Call::transfer_ownership { id, .. } => Some(id.clone()),
        Call::delete { .. } | Call::authorize { .. } | Call::deauthorize { .. } => None,
    };
    let creates = matches!(call, Call::create { .. });
    dispatch_v1(ext, origin, call)?;
    if let Some(id) = revised {
        revise(ext, id, creates);
    }
    Ok(())
}

/// Counts a change: revision 1 for a new record, one more otherwise.
fn revise(ext: &mut Ext<'_>, id: RecordId, created: bool) {
    let revision = if created { 1 } else { REVISIONS.get(ext, &id).unwrap_or(0).saturating_add(1) };
    REVISIONS.insert(ext, &id, &revision);
    deposit_event(ext, Event::Revised { id, revision });
}
