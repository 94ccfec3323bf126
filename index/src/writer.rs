//! The index's single writer: upserts each source's items into records,
//! merges one event announced by several sources, and withdraws what a
//! source stopped listing.
//!
//! # How an item finds its record
//!
//! An item read from a source is that source's [`Listing`]. The writer looks
//! for the record that already holds a listing with its id (the same
//! announcement read again); failing that, for a record of *another* source
//! announcing the same event ([`merge::same_event`]: same days, compatible
//! place, similar title), which it joins; failing that, it opens a record of
//! its own, whose id is the listing's. A record's id never changes, so
//! calendar UIDs stay put. When a listing's new dates no longer match the
//! record it is in, it leaves it (the Tampa courses stay two items even if
//! one of them was once mistaken for the other).
//!
//! Each record is one tantivy document: the item it shows (see
//! [`merge::combine`]) and, stored beside it, its listings.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, IndexWriter, TantivyDocument, Term};

use crate::IndexError;
use crate::merge::{self, Listing};
use crate::model::Item;
use crate::schema;
use crate::store::IndexStore;

/// At most this many stored records with the same days are compared with an
/// item that may be another source's announcement of them.
const MERGE_CANDIDATES: usize = 64;

/// An exact, unscored lookup of one term.
fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    let term = Term::from_field_text(field, text);
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// The same announcement, leaving aside when it was read.
fn same_but_when_seen(old: &Item, new: &Item) -> bool {
    let mut new = new.clone();
    new.first_seen = old.first_seen;
    new.last_seen = old.last_seen;
    new.modified = old.modified;
    new.revision = old.revision;
    *old == new
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertStats {
    /// Items the index did not hold.
    pub added: usize,
    /// Items it held, whose dates, place or status changed.
    pub changed: usize,
    /// Items it held unchanged: read again as they were, they are not
    /// rewritten (see [`Item::last_seen_given`]).
    pub unchanged: usize,
    /// Items that another source already announced, now shown as one.
    pub merged: usize,
    /// Items withdrawn because their source stopped listing them.
    pub withdrawn: usize,
    /// Items this read missed that are not withdrawn yet: the next read
    /// without them withdraws them.
    pub missed: usize,
}

/// A record: its id, its listings, and the item it showed before this
/// write.
#[derive(Clone)]
struct Record {
    id: String,
    listings: Vec<Listing>,
    shown: Shown,
    /// Where the committed index holds it, when it was read from there.
    stored_at: Option<DocAddress>,
}

/// A stored record read while a source is replaced.
enum Read {
    /// As stored.
    Record(Record),
    /// Written since: the pending record with this id supersedes it, and
    /// the stored copy is let go (a source rewritten whole would otherwise
    /// be held twice until its commit).
    Written(String),
}

/// The item a record showed before this write.
#[derive(Clone)]
enum Shown {
    /// None: a new record.
    Nothing,
    /// Written since the last commit.
    Item(Box<Item>),
    /// As stored, in JSON: read only when the record is written again. Most
    /// records the writer reads are merge candidates that do not match.
    Stored(String),
}

impl Shown {
    fn into_item(self) -> Result<Option<Item>, IndexError> {
        match self {
            Shown::Nothing => Ok(None),
            Shown::Item(item) => Ok(Some(*item)),
            Shown::Stored(json) => Ok(Some(serde_json::from_str(&json)?)),
        }
    }
}

/// The index's single writer.
pub struct Writer {
    store: IndexStore,
    writer: IndexWriter,
    /// Records written since the last commit, by id: the reader cannot see
    /// them yet, and a second write of the same record must build on them.
    pending: HashMap<String, (Vec<Listing>, Item)>,
    /// The record of each listing written since the last commit.
    pending_listing: HashMap<String, String>,
    /// Pending records by the merge keys of their live listings, for
    /// merging within one commit.
    pending_by_key: HashMap<String, Vec<String>>,
    /// Ids added or changed since the last commit.
    fresh: Vec<String>,
    /// A document was written or deleted since the last commit.
    dirty: bool,
    /// While a source is replaced: the stored records already read, by
    /// address. Its upsert reads each record it finds, and counting its
    /// misses then needs every record of the source again; the searcher
    /// does not change in between (only a commit reloads it).
    read: RefCell<Option<HashMap<DocAddress, Read>>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Writer {
    pub(crate) fn new(store: IndexStore, writer: IndexWriter) -> Self {
        Self {
            store,
            writer,
            pending: HashMap::new(),
            pending_listing: HashMap::new(),
            pending_by_key: HashMap::new(),
            fresh: Vec::new(),
            dirty: false,
            read: RefCell::new(None),
        }
    }

    /// Inserts or replaces items by id, merging an item into the record of
    /// another source's announcement of the same event. A record keeps its
    /// `first_seen`, and its `revision` grows when its dates, place, status
    /// or deadlines changed. Nothing is withdrawn. Nothing is visible to
    /// searches until [`commit`].
    ///
    /// [`commit`]: Writer::commit
    pub fn upsert(
        &mut self,
        items: Vec<Item>,
        now: DateTime<Utc>,
    ) -> Result<UpsertStats, IndexError> {
        let mut stats = UpsertStats::default();
        // A source the committed index holds nothing of (its first read)
        // has no stored listing to look up: its items are new, or written
        // since the last commit.
        let mut stored_sources: HashMap<String, bool> = HashMap::new();
        for mut item in items {
            item.last_seen = now;
            let source = item.sources.first().map_or("", |s| s.source_id.as_str());
            let stored = match stored_sources.get(source) {
                Some(&stored) => stored,
                None => {
                    let stored = self.holds_source(source);
                    stored_sources.insert(source.to_owned(), stored);
                    stored
                }
            };
            match self.record_of_listing(&item.id, stored)? {
                Some(record) => self.update_listing(record, item, now, &mut stats)?,
                None => {
                    item.first_seen = now;
                    match self.matching_record(&item)? {
                        Some(mut record) => {
                            record.listings.push(Listing::new(item));
                            stats.merged += 1;
                            self.write(record, now, &mut stats)?;
                        }
                        None => {
                            let record = Record {
                                id: item.id.clone(),
                                listings: vec![Listing::new(item)],
                                shown: Shown::Nothing,
                                stored_at: None,
                            };
                            self.write(record, now, &mut stats)?;
                        }
                    }
                }
            }
        }
        Ok(stats)
    }

    /// A successful read of a whole source: upserts its items, and counts a
    /// miss for each of its listings that is not among them. A listing
    /// missed [`WITHDRAW_AFTER`] times in a row is withdrawn, and an item
    /// whose every announcer withdrew it becomes `withdrawn`. An empty read
    /// withdraws nothing: a page whose selectors suddenly match nothing is
    /// far likelier broken than empty.
    ///
    /// [`WITHDRAW_AFTER`]: crate::WITHDRAW_AFTER
    ///
    /// `listed_before` is when the source's previous successful read was:
    /// a listing this read misses for the first time was last seen then
    /// (the writer does not rewrite a listing read again unchanged, so its
    /// own `last_seen` may be older).
    pub fn replace_source(
        &mut self,
        source_id: &str,
        items: Vec<Item>,
        now: DateTime<Utc>,
        listed_before: Option<DateTime<Utc>>,
    ) -> Result<UpsertStats, IndexError> {
        let listed: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
        *self.read.get_mut() = Some(HashMap::new());
        let replaced = self.upsert(items, now).and_then(|mut stats| {
            if !listed.is_empty() {
                let missing = |l: &Listing| !listed.contains(&l.item.id);
                self.count_misses(source_id, missing, listed_before, now, &mut stats)?;
            }
            Ok(stats)
        });
        *self.read.get_mut() = None;
        replaced
    }

    /// A read of a source whose page had not changed since its last read
    /// (an HTTP 304): the items that read missed are missed once more.
    pub fn source_unchanged(
        &mut self,
        source_id: &str,
        now: DateTime<Utc>,
    ) -> Result<UpsertStats, IndexError> {
        let mut stats = UpsertStats::default();
        self.count_misses(source_id, |l| l.missed > 0, None, now, &mut stats)?;
        Ok(stats)
    }

    /// Counts a miss for each listing of `source_id` that `missing` picks
    /// and that is not withdrawn yet. A listing missed for the first time
    /// was last seen `listed_before`, when its source last read well.
    fn count_misses(
        &mut self,
        source_id: &str,
        missing: impl Fn(&Listing) -> bool,
        listed_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        stats: &mut UpsertStats,
    ) -> Result<(), IndexError> {
        let misses = |l: &Listing| l.source_id() == source_id && !l.withdrawn() && missing(l);
        for mut record in self.records_of_source(source_id, |ls| ls.iter().any(misses))? {
            let mut missed = false;
            for listing in &mut record.listings {
                if misses(listing) {
                    if listing.missed == 0
                        && let Some(before) = listed_before
                    {
                        let seen = &mut listing.item.last_seen;
                        *seen = (*seen).max(before);
                    }
                    listing.missed += 1;
                    missed = true;
                    if listing.withdrawn() {
                        stats.withdrawn += 1;
                    } else {
                        stats.missed += 1;
                    }
                }
            }
            if missed {
                let mut ignored = UpsertStats::default();
                self.write(record, now, &mut ignored)?;
            }
        }
        Ok(())
    }

    /// Makes every upsert since the last commit durable and visible to
    /// searches, and returns the ids it added or changed.
    /// A commit with nothing written is skipped: searchers keep their
    /// generation, and with it the answers cached for it.
    pub fn commit(&mut self) -> Result<Vec<String>, IndexError> {
        if self.dirty {
            self.writer.commit()?;
            self.store.reader.reload()?;
            self.dirty = false;
        }
        self.pending.clear();
        self.pending_listing.clear();
        self.pending_by_key.clear();
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable();
        fresh.dedup();
        Ok(fresh)
    }

    /// Merges every segment of the index into one and moves searches onto
    /// it; returns the writer to go on with and how many segments were
    /// merged (0 when there was one or none). Uncommitted writes are
    /// committed first.
    ///
    /// Each commit adds a segment and tantivy merges them only by size
    /// tiers, so after a cycle the index is a dozen segments, and every
    /// search repeats its term lookups, its scorers and its filters once
    /// for each. One segment answers searches 10 to 25% faster at 100,000
    /// items and holds less in memory. tantivy refuses to merge a segment
    /// it is merging already, so its own merges are let finish first,
    /// which needs a new writer (`IndexWriter::wait_merging_threads`
    /// consumes it): an error after that point loses the writer, and the
    /// caller opens another with [`IndexStore::writer`].
    ///
    /// A merge tantivy finished on its own is not seen by searches until
    /// the reader reloads, so the reader reloads in every case that waited.
    pub fn merge_segments(mut self) -> Result<(Writer, usize), IndexError> {
        self.commit()?;
        if self.store.segment_count() < 2 {
            return Ok((self, 0));
        }
        let Writer { store, writer, .. } = self;
        writer.wait_merging_threads()?;
        let mut writer = store.writer()?;
        let segments = store.index.searchable_segment_ids()?;
        let merged = if segments.len() < 2 {
            0
        } else {
            writer.writer.merge(&segments).wait()?;
            segments.len()
        };
        store.reader.reload()?;
        Ok((writer, merged))
    }

    /// A listing read again: it replaces its old self in its record, or
    /// leaves the record when it no longer announces the same event as the
    /// record's other listings.
    fn update_listing(
        &mut self,
        mut record: Record,
        mut item: Item,
        now: DateTime<Utc>,
        stats: &mut UpsertStats,
    ) -> Result<(), IndexError> {
        let at = record
            .listings
            .iter()
            .position(|l| l.item.id == item.id)
            .ok_or(IndexError::Corrupt("a listing missing from its record"))?;
        let old = &record.listings[at];
        item.first_seen = old.item.first_seen;
        if old.missed == 0 && same_but_when_seen(&old.item, &item) {
            // Read again as it was: the record and its document stay as
            // they are. Its source's read tells when it was last seen
            // (`Item::last_seen_given`): rewriting every item on every read
            // would rewrite the whole index each day.
            stats.unchanged += 1;
            return Ok(());
        }
        record.listings[at] = Listing::new(item);
        let others: Vec<&Listing> = record
            .listings
            .iter()
            .enumerate()
            .filter(|(n, l)| *n != at && !l.withdrawn())
            .map(|(_, l)| l)
            .collect();
        let changed = &record.listings[at].item;
        let still_one = others.is_empty()
            || merge::likeness_to_record(changed, others.iter().map(|o| &o.item)).is_some();
        if still_one {
            return self.write(record, now, stats);
        }
        // Split: the record's id (and so its calendar UID) stays with the
        // listing that opened it.
        let moved = record.listings.remove(at);
        if moved.item.id == record.id {
            let rest = std::mem::replace(&mut record.listings, vec![moved]);
            self.write(record, now, stats)?;
            let rest_id = rest[0].item.id.clone();
            let (shown, stored_at) = self.previous(&rest_id)?;
            let rest = Record {
                id: rest_id,
                listings: rest,
                shown,
                stored_at,
            };
            let mut ignored = UpsertStats::default();
            self.write(rest, now, &mut ignored)
        } else {
            let mut ignored = UpsertStats::default();
            self.write(record, now, &mut ignored)?;
            let (shown, stored_at) = self.previous(&moved.item.id)?;
            let alone = Record {
                id: moved.item.id.clone(),
                listings: vec![moved],
                shown,
                stored_at,
            };
            self.write(alone, now, stats)
        }
    }

    /// Writes a record: the item its listings show, with the revision and
    /// modification time carried over from what it showed before.
    fn write(
        &mut self,
        record: Record,
        now: DateTime<Utc>,
        stats: &mut UpsertStats,
    ) -> Result<(), IndexError> {
        let mut item = merge::combine(&record.id, &record.listings);
        match record.shown.into_item()? {
            Some(previous) => {
                item.first_seen = item.first_seen.min(previous.first_seen);
                item.revision = previous.revision;
                item.modified = previous.modified;
                if item.calendar_fields_differ(&previous) {
                    item.revision += 1;
                    item.modified = now;
                    stats.changed += 1;
                    self.fresh.push(item.id.clone());
                } else {
                    stats.unchanged += 1;
                }
            }
            None => {
                item.modified = now;
                stats.added += 1;
                self.fresh.push(item.id.clone());
            }
        }
        if let Some(at) = record.stored_at
            && let Some(read) = self.read.get_mut()
        {
            read.insert(at, Read::Written(record.id.clone()));
        }
        let fields = &self.store.fields;
        self.dirty = true;
        self.writer
            .delete_term(Term::from_field_text(fields.id, &record.id));
        self.writer
            .add_document(schema::to_document(fields, &item, &record.listings)?)?;
        for listing in &record.listings {
            self.pending_listing
                .insert(listing.item.id.clone(), record.id.clone());
            if let Some(key) = listing.merge_key() {
                let ids = self.pending_by_key.entry(key).or_default();
                if !ids.contains(&record.id) {
                    ids.push(record.id.clone());
                }
            }
        }
        self.pending.insert(record.id, (record.listings, item));
        Ok(())
    }

    /// The record with this id.
    fn record(&self, id: &str) -> Result<Option<Record>, IndexError> {
        if let Some(record) = self.pending_record(id) {
            return Ok(Some(record));
        }
        let term = Term::from_field_text(self.store.fields.id, id);
        let found = self.stored(&TermQuery::new(term, IndexRecordOption::Basic), 1, |_| true)?;
        Ok(found.into_iter().next())
    }

    /// What the record with this id showed before, and where it is
    /// stored, for a record about to take the id.
    fn previous(&self, id: &str) -> Result<(Shown, Option<DocAddress>), IndexError> {
        Ok(self
            .record(id)?
            .map_or((Shown::Nothing, None), |r| (r.shown, r.stored_at)))
    }

    /// Whether the committed index holds a record listing this source
    /// (withdrawn or deleted ones may count).
    fn holds_source(&self, source_id: &str) -> bool {
        let term = Term::from_field_text(self.store.fields.source, source_id);
        let searcher = self.store.reader.searcher();
        // An error reading the index counts as "holds": the lookups then
        // happen, and report it.
        searcher.doc_freq(&term).map_or(true, |n| n > 0)
    }

    /// The record holding the listing with this id; `stored` says whether
    /// the committed index may hold it.
    fn record_of_listing(
        &self,
        listing_id: &str,
        stored: bool,
    ) -> Result<Option<Record>, IndexError> {
        if let Some(id) = self.pending_listing.get(listing_id) {
            return self.record(&id.clone());
        }
        if !stored {
            return Ok(None);
        }
        // The record it opened has its id; another record lists it under
        // `listing_id`. Never both: a record keeps the id of the listing
        // that opened it, even when that listing leaves it.
        let f = &self.store.fields;
        let query = BooleanQuery::new(vec![
            (Occur::Should, term_query(f.id, listing_id)),
            (Occur::Should, term_query(f.listing_id, listing_id)),
        ]);
        let found = self.stored(&query, 1, |ls| ls.iter().any(|l| l.item.id == listing_id))?;
        Ok(found.into_iter().next())
    }

    /// The record with this id as written since the last commit, if it was.
    fn pending_record(&self, id: &str) -> Option<Record> {
        let (listings, shown) = self.pending.get(id)?;
        Some(Record {
            id: id.to_owned(),
            listings: listings.clone(),
            shown: Shown::Item(Box::new(shown.clone())),
            stored_at: None,
        })
    }

    /// The records holding a listing of this source whose listings `keep`
    /// picks; the others are looked at in place, not copied.
    fn records_of_source(
        &self,
        source_id: &str,
        keep: impl Fn(&[Listing]) -> bool,
    ) -> Result<Vec<Record>, IndexError> {
        let of_source = |listings: &[Listing]| {
            listings.iter().any(|l| l.source_id() == source_id) && keep(listings)
        };
        let term = Term::from_field_text(self.store.fields.source, source_id);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let mut records = self.stored(&query, usize::MAX, of_source)?;
        // Records written since the last commit that searches cannot see.
        let seen: HashSet<String> = records.iter().map(|r| r.id.clone()).collect();
        for (id, (listings, _)) in &self.pending {
            if !seen.contains(id) && of_source(listings) {
                records.extend(self.pending_record(id));
            }
        }
        records.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(records)
    }

    /// The record of another source that announces the same event as
    /// `item`, if any; of several, the likeliest
    /// ([`merge::likeness_to_record`]).
    fn matching_record(&self, item: &Item) -> Result<Option<Record>, IndexError> {
        let Some(key) = merge::merge_key(item) else {
            return Ok(None);
        };
        let source = item.sources.first().map_or("", |s| s.source_id.as_str());
        let pending = self
            .pending_by_key
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|id| self.pending_record(id));
        // Most items share their key with no stored record (an article's
        // page, an event's days nobody else announces): one look at each
        // segment's terms says so, without running the query.
        let any_stored = self
            .store
            .reader
            .searcher()
            .doc_freq(&Term::from_field_text(self.store.fields.merge_key, &key))?
            > 0;
        let stored = if any_stored {
            let query = self.candidates_query(&key, item.place.city.as_deref(), source);
            self.stored(&query, MERGE_CANDIDATES, |_| true)?
        } else {
            Vec::new()
        };
        let mut seen = HashSet::new();
        let mut best: Option<(f64, Record)> = None;
        for record in pending.chain(stored) {
            // Two items of one source are two events: a source lists each
            // of its events once.
            if !seen.insert(record.id.clone())
                || record.listings.iter().any(|l| l.source_id() == source)
            {
                continue;
            }
            let live = record.listings.iter().filter(|l| !l.withdrawn());
            let likeness = merge::likeness_to_record(item, live.map(|l| &l.item));
            // Of equally likely records, the one with the smallest id: the
            // same pages give the same items however the index is laid out.
            if let Some(likeness) = likeness
                && best.as_ref().is_none_or(|(best, chosen)| {
                    likeness > *best || (likeness == *best && record.id < chosen.id)
                })
            {
                best = Some((likeness, record));
            }
        }
        Ok(best.map(|(_, record)| record))
    }

    /// Stored records with a live listing of another source that has the
    /// item's days and kind of event ([`merge::merge_key`]) and, when the
    /// item names a city, that city or none ([`merge::merge_places`]).
    fn candidates_query(&self, key: &str, city: Option<&str>, source: &str) -> BooleanQuery {
        let f = &self.store.fields;
        let candidates = match merge::merge_places(key, city) {
            Some(places) => Box::new(BooleanQuery::new(
                places
                    .iter()
                    .map(|place| (Occur::Should, term_query(f.merge_place, place)))
                    .collect(),
            )),
            None => term_query(f.merge_key, key),
        };
        BooleanQuery::new(vec![
            (Occur::Must, candidates),
            (Occur::MustNot, term_query(f.source, source)),
        ])
    }

    /// The records matching a query in the committed index, at most
    /// `limit`, in index order, as they are now: a write since the last
    /// commit, which searches cannot see yet, supersedes its stored self.
    /// Of those, the ones whose listings `keep` picks. Nothing is scored:
    /// the writer's lookups are exact.
    fn stored(
        &self,
        query: &dyn Query,
        limit: usize,
        keep: impl Fn(&[Listing]) -> bool,
    ) -> Result<Vec<Record>, IndexError> {
        let searcher = self.store.reader.searcher();
        let mut addresses: Vec<DocAddress> = searcher
            .search(query, &DocSetCollector)?
            .into_iter()
            .collect();
        addresses.sort_unstable();
        addresses.truncate(limit);
        let mut records = Vec::new();
        let mut read = self.read.borrow_mut();
        let mut pick = |id: &str, stored: Option<&Record>| {
            if let Some((listings, _)) = self.pending.get(id) {
                if keep(listings) {
                    records.extend(self.pending_record(id));
                }
            } else if let Some(stored) = stored.filter(|r| keep(&r.listings)) {
                records.push(stored.clone());
            }
        };
        for address in addresses {
            match read.as_ref().and_then(|read| read.get(&address)) {
                Some(Read::Record(record)) => pick(&record.id, Some(record)),
                Some(Read::Written(id)) => pick(id, None),
                None => {
                    let doc: TantivyDocument = searcher.doc(address)?;
                    let id = self.store.id_of(&doc)?;
                    let entry = if self.pending.contains_key(&id) {
                        pick(&id, None);
                        Read::Written(id)
                    } else {
                        let record = Record {
                            id,
                            listings: self.store.listings_of(&doc)?,
                            shown: Shown::Stored(self.store.item_json_of(&doc)?.to_owned()),
                            stored_at: Some(address),
                        };
                        pick(&record.id, Some(&record));
                        Read::Record(record)
                    };
                    if let Some(read) = read.as_mut() {
                        read.insert(address, entry);
                    }
                }
            }
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests;
