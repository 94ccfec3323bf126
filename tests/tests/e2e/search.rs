//! Searches through gRPC return the items of the ELSO and IPA pages with
//! the right kind, organisation, dates and place.

use std::sync::Arc;
use std::time::Duration;

use perfusion_proto::v1 as pb;
use perfusion_tests::drive::{self, Bounds, Load, Shape};

use super::{daemon_on_fixtures, day, search, titles};

fn past() -> pb::SearchRequest {
    pb::SearchRequest {
        include_past: true,
        page_size: 100,
        ..Default::default()
    }
}

#[tokio::test]
async fn elso_courses_come_with_their_dates_places_and_contacts() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let courses = search(
        &daemon,
        pb::SearchRequest {
            kinds: vec![pb::ItemKind::Course.into()],
            ..past()
        },
    )
    .await;
    assert_eq!(
        titles(&courses),
        [
            "Adult ECMO for respiratory failure and septic shock",
            "Extracorporeal Life Support Adult ECMO Simulation Training Course",
            "Extracorporeal Life Support Adult ECMO Simulation Training Course",
            "Extracorporeal Life Support Adult ECMO Training Course",
        ]
    );
    let stockholm = &courses[0];
    assert_eq!(stockholm.org, "ELSO");
    assert_eq!(
        (stockholm.start, stockholm.end),
        (day(2021, 10, 11), day(2021, 10, 14))
    );
    assert_eq!(stockholm.date_precision(), pb::DatePrecision::Day);
    assert!(stockholm.all_day);
    let place = stockholm.place.as_ref().expect("a place");
    assert_eq!(
        (place.city.as_str(), place.country_code.as_str()),
        ("Stockholm", "SE")
    );
    assert_eq!(stockholm.mode(), pb::Mode::InPerson);
    assert_eq!(
        stockholm.summary,
        "Björn Frenckner +46707226115 bjorn.frenckner@ki.se"
    );
    assert_eq!(stockholm.url, "https://www.karolinska.se/en/ecmo-course/");

    // The same course on two dates stays two items.
    let (first, second) = (&courses[1], &courses[2]);
    assert_ne!(first.id, second.id);
    assert_eq!(
        (first.start, first.end),
        (day(2021, 11, 3), day(2021, 11, 4))
    );
    assert_eq!(
        (second.start, second.end),
        (day(2021, 11, 5), day(2021, 11, 6))
    );
    let tampa = first.place.as_ref().expect("a place");
    assert_eq!(
        (
            tampa.venue.as_str(),
            tampa.city.as_str(),
            tampa.region.as_str(),
            tampa.country_code.as_str()
        ),
        ("Grand Hyatt Tampa Bay", "Tampa", "Florida", "US")
    );
    assert_eq!(first.summary, "734-293-2101 ecmotraining@elso.org");
    // Relative links resolve against the page (here the fixture server's
    // address; the replay test checks the real one).
    assert!(
        first
            .url
            .ends_with("/ecmo-education/simulation-training.aspx"),
        "{}",
        first.url
    );

    let online = &courses[3];
    assert_eq!(
        (online.start, online.end),
        (day(2021, 11, 11), day(2021, 11, 12))
    );
    assert_eq!(online.mode(), pb::Mode::Virtual);
    assert_eq!(online.place, None);
}

