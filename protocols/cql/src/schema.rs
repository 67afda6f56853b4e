//! Keyspace, table and type definitions: what CREATE statements produce, what the model's
//! catalog stores (and reloads on start), and what the system_schema tables and DESCRIBE
//! print. Names are stored as Cassandra stores them: unquoted identifiers lower-cased,
//! quoted ones exactly.

use crate::types::CqlType;
use std::collections::BTreeMap;

/// `replication = {...}` of a keyspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replication {
    /// SimpleStrategy with its replication_factor.
    Simple { replication_factor: u32 },
    /// NetworkTopologyStrategy: data centre → replication factor.
    NetworkTopology { data_centers: BTreeMap<String, u32> },
    /// LocalStrategy / EverywhereStrategy of the system keyspaces.
    Local,
}

impl Replication {
    /// The map system_schema.keyspaces.replication shows
    /// (`{'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'}`).
    pub fn as_map(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        match self {
            Replication::Simple { replication_factor } => {
                map.insert("class".into(), "org.apache.cassandra.locator.SimpleStrategy".into());
                map.insert("replication_factor".into(), replication_factor.to_string());
            }
            Replication::NetworkTopology { data_centers } => {
                map.insert("class".into(), "org.apache.cassandra.locator.NetworkTopologyStrategy".into());
                for (dc, rf) in data_centers {
                    map.insert(dc.clone(), rf.to_string());
                }
            }
            Replication::Local => {
                map.insert("class".into(), "org.apache.cassandra.locator.LocalStrategy".into());
            }
        }
        map
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyspaceDef {
    pub name: String,
    pub replication: Replication,
    pub durable_writes: bool,
}

/// A column's role in its table (system_schema.columns.kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    PartitionKey,
    Clustering,
    Regular,
    Static,
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::PartitionKey => "partition_key",
            ColumnKind::Clustering => "clustering",
            ColumnKind::Regular => "regular",
            ColumnKind::Static => "static",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusteringOrder {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: CqlType,
    pub kind: ColumnKind,
    /// Position within the partition key or the clustering columns; 0 for the others
    /// (system_schema.columns.position uses -1 for regular and static columns).
    pub position: u32,
    /// Only meaningful for clustering columns.
    pub order: ClusteringOrder,
}

/// A secondary index (CREATE INDEX).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub name: String,
    /// The indexed column.
    pub column: String,
    /// `values`, `keys`, `entries` or `full` (collections); `values` for plain columns.
    pub target: IndexTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexTarget {
    Values,
    Keys,
    Entries,
    Full,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    pub keyspace: String,
    pub name: String,
    /// All columns: partition key columns first (by position), then clustering columns
    /// (by position), then static and regular columns in name order — the order
    /// `SELECT *` returns them in.
    pub columns: Vec<ColumnDef>,
    /// Stable id (system_schema.tables.id), a random uuid at creation, as 16 bytes.
    pub id: [u8; 16],
    /// `default_time_to_live` in seconds; 0 for none.
    pub default_ttl: u32,
    /// Every other `WITH` option as written (comment, compaction, caching, ...), kept to
    /// be shown back by system_schema.tables and DESCRIBE; values in CQL literal form.
    pub options: BTreeMap<String, String>,
    pub indexes: Vec<IndexDef>,
    /// True when the table has a counter column (then all non-key columns are counters).
    pub is_counter: bool,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
    pub fn partition_key(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| c.kind == ColumnKind::PartitionKey)
    }
    pub fn clustering(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| c.kind == ColumnKind::Clustering)
    }
    /// Regular and static columns.
    pub fn value_columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| matches!(c.kind, ColumnKind::Regular | ColumnKind::Static))
    }
}

/// A user-defined type (CREATE TYPE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTypeDef {
    pub keyspace: String,
    pub name: String,
    pub fields: Vec<(String, CqlType)>,
}
