//! The writer over several fetch cycles: one event from two organisations
//! shown once, similar events kept apart, and what a source stops listing
//! withdrawn only after two successful reads without it.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::model::{DatePrecision, Place, SourceRef, Status, When};
use crate::{ItemKind, SearchQuery, WITHDRAW_AFTER};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An event as source `source` of `org` lists it; its id is the source's.
fn listed(source: &str, org: &str, title: &str, start: &str, end: &str) -> Item {
    Item {
        id: format!("{source}-{}", title.len()),
        kind: ItemKind::Conference,
        title: title.into(),
        summary: String::new(),
        url: format!("https://{}.example/", org.to_lowercase()),
        org: org.into(),
        sources: vec![SourceRef {
            source_id: source.into(),
            org: org.into(),
            url: format!("https://{}.example/", org.to_lowercase()),
        }],
        when: When {
            start: Some(day(start)),
            end: Some(day(end)),
            precision: DatePrecision::Day,
            ..When::default()
        },
        place: Place {
            city: Some("London".into()),
            country_code: Some("GB".into()),
            text: "London, UK".into(),
            ..Place::default()
        },
        mode: None,
        status: Status::Scheduled,
        deadlines: Vec::new(),
        posted: None,
        first_seen: at("2022-01-01T00:00:00Z"),
        last_seen: at("2022-01-01T00:00:00Z"),
        modified: at("2022-01-01T00:00:00Z"),
        language: None,
        revision: 0,
    }
}

fn elso_congress() -> Item {
    listed(
        "elso-meetings",
        "ELSO",
        "10th EuroELSO Congress",
        "2022-05-04",
        "2022-05-06",
    )
}

fn euroelso_congress() -> Item {
    listed(
        "euroelso-congress",
        "EuroELSO",
        "10th EuroELSO Congress on ECMO-ECLS",
        "2022-05-04",
        "2022-05-06",
    )
}

/// ELSO, then an hour later EuroELSO, announce the congress: one record.
fn both_announce_the_congress(w: &mut Writer) {
    run(
        w,
        "elso-meetings",
        vec![elso_congress()],
        "2022-01-01T00:00:00Z",
    );
    run(
        w,
        "euroelso-congress",
        vec![euroelso_congress()],
        "2022-01-01T01:00:00Z",
    );
}

/// Every item a user sees by default (past ones too).
fn shown(store: &IndexStore) -> Vec<Item> {
    let mut q = SearchQuery::new(day("2022-01-01"));
    q.include_past = true;
    q.limit = 100;
    store.search(&q).unwrap().items
}

/// Asserts the shown items' ids and their sources, in order of id.
#[track_caller]
fn assert_sources(store: &IndexStore, expected: &[(&str, Vec<&str>)], context: &str) {
    let items = shown(store);
    let mut by_id: Vec<(&str, Vec<&str>)> = items
        .iter()
        .map(|i| (i.id.as_str(), i.source_ids().collect()))
        .collect();
    by_id.sort();
    assert_eq!(by_id, expected, "{context}");
}

fn run(w: &mut Writer, source: &str, items: Vec<Item>, when: &str) -> UpsertStats {
    let stats = w.replace_source(source, items, at(when)).unwrap();
    w.commit().unwrap();
    stats
}

