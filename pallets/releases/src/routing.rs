//! Routing a call to a version, the health counts, the automatic rollback, and the
//! invariants.

use codec::Encode;

use accord_pallet_system as system;
use accord_primitives::hashing::blake2_256;
use accord_primitives::{AccountId32, BlockNumber};
use accord_support::Ext;

use crate::*;

/// Where a call goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Routed {
    /// The call family.
    pub target: Target,
    /// The traffic class.
    pub class: TrafficClass,
    /// The version that runs it.
    pub version: Version,
    /// The live release that routed it (`None`: the current version, no release).
    pub release: Option<ReleaseId>,
}

/// The bucket (0 to 9,999) of `data_id` under `release`: blake2-256 of
/// `"accord/route" ++ SCALE(release) ++ data_id`, its first 8 bytes as a little-endian
/// integer, modulo 10,000.
pub fn bucket_of(release: ReleaseId, data_id: &[u8]) -> u16 {
    let mut data = b"accord/route".to_vec();
    data.extend_from_slice(&release.encode());
    data.extend_from_slice(data_id);
    let hash = blake2_256(&data);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    (u64::from_le_bytes(first) % BASIS_POINTS as u64) as u16
}

/// The version a call of `target` about `data_id` runs in `class`, now.
pub fn route(ext: &Ext<'_>, target: Target, class: TrafficClass, data_id: &[u8]) -> Routed {
    match ROUTES.get(ext, &target, &class) {
        None => Routed { target, class, version: current_version(ext, target), release: None },
        Some(RouteEntry { release, rule }) => {
            let version = match rule {
                Rule::To(v) => v,
                Rule::Split { old, new, share_bp } => {
                    if bucket_of(release, data_id) < share_bp {
                        new
                    } else {
                        old
                    }
                }
            };
            Routed { target, class, version, release: Some(release) }
        }
    }
}

/// Whether `who` may send `class` traffic to `target`: production always; a test class only
/// as a member of the cohort of the target's live release.
pub fn check_class(ext: &Ext<'_>, who: &AccountId32, target: Target, class: TrafficClass) -> Result<(), Error> {
    if class == TrafficClass::Production {
        return Ok(());
    }
    let live = LATEST.get(ext, &target).and_then(|id| RELEASES.get(ext, &id)).filter(Release::routes);
    match live {
        Some(release) if release.cohort.contains(who) => Ok(()),
        _ => Err(Error::NotInCohort),
    }
}

/// The routing table's rule for each class at `stage` (`None`: no entries).
pub(crate) fn rules_at(release: &Release) -> Option<[(TrafficClass, Rule); 3]> {
    let (old, new) = (release.old, release.new);
    let [production, pre, gray] = TrafficClass::ALL;
    match release.stage {
        Stage::PreRelease => Some([(production, Rule::To(old)), (pre, Rule::To(new)), (gray, Rule::To(old))]),
        Stage::Gray { share_bp } => {
            Some([(production, Rule::Split { old, new, share_bp }), (pre, Rule::To(new)), (gray, Rule::To(new))])
        }
        Stage::Switched => Some([(production, Rule::To(new)), (pre, Rule::To(new)), (gray, Rule::To(new))]),
        Stage::RolledBack { .. } => None,
    }
}

/// Writes the routing table of `target` for release `id` at its stage.
pub(crate) fn write_routes(ext: &mut Ext<'_>, id: ReleaseId, release: &Release) {
    match rules_at(release) {
        Some(rules) => {
            for (class, rule) in rules {
                ROUTES.insert(ext, &release.target, &class, &RouteEntry { release: id, rule });
            }
        }
        None => {
            for class in TrafficClass::ALL {
                ROUTES.remove(ext, &release.target, &class);
            }
        }
    }
}

/// Moves release `id` to `stage`: history, routing table, current version, event.
pub(crate) fn enter(ext: &mut Ext<'_>, id: ReleaseId, release: &mut Release, stage: Stage) {
    let at = system::block_number(ext);
    release.stage = stage;
    // Callers keep the last slot for a rollback (`ensure_history_room`): there is room.
    let added = release.history.try_push(StageEntry { at, stage }).is_ok();
    debug_assert!(added, "release {id}: its stage history is full");
    match stage {
        Stage::Switched => CURRENT.insert(ext, &release.target, &release.new),
        Stage::RolledBack { .. } => CURRENT.insert(ext, &release.target, &release.old),
        Stage::PreRelease | Stage::Gray { .. } => {}
    }
    if current_version(ext, release.target) == release.target.base_version() {
        CURRENT.remove(ext, &release.target);
    }
    write_routes(ext, id, release);
    crate::contracts::point_at_current(ext, release.target);
    RELEASES.insert(ext, &id, release);
    ext.deposit_event(NAME, &Event::StageChanged { release: id, stage }, Vec::new());
}

/// The counts of `window` that fall in the health window ending at block `now`.
pub fn totals(window: &Window, rules: &HealthRules, now: BlockNumber) -> (u32, u32) {
    let horizon = now.saturating_sub(rules.window);
    window
        .iter()
        .filter(|b| b.start.saturating_add(rules.bucket_len()) > horizon)
        .fold((0, 0), |(c, f), b| (c.saturating_add(b.calls), f.saturating_add(b.failures)))
}

