//! iCalendar files (RFC 5545): a Google Calendar's `public/basic.ics`, The
//! Events Calendar's `?ical=1` export.
//!
//! Each VEVENT is an item: SUMMARY is its title, DESCRIPTION its summary,
//! LOCATION its place, URL its link (else the first address in the
//! description), UID its stable identity, STATUS:CANCELLED its status.
//! DTSTART and DTEND are read as a whole day (`VALUE=DATE`; DTEND is then
//! the day after the last, and our end is the last day), as a UTC instant
//! (`...Z`), as a wall-clock time in a TZID, or as a "floating" time, which
//! is read in the calendar's `X-WR-TIMEZONE`, else the source's timezone.
//! A recurring event (RRULE) becomes one item per occurrence, see
//! [`recur`].
//!
//! The file is parsed with the `ical` crate, which neither unescapes TEXT
//! values (`\,` `\;` `\n` `\\`) nor keeps the blank before a fold (it trims
//! every physical line before joining them): so the text is unfolded here
//! first, as RFC 5545 §3.1 says, and values are unescaped after.

mod recur;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{Days, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use ical::parser::ical::component::IcalEvent;
use ical::property::Property;
use perfusion_index::Status;
use regex::Regex;

use super::{ExtractError, Moment, RawItem, RawWhen, text};
use crate::config::Ical;
use crate::fetch::Fetched;

pub(super) fn extract(config: &Ical, fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    let body = String::from_utf8_lossy(&fetched.body);
    let body = body.trim_start_matches('\u{feff}');
    if !body
        .trim_start()
        .get(..15)
        .is_some_and(|head| head.eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err(ExtractError::Calendar(
            "the body does not start with BEGIN:VCALENDAR".to_owned(),
        ));
    }
    let unfolded = unfold(body);
    let page_day = fetched.page_date.unwrap_or_else(Utc::now).date_naive();
    let window = recur::Window {
        // Occurrences up to a year old are still worth listing (a course
        // held monthly); older ones are history.
        from: page_day - Days::new(365),
        to: page_day + Days::new(u64::from(config.window_days)),
    };
    let mut items = Vec::new();
    for calendar in ical::IcalParser::new(unfolded.as_bytes()) {
        let calendar = calendar.map_err(|e| ExtractError::Calendar(e.to_string()))?;
        let calendar_tz = calendar
            .properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case("X-WR-TIMEZONE"))
            .and_then(|p| p.value.as_deref())
            .and_then(|v| v.trim().parse::<Tz>().ok());
        let events: Vec<Event> = calendar
            .events
            .iter()
            .filter_map(|e| Event::read(e, calendar_tz))
            .collect();
        // An occurrence moved or changed is its own VEVENT with the series'
        // UID and a RECURRENCE-ID: the series leaves that occurrence out.
        let moved: HashSet<(String, String)> = events
            .iter()
            .filter_map(|e| Some((e.uid.clone()?, moment_key(e.recurrence_id?))))
            .collect();
        for event in &events {
            match &event.rrule {
                Some(rule) if event.recurrence_id.is_none() => {
                    items.extend(recur::occurrences(event, rule, &window, &moved));
                }
                _ => items.push(event.item(event.start, event.end, event.recurrence_id)),
            }
        }
    }
    Ok(items)
}

/// RFC 5545 §3.1: a line break followed by one space or tab is removed, so
/// "Join us on the\r\n  last Thursday" reads "Join us on the last Thursday".
fn unfold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match line.strip_prefix([' ', '\t']) {
            Some(continued) if !out.is_empty() => out.push_str(continued),
            _ => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(line);
            }
        }
    }
    out.push('\n');
    out
}

/// A TEXT value without its escapes: `\,` `\;` `\\` and `\n` (or `\N`).
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(escaped @ (',' | ';' | '\\' | ':' | '"')) => out.push(escaped),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// One VEVENT, read.
#[derive(Debug, Clone)]
pub(super) struct Event {
    uid: Option<String>,
    title: String,
    description: Option<String>,
    location: Option<String>,
    link: Option<String>,
    status: Option<Status>,
    start: Moment,
    /// For a whole-day event the last day, inclusive.
    end: Option<Moment>,
    rrule: Option<String>,
    exdates: Vec<Moment>,
    rdates: Vec<Moment>,
    recurrence_id: Option<Moment>,
}

