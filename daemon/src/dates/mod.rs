//! Date parser for scraped perfusion/ECMO pages: finds date expressions in free text
//! (labels, titles, whole paragraphs) in seven languages and turns them into civil dates
//! with a precision (day, month, season, year). It never guesses: text it cannot read as
//! a date gives `DatePrecision::Unknown` (or no `Found`).
//!
//! Text is first split into tokens (`tokens`), then each token position is tried as the
//! start of an expression: an all-numeric date, a modifier ("mid-May"), or one or two
//! "parts" (weekday/day/month/year/season in any usual order) joined by a range word.
//! All look-ahead is bounded, so the scan is linear in the input length.

use perfusion_index::DatePrecision;

use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use chrono_tz::Tz;

mod lexicon;
mod numeric;
mod ranges;
#[cfg(test)]
mod tests;
mod time;
mod tokens;

use lexicon::{Season, Weak};
use tokens::{Kind, Tok};

/// How a source writes all-numeric dates like 04/05/2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    Mdy,
    Dmy,
}

/// What the parser knows besides the text.
#[derive(Debug, Clone)]
pub struct DateContext {
    /// The page's own date (its Last-Modified/Date header, or a "Posted" date), else the
    /// day it was fetched. A date written without a year is placed relative to it.
    pub reference: NaiveDate,
    /// For all-numeric dates with slashes or dashes. Dotted dates (16.11.2012) are always
    /// day.month.year; ISO yyyy-mm-dd is always ISO.
    pub order: DateOrder,
    /// The source's IANA timezone, used to resolve zone words.
    pub timezone: Option<Tz>,
}

/// A date or range read from text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedDate {
    /// First day (for Month/Season/Year precision: first day of the span).
    pub start: Option<NaiveDate>,
    /// Last day, inclusive (== start for a single day; last day of the span otherwise).
    pub end: Option<NaiveDate>,
    pub precision: DatePrecision,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    /// Set only when a time of day was read.
    pub timezone: Option<Tz>,
}

/// One date expression found inside a longer text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the expression in the input.
    pub span: std::ops::Range<usize>,
    pub date: ParsedDate,
}

/// Every date expression in `text`, left to right, non-overlapping (a range like
/// "5th - 8th October 2020" is ONE `Found`).
pub fn find_all(text: &str, ctx: &DateContext) -> Vec<Found> {
    Scanner::new(text, ctx).scan(usize::MAX)
}

/// The first date expression in `text`; precision `Unknown` when there is none.
pub fn parse(text: &str, ctx: &DateContext) -> ParsedDate {
    Scanner::new(text, ctx)
        .scan(1)
        .into_iter()
        .next()
        .map(|f| f.date)
        .unwrap_or_default()
}

/// Dash-like range separators: hyphen, en/em dashes, figure dash, minus, tilde.
const DASHES: &str = "-–—‒―−~";

/// Outcome of trying to read an expression at one token.
enum Attempt {
    /// A date covering tokens `start..end`.
    Date(usize, usize, ParsedDate),
    /// Something that looks like a date but is not a valid one ("31 April 2024"): skip
    /// to this token so that its pieces ("April 2024") are not read on their own.
    Skip(usize),
    Nothing,
}

/// Range joiners, from strongest to weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// "-", "to", "au", "bis"...: any two dates.
    Range,
    /// "and", "y", "et"...: two days of one month, or two months/seasons.
    And,
    /// "or", "o", "ou": only months/seasons ("May or June").
    Or,
}

/// One side of an expression: the components written, with whatever order was used.
#[derive(Debug, Clone, Copy, Default)]
struct Part {
    start: usize,
    end: usize,
    day: Option<u32>,
    month: Option<u32>,
    year: Option<i32>,
    season: Option<Season>,
    /// The month/season word is also an everyday word ("May", "Fall"): on its own it needs
    /// a cue to count.
    weak: bool,
    /// The season word needs a cue even with a year ("estate", "été").
    strict: bool,
    weekday: bool,
}

/// Which component may follow a connector word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    None,
    /// "," before a year.
    Comma,
    /// "of" between day and month.
    Of,
    /// "de" (ES/PT) before month or year.
    De,
    /// "del" before a year.
    Del,
    /// "the" between month and day ("September the 15th").
    The,
}

