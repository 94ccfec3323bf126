//! English stemming, remembered.
//!
//! Every word of every title, summary, place and organisation is stemmed
//! when it is indexed, and again when a search highlights a summary. The
//! words of these announcements are few (the same courses, cannulas and
//! congresses again and again), and the Snowball stemmer costs far more than
//! looking a word up. So each thread remembers the stems it computed, up
//! to [`REMEMBERED`] words, and forgets them all when full: the words that
//! come back most are soon remembered again.

use std::cell::RefCell;
use std::collections::HashMap;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words whose stems a thread keeps: at most about half a MB, on each
/// thread that indexes or highlights (in the daemon, the writer's thread
/// and its few search threads).
const REMEMBERED: usize = 4096;

thread_local! {
    static STEMS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// The English stem of a lower-cased word.
fn stem(word: &str, into: &mut String) {
    STEMS.with_borrow_mut(|stems| {
        if let Some(stem) = stems.get(word) {
            into.clear();
            into.push_str(stem);
            return;
        }
        let stem = frostem::Stemmer::new(frostem::Algorithm::English)
            .stem(word)
            .into_owned();
        if stems.len() >= REMEMBERED {
            stems.clear();
        }
        stems.insert(word.to_owned(), stem.clone());
        *into = stem;
    });
}

/// A token filter that stems English words as tantivy's `Stemmer` does,
/// remembering the stems.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EnglishStems;

impl TokenFilter for EnglishStems {
    type Tokenizer<T: Tokenizer> = EnglishStemsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EnglishStemsFilter<T> {
        EnglishStemsFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub(crate) struct EnglishStemsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for EnglishStemsFilter<T> {
    type TokenStream<'a> = EnglishStemsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EnglishStemsStream {
            tail: self.inner.token_stream(text),
            word: String::new(),
        }
    }
}

pub(crate) struct EnglishStemsStream<T> {
    tail: T,
    /// The word being stemmed, kept to reuse its allocation.
    word: String,
}

impl<T: TokenStream> TokenStream for EnglishStemsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        std::mem::swap(&mut token.text, &mut self.word);
        stem(&self.word, &mut token.text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    use super::*;

    fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn stems_as_tantivy_does_the_first_time_and_every_time_after() {
        let text = "Courses on oxygenators: cannulating, simulated cannulation, \
                    registries and the registry's congresses; courses again";
        let mut ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(EnglishStems)
            .build();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        let expected = words(&mut theirs, text);
        assert_eq!(expected[0], "cours");
        assert_eq!(words(&mut ours, text), expected);
        assert_eq!(
            words(&mut ours, text),
            expected,
            "from the remembered stems"
        );
    }

    #[test]
    fn a_full_memory_starts_again() {
        let mut out = String::new();
        for n in 0..REMEMBERED + 10 {
            stem(&format!("w{n}"), &mut out);
        }
        stem("meetings", &mut out);
        assert_eq!(out, "meet");
        assert!(STEMS.with_borrow(HashMap::len) <= REMEMBERED);
    }
}
