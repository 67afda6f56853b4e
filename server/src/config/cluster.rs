//! The cluster settings, `[cluster]`: whether this server is a node of an Orbit cluster,
//! its node id, the port of its node-to-node RPC server, the address other nodes reach
//! it at, the TTL of its etcd lease and its self-fence margin. Resolved like every other
//! setting (flag > variable > file > default, every given layer validated).
//!
//! The cluster uses the etcd provider of the lease directory: with `enabled = true` the
//! provider holding cluster data (`[defaults] cluster`) must be of type Etcd and hold the
//! addressable leases too (so the node's actor leases hang on its etcd lease); anything
//! else is refused at start naming `[cluster] enabled`'s setting.
//!
//! Defaults: the node id is `<hostname>:<rpc port>` (stable across restarts of the same
//! server), the advertised address `<bind address>:<rpc port>`, or `127.0.0.1:<rpc port>`
//! when the server binds every interface. With `rpc_port = 0` both follow the port the
//! server reserved at start.

use super::{parse_bool, parse_file, parse_port, value_flags, ConfigError, Layers, Setting, Source};
use clap::Command;
use orbit_leases::{BackendKind, NodeId, PersistenceConfig};
use serde::Deserialize;
use std::net::IpAddr;
use std::time::Duration;

pub mod names {
    pub const ENABLED_FLAG: &str = "--cluster-enabled";
    pub const ENABLED_ENV: &str = "ORBIT_CLUSTER_ENABLED";
    pub const NODE_ID_FLAG: &str = "--cluster-node-id";
    pub const NODE_ID_ENV: &str = "ORBIT_CLUSTER_NODE_ID";
    pub const RPC_PORT_FLAG: &str = "--cluster-rpc-port";
    pub const RPC_PORT_ENV: &str = "ORBIT_CLUSTER_RPC_PORT";
    pub const ADVERTISE_FLAG: &str = "--cluster-advertise-address";
    pub const ADVERTISE_ENV: &str = "ORBIT_CLUSTER_ADVERTISE_ADDRESS";
    pub const LEASE_TTL_FLAG: &str = "--cluster-lease-ttl";
    pub const LEASE_TTL_ENV: &str = "ORBIT_CLUSTER_LEASE_TTL";
    pub const FENCE_MARGIN_FLAG: &str = "--cluster-fence-margin";
    pub const FENCE_MARGIN_ENV: &str = "ORBIT_CLUSTER_FENCE_MARGIN";
}

/// The node-to-node RPC port unless configured.
pub const DEFAULT_RPC_PORT: u16 = 7070;
/// The TTL of a node's etcd lease unless configured (issue 18: 5 s).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(5);
/// How long before its lease may expire a node stops serving its actors.
pub const DEFAULT_FENCE_MARGIN: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub enabled: Setting<bool>,
    /// `None`: `<hostname>:<rpc port>`.
    pub node_id: Setting<Option<String>>,
    pub rpc_port: Setting<u16>,
    /// `host:port`; `None`: the bind address (127.0.0.1 for an unspecified one) and the RPC port.
    pub advertise_address: Setting<Option<String>>,
    pub lease_ttl: Setting<Duration>,
    pub fence_margin: Setting<Duration>,
    /// The lease-directory provider the cluster uses (checked to be Etcd when enabled).
    pub provider: String,
}

impl ClusterConfig {
    /// The node id for an RPC server on `rpc_port`.
    pub fn node_id_for(&self, rpc_port: u16) -> NodeId {
        match &self.node_id.value {
            Some(id) => NodeId::new(id.clone()),
            None => NodeId::new(format!("{}:{rpc_port}", hostname())),
        }
    }

    /// The address other nodes reach an RPC server on `rpc_port` at.
    pub fn advertise_address_for(&self, bind: IpAddr, rpc_port: u16) -> String {
        match &self.advertise_address.value {
            Some(address) => address.clone(),
            None if bind.is_unspecified() => format!("127.0.0.1:{rpc_port}"),
            None => std::net::SocketAddr::new(bind, rpc_port).to_string(),
        }
    }
}

