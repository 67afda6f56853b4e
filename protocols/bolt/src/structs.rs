//! The Bolt structures that travel inside values: graph elements (Node, Relationship,
//! UnboundRelationship, Path), temporal values and points, each mapped to and from a
//! [`PackValue::Structure`], and [`BoltValue`], a whole value tree with them typed.
//!
//! The shape depends on the connection. Graph elements carry element ids from Bolt 5.0
//! (4/8/4 fields, 3/5/3 on 4.4; drivers reject other sizes). DateTimes are sent in the UTC
//! forms (`I`, `i`) on 5.x and on 4.4 when the `utc` patch was negotiated, otherwise in the
//! legacy forms (`F`, `f`) that carry local seconds. Decoding does not depend on the
//! version: a structure is read by its tag and field count, so parameters in either shape
//! are accepted. Values stay plain integers and floats; time zones are resolved above.

use crate::error::{BoltError, BoltResult};
use crate::handshake::Version;
use crate::packstream::{Dictionary, PackValue};

pub mod tag {
    pub const NODE: u8 = 0x4E;
    pub const RELATIONSHIP: u8 = 0x52;
    pub const UNBOUND_RELATIONSHIP: u8 = 0x72;
    pub const PATH: u8 = 0x50;
    pub const DATE: u8 = 0x44;
    pub const TIME: u8 = 0x54;
    pub const LOCAL_TIME: u8 = 0x74;
    pub const DATE_TIME: u8 = 0x49;
    pub const DATE_TIME_ZONE_ID: u8 = 0x69;
    pub const LEGACY_DATE_TIME: u8 = 0x46;
    pub const LEGACY_DATE_TIME_ZONE_ID: u8 = 0x66;
    pub const LOCAL_DATE_TIME: u8 = 0x64;
    pub const DURATION: u8 = 0x45;
    pub const POINT_2D: u8 = 0x58;
    pub const POINT_3D: u8 = 0x59;
}

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;
/// The widest UTC offset a time zone may have (±18:00).
const MAX_OFFSET_SECONDS: i64 = 18 * 3600;

/// True when graph elements carry element ids (Bolt 5.0 on).
pub fn has_element_ids(version: Version) -> bool {
    version.at_least(5, 0)
}

/// True when DateTimes go in the UTC forms: always on 5.x, on 4.4 with the `utc` patch.
pub fn utc_date_times(version: Version, utc_patch: bool) -> bool {
    version.at_least(5, 0) || utc_patch
}

// ---------------------------------------------------------------- graph elements

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: i64,
    pub labels: Vec<String>,
    /// Property values already in their wire form (a temporal property is encoded for the
    /// connection with [`BoltValue::to_pack`] first).
    pub properties: Dictionary,
    /// On 4.4 the decimal id, which is what a 5.x driver would have been sent.
    pub element_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub id: i64,
    pub start_node_id: i64,
    pub end_node_id: i64,
    pub rel_type: String,
    pub properties: Dictionary,
    pub element_id: String,
    pub start_node_element_id: String,
    pub end_node_element_id: String,
}

/// A relationship inside a [`Path`], whose ends the path's indices give.
#[derive(Debug, Clone, PartialEq)]
pub struct UnboundRelationship {
    pub id: i64,
    pub rel_type: String,
    pub properties: Dictionary,
    pub element_id: String,
}

/// A path as Bolt sends it: its distinct nodes (the first is where it starts), its
/// distinct relationships, and `indices`, pairs of a relationship (1-based, negative when
/// walked against its direction) and the node (0-based) it leads to.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub nodes: Vec<Node>,
    pub relationships: Vec<UnboundRelationship>,
    pub indices: Vec<i64>,
}

/// One hop of a [`Path`]: positions in its `nodes` and `relationships` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStep {
    pub from: usize,
    pub relationship: usize,
    /// True when the relationship points from `from` to `to`.
    pub forward: bool,
    pub to: usize,
}

