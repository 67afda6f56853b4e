//! Result-set column definitions as MySQL 8 sends them. A column that reads a base-table
//! column (the engine's [`ColumnOrigin`]) is described from its declared MySQL type and
//! the catalog: schema, table alias, table, column names; MYSQL_TYPE, display length,
//! decimals and flags as MySQL's field of that type reports them. A computed column is
//! described from its engine type, with no table or original name (a computed column of
//! a derived table: with the derived table's names).
//!
//! Character columns report the result character set's collation (utf8mb4 →
//! utf8mb4_0900_ai_ci, 255, as MySQL 8 does; MariaDB says utf8mb4_general_ci, 45) and a
//! length of characters × 4; JSON is MYSQL_TYPE_JSON with the binary collation (MariaDB
//! sends a utf8mb4 BLOB).

use crate::wire::consts::*;
use crate::wire::{ColumnDef, ColumnType};
use orbit_sql::mysql_sql::types::Kind;
use orbit_sql::{Column, ColumnOrigin};

/// The column definition of a result column.
pub fn column_def(column: &Column) -> ColumnDef {
    match &column.origin {
        // A computed column of a derived table: the engine's type under the table's names.
        Some(origin) if origin.mysql_type.is_empty() => {
            let mut def = crate::values::column_def(column);
            def.schema.clone_from(&origin.schema);
            def.table.clone_from(&origin.table);
            def.org_table.clone_from(&origin.org_table);
            def.org_name.clone_from(&origin.org_name);
            def
        }
        Some(origin) => declared(&column.name, origin),
        None => {
            let mut def = crate::values::column_def(column);
            def.org_name.clear();
            def
        }
    }
}

/// The bytes per character of the result character set (utf8mb4).
const MB_MAX: u32 = 4;

/// A declared type's MYSQL_TYPE, display length, decimals and type flags.
struct TypeInfo {
    ty: ColumnType,
    length: u32,
    decimals: u8,
    flags: u16,
    text: bool,
}

fn declared(name: &str, origin: &ColumnOrigin) -> ColumnDef {
    let mut info = type_info(&origin.mysql_type);
    if origin.computed {
        // MIN(c) / MAX(c): the type without the column's attributes (only UNSIGNED, and
        // BINARY for what is not character data); ENUM and SET values are plain strings.
        info.flags &= UNSIGNED_FLAG;
        if info.text {
            info.decimals = NOT_FIXED_DECIMALS;
            if info.ty == ColumnType::String && is_enum_or_set(&origin.mysql_type) {
                info.ty = ColumnType::VarString;
            }
        } else {
            info.flags |= BINARY_FLAG;
        }
    }
    let mut flags = info.flags;
    for (on, flag) in [
        (origin.not_null, NOT_NULL_FLAG),
        (origin.primary_key, PRI_KEY_FLAG),
        (origin.unique_key, UNIQUE_KEY_FLAG),
        (origin.multiple_key, MULTIPLE_KEY_FLAG),
        (origin.auto_increment, AUTO_INCREMENT_FLAG),
        (origin.no_default, NO_DEFAULT_VALUE_FLAG),
        (origin.part_key, PART_KEY_FLAG),
    ] {
        if on {
            flags |= flag;
        }
    }
    if info.text && origin.binary_collation {
        flags |= BINARY_FLAG;
    }
    if info.ty == ColumnType::Timestamp && origin.auto_timestamp {
        flags |= TIMESTAMP_FLAG;
        if origin.on_update_now {
            flags |= ON_UPDATE_NOW_FLAG;
        }
    }
    ColumnDef {
        schema: origin.schema.clone(),
        table: origin.table.clone(),
        org_table: origin.org_table.clone(),
        name: name.to_string(),
        org_name: origin.org_name.clone(),
        charset: u16::from(if info.text { UTF8MB4_0900_AI_CI } else { BINARY_COLLATION }),
        length: info.length,
        column_type: info.ty,
        flags,
        decimals: info.decimals,
    }
}

