//! The consumer against real processes: a real node, real consumer processes, real SQLite
//! files and a real PostgreSQL server. The node binary comes from `ACCORD_NODE_BIN` or the
//! release build in the target folder (`./scripts/test` builds it first).

mod provision;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use accord_primitives::Pair;

use support::{genesis, rpc, rpc_response, sign, sign_call, start_consumer, start_node, wait_for, Postgres, UNIT};

fn write_config(dir: &Path, name: &str, url: &str, subscription: &str, queue: usize, batch: u32) -> PathBuf {
    let db = dir.join(format!("{name}.db"));
    let text = format!(
        "node_url = \"{url}\"\nmode = \"subscribe\"\nqueue_capacity = {queue}\nbatch_size = {batch}\ndatabase = \"sqlite://{}\"\n{subscription}\n",
        db.display()
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// The seed's worked example (C=500, D=100, two transfers) followed by two business systems;
/// before it, Eve forges a `Records` record whose id is D's account and whose state chains
/// from D's balance (the review's attack). Entries are keyed by (origin, data id), so D's
/// balance rows keep exactly the two real updates, with no continuity break.
#[test]
fn two_business_systems_follow_the_worked_example() {
    let dir = tempfile::tempdir().unwrap();
    let ss58 = |n: &str| Pair::dev(n).account().to_ss58(42);
    let spec = json!({
        "name": "Oplog Example", "id": "oplog_example", "chainType": "Local",
        "properties": {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "ACD"},
        "genesis": {"runtimeGenesis": {"balances": [
            [ss58("Alice"), (1_000_000 * UNIT).to_string()],
            [ss58("Charlie"), (500 * UNIT).to_string()],
            [ss58("Dave"), (100 * UNIT).to_string()],
            [ss58("Eve"), (100 * UNIT).to_string()]], "openChain": true}}
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), spec_path.to_str().unwrap());
    let (c, d, eve) = (Pair::dev("Charlie"), Pair::dev("Dave"), Pair::dev("Eve"));
    let sub = format!("[[subscriptions]]\nname = \"d\"\ndata_id = \"0x{}\"", hex::encode(d.account().as_bytes()));
    let config_a = write_config(dir.path(), "a", &url, &sub, 8, 100);
    let config_b = write_config(dir.path(), "b", &url, &sub, 8, 100);
    let _a = start_consumer(&config_a);
    let _b = start_consumer(&config_b);
    let g = genesis(&url);
    forge_a_balance_record(&url, g, &eve, &d, &dir.path().join("a.db"));
    rpc(&url, "author_submitExtrinsic", json!([sign(g, &c, &d, 100 * UNIT, 0)]));
    rpc(&url, "author_submitExtrinsic", json!([sign(g, &c, &d, 50 * UNIT, 1)]));
    for name in ["a", "b"] {
        let db = dir.path().join(format!("{name}.db"));
        wait_for("D's two entries", Duration::from_secs(30), || {
            accord_offchain::sink::SqliteSink::open(db.to_str().unwrap())
                .and_then(|s| s.history("d", "Balances", d.account().as_bytes()))
                .map_or(0, |h| h.len())
                == 2
        });
        let sink = accord_offchain::sink::SqliteSink::open(db.to_str().unwrap()).unwrap();
        let history: Vec<(u128, u128)> = sink
            .history("d", "Balances", d.account().as_bytes())
            .unwrap()
            .into_iter()
            .map(|(_, s, r)| (u128::from_le_bytes(s.try_into().unwrap()), u128::from_le_bytes(r.try_into().unwrap())))
            .collect();
        assert_eq!(history, vec![(100 * UNIT, 200 * UNIT), (200 * UNIT, 250 * UNIT)], "business system {name}");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let breaks: i64 = conn.query_row("SELECT COUNT(*) FROM accord_breaks", [], |r| r.get(0)).unwrap();
        assert_eq!(breaks, 0, "business system {name}: the forged record broke no continuity");
        let balance: Vec<u8> = conn
            .query_row(
                "SELECT state FROM accord_state WHERE subscription = 'd' AND origin = 'Balances' AND data_id = ?1",
                [d.account().as_bytes().to_vec()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(u128::from_le_bytes(balance.try_into().unwrap()), 250 * UNIT, "business system {name}");
    }
}

/// Eve creates a record with D's account bytes as its id and D's balance as its state, then
/// "updates" it to a million; waits until consumer `a` has both entries (as `Records` data).
fn forge_a_balance_record(url: &str, g: accord_primitives::H256, eve: &Pair, d: &Pair, db: &Path) {
    use accord_pallet_records::Call as Records;
    use accord_runtime::RuntimeCall;
    use codec::Encode;
    fn bounded<const N: u32>(b: Vec<u8>) -> accord_support::BoundedVec<u8, N> {
        accord_support::BoundedVec::try_from_vec(b).unwrap()
    }
    let id = bounded(d.account().as_bytes().to_vec());
    let calls = [
        RuntimeCall::Records(Records::create {
            id: id.clone(),
            state: bounded((100 * UNIT).encode()),
            payload_hash: Default::default(),
        }),
        RuntimeCall::Records(Records::update_state { id, state: bounded((1_000_000 * UNIT).encode()) }),
    ];
    for (nonce, call) in calls.iter().enumerate() {
        rpc(url, "author_submitExtrinsic", json!([sign_call(g, eve, call, nonce as u32)]));
    }
    wait_for("the forged record's two entries", Duration::from_secs(30), || {
        accord_offchain::sink::SqliteSink::open(db.to_str().unwrap())
            .and_then(|s| s.history("d", "Records", d.account().as_bytes()))
            .map_or(0, |h| h.len())
            == 2
    });
}

#[test]
fn a_deletion_into_the_backup_and_its_recovery_reach_the_sql_tables() {
    use accord_pallet_metering::{Call as Metering, DataTarget, DeletionMode};
    use accord_runtime::RuntimeCall;
    let dir = tempfile::tempdir().unwrap();
    let alice = Pair::dev("Alice");
    let spec = json!({
        "name": "Deletion", "id": "deletion", "chainType": "Local",
        "properties": {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "VR"},
        "genesis": {"runtimeGenesis": {"balances": [[alice.account().to_ss58(42), (1_000_000 * UNIT).to_string()]],
            "openChain": true}}
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), spec_path.to_str().unwrap());
    let sub = format!("[[subscriptions]]\nname = \"docs\"\ndata_id = \"0x{}\"", hex::encode(b"doc-1"));
    let config = write_config(dir.path(), "docs", &url, &sub, 8, 100);
    let _consumer = start_consumer(&config);
    let key = accord_support::BoundedVec::try_from_vec(b"doc-1".to_vec()).unwrap();
    let calls = [
        RuntimeCall::Records(accord_pallet_records::Call::create {
            id: key.clone(),
            state: accord_support::BoundedVec::try_from_vec(b"signed".to_vec()).unwrap(),
            payload_hash: Default::default(),
        }),
        RuntimeCall::Metering(Metering::delete_data {
            target: DataTarget::Records,
            key: key.clone(),
            mode: DeletionMode::Backup,
            backup_days: Some(7),
            payer: None,
        }),
        RuntimeCall::Metering(Metering::recover_data { target: DataTarget::Records, key }),
    ];
    let g = genesis(&url);
    for (nonce, call) in calls.iter().enumerate() {
        // A refusal names itself here rather than as a timeout below.
        let response = rpc_response(&url, "author_submitExtrinsic", json!([sign_call(g, &alice, call, nonce as u32)]));
        assert!(response.get("error").is_none(), "submission {nonce} refused: {response}");
    }
    let db = dir.path().join("docs.db");
    wait_for("the record's three entries", Duration::from_secs(60), || {
        accord_offchain::sink::SqliteSink::open(db.to_str().unwrap())
            .and_then(|s| s.history("docs", "Records", b"doc-1"))
            .map_or(0, |h| h.len())
            == 3
    });
    let sink = accord_offchain::sink::SqliteSink::open(db.to_str().unwrap()).unwrap();
    let history: Vec<(Vec<u8>, Vec<u8>)> =
        sink.history("docs", "Records", b"doc-1").unwrap().into_iter().map(|(_, s, r)| (s, r)).collect();
    assert_eq!(
        history,
        vec![
            (b"".to_vec(), b"signed".to_vec()),
            (accord_primitives::hashing::blake2_256(b"signed").to_vec(), b"".to_vec()),
            (b"".to_vec(), b"signed".to_vec())
        ],
        "created, deleted into the backup (the entry names the deleted state's hash), recovered"
    );
    let conn = rusqlite_state(&db);
    assert_eq!(conn, Some(b"signed".to_vec()), "the current-state table has the record again");
}

/// The `accord_state` row of `doc-1` in the `docs` subscription.
fn rusqlite_state(db: &Path) -> Option<Vec<u8>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT state FROM accord_state WHERE subscription = 'docs' AND data_id = ?1",
        [b"doc-1".to_vec()],
        |row| row.get(0),
    )
    .ok()
}

/// Reads what a consumer wrote, from either database.
enum DbView {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbView {
    fn query_u64s(&self, sql: &str) -> Vec<u64> {
        match self {
            DbView::Sqlite(path) => {
                let Ok(conn) = rusqlite::Connection::open(path) else { return vec![] };
                let Ok(mut stmt) = conn.prepare(sql) else { return vec![] };
                stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap().map(|r| r.unwrap() as u64).collect()
            }
            DbView::Postgres(url) => {
                let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) else { return vec![] };
                client
                    .query(sql, &[])
                    .map(|rows| rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
                    .unwrap_or_default()
            }
        }
    }

    fn cursor(&self) -> u64 {
        self.query_u64s("SELECT next_index FROM accord_cursor WHERE id = 0").first().copied().unwrap_or(0)
    }

    fn result_state(&self, index: u64) -> String {
        let sql = format!("SELECT result_state FROM accord_history WHERE subscription = 'all' AND log_index = {index}");
        let bytes: Vec<u8> = match self {
            DbView::Sqlite(path) => {
                rusqlite::Connection::open(path).unwrap().query_row(&sql, [], |r| r.get(0)).unwrap()
            }
            DbView::Postgres(url) => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().query_one(&sql, &[]).unwrap().get(0)
            }
        };
        format!("0x{}", hex::encode(bytes))
    }
}

/// Produces about 2100 entries while a consumer writing into `database` is killed with
/// SIGKILL eight times; afterwards the database holds every entry exactly once.
fn exactly_once(database: &str, view: DbView) {
    let seed: u64 =
        std::env::var("ACCORD_CONSUMER_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("consumer crash seed {seed} (ACCORD_CONSUMER_SEED reproduces)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), "dev");
    let config = dir.path().join("x.toml");
    std::fs::write(
        &config,
        format!("node_url = \"{url}\"\nmode = \"subscribe\"\nqueue_capacity = 4\nbatch_size = 50\ndatabase = \"{database}\"\n[[subscriptions]]\nname = \"all\"\n"),
    )
    .unwrap();
    let g = genesis(&url);
    // 700 transfers, each logging the fee and both balances.
    let senders: Vec<Pair> =
        ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"].iter().map(|n| Pair::dev(n)).collect();
    let to = Pair::dev("Receiver");
    let load = {
        let url = url.clone();
        std::thread::spawn(move || {
            for i in 0..700u32 {
                let who = &senders[(i % 6) as usize];
                rpc(&url, "author_submitExtrinsic", json!([sign(g, who, &to, UNIT, i / 6)]));
            }
        })
    };
    let mut consumer = start_consumer(&config);
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..600)));
        drop(consumer);
        consumer = start_consumer(&config);
    }
    load.join().unwrap();
    wait_for("all transfers final", Duration::from_secs(60), || {
        rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap() >= 2100
    });
    let head = rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap();
    wait_for("the consumer to catch up", Duration::from_secs(60), || view.cursor() >= head);
    drop(consumer);
    let indices = view.query_u64s("SELECT log_index FROM accord_history WHERE subscription = 'all' ORDER BY log_index");
    assert_eq!(indices, (0..head).collect::<Vec<_>>(), "every entry exactly once, in order");
    assert_eq!(view.query_u64s("SELECT COUNT(*) FROM accord_breaks"), vec![0], "the chain's states are continuous");
    for from in [0u64, head / 2, head - 10] {
        let chain = rpc(&url, "oplog_getLogs", json!([from, 10]));
        for e in chain.as_array().unwrap() {
            assert_eq!(view.result_state(e["index"].as_u64().unwrap()), e["resultState"].as_str().unwrap());
        }
    }
}

