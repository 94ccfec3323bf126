//! Running a source: fetch its page, extract its items, normalise them and
//! hand them to the index writer, recording how it went.
//!
//! A source that fails keeps its last good items (nothing is removed on a
//! failed run) and never stops the others: every run is isolated, and its
//! error is logged with the source's id and reason. Runs respect what the
//! source's site asked for: a run before a server's Retry-After, or before
//! the backoff that follows transient failures, is skipped, not sent.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use perfusion_index::{IndexStore, Item, UpsertStats};
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, SourceConfig};
use crate::extract::{self, ExtractError};
use crate::fetch::{Fetch, FetchError, Fetched, Fetcher, Validators};
use crate::index_task::IndexHandle;
use crate::metrics::Metrics;
use crate::normalize;
use crate::os;
use crate::state::{Outcome, States};

/// Sources fetched at the same time during a full cycle (one host still
/// gets one request at a time).
const PARALLEL_SOURCES: usize = 4;
/// The first wait after a transient failure; it doubles with each failure
/// in a row.
const BACKOFF_BASE_SECS: i64 = 60;
/// The longest backoff: a source is tried at least this often.
const BACKOFF_MAX_SECS: i64 = 6 * 60 * 60;

/// What one run of one source did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The source.
    pub source_id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Items extracted (0 for a 304 or a failure).
    pub items: usize,
    /// What the index did with them.
    pub stats: UpsertStats,
    /// Why it failed or warned, or why it was skipped.
    pub error: Option<String>,
    /// The run was not made: the source must be left alone until then.
    pub skipped_until: Option<DateTime<Utc>>,
}

/// Runs sources, one run per source at a time.
#[derive(Debug)]
pub struct Runner {
    config: Arc<Config>,
    fetcher: Fetcher,
    index: IndexHandle,
    store: IndexStore,
    states: States,
    metrics: Arc<Metrics>,
    running: Mutex<HashSet<String>>,
    in_flight: watch::Sender<usize>,
    cancel: CancellationToken,
}

/// The parts a runner works with.
#[derive(Debug)]
pub struct RunnerParts {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Network or replay.
    pub fetcher: Fetcher,
    /// The writer task.
    pub index: IndexHandle,
    /// The index, for counts.
    pub store: IndexStore,
    /// The sources' states.
    pub states: States,
    /// Where runs are counted.
    pub metrics: Arc<Metrics>,
}

impl Runner {
    /// A runner over the configured sources.
    pub fn new(parts: RunnerParts) -> Self {
        Self {
            config: parts.config,
            fetcher: parts.fetcher,
            index: parts.index,
            store: parts.store,
            states: parts.states,
            metrics: parts.metrics,
            running: Mutex::new(HashSet::new()),
            in_flight: watch::channel(0).0,
            cancel: CancellationToken::new(),
        }
    }

