//! The local-processes driver: each node of the organization's physical resource set is an
//! `accord-node` process on this machine, in `<work_dir>/<unit>/` (its `spec.json`, `data/`,
//! `node.log`, and `rpc` once it serves). Processes run in their own process group, so a
//! driver that dies leaves them running; a restarted driver finds them again by scanning
//! `/proc` for the unit's folder on a command line, so it never starts a second copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Driver, UnitPlan};

/// How many times a unit is started before its start counts as failed.
const START_ATTEMPTS: u32 = 3;

/// Runs nodes as local processes.
pub struct LocalProcesses {
    work_dir: PathBuf,
    node_binary: PathBuf,
    attempts: BTreeMap<String, u32>,
}

impl LocalProcesses {
    /// A driver keeping its units under `work_dir`.
    pub fn new(work_dir: &Path, node_binary: &Path) -> Result<LocalProcesses, String> {
        std::fs::create_dir_all(work_dir).map_err(|e| format!("cannot create {}: {e}", work_dir.display()))?;
        let work_dir = work_dir.canonicalize().map_err(|e| format!("{}: {e}", work_dir.display()))?;
        Ok(LocalProcesses { work_dir, node_binary: node_binary.to_path_buf(), attempts: BTreeMap::new() })
    }

    fn unit_dir(&self, name: &str) -> PathBuf {
        self.work_dir.join(name)
    }

    /// The pid of the process whose command line names `dir`'s data folder, if one runs.
    fn pid_of(&self, name: &str) -> Option<i32> {
        let needle = self.unit_dir(name).join("data");
        let needle = needle.to_string_lossy().into_owned();
        let entries = std::fs::read_dir("/proc").ok()?;
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
            if cmdline.split(|b| *b == 0).any(|arg| arg == needle.as_bytes()) && !is_zombie(pid) {
                return Some(pid);
            }
        }
        None
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(true)
}

impl Driver for LocalProcesses {
    fn running(&mut self) -> Result<Vec<String>, String> {
        let entries =
            std::fs::read_dir(&self.work_dir).map_err(|e| format!("cannot list {}: {e}", self.work_dir.display()))?;
        let mut names = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && super::chain_of(&name).is_some() && self.pid_of(&name).is_some() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn known(&mut self) -> Result<Vec<String>, String> {
        let entries =
            std::fs::read_dir(&self.work_dir).map_err(|e| format!("cannot list {}: {e}", self.work_dir.display()))?;
        // Only folders named as units: anything else in the folder is not the driver's.
        Ok(entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| super::chain_of(name).is_some())
            .collect())
    }

    fn start(&mut self, unit: &UnitPlan) -> Result<(), String> {
        if self.pid_of(&unit.name).is_some() {
            return Ok(());
        }
        let attempts = self.attempts.entry(unit.name.clone()).or_insert(0);
        if *attempts >= START_ATTEMPTS {
            return Err(format!("{} did not stay up after {START_ATTEMPTS} starts", unit.name));
        }
        *attempts += 1;
        let dir = self.work_dir.join(&unit.name);
        std::fs::create_dir_all(dir.join("data")).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // The spec is written once: a unit's genesis never changes under its data, even if
        // the registry changed since (a member left).
        let spec = dir.join("spec.json");
        if !spec.exists() {
            std::fs::write(&spec, &unit.spec).map_err(|e| format!("cannot write {}: {e}", spec.display()))?;
        }
        let _ = std::fs::remove_file(dir.join("rpc"));
        // A fresh log per start, so readiness reads this start's lines only.
        let _ = std::fs::rename(dir.join("node.log"), dir.join("node.log.previous"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(dir.join("node.log"))
            .map_err(|e| format!("cannot open the node log: {e}"))?;
        let mut command = Command::new(&self.node_binary);
        command.arg("--chain").arg(&spec).arg("--base-path").arg(dir.join("data")).args([
            "--listen-addr",
            &unit.listen,
            "--rpc-port",
            "0",
        ]);
        if unit.validator {
            command.arg("--validator").arg("--validator-key").arg(&unit.key_file);
        } else {
            command.arg("--node-key-file").arg(&unit.key_file);
        }
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().map_err(|e| format!("cannot start {}: {e}", self.node_binary.display()))?;
        // Not waited for: it belongs to no one once this driver exits; `/proc` finds it again.
        drop(child);
        Ok(())
    }

    fn stop(&mut self, name: &str) -> Result<(), String> {
        self.halt(name)?;
        let dir = self.unit_dir(name);
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))
    }

    fn halt(&mut self, name: &str) -> Result<(), String> {
        if let Some(pid) = self.pid_of(name) {
            // SAFETY: kill(2) with a pid this driver found running its unit.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.pid_of(name).is_some() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if let Some(pid) = self.pid_of(name) {
                // SAFETY: as above; the node did not stop within 10 s.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        self.attempts.remove(name);
        Ok(())
    }

    fn ready(&mut self, name: &str) -> bool {
        if self.pid_of(name).is_none() {
            return false;
        }
        let dir = self.unit_dir(name);
        if dir.join("rpc").exists() {
            // Up and serving: earlier failed starts no longer count.
            self.attempts.remove(name);
            return true;
        }
        let Ok(log) = std::fs::read_to_string(dir.join("node.log")) else {
            return false;
        };
        const PREFIX: &str = "Running JSON-RPC server: addr=";
        let Some(at) = log.find(PREFIX) else {
            return false;
        };
        let addr = log[at + PREFIX.len()..].split_whitespace().next().unwrap_or_default();
        std::fs::write(dir.join("rpc"), format!("http://{addr}\n")).is_ok()
    }

    fn failed(&self, name: &str) -> bool {
        self.attempts.get(name).is_some_and(|a| *a >= START_ATTEMPTS)
    }
}