#[test]
fn exactly_once_into_sqlite_through_repeated_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    exactly_once(&format!("sqlite://{}", db.display()), DbView::Sqlite(db));
}

#[test]
fn exactly_once_into_postgresql_through_repeated_kill_9() {
    let pg = Postgres::start();
    let url = pg.create_database("business");
    exactly_once(&url, DbView::Postgres(url.clone()));
}

#[test]
fn bad_configs_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "node_url = \"ftp://x\"\ndatabase = \"sqlite://x\"\n[[subscriptions]]\nname = \"a\"")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_accord-offchain")).arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("node_url"));
    let out = Command::new(env!("CARGO_BIN_EXE_accord-offchain")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // An unreachable node: the consumer gives up with an error naming it.
    let config = write_config(dir.path(), "u", "http://127.0.0.1:9", "[[subscriptions]]\nname = \"a\"", 4, 10);
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_accord-offchain")).arg("--config").arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.1:9"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn the_consumer_registers_and_acknowledges_on_chain_so_entries_are_pruned() {
    use codec::Decode;
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), "dev");
    let db = dir.path().join("acked.db");
    let config = dir.path().join("acked.toml");
    std::fs::write(
        &config,
        format!(
            "node_url = \"{url}\"\nmode = \"subscribe\"\ndatabase = \"sqlite://{}\"\n\
             [consumer]\nname = \"business-a\"\nsigning_key = \"//Alice\"\nack_interval_ms = 300\n\
             [[subscriptions]]\nname = \"all\"\n",
            db.display()
        ),
    )
    .unwrap();
    let _consumer = start_consumer(&config);
    let g = genesis(&url);
    let (bob, charlie) = (Pair::dev("Bob"), Pair::dev("Charlie"));
    for nonce in 0..5 {
        rpc(&url, "author_submitExtrinsic", json!([sign(g, &bob, &charlie, UNIT, nonce)]));
    }
    let name: accord_pallet_oplog::ConsumerName =
        accord_support::BoundedVec::try_from_vec(b"business-a".to_vec()).unwrap();
    let key = format!("0x{}", hex::encode(accord_pallet_oplog::CONSUMERS.key(&name)));
    let view = DbView::Sqlite(db);
    wait_for("an acknowledgement of what was processed, and pruning", Duration::from_secs(60), || {
        let stored = rpc(&url, "state_getStorage", json!([key]));
        let Some(hex_value) = stored.as_str() else { return false };
        let consumer = accord_pallet_oplog::Consumer::decode(&mut &hex::decode(&hex_value[2..]).unwrap()[..]).unwrap();
        let lowest = rpc(&url, "oplog_head", json!([]))["lowestRetained"].as_u64().unwrap();
        consumer.owner == Pair::dev("Alice").account()
            && consumer.acknowledged >= 15
            && consumer.acknowledged <= view.cursor()
            && lowest >= 15
    });
}

