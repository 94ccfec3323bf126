//! The soak run's output: a progress line each interval, the daemon's
//! memory and descriptors (with the verdict on their growth), a summary of
//! everything served and sent, and the list of checks passed and failed.

use std::path::Path;
use std::time::Duration;

use perfusion_tests::drive::percentiles;
use perfusion_tests::process::{Daemon, Memory};

use crate::checks::{Inventory, LogScan};
use crate::federation::{Federation, Misbehaviour};
use crate::traffic::Tally;

/// Memory may grow by this share of the baseline...
const RSS_GROWTH: f64 = 0.25;
/// ...plus this much, before the run fails. The baseline is taken after
/// the warm-up, once the index, the caches and the allocator's arenas have
/// reached their working size; what moves after that without a leak is
/// the index's mapped segments as merges replace them (a few MB at these
/// sizes) and where in its arenas the allocator finds room, which is why
/// the fixed slack is there. A leak of even a few hundred bytes per
/// request or per source run outgrows both over a 20-minute run (hundreds
/// of thousands of requests, thousands of runs).
const RSS_SLACK: u64 = 16 * 1024 * 1024;
/// Open descriptors may differ by this many: keep-alive connections to
/// the federation's sites and from the download workers come and go.
const FD_SLACK: usize = 8;

/// The index on disk may grow by this factor plus [`DISK_SLACK`]: a merge
/// in flight holds the old segments and the new one at once.
const DISK_GROWTH: u64 = 2;
/// See [`DISK_GROWTH`].
const DISK_SLACK: u64 = 8 * 1024 * 1024;

/// The daemon's resources at one moment.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Since the load began.
    pub at: Duration,
    /// Its resident memory.
    pub memory: Memory,
    /// Its open file descriptors.
    pub fds: usize,
    /// The index's files and their bytes on disk: segments a merge
    /// replaced must be deleted, not pile up.
    pub index: (usize, u64),
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

impl Sample {
    /// Reads the daemon's memory and descriptors, and the size of the
    /// index in `index`, now.
    pub fn take(daemon: &Daemon, index: &Path, at: Duration) -> anyhow::Result<Self> {
        let mut files = (0, 0);
        if let Ok(entries) = std::fs::read_dir(index) {
            for entry in entries.flatten() {
                if let Ok(meta) = entry.metadata() {
                    files.0 += 1;
                    files.1 += meta.len();
                }
            }
        }
        Ok(Self {
            at,
            memory: daemon.memory()?,
            fds: daemon.open_fds()?,
            index: files,
        })
    }

    /// `RSS 45.1 MB (heap 30.2, files 14.9), 9 threads, 23 fds, index 0.9 MB in 26 files`.
    pub fn describe(&self) -> String {
        format!(
            "RSS {:.1} MB (heap {:.1}, files {:.1}), {} threads, {} fds, index {:.1} MB in {} files",
            mb(self.memory.rss),
            mb(self.memory.anon),
            mb(self.memory.file),
            self.memory.threads,
            self.fds,
            mb(self.index.1),
            self.index.0
        )
    }
}

/// The progress lines: counts so far, rates since the last line.
#[derive(Debug, Default)]
pub struct Progress {
    searches: u64,
    at: Duration,
}

impl Progress {
    /// Prints a line for `sample`, with the index as `held` and how many
    /// good items it lacks.
    pub fn print(
        &mut self,
        sample: &Sample,
        tally: &Tally,
        federation: &Federation,
        held: &Inventory,
        problems: usize,
    ) {
        let get = Tally::get;
        let searches = get(&tally.searches);
        let latencies = std::mem::take(&mut *tally.latencies.lock().expect("lock"));
        let p = percentiles(latencies);
        let secs = (sample.at - self.at).as_secs_f64().max(1e-9);
        let minutes = sample.at.as_secs() / 60;
        println!(
            "[{minutes:>2}:{:02}] cycles {} (runs: {} read, {} 304, {} 0-item, {} failed, {} left alone) | \
             searches {searches} ({:.0}/s, p50 {:.1} ms, p99 {:.1} ms) | downloads {} (+{} 304) | \
             bad responses {} | {} | index {} items, {} withdrawn, {problems} good items missing",
            sample.at.as_secs() % 60,
            get(&tally.cycles),
            get(&tally.ok),
            get(&tally.not_modified),
            get(&tally.warning),
            get(&tally.failed),
            get(&tally.skipped),
            (searches - self.searches) as f64 / secs,
            p.p50.as_secs_f64() * 1000.0,
            p.p99.as_secs_f64() * 1000.0,
            get(&tally.downloads),
            get(&tally.downloads_not_modified),
            federation.counters().misbehaviours(),
            sample.describe(),
            held.items,
            held.withdrawn,
        );
        self.searches = searches;
        self.at = sample.at;
    }
}

