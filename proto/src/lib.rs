//! The `perfusion.v1` gRPC contract of the perfusion events aggregator:
//! the generated messages, the `AggregatorService` client and server, and the
//! encoded file descriptor set for server reflection.
//!
//! Conversions between these messages and the domain model live in the
//! daemon (`perfusiond::grpc::convert`), so this crate stays generated code.

/// Generated code for `package perfusion.v1`.
pub mod v1 {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("perfusion.v1");
}

/// The encoded `FileDescriptorSet` of `perfusion/v1/*.proto` (with imports),
/// for `tonic-reflection`.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("perfusion_descriptor");

/// The version of the wire contract. It grows when the daemon and client
/// must be upgraded together.
pub const PROTOCOL_VERSION: u32 = 1;

pub use prost_types::Timestamp;