/// A sink that takes its time: the queue fills and the gateway must wait.
struct SlowSink(accord_offchain::sink::SqliteSink);

impl accord_offchain::sink::Sink for SlowSink {
    fn cursor(&mut self) -> Result<u64, accord_offchain::sink::SinkError> {
        self.0.cursor()
    }

    fn apply_batch(
        &mut self,
        entries: &[accord_offchain::entry::Entry],
        subs: &[accord_offchain::entry::Subscription],
    ) -> Result<accord_offchain::sink::BatchOutcome, accord_offchain::sink::SinkError> {
        std::thread::sleep(Duration::from_millis(20));
        self.0.apply_batch(entries, subs)
    }
}

#[test]
fn a_slow_sink_and_a_tiny_queue_lose_nothing_and_stay_bounded() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let (_node, url) = start_node(&dir.path().join("node"), "dev");
    let g = genesis(&url);
    let senders: Vec<Pair> = ["Alice", "Bob", "Charlie"].iter().map(|n| Pair::dev(n)).collect();
    let to = Pair::dev("Receiver");
    for i in 0..150u32 {
        rpc(&url, "author_submitExtrinsic", json!([sign(g, &senders[(i % 3) as usize], &to, UNIT, i / 3)]));
    }
    wait_for("450 entries final", Duration::from_secs(60), || {
        rpc(&url, "oplog_head", json!([]))["nextIndex"].as_u64().unwrap() >= 450
    });
    let db = dir.path().join("slow.db");
    let capacity = 3u64;
    let config = accord_offchain::Config::parse(&format!(
        "node_url = \"{url}\"\nmode = \"poll\"\npoll_interval_ms = 100\nqueue_capacity = {capacity}\nbatch_size = 5\ndatabase = \"sqlite://{}\"\n[[subscriptions]]\nname = \"all\"\n",
        db.display()
    ))
    .unwrap();
    let sink = Box::new(SlowSink(accord_offchain::sink::SqliteSink::open(db.to_str().unwrap()).unwrap()));
    let stop = Arc::new(AtomicBool::new(false));
    let inner_stop = stop.clone();
    let progress = accord_offchain::run_with_sink(config, sink, stop, move |p| {
        if p.cursor >= 450 {
            inner_stop.store(true, Ordering::SeqCst);
        }
    })
    .unwrap();
    assert!(progress.cursor >= 450);
    // The count is an upper bound of the real depth: the gateway counts an entry just before
    // it blocks on the full queue (+1), and the dispatcher uncounts one just after taking it
    // (+1). An unbounded queue would reach hundreds here.
    assert!(progress.queue_depth_max <= capacity + 2, "queue depth {} over its bound", progress.queue_depth_max);
    assert!(progress.queue_depth_max >= capacity, "the slow sink should have filled the queue");
    let view = DbView::Sqlite(db);
    let indices = view.query_u64s("SELECT log_index FROM accord_history WHERE subscription = 'all' ORDER BY log_index");
    assert_eq!(indices, (0..progress.cursor).collect::<Vec<_>>());
}