/// The decimals of a computed character value (MySQL 8's NOT_FIXED_DEC; MariaDB's is 39).
const NOT_FIXED_DECIMALS: u8 = 31;

fn is_enum_or_set(text: &str) -> bool {
    let t = text.trim_start().to_ascii_lowercase();
    t.starts_with("enum") || t.starts_with("set")
}

/// MySQL's display width of an integer type without an explicit one.
fn int_width(head: &str, unsigned: bool) -> u32 {
    let (signed, unsigned_width) = match head {
        "tinyint" => (4, 3),
        "smallint" => (6, 5),
        "mediumint" => (9, 8),
        "int" | "integer" => (11, 10),
        _ => (20, 20),
    };
    if unsigned {
        unsigned_width
    } else {
        signed
    }
}

/// Fractional seconds `fsp`: the length grows by the point and the digits.
fn temporal(ty: ColumnType, base: u32, fsp: u32) -> TypeInfo {
    let length = if fsp > 0 { base.saturating_add(1).saturating_add(fsp) } else { base };
    TypeInfo { ty, length, decimals: fsp.min(6) as u8, flags: BINARY_FLAG, text: false }
}

/// The type information of a declared type text ("int unsigned", "varchar(20)").
fn type_info(text: &str) -> TypeInfo {
    let t = text.trim().to_ascii_lowercase();
    let head: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let args: Vec<u32> = t
        .split_once('(')
        .filter(|_| !matches!(head.as_str(), "enum" | "set"))
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(a, _)| a.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let arg = |i: usize| args.get(i).copied();
    let unsigned = t.contains(" unsigned");
    let zerofill = t.contains(" zerofill");
    // No NUM_FLAG: servers do not send it, client libraries add it by type.
    let mut num_flags = 0;
    if unsigned {
        num_flags |= UNSIGNED_FLAG;
    }
    if zerofill {
        num_flags |= ZEROFILL_FLAG;
    }
    let number = |ty, length, decimals| TypeInfo { ty, length, decimals, flags: num_flags, text: false };
    let chars = |ty, n: u32| TypeInfo { ty, length: n.saturating_mul(MB_MAX), decimals: 0, flags: 0, text: true };
    let bytes = |ty, n: u32, flags| TypeInfo { ty, length: n, decimals: 0, flags: BINARY_FLAG | flags, text: false };
    let text_blob = |n: u32| TypeInfo {
        ty: ColumnType::Blob,
        length: n.saturating_mul(MB_MAX),
        decimals: 0,
        flags: BLOB_FLAG,
        text: true,
    };
    match head.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
            let ty = match head.as_str() {
                "tinyint" => ColumnType::Tiny,
                "smallint" => ColumnType::Short,
                "mediumint" => ColumnType::Int24,
                "bigint" => ColumnType::LongLong,
                _ => ColumnType::Long,
            };
            number(ty, arg(0).unwrap_or_else(|| int_width(&head, unsigned)), 0)
        }
        "decimal" | "numeric" => {
            let (p, s) = (arg(0).unwrap_or(10), arg(1).unwrap_or(0));
            let length = p.saturating_add(u32::from(s > 0)).saturating_add(u32::from(!unsigned));
            number(ColumnType::NewDecimal, length, s.min(30) as u8)
        }
        "float" => match (arg(0), arg(1)) {
            (Some(p), Some(s)) => number(ColumnType::Float, p.saturating_add(2), s.min(31) as u8),
            _ => number(ColumnType::Float, 12, 31),
        },
        "double" | "real" => match (arg(0), arg(1)) {
            (Some(p), Some(s)) => number(ColumnType::Double, p.saturating_add(2), s.min(31) as u8),
            _ => number(ColumnType::Double, 22, 31),
        },
        "year" => {
            TypeInfo { ty: ColumnType::Year, length: 4, decimals: 0, flags: UNSIGNED_FLAG | ZEROFILL_FLAG, text: false }
        }
        "bit" => TypeInfo {
            ty: ColumnType::Bit,
            length: arg(0).unwrap_or(1),
            decimals: 0,
            flags: UNSIGNED_FLAG,
            text: false,
        },
        "char" => chars(ColumnType::String, arg(0).unwrap_or(1)),
        "varchar" => chars(ColumnType::VarString, arg(0).unwrap_or(0)),
        "tinytext" => text_blob(255),
        "text" => text_blob(65_535),
        "mediumtext" => text_blob(16_777_215),
        "longtext" => TypeInfo { ty: ColumnType::Blob, length: u32::MAX, decimals: 0, flags: BLOB_FLAG, text: true },
        "binary" => bytes(ColumnType::String, arg(0).unwrap_or(1), 0),
        "varbinary" => bytes(ColumnType::VarString, arg(0).unwrap_or(0), 0),
        "tinyblob" => bytes(ColumnType::Blob, 255, BLOB_FLAG),
        "blob" => bytes(ColumnType::Blob, 65_535, BLOB_FLAG),
        "mediumblob" => bytes(ColumnType::Blob, 16_777_215, BLOB_FLAG),
        "longblob" => bytes(ColumnType::Blob, u32::MAX, BLOB_FLAG),
        "json" => bytes(ColumnType::Json, u32::MAX, BLOB_FLAG),
        "date" => temporal(ColumnType::Date, 10, 0),
        "datetime" => temporal(ColumnType::DateTime, 19, arg(0).unwrap_or(0)),
        "timestamp" => {
            let mut info = temporal(ColumnType::Timestamp, 19, arg(0).unwrap_or(0));
            info.flags |= UNSIGNED_FLAG;
            info
        }
        "time" => temporal(ColumnType::Time, 10, arg(0).unwrap_or(0)),
        "enum" | "set" => {
            let (members, flag) = match Kind::parse(&t) {
                Kind::Enum(m) => (m, ENUM_FLAG),
                Kind::Set(m) => (m, SET_FLAG),
                _ => (Vec::new(), 0),
            };
            let len = |m: &String| m.chars().count() as u32;
            let n = if flag == ENUM_FLAG {
                members.iter().map(len).max().unwrap_or(0)
            } else {
                members.iter().map(len).fold(0u32, u32::saturating_add).saturating_add((members.len() as u32).saturating_sub(1))
            };
            let mut info = chars(ColumnType::String, n);
            info.flags = flag;
            info
        }
        _ => chars(ColumnType::VarString, 255),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_sql::SqlType;

    fn origin(mysql_type: &str) -> ColumnOrigin {
        ColumnOrigin {
            schema: "db".into(),
            table: "t".into(),
            org_table: "tab".into(),
            org_name: "c".into(),
            mysql_type: mysql_type.into(),
            ..Default::default()
        }
    }

    fn def(mysql_type: &str) -> ColumnDef {
        let column = Column { name: "x".into(), ty: SqlType::Text, origin: Some(Box::new(origin(mysql_type))), decimals: None };
        column_def(&column)
    }

    #[test]
    fn declared_types_take_mysql_types_lengths_and_flags() {
        let cases: &[(&str, ColumnType, u32, u8, u16)] = &[
            ("tinyint", ColumnType::Tiny, 4, 0, 0),
            ("tinyint unsigned", ColumnType::Tiny, 3, 0, UNSIGNED_FLAG),
            ("tinyint(1)", ColumnType::Tiny, 1, 0, 0),
            ("smallint", ColumnType::Short, 6, 0, 0),
            ("mediumint", ColumnType::Int24, 9, 0, 0),
            ("int", ColumnType::Long, 11, 0, 0),
            ("int(5) unsigned zerofill", ColumnType::Long, 5, 0, UNSIGNED_FLAG | ZEROFILL_FLAG),
            ("bigint unsigned", ColumnType::LongLong, 20, 0, UNSIGNED_FLAG),
            ("decimal(10,2)", ColumnType::NewDecimal, 12, 2, 0),
            ("decimal(5,0) unsigned", ColumnType::NewDecimal, 5, 0, UNSIGNED_FLAG),
            ("float", ColumnType::Float, 12, 31, 0),
            ("double", ColumnType::Double, 22, 31, 0),
            ("char(10)", ColumnType::String, 40, 0, 0),
            ("varchar(20)", ColumnType::VarString, 80, 0, 0),
            ("text", ColumnType::Blob, 262_140, 0, BLOB_FLAG),
            ("longtext", ColumnType::Blob, u32::MAX, 0, BLOB_FLAG),
            ("varbinary(8)", ColumnType::VarString, 8, 0, BINARY_FLAG),
            ("blob", ColumnType::Blob, 65_535, 0, BLOB_FLAG | BINARY_FLAG),
            ("date", ColumnType::Date, 10, 0, BINARY_FLAG),
            ("datetime(3)", ColumnType::DateTime, 23, 3, BINARY_FLAG),
            ("timestamp", ColumnType::Timestamp, 19, 0, BINARY_FLAG | UNSIGNED_FLAG),
            ("time(6)", ColumnType::Time, 17, 6, BINARY_FLAG),
            ("year", ColumnType::Year, 4, 0, UNSIGNED_FLAG | ZEROFILL_FLAG),
            ("enum('a','bb','ccc')", ColumnType::String, 12, 0, ENUM_FLAG),
            ("set('x','y')", ColumnType::String, 12, 0, SET_FLAG),
            ("json", ColumnType::Json, u32::MAX, 0, BLOB_FLAG | BINARY_FLAG),
        ];
        for (text, ty, length, decimals, flags) in cases {
            let d = def(text);
            assert_eq!((d.column_type, d.length, d.decimals, d.flags), (*ty, *length, *decimals, *flags), "{text}");
        }
        assert_eq!(def("varchar(3)").charset, u16::from(UTF8MB4_0900_AI_CI));
        assert_eq!(def("int").charset, u16::from(BINARY_COLLATION));
        assert_eq!(def("json").charset, u16::from(BINARY_COLLATION));
    }

    #[test]
    fn origins_fill_names_and_key_flags() {
        let mut o = origin("int");
        o.not_null = true;
        o.primary_key = true;
        o.auto_increment = true;
        o.part_key = true;
        let d = column_def(&Column { name: "x".into(), ty: SqlType::Int4, origin: Some(Box::new(o)), decimals: None });
        assert_eq!((d.schema.as_str(), d.table.as_str(), d.org_table.as_str()), ("db", "t", "tab"));
        assert_eq!((d.name.as_str(), d.org_name.as_str()), ("x", "c"));
        assert_eq!(d.flags, NOT_NULL_FLAG | PRI_KEY_FLAG | AUTO_INCREMENT_FLAG | PART_KEY_FLAG);
        let mut bin = origin("varchar(5)");
        bin.binary_collation = true;
        let d = column_def(&Column { name: "x".into(), ty: SqlType::Text, origin: Some(Box::new(bin)), decimals: None });
        assert_eq!((d.flags, d.charset), (BINARY_FLAG, u16::from(UTF8MB4_0900_AI_CI)));
        let max = ColumnOrigin { mysql_type: "tinyint unsigned".into(), computed: true, ..Default::default() };
        let d = column_def(&Column { name: "MAX(t)".into(), ty: SqlType::Int2, origin: Some(Box::new(max)), decimals: None });
        assert_eq!((d.column_type, d.flags, d.length), (ColumnType::Tiny, UNSIGNED_FLAG | BINARY_FLAG, 3));
        assert!(d.table.is_empty() && d.org_name.is_empty());
        let max = ColumnOrigin { mysql_type: "enum('a')".into(), computed: true, ..Default::default() };
        let d = column_def(&Column { name: "MAX(e)".into(), ty: SqlType::Text, origin: Some(Box::new(max)), decimals: None });
        assert_eq!((d.column_type, d.flags), (ColumnType::VarString, 0));
        let computed = column_def(&Column::new("1+1", SqlType::Int8));
        assert!(computed.table.is_empty() && computed.org_name.is_empty() && computed.name == "1+1");
    }
}