    /// The configuration being run.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs every source, a few at a time, and reports each in file order.
    pub async fn run_all(self: &Arc<Self>) -> Vec<RunReport> {
        let permits = Arc::new(Semaphore::new(PARALLEL_SOURCES));
        let mut tasks = tokio::task::JoinSet::new();
        for (n, source) in self.config.sources.iter().enumerate() {
            let runner = Arc::clone(self);
            let permits = Arc::clone(&permits);
            let id = source.id.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (n, runner.run_source(&id).await)
            });
        }
        let mut reports: Vec<(usize, RunReport)> = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((n, Some(report))) => reports.push((n, report)),
                Ok((_, None)) => {}
                Err(e) => tracing::error!(error = %e, "a source run panicked"),
            }
        }
        reports.sort_by_key(|(n, _)| *n);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    /// Runs one source now. `None` when it is unknown, when a run of it is
    /// already going (a run is never queued behind another), or when the
    /// daemon is stopping.
    pub async fn run_source(&self, id: &str) -> Option<RunReport> {
        let source = self.config.source(id)?;
        if self.cancel.is_cancelled() {
            return None;
        }
        let Some(guard) = InFlight::enter(self, id) else {
            tracing::debug!(source = id, "still running; this run is skipped");
            return None;
        };
        let report = tokio::select! {
            report = self.run(source) => Some(report),
            () = self.cancel.cancelled() => {
                tracing::info!(source = id, "run cancelled by shutdown");
                None
            }
        };
        drop(guard);
        if *self.in_flight.borrow() == 0 {
            // The cycle's writes are queued before this: the writer merges
            // the segments they added once they are committed.
            self.index.merge_segments();
            release_free_memory().await;
        }
        report
    }

    /// Stops new runs, cancels the runs in flight and waits for them to
    /// let go (at most `grace`). What they committed stays committed.
    pub async fn shutdown(&self, grace: std::time::Duration) {
        self.cancel.cancel();
        let mut in_flight = self.in_flight.subscribe();
        let _ = tokio::time::timeout(grace, in_flight.wait_for(|n| *n == 0)).await;
        self.save_states().await;
    }

    /// Writes the states to their file on the blocking pool: the write
    /// ends with an fsync, which on this thread would hold up every
    /// connection it serves meanwhile.
    async fn save_states(&self) {
        let states = self.states.clone();
        match tokio::task::spawn_blocking(move || states.save()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "cannot save source states"),
            Err(e) => tracing::error!(error = %e, "saving source states failed"),
        }
    }

    async fn run(&self, source: &SourceConfig) -> RunReport {
        let started = Utc::now();
        let clock = Instant::now();
        let before = self.states.get(&source.id);
        if let Some(not_before) = before.not_before.filter(|t| *t > started) {
            self.metrics.fetched(&source.id, "skipped", 0.0);
            tracing::debug!(source = %source.id, %not_before, "left alone until then");
            return RunReport {
                source_id: source.id.clone(),
                outcome: before.outcome,
                items: 0,
                stats: UpsertStats::default(),
                error: Some(format!(
                    "left alone until {} ({})",
                    not_before.format("%Y-%m-%d %H:%M:%S UTC"),
                    before.last_error.as_deref().unwrap_or("as the site asked")
                )),
                skipped_until: Some(not_before),
            };
        }
        self.states
            .update(&source.id, |s| s.last_attempt = Some(started));
        // The validators ask "changed since the items we hold?". An index
        // that holds none of them (set aside after an upgrade changed its
        // schema, or deleted) needs the page in full, changed or not.
        let lost = before.last_run_items > 0 && self.item_count(&source.id) == 0;
        if lost && (before.etag.is_some() || before.last_modified.is_some()) {
            tracing::info!(source = %source.id, "the index holds none of its items; reading it in full");
        }
        let validators = if lost {
            Validators::default()
        } else {
            Validators {
                etag: before.etag.clone(),
                last_modified: before.last_modified.clone(),
            }
        };
        let result = self
            .fetch_and_index(source, &validators, started, before.listed_at)
            .await;
        let mut report = RunReport {
            source_id: source.id.clone(),
            outcome: Outcome::Ok,
            items: 0,
            stats: UpsertStats::default(),
            error: None,
            skipped_until: None,
        };
        match result {
            Ok(Ran::NotModified) => {
                report.outcome = Outcome::NotModified;
                // Still listing what it listed.
                self.states
                    .update(&source.id, |s| s.listed_at = Some(started));
                // The page is still without what the last read missed.
                // Only then does a 304 touch the index.
                if before.misses_pending {
                    match self.index.source_unchanged(&source.id, Utc::now()).await {
                        Ok(stats) => {
                            report.stats = stats;
                            self.states
                                .update(&source.id, |s| s.misses_pending = stats.missed > 0);
                        }
                        Err(e) => {
                            tracing::error!(source = %source.id, error = %e, "cannot count misses");
                        }
                    }
                }
            }
            Ok(Ran::Indexed {
                items,
                stats,
                validators,
            }) => {
                report.items = items;
                report.stats = stats;
                if items == 0 && before.last_run_items > 0 {
                    // Far likelier a broken page than an empty one. The
                    // good read's count and no validators are kept, so the
                    // next run reads the page again and warns again until
                    // it lists items.
                    report.outcome = Outcome::Warning;
                    report.error = Some(format!("0 items, had {}", before.last_run_items));
                    self.states.update(&source.id, |s| {
                        s.etag = None;
                        s.last_modified = None;
                    });
                } else {
                    self.states.update(&source.id, |s| {
                        s.etag = validators.etag;
                        s.last_modified = validators.last_modified;
                        s.last_run_items = items as u64;
                        s.misses_pending = stats.missed > 0;
                        s.listed_at = Some(started);
                    });
                }
            }
            Err(error) => {
                report.outcome = Outcome::Failed;
                let failures = before.consecutive_failures + 1;
                let not_before = wait_after(&error, failures, started);
                report.error = Some(error.to_string());
                self.states.update(&source.id, |s| {
                    s.consecutive_failures = failures;
                    s.not_before = not_before;
                });
            }
        }
        self.record(source, &report, started, clock.elapsed().as_secs_f64())
            .await;
        report
    }

    /// Logs a run, counts it, and keeps its outcome in the source's state.
    async fn record(
        &self,
        source: &SourceConfig,
        report: &RunReport,
        started: DateTime<Utc>,
        seconds: f64,
    ) {
        match (&report.error, report.outcome) {
            (Some(error), Outcome::Failed) => {
                tracing::warn!(source = %source.id, %error, "source failed; its items are kept");
            }
            (Some(error), _) => tracing::warn!(source = %source.id, %error, "source warning"),
            (None, Outcome::NotModified) => {
                tracing::info!(source = %source.id, "source not modified");
            }
            (None, _) => tracing::info!(
                source = %source.id,
                items = report.items,
                added = report.stats.added,
                changed = report.stats.changed,
                merged = report.stats.merged,
                withdrawn = report.stats.withdrawn,
                "source indexed"
            ),
        }
        self.states.update(&source.id, |s| {
            s.outcome = report.outcome;
            s.last_error.clone_from(&report.error);
            if report.outcome != Outcome::Failed {
                s.last_success = Some(started);
                s.consecutive_failures = 0;
                s.not_before = None;
            }
        });
        self.save_states().await;
        self.metrics
            .fetched(&source.id, report.outcome.as_str(), seconds);
        self.metrics.items(&source.id, self.item_count(&source.id));
    }

    /// Reads a source at `now` and writes its items; `listed_before` is
    /// when its previous successful read began.
    async fn fetch_and_index(
        &self,
        source: &SourceConfig,
        validators: &Validators,
        now: DateTime<Utc>,
        listed_before: Option<DateTime<Utc>>,
    ) -> Result<Ran, RunError> {
        let (items, validators) = match read_source(&self.fetcher, source, validators, now).await? {
            Read::NotModified => return Ok(Ran::NotModified),
            Read::Items {
                items, validators, ..
            } => (items, validators),
        };
        let n = items.len();
        let stats = self
            .index
            .replace_source(&source.id, items, now, listed_before)
            .await
            .map_err(|e| RunError::Other(e.to_string()))?;
        Ok(Ran::Indexed {
            items: n,
            stats,
            validators,
        })
    }

    /// Waits until the index writer has done what it was sent so far (see
    /// [`IndexHandle::settled`]).
    pub async fn writes_settled(&self) {
        self.index.settled().await;
    }

    /// Items the index holds from a source.
    pub fn item_count(&self, id: &str) -> u64 {
        self.store.count_by_source(id).unwrap_or(0)
    }

    /// The sources' health.
    pub fn states(&self) -> &States {
        &self.states
    }

    /// The ids each later commit adds or changes.
    pub fn changes(&self) -> crate::index_task::Changes {
        self.index.changes()
    }
}

