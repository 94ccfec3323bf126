//! The search load generator: how fast `perfusiond` ingests, starts, and
//! answers searches over gRPC at 100,000 items, and how much memory it
//! holds while doing so.
//!
//! It serves a synthetic federation of N items (see `synth`) from a web
//! server on 127.0.0.1, ingests it through the daemon's real pipeline into
//! an index in a data dir (or reuses the one a previous run built), times
//! the mix of searches straight on that index in this process, each one
//! computed (what a search costs the index, without gRPC), then starts the
//! `perfusiond` binary on that index as a separate process and:
//!
//! - times spawn to SERVING on the gRPC health check, several times;
//! - drives `Search` with a realistic query mix at several concurrencies
//!   over several HTTP/2 connections, printing QPS and p50/p95/p99
//!   (reading of each answer only its items' count and its total, so that
//!   decoding does not take the cores the daemon shares with it);
//! - does the same with the health `Check`, the floor the transport sets;
//! - sends the mix at fixed rates (an open loop: as from many independent
//!   users, whatever the pace of the answers), timing each search from
//!   the moment it was due;
//! - reads the daemon's resident memory while it serves;
//! - makes the daemon re-ingest all N items (every page's ETag changes,
//!   `RefreshSource` runs every source) while searches go on, and prints
//!   their latency then; with `--rewrite` every summary changes too, so
//!   the daemon rewrites every record, as when every source revised every
//!   item at once.
//!
//! Everything is bounded in count and time and stays on loopback; the
//! daemon is stopped with SIGTERM at the end. Build with `--release`:
//!
//! `cargo run --release -p perfusion-tests --bin loadgen`

mod report;
mod site;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use perfusion_index::{IndexStore, Item, SearchQuery};
use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use perfusiond::Options;

use perfusion_tests::drive::{self, Bounds, Load, Shape};
use perfusion_tests::process::{self, Daemon};
use perfusion_tests::synth;

use crate::report::Report;

/// Measures ingest, start, memory and search speed of perfusiond at N items.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// Items in the synthetic federation.
    #[arg(long, default_value_t = 100_000)]
    items: usize,
    /// Seed of the synthetic items: the same seed and count give the same
    /// pages and item ids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the index, the daemon's state, its config and its log go
    /// (default: target/loadgen in the repository).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Reuse the index in --data-dir when a previous run built it with the
    /// same --items and --seed, instead of ingesting again.
    #[arg(long)]
    reuse: bool,
    /// Concurrencies to drive Search and the health check at.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,64")]
    concurrency: Vec<usize>,
    /// Rates (searches a second) to send the mix at, each in an open loop:
    /// requests go out on schedule whatever the pace of the answers, as
    /// from many independent users, and each latency counts from the
    /// moment its request was due.
    #[arg(long, value_delimiter = ',', default_value = "1000,2500,5000")]
    rates: Vec<f64>,
    /// HTTP/2 connections the workers share (worker i uses connection i mod N).
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Each step stops after this many seconds...
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// ...or this many requests, whichever comes first.
    #[arg(long, default_value_t = 200_000)]
    requests: usize,
    /// Ask each search of the mix at thirty page sizes in turn, so that the
    /// daemon's cache of recent answers seldom has the answer: the cost of
    /// computing searches (each step says the share the daemon computed).
    #[arg(long)]
    uncached: bool,
    /// Make this percentage of the mix's searches ones the daemon has not
    /// answered lately, spread evenly among the others (which its cache
    /// answers after their first time): how much of the traffic may be
    /// new for the targets to hold.
    #[arg(long, conflicts_with = "uncached", value_parser = clap::value_parser!(u8).range(1..=100))]
    fresh: Option<u8>,
    /// Concurrent searches while the daemon re-ingests every item.
    #[arg(long, default_value_t = 4)]
    reingest_concurrency: usize,
    /// Make the re-ingest revise every item's summary, so that the daemon
    /// rewrites every record and merges the index after: the heaviest
    /// re-ingest, as when every source revised every item at once.
    /// The index then no longer matches the pages as first served, so the
    /// next --reuse run ingests afresh.
    #[arg(long)]
    rewrite: bool,
    /// How many times to start the daemon on the existing index to time
    /// start to serving (the last start is the one measured under load).
    #[arg(long, default_value_t = 3)]
    starts: usize,
    /// The perfusiond binary (default: the one next to this program, built
    /// first with the same profile).
    #[arg(long)]
    perfusiond: Option<PathBuf>,
    /// Stop after the ingest and the writer-alone timing: a quick way to
    /// measure (or profile) ingest alone.
    #[arg(long, conflicts_with = "reuse")]
    ingest_only: bool,
}

