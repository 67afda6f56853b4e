//! Between the Cypher engine's [`Value`]s and Bolt's wire values: a record's fields are
//! encoded for the connection's version (element ids from 5.0, the 4.4 struct sizes, UTC
//! or legacy DateTimes), and a RUN's parameters are decoded into Values, temporal and
//! spatial structures included (a named zone is resolved with the engine's zone rules).
//!
//! Graph elements are results only: a client sending a Node, Relationship or Path as a
//! parameter gets [`ConvertError::Invalid`], as from Neo4j. Encoding refuses values
//! nested deeper than PackStream's [`MAX_DEPTH`], so a query building a very deep list
//! fails that query instead of exhausting the stack.

use orbit_cypher::value::temporal::{datetime_from_instant, datetime_from_local, parse_zone};
use orbit_cypher::value::{
    self as cv, node_element_id, relationship_element_id, Map, NodeValue, PathValue, RelationshipValue, Value, Zone,
};
use orbit_cypher::CypherError;

use crate::handshake::Version;
use crate::packstream::{Dictionary, PackValue, MAX_DEPTH};
use crate::structs::{self, has_element_ids, BoltValue, Clock, Node, Path, Relationship};

/// Why a value could not cross the wire.
#[derive(Debug, Clone)]
pub enum ConvertError {
    /// The client sent something no query may take (Neo.ClientError.Request.Invalid).
    Invalid(String),
    /// The value is well-formed but the engine refuses it (an unknown time zone ...).
    Cypher(CypherError),
    /// A result value cannot be sent (too deep, an id out of range): a database error.
    Unencodable(String),
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::Invalid(m) | ConvertError::Unencodable(m) => f.write_str(m),
            ConvertError::Cypher(e) => write!(f, "{e}"),
        }
    }
}

/// How values are encoded on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    pub version: Version,
    /// 4.4 negotiated the `utc` patch.
    pub utc_patch: bool,
}

impl Encoding {
    pub fn new(version: Version, utc_patch: bool) -> Encoding {
        Encoding { version, utc_patch }
    }

    /// The fields of one RECORD.
    pub fn record(&self, values: &[Value]) -> Result<Vec<PackValue>, ConvertError> {
        values.iter().map(|v| self.pack(v)).collect()
    }

    /// One value in its wire form.
    pub fn pack(&self, value: &Value) -> Result<PackValue, ConvertError> {
        self.pack_at(value, 0)
    }

    fn pack_at(&self, value: &Value, depth: usize) -> Result<PackValue, ConvertError> {
        if depth >= MAX_DEPTH {
            return Err(ConvertError::Unencodable(format!("a result value is nested deeper than {MAX_DEPTH} levels")));
        }
        let bolt = match value {
            Value::List(items) => {
                return items.iter().map(|v| self.pack_at(v, depth + 1)).collect::<Result<_, _>>().map(PackValue::List)
            }
            Value::Map(map) => return self.dictionary(map, depth + 1).map(PackValue::Dictionary),
            Value::Node(n) => BoltValue::Node(self.node(n, depth + 1)?),
            Value::Relationship(r) => BoltValue::Relationship(self.relationship(r, depth + 1)?),
            Value::Path(p) => BoltValue::Path(self.path(p, depth + 1)?),
            other => scalar_to_bolt(other)?,
        };
        bolt.to_pack(self.version, self.utc_patch).map_err(|e| ConvertError::Unencodable(e.to_string()))
    }

    fn dictionary(&self, map: &Map, depth: usize) -> Result<Dictionary, ConvertError> {
        map.iter().map(|(k, v)| Ok((k.clone(), self.pack_at(v, depth)?))).collect()
    }

    fn element_id(&self, id: u64, of: fn(u64) -> String) -> String {
        if has_element_ids(self.version) {
            of(id)
        } else {
            id.to_string()
        }
    }

    fn node(&self, n: &NodeValue, depth: usize) -> Result<Node, ConvertError> {
        Ok(Node {
            id: wire_id(n.id)?,
            labels: n.labels.clone(),
            properties: self.dictionary(&n.properties, depth)?,
            element_id: self.element_id(n.id, node_element_id),
        })
    }