/// A run in progress: while it lives, its source is marked running and
/// counted in flight. Dropping it undoes both, also when the run's task is
/// aborted mid-way (a cycle dropped at shutdown aborts its runs).
struct InFlight<'a> {
    runner: &'a Runner,
    id: String,
}

impl<'a> InFlight<'a> {
    /// Marks `id` running, unless it already is.
    fn enter(runner: &'a Runner, id: &str) -> Option<Self> {
        if !runner.running.lock().expect("lock").insert(id.to_owned()) {
            return None;
        }
        runner.in_flight.send_modify(|n| *n += 1);
        Some(Self {
            runner,
            id: id.to_owned(),
        })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.runner.running.lock().expect("lock").remove(&self.id);
        self.runner.in_flight.send_modify(|n| *n -= 1);
    }
}

/// Gives the memory the reads freed back to the system, once no source
/// is being read: on glibc, what a cycle's threads freed would otherwise
/// stay resident (see [`os::release_free_memory`]).
async fn release_free_memory() {
    let clock = Instant::now();
    match tokio::task::spawn_blocking(os::release_free_memory).await {
        Ok(released) => tracing::debug!(
            released,
            ms = clock.elapsed().as_secs_f64() * 1e3,
            "free memory given back"
        ),
        Err(e) => tracing::warn!(error = %e, "giving free memory back failed"),
    }
}

