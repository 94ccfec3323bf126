//! The iCalendar writer as a round trip, checked by the `ical_write` target
//! and by the test that replays its corpus (`tests/tests/e2e/fuzz_corpus.rs`).
//!
//! The fuzz input is decoded into items (see [`decode`]) whose text is full
//! of what scraped pages hold: line breaks of every kind, commas,
//! semicolons, backslashes, colons, control characters, non-ASCII and long
//! runs that need folding; whose dates come at every precision and at the
//! edges of what RFC 5545 can write; whose times fall in gaps and overlaps
//! of real time zones; with deadlines, statuses and repeated ids. The
//! calendar written for them must keep the physical-line rules (CRLF, at
//! most 75 octets, folds a reader can undo), be the same bytes when written
//! twice, and read back with the `ical` crate (as a calendar app would:
//! unfold per RFC 5545 3.1, split properties, unescape TEXT) into exactly
//! the events the writer's documentation promises, field by field: UIDs
//! from item ids and unique, dates and times, text, place, link,
//! categories, status, sequence, stamps and alarms.
//!
//! The expectations are computed here from the items, independently of the
//! writer's code, from the rules its documentation states.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use perfusion_index::{
    DatePrecision, Deadline, DeadlineKind, Item, ItemKind, Mode, Place, SourceRef, Status, When,
};
use perfusiond::export::ical::{CalendarOptions, parse_duration, write};

/// Checks the writer on the items and options `data` decodes to.
pub fn round_trip(data: &[u8]) {
    let (items, options) = decode(data);
    let ics = write(&items, &options);
    assert_eq!(ics, write(&items, &options), "two writes differ");
    check_physical_lines(&ics);

    let unfolded = ics.replace("\r\n ", "");
    let mut calendars = ical::IcalParser::new(unfolded.as_bytes());
    let calendar = calendars
        .next()
        .expect("a VCALENDAR")
        .unwrap_or_else(|e| panic!("unreadable calendar ({e}):\n{ics}"));
    assert!(calendars.next().is_none(), "one VCALENDAR");

    let text = |props: &[ical::property::Property], name: &str| unescape(&one(props, name));
    assert_eq!(text(&calendar.properties, "NAME"), read_text(&options.name));
    assert_eq!(
        text(&calendar.properties, "X-WR-CALNAME"),
        read_text(&options.name)
    );
    assert_eq!(
        parse_duration(&one(&calendar.properties, "REFRESH-INTERVAL")),
        Some(options.refresh)
    );

    let expected = expected_events(&items, &options);
    assert_eq!(
        calendar.events.len(),
        expected.len(),
        "events written for {items:#?}\n{ics}"
    );
    let mut uids = std::collections::HashSet::new();
    for (event, want) in calendar.events.iter().zip(&expected) {
        let props = &event.properties;
        let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, want.names(), "properties of {want:#?}");

        let uid = one(props, "UID");
        assert!(uids.insert(uid.clone()), "UID {uid} repeated\n{ics}");
        let suffix = uid
            .strip_prefix(&want.uid)
            .and_then(|rest| rest.strip_suffix(&format!("@{}", options.uid_domain)))
            .unwrap_or_else(|| panic!("UID {uid:?} is not {:?}@…", want.uid));
        assert!(
            suffix.is_empty() || suffix.strip_prefix('-').is_some_and(is_count_from_2),
            "UID {uid:?}"
        );
        assert_eq!(one(props, "DTSTAMP"), want.stamp);
        assert_eq!(one(props, "LAST-MODIFIED"), want.stamp);
        assert_eq!(one(props, "SEQUENCE"), want.sequence.to_string());
        check_moment(props, "DTSTART", &want.start);
        if let Some(end) = &want.end {
            check_moment(props, "DTEND", end);
        }
        assert_eq!(text(props, "SUMMARY"), read_text(&want.summary));
        if let Some(description) = &want.description {
            assert_eq!(text(props, "DESCRIPTION"), read_text(description));
        }
        if let Some(location) = &want.location {
            assert_eq!(text(props, "LOCATION"), read_text(location));
        }
        if let Some(url) = &want.url {
            assert_eq!(one(props, "URL"), read_raw(url));
        }
        assert_eq!(categories(&one(props, "CATEGORIES")), want.categories);
        assert_eq!(one(props, "STATUS"), want.status);
        assert_eq!(one(props, "TRANSP"), "TRANSPARENT");
        match want.alarm {
            None => assert!(event.alarms.is_empty()),
            Some(before) => {
                assert_eq!(event.alarms.len(), 1);
                let alarm = &event.alarms[0].properties;
                assert_eq!(one(alarm, "ACTION"), "DISPLAY");
                let trigger = one(alarm, "TRIGGER");
                let back = match trigger.strip_prefix('-') {
                    Some(rest) => parse_duration(rest).map(|d| -d),
                    None => parse_duration(&trigger),
                };
                assert_eq!(back, Some(-before), "TRIGGER {trigger}");
                assert_eq!(text(alarm, "DESCRIPTION"), read_text(&want.summary));
            }
        }
    }
}