    fn relationship(&self, r: &RelationshipValue, depth: usize) -> Result<Relationship, ConvertError> {
        Ok(Relationship {
            id: wire_id(r.id)?,
            start_node_id: wire_id(r.start)?,
            end_node_id: wire_id(r.end)?,
            rel_type: r.ty.clone(),
            properties: self.dictionary(&r.properties, depth)?,
            element_id: self.element_id(r.id, relationship_element_id),
            start_node_element_id: self.element_id(r.start, node_element_id),
            end_node_element_id: self.element_id(r.end, node_element_id),
        })
    }

    fn path(&self, p: &PathValue, depth: usize) -> Result<Path, ConvertError> {
        let (first, rest) =
            p.nodes.split_first().ok_or_else(|| ConvertError::Unencodable("a path without nodes".into()))?;
        if rest.len() != p.relationships.len() {
            return Err(ConvertError::Unencodable("a path whose nodes and relationships do not alternate".into()));
        }
        let start = self.node(first, depth)?;
        let steps = p
            .relationships
            .iter()
            .zip(rest)
            .map(|(r, n)| Ok((self.relationship(r, depth)?, self.node(n, depth)?)))
            .collect::<Result<Vec<_>, ConvertError>>()?;
        Ok(Path::from_walk(start, steps))
    }
}

fn wire_id(id: u64) -> Result<i64, ConvertError> {
    i64::try_from(id).map_err(|_| ConvertError::Unencodable(format!("element id {id} does not fit a Bolt integer")))
}

/// Every value but containers and graph elements.
fn scalar_to_bolt(value: &Value) -> Result<BoltValue, ConvertError> {
    Ok(match value {
        Value::Null => BoltValue::Null,
        Value::Bool(b) => BoltValue::Boolean(*b),
        Value::Int(i) => BoltValue::Integer(*i),
        Value::Float(f) => BoltValue::Float(*f),
        Value::String(s) => BoltValue::String(s.clone()),
        Value::Bytes(b) => BoltValue::Bytes(b.clone()),
        Value::Date(d) => BoltValue::Date(structs::Date { days: d.days }),
        Value::Time(t) => {
            BoltValue::Time(structs::Time { nanoseconds: t.nanos, tz_offset_seconds: i64::from(t.offset_seconds) })
        }
        Value::LocalTime(t) => BoltValue::LocalTime(structs::LocalTime { nanoseconds: t.nanos }),
        Value::DateTime(dt) => match &dt.zone {
            Zone::Offset(offset) => BoltValue::DateTime(structs::DateTime {
                seconds: dt.seconds,
                nanoseconds: i64::from(dt.nanos),
                tz_offset_seconds: i64::from(*offset),
            }),
            Zone::Named { name, offset_seconds } => BoltValue::DateTimeZoneId(structs::DateTimeZoneId {
                seconds: dt.seconds,
                clock: Clock::Utc,
                nanoseconds: i64::from(dt.nanos),
                tz_id: name.clone(),
                offset_seconds: Some(i64::from(*offset_seconds)),
            }),
        },
        Value::LocalDateTime(l) => {
            BoltValue::LocalDateTime(structs::LocalDateTime { seconds: l.seconds, nanoseconds: i64::from(l.nanos) })
        }
        Value::Duration(d) => BoltValue::Duration(structs::Duration {
            months: d.months,
            days: d.days,
            seconds: d.seconds,
            nanoseconds: d.nanos,
        }),
        Value::Point(p) => match p.z {
            None => BoltValue::Point2D(structs::Point2D { srid: i64::from(p.srid), x: p.x, y: p.y }),
            Some(z) => BoltValue::Point3D(structs::Point3D { srid: i64::from(p.srid), x: p.x, y: p.y, z }),
        },
        Value::List(_) | Value::Map(_) | Value::Node(_) | Value::Relationship(_) | Value::Path(_) => {
            return Err(ConvertError::Unencodable("a container reached the scalar encoder".into()))
        }
    })
}

