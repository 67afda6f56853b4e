//! Orbit's Neo4j listener: the Bolt wire codec, the server's state machine ([`session`])
//! and the connection loop over the Cypher engine ([`server`]).
//!
//! A connection goes through [`handshake`] (magic, four version proposals, one answer),
//! then exchanges messages framed by [`chunking`]; each message body is one
//! [`packstream`] structure, which [`messages`] turns into a [`Request`] or builds from a
//! [`Response`]; [`structs`] types graph, temporal and spatial values per version,
//! [`convert`] moves them to and from the engine's values, and [`session`] decides which
//! requests a connection's state admits. [`server`] puts these together over a socket and
//! `orbit_cypher`'s engine traits. Every length read from the network is bounded and every
//! read goes through a checked cursor: bad input is a [`BoltError`], never a panic, and
//! the listener closes only that connection.

pub mod chunking;
pub mod convert;
pub mod error;
pub mod handshake;
pub mod messages;
pub mod packstream;
pub mod server;
pub mod session;
pub mod structs;

pub use chunking::ChunkDecoder;
pub use error::{BoltError, BoltResult};
pub use handshake::Version;
pub use messages::{Request, Response};
pub use packstream::{Dictionary, PackValue};
