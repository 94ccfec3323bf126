//! `perfusion search [QUERY] [filters]`: items matching text and filters,
//! soonest first (or best match first with `--sort relevance`).

use clap::{Args, ValueEnum};

use super::filters::Filters;
use perfusion_proto::v1 as pb;

use crate::connect::{self, Failure};
use crate::{Outcome, exit, render};

/// Orders, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Sort {
    /// Soonest first.
    Date,
    /// Best match first.
    Relevance,
}

/// Find items by text, kind, organisation, place and date.
#[derive(Debug, Args)]
pub struct Cmd {
    #[command(flatten)]
    filters: Filters,
    /// Include items that are over.
    #[arg(long)]
    past: bool,
    /// Order of results (default: date, soonest first).
    #[arg(long, value_enum)]
    sort: Option<Sort>,
    /// At most this many results.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=500))]
    limit: u32,
    /// Print JSON for scripts: {"total_hits", "items", "next_page_token"}.
    #[arg(long)]
    json: bool,
}

impl Cmd {
    /// Runs the search and prints the hits.
    pub async fn run(self, addr: &str) -> Result<Outcome, Failure> {
        let mut client = connect::client(addr).await?;
        let request = pb::SearchRequest {
            include_past: self.past,
            sort: match self.sort {
                None => pb::Sort::Unspecified,
                Some(Sort::Date) => pb::Sort::Date,
                Some(Sort::Relevance) => pb::Sort::Relevance,
            }
            .into(),
            page_size: i32::try_from(self.limit).unwrap_or(i32::MAX),
            ..self.filters.to_request()
        };
        let response = connect::answer(client.search(request).await, addr)?;
        if self.json {
            let out = serde_json::json!({
                "total_hits": response.total_hits,
                "items": response.items.iter().map(render::item_json).collect::<Vec<_>>(),
                "next_page_token": response.next_page_token,
            });
            render::print_line(
                serde_json::to_string_pretty(&out)
                    .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?,
            );
        } else if response.items.is_empty() {
            eprintln!(
                "no items match{}",
                if self.past {
                    ""
                } else {
                    " (add --past to include items that are over)"
                }
            );
        } else {
            if response.typo_tolerant {
                eprintln!("no item has these words as typed; showing close matches");
            }
            render::print_line(render::items_table(&response.items));
            if response.total_hits > response.items.len() as u64 {
                eprintln!(
                    "{} of {} items; use --limit to see more",
                    response.items.len(),
                    response.total_hits
                );
            }
        }
        Ok(if response.items.is_empty() {
            Outcome::Nothing
        } else {
            Outcome::Found
        })
    }
}
