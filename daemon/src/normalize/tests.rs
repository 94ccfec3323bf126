//! Normalisation of items as the real pages write them.

use super::*;

#[test]
fn status_words_move_out_of_titles() {
    assert_eq!(
        split_status(
            "-POSTPONED- ELSO ECMO Course I Adult ECMO for respiratory failure and septic shock"
        ),
        (
            "ELSO ECMO Course I Adult ECMO for respiratory failure and septic shock".to_owned(),
            Status::Postponed
        )
    );
    assert_eq!(
        split_status("ECMO 2020: Controversies and insights (cancelled)"),
        (
            "ECMO 2020: Controversies and insights".to_owned(),
            Status::Cancelled
        )
    );
    assert_eq!(
        split_status("CREF 2021 - RESCHEDULED"),
        ("CREF 2021".to_owned(), Status::Rescheduled)
    );
    assert_eq!(
        split_status("FULL: Adult VV ECMO Course"),
        ("Adult VV ECMO Course".to_owned(), Status::Full)
    );
    assert_eq!(
        split_status("Full Day Pediatric ECMO Workshop"),
        (
            "Full Day Pediatric ECMO Workshop".to_owned(),
            Status::Scheduled
        ),
        "a leading word reads as the status only when set apart"
    );
}

#[test]
fn a_status_sentence_of_the_text_gives_the_status() {
    assert_eq!(
        status_in_text("Course is now full. ELSO is NO longer accepting names for the wait list."),
        Some(Status::Full)
    );
    assert_eq!(
        status_in_text("We are sorry: the meeting has been cancelled."),
        Some(Status::Cancelled)
    );
    assert_eq!(
        status_in_text("The 2020 congress was postponed"),
        Some(Status::Postponed)
    );
    for text in [
        "Registration is now open!",
        "The course is full of hands-on stations.",
        "Cancelled flights are refunded by the airline.",
        "The full results will be presented at the conference.",
    ] {
        assert_eq!(status_in_text(text), None, "{text}");
    }
}

#[test]
fn the_title_status_wins_over_the_text() {
    let raw = RawItem {
        title: "ECMO Specialist Training Course – CANCELLED".to_owned(),
        summary: Some("The course is now full.".to_owned()),
        ..RawItem::default()
    };
    let item = normalise(&raw, &source("course", ""), "2015-03-20");
    assert_eq!(item.status, Status::Cancelled);
    let raw = RawItem {
        title: "ELSO Adult VV ECMO Course".to_owned(),
        summary: Some("Course is now full. ELSO is NO longer accepting names.".to_owned()),
        ..RawItem::default()
    };
    let item = normalise(&raw, &source("course", ""), "2015-03-20");
    assert_eq!(
        (item.title.as_str(), item.status),
        ("ELSO Adult VV ECMO Course", Status::Full)
    );
}

#[test]
fn a_title_that_is_only_a_status_stays_the_title() {
    // Found by the `ical` fuzz target: "SUMMARY:CANCELLED" gave an item
    // whose title was empty.
    for (title, status) in [
        ("CANCELLED", Status::Cancelled),
        ("-POSTPONED-", Status::Postponed),
        ("(Full)", Status::Full),
    ] {
        let raw = RawItem {
            title: title.to_owned(),
            ..RawItem::default()
        };
        let item = normalise(&raw, &source("course", ""), "2025-03-01");
        assert_eq!((item.title.as_str(), item.status), (title, status));
    }
}

#[test]
fn ordinary_titles_keep_their_words() {
    for title in [
        "Adult ECMO for respiratory failure and septic shock",
        "Power failure on ECMO: a full-day simulation",
    ] {
        assert_eq!(split_status(title), (title.to_owned(), Status::Scheduled));
    }
}

#[test]
fn labels_are_stripped_from_field_text() {
    assert_eq!(strip_label("Location: Taipei, Taiwan"), "Taipei, Taiwan");
    assert_eq!(strip_label("Posted Date: 05/26/2020"), "05/26/2020");
    assert_eq!(strip_label("Dates:  June 11-12, 2024"), "June 11-12, 2024");
    assert_eq!(strip_label("Stockholm, Sweden"), "Stockholm, Sweden");
    assert_eq!(
        strip_label("Sede: Hospital Zambrano Hellion, Monterrey, México"),
        "Hospital Zambrano Hellion, Monterrey, México"
    );
    assert_eq!(
        strip_label("Lugar: Cartagena, Colombia"),
        "Cartagena, Colombia"
    );
}

