//! The SQL sinks (SQLite embedded, PostgreSQL a real server): the current state per
//! (origin, data id), the history, continuity breaks, and the cursor, all written in one SQL
//! transaction per batch, so a crash at any point neither loses nor duplicates an entry.
//!
//! ```sql
//! accord_schema(id = 0, version)                                  -- SCHEMA_VERSION
//! accord_cursor(id = 0, next_index)                               -- the first unprocessed index
//! accord_state(subscription, origin, data_id, state, last_index)  -- current state per data
//! accord_history(subscription, log_index, ..., origin, data_id, ...) -- every applied entry
//! accord_breaks(subscription, log_index, origin, data_id, expected, found)
//! ```
//!
//! A data id is unique only within its origin (the pallet or contract that owns the data), so
//! every key is `(subscription, origin, data_id)`: a `Records` record whose id equals an
//! account's bytes never touches that account's `Balances` rows. An entry continues its data's
//! state when its source state equals the stored state; a `Delete` entry carries the
//! blake2-256 hash of the deleted state instead (the chain keeps no copy of deleted data), so
//! it continues the state whose hash it names.
//!
//! Schema versions: 1 (before entries had origins) is refused with [`SinkError::Schema`]: its
//! rows cannot be told apart by origin, so the database must be rebuilt (a new database and the
//! log from a retained index, or from a snapshot: see docs/oplog-consumers.md).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::entry::{Entry, Subscription};

/// Why the database refused a batch.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// SQLite failed.
    #[error("database {path}: {source}")]
    Sql {
        /// The database.
        path: String,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL failed.
    #[error("database {url}: {source}")]
    Postgres {
        /// The connection string (without password).
        url: String,
        /// Why.
        #[source]
        source: postgres::Error,
    },
    /// The database was written by another schema version: nothing was written.
    #[error(
        "database {path}: schema version {found}, this consumer writes version {SCHEMA_VERSION} \
         (entries are keyed by origin and data id since version 2); start with a new database \
         (see docs/oplog-consumers.md: 'When a consumer falls behind the pruned range')"
    )]
    Schema {
        /// The database.
        path: String,
        /// The version found (1: the tables have no origin column).
        found: u32,
    },
    /// The batch does not continue the cursor (a replay or a gap): nothing was written.
    #[error("database {path}: entry {found} does not continue the cursor at {expected}")]
    Sequence {
        /// The database.
        path: String,
        /// The index the cursor expects.
        expected: u64,
        /// The index offered.
        found: u64,
    },
}

/// What a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Entries applied to at least one subscription.
    pub applied: u64,
    /// Entries that matched no subscription (skipped, counted).
    pub unmatched: u64,
    /// Continuity breaks recorded (not applied).
    pub breaks: u64,
}

/// One applied entry of a datum's history: (log index, source state, result state).
pub type HistoryRow = (u64, Vec<u8>, Vec<u8>);

/// The stored state of each (subscription, origin, data id) a PostgreSQL batch touches.
type StoredStates = HashMap<(String, String, Vec<u8>), Vec<u8>>;

/// The version of the tables this consumer writes.
pub const SCHEMA_VERSION: u32 = 2;

/// Whether an entry continues `stored`, the state its data had: the same bytes, or, for a
/// `Delete`, the blake2-256 hash of them.
fn continues(e: &Entry, stored: &[u8]) -> bool {
    if e.op_type == "Delete" {
        return e.source_state.as_slice() == accord_primitives::hashing::blake2_256(stored).as_slice();
    }
    e.source_state == stored
}

/// The schema version a database's tables hold: `None` if it has no tables yet, 1 if it has
/// `accord_state` without a version table.
fn schema_found(has_state_table: bool, version: Option<i64>) -> Option<u32> {
    match version {
        Some(v) => Some(v as u32),
        None if has_state_table => Some(1),
        None => None,
    }
}

/// Refuses a batch that does not continue the cursor at `expected` (a replay or a gap).
fn check_sequence(path: &str, expected: u64, entries: &[Entry]) -> Result<(), SinkError> {
    for (offset, e) in entries.iter().enumerate() {
        let want = expected + offset as u64;
        if e.index != want {
            return Err(SinkError::Sequence { path: path.to_string(), expected: want, found: e.index });
        }
    }
    Ok(())
}