/// What a run that did not fail did.
enum Ran {
    NotModified,
    Indexed {
        items: usize,
        stats: UpsertStats,
        validators: Validators,
    },
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A page could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A page could not be read as the source's format.
    #[error("{error}{}", if *page > 1 { format!(" (page {page}, {url})") } else { String::new() })]
    Extract {
        /// The page.
        url: url::Url,
        /// Which page of the source, from 1.
        page: u32,
        /// Why.
        error: extract::ExtractError,
    },
    /// The index refused the items.
    #[error("{0}")]
    Other(String),
}

/// What reading a source gave.
#[derive(Debug)]
pub enum Read {
    /// The first page answered 304: nothing changed since the validators.
    NotModified,
    /// The source's items, from every page read.
    Items {
        /// The normalised items, ids distinct.
        items: Vec<Item>,
        /// The first page's validators, to send next time.
        validators: Validators,
        /// How many pages were read.
        pages: u32,
    },
}

/// A page's items (or why it could not be read), its next page's link, and
/// the page itself.
type Parsed = (Result<Vec<Item>, ExtractError>, Option<url::Url>, Fetched);

/// A page to parse, and where its answer goes.
type ParseJob = Box<dyn FnOnce() + Send>;

/// Extracts and normalises a page's items and finds its next page's link
/// on the daemon's one parsing thread.
///
/// Parsing is the CPU-heavy part of a read: a large page takes tens of
/// milliseconds, which on the runtime's threads would hold up every
/// request they serve meanwhile. So pages are parsed one at a time, on a
/// thread of their own that runs below the serving threads' priority: a
/// cycle leaves the searches and calendars it runs beside their cores.
async fn parse(
    source: &SourceConfig,
    page: Fetched,
    now: DateTime<Utc>,
) -> Result<Parsed, RunError> {
    static PARSER: std::sync::OnceLock<Option<std::sync::mpsc::Sender<ParseJob>>> =
        std::sync::OnceLock::new();
    let parser = PARSER.get_or_init(|| {
        let (jobs, queue) = std::sync::mpsc::channel::<ParseJob>();
        std::thread::Builder::new()
            .name("perfusion-parse".into())
            .spawn(move || {
                if let Err(e) = os::lower_this_thread_priority(os::INGEST_NICENESS) {
                    tracing::warn!(error = %e, "cannot lower the parsing thread's priority");
                }
                for job in queue {
                    // A page that panics the parser fails its own read
                    // (its answer is dropped), not the thread.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .map_err(|e| tracing::error!(error = %e, "cannot start the parsing thread"))
            .ok()
            .map(|_| jobs)
    });
    let (answer, parsed) = tokio::sync::oneshot::channel();
    let source = source.clone();
    let job: ParseJob = Box::new(move || {
        let raw = extract::extract(&source.format, &page);
        let next = extract::next_page(&source.format, &page);
        let items = raw.map(|raw| {
            let page_url = page.url.to_string();
            let cx = normalize::Context {
                source: &source,
                page_url: &page_url,
                page_date: page.page_date.unwrap_or(now).date_naive(),
                now,
            };
            raw.iter().map(|r| normalize::item(r, &cx)).collect()
        });
        let _ = answer.send((items, next, page));
    });
    let failed = || RunError::Other("parsing a page failed".into());
    parser
        .as_ref()
        .ok_or_else(failed)?
        .send(job)
        .map_err(|_| failed())?;
    parsed.await.map_err(|_| failed())
}

/// Reads one source exactly as a run does: its first page (asking with
/// `validators` whether it changed), then the next pages it links to, up
/// to the format's `max_pages`, each extracted and normalised.
///
/// Next pages go through the same polite fetcher (robots.txt, pacing), are
/// asked for without validators (only the first page's are kept, so a 304
/// on the first page means nothing changed), are never a page already
/// read, and stay on the first page's site: a next link to another host
/// is not followed. A page that fails fails the read, so a source never
/// loses the items of its later pages to one bad fetch.
pub async fn read_source(
    fetcher: &Fetcher,
    source: &SourceConfig,
    validators: &Validators,
    now: DateTime<Utc>,
) -> Result<Read, RunError> {
    let mut page = match fetcher.get(&source.url, validators).await? {
        Fetch::NotModified => return Ok(Read::NotModified),
        Fetch::Page(page) => page,
    };
    let kept = page.validators.clone();
    let max_pages = source.format.max_pages();
    let mut read: HashSet<String> = HashSet::from([page_key(&source.url)]);
    let mut items = Vec::new();
    let mut pages = 1;
    loop {
        read.insert(page_key(&page.url));
        let (parsed, next, fetched) = parse(source, page, now).await?;
        page = fetched;
        items.extend(parsed.map_err(|error| RunError::Extract {
            url: page.url.clone(),
            page: pages,
            error,
        })?);
        if pages >= max_pages {
            break;
        }
        let Some(next) = next else {
            break;
        };
        if next.host_str() != page.url.host_str()
            || next.port_or_known_default() != page.url.port_or_known_default()
        {
            tracing::warn!(source = %source.id, %next, "next page is on another site; not followed");
            break;
        }
        if !read.insert(page_key(&next)) {
            break;
        }
        page = match fetcher.get(&next, &Validators::default()).await? {
            Fetch::Page(next) => next,
            // Asked without validators, a page cannot be "not modified".
            Fetch::NotModified => break,
        };
        pages += 1;
    }
    normalize::distinct_ids(&mut items);
    Ok(Read::Items {
        items,
        validators: kept,
        pages,
    })
}

/// A page's address without its fragment, which names no other page.
fn page_key(url: &url::Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.into()
}

/// How long a source is left alone after a failure: what the server asked
/// (Retry-After), or after a transient failure a backoff that doubles with
/// each failure in a row, with jitter so sources do not come back together.
/// A permanent failure (404, a page we cannot read) waits for the schedule.
fn wait_after(error: &RunError, failures: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let RunError::Fetch(error) = error else {
        return None;
    };
    let backoff = error.is_transient().then(|| {
        let doubling = BACKOFF_BASE_SECS.saturating_mul(1 << failures.saturating_sub(1).min(16));
        let capped = doubling.min(BACKOFF_MAX_SECS);
        let jittered = (capped as f64 * (0.5 + fastrand::f64())) as i64;
        now + Duration::seconds(jittered)
    });
    match (error.retry_after(), backoff) {
        (Some(asked), Some(ours)) => Some(asked.max(ours)),
        (asked, ours) => asked.or(ours),
    }
}

#[cfg(test)]
mod tests;
