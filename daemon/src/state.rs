//! The health of each source: its last attempt and success, the outcome and
//! error of its last run, how many items it gave, and when it runs next.
//! `ListSources` and `perfusion sources` show it.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

/// The outcome of a source's last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Not run yet.
    #[default]
    Pending,
    /// Fetched and indexed.
    Ok,
    /// Ran, but looks wrong: no items where there were some.
    Warning,
    /// Failed; its earlier items are kept.
    Failed,
}

/// One source's health.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    /// When its last run began.
    pub last_attempt: Option<DateTime<Utc>>,
    /// When a run last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// How the last run ended.
    pub outcome: Outcome,
    /// Why the last run failed or warned.
    pub last_error: Option<String>,
    /// Items the last successful run extracted.
    pub last_run_items: u64,
    /// Failed runs since the last success.
    pub consecutive_failures: u32,
    /// When it is scheduled to run next.
    pub next_run: Option<DateTime<Utc>>,
}

/// Every source's health, by source id; shared by the runner and the gRPC
/// service.
#[derive(Debug, Clone, Default)]
pub struct States(Arc<RwLock<BTreeMap<String, SourceState>>>);

impl States {
    /// A copy of one source's state.
    pub fn get(&self, id: &str) -> SourceState {
        self.0
            .read()
            .expect("state lock")
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    /// Changes one source's state.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut SourceState)) {
        let mut map = self.0.write().expect("state lock");
        f(map.entry(id.to_owned()).or_default());
    }
}
