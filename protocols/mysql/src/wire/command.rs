//! Command packets of the command phase: the first payload byte names the command, the
//! rest are its arguments. COM_STMT_EXECUTE's parameters stay raw here because decoding
//! them needs the prepared statement's parameter count ([`super::binary_params`]).
//!
//! Trailing bytes after a command's arguments are ignored, as MySQL does. COM_QUERY is
//! read as plain SQL: the server never advertises CLIENT_QUERY_ATTRIBUTES.

use super::codec::{utf8, Cursor};
use super::consts::*;
use super::error::WireError;
use super::handshake::{non_empty, parse_connect_attrs};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    InitDb(String),
    /// The SQL text, in the connection's character set.
    Query(Vec<u8>),
    FieldList {
        table: String,
        wildcard: String,
    },
    Statistics,
    Ping,
    ChangeUser(ChangeUser),
    StmtPrepare(Vec<u8>),
    StmtExecute {
        statement_id: u32,
        flags: u8,
        iteration_count: u32,
        /// NULL bitmap, new-params-bound flag, types and values.
        rest: Vec<u8>,
    },
    StmtSendLongData {
        statement_id: u32,
        param_id: u16,
        data: Vec<u8>,
    },
    StmtClose(u32),
    StmtReset(u32),
    SetOption(u16),
    StmtFetch {
        statement_id: u32,
        rows: u32,
    },
    ResetConnection,
    /// Any other command byte (answered with ER_UNKNOWN_COM_ERROR).
    Unknown(u8),
}

/// COM_CHANGE_USER's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeUser {
    pub user: String,
    pub auth_response: Vec<u8>,
    pub database: Option<String>,
    pub charset: Option<u16>,
    pub plugin: Option<String>,
    pub attrs: Vec<(String, String)>,
}

impl Command {
    /// Parses a command payload from a client whose negotiated capabilities are `caps`
    /// (they shape COM_CHANGE_USER). An empty payload is [`WireError::Empty`].
    pub fn parse(payload: &[u8], caps: u32) -> Result<Command, WireError> {
        let mut c = Cursor::new(payload);
        let code = c.u8().map_err(|_| WireError::Empty)?;
        Ok(match code {
            COM_QUIT => Command::Quit,
            COM_INIT_DB => Command::InitDb(utf8(c.rest(), "database name")?),
            COM_QUERY => Command::Query(c.rest().to_vec()),
            COM_FIELD_LIST => {
                let table = utf8(c.nul_str_or_rest(), "table name")?;
                let wildcard = utf8(c.rest(), "field wildcard")?;
                Command::FieldList { table, wildcard }
            }
            COM_STATISTICS => Command::Statistics,
            COM_PING => Command::Ping,
            COM_CHANGE_USER => Command::ChangeUser(parse_change_user(&mut c, caps)?),
            COM_STMT_PREPARE => Command::StmtPrepare(c.rest().to_vec()),
            COM_STMT_EXECUTE => Command::StmtExecute {
                statement_id: c.u32()?,
                flags: c.u8()?,
                iteration_count: c.u32()?,
                rest: c.rest().to_vec(),
            },
            COM_STMT_SEND_LONG_DATA => {
                Command::StmtSendLongData { statement_id: c.u32()?, param_id: c.u16()?, data: c.rest().to_vec() }
            }
            COM_STMT_CLOSE => Command::StmtClose(c.u32()?),
            COM_STMT_RESET => Command::StmtReset(c.u32()?),
            COM_SET_OPTION => Command::SetOption(c.u16()?),
            COM_STMT_FETCH => Command::StmtFetch { statement_id: c.u32()?, rows: c.u32()? },
            COM_RESET_CONNECTION => Command::ResetConnection,
            other => Command::Unknown(other),
        })
    }
}

