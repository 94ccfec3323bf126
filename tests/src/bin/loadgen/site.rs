//! The synthetic federation's web server, on 127.0.0.1: it serves the
//! listing pages from memory with an ETag, answers 304 to a daemon that
//! already has a page, and 404 to robots.txt (no rules).
//!
//! Bumping the generation changes every ETag without changing a byte of
//! the pages, so the daemon's next run of every source fetches, parses and
//! upserts all N items again: a full re-ingest of the same items, which
//! the daemon's writer finds unchanged. Bumping it with a revision also
//! adds "Revision genN." to every summary, so the writer rewrites every
//! record.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use tokio::net::TcpListener;

use perfusion_tests::synth::Page;

struct Served {
    body: axum::body::Bytes,
    hash: u64,
}

type Pages = Arc<HashMap<String, Served>>;

struct Shared {
    /// The pages by path, replaced whole by a revision.
    pages: RwLock<Pages>,
    generation: AtomicU64,
}

impl Shared {
    fn pages(&self) -> Pages {
        Arc::clone(&self.pages.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The running page server.
pub struct Site {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Site {
    /// Serves `pages` on a free loopback port, at ETag generation
    /// `generation`.
    pub async fn start(pages: &[Page], generation: u64) -> anyhow::Result<Self> {
        let served = pages
            .iter()
            .map(|p| {
                let mut hash = std::collections::hash_map::DefaultHasher::new();
                p.body.hash(&mut hash);
                (
                    p.path.clone(),
                    Served {
                        body: axum::body::Bytes::from(p.body.clone()),
                        hash: hash.finish(),
                    },
                )
            })
            .collect();
        let shared = Arc::new(Shared {
            pages: RwLock::new(Arc::new(served)),
            generation: AtomicU64::new(generation),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("loadgen: the page server stopped: {e}");
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes every page's ETag, so the next run of each source reads it
    /// in full; returns the new generation.
    pub fn bump_generation(&self) -> u64 {
        self.shared.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Changes every page's ETag and every summary on it: each summary
    /// paragraph starts with "Revision genN." (N the new generation, a
    /// word a search finds), so the next run of each source rewrites all
    /// its records. Returns the new generation.
    pub fn bump_generation_revising(&self) -> u64 {
        let generation = self.shared.generation.load(Ordering::SeqCst) + 1;
        let marked = format!("<p class=\"summary\">Revision gen{generation}. ");
        let revised = self
            .shared
            .pages()
            .iter()
            .map(|(path, page)| {
                let body =
                    String::from_utf8_lossy(&page.body).replace("<p class=\"summary\">", &marked);
                let served = Served {
                    body: axum::body::Bytes::from(body),
                    hash: page.hash,
                };
                (path.clone(), served)
            })
            .collect();
        *self
            .shared
            .pages
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(revised);
        self.shared.generation.store(generation, Ordering::SeqCst);
        generation
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let pages = shared.pages();
    let Some(page) = pages.get(request.uri().path()) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("no such page"))
            .expect("a response");
    };
    let generation = shared.generation.load(Ordering::SeqCst);
    let etag = format!("\"{:016x}-{generation}\"", page.hash);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let response = Response::builder().header(header::ETAG, &etag);
    if fresh {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("a response");
    }
    response
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from(page.body.clone()))
        .expect("a response")
}
