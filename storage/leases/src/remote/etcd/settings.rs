//! The settings of an etcd provider (`[providers.<name>] type = "Etcd"`), read field by
//! field from the provider's table; an unknown field or a bad value is a
//! [`LeaseError::Config`] naming `providers.<name>.<field>`.

use crate::provider::{LeaseError, LeaseResult};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// etcd's default `--max-txn-ops`.
pub const DEFAULT_MAX_TXN_OPS: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub struct EtcdSettings {
    /// Client URLs, tried in order on connection errors.
    pub endpoints: Vec<String>,
    /// The namespace of every key (no trailing `/`).
    pub prefix: String,
    /// The TTL of each node's etcd lease, in seconds.
    pub lease_ttl_secs: i64,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub connection_timeout: Duration,
    pub request_timeout: Duration,
    /// The server's `--max-txn-ops`: a transaction needing more is refused.
    pub max_txn_ops: usize,
}

impl Default for EtcdSettings {
    fn default() -> Self {
        EtcdSettings {
            endpoints: vec!["http://127.0.0.1:2379".into()],
            prefix: "orbit".into(),
            lease_ttl_secs: 60,
            username: None,
            password: None,
            ca_cert: None,
            client_cert: None,
            client_key: None,
            connection_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_txn_ops: DEFAULT_MAX_TXN_OPS,
        }
    }
}

/// The fields an etcd provider accepts.
pub const FIELDS: &[&str] = &[
    "endpoints",
    "prefix",
    "key_prefix",
    "lease_ttl",
    "username",
    "password",
    "ca_cert",
    "client_cert",
    "client_key",
    "connection_timeout",
    "request_timeout",
    "max_txn_ops",
];

impl EtcdSettings {
    /// Reads the table of provider `name`.
    pub fn parse(name: &str, table: &Map<String, Value>) -> LeaseResult<EtcdSettings> {
        let field = |f: &str, why: String| LeaseError::Config(format!("providers.{name}.{f}: {why}"));
        if let Some(unknown) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(field(unknown, format!("unknown field of an Etcd provider (known: {})", FIELDS.join(", "))));
        }
        let mut s = EtcdSettings::default();
        if let Some(v) = table.get("endpoints") {
            let list = match v {
                Value::String(one) => vec![one.clone()],
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string).ok_or_else(|| field("endpoints", "not a string".into())))
                    .collect::<LeaseResult<Vec<_>>>()?,
                _ => return Err(field("endpoints", "expected a list of URLs".into())),
            };
            if list.is_empty() {
                return Err(field("endpoints", "the list is empty".into()));
            }
            s.endpoints = list
                .into_iter()
                .map(|e| {
                    if e.starts_with("http://") || e.starts_with("https://") {
                        Ok(e.trim_end_matches('/').to_string())
                    } else {
                        Err(field("endpoints", format!("{e:?} is not an http:// or https:// URL")))
                    }
                })
                .collect::<LeaseResult<_>>()?;
        }
        match (table.get("prefix"), table.get("key_prefix")) {
            (Some(_), Some(_)) => return Err(field("key_prefix", "give prefix or key_prefix, not both".into())),
            (Some(v), None) => s.prefix = string(v).ok_or_else(|| field("prefix", "expected a string".into()))?,
            (None, Some(v)) => s.prefix = string(v).ok_or_else(|| field("key_prefix", "expected a string".into()))?,
            (None, None) => {}
        }
        s.prefix = s.prefix.trim_end_matches('/').to_string();
        if let Some(v) = table.get("lease_ttl") {
            s.lease_ttl_secs =
                integer(v, 1, 86_400).ok_or_else(|| field("lease_ttl", "expected seconds, 1 to 86400".into()))?;
        }
        for (f, slot) in [("username", &mut s.username), ("password", &mut s.password)] {
            if let Some(v) = table.get(f) {
                *slot = Some(string(v).ok_or_else(|| field(f, "expected a string".into()))?);
            }
        }
        if s.username.is_some() != s.password.is_some() {
            let missing = if s.username.is_some() { "password" } else { "username" };
            return Err(field(missing, "username and password go together".into()));
        }
        for (f, slot) in
            [("ca_cert", &mut s.ca_cert), ("client_cert", &mut s.client_cert), ("client_key", &mut s.client_key)]
        {
            if let Some(v) = table.get(f) {
                *slot = Some(PathBuf::from(string(v).ok_or_else(|| field(f, "expected a file path".into()))?));
            }
        }
        if s.client_cert.is_some() != s.client_key.is_some() {
            let missing = if s.client_cert.is_some() { "client_key" } else { "client_cert" };
            return Err(field(missing, "client_cert and client_key go together".into()));
        }
        for (f, slot) in
            [("connection_timeout", &mut s.connection_timeout), ("request_timeout", &mut s.request_timeout)]
        {
            if let Some(v) = table.get(f) {
                let secs = integer(v, 1, 3_600).ok_or_else(|| field(f, "expected seconds, 1 to 3600".into()))?;
                *slot = Duration::from_secs(secs as u64);
            }
        }
        if let Some(v) = table.get("max_txn_ops") {
            s.max_txn_ops = integer(v, 2, 1_000_000)
                .ok_or_else(|| field("max_txn_ops", "expected a count, 2 or more".into()))?
                as usize;
        }
        Ok(s)
    }
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn integer(v: &Value, min: i64, max: i64) -> Option<i64> {
    v.as_i64().filter(|n| (min..=max).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn documented_fields_parse() {
        let s = EtcdSettings::parse(
            "etcd",
            &table(json!({"endpoints": ["http://a:2379/", "https://b:2379"], "prefix": "orbit/", "lease_ttl": 300,
                "username": "orbit", "password": "secret", "request_timeout": 3})),
        )
        .expect("parses");
        assert_eq!(s.endpoints, vec!["http://a:2379", "https://b:2379"]);
        assert_eq!((s.prefix.as_str(), s.lease_ttl_secs), ("orbit", 300));
        assert_eq!(s.username.as_deref(), Some("orbit"));
        assert_eq!(s.request_timeout, Duration::from_secs(3));
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (json!({"endpoint": "http://a"}), "providers.e.endpoint:"),
            (json!({"endpoints": []}), "providers.e.endpoints:"),
            (json!({"endpoints": ["a:2379"]}), "providers.e.endpoints:"),
            (json!({"lease_ttl": 0}), "providers.e.lease_ttl:"),
            (json!({"lease_ttl": "30"}), "providers.e.lease_ttl:"),
            (json!({"username": "u"}), "providers.e.password:"),
            (json!({"client_key": "/k"}), "providers.e.client_cert:"),
            (json!({"prefix": "a", "key_prefix": "b"}), "providers.e.key_prefix:"),
            (json!({"max_txn_ops": 1}), "providers.e.max_txn_ops:"),
        ];
        for (t, want) in cases {
            match EtcdSettings::parse("e", &table(t.clone())) {
                Err(LeaseError::Config(text)) => assert!(text.starts_with(want), "{t}: {text}"),
                other => panic!("{t}: expected a Config error naming {want}, got {other:?}"),
            }
        }
    }
}
