//! End-to-end tests: the real sources.toml against a loopback fixture
//! server, the daemon in-process, the real gRPC client and the binaries.
//! Every expectation is written by hand from the fixture pages.

mod bad_input;
mod calendar;
mod cli;
mod crash;
mod fetching;
mod lifecycle;
mod paging;
mod replay;
mod search;
mod service;

use perfusion_proto::v1 as pb;
use perfusion_tests::{FixtureServer, TestDaemon, config_from, fixture_sites, real_config_text};

/// The sources the search, service, calendar and CLI tests were written
/// by hand from: ELSO's home page and IPA's feed. Sources added to
/// sources.toml since have their expectations of their own
/// (tests/fixtures/expected, replay.rs), so adding one does not change
/// what these tests see.
pub const HAND_CHECKED_SOURCES: &[&str] =
    &["elso-meetings", "elso-courses", "elso-notices", "ipa-news"];

/// A daemon that has read the real sources of [`HAND_CHECKED_SOURCES`]
/// from the fixture server, with the real calendars.
pub async fn daemon_on_fixtures() -> (FixtureServer, TestDaemon) {
    let server = FixtureServer::start(fixture_sites()).await;
    let mut config = config_from(&server.rewrite(&real_config_text()));
    config
        .sources
        .retain(|s| HAND_CHECKED_SOURCES.contains(&s.id.as_str()));
    let daemon = TestDaemon::start(config).await;
    (server, daemon)
}

/// Every item matching a request (all pages, past included unless the
/// request says otherwise).
pub async fn search(daemon: &TestDaemon, request: pb::SearchRequest) -> Vec<pb::Item> {
    let mut client = daemon.client().await;
    client
        .search(request)
        .await
        .expect("search")
        .into_inner()
        .items
}

/// A civil date.
pub fn day(year: i32, month: u32, day: u32) -> Option<pb::CivilDate> {
    Some(pb::CivilDate { year, month, day })
}

/// The titles of items, in order.
pub fn titles(items: &[pb::Item]) -> Vec<&str> {
    items.iter().map(|i| i.title.as_str()).collect()
}
