//! Dates, deadlines, statuses, places and the calendar's own properties.

use super::golden::{golden_items, golden_options};
use super::*;

#[test]
fn all_day_event_of_three_days_ends_the_day_after() {
    let mut it = item("x", ItemKind::Course, "Three days");
    it.when = days(date(2024, 9, 23), Some(date(2024, 9, 25)));
    let ics = write(&[it], &options());
    assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20240923\r\n"));
    assert!(ics.contains("\r\nDTEND;VALUE=DATE:20240926\r\n"));
    // One day, no end given: ends the next day. Across a year end too.
    let mut it = item("y", ItemKind::Course, "One day");
    it.when = days(date(2024, 12, 31), None);
    let ics = write(&[it], &options());
    assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20241231\r\n"));
    assert!(ics.contains("\r\nDTEND;VALUE=DATE:20250101\r\n"));
}

fn timed(start: NaiveDate, from: NaiveTime, to: Option<NaiveTime>, zone: Option<&str>) -> Item {
    let mut it = item("t", ItemKind::Webinar, "Timed");
    it.when = When {
        start: Some(start),
        end: None,
        precision: DatePrecision::Day,
        start_time: Some(from),
        end_time: to,
        timezone: zone.map(str::to_owned),
        text: String::new(),
    };
    it
}

fn start_and_end(it: &Item) -> (String, Option<String>) {
    let calendar = parse(&write(std::slice::from_ref(it), &options()));
    let e = events(&calendar)[0];
    (
        e.one("DTSTART").to_owned(),
        e.get("DTEND").map(str::to_owned),
    )
}

#[test]
fn timed_events_are_written_in_utc() {
    // New York in summer is UTC-4.
    let it = timed(
        date(2024, 7, 4),
        time(11, 0),
        Some(time(12, 30)),
        Some("America/New_York"),
    );
    assert_eq!(
        start_and_end(&it),
        (
            "20240704T150000Z".to_owned(),
            Some("20240704T163000Z".to_owned())
        )
    );
    // Crossing midnight in UTC moves the date: 08:00 in Sydney in winter
    // (UTC+10) is 22:00 the day before.
    let it = timed(date(2024, 7, 4), time(8, 0), None, Some("Australia/Sydney"));
    assert_eq!(start_and_end(&it), ("20240703T220000Z".to_owned(), None));
}

#[test]
fn no_end_time_means_no_dtend() {
    let it = timed(date(2024, 7, 4), time(11, 0), None, Some("Europe/London"));
    let ics = write(&[it], &options());
    assert!(ics.contains("\r\nDTSTART:20240704T100000Z\r\n"));
    assert!(!ics.contains("DTEND"));
    assert!(!ics.contains("\r\nDURATION"));
}

#[test]
fn an_end_before_the_start_is_left_out() {
    let it = timed(
        date(2024, 7, 4),
        time(19, 0),
        Some(time(1, 0)),
        Some("Europe/London"),
    );
    assert_eq!(start_and_end(&it), ("20240704T180000Z".to_owned(), None));
}

#[test]
fn a_multi_day_timed_event_ends_on_its_last_day() {
    let mut it = timed(
        date(2024, 7, 4),
        time(9, 0),
        Some(time(17, 0)),
        Some("Europe/Berlin"),
    );
    it.when.end = Some(date(2024, 7, 6));
    assert_eq!(
        start_and_end(&it),
        (
            "20240704T070000Z".to_owned(),
            Some("20240706T150000Z".to_owned())
        )
    );
}

#[test]
fn unknown_or_missing_zone_gives_floating_time() {
    for zone in [None, Some("Mars/Olympus_Mons"), Some("")] {
        let it = timed(date(2024, 7, 4), time(19, 0), Some(time(20, 0)), zone);
        let ics = write(&[it], &options());
        assert!(ics.contains("\r\nDTSTART:20240704T190000\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTEND:20240704T200000\r\n"), "{ics}");
    }
}

