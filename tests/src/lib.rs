//! Helpers shared by the end-to-end tests: starting orbit-server on free ports.

pub mod server;
