//! The connection phase up to authentication: the server's greeting
//! ([`HandshakeV10`]), the client's answer ([`HandshakeResponse`], or the short SSLRequest
//! that asks for TLS first), and the auth-switch / more-data packets of the exchange that
//! follows. The plugin arithmetic itself is in [`super::auth`].

use ring::rand::{SecureRandom, SystemRandom};

use super::codec::{put_nul_str, put_u16, put_u32, utf8, Cursor};
use super::consts::*;
use super::error::WireError;

/// Length of a scramble (auth-plugin-data) in bytes.
pub const SCRAMBLE_LEN: usize = 20;
/// Bytes a HandshakeResponse41 has before its username; an SSLRequest is exactly this long.
pub const SSL_REQUEST_LEN: usize = 32;
/// Header byte of an AuthSwitchRequest.
pub const AUTH_SWITCH_HEADER: u8 = 0xFE;
/// Header byte of an AuthMoreData packet.
pub const AUTH_MORE_DATA_HEADER: u8 = 0x01;

/// The server's greeting, Protocol::HandshakeV10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeV10 {
    pub connection_id: u32,
    pub server_version: String,
    pub scramble: [u8; SCRAMBLE_LEN],
    pub capabilities: u32,
    pub charset: u8,
    pub status: u16,
    pub auth_plugin: String,
}

impl HandshakeV10 {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.server_version.len());
        out.push(10);
        put_nul_str(&mut out, until_nul(self.server_version.as_bytes()));
        put_u32(&mut out, self.connection_id);
        let (part1, part2) = self.scramble.split_at(8);
        out.extend_from_slice(part1);
        out.push(0);
        put_u16(&mut out, self.capabilities as u16);
        out.push(self.charset);
        put_u16(&mut out, self.status);
        put_u16(&mut out, (self.capabilities >> 16) as u16);
        let plugin_auth = self.capabilities & CLIENT_PLUGIN_AUTH != 0;
        // auth-plugin-data length: the 20 scramble bytes plus the NUL after part 2.
        out.push(if plugin_auth { SCRAMBLE_LEN as u8 + 1 } else { 0 });
        out.extend_from_slice(&[0; 10]);
        if self.capabilities & CLIENT_SECURE_CONNECTION != 0 {
            put_nul_str(&mut out, part2);
        }
        if plugin_auth {
            put_nul_str(&mut out, until_nul(self.auth_plugin.as_bytes()));
        }
        out
    }
}

fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(bytes)
}

/// What the client answered the greeting with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientHello {
    /// The client wants TLS: upgrade the stream, then read the real response from it.
    SslRequest(SslRequest),
    Response(HandshakeResponse),
}

/// Protocol::SSLRequest: the first 32 bytes of a HandshakeResponse41.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SslRequest {
    pub capabilities: u32,
    pub max_packet_size: u32,
    pub charset: u8,
}

/// Protocol::HandshakeResponse41.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandshakeResponse {
    /// The flags exactly as the client sent them.
    pub client_capabilities: u32,
    /// The negotiated flags: the client's that the server also advertised. The packet's
    /// layout is read according to these.
    pub capabilities: u32,
    pub max_packet_size: u32,
    pub charset: u8,
    pub username: String,
    pub auth_response: Vec<u8>,
    /// `None` when not sent or empty.
    pub database: Option<String>,
    /// The plugin the client used for `auth_response`; `None` when not sent or empty.
    pub auth_plugin: Option<String>,
    pub attributes: Vec<(String, String)>,
}

