//! `perfusion calendar [filters] [-o FILE]`: an iCalendar of the matching
//! items (or of a named `[[calendar]]`), written to a file or stdout; with
//! `--subscribe`, the webcal:// URL to paste into a calendar app instead.

use std::path::PathBuf;

use clap::Args;
use perfusion_proto::v1 as pb;

use super::filters::Filters;
use crate::connect::{self, Failure};
use crate::render;
use crate::{Outcome, exit};

/// Write an iCalendar of matching items, or print its subscription URL.
#[derive(Debug, Args)]
pub struct Cmd {
    #[command(flatten)]
    filters: Filters,
    /// A calendar named in the daemon's sources.toml, instead of filters.
    #[arg(long, conflicts_with_all = ["query", "kind", "org", "country", "mode", "from", "to"])]
    name: Option<String>,
    /// Write the calendar to this file (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the webcal:// URL a calendar app subscribes to, instead.
    #[arg(long)]
    subscribe: bool,
    /// The daemon's HTTP address, for --subscribe.
    #[arg(
        long,
        env = "PERFUSION_HTTP_ADDR",
        default_value = "http://127.0.0.1:8080"
    )]
    http_addr: String,
}

impl Cmd {
    /// Exports the calendar, or prints its URL.
    pub async fn run(self, addr: &str) -> Result<Outcome, Failure> {
        if self.subscribe {
            render::print_line(self.subscription_url());
            return Ok(Outcome::Found);
        }
        let mut client = connect::client(addr).await?;
        let ics = connect::answer(
            client
                .export_calendar(pb::ExportCalendarRequest {
                    filter: Some(self.filters.to_request()),
                    calendar_name: self.name.clone().unwrap_or_default(),
                })
                .await,
            addr,
        )?
        .ics;
        let events = ics.matches("BEGIN:VEVENT").count();
        match &self.output {
            Some(path) => {
                std::fs::write(path, &ics).map_err(|e| {
                    Failure::new(exit::OTHER, format!("cannot write {}: {e}", path.display()))
                })?;
                eprintln!("{events} events written to {}", path.display());
            }
            None => render::print(&ics),
        }
        Ok(if events == 0 {
            Outcome::Nothing
        } else {
            Outcome::Found
        })
    }

    fn subscription_url(&self) -> String {
        let base = self.http_addr.trim_end_matches('/');
        let host = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .unwrap_or(base);
        match &self.name {
            Some(name) => format!("webcal://{host}/calendars/{name}.ics"),
            None => {
                let query = self.filters.to_query_string();
                if query.is_empty() {
                    format!("webcal://{host}/calendar.ics")
                } else {
                    format!("webcal://{host}/calendar.ics?{query}")
                }
            }
        }
    }
}
