//! Which rows each DESCRIBE form answers, in Cassandra 4.1's order
//! (`DescribeStatement`): listings of `keyspace_name, type, name`, element rows that add
//! `create_statement`, DESCRIBE CLUSTER's `cluster, partitioner, snitch`, and the
//! messages of the elements that are not there.

use super::cql_text::{compare_ignore_case, quote_if_needed};
use super::keyspace_text::{create_keyspace, is_system_keyspace, is_virtual_keyspace};
use super::table_text::{create_index, create_table};
use super::type_text::{create_type, dependency_order};
use super::SchemaView;
use crate::engine::{ColumnSpec, Rows};
use crate::error::{CqlError, CqlResult};
use crate::parse::ast::{Describe, QualifiedName};
use crate::schema::{IndexDef, KeyspaceDef, TableDef, UserTypeDef};
use crate::types::CqlType;
use bytes::Bytes;
use std::sync::Arc;

/// `DescribeStatement.KS` / `CF`: the keyspace and table of every result column.
pub const KS: &str = "system";
pub const CF: &str = "describe";

/// One schema element of a DESCRIBE answer.
#[derive(Clone, Copy)]
enum Element<'a> {
    Keyspace(&'a KeyspaceDef),
    Type(&'a UserTypeDef),
    Table(&'a TableDef),
    Index(&'a TableDef, &'a IndexDef),
}

impl Element<'_> {
    fn keyspace(&self) -> &str {
        match self {
            Element::Keyspace(k) => &k.name,
            Element::Type(t) => &t.keyspace,
            Element::Table(t) | Element::Index(t, _) => &t.keyspace,
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            Element::Keyspace(_) => "keyspace",
            Element::Type(_) => "type",
            Element::Table(_) => "table",
            Element::Index(..) => "index",
        }
    }
    fn name(&self) -> &str {
        match self {
            Element::Keyspace(k) => &k.name,
            Element::Type(t) => &t.name,
            Element::Table(t) => &t.name,
            Element::Index(_, i) => &i.name,
        }
    }
    fn create_statement(&self) -> String {
        match self {
            Element::Keyspace(k) => create_keyspace(k),
            Element::Type(t) => create_type(t),
            Element::Table(t) => create_table(t, is_virtual_keyspace(&t.keyspace)),
            Element::Index(t, i) => create_index(t, i),
        }
    }
    fn list_row(&self) -> Vec<Option<Bytes>> {
        vec![text(&quote_if_needed(self.keyspace())), text(self.kind()), text(&quote_if_needed(self.name()))]
    }
    fn element_row(&self) -> Vec<Option<Bytes>> {
        let mut row = self.list_row();
        row.push(text(&self.create_statement()));
        row
    }
}

fn text(s: &str) -> Option<Bytes> {
    Some(Bytes::copy_from_slice(s.as_bytes()))
}

fn columns(names: &[&str]) -> Vec<ColumnSpec> {
    names
        .iter()
        .map(|n| ColumnSpec { keyspace: KS.into(), table: CF.into(), name: (*n).into(), ty: CqlType::Text })
        .collect()
}

const LIST_COLUMNS: &[&str] = &["keyspace_name", "type", "name"];
const ELEMENT_COLUMNS: &[&str] = &["keyspace_name", "type", "name", "create_statement"];

fn listing(elements: &[Element<'_>]) -> Rows {
    Rows { columns: columns(LIST_COLUMNS), rows: elements.iter().map(Element::list_row).collect(), paging_state: None }
}

fn element_rows(elements: &[Element<'_>]) -> Rows {
    Rows {
        columns: columns(ELEMENT_COLUMNS),
        rows: elements.iter().map(Element::element_row).collect(),
        paging_state: None,
    }
}

/// The keyspace or `'ks' not found in keyspaces` (KeyspaceNotDefinedException).
fn keyspace<'a>(view: &SchemaView<'a>, name: &str) -> CqlResult<&'a KeyspaceDef> {
    view.keyspaces
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| CqlError::invalid(format!("'{name}' not found in keyspaces")))
}

