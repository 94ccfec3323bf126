//! The daemon facing strangers: the admin token on RefreshSource (RPC and
//! CLI), the refusal to listen beyond loopback without one, TLS on both
//! servers with a certificate made at test time, and the request limits.

use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::Arc;

use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use perfusion_tests::{
    FixtureServer, HOME_SOURCES, binary, config_from, fixture_sites, real_config_text_of, repo_root,
};
use perfusiond::exposure::{AdminToken, Exposure, Limits};
use perfusiond::tls::TlsFiles;
use perfusiond::{Daemon, Options};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

/// The name the test certificate is issued for.
const HOST: &str = "perfusion.test";
const TOKEN: &str = "correct-horse-battery-staple";

/// A daemon on the home fixtures served with `exposure`, after its first cycle.
struct Exposed {
    grpc: SocketAddr,
    http: SocketAddr,
    shutdown: CancellationToken,
    _server: FixtureServer,
}

impl Drop for Exposed {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn start(exposure: Exposure) -> Exposed {
    let server = FixtureServer::start(fixture_sites()).await;
    let config = config_from(&server.rewrite(&real_config_text_of(HOME_SOURCES)));
    let daemon = Arc::new(
        Daemon::open(Options {
            config,
            data_dir: None,
            replay: None,
            record: None,
        })
        .expect("daemon opens"),
    );
    let grpc = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let http = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let (grpc_addr, http_addr) = (grpc.local_addr().unwrap(), http.local_addr().unwrap());
    let mut cycles = daemon.cycles();
    let shutdown = CancellationToken::new();
    tokio::spawn(Arc::clone(&daemon).serve_with(grpc, http, exposure, shutdown.clone()));
    cycles.wait_for(|n| *n >= 1).await.expect("first cycle");
    Exposed {
        grpc: grpc_addr,
        http: http_addr,
        shutdown,
        _server: server,
    }
}

async fn plain_client(addr: SocketAddr) -> AggregatorServiceClient<tonic::transport::Channel> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connect");
    AggregatorServiceClient::new(channel)
}

fn refresh(token: Option<&str>) -> tonic::Request<pb::RefreshSourceRequest> {
    let mut request = tonic::Request::new(pb::RefreshSourceRequest {
        source_id: "ipa-news".into(),
    });
    if let Some(t) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    request
}

