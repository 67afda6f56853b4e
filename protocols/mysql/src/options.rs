//! What the server's configuration tells the MySQL listener.

use orbit_protocol_api::tls::TlsSettings;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct MysqlOptions {
    /// Accounts created (or given this password) at start: `[mysql.users]`, `ORBIT_MYSQL_USERS`.
    pub users: Vec<(String, String)>,
    /// MySQL's max_connections: the connection beyond it gets ERR 1040.
    pub max_connections: Option<usize>,
    /// The largest packet accepted; a larger one gets ERR 1153 and the connection closes.
    pub max_allowed_packet: usize,
    /// How long a client may take from connecting to finishing authentication.
    pub handshake_timeout: Duration,
    /// Certificate and key for TLS (SSLRequest); `None`: TLS is not offered.
    pub tls: Option<TlsSettings>,
}

impl Default for MysqlOptions {
    fn default() -> Self {
        MysqlOptions {
            users: Vec::new(),
            max_connections: Some(151),
            max_allowed_packet: crate::wire::DEFAULT_MAX_ALLOWED_PACKET,
            handshake_timeout: Duration::from_secs(10),
            tls: None,
        }
    }
}
