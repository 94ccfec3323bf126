//! Wiring the daemon together: the index and its writer task, the fetcher
//! (network or replay), the runner, the scheduler, the gRPC server and the
//! HTTP server (calendars, feed).
//!
//! `main.rs` and the end-to-end tests both start the daemon through
//! [`Daemon`], so the tests run exactly what users run.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use perfusion_index::IndexStore;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::exposure::Exposure;
use crate::fetch::Fetcher;
use crate::grpc::{self, AggregatorServiceImpl};
use crate::http::{self, HttpState};
use crate::index_task::IndexHandle;
use crate::metrics::Metrics;
use crate::runner::{RunReport, Runner, RunnerParts};
use crate::scheduler;
use crate::state::States;

/// How to start the daemon.
#[derive(Debug, Clone)]
pub struct Options {
    /// The validated sources.toml.
    pub config: Config,
    /// Where the index lives; `None` keeps it in memory.
    pub data_dir: Option<PathBuf>,
    /// Answer every fetch from this archive instead of the network.
    pub replay: Option<PathBuf>,
    /// Save every response into this archive.
    pub record: Option<PathBuf>,
}

/// How long the runs in flight get to let go at shutdown.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// An open daemon: index, writer and runner, not yet serving.
#[derive(Debug)]
pub struct Daemon {
    store: IndexStore,
    runner: Arc<Runner>,
    metrics: Arc<Metrics>,
    cycles: watch::Sender<u64>,
    /// The index writer's task: it ends, and lets go of the index's lock,
    /// once the runner (and with it every handle to the writer) is gone.
    writer: tokio::task::JoinHandle<()>,
}

impl Daemon {
    /// Opens the index and the sources' states, and starts the writer.
    /// Sets the process's allocator to give large buffers back at once
    /// ([`os::keep_large_buffers_off_the_heap`](crate::os::keep_large_buffers_off_the_heap)).
    pub fn open(options: Options) -> anyhow::Result<Self> {
        crate::os::keep_large_buffers_off_the_heap();
        let (store, states) = match &options.data_dir {
            Some(dir) => (
                IndexStore::open(&dir.join("index"))
                    .with_context(|| format!("cannot open the index in {}", dir.display()))?,
                States::open(dir)?,
            ),
            None => (IndexStore::open_in_ram()?, States::in_memory()),
        };
        let fetcher = match &options.replay {
            Some(dir) => Fetcher::replay(dir.clone(), &options.config.fetch),
            None => Fetcher::http(&options.config.fetch)?,
        };
        let fetcher = match &options.record {
            Some(dir) => fetcher.recording(dir.clone()),
            None => fetcher,
        };
        let metrics = Arc::new(Metrics::default());
        let (index, writer) = IndexHandle::spawn(&store, Arc::clone(&metrics))?;
        let runner = Arc::new(Runner::new(RunnerParts {
            config: Arc::new(options.config),
            fetcher,
            index,
            store: store.clone(),
            states,
            metrics: Arc::clone(&metrics),
        }));
        Ok(Self {
            store,
            runner,
            metrics,
            cycles: watch::channel(0).0,
            writer,
        })
    }

    /// Closes the daemon: the writer commits what it was given and lets go
    /// of the index, so that its data directory can be opened again in
    /// this process (`perfusiond` itself simply exits). It waits for every
    /// other holder of the runner to let go of it too.
    pub async fn close(self) {
        let Self { runner, writer, .. } = self;
        drop(runner);
        if let Err(e) = writer.await {
            tracing::error!(error = %e, "the index writer ended badly");
        }
    }

    /// The index, for reading.
    pub fn store(&self) -> &IndexStore {
        &self.store
    }

    /// The runner of the sources.
    pub fn runner(&self) -> &Arc<Runner> {
        &self.runner
    }

    /// The number of full cycles completed so far; tests wait on it.
    pub fn cycles(&self) -> watch::Receiver<u64> {
        self.cycles.subscribe()
    }

    /// Runs every source once.
    pub async fn run_once(&self) -> Vec<RunReport> {
        let reports = self.runner.run_all().await;
        self.cycles.send_modify(|n| *n += 1);
        reports
    }

    /// Serves gRPC on `grpc` and HTTP on `http`, runs a first full cycle,
    /// then each source on its schedule, until `shutdown` is cancelled.
    /// Plain text, no admin token, the default limits.
    pub async fn serve(
        self: Arc<Self>,
        grpc: TcpListener,
        http: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        self.serve_with(grpc, http, Exposure::default(), shutdown)
            .await
    }

    /// [`Daemon::serve`] with the admin token, TLS and limits of `exposure`.
    pub async fn serve_with(
        self: Arc<Self>,
        grpc: TcpListener,
        http: TcpListener,
        exposure: Exposure,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let grpc_addr = grpc.local_addr()?;
        let http_addr = http.local_addr()?;
        let service = AggregatorServiceImpl::new(
            self.store.clone(),
            Arc::clone(&self.runner),
            Arc::clone(&self.metrics),
        )
        .with_admin_token(exposure.admin_token.clone());
        let server = {
            let exposure = exposure.clone();
            let shutdown = shutdown.clone().cancelled_owned();
            tokio::spawn(async move { grpc::serve(service, grpc, &exposure, shutdown).await })
        };
        let router = http::router(HttpState {
            store: self.store.clone(),
            config: Arc::new(self.runner.config().clone()),
            metrics: Arc::clone(&self.metrics),
        });
        let router = http::guarded(router, exposure.limits);
        let http = crate::tls::HttpListener::new(http, exposure.tls.as_ref())?;
        let web = tokio::spawn(http::serve(
            router,
            http,
            shutdown.clone().cancelled_owned(),
        ));
        tracing::info!(
            %grpc_addr,
            %http_addr,
            tls = exposure.tls.is_some(),
            admin_token = exposure.admin_token.is_some(),
            sources = self.runner.config().sources.len(),
            "serving"
        );

        let first_cycle = {
            let daemon = Arc::clone(&self);
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = daemon.run_once() => {}
                    () = shutdown.cancelled() => {}
                }
            })
        };
        let mut scheduler = scheduler::start(&self.runner).await?;
        tracing::info!(sources = self.runner.config().sources.len(), "scheduled");
        shutdown.cancelled().await;
        tracing::info!("shutting down");
        let _ = scheduler.shutdown().await;
        self.runner.shutdown(SHUTDOWN_GRACE).await;
        first_cycle.abort();
        server.await??;
        web.await??;
        Ok(())
    }
}
