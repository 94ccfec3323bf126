//! Polite and resilient fetching against servers that misbehave, each
//! started by its test on 127.0.0.1: validators and 304s, robots.txt,
//! Retry-After, a hang, an endless body, a redirect loop, invalid UTF-8, a
//! 500 after a good run, and one request at a time per host.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use perfusion_proto::v1 as pb;
use perfusion_tests::{TestDaemon, config_from, fixture_sites, items_of};
use perfusiond::state::Outcome;
use perfusiond::{Daemon, Options};
use tokio::net::TcpListener;

/// What the server saw: requests per path, If-None-Match values, and the
/// most requests it had in flight at once.
#[derive(Debug, Default)]
struct Seen {
    requests: Mutex<HashMap<String, usize>>,
    if_none_match: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Seen {
    fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

/// IPA's feed: six posts.
fn ipa_feed() -> Vec<u8> {
    std::fs::read(fixture_sites().join("iperfusion.org/feed/index")).unwrap()
}

/// The listing of an html_list source, with bytes that are not UTF-8.
const LATIN1_PAGE: &[u8] = b"<html><body><ul><li class=\"event\"><h3>Curso de ECMO en Montr\xe9al</h3><span class=\"date\">12/06/2026</span></li></ul></body></html>";

async fn handle(State(seen): State<Arc<Seen>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let n = {
        let mut requests = seen.requests.lock().unwrap();
        let n = requests.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = respond(&seen, &path, n, request.headers()).await;
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

fn feed_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
}

async fn respond(seen: &Seen, path: &str, n: usize, headers: &HeaderMap) -> Response {
    let feed = feed_response;
    match path {
        "/robots.txt" => "User-agent: *\nDisallow: /private/\n".into_response(),
        "/etag/feed/" => {
            if let Some(tag) = headers.get(header::IF_NONE_MATCH) {
                let tag = tag.to_str().unwrap().to_owned();
                seen.if_none_match.lock().unwrap().push(tag.clone());
                if tag == "\"v1\"" {
                    return (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v1\"")]).into_response();
                }
            }
            let mut r = feed(ipa_feed());
            r.headers_mut()
                .insert(header::ETAG, "\"v1\"".parse().unwrap());
            r
        }
        "/busy/feed/" => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "120")],
        )
            .into_response(),
        "/hang/feed/" => std::future::pending::<Response>().await,
        "/endless/feed/" => {
            let chunks = tokio_stream::iter(std::iter::repeat_with(|| {
                Ok::<_, Infallible>(Bytes::from_static(&[b'x'; 8192]))
            }));
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                Body::from_stream(chunks),
            )
                .into_response()
        }
        "/loop/feed/" => (StatusCode::FOUND, [(header::LOCATION, "/loop/feed/")]).into_response(),
        "/latin1/events.html" => {
            ([(header::CONTENT_TYPE, "text/html")], LATIN1_PAGE).into_response()
        }
        "/flaky/feed/" if n == 1 => feed(ipa_feed()),
        "/flaky/feed/" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        p if p.starts_with("/slow/") => {
            // A slow page, so that overlapping requests would show.
            tokio::time::sleep(std::time::Duration::from_millis(40)).await;
            feed(ipa_feed())
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

struct Misbehaving {
    addr: SocketAddr,
    seen: Arc<Seen>,
}

impl Misbehaving {
    async fn start() -> Self {
        let seen = Arc::new(Seen::default());
        let app = Router::new().fallback(handle).with_state(Arc::clone(&seen));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, seen }
    }

    /// A config with one feed source per path, or an html_list source for
    /// `.html` paths.
    fn config(&self, paths: &[&str]) -> String {
        let mut text =
            String::from("version = 1\n[fetch]\ntimeout_secs = 1\nmax_body_bytes = 65536\n");
        for (i, path) in paths.iter().enumerate() {
            let name = path.trim_matches('/').split('/').next().unwrap();
            text.push_str(&format!(
                "\n[[source]]\nid = \"{name}{i}\"\norg = \"Test\"\nurl = \"http://{}{path}\"\nkind = \"publication\"\n",
                self.addr
            ));
            if path.ends_with(".html") {
                text.push_str("format = \"html_list\"\nitem = \"li.event\"\ntitle = \"h3\"\ndate = \".date\"\n");
            } else {
                text.push_str("format = \"feed\"\n");
            }
        }
        text
    }
}

