//! `sources.toml`: which pages and feeds of which organisations are read,
//! how, and how often.
//!
//! The file is versioned (`version = 1`). Loading is two-phase, as cargo-deny
//! and quickwit do it: [`load`] walks the TOML tree with the span of every
//! key and value, checks each one (unknown keys, types, URLs, cron
//! schedules, timezones, selectors, regexes, duplicate ids), and collects
//! **every** problem before it gives up, each as a [`Diagnostic`] naming the
//! file, line and column and saying what would be right. Only a file with no
//! problem becomes a [`Config`].

mod load;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use perfusion_index::{ItemKind, Mode};
use regex::Regex;
use url::Url;

use crate::dates::DateOrder;

pub use load::{load, parse};

/// The configuration version this daemon reads.
pub const VERSION: i64 = 1;

/// A validated `sources.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from.
    pub path: PathBuf,
    /// The sources, in file order.
    pub sources: Vec<SourceConfig>,
    /// Named calendar subscriptions.
    pub calendars: Vec<CalendarConfig>,
    /// How the daemon fetches.
    pub fetch: FetchConfig,
    /// How calendars and feeds are published.
    pub publish: PublishConfig,
}

/// How calendars and feeds are published.
#[derive(Debug, Clone, Copy)]
pub struct PublishConfig {
    /// How often calendar clients should refresh (REFRESH-INTERVAL and
    /// X-PUBLISHED-TTL): `[publish] refresh`, an ISO 8601 duration.
    pub refresh: chrono::Duration,
}

impl Default for PublishConfig {
    fn default() -> Self {
        Self {
            refresh: chrono::Duration::hours(12),
        }
    }
}

impl Config {
    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id == id)
    }
}

/// How the daemon presents itself to the sites it reads.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The User-Agent header: the daemon's name, version and a contact URL,
    /// so a site's webmaster knows who reads them and how to reach us.
    pub user_agent: String,
    /// Seconds a whole request may take.
    pub timeout_secs: u64,
    /// The largest body read, in bytes; a larger one fails that source.
    pub max_body_bytes: u64,
    /// The least time between two requests to one host, in milliseconds
    /// (a site's Crawl-delay, when larger, wins).
    pub min_delay_ms: u64,
}

/// One page or feed of one organisation.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Unique among the sources; appears in logs and in `perfusion sources`.
    pub id: String,
    /// The organisation that publishes it ("ELSO", "EuroELSO").
    pub org: String,
    /// The page or feed.
    pub url: Url,
    /// The kind of item it lists, unless a kind rule says otherwise.
    pub kind: ItemKind,
    /// Title patterns that give an item another kind, first match wins.
    pub kind_rules: Vec<KindRule>,
    /// When it is fetched: a cron expression with seconds, in UTC.
    pub schedule: String,
    /// The timezone its times are in.
    pub timezone: Tz,
    /// How it writes all-numeric dates.
    pub date_order: DateOrder,
    /// The language of its text, when known (BCP 47).
    pub language: Option<String>,
    /// How to read it.
    pub format: Format,
}

impl SourceConfig {
    /// The kind of an item with this title: the first kind rule whose
    /// pattern matches, else the source's kind.
    pub fn kind_for(&self, title: &str) -> ItemKind {
        self.kind_rule_for(title).unwrap_or(self.kind)
    }

    /// The kind the first kind rule matching `title` gives, if any.
    pub fn kind_rule_for(&self, title: &str) -> Option<ItemKind> {
        self.kind_rules
            .iter()
            .find(|r| r.pattern.is_match(title))
            .map(|r| r.kind)
    }
}

/// A title pattern and the kind it gives.
#[derive(Debug, Clone)]
pub struct KindRule {
    /// Matched against the item's title.
    pub pattern: Regex,
    /// The kind of a matching item.
    pub kind: ItemKind,
}

/// How a source is read.
#[derive(Debug, Clone)]
pub enum Format {
    /// A listing page with one element per item.
    HtmlList(Box<HtmlList>),
    /// A prose page split into one block per item at its headings.
    HtmlBlocks(Box<HtmlBlocks>),
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    /// An iCalendar (.ics) file: Google Calendar, The Events Calendar.
    Ical(Ical),
    /// The Events Calendar's REST API (`/wp-json/tribe/events/v1/events`).
    TribeJson(TribeJson),
    /// schema.org objects in `<script type="application/ld+json">`.
    Jsonld,
}

impl Format {
    /// The name used in `sources.toml`.
    pub fn name(&self) -> &'static str {
        match self {
            Format::HtmlList(_) => "html_list",
            Format::HtmlBlocks(_) => "html_blocks",
            Format::Feed => "feed",
            Format::Ical(_) => "ical",
            Format::TribeJson(_) => "tribe_json",
            Format::Jsonld => "jsonld",
        }
    }

    /// The most pages one run reads: the first page and the next pages
    /// it links to.
    pub fn max_pages(&self) -> u32 {
        match self {
            Format::HtmlList(list) if list.next.is_some() => list.max_pages,
            Format::TribeJson(tribe) => tribe.max_pages,
            _ => 1,
        }
    }
}

/// The formats this daemon reads, as named in `sources.toml`.
pub const FORMATS: &[&str] = &[
    "html_list",
    "html_blocks",
    "feed",
    "ical",
    "tribe_json",
    "jsonld",
];

/// The pages a paged source reads unless `max_pages` says otherwise.
pub const DEFAULT_MAX_PAGES: u32 = 5;

