//! An Atom 1.0 feed (RFC 4287) of items, for people who follow jobs and
//! publications in a feed reader.
//!
//! Every entry has the elements RFC 4287 requires (`id`, `title`,
//! `updated`) plus an `author` (the organisation), so the feed needs no
//! feed-level author. Text is XML-escaped, and characters XML 1.0 forbids
//! are dropped, so no scraped byte can break the document.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use perfusion_index::Item;

/// What a feed is called and where it lives.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// The feed's title.
    pub title: String,
    /// The feed's own URL (rel="self"), also its id.
    pub self_url: String,
}

/// The Atom document of `items`, in their order.
pub fn write(items: &[Item], options: &FeedOptions) -> String {
    let updated = items
        .iter()
        .map(|i| i.modified)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    element(&mut out, 1, "id", &options.self_url);
    element(&mut out, 1, "title", &options.title);
    element(&mut out, 1, "updated", &rfc3339(updated));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape(&options.self_url)
    );
    let _ = writeln!(
        out,
        "  <generator version=\"{}\">perfusiond</generator>",
        env!("CARGO_PKG_VERSION")
    );
    for item in items {
        entry(&mut out, item);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(out: &mut String, item: &Item) {
    out.push_str("  <entry>\n");
    element(out, 2, "id", &format!("urn:perfusion:item:{}", item.id));
    element(out, 2, "title", &item.title);
    element(out, 2, "updated", &rfc3339(item.modified));
    element(
        out,
        2,
        "published",
        &rfc3339(item.posted.unwrap_or(item.first_seen)),
    );
    out.push_str("    <author>\n");
    element(out, 3, "name", &item.org);
    out.push_str("    </author>\n");
    let _ = writeln!(
        out,
        "    <link rel=\"alternate\" href=\"{}\"/>",
        escape(&item.url)
    );
    let _ = writeln!(
        out,
        "    <category term=\"{}\"/>",
        escape(item.kind.as_str())
    );
    let summary = summary_of(item);
    if !summary.is_empty() {
        element(out, 2, "summary", &summary);
    }
    out.push_str("  </entry>\n");
}

/// The entry's text: its dates and place when it has them, then its summary.
fn summary_of(item: &Item) -> String {
    let mut lines = Vec::new();
    if let Some(start) = item.when.start {
        let end = item.when.end.unwrap_or(start);
        lines.push(if end == start {
            format!("When: {start}")
        } else {
            format!("When: {start} to {end}")
        });
    }
    for d in &item.deadlines {
        lines.push(format!("{}: {}", d.label, d.date));
    }
    if !item.place.text.is_empty() {
        lines.push(format!("Where: {}", item.place.text));
    }
    if !item.summary.is_empty() {
        lines.push(item.summary.clone());
    }
    lines.join("\n")
}

fn element(out: &mut String, depth: usize, name: &str, text: &str) {
    let _ = writeln!(
        out,
        "{}<{name}>{}</{name}>",
        "  ".repeat(depth),
        escape(text)
    );
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Text safe inside an XML element or a double-quoted attribute: markup
/// characters escaped, characters XML 1.0 does not allow dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_forbidden_characters_cannot_break_the_document() {
        assert_eq!(
            escape("<b>Heart & \"Lung\"</b>\u{0}\u{1b}"),
            "&lt;b&gt;Heart &amp; &quot;Lung&quot;&lt;/b&gt;"
        );
    }
}
