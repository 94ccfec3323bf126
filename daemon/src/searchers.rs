//! The threads that compute searches.
//!
//! A search is a millisecond or two of CPU work, and it must not run on
//! the threads that serve connections. On tokio's blocking pool, every
//! concurrent search got a thread of its own: under 16 concurrent searches
//! 16 threads shared two cores, and each kept its own allocator arena and
//! its own memory of English stems, so after a burst of searches that were
//! never the same twice the daemon's resident memory passed 150 MB. The
//! searches of the gRPC API now run on as many threads as the machine has
//! cores (at least two); a search that finds them all busy waits its turn
//! in a queue, which costs it no more time than sharing the cores would.
//!
//! Calendar and feed exports stay on tokio's blocking pool: they take tens
//! of milliseconds, and a search should not queue behind them.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock, PoisonError};

use tokio::sync::oneshot;

/// The most threads the pool starts, whatever the machine.
const MAX_THREADS: usize = 8;

type Job = Box<dyn FnOnce() + Send>;

/// Why a search got no answer from the pool.
#[derive(Debug, thiserror::Error)]
pub enum SearchersError {
    /// The search panicked; the pool lives on.
    #[error("the search failed unexpectedly (it panicked)")]
    Panicked,
    /// The pool's threads could not be started.
    #[error("cannot start the search threads: {0}")]
    Unavailable(String),
}

/// Runs `job` on one of the search threads and waits for its answer
/// without blocking the caller's thread. A job whose caller stopped
/// waiting (the client went away or its deadline passed) before a thread
/// was free is skipped.
pub async fn run<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SearchersError> {
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move || {
        if tx.is_closed() {
            return;
        }
        if let Ok(answer) = std::panic::catch_unwind(AssertUnwindSafe(job)) {
            let _ = tx.send(answer);
        }
    });
    pool()?
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job)
        .map_err(|_| SearchersError::Unavailable("the search threads stopped".to_owned()))?;
    rx.await.map_err(|_| SearchersError::Panicked)
}

/// How many search threads the pool runs.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(2, MAX_THREADS)
}

/// The queue of the process's search threads, started on first use.
fn pool() -> Result<&'static Mutex<mpsc::Sender<Job>>, SearchersError> {
    static POOL: OnceLock<Result<Mutex<mpsc::Sender<Job>>, String>> = OnceLock::new();
    POOL.get_or_init(start)
        .as_ref()
        .map_err(|e| SearchersError::Unavailable(e.clone()))
}

fn start() -> Result<Mutex<mpsc::Sender<Job>>, String> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = std::sync::Arc::new(Mutex::new(rx));
    for n in 0..threads() {
        let rx = std::sync::Arc::clone(&rx);
        std::thread::Builder::new()
            .name(format!("perfusion-search-{n}"))
            .spawn(move || {
                loop {
                    // One idle thread waits on the queue; the others wait
                    // for the lock. The lock is let go before the job runs.
                    let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match next {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(Mutex::new(tx))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn thread_name() -> String {
        std::thread::current().name().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn many_searches_at_once_share_as_many_threads_as_there_are_cores() {
        let answers = futures_of((0..64).map(|n| run(move || (n * 2, thread_name())))).await;
        let mut names = HashSet::new();
        for (n, answer) in answers.into_iter().enumerate() {
            let (doubled, name) = answer.expect("every search is answered");
            assert_eq!(doubled, n * 2, "each caller gets its own answer");
            assert!(name.starts_with("perfusion-search-"), "ran on {name:?}");
            names.insert(name);
        }
        assert!(
            names.len() <= threads(),
            "{names:?} for {} cores",
            threads()
        );
    }

    #[tokio::test]
    async fn a_search_that_panics_fails_alone() {
        let failed = run(|| -> u32 { panic!("a bad page of the index") }).await;
        assert!(
            matches!(failed, Err(SearchersError::Panicked)),
            "{failed:?}"
        );
        for _ in 0..threads() * 2 {
            assert_eq!(run(|| 7).await.expect("the pool lives on"), 7);
        }
    }

    /// Awaits every future, all at once.
    async fn futures_of<F: std::future::Future + Send + 'static>(
        futures: impl Iterator<Item = F>,
    ) -> Vec<F::Output>
    where
        F::Output: Send,
    {
        let handles: Vec<_> = futures.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.expect("the task ends"));
        }
        out
    }
}
