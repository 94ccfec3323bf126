//! The lexical layer of iCalendar: escaping TEXT values (RFC 5545 3.3.11),
//! cleaning URI values, and writing content lines folded to 75 octets with
//! CRLF endings (RFC 5545 3.1).
//!
//! Everything scraped passes through here before it reaches the output, so
//! this is where hostile text is made harmless: no scraped character can end
//! a content line, start a new property or split a UTF-8 sequence.

use std::fmt::Write as _;

/// The most octets of one physical line, CRLF excluded (RFC 5545 3.1).
pub(super) const MAX_LINE_OCTETS: usize = 75;

/// `text` as an RFC 5545 TEXT value.
///
/// Every kind of line break (CRLF, LF, lone CR, and the Unicode line and
/// paragraph separators) becomes one `\n`; backslash, semicolon and comma are
/// escaped; a tab becomes a space, because dropping it would glue two words
/// together; every other control character (C0, DEL and C1) is dropped: C1's
/// NEL in particular is a line break to some readers.
pub(super) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // The text between two characters that need escaping is copied whole:
    // pushed a character at a time, escaping was a third of an export.
    let mut clean = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let escaped = match c {
            '\\' => "\\\\",
            ';' => "\\;",
            ',' => "\\,",
            '\r' => {
                // CRLF is one line break, not two.
                chars.next_if(|(_, next)| *next == '\n');
                "\\n"
            }
            '\n' | '\u{2028}' | '\u{2029}' => "\\n",
            '\t' => " ",
            c if c.is_control() => "",
            _ => continue,
        };
        out.push_str(&text[clean..at]);
        out.push_str(escaped);
        clean = chars.peek().map_or(text.len(), |(next, _)| *next);
    }
    out.push_str(&text[clean..]);
    out
}

/// `values` as a TEXT list (CATEGORIES): each value escaped, joined by bare
/// commas, blank values left out.
pub(super) fn text_list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    values
        .into_iter()
        .map(escape_text)
        .filter(|v| !v.trim().is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `url` as a URI value (RFC 3986), which is not TEXT and so has no escapes:
/// control characters are dropped, surrounding blanks trimmed, and any
/// character a URI cannot hold (space, quotes, backslash, non-ASCII) is
/// percent-encoded as UTF-8, so the value is one valid URI token.
pub(super) fn clean_uri(url: &str) -> String {
    let kept: String = url.chars().filter(|c| !c.is_control()).collect();
    let mut out = String::with_capacity(kept.len());
    for c in kept.trim().chars() {
        if c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// True when `text` ends with a backslash that escapes the next character:
/// the last of an odd run of backslashes.
fn ends_in_escape(text: &str) -> bool {
    text.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// A text/calendar body being written, one content line at a time.
#[derive(Debug, Default)]
pub(super) struct ContentLines {
    out: String,
}

impl ContentLines {
    /// Writes `name:value`, where `name` is a property name with its
    /// parameters (ours, never scraped) and `value` is already escaped or
    /// cleaned for its value type.
    ///
    /// Folds so that no physical line exceeds 75 octets: a continuation
    /// line starts with one space, which counts toward its 75. A fold never
    /// falls inside a UTF-8 sequence, nor between a backslash and the
    /// character it escapes: RFC 5545 would allow the latter, but some
    /// readers unescape before they unfold.
    pub(super) fn property(&mut self, name: &str, value: &str) {
        // The name is ours and short ASCII: it never needs a fold itself.
        debug_assert!(name.len() < MAX_LINE_OCTETS);
        self.out.push_str(name);
        self.out.push(':');
        let mut width = name.len() + 1;
        let mut start = 0;
        // Greedy: fill each physical line, then cut at the last character
        // boundary that fits, stepping back once more when the cut would
        // separate an escaping backslash from what it escapes.
        while value.len() - start > MAX_LINE_OCTETS - width {
            let mut cut = start + (MAX_LINE_OCTETS - width);
            while !value.is_char_boundary(cut) {
                cut -= 1;
            }
            if ends_in_escape(&value[..cut]) {
                cut -= 1;
            }
            self.out.push_str(&value[start..cut]);
            self.out.push_str("\r\n ");
            width = 1;
            start = cut;
        }
        self.out.push_str(&value[start..]);
        self.out.push_str("\r\n");
    }

    /// The finished body.
    pub(super) fn finish(self) -> String {
        self.out
    }
}
