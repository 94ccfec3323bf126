//! A summary as a reader should see it: without what the hiding of e-mail
//! addresses leaves in the page's text.
//!
//! Sites behind Cloudflare replace every address with the text
//! `[email protected]` and a script that puts it back in a browser; a
//! reader of our summary would see the placeholder, not the address. Sites
//! that strip addresses themselves leave the brackets that held them:
//! `Organization: Thomas Müller / Britta Haseneder (`.

use std::sync::LazyLock;

use regex::Regex;

/// Cloudflare's placeholder, with the brackets around it when it stood for
/// "Name (address)", and the spaces before it.
static HIDDEN_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*(?:\(\s*\[email\s+protected\]\s*\)|\[email\s+protected\])")
        .expect("a valid regex")
});

/// A bracket opened at the end of a line and never closed, or closed on
/// nothing: what an address removed from "Name (address)" leaves.
static EMPTY_BRACKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*(?:\(\s*\)|\($)").expect("a valid regex"));

/// The summary without hidden-address placeholders and the empty or
/// dangling brackets they leave; lines left empty are dropped.
pub fn clean(summary: &str) -> String {
    summary
        .lines()
        .map(|line| {
            let line = HIDDEN_EMAIL.replace_all(line, "");
            let line = EMPTY_BRACKET.replace_all(line.trim_end(), "");
            line.trim().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn hidden_addresses_and_their_brackets_go() {
        assert_eq!(
            clean("Coordinate the ECMO program. Contact: Jane Miller ([email protected])"),
            "Coordinate the ECMO program. Contact: Jane Miller"
        );
        assert_eq!(
            clean("Informal enquiries to Dr Ann Smith ([email protected])."),
            "Informal enquiries to Dr Ann Smith."
        );
        assert_eq!(
            clean("Refunded. Contact [email protected] with questions."),
            "Refunded. Contact with questions."
        );
        assert_eq!(clean("Contacto: [email protected]"), "Contacto:");
        assert_eq!(clean("[email protected]\nSecond line"), "Second line");
    }

    #[test]
    fn a_bracket_left_open_at_the_end_of_a_line_goes() {
        assert_eq!(
            clean("Three days in Porto.\nOrganization: Thomas Müller / Britta Haseneder ("),
            "Three days in Porto.\nOrganization: Thomas Müller / Britta Haseneder"
        );
    }

    #[test]
    fn ordinary_text_and_brackets_stay() {
        let text = "ABCP Category I CEUs (Will be requested).\nFree for members (login required)";
        assert_eq!(clean(text), text);
    }
}
