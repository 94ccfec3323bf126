//! `perfusion watch [filters]`: print items as they are added or changed,
//! until interrupted.

use clap::Args;
use perfusion_proto::v1 as pb;

use super::filters::Filters;
use crate::connect::{self, Failure};
use crate::{Outcome, exit, render};

/// Print items matching the filters as they are added or changed.
#[derive(Debug, Args)]
pub struct Cmd {
    #[command(flatten)]
    filters: Filters,
    /// Also items that are over.
    #[arg(long)]
    past: bool,
    /// Print one JSON object a line, for scripts.
    #[arg(long)]
    json: bool,
}

impl Cmd {
    /// Streams the changes until the daemon stops or the user interrupts.
    pub async fn run(self, addr: &str) -> Result<Outcome, Failure> {
        let mut client = connect::client(addr).await?;
        let filter = pb::SearchRequest {
            include_past: self.past,
            ..self.filters.to_request()
        };
        let mut stream = connect::answer(
            client
                .watch_items(pb::WatchItemsRequest {
                    filter: Some(filter),
                })
                .await,
            addr,
        )?;
        if !self.json {
            eprintln!("watching for new and changed items; Ctrl-C to stop");
        }
        while let Some(message) = stream
            .message()
            .await
            .map_err(|s| connect::classify(&s, addr))?
        {
            let Some(item) = message.item else { continue };
            if self.json {
                let line = serde_json::to_string(&render::item_json(&item))
                    .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
                render::print_line(line);
            } else {
                render::print_line(format_args!(
                    "{}  {}  {}  {}  {}  {}",
                    item.id,
                    render::dates(&item),
                    render::kind(&item),
                    item.org,
                    render::title(&item),
                    render::place(&item)
                ));
            }
        }
        Ok(Outcome::Found)
    }
}
