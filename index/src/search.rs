//! Searching: free text combined with kind, organisation, country, mode,
//! status and date filters, ordered by date or by relevance, a page at a
//! time.

use std::ops::Bound;

use chrono::NaiveDate;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Order, TantivyDocument, Term};

use crate::IndexError;
use crate::model::Item;
use crate::model::{ItemKind, Mode, Status};
use crate::schema;
use crate::store::IndexStore;

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
    /// Hits to skip.
    pub offset: usize,
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
            limit: 20,
            today,
        }
    }
}

/// A page of hits.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// The items of this page, in order.
    pub items: Vec<Item>,
    /// How many items match in all.
    pub total: u64,
}

impl IndexStore {
    /// Runs a search.
    pub fn search(&self, q: &SearchQuery) -> Result<Hits, IndexError> {
        let query = self.build_query(q);
        let searcher = self.reader.searcher();
        let limit = q.limit.max(1);
        let top = TopDocs::with_limit(limit).and_offset(q.offset);
        let (addresses, total): (Vec<DocAddress>, usize) = match q.sort {
            SortOrder::Relevance => {
                let (hits, total) = searcher.search(&query, &(top.order_by_score(), Count))?;
                (hits.into_iter().map(|(_, a)| a).collect(), total)
            }
            SortOrder::Date | SortOrder::Newest => {
                let (field, order) = if q.sort == SortOrder::Date {
                    ("start_day", Order::Asc)
                } else {
                    ("first_seen", Order::Desc)
                };
                let top = top.order_by_fast_field::<i64>(field, order);
                let (hits, total) = searcher.search(&query, &(top, Count))?;
                (hits.into_iter().map(|(_, a)| a).collect(), total)
            }
        };
        let mut items = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            items.push(self.item_of(&doc)?);
        }
        Ok(Hits {
            items,
            total: total as u64,
        })
    }

    fn build_query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text = q.text.trim();
        if text.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else {
            clauses.push((Occur::Must, self.text_query(text)));
        }
        let kinds: Vec<String> = q.kinds.iter().map(|k| k.as_str().to_owned()).collect();
        push_any_of(&mut clauses, f.kind, &kinds);
        let orgs: Vec<String> = q.orgs.iter().map(|o| schema::org_key(o)).collect();
        push_any_of(&mut clauses, f.org_key, &orgs);
        let countries: Vec<String> = q
            .countries
            .iter()
            .map(|c| c.trim().to_lowercase())
            .collect();
        push_any_of(&mut clauses, f.country, &countries);
        if let Some(mode) = q.mode {
            push_any_of(&mut clauses, f.mode, &[mode.as_str().to_owned()]);
        }
        if !q.include_withdrawn {
            clauses.push((
                Occur::MustNot,
                Box::new(term_query(f.status, Status::Withdrawn.as_str())),
            ));
        }
        // An item overlaps [from, to] when it ends on or after `from` and
        // starts on or before `to`. Undated items carry UNDATED in both
        // fields, so they pass "ends after" and fail "starts before": they
        // are current, but in no explicit range.
        let mut earliest_end = q.from;
        if !q.include_past {
            earliest_end = Some(earliest_end.map_or(q.today, |from| from.max(q.today)));
        }
        if let Some(from) = earliest_end {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(f.end_day, schema::day_number(from))),
                    Bound::Unbounded,
                )),
            ));
        }
        if let Some(to) = q.to {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_i64(f.start_day, schema::day_number(to))),
                )),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The free-text part: every word must match somewhere in title,
    /// summary, place or organisation (title weighs most). The query syntax
    /// (phrases, `title:`, `-word`) is read leniently: what cannot be parsed
    /// is searched as plain words instead of failing the search.
    fn text_query(&self, text: &str) -> Box<dyn Query> {
        let f = &self.fields;
        let mut parser =
            QueryParser::for_index(&self.index, vec![f.title, f.summary, f.place, f.org]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 3.0);
        parser.set_field_boost(f.org, 1.5);
        let (query, _errors) = parser.parse_query_lenient(text);
        query
    }
}

fn term_query(field: Field, value: &str) -> TermQuery {
    TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    )
}

/// Requires the field to hold any one of `values`; no clause when empty.
fn push_any_of(clauses: &mut Vec<(Occur, Box<dyn Query>)>, field: Field, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let any: Vec<(Occur, Box<dyn Query>)> = values
        .iter()
        .map(|v| {
            (
                Occur::Should,
                Box::new(term_query(field, v)) as Box<dyn Query>,
            )
        })
        .collect();
    clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
}

#[cfg(test)]
mod tests;