#[test]
fn one_event_from_two_organisations_is_shown_once_with_both_sources() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let first = run(
        &mut w,
        "elso-meetings",
        vec![elso_congress()],
        "2022-01-01T00:00:00Z",
    );
    assert_eq!(first.added, 1);
    let second = run(
        &mut w,
        "euroelso-congress",
        vec![euroelso_congress()],
        "2022-01-01T01:00:00Z",
    );
    assert_eq!((second.added, second.merged), (0, 1));

    let items = shown(&store);
    assert_eq!(items.len(), 1, "{items:#?}");
    let congress = &items[0];
    // The record keeps the id it was first shown with: calendars keep
    // their event. EuroELSO organises it, so its page gives the fields.
    assert_eq!(congress.id, elso_congress().id);
    assert_eq!(congress.title, "10th EuroELSO Congress on ECMO-ECLS");
    assert_eq!(congress.org, "EuroELSO");
    let sources: Vec<&str> = congress.source_ids().collect();
    assert_eq!(sources, ["euroelso-congress", "elso-meetings"]);
    assert_eq!(store.count_by_source("elso-meetings").unwrap(), 1);
    assert_eq!(store.count_by_source("euroelso-congress").unwrap(), 1);

    // Both sources read again: still one item, nothing added or changed.
    let again = run(
        &mut w,
        "elso-meetings",
        vec![elso_congress()],
        "2022-01-02T00:00:00Z",
    );
    let again2 = run(
        &mut w,
        "euroelso-congress",
        vec![euroelso_congress()],
        "2022-01-02T01:00:00Z",
    );
    assert_eq!((again.added, again.changed, again.merged), (0, 0, 0));
    assert_eq!((again2.added, again2.changed, again2.merged), (0, 0, 0));
    assert_eq!(shown(&store).len(), 1);
    assert_eq!(store.get(&congress.id).unwrap().unwrap().revision, 0);
}

#[test]
fn the_tampa_courses_on_two_dates_stay_two_items() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let title = "Extracorporeal Life Support Adult ECMO Simulation Training Course";
    let mut first = listed("elso-courses", "ELSO", title, "2021-11-03", "2021-11-04");
    first.kind = ItemKind::Course;
    first.id = "tampa-1".into();
    let mut second = listed("elso-courses", "ELSO", title, "2021-11-05", "2021-11-06");
    second.kind = ItemKind::Course;
    second.id = "tampa-2".into();
    run(
        &mut w,
        "elso-courses",
        vec![first, second.clone()],
        "2021-08-01T00:00:00Z",
    );
    // Another board lists the second one too: it joins that one only.
    let mut other = second;
    other.id = "board-tampa".into();
    other.org = "AmSECT".into();
    other.sources[0].source_id = "amsect-events".into();
    run(&mut w, "amsect-events", vec![other], "2021-08-01T01:00:00Z");
    let items = shown(&store);
    let dates: Vec<(String, usize)> = items
        .iter()
        .map(|i| (i.when.start.unwrap().to_string(), i.sources.len()))
        .collect();
    assert_eq!(
        dates,
        [("2021-11-03".to_owned(), 1), ("2021-11-05".to_owned(), 2)]
    );
}

#[test]
fn an_event_that_could_join_two_records_joins_the_likelier() {
    // ELSO lists two courses on the same days; the neonatal one names no
    // city, so AmSECT's "Transport ECMO Course" in London could be either
    // by the rules alone. It is the transport course, whether ELSO's
    // courses are already committed or were written in the same commit.
    let course = |source: &str, org: &str, id: &str, title: &str, city: Option<&str>| {
        let mut item = listed(source, org, title, "2025-03-10", "2025-03-12");
        item.kind = ItemKind::Course;
        item.id = id.into();
        if city.is_none() {
            item.place = Place::default();
        }
        item
    };
    for same_commit in [false, true] {
        let store = IndexStore::open_in_ram().unwrap();
        let mut w = store.writer().unwrap();
        let elso = vec![
            course(
                "elso-courses",
                "ELSO",
                "neonatal",
                "Neonatal ECMO Specialist Course",
                None,
            ),
            course(
                "elso-courses",
                "ELSO",
                "transport",
                "Transport ECMO Course",
                Some("London"),
            ),
        ];
        let amsect = vec![course(
            "amsect-events",
            "AmSECT",
            "amsect-transport",
            "Transport ECMO Course",
            Some("London"),
        )];
        let now = at("2025-01-01T00:00:00Z");
        w.replace_source("elso-courses", elso, now).unwrap();
        if !same_commit {
            w.commit().unwrap();
        }
        let stats = w.replace_source("amsect-events", amsect, now).unwrap();
        w.commit().unwrap();
        assert_eq!(stats.merged, 1, "same commit: {same_commit}");
        assert_sources(
            &store,
            &[
                ("neonatal", vec!["elso-courses"]),
                ("transport", vec!["amsect-events", "elso-courses"]),
            ],
            &format!("same commit: {same_commit}"),
        );
    }
}

