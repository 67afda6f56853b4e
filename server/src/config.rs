//! The server's configuration: command-line flags, environment variables and a TOML file.
//!
//! Every setting is resolved the same way: a flag wins over its environment variable,
//! which wins over the TOML file (`--config FILE` or `ORBIT_CONFIG`), which wins over the
//! built-in default. Every value that is given is validated, even when a higher layer
//! overrides it, and each resolved [`Setting`] remembers where its value came from so an
//! error (a bad value here, a port in use later) names exactly what to change.
//!
//! The exact spellings of every flag, variable and TOML key live in the tables
//! [`PROTOCOL_SETTINGS`] and the `flag`/`env` constants below; the README's configuration
//! reference lists the same names.
//!
//! The lease directory of the actor runtime is configured as `orbit-leases` describes:
//! `[server] persistence_backend`, `[providers.<name>]` tables and `[defaults]` in the
//! file, overridden by `ORBIT_PERSISTENCE_BACKEND`, overridden by `--persistence-backend`
//! (both win over `[defaults]` too). The result is [`ServerConfig::persistence`].
//! `[cluster]` ([`cluster`]) makes the server a node of an Orbit cluster on that
//! directory's etcd provider.

mod aql;
pub mod cluster;
mod cypher;
mod graphrag;

pub use aql::AqlConfig;
pub use cluster::ClusterConfig;
pub use cypher::CypherConfig;
pub use graphrag::GraphragConfig;

use clap::{Arg, ArgAction, ArgMatches, ColorChoice, Command};
use orbit_leases::{BackendKind, PersistenceConfig};
use orbit_protocol_api::Protocol;
use serde::Deserialize;
use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default shard count of each table in actor mode.
pub const DEFAULT_ACTOR_SHARDS_PER_TABLE: usize = orbit_actors::DEFAULT_SHARDS_PER_TABLE;

/// Where a setting's value came from; its `Display` is the name a user changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--admin-port`.
    Flag(&'static str),
    /// An environment variable, e.g. `ORBIT_ADMIN_PORT`.
    Env(&'static str),
    /// A key of the TOML file, e.g. `[server] admin_port`.
    File { path: PathBuf, key: String },
    /// Nothing was given; named by the flag that would change it.
    Default(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) | Source::Default(flag) => f.write_str(flag),
            Source::Env(var) => f.write_str(var),
            Source::File { path, key } => write!(f, "{}: {key}", path.display()),
        }
    }
}

/// A resolved value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }
}

/// An invalid setting: which one, and what is wrong with it. Displayed as one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: impl fmt::Display, message: impl Into<String>) -> Self {
        ConfigError { setting: setting.to_string(), message: message.into() }
    }
}

/// Why [`ServerConfig::load`] did not produce a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// `--help` or `--version`: print this text to stdout and exit 0.
    Info(String),
    Invalid(ConfigError),
}

impl From<ConfigError> for LoadError {
    fn from(e: ConfigError) -> Self {
        LoadError::Invalid(e)
    }
}

/// How a protocol keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageMode {
    /// RocksDB at `<data-dir>/<protocol>/rocksdb`.
    Persistent,
    /// Virtual actors owning in-memory shards; nothing is written to disk.
    Actor,
}

impl StorageMode {
    pub fn name(self) -> &'static str {
        match self {
            StorageMode::Persistent => "persistent",
            StorageMode::Actor => "actor",
        }
    }

    fn parse(s: &str) -> Result<Self, String> {
        match s {
            "persistent" => Ok(StorageMode::Persistent),
            "actor" => Ok(StorageMode::Actor),
            other => Err(format!("unknown mode \"{other}\" (expected \"persistent\" or \"actor\")")),
        }
    }
}

/// The lease directory backend kinds (memory, cow_btree, lsm_tree, rocksdb and the
/// remote ones when this build has their feature).
pub type PersistenceBackend = BackendKind;

/// The names of one protocol's settings.
#[derive(Debug)]
pub struct ProtocolSettingNames {
    pub protocol: Protocol,
    /// Flag that turns the protocol off (storage and listener).
    pub disable_flag: &'static str,
    /// Environment variable `true`/`false` that turns it on or off.
    pub enabled_env: &'static str,
    /// Flag that selects the storage mode; the variable is [`Protocol::mode_env`].
    pub mode_flag: &'static str,
    /// The listener port, for protocols with a listener of their own.
    pub port: Option<PortSettingNames>,
}

#[derive(Debug)]
pub struct PortSettingNames {
    pub flag: &'static str,
    pub env: &'static str,
    pub default: u16,
    /// What a client speaks on this port.
    pub wire: &'static str,
}

/// The settings of every protocol, in [`Protocol::ALL`] order. The TOML table of each is
/// `[<protocol name>]` with keys `enabled`, `mode` and (except graphrag) `port`.
pub const PROTOCOL_SETTINGS: [ProtocolSettingNames; 7] = [
    ProtocolSettingNames {
        protocol: Protocol::Postgresql,
        disable_flag: "--disable-postgres",
        enabled_env: "ORBIT_POSTGRES_ENABLED",
        mode_flag: "--postgres-mode",
        port: Some(PortSettingNames {
            flag: "--postgres-port",
            env: "ORBIT_POSTGRES_PORT",
            default: 5432,
            wire: "PostgreSQL",
        }),
    },
    ProtocolSettingNames {
        protocol: Protocol::Mysql,
        disable_flag: "--disable-mysql",
        enabled_env: "ORBIT_MYSQL_ENABLED",
        mode_flag: "--mysql-mode",
        port: Some(PortSettingNames { flag: "--mysql-port", env: "ORBIT_MYSQL_PORT", default: 3306, wire: "MySQL" }),
    },
    ProtocolSettingNames {
        protocol: Protocol::Cql,
        disable_flag: "--disable-cql",
        enabled_env: "ORBIT_CQL_ENABLED",
        mode_flag: "--cql-mode",
        port: Some(PortSettingNames { flag: "--cql-port", env: "ORBIT_CQL_PORT", default: 9042, wire: "CQL" }),
    },
    ProtocolSettingNames {
        protocol: Protocol::Redis,
        disable_flag: "--disable-redis",
        enabled_env: "ORBIT_REDIS_ENABLED",
        mode_flag: "--redis-mode",
        port: Some(PortSettingNames { flag: "--redis-port", env: "ORBIT_REDIS_PORT", default: 6379, wire: "RESP" }),
    },
    ProtocolSettingNames {
        protocol: Protocol::Cypher,
        disable_flag: "--disable-cypher",
        enabled_env: "ORBIT_CYPHER_ENABLED",
        mode_flag: "--cypher-mode",
        port: Some(PortSettingNames { flag: "--bolt-port", env: "ORBIT_BOLT_PORT", default: 7687, wire: "Bolt" }),
    },
    ProtocolSettingNames {
        protocol: Protocol::Aql,
        disable_flag: "--disable-aql",
        enabled_env: "ORBIT_AQL_ENABLED",
        mode_flag: "--aql-mode",
        port: Some(PortSettingNames {
            flag: "--http-port",
            env: "ORBIT_HTTP_PORT",
            default: 8529,
            wire: "ArangoDB HTTP",
        }),
    },
    ProtocolSettingNames {
        protocol: Protocol::Graphrag,
        disable_flag: "--disable-graphrag",
        enabled_env: "ORBIT_GRAPHRAG_ENABLED",
        mode_flag: "--graphrag-mode",
        port: None,
    },
];

/// The setting names of one protocol.
pub fn setting_names(protocol: Protocol) -> &'static ProtocolSettingNames {
    // PROTOCOL_SETTINGS is in Protocol::ALL order; the unit test below checks it.
    let index = Protocol::ALL.iter().position(|p| *p == protocol).unwrap_or(0);
    &PROTOCOL_SETTINGS[index]
}