/// The keyspace a qualified name is in: its own, else the session's.
fn keyspace_of<'a>(view: &SchemaView<'a>, name: &'a QualifiedName) -> CqlResult<&'a str> {
    name.keyspace
        .as_deref()
        .or(view.session_keyspace)
        .ok_or_else(|| CqlError::invalid("No keyspace specified and no current keyspace"))
}

fn sorted_keyspaces<'a>(view: &SchemaView<'a>) -> Vec<&'a KeyspaceDef> {
    let mut all: Vec<&KeyspaceDef> = view.keyspaces.iter().collect();
    all.sort_by(|a, b| compare_ignore_case(&a.name, &b.name));
    all
}

fn tables_of<'a>(view: &SchemaView<'a>, ks: &str) -> Vec<&'a TableDef> {
    let mut tables: Vec<&TableDef> = view.tables.iter().map(|t| t.as_ref()).filter(|t| t.keyspace == ks).collect();
    tables.sort_by(|a, b| compare_ignore_case(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));
    tables
}

fn types_of<'a>(view: &SchemaView<'a>, ks: &str) -> Vec<&'a Arc<UserTypeDef>> {
    view.types.iter().filter(|t| t.keyspace == ks).collect()
}

fn table<'a>(view: &SchemaView<'a>, ks: &str, name: &str) -> Option<&'a TableDef> {
    view.tables.iter().map(|t| t.as_ref()).find(|t| t.keyspace == ks && t.name == name)
}

/// The table holding an index of that name (`KeyspaceMetadata.findIndexedTable`).
fn indexed_table<'a>(view: &SchemaView<'a>, ks: &str, index: &str) -> Option<(&'a TableDef, &'a IndexDef)> {
    view.tables
        .iter()
        .filter(|t| t.keyspace == ks)
        .find_map(|t| t.indexes.iter().find(|i| i.name == index).map(|i| (t.as_ref(), i)))
}

/// A table followed by its indexes by name.
fn table_elements<'a>(t: &'a TableDef, out: &mut Vec<Element<'a>>) {
    out.push(Element::Table(t));
    let mut indexes: Vec<&IndexDef> = t.indexes.iter().collect();
    indexes.sort_by(|a, b| compare_ignore_case(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));
    out.extend(indexes.into_iter().map(|i| Element::Index(t, i)));
}

/// The keyspace, its types (dependencies first), then each table with its indexes.
fn keyspace_elements<'a>(view: &SchemaView<'a>, ks: &'a KeyspaceDef, out: &mut Vec<Element<'a>>) {
    out.push(Element::Keyspace(ks));
    out.extend(dependency_order(&types_of(view, &ks.name)).into_iter().map(|t| Element::Type(t.as_ref())));
    for t in tables_of(view, &ks.name) {
        table_elements(t, out);
    }
}

/// `DESCRIBE TABLES` / `TYPES` / `FUNCTIONS` / `AGGREGATES`: the session keyspace's
/// elements, or every keyspace's when there is none.
fn list_per_keyspace<'a>(
    view: &SchemaView<'a>,
    elements_of: impl Fn(&KeyspaceDef) -> Vec<Element<'a>>,
) -> CqlResult<Rows> {
    let keyspaces = match view.session_keyspace {
        Some(ks) => vec![keyspace(view, ks)?],
        None => sorted_keyspaces(view),
    };
    let mut elements = Vec::new();
    for ks in keyspaces {
        let mut of = elements_of(ks);
        of.sort_by(|a, b| compare_ignore_case(a.name(), b.name()));
        elements.extend(of);
    }
    Ok(listing(&elements))
}

fn describe_table<'a>(view: &SchemaView<'a>, ks: &str, name: &str) -> CqlResult<Rows> {
    let ks = keyspace(view, ks)?;
    let t = table(view, &ks.name, name)
        .ok_or_else(|| CqlError::invalid(format!("Table '{name}' not found in keyspace '{}'", ks.name)))?;
    let mut elements = Vec::new();
    table_elements(t, &mut elements);
    Ok(element_rows(&elements))
}