#[test]
fn an_event_as_like_two_records_joins_the_one_with_the_smaller_id() {
    // ELSO lists its Berlin course twice for the same days (two groups of
    // trainees). EuroELSO's announcement is as like either, so it joins the
    // record with the smaller id, whichever ELSO listed first and whether
    // or not ELSO's read was committed before: the same pages give the
    // same items.
    let course = |source: &str, org: &str, id: &str| {
        let mut item = listed(source, org, "Adult ECMO Course", "2025-03-10", "2025-03-12");
        item.kind = ItemKind::Course;
        item.id = id.into();
        item
    };
    for elso_order in [["elso-b", "elso-a"], ["elso-a", "elso-b"]] {
        for same_commit in [false, true] {
            let store = IndexStore::open_in_ram().unwrap();
            let mut w = store.writer().unwrap();
            let elso = elso_order
                .map(|id| course("elso-courses", "ELSO", id))
                .to_vec();
            let euroelso = vec![course("euroelso-courses", "EuroELSO", "euroelso-1")];
            let now = at("2025-01-01T00:00:00Z");
            w.replace_source("elso-courses", elso, now).unwrap();
            if !same_commit {
                w.commit().unwrap();
            }
            w.replace_source("euroelso-courses", euroelso, now).unwrap();
            w.commit().unwrap();
            assert_sources(
                &store,
                &[
                    ("elso-a", vec!["elso-courses", "euroelso-courses"]),
                    ("elso-b", vec!["elso-courses"]),
                ],
                &format!("ELSO's order {elso_order:?}, same commit: {same_commit}"),
            );
        }
    }
}

/// CSCP's meeting in Montréal, as `source` announces it, in `city`.
fn cscp_meeting(source: &str, city: Option<&str>) -> Item {
    let mut item = listed(
        source,
        "CSCP",
        "CSCP 2024 Annual Meeting",
        "2024-09-20",
        "2024-09-22",
    );
    item.id = source.into();
    item.place = match city {
        Some(city) => Place {
            city: Some(city.into()),
            country_code: Some("CA".into()),
            text: format!("{city}, Canada"),
            ..Place::default()
        },
        None => Place::default(),
    };
    item
}

/// Each source reads its announcement of CSCP's meeting, in turn, each
/// read committed before the next.
fn read_meetings(w: &mut Writer, reads: &[(&str, Option<&str>)], when: &str) {
    for (source, city) in reads {
        run(w, source, vec![cscp_meeting(source, *city)], when);
    }
}

#[test]
fn an_announcement_finds_the_record_of_its_city_written_any_way_or_of_none() {
    // CSCP's meeting is in Montréal. Another source writes "Montreal": it
    // joins. A third in Toronto, on the same days, is another event. A
    // fourth names no city: it could be either, and joins the record with
    // the smaller id. Each read is committed before the next, so every
    // lookup goes to the stored records.
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let reads = [
        ("cscp-events", Some("Montréal")),
        ("perfusion-news", Some("Montreal")),
        ("toronto-listings", Some("Toronto")),
        ("ecmo-calendar", None),
    ];
    read_meetings(&mut w, &reads, "2024-06-01T00:00:00Z");
    assert_sources(
        &store,
        &[
            (
                "cscp-events",
                vec!["cscp-events", "ecmo-calendar", "perfusion-news"],
            ),
            ("toronto-listings", vec!["toronto-listings"]),
        ],
        "",
    );
}

