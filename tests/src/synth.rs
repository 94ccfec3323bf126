//! The synthetic federation: N realistic items of the perfusion and ECMO
//! community, written out as the listing pages a society's website would
//! serve, and the `sources.toml` that reads them.
//!
//! The items go through the daemon's real pipeline (fetch, HTML extraction,
//! the date and place parsers, normalisation, the index writer), so what the
//! index holds is what the daemon makes of such pages, not structs built
//! to match it. Everything is drawn from a seeded generator: the same seed
//! and count give the same pages, byte for byte, and so the same item ids,
//! which is what lets a later run reuse the index and re-ingest the same
//! items.
//!
//! The shape follows the real sources (`shared/research/sources.md`): the
//! seven kinds, fifteen organisations, ~60 cities in 25 countries, dates
//! from 2015 to 2030 written as the sites write them (ranges, single days,
//! months, seasons, bare years, "TBA"), abstract and registration
//! deadlines, closing dates, a few status words in titles.
//!
//! [`pages`] spreads N items over the organisations and kinds in the shares
//! of the real federation (the load generator); [`sources`] writes a given
//! number of pages of a given size (the soak run).

use std::fmt::Write as _;

use fastrand::Rng;
use perfusion_index::ItemKind;

/// The organisations, with the share of items each announces.
pub const ORGS: [(&str, u32); 15] = [
    ("ELSO", 4),
    ("AmSECT", 3),
    ("EuroELSO", 3),
    ("IPA", 1),
    ("ABCP", 1),
    ("SCPS", 1),
    ("EBCP", 1),
    ("ANZCP", 1),
    ("CSCP", 1),
    ("FECECT", 1),
    ("ASAIO", 1),
    ("EACTS", 1),
    ("ESAO", 1),
    ("SCA", 1),
    ("SCTS", 1),
];

/// The kinds, with the share of items of each.
const KINDS: [(ItemKind, u32); 7] = [
    (ItemKind::Course, 25),
    (ItemKind::Conference, 15),
    (ItemKind::Webinar, 15),
    (ItemKind::Grant, 7),
    (ItemKind::Job, 13),
    (ItemKind::Publication, 15),
    (ItemKind::Deadline, 10),
];

/// Cities as the sites write them: "City, Region" for the US, Canada and
/// Australia, "City, Country" elsewhere. 62 cities in 25 countries, all of
/// which the place parser knows.
pub const PLACES: [&str; 62] = [
    "Tampa, Florida",
    "Houston, TX",
    "Chicago, Illinois",
    "Boston, MA",
    "Seattle, WA",
    "Ann Arbor, Michigan",
    "Denver, Colorado",
    "San Diego, CA",
    "New Orleans, LA",
    "Orlando, FL",
    "Toronto, Ontario",
    "Montréal, Québec",
    "Vancouver, British Columbia",
    "Calgary, Alberta",
    "London, UK",
    "Manchester, United Kingdom",
    "Glasgow, Scotland",
    "Liverpool, UK",
    "Berlin, Germany",
    "Munich, Germany",
    "Hamburg, Germany",
    "Regensburg, Germany",
    "Köln, Germany",
    "Paris, France",
    "Lyon, France",
    "Marseille, France",
    "Rome, Italy",
    "Milan, Italy",
    "Bologna, Italy",
    "Barcelona, Spain",
    "Madrid, Spain",
    "Valencia, Spain",
    "Amsterdam, Netherlands",
    "Rotterdam, Netherlands",
    "Maastricht, The Netherlands",
    "Brussels, Belgium",
    "Leuven, Belgium",
    "Zürich, Switzerland",
    "Geneva, Switzerland",
    "Vienna, Austria",
    "Graz, Austria",
    "Stockholm, Sweden",
    "Gothenburg, Sweden",
    "Oslo, Norway",
    "Copenhagen, Denmark",
    "Aarhus, Denmark",
    "Helsinki, Finland",
    "Warsaw, Poland",
    "Kraków, Poland",
    "Lisbon, Portugal",
    "Porto, Portugal",
    "Dublin, Ireland",
    "Melbourne, Victoria",
    "Sydney, New South Wales",
    "Brisbane, Queensland",
    "Auckland, New Zealand",
    "Tokyo, Japan",
    "Osaka, Japan",
    "Singapore, Singapore",
    "São Paulo, Brazil",
    "Mexico City, Mexico",
    "Cape Town, South Africa",
];