#[test]
fn daylight_saving_gaps_and_overlaps_do_not_panic() {
    // 02:30 on 10 March 2024 does not exist in New York (02:00 EST jumps to
    // 03:00 EDT): read with the offset before the gap, -5, it is 07:30Z,
    // which is 03:30 EDT.
    let it = timed(
        date(2024, 3, 10),
        time(2, 30),
        None,
        Some("America/New_York"),
    );
    assert_eq!(start_and_end(&it).0, "20240310T073000Z");
    // 01:30 on 3 November 2024 happens twice: the first, EDT (-4), is 05:30Z.
    let it = timed(
        date(2024, 11, 3),
        time(1, 30),
        None,
        Some("America/New_York"),
    );
    assert_eq!(start_and_end(&it).0, "20241103T053000Z");
    // Samoa skipped the whole of 30 December 2011 (UTC-10 to UTC+14).
    let it = timed(date(2011, 12, 30), time(12, 0), None, Some("Pacific/Apia"));
    assert_eq!(start_and_end(&it).0, "20111230T220000Z");
}

#[test]
fn dates_that_are_not_days_make_no_event() {
    for precision in [
        DatePrecision::Month,
        DatePrecision::Season,
        DatePrecision::Year,
        DatePrecision::Unknown,
    ] {
        let mut it = item("x", ItemKind::Conference, "Sometime in 2026");
        it.when = When {
            start: Some(date(2026, 1, 1)),
            end: Some(date(2026, 12, 31)),
            precision,
            ..When::default()
        };
        let ics = write(&[it], &options());
        assert!(!ics.contains("VEVENT"), "{precision:?}: {ics}");
    }
    // A day precision without a start is no date either.
    let mut it = item("x", ItemKind::Publication, "A report");
    it.when.precision = DatePrecision::Day;
    let ics = write(&[it], &options());
    assert!(!ics.contains("VEVENT"));
    // A publication with nothing at all.
    let ics = write(
        &[item("p", ItemKind::Publication, "Newsletter")],
        &options(),
    );
    assert!(!ics.contains("VEVENT"));
    assert_physical_lines(&ics);
    assert!(parse(&ics).children.is_empty());
}

#[test]
fn a_deadline_is_an_event_even_without_dates_of_its_own() {
    let mut it = item(
        "job-1",
        ItemKind::Job,
        "Trainee Clinical Perfusionist Band 6",
    );
    it.org = "NHS".to_owned();
    it.when.precision = DatePrecision::Month;
    it.deadlines = vec![deadline(
        DeadlineKind::Closing,
        date(2024, 4, 14),
        "Closing date",
    )];
    let calendar = parse(&write(&[it], &options()));
    let events = events(&calendar);
    assert_eq!(events.len(), 1);
    let e = events[0];
    assert_eq!(e.one("UID"), "job-1-closing-20240414@perfusiond");
    assert_eq!(
        e.one("SUMMARY"),
        "Closing date: Trainee Clinical Perfusionist Band 6"
    );
    assert_eq!(categories(e.one("CATEGORIES")), ["deadline", "NHS"]);
    assert_eq!(e.one("STATUS"), "CONFIRMED");
    assert_eq!(e.one("TRANSP"), "TRANSPARENT");
}

#[test]
fn deadline_summaries_name_what_is_due() {
    let mut it = item("c", ItemKind::Conference, "ELSO 32nd Annual Meeting");
    it.deadlines = vec![
        deadline(DeadlineKind::Abstract, date(2021, 5, 1), ""),
        deadline(DeadlineKind::Registration, date(2021, 6, 1), ""),
        deadline(DeadlineKind::Application, date(2021, 7, 1), ""),
        deadline(DeadlineKind::Closing, date(2021, 8, 1), ""),
        deadline(DeadlineKind::Other, date(2021, 9, 1), ""),
    ];
    let calendar = parse(&write(&[it], &options()));
    let summaries: Vec<&str> = events(&calendar).iter().map(|e| e.one("SUMMARY")).collect();
    assert_eq!(
        summaries,
        [
            "Abstract deadline: ELSO 32nd Annual Meeting",
            "Registration deadline: ELSO 32nd Annual Meeting",
            "Application deadline: ELSO 32nd Annual Meeting",
            "Closing date: ELSO 32nd Annual Meeting",
            "Deadline: ELSO 32nd Annual Meeting",
        ]
    );
}