async fn start(paths: &[&str]) -> (Misbehaving, TestDaemon) {
    let server = Misbehaving::start().await;
    let daemon = TestDaemon::start(config_from(&server.config(paths))).await;
    (server, daemon)
}

#[tokio::test]
async fn a_304_costs_no_parsing_and_no_index_write() {
    let (server, daemon) = start(&["/etag/feed/"]).await;
    let runner = daemon.daemon.runner();
    let first = runner.states().get("etag0");
    assert_eq!(
        (first.outcome, first.etag.as_deref()),
        (Outcome::Ok, Some("\"v1\""))
    );
    let store = daemon.daemon.store();
    let before = items_of(store, "");
    assert_eq!(before.len(), 6);
    // A calendar's search, asked twice: the second is answered with what
    // the daemon kept of the first.
    let mut client = daemon.client().await;
    let search = || pb::SearchRequest {
        include_past: true,
        ..Default::default()
    };
    let last_seen = |answer: pb::SearchResponse| -> Vec<_> {
        let mut seen: Vec<_> = answer
            .items
            .into_iter()
            .map(|item| {
                let at = item.last_seen.unwrap();
                chrono::DateTime::from_timestamp(at.seconds, at.nanos as u32).unwrap()
            })
            .collect();
        seen.dedup();
        seen
    };
    for _ in 0..2 {
        let answer = client.search(search()).await.unwrap().into_inner();
        assert_eq!(last_seen(answer), [first.listed_at.unwrap()]);
    }

    let report = runner.run_source("etag0").await.unwrap();
    assert_eq!(report.outcome, Outcome::NotModified);
    assert_eq!((report.items, report.stats), (0, Default::default()));
    assert_eq!(*server.seen.if_none_match.lock().unwrap(), ["\"v1\""]);
    // Nothing was rewritten: the items are exactly as they were.
    assert_eq!(items_of(store, ""), before);
    assert_eq!(runner.states().get("etag0").last_run_items, 6);

    // Yet the read saw them: a client is told so.
    let read_again = runner.states().get("etag0").listed_at.unwrap();
    assert!(read_again > first.listed_at.unwrap());
    let id = before[0].id.clone();
    let item = daemon
        .client()
        .await
        .get_item(pb::GetItemRequest { id })
        .await
        .unwrap()
        .into_inner()
        .item
        .unwrap();
    let (last, first) = (item.last_seen.unwrap(), item.first_seen.unwrap());
    let at = |seconds, nanos: i32| chrono::DateTime::from_timestamp(seconds, nanos as u32);
    assert_eq!(at(last.seconds, last.nanos), Some(read_again));
    assert_eq!(at(first.seconds, first.nanos), Some(before[0].first_seen));
    // The same search again, with no commit since: its items too were
    // last seen by this read, not as the answer kept from before it.
    let answer = client.search(search()).await.unwrap().into_inner();
    assert_eq!(answer.items.len(), 6);
    assert_eq!(last_seen(answer), [read_again]);
}