/// Server-wide setting names.
pub mod names {
    pub const CONFIG_FLAG: &str = "--config";
    pub const CONFIG_ENV: &str = "ORBIT_CONFIG";
    pub const DATA_DIR_FLAG: &str = "--data-dir";
    pub const DATA_DIR_ENV: &str = "ORBIT_DATA_DIR";
    pub const BIND_FLAG: &str = "--bind";
    pub const BIND_ENV: &str = "ORBIT_BIND";
    pub const ADMIN_PORT_FLAG: &str = "--admin-port";
    pub const ADMIN_PORT_ENV: &str = "ORBIT_ADMIN_PORT";
    pub const BACKEND_FLAG: &str = "--persistence-backend";
    pub const BACKEND_ENV: &str = "ORBIT_PERSISTENCE_BACKEND";
    pub const SYNC_WRITES_FLAG: &str = "--sync-writes";
    pub const SYNC_WRITES_ENV: &str = "ORBIT_SYNC_WRITES";
    pub const ACTOR_SHARDS_FLAG: &str = "--actor-shards-per-table";
    pub const ACTOR_SHARDS_ENV: &str = "ORBIT_ACTOR_SHARDS_PER_TABLE";
    pub const ACTOR_IDLE_FLAG: &str = "--actor-idle-timeout-secs";
    pub const ACTOR_IDLE_ENV: &str = "ORBIT_ACTOR_IDLE_TIMEOUT_SECS";
    pub const REDIS_REQUIREPASS_FLAG: &str = "--redis-requirepass";
    pub const REDIS_REQUIREPASS_ENV: &str = "ORBIT_REDIS_REQUIREPASS";
    pub const PG_AUTH_METHOD_FLAG: &str = "--postgres-auth-method";
    pub const PG_AUTH_METHOD_ENV: &str = "ORBIT_POSTGRES_AUTH_METHOD";
    pub const PG_USERS_FLAG: &str = "--postgres-users";
    pub const PG_USERS_ENV: &str = "ORBIT_POSTGRES_USERS";
    pub const PG_TLS_CERT_FLAG: &str = "--postgres-tls-cert";
    pub const PG_TLS_CERT_ENV: &str = "ORBIT_POSTGRES_TLS_CERT";
    pub const PG_TLS_KEY_FLAG: &str = "--postgres-tls-key";
    pub const PG_TLS_KEY_ENV: &str = "ORBIT_POSTGRES_TLS_KEY";
    pub const PG_TLS_MODE_FLAG: &str = "--postgres-tls-mode";
    pub const PG_TLS_MODE_ENV: &str = "ORBIT_POSTGRES_TLS_MODE";
    pub const PG_MAX_CONNECTIONS_FLAG: &str = "--postgres-max-connections";
    pub const PG_MAX_CONNECTIONS_ENV: &str = "ORBIT_POSTGRES_MAX_CONNECTIONS";
    pub const PG_STATEMENT_TIMEOUT_FLAG: &str = "--postgres-statement-timeout";
    pub const PG_STATEMENT_TIMEOUT_ENV: &str = "ORBIT_POSTGRES_STATEMENT_TIMEOUT";
    pub const PG_IDLE_TIMEOUT_FLAG: &str = "--postgres-idle-in-transaction-session-timeout";
    pub const PG_IDLE_TIMEOUT_ENV: &str = "ORBIT_POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT";
    pub const MYSQL_USERS_FLAG: &str = "--mysql-users";
    pub const MYSQL_USERS_ENV: &str = "ORBIT_MYSQL_USERS";
    pub const MYSQL_TLS_CERT_FLAG: &str = "--mysql-tls-cert";
    pub const MYSQL_TLS_CERT_ENV: &str = "ORBIT_MYSQL_TLS_CERT";
    pub const MYSQL_TLS_KEY_FLAG: &str = "--mysql-tls-key";
    pub const MYSQL_TLS_KEY_ENV: &str = "ORBIT_MYSQL_TLS_KEY";
    pub const MYSQL_MAX_CONNECTIONS_FLAG: &str = "--mysql-max-connections";
    pub const MYSQL_MAX_CONNECTIONS_ENV: &str = "ORBIT_MYSQL_MAX_CONNECTIONS";
    pub const MYSQL_MAX_PACKET_FLAG: &str = "--mysql-max-allowed-packet";
    pub const MYSQL_MAX_PACKET_ENV: &str = "ORBIT_MYSQL_MAX_ALLOWED_PACKET";
    pub const CQL_USERS_FLAG: &str = "--cql-users";
    pub const CQL_USERS_ENV: &str = "ORBIT_CQL_USERS";
    pub const CQL_MAX_CONNECTIONS_FLAG: &str = "--cql-max-connections";
    pub const CQL_MAX_CONNECTIONS_ENV: &str = "ORBIT_CQL_MAX_CONNECTIONS";
    pub const CQL_MAX_FRAME_FLAG: &str = "--cql-max-frame-bytes";
    pub const CQL_MAX_FRAME_ENV: &str = "ORBIT_CQL_MAX_FRAME_BYTES";
}

/// The CQL listener's roles and limits (`[cql]` with `[cql.users]`). With no users the
/// listener answers STARTUP with READY (Cassandra's AllowAllAuthenticator); with users it
/// asks for PasswordAuthenticator's SASL PLAIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CqlConfig {
    pub users: Setting<Vec<(String, String)>>,
    pub max_connections: Setting<usize>,
    pub max_frame_bytes: Setting<usize>,
}

/// The default cap on a CQL frame body (Cassandra's native_transport_max_frame_size is 16 MiB).
pub const DEFAULT_CQL_MAX_FRAME_BYTES: usize = orbit_cql::wire::DEFAULT_MAX_FRAME_BYTES;

/// The MySQL listener's accounts, TLS and limits (`[mysql]` with `[mysql.users]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlConfig {
    pub users: Setting<Vec<(String, String)>>,
    pub tls_cert: Setting<Option<PathBuf>>,
    pub tls_key: Setting<Option<PathBuf>>,
    pub max_connections: Setting<usize>,
    pub max_allowed_packet: Setting<usize>,
}

impl MysqlConfig {
    /// What the listener is given.
    pub fn options(&self) -> orbit_mysql::MysqlOptions {
        let tls = match (&self.tls_cert.value, &self.tls_key.value) {
            (Some(cert), Some(key)) => {
                Some(orbit_protocol_api::tls::TlsSettings { cert: cert.clone(), key: key.clone() })
            }
            _ => None,
        };
        orbit_mysql::MysqlOptions {
            users: self.users.value.clone(),
            max_connections: Some(self.max_connections.value),
            max_allowed_packet: self.max_allowed_packet.value,
            tls,
            ..Default::default()
        }
    }
}

/// The PostgreSQL listener's authentication, TLS and limit settings (`[postgresql]`,
/// also spelled `[postgres]`, with `[postgresql.users]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    pub auth_method: Setting<orbit_postgres::AuthMethod>,
    pub users: Setting<Vec<(String, String)>>,
    pub tls_cert: Setting<Option<PathBuf>>,
    pub tls_key: Setting<Option<PathBuf>>,
    pub tls_mode: Setting<orbit_postgres::TlsMode>,
    pub max_connections: Setting<usize>,
    pub statement_timeout: Setting<Option<String>>,
    pub idle_in_transaction_session_timeout: Setting<Option<String>>,
}

impl PostgresConfig {
    /// What the listener is given.
    pub fn options(&self) -> orbit_postgres::PostgresOptions {
        let tls = match (&self.tls_cert.value, &self.tls_key.value) {
            (Some(cert), Some(key)) => Some(orbit_postgres::TlsFiles { cert: cert.clone(), key: key.clone() }),
            _ => None,
        };
        orbit_postgres::PostgresOptions {
            auth_method: self.auth_method.value,
            users: self.users.value.clone(),
            tls,
            tls_mode: self.tls_mode.value,
            max_connections: self.max_connections.value,
            statement_timeout: self.statement_timeout.value.clone(),
            idle_in_transaction_session_timeout: self.idle_in_transaction_session_timeout.value.clone(),
        }
    }
}

/// One protocol's resolved settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolConfig {
    pub protocol: Protocol,
    pub enabled: Setting<bool>,
    pub mode: Setting<StorageMode>,
    /// `None` for protocols without a listener port of their own (graphrag).
    pub port: Option<Setting<u16>>,
}

/// The resolved configuration of one server process.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub config_file: Option<PathBuf>,
    pub data_dir: Setting<PathBuf>,
    pub bind: Setting<IpAddr>,
    pub admin_port: Setting<u16>,
    /// The backend kind holding addressable leases, and the setting that chose it.
    pub persistence_backend: Setting<PersistenceBackend>,
    /// The whole lease directory configuration (providers, defaults, the chosen backend).
    pub persistence: PersistenceConfig,
    pub sync_writes: Setting<bool>,
    pub actor_shards_per_table: Setting<usize>,
    pub actor_idle_timeout: Setting<Duration>,
    /// Every protocol, enabled or not, in [`Protocol::ALL`] order.
    pub protocols: Vec<ProtocolConfig>,
    /// The Redis listener's password (Redis's `requirepass`); `None`: no password.
    pub redis_requirepass: Setting<Option<String>>,
    pub postgres: PostgresConfig,
    pub mysql: MysqlConfig,
    pub cql: CqlConfig,
    pub cypher: CypherConfig,
    pub aql: AqlConfig,
    pub graphrag: GraphragConfig,
    /// `[cluster]`: membership of an Orbit cluster through the lease directory's etcd provider.
    pub cluster: ClusterConfig,
}

