//! Reading a paged source as a run does: next pages followed on the same
//! site, never one already read, at most `max_pages`.

use std::path::Path;

use super::*;
use crate::config;

/// A listing page of the archive: its items and, maybe, a next link.
fn listing(dir: &Path, path: &str, titles: &[&str], next: Option<&str>) {
    let items: String = titles
        .iter()
        .map(|t| format!("<div class=\"event\"><h3><a href=\"/course/\">{t}</a></h3><p class=\"date\">4-5 July, 2023</p></div>"))
        .collect();
    let next = next
        .map(|href| format!("<a class=\"next page-numbers\" href=\"{href}\">Next »</a>"))
        .unwrap_or_default();
    let file = dir.join("www.example.org").join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        format!("<html><body>{items}<nav class=\"pagination\">{next}</nav></body></html>"),
    )
    .unwrap();
}

fn source(extra: &str) -> (config::Config, SourceConfig) {
    let src = format!(
        "version = 1\n[[source]]\nid = \"events\"\norg = \"X\"\nurl = \"https://www.example.org/events/\"\nformat = \"html_list\"\nkind = \"course\"\nitem = \".event\"\ntitle = \"h3\"\ndate = \".date\"\n{extra}\n"
    );
    let config = config::parse(&src, Path::new("sources.toml")).unwrap_or_else(|e| panic!("{e}"));
    let source = config.sources[0].clone();
    (config, source)
}

async fn read(dir: &Path, extra: &str) -> Result<Read, RunError> {
    let (config, source) = source(extra);
    let fetcher = Fetcher::replay(dir.to_owned(), &config.fetch);
    read_source(
        &fetcher,
        &source,
        &Validators::default(),
        "2023-06-01T00:00:00Z".parse().unwrap(),
    )
    .await
}

fn titles(read: &Read) -> Vec<&str> {
    match read {
        Read::Items { items, .. } => items.iter().map(|i| i.title.as_str()).collect(),
        Read::NotModified => panic!("not modified"),
    }
}

fn pages(read: &Read) -> u32 {
    match read {
        Read::Items { pages, .. } => *pages,
        Read::NotModified => 0,
    }
}

#[tokio::test]
async fn next_pages_are_followed_and_never_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    listing(dir.path(), "events/index", &["A"], Some("page/2/"));
    listing(
        dir.path(),
        "events/page/2/index",
        &["B"],
        Some("/events/page/3/"),
    );
    // The last page links back to the first, as some themes do.
    listing(
        dir.path(),
        "events/page/3/index",
        &["C"],
        Some("https://www.example.org/events/#top"),
    );
    let read = read(dir.path(), "next = \"a.next@href\"").await.unwrap();
    assert_eq!(titles(&read), ["A", "B", "C"]);
    assert_eq!(pages(&read), 3);
}

#[tokio::test]
async fn max_pages_stops_the_walk_and_without_next_one_page_is_read() {
    let dir = tempfile::tempdir().unwrap();
    listing(dir.path(), "events/index", &["A"], Some("page/2/"));
    listing(
        dir.path(),
        "events/page/2/index",
        &["B"],
        Some("/events/page/3/"),
    );
    let two = read(dir.path(), "next = \"a.next\"\nmax_pages = 2")
        .await
        .unwrap();
    assert_eq!(titles(&two), ["A", "B"], "without @attr the href is read");
    let one = read(dir.path(), "").await.unwrap();
    assert_eq!(titles(&one), ["A"]);
}

#[tokio::test]
async fn a_next_link_to_another_site_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    listing(
        dir.path(),
        "events/index",
        &["A"],
        Some("https://ads.example.net/events/page/2/"),
    );
    let read = read(dir.path(), "next = \"a.next@href\"").await.unwrap();
    assert_eq!(titles(&read), ["A"]);
}

#[tokio::test]
async fn a_next_page_that_fails_fails_the_read() {
    let dir = tempfile::tempdir().unwrap();
    listing(dir.path(), "events/index", &["A"], Some("page/2/"));
    let err = read(dir.path(), "next = \"a.next@href\"")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("no recorded response for https://www.example.org/events/page/2/"),
        "{err}"
    );
}

#[tokio::test]
async fn the_same_course_on_two_pages_gets_two_ids() {
    let dir = tempfile::tempdir().unwrap();
    listing(
        dir.path(),
        "events/index",
        &["ECMO course"],
        Some("page/2/"),
    );
    listing(dir.path(), "events/page/2/index", &["ECMO course"], None);
    let read = read(dir.path(), "next = \"a.next@href\"").await.unwrap();
    let Read::Items { items, .. } = read else {
        panic!("items expected")
    };
    assert_eq!(items.len(), 2);
    assert_ne!(items[0].id, items[1].id);
}
