//! A daemon killed with SIGKILL in the middle of a cycle restarts on a
//! consistent index: it opens, holds no duplicate, and the next cycle brings
//! every item exactly once. SIGTERM stops it cleanly with exit 0. What it
//! logs, kept by a service manager rather than shown on a terminal, is
//! plain text.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use perfusion_index::IndexStore;
use perfusion_tests::{HOME_SOURCES, binary, fixture_sites, items_of, real_config_text_of};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// Serves the fixture archive, but holds the `hold_at`-th page request
/// (robots.txt not counted) until released.
struct HoldingServer {
    addr: std::net::SocketAddr,
    arrived: Arc<Notify>,
    release: watch::Sender<bool>,
}

#[derive(Clone)]
struct Hold {
    pages: Arc<AtomicUsize>,
    hold_at: usize,
    arrived: Arc<Notify>,
    released: watch::Receiver<bool>,
}

async fn serve(State(hold): State<Hold>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/').to_owned();
    if !path.ends_with("robots.txt") {
        let n = hold.pages.fetch_add(1, Ordering::SeqCst) + 1;
        if n == hold.hold_at {
            hold.arrived.notify_one();
            let mut released = hold.released.clone();
            let _ = released.wait_for(|r| *r).await;
        }
    }
    let (host, rest) = path.split_once('/').unwrap_or((&path, ""));
    let mut url = url::Url::parse(&format!("https://{host}/{rest}")).unwrap();
    url.set_query(request.uri().query());
    match perfusiond::fetch::archive::load(&fixture_sites(), &url).unwrap() {
        Some(r) => {
            // The page's own date goes out too, as a real site sends it: a
            // calendar's recurring events are listed around it.
            let mut response = Response::builder().header("content-type", r.content_type);
            for (name, value) in &r.headers {
                if matches!(name.as_str(), "last-modified" | "date") {
                    response = response.header(name.as_str(), value.as_str());
                }
            }
            response.body(Body::from(r.body)).unwrap()
        }
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .unwrap(),
    }
}

impl HoldingServer {
    async fn start(hold_at: usize) -> Self {
        let arrived = Arc::new(Notify::new());
        let (release, released) = watch::channel(false);
        let hold = Hold {
            pages: Arc::default(),
            hold_at,
            arrived: Arc::clone(&arrived),
            released,
        };
        let app = axum::Router::new().fallback(serve).with_state(hold);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            addr,
            arrived,
            release,
        }
    }

    /// The home-page sources of the real sources.toml pointed at this
    /// server, without pacing.
    fn config(&self, dir: &Path) -> PathBuf {
        let text = real_config_text_of(HOME_SOURCES)
            .replace("https://", &format!("http://{}/", self.addr))
            .replace("timeout_secs = 30", "timeout_secs = 30\nmin_delay_ms = 0");
        let path = dir.join("sources.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn daemon_command(config: &Path, data: &Path) -> Command {
    let mut command = Command::new(binary("perfusiond"));
    command
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(["--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Sends SIGTERM to `daemon`, as a service manager stops it.
fn sigterm(daemon: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Every id in the index, and how many documents it holds.
fn ids(data: &Path) -> (Vec<String>, u64) {
    let store = IndexStore::open(&data.join("index")).expect("the index opens");
    let ids = items_of(&store, "").into_iter().map(|i| i.id).collect();
    (ids, store.len())
}

/// The items of ELSO's home page and IPA's feed: 11 of ELSO, with its 32nd
/// annual meeting announced twice and shown once (10), and 6 of IPA.
const ALL_ITEMS: usize = 16;

#[tokio::test]
async fn a_daemon_killed_mid_ingest_restarts_on_a_consistent_index() {
    // Four page requests: ELSO's home page for each of its three sources,
    // then IPA's feed.
    let server = HoldingServer::start(4).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = server.config(dir.path());

    let mut daemon = daemon_command(&config, &data)
        .spawn()
        .expect("perfusiond starts");
    // The last page is being fetched: the others have been read and are
    // being, or have been, indexed.
    server.arrived.notified().await;
    daemon.kill().expect("SIGKILL");
    daemon.wait().unwrap();
    server.release.send(true).unwrap();

    let (after_kill, docs) = ids(&data);
    let unique: HashSet<_> = after_kill.iter().collect();
    assert_eq!(
        unique.len(),
        after_kill.len(),
        "no duplicate after the kill"
    );
    assert_eq!(docs as usize, after_kill.len());
    assert!(after_kill.len() <= ALL_ITEMS);

    let output = tokio::task::spawn_blocking(move || {
        let mut again = daemon_command(&config, &data);
        again.arg("--once");
        (again.output().unwrap(), data)
    })
    .await
    .unwrap();
    let (output, data) = output;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (ids, docs) = ids(&data);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(
        (ids.len(), unique.len(), docs as usize),
        (ALL_ITEMS, ALL_ITEMS, ALL_ITEMS)
    );
}

#[tokio::test]
async fn sigterm_with_a_fetch_in_flight_exits_zero() {
    let server = HoldingServer::start(1).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = server.config(dir.path());
    let daemon = daemon_command(&config, &data).spawn().unwrap();
    server.arrived.notified().await;
    sigterm(&daemon);
    let output = tokio::task::spawn_blocking(move || daemon.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The state of what ran is on disk.
    assert!(data.join("state.json").exists());
}

#[tokio::test]
async fn the_log_kept_off_a_terminal_is_plain_text_without_the_schedulers_chatter() {
    let server = HoldingServer::start(1).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = server.config(dir.path());
    // As systemd or docker starts it: the default log level, stderr a pipe.
    let mut command = daemon_command(&config, &data);
    command.env_remove("RUST_LOG").env_remove("NO_COLOR");
    let mut daemon = command.spawn().unwrap();
    let stderr = daemon.stderr.take().unwrap();
    let (scheduled_tx, scheduled) = tokio::sync::oneshot::channel();
    let reader = tokio::task::spawn_blocking(move || {
        let mut scheduled_tx = Some(scheduled_tx);
        let mut log = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains("scheduled") {
                scheduled_tx.take().map(|tx| tx.send(()));
            }
            log.push_str(&line);
            log.push('\n');
        }
        log
    });
    scheduled
        .await
        .expect("the daemon logs that its sources are scheduled");
    sigterm(&daemon);
    let log = reader.await.unwrap();
    let exit = tokio::task::spawn_blocking(move || daemon.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(exit.code(), Some(0), "{log}");

    assert!(!log.contains('\x1b'), "no escape codes: {log:?}");
    assert!(
        log.contains(" INFO perfusiond::daemon: serving grpc_addr="),
        "{log}"
    );
    assert!(log.contains("scheduled sources=4"), "{log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(
        !log.contains("tokio_cron_scheduler"),
        "the scheduler's own lines are left out: {log}"
    );
}
