//! The parser's statements as [`Plan`]s (a first subset): USE, CREATE/DROP KEYSPACE,
//! CREATE/DROP TABLE, TRUNCATE, INSERT, UPDATE of plain columns, DELETE of rows and
//! partitions, and SELECT of columns by partition key and clustering slice. Terms become
//! values against the type of the column they meet; markers take the request's values.

use super::assign;
use super::bind::Bound;
use super::condition::{CondOp, WriteCondition};
use super::functions;
use super::json_read;
use super::literal::{parse_date, parse_decimal, parse_duration, parse_time, parse_timestamp, parse_uuid};
use super::multi_column;
use super::plan::{Plan, SelectExpr, Selection, TableChange};
use super::roles::RolePlan;
use super::select::{self, Op, Restriction};
use super::selectors::{self, Chosen};
use super::system_view;
use super::table_def::{build, table_options, DeclaredColumn};
use super::write;
use super::write_keys::{slice_for, write_keys, WriteKind};
use crate::engine::{BoundValue, Values};
use crate::error::{CqlError, CqlResult};
use crate::model::{Catalog, ColumnOp, ColumnWrite, CqlValue};
use crate::parse::ast::{
    AssignTarget, Condition, Literal, MarkerName, Operator, OptionValue, Parsed, QualifiedName, RelationTarget,
    Statement, Term,
};
use crate::schema::{ColumnKind, KeyspaceDef, Replication, TableDef};
use crate::types::CqlType;
use num_bigint::BigInt;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a statement's terms resolve against: the request's values and marker names, or,
/// when PREPARE plans a statement, a [`Binder`] that records what each marker binds.
pub struct Terms<'a> {
    pub values: &'a Values,
    pub markers: &'a [MarkerName],
    pub binder: Option<&'a Binder>,
    /// The column the term being resolved is for: a `?`'s name when values come by name.
    pub column: RefCell<String>,
    /// The partition key types of the column's table (what a `token(...)` term takes).
    pub key: RefCell<Vec<CqlType>>,
}

/// One bind variable of a prepared statement: the column (or `[limit]`, `[ttl]`, ...) a
/// marker stands for, and its type.
#[derive(Debug, Clone, PartialEq)]
pub struct BindSlot {
    pub keyspace: String,
    pub table: String,
    /// The variable's name: the marker's own (`:a`) or the column's.
    pub name: String,
    /// The column (or `[limit]`, `in(c)`, ...) the marker gives a value for.
    pub column: String,
    pub ty: CqlType,
}

/// PREPARE plans a statement once without values: the binder records each marker's
/// variable as the translator meets it and a sample value of its type stands in.
#[derive(Default)]
pub struct Binder {
    slots: RefCell<Vec<Option<BindSlot>>>,
    naming: RefCell<(String, String, String)>,
}

impl Binder {
    fn name(&self, table: &TableDef, name: &str) {
        *self.naming.borrow_mut() = (table.keyspace.clone(), table.name.clone(), name.to_string());
    }

    fn record(&self, index: usize, ty: &CqlType, marker: Option<&MarkerName>) {
        let (keyspace, table, column) = self.naming.borrow().clone();
        let name = match marker {
            Some(MarkerName::Named(n)) => n.clone(),
            _ => column.clone(),
        };
        let mut slots = self.slots.borrow_mut();
        if slots.len() <= index {
            slots.resize(index + 1, None);
        }
        slots[index] = Some(BindSlot { keyspace, table, name, column, ty: ty.clone() });
    }

    /// The variables of `count` markers, or which marker the statement could not type.
    pub fn finish(self, count: usize) -> CqlResult<Vec<BindSlot>> {
        let mut slots = self.slots.into_inner();
        slots.resize(count, None);
        slots
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                s.ok_or_else(|| CqlError::not_supported(&format!("a bind marker in this position (marker {})", i + 1)))
            })
            .collect()
    }
}