#[tokio::test]
async fn refresh_needs_the_admin_token_and_reading_does_not() {
    let d = start(Exposure {
        admin_token: AdminToken::new(TOKEN),
        ..Exposure::default()
    })
    .await;
    let mut client = plain_client(d.grpc).await;

    let missing = client.refresh_source(refresh(None)).await.unwrap_err();
    assert_eq!(missing.code(), tonic::Code::Unauthenticated);
    assert!(
        missing.message().contains("authorization: Bearer <token>"),
        "{}",
        missing.message()
    );
    let wrong = client
        .refresh_source(refresh(Some("guess")))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), tonic::Code::Unauthenticated);
    assert!(
        wrong
            .message()
            .contains("the token sent is not the daemon's")
    );

    let runs = client
        .refresh_source(refresh(Some(TOKEN)))
        .await
        .expect("the right token refreshes")
        .into_inner()
        .runs;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].source_id, "ipa-news");

    // Reading stays open.
    client
        .list_sources(pb::ListSourcesRequest {})
        .await
        .expect("list sources without a token");
    client
        .search(pb::SearchRequest::default())
        .await
        .expect("search without a token");

    // The CLI: told what to set without the token, served with it.
    let addr = format!("http://{}", d.grpc);
    let (without, with) = tokio::task::spawn_blocking(move || {
        let run = |token: Option<&str>| -> Output {
            let mut cmd = Command::new(binary("perfusion"));
            cmd.args(["--addr", &addr, "refresh", "ipa-news"])
                .env_remove("PERFUSION_ADDR")
                .env_remove("PERFUSION_ADMIN_TOKEN");
            if let Some(t) = token {
                cmd.env("PERFUSION_ADMIN_TOKEN", t);
            }
            cmd.output().expect("perfusion runs")
        };
        (run(None), run(Some(TOKEN)))
    })
    .await
    .unwrap();
    assert_eq!(without.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(
        stderr.contains("set PERFUSION_ADMIN_TOKEN (or pass --token)"),
        "{stderr}"
    );
    assert_eq!(
        with.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    assert!(String::from_utf8_lossy(&with.stdout).contains("ipa-news"));
}

fn perfusiond(args: &[&str]) -> Output {
    Command::new(binary("perfusiond"))
        .arg("--config")
        .arg(repo_root().join("sources.toml"))
        .args(args)
        .env_remove("PERFUSION_ADMIN_TOKEN")
        .output()
        .expect("perfusiond runs")
}

#[tokio::test]
async fn the_daemon_will_not_start_exposed_or_with_bad_tls_files() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_cert = dir.path().join("cert.pem");
    std::fs::write(&not_a_cert, "hello\n").unwrap();
    let not_a_cert = not_a_cert.to_str().unwrap().to_owned();
    let (open, unreadable, garbage, half) = tokio::task::spawn_blocking(move || {
        (
            perfusiond(&["--http-addr", "0.0.0.0:8080"]),
            perfusiond(&[
                "--tls-cert",
                "/no/such/cert.pem",
                "--tls-key",
                "/no/such/key.pem",
            ]),
            perfusiond(&["--tls-cert", &not_a_cert, "--tls-key", &not_a_cert]),
            perfusiond(&["--tls-cert", "/no/such/cert.pem"]),
        )
    })
    .await
    .unwrap();
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(open.status.code(), Some(2));
    assert!(
        stderr(&open).contains(
            "--http-addr 0.0.0.0:8080 is not a loopback address: set PERFUSION_ADMIN_TOKEN"
        ),
        "{}",
        stderr(&open)
    );
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(
        stderr(&unreadable).contains("--tls-cert /no/such/cert.pem: cannot read"),
        "{}",
        stderr(&unreadable)
    );
    assert_eq!(garbage.status.code(), Some(2));
    assert!(
        stderr(&garbage).contains("holds no certificate"),
        "{}",
        stderr(&garbage)
    );
    assert_eq!(half.status.code(), Some(2));
    assert!(stderr(&half).contains("--tls-cert needs --tls-key"));
}

#[tokio::test]
async fn tls_serves_grpc_and_https_to_clients_trusting_the_ca_and_not_plain_text() {
    let made =
        rcgen::generate_simple_self_signed(vec![HOST.to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let (cert_pem, key_pem) = (made.cert.pem(), made.signing_key.serialize_pem());
    let tls = TlsFiles::from_pem(
        cert_pem.clone().into_bytes(),
        key_pem.into_bytes(),
        "cert.pem".as_ref(),
        "key.pem".as_ref(),
    )
    .expect("a self-signed identity");
    let d = start(Exposure {
        tls: Some(tls),
        ..Exposure::default()
    })
    .await;

    // gRPC over TLS, trusting the test CA.
    let channel = Endpoint::from_shared(format!("https://{}", d.grpc))
        .unwrap()
        .tls_config(
            ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(&cert_pem))
                .domain_name(HOST),
        )
        .unwrap()
        .connect()
        .await
        .expect("a TLS channel");
    let sources = AggregatorServiceClient::new(channel)
        .list_sources(pb::ListSourcesRequest {})
        .await
        .expect("list sources over TLS")
        .into_inner()
        .sources;
    let mut ids: Vec<_> = sources.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        ["elso-courses", "elso-meetings", "elso-notices", "ipa-news"]
    );

    // HTTPS, trusting the test CA.
    let https = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap()])
        .resolve(HOST, d.http)
        .build()
        .unwrap();
    let health = https
        .get(format!("https://{HOST}:{}/healthz", d.http.port()))
        .send()
        .await
        .expect("HTTPS answers");
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok\n");

    // Plain text to the TLS ports gets nothing.
    assert!(
        reqwest::get(format!("http://{}/healthz", d.http))
            .await
            .is_err(),
        "plain HTTP to the HTTPS port must fail"
    );
    let plain = match Endpoint::from_shared(format!("http://{}", d.grpc))
        .unwrap()
        .connect()
        .await
    {
        Ok(channel) => AggregatorServiceClient::new(channel)
            .list_sources(pb::ListSourcesRequest {})
            .await
            .is_err(),
        Err(_) => true,
    };
    assert!(plain, "plain gRPC to the TLS port must fail");

    // The CLI, trusting the CA named by PERFUSION_CA_CERT.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &cert_pem).unwrap();
    let addr = format!("https://127.0.0.1:{}", d.grpc.port());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(binary("perfusion"))
            .args(["--addr", &addr, "sources", "--json"])
            .env_remove("PERFUSION_ADDR")
            .env("PERFUSION_CA_CERT", &ca)
            .output()
            .expect("perfusion runs")
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"ipa-news\""));
}

