//! The connection phase: greeting, optional TLS upgrade, authentication (auth switch
//! to mysql_native_password, caching_sha2_password's fast path and, over TLS, its full
//! authentication), the initial database. Bounded in time by the caller.

use crate::accounts::{Account, Accounts};
use crate::wire::auth::{self, FAST_AUTH_SUCCESS, PERFORM_FULL_AUTHENTICATION};
use crate::wire::consts::*;
use crate::wire::{
    AuthMoreData, AuthSwitchRequest, ClientHello, ErrPacket, HandshakeResponse, HandshakeV10, PacketError, PacketReader,
    PacketWriter,
};
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncWrite};

pub const NATIVE: &str = "mysql_native_password";
pub const CACHING_SHA2: &str = "caching_sha2_password";

/// The version string in the greeting and in `@@version`.
pub const SERVER_VERSION: &str = "8.0.36-Orbit";

/// What the server offers; the client's response narrows it.
pub fn server_capabilities(tls: bool) -> u32 {
    let mut caps = CLIENT_LONG_PASSWORD
        | CLIENT_FOUND_ROWS
        | CLIENT_LONG_FLAG
        | CLIENT_CONNECT_WITH_DB
        | CLIENT_NO_SCHEMA
        | CLIENT_ODBC
        | CLIENT_IGNORE_SPACE
        | CLIENT_PROTOCOL_41
        | CLIENT_INTERACTIVE
        | CLIENT_IGNORE_SIGPIPE
        | CLIENT_TRANSACTIONS
        | CLIENT_RESERVED
        | CLIENT_SECURE_CONNECTION
        | CLIENT_MULTI_STATEMENTS
        | CLIENT_MULTI_RESULTS
        | CLIENT_PS_MULTI_RESULTS
        | CLIENT_PLUGIN_AUTH
        | CLIENT_CONNECT_ATTRS
        | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
        | CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS
        | CLIENT_DEPRECATE_EOF;
    if tls {
        caps |= CLIENT_SSL;
    }
    caps
}

/// The greeting for a new connection.
pub fn greeting(conn_id: u32, scramble: [u8; 20], tls: bool) -> HandshakeV10 {
    HandshakeV10 {
        connection_id: conn_id,
        server_version: SERVER_VERSION.to_string(),
        scramble,
        capabilities: server_capabilities(tls),
        charset: UTF8MB4_0900_AI_CI,
        status: SERVER_STATUS_AUTOCOMMIT,
        auth_plugin: NATIVE.to_string(),
    }
}

/// Why a login failed: an ERR to send (then close), or the connection broke.
pub enum LoginError {
    Refused(ErrPacket),
    Io(PacketError),
}

impl From<PacketError> for LoginError {
    fn from(e: PacketError) -> Self {
        LoginError::Io(e)
    }
}

/// The host part MySQL shows in `'user'@'host'`.
pub fn host_of(peer: &SocketAddr) -> String {
    if peer.ip().is_loopback() {
        "localhost".into()
    } else {
        peer.ip().to_string()
    }
}

pub fn access_denied(user: &str, host: &str, with_password: bool) -> ErrPacket {
    let using = if with_password { "YES" } else { "NO" };
    ErrPacket::new(ER_ACCESS_DENIED_ERROR, "28000", format!("Access denied for user '{user}'@'{host}' (using password: {using})"))
}

/// Checks `response` (made by the client with `plugin` over `scramble`) against the
/// account, switching plugins or asking for the full exchange where needed. Returns
/// the sequence id of the next packet the server sends.
#[allow(clippy::too_many_arguments)]
pub async fn authenticate<R, W>(
    reader: &mut PacketReader<R>,
    writer: &mut PacketWriter<W>,
    mut seq: u8,
    accounts: &Accounts,
    user: &str,
    host: &str,
    plugin: Option<&str>,
    response: &[u8],
    scramble: &[u8; 20],
    over_tls: bool,
) -> Result<u8, LoginError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let account = accounts.lookup(user).await.map_err(|e| LoginError::Refused(crate::errors::err_packet(&e)))?;
    let plugin = plugin.unwrap_or(NATIVE);
    let mut response = response.to_vec();
    let mut used_plugin = plugin.to_string();
    if plugin != NATIVE && plugin != CACHING_SHA2 {
        // An unknown or cleartext plugin: ask for mysql_native_password.
        writer.write(seq, &AuthSwitchRequest::with_scramble(NATIVE, scramble).encode());
        writer.flush().await.map_err(PacketError::from)?;
        let (s, payload) = reader.next().await?.ok_or(PacketError::Truncated)?;
        seq = s.wrapping_add(1);
        response = crate::wire::parse_auth_switch_response(&payload);
        used_plugin = NATIVE.to_string();
    }
    let with_password = !response.is_empty() && response != [0];
    let Some(account) = account else {
        return Err(LoginError::Refused(access_denied(user, host, with_password)));
    };
    let ok = if used_plugin == NATIVE {
        auth::verify_native(account.native.as_ref(), scramble, &response)
    } else {
        verify_caching_sha2(reader, writer, &mut seq, &account, scramble, &response, over_tls).await?
    };
    if ok {
        Ok(seq)
    } else {
        Err(LoginError::Refused(access_denied(user, host, with_password)))
    }
}

/// caching_sha2_password: the fast path decides when it can; over TLS a failed fast
/// path asks for the password itself (full authentication).
async fn verify_caching_sha2<R, W>(
    reader: &mut PacketReader<R>,
    writer: &mut PacketWriter<W>,
    seq: &mut u8,
    account: &Account,
    scramble: &[u8; 20],
    response: &[u8],
    over_tls: bool,
) -> Result<bool, LoginError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    if auth::verify_sha2_fast(account.sha2.as_ref(), scramble, response) {
        if account.sha2.is_some() {
            *seq = writer.write(*seq, &AuthMoreData { data: vec![FAST_AUTH_SUCCESS] }.encode());
        }
        return Ok(true);
    }
    if !over_tls {
        return Ok(false);
    }
    *seq = writer.write(*seq, &AuthMoreData { data: vec![PERFORM_FULL_AUTHENTICATION] }.encode());
    writer.flush().await.map_err(PacketError::from)?;
    let (s, payload) = reader.next().await?.ok_or(PacketError::Truncated)?;
    *seq = s.wrapping_add(1);
    let password = payload.strip_suffix(&[0]).unwrap_or(&payload);
    Ok(auth::verify_cleartext(account.native.as_ref(), account.sha2.as_ref(), password))
}

/// The client's first answer: its response, or its request for TLS.
pub fn parse_hello(payload: &[u8], tls: bool) -> Result<ClientHello, ErrPacket> {
    HandshakeResponse::parse(payload, server_capabilities(tls))
        .map_err(|_| ErrPacket::new(ER_HANDSHAKE_ERROR, "08S01", "Bad handshake"))
}
