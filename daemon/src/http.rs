//! Plain HTTP for calendar apps and feed readers:
//!
//! - `GET /calendar.ics?q=&kind=&org=&country=&mode=&from=&to=`: an ad-hoc
//!   calendar with the filters of a search (`kind`, `org` and `country` may
//!   repeat or hold comma-separated values);
//! - `GET /calendars/{name}.ics`: a `[[calendar]]` of sources.toml;
//! - `GET /feed.atom?kind=job`: the newest matching items as Atom 1.0;
//! - `GET /healthz`: `ok` while the daemon serves;
//! - `GET /metrics`: Prometheus metrics ([`crate::metrics`]).
//!
//! Calendars and feeds carry a strong ETag (a hash of the body) and answer
//! a matching `If-None-Match` with 304, so a phone refreshing every few
//! hours costs a hash, not a download. A bad parameter gets 400 with a
//! message naming it; an unknown calendar 404.
//!
//! Every request first passes [`guard`]: a per-address rate limit (429 with
//! `Retry-After`), caps on the request target (414) and on header bytes
//! (431), then a global concurrency limit; see [`crate::exposure::Limits`].

use std::sync::Arc;

use crate::config::Config;
use crate::export::{self, ExportError, atom};
use crate::exposure::{Limits, RateLimiter};
use crate::grpc::convert;
use crate::tls::HttpListener;
use axum::Router;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use perfusion_index::IndexStore;
use perfusion_proto::v1 as pb;
use sha2::{Digest, Sha256};

/// The longest query string accepted, in bytes.
const MAX_QUERY_BYTES: usize = 2048;

/// What the handlers read.
#[derive(Debug, Clone)]
pub struct HttpState {
    /// The index.
    pub store: IndexStore,
    /// The configuration (named calendars, refresh interval).
    pub config: Arc<Config>,
    /// What `/metrics` reports.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// The routes.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/calendar.ics", get(adhoc_calendar))
        .route("/calendars/{file}", get(named_calendar))
        .route("/feed.atom", get(feed))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// `router` behind the limits: rate, request target, headers, concurrency.
pub fn guarded(router: Router, limits: Limits) -> Router {
    let guard_state = Guard {
        limiter: RateLimiter::new(&limits),
        limits,
    };
    router
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.max_concurrent_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(guard_state, guard))
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    router: Router,
    listener: HttpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<PeerAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The address a request came from, for the rate limit.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, HttpListener>>
    for PeerAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, HttpListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

#[derive(Debug, Clone)]
struct Guard {
    limiter: RateLimiter,
    limits: Limits,
}

/// Refuses a request over the limits before any work is done for it.
async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let limits = &guard.limits;
    if let Some(ConnectInfo(PeerAddr(peer))) = request.extensions().get::<ConnectInfo<PeerAddr>>()
        && let Err(wait) = guard.limiter.check(peer.ip())
    {
        let mut response = plain(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "too many requests from {}: at most {} at once and {} a minute; try again in {} s",
                peer.ip(),
                limits.rate_burst,
                limits.rate_per_minute,
                wait.as_secs()
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        return response;
    }
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if target > limits.max_uri_bytes {
        return plain(
            StatusCode::URI_TOO_LONG,
            &format!(
                "the request target is {target} bytes; at most {} are accepted (the query string at most {MAX_QUERY_BYTES})",
                limits.max_uri_bytes
            ),
        );
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > limits.max_header_bytes {
        return plain(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            &format!(
                "the request's headers are {header_bytes} bytes; at most {} are accepted",
                limits.max_header_bytes
            ),
        );
    }
    next.run(request).await
}

async fn metrics(State(state): State<HttpState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn adhoc_calendar(
    State(state): State<HttpState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let filter = match filter_from_query(query.as_deref().unwrap_or("")) {
        Ok(filter) => filter,
        Err(message) => return bad_request(&message),
    };
    calendar_response(&state, None, &filter, &headers).await
}

async fn named_calendar(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(name) = file.strip_suffix(".ics") else {
        return not_found(&format!(
            "calendars are served as /calendars/{{name}}.ics, not /calendars/{file}"
        ));
    };
    calendar_response(
        &state,
        Some(name.to_owned()),
        &pb::SearchRequest::default(),
        &headers,
    )
    .await
}

async fn calendar_response(
    state: &HttpState,
    name: Option<String>,
    filter: &pb::SearchRequest,
    headers: &HeaderMap,
) -> Response {
    let store = state.store.clone();
    let config = Arc::clone(&state.config);
    let filter = filter.clone();
    let today = Utc::now().date_naive();
    let built = tokio::task::spawn_blocking(move || {
        export::calendar(&store, &config, name.as_deref(), &filter, today)
    })
    .await;
    match built {
        Ok(Ok(ics)) => cached(ics, "text/calendar; charset=utf-8", headers),
        Ok(Err(e)) => export_error(&e),
        Err(e) => internal(&e),
    }
}

async fn feed(
    State(state): State<HttpState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let raw = query.unwrap_or_default();
    let filter = match filter_from_query(&raw) {
        Ok(filter) => filter,
        Err(message) => return bad_request(&message),
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let self_url = if raw.is_empty() {
        format!("http://{host}/feed.atom")
    } else {
        format!("http://{host}/feed.atom?{raw}")
    };
    let store = state.store.clone();
    let today = Utc::now().date_naive();
    let built = tokio::task::spawn_blocking(move || {
        export::feed_items(&store, &filter, today).map(|items| {
            atom::write(
                &items,
                &atom::FeedOptions {
                    title: "Perfusion and ECMO events".to_owned(),
                    self_url,
                },
            )
        })
    })
    .await;
    match built {
        Ok(Ok(xml)) => cached(xml, "application/atom+xml; charset=utf-8", &headers),
        Ok(Err(e)) => export_error(&e),
        Err(e) => internal(&e),
    }
}

/// The search filter of a query string. Unknown parameters are refused,
/// so a typo (`kinds=`) is not silently a calendar of everything.
pub fn filter_from_query(query: &str) -> Result<pb::SearchRequest, String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query string is longer than {MAX_QUERY_BYTES} bytes"
        ));
    }
    let mut filter = pb::SearchRequest::default();
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "q" => filter.query = value.into_owned(),
            "kind" => {
                for kind in list(&value) {
                    let parsed: perfusion_index::ItemKind =
                        kind.parse().map_err(|e| format!("kind: {e}"))?;
                    filter.kinds.push(convert::kind_to_pb(parsed).into());
                }
            }
            "org" => filter.orgs.extend(list(&value)),
            "country" => filter.countries.extend(list(&value)),
            "mode" => {
                let mode: perfusion_index::Mode =
                    value.parse().map_err(|e| format!("mode: {e}"))?;
                filter.mode = convert::mode_to_pb(Some(mode)).into();
            }
            "from" => filter.from = value.into_owned(),
            "to" => filter.to = value.into_owned(),
            other => {
                return Err(format!(
                    "unknown parameter {other:?}; expected q, kind, org, country, mode, from, to"
                ));
            }
        }
    }
    Ok(filter)
}

