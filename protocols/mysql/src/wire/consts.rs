//! Numeric constants of the protocol: capability and status flags, column types and
//! flags, command bytes, character set ids, and the error codes the codec's callers need.

// ---- Capability flags (the client's and the server's `capabilities`).
pub const CLIENT_LONG_PASSWORD: u32 = 1;
pub const CLIENT_FOUND_ROWS: u32 = 1 << 1;
pub const CLIENT_LONG_FLAG: u32 = 1 << 2;
pub const CLIENT_CONNECT_WITH_DB: u32 = 1 << 3;
pub const CLIENT_NO_SCHEMA: u32 = 1 << 4;
pub const CLIENT_COMPRESS: u32 = 1 << 5;
pub const CLIENT_ODBC: u32 = 1 << 6;
pub const CLIENT_LOCAL_FILES: u32 = 1 << 7;
pub const CLIENT_IGNORE_SPACE: u32 = 1 << 8;
pub const CLIENT_PROTOCOL_41: u32 = 1 << 9;
pub const CLIENT_INTERACTIVE: u32 = 1 << 10;
pub const CLIENT_SSL: u32 = 1 << 11;
pub const CLIENT_IGNORE_SIGPIPE: u32 = 1 << 12;
pub const CLIENT_TRANSACTIONS: u32 = 1 << 13;
pub const CLIENT_RESERVED: u32 = 1 << 14;
pub const CLIENT_SECURE_CONNECTION: u32 = 1 << 15;
pub const CLIENT_MULTI_STATEMENTS: u32 = 1 << 16;
pub const CLIENT_MULTI_RESULTS: u32 = 1 << 17;
pub const CLIENT_PS_MULTI_RESULTS: u32 = 1 << 18;
pub const CLIENT_PLUGIN_AUTH: u32 = 1 << 19;
pub const CLIENT_CONNECT_ATTRS: u32 = 1 << 20;
pub const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 1 << 21;
pub const CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS: u32 = 1 << 22;
pub const CLIENT_SESSION_TRACK: u32 = 1 << 23;
pub const CLIENT_DEPRECATE_EOF: u32 = 1 << 24;
pub const CLIENT_OPTIONAL_RESULTSET_METADATA: u32 = 1 << 25;
pub const CLIENT_ZSTD_COMPRESSION_ALGORITHM: u32 = 1 << 26;
pub const CLIENT_QUERY_ATTRIBUTES: u32 = 1 << 27;
pub const MULTI_FACTOR_AUTHENTICATION: u32 = 1 << 28;
pub const CLIENT_CAPABILITY_EXTENSION: u32 = 1 << 29;
pub const CLIENT_SSL_VERIFY_SERVER_CERT: u32 = 1 << 30;
pub const CLIENT_REMEMBER_OPTIONS: u32 = 1 << 31;

// ---- Server status flags (OK and EOF packets, the greeting).
pub const SERVER_STATUS_IN_TRANS: u16 = 1;
pub const SERVER_STATUS_AUTOCOMMIT: u16 = 1 << 1;
pub const SERVER_MORE_RESULTS_EXISTS: u16 = 1 << 3;
pub const SERVER_QUERY_NO_GOOD_INDEX_USED: u16 = 1 << 4;
pub const SERVER_QUERY_NO_INDEX_USED: u16 = 1 << 5;
pub const SERVER_STATUS_CURSOR_EXISTS: u16 = 1 << 6;
pub const SERVER_STATUS_LAST_ROW_SENT: u16 = 1 << 7;
pub const SERVER_STATUS_DB_DROPPED: u16 = 1 << 8;
pub const SERVER_STATUS_NO_BACKSLASH_ESCAPES: u16 = 1 << 9;
pub const SERVER_STATUS_METADATA_CHANGED: u16 = 1 << 10;
pub const SERVER_QUERY_WAS_SLOW: u16 = 1 << 11;
pub const SERVER_PS_OUT_PARAMS: u16 = 1 << 12;
pub const SERVER_STATUS_IN_TRANS_READONLY: u16 = 1 << 13;
pub const SERVER_SESSION_STATE_CHANGED: u16 = 1 << 14;

/// A column's (or a prepared-statement parameter's) MYSQL_TYPE_* code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ColumnType {
    Decimal = 0,
    Tiny = 1,
    Short = 2,
    Long = 3,
    Float = 4,
    Double = 5,
    Null = 6,
    Timestamp = 7,
    LongLong = 8,
    Int24 = 9,
    Date = 10,
    Time = 11,
    DateTime = 12,
    Year = 13,
    VarChar = 15,
    Bit = 16,
    Json = 245,
    NewDecimal = 246,
    Enum = 247,
    Set = 248,
    TinyBlob = 249,
    MediumBlob = 250,
    LongBlob = 251,
    Blob = 252,
    VarString = 253,
    String = 254,
    Geometry = 255,
}

