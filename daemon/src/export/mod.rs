//! What the daemon publishes besides gRPC search: iCalendar subscriptions
//! and an Atom feed, built from the same filters as a search.
//!
//! HTTP (`/calendar.ics`, `/calendars/{name}.ics`, `/feed.atom`) and the
//! `ExportCalendar` RPC both come through here, so a filter means the same
//! everywhere and is validated once, by the search's own validation.

pub mod atom;
pub mod ical;

use chrono::{Duration, NaiveDate};
use perfusion_index::{IndexError, IndexStore, Item, SearchQuery, SortOrder};
use perfusion_proto::v1 as pb;

use crate::config::{CalendarConfig, Config};
use crate::grpc::convert;

/// The most items one calendar or feed holds.
pub const MAX_ITEMS: usize = 10_000;
/// Entries in an Atom feed.
pub const FEED_ENTRIES: usize = 50;
/// How long ago an item may have ended and still be on a calendar:
/// subscribers keep their history.
pub const CALENDAR_HISTORY_DAYS: i64 = 365;
/// The right-hand side of every UID: stable, so calendar clients recognise
/// an event across refreshes.
pub const UID_DOMAIN: &str = "perfusiond";

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The request was wrong: the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// No `[[calendar]]` has that name.
    #[error("no calendar named {name:?}; configured: {known}")]
    UnknownCalendar {
        /// The name asked for.
        name: String,
        /// The configured names, comma separated.
        known: String,
    },
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<tonic::Status> for ExportError {
    fn from(status: tonic::Status) -> Self {
        ExportError::Invalid(status.message().to_owned())
    }
}

/// The search request a named calendar stands for.
pub fn named_request(calendar: &CalendarConfig) -> pb::SearchRequest {
    pb::SearchRequest {
        query: calendar.query.clone(),
        kinds: calendar
            .kinds
            .iter()
            .map(|k| convert::kind_to_pb(*k).into())
            .collect(),
        orgs: calendar.orgs.clone(),
        countries: calendar.countries.clone(),
        mode: convert::mode_to_pb(calendar.mode).into(),
        ..Default::default()
    }
}

/// The items of a calendar: the filter's matches, soonest first, with the
/// past year included unless the filter sets its own `from`.
pub fn calendar_items(
    store: &IndexStore,
    filter: &pb::SearchRequest,
    today: NaiveDate,
) -> Result<Vec<Item>, ExportError> {
    let mut filter = filter.clone();
    if filter.from.is_empty() && !filter.include_past {
        filter.from = (today - Duration::days(CALENDAR_HISTORY_DAYS)).to_string();
    }
    matching(store, &filter, today, SortOrder::Date, MAX_ITEMS)
}

/// The newest items matching a filter, newest first, for a feed.
pub fn feed_items(
    store: &IndexStore,
    filter: &pb::SearchRequest,
    today: NaiveDate,
) -> Result<Vec<Item>, ExportError> {
    matching(store, filter, today, SortOrder::Newest, FEED_ENTRIES)
}

/// Every match of a filter, past ones included, in this order, at most
/// `limit`.
fn matching(
    store: &IndexStore,
    filter: &pb::SearchRequest,
    today: NaiveDate,
    sort: SortOrder,
    limit: usize,
) -> Result<Vec<Item>, ExportError> {
    let mut query: SearchQuery = convert::search_query(filter, today)?;
    query.include_past = true;
    query.sort = sort;
    query.offset = 0;
    query.limit = limit;
    Ok(store.search(&query)?.into_items())
}

/// A calendar, by name or by filter, as iCalendar text.
pub fn calendar(
    store: &IndexStore,
    config: &Config,
    name: Option<&str>,
    filter: &pb::SearchRequest,
    today: NaiveDate,
) -> Result<String, ExportError> {
    let (title, request, alarm) = match name {
        Some(name) => {
            let calendar = config
                .calendars
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| ExportError::UnknownCalendar {
                    name: name.to_owned(),
                    known: known_calendars(config),
                })?;
            (
                calendar.name.clone(),
                named_request(calendar),
                calendar.alarm,
            )
        }
        None => ("Perfusion and ECMO events".to_owned(), filter.clone(), None),
    };
    let items = calendar_items(store, &request, today)?;
    let options = ical::CalendarOptions {
        name: title,
        uid_domain: UID_DOMAIN.to_owned(),
        prodid: format!("-//perfusion//perfusiond {}//EN", env!("CARGO_PKG_VERSION")),
        refresh: config.publish.refresh,
        alarm,
    };
    Ok(ical::write(&items, &options))
}

fn known_calendars(config: &Config) -> String {
    if config.calendars.is_empty() {
        "none (add [[calendar]] tables to the configuration)".to_owned()
    } else {
        config
            .calendars
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
