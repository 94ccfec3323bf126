//! Conversions between the domain model and the `perfusion.v1` messages,
//! and the validation of requests: every field a client can get wrong is
//! checked here, and the error names it.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use perfusion_index::{
    DatePrecision, Deadline, DeadlineKind, Item, ItemKind, Mode, Place, SearchQuery, SortOrder,
    SourceRef, Status,
};
use perfusion_proto::v1 as pb;
use tonic::Status as GrpcStatus;

use crate::config::SourceConfig;
use crate::state::{Outcome, SourceState};

/// The page size when a request names none.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// The largest page a request may ask for.
pub const MAX_PAGE_SIZE: usize = 500;
/// The longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;
/// The most values one filter (kinds, orgs, countries) may list: there are
/// eight kinds and a few dozen organisations, so a real filter is far
/// shorter, and a longer one only makes the index work for nothing.
pub const MAX_FILTER_VALUES: usize = 32;

fn invalid(field: &str, message: impl std::fmt::Display) -> GrpcStatus {
    GrpcStatus::invalid_argument(format!("{field}: {message}"))
}

/// A search request as an index query, or INVALID_ARGUMENT naming the field
/// at fault.
pub fn search_query(req: &pb::SearchRequest, today: NaiveDate) -> Result<SearchQuery, GrpcStatus> {
    let mut q = SearchQuery::new(today);
    if req.query.len() > MAX_QUERY_BYTES {
        return Err(invalid(
            "query",
            format!("longer than {MAX_QUERY_BYTES} bytes"),
        ));
    }
    q.text.clone_from(&req.query);
    for (field, count) in [
        ("kinds", req.kinds.len()),
        ("orgs", req.orgs.len()),
        ("countries", req.countries.len()),
    ] {
        if count > MAX_FILTER_VALUES {
            return Err(invalid(
                field,
                format!("{count} values; at most {MAX_FILTER_VALUES} are accepted"),
            ));
        }
    }
    q.kinds = req
        .kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            kind_from_pb(k)
                .ok_or_else(|| invalid(&format!("kinds[{i}]"), format!("unknown item kind {k}")))
        })
        .collect::<Result<_, _>>()?;
    q.orgs = non_empty(&req.orgs, "orgs")?;
    q.countries = non_empty(&req.countries, "countries")?
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                Ok(c.to_ascii_uppercase())
            } else {
                Err(invalid(
                    &format!("countries[{i}]"),
                    format!("{c:?} is not an ISO 3166-1 alpha-2 code such as \"DE\""),
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    q.mode = match pb::Mode::try_from(req.mode) {
        Ok(pb::Mode::Unspecified) => None,
        Ok(pb::Mode::InPerson) => Some(Mode::InPerson),
        Ok(pb::Mode::Virtual) => Some(Mode::Virtual),
        Ok(pb::Mode::Hybrid) => Some(Mode::Hybrid),
        Err(_) => return Err(invalid("mode", format!("unknown mode {}", req.mode))),
    };
    q.from = date_field(&req.from, "from")?;
    q.to = date_field(&req.to, "to")?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(invalid("to", format!("{to} is before from {from}")));
    }
    q.include_past = req.include_past;
    q.include_withdrawn = req.include_withdrawn;
    q.sort = match pb::Sort::try_from(req.sort) {
        Ok(pb::Sort::Unspecified | pb::Sort::Date) => SortOrder::Date,
        Ok(pb::Sort::Relevance) => SortOrder::Relevance,
        Err(_) => return Err(invalid("sort", format!("unknown sort {}", req.sort))),
    };
    q.limit = match req.page_size {
        n if n < 0 => {
            return Err(invalid(
                "page_size",
                format!("{n} is negative; give 1 to {MAX_PAGE_SIZE}, or 0 for {DEFAULT_PAGE_SIZE}"),
            ));
        }
        0 => DEFAULT_PAGE_SIZE,
        n => (n as usize).min(MAX_PAGE_SIZE),
    };
    match decode_page_token(&req.page_token)? {
        PageToken::Start => {}
        PageToken::After(key) if q.sort == SortOrder::Date => q.after = Some(key),
        PageToken::Offset(offset) if q.sort != SortOrder::Date => q.offset = offset,
        _ => {
            return Err(invalid(
                "page_token",
                "it belongs to a search with another sort; start again without one",
            ));
        }
    }
    Ok(q)
}

fn non_empty(values: &[String], field: &str) -> Result<Vec<String>, GrpcStatus> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let v = v.trim();
            if v.is_empty() {
                Err(invalid(&format!("{field}[{i}]"), "is empty"))
            } else {
                Ok(v.to_owned())
            }
        })
        .collect()
}