/// This machine's host name (`/proc/sys/kernel/hostname`), or `localhost`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The `[cluster]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClusterTable {
    enabled: Option<bool>,
    node_id: Option<String>,
    rpc_port: Option<u16>,
    advertise_address: Option<String>,
    lease_ttl: Option<u64>,
    /// Seconds, an integer or a fraction such as 0.5.
    fence_margin: Option<toml::Value>,
}

/// The command-line flags of these settings.
pub(super) fn args(cmd: Command) -> Command {
    let flags: [(&'static str, &'static str, String); 6] = [
        (
            names::ENABLED_FLAG,
            "BOOL",
            format!(
                "Join the Orbit cluster through the lease directory's Etcd provider (true|false) [env: {}] \
                 [default: false]",
                names::ENABLED_ENV
            ),
        ),
        (
            names::NODE_ID_FLAG,
            "ID",
            format!("This node's id in the cluster [env: {}] [default: <hostname>:<rpc port>]", names::NODE_ID_ENV),
        ),
        (
            names::RPC_PORT_FLAG,
            "PORT",
            format!("Node-to-node RPC port [env: {}] [default: {DEFAULT_RPC_PORT}]", names::RPC_PORT_ENV),
        ),
        (
            names::ADVERTISE_FLAG,
            "HOST:PORT",
            format!(
                "Address other nodes reach this node's RPC port at [env: {}] [default: <bind address, \
                 127.0.0.1 for 0.0.0.0>:<rpc port>]",
                names::ADVERTISE_ENV
            ),
        ),
        (
            names::LEASE_TTL_FLAG,
            "SECONDS",
            format!(
                "TTL of the node's etcd lease, whole seconds [env: {}] [default: {}]",
                names::LEASE_TTL_ENV,
                DEFAULT_LEASE_TTL.as_secs()
            ),
        ),
        (
            names::FENCE_MARGIN_FLAG,
            "SECONDS",
            format!(
                "The node stops serving its actors this long before its lease may expire, e.g. 0.5 [env: {}] \
                 [default: {}]",
                names::FENCE_MARGIN_ENV,
                DEFAULT_FENCE_MARGIN.as_secs()
            ),
        ),
    ];
    value_flags(cmd, flags)
}

fn parse_node_id(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._:@-".contains(c);
    if s.is_empty() || s.len() > 128 || !s.chars().all(allowed) {
        return Err(format!("invalid node id \"{s}\" (expected 1 to 128 characters of letters, digits and . _ : @ -)"));
    }
    Ok(Some(s.to_string()))
}

fn parse_address(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    let bad = || format!("invalid advertise address \"{s}\" (expected host:port with a port from 1 to 65535)");
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

fn parse_ttl(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=3600).contains(&n) => Ok(Duration::from_secs(n)),
        _ => Err(format!("invalid lease TTL \"{s}\" (expected whole seconds from 1 to 3600)")),
    }
}

fn parse_margin(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=3600.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("invalid fence margin \"{s}\" (expected seconds from 0 to 3600, such as 1 or 0.5)")),
    }
}

