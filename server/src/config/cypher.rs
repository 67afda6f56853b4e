//! The Cypher (Bolt) listener's settings, `[cypher]` with `[cypher.users]`: users and
//! whether authentication is on, the address routing tables advertise, the connection
//! cap, the largest message, and the TCK's test procedures. Resolved like every other
//! setting (flag > variable > file > default, every given layer validated).

use super::ConfigError;
use super::{parse_bool, parse_file, parse_max_connections, value_flags, Layers, Setting, Source};
use clap::Command;
use serde::Deserialize;
use std::collections::BTreeMap;

pub mod names {
    pub const USERS_FLAG: &str = "--cypher-users";
    pub const USERS_ENV: &str = "ORBIT_CYPHER_USERS";
    pub const AUTH_FLAG: &str = "--cypher-auth";
    pub const AUTH_ENV: &str = "ORBIT_CYPHER_AUTH";
    pub const ADVERTISED_FLAG: &str = "--cypher-advertised-address";
    pub const ADVERTISED_ENV: &str = "ORBIT_CYPHER_ADVERTISED_ADDRESS";
    pub const MAX_CONNECTIONS_FLAG: &str = "--cypher-max-connections";
    pub const MAX_CONNECTIONS_ENV: &str = "ORBIT_CYPHER_MAX_CONNECTIONS";
    pub const MAX_MESSAGE_FLAG: &str = "--cypher-max-message-bytes";
    pub const MAX_MESSAGE_ENV: &str = "ORBIT_CYPHER_MAX_MESSAGE_BYTES";
    pub const TEST_PROCEDURES_FLAG: &str = "--cypher-test-procedures";
    pub const TEST_PROCEDURES_ENV: &str = "ORBIT_CYPHER_TEST_PROCEDURES";
}

/// Connections at most unless configured.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CypherConfig {
    /// Empty: the engine's single user `neo4j` with the password `password`.
    pub users: Setting<Vec<(String, String)>>,
    pub auth: Setting<bool>,
    /// `host:port`; None: the address the listener is bound to.
    pub advertised_address: Setting<Option<String>>,
    pub max_connections: Setting<usize>,
    pub max_message_bytes: Setting<usize>,
    pub test_procedures: Setting<bool>,
}

impl CypherConfig {
    /// What the Bolt listener is given.
    pub fn options(&self) -> orbit_bolt::server::BoltOptions {
        orbit_bolt::server::BoltOptions {
            max_message_bytes: self.max_message_bytes.value,
            advertised_address: self.advertised_address.value.clone(),
            max_connections: Some(self.max_connections.value),
            ..orbit_bolt::server::BoltOptions::default()
        }
    }

    /// What the engine is opened with.
    pub fn engine_options(&self) -> orbit_cypher::exec::EngineOptions {
        orbit_cypher::exec::EngineOptions {
            users: self.users.value.iter().cloned().collect(),
            auth_enabled: self.auth.value,
            test_procedures: self.test_procedures.value,
            ..orbit_cypher::exec::EngineOptions::default()
        }
    }
}

/// The `[cypher]` table: the protocol keys plus the listener's settings.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CypherTable {
    pub enabled: Option<bool>,
    pub mode: Option<String>,
    pub port: Option<u16>,
    /// `[cypher.users]`: name = "password".
    users: Option<BTreeMap<String, String>>,
    auth: Option<bool>,
    advertised_address: Option<String>,
    max_connections: Option<u64>,
    max_message_bytes: Option<u64>,
    test_procedures: Option<bool>,
}

/// The command-line flags of these settings.
pub(super) fn args(cmd: Command) -> Command {
    let flags: [(&'static str, &'static str, String); 6] = [
        (
            names::USERS_FLAG,
            "NAME=PASSWORD,...",
            format!("Neo4j users [env: {}] [default: neo4j with password \"password\"]", names::USERS_ENV),
        ),
        (
            names::AUTH_FLAG,
            "BOOL",
            format!("Require Bolt authentication (true|false) [env: {}] [default: true]", names::AUTH_ENV),
        ),
        (
            names::ADVERTISED_FLAG,
            "HOST:PORT",
            format!(
                "Address Bolt routing tables advertise [env: {}] [default: the bound address]",
                names::ADVERTISED_ENV
            ),
        ),
        (
            names::MAX_CONNECTIONS_FLAG,
            "N",
            format!(
                "Bolt connections at most [env: {}] [default: {DEFAULT_MAX_CONNECTIONS}]",
                names::MAX_CONNECTIONS_ENV
            ),
        ),
        (
            names::MAX_MESSAGE_FLAG,
            "BYTES",
            format!(
                "Largest Bolt message accepted [env: {}] [default: {}]",
                names::MAX_MESSAGE_ENV,
                orbit_bolt::server::DEFAULT_MAX_MESSAGE_BYTES
            ),
        ),
        (
            names::TEST_PROCEDURES_FLAG,
            "BOOL",
            format!(
                "Register the openCypher TCK's test procedures (true|false) [env: {}] [default: false]",
                names::TEST_PROCEDURES_ENV
            ),
        ),
    ];
    value_flags(cmd, flags)
}

