//! The health of each source, and what the daemon must remember about it
//! across restarts: its last attempt and success, the outcome and error of
//! its last run, how many items it gave, how many runs failed in a row, its
//! HTTP validators (ETag, Last-Modified) and how long it must be left alone
//! (a server's Retry-After, or our own backoff).
//!
//! With a data directory, the states live in `DATA_DIR/state.json`, written
//! after every run to a temporary file that is then renamed over the old one,
//! so a crash at any moment leaves either the old file or the new one, never
//! half of one. `ListSources` and `perfusion sources` show them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use perfusion_index::Item;
use serde::{Deserialize, Serialize};

/// The outcome of a source's last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not run yet.
    #[default]
    Pending,
    /// Fetched and indexed.
    Ok,
    /// The server said nothing changed (304): nothing parsed, nothing written.
    NotModified,
    /// Ran, but looks wrong: no items where there were some.
    Warning,
    /// Failed; its earlier items are kept.
    Failed,
}

impl Outcome {
    /// The lower-case name (`ok`, `not_modified`), as in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Ok => "ok",
            Outcome::NotModified => "not_modified",
            Outcome::Warning => "warning",
            Outcome::Failed => "failed",
        }
    }
}

/// One source's health and memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceState {
    /// When its last run began.
    pub last_attempt: Option<DateTime<Utc>>,
    /// When a run last succeeded (a 304 is a success).
    pub last_success: Option<DateTime<Utc>>,
    /// How the last run ended.
    pub outcome: Outcome,
    /// Why the last run failed or warned.
    pub last_error: Option<String>,
    /// Items the last run that read the page extracted.
    pub last_run_items: u64,
    /// Failed runs since the last success.
    pub consecutive_failures: u32,
    /// When it is scheduled to run next.
    pub next_run: Option<DateTime<Utc>>,
    /// The ETag of the last page read, sent back as If-None-Match.
    pub etag: Option<String>,
    /// The Last-Modified of the last page read, sent back as
    /// If-Modified-Since.
    pub last_modified: Option<String>,
    /// No request before this time: the server's Retry-After, or the
    /// backoff after transient failures.
    pub not_before: Option<DateTime<Utc>>,
    /// The last read missed items it had listed before, not yet withdrawn:
    /// a 304 (the page is still without them) then counts another miss.
    pub misses_pending: bool,
    /// When its last read that the index holds began (a 304 counts; a read
    /// that warned, failed or was skipped does not): every item of it that
    /// the index does not mark missed was listed then. Searches show it as
    /// the item's `last_seen`, so an item read again unchanged need not be
    /// rewritten.
    pub listed_at: Option<DateTime<Utc>>,
}

/// Every source's state, by source id; shared by the runner and the
/// services, and saved to disk when the daemon has a data directory.
#[derive(Debug, Clone, Default)]
pub struct States {
    map: Arc<RwLock<BTreeMap<String, SourceState>>>,
    /// Grows whenever a source's `listed_at` changes (under the map's
    /// write lock), so what was rendered of the items' `last_seen` can
    /// tell whether it still holds.
    listed: Arc<AtomicU64>,
    file: Option<Arc<StateFile>>,
}

#[derive(Debug)]
struct StateFile {
    path: PathBuf,
    /// One save at a time: they share the temporary file.
    saving: Mutex<()>,
}

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("state file {}: {reason}", path.display())]
pub struct StateError {
    path: PathBuf,
    reason: String,
}

impl States {
    /// States kept in memory only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// States saved in `dir/state.json`, loading what an earlier run saved.
    /// A file that cannot be parsed is set aside (`state.json.corrupt`) and
    /// the daemon starts afresh rather than refusing to start.
    pub fn open(dir: &Path) -> Result<Self, StateError> {
        let path = dir.join("state.json");
        let error = |reason: String| StateError {
            path: path.clone(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| error(e.to_string()))?;
        let map = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(map) => map,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "unreadable state file set aside; starting afresh");
                    let _ = std::fs::rename(&path, path.with_extension("json.corrupt"));
                    BTreeMap::new()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(error(e.to_string())),
        };
        Ok(Self {
            map: Arc::new(RwLock::new(map)),
            listed: Arc::default(),
            file: Some(Arc::new(StateFile {
                path,
                saving: Mutex::new(()),
            })),
        })
    }

    /// A copy of one source's state.
    pub fn get(&self, id: &str) -> SourceState {
        self.map
            .read()
            .expect("state lock")
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    /// When a source last listed each item: what the index holds, or
    /// the latest read of a source that still lists it (see
    /// [`Item::last_seen_given`]). One look at the states for all.
    pub fn last_seen<'a>(&self, items: impl IntoIterator<Item = &'a Item>) -> Vec<DateTime<Utc>> {
        let map = self.map.read().expect("state lock");
        items
            .into_iter()
            .map(|item| item.last_seen_given(|id| map.get(id).and_then(|s| s.listed_at)))
            .collect()
    }

    /// The version of every source's `listed_at`, which grows whenever one
    /// changes: items shown last seen at [`States::last_seen`] after this
    /// was read stay so until it grows. Read it first.
    pub fn listed_version(&self) -> u64 {
        self.listed.load(Ordering::Acquire)
    }

    /// Changes one source's state (in memory; see [`States::save`]).
    pub fn update(&self, id: &str, f: impl FnOnce(&mut SourceState)) {
        let mut map = self.map.write().expect("state lock");
        let state = map.entry(id.to_owned()).or_default();
        let listed_at = state.listed_at;
        f(state);
        if state.listed_at != listed_at {
            self.listed.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Writes every state to the state file, atomically. Without a data
    /// directory, does nothing.
    pub fn save(&self) -> Result<(), StateError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let _one_at_a_time = file.saving.lock().expect("save lock");
        let json = {
            let map = self.map.read().expect("state lock");
            serde_json::to_vec_pretty(&*map).map_err(|e| StateError {
                path: file.path.clone(),
                reason: e.to_string(),
            })?
        };
        let tmp = file.path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &file.path)
        };
        write().map_err(|e| StateError {
            path: file.path.clone(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_survive_a_reopen_and_a_corrupt_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let states = States::open(dir.path()).unwrap();
        states.update("elso-courses", |s| {
            s.outcome = Outcome::NotModified;
            s.etag = Some("\"abc\"".into());
            s.consecutive_failures = 2;
        });
        states.save().unwrap();
        let again = States::open(dir.path()).unwrap();
        let s = again.get("elso-courses");
        assert_eq!(s.outcome, Outcome::NotModified);
        assert_eq!(s.etag.as_deref(), Some("\"abc\""));
        assert_eq!(s.consecutive_failures, 2);
        assert!(!dir.path().join("state.json.tmp").exists());

        std::fs::write(dir.path().join("state.json"), "{ half a fi").unwrap();
        let fresh = States::open(dir.path()).unwrap();
        assert_eq!(fresh.get("elso-courses"), SourceState::default());
        assert!(dir.path().join("state.json.corrupt").exists());
    }
}
