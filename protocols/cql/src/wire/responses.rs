//! Response bodies (spec section 4.2): ERROR with the fields each code carries,
//! SUPPORTED, AUTHENTICATE, AUTH_SUCCESS, RESULT in its five kinds with result and
//! bind metadata (types as option ids, section 4.2.5.2), and SCHEMA_CHANGE events.

use super::body::BodyWriter;
use crate::engine::{ColumnSpec, Outcome, Prepared, Rows, SchemaChange, SchemaChangeKind, SchemaChangeTarget};
use crate::error::{CqlError, ErrorCode};
use crate::types::CqlType;
use bytes::Bytes;

pub const PASSWORD_AUTHENTICATOR: &str = "org.apache.cassandra.auth.PasswordAuthenticator";

mod result_kind {
    pub const VOID: i32 = 0x0001;
    pub const ROWS: i32 = 0x0002;
    pub const SET_KEYSPACE: i32 = 0x0003;
    pub const PREPARED: i32 = 0x0004;
    pub const SCHEMA_CHANGE: i32 = 0x0005;
}

mod metadata_flags {
    pub const GLOBAL_TABLES_SPEC: i32 = 0x0001;
    pub const HAS_MORE_PAGES: i32 = 0x0002;
    pub const NO_METADATA: i32 = 0x0004;
}

pub fn error(err: &CqlError) -> Bytes {
    let mut w = BodyWriter::new();
    w.int(err.code() as i32).string(err.message());
    match err {
        CqlError::AlreadyExists { keyspace, table, .. } => {
            w.string(keyspace).string(table);
        }
        CqlError::Unprepared { id, .. } => {
            w.short_bytes(id);
        }
        CqlError::FunctionFailure { keyspace, function, arg_types, .. } => {
            let types: Vec<&str> = arg_types.iter().map(String::as_str).collect();
            w.string(keyspace).string(function).string_list(&types);
        }
        CqlError::Coded { code, .. } => match code {
            // Codes whose body has fields: consistency ONE and one node, so drivers parse them.
            ErrorCode::Unavailable => {
                w.short(0x0001).int(1).int(0);
            }
            ErrorCode::WriteTimeout => {
                w.short(0x0001).int(0).int(1).string("SIMPLE");
            }
            ErrorCode::ReadTimeout => {
                w.short(0x0001).int(0).int(1).byte(0);
            }
            _ => {}
        },
    }
    w.finish()
}

pub fn supported() -> Bytes {
    let mut w = BodyWriter::new();
    w.string_multimap(&[
        ("CQL_VERSION", &["3.4.6"]),
        ("COMPRESSION", &["lz4", "snappy"]),
        ("PROTOCOL_VERSIONS", &["4/v4", "5/v5"]),
    ]);
    w.finish()
}

pub fn authenticate() -> Bytes {
    let mut w = BodyWriter::new();
    w.string(PASSWORD_AUTHENTICATOR);
    w.finish()
}

pub fn auth_success() -> Bytes {
    let mut w = BodyWriter::new();
    w.bytes(None);
    w.finish()
}

/// A RESULT body for `outcome`; `skip_metadata` leaves the column specs out of Rows.
pub fn result(outcome: &Outcome, version: u8, skip_metadata: bool) -> Bytes {
    let mut w = BodyWriter::new();
    match outcome {
        Outcome::Void => {
            w.int(result_kind::VOID);
        }
        Outcome::Rows(rows) => {
            w.int(result_kind::ROWS);
            rows_body(&mut w, rows, version, skip_metadata);
        }
        Outcome::SetKeyspace(keyspace) => {
            w.int(result_kind::SET_KEYSPACE).string(keyspace);
        }
        Outcome::SchemaChange(change) => {
            w.int(result_kind::SCHEMA_CHANGE);
            schema_change_body(&mut w, change);
        }
    }
    w.finish()
}

pub fn prepared(prepared: &Prepared, version: u8) -> Bytes {
    let mut w = BodyWriter::new();
    w.int(result_kind::PREPARED).short_bytes(&prepared.id);
    if version >= 5 {
        w.short_bytes(&prepared.result_metadata_id);
    }
    let global = global_spec(&prepared.bind_columns);
    w.int(if global.is_some() { metadata_flags::GLOBAL_TABLES_SPEC } else { 0 });
    w.int(prepared.bind_columns.len() as i32);
    w.int(prepared.pk_indexes.len() as i32);
    for index in &prepared.pk_indexes {
        w.short(*index);
    }
    column_specs(&mut w, &prepared.bind_columns, global, version);
    let rows = Rows { columns: prepared.result_columns.clone(), ..Default::default() };
    if prepared.result_columns.is_empty() {
        w.int(metadata_flags::NO_METADATA).int(0);
    } else {
        metadata(&mut w, &rows, version, false);
    }
    w.finish()
}