#[tokio::test]
async fn an_index_set_aside_is_filled_again_though_the_page_has_not_changed() {
    // An upgrade whose index schema changed sets the old index aside and
    // starts an empty one, while the sources' states keep their ETags.
    let server = Misbehaving::start().await;
    let data = tempfile::tempdir().unwrap();
    let options = Options {
        config: config_from(&server.config(&["/etag/feed/"])),
        data_dir: Some(data.path().to_owned()),
        replay: None,
        record: None,
    };
    let daemon = Daemon::open(options.clone()).unwrap();
    daemon.run_once().await;
    assert_eq!(daemon.runner().item_count("etag0"), 6);
    daemon.close().await;
    let index = data.path().join("index");
    std::fs::rename(&index, index.with_extension("old-1")).unwrap();

    let upgraded = Daemon::open(options).unwrap();
    let report = upgraded.runner().run_source("etag0").await.unwrap();
    assert_eq!((report.outcome, report.items), (Outcome::Ok, 6));
    assert_eq!(upgraded.runner().item_count("etag0"), 6);
    // Asked in full, not "changed since v1?".
    assert!(
        server.seen.if_none_match.lock().unwrap().is_empty(),
        "{:?}",
        server.seen.if_none_match
    );
    assert_eq!(
        upgraded.runner().states().get("etag0").etag.as_deref(),
        Some("\"v1\"")
    );
}

#[tokio::test]
async fn a_path_robots_txt_disallows_is_never_requested() {
    let (server, daemon) = start(&["/private/feed/", "/etag/feed/"]).await;
    let state = daemon.daemon.runner().states().get("private0");
    assert_eq!(state.outcome, Outcome::Failed);
    assert!(
        state
            .last_error
            .as_deref()
            .unwrap()
            .ends_with("is disallowed by the site's robots.txt"),
        "{state:?}"
    );
    assert_eq!(server.seen.count("/private/feed/"), 0);
    assert_eq!(server.seen.count("/robots.txt"), 1, "read once per host");
    assert_eq!(
        daemon.daemon.runner().states().get("etag1").outcome,
        Outcome::Ok
    );
}

#[tokio::test]
async fn a_robots_txt_that_fails_otherwise_than_404_leaves_the_site_alone() {
    // A site whose robots.txt answers 403 (a second server: its robots.txt
    // is the only thing it serves wrong).
    let forbidding = Router::new().fallback(|request: Request| async move {
        if request.uri().path() == "/robots.txt" {
            StatusCode::FORBIDDEN.into_response()
        } else {
            feed_response(ipa_feed())
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, forbidding).await.unwrap() });
    let config = format!(
        "version = 1\n[[source]]\nid = \"guarded\"\norg = \"Test\"\nurl = \"http://{addr}/feed/\"\nkind = \"publication\"\nformat = \"feed\"\n"
    );
    let daemon = TestDaemon::start(config_from(&config)).await;
    let state = daemon.daemon.runner().states().get("guarded");
    assert_eq!(state.outcome, Outcome::Failed);
    assert!(
        state
            .last_error
            .as_deref()
            .unwrap()
            .contains("robots.txt of http://"),
        "{state:?}"
    );
    assert!(
        state.not_before.is_some(),
        "not now: the source backs off and asks again later"
    );
    assert_eq!(daemon.daemon.runner().item_count("guarded"), 0);
}