impl Node {
    pub fn to_pack(&self, version: Version) -> PackValue {
        let mut fields = vec![
            PackValue::Integer(self.id),
            PackValue::List(self.labels.iter().map(|l| PackValue::String(l.clone())).collect()),
            PackValue::Dictionary(self.properties.clone()),
        ];
        if has_element_ids(version) {
            fields.push(PackValue::String(self.element_id.clone()));
        }
        PackValue::Structure { tag: tag::NODE, fields }
    }

    pub fn from_pack(value: PackValue) -> BoltResult<Node> {
        let mut f = Fields::open(value, "Node", tag::NODE, &[3, 4])?;
        let id = f.int("id")?;
        let labels = f.strings("labels")?;
        let properties = f.dict("properties")?;
        let element_id = f.element_id("element_id", id)?;
        Ok(Node { id, labels, properties, element_id })
    }
}

impl Relationship {
    pub fn to_pack(&self, version: Version) -> PackValue {
        let mut fields = vec![
            PackValue::Integer(self.id),
            PackValue::Integer(self.start_node_id),
            PackValue::Integer(self.end_node_id),
            PackValue::String(self.rel_type.clone()),
            PackValue::Dictionary(self.properties.clone()),
        ];
        if has_element_ids(version) {
            fields.push(PackValue::String(self.element_id.clone()));
            fields.push(PackValue::String(self.start_node_element_id.clone()));
            fields.push(PackValue::String(self.end_node_element_id.clone()));
        }
        PackValue::Structure { tag: tag::RELATIONSHIP, fields }
    }

    pub fn from_pack(value: PackValue) -> BoltResult<Relationship> {
        let mut f = Fields::open(value, "Relationship", tag::RELATIONSHIP, &[5, 8])?;
        let id = f.int("id")?;
        let start_node_id = f.int("start_node_id")?;
        let end_node_id = f.int("end_node_id")?;
        let rel_type = f.string("type")?;
        let properties = f.dict("properties")?;
        Ok(Relationship {
            id,
            start_node_id,
            end_node_id,
            rel_type,
            properties,
            element_id: f.element_id("element_id", id)?,
            start_node_element_id: f.element_id("start_node_element_id", start_node_id)?,
            end_node_element_id: f.element_id("end_node_element_id", end_node_id)?,
        })
    }

    /// This relationship as a path carries it, without its ends.
    pub fn unbound(&self) -> UnboundRelationship {
        UnboundRelationship {
            id: self.id,
            rel_type: self.rel_type.clone(),
            properties: self.properties.clone(),
            element_id: self.element_id.clone(),
        }
    }
}

impl UnboundRelationship {
    pub fn to_pack(&self, version: Version) -> PackValue {
        let mut fields = vec![
            PackValue::Integer(self.id),
            PackValue::String(self.rel_type.clone()),
            PackValue::Dictionary(self.properties.clone()),
        ];
        if has_element_ids(version) {
            fields.push(PackValue::String(self.element_id.clone()));
        }
        PackValue::Structure { tag: tag::UNBOUND_RELATIONSHIP, fields }
    }

    pub fn from_pack(value: PackValue) -> BoltResult<UnboundRelationship> {
        let mut f = Fields::open(value, "UnboundRelationship", tag::UNBOUND_RELATIONSHIP, &[3, 4])?;
        let id = f.int("id")?;
        let rel_type = f.string("type")?;
        let properties = f.dict("properties")?;
        let element_id = f.element_id("element_id", id)?;
        Ok(UnboundRelationship { id, rel_type, properties, element_id })
    }
}

impl Path {
    /// The path that starts at `start` and takes each `(relationship, node)` step in turn;
    /// a step walks a relationship forward when it starts at the node before it.
    pub fn from_walk(start: Node, steps: Vec<(Relationship, Node)>) -> Path {
        let mut here = start.id;
        let mut path = Path { nodes: vec![start], relationships: Vec::new(), indices: Vec::new() };
        for (relationship, node) in steps {
            let forward = relationship.start_node_id == here && relationship.end_node_id == node.id;
            let rel = match path.relationships.iter().position(|r| r.id == relationship.id) {
                Some(i) => i,
                None => {
                    path.relationships.push(relationship.unbound());
                    path.relationships.len() - 1
                }
            };
            here = node.id;
            let to = match path.nodes.iter().position(|n| n.id == node.id) {
                Some(i) => i,
                None => {
                    path.nodes.push(node);
                    path.nodes.len() - 1
                }
            };
            let rel = rel as i64 + 1;
            path.indices.push(if forward { rel } else { -rel });
            path.indices.push(to as i64);
        }
        path
    }

