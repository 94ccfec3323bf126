//! Searches over a handful of real listings: the filters and orders a
//! perfusionist relies on.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::model::{DatePrecision, Place, SourceRef, Status, When};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn item(
    id: &str,
    kind: ItemKind,
    org: &str,
    title: &str,
    dates: Option<(NaiveDate, NaiveDate)>,
) -> Item {
    Item {
        id: id.into(),
        kind,
        title: title.into(),
        summary: String::new(),
        url: format!("https://example.org/{id}"),
        org: org.into(),
        sources: vec![SourceRef {
            source_id: format!("{}-src", org.to_lowercase()),
            org: org.into(),
            url: "https://example.org/".into(),
            missed: false,
        }],
        when: match dates {
            Some((start, end)) => When {
                start: Some(start),
                end: Some(end),
                precision: DatePrecision::Day,
                ..When::default()
            },
            None => When::default(),
        },
        place: Place::default(),
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

fn fixture() -> IndexStore {
    let mut regensburg = item(
        "regensburg",
        ItemKind::Course,
        "EuroELSO",
        "Regensburg 9th Adult ECMO Training Course",
        Some((day(2026, 9, 23), day(2026, 9, 27))),
    );
    regensburg.place = Place {
        venue: Some("University Regensburg".into()),
        city: Some("Regensburg".into()),
        country_code: Some("DE".into()),
        text: "University Regensburg, Regensburg, Germany".into(),
        ..Place::default()
    };
    regensburg.mode = Some(Mode::InPerson);
    let mut montreal = item(
        "cscp",
        ItemKind::Conference,
        "CSCP",
        "CSCP National Meeting and Scientific Sessions",
        Some((day(2027, 10, 1), day(2027, 10, 31))),
    );
    montreal.when.precision = DatePrecision::Month;
    montreal.place = Place {
        city: Some("Montréal".into()),
        country_code: Some("CA".into()),
        text: "Montréal, Canada".into(),
        ..Place::default()
    };
    let mut tampa = item(
        "tampa",
        ItemKind::Course,
        "ELSO",
        "Extracorporeal Life Support Adult ECMO Simulation Training Course",
        Some((day(2026, 12, 3), day(2026, 12, 4))),
    );
    tampa.place.country_code = Some("US".into());
    let old = item(
        "old",
        ItemKind::Conference,
        "ELSO",
        "32nd Annual ELSO Conference",
        Some((day(2021, 9, 30), day(2021, 10, 1))),
    );
    let mut report = item(
        "perform",
        ItemKind::Publication,
        "IPA",
        "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report",
        None,
    );
    report.summary = "details patient characteristics and cardiopulmonary bypass practices".into();
    let mut withdrawn = item(
        "gone",
        ItemKind::Course,
        "ELSO",
        "Withdrawn ECMO course",
        Some((day(2026, 12, 10), day(2026, 12, 11))),
    );
    withdrawn.status = Status::Withdrawn;

    let store = IndexStore::open_in_ram().unwrap();
    let mut writer = store.writer().unwrap();
    writer
        .upsert(
            vec![regensburg, montreal, tampa, old, report, withdrawn],
            at("2026-11-25T08:00:00Z"),
        )
        .unwrap();
    writer.commit().unwrap();
    store
}

fn ids(store: &IndexStore, q: &SearchQuery) -> Vec<String> {
    store
        .search(q)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.id.clone())
        .collect()
}

fn today() -> NaiveDate {
    day(2026, 11, 25)
}

#[test]
fn default_search_lists_current_items_soonest_first_undated_last() {
    let store = fixture();
    let q = SearchQuery::new(today());
    assert_eq!(ids(&store, &q), ["tampa", "cscp", "perform"]);
    let hits = store.search(&q).unwrap();
    assert_eq!(hits.total, 3);
}

#[test]
fn past_items_appear_only_when_asked() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    assert_eq!(
        ids(&store, &q),
        ["old", "regensburg", "tampa", "cscp", "perform"]
    );
}

#[test]
fn text_is_stemmed_folded_and_case_insensitive() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.text = "ecmo courses".into();
    let mut found = ids(&store, &q);
    found.sort();
    assert_eq!(found, ["regensburg", "tampa"]);
    q.text = "Montreal".into();
    assert_eq!(ids(&store, &q), ["cscp"]);
    q.text = "montréal".into();
    assert_eq!(ids(&store, &q), ["cscp"]);
    q.text = "cardiopulmonary".into();
    assert_eq!(ids(&store, &q), ["perform"]);
    q.text = "\"annual elso\"".into();
    assert_eq!(ids(&store, &q), ["old"]);
}

