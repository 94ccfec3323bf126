//! Driving the daemon: a realistic mix of searches (and the empty health
//! check, the transport's floor) sent over several HTTP/2 connections by C
//! concurrent workers, or at a fixed rate whatever the pace of the answers,
//! each step bounded in requests and seconds, with the latency of every
//! request kept for exact percentiles.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use perfusion_proto::v1 as pb;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

/// What kind of search a request is, for the per-kind breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// No text: browsing with filters, soonest first.
    Browse,
    /// One word.
    OneWord,
    /// Two words.
    TwoWords,
    /// A quoted phrase.
    Phrase,
    /// `title:`, `city:`, `org:`.
    Field,
    /// A misspelt word: no exact match, so a second, typo-tolerant search.
    Typo,
    /// `word*`.
    Prefix,
}

impl Shape {
    /// Every shape, in display order.
    pub const ALL: [Shape; 7] = [
        Shape::Browse,
        Shape::OneWord,
        Shape::TwoWords,
        Shape::Phrase,
        Shape::Field,
        Shape::Typo,
        Shape::Prefix,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Browse => "browse (no text)",
            Shape::OneWord => "one word",
            Shape::TwoWords => "two words",
            Shape::Phrase => "phrase",
            Shape::Field => "field query",
            Shape::Typo => "typo",
            Shape::Prefix => "prefix",
        }
    }

    fn texts(self) -> &'static [&'static str] {
        match self {
            Shape::Browse => &[""],
            Shape::OneWord => &[
                "ecmo",
                "perfusion",
                "oxygenator",
                "cannulation",
                "simulation",
                "congress",
                "pediatric",
                "registry",
                "webinar",
                "anticoagulation",
                "montreal",
                "grant",
            ],
            Shape::TwoWords => &[
                "ecmo course",
                "pediatric perfusion",
                "neonatal ecmo",
                "adult simulation",
                "registry report",
                "perfusion berlin",
                "cannulation workshop",
                "blood management",
            ],
            Shape::Phrase => &[
                "\"annual meeting\"",
                "\"ecmo simulation\"",
                "\"blood management\"",
                "\"oxygenator exchange\"",
                "\"research grant\"",
            ],
            Shape::Field => &[
                "title:oxygenator",
                "city:berlin",
                "org:elso",
                "title:course city:london",
                "title:webinar anticoagulation",
            ],
            Shape::Typo => &[
                "perfussion",
                "oxygentor",
                "canulation",
                "simulaton",
                "pediatirc",
            ],
            Shape::Prefix => &["oxy*", "cannul*", "pedi*", "regist*", "ecmo simul*"],
        }
    }
}

/// The first and last page sizes of [`uncached`]: pages of 24.5 items on
/// average, as at the sizes 20 to 29 of the figures before 2026-12-01.
const UNCACHED_PAGES: std::ops::RangeInclusive<i32> = 10..=39;

/// The mix with each request asked for at every page size from 10 to 39:
/// 4,200 distinct searches, sixteen times as many as the daemon keeps
/// answers for (256), so that nearly all are computed. The S3-FIFO of the
/// kept answers holds on to a full cache of them, each answered again on
/// its next turn: 256 / 4,200, 6% (18% of the 1,400 at page sizes 20 to 29
/// asked before 2026-12-01).
pub fn uncached(mix: &[(Shape, pb::SearchRequest)]) -> Vec<(Shape, pb::SearchRequest)> {
    UNCACHED_PAGES
        .flat_map(|size| {
            mix.iter().map(move |(shape, r)| {
                let mut r = r.clone();
                r.page_size = size;
                (*shape, r)
            })
        })
        .collect()
}

/// The mix with `percent` of its searches, spread evenly among the others,
/// replaced by ones not asked for in a while: the searches of `pool` (the
/// mix's [`uncached`]) but those at page size 20 (4,060, many more than the
/// daemon keeps answers for), in turn. The rest are the mix's own, answered
/// from the daemon's cache after their first time, as long as the new ones
/// leave them there. Long enough for each new search to come once.
pub fn blend(
    mix: &[(Shape, pb::SearchRequest)],
    pool: &[(Shape, pb::SearchRequest)],
    percent: u8,
) -> Vec<(Shape, pb::SearchRequest)> {
    let share = usize::from(percent.clamp(1, 100));
    // Page size 20 is the mix's own (the default).
    let fresh: Vec<_> = pool.iter().filter(|(_, r)| r.page_size != 20).collect();
    let len = (fresh.len() * 100).div_ceil(share);
    let (mut fresh, mut mix) = (fresh.into_iter().cycle(), mix.iter().cycle());
    (0..len)
        .filter_map(|i| {
            // Request i is new when the count of new ones due by then grows.
            if (i + 1) * share / 100 > i * share / 100 {
                fresh.next().cloned()
            } else {
                mix.next().cloned()
            }
        })
        .collect()
}