/// user NUL, auth response (1-byte length with CLIENT_SECURE_CONNECTION, else NUL-ended),
/// database NUL, then — if the packet goes on — charset, plugin name (CLIENT_PLUGIN_AUTH)
/// and connection attributes (CLIENT_CONNECT_ATTRS).
fn parse_change_user(c: &mut Cursor<'_>, caps: u32) -> Result<ChangeUser, WireError> {
    let user = utf8(c.nul_str()?, "user name")?;
    let auth_response = if caps & CLIENT_SECURE_CONNECTION != 0 {
        let len = c.u8()?;
        c.take(usize::from(len))?
    } else {
        c.nul_str()?
    }
    .to_vec();
    let database = non_empty(utf8(c.nul_str_or_rest(), "database name")?);
    let mut out = ChangeUser { user, auth_response, database, ..ChangeUser::default() };
    if c.is_empty() {
        return Ok(out);
    }
    out.charset = Some(c.u16()?);
    if caps & CLIENT_PLUGIN_AUTH != 0 && !c.is_empty() {
        out.plugin = non_empty(utf8(c.nul_str_or_rest(), "auth plugin name")?);
    }
    if caps & CLIENT_CONNECT_ATTRS != 0 && !c.is_empty() {
        out.attrs = parse_connect_attrs(c)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::client::encode_change_user;
    use crate::wire::test_rng::XorShift;

    const CAPS: u32 = CLIENT_PROTOCOL_41
        | CLIENT_SECURE_CONNECTION
        | CLIENT_PLUGIN_AUTH
        | CLIENT_CONNECT_ATTRS
        | CLIENT_CONNECT_WITH_DB;

    fn parse(bytes: &[u8]) -> Result<Command, WireError> {
        Command::parse(bytes, CAPS)
    }

    #[test]
    fn simple_commands() {
        assert_eq!(parse(b""), Err(WireError::Empty));
        assert_eq!(parse(&[COM_QUIT]), Ok(Command::Quit));
        assert_eq!(parse(&[COM_PING, 0xAA]), Ok(Command::Ping));
        assert_eq!(parse(&[COM_STATISTICS]), Ok(Command::Statistics));
        assert_eq!(parse(&[COM_RESET_CONNECTION]), Ok(Command::ResetConnection));
        // The COM_QUERY example of the documentation: 21 00 00 00 03 "select @@version_comment limit 1".
        assert_eq!(
            parse(b"\x03select @@version_comment limit 1"),
            Ok(Command::Query(b"select @@version_comment limit 1".to_vec()))
        );
        assert_eq!(parse(b"\x02test"), Ok(Command::InitDb("test".into())));
        assert!(matches!(parse(b"\x02\xff"), Err(WireError::Malformed(_))));
        assert_eq!(parse(b"\x16SELECT ?"), Ok(Command::StmtPrepare(b"SELECT ?".to_vec())));
        assert_eq!(parse(&[0x0b]), Ok(Command::Unknown(0x0b)));
        assert_eq!(parse(&[0x00]), Ok(Command::Unknown(0x00)));
    }

    #[test]
    fn field_list() {
        assert_eq!(parse(b"\x04users\0id%"), Ok(Command::FieldList { table: "users".into(), wildcard: "id%".into() }));
        assert_eq!(parse(b"\x04users"), Ok(Command::FieldList { table: "users".into(), wildcard: String::new() }));
    }

    #[test]
    fn statement_commands() {
        assert_eq!(
            parse(&[COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0xAB, 0xCD]),
            Ok(Command::StmtExecute { statement_id: 1, flags: 0, iteration_count: 1, rest: vec![0xAB, 0xCD] })
        );
        assert_eq!(
            parse(&[COM_STMT_SEND_LONG_DATA, 2, 0, 0, 0, 1, 0, b'x', b'y']),
            Ok(Command::StmtSendLongData { statement_id: 2, param_id: 1, data: b"xy".to_vec() })
        );
        assert_eq!(parse(&[COM_STMT_CLOSE, 9, 0, 0, 0]), Ok(Command::StmtClose(9)));
        assert_eq!(parse(&[COM_STMT_RESET, 9, 0, 0, 0]), Ok(Command::StmtReset(9)));
        assert_eq!(parse(&[COM_SET_OPTION, 1, 0]), Ok(Command::SetOption(1)));
        assert_eq!(
            parse(&[COM_STMT_FETCH, 3, 0, 0, 0, 10, 0, 0, 0]),
            Ok(Command::StmtFetch { statement_id: 3, rows: 10 })
        );
        for truncated in [
            &[COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1][..],
            &[COM_STMT_CLOSE, 1, 0],
            &[COM_SET_OPTION, 1],
            &[COM_STMT_FETCH, 3, 0, 0, 0, 10],
            &[COM_STMT_SEND_LONG_DATA, 2, 0, 0, 0, 1],
        ] {
            assert_eq!(parse(truncated), Err(WireError::Truncated));
        }
    }

    #[test]
    fn change_user_round_trips() {
        let full = ChangeUser {
            user: "bob".into(),
            auth_response: vec![7; 20],
            database: Some("orbit".into()),
            charset: Some(45),
            plugin: Some("mysql_native_password".into()),
            attrs: vec![("_os".into(), "linux".into())],
        };
        let bytes = encode_change_user(&full, CAPS);
        assert_eq!(parse(&bytes), Ok(Command::ChangeUser(full.clone())));
        // Without CLIENT_SECURE_CONNECTION the auth response is NUL-terminated.
        let mut old = full.clone();
        old.auth_response = b"scrambled".to_vec();
        old.plugin = None;
        old.attrs.clear();
        let caps = CLIENT_PROTOCOL_41;
        assert_eq!(Command::parse(&encode_change_user(&old, caps), caps), Ok(Command::ChangeUser(old)));
        // A minimal packet: user, auth, database and nothing else.
        let minimal = b"\x11bob\0\x00\0";
        assert_eq!(parse(minimal), Ok(Command::ChangeUser(ChangeUser { user: "bob".into(), ..ChangeUser::default() })));
        assert_eq!(parse(b"\x11bob"), Err(WireError::Truncated));
        assert_eq!(parse(b"\x11bob\0\x05ab"), Err(WireError::Truncated));
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = XorShift::new(0xc0ffee);
        let seeds: Vec<Vec<u8>> = vec![
            encode_change_user(
                &ChangeUser {
                    user: "u".into(),
                    auth_response: vec![1; 20],
                    database: Some("d".into()),
                    charset: Some(45),
                    plugin: Some("p".into()),
                    attrs: vec![("k".into(), "v".into())],
                },
                CAPS,
            ),
            vec![COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 3, 0],
        ];
        for i in 0..6000 {
            let bytes = match i % 3 {
                0 => rng.bytes(64),
                1 => rng.mutate(&seeds[0]),
                _ => {
                    let mut b = rng.bytes(40);
                    if let Some(first) = b.first_mut() {
                        *first %= 0x20;
                    }
                    b
                }
            };
            let _ = Command::parse(&bytes, rng.next() as u32);
        }
    }
}