impl ServerConfig {
    /// Resolves the configuration from `args` (including the program name) and the
    /// environment as seen through `env`.
    pub fn load<I, T>(args: I, env: impl Fn(&str) -> Option<OsString>) -> Result<ServerConfig, LoadError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = match command().try_get_matches_from(args) {
            Ok(m) => m,
            Err(e) => return Err(clap_error(e)),
        };
        let layers = Layers { matches: &matches, env: &env };

        let config_file = match layers.flag(names::CONFIG_FLAG) {
            Some(path) => Some(PathBuf::from(path)),
            None => layers.env(names::CONFIG_ENV)?.map(PathBuf::from),
        };
        let file = match &config_file {
            Some(path) => read_file(path, config_file_source(&layers))?,
            None => FileConfig::default(),
        };
        let file_path = config_file.clone().unwrap_or_default();
        let from_file = |key: &str| Source::File { path: file_path.clone(), key: key.to_string() };

        let server = &file.server;
        let data_dir = layers.resolve(
            names::DATA_DIR_FLAG,
            names::DATA_DIR_ENV,
            server.data_dir.clone().map(|v| (v, from_file("[server] data_dir"))),
            PathBuf::from("./data"),
            |s| if s.is_empty() { Err("the data directory must not be empty".into()) } else { Ok(PathBuf::from(s)) },
        )?;
        let bind = layers.resolve(
            names::BIND_FLAG,
            names::BIND_ENV,
            parse_file(server.bind.as_deref(), from_file("[server] bind"), parse_ip)?,
            IpAddr::from([127, 0, 0, 1]),
            parse_ip,
        )?;
        let admin_port = layers.resolve(
            names::ADMIN_PORT_FLAG,
            names::ADMIN_PORT_ENV,
            server.admin_port.map(|v| (v, from_file("[server] admin_port"))),
            9090,
            parse_port,
        )?;
        let (persistence_backend, persistence) = resolve_persistence(&layers, &file, &from_file)?;
        let cluster = cluster::resolve(&layers, &file.cluster, &from_file, &persistence)?;
        let sync_writes = layers.resolve(
            names::SYNC_WRITES_FLAG,
            names::SYNC_WRITES_ENV,
            server.sync_writes.map(|v| (v, from_file("[server] sync_writes"))),
            orbit_rocksdb::RocksOptions::default().sync_writes,
            parse_bool,
        )?;
        let actor_shards_per_table = layers.resolve(
            names::ACTOR_SHARDS_FLAG,
            names::ACTOR_SHARDS_ENV,
            parse_file(
                server.actor_shards_per_table.map(|v| v.to_string()).as_deref(),
                from_file("[server] actor_shards_per_table"),
                parse_shards,
            )?,
            DEFAULT_ACTOR_SHARDS_PER_TABLE,
            parse_shards,
        )?;
        let actor_idle_timeout = layers.resolve(
            names::ACTOR_IDLE_FLAG,
            names::ACTOR_IDLE_ENV,
            parse_file(
                server.actor_idle_timeout_secs.map(|v| v.to_string()).as_deref(),
                from_file("[server] actor_idle_timeout_secs"),
                parse_seconds,
            )?,
            orbit_actors::ActorRuntimeConfig::default().idle_timeout,
            parse_seconds,
        )?;

        let mut protocols = Vec::with_capacity(PROTOCOL_SETTINGS.len());
        for names in &PROTOCOL_SETTINGS {
            let protocol = names.protocol;
            let table = file.protocol_table(protocol);
            let key = |k: &str| from_file(&format!("[{}] {k}", protocol.name()));

            let disabled_by_flag = layers.matches.get_flag(flag_id(names.disable_flag));
            let enabled = if disabled_by_flag {
                Setting::new(false, Source::Flag(names.disable_flag))
            } else {
                layers.resolve_env_file(
                    names.enabled_env,
                    table.enabled.map(|v| (v, key("enabled"))),
                    Setting::new(true, Source::Default(names.disable_flag)),
                    parse_bool,
                )?
            };
            let mode = layers.resolve(
                names.mode_flag,
                protocol.mode_env(),
                parse_file(table.mode.as_deref(), key("mode"), StorageMode::parse)?,
                StorageMode::Persistent,
                StorageMode::parse,
            )?;
            let port = match &names.port {
                Some(p) => {
                    Some(layers.resolve(p.flag, p.env, table.port.map(|v| (v, key("port"))), p.default, parse_port)?)
                }
                None => None,
            };
            protocols.push(ProtocolConfig { protocol, enabled, mode, port });
        }

        let redis_requirepass = layers.resolve(
            names::REDIS_REQUIREPASS_FLAG,
            names::REDIS_REQUIREPASS_ENV,
            file.redis
                .requirepass
                .clone()
                .map(|v| (Some(v).filter(|p| !p.is_empty()), from_file("[redis] requirepass"))),
            None,
            |s| Ok(Some(s.to_string()).filter(|p| !p.is_empty())),
        )?;

        let postgres = resolve_postgres(&layers, &file.postgresql, &from_file)?;
        let mysql = resolve_mysql(&layers, &file.mysql, &from_file)?;
        let cql = resolve_cql(&layers, &file.cql, &from_file)?;
        let cypher = cypher::resolve(&layers, &file.cypher, &from_file)?;
        let aql = aql::resolve(&layers, &file.aql, &from_file)?;
        let graphrag = graphrag::resolve(&layers, &file.graphrag, &from_file)?;

        Ok(ServerConfig {
            config_file,
            data_dir,
            bind,
            admin_port,
            persistence_backend,
            persistence,
            sync_writes,
            actor_shards_per_table,
            actor_idle_timeout,
            protocols,
            redis_requirepass,
            postgres,
            mysql,
            cql,
            cypher,
            aql,
            graphrag,
            cluster,
        })
    }

    pub fn protocol(&self, protocol: Protocol) -> Option<&ProtocolConfig> {
        self.protocols.iter().find(|p| p.protocol == protocol)
    }

    pub fn enabled_protocols(&self) -> impl Iterator<Item = &ProtocolConfig> {
        self.protocols.iter().filter(|p| p.enabled.value)
    }
}

fn config_file_source(layers: &Layers<'_>) -> Source {
    if layers.flag(names::CONFIG_FLAG).is_some() {
        Source::Flag(names::CONFIG_FLAG)
    } else {
        Source::Env(names::CONFIG_ENV)
    }
}

/// `"Memory" | "CowBTree" | ... | "Composite"`, each remote type this build lacks marked
/// with the orbit-server feature that adds it.
fn lease_type_choices() -> String {
    BackendKind::ALL
        .map(|k| {
            if orbit_leases::remote::compiled(k) {
                format!("\"{}\"", k.type_name())
            } else {
                format!("\"{}\" (needs --features lease-{})", k.type_name(), orbit_leases::remote::feature_of(k))
            }
        })
        .join(" | ")
}

