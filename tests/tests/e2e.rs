//! The one end-to-end test binary (one binary keeps CI's link time down):
//! storage conformance on every engine, crash recovery, and the orbit-server binary.

#[path = "e2e/aql.rs"]
mod aql;
#[path = "e2e/client_programs.rs"]
mod client_programs;
#[path = "e2e/cluster_membership.rs"]
mod cluster_membership;
#[path = "e2e/cql.rs"]
mod cql;
#[path = "e2e/cypher.rs"]
mod cypher;
#[path = "e2e/cypher_clients.rs"]
mod cypher_clients;
#[path = "e2e/graph.rs"]
mod graph;
#[path = "e2e/graphrag.rs"]
mod graphrag;
#[path = "e2e/leases.rs"]
mod leases;
#[path = "e2e/leases_migrate.rs"]
mod leases_migrate;
#[path = "e2e/leases_remote_server.rs"]
mod leases_remote_server;
#[path = "e2e/leases_support.rs"]
mod leases_support;
#[path = "e2e/mysql.rs"]
mod mysql;
#[path = "e2e/mysql_clients.rs"]
mod mysql_clients;
#[path = "e2e/mysql_metadata.rs"]
mod mysql_metadata;
#[path = "e2e/postgres.rs"]
mod postgres;
#[path = "e2e/postgres_auth.rs"]
mod postgres_auth;
#[path = "e2e/psql_meta.rs"]
mod psql_meta;
#[path = "e2e/redis.rs"]
mod redis;
#[path = "e2e/server.rs"]
mod server;
#[path = "e2e/sqllogic.rs"]
mod sqllogic;
#[path = "e2e/storage.rs"]
mod storage;