const VENUES: [&str; 10] = [
    "University Hospital",
    "Convention Centre",
    "Clinical Simulation Centre",
    "Marriott Marquis",
    "Hilton Hotel",
    "Heart Institute",
    "Children's Hospital",
    "Congress Center",
    "Medical School, Lecture Theatre A2",
    "Grand Hyatt",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const SEASONS: [&str; 4] = ["spring", "summer", "autumn", "winter"];

const PATIENTS: [&str; 4] = ["Adult", "Pediatric", "Neonatal", "Adult and Pediatric"];

const COURSE_TITLES: [&str; 12] = [
    "{p} ECMO Simulation Training Course",
    "{p} ECMO Specialist Course",
    "ECMO Cannulation Workshop",
    "Oxygenator and Circuit Troubleshooting Workshop",
    "ECPR Simulation Course",
    "Perfusion Safety and Blood Management Course",
    "{city} {p} ECMO Course",
    "Extracorporeal Life Support Training Course",
    "Mechanical Circulatory Support Workshop",
    "Advanced ECLS/ECMO Course",
    "Cardiopulmonary Bypass Fundamentals",
    "Transport ECMO Course",
];

const CONFERENCE_TITLES: [&str; 8] = [
    "{org} {year} Annual Meeting",
    "{org} Congress {year}",
    "{n}th Annual {org} Conference",
    "International Symposium on Extracorporeal Circulation",
    "{city} Perfusion Conference {year}",
    "European Congress on Extra-Corporeal Circulation Technology",
    "Best Practices and Safety in Perfusion Meeting {year}",
    "{org} Scientific Sessions {year}",
];

const TOPICS: [&str; 16] = [
    "Anticoagulation on ECMO",
    "Oxygenator Exchange",
    "Pediatric Cannulation Strategies",
    "Registry Data and Outcomes",
    "Blood Management in Cardiac Surgery",
    "Weaning from VA ECMO",
    "Hemolysis and Circuit Pressures",
    "ECMO in Cardiogenic Shock",
    "Neonatal Respiratory Failure",
    "Simulation for Circuit Emergencies",
    "Goal-Directed Perfusion",
    "Myocardial Protection and Cardioplegia",
    "Left Ventricular Unloading",
    "Mobile ECMO Retrieval",
    "Perfusion Education and Credentialing",
    "End of Life Care on ECLS",
];

const GRANT_TITLES: [&str; 6] = [
    "{org} {year} Research Grant",
    "Travel Award for Young Perfusionists {year}",
    "Scholarship in Extracorporeal Research",
    "{org} Innovation Award",
    "Registry Research Fellowship {year}",
    "Education Grant for Simulation Programs",
];

const JOB_TITLES: [&str; 8] = [
    "Clinical Perfusionist",
    "Trainee Clinical Perfusionist",
    "Chief Perfusionist",
    "ECMO Specialist (Nights)",
    "ECMO Coordinator",
    "Perfusion Educator",
    "Senior Clinical Perfusion Scientist",
    "Pediatric Perfusionist",
];

const PUBLICATION_TITLES: [&str; 7] = [
    "{org} Guidelines: {topic}",
    "Registry Report {year}",
    "{org} Newsletter, {month} {year}",
    "Position Statement on {topic}",
    "Journal Issue {n}: {topic}",
    "{org} Gazette {month} {year}",
    "Consensus Report on {topic}",
];

const DEADLINE_TITLES: [&str; 6] = [
    "Abstract submission for the {org} {year} Congress",
    "Registration for the {org} Board Examination",
    "Call for papers: {topic}",
    "Data Entry Deadline for the {org} Registry",
    "Recertification filing deadline",
    "Examination application deadline {year}",
];

const SENTENCES: [&str; 24] = [
    "Hands-on simulation of circuit emergencies for ECMO teams.",
    "Covers cannulation, priming and troubleshooting of the oxygenator.",
    "Lectures and wet labs on adult and pediatric extracorporeal life support.",
    "Open to perfusionists, intensivists, nurses and respiratory therapists.",
    "CEU credits from the ABCP will be requested.",
    "Registration includes course materials and lunch.",
    "The congress gathers the perfusion community for three days of science.",
    "Abstracts on ECMO, cardiopulmonary bypass and blood management are welcome.",
    "A live webinar with questions from the audience.",
    "Results from the international registry of extracorporeal support.",
    "Simulation scenarios include air embolism, pump failure and oxygenator failure.",
    "Faculty from leading ECMO centres teach in small groups.",
    "Applications are reviewed by the research committee.",
    "The award supports travel to an international meeting.",
    "Full-time position in a busy cardiac surgery unit.",
    "Experience with neonatal and pediatric ECMO is an advantage.",
    "Guidance on anticoagulation monitoring and hemolysis.",
    "Members receive the newsletter and the journal.",
    "Transport ECMO and mobile retrieval teams are covered in depth.",
    "Certificates of attendance are sent after the course.",
    "Places are limited; early registration is advised.",
    "Sessions cover goal-directed perfusion and myocardial protection.",
    "Recorded for members who cannot attend live.",
    "Held in English, with case discussions from the participants' units.",
];

/// One item as the page writes it.
struct Entry {
    title: String,
    date: Option<String>,
    location: Option<String>,
    summary: Vec<&'static str>,
    posted: Option<String>,
}

/// One listing page: the items one organisation lists of one kind.
#[derive(Debug)]
pub struct Page {
    /// The source id (`elso-courses`).
    pub source_id: String,
    /// The organisation.
    pub org: &'static str,
    /// The default kind of the source.
    pub kind: ItemKind,
    /// The path on the page server (`/elso/course.html`).
    pub path: String,
    /// The HTML.
    pub body: Vec<u8>,
    /// What the page lists, in page order: what a reader of it should find.
    pub items: Vec<Listed>,
}

/// One item as a page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its title, as written (before HTML escaping).
    pub title: String,
    /// Its own page: the link of its title.
    pub link: String,
}