/// A filter a user adds to a search.
type Filter = fn(&mut pb::SearchRequest);

/// The filters of the mix: none, kinds, organisations, countries, a date
/// range, past items too, a mode.
const FILTERS: [Filter; 10] = [
    |_| {},
    |r| r.kinds = vec![pb::ItemKind::Course as i32],
    |r| {
        r.kinds = vec![
            pb::ItemKind::Conference as i32,
            pb::ItemKind::Webinar as i32,
        ];
    },
    |r| r.orgs = vec!["ELSO".to_owned()],
    |r| r.orgs = vec!["AmSECT".to_owned(), "ABCP".to_owned()],
    |r| r.countries = vec!["DE".to_owned()],
    |r| r.countries = vec!["US".to_owned(), "CA".to_owned()],
    |r| {
        r.from = "2027-01-01".to_owned();
        r.to = "2027-06-30".to_owned();
    },
    |r| r.include_past = true,
    |r| r.mode = pb::Mode::Virtual as i32,
];

/// The mix: every shape equally often, each text with each filter in turn,
/// alternating date and relevance order (browsing is always by date, as
/// users browse). Browsing has one text, so its second request of each
/// filter also asks for grants and deadlines (the calendar a grant writer
/// follows): no request of the mix repeats another.
pub fn mix() -> Vec<(Shape, pb::SearchRequest)> {
    let mut requests = Vec::new();
    for f in 0..FILTERS.len() {
        for shape in Shape::ALL {
            let texts = shape.texts();
            for t in 0..2 {
                let text = texts[(f * 2 + t) % texts.len()];
                let mut r = pb::SearchRequest {
                    query: text.to_owned(),
                    ..Default::default()
                };
                FILTERS[f](&mut r);
                if shape == Shape::Browse && t == 1 {
                    let wanted = [pb::ItemKind::Grant as i32, pb::ItemKind::Deadline as i32];
                    if r.kinds.is_empty() {
                        r.kinds = wanted.to_vec();
                    } else {
                        r.kinds.push(wanted[0]);
                    }
                }
                r.sort = if shape != Shape::Browse && (f + t) % 2 == 1 {
                    pb::Sort::Relevance as i32
                } else {
                    pb::Sort::Date as i32
                };
                requests.push((shape, r));
            }
        }
    }
    requests
}

/// What a step sends.
#[derive(Clone)]
pub enum Load {
    /// Searches from the mix, in turn.
    Search(Arc<Vec<(Shape, pb::SearchRequest)>>),
    /// The health check: an RPC that does no work.
    Health,
}

/// One answered request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Its shape (`Browse` for the health check).
    pub shape: Shape,
    /// From send (at a fixed rate, from when it was due) to the answer.
    pub latency: Duration,
}

/// What a step measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every answered request.
    pub samples: Vec<Sample>,
    /// Requests that failed, and the first error.
    pub errors: usize,
    /// The first error.
    pub first_error: Option<String>,
    /// From the first send to the last answer.
    pub wall: Duration,
    /// Items returned, summed (searches).
    pub hits_returned: u64,
    /// Searches that found nothing.
    pub empty: usize,
    /// At a fixed rate: requests not sent, because as many as allowed were
    /// already waiting for their answers when they were due.
    pub unsent: usize,
    /// At a fixed rate: how late each request was sent, after it was due
    /// (this program's own delay, counted in its latency).
    pub late: Vec<Duration>,
}

/// How long a step may go on.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// At most this many requests.
    pub requests: usize,
    /// At most this long.
    pub time: Duration,
    /// Or until this is set.
    pub stop: Option<Arc<AtomicBool>>,
}