    /// The hops of the path in order; an error when the indices do not describe one.
    pub fn steps(&self) -> BoltResult<Vec<PathStep>> {
        let bad = || BoltError::WrongFieldType {
            message: "Path",
            field: "indices",
            expected: "pairs of a signed 1-based relationship index and a node index, in range",
        };
        if self.nodes.is_empty() {
            return Err(BoltError::WrongFieldType { message: "Path", field: "nodes", expected: "a non-empty list" });
        }
        let pairs = self.indices.chunks_exact(2);
        if !pairs.remainder().is_empty() {
            return Err(bad());
        }
        let mut from = 0;
        let mut steps = Vec::with_capacity(self.indices.len() / 2);
        for pair in pairs {
            let &[rel, to] = pair else { return Err(bad()) };
            let relationship = usize::try_from(rel.unsigned_abs()).map_err(|_| bad())?;
            let to = usize::try_from(to).map_err(|_| bad())?;
            if relationship == 0 || relationship > self.relationships.len() || to >= self.nodes.len() {
                return Err(bad());
            }
            steps.push(PathStep { from, relationship: relationship - 1, forward: rel > 0, to });
            from = to;
        }
        Ok(steps)
    }

    pub fn to_pack(&self, version: Version) -> PackValue {
        let fields = vec![
            PackValue::List(self.nodes.iter().map(|n| n.to_pack(version)).collect()),
            PackValue::List(self.relationships.iter().map(|r| r.to_pack(version)).collect()),
            PackValue::List(self.indices.iter().map(|i| PackValue::Integer(*i)).collect()),
        ];
        PackValue::Structure { tag: tag::PATH, fields }
    }

    /// Reads a path and checks that its indices are in range.
    pub fn from_pack(value: PackValue) -> BoltResult<Path> {
        let mut f = Fields::open(value, "Path", tag::PATH, &[3])?;
        let nodes = f.list("nodes")?.into_iter().map(Node::from_pack).collect::<BoltResult<_>>()?;
        let relationships =
            f.list("relationships")?.into_iter().map(UnboundRelationship::from_pack).collect::<BoltResult<_>>()?;
        let indices = f
            .list("indices")?
            .into_iter()
            .map(|i| i.as_int().ok_or_else(|| f.wrong("indices", "a list of integers")))
            .collect::<BoltResult<_>>()?;
        let path = Path { nodes, relationships, indices };
        path.steps()?;
        Ok(path)
    }
}

// ---------------------------------------------------------------- temporal and spatial

/// Days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub days: i64,
}

/// A time of day with its offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub nanoseconds: i64,
    pub tz_offset_seconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub nanoseconds: i64,
}

/// An instant with a fixed offset: `seconds` since the epoch are always UTC, whichever
/// form carried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub seconds: i64,
    pub nanoseconds: i64,
    pub tz_offset_seconds: i64,
}

/// What the seconds of a [`DateTimeZoneId`] count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Seconds since the epoch, UTC (the `i` form).
    Utc,
    /// The wall clock of the zone, counted as if it were UTC (the legacy `f` form).
    Local,
}

/// An instant in a named zone. Turning UTC seconds into local ones needs the zone's rules,
/// which live above this crate: a decoded value says which [`Clock`] its seconds count,
/// and `offset_seconds`, when the caller knows it, lets it be sent in the other form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeZoneId {
    pub seconds: i64,
    pub clock: Clock,
    pub nanoseconds: i64,
    pub tz_id: String,
    /// The zone's offset from UTC at this instant, when known (never set by decoding).
    pub offset_seconds: Option<i64>,
}

