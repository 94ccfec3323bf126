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
    CalendarConfig, Config, ConfigError, Diagnostic, FetchConfig, KindRule, PublishConfig,
    SourceConfig, VERSION, display_path, line_col,
};
use crate::dates::DateOrder;

mod formats;

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
        match self.get(key) {
            Some(value) => strings_of(cx, value, &format!("`{key}`")).unwrap_or_default(),
            None => Vec::new(),
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

/// A string or an array of strings, each with its span; `what` names the
/// value in messages ("`kinds`", "label `date`"). `None` (and an error) when
/// it is neither.
fn strings_of(
    cx: &mut Cx<'_>,
    value: &Value<'_>,
    what: &str,
) -> Option<Vec<(String, Range<usize>)>> {
    match value.get_ref() {
        DeValue::String(s) => Some(vec![(s.to_string(), value.span())]),
        DeValue::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| match v.get_ref() {
                    DeValue::String(s) => Some((s.to_string(), v.span())),
                    other => {
                        cx.error(
                            v.span(),
                            format!("{what} must hold strings, not {}", type_name(other)),
                        );
                        None
                    }
                })
                .collect(),
        ),
        other => {
            cx.error(
                value.span(),
                format!(
                    "{what} must be a string or an array of strings, not {}",
                    type_name(other)
                ),
            );
            None
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

    let format = formats::read_format(cx, t);
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
