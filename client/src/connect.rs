//! Reaching the daemon, and turning gRPC failures into advice and exit codes.

use perfusion_proto::v1::aggregator_service_client::AggregatorServiceClient as Client;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

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
    let endpoint = if addr.starts_with("https://") {
        endpoint
            .tls_config(tls_config()?)
            .map_err(|e| Failure::new(exit::USAGE, format!("TLS for {addr}: {e}")))?
    } else {
        endpoint
    };
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .map_err(|_| unreachable(&addr))?;
    Ok(Client::new(channel))
}

/// The environment variable naming a CA certificate (PEM) to trust for an
/// `https://` daemon, such as a self-signed one.
pub const CA_CERT_ENV: &str = "PERFUSION_CA_CERT";

/// TLS to an `https://` daemon: the system's roots, or only the CA in
/// `PERFUSION_CA_CERT` when it is set.
fn tls_config() -> Result<ClientTlsConfig, Failure> {
    match std::env::var_os(CA_CERT_ENV) {
        Some(path) => {
            let pem = std::fs::read(&path).map_err(|e| {
                Failure::new(
                    exit::USAGE,
                    format!("{CA_CERT_ENV}={}: cannot read: {e}", path.to_string_lossy()),
                )
            })?;
            Ok(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)))
        }
        None => Ok(ClientTlsConfig::new().with_native_roots()),
    }
}

fn unreachable(addr: &str) -> Failure {
    Failure::new(
        exit::UNREACHABLE,
        format!(
            "cannot reach perfusiond at {addr}; start it with `perfusiond` (or `cargo run --release -p perfusiond`), or point --addr / PERFUSION_ADDR at a running one"
        ),
    )
}

/// The metadata key the daemon puts its protocol version under.
const PROTOCOL_VERSION_KEY: &str = "perfusion-protocol-version";

/// The message of a call's response, after checking that the daemon speaks
/// this client's protocol; a failed call as advice and an exit code.
pub fn answer<T>(
    result: Result<tonic::Response<T>, tonic::Status>,
    addr: &str,
) -> Result<T, Failure> {
    let response = result.map_err(|s| classify(&s, addr))?;
    let theirs = response
        .metadata()
        .get(PROTOCOL_VERSION_KEY)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    let ours = perfusion_proto::PROTOCOL_VERSION;
    match theirs {
        Some(v) if v == ours => Ok(response.into_inner()),
        Some(v) => Err(Failure::new(
            exit::OTHER,
            format!(
                "perfusiond at {addr} speaks protocol {v}, this perfusion speaks {ours}: upgrade the {} one",
                if v > ours {
                    "client (perfusion)"
                } else {
                    "daemon (perfusiond)"
                }
            ),
        )),
        None => Err(Failure::new(
            exit::OTHER,
            format!("the server at {addr} did not say which protocol it speaks: is it perfusiond?"),
        )),
    }
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
        Code::Unauthenticated => Failure::new(
            exit::USAGE,
            format!(
                "the daemon refused: {}\nset PERFUSION_ADMIN_TOKEN (or pass --token) to the token perfusiond was started with",
                status.message()
            ),
        ),
        Code::ResourceExhausted => Failure::new(
            exit::OTHER,
            format!("the daemon is busy: {}", status.message()),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn response(version: Option<&str>) -> Result<tonic::Response<u8>, tonic::Status> {
        let mut r = tonic::Response::new(7);
        if let Some(v) = version {
            r.metadata_mut()
                .insert(PROTOCOL_VERSION_KEY, v.parse().unwrap());
        }
        Ok(r)
    }

    #[test]
    fn a_daemon_of_another_protocol_is_named_with_what_to_upgrade() {
        let ours = perfusion_proto::PROTOCOL_VERSION;
        assert_eq!(answer(response(Some(&ours.to_string())), "x").unwrap(), 7);
        let newer = answer(response(Some(&(ours + 1).to_string())), "http://d").unwrap_err();
        assert_eq!(newer.code, exit::OTHER);
        assert_eq!(
            newer.message,
            format!(
                "perfusiond at http://d speaks protocol {}, this perfusion speaks {ours}: upgrade the client (perfusion) one",
                ours + 1
            )
        );
        let none = answer(response(None), "http://d").unwrap_err();
        assert!(none.message.contains("did not say which protocol"));
    }
}