/// Seconds since 1970-01-01T00:00 on a wall clock with no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalDateTime {
    pub seconds: i64,
    pub nanoseconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    pub months: i64,
    pub days: i64,
    pub seconds: i64,
    pub nanoseconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point2D {
    pub srid: i64,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point3D {
    pub srid: i64,
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

fn structure(tag: u8, fields: Vec<PackValue>) -> PackValue {
    PackValue::Structure { tag, fields }
}

impl DateTime {
    /// The `I` form when `utc` (see [`utc_date_times`]), else the legacy `F` form.
    pub fn to_pack(&self, utc: bool) -> BoltResult<PackValue> {
        let (tag, seconds) = if utc {
            (tag::DATE_TIME, self.seconds)
        } else {
            let local = self.seconds.checked_add(self.tz_offset_seconds).ok_or(BoltError::WrongFieldType {
                message: "DateTime",
                field: "seconds",
                expected: "within range once the offset is added",
            })?;
            (tag::LEGACY_DATE_TIME, local)
        };
        let fields = vec![seconds.into(), self.nanoseconds.into(), self.tz_offset_seconds.into()];
        Ok(structure(tag, fields))
    }

    /// Reads either form; the legacy one's local seconds are turned back into UTC.
    pub fn from_pack(value: PackValue) -> BoltResult<DateTime> {
        let legacy = matches!(&value, PackValue::Structure { tag: tag::LEGACY_DATE_TIME, .. });
        let tag = if legacy { tag::LEGACY_DATE_TIME } else { tag::DATE_TIME };
        let mut f = Fields::open(value, "DateTime", tag, &[3])?;
        let seconds = f.int("seconds")?;
        let nanoseconds = f.nanos_of_second()?;
        let tz_offset_seconds = f.offset("tz_offset_seconds")?;
        let seconds = if legacy {
            seconds.checked_sub(tz_offset_seconds).ok_or_else(|| f.wrong("seconds", "within range"))?
        } else {
            seconds
        };
        Ok(DateTime { seconds, nanoseconds, tz_offset_seconds })
    }
}

impl DateTimeZoneId {
    /// The same instant with seconds counted on `clock`, given the zone's offset then.
    pub fn on_clock(&self, clock: Clock, offset_seconds: i64) -> Option<DateTimeZoneId> {
        let seconds = match (self.clock, clock) {
            (Clock::Utc, Clock::Local) => self.seconds.checked_add(offset_seconds)?,
            (Clock::Local, Clock::Utc) => self.seconds.checked_sub(offset_seconds)?,
            _ => self.seconds,
        };
        Some(DateTimeZoneId { seconds, clock, offset_seconds: Some(offset_seconds), ..self.clone() })
    }

    /// The `i` form when `utc`, else the legacy `f` form; converting between clocks needs
    /// `offset_seconds`, without it that is [`BoltError::ZoneOffsetUnknown`].
    pub fn to_pack(&self, utc: bool) -> BoltResult<PackValue> {
        let (tag, clock) =
            if utc { (tag::DATE_TIME_ZONE_ID, Clock::Utc) } else { (tag::LEGACY_DATE_TIME_ZONE_ID, Clock::Local) };
        let seconds = if self.clock == clock {
            self.seconds
        } else {
            let offset = self.offset_seconds.ok_or_else(|| BoltError::ZoneOffsetUnknown(self.tz_id.clone()))?;
            let converted = self.on_clock(clock, offset).ok_or(BoltError::WrongFieldType {
                message: "DateTimeZoneId",
                field: "seconds",
                expected: "within range once the offset is applied",
            })?;
            converted.seconds
        };
        Ok(structure(tag, vec![seconds.into(), self.nanoseconds.into(), self.tz_id.clone().into()]))
    }

    pub fn from_pack(value: PackValue) -> BoltResult<DateTimeZoneId> {
        let legacy = matches!(&value, PackValue::Structure { tag: tag::LEGACY_DATE_TIME_ZONE_ID, .. });
        let (tag, clock) =
            if legacy { (tag::LEGACY_DATE_TIME_ZONE_ID, Clock::Local) } else { (tag::DATE_TIME_ZONE_ID, Clock::Utc) };
        let mut f = Fields::open(value, "DateTimeZoneId", tag, &[3])?;
        let seconds = f.int("seconds")?;
        let nanoseconds = f.nanos_of_second()?;
        let tz_id = f.string("tz_id")?;
        Ok(DateTimeZoneId { seconds, clock, nanoseconds, tz_id, offset_seconds: None })
    }
}

// ---------------------------------------------------------------- typed values

/// A value with its structures typed: what a parameter or a record field holds.
#[derive(Debug, Clone, PartialEq)]
pub enum BoltValue {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Bytes(Vec<u8>),
    String(String),
    List(Vec<BoltValue>),
    Map(Vec<(String, BoltValue)>),
    Node(Node),
    Relationship(Relationship),
    UnboundRelationship(UnboundRelationship),
    Path(Path),
    Date(Date),
    Time(Time),
    LocalTime(LocalTime),
    DateTime(DateTime),
    DateTimeZoneId(DateTimeZoneId),
    LocalDateTime(LocalDateTime),
    Duration(Duration),
    Point2D(Point2D),
    Point3D(Point3D),
}

impl BoltValue {
    /// Types `value` and every structure inside it; an unknown tag is
    /// [`BoltError::UnknownStructure`].
    pub fn from_pack(value: PackValue) -> BoltResult<BoltValue> {
        Ok(match value {
            PackValue::Null => BoltValue::Null,
            PackValue::Boolean(b) => BoltValue::Boolean(b),
            PackValue::Integer(i) => BoltValue::Integer(i),
            PackValue::Float(f) => BoltValue::Float(f),
            PackValue::Bytes(b) => BoltValue::Bytes(b),
            PackValue::String(s) => BoltValue::String(s),
            PackValue::List(items) => {
                BoltValue::List(items.into_iter().map(BoltValue::from_pack).collect::<BoltResult<_>>()?)
            }
            PackValue::Dictionary(entries) => BoltValue::Map(
                entries.into_iter().map(|(k, v)| Ok((k, BoltValue::from_pack(v)?))).collect::<BoltResult<_>>()?,
            ),
            PackValue::Structure { tag: t, .. } => match t {
                tag::NODE => BoltValue::Node(Node::from_pack(value)?),
                tag::RELATIONSHIP => BoltValue::Relationship(Relationship::from_pack(value)?),
                tag::UNBOUND_RELATIONSHIP => BoltValue::UnboundRelationship(UnboundRelationship::from_pack(value)?),
                tag::PATH => BoltValue::Path(Path::from_pack(value)?),
                tag::DATE_TIME | tag::LEGACY_DATE_TIME => BoltValue::DateTime(DateTime::from_pack(value)?),
                tag::DATE_TIME_ZONE_ID | tag::LEGACY_DATE_TIME_ZONE_ID => {
                    BoltValue::DateTimeZoneId(DateTimeZoneId::from_pack(value)?)
                }
                tag::DATE => {
                    let mut f = Fields::open(value, "Date", t, &[1])?;
                    BoltValue::Date(Date { days: f.int("days")? })
                }
                tag::TIME => {
                    let mut f = Fields::open(value, "Time", t, &[2])?;
                    let nanoseconds = f.nanos_of_day()?;
                    BoltValue::Time(Time { nanoseconds, tz_offset_seconds: f.offset("tz_offset_seconds")? })
                }
                tag::LOCAL_TIME => {
                    let mut f = Fields::open(value, "LocalTime", t, &[1])?;
                    BoltValue::LocalTime(LocalTime { nanoseconds: f.nanos_of_day()? })
                }
                tag::LOCAL_DATE_TIME => {
                    let mut f = Fields::open(value, "LocalDateTime", t, &[2])?;
                    let seconds = f.int("seconds")?;
                    BoltValue::LocalDateTime(LocalDateTime { seconds, nanoseconds: f.nanos_of_second()? })
                }
                tag::DURATION => {
                    let mut f = Fields::open(value, "Duration", t, &[4])?;
                    let (months, days) = (f.int("months")?, f.int("days")?);
                    let (seconds, nanoseconds) = (f.int("seconds")?, f.int("nanoseconds")?);
                    BoltValue::Duration(Duration { months, days, seconds, nanoseconds })
                }
                tag::POINT_2D => {
                    let mut f = Fields::open(value, "Point2D", t, &[3])?;
                    let srid = f.int("srid")?;
                    BoltValue::Point2D(Point2D { srid, x: f.float("x")?, y: f.float("y")? })
                }
                tag::POINT_3D => {
                    let mut f = Fields::open(value, "Point3D", t, &[4])?;
                    let srid = f.int("srid")?;
                    let (x, y, z) = (f.float("x")?, f.float("y")?, f.float("z")?);
                    BoltValue::Point3D(Point3D { srid, x, y, z })
                }
                other => return Err(BoltError::UnknownStructure(other)),
            },
        })
    }

    /// The wire form for a connection on `version` (`utc_patch`: 4.4 negotiated `utc`).
    pub fn to_pack(&self, version: Version, utc_patch: bool) -> BoltResult<PackValue> {
        let utc = utc_date_times(version, utc_patch);
        Ok(match self {
            BoltValue::Null => PackValue::Null,
            BoltValue::Boolean(b) => PackValue::Boolean(*b),
            BoltValue::Integer(i) => PackValue::Integer(*i),
            BoltValue::Float(f) => PackValue::Float(*f),
            BoltValue::Bytes(b) => PackValue::Bytes(b.clone()),
            BoltValue::String(s) => PackValue::String(s.clone()),
            BoltValue::List(items) => {
                PackValue::List(items.iter().map(|v| v.to_pack(version, utc_patch)).collect::<BoltResult<_>>()?)
            }
            BoltValue::Map(entries) => PackValue::Dictionary(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.to_pack(version, utc_patch)?)))
                    .collect::<BoltResult<_>>()?,
            ),
            BoltValue::Node(n) => n.to_pack(version),
            BoltValue::Relationship(r) => r.to_pack(version),
            BoltValue::UnboundRelationship(r) => r.to_pack(version),
            BoltValue::Path(p) => p.to_pack(version),
            BoltValue::Date(d) => structure(tag::DATE, vec![d.days.into()]),
            BoltValue::Time(t) => structure(tag::TIME, vec![t.nanoseconds.into(), t.tz_offset_seconds.into()]),
            BoltValue::LocalTime(t) => structure(tag::LOCAL_TIME, vec![t.nanoseconds.into()]),
            BoltValue::DateTime(d) => d.to_pack(utc)?,
            BoltValue::DateTimeZoneId(d) => d.to_pack(utc)?,
            BoltValue::LocalDateTime(d) => {
                structure(tag::LOCAL_DATE_TIME, vec![d.seconds.into(), d.nanoseconds.into()])
            }
            BoltValue::Duration(d) => {
                structure(tag::DURATION, vec![d.months.into(), d.days.into(), d.seconds.into(), d.nanoseconds.into()])
            }
            BoltValue::Point2D(p) => {
                structure(tag::POINT_2D, vec![p.srid.into(), PackValue::Float(p.x), PackValue::Float(p.y)])
            }
            BoltValue::Point3D(p) => structure(
                tag::POINT_3D,
                vec![p.srid.into(), PackValue::Float(p.x), PackValue::Float(p.y), PackValue::Float(p.z)],
            ),
        })
    }
}