/// The command line as clap sees it. Values are parsed by us, not clap, so that the
/// same parser and the same messages serve flags, variables and the file.
fn command() -> Command {
    let valued = |flag: &'static str, value: &'static str, help: String| {
        Arg::new(flag_id(flag)).long(flag_id(flag)).value_name(value).help(help).action(ArgAction::Set)
    };
    let mut cmd = Command::new("orbit-server")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Orbit: one server speaking PostgreSQL, MySQL, CQL, Redis, Bolt, ArangoDB HTTP and GraphRAG")
        .after_help(format!(
            "Precedence: flags > environment variables > TOML file > defaults.\n\
             TOML tables: [server] and one per protocol ([postgresql], [mysql], [cql], [redis], [cypher], [aql], [graphrag]);\n\
             lease directory: [server] persistence_backend, [providers.<name>] with type = {}, [defaults] addressable / cluster.\n\
             A provider's fields are checked when the server starts; a bad one is reported as providers.<name>.<field>.",
            lease_type_choices()
        ))
        .color(ColorChoice::Never)
        .args_override_self(true)
        .arg(valued(names::CONFIG_FLAG, "FILE", format!("TOML configuration file [env: {}]", names::CONFIG_ENV)))
        .arg(valued(names::DATA_DIR_FLAG, "DIR", format!("Data directory [env: {}] [default: ./data]", names::DATA_DIR_ENV)))
        .arg(valued(names::BIND_FLAG, "ADDR", format!("IP address every listener binds [env: {}] [default: 127.0.0.1]", names::BIND_ENV)))
        .arg(valued(names::ADMIN_PORT_FLAG, "PORT", format!("Admin HTTP port (/health, /metrics) [env: {}] [default: 9090]", names::ADMIN_PORT_ENV)))
        .arg(valued(
            names::BACKEND_FLAG,
            "BACKEND",
            format!(
                "Lease directory backend of the actor runtime: {} (local ones keep their files under <data-dir>/leases/<backend>; remote ones need their [providers] table) or a [providers] name [env: {}] [default: memory]",
                BackendKind::ALL.map(|k| k.name()).join("|"),
                names::BACKEND_ENV
            ),
        ))
        .arg(valued(
            names::SYNC_WRITES_FLAG,
            "BOOL",
            format!(
                "fsync every RocksDB write batch (true|false) [env: {}] [default: {}]",
                names::SYNC_WRITES_ENV,
                orbit_rocksdb::RocksOptions::default().sync_writes
            ),
        ))
        .arg(valued(
            names::ACTOR_SHARDS_FLAG,
            "N",
            format!("Shards per table in actor mode [env: {}] [default: {DEFAULT_ACTOR_SHARDS_PER_TABLE}]", names::ACTOR_SHARDS_ENV),
        ))
        .arg(valued(
            names::ACTOR_IDLE_FLAG,
            "SECS",
            format!("Idle time after which an actor is deactivated, in seconds [env: {}] [default: {}]",
                names::ACTOR_IDLE_ENV,
                orbit_actors::ActorRuntimeConfig::default().idle_timeout.as_secs()),
        ))
        .arg(valued(
            names::REDIS_REQUIREPASS_FLAG,
            "PASSWORD",
            format!("Password Redis clients must give with AUTH [env: {}] [default: none]", names::REDIS_REQUIREPASS_ENV),
        ))
        .arg(valued(
            names::PG_AUTH_METHOD_FLAG,
            "METHOD",
            format!("PostgreSQL authentication: trust|password|md5|scram-sha-256 [env: {}] [default: trust]", names::PG_AUTH_METHOD_ENV),
        ))
        .arg(valued(
            names::MYSQL_USERS_FLAG,
            "NAME=PASSWORD,...",
            format!("MySQL accounts created (or given this password) at start [env: {}] [default: root without a password]", names::MYSQL_USERS_ENV),
        ))
        .arg(valued(names::MYSQL_TLS_CERT_FLAG, "PEM", format!("MySQL TLS certificate chain [env: {}] [default: none]", names::MYSQL_TLS_CERT_ENV)))
        .arg(valued(names::MYSQL_TLS_KEY_FLAG, "PEM", format!("MySQL TLS private key [env: {}] [default: none]", names::MYSQL_TLS_KEY_ENV)))
        .arg(valued(
            names::MYSQL_MAX_CONNECTIONS_FLAG,
            "N",
            format!("MySQL max_connections [env: {}] [default: 151]", names::MYSQL_MAX_CONNECTIONS_ENV),
        ))
        .arg(valued(
            names::MYSQL_MAX_PACKET_FLAG,
            "BYTES",
            format!("MySQL max_allowed_packet [env: {}] [default: 67108864]", names::MYSQL_MAX_PACKET_ENV),
        ))
        .arg(valued(
            names::CQL_USERS_FLAG,
            "NAME=PASSWORD,...",
            format!("CQL roles that log in with PasswordAuthenticator [env: {}] [default: none: no authentication]", names::CQL_USERS_ENV),
        ))
        .arg(valued(
            names::CQL_MAX_CONNECTIONS_FLAG,
            "N",
            format!("CQL connections at most [env: {}] [default: 1024]", names::CQL_MAX_CONNECTIONS_ENV),
        ))
        .arg(valued(
            names::CQL_MAX_FRAME_FLAG,
            "BYTES",
            format!("Largest CQL frame body accepted [env: {}] [default: 16777216]", names::CQL_MAX_FRAME_ENV),
        ))
        .arg(valued(
            names::PG_USERS_FLAG,
            "NAME=PASSWORD,...",
            format!("PostgreSQL users created (or given this password) at start [env: {}] [default: none]", names::PG_USERS_ENV),
        ))
        .arg(valued(
            names::PG_TLS_CERT_FLAG,
            "PEM",
            format!("PostgreSQL TLS certificate chain [env: {}] [default: none]", names::PG_TLS_CERT_ENV),
        ))
        .arg(valued(
            names::PG_TLS_KEY_FLAG,
            "PEM",
            format!("PostgreSQL TLS private key [env: {}] [default: none]", names::PG_TLS_KEY_ENV),
        ))
        .arg(valued(
            names::PG_TLS_MODE_FLAG,
            "MODE",
            format!("PostgreSQL TLS: off|allow|require [env: {}] [default: allow with a certificate, else off]", names::PG_TLS_MODE_ENV),
        ))
        .arg(valued(
            names::PG_MAX_CONNECTIONS_FLAG,
            "N",
            format!("PostgreSQL max_connections [env: {}] [default: 100]", names::PG_MAX_CONNECTIONS_ENV),
        ))
        .arg(valued(
            names::PG_STATEMENT_TIMEOUT_FLAG,
            "DURATION",
            format!("PostgreSQL statement_timeout default, e.g. 30s [env: {}] [default: 0, none]", names::PG_STATEMENT_TIMEOUT_ENV),
        ))
        .arg(valued(
            names::PG_IDLE_TIMEOUT_FLAG,
            "DURATION",
            format!("PostgreSQL idle_in_transaction_session_timeout default [env: {}] [default: 0, none]", names::PG_IDLE_TIMEOUT_ENV),
        ));
    cmd = cypher::args(cmd);
    cmd = graphrag::args(cmd);
    cmd = aql::args(cmd);
    cmd = cluster::args(cmd);
    for names in &PROTOCOL_SETTINGS {
        let proto = names.protocol.name();
        if let Some(port) = &names.port {
            cmd = cmd.arg(valued(
                port.flag,
                "PORT",
                format!("{} listener port [env: {}] [default: {}]", port.wire, port.env, port.default),
            ));
        }
        cmd = cmd
            .arg(valued(
                names.mode_flag,
                "MODE",
                format!(
                    "Storage mode of {proto}: persistent|actor [env: {}] [default: persistent]",
                    names.protocol.mode_env()
                ),
            ))
            .arg(
                Arg::new(flag_id(names.disable_flag))
                    .long(flag_id(names.disable_flag))
                    .action(ArgAction::SetTrue)
                    .help(format!("Do not serve or open {proto} [env: {}=false]", names.enabled_env)),
            );
    }
    cmd
}

fn flag_id(flag: &'static str) -> &'static str {
    flag.trim_start_matches("--")
}

fn clap_error(e: clap::Error) -> LoadError {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            LoadError::Info(e.to_string())
        }
        _ => {
            let rendered = e.to_string();
            let first = rendered.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            LoadError::Invalid(ConfigError::new("command line", format!("{first} (see orbit-server --help)")))
        }
    }
}

/// Reads values out of the flags and the environment.
struct Layers<'a> {
    matches: &'a ArgMatches,
    env: &'a dyn Fn(&str) -> Option<OsString>,
}

