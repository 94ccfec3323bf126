//! Calendars people subscribe to, and the Atom feed: over HTTP (with ETag
//! and 304), over gRPC (`ExportCalendar`) and through `perfusion calendar`.
//! Each calendar is parsed back and checked against the page it came from.

use std::process::Command;

use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime, Event, EventLike};
use perfusion_proto::v1 as pb;
use perfusion_tests::{FixtureServer, TestDaemon, binary, config_from};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};

use super::daemon_on_fixtures;

/// A society's course page with events far ahead, so they are on every
/// calendar whatever today is.
const PAGE: &str = r#"<!DOCTYPE html><html><body>
<ul class="events">
<li class="event"><h3>Adult ECMO Simulation Course</h3><span class="date">March 3-5, 2099</span>
<span class="where">Karolinska University Hospital, Stockholm, Sweden</span>
<p class="about">Hands-on simulation; 1,000 words; "quoted"; back\slash.</p><a href="/courses/sim-2099">Register</a></li>
<li class="event"><h3>ECMO Research Grant 2099</h3><span class="date">Deadline to submit is January 15, 2099.</span>
<p class="about">Applications are open to members.</p><a href="/grants/2099">Apply</a></li>
<li class="event"><h3>-CANCELLED- Pediatric ECMO Workshop</h3><span class="date">June 10, 2099</span>
<span class="where">Virtual</span><a href="/courses/peds-2099">Details</a></li>
</ul></body></html>"#;

const CONFIG: &str = r#"
version = 1

[[source]]
id = "society-courses"
org = "Society"
url = "https://society.example/events.html"
format = "html_list"
kind = "course"
timezone = "Europe/Stockholm"
item = "li.event"
title = "h3"
date = ".date"
location = ".where"
summary = ".about"
link = "a@href"
kind_rules = [{ pattern = "(?i)grant", kind = "grant" }]

[[calendar]]
name = "society-deadlines"
kinds = ["grant"]
alarm = "P7D"
"#;

struct Society {
    dir: tempfile::TempDir,
    _server: FixtureServer,
    daemon: TestDaemon,
}

impl Society {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("society.example")).unwrap();
        std::fs::write(dir.path().join("society.example/events.html"), PAGE).unwrap();
        let server = FixtureServer::start(dir.path().to_owned()).await;
        let daemon = TestDaemon::start(config_from(&server.rewrite(CONFIG))).await;
        Self {
            dir,
            _server: server,
            daemon,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.daemon.http_url())
    }
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("GET")
}

