//! Typed storage items with FRAME's key layout, so that `api.query.<pallet>.<item>` in
//! polkadot.js finds them:
//!
//! ```text
//! value:      twox128(pallet) ++ twox128(item)
//! map:        twox128(pallet) ++ twox128(item) ++ hasher(encode(key))
//! double map: twox128(pallet) ++ twox128(item) ++ hasher1(encode(k1)) ++ hasher2(encode(k2))
//! ```
//!
//! Items are declared as constants in their pallet and read and written through an
//! [`Ext`]. A `ValueQuery` item reads as its default when absent; an `OptionQuery` item reads
//! as `None`. Each item also describes itself for metadata ([`StorageEntry`]).

use std::marker::PhantomData;

use codec::{Decode, Encode, MaxEncodedLen};
use frame_metadata::v14::{StorageEntryMetadata, StorageEntryModifier, StorageEntryType, StorageHasher as HasherMeta};
use scale_info::{meta_type, Type, TypeInfo};

use accord_primitives::hashing::{blake2_128, twox_128, twox_64};

use crate::ext::Ext;

/// How a map key is hashed into the storage key.
pub trait StorageHasher {
    /// The hasher as metadata names it.
    const METADATA: HasherMeta;
    /// How many hash bytes precede the raw key (for concat hashers), to recover the key.
    const PREFIX_LEN: usize;
    /// Appends the hashed `key` to `out`.
    fn hash_into(key: &[u8], out: &mut Vec<u8>);
}

/// `xxh64(key) ++ key`: fast, for keys users cannot choose freely.
pub struct Twox64Concat;
/// `blake2_128(key) ++ key`: for keys users choose (resists unbalancing the trie).
pub struct Blake2_128Concat;
/// The key itself: for keys that are already hashes.
pub struct Identity;

impl StorageHasher for Twox64Concat {
    const METADATA: HasherMeta = HasherMeta::Twox64Concat;
    const PREFIX_LEN: usize = 8;
    fn hash_into(key: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&twox_64(key));
        out.extend_from_slice(key);
    }
}

impl StorageHasher for Blake2_128Concat {
    const METADATA: HasherMeta = HasherMeta::Blake2_128Concat;
    const PREFIX_LEN: usize = 16;
    fn hash_into(key: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&blake2_128(key));
        out.extend_from_slice(key);
    }
}

impl StorageHasher for Identity {
    const METADATA: HasherMeta = HasherMeta::Identity;
    const PREFIX_LEN: usize = 0;
    fn hash_into(key: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(key);
    }
}

/// Reads as the type's default when absent.
pub struct ValueQuery;
/// Reads as `None` when absent.
pub struct OptionQuery;

/// What an absent item reads as.
pub trait QueryKind {
    /// The metadata modifier.
    const MODIFIER: StorageEntryModifier;
}

impl QueryKind for ValueQuery {
    const MODIFIER: StorageEntryModifier = StorageEntryModifier::Default;
}

impl QueryKind for OptionQuery {
    const MODIFIER: StorageEntryModifier = StorageEntryModifier::Optional;
}

/// The 32-byte prefix of every key of a storage item.
pub fn storage_prefix(pallet: &str, item: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(32 + 48);
    key.extend_from_slice(&twox_128(pallet.as_bytes()));
    key.extend_from_slice(&twox_128(item.as_bytes()));
    key
}

/// Decodes a stored value. Only the runtime writes state, so a value that does not decode
/// means corruption: a debug build stops there, a release build treats it as absent.
fn decode_stored<V: Decode>(bytes: Vec<u8>) -> Option<V> {
    match V::decode(&mut &bytes[..]) {
        Ok(v) => Some(v),
        Err(_) => {
            debug_assert!(false, "stored value does not decode");
            None
        }
    }
}

/// Up to `limit` entries with keys under `prefix`, in key order, after the storage key
/// `start`: each key decoded from the bytes that follow `prefix` and `hash_len` hash bytes.
fn entries_under<K: Decode, V: Decode>(
    ext: &Ext<'_>,
    prefix: &[u8],
    hash_len: usize,
    start: Vec<u8>,
    limit: u32,
) -> Vec<(K, V)> {
    let mut cursor = start;
    let mut out = Vec::new();
    while out.len() < limit as usize {
        let Some(key) = ext.next_key(&cursor) else {
            break;
        };
        if !key.starts_with(prefix) {
            break;
        }
        let raw_key = &key[prefix.len() + hash_len..];
        if let (Ok(k), Some(v)) = (K::decode(&mut &raw_key[..]), ext.get(&key).and_then(decode_stored)) {
            out.push((k, v));
        }
        cursor = key;
    }
    out
}