impl Layers<'_> {
    fn flag(&self, flag: &'static str) -> Option<&String> {
        self.matches.get_one::<String>(flag_id(flag))
    }

    /// An unset or empty variable counts as not given.
    fn env(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        match (self.env)(var) {
            None => Ok(None),
            Some(v) => match v.into_string() {
                Ok(s) if s.is_empty() => Ok(None),
                Ok(s) => Ok(Some(s)),
                Err(_) => Err(ConfigError::new(var, "the value is not valid UTF-8")),
            },
        }
    }

    /// flag > environment > file > default, validating every layer that is given.
    fn resolve<T>(
        &self,
        flag: &'static str,
        env: &'static str,
        file: Option<(T, Source)>,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Setting<T>, ConfigError> {
        let from_flag = match self.flag(flag) {
            Some(v) => Some(parse(v).map_err(|m| ConfigError::new(flag, m))?),
            None => None,
        };
        let from_env_file = self.resolve_env_file(env, file, Setting::new(default, Source::Default(flag)), &parse)?;
        Ok(match from_flag {
            Some(value) => Setting::new(value, Source::Flag(flag)),
            None => from_env_file,
        })
    }

    fn resolve_env_file<T>(
        &self,
        env: &'static str,
        file: Option<(T, Source)>,
        default: Setting<T>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Setting<T>, ConfigError> {
        let from_env = match self.env(env)? {
            Some(v) => Some(parse(&v).map_err(|m| ConfigError::new(env, m))?),
            None => None,
        };
        Ok(match (from_env, file) {
            (Some(value), _) => Setting::new(value, Source::Env(env)),
            (None, Some((value, source))) => Setting::new(value, source),
            (None, None) => default,
        })
    }
}

/// The PostgreSQL authentication, TLS and limit settings; a TLS mode other than off
/// needs a certificate and key that load, and the mode defaults to allow when they are given.
type UsersAndTlsFiles = (Setting<Vec<(String, String)>>, Setting<Option<PathBuf>>, Setting<Option<PathBuf>>);

/// A listener's accounts (`NAME=PASSWORD,...` or `[<table>.users]`) and TLS certificate
/// and key paths; `names` are the flags and environment variables of the three, in order.
fn resolve_users_and_tls_files(
    layers: &Layers<'_>,
    names: [&'static str; 6],
    file: (&Option<std::collections::BTreeMap<String, String>>, &Option<PathBuf>, &Option<PathBuf>),
    key: &dyn Fn(&str) -> Source,
) -> Result<UsersAndTlsFiles, ConfigError> {
    let [users_flag, users_env, cert_flag, cert_env, key_flag, key_env] = names;
    let users = layers.resolve(
        users_flag,
        users_env,
        file.0.as_ref().map(|u| (u.iter().map(|(k, v)| (k.clone(), v.clone())).collect(), key("users"))),
        Vec::new(),
        orbit_postgres::options::parse_users,
    )?;
    let path = |s: &str| {
        if s.trim().is_empty() {
            Err("the path must not be empty".to_string())
        } else {
            Ok(Some(PathBuf::from(s)))
        }
    };
    let tls_cert =
        layers.resolve(cert_flag, cert_env, file.1.clone().map(|p| (Some(p), key("tls_cert"))), None, path)?;
    let tls_key = layers.resolve(key_flag, key_env, file.2.clone().map(|p| (Some(p), key("tls_key"))), None, path)?;
    Ok((users, tls_cert, tls_key))
}

fn resolve_mysql(
    layers: &Layers<'_>,
    table: &MysqlTable,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<MysqlConfig, ConfigError> {
    let key = |k: &str| from_file(&format!("[mysql] {k}"));
    let (users, tls_cert, tls_key) = resolve_users_and_tls_files(
        layers,
        [
            names::MYSQL_USERS_FLAG,
            names::MYSQL_USERS_ENV,
            names::MYSQL_TLS_CERT_FLAG,
            names::MYSQL_TLS_CERT_ENV,
            names::MYSQL_TLS_KEY_FLAG,
            names::MYSQL_TLS_KEY_ENV,
        ],
        (&table.users, &table.tls_cert, &table.tls_key),
        &key,
    )?;
    match (&tls_cert.value, &tls_key.value) {
        (Some(_), None) => return Err(ConfigError::new(&tls_key.source, "tls_cert is set but tls_key is not")),
        (None, Some(_)) => return Err(ConfigError::new(&tls_cert.source, "tls_key is set but tls_cert is not")),
        (Some(cert), Some(k)) => {
            let settings = orbit_protocol_api::tls::TlsSettings { cert: cert.clone(), key: k.clone() };
            orbit_protocol_api::tls::load(&settings, &[])
                .map_err(|m| ConfigError::new(&tls_cert.source, m.to_string()))?;
        }
        _ => {}
    }
    let max_connections = layers.resolve(
        names::MYSQL_MAX_CONNECTIONS_FLAG,
        names::MYSQL_MAX_CONNECTIONS_ENV,
        parse_file(
            table.max_connections.map(|n| n.to_string()).as_deref(),
            key("max_connections"),
            parse_max_connections,
        )?,
        151,
        parse_max_connections,
    )?;
    let parse_packet = |s: &str| match s.trim().parse::<usize>() {
        Ok(n) if (1024..=1 << 30).contains(&n) => Ok(n),
        _ => Err(format!("invalid max_allowed_packet \"{s}\" (expected bytes from 1024 to 1073741824)")),
    };
    let max_allowed_packet = layers.resolve(
        names::MYSQL_MAX_PACKET_FLAG,
        names::MYSQL_MAX_PACKET_ENV,
        parse_file(
            table.max_allowed_packet.map(|n| n.to_string()).as_deref(),
            key("max_allowed_packet"),
            parse_packet,
        )?,
        orbit_mysql::wire::DEFAULT_MAX_ALLOWED_PACKET,
        parse_packet,
    )?;
    Ok(MysqlConfig { users, tls_cert, tls_key, max_connections, max_allowed_packet })
}

fn resolve_cql(
    layers: &Layers<'_>,
    table: &CqlTable,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<CqlConfig, ConfigError> {
    let key = |k: &str| from_file(&format!("[cql] {k}"));
    let users = layers.resolve(
        names::CQL_USERS_FLAG,
        names::CQL_USERS_ENV,
        table.users.as_ref().map(|u| (u.iter().map(|(k, v)| (k.clone(), v.clone())).collect(), key("users"))),
        Vec::new(),
        orbit_postgres::options::parse_users,
    )?;
    let max_connections = layers.resolve(
        names::CQL_MAX_CONNECTIONS_FLAG,
        names::CQL_MAX_CONNECTIONS_ENV,
        parse_file(
            table.max_connections.map(|n| n.to_string()).as_deref(),
            key("max_connections"),
            parse_max_connections,
        )?,
        1024,
        parse_max_connections,
    )?;
    let parse_frame = |s: &str| match s.trim().parse::<usize>() {
        Ok(n) if (4096..=256 << 20).contains(&n) => Ok(n),
        _ => Err(format!("invalid max_frame_bytes \"{s}\" (expected bytes from 4096 to 268435456)")),
    };
    let max_frame_bytes = layers.resolve(
        names::CQL_MAX_FRAME_FLAG,
        names::CQL_MAX_FRAME_ENV,
        parse_file(table.max_frame_bytes.map(|n| n.to_string()).as_deref(), key("max_frame_bytes"), parse_frame)?,
        DEFAULT_CQL_MAX_FRAME_BYTES,
        parse_frame,
    )?;
    Ok(CqlConfig { users, max_connections, max_frame_bytes })
}

fn resolve_postgres(
    layers: &Layers<'_>,
    table: &PostgresTable,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<PostgresConfig, ConfigError> {
    use orbit_postgres::{options, AuthMethod, TlsMode};
    let key = |k: &str| from_file(&format!("[postgresql] {k}"));
    let auth_method = layers.resolve(
        names::PG_AUTH_METHOD_FLAG,
        names::PG_AUTH_METHOD_ENV,
        parse_file(table.auth_method.as_deref(), key("auth_method"), AuthMethod::parse)?,
        AuthMethod::Trust,
        AuthMethod::parse,
    )?;
    let (users, tls_cert, tls_key) = resolve_users_and_tls_files(
        layers,
        [
            names::PG_USERS_FLAG,
            names::PG_USERS_ENV,
            names::PG_TLS_CERT_FLAG,
            names::PG_TLS_CERT_ENV,
            names::PG_TLS_KEY_FLAG,
            names::PG_TLS_KEY_ENV,
        ],
        (&table.users, &table.tls_cert, &table.tls_key),
        &key,
    )?;
    let files_given = tls_cert.value.is_some() && tls_key.value.is_some();
    let tls_mode = layers.resolve(
        names::PG_TLS_MODE_FLAG,
        names::PG_TLS_MODE_ENV,
        parse_file(table.tls_mode.as_deref(), key("tls_mode"), TlsMode::parse)?,
        if files_given { TlsMode::Allow } else { TlsMode::Off },
        TlsMode::parse,
    )?;
    match (&tls_cert.value, &tls_key.value) {
        (Some(_), None) => return Err(ConfigError::new(&tls_key.source, "tls_cert is set but tls_key is not")),
        (None, Some(_)) => return Err(ConfigError::new(&tls_cert.source, "tls_key is set but tls_cert is not")),
        (Some(cert), Some(key)) if tls_mode.value != TlsMode::Off => {
            orbit_postgres::tls::load(&orbit_postgres::TlsFiles { cert: cert.clone(), key: key.clone() })
                .map_err(|m| ConfigError::new(&tls_cert.source, m))?;
        }
        (None, None) if tls_mode.value != TlsMode::Off => {
            return Err(ConfigError::new(
                &tls_mode.source,
                format!("TLS mode \"{}\" needs a certificate and key (tls_cert, tls_key)", tls_mode.value.name()),
            ));
        }
        _ => {}
    }
    let parse_max = |s: &str| match s.trim().parse::<usize>() {
        Ok(n) if (1..=262_143).contains(&n) => Ok(n),
        _ => Err(format!("invalid max_connections \"{s}\" (expected an integer from 1 to 262143)")),
    };
    let max_connections = layers.resolve(
        names::PG_MAX_CONNECTIONS_FLAG,
        names::PG_MAX_CONNECTIONS_ENV,
        parse_file(table.max_connections.map(|n| n.to_string()).as_deref(), key("max_connections"), parse_max)?,
        orbit_postgres::options::DEFAULT_MAX_CONNECTIONS,
        parse_max,
    )?;
    let duration =
        |name: &'static str| move |s: &str| options::check_duration(name, s.trim()).map(|_| Some(s.trim().to_string()));
    let statement_timeout = layers.resolve(
        names::PG_STATEMENT_TIMEOUT_FLAG,
        names::PG_STATEMENT_TIMEOUT_ENV,
        parse_file(
            table.statement_timeout.as_ref().map(TomlDuration::text).as_deref(),
            key("statement_timeout"),
            duration("statement_timeout"),
        )?,
        None,
        duration("statement_timeout"),
    )?;
    let idle_in_transaction_session_timeout = layers.resolve(
        names::PG_IDLE_TIMEOUT_FLAG,
        names::PG_IDLE_TIMEOUT_ENV,
        parse_file(
            table.idle_in_transaction_session_timeout.as_ref().map(TomlDuration::text).as_deref(),
            key("idle_in_transaction_session_timeout"),
            duration("idle_in_transaction_session_timeout"),
        )?,
        None,
        duration("idle_in_transaction_session_timeout"),
    )?;
    Ok(PostgresConfig {
        auth_method,
        users,
        tls_cert,
        tls_key,
        tls_mode,
        max_connections,
        statement_timeout,
        idle_in_transaction_session_timeout,
    })
}

/// The lease directory configuration: the file's `[server] persistence_backend`,
/// `[providers.*]` and `[defaults]`, then the variable, then the flag (each given layer is
/// validated). Providers the result uses must be supported (local) backends.
fn resolve_persistence(
    layers: &Layers<'_>,
    file: &FileConfig,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<(Setting<PersistenceBackend>, PersistenceConfig), ConfigError> {
    let file_source = from_file("");
    let file_error = |e: orbit_leases::LeaseError| match &file_source {
        Source::File { path, .. } => ConfigError::new(path.display(), e.config_message()),
        other => ConfigError::new(other, e.config_message()),
    };
    let mut tables = toml::Table::new();
    if let Some(backend) = &file.server.persistence_backend {
        let mut server = toml::Table::new();
        server.insert("persistence_backend".into(), toml::Value::String(backend.clone()));
        tables.insert("server".into(), toml::Value::Table(server));
    }
    if let Some(providers) = &file.providers {
        tables.insert("providers".into(), toml::Value::Table(providers.clone()));
    }
    if let Some(defaults) = &file.defaults {
        tables.insert("defaults".into(), toml::Value::Table(defaults.clone()));
    }
    let from_file_config = PersistenceConfig::from_toml_value(toml::Value::Table(tables)).map_err(file_error)?;
    let file_chosen = if file.server.persistence_backend.is_some() {
        Some(from_file("[server] persistence_backend"))
    } else if file.defaults.as_ref().is_some_and(|d| d.contains_key("addressable")) {
        Some(from_file("[defaults] addressable"))
    } else if file.providers.as_ref().is_some_and(|p| !p.is_empty()) {
        Some(from_file("[providers]"))
    } else {
        None
    };
    if let Some(source) = &file_chosen {
        check_supported(&from_file_config).map_err(|m| ConfigError::new(source, m))?;
    }

    let overridden = |name: &str| -> Result<PersistenceConfig, String> {
        let mut config = from_file_config.clone();
        config
            .override_backend(name)
            .map_err(|e| e.config_message().trim_start_matches(&format!("{}: ", names::BACKEND_ENV)).to_string())?;
        check_supported(&config)?;
        Ok(config)
    };
    let chosen = layers.resolve(names::BACKEND_FLAG, names::BACKEND_ENV, None, None, |s| {
        overridden(s.trim()).map(|_| Some(s.trim().to_string()))
    })?;
    let (config, source) = match (chosen.value, file_chosen) {
        (Some(name), _) => (overridden(&name).map_err(|m| ConfigError::new(&chosen.source, m))?, chosen.source),
        (None, Some(source)) => (from_file_config, source),
        (None, None) => (from_file_config, Source::Default(names::BACKEND_FLAG)),
    };
    let kind = config.addressable_kind().map_err(|e| ConfigError::new(&source, e.config_message()))?;
    Ok((Setting::new(kind, source), config))
}

/// A remote backend this build was compiled without is refused, naming the feature.
fn check_supported(config: &PersistenceConfig) -> Result<(), String> {
    let selection = config.selection().map_err(|e| e.config_message())?;
    for name in [&selection.default, &selection.addressable, &selection.cluster] {
        if let Some(spec) = selection.providers.get(name) {
            let kind = spec.kind();
            if !orbit_leases::remote::compiled(kind) {
                let feature = orbit_leases::remote::feature_of(kind);
                return Err(format!(
                    "persistence backend \"{}\" is not in this build (build orbit-server with --features lease-{feature})",
                    kind.name()
                ));
            }
        }
    }
    Ok(())
}

/// Parses a string-valued file setting with the same parser as its flag and variable.
fn parse_file<T>(
    value: Option<&str>,
    source: Source,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<(T, Source)>, ConfigError> {
    match value {
        None => Ok(None),
        Some(v) => match parse(v) {
            Ok(parsed) => Ok(Some((parsed, source))),
            Err(message) => Err(ConfigError::new(source, message)),
        },
    }
}

fn parse_port(s: &str) -> Result<u16, String> {
    s.trim().parse::<u16>().map_err(|_| format!("invalid port \"{s}\" (expected an integer from 0 to 65535)"))
}

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.trim()
        .parse::<IpAddr>()
        .map_err(|_| format!("invalid address \"{s}\" (expected an IP address such as 127.0.0.1 or 0.0.0.0)"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("invalid boolean \"{s}\" (expected true or false)")),
    }
}

/// A listener's connection cap: 1 to 100,000.
fn parse_max_connections(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(format!("invalid max_connections \"{s}\" (expected an integer from 1 to 100000)")),
    }
}

/// Registers value-taking flags `(flag, value name, help)` on `cmd`.
fn value_flags(mut cmd: Command, flags: impl IntoIterator<Item = (&'static str, &'static str, String)>) -> Command {
    for (flag, value, help) in flags {
        let id = flag_id(flag);
        cmd = cmd.arg(Arg::new(id).long(id).value_name(value).help(help).action(ArgAction::Set));
    }
    cmd
}

fn parse_shards(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=4096).contains(&n) => Ok(n),
        _ => Err(format!("invalid shard count \"{s}\" (expected an integer from 1 to 4096)")),
    }
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err(format!("invalid duration \"{s}\" (expected a positive number of seconds)")),
    }
}

/// The TOML file. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: ServerTable,
    #[serde(default, alias = "postgres")]
    postgresql: PostgresTable,
    #[serde(default)]
    mysql: MysqlTable,
    #[serde(default)]
    cql: CqlTable,
    #[serde(default)]
    redis: RedisTable,
    #[serde(default)]
    cypher: cypher::CypherTable,
    #[serde(default)]
    aql: aql::AqlTable,
    #[serde(default)]
    graphrag: graphrag::GraphragTable,
    #[serde(default)]
    cluster: cluster::ClusterTable,
    /// `[providers.<name>]`: lease directory providers, checked by `orbit-leases`.
    providers: Option<toml::Table>,
    /// `[defaults]`: which provider holds addressable and cluster data.
    defaults: Option<toml::Table>,
}

impl FileConfig {
    fn protocol_table(&self, protocol: Protocol) -> ProtocolTable {
        match protocol {
            Protocol::Postgresql => ProtocolTable {
                enabled: self.postgresql.enabled,
                mode: self.postgresql.mode.clone(),
                port: self.postgresql.port,
            },
            Protocol::Mysql => {
                ProtocolTable { enabled: self.mysql.enabled, mode: self.mysql.mode.clone(), port: self.mysql.port }
            }
            Protocol::Cql => {
                ProtocolTable { enabled: self.cql.enabled, mode: self.cql.mode.clone(), port: self.cql.port }
            }
            Protocol::Redis => {
                ProtocolTable { enabled: self.redis.enabled, mode: self.redis.mode.clone(), port: self.redis.port }
            }
            Protocol::Cypher => {
                ProtocolTable { enabled: self.cypher.enabled, mode: self.cypher.mode.clone(), port: self.cypher.port }
            }
            Protocol::Aql => {
                ProtocolTable { enabled: self.aql.enabled, mode: self.aql.mode.clone(), port: self.aql.port }
            }
            Protocol::Graphrag => {
                ProtocolTable { enabled: self.graphrag.enabled, mode: self.graphrag.mode.clone(), port: None }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerTable {
    data_dir: Option<PathBuf>,
    bind: Option<String>,
    admin_port: Option<u16>,
    persistence_backend: Option<String>,
    sync_writes: Option<bool>,
    actor_shards_per_table: Option<u64>,
    actor_idle_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolTable {
    enabled: Option<bool>,
    mode: Option<String>,
    port: Option<u16>,
}

/// The `[postgresql]` table: the protocol keys plus authentication, TLS and limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostgresTable {
    enabled: Option<bool>,
    mode: Option<String>,
    port: Option<u16>,
    auth_method: Option<String>,
    /// `[postgresql.users]`: name = "password".
    users: Option<std::collections::BTreeMap<String, String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_mode: Option<String>,
    max_connections: Option<u64>,
    statement_timeout: Option<TomlDuration>,
    idle_in_transaction_session_timeout: Option<TomlDuration>,
}

/// The `[mysql]` table: the protocol keys plus accounts, TLS and limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MysqlTable {
    enabled: Option<bool>,
    mode: Option<String>,
    port: Option<u16>,
    /// `[mysql.users]`: name = "password".
    users: Option<std::collections::BTreeMap<String, String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    max_connections: Option<u64>,
    max_allowed_packet: Option<u64>,
}

/// The `[cql]` table: the protocol keys plus roles and limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CqlTable {
    enabled: Option<bool>,
    mode: Option<String>,
    port: Option<u16>,
    /// `[cql.users]`: name = "password".
    users: Option<std::collections::BTreeMap<String, String>>,
    max_connections: Option<u64>,
    max_frame_bytes: Option<u64>,
}

/// A duration in the file: a number of milliseconds or a string such as "30s".
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TomlDuration {
    Millis(u64),
    Text(String),
}

impl TomlDuration {
    fn text(&self) -> String {
        match self {
            TomlDuration::Millis(n) => n.to_string(),
            TomlDuration::Text(s) => s.clone(),
        }
    }
}

/// The `[redis]` table: the protocol keys plus the password.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedisTable {
    enabled: Option<bool>,
    mode: Option<String>,
    port: Option<u16>,
    requirepass: Option<String>,
}

fn read_file(path: &Path, named_by: Source) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(&named_by, format!("cannot read {}: {e}", path.display())))?;
    parse_toml(&text).map_err(|e| ConfigError::new(path.display(), e))
}

