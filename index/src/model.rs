//! The domain model: what the aggregator knows about a course, conference,
//! webinar, grant, deadline, job or publication, independent of where it was
//! read and of how it is served.
//!
//! Every type here serialises with serde in `snake_case`, which is also the
//! spelling users type on the command line and in `sources.toml`
//! (`--kind course`, `kind = "grant"`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A course, workshop or training (ECMO simulation courses, CEU courses).
    Course,
    /// A congress, annual meeting or symposium.
    Conference,
    /// An online talk or seminar.
    Webinar,
    /// A research grant, award or scholarship call.
    Grant,
    /// A job opening.
    Job,
    /// A report, article, guideline, newsletter or journal issue.
    Publication,
    /// A dated call that is none of the above: an abstract or registration
    /// deadline, an examination application.
    Deadline,
}

impl ItemKind {
    /// Every kind, in display order.
    pub const ALL: [ItemKind; 7] = [
        ItemKind::Course,
        ItemKind::Conference,
        ItemKind::Webinar,
        ItemKind::Grant,
        ItemKind::Job,
        ItemKind::Publication,
        ItemKind::Deadline,
    ];

    /// The lower-case name users type (`course`, `grant`).
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Course => "course",
            ItemKind::Conference => "conference",
            ItemKind::Webinar => "webinar",
            ItemKind::Grant => "grant",
            ItemKind::Job => "job",
            ItemKind::Publication => "publication",
            ItemKind::Deadline => "deadline",
        }
    }
}

/// A name that is not one of a closed set of values, with the values that
/// would be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}, expected one of: {expected}")]
pub struct UnknownName {
    /// What was being named ("kind", "mode").
    pub what: &'static str,
    /// What was given.
    pub given: String,
    /// The accepted names, comma separated.
    pub expected: String,
}

macro_rules! name_enum {
    ($ty:ident, $what:literal, [$($variant:ident),+ $(,)?]) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let lower = s.trim().to_ascii_lowercase().replace('-', "_");
                $(
                    if lower == $ty::$variant.as_str() {
                        return Ok($ty::$variant);
                    }
                )+
                Err(UnknownName {
                    what: $what,
                    given: s.to_owned(),
                    expected: [$($ty::$variant.as_str()),+].join(", "),
                })
            }
        }
    };
}

name_enum!(
    ItemKind,
    "kind",
    [
        Course,
        Conference,
        Webinar,
        Grant,
        Job,
        Publication,
        Deadline
    ]
);

/// How much of an item's date the source gave.
///
/// An item known only to the month ("mid-May"), the season ("spring and
/// summer 2024") or the year ("Dates: 2026") is kept, with `start` and `end`
/// spanning what is known; one whose date could not be read at all is
/// `Unknown` and keeps its raw text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// The day is known.
    Day,
    /// Only the month is known.
    Month,
    /// Only the season (or a span of months) is known.
    Season,
    /// Only the year is known.
    Year,
    /// The date could not be read, or there is none.
    #[default]
    Unknown,
}

impl DatePrecision {
    /// The lower-case name (`day`, `month`).
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Season => "season",
            DatePrecision::Year => "year",
            DatePrecision::Unknown => "unknown",
        }
    }
}

name_enum!(
    DatePrecision,
    "date precision",
    [Day, Month, Season, Year, Unknown]
);

/// Where an item happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// At a venue.
    InPerson,
    /// Online only.
    Virtual,
    /// At a venue and online.
    Hybrid,
}

impl Mode {
    /// The lower-case name (`in_person`, `virtual`, `hybrid`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::InPerson => "in_person",
            Mode::Virtual => "virtual",
            Mode::Hybrid => "hybrid",
        }
    }
}

name_enum!(Mode, "mode", [InPerson, Virtual, Hybrid]);

/// Whether an item still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Going ahead as announced.
    #[default]
    Scheduled,
    /// Put off to a date not yet known.
    Postponed,
    /// Called off.
    Cancelled,
    /// No places left.
    Full,
    /// Moved to another date.
    Rescheduled,
    /// Registration or applications closed.
    Closed,
    /// No longer listed by any of its sources.
    Withdrawn,
}

impl Status {
    /// The lower-case name (`scheduled`, `cancelled`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Postponed => "postponed",
            Status::Cancelled => "cancelled",
            Status::Full => "full",
            Status::Rescheduled => "rescheduled",
            Status::Closed => "closed",
            Status::Withdrawn => "withdrawn",
        }
    }
}

name_enum!(
    Status,
    "status",
    [
        Scheduled,
        Postponed,
        Cancelled,
        Full,
        Rescheduled,
        Closed,
        Withdrawn
    ]
);

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Abstract submission.
    Abstract,
    /// Registration (early-bird or final).
    Registration,
    /// A grant, award or examination application.
    Application,
    /// The closing date of a job.
    Closing,
    /// Anything else that is due.
    Other,
}

impl DeadlineKind {
    /// The lower-case name (`abstract`, `application`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Abstract => "abstract",
            DeadlineKind::Registration => "registration",
            DeadlineKind::Application => "application",
            DeadlineKind::Closing => "closing",
            DeadlineKind::Other => "other",
        }
    }
}

name_enum!(
    DeadlineKind,
    "deadline kind",
    [Abstract, Registration, Application, Closing, Other]
);

