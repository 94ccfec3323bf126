//! schema.org objects in a page's `<script type="application/ld+json">`:
//! events and courses, job postings, and articles.
//!
//! Objects are found at the top of a script, in a top-level array, in an
//! `@graph`, and in an `ItemList`'s elements. Types are matched by their
//! last name, so `Event`, `schema:Event` and `https://schema.org/Event`
//! are one:
//!
//! - `Event` and its subtypes (`EducationEvent`, `BusinessEvent`, any type
//!   ending in `Event`), and a `CourseInstance`: dates, place, attendance
//!   mode, status, organiser. A `Course` gives one item per
//!   `hasCourseInstance`, or one undated item without any;
//! - `JobPosting`: a job, `datePosted` its posting date, `validThrough`
//!   its closing date, `baseSalary` written into its summary;
//! - `ScholarlyArticle`, `Article`, `NewsArticle`, `Report`: a publication
//!   with its `datePublished`.
//!
//! A script that is not valid JSON is skipped (pages wrap them in HTML
//! comments or CDATA, which are removed first), never the whole page.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use perfusion_index::{Deadline, DeadlineKind, ItemKind, Mode, Status};
use regex::Regex;
use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::{ExtractError, Moment, RawItem, RawPlace, RawWhen, expect_html, text};
use crate::fetch::Fetched;

mod money;

pub(super) fn extract(fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    expect_html(fetched)?;
    let page = String::from_utf8_lossy(&fetched.body);
    let html = Html::parse_document(&page);
    let scripts = Selector::parse("script[type]").expect("a valid selector");
    let mut objects = Vec::new();
    for script in html.select(&scripts) {
        let kind = script.value().attr("type").unwrap_or_default();
        if !kind.trim().eq_ignore_ascii_case("application/ld+json") {
            continue;
        }
        let body: String = script.text().collect();
        match serde_json::from_str::<Value>(strip_wrappers(&body)) {
            Ok(value) => gather(value, &mut objects),
            Err(e) => {
                tracing::debug!(page = %fetched.url, error = %e, "a JSON-LD script is not JSON");
            }
        }
    }
    let mut items = Vec::new();
    for object in &objects {
        items.extend(item_of(object, &fetched.url));
    }
    Ok(items)
}

/// The script without the HTML comment or CDATA markers old pages wrap it
/// in.
fn strip_wrappers(body: &str) -> &str {
    let mut s = body.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
    ] {
        if let Some(inner) = s.strip_prefix(open) {
            s = inner.trim_end().strip_suffix(close).unwrap_or(inner).trim();
        }
    }
    s
}

/// Every object of a JSON-LD value that may be an item.
fn gather(value: Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(values) => {
            for v in values {
                gather(v, out);
            }
        }
        Value::Object(mut object) => {
            if let Some(graph) = object.remove("@graph") {
                gather(graph, out);
            }
            let value = Value::Object(object);
            if types(&value).iter().any(|t| t == "ItemList") {
                if let Some(Value::Array(elements)) = value.get("itemListElement") {
                    for element in elements {
                        // A ListItem holds its object in `item`.
                        let inner = element.get("item").unwrap_or(element);
                        gather(inner.clone(), out);
                    }
                }
            } else if value.get("@type").is_some() {
                out.push(value);
            }
        }
        _ => {}
    }
}

/// The object's types by their last name (`Event`, not
/// `https://schema.org/Event`).
fn types(value: &Value) -> Vec<String> {
    let last = |t: &str| {
        t.rsplit(['/', ':', '#'])
            .next()
            .unwrap_or(t)
            .trim()
            .to_owned()
    };
    match value.get("@type") {
        Some(Value::String(t)) => vec![last(t)],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(last).collect(),
        _ => Vec::new(),
    }
}

fn item_of(object: &Value, page: &Url) -> Vec<RawItem> {
    let types = types(object);
    let is = |name: &str| types.iter().any(|t| t == name);
    if is("JobPosting") {
        job(object, page).into_iter().collect()
    } else if is("Course") {
        course(object, page)
    } else if is("CourseInstance") || types.iter().any(|t| t.ends_with("Event")) {
        event(object, page, None).into_iter().collect()
    } else if [
        "ScholarlyArticle",
        "Article",
        "NewsArticle",
        "Report",
        "MedicalScholarlyArticle",
    ]
    .iter()
    .any(|t| is(t))
    {
        article(object, page).into_iter().collect()
    } else {
        Vec::new()
    }
}

/// A string, or the `name` of an object, or the first of an array.
fn string(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => return string(o.get("name")),
        Value::Array(values) => return values.iter().find_map(|v| string(Some(v))),
        _ => return None,
    };
    let text = text::one_line(&text::of_html(&text));
    (!text.is_empty()).then_some(text)
}

