//! Turning a fetched page or feed into raw items: the strings a source
//! gives for each item (title, date text, place text, link, summary), before
//! any of them is interpreted, plus the values a structured format states
//! outright (an iCalendar DTSTART, a JSON-LD `startDate`, a venue's city),
//! which normalisation prefers over reading text. One module per format;
//! [`extract`] picks it, and [`next_page`] finds a paged source's next page.

mod feed;
mod html_blocks;
mod html_list;
mod ical;
mod jsonld;
pub mod text;
mod tribe_json;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use perfusion_index::{Deadline, ItemKind, Mode, Status};
use url::Url;

use crate::config::Format;
use crate::fetch::Fetched;

/// An item as its source wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawItem {
    /// The title, as plain text.
    pub title: String,
    /// Text holding the date or date range.
    pub date_text: Option<String>,
    /// Text holding the end date, when the source gives it apart.
    pub end_date_text: Option<String>,
    /// The place, as written.
    pub location: Option<String>,
    /// The item's own page, absolute.
    pub link: Option<String>,
    /// A description, as plain text.
    pub summary: Option<String>,
    /// Text holding the date the item was posted.
    pub posted_text: Option<String>,
    /// The posting date, when the format gives it structured (feeds).
    pub posted: Option<DateTime<Utc>>,
    /// The format's own identifier of the item (a feed entry's guid, an
    /// iCalendar UID).
    pub guid: Option<String>,
    /// When it happens, as the format states it; preferred over
    /// `date_text`.
    pub when: Option<RawWhen>,
    /// What it is, when the format says (a JSON-LD `JobPosting`).
    pub kind: Option<ItemKind>,
    /// Whether it stands, when the format says (`STATUS:CANCELLED`).
    pub status: Option<Status>,
    /// In person, online or both, when the format says.
    pub mode: Option<Mode>,
    /// Dated calls the format states (a job's `validThrough`).
    pub deadlines: Vec<Deadline>,
    /// The place in parts, when the format gives them; preferred over
    /// `location`.
    pub place: Option<RawPlace>,
    /// Who runs it or offers it (an organiser, an employer).
    pub organizer: Option<String>,
}

/// When an item happens, as a structured format states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawWhen {
    /// The beginning.
    pub start: Moment,
    /// The end: for a [`Moment::Day`] the last day, inclusive.
    pub end: Option<Moment>,
    /// The value as the source wrote it, for people.
    pub text: String,
}

/// A point in time as a format gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A whole day (an all-day event).
    Day(NaiveDate),
    /// A wall-clock time in a named timezone, or in the source's own
    /// timezone when `None` (an iCalendar "floating" time).
    Local(NaiveDateTime, Option<Tz>),
    /// An instant (UTC, or a time with an offset).
    Instant(DateTime<Utc>),
}

/// A place in the parts a structured format gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPlace {
    /// A hotel, hospital or conference centre.
    pub venue: Option<String>,
    /// Street address, kept for the place's text only.
    pub street: Option<String>,
    /// The city.
    pub city: Option<String>,
    /// A state, province or region.
    pub region: Option<String>,
    /// A country name or ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
}

impl RawPlace {
    /// True when no part is known.
    pub fn is_empty(&self) -> bool {
        self.venue.is_none()
            && self.street.is_none()
            && self.city.is_none()
            && self.region.is_none()
            && self.country.is_none()
    }
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The feed is not RSS, Atom or JSON Feed, or is malformed.
    #[error("not a readable feed: {0}")]
    Feed(String),
    /// The calendar is not iCalendar, or is malformed.
    #[error("not a readable calendar: {0}")]
    Calendar(String),
    /// The JSON is not what the format expects.
    #[error("not readable JSON: {0}")]
    Json(String),
    /// The page is not what the format expects.
    #[error("{0}")]
    Unexpected(String),
}

/// Reads the items of a fetched page.
pub fn extract(format: &Format, fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    let mut items = match format {
        Format::Feed => feed::extract(fetched),
        Format::HtmlList(list) => html_list::extract(list, fetched),
        Format::HtmlBlocks(blocks) => html_blocks::extract(blocks, fetched),
        Format::Ical(ical) => ical::extract(ical, fetched),
        Format::TribeJson(_) => tribe_json::extract(fetched),
        Format::Jsonld => jsonld::extract(fetched),
    }?;
    // One gate for every format's links, whatever each reads them from.
    for item in &mut items {
        item.link = item.link.take().and_then(|l| web_link(&fetched.url, &l));
    }
    Ok(items)
}

