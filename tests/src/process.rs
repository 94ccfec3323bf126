//! The daemon as users run it: the `perfusiond` binary as a child process
//! on loopback ports, how long it takes from spawn to answering the gRPC
//! health check with SERVING, its memory (from /proc/PID/status), its CPU
//! time (from /proc/PID/stat), its open file descriptors (/proc/PID/fd),
//! and a clean stop with SIGTERM. The load generator and the soak run
//! start it this way.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The service name the daemon's health service reports on.
pub const SERVICE: &str = "perfusion.v1.AggregatorService";

/// How long a start may take before the load generator gives up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `perfusiond`.
pub struct Daemon {
    child: tokio::process::Child,
    pid: u32,
    /// Where gRPC listens.
    pub grpc: SocketAddr,
    /// Where HTTP (calendars, feed, metrics) listens.
    pub http: SocketAddr,
    /// From spawn until the health check answered SERVING.
    pub start_to_serving: Duration,
    /// When it was spawned (wall clock), to tell its runs from older ones.
    pub spawned_at: std::time::SystemTime,
    log: PathBuf,
}

/// A free port on 127.0.0.1 (bound, read and released: the daemon binds it
/// a moment later).
fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A gRPC channel to `addr`: one HTTP/2 connection.
pub async fn connect(addr: SocketAddr) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_millis(200))
        .tcp_nodelay(true)
        .connect()
        .await?)
}

impl Daemon {
    /// Waits until the daemon's own first cycle has run every source, and
    /// returns the sources as it then lists them. Polled: the daemon says
    /// nothing when a cycle ends.
    pub async fn first_cycle(&self, channel: &Channel) -> anyhow::Result<Vec<pb::SourceStatus>> {
        let mut client = AggregatorServiceClient::new(channel.clone());
        let since = self
            .spawned_at
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs() as i64;
        let clock = Instant::now();
        loop {
            let sources = client
                .list_sources(pb::ListSourcesRequest::default())
                .await?
                .into_inner()
                .sources;
            // A run sets last_success, when it ends well, to when it began.
            let done = sources
                .iter()
                .all(|s| s.last_success.as_ref().is_some_and(|t| t.seconds >= since));
            if done && !sources.is_empty() {
                return Ok(sources);
            }
            if clock.elapsed() > Duration::from_secs(120) {
                bail!("the daemon's first cycle did not end within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Spawns `binary` on `config` and `data_dir`, and waits until its
    /// health service answers SERVING. Its log goes to `log`.
    pub async fn start(
        binary: &Path,
        config: &Path,
        data_dir: &Path,
        log: &Path,
    ) -> anyhow::Result<Self> {
        Self::start_with_env(binary, config, data_dir, log, &[]).await
    }

    /// [`Daemon::start`], with these environment variables set for the
    /// daemon (`PERFUSION_ADMIN_TOKEN`).
    pub async fn start_with_env(
        binary: &Path,
        config: &Path,
        data_dir: &Path,
        log: &Path,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let grpc = free_port()?;
        let http = free_port()?;
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open {}", log.display()))?;
        let spawned_at = std::time::SystemTime::now();
        let clock = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--grpc-addr")
            .arg(grpc.to_string())
            .arg("--http-addr")
            .arg(http.to_string())
            // Every request comes from 127.0.0.1: the per-address rate
            // limit would measure itself, not the daemon.
            .args(["--rate-limit", "0"])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id().context("the daemon has a pid")?;
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "perfusiond exited ({status}) before serving; see {}",
                    log.display()
                );
            }
            if clock.elapsed() > START_TIMEOUT {
                bail!(
                    "perfusiond was not serving after {START_TIMEOUT:?}; see {}",
                    log.display()
                );
            }
            if serving(grpc).await {
                break;
            }
            // Polled, since the daemon says nothing when it is ready; the
            // interval bounds how much the figure can overstate.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(Self {
            child,
            pid,
            grpc,
            http,
            start_to_serving: clock.elapsed(),
            spawned_at,
            log: log.to_owned(),
        })
    }

