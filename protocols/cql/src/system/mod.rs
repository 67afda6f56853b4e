//! TEMPORARY compile shim (not committed).
use crate::model::CqlValue;
pub struct SystemRow { pub keyspace: &'static str, pub table: &'static str, pub cells: Vec<(&'static str, CqlValue)> }
pub struct LocalNode { pub address: std::net::IpAddr, pub native_port: u16, pub storage_port: u16, pub host_id: [u8; 16], pub schema_version: [u8; 16], pub tokens: Vec<String>, pub cluster_name: String, pub data_center: String, pub rack: String }
pub fn local_rows(_node: &LocalNode) -> Vec<SystemRow> { todo!() }
pub fn schema_rows(_k: &[crate::schema::KeyspaceDef], _t: &[std::sync::Arc<crate::schema::TableDef>], _u: &[std::sync::Arc<crate::schema::UserTypeDef>]) -> Vec<SystemRow> { todo!() }
pub fn system_keyspaces() -> Vec<crate::schema::KeyspaceDef> { todo!() }
pub fn system_table_defs() -> crate::error::CqlResult<Vec<crate::schema::TableDef>> { Ok(Vec::new()) }