/// The most pages a source may ask for: past this a "next" link is more
/// likely a calendar's endless "next month" than a longer list.
pub const MAX_PAGES_LIMIT: u32 = 50;

/// The selectors of an `html_list` source. Each selector after `item` is
/// applied inside the item element; `selector@attr` reads an attribute.
#[derive(Debug, Clone)]
pub struct HtmlList {
    /// One element per item.
    pub item: Selector,
    /// The title.
    pub title: Selector,
    /// The date or date range.
    pub date: Option<Selector>,
    /// The end date, when the page gives it apart.
    pub end_date: Option<Selector>,
    /// The place.
    pub location: Option<Selector>,
    /// The item's own page (default: the first `a@href`).
    pub link: Option<Selector>,
    /// A description.
    pub summary: Option<Selector>,
    /// The date the page says the item was posted.
    pub posted: Option<Selector>,
    /// The link to the next page of the list, applied to the whole page
    /// (`a.next@href`; without `@attr` the element's `href`).
    pub next: Option<Selector>,
    /// The most pages read in one run (1 when there is no `next`).
    pub max_pages: u32,
}

/// An `html_blocks` source: one content region, split into blocks at its
/// headings, each block's fields found by their labels.
#[derive(Debug, Clone)]
pub struct HtmlBlocks {
    /// The content region (`.entry-content`); the first match is read.
    pub container: Selector,
    /// The headings that open a block (`h2, h3, h4`).
    pub split: Selector,
    /// The labels that introduce each field, in every variant the page
    /// uses.
    pub labels: Labels,
}

/// A field an `html_blocks` label introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockField {
    /// `Date: 23 – 27 September 2024`.
    Date,
    /// `End date: ...`, when the page gives it apart.
    EndDate,
    /// `Location: Paris, France`.
    Location,
    /// `Organization: ...`: who runs it.
    Organizer,
    /// `Programme and registration at <link>`: the item's own page is the
    /// first link on or after this line.
    Link,
    /// `Description: ...`.
    Summary,
}

impl BlockField {
    /// Every field, as named in `labels`.
    pub const ALL: [(&'static str, BlockField); 6] = [
        ("date", BlockField::Date),
        ("end_date", BlockField::EndDate),
        ("location", BlockField::Location),
        ("organizer", BlockField::Organizer),
        ("link", BlockField::Link),
        ("summary", BlockField::Summary),
    ];
}

/// The label texts of an `html_blocks` source, per field, each matched
/// case-insensitively at the start of a line.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Field and its label texts, longest first so "Programme" is tried
    /// before "Program".
    pub fields: Vec<(BlockField, Vec<String>)>,
}

impl Labels {
    /// The label texts of `field`.
    pub fn of(&self, field: BlockField) -> &[String] {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&[], |(_, labels)| labels.as_slice())
    }
}

/// An `ical` source's settings.
#[derive(Debug, Clone, Copy)]
pub struct Ical {
    /// How many days after the page's date a recurring event's
    /// occurrences are listed.
    pub window_days: u32,
}

/// The days of recurring occurrences listed unless `window_days` says
/// otherwise.
pub const DEFAULT_WINDOW_DAYS: u32 = 365;

/// A `tribe_json` source's settings.
#[derive(Debug, Clone, Copy)]
pub struct TribeJson {
    /// The most pages (`next_rest_url`) read in one run.
    pub max_pages: u32,
}

/// A CSS selector, optionally reading an attribute instead of the text.
#[derive(Debug, Clone)]
pub struct Selector {
    /// As written in the config.
    pub source: String,
    /// The parsed selector.
    pub css: scraper::Selector,
    /// The attribute to read (`a@href` reads `href`), or the text when none.
    pub attr: Option<String>,
}

/// A named calendar subscription, served at `/calendars/{name}.ics`.
#[derive(Debug, Clone)]
pub struct CalendarConfig {
    /// Its name in the URL.
    pub name: String,
    /// Free text, as in a search.
    pub query: String,
    /// Any of these kinds.
    pub kinds: Vec<ItemKind>,
    /// Any of these organisations.
    pub orgs: Vec<String>,
    /// Any of these countries (ISO 3166-1 alpha-2).
    pub countries: Vec<String>,
    /// Only this mode.
    pub mode: Option<Mode>,
    /// A reminder this long before each deadline (ISO 8601 duration, "P7D").
    pub alarm: Option<chrono::Duration>,
}

/// One problem in a config file, at a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what would be right.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file has problems, every one of them listed.
    #[error("{}", render(diagnostics))]
    Invalid {
        /// The problems, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    let n = diagnostics.len();
    format!(
        "{}\n{n} problem{} in the configuration",
        lines.join("\n"),
        if n == 1 { "" } else { "s" }
    )
}

impl ConfigError {
    /// The problems found, empty for a read error.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Invalid { diagnostics } => diagnostics,
        }
    }
}

/// Parses a schedule as the scheduler does: six fields (seconds first) or
/// seven (with a year), day-of-month and day-of-week both required to match.
pub fn parse_schedule(expr: &str) -> Result<croner::Cron, croner::errors::CronError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
}

/// Line and column (1-based, columns in characters) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let offset = (0..=offset)
        .rev()
        .find(|&i| src.is_char_boundary(i))
        .unwrap_or(0);
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Display form of a path relative to the working directory when possible.
pub(crate) fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
