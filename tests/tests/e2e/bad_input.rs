//! Bad input harms only its own source or request: a malformed feed fails
//! that source alone with a specific error, a source that fails after a
//! good run keeps its items, and a bad search names the field at fault.

use perfusion_proto::v1 as pb;
use perfusion_tests::{FixtureServer, TestDaemon, config_from, fixture_sites};
use tonic::Code;

use super::{daemon_on_fixtures, search};

const CONFIG: &str = r#"
version = 1

[[source]]
id = "ipa-news"
org = "IPA"
url = "https://iperfusion.org/feed/"
format = "feed"
kind = "publication"

[[source]]
id = "broken-feed"
org = "Broken"
url = "https://broken.example/feed/"
format = "feed"
kind = "publication"

[[source]]
id = "missing-page"
org = "Gone"
url = "https://gone.example/events.html"
format = "html_list"
kind = "course"
item = ".event"
title = "h3"
"#;

/// A daemon over an archive holding IPA's real feed and a feed cut off
/// mid-element; the archive is returned so a test can change its pages.
async fn daemon_on_broken_archive() -> (tempfile::TempDir, FixtureServer, TestDaemon) {
    let dir = archive();
    let server = FixtureServer::start(dir.path().to_owned()).await;
    let daemon = TestDaemon::start(config_from(&server.rewrite(CONFIG))).await;
    (dir, server, daemon)
}

/// Every item the daemon holds, past ones included.
async fn all_items(daemon: &TestDaemon) -> Vec<pb::Item> {
    search(
        daemon,
        pb::SearchRequest {
            include_past: true,
            ..Default::default()
        },
    )
    .await
}

/// An archive with IPA's real feed, and a feed cut off mid-element.
fn archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let ipa = dir.path().join("iperfusion.org/feed");
    std::fs::create_dir_all(&ipa).unwrap();
    std::fs::copy(
        fixture_sites().join("iperfusion.org/feed/index"),
        ipa.join("index"),
    )
    .unwrap();
    let broken = dir.path().join("broken.example/feed");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("index"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Cut off</title><item><title>Half",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn a_malformed_feed_and_a_missing_page_fail_only_their_sources() {
    let (_dir, _server, daemon) = daemon_on_broken_archive().await;
    let mut client = daemon.client().await;
    let sources = client
        .list_sources(pb::ListSourcesRequest {})
        .await
        .unwrap()
        .into_inner()
        .sources;
    let by_id = |id: &str| sources.iter().find(|s| s.id == id).expect(id);
    assert_eq!(by_id("ipa-news").outcome(), pb::RunOutcome::Ok);
    assert_eq!(by_id("ipa-news").item_count, 6);
    let broken = by_id("broken-feed");
    assert_eq!(broken.outcome(), pb::RunOutcome::Failed);
    assert!(
        broken.last_error.starts_with("not a readable feed"),
        "{}",
        broken.last_error
    );
    assert_eq!(broken.consecutive_failures, 1);
    let missing = by_id("missing-page");
    assert_eq!(missing.outcome(), pb::RunOutcome::Failed);
    assert!(
        missing.last_error.starts_with("HTTP 404 from"),
        "{}",
        missing.last_error
    );

    assert_eq!(
        all_items(&daemon).await.len(),
        6,
        "the good source is unharmed"
    );
}

#[tokio::test]
async fn a_source_that_fails_after_a_good_run_keeps_its_items() {
    let (dir, _server, daemon) = daemon_on_broken_archive().await;
    // The feed goes bad, and the next run fails.
    std::fs::write(
        dir.path().join("iperfusion.org/feed/index"),
        "<html>maintenance</html>",
    )
    .unwrap();
    let report = daemon
        .daemon
        .runner()
        .run_source("ipa-news")
        .await
        .expect("a run");
    assert!(report.error.is_some());
    assert_eq!(
        all_items(&daemon).await.len(),
        6,
        "the last good items stay searchable"
    );
}

#[tokio::test]
async fn bad_searches_get_invalid_argument_naming_the_field() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let mut client = daemon.client().await;
    let cases = [
        (
            pb::SearchRequest {
                from: "next tuesday".into(),
                ..Default::default()
            },
            "from: \"next tuesday\" is not a date; write YYYY-MM-DD, e.g. 2026-03-01",
        ),
        (
            pb::SearchRequest {
                kinds: vec![99],
                ..Default::default()
            },
            "kinds[0]: unknown item kind 99",
        ),
        (
            pb::SearchRequest {
                page_size: -5,
                ..Default::default()
            },
            "page_size: -5 is negative; give 1 to 500, or 0 for 20",
        ),
        (
            pb::SearchRequest {
                countries: vec!["Germany".into()],
                ..Default::default()
            },
            "countries[0]: \"Germany\" is not an ISO 3166-1 alpha-2 code such as \"DE\"",
        ),
    ];
    for (request, message) in cases {
        let status = client.search(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), message);
    }
    // Query syntax a user may type by accident never fails a search.
    for query in ["title:", "\"unclosed", "ECMO AND (", "-", "*", "org:ELSO:x"] {
        client
            .search(pb::SearchRequest {
                query: query.into(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
    }
}
