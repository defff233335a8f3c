//! `accord-offchain --config <file.toml>`: runs the operation-log consumer until Ctrl-C or
//! SIGTERM. `accord-offchain provision --config <org.toml>`: runs an organization's
//! provisioning driver (see `accord_offchain::provision`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn main() {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
    let args: Vec<String> = std::env::args().collect();
    let (provision, path) = match args.as_slice() {
        [_, flag, path] if flag == "--config" => (false, path.clone()),
        [_, command, flag, path] if command == "provision" && flag == "--config" => (true, path.clone()),
        _ => {
            eprintln!(
                "usage: accord-offchain --config <consumer.toml>\n       accord-offchain provision --config <org.toml>"
            );
            std::process::exit(2);
        }
    };
    let stop = stop_on_signal();
    if provision {
        let config = match accord_offchain::provision::ProvisionConfig::load(&path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("Error: {e}");
                std::process::exit(1);
            }
        };
        if let Err(e) = accord_offchain::provision::run(config, stop) {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let config = match accord_offchain::Config::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    };
    match accord_offchain::run(config, stop, |_| {}) {
        Ok(p) => eprintln!(
            "stopped at index {}: {} applied, {} unmatched, {} breaks",
            p.cursor, p.applied, p.unmatched, p.breaks
        ),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
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
