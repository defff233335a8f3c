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

/// A node started by the bench (or a BFT network of validators); killed when dropped.
pub(crate) struct NodeProcess {
    child: Child,
    /// Its WebSocket URL.
    pub(crate) url: String,
    _dir: tempfile::TempDir,
    /// The other validators of a BFT network, and every validator's metrics port.
    others: Vec<Child>,
    metrics_ports: Vec<u16>,
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
    /// Writes the chain spec (`build-spec --open --dev --funded-accounts N`, or with `--validators`
    /// `build-spec --open --chain local --validators V --funded-accounts N`) and starts the node (or
    /// the validators).
    pub(crate) async fn start(args: &Args) -> Result<NodeProcess, String> {
        let bin = node_binary(args)?;
        let dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        let spec_path = dir.path().join("spec.json");
        let started = Instant::now();
        let mut spec_args =
            vec!["build-spec".to_string(), "--open".into(), "--funded-accounts".into(), args.accounts.to_string()];
        match args.validators {
            Some(n) => spec_args.extend(["--chain".into(), "local".into(), "--validators".into(), n.to_string()]),
            None => spec_args.push("--dev".into()),
        }
        let spec = Command::new(&bin)
            .args(&spec_args)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("running {} build-spec: {e}", bin.display()))?;
        if !spec.status.success() {
            return Err(format!("{} build-spec failed: {}", bin.display(), spec.status));
        }
        std::fs::write(&spec_path, &spec.stdout).map_err(|e| format!("writing the chain spec: {e}"))?;
        let network = match args.validators {
            Some(n) => Some(Validators::new(&bin, n)?),
            None => None,
        };
        let validator_args = |i: usize| network.as_ref().map(|v| v.args(i)).unwrap_or_default();
        let spawn = |i: usize, base: &str| {
            let mut command = Command::new(&bin);
            command
                .arg("--chain")
                .arg(&spec_path)
                .arg("--base-path")
                .arg(dir.path().join(base))
                .args(["--rpc-port", "0", "--block-time-ms", &args.block_time_ms.to_string()])
                .args(["--rpc-max-connections", "1000"])
                .args(validator_args(i))
                .args(&args.node_args)
                .stdout(Stdio::null())
                .stderr(if i == 0 { Stdio::piped() } else { Stdio::null() });
            command.spawn().map_err(|e| format!("starting {}: {e}", bin.display()))
        };
        let mut others = Vec::new();
        for i in 1..args.validators.unwrap_or(1) {
            others.push(spawn(i, &format!("validator{i}"))?);
        }
        let mut child = spawn(0, "node")?;
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
        let metrics_ports = network.map(|v| v.metrics_ports).unwrap_or_default();
        let mut node = NodeProcess { child, url: String::new(), _dir: dir, others, metrics_ports };
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

    /// The process ids (every validator's for a BFT network).
    pub(crate) fn pids(&self) -> Vec<u32> {
        std::iter::once(&self.child).chain(&self.others).map(Child::id).collect()
    }

    /// Bytes sent by all validators so far (their `accord_consensus_bytes_sent_total`), and
    /// the views that timed out (the most any validator saw,
    /// `accord_consensus_nullifications_total`).
    pub(crate) fn network_counters(&self) -> (u64, u64) {
        let bytes =
            self.metrics_ports.iter().filter_map(|port| metric(*port, "accord_consensus_bytes_sent_total")).sum();
        let timeouts = self
            .metrics_ports
            .iter()
            .filter_map(|port| metric(*port, "accord_consensus_nullifications_total"))
            .max()
            .unwrap_or(0);
        (bytes, timeouts)
    }

    /// The BFT figures: CPU per validator and per transfer, network bytes per block, views
    /// that timed out.
    pub(crate) fn print_network(&self, report: &crate::load::Report, before: (u64, u64), usage: &Usage) {
        let validators = self.metrics_ports.len().max(1) as f64;
        let blocks = report.blocks.len().max(1) as f64;
        let (bytes, timeouts) = self.network_counters();
        let sent = bytes.saturating_sub(before.0) as f64;
        println!("views that timed out during the run (no block): {}", timeouts.saturating_sub(before.1));
        let per_transfer_ms = usage.cpu_seconds / validators / (report.included.max(1) as f64) * 1000.0;
        println!(
            "validators: {validators:.0}, CPU per validator {:.1} s ({:.3} ms per transfer), network {:.0} KiB sent per block with transfers ({:.0} KiB in all, over {blocks:.0} blocks)",
            usage.cpu_seconds / validators,
            per_transfer_ms,
            sent / blocks / 1024.0,
            sent / 1024.0,
        );
        println!("(a BFT node's new heads are finalized blocks: the inBlock latency above is submit-to-finalized)");
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        for child in std::iter::once(&mut self.child).chain(self.others.iter_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The validators of a BFT network on loopback: their keys, p2p and metrics ports.
struct Validators {
    bootnodes: String,
    p2p_ports: Vec<u16>,
    metrics_ports: Vec<u16>,
    uris: Vec<String>,
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("picking a port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl Validators {
    fn new(bin: &std::path::Path, n: usize) -> Result<Validators, String> {
        const NAMES: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];
        let uris: Vec<String> = (0..n)
            .map(|i| NAMES.get(i).map_or_else(|| format!("//Validator{}", i + 1), |name| format!("//{name}")))
            .collect();
        let mut peers = Vec::new();
        let mut p2p_ports = Vec::new();
        let mut metrics_ports = Vec::new();
        for uri in &uris {
            let out = Command::new(bin)
                .args(["key", "inspect-node-key", uri])
                .output()
                .map_err(|e| format!("key inspect-node-key: {e}"))?;
            let port = free_port()?;
            peers.push(format!("{}@127.0.0.1:{port}", String::from_utf8_lossy(&out.stdout).trim()));
            p2p_ports.push(port);
            metrics_ports.push(free_port()?);
        }
        Ok(Validators { bootnodes: peers.join(","), p2p_ports, metrics_ports, uris })
    }

    fn args(&self, i: usize) -> Vec<String> {
        vec![
            "--validator".into(),
            "--validator-key".into(),
            self.uris[i].clone(),
            "--listen-addr".into(),
            format!("127.0.0.1:{}", self.p2p_ports[i]),
            "--bootnodes".into(),
            self.bootnodes.clone(),
            "--prometheus-port".into(),
            self.metrics_ports[i].to_string(),
        ]
    }
}

/// A metric without labels from the node's `/metrics` on `port`.
fn metric(port: u16, name: &str) -> Option<u64> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
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

/// Samples processes' RSS every 100 ms on its own thread: the peak of any one of them, and
/// their CPU time together.
pub(crate) struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Usage>,
}

impl Sampler {
    /// Starts sampling `pids`.
    pub(crate) fn start(pids: Vec<u32>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let cpu = || pids.iter().map(|pid| cpu_seconds(*pid).unwrap_or(0.0)).sum::<f64>();
            let cpu_start = cpu();
            let mut usage = Usage::default();
            while !flag.load(Ordering::Relaxed) {
                for pid in &pids {
                    if let Some(kib) = status_kib(*pid, "VmRSS:") {
                        usage.peak_rss_during_load = usage.peak_rss_during_load.max(kib * 1024);
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            usage.peak_rss_lifetime =
                pids.iter().map(|pid| status_kib(*pid, "VmHWM:").unwrap_or(0) * 1024).max().unwrap_or(0);
            usage.cpu_seconds = cpu() - cpu_start;
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