/// A database receiving entries: the cursor and the data move together.
pub trait Sink {
    /// The first index not yet processed.
    fn cursor(&mut self) -> Result<u64, SinkError>;
    /// Applies `entries` (consecutive, starting at the cursor) and moves the cursor past
    /// them, in one transaction.
    fn apply_batch(&mut self, entries: &[Entry], subs: &[Subscription]) -> Result<BatchOutcome, SinkError>;
}

/// Opens the sink a `database` setting names: `sqlite://<path>` or `postgres://...`
/// (a libpq connection URL).
pub fn open(database: &str) -> Result<Box<dyn Sink>, SinkError> {
    if let Some(path) = database.strip_prefix("sqlite://") {
        return Ok(Box::new(SqliteSink::open(path)?));
    }
    Ok(Box::new(PostgresSink::connect(database)?))
}

/// A SQLite database receiving entries.
pub struct SqliteSink {
    conn: Connection,
    path: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accord_schema (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL);
INSERT OR IGNORE INTO accord_schema (id, version) VALUES (0, 2);
CREATE TABLE IF NOT EXISTS accord_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), next_index INTEGER NOT NULL);
INSERT OR IGNORE INTO accord_cursor (id, next_index) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS accord_state (
  subscription TEXT NOT NULL, origin TEXT NOT NULL, data_id BLOB NOT NULL, state BLOB NOT NULL,
  last_index INTEGER NOT NULL, PRIMARY KEY (subscription, origin, data_id));
CREATE TABLE IF NOT EXISTS accord_history (
  subscription TEXT NOT NULL, log_index INTEGER NOT NULL, block INTEGER NOT NULL, extrinsic_index INTEGER NOT NULL,
  operator TEXT NOT NULL, origin TEXT NOT NULL, data_id BLOB NOT NULL, source_state BLOB NOT NULL,
  result_state BLOB NOT NULL, op_type TEXT NOT NULL, timestamp_ms INTEGER NOT NULL,
  PRIMARY KEY (subscription, log_index));
CREATE TABLE IF NOT EXISTS accord_breaks (
  subscription TEXT NOT NULL, log_index INTEGER NOT NULL, origin TEXT NOT NULL, data_id BLOB NOT NULL,
  expected BLOB NOT NULL, found BLOB NOT NULL, PRIMARY KEY (subscription, log_index));
";

