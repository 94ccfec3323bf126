//! What a source stops listing is withdrawn only after two successful reads
//! without it, and comes back when listed again.

use super::*;

/// APELSO 2021 as ELSO's meetings page lists it.
fn apelso() -> Item {
    listed(
        "elso-meetings",
        "ELSO",
        "APELSO 2021",
        "2021-09-30",
        "2021-10-02",
    )
}

/// ELSO's meetings page lists its congress and APELSO 2021 (no place);
/// the two items, as listed.
fn elso_lists_the_congress_and_apelso(w: &mut Writer) -> (Item, Item) {
    let congress = elso_congress();
    let mut apelso = apelso();
    apelso.place = Place::default();
    run(
        w,
        "elso-meetings",
        vec![congress.clone(), apelso.clone()],
        "2021-08-01T00:00:00Z",
    );
    (congress, apelso)
}

#[test]
fn an_item_missing_twice_in_a_row_is_withdrawn_and_comes_back_when_listed_again() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let (stays, goes) = elso_lists_the_congress_and_apelso(&mut w);
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

/// The index task commits every batch waiting at once, so two reads of one
/// source (a refresh asked for during a cycle) can meet before a commit:
/// the second counts its misses on records that searches cannot see yet.
#[test]
fn reads_of_a_source_before_one_commit_count_their_misses() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let congress = elso_congress();
    let apelso = apelso();
    let both = vec![congress.clone(), apelso.clone()];
    let read = |w: &mut Writer, items: Vec<Item>, when: &str| {
        w.replace_source("elso-meetings", items, at(when), None)
            .unwrap()
    };
    assert_eq!(read(&mut w, both, "2021-08-01T00:00:00Z").added, 2);
    let once = read(&mut w, vec![congress.clone()], "2021-08-02T00:00:00Z");
    assert_eq!((once.missed, once.withdrawn), (1, 0));
    let twice = read(&mut w, vec![congress], "2021-08-03T00:00:00Z");
    assert_eq!((twice.missed, twice.withdrawn), (0, 1));
    w.commit().unwrap();

    let gone = store.get(&apelso.id).unwrap().unwrap();
    assert_eq!(gone.status, Status::Withdrawn);
    let titles: Vec<String> = shown(&store).into_iter().map(|i| i.title).collect();
    assert_eq!(titles, ["10th EuroELSO Congress"]);
}

#[test]
fn a_miss_then_a_listing_starts_the_count_again() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let (a, b) = elso_lists_the_congress_and_apelso(&mut w);
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
    let (a, b) = elso_lists_the_congress_and_apelso(&mut w);
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
fn an_item_read_again_unchanged_is_never_rewritten_and_a_miss_dates_its_last_listing() {
    let store = IndexStore::open_in_ram().unwrap();
    let mut w = store.writer().unwrap();
    let apelso = apelso();
    let both = || vec![elso_congress(), apelso.clone()];
    let mut read = |items: Vec<Item>, when: &str, before: Option<&str>| {
        let stats = w
            .replace_source("elso-meetings", items, at(when), before.map(at))
            .unwrap();
        w.commit().unwrap();
        stats
    };
    read(both(), "2022-01-01T08:00:00Z", None);
    let segments = || store.reader.searcher().segment_readers().len();
    let written = segments();

    // Hourly reads of the same page, then the next day's: nothing to write.
    let mut before = "2022-01-01T08:00:00Z".to_owned();
    for when in [
        "2022-01-01T09:00:00Z",
        "2022-01-01T23:00:00Z",
        "2022-01-02T08:00:00Z",
    ] {
        let stats = read(both(), when, Some(&before));
        assert_eq!((stats.unchanged, stats.changed, stats.missed), (2, 0, 0));
        before = when.to_owned();
    }
    assert_eq!(segments(), written, "no document was written");
    let congress = store.get(&elso_congress().id).unwrap().unwrap();
    assert_eq!(congress.last_seen, at("2022-01-01T08:00:00Z"));
    assert_eq!(congress.revision, 0);
    // The source's latest read listed it: that is when it was last seen.
    let latest = |_: &str| Some(at("2022-01-02T08:00:00Z"));
    assert_eq!(congress.last_seen_given(latest), at("2022-01-02T08:00:00Z"));

    // The page drops the congress: it was last seen at the read before.
    let stats = read(
        vec![apelso.clone()],
        "2022-01-03T08:00:00Z",
        Some("2022-01-02T08:00:00Z"),
    );
    assert_eq!((stats.missed, stats.withdrawn), (1, 0));
    let congress = store.get(&elso_congress().id).unwrap().unwrap();
    assert_eq!(congress.status, Status::Scheduled);
    assert!(congress.sources[0].missed);
    assert_eq!(congress.last_seen, at("2022-01-02T08:00:00Z"));
    let latest = |_: &str| Some(at("2022-01-03T08:00:00Z"));
    assert_eq!(
        congress.last_seen_given(latest),
        at("2022-01-02T08:00:00Z"),
        "a read without it does not see it"
    );

    // It is back, moved: written at once, seen again, listed again.
    let mut moved = elso_congress();
    moved.place.city = Some("Lisbon".into());
    let stats = read(
        vec![moved, apelso.clone()],
        "2022-01-04T09:00:00Z",
        Some("2022-01-03T08:00:00Z"),
    );
    assert_eq!((stats.changed, stats.unchanged), (1, 1));
    let congress = store.get(&elso_congress().id).unwrap().unwrap();
    assert_eq!(congress.place.city.as_deref(), Some("Lisbon"));
    assert_eq!(congress.last_seen, at("2022-01-04T09:00:00Z"));
    assert_eq!(congress.first_seen, at("2022-01-01T08:00:00Z"));
    assert_eq!(congress.revision, 1);
    assert!(!congress.sources[0].missed);
    assert_eq!(shown(&store).len(), 2);
}
