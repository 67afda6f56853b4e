//! The ArangoDB (HTTP/AQL) listener's settings, `[aql]` with `[aql.users]`: users, whether
//! requests must authenticate, the JWT secret, the largest request body and the connection
//! cap. Resolved like every other setting (flag > variable > file > default, every given
//! layer validated).

use super::ConfigError;
use super::{parse_bool, parse_file, parse_max_connections, value_flags, Layers, Setting, Source};
use clap::Command;
use serde::Deserialize;
use std::collections::BTreeMap;

pub mod names {
    pub const USERS_FLAG: &str = "--aql-users";
    pub const USERS_ENV: &str = "ORBIT_AQL_USERS";
    pub const AUTH_FLAG: &str = "--aql-auth";
    pub const AUTH_ENV: &str = "ORBIT_AQL_AUTH";
    pub const JWT_SECRET_FLAG: &str = "--aql-jwt-secret";
    pub const JWT_SECRET_ENV: &str = "ORBIT_AQL_JWT_SECRET";
    pub const MAX_BODY_FLAG: &str = "--aql-max-body-bytes";
    pub const MAX_BODY_ENV: &str = "ORBIT_AQL_MAX_BODY_BYTES";
    pub const MAX_CONNECTIONS_FLAG: &str = "--aql-max-connections";
    pub const MAX_CONNECTIONS_ENV: &str = "ORBIT_AQL_MAX_CONNECTIONS";
}

/// Connections at most unless configured.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The largest request body unless configured (ArangoDB accepts bodies this large too).
pub const DEFAULT_MAX_BODY_BYTES: usize = 512 << 20;
const MIN_BODY_BYTES: usize = 1024;
const MAX_BODY_BYTES: usize = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AqlConfig {
    /// Empty: `root` with an empty password (ArangoDB without ARANGO_ROOT_PASSWORD).
    pub users: Setting<Vec<(String, String)>>,
    pub auth: Setting<bool>,
    /// None: a random secret per start (tokens do not outlive the process).
    pub jwt_secret: Setting<Option<String>>,
    pub max_body_bytes: Setting<usize>,
    pub max_connections: Setting<usize>,
}

impl AqlConfig {
    /// What the ArangoDB listener is given.
    pub fn options(&self) -> orbit_aql::http::AqlOptions {
        orbit_aql::http::AqlOptions {
            users: self.users.value.clone(),
            authentication: self.auth.value,
            jwt_secret: self.jwt_secret.value.clone(),
            max_body_bytes: self.max_body_bytes.value,
            max_connections: Some(self.max_connections.value),
        }
    }
}

/// The `[aql]` table: the protocol keys plus the listener's settings.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AqlTable {
    pub enabled: Option<bool>,
    pub mode: Option<String>,
    pub port: Option<u16>,
    /// `[aql.users]`: name = "password".
    users: Option<BTreeMap<String, String>>,
    auth: Option<bool>,
    jwt_secret: Option<String>,
    max_body_bytes: Option<u64>,
    max_connections: Option<u64>,
}

/// The command-line flags of these settings.
pub(super) fn args(cmd: Command) -> Command {
    let flags: [(&'static str, &'static str, String); 5] = [
        (
            names::USERS_FLAG,
            "NAME=PASSWORD,...",
            format!("ArangoDB users [env: {}] [default: root with an empty password]", names::USERS_ENV),
        ),
        (
            names::AUTH_FLAG,
            "BOOL",
            format!("Require ArangoDB HTTP authentication (true|false) [env: {}] [default: true]", names::AUTH_ENV),
        ),
        (
            names::JWT_SECRET_FLAG,
            "SECRET",
            format!("HS256 secret of ArangoDB JWTs [env: {}] [default: random per start]", names::JWT_SECRET_ENV),
        ),
        (
            names::MAX_BODY_FLAG,
            "BYTES",
            format!(
                "Largest ArangoDB request body accepted [env: {}] [default: {DEFAULT_MAX_BODY_BYTES}]",
                names::MAX_BODY_ENV
            ),
        ),
        (
            names::MAX_CONNECTIONS_FLAG,
            "N",
            format!(
                "ArangoDB HTTP connections at most [env: {}] [default: {DEFAULT_MAX_CONNECTIONS}]",
                names::MAX_CONNECTIONS_ENV
            ),
        ),
    ];
    value_flags(cmd, flags)
}

fn parse_secret(s: &str) -> Result<Option<String>, String> {
    if s.is_empty() {
        return Err("the JWT secret must not be empty".into());
    }
    if s.len() > 4096 {
        return Err("the JWT secret is longer than 4096 bytes".into());
    }
    Ok(Some(s.to_string()))
}

fn parse_body(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (MIN_BODY_BYTES..=MAX_BODY_BYTES).contains(&n) => Ok(n),
        _ => Err(format!("invalid max_body_bytes \"{s}\" (expected bytes from {MIN_BODY_BYTES} to {MAX_BODY_BYTES})")),
    }
}

