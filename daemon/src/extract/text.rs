//! Plain text from markup: block elements become line breaks, scripts,
//! styles and forms vanish, whitespace is folded. Summaries are always built
//! through here, so no item carries raw HTML.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};

/// Elements whose content is never text a reader should see.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "form", "button", "select", "nav", "svg",
];

/// Elements that break a line before and after them.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Stands for a link's place in text read with [`Walk::marking_links`]: a
/// private-use character, never in a page's own text.
pub const LINK_MARK: char = '\u{E000}';

/// The text of an element, with block boundaries as line breaks and
/// whitespace folded.
pub fn of_element(element: ElementRef<'_>) -> String {
    let mut walk = Walk::default();
    walk.element(element);
    walk.finish().0
}

/// The text of an HTML fragment (a feed's description).
pub fn of_html(fragment: &str) -> String {
    let html = Html::parse_fragment(fragment);
    of_element(html.root_element())
}

/// A walk over markup that gathers its text, optionally marking where each
/// link is and leaving out cookie and consent banners.
#[derive(Debug, Default)]
pub struct Walk {
    out: String,
    links: Vec<String>,
    mark_links: bool,
    skip_banners: bool,
}

impl Walk {
    /// A walk that puts a [`LINK_MARK`] before each `<a href>`'s text and
    /// keeps the hrefs in document order, so a caller can tell on which
    /// line each link stands.
    pub fn marking_links() -> Self {
        Self {
            mark_links: true,
            ..Self::default()
        }
    }

    /// Also leaves out cookie, GDPR and consent banners, which pages put
    /// anywhere, content regions included.
    #[must_use]
    pub fn without_banners(mut self) -> Self {
        self.skip_banners = true;
        self
    }

    /// Adds a node (an element and what it holds, or a text).
    pub fn node(&mut self, node: NodeRef<'_, Node>) {
        match node.value() {
            // A line break in the markup is a space on the page: only
            // block elements break lines.
            Node::Text(text) => {
                for c in text.chars() {
                    self.out.push(if c.is_whitespace() { ' ' } else { c });
                }
            }
            Node::Element(e) => {
                let name = e.name();
                if SKIPPED.contains(&name) || (self.skip_banners && is_banner(e)) {
                    return;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    self.out.push('\n');
                }
                if self.mark_links
                    && name == "a"
                    && let Some(href) = e.attr("href")
                {
                    self.out.push(LINK_MARK);
                    self.links.push(href.trim().to_owned());
                }
                for child in node.children() {
                    self.node(child);
                }
                if block {
                    self.out.push('\n');
                }
            }
            _ => {}
        }
    }

    /// Adds what an element holds (not the element's own line breaks).
    pub fn element(&mut self, element: ElementRef<'_>) {
        for child in element.children() {
            self.node(child);
        }
    }

    /// The folded text, and the hrefs of the marked links in order.
    pub fn finish(self) -> (String, Vec<String>) {
        (fold(&self.out), self.links)
    }
}

/// Whether an element is a cookie or consent banner, by the ids and
/// classes the common banner plugins use (`cookie-notice`,
/// `cmplz-cookiebanner`, `gdpr-consent`, `BorlabsCookie`).
fn is_banner(e: &scraper::node::Element) -> bool {
    let named = |v: &str| {
        let v = v.to_ascii_lowercase();
        ["cookie", "gdpr", "consent", "cmplz"]
            .iter()
            .any(|w| v.contains(w))
    };
    e.id().is_some_and(named) || e.classes().any(named)
}

/// Folds runs of spaces into one and runs of blank lines into one line
/// break, trimming every line.
pub fn fold(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("\n")
}

/// One line: every whitespace run, line breaks included, as one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_break_lines_and_scripts_vanish() {
        let html = "<div><h3>ELSO  Course</h3><p>Location:\n Virtual</p><script>var x=1;</script><p>a<br>b</p></div>";
        assert_eq!(of_html(html), "ELSO Course\nLocation: Virtual\na\nb");
    }

    #[test]
    fn links_are_marked_and_banners_left_out() {
        let html = Html::parse_fragment(
            "<div><p>Programme at <a href=\"https://x.example/\">x.example</a></p><div id=\"cookie-notice\"><p>We use cookies</p></div></div>",
        );
        let mut walk = Walk::marking_links().without_banners();
        walk.element(html.root_element());
        let (text, links) = walk.finish();
        assert_eq!(text, format!("Programme at {LINK_MARK}x.example"));
        assert_eq!(links, ["https://x.example/"]);
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            of_html("<p>Heart &amp; Lung &#8230;</p>"),
            "Heart & Lung \u{2026}"
        );
    }
}