/// A description, which pages write as HTML, and job boards as HTML
/// escaped once more (`&lt;p&gt;`).
fn prose(value: Option<&Value>) -> Option<String> {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"</?[a-zA-Z][^<>]*>").expect("a valid regex"));
    let mut text = text::of_html(value?.as_str()?);
    if TAG.is_match(&text) {
        text = text::of_html(&text);
    }
    (!text.is_empty()).then_some(text)
}

fn link(object: &Value, page: &Url) -> Option<String> {
    let url = object.get("url").and_then(Value::as_str)?.trim();
    page.join(url).ok().map(String::from)
}

fn event(object: &Value, page: &Url, course: Option<&Value>) -> Option<RawItem> {
    let title =
        string(object.get("name")).or_else(|| course.and_then(|c| string(c.get("name"))))?;
    let (when, date_text) = dates(object.get("startDate"), object.get("endDate"));
    let (place, location, located_online) = location(object.get("location"));
    let mode = attendance(object)
        .or(located_online.then_some(Mode::Virtual))
        .or_else(|| course.and_then(attendance));
    let status = object
        .get("eventStatus")
        .and_then(Value::as_str)
        .and_then(|s| match last_name(s) {
            "EventCancelled" => Some(Status::Cancelled),
            "EventPostponed" => Some(Status::Postponed),
            "EventRescheduled" => Some(Status::Rescheduled),
            _ => None,
        });
    let moved_online = object
        .get("eventStatus")
        .and_then(Value::as_str)
        .is_some_and(|s| last_name(s) == "EventMovedOnline");
    Some(RawItem {
        title,
        date_text,
        link: link(object, page).or_else(|| course.and_then(|c| link(c, page))),
        summary: prose(object.get("description"))
            .or_else(|| course.and_then(|c| prose(c.get("description")))),
        guid: object.get("@id").and_then(Value::as_str).map(str::to_owned),
        when,
        place,
        location,
        mode: if moved_online {
            Some(Mode::Virtual)
        } else {
            mode
        },
        status,
        organizer: string(object.get("organizer"))
            .or_else(|| course.and_then(|c| string(c.get("provider")))),
        ..RawItem::default()
    })
}