// ---------------------------------------------------------------- field reader

/// The fields of one structure, read in order after its tag and count were checked.
struct Fields {
    name: &'static str,
    fields: std::vec::IntoIter<PackValue>,
}

impl Fields {
    fn open(value: PackValue, name: &'static str, expected_tag: u8, counts: &[usize]) -> BoltResult<Fields> {
        let PackValue::Structure { tag, fields } = value else {
            return Err(BoltError::WrongFieldType { message: name, field: "value", expected: "a structure" });
        };
        if tag != expected_tag {
            return Err(BoltError::WrongFieldType { message: name, field: "tag", expected: tag_name(expected_tag) });
        }
        if !counts.contains(&fields.len()) {
            let expected = counts.iter().copied().max().unwrap_or_default();
            return Err(BoltError::WrongFieldCount { message: name, expected, got: fields.len() });
        }
        Ok(Fields { name, fields: fields.into_iter() })
    }

    fn wrong(&self, field: &'static str, expected: &'static str) -> BoltError {
        BoltError::WrongFieldType { message: self.name, field, expected }
    }

    fn next(&mut self, field: &'static str) -> BoltResult<PackValue> {
        self.fields.next().ok_or(BoltError::MissingField { message: self.name, field })
    }

    fn int(&mut self, field: &'static str) -> BoltResult<i64> {
        match self.next(field)? {
            PackValue::Integer(i) => Ok(i),
            _ => Err(self.wrong(field, "an integer")),
        }
    }