fn pick<T: Copy>(rng: &mut Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut n = rng.u32(0..total);
    for &(value, weight) in weighted {
        if n < weight {
            return value;
        }
        n -= weight;
    }
    weighted[0].0
}

fn one<T: Copy>(rng: &mut Rng, values: &[T]) -> T {
    values[rng.usize(0..values.len())]
}

fn plural(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Course => "courses",
        ItemKind::Conference => "conferences",
        ItemKind::Webinar => "webinars",
        ItemKind::Grant => "grants",
        ItemKind::Job => "jobs",
        ItemKind::Publication => "publications",
        ItemKind::Deadline => "deadlines",
    }
}

/// A day written the American way ("April 15, 2027") or the European way
/// ("15 April 2027").
fn day(rng: &mut Rng, year: i32, month: usize, d: u32) -> String {
    if rng.bool() {
        format!("{} {d}, {year}", MONTHS[month])
    } else {
        format!("{d} {} {year}", MONTHS[month])
    }
}

/// A day of `month` (any of the 1st to the 28th), written either way.
fn day_any(rng: &mut Rng, year: i32, month: usize) -> String {
    let d = rng.u32(1..=28);
    day(rng, year, month, d)
}

/// The date of an event (course, conference, webinar), with the precision
/// mix of the real sites: mostly days and ranges, some months, seasons,
/// bare years and "TBA".
fn event_date(rng: &mut Rng, kind: ItemKind, year: i32, month: usize) -> String {
    let d = rng.u32(1..=24);
    let m = MONTHS[month];
    match rng.u32(0..100) {
        0..=29 => format!("{m} {d}-{}, {year}", d + rng.u32(1..=3)),
        30..=44 => format!("{d} – {} {m} {year}", d + rng.u32(1..=4)),
        45..=54 if month < 11 => {
            format!("{m} 28 - {} {}, {year}", MONTHS[month + 1], rng.u32(1..=3))
        }
        45..=76 if kind == ItemKind::Webinar => {
            format!("{} {}:00 PM EST", day(rng, year, month, d), rng.u32(1..=8))
        }
        45..=79 => day(rng, year, month, d),
        80..=86 => match rng.u32(0..3) {
            0 => format!("{m} {year}"),
            1 => format!("mid-{m} {year}"),
            _ => format!("early {m} {year}"),
        },
        87..=91 => format!("{} {year}", one(rng, &SEASONS)),
        92..=96 => format!("Dates: {year}"),
        _ => "Dates to be announced".to_owned(),
    }
}

