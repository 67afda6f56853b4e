//! The one row of system.local for this node, with the columns SystemKeyspace.java
//! defines (Cassandra 4.1): a single node that has bootstrapped, owns its tokens, speaks
//! native protocol v5 and CQL 3.4.6, and announces the schema version of the catalog.

use super::SystemRow;
use crate::model::CqlValue;
use std::net::IpAddr;

/// The release Orbit answers as (drivers pick their schema parser from it).
pub const RELEASE_VERSION: &str = "4.1.3";
pub const CQL_VERSION: &str = "3.4.6";
pub const PARTITIONER: &str = "org.apache.cassandra.dht.Murmur3Partitioner";

pub struct LocalNode {
    pub address: IpAddr,
    pub native_port: u16,
    pub storage_port: u16,
    pub host_id: [u8; 16],
    pub schema_version: [u8; 16],
    pub tokens: Vec<String>,
    pub cluster_name: String,
    pub data_center: String,
    pub rack: String,
}

pub fn local_rows(node: &LocalNode) -> Vec<SystemRow> {
    let text = |s: &str| CqlValue::Text(s.to_string());
    vec![SystemRow {
        keyspace: "system",
        table: "local",
        cells: vec![
            ("key", text("local")),
            ("bootstrapped", text("COMPLETED")),
            ("broadcast_address", CqlValue::Inet(node.address)),
            ("broadcast_port", CqlValue::Int(i32::from(node.storage_port))),
            ("cluster_name", text(&node.cluster_name)),
            ("cql_version", text(CQL_VERSION)),
            ("data_center", text(&node.data_center)),
            ("gossip_generation", CqlValue::Int(1)),
            ("host_id", CqlValue::Uuid(node.host_id)),
            ("listen_address", CqlValue::Inet(node.address)),
            ("listen_port", CqlValue::Int(i32::from(node.storage_port))),
            ("native_protocol_version", text("5")),
            ("partitioner", text(PARTITIONER)),
            ("rack", text(&node.rack)),
            ("release_version", text(RELEASE_VERSION)),
            ("rpc_address", CqlValue::Inet(node.address)),
            ("rpc_port", CqlValue::Int(i32::from(node.native_port))),
            ("schema_version", CqlValue::Uuid(node.schema_version)),
            ("tokens", CqlValue::set(node.tokens.iter().map(|t| text(t)).collect())),
        ],
    }]
}
