//! The gRPC service, `perfusion.v1.AggregatorService`, with the standard
//! health service and server reflection (v1 and v1alpha, since common
//! grpcurl builds speak only v1alpha), so `grpcurl` works with no .proto
//! file at hand.
//!
//! Reading is open to anyone who can connect; RefreshSource, the one RPC
//! that makes the daemon do work on demand, needs the admin token when one
//! is set ([`crate::exposure`]). Every request passes a per-address rate
//! limit and a global concurrency limit first.

pub mod convert;
mod route;

use std::borrow::Borrow;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use perfusion_index::{Hits, IndexStore, Item};
use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_server::{AggregatorService, AggregatorServiceServer};
use prost::Message as _;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::export::{self, ExportError};
use crate::exposure::{ADMIN_TOKEN_ENV, AdminToken, Exposure, RateLimiter};
use crate::grpc::convert::PageToken;
use crate::metrics::Metrics;
use crate::runner::Runner;
use crate::searchers;
use crate::state::States;

/// Items a watcher's stream holds before its task waits for the client.
const WATCH_BUFFER: usize = 64;

/// The largest request a client may send.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The service over an index and the runner of its sources.
#[derive(Debug, Clone)]
pub struct AggregatorServiceImpl {
    store: IndexStore,
    runner: Arc<Runner>,
    metrics: Arc<Metrics>,
    admin: Option<AdminToken>,
}

impl AggregatorServiceImpl {
    /// A service answering from `store`, with the health of `runner`'s
    /// sources, counting into `metrics`.
    pub fn new(store: IndexStore, runner: Arc<Runner>, metrics: Arc<Metrics>) -> Self {
        Self {
            store,
            runner,
            metrics,
            admin: None,
        }
    }

    /// The same, with mutating RPCs needing `token` (none when `None`).
    #[must_use]
    pub fn with_admin_token(mut self, token: Option<AdminToken>) -> Self {
        self.admin = token;
        self
    }

    /// UNAUTHENTICATED unless the request carries the admin token (or none is set).
    fn check_admin<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let Some(token) = &self.admin else {
            return Ok(());
        };
        let sent = request.metadata().get("authorization");
        if token.admits(sent.and_then(|v| v.to_str().ok())) {
            return Ok(());
        }
        Err(Status::unauthenticated(format!(
            "this daemon needs its admin token to refresh sources: send the metadata \
             `authorization: Bearer <token>` (the perfusion CLI sends ${ADMIN_TOKEN_ENV} or --token){}",
            if sent.is_some() {
                "; the token sent is not the daemon's"
            } else {
                ""
            }
        )))
    }

    /// The page of hits a search asks for, from the answer kept since the
    /// last commit when there is one.
    async fn search_page(&self, req: pb::SearchRequest) -> Result<SearchPage, Status> {
        let query = convert::search_query(&req, Utc::now().date_naive())?;
        let store = self.store.clone();
        let (offset, limit) = (query.offset, query.limit);
        let clock = std::time::Instant::now();
        // A search asked again since the last commit is answered here; the
        // others go to a search thread, where one asked meanwhile by
        // another client may be kept by then.
        let (hits, kept) = match store.kept_answer(&query) {
            Some(hits) => (hits, true),
            None => searchers::run(move || store.answer(&query))
                .await
                .map_err(internal)?
                .map_err(internal)?,
        };
        self.metrics.searched(clock.elapsed().as_secs_f64(), kept);
        Ok(SearchPage {
            hits,
            offset,
            limit,
        })
    }

    /// A page of hits as the wire message, each item last seen when its
    /// sources' latest reads say.
    fn search_response(&self, page: &SearchPage) -> pb::SearchResponse {
        let SearchPage {
            hits,
            offset,
            limit,
        } = page;
        let full_page = hits.items.len() == *limit;
        let next_page_token = match hits.next_key {
            _ if !full_page => String::new(),
            Some(key) => convert::encode_page_token(PageToken::After(key)),
            None if ((offset + limit) as u64) < hits.total => {
                convert::encode_page_token(PageToken::Offset(offset + limit))
            }
            None => String::new(),
        };
        pb::SearchResponse {
            items: items_to_pb(self.runner.states(), &hits.items),
            total_hits: hits.total,
            next_page_token,
            facets: hits
                .facets
                .iter()
                .map(|(facet, value, count)| pb::FacetCount {
                    facet: facet.clone(),
                    value: value.clone(),
                    count: *count,
                })
                .collect(),
            snippets: hits
                .snippets
                .iter()
                .map(|(id, s)| (id.clone(), convert::snippet_to_pb(s.clone())))
                .collect(),
            typo_tolerant: hits.typo_tolerant,
        }
    }

    /// The page as its encoded wire message: the one kept with the hits
    /// when no source's latest read changed since it was encoded, so a
    /// search asked again costs no conversion and no encoding.
    fn search_encoded(&self, page: &SearchPage) -> Bytes {
        // Read before the states it versions (see `States::listed_version`).
        let version = self.runner.states().listed_version();
        if let Some(bytes) = page.hits.rendered.get(version) {
            return bytes;
        }
        let bytes = Bytes::from(self.search_response(page).encode_to_vec());
        page.hits.rendered.keep(version, bytes.clone());
        bytes
    }

    fn sources_status(&self, only: Option<&str>) -> Vec<pb::SourceStatus> {
        self.runner
            .config()
            .sources
            .iter()
            .filter(|s| only.is_none_or(|id| s.id == id))
            .map(|s| {
                let state = self.runner.states().get(&s.id);
                convert::source_status_to_pb(s, &state, self.runner.item_count(&s.id))
            })
            .collect()
    }
}

