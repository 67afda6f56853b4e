//! The generic server responses: OK, ERR and EOF packets, the end-of-result-set marker
//! (EOF, or an OK with the 0xFE header for CLIENT_DEPRECATE_EOF clients) and
//! COM_STMT_PREPARE's first packet.

use super::codec::{put_lenenc_bytes, put_lenenc_int, put_u16, put_u32};
use super::consts::{CLIENT_DEPRECATE_EOF, CLIENT_PROTOCOL_41, CLIENT_TRANSACTIONS};

pub const OK_HEADER: u8 = 0x00;
pub const EOF_HEADER: u8 = 0xFE;
pub const ERR_HEADER: u8 = 0xFF;

/// Protocol::OK_Packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OkPacket {
    pub affected_rows: u64,
    pub last_insert_id: u64,
    pub status: u16,
    pub warnings: u16,
    /// Human-readable information ("Rows matched: 1  Changed: 1  Warnings: 0").
    pub info: String,
}

impl OkPacket {
    /// An OK packet (header 0x00) for a client with capabilities `caps`.
    pub fn encode(&self, caps: u32) -> Vec<u8> {
        self.encode_with_header(OK_HEADER, caps)
    }

    /// The OK packet that ends a result set for a CLIENT_DEPRECATE_EOF client (header 0xFE).
    pub fn encode_as_eof(&self, caps: u32) -> Vec<u8> {
        self.encode_with_header(EOF_HEADER, caps)
    }

    fn encode_with_header(&self, header: u8, caps: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.info.len());
        out.push(header);
        put_lenenc_int(&mut out, self.affected_rows);
        put_lenenc_int(&mut out, self.last_insert_id);
        if caps & CLIENT_PROTOCOL_41 != 0 {
            put_u16(&mut out, self.status);
            put_u16(&mut out, self.warnings);
        } else if caps & CLIENT_TRANSACTIONS != 0 {
            put_u16(&mut out, self.status);
        }
        // As MySQL's server writes it: the info, length-encoded, only when there is some
        // (no session-state information is ever sent).
        if !self.info.is_empty() {
            put_lenenc_bytes(&mut out, self.info.as_bytes());
        }
        out
    }
}

/// Protocol::ERR_Packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrPacket {
    pub code: u16,
    pub sql_state: [u8; 5],
    pub message: String,
}

impl ErrPacket {
    /// An error with SQLSTATE `sql_state`; anything but five ASCII alphanumerics becomes
    /// the generic "HY000".
    pub fn new(code: u16, sql_state: &str, message: impl Into<String>) -> Self {
        let state = <[u8; 5]>::try_from(sql_state.as_bytes())
            .ok()
            .filter(|s| s.iter().all(u8::is_ascii_alphanumeric))
            .unwrap_or(*b"HY000");
        ErrPacket { code, sql_state: state, message: message.into() }
    }

    pub fn encode(&self, caps: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.message.len());
        out.push(ERR_HEADER);
        put_u16(&mut out, self.code);
        if caps & CLIENT_PROTOCOL_41 != 0 {
            out.push(b'#');
            out.extend_from_slice(&self.sql_state);
        }
        out.extend_from_slice(self.message.as_bytes());
        out
    }
}

/// Protocol::EOF_Packet (clients without CLIENT_DEPRECATE_EOF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EofPacket {
    pub warnings: u16,
    pub status: u16,
}

impl EofPacket {
    pub fn encode(&self, caps: u32) -> Vec<u8> {
        let mut out = vec![EOF_HEADER];
        if caps & CLIENT_PROTOCOL_41 != 0 {
            put_u16(&mut out, self.warnings);
            put_u16(&mut out, self.status);
        }
        out
    }
}

/// The packet after the last row of a result set: an OK with the 0xFE header for
/// CLIENT_DEPRECATE_EOF clients, an EOF packet for the others.
pub fn end_of_resultset(caps: u32, status: u16, warnings: u16) -> Vec<u8> {
    if caps & CLIENT_DEPRECATE_EOF != 0 {
        OkPacket { status, warnings, ..OkPacket::default() }.encode_as_eof(caps)
    } else {
        EofPacket { warnings, status }.encode(caps)
    }
}

