//! The items recent searches showed, decoded.
//!
//! Showing a hit means reading its stored record back: tantivy decompresses
//! the doc store's block that holds it, copies the record out, and the
//! item's JSON is parsed. At 100,000 items that was a quarter of the CPU of
//! a search the answer cache did not have (perf of the daemon under the
//! load generator's uncached mix). The items people are shown repeat from
//! one search to the next: every browse by date starts with the soonest
//! courses and congresses, a filter added to a search shows the same items
//! again. A stored record never changes (segments are immutable), so the
//! decoded items of recent hits are kept, keyed by segment and document,
//! and a search shows a kept item without reading it again.
//!
//! Two generations bound the memory: new items go to the young one; when
//! it is full it becomes the old one and the old one is dropped, and an
//! item found in the old one moves back to the young. At most twice
//! [`GENERATION`] items are kept (an item is a kilobyte or two), and a
//! segment that leaves the index leaves with its items' generation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::DocId;
use tantivy::index::SegmentId;

use crate::model::Item;

/// Items per generation.
pub(super) const GENERATION: usize = 2048;

/// The most hits a page may have for its items to be kept: pages people
/// read. A calendar's or a feed's export reads thousands at once.
pub(super) const LARGEST_PAGE: usize = 100;

type Key = (SegmentId, DocId);

/// The decoded items of recent hits.
#[derive(Default)]
pub(crate) struct Shown {
    inner: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    young: HashMap<Key, Arc<Item>>,
    old: HashMap<Key, Arc<Item>>,
}

impl Generations {
    fn keep(&mut self, key: Key, item: Arc<Item>) {
        if self.young.len() >= GENERATION {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, item);
    }
}

impl Shown {
    /// The item of document `doc` of `segment`, if a recent search showed it.
    pub(crate) fn get(&self, segment: SegmentId, doc: DocId) -> Option<Arc<Item>> {
        let mut inner = self.lock();
        let key = (segment, doc);
        if let Some(item) = inner.young.get(&key) {
            return Some(Arc::clone(item));
        }
        let item = inner.old.remove(&key)?;
        inner.keep(key, Arc::clone(&item));
        Some(item)
    }

    /// Keeps the item of document `doc` of `segment`.
    pub(crate) fn keep(&self, segment: SegmentId, doc: DocId, item: Arc<Item>) {
        self.lock().keep((segment, doc), item);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