/// A page of hits, as a search asked for it.
struct SearchPage {
    hits: Arc<Hits>,
    offset: usize,
    limit: usize,
}

/// The metadata key of the wire contract's version, on every response.
pub const PROTOCOL_VERSION_KEY: &str = "perfusion-protocol-version";

/// A response carrying the protocol version, so a client can tell the user
/// when daemon and client disagree.
fn reply<T>(message: T) -> Response<T> {
    let mut response = Response::new(message);
    response.metadata_mut().insert(
        PROTOCOL_VERSION_KEY,
        tonic::metadata::MetadataValue::from(perfusion_proto::PROTOCOL_VERSION),
    );
    response
}

/// Items as their wire messages, each last seen when its sources' latest
/// reads say.
fn items_to_pb<I: Borrow<Item>>(states: &States, items: &[I]) -> Vec<pb::Item> {
    let seen = states.last_seen(items.iter().map(Borrow::borrow));
    items
        .iter()
        .zip(seen)
        .map(|(item, last_seen)| convert::item_to_pb(item.borrow(), last_seen))
        .collect()
}

fn internal(e: impl std::fmt::Display) -> Status {
    tracing::error!(error = %e, "request failed");
    Status::internal(e.to_string())
}

#[tonic::async_trait]
impl AggregatorService for AggregatorServiceImpl {
    async fn search(
        &self,
        request: Request<pb::SearchRequest>,
    ) -> Result<Response<pb::SearchResponse>, Status> {
        // The daemon serves Search with `route::Routes`, which sends the
        // same answer encoded once and kept (`search_encoded`).
        let page = self.search_page(request.into_inner()).await?;
        Ok(reply(self.search_response(&page)))
    }

    async fn get_item(
        &self,
        request: Request<pb::GetItemRequest>,
    ) -> Result<Response<pb::GetItemResponse>, Status> {
        let id = request.into_inner().id;
        if id.trim().is_empty() {
            return Err(Status::invalid_argument("id: is empty"));
        }
        match self.store.get(id.trim()).map_err(internal)? {
            Some(item) => Ok(reply(pb::GetItemResponse {
                item: items_to_pb(self.runner.states(), std::slice::from_ref(&item)).pop(),
            })),
            None => Err(Status::not_found(format!("no item has id {id:?}"))),
        }
    }

    async fn export_calendar(
        &self,
        request: Request<pb::ExportCalendarRequest>,
    ) -> Result<Response<pb::ExportCalendarResponse>, Status> {
        let req = request.into_inner();
        let name = Some(req.calendar_name).filter(|n| !n.is_empty());
        let filter = req.filter.unwrap_or_default();
        let store = self.store.clone();
        let runner = Arc::clone(&self.runner);
        let today = Utc::now().date_naive();
        let built = tokio::task::spawn_blocking(move || {
            export::calendar(&store, runner.config(), name.as_deref(), &filter, today)
        })
        .await
        .map_err(internal)?;
        match built {
            Ok(ics) => Ok(reply(pb::ExportCalendarResponse { ics })),
            Err(ExportError::Invalid(message)) => Err(Status::invalid_argument(message)),
            Err(e @ ExportError::UnknownCalendar { .. }) => Err(Status::not_found(e.to_string())),
            Err(e) => Err(internal(e)),
        }
    }

    async fn list_sources(
        &self,
        _request: Request<pb::ListSourcesRequest>,
    ) -> Result<Response<pb::ListSourcesResponse>, Status> {
        Ok(reply(pb::ListSourcesResponse {
            sources: self.sources_status(None),
        }))
    }

