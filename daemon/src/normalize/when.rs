//! Structured dates (an iCalendar DTSTART, a JSON-LD `startDate`, an
//! events API's times) as a [`When`]: the first and last day, inclusive,
//! and times of day on the wall clock of one IANA timezone.
//!
//! A whole day stays a whole day, with no timezone. A wall-clock time keeps
//! its own timezone; a floating one (no timezone given) is the source's.
//! An instant (UTC, or a time with an offset, which names no place) is
//! shown on the source's wall clock. An end in another timezone than the
//! start is moved onto the start's.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use perfusion_index::{DatePrecision, When};

use crate::extract::{Moment, RawWhen};

/// The item's dates from a structured value; `zone` is the source's
/// timezone.
pub fn resolve(raw: &RawWhen, zone: Tz) -> When {
    let text = raw.text.clone();
    match raw.start {
        Moment::Day(start) => {
            let end = match raw.end {
                Some(Moment::Day(end)) => end,
                Some(other) => wall(other, zone).0.date(),
                None => start,
            };
            When {
                start: Some(start),
                end: Some(end.max(start)),
                precision: DatePrecision::Day,
                start_time: None,
                end_time: None,
                timezone: None,
                text,
            }
        }
        timed => {
            let (start, tz) = wall(timed, zone);
            let end = raw.end.and_then(|end| match end {
                Moment::Day(day) => Some((day.and_time(chrono::NaiveTime::MIN), false)),
                other => on_clock(other, tz, zone).map(|at| (at, true)),
            });
            let (end_day, end_time) = match end {
                Some((at, timed)) if at >= start => (at.date(), timed.then(|| at.time())),
                _ => (start.date(), None),
            };
            When {
                start: Some(start.date()),
                end: Some(end_day),
                precision: DatePrecision::Day,
                start_time: Some(start.time()),
                end_time,
                timezone: Some(tz.name().to_owned()),
                text,
            }
        }
    }
}

/// A timed moment on a wall clock, and that clock's timezone.
fn wall(moment: Moment, zone: Tz) -> (NaiveDateTime, Tz) {
    match moment {
        Moment::Day(day) => (day.and_time(chrono::NaiveTime::MIN), zone),
        Moment::Local(at, tz) => (at, tz.unwrap_or(zone)),
        Moment::Instant(at) => (at.with_timezone(&zone).naive_local(), zone),
    }
}

/// A moment on the wall clock of `tz`.
fn on_clock(moment: Moment, tz: Tz, zone: Tz) -> Option<NaiveDateTime> {
    let instant: DateTime<Utc> = match moment {
        Moment::Local(at, own) => {
            let own = own.unwrap_or(zone);
            if own == tz {
                return Some(at);
            }
            own.from_local_datetime(&at).earliest()?.with_timezone(&Utc)
        }
        Moment::Instant(at) => at,
        Moment::Day(day) => return Some(day.and_time(chrono::NaiveTime::MIN)),
    };
    Some(instant.with_timezone(&tz).naive_local())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};
    use chrono_tz::{America, Australia};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn time(s: &str) -> Option<NaiveTime> {
        Some(NaiveTime::parse_from_str(s, "%H:%M").unwrap())
    }

    #[test]
    fn whole_days_keep_their_days_and_no_zone() {
        let when = resolve(
            &RawWhen {
                start: Moment::Day(day("2024-11-14")),
                end: Some(Moment::Day(day("2024-11-16"))),
                text: String::new(),
            },
            Australia::Sydney,
        );
        assert_eq!(
            (when.start, when.end, when.start_time, when.timezone),
            (Some(day("2024-11-14")), Some(day("2024-11-16")), None, None)
        );
    }

    #[test]
    fn a_utc_instant_is_shown_on_the_sources_clock() {
        // 09:00 UTC in August is 7 pm in Sydney (AEST, +10).
        let when = resolve(
            &RawWhen {
                start: Moment::Instant("2024-08-15T09:00:00Z".parse().unwrap()),
                end: Some(Moment::Instant("2024-08-15T10:00:00Z".parse().unwrap())),
                text: String::new(),
            },
            Australia::Sydney,
        );
        assert_eq!(when.start, Some(day("2024-08-15")));
        assert_eq!(
            (when.start_time, when.end_time),
            (time("19:00"), time("20:00"))
        );
        assert_eq!(when.timezone.as_deref(), Some("Australia/Sydney"));
    }

    #[test]
    fn a_wall_clock_keeps_its_own_zone_and_floating_times_take_the_sources() {
        let own = resolve(
            &RawWhen {
                start: Moment::Local(at("2024-06-11 19:00"), Some(America::New_York)),
                end: Some(Moment::Local(
                    at("2024-06-11 20:00"),
                    Some(America::New_York),
                )),
                text: String::new(),
            },
            Australia::Sydney,
        );
        assert_eq!(own.timezone.as_deref(), Some("America/New_York"));
        assert_eq!(
            (own.start_time, own.end_time),
            (time("19:00"), time("20:00"))
        );
        let floating = resolve(
            &RawWhen {
                start: Moment::Local(at("2024-06-11 19:00"), None),
                end: None,
                text: String::new(),
            },
            America::New_York,
        );
        assert_eq!(floating.timezone.as_deref(), Some("America/New_York"));
        assert_eq!(floating.end, floating.start, "no end: the start's day");
    }

    #[test]
    fn an_end_before_the_start_is_no_end() {
        let when = resolve(
            &RawWhen {
                start: Moment::Local(at("2024-06-11 19:00"), None),
                end: Some(Moment::Local(at("2024-06-10 20:00"), None)),
                text: String::new(),
            },
            America::New_York,
        );
        assert_eq!((when.end, when.end_time), (Some(day("2024-06-11")), None));
    }
}