#[test]
fn statuses_map_to_rfc_5545() {
    for (status, item_status, deadline_status) in [
        (Status::Scheduled, "CONFIRMED", "CONFIRMED"),
        (Status::Full, "CONFIRMED", "CONFIRMED"),
        (Status::Closed, "CONFIRMED", "CONFIRMED"),
        (Status::Rescheduled, "CONFIRMED", "CONFIRMED"),
        (Status::Postponed, "TENTATIVE", "CONFIRMED"),
        (Status::Cancelled, "CANCELLED", "CANCELLED"),
        (Status::Withdrawn, "CANCELLED", "CANCELLED"),
    ] {
        let mut it = item("x", ItemKind::Course, "Course");
        it.status = status;
        it.when = days(date(2024, 5, 1), None);
        it.deadlines = vec![deadline(DeadlineKind::Registration, date(2024, 4, 1), "")];
        let calendar = parse(&write(&[it], &options()));
        let events = events(&calendar);
        assert_eq!(events[0].one("STATUS"), item_status, "{status:?}");
        assert_eq!(events[1].one("STATUS"), deadline_status, "{status:?}");
    }
}

#[test]
fn location_falls_back_to_parts_and_to_online() {
    let mut it = item("x", ItemKind::Course, "Course");
    it.when = days(date(2024, 5, 1), None);
    it.place = Place {
        venue: Some("Hilton".to_owned()),
        city: Some("Chicago".to_owned()),
        region: Some("IL".to_owned()),
        country_code: Some("US".to_owned()),
        text: " ".to_owned(),
    };
    let calendar = parse(&write(std::slice::from_ref(&it), &options()));
    assert_eq!(
        events(&calendar)[0].one("LOCATION"),
        "Hilton, Chicago, IL, US"
    );

    it.place = Place::default();
    let calendar = parse(&write(std::slice::from_ref(&it), &options()));
    assert_eq!(events(&calendar)[0].get("LOCATION"), None);

    it.mode = Some(Mode::Virtual);
    let calendar = parse(&write(std::slice::from_ref(&it), &options()));
    assert_eq!(events(&calendar)[0].one("LOCATION"), "Online");

    it.mode = Some(Mode::Hybrid);
    let calendar = parse(&write(std::slice::from_ref(&it), &options()));
    assert_eq!(events(&calendar)[0].get("LOCATION"), None);
}

#[test]
fn description_without_summary_has_no_blank_line() {
    let mut it = item("x", ItemKind::Course, "Course");
    it.when = days(date(2024, 5, 1), None);
    it.sources
        .push(source("amsect", "AmSECT", "https://amsect.org/"));
    let calendar = parse(&write(std::slice::from_ref(&it), &options()));
    assert_eq!(
        events(&calendar)[0].one("DESCRIPTION"),
        "ELSO: https://example.org/list\nAmSECT: https://amsect.org/"
    );
    it.sources.clear();
    let calendar = parse(&write(std::slice::from_ref(&it), &options()));
    assert_eq!(events(&calendar)[0].get("DESCRIPTION"), None);
    it.summary = "Only a summary".to_owned();
    let calendar = parse(&write(&[it], &options()));
    assert_eq!(events(&calendar)[0].one("DESCRIPTION"), "Only a summary");
}