fn events(ics: &str) -> Vec<Event> {
    let calendar: Calendar = ics.parse().unwrap_or_else(|e| panic!("{e}\n{ics}"));
    calendar
        .components
        .into_iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn date(d: Option<DatePerhapsTime>) -> String {
    match d {
        Some(DatePerhapsTime::Date(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn an_adhoc_calendar_holds_the_dated_items_with_exclusive_ends() {
    let society = Society::start().await;
    let response = get(&society.url("/calendar.ics?kind=course")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "text/calendar; charset=utf-8"
    );
    assert!(response.headers().contains_key(ETAG));
    let ics = response.text().await.unwrap();
    assert!(
        ics.contains("X-WR-CALNAME:Perfusion and ECMO events\r\n"),
        "{ics}"
    );
    assert!(
        ics.contains("REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n"),
        "{ics}"
    );
    let events = events(&ics);
    assert_eq!(events.len(), 2, "{ics}");

    let sim = &events[0];
    assert_eq!(sim.get_summary(), Some("Adult ECMO Simulation Course"));
    assert_eq!(date(sim.get_start()), "2099-03-03");
    assert_eq!(
        date(sim.get_end()),
        "2099-03-06",
        "DTEND is the day after the last day"
    );
    assert_eq!(
        sim.get_location(),
        Some("Karolinska University Hospital, Stockholm, Sweden")
    );
    let description = sim.get_description().unwrap();
    assert!(
        description.starts_with("Hands-on simulation; 1,000 words; \"quoted\"; back\\slash."),
        "{description}"
    );
    assert!(
        description.contains("Society: http://127.0.0.1:"),
        "{description}"
    );
    assert!(sim.get_uid().unwrap().ends_with("@perfusiond"));
    assert_eq!(sim.get_sequence(), Some(0));
    assert_eq!(sim.property_value("STATUS"), Some("CONFIRMED"));

    let cancelled = &events[1];
    assert_eq!(cancelled.get_summary(), Some("Pediatric ECMO Workshop"));
    assert_eq!(cancelled.property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(date(cancelled.get_start()), "2099-06-10");
    assert_eq!(date(cancelled.get_end()), "2099-06-11");
    assert_eq!(cancelled.get_location(), Some("Online"));

    // No alarm unless a named calendar asks for one.
    assert!(!ics.contains("BEGIN:VALARM"));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is longer than 75 octets");
    }
}

#[tokio::test]
async fn an_unchanged_calendar_answers_304_and_stays_the_same_across_refreshes() {
    let society = Society::start().await;
    let url = society.url("/calendar.ics");
    let first = get(&url).await;
    let etag = first.headers()[ETAG].clone();
    let body = first.text().await.unwrap();

    let client = reqwest::Client::new();
    let again = client
        .get(&url)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], etag);
    assert!(again.text().await.unwrap().is_empty());

    // Two more fetch cycles of an unchanged page change no byte: same UIDs,
    // same DTSTAMP, same ETag.
    society.daemon.daemon.run_once().await;
    society.daemon.daemon.run_once().await;
    let later = get(&url).await;
    assert_eq!(later.headers()[ETAG], etag);
    assert_eq!(later.text().await.unwrap(), body);
}

#[tokio::test]
async fn a_changed_date_keeps_the_uid_and_raises_the_sequence() {
    let society = Society::start().await;
    let url = society.url("/calendar.ics?q=simulation");
    let before = events(&get(&url).await.text().await.unwrap());
    std::fs::write(
        society.dir.path().join("society.example/events.html"),
        PAGE.replace("March 3-5, 2099", "March 10-12, 2099"),
    )
    .unwrap();
    society
        .daemon
        .daemon
        .runner()
        .run_source("society-courses")
        .await
        .expect("a run");
    let after = events(&get(&url).await.text().await.unwrap());
    assert_eq!(after[0].get_uid(), before[0].get_uid());
    assert_eq!(after[0].get_sequence(), Some(1));
    assert_eq!(date(after[0].get_start()), "2099-03-10");
    assert_eq!(date(after[0].get_end()), "2099-03-13");
}

#[tokio::test]
async fn a_named_calendar_has_its_deadlines_and_asked_for_alarms() {
    let society = Society::start().await;
    let response = get(&society.url("/calendars/society-deadlines.ics")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ics = response.text().await.unwrap();
    assert!(ics.contains("X-WR-CALNAME:society-deadlines\r\n"), "{ics}");
    let events = events(&ics);
    assert_eq!(events.len(), 1, "{ics}");
    let deadline = &events[0];
    assert_eq!(
        deadline.get_summary(),
        Some("Application deadline: ECMO Research Grant 2099")
    );
    assert_eq!(date(deadline.get_start()), "2099-01-15");
    assert_eq!(date(deadline.get_end()), "2099-01-16");
    assert!(
        ics.contains("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P7D\r\n"),
        "{ics}"
    );

    let missing = get(&society.url("/calendars/nope.ics")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.text().await.unwrap(),
        "no calendar named \"nope\"; configured: society-deadlines\n"
    );
}

#[tokio::test]
async fn bad_calendar_parameters_are_named() {
    let society = Society::start().await;
    for (query, message) in [
        (
            "/calendar.ics?kinds=course",
            "unknown parameter \"kinds\"; expected q, kind, org, country, mode, from, to\n",
        ),
        (
            "/calendar.ics?from=March",
            "from: \"March\" is not a date; write YYYY-MM-DD, e.g. 2026-03-01\n",
        ),
    ] {
        let response = get(&society.url(query)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.text().await.unwrap(), message);
    }
}

#[tokio::test]
async fn export_calendar_and_the_cli_give_the_same_calendar_as_http() {
    let society = Society::start().await;
    let http = get(&society.url("/calendar.ics?kind=course"))
        .await
        .text()
        .await
        .unwrap();
    let mut client = society.daemon.client().await;
    let grpc = client
        .export_calendar(pb::ExportCalendarRequest {
            filter: Some(pb::SearchRequest {
                kinds: vec![pb::ItemKind::Course.into()],
                ..Default::default()
            }),
            calendar_name: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .ics;
    assert_eq!(grpc, http);

    let unknown = client
        .export_calendar(pb::ExportCalendarRequest {
            filter: None,
            calendar_name: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let file = society.dir.path().join("courses.ics");
    let addr = society.daemon.url();
    let out = {
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(binary("perfusion"))
                .args(["--addr", &addr, "calendar", "--kind", "course", "-o"])
                .arg(&file)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), http);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("2 events written to {}", file.display())
    );
}

#[tokio::test]
async fn the_atom_feed_lists_the_newest_items_of_a_kind() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let response = get(&format!("{}/feed.atom?kind=publication", daemon.http_url())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    let body = response.bytes().await.unwrap();
    let feed = feed_rs::parser::parse(&body[..]).expect("valid Atom");
    assert_eq!(
        feed.title.map(|t| t.content).as_deref(),
        Some("Perfusion and ECMO events")
    );
    let mut titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Adapting and Applying Student-Centered Learning in a Perfusion Clinical Rotation",
            "ECPR and Resuscitative ECMO",
            "Guidelines for ECMO in COVID-19 patients",
            "Heart to Heart Mission: 400 patients and counting",
            "Honduras Mission",
            "LivaNova Reports Cyberattack Compromising US Patients’ Data",
            "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report",
            "Quantifying Potential Fluid Transfused Through Pressure Monitoring and Circuit Flushes in Pediatric ECMO Patients",
        ]
    );
    let perform = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content.contains("PERForm"))
        .unwrap();
    assert_eq!(
        perform.links[0].href,
        "https://iperfusion.org/perform-report/"
    );
    assert_eq!(perform.authors[0].name.as_deref(), Some("IPA"));
    assert_eq!(
        perform.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-10-15T18:22:41+00:00")
    );
}

#[tokio::test]
async fn healthz_and_metrics_tell_how_the_daemon_is_doing() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let health = get(&format!("{}/healthz", daemon.http_url())).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok\n");

    // Before any search, both kinds of answer are counted, at 0.
    let metrics = get(&format!("{}/metrics", daemon.http_url()))
        .await
        .text()
        .await
        .unwrap();
    for answer in ["kept", "computed"] {
        let line = format!("perfusion_searches_total{{answer=\"{answer}\"}} 0");
        assert!(metrics.lines().any(|l| l == line), "{line:?} missing");
    }

    // One more cycle (all 304s) and three searches, the first asked twice,
    // then the counters. The first cycle's merge, which a cycle's end only
    // asks for, is over before the searches: a commit would drop the
    // answers kept.
    daemon.daemon.run_once().await;
    daemon.daemon.runner().writes_settled().await;
    let mut client = daemon.client().await;
    let ecmo = pb::SearchRequest {
        query: "ECMO".to_owned(),
        ..Default::default()
    };
    for search in [
        pb::SearchRequest::default(),
        pb::SearchRequest::default(),
        ecmo,
    ] {
        client.search(search).await.unwrap();
    }
    let metrics = get(&format!("{}/metrics", daemon.http_url()))
        .await
        .text()
        .await
        .unwrap();
    for line in [
        "perfusion_fetches_total{source=\"ipa-news\",outcome=\"ok\"} 1",
        "perfusion_fetches_total{source=\"ipa-news\",outcome=\"not_modified\"} 1",
        "perfusion_not_modified_total{source=\"elso-courses\"} 1",
        "perfusion_source_items{source=\"elso-courses\"} 4",
        "perfusion_fetch_duration_seconds_count{source=\"elso-notices\"} 2",
        "perfusion_search_duration_seconds_count 3",
        "perfusion_searches_total{answer=\"computed\"} 2",
        "perfusion_searches_total{answer=\"kept\"} 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line:?} missing from\n{metrics}"
        );
    }
    // The four sources' first reads were committed in one to four commits
    // (the writer commits every batch waiting at once); the 304s wrote
    // nothing.
    let commits: u32 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("perfusion_index_commit_duration_seconds_count "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no commit count in\n{metrics}"));
    assert!((1..=4).contains(&commits), "{commits} commits");
    // The segments a search reads: one or more, never none, with items.
    let segments: u32 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("perfusion_index_segments "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no segment count in\n{metrics}"));
    assert!(segments >= 1, "{segments} segments");
}

#[tokio::test]
async fn watchers_see_changed_items_and_a_silent_one_holds_nothing_up() {
    let society = Society::start().await;
    let mut client = society.daemon.client().await;
    let watch = |kinds: Vec<i32>| pb::WatchItemsRequest {
        filter: Some(pb::SearchRequest {
            kinds,
            ..Default::default()
        }),
    };
    let mut courses = client
        .watch_items(watch(vec![pb::ItemKind::Course.into()]))
        .await
        .unwrap()
        .into_inner();
    // A watcher that never reads.
    let _silent = client.watch_items(watch(Vec::new())).await.unwrap();

    for (n, dates) in [
        "March 10-12, 2099",
        "March 17-19, 2099",
        "March 24-26, 2099",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(
            society.dir.path().join("society.example/events.html"),
            PAGE.replace("March 3-5, 2099", dates),
        )
        .unwrap();
        let report = society
            .daemon
            .daemon
            .runner()
            .run_source("society-courses")
            .await
            .expect("ingest is not held up by watchers");
        assert_eq!(report.stats.changed, 1, "run {n}");
        let item = courses.message().await.unwrap().unwrap().item.unwrap();
        assert_eq!(item.title, "Adult ECMO Simulation Course");
        assert_eq!(item.revision, n as u32 + 1);
    }

    let bad = client
        .watch_items(pb::WatchItemsRequest {
            filter: Some(pb::SearchRequest {
                from: "soon".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
}
