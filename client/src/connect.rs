//! Reaching the daemon, and turning gRPC failures into advice and exit codes.

use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient as Client;
use tonic::transport::{Channel, Endpoint};

use crate::exit;

/// A failure the user is told about, with the exit code it gives.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong and what to do.
    pub message: String,
    /// The process's exit code.
    pub code: u8,
}

impl Failure {
    /// A failure with this message and exit code.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }
}

/// A client connected to the daemon at `addr`.
pub async fn client(addr: &str) -> Result<Client<Channel>, Failure> {
    let addr = if addr.contains("://") {
        addr.to_owned()
    } else {
        format!("http://{addr}")
    };
    let endpoint = Endpoint::from_shared(addr.clone()).map_err(|e| {
        Failure::new(
            exit::USAGE,
            format!("--addr {addr:?} is not a valid address: {e}"),
        )
    })?;
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .map_err(|_| unreachable(&addr))?;
    Ok(Client::new(channel))
}

fn unreachable(addr: &str) -> Failure {
    Failure::new(
        exit::UNREACHABLE,
        format!(
            "cannot reach perfusiond at {addr}; start it with `perfusiond` (or `cargo run --release -p perfusiond`), or point --addr / PERFUSION_ADDR at a running one"
        ),
    )
}

/// A failed call as advice and an exit code.
pub fn classify(status: &tonic::Status, addr: &str) -> Failure {
    use tonic::Code;
    match status.code() {
        Code::InvalidArgument => Failure::new(
            exit::USAGE,
            format!("invalid request: {}", status.message()),
        ),
        Code::NotFound => Failure::new(exit::NOTHING, status.message().to_owned()),
        Code::Unavailable => unreachable(addr),
        Code::Unimplemented => Failure::new(
            exit::OTHER,
            format!("the daemon does not support this yet: {}", status.message()),
        ),
        Code::DeadlineExceeded => Failure::new(exit::OTHER, "the daemon took too long to answer"),
        _ => Failure::new(
            exit::OTHER,
            format!("the daemon failed: {}", status.message()),
        ),
    }
}