impl SqliteSink {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &str) -> Result<SqliteSink, SinkError> {
        let err = |source| SinkError::Sql { path: path.to_string(), source };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        let has_state: bool = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'accord_state'", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(err)?
            > 0;
        let has_schema: bool = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'accord_schema'", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(err)?
            > 0;
        let version = match has_schema {
            true => {
                Some(conn.query_row("SELECT version FROM accord_schema WHERE id = 0", [], |r| r.get(0)).map_err(err)?)
            }
            false => None,
        };
        if let Some(found) = schema_found(has_state, version).filter(|v| *v != SCHEMA_VERSION) {
            return Err(SinkError::Schema { path: path.to_string(), found });
        }
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(SqliteSink { conn, path: path.to_string() })
    }

    fn err(&self, source: rusqlite::Error) -> SinkError {
        SinkError::Sql { path: self.path.clone(), source }
    }

    /// The first index not yet processed.
    pub fn read_cursor(&self) -> Result<u64, SinkError> {
        self.conn
            .query_row("SELECT next_index FROM accord_cursor WHERE id = 0", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    fn apply(&mut self, entries: &[Entry], subs: &[Subscription]) -> Result<BatchOutcome, SinkError> {
        let path = self.path.clone();
        let err = |source| SinkError::Sql { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let expected: u64 = tx
            .query_row("SELECT next_index FROM accord_cursor WHERE id = 0", [], |r| r.get::<_, i64>(0))
            .map_err(err)? as u64;
        check_sequence(&path, expected, entries)?;
        let plan = plan(entries, subs, |sub, origin, data_id| {
            tx.query_row(
                "SELECT state FROM accord_state WHERE subscription = ?1 AND origin = ?2 AND data_id = ?3",
                params![sub, origin, data_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
        })?;
        SqliteSink::write(&tx, &plan).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(plan.outcome)
    }

    /// The history of `(origin, data_id)` in `subscription`: (index, source, result), in order.
    pub fn history(&self, subscription: &str, origin: &str, data_id: &[u8]) -> Result<Vec<HistoryRow>, SinkError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT log_index, source_state, result_state FROM accord_history \
                 WHERE subscription = ?1 AND origin = ?2 AND data_id = ?3 ORDER BY log_index",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![subscription, origin, data_id], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

impl Sink for SqliteSink {
    fn cursor(&mut self) -> Result<u64, SinkError> {
        self.read_cursor()
    }

    fn apply_batch(&mut self, entries: &[Entry], subs: &[Subscription]) -> Result<BatchOutcome, SinkError> {
        self.apply(entries, subs)
    }
}

const PG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accord_schema (id INTEGER PRIMARY KEY CHECK (id = 0), version BIGINT NOT NULL);
INSERT INTO accord_schema (id, version) VALUES (0, 2) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS accord_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), next_index BIGINT NOT NULL);
INSERT INTO accord_cursor (id, next_index) VALUES (0, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS accord_state (
  subscription TEXT NOT NULL, origin TEXT NOT NULL, data_id BYTEA NOT NULL, state BYTEA NOT NULL,
  last_index BIGINT NOT NULL, PRIMARY KEY (subscription, origin, data_id));
CREATE TABLE IF NOT EXISTS accord_history (
  subscription TEXT NOT NULL, log_index BIGINT NOT NULL, block BIGINT NOT NULL, extrinsic_index BIGINT NOT NULL,
  operator TEXT NOT NULL, origin TEXT NOT NULL, data_id BYTEA NOT NULL, source_state BYTEA NOT NULL,
  result_state BYTEA NOT NULL, op_type TEXT NOT NULL, timestamp_ms BIGINT NOT NULL,
  PRIMARY KEY (subscription, log_index));
CREATE TABLE IF NOT EXISTS accord_breaks (
  subscription TEXT NOT NULL, log_index BIGINT NOT NULL, origin TEXT NOT NULL, data_id BYTEA NOT NULL,
  expected BYTEA NOT NULL, found BYTEA NOT NULL, PRIMARY KEY (subscription, log_index));
";

/// A PostgreSQL database receiving entries.
pub struct PostgresSink {
    client: postgres::Client,
    url: String,
}

impl PostgresSink {
    /// Connects to `url` and creates the tables if missing.
    pub fn connect(url: &str) -> Result<PostgresSink, SinkError> {
        let shown = url.split('@').next_back().unwrap_or(url).to_string();
        let err = |source| SinkError::Postgres { url: shown.clone(), source };
        let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(err)?;
        let table = |client: &mut postgres::Client, name: &str| -> Result<bool, postgres::Error> {
            let row = client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])?;
            Ok(row.get(0))
        };
        let has_state = table(&mut client, "accord_state").map_err(err)?;
        let version = match table(&mut client, "accord_schema").map_err(err)? {
            true => Some(client.query_one("SELECT version FROM accord_schema WHERE id = 0", &[]).map_err(err)?.get(0)),
            false => None,
        };
        if let Some(found) = schema_found(has_state, version).filter(|v| *v != SCHEMA_VERSION) {
            return Err(SinkError::Schema { path: shown.clone(), found });
        }
        client.batch_execute(PG_SCHEMA).map_err(err)?;
        Ok(PostgresSink { client, url: shown })
    }
}

impl Sink for PostgresSink {
    fn cursor(&mut self) -> Result<u64, SinkError> {
        let url = self.url.clone();
        let row = self
            .client
            .query_one("SELECT next_index FROM accord_cursor WHERE id = 0", &[])
            .map_err(|source| SinkError::Postgres { url, source })?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn apply_batch(&mut self, entries: &[Entry], subs: &[Subscription]) -> Result<BatchOutcome, SinkError> {
        let url = self.url.clone();
        let err = |source| SinkError::Postgres { url: url.clone(), source };
        let mut tx = self.client.transaction().map_err(err)?;
        let row = tx.query_one("SELECT next_index FROM accord_cursor WHERE id = 0 FOR UPDATE", &[]).map_err(err)?;
        check_sequence(&url, row.get::<_, i64>(0) as u64, entries)?;
        let stored = PostgresSink::stored_states(&mut tx, entries, subs).map_err(err)?;
        let plan = plan(entries, subs, |sub, origin, data_id| {
            Ok(stored.get(&(sub.to_string(), origin.to_string(), data_id.to_vec())).cloned())
        })?;
        PostgresSink::write(&mut tx, &plan).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(plan.outcome)
    }
}

/// The key of a datum's rows: (subscription, origin, data id).
type DataKey<'e> = (&'e str, &'e str, &'e [u8]);

/// What a batch writes, decided in memory before any write: the continuity check of each
/// entry against the state its data has at that point (stored, or set by an earlier
/// entry of the batch). The one logic both sinks share; each writes the plan its own way
/// (PostgreSQL in a few multi-row statements).
struct Plan<'e> {
    outcome: BatchOutcome,
    /// Entries applied, per subscription, in order.
    history: Vec<(&'e str, &'e Entry)>,
    /// Entries that do not continue their data id's state, with the state they should have
    /// continued.
    breaks: Vec<(&'e str, &'e Entry, Vec<u8>)>,
    /// The state each touched (subscription, origin, data id) ends the batch with: its state
    /// and the index of the entry that set it, or `None` if it was deleted.
    states: BTreeMap<DataKey<'e>, Option<(&'e [u8], u64)>>,
    /// Where the cursor moves.
    cursor: Option<u64>,
}

