//! `perfusiond --replay tests/fixtures/sites` runs the real configuration
//! offline, and the binary's `--once` and `--check` behave as documented.

use std::process::Command;

use perfusion_tests::{binary, fixture_sites, items_of, repo_root};
use perfusiond::state::Outcome;
use perfusiond::{Daemon, Options, config};

/// The items of every fixture page (125), less the four that announce an
/// event another source announces too, and the five that another source
/// lists with the same page (four IPA articles in IPA's news feed and on
/// its editorial page, a BMJ job on SCPS's job board).
const MERGED_TOTAL: u64 = 116;

#[tokio::test]
async fn the_real_sources_run_offline_from_the_fixtures() {
    let config = config::load(&repo_root().join("sources.toml")).expect("sources.toml loads");
    let daemon = Daemon::open(Options {
        config,
        data_dir: None,
        replay: Some(fixture_sites()),
        record: None,
    })
    .expect("daemon opens");
    let reports = daemon.run_once().await;
    let summary: Vec<(&str, Outcome, usize)> = reports
        .iter()
        .map(|r| (r.source_id.as_str(), r.outcome, r.items))
        .collect();
    assert_eq!(
        summary,
        [
            ("elso-meetings", Outcome::Ok, 3),
            ("elso-courses", Outcome::Ok, 4),
            ("elso-notices", Outcome::Ok, 4),
            ("elso-guidelines", Outcome::Ok, 7),
            ("elso-legacy-meetings", Outcome::Ok, 4),
            ("elso-latam", Outcome::Ok, 3),
            ("elso-blog", Outcome::Ok, 4),
            ("ipa-news", Outcome::Ok, 6),
            ("ipa-editorial", Outcome::Ok, 5),
            ("amsect-events", Outcome::Ok, 6),
            ("amsect-jobs", Outcome::Ok, 5),
            ("amsect-publications", Outcome::Ok, 6),
            ("abcp-exams", Outcome::Ok, 4),
            ("abcp-recertification", Outcome::Ok, 3),
            ("scps-events", Outcome::Ok, 5),
            ("scps-jobs", Outcome::Ok, 4),
            ("scps-perfusionist", Outcome::Ok, 4),
            ("ebcp-exam", Outcome::Ok, 3),
            ("dgfk-ebcp", Outcome::Ok, 2),
            ("anzcp-events", Outcome::Ok, 4),
            ("anzcp-gazette", Outcome::Ok, 4),
            ("cscp-events", Outcome::Ok, 4),
            ("cscp-evenements", Outcome::Ok, 2),
            ("fecect-congress", Outcome::Ok, 2),
            ("fecect-abstracts", Outcome::Ok, 2),
            ("perfusioncom-news", Outcome::Ok, 4),
            ("euroelso-courses", Outcome::Ok, 4),
            ("euroelso-congress", Outcome::Ok, 1),
            ("esicm-ecmo-courses", Outcome::Ok, 3),
            // Two pages of two events each.
            ("perfweb-webinars", Outcome::Ok, 4),
            // Three single events and five evenings of a monthly series.
            ("anzcp-calendar", Outcome::Ok, 8),
            ("bmj-perfusionist-job", Outcome::Ok, 1),
        ]
    );
    // A second cycle finds the same items: same ids, nothing added.
    let again = daemon.run_once().await;
    assert!(
        again
            .iter()
            .all(|r| r.stats.added == 0 && r.stats.changed == 0),
        "{again:?}"
    );
    // 123 items on the pages; an event announced by several sources is
    // shown once (see below).
    assert_eq!(daemon.store().len(), MERGED_TOTAL);
    // One event announced by several organisations (or twice by one) is
    // one item, with the organiser's title, and every announcer; so is an
    // article or a job two sources link to.
    let mut merged: Vec<(String, Vec<&str>)> = Vec::new();
    let items = items_of(daemon.store(), "");
    for item in &items {
        if item.sources.len() > 1 {
            merged.push((item.title.clone(), item.source_ids().collect()));
        }
    }
    merged.sort();
    assert_eq!(
        merged,
        [
            (
                "10th EuroELSO Congress on ECMO-ECLS".to_owned(),
                vec!["euroelso-congress", "elso-meetings"]
            ),
            (
                "32nd Annual ELSO Conference".to_owned(),
                vec!["elso-meetings", "elso-notices"]
            ),
            (
                "Adapting and Applying Student-Centered Learning in a Perfusion Clinical Rotation"
                    .to_owned(),
                vec!["ipa-editorial", "ipa-news"]
            ),
            (
                "LivaNova Reports Cyberattack Compromising US Patients\u{2019} Data".to_owned(),
                vec!["ipa-editorial", "ipa-news"]
            ),
            (
                "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report"
                    .to_owned(),
                vec!["ipa-editorial", "ipa-news"]
            ),
            (
                "Perfusion in Practice (PIP) Webinar: End of Life impact on Perfusionists"
                    .to_owned(),
                vec!["anzcp-events", "anzcp-calendar"]
            ),
            (
                "Quantifying Potential Fluid Transfused Through Pressure Monitoring and Circuit \
                 Flushes in Pediatric ECMO Patients"
                    .to_owned(),
                vec!["ipa-editorial", "ipa-news"]
            ),
            (
                "Trainee Clinical Perfusionist Band 6".to_owned(),
                vec!["scps-jobs", "bmj-perfusionist-job"]
            ),
            (
                "Transition Course in ECLS/ECMO".to_owned(),
                vec!["esicm-ecmo-courses", "euroelso-courses"]
            ),
        ]
    );
    // The congress is EuroELSO's: its microsite gives the venue and the
    // link; ELSO's listing is named among the sources.
    let congress = items
        .iter()
        .find(|i| i.title.starts_with("10th EuroELSO"))
        .unwrap();
    assert_eq!(congress.org, "EuroELSO");
    assert_eq!(congress.place.venue.as_deref(), Some("ExCeL London"));
    assert_eq!(congress.url, "https://www.euroelso-congress.com/");
    // The ELSO adult ECMO simulation courses in Tampa on 3-4 and 5-6
    // November have one title and stay two items.
    let tampa: Vec<String> = items_of(daemon.store(), "\"simulation training course\" tampa")
        .iter()
        .map(|i| i.when.start.unwrap().to_string())
        .collect();
    assert_eq!(tampa, ["2021-11-03", "2021-11-05"]);

    // Relative links resolve against the real page URL.
    let hits = items_of(daemon.store(), "\"simulation training course\"");
    assert_eq!(hits.len(), 2);
    for item in &hits {
        assert_eq!(
            item.url,
            "https://www.elso.org/ecmo-education/simulation-training.aspx"
        );
        assert_eq!(item.sources[0].url, item.url);
    }

    // When a cycle ends, the writer merges the segments its commits added
    // into one, which searches read faster; every item is still there.
    let store = daemon.store().clone();
    daemon.close().await;
    assert_eq!(store.segment_count(), 1);
    assert_eq!(store.len(), MERGED_TOTAL);
    assert_eq!(items_of(&store, "\"simulation training course\"").len(), 2);
}

