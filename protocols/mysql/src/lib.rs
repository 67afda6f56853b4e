//! Orbit's MySQL listener: MySQL 8 clients (the `mysql`/`mariadb` CLI, PyMySQL,
//! mysql-connector-python, mysql_async, sqlx, Connector/J, sysbench) against the shared
//! SQL engine in its MySQL dialect.
//!
//! - [`wire`]: our own codec of the client/server protocol (framing bounded by
//!   max_allowed_packet, handshake, auth, commands, text and binary result sets).
//! - `server`: the listener (engine, accounts, TLS, accept loop); `connection`: one
//!   client, the command phase; `handshake`: greeting and authentication;
//!   `statements`: prepared statements; `values`: engine values and types in MySQL's
//!   terms; `column_defs`: result-set column definitions (names, types, flags); `errors`: engine errors → MySQL error numbers, in one place; `accounts`:
//!   who may log in.

pub mod wire;

mod accounts;
mod column_defs;
mod connection;
mod errors;
mod handshake;
mod options;
mod server;
mod statements;
mod values;

pub use handshake::SERVER_VERSION;
pub use options::MysqlOptions;
pub use server::MysqlListener;

#[cfg(test)]
mod cli_tests;
#[cfg(test)]
mod graphrag_cli_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod limits_tests;
