//! The iCalendar writer (RFC 5545, with RFC 7986's NAME and
//! REFRESH-INTERVAL): the subscribable calendars people add to Apple
//! Calendar, Google Calendar, Outlook, Thunderbird and ICSx5.
//!
//! A calendar is refreshed for months, so the output is a pure function of
//! the items and the options: no clock is read, DTSTAMP and LAST-MODIFIED
//! come from `Item::modified`, SEQUENCE from `Item::revision`, and UIDs from
//! item ids, so a refresh that changes nothing changes no byte and a client
//! updates an event in place instead of duplicating it.
//!
//! Only what has a real day goes on a calendar: an item known to the day
//! gets one event, and each of its deadlines gets an all-day event of its
//! own. Items known only to the month, season or year, and undated ones
//! (publications), get none rather than a made-up date.
//!
//! Times are written in UTC (or floating, when the item's timezone is
//! unknown), so the calendar needs no VTIMEZONE.

mod duration;
#[cfg(test)]
mod tests;
mod text;

use std::collections::HashSet;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use perfusion_index::{DatePrecision, Deadline, DeadlineKind, Item, Mode, Status};

use duration::format_duration;
pub use duration::parse_duration;
use text::{ContentLines, clean_uri, escape_text, text_list};

/// How a calendar is written.
#[derive(Debug, Clone)]
pub struct CalendarOptions {
    /// NAME and X-WR-CALNAME ("ECMO courses").
    pub name: String,
    /// The domain of UIDs: "<item id>@<uid_domain>".
    pub uid_domain: String,
    /// PRODID, e.g. "-//perfusion//perfusiond 0.1//EN".
    pub prodid: String,
    /// REFRESH-INTERVAL;VALUE=DURATION and X-PUBLISHED-TTL (default 12 hours).
    pub refresh: chrono::Duration,
    /// A VALARM this long before each deadline event; None: no alarms at all.
    pub alarm: Option<chrono::Duration>,
}

/// The calendar of `items`, as the bytes of a text/calendar; charset=utf-8 body.
///
/// Events come in the order of `items`, each item's deadline events right
/// after its own event.
pub fn write(items: &[Item], options: &CalendarOptions) -> String {
    let mut out = ContentLines::default();
    out.property("BEGIN", "VCALENDAR");
    out.property("VERSION", "2.0");
    out.property("PRODID", &escape_text(&options.prodid));
    out.property("CALSCALE", "GREGORIAN");
    out.property("METHOD", "PUBLISH");
    out.property("NAME", &escape_text(&options.name));
    // X-WR-CALNAME and X-PUBLISHED-TTL are the pre-RFC 7986 spellings that
    // Outlook and older Apple and Google clients still read.
    out.property("X-WR-CALNAME", &escape_text(&options.name));
    let refresh = format_duration(options.refresh);
    out.property("REFRESH-INTERVAL;VALUE=DURATION", &refresh);
    out.property("X-PUBLISHED-TTL", &refresh);

    let mut uids = Uids::default();
    for item in items {
        if let Some(event) = item_event(item, options, &mut uids) {
            event.write(&mut out);
        }
        for deadline in &item.deadlines {
            if let Some(event) = deadline_event(item, deadline, options, &mut uids) {
                event.write(&mut out);
            }
        }
    }
    // RFC 5545 asks for at least one component, yet an empty filter still
    // yields a bare VCALENDAR: an invented placeholder event would be a
    // lie on every subscriber's calendar.
    out.property("END", "VCALENDAR");
    out.finish()
}

/// A DTSTART or DTEND value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Moment {
    /// An all-day date: `;VALUE=DATE:YYYYMMDD`.
    Date(NaiveDate),
    /// An instant: `YYYYMMDDTHHMMSSZ`.
    Utc(NaiveDateTime),
    /// A local time in an unknown zone: `YYYYMMDDTHHMMSS`.
    Floating(NaiveDateTime),
}