fn date_field(value: &str, field: &str) -> Result<Option<NaiveDate>, GrpcStatus> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            invalid(
                field,
                format!("{value:?} is not a date; write YYYY-MM-DD, e.g. 2026-03-01"),
            )
        })
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageToken {
    /// The first page.
    Start,
    /// Date order: after the item with this key.
    After(u64),
    /// Relevance and newest-first orders: after this many hits.
    Offset(usize),
}

/// The opaque token of a page.
pub fn encode_page_token(token: PageToken) -> String {
    match token {
        PageToken::Start => String::new(),
        PageToken::After(key) => format!("d1.{key:x}"),
        PageToken::Offset(offset) => format!("o1.{offset:x}"),
    }
}

fn decode_page_token(token: &str) -> Result<PageToken, GrpcStatus> {
    if token.is_empty() {
        return Ok(PageToken::Start);
    }
    let hex = |h: &str| u64::from_str_radix(h, 16).ok();
    let decoded = match token.split_once('.') {
        Some(("d1", h)) => hex(h).map(PageToken::After),
        Some(("o1", h)) => hex(h)
            .and_then(|n| usize::try_from(n).ok())
            .map(PageToken::Offset),
        _ => None,
    };
    decoded.ok_or_else(|| {
        invalid(
            "page_token",
            "not a token this daemon gave; start again without one",
        )
    })
}

/// The domain kind of a wire kind; `None` for unspecified or unknown values.
pub fn kind_from_pb(value: i32) -> Option<ItemKind> {
    Some(match pb::ItemKind::try_from(value).ok()? {
        pb::ItemKind::Unspecified => return None,
        pb::ItemKind::Course => ItemKind::Course,
        pb::ItemKind::Conference => ItemKind::Conference,
        pb::ItemKind::Webinar => ItemKind::Webinar,
        pb::ItemKind::Grant => ItemKind::Grant,
        pb::ItemKind::Job => ItemKind::Job,
        pb::ItemKind::Publication => ItemKind::Publication,
        pb::ItemKind::Deadline => ItemKind::Deadline,
    })
}

/// The wire kind of a domain kind.
pub fn kind_to_pb(kind: ItemKind) -> pb::ItemKind {
    match kind {
        ItemKind::Course => pb::ItemKind::Course,
        ItemKind::Conference => pb::ItemKind::Conference,
        ItemKind::Webinar => pb::ItemKind::Webinar,
        ItemKind::Grant => pb::ItemKind::Grant,
        ItemKind::Job => pb::ItemKind::Job,
        ItemKind::Publication => pb::ItemKind::Publication,
        ItemKind::Deadline => pb::ItemKind::Deadline,
    }
}

fn precision_to_pb(p: DatePrecision) -> pb::DatePrecision {
    match p {
        DatePrecision::Day => pb::DatePrecision::Day,
        DatePrecision::Month => pb::DatePrecision::Month,
        DatePrecision::Season => pb::DatePrecision::Season,
        DatePrecision::Year => pb::DatePrecision::Year,
        DatePrecision::Unknown => pb::DatePrecision::Unknown,
    }
}

/// The wire mode of a domain mode; unspecified for none.
pub fn mode_to_pb(m: Option<Mode>) -> pb::Mode {
    match m {
        None => pb::Mode::Unspecified,
        Some(Mode::InPerson) => pb::Mode::InPerson,
        Some(Mode::Virtual) => pb::Mode::Virtual,
        Some(Mode::Hybrid) => pb::Mode::Hybrid,
    }
}

fn status_to_pb(s: Status) -> pb::Status {
    match s {
        Status::Scheduled => pb::Status::Scheduled,
        Status::Postponed => pb::Status::Postponed,
        Status::Cancelled => pb::Status::Cancelled,
        Status::Full => pb::Status::Full,
        Status::Rescheduled => pb::Status::Rescheduled,
        Status::Closed => pb::Status::Closed,
        Status::Withdrawn => pb::Status::Withdrawn,
    }
}