pub(super) fn resolve(
    layers: &Layers<'_>,
    table: &AqlTable,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<AqlConfig, ConfigError> {
    let key = |k: &str| from_file(&format!("[aql] {k}"));
    let users = layers.resolve(
        names::USERS_FLAG,
        names::USERS_ENV,
        table.users.as_ref().map(|u| (u.iter().map(|(k, v)| (k.clone(), v.clone())).collect(), key("users"))),
        Vec::new(),
        orbit_postgres::options::parse_users,
    )?;
    let auth =
        layers.resolve(names::AUTH_FLAG, names::AUTH_ENV, table.auth.map(|v| (v, key("auth"))), true, parse_bool)?;
    let jwt_secret = layers.resolve(
        names::JWT_SECRET_FLAG,
        names::JWT_SECRET_ENV,
        parse_file(table.jwt_secret.as_deref(), key("jwt_secret"), parse_secret)?,
        None,
        parse_secret,
    )?;
    let max_body_bytes = layers.resolve(
        names::MAX_BODY_FLAG,
        names::MAX_BODY_ENV,
        parse_file(table.max_body_bytes.map(|n| n.to_string()).as_deref(), key("max_body_bytes"), parse_body)?,
        DEFAULT_MAX_BODY_BYTES,
        parse_body,
    )?;
    let max_connections = layers.resolve(
        names::MAX_CONNECTIONS_FLAG,
        names::MAX_CONNECTIONS_ENV,
        parse_file(
            table.max_connections.map(|n| n.to_string()).as_deref(),
            key("max_connections"),
            parse_max_connections,
        )?,
        DEFAULT_MAX_CONNECTIONS,
        parse_max_connections,
    )?;
    Ok(AqlConfig { users, auth, jwt_secret, max_body_bytes, max_connections })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{invalid, load};
    use super::*;

    #[test]
    fn defaults() {
        let c = load(&[], &[]).expect("defaults").aql;
        assert!(c.users.value.is_empty());
        assert!(c.auth.value);
        assert_eq!(c.jwt_secret.value, None);
        assert_eq!(c.max_body_bytes.value, 512 << 20);
        assert_eq!(c.max_connections.value, DEFAULT_MAX_CONNECTIONS);
        let options = c.options();
        assert!(options.users.is_empty() && options.authentication && options.jwt_secret.is_none());
        assert_eq!(options.max_connections, Some(DEFAULT_MAX_CONNECTIONS));
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(
            &file,
            "[aql]\nport = 8530\nauth = false\njwt_secret = \"from-file\"\nmax_body_bytes = 65536\n\
             max_connections = 7\n[aql.users]\nroot = \"\"\nalice = \"pw\"\n",
        )
        .expect("write");
        let f = file.to_str().expect("utf-8 path");
        let config = load(&["--config", f], &[]).expect("file");
        let port = config.protocol(orbit_protocol_api::Protocol::Aql).and_then(|p| p.port.as_ref()).map(|p| p.value);
        assert_eq!(port, Some(8530));
        let c = config.aql;
        assert_eq!(c.users.value, vec![("alice".to_string(), "pw".to_string()), ("root".to_string(), String::new())]);
        assert!(!c.auth.value);
        assert_eq!(c.jwt_secret.value.as_deref(), Some("from-file"));
        assert_eq!((c.max_body_bytes.value, c.max_connections.value), (65536, 7));
        let options = c.options();
        assert!(!options.authentication);
        assert_eq!((options.max_body_bytes, options.max_connections), (65536, Some(7)));

        let c = load(
            &["--config", f, "--aql-auth", "true", "--aql-jwt-secret", "from-flag"],
            &[("ORBIT_AQL_AUTH", "false"), ("ORBIT_AQL_USERS", "root=secret,bob=x"), ("ORBIT_AQL_JWT_SECRET", "env")],
        )
        .expect("flag and env")
        .aql;
        assert_eq!(c.auth, Setting::new(true, Source::Flag(names::AUTH_FLAG)));
        assert_eq!(c.jwt_secret, Setting::new(Some("from-flag".to_string()), Source::Flag(names::JWT_SECRET_FLAG)));
        assert_eq!(c.users.value.len(), 2);
        assert_eq!(c.users.source, Source::Env(names::USERS_ENV));
        let c = load(&["--aql-max-body-bytes", "2048", "--aql-max-connections", "3"], &[]).expect("flags").aql;
        assert_eq!((c.options().max_body_bytes, c.options().max_connections), (2048, Some(3)));
    }

    #[test]
    fn bad_values_name_the_setting() {
        assert_eq!(invalid(&["--aql-auth", "maybe"], &[]).setting, names::AUTH_FLAG);
        assert_eq!(invalid(&["--aql-users", "nopassword"], &[]).setting, names::USERS_FLAG);
        assert_eq!(invalid(&["--aql-jwt-secret", ""], &[]).setting, names::JWT_SECRET_FLAG);
        assert_eq!(invalid(&[], &[("ORBIT_AQL_MAX_BODY_BYTES", "10")]).setting, names::MAX_BODY_ENV);
        assert_eq!(invalid(&["--aql-max-body-bytes", "x"], &[]).setting, names::MAX_BODY_FLAG);
        assert_eq!(invalid(&["--aql-max-connections", "0"], &[]).setting, names::MAX_CONNECTIONS_FLAG);
    }
}
