//! What the soak run sends the daemon while it runs: fetch cycles
//! (`RefreshSource` of every source, with the admin token, each one
//! turning the federation's bad third), searches over gRPC from a few
//! workers, and calendar and feed downloads over HTTP from a few more.
//! Everything is counted in a [`Tally`] the reporter reads each minute.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use perfusion_tests::drive::Shape;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::federation::Federation;

/// Counts of everything sent and how it went.
#[derive(Debug, Default)]
pub struct Tally {
    /// `RefreshSource` calls answered: fetch cycles.
    pub cycles: AtomicU64,
    /// Source runs in those cycles that read a page.
    pub ok: AtomicU64,
    /// ... that got a 304.
    pub not_modified: AtomicU64,
    /// ... that read 0 items where there were some.
    pub warning: AtomicU64,
    /// ... that failed.
    pub failed: AtomicU64,
    /// ... that were not made: the source was in its backoff or
    /// Retry-After.
    pub skipped: AtomicU64,
    /// Items those runs withdrew (there should be none).
    pub withdrawn: AtomicU64,
    /// `RefreshSource` calls that failed.
    pub cycle_errors: AtomicU64,
    /// Searches answered.
    pub searches: AtomicU64,
    /// Searches that failed.
    pub search_errors: AtomicU64,
    /// Calendars and feeds downloaded in full.
    pub downloads: AtomicU64,
    /// ... answered 304 to If-None-Match.
    pub downloads_not_modified: AtomicU64,
    /// Downloads that failed, or whose body was not a whole calendar or feed.
    pub download_errors: AtomicU64,
    /// The first error of each kind, for the report.
    pub first_errors: Mutex<Vec<String>>,
    /// Search latencies since the reporter last took them.
    pub latencies: Mutex<Vec<Duration>>,
    /// Per calendar URL, the fewest and most events it held.
    pub events: Mutex<HashMap<String, (usize, usize)>>,
}

impl Tally {
    fn error(&self, counter: &AtomicU64, what: &str, error: impl std::fmt::Display) {
        counter.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().expect("lock");
        if first.len() < 10 {
            first.push(format!("{what}: {error}"));
        }
    }

    /// Every counter's value now, by name.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Runs a fetch cycle every `every` (or right after the last one, when it
/// took longer) until `stop`: cycle k makes the federation's bad third
/// the k-th, then asks the daemon to run every source now.
pub async fn cycles(
    channel: Channel,
    token: String,
    federation: Arc<Federation>,
    every: Duration,
    tally: Arc<Tally>,
    stop: CancellationToken,
) {
    let mut client = AggregatorServiceClient::new(channel);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut k = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => break,
        }
        k += 1;
        federation.set_cycle(k);
        let mut request = tonic::Request::new(pb::RefreshSourceRequest::default());
        let bearer = format!("Bearer {token}").parse().expect("an ASCII token");
        request.metadata_mut().insert("authorization", bearer);
        match client.refresh_source(request).await {
            Ok(answer) => {
                for run in answer.into_inner().runs {
                    let counter = if run.skipped_until.is_some() {
                        &tally.skipped
                    } else {
                        match pb::RunOutcome::try_from(run.outcome) {
                            Ok(pb::RunOutcome::Ok) => &tally.ok,
                            Ok(pb::RunOutcome::NotModified) => &tally.not_modified,
                            Ok(pb::RunOutcome::Warning) => &tally.warning,
                            _ => &tally.failed,
                        }
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    tally.withdrawn.fetch_add(run.withdrawn, Ordering::Relaxed);
                }
                tally.cycles.fetch_add(1, Ordering::Relaxed);
            }
            Err(status) => tally.error(&tally.cycle_errors, "RefreshSource", status),
        }
    }
}

/// One search worker: the load generator's query mix in turn, `pause`
/// between answers, until `stop`.
pub async fn searches(
    channel: Channel,
    worker: usize,
    pause: Duration,
    tally: Arc<Tally>,
    stop: CancellationToken,
) {
    let mix: Vec<(Shape, pb::SearchRequest)> = perfusion_tests::drive::mix();
    let mut client = AggregatorServiceClient::new(channel);
    let mut next = worker * 7;
    while !stop.is_cancelled() {
        let (_, request) = &mix[next % mix.len()];
        next += 1;
        let sent = Instant::now();
        match client.search(request.clone()).await {
            Ok(_) => {
                tally.searches.fetch_add(1, Ordering::Relaxed);
                tally.latencies.lock().expect("lock").push(sent.elapsed());
            }
            Err(status) => tally.error(&tally.search_errors, "Search", status),
        }
        pause_or_stop(pause, &stop).await;
    }
}