/// Adds one dispatch at block `now` to `window`, dropping the buckets that left it.
fn count(window: &mut Window, rules: &HealthRules, now: BlockNumber, success: bool) {
    let len = rules.bucket_len();
    let horizon = now.saturating_sub(rules.window);
    window.retain(|b| b.start.saturating_add(len) > horizon);
    let start = now - now % len;
    match window.as_mut_slice().last_mut() {
        Some(last) if last.start == start => {
            last.calls = last.calls.saturating_add(1);
            last.failures = last.failures.saturating_add(u32::from(!success));
        }
        _ => {
            if window.len() as u32 > BUCKETS {
                // Only after the rules changed the bucket length: drop the oldest.
                window.remove_first(|_| true);
            }
            // At most BUCKETS are left, and a window holds BUCKETS + 1: there is room.
            let added = window.try_push(Bucket { start, calls: 1, failures: u32::from(!success) }).is_ok();
            debug_assert!(added, "a window has room for a new bucket");
        }
    }
}

/// Reports that the transaction `routed` describes ran (`success`: its dispatch succeeded):
/// counts it, emits `Routed`, and rolls a gray release back when its new version fails too
/// often. Called by the executive after the dispatch's layer closed, so a failure counts.
pub fn note_outcome(ext: &mut Ext<'_>, routed: &Routed, success: bool) {
    let Some(id) = routed.release else {
        return;
    };
    let rules = health_rules(ext);
    let now = system::block_number(ext);
    let mut window = HEALTH.get(ext, &id, &routed.version);
    count(&mut window, &rules, now, success);
    HEALTH.insert(ext, &id, &routed.version, &window);
    let event = Event::Routed { release: id, class: routed.class, version: routed.version, success };
    ext.deposit_event(NAME, &event, Vec::new());
    let Some(mut release) = RELEASES.get(ext, &id) else {
        return;
    };
    if !matches!(release.stage, Stage::Gray { .. }) || routed.version != release.new {
        return;
    }
    let (calls, failures) = totals(&window, &rules, now);
    let rate_exceeded = failures as u64 * BASIS_POINTS as u64 > rules.max_failure_bp as u64 * calls as u64;
    if calls >= rules.min_sample && rate_exceeded {
        enter(ext, id, &mut release, Stage::RolledBack { automatic: true });
        let event = Event::AutoRolledBack {
            release: id,
            version: routed.version,
            calls,
            failures,
            max_failure_bp: rules.max_failure_bp,
        };
        ext.deposit_event(NAME, &event, Vec::new());
    }
}

/// The invariants: every release is well formed; the routing table is exactly what each
/// target's latest release's stage says; the current version follows the stages; health
/// counts never have more failures than calls.
pub(crate) fn check(ext: &Ext<'_>) -> Result<(), String> {
    let last = LAST_RELEASE.get(ext);
    for id in 1..=last {
        let r = RELEASES.get(ext, &id).ok_or(format!("release {id} of 1..={last} is missing"))?;
        if r.old == r.new || !crate::has_version(ext, r.target, r.new) {
            return Err(format!("release {id} rolls out {} over {}", r.new, r.old));
        }
        if r.cohort.is_empty() {
            return Err(format!("release {id} has an empty cohort"));
        }
        if r.history.first().map(|e| e.stage) != Some(Stage::PreRelease) {
            return Err(format!("release {id} did not start in pre-release"));
        }
        if r.history.last().map(|e| e.stage) != Some(r.stage) {
            return Err(format!("release {id}'s history does not end in its stage"));
        }
        for version in [r.old, r.new] {
            if HEALTH.get(ext, &id, &version).iter().any(|b| b.failures > b.calls) {
                return Err(format!("release {id} version {version} counts more failures than calls"));
            }
        }
        if LATEST.get(ext, &r.target) != Some(id) {
            continue;
        }
        for class in TrafficClass::ALL {
            let expected = rules_at(&r).map(|rules| {
                let rule = rules.iter().find(|(c, _)| *c == class).map(|(_, rule)| *rule).unwrap_or(Rule::To(r.old));
                RouteEntry { release: id, rule }
            });
            if ROUTES.get(ext, &r.target, &class) != expected {
                return Err(format!("release {id}'s routes for {class:?} do not match its stage {:?}", r.stage));
            }
        }
        let current = current_version(ext, r.target);
        let expected_current = if r.stage == Stage::Switched { r.new } else { r.old };
        if current != expected_current {
            return Err(format!("release {id} at {:?} but the current version is {current}", r.stage));
        }
    }
    for target in Target::BUILT_IN.into_iter().chain(crate::contracts::targets(ext)) {
        if LATEST.get(ext, &target).is_none() && TrafficClass::ALL.iter().any(|c| ROUTES.get(ext, &target, c).is_some())
        {
            return Err(format!("{target:?} has routes without a release"));
        }
    }
    Ok(())
}
