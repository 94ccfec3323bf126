//! Prose pages split into one block per item at their headings, such as
//! EuroELSO's list of ECMO courses.
//!
//! The `container` is the page's content region; each heading it holds
//! that matches `split` opens a block, which runs over the siblings after
//! the heading up to the next such heading (wrappers around headings, as
//! page builders add them, are looked into). Fields are found by their
//! labels: a line that opens with a label and a colon ("Location: Paris,
//! France") gives that field; a `link` label may also open a sentence
//! without a colon ("Programme and registration at <link>").
//!
//! Pages write a block in one of two ways, and the reader tells which from
//! the heading: a heading that is only a date ("7th March 2020") is
//! followed by the title on the next line; any other heading is the title,
//! with the date on a `date` label's line. A block with neither a dated
//! heading nor any labelled field is page furniture ("Contact us") and is
//! skipped.

use std::sync::LazyLock;

use chrono::Utc;
use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node};
use url::Url;

use super::text::{LINK_MARK, Walk};
use super::{ExtractError, RawItem, expect_html, text};
use crate::config::{BlockField, HtmlBlocks};
use crate::dates::{self, DateContext, DateOrder};
use crate::fetch::Fetched;

pub(super) fn extract(
    blocks: &HtmlBlocks,
    fetched: &Fetched,
) -> Result<Vec<RawItem>, ExtractError> {
    expect_html(fetched)?;
    let page = String::from_utf8_lossy(&fetched.body);
    let html = Html::parse_document(&page);
    let container = html.select(&blocks.container.css).next().ok_or_else(|| {
        ExtractError::Unexpected(format!(
            "the container selector {:?} matches nothing on the page",
            blocks.container.source
        ))
    })?;
    let mut sections = Vec::new();
    split(container, &blocks.split.css, &mut sections);
    let reference = fetched.page_date.unwrap_or_else(Utc::now).date_naive();
    let dcx = DateContext {
        reference,
        // Only used to tell a dated heading from a title: the order of an
        // all-numeric date does not change whether it is one.
        order: DateOrder::default(),
        timezone: None,
    };
    Ok(sections
        .iter()
        .filter_map(|section| read_block(section, blocks, &fetched.url, &dcx))
        .collect())
}

/// A heading and the nodes after it, up to the next heading.
struct Section<'a> {
    heading: ElementRef<'a>,
    body: Vec<NodeRef<'a, Node>>,
}

/// Cuts `parent`'s children into sections at the split headings, looking
/// into wrappers that hold headings. Anything before the first heading
/// (an introduction) belongs to no section.
fn split<'a>(parent: ElementRef<'a>, heading: &scraper::Selector, out: &mut Vec<Section<'a>>) {
    for child in parent.children() {
        if let Some(element) = ElementRef::wrap(child) {
            if heading.matches(&element) {
                out.push(Section {
                    heading: element,
                    body: Vec::new(),
                });
                continue;
            }
            if element.select(heading).next().is_some() {
                split(element, heading, out);
                continue;
            }
        }
        if let Some(section) = out.last_mut() {
            section.body.push(child);
        }
    }
}

/// One line of a block's text, with the links that stand on it.
struct Line {
    text: String,
    links: Vec<String>,
}

/// The lines of some markup, each with its links.
fn lines_of(walk: Walk) -> Vec<Line> {
    let (text, hrefs) = walk.finish();
    let mut hrefs = hrefs.into_iter();
    text.lines()
        .map(|line| {
            let links = line
                .matches(LINK_MARK)
                .filter_map(|_| hrefs.next())
                .collect();
            Line {
                text: text::one_line(&line.replace(LINK_MARK, "")),
                links,
            }
        })
        .filter(|line| !line.text.is_empty() || !line.links.is_empty())
        .collect()
}

