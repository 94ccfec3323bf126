//! The response archive: where `--record` saves a URL's response, where
//! `--replay` reads it from, and what the tests' fixture server serves.
//!
//! A URL maps to `DIR/<host>/<path>`:
//!
//! - `https://www.elso.org/ecmo-education/meetings.aspx` →
//!   `DIR/www.elso.org/ecmo-education/meetings.aspx`;
//! - a path ending in `/` gets the file name `index`:
//!   `https://iperfusion.org/feed/` → `DIR/iperfusion.org/feed/index`;
//! - a query string stays part of the name, so `?oid=454&pid=106300` and
//!   `?oid=454&pid=106301` are distinct files: `DIR/ebcp.eu/index?oid=454&pid=106300`;
//! - a port other than the scheme's default is kept: `DIR/127.0.0.1_8080/...`.
//!
//! Beside a body, `<file>.headers` may hold response headers, one
//! `name: value` a line (`content-type`, `last-modified`, `date`); `--record`
//! writes it. Without one, the content type is guessed from the file's
//! extension, then from its first bytes.

use std::path::{Path, PathBuf};

use url::Url;

use super::{FetchError, Fetched, media_type, parse_http_date};

/// The archive file of a URL under `root`.
pub fn path_for(root: &Path, url: &Url) -> PathBuf {
    let host = url.host_str().unwrap_or("localhost");
    let mut path = root.join(match url.port() {
        Some(port) => format!("{host}_{port}"),
        None => host.to_owned(),
    });
    let segments: Vec<&str> = url
        .path()
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    for s in &segments {
        path.push(s);
    }
    if url.path().ends_with('/') || segments.is_empty() {
        path.push("index");
    }
    if let Some(query) = url.query() {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push("?");
        name.push(query);
        path.set_file_name(name);
    }
    path
}

/// The sidecar file holding a body's headers.
pub fn headers_path(body: &Path) -> PathBuf {
    let mut name = body.file_name().unwrap_or_default().to_os_string();
    name.push(".headers");
    body.with_file_name(name)
}

/// A recorded response: body and the headers that matter.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The body.
    pub body: Vec<u8>,
    /// The media type, recorded or guessed.
    pub content_type: String,
    /// The recorded headers, names lower case.
    pub headers: Vec<(String, String)>,
}

/// Reads the recorded response of `url` under `root`.
pub fn load(root: &Path, url: &Url) -> Result<Option<Recorded>, FetchError> {
    let path = path_for(root, url);
    let body = match std::fs::read(&path) {
        Ok(body) => body,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(source) => return Err(FetchError::Archive { path, source }),
    };
    let headers: Vec<(String, String)> = std::fs::read_to_string(headers_path(&path))
        .map(|text| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| media_type(v))
        .unwrap_or_else(|| guess_content_type(&path, &body).to_owned());
    Ok(Some(Recorded {
        body,
        content_type,
        headers,
    }))
}

/// `--replay`: the response of `url` from the archive.
pub(super) fn read(root: &Path, url: &Url, max_body_bytes: u64) -> Result<Fetched, FetchError> {
    let recorded = load(root, url)?.ok_or_else(|| FetchError::NotRecorded {
        url: url.clone(),
        path: path_for(root, url),
    })?;
    if recorded.body.len() as u64 > max_body_bytes {
        return Err(FetchError::TooLarge {
            url: url.clone(),
            limit: max_body_bytes,
        });
    }
    let header = |name: &str| {
        recorded
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| parse_http_date(v))
    };
    Ok(Fetched {
        url: url.clone(),
        page_date: header("last-modified").or_else(|| header("date")),
        content_type: Some(recorded.content_type),
        body: recorded.body,
        validators: super::Validators::default(),
    })
}

/// `--record`: saves a response, and its headers beside it.
pub(super) fn write(root: &Path, url: &Url, fetched: &Fetched) -> Result<(), FetchError> {
    let path = path_for(root, url);
    let io = |source| FetchError::Archive {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&path, &fetched.body).map_err(io)?;
    let mut headers = String::new();
    if let Some(ct) = &fetched.content_type {
        headers.push_str(&format!("content-type: {ct}\n"));
    }
    if let Some(date) = fetched.page_date {
        headers.push_str(&format!(
            "last-modified: {}\n",
            date.format("%a, %d %b %Y %H:%M:%S GMT")
        ));
    }
    std::fs::write(headers_path(&path), headers).map_err(io)
}

/// The media type of a recorded body without a `.headers` file.
pub fn guess_content_type(path: &Path, body: &[u8]) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.split('?').next().unwrap_or(e).to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm" | "aspx" | "asp" | "php" | "jsp") => return "text/html",
        Some("xml" | "rss") => return "application/rss+xml",
        Some("atom") => return "application/atom+xml",
        Some("json") => return "application/json",
        Some("ics") => return "text/calendar",
        _ => {}
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<?xml") || head.starts_with("<rss") || head.starts_with("<feed") {
        "application/xml"
    } else if head.starts_with("begin:vcalendar") {
        "text/calendar"
    } else if head.starts_with('{') || head.starts_with('[') {
        "application/json"
    } else {
        "text/html"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(url: &str) -> String {
        path_for(Path::new("/a"), &Url::parse(url).unwrap())
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn urls_map_to_files_at_their_host_and_path() {
        assert_eq!(
            p("https://www.elso.org/ecmo-education/meetings.aspx"),
            "/a/www.elso.org/ecmo-education/meetings.aspx"
        );
        assert_eq!(
            p("https://iperfusion.org/feed/"),
            "/a/iperfusion.org/feed/index"
        );
        assert_eq!(p("https://www.elso.org"), "/a/www.elso.org/index");
        assert_eq!(
            p("https://ebcp.eu/?oid=454&pid=106300"),
            "/a/ebcp.eu/index?oid=454&pid=106300"
        );
        assert_eq!(p("http://127.0.0.1:8080/x/../y"), "/a/127.0.0.1_8080/y");
    }

    #[test]
    fn content_types_are_guessed_from_the_name_then_the_bytes() {
        assert_eq!(guess_content_type(Path::new("x.aspx"), b""), "text/html");
        assert_eq!(
            guess_content_type(Path::new("feed/index"), b"<?xml version=\"1.0\"?><rss>"),
            "application/xml"
        );
    }
}