#[tokio::test]
async fn elso_meetings_are_conferences_with_their_posted_dates() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let apelso = search(
        &daemon,
        pb::SearchRequest {
            query: "APELSO".into(),
            ..past()
        },
    )
    .await;
    assert_eq!(titles(&apelso), ["APELSO 2021 Meeting"]);
    let apelso = &apelso[0];
    assert_eq!(apelso.kind(), pb::ItemKind::Conference);
    assert_eq!(
        (apelso.start, apelso.end),
        (day(2021, 10, 28), day(2021, 10, 31))
    );
    assert_eq!(apelso.date_text, "10/28/2021 - 10/31/2021");
    let place = apelso.place.as_ref().expect("a place");
    assert_eq!(
        (place.city.as_str(), place.country_code.as_str()),
        ("Taipei", "TW")
    );
    assert_eq!(
        apelso.summary,
        "Ms. Molly Hsiao +886-2-2798-8329 ext. 18 apelso2021.reg@elitepco.com.tw"
    );
    // Posted Date: 02/08/2021, month first as ELSO writes it.
    assert_eq!(
        apelso.posted.as_ref().map(|t| t.seconds),
        Some(1_612_742_400)
    );
    assert_eq!(apelso.sources.len(), 1);
    assert_eq!(apelso.sources[0].source_id, "elso-meetings");

    let conferences = search(
        &daemon,
        pb::SearchRequest {
            kinds: vec![pb::ItemKind::Conference.into()],
            orgs: vec!["elso".into()],
            ..past()
        },
    )
    .await;
    // The home page announces the 32nd annual meeting twice, in the
    // meetings list and in a notice ("ELSO 32nd Annual Meeting", September
    // 30th to October 1st): one event, shown once, with both as sources.
    assert_eq!(
        titles(&conferences),
        [
            "32nd Annual ELSO Conference",
            "APELSO 2021 Meeting",
            "10th EuroELSO Congress"
        ]
    );
    let virtual_conference = &conferences[0];
    assert_eq!(
        (virtual_conference.start, virtual_conference.end),
        (day(2021, 9, 30), day(2021, 10, 1))
    );
    assert_eq!(virtual_conference.mode(), pb::Mode::Virtual);
    let sources: Vec<&str> = virtual_conference
        .sources
        .iter()
        .map(|s| s.source_id.as_str())
        .collect();
    assert_eq!(sources, ["elso-meetings", "elso-notices"]);
    // The notice's abstract deadline ("deadline is July 15th") is kept.
    assert_eq!(virtual_conference.deadlines.len(), 1);
    assert_eq!(
        virtual_conference.deadlines[0].kind(),
        pb::DeadlineKind::Abstract
    );
    assert_eq!(virtual_conference.deadlines[0].date, day(2021, 7, 15));
    let london = &conferences[2];
    assert_eq!(
        (london.start, london.end),
        (day(2022, 5, 4), day(2022, 5, 6))
    );
    assert_eq!(
        london.place.as_ref().map(|p| p.country_code.as_str()),
        Some("GB")
    );
}

#[tokio::test]
async fn elso_notices_give_the_grant_deadline_and_the_meeting_without_a_year() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let grants = search(
        &daemon,
        pb::SearchRequest {
            kinds: vec![pb::ItemKind::Grant.into()],
            ..past()
        },
    )
    .await;
    assert_eq!(titles(&grants), ["ELSO 2022 Research Grant Application"]);
    let grant = &grants[0];
    assert_eq!(grant.deadlines.len(), 1);
    let deadline = &grant.deadlines[0];
    assert_eq!(deadline.kind(), pb::DeadlineKind::Application);
    assert_eq!(deadline.date, day(2021, 9, 30));
    assert_eq!(
        grant.start, None,
        "a grant call has a deadline, not dates of its own"
    );
    assert!(
        grant.url.ends_with("/Research/ResearchGrants.aspx"),
        "{}",
        grant.url
    );

    // "September 30th to October 1st": the year comes from the page's date
    // (Last-Modified: 3 August 2021), and the abstract deadline "July 15th"
    // from the same sentence is a deadline, not the meeting's date. The
    // notice is the meetings list's 32nd Annual ELSO Conference, so it is
    // shown as that one item (see the meetings test).
    let meeting = search(
        &daemon,
        pb::SearchRequest {
            query: "\"32nd annual\"".into(),
            ..past()
        },
    )
    .await;
    assert_eq!(titles(&meeting), ["32nd Annual ELSO Conference"]);
    let meeting = &meeting[0];
    assert_eq!(meeting.kind(), pb::ItemKind::Conference);
    assert_eq!(
        (meeting.start, meeting.end),
        (day(2021, 9, 30), day(2021, 10, 1))
    );
    assert_eq!(meeting.sources.len(), 2);
    assert_eq!(meeting.deadlines.len(), 1);
    assert_eq!(meeting.deadlines[0].kind(), pb::DeadlineKind::Abstract);
    assert_eq!(meeting.deadlines[0].date, day(2021, 7, 15));

    let publications = search(
        &daemon,
        pb::SearchRequest {
            kinds: vec![pb::ItemKind::Publication.into()],
            orgs: vec!["ELSO".into()],
            ..past()
        },
    )
    .await;
    let mut found = titles(&publications);
    found.sort_unstable();
    assert_eq!(
        found,
        [
            "ECPR and Resuscitative ECMO",
            "Guidelines for ECMO in COVID-19 patients"
        ]
    );
    for publication in &publications {
        assert_eq!(publication.start, None);
        assert!(
            !publication.summary.contains("Privacy Policy"),
            "the consent banner stays out"
        );
    }
}

