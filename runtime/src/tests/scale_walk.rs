//! Walks SCALE bytes by a metadata type id, as a type-driven client decoder does: used to
//! check that every default, constant and stored value decodes exactly by our own metadata.

use codec::{Compact, Decode};
use scale_info::{form::PortableForm, PortableRegistry, TypeDef, TypeDefPrimitive};

const DEPTH_MAX: u32 = 64;

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if input.len() < n {
        return Err(format!("need {n} bytes, {} left", input.len()));
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

fn compact_len(input: &mut &[u8]) -> Result<u64, String> {
    Compact::<u64>::decode(input).map(|c| c.0).map_err(|e| e.to_string())
}

fn primitive(p: &TypeDefPrimitive, input: &mut &[u8]) -> Result<(), String> {
    let size = match p {
        TypeDefPrimitive::Bool => {
            let b = take(input, 1)?[0];
            return if b <= 1 { Ok(()) } else { Err(format!("bool byte {b}")) };
        }
        TypeDefPrimitive::Str => {
            let len = compact_len(input)? as usize;
            let bytes = take(input, len)?;
            return std::str::from_utf8(bytes).map(|_| ()).map_err(|e| e.to_string());
        }
        TypeDefPrimitive::Char | TypeDefPrimitive::U32 | TypeDefPrimitive::I32 => 4,
        TypeDefPrimitive::U8 | TypeDefPrimitive::I8 => 1,
        TypeDefPrimitive::U16 | TypeDefPrimitive::I16 => 2,
        TypeDefPrimitive::U64 | TypeDefPrimitive::I64 => 8,
        TypeDefPrimitive::U128 | TypeDefPrimitive::I128 => 16,
        TypeDefPrimitive::U256 | TypeDefPrimitive::I256 => 32,
    };
    take(input, size).map(|_| ())
}

/// Consumes one value of type `id` from `input`.
pub(crate) fn skip(reg: &PortableRegistry, id: u32, input: &mut &[u8], depth: u32) -> Result<(), String> {
    if depth > DEPTH_MAX {
        return Err("type nesting too deep".into());
    }
    let ty = reg.resolve(id).ok_or_else(|| format!("type {id} does not resolve"))?;
    match &ty.type_def {
        TypeDef::Composite(c) => c.fields.iter().try_for_each(|f| skip(reg, f.ty.id, input, depth + 1)),
        TypeDef::Variant(v) => {
            let index = take(input, 1)?[0];
            let variant = v
                .variants
                .iter()
                .find(|v| v.index == index)
                .ok_or_else(|| format!("variant {index} of {:?} unknown", ty.path))?;
            variant.fields.iter().try_for_each(|f| skip(reg, f.ty.id, input, depth + 1))
        }
        TypeDef::Sequence(s) => {
            let len = compact_len(input)?;
            (0..len).try_for_each(|_| skip(reg, s.type_param.id, input, depth + 1))
        }
        TypeDef::Array(a) => (0..a.len).try_for_each(|_| skip(reg, a.type_param.id, input, depth + 1)),
        TypeDef::Tuple(t) => t.fields.iter().try_for_each(|f| skip(reg, f.id, input, depth + 1)),
        TypeDef::Primitive(p) => primitive(p, input),
        TypeDef::Compact(_) => compact_len(input)
            .map(|_| ())
            .or_else(|_| Compact::<u128>::decode(input).map(|_| ()).map_err(|e| e.to_string())),
        TypeDef::BitSequence(_) => Err("bit sequences are not used".into()),
    }
}

/// Decodes `bytes` as type `id`, requiring every byte to be used.
pub(crate) fn decode_fully(reg: &PortableRegistry, id: u32, bytes: &[u8]) -> Result<(), String> {
    let mut input = bytes;
    skip(reg, id, &mut input, 0)?;
    if !input.is_empty() {
        return Err(format!("{} bytes left over", input.len()));
    }
    Ok(())
}

/// Every type id a type refers to.
pub(crate) fn references(ty: &scale_info::Type<PortableForm>) -> Vec<u32> {
    let mut out: Vec<u32> = ty.type_params.iter().filter_map(|p| p.ty.map(|t| t.id)).collect();
    match &ty.type_def {
        TypeDef::Composite(c) => out.extend(c.fields.iter().map(|f| f.ty.id)),
        TypeDef::Variant(v) => out.extend(v.variants.iter().flat_map(|v| v.fields.iter().map(|f| f.ty.id))),
        TypeDef::Sequence(s) => out.push(s.type_param.id),
        TypeDef::Array(a) => out.push(a.type_param.id),
        TypeDef::Tuple(t) => out.extend(t.fields.iter().map(|f| f.id)),
        TypeDef::Compact(c) => out.push(c.type_param.id),
        TypeDef::BitSequence(b) => out.extend([b.bit_store_type.id, b.bit_order_type.id]),
        TypeDef::Primitive(_) => {}
    }
    out
}
