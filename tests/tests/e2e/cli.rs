//! The `perfusion` binary against a running daemon: its table, its JSON and
//! its exit codes.

use std::process::{Command, Output};

use perfusion_tests::binary;

use super::daemon_on_fixtures;

/// `perfusion --addr ADDR ARGS`, with none of the caller's settings that
/// change what it prints.
fn command(addr: &str, args: &[&str]) -> Command {
    let mut command = Command::new(binary("perfusion"));
    command
        .arg("--addr")
        .arg(addr)
        .args(args)
        .env_remove("PERFUSION_ADDR")
        .env_remove("COLUMNS");
    command
}

fn perfusion(addr: &str, args: &[&str]) -> Output {
    command(addr, args).output().expect("perfusion runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn search_prints_a_table_with_date_kind_org_title_and_place() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let addr = daemon.url();
    let out = tokio::task::spawn_blocking(move || {
        perfusion(
            &addr,
            &[
                "search", "ecmo", "--kind", "course", "--past", "--sort", "date",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(rows[0], ["ID", "DATE", "KIND", "ORG", "TITLE", "PLACE"]);
    let without_ids: Vec<&[&str]> = rows[1..].iter().map(|r| &r[1..]).collect();
    assert_eq!(
        without_ids,
        [
            &[
                "2021-10-11 to 10-14",
                "course",
                "ELSO",
                "Adult ECMO for respiratory failure and septic shock",
                "Stockholm, SE"
            ][..],
            &[
                "2021-11-03 to 11-04",
                "course",
                "ELSO",
                "Extracorporeal Life Support Adult ECMO Simulation Training Course",
                "Tampa, Florida, US"
            ][..],
            &[
                "2021-11-05 to 11-06",
                "course",
                "ELSO",
                "Extracorporeal Life Support Adult ECMO Simulation Training Course",
                "Tampa, Florida, US"
            ][..],
            &[
                "2021-11-11 to 11-12",
                "course",
                "ELSO",
                "Extracorporeal Life Support Adult ECMO Training Course",
                "online"
            ][..],
        ]
    );
}

#[tokio::test]
async fn a_piped_table_is_as_wide_as_its_rows_unless_columns_says_otherwise() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let addr = daemon.url();
    let search = ["search", "ecmo", "--kind", "course", "--past"];
    let (whole, narrow) = tokio::task::spawn_blocking(move || {
        let narrow = command(&addr, &search)
            .env("COLUMNS", "72")
            .output()
            .expect("perfusion runs");
        (perfusion(&addr, &search), narrow)
    })
    .await
    .unwrap();
    let longest = |o: &Output| stdout(o).lines().map(|l| l.chars().count()).max();
    let title = "Extracorporeal Life Support Adult ECMO Simulation Training Course";
    // Into a pipe, each row stays on one line, for grep.
    assert!(stdout(&whole).lines().any(|l| l.contains(title)));
    assert!(longest(&whole) > Some(100));
    // With COLUMNS, the table fits that width, the long titles wrapped.
    assert_eq!(narrow.status.code(), Some(0));
    assert!(longest(&narrow) <= Some(72), "{}", stdout(&narrow));
    assert!(!stdout(&narrow).contains(title));
    let lines = |o: &Output| stdout(o).lines().count();
    assert!(lines(&narrow) > lines(&whole), "rows are wrapped, not cut");
    assert!(stdout(&narrow).contains("Tampa"));
}

#[tokio::test]
async fn search_json_is_for_scripts_and_show_prints_one_item() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let addr = daemon.url();
    let out = tokio::task::spawn_blocking(move || {
        let json = perfusion(&addr, &["search", "--org", "IPA", "--json"]);
        let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
        let id = value["items"][0]["id"].as_str().expect("an id").to_owned();
        (json.status.code(), value, perfusion(&addr, &["show", &id]))
    })
    .await
    .unwrap();
    let (code, value, show) = out;
    assert_eq!(code, Some(0));
    assert_eq!(value["total_hits"], 6);
    let items = value["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|i| i["kind"] == "publication" && i["org"] == "IPA")
    );
    let perform = items
        .iter()
        .find(|i| i["url"] == "https://iperfusion.org/perform-report/")
        .expect("the PERForm report");
    assert_eq!(
        perform["title"],
        "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report"
    );
    assert_eq!(perform["posted"], "2024-10-15T18:22:41+00:00");
    assert_eq!(perform["start"], serde_json::Value::Null);
    assert_eq!(perform["sources"][0]["source_id"], "ipa-news");

    assert_eq!(show.status.code(), Some(0));
    let text = stdout(&show);
    assert!(text.starts_with("title      "), "{text}");
    assert!(text.contains("kind       publication\n"), "{text}");
    assert!(text.contains("org        IPA\n"), "{text}");
    assert!(
        text.contains("source     ipa-news (IPA) https://iperfusion.org/"),
        "{text}"
    );
}

#[tokio::test]
async fn a_reader_that_stops_early_ends_the_output_quietly() {
    // `perfusion search ecmo | head -1`, where head has gone before the
    // table comes: the pipe is closed before perfusion starts.
    let (_server, daemon) = daemon_on_fixtures().await;
    let addr = daemon.url();
    let runs = tokio::task::spawn_blocking(move || {
        [
            vec!["search", "ecmo", "--past"],
            vec!["search", "ecmo", "--past", "--json"],
            vec!["calendar", "--org", "ELSO"],
            vec!["sources"],
            vec!["completions", "bash"],
        ]
        .map(|args| {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let out = command(&addr, &args)
                .stdout(writer)
                .stderr(std::process::Stdio::piped())
                .output()
                .expect("perfusion runs");
            (args.join(" "), out)
        })
    })
    .await
    .unwrap();
    for (args, out) in runs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "perfusion {args}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "perfusion {args}: {stderr}"
        );
    }
}

#[tokio::test]
async fn exit_codes_tell_results_nothing_usage_and_unreachable() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let addr = daemon.url();
    let codes = tokio::task::spawn_blocking(move || {
        [
            perfusion(&addr, &["sources"]).status.code(),
            perfusion(&addr, &["search", "xylophone"]).status.code(),
            perfusion(&addr, &["search", "--from", "tomorrow"])
                .status
                .code(),
            perfusion(&addr, &["search", "--kind", "seminar"])
                .status
                .code(),
            perfusion(&addr, &["show", "0000000000000000"])
                .status
                .code(),
            perfusion("http://127.0.0.1:9", &["search", "ecmo"])
                .status
                .code(),
        ]
    })
    .await
    .unwrap();
    assert_eq!(
        codes,
        [Some(0), Some(1), Some(2), Some(2), Some(1), Some(3)]
    );

    let unreachable = perfusion("http://127.0.0.1:9", &["sources"]);
    let message = String::from_utf8_lossy(&unreachable.stderr);
    assert!(
        message.contains("cannot reach perfusiond at http://127.0.0.1:9; start it with"),
        "{message}"
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_perfusion()"),
        ("zsh", "#compdef perfusion"),
        ("fish", "complete -c perfusion"),
    ] {
        let out = Command::new(binary("perfusion"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(stdout(&out).contains(marker), "{shell}");
    }
}
