//! The tantivy schema and the mapping of an [`Item`] onto a document.
//!
//! The whole item is stored as JSON in one stored field, so reading a hit
//! back is one deserialisation and the schema only carries what is searched,
//! filtered or sorted on:
//!
//! - full text (`title`, `summary`, `place`, `org`) through one analyzer that
//!   lower-cases, folds accents and stems English, so "Montréal" finds
//!   "Montreal" and "courses" finds "course";
//! - exact-match fields for filters (`kind`, `org_key`, `country`, `mode`,
//!   `status`, `source`), lower-cased;
//! - day numbers (`start_day`, `end_day`, days since 0001-01-01) as fast
//!   fields, for date-range filters and the default soonest-first order.
//!   Undated items get `UNDATED` in both, which sorts them last and keeps
//!   them out of explicit date ranges;
//! - `first_seen` (Unix seconds) as a fast field, for newest-first feeds;
//! - `date_key` (first day, then the id's bits, a fast field): the default order, which a
//!   page token can resume after even while the index changes;
//! - `plain` (every word, unstemmed) and `city`, for typo-tolerant and
//!   prefix matching and `city:` queries;
//! - `facets` (`/kind/course`, `/org/ELSO`, `/country/DE`, `/month/2026-05`)
//!   for facet counts;
//! - `listings` (stored JSON) and `listing_id`: every source's announcement
//!   the item is made of (see [`crate::merge`]), found by its own id: the
//!   record's `id` for the one that opened it (a record keeps the id of
//!   the listing that opened it), `listing_id` for the others;
//!   `source` names the sources of all of them, withdrawn ones included;
//! - `merge_key` (an event's first and last day, or another item's page, for
//!   each live listing another source's announcement of the same event could
//!   join: see [`crate::merge::merge_key`]),
//!   so the writer finds those records with one term, and `merge_place`, the
//!   same key narrowed to the listing's city (see [`crate::merge::merge_place`]),
//!   so an item with a city finds them with two.

use chrono::{Datelike, NaiveDate};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

use crate::merge::Listing;
use crate::model::Item;

/// The name of the analyzer of the full-text fields.
pub(crate) const TEXT_ANALYZER: &str = "perfusion_text";
/// The name of the analyzer of `plain` and `city`: the words as written,
/// lower-cased and accent-folded but not stemmed, for typo-tolerant and
/// prefix matching.
pub(crate) const PLAIN_ANALYZER: &str = "perfusion_plain";

/// The day number of an item without any date.
pub(crate) const UNDATED: i64 = i64::MAX;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub doc: Field,
    pub title: Field,
    pub summary: Field,
    pub place: Field,
    pub org: Field,
    pub kind: Field,
    pub org_key: Field,
    pub country: Field,
    pub mode: Field,
    pub status: Field,
    pub source: Field,
    pub start_day: Field,
    pub end_day: Field,
    pub first_seen: Field,
    pub plain: Field,
    pub city: Field,
    pub facets: Field,
    pub date_key: Field,
    pub listings: Field,
    pub listing_id: Field,
    pub merge_key: Field,
    pub merge_place: Field,
}

/// Builds the schema and returns it with its fields.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // `plain` is matched word by word (typos, prefixes), never as a phrase;
    // `city:` takes phrases ("San Diego").
    let plain = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PLAIN_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let city = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PLAIN_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        doc: b.add_text_field("doc", STORED),
        title: b.add_text_field("title", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        place: b.add_text_field("place", text.clone()),
        org: b.add_text_field("org", text),
        kind: b.add_text_field("kind", STRING),
        org_key: b.add_text_field("org_key", STRING),
        country: b.add_text_field("country", STRING),
        mode: b.add_text_field("mode", STRING),
        status: b.add_text_field("status", STRING),
        source: b.add_text_field("source", STRING),
        start_day: b.add_i64_field("start_day", FAST),
        end_day: b.add_i64_field("end_day", FAST),
        first_seen: b.add_i64_field("first_seen", FAST),
        plain: b.add_text_field("plain", plain),
        city: b.add_text_field("city", city),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        date_key: b.add_u64_field("date_key", FAST),
        listings: b.add_text_field("listings", STORED),
        listing_id: b.add_text_field("listing_id", STRING),
        merge_key: b.add_text_field("merge_key", STRING),
        merge_place: b.add_text_field("merge_place", STRING),
    };
    (b.build(), fields)
}

/// The analyzer of the full-text fields, registered on every open (tantivy
/// does not persist analyzers).
pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(crate::stems::EnglishStems)
        .build()
}

/// The analyzer of `plain` and `city`.
pub(crate) fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Bits of the id in a `date_key`.
const DATE_KEY_ID_BITS: u32 = 42;

