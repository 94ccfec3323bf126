//! Searching: free text combined with kind, organisation, country, mode,
//! status and date filters, ordered by date or by relevance, a page at a
//! time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, Term};

use crate::IndexError;
use crate::model::Item;
use crate::model::{ItemKind, Mode};
use crate::schema;
use crate::store::IndexStore;

/// The facets counted for every search.
const FACET_ROOTS: [&str; 4] = ["kind", "org", "country", "month"];
/// The longest snippet, in characters.
const SNIPPET_CHARS: usize = 180;
/// Words of a query read for typo-tolerant matching.
const MAX_WORDS: usize = 16;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Soonest first; undated items last.
    #[default]
    Date,
    /// Best match first (BM25).
    Relevance,
    /// Most recently announced first (by `first_seen`): for feeds.
    Newest,
}

/// A search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Free text over title, summary, place and organisation; empty for all.
    pub text: String,
    /// Any of these kinds; empty for all.
    pub kinds: Vec<ItemKind>,
    /// Any of these organisations (case-insensitive); empty for all.
    pub orgs: Vec<String>,
    /// Any of these ISO country codes (case-insensitive); empty for all.
    pub countries: Vec<String>,
    /// Only this mode.
    pub mode: Option<Mode>,
    /// Only items whose dates overlap `[from, to]`.
    pub from: Option<NaiveDate>,
    /// See `from`.
    pub to: Option<NaiveDate>,
    /// Also items that were over before `today`.
    pub include_past: bool,
    /// Also withdrawn items.
    pub include_withdrawn: bool,
    /// The order of hits.
    pub sort: SortOrder,
    /// Hits to skip (relevance and newest-first orders).
    pub offset: usize,
    /// For the date order: only hits after this key (from a previous page's
    /// `next_key`), which stays right while the index changes.
    pub after: Option<u64>,
    /// Only these item ids (a watcher's view of what just changed).
    pub ids: Vec<String>,
    /// Hits to return at most.
    pub limit: usize,
    /// The day "past" is measured from.
    pub today: NaiveDate,
}

impl SearchQuery {
    /// Every current item, soonest first, 20 at a time.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            text: String::new(),
            kinds: Vec::new(),
            orgs: Vec::new(),
            countries: Vec::new(),
            mode: None,
            from: None,
            to: None,
            include_past: false,
            include_withdrawn: false,
            sort: SortOrder::Date,
            offset: 0,
            after: None,
            ids: Vec::new(),
            limit: 20,
            today,
        }
    }
}

/// A page of hits.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// The items of this page, in order. Shared with the items kept for
    /// the next searches (and with the kept answer), so showing them again
    /// copies nothing.
    pub items: Vec<Arc<Item>>,
    /// How many items match in all.
    pub total: u64,
    /// In the date order, the key the next page starts after.
    pub next_key: Option<u64>,
    /// How many matching items have each kind, organisation, country and
    /// month: `("kind", "course", 12)`.
    pub facets: Vec<(String, String, u64)>,
    /// Per item id, the part of its summary that matched, with the byte
    /// ranges of the matching words in it.
    pub snippets: HashMap<String, Snippet>,
    /// No item had every word as typed, so words were matched with up to two
    /// typos ("perfussion" found "perfusion").
    pub typo_tolerant: bool,
    /// What the caller made of this page, kept with it for as long as the
    /// answer is kept: the gRPC service keeps its encoded answer here, so a
    /// search asked again is neither converted nor encoded again.
    pub rendered: Rendered,
}

/// A rendering of a page of hits (its bytes), tagged with the version of
/// whatever else the caller rendered into it besides the hits themselves:
/// the gRPC service shows each item last seen when its sources' latest
/// reads say, which change between commits. A rendering is given back
/// only for the version it was made for.
///
/// A copy of the hits starts with none, since the copy may be changed.
#[derive(Default)]
pub struct Rendered(Mutex<Option<(u64, bytes::Bytes)>>);

impl Rendered {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(u64, bytes::Bytes)>> {
        // What it holds is whole whenever the lock is let go.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The rendering made for `version`, if it is the one kept.
    pub fn get(&self, version: u64) -> Option<bytes::Bytes> {
        match &*self.slot() {
            Some((kept, bytes)) if *kept == version => Some(bytes.clone()),
            _ => None,
        }
    }

