//! Starting the router on 127.0.0.1:0 for a test: over a memory-backed document store
//! ([`start`]), or with users kept in memory only for tests of the HTTP layer itself
//! ([`start_bare`]).

use crate::http::{build_state, router, state_with, user::Users, AqlOptions};
use crate::store::DocStore;
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::net::SocketAddr;
use std::sync::Arc;

async fn memory() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("memory storage")
}

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// The API over a fresh memory store, with the users of `options`.
pub async fn start(options: AqlOptions) -> SocketAddr {
    let state = build_state(memory().await, options).await.expect("build_state");
    serve(router(state)).await
}

/// The API with users kept in memory (no `_users` collection behind them).
pub async fn start_bare(options: AqlOptions) -> SocketAddr {
    let store = DocStore::open(memory().await).await.expect("open");
    let users = Users::in_memory(&options.users);
    serve(router(state_with(store, users, options))).await
}
