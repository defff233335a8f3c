//! The cost of storage access, for weight functions: hand-set, on the low side of what the
//! weights harness measures (`cargo bench -p accord-node --bench weights`, which prints the
//! figures and writes this file only with `--write-db`).
//!
//! Measured on the reference machine at 1,000,000 accounts (2026-12-02, medians of three
//! rounds): a read of a random account missing the caches 16.5 µs, a write's share of
//! committing 10,000 random keys 41.9 µs. Not applied yet: these are cold, scattered worst
//! cases, while the hand-written weights that count reads and writes (every pallet but system,
//! balances, sudo and records, whose calls are measured whole) mostly touch hot, cached keys;
//! applied as they are, several worst-case bounds (the alliances deadline hook, an
//! organization's exit, metering's payout) no longer fit a block. Measuring those pallets'
//! calls too is the way to retire these two figures (BENCHMARKS.md, "Measured weights").

use super::Weight;

/// One storage read: about one RocksDB lookup of a warm flat state.
pub const READ: Weight = Weight::from_ref_time(5_000_000);
/// One storage write: its share of the state-root update and the commit in blocks of
/// thousands of keys.
pub const WRITE: Weight = Weight::from_ref_time(20_000_000);

/// `reads` reads and `writes` writes.
pub const fn reads_writes(reads: u64, writes: u64) -> Weight {
    READ.saturating_mul(reads).saturating_add(WRITE.saturating_mul(writes))
}
