//! Fetching each source on its own schedule with tokio-cron-scheduler.
//!
//! Schedules are cron expressions with seconds, read in UTC: the scheduler
//! keeps a fixed offset per job, so a local timezone would drift by an hour
//! after a daylight-saving change. A fire that comes while the source's
//! previous run is still going is skipped, not queued ([`Runner::run_source`]),
//! and each fire waits a random moment (up to 90 s) so the sources of one
//! host do not all come at once.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::runner::Runner;

/// Starts a job per source. The returned scheduler runs until shut down.
pub async fn start(runner: &Arc<Runner>) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    for source in &runner.config().sources {
        let id = source.id.clone();
        let job_runner = Arc::clone(runner);
        let job = Job::new_async(source.schedule.as_str(), move |_uuid, _lock| {
            let runner = Arc::clone(&job_runner);
            let id = id.clone();
            Box::pin(async move {
                // Sources that share a schedule (and often a host) do not
                // all fire in the same second.
                tokio::time::sleep(jitter()).await;
                runner.run_source(&id).await;
                record_next_run(&runner, &id);
            })
        })?;
        scheduler.add(job).await?;
        record_next_run(runner, &source.id);
    }
    scheduler.start().await?;
    Ok(scheduler)
}

/// The longest random delay added to a scheduled run.
const MAX_JITTER: Duration = Duration::from_secs(90);

/// A random delay between zero and [`MAX_JITTER`].
fn jitter() -> Duration {
    MAX_JITTER.mul_f64(fastrand::f64())
}

/// Stores when a source runs next, for `ListSources`.
pub fn record_next_run(runner: &Runner, id: &str) {
    let Some(source) = runner.config().source(id) else {
        return;
    };
    let next = crate::config::parse_schedule(&source.schedule)
        .ok()
        .and_then(|cron| cron.find_next_occurrence(&Utc::now(), false).ok());
    runner.states().update(id, |s| s.next_run = next);
}