/// A value of `ty` that passes every check a real value would (non-empty keys, positive
/// limits), standing in for a marker while PREPARE plans the statement.
pub(super) fn sample(ty: &CqlType) -> CqlValue {
    match ty.unfrozen() {
        CqlType::Ascii => CqlValue::Ascii("?".into()),
        CqlType::Text => CqlValue::Text("?".into()),
        CqlType::Int => CqlValue::Int(1),
        CqlType::Bigint => CqlValue::Bigint(1),
        CqlType::Counter => CqlValue::Counter(1),
        CqlType::Smallint => CqlValue::Smallint(1),
        CqlType::Tinyint => CqlValue::Tinyint(1),
        CqlType::Varint => CqlValue::Varint(BigInt::from(1)),
        CqlType::Decimal => CqlValue::Decimal { unscaled: BigInt::from(1), scale: 0 },
        CqlType::Float => CqlValue::Float(1.0),
        CqlType::Double => CqlValue::Double(1.0),
        CqlType::Boolean => CqlValue::Boolean(true),
        CqlType::Blob => CqlValue::Blob(vec![0]),
        CqlType::Uuid => CqlValue::Uuid([0; 16]),
        CqlType::Timeuuid => CqlValue::Timeuuid([0, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        CqlType::Timestamp => CqlValue::Timestamp(0),
        CqlType::Date => CqlValue::Date(1 << 31),
        CqlType::Time => CqlValue::Time(0),
        CqlType::Duration => CqlValue::Duration { months: 0, days: 0, nanos: 0 },
        CqlType::Inet => CqlValue::Inet(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        CqlType::List(_) => CqlValue::List(Vec::new()),
        CqlType::Set(_) => CqlValue::Set(Vec::new()),
        CqlType::Map(..) => CqlValue::Map(Vec::new()),
        CqlType::Tuple(items) => CqlValue::Tuple(vec![None; items.len()]),
        _ => CqlValue::Empty,
    }
}

impl Terms<'_> {
    /// The value of `term` for `column` of `table` (whose name a prepared marker takes).
    pub fn value_of(&self, table: &TableDef, column: &str, term: &Term, ty: &CqlType) -> CqlResult<Bound> {
        if let Some(binder) = self.binder {
            binder.name(table, column);
        }
        column.clone_into(&mut self.column.borrow_mut());
        let mut key: Vec<&crate::schema::ColumnDef> = table.partition_key().collect();
        key.sort_by_key(|c| c.position);
        *self.key.borrow_mut() = key.into_iter().map(|c| c.ty.clone()).collect();
        self.value(term, ty)
    }

    fn marker(&self, index: usize, ty: &CqlType) -> CqlResult<Bound> {
        if let Some(binder) = self.binder {
            binder.record(index, ty, self.markers.get(index));
            return Ok(Bound::Value(sample(ty)));
        }
        let raw = match self.values {
            Values::Positional(v) => v.get(index),
            Values::Named(named) => match self.markers.get(index) {
                Some(MarkerName::Named(n)) => named.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v),
                _ => {
                    let column = self.column.borrow();
                    named.iter().find(|(k, _)| k.eq_ignore_ascii_case(&column)).map(|(_, v)| v)
                }
            },
            Values::None => None,
        };
        match raw {
            None => Err(CqlError::invalid(format!(
                "There were {} markers(?) in CQL but fewer bound variables",
                self.markers.len()
            ))),
            Some(BoundValue::Null) => Ok(Bound::Null),
            Some(BoundValue::Unset) => Ok(Bound::Unset),
            Some(BoundValue::Bytes(b)) => CqlValue::decode_native(ty, b).map(Bound::Value),
        }
    }

    /// The value of `term` for a column of type `ty`.
    pub fn value(&self, term: &Term, ty: &CqlType) -> CqlResult<Bound> {
        let ty = ty.unfrozen();
        let invalid = || CqlError::invalid(format!("Invalid value for type {ty}"));
        Ok(Bound::Value(match term {
            Term::Marker(i) => return self.marker(*i, ty),
            Term::Literal(Literal::Null) => return Ok(Bound::Null),
            Term::TypeHint(hint, inner) => return self.hinted(hint, inner, ty),
            Term::Literal(lit) => {
                if functions::literal_fit(lit, ty) == functions::Fit::No {
                    let text = match lit {
                        Literal::Str(s) => s.clone(),
                        other => functions::literal_text(other),
                    };
                    return Err(CqlError::invalid(format!(
                        "Invalid {} constant ({text}) for \"{}\" of type {ty}",
                        literal_kind(lit),
                        self.column.borrow()
                    )));
                }
                literal(lit, ty)?
            }
            Term::List(items) | Term::Set(items) => {
                let elem = match ty {
                    CqlType::List(e) | CqlType::Set(e) => e,
                    _ => return Err(invalid()),
                };
                let values = items.iter().map(|t| self.required(t, elem)).collect::<CqlResult<Vec<_>>>()?;
                if matches!(ty, CqlType::Set(_)) {
                    CqlValue::set(values)
                } else {
                    CqlValue::List(values)
                }
            }
            Term::Map(entries) => {
                let (CqlType::Map(kt, vt) | CqlType::Set(kt @ vt)) = ty else { return Err(invalid()) };
                if let CqlType::Set(_) = ty {
                    if entries.is_empty() {
                        return Ok(Bound::Value(CqlValue::Set(Vec::new())));
                    }
                    return Err(invalid());
                }
                CqlValue::map(
                    entries
                        .iter()
                        .map(|(k, v)| Ok((self.required(k, kt)?, self.required(v, vt)?)))
                        .collect::<CqlResult<Vec<_>>>()?,
                )
            }
            Term::Tuple(items) => {
                let CqlType::Tuple(types) = ty else { return Err(invalid()) };
                if items.len() > types.len() {
                    return Err(invalid());
                }
                CqlValue::Tuple(
                    types
                        .iter()
                        .enumerate()
                        .map(|(i, t)| match items.get(i).map(|item| self.value(item, t)).transpose()? {
                            Some(Bound::Value(v)) => Ok(Some(v)),
                            _ => Ok(None),
                        })
                        .collect::<CqlResult<Vec<_>>>()?,
                )
            }
            Term::Function { name, args } => return self.call(name, args, ty),
            Term::Udt(given) => {
                let CqlType::Udt { name, fields, .. } = ty else { return Err(invalid()) };
                if let Some((unknown, _)) = given.iter().find(|(g, _)| !fields.iter().any(|(f, _)| f == g)) {
                    return Err(CqlError::invalid(format!(
                        "Unknown field '{unknown}' in value of user defined type {name}"
                    )));
                }
                let mut values = Vec::with_capacity(fields.len());
                for (field, field_ty) in fields {
                    let value = match given.iter().find(|(g, _)| g == field) {
                        None => None,
                        Some((_, term)) => match self.value(term, field_ty)? {
                            Bound::Value(v) => Some(v),
                            _ => None,
                        },
                    };
                    values.push((field.clone(), value));
                }
                CqlValue::Udt(values)
            }
            _ => return Err(CqlError::not_supported("this kind of term")),
        }))
    }

    fn required(&self, term: &Term, ty: &CqlType) -> CqlResult<CqlValue> {
        match self.value(term, ty)? {
            Bound::Value(v) => Ok(v),
            _ => Err(CqlError::invalid("null is not supported inside collections")),
        }
    }
}

/// The kind of a literal as Cassandra's messages name it.
fn literal_kind(lit: &Literal) -> &'static str {
    match lit {
        Literal::Str(_) => "STRING",
        Literal::Integer(_) => "INTEGER",
        Literal::Uuid(_) => "UUID",
        Literal::Float(_) | Literal::NaN | Literal::Infinity { .. } => "FLOAT",
        Literal::Bool(_) => "BOOLEAN",
        Literal::Blob(_) => "HEX",
        Literal::Duration(_) => "DURATION",
        Literal::Null => "NULL",
    }
}

