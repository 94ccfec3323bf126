//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.
//!
//! The feed's URL is passed as the base URI, so relative links resolve and
//! the ids feed-rs makes up for entries without a guid stay the same from
//! one fetch to the next (they are hashes that depend on the base).

use super::{ExtractError, RawItem, text};
use crate::fetch::Fetched;

/// WordPress's footer on feed excerpts: "The post X appeared first on Y."
static WORDPRESS_FOOTER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?s)\s*The post .{1,300}? appeared first on .{1,200}?\.\s*$")
        .expect("a valid regex")
});

pub(super) fn extract(fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(fetched.url.as_str()))
        .build()
        .parse(fetched.body.as_slice())
        .map_err(|e| ExtractError::Feed(e.to_string()))?;
    let items = feed
        .entries
        .into_iter()
        .filter_map(|entry| {
            let title = text::one_line(&text::of_html(&entry.title?.content));
            if title.is_empty() {
                return None;
            }
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| entry.links.first())
                .map(|l| l.href.clone());
            // The full post (content:encoded) beats WordPress's excerpt,
            // which stops mid-sentence at "… Continue reading".
            let summary = entry
                .content
                .and_then(|c| c.body)
                .map(|html| clip(&text::of_html(&html)))
                .filter(|s| !s.is_empty())
                .or_else(|| {
                    entry
                        .summary
                        .map(|s| clean_excerpt(&text::of_html(&s.content)))
                })
                .filter(|s| !s.is_empty());
            Some(RawItem {
                title,
                link,
                summary,
                posted: entry.published.or(entry.updated),
                guid: Some(entry.id).filter(|id| !id.is_empty()),
                ..RawItem::default()
            })
        })
        .collect();
    Ok(items)
}

/// The longest summary kept, in characters; longer posts are cut at the
/// last sentence end before it.
const MAX_SUMMARY_CHARS: usize = 1200;

/// A post's text, cut after a sentence when it is long.
fn clip(text: &str) -> String {
    let text = WORDPRESS_FOOTER.replace(text, "");
    if text.chars().count() <= MAX_SUMMARY_CHARS {
        return text.trim().to_owned();
    }
    let cut: String = text.chars().take(MAX_SUMMARY_CHARS).collect();
    match cut.rfind(". ") {
        Some(end) => cut[..=end].to_owned(),
        None => format!("{}\u{2026}", cut.trim_end()),
    }
}

/// An excerpt without WordPress's "appeared first on" footer, its
/// "Continue reading" link and its trailing "[…]".
fn clean_excerpt(summary: &str) -> String {
    let summary = WORDPRESS_FOOTER.replace(summary, "");
    let mut s = summary.trim_end();
    for tail in ["Continue reading", "Read more", "[\u{2026}]", "[...]"] {
        s = s.trim_end_matches(tail).trim_end();
    }
    s.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_lose_wordpress_trimmings() {
        assert_eq!(
            clean_excerpt("Key findings include \u{2026} Continue reading"),
            "Key findings include \u{2026}"
        );
        assert_eq!(
            clean_excerpt("A study [\u{2026}]\nThe post A study appeared first on IPA."),
            "A study"
        );
    }
}