/// The calendars and the feed the download workers fetch, in turn: ad-hoc
/// calendars with each kind of filter, the named calendar, everything, and
/// the Atom feed.
pub const DOWNLOADS: [&str; 8] = [
    "/calendar.ics?org=ELSO",
    "/calendar.ics?kind=course,webinar",
    "/calendar.ics?q=ecmo&country=DE,FR,GB",
    "/calendar.ics?kind=conference&from=2027-01-01&to=2027-12-31",
    "/calendar.ics?q=simulation&mode=in_person",
    "/calendars/soak.ics",
    "/calendar.ics",
    "/feed.atom?kind=job",
];

/// One download worker: the [`DOWNLOADS`] in turn from `base`
/// (`http://127.0.0.1:PORT`), every other time of a URL with the ETag of
/// its last download, `pause` between downloads, until `stop`. A calendar
/// must be whole (`BEGIN:VCALENDAR` to `END:VCALENDAR`, as many `END:VEVENT`
/// as `BEGIN:VEVENT`), a feed too (`<feed` to `</feed>`).
pub async fn downloads(
    base: String,
    worker: usize,
    pause: Duration,
    tally: Arc<Tally>,
    stop: CancellationToken,
) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let mut etags: HashMap<&str, String> = HashMap::new();
    let mut n = worker * 3;
    while !stop.is_cancelled() {
        let path = DOWNLOADS[n % DOWNLOADS.len()];
        let conditional = (n / DOWNLOADS.len()) % 2 == 1;
        n += 1;
        let mut request = client.get(format!("{base}{path}"));
        if let Some(etag) = etags.get(path).filter(|_| conditional) {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        match download(request).await {
            Ok(Downloaded::NotModified) => {
                tally.downloads_not_modified.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Downloaded::Body { etag, body }) => match whole(path, &body) {
                Ok(events) => {
                    tally.downloads.fetch_add(1, Ordering::Relaxed);
                    if let Some(etag) = etag {
                        etags.insert(path, etag);
                    }
                    if let Some(events) = events {
                        let mut seen = tally.events.lock().expect("lock");
                        let range = seen.entry(path.to_owned()).or_insert((events, events));
                        range.0 = range.0.min(events);
                        range.1 = range.1.max(events);
                    }
                }
                Err(problem) => {
                    tally.error(&tally.download_errors, path, problem);
                }
            },
            Err(e) => tally.error(&tally.download_errors, path, e),
        }
        pause_or_stop(pause, &stop).await;
    }
}

enum Downloaded {
    NotModified,
    Body { etag: Option<String>, body: String },
}

async fn download(request: reqwest::RequestBuilder) -> anyhow::Result<Downloaded> {
    let response = request.send().await?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Downloaded::NotModified);
    }
    if !status.is_success() {
        anyhow::bail!(
            "HTTP {status}: {}",
            response.text().await.unwrap_or_default()
        );
    }
    let etag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Downloaded::Body {
        etag,
        body: response.text().await?,
    })
}

/// Whether a downloaded body is a whole calendar (with how many events)
/// or a whole feed.
fn whole(path: &str, body: &str) -> Result<Option<usize>, String> {
    let body = body.trim_end();
    if path.starts_with("/feed.atom") {
        return if body.contains("<feed") && body.ends_with("</feed>") {
            Ok(None)
        } else {
            Err(format!("not a whole Atom feed ({} bytes)", body.len()))
        };
    }
    if !body.starts_with("BEGIN:VCALENDAR") || !body.ends_with("END:VCALENDAR") {
        return Err(format!("not a whole calendar ({} bytes)", body.len()));
    }
    let begins = body.matches("BEGIN:VEVENT").count();
    let ends = body.matches("END:VEVENT").count();
    if begins != ends {
        return Err(format!("{begins} BEGIN:VEVENT but {ends} END:VEVENT"));
    }
    Ok(Some(begins))
}

async fn pause_or_stop(pause: Duration, stop: &CancellationToken) {
    if pause.is_zero() {
        return;
    }
    tokio::select! {
        () = tokio::time::sleep(pause) => {}
        () = stop.cancelled() => {}
    }
}