    /// Resident memory now and at its peak.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        memory_of(self.pid)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// How many file descriptors it holds open now (sockets, index files,
    /// its log), from /proc/PID/fd.
    pub fn open_fds(&self) -> anyhow::Result<usize> {
        let dir = format!("/proc/{}/fd", self.pid);
        Ok(std::fs::read_dir(&dir)
            .with_context(|| format!("cannot list {dir}"))?
            .count())
    }

    /// How it exited, if it has.
    pub fn exited(&mut self) -> anyhow::Result<Option<std::process::ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// How many searches it has answered from an earlier answer (`kept`)
    /// and how many it computed, and how long they took in it, from its
    /// `/metrics`.
    pub async fn searches_answered(&self) -> anyhow::Result<Answered> {
        let url = format!("http://{}/metrics", self.http);
        let text = reqwest::get(&url).await?.error_for_status()?.text().await?;
        let count = |answer: &str| -> anyhow::Result<u64> {
            let line = format!("perfusion_searches_total{{answer=\"{answer}\"}} ");
            Ok(match text.lines().find_map(|l| l.strip_prefix(&line)) {
                Some(n) => n.parse().with_context(|| format!("{url}: {line}{n}"))?,
                // A build from before the counter (--perfusiond): no share.
                None => 0,
            })
        };
        let within = text
            .lines()
            .filter_map(|l| l.strip_prefix("perfusion_search_duration_seconds_bucket{le=\""))
            .filter_map(|l| {
                let (le, n) = l.split_once("\"} ")?;
                Some((le.parse().ok()?, n.trim().parse().ok()?))
            })
            .collect();
        Ok(Answered {
            kept: count("kept")?,
            computed: count("computed")?,
            within,
        })
    }

    /// User plus system CPU time the daemon has used.
    pub fn cpu_time(&self) -> Duration {
        cpu_time_of(&format!("/proc/{}/stat", self.pid))
    }

    /// Stops the daemon with SIGTERM, as a service manager would, and waits
    /// for it (killing it after 10 s).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        // No unsafe code in this workspace, so no libc::kill: kill(1) sends
        // the signal.
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        if !sent.is_ok_and(|s| s.success()) {
            self.child.start_kill()?;
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) if status.as_ref().is_ok_and(std::process::ExitStatus::success) => Ok(()),
            Ok(status) => bail!(
                "perfusiond stopped with {status:?}; see {}",
                self.log.display()
            ),
            Err(_) => {
                self.child.start_kill()?;
                bail!("perfusiond did not stop within 10 s of SIGTERM")
            }
        }
    }
}

/// Searches a daemon answered, by how, and how long it took over them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answered {
    /// From the answer to the same search since the index last changed.
    pub kept: u64,
    /// Computed.
    pub computed: u64,
    /// Its histogram of the time a search takes in its Search handler,
    /// from its start to the answer, before that is encoded: per upper
    /// bound in seconds, the searches that took at most that long
    /// (cumulative, as Prometheus keeps them; the last bound is infinite).
    pub within: Vec<(f64, u64)>,
}

impl Answered {
    /// The share computed of the searches answered since `before`; `None`
    /// when there were none.
    pub fn computed_since(&self, before: &Answered) -> Option<f64> {
        let computed = self.computed.saturating_sub(before.computed);
        let all = computed + self.kept.saturating_sub(before.kept);
        (all > 0).then(|| computed as f64 / all as f64)
    }

