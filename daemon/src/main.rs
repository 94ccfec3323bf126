//! `perfusiond`: reads the perfusion community's pages and feeds on a
//! schedule, indexes their events and serves them over gRPC.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use perfusiond::exposure::{self, ADMIN_TOKEN_ENV, AdminToken, Exposure};
use perfusiond::state::Outcome;
use perfusiond::tls::{self, TlsFiles};
use perfusiond::{Daemon, Options, config};
use tokio_util::sync::CancellationToken;

/// Exit code for a configuration that cannot be used: sources.toml, the
/// TLS files, or a non-loopback address without an admin token.
const EXIT_CONFIG: u8 = 2;

/// The events aggregator of the perfusion and ECMO community.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The sources to read.
    #[arg(long, default_value = "sources.toml", env = "PERFUSIOND_CONFIG")]
    config: PathBuf,
    /// Where the index is kept.
    #[arg(long, default_value = "data", env = "PERFUSIOND_DATA_DIR")]
    data_dir: PathBuf,
    /// The address gRPC is served on.
    #[arg(long, default_value = "127.0.0.1:50051")]
    grpc_addr: SocketAddr,
    /// The address HTTP (calendars, Atom feed, health) is served on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Run every source once, then exit (non-zero when a source failed).
    #[arg(long)]
    once: bool,
    /// Answer every fetch from the responses recorded under DIR/<host>/<path>.
    #[arg(long, value_name = "DIR")]
    replay: Option<PathBuf>,
    /// Save every response under DIR/<host>/<path>.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Validate the configuration and exit.
    #[arg(long)]
    check: bool,
    /// Serve gRPC and HTTP over TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PATH")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "PATH")]
    tls_key: Option<PathBuf>,
    /// Requests a minute one client address may send to each server, after
    /// a burst of half as many; 0 turns the limit off (a load test, or a
    /// daemon behind a proxy that limits rates itself).
    #[arg(
        long,
        value_name = "PER_MINUTE",
        default_value_t = 600,
        env = "PERFUSIOND_RATE_LIMIT"
    )]
    rate_limit: u32,
}

/// The admin token, TLS and limits from the flags and the environment, or
/// why the daemon must not start.
fn exposure_of(args: &Args) -> Result<Exposure, String> {
    let admin_token = std::env::var(ADMIN_TOKEN_ENV)
        .ok()
        .and_then(|t| AdminToken::new(&t));
    exposure::check_listen_addrs(
        &[
            ("--grpc-addr", args.grpc_addr),
            ("--http-addr", args.http_addr),
        ],
        admin_token.as_ref(),
    )?;
    let tls = match tls::paths(args.tls_cert.clone(), args.tls_key.clone())? {
        Some((cert, key)) => Some(TlsFiles::load(&cert, &key)?),
        None => None,
    };
    Ok(Exposure {
        admin_token,
        tls,
        limits: exposure::Limits {
            rate_per_minute: args.rate_limit,
            rate_burst: (args.rate_limit / 2).max(1),
            ..exposure::Limits::default()
        },
    })
}

/// The log filter when `RUST_LOG` is not set: the daemon's own events, and
/// only the warnings of the index and of the scheduler, which otherwise
/// log a line for each source's job as it is set up.
const DEFAULT_LOG: &str = "info,tantivy=warn,tokio_cron_scheduler=warn";

fn main() -> ExitCode {
    use std::io::IsTerminal as _;
    // Colour only on a terminal: a log kept by systemd, docker or a file
    // would otherwise hold escape codes (and never with NO_COLOR set).
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| DEFAULT_LOG.into()),
        )
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = match config::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.check {
        println!(
            "{}: ok ({} sources, {} calendars)",
            args.config.display(),
            config.sources.len(),
            config.calendars.len()
        );
        return ExitCode::SUCCESS;
    }
    let exposure = if args.once {
        Exposure::default()
    } else {
        match exposure_of(&args) {
            Ok(exposure) => exposure,
            Err(e) => {
                eprintln!("perfusiond: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("perfusiond: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args, config, exposure)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("perfusiond: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args, config: config::Config, exposure: Exposure) -> anyhow::Result<ExitCode> {
    let daemon = Arc::new(Daemon::open(Options {
        config,
        data_dir: Some(args.data_dir),
        replay: args.replay,
        record: args.record,
    })?);
    if args.once {
        let reports = daemon.run_once().await;
        let failed: Vec<_> = reports
            .iter()
            .filter(|r| r.outcome == Outcome::Failed)
            .collect();
        for r in &reports {
            let status = match r.outcome {
                Outcome::Failed => "FAILED",
                Outcome::Warning => "warning",
                _ => "ok",
            };
            println!(
                "{:<24} {:<8} {:>4} items  {}",
                r.source_id,
                status,
                r.items,
                r.error.as_deref().unwrap_or("")
            );
        }
        // The writer ends the cycle by merging the index's segments; the
        // next start finds one segment, not a merge cut short.
        daemon.runner().writes_settled().await;
        return Ok(if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let bind = |addr: SocketAddr| async move {
        tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
    };
    let grpc = bind(args.grpc_addr).await?;
    let http = bind(args.http_addr).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    daemon.serve_with(grpc, http, exposure, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

/// Cancels `token` on SIGINT or SIGTERM.
async fn stop_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    token.cancel();
}