    async fn refresh_source(
        &self,
        request: Request<pb::RefreshSourceRequest>,
    ) -> Result<Response<pb::RefreshSourceResponse>, Status> {
        self.check_admin(&request)?;
        let id = request.into_inner().source_id;
        let id = id.trim();
        let reports = if id.is_empty() {
            self.runner.run_all().await
        } else {
            if self.runner.config().source(id).is_none() {
                let known: Vec<&str> = self
                    .runner
                    .config()
                    .sources
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect();
                return Err(Status::not_found(format!(
                    "no source has id {id:?}; configured: {}",
                    known.join(", ")
                )));
            }
            match self.runner.run_source(id).await {
                Some(report) => vec![report],
                None => {
                    return Err(Status::aborted(format!(
                        "a run of {id} is already going (or the daemon is stopping); try again when it ends"
                    )));
                }
            }
        };
        let runs: Vec<pb::SourceRun> = reports.iter().map(convert::run_to_pb).collect();
        let sources = reports
            .iter()
            .flat_map(|r| self.sources_status(Some(&r.source_id)))
            .collect();
        Ok(reply(pb::RefreshSourceResponse { sources, runs }))
    }

    type WatchItemsStream = ReceiverStream<Result<pb::WatchItemsResponse, Status>>;

    async fn watch_items(
        &self,
        request: Request<pb::WatchItemsRequest>,
    ) -> Result<Response<Self::WatchItemsStream>, Status> {
        let filter = request.into_inner().filter.unwrap_or_default();
        // Validated now, so a bad filter fails the call, not the stream.
        convert::search_query(&filter, Utc::now().date_naive())?;
        let mut changes = self.runner.changes();
        let store = self.store.clone();
        let states = self.runner.states().clone();
        let (tx, rx) = tokio::sync::mpsc::channel(WATCH_BUFFER);
        tokio::spawn(async move {
            loop {
                let ids = match changes.recv().await {
                    Ok(ids) => ids,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        // This watcher read too slowly; ingest went on.
                        tracing::warn!(missed, "a watcher fell behind; some changes were not sent");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let Ok(mut query) = convert::search_query(&filter, Utc::now().date_naive()) else {
                    break;
                };
                query.ids = ids.to_vec();
                query.limit = ids.len().max(1);
                let store = store.clone();
                let found = searchers::run(move || store.search(&query)).await;
                let items = match found {
                    Ok(Ok(hits)) => hits.items,
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "watch search failed");
                        continue;
                    }
                    Err(_) => break,
                };
                for item in items_to_pb(&states, &items) {
                    let message = pb::WatchItemsResponse { item: Some(item) };
                    if tx.send(Ok(message)).await.is_err() {
                        return; // The client went away.
                    }
                }
            }
        });
        Ok(reply(ReceiverStream::new(rx)))
    }
}

/// Serves the service, health and reflection on `listener` until
/// `shutdown` completes, with the TLS and limits of `exposure` (the admin
/// token is the service's, [`AggregatorServiceImpl::with_admin_token`]).
pub async fn serve(
    service: AggregatorServiceImpl,
    listener: TcpListener,
    exposure: &Exposure,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<AggregatorServiceServer<AggregatorServiceImpl>>()
        .await;
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(perfusion_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;
    let limits = exposure.limits;
    let limiter = RateLimiter::new(&limits);
    let rate_limit = move |request: Request<()>| -> Result<Request<()>, Status> {
        // Without a peer address (never over TCP) there is nothing to key on.
        let Some(peer) = request.remote_addr() else {
            return Ok(request);
        };
        match limiter.check(peer.ip()) {
            Ok(()) => Ok(request),
            Err(wait) => Err(Status::resource_exhausted(format!(
                "too many requests from {}: at most {} at once and {} a minute; try again in {} s",
                peer.ip(),
                limits.rate_burst,
                limits.rate_per_minute,
                wait.as_secs()
            ))),
        }
    };
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = &exposure.tls {
        builder = builder.tls_config(tls.grpc())?;
    }
    builder
        .http2_max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.max_concurrent_requests,
        ))
        .layer(tonic::service::InterceptorLayer::new(rate_limit))
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(route::Routes::new(service))
        // TCP_NODELAY on every connection: without it a response written
        // in more than one segment waits for the client's delayed ACK
        // (40 ms on Linux). The builder's own `tcp_nodelay` is ignored by
        // `serve_with_incoming`, so the incoming stream sets it.
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await?;
    Ok(())
}