#[test]
fn an_item_in_montreal_with_a_city_less_announcer_takes_no_toronto_announcement() {
    // The announcement that names no city joins CSCP's meeting in
    // Montréal; the record is still in Montréal, so the one in Toronto on
    // the same days is another event, whether the record is stored or
    // still waiting for its commit.
    for commit_each in [true, false] {
        let store = IndexStore::open_in_ram().unwrap();
        let mut w = store.writer().unwrap();
        for (source, city) in [
            ("cscp-events", Some("Montréal")),
            ("ecmo-calendar", None),
            ("toronto-listings", Some("Toronto")),
        ] {
            let items = vec![cscp_meeting(source, city)];
            w.replace_source(source, items, at("2024-06-01T00:00:00Z"))
                .unwrap();
            if commit_each {
                w.commit().unwrap();
            }
        }
        w.commit().unwrap();
        assert_sources(
            &store,
            &[
                ("cscp-events", vec!["cscp-events", "ecmo-calendar"]),
                ("toronto-listings", vec!["toronto-listings"]),
            ],
            &format!("committed after each source: {commit_each}"),
        );
    }
}

#[test]
fn an_announcer_that_names_another_city_later_leaves_the_record() {
    // ECMO Calendar first gave no city and joined the meeting in Montréal,
    // as did Perfusion News; when it then says Toronto, it is another
    // event, though it is still like Perfusion News' city-less listing.
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let reads = [
        ("cscp-events", Some("Montréal")),
        ("perfusion-news", None),
        ("ecmo-calendar", None),
    ];
    read_meetings(&mut w, &reads, "2024-06-01T00:00:00Z");
    assert_sources(
        &store,
        &[(
            "cscp-events",
            vec!["cscp-events", "ecmo-calendar", "perfusion-news"],
        )],
        "before",
    );
    let items = vec![cscp_meeting("ecmo-calendar", Some("Toronto"))];
    run(&mut w, "ecmo-calendar", items, "2024-06-02T00:00:00Z");
    assert_sources(
        &store,
        &[
            ("cscp-events", vec!["cscp-events", "perfusion-news"]),
            ("ecmo-calendar", vec!["ecmo-calendar"]),
        ],
        "after",
    );
}

#[test]
fn an_item_missing_twice_in_a_row_is_withdrawn_and_comes_back_when_listed_again() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let stays = elso_congress();
    let mut goes = listed(
        "elso-meetings",
        "ELSO",
        "APELSO 2021",
        "2021-09-30",
        "2021-10-02",
    );
    goes.place = Place::default();
    run(
        &mut w,
        "elso-meetings",
        vec![stays.clone(), goes.clone()],
        "2021-08-01T00:00:00Z",
    );
    assert_eq!(shown(&store).len(), 2);

    // Missing once: perhaps a page caught mid-edit. Still shown.
    let once = run(
        &mut w,
        "elso-meetings",
        vec![stays.clone()],
        "2021-08-02T00:00:00Z",
    );
    assert_eq!(once.withdrawn, 0);
    assert_eq!(shown(&store).len(), 2);

    // Missing a second time in a row: withdrawn, out of the default results,
    // still there for whoever asks for withdrawn items.
    let twice = run(
        &mut w,
        "elso-meetings",
        vec![stays.clone()],
        "2021-08-03T00:00:00Z",
    );
    assert_eq!(twice.withdrawn, 1);
    assert_eq!(WITHDRAW_AFTER, 2);
    let titles: Vec<String> = shown(&store).into_iter().map(|i| i.title).collect();
    assert_eq!(titles, ["10th EuroELSO Congress"]);
    let gone = store.get(&goes.id).unwrap().unwrap();
    assert_eq!(gone.status, Status::Withdrawn);
    assert_eq!(gone.revision, 1);
    let mut everything = SearchQuery::new(day("2021-01-01"));
    everything.include_withdrawn = true;
    assert_eq!(store.search(&everything).unwrap().items.len(), 2);

    // A third miss changes nothing more.
    let thrice = run(
        &mut w,
        "elso-meetings",
        vec![stays.clone()],
        "2021-08-04T00:00:00Z",
    );
    assert_eq!((thrice.withdrawn, thrice.changed), (0, 0));

    // Listed again: back, scheduled.
    run(
        &mut w,
        "elso-meetings",
        vec![stays, goes.clone()],
        "2021-08-05T00:00:00Z",
    );
    let back = store.get(&goes.id).unwrap().unwrap();
    assert_eq!(back.status, Status::Scheduled);
    assert_eq!(shown(&store).len(), 2);
}

