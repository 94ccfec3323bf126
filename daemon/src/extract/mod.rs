//! Turning a fetched page or feed into raw items: the strings a source
//! gives for each item (title, date text, place text, link, summary), before
//! any of them is interpreted. One module per format; [`extract`] picks it.

mod feed;
mod html_list;
pub mod text;

use chrono::{DateTime, Utc};

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
    /// The format's own identifier of the item (a feed entry's guid).
    pub guid: Option<String>,
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The feed is not RSS, Atom or JSON Feed, or is malformed.
    #[error("not a readable feed: {0}")]
    Feed(String),
    /// The page is not what the format expects.
    #[error("{0}")]
    Unexpected(String),
}

/// Reads the items of a fetched page.
pub fn extract(format: &Format, fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    match format {
        Format::Feed => feed::extract(fetched),
        Format::HtmlList(list) => html_list::extract(list, fetched),
    }
}