/// COM_STMT_PREPARE_OK: followed by `num_params` parameter definitions and `num_columns`
/// column definitions (each group ended by an EOF for clients without
/// CLIENT_DEPRECATE_EOF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StmtPrepareOk {
    pub statement_id: u32,
    pub num_columns: u16,
    pub num_params: u16,
    pub warnings: u16,
}

impl StmtPrepareOk {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12);
        out.push(OK_HEADER);
        put_u32(&mut out, self.statement_id);
        put_u16(&mut out, self.num_columns);
        put_u16(&mut out, self.num_params);
        out.push(0);
        put_u16(&mut out, self.warnings);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::consts::{SERVER_STATUS_AUTOCOMMIT, SERVER_STATUS_IN_TRANS};

    const CAPS: u32 = CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS;

    #[test]
    fn ok_packet_documented_vector() {
        // The OK_Packet example of the MySQL documentation: 07 00 00 02 00 00 00 02 00 00 00.
        let ok = OkPacket { status: SERVER_STATUS_AUTOCOMMIT, ..OkPacket::default() };
        assert_eq!(ok.encode(CAPS), [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
        let mut framed = Vec::new();
        crate::wire::packet::encode_packet(&mut framed, 2, &ok.encode(CAPS));
        assert_eq!(framed, [0x07, 0, 0, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
    }

    #[test]
    fn ok_packet_with_counts_and_info() {
        let ok = OkPacket {
            affected_rows: 300,
            last_insert_id: 7,
            status: SERVER_STATUS_IN_TRANS,
            warnings: 1,
            info: "Rows matched: 1".into(),
        };
        let mut expected = vec![0x00, 0xFC, 0x2C, 0x01, 0x07, 0x01, 0x00, 0x01, 0x00, 15];
        expected.extend_from_slice(b"Rows matched: 1");
        assert_eq!(ok.encode(CAPS), expected);
        expected[0] = 0xFE;
        assert_eq!(ok.encode_as_eof(CAPS), expected);
        // A pre-4.1 client with transactions gets the status and no warnings.
        assert_eq!(OkPacket::default().encode(CLIENT_TRANSACTIONS), [0, 0, 0, 0, 0]);
    }

    #[test]
    fn err_packet_documented_vector() {
        // The ERR_Packet example of the MySQL documentation:
        // 17 00 00 01 ff 48 04 23 48 59 30 30 30 4e 6f 20 74 61 62 6c 65 73 20 75 73 65 64
        let err = ErrPacket::new(1096, "HY000", "No tables used");
        let mut framed = Vec::new();
        crate::wire::packet::encode_packet(&mut framed, 1, &err.encode(CAPS));
        assert_eq!(
            framed,
            [
                0x17, 0x00, 0x00, 0x01, 0xff, 0x48, 0x04, 0x23, 0x48, 0x59, 0x30, 0x30, 0x30, 0x4e, 0x6f, 0x20, 0x74,
                0x61, 0x62, 0x6c, 0x65, 0x73, 0x20, 0x75, 0x73, 0x65, 0x64
            ]
        );
        assert_eq!(ErrPacket::new(1, "bad", "m").sql_state, *b"HY000");
        assert_eq!(ErrPacket::new(1, "42S02", "m").sql_state, *b"42S02");
        assert_eq!(ErrPacket::new(1096, "HY000", "x").encode(0), [0xff, 0x48, 0x04, b'x']);
    }

    #[test]
    fn eof_and_end_of_resultset() {
        // The EOF_Packet example: 05 00 00 05 fe 00 00 02 00.
        assert_eq!(
            EofPacket { warnings: 0, status: SERVER_STATUS_AUTOCOMMIT }.encode(CAPS),
            [0xfe, 0x00, 0x00, 0x02, 0x00]
        );
        assert_eq!(end_of_resultset(CAPS, 2, 0), [0xfe, 0, 0, 2, 0]);
        assert_eq!(end_of_resultset(CAPS | CLIENT_DEPRECATE_EOF, 2, 1), [0xfe, 0, 0, 2, 0, 1, 0]);
    }

    #[test]
    fn stmt_prepare_ok_layout() {
        // The COM_STMT_PREPARE_OK example: statement 1, 1 column, 2 params.
        let ok = StmtPrepareOk { statement_id: 1, num_columns: 1, num_params: 2, warnings: 0 };
        assert_eq!(ok.encode(), [0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00]);
    }
}