/// Checks passed and failed.
#[derive(Debug, Default)]
pub struct Verdicts(Vec<(bool, String)>);

impl Verdicts {
    /// Records a check: `pass` says what held, `fail` what did not.
    pub fn check(&mut self, ok: bool, pass: impl Into<String>, fail: impl Into<String>) {
        self.0.push(if ok {
            (true, pass.into())
        } else {
            (false, fail.into())
        });
    }

    /// Prints every check; true when all passed.
    pub fn print(&self) -> bool {
        println!("\nchecks:");
        for (ok, text) in &self.0 {
            println!("  {} {text}", if *ok { "PASS" } else { "FAIL" });
        }
        let failed = self.0.iter().filter(|(ok, _)| !ok).count();
        if failed == 0 {
            println!("soak: passed");
        } else {
            println!("soak: FAILED ({failed} of {} checks)", self.0.len());
        }
        failed == 0
    }
}

/// Prints memory and descriptors at spawn, after the warm-up, at their
/// peak and at the end, and judges their growth.
pub fn resources(verdicts: &mut Verdicts, samples: &[Sample], warm: Option<&Sample>, end: &Sample) {
    println!("\nthe daemon's resources (sampled each interval while the load ran):");
    if let Some(spawn) = samples.first() {
        println!("  at spawn (empty index)   {}", spawn.describe());
    }
    if let Some(warm) = warm {
        println!(
            "  after the warm-up ({:>4.0} s) {}",
            warm.at.as_secs_f64(),
            warm.describe()
        );
    }
    if let Some(peak) = samples.iter().max_by_key(|s| s.memory.rss) {
        println!(
            "  highest RSS ({:>4.0} s)     {}",
            peak.at.as_secs_f64(),
            peak.describe()
        );
    }
    println!(
        "  at the end ({:>4.0} s)      {}; peak RSS of the process (VmHWM) {:.1} MB",
        end.at.as_secs_f64(),
        end.describe(),
        mb(end.memory.hwm)
    );
    let Some(warm) = warm else {
        verdicts.check(false, "", "the run ended before its warm-up: no baseline");
        return;
    };
    let limit = (warm.memory.rss as f64 * (1.0 + RSS_GROWTH)) as u64 + RSS_SLACK;
    verdicts.check(
        end.memory.rss <= limit,
        format!(
            "memory flat: RSS {:.1} MB at the end, {:.1} MB after the warm-up (limit {:.1} MB: +{:.0}% +{} MB)",
            mb(end.memory.rss),
            mb(warm.memory.rss),
            mb(limit),
            RSS_GROWTH * 100.0,
            RSS_SLACK / (1024 * 1024)
        ),
        format!(
            "memory grew: RSS {:.1} MB at the end, {:.1} MB after the warm-up (limit {:.1} MB)",
            mb(end.memory.rss),
            mb(warm.memory.rss),
            mb(limit)
        ),
    );
    verdicts.check(
        end.fds <= warm.fds + FD_SLACK,
        format!(
            "descriptors flat: {} open at the end, {} after the warm-up (slack {FD_SLACK})",
            end.fds, warm.fds
        ),
        format!(
            "descriptors grew: {} open at the end, {} after the warm-up (slack {FD_SLACK})",
            end.fds, warm.fds
        ),
    );
    let disk = warm.index.1 * DISK_GROWTH + DISK_SLACK;
    verdicts.check(
        end.index.1 <= disk,
        format!(
            "index on disk flat: {:.1} MB at the end, {:.1} MB after the warm-up (limit {:.1} MB)",
            mb(end.index.1),
            mb(warm.index.1),
            mb(disk)
        ),
        format!(
            "index on disk grew: {:.1} MB in {} files at the end, {:.1} MB after the warm-up",
            mb(end.index.1),
            end.index.0,
            mb(warm.index.1)
        ),
    );
}

