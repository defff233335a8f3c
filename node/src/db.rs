//! The RocksDB database: one column family per kind of record, written one atomic batch per
//! block.
//!
//! | column | key | value |
//! |---|---|---|
//! | `meta` | name | SCALE |
//! | `headers` | block hash | SCALE header |
//! | `bodies` | block hash | SCALE `Vec<extrinsic bytes>` |
//! | `number` | u32 BE | block hash |
//! | `state` | storage key | value (the best block's flat state) |
//! | `history` | escaped key ++ u32 BE block | SCALE `Option<value>` before that block |
//! | `journal` | u32 BE block | SCALE `Vec<key>` changed by that block |
//! | `trie` | nibble path | SCALE `StoredNode` |

use std::path::Path;

use rocksdb::{ColumnFamily, ColumnFamilyDescriptor, Options, DB};

/// Column family names.
pub mod col {
    /// Chain metadata.
    pub const META: &str = "meta";
    /// Headers by hash.
    pub const HEADERS: &str = "headers";
    /// Bodies by hash.
    pub const BODIES: &str = "bodies";
    /// Canonical hash by number.
    pub const NUMBER: &str = "number";
    /// The flat state of the best block.
    pub const STATE: &str = "state";
    /// Values before each block, for reads at recent blocks.
    pub const HISTORY: &str = "history";
    /// Keys changed by each block, for pruning history.
    pub const JOURNAL: &str = "journal";
    /// Trie nodes by path.
    pub const TRIE: &str = "trie";
    /// Finalization certificates (justifications) by block hash, for blocks a BFT
    /// engine finalized.
    pub const JUSTIFICATIONS: &str = "justifications";
    /// Indexes of the blocks' contents the node keeps for its RPC (see `eth_index.rs`),
    /// written with each block.
    pub const INDEX: &str = "index";
    /// Every column.
    pub const ALL: [&str; 10] = [META, HEADERS, BODIES, NUMBER, STATE, HISTORY, JOURNAL, TRIE, JUSTIFICATIONS, INDEX];
}

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Another process holds the database.
    #[error(
        "the database at {path} is in use by another process (is another accord-node running with this --base-path?)"
    )]
    InUse {
        /// The path.
        path: String,
    },
    /// RocksDB failed.
    #[error("database error at {path}: {message}")]
    Rocks {
        /// The path.
        path: String,
        /// RocksDB's message.
        message: String,
    },
    /// A stored record does not decode.
    #[error("corrupt database record in column {column}: {message}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The open database.
pub struct Db {
    /// The RocksDB handle.
    pub rocks: DB,
    path: String,
}

/// How the node's storage memory is divided: RocksDB's block cache and memtables, and the
/// in-memory state cache (`cache.rs`). Set as one figure with `--db-cache`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBudget {
    /// The block cache shared by every column (data, index and filter blocks).
    pub block_cache: usize,
    /// The memtables of all columns together.
    pub write_buffers: usize,
    /// The state cache (values and trie nodes of the best state).
    pub state_cache: crate::cache::CacheBudget,
}

/// Bytes a compaction reads ahead in each input file.
const COMPACTION_READAHEAD: usize = 256 * 1024;

/// L0 files of the state and trie columns that start a compaction (RocksDB's default: 4).
const L0_COMPACTION_TRIGGER: i32 = 12;

/// The default of `--db-cache`, in MiB.
pub const DEFAULT_DB_CACHE_MIB: usize = 384;

impl MemoryBudget {
    /// `total` MiB split in three: block cache, memtables and state cache (of which a third
    /// for values, two ninths for trie branches and one ninth for leaves, each in two
    /// generations).
    pub fn from_mib(total: usize) -> MemoryBudget {
        let third = total * 1024 * 1024 / 3;
        MemoryBudget {
            block_cache: third,
            write_buffers: third,
            state_cache: crate::cache::CacheBudget { values: third / 6, branches: third * 2 / 9, leaves: third / 9 },
        }
    }

    /// One column's memtable before it is flushed: a quarter of the total, at most 64 MiB.
    pub fn write_buffer_per_column(&self) -> usize {
        (self.write_buffers / 4).min(64 * 1024 * 1024)
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget::from_mib(DEFAULT_DB_CACHE_MIB)
    }
}

