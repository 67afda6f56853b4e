//! The Redis listener and the server-wide state its connections share.
//!
//! [`RedisListener::serve`] opens the keyspace over the protocol's storage, starts the
//! keyspace's background task (active expiry, garbage collection), then serves
//! connections through the listener kit's accept loop ([`orbit_protocol_api::accept`]:
//! one task and one tracing span with protocol, connection id and peer each, drain on
//! shutdown) until the server shuts down. `maxclients` is the kit's connection cap
//! ([`Shared::connections`], 10000 by default, changed at run time by CONFIG SET); a
//! client over it gets `-ERR max number of clients reached` and is closed, as in Redis.
//! Every accepted connection takes a client id in accept order, so CLIENT ID is the
//! `conn_id` of the connection's tracing span. [`Shared`] is what every connection and
//! command handler sees: the keyspace, the write lock, the client registry, the
//! connection cap, statistics, the CONFIG parameters, and the registries of watched keys,
//! blocked clients and pub/sub subscriptions. [`Shared::after_commit`] is called after every successful write
//! commit, still under the write lock: it bumps watched keys and wakes blocked clients.

use crate::blocking::BlockRegistry;
use crate::client_registry::ClientRegistry;
use crate::connection::serve_connection;
use crate::keyspace::Keyspace;
use crate::pubsub::PubSub;
use crate::transactions::WatchRegistry;
use async_trait::async_trait;
use orbit_protocol_api::{
    serve_connections, AcceptOptions, Accepted, ConnectionLimit, ListenerContext, ListenerError, Protocol,
    ProtocolListener,
};
use orbit_storage::TableStorage;
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What a client over `maxclients` gets before the connection is closed.
pub const MAX_CLIENTS_REACHED: &[u8] = b"-ERR max number of clients reached\r\n";

