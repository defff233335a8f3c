//! `accord-offchain --config <file.toml>`: runs the operation-log consumer until Ctrl-C or
//! SIGTERM; it exits with status 1 and the reason when it cannot go on (a cursor the node
//! pruned names both indices and the remedy: see the README, "When a consumer falls behind
//! the pruned range"). `accord-offchain provision --config <org.toml>`: runs an organization's
//! provisioning driver (see `accord_offchain::provision`). `accord-offchain status-reporter
//! --config <reporter.toml>` and `accord-offchain status-verifier --config <verifier.toml>`:
//! the sub-chain status workers (see `accord_offchain::status`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const USAGE: &str = "usage: accord-offchain --config <consumer.toml>
       accord-offchain provision --config <org.toml>
       accord-offchain status-reporter --config <reporter.toml>
       accord-offchain status-verifier --config <verifier.toml>";

/// Exits with `Error: <e>` when `result` is an error.
fn or_exit<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("Error: {e}");
        std::process::exit(1);
    })
}

fn main() {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
    let args: Vec<String> = std::env::args().collect();
    let (command, path) = match args.as_slice() {
        [_, flag, path] if flag == "--config" => ("consume", path.clone()),
        [_, command, flag, path]
            if flag == "--config"
                && ["provision", "status-reporter", "status-verifier"].contains(&command.as_str()) =>
        {
            (command.as_str(), path.clone())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let stop = stop_on_signal();
    match command {
        "provision" => {
            let config = or_exit(accord_offchain::provision::ProvisionConfig::load(&path));
            or_exit(accord_offchain::provision::run(config, stop));
        }
        "status-reporter" => {
            let config = or_exit(accord_offchain::status::StatusConfig::load(&path));
            or_exit(accord_offchain::status::reporter::run(config, stop));
        }
        "status-verifier" => {
            let config = or_exit(accord_offchain::status::StatusConfig::load(&path));
            or_exit(accord_offchain::status::verifier::run(config, stop));
        }
        _ => {
            let config = or_exit(accord_offchain::Config::load(&path));
            let p = or_exit(accord_offchain::run(config, stop, |_| {}));
            eprintln!(
                "stopped at index {}: {} applied, {} unmatched, {} breaks",
                p.cursor, p.applied, p.unmatched, p.breaks
            );
        }
    }
}

/// A flag set on Ctrl-C or SIGTERM.
fn stop_on_signal() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let handler_stop = stop.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("signal runtime");
        runtime.block_on(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
        });
        handler_stop.store(true, Ordering::SeqCst);
    });
    stop
}
