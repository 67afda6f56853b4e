//! The rows of system_schema (and system_virtual_schema) for a set of keyspace, table and
//! type definitions, with the values Cassandra 4.1 writes (SchemaKeyspace
//! addTableToSchemaMutation / addTableParamsToRowBuilder / addColumnToSchemaMutation):
//! every table has the `compound` flag, table params take TableParams' defaults unless
//! the table was created WITH them, regular and static columns have position -1 and
//! clustering order `none`.

use super::SystemRow;
// TableParams' defaults live once, with DESCRIBE's rendering of them.
use crate::describe::params as defaults;
use crate::model::CqlValue;
use crate::schema::{ClusteringOrder, ColumnKind, IndexTarget, KeyspaceDef, TableDef, UserTypeDef};
use std::collections::BTreeMap;
use std::sync::Arc;

fn text(s: &str) -> CqlValue {
    CqlValue::Text(s.to_string())
}

fn text_map(entries: &[(&str, &str)]) -> CqlValue {
    CqlValue::map(entries.iter().map(|(k, v)| (text(k), text(v))).collect())
}

/// A map option as CREATE TABLE stored it (`{'k': 'v', ...}`), back as pairs.
fn parse_map(literal: &str) -> Option<Vec<(String, String)>> {
    let inner = literal.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut strings = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    s.push('\'');
                }
                '\'' => break,
                other => s.push(other),
            }
        }
        strings.push(s);
    }
    if strings.len() % 2 != 0 {
        return None;
    }
    Some(strings.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect())
}

fn unquote(literal: &str) -> String {
    let t = literal.trim();
    match t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => t.to_string(),
    }
}

fn option_map(options: &BTreeMap<String, String>, name: &str, default: &[(&str, &str)]) -> CqlValue {
    match options.get(name).and_then(|v| parse_map(v)) {
        Some(pairs) => CqlValue::map(pairs.into_iter().map(|(k, v)| (CqlValue::Text(k), CqlValue::Text(v))).collect()),
        None => text_map(default),
    }
}

fn option_f64(options: &BTreeMap<String, String>, name: &str, default: f64) -> CqlValue {
    CqlValue::Double(options.get(name).and_then(|v| v.trim().parse().ok()).unwrap_or(default))
}

fn option_i32(options: &BTreeMap<String, String>, name: &str, default: i32) -> CqlValue {
    CqlValue::Int(options.get(name).and_then(|v| v.trim().parse().ok()).unwrap_or(default))
}

fn option_text(options: &BTreeMap<String, String>, name: &str, default: &str) -> CqlValue {
    CqlValue::Text(options.get(name).map_or(default.to_string(), |v| unquote(v)))
}

fn table_row(t: &TableDef) -> SystemRow {
    let o = &t.options;
    SystemRow {
        keyspace: "system_schema",
        table: "tables",
        cells: vec![
            ("keyspace_name", text(&t.keyspace)),
            ("table_name", text(&t.name)),
            (
                "bloom_filter_fp_chance",
                option_f64(o, "bloom_filter_fp_chance", defaults::DEFAULT_BLOOM_FILTER_FP_CHANCE),
            ),
            ("caching", option_map(o, "caching", &[("keys", "ALL"), ("rows_per_partition", "NONE")])),
            ("comment", option_text(o, "comment", "")),
            (
                "compaction",
                option_map(
                    o,
                    "compaction",
                    &[("class", defaults::STCS), ("max_threshold", "32"), ("min_threshold", "4")],
                ),
            ),
            ("compression", option_map(o, "compression", &[("chunk_length_in_kb", "16"), ("class", defaults::LZ4)])),
            ("crc_check_chance", option_f64(o, "crc_check_chance", defaults::DEFAULT_CRC_CHECK_CHANCE)),
            ("dclocal_read_repair_chance", CqlValue::Double(0.0)),
            ("default_time_to_live", CqlValue::Int(i32::try_from(t.default_ttl).unwrap_or(i32::MAX))),
            ("extensions", CqlValue::Map(Vec::new())),
            ("flags", CqlValue::set(vec![text("compound")])),
            ("gc_grace_seconds", option_i32(o, "gc_grace_seconds", defaults::DEFAULT_GC_GRACE_SECONDS as i32)),
            ("id", CqlValue::Uuid(t.id)),
            ("max_index_interval", option_i32(o, "max_index_interval", defaults::DEFAULT_MAX_INDEX_INTERVAL as i32)),
            (
                "memtable_flush_period_in_ms",
                option_i32(o, "memtable_flush_period_in_ms", defaults::DEFAULT_MEMTABLE_FLUSH_PERIOD_IN_MS as i32),
            ),
            ("min_index_interval", option_i32(o, "min_index_interval", defaults::DEFAULT_MIN_INDEX_INTERVAL as i32)),
            ("read_repair_chance", CqlValue::Double(0.0)),
            ("speculative_retry", option_text(o, "speculative_retry", defaults::DEFAULT_SPECULATIVE_RETRY)),
            ("additional_write_policy", option_text(o, "additional_write_policy", defaults::DEFAULT_SPECULATIVE_RETRY)),
            ("read_repair", option_text(o, "read_repair", defaults::DEFAULT_READ_REPAIR)),
        ],
    }
}

