//! The config errors a user sees: each names file, line and column, and
//! says what would be right; every problem of a file is reported at once.

use std::path::Path;

use super::*;

fn errors(src: &str) -> Vec<String> {
    match parse(src, Path::new("sources.toml")) {
        Ok(_) => panic!("expected the config to be rejected"),
        Err(e) => e.diagnostics().iter().map(ToString::to_string).collect(),
    }
}

const GOOD: &str = r#"
version = 1

[defaults]
schedule = "0 0 */6 * * *"
timezone = "America/New_York"

[[source]]
id = "elso-meetings"
org = "ELSO"
url = "https://www.elso.org/"
format = "html_list"
kind = "conference"
item = "div.eventItem"
title = ".eventTitle .title"
date = ".eventTitle .dates"
link = "a.eventLink@href"
kind_rules = [{ pattern = "(?i)course", kind = "course" }]

[[source]]
id = "ipa-news"
org = "IPA"
url = "https://iperfusion.org/feed/"
format = "feed"
kind = "publication"
schedule = "0 30 5 * * *"
timezone = "UTC"
date_order = "dmy"

[[calendar]]
name = "ecmo-courses"
query = "ecmo"
kinds = ["course"]
alarm = "P7D"
"#;

#[test]
fn a_good_file_loads_with_defaults_applied() {
    let config = parse(GOOD, Path::new("sources.toml")).unwrap();
    assert_eq!(config.sources.len(), 2);
    let elso = &config.sources[0];
    assert_eq!(elso.id, "elso-meetings");
    assert_eq!(elso.schedule, "0 0 */6 * * *");
    assert_eq!(elso.timezone, chrono_tz::America::New_York);
    assert_eq!(elso.date_order, DateOrder::Mdy);
    assert_eq!(elso.kind_for("Adult ECMO Course"), ItemKind::Course);
    assert_eq!(
        elso.kind_for("32nd Annual ELSO Conference"),
        ItemKind::Conference
    );
    let Format::HtmlList(list) = &elso.format else {
        panic!("html_list expected")
    };
    assert_eq!(list.link.as_ref().unwrap().attr.as_deref(), Some("href"));
    let ipa = &config.sources[1];
    assert_eq!(
        (ipa.schedule.as_str(), ipa.date_order),
        ("0 30 5 * * *", DateOrder::Dmy)
    );
    assert_eq!(config.calendars[0].kinds, [ItemKind::Course]);
}

#[test]
fn a_wrong_key_is_named_with_a_suggestion() {
    let src = GOOD.replace("kind = \"publication\"", "knd = \"publication\"");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:20:1: [[source]] \"ipa-news\" is missing `kind`",
            "sources.toml:25:1: unknown key `knd` in [[source]] \"ipa-news\"; did you mean `kind`?",
        ]
    );
}

#[test]
fn a_bad_url_is_named() {
    let src = GOOD.replace("https://iperfusion.org/feed/", "iperfusion.org/feed/");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:23:7: url \"iperfusion.org/feed/\" is not a valid URL (relative URL without a base); write it in full, e.g. \"https://www.elso.org/\""
        ]
    );
}

#[test]
fn a_five_field_cron_asks_for_seconds() {
    let src = GOOD.replace("0 30 5 * * *", "30 5 * * *");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:26:12: schedule \"30 5 * * *\" needs 6 fields (sec min hour day month weekday), it has 5; e.g. \"0 0 */6 * * *\" for every six hours"
        ]
    );
}

#[test]
fn a_duplicate_id_points_at_the_first() {
    let src = GOOD.replace("id = \"ipa-news\"", "id = \"elso-meetings\"");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:21:6: duplicate source id \"elso-meetings\": already used at line 9, column 6; ids must be unique"
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let src = GOOD
        .replace("America/New_York", "Europe/Regensburg")
        .replace("div.eventItem", "div..eventItem")
        .replace("kind = \"course\"", "kind = \"seminar\"")
        .replace("format = \"feed\"", "format = \"rss\"")
        .replace("P7D", "7 days");
    let errors = errors(&src);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "sources.toml:6:12: timezone \"Europe/Regensburg\" is not an IANA timezone"
        )
    );
    assert_eq!(
        errors[1],
        "sources.toml:14:8: `item` selector \"div..eventItem\" is not valid CSS (ClassNeedsIdent)"
    );
    assert!(errors[2].starts_with(
        "sources.toml:18:48: unknown kind \"seminar\", expected one of: course, conference"
    ));
    assert_eq!(
        errors[3],
        "sources.toml:24:10: format \"rss\" is not one this perfusiond reads (expected one of: html_list, html_blocks, feed, ical, tribe_json, jsonld)"
    );
    assert!(
        errors[4].starts_with("sources.toml:34:9: alarm \"7 days\" must be an ISO 8601 duration")
    );
}

#[test]
fn a_misspelt_required_selector_is_named_with_the_keys_beside_it_known() {
    let src = GOOD.replace(
        "title = \".eventTitle .title\"",
        "titel = \".eventTitle .title\"",
    );
    assert_eq!(
        errors(&src),
        [
            "sources.toml:8:1: [[source]] \"elso-meetings\" has format \"html_list\" and needs the `title` selector",
            "sources.toml:15:1: unknown key `titel` in [[source]] \"elso-meetings\"; did you mean `title`?",
        ]
    );
}

#[test]
fn the_version_is_required() {
    let src = GOOD.replace("version = 1", "");
    assert_eq!(
        errors(&src),
        ["sources.toml:1:1: the configuration must start with `version = 1`"]
    );
    let src = GOOD.replace("version = 1", "version = 2");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:2:11: version 2 is not supported by this perfusiond; expected `version = 1`"
        ]
    );
}