/// A RUN's parameters as the engine takes them.
pub fn parameters(dict: Dictionary) -> Result<Map, ConvertError> {
    let mut out = Map::new();
    for (name, value) in dict {
        let value = BoltValue::from_pack(value).map_err(|e| ConvertError::Invalid(e.to_string()))?;
        out.insert(name, from_bolt(value)?);
    }
    Ok(out)
}

/// One decoded parameter value.
pub fn from_bolt(value: BoltValue) -> Result<Value, ConvertError> {
    let invalid = |what: &str| ConvertError::Invalid(format!("{what} value is out of range"));
    Ok(match value {
        BoltValue::Null => Value::Null,
        BoltValue::Boolean(b) => Value::Bool(b),
        BoltValue::Integer(i) => Value::Int(i),
        BoltValue::Float(f) => Value::Float(f),
        BoltValue::Bytes(b) => Value::Bytes(b),
        BoltValue::String(s) => Value::String(s),
        BoltValue::List(items) => Value::List(items.into_iter().map(from_bolt).collect::<Result<_, _>>()?),
        BoltValue::Map(entries) => {
            Value::Map(entries.into_iter().map(|(k, v)| Ok((k, from_bolt(v)?))).collect::<Result<_, ConvertError>>()?)
        }
        BoltValue::Node(_) | BoltValue::Relationship(_) | BoltValue::UnboundRelationship(_) | BoltValue::Path(_) => {
            return Err(ConvertError::Invalid(
                "graph elements (Node, Relationship, Path) cannot be sent as parameters".into(),
            ))
        }
        BoltValue::Date(d) => Value::Date(cv::Date { days: d.days }),
        BoltValue::Time(t) => Value::Time(cv::Time {
            nanos: t.nanoseconds,
            offset_seconds: i32::try_from(t.tz_offset_seconds).map_err(|_| invalid("Time offset"))?,
        }),
        BoltValue::LocalTime(t) => Value::LocalTime(cv::LocalTime { nanos: t.nanoseconds }),
        BoltValue::DateTime(d) => Value::DateTime(cv::DateTime {
            seconds: d.seconds,
            nanos: u32::try_from(d.nanoseconds).map_err(|_| invalid("DateTime nanoseconds"))?,
            zone: Zone::Offset(i32::try_from(d.tz_offset_seconds).map_err(|_| invalid("DateTime offset"))?),
        }),
        BoltValue::DateTimeZoneId(d) => Value::DateTime(zoned(d)?),
        BoltValue::LocalDateTime(l) => Value::LocalDateTime(cv::LocalDateTime {
            seconds: l.seconds,
            nanos: u32::try_from(l.nanoseconds).map_err(|_| invalid("LocalDateTime nanoseconds"))?,
        }),
        BoltValue::Duration(d) => {
            Value::Duration(cv::Duration { months: d.months, days: d.days, seconds: d.seconds, nanos: d.nanoseconds })
        }
        BoltValue::Point2D(p) => Value::Point(cv::Point {
            srid: u32::try_from(p.srid).map_err(|_| invalid("Point srid"))?,
            x: p.x,
            y: p.y,
            z: None,
        }),
        BoltValue::Point3D(p) => Value::Point(cv::Point {
            srid: u32::try_from(p.srid).map_err(|_| invalid("Point srid"))?,
            x: p.x,
            y: p.y,
            z: Some(p.z),
        }),
    })
}

/// A DateTime in a named zone: the zone's rules give its offset at that instant (or at
/// that wall-clock time, for the legacy form).
fn zoned(d: structs::DateTimeZoneId) -> Result<cv::DateTime, ConvertError> {
    let nanos = u32::try_from(d.nanoseconds)
        .map_err(|_| ConvertError::Invalid("DateTime nanoseconds value is out of range".into()))?;
    let zone = parse_zone(&d.tz_id).map_err(ConvertError::Cypher)?;
    let dt = match d.clock {
        Clock::Utc => datetime_from_instant(d.seconds, nanos, &zone),
        Clock::Local => datetime_from_local(d.seconds, nanos, &zone),
    };
    dt.map_err(ConvertError::Cypher)
}

#[cfg(test)]
mod tests;
