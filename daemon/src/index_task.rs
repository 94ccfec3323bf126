//! The one task that owns the index writer.
//!
//! Fetchers send each source's items through a bounded channel and wait for
//! the answer; the task writes every batch waiting, commits them once, and
//! answers each. It runs on a blocking thread, so tantivy's writes never
//! stall the async runtime and never contend for the writer's lock, and
//! below the serving threads' priority, so they never slow searches down
//! more than an idle core allows. When a cycle ends, the runner asks it to
//! merge the segments the cycle's commits added into one.

use chrono::{DateTime, Utc};
use perfusion_index::{IndexError, IndexStore, Item, UpsertStats, Writer};
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::metrics::Metrics;
use crate::os;

/// How many sources' batches may wait for the writer.
const QUEUE: usize = 16;

/// What a batch is.
enum Write {
    /// Items to upsert; nothing is withdrawn.
    Upsert,
    /// A whole read of a source: its listings missing from the items
    /// count a miss towards withdrawal.
    Read {
        source: String,
        /// When its previous successful read was.
        listed_before: Option<DateTime<Utc>>,
    },
    /// A read of this source that found its page unchanged (304).
    Unchanged(String),
}

/// A source's items to write, and who waits for the outcome.
struct Upsert {
    write: Write,
    items: Vec<Item>,
    now: DateTime<Utc>,
    reply: oneshot::Sender<Result<UpsertStats, IndexError>>,
}

enum Command {
    Upsert(Upsert),
    /// Merge the index's segments into one: sent when a cycle has ended.
    MergeSegments,
    /// Answer once everything sent before is done.
    Settled(oneshot::Sender<()>),
}

/// A batch stops taking sources once it holds this many items: until its
/// commit, the writer keeps every record it wrote in memory.
const BATCH_ITEMS: usize = 10_000;

/// How many commits a watcher may fall behind before it misses some.
const WATCH_BACKLOG: usize = 256;

/// The ids each commit added or changed, for watchers.
pub type Changes = broadcast::Receiver<Arc<Vec<String>>>;

/// A handle to the writer task; cheap to clone.
#[derive(Debug, Clone)]
pub struct IndexHandle {
    tx: mpsc::Sender<Command>,
    changes: broadcast::Sender<Arc<Vec<String>>>,
}

/// Why the writer could not take a batch.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The index refused the write.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The writer task has stopped (the daemon is shutting down).
    #[error("the index writer has stopped")]
    Stopped,
}

impl IndexHandle {
    /// Starts the writer task over `store`. It ends when every handle is
    /// dropped, after committing what it was given.
    ///
    /// The task's thread, and the index writer's own threads it starts,
    /// run at a lower CPU priority than the threads that serve: on a busy
    /// machine a cycle's writes wait for searches, not the other way.
    pub fn spawn(
        store: &IndexStore,
        metrics: Arc<Metrics>,
    ) -> Result<(Self, tokio::task::JoinHandle<()>), IndexError> {
        let (tx, mut rx) = mpsc::channel::<Command>(QUEUE);
        let (changes, _) = broadcast::channel(WATCH_BACKLOG);
        let announce = changes.clone();
        let store = store.clone();
        let (opened, open) = std::sync::mpsc::sync_channel(1);
        let task = tokio::task::spawn_blocking(move || {
            // Lowered before the writer exists, so that its worker and
            // merge threads inherit the priority.
            if let Err(e) = os::lower_this_thread_priority(os::INGEST_NICENESS) {
                tracing::warn!(error = %e, "cannot lower the index writer's priority");
            }
            let writer = match store.writer() {
                Ok(writer) => {
                    let _ = opened.send(Ok(()));
                    writer
                }
                Err(e) => {
                    let _ = opened.send(Err(e));
                    return;
                }
            };
            metrics.segments(store.segment_count());
            let mut task = Task {
                store,
                writer: Some(writer),
                metrics,
                announce,
            };
            while let Some(first) = rx.blocking_recv() {
                // Every batch already waiting is written before one commit:
                // a commit costs far more than a source's items, and a
                // cycle's sources arrive together.
                let clock = std::time::Instant::now();
                let mut batch = Vec::new();
                let mut items = 0;
                let mut merge = false;
                let mut settled = Vec::new();
                let mut next = Some(first);
                while let Some(command) = next.take() {
                    match command {
                        Command::Upsert(upsert) => {
                            items += upsert.items.len();
                            batch.push(upsert);
                        }
                        Command::MergeSegments => merge = true,
                        Command::Settled(reply) => settled.push(reply),
                    }
                    if batch.len() < QUEUE && items < BATCH_ITEMS {
                        next = rx.try_recv().ok();
                    }
                }
                if !batch.is_empty() {
                    task.write(batch);
                    task.metrics.committed(clock.elapsed().as_secs_f64());
                }
                if merge {
                    task.merge_segments();
                }
                for reply in settled {
                    let _ = reply.send(());
                }
            }
        });
        open.recv()
            .map_err(|_| IndexError::Commit("the index writer did not start".into()))??;
        Ok((Self { tx, changes }, task))
    }