/// A body with its ETag, or 304 when the client already has it.
fn cached(body: String, content_type: &'static str, request: &HeaderMap) -> Response {
    let digest = Sha256::digest(body.as_bytes());
    let etag = format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=900"),
    );
    response
}

fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    plain(StatusCode::BAD_REQUEST, message)
}

fn not_found(message: &str) -> Response {
    plain(StatusCode::NOT_FOUND, message)
}

fn export_error(e: &ExportError) -> Response {
    match e {
        ExportError::Invalid(message) => bad_request(message),
        ExportError::UnknownCalendar { .. } => not_found(&e.to_string()),
        ExportError::Index(_) => internal(e),
    }
}

fn internal(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "HTTP request failed");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the daemon's log",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_become_search_filters() {
        let f = filter_from_query(
            "q=ecmo&kind=course,webinar&org=ELSO&org=EuroELSO&country=de&from=2026-01-01",
        )
        .unwrap();
        assert_eq!(f.query, "ecmo");
        assert_eq!(
            f.kinds,
            [pb::ItemKind::Course as i32, pb::ItemKind::Webinar as i32]
        );
        assert_eq!(f.orgs, ["ELSO", "EuroELSO"]);
        assert_eq!(f.countries, ["de"]);
        assert_eq!(f.from, "2026-01-01");
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(
            filter_from_query("kinds=course").unwrap_err(),
            "unknown parameter \"kinds\"; expected q, kind, org, country, mode, from, to"
        );
        assert!(
            filter_from_query("kind=seminar")
                .unwrap_err()
                .starts_with("kind: unknown kind \"seminar\"")
        );
        assert!(
            filter_from_query(&"q=x&".repeat(600))
                .unwrap_err()
                .contains("longer than")
        );
    }
}
