//! The start-up banner printed on stdout: the lease directory's providers with their types
//! and the provider types this build can open, the cluster node when there is one, one line per protocol (listener address
//! or why there is none, storage mode, engine and data path) and the admin address.
//!
//! Test harnesses read the `admin` line to find the admin endpoint, then wait for
//! [`READY_LINE`], which the server prints right after the banner.

use orbit_leases::BackendKind;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Printed alone on a line once every port is bound and every storage is open.
pub const READY_LINE: &str = "orbit-server ready";

/// What the listener column says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerLine {
    Listening {
        addr: SocketAddr,
        wire: &'static str,
    },
    /// Enabled, but no listener is registered for it in this build: its port is not bound.
    NotImplemented {
        port: u16,
    },
    /// GraphRAG: no port of its own.
    ServedThroughOthers,
    Disabled,
}

impl fmt::Display for ListenerLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenerLine::Listening { addr, wire } => write!(f, "{addr} ({wire})"),
            ListenerLine::NotImplemented { port } => write!(f, "listener not implemented yet (port {port} not bound)"),
            ListenerLine::ServedThroughOthers => f.write_str("no port of its own (served through the other listeners)"),
            ListenerLine::Disabled => f.write_str("disabled"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannerRow {
    pub protocol: &'static str,
    pub listener: ListenerLine,
    /// Mode name; `None` when disabled.
    pub mode: Option<&'static str>,
    /// "rocksdb at <path>" or "in memory (actor mode, not persisted)"; `None` when disabled.
    pub storage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub version: &'static str,
    pub data_dir: PathBuf,
    /// Which provider (name and type) holds leases and which cluster nodes.
    pub lease_directory: String,
    /// The provider types this build opens, and those it was built without.
    pub lease_types: String,
    /// With `[cluster] enabled`: this node (id, RPC address, etcd endpoints, TTL), then
    /// which protocols stay per node; empty otherwise.
    pub cluster: Vec<String>,
    pub rows: Vec<BannerRow>,
    pub admin_addr: SocketAddr,
}

impl fmt::Display for Banner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Orbit server {}", self.version)?;
        writeln!(f, "  data directory   {}", self.data_dir.display())?;
        writeln!(f, "  lease directory  {} (actor mode)", self.lease_directory)?;
        writeln!(f, "  lease types      {}", self.lease_types)?;
        for line in &self.cluster {
            writeln!(f, "  cluster          {line}")?;
        }
        let listeners: Vec<String> = self.rows.iter().map(|r| r.listener.to_string()).collect();
        let lw = listeners.iter().map(String::len).max().unwrap_or(0).max("listener".len());
        writeln!(f, "  {:<10}  {:<lw$}  {:<10}  storage", "protocol", "listener", "mode")?;
        for (row, listener) in self.rows.iter().zip(&listeners) {
            let line = format!(
                "  {:<10}  {:<lw$}  {:<10}  {}",
                row.protocol,
                listener,
                row.mode.unwrap_or("-"),
                row.storage.as_deref().unwrap_or("-"),
            );
            writeln!(f, "{}", line.trim_end())?;
        }
        writeln!(f, "  admin       http://{}  (GET /health, GET /metrics)", self.admin_addr)
    }
}

/// `Memory, CowBTree, ..., Kubernetes` — every `type = "..."` this build can open —
/// followed by `(not in this build: S3 (feature lease-s3), ...)` when some are missing.
pub fn lease_types_line() -> String {
    let (built, missing): (Vec<BackendKind>, Vec<BackendKind>) =
        BackendKind::ALL.into_iter().partition(|k| orbit_leases::remote::compiled(*k));
    let mut line = built.iter().map(|k| k.type_name()).collect::<Vec<_>>().join(", ");
    if !missing.is_empty() {
        let missing: Vec<String> = missing
            .iter()
            .map(|k| format!("{} (feature lease-{})", k.type_name(), orbit_leases::remote::feature_of(*k)))
            .collect();
        line.push_str(&format!(" (not in this build: {})", missing.join(", ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_row_and_the_admin_address() {
        let banner = Banner {
            version: "0.1.0",
            data_dir: PathBuf::from("/d"),
            lease_directory: "\"leases\" (Etcd) for leases and cluster nodes".into(),
            lease_types: lease_types_line(),
            cluster: vec!["node \"n1\", rpc 127.0.0.1:7070".into()],
            rows: vec![
                BannerRow {
                    protocol: "redis",
                    listener: ListenerLine::Listening { addr: "127.0.0.1:6379".parse().expect("addr"), wire: "RESP" },
                    mode: Some("persistent"),
                    storage: Some("rocksdb at /d/redis/rocksdb".into()),
                },
                BannerRow {
                    protocol: "mysql",
                    listener: ListenerLine::NotImplemented { port: 3306 },
                    mode: Some("actor"),
                    storage: Some("in memory (actor mode, not persisted)".into()),
                },
                BannerRow { protocol: "cql", listener: ListenerLine::Disabled, mode: None, storage: None },
            ],
            admin_addr: "127.0.0.1:9090".parse().expect("addr"),
        };
        let text = banner.to_string();
        assert!(text.contains("127.0.0.1:6379 (RESP)"));
        assert!(text.contains("listener not implemented yet"));
        assert!(text.lines().any(|l| l.trim_start().starts_with("cql") && l.contains("disabled")));
        assert!(text.lines().any(|l| l.trim_start().starts_with("admin") && l.contains("http://127.0.0.1:9090")));
        assert!(!text.contains(READY_LINE));
        assert!(text.contains("\n  cluster          node \"n1\", rpc 127.0.0.1:7070\n"), "{text}");
        assert!(
            text.contains("lease directory  \"leases\" (Etcd) for leases and cluster nodes (actor mode)"),
            "{text}"
        );
    }

    #[test]
    fn the_lease_types_line_names_every_type_once() {
        let line = lease_types_line();
        for kind in BackendKind::ALL {
            assert!(line.contains(kind.type_name()), "{kind}: {line}");
            let built = orbit_leases::remote::compiled(kind);
            let missing = line.contains(&format!("{} (feature lease-", kind.type_name()));
            assert_eq!(missing, !built, "{kind}: {line}");
        }
        assert!(line.starts_with("Memory, CowBTree, LsmTree, RocksDB"), "{line}");
    }
}
