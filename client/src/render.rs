//! How items and sources look: a table for people, JSON for scripts.
//! Dates are shown at their precision ("Oct 2021", "2026"), never as a day
//! the source did not give.

use chrono::{DateTime, NaiveDate};
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, presets};
use perfusion_proto::v1 as pb;
use serde_json::{Value, json};

fn date(d: Option<&pb::CivilDate>) -> Option<NaiveDate> {
    let d = d?;
    NaiveDate::from_ymd_opt(d.year, d.month, d.day)
}

fn enum_name(name: Option<&str>, prefix: &str) -> String {
    name.unwrap_or("")
        .trim_start_matches(prefix)
        .to_ascii_lowercase()
}

/// The lower-case name of an item kind ("course").
pub fn kind(item: &pb::Item) -> String {
    enum_name(
        pb::ItemKind::try_from(item.kind)
            .ok()
            .map(|k| k.as_str_name()),
        "ITEM_KIND_",
    )
}

fn precision(item: &pb::Item) -> pb::DatePrecision {
    pb::DatePrecision::try_from(item.date_precision).unwrap_or(pb::DatePrecision::Unknown)
}

fn status(item: &pb::Item) -> pb::Status {
    pb::Status::try_from(item.status).unwrap_or(pb::Status::Unspecified)
}

fn mode(item: &pb::Item) -> pb::Mode {
    pb::Mode::try_from(item.mode).unwrap_or(pb::Mode::Unspecified)
}

/// The dates of an item as a person reads them.
pub fn dates(item: &pb::Item) -> String {
    let (start, end) = (date(item.start.as_ref()), date(item.end.as_ref()));
    let Some(start) = start else {
        let due = item
            .deadlines
            .iter()
            .filter_map(|d| date(d.date.as_ref()))
            .min();
        let posted = item
            .posted
            .as_ref()
            .and_then(|t| DateTime::from_timestamp(t.seconds, 0));
        return match (due, posted) {
            (Some(due), _) => format!("due {due}"),
            (None, Some(posted)) => format!("posted {}", posted.date_naive()),
            (None, None) => "-".to_owned(),
        };
    };
    let end = end.unwrap_or(start);
    match precision(item) {
        pb::DatePrecision::Year => start.format("%Y").to_string(),
        pb::DatePrecision::Month => start.format("%b %Y").to_string(),
        pb::DatePrecision::Season => {
            if start.format("%Y").to_string() == end.format("%Y").to_string() {
                format!("{}-{}", start.format("%b"), end.format("%b %Y"))
            } else {
                format!("{}-{}", start.format("%b %Y"), end.format("%b %Y"))
            }
        }
        _ => {
            let mut s = start.to_string();
            if !item.start_time.is_empty() {
                s.push(' ');
                s.push_str(&item.start_time);
            }
            if end != start {
                if end.format("%Y").to_string() == start.format("%Y").to_string() {
                    s.push_str(&format!(" to {}", end.format("%m-%d")));
                } else {
                    s.push_str(&format!(" to {end}"));
                }
            }
            s
        }
    }
}

/// Where an item is, briefly: "Tampa, Florida, US", or "online".
pub fn place(item: &pb::Item) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &item.place {
        for part in [&p.city, &p.region, &p.country_code] {
            if !part.is_empty() {
                parts.push(part.clone());
            }
        }
        if parts.is_empty() && !p.text.is_empty() {
            parts.push(p.text.clone());
        }
    }
    match mode(item) {
        pb::Mode::Virtual if parts.is_empty() => "online".to_owned(),
        pb::Mode::Hybrid => {
            parts.push("+ online".to_owned());
            parts.join(", ")
        }
        _ => parts.join(", "),
    }
}

/// The title, with its status when it is not simply scheduled.
pub fn title(item: &pb::Item) -> String {
    match status(item) {
        pb::Status::Scheduled | pb::Status::Unspecified => item.title.clone(),
        s => format!(
            "[{}] {}",
            enum_name(Some(s.as_str_name()), "STATUS_"),
            item.title
        ),
    }
}

/// Prints `text` on stdout. A reader that stopped early (`perfusion
/// search ecmo | head`) ends the program quietly and successfully, as it
/// ends a shell tool, instead of in a panic; any other failure to write
/// (a full disk) is said, with exit code 4.
pub fn print(text: impl std::fmt::Display) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = write!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(crate::exit::FOUND));
        }
        eprintln!("perfusion: cannot write the output: {e}");
        std::process::exit(i32::from(crate::exit::OTHER));
    }
}

/// [`print`], with a newline.
pub fn print_line(text: impl std::fmt::Display) {
    print(format_args!("{text}\n"));
}