#[test]
fn filters_combine_kind_org_country_mode_and_dates() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.kinds = vec![ItemKind::Conference];
    assert_eq!(ids(&store, &q), ["old", "cscp"]);
    q.orgs = vec!["elso".into()];
    assert_eq!(ids(&store, &q), ["old"]);

    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.countries = vec!["de".into()];
    assert_eq!(ids(&store, &q), ["regensburg"]);
    q.countries.clear();
    q.mode = Some(Mode::InPerson);
    assert_eq!(ids(&store, &q), ["regensburg"]);

    // Items overlapping [from, to]: Regensburg (23-27 Sep) overlaps a range
    // starting on its last day; undated items are in no range.
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.from = Some(day(2026, 9, 27));
    q.to = Some(day(2026, 12, 31));
    assert_eq!(ids(&store, &q), ["regensburg", "tampa"]);
}

#[test]
fn withdrawn_items_leave_default_results() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.text = "withdrawn".into();
    assert!(ids(&store, &q).is_empty());
    q.include_withdrawn = true;
    assert_eq!(ids(&store, &q), ["gone"]);
}

#[test]
fn pages_follow_each_other_by_key_even_while_the_index_changes() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.limit = 2;
    let first = store.search(&q).unwrap();
    assert_eq!(
        first
            .items
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        ["old", "regensburg"]
    );
    // An item announced before the cursor appears meanwhile: the next page
    // neither repeats nor skips anything.
    let mut writer = store.writer().unwrap();
    writer
        .upsert(
            vec![item(
                "early",
                ItemKind::Course,
                "ELSO",
                "Early course",
                Some((day(2020, 1, 1), day(2020, 1, 2))),
            )],
            at("2026-11-25T09:00:00Z"),
        )
        .unwrap();
    writer.commit().unwrap();
    q.after = first.next_key;
    assert_eq!(ids(&store, &q), ["tampa", "cscp"]);
    q.after = store.search(&q).unwrap().next_key;
    assert_eq!(ids(&store, &q), ["perform"]);
}

#[test]
fn typos_are_forgiven_when_nothing_matches_as_typed() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.text = "perfussion".into();
    let hits = store.search(&q).unwrap();
    assert!(hits.typo_tolerant);
    assert_eq!(
        hits.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["perform"]
    );
    q.text = "cardiopulmnary bypas".into();
    assert_eq!(ids(&store, &q), ["perform"]);
    q.text = "ecmo".into();
    assert!(!store.search(&q).unwrap().typo_tolerant);
}

#[test]
fn prefixes_and_city_queries_work() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    q.text = "regens*".into();
    assert_eq!(ids(&store, &q), ["regensburg"]);
    q.text = "city:montreal".into();
    assert_eq!(ids(&store, &q), ["cscp"]);
}

#[test]
fn facets_count_kinds_orgs_countries_and_months() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.include_past = true;
    let facets = store.search(&q).unwrap().facets;
    let count = |field: &str, value: &str| {
        facets
            .iter()
            .find(|(f, v, _)| f == field && v == value)
            .map_or(0, |(_, _, n)| *n)
    };
    assert_eq!(count("kind", "course"), 2);
    assert_eq!(count("kind", "conference"), 2);
    assert_eq!(count("org", "ELSO"), 2);
    assert_eq!(count("country", "DE"), 1);
    assert_eq!(count("month", "2026-09"), 1);
    assert_eq!(count("month", "2027-10"), 1);
}

#[test]
fn snippets_highlight_the_matching_words_of_the_summary() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.text = "cardiopulmonary".into();
    let hits = store.search(&q).unwrap();
    let snippet = &hits.snippets["perform"];
    let words: Vec<&str> = snippet
        .highlights
        .iter()
        .map(|r| &snippet.fragment[r.clone()])
        .collect();
    assert_eq!(words, ["cardiopulmonary"]);
}

#[test]
fn upsert_keeps_first_seen_and_bumps_revision_on_a_date_change() {
    let store = fixture();
    let mut writer = store.writer().unwrap();
    let mut tampa = store.get("tampa").unwrap().unwrap();
    let first_seen = tampa.first_seen;
    tampa.title = "Adult ECMO Simulation Training Course".into();
    let stats = writer
        .upsert(vec![tampa.clone()], at("2026-11-26T08:00:00Z"))
        .unwrap();
    assert_eq!(stats.unchanged, 1);
    tampa.when.end = Some(day(2026, 12, 5));
    let stats = writer
        .upsert(vec![tampa], at("2026-11-27T08:00:00Z"))
        .unwrap();
    assert_eq!(stats.changed, 1);
    writer.commit().unwrap();

    let now = store.get("tampa").unwrap().unwrap();
    assert_eq!(now.first_seen, first_seen);
    assert_eq!(now.last_seen, at("2026-11-27T08:00:00Z"));
    assert_eq!(now.revision, 1);
    assert_eq!(now.modified, at("2026-11-27T08:00:00Z"));
    assert_eq!(now.when.end, Some(day(2026, 12, 5)));
    assert_eq!(store.len(), 6, "an upsert replaces, it never duplicates");
    assert_eq!(store.count_by_source("elso-src").unwrap(), 3);
}

