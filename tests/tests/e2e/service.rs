//! The gRPC service as other services see it: item look-up, source health,
//! the standard health service, reflection for grpcurl (v1 and v1alpha),
//! and refreshing a source on demand.

use perfusion_proto::v1 as pb;
use perfusion_tests::process::niceness_of;
use tonic::Code;

use super::{daemon_on_fixtures, search};

#[tokio::test]
async fn get_item_returns_the_item_or_not_found() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let hits = search(
        &daemon,
        pb::SearchRequest {
            query: "EuroELSO".into(),
            include_past: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(hits.len(), 1);
    let mut client = daemon.client().await;
    let item = client
        .get_item(pb::GetItemRequest {
            id: hits[0].id.clone(),
        })
        .await
        .expect("get_item")
        .into_inner()
        .item
        .expect("an item");
    assert_eq!(item, hits[0]);
    assert_eq!(item.title, "10th EuroELSO Congress");

    let missing = client
        .get_item(pb::GetItemRequest {
            id: "0123456789abcdef".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(missing.message(), "no item has id \"0123456789abcdef\"");
}

#[tokio::test]
async fn list_sources_shows_each_run_and_count() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let mut client = daemon.client().await;
    let sources = client
        .list_sources(pb::ListSourcesRequest {})
        .await
        .expect("list_sources")
        .into_inner()
        .sources;
    let rows: Vec<(&str, &str, pb::RunOutcome, u64, u64)> = sources
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.org.as_str(),
                s.outcome(),
                s.item_count,
                s.last_run_items,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("elso-meetings", "ELSO", pb::RunOutcome::Ok, 3, 3),
            ("elso-courses", "ELSO", pb::RunOutcome::Ok, 4, 4),
            ("elso-notices", "ELSO", pb::RunOutcome::Ok, 4, 4),
            ("ipa-news", "IPA", pb::RunOutcome::Ok, 6, 6),
        ]
    );
    for s in &sources {
        assert!(
            s.last_attempt.is_some() && s.last_success.is_some(),
            "{}",
            s.id
        );
        assert!(s.next_run.is_some(), "{} has a next run", s.id);
        assert_eq!(s.consecutive_failures, 0);
        assert!(s.last_error.is_empty());
    }
    assert_eq!(sources[3].format, "feed");
    assert_eq!(sources[0].format, "html_list");
}

#[tokio::test]
async fn health_reports_serving() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(daemon.channel().await);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "perfusion.v1.AggregatorService".into(),
        })
        .await
        .expect("health")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn reflection_lists_the_services_in_v1_and_v1alpha() {
    use tonic_reflection::pb::{v1, v1alpha};
    let (_server, daemon) = daemon_on_fixtures().await;

    let mut client =
        v1::server_reflection_client::ServerReflectionClient::new(daemon.channel().await);
    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1")
        .into_inner();
    let response = stream
        .message()
        .await
        .expect("a message")
        .expect("a response");
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        response.message_response
    else {
        panic!("expected a service list")
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "perfusion.v1.AggregatorService",
        ]
    );

    // What grpcurl 1.8 speaks.
    let mut client =
        v1alpha::server_reflection_client::ServerReflectionClient::new(daemon.channel().await);
    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1alpha")
        .into_inner();
    let response = stream
        .message()
        .await
        .expect("a message")
        .expect("a response");
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        response.message_response
    else {
        panic!("expected a service list")
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
            "perfusion.v1.AggregatorService",
        ]
    );
}

#[tokio::test]
async fn refresh_source_runs_it_now_and_reports_the_run() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let mut client = daemon.client().await;
    let response = client
        .refresh_source(pb::RefreshSourceRequest {
            source_id: "elso-courses".into(),
        })
        .await
        .expect("refresh")
        .into_inner();
    assert_eq!(response.runs.len(), 1);
    let run = &response.runs[0];
    assert_eq!(run.source_id, "elso-courses");
    // The page is as it was: the fixture server answers 304 to its ETag.
    assert_eq!(run.outcome(), pb::RunOutcome::NotModified);
    assert_eq!(
        (run.items, run.added, run.changed, run.unchanged),
        (0, 0, 0, 0)
    );
    assert_eq!(response.sources[0].item_count, 4, "the items are kept");
    assert_eq!(response.sources[0].id, "elso-courses");

    let unknown = client
        .refresh_source(pb::RefreshSourceRequest {
            source_id: "elso".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    assert_eq!(
        unknown.message(),
        "no source has id \"elso\"; configured: elso-meetings, elso-courses, elso-notices, ipa-news"
    );
}

#[tokio::test]
async fn the_daemon_stops_cleanly() {
    let (_server, daemon) = daemon_on_fixtures().await;
    daemon.stop().await;
}

/// Reading and indexing run below the threads that answer (what `top -H`
/// shows an operator): on a busy machine a cycle waits for searches and
/// calendar downloads, not the other way round.
#[tokio::test]
async fn a_cycle_reads_and_writes_below_the_threads_that_answer() {
    fn niceness(task: &std::path::Path) -> i32 {
        let stat = task.join("stat");
        niceness_of(&stat.to_string_lossy()).expect("a thread's nice value")
    }
    let (_server, daemon) = daemon_on_fixtures().await;
    assert!(
        !daemon.daemon.store().is_empty(),
        "the first cycle indexed items"
    );
    // The cycle's end asked the writer to merge the index's segments,
    // which replaces tantivy's writer and its threads: the threads are
    // looked at once that is done.
    daemon.daemon.runner().writes_settled().await;
    // This thread runs the runtime that serves the daemon's gRPC.
    let serving = niceness(std::path::Path::new("/proc/thread-self"));
    let threads: Vec<(String, i32)> = std::fs::read_dir("/proc/self/task")
        .expect("tasks")
        .map(|task| {
            let path = task.expect("task").path();
            let name = std::fs::read_to_string(path.join("comm")).expect("comm");
            (name.trim().to_owned(), niceness(&path))
        })
        .collect();
    let background: Vec<&(String, i32)> = threads
        .iter()
        .filter(|(name, _)| {
            [
                "perfusion-parse",
                "thrd-tantivy-in",
                "merge_thread",
                "segment_updater",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
        })
        .collect();
    for needed in ["perfusion-parse", "thrd-tantivy-in", "merge_thread"] {
        assert!(
            background.iter().any(|(name, _)| name.starts_with(needed)),
            "no {needed} thread in {threads:?}"
        );
    }
    let lowered = (serving + perfusiond::os::INGEST_NICENESS).min(19);
    assert!(
        lowered > serving,
        "the test already runs at the lowest priority"
    );
    assert!(
        background.iter().all(|(_, nice)| *nice == lowered),
        "reading and writing threads not at nice {lowered}: {background:?}"
    );
}