fn course(object: &Value, page: &Url) -> Vec<RawItem> {
    let instances: Vec<&Value> = match object.get("hasCourseInstance") {
        Some(Value::Array(all)) => all.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    if instances.is_empty() {
        return event(object, page, None).into_iter().collect();
    }
    instances
        .into_iter()
        .filter_map(|instance| event(instance, page, Some(object)))
        .map(|mut item| {
            item.kind = Some(ItemKind::Course);
            item
        })
        .collect()
}

fn job(object: &Value, page: &Url) -> Option<RawItem> {
    let title = string(object.get("title")).or_else(|| string(object.get("name")))?;
    let (place, location, _) = location(object.get("jobLocation"));
    let remote = object
        .get("jobLocationType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("TELECOMMUTE"));
    let employer = string(object.get("hiringOrganization"));
    let mut summary: Vec<String> = Vec::new();
    if let Some(salary) = object.get("baseSalary").and_then(money::salary) {
        summary.push(format!("Salary: {salary}"));
    }
    summary.extend(prose(object.get("description")));
    let closing = object
        .get("validThrough")
        .and_then(Value::as_str)
        .and_then(closing_date);
    Some(RawItem {
        title,
        link: link(object, page),
        guid: object
            .get("identifier")
            .and_then(|i| string(i.get("value")).or_else(|| string(Some(i))))
            .or_else(|| object.get("@id").and_then(Value::as_str).map(str::to_owned)),
        summary: (!summary.is_empty()).then(|| summary.join("\n")),
        posted: object
            .get("datePosted")
            .and_then(Value::as_str)
            .and_then(instant),
        kind: Some(ItemKind::Job),
        place,
        location,
        mode: remote.then_some(Mode::Virtual),
        deadlines: closing.into_iter().collect(),
        organizer: employer,
        ..RawItem::default()
    })
}

fn article(object: &Value, page: &Url) -> Option<RawItem> {
    let title = string(object.get("headline")).or_else(|| string(object.get("name")))?;
    Some(RawItem {
        title,
        link: link(object, page),
        guid: object.get("@id").and_then(Value::as_str).map(str::to_owned),
        summary: prose(object.get("abstract")).or_else(|| prose(object.get("description"))),
        posted: object
            .get("datePublished")
            .and_then(Value::as_str)
            .and_then(instant),
        kind: Some(ItemKind::Publication),
        organizer: string(object.get("publisher")),
        ..RawItem::default()
    })
}

fn last_name(value: &str) -> &str {
    value.rsplit(['/', ':', '#']).next().unwrap_or(value).trim()
}

/// `eventAttendanceMode`: offline, online or mixed.
fn attendance(object: &Value) -> Option<Mode> {
    match last_name(object.get("eventAttendanceMode")?.as_str()?) {
        "OfflineEventAttendanceMode" => Some(Mode::InPerson),
        "OnlineEventAttendanceMode" => Some(Mode::Virtual),
        "MixedEventAttendanceMode" => Some(Mode::Hybrid),
        _ => None,
    }
}

/// A schema.org Date or DateTime: `2024-06-11`, `2024-06-11T09:00`,
/// `2024-06-11T09:00:00+02:00`, `2024-06-11T07:00:00Z`.
fn moment(value: &str) -> Option<Moment> {
    let value = value.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(Moment::Instant(at.with_timezone(&Utc)));
    }
    // An offset without a colon or without seconds ("+0200", "09:00+02:00").
    for format in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(at) = DateTime::parse_from_str(value, format) {
            return Some(Moment::Instant(at.with_timezone(&Utc)));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(value, format) {
            return Some(Moment::Local(at, None));
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(Moment::Day)
}

/// The event's dates; a start that is no full date ("2026", "2024-06")
/// is left as text, for the date parser to read with its precision.
fn dates(start: Option<&Value>, end: Option<&Value>) -> (Option<RawWhen>, Option<String>) {
    let Some(written) = start.and_then(Value::as_str).map(str::trim) else {
        return (None, None);
    };
    match moment(written) {
        Some(start) => {
            let end = end.and_then(Value::as_str).and_then(moment);
            (
                Some(RawWhen {
                    start,
                    end,
                    text: written.to_owned(),
                }),
                None,
            )
        }
        None => (None, Some(written.to_owned())),
    }
}

/// A posting or publication date as an instant (a date at midnight UTC).
fn instant(value: &str) -> Option<DateTime<Utc>> {
    match moment(value)? {
        Moment::Day(day) => Some(day.and_time(chrono::NaiveTime::MIN).and_utc()),
        Moment::Local(at, _) => Some(at.and_utc()),
        Moment::Instant(at) => Some(at),
    }
}

/// `validThrough` as a closing deadline, on the day and at the time it is
/// written (a job closing "2023-06-14T23:59:59+01:00" closes on the 14th,
/// whatever the day is in UTC).
fn closing_date(value: &str) -> Option<Deadline> {
    let value = value.trim();
    let (date, time) = match DateTime::parse_from_rfc3339(value) {
        Ok(at) => (at.date_naive(), Some(at.time())),
        Err(_) => match moment(value)? {
            Moment::Day(day) => (day, None),
            Moment::Local(at, _) => (at.date(), Some(at.time())),
            Moment::Instant(at) => (at.date_naive(), Some(at.time())),
        },
    };
    Some(Deadline {
        kind: DeadlineKind::Closing,
        date,
        time,
        timezone: None,
        label: "Closing date".to_owned(),
    })
}

/// A `location` or `jobLocation`: a Place with a PostalAddress, a
/// VirtualLocation, a plain string, or several of them. Gives the place in
/// parts, or as text, and whether one of them is online.
fn location(value: Option<&Value>) -> (Option<RawPlace>, Option<String>, bool) {
    let Some(value) = value else {
        return (None, None, false);
    };
    match value {
        Value::String(s) => (
            None,
            Some(text::one_line(s)).filter(|s| !s.is_empty()),
            false,
        ),
        Value::Array(all) => {
            let mut found = (None, None, false);
            for one in all {
                let (place, text, online) = location(Some(one));
                found.0 = found.0.or(place);
                found.1 = found.1.or(text);
                found.2 |= online;
            }
            found
        }
        Value::Object(_) => {
            if types(value).iter().any(|t| t == "VirtualLocation") {
                return (None, None, true);
            }
            let address = value.get("address");
            let part = |key: &str| match address {
                Some(a @ Value::Object(_)) => string(a.get(key)),
                _ => None,
            };
            let place = RawPlace {
                venue: string(value.get("name")),
                street: part("streetAddress"),
                city: part("addressLocality"),
                region: part("addressRegion"),
                country: part("addressCountry"),
            };
            match address {
                // An address written as one string is read as text.
                Some(Value::String(s)) => {
                    let text = match &place.venue {
                        Some(venue) => format!("{venue}, {s}"),
                        None => s.clone(),
                    };
                    (None, Some(text::one_line(&text)), false)
                }
                _ => ((!place.is_empty()).then_some(place), None, false),
            }
        }
        _ => (None, None, false),
    }
}

#[cfg(test)]
mod tests;
