//! orbit-server: one process serving every Orbit protocol, each over its own storage.
//!
//! Start-up ([`start`]): check the data directory, bind every port (admin and each
//! registered listener, so a port in use is an error before anything else happens),
//! open each enabled protocol's storage, spawn the listeners and the admin endpoint.
//! [`run`] then prints the banner and the ready line and serves until SIGINT or SIGTERM,
//! after which [`RunningServer::shutdown`] tells the listeners to stop, waits for them and
//! flushes every storage.
//!
//! With `[cluster] enabled` the RPC port is bound with the others and the node joins the
//! cluster ([`cluster`]) before any storage opens.
//!
//! Modules: [`config`] (flags > environment > TOML > defaults), [`storage`] (opening the
//! per-protocol storage and the lease directory), [`cluster`] (this node's membership),
//! [`listeners`] (the listener registry),
//! [`admin`], [`lease_status`] and [`prometheus`] (the admin HTTP endpoint), [`banner`],
//! [`shutdown`] (signals).

pub mod admin;
pub mod banner;
pub mod cluster;
pub mod config;
pub mod lease_status;
pub mod listeners;
pub mod prometheus;
pub mod shutdown;
pub mod storage;

use crate::admin::{AdminState, ProtocolStatus};
use crate::banner::{Banner, BannerRow, ListenerLine, READY_LINE};
use crate::config::{ConfigError, ProtocolConfig, ServerConfig, Setting, Source};
use crate::storage::ProtocolStorage;
use orbit_protocol_api::{ListenerContext, Protocol, ProtocolListener};
use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long shutdown waits for listeners and the admin endpoint to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why the server could not start or did not stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("{protocol} storage: {message}")]
    Storage { protocol: Protocol, message: String },
    #[error("{0}")]
    Runtime(String),
}

