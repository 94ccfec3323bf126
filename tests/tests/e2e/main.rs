//! End-to-end tests: the real sources.toml against a loopback fixture
//! server, the daemon in-process, the real gRPC client and the binaries.
//! Every expectation is written by hand from the fixture pages.
//!
//! `federation` reads every source's page and compares every item with the
//! items written down by hand in `tests/fixtures/expected/`; `replay` runs
//! every source through the binary. The other tests read the sources of
//! ELSO's home page and IPA's feed only ([`HOME_SOURCES`]), so they keep
//! their expectations when a source is added.

mod bad_input;
mod calendar;
mod cli;
mod crash;
mod exposure;
mod federation;
mod fetching;
mod fuzz_corpus;
mod lifecycle;
mod paging;
mod replay;
mod search;
mod service;

use perfusion_proto::v1 as pb;
use perfusion_tests::{
    FixtureServer, HOME_SOURCES, TestDaemon, config_from, fixture_sites, real_config_text_of,
};

/// A daemon that has read the sources of ELSO's home page and IPA's feed
/// (from the real sources.toml) from the fixture server.
pub async fn daemon_on_fixtures() -> (FixtureServer, TestDaemon) {
    let server = FixtureServer::start(fixture_sites()).await;
    let config = config_from(&server.rewrite(&real_config_text_of(HOME_SOURCES)));
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