fn literal(lit: &Literal, ty: &CqlType) -> CqlResult<CqlValue> {
    let bad = || CqlError::invalid(format!("Invalid literal for type {ty}"));
    let int = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let sized = |s: &str, name: &str| {
        let unable = || CqlError::invalid(format!("Unable to make {name} from '{s}'"));
        s.parse::<i64>().map_err(|_| unable()).and_then(|n| match name {
            "int" => i32::try_from(n).map(CqlValue::Int).map_err(|_| unable()),
            "short" => i16::try_from(n).map(CqlValue::Smallint).map_err(|_| unable()),
            "byte" => i8::try_from(n).map(CqlValue::Tinyint).map_err(|_| unable()),
            "counter" => Ok(CqlValue::Counter(n)),
            _ => Ok(CqlValue::Bigint(n)),
        })
    };
    Ok(match (lit, ty) {
        (Literal::Integer(s), CqlType::Int) => sized(s, "int")?,
        (Literal::Integer(s), CqlType::Bigint) => sized(s, "long")?,
        (Literal::Integer(s), CqlType::Counter) => sized(s, "counter")?,
        (Literal::Integer(s), CqlType::Smallint) => sized(s, "short")?,
        (Literal::Integer(s), CqlType::Tinyint) => sized(s, "byte")?,
        (Literal::Integer(s), CqlType::Varint) => CqlValue::Varint(s.parse::<BigInt>().map_err(|_| bad())?),
        (Literal::Integer(s), CqlType::Timestamp) => CqlValue::Timestamp(int(s)?),
        (Literal::Integer(s) | Literal::Float(s), CqlType::Double) => CqlValue::Double(s.parse().map_err(|_| bad())?),
        (Literal::Integer(s) | Literal::Float(s), CqlType::Float) => CqlValue::Float(s.parse().map_err(|_| bad())?),
        (Literal::Integer(s) | Literal::Float(s), CqlType::Decimal) => {
            let (unscaled, scale) = parse_decimal(s).ok_or_else(bad)?;
            CqlValue::Decimal { unscaled, scale }
        }
        (Literal::Integer(s), CqlType::Date) => CqlValue::Date(
            u32::try_from(int(s)?)
                .map_err(|_| CqlError::invalid(format!("Unable to coerce '{s}' to a formatted date (long)")))?,
        ),
        (Literal::Integer(s), CqlType::Time) => match int(s)? {
            n if (0..crate::model::value::NANOS_PER_DAY).contains(&n) => CqlValue::Time(n),
            _ => return Err(CqlError::invalid(format!("Unable to coerce '{s}' to a formatted time (long)"))),
        },
        (Literal::Bool(b), CqlType::Boolean) => CqlValue::Boolean(*b),
        (Literal::Str(s), CqlType::Text) => CqlValue::Text(s.clone()),
        (Literal::Str(s), CqlType::Ascii) if s.is_ascii() => CqlValue::Ascii(s.clone()),
        (Literal::Str(s), CqlType::Timestamp) => CqlValue::Timestamp(parse_timestamp(s)?),
        (Literal::Str(s), CqlType::Date) => CqlValue::Date(parse_date(s)?),
        (Literal::Str(s), CqlType::Time) => CqlValue::Time(parse_time(s)?),
        (Literal::Str(s), CqlType::Inet) => CqlValue::Inet(s.parse().map_err(|_| bad())?),
        (Literal::Str(s), CqlType::Uuid) => CqlValue::Uuid(parse_uuid(s)?),
        (Literal::Uuid(u), CqlType::Uuid) => CqlValue::Uuid(*u),
        (Literal::Uuid(u), CqlType::Timeuuid) if u[6] >> 4 == 1 => CqlValue::Timeuuid(*u),
        (Literal::Blob(b), CqlType::Blob) => CqlValue::Blob(b.clone()),
        (Literal::Duration(s), CqlType::Duration) => {
            let (months, days, nanos) = parse_duration(s)?;
            CqlValue::Duration { months, days, nanos }
        }
        (Literal::NaN, CqlType::Double) => CqlValue::Double(f64::NAN),
        (Literal::Infinity { negative }, CqlType::Double) => {
            CqlValue::Double(if *negative { f64::NEG_INFINITY } else { f64::INFINITY })
        }
        _ => return Err(bad()),
    })
}

fn keyspace_of(name: &QualifiedName, session_keyspace: Option<&str>) -> CqlResult<String> {
    name.keyspace.clone().or_else(|| session_keyspace.map(str::to_string)).ok_or_else(|| {
        CqlError::invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
    })
}

fn table(catalog: &Catalog, name: &QualifiedName, ks: Option<&str>) -> CqlResult<Arc<TableDef>> {
    let keyspace = keyspace_of(name, ks)?;
    if catalog.keyspace(&keyspace).is_none() {
        return Err(CqlError::invalid(format!("Keyspace {keyspace} does not exist")));
    }
    catalog.table(&keyspace, &name.name).ok_or_else(|| CqlError::invalid(format!("unconfigured table {}", name.name)))
}

/// CREATE/ALTER KEYSPACE's `replication` map as Cassandra 4.1 validates it: a known
/// strategy class, SimpleStrategy's replication_factor (default 1), NetworkTopologyStrategy's data
/// centers (only this node's exists; `replication_factor` stands for every one).
fn replication(keyspace: &str, options: &[(String, OptionValue)]) -> CqlResult<Replication> {
    let config = |m: String| CqlError::new(crate::error::ErrorCode::ConfigError, m);
    let Some((_, OptionValue::Map(map))) = options.iter().find(|(k, _)| k == "replication") else {
        return Err(config("Missing mandatory option 'replication'".into()));
    };
    let class = map.iter().find(|(k, _)| k == "class").map(|(_, v)| v.as_str()).unwrap_or("");
    let short = class.strip_prefix("org.apache.cassandra.locator.").unwrap_or(class);
    let factor = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| config(format!("Replication factor must be non-negative integer; found {v}")))
    };
    match short {
        "NetworkTopologyStrategy" => {
            let mut data_centers = BTreeMap::new();
            for (k, v) in map.iter().filter(|(k, _)| k != "class") {
                if k != "replication_factor" && k != system_view::DATA_CENTER {
                    return Err(config(format!(
                        "Unrecognized strategy option {{{k}}} passed to NetworkTopologyStrategy for keyspace {keyspace}"
                    )));
                }
                data_centers.insert(system_view::DATA_CENTER.to_string(), factor(v)?);
            }
            Ok(Replication::NetworkTopology { data_centers })
        }
        "SimpleStrategy" => {
            // Cassandra 4.1 takes default_keyspace_rf (1) when the factor is left out.
            let rf = map.iter().find(|(k, _)| k == "replication_factor").map_or("1", |(_, v)| v.as_str());
            if let Some((k, _)) = map.iter().find(|(k, _)| k != "class" && k != "replication_factor") {
                return Err(config(format!(
                    "Unrecognized strategy option {{{k}}} passed to SimpleStrategy for keyspace {keyspace}"
                )));
            }
            Ok(Replication::Simple { replication_factor: factor(rf)? })
        }
        "" => Err(config("Missing replication strategy class".into())),
        other => {
            Err(config(format!("Unable to find replication strategy class 'org.apache.cassandra.locator.{other}'")))
        }
    }
}

/// Cassandra's rule for keyspace names (SchemaConstants.isValidName, 48 characters).
fn check_keyspace_name(name: &str) -> CqlResult<()> {
    let valid = !name.is_empty() && name.len() <= 48 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(CqlError::invalid(format!(
            "Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got \"{name}\")"
        )))
    }
}

/// `durable_writes = true|false` of CREATE/ALTER KEYSPACE.
fn durable_writes(options: &[(String, OptionValue)]) -> CqlResult<Option<bool>> {
    match options.iter().find(|(k, _)| k == "durable_writes") {
        None => Ok(None),
        Some((_, OptionValue::Constant(Literal::Bool(b)))) => Ok(Some(*b)),
        Some((_, OptionValue::Constant(Literal::Str(s)))) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some((_, OptionValue::Constant(Literal::Str(s)))) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(CqlError::syntax("Invalid value for durable_writes")),
    }
}

