//! What the fuzz targets check, shared with the test that replays their
//! corpora on every test run (`tests/tests/e2e/fuzz_corpus.rs`).
//!
//! - [`dates`]: the date parser on any text never panics; its spans lie in
//!   the text, on character boundaries, in order, without overlap; no range
//!   ends before it starts; a date without a first day is `unknown`.
//! - [`page`]: a page body read by a source of one format exactly as a run
//!   reads it (extract, then normalise) never panics; every item has a
//!   one-line title, a stable id, an http(s) link, and dates consistent
//!   with their precision, no range ending before it starts.

// Each target uses one of these checks; the replaying test uses them all.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use perfusion_index::{DatePrecision, Item};
use perfusiond::config;
use perfusiond::dates::{self, DateContext, DateOrder};
use perfusiond::fetch::{Fetched, Validators};
use perfusiond::{extract, normalize};

/// Each extractor target: its name, its source's format keys as in
/// sources.toml, and the content type its pages are served with.
pub const PAGES: &[(&str, &str, &str)] = &[
    (
        "html_list",
        // The selectors of ELSO's and AmSECT's lists (the seeds), and of a
        // list with `<time datetime>` and a next link.
        r#"format = "html_list"
item = ".eventItem, .EventItem, li.event"
title = ".eventTitle, .EventTitle, h3"
date = ".eventDates, .EventDate, time@datetime"
end_date = "time.end@datetime"
location = ".eventLocation, .EventLocation"
link = ".eventLink a@href"
summary = ".eventContact, .EventDescription, p"
posted = ".eventPosted"
next = "a.next""#,
        "text/html",
    ),
    (
        "html_blocks",
        r#"format = "html_blocks"
container = "main, body"
split = "h2, h3"
labels = { date = ["Date", "Dates"], location = "Location", organizer = "Organization", link = ["Program", "Programme"] }"#,
        "text/html",
    ),
    ("feed", r#"format = "feed""#, "application/rss+xml"),
    (
        "ical",
        r#"format = "ical"
window_days = 365"#,
        "text/calendar",
    ),
    ("tribe_json", r#"format = "tribe_json""#, "application/json"),
    ("jsonld", r#"format = "jsonld""#, "text/html"),
];

/// Checks the date parser on `data`, when it is text.
pub fn dates(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let reference = NaiveDate::from_ymd_opt(2024, 6, 1).expect("a valid date");
    for (order, timezone) in [
        (DateOrder::Mdy, Some(chrono_tz::America::Los_Angeles)),
        (DateOrder::Dmy, Some(chrono_tz::Australia::Sydney)),
        (DateOrder::Mdy, None),
    ] {
        let cx = DateContext {
            reference,
            order,
            timezone,
        };
        let mut last_end = 0;
        for found in dates::find_all(text, &cx) {
            let span = found.span.clone();
            assert!(span.start >= last_end, "spans overlap: {text:?}");
            assert!(span.start < span.end && span.end <= text.len());
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            last_end = span.end;
            check_date(&found.date, text);
        }
        check_date(&dates::parse(text, &cx), text);
    }
}

fn check_date(date: &dates::ParsedDate, text: &str) {
    match (date.start, date.end) {
        (Some(start), Some(end)) => assert!(start <= end, "backwards range from {text:?}"),
        (None, None) => assert_eq!(date.precision, DatePrecision::Unknown, "{text:?}"),
        _ => {}
    }
}

/// The config of each target's source, parsed once: parsing (selectors,
/// regexes) costs far more than reading a small page.
fn config_of(target: &str) -> &'static config::Config {
    static CONFIGS: std::sync::OnceLock<Vec<config::Config>> = std::sync::OnceLock::new();
    let configs = CONFIGS.get_or_init(|| {
        PAGES
            .iter()
            .map(|(_, format, _)| {
                let text = format!(
                    "version = 1\n[[source]]\nid = \"fuzz\"\norg = \"Fuzz\"\nurl = \"https://fuzz.example/page/\"\nkind = \"course\"\ntimezone = \"Europe/Berlin\"\n{format}\n"
                );
                config::parse(&text, std::path::Path::new("fuzz.toml")).expect("a valid config")
            })
            .collect()
    });
    let at = PAGES
        .iter()
        .position(|(name, _, _)| *name == target)
        .expect("a known target");
    &configs[at]
}

/// Reads `body` as a page of the extractor target named `target`.
pub fn page(target: &str, body: &[u8]) {
    let config = config_of(target);
    let content_type = PAGES
        .iter()
        .find(|(name, _, _)| *name == target)
        .map(|(_, _, ct)| *ct)
        .expect("a known target");
    let source = &config.sources[0];
    let now: DateTime<Utc> = "2024-06-01T12:00:00Z".parse().expect("a valid time");
    let fetched = Fetched {
        url: source.url.clone(),
        content_type: Some(content_type.to_owned()),
        body: body.to_vec(),
        page_date: Some(now),
        validators: Validators::default(),
    };
    let Ok(raw) = extract::extract(&source.format, &fetched) else {
        return;
    };
    let page_url = fetched.url.to_string();
    let cx = normalize::Context {
        source,
        page_url: &page_url,
        page_date: now.date_naive(),
        now,
    };
    for item in normalize::items(&raw, &cx) {
        check_item(&item);
    }
}

/// What every item promises, whatever page it came from.
fn check_item(item: &Item) {
    let title = &item.title;
    assert!(!title.trim().is_empty(), "an item without a title");
    assert_eq!(
        title.split_whitespace().collect::<Vec<_>>().join(" "),
        *title,
        "a title is one line of single spaces"
    );
    assert!(
        item.id.len() == 16 && item.id.bytes().all(|b| b.is_ascii_hexdigit()),
        "id {:?}",
        item.id
    );
    // The item's page: somewhere a browser or a calendar app can open.
    for url in std::iter::once(&item.url).chain(item.sources.iter().map(|s| &s.url)) {
        let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("{url:?} ({e}) for {title:?}"));
        assert!(
            matches!(parsed.scheme(), "http" | "https"),
            "{url:?} for {title:?}"
        );
    }
    let when = &item.when;
    if let (Some(start), Some(end)) = (when.start, when.end) {
        assert!(start <= end, "{start} after {end}: {title:?}");
    }
    // Unknown precision is exactly "no first day".
    assert_eq!(
        when.start.is_none(),
        when.precision == DatePrecision::Unknown,
        "{when:?} of {title:?}"
    );
}
