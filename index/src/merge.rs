//! One event announced by several organisations, shown once.
//!
//! Each source's announcement of an item is a [`Listing`]. The index keeps
//! listings in *records*: a record is what a user sees as one item, and it
//! holds every listing of the same event (ELSO's meetings page and
//! EuroELSO's congress site both announce the EuroELSO congress). The item
//! a record shows is [`combine`]d from its listings: the organiser's own
//! announcement gives the fields, the others add what it lacks, and every
//! announcer is named in `sources`.
//!
//! Two listings are the same event ([`same_event`]) only when they are
//! events (courses, conferences, webinars) on the very same days, in no
//! conflicting city or country, with titles that share most of their
//! words. Dates are the strongest evidence: the ELSO adult ECMO simulation
//! course in Tampa on 3-4 November and the one on 5-6 November have the same
//! title and stay two items.
//!
//! Everything else (publications, jobs, grants, deadlines, events known
//! only to the month) has no days to go by, so its evidence is its page:
//! two listings that link to the very same page, with titles that share
//! most of their words, are one item (if both have dates, only on the same
//! dates: a page may list each year's edition under one title). IPA's news
//! feed and its editorial page both list "LivaNova Reports Cyberattack
//! Compromising US Patients' Data", linking to the same article.
//!
//! Listings also carry the lifecycle of an announcement: a listing missing
//! from its source's page on [`WITHDRAW_AFTER`] successful fetches in a row
//! is withdrawn, and a record whose listings are all withdrawn shows its item
//! as withdrawn.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{DatePrecision, Item, ItemKind, Status};

/// Successful fetches in a row that must miss a listing before it is
/// withdrawn: one miss may be a page caught mid-edit.
pub const WITHDRAW_AFTER: u32 = 2;

/// One source's announcement of an item, as the source last gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// The item as its source gave it: its own id and its one source.
    pub item: Item,
    /// Successful fetches of its source in a row that did not list it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub missed: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Listing {
    /// A listing just read from its source.
    pub fn new(item: Item) -> Self {
        Self { item, missed: 0 }
    }

    /// Its source stopped listing it.
    pub fn withdrawn(&self) -> bool {
        self.missed >= WITHDRAW_AFTER
    }

    /// The source that gave it.
    pub fn source_id(&self) -> &str {
        self.item
            .sources
            .first()
            .map_or("", |s| s.source_id.as_str())
    }

    /// The [`merge_key`] another source's announcement may join it by,
    /// while it is listed.
    pub(crate) fn merge_key(&self) -> Option<String> {
        merge_key(&self.item).filter(|_| !self.withdrawn())
    }

    /// Its [`merge_key`] with its city ([`merge_place`]), while it is
    /// listed.
    pub(crate) fn merge_place(&self) -> Option<String> {
        let key = self.merge_key()?;
        Some(merge_place(&key, self.item.place.city.as_deref()))
    }
}

/// Whether an item is merged with another source's by its days: events
/// (courses, conferences, webinars) known to the day. Other items are
/// merged by their page ([`page_key`]).
pub fn mergeable(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Course | ItemKind::Conference | ItemKind::Webinar
    ) && item.when.precision == DatePrecision::Day
        && item.when.start.is_some()
}

/// What two items must share to be [`same_event`]: a [`mergeable`] item's
/// first and last days (`2025-05-07/2025-05-09`); any other item's page
/// (`page:iperfusion.org/livanova-cyberattack`, see [`page_key`]). The
/// writer indexes it for each live listing, so finding the records an item
/// may join is one term lookup.
pub(crate) fn merge_key(item: &Item) -> Option<String> {
    if !mergeable(item) {
        return page_key(&item.url).map(|page| format!("page:{page}"));
    }
    let start = item.when.start?;
    let end = item.when.end.unwrap_or(start);
    Some(format!("{start}/{end}"))
}

