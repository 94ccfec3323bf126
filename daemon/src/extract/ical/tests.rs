//! Calendars as Google Calendar and The Events Calendar write them: whole
//! days, UTC, TZID and floating times, folds and escapes, and recurring
//! series.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Australia::Sydney;
use url::Url;

use super::*;
use crate::fetch::Validators;

fn calendar(events: &str) -> Fetched {
    let body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nX-WR-TIMEZONE:Australia/Sydney\r\n{events}END:VCALENDAR\r\n"
    );
    Fetched {
        url: Url::parse("https://calendar.google.com/calendar/ical/x/public/basic.ics").unwrap(),
        content_type: Some("text/calendar".to_owned()),
        body: body.into_bytes(),
        page_date: Some("2024-10-15T00:00:00Z".parse().unwrap()),
        validators: Validators::default(),
    }
}

fn read(events: &str) -> Vec<RawItem> {
    extract(&Ical { window_days: 365 }, &calendar(events)).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn when(item: &RawItem) -> (Moment, Option<Moment>) {
    let w = item.when.as_ref().expect("a date");
    (w.start, w.end)
}

#[test]
fn a_whole_day_events_exclusive_end_becomes_its_last_day() {
    let items = read(
        "BEGIN:VEVENT\r\nUID:asm2024@anzcp.org\r\nDTSTART;VALUE=DATE:20241114\r\nDTEND;VALUE=DATE:20241117\r\nSUMMARY:ANZCP Annual Scientific Meeting 2024\r\nLOCATION:Hotel Grand Chancellor\\, Hobart\\, Tasmania\\, Australia\r\nSTATUS:TENTATIVE\r\nEND:VEVENT\r\n",
    );
    assert_eq!(items.len(), 1);
    assert_eq!(
        when(&items[0]),
        (
            Moment::Day(day("2024-11-14")),
            Some(Moment::Day(day("2024-11-16")))
        )
    );
    assert_eq!(
        items[0].location.as_deref(),
        Some("Hotel Grand Chancellor, Hobart, Tasmania, Australia")
    );
    assert_eq!(items[0].guid.as_deref(), Some("asm2024@anzcp.org"));
    assert_eq!(items[0].status, None, "tentative still goes ahead");
}

#[test]
fn utc_tzid_and_floating_times_are_told_apart() {
    let items = read(concat!(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240815T090000Z\r\nDTEND:20240815T100000Z\r\nSUMMARY:UTC\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=\"America/New_York\":20240611T190000\r\nSUMMARY:Zoned\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20240611T190000\r\nDURATION:PT1H30M\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n",
    ));
    assert_eq!(
        when(&items[0]).0,
        Moment::Instant("2024-08-15T09:00:00Z".parse().unwrap())
    );
    assert_eq!(items[0].status, Some(Status::Cancelled));
    assert_eq!(
        when(&items[1]),
        (
            Moment::Local(at("2024-06-11 19:00"), Some(chrono_tz::America::New_York)),
            None
        )
    );
    assert_eq!(
        when(&items[2]),
        (
            Moment::Local(at("2024-06-11 19:00"), Some(Sydney)),
            Some(Moment::Local(at("2024-06-11 20:30"), Some(Sydney)))
        ),
        "a floating time is read in the calendar's X-WR-TIMEZONE"
    );
}

#[test]
fn folds_keep_their_blanks_and_text_is_unescaped() {
    // Folded after "the" with the blank on the continuation line, and
    // inside "Thurs" + "day": RFC 5545 drops exactly one blank.
    let items = read(concat!(
        "BEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20241031\r\nSUMMARY:Perfusion in Practice\\; webinar\r\n",
        "DESCRIPTION:Join us on the\r\n  last Thurs\r\n day of each month\\, 7 pm.\\nRegister at https://anzcp.org/pip/.\\n\\\\o/\r\n",
        "URL:https://anzcp.org/events/pip/\r\nEND:VEVENT\r\n",
    ));
    let item = &items[0];
    assert_eq!(item.title, "Perfusion in Practice; webinar");
    assert_eq!(
        item.summary.as_deref(),
        Some(
            "Join us on the last Thursday of each month, 7 pm.\nRegister at https://anzcp.org/pip/.\n\\o/"
        )
    );
    assert_eq!(item.link.as_deref(), Some("https://anzcp.org/events/pip/"));
}

#[test]
fn without_a_url_the_first_address_of_the_description_is_the_link() {
    let items = read(
        "BEGIN:VEVENT\r\nUID:e\r\nDTSTART;VALUE=DATE:20241031\r\nSUMMARY:PIP\r\nDESCRIPTION:<p>Register at <a href=\"https://anzcp.org/pip\">https://anzcp.org/pip</a>.</p>\r\nEND:VEVENT\r\n",
    );
    assert_eq!(items[0].link.as_deref(), Some("https://anzcp.org/pip"));
    assert_eq!(
        items[0].summary.as_deref(),
        Some("Register at https://anzcp.org/pip.")
    );
}

#[test]
fn a_url_that_is_no_url_gives_way_to_the_description() {
    // Found by the `ical` fuzz target: any value starting "https://" was
    // the item's link, a space in its host or not.
    let items = read(
        "BEGIN:VEVENT\r\nUID:p\r\nDTSTART;VALUE=DATE:20241031\r\nSUMMARY:Paris ECMO course\r\nURL:https://www.ecmo paris.fr/\r\nDESCRIPTION:Old site https://ecmo-paris.fr:80800/\\, now https://www.ecmo-paris.fr/programme\r\nEND:VEVENT\r\n",
    );
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://www.ecmo-paris.fr/programme")
    );
}

