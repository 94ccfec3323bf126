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
    match format {
        Format::Feed => feed::extract(fetched),
        Format::HtmlList(list) => html_list::extract(list, fetched),
        Format::HtmlBlocks(blocks) => html_blocks::extract(blocks, fetched),
        Format::Ical(ical) => ical::extract(ical, fetched),
        Format::TribeJson(_) => tribe_json::extract(fetched),
        Format::Jsonld => jsonld::extract(fetched),
    }
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
