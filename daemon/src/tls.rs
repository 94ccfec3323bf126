//! Optional TLS for both servers (`--tls-cert`, `--tls-key`), with rustls
//! and the aws-lc-rs provider the fetcher's reqwest already uses.
//!
//! The PEM files are read and checked once at start, so a wrong path, a key
//! that is not a key or a pair that does not match stops the daemon with a
//! message naming the file, rather than failing every handshake later.
//! gRPC hands the PEM to tonic; HTTP wraps its listener in
//! [`TlsListener`], which runs each handshake in its own task so a slow or
//! silent client never holds up the others.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client gets to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshaken connections waiting for the HTTP server to take them.
const ACCEPT_QUEUE: usize = 64;

/// A certificate chain and its key, read and checked.
#[derive(Clone)]
pub struct TlsFiles {
    /// The certificate chain, PEM.
    pub cert_pem: Vec<u8>,
    /// The private key, PEM.
    pub key_pem: Vec<u8>,
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsFiles(..)")
    }
}

impl TlsFiles {
    /// Reads `cert` and `key` (PEM) and checks that they make a server
    /// identity; the error names the file at fault.
    pub fn load(cert: &Path, key: &Path) -> Result<Self, String> {
        Self::from_pem(
            read(cert, "--tls-cert")?,
            read(key, "--tls-key")?,
            cert,
            key,
        )
    }

    /// The same from PEM already in memory; `cert` and `key` name them in errors.
    pub fn from_pem(
        cert_pem: Vec<u8>,
        key_pem: Vec<u8>,
        cert: &Path,
        key: &Path,
    ) -> Result<Self, String> {
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("--tls-cert {}: not a PEM certificate: {e}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!(
                "--tls-cert {}: holds no certificate (expected -----BEGIN CERTIFICATE-----)",
                cert.display()
            ));
        }
        let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            format!(
                "--tls-key {}: not a PEM private key (PKCS#8, PKCS#1 or SEC1): {e}",
                key.display()
            )
        })?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        // tonic builds its own rustls config from the process's provider.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| {
                format!(
                    "--tls-cert {} and --tls-key {} do not make a server identity: {e}",
                    cert.display(),
                    key.display()
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            cert_pem,
            key_pem,
            config: Arc::new(config),
        })
    }

    /// tonic's server TLS settings for this identity.
    pub fn grpc(&self) -> tonic::transport::ServerTlsConfig {
        tonic::transport::ServerTlsConfig::new().identity(tonic::transport::Identity::from_pem(
            &self.cert_pem,
            &self.key_pem,
        ))
    }
}

fn read(path: &Path, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{flag} {}: cannot read: {e}", path.display()))
}

/// Which paths the user gave, both or neither.
pub fn paths(
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<Option<(PathBuf, PathBuf)>, String> {
    match (cert, key) {
        (Some(c), Some(k)) => Ok(Some((c, k))),
        (None, None) => Ok(None),
        (Some(_), None) => Err("--tls-cert needs --tls-key (both or neither)".to_owned()),
        (None, Some(_)) => Err("--tls-key needs --tls-cert (both or neither)".to_owned()),
    }
}

/// The HTTP server's listener: plain TCP, or TLS over it.
#[derive(Debug)]
pub enum HttpListener {
    /// Plain HTTP.
    Plain(TcpListener),
    /// HTTPS: connections arrive already handshaken.
    Tls {
        /// Where it listens.
        local: SocketAddr,
        /// Handshaken connections from the accepting task.
        ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
        /// The accepting task, stopped when the listener is dropped.
        task: tokio::task::JoinHandle<()>,
    },
}

impl Drop for HttpListener {
    fn drop(&mut self) {
        if let Self::Tls { task, .. } = self {
            task.abort();
        }
    }
}

impl HttpListener {
    /// `listener`, with TLS when `tls` is given.
    pub fn new(listener: TcpListener, tls: Option<&TlsFiles>) -> std::io::Result<Self> {
        let Some(tls) = tls else {
            return Ok(Self::Plain(listener));
        };
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::clone(&tls.config));
        let (tx, ready) = mpsc::channel(ACCEPT_QUEUE);
        let mut listener = listener;
        let task = tokio::spawn(async move {
            loop {
                // axum's own accept, which rides out transient errors
                // (out of descriptors and the like).
                let (tcp, peer) = axum::serve::Listener::accept(&mut listener).await;
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self::Tls { local, ready, task })
    }
}

/// A connection of [`HttpListener`].
pub type HttpIo = tokio_util::either::Either<TcpStream, TlsStream<TcpStream>>;

impl axum::serve::Listener for HttpListener {
    type Io = HttpIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self {
            Self::Plain(listener) => {
                // axum's own accept, which rides out transient errors.
                let (tcp, peer) = axum::serve::Listener::accept(listener).await;
                (tokio_util::either::Either::Left(tcp), peer)
            }
            Self::Tls { ready, .. } => match ready.recv().await {
                Some((tls, peer)) => (tokio_util::either::Either::Right(tls), peer),
                // The accepting task never ends while the listener lives.
                None => std::future::pending().await,
            },
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        match self {
            Self::Plain(listener) => listener.local_addr(),
            Self::Tls { local, .. } => Ok(*local),
        }
    }
}
