//! Getting a source's bytes: over HTTP (reqwest with rustls), or from a
//! recorded archive (`--replay DIR`), optionally saving every response
//! (`--record DIR`).
//!
//! Over HTTP the fetcher is polite ([`polite`]): robots.txt, one request at
//! a time per host with a delay between them, conditional GETs with the
//! validators of the last page (a 304 costs no parsing and no index write),
//! and a server's Retry-After is reported so the source waits. gzip and
//! brotli are accepted, at most 5 redirects followed, the body capped.
//!
//! The archive layout is shared by replay, record and the tests' fixture
//! server: see [`archive`].

pub mod archive;
mod polite;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use reqwest::header;
use std::time::Duration;
use url::Url;

use crate::config::FetchConfig;

/// A response, as far as extraction needs it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL the body came from, after redirects: links resolve against it.
    pub url: Url,
    /// The media type, lower case, without parameters (`text/html`).
    pub content_type: Option<String>,
    /// The body, at most the configured cap.
    pub body: Vec<u8>,
    /// The page's own date: its Last-Modified header, else its Date header.
    /// A date written without a year is placed relative to it.
    pub page_date: Option<DateTime<Utc>>,
    /// The validators to send next time.
    pub validators: Validators,
}

/// A page's HTTP validators, sent back to ask "has it changed?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The ETag, sent as If-None-Match.
    pub etag: Option<String>,
    /// The Last-Modified, sent as If-Modified-Since.
    pub last_modified: Option<String>,
}

