//! Opening the index, and reading items back.
//!
//! An [`IndexStore`] is cheap to clone and shared by every reader (the gRPC
//! service, the calendars). Exactly one [`Writer`] exists per store: the
//! daemon hands it to one task, which is fed items through a channel, so
//! tantivy's writer lock is never contended.
//!
//! Readers reload after each commit of the writer ([`ReloadPolicy::Manual`]
//! plus an explicit reload), so a search made after an ingest has returned
//! sees what it wrote, with no polling delay.

use std::path::Path;
use std::sync::Arc;

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{
    DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term, Warmer,
};

use crate::IndexError;
use crate::merge::Listing;
use crate::model::Item;
use crate::schema::{self, Fields};
use crate::search::{Answers, Shown, Tables};
use crate::writer::Writer;

/// Memory the writer may buffer before it flushes a segment.
const WRITER_BUDGET_BYTES: usize = 50_000_000;

/// An open index: the reader side, and the factory of the one writer.
#[derive(Clone)]
pub struct IndexStore {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    /// Each segment's filter values, sort keys and facets, decoded once.
    pub(crate) tables: Arc<Tables>,
    /// Recent searches' answers, until the next commit.
    pub(crate) answers: Arc<Answers>,
    /// The items recent searches showed, decoded.
    pub(crate) shown: Arc<Shown>,
}

impl std::fmt::Debug for IndexStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexStore").finish_non_exhaustive()
    }
}

impl IndexStore {
    /// Opens the index in `dir`, creating it (and `dir`) when absent.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let (schema, fields) = schema::build();
        let index = match Index::open_or_create(MmapDirectory::open(dir)?, schema.clone()) {
            Err(tantivy::TantivyError::SchemaError(reason)) => {
                // An index from an older version: its items come back with
                // the next cycle, so set it aside rather than refuse to start.
                let aside = dir.with_extension(format!("old-{}", chrono::Utc::now().timestamp()));
                tracing::warn!(%reason, aside = %aside.display(), "index schema changed; starting a new index");
                std::fs::rename(dir, &aside).map_err(|source| IndexError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
                std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
                Index::create_in_dir(dir, schema)?
            }
            other => other?,
        };
        Self::with_index(index, fields)
    }

    /// An index in memory, for tests and one-shot runs.
    pub fn open_in_ram() -> Result<Self, IndexError> {
        let (schema, fields) = schema::build();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, IndexError> {
        index
            .tokenizers()
            .register(schema::TEXT_ANALYZER, schema::text_analyzer());
        index
            .tokenizers()
            .register(schema::PLAIN_ANALYZER, schema::plain_analyzer());
        let tables = Arc::new(Tables::new(fields));
        let warmer: Arc<dyn Warmer> = tables.clone();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            tables,
            answers: Arc::default(),
            shown: Arc::default(),
        })
    }

    /// The index's one writer. A second call while the first writer lives
    /// fails with tantivy's lock error.
    pub fn writer(&self) -> Result<Writer, IndexError> {
        let writer = self.index.writer_with_num_threads(1, WRITER_BUDGET_BYTES)?;
        Ok(Writer::new(self.clone(), writer))
    }

    /// How many segments the searches read.
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// The item with this id.
    pub fn get(&self, id: &str) -> Result<Option<Item>, IndexError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, address)) => Ok(Some(self.item_at(&searcher, *address)?)),
            None => Ok(None),
        }
    }

    /// How many items (withdrawn ones included) list this source.
    pub fn count_by_source(&self, source_id: &str) -> Result<u64, IndexError> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.source, source_id),
            IndexRecordOption::Basic,
        );
        let count = self.reader.searcher().search(&query, &Count)?;
        Ok(count as u64)
    }

    /// How many items the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when the index holds no item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The listings a stored record is made of.
    pub(crate) fn listings_of(&self, doc: &TantivyDocument) -> Result<Vec<Listing>, IndexError> {
        let json = stored_text(doc, self.fields.listings, "a document without its listings")?;
        Ok(serde_json::from_str(json)?)
    }

    /// The item the stored record at `address` shows.
    pub(crate) fn item_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<Item, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        self.item_of(&doc)
    }

    /// The item a stored record shows.
    pub(crate) fn item_of(&self, doc: &TantivyDocument) -> Result<Item, IndexError> {
        Ok(serde_json::from_str(self.item_json_of(doc)?)?)
    }

    /// The item a stored record shows, in JSON.
    pub(crate) fn item_json_of<'d>(&self, doc: &'d TantivyDocument) -> Result<&'d str, IndexError> {
        stored_text(doc, self.fields.doc, "a document without its item")
    }

    /// The id of a stored record.
    pub(crate) fn id_of(&self, doc: &TantivyDocument) -> Result<String, IndexError> {
        stored_text(doc, self.fields.id, "a document without its id").map(str::to_owned)
    }
}

/// The text a stored document holds in `field`; `missing` says what a
/// document without it is.
fn stored_text<'d>(
    doc: &'d TantivyDocument,
    field: Field,
    missing: &'static str,
) -> Result<&'d str, IndexError> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .ok_or(IndexError::Corrupt(missing))
}
