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
        "sources.toml:24:10: format \"rss\" is not one this perfusiond reads (expected one of: html_list, feed)"
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
