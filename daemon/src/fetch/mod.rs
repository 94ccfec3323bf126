//! Getting a source's bytes: over HTTP (reqwest with rustls), or from a
//! recorded archive (`--replay DIR`), optionally saving every response
//! (`--record DIR`).
//!
//! The archive layout is shared by replay, record and the tests' fixture
//! server: see [`archive`].

pub mod archive;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header;
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
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The URL.
        url: Url,
        /// The status code.
        status: u16,
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
            FetchError::TooLarge { .. } | FetchError::NotRecorded { .. } => false,
            FetchError::Archive { .. } => true,
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
        })
    }

    /// A fetcher that answers every request from the archive under `dir`.
    pub fn replay(dir: PathBuf, config: &FetchConfig) -> Self {
        Self {
            transport: Transport::Replay(dir),
            record: None,
            max_body_bytes: config.max_body_bytes,
        }
    }

    /// Also saves every successful response under `dir`.
    #[must_use]
    pub fn recording(mut self, dir: PathBuf) -> Self {
        self.record = Some(dir);
        self
    }

    /// Gets one URL.
    pub async fn get(&self, url: &Url) -> Result<Fetched, FetchError> {
        let fetched = match &self.transport {
            Transport::Http(client) => self.get_http(client, url).await?,
            Transport::Replay(dir) => archive::read(dir, url, self.max_body_bytes)?,
        };
        if let Some(dir) = &self.record {
            archive::write(dir, url, &fetched)?;
        }
        Ok(fetched)
    }

    async fn get_http(&self, client: &reqwest::Client, url: &Url) -> Result<Fetched, FetchError> {
        let network = |e: reqwest::Error| FetchError::Network {
            url: url.clone(),
            transient: e.is_timeout() || e.is_connect() || e.is_request() || e.is_body(),
            reason: error_chain(&e),
        };
        let mut response = client.get(url.clone()).send().await.map_err(network)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.clone(),
                status: status.as_u16(),
            });
        }
        let final_url = response.url().clone();
        let headers = response.headers();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(media_type);
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
        Ok(Fetched {
            url: final_url,
            content_type,
            body,
            page_date,
        })
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
    fn media_types_lose_their_parameters() {
        assert_eq!(media_type("Text/HTML; charset=UTF-8"), "text/html");
    }
}
