//! A contract's business data as `Metering` deletes, backs up and recovers it: a piece of data
//! is a set of the contract's storage slots, named by its key in one of two ways (see the
//! runtime's `Stores`):
//!
//! - **slots**: the key is the slots themselves, 1 to [`KEY_SLOTS_MAX`] 32-byte words;
//! - **serial number**: the key is any bytes (up to 128) that the contract maps to its slots
//!   through `accordDataSlots(bytes key) view returns (bytes32[] slots)`, which the chain calls
//!   read-only ([`slots_of_serial`], at most [`DATA_SLOTS_GAS`] gas and [`DATA_SLOTS_MAX`]
//!   slots). For a Solidity `mapping(bytes32 => Entry) entries` at slot `p`, the slots of
//!   `entries[k]` are `keccak256(abi.encode(k, p))` plus each field's offset.
//!
//! The data exists while one of its slots is non-zero. Deleting it zeroes its slots (the
//! contract then reads zeros, as after its own `delete`); recovering writes the exact slots
//! and values back, if none of them was written meanwhile (`SlotsInUse`) and the contract's
//! quota holds them.

use accord_primitives::{H160, H256};
use accord_support::{DispatchError, Ext};

use crate::exec::{self, Execution};
use crate::{Error, ExitReason, CONTRACTS, SLOT_BYTES, STORAGE};

/// The most slots a key names directly.
pub const KEY_SLOTS_MAX: usize = 4;
/// The most slots `accordDataSlots` may name.
pub const DATA_SLOTS_MAX: usize = 32;
/// The gas `accordDataSlots` may use.
pub const DATA_SLOTS_GAS: u64 = 100_000;
/// The signature of the mapping function.
pub const DATA_SLOTS: &str = "accordDataSlots(bytes)";

/// The slots a key of the slots form names: its 32-byte words (1 to [`KEY_SLOTS_MAX`],
/// distinct).
pub fn explicit_slots(key: &[u8]) -> Option<Vec<H256>> {
    if key.is_empty() || !key.len().is_multiple_of(32) || key.len() / 32 > KEY_SLOTS_MAX {
        return None;
    }
    let mut slots: Vec<H256> = key.chunks(32).map(|c| H256(c.try_into().unwrap_or([0; 32]))).collect();
    let n = slots.len();
    slots.sort();
    slots.dedup();
    (slots.len() == n).then_some(slots)
}

/// The slots `contract` maps serial number `key` to, by a read-only call of its
/// `accordDataSlots(key)` from the zero address. `Err` says why there are none.
pub fn slots_of_serial(ext: &Ext<'_>, contract: &H160, key: &[u8]) -> Result<Vec<H256>, String> {
    if !CONTRACTS.contains_key(ext, contract) {
        return Err(format!("{contract:?} holds no contract"));
    }
    let mut input = accord_ethereum::abi::selector(DATA_SLOTS).to_vec();
    input.extend(accord_ethereum::abi::encode(&[accord_ethereum::abi::Token::Bytes(key)]));
    let zero = H160([0; 20]);
    let (_, nonce, _) = crate::address_state(ext, &zero);
    let origin = crate::account_of(ext, &zero);
    let mut execution = Execution::call(origin, nonce, *contract, input, Default::default(), DATA_SLOTS_GAS);
    execution.caller = zero;
    let (outcome, _) = exec::simulate(ext, &execution).map_err(|e| format!("refused: {e:?}"))?;
    if outcome.exit != ExitReason::Succeeded {
        return Err(format!("{DATA_SLOTS} did not succeed: {:?}", outcome.exit));
    }
    decode_slots(&outcome.output).ok_or_else(|| format!("{DATA_SLOTS} returned no bytes32[] of 1 to {DATA_SLOTS_MAX}"))
}

/// A `bytes32[]` return of 1 to [`DATA_SLOTS_MAX`] distinct words, strictly encoded.
fn decode_slots(output: &[u8]) -> Option<Vec<H256>> {
    let word = |i: usize| output.get(32 * i..32 * i + 32);
    let small =
        |w: &[u8]| w[..24].iter().all(|b| *b == 0).then(|| u64::from_be_bytes(w[24..].try_into().unwrap_or_default()));
    if small(word(0)?)? != 32 {
        return None;
    }
    let n = small(word(1)?)? as usize;
    if n == 0 || n > DATA_SLOTS_MAX || output.len() != 64 + 32 * n {
        return None;
    }
    let mut slots: Vec<H256> =
        (0..n).filter_map(|i| word(2 + i)).map(|w| H256(w.try_into().unwrap_or([0; 32]))).collect();
    slots.sort();
    slots.dedup();
    (slots.len() == n).then_some(slots)
}