fn parse_address(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    let bad = || format!("invalid advertised address \"{s}\" (expected host:port)");
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

pub(super) fn resolve(
    layers: &Layers<'_>,
    table: &CypherTable,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<CypherConfig, ConfigError> {
    let key = |k: &str| from_file(&format!("[cypher] {k}"));
    let users = layers.resolve(
        names::USERS_FLAG,
        names::USERS_ENV,
        table.users.as_ref().map(|u| (u.iter().map(|(k, v)| (k.clone(), v.clone())).collect(), key("users"))),
        Vec::new(),
        orbit_postgres::options::parse_users,
    )?;
    let auth =
        layers.resolve(names::AUTH_FLAG, names::AUTH_ENV, table.auth.map(|v| (v, key("auth"))), true, parse_bool)?;
    let advertised_address = layers.resolve(
        names::ADVERTISED_FLAG,
        names::ADVERTISED_ENV,
        parse_file(table.advertised_address.as_deref(), key("advertised_address"), parse_address)?,
        None,
        parse_address,
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
    let parse_message = |s: &str| match s.trim().parse::<usize>() {
        Ok(n) if (4096..=256 << 20).contains(&n) => Ok(n),
        _ => Err(format!("invalid max_message_bytes \"{s}\" (expected bytes from 4096 to 268435456)")),
    };
    let max_message_bytes = layers.resolve(
        names::MAX_MESSAGE_FLAG,
        names::MAX_MESSAGE_ENV,
        parse_file(table.max_message_bytes.map(|n| n.to_string()).as_deref(), key("max_message_bytes"), parse_message)?,
        orbit_bolt::server::DEFAULT_MAX_MESSAGE_BYTES,
        parse_message,
    )?;
    let test_procedures = layers.resolve(
        names::TEST_PROCEDURES_FLAG,
        names::TEST_PROCEDURES_ENV,
        table.test_procedures.map(|v| (v, key("test_procedures"))),
        false,
        parse_bool,
    )?;
    Ok(CypherConfig { users, auth, advertised_address, max_connections, max_message_bytes, test_procedures })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{invalid, load};
    use super::*;

    #[test]
    fn defaults() {
        let c = load(&[], &[]).expect("defaults").cypher;
        assert!(c.users.value.is_empty());
        assert!(c.auth.value);
        assert_eq!(c.advertised_address.value, None);
        assert_eq!(c.max_connections.value, DEFAULT_MAX_CONNECTIONS);
        assert_eq!(c.max_message_bytes.value, 16 << 20);
        assert!(!c.test_procedures.value);
        assert!(c.engine_options().users.is_empty());
        assert_eq!(c.options().max_connections, Some(DEFAULT_MAX_CONNECTIONS));
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(
            &file,
            "[cypher]\nport = 7000\nauth = false\nadvertised_address = \"graph.example:7000\"\nmax_connections = 5\n\
             max_message_bytes = 65536\ntest_procedures = true\n[cypher.users]\nalice = \"pw\"\n",
        )
        .expect("write");
        let f = file.to_str().expect("utf-8 path");
        let c = load(&["--config", f], &[]).expect("file").cypher;
        assert_eq!(c.users.value, vec![("alice".to_string(), "pw".to_string())]);
        assert!(!c.auth.value);
        assert_eq!(c.advertised_address.value.as_deref(), Some("graph.example:7000"));
        assert_eq!((c.max_connections.value, c.max_message_bytes.value), (5, 65536));
        assert!(c.test_procedures.value);
        let engine = c.engine_options();
        assert_eq!(engine.users.get("alice").map(String::as_str), Some("pw"));
        assert!(!engine.auth_enabled && engine.test_procedures);

        let c = load(
            &["--config", f, "--cypher-auth", "true"],
            &[("ORBIT_CYPHER_AUTH", "false"), ("ORBIT_CYPHER_USERS", "neo4j=secret,bob=x")],
        )
        .expect("flag and env")
        .cypher;
        assert_eq!(c.auth, Setting::new(true, Source::Flag(names::AUTH_FLAG)));
        assert_eq!(c.users.value.len(), 2);
        assert_eq!(c.users.source, Source::Env(names::USERS_ENV));
        let c = load(&["--cypher-advertised-address", "db.internal:7687"], &[]).expect("flag").cypher;
        assert_eq!(c.options().advertised_address.as_deref(), Some("db.internal:7687"));
    }

    #[test]
    fn bad_values_name_the_setting() {
        assert_eq!(invalid(&["--cypher-auth", "maybe"], &[]).setting, names::AUTH_FLAG);
        assert_eq!(invalid(&[], &[("ORBIT_CYPHER_ADVERTISED_ADDRESS", "nohost")]).setting, names::ADVERTISED_ENV);
        assert_eq!(invalid(&["--cypher-advertised-address", ":7687"], &[]).setting, names::ADVERTISED_FLAG);
        assert_eq!(invalid(&["--cypher-max-connections", "0"], &[]).setting, names::MAX_CONNECTIONS_FLAG);
        assert_eq!(invalid(&["--cypher-max-message-bytes", "10"], &[]).setting, names::MAX_MESSAGE_FLAG);
        assert_eq!(invalid(&["--cypher-users", "nopassword"], &[]).setting, names::USERS_FLAG);
        assert_eq!(invalid(&[], &[("ORBIT_CYPHER_TEST_PROCEDURES", "x")]).setting, names::TEST_PROCEDURES_ENV);
    }
}