impl ServerError {
    /// 2 for invalid configuration, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServerError::Config(_) => 2,
            _ => 1,
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Runs the server with the registered listeners until SIGINT or SIGTERM.
pub async fn run(config: ServerConfig) -> Result<(), ServerError> {
    let mut signals = shutdown::ShutdownSignals::register()
        .map_err(|e| ServerError::Runtime(format!("cannot install signal handlers: {e}")))?;
    let server = start(&config, listeners::registry(&config)).await?;

    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", server.banner());
    let _ = writeln!(out, "{READY_LINE}");
    let _ = out.flush();
    drop(out);
    tracing::info!(admin = %server.admin_addr(), "orbit-server ready");

    server.run_until(async move { signals.recv().await.to_string() }).await
}

/// A started server: ports bound, storages open, tasks running.
pub struct RunningServer {
    banner: Banner,
    admin_addr: SocketAddr,
    listener_addrs: Vec<(Protocol, SocketAddr)>,
    storages: Vec<ProtocolStorage>,
    /// The actor runtime's lease directory; flushed after the storages.
    leases: storage::LeaseDirectory,
    tasks: JoinSet<TaskOutcome>,
    shutdown: watch::Sender<bool>,
}

/// How a listener or the admin endpoint ended.
struct TaskOutcome {
    name: String,
    result: Result<(), String>,
}

/// Binds every port, opens every enabled protocol's storage and spawns the listeners and
/// the admin endpoint. Listeners for disabled protocols are dropped unused.
pub async fn start(
    config: &ServerConfig,
    listeners: Vec<Box<dyn ProtocolListener>>,
) -> Result<RunningServer, ServerError> {
    let data_dir = storage::prepare_data_dir(config)?;
    // The GraphRAG engine every GraphRAG-serving listener attaches to takes these options.
    orbit_graphrag::GraphRag::configure(config.graphrag.engine_options());

    let mut selected: Vec<(Box<dyn ProtocolListener>, &Setting<u16>)> = Vec::new();
    for listener in listeners {
        let protocol = listener.protocol();
        let Some(settings) = config.protocol(protocol).filter(|p| p.enabled.value) else {
            tracing::debug!(protocol = protocol.name(), "protocol disabled; its listener is not started");
            continue;
        };
        let Some(port) = settings.port.as_ref() else {
            tracing::warn!(protocol = protocol.name(), "protocol has no port of its own; listener ignored");
            continue;
        };
        if selected.iter().any(|(l, _)| l.protocol() == protocol) {
            tracing::warn!(protocol = protocol.name(), "second listener for the protocol ignored");
            continue;
        }
        selected.push((listener, port));
    }

    let mut ports: Vec<&Setting<u16>> = vec![&config.admin_port];
    ports.extend(selected.iter().map(|(_, port)| *port));
    if config.cluster.enabled.value {
        ports.push(&config.cluster.rpc_port);
    }
    check_distinct_ports(&ports)?;

    let admin_listener = bind(config.bind.value, &config.admin_port, &config.bind.source).await?;
    let mut bound = Vec::with_capacity(selected.len());
    for (listener, port) in selected {
        let socket = bind(config.bind.value, port, &config.bind.source).await?;
        bound.push((listener, socket));
    }

    // The node-to-node RPC port, reserved for the RPC server.
    let rpc_listener = match config.cluster.enabled.value {
        true => Some(bind(config.bind.value, &config.cluster.rpc_port, &config.bind.source).await?),
        false => None,
    };

    let admin_addr =
        admin_listener.local_addr().map_err(|e| ServerError::Runtime(format!("admin HTTP listener: {e}")))?;
    let leases = storage::open_leases(config, &data_dir, admin_addr, rpc_listener).await?;
    let storages = match storage::open_all(config, &data_dir, &leases).await {
        Ok(storages) => storages,
        Err(e) => {
            let _ = leases.shutdown().await;
            return Err(e);
        }
    };
    let storage_of = |protocol: Protocol| storages.iter().find(|s| s.protocol == protocol).map(|s| s.storage.clone());

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut listener_addrs = Vec::new();
    for (listener, socket) in bound {
        let protocol = listener.protocol();
        let local_addr = socket.local_addr().map_err(|e| ServerError::Runtime(format!("{protocol} listener: {e}")))?;
        let storage = storage_of(protocol)
            .ok_or_else(|| ServerError::Runtime(format!("{protocol} listener: its storage is not open")))?;
        let ctx = ListenerContext {
            storage,
            graphrag_storage: storage_of(Protocol::Graphrag),
            local_addr,
            shutdown: shutdown_rx.clone(),
        };
        tracing::info!(protocol = protocol.name(), addr = %local_addr, "listener started");
        tasks.spawn(async move {
            let result = listener.serve(socket, ctx).await.map_err(|e| e.to_string());
            TaskOutcome { name: format!("{protocol} listener"), result }
        });
        listener_addrs.push((protocol, local_addr));
    }

    let state = Arc::new(AdminState {
        protocols: storages
            .iter()
            .map(|s| ProtocolStatus {
                protocol: s.protocol,
                mode: s.mode,
                data_path: s.data_path.clone(),
                listener: listener_addrs.iter().find(|(p, _)| *p == s.protocol).map(|(_, a)| *a),
                storage: s.storage.clone(),
                actor_engine: s.actor_engine.clone(),
            })
            .collect(),
        lease_directory: lease_status::LeaseDirectoryStatus::of_registry(leases.registry()),
        cluster: leases.cluster().cloned(),
    });
    let mut admin_shutdown = shutdown_rx.clone();
    tasks.spawn(async move {
        let result = axum::serve(admin_listener, admin::router(state))
            .with_graceful_shutdown(async move {
                let _ = admin_shutdown.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(|e| e.to_string());
        TaskOutcome { name: "admin HTTP".to_string(), result }
    });
    tracing::info!(addr = %admin_addr, "admin HTTP listening");

    let banner = build_banner(config, &data_dir, &storages, &listener_addrs, admin_addr, &leases);
    Ok(RunningServer { banner, admin_addr, listener_addrs, storages, leases, tasks, shutdown: shutdown_tx })
}

impl RunningServer {
    pub fn banner(&self) -> &Banner {
        &self.banner
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    pub fn listener_addr(&self, protocol: Protocol) -> Option<SocketAddr> {
        self.listener_addrs.iter().find(|(p, _)| *p == protocol).map(|(_, a)| *a)
    }

    /// Serves until `stop` completes (its output names the reason, e.g. the signal) or a
    /// listener or the admin endpoint fails, then shuts down gracefully.
    pub async fn run_until(mut self, stop: impl Future<Output = String>) -> Result<(), ServerError> {
        let failure = tokio::select! {
            reason = stop => {
                tracing::info!(%reason, "shutting down");
                None
            }
            Some(joined) = self.tasks.join_next() => {
                let message = match joined {
                    Ok(TaskOutcome { name, result: Err(e) }) => format!("{name} failed: {e}"),
                    Ok(TaskOutcome { name, result: Ok(()) }) => format!("{name} stopped unexpectedly"),
                    Err(e) => format!("a server task ended abnormally: {e}"),
                };
                tracing::error!(%message, "shutting down");
                Some(message)
            }
        };
        self.stop(failure).await
    }

    /// Tells the listeners to stop, waits for them (at most [`SHUTDOWN_GRACE`]), flushes
    /// every storage, then removes this node from the lease directory and flushes it.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        self.stop(None).await
    }

    async fn stop(mut self, mut failure: Option<String>) -> Result<(), ServerError> {
        let _ = self.shutdown.send(true);
        let tasks = &mut self.tasks;
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            let mut failures = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok(TaskOutcome { name, result: Ok(()) }) => tracing::info!(task = %name, "stopped"),
                    Ok(TaskOutcome { name, result: Err(e) }) => failures.push(format!("{name} failed: {e}")),
                    Err(e) => failures.push(format!("a server task ended abnormally: {e}")),
                }
            }
            failures
        })
        .await;
        match drained {
            Ok(failures) => {
                for message in failures {
                    tracing::error!(%message, "during shutdown");
                    failure.get_or_insert(message);
                }
            }
            Err(_) => {
                tracing::warn!(grace = ?SHUTDOWN_GRACE, "listeners did not stop in time; aborting them");
                self.tasks.abort_all();
                while self.tasks.join_next().await.is_some() {}
            }
        }

