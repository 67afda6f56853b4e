//! Helpers shared by the end-to-end tests: starting orbit-server on free ports, and
//! Redis helpers (raw RESP client, a real redis-server for differential tests).

pub mod redis;
pub mod server;
