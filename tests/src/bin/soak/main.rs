//! The soak run: `perfusiond` for a long stretch (20 minutes by default)
//! of fetch cycles against a loopback federation a third of whose sources
//! misbehave, a different third each cycle (slow, 5xx, 429, malformed,
//! huge, changed markup: see `federation`), while searches and calendar
//! downloads go on (see `traffic`). It must end with no panic, no good
//! item lost, flat memory and no growth in open file descriptors.
//!
//! The `perfusiond` binary runs as a separate process on free loopback
//! ports with an admin token. Cycles are `RefreshSource` calls for every
//! source, one every `--cycle-secs`; each source's own cron schedule
//! (`--schedule-secs`) fires as well, as it would in service. Each minute
//! it prints what was served and sent, the daemon's resident memory and
//! open descriptors, and checks the index; at the end it checks every good
//! item and the daemon's log, and exits non-zero when a check fails.
//!
//! Not part of the test suite: run it on demand, built with `--release`:
//!
//! `cargo run --release -p perfusion-tests --bin soak`

mod checks;
mod federation;
mod report;
mod traffic;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use perfusion_tests::process::{self, Daemon};
use perfusion_tests::synth;
use tokio_util::sync::CancellationToken;

use crate::federation::Federation;
use crate::report::{Sample, Verdicts};
use crate::traffic::Tally;

/// Runs perfusiond against a misbehaving federation under load, and checks
/// it ends with no panic, no item lost, flat memory and no descriptor growth.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// How long the cycles and the load go on.
    #[arg(long, default_value_t = 20.0)]
    minutes: f64,
    /// Sources in the federation (a third misbehave at any time).
    #[arg(long, default_value_t = 30)]
    sources: usize,
    /// Items each source's page lists.
    #[arg(long, default_value_t = 40)]
    items_per_source: usize,
    /// Seed of the pages and of which misbehaviour each bad source shows.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the index, the daemon's state, its config and its log go
    /// (default: target/soak in the repository); emptied first.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The perfusiond binary (default: the one next to this program, built
    /// first with the same profile).
    #[arg(long)]
    perfusiond: Option<PathBuf>,
    /// A fetch cycle (RefreshSource of every source) starts this often, or
    /// as soon as the last one ends when it took longer.
    #[arg(long, default_value_t = 3.0)]
    cycle_secs: f64,
    /// Each source's own schedule fires every this many seconds too (a
    /// cron `*/N` on seconds, 1 to 59; the daemon adds up to 90 s of
    /// jitter); 0 leaves fetching to the cycles.
    #[arg(long, default_value_t = 20)]
    schedule_secs: u32,
    /// The daemon's fetch timeout (`[fetch] timeout_secs`); a slow source
    /// takes longer.
    #[arg(long, default_value_t = 2)]
    fetch_timeout_secs: u64,
    /// Concurrent search workers.
    #[arg(long, default_value_t = 3)]
    search_workers: usize,
    /// Each search worker waits this long between searches.
    #[arg(long, default_value_t = 25)]
    search_pause_ms: u64,
    /// Concurrent calendar and feed download workers.
    #[arg(long, default_value_t = 2)]
    download_workers: usize,
    /// Each download worker waits this long between downloads.
    #[arg(long, default_value_t = 100)]
    download_pause_ms: u64,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 60.0)]
    report_secs: f64,
    /// Seconds of load before the memory and descriptor baselines are
    /// taken (default: a tenth of the run).
    #[arg(long)]
    warmup_secs: Option<f64>,
}