fn restriction_op(op: Operator) -> CqlResult<Op> {
    Ok(match op {
        Operator::Eq => Op::Eq,
        Operator::Lt => Op::Lt,
        Operator::Lte => Op::Le,
        Operator::Gt => Op::Gt,
        Operator::Gte => Op::Ge,
        _ => return Err(CqlError::not_supported("this relation")),
    })
}

/// INSERT JSON's document as column values: every column the document names, the others
/// unset (DEFAULT UNSET) or null (DEFAULT NULL, the default).
fn json_values(
    t: &TableDef,
    terms: &Terms<'_>,
    document: &Term,
    default_unset: bool,
) -> CqlResult<Vec<(String, Bound)>> {
    let text = match terms.value_of(t, "[json]", document, &CqlType::Text)? {
        Bound::Value(CqlValue::Text(s)) => s,
        _ => return Err(CqlError::invalid("Got null for INSERT JSON values")),
    };
    if terms.binder.is_some() {
        // PREPARE: the document is only known at EXECUTE; key columns are checked then.
        return Ok(t
            .columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering))
            .map(|c| (c.name.clone(), Bound::Value(sample(&c.ty))))
            .collect());
    }
    let document = json_read::decode(&text)
        .map_err(|e| CqlError::invalid(format!("Could not decode JSON string as a map: {e}. (String was: {text})")))?;
    let object = match document {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => return Err(CqlError::invalid("Got null for INSERT JSON values")),
        _ => {
            return Err(CqlError::invalid(format!(
                "Could not decode JSON string as a map: the document is not a JSON object. (String was: {text})"
            )))
        }
    };
    let mut given: Vec<(String, &serde_json::Value)> =
        object.iter().map(|(k, v)| (json_read::unquote_key(k), v)).collect();
    let mut values = Vec::with_capacity(t.columns.len());
    for c in &t.columns {
        match given.iter().position(|(n, _)| *n == c.name) {
            Some(i) => {
                let (_, json) = given.remove(i);
                let value = json_read::value(json, &c.ty)
                    .map_err(|m| CqlError::invalid(format!("Error decoding JSON value for {}: {m}", c.name)))?;
                values.push((c.name.clone(), value.map_or(Bound::Null, Bound::Value)));
            }
            None if matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering) => {}
            None => values.push((c.name.clone(), if default_unset { Bound::Unset } else { Bound::Null })),
        }
    }
    if let Some((unknown, _)) = given.first() {
        return Err(CqlError::invalid(format!("JSON values map contains unrecognized column: {unknown}")));
    }
    Ok(values)
}

/// `USING TTL` / `USING TIMESTAMP` as bound values (TTL 0 means none).
fn using(
    t: &TableDef,
    terms: &Terms<'_>,
    ttl: &Option<Term>,
    timestamp: &Option<Term>,
) -> CqlResult<(Option<u32>, Option<i64>)> {
    let ttl = match ttl {
        None => None,
        Some(term) => match terms.value_of(t, "[ttl]", term, &CqlType::Int)? {
            Bound::Value(CqlValue::Int(n)) if n < 0 => {
                return Err(CqlError::invalid(format!("A TTL must be greater or equal to 0, but was {n}")))
            }
            Bound::Value(CqlValue::Int(n)) if n > MAX_TTL => {
                return Err(CqlError::invalid(format!("ttl is too large. requested ({n}) maximum ({MAX_TTL})")))
            }
            Bound::Value(CqlValue::Int(n)) => Some(n as u32),
            Bound::Unset => None,
            Bound::Null => Some(0),
            Bound::Value(_) => return Err(CqlError::invalid("Invalid TTL value")),
        },
    };
    let timestamp = match timestamp {
        None => None,
        Some(term) => match terms.value_of(t, "[timestamp]", term, &CqlType::Bigint)? {
            // i64::MIN is reserved ("never deleted" in deletion times).
            Bound::Value(CqlValue::Bigint(i64::MIN)) => {
                return Err(CqlError::invalid(format!(
                    "Out of bound timestamp, must be in [{}, {}]",
                    i64::MIN + 1,
                    i64::MAX
                )))
            }
            Bound::Value(CqlValue::Bigint(n)) => Some(n),
            Bound::Unset => None,
            _ => return Err(CqlError::invalid("Invalid null value of timestamp")),
        },
    };
    Ok((ttl, timestamp))
}

/// Cassandra's cap on TTLs: 20 years in seconds.
const MAX_TTL: i32 = 630_720_000;

/// An UPDATE's or DELETE's `IF` as a [`WriteCondition`].
fn condition(t: &TableDef, terms: &Terms<'_>, condition: &Condition) -> CqlResult<Option<WriteCondition>> {
    Ok(match condition {
        Condition::None => None,
        Condition::IfNotExists => Some(WriteCondition::NotExists),
        Condition::IfExists => Some(WriteCondition::Exists),
        Condition::If(relations) => {
            let mut out = Vec::with_capacity(relations.len());
            for r in relations {
                let RelationTarget::Column(name) = &r.target else {
                    return Err(CqlError::not_supported("this kind of IF condition"));
                };
                let def = t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
                if matches!(def.kind, ColumnKind::PartitionKey | ColumnKind::Clustering) {
                    return Err(CqlError::invalid(format!("PRIMARY KEY column '{name}' cannot have IF conditions")));
                }
                if r.op == Operator::In {
                    let candidates = match &r.value {
                        Term::Tuple(items) => items
                            .iter()
                            .map(|item| match terms.value_of(t, name, item, &def.ty)? {
                                Bound::Value(v) => Ok(Some(v)),
                                Bound::Null => Ok(None),
                                Bound::Unset => {
                                    Err(CqlError::invalid(format!("Invalid 'unset' value in condition on {name}")))
                                }
                            })
                            .collect::<CqlResult<Vec<_>>>()?,
                        term => {
                            let list = CqlType::List(Box::new(def.ty.unfrozen().clone()));
                            match terms.value_of(t, &format!("in({name})"), term, &list)? {
                                Bound::Value(CqlValue::List(items)) => items.into_iter().map(Some).collect(),
                                Bound::Unset => {
                                    return Err(CqlError::invalid(format!(
                                        "Invalid 'unset' value in condition on {name}"
                                    )))
                                }
                                _ => {
                                    return Err(CqlError::invalid(format!(
                                        "Invalid null list in IN condition on {name}"
                                    )))
                                }
                            }
                        }
                    };
                    out.push((name.clone(), CondOp::In(candidates), None));
                    continue;
                }
                let op = match r.op {
                    Operator::Neq => CondOp::Ne,
                    other => CondOp::Cmp(restriction_op(other)?),
                };
                let value = match terms.value_of(t, name, &r.value, &def.ty)? {
                    Bound::Value(v) => Some(v),
                    Bound::Null => None,
                    Bound::Unset => {
                        return Err(CqlError::invalid(format!("Invalid 'unset' value in condition on {name}")))
                    }
                };
                out.push((name.clone(), op, value));
            }
            Some(WriteCondition::Columns(out))
        }
    })
}

