//! The `[providers.<name>] type = "Kubernetes"` table, read field by field.
//!
//! Documented fields (the persistence documents): `namespace`, `config_map_name`,
//! `secret_name`, `in_cluster`. Added for a client outside the cluster and for the
//! layout: `api_server`, `token`, `token_file`, `ca_cert`, `insecure_skip_tls_verify`,
//! `shards`, `timeout_secs`. Every error names `providers.<name>.<field>`; unknown fields
//! are refused.

use crate::provider::{LeaseError, LeaseResult};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Where the service account's files are mounted in a pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

const FIELDS: &[&str] = &[
    "namespace",
    "config_map_name",
    "secret_name",
    "in_cluster",
    "api_server",
    "token",
    "token_file",
    "ca_cert",
    "insecure_skip_tls_verify",
    "shards",
    "timeout_secs",
];

/// The most shard ConfigMaps a directory may have.
pub const MAX_SHARDS: u64 = 1024;

/// How the client authenticates with its bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    None,
    Static(String),
    /// Re-read now and then: projected service-account tokens rotate.
    File(PathBuf),
}

/// The settings of one Kubernetes provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesSettings {
    pub namespace: Option<String>,
    /// The name (and name prefix) of the directory's objects: shards are
    /// `<config_map_name>-<i>`, node Leases `<config_map_name>-node-<id>`.
    pub config_map_name: String,
    /// Accepted for the documents' configuration; lease records hold no secret, so no
    /// Secret is read or written.
    pub secret_name: Option<String>,
    pub in_cluster: bool,
    pub api_server: Option<String>,
    pub token: TokenSource,
    pub ca_cert: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub shards: u32,
    pub timeout_secs: u64,
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        KubernetesSettings {
            namespace: None,
            config_map_name: "orbit-data".into(),
            secret_name: None,
            in_cluster: true,
            api_server: None,
            token: TokenSource::None,
            ca_cert: None,
            insecure_skip_tls_verify: false,
            shards: 16,
            timeout_secs: 10,
        }
    }
}

fn field_error(provider: &str, field: &str, message: impl std::fmt::Display) -> LeaseError {
    LeaseError::Config(format!("providers.{provider}.{field}: {message}"))
}

fn string(provider: &str, field: &str, value: &Value) -> LeaseResult<String> {
    match value {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::String(_) => Err(field_error(provider, field, "must not be empty")),
        _ => Err(field_error(provider, field, "expected a string")),
    }
}

fn boolean(provider: &str, field: &str, value: &Value) -> LeaseResult<bool> {
    value.as_bool().ok_or_else(|| field_error(provider, field, "expected true or false"))
}

fn integer(provider: &str, field: &str, value: &Value, min: u64, max: u64) -> LeaseResult<u64> {
    match value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(field_error(provider, field, format!("expected an integer from {min} to {max}"))),
    }
}

/// True for a DNS-1123 label: lowercase letters, digits and '-', starting and ending
/// with a letter or digit, at most `max` characters.
pub fn is_dns_label(s: &str, max: usize) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

impl KubernetesSettings {
    /// Reads the provider table `settings` of provider `provider`.
    pub fn parse(provider: &str, settings: &Map<String, Value>) -> LeaseResult<Self> {
        let mut out = KubernetesSettings::default();
        let mut token = None;
        let mut token_file = None;
        for (field, value) in settings {
            let f = field.as_str();
            match f {
                "namespace" => {
                    let ns = string(provider, f, value)?;
                    if !is_dns_label(&ns, 63) {
                        return Err(field_error(provider, f, "must be a DNS label (a-z, 0-9, '-', at most 63)"));
                    }
                    out.namespace = Some(ns);
                }
                "config_map_name" => {
                    let name = string(provider, f, value)?;
                    // Shard and node names add a suffix; label values hold 63 characters.
                    if !is_dns_label(&name, 50) {
                        return Err(field_error(provider, f, "must be a DNS label (a-z, 0-9, '-', at most 50)"));
                    }
                    out.config_map_name = name;
                }
                "secret_name" => out.secret_name = Some(string(provider, f, value)?),
                "in_cluster" => out.in_cluster = boolean(provider, f, value)?,
                "api_server" => {
                    let url = string(provider, f, value)?;
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return Err(field_error(provider, f, "expected an https:// (or http://) URL"));
                    }
                    out.api_server = Some(url.trim_end_matches('/').to_string());
                }
                "token" => token = Some(string(provider, f, value)?),
                "token_file" => token_file = Some(PathBuf::from(string(provider, f, value)?)),
                "ca_cert" => out.ca_cert = Some(PathBuf::from(string(provider, f, value)?)),
                "insecure_skip_tls_verify" => out.insecure_skip_tls_verify = boolean(provider, f, value)?,
                "shards" => out.shards = integer(provider, f, value, 1, MAX_SHARDS)? as u32,
                "timeout_secs" => out.timeout_secs = integer(provider, f, value, 1, 3600)?,
                _ => {
                    return Err(field_error(
                        provider,
                        f,
                        format!("unknown field (expected one of: {})", FIELDS.join(", ")),
                    ))
                }
            }
        }
        out.token = match (token, token_file) {
            (Some(_), Some(_)) => {
                return Err(field_error(provider, "token_file", "give either token or token_file, not both"))
            }
            (Some(t), None) => TokenSource::Static(t),
            (None, Some(p)) => TokenSource::File(p),
            (None, None) => TokenSource::None,
        };
        if out.api_server.is_none() && !out.in_cluster {
            return Err(field_error(provider, "api_server", "required when in_cluster = false"));
        }
        Ok(out)
    }
}