/// Seeded random inputs for the decoders' tests: a xorshift generator (no dependency).
#[cfg(test)]
pub(crate) fn random_inputs(seed: u64, count: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % (max_len as u64 + 1)) as usize;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

/// The non-zero values of `slots` in `contract`, in slot order.
pub fn values(ext: &Ext<'_>, contract: &H160, slots: &[H256]) -> Vec<(H256, H256)> {
    slots.iter().filter_map(|slot| STORAGE.get(ext, contract, slot).map(|value| (*slot, value))).collect()
}

/// Zeroes `slots` of `contract` (its slot counts follow).
pub fn clear(ext: &mut Ext<'_>, contract: &H160, slots: &[H256]) -> Result<(), DispatchError> {
    let mut info = CONTRACTS.get(ext, contract).ok_or_else(|| ext.error(Error::NotAContract))?;
    for slot in slots {
        if STORAGE.get(ext, contract, slot).is_some() {
            STORAGE.remove(ext, contract, slot);
            info.storage_items = info.storage_items.saturating_sub(1);
        }
    }
    info.storage_bytes = info.storage_items as u64 * SLOT_BYTES;
    CONTRACTS.insert(ext, contract, &info);
    Ok(())
}

/// Writes `pairs` (slot, non-zero value) back into `contract`: `SlotsInUse` if one of the
/// slots holds a value now, `QuotaExceeded` (Metering's) if the contract's quota cannot hold
/// them.
pub fn restore(ext: &mut Ext<'_>, contract: &H160, pairs: &[(H256, H256)]) -> Result<(), DispatchError> {
    let mut info = CONTRACTS.get(ext, contract).ok_or_else(|| ext.error(Error::NotAContract))?;
    if pairs.iter().any(|(slot, _)| STORAGE.contains_key(ext, contract, slot)) {
        return Err(ext.error(Error::SlotsInUse));
    }
    let mut restored: Vec<_> = pairs.iter().filter(|(_, value)| *value != H256::ZERO).collect();
    // Each slot once (a backup names each once; a duplicate would miscount the slots).
    restored.sort_by_key(|(slot, _)| *slot);
    restored.dedup_by_key(|(slot, _)| *slot);
    info.storage_items = info.storage_items.saturating_add(restored.len() as u32);
    info.storage_bytes = info.storage_items as u64 * SLOT_BYTES;
    let owner = crate::account_of(ext, contract);
    if accord_pallet_metering::check_usage(ext, &owner, info.storage_bytes).is_err() {
        return Err(ext.error(accord_pallet_metering::Error::QuotaExceeded));
    }
    for (slot, value) in restored {
        STORAGE.insert(ext, contract, slot, value);
    }
    CONTRACTS.insert(ext, contract, &info);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever a contract returns, decoding it answers and never panics; a well-formed
    /// answer decodes to its distinct slots.
    #[test]
    fn slot_lists_decode_strictly_and_never_panic() {
        for input in random_inputs(0x5eed, 5_000, 300) {
            let _ = decode_slots(&input);
        }
        let encode = |words: &[[u8; 32]]| {
            let mut out = accord_ethereum::abi::word_of(32).to_vec();
            out.extend(accord_ethereum::abi::word_of(words.len() as u64));
            words.iter().for_each(|w| out.extend(w));
            out
        };
        assert_eq!(decode_slots(&encode(&[[2; 32], [1; 32]])), Some(vec![H256([1; 32]), H256([2; 32])]));
        assert_eq!(decode_slots(&encode(&[[1; 32], [1; 32]])), None, "duplicates");
        assert_eq!(decode_slots(&encode(&[])), None, "empty");
        assert_eq!(decode_slots(&encode(&[[1; 32]; DATA_SLOTS_MAX + 1])), None, "too many");
        let mut trailing = encode(&[[1; 32]]);
        trailing.push(0);
        assert_eq!(decode_slots(&trailing), None, "trailing bytes");
    }

    #[test]
    fn explicit_keys_name_distinct_slots() {
        for input in random_inputs(0xfeed, 2_000, 200) {
            let _ = explicit_slots(&input);
        }
        assert_eq!(explicit_slots(&[[1u8; 32], [2; 32]].concat()).map(|s| s.len()), Some(2));
        assert_eq!(explicit_slots(&[[1u8; 32], [1; 32]].concat()), None);
        assert_eq!(explicit_slots(&[1; 33]), None);
        assert_eq!(explicit_slots(&[1; 160]), None, "five slots");
    }
}