#[test]
fn a_miss_then_a_listing_starts_the_count_again() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let a = elso_congress();
    let mut b = listed(
        "elso-meetings",
        "ELSO",
        "APELSO 2021",
        "2021-09-30",
        "2021-10-02",
    );
    b.place = Place::default();
    run(
        &mut w,
        "elso-meetings",
        vec![a.clone(), b.clone()],
        "2021-08-01T00:00:00Z",
    );
    run(
        &mut w,
        "elso-meetings",
        vec![a.clone()],
        "2021-08-02T00:00:00Z",
    );
    run(
        &mut w,
        "elso-meetings",
        vec![a.clone(), b.clone()],
        "2021-08-03T00:00:00Z",
    );
    let missed_once_more = run(&mut w, "elso-meetings", vec![a], "2021-08-04T00:00:00Z");
    assert_eq!(missed_once_more.withdrawn, 0);
    assert_eq!(store.get(&b.id).unwrap().unwrap().status, Status::Scheduled);
}

#[test]
fn an_empty_read_withdraws_nothing() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    run(
        &mut w,
        "elso-meetings",
        vec![elso_congress()],
        "2021-08-01T00:00:00Z",
    );
    for n in 2..6 {
        let stats = run(
            &mut w,
            "elso-meetings",
            Vec::new(),
            &format!("2021-08-0{n}T00:00:00Z"),
        );
        assert_eq!(stats.withdrawn, 0);
    }
    assert_eq!(shown(&store).len(), 1);
    assert_eq!(shown(&store)[0].status, Status::Scheduled);
}

#[test]
fn when_one_announcer_drops_a_merged_event_the_other_still_shows_it() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let mut other_meeting = listed(
        "elso-meetings",
        "ELSO",
        "32nd Annual ELSO Conference",
        "2021-09-30",
        "2021-10-02",
    );
    other_meeting.place = Place::default();
    run(
        &mut w,
        "elso-meetings",
        vec![elso_congress(), other_meeting.clone()],
        "2022-01-01T00:00:00Z",
    );
    run(
        &mut w,
        "euroelso-congress",
        vec![euroelso_congress()],
        "2022-01-01T01:00:00Z",
    );
    for n in 2..4 {
        run(
            &mut w,
            "elso-meetings",
            vec![other_meeting.clone()],
            &format!("2022-01-0{n}T00:00:00Z"),
        );
    }
    let items = shown(&store);
    let congress = items
        .iter()
        .find(|i| i.title.contains("EuroELSO"))
        .expect("still shown");
    assert_eq!(congress.status, Status::Scheduled);
    assert_eq!(
        congress.source_ids().collect::<Vec<_>>(),
        ["euroelso-congress"]
    );
    // EuroELSO stops listing it too: now it is withdrawn.
    for n in 4..6 {
        run(
            &mut w,
            "euroelso-congress",
            vec![listed(
                "euroelso-congress",
                "EuroELSO",
                "11th EuroELSO Congress",
                "2023-05-03",
                "2023-05-05",
            )],
            &format!("2022-01-0{n}T01:00:00Z"),
        );
    }
    let congress = store.get(&elso_congress().id).unwrap().unwrap();
    assert_eq!(congress.status, Status::Withdrawn);
}