/// How long a refused client gets to take the error and close.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

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
/// requirepass, proto-max-bulk-len, timeout, maxclients; the others are reported and
/// stored.
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
    /// The cap on connected clients (`maxclients`), enforced by the accept loop.
    pub connections: ConnectionLimit,
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
    /// The FT indexes, kept in step with every commit ([`Shared::commit`]).
    pub search: crate::search::SearchRegistry,
    /// The GraphRAG engine GRAPHRAG.* uses (disabled unless the server passes its storage).
    pub graphrag: crate::commands::graphrag::GraphRagHandle,
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
        let maxclients = config.get("maxclients").and_then(|v| parse_maxclients(v)).unwrap_or(DEFAULT_MAXCLIENTS);
        Shared {
            keyspace,
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            writes: Default::default(),
            storage,
            clients: ClientRegistry::default(),
            connections: ConnectionLimit::new(Some(maxclients)),
            stats: Stats::default(),
            config: RwLock::new(config),
            started: Instant::now(),
            last_save: AtomicI64::new(unix_seconds()),
            local_addr,
            watches: WatchRegistry::default(),
            blocking: Arc::new(BlockRegistry::default()),
            pubsub: PubSub::default(),
            search: Default::default(),
            graphrag: Default::default(),
        }
    }

    /// True when commits must report their touched keys (someone watches or blocks).
    pub fn wants_touched(&self) -> bool {
        self.watches.is_active() || self.blocking.is_active()
    }

    /// Commits `txn` (the caller holds the write lock when it wrote), counts its
    /// changes in INFO's `rdb_changes_since_last_save`, brings the FT indexes in line with
    /// what it wrote (read before the commit, applied after it), and then lets WATCH and
    /// the blocked clients know which keys and databases changed.
    pub async fn commit(&self, mut txn: crate::keyspace::KsTxn) -> Result<(), crate::error::RedisError> {
        let indexing = self.search.prepare(&mut txn).await?;
        let written = txn.touched().len() as u64;
        let changes = self
            .wants_touched()
            .then(|| (txn.touched().to_vec(), txn.flushed_dbs().to_vec()))
            .filter(|(t, f)| !t.is_empty() || !f.is_empty());
        txn.commit().await?;
        if let Some(indexing) = indexing {
            self.search.apply(indexing);
        }
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

/// Redis's default `maxclients`.
pub const DEFAULT_MAXCLIENTS: usize = 10000;

/// A `maxclients` value, within Redis's range 1 to 2^32 - 1.
pub fn parse_maxclients(value: &str) -> Option<usize> {
    value.parse::<u32>().ok().filter(|n| *n >= 1).and_then(|n| usize::try_from(n).ok())
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

    async fn serve(self: Box<Self>, listener: TcpListener, ctx: ListenerContext) -> Result<(), ListenerError> {
        let keyspace = Keyspace::open(ctx.storage.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the Redis keyspace: {e}")))?;
        let mut shared = Shared::new(keyspace, ctx.storage.clone(), &self.options, ctx.local_addr);
        shared.graphrag = crate::commands::graphrag::GraphRagHandle::new(ctx.graphrag_storage.clone());
        let mut txn = shared.keyspace.begin().await.map_err(|e| ListenerError::Other(e.to_string()))?;
        shared
            .search
            .load(&ctx.storage, &mut txn)
            .await
            .map_err(|e| ListenerError::Other(format!("cannot rebuild the FT indexes: {e}")))?;
        drop(txn);
        let shared = Arc::new(shared);
        let background = shared.keyspace.spawn_background(shared.write_lock.clone());
        let refusing = shared.clone();
        let options = AcceptOptions::new(Protocol::Redis)
            .limit(shared.connections.clone())
            .refuse_with(move |conn| refuse(&refusing, conn));
        let serving = shared.clone();
        let served = serve_connections(listener, ctx, options, move |conn| start(&serving, conn)).await;
        background.abort();
        let _ = background.await;
        shared.search.shutdown().await;
        served
    }
}

/// Registers an admitted client and returns its connection task.
fn start(shared: &Arc<Shared>, conn: Accepted) -> impl Future<Output = ()> + Send + 'static {
    let laddr = conn.stream.local_addr().unwrap_or(shared.local_addr);
    let handle = shared.clients.register(conn.peer, laddr);
    Stats::add(&shared.stats.total_connections_received, 1);
    // Unregisters however the task ends (even by a panic or the drain's abort).
    let unregister = Unregister(shared.clone(), handle.id);
    let shared = shared.clone();
    async move {
        let _unregister = unregister;
        serve_connection(conn.stream, shared, handle, conn.shutdown).await;
    }
}

struct Unregister(Arc<Shared>, u64);

impl Drop for Unregister {
    fn drop(&mut self) {
        self.0.clients.unregister(self.1);
    }
}

/// A client over `maxclients`: the error, then the connection is closed.
fn refuse(shared: &Arc<Shared>, conn: Accepted) -> impl Future<Output = ()> + Send + 'static {
    // The refused connection still takes a client id, so that client ids stay the
    // accept loop's connection ids. (Redis gives it none; a gap is harmless, client ids
    // are only promised to grow.)
    let laddr = conn.stream.local_addr().unwrap_or(shared.local_addr);
    shared.clients.unregister(shared.clients.register(conn.peer, laddr).id);
    Stats::add(&shared.stats.rejected_connections, 1);
    let mut stream = conn.stream;
    async move {
        let _ = tokio::time::timeout(REFUSAL_LINGER, async {
            stream.write_all(MAX_CLIENTS_REACHED).await?;
            stream.shutdown().await?;
            // Read what the client sent until it closes, so that closing does not
            // reset the connection before the client has read the error.
            let mut sink = [0u8; 512];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<(), std::io::Error>(())
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_storage::{KvTableStorage, MemoryEngine};
    use tokio::net::TcpStream;
    use tokio::sync::watch;

    const WAIT: Duration = Duration::from_secs(5);

    /// One reply: a status, error or integer line, or a bulk string's content.
    async fn reply(stream: &mut TcpStream) -> String {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            match tokio::time::timeout(WAIT, stream.read(&mut byte)).await.expect("answers") {
                Ok(0) | Err(_) => return String::from_utf8_lossy(&line).into_owned(),
                Ok(_) => line.push(byte[0]),
            }
        }
        let line = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
        match line.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
            Some(len) => {
                let mut bulk = vec![0u8; len + 2];
                tokio::time::timeout(WAIT, stream.read_exact(&mut bulk)).await.expect("bulk").expect("read");
                String::from_utf8_lossy(&bulk[..len]).into_owned()
            }
            None => line,
        }
    }

    async fn command(stream: &mut TcpStream, args: &[&str]) -> String {
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).await.expect("write");
        reply(stream).await
    }

    #[tokio::test]
    async fn maxclients_caps_connections_and_changes_at_run_time() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
        let (stop, shutdown) = watch::channel(false);
        let ctx = ListenerContext { storage, graphrag_storage: None, local_addr: addr, shutdown };
        let server = tokio::spawn(Box::new(RedisListener::default()).serve(listener, ctx));

        let mut a = TcpStream::connect(addr).await.expect("connect");
        assert_eq!(command(&mut a, &["CLIENT", "ID"]).await, ":1");
        assert_eq!(
            command(&mut a, &["CONFIG", "SET", "maxclients", "0"]).await,
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and \
             4294967295 inclusive"
        );
        assert_eq!(command(&mut a, &["CONFIG", "SET", "maxclients", "1"]).await, "+OK");

        let mut b = TcpStream::connect(addr).await.expect("connect");
        assert_eq!(reply(&mut b).await, "-ERR max number of clients reached");
        assert_eq!(reply(&mut b).await, "", "closed after the error");
        let stats = command(&mut a, &["INFO", "stats"]).await;
        assert!(stats.contains("rejected_connections:1\r\n"), "{stats}");
        let clients = command(&mut a, &["INFO", "clients"]).await;
        assert!(clients.contains("connected_clients:1\r\n") && clients.contains("maxclients:1\r\n"), "{clients}");

        assert_eq!(command(&mut a, &["CONFIG", "SET", "maxclients", "2"]).await, "+OK");
        let mut c = TcpStream::connect(addr).await.expect("connect");
        assert_eq!(command(&mut c, &["PING"]).await, "+PONG");
        // The refused connection took id 2: client ids are the accept loop's connection ids.
        assert_eq!(command(&mut c, &["CLIENT", "ID"]).await, ":3");

        stop.send(true).expect("listener alive");
        tokio::time::timeout(WAIT, server).await.expect("serve returns").expect("no panic").expect("ok");
    }
}
