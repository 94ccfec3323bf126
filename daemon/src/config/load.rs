//! Reading `sources.toml` into a [`Config`], collecting every problem.
//!
//! The TOML is parsed into toml's spanned tree ([`DeTable`]) rather than
//! straight into serde types, because serde stops at the first error and a
//! user fixing a config wants the whole list at once. Each table is read
//! through a [`Table`] helper that remembers which keys were taken, so the
//! keys left over are reported as unknown, with the nearest known key as a
//! suggestion.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use chrono_tz::Tz;
use perfusion_index::{ItemKind, Mode};
use regex::Regex;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use super::{
    BlockField, CalendarConfig, Config, ConfigError, DEFAULT_MAX_PAGES, DEFAULT_WINDOW_DAYS,
    Diagnostic, FORMATS, FetchConfig, Format, HtmlBlocks, HtmlList, Ical, KindRule, Labels,
    MAX_PAGES_LIMIT, PublishConfig, Selector, SourceConfig, TribeJson, VERSION, display_path,
    line_col,
};
use crate::dates::DateOrder;

/// The schedule of a source that names none: every six hours.
const DEFAULT_SCHEDULE: &str = "0 0 */6 * * *";
/// Seconds a request may take unless `[fetch] timeout_secs` says otherwise.
const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// The body cap unless `[fetch] max_body_bytes` says otherwise: 10 MiB.
const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// Reads and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let src = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&src, path)
}

/// Validates config text; `path` names it in diagnostics.
pub fn parse(src: &str, path: &Path) -> Result<Config, ConfigError> {
    let mut cx = Cx {
        src,
        path: display_path(path),
        diagnostics: Vec::new(),
    };
    let (root, errors) = DeTable::parse_recoverable(src);
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        cx.error(span, format!("invalid TOML: {}", e.message().trim()));
    }
    let config = read_root(&mut cx, &root);
    let mut diagnostics = cx.diagnostics;
    if diagnostics.is_empty() {
        return Ok(Config {
            path: path.to_owned(),
            ..config
        });
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    diagnostics.dedup();
    Err(ConfigError::Invalid { diagnostics })
}

/// The walk's context: the text (for line and column) and what was found.
struct Cx<'s> {
    src: &'s str,
    path: std::path::PathBuf,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.src, span.start);
        self.diagnostics.push(Diagnostic {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        });
    }
}

type Value<'i> = Spanned<DeValue<'i>>;

/// A table being read: its entries, where it is, and what it is called in
/// messages ("[[source]] \"elso-meetings\"").
struct Table<'t, 'i> {
    entries: &'t DeTable<'i>,
    span: Range<usize>,
    name: String,
    taken: BTreeSet<String>,
}

impl<'t, 'i> Table<'t, 'i> {
    fn new(entries: &'t DeTable<'i>, span: Range<usize>, name: impl Into<String>) -> Self {
        Self {
            entries,
            span,
            name: name.into(),
            taken: BTreeSet::new(),
        }
    }

    fn get(&mut self, key: &str) -> Option<&'t Value<'i>> {
        self.taken.insert(key.to_owned());
        self.entries.get(key)
    }

