//! What the server's configuration tells the PostgreSQL listener: the authentication
//! method and configured users, TLS, and the limits. `orbit-server` resolves the values
//! (file < environment < flags) and hands them over as [`PostgresOptions`].

use std::path::PathBuf;

/// How clients prove who they are (pg_hba.conf's method, one for every connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// Any user name is accepted without a password (local development).
    #[default]
    Trust,
    /// The password in clear (use it with TLS).
    Password,
    /// PostgreSQL's md5 challenge; a role whose password is stored only as a SCRAM
    /// verifier authenticates with SCRAM-SHA-256 instead, as in PostgreSQL.
    Md5,
    /// SCRAM-SHA-256 (and SCRAM-SHA-256-PLUS with channel binding over TLS).
    ScramSha256,
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Trust => "trust",
            AuthMethod::Password => "password",
            AuthMethod::Md5 => "md5",
            AuthMethod::ScramSha256 => "scram-sha-256",
        }
    }

    pub fn parse(s: &str) -> Result<AuthMethod, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "trust" => Ok(AuthMethod::Trust),
            "password" => Ok(AuthMethod::Password),
            "md5" => Ok(AuthMethod::Md5),
            "scram-sha-256" | "scram" => Ok(AuthMethod::ScramSha256),
            _ => Err(format!(
                "unknown authentication method \"{s}\" (expected \"trust\", \"password\", \"md5\" or \"scram-sha-256\")"
            )),
        }
    }
}

/// Whether clients may, or must, use TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// SSLRequest is answered 'N'.
    #[default]
    Off,
    /// TLS when the client asks for it, plaintext otherwise.
    Allow,
    /// A plaintext startup is refused with FATAL 28000.
    Require,
}

impl TlsMode {
    pub fn name(self) -> &'static str {
        match self {
            TlsMode::Off => "off",
            TlsMode::Allow => "allow",
            TlsMode::Require => "require",
        }
    }

    pub fn parse(s: &str) -> Result<TlsMode, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "disable" => Ok(TlsMode::Off),
            "allow" | "prefer" | "on" => Ok(TlsMode::Allow),
            "require" => Ok(TlsMode::Require),
            _ => Err(format!("unknown TLS mode \"{s}\" (expected \"off\", \"allow\" or \"require\")")),
        }
    }
}

/// The certificate chain and private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// PostgreSQL's default max_connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    pub auth_method: AuthMethod,
    /// Users from the configuration: created at start (LOGIN SUPERUSER) when missing,
    /// their password reset to this one otherwise.
    pub users: Vec<(String, String)>,
    pub tls: Option<TlsFiles>,
    pub tls_mode: TlsMode,
    pub max_connections: usize,
    /// Session defaults (PostgreSQL values such as `30s`); `None`: 0, no limit.
    pub statement_timeout: Option<String>,
    pub idle_in_transaction_session_timeout: Option<String>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            auth_method: AuthMethod::Trust,
            users: Vec::new(),
            tls: None,
            tls_mode: TlsMode::Off,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            statement_timeout: None,
            idle_in_transaction_session_timeout: None,
        }
    }
}

/// Checks a duration setting (`statement_timeout`, ...) the way SET would.
pub fn check_duration(name: &str, value: &str) -> Result<(), String> {
    orbit_sql::timeouts::parse_ms(name, value).map(|_| ()).map_err(|e| e.message)
}

/// Parses `name=password[,name=password...]` (the flag and environment form of the
/// configured users; a password with a comma goes in the TOML file).
pub fn parse_users(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut users = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.split_once('=') {
            Some((name, password)) if !name.trim().is_empty() => {
                users.push((name.trim().to_string(), password.to_string()))
            }
            _ => return Err(format!("invalid user \"{item}\" (expected name=password)")),
        }
    }
    Ok(users)
}
