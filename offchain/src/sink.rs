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
        let mut statements = SqliteTx { tx, path: path.clone() };
        let outcome = apply_entries(&mut statements, entries, subs)?;
        statements.tx.commit().map_err(err)?;
        Ok(outcome)
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
        let mut statements = PgTx { tx, url: url.clone() };
        let outcome = apply_entries(&mut statements, entries, subs)?;
        statements.tx.commit().map_err(err)?;
        Ok(outcome)
    }
}

/// The statements applying entries takes, inside a sink's open transaction.
trait Statements {
    /// The stored state of `data_id` in `sub`.
    fn stored_state(&mut self, sub: &str, data_id: &[u8]) -> Result<Option<Vec<u8>>, SinkError>;
    /// Records that `e` does not continue the stored state `expected`.
    fn record_break(&mut self, sub: &str, e: &Entry, expected: &[u8]) -> Result<(), SinkError>;
    /// Appends `e` to the history of `sub`.
    fn insert_history(&mut self, sub: &str, e: &Entry) -> Result<(), SinkError>;
    /// Sets (or, for a delete, removes) the current state of `e`'s data id.
    fn write_state(&mut self, sub: &str, e: &Entry) -> Result<(), SinkError>;
    /// Moves the cursor.
    fn set_cursor(&mut self, next_index: u64) -> Result<(), SinkError>;
}

/// Applies `entries` to every matching subscription and moves the cursor past them: the one
/// logic both sinks share.
fn apply_entries(
    tx: &mut impl Statements,
    entries: &[Entry],
    subs: &[Subscription],
) -> Result<BatchOutcome, SinkError> {
    let mut outcome = BatchOutcome::default();
    for e in entries {
        let matched: Vec<&Subscription> = subs.iter().filter(|s| s.matches(e)).collect();
        if matched.is_empty() {
            outcome.unmatched += 1;
        } else {
            outcome.applied += 1;
        }
        for sub in matched {
            if let Some(stored) = tx.stored_state(&sub.name, &e.data_id)?.filter(|s| *s != e.source_state) {
                tx.record_break(&sub.name, e, &stored)?;
                outcome.breaks += 1;
                continue;
            }
            tx.insert_history(&sub.name, e)?;
            tx.write_state(&sub.name, e)?;
        }
    }
    if let Some(last) = entries.last() {
        tx.set_cursor(last.index + 1)?;
    }
    Ok(outcome)
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
    path: String,
}

impl SqliteTx<'_> {
    fn err(&self, source: rusqlite::Error) -> SinkError {
        SinkError::Sql { path: self.path.clone(), source }
    }
}

impl Statements for SqliteTx<'_> {
    fn stored_state(&mut self, sub: &str, data_id: &[u8]) -> Result<Option<Vec<u8>>, SinkError> {
        self.tx
            .query_row(
                "SELECT state FROM accord_state WHERE subscription = ?1 AND data_id = ?2",
                params![sub, data_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn record_break(&mut self, sub: &str, e: &Entry, expected: &[u8]) -> Result<(), SinkError> {
        self.tx
            .execute(
                "INSERT INTO accord_breaks (subscription, log_index, data_id, expected, found) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sub, e.index as i64, e.data_id, expected, e.source_state],
            )
            .map(|_| ())
            .map_err(|err| self.err(err))
    }

    fn insert_history(&mut self, sub: &str, e: &Entry) -> Result<(), SinkError> {
        self.tx
            .execute(
                "INSERT INTO accord_history (subscription, log_index, block, extrinsic_index, operator, data_id, \
                 source_state, result_state, op_type, timestamp_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
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
                ],
            )
            .map(|_| ())
            .map_err(|err| self.err(err))
    }

    fn write_state(&mut self, sub: &str, e: &Entry) -> Result<(), SinkError> {
        let result = if e.op_type == "Delete" {
            self.tx
                .execute("DELETE FROM accord_state WHERE subscription = ?1 AND data_id = ?2", params![sub, e.data_id])
        } else {
            self.tx.execute(
                "INSERT INTO accord_state (subscription, data_id, state, last_index) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (subscription, data_id) DO UPDATE SET state = excluded.state, last_index = excluded.last_index",
                params![sub, e.data_id, e.result_state, e.index as i64],
            )
        };
        result.map(|_| ()).map_err(|err| self.err(err))
    }

    fn set_cursor(&mut self, next_index: u64) -> Result<(), SinkError> {
        self.tx
            .execute("UPDATE accord_cursor SET next_index = ?1 WHERE id = 0", params![next_index as i64])
            .map(|_| ())
            .map_err(|err| self.err(err))
    }
}

struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    url: String,
}

impl PgTx<'_> {
    fn err(&self, source: postgres::Error) -> SinkError {
        SinkError::Postgres { url: self.url.clone(), source }
    }
}

impl Statements for PgTx<'_> {
    fn stored_state(&mut self, sub: &str, data_id: &[u8]) -> Result<Option<Vec<u8>>, SinkError> {
        let row = self
            .tx
            .query_opt("SELECT state FROM accord_state WHERE subscription = $1 AND data_id = $2", &[&sub, &data_id]);
        row.map(|r| r.map(|r| r.get::<_, Vec<u8>>(0))).map_err(|e| self.err(e))
    }

    fn record_break(&mut self, sub: &str, e: &Entry, expected: &[u8]) -> Result<(), SinkError> {
        self.tx
            .execute(
                "INSERT INTO accord_breaks (subscription, log_index, data_id, expected, found) VALUES ($1, $2, $3, $4, $5)",
                &[&sub, &(e.index as i64), &e.data_id, &expected, &e.source_state],
            )
            .map(|_| ())
            .map_err(|err| self.err(err))
    }

    fn insert_history(&mut self, sub: &str, e: &Entry) -> Result<(), SinkError> {
        self.tx
            .execute(
                "INSERT INTO accord_history (subscription, log_index, block, extrinsic_index, operator, data_id, \
                 source_state, result_state, op_type, timestamp_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &sub,
                    &(e.index as i64),
                    &(e.block as i64),
                    &(e.extrinsic_index as i64),
                    &e.operator,
                    &e.data_id,
                    &e.source_state,
                    &e.result_state,
                    &e.op_type,
                    &(e.timestamp_ms as i64),
                ],
            )
            .map(|_| ())
            .map_err(|err| self.err(err))
    }

    fn write_state(&mut self, sub: &str, e: &Entry) -> Result<(), SinkError> {
        let result = if e.op_type == "Delete" {
            self.tx.execute("DELETE FROM accord_state WHERE subscription = $1 AND data_id = $2", &[&sub, &e.data_id])
        } else {
            self.tx.execute(
                "INSERT INTO accord_state (subscription, data_id, state, last_index) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (subscription, data_id) DO UPDATE SET state = excluded.state, last_index = excluded.last_index",
                &[&sub, &e.data_id, &e.result_state, &(e.index as i64)],
            )
        };
        result.map(|_| ()).map_err(|err| self.err(err))
    }

    fn set_cursor(&mut self, next_index: u64) -> Result<(), SinkError> {
        self.tx
            .execute("UPDATE accord_cursor SET next_index = $1 WHERE id = 0", &[&(next_index as i64)])
            .map(|_| ())
            .map_err(|err| self.err(err))
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
}
