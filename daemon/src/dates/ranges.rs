//! Ranges: two parts joined by a range word ("3-5 May", "30 May to 2 June",
//! "12 and 13 June", "May or June"), and a day-precision result with the
//! time of day that follows it.

use super::*;

impl Scanner<'_> {
    /// Two parts joined by a separator; `None` when they do not form a range (then the
    /// first part is read alone).
    pub(super) fn merge(&self, a: &Part, b: &Part, sep: Sep) -> Option<Attempt> {
        if let (Some(da), Some(db)) = (a.day, b.day) {
            if sep == Sep::Or || a.season.is_some() || b.season.is_some() {
                return None;
            }
            let ma = a.month.or(b.month)?;
            let mb = b.month.or(a.month)?;
            // "June 5 and 6": two days of one month; "June 5 and July 10" is two dates.
            if sep == Sep::And && ma != mb {
                return None;
            }
            // Only a later month can end in the next year ("December 30 - January 2");
            // "June 20 - June 3" is not a range.
            if ma == mb && db < da {
                return None;
            }
            let backwards = mb < ma;
            let (ya, yb) = match (a.year, b.year) {
                (Some(x), Some(y)) => (x, y),
                (None, Some(y)) => (if backwards { y - 1 } else { y }, y),
                (Some(x), None) => (x, if backwards { x + 1 } else { x }),
                (None, None) => {
                    let ya = self.infer(|y| ymd(y, ma, da))?;
                    (ya, if backwards { ya + 1 } else { ya })
                }
            };
            let Some(s) = ymd(ya, ma, da) else {
                return Some(Attempt::Skip(b.end));
            };
            let e = ymd(yb, mb, db)?;
            // A range the years were guessed for must be short (a New Year crossing).
            let max_days = if backwards && (a.year.is_none() || b.year.is_none()) {
                92
            } else {
                366
            };
            if e < s || (e - s).num_days() > max_days {
                return None;
            }
            return Some(self.finish_day(a.start, b.end, s, e));
        }
        if a.day.is_some() || b.day.is_some() {
            return None;
        }
        let a_unit = a.month.is_some() || a.season.is_some();
        let b_unit = b.month.is_some() || b.season.is_some();
        if !a_unit && !b_unit {
            // "2025-2026" after a cue: a span of years.
            let (ya, yb) = (a.year?, b.year?);
            if sep != Sep::Range || yb < ya || !self.has_cue(a.start, true) {
                return None;
            }
            let date = ParsedDate {
                start: ymd(ya, 1, 1),
                end: ymd(yb, 12, 31),
                precision: DatePrecision::Year,
                ..Default::default()
            };
            return Some(Attempt::Date(a.start, b.end, date));
        }
        if !(a_unit && b_unit) {
            return None;
        }
        let cue = self.has_cue(a.start, false);
        if (a.strict || b.strict) && !cue {
            return None;
        }
        if a.year.is_none() && b.year.is_none() && !cue && (a.weak || b.weak || sep != Sep::Range) {
            return None;
        }
        let start_in = |p: &Part, y: i32| self.unit_span(p, y).map(|s| s.0);
        let (ya, yb) = match (a.year, b.year) {
            (Some(x), Some(y)) => (x, y),
            (None, Some(y)) => (
                if start_in(a, y)? > start_in(b, y)? {
                    y - 1
                } else {
                    y
                },
                y,
            ),
            (Some(x), None) => (
                x,
                if start_in(b, x)? < start_in(a, x)? {
                    x + 1
                } else {
                    x
                },
            ),
            (None, None) => {
                let ya = self.infer(|y| start_in(a, y))?;
                (
                    ya,
                    if start_in(b, ya)? < start_in(a, ya)? {
                        ya + 1
                    } else {
                        ya
                    },
                )
            }
        };
        let (s, _) = self.unit_span(a, ya)?;
        let (_, e) = self.unit_span(b, yb)?;
        if e < s {
            return None;
        }
        let date = ParsedDate {
            start: Some(s),
            end: Some(e),
            precision: DatePrecision::Season,
            ..Default::default()
        };
        Some(Attempt::Date(a.start, b.end, date))
    }

    /// A day-precision result, with a time of day attached when one follows.
    pub(super) fn finish_day(
        &self,
        first: usize,
        last: usize,
        s: NaiveDate,
        e: NaiveDate,
    ) -> Attempt {
        let mut date = ParsedDate {
            start: Some(s),
            end: Some(e),
            precision: DatePrecision::Day,
            ..Default::default()
        };
        let mut end = last;
        if let Some((t, immediate)) = self.attach_time(last, s) {
            date.start_time = Some(t.start);
            date.end_time = t.end;
            date.timezone = match t.zone {
                Some(z) => z,
                None => self.ctx.timezone,
            };
            if immediate {
                end = t.next;
            }
        }
        Attempt::Date(first, end, date)
    }
}