/// Plans `entries` for every matching subscription; `stored` reads the state a (subscription,
/// origin, data id) had before the batch (once per key).
fn plan<'e>(
    entries: &'e [Entry],
    subs: &'e [Subscription],
    mut stored: impl FnMut(&str, &str, &[u8]) -> Result<Option<Vec<u8>>, SinkError>,
) -> Result<Plan<'e>, SinkError> {
    let mut plan = Plan {
        outcome: BatchOutcome::default(),
        history: Vec::new(),
        breaks: Vec::new(),
        states: BTreeMap::new(),
        cursor: None,
    };
    // The state of each pair as the batch goes.
    let mut current: HashMap<DataKey<'e>, Option<Vec<u8>>> = HashMap::new();
    for e in entries {
        let matched: Vec<&Subscription> = subs.iter().filter(|s| s.matches(e)).collect();
        if matched.is_empty() {
            plan.outcome.unmatched += 1;
        } else {
            plan.outcome.applied += 1;
        }
        for sub in matched {
            let key = (sub.name.as_str(), e.origin.as_str(), e.data_id.as_slice());
            let state = match current.get(&key) {
                Some(state) => state.clone(),
                None => stored(key.0, key.1, key.2)?,
            };
            if let Some(expected) = state.filter(|s| !continues(e, s)) {
                plan.breaks.push((key.0, e, expected.clone()));
                plan.outcome.breaks += 1;
                current.insert(key, Some(expected));
                continue;
            }
            plan.history.push((key.0, e));
            let deleted = e.op_type == "Delete";
            current.insert(key, (!deleted).then(|| e.result_state.clone()));
            plan.states.insert(key, (!deleted).then_some((e.result_state.as_slice(), e.index)));
        }
    }
    plan.cursor = entries.last().map(|last| last.index + 1);
    Ok(plan)
}

