//! perfusiond: the events aggregator of the perfusion and ECMO community.
//!
//! # Architecture
//!
//! ```text
//! sources.toml ─► config ─► scheduler ─► fetch ─► extract ─► normalize ─► index_task
//!                                                                            │
//!                         perfusion CLI, other services ◄── grpc ◄── index ◄─┘
//! ```
//!
//! - [`config`] validates `sources.toml`, reporting every problem with its
//!   file, line and column;
//! - [`fetch`] gets pages over HTTP or from a recorded archive;
//! - [`extract`] reads raw items out of each format;
//! - [`normalize`] turns them into items: kind, status, dates, place, id;
//! - [`runner`] runs a source end to end, isolated from the others, and
//!   [`scheduler`] runs each on its cron schedule;
//! - [`index_task`] owns the index's single writer;
//! - [`grpc`] serves `perfusion.v1.AggregatorService`, computing searches
//!   on the [`searchers`] threads;
//! - [`export`] writes iCalendar and Atom, which [`http`] serves;
//! - [`exposure`] and [`tls`] guard both servers: admin token, limits, TLS;
//! - [`os`] gives freed memory back and runs ingest below serving.

pub mod config;
pub mod daemon;
pub mod dates;
pub mod export;
pub mod exposure;
pub mod extract;
pub mod fetch;
pub mod grpc;
pub mod http;
pub mod index_task;
pub mod metrics;
pub mod normalize;
pub mod os;
pub mod runner;
pub mod scheduler;
pub mod searchers;
pub mod state;
pub mod tls;

pub use daemon::{Daemon, Options};