#[test]
fn a_labelled_line_of_the_text_gives_the_place() {
    let post = "The Sanibel Symposium returns to the Gulf coast.\n\
                Where: Sanibel Marriott Resort and Spa, Ft. Myers, Florida\n\
                Four days of perfusion science.";
    assert_eq!(
        labelled_place(post).as_deref(),
        Some("Sanibel Marriott Resort and Spa, Ft. Myers, Florida")
    );
    assert_eq!(
        labelled_place("Held where the 2019 meeting was: Austin.\nNo place line here."),
        None,
        "only a line that opens with the label"
    );
}

#[test]
fn ids_are_short_stable_hex() {
    let a = stable_id(&[
        "elso-meetings",
        "https://www.elso.org/",
        "32nd annual elso conference",
    ]);
    assert_eq!(a.len(), 16);
    assert_eq!(
        a,
        stable_id(&[
            "elso-meetings",
            "https://www.elso.org/",
            "32nd annual elso conference"
        ])
    );
    assert_ne!(
        a,
        stable_id(&[
            "elso-courses",
            "https://www.elso.org/",
            "32nd annual elso conference"
        ])
    );
}

/// A source of this kind with the given extra keys, as sources.toml gives it.
fn source(kind: &str, extra: &str) -> crate::config::SourceConfig {
    let text = format!(
        "version = 1\n[[source]]\nid = \"t\"\norg = \"T\"\nurl = \"https://t.example/\"\n\
         format = \"feed\"\nkind = \"{kind}\"\n{extra}\n"
    );
    crate::config::parse(&text, std::path::Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .sources
        .remove(0)
}

/// One raw item normalised as if read from a page of `page_date`.
fn normalise(raw: &RawItem, source: &crate::config::SourceConfig, page_date: &str) -> Item {
    let cx = Context {
        source,
        page_url: "https://t.example/",
        page_date: page_date.parse().expect("a date"),
        now: Utc::now(),
    };
    item(raw, &cx)
}

#[test]
fn a_webinar_is_online_even_when_its_page_does_not_say_so() {
    let raw = RawItem {
        title: "Live CEU Webinar: Blood Management – March 20, 2018 at 8:00 PM EST".to_owned(),
        ..RawItem::default()
    };
    let webinar = normalise(&raw, &source("webinar", ""), "2018-03-02");
    assert_eq!(webinar.mode, Some(Mode::Virtual));
    assert!(webinar.place.is_empty());
    let course = normalise(&raw, &source("course", ""), "2018-03-02");
    assert_eq!(
        course.mode, None,
        "a course without a place may be anywhere"
    );
}

#[test]
fn deadlines_are_read_in_the_sites_languages() {
    let cases = [
        (
            "Anmeldeschluss: 15.09.2012",
            "2012-09-03",
            DeadlineKind::Registration,
            "2012-09-15",
        ),
        (
            "Date limite de soumission des résumés : le 31 août 2024.",
            "2024-03-04",
            DeadlineKind::Abstract,
            "2024-08-31",
        ),
        (
            "Fecha límite de inscripción: 30 de junio de 2024",
            "2024-05-20",
            DeadlineKind::Registration,
            "2024-06-30",
        ),
    ];
    for (date_text, page_date, kind, date) in cases {
        let raw = RawItem {
            title: "Call".to_owned(),
            date_text: Some(date_text.to_owned()),
            ..RawItem::default()
        };
        let item = normalise(&raw, &source("deadline", "date_order = \"dmy\""), page_date);
        assert_eq!(
            item.when.start, None,
            "{date_text}: a deadline, not the item's date"
        );
        let got: Vec<(DeadlineKind, String)> = item
            .deadlines
            .iter()
            .map(|d| (d.kind, d.date.to_string()))
            .collect();
        assert_eq!(got, [(kind, date.to_owned())], "{date_text}");
    }
}

#[test]
fn a_date_label_is_the_cue_for_a_bare_year() {
    let raw = RawItem {
        title: "ANZCP ASM 2023".to_owned(),
        date_text: Some("Dates: 2023 (to be confirmed)".to_owned()),
        ..RawItem::default()
    };
    let item = normalise(&raw, &source("conference", ""), "2022-08-15");
    assert_eq!(
        (item.when.start, item.when.end, item.when.precision),
        (
            "2023-01-01".parse().ok(),
            "2023-12-31".parse().ok(),
            DatePrecision::Year
        )
    );
    let raw = RawItem {
        title: "ECMO course".to_owned(),
        date_text: Some("Date: several dates, to be announced".to_owned()),
        ..RawItem::default()
    };
    let item = normalise(&raw, &source("course", ""), "2022-08-15");
    assert_eq!(item.when.start, None);
    assert_eq!(
        item.when.text, "several dates, to be announced",
        "unreadable text is kept as written, without its label"
    );
}

/// An iCalendar source of ANZCP webinars, with these extra keys.
fn ical_source(kind_rules: &str) -> SourceConfig {
    let src = format!(
        "version = 1\n[[source]]\nid = \"s\"\norg = \"ANZCP\"\nurl = \"https://anzcp.org/\"\nformat = \"ical\"\nkind = \"webinar\"\ntimezone = \"Australia/Sydney\"\n{kind_rules}\n"
    );
    crate::config::parse(&src, std::path::Path::new("sources.toml"))
        .unwrap()
        .sources
        .remove(0)
}

fn context(source: &SourceConfig) -> Context<'_> {
    Context {
        source,
        page_url: "https://anzcp.org/calendar.ics",
        page_date: "2024-10-15".parse().unwrap(),
        now: "2024-10-15T00:00:00Z".parse().unwrap(),
    }
}