/// Metadata of one storage item.
pub trait StorageEntry {
    /// The item's metadata entry.
    fn metadata(&self) -> StorageEntryMetadata;
}

/// What every item shares: its pallet, name and docs.
#[derive(Clone, Copy)]
struct ItemName {
    pallet: &'static str,
    item: &'static str,
    docs: &'static [&'static str],
}

/// A single value.
pub struct StorageValue<V, Q = ValueQuery> {
    name: ItemName,
    _types: PhantomData<fn() -> (V, Q)>,
}

impl<V: Encode + Decode, Q: QueryKind> StorageValue<V, Q> {
    /// The item `item` of pallet `pallet`.
    pub const fn new(pallet: &'static str, item: &'static str, docs: &'static [&'static str]) -> Self {
        StorageValue { name: ItemName { pallet, item, docs }, _types: PhantomData }
    }

    /// The storage key.
    pub fn key(&self) -> Vec<u8> {
        storage_prefix(self.name.pallet, self.name.item)
    }

    /// The value, or `None` if absent.
    pub fn try_get(&self, ext: &Ext<'_>) -> Option<V> {
        ext.get(&self.key()).and_then(decode_stored)
    }

    /// Stores `value`.
    pub fn put(&self, ext: &mut Ext<'_>, value: &V) {
        ext.set(self.key(), value.encode());
    }

    /// Deletes the value.
    pub fn kill(&self, ext: &mut Ext<'_>) {
        ext.kill(self.key());
    }

    /// Whether a value is stored.
    pub fn exists(&self, ext: &Ext<'_>) -> bool {
        ext.exists(&self.key())
    }
}

impl<V: Encode + Decode + Default> StorageValue<V, ValueQuery> {
    /// The value, or the default if absent.
    pub fn get(&self, ext: &Ext<'_>) -> V {
        self.try_get(ext).unwrap_or_default()
    }

    /// Reads, changes and writes back the value.
    pub fn mutate<R>(&self, ext: &mut Ext<'_>, f: impl FnOnce(&mut V) -> R) -> R {
        let mut v = self.get(ext);
        let r = f(&mut v);
        self.put(ext, &v);
        r
    }
}

impl<V: Encode + Decode> StorageValue<V, OptionQuery> {
    /// The value, or `None` if absent.
    pub fn get(&self, ext: &Ext<'_>) -> Option<V> {
        self.try_get(ext)
    }
}

/// What an absent item of query kind `Q` reads as, encoded: the default value, or `None`.
pub trait DefaultBytes<V> {
    /// The bytes.
    fn default_bytes() -> Vec<u8>;
}

impl<V: Encode + Default> DefaultBytes<V> for ValueQuery {
    fn default_bytes() -> Vec<u8> {
        V::default().encode()
    }
}

impl<V> DefaultBytes<V> for OptionQuery {
    fn default_bytes() -> Vec<u8> {
        vec![0]
    }
}

fn entry(
    name: ItemName,
    modifier: StorageEntryModifier,
    ty: StorageEntryType,
    default: Vec<u8>,
) -> StorageEntryMetadata {
    StorageEntryMetadata { name: name.item, modifier, ty, default, docs: name.docs.to_vec() }
}

impl<V: Encode + Decode + TypeInfo + 'static, Q: QueryKind + DefaultBytes<V>> StorageEntry for StorageValue<V, Q> {
    fn metadata(&self) -> StorageEntryMetadata {
        entry(self.name, Q::MODIFIER, StorageEntryType::Plain(meta_type::<V>()), Q::default_bytes())
    }
}

/// A map from `K` to `V`, keys hashed with `H`.
pub struct StorageMap<K, V, H, Q = ValueQuery> {
    name: ItemName,
    #[allow(clippy::type_complexity)]
    _types: PhantomData<fn() -> (K, V, H, Q)>,
}

