//! What `GET /metrics` reports, in the Prometheus text format:
//!
//! - `perfusion_fetches_total{source, outcome}`: runs of each source by how
//!   they ended (`ok`, `not_modified`, `warning`, `failed`, `skipped`);
//! - `perfusion_not_modified_total{source}`: 304s, which cost nothing;
//! - `perfusion_fetch_duration_seconds{source}`: a run, fetch to commit;
//! - `perfusion_source_items{source}`: items indexed from each source;
//! - `perfusion_index_commit_duration_seconds`: one commit, with the writes
//!   of every batch that was waiting for it;
//! - `perfusion_index_segments`: the segments a search reads, one after a
//!   cycle's end merged them;
//! - `perfusion_search_duration_seconds`: one search, in the Search handler
//!   from its start to the answer, before that is encoded;
//! - `perfusion_searches_total{answer}`: searches by how they were answered:
//!   `kept` (the same search was answered since the index last changed) or
//!   `computed`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

fn seconds_histogram() -> Histogram {
    // 0.5 ms to about 65 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 18))
}

/// A search answered from a kept answer takes tens of microseconds in the
/// daemon, a computed one about a millisecond: 25 µs to about 3.3 s.
fn search_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_025, 2.0, 18))
}

/// The daemon's metrics; shared by the runner, the index task and the
/// servers.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    fetches: Family<Labels, Counter>,
    not_modified: Family<Labels, Counter>,
    fetch_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    items: Family<Labels, Gauge>,
    commit_seconds: Histogram,
    segments: Gauge,
    search_seconds: Histogram,
    /// Searches answered from a kept answer, and computed: both series
    /// are there from the start, at 0.
    kept: Counter,
    computed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let searches = Family::<Labels, Counter>::default();
        let answered = |answer: &str| {
            searches
                .get_or_create(&vec![("answer", answer.to_owned())])
                .clone()
        };
        let mut m = Self {
            registry: Registry::with_prefix("perfusion"),
            fetches: Family::default(),
            not_modified: Family::default(),
            fetch_seconds: Family::new_with_constructor(seconds_histogram),
            items: Family::default(),
            commit_seconds: seconds_histogram(),
            segments: Gauge::default(),
            search_seconds: search_histogram(),
            kept: answered("kept"),
            computed: answered("computed"),
        };
        let r = &mut m.registry;
        r.register("fetches", "Source runs by outcome", m.fetches.clone());
        r.register(
            "not_modified",
            "Fetches answered 304 Not Modified",
            m.not_modified.clone(),
        );
        r.register(
            "fetch_duration_seconds",
            "Duration of a source run, fetch to commit",
            m.fetch_seconds.clone(),
        );
        r.register(
            "source_items",
            "Items indexed from each source",
            m.items.clone(),
        );
        r.register(
            "index_commit_duration_seconds",
            "Duration of one index commit, with the writes it makes durable",
            m.commit_seconds.clone(),
        );
        r.register(
            "index_segments",
            "Segments of the index a search reads",
            m.segments.clone(),
        );
        r.register(
            "search_duration_seconds",
            "Duration of one search",
            m.search_seconds.clone(),
        );
        r.register(
            "searches",
            "Searches by how they were answered: kept from the same search since the index last changed, or computed",
            searches,
        );
        m
    }
}

impl Metrics {
    /// A run of `source` ended with `outcome` after `seconds`.
    pub fn fetched(&self, source: &str, outcome: &str, seconds: f64) {
        self.fetches
            .get_or_create(&vec![
                ("source", source.to_owned()),
                ("outcome", outcome.to_owned()),
            ])
            .inc();
        let source = vec![("source", source.to_owned())];
        if outcome == "not_modified" {
            self.not_modified.get_or_create(&source).inc();
        }
        self.fetch_seconds.get_or_create(&source).observe(seconds);
    }

    /// `source` has `count` items in the index.
    pub fn items(&self, source: &str, count: u64) {
        self.items
            .get_or_create(&vec![("source", source.to_owned())])
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// An upsert and commit took `seconds`.
    pub fn committed(&self, seconds: f64) {
        self.commit_seconds.observe(seconds);
    }

    /// The index is now `count` segments.
    pub fn segments(&self, count: usize) {
        self.segments.set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// A search took `seconds`; its answer was `kept` from an earlier one,
    /// or computed.
    pub fn searched(&self, seconds: f64, kept: bool) {
        self.search_seconds.observe(seconds);
        if kept { &self.kept } else { &self.computed }.inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
