//! The SQL sinks (SQLite embedded, PostgreSQL a real server): the current state per data id, the history, continuity breaks, and the
//! cursor, all written in one SQL transaction per batch, so a crash at any point neither
//! loses nor duplicates an entry.
//!
//! ```sql
//! accord_cursor(id = 0, next_index)                       -- the first unprocessed index
//! accord_state(subscription, data_id, state, last_index)  -- current state per data id
//! accord_history(subscription, log_index, ...)            -- every applied entry
//! accord_breaks(subscription, log_index, data_id, expected, found)
//! ```

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
CREATE TABLE IF NOT EXISTS accord_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), next_index INTEGER NOT NULL);
INSERT OR IGNORE INTO accord_cursor (id, next_index) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS accord_state (
  subscription TEXT NOT NULL, data_id BLOB NOT NULL, state BLOB NOT NULL, last_index INTEGER NOT NULL,
  PRIMARY KEY (subscription, data_id));
CREATE TABLE IF NOT EXISTS accord_history (
  subscription TEXT NOT NULL, log_index INTEGER NOT NULL, block INTEGER NOT NULL, extrinsic_index INTEGER NOT NULL,
  operator TEXT NOT NULL, data_id BLOB NOT NULL, source_state BLOB NOT NULL, result_state BLOB NOT NULL,
  op_type TEXT NOT NULL, timestamp_ms INTEGER NOT NULL, PRIMARY KEY (subscription, log_index));
CREATE TABLE IF NOT EXISTS accord_breaks (
  subscription TEXT NOT NULL, log_index INTEGER NOT NULL, data_id BLOB NOT NULL, expected BLOB NOT NULL,
  found BLOB NOT NULL, PRIMARY KEY (subscription, log_index));
";

impl SqliteSink {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &str) -> Result<SqliteSink, SinkError> {
        let err = |source| SinkError::Sql { path: path.to_string(), source };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
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
        let plan = plan(entries, subs, |sub, data_id| {
            tx.query_row(
                "SELECT state FROM accord_state WHERE subscription = ?1 AND data_id = ?2",
                params![sub, data_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
        })?;
        SqliteSink::write(&tx, &plan).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(plan.outcome)
    }

    /// The history of `data_id` in `subscription`: (index, source, result), in order.
    pub fn history(&self, subscription: &str, data_id: &[u8]) -> Result<Vec<(u64, Vec<u8>, Vec<u8>)>, SinkError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT log_index, source_state, result_state FROM accord_history \
                 WHERE subscription = ?1 AND data_id = ?2 ORDER BY log_index",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![subscription, data_id], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)))
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
CREATE TABLE IF NOT EXISTS accord_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), next_index BIGINT NOT NULL);
INSERT INTO accord_cursor (id, next_index) VALUES (0, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS accord_state (
  subscription TEXT NOT NULL, data_id BYTEA NOT NULL, state BYTEA NOT NULL, last_index BIGINT NOT NULL,
  PRIMARY KEY (subscription, data_id));
CREATE TABLE IF NOT EXISTS accord_history (
  subscription TEXT NOT NULL, log_index BIGINT NOT NULL, block BIGINT NOT NULL, extrinsic_index BIGINT NOT NULL,
  operator TEXT NOT NULL, data_id BYTEA NOT NULL, source_state BYTEA NOT NULL, result_state BYTEA NOT NULL,
  op_type TEXT NOT NULL, timestamp_ms BIGINT NOT NULL, PRIMARY KEY (subscription, log_index));
CREATE TABLE IF NOT EXISTS accord_breaks (
  subscription TEXT NOT NULL, log_index BIGINT NOT NULL, data_id BYTEA NOT NULL, expected BYTEA NOT NULL,
  found BYTEA NOT NULL, PRIMARY KEY (subscription, log_index));
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
        let plan = plan(entries, subs, |sub, data_id| Ok(stored.get(&(sub.to_string(), data_id.to_vec())).cloned()))?;
        PostgresSink::write(&mut tx, &plan).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(plan.outcome)
    }
}

/// What a batch writes, decided in memory before any write: the continuity check of each
/// entry against the state its data id has at that point (stored, or set by an earlier
/// entry of the batch). The one logic both sinks share; each writes the plan its own way
/// (PostgreSQL in a few multi-row statements).
struct Plan<'e> {
    outcome: BatchOutcome,
    /// Entries applied, per subscription, in order.
    history: Vec<(&'e str, &'e Entry)>,
    /// Entries that do not continue their data id's state, with the state they should have
    /// continued.
    breaks: Vec<(&'e str, &'e Entry, Vec<u8>)>,
    /// The state each touched (subscription, data id) ends the batch with: its state and
    /// the index of the entry that set it, or `None` if it was deleted.
    states: BTreeMap<(&'e str, &'e [u8]), Option<(&'e [u8], u64)>>,
    /// Where the cursor moves.
    cursor: Option<u64>,
}