#[tokio::test]
async fn ipa_publications_come_from_its_feed() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let items = search(
        &daemon,
        pb::SearchRequest {
            orgs: vec!["IPA".into()],
            ..past()
        },
    )
    .await;
    let mut found: Vec<(&str, i64, &str)> = items
        .iter()
        .map(|i| {
            assert_eq!(i.kind(), pb::ItemKind::Publication);
            (
                i.title.as_str(),
                i.posted.as_ref().map_or(0, |t| t.seconds),
                i.url.as_str(),
            )
        })
        .collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            (
                "Adapting and Applying Student-Centered Learning in a Perfusion Clinical Rotation",
                1_717_508_512, // Tue, 04 Jun 2024 13:41:52 +0000
                "https://iperfusion.org/perfusion-learning/",
            ),
            (
                "Heart to Heart Mission: 400 patients and counting",
                1_701_804_408, // Tue, 05 Dec 2023 19:26:48 +0000
                "https://iperfusion.org/heart-to-heart-400/",
            ),
            (
                "Honduras Mission",
                1_705_327_331, // Mon, 15 Jan 2024 14:02:11 +0000
                "https://iperfusion.org/honduras-mission/",
            ),
            (
                "LivaNova Reports Cyberattack Compromising US Patients’ Data",
                1_708_445_437, // Tue, 20 Feb 2024 16:10:37 +0000
                "https://iperfusion.org/livanova-cyberattack/",
            ),
            (
                "Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report",
                1_729_016_561, // Tue, 15 Oct 2024 18:22:41 +0000
                "https://iperfusion.org/perform-report/",
            ),
            (
                "Quantifying Potential Fluid Transfused Through Pressure Monitoring and Circuit Flushes in Pediatric ECMO Patients",
                1_724_166_189, // Tue, 20 Aug 2024 15:03:09 +0000
                "https://iperfusion.org/ecmo-pressure-monitoring/",
            ),
        ]
    );
    let perform = items
        .iter()
        .find(|i| i.title.contains("PERForm"))
        .expect("PERForm");
    assert!(perform.summary.starts_with(
        "The first annual report of the Perfusion Measures and Outcomes (PERForm) registry"
    ));
    assert!(
        perform.summary.contains("enhanced patient safety."),
        "the whole post, not the cut excerpt"
    );
    assert!(!perform.summary.contains('<'), "plain text, never HTML");
}

#[tokio::test]
async fn text_filters_and_dates_combine() {
    let (_server, daemon) = daemon_on_fixtures().await;
    // Stemmed and case-insensitive: "courses" finds "Course".
    let hits = search(
        &daemon,
        pb::SearchRequest {
            query: "ecmo simulation courses".into(),
            ..past()
        },
    )
    .await;
    assert_eq!(hits.len(), 2);
    // Items overlapping 2022: only the London congress.
    let hits = search(
        &daemon,
        pb::SearchRequest {
            from: "2022-01-01".into(),
            to: "2022-12-31".into(),
            ..past()
        },
    )
    .await;
    assert_eq!(titles(&hits), ["10th EuroELSO Congress"]);
    // Countries.
    let hits = search(
        &daemon,
        pb::SearchRequest {
            countries: vec!["us".into()],
            ..past()
        },
    )
    .await;
    assert_eq!(hits.len(), 2);
    // Without --past, everything dated in 2021-2022 is over; undated
    // publications remain.
    let current = search(
        &daemon,
        pb::SearchRequest {
            page_size: 100,
            ..Default::default()
        },
    )
    .await;
    assert!(
        current
            .iter()
            .all(|i| i.kind() == pb::ItemKind::Publication),
        "{:?}",
        titles(&current)
    );
    assert_eq!(current.len(), 8);
}