/// Runs `concurrency` workers over `channels` (worker i uses connection
/// i mod len) until the bounds are reached.
pub async fn run(
    load: &Load,
    channels: &[Channel],
    concurrency: usize,
    bounds: &Bounds,
) -> Outcome {
    let budget = Arc::new(AtomicUsize::new(bounds.requests));
    let deadline = Instant::now() + bounds.time;
    let clock = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..concurrency {
        let channel = channels[w % channels.len()].clone();
        let load = load.clone();
        let budget = Arc::clone(&budget);
        let stop = bounds.stop.clone();
        workers.spawn(async move {
            let mut out = Outcome::default();
            // Workers start spread over the mix, so that with --uncached
            // no worker asks what another asked just before.
            let mut next = match &load {
                Load::Search(mix) => w * (mix.len() / concurrency).max(7),
                Load::Health => 0,
            };
            loop {
                let stopped = stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));
                if stopped || Instant::now() >= deadline {
                    break;
                }
                let taken =
                    budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
                if taken.is_err() {
                    break;
                }
                let sent = Instant::now();
                let (shape, result) = send(&load, channel.clone(), next).await;
                next += 1;
                out.record(shape, result, sent.elapsed());
            }
            out
        });
    }
    let mut total = Outcome::default();
    while let Some(done) = workers.join_next().await {
        let Ok(out) = done else { continue };
        total.samples.extend(out.samples);
        total.errors += out.errors;
        total.hits_returned += out.hits_returned;
        total.empty += out.empty;
        if total.first_error.is_none() {
            total.first_error = out.first_error;
        }
    }
    total.wall = clock.elapsed();
    total
}

/// Sends `load` at `rate` requests a second over `channels` (request i on
/// connection i mod len), whatever the pace of the answers: an open loop,
/// as from many independent users, where [`run`]'s workers each wait for
/// an answer before asking again. Each latency runs from the moment its
/// request was due, so a request that this program sent late, because it
/// fell behind, counts its wait too. At most `max_in_flight` requests wait
/// for their answers at once; a request due when that many wait is not
/// sent, and counted in [`Outcome::unsent`].
pub async fn run_at_rate(
    load: &Load,
    channels: &[Channel],
    rate: f64,
    max_in_flight: usize,
    bounds: &Bounds,
) -> Outcome {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let clock = Instant::now();
    // The requests are paced by a thread of their own: tokio's timers tick
    // by the millisecond, too coarse for a request every 200 µs.
    let pacer = {
        let (load, channels, bounds) = (load.clone(), channels.to_vec(), bounds.clone());
        let runtime = tokio::runtime::Handle::current();
        let in_flight = Arc::clone(&in_flight);
        std::thread::spawn(move || {
            let mut unsent = 0;
            for i in 0..bounds.requests {
                let due = clock + Duration::from_secs_f64(i as f64 / rate);
                let stopped = bounds
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.load(Ordering::Relaxed));
                if stopped || due >= clock + bounds.time {
                    break;
                }
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                if in_flight.fetch_add(1, Ordering::Relaxed) >= max_in_flight {
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                    unsent += 1;
                    continue;
                }
                let (channel, load, tx) = (
                    channels[i % channels.len()].clone(),
                    load.clone(),
                    tx.clone(),
                );
                let in_flight = Arc::clone(&in_flight);
                runtime.spawn(async move {
                    let late = due.elapsed();
                    let answer = send(&load, channel, i).await;
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                    // The receiver outlives every sender.
                    let _ = tx.send((answer, due.elapsed(), late));
                });
            }
            unsent
        })
    };
    let mut out = Outcome::default();
    // Every task holds a sender: this ends when the last answer is in.
    while let Some(((shape, result), latency, late)) = rx.recv().await {
        out.record(shape, result, latency);
        out.late.push(late);
    }
    out.wall = clock.elapsed();
    out.unsent = tokio::task::spawn_blocking(move || pacer.join().unwrap_or_default())
        .await
        .unwrap_or_default();
    out
}

/// Sends the `i`th request of `load` on `channel`: its shape, and on
/// success the items returned and whether none matched.
async fn send(
    load: &Load,
    channel: Channel,
    i: usize,
) -> (Shape, Result<(u64, bool), tonic::Status>) {
    match load {
        Load::Search(mix) => {
            let (shape, request) = &mix[i % mix.len()];
            (*shape, search_counted(channel, request.clone()).await)
        }
        Load::Health => {
            let request = HealthCheckRequest {
                service: crate::process::SERVICE.to_owned(),
            };
            let answer = HealthClient::new(channel)
                .check(request)
                .await
                .map(|_| (0, false));
            (Shape::Browse, answer)
        }
    }
}