impl<K: Encode + Decode, V: Encode + Decode, H: StorageHasher, Q: QueryKind> StorageMap<K, V, H, Q> {
    /// The item `item` of pallet `pallet`.
    pub const fn new(pallet: &'static str, item: &'static str, docs: &'static [&'static str]) -> Self {
        StorageMap { name: ItemName { pallet, item, docs }, _types: PhantomData }
    }

    /// The prefix of every key of this map.
    pub fn prefix(&self) -> Vec<u8> {
        storage_prefix(self.name.pallet, self.name.item)
    }

    /// The storage key of `key`.
    pub fn key(&self, key: &K) -> Vec<u8> {
        let mut out = self.prefix();
        H::hash_into(&key.encode(), &mut out);
        out
    }

    /// The value at `key`, or `None`.
    pub fn try_get(&self, ext: &Ext<'_>, key: &K) -> Option<V> {
        ext.get(&self.key(key)).and_then(decode_stored)
    }

    /// Stores `value` at `key`.
    pub fn insert(&self, ext: &mut Ext<'_>, key: &K, value: &V) {
        ext.set(self.key(key), value.encode());
    }

    /// Deletes `key`.
    pub fn remove(&self, ext: &mut Ext<'_>, key: &K) {
        ext.kill(self.key(key));
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, ext: &Ext<'_>, key: &K) -> bool {
        ext.exists(&self.key(key))
    }

    /// Up to `limit` entries in key order, starting after the storage key `after` (or from
    /// the first). Requires a concat or identity hasher to recover keys.
    pub fn iter_from(&self, ext: &Ext<'_>, after: Option<&[u8]>, limit: u32) -> Vec<(K, V)> {
        let prefix = self.prefix();
        let start = after.map(|a| a.to_vec()).unwrap_or_else(|| prefix.clone());
        entries_under(ext, &prefix, H::PREFIX_LEN, start, limit)
    }

    /// The first `N` entries in key order, as a vector bounded by `N`: for maps whose size
    /// the pallet bounds by `N`, so that what is read fits a bounded type without a check.
    pub fn first_bounded<const N: u32>(&self, ext: &Ext<'_>) -> BoundedVec<(K, V), N> {
        BoundedVec(self.iter_from(ext, None, N))
    }
}

impl<K: Encode + Decode, V: Encode + Decode + Default, H: StorageHasher> StorageMap<K, V, H, ValueQuery> {
    /// The value at `key`, or the default.
    pub fn get(&self, ext: &Ext<'_>, key: &K) -> V {
        self.try_get(ext, key).unwrap_or_default()
    }

    /// Reads, changes and writes back the value at `key`.
    pub fn mutate<R>(&self, ext: &mut Ext<'_>, key: &K, f: impl FnOnce(&mut V) -> R) -> R {
        let storage_key = self.key(key);
        let mut v = ext.get(&storage_key).and_then(decode_stored).unwrap_or_default();
        let r = f(&mut v);
        ext.set(storage_key, v.encode());
        r
    }
}

impl<K: Encode + Decode, V: Encode + Decode, H: StorageHasher> StorageMap<K, V, H, OptionQuery> {
    /// The value at `key`, or `None`.
    pub fn get(&self, ext: &Ext<'_>, key: &K) -> Option<V> {
        self.try_get(ext, key)
    }
}

impl<K, V, H, Q> StorageEntry for StorageMap<K, V, H, Q>
where
    K: Encode + Decode + TypeInfo + 'static,
    V: Encode + Decode + TypeInfo + 'static,
    H: StorageHasher,
    Q: QueryKind + DefaultBytes<V>,
{
    fn metadata(&self) -> StorageEntryMetadata {
        let ty = StorageEntryType::Map { hashers: vec![H::METADATA], key: meta_type::<K>(), value: meta_type::<V>() };
        entry(self.name, Q::MODIFIER, ty, Q::default_bytes())
    }
}

/// A map keyed by two keys, each hashed with its own hasher.
pub struct StorageDoubleMap<K1, H1, K2, H2, V, Q = ValueQuery> {
    name: ItemName,
    #[allow(clippy::type_complexity)]
    _types: PhantomData<fn() -> (K1, H1, K2, H2, V, Q)>,
}