/// A web page's address as two sources may each write it: without its
/// scheme, a `www.`, a trailing slash or a `#fragment`, its host in lower
/// case (`https://www.iperfusion.org/livanova-cyberattack/` and
/// `http://iperfusion.org/livanova-cyberattack` are the same page). `None`
/// for anything but an http(s) address.
pub(crate) fn page_key(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(split);
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host.is_empty() {
        return None;
    }
    let path = match path.split_once('?') {
        Some((path, query)) => format!("{}?{query}", path.trim_end_matches('/')),
        None => path.trim_end_matches('/').to_owned(),
    };
    Some(format!("{host}{path}"))
}

/// A [`merge_key`] narrowed to a city (`2025-05-07/2025-05-09@berlin`;
/// `...@` for no city). Two announcements naming different cities are not
/// the same event, so an item with a city need only look at the records
/// with its city or none: [`merge_places`].
pub(crate) fn merge_place(key: &str, city: Option<&str>) -> String {
    format!("{key}@{}", city.map(fold).unwrap_or_default())
}

/// The [`merge_place`]s an item with `key` and a city may join: its city's
/// and the one of announcements without a city; `None` for an item without
/// a city, which may join any city's.
pub(crate) fn merge_places(key: &str, city: Option<&str>) -> Option<[String; 2]> {
    let city = city?;
    Some([merge_place(key, Some(city)), merge_place(key, None)])
}

/// Whether two sources' items announce the same event (or list the same
/// page): the same [`merge_key`], no conflicting place, alike titles.
pub fn same_event(a: &Item, b: &Item) -> bool {
    let same_dates =
        a.when.start == b.when.start && a.when.end.or(a.when.start) == b.when.end.or(b.when.start);
    let same_key = match (mergeable(a), mergeable(b)) {
        (true, true) => same_dates,
        // A page may list the editions of a yearly event under one title:
        // items with dates are one item only on the same dates.
        (false, false) => {
            page_key(&a.url).is_some_and(|page| page_key(&b.url) == Some(page))
                && (a.when.start.is_none() || b.when.start.is_none() || same_dates)
        }
        _ => false,
    };
    same_key && !places_conflict(a, b) && similar_titles(&a.title, &b.title)
}

/// Whether two items name different cities or different countries. An
/// item that names none conflicts with no place.
fn places_conflict(a: &Item, b: &Item) -> bool {
    let differ = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => fold(x) != fold(y),
        _ => false,
    };
    differ(&a.place.city, &b.place.city) || differ(&a.place.country_code, &b.place.country_code)
}

/// How likely `item` announces the event of a record whose live
/// announcements are `listed`: the best [`likeness`] of those it is the
/// same event as, or `None` when it is none of them, or when it names
/// another city or country than any of them (a record whose second
/// announcer names no city is still in the city its first names).
pub(crate) fn likeness_to_record<'a>(
    item: &Item,
    listed: impl Iterator<Item = &'a Item> + Clone,
) -> Option<f64> {
    if listed.clone().any(|l| places_conflict(item, l)) {
        return None;
    }
    listed
        .filter(|l| same_event(item, l))
        .map(|l| likeness(item, l))
        .reduce(f64::max)
}

/// How alike two announcements of the same event are, to choose between
/// records an item could join: the share of their title words in common,
/// and one more when both name the same city.
fn likeness(a: &Item, b: &Item) -> f64 {
    let (x, y) = (title_words(&a.title), title_words(&b.title));
    let shared = x.intersection(&y).count();
    let all = x.union(&y).count().max(1);
    let same_city = match (&a.place.city, &b.place.city) {
        (Some(x), Some(y)) => fold(x) == fold(y),
        _ => false,
    };
    shared as f64 / all as f64 + if same_city { 1.0 } else { 0.0 }
}