#[test]
fn what_a_format_states_is_preferred_over_text() {
    use crate::extract::{Moment, RawPlace, RawWhen};
    let source = ical_source("");
    let raw = RawItem {
        // The title names another date; the structured one stands.
        title: "Perfusion in Practice, 1 March 2024".to_owned(),
        date_text: Some("1 March 2024".to_owned()),
        when: Some(RawWhen {
            start: Moment::Instant("2024-08-15T09:00:00Z".parse().unwrap()),
            end: None,
            text: String::new(),
        }),
        status: Some(Status::Cancelled),
        place: Some(RawPlace {
            venue: Some("Hotel Grand Chancellor".to_owned()),
            city: Some("Hobart".to_owned()),
            region: Some("Tasmania".to_owned()),
            ..RawPlace::default()
        }),
        location: Some("Online".to_owned()),
        organizer: Some("ANZCP Education Committee".to_owned()),
        summary: Some("Monthly webinar.".to_owned()),
        ..RawItem::default()
    };
    let item = item(&raw, &context(&source));
    assert_eq!(item.when.start, Some("2024-08-15".parse().unwrap()));
    assert_eq!(
        item.when.start_time,
        chrono::NaiveTime::from_hms_opt(19, 0, 0)
    );
    assert_eq!(item.when.timezone.as_deref(), Some("Australia/Sydney"));
    assert_eq!(item.status, Status::Cancelled);
    assert_eq!(item.place.city.as_deref(), Some("Hobart"));
    assert_eq!(item.place.country_code.as_deref(), Some("AU"));
    assert_eq!(item.mode, Some(perfusion_index::Mode::InPerson));
    assert_eq!(
        item.summary,
        "Monthly webinar.\nOrganiser: ANZCP Education Committee"
    );
}

#[test]
fn a_kind_rule_wins_over_the_formats_kind_and_title_status_words_still_count() {
    let source = ical_source("kind_rules = [{ pattern = \"(?i)meeting\", kind = \"conference\" }]");
    let raw = |title: &str, kind| RawItem {
        title: title.to_owned(),
        kind,
        ..RawItem::default()
    };
    let cx = context(&source);
    assert_eq!(
        item(
            &raw("Annual Scientific Meeting", Some(ItemKind::Course)),
            &cx
        )
        .kind,
        ItemKind::Conference
    );
    assert_eq!(
        item(&raw("Trainee Perfusionist", Some(ItemKind::Job)), &cx).kind,
        ItemKind::Job
    );
    assert_eq!(item(&raw("PIP webinar", None), &cx).kind, ItemKind::Webinar);
    let postponed = item(&raw("-POSTPONED- PIP webinar", None), &cx);
    assert_eq!(
        (postponed.title.as_str(), postponed.status),
        ("PIP webinar", Status::Postponed)
    );
}

#[test]
fn a_deadline_with_a_time_takes_the_sources_timezone() {
    let source = ical_source("");
    let raw = RawItem {
        title: "Trainee Clinical Perfusionist Band 6".to_owned(),
        kind: Some(ItemKind::Job),
        deadlines: vec![Deadline {
            kind: DeadlineKind::Closing,
            date: "2023-06-14".parse().unwrap(),
            time: chrono::NaiveTime::from_hms_opt(23, 59, 59),
            timezone: None,
            label: "Closing date".to_owned(),
        }],
        organizer: Some("Liverpool Heart and Chest Hospital".to_owned()),
        ..RawItem::default()
    };
    let job = item(&raw, &context(&source));
    assert_eq!(job.deadlines.len(), 1);
    assert_eq!(
        job.deadlines[0].timezone.as_deref(),
        Some("Australia/Sydney")
    );
    assert_eq!(job.when, When::default(), "a job has no dates of its own");
    assert_eq!(job.summary, "Employer: Liverpool Heart and Chest Hospital");
}
