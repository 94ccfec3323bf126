//! Opening the index, and the single writer.
//!
//! An [`IndexStore`] is cheap to clone and shared by every reader (the gRPC
//! service, the calendars). Exactly one [`Writer`] exists per store: the
//! daemon hands it to one task, which is fed items through a channel, so
//! tantivy's writer lock is never contended.
//!
//! Readers reload after each commit of the writer ([`ReloadPolicy::Manual`]
//! plus an explicit reload), so a search made after an ingest has returned
//! sees what it wrote, with no polling delay.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::IndexError;
use crate::model::Item;
use crate::schema::{self, Fields};

/// Memory the writer may buffer before it flushes a segment.
const WRITER_BUDGET_BYTES: usize = 50_000_000;

/// An open index: the reader side, and the factory of the one writer.
#[derive(Clone)]
pub struct IndexStore {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
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
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
        })
    }

    /// The index's one writer. A second call while the first writer lives
    /// fails with tantivy's lock error.
    pub fn writer(&self) -> Result<Writer, IndexError> {
        let writer = self.index.writer_with_num_threads(1, WRITER_BUDGET_BYTES)?;
        Ok(Writer {
            store: self.clone(),
            writer,
            pending: HashMap::new(),
            fresh: Vec::new(),
        })
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
            Some((_, address)) => {
                let doc: TantivyDocument = searcher.doc(*address)?;
                Ok(Some(self.item_of(&doc)?))
            }
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

    pub(crate) fn item_of(&self, doc: &TantivyDocument) -> Result<Item, IndexError> {
        let json = doc
            .get_first(self.fields.doc)
            .and_then(|v| v.as_str())
            .ok_or(IndexError::Corrupt("a document without its item"))?;
        Ok(serde_json::from_str(json)?)
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertStats {
    /// Items the index did not hold.
    pub added: usize,
    /// Items it held, whose dates, place or status changed.
    pub changed: usize,
    /// Items it held unchanged (only `last_seen` moved).
    pub unchanged: usize,
}

/// The index's single writer.
pub struct Writer {
    store: IndexStore,
    writer: IndexWriter,
    /// Items written since the last commit, by id: the reader cannot see
    /// them yet, and a second upsert of the same id must build on them.
    pending: HashMap<String, Item>,
    /// Ids added or changed since the last commit.
    fresh: Vec<String>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// Inserts or replaces items by id. An item already indexed keeps its
    /// `first_seen`, and its `revision` grows when its dates, place or
    /// status changed. Nothing is visible to searches until [`commit`].
    ///
    /// [`commit`]: Writer::commit
    pub fn upsert(
        &mut self,
        items: Vec<Item>,
        now: DateTime<Utc>,
    ) -> Result<UpsertStats, IndexError> {
        let mut stats = UpsertStats::default();
        for mut item in items {
            let previous = match self.pending.get(&item.id) {
                Some(pending) => Some(pending.clone()),
                None => self.store.get(&item.id)?,
            };
            item.last_seen = now;
            match previous {
                Some(previous) => {
                    item.first_seen = previous.first_seen;
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
                    item.first_seen = now;
                    item.modified = now;
                    stats.added += 1;
                    self.fresh.push(item.id.clone());
                }
            }
            let fields = &self.store.fields;
            self.writer
                .delete_term(Term::from_field_text(fields.id, &item.id));
            self.writer
                .add_document(schema::to_document(fields, &item)?)?;
            self.pending.insert(item.id.clone(), item);
        }
        Ok(stats)
    }

    /// Makes every upsert since the last commit durable and visible to
    /// searches, and returns the ids it added or changed.
    pub fn commit(&mut self) -> Result<Vec<String>, IndexError> {
        self.writer.commit()?;
        self.store.reader.reload()?;
        self.pending.clear();
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable();
        fresh.dedup();
        Ok(fresh)
    }
}