impl<K1, H1, K2, H2, V, Q> StorageDoubleMap<K1, H1, K2, H2, V, Q>
where
    K1: Encode,
    K2: Encode,
    H1: StorageHasher,
    H2: StorageHasher,
    V: Encode + Decode,
    Q: QueryKind,
{
    /// The item `item` of pallet `pallet`.
    pub const fn new(pallet: &'static str, item: &'static str, docs: &'static [&'static str]) -> Self {
        StorageDoubleMap { name: ItemName { pallet, item, docs }, _types: PhantomData }
    }

    /// The prefix of every key with first key `k1`.
    pub fn prefix1(&self, k1: &K1) -> Vec<u8> {
        let mut out = storage_prefix(self.name.pallet, self.name.item);
        H1::hash_into(&k1.encode(), &mut out);
        out
    }

    /// The storage key of `(k1, k2)`.
    pub fn key(&self, k1: &K1, k2: &K2) -> Vec<u8> {
        let mut out = self.prefix1(k1);
        H2::hash_into(&k2.encode(), &mut out);
        out
    }

    /// The value at `(k1, k2)`, or `None`.
    pub fn try_get(&self, ext: &Ext<'_>, k1: &K1, k2: &K2) -> Option<V> {
        ext.get(&self.key(k1, k2)).and_then(decode_stored)
    }

    /// Stores `value` at `(k1, k2)`.
    pub fn insert(&self, ext: &mut Ext<'_>, k1: &K1, k2: &K2, value: &V) {
        ext.set(self.key(k1, k2), value.encode());
    }

    /// Deletes `(k1, k2)`.
    pub fn remove(&self, ext: &mut Ext<'_>, k1: &K1, k2: &K2) {
        ext.kill(self.key(k1, k2));
    }

    /// Whether `(k1, k2)` has a value.
    pub fn contains_key(&self, ext: &Ext<'_>, k1: &K1, k2: &K2) -> bool {
        ext.exists(&self.key(k1, k2))
    }

    /// Up to `limit` entries under `k1`, in key order: the second keys and values. Requires
    /// a concat or identity second hasher to recover the keys.
    pub fn iter_prefix1(&self, ext: &Ext<'_>, k1: &K1, limit: u32) -> Vec<(K2, V)>
    where
        K2: Decode,
    {
        let prefix = self.prefix1(k1);
        entries_under(ext, &prefix, H2::PREFIX_LEN, prefix.clone(), limit)
    }

    /// Deletes up to `limit` entries under `k1`; returns how many and whether more remain.
    pub fn clear_prefix(&self, ext: &mut Ext<'_>, k1: &K1, limit: u32) -> (u32, bool) {
        ext.clear_prefix(&self.prefix1(k1), limit)
    }
}

impl<K1, H1, K2, H2, V> StorageDoubleMap<K1, H1, K2, H2, V, ValueQuery>
where
    K1: Encode,
    K2: Encode,
    H1: StorageHasher,
    H2: StorageHasher,
    V: Encode + Decode + Default,
{
    /// The value at `(k1, k2)`, or the default.
    pub fn get(&self, ext: &Ext<'_>, k1: &K1, k2: &K2) -> V {
        self.try_get(ext, k1, k2).unwrap_or_default()
    }
}

impl<K1, H1, K2, H2, V> StorageDoubleMap<K1, H1, K2, H2, V, OptionQuery>
where
    K1: Encode,
    K2: Encode,
    H1: StorageHasher,
    H2: StorageHasher,
    V: Encode + Decode,
{
    /// The value at `(k1, k2)`, or `None`.
    pub fn get(&self, ext: &Ext<'_>, k1: &K1, k2: &K2) -> Option<V> {
        self.try_get(ext, k1, k2)
    }
}

impl<K1, H1, K2, H2, V, Q> StorageEntry for StorageDoubleMap<K1, H1, K2, H2, V, Q>
where
    K1: Encode + TypeInfo + 'static,
    K2: Encode + TypeInfo + 'static,
    H1: StorageHasher,
    H2: StorageHasher,
    V: Encode + Decode + TypeInfo + 'static,
    Q: QueryKind + DefaultBytes<V>,
{
    fn metadata(&self) -> StorageEntryMetadata {
        let ty = StorageEntryType::Map {
            hashers: vec![H1::METADATA, H2::METADATA],
            key: meta_type::<(K1, K2)>(),
            value: meta_type::<V>(),
        };
        entry(self.name, Q::MODIFIER, ty, Q::default_bytes())
    }
}

/// A vector of at most `N` items: encodes as a `Vec`, refuses to decode or grow past `N`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct BoundedVec<T, const N: u32>(Vec<T>);

impl<T, const N: u32> Default for BoundedVec<T, N> {
    fn default() -> Self {
        BoundedVec(Vec::new())
    }
}

