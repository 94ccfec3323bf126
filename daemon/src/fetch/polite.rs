//! Being the politest client a small society's website sees.
//!
//! Per host (name and port), requests go one at a time, each at least the
//! configured delay after the previous one (or the site's `Crawl-delay`,
//! when larger). Before the first page of a host, its robots.txt is read and
//! kept for a day: a 404 or 410 means no rules; any other failure (401, 403,
//! 429, 5xx, the network) means "not now" (the page is not fetched, and the
//! run counts as a transient failure), never "allowed".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

/// How long a host's robots.txt is trusted before it is read again.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest Crawl-delay honoured: a larger one would stop the source.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(120);

/// What a host's robots.txt says for our user agent.
#[derive(Debug)]
pub(super) enum Rules {
    /// No robots.txt (404, 410), or one with no rule for us.
    AllowAll,
    /// The rules of a robots.txt.
    Parsed(Box<Robot>),
}

impl Rules {
    /// Rules from a robots.txt body; an unparseable one allows everything,
    /// as RFC 9309 asks of unreadable files.
    pub(super) fn parse(agent: &str, body: &[u8]) -> Self {
        match Robot::new(agent, body) {
            Ok(robot) => Rules::Parsed(Box::new(robot)),
            Err(_) => Rules::AllowAll,
        }
    }

    /// Whether `url` may be fetched.
    pub(super) fn allows(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::AllowAll => None,
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d).min(MAX_CRAWL_DELAY)),
        }
    }
}

/// One host's memory: when it was last asked, and its robots.txt.
#[derive(Debug, Default)]
pub(super) struct Host {
    last_request: Option<Instant>,
    rules: Option<(Rules, Instant)>,
}

impl Host {
    /// Waits until a request to this host is polite, and records it as made.
    pub(super) async fn pace(&mut self, min_delay: Duration) {
        let delay = self
            .rules
            .as_ref()
            .and_then(|(rules, _)| rules.crawl_delay())
            .map_or(min_delay, |d| d.max(min_delay));
        // A deadline already past would still wait for the timer's next
        // tick (a millisecond): sleep only when a wait is owed.
        if let Some(due) = self.last_request.map(|last| last + delay)
            && due > Instant::now()
        {
            tokio::time::sleep_until(due).await;
        }
        self.last_request = Some(Instant::now());
    }

    /// The host's rules, when read less than a day ago.
    pub(super) fn fresh_rules(&self) -> Option<&Rules> {
        self.rules
            .as_ref()
            .filter(|(_, read)| read.elapsed() < ROBOTS_TTL)
            .map(|(rules, _)| rules)
    }

    /// Remembers the host's rules.
    pub(super) fn set_rules(&mut self, rules: Rules) {
        self.rules = Some((rules, Instant::now()));
    }
}

/// The hosts seen so far; each behind its own lock, held for a whole
/// request, so one host's requests go one at a time while other hosts'
/// proceed.
#[derive(Debug, Default)]
pub(super) struct Hosts {
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Host>>>>,
}

impl Hosts {
    /// The lock of `url`'s host.
    pub(super) fn of(&self, url: &Url) -> Arc<tokio::sync::Mutex<Host>> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        Arc::clone(
            self.hosts
                .lock()
                .expect("hosts lock")
                .entry(key)
                .or_default(),
        )
    }
}

/// The product token robots.txt groups are matched against: the
/// User-Agent up to its first `/` or space ("perfusiond").
pub(super) fn robots_agent(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or(user_agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_group_and_crawl_delay_are_found() {
        let robots = b"User-agent: *\nDisallow: /private/\n\nUser-agent: perfusiond\nDisallow: /members/\nAllow: /members/events\nCrawl-delay: 5\n";
        let rules = Rules::parse(robots_agent("perfusiond/0.1 (events aggregator)"), robots);
        let url = |p: &str| Url::parse(&format!("https://www.example.org{p}")).unwrap();
        assert!(!rules.allows(&url("/members/list.aspx")));
        assert!(rules.allows(&url("/members/events")));
        assert!(
            rules.allows(&url("/private/x")),
            "our group replaces the * group"
        );
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(5)));
    }
}
