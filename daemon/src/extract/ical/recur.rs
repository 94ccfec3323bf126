//! Recurring events: an RRULE expanded into its occurrences, each its own
//! item, within a window around the page's date.
//!
//! The `rrule` crate does the expansion (FREQ, INTERVAL, COUNT, BYDAY with
//! ordinals such as `-1TH`, BYMONTHDAY, BYSETPOS, ...) in the event's own
//! timezone, so a 7 pm webinar stays at 7 pm across a change to summer
//! time. Two things are done here instead: UNTIL is read here, because
//! the crate wants it in UTC while calendars also write it as a date or a
//! local time; and EXDATEs and moved occurrences (RECURRENCE-ID) are left
//! out here, matched by day for whole-day values, because writers are not
//! consistent about the value type.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::{Event, moment_key};
use crate::extract::{Moment, RawItem};

/// The most occurrences one recurring event gives, whatever its rule
/// says: a daily rule without an end must not flood the index.
pub(super) const MAX_OCCURRENCES: u16 = 200;

/// The days whose occurrences are listed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

/// How long an occurrence lasts, in the terms its start is in.
#[derive(Debug, Clone, Copy)]
enum Span {
    /// Whole days after the first (0 for a one-day event).
    Days(u64),
    /// Wall-clock time, kept across a change of UTC offset.
    Wall(Duration),
    /// Exact time, for UTC instants.
    Exact(Duration),
}

/// The items of a recurring event's occurrences within `window`, at most
/// [`MAX_OCCURRENCES`], leaving out EXDATEs and the occurrences `moved` to
/// an event of their own. A rule that cannot be read gives the event once,
/// at its start.
pub(super) fn occurrences(
    event: &Event,
    rule: &str,
    window: &Window,
    moved: &HashSet<(String, String)>,
) -> Vec<RawItem> {
    let starts = match expand(event, rule, window) {
        Ok(starts) => starts,
        Err(e) => {
            tracing::debug!(event = %event.title, rule, error = %e, "recurrence not expanded");
            return vec![event.item(event.start, event.end, None)];
        }
    };
    let span = span_of(event.start, event.end);
    let mut starts: Vec<Moment> = starts
        .into_iter()
        .chain(event.rdates.iter().copied().filter(|m| within(*m, window)))
        .filter(|m| !event.exdates.iter().any(|ex| same_occurrence(*ex, *m)))
        .filter(|m| match &event.uid {
            Some(uid) => !moved.contains(&(uid.clone(), moment_key(*m))),
            None => true,
        })
        .collect();
    starts.sort_by_key(|m| moment_key(*m));
    starts.dedup_by_key(|m| moment_key(*m));
    starts.truncate(usize::from(MAX_OCCURRENCES));
    starts
        .into_iter()
        .map(|start| event.item(start, end_of(start, span), Some(start)))
        .collect()
}

/// The occurrences' starts the rule gives within the window.
fn expand(event: &Event, rule: &str, window: &Window) -> Result<Vec<Moment>, String> {
    // Whole days and floating times are expanded as if in UTC: their
    // wall clock is what counts, and UTC has no summer time to shift it.
    let (at, zone): (NaiveDateTime, rrule::Tz) = match event.start {
        Moment::Day(day) => (day.and_time(NaiveTime::MIN), rrule::Tz::UTC),
        Moment::Local(at, Some(tz)) => (at, rrule::Tz::Tz(tz)),
        Moment::Local(at, None) => (at, rrule::Tz::UTC),
        Moment::Instant(at) => (at.naive_utc(), rrule::Tz::UTC),
    };
    let start = zone
        .from_local_datetime(&at)
        .earliest()
        .ok_or("the start does not exist in its timezone")?;
    // RFC 5545's recur grammar is ASCII only. The rrule crate slices a
    // BYDAY value two bytes from its end, and panics when that falls inside
    // a character ("BYDAY=1TÜE"): such a rule is malformed, so read as one.
    if !rule.is_ascii() {
        return Err("the rule is not ASCII".to_owned());
    }
    let (rule, until) = split_until(rule);
    let mut parsed: rrule::RRule<rrule::Unvalidated> =
        rule.parse().map_err(|e: rrule::RRuleError| e.to_string())?;
    if let Some(until) = until {
        let until = read_until(until, zone).ok_or("UNTIL is not a date")?;
        parsed = parsed.until(until.with_timezone(&rrule::Tz::UTC));
    }
    let set = parsed.build(start).map_err(|e| e.to_string())?;
    let bound = |day: NaiveDate| {
        zone.from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .unwrap_or_else(|| rrule::Tz::UTC.from_utc_datetime(&day.and_time(NaiveTime::MIN)))
    };
    let to = window.to.succ_opt().unwrap_or(window.to);
    let found = set
        .after(bound(window.from))
        .before(bound(to))
        .all(MAX_OCCURRENCES);
    Ok(found
        .dates
        .into_iter()
        .map(|at| match event.start {
            Moment::Day(_) => Moment::Day(at.date_naive()),
            Moment::Local(_, tz) => Moment::Local(at.naive_local(), tz),
            Moment::Instant(_) => Moment::Instant(at.with_timezone(&Utc)),
        })
        .collect())
}

