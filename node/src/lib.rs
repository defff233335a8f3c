//! # accord-node
//!
//! The node: command line, chain specs, RocksDB storage with the state trie and history,
//! the transaction pool, block authoring, and the wiring of the RPC server. The only crate
//! that owns I/O.
//!
//! ```text
//!             RPC (accord-rpc) ──NodeApi──▶ service::Api
//!                                             │ submit        │ reads, state_call
//!                                             ▼               ▼
//!   authoring loop ──build/import/finalize──▶ Client ──▶ Backend (RocksDB: blocks, flat
//!        ▲   │                                  │          state, history, trie)
//!        │   └── ready transactions ◀── Pool ◀──┘ validation (runtime)
//! ```

pub mod authoring;
pub mod backend;
pub mod bft;
pub mod cache;
pub mod chain_spec;
pub mod cli;
pub mod client;
pub mod db;
pub mod eth_index;
pub mod keys;
pub mod metrics;
pub mod pool;
pub mod service;
pub mod verify;

use clap::Parser;

use crate::cli::{Cli, Command, KeyCommand};

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("Error: {message}");
            1
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}

fn dispatch(cli: Cli) -> Result<(), String> {
    match &cli.command {
        Some(Command::Key(KeyCommand::Generate { scheme, words, network })) => {
            println!("{}", keys::generate(*words, *scheme, *network)?);
            Ok(())
        }
        Some(Command::Key(KeyCommand::Inspect { uri, scheme, network })) => {
            println!("{}", keys::inspect(uri, *scheme, *network)?);
            Ok(())
        }
        Some(Command::Key(KeyCommand::GenerateNodeKey { file })) => generate_node_key(file.as_deref()),
        Some(Command::Key(KeyCommand::InspectNodeKey { key })) => {
            println!("{}", keys::node_public_text(&keys::node_key_from(key)?));
            Ok(())
        }
        Some(Command::VerifyCertificate { certificate, block, validators }) => {
            verify_certificate(&cli, certificate, block.as_deref(), validators)
        }
        Some(Command::BuildSpec { raw, funded_accounts, funded_balance, validators, epoch_length, open }) => {
            let mut spec = cli.spec()?;
            if *open {
                spec.set_open(true).map_err(|e| e.to_string())?;
            }
            if let Some(count) = funded_accounts {
                spec.fund_accounts(*count, *funded_balance).map_err(|e| e.to_string())?;
            }
            if let Some(count) = validators {
                spec.set_dev_validators(*count).map_err(|e| e.to_string())?;
            }
            if let Some(length) = epoch_length {
                spec.set_epoch_length(*length).map_err(|e| e.to_string())?;
            }
            println!("{}", spec.to_json(*raw).map_err(|e| e.to_string())?);
            Ok(())
        }
        Some(Command::PurgeChain { yes }) => purge_chain(&cli, *yes),
        Some(Command::VerifyState) => verify_state(&cli),
        None => run_node(cli),
    }
}

fn generate_node_key(file: Option<&std::path::Path>) -> Result<(), String> {
    let seed = keys::random_node_key();
    let public = keys::node_public_text(&seed);
    match file {
        Some(path) => {
            keys::write_node_key(path, &seed)?;
            println!("{public}");
        }
        None => {
            print!("{}", keys::node_key_text(&seed));
            eprintln!("{public}");
        }
    }
    Ok(())
}