fn read_block(
    section: &Section<'_>,
    blocks: &HtmlBlocks,
    page: &Url,
    dcx: &DateContext,
) -> Option<RawItem> {
    let mut walk = Walk::marking_links().without_banners();
    walk.element(section.heading);
    let heading_lines = lines_of(walk);
    let heading = text::one_line(
        &heading_lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    let mut walk = Walk::marking_links().without_banners();
    for node in &section.body {
        walk.node(*node);
    }
    let lines = lines_of(walk);

    // Which line holds which field; the lines used up by fields are no
    // part of the summary.
    let mut used = vec![false; lines.len()];
    let field = |f: BlockField, used: &mut Vec<bool>| -> Option<(usize, String)> {
        let labels = blocks.labels.of(f);
        (0..lines.len()).find_map(|i| {
            if used[i] {
                return None;
            }
            let value = labels
                .iter()
                .find_map(|label| value_after(&lines[i].text, label, f == BlockField::Link))?;
            used[i] = true;
            let value = clean(&value);
            if !value.is_empty() || f == BlockField::Link {
                return Some((i, value));
            }
            // "Date:" alone on its line: the value is the next line.
            match lines.get(i + 1) {
                Some(next) if !used[i + 1] && !is_label_line(&next.text, blocks) => {
                    used[i + 1] = true;
                    Some((i, clean(&next.text)))
                }
                _ => Some((i, String::new())),
            }
        })
    };
    let date_label = field(BlockField::Date, &mut used);
    let end_date = field(BlockField::EndDate, &mut used);
    let location = field(BlockField::Location, &mut used);
    let organizer = field(BlockField::Organizer, &mut used);
    let link_line = field(BlockField::Link, &mut used);
    let summary_label = field(BlockField::Summary, &mut used);
    let labelled = [
        &date_label,
        &end_date,
        &location,
        &organizer,
        &link_line,
        &summary_label,
    ]
    .iter()
    .any(|f| f.is_some());

    let (title, date_text) = if reads_as_date(&heading, dcx) {
        // Date first: the title is the first line that is not a field.
        let i = (0..lines.len()).find(|&i| !used[i] && !clean(&lines[i].text).is_empty())?;
        used[i] = true;
        (clean(&lines[i].text), Some(heading.clone()))
    } else if labelled {
        (clean(&heading), date_label.map(|(_, v)| v))
    } else {
        return None;
    };
    if title.is_empty() {
        return None;
    }

    let outbound = |href: &String| outbound(page, href);
    let labelled_link = link_line.as_ref().and_then(|(at, _)| {
        (*at..lines.len()).find_map(|i| lines[i].links.iter().find_map(outbound).map(|u| (i, u)))
    });
    if let Some((i, _)) = labelled_link {
        // "Program and further information:" with the link on the next
        // line: that line is the link, not prose.
        used[i] = true;
    }
    let link = labelled_link.map(|(_, url)| url).or_else(|| {
        heading_lines
            .iter()
            .chain(&lines)
            .flat_map(|l| &l.links)
            .find_map(outbound)
    });

    let mut summary: Vec<String> = summary_label
        .map(|(_, v)| v)
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    summary.extend(
        lines
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(line, _)| clean(&line.text))
            .filter(|line| !line.is_empty()),
    );
    let non_empty = |v: Option<(usize, String)>| v.map(|(_, v)| v).filter(|v| !v.is_empty());
    Some(RawItem {
        title,
        date_text: date_text.filter(|d| !d.is_empty()),
        end_date_text: non_empty(end_date),
        location: non_empty(location),
        link: link.map(String::from),
        summary: (!summary.is_empty()).then(|| summary.join("\n")),
        organizer: non_empty(organizer),
        ..RawItem::default()
    })
}

/// The text after `label` when `line` opens with it and a colon. A link
/// label may also open a sentence that leads to the link ("Programme and
/// registration at"): then the value is the rest of the line.
fn value_after(line: &str, label: &str, sentence: bool) -> Option<String> {
    let head = line.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) && head.to_lowercase() != label.to_lowercase() {
        return None;
    }
    let rest = &line[label.len()..];
    let trimmed = rest.trim_start();
    if let Some(value) = trimmed.strip_prefix(':') {
        return Some(value.trim().to_owned());
    }
    // A label is a whole word: "Dates" is not "Date" followed by "s".
    let at_word_end = rest.chars().next().is_none_or(|c| !c.is_alphanumeric());
    (sentence && at_word_end).then(|| trimmed.to_owned())
}

fn is_label_line(line: &str, blocks: &HtmlBlocks) -> bool {
    blocks.labels.fields.iter().any(|(field, labels)| {
        labels
            .iter()
            .any(|l| value_after(line, l, *field == BlockField::Link).is_some())
    })
}

/// Whether a heading is a date and nothing else ("7th March 2020",
/// "5th - 8th October 2020"), as in pages that put the date first.
fn reads_as_date(heading: &str, dcx: &DateContext) -> bool {
    let found = dates::find_all(heading, dcx);
    let Some(first) = found.first() else {
        return false;
    };
    if first.date.start.is_none() {
        return false;
    }
    let mut rest = String::new();
    let mut at = 0;
    for f in &found {
        rest.push_str(&heading[at..f.span.start]);
        at = f.span.end;
    }
    rest.push_str(&heading[at..]);
    !rest.chars().any(char::is_alphanumeric)
}

/// A link that leads off the page: http(s), not an e-mail (Cloudflare's
/// `/cdn-cgi/l/email-protection` stands in for one), not this page.
fn outbound(page: &Url, href: &str) -> Option<Url> {
    let url = page.join(href).ok()?;
    let same_page = {
        let (mut a, mut b) = (url.clone(), page.clone());
        a.set_fragment(None);
        b.set_fragment(None);
        a == b
    };
    let usable = matches!(url.scheme(), "http" | "https")
        && !url.path().starts_with("/cdn-cgi/")
        && !same_page;
    usable.then_some(url)
}

/// E-mail debris that obfuscation leaves in text: Cloudflare's
/// "[email protected]", and the brackets that held an address.
static EMAIL_DEBRIS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\[\s*email\s*protected\s*\]").expect("a valid regex"));
static EMPTY_BRACKETS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(\s*\)|\[\s*\]").expect("a valid regex"));

/// A field's or a summary line's text without e-mail debris, a bracket
/// left open at its end or closed at its start, or a dangling separator.
fn clean(text: &str) -> String {
    let text = EMAIL_DEBRIS.replace_all(text, "");
    let text = EMPTY_BRACKETS.replace_all(&text, "");
    let mut text = text::one_line(&text);
    loop {
        let trimmed = text
            .trim_end_matches(|c: char| c == '(' || c == '[' || c == ',' || c.is_whitespace())
            .trim_start_matches(|c: char| c == ')' || c == ']' || c.is_whitespace());
        if trimmed.len() == text.len() {
            return text;
        }
        text = trimmed.to_owned();
    }
}

#[cfg(test)]
mod tests;