        let in_cluster = self.leases.cluster().is_some();
        for s in &mut self.storages {
            s.stop_sweeper().await;
            match s.storage.flush().await {
                Ok(()) => tracing::info!(protocol = s.protocol.name(), "storage flushed"),
                Err(e) => {
                    let message = format!("{} storage: flush failed: {e}", s.protocol);
                    tracing::error!(%message, "during shutdown");
                    failure.get_or_insert(message);
                }
            }
            // A cluster node hands its shard actors over (releasing their leases) before it leaves.
            if let (true, Some(engine)) = (in_cluster, &s.actor_engine) {
                let report = engine.drain().await;
                tracing::info!(protocol = s.protocol.name(), shards = report.handed_over.len(), "shards handed over");
            }
        }
        drop(self.storages);
        if let Err(e) = self.leases.shutdown().await {
            let message = e.to_string();
            tracing::error!(%message, "during shutdown");
            failure.get_or_insert(message);
        }

        match failure {
            None => {
                tracing::info!("orbit-server stopped");
                Ok(())
            }
            Some(message) => Err(ServerError::Runtime(message)),
        }
    }
}

/// Two sockets on one port would fail with "in use"; name both settings instead.
fn check_distinct_ports(ports: &[&Setting<u16>]) -> Result<(), ConfigError> {
    for (i, later) in ports.iter().enumerate() {
        if later.value == 0 {
            continue;
        }
        if let Some(earlier) = ports[..i].iter().find(|p| p.value == later.value) {
            return Err(ConfigError::new(
                &later.source,
                format!("port {} is also used by {}", later.value, earlier.source),
            ));
        }
    }
    Ok(())
}

async fn bind(ip: IpAddr, port: &Setting<u16>, bind_source: &Source) -> Result<TcpListener, ConfigError> {
    let addr = SocketAddr::new(ip, port.value);
    TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => ConfigError::new(&port.source, format!("{addr} is already in use")),
        std::io::ErrorKind::AddrNotAvailable => ConfigError::new(bind_source, format!("cannot listen on {addr}: {e}")),
        _ => ConfigError::new(&port.source, format!("cannot listen on {addr}: {e}")),
    })
}