// ---------------------------------------------------------------- reading

/// The physical-line rules of RFC 5545 3.1.
fn check_physical_lines(ics: &str) {
    let body = ics.strip_suffix("\r\n").expect("ends with CRLF");
    for (n, line) in body.split("\r\n").enumerate() {
        assert!(!line.contains(['\r', '\n']), "bare CR or LF: {line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        // A fold is CRLF, one space and at least one character.
        assert!(
            line.len() > usize::from(line.starts_with(' ')),
            "line {n} empty"
        );
        assert!(n > 0 || !line.starts_with(' '), "starts with a fold");
    }
}

/// The value of the one property `name`, as the `ical` crate gives it
/// (no value at all reads as empty).
fn one(props: &[ical::property::Property], name: &str) -> String {
    let found: Vec<_> = props.iter().filter(|p| p.name == name).collect();
    assert_eq!(found.len(), 1, "{name} in {props:#?}");
    found[0].value.clone().unwrap_or_default()
}

/// A TEXT value unescaped as RFC 5545 3.3.11 says.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(c @ ('\\' | ';' | ',')) => out.push(c),
                other => panic!("a lone or unknown escape \\{other:?} in {value:?}"),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// What a TEXT value is written as, once unescaped: every line break one
/// `\n`, a tab a space, other control characters gone.
fn written(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}'], "\n")
        .replace('\t', " ")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// A raw value as the `ical` crate returns it. Two quirks of that crate
/// (not of the calendar): it trims whitespace off the end of every line it
/// reads, and it drops every `:` that starts a value.
fn read_raw(value: &str) -> String {
    value.trim_end().trim_start_matches(':').to_owned()
}

/// A TEXT value as read back: [`written`], then the crate's quirks. An
/// escaped line break is not whitespace to the crate, so it survives.
fn read_text(text: &str) -> String {
    let text = written(text);
    text.trim_end_matches(|c: char| c.is_whitespace() && c != '\n')
        .trim_start_matches(':')
        .to_owned()
}

/// A CATEGORIES value split on its unescaped commas, each unescaped.
fn categories(raw: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out
                .last_mut()
                .unwrap()
                .push_str(&unescape(&format!("\\{}", chars.next().unwrap_or(' ')))),
            ',' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn is_count_from_2(n: &str) -> bool {
    n.parse::<u32>().is_ok_and(|n| n >= 2) && !n.starts_with('0')
}

/// A DTSTART or DTEND as the writer should give it.
#[derive(Debug)]
enum Moment {
    /// `;VALUE=DATE:YYYYMMDD`.
    Date(String),
    /// `YYYYMMDDTHHMMSS`, with a `Z` when UTC.
    Time(String),
}

fn check_moment(props: &[ical::property::Property], name: &str, want: &Moment) {
    let found: Vec<_> = props.iter().filter(|p| p.name == name).collect();
    assert_eq!(found.len(), 1, "{name}");
    let date_param = vec![("VALUE".to_owned(), vec!["DATE".to_owned()])];
    let (params, value) = match want {
        Moment::Date(v) => (Some(date_param), v),
        Moment::Time(v) => (None, v),
    };
    assert_eq!(found[0].params, params, "{name}");
    assert_eq!(found[0].value.as_deref(), Some(value.as_str()), "{name}");
}

// ---------------------------------------------------------------- expectations

/// One VEVENT as the writer's documentation describes it.
#[derive(Debug)]
struct Expected {
    uid: String,
    stamp: String,
    sequence: u32,
    start: Moment,
    end: Option<Moment>,
    summary: String,
    description: Option<String>,
    location: Option<String>,
    url: Option<String>,
    categories: Vec<String>,
    status: &'static str,
    alarm: Option<Duration>,
}

impl Expected {
    /// The property names, in the writer's order.
    fn names(&self) -> Vec<&'static str> {
        let mut names = vec!["UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "DTSTART"];
        names.extend(self.end.as_ref().map(|_| "DTEND"));
        names.push("SUMMARY");
        names.extend(self.description.as_ref().map(|_| "DESCRIPTION"));
        names.extend(self.location.as_ref().map(|_| "LOCATION"));
        names.extend(self.url.as_ref().map(|_| "URL"));
        names.extend(["CATEGORIES", "STATUS", "TRANSP"]);
        names
    }
}

fn expected_events(items: &[Item], options: &CalendarOptions) -> Vec<Expected> {
    let mut out = Vec::new();
    for item in items {
        out.extend(item_event(item));
        for deadline in &item.deadlines {
            out.extend(deadline_event(item, deadline, options));
        }
    }
    out
}

/// The text as written, `None` when that is nothing.
fn some_text(text: String) -> Option<String> {
    Some(text).filter(|t| !written(t).is_empty())
}

fn common(item: &Item, uid: String, start: Moment, end: Option<Moment>) -> Expected {
    let uri = uri(&item.url);
    Expected {
        uid,
        stamp: utc(item.modified.naive_utc()).unwrap_or_else(|| "19700101T000000Z".to_owned()),
        sequence: item.revision,
        start,
        end,
        summary: item.title.clone(),
        description: None,
        location: None,
        url: Some(uri).filter(|u| !u.is_empty()),
        categories: Vec::new(),
        status: "CONFIRMED",
        alarm: None,
    }
}

/// An item's own event: only when its day is known and writable.
fn item_event(item: &Item) -> Option<Expected> {
    let when = &item.when;
    let start_day = when
        .start
        .filter(|_| when.precision == DatePrecision::Day)?;
    let end_day = when.end.filter(|e| *e >= start_day).unwrap_or(start_day);
    let (start, end) = match when.start_time {
        None => (
            Moment::Date(date(start_day)?),
            Some(Moment::Date(date(end_day.succ_opt()?)?)),
        ),
        Some(start_time) => {
            let zone = when
                .timezone
                .as_deref()
                .and_then(|z| z.trim().parse::<Tz>().ok());
            let start = instant(zone, start_day.and_time(start_time))?;
            let end = when
                .end_time
                .and_then(|t| instant(zone, end_day.and_time(t)))
                .filter(|end| *end > start);
            let render = |t: NaiveDateTime| {
                let text = date_time(t)?;
                Some(Moment::Time(if zone.is_some() { text + "Z" } else { text }))
            };
            let end = match end {
                Some(end) => Some(render(end)?),
                None => None,
            };
            (render(start)?, end)
        }
    };
    let mut event = common(item, item.id.clone(), start, end);
    event.description = some_text(description(&item.summary, item));
    event.location = some_text(location(item));
    event.categories = category_list(&[item.kind.as_str(), &item.org]);
    event.status = match item.status {
        Status::Cancelled | Status::Withdrawn => "CANCELLED",
        Status::Postponed => "TENTATIVE",
        _ => "CONFIRMED",
    };
    Some(event)
}

/// The all-day event of a deadline.
fn deadline_event(item: &Item, deadline: &Deadline, options: &CalendarOptions) -> Option<Expected> {
    let day = date(deadline.date)?;
    let end = date(deadline.date.succ_opt()?)?;
    let due = match deadline.kind {
        DeadlineKind::Abstract => "Abstract deadline",
        DeadlineKind::Registration => "Registration deadline",
        DeadlineKind::Application => "Application deadline",
        DeadlineKind::Closing => "Closing date",
        DeadlineKind::Other => "Deadline",
    };
    let uid = format!("{}-{}-{day}", item.id, deadline.kind.as_str());
    let mut event = common(item, uid, Moment::Date(day), Some(Moment::Date(end)));
    event.summary = format!("{due}: {}", item.title);
    let mut head: Vec<String> = Vec::new();
    if !blank(&deadline.label) {
        head.push(deadline.label.trim_end().to_owned());
    }
    if let Some(time) = deadline.time {
        let zone = deadline
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|z| !blank(z));
        let at = time.format("due %H:%M").to_string();
        head.push(zone.map_or(at.clone(), |z| format!("{at} {z}")));
    }
    event.description = some_text(description(&head.join("\n"), item));
    event.categories = category_list(&["deadline", &item.org]);
    let cancelled = matches!(item.status, Status::Cancelled | Status::Withdrawn);
    event.status = if cancelled { "CANCELLED" } else { "CONFIRMED" };
    event.alarm = options.alarm.filter(|_| !cancelled);
    Some(event)
}

/// Only blanks and control characters.
fn blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c.is_control())
}

