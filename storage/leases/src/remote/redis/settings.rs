//! The `[providers.<name>] type = "Redis"` table, read field by field: every error names
//! `providers.<name>.<field>`, an unknown field is refused with the list of known ones.
//!
//! Fields (the persistence documents' `url`, `cluster_mode`, `database`, `password`,
//! `prefix`, `pool_size`, `retry_count`, plus `host`/`port`, `username`, the two timeouts
//! in seconds, and TLS: a `rediss://` url or `tls = true`, with `ca_cert` and
//! `client_cert`/`client_key` PEM files named as in the etcd provider): see [`RedisSettings`].

use crate::provider::{LeaseError, LeaseResult};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Every field a Redis provider table may have.
pub const FIELDS: &[&str] = &[
    "url",
    "host",
    "port",
    "cluster_mode",
    "database",
    "username",
    "password",
    "prefix",
    "pool_size",
    "retry_count",
    "connection_timeout",
    "command_timeout",
    "tls",
    "ca_cert",
    "client_cert",
    "client_key",
];

/// A Redis provider's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`, from `url` or from `host` and `port`.
    pub url: String,
    /// `database`: the logical database (SELECT), overriding the URL's `/db`.
    pub database: Option<i64>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `prefix`: every key of this directory starts with `<prefix>:` (default "orbit").
    pub prefix: String,
    /// `pool_size`: multiplexed connections used round-robin (default 4, 1..=64).
    pub pool_size: usize,
    /// `retry_count`: further attempts to connect when connecting fails (default 3).
    pub retry_count: u32,
    /// `connection_timeout` in seconds (default 5).
    pub connection_timeout: Duration,
    /// `command_timeout` in seconds: how long one call waits for its reply (default 5).
    pub command_timeout: Duration,
    /// `ca_cert`: PEM file of the CA that signed the server's certificate (TLS only;
    /// default: the system's trusted roots).
    pub ca_cert: Option<PathBuf>,
    /// `client_cert` and `client_key`: PEM files of a client certificate, for servers that
    /// ask for one (`tls-auth-clients`).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: "redis://127.0.0.1:6379".into(),
            database: None,
            username: None,
            password: None,
            prefix: "orbit".into(),
            pool_size: 4,
            retry_count: 3,
            connection_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(5),
            ca_cert: None,
            client_cert: None,
            client_key: None,
        }
    }
}

/// Reads the fields of one provider table.
struct Fields<'a> {
    provider: &'a str,
    table: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn error(&self, field: &str, message: impl std::fmt::Display) -> LeaseError {
        LeaseError::Config(format!("providers.{}.{field}: {message}", self.provider))
    }

    fn string(&self, field: &str) -> LeaseResult<Option<String>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.error(field, "expected a string")),
        }
    }

    fn integer(&self, field: &str, min: i64, max: i64) -> LeaseResult<Option<i64>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(self.error(field, format!("expected an integer from {min} to {max}, got {n}"))),
            },
            Some(_) => Err(self.error(field, format!("expected an integer from {min} to {max}"))),
        }
    }

    fn seconds(&self, field: &str) -> LeaseResult<Option<Duration>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(s) if s > 0.0 && s <= 3600.0 => Ok(Some(Duration::from_secs_f64(s))),
                _ => Err(self.error(field, format!("expected seconds above 0 and at most 3600, got {n}"))),
            },
            Some(_) => Err(self.error(field, "expected a number of seconds")),
        }
    }

    fn boolean(&self, field: &str) -> LeaseResult<Option<bool>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(field, "expected true or false")),
        }
    }
}