/// Plans `entries` for every matching subscription; `stored` reads the state a (subscription,
/// data id) had before the batch (once per pair).
fn plan<'e>(
    entries: &'e [Entry],
    subs: &'e [Subscription],
    mut stored: impl FnMut(&str, &[u8]) -> Result<Option<Vec<u8>>, SinkError>,
) -> Result<Plan<'e>, SinkError> {
    let mut plan = Plan {
        outcome: BatchOutcome::default(),
        history: Vec::new(),
        breaks: Vec::new(),
        states: BTreeMap::new(),
        cursor: None,
    };
    // The state of each pair as the batch goes.
    let mut current: HashMap<(&str, &[u8]), Option<Vec<u8>>> = HashMap::new();
    for e in entries {
        let matched: Vec<&Subscription> = subs.iter().filter(|s| s.matches(e)).collect();
        if matched.is_empty() {
            plan.outcome.unmatched += 1;
        } else {
            plan.outcome.applied += 1;
        }
        for sub in matched {
            let key = (sub.name.as_str(), e.data_id.as_slice());
            let state = match current.get(&key) {
                Some(state) => state.clone(),
                None => stored(key.0, key.1)?,
            };
            if let Some(expected) = state.filter(|s| *s != e.source_state) {
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
            "INSERT INTO accord_history (subscription, log_index, block, extrinsic_index, operator, data_id, \
             source_state, result_state, op_type, timestamp_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (sub, e) in &plan.history {
            history.execute(params![
                sub,
                e.index as i64,
                e.block,
                e.extrinsic_index,
                e.operator,
                e.data_id,
                e.source_state,
                e.result_state,
                e.op_type,
                e.timestamp_ms as i64
            ])?;
        }
        let mut breaks = tx.prepare_cached(
            "INSERT INTO accord_breaks (subscription, log_index, data_id, expected, found) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (sub, e, expected) in &plan.breaks {
            breaks.execute(params![sub, e.index as i64, e.data_id, expected, e.source_state])?;
        }
        let mut upsert = tx.prepare_cached(
            "INSERT INTO accord_state (subscription, data_id, state, last_index) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (subscription, data_id) DO UPDATE SET state = excluded.state, last_index = excluded.last_index",
        )?;
        let mut delete = tx.prepare_cached("DELETE FROM accord_state WHERE subscription = ?1 AND data_id = ?2")?;
        for ((sub, data_id), state) in &plan.states {
            match state {
                Some((state, index)) => upsert.execute(params![sub, data_id, state, *index as i64])?,
                None => delete.execute(params![sub, data_id])?,
            };
        }
        if let Some(next) = plan.cursor {
            tx.execute("UPDATE accord_cursor SET next_index = ?1 WHERE id = 0", params![next as i64])?;
        }
        Ok(())
    }
}

