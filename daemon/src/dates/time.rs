//! Times of day attached to a date: "11:59 PM", "7 pm", "19:00", "19h00", "19.00 Uhr",
//! "9am-5pm", ISO "T09:00:00+02:00", with an optional zone word or UTC offset. A zone
//! abbreviation is first matched against the source's own timezone (via chrono-tz's
//! abbreviations), then against a fixed table.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::{OffsetName, Tz};

use super::tokens::Kind;
use super::{DASHES, Scanner, lexicon};

/// A time (or time range) read after a date.
pub(super) struct TimeRead {
    pub start: NaiveTime,
    pub end: Option<NaiveTime>,
    /// `None`: no zone written. `Some(None)`: a zone was written but has no IANA name
    /// here (e.g. "+05:30"), so the source's zone must not be assumed either.
    pub zone: Option<Option<Tz>>,
    /// Token after the time (and zone).
    pub next: usize,
}

/// Australians write "EST" for AEST, so there a bare EST/EDT means the source's zone.
const EST_IS_LOCAL: [&str; 4] = [
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Hobart",
];

/// Does `tz` use `abbr` around `date` (on that day, or in its year's winter or summer)?
fn zone_uses(tz: Tz, abbr: &str, date: NaiveDate) -> bool {
    let y = date.year();
    [
        Some(date),
        NaiveDate::from_ymd_opt(y, 1, 15),
        NaiveDate::from_ymd_opt(y, 7, 15),
    ]
    .into_iter()
    .flatten()
    .filter_map(|d| d.and_hms_opt(12, 0, 0))
    .any(|dt| tz.offset_from_utc_datetime(&dt).abbreviation() == Some(abbr))
}

/// Fixed UTC offset in minutes → a chrono-tz zone, when one exists (whole hours).
fn offset_zone(minutes: i32) -> Option<Tz> {
    if minutes == 0 {
        return Some(chrono_tz::UTC);
    }
    if minutes % 60 != 0 || minutes.abs() > 14 * 60 {
        return None;
    }
    // POSIX-style names: Etc/GMT-2 is two hours AHEAD of UTC.
    let h = minutes / 60;
    format!("Etc/GMT{}{}", if h > 0 { '-' } else { '+' }, h.abs())
        .parse()
        .ok()
}