impl Db {
    /// Opens (creating if missing) the database at `path` with the RocksDB parts of `budget`.
    pub fn open(path: &Path, budget: &MemoryBudget) -> Result<Db, DbError> {
        let display = path.display().to_string();
        std::fs::create_dir_all(path).map_err(|e| DbError::Rocks { path: display.clone(), message: e.to_string() })?;
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_max_open_files(512);
        opts.increase_parallelism(2);
        // A compaction reads each input file through a buffer of this size (RocksDB's
        // default: 2 MiB, so up to 13 x 2 MiB per compaction with 12 L0 files, below). The
        // node's RSS at 1M accounts fell by 11-39 MiB with 256 KiB (BENCHMARKS.md).
        opts.set_compaction_readahead_size(COMPACTION_READAHEAD);
        // Memory is bounded: all memtables together, and one block cache that also holds the
        // index and filter blocks (otherwise they grow with the data, outside any cache).
        opts.set_db_write_buffer_size(budget.write_buffers);
        let cache = rocksdb::Cache::new_lru_cache(budget.block_cache);
        let cfs: Vec<ColumnFamilyDescriptor> = col::ALL
            .iter()
            .map(|name| {
                let mut cf = Options::default();
                // The hot columns, read at random on every block, stay uncompressed: a block
                // cache miss then costs a copy from the page cache, not a decompression.
                let compression = if *name == col::STATE || *name == col::TRIE {
                    rocksdb::DBCompressionType::None
                } else {
                    rocksdb::DBCompressionType::Lz4
                };
                cf.set_compression_type(compression);
                if *name == col::STATE || *name == col::TRIE {
                    // Keys are random, so every L0 -> L1+ compaction rewrites the whole
                    // last level of the column. Waiting for more L0 files merges more per
                    // rewrite: at 1M accounts the trie column's compaction CPU over 80
                    // blocks fell from 10.6 to 4.7 s (BENCHMARKS.md). A point read checks
                    // the extra files' bloom filters, which L0 keeps pinned in the cache.
                    cf.set_level_zero_file_num_compaction_trigger(L0_COMPACTION_TRIGGER);
                    cf.set_level_zero_slowdown_writes_trigger(L0_COMPACTION_TRIGGER * 5);
                    cf.set_level_zero_stop_writes_trigger(L0_COMPACTION_TRIGGER * 9);
                }
                cf.set_write_buffer_size(budget.write_buffer_per_column());
                // A bloom filter over the memtable's keys: lookups of absent keys (new
                // storage entries, absent trie children) skip the skip-list search.
                cf.set_memtable_whole_key_filtering(true);
                cf.set_memtable_prefix_bloom_ratio(0.05);
                let mut table = rocksdb::BlockBasedOptions::default();
                table.set_block_cache(&cache);
                table.set_cache_index_and_filter_blocks(true);
                table.set_pin_l0_filter_and_index_blocks_in_cache(true);
                // Point lookups (state, trie nodes, blocks) skip files without the key.
                table.set_bloom_filter(10.0, false);
                cf.set_block_based_table_factory(&table);
                ColumnFamilyDescriptor::new(*name, cf)
            })
            .collect();
        let rocks = DB::open_cf_descriptors(&opts, path, cfs).map_err(|e| {
            let message = e.to_string();
            if message.contains("lock") || message.contains("Resource temporarily unavailable") {
                DbError::InUse { path: display.clone() }
            } else {
                DbError::Rocks { path: display.clone(), message }
            }
        })?;
        Ok(Db { rocks, path: display })
    }

    /// The column family `name`.
    pub fn cf(&self, name: &str) -> &ColumnFamily {
        self.rocks.cf_handle(name).expect("every column family is created on open")
    }

    /// Wraps a RocksDB error with the path.
    pub fn err(&self, e: rocksdb::Error) -> DbError {
        DbError::Rocks { path: self.path.clone(), message: e.to_string() }
    }

    /// A RocksDB property of column `column` (e.g. `rocksdb.num-files-at-level0`), if the
    /// column and the property exist.
    pub fn property(&self, column: &str, name: &str) -> Option<String> {
        let cf = self.rocks.cf_handle(column)?;
        self.rocks.property_value_cf(cf, name).ok().flatten()
    }

    /// Reads a key.
    pub fn get(&self, column: &str, key: &[u8]) -> Result<Option<Vec<u8>>, DbError> {
        self.rocks.get_cf(self.cf(column), key).map_err(|e| self.err(e))
    }
}

/// Escapes `key` so that the escaped keys sort like the keys and none is a prefix of another:
/// `0x00` becomes `0x00 0xff`, and `0x00 0x00` ends the key.
pub fn escape_key(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 2 + key.len() / 64);
    for &b in key {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// Reverses [`escape_key`] on the front of `escaped`, returning the key and the rest.
pub fn unescape_key(escaped: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut key = Vec::with_capacity(escaped.len());
    let mut i = 0;
    while i < escaped.len() {
        let b = escaped[i];
        if b == 0 {
            match escaped.get(i + 1)? {
                0xff => {
                    key.push(0);
                    i += 2;
                }
                0 => return Some((key, &escaped[i + 2..])),
                _ => return None,
            }
        } else {
            key.push(b);
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_and_trie_columns_wait_for_more_level0_files() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), &MemoryBudget::from_mib(48)).unwrap();
        let level0 = |column: &str| {
            db.property(column, "rocksdb.num-files-at-level0").expect("a known property").parse::<usize>().unwrap()
        };
        let flushes = L0_COMPACTION_TRIGGER as usize - 1;
        for column in [col::TRIE, col::STATE, col::HISTORY] {
            for i in 0..flushes {
                db.rocks.put_cf(db.cf(column), [i as u8], [1]).unwrap();
                db.rocks.flush_cf(db.cf(column)).unwrap();
            }
        }
        db.rocks.wait_for_compact(&rocksdb::WaitForCompactOptions::default()).unwrap();
        assert_eq!(level0(col::TRIE), flushes, "no compaction below the trigger");
        assert_eq!(level0(col::STATE), flushes);
        assert!(level0(col::HISTORY) < 4, "other columns keep RocksDB's default trigger");
    }

    #[test]
    fn escaping_preserves_order_and_is_prefix_free() {
        let keys: Vec<Vec<u8>> =
            vec![vec![], vec![0], vec![0, 0], vec![0, 1], vec![0, 0xff], vec![1], vec![1, 0], vec![0xff, 0]];
        for a in &keys {
            for b in &keys {
                let (ea, eb) = (escape_key(a), escape_key(b));
                assert_eq!(a.cmp(b), ea.cmp(&eb), "{a:?} vs {b:?}");
                if a != b {
                    assert!(!eb.starts_with(&ea), "{a:?} escaped is a prefix of {b:?} escaped");
                }
            }
            let mut with_suffix = escape_key(a);
            with_suffix.extend_from_slice(&[9, 9]);
            assert_eq!(unescape_key(&with_suffix), Some((a.clone(), &[9u8, 9][..])));
        }
    }
}