/// The key of the default order: the first day in the high bits, then the
/// id's first 42 bits, so items of one day keep one order whatever the
/// index's segments are, and a page token can say "after this key".
pub(crate) fn date_key(item: &Item) -> u64 {
    let day = item.first_day().map_or(UNDATED_DAY_BITS, |d| {
        (day_number(d) as u64).min(UNDATED_DAY_BITS - 1)
    });
    let id = u64::from_str_radix(&item.id, 16).unwrap_or_else(|_| {
        // Ids are 16 hex digits; anything else still gets a stable key.
        item.id
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
    });
    (day << DATE_KEY_ID_BITS) | (id >> (64 - DATE_KEY_ID_BITS))
}

/// The day bits of an undated item: after every real day.
const UNDATED_DAY_BITS: u64 = (1 << (64 - DATE_KEY_ID_BITS)) - 1;

/// The facet paths of an item: its kind, organisations, country and the
/// months it spans (at most 24).
fn facets_of(item: &Item) -> Vec<Facet> {
    let mut facets = vec![Facet::from_path(["kind", item.kind.as_str()])];
    let mut orgs: Vec<&str> = std::iter::once(item.org.as_str())
        .chain(item.sources.iter().map(|s| s.org.as_str()))
        .collect();
    orgs.sort_unstable();
    orgs.dedup();
    facets.extend(orgs.into_iter().map(|o| Facet::from_path(["org", o])));
    if let Some(cc) = &item.place.country_code {
        facets.push(Facet::from_path(["country", cc.as_str()]));
    }
    if let (Some(start), Some(end)) = (item.first_day(), item.last_day()) {
        let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        let last = first_of(end);
        let mut month = Some(first_of(start));
        for _ in 0..24 {
            let Some(m) = month.filter(|m| *m <= last) else {
                break;
            };
            facets.push(Facet::from_path(["month", &m.format("%Y-%m").to_string()]));
            month = m.checked_add_months(chrono::Months::new(1));
        }
    }
    facets
}

/// The day number used by `start_day` and `end_day`.
pub(crate) fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// The key an organisation is filtered by: lower case, trimmed.
pub(crate) fn org_key(org: &str) -> String {
    org.trim().to_lowercase()
}

/// The document of the item a record shows, made of `listings`.
pub(crate) fn to_document(
    f: &Fields,
    item: &Item,
    listings: &[Listing],
) -> serde_json::Result<TantivyDocument> {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &item.id);
    doc.add_text(f.doc, serde_json::to_string(item)?);
    doc.add_text(f.listings, serde_json::to_string(listings)?);
    for listing in listings {
        // The listing that opened the record is found by the record's id.
        if listing.item.id != item.id {
            doc.add_text(f.listing_id, &listing.item.id);
        }
        if let Some(source) = listing.item.sources.first() {
            doc.add_text(f.source, &source.source_id);
        }
        if let Some(key) = listing.merge_key() {
            doc.add_text(f.merge_key, key);
        }
        if let Some(place) = listing.merge_place() {
            doc.add_text(f.merge_place, place);
        }
    }
    doc.add_text(f.title, &item.title);
    doc.add_text(f.summary, &item.summary);
    let place = &item.place;
    for part in [&place.venue, &place.city, &place.region]
        .into_iter()
        .flatten()
        .chain(std::iter::once(&place.text))
    {
        doc.add_text(f.place, part);
    }
    doc.add_text(f.org, &item.org);
    doc.add_text(f.kind, item.kind.as_str());
    doc.add_text(f.org_key, org_key(&item.org));
    for source in &item.sources {
        doc.add_text(f.org_key, org_key(&source.org));
    }
    if let Some(cc) = &place.country_code {
        doc.add_text(f.country, cc.to_lowercase());
    }
    if let Some(mode) = item.mode {
        doc.add_text(f.mode, mode.as_str());
    }
    doc.add_text(f.status, item.status.as_str());
    doc.add_i64(f.start_day, item.first_day().map_or(UNDATED, day_number));
    doc.add_i64(f.end_day, item.last_day().map_or(UNDATED, day_number));
    doc.add_i64(f.first_seen, item.first_seen.timestamp());
    doc.add_u64(f.date_key, date_key(item));
    for text in [&item.title, &item.summary, &item.org, &place.text] {
        doc.add_text(f.plain, text);
    }
    for part in [&place.venue, &place.city, &place.region]
        .into_iter()
        .flatten()
    {
        doc.add_text(f.plain, part);
    }
    if let Some(city) = &place.city {
        doc.add_text(f.city, city);
    }
    for facet in facets_of(item) {
        doc.add_facet(f.facets, facet);
    }
    Ok(doc)
}