impl Scanner<'_> {
    /// A time right after a date (`immediate`, included in the expression's span) or a
    /// little further on in the same passage ("Thursday 29th September. Held at 7 pm").
    pub(super) fn attach_time(&self, p: usize, date: NaiveDate) -> Option<(TimeRead, bool)> {
        for q in p..p + 3 {
            if let Some(t) = self.time_range(q, date) {
                return Some((t, true));
            }
            let tok = self.toks.get(q)?;
            let skip = match tok.kind {
                Kind::Sym(c) => ",-–—@|(".contains(c),
                Kind::Word => matches!(
                    tok.word.as_str(),
                    "at" | "from"
                        | "t"
                        | "a"
                        | "as"
                        | "um"
                        | "ab"
                        | "alle"
                        | "ore"
                        | "om"
                        | "vanaf"
                        | "las"
                        | "la"
                        | "des"
                        | "dalle"
                        | "starting"
                        | "de"
                        | "by"
                ),
                Kind::Num => false,
            };
            if !skip {
                break;
            }
        }
        // Look a little further in the same sentence (a line break is fine: headings and
        // their details are often separate lines), but not past a sentence end, a blank
        // line, another date word or a number that is not a time.
        let base = self.toks.get(p.checked_sub(1)?)?.end;
        for q in p..(p + 12).min(self.toks.len()) {
            let t = &self.toks[q];
            if t.para || t.start > base + 100 {
                break;
            }
            match t.kind {
                Kind::Num => return self.time_range(q, date).map(|t| (t, false)),
                // A sentence that opens by saying when the event is held
                // goes on about the same date ("Thursday 29th September.
                // Held at 7 pm EST"); any other sentence is about
                // something else.
                Kind::Sym('.' | '!' | '?' | ';')
                    if self.toks.get(q + 1).is_none_or(|n| n.space)
                        && !self.word(q + 1).is_some_and(|w| {
                            matches!(w, "held" | "starts" | "starting" | "begins" | "time")
                        }) =>
                {
                    break;
                }
                Kind::Word
                    if lexicon::month(&t.word).is_some()
                        || lexicon::weekday(&t.word) == Some(false) =>
                {
                    break;
                }
                _ => {}
            }
        }
        None
    }

    /// A time or "9am-5pm"/"9:00 - 17:00" range, with its zone.
    fn time_range(&self, p: usize, date: NaiveDate) -> Option<TimeRead> {
        let (mut start, mut q, mer1) = self.single_time(p)?;
        let mut end = None;
        let joined = self.is_sym(q, DASHES)
            || matches!(
                self.word(q),
                Some("to" | "until" | "till" | "bis" | "a" | "au" | "tot" | "alle")
            );
        let r = joined.then_some(q + 1);
        if let Some(r) = r
            && let Some((t2, r2, mer2)) = self.single_time(r)
        {
            // "2:00-4:00 pm": the first time shares the second's pm.
            if mer1.is_none() && mer2 == Some(true) && start.hour() < 12 {
                let later = start.with_hour(start.hour() + 12)?;
                if later <= t2 {
                    start = later;
                }
            }
            end = Some(t2);
            q = r2;
        }
        let mut zone = None;
        if let Some((z, n)) = self.zone(q, date) {
            zone = Some(z);
            q = n;
        }
        Some(TimeRead {
            start,
            end,
            zone,
            next: q,
        })
    }

    /// "am"/"pm"/"a.m."/"p.m." at `q` → (is_pm, next token).
    pub(super) fn meridiem(&self, q: usize) -> Option<(bool, usize)> {
        let w = self.word(q)?;
        match w {
            "am" => Some((false, q + 1)),
            "pm" => Some((true, q + 1)),
            "a" | "p"
                if self.adj(q + 1)
                    && self.is_sym(q + 1, ".")
                    && self.adj(q + 2)
                    && self.word(q + 2) == Some("m") =>
            {
                let mut n = q + 3;
                if self.adj(n) && self.is_sym(n, ".") {
                    n += 1;
                }
                Some((w == "p", n))
            }
            _ => None,
        }
    }

    /// One time of day. Only "strong" forms count (a colon, am/pm, "h", "Uhr"), so a
    /// bare number is never taken for a time.
    fn single_time(&self, p: usize) -> Option<(NaiveTime, usize, Option<bool>)> {
        let t = self.num(p)?;
        if t.len > 2 {
            return None;
        }
        let (mut m, mut s) = (0, 0);
        let mut strong = false;
        let mut q = p + 1;
        let two = |i: usize| self.num(i).filter(|n| n.len == 2 && self.adj(i));
        if self.adj(q) && self.is_sym(q, ":") && two(q + 1).is_some() {
            m = two(q + 1)?.val;
            q += 2;
            strong = true;
            if self.adj(q) && self.is_sym(q, ":") && two(q + 1).is_some() {
                s = two(q + 1)?.val;
                q += 2;
                // Fractional seconds in ISO stamps.
                if self.adj(q)
                    && self.is_sym(q, ".")
                    && self.adj(q + 1)
                    && self.num(q + 1).is_some()
                {
                    q += 2;
                }
            }
        } else if self.adj(q) && self.word(q) == Some("h") {
            q += 1;
            strong = true;
            if let Some(mm) = two(q) {
                m = mm.val;
                q += 1;
            }
        } else if self.adj(q)
            && self.is_sym(q, ".")
            && two(q + 1).is_some()
            && self.word(q + 2) == Some("uhr")
        {
            m = two(q + 1)?.val;
            q += 2;
        }
        let mut mer = None;
        if let Some((pm, n)) = self.meridiem(q) {
            mer = Some(pm);
            q = n;
            strong = true;
        }
        if matches!(self.word(q), Some("uhr" | "hrs" | "h" | "horas" | "heures")) {
            q += 1;
            strong = true;
        }
        if !strong {
            return None;
        }
        let h = match mer {
            Some(pm) => {
                if t.val == 0 || t.val > 12 {
                    return None;
                }
                t.val % 12 + if pm { 12 } else { 0 }
            }
            None => t.val,
        };
        Some((NaiveTime::from_hms_opt(h, m, s)?, q, mer))
    }

    /// "+0000", "+02:00", "-05:00" (after `sign`); `loose` also accepts "+2" (after GMT).
    fn offset(&self, sign: usize, loose: bool) -> Option<(Option<Tz>, usize)> {
        let neg = match self.sym(sign)? {
            '+' => false,
            '-' | '−' => true,
            _ => return None,
        };
        if !self.adj(sign + 1) {
            return None;
        }
        let n = self.num(sign + 1)?;
        let (minutes, next) = if n.len == 4 {
            ((n.val / 100 * 60 + n.val % 100) as i32, sign + 2)
        } else if n.len <= 2
            && self.adj(sign + 2)
            && self.is_sym(sign + 2, ":")
            && self.num(sign + 3).is_some_and(|m| m.len == 2)
        {
            let mm = self.num(sign + 3)?.val;
            ((n.val * 60 + mm) as i32, sign + 4)
        } else if n.len <= 2 && loose {
            ((n.val * 60) as i32, sign + 2)
        } else {
            return None;
        };
        let minutes = if neg { -minutes } else { minutes };
        Some((offset_zone(minutes), next))
    }

    /// A zone after a time: "Z", "+02:00", "PST", "(EST)", "UK time", "GMT+1".
    fn zone(&self, q: usize, date: NaiveDate) -> Option<(Option<Tz>, usize)> {
        let paren = self.is_sym(q, "(");
        let r = if paren { q + 1 } else { q };
        let tok = self.toks.get(r)?;
        let (zone, next) = match tok.kind {
            Kind::Word if tok.word == "z" && !tok.space && !paren => (Some(chrono_tz::UTC), r + 1),
            Kind::Sym(_) => self.offset(r, false)?,
            Kind::Word => {
                let raw = &self.text[tok.start..tok.end];
                if raw.len() > 5 || !raw.chars().all(|c| c.is_ascii_uppercase()) {
                    return None;
                }
                if raw == "UK" && self.word(r + 1) == Some("time") {
                    (Some(chrono_tz::Europe::London), r + 2)
                } else if matches!(raw, "UTC" | "GMT")
                    && self.adj(r + 1)
                    && let Some((z, n)) = self.offset(r + 1, true)
                {
                    (z, n)
                } else {
                    (Some(self.resolve_abbr(raw, date)?), r + 1)
                }
            }
            Kind::Num => return None,
        };
        let next = if paren && self.is_sym(next, ")") {
            next + 1
        } else {
            next
        };
        Some((zone, next))
    }

    /// The source's own zone when it uses the abbreviation, else the fixed table.
    fn resolve_abbr(&self, abbr: &str, date: NaiveDate) -> Option<Tz> {
        if let Some(tz) = self.ctx.timezone {
            if zone_uses(tz, abbr, date) {
                return Some(tz);
            }
            if matches!(abbr, "EST" | "EDT") && EST_IS_LOCAL.contains(&tz.name()) {
                return Some(tz);
            }
        }
        lexicon::zone_table(abbr)
    }
}
