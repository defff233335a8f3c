//! The node's side of releases: the logic versions this binary runs, how an operator names
//! them, and the signal inherent a validator adds to the blocks it proposes.

use codec::Encode;

use accord_pallet_metering as metering;
use accord_pallet_releases::{self as releases, SignalVersions, Target, Version, SIGNAL_VERSIONS_MAX};
use accord_primitives::UncheckedExtrinsic;
use accord_support::{BoundedVec, Ext};

use crate::call::RuntimeCall;

/// Every (target, version) this runtime ships, sorted.
pub fn logic_versions() -> SignalVersions {
    releases::shipped_versions()
}

/// Parses an operator's list of the versions to announce, `Target:version` pairs separated
/// by commas (`Records:1,Records:2`); each must be one this runtime ships. Sorted, without
/// duplicates.
pub fn parse_logic_versions(text: &str) -> Result<SignalVersions, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, version) =
            item.split_once(':').ok_or_else(|| format!("{item:?}: expected Target:version, like Records:2"))?;
        let target = Target::from_name(name.trim()).filter(|t| !t.versions().is_empty()).ok_or_else(|| {
            let names: Vec<String> = Target::BUILT_IN.iter().map(|t| t.name()).collect();
            format!("{name:?}: no such target (targets: {}; contract versions need no signal)", names.join(", "))
        })?;
        let version: Version = version.trim().parse().map_err(|_| format!("{item:?}: the version must be a number"))?;
        if !target.versions().contains(&version) {
            return Err(format!("{item:?}: this binary ships {} versions {:?}", target.name(), target.versions()));
        }
        out.push((target, version));
    }
    out.sort();
    out.dedup();
    // Only shipped pairs, without duplicates: never more than a signal holds.
    BoundedVec::try_from_vec(out)
        .map_err(|out| format!("{} versions; a signal names at most {SIGNAL_VERSIONS_MAX}", out.len()))
}

// The nodes a payout period counts hold every validator of a set, and of one replacing it.
const _: () = assert!(metering::WORKERS_MAX >= 2 * accord_pallet_validators::VALIDATORS_MAX);

/// The `Releases.signal_support` inherent validator `key` should add to the block being built
/// on `ext` (after its `on_initialize`), signed with `sign`: when its stored signal names
/// other versions than `versions`, and, though unchanged, once per payout period as its
/// node's proof of work (`Metering.work_due`: a registered node of an active organization
/// not yet counted; the dispatch reports the signal to `Metering.note_work`). `None` when
/// neither is due or `key` is not a validator.
pub fn logic_signal_inherent(
    ext: &Ext<'_>,
    key: &[u8; 32],
    versions: &SignalVersions,
    sign: &dyn Fn(&[u8]) -> [u8; 64],
) -> Option<UncheckedExtrinsic> {
    let signal = releases::signal_to_send(ext, key, versions).or_else(|| work_proof(ext, key, versions))?;
    let genesis = accord_pallet_system::block_hash(ext, 0)?;
    let signature = sign(&releases::signal_payload(&genesis, &signal));
    let call = RuntimeCall::Releases(releases::Call::signal_support { signal, signature });
    Some(UncheckedExtrinsic::new_unsigned(&call.encode()))
}

/// The signal validator `key` sends unchanged as its node's proof of work, if one is due.
fn work_proof(ext: &Ext<'_>, key: &[u8; 32], versions: &SignalVersions) -> Option<releases::Signal> {
    if !accord_pallet_validators::VALIDATORS.get(ext).contains(key) || !metering::work_due(ext, key) {
        return None;
    }
    Some(releases::Signal { key: *key, versions: versions.clone(), at: accord_pallet_system::block_number(ext) })
}

/// What `releases_route` answers: the version a call would run now, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteAnswer {
    /// The version.
    pub version: Version,
    /// The live release that routes it (`None`: the target's current version).
    pub release: Option<releases::ReleaseId>,
    /// That release's stage.
    pub stage: Option<releases::Stage>,
    /// The data id's bucket (0 to 9,999) under that release: below a gray share means new.
    pub bucket: Option<u16>,
    /// For a contract target, the contract whose code the version runs.
    pub code: Option<[u8; 20]>,
}

/// The traffic class called `name` (`production`, `preReleaseTest`, `grayTest`, any case).
pub fn traffic_class_from_name(name: &str) -> Option<releases::TrafficClass> {
    use releases::TrafficClass::*;
    [("production", Production), ("preReleaseTest", PreReleaseTest), ("grayTest", GrayTest)]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, class)| class)
}

/// The version a call of target `target` (by name: a built-in target's, or a contract
/// target's alias in hex) about `data_id` would run in class `class` (by name) on `ext`;
/// `Err` names the bad parameter.
pub fn route_answer(ext: &Ext<'_>, target: &str, class: &str, data_id: &[u8]) -> Result<RouteAnswer, String> {
    let names = |all: &[&str]| all.join(", ");
    let known = |t: &Target| match t {
        Target::Contract(alias) => releases::CONTRACT_TARGETS.contains_key(ext, alias),
        _ => true,
    };
    let target = Target::from_name(target).filter(known).ok_or_else(|| {
        let all: Vec<String> = Target::BUILT_IN.iter().map(|t| t.name()).collect();
        format!("unknown target {target:?} (targets: {}, or a contract target's alias)", all.join(", "))
    })?;
    let class = traffic_class_from_name(class).ok_or_else(|| {
        format!("unknown traffic class {class:?} (classes: {})", names(&["production", "preReleaseTest", "grayTest"]))
    })?;
    if data_id.len() > accord_pallet_oplog::DATA_ID_LEN_MAX as usize {
        return Err(format!("the data id is longer than {} bytes", accord_pallet_oplog::DATA_ID_LEN_MAX));
    }
    let routed = releases::route(ext, target, class, data_id);
    let stage = routed.release.and_then(|id| releases::RELEASES.get(ext, &id)).map(|r| r.stage);
    let bucket = routed.release.map(|id| releases::bucket_of(id, data_id));
    let code = match target {
        Target::Contract(alias) => {
            releases::CONTRACT_TARGETS.get(ext, &alias).and_then(|t| t.code_of(routed.version)).map(|c| c.0)
        }
        _ => None,
    };
    Ok(RouteAnswer { version: routed.version, release: routed.release, stage, bucket, code })
}
