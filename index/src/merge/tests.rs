//! The same event from several organisations, and similar events kept
//! apart: the cases of the real sources.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::model::{Deadline, DeadlineKind, Mode, Place, SourceRef, When};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An item as source `source` of `org` lists it.
fn listed(source: &str, org: &str, title: &str, start: &str, end: &str, city: &str) -> Item {
    Item {
        id: format!("{source}:{title}"),
        kind: ItemKind::Conference,
        title: title.into(),
        summary: String::new(),
        url: format!("https://{}.example/event", org.to_lowercase()),
        org: org.into(),
        sources: vec![SourceRef {
            source_id: source.into(),
            org: org.into(),
            url: format!("https://{}.example/", org.to_lowercase()),
            missed: false,
        }],
        when: When {
            start: Some(day(start)),
            end: Some(day(end)),
            precision: DatePrecision::Day,
            ..When::default()
        },
        place: Place {
            city: (!city.is_empty()).then(|| city.to_owned()),
            text: city.into(),
            ..Place::default()
        },
        mode: None,
        status: Status::Scheduled,
        deadlines: Vec::new(),
        posted: None,
        first_seen: at("2026-01-01T00:00:00Z"),
        last_seen: at("2026-01-01T00:00:00Z"),
        modified: at("2026-01-01T00:00:00Z"),
        language: None,
        revision: 0,
    }
}

#[test]
fn the_euroelso_congress_listed_by_elso_and_by_euroelso_is_one_event() {
    let elso = listed(
        "elso-meetings",
        "ELSO",
        "10th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
        "London",
    );
    let euroelso = listed(
        "euroelso-congress",
        "EuroELSO",
        "The 10th EuroELSO Congress on ECMO-ECLS",
        "2022-05-04",
        "2022-05-06",
        "London",
    );
    assert!(same_event(&elso, &euroelso));
    assert!(same_event(&euroelso, &elso));
}

#[test]
fn the_tampa_simulation_courses_on_two_dates_stay_apart() {
    let mut first = listed(
        "elso-courses",
        "ELSO",
        "Extracorporeal Life Support Adult ECMO Simulation Training Course",
        "2021-11-03",
        "2021-11-04",
        "Tampa",
    );
    first.kind = ItemKind::Course;
    let mut second = first.clone();
    second.when.start = Some(day("2021-11-05"));
    second.when.end = Some(day("2021-11-06"));
    second.sources[0].source_id = "other-board".into();
    assert!(!same_event(&first, &second));
}

#[test]
fn same_days_but_another_city_or_another_title_are_other_events() {
    let a = listed(
        "a",
        "ELSO",
        "Adult ECMO Training Course",
        "2024-09-23",
        "2024-09-27",
        "Regensburg",
    );
    let elsewhere = listed(
        "b",
        "EuroELSO",
        "Adult ECMO Training Course",
        "2024-09-23",
        "2024-09-27",
        "Stockholm",
    );
    assert!(!same_event(&a, &elsewhere));
    let other = listed(
        "b",
        "EuroELSO",
        "Pediatric Cannulation Workshop",
        "2024-09-23",
        "2024-09-27",
        "Regensburg",
    );
    assert!(!same_event(&a, &other));
    // Parallel tracks at one hospital on the same days.
    let pediatric = listed(
        "b",
        "EuroELSO",
        "Pediatric ECMO Training Course",
        "2024-09-23",
        "2024-09-27",
        "Regensburg",
    );
    let adult = listed(
        "a",
        "ELSO",
        "Adult ECMO Training Course",
        "2024-09-23",
        "2024-09-27",
        "Regensburg",
    );
    assert!(!same_event(&adult, &pediatric));
    // The 10th and the 11th congress are other events even on one date.
    let tenth = listed(
        "a",
        "ELSO",
        "10th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
        "",
    );
    let eleventh = listed(
        "b",
        "EuroELSO",
        "11th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
        "",
    );
    assert!(!same_event(&tenth, &eleventh));
    // One lists a single day of a five-day course: not the same dates.
    let one_day = listed(
        "b",
        "EuroELSO",
        "Adult ECMO Training Course",
        "2024-09-23",
        "2024-09-23",
        "Regensburg",
    );
    assert!(!same_event(&a, &one_day));
}