    /// Keeps `bytes` as the rendering for `version`, unless one for a
    /// later version is kept already (versions only grow).
    pub fn keep(&self, version: u64, bytes: bytes::Bytes) {
        let mut slot = self.slot();
        if slot.as_ref().is_none_or(|(kept, _)| *kept <= version) {
            *slot = Some((version, bytes));
        }
    }
}

impl Clone for Rendered {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.slot() {
            Some((version, bytes)) => {
                write!(f, "Rendered({} bytes for version {version})", bytes.len())
            }
            None => f.write_str("Rendered(none)"),
        }
    }
}

impl Hits {
    /// The page's items, owned: each is copied only while a kept answer or
    /// the kept items still share it.
    pub fn into_items(self) -> Vec<Item> {
        self.items.into_iter().map(Arc::unwrap_or_clone).collect()
    }
}

/// The part of a summary that matched a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The text.
    pub fragment: String,
    /// Byte ranges of the matching words in `fragment`.
    pub highlights: Vec<std::ops::Range<usize>>,
}

impl IndexStore {
    /// Runs a search. When no item has every word as typed, the words are
    /// matched again with typos allowed.
    /// The same search between two commits is answered from a cache.
    pub fn search(&self, q: &SearchQuery) -> Result<Hits, IndexError> {
        self.answer(q).map(|(hits, _)| Arc::unwrap_or_clone(hits))
    }

    /// [`search`](Self::search), answered without copying a cached answer,
    /// and whether that answer was kept from the same search since the last
    /// commit (else computed).
    pub fn answer(&self, q: &SearchQuery) -> Result<(Arc<Hits>, bool), IndexError> {
        match self.kept_answer(q) {
            Some(hits) => Ok((hits, true)),
            None => self.compute_answer(q).map(|hits| (hits, false)),
        }
    }

    /// Computes the answer to `q`, even when a cached one is at hand, and
    /// keeps it for the next time `q` is asked: what a search costs when
    /// it is new.
    pub fn compute_answer(&self, q: &SearchQuery) -> Result<Arc<Hits>, IndexError> {
        let searcher = self.reader.searcher();
        let key = answer_key(searcher.generation().generation_id(), q);
        let text = q.text.trim();
        let exact = self.text_query(text);
        let mut hits = self.run(&searcher, q, exact.as_deref())?;
        if hits.total == 0 && !text.is_empty() {
            let fuzzy = self.typo_tolerant_query(text);
            hits = self.run(&searcher, q, fuzzy.as_deref())?;
            hits.typo_tolerant = true;
        }
        let hits = Arc::new(hits);
        self.answers.put(key, &hits);
        Ok(hits)
    }

    /// The cached answer to `q`, if the same search was answered since the
    /// last commit: a lookup cheap enough for the threads that serve
    /// connections, which then need not hand the search to another thread.
    pub fn kept_answer(&self, q: &SearchQuery) -> Option<Arc<Hits>> {
        let generation = self.reader.searcher().generation().generation_id();
        self.answers.get(&answer_key(generation, q))
    }

    fn run(
        &self,
        searcher: &Searcher,
        q: &SearchQuery,
        text: Option<&dyn Query>,
    ) -> Result<Hits, IndexError> {
        let picks = self.picking_query(q, text);
        let scan::Scan {
            hits: addresses,
            total,
            facets: counts,
        } = scan::scan(&self.tables, searcher, q, picks.as_deref())?;
        // A calendar's or a feed's thousands of items are read straight:
        // kept, they would push out what searches show, for nothing.
        let keep = addresses.len() <= shown::LARGEST_PAGE;
        let mut items = Vec::with_capacity(addresses.len());
        for address in addresses {
            items.push(if keep {
                self.shown_item(searcher, address)?
            } else {
                Arc::new(self.item_at(searcher, address)?)
            });
        }
        // By root in FACET_ROOTS order, then by value.
        let mut facets: Vec<(usize, String, u64)> = counts
            .into_iter()
            .map(|((root, value), n)| (root, value, n))
            .collect();
        facets.sort_unstable();
        let facets = facets
            .into_iter()
            .map(|(root, value, n)| (FACET_ROOTS[root].to_owned(), value, n))
            .collect();
        let snippets = match text {
            Some(text) => self.snippets(searcher, text, &items)?,
            None => HashMap::new(),
        };
        let next_key = (q.sort == SortOrder::Date)
            .then(|| items.last().map(|item| schema::date_key(item)))
            .flatten();
        Ok(Hits {
            items,
            total,
            next_key,
            facets,
            snippets,
            typo_tolerant: false,
            rendered: Rendered::default(),
        })
    }