fn build_banner(
    config: &ServerConfig,
    data_dir: &std::path::Path,
    storages: &[ProtocolStorage],
    listener_addrs: &[(Protocol, SocketAddr)],
    admin_addr: SocketAddr,
    leases: &storage::LeaseDirectory,
) -> Banner {
    let rows = config
        .protocols
        .iter()
        .map(|p: &ProtocolConfig| {
            let storage = storages.iter().find(|s| s.protocol == p.protocol);
            let listener = match (p.enabled.value, &p.port) {
                (false, _) => ListenerLine::Disabled,
                (true, None) => ListenerLine::ServedThroughOthers,
                (true, Some(port)) => match listener_addrs.iter().find(|(proto, _)| *proto == p.protocol) {
                    Some((_, addr)) => ListenerLine::Listening {
                        addr: *addr,
                        wire: config::setting_names(p.protocol).port.as_ref().map_or("", |n| n.wire),
                    },
                    None => ListenerLine::NotImplemented { port: port.value },
                },
            };
            BannerRow {
                protocol: p.protocol.name(),
                listener,
                mode: storage.map(|s| s.mode.name()),
                storage: storage.map(ProtocolStorage::describe),
            }
        })
        .collect();
    let persistent: Vec<&str> =
        storages.iter().filter(|s| s.mode == config::StorageMode::Persistent).map(|s| s.protocol.name()).collect();
    Banner {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: data_dir.to_path_buf(),
        lease_directory: leases.banner_line(),
        lease_types: banner::lease_types_line(),
        cluster: leases.cluster().map(|c| c.banner_lines(&persistent)).unwrap_or_default(),
        rows,
        admin_addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use orbit_protocol_api::ListenerError;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Greets every connection; stops when told to.
    struct GreetingListener;

    #[async_trait]
    impl ProtocolListener for GreetingListener {
        fn protocol(&self) -> Protocol {
            Protocol::Redis
        }

        async fn serve(self: Box<Self>, listener: TcpListener, mut ctx: ListenerContext) -> Result<(), ListenerError> {
            loop {
                tokio::select! {
                    _ = ctx.shutdown_requested() => return Ok(()),
                    accepted = listener.accept() => {
                        let (mut socket, _) = accepted?;
                        let tables = ctx.storage.list_tables().await?;
                        socket.write_all(format!("hello {}\n", tables.len()).as_bytes()).await?;
                    }
                }
            }
        }
    }

    struct FailingListener;

    #[async_trait]
    impl ProtocolListener for FailingListener {
        fn protocol(&self) -> Protocol {
            Protocol::Mysql
        }

        async fn serve(self: Box<Self>, _: TcpListener, _: ListenerContext) -> Result<(), ListenerError> {
            Err(ListenerError::Other("broken on purpose".into()))
        }
    }

    fn config(dir: &std::path::Path, extra: &[&str]) -> ServerConfig {
        let mut args = vec!["orbit-server", "--data-dir", dir.to_str().expect("utf-8"), "--admin-port", "0"];
        args.extend_from_slice(extra);
        ServerConfig::load(args, |_| None).expect("valid configuration")
    }

    #[tokio::test]
    async fn a_registered_listener_is_bound_served_and_stopped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), &["--redis-port", "0"]);
        let server = start(&config, vec![Box::new(GreetingListener)]).await.expect("start");

        let addr = server.listener_addr(Protocol::Redis).expect("redis listener bound");
        let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut greeting = String::new();
        socket.read_to_string(&mut greeting).await.expect("read");
        assert_eq!(greeting, "hello 0\n");

        let banner = server.banner().to_string();
        assert!(banner.contains(&format!("{addr} (RESP)")), "{banner}");
        assert!(banner.contains("listener not implemented yet"), "{banner}");
        assert_eq!(server.listener_addr(Protocol::Mysql), None);

        server.shutdown().await.expect("clean shutdown");
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
    }

    #[tokio::test]
    async fn a_listener_of_a_disabled_protocol_is_not_bound() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), &["--redis-port", "0", "--disable-redis"]);
        let server = start(&config, vec![Box::new(GreetingListener)]).await.expect("start");
        assert_eq!(server.listener_addr(Protocol::Redis), None);
        assert!(!dir.path().join("redis").exists());
        server.shutdown().await.expect("clean shutdown");
    }

    #[tokio::test]
    async fn a_failing_listener_stops_the_server_with_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), &["--mysql-port", "0"]);
        let server = start(&config, vec![Box::new(FailingListener)]).await.expect("start");
        let result = server.run_until(std::future::pending()).await;
        match result {
            Err(ServerError::Runtime(message)) => assert!(message.contains("broken on purpose"), "{message}"),
            other => panic!("expected a runtime error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn two_sockets_on_one_port_name_both_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = config(dir.path(), &["--redis-port", "47001"]);
        config.admin_port = Setting { value: 47001, source: Source::Env("ORBIT_ADMIN_PORT") };
        match start(&config, vec![Box::new(GreetingListener)]).await {
            Err(ServerError::Config(e)) => {
                assert_eq!(e.to_string(), "--redis-port: port 47001 is also used by ORBIT_ADMIN_PORT");
            }
            Err(other) => panic!("expected a configuration error, got {other}"),
            Ok(_) => panic!("expected a configuration error"),
        }
    }
}
