//! The Redis listener and the server-wide state its connections share.
//!
//! [`RedisListener::serve`] opens the keyspace over the protocol's storage, starts the
//! keyspace's background task (active expiry, garbage collection), then accepts
//! connections, one task and one tracing span (protocol, connection id, peer) each, until
//! the server shuts down; open connections are then closed and drained like the
//! PostgreSQL listener's. [`Shared`] is what every connection and command handler sees:
//! the keyspace, the write lock, the client registry, statistics, the CONFIG
//! parameters, and the registries of watched keys, blocked clients and pub/sub
//! subscriptions. [`Shared::after_commit`] is called after every successful write
//! commit, still under the write lock: it bumps watched keys and wakes blocked clients.

use crate::blocking::BlockRegistry;
use crate::client_registry::ClientRegistry;
use crate::connection::serve_connection;
use crate::keyspace::Keyspace;
use crate::pubsub::PubSub;
use crate::transactions::WatchRegistry;
use async_trait::async_trait;
use orbit_protocol_api::{ListenerContext, ListenerError, Protocol, ProtocolListener};
use orbit_storage::TableStorage;
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::Instrument;

/// How long stopping waits for open connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The Redis version we answer as (INFO, HELLO).
pub const REDIS_VERSION: &str = "7.0.15";

/// Settings given by the server's configuration.
#[derive(Debug, Clone, Default)]
pub struct RedisOptions {
    /// The default user's password (Redis's `requirepass`); `None`: no password.
    pub requirepass: Option<String>,
}

