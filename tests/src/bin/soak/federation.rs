//! The soak run's federation: the synthetic listing pages served from
//! several web servers on 127.0.0.1 (one per "site", each its own host to
//! the daemon's politeness), a third of whose sources misbehave, a
//! different third each fetch cycle.
//!
//! Source n is bad in cycle k when (n + k) mod 3 is 0; cycle 0 is all good
//! (the first ingest), and so is the federation once the run ends. Sources
//! n, n + H, n + 2H share site n mod H (H = sources / 3, rounded up), so
//! each site has one bad source per cycle, and a slow one holds up the
//! others behind the daemon's one-request-per-host rule. What a bad source
//! does is drawn from the seed, the source and the cycle: one of
//! [`Misbehaviour::ALL`], in one of its variants. Every response is
//! counted, each misbehaviour by variant.
//!
//! A good page carries an ETag and answers a matching If-None-Match with
//! 304, as the real sites do; so do the pages whose bytes are wrong but
//! readable (truncated, invalid UTF-8, changed markup), each with its own
//! ETag. robots.txt is 404 (no rules).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use fastrand::Rng;
use perfusion_tests::synth::Page;
use tokio::net::TcpListener;
use tokio_stream::wrappers::ReceiverStream;

/// What a bad source does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Answers after the daemon's fetch timeout, or trickles its body so
    /// slowly that the whole response takes longer than the timeout.
    Slow,
    /// 500, or 503 with Retry-After.
    ServerError,
    /// 429 with Retry-After in seconds or as an HTTP date.
    TooManyRequests,
    /// The page cut off inside its last item, random bytes as text/html,
    /// the page as application/pdf, or the page with invalid UTF-8 in it.
    Malformed,
    /// A body beyond the daemon's cap: declared in Content-Length, or
    /// streamed without one.
    Huge,
    /// The page redesigned: the same items in markup the selectors no
    /// longer match (classes renamed, or the list turned into articles).
    ChangedMarkup,
}

impl Misbehaviour {
    /// Every misbehaviour, in report order.
    pub const ALL: [Misbehaviour; 6] = [
        Misbehaviour::Slow,
        Misbehaviour::ServerError,
        Misbehaviour::TooManyRequests,
        Misbehaviour::Malformed,
        Misbehaviour::Huge,
        Misbehaviour::ChangedMarkup,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Misbehaviour::Slow => "slow",
            Misbehaviour::ServerError => "5xx",
            Misbehaviour::TooManyRequests => "429",
            Misbehaviour::Malformed => "malformed",
            Misbehaviour::Huge => "huge",
            Misbehaviour::ChangedMarkup => "changed markup",
        }
    }

    /// The names of its variants.
    pub fn variants(self) -> &'static [&'static str] {
        match self {
            Misbehaviour::Slow => &["delayed", "trickled"],
            Misbehaviour::ServerError => &["500", "503 + Retry-After"],
            Misbehaviour::TooManyRequests => &["Retry-After seconds", "Retry-After date"],
            Misbehaviour::Malformed => &["truncated", "garbage", "wrong type", "invalid UTF-8"],
            Misbehaviour::Huge => &["Content-Length", "streamed"],
            Misbehaviour::ChangedMarkup => &["classes renamed", "restructured"],
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }
}

/// Most variants a misbehaviour has.
const MAX_VARIANTS: usize = 4;

/// A body served with an ETag and a content type.
struct Doc {
    body: Bytes,
    etag: String,
    content_type: &'static str,
}

impl Doc {
    fn new(body: Vec<u8>, content_type: &'static str) -> Self {
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hash);
        Self {
            etag: format!("\"{:016x}\"", hash.finish()),
            body: Bytes::from(body),
            content_type,
        }
    }
}

/// One source's page in every shape it is served in.
struct Served {
    good: Doc,
    truncated: Doc,
    invalid_utf8: Doc,
    renamed: Doc,
    restructured: Doc,
    garbage: Bytes,
}

/// Responses served so far.
#[derive(Debug, Default)]
pub struct Counters {
    /// Every request.
    pub requests: AtomicU64,
    /// Good pages sent in full.
    pub good: AtomicU64,
    /// 304s (of good pages, and of wrong pages already read).
    pub not_modified: AtomicU64,
    /// robots.txt requests (404).
    pub robots: AtomicU64,
    /// Requests for anything else (404).
    pub unknown: AtomicU64,
    served: [[AtomicU64; MAX_VARIANTS]; 6],
}

impl Counters {
    /// How often each variant of `m` was served.
    pub fn served(&self, m: Misbehaviour) -> Vec<(&'static str, u64)> {
        m.variants()
            .iter()
            .enumerate()
            .map(|(v, name)| (*name, self.served[m.index()][v].load(Ordering::Relaxed)))
            .collect()
    }

    /// Misbehaviours served in all.
    pub fn misbehaviours(&self) -> u64 {
        self.served
            .iter()
            .flatten()
            .map(|n| n.load(Ordering::Relaxed))
            .sum()
    }
}

