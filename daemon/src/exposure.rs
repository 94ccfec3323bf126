//! What the daemon does about the strangers who can reach it: the admin
//! token that guards mutating RPCs, the refusal to listen beyond loopback
//! without one, and the request limits (concurrency, rate, sizes) that the
//! gRPC and HTTP servers apply. TLS lives in [`crate::tls`].
//!
//! The defaults never bother a real user: a perfusionist searching by hand
//! or a calendar app refreshing every few hours sends a few requests a
//! minute; the limits are there so one stranger cannot take the daemon's
//! two cores, not to meter anyone.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::tls::TlsFiles;

/// The environment variable holding the admin token, on the daemon and on
/// the CLI alike.
pub const ADMIN_TOKEN_ENV: &str = "PERFUSION_ADMIN_TOKEN";

/// How the servers face the network: admin token, TLS, limits.
#[derive(Debug, Clone, Default)]
pub struct Exposure {
    /// The bearer token mutating RPCs need; `None` leaves them open (loopback only).
    pub admin_token: Option<AdminToken>,
    /// Certificate and key for gRPC and HTTP; `None` serves plain text.
    pub tls: Option<TlsFiles>,
    /// Request limits.
    pub limits: Limits,
}

/// The request limits of the public endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests served at once per server (gRPC, HTTP); more wait their turn.
    pub max_concurrent_requests: usize,
    /// Requests one client address may send in a burst.
    pub rate_burst: u32,
    /// Requests per minute one client address gets back after a burst; 0
    /// turns the per-address limit off (`--rate-limit 0`).
    pub rate_per_minute: u32,
    /// The most bytes of request headers (names and values) accepted.
    pub max_header_bytes: usize,
    /// The longest HTTP request target (path and query string), in bytes.
    pub max_uri_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent_requests: 64,
            // A CLI session, a page of calendar subscriptions or a script
            // paging through every result fits in a burst of 300, and 600 a
            // minute sustained is ten a second per address.
            rate_burst: 300,
            rate_per_minute: 600,
            max_header_bytes: 16 * 1024,
            max_uri_bytes: 4096,
        }
    }
}

/// The admin token, compared in constant time.
#[derive(Clone)]
pub struct AdminToken(Arc<[u8; 32]>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

impl AdminToken {
    /// A token from its text; `None` when it is empty or only spaces.
    pub fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        (!token.is_empty()).then(|| Self(Arc::new(Sha256::digest(token.as_bytes()).into())))
    }

    /// Whether `candidate` is the token. Both sides are hashed first and
    /// the digests compared without an early exit, so neither the length
    /// nor the first wrong byte of a guess shows in the time taken.
    pub fn matches(&self, candidate: &str) -> bool {
        let theirs: [u8; 32] = Sha256::digest(candidate.trim().as_bytes()).into();
        self.0
            .iter()
            .zip(theirs.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// Whether an `authorization` header value carries the token.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .is_some_and(|t| self.matches(t))
    }
}

/// Refuses addresses beyond loopback when no admin token is set: anyone on
/// the network could otherwise make the daemon fetch every source at will.
pub fn check_listen_addrs(
    addrs: &[(&str, SocketAddr)],
    token: Option<&AdminToken>,
) -> Result<(), String> {
    if token.is_some() {
        return Ok(());
    }
    match addrs.iter().find(|(_, a)| !a.ip().is_loopback()) {
        Some((flag, addr)) => Err(format!(
            "{flag} {addr} is not a loopback address: set {ADMIN_TOKEN_ENV} to a secret token \
             (refresh will then need it) or listen on 127.0.0.1 / [::1]"
        )),
        None => Ok(()),
    }
}

/// A token bucket per client address: `burst` requests at once, refilled
/// at `per_minute`. Full buckets are forgotten when the map grows, so a
/// crowd of addresses costs memory only while it is sending.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    /// False when the limit is off: every request passes, untracked.
    on: bool,
    burst: f64,
    per_second: f64,
    buckets: Arc<Mutex<HashMap<IpAddr, Bucket>>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Addresses tracked before full buckets are dropped.
const MAX_TRACKED: usize = 4096;

impl RateLimiter {
    /// A limiter with the rate of `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            on: limits.rate_per_minute > 0,
            burst: f64::from(limits.rate_burst.max(1)),
            per_second: f64::from(limits.rate_per_minute.max(1)) / 60.0,
            buckets: Arc::default(),
        }
    }

    /// Takes one request from `ip`'s bucket; when it is empty, how long
    /// until the next request is allowed.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if !self.on {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&ip) {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = now.duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refilled).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_of_zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(&Limits {
            rate_burst: 1,
            rate_per_minute: 0,
            ..Limits::default()
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..10_000 {
            assert_eq!(limiter.check(ip), Ok(()));
        }
    }

    #[test]
    fn the_token_is_admitted_only_whole_and_as_bearer() {
        let token = AdminToken::new("s3cret-token").unwrap();
        assert!(token.admits(Some("Bearer s3cret-token")));
        assert!(!token.admits(Some("Bearer s3cret")));
        assert!(!token.admits(Some("Bearer s3cret-token-and-more")));
        assert!(!token.admits(Some("s3cret-token")));
        assert!(!token.admits(Some("Basic s3cret-token")));
        assert!(!token.admits(None));
        assert!(AdminToken::new("  ").is_none());
    }

    #[test]
    fn beyond_loopback_needs_a_token() {
        let lo: SocketAddr = "127.0.0.1:50051".parse().unwrap();
        let lo6: SocketAddr = "[::1]:8080".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert!(check_listen_addrs(&[("--grpc-addr", lo), ("--http-addr", lo6)], None).is_ok());
        let err =
            check_listen_addrs(&[("--grpc-addr", lo), ("--http-addr", any)], None).unwrap_err();
        assert!(
            err.starts_with("--http-addr 0.0.0.0:8080 is not a loopback address"),
            "{err}"
        );
        assert!(err.contains("PERFUSION_ADMIN_TOKEN"));
        let token = AdminToken::new("t");
        assert!(check_listen_addrs(&[("--http-addr", any)], token.as_ref()).is_ok());
    }

    #[test]
    fn a_burst_is_served_then_the_address_waits_and_others_do_not() {
        let limiter = RateLimiter::new(&Limits {
            rate_burst: 3,
            rate_per_minute: 1,
            ..Limits::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.check(a), Ok(()));
        }
        let wait = limiter.check(a).unwrap_err();
        // One request a minute: the next one is about a minute away.
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert_eq!(limiter.check(b), Ok(()));
    }
}