/// Server-wide counters for INFO stats.
#[derive(Debug, Default)]
pub struct Stats {
    pub total_connections_received: AtomicU64,
    pub total_commands_processed: AtomicU64,
    pub total_net_input_bytes: AtomicU64,
    pub total_net_output_bytes: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub total_error_replies: AtomicU64,
    /// Keys written since the last SAVE (rdb_changes_since_last_save).
    pub dirty: AtomicU64,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
    /// CONFIG RESETSTAT.
    pub fn reset(&self) {
        for c in [
            &self.total_connections_received,
            &self.total_commands_processed,
            &self.total_net_input_bytes,
            &self.total_net_output_bytes,
            &self.rejected_connections,
            &self.total_error_replies,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// The CONFIG parameters we know, with their Redis 7.0 defaults. Those we honour:
/// requirepass, proto-max-bulk-len, timeout; the others are reported and stored.
pub const CONFIG_DEFAULTS: &[(&str, &str)] = &[
    ("appendfsync", "everysec"),
    ("appendonly", "no"),
    ("bind", "* -::*"),
    ("client-query-buffer-limit", "1073741824"),
    ("databases", "16"),
    ("dbfilename", "dump.rdb"),
    ("dir", "/var/lib/redis"),
    ("hash-max-listpack-entries", "128"),
    ("hash-max-listpack-value", "64"),
    ("hash-max-ziplist-entries", "128"),
    ("hash-max-ziplist-value", "64"),
    ("hz", "10"),
    ("lazyfree-lazy-user-del", "no"),
    ("list-compress-depth", "0"),
    ("list-max-listpack-size", "-2"),
    ("list-max-ziplist-size", "-2"),
    ("loglevel", "notice"),
    ("maxclients", "10000"),
    ("maxmemory", "0"),
    ("maxmemory-policy", "noeviction"),
    ("notify-keyspace-events", ""),
    ("port", "6379"),
    ("proto-max-bulk-len", "536870912"),
    ("protected-mode", "no"),
    ("requirepass", ""),
    ("save", ""),
    ("set-max-intset-entries", "512"),
    ("slowlog-log-slower-than", "10000"),
    ("slowlog-max-len", "128"),
    ("tcp-keepalive", "300"),
    ("timeout", "0"),
    ("zset-max-listpack-entries", "128"),
    ("zset-max-listpack-value", "64"),
    ("zset-max-ziplist-entries", "128"),
    ("zset-max-ziplist-value", "64"),
];

/// State shared by every connection.
pub struct Shared {
    pub keyspace: Arc<Keyspace>,
    /// Held by every command that may write (and by the background expiry and garbage
    /// collection): writes run one at a time, as in Redis, so they never conflict.
    pub write_lock: Arc<tokio::sync::Mutex<()>>,
    /// The protocol's storage (SAVE/BGSAVE flush it).
    pub storage: Arc<dyn TableStorage>,
    pub clients: ClientRegistry,
    pub stats: Stats,
    /// CONFIG parameters by name.
    pub config: RwLock<BTreeMap<String, String>>,
    pub started: Instant,
    /// Unix seconds of the last SAVE/BGSAVE (LASTSAVE); the start time before any.
    pub last_save: AtomicI64,
    pub local_addr: SocketAddr,
    /// Versions of WATCHed keys.
    pub watches: WatchRegistry,
    /// Clients blocked in BLPOP & co.
    pub blocking: Arc<BlockRegistry>,
    /// Pub/sub subscriptions.
    pub pubsub: PubSub,
    /// Writes waiting for the write lock, run together by whoever gets it.
    pub writes: crate::write_queue::WriteQueue,
}

impl Shared {
    pub fn new(
        keyspace: Arc<Keyspace>,
        storage: Arc<dyn TableStorage>,
        options: &RedisOptions,
        local_addr: SocketAddr,
    ) -> Shared {
        let mut config: BTreeMap<String, String> =
            CONFIG_DEFAULTS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        config.insert("requirepass".into(), options.requirepass.clone().unwrap_or_default());
        config.insert("port".into(), local_addr.port().to_string());
        Shared {
            keyspace,
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            writes: Default::default(),
            storage,
            clients: ClientRegistry::default(),
            stats: Stats::default(),
            config: RwLock::new(config),
            started: Instant::now(),
            last_save: AtomicI64::new(unix_seconds()),
            local_addr,
            watches: WatchRegistry::default(),
            blocking: Arc::new(BlockRegistry::default()),
            pubsub: PubSub::default(),
        }
    }

    /// True when commits must report their touched keys (someone watches or blocks).
    pub fn wants_touched(&self) -> bool {
        self.watches.is_active() || self.blocking.is_active()
    }

    /// Commits `txn` (the caller holds the write lock when it wrote), counts its
    /// changes in INFO's `rdb_changes_since_last_save`, and then lets WATCH and the
    /// blocked clients know which keys and databases changed.
    pub async fn commit(&self, txn: crate::keyspace::KsTxn) -> Result<(), crate::error::RedisError> {
        let written = txn.touched().len() as u64;
        let changes = self
            .wants_touched()
            .then(|| (txn.touched().to_vec(), txn.flushed_dbs().to_vec()))
            .filter(|(t, f)| !t.is_empty() || !f.is_empty());
        txn.commit().await?;
        Stats::add(&self.stats.dirty, written);
        if let Some((touched, flushed)) = changes {
            self.after_commit(&touched, &flushed);
        }
        Ok(())
    }

    /// After a successful write commit (the caller still holds the write lock): bumps
    /// the watched keys among `touched` and the flushed databases, then wakes the
    /// clients blocked on the touched keys.
    pub fn after_commit(&self, touched: &[(usize, Vec<u8>)], flushed: &[usize]) {
        self.watches.touch(touched, flushed);
        self.blocking.notify(touched);
        self.blocking.notify_dbs(flushed);
    }

    /// One CONFIG parameter.
    pub fn config_get(&self, name: &str) -> Option<String> {
        self.config.read().get(name).cloned()
    }

    /// The password clients must give, if any.
    pub fn requirepass(&self) -> Option<String> {
        self.config_get("requirepass").filter(|p| !p.is_empty())
    }

    /// proto-max-bulk-len.
    pub fn max_bulk_len(&self) -> i64 {
        self.config_get("proto-max-bulk-len")
            .and_then(|v| v.parse().ok())
            .unwrap_or(crate::resp::parse::DEFAULT_MAX_BULK)
    }

    /// The idle timeout (`timeout`), `None` when 0.
    pub fn idle_timeout(&self) -> Option<Duration> {
        match self.config_get("timeout").and_then(|v| v.parse::<u64>().ok()) {
            Some(0) | None => None,
            Some(secs) => Some(Duration::from_secs(secs)),
        }
    }
}

pub fn unix_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Serves RESP2/RESP3 over the keyspace.
#[derive(Debug, Default)]
pub struct RedisListener {
    options: RedisOptions,
}

impl RedisListener {
    pub fn new(options: RedisOptions) -> Self {
        RedisListener { options }
    }
}

#[async_trait]
impl ProtocolListener for RedisListener {
    fn protocol(&self) -> Protocol {
        Protocol::Redis
    }

    async fn serve(self: Box<Self>, listener: TcpListener, mut ctx: ListenerContext) -> Result<(), ListenerError> {
        let keyspace = Keyspace::open(ctx.storage.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the Redis keyspace: {e}")))?;
        let shared = Arc::new(Shared::new(keyspace, ctx.storage.clone(), &self.options, ctx.local_addr));
        let background = shared.keyspace.spawn_background(shared.write_lock.clone());
        let mut connections = JoinSet::new();

        loop {
            tokio::select! {
                _ = ctx.shutdown_requested() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        let laddr = stream.local_addr().unwrap_or(ctx.local_addr);
                        let handle = shared.clients.register(peer, laddr);
                        Stats::add(&shared.stats.total_connections_received, 1);
                        let span = tracing::info_span!("connection", protocol = "redis", conn_id = handle.id, %peer);
                        let shared = shared.clone();
                        let shutdown = ctx.shutdown.clone();
                        connections.spawn(
                            async move {
                                tracing::debug!("connection accepted");
                                let id = handle.id;
                                // Unregister even when the connection task panics.
                                struct Unregister(Arc<Shared>, u64);
                                impl Drop for Unregister {
                                    fn drop(&mut self) {
                                        self.0.clients.unregister(self.1);
                                    }
                                }
                                let _unregister = Unregister(shared.clone(), id);
                                serve_connection(stream, shared, handle, shutdown).await;
                                tracing::debug!("connection closed");
                            }
                            .instrument(span),
                        );
                    }
                    Err(e) => {
                        tracing::warn!(protocol = "redis", error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(joined) = connections.join_next(), if !connections.is_empty() => {
                    if let Err(e) = joined {
                        if e.is_panic() {
                            tracing::error!(protocol = "redis", error = %e, "connection task panicked");
                        }
                    }
                }
            }
        }

        let drained =
            tokio::time::timeout(DRAIN_TIMEOUT, async { while connections.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(protocol = "redis", open = connections.len(), "closing connections still busy");
            connections.abort_all();
            while connections.join_next().await.is_some() {}
        }
        background.abort();
        let _ = background.await;
        Ok(())
    }
}
