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

fn source(kind_rules: &str) -> SourceConfig {
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
    let source = source("");
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
    let source = source("kind_rules = [{ pattern = \"(?i)meeting\", kind = \"conference\" }]");
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
    let source = source("");
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