/// What a previous soak run leaves in its data dir, so it may be emptied.
const CONFIG: &str = "soak-sources.toml";

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("soak: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::too_many_lines)] // One run, in the order it happens.
async fn run(args: Args) -> anyhow::Result<bool> {
    if args.sources == 0 || args.items_per_source == 0 || args.minutes <= 0.0 {
        bail!("--sources, --items-per-source and --minutes must be above 0");
    }
    if args.schedule_secs > 59 {
        bail!("--schedule-secs must be 0 to 59 (a cron */N on seconds)");
    }
    if cfg!(debug_assertions) {
        println!("warning: a debug build; run with --release as the daemon is run");
    }
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| perfusion_tests::repo_root().join("target/soak"));
    let binary = match &args.perfusiond {
        Some(path) => path.clone(),
        None => process::build_perfusiond()?,
    };
    process::fresh_data_dir(&data_dir, &[CONFIG])?;
    let duration = Duration::from_secs_f64(args.minutes * 60.0);
    let warmup = Duration::from_secs_f64(
        args.warmup_secs
            .unwrap_or(duration.as_secs_f64() / 10.0)
            .min(duration.as_secs_f64() / 2.0),
    );

    // The federation and the config that reads it.
    let pages = synth::sources(args.sources, args.items_per_source, args.seed);
    let largest = pages.iter().map(|p| p.body.len()).max().unwrap_or(0);
    // Room for every good page, and far less than a huge one.
    let cap = (largest * 4).max(256 * 1024);
    let timeout = Duration::from_secs(args.fetch_timeout_secs);
    let federation = Arc::new(Federation::start(&pages, args.seed, timeout, cap).await?);
    let config = data_dir.join(CONFIG);
    std::fs::write(&config, config_text(&args, &pages, &federation, cap))?;
    let items: usize = pages.iter().map(|p| p.items.len()).sum();
    println!(
        "federation: {} sources on {} sites, {items} items, pages of {:.0}-{:.0} KB; body cap {} KB, fetch timeout {} s",
        pages.len(),
        federation.sites(),
        pages.iter().map(|p| p.body.len()).min().unwrap_or(0) as f64 / 1024.0,
        largest as f64 / 1024.0,
        cap / 1024,
        args.fetch_timeout_secs
    );

    // The daemon, with an admin token.
    let token = format!("{:032x}", fastrand::u128(..));
    let log = data_dir.join("perfusiond.log");
    let mut daemon = Daemon::start_with_env(
        &binary,
        &config,
        &data_dir,
        &log,
        &[("PERFUSION_ADMIN_TOKEN", &token), ("NO_COLOR", "1")],
    )
    .await?;
    let index = data_dir.join("index");
    let spawned = Sample::take(&daemon, &index, Duration::ZERO)?;
    println!(
        "perfusiond (pid {}) serving in {:.0} ms; {}",
        daemon.pid(),
        daemon.start_to_serving.as_secs_f64() * 1000.0,
        spawned.describe()
    );
    let channel = process::connect(daemon.grpc).await?;
    refuses_without_token(&channel, &pages[0].source_id).await?;
    let clock = Instant::now();
    // The federation starts in cycle 0: every source reads well.
    daemon.first_cycle(&channel).await?;
    let first = checks::inventory(&channel).await?;
    let problems = checks::compare(&pages, &first);
    if !problems.is_empty() {
        bail!(
            "the first ingest is incomplete ({} problems), e.g. {}; see {}",
            problems.len(),
            problems[0],
            log.display()
        );
    }
    println!(
        "first ingest: {items} items read into {} index items in {:.1} s",
        first.items,
        clock.elapsed().as_secs_f64()
    );

    // The cycles and the load.
    let first_day = chrono::Utc::now().date_naive();
    let http_base = format!("http://{}", daemon.http);
    let tally = Arc::new(Tally::default());
    let stop = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(traffic::cycles(
        process::connect(daemon.grpc).await?,
        token.clone(),
        Arc::clone(&federation),
        Duration::from_secs_f64(args.cycle_secs),
        Arc::clone(&tally),
        stop.clone(),
    ));
    let search_channels = [
        process::connect(daemon.grpc).await?,
        process::connect(daemon.grpc).await?,
    ];
    for w in 0..args.search_workers {
        tasks.spawn(traffic::searches(
            search_channels[w % search_channels.len()].clone(),
            w,
            Duration::from_millis(args.search_pause_ms),
            Arc::clone(&tally),
            stop.clone(),
        ));
    }
    for w in 0..args.download_workers {
        tasks.spawn(traffic::downloads(
            http_base.clone(),
            w,
            Duration::from_millis(args.download_pause_ms),
            Arc::clone(&tally),
            stop.clone(),
        ));
    }

    // A line each report interval; the baselines after the warm-up.
    let started = Instant::now();
    let mut samples = vec![spawned];
    let mut warm: Option<Sample> = None;
    let mut lost_during: Vec<String> = Vec::new();
    let mut died = None;
    let mut next = warmup.max(Duration::from_secs(1));
    let mut line = report::Progress::default();
    loop {
        let until = next.min(duration);
        tokio::time::sleep_until((started + until).into()).await;
        if let Some(status) = daemon.exited()? {
            died = Some(status);
            break;
        }
        let sample = Sample::take(&daemon, &index, started.elapsed())?;
        let held = checks::inventory(&channel).await?;
        let problems = checks::compare(&pages, &held);
        line.print(&sample, &tally, &federation, &held, problems.len());
        if lost_during.is_empty() {
            lost_during = problems;
        }
        if warm.is_none() {
            println!("  (warm-up over: the memory and descriptor baselines are these)");
            warm = Some(sample.clone());
        }
        samples.push(sample);
        if until >= duration {
            break;
        }
        next = until + Duration::from_secs_f64(args.report_secs);
    }
    let ran = started.elapsed();
    stop.cancel();
    while tasks.join_next().await.is_some() {}
    federation.set_cycle(0);

    // The end: every good item, the log, a clean stop.
    let mut verdicts = Verdicts::default();
    verdicts.check(
        died.is_none(),
        "the daemon ran to the end",
        format!("the daemon exited during the run: {died:?}"),
    );
    let by_outcome = if died.is_none() {
        checks::runs_by_outcome(&http_base)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut searched = 0;
    if died.is_none() {
        let held = checks::inventory(&channel).await?;
        let problems = checks::compare(&pages, &held);
        verdicts.check(
            problems.is_empty() && lost_during.is_empty(),
            format!(
                "every good item ({items}) in the index, none withdrawn, none added, at every check"
            ),
            format!(
                "{} problems at the end, {} at the first minute that had any: {:?}",
                problems.len(),
                lost_during.len(),
                problems
                    .iter()
                    .chain(&lost_during)
                    .take(5)
                    .collect::<Vec<_>>()
            ),
        );
        let (n, unfound) = checks::unsearchable(&channel, &pages, &held).await?;
        searched = n;
        verdicts.check(
            unfound.is_empty(),
            format!("every good item found by a search for its title ({n} searches)"),
            format!(
                "{} items not found, e.g. {:?}",
                unfound.len(),
                unfound.first()
            ),
        );
        let stopped = daemon.stop().await;
        verdicts.check(
            stopped.is_ok(),
            "the daemon stopped cleanly on SIGTERM",
            format!("{stopped:?}"),
        );
    }
    let scan = checks::scan_log(&log)?;
    verdicts.check(
        scan.panics.is_empty(),
        "no panic in the daemon's log",
        format!("{} panics: {:?}", scan.panics.len(), scan.panics.first()),
    );
    verdicts.check(
        Tally::get(&tally.cycle_errors) == 0
            && Tally::get(&tally.search_errors) == 0
            && Tally::get(&tally.download_errors) == 0,
        "every cycle, search and download answered",
        format!("{:?}", tally.first_errors.lock().expect("lock")),
    );
    let end = samples.last().cloned().context("a sample")?;
    report::calendars(
        &mut verdicts,
        &tally,
        chrono::Utc::now().date_naive() == first_day,
    );
    report::resources(&mut verdicts, &samples, warm.as_ref(), &end);
    report::summary(&report::Summary {
        ran,
        tally: &tally,
        federation: &federation,
        by_outcome: &by_outcome,
        scan: &scan,
        searched,
        log: &log,
    });
    Ok(verdicts.print())
}

/// The sources.toml of the run: the federation's sources on their
/// schedule, the fetch limits, and a named calendar.
fn config_text(args: &Args, pages: &[synth::Page], federation: &Federation, cap: usize) -> String {
    let schedule = if args.schedule_secs == 0 {
        "0 0 0 1 1 *".to_owned()
    } else {
        format!("*/{} * * * * *", args.schedule_secs)
    };
    let mut toml = format!(
        "# Written by the soak run: its synthetic federation.\n\
         version = 1\n\n\
         [defaults]\n\
         schedule = \"{schedule}\"\n\
         timezone = \"UTC\"\n\
         date_order = \"mdy\"\n\n\
         [fetch]\n\
         user_agent = \"perfusiond-soak\"\n\
         timeout_secs = {}\n\
         max_body_bytes = {cap}\n\
         min_delay_ms = 0\n\n\
         [[calendar]]\n\
         name = \"soak\"\n\
         query = \"ecmo\"\n\
         kinds = [\"course\", \"webinar\"]\n",
        args.fetch_timeout_secs
    );
    toml.push_str(&synth::source_tables(pages, |n| {
        federation.url(n, &pages[n].path)
    }));
    toml
}

/// Checks that the daemon refuses `RefreshSource` without its token: the
/// cycles below are sent with it.
async fn refuses_without_token(
    channel: &tonic::transport::Channel,
    source: &str,
) -> anyhow::Result<()> {
    let mut client = AggregatorServiceClient::new(channel.clone());
    let answer = client
        .refresh_source(pb::RefreshSourceRequest {
            source_id: source.to_owned(),
        })
        .await;
    match answer {
        Err(status) if status.code() == tonic::Code::Unauthenticated => Ok(()),
        other => bail!("RefreshSource without the admin token was not refused: {other:?}"),
    }
}
