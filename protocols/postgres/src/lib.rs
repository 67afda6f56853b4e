//! Orbit's PostgreSQL wire listener: pgwire for the protocol, `orbit-sql` for the SQL.
//!
//! Modules: [`server`] (the [`PostgresListener`] on the listener kit's accept loop),
//! [`connection`] (one connection's read loop and dispatch), [`framing`] (bounded,
//! validated frames), [`handler`] (per-connection state: session, statements, portals),
//! [`startup`] (startup), [`auth`] (trust, password, md5, SCRAM-SHA-256), [`tls`],
//! [`limits`] (max_connections, idle-in-transaction), [`options`] (what the
//! configuration sets), [`simple`] and [`extended`] (the two query protocols),
//! [`encoding`] and [`types`] (values and type OIDs on the wire), [`cancel`]
//! (CancelRequest), [`error`] (SQLSTATE error responses).

pub mod auth;
pub mod cancel;
pub mod connection;
pub mod copy;
pub mod encoding;
pub mod error;
pub mod extended;
pub mod framing;
pub mod handler;
pub mod limits;
pub mod options;
pub mod server;
pub mod simple;
pub mod startup;
pub mod tls;
pub mod types;

pub use options::{AuthMethod, PostgresOptions, TlsFiles, TlsMode};
pub use server::PostgresListener;

#[cfg(test)]
mod vector_client_tests;