#[test]
fn a_search_shows_what_an_item_became_even_right_after_showing_it() {
    let store = fixture();
    let mut every = SearchQuery::new(today());
    every.include_past = true;
    every.include_withdrawn = true;
    assert_eq!(store.search(&every).unwrap().items.len(), 6);
    let mut q = SearchQuery::new(today());
    q.text = "simulation".into();
    let shown = store.search(&q).unwrap().items;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].when.end, Some(day(2026, 12, 4)));

    let mut tampa = Item::clone(&shown[0]);
    tampa.title = "Adult ECMO Simulation Course (moved)".into();
    tampa.when.end = Some(day(2026, 12, 5));
    let mut writer = store.writer().unwrap();
    writer
        .upsert(vec![tampa], at("2026-11-27T08:00:00Z"))
        .unwrap();
    writer.commit().unwrap();

    // The same search again, and one that differs only in its page size
    // (answered anew, not from the answers kept until the commit).
    for limit in [20, 21] {
        q.limit = limit;
        let now = store.search(&q).unwrap().items;
        assert_eq!(now.len(), 1, "page size {limit}");
        assert_eq!(now[0].title, "Adult ECMO Simulation Course (moved)");
        assert_eq!(now[0].when.end, Some(day(2026, 12, 5)));
        assert_eq!(now[0].revision, 1);
    }
}

#[test]
fn a_search_asked_again_is_answered_from_the_kept_answer_until_a_commit() {
    let store = fixture();
    let mut q = SearchQuery::new(today());
    q.text = "simulation".into();
    let (first, kept) = store.answer(&q).unwrap();
    assert!(!kept, "the first time, computed");
    assert_eq!(
        first.items[0].title,
        "Extracorporeal Life Support Adult ECMO Simulation Training Course"
    );
    let (again, kept) = store.answer(&q).unwrap();
    assert!(kept, "asked again, kept");
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    // Computed anew on demand (the load generator's "In process" step),
    // with the same answer.
    let anew = store.compute_answer(&q).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&first, &anew));
    assert_eq!(anew.items, first.items);

    let mut writer = store.writer().unwrap();
    writer
        .upsert(
            vec![item(
                "new",
                ItemKind::Course,
                "AmSECT",
                "Neonatal simulation workshop",
                Some((day(2027, 3, 1), day(2027, 3, 2))),
            )],
            at("2026-11-27T08:00:00Z"),
        )
        .unwrap();
    writer.commit().unwrap();
    let (after, kept) = store.answer(&q).unwrap();
    assert!(!kept, "after a commit, computed on the new index");
    assert_eq!(after.total, first.total + 1);
}

#[test]
fn the_items_kept_for_showing_are_bounded_and_a_shown_one_stays() {
    let shown = shown::Shown::default();
    let segment = tantivy::index::SegmentId::generate_random();
    let kept = std::sync::Arc::new(item("a", ItemKind::Job, "SCPS", "Band 6", None));
    shown.keep(segment, 0, kept.clone());
    shown.keep(segment, 1, kept.clone());
    for doc in 2..(2 * shown::GENERATION as u32) {
        if doc % 100 == 0 {
            assert!(shown.get(segment, 0).is_some(), "shown again at {doc}");
        }
        shown.keep(segment, doc, kept.clone());
    }
    assert!(shown.get(segment, 0).is_some(), "an item shown again stays");
    assert!(
        shown.get(segment, 1).is_none(),
        "an item not shown again goes"
    );
    let other = tantivy::index::SegmentId::generate_random();
    assert!(
        shown.get(other, 0).is_none(),
        "another segment's document 0"
    );
}

#[test]
fn the_index_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = IndexStore::open(dir.path()).unwrap();
        let mut writer = store.writer().unwrap();
        writer
            .upsert(
                vec![item(
                    "a",
                    ItemKind::Job,
                    "SCPS",
                    "Trainee Clinical Perfusionist Band 6",
                    None,
                )],
                at("2026-11-25T08:00:00Z"),
            )
            .unwrap();
        writer.commit().unwrap();
    }
    let store = IndexStore::open(dir.path()).unwrap();
    let mut q = SearchQuery::new(today());
    q.text = "perfusionist".into();
    assert_eq!(ids(&store, &q), ["a"]);
}