fn deadline_kind_to_pb(k: DeadlineKind) -> pb::DeadlineKind {
    match k {
        DeadlineKind::Abstract => pb::DeadlineKind::Abstract,
        DeadlineKind::Registration => pb::DeadlineKind::Registration,
        DeadlineKind::Application => pb::DeadlineKind::Application,
        DeadlineKind::Closing => pb::DeadlineKind::Closing,
        DeadlineKind::Other => pb::DeadlineKind::Other,
    }
}

fn civil(d: NaiveDate) -> pb::CivilDate {
    pb::CivilDate {
        year: d.year(),
        month: d.month(),
        day: d.day(),
    }
}

/// A UTC instant as a protobuf timestamp.
pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

fn hh_mm(t: Option<chrono::NaiveTime>) -> String {
    t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

fn place_to_pb(p: &Place) -> pb::Place {
    pb::Place {
        venue: p.venue.clone().unwrap_or_default(),
        city: p.city.clone().unwrap_or_default(),
        region: p.region.clone().unwrap_or_default(),
        country_code: p.country_code.clone().unwrap_or_default(),
        text: p.text.clone(),
    }
}

fn deadline_to_pb(d: &Deadline) -> pb::Deadline {
    pb::Deadline {
        kind: deadline_kind_to_pb(d.kind).into(),
        date: Some(civil(d.date)),
        time: hh_mm(d.time),
        timezone: d.timezone.clone().unwrap_or_default(),
        label: d.label.clone(),
    }
}

fn source_ref_to_pb(s: &SourceRef) -> pb::SourceRef {
    pb::SourceRef {
        source_id: s.source_id.clone(),
        org: s.org.clone(),
        url: s.url.clone(),
    }
}

/// An item as its wire message, last seen when its sources' reads say
/// (see [`crate::state::States::last_seen`]).
pub fn item_to_pb(item: &Item, last_seen: DateTime<Utc>) -> pb::Item {
    let when = &item.when;
    pb::Item {
        id: item.id.clone(),
        kind: kind_to_pb(item.kind).into(),
        title: item.title.clone(),
        summary: item.summary.clone(),
        url: item.url.clone(),
        org: item.org.clone(),
        sources: item.sources.iter().map(source_ref_to_pb).collect(),
        start: when.start.map(civil),
        end: when.end.map(civil),
        date_precision: precision_to_pb(when.precision).into(),
        date_text: when.text.clone(),
        start_time: hh_mm(when.start_time),
        end_time: hh_mm(when.end_time),
        timezone: when.timezone.clone().unwrap_or_default(),
        all_day: when.all_day(),
        place: (!item.place.is_empty()).then(|| place_to_pb(&item.place)),
        mode: mode_to_pb(item.mode).into(),
        status: status_to_pb(item.status).into(),
        deadlines: item.deadlines.iter().map(deadline_to_pb).collect(),
        posted: item.posted.map(timestamp),
        first_seen: Some(timestamp(item.first_seen)),
        last_seen: Some(timestamp(last_seen)),
        language: item.language.clone().unwrap_or_default(),
        revision: item.revision,
    }
}

/// A snippet as the wire message.
pub fn snippet_to_pb(s: perfusion_index::Snippet) -> pb::Snippet {
    let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    pb::Snippet {
        highlights: s
            .highlights
            .iter()
            .map(|r| pb::Highlight {
                start: at(r.start),
                end: at(r.end),
            })
            .collect(),
        fragment: s.fragment,
    }
}

/// What a run did, as the wire message.
pub fn run_to_pb(report: &crate::runner::RunReport) -> pb::SourceRun {
    pb::SourceRun {
        source_id: report.source_id.clone(),
        outcome: outcome_to_pb(report.outcome).into(),
        items: report.items as u64,
        added: report.stats.added as u64,
        changed: report.stats.changed as u64,
        unchanged: report.stats.unchanged as u64,
        merged: report.stats.merged as u64,
        withdrawn: report.stats.withdrawn as u64,
        error: report.error.clone().unwrap_or_default(),
        skipped_until: report.skipped_until.map(timestamp),
    }
}

fn outcome_to_pb(outcome: Outcome) -> pb::RunOutcome {
    match outcome {
        Outcome::Pending => pb::RunOutcome::Pending,
        Outcome::Ok => pb::RunOutcome::Ok,
        Outcome::NotModified => pb::RunOutcome::NotModified,
        Outcome::Warning => pb::RunOutcome::Warning,
        Outcome::Failed => pb::RunOutcome::Failed,
    }
}

/// A source and its health as the wire message.
pub fn source_status_to_pb(
    source: &SourceConfig,
    state: &SourceState,
    item_count: u64,
) -> pb::SourceStatus {
    pb::SourceStatus {
        id: source.id.clone(),
        org: source.org.clone(),
        url: source.url.to_string(),
        format: source.format.name().to_owned(),
        kind: kind_to_pb(source.kind).into(),
        last_attempt: state.last_attempt.map(timestamp),
        last_success: state.last_success.map(timestamp),
        outcome: outcome_to_pb(state.outcome).into(),
        last_error: state.last_error.clone().unwrap_or_default(),
        item_count,
        last_run_items: state.last_run_items,
        consecutive_failures: state.consecutive_failures,
        next_run: state.next_run.map(timestamp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn error_of(req: &pb::SearchRequest) -> String {
        let status = search_query(req, today()).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        status.message().to_owned()
    }

    #[test]
    fn bad_requests_name_the_field() {
        let from = pb::SearchRequest {
            from: "30/09/2021".into(),
            ..Default::default()
        };
        assert_eq!(
            error_of(&from),
            "from: \"30/09/2021\" is not a date; write YYYY-MM-DD, e.g. 2026-03-01"
        );
        let kind = pb::SearchRequest {
            kinds: vec![2, 42],
            ..Default::default()
        };
        assert_eq!(error_of(&kind), "kinds[1]: unknown item kind 42");
        let size = pb::SearchRequest {
            page_size: -1,
            ..Default::default()
        };
        assert!(error_of(&size).starts_with("page_size: -1 is negative"));
        let token = pb::SearchRequest {
            page_token: "zz".into(),
            ..Default::default()
        };
        assert!(error_of(&token).starts_with("page_token:"));
        let range = pb::SearchRequest {
            from: "2026-05-01".into(),
            to: "2026-04-01".into(),
            ..Default::default()
        };
        assert_eq!(error_of(&range), "to: 2026-04-01 is before from 2026-05-01");
        let orgs = pb::SearchRequest {
            orgs: (0..33).map(|i| format!("org{i}")).collect(),
            ..Default::default()
        };
        assert_eq!(error_of(&orgs), "orgs: 33 values; at most 32 are accepted");
        let countries = pb::SearchRequest {
            countries: vec!["DE".into(); 40],
            ..Default::default()
        };
        assert_eq!(
            error_of(&countries),
            "countries: 40 values; at most 32 are accepted"
        );
        let fine = pb::SearchRequest {
            orgs: (0..32).map(|i| format!("org{i}")).collect(),
            ..Default::default()
        };
        assert!(search_query(&fine, today()).is_ok());
    }

    #[test]
    fn page_sizes_default_and_cap() {
        let q = search_query(&pb::SearchRequest::default(), today()).unwrap();
        assert_eq!((q.limit, q.offset), (DEFAULT_PAGE_SIZE, 0));
        let big = pb::SearchRequest {
            page_size: 100_000,
            sort: pb::Sort::Relevance.into(),
            page_token: encode_page_token(PageToken::Offset(40)),
            ..Default::default()
        };
        let q = search_query(&big, today()).unwrap();
        assert_eq!((q.limit, q.offset), (MAX_PAGE_SIZE, 40));
        let by_date = pb::SearchRequest {
            page_token: encode_page_token(PageToken::After(0xabc)),
            ..Default::default()
        };
        assert_eq!(search_query(&by_date, today()).unwrap().after, Some(0xabc));
        let mixed = pb::SearchRequest {
            page_token: encode_page_token(PageToken::After(0xabc)),
            sort: pb::Sort::Relevance.into(),
            ..Default::default()
        };
        assert!(
            error_of(&mixed).starts_with("page_token: it belongs to a search with another sort")
        );
    }
}