#[tokio::test]
async fn pages_follow_each_other_with_tokens() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let mut client = daemon.client().await;
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .search(pb::SearchRequest {
                include_past: true,
                page_size: 4,
                page_token: token,
                ..Default::default()
            })
            .await
            .expect("search")
            .into_inner();
        // 17 items on ELSO's home page and IPA's feed; ELSO's 32nd
        // annual meeting is announced twice and shown once.
        assert_eq!(page.total_hits, 16);
        seen.extend(page.items.into_iter().map(|i| i.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (16, 16));
}

#[tokio::test]
async fn typos_facets_and_snippets_come_back_with_the_hits() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let mut client = daemon.client().await;
    let response = client
        .search(pb::SearchRequest {
            query: "perfussion registy".into(),
            ..past()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(response.typo_tolerant);
    assert_eq!(
        titles(&response.items),
        ["Perfusion Measures and Outcomes (PERForm) Registry: First Annual Report"]
    );

    let response = client
        .search(pb::SearchRequest {
            query: "ecmo".into(),
            ..past()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!response.typo_tolerant);
    let count = |facet: &str, value: &str| {
        response
            .facets
            .iter()
            .find(|f| f.facet == facet && f.value == value)
            .map_or(0, |f| f.count)
    };
    assert_eq!(count("kind", "course"), 4);
    // The 4 courses, "ECPR and Resuscitative ECMO" and the COVID-19
    // guidelines.
    assert_eq!(count("org", "ELSO"), 6, "{:?}", response.facets);
    assert_eq!(count("country", "US"), 2);
    assert_eq!(count("month", "2021-11"), 3);
    let pressure = response
        .items
        .iter()
        .find(|i| i.title.starts_with("Quantifying"))
        .unwrap();
    let snippet = &response.snippets[&pressure.id];
    let words: Vec<&str> = snippet
        .highlights
        .iter()
        .map(|h| &snippet.fragment[h.start as usize..h.end as usize])
        .collect();
    assert!(
        !words.is_empty() && words.iter().all(|w| w.eq_ignore_ascii_case("ecmo")),
        "{words:?}"
    );
}

/// The load generator reads of each answer only its items, undecoded, and
/// its total: it must count what the daemon sent, asked one at a time or
/// at a fixed rate.
#[tokio::test]
async fn the_load_generator_counts_the_items_each_answer_holds() {
    let (_server, daemon) = daemon_on_fixtures().await;
    let channel = daemon.channel().await;
    let courses = pb::SearchRequest {
        kinds: vec![pb::ItemKind::Course.into()],
        ..past()
    };
    let in_1990 = pb::SearchRequest {
        from: "1990-01-01".to_owned(),
        to: "1990-12-31".to_owned(),
        ..past()
    };
    // ELSO's four courses (see the first test); nothing in 1990.
    let counted = drive::search_counted(channel.clone(), courses.clone()).await;
    assert_eq!(counted.expect("search"), (4, false));
    let counted = drive::search_counted(channel.clone(), in_1990.clone()).await;
    assert_eq!(counted.expect("search"), (0, true));

    let mix = Arc::new(vec![(Shape::Browse, courses), (Shape::Browse, in_1990)]);
    let bounds = Bounds {
        requests: 10,
        time: Duration::from_secs(60),
        stop: None,
    };
    let out = drive::run_at_rate(&Load::Search(mix), &[channel], 1000.0, 10, &bounds).await;
    assert_eq!((out.samples.len(), out.errors, out.unsent), (10, 0, 0));
    assert_eq!((out.hits_returned, out.empty), (20, 5));
    assert_eq!(out.late.len(), 10);
}