impl<T, const N: u32> BoundedVec<T, N> {
    /// The bound.
    pub const BOUND: u32 = N;

    /// An empty vector.
    pub fn new() -> Self {
        BoundedVec(Vec::new())
    }

    /// Wraps `v` if it has at most `N` items; gives it back otherwise.
    pub fn try_from_vec(v: Vec<T>) -> Result<Self, Vec<T>> {
        if v.len() > N as usize {
            return Err(v);
        }
        Ok(BoundedVec(v))
    }

    /// Appends `item` if there is room; gives it back otherwise.
    pub fn try_push(&mut self, item: T) -> Result<(), T> {
        if self.0.len() >= N as usize {
            return Err(item);
        }
        self.0.push(item);
        Ok(())
    }

    /// The items.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// The items, to change in place (the length cannot change this way).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.0
    }

    /// Unwraps the inner vector.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes the first item matching `f`, returning it.
    pub fn remove_first(&mut self, f: impl Fn(&T) -> bool) -> Option<T> {
        let pos = self.0.iter().position(f)?;
        Some(self.0.remove(pos))
    }

    /// A vector of the `M` items of `items`; `M > N` does not compile.
    pub fn from_array<const M: usize>(items: [T; M]) -> Self {
        const { assert!(M <= N as usize, "more items than the bound") };
        BoundedVec(items.into())
    }

    /// The items of `other`, a vector with bound `M`; `M > N` does not compile, so a
    /// vector moves between bounds without a run-time check that could fail.
    pub fn from_bounded<const M: u32>(other: BoundedVec<T, M>) -> Self {
        const { assert!(M <= N, "the source bound exceeds the target bound") };
        BoundedVec(other.0)
    }

    /// Each item mapped by `f`, in order, within the same bound.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> BoundedVec<U, N> {
        BoundedVec(self.0.into_iter().map(f).collect())
    }

    /// Keeps only the items for which `keep` is true, in order: the length can only shrink,
    /// so the bound holds by construction.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    /// Appends every item of `items` if all fit; changes nothing and gives them back
    /// otherwise.
    pub fn try_extend(&mut self, items: Vec<T>) -> Result<(), Vec<T>> {
        if self.0.len().saturating_add(items.len()) > N as usize {
            return Err(items);
        }
        self.0.extend(items);
        Ok(())
    }

    /// Removes the items from `at` on and returns them, in order (empty if `at` is past the
    /// end): a part of a bounded vector is within the same bound.
    pub fn split_off(&mut self, at: usize) -> Self {
        BoundedVec(self.0.split_off(at.min(self.0.len())))
    }
}

impl<T: Decode, const N: u32> Decode for BoundedVec<T, N> {
    fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
        let codec::Compact(len) = codec::Compact::<u32>::decode(input)?;
        if len > N {
            return Err("BoundedVec exceeds its bound".into());
        }
        let mut v = Vec::with_capacity(len as usize);
        for _ in 0..len {
            v.push(T::decode(input)?);
        }
        Ok(BoundedVec(v))
    }
}

impl<T: MaxEncodedLen, const N: u32> MaxEncodedLen for BoundedVec<T, N> {
    fn max_encoded_len() -> usize {
        codec::Compact(N).encoded_size() + (N as usize).saturating_mul(T::max_encoded_len())
    }
}

impl<T: TypeInfo + 'static, const N: u32> TypeInfo for BoundedVec<T, N> {
    type Identity = Vec<T>;
    fn type_info() -> Type {
        Vec::<T>::type_info()
    }
}