/// A place, split as far as the source allows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Place {
    /// A hotel, hospital or convention centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// The city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// A state, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// The place as the source wrote it.
    pub text: String,
}

impl Place {
    /// True when nothing is known of the place.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
            && self.venue.is_none()
            && self.city.is_none()
            && self.region.is_none()
            && self.country_code.is_none()
    }
}

/// A dated call attached to an item: an abstract deadline, a grant
/// application deadline, a job's closing date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// What the deadline is for.
    pub kind: DeadlineKind,
    /// The last day.
    pub date: NaiveDate,
    /// The local time on that day, when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// The IANA timezone of `time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// What is due, as the source says it.
    pub label: String,
}

/// One source that listed an item: provenance that survives a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// The source's `id` in sources.toml.
    pub source_id: String,
    /// The organisation behind the source.
    pub org: String,
    /// The page or entry the item was read from.
    pub url: String,
    /// The source's latest successful read did not list the item (one more
    /// such read withdraws it from this source).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missed: bool,
}

/// When an item happens, as far as its source says.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct When {
    /// First day; `None` when there is no date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Last day, inclusive; `None` when there is no date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// How much of the date is known.
    pub precision: DatePrecision,
    /// Local start time, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<NaiveTime>,
    /// Local end time, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<NaiveTime>,
    /// The IANA timezone of the times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The date as the source wrote it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl When {
    /// True when the item has no time of day.
    pub fn all_day(&self) -> bool {
        self.start_time.is_none()
    }
}

/// A course, conference, webinar, grant, deadline, job or publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable across refetches of the same announcement.
    pub id: String,
    /// What the item is.
    pub kind: ItemKind,
    /// The title, with status words ("-POSTPONED-") moved to `status`.
    pub title: String,
    /// Plain text, never HTML.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// The item's own page, or the page that listed it.
    pub url: String,
    /// The organisation that announced it.
    pub org: String,
    /// Every source that listed it.
    pub sources: Vec<SourceRef>,
    /// When it happens.
    #[serde(default)]
    pub when: When,
    /// Where it happens.
    #[serde(default, skip_serializing_if = "Place::is_empty")]
    pub place: Place,
    /// In person, virtual or hybrid, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Whether it still stands.
    #[serde(default)]
    pub status: Status,
    /// Abstract, registration, application and closing dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<Deadline>,
    /// When the source says it posted the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted: Option<DateTime<Utc>>,
    /// When the aggregator first read it.
    pub first_seen: DateTime<Utc>,
    /// When a source last listed it, as the index holds it: the read that
    /// last wrote it (an item read again unchanged is not rewritten), or
    /// for a source that has since stopped listing it, its last read that
    /// did. [`Item::last_seen_given`] adds the sources' later reads.
    pub last_seen: DateTime<Utc>,
    /// When what a calendar shows of it (dates, place, status, deadlines)
    /// last changed: first_seen, then the time of each revision. Calendars
    /// use it for DTSTAMP and LAST-MODIFIED, so a refresh that changes
    /// nothing changes no byte.
    #[serde(default)]
    pub modified: DateTime<Utc>,
    /// BCP 47 language tag, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Grows when the dates, place or status change (calendar clients rely
    /// on it).
    #[serde(default)]
    pub revision: u32,
}

impl Item {
    /// The ids of the sources that listed this item.
    pub fn source_ids(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().map(|s| s.source_id.as_str())
    }

    /// When a source last listed the item, given when each source's
    /// latest successful read was (`listed_at`, by source id): a source
    /// that still lists it listed it then, though the index kept the
    /// item as it was written.
    pub fn last_seen_given(
        &self,
        listed_at: impl Fn(&str) -> Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        self.sources
            .iter()
            .filter(|s| !s.missed)
            .filter_map(|s| listed_at(&s.source_id))
            .fold(self.last_seen, DateTime::max)
    }

    /// Whether a refetch changed what a calendar shows of the item: its dates,
    /// place or status. Such a change bumps `revision`.
    pub fn calendar_fields_differ(&self, other: &Item) -> bool {
        let dates = |i: &Item| {
            (
                i.when.start,
                i.when.end,
                i.when.start_time,
                i.when.end_time,
                i.when.timezone.clone(),
            )
        };
        dates(self) != dates(other)
            || self.place != other.place
            || self.status != other.status
            || self.deadlines != other.deadlines
    }

    /// The day an item is over: its end, or the last of its deadlines when it
    /// has no dates of its own (a grant call is current until its deadline).
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.when
            .end
            .or(self.when.start)
            .or_else(|| self.deadlines.iter().map(|d| d.date).max())
    }

    /// The day an item begins: its start, or the first of its deadlines.
    pub fn first_day(&self) -> Option<NaiveDate> {
        self.when
            .start
            .or_else(|| self.deadlines.iter().map(|d| d.date).min())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for kind in ItemKind::ALL {
            assert_eq!(kind.as_str().parse::<ItemKind>(), Ok(kind));
        }
        assert_eq!("In-Person".parse::<Mode>(), Ok(Mode::InPerson));
        let err = "seminar".parse::<ItemKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown kind \"seminar\", expected one of: course, conference, webinar, grant, job, publication, deadline"
        );
    }
}
