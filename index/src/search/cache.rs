//! The answers of recent searches, until the next commit.
//!
//! Search traffic repeats itself: a calendar app polls the same
//! subscription, a team's dashboard asks the same question, a user pages
//! back and forth. Between two commits of the writer the index does not
//! change, so the same search has the same answer; the cache keeps the
//! last [`CAPACITY`] answers of the current searcher generation and drops
//! them all when a commit brings a new one. An answer is a page of items
//! and its counts (a few tens of KB), so the cache stays a few MB.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::Hits;

/// Answers kept.
const CAPACITY: usize = 256;

/// Recent answers of one searcher generation.
#[derive(Default)]
pub(crate) struct Answers {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    by_query: HashMap<String, Arc<Hits>>,
    /// Keys, oldest first, to forget the oldest when full.
    order: VecDeque<String>,
}

impl Answers {
    /// The answer to `key` in `generation`, if it was kept.
    pub(crate) fn get(&self, generation: u64, key: &str) -> Option<Arc<Hits>> {
        let inner = self.lock();
        (inner.generation == generation)
            .then(|| inner.by_query.get(key).cloned())
            .flatten()
    }

    /// Keeps the answer to `key` in `generation`; an answer from an older
    /// generation than the kept ones is not kept.
    pub(crate) fn put(&self, generation: u64, key: String, hits: &Arc<Hits>) {
        let mut inner = self.lock();
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation {
            inner.generation = generation;
            inner.by_query.clear();
            inner.order.clear();
        }
        if inner.by_query.contains_key(&key) {
            return;
        }
        if inner.order.len() >= CAPACITY
            && let Some(oldest) = inner.order.pop_front()
        {
            inner.by_query.remove(&oldest);
        }
        inner.order.push_back(key.clone());
        inner.by_query.insert(key, Arc::clone(hits));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