#[test]
fn broken_toml_is_located() {
    let errors = errors("version = 1\n[[source]\nid = 1\n");
    assert!(errors[0].starts_with("sources.toml:2:"), "{errors:?}");
    assert!(errors[0].contains("invalid TOML"), "{errors:?}");
}

#[test]
fn the_shipped_sources_toml_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sources.toml");
    let config = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.sources.len() >= 4);
}

/// One source of each new format, as sources.toml writes them.
const FORMATS_GOOD: &str = r#"
version = 1

[[source]]
id = "euroelso-courses"
org = "EuroELSO"
url = "https://www.euroelso.net/ecmo-courses/"
format = "html_blocks"
kind = "course"
container = ".entry-content"
split = "h2, h3, h4"
labels = { date = ["Date", "Dates"], location = "Location", organizer = "Organization", link = ["Program", "Programme"] }

[[source]]
id = "anzcp-calendar"
org = "ANZCP"
url = "https://calendar.google.com/calendar/ical/x/public/basic.ics"
format = "ical"
kind = "webinar"
window_days = 180

[[source]]
id = "perfweb-webinars"
org = "perfweb"
url = "https://perfweb.us/wp-json/tribe/events/v1/events"
format = "tribe_json"
kind = "webinar"

[[source]]
id = "bmj-jobs"
org = "BMJ Careers"
url = "https://healthjobs.bmj.com/job/127836/"
format = "jsonld"
kind = "job"

[[source]]
id = "paged-list"
org = "X"
url = "https://x.example/events/"
format = "html_list"
kind = "course"
item = ".event"
title = "h3"
next = "a.next@href"
"#;

#[test]
fn each_format_loads_with_its_keys_and_defaults() {
    let config = parse(FORMATS_GOOD, Path::new("sources.toml")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = config.sources.iter().map(|s| s.format.name()).collect();
    assert_eq!(
        names,
        ["html_blocks", "ical", "tribe_json", "jsonld", "html_list"]
    );
    let Format::HtmlBlocks(blocks) = &config.sources[0].format else {
        panic!("html_blocks expected")
    };
    assert_eq!(blocks.labels.of(BlockField::Date), ["Dates", "Date"]);
    assert_eq!(
        blocks.labels.of(BlockField::Link),
        ["Programme", "Program"],
        "longest first, so the longer variant is tried first"
    );
    assert_eq!(blocks.labels.of(BlockField::Location), ["Location"]);
    assert!(blocks.labels.of(BlockField::Summary).is_empty());
    assert!(matches!(
        config.sources[1].format,
        Format::Ical(Ical { window_days: 180 })
    ));
    assert_eq!(config.sources[2].format.max_pages(), DEFAULT_MAX_PAGES);
    assert_eq!(config.sources[3].format.max_pages(), 1);
    assert_eq!(config.sources[4].format.max_pages(), 5, "next set: 5 pages");
    let ipa = parse(GOOD, Path::new("sources.toml")).unwrap();
    assert_eq!(ipa.sources[0].format.max_pages(), 1, "no next: one page");
}

#[test]
fn html_blocks_needs_its_container() {
    let src = FORMATS_GOOD.replace("container = \".entry-content\"\n", "");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:4:1: [[source]] \"euroelso-courses\" has format \"html_blocks\" and needs the `container` selector"
        ]
    );
}

#[test]
fn a_label_for_no_field_is_named_with_a_suggestion() {
    let src = FORMATS_GOOD.replace(
        "organizer = \"Organization\"",
        "organiser = \"Organization\"",
    );
    assert_eq!(
        errors(&src),
        [
            "sources.toml:12:61: `labels` has no field `organiser` (expected one of: date, end_date, location, organizer, link, summary); did you mean `organizer`?"
        ]
    );
    let src = FORMATS_GOOD.replace("location = \"Location\"", "location = [\"\", 3]");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:12:50: label `location` must not be empty",
            "sources.toml:12:54: label `location` must hold strings, not a number",
        ]
    );
}

#[test]
fn max_pages_is_between_1_and_50_and_needs_next() {
    let src = FORMATS_GOOD.replace(
        "format = \"tribe_json\"\n",
        "format = \"tribe_json\"\nmax_pages = 0\n",
    );
    assert_eq!(
        errors(&src),
        ["sources.toml:27:13: `max_pages` 0 must be between 1 and 50"]
    );
    let src = FORMATS_GOOD.replace("next = \"a.next@href\"", "max_pages = 3");
    assert_eq!(
        errors(&src),
        [
            "sources.toml:36:1: [[source]] \"paged-list\" sets `max_pages` but no `next` selector: without one only the first page is read (e.g. next = \"a.next@href\")"
        ]
    );
}

#[test]
fn a_key_of_another_format_is_named_as_such() {
    let src = FORMATS_GOOD.replace(
        "format = \"jsonld\"\n",
        "format = \"jsonld\"\nwindow_days = 30\nmax_pages = 2\n",
    );
    assert_eq!(
        errors(&src),
        [
            "sources.toml:34:1: `window_days` is a key of format \"ical\", not of \"jsonld\"",
            "sources.toml:35:1: `max_pages` is a key of format \"html_list\" and \"tribe_json\", not of \"jsonld\"",
        ]
    );
    let src = FORMATS_GOOD.replace("window_days = 180", "window_days = 0");
    assert_eq!(
        errors(&src),
        ["sources.toml:20:15: `window_days` 0 must be between 1 and 3660 (ten years)"]
    );
}