impl PostgresSink {
    /// The stored states of the (subscription, data id) pairs `entries` touch, in one query
    /// per subscription.
    fn stored_states(
        tx: &mut postgres::Transaction<'_>,
        entries: &[Entry],
        subs: &[Subscription],
    ) -> Result<HashMap<(String, Vec<u8>), Vec<u8>>, postgres::Error> {
        let mut stored = HashMap::new();
        for sub in subs {
            let ids: BTreeSet<&[u8]> =
                entries.iter().filter(|e| sub.matches(e)).map(|e| e.data_id.as_slice()).collect();
            if ids.is_empty() {
                continue;
            }
            let ids: Vec<&[u8]> = ids.into_iter().collect();
            let rows = tx.query(
                "SELECT data_id, state FROM accord_state WHERE subscription = $1 AND data_id = ANY($2)",
                &[&sub.name, &ids],
            )?;
            for row in rows {
                stored.insert((sub.name.clone(), row.get::<_, Vec<u8>>(0)), row.get::<_, Vec<u8>>(1));
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
            let data_id: Vec<&[u8]> = h.iter().map(|(_, e)| e.data_id.as_slice()).collect();
            let source: Vec<&[u8]> = h.iter().map(|(_, e)| e.source_state.as_slice()).collect();
            let result: Vec<&[u8]> = h.iter().map(|(_, e)| e.result_state.as_slice()).collect();
            let op_type: Vec<&str> = h.iter().map(|(_, e)| e.op_type.as_str()).collect();
            let time: Vec<i64> = h.iter().map(|(_, e)| e.timestamp_ms as i64).collect();
            tx.execute(
                "INSERT INTO accord_history (subscription, log_index, block, extrinsic_index, operator, data_id, \
                 source_state, result_state, op_type, timestamp_ms) \
                 SELECT * FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::bytea[], \
                 $7::bytea[], $8::bytea[], $9::text[], $10::int8[])",
                &[&subs, &index, &block, &xt, &operator, &data_id, &source, &result, &op_type, &time],
            )?;
        }
        if !plan.breaks.is_empty() {
            let b = &plan.breaks;
            let subs: Vec<&str> = b.iter().map(|(s, _, _)| *s).collect();
            let index: Vec<i64> = b.iter().map(|(_, e, _)| e.index as i64).collect();
            let data_id: Vec<&[u8]> = b.iter().map(|(_, e, _)| e.data_id.as_slice()).collect();
            let expected: Vec<&[u8]> = b.iter().map(|(_, _, x)| x.as_slice()).collect();
            let found: Vec<&[u8]> = b.iter().map(|(_, e, _)| e.source_state.as_slice()).collect();
            tx.execute(
                "INSERT INTO accord_breaks (subscription, log_index, data_id, expected, found) \
                 SELECT * FROM UNNEST($1::text[], $2::int8[], $3::bytea[], $4::bytea[], $5::bytea[])",
                &[&subs, &index, &data_id, &expected, &found],
            )?;
        }
        let (set, deleted): (Vec<_>, Vec<_>) = plan.states.iter().partition(|(_, state)| state.is_some());
        if !set.is_empty() {
            let subs: Vec<&str> = set.iter().map(|((s, _), _)| *s).collect();
            let data_id: Vec<&[u8]> = set.iter().map(|((_, d), _)| *d).collect();
            let state: Vec<&[u8]> = set.iter().filter_map(|(_, st)| st.map(|(s, _)| s)).collect();
            let index: Vec<i64> = set.iter().filter_map(|(_, st)| st.map(|(_, i)| i as i64)).collect();
            tx.execute(
                "INSERT INTO accord_state (subscription, data_id, state, last_index) \
                 SELECT * FROM UNNEST($1::text[], $2::bytea[], $3::bytea[], $4::int8[]) \
                 ON CONFLICT (subscription, data_id) DO UPDATE SET state = excluded.state, last_index = excluded.last_index",
                &[&subs, &data_id, &state, &index],
            )?;
        }
        if !deleted.is_empty() {
            let subs: Vec<&str> = deleted.iter().map(|((s, _), _)| *s).collect();
            let data_id: Vec<&[u8]> = deleted.iter().map(|((_, d), _)| *d).collect();
            tx.execute(
                "DELETE FROM accord_state s USING UNNEST($1::text[], $2::bytea[]) AS d(subscription, data_id) \
                 WHERE s.subscription = d.subscription AND s.data_id = d.data_id",
                &[&subs, &data_id],
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
            sink.history("all", &[1]).unwrap(),
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
        assert!(sink.history("all", &[2]).unwrap().is_empty());
    }

    #[test]
    fn a_batch_sees_its_own_earlier_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = SqliteSink::open(dir.path().join("db").to_str().unwrap()).unwrap();
        sink.apply_batch(&[entry(0, 2, b"", b"y")], &all()).unwrap();
        let delete = Entry { op_type: "Delete".into(), ..entry(2, 1, b"a", b"") };
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
                    "SELECT state, last_index FROM accord_state WHERE subscription = 'all' AND data_id = ?1",
                    params![vec![id]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .unwrap()
        };
        assert_eq!(state(1), Some((b"b".to_vec(), 3)));
        assert_eq!(state(2), Some((b"v".to_vec(), 6)));
        let ids: Vec<u64> = sink.history("all", &[2]).unwrap().into_iter().map(|(i, _, _)| i).collect();
        assert_eq!(ids, vec![0, 5, 6], "the break (4) is not in the history");
        let breaks: i64 = sink.conn.query_row("SELECT COUNT(*) FROM accord_breaks", [], |r| r.get(0)).unwrap();
        assert_eq!(breaks, 1);
        assert_eq!(sink.read_cursor().unwrap(), 7);
    }
}