/// What the load generator reads of a `SearchResponse`: its items, left
/// undecoded, and `total_hits`; the facets and snippets are skipped.
#[derive(Clone, PartialEq, prost::Message)]
struct SearchCount {
    #[prost(bytes = "bytes", repeated, tag = "1")]
    items: Vec<prost::bytes::Bytes>,
    #[prost(uint64, tag = "2")]
    total_hits: u64,
}

/// Asks `Search`, reading of the answer only how many items came and
/// whether any matched. Decoding every item, facet and snippet took over a
/// third of this program's CPU, which the daemon, on the same cores, then
/// lacked; a real client decodes them on its own machine.
pub async fn search_counted(
    channel: Channel,
    request: pb::SearchRequest,
) -> Result<(u64, bool), tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let path = PathAndQuery::from_static("/perfusion.v1.AggregatorService/Search");
    let codec = tonic_prost::ProstCodec::<pb::SearchRequest, SearchCount>::default();
    let answer = grpc
        .unary(tonic::Request::new(request), path, codec)
        .await?
        .into_inner();
    Ok((answer.items.len() as u64, answer.total_hits == 0))
}

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    /// Requests counted.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// The slowest.
    pub max: Duration,
}

/// Nearest-rank percentiles of `latencies`.
pub fn percentiles(mut latencies: Vec<Duration>) -> Percentiles {
    if latencies.is_empty() {
        return Percentiles::default();
    }
    latencies.sort_unstable();
    let n = latencies.len();
    let at = |p: f64| latencies[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
    Percentiles {
        count: n,
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: latencies[n - 1],
    }
}

impl Outcome {
    /// Counts one request's answer.
    fn record(
        &mut self,
        shape: Shape,
        result: Result<(u64, bool), tonic::Status>,
        latency: Duration,
    ) {
        match result {
            Ok((returned, empty)) => {
                self.samples.push(Sample { shape, latency });
                self.hits_returned += returned;
                self.empty += usize::from(empty);
            }
            Err(status) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| status.to_string());
            }
        }
    }

    /// Answered requests per second.
    pub fn qps(&self) -> f64 {
        self.samples.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Percentiles of every answered request.
    pub fn percentiles(&self) -> Percentiles {
        percentiles(self.samples.iter().map(|s| s.latency).collect())
    }

    /// Percentiles of the requests of one shape.
    pub fn percentiles_of(&self, shape: Shape) -> Percentiles {
        percentiles(
            self.samples
                .iter()
                .filter(|s| s.shape == shape)
                .map(|s| s.latency)
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_request_of_the_mix_repeats_another() {
        let mix = mix();
        assert_eq!(mix.len(), FILTERS.len() * Shape::ALL.len() * 2);
        for (i, (_, a)) in mix.iter().enumerate() {
            for (_, b) in &mix[i + 1..] {
                assert_ne!(a, b, "asked twice");
            }
        }
    }

    #[test]
    fn a_blend_asks_new_searches_at_its_share_spread_evenly() {
        let mix = mix();
        let pool = uncached(&mix);
        let blend = blend(&mix, &pool, 20);
        let new: Vec<bool> = blend.iter().map(|(_, r)| r.page_size != 0).collect();
        // Each of the 4,060 new searches once, four of the mix's between.
        assert_eq!(new.iter().filter(|n| **n).count(), 4060);
        assert_eq!(blend.len(), 20_300);
        assert!(
            new.chunks(5)
                .all(|five| five == [false, false, false, false, true])
        );
        let distinct: std::collections::HashSet<_> = blend
            .iter()
            .filter(|(_, r)| r.page_size != 0)
            .map(|(_, r)| format!("{r:?}"))
            .collect();
        assert_eq!(distinct.len(), 4060);
        // The rest is the mix, in its order.
        let old: Vec<_> = blend.iter().filter(|(_, r)| r.page_size == 0).collect();
        assert_eq!(old[0].1, mix[0].1);
        assert_eq!(old[141].1, mix[1].1);

        let all_new = super::blend(&mix, &pool, 100);
        assert_eq!(all_new.len(), 4060);
        assert!(
            all_new
                .iter()
                .all(|(_, r)| (10..40).contains(&r.page_size) && r.page_size != 20)
        );
    }
}