pub fn schema_change_event(change: &SchemaChange) -> Bytes {
    let mut w = BodyWriter::new();
    w.string("SCHEMA_CHANGE");
    schema_change_body(&mut w, change);
    w.finish()
}

fn rows_body(w: &mut BodyWriter, rows: &Rows, version: u8, skip_metadata: bool) {
    metadata(w, rows, version, skip_metadata);
    w.int(rows.rows.len() as i32);
    for row in &rows.rows {
        for cell in row {
            w.bytes(cell.as_deref());
        }
    }
}

fn global_spec(columns: &[ColumnSpec]) -> Option<(&str, &str)> {
    let first = columns.first()?;
    columns
        .iter()
        .all(|c| c.keyspace == first.keyspace && c.table == first.table)
        .then_some((first.keyspace.as_str(), first.table.as_str()))
}

fn metadata(w: &mut BodyWriter, rows: &Rows, version: u8, skip_metadata: bool) {
    let global = global_spec(&rows.columns);
    let mut flags = 0;
    if rows.paging_state.is_some() {
        flags |= metadata_flags::HAS_MORE_PAGES;
    }
    if skip_metadata {
        flags |= metadata_flags::NO_METADATA;
    } else if global.is_some() {
        flags |= metadata_flags::GLOBAL_TABLES_SPEC;
    }
    w.int(flags).int(rows.columns.len() as i32);
    if let Some(state) = &rows.paging_state {
        w.bytes(Some(state));
    }
    if !skip_metadata {
        column_specs(w, &rows.columns, global, version);
    }
}

fn column_specs(w: &mut BodyWriter, columns: &[ColumnSpec], global: Option<(&str, &str)>, version: u8) {
    if let Some((keyspace, table)) = global {
        w.string(keyspace).string(table);
    }
    for column in columns {
        if global.is_none() {
            w.string(&column.keyspace).string(&column.table);
        }
        w.string(&column.name);
        type_option(w, &column.ty, version);
    }
}

/// `[option]` of a type (spec 4.2.5.2); v4 has no duration id and sends the custom class.
pub fn type_option(w: &mut BodyWriter, ty: &CqlType, version: u8) {
    let simple = |w: &mut BodyWriter, id: u16| {
        w.short(id);
    };
    match ty.unfrozen() {
        CqlType::Ascii => simple(w, 0x0001),
        CqlType::Bigint => simple(w, 0x0002),
        CqlType::Blob => simple(w, 0x0003),
        CqlType::Boolean => simple(w, 0x0004),
        CqlType::Counter => simple(w, 0x0005),
        CqlType::Decimal => simple(w, 0x0006),
        CqlType::Double => simple(w, 0x0007),
        CqlType::Float => simple(w, 0x0008),
        CqlType::Int => simple(w, 0x0009),
        CqlType::Timestamp => simple(w, 0x000B),
        CqlType::Uuid => simple(w, 0x000C),
        CqlType::Text => simple(w, 0x000D),
        CqlType::Varint => simple(w, 0x000E),
        CqlType::Timeuuid => simple(w, 0x000F),
        CqlType::Inet => simple(w, 0x0010),
        CqlType::Date => simple(w, 0x0011),
        CqlType::Time => simple(w, 0x0012),
        CqlType::Smallint => simple(w, 0x0013),
        CqlType::Tinyint => simple(w, 0x0014),
        CqlType::Duration if version >= 5 => simple(w, 0x0015),
        CqlType::Duration => {
            w.short(0x0000).string("org.apache.cassandra.db.marshal.DurationType");
        }
        CqlType::List(e) => {
            w.short(0x0020);
            type_option(w, e, version);
        }
        CqlType::Map(k, v) => {
            w.short(0x0021);
            type_option(w, k, version);
            type_option(w, v, version);
        }
        CqlType::Set(e) => {
            w.short(0x0022);
            type_option(w, e, version);
        }
        CqlType::Udt { keyspace, name, fields } => {
            w.short(0x0030).string(keyspace).string(name).short(fields.len() as u16);
            for (field, ty) in fields {
                w.string(field);
                type_option(w, ty, version);
            }
        }
        CqlType::Tuple(items) => {
            w.short(0x0031).short(items.len() as u16);
            for item in items {
                type_option(w, item, version);
            }
        }
        // An unresolved UDT never reaches the wire; describe it as a blob rather than mis-frame.
        CqlType::UdtRef { .. } | CqlType::Frozen(_) => simple(w, 0x0003),
    }
}

