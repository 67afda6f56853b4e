//! CREATE TABLE and CREATE INDEX text: `TableMetadata.appendCqlTo` and
//! `IndexMetadata.appendCqlTo` of Cassandra 4.1. Columns in create order — partition
//! key, clustering, then static and regular columns, each group simple columns before
//! multi-cell ones and by name bytes — `PRIMARY KEY` inline for a single-column key,
//! `CLUSTERING ORDER BY` for every clustering column, then the table options indented
//! by four spaces after `AND`. Tables of a virtual keyspace print inside a `/* ... */`
//! warning as `VIRTUAL TABLE` with only their comment.

use super::cql_text::{is_complex, qualified, quote_if_needed, type_text};
use super::params::{table_options, virtual_table_options};
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, IndexDef, IndexTarget, TableDef};
use std::cmp::Ordering;

/// `ColumnMetadata.compareTo` within one kind: simple before complex, then the name's
/// first six bytes (top bit flipped, as `prefixComparison >>> 16` does), then all of it.
fn column_order(a: &ColumnDef, b: &ColumnDef) -> Ordering {
    fn prefix(name: &str) -> u64 {
        let mut p: u64 = 0;
        let bytes = name.as_bytes();
        for i in 0..8 {
            p = (p << 8) | u64::from(bytes.get(i).copied().unwrap_or(0));
        }
        p
    }
    let flipped = |n: &str| (prefix(n) ^ (1u64 << 63)) >> 16;
    is_complex(&a.ty)
        .cmp(&is_complex(&b.ty))
        .then_with(|| a.position.cmp(&b.position))
        .then_with(|| flipped(&a.name).cmp(&flipped(&b.name)))
        .then_with(|| prefix(&a.name).cmp(&prefix(&b.name)))
        .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
}

/// `allColumnsInCreateOrder`.
pub fn columns_in_create_order(def: &TableDef) -> Vec<&ColumnDef> {
    let mut pk: Vec<&ColumnDef> = def.partition_key().collect();
    pk.sort_by_key(|c| c.position);
    let mut ck: Vec<&ColumnDef> = def.clustering().collect();
    ck.sort_by_key(|c| c.position);
    let mut statics: Vec<&ColumnDef> = def.columns.iter().filter(|c| c.kind == ColumnKind::Static).collect();
    statics.sort_by(|a, b| column_order(a, b));
    let mut regulars: Vec<&ColumnDef> = def.columns.iter().filter(|c| c.kind == ColumnKind::Regular).collect();
    regulars.sort_by(|a, b| column_order(a, b));
    pk.into_iter().chain(ck).chain(statics).chain(regulars).collect()
}

/// `CREATE TABLE ks.t (...) WITH ...;` — `is_virtual` for the tables of a virtual keyspace.
pub fn create_table(def: &TableDef, is_virtual: bool) -> String {
    let name = qualified(&def.keyspace, &def.name);
    let mut out = String::new();
    if is_virtual {
        out.push_str(&format!(
            "/*\nWarning: Table {name} is a virtual table and cannot be recreated with CQL.\nStructure, for reference:\n"
        ));
        out.push_str("VIRTUAL");
    } else {
        out.push_str("CREATE");
    }
    out.push_str(" TABLE ");
    out.push_str(&name);
    out.push_str(" (\n");

    let mut pk: Vec<&ColumnDef> = def.partition_key().collect();
    pk.sort_by_key(|c| c.position);
    let mut ck: Vec<&ColumnDef> = def.clustering().collect();
    ck.sort_by_key(|c| c.position);
    let single_column_key = pk.len() == 1 && ck.is_empty();

    let columns = columns_in_create_order(def);
    for (i, c) in columns.iter().enumerate() {
        out.push_str("    ");
        out.push_str(&quote_if_needed(&c.name));
        out.push(' ');
        out.push_str(&type_text(&c.ty));
        if c.kind == ColumnKind::Static {
            out.push_str(" static");
        }
        if single_column_key && c.kind == ColumnKind::PartitionKey {
            out.push_str(" PRIMARY KEY");
        }
        if !single_column_key || i + 1 < columns.len() {
            out.push(',');
        }
        out.push('\n');
    }
    if !single_column_key {
        let names = |cols: &[&ColumnDef]| cols.iter().map(|c| quote_if_needed(&c.name)).collect::<Vec<_>>().join(", ");
        out.push_str("    PRIMARY KEY (");
        if pk.len() > 1 {
            out.push('(');
            out.push_str(&names(&pk));
            out.push(')');
        } else if let Some(first) = pk.first() {
            out.push_str(&quote_if_needed(&first.name));
        }
        if !ck.is_empty() {
            out.push_str(", ");
            out.push_str(&names(&ck));
        }
        out.push_str(")\n");
    }
    out.push_str(") WITH ");

    let mut clauses = Vec::new();
    if !ck.is_empty() {
        let orders: Vec<String> = ck
            .iter()
            .map(|c| {
                let order = match c.order {
                    ClusteringOrder::Asc => "ASC",
                    ClusteringOrder::Desc => "DESC",
                };
                format!("{} {order}", quote_if_needed(&c.name))
            })
            .collect();
        clauses.push(format!("CLUSTERING ORDER BY ({})", orders.join(", ")));
    }
    if is_virtual {
        clauses.push(virtual_table_options(def));
    } else {
        clauses.extend(table_options(def));
    }
    out.push_str(&clauses.join("\n    AND "));
    out.push(';');
    if is_virtual {
        out.push_str("\n*/");
    }
    out
}

/// The index target as `IndexTarget.asCqlString` prints it: the bare column for a
/// plain column, `values(c)` / `keys(c)` / `entries(c)` / `full(c)` for collections.
fn index_target(table: &TableDef, index: &IndexDef) -> String {
    let column = quote_if_needed(&index.column);
    let is_collection = table.column(&index.column).map(|c| c.ty.is_collection()).unwrap_or(false);
    match index.target {
        IndexTarget::Values if is_collection => format!("values({column})"),
        IndexTarget::Values => column,
        IndexTarget::Keys => format!("keys({column})"),
        IndexTarget::Entries => format!("entries({column})"),
        IndexTarget::Full => format!("full({column})"),
    }
}

/// `CREATE INDEX name ON ks.t (target);`
pub fn create_index(table: &TableDef, index: &IndexDef) -> String {
    format!(
        "CREATE INDEX {} ON {} ({});",
        quote_if_needed(&index.name),
        qualified(&table.keyspace, &table.name),
        index_target(table, index)
    )
}
