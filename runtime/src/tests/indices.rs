//! Pallet, call, event and error indices are wire format: this test pins every one of them,
//! read from the metadata, against the checked-in list `indices.txt`. Adding a variant fails
//! it until the list is updated on purpose; changing or reusing an index must never pass a
//! review. To rewrite the list from the current code:
//!
//! ```text
//! ACCORD_WRITE_INDICES=1 cargo test -p accord-runtime --lib indices
//! ```
//! then review the diff of `runtime/src/tests/indices.txt`: only added lines are acceptable.

use frame_metadata::v14::RuntimeMetadataV14;
use scale_info::TypeDef;

use super::metadata::v14;

/// The checked-in list, one `pallet index [kind name index]` per line.
const PINNED: &str = include_str!("indices.txt");

/// The variants of the enum `id`, as `(name, index)` in index order.
fn variants(m: &RuntimeMetadataV14, id: u32) -> Vec<(String, u8)> {
    let TypeDef::Variant(v) = &m.types.resolve(id).expect("type resolves").type_def else {
        panic!("type {id} is not an enum");
    };
    let mut out: Vec<_> = v.variants.iter().map(|v| (v.name.clone(), v.index)).collect();
    out.sort_by_key(|(_, index)| *index);
    out
}

/// Every index of the runtime's metadata, one line each.
fn table() -> String {
    let m = v14();
    let mut out = String::new();
    for pallet in &m.pallets {
        out.push_str(&format!("{} {}\n", pallet.name, pallet.index));
        let kinds = [
            ("call", pallet.calls.as_ref().map(|c| c.ty.id)),
            ("event", pallet.event.as_ref().map(|e| e.ty.id)),
            ("error", pallet.error.as_ref().map(|e| e.ty.id)),
        ];
        for (kind, id) in kinds {
            for (name, index) in id.map(|id| variants(&m, id)).unwrap_or_default() {
                out.push_str(&format!("{} {} {kind} {name} {index}\n", pallet.name, pallet.index));
            }
        }
    }
    out
}

#[test]
fn indices_match_the_pinned_list() {
    let current = table();
    if std::env::var_os("ACCORD_WRITE_INDICES").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/tests/indices.txt");
        std::fs::write(path, &current).expect("indices.txt is writable");
        return;
    }
    let pinned: Vec<&str> = PINNED.lines().collect();
    let now: Vec<&str> = current.lines().collect();
    let gone: Vec<_> = pinned.iter().filter(|l| !now.contains(l)).collect();
    let new: Vec<_> = now.iter().filter(|l| !pinned.contains(l)).collect();
    assert!(
        gone.is_empty() && new.is_empty(),
        "indices changed (wire format!)\n  removed or renumbered: {gone:#?}\n  added: {new:#?}\n\
         if only additions and they are deliberate: ACCORD_WRITE_INDICES=1 cargo test -p accord-runtime --lib indices"
    );
}

#[test]
fn the_pinned_list_names_every_pallet_once() {
    let pallets: Vec<&str> = PINNED.lines().filter(|l| l.split(' ').count() == 2).collect();
    assert_eq!(pallets.len(), crate::PALLETS.len(), "{pallets:?}");
}

#[test]
fn the_runtime_passes_its_integrity_check() {
    assert_eq!(crate::integrity_check(), Ok(()));
}