/// Whether to colour the output: only on a terminal, and never when
/// NO_COLOR is set (<https://no-color.org>).
pub fn colour() -> bool {
    use std::io::IsTerminal as _;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A table that fits the terminal, with a bold header where colour is on.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(
            header
                .iter()
                .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
        );
    if !colour() {
        table.force_no_tty();
    }
    // COLUMNS, when set, is the width to fit, on a terminal or not: output
    // piped to a pager or a file is otherwise as wide as its rows.
    if let Some(width) = columns() {
        table.set_width(width);
    }
    // A terminal that reports no usable width (a bare pty says 0) gets
    // rows as they are rather than one letter a line.
    if table.width().is_some_and(|w| w < 40) {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    table
}

/// The width COLUMNS asks for, when it is set to a number.
fn columns() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|w| *w > 0)
}

/// A cell in red (failures, cancellations) or yellow (warnings,
/// postponements) where colour is on.
pub fn marked(text: String, alarming: bool) -> Cell {
    Cell::new(text).fg(if alarming { Color::Red } else { Color::Yellow })
}

/// Search hits as a table.
pub fn items_table(items: &[pb::Item]) -> Table {
    let mut table = table(&["ID", "DATE", "KIND", "ORG", "TITLE", "PLACE"]);
    // An id is copied whole into `perfusion show`: it is never wrapped.
    if let Some(id) = table.column_mut(0) {
        id.set_constraint(ColumnConstraint::ContentWidth);
    }
    for item in items {
        let title = match status(item) {
            pb::Status::Scheduled | pb::Status::Unspecified => Cell::new(title(item)),
            s => marked(
                title(item),
                matches!(s, pb::Status::Cancelled | pb::Status::Withdrawn),
            ),
        };
        table.add_row(vec![
            Cell::new(&item.id),
            Cell::new(dates(item)),
            Cell::new(kind(item)),
            Cell::new(&item.org),
            title,
            Cell::new(place(item)),
        ]);
    }
    table
}

fn ts(t: Option<&perfusion_proto::Timestamp>) -> Value {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
        .map_or(Value::Null, |d| Value::String(d.to_rfc3339()))
}

fn opt(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

fn day(d: Option<&pb::CivilDate>) -> Value {
    date(d).map_or(Value::Null, |d| Value::String(d.to_string()))
}

/// An item as JSON, with the same field names as the gRPC message and
/// enums in lower case.
pub fn item_json(item: &pb::Item) -> Value {
    json!({
        "id": item.id,
        "kind": kind(item),
        "title": item.title,
        "summary": opt(&item.summary),
        "url": item.url,
        "org": item.org,
        "sources": item.sources.iter().map(|s| json!({
            "source_id": s.source_id, "org": s.org, "url": s.url,
        })).collect::<Vec<_>>(),
        "start": day(item.start.as_ref()),
        "end": day(item.end.as_ref()),
        "date_precision": enum_name(Some(precision(item).as_str_name()), "DATE_PRECISION_"),
        "date_text": opt(&item.date_text),
        "start_time": opt(&item.start_time),
        "end_time": opt(&item.end_time),
        "timezone": opt(&item.timezone),
        "all_day": item.all_day,
        "place": item.place.as_ref().map(|p| json!({
            "venue": opt(&p.venue), "city": opt(&p.city), "region": opt(&p.region),
            "country_code": opt(&p.country_code), "text": opt(&p.text),
        })),
        "mode": match mode(item) {
            pb::Mode::Unspecified => Value::Null,
            m => Value::String(enum_name(Some(m.as_str_name()), "MODE_")),
        },
        "status": enum_name(Some(status(item).as_str_name()), "STATUS_"),
        "deadlines": item.deadlines.iter().map(|d| json!({
            "kind": enum_name(pb::DeadlineKind::try_from(d.kind).ok().map(|k| k.as_str_name()), "DEADLINE_KIND_"),
            "date": day(d.date.as_ref()),
            "time": opt(&d.time),
            "timezone": opt(&d.timezone),
            "label": d.label,
        })).collect::<Vec<_>>(),
        "posted": ts(item.posted.as_ref()),
        "first_seen": ts(item.first_seen.as_ref()),
        "last_seen": ts(item.last_seen.as_ref()),
        "language": opt(&item.language),
        "revision": item.revision,
    })
}

/// A timestamp for a person, in UTC.
pub fn when(t: Option<&perfusion_proto::Timestamp>) -> String {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, 0))
        .map_or_else(
            || "-".to_owned(),
            |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

/// A source's outcome in lower case ("ok", "failed").
pub fn outcome(s: &pb::SourceStatus) -> String {
    enum_name(
        pb::RunOutcome::try_from(s.outcome)
            .ok()
            .map(|o| o.as_str_name()),
        "RUN_OUTCOME_",
    )
}
