//! Helpers shared by the end-to-end tests: starting orbit-server on free ports, and
//! Redis helpers (raw RESP client, a real redis-server for differential tests), a real
//! MariaDB and the `mariadb` client, and the statement-by-statement MySQL differential harness.

pub mod mariadb;
pub mod mysql_diff;
pub mod redis;
pub mod server;
