//! Cypher's values: what expressions evaluate to, parameters arrive as and records carry
//! to the listener. Graph elements carry their labels/type and properties as read in the
//! transaction; temporal values keep nanoseconds and their zone or offset; points their
//! coordinate reference system.
//!
//! The submodules give the semantics the executor and the function library share:
//! equality with null's three-valued logic, comparability and the total order ORDER BY
//! uses, arithmetic (numbers, strings, lists, temporal arithmetic), and the conversion of
//! property values to and from the storage [`orbit_storage::Value`]s the graph model keeps.

use std::collections::BTreeMap;

pub type Map = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Map(Map),
    Node(NodeValue),
    Relationship(RelationshipValue),
    Path(PathValue),
    Date(Date),
    Time(Time),
    LocalTime(LocalTime),
    DateTime(DateTime),
    LocalDateTime(LocalDateTime),
    Duration(Duration),
    Point(Point),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeValue {
    pub id: u64,
    /// Sorted, without duplicates.
    pub labels: Vec<String>,
    pub properties: Map,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipValue {
    pub id: u64,
    pub ty: String,
    pub start: u64,
    pub end: u64,
    pub properties: Map,
}

/// `nodes.len() == relationships.len() + 1`; relationship `i` joins nodes `i` and `i + 1`
/// in either direction (its own start/end say which).
#[derive(Debug, Clone, PartialEq)]
pub struct PathValue {
    pub nodes: Vec<NodeValue>,
    pub relationships: Vec<RelationshipValue>,
}

/// Days since 1970-01-01 (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub days: i64,
}

/// Nanoseconds since midnight, `0..86_400 * 10^9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime {
    pub nanos: i64,
}

/// A time of day with its offset from UTC in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    pub nanos: i64,
    pub offset_seconds: i32,
}

/// Seconds and nanoseconds since 1970-01-01T00:00 on the local clock (no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    pub seconds: i64,
    pub nanos: u32,
}

/// An instant (seconds and nanoseconds since the epoch, in UTC) with the zone it is shown
/// in: a fixed offset, or a named zone together with the offset it has at that instant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub seconds: i64,
    pub nanos: u32,
    pub zone: Zone,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Zone {
    Offset(i32),
    Named { name: String, offset_seconds: i32 },
}

impl Zone {
    pub fn offset_seconds(&self) -> i32 {
        match self {
            Zone::Offset(s) => *s,
            Zone::Named { offset_seconds, .. } => *offset_seconds,
        }
    }
}

/// Cypher's duration: months, days, seconds and nanoseconds kept apart (a month is not a
/// fixed number of days), as Neo4j and Bolt keep them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    pub months: i64,
    pub days: i64,
    pub seconds: i64,
    pub nanos: i64,
}

/// A point in a coordinate reference system: 7203 cartesian, 9157 cartesian-3d, 4326
/// WGS-84 (x = longitude, y = latitude), 4979 WGS-84-3d.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub srid: u32,
    pub x: f64,
    pub y: f64,
    pub z: Option<f64>,
}

/// The element id of a node as the drivers see it (`elementId(n)`, Bolt 5 structures).
pub fn node_element_id(id: u64) -> String {
    format!("4:orbit:{id}")
}

/// The element id of a relationship.
pub fn relationship_element_id(id: u64) -> String {
    format!("5:orbit:{id}")
}

/// The id inside an element id of either kind, when it is one of ours.
pub fn parse_element_id(element_id: &str) -> Option<(ElementKind, u64)> {
    let (kind, rest) = if let Some(rest) = element_id.strip_prefix("4:orbit:") {
        (ElementKind::Node, rest)
    } else if let Some(rest) = element_id.strip_prefix("5:orbit:") {
        (ElementKind::Relationship, rest)
    } else {
        return None;
    };
    rest.parse().ok().map(|id| (kind, id))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementKind {
    Node,
    Relationship,
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The type name Neo4j uses in messages and `valueType()` (e.g. `INTEGER`, `LIST<ANY>`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "BOOLEAN",
            Value::Int(_) => "INTEGER",
            Value::Float(_) => "FLOAT",
            Value::String(_) => "STRING",
            Value::Bytes(_) => "BYTE ARRAY",
            Value::List(_) => "LIST<ANY>",
            Value::Map(_) => "MAP",
            Value::Node(_) => "NODE",
            Value::Relationship(_) => "RELATIONSHIP",
            Value::Path(_) => "PATH",
            Value::Date(_) => "DATE",
            Value::Time(_) => "ZONED TIME",
            Value::LocalTime(_) => "LOCAL TIME",
            Value::DateTime(_) => "ZONED DATETIME",
            Value::LocalDateTime(_) => "LOCAL DATETIME",
            Value::Duration(_) => "DURATION",
            Value::Point(_) => "POINT",
        }
    }
}

pub mod compare;
pub mod format;
pub mod ops;
pub mod props;
pub mod temporal;
