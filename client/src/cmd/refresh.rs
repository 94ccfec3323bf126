//! `perfusion refresh [SOURCE]`: run one source (or all) now and show what
//! each run did.

use clap::Args;
use perfusion_proto::v1 as pb;

use crate::connect::{self, Failure};
use crate::{Outcome, exit, render};

/// Fetch one source (or every source) now and show what the run did.
#[derive(Debug, Args)]
pub struct Cmd {
    /// The source's id, as `perfusion sources` shows it; all when omitted.
    source: Option<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
    /// The daemon's admin token, when it has one (see the daemon's README).
    #[arg(long, env = "PERFUSION_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl Cmd {
    /// Asks the daemon to run the source(s) and prints the runs.
    pub async fn run(self, addr: &str) -> Result<Outcome, Failure> {
        let mut client = connect::client(addr).await?;
        let mut request = tonic::Request::new(pb::RefreshSourceRequest {
            source_id: self.source.clone().unwrap_or_default(),
        });
        if let Some(token) = self
            .token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let value = format!("Bearer {token}").parse().map_err(|_| {
                Failure::new(
                    exit::USAGE,
                    "the admin token holds characters a header cannot carry",
                )
            })?;
            request.metadata_mut().insert("authorization", value);
        }
        let runs = connect::answer(client.refresh_source(request).await, addr)?.runs;
        let outcome = |r: &pb::SourceRun| {
            pb::RunOutcome::try_from(r.outcome)
                .map(|o| {
                    o.as_str_name()
                        .trim_start_matches("RUN_OUTCOME_")
                        .to_ascii_lowercase()
                })
                .unwrap_or_default()
        };
        if self.json {
            let rows: Vec<_> = runs
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "source_id": r.source_id, "outcome": outcome(r), "items": r.items,
                        "added": r.added, "changed": r.changed, "unchanged": r.unchanged,
                        "merged": r.merged, "withdrawn": r.withdrawn,
                        "error": r.error, "skipped_until": r.skipped_until.as_ref().map(|t| render::when(Some(t))),
                    })
                })
                .collect();
            let json = serde_json::to_string_pretty(&rows)
                .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
            render::print_line(json);
        } else {
            let mut table = render::table(&[
                "SOURCE",
                "OUTCOME",
                "ITEMS",
                "ADDED",
                "CHANGED",
                "MERGED",
                "WITHDRAWN",
                "NOTE",
            ]);
            for r in &runs {
                let note = if r.skipped_until.is_some() {
                    format!("not run: {}", r.error)
                } else {
                    r.error.clone()
                };
                table.add_row(vec![
                    r.source_id.clone(),
                    outcome(r),
                    r.items.to_string(),
                    r.added.to_string(),
                    r.changed.to_string(),
                    r.merged.to_string(),
                    r.withdrawn.to_string(),
                    note,
                ]);
            }
            render::print_line(table);
        }
        let failed = runs
            .iter()
            .any(|r| r.outcome == pb::RunOutcome::Failed as i32);
        if failed {
            return Err(Failure::new(exit::OTHER, "a source failed; see its note"));
        }
        Ok(Outcome::Found)
    }
}
