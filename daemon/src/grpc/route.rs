//! The service's routes as served: `Search` answered with the bytes of its
//! encoded answer, which the index keeps with the answer itself, and every
//! other method by the generated server.
//!
//! Dashboards and calendars ask the same searches again and again; most
//! searches are answered from the answer kept since the last commit, and
//! converting its items to their wire messages and encoding them anew was
//! the larger part of what such a search cost the daemon.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{BufMut as _, Bytes};
use perfusion_proto::v1 as pb;
use perfusion_proto::v1::aggregator_service_server::AggregatorServiceServer;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::{Body, BoxFuture, Service, StdError, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Request, Response, Status};

use super::{AggregatorServiceImpl, MAX_REQUEST_BYTES, reply};

/// The path of the `Search` method.
const SEARCH: &str = "/perfusion.v1.AggregatorService/Search";

/// `perfusion.v1.AggregatorService`, with `Search` sent encoded.
#[derive(Debug, Clone)]
pub struct Routes {
    service: Arc<AggregatorServiceImpl>,
    generated: AggregatorServiceServer<AggregatorServiceImpl>,
}

impl Routes {
    /// The routes of `service`.
    pub fn new(service: AggregatorServiceImpl) -> Self {
        Self {
            service: Arc::new(service.clone()),
            generated: AggregatorServiceServer::new(service)
                .max_decoding_message_size(MAX_REQUEST_BYTES),
        }
    }
}

impl NamedService for Routes {
    const NAME: &'static str = <AggregatorServiceServer<AggregatorServiceImpl>>::NAME;
}

impl<B> Service<http::Request<B>> for Routes
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != SEARCH {
            return self.generated.call(request);
        }
        let method = SearchMethod(Arc::clone(&self.service));
        Box::pin(async move {
            let mut grpc =
                Grpc::new(SearchCodec).apply_max_message_size_config(Some(MAX_REQUEST_BYTES), None);
            Ok(grpc.unary(method, request).await)
        })
    }
}

/// `Search`, answering with the encoded `SearchResponse`.
struct SearchMethod(Arc<AggregatorServiceImpl>);

impl UnaryService<pb::SearchRequest> for SearchMethod {
    type Response = Bytes;
    type Future = BoxFuture<Response<Bytes>, Status>;

    fn call(&mut self, request: Request<pb::SearchRequest>) -> Self::Future {
        let service = Arc::clone(&self.0);
        Box::pin(async move {
            let page = service.search_page(request.into_inner()).await?;
            Ok(reply(service.search_encoded(&page)))
        })
    }
}

/// `Search`'s codec: the request decoded as the generated server decodes
/// it, the answer sent as the bytes it already is.
struct SearchCodec;

impl Codec for SearchCodec {
    type Encode = Bytes;
    type Decode = pb::SearchRequest;
    type Encoder = Encoded;
    type Decoder = tonic_prost::ProstDecoder<pb::SearchRequest>;

    fn encoder(&mut self) -> Self::Encoder {
        Encoded
    }

    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::default()
    }
}

/// Writes a message that is encoded already.
struct Encoded;

impl Encoder for Encoded {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}
