//! Durations in both directions: ISO 8601 text from the configuration
//! (`refresh = "PT12H"`, `alarm = "P7D"`) into a chrono Duration, and a
//! chrono Duration out as an RFC 5545 dur-value (REFRESH-INTERVAL,
//! X-PUBLISHED-TTL, TRIGGER).
//!
//! Only fixed-length units are read (weeks, days, hours, minutes, seconds):
//! a year or a month has no fixed length, so `P1M` is refused rather than
//! guessed at.

use chrono::Duration;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// An ISO 8601 duration ("P7D", "PT12H", "P1W", "P1DT2H") as a chrono
/// Duration; None when malformed or negative.
///
/// The grammar is `P[nW][nD][T[nH][nM][nS]]` with at least one component,
/// units in that order and each at most once; surrounding blanks are
/// ignored. Signs, fractions, years and months are refused.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let body = text.trim().strip_prefix('P')?;
    let (date, time) = match body.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (body, None),
    };
    let (date_seconds, date_count) = components(date, &[('W', WEEK), ('D', DAY)])?;
    let (time_seconds, time_count) = match time {
        // "P1DT" is malformed: a T must be followed by something.
        Some(time) => match components(time, &[('H', HOUR), ('M', MINUTE), ('S', 1)])? {
            (_, 0) => return None,
            found => found,
        },
        None => (0, 0),
    };
    if date_count + time_count == 0 {
        return None;
    }
    let seconds = date_seconds.checked_add(time_seconds)?;
    Duration::try_seconds(i64::try_from(seconds).ok()?)
}

/// The seconds and the number of components of one half of a duration
/// (`1W2D` or `12H30M`): digits then a designator from `units`, the
/// designators in the order of `units` and each at most once.
fn components(part: &str, units: &[(char, u64)]) -> Option<(u64, usize)> {
    let mut seconds: u64 = 0;
    let mut count = 0;
    let mut rest = part;
    // Index into `units` of the next unit allowed.
    let mut next = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        let designator = rest[digits..].chars().next()?;
        let offset = units[next..].iter().position(|(d, _)| *d == designator)?;
        next += offset + 1;
        seconds = seconds.checked_add(n.checked_mul(units[next - 1].1)?)?;
        count += 1;
        rest = &rest[digits + designator.len_utf8()..];
    }
    Some((seconds, count))
}

/// `duration` as an RFC 5545 dur-value, to the second: "P7D", "PT12H",
/// "P1DT6H", "-P7D"; zero is "PT0S".
///
/// Days rather than weeks, because dur-week cannot be combined with days or
/// times. Minutes are written between hours and seconds even when zero
/// ("PT1H0M5S"), because RFC 5545's dur-hour only allows seconds after
/// minutes.
pub(super) fn format_duration(duration: Duration) -> String {
    let negative = duration < Duration::zero();
    let total = duration.num_seconds().unsigned_abs();
    if total == 0 {
        return "PT0S".to_owned();
    }
    let days = total / DAY;
    let hours = total % DAY / HOUR;
    let minutes = total % HOUR / MINUTE;
    let seconds = total % MINUTE;
    let mut out = String::from(if negative { "-P" } else { "P" });
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours + minutes + seconds > 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 || (hours > 0 && seconds > 0) {
            out.push_str(&format!("{minutes}M"));
        }
        if seconds > 0 {
            out.push_str(&format!("{seconds}S"));
        }
    }
    out
}
