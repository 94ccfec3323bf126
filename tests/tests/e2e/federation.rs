//! Every source of the real `sources.toml`, read from its fixture page
//! exactly as the daemon reads it (the replay fetcher, then
//! `extract::extract`, then `normalize::items`), against the items a person
//! wrote down by hand from that page in
//! `tests/fixtures/expected/<source-id>.toml`.
//!
//! An expected file is a list of `[[item]]` tables: `title`, `kind` and
//! `url` always; `start`, `end` (inclusive), `precision` (default `day`
//! with a start, else `unknown`), `start_time`, `end_time`, `timezone`,
//! `venue`, `city`, `region`, `country`, `mode`, `status` (default
//! `scheduled`), `deadlines` (`{ kind, date, time, timezone }`) and
//! `summary_contains` when the page gives them.
//!
//! Items are matched by title. Every field an expected item lists is
//! compared, and a field it leaves out must be absent from the found item
//! too (the summary is the exception: only the listed phrases are looked
//! for). Every summary is also checked for what must never reach a user:
//! HTML tags, cookie or privacy-policy banners, Cloudflare's
//! `[email protected]` and the empty bracket an address leaves. The test
//! prints a table per source and each wrong field, then fails if anything
//! is missing, extra or wrong.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{NaiveDate, Utc};
use perfusion_index::{DatePrecision, Item, Mode};
use perfusion_tests::{fixture_sites, repo_root};
use perfusiond::config::{self, SourceConfig};
use perfusiond::fetch::{Fetch, Fetcher, Validators};
use perfusiond::runner::{self, Read};
use serde::Deserialize;

/// One `expected/<source-id>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFile {
    #[serde(default)]
    item: Vec<Expected>,
}

/// One item as a person reads it on the page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    title: String,
    kind: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    precision: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    timezone: Option<String>,
    venue: Option<String>,
    city: Option<String>,
    region: Option<String>,
    country: Option<String>,
    mode: Option<String>,
    status: Option<String>,
    url: String,
    #[serde(default)]
    deadlines: Vec<ExpectedDeadline>,
    #[serde(default)]
    summary_contains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedDeadline {
    kind: String,
    date: NaiveDate,
    time: Option<String>,
    timezone: Option<String>,
}

/// What one source came to.
#[derive(Debug, Default)]
struct Outcome {
    expected: usize,
    found: usize,
    missing: Vec<String>,
    extra: Vec<String>,
    /// (item title, field, expected, got).
    wrong: Vec<(String, String, String, String)>,
    /// Why the source could not be compared at all.
    broken: Option<String>,
}

impl Outcome {
    fn is_clean(&self) -> bool {
        self.broken.is_none()
            && self.missing.is_empty()
            && self.extra.is_empty()
            && self.wrong.is_empty()
    }
}

#[tokio::test]
async fn every_item_on_every_fixture_page_is_read_with_every_field_right() {
    let config = config::load(&repo_root().join("sources.toml")).expect("sources.toml loads");
    let fetcher = Fetcher::replay(fixture_sites(), &config.fetch);
    let expected_dir = repo_root().join("tests/fixtures/expected");

    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    for source in &config.sources {
        let outcome = match read_expected(&expected_dir, &source.id) {
            Err(why) => Outcome {
                broken: Some(why),
                ..Outcome::default()
            },
            Ok(expected) => match read_source(&fetcher, source).await {
                Err(why) => Outcome {
                    expected: expected.len(),
                    broken: Some(why),
                    ..Outcome::default()
                },
                Ok(found) => compare(&expected, &found),
            },
        };
        outcomes.push((source.id.clone(), outcome));
    }
    let ids: BTreeSet<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    let stale: Vec<String> = std::fs::read_dir(&expected_dir)
        .expect("tests/fixtures/expected")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".toml").map(str::to_owned))
        .filter(|id| !ids.contains(id.as_str()))
        .collect();

    let report = render(&outcomes, &stale);
    println!("{report}");
    let failing: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| !o.is_clean())
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        failing.is_empty() && stale.is_empty(),
        "sources not read as the page says: {failing:?}; expected files without a source: \
         {stale:?} (the table and every difference are printed above)"
    );
}

