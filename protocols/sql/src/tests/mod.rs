//! Engine tests through the public API: a session over an in-memory storage. (The SQL
//! corpora run through the real PostgreSQL listener in tests/e2e/sqllogic.rs.)

mod basics;
mod streaming;
mod features;
mod catalog;
mod mysql_sql;
mod mysql_decimals;
mod mysql_origin;
mod mysql_session;
mod mysql_temporal;
mod mysql_dml;
mod mysql_grouping;
mod mysql_alter;
mod graphrag;
mod vector;
