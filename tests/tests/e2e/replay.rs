//! `perfusiond --replay tests/fixtures/sites` runs the real configuration
//! offline, and the binary's `--once` and `--check` behave as documented.

use std::process::Command;

use perfusion_tests::{binary, fixture_sites, items_of, repo_root};
use perfusiond::state::Outcome;
use perfusiond::{Daemon, Options, config};

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
    assert_eq!(daemon.store().len(), 104);

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
        ]
    );
    assert!(
        data.path().join("index/meta.json").exists(),
        "the index is on disk"
    );
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
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with("ok (26 sources, 2 calendars)\n"));

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
    let ids = |d: &Daemon| {
        let mut ids: Vec<String> = items_of(d.store(), "").into_iter().map(|i| i.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&recording).len(), 104);
    assert_eq!(ids(&recording), ids(&replaying));
}