#[test]
fn a_listing_whose_dates_move_leaves_the_record_it_no_longer_matches() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    both_announce_the_congress(&mut w);
    assert_eq!(shown(&store).len(), 1);
    // ELSO's page now gives other dates (a typo, or a second event): the
    // record keeps its id with ELSO's listing, which opened it, and
    // EuroELSO's listing becomes an item of its own.
    let mut moved = elso_congress();
    moved.when.start = Some(day("2022-06-04"));
    moved.when.end = Some(day("2022-06-06"));
    run(
        &mut w,
        "elso-meetings",
        vec![moved.clone()],
        "2022-01-02T00:00:00Z",
    );
    let items = shown(&store);
    assert_eq!(items.len(), 2, "{items:#?}");
    let elso = store.get(&moved.id).unwrap().unwrap();
    assert_eq!(elso.when.start, Some(day("2022-06-04")));
    assert_eq!(elso.source_ids().collect::<Vec<_>>(), ["elso-meetings"]);
    let euroelso = store.get(&euroelso_congress().id).unwrap().unwrap();
    assert_eq!(euroelso.when.start, Some(day("2022-05-04")));
    assert_eq!(
        euroelso.source_ids().collect::<Vec<_>>(),
        ["euroelso-congress"]
    );
}

#[test]
fn an_unchanged_page_still_without_an_item_counts_as_a_second_miss() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let a = elso_congress();
    let mut b = listed(
        "elso-meetings",
        "ELSO",
        "APELSO 2021",
        "2021-09-30",
        "2021-10-02",
    );
    b.place = Place::default();
    run(
        &mut w,
        "elso-meetings",
        vec![a.clone(), b.clone()],
        "2021-08-01T00:00:00Z",
    );
    // Nothing pending: an unchanged page changes nothing.
    let quiet = w
        .source_unchanged("elso-meetings", at("2021-08-02T00:00:00Z"))
        .unwrap();
    assert_eq!(quiet, UpsertStats::default());
    let missed = run(&mut w, "elso-meetings", vec![a], "2021-08-03T00:00:00Z");
    assert_eq!((missed.missed, missed.withdrawn), (1, 0));
    // The server answers 304: the page is still without APELSO.
    let unchanged = w
        .source_unchanged("elso-meetings", at("2021-08-04T00:00:00Z"))
        .unwrap();
    w.commit().unwrap();
    assert_eq!((unchanged.missed, unchanged.withdrawn), (0, 1));
    assert_eq!(store.get(&b.id).unwrap().unwrap().status, Status::Withdrawn);
    assert_eq!(shown(&store).len(), 1);
}

#[test]
fn an_item_read_again_unchanged_is_not_rewritten_until_its_last_seen_is_a_day_old() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    run(
        &mut w,
        "elso-meetings",
        vec![elso_congress()],
        "2022-01-01T08:00:00Z",
    );
    let segments = || store.reader.searcher().segment_readers().len();
    let written = segments();

    // Hourly reads of the same page: nothing to write.
    for hour in ["09", "10", "23"] {
        let stats = run(
            &mut w,
            "elso-meetings",
            vec![elso_congress()],
            &format!("2022-01-01T{hour}:00:00Z"),
        );
        assert_eq!(stats.unchanged, 1);
    }
    assert_eq!(segments(), written, "no document was written");
    let item = &shown(&store)[0];
    assert_eq!(item.last_seen, at("2022-01-01T08:00:00Z"));

    // A day after it was last written, a read refreshes last_seen.
    let stats = run(
        &mut w,
        "elso-meetings",
        vec![elso_congress()],
        "2022-01-02T08:00:00Z",
    );
    assert_eq!(stats.unchanged, 1);
    let item = &shown(&store)[0];
    assert_eq!(item.last_seen, at("2022-01-02T08:00:00Z"));
    assert_eq!(item.first_seen, at("2022-01-01T08:00:00Z"));
    assert_eq!(item.revision, 0);

    // A change is written at once.
    let mut moved = elso_congress();
    moved.place.city = Some("Lisbon".into());
    let stats = run(&mut w, "elso-meetings", vec![moved], "2022-01-02T09:00:00Z");
    assert_eq!(stats.changed, 1);
    let item = &shown(&store)[0];
    assert_eq!(item.place.city.as_deref(), Some("Lisbon"));
    assert_eq!(item.last_seen, at("2022-01-02T09:00:00Z"));
    assert_eq!(shown(&store).len(), 1);
}