/// Checks that each calendar held as many events at every download: the
/// federation's items never change, so neither may a calendar of them,
/// unless the day changed during the run (an event of yesterday is past).
pub fn calendars(verdicts: &mut Verdicts, tally: &Tally, same_day: bool) {
    let events = tally.events.lock().expect("lock");
    let varied: Vec<String> = events
        .iter()
        .filter(|(_, (least, most))| least != most)
        .map(|(path, (least, most))| format!("{path}: {least} to {most} events"))
        .collect();
    if !same_day {
        println!("  (the UTC day changed during the run: calendar sizes were not compared)");
        return;
    }
    verdicts.check(
        varied.is_empty() && !events.is_empty(),
        format!(
            "every calendar held the same events at every download ({} calendars)",
            events.len()
        ),
        format!("calendars changed size: {varied:?}"),
    );
}

/// What the summary reports.
pub struct Summary<'a> {
    /// How long the load ran.
    pub ran: Duration,
    /// What was sent.
    pub tally: &'a Tally,
    /// What was served.
    pub federation: &'a Federation,
    /// Source runs by outcome, from the daemon's metrics.
    pub by_outcome: &'a [(String, u64)],
    /// The daemon's log.
    pub scan: &'a LogScan,
    /// Searches of the final check.
    pub searched: usize,
    /// Where the log is.
    pub log: &'a Path,
}

/// Prints everything served and sent.
pub fn summary(s: &Summary<'_>) {
    let get = Tally::get;
    let t = s.tally;
    let c = s.federation.counters();
    println!("\nin {:.1} min of load:", s.ran.as_secs_f64() / 60.0);
    println!(
        "  fetch cycles (RefreshSource of every source): {}, {} failed; their runs: {} read, {} 304, {} 0-item, {} failed, {} left alone (backoff, Retry-After); {} items withdrawn",
        get(&t.cycles),
        get(&t.cycle_errors),
        get(&t.ok),
        get(&t.not_modified),
        get(&t.warning),
        get(&t.failed),
        get(&t.skipped),
        get(&t.withdrawn)
    );
    if !s.by_outcome.is_empty() {
        let runs: Vec<String> = s
            .by_outcome
            .iter()
            .map(|(o, n)| format!("{o} {n}"))
            .collect();
        println!(
            "  every source run, the schedule's included (/metrics): {}",
            runs.join(", ")
        );
    }
    println!(
        "  searches: {} answered, {} failed (and {} in the final check)",
        get(&t.searches),
        get(&t.search_errors),
        s.searched
    );
    println!(
        "  calendar and feed downloads: {} in full, {} 304, {} failed",
        get(&t.downloads),
        get(&t.downloads_not_modified),
        get(&t.download_errors)
    );
    let events = t.events.lock().expect("lock");
    let mut paths: Vec<_> = events.iter().collect();
    paths.sort();
    for (path, (least, most)) in paths {
        println!("    {path}: {least}-{most} events");
    }
    println!(
        "  the federation served {} requests: {} good pages, {} 304, {} robots.txt, {} misbehaving:",
        get(&c.requests),
        get(&c.good),
        get(&c.not_modified),
        get(&c.robots),
        c.misbehaviours()
    );
    for m in Misbehaviour::ALL {
        let served = c.served(m);
        let total: u64 = served.iter().map(|(_, n)| n).sum();
        let parts: Vec<String> = served.iter().map(|(v, n)| format!("{v} {n}")).collect();
        println!("    {:<15} {total:>6}  ({})", m.name(), parts.join(", "));
    }
    println!(
        "  the daemon's log ({}): {} lines, {} WARN, {} ERROR, {} panics",
        s.log.display(),
        s.scan.lines,
        s.scan.warnings,
        s.scan.errors,
        s.scan.panics.len()
    );
    for line in &s.scan.first_errors {
        println!("    {line}");
    }
}