    /// Within how long, in seconds, 99% of the searches since `before`
    /// were answered in the daemon's handler: the upper bound of the
    /// histogram's bucket that reaches 99%. `None` without searches, or
    /// when the histograms do not match.
    pub fn p99_bound_since(&self, before: &Answered) -> Option<f64> {
        if self.within.len() != before.within.len() {
            return None;
        }
        let counts: Vec<(f64, u64)> = self
            .within
            .iter()
            .zip(&before.within)
            .map(|(&(le, now), &(_, then))| (le, now.saturating_sub(then)))
            .collect();
        let all = counts.last()?.1;
        counts
            .into_iter()
            .find(|&(_, n)| all > 0 && n * 100 >= all * 99)
            .map(|(le, _)| le)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daemons_p99_is_the_bound_its_histogram_reaches_99_percent_at() {
        let before = Answered {
            within: vec![
                (0.000_025, 10),
                (0.000_05, 10),
                (0.0001, 10),
                (f64::INFINITY, 10),
            ],
            ..Answered::default()
        };
        // Of the 1,000 since: 980 within 25 µs, 995 within 50, all within 100.
        let after = Answered {
            within: vec![
                (0.000_025, 990),
                (0.000_05, 1005),
                (0.0001, 1010),
                (f64::INFINITY, 1010),
            ],
            ..Answered::default()
        };
        assert_eq!(after.p99_bound_since(&before), Some(0.000_05));
        assert_eq!(before.p99_bound_since(&before), None, "no searches");
        let older = Answered::default();
        assert_eq!(after.p99_bound_since(&older), None, "no histogram");
    }
}

/// Empties `dir` for a new run and creates it, refusing to touch a folder
/// that is neither empty nor holds one of `ours` (the files a previous run
/// of the same program left there).
pub fn fresh_data_dir(dir: &Path, ours: &[&str]) -> anyhow::Result<()> {
    if dir.exists() {
        let ours = ours.iter().any(|file| dir.join(file).exists());
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !ours && !empty {
            bail!(
                "{} holds something else; give an empty or new --data-dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// The perfusiond binary next to the running program, built first (a
/// no-op when it is fresh) with the same profile.
pub fn build_perfusiond() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("this program's folder")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = std::process::Command::new(cargo);
    build.current_dir(crate::repo_root()).args([
        "build",
        "--quiet",
        "-p",
        "perfusiond",
        "--bin",
        "perfusiond",
    ]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    println!("building perfusiond...");
    let status = build.status().context("cargo runs")?;
    if !status.success() {
        bail!("cargo build -p perfusiond failed");
    }
    Ok(dir.join("perfusiond"))
}

/// Whether the daemon at `addr` answers the health check with SERVING.
async fn serving(addr: SocketAddr) -> bool {
    let Ok(channel) = connect(addr).await else {
        return false;
    };
    let request = HealthCheckRequest {
        service: SERVICE.to_owned(),
    };
    HealthClient::new(channel)
        .check(request)
        .await
        .is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32)
}

/// Resident memory of the process `pid`, now and at its peak.
pub fn memory_of(pid: u32) -> anyhow::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Ok(Memory {
        rss: kib("VmRSS:") * 1024,
        hwm: kib("VmHWM:") * 1024,
        anon: kib("RssAnon:") * 1024,
        file: kib("RssFile:") * 1024,
        threads: status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0),
    })
}

/// Resident memory of a process, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// VmRSS: resident now.
    pub rss: u64,
    /// VmHWM: the peak of VmRSS.
    pub hwm: u64,
    /// RssAnon: heap and stacks.
    pub anon: u64,
    /// RssFile: mapped files (the index's mmapped segments, the binary).
    pub file: u64,
    /// Threads: the runtime's workers and its blocking pool, tantivy's.
    pub threads: u32,
}

impl Memory {
    /// Each figure at the higher of two readings (of one process at two
    /// moments): the peaks of heap and of mapped files need not coincide.
    pub fn highest(self, other: Memory) -> Memory {
        Memory {
            rss: self.rss.max(other.rss),
            hwm: self.hwm.max(other.hwm),
            anon: self.anon.max(other.anon),
            file: self.file.max(other.file),
            threads: self.threads.max(other.threads),
        }
    }
}

/// The fields of a /proc/.../stat file from its 3rd (the state) on: the
/// ones after the command name, which is in parentheses. Empty when the
/// file cannot be read.
fn stat_fields(stat_path: &str) -> Vec<String> {
    let Ok(stat) = std::fs::read_to_string(stat_path) else {
        return Vec::new();
    };
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// User plus system CPU time from a /proc/.../stat file.
pub fn cpu_time_of(stat_path: &str) -> Duration {
    let fields = stat_fields(stat_path);
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime; USER_HZ is 100 on Linux.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The nice value (the 19th field) of a process or thread from its
/// /proc/.../stat file.
pub fn niceness_of(stat_path: &str) -> Option<i32> {
    stat_fields(stat_path).get(16)?.parse().ok()
}
