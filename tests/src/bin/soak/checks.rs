//! What the soak run checks: that every good item of every source is in
//! the index, not withdrawn, and found by a search for its title; that the
//! index holds no item the federation never listed; and what the daemon's
//! log says (a panic fails the run).
//!
//! The expected items are the synthetic pages' own list of what they show
//! (title and link of each), not anything the daemon produced: an item is
//! found by its source and link among the sources the daemon says listed
//! it.

use std::collections::HashMap;
use std::path::Path;

use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient;
use perfusion_tests::synth::Page;
use tonic::transport::Channel;

/// Page size of the listing: the daemon's largest.
const PAGE: i32 = 500;

/// An item as the daemon holds it, by the listing that names it.
#[derive(Debug, Clone)]
pub struct Held {
    /// The item's id.
    pub id: String,
    /// Whether it is withdrawn.
    pub withdrawn: bool,
}

/// Every item the daemon holds, past and withdrawn ones included.
#[derive(Debug, Default)]
pub struct Inventory {
    /// By (source id, link) of each source that listed it.
    pub listings: HashMap<(String, String), Held>,
    /// Items (records) in all.
    pub items: usize,
    /// Of which withdrawn.
    pub withdrawn: usize,
}

/// Reads every item the daemon serves, a page at a time.
pub async fn inventory(channel: &Channel) -> anyhow::Result<Inventory> {
    let mut client = AggregatorServiceClient::new(channel.clone());
    let mut inventory = Inventory::default();
    let mut token = String::new();
    loop {
        let page = client
            .search(pb::SearchRequest {
                include_past: true,
                include_withdrawn: true,
                page_size: PAGE,
                page_token: token.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        for item in page.items {
            let withdrawn = item.status == pb::Status::Withdrawn as i32;
            inventory.items += 1;
            inventory.withdrawn += usize::from(withdrawn);
            for source in item.sources {
                inventory.listings.insert(
                    (source.source_id, source.url),
                    Held {
                        id: item.id.clone(),
                        withdrawn,
                    },
                );
            }
        }
        if page.next_page_token.is_empty() {
            return Ok(inventory);
        }
        token = page.next_page_token;
    }
}

/// The good items of `pages` that `inventory` lacks or holds withdrawn,
/// and the listings it holds that no page lists, one line each.
pub fn compare(pages: &[Page], inventory: &Inventory) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        for listed in &page.items {
            match inventory
                .listings
                .get(&(page.source_id.clone(), listed.link.clone()))
            {
                None => problems.push(format!(
                    "lost: {} {:?} ({})",
                    page.source_id, listed.title, listed.link
                )),
                Some(held) if held.withdrawn => problems.push(format!(
                    "withdrawn: {} {:?} ({})",
                    page.source_id, listed.title, listed.link
                )),
                Some(_) => {}
            }
        }
    }
    let known: std::collections::HashSet<(&str, &str)> = pages
        .iter()
        .flat_map(|p| {
            p.items
                .iter()
                .map(|i| (p.source_id.as_str(), i.link.as_str()))
        })
        .collect();
    for (source, link) in inventory.listings.keys() {
        if !known.contains(&(source.as_str(), link.as_str())) {
            problems.push(format!("never listed: {source} {link}"));
        }
    }
    problems
}

/// The words of a title a search for it uses: its letters and digits,
/// without the status words the daemon reads out of titles.
fn title_words(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| {
            !matches!(
                w.to_lowercase().as_str(),
                "postponed" | "cancelled" | "full"
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The good items a search for their title words (with their
/// organisation, past items included) does not find, one line each.
pub async fn unsearchable(
    channel: &Channel,
    pages: &[Page],
    inventory: &Inventory,
) -> anyhow::Result<(usize, Vec<String>)> {
    let mut client = AggregatorServiceClient::new(channel.clone());
    let mut searches = 0;
    let mut problems = Vec::new();
    for page in pages {
        for listed in &page.items {
            let Some(held) = inventory
                .listings
                .get(&(page.source_id.clone(), listed.link.clone()))
            else {
                continue; // Reported as lost already.
            };
            let query = title_words(&listed.title);
            let mut token = String::new();
            let found = loop {
                searches += 1;
                let hits = client
                    .search(pb::SearchRequest {
                        query: query.clone(),
                        orgs: vec![page.org.to_owned()],
                        include_past: true,
                        page_size: PAGE,
                        page_token: token.clone(),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                if hits.items.iter().any(|i| i.id == held.id) {
                    break true;
                }
                if hits.next_page_token.is_empty() {
                    break false;
                }
                token = hits.next_page_token;
            };
            if !found {
                problems.push(format!(
                    "not found by a search for {query:?} (org {}): {} {}",
                    page.org, page.source_id, listed.link
                ));
            }
        }
    }
    Ok((searches, problems))
}

/// What the daemon's log says.
#[derive(Debug, Default)]
pub struct LogScan {
    /// Lines saying a thread panicked.
    pub panics: Vec<String>,
    /// ERROR lines, and the first few of them.
    pub errors: usize,
    /// The first few ERROR lines.
    pub first_errors: Vec<String>,
    /// WARN lines (a source that failed or read 0 items logs one).
    pub warnings: usize,
    /// Lines in all.
    pub lines: usize,
}

/// Reads the daemon's log.
pub fn scan_log(path: &Path) -> anyhow::Result<LogScan> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut scan = LogScan::default();
    for line in text.lines() {
        scan.lines += 1;
        let line = strip_ansi(line);
        if line.contains("panicked") {
            scan.panics.push(line.clone());
        }
        // `2026-... LEVEL target: message`: the level is the second word.
        match line.split_whitespace().nth(1) {
            Some("ERROR") => {
                scan.errors += 1;
                if scan.first_errors.len() < 5 {
                    scan.first_errors.push(line.clone());
                }
            }
            Some("WARN") => scan.warnings += 1,
            _ => {}
        }
    }
    Ok(scan)
}

/// A log line without terminal colour codes.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ ... letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Source runs by outcome, from the daemon's `/metrics` (runs of every
/// kind: the cycles', the schedule's and the first).
pub async fn runs_by_outcome(http_base: &str) -> anyhow::Result<Vec<(String, u64)>> {
    let text = reqwest::Client::builder()
        .no_proxy()
        .build()?
        .get(format!("{http_base}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let mut by: Vec<(String, u64)> = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("perfusion_fetches_total{") else {
            continue;
        };
        let outcome = rest
            .split("outcome=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("?");
        let n: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        match by.iter_mut().find(|(o, _)| o == outcome) {
            Some((_, total)) => *total += n as u64,
            None => by.push((outcome.to_owned(), n as u64)),
        }
    }
    by.sort();
    Ok(by)
}