impl Moment {
    /// The property name with its parameters, and the value; None when the
    /// year cannot be written in RFC 5545's four digits (a misread date).
    fn render(self, name: &str) -> Option<(String, String)> {
        match self {
            Moment::Date(date) => Some((format!("{name};VALUE=DATE"), format_date(date)?)),
            Moment::Utc(t) => Some((name.to_owned(), format!("{}Z", format_date_time(t)?))),
            Moment::Floating(t) => Some((name.to_owned(), format_date_time(t)?)),
        }
    }
}

/// One VEVENT, ready to be written.
#[derive(Debug)]
struct Event {
    uid: String,
    stamp: String,
    sequence: u32,
    start: (String, String),
    end: Option<(String, String)>,
    summary: String,
    description: String,
    location: String,
    url: String,
    categories: Vec<String>,
    status: &'static str,
    alarm: Option<chrono::Duration>,
}

impl Event {
    fn write(&self, out: &mut ContentLines) {
        out.property("BEGIN", "VEVENT");
        out.property("UID", &escape_text(&self.uid));
        out.property("DTSTAMP", &self.stamp);
        out.property("LAST-MODIFIED", &self.stamp);
        out.property("SEQUENCE", &self.sequence.to_string());
        out.property(&self.start.0, &self.start.1);
        if let Some((name, value)) = &self.end {
            out.property(name, value);
        }
        out.property("SUMMARY", &escape_text(&self.summary));
        // Checked after escaping: a value of nothing but control characters
        // escapes to nothing, and an empty property is noise.
        let description = escape_text(&self.description);
        if !description.is_empty() {
            out.property("DESCRIPTION", &description);
        }
        let location = escape_text(&self.location);
        if !location.is_empty() {
            out.property("LOCATION", &location);
        }
        let url = clean_uri(&self.url);
        if !url.is_empty() {
            out.property("URL", &url);
        }
        let categories = text_list(self.categories.iter().map(String::as_str));
        if !categories.is_empty() {
            out.property("CATEGORIES", &categories);
        }
        out.property("STATUS", self.status);
        // Courses and deadlines are things to know about, not time the
        // subscriber is busy: they must not block free/busy lookups.
        out.property("TRANSP", "TRANSPARENT");
        if let Some(before) = self.alarm {
            out.property("BEGIN", "VALARM");
            out.property("ACTION", "DISPLAY");
            out.property("TRIGGER", &format_duration(-before));
            out.property("DESCRIPTION", &escape_text(&self.summary));
            out.property("END", "VALARM");
        }
        out.property("END", "VEVENT");
    }
}

/// The UIDs handed out so far in one calendar.
///
/// Two deadlines of an item can share kind and date (early-bird and late
/// registration both closing the same day), and a client that sees one UID
/// twice keeps only one of the events; the second and later ones get `-2`,
/// `-3` before the `@`. The order of deadlines is the item's, so the suffix
/// is as stable as the item.
#[derive(Debug, Default)]
struct Uids {
    seen: HashSet<String>,
}

impl Uids {
    fn claim(&mut self, local: &str, domain: &str) -> String {
        let mut uid = format!("{local}@{domain}");
        let mut n = 1u32;
        while self.seen.contains(&uid) {
            n += 1;
            uid = format!("{local}-{n}@{domain}");
        }
        self.seen.insert(uid.clone());
        uid
    }
}