    fn float(&mut self, field: &'static str) -> BoltResult<f64> {
        match self.next(field)? {
            PackValue::Float(f) => Ok(f),
            _ => Err(self.wrong(field, "a float")),
        }
    }

    fn string(&mut self, field: &'static str) -> BoltResult<String> {
        match self.next(field)? {
            PackValue::String(s) => Ok(s),
            _ => Err(self.wrong(field, "a string")),
        }
    }

    fn dict(&mut self, field: &'static str) -> BoltResult<Dictionary> {
        match self.next(field)? {
            PackValue::Dictionary(d) => Ok(d),
            _ => Err(self.wrong(field, "a dictionary")),
        }
    }

    fn list(&mut self, field: &'static str) -> BoltResult<Vec<PackValue>> {
        match self.next(field)? {
            PackValue::List(items) => Ok(items),
            _ => Err(self.wrong(field, "a list")),
        }
    }

    fn strings(&mut self, field: &'static str) -> BoltResult<Vec<String>> {
        let items = self.list(field)?;
        items
            .into_iter()
            .map(|item| match item {
                PackValue::String(s) => Ok(s),
                _ => Err(self.wrong(field, "a list of strings")),
            })
            .collect()
    }

    /// The element id when the 5.x shape carries one, else the decimal `id` 4.4 implies.
    fn element_id(&mut self, field: &'static str, id: i64) -> BoltResult<String> {
        if self.fields.len() == 0 {
            return Ok(id.to_string());
        }
        self.string(field)
    }