/// A write, conditional when the statement has an `IF`.
fn write_plan(
    t: &TableDef,
    mutation: crate::model::Mutation,
    clustering: Vec<CqlValue>,
    condition: Option<WriteCondition>,
    timestamp: Option<i64>,
) -> CqlResult<Plan> {
    let Some(condition) = condition else { return Ok(Plan::Write { mutations: vec![mutation], timestamp }) };
    if t.is_counter {
        return Err(CqlError::invalid("Conditional updates are not supported on counter tables"));
    }
    if timestamp.is_some() {
        return Err(CqlError::invalid("Cannot provide custom timestamp for conditional updates"));
    }
    Ok(Plan::Conditional { mutation, clustering, condition })
}

/// One WHERE relation on a column of `t`, its value bound.
pub(super) fn restriction(
    t: &TableDef,
    terms: &Terms<'_>,
    name: &str,
    r: &crate::parse::ast::Relation,
) -> CqlResult<Restriction> {
    let def = t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
    let null = || CqlError::invalid(format!("Invalid null value in condition for column {name}"));
    let unset = || CqlError::invalid(format!("Invalid unset value for column {name}"));
    let (op, value) = match r.op {
        Operator::In => {
            let list = CqlType::List(Box::new(def.ty.unfrozen().clone()));
            let items = match &r.value {
                Term::Tuple(items) => items
                    .iter()
                    .map(|item| match terms.value_of(t, name, item, &def.ty)? {
                        Bound::Value(v) => Ok(v),
                        _ => Err(null()),
                    })
                    .collect::<CqlResult<Vec<_>>>()?,
                // `c IN ?` binds a variable Cassandra names `in(c)`.
                term => match terms.value_of(t, &format!("in({name})"), term, &list)? {
                    Bound::Value(CqlValue::List(items)) => items,
                    _ => return Err(CqlError::invalid(format!("Invalid null value for IN restriction on {name}"))),
                },
            };
            (Op::In, CqlValue::List(items))
        }
        Operator::Contains | Operator::ContainsKey => {
            let element = match (r.op, def.ty.unfrozen()) {
                (Operator::Contains, CqlType::List(e) | CqlType::Set(e) | CqlType::Map(_, e)) => e.as_ref().clone(),
                (Operator::ContainsKey, CqlType::Map(k, _)) => k.as_ref().clone(),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Cannot use {} on non-collection column {name}",
                        if r.op == Operator::Contains { "CONTAINS" } else { "CONTAINS KEY" }
                    )))
                }
            };
            let op = if r.op == Operator::Contains { Op::Contains } else { Op::ContainsKey };
            match terms.value_of(t, name, &r.value, &element)? {
                Bound::Value(v) => (op, v),
                Bound::Unset => return Err(unset()),
                _ => return Err(null()),
            }
        }
        Operator::Neq => return Err(CqlError::invalid(format!("Unsupported \"!=\" relation: {name} != ..."))),
        other if def.ty.is_multi_cell() && def.ty.is_collection() => {
            let symbol = match other {
                Operator::Eq => "=",
                Operator::Lt => "<",
                Operator::Lte => "<=",
                Operator::Gt => ">",
                Operator::Gte => ">=",
                _ => return Err(CqlError::not_supported("this relation")),
            };
            return Err(CqlError::invalid(format!(
                "Collection column '{name}' ({}) cannot be restricted by a '{symbol}' relation",
                def.ty
            )));
        }
        other => match terms.value_of(t, name, &r.value, &def.ty)? {
            Bound::Value(v) => (restriction_op(other)?, v),
            Bound::Unset => return Err(unset()),
            _ => return Err(null()),
        },
    };
    Ok(Restriction::single(name, op, value))
}

/// `token(pk...) op term` as a bound on the scan's token range.
fn token_bound(
    t: &TableDef,
    terms: &Terms<'_>,
    columns: &[String],
    r: &crate::parse::ast::Relation,
    tokens: &mut (std::ops::Bound<i64>, std::ops::Bound<i64>),
) -> CqlResult<()> {
    use std::ops::Bound as B;
    let mut key: Vec<&str> = Vec::new();
    let mut pk: Vec<_> = t.partition_key().collect();
    pk.sort_by_key(|c| c.position);
    key.extend(pk.iter().map(|c| c.name.as_str()));
    if columns.iter().map(String::as_str).ne(key.iter().copied()) {
        return Err(CqlError::invalid(format!(
            "The token() function must be applied to all partition key components or none of them: token({})",
            key.join(", ")
        )));
    }
    let token = match terms.value_of(t, "partition key token", &r.value, &CqlType::Bigint)? {
        Bound::Value(CqlValue::Bigint(n)) => n,
        _ => return Err(CqlError::invalid("Invalid null value for the partition key token")),
    };
    match r.op {
        Operator::Eq => *tokens = (B::Included(token), B::Included(token)),
        Operator::Gt => tokens.0 = B::Excluded(token),
        Operator::Gte => tokens.0 = B::Included(token),
        Operator::Lt => tokens.1 = B::Excluded(token),
        Operator::Lte => tokens.1 = B::Included(token),
        _ => return Err(CqlError::invalid("Only EQ, <, <=, > and >= are supported on token()")),
    }
    Ok(())
}

/// SELECT DISTINCT: only the partition key (all of it) and static columns, one row per
/// partition.
fn distinct(t: &TableDef, select: &mut super::plan::SelectPlan) -> CqlResult<()> {
    let chosen: Vec<usize> = match &select.selection {
        Selection::Columns => select.columns.clone(),
        Selection::Items(items) => items
            .iter()
            .map(|i| match i.expr {
                SelectExpr::Column(c) => Ok(c),
                _ => Err(CqlError::not_supported("functions in SELECT DISTINCT")),
            })
            .collect::<CqlResult<Vec<_>>>()?,
    };
    for i in &chosen {
        let c = &t.columns[*i];
        if !matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Static) {
            return Err(CqlError::invalid(format!(
                "SELECT DISTINCT queries must only request partition key columns and/or static columns (not {})",
                c.name
            )));
        }
    }
    let missing: Vec<&str> = t
        .partition_key()
        .filter(|c| !chosen.iter().any(|i| t.columns[*i].name == c.name))
        .map(|c| c.name.as_str())
        .collect();
    // Only a scan over partitions needs the whole key (Cassandra: "if it's a key range").
    let key_range = select.partition.is_none() && select.in_partitions.is_empty();
    if let Some(first) = missing.first().filter(|_| key_range) {
        return Err(CqlError::invalid(format!(
            "SELECT DISTINCT queries must request all the partition key columns (missing {first})"
        )));
    }
    select.distinct = true;
    Ok(())
}

