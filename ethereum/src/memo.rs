//! A bounded memo for the whole process: answers remembered by key, in two generations.
//!
//! For values that are a pure function of their key (a sender of its transaction hash, an
//! analyzed code of its code hash): a remembered answer is the one computing would give, so
//! remembering saves time and changes nothing else. Bounded: two generations of at most
//! `generation` entries each; when the young one is full it becomes the old one and the old
//! one is dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// The two generations of a [`Memo`].
type Generations<K, V> = (HashMap<K, V>, HashMap<K, V>);

/// A bounded memo, usable as a `static`.
pub struct Memo<K, V> {
    generation: usize,
    maps: Mutex<Option<Generations<K, V>>>,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty memo of at most `2 × generation` entries.
    pub const fn new(generation: usize) -> Self {
        Memo { generation, maps: Mutex::new(None) }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Generations<K, V>>> {
        self.maps.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value remembered for `key`, if any.
    pub fn get(&self, key: &K) -> Option<V> {
        let maps = self.lock();
        let (young, old) = maps.as_ref()?;
        young.get(key).or_else(|| old.get(key)).cloned()
    }

    /// Remembers `value` for `key`.
    pub fn put(&self, key: K, value: V) {
        let mut maps = self.lock();
        let (young, old) = maps.get_or_insert_with(|| (HashMap::new(), HashMap::new()));
        if young.len() >= self.generation {
            *old = std::mem::take(young);
        }
        young.insert(key, value);
    }

    /// How many entries are remembered (both generations).
    pub fn len(&self) -> usize {
        self.lock().as_ref().map_or(0, |(young, old)| young.len() + old.len())
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything.
    pub fn clear(&self) {
        *self.lock() = None;
    }
}