/// `head`, a blank line, and one line per source (`org: url`), each once.
fn description(head: &str, item: &Item) -> String {
    let lf = |t: &str| t.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = Vec::new();
    for source in &item.sources {
        let (org, url) = (lf(source.org.trim()), lf(source.url.trim()));
        let line = match (blank(&org), blank(&url)) {
            (true, true) => continue,
            (false, true) => org,
            (true, false) => url,
            (false, false) => format!("{org}: {url}"),
        };
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let sources = lines.join("\n");
    match (blank(head), sources.is_empty()) {
        (true, _) => sources,
        (false, true) => lf(head),
        (false, false) => format!("{}\n\n{sources}", lf(head)),
    }
}

/// The place's own text, else its known parts, else "Online" when virtual.
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
    .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
    .collect();
    if parts.is_empty() && item.mode == Some(Mode::Virtual) {
        return "Online".to_owned();
    }
    parts.join(", ")
}

/// The categories as read back: blank ones left out.
fn category_list(values: &[&str]) -> Vec<String> {
    let mut list: Vec<String> = values
        .iter()
        .map(|v| written(v))
        .filter(|v| !v.chars().all(|c| c.is_whitespace() && c != '\n'))
        .collect();
    if let Some(last) = list.last_mut() {
        *last = last
            .trim_end_matches(|c: char| c.is_whitespace() && c != '\n')
            .to_owned();
    }
    list
}

