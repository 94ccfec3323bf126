//! A source's `format` and the keys each format reads: html_list's
//! selectors and paging, html_blocks' container, split and labels, ical's
//! window, tribe_json's pages. A key of another format than the source's
//! is named as such.

use super::{Cx, SOURCE_KEYS, Table, as_table, nearest, strings_of};
use crate::config::{
    BlockField, DEFAULT_MAX_PAGES, DEFAULT_WINDOW_DAYS, FORMATS, Format, HtmlBlocks, HtmlList,
    Ical, Labels, MAX_PAGES_LIMIT, Selector, TribeJson,
};

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
/// Reads the source's `format` and that format's keys, then reports every
/// key of the table no one took. `None` when the format or one of its
/// required keys is missing or wrong (each problem already reported).
pub(super) fn read_format(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> Option<Format> {
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
    format
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
        let Some(texts) = strings_of(cx, value, &format!("label `{name}`")) else {
            continue;
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