#[test]
fn accents_and_ordinals_do_not_tell_events_apart() {
    let a = listed(
        "a",
        "CSCP",
        "CSCP 2024 Annual Meeting — Montréal",
        "2024-10-17",
        "2024-10-19",
        "Montréal",
    );
    let b = listed(
        "b",
        "AmSECT",
        "Annual Meeting of the CSCP, Montreal 2024",
        "2024-10-17",
        "2024-10-19",
        "Montreal",
    );
    assert!(same_event(&a, &b));
    assert_eq!(
        title_words("10th EuroELSO Congress"),
        title_words("The 10th EuroELSO congress")
    );
    assert!(title_words("21st Annual Update").contains("21"));
}

#[test]
fn deadlines_grants_and_month_dates_on_two_pages_stay_apart() {
    let mut a = listed(
        "a",
        "ELSO",
        "ELSO Research Grant",
        "2021-09-30",
        "2021-09-30",
        "",
    );
    a.kind = ItemKind::Grant;
    a.url = "https://www.elso.org/grants/research".into();
    let mut b = a.clone();
    b.sources[0].source_id = "b".into();
    b.url = "https://www.elso.org/news/research-grant-2021".into();
    assert!(!same_event(&a, &b));
    let mut c = listed(
        "a",
        "ELSO",
        "SWAAC ELSO 2024",
        "2024-02-01",
        "2024-02-29",
        "",
    );
    c.when.precision = DatePrecision::Month;
    c.url = "https://www.elso.org/swaac".into();
    let mut d = c.clone();
    d.sources[0].source_id = "b".into();
    d.url = "https://swaac-elso.org/".into();
    assert!(!same_event(&c, &d));
    // On one page, they are one item.
    d.url = "https://elso.org/swaac/".into();
    assert!(same_event(&c, &d));
    // Unless their dates differ: the page lists the event of each year.
    d.when.start = Some(day("2025-02-01"));
    d.when.end = Some(day("2025-02-28"));
    assert!(!same_event(&c, &d));
}

/// IPA's news feed and its editorial page, as each lists the article.
fn ipa_article(source: &str, url: &str, posted: &str) -> Item {
    let mut item = listed(
        source,
        "IPA",
        "LivaNova Reports Cyberattack Compromising US Patients\u{2019} Data",
        "2024-02-20",
        "2024-02-20",
        "",
    );
    item.kind = ItemKind::Publication;
    item.when = When::default();
    item.posted = Some(at(posted));
    item.url = url.into();
    item
}

#[test]
fn one_article_in_two_of_an_organisations_lists_is_one_item() {
    let news = ipa_article(
        "ipa-news",
        "https://iperfusion.org/livanova-cyberattack/",
        "2024-02-20T16:10:37Z",
    );
    let editorial = ipa_article(
        "ipa-editorial",
        "http://www.iperfusion.org/livanova-cyberattack#comments",
        "2024-02-20T00:00:00Z",
    );
    assert!(same_event(&news, &editorial));
    let item = combine(
        "r",
        &[Listing::new(news.clone()), Listing::new(editorial.clone())],
    );
    let sources: Vec<&str> = item.sources.iter().map(|s| s.source_id.as_str()).collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(sources.contains(&"ipa-news") && sources.contains(&"ipa-editorial"));
    assert_eq!(item.posted, Some(at("2024-02-20T00:00:00Z")));

    // Another article on the same site, or another page with the title.
    let mut other = editorial.clone();
    other.title = "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report".into();
    assert!(!same_event(&news, &other));
    let mut elsewhere = editorial;
    elsewhere.url = "https://iperfusion.org/livanova-cyberattack/comments/".into();
    assert!(!same_event(&news, &elsewhere));
}

#[test]
fn items_of_a_page_without_links_of_their_own_stay_apart() {
    // A listing page whose items all link to the page itself.
    let page = "https://www.amsect.org/page/upcoming-meetings";
    let mut a = ipa_article("amsect-a", page, "2026-01-05T00:00:00Z");
    a.title = "AmSECT Quality and Outcomes Webinar Series".into();
    let mut b = ipa_article("amsect-b", page, "2026-01-05T00:00:00Z");
    b.title = "AmSECT Fellowship Application Deadline".into();
    assert!(!same_event(&a, &b));
}