fn fill(template: &str, rng: &mut Rng, org: &str, year: i32, city: &str) -> String {
    let mut out = template
        .replace("{org}", org)
        .replace("{year}", &year.to_string())
        .replace("{city}", city)
        .replace("{month}", MONTHS[rng.usize(0..12)])
        .replace("{n}", &rng.u32(2..=48).to_string());
    if out.contains("{p}") {
        out = out.replace("{p}", one(rng, &PATIENTS));
    }
    if out.contains("{topic}") {
        out = out.replace("{topic}", one(rng, &TOPICS));
    }
    out
}

fn city_of(place: &str) -> &str {
    place.split(',').next().unwrap_or(place)
}

/// A place as a site writes it, sometimes with a venue, sometimes hybrid.
fn location(rng: &mut Rng, place: &str) -> String {
    match rng.u32(0..10) {
        0..=2 => format!("{}, {place}", one(rng, &VENUES)),
        3 => format!("{place} (hybrid)"),
        _ => place.to_owned(),
    }
}

fn entry(rng: &mut Rng, org: &str, kind: ItemKind) -> Entry {
    let year = rng.i32(2015..=2030);
    let month = rng.usize(0..12);
    let place = one(rng, &PLACES);
    let city = city_of(place);
    let mut summary: Vec<&'static str> = (0..rng.usize(1..=3))
        .map(|_| one(rng, &SENTENCES))
        .collect();
    summary.dedup();
    let (title, date, location, posted) = match kind {
        ItemKind::Course => {
            let mut date = event_date(rng, kind, year, month);
            if rng.u32(0..5) == 0 && month > 0 {
                let _ = write!(
                    date,
                    ". Registration closes {}",
                    day(rng, year, month - 1, 15)
                );
            }
            let location = match rng.u32(0..10) {
                0 => "Online".to_owned(),
                _ => location(rng, place),
            };
            (
                fill(one(rng, &COURSE_TITLES), rng, org, year, city),
                Some(date),
                Some(location),
                None,
            )
        }
        ItemKind::Conference => {
            let mut date = event_date(rng, kind, year, month);
            if rng.bool() {
                let _ = write!(date, ". Abstract deadline: {}", {
                    let m = rng.usize(8..12);
                    day_any(rng, year - 1, m)
                });
            }
            (
                fill(one(rng, &CONFERENCE_TITLES), rng, org, year, city),
                Some(date),
                Some(location(rng, place)),
                None,
            )
        }
        ItemKind::Webinar => (
            format!("Webinar: {}", one(rng, &TOPICS)),
            Some(event_date(rng, kind, year, month)),
            Some(one(rng, &["Online", "Virtual", "Zoom webinar"]).to_owned()),
            None,
        ),
        ItemKind::Grant => {
            let date = match rng.u32(0..5) {
                0 => format!("Applications open in {} {year}", one(rng, &SEASONS)),
                _ => format!("Application deadline: {}", day_any(rng, year, month)),
            };
            (
                fill(one(rng, &GRANT_TITLES), rng, org, year, city),
                Some(date),
                None,
                None,
            )
        }
        ItemKind::Job => (
            format!("{} – {}", one(rng, &JOB_TITLES), city),
            (rng.u32(0..10) > 0).then(|| format!("Closing date {}", day_any(rng, year, month))),
            Some(place.to_owned()),
            Some(format!(
                "Posted: {}",
                day_any(rng, year, month.saturating_sub(1))
            )),
        ),
        ItemKind::Publication => (
            fill(one(rng, &PUBLICATION_TITLES), rng, org, year, city),
            match rng.u32(0..10) {
                0..=4 => Some(format!("{} {year}", MONTHS[month])),
                5..=8 => Some(day_any(rng, year, month)),
                _ => None,
            },
            None,
            None,
        ),
        ItemKind::Deadline => {
            let cue = one(
                rng,
                &[
                    "Submission deadline:",
                    "Registration closes",
                    "Applications due",
                    "Submit by",
                ],
            );
            (
                fill(one(rng, &DEADLINE_TITLES), rng, org, year, city),
                Some(format!("{cue} {}", day_any(rng, year, month))),
                None,
                None,
            )
        }
    };
    // A few items carry a status word, as the sites write it.
    let title = match rng.u32(0..100) {
        0 => format!("-POSTPONED- {title}"),
        1 => format!("{title} (Cancelled)"),
        2 if kind == ItemKind::Course => format!("FULL: {title}"),
        _ => title,
    };
    Entry {
        title,
        date,
        location,
        summary,
        posted,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn source_id(org: &str, kind: ItemKind) -> String {
    format!("{}-{}", org.to_lowercase(), plural(kind))
}

/// The listing pages of `n` items drawn from `seed`: one per organisation
/// and kind that has items, in a fixed order.
pub fn pages(n: usize, seed: u64) -> Vec<Page> {
    let mut rng = Rng::with_seed(seed);
    let mut buckets: Vec<Vec<Entry>> = (0..ORGS.len() * KINDS.len()).map(|_| Vec::new()).collect();
    for _ in 0..n {
        let org = pick(&mut rng, &ORGS.map(|(o, w)| (o, w)));
        let kind = pick(&mut rng, &KINDS);
        let o = ORGS.iter().position(|(name, _)| *name == org).unwrap_or(0);
        let k = KINDS.iter().position(|(k, _)| *k == kind).unwrap_or(0);
        let e = entry(&mut rng, org, kind);
        buckets[o * KINDS.len() + k].push(e);
    }
    let mut pages = Vec::new();
    for (b, entries) in buckets.into_iter().enumerate() {
        if entries.is_empty() {
            continue;
        }
        let (org, _) = ORGS[b / KINDS.len()];
        let (kind, _) = KINDS[b % KINDS.len()];
        pages.push(render(org, kind, "", &entries));
    }
    pages
}

/// `count` listing pages of `per_source` items each, drawn from `seed`:
/// source n is organisation n mod 15 and kind n / 15 mod 7, so the first
/// 105 are one per organisation and kind; later ones repeat a pair with a
/// number (`elso-courses-2`, `/elso/course-2.html`).
pub fn sources(count: usize, per_source: usize, seed: u64) -> Vec<Page> {
    let mut rng = Rng::with_seed(seed);
    (0..count)
        .map(|n| {
            let (org, _) = ORGS[n % ORGS.len()];
            let (kind, _) = KINDS[(n / ORGS.len()) % KINDS.len()];
            let round = n / (ORGS.len() * KINDS.len());
            let suffix = if round == 0 {
                String::new()
            } else {
                format!("-{}", round + 1)
            };
            let entries: Vec<Entry> = (0..per_source)
                .map(|_| entry(&mut rng, org, kind))
                .collect();
            render(org, kind, &suffix, &entries)
        })
        .collect()
}

/// The listing page of `entries`, with `suffix` on its source id, path
/// and links.
fn render(org: &'static str, kind: ItemKind, suffix: &str, entries: &[Entry]) -> Page {
    let slug = org.to_lowercase();
    let mut html = String::with_capacity(entries.len() * 700);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{org}: {}</title></head><body><main><ul class=\"events\">\n",
        plural(kind)
    );
    let mut items = Vec::with_capacity(entries.len());
    // Absolute links to the organisation's own site, as the real pages
    // have: an item's id derives from its link, so it must not depend on
    // the port this run's page server got.
    for (i, e) in entries.iter().enumerate() {
        let link = format!("https://www.{slug}.org/events/{kind}{suffix}/{i}");
        let _ = write!(
            html,
            "<li class=\"event\"><h3 class=\"title\"><a href=\"{link}\">{}</a></h3>",
            escape(&e.title)
        );
        if let Some(date) = &e.date {
            let _ = write!(html, "<p class=\"date\">{}</p>", escape(date));
        }
        if let Some(location) = &e.location {
            let _ = write!(
                html,
                "<p class=\"location\">Location: {}</p>",
                escape(location)
            );
        }
        for sentence in &e.summary {
            let _ = write!(html, "<p class=\"summary\">{}</p>", escape(sentence));
        }
        if let Some(posted) = &e.posted {
            let _ = write!(html, "<p class=\"posted\">{}</p>", escape(posted));
        }
        html.push_str("</li>\n");
        items.push(Listed {
            title: e.title.clone(),
            link,
        });
    }
    html.push_str("</ul></main></body></html>\n");
    Page {
        source_id: format!("{}{suffix}", source_id(org, kind)),
        org,
        kind,
        path: format!("/{slug}/{kind}{suffix}.html"),
        body: html.into_bytes(),
        items,
    }
}

/// The `sources.toml` that reads `pages` from the page server at `base`
/// (`http://127.0.0.1:PORT`). Sources run only when asked (their schedule
/// is once a year), and requests are not spaced out: the only host is the
/// load generator's own.
pub fn config_text(pages: &[Page], base: &str) -> String {
    let mut toml = String::from(
        "# Written by the load generator: the synthetic federation it serves.\n\
         version = 1\n\n\
         [defaults]\n\
         schedule = \"0 0 0 1 1 *\"\n\
         timezone = \"UTC\"\n\
         date_order = \"mdy\"\n\n\
         [fetch]\n\
         user_agent = \"perfusiond-loadgen\"\n\
         min_delay_ms = 0\n",
    );
    toml.push_str(&source_tables(pages, |n| {
        format!("{base}{}", pages[n].path)
    }));
    toml
}

/// The `[[source]]` tables that read `pages`, page n from the URL
/// `url_of(n)`, with the selectors of the pages' markup.
pub fn source_tables(pages: &[Page], url_of: impl Fn(usize) -> String) -> String {
    let mut toml = String::new();
    for (n, page) in pages.iter().enumerate() {
        let _ = write!(
            toml,
            "\n[[source]]\n\
             id = \"{}\"\n\
             org = \"{}\"\n\
             url = \"{}\"\n\
             format = \"html_list\"\n\
             kind = \"{}\"\n\
             item = \".event\"\n\
             title = \".title\"\n\
             link = \".title a@href\"\n\
             date = \".date\"\n\
             location = \".location\"\n\
             summary = \".summary\"\n\
             posted = \".posted\"\n",
            page.source_id,
            page.org,
            url_of(n),
            page.kind
        );
    }
    toml
}
