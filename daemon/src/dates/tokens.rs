//! Tokenizer: splits text into runs of ASCII digits, runs of letters (case- and
//! accent-folded for lexicon look-ups) and single symbols, remembering byte offsets and
//! whether whitespace came before each token. The matcher works on these tokens, so it
//! never slices the input itself and cannot split a multi-byte character.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Num,
    Word,
    Sym(char),
}

#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub kind: Kind,
    /// Byte range in the input (always on char boundaries).
    pub start: usize,
    pub end: usize,
    /// Numbers: value (saturating) and digit count.
    pub val: u32,
    pub len: usize,
    /// Words: lowercase, accents stripped (so "Miércoles" and "miercoles" look alike).
    pub word: String,
    /// Words: every letter was uppercase in the input ("EST", not "est").
    pub upper: bool,
    /// Words: first letter was uppercase ("May" the month, not "may" the verb).
    pub cap: bool,
    /// Whitespace directly before this token.
    pub space: bool,
    /// A blank line before this token: lookahead for a time stops here.
    pub para: bool,
}

/// Combining diacritical marks, dropped so decomposed accents fold like composed ones.
fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn fold_char(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        let base = match l {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            c if is_combining(c) => continue,
            other => other,
        };
        out.push(base);
    }
}

pub(super) fn tokenize(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut space = false;
    let mut newlines = 0u32;
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            space = true;
            if c == '\n' {
                newlines += 1;
            }
            continue;
        }
        let mut tok = Tok {
            kind: Kind::Sym(c),
            start: i,
            end: i + c.len_utf8(),
            val: 0,
            len: 0,
            word: String::new(),
            upper: false,
            cap: false,
            space,
            para: newlines >= 2,
        };
        if c.is_ascii_digit() {
            tok.kind = Kind::Num;
            let mut val: u32 = c as u32 - '0' as u32;
            let mut len = 1;
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                val = val.saturating_mul(10).saturating_add(d as u32 - '0' as u32);
                len += 1;
                tok.end = j + 1;
                chars.next();
            }
            tok.val = val;
            tok.len = len;
        } else if c.is_alphabetic() {
            tok.kind = Kind::Word;
            tok.cap = c.is_uppercase();
            let mut upper = c.is_uppercase();
            fold_char(c, &mut tok.word);
            while let Some(&(j, d)) = chars.peek() {
                if !(d.is_alphabetic() || is_combining(d)) {
                    break;
                }
                if d.is_alphabetic() && !d.is_uppercase() {
                    upper = false;
                }
                fold_char(d, &mut tok.word);
                tok.end = j + d.len_utf8();
                chars.next();
            }
            tok.upper = upper;
        }
        out.push(tok);
        space = false;
        newlines = 0;
    }
    out
}