/// An IPA article as one of IPA's lists gives it: no dates, a page of its
/// own.
fn ipa_article(source: &str, title: &str, url: &str) -> Item {
    let mut item = listed(source, "IPA", title, "2024-02-20", "2024-02-20");
    item.id = format!("{source}:{url}");
    item.kind = ItemKind::Publication;
    item.when = When::default();
    item.place = Place::default();
    item.url = url.into();
    item
}

#[test]
fn an_article_in_an_organisations_feed_and_on_its_page_is_shown_once() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let livanova = "LivaNova Reports Cyberattack Compromising US Patients\u{2019} Data";
    let news = ipa_article(
        "ipa-news",
        livanova,
        "https://iperfusion.org/livanova-cyberattack/",
    );
    run(
        &mut w,
        "ipa-news",
        vec![news.clone()],
        "2024-03-01T00:00:00Z",
    );
    let editorials = vec![
        ipa_article(
            "ipa-editorial",
            livanova,
            "https://www.iperfusion.org/livanova-cyberattack",
        ),
        ipa_article(
            "ipa-editorial",
            "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report",
            "https://iperfusion.org/perform-registry-first-annual-report/",
        ),
    ];
    let stats = run(&mut w, "ipa-editorial", editorials, "2024-03-01T00:00:00Z");
    assert_eq!(stats.merged, 1);
    assert_sources(
        &store,
        &[
            (
                "ipa-editorial:https://iperfusion.org/perform-registry-first-annual-report/",
                vec!["ipa-editorial"],
            ),
            (news.id.as_str(), vec!["ipa-editorial", "ipa-news"]),
        ],
        "the article both lists give is one item, kept under the id it was first shown with",
    );
}

#[test]
fn merging_the_segments_into_one_keeps_every_item_and_the_writer_goes_on() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let mut perfusion_course = listed(
        "amsect-education",
        "AmSECT",
        "Perfusion Safety Course",
        "2022-03-10",
        "2022-03-11",
    );
    perfusion_course.place.city = Some("Tampa".into());
    both_announce_the_congress(&mut w);
    run(
        &mut w,
        "amsect-education",
        vec![perfusion_course.clone()],
        "2022-01-01T02:00:00Z",
    );
    // One segment a commit; the first one's only record was rewritten
    // with both sources by the second, which left it empty and dropped.
    assert_eq!(store.segment_count(), 2);
    let congress = elso_congress();
    let expected = [
        (perfusion_course.id.as_str(), vec!["amsect-education"]),
        (
            congress.id.as_str(),
            vec!["euroelso-congress", "elso-meetings"],
        ),
    ];
    assert_sources(&store, &expected, "before the merge");

    let (mut w, merged) = w.merge_segments().unwrap();
    assert_eq!(merged, 2);
    assert_eq!(store.segment_count(), 1);
    assert_sources(&store, &expected, "the same items after the merge");
    let mut q = SearchQuery::new(day("2022-01-01"));
    q.text = "ecmo".into();
    let hits = store.search(&q).unwrap();
    assert_eq!(hits.total, 1, "free text still finds the congress");

    // The writer it gave back writes and merges on.
    let again = run(
        &mut w,
        "elso-meetings",
        vec![elso_congress()],
        "2022-01-01T03:00:00Z",
    );
    assert_eq!((again.added, again.changed, again.merged), (0, 0, 0));
    let (mut w, merged) = w.merge_segments().unwrap();
    assert_eq!(merged, 0, "nothing written, still one segment");
    let mut moved = perfusion_course.clone();
    moved.when.start = Some(day("2022-04-07"));
    moved.when.end = Some(day("2022-04-08"));
    let stats = run(
        &mut w,
        "amsect-education",
        vec![moved],
        "2022-01-03T00:00:00Z",
    );
    assert_eq!(stats.changed, 1);
    assert_eq!(store.segment_count(), 2);
    let (_w, merged) = w.merge_segments().unwrap();
    assert_eq!(merged, 2);
    assert_sources(&store, &expected, "the moved course replaced, not added");
    let course = store.get(&perfusion_course.id).unwrap().unwrap();
    assert_eq!(course.when.start, Some(day("2022-04-07")));
}
