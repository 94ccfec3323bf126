//! `perfusion show ID`: one item whole.

use clap::Args;
use perfusion_proto::v1 as pb;

use crate::connect::{self, Failure};
use crate::{Outcome, exit, render};

/// Show one item whole.
#[derive(Debug, Args)]
pub struct Cmd {
    /// The item's id, as `perfusion search` shows it.
    id: String,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

impl Cmd {
    /// Fetches and prints the item.
    pub async fn run(self, addr: &str) -> Result<Outcome, Failure> {
        let mut client = connect::client(addr).await?;
        let item = connect::answer(
            client
                .get_item(pb::GetItemRequest {
                    id: self.id.clone(),
                })
                .await,
            addr,
        )?
        .item
        .ok_or_else(|| Failure::new(exit::NOTHING, format!("no item has id {:?}", self.id)))?;
        if self.json {
            let json = serde_json::to_string_pretty(&render::item_json(&item))
                .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
            render::print_line(json);
        } else {
            render::print(describe(&item));
        }
        Ok(Outcome::Found)
    }
}

/// An item as labelled lines.
fn describe(item: &pb::Item) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        if !value.is_empty() && value != "-" {
            out.push_str(&format!("{label:<10} {value}\n"));
        }
    };
    line("title", &render::title(item));
    line("kind", &render::kind(item));
    line("org", &item.org);
    line("dates", &render::dates(item));
    if !item.timezone.is_empty() && !item.start_time.is_empty() {
        line("timezone", &item.timezone);
    }
    if !item.date_text.is_empty() {
        line("as given", &item.date_text);
    }
    if let Some(place) = &item.place {
        line("venue", &place.venue);
    }
    line("place", &render::place(item));
    for d in &item.deadlines {
        if let Some(date) = &d.date {
            let time = if d.time.is_empty() {
                String::new()
            } else {
                format!(" {} {}", d.time, d.timezone)
            };
            line(
                "deadline",
                &format!(
                    "{:04}-{:02}-{:02}{time}  {}",
                    date.year, date.month, date.day, d.label
                ),
            );
        }
    }
    line("url", &item.url);
    for s in &item.sources {
        line("source", &format!("{} ({}) {}", s.source_id, s.org, s.url));
    }
    line(
        "posted",
        &item
            .posted
            .as_ref()
            .map(|t| render::when(Some(t)))
            .unwrap_or_default(),
    );
    line("id", &item.id);
    if !item.summary.is_empty() {
        out.push('\n');
        out.push_str(&item.summary);
        out.push('\n');
    }
    out
}
