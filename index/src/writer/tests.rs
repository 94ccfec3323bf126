//! The writer over several fetch cycles: one event from two organisations
//! shown once, similar events kept apart (`announcements`), what a source
//! stops listing withdrawn only after two successful reads without it
//! (`withdrawal`), and the segments merged into one.

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
            missed: false,
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
    store.search(&q).unwrap().into_items()
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
    let stats = w.replace_source(source, items, at(when), None).unwrap();
    w.commit().unwrap();
    stats
}

mod announcements;
mod withdrawal;

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
