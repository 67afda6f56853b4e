//! CREATE KEYSPACE text: `KeyspaceMetadata.toCqlString` and
//! `ReplicationParams.appendCqlTo` of Cassandra 4.1 —
//! `CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;`
//! (two spaces before AND, strategy classes of `org.apache.cassandra.locator` by their
//! simple name, options in the order of the `HashMap` Cassandra keeps them in). Virtual
//! keyspaces print as a `/* ... */` warning.

use super::cql_text::{java_hash_map_order, quote_if_needed, single_quoted};
use crate::schema::KeyspaceDef;

const LOCATOR_PACKAGE: &str = "org.apache.cassandra.locator.";

/// The system keyspaces of `SchemaConstants`: local, replicated and virtual.
pub fn is_system_keyspace(name: &str) -> bool {
    matches!(
        name.to_lowercase().as_str(),
        "system"
            | "system_schema"
            | "system_traces"
            | "system_auth"
            | "system_distributed"
            | "system_views"
            | "system_virtual_schema"
    )
}

/// The local system keyspaces (LocalStrategy), which also answer no range ownership.
pub fn is_local_system_keyspace(name: &str) -> bool {
    matches!(name.to_lowercase().as_str(), "system" | "system_schema")
}

/// Keyspaces of virtual tables (`VirtualKeyspaceRegistry`).
pub fn is_virtual_keyspace(name: &str) -> bool {
    matches!(name, "system_views" | "system_virtual_schema")
}

/// `{'class': 'SimpleStrategy', 'replication_factor': '1'}`.
pub fn replication_text(ks: &KeyspaceDef) -> String {
    let map = ks.replication.as_map();
    let class = map.get("class").map(String::as_str).unwrap_or_default();
    let class = class.strip_prefix(LOCATOR_PACKAGE).filter(|c| !c.contains('.')).unwrap_or(class);
    let mut out = format!("{{'class': {}", single_quoted(class));
    // Reloaded from system_schema, the options (with 'class') come in key order and are
    // copied into a HashMap; 'class' is taken out before the params keep the rest.
    let keys: Vec<&str> = map.keys().map(String::as_str).filter(|k| *k != "class").collect();
    for key in java_hash_map_order(&keys, map.len()) {
        out.push_str(&format!(", {}: {}", single_quoted(key), single_quoted(&map[key])));
    }
    out.push('}');
    out
}

/// The keyspace's own row of DESCRIBE KEYSPACE / SCHEMA.
pub fn create_keyspace(ks: &KeyspaceDef) -> String {
    let name = quote_if_needed(&ks.name);
    if is_virtual_keyspace(&ks.name) {
        return format!(
            "/*\nWarning: Keyspace {name} is a virtual keyspace and cannot be recreated with CQL.\n\
             Structure, for reference:\nVIRTUAL KEYSPACE {name};\n*/"
        );
    }
    format!(
        "CREATE KEYSPACE {name} WITH replication = {}  AND durable_writes = {};",
        replication_text(ks),
        ks.durable_writes
    )
}
