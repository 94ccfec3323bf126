//! The perfusion events index: the domain model of a course, conference,
//! webinar, grant, deadline, job or publication; its tantivy schema; the one
//! writer that upserts items by their stable id; and the searches over them.
//!
//! This crate knows nothing of the network (no tonic, no reqwest): the
//! daemon talks to the index only through these types, which keeps the seam
//! where a distributed engine could later stand behind the same API.

#![warn(missing_docs)]

mod merge;
pub mod model;
mod schema;
mod search;
mod stems;
mod store;
mod writer;

use std::path::PathBuf;

pub use merge::WITHDRAW_AFTER;
pub use model::{
    DatePrecision, Deadline, DeadlineKind, Item, ItemKind, Mode, Place, SourceRef, Status,
    UnknownName, When,
};
pub use search::{Hits, Rendered, SearchQuery, Snippet, SortOrder};
pub use store::IndexStore;
pub use writer::{UpsertStats, Writer};

/// What can go wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed.
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index directory could not be opened.
    #[error("index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// The index directory could not be created.
    #[error("cannot create index directory {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A stored item could not be read back.
    #[error("stored item: {0}")]
    Json(#[from] serde_json::Error),
    /// A commit failed; every write it would have made durable is lost.
    #[error("index commit failed: {0}")]
    Commit(String),
    /// The index holds something it should not.
    #[error("index is corrupt: {0}")]
    Corrupt(&'static str),
}
