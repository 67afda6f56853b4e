//! The registry of protocol listeners this build serves.
//!
//! Adding a listener is one step: implement `orbit_protocol_api::ProtocolListener` in the
//! protocol crate, add that crate to server/Cargo.toml and add one `Box::new(...)` line
//! to [`registry`]. The server then binds the protocol's port, hands the listener its
//! storage and stops it on shutdown. A protocol without an entry here gets its storage
//! but no socket: its port is not bound and the banner says "listener not implemented yet".

use crate::config::ServerConfig;
use orbit_protocol_api::ProtocolListener;

/// Every protocol listener of this build, at most one per protocol.
pub fn registry(config: &ServerConfig) -> Vec<Box<dyn ProtocolListener>> {
    let redis = orbit_redis::RedisOptions { requirepass: config.redis_requirepass.value.clone() };
    let postgres = orbit_postgres::PostgresListener::with_options(config.postgres.options());
    let mysql = orbit_mysql::MysqlListener::new(config.mysql.options());
    let cql_users = config.cql.users.value.clone();
    let cql = orbit_cql::wire::CqlListener::new(
        orbit_cql::wire::CqlWireOptions {
            max_frame_bytes: config.cql.max_frame_bytes.value,
            max_connections: Some(config.cql.max_connections.value),
        },
        Box::new(move |storage, address| {
            Box::pin(async move {
                let options = orbit_cql::exec::engine::ExecutorOptions { users: cql_users, address };
                let engine: std::sync::Arc<dyn orbit_cql::engine::CqlEngine> =
                    orbit_cql::exec::engine::Executor::open(storage, options).await?;
                Ok(engine)
            })
        }),
    );
    let cypher_options = config.cypher.engine_options();
    let bolt = orbit_bolt::server::BoltListener::new(
        config.cypher.options(),
        Box::new(move |storage, graphrag_storage| {
            Box::pin(async move {
                let engine: std::sync::Arc<dyn orbit_cypher::CypherEngine> =
                    orbit_cypher::exec::GraphEngine::open_with_graphrag(storage, graphrag_storage, cypher_options)
                        .await?;
                Ok(engine)
            })
        }),
    );
    vec![
        Box::new(postgres),
        Box::new(mysql),
        Box::new(cql),
        Box::new(orbit_redis::RedisListener::new(redis)),
        Box::new(bolt),
        Box::new(orbit_aql::http::AqlListener::new(config.aql.options())),
    ]
}
