//! Plain text from markup: block elements become line breaks, scripts,
//! styles and forms vanish, whitespace is folded. Summaries are always built
//! through here, so no item carries raw HTML.

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

/// The text of an element, with block boundaries as line breaks and
/// whitespace folded.
pub fn of_element(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    push_text(element, &mut out);
    fold(&out)
}

/// The text of an HTML fragment (a feed's description).
pub fn of_html(fragment: &str) -> String {
    let html = Html::parse_fragment(fragment);
    of_element(html.root_element())
}

fn push_text(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        match child.value() {
            // A line break in the markup is a space on the page: only
            // block elements break lines.
            Node::Text(text) => {
                for c in text.chars() {
                    out.push(if c.is_whitespace() { ' ' } else { c });
                }
            }
            Node::Element(e) => {
                let name = e.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    out.push('\n');
                }
                if let Some(child) = ElementRef::wrap(child) {
                    push_text(child, out);
                }
                if block {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
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
    fn entities_are_decoded() {
        assert_eq!(
            of_html("<p>Heart &amp; Lung &#8230;</p>"),
            "Heart & Lung \u{2026}"
        );
    }
}