#[test]
fn deadline_time_without_zone_is_still_told() {
    let mut it = item("g", ItemKind::Grant, "Grant");
    it.deadlines = vec![Deadline {
        time: Some(time(17, 0)),
        ..deadline(DeadlineKind::Application, date(2024, 1, 15), "")
    }];
    let calendar = parse(&write(&[it], &options()));
    let e = events(&calendar)[0];
    assert_eq!(
        e.one("DESCRIPTION"),
        "due 17:00\n\nELSO: https://example.org/list"
    );
    assert_eq!(e.one("DTSTART"), "20240115");
}

#[test]
fn calendar_header_follows_the_options() {
    let options = CalendarOptions {
        refresh: Duration::hours(30),
        ..options()
    };
    let ics = write(&[], &options);
    assert_eq!(
        ics,
        "BEGIN:VCALENDAR\r\n\
         VERSION:2.0\r\n\
         PRODID:-//perfusion//perfusiond 0.1//EN\r\n\
         CALSCALE:GREGORIAN\r\n\
         METHOD:PUBLISH\r\n\
         NAME:ECMO courses\r\n\
         X-WR-CALNAME:ECMO courses\r\n\
         REFRESH-INTERVAL;VALUE=DURATION:P1DT6H\r\n\
         X-PUBLISHED-TTL:P1DT6H\r\n\
         END:VCALENDAR\r\n"
    );
}

#[test]
fn no_alarm_option_means_no_alarm_anywhere() {
    let items = golden_items();
    let ics = write(&items, &options());
    assert!(!ics.contains("VALARM"));
    assert!(!ics.contains("TRIGGER"));
    // With the option, only the live deadline events have one.
    let ics = write(&items, &golden_options());
    assert_eq!(ics.matches("BEGIN:VALARM").count(), 2);
}

#[test]
fn uids_are_unique_within_a_calendar() {
    let mut a = item("a", ItemKind::Conference, "A");
    a.when = days(date(2024, 5, 1), None);
    // Early-bird and late registration closing the same day.
    a.deadlines = vec![
        deadline(DeadlineKind::Registration, date(2024, 4, 1), "Early bird"),
        deadline(DeadlineKind::Registration, date(2024, 4, 1), "Late"),
        deadline(DeadlineKind::Abstract, date(2024, 4, 1), "Abstracts"),
    ];
    // The same item twice (never from the index, but cheap to survive).
    let items = vec![a.clone(), a];
    let mut all = golden_items();
    all.extend(items);
    let calendar = parse(&write(&all, &options()));
    let uids: Vec<&str> = events(&calendar).iter().map(|e| e.one("UID")).collect();
    let unique: std::collections::HashSet<&str> = uids.iter().copied().collect();
    assert_eq!(uids.len(), 6 + 8);
    assert_eq!(unique.len(), uids.len(), "{uids:#?}");
    assert!(uids.contains(&"a-registration-20240401@perfusiond"));
    assert!(uids.contains(&"a-registration-20240401-2@perfusiond"));
}

#[test]
fn output_is_deterministic() {
    let items = golden_items();
    assert_eq!(
        write(&items, &golden_options()),
        write(&items, &golden_options())
    );
    let mut touched = items.clone();
    // Seeing an item again changes last_seen, which a calendar must ignore.
    for it in &mut touched {
        it.last_seen = utc("2030-01-01T00:00:00Z");
    }
    assert_eq!(
        write(&items, &golden_options()),
        write(&touched, &golden_options())
    );
}

#[test]
fn a_new_date_with_a_new_revision_raises_sequence() {
    let mut before = item("moved", ItemKind::Course, "Moved course");
    before.when = days(date(2024, 5, 1), None);
    before.revision = 1;
    before.modified = utc("2024-01-01T00:00:00Z");
    let mut after = before.clone();
    after.when = days(date(2024, 6, 1), Some(date(2024, 6, 2)));
    after.revision = 2;
    after.modified = utc("2024-02-01T00:00:00Z");

    let old = parse(&write(&[before], &options()));
    let new = parse(&write(&[after], &options()));
    let (old, new) = (events(&old)[0], events(&new)[0]);
    assert_eq!(old.one("UID"), new.one("UID"));
    let seq = |e: &Comp| e.one("SEQUENCE").parse::<u32>().unwrap();
    assert!(seq(new) > seq(old));
    assert_eq!(new.one("DTSTART"), "20240601");
    assert_eq!(new.one("DTEND"), "20240603");
    assert_eq!(new.one("DTSTAMP"), "20240201T000000Z");
    assert_eq!(new.one("LAST-MODIFIED"), "20240201T000000Z");
    assert!(new.one("DTSTAMP") > old.one("DTSTAMP"));
}