/// A URI value: no control characters, trimmed, and whatever a URI cannot
/// hold percent-encoded as UTF-8.
fn uri(url: &str) -> String {
    let kept: String = url.chars().filter(|c| !c.is_control()).collect();
    let mut out = String::new();
    for c in kept.trim().chars() {
        if c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// A local time as the instant the writer gives: in `zone` as UTC (in a
/// gap, with the offset from before the gap; in an overlap, the earlier),
/// else floating.
fn instant(zone: Option<Tz>, local: NaiveDateTime) -> Option<NaiveDateTime> {
    let Some(zone) = zone else {
        return Some(local);
    };
    if let Some(t) = zone.from_local_datetime(&local).earliest() {
        return Some(t.naive_utc());
    }
    // A gap lasts less than a day, and a day earlier the clock is valid.
    let day_before = local.checked_sub_signed(Duration::days(1))?;
    let before = zone.from_local_datetime(&day_before).earliest()?;
    let offset = before.naive_local() - before.naive_utc();
    local.checked_sub_signed(offset)
}

/// `YYYYMMDD` within RFC 5545's four-digit years.
fn date(day: NaiveDate) -> Option<String> {
    (0..=9999)
        .contains(&chrono::Datelike::year(&day))
        .then(|| day.format("%Y%m%d").to_string())
}

fn date_time(t: NaiveDateTime) -> Option<String> {
    let second = chrono::Timelike::second(&t).min(59);
    Some(format!(
        "{}T{}{second:02}",
        date(t.date())?,
        t.format("%H%M")
    ))
}

fn utc(t: NaiveDateTime) -> Option<String> {
    Some(date_time(t)? + "Z")
}

// ---------------------------------------------------------------- decoding

/// The bytes of a fuzz input, read front to back; zeros once used up.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[usize::from(self.byte()) % from.len()]
    }
}