#[tokio::test]
async fn a_retry_after_is_kept_even_across_a_restart() {
    let server = Misbehaving::start().await;
    let config = config_from(&server.config(&["/busy/feed/"]));
    let data = tempfile::tempdir().unwrap();
    let options = Options {
        config,
        data_dir: Some(data.path().to_owned()),
        replay: None,
        record: None,
    };
    let daemon = Arc::new(Daemon::open(options.clone()).unwrap());
    let asked_at = chrono::Utc::now();
    let first = daemon.run_once().await;
    assert_eq!(first[0].outcome, Outcome::Failed);
    assert!(
        first[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("HTTP 429 from"),
        "{first:?}"
    );
    let not_before = daemon
        .runner()
        .states()
        .get("busy0")
        .not_before
        .expect("a wait");
    let waited = (not_before - asked_at).num_seconds();
    // What the server asked wins over our own backoff (at most 90 s here).
    assert!(
        (119..=121).contains(&waited),
        "Retry-After: 120, waited {waited}"
    );

    let again = daemon.runner().run_source("busy0").await.unwrap();
    assert_eq!(again.skipped_until, Some(not_before));
    assert_eq!(server.seen.count("/busy/feed/"), 1, "the wait is kept");
    Arc::into_inner(daemon)
        .expect("the test holds the only daemon")
        .close()
        .await;

    let restarted = Daemon::open(options).unwrap();
    let after = restarted.runner().run_source("busy0").await.unwrap();
    assert_eq!(after.skipped_until, Some(not_before));
    assert_eq!(
        server.seen.count("/busy/feed/"),
        1,
        "and survives a restart"
    );
}

#[tokio::test]
async fn a_hanging_server_times_out_and_the_others_are_unaffected() {
    let (_server, daemon) = start(&["/hang/feed/", "/etag/feed/"]).await;
    let states = daemon.daemon.runner().states();
    let hang = states.get("hang0");
    assert_eq!(hang.outcome, Outcome::Failed);
    assert!(
        hang.last_error.as_deref().unwrap().contains("timed out"),
        "{hang:?}"
    );
    assert!(
        hang.not_before.is_some(),
        "a timeout is transient: the source backs off"
    );
    assert_eq!(states.get("etag1").outcome, Outcome::Ok);
    assert_eq!(daemon.daemon.runner().item_count("etag1"), 6);
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let (_server, daemon) = start(&["/endless/feed/"]).await;
    let state = daemon.daemon.runner().states().get("endless0");
    assert_eq!(state.outcome, Outcome::Failed);
    assert!(
        state
            .last_error
            .as_deref()
            .unwrap()
            .ends_with("is larger than 65536 bytes"),
        "{state:?}"
    );
    assert!(
        state.not_before.is_none(),
        "too large is permanent: no backoff"
    );
}

#[tokio::test]
async fn a_redirect_loop_fails_only_its_source() {
    let (server, daemon) = start(&["/loop/feed/", "/etag/feed/"]).await;
    let state = daemon.daemon.runner().states().get("loop0");
    assert_eq!(state.outcome, Outcome::Failed);
    assert!(
        state.last_error.as_deref().unwrap().contains("redirect"),
        "{state:?}"
    );
    assert_eq!(
        server.seen.count("/loop/feed/"),
        6,
        "the first request and 5 redirects"
    );
    assert_eq!(
        daemon.daemon.runner().states().get("etag1").outcome,
        Outcome::Ok
    );
}

#[tokio::test]
async fn invalid_utf8_harms_nothing() {
    let (_server, daemon) = start(&["/latin1/events.html"]).await;
    let state = daemon.daemon.runner().states().get("latin10");
    assert_eq!(state.outcome, Outcome::Ok, "{state:?}");
    let items = items_of(daemon.daemon.store(), "");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title, "Curso de ECMO en Montr\u{FFFD}al");
}

#[tokio::test]
async fn a_500_after_a_good_run_keeps_the_items() {
    let (_server, daemon) = start(&["/flaky/feed/"]).await;
    let runner = daemon.daemon.runner();
    assert_eq!(runner.item_count("flaky0"), 6);
    let report = runner.run_source("flaky0").await.unwrap();
    assert_eq!(report.outcome, Outcome::Failed);
    assert!(
        report
            .error
            .as_deref()
            .unwrap()
            .starts_with("HTTP 500 from")
    );
    let state = runner.states().get("flaky0");
    assert_eq!(state.consecutive_failures, 1);
    assert!(
        state.not_before.is_some(),
        "a 500 is transient: the source backs off"
    );
    assert_eq!(
        runner.item_count("flaky0"),
        6,
        "nothing withdrawn on a failed run"
    );
}

#[tokio::test]
async fn one_host_gets_one_request_at_a_time() {
    let paths = ["/slow/a/", "/slow/b/", "/slow/c/", "/slow/d/"];
    let (server, daemon) = start(&paths).await;
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(server.seen.count(path), 1);
        assert_eq!(
            daemon
                .daemon
                .runner()
                .states()
                .get(&format!("slow{i}"))
                .outcome,
            Outcome::Ok
        );
    }
    assert_eq!(server.seen.most_in_flight.load(Ordering::SeqCst), 1);
}