#[test]
fn a_monthly_series_gives_each_occurrence_at_its_own_wall_clock() {
    // Last Thursday of the month, 7 pm Sydney time, six times, across the
    // end of summer time (6 April 2025), without 26 December.
    let items = read(concat!(
        "BEGIN:VEVENT\r\nUID:pip-series@anzcp.org\r\n",
        "DTSTART;TZID=Australia/Sydney:20241031T190000\r\nDTEND;TZID=Australia/Sydney:20241031T200000\r\n",
        "RRULE:FREQ=MONTHLY;BYDAY=-1TH;COUNT=7\r\n",
        "EXDATE;TZID=Australia/Sydney:20241226T190000\r\n",
        "SUMMARY:Perfusion in Practice webinar\r\nEND:VEVENT\r\n",
    ));
    let starts: Vec<Moment> = items.iter().map(|i| when(i).0).collect();
    let expected: Vec<Moment> = [
        "2024-10-31 19:00",
        "2024-11-28 19:00",
        "2025-01-30 19:00",
        "2025-02-27 19:00",
        "2025-03-27 19:00",
        "2025-04-24 19:00",
    ]
    .iter()
    .map(|s| Moment::Local(at(s), Some(Sydney)))
    .collect();
    assert_eq!(starts, expected);
    assert_eq!(
        when(&items[5]).1,
        Some(Moment::Local(at("2025-04-24 20:00"), Some(Sydney)))
    );
    let guids: Vec<&str> = items.iter().filter_map(|i| i.guid.as_deref()).collect();
    assert_eq!(guids[0], "pip-series@anzcp.org/20241031T190000");
    let distinct: std::collections::HashSet<&&str> = guids.iter().collect();
    assert_eq!(distinct.len(), 6, "each occurrence has its own identity");
}

#[test]
fn an_endless_series_is_listed_within_the_window_only() {
    // Weekly since 2020 with no end: only the year before the page's date
    // (2024-10-15) and the window after it count.
    let items = extract(
        &Ical { window_days: 30 },
        &calendar(
            "BEGIN:VEVENT\r\nUID:w\r\nDTSTART;VALUE=DATE:20200102\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Journal club\r\nEND:VEVENT\r\n",
        ),
    )
    .unwrap();
    let days: Vec<NaiveDate> = items
        .iter()
        .map(|i| match when(i).0 {
            Moment::Day(d) => d,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(days.first(), Some(&day("2023-10-19")));
    assert_eq!(days.last(), Some(&day("2024-11-14")));
    assert_eq!(days.len(), 57);
}

#[test]
fn a_rule_with_a_non_ascii_weekday_leaves_the_event_once_and_the_rest_read() {
    // Found by the `ical` fuzz target: the rrule crate panicked on "1TÜE",
    // and the panic took every event of the calendar with it.
    let items = read(concat!(
        "BEGIN:VEVENT\r\nUID:r\r\nDTSTART;VALUE=DATE:20241105\r\nRRULE:FREQ=MONTHLY;BYDAY=1TÜE\r\nSUMMARY:Wet lab\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:k\r\nDTSTART;VALUE=DATE:20241112\r\nSUMMARY:Journal club\r\nEND:VEVENT\r\n",
    ));
    let listed: Vec<(String, Moment)> =
        items.iter().map(|i| (i.title.clone(), when(i).0)).collect();
    assert_eq!(
        listed,
        [
            ("Wet lab".to_owned(), Moment::Day(day("2024-11-05"))),
            ("Journal club".to_owned(), Moment::Day(day("2024-11-12"))),
        ]
    );
}

#[test]
fn until_as_a_date_and_a_moved_occurrence() {
    let items = read(concat!(
        "BEGIN:VEVENT\r\nUID:s\r\nDTSTART;VALUE=DATE:20241105\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20241203\r\nSUMMARY:Simulation lab\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;VALUE=DATE:20241119\r\nDTSTART;VALUE=DATE:20241120\r\nSUMMARY:Simulation lab (moved)\r\nEND:VEVENT\r\n",
    ));
    let listed: Vec<(String, Moment)> =
        items.iter().map(|i| (i.title.clone(), when(i).0)).collect();
    assert_eq!(
        listed,
        [
            ("Simulation lab".to_owned(), Moment::Day(day("2024-11-05"))),
            ("Simulation lab".to_owned(), Moment::Day(day("2024-12-03"))),
            (
                "Simulation lab (moved)".to_owned(),
                Moment::Day(day("2024-11-20"))
            ),
        ]
    );
    assert_eq!(items[2].guid.as_deref(), Some("s/20241119"));
}

#[test]
fn something_else_is_not_a_calendar() {
    let mut page = calendar("");
    page.body = b"<html><body>Not found</body></html>".to_vec();
    let err = extract(&Ical { window_days: 365 }, &page).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a readable calendar: the body does not start with BEGIN:VCALENDAR"
    );
}

#[test]
fn unfolding_follows_rfc_5545() {
    assert_eq!(unfold("A:b\r\n c\r\n\td\r\nE:f"), "A:bcd\nE:f\n");
    assert_eq!(unescape(r"a\, b\; c\\d\Ne"), "a, b; c\\d\ne");
}