/// The item's own event, when its day is known.
fn item_event(item: &Item, options: &CalendarOptions, uids: &mut Uids) -> Option<Event> {
    let when = &item.when;
    if when.precision != DatePrecision::Day {
        return None;
    }
    let start_day = when.start?;
    // A last day before the first is a misreading; the first day is the
    // one fact left standing.
    let end_day = when
        .end
        .filter(|end| *end >= start_day)
        .unwrap_or(start_day);
    let (start, end) = match when.start_time {
        None => (
            Moment::Date(start_day),
            // DTEND of an all-day event is exclusive: the day after the last.
            Some(Moment::Date(end_day.succ_opt()?)),
        ),
        Some(start_time) => {
            let zone = when
                .timezone
                .as_deref()
                .and_then(|name| name.trim().parse::<Tz>().ok());
            let start = local_moment(zone, start_day.and_time(start_time))?;
            // No end time: no DTEND, so the event is the instant it starts;
            // any length we chose would be a claim the source never made.
            let end = when
                .end_time
                .and_then(|end_time| local_moment(zone, end_day.and_time(end_time)))
                // An end at or before the start (an overnight session, a
                // typo) would make the event invalid: leave it out.
                .filter(|end| *end > start);
            (start, end)
        }
    };
    let start = start.render("DTSTART")?;
    let end = match end {
        Some(end) => Some(end.render("DTEND")?),
        None => None,
    };
    Some(Event {
        uid: uids.claim(&item.id, &options.uid_domain),
        stamp: stamp(item),
        sequence: item.revision,
        start,
        end,
        summary: item.title.clone(),
        description: description(&item.summary, item),
        location: location(item),
        url: item.url.clone(),
        categories: vec![item.kind.as_str().to_owned(), item.org.clone()],
        status: match item.status {
            Status::Cancelled | Status::Withdrawn => "CANCELLED",
            Status::Postponed => "TENTATIVE",
            Status::Scheduled | Status::Full | Status::Rescheduled | Status::Closed => "CONFIRMED",
        },
        alarm: None,
    })
}

/// The all-day event of one deadline of `item`.
fn deadline_event(
    item: &Item,
    deadline: &Deadline,
    options: &CalendarOptions,
    uids: &mut Uids,
) -> Option<Event> {
    let start = Moment::Date(deadline.date).render("DTSTART")?;
    let end = Moment::Date(deadline.date.succ_opt()?).render("DTEND")?;
    let date = format_date(deadline.date)?;
    let cancelled = matches!(item.status, Status::Cancelled | Status::Withdrawn);
    let due = match deadline.kind {
        DeadlineKind::Abstract => "Abstract deadline",
        DeadlineKind::Registration => "Registration deadline",
        DeadlineKind::Application => "Application deadline",
        DeadlineKind::Closing => "Closing date",
        DeadlineKind::Other => "Deadline",
    };
    let summary = format!("{due}: {}", item.title);
    // Kept all-day on purpose (a 23:59 Los Angeles deadline is another day
    // in Sydney, and a timed event would shift between days by zone); the
    // time is there to be read.
    let mut head = if blank(&deadline.label) {
        String::new()
    } else {
        deadline.label.trim_end().to_owned()
    };
    if let Some(time) = deadline.time {
        if !head.is_empty() {
            head.push('\n');
        }
        head.push_str(&format!("due {:02}:{:02}", time.hour(), time.minute()));
        if let Some(zone) = deadline
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|z| !blank(z))
        {
            head.push(' ');
            head.push_str(zone);
        }
    }
    Some(Event {
        uid: uids.claim(
            &format!("{}-{}-{date}", item.id, deadline.kind.as_str()),
            &options.uid_domain,
        ),
        stamp: stamp(item),
        sequence: item.revision,
        start,
        end: Some(end),
        summary,
        description: description(&head, item),
        location: String::new(),
        url: item.url.clone(),
        categories: vec!["deadline".to_owned(), item.org.clone()],
        status: if cancelled { "CANCELLED" } else { "CONFIRMED" },
        // No reminder for something called off.
        alarm: options.alarm.filter(|_| !cancelled),
    })
}