impl SqliteSink {
    /// Writes `plan` in the open transaction `tx`, with cached prepared statements.
    fn write(tx: &rusqlite::Transaction<'_>, plan: &Plan<'_>) -> rusqlite::Result<()> {
        let mut history = tx.prepare_cached(
            "INSERT INTO accord_history (subscription, log_index, block, extrinsic_index, operator, origin, \
             data_id, source_state, result_state, op_type, timestamp_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for (sub, e) in &plan.history {
            history.execute(params![
                sub,
                e.index as i64,
                e.block,
                e.extrinsic_index,
                e.operator,
                e.origin,
                e.data_id,
                e.source_state,
                e.result_state,
                e.op_type,
                e.timestamp_ms as i64
            ])?;
        }
        let mut breaks = tx.prepare_cached(
            "INSERT INTO accord_breaks (subscription, log_index, origin, data_id, expected, found) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (sub, e, expected) in &plan.breaks {
            breaks.execute(params![sub, e.index as i64, e.origin, e.data_id, expected, e.source_state])?;
        }
        let mut upsert = tx.prepare_cached(
            "INSERT INTO accord_state (subscription, origin, data_id, state, last_index) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (subscription, origin, data_id) \
             DO UPDATE SET state = excluded.state, last_index = excluded.last_index",
        )?;
        let mut delete =
            tx.prepare_cached("DELETE FROM accord_state WHERE subscription = ?1 AND origin = ?2 AND data_id = ?3")?;
        for ((sub, origin, data_id), state) in &plan.states {
            match state {
                Some((state, index)) => upsert.execute(params![sub, origin, data_id, state, *index as i64])?,
                None => delete.execute(params![sub, origin, data_id])?,
            };
        }
        if let Some(next) = plan.cursor {
            tx.execute("UPDATE accord_cursor SET next_index = ?1 WHERE id = 0", params![next as i64])?;
        }
        Ok(())
    }
}

impl PostgresSink {
    /// The stored states of the (subscription, origin, data id) keys `entries` touch, in one
    /// query per subscription.
    fn stored_states(
        tx: &mut postgres::Transaction<'_>,
        entries: &[Entry],
        subs: &[Subscription],
    ) -> Result<StoredStates, postgres::Error> {
        let mut stored = HashMap::new();
        for sub in subs {
            let keys: BTreeSet<(&str, &[u8])> =
                entries.iter().filter(|e| sub.matches(e)).map(|e| (e.origin.as_str(), e.data_id.as_slice())).collect();
            if keys.is_empty() {
                continue;
            }
            let origins: Vec<&str> = keys.iter().map(|(o, _)| *o).collect();
            let ids: Vec<&[u8]> = keys.iter().map(|(_, d)| *d).collect();
            let rows = tx.query(
                "SELECT s.origin, s.data_id, s.state FROM accord_state s \
                 JOIN UNNEST($2::text[], $3::bytea[]) AS k(origin, data_id) \
                 ON s.origin = k.origin AND s.data_id = k.data_id WHERE s.subscription = $1",
                &[&sub.name, &origins, &ids],
            )?;
            for row in rows {
                stored.insert((sub.name.clone(), row.get::<_, String>(0), row.get::<_, Vec<u8>>(1)), row.get(2));
            }
        }
        Ok(stored)
    }