pub(super) fn resolve(
    layers: &Layers<'_>,
    table: &ClusterTable,
    from_file: &dyn Fn(&str) -> Source,
    persistence: &PersistenceConfig,
) -> Result<ClusterConfig, ConfigError> {
    let key = |k: &str| from_file(&format!("[cluster] {k}"));
    let enabled = layers.resolve(
        names::ENABLED_FLAG,
        names::ENABLED_ENV,
        table.enabled.map(|v| (v, key("enabled"))),
        false,
        parse_bool,
    )?;
    let node_id = layers.resolve(
        names::NODE_ID_FLAG,
        names::NODE_ID_ENV,
        parse_file(table.node_id.as_deref(), key("node_id"), parse_node_id)?,
        None,
        parse_node_id,
    )?;
    let rpc_port = layers.resolve(
        names::RPC_PORT_FLAG,
        names::RPC_PORT_ENV,
        table.rpc_port.map(|v| (v, key("rpc_port"))),
        DEFAULT_RPC_PORT,
        parse_port,
    )?;
    let advertise_address = layers.resolve(
        names::ADVERTISE_FLAG,
        names::ADVERTISE_ENV,
        parse_file(table.advertise_address.as_deref(), key("advertise_address"), parse_address)?,
        None,
        parse_address,
    )?;
    let lease_ttl = layers.resolve(
        names::LEASE_TTL_FLAG,
        names::LEASE_TTL_ENV,
        parse_file(table.lease_ttl.map(|v| v.to_string()).as_deref(), key("lease_ttl"), parse_ttl)?,
        DEFAULT_LEASE_TTL,
        parse_ttl,
    )?;
    // An integer or a float as TOML writes it; any other value keeps its quotes or brackets and is refused.
    let margin_text = table.fence_margin.as_ref().map(toml::Value::to_string);
    let fence_margin = layers.resolve(
        names::FENCE_MARGIN_FLAG,
        names::FENCE_MARGIN_ENV,
        parse_file(margin_text.as_deref(), key("fence_margin"), parse_margin)?,
        DEFAULT_FENCE_MARGIN,
        parse_margin,
    )?;
    if fence_margin.value >= lease_ttl.value {
        return Err(ConfigError::new(
            &fence_margin.source,
            format!(
                "the fence margin ({:?}) must be shorter than the lease TTL ({:?}, {})",
                fence_margin.value, lease_ttl.value, lease_ttl.source
            ),
        ));
    }
    let selection = persistence.selection().map_err(|e| ConfigError::new(&enabled.source, e.to_string()))?;
    let provider = selection.cluster.clone();
    if enabled.value {
        check_etcd(&selection, &enabled.source)?;
    }
    Ok(ClusterConfig { enabled, node_id, rpc_port, advertise_address, lease_ttl, fence_margin, provider })
}

