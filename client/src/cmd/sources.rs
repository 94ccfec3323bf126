//! `perfusion sources`: each source with its last run, outcome and item
//! count; failing sources and sources that fell to zero items are marked.

use clap::Args;
use perfusion_proto::v1 as pb;

use crate::connect::{self, Failure};
use crate::{Outcome, exit, render};

/// List the sources with the outcome of their last run.
#[derive(Debug, Args)]
pub struct Cmd {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

impl Cmd {
    /// Fetches and prints the sources' health.
    pub async fn run(self, addr: &str) -> Result<Outcome, Failure> {
        let mut client = connect::client(addr).await?;
        let sources =
            connect::answer(client.list_sources(pb::ListSourcesRequest {}).await, addr)?.sources;
        if self.json {
            let rows: Vec<_> = sources
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "id": s.id, "org": s.org, "url": s.url, "format": s.format,
                        "outcome": render::outcome(s),
                        "last_attempt": render::when(s.last_attempt.as_ref()),
                        "last_success": render::when(s.last_success.as_ref()),
                        "last_error": s.last_error,
                        "item_count": s.item_count,
                        "last_run_items": s.last_run_items,
                        "consecutive_failures": s.consecutive_failures,
                        "next_run": render::when(s.next_run.as_ref()),
                    })
                })
                .collect();
            let json = serde_json::to_string_pretty(&rows)
                .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
            render::print_line(json);
        } else {
            let mut table = render::table(&[
                "SOURCE", "ORG", "LAST RUN", "OUTCOME", "ITEMS", "NEXT RUN", "NOTE",
            ]);
            for s in &sources {
                let outcome = render::outcome(s);
                let mark = match outcome.as_str() {
                    "failed" => render::marked(format!("FAILED x{}", s.consecutive_failures), true),
                    "warning" => render::marked("WARNING".to_owned(), false),
                    other => comfy_table::Cell::new(other),
                };
                let note = if !s.last_error.is_empty() {
                    s.last_error.clone()
                } else if s.item_count == 0 && outcome != "pending" {
                    "no items".to_owned()
                } else {
                    String::new()
                };
                table.add_row(vec![
                    comfy_table::Cell::new(&s.id),
                    comfy_table::Cell::new(&s.org),
                    comfy_table::Cell::new(render::when(s.last_attempt.as_ref())),
                    mark,
                    comfy_table::Cell::new(s.item_count),
                    comfy_table::Cell::new(render::when(s.next_run.as_ref())),
                    comfy_table::Cell::new(note),
                ]);
            }
            render::print_line(table);
        }
        Ok(if sources.is_empty() {
            Outcome::Nothing
        } else {
            Outcome::Found
        })
    }
}
