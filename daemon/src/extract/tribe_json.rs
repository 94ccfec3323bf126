//! The Events Calendar's REST API (WordPress,
//! `/wp-json/tribe/events/v1/events`): a page of `events[]` with `total`,
//! `total_pages` and, while there are more, `next_rest_url`.
//!
//! An event gives its wall-clock `start_date`/`end_date`
//! ("2024-06-11 19:00:00") with the site's `timezone`, and the same times
//! in UTC (`utc_start_date`). The wall clock is read in the timezone when
//! that is an IANA name ("America/New_York"); a site set to a bare offset
//! ("UTC+0", "UTC-5") names no place, so the UTC times are used and the
//! source's timezone places them. Titles carry HTML entities and
//! descriptions HTML; both become plain text.
//!
//! The API is read leniently, as WordPress writes it: a missing venue is
//! `[]`, a missing website `""`, an unset image `false`.

use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;
use perfusion_index::{Mode, Status};
use serde_json::Value;
use url::Url;

use super::{ExtractError, Moment, RawItem, RawPlace, RawWhen, text};
use crate::fetch::Fetched;

/// The longest an event is believed to last: a recurring event's series
/// end (a stored page had one ending in 2067) is not one event's end.
const LONGEST_EVENT_DAYS: i64 = 60;

pub(super) fn extract(fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    let page = parse(fetched)?;
    let events = page
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ExtractError::Json(
                "expected The Events Calendar's answer, an object with `events`".to_owned(),
            )
        })?;
    Ok(events
        .iter()
        .filter_map(|e| event(e, &fetched.url))
        .collect())
}

/// `next_rest_url`, when the API says there is a next page.
pub(super) fn next_page(fetched: &Fetched) -> Option<Url> {
    let page = parse(fetched).ok()?;
    let next = page.get("next_rest_url")?.as_str()?.trim();
    (!next.is_empty()).then(|| fetched.url.join(next).ok())?
}

fn parse(fetched: &Fetched) -> Result<Value, ExtractError> {
    serde_json::from_slice(&fetched.body).map_err(|e| ExtractError::Json(e.to_string()))
}

/// A string field, `None` when missing, empty, or WordPress's `false`.
fn string<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn event(value: &Value, page: &Url) -> Option<RawItem> {
    let title = text::one_line(&text::of_html(string(value, "title")?));
    if title.is_empty() {
        return None;
    }
    let link = string(value, "url")
        .and_then(|u| page.join(u).ok())
        .map(String::from);
    let guid = value
        .get("id")
        .and_then(Value::as_u64)
        .map(|id| format!("tribe-event-{id}"));
    let description = string(value, "description")
        .map(text::of_html)
        .filter(|d| !d.is_empty())
        .or_else(|| {
            string(value, "excerpt")
                .map(text::of_html)
                .filter(|d| !d.is_empty())
        });
    let mut summary: Vec<String> = description.into_iter().collect();
    if let Some(cost) = string(value, "cost") {
        summary.push(format!("Cost: {}", text::one_line(&text::of_html(cost))));
    }
    let (place, venue_online) = venue(value.get("venue"));
    let status = string(value, "status").and_then(status_of);
    let moved_online = string(value, "status").is_some_and(|s| s == "moved_online");
    Some(RawItem {
        title,
        link,
        guid,
        summary: (!summary.is_empty()).then(|| summary.join("\n")),
        when: when(value),
        place,
        mode: (venue_online || moved_online).then_some(Mode::Virtual),
        status,
        organizer: value
            .get("organizer")
            .and_then(Value::as_array)
            .and_then(|o| o.first())
            .and_then(|o| string(o, "organizer"))
            .map(|o| text::one_line(&text::of_html(o))),
        ..RawItem::default()
    })
}

/// The Events Calendar's event status (its "Event Status" feature):
/// `canceled`, `postponed`; `scheduled` and `moved_online` still happen.
fn status_of(status: &str) -> Option<Status> {
    match status.to_ascii_lowercase().as_str() {
        "canceled" | "cancelled" => Some(Status::Cancelled),
        "postponed" => Some(Status::Postponed),
        _ => None,
    }
}