    fn ranged(&mut self, field: &'static str, range: std::ops::Range<i64>, expected: &'static str) -> BoltResult<i64> {
        let value = self.int(field)?;
        if !range.contains(&value) {
            return Err(self.wrong(field, expected));
        }
        Ok(value)
    }

    fn nanos_of_second(&mut self) -> BoltResult<i64> {
        self.ranged("nanoseconds", 0..NANOS_PER_SECOND, "an integer in 0..999999999")
    }

    fn nanos_of_day(&mut self) -> BoltResult<i64> {
        self.ranged("nanoseconds", 0..NANOS_PER_DAY, "nanoseconds within one day")
    }

    fn offset(&mut self, field: &'static str) -> BoltResult<i64> {
        self.ranged(field, -MAX_OFFSET_SECONDS..MAX_OFFSET_SECONDS + 1, "an offset within ±18:00 in seconds")
    }
}

fn tag_name(tag: u8) -> &'static str {
    match tag {
        tag::NODE => "a Node structure (0x4E)",
        tag::RELATIONSHIP => "a Relationship structure (0x52)",
        tag::UNBOUND_RELATIONSHIP => "an UnboundRelationship structure (0x72)",
        tag::PATH => "a Path structure (0x50)",
        tag::DATE_TIME | tag::LEGACY_DATE_TIME => "a DateTime structure (0x49 or 0x46)",
        tag::DATE_TIME_ZONE_ID | tag::LEGACY_DATE_TIME_ZONE_ID => "a DateTimeZoneId structure (0x69 or 0x66)",
        _ => "a structure of another tag",
    }
}

#[cfg(test)]
mod tests;
