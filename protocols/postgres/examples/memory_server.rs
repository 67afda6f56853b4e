//! The PostgreSQL listener over the in-memory storage engine, for profiling the wire and
//! SQL layers without RocksDB (which takes long to build): `cargo run --release -p
//! orbit-postgres --example memory_server -- PORT`, then pgbench against 127.0.0.1:PORT.

use orbit_postgres::PostgresListener;
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::{KvTableStorage, MemoryEngine};
use std::sync::Arc;

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(55433);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let local_addr = listener.local_addr().expect("address");
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let ctx = ListenerContext { storage, graphrag_storage: None, local_addr, shutdown };
        if let Err(e) = Box::new(PostgresListener::new()).serve(listener, ctx).await {
            eprintln!("memory_server: {e}");
        }
    });
}
