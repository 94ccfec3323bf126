//! What a fetch cycle over the fixture federation costs: a full cycle
//! (every page read, parsed and indexed into a fresh index) and a cycle in
//! which every page answers 304. The real sources.toml runs against the
//! fixture server on 127.0.0.1; the CPU time is the whole process's, so it
//! includes the fixture server's share.
//!
//! `cargo run --release -p perfusion-tests --bin cycles`

use std::sync::Arc;
use std::time::{Duration, Instant};

use perfusion_tests::{FixtureServer, config_from, fixture_sites, real_config_text};
use perfusiond::state::Outcome;
use perfusiond::{Daemon, Options};

/// User plus system CPU time of this process, from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn report(what: &str, cycles: u32, wall: Duration, cpu: Duration) {
    println!(
        "{what:<14} {cycles:>4} cycles   wall {:>8.2} ms/cycle   cpu {:>8.2} ms/cycle",
        wall.as_secs_f64() * 1000.0 / f64::from(cycles),
        cpu.as_secs_f64() * 1000.0 / f64::from(cycles),
    );
}

#[tokio::main]
async fn main() {
    let server = FixtureServer::start(fixture_sites()).await;
    let config = config_from(&server.rewrite(&real_config_text()));
    let options = Options {
        config,
        data_dir: None,
        replay: None,
        record: None,
    };

    const FULL: u32 = 40;
    let daemons: Vec<Arc<Daemon>> = (0..FULL)
        .map(|_| Arc::new(Daemon::open(options.clone()).expect("daemon")))
        .collect();
    let (wall, cpu) = (Instant::now(), cpu_time());
    for daemon in &daemons {
        let reports = daemon.run_once().await;
        assert!(
            reports.iter().all(|r| r.outcome == Outcome::Ok),
            "{reports:?}"
        );
    }
    report("full", FULL, wall.elapsed(), cpu_time() - cpu);

    const NOT_MODIFIED: u32 = 400;
    let daemon = &daemons[0];
    let (wall, cpu) = (Instant::now(), cpu_time());
    for _ in 0..NOT_MODIFIED {
        let reports = daemon.run_once().await;
        assert!(
            reports.iter().all(|r| r.outcome == Outcome::NotModified),
            "{reports:?}"
        );
    }
    report("all 304", NOT_MODIFIED, wall.elapsed(), cpu_time() - cpu);
}