/// Titles that share most of their words: at least two, and at least half
/// of the shorter title's (or all of it when it has one word).
fn similar_titles(a: &str, b: &str) -> bool {
    let (a, b) = (title_words(a), title_words(b));
    let shorter = a.len().min(b.len());
    if shorter == 0 {
        return false;
    }
    let shared = a.intersection(&b).count();
    // Words only one title has may still tell the events apart: "Adult"
    // and "Pediatric" courses, the "10th" and the "11th" congress.
    let only = |x: &BTreeSet<String>, y: &BTreeSet<String>| -> Vec<String> {
        x.difference(y).cloned().collect()
    };
    let (a_only, b_only) = (only(&a, &b), only(&b, &a));
    let has = |words: &[String], test: fn(&str) -> bool| words.iter().any(|w| test(w));
    let numeric = |w: &str| w.chars().all(|c| c.is_ascii_digit());
    let contrast = |w: &str| CONTRASTS.contains(&w);
    if (has(&a_only, numeric) && has(&b_only, numeric))
        || (has(&a_only, contrast) && has(&b_only, contrast))
    {
        return false;
    }
    if shorter == 1 {
        return shared == 1;
    }
    shared >= 2 && shared * 2 >= shorter
}

/// Words that name one of several parallel tracks of a course.
const CONTRASTS: &[&str] = &[
    "adult",
    "adults",
    "pediatric",
    "paediatric",
    "neonatal",
    "basic",
    "advanced",
    "beginner",
    "intermediate",
    "introductory",
    "i",
    "ii",
    "iii",
    "iv",
    "vv",
    "va",
    "level",
];

/// Words that say nothing about which event a title names.
const FILLER: &[&str] = &[
    "a", "an", "and", "at", "by", "de", "del", "der", "des", "die", "du", "el", "en", "et", "for",
    "in", "la", "le", "of", "on", "the", "to", "und", "with", "y",
];

/// The words of a title that tell events apart: lower case, accents
/// folded, ordinals as numbers ("10th" is "10"), filler dropped.
pub(crate) fn title_words(title: &str) -> BTreeSet<String> {
    fold(title)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let suffix = &w[digits.len()..];
            if !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit())
                && matches!(suffix, "st" | "nd" | "rd" | "th")
            {
                digits.to_owned()
            } else {
                w.to_owned()
            }
        })
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect()
}

/// Lower case with the accents of Latin letters removed, so "Montréal"
/// and "Montreal" compare equal.
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// How sure we are that a listing is the organiser's own announcement: its
/// organisation is named in a title of the event ("10th EuroELSO
/// Congress" is EuroELSO's), and its link stays on the organisation's own
/// site.
fn organiser_score(listing: &Listing, titles: &[&str]) -> u8 {
    let org = fold(&listing.item.org);
    let org_words: Vec<&str> = org.split(|c: char| !c.is_alphanumeric()).collect();
    let named = !org.trim().is_empty()
        && titles.iter().any(|t| {
            let t = fold(t);
            let words: Vec<&str> = t.split(|c: char| !c.is_alphanumeric()).collect();
            words
                .windows(org_words.len().max(1))
                .any(|w| w == org_words.as_slice())
        });
    // "elso" is a label of www.elso.org, not of www.euroelso-congress.com.
    let slug: String = org.chars().filter(|c| c.is_alphanumeric()).collect();
    let own_site = !slug.is_empty()
        && url::host_of(&listing.item.url)
            .is_some_and(|h| fold(h).split(['.', '-']).any(|label| label == slug));
    u8::from(named) * 2 + u8::from(own_site)
}

/// How much a listing says of what a record takes from one listing only:
/// where the event is (place, venue, mode) and a page of its own. (Summaries
/// and deadlines are gathered from every listing, so they do not count.)
fn richness(listing: &Listing, page_urls: &[&str]) -> usize {
    let i = &listing.item;
    usize::from(!i.place.is_empty())
        + usize::from(i.place.venue.is_some())
        + usize::from(i.mode.is_some())
        + usize::from(!page_urls.contains(&i.url.as_str()))
}

