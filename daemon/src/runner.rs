//! Running a source: fetch its page, extract its items, normalise them and
//! hand them to the index writer, recording how it went.
//!
//! A source that fails keeps its last good items (nothing is removed on a
//! failed run) and never stops the others: every run is isolated, and its
//! error is logged with the source's id and reason.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use perfusion_index::{IndexStore, UpsertStats};
use tokio::sync::Semaphore;

use crate::config::{Config, SourceConfig};
use crate::extract;
use crate::fetch::Fetcher;
use crate::index_task::IndexHandle;
use crate::normalize;
use crate::state::{Outcome, States};

/// Sources fetched at the same time during a full cycle.
const PARALLEL_SOURCES: usize = 4;

/// What one run of one source did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The source.
    pub source_id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Items extracted.
    pub items: usize,
    /// What the index did with them.
    pub stats: UpsertStats,
    /// Why it failed or warned.
    pub error: Option<String>,
}

/// Runs sources, one run per source at a time.
#[derive(Debug)]
pub struct Runner {
    config: Arc<Config>,
    fetcher: Fetcher,
    index: IndexHandle,
    store: IndexStore,
    states: States,
    running: Mutex<HashSet<String>>,
}

impl Runner {
    /// A runner over the configured sources.
    pub fn new(
        config: Arc<Config>,
        fetcher: Fetcher,
        index: IndexHandle,
        store: IndexStore,
        states: States,
    ) -> Self {
        Self {
            config,
            fetcher,
            index,
            store,
            states,
            running: Mutex::new(HashSet::new()),
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

    /// Runs one source now. `None` when it is unknown, or when a run of it
    /// is already going (a run is never queued behind another).
    pub async fn run_source(&self, id: &str) -> Option<RunReport> {
        let source = self.config.source(id)?;
        if !self.running.lock().expect("lock").insert(id.to_owned()) {
            tracing::debug!(source = id, "still running; this run is skipped");
            return None;
        }
        let report = self.run(source).await;
        self.running.lock().expect("lock").remove(id);
        Some(report)
    }

    async fn run(&self, source: &SourceConfig) -> RunReport {
        let started = Utc::now();
        self.states
            .update(&source.id, |s| s.last_attempt = Some(started));
        let result = self.fetch_and_index(source).await;
        let report = match result {
            Ok((items, stats)) => {
                let had = self.states.get(&source.id).last_run_items;
                let (outcome, error) = if items == 0 && had > 0 {
                    (Outcome::Warning, Some(format!("0 items, had {had}")))
                } else {
                    (Outcome::Ok, None)
                };
                RunReport {
                    source_id: source.id.clone(),
                    outcome,
                    items,
                    stats,
                    error,
                }
            }
            Err(error) => RunReport {
                source_id: source.id.clone(),
                outcome: Outcome::Failed,
                items: 0,
                stats: UpsertStats::default(),
                error: Some(error),
            },
        };
        match &report.error {
            Some(error) if report.outcome == Outcome::Failed => {
                tracing::warn!(source = %source.id, %error, "source failed; its items are kept");
            }
            Some(error) => tracing::warn!(source = %source.id, %error, "source warning"),
            None => tracing::info!(
                source = %source.id,
                items = report.items,
                added = report.stats.added,
                changed = report.stats.changed,
                "source indexed"
            ),
        }
        self.states.update(&source.id, |s| {
            s.outcome = report.outcome;
            s.last_error.clone_from(&report.error);
            if report.outcome == Outcome::Failed {
                s.consecutive_failures += 1;
            } else {
                s.last_success = Some(started);
                s.consecutive_failures = 0;
                s.last_run_items = report.items as u64;
            }
        });
        report
    }

    async fn fetch_and_index(&self, source: &SourceConfig) -> Result<(usize, UpsertStats), String> {
        let fetched = self
            .fetcher
            .get(&source.url)
            .await
            .map_err(|e| e.to_string())?;
        let raw = extract::extract(&source.format, &fetched).map_err(|e| e.to_string())?;
        let now = Utc::now();
        let page_url = fetched.url.to_string();
        let cx = normalize::Context {
            source,
            page_url: &page_url,
            page_date: fetched.page_date.unwrap_or(now).date_naive(),
            now,
        };
        let items = normalize::items(&raw, &cx);
        let n = items.len();
        let stats = self
            .index
            .upsert(items, now)
            .await
            .map_err(|e| e.to_string())?;
        Ok((n, stats))
    }

    /// Items the index holds from a source.
    pub fn item_count(&self, id: &str) -> u64 {
        self.store.count_by_source(id).unwrap_or(0)
    }

    /// The sources' health.
    pub fn states(&self) -> &States {
        &self.states
    }
}
