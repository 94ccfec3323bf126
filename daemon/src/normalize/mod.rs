//! From a raw item to an [`Item`]: its kind (the source's default or a kind
//! rule), its status (status words moved out of the title), its dates and
//! deadlines, its place and mode, its plain-text summary and its stable id.
//!
//! What a structured format states outright (an iCalendar DTSTART, a
//! JSON-LD `JobPosting`, a venue's city, `STATUS:CANCELLED`) is preferred
//! over what text says; a kind rule of the source's configuration still
//! wins over a kind the format gives, since the user wrote it for this
//! source.

pub mod place;
pub mod summary;
pub mod when;

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use perfusion_index::{
    DatePrecision, Deadline, DeadlineKind, Item, ItemKind, Mode, SourceRef, Status, When,
};
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::config::SourceConfig;
use crate::dates::{self, DateContext, Found};
use crate::extract::RawItem;
use crate::extract::text;

/// What normalisation knows besides the raw item.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The source the item came from.
    pub source: &'a SourceConfig,
    /// The URL of the page that listed it.
    pub page_url: &'a str,
    /// The page's own date, else the fetch date: year-less dates are placed
    /// relative to it.
    pub page_date: NaiveDate,
    /// When the page was fetched.
    pub now: DateTime<Utc>,
}

/// Normalises every raw item of one page, giving items that share a title
/// and link distinct ids (the same course on two dates).
pub fn items(raw: &[RawItem], cx: &Context<'_>) -> Vec<Item> {
    let mut items: Vec<Item> = raw.iter().map(|r| item(r, cx)).collect();
    distinct_ids(&mut items);
    items
}

/// Gives items of one source that would share an id (same title and link:
/// the same course on two dates, on one page or several) distinct ids, by
/// their first day and then their order.
pub fn distinct_ids(items: &mut [Item]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items.iter() {
        *seen.entry(item.id.clone()).or_default() += 1;
    }
    let mut taken: HashMap<String, usize> = HashMap::new();
    for item in items.iter_mut() {
        if seen[&item.id] > 1 {
            let start = item.first_day().map(|d| d.to_string()).unwrap_or_default();
            let base = format!("{}\n{start}", item.id);
            let n = taken.entry(base.clone()).or_default();
            *n += 1;
            item.id = stable_id(&[&base, &n.to_string()]);
        }
    }
}

/// Normalises one raw item.
pub fn item(raw: &RawItem, cx: &Context<'_>) -> Item {
    let source = cx.source;
    let (title, title_status) = split_status(&raw.title);
    // A status the format states (STATUS:CANCELLED) stands; otherwise the
    // title's status words ("-POSTPONED-") say it.
    let status = raw
        .status
        .filter(|s| *s != Status::Scheduled)
        .unwrap_or(title_status);
    let kind = source
        .kind_rule_for(&title)
        .or(raw.kind)
        .unwrap_or(source.kind);
    let posted = raw.posted.or_else(|| {
        raw.posted_text
            .as_deref()
            .map(|t| dates::parse(&strip_label(t), &date_context(cx, cx.page_date)))
            .and_then(|d| d.start)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
    });
    let reference = posted.map_or(cx.page_date, |p| p.date_naive().max(cx.page_date));
    let dcx = date_context(cx, reference);

    let summary = summary_of(raw);
    // A status the title does not show may be a sentence of its own
    // ("Course is now full." in ELSO's status column).
    let status = match status {
        Status::Scheduled => status_in_text(&summary).unwrap_or(status),
        said => said,
    };
    let (when, mut deadlines) = match &raw.when {
        Some(structured) => (when::resolve(structured, source.timezone), Vec::new()),
        None => dates_of(raw, &title, kind, &dcx),
    };
    for deadline in &raw.deadlines {
        let mut deadline = deadline.clone();
        if deadline.time.is_some() && deadline.timezone.is_none() {
            deadline.timezone = Some(source.timezone.name().to_owned());
        }
        if !deadlines.contains(&deadline) {
            deadlines.push(deadline);
        }
    }

    // Feeds and prose pages have no place field, but may say where on a
    // line of the text ("Where: Sanibel Marriott Resort and Spa, ...").
    let (place, mut mode) = match &raw.place {
        Some(parts) if !parts.is_empty() => place::from_parts(parts),
        _ => raw
            .location
            .clone()
            .or_else(|| labelled_place(&summary))
            .as_deref()
            .map(|l| place::parse(&strip_label(l)))
            .unwrap_or_default(),
    };
    if let Some(stated) = raw.mode {
        mode = Some(stated);
    } else if matches!(
        kind,
        ItemKind::Publication | ItemKind::Grant | ItemKind::Deadline
    ) && place.is_empty()
    {
        mode = None;
    }
    // A webinar is online by definition, whether or not its page says so.
    if kind == ItemKind::Webinar && place.is_empty() {
        mode = Some(Mode::Virtual);
    }

    let url = raw.link.clone().unwrap_or_else(|| cx.page_url.to_owned());
    let identity = raw.guid.clone().unwrap_or_else(|| url.clone());
    let id = stable_id(&[&source.id, &identity, &title.to_lowercase()]);
    Item {
        id,
        kind,
        title,
        summary,
        url: url.clone(),
        org: source.org.clone(),
        sources: vec![SourceRef {
            source_id: source.id.clone(),
            org: source.org.clone(),
            url,
            missed: false,
        }],
        when,
        place,
        mode,
        status,
        deadlines,
        posted,
        first_seen: cx.now,
        last_seen: cx.now,
        modified: cx.now,
        language: source.language.clone(),
        revision: 0,
    }
}