/// What a text token below 0x20 stands for: what scraped text is made of
/// and escaping or folding could get wrong.
const SPECIAL: [&str; 32] = [
    "\r\n",
    "\n",
    "\r",
    ",",
    ";",
    "\\",
    "\t",
    ":",
    "\\n",
    "\\,",
    " ",
    "  ",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{a0}",
    "\u{3000}",
    "\"",
    "END:VEVENT",
    "BEGIN:VALARM",
    "\r\n ",
    "\r\n\t",
    "=",
    "%",
    "https://example.org/a b",
    "é",
    "東京",
    "🫀",
    "\u{feff}",
    "\u{1b}[31m",
];

/// Characters of two, three and four octets, for tokens 0x80 and up.
const WIDE: [&str; 8] = ["é", "ü", "ß", "—", "東", "京", "🫀", "𝄞"];

/// A text of up to `max` tokens: 0x00–0x1F stand for [`SPECIAL`], 0x20–0x7E
/// for themselves, 0x7F repeats the text so far (the next byte says how
/// often, for long lines), 0x80 and up for [`WIDE`].
fn text(bytes: &mut Bytes<'_>, max: u8) -> String {
    let tokens = bytes.byte() % max.max(1);
    let mut out = String::new();
    for _ in 0..tokens {
        match bytes.byte() {
            t @ 0x00..=0x1f => out.push_str(SPECIAL[usize::from(t)]),
            t @ 0x20..=0x7e => out.push(char::from(t)),
            0x7f => {
                let times = usize::from(bytes.byte() % 16);
                if out.len() * times < 4000 {
                    out = out.repeat(times + 1);
                }
            }
            t => out.push_str(WIDE[usize::from(t) % WIDE.len()]),
        }
    }
    out
}

/// A day: mostly around now, sometimes at the edges of four-digit years or
/// of chrono's range; None when the bytes name no real day.
fn day(bytes: &mut Bytes<'_>) -> Option<NaiveDate> {
    let year = match bytes.byte() {
        0xf8..=0xff => {
            [-1, 0, 9999, 10000, -262_143, 262_142, 1, 9998][usize::from(bytes.byte() % 8)]
        }
        y => 1990 + i32::from(y % 80),
    };
    let month = u32::from(bytes.byte() % 13);
    let day = u32::from(bytes.byte() % 32);
    NaiveDate::from_ymd_opt(year, month, day)
}

fn time(bytes: &mut Bytes<'_>) -> Option<NaiveTime> {
    let (h, m) = (u32::from(bytes.byte() % 24), u32::from(bytes.byte() % 60));
    match bytes.byte() % 4 {
        0 => None,
        // A leap second, which RFC 5545 writes as :59.
        1 => NaiveTime::from_hms_milli_opt(h, m, 59, 1500),
        _ => NaiveTime::from_hms_opt(h, m, 0),
    }
}

/// Zones with gaps and overlaps at odd offsets, a skipped day (Apia,
/// 2011-12-30), names with blanks, and names that are no zone.
const ZONES: [&str; 12] = [
    "Europe/Berlin",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Pacific/Apia",
    "UTC",
    " Europe/Paris ",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Not/AZone",
    "",
    "europe/berlin",
];

fn zone(bytes: &mut Bytes<'_>) -> Option<String> {
    let z = bytes.byte();
    (z >= 0x40).then(|| ZONES[usize::from(z) % ZONES.len()].to_owned())
}

