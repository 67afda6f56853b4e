//! CQL data types as the parser names them, the model stores them and the wire describes
//! them in result metadata (option ids of the native protocol, section 4.2.5.2).

use std::fmt;

/// A CQL type. `Udt` carries its keyspace, name and fields so the wire can describe it
/// in metadata without asking the catalog; the parser produces `UdtRef` (a name only)
/// and the model resolves it to `Udt` against the keyspace's types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CqlType {
    Ascii,
    Bigint,
    Blob,
    Boolean,
    Counter,
    Date,
    Decimal,
    Double,
    Duration,
    Float,
    Inet,
    Int,
    Smallint,
    Text,
    Time,
    Timestamp,
    Timeuuid,
    Tinyint,
    Uuid,
    Varint,
    List(Box<CqlType>),
    Set(Box<CqlType>),
    Map(Box<CqlType>, Box<CqlType>),
    Tuple(Vec<CqlType>),
    /// A user-defined type, resolved.
    Udt {
        keyspace: String,
        name: String,
        fields: Vec<(String, CqlType)>,
    },
    /// A user-defined type as written in a statement (`ks.name` or `name`), unresolved.
    UdtRef {
        keyspace: Option<String>,
        name: String,
    },
    /// `frozen<...>`: the inner value is stored and compared as one cell.
    Frozen(Box<CqlType>),
}

impl CqlType {
    /// The type without `frozen<>` wrappers (what the wire reports: frozenness is not
    /// part of the option encoding).
    pub fn unfrozen(&self) -> &CqlType {
        match self {
            CqlType::Frozen(inner) => inner.unfrozen(),
            other => other,
        }
    }

    /// True for list, set and map that are not frozen: their elements are separate cells.
    pub fn is_multi_cell(&self) -> bool {
        matches!(self, CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..))
    }

    /// True for the collection types, frozen or not.
    pub fn is_collection(&self) -> bool {
        matches!(self.unfrozen(), CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..))
    }

    /// The type's name as a native type keyword, for the simple types.
    pub fn native_name(&self) -> Option<&'static str> {
        Some(match self {
            CqlType::Ascii => "ascii",
            CqlType::Bigint => "bigint",
            CqlType::Blob => "blob",
            CqlType::Boolean => "boolean",
            CqlType::Counter => "counter",
            CqlType::Date => "date",
            CqlType::Decimal => "decimal",
            CqlType::Double => "double",
            CqlType::Duration => "duration",
            CqlType::Float => "float",
            CqlType::Inet => "inet",
            CqlType::Int => "int",
            CqlType::Smallint => "smallint",
            CqlType::Text => "text",
            CqlType::Time => "time",
            CqlType::Timestamp => "timestamp",
            CqlType::Timeuuid => "timeuuid",
            CqlType::Tinyint => "tinyint",
            CqlType::Uuid => "uuid",
            CqlType::Varint => "varint",
            _ => return None,
        })
    }

    /// Parses a native type keyword (`varchar` is `text`), case-insensitively.
    pub fn from_native_name(name: &str) -> Option<CqlType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "ascii" => CqlType::Ascii,
            "bigint" => CqlType::Bigint,
            "blob" => CqlType::Blob,
            "boolean" => CqlType::Boolean,
            "counter" => CqlType::Counter,
            "date" => CqlType::Date,
            "decimal" => CqlType::Decimal,
            "double" => CqlType::Double,
            "duration" => CqlType::Duration,
            "float" => CqlType::Float,
            "inet" => CqlType::Inet,
            "int" => CqlType::Int,
            "smallint" => CqlType::Smallint,
            "text" | "varchar" => CqlType::Text,
            "time" => CqlType::Time,
            "timestamp" => CqlType::Timestamp,
            "timeuuid" => CqlType::Timeuuid,
            "tinyint" => CqlType::Tinyint,
            "uuid" => CqlType::Uuid,
            "varint" => CqlType::Varint,
            _ => return None,
        })
    }
}

/// The CQL spelling, as `system_schema.columns.type` prints it (Cassandra's
/// `CQL3Type.toString`): `frozen<map<text, int>>`, `list<int>`, UDTs by their bare name;
/// a tuple always as `frozen<tuple<...>>`, and a collection, tuple or UDT nested in a
/// collection or tuple always frozen (Cassandra freezes those element types).
impl fmt::Display for CqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = self.native_name() {
            return f.write_str(name);
        }
        match self {
            CqlType::List(e) => write!(f, "list<{}>", Nested(e)),
            CqlType::Set(e) => write!(f, "set<{}>", Nested(e)),
            CqlType::Map(k, v) => write!(f, "map<{}, {}>", Nested(k), Nested(v)),
            CqlType::Tuple(items) => {
                f.write_str("frozen<tuple<")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Nested(item))?;
                }
                f.write_str(">>")
            }
            CqlType::Udt { name, .. } | CqlType::UdtRef { name, .. } => f.write_str(name),
            CqlType::Frozen(inner) if matches!(**inner, CqlType::Tuple(_) | CqlType::Frozen(_)) => write!(f, "{inner}"),
            CqlType::Frozen(inner) => write!(f, "frozen<{inner}>"),
            _ => Ok(()),
        }
    }
}

/// A type inside a collection or tuple: frozen when it is itself a collection or UDT.
struct Nested<'a>(&'a CqlType);

impl fmt::Display for Nested<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..) | CqlType::Udt { .. } | CqlType::UdtRef { .. } => {
                write!(f, "frozen<{}>", self.0)
            }
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_spells_nested_types_like_cassandra() {
        let t = CqlType::Frozen(Box::new(CqlType::Map(
            Box::new(CqlType::Text),
            Box::new(CqlType::List(Box::new(CqlType::Int))),
        )));
        // As Cassandra 4.1's system_schema prints them: elements nested in a collection
        // or tuple are frozen, and a tuple is always frozen.
        assert_eq!(t.to_string(), "frozen<map<text, frozen<list<int>>>>");
        assert_eq!(CqlType::Tuple(vec![CqlType::Int, CqlType::Text]).to_string(), "frozen<tuple<int, text>>");
        let nested = CqlType::Tuple(vec![
            CqlType::Set(Box::new(CqlType::Float)),
            CqlType::Tuple(vec![CqlType::Decimal]),
            CqlType::Frozen(Box::new(CqlType::Tuple(vec![CqlType::Int]))),
        ]);
        assert_eq!(
            nested.to_string(),
            "frozen<tuple<frozen<set<float>>, frozen<tuple<decimal>>, frozen<tuple<int>>>>"
        );
        assert_eq!(CqlType::from_native_name("VARCHAR"), Some(CqlType::Text));
        assert!(!t.is_multi_cell() && t.is_collection());
    }
}