#[test]
fn perfusiond_once_replays_and_reports_each_source() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(binary("perfusiond"))
        .current_dir(repo_root())
        .args(["--replay", "tests/fixtures/sites", "--once", "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("perfusiond runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            ["elso-meetings", "ok", "3", "items"],
            ["elso-courses", "ok", "4", "items"],
            ["elso-notices", "ok", "4", "items"],
            ["elso-guidelines", "ok", "7", "items"],
            ["elso-legacy-meetings", "ok", "4", "items"],
            ["elso-latam", "ok", "3", "items"],
            ["elso-blog", "ok", "4", "items"],
            ["ipa-news", "ok", "6", "items"],
            ["ipa-editorial", "ok", "5", "items"],
            ["amsect-events", "ok", "6", "items"],
            ["amsect-jobs", "ok", "5", "items"],
            ["amsect-publications", "ok", "6", "items"],
            ["abcp-exams", "ok", "4", "items"],
            ["abcp-recertification", "ok", "3", "items"],
            ["scps-events", "ok", "5", "items"],
            ["scps-jobs", "ok", "4", "items"],
            ["scps-perfusionist", "ok", "4", "items"],
            ["ebcp-exam", "ok", "3", "items"],
            ["dgfk-ebcp", "ok", "2", "items"],
            ["anzcp-events", "ok", "4", "items"],
            ["anzcp-gazette", "ok", "4", "items"],
            ["cscp-events", "ok", "4", "items"],
            ["cscp-evenements", "ok", "2", "items"],
            ["fecect-congress", "ok", "2", "items"],
            ["fecect-abstracts", "ok", "2", "items"],
            ["perfusioncom-news", "ok", "4", "items"],
            ["euroelso-courses", "ok", "4", "items"],
            ["euroelso-congress", "ok", "1", "items"],
            ["esicm-ecmo-courses", "ok", "3", "items"],
            ["perfweb-webinars", "ok", "4", "items"],
            ["anzcp-calendar", "ok", "8", "items"],
            ["bmj-perfusionist-job", "ok", "1", "items"],
        ]
    );
    // On disk, every item, in the one segment the cycle's end merged the
    // index into before the daemon exited.
    let store = perfusion_index::IndexStore::open(&data.path().join("index")).unwrap();
    assert_eq!(store.len(), MERGED_TOTAL);
    assert_eq!(store.segment_count(), 1);
}

