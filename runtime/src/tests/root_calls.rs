//! Every root-only call of every pallet is reachable on a chain without sudo: each one is a
//! management call that a governance proposal can carry (proposed, passed and executed
//! here, in real blocks), or is listed in [`DEV_ONLY`] with the reason it need not be.
//!
//! The calls are enumerated from the metadata, not from a list kept by hand: a new root call
//! that is neither proposable nor listed fails [`every_root_call_is_proposable_or_dev_only`].

use scale_info::{PortableRegistry, TypeDef, TypeDefPrimitive};

use accord_pallet_governance::{self as governance, ManagementCall, VoteKind};
use accord_primitives::Pair;
use accord_support::{DispatchError, Ext, Origin};

use super::metadata::v14;
use super::Chain;
use crate::{RuntimeCall, RuntimeEvent, PALLETS};

/// Root-only calls that governance cannot propose, as `(pallet, call, why it need not be)`:
/// reachable only through sudo, so only on a development chain. None today.
const DEV_ONLY: &[(&str, &str, &str)] = &[];

/// Nesting limit of the sample values (a call inside a call inside ...).
const SAMPLE_DEPTH_MAX: u32 = 16;

/// Appends the SCALE encoding of a minimal value of type `id`: zero numbers, empty
/// sequences, the first variant of every enum.
fn sample(reg: &PortableRegistry, id: u32, out: &mut Vec<u8>, depth: u32) {
    assert!(depth <= SAMPLE_DEPTH_MAX, "type {id} nests too deep for a sample");
    let ty = reg.resolve(id).expect("type resolves");
    match &ty.type_def {
        TypeDef::Composite(c) => c.fields.iter().for_each(|f| sample(reg, f.ty.id, out, depth + 1)),
        TypeDef::Variant(v) => {
            let first = v.variants.iter().min_by_key(|v| v.index).expect("an enum has a variant");
            out.push(first.index);
            first.fields.iter().for_each(|f| sample(reg, f.ty.id, out, depth + 1));
        }
        TypeDef::Sequence(_) | TypeDef::Compact(_) => out.push(0),
        TypeDef::Array(a) => (0..a.len).for_each(|_| sample(reg, a.type_param.id, out, depth + 1)),
        TypeDef::Tuple(t) => t.fields.iter().for_each(|f| sample(reg, f.id, out, depth + 1)),
        TypeDef::Primitive(p) => out.resize(out.len() + primitive_len(p), 0),
        TypeDef::BitSequence(_) => panic!("bit sequences are not used"),
    }
}

/// The byte length of a zero value of a primitive (`str` and `bool`: one byte, empty/false).
fn primitive_len(p: &TypeDefPrimitive) -> usize {
    match p {
        TypeDefPrimitive::Bool | TypeDefPrimitive::Str | TypeDefPrimitive::U8 | TypeDefPrimitive::I8 => 1,
        TypeDefPrimitive::U16 | TypeDefPrimitive::I16 => 2,
        TypeDefPrimitive::Char | TypeDefPrimitive::U32 | TypeDefPrimitive::I32 => 4,
        TypeDefPrimitive::U64 | TypeDefPrimitive::I64 => 8,
        TypeDefPrimitive::U128 | TypeDefPrimitive::I128 => 16,
        TypeDefPrimitive::U256 | TypeDefPrimitive::I256 => 32,
    }
}

/// One sample of every call of every pallet, from the metadata: `(pallet, call, value)`.
fn every_call() -> Vec<(String, String, RuntimeCall)> {
    let m = v14();
    let mut out = Vec::new();
    for pallet in &m.pallets {
        let Some(calls) = &pallet.calls else { continue };
        let TypeDef::Variant(v) = &m.types.resolve(calls.ty.id).unwrap().type_def else { panic!("calls are an enum") };
        for variant in &v.variants {
            let mut bytes = vec![pallet.index, variant.index];
            variant.fields.iter().for_each(|f| sample(&m.types, f.ty.id, &mut bytes, 0));
            let call = RuntimeCall::decode_all(&bytes)
                .unwrap_or_else(|| panic!("the sample of {}.{} decodes", pallet.name, variant.name));
            out.push((pallet.name.clone(), variant.name.clone(), call));
        }
    }
    out
}

/// The result of dispatching `call` from `origin` on the development chain's genesis state.
fn dispatch_at_genesis(chain: &Chain, call: &RuntimeCall, origin: Origin) -> Result<(), DispatchError> {
    let mut ext = Ext::new(&chain.state, PALLETS);
    call.clone().dispatch(&mut ext, origin)
}

/// Whether `call` needs root: a signed origin is refused as such, root is not.
fn is_root_only(chain: &Chain, call: &RuntimeCall) -> bool {
    let stranger = Origin::Signed(Pair::dev("Stranger").account());
    dispatch_at_genesis(chain, call, stranger) == Err(DispatchError::BadOrigin)
        && dispatch_at_genesis(chain, call, Origin::Root) != Err(DispatchError::BadOrigin)
}

/// Proposes `call` as Alice's organization (the development chain's only one), votes for it
/// and executes it, in one block; returns the call's result as `Executed` reports it.
fn through_governance(call: &RuntimeCall) -> Result<(), DispatchError> {
    let mut chain = Chain::dev();
    let alice = Pair::dev("Alice");
    let gov = RuntimeCall::Governance;
    let propose = gov(governance::Call::propose { org: 1, call: Box::new(call.clone()) });
    let vote = gov(governance::Call::vote { proposal: 1, org: 1, vote: VoteKind::Aye });
    let execute = gov(governance::Call::execute { proposal: 1, call: Box::new(call.clone()) });
    let xts = [chain.signed(&alice, &propose, 0), chain.signed(&alice, &vote, 1), chain.signed(&alice, &execute, 2)];
    for outcome in chain.produce(&xts) {
        assert_eq!(outcome.as_ref().map(|o| o.result), Ok(Ok(())), "{call:?}");
    }
    let executed = chain.events().into_iter().find_map(|r| match r.event {
        RuntimeEvent::Governance(governance::Event::Executed { result, .. }) => Some(result),
        _ => None,
    });
    executed.expect("the proposal executed")
}

#[test]
fn every_root_call_is_proposable_or_dev_only() {
    let chain = Chain::dev();
    let mut root_only = Vec::new();
    for (pallet, name, call) in every_call() {
        let proposable = call.management_class().is_some();
        if proposable {
            assert_ne!(dispatch_at_genesis(&chain, &call, Origin::Root), Err(DispatchError::BadOrigin), "{name}");
        }
        if !is_root_only(&chain, &call) {
            continue;
        }
        let dev_only = DEV_ONLY.iter().any(|(p, c, _)| *p == pallet && *c == name);
        assert!(proposable || dev_only, "{pallet}.{name} needs root, but governance cannot propose it");
        assert!(!(proposable && dev_only), "{pallet}.{name} is proposable: take it off DEV_ONLY");
        root_only.push((pallet, name, call));
    }
    for (pallet, name, _) in DEV_ONLY {
        assert!(root_only.iter().any(|(p, c, _)| p == pallet && c == name), "{pallet}.{name} is not root-only");
    }
    assert!(root_only.len() > 20, "the enumeration found the root calls: {}", root_only.len());
    for (pallet, name, call) in root_only.iter().filter(|(_, _, c)| c.management_class().is_some()) {
        let result = through_governance(call);
        assert_ne!(result, Err(DispatchError::BadOrigin), "{pallet}.{name} through governance");
    }
}
