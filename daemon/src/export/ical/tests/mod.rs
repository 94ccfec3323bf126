//! Tests of the iCalendar writer: a golden calendar written out by hand, a
//! round trip through an independent parser (the `icalendar` crate), hostile
//! scraped text, the physical-line rules, and stability across refreshes.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use perfusion_index::{
    DatePrecision, Deadline, DeadlineKind, Item, ItemKind, Mode, Place, SourceRef, Status, When,
};
use proptest::prelude::*;

use super::duration::format_duration;
use super::{CalendarOptions, parse_duration, write};

// ---------------------------------------------------------------- helpers

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn source(id: &str, org: &str, url: &str) -> SourceRef {
    SourceRef {
        source_id: id.to_owned(),
        org: org.to_owned(),
        url: url.to_owned(),
        missed: false,
    }
}

/// A plain item: scheduled, no dates, no place, one source.
fn item(id: &str, kind: ItemKind, title: &str) -> Item {
    Item {
        id: id.to_owned(),
        kind,
        title: title.to_owned(),
        summary: String::new(),
        url: "https://example.org/item".to_owned(),
        org: "ELSO".to_owned(),
        sources: vec![source("elso", "ELSO", "https://example.org/list")],
        when: When::default(),
        place: Place::default(),
        mode: None,
        status: Status::Scheduled,
        deadlines: Vec::new(),
        posted: None,
        first_seen: utc("2024-01-01T00:00:00Z"),
        last_seen: utc("2024-01-02T00:00:00Z"),
        modified: utc("2024-01-01T00:00:00Z"),
        language: None,
        revision: 0,
    }
}

fn days(start: NaiveDate, end: Option<NaiveDate>) -> When {
    When {
        start: Some(start),
        end,
        precision: DatePrecision::Day,
        ..When::default()
    }
}

fn deadline(kind: DeadlineKind, on: NaiveDate, label: &str) -> Deadline {
    Deadline {
        kind,
        date: on,
        time: None,
        timezone: None,
        label: label.to_owned(),
    }
}

fn options() -> CalendarOptions {
    CalendarOptions {
        name: "ECMO courses".to_owned(),
        uid_domain: "perfusiond".to_owned(),
        prodid: "-//perfusion//perfusiond 0.1//EN".to_owned(),
        refresh: Duration::hours(12),
        alarm: None,
    }
}

/// One parsed property: name, parameters, value (TEXT values unescaped by
/// the parser).
#[derive(Debug, Clone)]
struct Prop {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

/// One parsed component, owned.
#[derive(Debug, Clone)]
struct Comp {
    name: String,
    props: Vec<Prop>,
    children: Vec<Comp>,
}

impl Comp {
    fn all(&self, name: &str) -> Vec<&Prop> {
        self.props.iter().filter(|p| p.name == name).collect()
    }

    /// The value of the one property `name`; panics when it is absent or
    /// repeated.
    fn one(&self, name: &str) -> &str {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "{name} in {self:#?}");
        &found[0].value
    }

    fn get(&self, name: &str) -> Option<&str> {
        let found = self.all(name);
        assert!(found.len() <= 1, "{name} repeated in {self:#?}");
        found.first().map(|p| p.value.as_str())
    }
}

fn own(component: &icalendar::parser::Component<'_>) -> Comp {
    Comp {
        name: component.name.as_str().to_owned(),
        props: component
            .properties
            .iter()
            .map(|p| Prop {
                name: p.name.as_str().to_owned(),
                params: p
                    .params
                    .iter()
                    .map(|param| {
                        (
                            param.key.as_str().to_owned(),
                            param
                                .val
                                .as_ref()
                                .map(|v| v.as_str().to_owned())
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
                value: p.val.as_str().to_owned(),
            })
            .collect(),
        children: component.components.iter().map(own).collect(),
    }
}

/// The calendar as the `icalendar` crate reads it: its own properties and
/// its components.
fn parse(ics: &str) -> Comp {
    let unfolded = icalendar::parser::unfold(ics);
    let components = icalendar::parser::read_calendar_simple(&unfolded)
        .unwrap_or_else(|e| panic!("unparsable calendar: {e:?}\n{ics}"));
    assert_eq!(components.len(), 1, "one VCALENDAR");
    let calendar = own(&components[0]);
    assert_eq!(calendar.name, "VCALENDAR");
    calendar
}

fn events(calendar: &Comp) -> Vec<&Comp> {
    calendar
        .children
        .iter()
        .inspect(|c| assert_eq!(c.name, "VEVENT"))
        .collect()
}

/// A CATEGORIES value split on unescaped commas and unescaped (the parser
/// leaves text lists raw).
fn categories(raw: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => out.last_mut().unwrap().push('\n'),
                Some(other) => out.last_mut().unwrap().push(other),
                None => {}
            },
            ',' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// The physical-line rules of RFC 5545 3.1: CRLF after every line, no other
/// CR or LF, at most 75 octets a line, a continuation starting with one
/// space, and the unfolded lines all `NAME...:value` content lines.
fn assert_physical_lines(ics: &str) {
    assert!(ics.ends_with("\r\n"), "ends with CRLF");
    let body = &ics[..ics.len() - 2];
    for (n, line) in body.split("\r\n").enumerate() {
        assert!(
            !line.contains('\r') && !line.contains('\n'),
            "bare CR or LF in line {n}: {line:?}"
        );
        assert!(
            line.len() <= 75,
            "line {n} has {} octets: {line:?}",
            line.len()
        );
        assert!(!line.is_empty(), "empty line {n}");
        // A continuation starts with the one space of the fold (the text
        // itself may go on with a space); the first line cannot.
        if n == 0 {
            assert!(!line.starts_with(' '));
        }
    }
    for line in logical_lines(ics) {
        let name_end = line
            .find([':', ';'])
            .unwrap_or_else(|| panic!("no ':' in {line:?}"));
        let name = &line[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
            "bad property name {name:?} in {line:?}"
        );
    }
}

/// The content lines, unfolded by hand (independently of the parser).
fn logical_lines(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for physical in ics.split("\r\n").filter(|l| !l.is_empty()) {
        match physical.strip_prefix(' ') {
            Some(rest) => lines.last_mut().unwrap().push_str(rest),
            None => lines.push(physical.to_owned()),
        }
    }
    lines
}

/// What a TEXT value should read back as: line breaks made `\n`, tabs made
/// spaces, control characters gone. Written independently of the escaper.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}'], "\n")
        .replace('\t', " ")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

mod events;
mod golden;
mod hostile;