/// What a previous run left in the data dir, so `--reuse` knows what the
/// index holds.
const MARKER: &str = "loadgen-index.txt";
/// At a fixed rate, the most searches waiting for their answers at once:
/// a daemon that falls this far behind is overloaded, and what comes due
/// meanwhile is counted as not sent rather than queued without end.
const MAX_IN_FLIGHT: usize = 512;
/// The page server's ETag generation the daemon's state last saw.
const GENERATION: &str = "loadgen-etag-generation.txt";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.items == 0 || args.connections == 0 || args.concurrency.contains(&0) {
        bail!("--items, --connections and every --concurrency must be at least 1");
    }
    if args.rates.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
        bail!("every --rates must be a number of searches a second above 0");
    }
    let root = perfusion_tests::repo_root();
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| root.join("target/loadgen"));
    let binary = match &args.perfusiond {
        Some(path) => path.clone(),
        None => process::build_perfusiond()?,
    };
    if cfg!(debug_assertions) {
        println!("warning: a debug build; run with --release for figures that mean anything");
    }
    let searches = if args.uncached {
        "nearly all computed (--uncached)".to_owned()
    } else if let Some(percent) = args.fresh {
        format!("{percent}% of them new to the daemon (--fresh {percent})")
    } else {
        "the mix, cached after each search's first time".to_owned()
    };
    let mut report = Report::new(args.items, searches);

    // The federation, and the web server that serves it.
    let clock = Instant::now();
    let pages = synth::pages(args.items, args.seed);
    let bytes: usize = pages.iter().map(|p| p.body.len()).sum();
    println!(
        "synthetic federation: {} items on {} listing pages ({:.1} MB of HTML), generated in {:.2} s",
        args.items,
        pages.len(),
        bytes as f64 / 1e6,
        clock.elapsed().as_secs_f64()
    );
    // The ETags the daemon's state holds come from the generation the last
    // run ended at; starting there keeps a reused index's first cycle 304.
    let generation_file = data_dir.join(GENERATION);
    let generation = std::fs::read_to_string(&generation_file)
        .ok()
        .and_then(|g| g.trim().parse().ok())
        .unwrap_or(0);
    let site = site::Site::start(&pages, generation).await?;
    let config_path = data_dir.join("loadgen-sources.toml");

    // The index: reused, or ingested through the daemon's pipeline.
    let marker = format!("items={} seed={}\n", args.items, args.seed);
    let reusable = args.reuse
        && std::fs::read_to_string(data_dir.join(MARKER)).is_ok_and(|m| m == marker)
        && data_dir.join("index").is_dir()
        && holds_items(&data_dir.join("index"));
    if args.reuse && !reusable {
        println!(
            "no index to reuse in {} (none yet, other --items or --seed, or one this build's schema set aside): ingesting",
            data_dir.display()
        );
    }
    if reusable {
        println!("reusing the index in {}", data_dir.display());
        std::fs::write(&config_path, synth::config_text(&pages, &site.base()))?;
    } else {
        process::fresh_data_dir(&data_dir, &[MARKER, "loadgen-sources.toml"])?;
        std::fs::write(&config_path, synth::config_text(&pages, &site.base()))?;
        report.ingest = Some(ingest(&config_path, &data_dir, args.items).await?);
        std::fs::write(data_dir.join(MARKER), &marker)?;
    }
    let items = read_back(&data_dir.join("index"), args.items)?;
    let records = items.len();
    describe(&items);
    if !reusable {
        report.writer_only = Some(writer_only(&items, &data_dir.join("writer-only"))?);
    }
    drop(items);
    if args.ingest_only {
        report.print();
        return Ok(());
    }

    // What a search costs the index alone: the mix, each computed,
    // in this process on one thread, before the daemon starts.
    let alone = in_process(&data_dir.join("index"), args.seconds)?;
    report.step("In process", 1, &alone);
    report.shapes(&alone.outcome);

    // Start the daemon a few times on the existing index.
    let log = data_dir.join("perfusiond.log");
    let mut daemon = None;
    for n in 0..args.starts.max(1) {
        let started = Daemon::start(&binary, &config_path, &data_dir, &log).await?;
        println!(
            "start {}: spawn to SERVING in {:.1} ms",
            n + 1,
            started.start_to_serving.as_secs_f64() * 1000.0
        );
        report.starts.push(started.start_to_serving);
        if n + 1 < args.starts {
            wait_first_cycle(&started).await?;
            started.stop().await?;
        } else {
            daemon = Some(started);
        }
    }
    let daemon = daemon.context("a daemon was started")?;
    wait_first_cycle(&daemon).await?;
    let mut channels = Vec::new();
    for _ in 0..args.connections {
        channels.push(process::connect(daemon.grpc).await?);
    }
    check_total(&channels[0], records).await?;
    report.memory_idle = Some(daemon.memory()?);

    // Searches, then the empty RPC, at each concurrency.
    // Each distinct search is checked once, answers decoded in full.
    let base = drive::mix();
    let mix = if args.uncached {
        println!("--uncached: every search of the mix at page sizes 10 to 39");
        let pool = drive::uncached(&base);
        check_mix(&channels[0], &pool).await?;
        pool
    } else if let Some(percent) = args.fresh {
        println!(
            "--fresh {percent}: {percent}% of the searches at page sizes 10 to 39 but 20, new to the daemon"
        );
        let pool = drive::uncached(&base);
        check_mix(&channels[0], &pool).await?;
        drive::blend(&base, &pool, percent)
    } else {
        check_mix(&channels[0], &base).await?;
        base
    };
    let mix = Arc::new(mix);
    let bounds = Bounds {
        requests: args.requests,
        time: Duration::from_secs_f64(args.seconds),
        stop: None,
    };
    let warm = Bounds {
        time: Duration::from_secs(1),
        ..bounds.clone()
    };
    drive::run(&Load::Search(Arc::clone(&mix)), &channels, 4, &warm).await;
    for (load, label) in [
        (Load::Search(Arc::clone(&mix)), "Search"),
        (Load::Health, "Health.Check"),
    ] {
        for &c in &args.concurrency {
            let step = measured(&daemon, || drive::run(&load, &channels, c, &bounds)).await?;
            report.step(label, c, &step);
            if label == "Search" && c == args.concurrency[0] {
                report.shapes(&step.outcome);
            }
        }
    }
    let searches = Load::Search(Arc::clone(&mix));
    for &rate in &args.rates {
        let step = measured(&daemon, || {
            drive::run_at_rate(&searches, &channels, rate, MAX_IN_FLIGHT, &bounds)
        })
        .await?;
        report.rate_step(rate, &step);
    }
    report.memory_serving = Some(daemon.memory()?);

    // A full re-ingest while searches go on.
    let generation = if args.rewrite {
        // The index will not match the pages as first served any more.
        std::fs::remove_file(data_dir.join(MARKER))?;
        site.bump_generation_revising()
    } else {
        site.bump_generation()
    };
    std::fs::write(&generation_file, generation.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let refresh = {
        let mut client = AggregatorServiceClient::new(channels[0].clone());
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let clock = Instant::now();
            let answer = client
                .refresh_source(pb::RefreshSourceRequest::default())
                .await;
            stop.store(true, Ordering::SeqCst);
            (answer, clock.elapsed())
        })
    };
    let during = Bounds {
        requests: usize::MAX,
        time: Duration::from_secs(300),
        stop: Some(Arc::clone(&stop)),
    };
    // The peaks of heap and of mapped files while the daemon re-ingests,
    // which the kernel's VmHWM does not tell apart.
    let sampler = {
        let (pid, stop) = (daemon.pid(), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut peak: Option<process::Memory> = None;
            while !stop.load(Ordering::SeqCst) {
                tick.tick().await;
                if let Ok(now) = process::memory_of(pid) {
                    peak = Some(peak.map_or(now, |peak| peak.highest(now)));
                }
            }
            peak
        })
    };
    let step = measured(&daemon, || {
        drive::run(&searches, &channels, args.reingest_concurrency, &during)
    })
    .await?;
    report.memory_reingesting = sampler.await?;
    let (answer, took) = refresh.await?;
    let runs = answer.context("RefreshSource")?.into_inner().runs;
    let read: u64 = runs.iter().map(|r| r.items).sum();
    let added: u64 = runs.iter().map(|r| r.added).sum();
    let changed: u64 = runs.iter().map(|r| r.changed).sum();
    let failed = runs
        .iter()
        .filter(|r| r.outcome != pb::RunOutcome::Ok as i32)
        .count();
    println!(
        "re-ingest: {} sources, {read} items read ({added} added, {changed} changed, {failed} runs not ok) in {:.2} s",
        runs.len(),
        took.as_secs_f64()
    );
    // Rewriting every record re-decides which announcements are one event,
    // in the order the pages arrive this time: a few may part or join.
    if read != args.items as u64 || (added > 0 && !args.rewrite) || failed > 0 {
        bail!(
            "the re-ingest did not read the same {} items again; see {}",
            args.items,
            log.display()
        );
    }
    report.reingest(args.reingest_concurrency, took, &step);
    if args.rewrite {
        check_revised(&channels[0], generation).await?;
    }
    report.memory_after = Some(daemon.memory()?);
    daemon.stop().await?;
    report.print();
    Ok(())
}