/// What a fetch brought.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// A page.
    Page(Fetched),
    /// 304: the page is as it was.
    NotModified,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {status} from {url}{}", retry_after.map(|t| format!(" (Retry-After: {})", t.format("%Y-%m-%d %H:%M:%S UTC"))).unwrap_or_default())]
    Status {
        /// The URL.
        url: Url,
        /// The status code.
        status: u16,
        /// When the server asked us to come back (429, 503).
        retry_after: Option<DateTime<Utc>>,
    },
    /// robots.txt disallows the URL for us.
    #[error("{url} is disallowed by the site's robots.txt")]
    Disallowed {
        /// The URL.
        url: Url,
    },
    /// The site's robots.txt could not be read (5xx, network): until it
    /// can, nothing of the site is fetched.
    #[error(
        "robots.txt of {url} could not be read ({reason}); the site is left alone until it can"
    )]
    RobotsUnavailable {
        /// The URL of the page.
        url: Url,
        /// Why.
        reason: String,
    },
    /// The request could not be made or completed.
    #[error("request to {url} failed: {reason}")]
    Network {
        /// The URL.
        url: Url,
        /// Why, with reqwest's chain of causes.
        reason: String,
        /// Whether trying again later may help (timeouts, resets).
        transient: bool,
    },
    /// The body was larger than the cap.
    #[error("body of {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: Url,
        /// The cap.
        limit: u64,
    },
    /// `--replay`: nothing was recorded for this URL.
    #[error("no recorded response for {url} (looked for {})", path.display())]
    NotRecorded {
        /// The URL.
        url: Url,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A recorded response could not be read, or one could not be saved.
    #[error("archive file {}: {source}", path.display())]
    Archive {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl FetchError {
    /// Whether trying again later may help: timeouts, resets and 5xx and
    /// 429 answers, but not a 404 or a page that is too large.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            FetchError::Network { transient, .. } => *transient,
            FetchError::RobotsUnavailable { .. } | FetchError::Archive { .. } => true,
            FetchError::TooLarge { .. }
            | FetchError::NotRecorded { .. }
            | FetchError::Disallowed { .. } => false,
        }
    }

    /// When the server asked us to come back, if it did.
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Where responses come from.
#[derive(Debug, Clone)]
enum Transport {
    Http(reqwest::Client),
    Replay(PathBuf),
}

/// Fetches sources' URLs.
#[derive(Debug, Clone)]
pub struct Fetcher {
    transport: Transport,
    record: Option<PathBuf>,
    max_body_bytes: u64,
    user_agent: String,
    min_delay: Duration,
    hosts: std::sync::Arc<polite::Hosts>,
}

impl Fetcher {
    /// A fetcher over HTTP, presenting the configured User-Agent.
    pub fn http(config: &FetchConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(&config.user_agent)
            .timeout(Duration::from_secs(config.timeout_secs))
            .connect_timeout(Duration::from_secs(config.timeout_secs.min(10)))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| FetchError::Network {
                url: Url::parse("http://localhost/").expect("a valid URL"),
                reason: format!("cannot build the HTTP client: {e}"),
                transient: false,
            })?;
        Ok(Self {
            transport: Transport::Http(client),
            record: None,
            max_body_bytes: config.max_body_bytes,
            user_agent: config.user_agent.clone(),
            min_delay: Duration::from_millis(config.min_delay_ms),
            hosts: std::sync::Arc::default(),
        })
    }

    /// A fetcher that answers every request from the archive under `dir`.
    pub fn replay(dir: PathBuf, config: &FetchConfig) -> Self {
        Self {
            transport: Transport::Replay(dir),
            record: None,
            max_body_bytes: config.max_body_bytes,
            user_agent: config.user_agent.clone(),
            min_delay: Duration::ZERO,
            hosts: std::sync::Arc::default(),
        }
    }

    /// Also saves every successful response under `dir`.
    #[must_use]
    pub fn recording(mut self, dir: PathBuf) -> Self {
        self.record = Some(dir);
        self
    }

    /// Gets one URL, asking with `validators` whether it changed.
    pub async fn get(&self, url: &Url, validators: &Validators) -> Result<Fetch, FetchError> {
        let fetch = match &self.transport {
            Transport::Http(client) => self.get_politely(client, url, validators).await?,
            Transport::Replay(dir) => Fetch::Page(archive::read(dir, url, self.max_body_bytes)?),
        };
        if let (Some(dir), Fetch::Page(page)) = (&self.record, &fetch) {
            archive::write(dir, url, page)?;
        }
        Ok(fetch)
    }

    /// robots.txt first, then the page, one request at a time per host and
    /// paced.
    async fn get_politely(
        &self,
        client: &reqwest::Client,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetch, FetchError> {
        let host = self.hosts.of(url);
        let mut host = host.lock().await;
        if host.fresh_rules().is_none() {
            host.pace(self.min_delay).await;
            let rules = self.read_robots(client, url).await?;
            host.set_rules(rules);
        }
        if !host.fresh_rules().is_some_and(|r| r.allows(url)) {
            return Err(FetchError::Disallowed { url: url.clone() });
        }
        host.pace(self.min_delay).await;
        self.get_http(client, url, validators).await
    }

    async fn read_robots(
        &self,
        client: &reqwest::Client,
        url: &Url,
    ) -> Result<polite::Rules, FetchError> {
        let unavailable = |reason: String| FetchError::RobotsUnavailable {
            url: url.clone(),
            reason,
        };
        let robots_url = url
            .join("/robots.txt")
            .map_err(|e| unavailable(e.to_string()))?;
        match self
            .get_http(client, &robots_url, &Validators::default())
            .await
        {
            Ok(Fetch::Page(page)) => Ok(polite::Rules::parse(
                polite::robots_agent(&self.user_agent),
                &page.body,
            )),
            Ok(Fetch::NotModified) => Ok(polite::Rules::AllowAll),
            // No robots.txt (404, 410 Gone): no rules. Any other failure
            // (401, 403, 429, 5xx, network) is "not now", never "allowed".
            Err(FetchError::Status {
                status: 404 | 410, ..
            }) => Ok(polite::Rules::AllowAll),
            Err(e) => Err(unavailable(e.to_string())),
        }
    }

    async fn get_http(
        &self,
        client: &reqwest::Client,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetch, FetchError> {
        let network = |e: reqwest::Error| FetchError::Network {
            url: url.clone(),
            // A redirect loop or a malformed URL stays so: no point retrying.
            transient: !e.is_redirect()
                && (e.is_timeout() || e.is_connect() || e.is_request() || e.is_body()),
            reason: error_chain(&e),
        };
        let mut request = client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, modified);
        }
        let mut response = request.send().await.map_err(network)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetch::NotModified);
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, Utc::now()));
            return Err(FetchError::Status {
                url: url.clone(),
                status: status.as_u16(),
                retry_after,
            });
        }
        let final_url = response.url().clone();
        let headers = response.headers();
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = text(header::CONTENT_TYPE).map(|ct| media_type(&ct));
        let validators = Validators {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        };
        let page_date = [header::LAST_MODIFIED, header::DATE]
            .iter()
            .find_map(|h| headers.get(h)?.to_str().ok().and_then(parse_http_date));
        if response
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes)
        {
            return Err(FetchError::TooLarge {
                url: url.clone(),
                limit: self.max_body_bytes,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(FetchError::TooLarge {
                    url: url.clone(),
                    limit: self.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetch::Page(Fetched {
            url: final_url,
            content_type,
            body,
            page_date,
            validators,
        }))
    }
}

/// A Retry-After value: seconds from now, or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = value.trim();
    match value.parse::<u32>() {
        Ok(seconds) => Some(now + chrono::Duration::seconds(i64::from(seconds))),
        Err(_) => parse_http_date(value),
    }
}

/// `text/html; charset=utf-8` → `text/html`.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// An HTTP date (RFC 7231 IMF-fixdate, which is RFC 2822 shaped).
pub(crate) fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim().trim_end_matches(" GMT").trim())
        .or_else(|_| DateTime::parse_from_rfc2822(value.trim()))
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(value.trim(), "%a, %d %b %Y %H:%M:%S GMT")
                .ok()
                .map(|n| n.and_utc())
        })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_read_in_their_usual_shapes() {
        let expected: DateTime<Utc> = "2021-08-03T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_http_date("Tue, 03 Aug 2021 12:00:00 GMT"),
            Some(expected)
        );
        assert_eq!(
            parse_http_date("Tue, 03 Aug 2021 12:00:00 +0000"),
            Some(expected)
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now: DateTime<Utc> = "2026-11-25T08:00:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some("2026-11-25T08:02:00Z".parse().unwrap())
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 09:00:00 GMT", now),
            Some("2026-11-25T09:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn media_types_lose_their_parameters() {
        assert_eq!(media_type("Text/HTML; charset=UTF-8"), "text/html");
    }
}