#[test]
fn perfusiond_check_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::copy(repo_root().join("sources.toml"), &good).unwrap();
    let ok = Command::new(binary("perfusiond"))
        .arg("--check")
        .arg("--config")
        .arg(&good)
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with("ok (32 sources, 2 calendars)\n"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\n\n[[source]]\nid = \"x\"\norg = \"X\"\nurl = \"https://x.example/\"\nformat = \"feed\"\nkind = \"publication\"\nschedule = \"0 */6 * * *\"\n",
    )
    .unwrap();
    let out = Command::new(binary("perfusiond"))
        .arg("--check")
        .arg("--config")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:9:12: schedule \"0 */6 * * *\" needs 6 fields (sec min hour day month weekday), it has 5"),
        "{stderr}"
    );
}

#[tokio::test]
async fn what_record_saves_replays_to_the_same_items() {
    use perfusion_tests::{FixtureServer, config_from, real_config_text};

    let server = FixtureServer::start(fixture_sites()).await;
    let config = config_from(&server.rewrite(&real_config_text()));
    let archive = tempfile::tempdir().unwrap();
    let recording = Daemon::open(Options {
        config: config.clone(),
        data_dir: None,
        replay: None,
        record: Some(archive.path().to_owned()),
    })
    .unwrap();
    let recorded = recording.run_once().await;
    assert!(
        recorded.iter().all(|r| r.outcome == Outcome::Ok),
        "{recorded:?}"
    );

    // The body and its headers are stored at <host>_<port>/<path>.
    let host = format!("127.0.0.1_{}", server.addr.port());
    let feed = archive.path().join(&host).join("iperfusion.org/feed/index");
    assert_eq!(
        std::fs::read(&feed).unwrap(),
        std::fs::read(fixture_sites().join("iperfusion.org/feed/index")).unwrap()
    );
    let headers = std::fs::read_to_string(feed.with_file_name("index.headers")).unwrap();
    assert!(
        headers.contains("content-type: application/rss+xml"),
        "{headers}"
    );
    assert!(
        headers.contains("last-modified: Tue, 15 Oct 2024 18:22:41 GMT"),
        "{headers}"
    );

    // Replayed with the fixture server gone, the same items come back.
    drop(server);
    let replaying = Daemon::open(Options {
        config,
        data_dir: None,
        replay: Some(archive.path().to_owned()),
        record: None,
    })
    .unwrap();
    let replayed = replaying.run_once().await;
    assert!(
        replayed.iter().all(|r| r.outcome == Outcome::Ok),
        "{replayed:?}"
    );
    // The same items: titles, dates and sources. (Ids are compared per
    // item in the other tests; an item announced by two sources takes the
    // id of whichever was read first, and the sources run in parallel.)
    let shown = |d: &Daemon| {
        let mut items: Vec<String> = items_of(d.store(), "")
            .into_iter()
            .map(|i| {
                let sources: Vec<&str> = i.source_ids().collect();
                format!("{} {:?} {}", i.title, i.when.start, sources.join(","))
            })
            .collect();
        items.sort();
        items
    };
    // perfweb's next page is on perfweb.us, not on the fixture server's
    // address: a next page on another site is never followed, so its
    // first page's two events are all (two fewer than replayed offline).
    assert_eq!(shown(&recording).len() as u64, MERGED_TOTAL - 2);
    assert_eq!(shown(&recording), shown(&replaying));
}