impl<T, const N: u32> std::ops::Deref for BoundedVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ext::Ext;
    use crate::state::MemoryState;
    use accord_primitives::AccountId32;

    #[test]
    fn keys_match_reference_vectors() {
        let number: StorageValue<u32> = StorageValue::new("System", "Number", &[]);
        assert_eq!(hex::encode(number.key()), "26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac");
        let account: StorageMap<AccountId32, u32, Blake2_128Concat> = StorageMap::new("System", "Account", &[]);
        let mut alice = [0u8; 32];
        hex::decode_to_slice("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", &mut alice).unwrap();
        assert_eq!(
            hex::encode(account.key(&AccountId32(alice))),
            format!(
                "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59f{}",
                hex::encode(alice)
            )
        );
        let hash: StorageMap<u32, u32, Twox64Concat> = StorageMap::new("System", "BlockHash", &[]);
        assert!(
            hex::encode(hash.key(&0)).starts_with("26aa394eea5630e07c48ae0c9558cef7a44704b568d21667356a5a050c118746")
        );
        assert_eq!(hash.key(&0)[32..40], twox_64(&0u32.encode()));
        let id: StorageMap<u32, u32, Identity> = StorageMap::new("X", "Y", &[]);
        assert_eq!(&id.key(&7)[32..], &7u32.encode()[..]);
    }

    #[test]
    fn typed_access_and_queries() {
        let state = MemoryState::default();
        let mut ext = Ext::new(&state, &[]);
        let v: StorageValue<u64> = StorageValue::new("P", "V", &[]);
        let o: StorageValue<u64, OptionQuery> = StorageValue::new("P", "O", &[]);
        assert_eq!(v.get(&ext), 0);
        assert_eq!(o.get(&ext), None);
        v.mutate(&mut ext, |x| *x += 5);
        o.put(&mut ext, &9u64);
        assert_eq!((v.get(&ext), o.get(&ext)), (5, Some(9)));
        let m: StorageMap<u32, u64, Twox64Concat> = StorageMap::new("P", "M", &[]);
        for i in [3u32, 1, 2] {
            m.insert(&mut ext, &i, &(i as u64 * 10));
        }
        m.remove(&mut ext, &2);
        let mut all = m.iter_from(&ext, None, 10);
        all.sort();
        assert_eq!(all, vec![(1, 10), (3, 30)]);
        assert_eq!(m.iter_from(&ext, None, 1).len(), 1);
        assert_eq!(m.first_bounded::<1>(&ext).len(), 1, "at most the bound, read from storage");
        assert_eq!(m.first_bounded::<4>(&ext).len(), 2);
        let d: StorageDoubleMap<u32, Twox64Concat, u32, Blake2_128Concat, u8> = StorageDoubleMap::new("P", "D", &[]);
        d.insert(&mut ext, &1, &1, &1u8);
        d.insert(&mut ext, &1, &2, &2u8);
        d.insert(&mut ext, &2, &1, &3u8);
        assert_eq!(d.clear_prefix(&mut ext, &1, 10), (2, false));
        assert_eq!((d.get(&ext, &1, &2), d.get(&ext, &2, &1)), (0, 3));
    }

    #[test]
    fn bounded_vec_enforces_its_bound() {
        let mut b: BoundedVec<u8, 2> = BoundedVec::new();
        b.try_push(1).unwrap();
        b.try_push(2).unwrap();
        assert_eq!(b.try_push(3), Err(3));
        let encoded = vec![1u8, 2, 3].encode();
        assert!(BoundedVec::<u8, 2>::decode(&mut &encoded[..]).is_err());
        assert_eq!(BoundedVec::<u8, 3>::decode(&mut &encoded[..]).unwrap().as_slice(), &[1, 2, 3]);
        assert!(BoundedVec::<u8, 2>::try_from_vec(vec![0; 3]).is_err());
    }

    #[test]
    fn bounded_vec_operations_keep_the_bound() {
        let mut b = BoundedVec::<u8, 4>::from_array([1, 2, 3]);
        b.retain(|x| *x != 2);
        assert_eq!(b.as_slice(), &[1, 3]);
        assert_eq!(b.try_extend(vec![4, 5, 6]), Err(vec![4, 5, 6]));
        assert_eq!(b.as_slice(), &[1, 3], "a refused extension changes nothing");
        assert_eq!(b.try_extend(vec![4, 5]), Ok(()));
        assert_eq!(b.split_off(1).as_slice(), &[3, 4, 5]);
        assert_eq!(b.split_off(9).len(), 0);
        assert_eq!(b.as_slice(), &[1]);
        let wider: BoundedVec<u16, 8> = BoundedVec::from_bounded(b.map(u16::from));
        assert_eq!(wider.as_slice(), &[1]);
    }

    #[test]
    fn metadata_defaults() {
        let v: StorageValue<u64> = StorageValue::new("P", "V", &["doc"]);
        let o: StorageValue<u64, OptionQuery> = StorageValue::new("P", "O", &[]);
        assert_eq!(v.metadata().default, vec![0; 8]);
        assert_eq!(o.metadata().default, vec![0]);
        assert_eq!(v.metadata().docs, vec!["doc"]);
    }
}
