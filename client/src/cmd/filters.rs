//! The filters shared by `search` and `calendar`, and how they become a
//! search request.

use clap::{Args, ValueEnum};
use perfusion_proto::v1 as pb;

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

/// What to match.
#[derive(Debug, Args)]
pub struct Filters {
    /// Words to find in titles, summaries, places and organisations.
    pub query: Vec<String>,
    /// Only items of this kind (repeat for several).
    #[arg(long, value_enum)]
    pub kind: Vec<Kind>,
    /// Only items from this organisation (repeat for several).
    #[arg(long)]
    pub org: Vec<String>,
    /// Only items in this country, ISO code such as DE (repeat for several).
    #[arg(long)]
    pub country: Vec<String>,
    /// Only items of this mode.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Only items that end on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only items that start on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

impl Filters {
    /// The search request of these filters.
    pub fn to_request(&self) -> pb::SearchRequest {
        pb::SearchRequest {
            query: self.query.join(" "),
            kinds: self.kind.iter().map(|k| k.to_pb().into()).collect(),
            orgs: self.org.clone(),
            countries: self.country.clone(),
            mode: match self.mode {
                None => pb::Mode::Unspecified,
                Some(Mode::InPerson) => pb::Mode::InPerson,
                Some(Mode::Virtual) => pb::Mode::Virtual,
                Some(Mode::Hybrid) => pb::Mode::Hybrid,
            }
            .into(),
            from: self.from.clone().unwrap_or_default(),
            to: self.to.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// The same filters as an HTTP query string, for a calendar URL.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.query.is_empty() {
            pairs.push(("q", self.query.join(" ")));
        }
        for k in &self.kind {
            pairs.push((
                "kind",
                k.to_possible_value()
                    .map(|v| v.get_name().to_owned())
                    .unwrap_or_default(),
            ));
        }
        pairs.extend(self.org.iter().map(|o| ("org", o.clone())));
        pairs.extend(self.country.iter().map(|c| ("country", c.clone())));
        if let Some(m) = self.mode {
            let name = match m {
                Mode::InPerson => "in_person",
                Mode::Virtual => "virtual",
                Mode::Hybrid => "hybrid",
            };
            pairs.push(("mode", name.to_owned()));
        }
        if let Some(from) = &self.from {
            pairs.push(("from", from.clone()));
        }
        if let Some(to) = &self.to {
            pairs.push(("to", to.clone()));
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        query.finish()
    }
}
