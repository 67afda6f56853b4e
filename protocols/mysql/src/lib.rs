//! Orbit's MySQL listener. [`wire`] is the client/server protocol codec: framing,
//! handshake and authentication, commands, result sets and the binary protocol of
//! prepared statements.

pub mod wire;