/// Where and how to reach the API server, with the in-cluster defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub base_url: String,
    pub namespace: String,
    pub token: TokenSource,
    pub ca_cert: Option<PathBuf>,
}

impl KubernetesSettings {
    /// The endpoint: `api_server` when given, else the pod's service account
    /// (KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT, the token, CA and namespace
    /// files under [`SERVICE_ACCOUNT_DIR`]).
    pub fn endpoint(&self, provider: &str) -> LeaseResult<Endpoint> {
        let sa = PathBuf::from(SERVICE_ACCOUNT_DIR);
        let in_pod = self.api_server.is_none();
        let base_url = match &self.api_server {
            Some(url) => url.clone(),
            None => {
                let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| {
                    field_error(
                        provider,
                        "in_cluster",
                        "KUBERNETES_SERVICE_HOST is not set (not running in a pod); set api_server",
                    )
                })?;
                let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
                if host.contains(':') {
                    format!("https://[{host}]:{port}")
                } else {
                    format!("https://{host}:{port}")
                }
            }
        };
        let namespace = match &self.namespace {
            Some(ns) => ns.clone(),
            None if in_pod => std::fs::read_to_string(sa.join("namespace"))
                .map(|s| s.trim().to_string())
                .ok()
                .filter(|s| is_dns_label(s, 63))
                .unwrap_or_else(|| "default".into()),
            None => "default".into(),
        };
        let token = match &self.token {
            TokenSource::None if in_pod => TokenSource::File(sa.join("token")),
            other => other.clone(),
        };
        let ca_cert = match &self.ca_cert {
            None if in_pod => Some(sa.join("ca.crt")),
            other => other.clone(),
        };
        Ok(Endpoint { base_url, namespace, token, ca_cert })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> LeaseResult<KubernetesSettings> {
        let value: Value = serde_json::from_str(json).expect("json");
        KubernetesSettings::parse("k8s", value.as_object().expect("object"))
    }

    #[test]
    fn the_documented_fields_parse() {
        let s = parse(
            r#"{"namespace":"orbit","config_map_name":"orbit-data","secret_name":"orbit-secrets","in_cluster":true}"#,
        )
        .expect("documented table");
        assert_eq!(s.namespace.as_deref(), Some("orbit"));
        assert_eq!(s.secret_name.as_deref(), Some("orbit-secrets"));
        assert!(s.in_cluster);
        assert_eq!(s.shards, 16);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"shards":0}"#, "providers.k8s.shards:"),
            (r#"{"shards":"4"}"#, "providers.k8s.shards:"),
            (r#"{"namespace":"Orbit"}"#, "providers.k8s.namespace:"),
            (r#"{"config_map_name":"a_b"}"#, "providers.k8s.config_map_name:"),
            (r#"{"in_cluster":false}"#, "providers.k8s.api_server:"),
            (r#"{"api_server":"k8s:443"}"#, "providers.k8s.api_server:"),
            (r#"{"token":"t","token_file":"/t","api_server":"https://x"}"#, "providers.k8s.token_file:"),
            (r#"{"insecure_skip_tls_verify":"yes"}"#, "providers.k8s.insecure_skip_tls_verify:"),
            (r#"{"bogus":1}"#, "providers.k8s.bogus: unknown field"),
        ];
        for (json, expected) in cases {
            let e = parse(json).expect_err(json);
            assert!(matches!(&e, LeaseError::Config(m) if m.starts_with(expected)), "{json}: {e}");
        }
    }

    #[test]
    fn an_api_server_outside_the_cluster() {
        let s = parse(r#"{"in_cluster":false,"api_server":"https://10.0.0.1:6443/","token":"abc","namespace":"x"}"#)
            .expect("parse");
        let e = s.endpoint("k8s").expect("endpoint");
        assert_eq!(e.base_url, "https://10.0.0.1:6443");
        assert_eq!(e.namespace, "x");
        assert_eq!(e.token, TokenSource::Static("abc".into()));
        assert_eq!(e.ca_cert, None);
    }
}
