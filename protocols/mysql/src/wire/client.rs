//! The client half of the protocol, for tests: a greeting parser and encoders of the
//! packets a client sends (HandshakeResponse41, SSLRequest, COM_CHANGE_USER,
//! COM_STMT_EXECUTE parameters) and parsers of OK and ERR. Built for this crate's tests
//! and, with the `client` feature, for other crates' tests.

use super::codec::{put_lenenc_bytes, put_nul_str, put_u16, put_u32, utf8, Cursor};
use super::command::ChangeUser;
use super::consts::*;
use super::error::WireError;
use super::handshake::{HandshakeResponse, HandshakeV10, SCRAMBLE_LEN};
use super::response::{ErrPacket, OkPacket};
use super::value::{put_binary_value, WireValue};

/// Parses the server's greeting.
pub fn parse_handshake_v10(payload: &[u8]) -> Result<HandshakeV10, WireError> {
    let mut c = Cursor::new(payload);
    if c.u8()? != 10 {
        return Err(WireError::malformed("not a protocol 10 greeting"));
    }
    let server_version = utf8(c.nul_str()?, "server version")?;
    let connection_id = c.u32()?;
    let mut scramble = [0u8; SCRAMBLE_LEN];
    let (part1, part2) = scramble.split_at_mut(8);
    part1.copy_from_slice(c.take(8)?);
    c.skip(1)?;
    let caps_low = c.u16()?;
    let charset = c.u8()?;
    let status = c.u16()?;
    let capabilities = u32::from(caps_low) | u32::from(c.u16()?) << 16;
    let auth_data_len = c.u8()?;
    c.skip(10)?;
    if capabilities & CLIENT_SECURE_CONNECTION != 0 {
        let len = usize::from(auth_data_len).saturating_sub(8).max(13);
        let data = c.take(len)?;
        part2.copy_from_slice(data.get(..12).ok_or(WireError::Truncated)?);
    }
    let mut auth_plugin = String::new();
    if capabilities & CLIENT_PLUGIN_AUTH != 0 {
        auth_plugin = utf8(c.nul_str_or_rest(), "auth plugin name")?;
    }
    Ok(HandshakeV10 { connection_id, server_version, scramble, capabilities, charset, status, auth_plugin })
}

fn put_attrs(out: &mut Vec<u8>, attrs: &[(String, String)]) {
    let mut buf = Vec::new();
    for (k, v) in attrs {
        put_lenenc_bytes(&mut buf, k.as_bytes());
        put_lenenc_bytes(&mut buf, v.as_bytes());
    }
    put_lenenc_bytes(out, &buf);
}

/// A HandshakeResponse41 laid out by `r.client_capabilities`.
pub fn encode_handshake_response(r: &HandshakeResponse) -> Vec<u8> {
    let caps = r.client_capabilities;
    let mut out = encode_ssl_request(caps, r.max_packet_size, r.charset);
    put_nul_str(&mut out, r.username.as_bytes());
    if caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
        put_lenenc_bytes(&mut out, &r.auth_response);
    } else if caps & CLIENT_SECURE_CONNECTION != 0 {
        out.push(r.auth_response.len() as u8);
        out.extend_from_slice(&r.auth_response);
    } else {
        put_nul_str(&mut out, &r.auth_response);
    }
    if caps & CLIENT_CONNECT_WITH_DB != 0 {
        put_nul_str(&mut out, r.database.as_deref().unwrap_or("").as_bytes());
    }
    if caps & CLIENT_PLUGIN_AUTH != 0 {
        put_nul_str(&mut out, r.auth_plugin.as_deref().unwrap_or("").as_bytes());
    }
    if caps & CLIENT_CONNECT_ATTRS != 0 {
        put_attrs(&mut out, &r.attributes);
    }
    out
}

/// Protocol::SSLRequest (also the first 32 bytes of a HandshakeResponse41).
pub fn encode_ssl_request(caps: u32, max_packet_size: u32, charset: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    put_u32(&mut out, caps);
    put_u32(&mut out, max_packet_size);
    out.push(charset);
    out.extend_from_slice(&[0; 23]);
    out
}