    /// The item of a hit, from the items recent searches showed when it is
    /// one of them, and kept for the next searches.
    fn shown_item(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<Arc<Item>, IndexError> {
        let segment = searcher.segment_reader(address.segment_ord).segment_id();
        if let Some(item) = self.shown.get(segment, address.doc_id) {
            return Ok(item);
        }
        let item = Arc::new(self.item_at(searcher, address)?);
        self.shown.keep(segment, address.doc_id, Arc::clone(&item));
        Ok(item)
    }

    /// The matching words of each item's summary, highlighted.
    fn snippets(
        &self,
        searcher: &tantivy::Searcher,
        text: &dyn Query,
        items: &[Arc<Item>],
    ) -> Result<HashMap<String, Snippet>, IndexError> {
        let mut generator = SnippetGenerator::create(searcher, text, self.fields.summary)?;
        generator.set_max_num_chars(SNIPPET_CHARS);
        Ok(items
            .iter()
            .filter_map(|item| {
                let snippet = generator.snippet(&item.summary);
                (!snippet.highlighted().is_empty()).then(|| {
                    (
                        item.id.clone(),
                        Snippet {
                            fragment: snippet.fragment().to_owned(),
                            highlights: snippet.highlighted().to_vec(),
                        },
                    )
                })
            })
            .collect())
    }

    /// What picks the items the filters then narrow: the free text, and a
    /// watcher's ids; `None` for every item.
    fn picking_query(&self, q: &SearchQuery, text: Option<&dyn Query>) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(text) = text {
            clauses.push((Occur::Must, text.box_clone()));
        }
        if !q.ids.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = q
                .ids
                .iter()
                .map(|id| {
                    let term = Term::from_field_text(self.fields.id, id);
                    let query = TermQuery::new(term, IndexRecordOption::Basic);
                    (Occur::Should, Box::new(query) as Box<dyn Query>)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        match clauses.len() {
            0 => None,
            1 => clauses.pop().map(|(_, query)| query),
            _ => Some(Box::new(BooleanQuery::new(clauses))),
        }
    }

    /// The free-text part: every word must match somewhere in title,
    /// summary, place or organisation (title weighs most). The query syntax
    /// (phrases, `title:`, `city:`, `-word`) is read leniently: what cannot
    /// be parsed is searched as plain words instead of failing the search.
    /// A word ending in `*` is a prefix. `None` for an empty text.
    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        if text.is_empty() {
            return None;
        }
        if text
            .split_whitespace()
            .any(|w| w.len() > 1 && w.ends_with('*'))
        {
            return self.plain_words_query(text, |_, _| 0, true);
        }
        let f = &self.fields;
        let mut parser =
            QueryParser::for_index(&self.index, vec![f.title, f.summary, f.place, f.org]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 3.0);
        parser.set_field_boost(f.org, 1.5);
        let (query, _errors) = parser.parse_query_lenient(text);
        Some(query)
    }

    /// Every word of `text`, as written (unstemmed), with up to one typo in
    /// words of four to seven letters and two in longer ones.
    fn typo_tolerant_query(&self, text: &str) -> Option<Box<dyn Query>> {
        self.plain_words_query(
            text,
            |word, _| match word.chars().count() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            },
            false,
        )
    }

    /// Each word of `text` must match the `plain` field with at most
    /// `distance(word)` edits; `prefixes` lets `word*` match as a prefix.
    fn plain_words_query(
        &self,
        text: &str,
        distance: impl Fn(&str, bool) -> u8,
        prefixes: bool,
    ) -> Option<Box<dyn Query>> {
        let f = self.fields.plain;
        let mut analyzer = schema::plain_analyzer();
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for raw in text.split_whitespace().take(MAX_WORDS) {
            let prefix = prefixes && raw.ends_with('*');
            let mut stream = analyzer.token_stream(raw.trim_end_matches('*'));
            while let Some(token) = stream.next() {
                let term = Term::from_field_text(f, &token.text);
                let d = distance(&token.text, prefix);
                let query: Box<dyn Query> = if prefix {
                    Box::new(FuzzyTermQuery::new_prefix(term, d, true))
                } else if d == 0 {
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                } else {
                    Box::new(FuzzyTermQuery::new(term, d, true))
                };
                words.push((Occur::Must, query));
            }
        }
        (!words.is_empty()).then(|| Box::new(BooleanQuery::new(words)) as Box<dyn Query>)
    }
}

/// What identifies a search among the cached answers: all of it, on the
/// searcher generation it runs on.
fn answer_key(generation: u64, q: &SearchQuery) -> cache::Key {
    (generation, format!("{q:?}"))
}

mod cache;
mod scan;
mod shown;

pub(crate) use cache::Answers;
pub(crate) use scan::Tables;
pub(crate) use shown::Shown;
#[cfg(test)]
mod tests;
