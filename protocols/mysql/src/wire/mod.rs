//! The MySQL client/server protocol (protocol 10, CLIENT_PROTOCOL_41), server side.
//!
//! - [`packet`]: framing into logical payloads, bounded by max_allowed_packet.
//! - [`codec`]: length-encoded integers and strings, and the checked [`Cursor`] every
//!   parser reads network input through.
//! - [`handshake`] and [`auth`]: the greeting, the client's response (or SSLRequest),
//!   auth switching, and mysql_native_password / caching_sha2_password.
//! - [`command`]: the command phase's packets; [`binary_params`]: COM_STMT_EXECUTE's
//!   parameters.
//! - [`response`], [`resultset`]: OK / ERR / EOF, column definitions and rows (text and
//!   binary); [`value`]: the binary protocol's values.
//!
//! Nothing here does I/O except [`PacketReader`] / [`PacketWriter`]; a connection reads a
//! payload, parses it with these types, and writes the encoded answers with sequence ids
//! following the request's.

pub mod auth;
pub mod binary_params;
pub mod codec;
pub mod command;
pub mod consts;
pub mod error;
pub mod handshake;
pub mod packet;
pub mod response;
pub mod resultset;
pub mod value;

#[cfg(any(test, feature = "client"))]
pub mod client;
#[cfg(test)]
pub(crate) mod test_rng;

pub use binary_params::{decode_execute_params, ParamType};
pub use codec::Cursor;
pub use command::{ChangeUser, Command};
pub use consts::ColumnType;
pub use error::{PacketError, WireError};
pub use handshake::{
    parse_auth_switch_response, random_scramble, AuthMoreData, AuthSwitchRequest, ClientHello, HandshakeResponse,
    HandshakeV10, SslRequest,
};
pub use packet::{Framer, PacketReader, PacketWriter, DEFAULT_MAX_ALLOWED_PACKET};
pub use response::{end_of_resultset, EofPacket, ErrPacket, OkPacket, StmtPrepareOk};
pub use resultset::{column_count, encode_binary_row, encode_text_row, ColumnDef};
pub use value::WireValue;