    /// Writes `plan` in the open transaction `tx`: one multi-row statement per table.
    fn write(tx: &mut postgres::Transaction<'_>, plan: &Plan<'_>) -> Result<(), postgres::Error> {
        if !plan.history.is_empty() {
            let h = &plan.history;
            let subs: Vec<&str> = h.iter().map(|(s, _)| *s).collect();
            let index: Vec<i64> = h.iter().map(|(_, e)| e.index as i64).collect();
            let block: Vec<i64> = h.iter().map(|(_, e)| i64::from(e.block)).collect();
            let xt: Vec<i64> = h.iter().map(|(_, e)| i64::from(e.extrinsic_index)).collect();
            let operator: Vec<&str> = h.iter().map(|(_, e)| e.operator.as_str()).collect();
            let origin: Vec<&str> = h.iter().map(|(_, e)| e.origin.as_str()).collect();
            let data_id: Vec<&[u8]> = h.iter().map(|(_, e)| e.data_id.as_slice()).collect();
            let source: Vec<&[u8]> = h.iter().map(|(_, e)| e.source_state.as_slice()).collect();
            let result: Vec<&[u8]> = h.iter().map(|(_, e)| e.result_state.as_slice()).collect();
            let op_type: Vec<&str> = h.iter().map(|(_, e)| e.op_type.as_str()).collect();
            let time: Vec<i64> = h.iter().map(|(_, e)| e.timestamp_ms as i64).collect();
            tx.execute(
                "INSERT INTO accord_history (subscription, log_index, block, extrinsic_index, operator, origin, \
                 data_id, source_state, result_state, op_type, timestamp_ms) \
                 SELECT * FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::text[], \
                 $7::bytea[], $8::bytea[], $9::bytea[], $10::text[], $11::int8[])",
                &[&subs, &index, &block, &xt, &operator, &origin, &data_id, &source, &result, &op_type, &time],
            )?;
        }
        if !plan.breaks.is_empty() {
            let b = &plan.breaks;
            let subs: Vec<&str> = b.iter().map(|(s, _, _)| *s).collect();
            let index: Vec<i64> = b.iter().map(|(_, e, _)| e.index as i64).collect();
            let origin: Vec<&str> = b.iter().map(|(_, e, _)| e.origin.as_str()).collect();
            let data_id: Vec<&[u8]> = b.iter().map(|(_, e, _)| e.data_id.as_slice()).collect();
            let expected: Vec<&[u8]> = b.iter().map(|(_, _, x)| x.as_slice()).collect();
            let found: Vec<&[u8]> = b.iter().map(|(_, e, _)| e.source_state.as_slice()).collect();
            tx.execute(
                "INSERT INTO accord_breaks (subscription, log_index, origin, data_id, expected, found) \
                 SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::bytea[], $5::bytea[], $6::bytea[])",
                &[&subs, &index, &origin, &data_id, &expected, &found],
            )?;
        }
        let (set, deleted): (Vec<_>, Vec<_>) = plan.states.iter().partition(|(_, state)| state.is_some());
        if !set.is_empty() {
            let subs: Vec<&str> = set.iter().map(|((s, _, _), _)| *s).collect();
            let origin: Vec<&str> = set.iter().map(|((_, o, _), _)| *o).collect();
            let data_id: Vec<&[u8]> = set.iter().map(|((_, _, d), _)| *d).collect();
            let state: Vec<&[u8]> = set.iter().filter_map(|(_, st)| st.map(|(s, _)| s)).collect();
            let index: Vec<i64> = set.iter().filter_map(|(_, st)| st.map(|(_, i)| i as i64)).collect();
            tx.execute(
                "INSERT INTO accord_state (subscription, origin, data_id, state, last_index) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::int8[]) \
                 ON CONFLICT (subscription, origin, data_id) \
                 DO UPDATE SET state = excluded.state, last_index = excluded.last_index",
                &[&subs, &origin, &data_id, &state, &index],
            )?;
        }
        if !deleted.is_empty() {
            let subs: Vec<&str> = deleted.iter().map(|((s, _, _), _)| *s).collect();
            let origin: Vec<&str> = deleted.iter().map(|((_, o, _), _)| *o).collect();
            let data_id: Vec<&[u8]> = deleted.iter().map(|((_, _, d), _)| *d).collect();
            tx.execute(
                "DELETE FROM accord_state s \
                 USING UNNEST($1::text[], $2::text[], $3::bytea[]) AS d(subscription, origin, data_id) \
                 WHERE s.subscription = d.subscription AND s.origin = d.origin AND s.data_id = d.data_id",
                &[&subs, &origin, &data_id],
            )?;
        }
        if let Some(next) = plan.cursor {
            tx.execute("UPDATE accord_cursor SET next_index = $1 WHERE id = 0", &[&(next as i64)])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SubscriptionConfig;

    fn entry(index: u64, id: u8, source: &[u8], result: &[u8]) -> Entry {
        Entry {
            index,
            block: 1,
            extrinsic_index: 0,
            operator: "op".into(),
            origin: "Records".into(),
            data_id: vec![id],
            source_state: source.to_vec(),
            result_state: result.to_vec(),
            op_type: "Update".into(),
            timestamp_ms: 0,
        }
    }

    fn all() -> Vec<Subscription> {
        vec![Subscription::from_config(&SubscriptionConfig {
            name: "all".into(),
            origin: None,
            data_id: None,
            data_id_prefix: None,
            op_type: None,
            operator: None,
        })
        .unwrap()]
    }

    #[test]
    fn applies_moves_the_cursor_and_reports_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut sink = SqliteSink::open(path.to_str().unwrap()).unwrap();
        assert_eq!(sink.read_cursor().unwrap(), 0);
        let out = sink.apply_batch(&[entry(0, 1, b"a", b"b"), entry(1, 1, b"b", b"c")], &all()).unwrap();
        assert_eq!(out, BatchOutcome { applied: 2, unmatched: 0, breaks: 0 });
        let out = sink.apply_batch(&[entry(2, 1, b"x", b"y")], &all()).unwrap();
        assert_eq!(out.breaks, 1, "source x does not continue from c");
        assert_eq!(sink.read_cursor().unwrap(), 3);
        drop(sink);
        let sink = SqliteSink::open(path.to_str().unwrap()).unwrap();
        assert_eq!(sink.read_cursor().unwrap(), 3, "the cursor survives a reopen");
        assert_eq!(
            sink.history("all", "Records", &[1]).unwrap(),
            vec![(0, b"a".to_vec(), b"b".to_vec()), (1, b"b".to_vec(), b"c".to_vec())]
        );
    }

    #[test]
    fn a_replayed_entry_fails_the_whole_batch() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = SqliteSink::open(dir.path().join("db").to_str().unwrap()).unwrap();
        sink.apply_batch(&[entry(0, 1, b"", b"a")], &all()).unwrap();
        let replay = sink.apply_batch(&[entry(1, 2, b"", b"z"), entry(0, 1, b"", b"a")], &all());
        assert!(matches!(replay, Err(SinkError::Sequence { expected: 2, found: 0, .. })), "{replay:?}");
        let gap = sink.apply_batch(&[entry(5, 2, b"", b"z")], &all());
        assert!(matches!(gap, Err(SinkError::Sequence { expected: 1, found: 5, .. })));
        assert_eq!(sink.read_cursor().unwrap(), 1, "nothing of the failed batch was kept");
        assert!(sink.history("all", "Records", &[2]).unwrap().is_empty());
    }