/// A step, with the CPU the daemon and this program used during it.
pub struct Step {
    /// What the workers measured.
    pub outcome: drive::Outcome,
    /// Cores the daemon kept busy, on average.
    pub daemon_cores: f64,
    /// Cores this program kept busy, on average.
    pub loadgen_cores: f64,
    /// The share of its searches that were computed, not answered from an
    /// earlier answer, as the daemon counted them; `None` without searches.
    pub computed: Option<f64>,
    /// Within how long 99% of its searches were answered in the daemon's
    /// Search handler, before encoding (the bound of the daemon's
    /// histogram bucket that reaches 99%).
    pub daemon_p99: Option<Duration>,
}

async fn measured<F: std::future::Future<Output = drive::Outcome>>(
    daemon: &Daemon,
    step: impl FnOnce() -> F,
) -> anyhow::Result<Step> {
    // The daemon's counters are read outside the CPU it is timed for.
    let before = daemon.searches_answered().await?;
    let (daemon_cpu, own_cpu) = (daemon.cpu_time(), process::cpu_time_of("/proc/self/stat"));
    let outcome = step().await;
    let wall = outcome.wall.as_secs_f64().max(1e-9);
    let daemon_cores = (daemon.cpu_time() - daemon_cpu).as_secs_f64() / wall;
    let loadgen_cores = (process::cpu_time_of("/proc/self/stat") - own_cpu).as_secs_f64() / wall;
    let after = daemon.searches_answered().await?;
    Ok(Step {
        daemon_cores,
        loadgen_cores,
        computed: after.computed_since(&before),
        daemon_p99: after
            .p99_bound_since(&before)
            .and_then(|s| Duration::try_from_secs_f64(s).ok()),
        outcome,
    })
}

