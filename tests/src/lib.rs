//! What the end-to-end tests stand on: a fixture web server on 127.0.0.1,
//! the real `sources.toml` pointed at it, the daemon started in-process
//! exactly as `perfusiond` starts it, the real gRPC client, and the built
//! binaries.
//!
//! The fixture server serves the response archive
//! (`tests/fixtures/sites/<host>/<path>`, the layout `--replay` reads) at
//! `http://127.0.0.1:PORT/<host>/<path>`, so a source's `https://<host>/...`
//! URL becomes `http://127.0.0.1:PORT/<host>/...` and nothing leaves the
//! machine.
//!
//! It also holds what the on-demand programs of `src/bin/` share: the
//! synthetic federation ([`synth`]), the `perfusiond` binary run as a
//! separate process ([`process`]), and the search mix and its workers
//! ([`drive`]).

pub mod drive;
pub mod process;
pub mod synth;

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use perfusiond::{Daemon, Options, config};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the repository")
        .to_path_buf()
}

/// The fixture archive of the real sources.
pub fn fixture_sites() -> PathBuf {
    repo_root().join("tests/fixtures/sites")
}

/// A web server on 127.0.0.1 serving an archive folder.
#[derive(Debug)]
pub struct FixtureServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl FixtureServer {
    /// Serves `root` on a free port; returns once the port is bound.
    pub async fn start(root: PathBuf) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .fallback(serve_archive)
            .with_state(Arc::new(root));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fixture server");
        });
        Self { addr, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A config's text with every `https://` URL served by this server.
    pub fn rewrite(&self, config_text: &str) -> String {
        config_text.replace("https://", &format!("{}/", self.base()))
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_archive(
    State(root): State<Arc<PathBuf>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let (host, rest) = path.split_once('/').unwrap_or((path, ""));
    let mut url = format!("https://{host}/{rest}");
    if let Some(query) = request.uri().query() {
        url.push('?');
        url.push_str(query);
    }
    let recorded = url::Url::parse(&url)
        .ok()
        .and_then(|url| perfusiond::fetch::archive::load(&root, &url).ok().flatten());
    let Some(r) = recorded else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not in the fixtures"))
            .expect("a response");
    };
    // Like a real site: an ETag from the body, 304 when the client has it.
    let etag = format!("\"{:016x}\"", {
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        r.body.hash(&mut hash);
        hash.finish()
    });
    let mut response = Response::builder().header(header::ETAG, &etag);
    // The recorded Last-Modified and Date headers go out too: a page's
    // date is what places its year-less dates.
    for (name, value) in &r.headers {
        if matches!(name.as_str(), "last-modified" | "date") {
            response = response.header(name.as_str(), value.as_str());
        }
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    if fresh {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("a response");
    }
    response
        .header(header::CONTENT_TYPE, r.content_type)
        .body(Body::from(r.body))
        .expect("a response")
}

/// Every item of an index matching `text` (all when empty), past and
/// withdrawn ones included, soonest first.
pub fn items_of(store: &perfusion_index::IndexStore, text: &str) -> Vec<perfusion_index::Item> {
    let mut q = perfusion_index::SearchQuery::new(chrono::Utc::now().date_naive());
    q.text = text.to_owned();
    q.include_past = true;
    q.include_withdrawn = true;
    q.limit = 10_000;
    store.search(&q).expect("search").into_items()
}

/// The real `sources.toml`.
pub fn real_config_text() -> String {
    std::fs::read_to_string(repo_root().join("sources.toml")).expect("sources.toml")
}

/// The sources of ELSO's home page and IPA's feed: the pages the search,
/// calendar, CLI, service and crash tests were written against.
pub const HOME_SOURCES: &[&str] = &["elso-meetings", "elso-courses", "elso-notices", "ipa-news"];

/// The real `sources.toml` with only the named sources (and every other
/// table as it is). Tests that expect the items of a few pages read only
/// those, so a source added to the federation leaves them as they are;
/// `federation.rs` and `replay.rs` read every source.
pub fn real_config_text_of(ids: &[&str]) -> String {
    let mut table: toml::Table = toml::from_str(&real_config_text()).expect("sources.toml is TOML");
    let Some(toml::Value::Array(sources)) = table.get_mut("source") else {
        panic!("sources.toml has no [[source]]");
    };
    sources.retain(|s| {
        s.get("id")
            .and_then(toml::Value::as_str)
            .is_some_and(|id| ids.contains(&id))
    });
    assert_eq!(
        sources.len(),
        ids.len(),
        "every one of {ids:?} is a source of sources.toml"
    );
    toml::to_string(&table).expect("a TOML table serialises")
}

/// A config from its text, with no delay between requests to one host:
/// every fixture site is on 127.0.0.1. (The politeness tests set their own.)
pub fn config_from(text: &str) -> config::Config {
    let mut config = config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    config.fetch.min_delay_ms = 0;
    config
}

/// A daemon serving gRPC on a free loopback port, in-process.
#[derive(Debug)]
pub struct TestDaemon {
    /// Where gRPC listens.
    pub addr: SocketAddr,
    /// Where HTTP listens.
    pub http_addr: SocketAddr,
    /// The daemon itself.
    pub daemon: Arc<Daemon>,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestDaemon {
    /// Starts a daemon (index in memory) and waits for its first full cycle.
    pub async fn start(config: config::Config) -> Self {
        Self::start_with(Options {
            config,
            data_dir: None,
            replay: None,
            record: None,
        })
        .await
    }

    /// Starts a daemon with these options and waits for its first cycle.
    pub async fn start_with(options: Options) -> Self {
        let daemon = Arc::new(Daemon::open(options).expect("daemon opens"));
        let grpc = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let http = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = grpc.local_addr().expect("addr");
        let http_addr = http.local_addr().expect("addr");
        let mut cycles = daemon.cycles();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(Arc::clone(&daemon).serve(grpc, http, shutdown.clone()));
        cycles
            .wait_for(|n| *n >= 1)
            .await
            .expect("the first cycle completes");
        Self {
            addr,
            http_addr,
            daemon,
            shutdown,
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` of the HTTP server.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// A gRPC channel to the daemon.
    pub async fn channel(&self) -> Channel {
        tonic::transport::Endpoint::from_shared(self.url())
            .expect("url")
            .connect()
            .await
            .expect("connect")
    }

    /// The real generated client, connected.
    pub async fn client(&self) -> AggregatorServiceClient<Channel> {
        AggregatorServiceClient::new(self.channel().await)
    }

    /// Stops the daemon and waits for it to finish cleanly.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("the daemon stops cleanly");
        }
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The path of a workspace binary, built first if need be (a test run
/// builds the binaries only of the packages that have integration tests).
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .current_dir(repo_root())
            .args(["build", "--quiet", "--bins"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --bins failed");
    });
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    dir.join(name)
}