    #[test]
    fn a_batch_sees_its_own_earlier_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = SqliteSink::open(dir.path().join("db").to_str().unwrap()).unwrap();
        sink.apply_batch(&[entry(0, 2, b"", b"y")], &all()).unwrap();
        let a_hash = accord_primitives::hashing::blake2_256(b"a");
        let delete = Entry { op_type: "Delete".into(), ..entry(2, 1, &a_hash, b"") };
        let batch = [
            entry(1, 1, b"", b"a"),
            delete,
            // After the delete, id 1 has no state: anything continues it.
            entry(3, 1, b"q", b"b"),
            // id 2 is "y" (stored before the batch): "x" breaks, "y" continues.
            entry(4, 2, b"x", b"z"),
            entry(5, 2, b"y", b"w"),
            // And the batch's own write is what the next entry of id 2 continues.
            entry(6, 2, b"w", b"v"),
        ];
        let out = sink.apply_batch(&batch, &all()).unwrap();
        assert_eq!(out, BatchOutcome { applied: 6, unmatched: 0, breaks: 1 });
        let state = |id: u8| -> Option<(Vec<u8>, i64)> {
            sink.conn
                .query_row(
                    "SELECT state, last_index FROM accord_state \
                     WHERE subscription = 'all' AND origin = 'Records' AND data_id = ?1",
                    params![vec![id]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .unwrap()
        };
        assert_eq!(state(1), Some((b"b".to_vec(), 3)));
        assert_eq!(state(2), Some((b"v".to_vec(), 6)));
        let ids: Vec<u64> = sink.history("all", "Records", &[2]).unwrap().into_iter().map(|(i, _, _)| i).collect();
        assert_eq!(ids, vec![0, 5, 6], "the break (4) is not in the history");
        let breaks: i64 = sink.conn.query_row("SELECT COUNT(*) FROM accord_breaks", [], |r| r.get(0)).unwrap();
        assert_eq!(breaks, 1);
        assert_eq!(sink.read_cursor().unwrap(), 7);
    }
}

#[cfg(test)]
mod origin_tests {
    use super::*;
    use crate::config::SubscriptionConfig;

    fn entry(index: u64, origin: &str, op: &str, source: &[u8], result: &[u8]) -> Entry {
        Entry {
            index,
            block: 1,
            extrinsic_index: 0,
            operator: "op".into(),
            origin: origin.into(),
            data_id: vec![7; 32],
            source_state: source.to_vec(),
            result_state: result.to_vec(),
            op_type: op.into(),
            timestamp_ms: 0,
        }
    }