fn when(value: &Value) -> Option<RawWhen> {
    let local = |key: &str| {
        string(value, key).and_then(|d| NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S").ok())
    };
    let start = local("start_date")?;
    let end = local("end_date");
    let all_day = value.get("all_day").and_then(Value::as_bool) == Some(true);
    let tz = string(value, "timezone").and_then(|t| t.parse::<Tz>().ok());
    let (start_at, end_at) = if all_day {
        (
            Moment::Day(start.date()),
            end.map(|e| Moment::Day(e.date().max(start.date()))),
        )
    } else if let Some(tz) = tz {
        (
            Moment::Local(start, Some(tz)),
            end.map(|e| Moment::Local(e, Some(tz))),
        )
    } else {
        // "UTC+0", "UTC-5": an offset names no place; the UTC times,
        // placed in the source's timezone, are the truth.
        match local("utc_start_date") {
            Some(utc) => (
                Moment::Instant(utc.and_utc()),
                local("utc_end_date").map(|e| Moment::Instant(e.and_utc())),
            ),
            None => (
                Moment::Local(start, None),
                end.map(|e| Moment::Local(e, None)),
            ),
        }
    };
    let sane = end.filter(|e| *e >= start && *e - start <= Duration::days(LONGEST_EVENT_DAYS));
    let written = string(value, "start_date").unwrap_or_default();
    Some(RawWhen {
        start: start_at,
        end: sane.and(end_at),
        text: written.to_owned(),
    })
}

/// The venue's parts, and whether the venue is the internet ("Online",
/// "Zoom", "Virtual Event").
fn venue(value: Option<&Value>) -> (Option<RawPlace>, bool) {
    let Some(venue) = value.filter(|v| v.is_object()) else {
        return (None, false);
    };
    let part = |key: &str| string(venue, key).map(|s| text::one_line(&text::of_html(s)));
    let name = part("venue");
    let place = RawPlace {
        venue: name.clone(),
        street: part("address"),
        city: part("city"),
        region: part("state").or_else(|| part("province")),
        country: part("country"),
    };
    let online = name.as_deref().is_some_and(|n| {
        let n = n.to_lowercase();
        ["online", "virtual", "zoom", "webinar"]
            .iter()
            .any(|w| n.contains(w))
    }) && place.city.is_none();
    if online {
        return (None, true);
    }
    ((!place.is_empty()).then_some(place), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::Validators;

    fn fetched(json: &str) -> Fetched {
        Fetched {
            url: Url::parse("https://perfweb.us/wp-json/tribe/events/v1/events").unwrap(),
            content_type: Some("application/json".to_owned()),
            body: json.as_bytes().to_vec(),
            page_date: None,
            validators: Validators::default(),
        }
    }

    #[test]
    fn a_recurring_events_series_end_is_not_its_end() {
        let page = fetched(
            r#"{"events":[{"id":7,"title":"Perfusion Safety &#8211; Part 1","url":"https://perfweb.us/event/safety/",
            "all_day":false,"start_date":"2024-08-13 19:00:00","end_date":"2067-02-26 20:00:00",
            "timezone":"America/New_York","venue":[]}],"total":1,"total_pages":1}"#,
        );
        let items = extract(&page).unwrap();
        assert_eq!(items[0].title, "Perfusion Safety \u{2013} Part 1");
        let when = items[0].when.as_ref().unwrap();
        let at = NaiveDateTime::parse_from_str("2024-08-13 19:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            when.start,
            Moment::Local(at, Some(chrono_tz::America::New_York))
        );
        assert_eq!(when.end, None, "a 43-year event is clamped to its start");
        assert_eq!(next_page(&page), None, "no next_rest_url, no next page");
    }

    #[test]
    fn an_offset_timezone_uses_the_utc_times_and_status_words_are_read() {
        let page = fetched(
            r#"{"events":[{"id":8,"title":"Cannulation","all_day":false,
            "start_date":"2024-07-09 23:00:00","end_date":"2024-07-10 00:00:00",
            "utc_start_date":"2024-07-09 23:00:00","utc_end_date":"2024-07-10 00:00:00",
            "timezone":"UTC+0","status":"canceled",
            "venue":{"venue":"Zoom Webinar"}}],
            "next_rest_url":"https://perfweb.us/wp-json/tribe/events/v1/events?page=2"}"#,
        );
        let items = extract(&page).unwrap();
        let when = items[0].when.as_ref().unwrap();
        assert_eq!(
            when.start,
            Moment::Instant("2024-07-09T23:00:00Z".parse().unwrap())
        );
        assert_eq!(items[0].status, Some(Status::Cancelled));
        assert_eq!(items[0].mode, Some(Mode::Virtual));
        assert_eq!(items[0].place, None);
        assert_eq!(
            next_page(&page).unwrap().as_str(),
            "https://perfweb.us/wp-json/tribe/events/v1/events?page=2"
        );
    }

    #[test]
    fn something_else_than_the_events_api_is_refused() {
        let err = extract(&fetched(r#"{"code":"rest_no_route"}"#)).unwrap_err();
        assert!(err.to_string().contains("`events`"), "{err}");
    }
}
