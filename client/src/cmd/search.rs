//! `perfusion search [QUERY] [filters]`: items matching text and filters,
//! soonest first (or best match first with `--sort relevance`).

use clap::{Args, ValueEnum};
use perfusion_proto::v1 as pb;

use crate::connect::{self, Failure};
use crate::{Outcome, exit, render};

/// Item kinds, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// Courses, workshops, trainings.
    Course,
    /// Congresses, annual meetings, symposia.
    Conference,
    /// Online talks.
    Webinar,
    /// Research grants and awards.
    Grant,
    /// Jobs.
    Job,
    /// Reports, articles, guidelines, newsletters.
    Publication,
    /// Abstract, registration and application deadlines.
    Deadline,
}

impl Kind {
    fn to_pb(self) -> pb::ItemKind {
        match self {
            Kind::Course => pb::ItemKind::Course,
            Kind::Conference => pb::ItemKind::Conference,
            Kind::Webinar => pb::ItemKind::Webinar,
            Kind::Grant => pb::ItemKind::Grant,
            Kind::Job => pb::ItemKind::Job,
            Kind::Publication => pb::ItemKind::Publication,
            Kind::Deadline => pb::ItemKind::Deadline,
        }
    }
}

/// Modes, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Mode {
    /// At a venue.
    InPerson,
    /// Online.
    Virtual,
    /// Both.
    Hybrid,
}

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
    /// Words to find in titles, summaries, places and organisations.
    query: Vec<String>,
    /// Only items of this kind (repeat for several).
    #[arg(long, value_enum)]
    kind: Vec<Kind>,
    /// Only items from this organisation (repeat for several).
    #[arg(long)]
    org: Vec<String>,
    /// Only items in this country, ISO code such as DE (repeat for several).
    #[arg(long)]
    country: Vec<String>,
    /// Only items of this mode.
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Only items that end on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only items that start on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
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
            query: self.query.join(" "),
            kinds: self.kind.iter().map(|k| k.to_pb().into()).collect(),
            orgs: self.org,
            countries: self.country,
            mode: match self.mode {
                None => pb::Mode::Unspecified,
                Some(Mode::InPerson) => pb::Mode::InPerson,
                Some(Mode::Virtual) => pb::Mode::Virtual,
                Some(Mode::Hybrid) => pb::Mode::Hybrid,
            }
            .into(),
            from: self.from.unwrap_or_default(),
            to: self.to.unwrap_or_default(),
            include_past: self.past,
            include_withdrawn: false,
            sort: match self.sort {
                None => pb::Sort::Unspecified,
                Some(Sort::Date) => pb::Sort::Date,
                Some(Sort::Relevance) => pb::Sort::Relevance,
            }
            .into(),
            page_size: i32::try_from(self.limit).unwrap_or(i32::MAX),
            page_token: String::new(),
        };
        let response = client
            .search(request)
            .await
            .map_err(|s| connect::classify(&s, addr))?
            .into_inner();
        if self.json {
            let out = serde_json::json!({
                "total_hits": response.total_hits,
                "items": response.items.iter().map(render::item_json).collect::<Vec<_>>(),
                "next_page_token": response.next_page_token,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out)
                    .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?
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
            println!("{}", render::items_table(&response.items));
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