#[test]
fn a_page_is_the_same_page_written_either_way() {
    for (a, b) in [
        ("https://www.Example.org/a/b/", "http://example.org/a/b"),
        (
            "https://example.org/a?p=12",
            "https://example.org/a/?p=12#top",
        ),
        ("https://example.org", "https://example.org/"),
    ] {
        assert_eq!(page_key(a), page_key(b), "{a} and {b}");
    }
    assert_ne!(
        page_key("https://example.org/a?p=12"),
        page_key("https://example.org/a?p=13")
    );
    assert_eq!(page_key("mailto:events@example.org"), None);
    assert_eq!(page_key(""), None);
}

#[test]
fn the_organisers_announcement_gives_the_fields_and_every_announcer_is_named() {
    let mut elso = listed(
        "elso-meetings",
        "ELSO",
        "10th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
        "London",
    );
    elso.summary = "Contact: EuroELSO secretariat".into();
    elso.deadlines.push(Deadline {
        kind: DeadlineKind::Abstract,
        date: day("2022-01-31"),
        time: None,
        timezone: None,
        label: "Abstract deadline".into(),
    });
    elso.first_seen = at("2021-08-01T00:00:00Z");
    let mut euroelso = listed(
        "euroelso-congress",
        "EuroELSO",
        "The 10th EuroELSO Congress on ECMO-ECLS",
        "2022-05-04",
        "2022-05-06",
        "London",
    );
    euroelso.place.venue = Some("ExCeL London".into());
    euroelso.place.country_code = Some("GB".into());
    euroelso.mode = Some(Mode::InPerson);
    euroelso.first_seen = at("2021-09-01T00:00:00Z");

    // Whoever was read first, the record shows EuroELSO's own fields.
    let record = [Listing::new(elso.clone()), Listing::new(euroelso.clone())];
    let shown = combine("record-1", &record);
    assert_eq!(shown.id, "record-1");
    assert_eq!(shown.title, "The 10th EuroELSO Congress on ECMO-ECLS");
    assert_eq!(shown.org, "EuroELSO");
    assert_eq!(shown.url, "https://euroelso.example/event");
    assert_eq!(shown.place.venue.as_deref(), Some("ExCeL London"));
    assert_eq!(shown.mode, Some(Mode::InPerson));
    // What only ELSO said is kept.
    assert_eq!(shown.summary, "Contact: EuroELSO secretariat");
    assert_eq!(shown.deadlines.len(), 1);
    let sources: Vec<&str> = shown.source_ids().collect();
    assert_eq!(sources, ["euroelso-congress", "elso-meetings"]);
    assert_eq!(shown.first_seen, at("2021-08-01T00:00:00Z"));
    assert_eq!(shown.status, Status::Scheduled);

    let reversed = [Listing::new(euroelso), Listing::new(elso)];
    assert_eq!(combine("record-1", &reversed).title, shown.title);
}

#[test]
fn a_record_is_withdrawn_only_when_every_announcer_dropped_it() {
    let elso = listed(
        "a",
        "ELSO",
        "10th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
        "",
    );
    let euroelso = listed(
        "b",
        "EuroELSO",
        "10th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
        "",
    );
    let mut record = vec![Listing::new(elso), Listing::new(euroelso)];
    record[1].missed = 1;
    assert_eq!(combine("r", &record).status, Status::Scheduled);
    assert_eq!(combine("r", &record).sources.len(), 2);
    record[1].missed = WITHDRAW_AFTER;
    let shown = combine("r", &record);
    assert_eq!(shown.status, Status::Scheduled);
    assert_eq!(shown.org, "ELSO");
    assert_eq!(shown.source_ids().collect::<Vec<_>>(), ["a"]);
    record[0].missed = WITHDRAW_AFTER;
    let gone = combine("r", &record);
    assert_eq!(gone.status, Status::Withdrawn);
    assert_eq!(gone.sources.len(), 2);
}