fn schema_change_body(w: &mut BodyWriter, change: &SchemaChange) {
    w.string(match change.kind {
        SchemaChangeKind::Created => "CREATED",
        SchemaChangeKind::Updated => "UPDATED",
        SchemaChangeKind::Dropped => "DROPPED",
    });
    match &change.target {
        SchemaChangeTarget::Keyspace { keyspace } => {
            w.string("KEYSPACE").string(keyspace);
        }
        SchemaChangeTarget::Table { keyspace, table } => {
            w.string("TABLE").string(keyspace).string(table);
        }
        SchemaChangeTarget::Type { keyspace, name } => {
            w.string("TYPE").string(keyspace).string(name);
        }
        SchemaChangeTarget::Function { keyspace, name, arg_types } => {
            let args: Vec<&str> = arg_types.iter().map(String::as_str).collect();
            w.string("FUNCTION").string(keyspace).string(name).string_list(&args);
        }
        SchemaChangeTarget::Aggregate { keyspace, name, arg_types } => {
            let args: Vec<&str> = arg_types.iter().map(String::as_str).collect();
            w.string("AGGREGATE").string(keyspace).string(name).string_list(&args);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, ty: CqlType) -> ColumnSpec {
        ColumnSpec { keyspace: "ks".into(), table: "t".into(), name: name.into(), ty }
    }

    #[test]
    fn rows_with_global_spec_and_paging_state() {
        let rows = Rows {
            columns: vec![
                spec("k", CqlType::Int),
                spec("m", CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::Bigint))),
            ],
            rows: vec![vec![Some(Bytes::from_static(&[0, 0, 0, 1])), None]],
            paging_state: Some(Bytes::from_static(b"p")),
        };
        let body = result(&Outcome::Rows(rows), 4, false);
        let mut expected = vec![0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, b'p'];
        expected.extend_from_slice(&[0, 2, b'k', b's', 0, 1, b't']);
        expected.extend_from_slice(&[0, 1, b'k', 0, 0x09, 0, 1, b'm', 0, 0x21, 0, 0x0D, 0, 0x02]);
        expected.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(&body[..], &expected[..]);
    }

    #[test]
    fn errors_carry_their_code_specific_fields() {
        let body = error(&CqlError::Unprepared { message: "gone".into(), id: vec![1, 2] });
        assert_eq!(&body[..], &[0, 0, 0x25, 0, 0, 4, b'g', b'o', b'n', b'e', 0, 2, 1, 2]);
        let body = error(&CqlError::AlreadyExists { message: "x".into(), keyspace: "ks".into(), table: String::new() });
        assert_eq!(&body[..], &[0, 0, 0x24, 0, 0, 1, b'x', 0, 2, b'k', b's', 0, 0]);
        let body = error(&CqlError::FunctionFailure {
            message: "f".into(),
            keyspace: "system".into(),
            function: "fromjson".into(),
            arg_types: vec!["text".into()],
        });
        let mut expected = vec![0, 0, 0x14, 0, 0, 1, b'f', 0, 6];
        expected.extend_from_slice(b"system");
        expected.extend_from_slice(&[0, 8]);
        expected.extend_from_slice(b"fromjson");
        expected.extend_from_slice(&[0, 1, 0, 4]);
        expected.extend_from_slice(b"text");
        assert_eq!(&body[..], &expected[..]);
    }

    #[test]
    fn duration_is_a_custom_type_before_v5() {
        let mut w = BodyWriter::new();
        type_option(&mut w, &CqlType::Duration, 4);
        let class = b"org.apache.cassandra.db.marshal.DurationType";
        let mut expected = vec![0, 0, 0, class.len() as u8];
        expected.extend_from_slice(class);
        assert_eq!(&w.finish()[..], &expected[..]);
        let mut w = BodyWriter::new();
        type_option(&mut w, &CqlType::Duration, 5);
        assert_eq!(&w.finish()[..], &[0, 0x15]);
    }
}