impl RedisSettings {
    /// Reads `table` (the provider's table without `type`).
    pub fn from_table(provider: &str, table: &Map<String, Value>) -> LeaseResult<RedisSettings> {
        let f = Fields { provider, table };
        if let Some(unknown) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(f.error(unknown, format!("unknown field (expected one of: {})", FIELDS.join(", "))));
        }
        let mut s = RedisSettings::default();
        if f.boolean("cluster_mode")? == Some(true) {
            return Err(f.error(
                "cluster_mode",
                "Redis Cluster is not supported: each lease change is one Lua script over several keys \
                 (lease, fencing counter, by-node index), which a cluster would spread over slots; \
                 use a standalone server or a primary with replicas",
            ));
        }
        let url = f.string("url")?;
        let host = f.string("host")?;
        let tls = f.boolean("tls")?;
        let port = f.integer("port", 1, 65_535)?;
        s.url = match (url, host) {
            (Some(_), Some(_)) => return Err(f.error("host", "give either url or host (and port), not both")),
            (Some(url), None) => {
                if port.is_some() {
                    return Err(f.error("port", "give the port inside url, or use host and port"));
                }
                check_url(&f, &url)?;
                if tls.is_some_and(|tls| tls != url.starts_with("rediss://")) {
                    return Err(f.error("tls", "the url's scheme says it: rediss:// for TLS, redis:// without"));
                }
                url
            }
            (None, Some(host)) => {
                if host.is_empty() || host.contains(['/', '@', ' ']) {
                    return Err(f.error("host", format!("\"{host}\" is not a host name or address")));
                }
                let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
                format!("{}://{host}:{}", scheme(tls), port.unwrap_or(6379))
            }
            (None, None) => format!("{}://127.0.0.1:{}", scheme(tls), port.unwrap_or(6379)),
        };
        for (field, slot) in
            [("ca_cert", &mut s.ca_cert), ("client_cert", &mut s.client_cert), ("client_key", &mut s.client_key)]
        {
            if let Some(path) = f.string(field)? {
                if path.is_empty() {
                    return Err(f.error(field, "expected a file path"));
                }
                if !s.url.starts_with("rediss://") {
                    return Err(f.error(field, "only with TLS (a rediss:// url, or tls = true)"));
                }
                *slot = Some(PathBuf::from(path));
            }
        }
        if s.client_cert.is_some() != s.client_key.is_some() {
            let missing = if s.client_cert.is_some() { "client_key" } else { "client_cert" };
            return Err(f.error(missing, "client_cert and client_key go together"));
        }
        s.database = f.integer("database", 0, 1 << 20)?;
        s.username = f.string("username")?;
        s.password = f.string("password")?;
        if let Some(prefix) = f.string("prefix")? {
            if prefix.is_empty() || prefix.len() > 256 {
                return Err(f.error("prefix", "expected 1 to 256 characters"));
            }
            s.prefix = prefix;
        }
        if let Some(n) = f.integer("pool_size", 1, 64)? {
            s.pool_size = n as usize;
        }
        if let Some(n) = f.integer("retry_count", 0, 10)? {
            s.retry_count = n as u32;
        }
        if let Some(d) = f.seconds("connection_timeout")? {
            s.connection_timeout = d;
        }
        if let Some(d) = f.seconds("command_timeout")? {
            s.command_timeout = d;
        }
        Ok(s)
    }
}

fn scheme(tls: Option<bool>) -> &'static str {
    if tls == Some(true) {
        "rediss"
    } else {
        "redis"
    }
}