    /// The ids of the items each later commit adds or changes.
    pub fn changes(&self) -> Changes {
        self.changes.subscribe()
    }

    /// Upserts items and commits them; nothing is withdrawn.
    pub async fn upsert(
        &self,
        items: Vec<Item>,
        now: DateTime<Utc>,
    ) -> Result<UpsertStats, WriteError> {
        self.send(Write::Upsert, items, now).await
    }

    /// Writes a successful read of a whole source and commits it: its items
    /// are upserted, and its items missing from the read move towards
    /// withdrawal (see [`perfusion_index::Writer::replace_source`]).
    /// `listed_before` is when its previous successful read was.
    pub async fn replace_source(
        &self,
        source_id: &str,
        items: Vec<Item>,
        now: DateTime<Utc>,
        listed_before: Option<DateTime<Utc>>,
    ) -> Result<UpsertStats, WriteError> {
        let write = Write::Read {
            source: source_id.to_owned(),
            listed_before,
        };
        self.send(write, items, now).await
    }

    /// Notes a read of a source whose page had not changed (304): the items
    /// its last read missed are missed once more.
    pub async fn source_unchanged(
        &self,
        source_id: &str,
        now: DateTime<Utc>,
    ) -> Result<UpsertStats, WriteError> {
        self.send(Write::Unchanged(source_id.to_owned()), Vec::new(), now)
            .await
    }

    /// Asks the writer to merge the index's segments into one once the
    /// writes already sent are done (see [`Writer::merge_segments`]); does
    /// not wait for it. Skipped when the writer has a full queue: the next
    /// cycle's end asks again.
    pub fn merge_segments(&self) {
        let _ = self.tx.try_send(Command::MergeSegments);
    }

    /// Waits until the writer has done everything sent to it before this
    /// call: the writes, their commits, and a merge a cycle's end asked
    /// for. Returns at once if the writer has stopped.
    pub async fn settled(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Settled(reply)).await.is_ok() {
            let _ = done.await;
        }
    }

    async fn send(
        &self,
        write: Write,
        items: Vec<Item>,
        now: DateTime<Utc>,
    ) -> Result<UpsertStats, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Upsert(Upsert {
                write,
                items,
                now,
                reply,
            }))
            .await
            .map_err(|_| WriteError::Stopped)?;
        Ok(answer.await.map_err(|_| WriteError::Stopped)??)
    }
}

/// The writer task's own state, on its thread.
struct Task {
    store: IndexStore,
    /// `None` after a failed merge lost it, until a write opens another.
    writer: Option<Writer>,
    metrics: Arc<Metrics>,
    announce: broadcast::Sender<Arc<Vec<String>>>,
}

impl Task {
    /// Writes a batch, commits it once, and answers each of its senders.
    fn write(&mut self, batch: Vec<Upsert>) {
        let writer = match self.writer.take().map_or_else(|| self.store.writer(), Ok) {
            Ok(writer) => self.writer.insert(writer),
            Err(e) => {
                tracing::error!(error = %e, "cannot open the index writer");
                let why = e.to_string();
                for upsert in batch {
                    let _ = upsert.reply.send(Err(IndexError::Commit(why.clone())));
                }
                return;
            }
        };
        let mut written = Vec::with_capacity(batch.len());
        for Upsert {
            write,
            items,
            now,
            reply,
        } in batch
        {
            let result = match &write {
                Write::Upsert => writer.upsert(items, now),
                Write::Read {
                    source,
                    listed_before,
                } => writer.replace_source(source, items, now, *listed_before),
                Write::Unchanged(source) => writer.source_unchanged(source, now),
            };
            written.push((reply, result));
        }
        match writer.commit() {
            Ok(fresh) => {
                if !fresh.is_empty() {
                    // No watcher is fine; a slow one lags, it never holds
                    // the writer up.
                    let _ = self.announce.send(Arc::new(fresh));
                }
                for (reply, result) in written {
                    if let Err(e) = &result {
                        tracing::error!(error = %e, "index write failed");
                    }
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "index commit failed");
                let why = e.to_string();
                for (reply, _) in written {
                    let _ = reply.send(Err(IndexError::Commit(why.clone())));
                }
            }
        }
        self.metrics.segments(self.store.segment_count());
    }

    /// Merges the index's segments into one (see
    /// [`Writer::merge_segments`]). A failure costs only the merge: the
    /// next write opens a new writer if this one was lost.
    fn merge_segments(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        let clock = std::time::Instant::now();
        match writer.merge_segments() {
            Ok((writer, merged)) => {
                self.writer = Some(writer);
                if merged > 0 {
                    tracing::info!(
                        segments = merged,
                        ms = clock.elapsed().as_secs_f64() * 1e3,
                        "index segments merged into one"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot merge the index's segments"),
        }
        self.metrics.segments(self.store.segment_count());
    }
}
