//! The node under load: a chain spec with funded accounts, the node process on a temporary
//! base path, and a sampler of its resident memory and CPU time from `/proc`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Args;

/// A node started by the bench; killed when dropped.
pub(crate) struct NodeProcess {
    child: Child,
    /// Its WebSocket URL.
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

fn node_binary(args: &Args) -> Result<PathBuf, String> {
    if let Some(path) = &args.node {
        return Ok(path.clone());
    }
    let exe = std::env::current_exe().map_err(|e| format!("locating this binary: {e}"))?;
    let sibling = exe.with_file_name("accord-node");
    if sibling.exists() {
        Ok(sibling)
    } else {
        Err(format!("no accord-node next to {} (build it, or pass --node)", exe.display()))
    }
}

impl NodeProcess {
    /// Writes the chain spec (`build-spec --dev --funded-accounts N`) and starts the node.
    pub(crate) async fn start(args: &Args) -> Result<NodeProcess, String> {
        let bin = node_binary(args)?;
        let dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        let spec_path = dir.path().join("spec.json");
        let started = Instant::now();
        let spec = Command::new(&bin)
            .args(["build-spec", "--dev", "--funded-accounts", &args.accounts.to_string()])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("running {} build-spec: {e}", bin.display()))?;
        if !spec.status.success() {
            return Err(format!("{} build-spec failed: {}", bin.display(), spec.status));
        }
        std::fs::write(&spec_path, &spec.stdout).map_err(|e| format!("writing the chain spec: {e}"))?;
        let mut command = Command::new(&bin);
        command
            .arg("--chain")
            .arg(&spec_path)
            .arg("--base-path")
            .arg(dir.path().join("node"))
            .args(["--rpc-port", "0", "--block-time-ms", &args.block_time_ms.to_string()])
            .args(["--rpc-max-connections", "1000"])
            .args(&args.node_args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        let verbose = std::env::var_os("ACCORD_BENCH_NODE_LOG").is_some();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("Running JSON-RPC server: addr=").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
                if verbose {
                    eprintln!("node: {line}");
                }
            }
        });
        // A million accounts take a while to derive and write at genesis.
        let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(600)))
            .await
            .map_err(|e| e.to_string())?;
        let mut node = NodeProcess { child, url: String::new(), _dir: dir };
        match addr {
            Ok(addr) => node.url = format!("ws://{addr}"),
            Err(_) => {
                let status = node.child.try_wait().ok().flatten();
                return Err(format!("the node did not start its RPC server (exit status {status:?})"));
            }
        }
        println!(
            "node: {} funded accounts, {} ms blocks, RPC at {} (spec + start: {:.1} s)",
            args.accounts,
            args.block_time_ms,
            node.url,
            started.elapsed().as_secs_f64()
        );
        Ok(node)
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the sampler saw.
#[derive(Clone, Debug, Default)]
pub(crate) struct Usage {
    /// Highest resident set size sampled during the load, bytes.
    pub(crate) peak_rss_during_load: u64,
    /// The kernel's high-water mark of the process's RSS (since it started), bytes.
    pub(crate) peak_rss_lifetime: u64,
    /// CPU seconds (user + system) the node used while sampled.
    pub(crate) cpu_seconds: f64,
    /// Wall seconds sampled.
    pub(crate) wall_seconds: f64,
}

impl Usage {
    /// Prints the figures.
    pub(crate) fn print(&self) {
        println!(
            "node: peak RSS {:.0} MiB during the load ({:.0} MiB since start), CPU {:.1} s in {:.1} s ({:.2} cores)",
            self.peak_rss_during_load as f64 / 1048576.0,
            self.peak_rss_lifetime as f64 / 1048576.0,
            self.cpu_seconds,
            self.wall_seconds,
            self.cpu_seconds / self.wall_seconds.max(1e-9)
        );
    }

    /// The JSON form.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "peak_rss_during_load_mib": self.peak_rss_during_load / 1048576,
            "peak_rss_lifetime_mib": self.peak_rss_lifetime / 1048576,
            "cpu_seconds": self.cpu_seconds,
            "wall_seconds": self.wall_seconds,
        })
    }
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 100 per second on Linux.
    Some((utime + stime) / 100.0)
}

/// Samples a process's RSS every 100 ms on its own thread.
pub(crate) struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Usage>,
}

impl Sampler {
    /// Starts sampling `pid`.
    pub(crate) fn start(pid: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let cpu_start = cpu_seconds(pid).unwrap_or(0.0);
            let mut usage = Usage::default();
            while !flag.load(Ordering::Relaxed) {
                if let Some(kib) = status_kib(pid, "VmRSS:") {
                    usage.peak_rss_during_load = usage.peak_rss_during_load.max(kib * 1024);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            usage.peak_rss_lifetime = status_kib(pid, "VmHWM:").unwrap_or(0) * 1024;
            usage.cpu_seconds = cpu_seconds(pid).unwrap_or(cpu_start) - cpu_start;
            usage.wall_seconds = started.elapsed().as_secs_f64();
            usage
        });
        Sampler { stop, thread }
    }

    /// Stops and returns what was seen.
    pub(crate) fn stop(self) -> Usage {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}