fn verify_certificate(cli: &Cli, certificate: &str, block: Option<&str>, validators: &[String]) -> Result<(), String> {
    let spec = cli.spec()?;
    let consensus = spec.consensus.as_ref().ok_or("the chain has no consensus section, so no certificates")?;
    let bytes = hex::decode(certificate.trim().trim_start_matches("0x")).map_err(|e| format!("certificate: {e}"))?;
    let block = block
        .map(|b| accord_primitives::H256::from_hex(b).map_err(|_| format!("--block {b:?} is not a 32-byte hex hash")))
        .transpose()?;
    let (_, genesis) = spec.genesis_state().map_err(|e| e.to_string())?;
    let given = !validators.is_empty();
    let keys = if given {
        validators
            .iter()
            .map(|v| {
                let bytes =
                    hex::decode(v.trim().trim_start_matches("0x")).map_err(|e| format!("--validators {v:?}: {e}"))?;
                <[u8; 32]>::try_from(bytes).map_err(|_| format!("--validators {v:?} is not a 32-byte key"))
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        consensus.validators.clone()
    };
    let validators = keys
        .iter()
        .map(|v| accord_consensus::PublicKey::try_from(&v[..]).map_err(|e| format!("validator key: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let certified = accord_consensus::verify_certificate(
        &bytes,
        &consensus_namespace(genesis.hash(), consensus.epoch_length, &consensus.validators),
        &validators,
        block,
    )
    .map_err(|e| {
        if given {
            e.to_string()
        } else {
            format!("{e} (checked against the genesis set: for a later epoch pass --validators, see accord_validators)")
        }
    })?;
    if !given && certified.epoch != 0 {
        // The genesis set only validates epoch 0: a quorum of retired keys must not pass.
        return Err(format!(
            "the certificate is of epoch {}: pass that epoch's set with --validators (accord_validators {})",
            certified.epoch, certified.epoch
        ));
    }
    println!(
        "valid: finalizes block {:?} (epoch {}, view {}), signed by {} of {} validators",
        certified.block,
        certified.epoch,
        certified.view,
        certified.signers,
        validators.len()
    );
    Ok(())
}

/// The namespace of a chain's consensus signatures and p2p connections: `"accord:"`, the
/// genesis hash, then `blake2_256(SCALE(epoch length as u64, epoch-0 validators))`. Nodes
/// that disagree on where epochs end, or on who validates first, neither connect nor accept
/// each other's certificates.
pub fn consensus_namespace(genesis: accord_primitives::H256, epoch_length: u64, validators: &[[u8; 32]]) -> Vec<u8> {
    let mut namespace = b"accord:".to_vec();
    namespace.extend_from_slice(&genesis.0);
    let rules = codec::Encode::encode(&(epoch_length, validators));
    namespace.extend_from_slice(&accord_primitives::hashing::blake2_256(&rules));
    namespace
}

fn purge_chain(cli: &Cli, yes: bool) -> Result<(), String> {
    let spec = cli.spec()?;
    let db = cli.base_path().join("chains").join(&spec.id).join("db");
    if !db.exists() {
        println!("{} does not exist; nothing to purge", db.display());
        return Ok(());
    }
    if !yes {
        use std::io::BufRead;
        eprint!("Are you sure to remove {:?}? [y/N]: ", db);
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).map_err(|e| e.to_string())?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Aborted");
            return Ok(());
        }
    }
    std::fs::remove_dir_all(&db).map_err(|e| format!("cannot remove {}: {e}", db.display()))?;
    println!("{:?} removed.", db);
    Ok(())
}

fn verify_state(cli: &Cli) -> Result<(), String> {
    let spec = cli.spec()?;
    let config = cli.node_config(spec, &cli.base_path())?;
    let client = service::open_client(&config, Default::default()).map_err(|e| e.to_string())?;
    let check = client.backend().verify_state().map_err(|e| e.to_string())?;
    println!(
        "best #{} {:?}: {} keys, header root {:?}, flat-state root {:?}, trie root {:?}",
        check.best.number, check.best.hash, check.keys, check.header_root, check.flat_root, check.trie_root
    );
    if !check.is_consistent() {
        return Err("state roots disagree".into());
    }
    println!("state is consistent");
    Ok(())
}

fn run_node(cli: Cli) -> Result<(), String> {
    init_logging();
    // The pallets' own checks of their constants and the runtime's assembly: a binary that
    // fails them must not produce or import a block.
    accord_runtime::integrity_check().map_err(|e| format!("the runtime fails its integrity check: {e}"))?;
    let spec = cli.spec()?;
    let tmp = if cli.uses_tmp() {
        Some(
            tempfile::Builder::new()
                .prefix("accord-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary folder: {e}"))?,
        )
    } else {
        None
    };
    let base = tmp.as_ref().map(|t| t.path().to_path_buf()).unwrap_or_else(|| cli.base_path());
    let config = cli.node_config(spec, &base)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("accord-worker")
        // Blocking work (none of the RPC methods is blocking; libraries may use it) is bounded.
        .max_blocking_threads(BLOCKING_THREADS_MAX)
        // Serving requests yields to block production when the cores are busy (the
        // authoring and committer threads are started from the main thread and keep the
        // default priority).
        .on_thread_start(|| lower_thread_priority(SERVING_NICE))
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(service::run(config, shutdown_signal())).map_err(|e| e.to_string())
}

/// Threads for blocking work on the async runtime.
const BLOCKING_THREADS_MAX: usize = 64;

/// How much lower than block production the threads serving RPC requests and verifying
/// submissions run (a nice increment: 5 gives block production about three times their
/// share of a busy core). Under overload the node then still makes full blocks on time, and
/// submissions slow down instead: accepting more than blocks can carry only grows the pool.
pub const SERVING_NICE: i32 = 5;

/// Raises the calling thread's nice value by `increment` (lowers its priority). Any user
/// may do this; failures are ignored (the thread keeps its priority).
pub fn lower_thread_priority(increment: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and getpriority/setpriority take no pointers; on Linux the
    // PRIO_PROCESS target `tid` names the calling thread alone.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        *libc::__errno_location() = 0;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid);
        if *libc::__errno_location() == 0 {
            libc::setpriority(libc::PRIO_PROCESS, tid, (current + increment).min(19));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = increment;
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