struct Shared {
    sources: Vec<Served>,
    by_path: HashMap<String, usize>,
    cycle: AtomicU64,
    seed: u64,
    timeout: Duration,
    /// An oversized body of listing markup, twice the cap.
    huge: Bytes,
    /// The chunk a streamed oversized body repeats.
    huge_chunk: Bytes,
    /// How much a streamed oversized body sends at most.
    huge_streamed: usize,
    counters: Counters,
}

/// The running federation.
pub struct Federation {
    sites: Vec<SocketAddr>,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Federation {
    /// Serves `pages` from sources / 3 sites (rounded up) on free loopback
    /// ports. `timeout` is the daemon's fetch timeout (a slow answer takes
    /// longer), `cap` its body limit (a huge one is larger).
    pub async fn start(
        pages: &[Page],
        seed: u64,
        timeout: Duration,
        cap: usize,
    ) -> anyhow::Result<Self> {
        let mut rng = Rng::with_seed(seed ^ 0x50a4);
        let sources = pages.iter().map(|p| served(p, &mut rng)).collect();
        let by_path = pages
            .iter()
            .enumerate()
            .map(|(n, p)| (p.path.clone(), n))
            .collect();
        let listing = |n: usize| {
            format!(
                "<li class=\"event\"><h3 class=\"title\"><a href=\"https://www.soak.invalid/huge/{n}\">Oversized listing {n}</a></h3><p class=\"date\">May 4, 2027</p></li>\n"
            )
        };
        let mut huge = String::from("<!DOCTYPE html><html><body><ul class=\"events\">\n");
        let mut n = 0;
        while huge.len() < cap * 2 {
            huge.push_str(&listing(n));
            n += 1;
        }
        let chunk: String = (0..512).map(listing).collect();
        let shared = Arc::new(Shared {
            sources,
            by_path,
            cycle: AtomicU64::new(0),
            seed,
            timeout,
            huge: Bytes::from(huge),
            huge_chunk: Bytes::from(chunk),
            huge_streamed: cap * 4,
            counters: Counters::default(),
        });
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&shared));
        let mut sites = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..pages.len().div_ceil(3).max(1) {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            sites.push(listener.local_addr()?);
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    eprintln!("soak: a site stopped: {e}");
                }
            }));
        }
        Ok(Self {
            sites,
            shared,
            tasks,
        })
    }

    /// The URL of source `n`'s page (`path` is its path).
    pub fn url(&self, n: usize, path: &str) -> String {
        format!("http://{}{path}", self.sites[n % self.sites.len()])
    }

    /// How many sites serve the sources.
    pub fn sites(&self) -> usize {
        self.sites.len()
    }

    /// Starts cycle `k`: a new third of the sources misbehaves (none in
    /// cycle 0).
    pub fn set_cycle(&self, k: u64) {
        self.shared.cycle.store(k, Ordering::SeqCst);
    }

    /// What has been served.
    pub fn counters(&self) -> &Counters {
        &self.shared.counters
    }
}

impl Drop for Federation {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A page in its good shape and in every wrong one.
fn served(page: &Page, rng: &mut Rng) -> Served {
    let good = String::from_utf8_lossy(&page.body).into_owned();
    // Cut inside the last item's description: its title and link (and so
    // its id) survive, as they would in a page a server sent half of.
    let summary = "<p class=\"summary\">";
    let cut = good
        .rfind(summary)
        .map_or(good.len() / 2, |at| at + summary.len() + 12);
    let cut = (0..=cut.min(good.len()))
        .rev()
        .find(|&i| good.is_char_boundary(i))
        .unwrap_or(0);
    let mut invalid = good.clone().into_bytes();
    let at = good.find("<main>").map_or(0, |i| i + "<main>".len());
    invalid.splice(at..at, b"<!-- \xff\xfe\xc3\x28 \x80 -->".iter().copied());
    let renamed = good
        .replace("class=\"event\"", "class=\"event-card\"")
        .replace("class=\"title\"", "class=\"card-title\"");
    let restructured = good
        .replace("<ul class=\"events\">", "<div class=\"grid\">")
        .replace("<li class=\"event\">", "<article class=\"teaser\">")
        .replace("</li>", "</article>")
        .replace("</ul>", "</div>");
    let garbage: Vec<u8> = (0..16 * 1024).map(|_| rng.u8(..)).collect();
    Served {
        truncated: Doc::new(good.as_bytes()[..cut].to_vec(), "text/html; charset=utf-8"),
        invalid_utf8: Doc::new(invalid, "text/html; charset=utf-8"),
        renamed: Doc::new(renamed.into_bytes(), "text/html; charset=utf-8"),
        restructured: Doc::new(restructured.into_bytes(), "text/html; charset=utf-8"),
        good: Doc::new(good.into_bytes(), "text/html; charset=utf-8"),
        garbage: Bytes::from(garbage),
    }
}

impl Shared {
    /// What source `n` does in cycle `k`: `None` when it behaves.
    fn plan(&self, n: usize, k: u64) -> Option<(Misbehaviour, usize)> {
        if k == 0 || !(n as u64 + k).is_multiple_of(3) {
            return None;
        }
        let mut rng = Rng::with_seed(
            self.seed
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add((n as u64) << 32)
                .wrapping_add(k),
        );
        let m = Misbehaviour::ALL[rng.usize(..Misbehaviour::ALL.len())];
        Some((m, rng.usize(..m.variants().len())))
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(text))
        .expect("a response")
}

/// `doc`, or 304 when the client already has it.
fn page(shared: &Shared, doc: &Doc, headers: &HeaderMap) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == doc.etag.as_bytes());
    let response = Response::builder().header(header::ETAG, &doc.etag);
    if fresh {
        shared.counters.not_modified.fetch_add(1, Ordering::Relaxed);
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("a response");
    }
    response
        .header(header::CONTENT_TYPE, doc.content_type)
        .body(Body::from(doc.body.clone()))
        .expect("a response")
}