impl HandshakeResponse {
    /// Parses the client's answer to a greeting that advertised `server_caps`.
    pub fn parse(payload: &[u8], server_caps: u32) -> Result<ClientHello, WireError> {
        let mut c = Cursor::new(payload);
        let client_capabilities = c.u32()?;
        if client_capabilities & CLIENT_PROTOCOL_41 == 0 {
            return Err(WireError::malformed("clients without CLIENT_PROTOCOL_41 are not supported"));
        }
        let max_packet_size = c.u32()?;
        let charset = c.u8()?;
        c.skip(23)?;
        if c.is_empty() {
            if client_capabilities & CLIENT_SSL == 0 {
                return Err(WireError::Truncated);
            }
            return Ok(ClientHello::SslRequest(SslRequest {
                capabilities: client_capabilities,
                max_packet_size,
                charset,
            }));
        }
        let caps = client_capabilities & server_caps;
        let username = utf8(c.nul_str()?, "user name")?;
        let auth_response = if caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
            c.lenenc_bytes()?
        } else if caps & CLIENT_SECURE_CONNECTION != 0 {
            let len = c.u8()?;
            c.take(usize::from(len))?
        } else {
            c.nul_str_or_rest()
        }
        .to_vec();
        let mut database = None;
        if caps & CLIENT_CONNECT_WITH_DB != 0 && !c.is_empty() {
            database = non_empty(utf8(c.nul_str_or_rest(), "database")?);
        }
        let mut auth_plugin = None;
        if caps & CLIENT_PLUGIN_AUTH != 0 && !c.is_empty() {
            auth_plugin = non_empty(utf8(c.nul_str_or_rest(), "auth plugin name")?);
        }
        let mut attributes = Vec::new();
        if caps & CLIENT_CONNECT_ATTRS != 0 && !c.is_empty() {
            attributes = parse_connect_attrs(&mut c)?;
        }
        Ok(ClientHello::Response(HandshakeResponse {
            client_capabilities,
            capabilities: caps,
            max_packet_size,
            charset,
            username,
            auth_response,
            database,
            auth_plugin,
            attributes,
        }))
    }
}

pub(crate) fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Connection attributes: a length-encoded total length, then key/value pairs of
/// length-encoded strings within it. Invalid UTF-8 is replaced (the attributes are only
/// informational).
pub(crate) fn parse_connect_attrs(c: &mut Cursor<'_>) -> Result<Vec<(String, String)>, WireError> {
    let mut attrs = Cursor::new(c.lenenc_bytes()?);
    let mut out = Vec::new();
    while !attrs.is_empty() {
        let key = String::from_utf8_lossy(attrs.lenenc_bytes()?).into_owned();
        let value = String::from_utf8_lossy(attrs.lenenc_bytes()?).into_owned();
        out.push((key, value));
    }
    Ok(out)
}

/// Protocol::AuthSwitchRequest: asks the client to authenticate with another plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSwitchRequest {
    pub plugin: String,
    pub data: Vec<u8>,
}

impl AuthSwitchRequest {
    /// A switch to `plugin` whose data is `scramble` and a NUL, as MySQL sends it for
    /// mysql_native_password and caching_sha2_password.
    pub fn with_scramble(plugin: impl Into<String>, scramble: &[u8; SCRAMBLE_LEN]) -> Self {
        let mut data = scramble.to_vec();
        data.push(0);
        AuthSwitchRequest { plugin: plugin.into(), data }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.plugin.len() + self.data.len());
        out.push(AUTH_SWITCH_HEADER);
        put_nul_str(&mut out, until_nul(self.plugin.as_bytes()));
        out.extend_from_slice(&self.data);
        out
    }
}

/// Protocol::AuthMoreData: plugin-specific data from the server during authentication
/// (caching_sha2_password's fast-auth-success / perform-full-authentication bytes, a
/// public key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthMoreData {
    pub data: Vec<u8>,
}

impl AuthMoreData {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.data.len());
        out.push(AUTH_MORE_DATA_HEADER);
        out.extend_from_slice(&self.data);
        out
    }
}

/// The client's answer to an AuthSwitchRequest or AuthMoreData: the plugin's raw bytes.
pub fn parse_auth_switch_response(payload: &[u8]) -> Vec<u8> {
    payload.to_vec()
}