fn read_expected(dir: &Path, id: &str) -> Result<Vec<Expected>, String> {
    let path = dir.join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("no expected items: {} ({e})", path.display()))?;
    let file: ExpectedFile =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file.item)
}

/// The source's items, read exactly as a run of the daemon reads them
/// (`runner::read_source`: every page, then normalisation).
async fn read_source(fetcher: &Fetcher, source: &SourceConfig) -> Result<Vec<Item>, String> {
    // Year-less dates are placed against the page's date: a fixture
    // without one would give different items on different days.
    match fetcher.get(&source.url, &Validators::default()).await {
        Ok(Fetch::Page(page)) if page.page_date.is_none() => {
            return Err(format!(
                "the fixture of {} has no last-modified header",
                page.url
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(e.to_string()),
    }
    match runner::read_source(fetcher, source, &Validators::default(), Utc::now()).await {
        Ok(Read::Items { items, .. }) => Ok(items),
        Ok(Read::NotModified) => Err("replay answered 304".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Pairs expected and found items by title (in page order when a title
/// repeats) and compares each pair field by field.
fn compare(expected: &[Expected], found: &[Item]) -> Outcome {
    let mut outcome = Outcome {
        expected: expected.len(),
        found: found.len(),
        ..Outcome::default()
    };
    let mut taken = vec![false; found.len()];
    for want in expected {
        let Some(n) = (0..found.len()).find(|&n| !taken[n] && found[n].title == want.title) else {
            outcome.missing.push(want.title.clone());
            continue;
        };
        taken[n] = true;
        for (field, exp, got) in differences(want, &found[n]) {
            outcome.wrong.push((want.title.clone(), field, exp, got));
        }
    }
    for (n, item) in found.iter().enumerate() {
        if !taken[n] {
            outcome.extra.push(item.title.clone());
        }
        for problem in summary_problems(&item.summary) {
            outcome.wrong.push((
                item.title.clone(),
                "summary".to_owned(),
                "plain text".to_owned(),
                problem,
            ));
        }
    }
    outcome
}

/// Every field of `want` that `got` does not match: (field, expected, got).
fn differences(want: &Expected, got: &Item) -> Vec<(String, String, String)> {
    fn show<T: ToString>(v: Option<T>) -> String {
        v.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
    }
    let time = |t: Option<chrono::NaiveTime>| t.map(|t| t.format("%H:%M").to_string());
    let default_precision = if want.start.is_some() {
        DatePrecision::Day
    } else {
        DatePrecision::Unknown
    };
    let place = &got.place;
    let fields: Vec<(&str, String, String)> = vec![
        ("kind", want.kind.clone(), got.kind.as_str().to_owned()),
        ("start", show(want.start), show(got.when.start)),
        ("end", show(want.end), show(got.when.end)),
        (
            "precision",
            want.precision
                .clone()
                .unwrap_or_else(|| default_precision.as_str().to_owned()),
            got.when.precision.as_str().to_owned(),
        ),
        (
            "start_time",
            show(want.start_time.as_deref()),
            show(time(got.when.start_time)),
        ),
        (
            "end_time",
            show(want.end_time.as_deref()),
            show(time(got.when.end_time)),
        ),
        (
            "timezone",
            show(want.timezone.as_deref()),
            show(got.when.timezone.as_deref()),
        ),
        (
            "venue",
            show(want.venue.as_deref()),
            show(place.venue.as_deref()),
        ),
        (
            "city",
            show(want.city.as_deref()),
            show(place.city.as_deref()),
        ),
        (
            "region",
            show(want.region.as_deref()),
            show(place.region.as_deref()),
        ),
        (
            "country",
            show(want.country.as_deref()),
            show(place.country_code.as_deref()),
        ),
        (
            "mode",
            show(want.mode.as_deref()),
            show(got.mode.map(Mode::as_str)),
        ),
        (
            "status",
            want.status
                .clone()
                .unwrap_or_else(|| "scheduled".to_owned()),
            got.status.as_str().to_owned(),
        ),
        ("url", want.url.clone(), got.url.clone()),
        (
            "deadlines",
            want.deadlines
                .iter()
                .map(|d| deadline(&d.kind, d.date, d.time.as_deref(), d.timezone.as_deref()))
                .collect::<Vec<_>>()
                .join("; "),
            got.deadlines
                .iter()
                .map(|d| {
                    deadline(
                        d.kind.as_str(),
                        d.date,
                        time(d.time).as_deref(),
                        d.timezone.as_deref(),
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ];
    let mut wrong: Vec<(String, String, String)> = fields
        .into_iter()
        .filter(|(_, exp, got)| exp != got)
        .map(|(field, exp, got)| (field.to_owned(), exp, got))
        .collect();
    for phrase in &want.summary_contains {
        if !got.summary.contains(phrase.as_str()) {
            wrong.push((
                "summary".to_owned(),
                format!("contains {phrase:?}"),
                format!("{:?}", got.summary),
            ));
        }
    }
    wrong
}

fn deadline(kind: &str, date: NaiveDate, time: Option<&str>, tz: Option<&str>) -> String {
    let mut s = format!("{kind} {date}");
    if let Some(time) = time {
        let _ = write!(s, " {time}");
    }
    if let Some(tz) = tz {
        let _ = write!(s, " {tz}");
    }
    s
}

/// What a summary must never show a user.
fn summary_problems(summary: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let bytes = summary.as_bytes();
    let tag = bytes.windows(2).enumerate().any(|(i, w)| {
        w[0] == b'<'
            && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!')
            && summary[i..].contains('>')
    });
    if tag {
        problems.push(format!("an HTML tag in {summary:?}"));
    }
    let lower = summary.to_lowercase();
    for banner in ["privacy policy", "cookie", "gdpr"] {
        if lower.contains(banner) {
            problems.push(format!("banner text ({banner:?}) in {summary:?}"));
        }
    }
    if lower.contains("[email") || lower.contains("email protected") {
        problems.push(format!("an obfuscated e-mail in {summary:?}"));
    }
    // What an e-mail removed from "Name (e-mail)" leaves behind.
    if summary.contains("()") || summary.lines().any(|l| l.trim_end().ends_with('(')) {
        problems.push(format!("an empty or dangling bracket in {summary:?}"));
    }
    problems
}

/// The per-source table, then every problem in detail.
fn render(outcomes: &[(String, Outcome)], stale: &[String]) -> String {
    let width = outcomes
        .iter()
        .map(|(id, _)| id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:width$}  expected  found  missing  extra  wrong fields",
        "source"
    );
    let (mut exp, mut found, mut missing, mut extra, mut wrong) = (0, 0, 0, 0, 0);
    for (id, o) in outcomes {
        let _ = writeln!(
            out,
            "{id:width$}  {:>8}  {:>5}  {:>7}  {:>5}  {:>12}{}",
            o.expected,
            o.found,
            o.missing.len(),
            o.extra.len(),
            o.wrong.len(),
            if o.broken.is_some() { "  BROKEN" } else { "" }
        );
        exp += o.expected;
        found += o.found;
        missing += o.missing.len();
        extra += o.extra.len();
        wrong += o.wrong.len();
    }
    let _ = writeln!(
        out,
        "{:width$}  {exp:>8}  {found:>5}  {missing:>7}  {extra:>5}  {wrong:>12}",
        format!("{} sources", outcomes.len())
    );
    for (id, o) in outcomes {
        if let Some(why) = &o.broken {
            let _ = writeln!(out, "\n{id}: {why}");
        }
        for title in &o.missing {
            let _ = writeln!(out, "\n{id}: missing {title:?}");
        }
        for title in &o.extra {
            let _ = writeln!(out, "\n{id}: extra {title:?}");
        }
        for (title, field, exp, got) in &o.wrong {
            let _ = writeln!(
                out,
                "\n{id}: {title:?} {field}\n    expected: {exp}\n    got:      {got}"
            );
        }
    }
    for id in stale {
        let _ = writeln!(out, "\nexpected/{id}.toml has no source in sources.toml");
    }
    out
}