impl Event {
    /// The event's properties, or `None` when it has no title or no start
    /// (nothing a person could put in a calendar).
    fn read(event: &IcalEvent, calendar_tz: Option<Tz>) -> Option<Event> {
        let props = &event.properties;
        let one = |name: &str| props.iter().find(|p| p.name.eq_ignore_ascii_case(name));
        let value = |name: &str| one(name).and_then(|p| p.value.as_deref()).map(str::trim);
        let text_value = |name: &str| value(name).map(unescape).filter(|v| !v.trim().is_empty());

        let title = text::one_line(&text_value("SUMMARY")?);
        let start = one("DTSTART").and_then(|p| moment(p, calendar_tz))?;
        let end = match (one("DTEND").and_then(|p| moment(p, calendar_tz)), start) {
            // DTEND of a whole-day event is the day after its last.
            (Some(Moment::Day(end)), Moment::Day(day)) => {
                Some(Moment::Day(end.pred_opt().unwrap_or(end).max(day)))
            }
            (Some(end), _) => Some(end),
            (None, _) => value("DURATION")
                .and_then(crate::export::ical::parse_duration)
                .map(|d| match start {
                    Moment::Day(day) => {
                        let days = u64::try_from(d.num_days()).unwrap_or(0);
                        Moment::Day((day + Days::new(days)).pred_opt().unwrap_or(day).max(day))
                    }
                    Moment::Local(at, tz) => Moment::Local(at + d, tz),
                    Moment::Instant(at) => Moment::Instant(at + d),
                })
                .or(match start {
                    Moment::Day(_) => Some(start),
                    _ => None,
                }),
        };
        let description = text_value("DESCRIPTION").map(|d| {
            // Google Calendar lets people write HTML in descriptions.
            if d.contains('<') && d.contains('>') {
                text::of_html(&d)
            } else {
                text::fold(&d)
            }
        });
        let link = value("URL")
            .map(unescape)
            .filter(|u| is_web_url(u))
            .or_else(|| description.as_deref().and_then(first_address));
        let status = value("STATUS").and_then(|s| match s.to_ascii_uppercase().as_str() {
            "CANCELLED" => Some(Status::Cancelled),
            // TENTATIVE and CONFIRMED are both still going ahead.
            _ => None,
        });
        let dates = |name: &str| -> Vec<Moment> {
            props
                .iter()
                .filter(|p| p.name.eq_ignore_ascii_case(name))
                .flat_map(|p| {
                    p.value
                        .as_deref()
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|v| moment_of(v.trim(), p, calendar_tz))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        Some(Event {
            uid: value("UID").map(unescape).filter(|u| !u.is_empty()),
            title,
            description,
            location: text_value("LOCATION").map(|l| text::one_line(&l)),
            link,
            status,
            start,
            end,
            rrule: value("RRULE").map(str::to_owned),
            exdates: dates("EXDATE"),
            rdates: dates("RDATE"),
            recurrence_id: one("RECURRENCE-ID").and_then(|p| moment(p, calendar_tz)),
        })
    }

    /// The item of this event, or of one of its occurrences (`occurrence`
    /// names it in the guid, so each occurrence has its own identity).
    fn item(&self, start: Moment, end: Option<Moment>, occurrence: Option<Moment>) -> RawItem {
        let guid = match (&self.uid, occurrence) {
            (Some(uid), Some(at)) => Some(format!("{uid}/{}", moment_key(at))),
            (uid, _) => uid.clone(),
        };
        RawItem {
            title: self.title.clone(),
            location: self.location.clone(),
            link: self.link.clone(),
            summary: self.description.clone(),
            guid,
            when: Some(RawWhen {
                start,
                end,
                text: String::new(),
            }),
            status: self.status,
            ..RawItem::default()
        }
    }
}

/// A DTSTART-like property's moment.
fn moment(property: &Property, calendar_tz: Option<Tz>) -> Option<Moment> {
    moment_of(property.value.as_deref()?.trim(), property, calendar_tz)
}

/// A date or date-time value of `property` (whose VALUE and TZID
/// parameters say how to read it).
fn moment_of(value: &str, property: &Property, calendar_tz: Option<Tz>) -> Option<Moment> {
    let param = |name: &str| {
        property
            .params
            .iter()
            .flatten()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first())
            .map(|v| v.trim().trim_matches('"'))
    };
    if param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()))
    {
        return NaiveDate::parse_from_str(value.get(..8)?, "%Y%m%d")
            .ok()
            .map(Moment::Day);
    }
    let utc = value.ends_with(['Z', 'z']);
    let at =
        NaiveDateTime::parse_from_str(value.trim_end_matches(['Z', 'z']), "%Y%m%dT%H%M%S").ok()?;
    if utc {
        return Some(Moment::Instant(at.and_utc()));
    }
    // Some writers (Outlook) put a slash before the zone's name.
    let tz = param("TZID")
        .and_then(|name| name.trim_start_matches('/').parse::<Tz>().ok())
        .or(calendar_tz);
    Some(Moment::Local(at, tz))
}

/// How a moment is named in an occurrence's guid: `20241031`,
/// `20241031T190000`, `20241031T080000Z`.
fn moment_key(moment: Moment) -> String {
    match moment {
        Moment::Day(day) => day.format("%Y%m%d").to_string(),
        Moment::Local(at, _) => at.format("%Y%m%dT%H%M%S").to_string(),
        Moment::Instant(at) => at.format("%Y%m%dT%H%M%SZ").to_string(),
    }
}

/// The first web address in a text: where a Google Calendar description
/// says "Register at https://...".
fn first_address(text: &str) -> Option<String> {
    static ADDRESS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"https?://[^\s<>"']+"#).expect("a valid regex"));
    ADDRESS
        .find_iter(text)
        .map(|m| m.as_str().trim_end_matches(['.', ',', ';', ')', ']']))
        .find(|address| is_web_url(address))
        .map(str::to_owned)
}

/// An absolute http(s) URL that parses: "https://www.ecmo paris.fr/" does
/// not, and would be no link to anyone.
fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}