fn describe_index<'a>(view: &SchemaView<'a>, ks: &str, name: &str) -> CqlResult<Rows> {
    let ks = keyspace(view, ks)?;
    let (t, i) = indexed_table(view, &ks.name, name)
        .ok_or_else(|| CqlError::invalid(format!("Table for existing index '{name}' not found in '{}'", ks.name)))?;
    Ok(element_rows(&[Element::Index(t, i)]))
}

fn describe_keyspace<'a>(view: &SchemaView<'a>, ks: &str) -> CqlResult<Rows> {
    let ks = keyspace(view, ks)?;
    let mut elements = Vec::new();
    keyspace_elements(view, ks, &mut elements);
    Ok(element_rows(&elements))
}

/// `DESCRIBE name`: a keyspace, else a table, else an index of the keyspace in use.
fn describe_generic(view: &SchemaView<'_>, name: &QualifiedName) -> CqlResult<Rows> {
    let ks = match &name.keyspace {
        Some(ks) => ks.as_str(),
        None => {
            if view.keyspaces.iter().any(|k| k.name == name.name) {
                return describe_keyspace(view, &name.name);
            }
            view.session_keyspace.unwrap_or(&name.name)
        }
    };
    let ks = keyspace(view, ks)?;
    if table(view, &ks.name, &name.name).is_some() {
        return describe_table(view, &ks.name, &name.name);
    }
    if indexed_table(view, &ks.name, &name.name).is_some() {
        return describe_index(view, &ks.name, &name.name);
    }
    Err(CqlError::invalid(format!("'{}' not found in keyspace '{}'", name.name, ks.name)))
}

/// `cluster, partitioner, snitch`, the class names without Cassandra's packages.
fn describe_cluster(view: &SchemaView<'_>) -> Rows {
    let partitioner = view.partitioner.strip_prefix("org.apache.cassandra.dht.").unwrap_or(view.partitioner);
    let snitch = view.snitch.strip_prefix("org.apache.cassandra.locator.").unwrap_or(view.snitch);
    Rows {
        columns: columns(&["cluster", "partitioner", "snitch"]),
        rows: vec![vec![text(view.cluster_name), text(partitioner), text(snitch)]],
        paging_state: None,
    }
}

/// Runs one DESCRIBE statement over the schema.
pub fn describe(what: &Describe, view: &SchemaView<'_>) -> CqlResult<Rows> {
    match what {
        Describe::Cluster => Ok(describe_cluster(view)),
        Describe::Keyspaces => {
            let elements: Vec<Element<'_>> = sorted_keyspaces(view).into_iter().map(Element::Keyspace).collect();
            Ok(listing(&elements))
        }
        Describe::Keyspace(name) => {
            let ks = name
                .as_deref()
                .or(view.session_keyspace)
                .ok_or_else(|| CqlError::invalid("No keyspace specified and no current keyspace"))?;
            describe_keyspace(view, ks)
        }
        Describe::Tables => {
            list_per_keyspace(view, |ks| tables_of(view, &ks.name).into_iter().map(Element::Table).collect())
        }
        Describe::Types => list_per_keyspace(view, |ks| {
            types_of(view, &ks.name).into_iter().map(|t| Element::Type(t.as_ref())).collect()
        }),
        // Orbit has no user-defined functions or aggregates: the listings are empty.
        Describe::Functions | Describe::Aggregates => list_per_keyspace(view, |_| Vec::new()),
        Describe::Table(name) => describe_table(view, keyspace_of(view, name)?, &name.name),
        Describe::Index(name) => describe_index(view, keyspace_of(view, name)?, &name.name),
        Describe::Type(name) => {
            let ks = keyspace(view, keyspace_of(view, name)?)?;
            let t = view.types.iter().find(|t| t.keyspace == ks.name && t.name == name.name).ok_or_else(|| {
                CqlError::invalid(format!("User defined type '{}' not found in '{}'", name.name, ks.name))
            })?;
            Ok(element_rows(&[Element::Type(t)]))
        }
        Describe::Schema { full } => {
            let mut elements = Vec::new();
            for ks in sorted_keyspaces(view).into_iter().filter(|k| *full || !is_system_keyspace(&k.name)) {
                keyspace_elements(view, ks, &mut elements);
            }
            Ok(element_rows(&elements))
        }
        Describe::Name(name) => describe_generic(view, name),
    }
}
