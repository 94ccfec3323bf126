//! One event announced by several sources is one item with all of them as
//! its sources; similar events (another date, another city, another
//! edition) stay apart.

use super::*;

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
        w.replace_source("elso-courses", elso, now, None).unwrap();
        if !same_commit {
            w.commit().unwrap();
        }
        let stats = w
            .replace_source("amsect-events", amsect, now, None)
            .unwrap();
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
            w.replace_source("elso-courses", elso, now, None).unwrap();
            if !same_commit {
                w.commit().unwrap();
            }
            w.replace_source("euroelso-courses", euroelso, now, None)
                .unwrap();
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
            w.replace_source(source, items, at("2024-06-01T00:00:00Z"), None)
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
