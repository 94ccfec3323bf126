//! The answers of recent searches, until the next commit.
//!
//! Search traffic repeats itself: a calendar app polls the same
//! subscription, a team's dashboard asks the same question, a user pages
//! back and forth. Between two commits of the writer the index does not
//! change, so the same search has the same answer; the cache keeps up to
//! [`CAPACITY`] answers of the current searcher generation and drops them
//! all when a commit brings a new one. An answer is a page of items and its
//! counts (a few tens of KB), so the cache stays a few MB.
//!
//! Among the searches asked again and again come ones asked once: a user
//! trying words, a script walking every filter. Kept oldest-out, each of
//! those pushed out an answer that was asked for again: with one search in
//! ten new to the daemon (the load generator's `--fresh 10`), a quarter of
//! all searches were computed, and with one in five, half. The cache is an
//! S3-FIFO (`quick_cache`): a new answer waits in a small queue and stays
//! only if it is asked for again meanwhile, or comes back soon after it was
//! dropped; answers asked for again live in the main queue, which one-off
//! searches do not reach. Only the new searches are computed now.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::sync::{Cache, DefaultLifecycle};
use quick_cache::{DefaultHashBuilder, OptionsBuilder, UnitWeighter};

use super::Hits;

/// Answers kept.
const CAPACITY: usize = 256;

/// A search in one searcher generation: answers of an older generation
/// never answer a newer one, whatever the order threads store them in.
pub(crate) type Key = (u64, String);

/// Recent answers of the newest searcher generation.
pub(crate) struct Answers {
    by_query: Cache<Key, Arc<Hits>>,
    /// The newest generation an answer was kept for.
    newest: AtomicU64,
}

impl Default for Answers {
    fn default() -> Self {
        let options = OptionsBuilder::new()
            .estimated_items_capacity(CAPACITY)
            .weight_capacity(CAPACITY as u64)
            // One queue for all: split in shards, each would keep its own
            // few answers, and a shard's share of the repeated searches can
            // outgrow it. A search thread holds the lock for a lookup only.
            .shards(1)
            .build()
            .expect("the capacities are set");
        Self {
            by_query: Cache::with_options(
                options,
                UnitWeighter,
                DefaultHashBuilder::default(),
                DefaultLifecycle::default(),
            ),
            newest: AtomicU64::new(0),
        }
    }
}

impl Answers {
    /// The answer to `key`, if it was kept.
    pub(crate) fn get(&self, key: &Key) -> Option<Arc<Hits>> {
        self.by_query.get(key)
    }

    /// Keeps the answer to `key`. A newer generation than the kept answers'
    /// drops them; an answer of an older one is not kept.
    pub(crate) fn put(&self, key: Key, hits: &Arc<Hits>) {
        let generation = key.0;
        let newest = self.newest.fetch_max(generation, Ordering::AcqRel);
        if generation < newest {
            return;
        }
        if generation > newest {
            self.by_query.clear();
        }
        self.by_query.insert(key, Arc::clone(hits));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_query.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(total: u64) -> Arc<Hits> {
        Arc::new(Hits {
            total,
            ..Hits::default()
        })
    }

    fn key(generation: u64, query: &str) -> Key {
        (generation, query.to_owned())
    }

    #[test]
    fn searches_asked_again_stay_while_one_off_searches_pass_through() {
        let answers = Answers::default();
        // The hundred searches of dashboards and calendars, each asked a
        // few times.
        let repeated: Vec<Key> = (0..100).map(|n| key(1, &format!("ecmo {n}"))).collect();
        for _ in 0..3 {
            for (n, k) in repeated.iter().enumerate() {
                if answers.get(k).is_none() {
                    answers.put(k.clone(), &answer(n as u64));
                }
            }
        }
        // Then three times the cache's size of searches asked once, with
        // the repeated ones asked between them.
        let mut lost = 0;
        for n in 0..3 * CAPACITY {
            let one_off = key(1, &format!("once {n}"));
            assert!(answers.get(&one_off).is_none());
            answers.put(one_off, &answer(0));
            let k = &repeated[n % repeated.len()];
            match answers.get(k) {
                Some(hits) => assert_eq!(hits.total, (n % repeated.len()) as u64),
                None => {
                    lost += 1;
                    answers.put(k.clone(), &answer((n % repeated.len()) as u64));
                }
            }
        }
        assert!(
            lost < repeated.len() / 10,
            "{lost} of the repeated answers were pushed out by searches asked once"
        );
        assert!(answers.len() <= CAPACITY + 1);
    }

    #[test]
    fn a_new_generation_drops_the_old_answers_and_an_older_one_is_not_kept() {
        let answers = Answers::default();
        answers.put(key(1, "ecmo"), &answer(3));
        assert_eq!(answers.get(&key(1, "ecmo")).map(|h| h.total), Some(3));
        assert!(answers.get(&key(2, "ecmo")).is_none(), "a newer index");

        answers.put(key(2, "ecmo"), &answer(4));
        assert!(answers.get(&key(1, "ecmo")).is_none());
        assert_eq!(answers.len(), 1, "the first generation's answers dropped");

        // A search that began on the first generation ends after the commit.
        answers.put(key(1, "perfusion"), &answer(5));
        assert!(answers.get(&key(1, "perfusion")).is_none());
        assert_eq!(answers.get(&key(2, "ecmo")).map(|h| h.total), Some(4));
    }

    #[test]
    fn a_kept_answers_rendering_is_given_back_for_its_version_only() {
        let hits = answer(3);
        assert_eq!(hits.rendered.get(0), None);
        hits.rendered
            .keep(1, bytes::Bytes::from_static(b"as of read 1"));
        assert_eq!(hits.rendered.get(1).as_deref(), Some(&b"as of read 1"[..]));
        assert_eq!(hits.rendered.get(2), None, "a source was read since");

        // Two threads rendered it: the one that saw the later read wins,
        // whichever keeps its rendering last.
        hits.rendered
            .keep(3, bytes::Bytes::from_static(b"as of read 3"));
        hits.rendered
            .keep(2, bytes::Bytes::from_static(b"as of read 2"));
        assert_eq!(hits.rendered.get(3).as_deref(), Some(&b"as of read 3"[..]));
        assert_eq!(hits.rendered.get(2), None);

        // A copy may be changed: it starts with no rendering.
        assert_eq!(Hits::clone(&hits).rendered.get(3), None);
    }
}