/// `text` with every line break as a lone LF, so that text joined with an LF
/// of ours cannot pair with a CR of its own into one CRLF break.
fn line_breaks(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// `head`, a blank line, then one `<org>: <url>` line per source (the blank
/// line only when there is a head). Repeated lines (two feeds of one
/// organisation pointing at the same page) are written once.
fn description(head: &str, item: &Item) -> String {
    let mut lines: Vec<String> = Vec::new();
    for source in &item.sources {
        let org = source.org.trim();
        let url = source.url.trim();
        let (org, url) = (&line_breaks(org), &line_breaks(url));
        let line = match (blank(org), blank(url)) {
            (true, true) => continue,
            (false, true) => org.to_owned(),
            (true, false) => url.to_owned(),
            (false, false) => format!("{org}: {url}"),
        };
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let sources = lines.join("\n");
    let head = &line_breaks(head);
    match (blank(head), sources.is_empty()) {
        (true, _) => sources,
        (false, true) => head.to_owned(),
        (false, false) => format!("{head}\n\n{sources}"),
    }
}

/// The place as one line: the source's own wording when there is one,
/// else the parts that are known; "Online" for a virtual item with no place.
fn location(item: &Item) -> String {
    let place = &item.place;
    if !blank(&place.text) {
        return place.text.clone();
    }
    let parts: Vec<&str> = [
        &place.venue,
        &place.city,
        &place.region,
        &place.country_code,
    ]
    .into_iter()
    .filter_map(|part| part.as_deref().map(str::trim))
    .filter(|part| !part.is_empty())
    .collect();
    if parts.is_empty() && item.mode == Some(Mode::Virtual) {
        return "Online".to_owned();
    }
    parts.join(", ")
}

/// True when `text` would write as nothing visible: only blanks and
/// control characters (which escaping drops).
fn blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c.is_control())
}

/// DTSTAMP and LAST-MODIFIED: when what the calendar shows last changed.
fn stamp(item: &Item) -> String {
    format_utc(item.modified).unwrap_or_else(|| "19700101T000000Z".to_owned())
}

/// A local date and time in `zone` as UTC, or floating when the zone is
/// unknown.
///
/// In an overlap (the hour repeated when clocks go back) the earlier
/// instant is taken; in a gap (the hour skipped when they go forward) the
/// offset from before the gap is used, which moves the time forward by the
/// gap's length: both as RFC 5545 3.3.5 interprets such local times.
fn local_moment(zone: Option<Tz>, local: NaiveDateTime) -> Option<Moment> {
    let Some(zone) = zone else {
        return Some(Moment::Floating(local));
    };
    if let Some(t) = zone.from_local_datetime(&local).earliest() {
        return Some(Moment::Utc(t.naive_utc()));
    }
    // In a gap: walk back to the last valid local time before it, a minute
    // at a time. Gaps are at most a day long (Samoa, 2011).
    let mut probe = local;
    for _ in 0..(2 * 24 * 60) {
        probe = probe.checked_sub_signed(chrono::Duration::minutes(1))?;
        if let Some(before) = zone.from_local_datetime(&probe).earliest() {
            let offset = before.offset().fix().local_minus_utc();
            let utc = local.checked_sub_signed(chrono::Duration::seconds(i64::from(offset)))?;
            return Some(Moment::Utc(utc));
        }
    }
    None
}

/// `YYYYMMDD`, or None outside years 0–9999.
fn format_date(date: NaiveDate) -> Option<String> {
    let year = date.year();
    (0..=9999)
        .contains(&year)
        .then(|| format!("{year:04}{:02}{:02}", date.month(), date.day()))
}

/// `YYYYMMDDTHHMMSS`, to the second (a leap second is written as :59).
fn format_date_time(t: NaiveDateTime) -> Option<String> {
    let time: NaiveTime = t.time();
    Some(format!(
        "{}T{:02}{:02}{:02}",
        format_date(t.date())?,
        time.hour(),
        time.minute(),
        time.second()
    ))
}

/// `YYYYMMDDTHHMMSSZ`.
fn format_utc(t: DateTime<Utc>) -> Option<String> {
    Some(format!("{}Z", format_date_time(t.naive_utc())?))
}