impl ColumnType {
    pub fn from_u8(code: u8) -> Option<ColumnType> {
        use ColumnType::*;
        Some(match code {
            0 => Decimal,
            1 => Tiny,
            2 => Short,
            3 => Long,
            4 => Float,
            5 => Double,
            6 => Null,
            7 => Timestamp,
            8 => LongLong,
            9 => Int24,
            10 => Date,
            11 => Time,
            12 => DateTime,
            13 => Year,
            15 => VarChar,
            16 => Bit,
            245 => Json,
            246 => NewDecimal,
            247 => Enum,
            248 => Set,
            249 => TinyBlob,
            250 => MediumBlob,
            251 => LongBlob,
            252 => Blob,
            253 => VarString,
            254 => String,
            255 => Geometry,
            _ => return None,
        })
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

// ---- Column definition flags.
pub const NOT_NULL_FLAG: u16 = 1;
pub const PRI_KEY_FLAG: u16 = 2;
pub const UNIQUE_KEY_FLAG: u16 = 4;
pub const MULTIPLE_KEY_FLAG: u16 = 8;
pub const BLOB_FLAG: u16 = 16;
pub const UNSIGNED_FLAG: u16 = 32;
pub const ZEROFILL_FLAG: u16 = 64;
pub const BINARY_FLAG: u16 = 128;
pub const ENUM_FLAG: u16 = 256;
pub const AUTO_INCREMENT_FLAG: u16 = 512;
pub const TIMESTAMP_FLAG: u16 = 1024;
pub const SET_FLAG: u16 = 2048;
pub const NO_DEFAULT_VALUE_FLAG: u16 = 4096;
pub const ON_UPDATE_NOW_FLAG: u16 = 8192;
pub const PART_KEY_FLAG: u16 = 16384;
pub const NUM_FLAG: u16 = 32768;

// ---- Command bytes (the first byte of a command packet).
pub const COM_SLEEP: u8 = 0x00;
pub const COM_QUIT: u8 = 0x01;
pub const COM_INIT_DB: u8 = 0x02;
pub const COM_QUERY: u8 = 0x03;
pub const COM_FIELD_LIST: u8 = 0x04;
pub const COM_CREATE_DB: u8 = 0x05;
pub const COM_DROP_DB: u8 = 0x06;
pub const COM_REFRESH: u8 = 0x07;
pub const COM_STATISTICS: u8 = 0x09;
pub const COM_PROCESS_INFO: u8 = 0x0a;
pub const COM_PROCESS_KILL: u8 = 0x0c;
pub const COM_DEBUG: u8 = 0x0d;
pub const COM_PING: u8 = 0x0e;
pub const COM_CHANGE_USER: u8 = 0x11;
pub const COM_BINLOG_DUMP: u8 = 0x12;
pub const COM_STMT_PREPARE: u8 = 0x16;
pub const COM_STMT_EXECUTE: u8 = 0x17;
pub const COM_STMT_SEND_LONG_DATA: u8 = 0x18;
pub const COM_STMT_CLOSE: u8 = 0x19;
pub const COM_STMT_RESET: u8 = 0x1a;
pub const COM_SET_OPTION: u8 = 0x1b;
pub const COM_STMT_FETCH: u8 = 0x1c;
pub const COM_RESET_CONNECTION: u8 = 0x1f;

/// COM_SET_OPTION values.
pub const MYSQL_OPTION_MULTI_STATEMENTS_ON: u16 = 0;
pub const MYSQL_OPTION_MULTI_STATEMENTS_OFF: u16 = 1;

/// COM_STMT_EXECUTE flags (cursor types).
pub const CURSOR_TYPE_NO_CURSOR: u8 = 0;
pub const CURSOR_TYPE_READ_ONLY: u8 = 1;
pub const CURSOR_TYPE_FOR_UPDATE: u8 = 2;
pub const CURSOR_TYPE_SCROLLABLE: u8 = 4;
/// COM_STMT_EXECUTE flag: a parameter count precedes the parameters (CLIENT_QUERY_ATTRIBUTES).
pub const PARAMETER_COUNT_AVAILABLE: u8 = 8;

// ---- Character set / collation ids.
pub const UTF8_GENERAL_CI: u8 = 33;
pub const UTF8MB4_GENERAL_CI: u8 = 45;
pub const BINARY_COLLATION: u8 = 63;
pub const UTF8MB4_0900_AI_CI: u8 = 255;

// ---- Error codes the codec's callers send.
pub const ER_NET_PACKET_TOO_LARGE: u16 = 1153;
pub const ER_NET_PACKETS_OUT_OF_ORDER: u16 = 1156;
pub const ER_UNKNOWN_COM_ERROR: u16 = 1047;
pub const ER_HANDSHAKE_ERROR: u16 = 1043;
pub const ER_ACCESS_DENIED_ERROR: u16 = 1045;
pub const ER_MALFORMED_PACKET: u16 = 1835;
pub const ER_UNKNOWN_ERROR: u16 = 1105;
pub const ER_TOO_MANY_FIELDS: u16 = 1117;
pub const ER_WRONG_ARGUMENTS: u16 = 1210;
pub const ER_PS_MANY_PARAM: u16 = 1390;
pub const ER_MAX_PREPARED_STMT_COUNT_REACHED: u16 = 1461;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_type_codes_round_trip() {
        let mut known = 0;
        for code in 0..=255u8 {
            if let Some(t) = ColumnType::from_u8(code) {
                assert_eq!(t.code(), code);
                known += 1;
            }
        }
        assert_eq!(known, 27);
        assert_eq!(ColumnType::from_u8(14), None);
        assert_eq!(ColumnType::from_u8(253), Some(ColumnType::VarString));
    }

    #[test]
    fn capability_bits_are_the_documented_values() {
        assert_eq!(CLIENT_PROTOCOL_41, 0x0200);
        assert_eq!(CLIENT_SECURE_CONNECTION, 0x8000);
        assert_eq!(CLIENT_PLUGIN_AUTH, 0x0008_0000);
        assert_eq!(CLIENT_DEPRECATE_EOF, 0x0100_0000);
    }
}