#[tokio::test]
async fn limits_answer_with_the_status_a_client_understands() {
    let d = start(Exposure {
        limits: Limits {
            rate_burst: 4,
            rate_per_minute: 1,
            ..Limits::default()
        },
        ..Exposure::default()
    })
    .await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("http://{}{path}", d.http);

    // Too many filter values: the field is named (HTTP, then gRPC below).
    let orgs = (0..33)
        .map(|i| format!("org={i}"))
        .collect::<Vec<_>>()
        .join("&");
    let r = http
        .get(url(&format!("/calendar.ics?{orgs}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.text().await.unwrap(),
        "orgs: 33 values; at most 32 are accepted\n"
    );
    // A request target over 4096 bytes, and headers over 16 KiB.
    let r = http
        .get(url(&format!("/calendars/{}.ics", "a".repeat(5000))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
    let r = http
        .get(url("/healthz"))
        .header("x-padding", "p".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
    // The burst of 4 is spent (3 above, 1 here); the next waits a minute.
    assert_eq!(
        http.get(url("/healthz")).send().await.unwrap().status(),
        200
    );
    let r = http.get(url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");
    assert!(
        r.text()
            .await
            .unwrap()
            .starts_with("too many requests from 127.0.0.1")
    );

    // gRPC has its own bucket per server.
    let mut client = plain_client(d.grpc).await;
    let many = pb::SearchRequest {
        countries: vec!["DE".into(); 40],
        ..Default::default()
    };
    let e = client.search(many).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert_eq!(e.message(), "countries: 40 values; at most 32 are accepted");
    // Metadata over 16 KiB is refused by HTTP/2 before the service (and
    // the rate limit) sees the request.
    let mut padded = tonic::Request::new(pb::ListSourcesRequest {});
    padded
        .metadata_mut()
        .insert("x-padding", "p".repeat(20 * 1024).parse().unwrap());
    assert!(client.list_sources(padded).await.is_err());
    let mut client = plain_client(d.grpc).await;
    for _ in 0..3 {
        client
            .list_sources(pb::ListSourcesRequest {})
            .await
            .expect("within the burst");
    }
    let e = client
        .list_sources(pb::ListSourcesRequest {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::ResourceExhausted);
    assert!(e.message().contains("try again in"), "{}", e.message());
}

#[tokio::test]
async fn a_request_over_64_kib_is_refused_as_out_of_range_and_the_daemon_serves_on() {
    let d = start(Exposure::default()).await;
    let mut client = plain_client(d.grpc).await;
    let huge = pb::SearchRequest {
        query: "ecmo ".repeat(14_000),
        ..Default::default()
    };
    let e = client.search(huge).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::OutOfRange, "{}", e.message());
    assert!(e.message().contains("too large"), "{}", e.message());
    // The same connection still answers a search of ordinary size.
    let answer = client
        .search(pb::SearchRequest {
            query: "ecmo".into(),
            include_past: true,
            ..Default::default()
        })
        .await
        .expect("an ordinary search after the refused one")
        .into_inner();
    assert!(answer.total_hits > 0);
}