    fn subs(origin: Option<&str>) -> Vec<Subscription> {
        let config = SubscriptionConfig {
            name: "s".into(),
            origin: origin.map(str::to_string),
            data_id: Some(format!("0x{}", hex::encode([7; 32]))),
            data_id_prefix: None,
            op_type: None,
            operator: None,
        };
        vec![Subscription::from_config(&config).unwrap()]
    }

    fn state(sink: &SqliteSink, origin: &str) -> Option<Vec<u8>> {
        sink.conn
            .query_row(
                "SELECT state FROM accord_state WHERE subscription = 's' AND origin = ?1 AND data_id = ?2",
                params![origin, vec![7u8; 32]],
                |r| r.get(0),
            )
            .optional()
            .unwrap()
    }

    /// The forgery the review found: a `Records` record whose id is an account's 32 bytes and
    /// whose "source state" matches the balance. Keyed by (origin, data id), it is another
    /// datum: the balance rows keep the real history and no real update becomes a break.
    #[test]
    fn a_record_with_an_accounts_id_does_not_touch_its_balance_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = SqliteSink::open(dir.path().join("db").to_str().unwrap()).unwrap();
        let batch = [
            entry(0, "Balances", "Update", b"100", b"200"),
            entry(1, "Records", "Create", b"", b"200"),
            entry(2, "Records", "Update", b"200", b"999999"),
            entry(3, "Balances", "Update", b"200", b"250"),
        ];
        let out = sink.apply_batch(&batch, &subs(None)).unwrap();
        assert_eq!(out, BatchOutcome { applied: 4, unmatched: 0, breaks: 0 });
        assert_eq!(state(&sink, "Balances"), Some(b"250".to_vec()));
        assert_eq!(state(&sink, "Records"), Some(b"999999".to_vec()));
        let balance: Vec<u64> = sink.history("s", "Balances", &[7; 32]).unwrap().iter().map(|h| h.0).collect();
        assert_eq!(balance, vec![0, 3]);
        // A subscription that names its origin does not even see the record.
        let mut only = SqliteSink::open(dir.path().join("db2").to_str().unwrap()).unwrap();
        let out = only.apply_batch(&batch, &subs(Some("Balances"))).unwrap();
        assert_eq!(out, BatchOutcome { applied: 2, unmatched: 2, breaks: 0 });
        assert_eq!(state(&only, "Records"), None);
    }

    /// A `Delete` entry names the hash of the state it deletes: the right hash continues (and
    /// removes the row), any other is a break.
    #[test]
    fn a_delete_continues_the_state_whose_hash_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = SqliteSink::open(dir.path().join("db").to_str().unwrap()).unwrap();
        sink.apply_batch(&[entry(0, "Records", "Create", b"", b"doc")], &subs(None)).unwrap();
        let wrong = accord_primitives::hashing::blake2_256(b"other");
        let out = sink.apply_batch(&[entry(1, "Records", "Delete", &wrong, b"")], &subs(None)).unwrap();
        assert_eq!(out.breaks, 1);
        assert_eq!(state(&sink, "Records"), Some(b"doc".to_vec()));
        let right = accord_primitives::hashing::blake2_256(b"doc");
        let out = sink.apply_batch(&[entry(2, "Records", "Delete", &right, b"")], &subs(None)).unwrap();
        assert_eq!(out.breaks, 0);
        assert_eq!(state(&sink, "Records"), None);
    }

    /// A database of schema version 1 (no origin column) is refused with the reason, and
    /// left as it was.
    #[test]
    fn an_old_database_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE accord_cursor (id INTEGER PRIMARY KEY, next_index INTEGER NOT NULL);
             CREATE TABLE accord_state (subscription TEXT NOT NULL, data_id BLOB NOT NULL, state BLOB NOT NULL,
               last_index INTEGER NOT NULL, PRIMARY KEY (subscription, data_id));",
        )
        .unwrap();
        drop(conn);
        let err = SqliteSink::open(path.to_str().unwrap()).err().expect("refused");
        assert!(matches!(err, SinkError::Schema { found: 1, .. }), "{err}");
        assert!(err.to_string().contains("schema version 1"), "{err}");
        let conn = Connection::open(&path).unwrap();
        let tables: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'accord_schema'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "nothing was created in the old database");
    }
}