fn optional(bytes: &mut Bytes<'_>, max: u8) -> Option<String> {
    bytes.flag().then(|| text(bytes, max))
}

/// Items and calendar options from the bytes: the options first, then
/// items until the bytes run out (at most 12).
pub fn decode(data: &[u8]) -> (Vec<Item>, CalendarOptions) {
    let mut bytes = Bytes(data);
    let options = CalendarOptions {
        name: text(&mut bytes, 40),
        uid_domain: "perfusiond".to_owned(),
        prodid: "-//perfusion//perfusiond fuzz//EN".to_owned(),
        refresh: Duration::minutes(i64::from(bytes.u16())),
        alarm: bytes
            .flag()
            .then(|| Duration::minutes(i64::from(bytes.u16()))),
    };
    let mut items = Vec::new();
    while !bytes.0.is_empty() && items.len() < 12 {
        items.push(item(&mut bytes));
    }
    (items, options)
}

fn item(bytes: &mut Bytes<'_>) -> Item {
    // Ids are hex digests, at times suffixed: a few, so that they repeat.
    let id = ["5f0c1e2d3a4b5c6d", "5f0c1e2d3a4b5c6d-2", "00aa", "0"][usize::from(bytes.byte() % 4)];
    let kind = bytes.pick(&ItemKind::ALL);
    let precision = bytes.pick(&[
        DatePrecision::Day,
        DatePrecision::Day,
        DatePrecision::Day,
        DatePrecision::Month,
        DatePrecision::Season,
        DatePrecision::Year,
        DatePrecision::Unknown,
    ]);
    let when = When {
        start: day(bytes),
        end: if bytes.flag() { day(bytes) } else { None },
        precision,
        start_time: time(bytes),
        end_time: time(bytes),
        timezone: zone(bytes),
        text: String::new(),
    };
    let org = text(bytes, 12);
    let mut sources = Vec::new();
    for _ in 0..bytes.byte() % 4 {
        let (source_org, url) = match bytes.flag() {
            true => (org.clone(), "https://example.org/list".to_owned()),
            false => (text(bytes, 12), text(bytes, 40)),
        };
        sources.push(SourceRef {
            source_id: "fuzz".to_owned(),
            org: source_org,
            url,
            missed: bytes.flag(),
        });
    }
    let mut deadlines = Vec::new();
    for _ in 0..bytes.byte() % 4 {
        deadlines.push(Deadline {
            kind: bytes.pick(&[
                DeadlineKind::Abstract,
                DeadlineKind::Registration,
                DeadlineKind::Application,
                DeadlineKind::Closing,
                DeadlineKind::Other,
            ]),
            date: day(bytes).unwrap_or_default(),
            time: time(bytes),
            timezone: zone(bytes),
            label: text(bytes, 30),
        });
    }
    let seen = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).expect("a valid time");
    let modified = match bytes.byte() {
        0xff => DateTime::<Utc>::MAX_UTC,
        0xfe => DateTime::<Utc>::MIN_UTC,
        m => seen + Duration::days(i64::from(m)),
    };
    Item {
        id: id.to_owned(),
        kind,
        title: text(bytes, 200),
        summary: text(bytes, 250),
        url: text(bytes, 60),
        org,
        sources,
        when,
        place: Place {
            text: text(bytes, 40),
            venue: optional(bytes, 12),
            city: optional(bytes, 12),
            region: optional(bytes, 8),
            country_code: optional(bytes, 3),
        },
        mode: bytes.pick(&[
            None,
            Some(Mode::InPerson),
            Some(Mode::Virtual),
            Some(Mode::Hybrid),
        ]),
        status: bytes.pick(&[
            Status::Scheduled,
            Status::Postponed,
            Status::Cancelled,
            Status::Full,
            Status::Rescheduled,
            Status::Closed,
            Status::Withdrawn,
        ]),
        deadlines,
        posted: None,
        first_seen: seen,
        last_seen: seen,
        modified,
        language: None,
        revision: u32::from(bytes.u16()),
    }
}