/// A fresh 20-byte scramble of the bytes MySQL uses: 1..=127 except `$` (MySQL's
/// generate_user_salt), so it never contains a NUL.
pub fn random_scramble() -> std::io::Result<[u8; SCRAMBLE_LEN]> {
    let mut bytes = [0u8; SCRAMBLE_LEN];
    SystemRandom::new().fill(&mut bytes).map_err(|_| std::io::Error::other("system random number generator failed"))?;
    for b in &mut bytes {
        *b &= 0x7F;
        if *b == 0 || *b == b'$' {
            *b += 1;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::client::{encode_handshake_response, encode_ssl_request, parse_handshake_v10};
    use crate::wire::test_rng::XorShift;

    const SERVER_CAPS: u32 = CLIENT_LONG_PASSWORD
        | CLIENT_FOUND_ROWS
        | CLIENT_CONNECT_WITH_DB
        | CLIENT_PROTOCOL_41
        | CLIENT_SSL
        | CLIENT_TRANSACTIONS
        | CLIENT_SECURE_CONNECTION
        | CLIENT_MULTI_STATEMENTS
        | CLIENT_MULTI_RESULTS
        | CLIENT_PS_MULTI_RESULTS
        | CLIENT_PLUGIN_AUTH
        | CLIENT_CONNECT_ATTRS
        | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
        | CLIENT_SESSION_TRACK
        | CLIENT_DEPRECATE_EOF;

    fn greeting() -> HandshakeV10 {
        HandshakeV10 {
            connection_id: 0x0a,
            server_version: "8.0.36-orbit".into(),
            scramble: *b"abcdefghijklmnopqrst",
            capabilities: SERVER_CAPS,
            charset: UTF8MB4_0900_AI_CI,
            status: SERVER_STATUS_AUTOCOMMIT,
            auth_plugin: "mysql_native_password".into(),
        }
    }

    #[test]
    fn greeting_layout_matches_the_documentation() {
        let g = greeting();
        let bytes = g.encode();
        let mut expected = vec![0x0a];
        expected.extend_from_slice(b"8.0.36-orbit\0");
        expected.extend_from_slice(&[0x0a, 0, 0, 0]);
        expected.extend_from_slice(b"abcdefgh\0");
        expected.extend_from_slice(&(SERVER_CAPS as u16).to_le_bytes());
        expected.push(0xff);
        expected.extend_from_slice(&[0x02, 0x00]);
        expected.extend_from_slice(&((SERVER_CAPS >> 16) as u16).to_le_bytes());
        expected.push(21);
        expected.extend_from_slice(&[0; 10]);
        expected.extend_from_slice(b"ijklmnopqrst\0");
        expected.extend_from_slice(b"mysql_native_password\0");
        assert_eq!(bytes, expected);
        assert_eq!(parse_handshake_v10(&bytes), Ok(g));
    }

    #[test]
    fn greeting_from_the_documentation_parses() {
        // The Protocol::HandshakeV10 example of the MySQL internals documentation (a 5.5.2
        // milestone, which sent no plugin name after the scramble).
        let doc: &[u8] = b"\x0a5.5.2-m2\x00\x0b\x00\x00\x00\x64\x76\x48\x40\x49\x2d\x43\x4a\x00\
\xff\xf7\x08\x02\x00\x0f\x80\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x2a\x34\x64\
\x7c\x63\x5a\x77\x6b\x34\x5e\x5d\x3a\x00";
        assert_eq!(doc.len(), 0x36);
        let g = parse_handshake_v10(doc).unwrap();
        assert_eq!(g.server_version, "5.5.2-m2");
        assert_eq!(g.connection_id, 11);
        assert_eq!(&g.scramble, b"dvH@I-CJ*4d|cZwk4^]:");
        assert_eq!(g.capabilities, 0x800f_f7ff);
        assert_eq!(g.charset, 8);
        assert_eq!(g.status, SERVER_STATUS_AUTOCOMMIT);
        assert_eq!(g.auth_plugin, "");
        assert_eq!(g.encode(), [doc, b"\0"].concat());
    }

    fn response(caps: u32) -> HandshakeResponse {
        HandshakeResponse {
            client_capabilities: caps,
            capabilities: caps & SERVER_CAPS,
            max_packet_size: 16 << 20,
            charset: UTF8MB4_GENERAL_CI,
            username: "root".into(),
            auth_response: (1..=20).collect(),
            database: Some("orbit".into()),
            auth_plugin: Some("mysql_native_password".into()),
            attributes: vec![("_client_name".into(), "libmysql".into()), ("_pid".into(), "1234".into())],
        }
    }

    #[test]
    fn handshake_response_round_trips_in_each_auth_data_form() {
        let full = SERVER_CAPS & !CLIENT_SSL;
        for caps in [
            full,
            full & !CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
            full & !CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA & !CLIENT_SECURE_CONNECTION,
        ] {
            let r = response(caps);
            let bytes = encode_handshake_response(&r);
            assert_eq!(HandshakeResponse::parse(&bytes, SERVER_CAPS), Ok(ClientHello::Response(r)));
        }
    }

    #[test]
    fn optional_fields_follow_the_negotiated_flags() {
        let caps = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION;
        let mut r = response(caps);
        r.database = None;
        r.auth_plugin = None;
        r.attributes.clear();
        let bytes = encode_handshake_response(&r);
        assert_eq!(HandshakeResponse::parse(&bytes, SERVER_CAPS), Ok(ClientHello::Response(r)));
        // A database field without its NUL at the very end is accepted.
        let mut r = response(CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_CONNECT_WITH_DB);
        r.auth_plugin = None;
        r.attributes.clear();
        let mut bytes = encode_handshake_response(&r);
        assert_eq!(bytes.pop(), Some(0));
        let Ok(ClientHello::Response(parsed)) = HandshakeResponse::parse(&bytes, SERVER_CAPS) else { panic!() };
        assert_eq!(parsed.database.as_deref(), Some("orbit"));
    }

    #[test]
    fn ssl_request_is_recognised() {
        let bytes = encode_ssl_request(SERVER_CAPS, 1 << 24, UTF8MB4_GENERAL_CI);
        assert_eq!(bytes.len(), SSL_REQUEST_LEN);
        assert_eq!(
            HandshakeResponse::parse(&bytes, SERVER_CAPS),
            Ok(ClientHello::SslRequest(SslRequest {
                capabilities: SERVER_CAPS,
                max_packet_size: 1 << 24,
                charset: UTF8MB4_GENERAL_CI,
            }))
        );
        let plain = encode_ssl_request(SERVER_CAPS & !CLIENT_SSL, 0, 0);
        assert_eq!(HandshakeResponse::parse(&plain, SERVER_CAPS), Err(WireError::Truncated));
    }

    #[test]
    fn malformed_responses_are_errors() {
        let mut r = response(SERVER_CAPS);
        r.auth_response = vec![9; 300];
        let bytes = encode_handshake_response(&r);
        // Every prefix that cuts the packet before the end of the auth response fails
        // (the fields after it are optional); the 32-byte prefix is an SSLRequest.
        let auth_end = SSL_REQUEST_LEN + b"root\0".len() + 3 + 300;
        for len in 0..auth_end {
            let result = HandshakeResponse::parse(&bytes[..len], SERVER_CAPS);
            if len == SSL_REQUEST_LEN {
                assert!(matches!(result, Ok(ClientHello::SslRequest(_))));
            } else {
                assert!(result.is_err(), "prefix of {len} bytes: {result:?}");
            }
        }
        assert!(HandshakeResponse::parse(&bytes[..auth_end], SERVER_CAPS).is_ok());
        let old_client = [0x85, 0x24, 0x00, 0x00, 0, 0, 0, b'u', 0];
        assert!(matches!(HandshakeResponse::parse(&old_client, SERVER_CAPS), Err(WireError::Malformed(_))));
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = XorShift::new(0xfeed);
        let valid = encode_handshake_response(&response(SERVER_CAPS));
        for i in 0..4000 {
            let bytes = if i % 2 == 0 {
                let mut b = rng.bytes(120);
                // Mostly well-formed headers so the later fields get exercised.
                if b.len() >= 4 {
                    b[1] |= 0x02;
                }
                b
            } else {
                rng.mutate(&valid)
            };
            let _ = HandshakeResponse::parse(&bytes, rng.next() as u32);
        }
    }

    #[test]
    fn auth_switch_and_more_data() {
        let s = AuthSwitchRequest::with_scramble("mysql_native_password", b"abcdefghijklmnopqrst");
        assert_eq!(s.encode(), b"\xfemysql_native_password\0abcdefghijklmnopqrst\0".to_vec());
        assert_eq!(AuthMoreData { data: vec![0x03] }.encode(), [0x01, 0x03]);
        assert_eq!(parse_auth_switch_response(b"xyz"), b"xyz");
    }

    #[test]
    fn scrambles_use_mysql_salt_bytes() {
        let a = random_scramble().unwrap();
        let b = random_scramble().unwrap();
        assert_ne!(a, b);
        for byte in a.iter().chain(&b) {
            assert!((1..=127).contains(byte) && *byte != b'$');
        }
    }
}