/// A 200 whose body is `chunks`, one every `every`, without a length.
fn streamed(chunks: impl Iterator<Item = Bytes> + Send + 'static, every: Duration) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        for chunk in chunks {
            // The daemon gave up (timeout, cap): stop writing.
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
            if !every.is_zero() {
                tokio::time::sleep(every).await;
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from_stream(ReceiverStream::new(rx)))
        .expect("a response")
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let counters = &shared.counters;
    counters.requests.fetch_add(1, Ordering::Relaxed);
    let path = request.uri().path();
    if path == "/robots.txt" {
        counters.robots.fetch_add(1, Ordering::Relaxed);
        return plain(StatusCode::NOT_FOUND, "no robots.txt");
    }
    let Some(&n) = shared.by_path.get(path) else {
        counters.unknown.fetch_add(1, Ordering::Relaxed);
        return plain(StatusCode::NOT_FOUND, "no such page");
    };
    let source = &shared.sources[n];
    let Some((m, variant)) = shared.plan(n, shared.cycle.load(Ordering::SeqCst)) else {
        let response = page(&shared, &source.good, &headers);
        if response.status() == StatusCode::OK {
            counters.good.fetch_add(1, Ordering::Relaxed);
        }
        return response;
    };
    counters.served[m.index()][variant].fetch_add(1, Ordering::Relaxed);
    let timeout = shared.timeout;
    match (m, variant) {
        (Misbehaviour::Slow, 0) => {
            tokio::time::sleep(timeout + Duration::from_secs(2)).await;
            page(&shared, &source.good, &HeaderMap::new())
        }
        (Misbehaviour::Slow, _) => {
            // Eight pieces, a quarter of the timeout apart: twice the
            // timeout in all.
            let body = source.good.body.clone();
            let piece = body.len().div_ceil(8).max(1);
            let pieces: Vec<Bytes> = (0..body.len())
                .step_by(piece)
                .map(|at| body.slice(at..(at + piece).min(body.len())))
                .collect();
            streamed(pieces.into_iter(), timeout / 4)
        }
        (Misbehaviour::ServerError, 0) => {
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
        }
        (Misbehaviour::ServerError, _) => {
            let mut r = plain(StatusCode::SERVICE_UNAVAILABLE, "down for maintenance");
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("15"));
            r
        }
        (Misbehaviour::TooManyRequests, v) => {
            let after = if v == 0 {
                (5 + n % 26).to_string()
            } else {
                (chrono::Utc::now() + chrono::Duration::seconds(20))
                    .format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string()
            };
            let mut r = plain(StatusCode::TOO_MANY_REQUESTS, "slow down");
            if let Ok(value) = header::HeaderValue::from_str(&after) {
                r.headers_mut().insert(header::RETRY_AFTER, value);
            }
            r
        }
        (Misbehaviour::Malformed, 0) => page(&shared, &source.truncated, &headers),
        (Misbehaviour::Malformed, 1) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(source.garbage.clone()))
            .expect("a response"),
        (Misbehaviour::Malformed, 2) => Response::builder()
            .header(header::CONTENT_TYPE, "application/pdf")
            .body(Body::from(source.good.body.clone()))
            .expect("a response"),
        (Misbehaviour::Malformed, _) => page(&shared, &source.invalid_utf8, &headers),
        (Misbehaviour::Huge, 0) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(shared.huge.clone()))
            .expect("a response"),
        (Misbehaviour::Huge, _) => {
            let chunk = shared.huge_chunk.clone();
            let count = shared.huge_streamed.div_ceil(chunk.len());
            streamed(std::iter::repeat_n(chunk, count), Duration::ZERO)
        }
        (Misbehaviour::ChangedMarkup, 0) => page(&shared, &source.renamed, &headers),
        (Misbehaviour::ChangedMarkup, _) => page(&shared, &source.restructured, &headers),
    }
}