#[test]
fn dates_beyond_four_digit_years_are_skipped_not_garbled() {
    let mut it = item("far", ItemKind::Course, "Misread");
    it.when = days(NaiveDate::from_ymd_opt(20240, 1, 1).unwrap(), None);
    it.deadlines = vec![deadline(
        DeadlineKind::Other,
        NaiveDate::from_ymd_opt(-5, 1, 1).unwrap(),
        "",
    )];
    let ics = write(&[it], &options());
    assert!(!ics.contains("VEVENT"));
}

// ---------------------------------------------------------------- durations

#[test]
fn parses_iso_8601_durations() {
    assert_eq!(parse_duration("P7D"), Some(Duration::days(7)));
    assert_eq!(parse_duration("PT12H"), Some(Duration::hours(12)));
    assert_eq!(parse_duration("P1W"), Some(Duration::weeks(1)));
    assert_eq!(
        parse_duration("P1DT2H30M"),
        Some(Duration::days(1) + Duration::hours(2) + Duration::minutes(30))
    );
    assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
    assert_eq!(parse_duration("PT0S"), Some(Duration::zero()));
    assert_eq!(parse_duration("PT15M"), Some(Duration::minutes(15)));
    assert_eq!(parse_duration("PT90S"), Some(Duration::seconds(90)));
    assert_eq!(parse_duration(" P2W "), Some(Duration::weeks(2)));
}

#[test]
fn rejects_malformed_durations() {
    for bad in [
        "7 days",
        "P",
        "-P7D",
        "",
        "PT",
        "P1DT",
        "P7",
        "PD",
        "P1H",
        "PT1D",
        "P1D1W",
        "PT1M1H",
        "P1D1D",
        "P1M",
        "P1Y",
        "PT1.5H",
        "p7d",
        "P7D ago",
        "+P7D",
        "P-1D",
        "P99999999999999999999D",
        "P9999999999999W",
    ] {
        assert_eq!(parse_duration(bad), None, "{bad:?}");
    }
}

#[test]
fn formats_rfc_5545_durations() {
    assert_eq!(format_duration(Duration::days(7)), "P7D");
    assert_eq!(format_duration(Duration::hours(12)), "PT12H");
    assert_eq!(format_duration(Duration::hours(30)), "P1DT6H");
    assert_eq!(format_duration(-Duration::days(7)), "-P7D");
    assert_eq!(format_duration(Duration::zero()), "PT0S");
    assert_eq!(format_duration(Duration::seconds(3605)), "PT1H0M5S");
    assert_eq!(format_duration(Duration::minutes(90)), "PT1H30M");
    assert_eq!(format_duration(Duration::seconds(86_401)), "P1DT1S");
    for text in ["P7D", "PT12H", "P1DT6H", "PT1H0M5S", "PT0S"] {
        assert_eq!(
            format_duration(parse_duration(text).unwrap()),
            text,
            "round trip"
        );
    }
}

#[test]
fn a_trailing_cr_does_not_swallow_the_blank_line() {
    // Found by the proptest: a summary ending in CR, joined to the sources
    // by our LF, must not make one CRLF break of the two.
    let mut it = item("x", ItemKind::Course, "t");
    it.when = days(date(2024, 5, 1), None);
    it.summary = "A\r".to_owned();
    let ics = write(&[it], &options());
    assert!(
        ics.contains("\r\nDESCRIPTION:A\\n\\n\\nELSO: https://example.org/list\r\n"),
        "{ics}"
    );
}
