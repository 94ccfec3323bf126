//! A paged source read over HTTP exactly as a run reads it
//! (`runner::read_source`): next pages through the polite fetcher, the
//! first page's validators kept, and a 304 on the first page meaning that
//! nothing changed.

use perfusion_tests::{FixtureServer, config_from};
use perfusiond::fetch::{Fetcher, Validators};
use perfusiond::runner::{Read, read_source};

/// A society's course list over three pages, linked the way WordPress
/// themes link them.
fn archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let page = |path: &str, title: &str, slug: &str, date: &str, next: Option<&str>| {
        let next = next
            .map(|href| format!("<a class=\"next page-numbers\" href=\"{href}\">Next &raquo;</a>"))
            .unwrap_or_default();
        let file = dir.path().join("courses.example.org").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(
            &file,
            format!(
                "<html><body><main><article class=\"course\"><h2><a href=\"{slug}.html\">{title}</a></h2><p class=\"when\">{date}</p></article></main><nav class=\"navigation pagination\"><span class=\"page-numbers current\">1</span>{next}</nav></body></html>"
            ),
        )
        .unwrap();
        std::fs::write(
            file.with_file_name(format!(
                "{}.headers",
                file.file_name().unwrap().to_string_lossy()
            )),
            "content-type: text/html; charset=UTF-8\nlast-modified: Mon, 15 Jan 2024 10:00:00 GMT\n",
        )
        .unwrap();
    };
    page(
        "courses/index",
        "Adult ECMO",
        "adult-ecmo",
        "23 – 27 September 2024",
        Some("page/2/"),
    );
    page(
        "courses/page/2/index",
        "Paediatric ECMO",
        "paediatric-ecmo",
        "4-5 July, 2024",
        Some("../3/"),
    );
    page(
        "courses/page/3/index",
        "ECPR workshop",
        "ecpr-workshop",
        "12 March 2024",
        None,
    );
    dir
}

#[tokio::test]
async fn every_page_is_read_and_an_unchanged_first_page_stops_the_read() {
    let dir = archive();
    let server = FixtureServer::start(dir.path().to_owned()).await;
    let config = config_from(&server.rewrite(
        r#"version = 1
[[source]]
id = "courses"
org = "Society"
url = "https://courses.example.org/courses/"
format = "html_list"
kind = "course"
date_order = "dmy"
item = "article.course"
title = "h2"
date = ".when"
next = "a.next@href"
"#,
    ));
    let fetcher = Fetcher::http(&config.fetch).unwrap();
    let source = &config.sources[0];
    let now = "2024-02-01T00:00:00Z".parse().unwrap();
    let read = read_source(&fetcher, source, &Validators::default(), now)
        .await
        .unwrap();
    let Read::Items {
        items,
        validators,
        pages,
    } = read
    else {
        panic!("a first read has items")
    };
    assert_eq!(pages, 3);
    let listed: Vec<(&str, String)> = items
        .iter()
        .map(|i| (i.title.as_str(), i.when.start.unwrap().to_string()))
        .collect();
    assert_eq!(
        listed,
        [
            ("Adult ECMO", "2024-09-23".to_owned()),
            ("Paediatric ECMO", "2024-07-04".to_owned()),
            ("ECPR workshop", "2024-03-12".to_owned()),
        ]
    );
    assert_eq!(
        items[2].url,
        format!(
            "{}/courses.example.org/courses/page/3/ecpr-workshop.html",
            server.base()
        ),
        "links on later pages resolve against their own page"
    );
    assert!(validators.etag.is_some(), "the first page's ETag is kept");

    // Asked again with the first page's validators: nothing changed.
    let again = read_source(&fetcher, source, &validators, now)
        .await
        .unwrap();
    assert!(matches!(again, Read::NotModified), "{again:?}");
}