fn check_url(f: &Fields<'_>, url: &str) -> LeaseResult<()> {
    if !url.starts_with("redis://") && !url.starts_with("rediss://") {
        return Err(f.error("url", format!("\"{url}\" is not a redis:// or rediss:// URL")));
    }
    if url.contains('#') {
        return Err(f.error(
            "url",
            "no URL fragment (#insecure is refused: the server's certificate is always checked; name its CA \
             in ca_cert)",
        ));
    }
    if redis::parse_redis_url(url).is_none() {
        return Err(f.error("url", format!("\"{url}\" does not parse as a URL")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> LeaseResult<RedisSettings> {
        let Value::Object(table) = value else { panic!("a table") };
        RedisSettings::from_table("r", &table)
    }

    fn error_of(value: Value) -> String {
        read(value).expect_err("a bad setting").to_string()
    }

    #[test]
    fn documented_fields_are_read() {
        let s = read(json!({"url": "redis://localhost:6380", "cluster_mode": false, "database": 2,
            "password": "secret", "prefix": "p", "pool_size": 10, "retry_count": 1,
            "connection_timeout": 0.5, "command_timeout": 2}))
        .expect("settings");
        assert_eq!(s.url, "redis://localhost:6380");
        assert_eq!((s.database, s.password.as_deref(), s.prefix.as_str()), (Some(2), Some("secret"), "p"));
        assert_eq!((s.pool_size, s.retry_count), (10, 1));
        assert_eq!((s.connection_timeout, s.command_timeout), (Duration::from_millis(500), Duration::from_secs(2)));
        let s = read(json!({"host": "10.0.0.7", "port": 7000})).expect("host and port");
        assert_eq!(s.url, "redis://10.0.0.7:7000");
        assert_eq!(read(json!({})).expect("defaults"), RedisSettings::default());
        let s = read(json!({"host": "cache.internal", "port": 6380, "tls": true, "ca_cert": "/etc/orbit/ca.pem",
            "client_cert": "/etc/orbit/c.pem", "client_key": "/etc/orbit/c.key"}))
        .expect("tls");
        assert_eq!(s.url, "rediss://cache.internal:6380");
        assert_eq!(s.ca_cert, Some(PathBuf::from("/etc/orbit/ca.pem")));
        assert_eq!((s.client_cert.is_some(), s.client_key.is_some()), (true, true));
        assert_eq!(read(json!({"url": "rediss://h:1", "tls": true})).expect("rediss").url, "rediss://h:1");
    }

    #[test]
    fn bad_settings_name_their_field() {
        let cases = [
            (json!({"urll": "redis://x"}), "providers.r.urll: unknown field"),
            (json!({"url": 5}), "providers.r.url: expected a string"),
            (json!({"url": "http://x"}), "providers.r.url: \"http://x\" is not a redis:// or rediss:// URL"),
            (json!({"url": "rediss://x:6379/#insecure"}), "providers.r.url: no URL fragment (#insecure is refused"),
            (json!({"url": "redis://x", "tls": true}), "providers.r.tls: the url's scheme says it"),
            (json!({"url": "redis://x", "ca_cert": "/ca.pem"}), "providers.r.ca_cert: only with TLS"),
            (json!({"tls": true, "ca_cert": ""}), "providers.r.ca_cert: expected a file path"),
            (json!({"tls": true, "client_cert": "/c.pem"}), "providers.r.client_key: client_cert and client_key go"),
            (json!({"tls": "yes"}), "providers.r.tls: expected true or false"),
            (json!({"url": "redis://x", "host": "y"}), "providers.r.host: give either url"),
            (json!({"url": "redis://x", "port": 1}), "providers.r.port:"),
            (json!({"port": 0}), "providers.r.port: expected an integer from 1 to 65535"),
            (json!({"database": -1}), "providers.r.database:"),
            (json!({"pool_size": 0}), "providers.r.pool_size:"),
            (json!({"retry_count": "3"}), "providers.r.retry_count:"),
            (json!({"prefix": ""}), "providers.r.prefix:"),
            (json!({"connection_timeout": 0}), "providers.r.connection_timeout:"),
            (json!({"command_timeout": "5s"}), "providers.r.command_timeout:"),
            (json!({"cluster_mode": true}), "providers.r.cluster_mode: Redis Cluster is not supported"),
            (json!({"host": "a/b"}), "providers.r.host:"),
        ];
        for (value, want) in cases {
            let text = error_of(value.clone());
            assert!(text.contains(want), "{value}: {text}");
        }
    }
}