/// A COM_CHANGE_USER packet for a client with capabilities `caps`.
pub fn encode_change_user(cu: &ChangeUser, caps: u32) -> Vec<u8> {
    let mut out = vec![COM_CHANGE_USER];
    put_nul_str(&mut out, cu.user.as_bytes());
    if caps & CLIENT_SECURE_CONNECTION != 0 {
        out.push(cu.auth_response.len() as u8);
        out.extend_from_slice(&cu.auth_response);
    } else {
        put_nul_str(&mut out, &cu.auth_response);
    }
    put_nul_str(&mut out, cu.database.as_deref().unwrap_or("").as_bytes());
    if let Some(charset) = cu.charset {
        put_u16(&mut out, charset);
        if caps & CLIENT_PLUGIN_AUTH != 0 {
            put_nul_str(&mut out, cu.plugin.as_deref().unwrap_or("").as_bytes());
        }
        if caps & CLIENT_CONNECT_ATTRS != 0 {
            put_attrs(&mut out, &cu.attrs);
        }
    }
    out
}

/// COM_STMT_EXECUTE's parameter bytes: NULL bitmap, new-params-bound flag, the types
/// when `send_types`, and the values; the parameters listed in `long_data` are left out
/// (sent before with COM_STMT_SEND_LONG_DATA).
pub fn encode_execute_params(
    types: &[(ColumnType, bool)],
    values: &[WireValue],
    send_types: bool,
    long_data: &[u16],
) -> Result<Vec<u8>, WireError> {
    if types.len() != values.len() {
        return Err(WireError::malformed("parameter types and values differ in number"));
    }
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let is_long = |i: usize| u16::try_from(i).is_ok_and(|id| long_data.contains(&id));
    let mut out = vec![0u8; values.len().div_ceil(8)];
    for (i, v) in values.iter().enumerate() {
        if v.is_null() && !is_long(i) {
            if let Some(byte) = out.get_mut(i / 8) {
                *byte |= 1 << (i % 8);
            }
        }
    }
    out.push(u8::from(send_types));
    if send_types {
        for (ty, unsigned) in types {
            out.push(ty.code());
            out.push(if *unsigned { 0x80 } else { 0 });
        }
    }
    for (i, ((ty, unsigned), v)) in types.iter().zip(values).enumerate() {
        if !is_long(i) {
            put_binary_value(&mut out, *ty, *unsigned, v)?;
        }
    }
    Ok(out)
}

/// Parses an OK packet (header 0x00 or 0xFE) from a CLIENT_PROTOCOL_41 server.
pub fn parse_ok_packet(payload: &[u8]) -> Result<OkPacket, WireError> {
    let mut c = Cursor::new(payload);
    if !matches!(c.u8()?, 0x00 | 0xFE) {
        return Err(WireError::malformed("not an OK packet"));
    }
    let affected_rows = c.lenenc_int()?;
    let last_insert_id = c.lenenc_int()?;
    let status = c.u16()?;
    let warnings = c.u16()?;
    let info = if c.is_empty() { String::new() } else { String::from_utf8_lossy(c.lenenc_bytes()?).into_owned() };
    Ok(OkPacket { affected_rows, last_insert_id, status, warnings, info })
}

/// Parses an ERR packet from a CLIENT_PROTOCOL_41 server.
pub fn parse_err_packet(payload: &[u8]) -> Result<ErrPacket, WireError> {
    let mut c = Cursor::new(payload);
    if c.u8()? != 0xFF {
        return Err(WireError::malformed("not an ERR packet"));
    }
    let code = c.u16()?;
    let mut sql_state = *b"HY000";
    if c.peek() == Some(b'#') {
        c.skip(1)?;
        sql_state.copy_from_slice(c.take(5)?);
    }
    Ok(ErrPacket { code, sql_state, message: String::from_utf8_lossy(c.rest()).into_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_err_round_trip() {
        let ok = OkPacket { affected_rows: 70000, last_insert_id: 3, status: 2, warnings: 1, info: "info".into() };
        assert_eq!(parse_ok_packet(&ok.encode(CLIENT_PROTOCOL_41)), Ok(ok));
        let err = ErrPacket::new(1146, "42S02", "Table 'x' doesn't exist");
        assert_eq!(parse_err_packet(&err.encode(CLIENT_PROTOCOL_41)), Ok(err));
    }
}