/// The summary, with who runs the item (or offers the job) on a line of
/// its own: the model has no field for it, and people search for it.
fn summary_of(raw: &RawItem) -> String {
    let summary = raw
        .summary
        .as_deref()
        .map(|s| summary::clean(&text::fold(s)))
        .unwrap_or_default();
    let Some(organizer) = raw.organizer.as_deref().map(text::one_line) else {
        return summary;
    };
    if organizer.is_empty() || summary.contains(&organizer) {
        return summary;
    }
    let label = if raw.kind == Some(ItemKind::Job) {
        "Employer"
    } else {
        "Organiser"
    };
    let line = format!("{label}: {organizer}");
    if summary.is_empty() {
        line
    } else {
        format!("{summary}\n{line}")
    }
}

fn date_context(cx: &Context<'_>, reference: NaiveDate) -> DateContext {
    DateContext {
        reference,
        order: cx.source.date_order,
        timezone: Some(cx.source.timezone),
    }
}

/// A short, stable id: the first 16 hex digits of a SHA-256 of the parts.
pub fn stable_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Words before a date that make it a deadline rather than the item's own
/// date ("Deadline to submit is September 30, 2021", "submitted by July
/// 9th"), in English and the other languages of the sites: German
/// "Anmeldeschluss", French "date limite" and "avant le", Spanish "fecha
/// límite" and "antes del", Portuguese "prazo".
static DEADLINE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(deadline|due\b|closes|closing date|submit(?:ted)? by|no later than|until|before|anmeldeschluss|einsendeschluss|bewerbungsschluss|date limite|avant le|fecha l[ií]mite|antes del|prazo)[^.!?]{0,40}$",
    )
    .expect("a valid regex")
});

/// The item's dates, and the deadlines among the dates of its text.
fn dates_of(
    raw: &RawItem,
    title: &str,
    kind: ItemKind,
    dcx: &DateContext,
) -> (When, Vec<Deadline>) {
    let mut when = When::default();
    let mut deadlines = Vec::new();
    let event_kind = matches!(
        kind,
        ItemKind::Course | ItemKind::Conference | ItemKind::Webinar
    );
    // Feeds give no date field: an event's date is in its title. A label
    // stays: it is the parser's cue ("Dates: 2023 (to be confirmed)" is a
    // year, where "2023 (to be confirmed)" alone is a number in a phrase).
    let text = match &raw.date_text {
        Some(t) => text::one_line(t),
        None if event_kind => title.to_owned(),
        None => String::new(),
    };
    let found = dates::find_all(&text, dcx);
    for Found { span, date } in found {
        let before = &text[..span.start];
        let is_deadline = DEADLINE_CUE.is_match(before) || matches!(kind, ItemKind::Job);
        let Some(start) = date.start else { continue };
        if is_deadline && date.precision == DatePrecision::Day {
            deadlines.push(Deadline {
                kind: deadline_kind(before, kind),
                date: date.end.unwrap_or(start),
                time: date.start_time,
                timezone: date.timezone.map(|tz| tz.name().to_owned()),
                label: deadline_label(before, kind),
            });
        } else if when.start.is_none() && !is_deadline {
            when = When {
                start: Some(start),
                end: date.end.or(Some(start)),
                precision: date.precision,
                start_time: date.start_time,
                end_time: date.end_time,
                timezone: date.timezone.map(|tz| tz.name().to_owned()),
                text: text[span].to_owned(),
            };
        }
    }
    if let Some(end_text) = raw.end_date_text.as_deref() {
        let end = dates::parse(&strip_label(end_text), dcx);
        if let (Some(start), Some(end_day)) = (when.start, end.end.or(end.start))
            && end_day >= start
        {
            when.end = Some(end_day);
            when.end_time = end.end_time.or(end.start_time);
        }
    }
    if when.start.is_none() && !text.is_empty() && deadlines.is_empty() && raw.date_text.is_some() {
        // Kept, never guessed: the raw text says what the source wrote.
        when.text = strip_label(&text);
    }
    // A grant or deadline item whose only date is its deadline is dated by
    // that deadline, so it sorts and filters like everything else.
    (when, deadlines)
}

fn deadline_kind(before: &str, kind: ItemKind) -> DeadlineKind {
    let sentence = last_sentence(before).to_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| sentence.contains(w));
    // English, and the French, Spanish, Portuguese and German words.
    if says(&["abstract", "résumé", "resumen", "resumo"]) {
        DeadlineKind::Abstract
    } else if says(&["regist", "inscri", "anmeld"]) {
        DeadlineKind::Registration
    } else if says(&["application", "apply", "bewerb"]) || kind == ItemKind::Grant {
        DeadlineKind::Application
    } else if kind == ItemKind::Job || sentence.contains("closing") {
        DeadlineKind::Closing
    } else {
        DeadlineKind::Other
    }
}