fn column_rows(t: &TableDef, keyspace: &'static str) -> Vec<SystemRow> {
    t.columns
        .iter()
        .map(|c| {
            let keyed = matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering);
            let order = match (c.kind, c.order) {
                (ColumnKind::Clustering, ClusteringOrder::Asc) => "asc",
                (ColumnKind::Clustering, ClusteringOrder::Desc) => "desc",
                _ => "none",
            };
            SystemRow {
                keyspace,
                table: "columns",
                cells: vec![
                    ("keyspace_name", text(&t.keyspace)),
                    ("table_name", text(&t.name)),
                    ("column_name", text(&c.name)),
                    ("clustering_order", text(order)),
                    ("column_name_bytes", CqlValue::Blob(c.name.as_bytes().to_vec())),
                    ("kind", text(c.kind.as_str())),
                    ("position", CqlValue::Int(if keyed { c.position as i32 } else { -1 })),
                    ("type", text(&c.ty.to_string())),
                ],
            }
        })
        .collect()
}

fn index_rows(t: &TableDef) -> Vec<SystemRow> {
    t.indexes
        .iter()
        .flat_map(|i| {
            let is_collection = t.column(&i.column).is_some_and(|c| c.ty.is_collection() && c.ty.is_multi_cell());
            let target = match i.target {
                IndexTarget::Values if is_collection => format!("values({})", i.column),
                IndexTarget::Values => i.column.clone(),
                IndexTarget::Keys => format!("keys({})", i.column),
                IndexTarget::Entries => format!("entries({})", i.column),
                IndexTarget::Full => format!("full({})", i.column),
            };
            let definition = SystemRow {
                keyspace: "system_schema",
                table: "indexes",
                cells: vec![
                    ("keyspace_name", text(&t.keyspace)),
                    ("table_name", text(&t.name)),
                    ("index_name", text(&i.name)),
                    ("kind", text("COMPOSITES")),
                    ("options", text_map(&[("target", &target)])),
                ],
            };
            let built = SystemRow {
                keyspace: "system",
                table: "IndexInfo",
                cells: vec![("table_name", text(&t.keyspace)), ("index_name", text(&i.name))],
            };
            [definition, built]
        })
        .collect()
}

/// Rows of system_schema.{keyspaces, tables, columns, indexes, types} for these
/// definitions, and of system_virtual_schema for tables in that keyspace.
pub fn schema_rows(keyspaces: &[KeyspaceDef], tables: &[Arc<TableDef>], types: &[Arc<UserTypeDef>]) -> Vec<SystemRow> {
    let mut rows = Vec::new();
    for ks in keyspaces.iter().filter(|k| k.name != super::VIRTUAL_SCHEMA) {
        let replication = ks.replication.as_map();
        rows.push(SystemRow {
            keyspace: "system_schema",
            table: "keyspaces",
            cells: vec![
                ("keyspace_name", text(&ks.name)),
                ("durable_writes", CqlValue::Boolean(ks.durable_writes)),
                (
                    "replication",
                    CqlValue::map(
                        replication.into_iter().map(|(k, v)| (CqlValue::Text(k), CqlValue::Text(v))).collect(),
                    ),
                ),
            ],
        });
    }
    rows.push(SystemRow {
        keyspace: super::VIRTUAL_SCHEMA,
        table: "keyspaces",
        cells: vec![("keyspace_name", text(super::VIRTUAL_SCHEMA))],
    });
    for t in tables {
        if t.keyspace == super::VIRTUAL_SCHEMA {
            rows.push(SystemRow {
                keyspace: super::VIRTUAL_SCHEMA,
                table: "tables",
                cells: vec![
                    ("keyspace_name", text(&t.keyspace)),
                    ("table_name", text(&t.name)),
                    ("comment", text(&format!("virtual {} definitions", t.name.trim_end_matches('s')))),
                ],
            });
            rows.extend(column_rows(t, super::VIRTUAL_SCHEMA));
            continue;
        }
        rows.push(table_row(t));
        rows.extend(column_rows(t, "system_schema"));
        rows.extend(index_rows(t));
    }
    for u in types {
        rows.push(SystemRow {
            keyspace: "system_schema",
            table: "types",
            cells: vec![
                ("keyspace_name", text(&u.keyspace)),
                ("type_name", text(&u.name)),
                ("field_names", CqlValue::List(u.fields.iter().map(|(n, _)| text(n)).collect())),
                ("field_types", CqlValue::List(u.fields.iter().map(|(_, t)| text(&t.to_string())).collect())),
            ],
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_map_options_parse_back() {
        assert_eq!(
            parse_map("{'class': 'LeveledCompactionStrategy', 'x': 'it''s'}"),
            Some(vec![("class".into(), "LeveledCompactionStrategy".into()), ("x".into(), "it's".into())])
        );
        assert_eq!(unquote("'a ''b'''"), "a 'b'");
    }
}