/// The listing whose fields a record shows: the organiser's, else the one
/// that says most, else the first by source id. Which source happened to
/// be read first never decides, so the same pages always show the same
/// item.
fn preferred<'l>(listings: &[&'l Listing], titles: &[&str]) -> &'l Listing {
    let pages: Vec<&str> = listings
        .iter()
        .filter_map(|l| l.item.sources.first().map(|s| s.url.as_str()))
        .collect();
    listings
        .iter()
        .copied()
        .max_by(|a, b| {
            organiser_score(a, titles)
                .cmp(&organiser_score(b, titles))
                .then(richness(a, &pages).cmp(&richness(b, &pages)))
                .then(b.source_id().cmp(a.source_id()))
        })
        .expect("a record has at least one listing")
}

/// The item a record shows: the preferred listing's fields, completed by
/// the others, with every announcer in `sources`. A record whose listings
/// are all withdrawn shows the last of them as withdrawn.
pub fn combine(id: &str, listings: &[Listing]) -> Item {
    let active: Vec<&Listing> = listings.iter().filter(|l| !l.withdrawn()).collect();
    let pool: Vec<&Listing> = if active.is_empty() {
        listings.iter().collect()
    } else {
        active.clone()
    };
    let titles: Vec<&str> = pool.iter().map(|l| l.item.title.as_str()).collect();
    let first = preferred(&pool, &titles);
    let mut item = first.item.clone();
    item.id = id.to_owned();
    let mut others: Vec<&Listing> = pool
        .iter()
        .copied()
        .filter(|l| !std::ptr::eq(*l, first))
        .collect();
    others.sort_by(|a, b| a.source_id().cmp(b.source_id()));
    for other in &others {
        let o = &other.item;
        if item.summary.is_empty() {
            item.summary.clone_from(&o.summary);
        }
        if item.place.is_empty() {
            item.place = o.place.clone();
        } else if item.place.city.is_none() || item.place.city == o.place.city {
            let p = &mut item.place;
            p.venue = p.venue.take().or_else(|| o.place.venue.clone());
            p.city = p.city.take().or_else(|| o.place.city.clone());
            p.region = p.region.take().or_else(|| o.place.region.clone());
            p.country_code = p
                .country_code
                .take()
                .or_else(|| o.place.country_code.clone());
        }
        item.mode = item.mode.or(o.mode);
        item.language = item.language.take().or_else(|| o.language.clone());
        for deadline in &o.deadlines {
            if !item
                .deadlines
                .iter()
                .any(|d| d.kind == deadline.kind && d.date == deadline.date)
            {
                item.deadlines.push(deadline.clone());
            }
        }
        item.posted = match (item.posted, o.posted) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    item.deadlines.sort_by_key(|d| (d.date, d.kind.as_str()));
    item.sources = std::iter::once(first)
        .chain(others.iter().copied())
        .flat_map(|l| {
            l.item.sources.iter().map(|s| crate::SourceRef {
                missed: l.missed > 0,
                ..s.clone()
            })
        })
        .fold(Vec::new(), |mut all: Vec<crate::SourceRef>, s| {
            match all.iter_mut().find(|a| a.source_id == s.source_id) {
                // Two listings of one source: it lists the item while it
                // lists either.
                Some(a) => a.missed &= s.missed,
                None => all.push(s),
            }
            all
        });
    item.first_seen = listings
        .iter()
        .map(|l| l.item.first_seen)
        .min()
        .unwrap_or(item.first_seen);
    item.last_seen = listings
        .iter()
        .map(|l| l.item.last_seen)
        .max()
        .unwrap_or(item.last_seen);
    if active.is_empty() {
        item.status = Status::Withdrawn;
    }
    item
}

/// The host of a URL, without pulling in a URL parser for one field.
mod url {
    pub(super) fn host_of(url: &str) -> Option<&str> {
        let rest = url.split_once("://")?.1;
        let host = rest.split(['/', '?', '#']).next()?;
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        Some(host.split(':').next().unwrap_or(host)).filter(|h| !h.is_empty())
    }
}

#[cfg(test)]
mod tests;