/// Runs the uncached mix ([`drive::uncached`]) straight on the index in
/// this process, one search at a time, for `seconds`: each computed, even
/// when the index keeps its answer, and no gRPC encoding or transport paid.
fn in_process(index: &Path, seconds: f64) -> anyhow::Result<Step> {
    let store = IndexStore::open(index)?;
    let today = chrono::Utc::now().date_naive();
    let queries = drive::uncached(&drive::mix())
        .into_iter()
        .map(|(shape, r)| {
            perfusiond::grpc::convert::search_query(&r, today)
                .map(|q| (shape, q))
                .map_err(|status| anyhow::anyhow!("{status}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut outcome = drive::Outcome::default();
    let cpu = process::cpu_time_of("/proc/self/stat");
    let clock = Instant::now();
    for (shape, q) in queries.iter().cycle() {
        if clock.elapsed().as_secs_f64() >= seconds {
            break;
        }
        let sent = Instant::now();
        let hits = store.compute_answer(q)?;
        outcome.samples.push(drive::Sample {
            shape: *shape,
            latency: sent.elapsed(),
        });
        outcome.hits_returned += hits.items.len() as u64;
        outcome.empty += usize::from(hits.total == 0);
    }
    outcome.wall = clock.elapsed();
    let cpu = process::cpu_time_of("/proc/self/stat") - cpu;
    Ok(Step {
        daemon_cores: 0.0,
        loadgen_cores: cpu.as_secs_f64() / outcome.wall.as_secs_f64().max(1e-9),
        computed: Some(1.0),
        daemon_p99: None,
        outcome,
    })
}

/// Ingests the federation through the daemon's own pipeline (fetch, HTML
/// extraction, dates, places, normalisation, the index writer task), in
/// this process, as the daemon's first cycle would.
async fn ingest(config: &Path, data_dir: &Path, expected: usize) -> anyhow::Result<Duration> {
    let config = perfusiond::config::load(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let daemon = perfusiond::Daemon::open(Options {
        config,
        data_dir: Some(data_dir.to_owned()),
        replay: None,
        record: None,
    })?;
    let clock = Instant::now();
    let cpu = process::cpu_time_of("/proc/self/stat");
    let reports = daemon.run_once().await;
    let took = clock.elapsed();
    let cpu = process::cpu_time_of("/proc/self/stat") - cpu;
    let items: usize = reports.iter().map(|r| r.items).sum();
    let failed: Vec<_> = reports.iter().filter(|r| r.error.is_some()).collect();
    if !failed.is_empty() {
        bail!("sources failed during ingest: {failed:?}");
    }
    if items != expected {
        bail!("ingest read {items} items, expected {expected}");
    }
    println!(
        "ingest (daemon pipeline, {} sources): {items} items in {:.2} s ({:.0} items/s), {:.2} s of CPU",
        reports.len(),
        took.as_secs_f64(),
        items as f64 / took.as_secs_f64(),
        cpu.as_secs_f64()
    );
    // The cycle's end asked the writer to merge the segments; closing
    // waits for it, and for the writer to let go of the index's lock
    // before the daemon process opens it.
    let store = daemon.store().clone();
    let clock = Instant::now();
    daemon.close().await;
    println!(
        "then the writer merged the index into {} segment(s) in {:.2} s, in the background",
        store.segment_count(),
        clock.elapsed().as_secs_f64()
    );
    Ok(took)
}

/// Whether the index in `dir` holds items this build can read: one written
/// with an older schema is set aside on opening, leaving an empty one.
fn holds_items(dir: &Path) -> bool {
    IndexStore::open(dir).is_ok_and(|store| !store.is_empty())
}

/// Every item of the index, to describe it and to time the writer alone.
/// The `expected` listings of the federation are all there, some merged:
/// the generator, like real organisations, sometimes lists two events of
/// the same kind, days and city whose titles the daemon takes for one.
fn read_back(index: &Path, expected: usize) -> anyhow::Result<Vec<Item>> {
    let store = IndexStore::open(index)?;
    let mut q = SearchQuery::new(chrono::Utc::now().date_naive());
    q.include_past = true;
    q.include_withdrawn = true;
    q.limit = expected + 1;
    let items = store.search(&q)?.into_items();
    let listings: usize = items.iter().map(|i| i.sources.len()).sum();
    if listings != expected {
        bail!(
            "the index in {} holds {listings} listings in {} items, expected {expected} listings",
            index.display(),
            items.len()
        );
    }
    println!(
        "  {expected} listings in {} items ({} merged with another)",
        items.len(),
        expected - items.len()
    );
    Ok(items)
}

/// Prints what the index holds, so the mix can be judged realistic.
fn describe(items: &[Item]) {
    let count = |key: &dyn Fn(&Item) -> String| {
        let mut by: HashMap<String, usize> = HashMap::new();
        for item in items {
            *by.entry(key(item)).or_default() += 1;
        }
        let mut by: Vec<_> = by.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        by
    };
    let show = |by: &[(String, usize)]| {
        by.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("  kinds: {}", show(&count(&|i| i.kind.as_str().to_owned())));
    println!(
        "  date precision: {}",
        show(&count(&|i| i.when.precision.as_str().to_owned()))
    );
    println!(
        "  modes: {}",
        show(&count(&|i| i
            .mode
            .map_or("none", |m| m.as_str())
            .to_owned()))
    );
    println!(
        "  status: {}",
        show(&count(&|i| i.status.as_str().to_owned()))
    );
    let countries = count(&|i| i.place.country_code.clone().unwrap_or_default());
    let cities = count(&|i| i.place.city.clone().unwrap_or_default());
    let orgs = count(&|i| i.org.clone());
    let with_deadlines = items.iter().filter(|i| !i.deadlines.is_empty()).count();
    let years = count(&|i| {
        i.first_day()
            .map_or("undated".to_owned(), |d| d.format("%Y").to_string())
    });
    println!(
        "  {} orgs, {} countries, {} cities, {with_deadlines} items with deadlines, {} distinct years (first {}, last {})",
        orgs.len(),
        countries.iter().filter(|(c, _)| !c.is_empty()).count(),
        cities.iter().filter(|(c, _)| !c.is_empty()).count(),
        years.len(),
        years
            .iter()
            .map(|(y, _)| y)
            .min()
            .map_or("-", String::as_str),
        years
            .iter()
            .map(|(y, _)| y)
            .filter(|y| *y != "undated")
            .max()
            .map_or("-", String::as_str),
    );
}

/// Times the index writer alone on the same items, grouped by source as
/// the daemon commits them, into a fresh index.
fn writer_only(items: &[Item], dir: &Path) -> anyhow::Result<Duration> {
    let _ = std::fs::remove_dir_all(dir);
    let mut by_source: Vec<(String, Vec<Item>)> = Vec::new();
    for item in items {
        let source = item.sources.first().map_or("", |s| s.source_id.as_str());
        match by_source.iter_mut().find(|(s, _)| s == source) {
            Some((_, batch)) => batch.push(item.clone()),
            None => by_source.push((source.to_owned(), vec![item.clone()])),
        }
    }
    let store = IndexStore::open(dir)?;
    let mut writer = store.writer()?;
    let now = chrono::Utc::now();
    let clock = Instant::now();
    let cpu = process::cpu_time_of("/proc/self/stat");
    for (_, batch) in by_source.iter().cloned() {
        writer.upsert(batch, now)?;
        writer.commit()?;
    }
    let took = clock.elapsed();
    let cpu = process::cpu_time_of("/proc/self/stat") - cpu;
    drop(writer);
    println!(
        "ingest (index writer alone, {} commits): {} items in {:.2} s ({:.0} items/s), {:.2} s of CPU",
        by_source.len(),
        items.len(),
        took.as_secs_f64(),
        items.len() as f64 / took.as_secs_f64(),
        cpu.as_secs_f64()
    );
    // tantivy may still be deleting merged segments' files; the next run
    // removes what is left before it starts.
    let _ = std::fs::remove_dir_all(dir);
    Ok(took)
}

/// Waits until the daemon's first cycle (all 304s, on an index it already
/// holds) is over, so it does not run under the measured load.
async fn wait_first_cycle(daemon: &Daemon) -> anyhow::Result<()> {
    let channel = process::connect(daemon.grpc).await?;
    let sources = daemon.first_cycle(&channel).await?;
    let not_modified = sources
        .iter()
        .filter(|s| s.outcome == pb::RunOutcome::NotModified as i32)
        .count();
    if not_modified != sources.len() {
        println!(
            "  note: {} of {} sources were re-read at start, not 304",
            sources.len() - not_modified,
            sources.len()
        );
    }
    Ok(())
}

/// Checks that the daemon serves every item.
async fn check_total(channel: &tonic::transport::Channel, expected: usize) -> anyhow::Result<()> {
    let all = count(channel, "").await?;
    if all != expected as u64 {
        bail!("the daemon serves {all} items, expected {expected}");
    }
    Ok(())
}

/// Checks that every item shows its revised summary: the re-ingest
/// rewrote every record.
async fn check_revised(channel: &tonic::transport::Channel, generation: u64) -> anyhow::Result<()> {
    let all = count(channel, "").await?;
    let revised = count(channel, &format!("gen{generation}")).await?;
    println!("rewritten: {revised} of {all} items show the revised summary");
    if revised != all {
        bail!("the re-ingest did not rewrite every record");
    }
    Ok(())
}

/// How many items, past and withdrawn ones too, match `query`.
async fn count(channel: &tonic::transport::Channel, query: &str) -> anyhow::Result<u64> {
    let mut client = AggregatorServiceClient::new(channel.clone());
    let answer = client
        .search(pb::SearchRequest {
            query: query.to_owned(),
            include_past: true,
            include_withdrawn: true,
            page_size: 1,
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(answer.total_hits)
}

/// Sends each search of the mix once and prints how many items each shape
/// matches, so the mix can be judged.
async fn check_mix(
    channel: &tonic::transport::Channel,
    mix: &[(Shape, pb::SearchRequest)],
) -> anyhow::Result<()> {
    let mut client = AggregatorServiceClient::new(channel.clone());
    let mut hits: HashMap<&'static str, Vec<u64>> = HashMap::new();
    let mut sizes = Vec::with_capacity(mix.len());
    for (shape, request) in mix {
        let answer = client
            .search(request.clone())
            .await
            .with_context(|| format!("search {request:?}"))?
            .into_inner();
        sizes.push((
            prost::Message::encoded_len(&answer),
            answer
                .items
                .iter()
                .map(prost::Message::encoded_len)
                .sum::<usize>(),
            answer
                .facets
                .iter()
                .map(prost::Message::encoded_len)
                .sum::<usize>(),
        ));
        hits.entry(shape.name())
            .or_default()
            .push(answer.total_hits);
    }
    sizes.sort_unstable();
    let (all, items, facets) = sizes[sizes.len() / 2];
    println!(
        "answers encoded: median {all} bytes (items {items}, facets {facets}), largest {} bytes",
        sizes.last().map_or(0, |s| s.0)
    );
    println!(
        "query mix: {} searches; matching items per search (median, max, searches with none):",
        mix.len()
    );
    for shape in Shape::ALL {
        let mut h = hits.remove(shape.name()).unwrap_or_default();
        h.sort_unstable();
        println!(
            "  {:<18} {:>7} {:>7} {:>3}",
            shape.name(),
            h.get(h.len() / 2).copied().unwrap_or(0),
            h.last().copied().unwrap_or(0),
            h.iter().filter(|n| **n == 0).count()
        );
    }
    Ok(())
}