/// The rule without its UNTIL part, and the UNTIL value.
fn split_until(rule: &str) -> (String, Option<&str>) {
    let mut until = None;
    let rest: Vec<&str> = rule
        .trim()
        .trim_start_matches("RRULE:")
        .split(';')
        .filter(|part| match part.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                until = Some(value.trim());
                false
            }
            _ => !part.trim().is_empty(),
        })
        .collect();
    (rest.join(";"), until)
}

/// UNTIL as an instant: a UTC time as is; a date as the end of that day,
/// and a local time as that time, in the event's timezone.
fn read_until(value: &str, zone: rrule::Tz) -> Option<DateTime<rrule::Tz>> {
    if value.len() == 8 {
        let day = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
        let end = day.and_hms_opt(23, 59, 59)?;
        return zone.from_local_datetime(&end).earliest();
    }
    let at =
        NaiveDateTime::parse_from_str(value.trim_end_matches(['Z', 'z']), "%Y%m%dT%H%M%S").ok()?;
    if value.ends_with(['Z', 'z']) {
        // A whole-day or floating series is expanded as UTC wall clock,
        // so its UTC UNTIL is read on that same clock.
        return Some(rrule::Tz::UTC.from_utc_datetime(&at));
    }
    zone.from_local_datetime(&at).earliest()
}

fn span_of(start: Moment, end: Option<Moment>) -> Option<Span> {
    match (start, end?) {
        (Moment::Day(s), Moment::Day(e)) => {
            Some(Span::Days(u64::try_from((e - s).num_days()).unwrap_or(0)))
        }
        (Moment::Local(s, a), Moment::Local(e, b)) if a == b => Some(Span::Wall(e - s)),
        (Moment::Instant(s), Moment::Instant(e)) => Some(Span::Exact(e - s)),
        _ => None,
    }
}

fn end_of(start: Moment, span: Option<Span>) -> Option<Moment> {
    match (start, span?) {
        (Moment::Day(day), Span::Days(n)) => Some(Moment::Day(day + chrono::Days::new(n))),
        (Moment::Local(at, tz), Span::Wall(d)) => Some(Moment::Local(at + d, tz)),
        (Moment::Instant(at), Span::Exact(d)) => Some(Moment::Instant(at + d)),
        _ => None,
    }
}

/// Whether an EXDATE names an occurrence. A whole-day EXDATE names the
/// occurrence on that day, whatever its time.
fn same_occurrence(exdate: Moment, occurrence: Moment) -> bool {
    match (exdate, occurrence) {
        (Moment::Day(day), other) => day_of(other) == day,
        (Moment::Instant(a), Moment::Instant(b)) => a == b,
        (Moment::Local(a, _), Moment::Local(b, _)) => a == b,
        (Moment::Instant(a), Moment::Local(b, Some(tz))) => {
            tz.from_local_datetime(&b)
                .earliest()
                .map(|b| b.with_timezone(&Utc))
                == Some(a)
        }
        (Moment::Local(a, Some(tz)), Moment::Instant(b)) => {
            tz.from_local_datetime(&a)
                .earliest()
                .map(|a| a.with_timezone(&Utc))
                == Some(b)
        }
        _ => false,
    }
}

fn day_of(moment: Moment) -> NaiveDate {
    match moment {
        Moment::Day(day) => day,
        Moment::Local(at, _) => at.date(),
        Moment::Instant(at) => at.date_naive(),
    }
}

fn within(moment: Moment, window: &Window) -> bool {
    let day = day_of(moment);
    day >= window.from && day <= window.to
}