/// Parses the file; the error is one line naming the line, its table and its text.
fn parse_toml(text: &str) -> Result<FileConfig, String> {
    toml::from_str::<FileConfig>(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        match e.span() {
            Some(span) => {
                let line_no = text[..span.start.min(text.len())].matches('\n').count();
                let line = text.lines().nth(line_no).unwrap_or("").trim();
                let table = text
                    .lines()
                    .take(line_no + 1)
                    .map(str::trim)
                    .filter(|l| l.starts_with('['))
                    .last()
                    .map(|t| format!("{t} "))
                    .unwrap_or_default();
                if line.is_empty() || line.starts_with('[') {
                    format!("line {}: {message}", line_no + 1)
                } else {
                    format!("line {} ({table}{line}): {message}", line_no + 1)
                }
            }
            None => message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(super) fn load(args: &[&str], env: &[(&str, &str)]) -> Result<ServerConfig, LoadError> {
        let env: HashMap<String, OsString> = env.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        let mut argv = vec!["orbit-server"];
        argv.extend_from_slice(args);
        ServerConfig::load(argv, |k| env.get(k).cloned())
    }

    pub(super) fn invalid(args: &[&str], env: &[(&str, &str)]) -> ConfigError {
        match load(args, env) {
            Err(LoadError::Invalid(e)) => e,
            other => panic!("expected an invalid configuration, got {other:?}"),
        }
    }

    #[test]
    fn setting_table_follows_protocol_order() {
        for (names, protocol) in PROTOCOL_SETTINGS.iter().zip(Protocol::ALL) {
            assert_eq!(names.protocol, protocol);
            assert_eq!(setting_names(protocol).protocol, protocol);
            assert_eq!(names.port.as_ref().map(|p| p.default), protocol.default_port());
            assert_eq!(names.enabled_env, format!("ORBIT_{}_ENABLED", protocol.key().to_uppercase()));
            assert_eq!(names.disable_flag, format!("--disable-{}", protocol.key()));
            assert_eq!(names.mode_flag, format!("--{}-mode", protocol.key()));
        }
    }

    #[test]
    fn redis_requirepass_layers() {
        assert_eq!(load(&[], &[]).expect("defaults").redis_requirepass.value, None);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(&file, "[redis]\nrequirepass = \"fromfile\"\n").expect("write");
        let f = file.to_str().expect("utf-8 path");
        let c = load(&["--config", f], &[]).expect("file");
        assert_eq!(c.redis_requirepass.value.as_deref(), Some("fromfile"));
        let c = load(&["--config", f], &[("ORBIT_REDIS_REQUIREPASS", "fromenv")]).expect("env");
        assert_eq!(c.redis_requirepass.value.as_deref(), Some("fromenv"));
        let c = load(&["--config", f, "--redis-requirepass", "fromflag"], &[("ORBIT_REDIS_REQUIREPASS", "fromenv")])
            .expect("flag");
        assert_eq!(c.redis_requirepass, Setting::new(Some("fromflag".into()), Source::Flag("--redis-requirepass")));
        let e = parse_toml("[postgresql]\nrequirepass = \"x\"\n").expect_err("only [redis] has a password");
        assert!(e.contains("requirepass"), "{e}");
    }

    #[test]
    fn postgres_security_layers() {
        use orbit_postgres::{AuthMethod, TlsMode};
        let c = load(&[], &[]).expect("defaults");
        assert_eq!(c.postgres.auth_method.value, AuthMethod::Trust);
        assert_eq!(c.postgres.tls_mode.value, TlsMode::Off);
        assert_eq!(c.postgres.max_connections.value, 100);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(
            &file,
            "[postgres]\nauth_method = \"md5\"\nmax_connections = 5\nstatement_timeout = \"2s\"\n\
             idle_in_transaction_session_timeout = 500\n[postgres.users]\nalice = \"a,b\"\n",
        )
        .expect("write");
        let f = file.to_str().expect("utf-8 path");
        let c = load(&["--config", f], &[]).expect("file");
        assert_eq!(c.postgres.auth_method.value, AuthMethod::Md5);
        assert_eq!(c.postgres.users.value, vec![("alice".to_string(), "a,b".to_string())]);
        let options = c.postgres.options();
        assert_eq!(options.max_connections, 5);
        assert_eq!(options.statement_timeout.as_deref(), Some("2s"));
        assert_eq!(options.idle_in_transaction_session_timeout.as_deref(), Some("500"));
        let c = load(
            &["--config", f, "--postgres-auth-method", "scram-sha-256"],
            &[("ORBIT_POSTGRES_AUTH_METHOD", "password"), ("ORBIT_POSTGRES_USERS", "bob=x,carol=y")],
        )
        .expect("flag and env");
        assert_eq!(c.postgres.auth_method.value, AuthMethod::ScramSha256);
        assert_eq!(c.postgres.users.value.len(), 2);
        let e = invalid(&[], &[("ORBIT_POSTGRES_AUTH_METHOD", "kerberos")]);
        assert_eq!(e.setting, "ORBIT_POSTGRES_AUTH_METHOD");
        let e = invalid(&["--postgres-tls-mode", "require"], &[]);
        assert!(e.message.contains("needs a certificate"), "{e}");
        let e = invalid(&["--postgres-tls-cert", "/nonexistent.pem", "--postgres-tls-key", "/nonexistent.pem"], &[]);
        assert_eq!(e.setting, "--postgres-tls-cert");
        let e = invalid(&["--postgres-statement-timeout", "soon"], &[]);
        assert_eq!(e.setting, "--postgres-statement-timeout");
        let e = invalid(&["--postgres-max-connections", "0"], &[]);
        assert_eq!(e.setting, "--postgres-max-connections");
    }

    #[test]
    fn defaults() {
        let c = load(&[], &[]).expect("defaults load");
        assert_eq!(c.data_dir.value, PathBuf::from("./data"));
        assert_eq!(c.bind.value, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.admin_port, Setting::new(9090, Source::Default("--admin-port")));
        assert_eq!(c.persistence_backend.value, PersistenceBackend::Memory);
        assert_eq!(c.protocols.len(), 7);
        for p in &c.protocols {
            assert!(p.enabled.value);
            assert_eq!(p.mode.value, StorageMode::Persistent);
            assert_eq!(p.port.as_ref().map(|s| s.value), p.protocol.default_port());
        }
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let dir = std::env::temp_dir().join(format!("orbit-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("orbit.toml");
        std::fs::write(&file, "[server]\nadmin_port = 1001\n[redis]\nport = 2001\nmode = \"actor\"\n").expect("write");
        let f = file.to_str().expect("utf-8 path");

        let c = load(&["--config", f, "--admin-port", "1", "--admin-port", "1001"], &[]).expect("repeated flag");
        assert_eq!(c.admin_port.value, 1001, "the last occurrence of a flag wins");
        let c = load(&["--config", f], &[]).expect("file only");
        assert_eq!(c.admin_port.value, 1001);
        assert_eq!(c.admin_port.source.to_string(), format!("{f}: [server] admin_port"));
        let redis = c.protocol(Protocol::Redis).expect("redis");
        assert_eq!(redis.mode.value, StorageMode::Actor);
        assert_eq!(redis.port.as_ref().map(|p| p.value), Some(2001));

        let c =
            load(&["--config", f], &[("ORBIT_ADMIN_PORT", "1002"), ("ORBIT_REDIS_MODE", "persistent")]).expect("env");
        assert_eq!(c.admin_port, Setting::new(1002, Source::Env("ORBIT_ADMIN_PORT")));
        assert_eq!(c.protocol(Protocol::Redis).map(|p| p.mode.value), Some(StorageMode::Persistent));

        let c = load(&["--config", f, "--admin-port", "1003"], &[("ORBIT_ADMIN_PORT", "1002")]).expect("flag");
        assert_eq!(c.admin_port, Setting::new(1003, Source::Flag("--admin-port")));

        let c = load(&[], &[("ORBIT_CONFIG", f)]).expect("file from env");
        assert_eq!(c.admin_port.value, 1001);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn enable_switches() {
        let c = load(&["--disable-redis"], &[("ORBIT_MYSQL_ENABLED", "false"), ("ORBIT_REDIS_ENABLED", "true")])
            .expect("load");
        assert!(!c.protocol(Protocol::Redis).expect("redis").enabled.value, "flag wins over env");
        assert!(!c.protocol(Protocol::Mysql).expect("mysql").enabled.value);
        assert_eq!(c.enabled_protocols().count(), 5);
    }

    #[test]
    fn errors_name_the_setting() {
        let e = invalid(&[], &[("ORBIT_REDIS_MODE", "fast")]);
        assert_eq!(e.to_string(), "ORBIT_REDIS_MODE: unknown mode \"fast\" (expected \"persistent\" or \"actor\")");
        let e = invalid(&["--admin-port", "99999"], &[]);
        assert_eq!(e.setting, "--admin-port");
        if !orbit_leases::remote::compiled(BackendKind::S3) {
            let e = invalid(&[], &[("ORBIT_PERSISTENCE_BACKEND", "s3")]);
            assert_eq!(e.setting, "ORBIT_PERSISTENCE_BACKEND");
            assert!(
                e.message.contains("\"s3\" is not in this build (build orbit-server with --features lease-s3)"),
                "{e}"
            );
        }
        let e = invalid(&[], &[("ORBIT_PERSISTENCE_BACKEND", "floppy")]);
        assert!(e.message.contains("unknown persistence backend"), "{e}");
        let e = invalid(&["--bolt-port", "x"], &[]);
        assert_eq!(e.setting, "--bolt-port");
        let e = invalid(&["--no-such-flag"], &[]);
        assert_eq!(e.setting, "command line");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn help_names_every_lease_provider_type() {
        let help = match ServerConfig::load(["orbit-server", "--help"], |_| None) {
            Err(LoadError::Info(text)) => text,
            other => panic!("--help gave {other:?}"),
        };
        for kind in BackendKind::ALL {
            assert!(help.contains(&format!("\"{}\"", kind.type_name())), "{kind} missing from --help:\n{help}");
            assert!(help.contains(kind.name()), "{kind} missing from --persistence-backend:\n{help}");
        }
        assert!(help.contains("providers.<name>.<field>"), "{help}");
    }

    #[test]
    fn persistence_backend_layers() {
        assert_eq!(
            load(&[], &[]).expect("default").persistence_backend,
            Setting::new(PersistenceBackend::Memory, Source::Default("--persistence-backend"))
        );
        for (value, kind) in [
            ("memory", PersistenceBackend::Memory),
            ("cow_btree", PersistenceBackend::CowBTree),
            ("cow", PersistenceBackend::CowBTree),
            ("lsm_tree", PersistenceBackend::LsmTree),
            ("lsm", PersistenceBackend::LsmTree),
            ("rocksdb", PersistenceBackend::RocksDb),
        ] {
            let c = load(&[], &[("ORBIT_PERSISTENCE_BACKEND", value)]).expect("env");
            assert_eq!(c.persistence_backend, Setting::new(kind, Source::Env("ORBIT_PERSISTENCE_BACKEND")), "{value}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(
            &file,
            "[server]\npersistence_backend = \"lsm_tree\"\n\n[providers.leases]\ntype = \"LsmTree\"\nblock_size = 8192\n\n\
             [providers.nodes]\ntype = \"RocksDB\"\n\n[defaults]\naddressable = \"leases\"\ncluster = \"nodes\"\n",
        )
        .expect("write");
        let f = file.to_str().expect("utf-8 path");
        let c = load(&["--config", f], &[]).expect("file");
        assert_eq!(c.persistence_backend.value, PersistenceBackend::LsmTree);
        assert_eq!(c.persistence_backend.source.to_string(), format!("{f}: [server] persistence_backend"));
        let s = c.persistence.selection().expect("selection");
        assert_eq!((s.addressable.as_str(), s.cluster.as_str()), ("leases", "nodes"));

        let c = load(&["--config", f], &[("ORBIT_PERSISTENCE_BACKEND", "rocksdb")]).expect("env over file");
        assert_eq!(c.persistence_backend.value, PersistenceBackend::RocksDb);
        let s = c.persistence.selection().expect("selection");
        assert_eq!(
            (s.addressable.as_str(), s.cluster.as_str()),
            ("nodes", "nodes"),
            "the variable wins over [defaults]"
        );
        let c = load(&["--config", f, "--persistence-backend", "memory"], &[("ORBIT_PERSISTENCE_BACKEND", "rocksdb")])
            .expect("flag over env");
        assert_eq!(
            c.persistence_backend,
            Setting::new(PersistenceBackend::Memory, Source::Flag("--persistence-backend"))
        );
        let e =
            invalid(&["--config", f, "--persistence-backend", "memory"], &[("ORBIT_PERSISTENCE_BACKEND", "floppy")]);
        assert_eq!(e.setting, "ORBIT_PERSISTENCE_BACKEND", "an overridden layer is still validated");
    }

    #[test]
    fn persistence_file_errors_name_the_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        let f = file.to_str().expect("utf-8 path");
        for (text, expected) in [
            (
                "[providers.leases]\ntype = \"CowBTree\"\nmax_keys_per_node = 2\n",
                "providers.leases.max_keys_per_node: must be at least 4",
            ),
            ("[providers.leases]\ntype = \"Tape\"\n", "providers.leases.type: unknown provider type \"Tape\""),
            ("[providers.leases]\ntype = \"Memory\"\ncolour = 1\n", "providers.leases.colour: unknown field"),
            (
                "[providers.a]\ntype = \"Memory\"\n[defaults]\ncluster = \"b\"\n",
                "defaults.cluster: no provider named \"b\"",
            ),
        ] {
            std::fs::write(&file, text).expect("write");
            let e = invalid(&["--config", f], &[]);
            assert!(e.to_string().starts_with(f), "{e}");
            assert!(e.message.starts_with(expected), "{text:?}\n  gave: {e}\n  want: {expected}");
        }
        // A remote type loads when the build has it, and is refused naming the feature
        // when not (its own fields are read when the provider opens: see storage.rs).
        for kind in [BackendKind::Etcd, BackendKind::Redis, BackendKind::S3, BackendKind::Kubernetes] {
            std::fs::write(&file, format!("[server]\npersistence_backend = \"{}\"\n", kind.name())).expect("write");
            if orbit_leases::remote::compiled(kind) {
                let c = load(&["--config", f], &[]).expect("a built remote type loads");
                assert_eq!(c.persistence_backend.value, kind);
            } else {
                let e = invalid(&["--config", f], &[]);
                let want = format!("persistence backend \"{}\" is not in this build", kind.name());
                assert!(e.message.starts_with(&want), "{e}");
                assert!(
                    e.message.contains(&format!("--features lease-{}", orbit_leases::remote::feature_of(kind))),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn toml_errors_are_one_line_and_name_the_key() {
        let e = parse_toml("[server]\nbind = \"0.0.0.0\"\n\n[redis]\nenabeld = false\n").expect_err("unknown key");
        assert!(e.contains("line 5") && e.contains("[redis]") && e.contains("enabeld"), "{e}");
        assert!(!e.contains('\n'));
        let e = parse_toml("[graphrag]\nport = 1\n").expect_err("graphrag has no port");
        assert!(e.contains("port"), "{e}");
        let e = parse_toml("[server]\nadmin_port = 70000\n").expect_err("out of range");
        assert!(e.contains("admin_port"), "{e}");
        let e = parse_toml("[nosuch]\n").expect_err("unknown table");
        assert!(e.contains("nosuch"), "{e}");
    }

    #[test]
    fn file_mode_errors_name_the_key() {
        let dir = std::env::temp_dir().join(format!("orbit-config-mode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("orbit.toml");
        std::fs::write(&file, "[cql]\nmode = \"fast\"\n").expect("write");
        let e = invalid(&["--config", file.to_str().expect("utf-8")], &[]);
        assert!(e.setting.ends_with("[cql] mode"), "{e}");
        let e = invalid(&["--config", "/nonexistent/orbit.toml"], &[]);
        assert_eq!(e.setting, "--config");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