fn deadline_label(before: &str, kind: ItemKind) -> String {
    let sentence = text::one_line(last_sentence(before));
    let sentence = sentence.trim_end_matches([' ', ':', '-', ',']);
    if sentence.is_empty() {
        match kind {
            ItemKind::Job => "Closing date".to_owned(),
            _ => "Deadline".to_owned(),
        }
    } else {
        sentence.to_owned()
    }
}

fn last_sentence(text: &str) -> &str {
    let start = text.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    text[start..].trim()
}

/// Labels before a place, in the sites' languages ("Sede:" and "Lugar:" in
/// Spanish, "Lieu:" in French, "Ort:" in German).
const PLACE_LABELS: &str = "location|venue|place|where|lieu|ort|sede|lugar";

/// A leading label ("Location:", "Posted Date:", "Dates:") removed.
fn strip_label(text: &str) -> String {
    static LABEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"^\s*(?:{PLACE_LABELS}|date|dates|when|posted date|posted|fecha|datum|data)\s*:\s*"
        ))
        .expect("a valid regex")
    });
    let one = text::one_line(text);
    let lower = one.to_lowercase();
    match LABEL.find(&lower) {
        // The label is ASCII, so its length is the same in `one`.
        Some(m) => one[m.end()..].to_owned(),
        None => one,
    }
}

/// The place a text gives on a labelled line of its own ("Where: ...").
fn labelled_place(text: &str) -> Option<String> {
    static PLACE_LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"(?im)^\s*(?:{PLACE_LABELS})\s*:\s*(\S.*)$")).expect("a valid regex")
    });
    PLACE_LINE.captures(text).map(|c| c[1].trim().to_owned())
}

/// Status words in a title: "-POSTPONED-", "(Cancelled)", "FULL:".
static STATUS_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[\s(\[\-–—:*]+)(postponed|cancell?ed|rescheduled|sold out|fully booked|full)(?:[\s)\]\-–—:!*]+|$)")
        .expect("a valid regex")
});

/// A sentence that states the event's status: "Course is now full.",
/// "The meeting has been cancelled.". Only an event noun as the subject and
/// the status word at the end of the clause count, so "registration is
/// now open" and "the course is full of hands-on stations" say nothing.
static STATUS_SENTENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:course|workshop|meeting|conference|congress|symposium|event|webinar|exam|examination)\s+(?:is|has\s+been|was)\s+(?:now\s+)?(full|sold\s+out|fully\s+booked|cancell?ed|postponed|rescheduled)\s*(?:[.!;,)]|$)",
    )
    .expect("a valid regex")
});

/// The status a text states in a sentence of its own, if any.
fn status_in_text(text: &str) -> Option<Status> {
    let caps = STATUS_SENTENCE.captures(text)?;
    let word = caps[1].to_lowercase();
    Some(match word.split_whitespace().next().unwrap_or_default() {
        "postponed" => Status::Postponed,
        "cancelled" | "canceled" => Status::Cancelled,
        "rescheduled" => Status::Rescheduled,
        _ => Status::Full,
    })
}

/// A title without its status words, and the status they said.
pub fn split_status(title: &str) -> (String, Status) {
    let title = text::one_line(title);
    let Some(caps) = STATUS_WORDS.captures(&title) else {
        return (title, Status::Scheduled);
    };
    let whole = caps.get(0).expect("group 0");
    let word = &caps[1];
    // A status word counts only when it is set apart from the title: in
    // capitals ("-POSTPONED-"), in brackets ("(cancelled)"), at the end
    // ("CREF 2021 - rescheduled"), or opening it before a colon
    // ("Cancelled: ..."). "Full Day Pediatric ECMO Workshop" and "a
    // full-day simulation" keep their words.
    let shouting = word.chars().all(|c| !c.is_lowercase());
    let bracketed = whole.as_str().trim_start().starts_with(['(', '[']);
    let at_end = whole.end() == title.len();
    let opens = whole.start() == 0 && whole.as_str().trim_end().ends_with(':');
    if !(shouting || bracketed || at_end || opens) {
        return (title, Status::Scheduled);
    }
    let status = match word.to_lowercase().as_str() {
        "postponed" => Status::Postponed,
        "cancelled" | "canceled" => Status::Cancelled,
        "rescheduled" => Status::Rescheduled,
        _ => Status::Full,
    };
    let mut rest = String::with_capacity(title.len());
    rest.push_str(&title[..whole.start()]);
    rest.push(' ');
    rest.push_str(&title[whole.end()..]);
    let cleaned = text::one_line(&rest)
        .trim_matches(|c: char| c == '-' || c == ':' || c.is_whitespace())
        .to_owned();
    // A title that is nothing but the status ("CANCELLED", "(Full)") stays
    // the title: an item needs one, and the words are all it has.
    if cleaned.is_empty() {
        return (title, status);
    }
    (cleaned, status)
}

#[cfg(test)]
mod tests;