    /// A string value, or an error when the key holds something else.
    fn string(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<(String, Range<usize>)> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.to_string(), value.span())),
            other => {
                cx.error(
                    value.span(),
                    format!("`{key}` must be a string, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A string value that must be present.
    fn required_string(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<(String, Range<usize>)> {
        if self.entries.get(key).is_none() {
            self.taken.insert(key.to_owned());
            cx.error(
                self.span.clone(),
                format!("{} is missing `{key}`", self.name),
            );
            return None;
        }
        self.string(cx, key)
    }

    fn integer(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<(i64, Range<usize>)> {
        let value = self.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => None,
        };
        if parsed.is_none() {
            cx.error(
                value.span(),
                format!(
                    "`{key}` must be a whole number, not {}",
                    type_name(value.get_ref())
                ),
            );
        }
        parsed.map(|n| (n, value.span()))
    }

    /// An array of strings; a lone string is taken as an array of one.
    fn strings(&mut self, cx: &mut Cx<'_>, key: &str) -> Vec<(String, Range<usize>)> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::String(s) => vec![(s.to_string(), value.span())],
            DeValue::Array(items) => items
                .iter()
                .filter_map(|v| match v.get_ref() {
                    DeValue::String(s) => Some((s.to_string(), v.span())),
                    other => {
                        cx.error(
                            v.span(),
                            format!("`{key}` must hold strings, not {}", type_name(other)),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                cx.error(
                    value.span(),
                    format!(
                        "`{key}` must be an array of strings, not {}",
                        type_name(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Reports every key not taken, suggesting the nearest allowed one.
    fn finish(self, cx: &mut Cx<'_>, allowed: &[&str]) {
        for (key, _) in self.entries {
            let name: &str = key.get_ref();
            if self.taken.contains(name) {
                continue;
            }
            let hint = match nearest(name, allowed) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => format!("; expected one of: {}", allowed.join(", ")),
            };
            cx.error(
                key.span(),
                format!("unknown key `{name}` in {}{hint}", self.name),
            );
        }
    }
}

/// The allowed key closest to a mistyped one, when it is close enough.
fn nearest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(key, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

const ROOT_KEYS: &[&str] = &[
    "version", "defaults", "fetch", "publish", "source", "calendar",
];
const DEFAULTS_KEYS: &[&str] = &["schedule", "timezone", "date_order"];
const FETCH_KEYS: &[&str] = &[
    "user_agent",
    "timeout_secs",
    "max_body_bytes",
    "min_delay_ms",
];
/// The least time between two requests to one host unless
/// `[fetch] min_delay_ms` says otherwise.
const DEFAULT_MIN_DELAY_MS: u64 = 2_000;
const SOURCE_KEYS: &[&str] = &[
    "id",
    "org",
    "url",
    "format",
    "kind",
    "kind_rules",
    "schedule",
    "timezone",
    "date_order",
    "language",
];
const HTML_LIST_KEYS: &[&str] = &[
    "item",
    "title",
    "date",
    "end_date",
    "location",
    "link",
    "summary",
    "posted",
    "next",
    "max_pages",
];
const HTML_BLOCKS_KEYS: &[&str] = &["container", "split", "labels"];
const ICAL_KEYS: &[&str] = &["window_days"];
const TRIBE_JSON_KEYS: &[&str] = &["max_pages"];
/// Every format's own keys, to tell a key of another format from a typo.
const FORMAT_KEYS: &[(&str, &[&str])] = &[
    ("html_list", HTML_LIST_KEYS),
    ("html_blocks", HTML_BLOCKS_KEYS),
    ("feed", &[]),
    ("ical", ICAL_KEYS),
    ("tribe_json", TRIBE_JSON_KEYS),
    ("jsonld", &[]),
];
const CALENDAR_KEYS: &[&str] = &[
    "name",
    "query",
    "kinds",
    "orgs",
    "countries",
    "mode",
    "alarm",
];

/// The `[defaults]` every source inherits.
struct Defaults {
    schedule: String,
    timezone: Tz,
    date_order: DateOrder,
}

fn read_root(cx: &mut Cx<'_>, root: &Spanned<DeTable<'_>>) -> Config {
    let mut t = Table::new(root.get_ref(), 0..0, "the configuration");
    match t.integer(cx, "version") {
        Some((VERSION, _)) => {}
        Some((v, span)) => cx.error(
            span,
            format!(
                "version {v} is not supported by this perfusiond; expected `version = {VERSION}`"
            ),
        ),
        None if root.get_ref().get("version").is_none() => cx.error(
            0..0,
            format!("the configuration must start with `version = {VERSION}`"),
        ),
        None => {}
    }
    let defaults = read_defaults(cx, t.get("defaults"));
    let fetch = read_fetch(cx, t.get("fetch"));
    let publish = read_publish(cx, t.get("publish"));
    let sources = read_array_of_tables(cx, t.get("source"), "source")
        .into_iter()
        .filter_map(|(table, span)| read_source(cx, table, span, &defaults))
        .collect::<Vec<_>>();
    check_unique_ids(cx, root.get_ref());
    let calendars = read_array_of_tables(cx, t.get("calendar"), "calendar")
        .into_iter()
        .filter_map(|(table, span)| read_calendar(cx, table, span))
        .collect();
    t.finish(cx, ROOT_KEYS);
    Config {
        path: std::path::PathBuf::new(),
        sources,
        calendars,
        fetch,
        publish,
    }
}

fn read_publish(cx: &mut Cx<'_>, value: Option<&Value<'_>>) -> PublishConfig {
    let mut publish = PublishConfig::default();
    let Some((table, span)) = value.and_then(|v| as_table(cx, v, "publish").map(|t| (t, v.span())))
    else {
        return publish;
    };
    let mut t = Table::new(table, span, "[publish]");
    if let Some(refresh) = read_duration(cx, &mut t, "refresh") {
        if refresh < chrono::Duration::minutes(15) {
            cx.error(
                t.span.clone(),
                "`refresh` must be at least PT15M: calendar clients polling faster only load the daemon",
            );
        } else {
            publish.refresh = refresh;
        }
    }
    t.finish(cx, &["refresh"]);
    publish
}

/// An ISO 8601 duration ("P7D", "PT12H").
fn read_duration(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, key: &str) -> Option<chrono::Duration> {
    let (text, span) = t.string(cx, key)?;
    let parsed = crate::export::ical::parse_duration(&text);
    if parsed.is_none() {
        cx.error(
            span,
            format!("{key} {text:?} must be an ISO 8601 duration such as \"P7D\" or \"PT12H\""),
        );
    }
    parsed
}

fn as_table<'t, 'i>(cx: &mut Cx<'_>, value: &'t Value<'i>, what: &str) -> Option<&'t DeTable<'i>> {
    if let DeValue::Table(t) = value.get_ref() {
        Some(t)
    } else {
        cx.error(
            value.span(),
            format!(
                "`{what}` must be a table, not {}",
                type_name(value.get_ref())
            ),
        );
        None
    }
}

fn read_array_of_tables<'t, 'i>(
    cx: &mut Cx<'_>,
    value: Option<&'t Value<'i>>,
    what: &str,
) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
    let Some(value) = value else {
        return Vec::new();
    };
    let DeValue::Array(items) = value.get_ref() else {
        cx.error(
            value.span(),
            format!("`{what}` must be written as [[{what}]] tables"),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|v| as_table(cx, v, what).map(|t| (t, v.span())))
        .collect()
}

fn read_defaults(cx: &mut Cx<'_>, value: Option<&Value<'_>>) -> Defaults {
    let mut defaults = Defaults {
        schedule: DEFAULT_SCHEDULE.to_owned(),
        timezone: Tz::UTC,
        date_order: DateOrder::Mdy,
    };
    let Some(table) = value.and_then(|v| as_table(cx, v, "defaults").map(|t| (t, v.span()))) else {
        return defaults;
    };
    let mut t = Table::new(table.0, table.1, "[defaults]");
    if let Some(schedule) = read_schedule(cx, &mut t) {
        defaults.schedule = schedule;
    }
    if let Some(tz) = read_timezone(cx, &mut t) {
        defaults.timezone = tz;
    }
    if let Some(order) = read_date_order(cx, &mut t) {
        defaults.date_order = order;
    }
    t.finish(cx, DEFAULTS_KEYS);
    defaults
}

fn read_fetch(cx: &mut Cx<'_>, value: Option<&Value<'_>>) -> FetchConfig {
    let mut fetch = FetchConfig {
        // Operators add their own contact URL in `[fetch] user_agent`.
        user_agent: format!(
            "perfusiond/{} (perfusion and ECMO events aggregator)",
            env!("CARGO_PKG_VERSION")
        ),
        timeout_secs: DEFAULT_TIMEOUT_SECS,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        min_delay_ms: DEFAULT_MIN_DELAY_MS,
    };
    let Some((table, span)) = value.and_then(|v| as_table(cx, v, "fetch").map(|t| (t, v.span())))
    else {
        return fetch;
    };
    let mut t = Table::new(table, span, "[fetch]");
    if let Some((ua, span)) = t.string(cx, "user_agent") {
        if ua.trim().is_empty() || ua.contains(['\r', '\n']) {
            cx.error(
                span,
                "`user_agent` must be one non-empty line, with a contact URL",
            );
        } else {
            fetch.user_agent = ua;
        }
    }
    if let Some((n, span)) = t.integer(cx, "timeout_secs") {
        match u64::try_from(n) {
            Ok(n @ 1..=600) => fetch.timeout_secs = n,
            _ => cx.error(
                span,
                format!("`timeout_secs` {n} must be between 1 and 600"),
            ),
        }
    }
    if let Some((n, span)) = t.integer(cx, "max_body_bytes") {
        match u64::try_from(n) {
            Ok(n @ 1024..) => fetch.max_body_bytes = n,
            _ => cx.error(span, format!("`max_body_bytes` {n} must be at least 1024")),
        }
    }
    if let Some((n, span)) = t.integer(cx, "min_delay_ms") {
        match u64::try_from(n) {
            Ok(n @ 0..=600_000) => fetch.min_delay_ms = n,
            _ => cx.error(
                span,
                format!("`min_delay_ms` {n} must be between 0 and 600000"),
            ),
        }
    }
    t.finish(cx, FETCH_KEYS);
    fetch
}

/// A cron expression with seconds, checked with the parser the scheduler
/// uses, so what passes here is what runs.
fn read_schedule(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<String> {
    let (expr, span) = t.string(cx, "schedule")?;
    let fields = expr.split_whitespace().count();
    if fields != 6 && fields != 7 {
        cx.error(
            span,
            format!(
                "schedule {expr:?} needs 6 fields (sec min hour day month weekday), it has {fields}; e.g. \"0 0 */6 * * *\" for every six hours"
            ),
        );
        return None;
    }
    match super::parse_schedule(&expr) {
        Ok(_) => Some(expr),
        Err(e) => {
            cx.error(
                span,
                format!("schedule {expr:?} is not a valid cron expression: {e}"),
            );
            None
        }
    }
}

fn read_timezone(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<Tz> {
    let (name, span) = t.string(cx, "timezone")?;
    match name.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            cx.error(
                span,
                format!("timezone {name:?} is not an IANA timezone; e.g. \"Europe/Berlin\", \"America/New_York\", \"UTC\""),
            );
            None
        }
    }
}

fn read_date_order(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<DateOrder> {
    let (order, span) = t.string(cx, "date_order")?;
    match order.to_ascii_lowercase().as_str() {
        "mdy" => Some(DateOrder::Mdy),
        "dmy" => Some(DateOrder::Dmy),
        _ => {
            cx.error(
                span,
                format!(
                    "date_order {order:?} must be \"mdy\" (09/30/2021) or \"dmy\" (30/09/2021)"
                ),
            );
            None
        }
    }
}

fn read_kind(cx: &mut Cx<'_>, value: &str, span: Range<usize>) -> Option<ItemKind> {
    match value.parse() {
        Ok(kind) => Some(kind),
        Err(e) => {
            cx.error(span, e.to_string());
            None
        }
    }
}

fn read_source(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
    defaults: &Defaults,
) -> Option<SourceConfig> {
    let id_value = table
        .get("id")
        .and_then(|v| v.get_ref().as_str())
        .map(str::to_owned);
    let name = match &id_value {
        Some(id) => format!("[[source]] {id:?}"),
        None => "[[source]]".to_owned(),
    };
    let mut t = Table::new(table, span, name);
    let id = t.required_string(cx, "id").and_then(|(id, span)| {
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            Some(id)
        } else {
            cx.error(
                span,
                format!("source id {id:?} must be lower-case letters, digits, '-' and '_' (e.g. \"elso-meetings\")"),
            );
            None
        }
    });
    let org = t.required_string(cx, "org").map(|(org, _)| org);
    let url = t.required_string(cx, "url").and_then(|(raw, span)| {
        match Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
            Ok(url) => {
                cx.error(
                    span,
                    format!("url {raw:?} must be an http:// or https:// address, not {}:", url.scheme()),
                );
                None
            }
            Err(e) => {
                cx.error(
                    span,
                    format!("url {raw:?} is not a valid URL ({e}); write it in full, e.g. \"https://www.elso.org/\""),
                );
                None
            }
        }
    });
    let kind = t
        .required_string(cx, "kind")
        .and_then(|(k, span)| read_kind(cx, &k, span));
    let kind_rules = read_kind_rules(cx, &mut t);
    let schedule = read_schedule(cx, &mut t).unwrap_or_else(|| defaults.schedule.clone());
    let timezone = read_timezone(cx, &mut t).unwrap_or(defaults.timezone);
    let date_order = read_date_order(cx, &mut t).unwrap_or(defaults.date_order);
    let language = t.string(cx, "language").map(|(l, _)| l);

    let format_name = t.required_string(cx, "format");
    // `format_keys` is `None` when the format itself is unknown: its keys
    // are then not reported as typos of the common keys.
    let (format, format_keys): (Option<Format>, Option<&[&str]>) = match format_name
        .as_ref()
        .map(|(name, span)| (name.as_str(), span))
    {
        Some(("html_list", _)) => (
            read_html_list(cx, &mut t).map(|l| Format::HtmlList(Box::new(l))),
            Some(HTML_LIST_KEYS),
        ),
        Some(("html_blocks", _)) => (
            read_html_blocks(cx, &mut t).map(|b| Format::HtmlBlocks(Box::new(b))),
            Some(HTML_BLOCKS_KEYS),
        ),
        Some(("feed", _)) => (Some(Format::Feed), Some(&[])),
        Some(("ical", _)) => (Some(Format::Ical(read_ical(cx, &mut t))), Some(ICAL_KEYS)),
        Some(("tribe_json", _)) => (
            Some(Format::TribeJson(TribeJson {
                max_pages: read_max_pages(cx, &mut t).unwrap_or(DEFAULT_MAX_PAGES),
            })),
            Some(TRIBE_JSON_KEYS),
        ),
        Some(("jsonld", _)) => (Some(Format::Jsonld), Some(&[])),
        Some((name, span)) => {
            let hint = nearest(name, FORMATS)
                .map(|n| format!("; did you mean \"{n}\"?"))
                .unwrap_or_default();
            cx.error(
                span.clone(),
                format!(
                    "format {name:?} is not one this perfusiond reads (expected one of: {}){hint}",
                    FORMATS.join(", ")
                ),
            );
            (None, None)
        }
        None => (None, Some(&[])),
    };
    if let (Some(format_keys), Some((name, _))) = (format_keys, &format_name) {
        report_other_formats_keys(cx, &mut t, name, format_keys);
    }
    if let Some(format_keys) = format_keys {
        let allowed: Vec<&str> = SOURCE_KEYS.iter().chain(format_keys).copied().collect();
        t.finish(cx, &allowed);
    }
    Some(SourceConfig {
        id: id?,
        org: org?,
        url: url?,
        kind: kind?,
        kind_rules,
        schedule,
        timezone,
        date_order,
        language,
        format: format?,
    })
}

fn read_kind_rules(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Vec<KindRule> {
    let tables = read_array_of_tables(cx, t.get("kind_rules"), "kind_rules");
    let mut rules = Vec::new();
    for (table, span) in tables {
        let mut r = Table::new(table, span, "a kind rule");
        let pattern = r.required_string(cx, "pattern").and_then(|(p, span)| {
            Regex::new(&p)
                .map_err(|e| cx.error(span, format!("pattern {p:?} is not a valid regex: {e}")))
                .ok()
        });
        let kind = r
            .required_string(cx, "kind")
            .and_then(|(k, span)| read_kind(cx, &k, span));
        r.finish(cx, &["pattern", "kind"]);
        if let (Some(pattern), Some(kind)) = (pattern, kind) {
            rules.push(KindRule { pattern, kind });
        }
    }
    rules
}

fn read_selector(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, key: &str) -> Option<Selector> {
    let (raw, span) = t.string(cx, key)?;
    let (css, attr) = match raw.rsplit_once('@') {
        Some((css, attr)) if !attr.is_empty() && !attr.contains([' ', ']', '"', '\'']) => {
            (css.trim(), Some(attr.trim().to_owned()))
        }
        _ => (raw.trim(), None),
    };
    match scraper::Selector::parse(css) {
        Ok(parsed) => Some(Selector {
            source: raw.clone(),
            css: parsed,
            attr,
        }),
        Err(e) => {
            // scraper's message opens with a generic sentence; the last line
            // names the problem.
            let message = e.to_string();
            let reason = message.lines().last().unwrap_or_default().trim();
            cx.error(
                span,
                format!("`{key}` selector {raw:?} is not valid CSS ({reason})"),
            );
            None
        }
    }
}

fn read_html_list(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<HtmlList> {
    let has_item = t.entries.get("item").is_some();
    let has_title = t.entries.get("title").is_some();
    for (present, key) in [(has_item, "item"), (has_title, "title")] {
        if !present {
            cx.error(
                t.span.clone(),
                format!(
                    "{} has format \"html_list\" and needs the `{key}` selector",
                    t.name
                ),
            );
        }
    }
    // Every selector is read (and so checked, and marked as known) before
    // a missing one gives up.
    let item = read_selector(cx, t, "item");
    let title = read_selector(cx, t, "title");
    let date = read_selector(cx, t, "date");
    let end_date = read_selector(cx, t, "end_date");
    let location = read_selector(cx, t, "location");
    let link = read_selector(cx, t, "link");
    let summary = read_selector(cx, t, "summary");
    let posted = read_selector(cx, t, "posted");
    let next = read_selector(cx, t, "next");
    let has_next = t.entries.get("next").is_some();
    let max_pages = read_max_pages(cx, t);
    if max_pages.is_some() && !has_next {
        cx.error(
            t.span.clone(),
            format!(
                "{} sets `max_pages` but no `next` selector: without one only the first page is read (e.g. next = \"a.next@href\")",
                t.name
            ),
        );
    }
    Some(HtmlList {
        item: item?,
        title: title?,
        date,
        end_date,
        location,
        link,
        summary,
        posted,
        next,
        max_pages: if has_next {
            max_pages.unwrap_or(DEFAULT_MAX_PAGES)
        } else {
            1
        },
    })
}

/// `max_pages`: how many pages one run may read, 1 to 50.
fn read_max_pages(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<u32> {
    let (n, span) = t.integer(cx, "max_pages")?;
    match u32::try_from(n) {
        Ok(n @ 1..=MAX_PAGES_LIMIT) => Some(n),
        _ => {
            cx.error(
                span,
                format!("`max_pages` {n} must be between 1 and {MAX_PAGES_LIMIT}"),
            );
            None
        }
    }
}

fn read_html_blocks(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<HtmlBlocks> {
    for key in ["container", "split"] {
        if t.entries.get(key).is_none() {
            cx.error(
                t.span.clone(),
                format!(
                    "{} has format \"html_blocks\" and needs the `{key}` selector",
                    t.name
                ),
            );
        }
    }
    let container = read_selector(cx, t, "container");
    let split = read_selector(cx, t, "split");
    let labels = read_labels(cx, t);
    for (key, selector) in [("container", &container), ("split", &split)] {
        if let Some(attr) = selector.as_ref().and_then(|s| s.attr.as_ref()) {
            cx.error(
                t.span.clone(),
                format!("`{key}` selects elements; drop the `@{attr}`"),
            );
        }
    }
    Some(HtmlBlocks {
        container: container?,
        split: split?,
        labels,
    })
}

/// `labels = { date = "Date", link = ["Program", "Programme"] }`.
fn read_labels(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Labels {
    let mut labels = Labels::default();
    let Some(value) = t.get("labels") else {
        return labels;
    };
    let Some(table) = as_table(cx, value, "labels") else {
        return labels;
    };
    let names: Vec<&str> = BlockField::ALL.iter().map(|(name, _)| *name).collect();
    for (key, value) in table {
        let name: &str = key.get_ref();
        let Some(field) = BlockField::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
        else {
            let hint = match nearest(name, &names) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            cx.error(
                key.span(),
                format!(
                    "`labels` has no field `{name}` (expected one of: {}){hint}",
                    names.join(", ")
                ),
            );
            continue;
        };
        let texts: Vec<(String, Range<usize>)> = match value.get_ref() {
            DeValue::String(s) => vec![(s.to_string(), value.span())],
            DeValue::Array(items) => items
                .iter()
                .filter_map(|v| match v.get_ref() {
                    DeValue::String(s) => Some((s.to_string(), v.span())),
                    other => {
                        cx.error(
                            v.span(),
                            format!("label `{name}` must hold strings, not {}", type_name(other)),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                cx.error(
                    value.span(),
                    format!(
                        "label `{name}` must be a string or an array of strings, not {}",
                        type_name(other)
                    ),
                );
                continue;
            }
        };
        let mut kept = Vec::new();
        for (text, span) in texts {
            let text = text.trim().trim_end_matches(':').trim().to_owned();
            if text.is_empty() {
                cx.error(span, format!("label `{name}` must not be empty"));
            } else {
                kept.push(text);
            }
        }
        if !kept.is_empty() {
            // Longest first: "Programme" must be tried before "Program".
            kept.sort_by_key(|l| std::cmp::Reverse(l.chars().count()));
            labels.fields.push((field, kept));
        }
    }
    labels
}

fn read_ical(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Ical {
    let mut ical = Ical {
        window_days: DEFAULT_WINDOW_DAYS,
    };
    if let Some((n, span)) = t.integer(cx, "window_days") {
        match u32::try_from(n) {
            Ok(n @ 1..=3660) => ical.window_days = n,
            _ => cx.error(
                span,
                format!("`window_days` {n} must be between 1 and 3660 (ten years)"),
            ),
        }
    }
    ical
}

/// Keys of another format than the source's are named as such, rather
/// than as unknown keys with a far-fetched suggestion.
fn report_other_formats_keys(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, format: &str, own: &[&str]) {
    let entries = t.entries;
    for (key, _) in entries {
        let name: &str = key.get_ref();
        if t.taken.contains(name) || SOURCE_KEYS.contains(&name) || own.contains(&name) {
            continue;
        }
        let owners: Vec<&str> = FORMAT_KEYS
            .iter()
            .filter(|(_, keys)| keys.contains(&name))
            .map(|(f, _)| *f)
            .collect();
        if owners.is_empty() {
            continue;
        }
        t.taken.insert(name.to_owned());
        cx.error(
            key.span(),
            format!(
                "`{name}` is a key of format {}, not of {format:?}",
                owners
                    .iter()
                    .map(|f| format!("{f:?}"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        );
    }
}

fn check_unique_ids(cx: &mut Cx<'_>, root: &DeTable<'_>) {
    // Spans come from the tree, so duplicates are found even among sources
    // that had other problems.
    let Some(DeValue::Array(tables)) = root.get("source").map(Spanned::get_ref) else {
        return;
    };
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    for table in tables {
        let DeValue::Table(table) = table.get_ref() else {
            continue;
        };
        let Some(id) = table.get("id") else { continue };
        let Some(name) = id.get_ref().as_str() else {
            continue;
        };
        let here = line_col(cx.src, id.span().start);
        match first.get(name) {
            Some(&(line, column)) => cx.error(
                id.span(),
                format!("duplicate source id {name:?}: already used at line {line}, column {column}; ids must be unique"),
            ),
            None => {
                first.insert(name.to_owned(), here);
            }
        }
    }
}

fn read_calendar(
    cx: &mut Cx<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Option<CalendarConfig> {
    let mut t = Table::new(table, span, "[[calendar]]");
    let name = t.required_string(cx, "name").and_then(|(name, span)| {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Some(name)
        } else {
            cx.error(
                span,
                format!("calendar name {name:?} must be letters, digits, '-' and '_': it is used in /calendars/{{name}}.ics"),
            );
            None
        }
    });
    let query = t.string(cx, "query").map(|(q, _)| q).unwrap_or_default();
    let kinds = t
        .strings(cx, "kinds")
        .into_iter()
        .filter_map(|(k, span)| read_kind(cx, &k, span))
        .collect();
    let orgs = t.strings(cx, "orgs").into_iter().map(|(o, _)| o).collect();
    let countries = t
        .strings(cx, "countries")
        .into_iter()
        .filter_map(|(c, span)| {
            if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                Some(c.to_ascii_uppercase())
            } else {
                cx.error(
                    span,
                    format!("country {c:?} must be an ISO 3166-1 alpha-2 code, e.g. \"DE\""),
                );
                None
            }
        })
        .collect();
    let mode = t.string(cx, "mode").and_then(|(m, span)| {
        m.parse::<Mode>()
            .map_err(|e| cx.error(span, e.to_string()))
            .ok()
    });
    let alarm = read_duration(cx, &mut t, "alarm");
    t.finish(cx, CALENDAR_KEYS);
    Some(CalendarConfig {
        name: name?,
        query,
        kinds,
        orgs,
        countries,
        mode,
        alarm,
    })
}