/// `href` as an item's page: resolved against the page it was read from,
/// and kept only when it is an http(s) URL, which a browser or a calendar
/// app opens. A `mailto:` or `javascript:__doPostBack(...)` link, or text
/// that is no URL at all, is no link: the item then points at the page
/// that listed it.
pub(crate) fn web_link(page: &Url, href: &str) -> Option<String> {
    let url = page.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

/// The next page of a paged source, as the page links it: an `html_list`
/// page's `next` link, a `tribe_json` page's `next_rest_url`. Resolved
/// against the page's URL; `None` for formats that do not page.
pub fn next_page(format: &Format, fetched: &Fetched) -> Option<Url> {
    match format {
        Format::HtmlList(list) => html_list::next_page(list, fetched),
        Format::TribeJson(_) => tribe_json::next_page(fetched),
        _ => None,
    }
}

/// Refuses a body that is not HTML: a paged list that ends in a JSON
/// error, a feed URL configured as a page.
fn expect_html(fetched: &Fetched) -> Result<(), ExtractError> {
    match fetched.content_type.as_deref() {
        Some(ct) if !ct.contains("html") && !ct.starts_with("text/") => Err(
            ExtractError::Unexpected(format!("expected an HTML page, got {ct}")),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::Validators;

    fn page(url: &str, content_type: &str, body: &str) -> Fetched {
        Fetched {
            url: Url::parse(url).unwrap(),
            content_type: Some(content_type.to_owned()),
            body: body.as_bytes().to_vec(),
            page_date: Some("2024-10-15T00:00:00Z".parse().unwrap()),
            validators: Validators::default(),
        }
    }

    fn format(keys: &str) -> Format {
        let text = format!(
            "version = 1\n[[source]]\nid = \"s\"\norg = \"O\"\nurl = \"https://o.example/\"\nkind = \"course\"\ntimezone = \"UTC\"\n{keys}\n"
        );
        let config = crate::config::parse(&text, std::path::Path::new("t.toml")).unwrap();
        config.sources[0].format.clone()
    }

    fn links(format: &Format, fetched: &Fetched) -> Vec<Option<String>> {
        let items = extract(format, fetched).unwrap();
        items.into_iter().map(|i| i.link).collect()
    }

    // Found by the fuzz targets' check that every item links to an http(s)
    // page: each format let a mailto:, javascript: or other link through.
    #[test]
    fn an_items_link_is_an_http_page_or_none() {
        // A DNN event list (AmSECT's skin): the title posts back to the
        // page in JavaScript, and the item's page is the next link.
        let amsect = page(
            "https://www.amsect.org/events-education",
            "text/html",
            r#"<div class="EventItem"><h3 class="EventTitle"><a href="javascript:__doPostBack('dnn$ctr1177$EventList','42')">Perfusion Safety Summit</a></h3>
            <a href="/events-education/safety-summit">Details</a></div>
            <div class="EventItem"><h3 class="EventTitle"><a href="mailto:events@amsect.org">Webinar: ECMO weaning</a></h3></div>"#,
        );
        let list = format("format = \"html_list\"\nitem = \".EventItem\"\ntitle = \".EventTitle\"");
        assert_eq!(
            links(&list, &amsect),
            [
                Some("https://www.amsect.org/events-education/safety-summit".to_owned()),
                None
            ]
        );
        let titled = format(
            "format = \"html_list\"\nitem = \".EventItem\"\ntitle = \".EventTitle\"\nlink = \".EventTitle a@href\"",
        );
        assert_eq!(links(&titled, &amsect), [None, None]);

        let tribe = page(
            "https://perfweb.us/wp-json/tribe/events/v1/events",
            "application/json",
            r#"{"events":[{"id":1,"title":"Cannulation","url":"javascript:alert(1)","all_day":true,"start_date":"2024-11-05 00:00:00"},
            {"id":2,"title":"Weaning","url":"ftp://perfweb.us/weaning.pdf","all_day":true,"start_date":"2024-11-06 00:00:00"}]}"#,
        );
        assert_eq!(
            links(&format("format = \"tribe_json\""), &tribe),
            [None, None]
        );

        let jsonld = page(
            "https://www.euroelso-congress.com/",
            "text/html",
            r#"<script type="application/ld+json">{"@type":"Event","name":"EuroELSO 2025","startDate":"2025-05-07","url":"mailto:info@euroelso.net"}</script>"#,
        );
        assert_eq!(links(&format("format = \"jsonld\""), &jsonld), [None]);

        // A relative link in a feed resolves against the feed.
        let feed = page(
            "https://scps.example/feed.json",
            "application/feed+json",
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"SCPS","items":[
            {"id":"1","title":"AGM","url":"/2025/agm"},{"id":"2","title":"Bursary","url":"data:text/html,<b>x</b>"}]}"#,
        );
        assert_eq!(
            links(&format("format = \"feed\""), &feed),
            [Some("https://scps.example/2025/agm".to_owned()), None]
        );
    }
}