struct Scanner<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    ctx: &'a DateContext,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn last_of_month(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m >= 12 {
        (y.checked_add(1)?, 1)
    } else {
        (y, m + 1)
    };
    ymd(ny, nm, 1)?.pred_opt()
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, ctx: &'a DateContext) -> Self {
        Scanner {
            text,
            toks: tokens::tokenize(text),
            ctx,
        }
    }

    fn scan(&self, limit: usize) -> Vec<Found> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.toks.len() && out.len() < limit {
            match self.match_at(i) {
                Attempt::Date(s, e, date) => {
                    let e = e.max(s + 1).min(self.toks.len());
                    out.push(Found {
                        span: self.toks[s].start..self.toks[e - 1].end,
                        date,
                    });
                    i = e.max(i + 1);
                }
                Attempt::Skip(e) => i = e.max(i + 1),
                Attempt::Nothing => i += 1,
            }
        }
        out
    }

    // ---- token accessors -------------------------------------------------------------

    fn num(&self, p: usize) -> Option<&Tok> {
        self.toks.get(p).filter(|t| t.kind == Kind::Num)
    }

    fn word(&self, p: usize) -> Option<&str> {
        self.toks
            .get(p)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.word.as_str())
    }

    fn sym(&self, p: usize) -> Option<char> {
        match self.toks.get(p)?.kind {
            Kind::Sym(c) => Some(c),
            _ => None,
        }
    }

    fn is_sym(&self, p: usize, set: &str) -> bool {
        self.sym(p).is_some_and(|c| set.contains(c))
    }

    /// Token `p` exists and touches the token before it.
    fn adj(&self, p: usize) -> bool {
        self.toks.get(p).is_some_and(|t| !t.space)
    }

    /// A number that stands on its own: not glued to letters, not part of a phone number,
    /// an amount ("£35,392", "40,777"), a decimal ("2.0") or a percentage.
    fn clean_num(&self, p: usize) -> bool {
        let Some(t) = self.num(p) else { return false };
        if p > 0 && !t.space {
            let prev = &self.toks[p - 1];
            match prev.kind {
                Kind::Num | Kind::Word => return false,
                Kind::Sym(c) => {
                    if "+£$€¥#@".contains(c) {
                        return false;
                    }
                    if ",.:".contains(c) && p >= 2 && !prev.space && self.num(p - 2).is_some() {
                        return false;
                    }
                }
            }
        }
        if self.adj(p + 1) {
            match self.sym(p + 1) {
                Some(',' | '.') if self.adj(p + 2) && self.num(p + 2).is_some() => return false,
                Some('%') => return false,
                _ => {}
            }
        }
        true
    }

    // ---- components ------------------------------------------------------------------

    /// A day number with its optional ordinal suffix: 5, 05, 5th, 1er, 1º, 1.º, 16.
    fn day_at(&self, p: usize) -> Option<(u32, usize)> {
        let t = self.num(p)?;
        if t.len > 2 || t.val == 0 || t.val > 31 || !self.clean_num(p) {
            return None;
        }
        let mut q = p + 1;
        if self.adj(q) {
            match self.toks[q].kind {
                Kind::Word => {
                    if lexicon::is_ordinal(&self.toks[q].word) {
                        q += 1;
                    } else {
                        // "9am", "19h00": a time, not a day.
                        return None;
                    }
                }
                Kind::Sym('º' | 'ª') => q += 1,
                Kind::Sym(':') if self.num(q + 1).is_some() => return None,
                Kind::Sym('.') => {
                    if self.adj(q + 1) {
                        if self.num(q + 1).is_some() {
                            return None;
                        }
                        if matches!(self.word(q + 1), Some("º" | "ª" | "o" | "a"))
                            || self.is_sym(q + 1, "ºª")
                        {
                            q += 2;
                        }
                    } else if self.word(q + 1).is_some_and(|w| {
                        lexicon::month(w).is_some() || matches!(w, "bis" | "und" | "-")
                    }) || self.is_sym(q + 1, DASHES)
                    {
                        // German "16. November", "5. bis 8.".
                        q += 1;
                    }
                }
                _ => {}
            }
        }
        // "7 pm", "19 Uhr": a time.
        if self.meridiem(q).is_some() || matches!(self.word(q), Some("uhr" | "h" | "hrs")) {
            return None;
        }
        Some((t.val, q))
    }

    fn year_at(&self, p: usize) -> Option<(i32, usize)> {
        let t = self.num(p)?;
        if t.len != 4 || !(1900..=2100).contains(&t.val) || !self.clean_num(p) {
            return None;
        }
        if self.adj(p + 1) && self.word(p + 1).is_some() {
            return None;
        }
        Some((t.val as i32, p + 1))
    }

    /// Month word → (month, weak, capitalized, next token). An abbreviation's dot is
    /// taken when a number follows ("Sept. 5"), not at the end of a sentence.
    fn month_at(&self, p: usize) -> Option<(u32, Weak, bool, usize)> {
        let w = self.word(p)?;
        let (m, weak) = lexicon::month(w)?;
        let mut q = p + 1;
        if self.adj(q) && self.is_sym(q, ".") && self.num(q + 1).is_some() {
            q += 1;
        }
        Some((m, weak, self.toks[p].cap, q))
    }

    /// Skips a weekday name and its punctuation ("Wednesday, ", "Mi., ", "segunda-feira").
    fn weekday_at(&self, p: usize) -> Option<usize> {
        let short = lexicon::weekday(self.word(p)?)?;
        let mut q = p + 1;
        if self.adj(q) && self.is_sym(q, "-") && self.word(q + 1) == Some("feira") {
            q += 2;
        }
        let mut punct = false;
        if self.adj(q) && self.is_sym(q, ".") {
            q += 1;
            punct = true;
        }
        if self.is_sym(q, ",") {
            q += 1;
            punct = true;
        }
        if short && !punct {
            return None;
        }
        if self.word(q) == Some("the") {
            q += 1;
        }
        Some(q)
    }

    /// Reads one component at `q` into `part` if the state and connector allow it.
    fn component(&self, part: &mut Part, q: usize, conn: Conn, dbm: &mut bool) -> Option<usize> {
        let free = part.season.is_none() && part.year.is_none();
        if free
            && part.day.is_none()
            && (conn == Conn::None || (conn == Conn::The && part.month.is_some()))
            && let Some((d, n)) = self.day_at(q)
        {
            part.day = Some(d);
            return Some(n);
        }
        if free
            && part.month.is_none()
            && (conn == Conn::None || (matches!(conn, Conn::Of | Conn::De) && part.day.is_some()))
            && let Some((m, weak, cap, n)) = self.month_at(q)
        {
            *dbm = part.day.is_some();
            // A lowercase "may"/"set"/"out" is a verb or noun unless a day comes first or
            // a year follows; checked once the part is complete.
            part.weak = weak != Weak::No;
            part.strict = weak == Weak::Foreign || (weak == Weak::English && !cap);
            part.month = Some(m);
            return Some(n);
        }
        let any = part.day.is_some() || part.month.is_some() || part.season.is_some();
        if part.year.is_none()
            && match conn {
                Conn::None => true,
                Conn::Comma => part.day.is_some() || part.month.is_some(),
                // "26 de junio de 2024", "autumn of 2024"; not "15th of September of
                // each year" (no number follows).
                Conn::De | Conn::Del | Conn::Of => part.month.is_some() || part.season.is_some(),
                _ => false,
            }
            && let Some((y, n)) = self.year_at(q)
        {
            part.year = Some(y);
            return Some(n);
        }
        if !any
            && part.year.is_none()
            && conn == Conn::None
            && let Some((s, weak)) = self.word(q).and_then(lexicon::season)
        {
            part.season = Some(s);
            part.weak = weak;
            // "Fall 2024" is common in US pages; "estate"/"été"/"lente"/"fall" need a cue.
            part.strict = weak && !(self.word(q) == Some("fall") && self.toks[q].cap);
            return Some(q + 1);
        }
        None
    }

    fn connector(&self, q: usize) -> Option<(usize, Conn)> {
        if self.is_sym(q, ",") {
            return Some((q + 1, Conn::Comma));
        }
        let c = match self.word(q)? {
            "of" => Conn::Of,
            "de" => Conn::De,
            "del" => Conn::Del,
            "the" => Conn::The,
            _ => return None,
        };
        Some((q + 1, c))
    }

    /// One side of an expression: optional weekday, then day/month/year/season in any
    /// usual order, with "of"/"de"/"del"/"," between them.
    fn parse_part(&self, p: usize) -> Option<Part> {
        let mut part = Part {
            start: p,
            ..Default::default()
        };
        let mut q = p;
        if let Some(n) = self.weekday_at(q) {
            q = n;
            part.weekday = true;
        }
        let mut dbm = false;
        // At most four components and three connectors: bounded.
        for _ in 0..4 {
            if part.year.is_some() {
                break;
            }
            if let Some(n) = self.component(&mut part, q, Conn::None, &mut dbm) {
                q = n;
                continue;
            }
            let has_any = part.day.is_some() || part.month.is_some() || part.season.is_some();
            if has_any
                && let Some((r, conn)) = self.connector(q)
                && let Some(n) = self.component(&mut part, r, conn, &mut dbm)
            {
                q = n;
                continue;
            }
            break;
        }
        if part.day.is_none()
            && part.month.is_none()
            && part.year.is_none()
            && part.season.is_none()
        {
            return None;
        }
        if part.weekday && part.day.is_none() {
            return None;
        }
        if part.month.is_some() && part.strict {
            // "may", "Set", "Out": a month only after a day ("5 may") or with a year.
            if !(dbm || part.year.is_some()) {
                return None;
            }
            part.strict = false;
        }
        if part.month.is_some() && part.weak && (part.day.is_some() || part.year.is_some()) {
            part.weak = false;
        }
        part.end = q;
        Some(part)
    }

    fn separator(&self, p: usize) -> Option<(usize, Sep)> {
        let mut q = p;
        let mut kind = None;
        for _ in 0..3 {
            if self.is_sym(q, DASHES) {
                kind = Some(Sep::Range);
                q += 1;
                continue;
            }
            // Dutch "t/m" (tot en met).
            if self.word(q) == Some("t") && self.is_sym(q + 1, "/") && self.word(q + 2) == Some("m")
            {
                kind = Some(Sep::Range);
                q += 3;
                continue;
            }
            // Italian "all'8"; French "jusqu'au".
            if matches!(self.word(q), Some("all" | "alle")) && self.is_sym(q + 1, "'’") {
                kind = Some(Sep::Range);
                q += 2;
                continue;
            }
            if kind.is_some() && self.is_sym(q, "'’") {
                q += 1;
                continue;
            }
            if let Some(w) = self.word(q) {
                if lexicon::is_range_word(w) {
                    kind = Some(Sep::Range);
                    q += 1;
                    continue;
                }
                if kind.is_none() && lexicon::is_and_word(w) {
                    return Some((q + 1, Sep::And));
                }
                if kind.is_none() && lexicon::is_or_word(w) {
                    return Some((q + 1, Sep::Or));
                }
            }
            if kind.is_none() && self.is_sym(q, "&") {
                return Some((q + 1, Sep::And));
            }
            // A double issue, "March/April 2013": a slash between two
            // month or season words (numbers with slashes are numeric
            // dates, read before any of this).
            if kind.is_none()
                && self.is_sym(q, "/")
                && self
                    .word(q + 1)
                    .is_some_and(|w| lexicon::month(w).is_some() || lexicon::season(w).is_some())
            {
                return Some((q + 1, Sep::And));
            }
            break;
        }
        kind.map(|k| (q, k))
    }

    // ---- cues and inference ----------------------------------------------------------

    /// A word before token `i` showing that a bare month/season (or, with `year`, a bare
    /// year) is meant as a date: "in October", "Dates: 2026", "the months of May".
    fn has_cue(&self, i: usize, year: bool) -> bool {
        let mut p = i;
        for _ in 0..3 {
            if p == 0 {
                return false;
            }
            p -= 1;
            let skip = match &self.toks[p].kind {
                Kind::Sym(':') => true,
                Kind::Word => matches!(
                    self.toks[p].word.as_str(),
                    "the" | "el" | "la" | "le" | "der" | "het" | "o"
                ),
                _ => false,
            };
            if !skip {
                break;
            }
        }
        let Some(w) = self.word(p) else { return false };
        if lexicon::is_cue(w) {
            return true;
        }
        if year {
            return false;
        }
        if matches!(
            w,
            "from" | "this" | "next" | "each" | "every" | "coming" | "until" | "till" | "since"
        ) {
            return true;
        }
        matches!(w, "of" | "de" | "del" | "do" | "di" | "van")
            && p > 0
            && self.word(p - 1).is_some_and(lexicon::is_month_noun)
    }

    /// The only word-or-number in the whole text is this token: a short date field.
    fn alone(&self, i: usize) -> bool {
        self.toks
            .iter()
            .enumerate()
            .all(|(j, t)| j == i || matches!(t.kind, Kind::Sym(_)))
    }

    /// Earliest year whose date (from `f`) is not more than 31 days before the reference.
    fn infer(&self, f: impl Fn(i32) -> Option<NaiveDate>) -> Option<i32> {
        let r = self.ctx.reference;
        let floor = r.checked_sub_days(Days::new(31))?;
        let y = r.year();
        (y.checked_sub(1)?..=y.checked_add(8)?).find(|&y| f(y).is_some_and(|d| d >= floor))
    }

    fn southern(&self) -> bool {
        self.ctx
            .timezone
            .is_some_and(|tz| lexicon::is_southern(tz.name()))
    }

    fn season_span(&self, s: Season, y: i32) -> Option<(NaiveDate, NaiveDate)> {
        let first = match (s, self.southern()) {
            (Season::Spring, false) | (Season::Autumn, true) => 3,
            (Season::Summer, false) | (Season::Winter, true) => 6,
            (Season::Autumn, false) | (Season::Spring, true) => 9,
            (Season::Winter, false) | (Season::Summer, true) => 12,
        };
        let start = ymd(y, first, 1)?;
        let end = if first == 12 {
            last_of_month(y.checked_add(1)?, 2)?
        } else {
            last_of_month(y, first + 2)?
        };
        Some((start, end))
    }

    /// Span of a month or season part in year `y`.
    fn unit_span(&self, p: &Part, y: i32) -> Option<(NaiveDate, NaiveDate)> {
        match (p.month, p.season) {
            (Some(m), _) => Some((ymd(y, m, 1)?, last_of_month(y, m)?)),
            (None, Some(s)) => self.season_span(s, y),
            _ => None,
        }
    }

    // ---- expressions -----------------------------------------------------------------

    fn match_at(&self, i: usize) -> Attempt {
        if matches!(self.toks[i].kind, Kind::Sym(_)) {
            return Attempt::Nothing;
        }
        if let Some(a) = self.numeric(i) {
            return a;
        }
        if self.word(i).is_some_and(lexicon::is_modifier)
            && let Some(a) = self.modified(i)
        {
            return a;
        }
        let Some(a) = self.parse_part(i) else {
            return Attempt::Nothing;
        };
        if let Some((r, sep)) = self.separator(a.end)
            && let Some(b) = self.parse_part(r)
            && let Some(res) = self.merge(&a, &b, sep)
        {
            return res;
        }
        self.single(&a, false)
    }

    /// "mid-May", "early 2025", "late summer", "fin de mayo": the span, not a day.
    fn modified(&self, i: usize) -> Option<Attempt> {
        let mut q = i + 1;
        if self.adj(q) && self.is_sym(q, "-") {
            q += 1;
        }
        if matches!(self.word(q), Some("of" | "de" | "del" | "d")) {
            q += 1;
            if self.is_sym(q, "'’") {
                q += 1;
            }
        }
        let a = self.parse_part(q)?;
        if a.day.is_some() {
            return None;
        }
        match self.single(&a, true) {
            Attempt::Date(_, e, d) => Some(Attempt::Date(i, e, d)),
            _ => None,
        }
    }

    /// A single part on its own. `cued` when a modifier already vouches for it.
    fn single(&self, a: &Part, cued: bool) -> Attempt {
        let span = |s: NaiveDate, e: NaiveDate, precision| {
            Attempt::Date(
                a.start,
                a.end,
                ParsedDate {
                    start: Some(s),
                    end: Some(e),
                    precision,
                    ..Default::default()
                },
            )
        };
        match (a.day, a.month, a.year, a.season) {
            (Some(d), Some(m), y, None) => {
                let date = match y {
                    Some(y) => ymd(y, m, d),
                    None => self.infer(|y| ymd(y, m, d)).and_then(|y| ymd(y, m, d)),
                };
                match date {
                    Some(dt) => self.finish_day(a.start, a.end, dt, dt),
                    None => Attempt::Skip(a.end),
                }
            }
            (None, Some(_), y, None) | (None, None, y, Some(_)) => {
                let cue = cued || self.has_cue(a.start, false);
                if (a.strict || y.is_none()) && !cue {
                    return Attempt::Nothing;
                }
                let y = match y {
                    Some(y) => Some(y),
                    None => self.infer(|y| self.unit_span(a, y).map(|s| s.0)),
                };
                let Some((s, e)) = y.and_then(|y| self.unit_span(a, y)) else {
                    return Attempt::Nothing;
                };
                let precision = if a.month.is_some() {
                    DatePrecision::Month
                } else {
                    DatePrecision::Season
                };
                span(s, e, precision)
            }
            (None, None, Some(y), None) => {
                let i = a.start;
                if !(cued || self.has_cue(i, true) || self.alone(i)) {
                    return Attempt::Nothing;
                }
                // "2024/25", "2024-06" codes: not a year date.
                if self.adj(i + 1) && self.is_sym(i + 1, "/-") && self.num(i + 2).is_some() {
                    return Attempt::Nothing;
                }
                match (ymd(y, 1, 1), ymd(y, 12, 31)) {
                    (Some(s), Some(e)) => span(s, e, DatePrecision::Year),
                    _ => Attempt::Nothing,
                }
            }
            _ => Attempt::Nothing,
        }
    }
}