/// The cluster uses the etcd provider of the lease directory, for its record and the
/// node's actor leases alike.
fn check_etcd(selection: &orbit_leases::config::Selection, enabled: &Source) -> Result<(), ConfigError> {
    let kind = selection.providers.get(&selection.cluster).map(|spec| spec.kind());
    if kind != Some(BackendKind::Etcd) {
        return Err(ConfigError::new(
            enabled,
            format!(
                "the cluster uses the etcd provider of the lease directory, but the provider for cluster data \
                 (\"{}\") is {} (configure [providers.<name>] type = \"Etcd\" and choose it with \
                 persistence_backend or [defaults] cluster)",
                selection.cluster,
                kind.map_or("not configured", BackendKind::type_name)
            ),
        ));
    }
    if selection.addressable != selection.cluster {
        return Err(ConfigError::new(
            enabled,
            format!(
                "the cluster's actor leases must hang on the node's etcd lease, but addressable leases go to \
                 provider \"{}\" and cluster data to \"{}\" (set [defaults] addressable = \"{}\")",
                selection.addressable, selection.cluster, selection.cluster
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{invalid, load};
    use super::*;

    fn etcd_file(dir: &std::path::Path, cluster: &str) -> String {
        let file = dir.join("orbit.toml");
        std::fs::write(
            &file,
            format!(
                "[server]\npersistence_backend = \"x\"\n[providers.x]\ntype = \"Etcd\"\n\
                 endpoints = [\"http://127.0.0.1:2379\"]\n[cluster]\n{cluster}"
            ),
        )
        .expect("write");
        file.to_str().expect("utf-8 path").to_string()
    }

    #[test]
    fn defaults() {
        let c = load(&[], &[]).expect("defaults").cluster;
        assert_eq!(c.enabled, Setting::new(false, Source::Default(names::ENABLED_FLAG)));
        assert_eq!(c.rpc_port.value, DEFAULT_RPC_PORT);
        assert_eq!((c.lease_ttl.value, c.fence_margin.value), (DEFAULT_LEASE_TTL, DEFAULT_FENCE_MARGIN));
        assert_eq!(c.node_id_for(7070), NodeId::new(format!("{}:7070", hostname())));
        assert_eq!(c.advertise_address_for(IpAddr::from([127, 0, 0, 1]), 7071), "127.0.0.1:7071");
        assert_eq!(c.advertise_address_for(IpAddr::from([0, 0, 0, 0]), 7071), "127.0.0.1:7071");
        assert_eq!(c.advertise_address_for(IpAddr::from([10, 1, 2, 3]), 7071), "10.1.2.3:7071");
    }

    #[test]
    fn flag_beats_env_beats_file() {
        if !orbit_leases::remote::compiled(BackendKind::Etcd) {
            let dir = tempfile::tempdir().expect("tempdir");
            let e = invalid(&["--config", &etcd_file(dir.path(), "enabled = true\n")], &[]);
            assert!(e.message.contains("\"etcd\" is not in this build"), "{e}");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let f = etcd_file(
            dir.path(),
            "enabled = true\nnode_id = \"file-node\"\nrpc_port = 7101\nadvertise_address = \"n1.example:7101\"\n\
             lease_ttl = 8\nfence_margin = 0.5\n",
        );
        let c = load(&["--config", &f], &[]).expect("file").cluster;
        assert!(c.enabled.value);
        assert_eq!(c.enabled.source.to_string(), format!("{f}: [cluster] enabled"));
        assert_eq!(c.node_id_for(1), NodeId::new("file-node"));
        assert_eq!(c.rpc_port.value, 7101);
        assert_eq!(c.advertise_address_for(IpAddr::from([127, 0, 0, 1]), 7101), "n1.example:7101");
        assert_eq!((c.lease_ttl.value, c.fence_margin.value), (Duration::from_secs(8), Duration::from_millis(500)));
        assert_eq!(c.provider, "x");

        let env = [
            ("ORBIT_CLUSTER_NODE_ID", "env-node"),
            ("ORBIT_CLUSTER_RPC_PORT", "7102"),
            ("ORBIT_CLUSTER_LEASE_TTL", "6"),
            ("ORBIT_CLUSTER_FENCE_MARGIN", "2"),
        ];
        let c = load(&["--config", &f], &env).expect("env").cluster;
        assert_eq!(c.node_id, Setting::new(Some("env-node".into()), Source::Env(names::NODE_ID_ENV)));
        assert_eq!((c.rpc_port.value, c.lease_ttl.value.as_secs(), c.fence_margin.value.as_secs()), (7102, 6, 2));

        let c = load(
            &[
                "--config",
                &f,
                "--cluster-node-id",
                "flag-node",
                "--cluster-rpc-port",
                "7103",
                "--cluster-enabled",
                "no",
            ],
            &env,
        )
        .expect("flags")
        .cluster;
        assert_eq!(c.node_id, Setting::new(Some("flag-node".into()), Source::Flag(names::NODE_ID_FLAG)));
        assert_eq!(c.rpc_port, Setting::new(7103, Source::Flag(names::RPC_PORT_FLAG)));
        assert!(!c.enabled.value);
        let c = load(&["--config", &f], &[("ORBIT_CLUSTER_ENABLED", "false")]).expect("env off").cluster;
        assert_eq!(c.enabled, Setting::new(false, Source::Env(names::ENABLED_ENV)));
    }

    #[test]
    fn bad_values_name_the_setting() {
        assert_eq!(invalid(&["--cluster-enabled", "maybe"], &[]).setting, names::ENABLED_FLAG);
        assert_eq!(invalid(&["--cluster-node-id", "a/b"], &[]).setting, names::NODE_ID_FLAG);
        assert_eq!(invalid(&[], &[("ORBIT_CLUSTER_RPC_PORT", "70000")]).setting, names::RPC_PORT_ENV);
        assert_eq!(invalid(&["--cluster-advertise-address", "nohost"], &[]).setting, names::ADVERTISE_FLAG);
        assert_eq!(invalid(&["--cluster-advertise-address", "h:0"], &[]).setting, names::ADVERTISE_FLAG);
        assert_eq!(invalid(&["--cluster-lease-ttl", "0"], &[]).setting, names::LEASE_TTL_FLAG);
        assert_eq!(invalid(&[], &[("ORBIT_CLUSTER_LEASE_TTL", "1.5")]).setting, names::LEASE_TTL_ENV);
        assert_eq!(invalid(&["--cluster-fence-margin=-1"], &[]).setting, names::FENCE_MARGIN_FLAG);
        let e = invalid(&["--cluster-lease-ttl", "2", "--cluster-fence-margin", "2"], &[]);
        assert_eq!(e.setting, names::FENCE_MARGIN_FLAG);
        assert!(e.message.contains("shorter than the lease TTL") && e.message.contains(names::LEASE_TTL_FLAG), "{e}");
        // An overridden layer is still validated.
        let e = invalid(&["--cluster-lease-ttl", "5"], &[("ORBIT_CLUSTER_LEASE_TTL", "x")]);
        assert_eq!(e.setting, names::LEASE_TTL_ENV);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(&file, "[cluster]\nfence_margin = \"soon\"\n").expect("write");
        let e = invalid(&["--config", file.to_str().expect("utf-8")], &[]);
        assert!(e.setting.ends_with("[cluster] fence_margin"), "{e}");
        std::fs::write(&file, "[cluster]\nrpc = 1\n").expect("write");
        let e = invalid(&["--config", file.to_str().expect("utf-8")], &[]);
        assert!(e.message.contains("rpc"), "{e}");
    }

    /// Enabled needs the lease directory's cluster provider to be Etcd, holding the
    /// addressable leases too; the error names the setting that enabled it.
    #[test]
    fn enabled_needs_the_etcd_provider_of_the_lease_directory() {
        let e = invalid(&["--cluster-enabled", "true"], &[]);
        assert_eq!(e.setting, names::ENABLED_FLAG);
        assert!(
            e.message.contains("the cluster uses the etcd provider of the lease directory")
                && e.message.contains("(\"memory\") is Memory"),
            "{e}"
        );
        let e = invalid(&["--persistence-backend", "rocksdb"], &[("ORBIT_CLUSTER_ENABLED", "true")]);
        assert_eq!(e.setting, names::ENABLED_ENV);
        assert!(e.message.contains("is RocksDB"), "{e}");
        if !orbit_leases::remote::compiled(BackendKind::Etcd) {
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(
            &file,
            "[providers.x]\ntype = \"Etcd\"\n[providers.local]\ntype = \"CowBTree\"\n\
             [defaults]\naddressable = \"local\"\ncluster = \"x\"\n[cluster]\nenabled = true\n",
        )
        .expect("write");
        let f = file.to_str().expect("utf-8");
        let e = invalid(&["--config", f], &[]);
        assert!(e.setting.ends_with("[cluster] enabled"), "{e}");
        assert!(e.message.contains("addressable leases go to provider \"local\""), "{e}");
        let c = load(&["--config", &etcd_file(dir.path(), "enabled = true\n")], &[]).expect("etcd").cluster;
        assert!(c.enabled.value);
    }

    #[test]
    fn help_lists_the_cluster_settings() {
        let help = match super::super::ServerConfig::load(["orbit-server", "--help"], |_| None) {
            Err(super::super::LoadError::Info(text)) => text,
            other => panic!("--help gave {other:?}"),
        };
        for (flag, env) in [
            (names::ENABLED_FLAG, names::ENABLED_ENV),
            (names::NODE_ID_FLAG, names::NODE_ID_ENV),
            (names::RPC_PORT_FLAG, names::RPC_PORT_ENV),
            (names::ADVERTISE_FLAG, names::ADVERTISE_ENV),
            (names::LEASE_TTL_FLAG, names::LEASE_TTL_ENV),
            (names::FENCE_MARGIN_FLAG, names::FENCE_MARGIN_ENV),
        ] {
            assert!(help.contains(flag) && help.contains(env), "{flag} / {env} missing from --help:\n{help}");
        }
    }
}