/// The plan of a parsed statement.
pub fn plan(catalog: &Catalog, keyspace: Option<&str>, parsed: &Parsed, values: &Values) -> CqlResult<Plan> {
    plan_with(catalog, keyspace, parsed, values, None)
}

/// The plan of a parsed statement; with a binder (PREPARE), markers are recorded and
/// sample values stand in for them.
pub fn plan_with(
    catalog: &Catalog,
    keyspace: Option<&str>,
    parsed: &Parsed,
    values: &Values,
    binder: Option<&Binder>,
) -> CqlResult<Plan> {
    let terms = Terms { values, markers: &parsed.markers, binder, column: RefCell::default(), key: RefCell::default() };
    Ok(match &parsed.statement {
        Statement::Use(ks) => Plan::Use(ks.clone()),
        Statement::CreateKeyspace { name, if_not_exists, options } => Plan::CreateKeyspace {
            def: KeyspaceDef {
                name: {
                    check_keyspace_name(name)?;
                    name.clone()
                },
                replication: replication(name, options)?,
                durable_writes: durable_writes(options)?.unwrap_or(true),
            },
            if_not_exists: *if_not_exists,
        },
        Statement::DropKeyspace { name, if_exists } => Plan::DropKeyspace { name: name.clone(), if_exists: *if_exists },
        Statement::CreateTable(ct) => {
            let ks = keyspace_of(&ct.name, keyspace)?;
            let declared = ct
                .columns
                .iter()
                .map(|c| {
                    Ok(DeclaredColumn {
                        name: c.name.clone(),
                        ty: catalog.resolve_type(&ks, &c.ty)?,
                        is_static: c.is_static,
                    })
                })
                .collect::<CqlResult<Vec<_>>>()?;
            let clustering = ct
                .clustering
                .iter()
                .map(|c| {
                    let order = ct.clustering_order.iter().find(|(n, _)| n == c).map(|(_, o)| *o).unwrap_or_default();
                    (c.clone(), order)
                })
                .collect::<Vec<_>>();
            if ct.compact_storage {
                return Err(CqlError::invalid("COMPACT STORAGE tables are not supported starting with version 4.0"));
            }
            let (options, ttl) = table_options(&ct.options)?;
            let def = build(&ks, &ct.name.name, declared, &ct.partition_key, &clustering, options, ttl.unwrap_or(0))?;
            Plan::CreateTable { def, if_not_exists: ct.if_not_exists }
        }
        Statement::DropTable { name, if_exists } => {
            Plan::DropTable { keyspace: keyspace_of(name, keyspace)?, name: name.name.clone(), if_exists: *if_exists }
        }
        Statement::Truncate(name) => Plan::Truncate { keyspace: keyspace_of(name, keyspace)?, name: name.name.clone() },
        Statement::Insert(ins) => {
            let t = table(catalog, &ins.table, keyspace)?;
            if ins.columns.len() != ins.values.len() {
                return Err(CqlError::invalid("Unmatched column names/values"));
            }
            let values = if let Some((document, default_unset)) = &ins.json {
                json_values(&t, &terms, document, *default_unset)?
            } else {
                ins.columns
                    .iter()
                    .zip(&ins.values)
                    .map(|(n, term)| {
                        let def = t.column(n).ok_or_else(|| CqlError::invalid(format!("Undefined column name {n}")))?;
                        Ok((n.clone(), terms.value_of(&t, n, term, &def.ty)?))
                    })
                    .collect::<CqlResult<Vec<_>>>()?
            };
            let (ttl, timestamp) = using(&t, &terms, &ins.using.ttl, &ins.using.timestamp)?;
            let mutation = write::insert(&t, &values, ttl)?;
            let condition = if ins.if_not_exists { Some(WriteCondition::NotExists) } else { None };
            write_plan(&t, mutation, write::clustering_prefix(&t, &values)?, condition, timestamp)?
        }
        Statement::Update(up) => {
            let t = table(catalog, &up.table, keyspace)?;
            let targets = write_keys(&t, &terms, &up.where_clause, WriteKind::Update)?;
            let mut ops = Vec::new();
            for a in &up.assignments {
                ops.extend(assign::assignment(&t, &terms, &a.target, &a.value)?);
            }
            let (ttl, timestamp) = using(&t, &terms, &up.using.ttl, &up.using.timestamp)?;
            let condition = condition(&t, &terms, &up.condition)?;
            if condition.is_some() {
                targets.refuse_in_with_conditions(WriteKind::Update)?;
            }
            match targets.keys.as_slice() {
                [key] => {
                    let mutation = write::update(&t, key, ops, ttl)?;
                    write_plan(&t, mutation, write::clustering_prefix(&t, key)?, condition, timestamp)?
                }
                keys => Plan::Write {
                    mutations: keys
                        .iter()
                        .map(|key| write::update(&t, key, ops.clone(), ttl))
                        .collect::<CqlResult<Vec<_>>>()?,
                    timestamp,
                },
            }
        }
        Statement::Delete(del) => {
            let t = table(catalog, &del.table, keyspace)?;
            let targets = write_keys(&t, &terms, &del.where_clause, WriteKind::Delete)?;
            let (_, timestamp) = using(&t, &terms, &None, &del.timestamp)?;
            let condition = condition(&t, &terms, &del.condition)?;
            if condition.is_some() {
                targets.refuse_in_with_conditions(WriteKind::Delete)?;
                if !targets.ranges.is_empty() {
                    return Err(CqlError::invalid(
                        "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF conditions",
                    ));
                }
            }
            if !targets.ranges.is_empty() && !del.targets.is_empty() {
                return Err(CqlError::invalid("Range deletions are not supported for specific columns"));
            }
            let mut mutations = Vec::with_capacity(targets.keys.len());
            for key in &targets.keys {
                let mutation = if !targets.ranges.is_empty() {
                    write::delete(&t, key, Vec::new(), Some(slice_for(&t, key, &targets.ranges)?))?
                } else if del.targets.is_empty() {
                    write::delete(&t, key, Vec::new(), None)?
                } else {
                    let mut ops = Vec::with_capacity(del.targets.len());
                    for target in &del.targets {
                        match target {
                            AssignTarget::Column(c) => {
                                let def = t
                                    .column(c)
                                    .ok_or_else(|| CqlError::invalid(format!("Undefined column name {c}")))?;
                                if matches!(def.kind, ColumnKind::PartitionKey | ColumnKind::Clustering) {
                                    return Err(CqlError::invalid(format!(
                                        "Invalid identifier {c} for deletion (should not be a PRIMARY KEY part)"
                                    )));
                                }
                                ops.push(ColumnWrite { column: c.clone(), op: ColumnOp::Delete });
                            }
                            AssignTarget::Element(c, element) => {
                                let def = t
                                    .column(c)
                                    .ok_or_else(|| CqlError::invalid(format!("Undefined column name {c}")))?;
                                ops.extend(assign::element_write(&t, &terms, def, element, None)?);
                            }
                            AssignTarget::Field(..) => {
                                return Err(CqlError::not_supported("deleting a field of a non-frozen user type"))
                            }
                        }
                    }
                    write::update(&t, key, ops, None)?
                };
                mutations.push(mutation);
            }
            match (mutations.len(), &condition) {
                (1, Some(_)) => {
                    let key = &targets.keys[0];
                    let mutation = mutations.remove(0);
                    write_plan(&t, mutation, write::clustering_prefix(&t, key)?, condition, timestamp)?
                }
                _ => Plan::Write { mutations, timestamp },
            }
        }
        Statement::Select(sel) => {
            let t = table(catalog, &sel.table, keyspace)?;

            let selection = selectors::selection(&t, &terms, &sel.items)?;
            let mut restrictions = Vec::with_capacity(sel.where_clause.len());
            let mut tokens = (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded);
            for r in &sel.where_clause {
                match &r.target {
                    RelationTarget::Column(name) => restrictions.push(restriction(&t, &terms, name, r)?),
                    RelationTarget::Token(columns) => token_bound(&t, &terms, columns, r, &mut tokens)?,
                    RelationTarget::Tuple(names) => restrictions.push(multi_column::restriction(&t, &terms, names, r)?),
                    _ => return Err(CqlError::not_supported("this relation")),
                }
            }
            let limit = match &sel.limit {
                None => None,
                Some(term) => match terms.value_of(&t, "[limit]", term, &CqlType::Int)? {
                    Bound::Value(CqlValue::Int(n)) if n > 0 => Some(n as u64),
                    // An unset LIMIT is no limit.
                    Bound::Unset => None,
                    _ => return Err(CqlError::invalid("LIMIT must be strictly positive")),
                },
            };
            // A restriction on an indexed column is answered by filtering a scan (the
            // same rows an index lookup finds, read in token order).
            let filtering = sel.allow_filtering || select::index_answers(&t, &restrictions);
            let mut select = select::plan_filtered(&t, &[], &restrictions, &sel.order_by, limit, filtering)?;
            if tokens != (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded) {
                if select.partition.is_some() || !select.in_partitions.is_empty() {
                    return Err(CqlError::invalid(
                        "Only EQ and IN relation are supported on the partition key (unless you use the token() function or allow filtering)",
                    ));
                }
                select.tokens = tokens;
            }
            match selection {
                Chosen::All => {}
                Chosen::Columns(columns) => select.columns = columns,
                Chosen::Items(items) => select.selection = Selection::Items(items),
            }
            if sel.distinct {
                distinct(&t, &mut select)?;
            }
            select.json = sel.json;
            if let Some(term) = &sel.per_partition_limit {
                select.per_partition_limit = match terms.value_of(&t, "[per_partition_limit]", term, &CqlType::Int)? {
                    Bound::Value(CqlValue::Int(n)) if n > 0 => Some(n as u64),
                    Bound::Unset => None,
                    _ => return Err(CqlError::invalid("PER PARTITION LIMIT must be strictly positive")),
                };
                if select.per_partition_limit.is_some() && sel.group_by.is_empty() && select.is_aggregate() {
                    return Err(CqlError::invalid("PER PARTITION LIMIT is not allowed with aggregate queries."));
                }
            }
            if !sel.group_by.is_empty() {
                let mut key: Vec<&crate::schema::ColumnDef> = t.partition_key().collect();
                key.sort_by_key(|c| c.position);
                let mut clustering: Vec<&crate::schema::ColumnDef> = t.clustering().collect();
                clustering.sort_by_key(|c| c.position);
                key.extend(clustering);
                let prefix =
                    sel.group_by.len() <= key.len() && sel.group_by.iter().zip(&key).all(|(g, c)| *g == c.name);
                if !prefix || sel.group_by.len() < t.partition_key().count() {
                    return Err(CqlError::invalid(
                        "Group by currently only support groups of columns following their declared order in the PRIMARY KEY",
                    ));
                }
                select.group_by = sel.group_by.len();
            }
            Plan::Select(select)
        }
        Statement::Batch(batch) => {
            let mut plans = Vec::with_capacity(batch.statements.len());
            for statement in &batch.statements {
                let inner = Parsed { statement: statement.clone(), markers: parsed.markers.clone() };
                plans.push(plan_with(catalog, keyspace, &inner, values, binder)?);
            }
            let timestamp = match &batch.timestamp {
                None => None,
                Some(term) => match terms.value(term, &CqlType::Bigint)? {
                    Bound::Value(CqlValue::Bigint(n)) => Some(n),
                    _ => return Err(CqlError::invalid("Invalid null value of timestamp")),
                },
            };
            let kind = match batch.kind {
                crate::parse::ast::BatchType::Logged => crate::engine::BatchKind::Logged,
                crate::parse::ast::BatchType::Unlogged => crate::engine::BatchKind::Unlogged,
                crate::parse::ast::BatchType::Counter => crate::engine::BatchKind::Counter,
            };
            Plan::Batch { kind, plans, timestamp }
        }
        Statement::CreateType { name, if_not_exists, fields } => {
            let ks = keyspace_of(name, keyspace)?;
            let mut resolved = Vec::with_capacity(fields.len());
            for (field, ty) in fields {
                if resolved.iter().any(|(f, _): &(String, CqlType)| f == field) {
                    return Err(CqlError::invalid(format!("Duplicate field name {field} in type {}", name.name)));
                }
                resolved.push((field.clone(), catalog.resolve_type(&ks, ty)?));
            }
            Plan::CreateType {
                def: crate::schema::UserTypeDef { keyspace: ks, name: name.name.clone(), fields: resolved },
                if_not_exists: *if_not_exists,
            }
        }
        Statement::DropType { name, if_exists } => {
            Plan::DropType { keyspace: keyspace_of(name, keyspace)?, name: name.name.clone(), if_exists: *if_exists }
        }
        Statement::CreateIndex { name, table: table_name, if_not_exists, target, column, custom_class } => {
            if custom_class.is_some() {
                return Err(CqlError::not_supported("CREATE CUSTOM INDEX"));
            }
            let t = table(catalog, table_name, keyspace)?;
            let def = t.column(column).ok_or_else(|| CqlError::invalid(format!("Undefined column name {column}")))?;
            if def.kind == ColumnKind::PartitionKey && t.partition_key().count() == 1 {
                return Err(CqlError::invalid(format!(
                    "Cannot create secondary index on the only partition key column {column}"
                )));
            }
            let index_name = match name {
                Some(name) => name.clone(),
                None => default_index_name(catalog, &t.keyspace, &t.name, column),
            };
            Plan::CreateIndex {
                keyspace: t.keyspace.clone(),
                table: t.name.clone(),
                index: crate::schema::IndexDef { name: index_name, column: column.clone(), target: *target },
                if_not_exists: *if_not_exists,
            }
        }
        Statement::DropIndex { name, if_exists } => {
            Plan::DropIndex { keyspace: keyspace_of(name, keyspace)?, name: name.name.clone(), if_exists: *if_exists }
        }
        Statement::AlterTable { name, change } => {
            let t = table(catalog, name, keyspace)?;
            let change = match change {
                crate::parse::ast::AlterTable::Add(columns) => TableChange::Add(
                    columns
                        .iter()
                        .map(|c| {
                            Ok(crate::schema::ColumnDef {
                                name: c.name.clone(),
                                ty: catalog.resolve_type(&t.keyspace, &c.ty)?,
                                kind: if c.is_static { ColumnKind::Static } else { ColumnKind::Regular },
                                position: 0,
                                order: crate::schema::ClusteringOrder::Asc,
                            })
                        })
                        .collect::<CqlResult<Vec<_>>>()?,
                ),
                crate::parse::ast::AlterTable::Drop(columns) => TableChange::Drop(columns.clone()),
                crate::parse::ast::AlterTable::With(options) => {
                    let (options, default_ttl) = table_options(options)?;
                    TableChange::Options { options, default_ttl }
                }
                crate::parse::ast::AlterTable::Rename(_) => {
                    return Err(CqlError::not_supported("ALTER TABLE ... RENAME"))
                }
                crate::parse::ast::AlterTable::AlterType(..) => {
                    return Err(CqlError::invalid("Altering column types is no longer supported"))
                }
            };
            Plan::AlterTable { keyspace: t.keyspace.clone(), name: t.name.clone(), change }
        }
        Statement::Unsupported(what) => return Err(CqlError::not_supported(what)),
        Statement::AlterKeyspace { name, options } => {
            let current =
                catalog.keyspace(name).ok_or_else(|| CqlError::invalid(format!("Keyspace '{name}' does not exist")))?;
            let has_replication = options.iter().any(|(k, _)| k == "replication");
            Plan::AlterKeyspace(KeyspaceDef {
                name: name.clone(),
                replication: if has_replication { replication(name, options)? } else { current.replication },
                durable_writes: durable_writes(options)?.unwrap_or(current.durable_writes),
            })
        }
        Statement::Describe(_) => return Err(CqlError::not_supported("server-side DESCRIBE")),
        Statement::CreateRole { .. }
        | Statement::AlterRole { .. }
        | Statement::DropRole { .. }
        | Statement::ListRoles { .. } => {
            Plan::Role(RolePlan::of(&parsed.statement).ok_or_else(|| CqlError::server("not a role statement"))?)
        }
        // Orbit authorizes like Cassandra's default AllowAllAuthorizer: every login may do everything.
        Statement::Permission(verb) => {
            return Err(CqlError::invalid(format!("{verb} operation is not supported by AllowAllAuthorizer")))
        }
        _ => return Err(CqlError::not_supported("this statement")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Outcome, QueryParams, SessionState};
    use crate::exec::run::Runner;
    use crate::model::Model;
    use crate::parse::parse_statement;
    use orbit_storage::{KvTableStorage, MemoryEngine};

    async fn run(runner: &Runner, session: &mut SessionState, text: &str) -> CqlResult<Outcome> {
        let parsed = parse_statement(text)?;
        let plan = plan(&runner.model.catalog, session.keyspace.as_deref(), &parsed, &Values::None)?;
        runner.run(session, plan, &QueryParams::default()).await
    }

    #[tokio::test]
    async fn cql_text_runs_end_to_end_over_the_model() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let runner = Runner::new(Model::open(storage).await.unwrap());
        let mut session = SessionState::default();
        run(
            &runner,
            &mut session,
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        )
        .await
        .unwrap();
        run(&runner, &mut session, "USE app").await.unwrap();
        run(
            &runner,
            &mut session,
            "CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC)",
        )
        .await
        .unwrap();
        run(&runner, &mut session, "INSERT INTO t (k, c, v) VALUES (1, 1, 'a')").await.unwrap();
        run(&runner, &mut session, "INSERT INTO t (k, c, v) VALUES (1, 2, 'b')").await.unwrap();
        run(&runner, &mut session, "INSERT INTO t (k, c, v) VALUES (1, 3, 'c')").await.unwrap();
        run(&runner, &mut session, "UPDATE t SET v = 'B' WHERE k = 1 AND c = 2").await.unwrap();
        run(&runner, &mut session, "DELETE FROM t WHERE k = 1 AND c = 3").await.unwrap();
        let Outcome::Rows(rows) = run(&runner, &mut session, "SELECT c, v FROM t WHERE k = 1").await.unwrap() else {
            panic!()
        };
        let cells: Vec<Vec<u8>> = rows.rows.iter().map(|r| r[1].clone().unwrap().to_vec()).collect();
        assert_eq!(cells, [b"B".to_vec(), b"a".to_vec()], "DESC clustering order");
        let Outcome::Rows(rows) =
            run(&runner, &mut session, "SELECT * FROM t WHERE k = 1 AND c < 2 ORDER BY c ASC LIMIT 5").await.unwrap()
        else {
            panic!()
        };
        assert_eq!(rows.rows.len(), 1);
        assert_eq!(rows.columns.len(), 3);
        let e = run(&runner, &mut session, "SELECT * FROM nope").await.unwrap_err();
        assert_eq!(e.message(), "unconfigured table nope");
    }
}

/// Cassandra's name for an index created without one: `<table>_<column>_idx` without
/// the characters that are not word characters, then `_1`, `_2`, ... until no index of
/// the keyspace has it.
fn default_index_name(catalog: &Catalog, keyspace: &str, table: &str, column: &str) -> String {
    let base: String =
        format!("{table}_{column}_idx").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let taken = |name: &str| catalog.tables(keyspace).iter().any(|t| t.indexes.iter().any(|i| i.name == name));
    if !taken(&base) {
        return base;
    }
    (1..).map(|i| format!("{base}_{i}")).find(|name| !taken(name)).unwrap_or(base)
}
