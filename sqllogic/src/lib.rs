//! sqllogictest for Orbit's PostgreSQL listener.
//!
//! - [`runner`]: runs .slt files through any PostgreSQL-protocol server, a fresh database
//!   per file, counting passing records instead of stopping at the first failure.
//! - [`db`]: the sqllogictest connection (tokio-postgres, simple query protocol).
//! - [`mysqldb`]: the same over the MySQL protocol (mysql_async), for `--engine mysql`.
//! - [`realpg`]: a throwaway real PostgreSQL 15 that the expected results come from.
//! - [`complete`]: completion mode, writing query results from the real server.
//! - [`baseline`]: the per-file pass-count ratchet for Orbit.

pub mod baseline;
pub mod complete;
pub mod db;
pub mod mysqldb;
pub mod realpg;
pub mod runner;

pub use realpg::RealPostgres;
pub use runner::{
    files_in, run_file, run_file_with, run_files, run_files_blocking, totals, totals_line, Engine, FileReport,
    RunOptions, Totals,
};
