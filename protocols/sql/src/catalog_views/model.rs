//! The catalog as PostgreSQL's system catalogs describe it: namespaces, relations
//! (tables, views, indexes, sequences), columns, constraints and defaults, each with a
//! stable OID, built from the engine's [`CatalogState`] whenever a query names a
//! catalog relation (so it can never go stale).
//!
//! OIDs: PostgreSQL's fixed ones for built-in objects (pg_catalog 11, public 2200, the
//! bootstrap role 10, type OIDs from [`SqlType::oid`]); a table's OID is
//! `16384 + 1024 * storage id`, and its indexes, sequences and constraints take the
//! OIDs just above it; views, schemas and databases (which have no storage id) take an
//! FNV hash of their name in a range of their own.

use crate::catalog::{CatalogState, TableInfo, ROWID};
use crate::format::format_text;
use crate::types::SqlType;
use orbit_storage::{ColumnDefault, DataType, Value};
use std::sync::Arc;

pub const PG_CATALOG_OID: i64 = 11;
pub const PUBLIC_OID: i64 = 2200;
pub const INFORMATION_SCHEMA_OID: i64 = 13183;
pub const BOOTSTRAP_ROLE_OID: i64 = 10;
pub const HEAP_AM: i64 = 2;
pub const BTREE_AM: i64 = 403;
/// Marks an index created for a UNIQUE constraint (table option key prefix).
pub const OPT_UNIQUE_CONSTRAINT_PREFIX: &str = "orbit.unique_constraint.";
/// The DEFAULT expression of a column as written (table option key prefix).
pub const OPT_DEFAULT_TEXT_PREFIX: &str = "orbit.default_text.";

fn fnv(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

pub fn database_oid(name: &str) -> i64 {
    match name {
        "template1" => 1,
        "template0" => 4,
        "postgres" => 5,
        n => 0x2000_0000 + (fnv(n) % 0x0800_0000) as i64,
    }
}

pub fn schema_oid(db: &str, name: &str) -> i64 {
    match name {
        "pg_catalog" => PG_CATALOG_OID,
        "public" => PUBLIC_OID,
        "information_schema" => INFORMATION_SCHEMA_OID,
        n => 0x3000_0000 + (fnv(&format!("{db}.{n}")) % 0x0800_0000) as i64,
    }
}

fn view_oid(qualified: &str) -> i64 {
    0x4000_0000 + (fnv(qualified) % 0x1000_0000) as i64
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub num: i64,
    pub ty: SqlType,
    pub typmod: i64,
    pub not_null: bool,
    /// pg_get_expr text of the default.
    pub default: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IndexObj {
    pub oid: i64,
    pub name: String,
    pub columns: Vec<String>,
    pub attnums: Vec<i64>,
    pub unique: bool,
    pub primary: bool,
    /// Backs a PRIMARY KEY or UNIQUE constraint.
    pub constraint: bool,
}

#[derive(Debug, Clone)]
pub struct ConObj {
    pub oid: i64,
    pub name: String,
    /// 'p', 'u' or 'c'.
    pub kind: char,
    pub index_oid: i64,
    pub attnums: Vec<i64>,
    pub def: String,
}

/// A relation: relkind 'r' (table), 'v' (view), 'i' (index) or 'S' (sequence).
#[derive(Debug, Clone)]
pub struct RelObj {
    pub oid: i64,
    pub name: String,
    pub schema: String,
    pub nsp_oid: i64,
    pub kind: char,
    pub attrs: Vec<Attr>,
    pub indexes: Vec<IndexObj>,
    pub constraints: Vec<ConObj>,
    /// For an index: the table's OID; for a sequence: the owning table's OID.
    pub parent: i64,
    /// View definition (pg_get_viewdef).
    pub view_sql: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub db: String,
    pub databases: Vec<String>,
    /// (oid, name) of the schemas of the current database, pg_catalog and
    /// information_schema included.
    pub schemas: Vec<(i64, String)>,
    /// Tables and views first, then indexes and sequences.
    pub relations: Vec<RelObj>,
    /// The schema unqualified names resolve to.
    pub search_schema: String,
    /// Extensions of the current database: (name, version).
    pub extensions: Vec<(String, String)>,
}

impl Model {
    pub fn relation(&self, oid: i64) -> Option<&RelObj> {
        self.relations.iter().find(|r| r.oid == oid)
    }
    pub fn visible(&self, r: &RelObj) -> bool {
        r.schema == self.search_schema || r.schema == "pg_catalog"
    }
    /// The name `oid::regclass` prints: qualified unless visible.
    pub fn regclass_name(&self, r: &RelObj) -> String {
        if self.visible(r) {
            quote_ident(&r.name)
        } else {
            format!("{}.{}", quote_ident(&r.schema), quote_ident(&r.name))
        }
    }
}

/// PostgreSQL's quote_ident: quotes unless the name is a plain lower-case identifier.
pub fn quote_ident(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_reserved(s);
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

fn is_reserved(s: &str) -> bool {
    matches!(
        s,
        "all"
            | "and"
            | "any"
            | "array"
            | "as"
            | "asc"
            | "case"
            | "cast"
            | "check"
            | "column"
            | "constraint"
            | "create"
            | "default"
            | "desc"
            | "distinct"
            | "do"
            | "else"
            | "end"
            | "false"
            | "for"
            | "foreign"
            | "from"
            | "grant"
            | "group"
            | "having"
            | "in"
            | "into"
            | "limit"
            | "not"
            | "null"
            | "offset"
            | "on"
            | "or"
            | "order"
            | "primary"
            | "references"
            | "select"
            | "table"
            | "then"
            | "to"
            | "true"
            | "union"
            | "unique"
            | "user"
            | "using"
            | "when"
            | "where"
            | "with"
    )
}

/// atttypmod of a stored column type (-1 when none).
pub fn typmod_of(dt: &DataType) -> i64 {
    match dt {
        DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => *n as i64 + 4,
        DataType::Decimal { precision: Some(p), scale } => (((*p as i64) << 16) | scale.unwrap_or(0) as i64) + 4,
        _ => -1,
    }
}

/// The literal text of a constant default as pg_get_expr prints it.
fn constant_text(v: &Value, ty: &SqlType) -> String {
    let Some(text) = format_text(v, ty) else { return "NULL".into() };
    let cast = |name: &str| format!("'{}'::{name}", text.replace('\'', "''"));
    match (v, ty) {
        (Value::Bool(b), _) => if *b { "true" } else { "false" }.into(),
        (Value::Int(_) | Value::Float(_) | Value::Decimal(_), t) if !text.starts_with('-') => {
            let _ = t;
            text
        }
        (_, SqlType::Bpchar) => cast("bpchar"),
        (_, t) => cast(&t.name()),
    }
}

fn default_text(t: &TableInfo, col: &str, ty: &SqlType, d: &ColumnDefault, search_schema: &str) -> String {
    match d {
        ColumnDefault::Value(v @ (Value::Int(_) | Value::Decimal(_) | Value::Float(_))) => {
            match t.schema.options.get(&format!("{OPT_DEFAULT_TEXT_PREFIX}{col}")).map(|w| w.replace(' ', "")) {
                // A numeric literal keeps its own type under the implicit cast to the column's.
                Some(written) if written.parse::<f64>().is_ok() => match written.strip_prefix('-') {
                    None => written,
                    Some(_) => {
                        let ty = match written.parse::<i64>() {
                            Ok(i) if i32::try_from(i).is_ok() => "integer",
                            Ok(_) => "bigint",
                            Err(_) => "numeric",
                        };
                        format!("'{written}'::{ty}")
                    }
                },
                _ => constant_text(v, ty),
            }
        }
        ColumnDefault::Value(v) => constant_text(v, ty),
        ColumnDefault::Expression(e) => {
            if e == &format!("nextval('{}.{col}_seq')", t.storage_name) {
                let seq = format!("{}_{col}_seq", t.name);
                let schema = schema_of(&t.storage_name);
                let name = if schema == search_schema { seq } else { format!("{schema}.{seq}") };
                format!("nextval('{name}'::regclass)")
            } else {
                e.clone()
            }
        }
    }
}

fn schema_of(storage_name: &str) -> &str {
    storage_name.split('.').nth(1).unwrap_or("public")
}

/// Builds the model of database `db` (unqualified names resolving in `search_schema`).
pub fn build(
    cat: &CatalogState,
    db: &str,
    search_schema: &str,
    view_columns: &dyn Fn(&str) -> Vec<(String, SqlType)>,
) -> Model {
    let mut m = Model { db: db.to_string(), search_schema: search_schema.to_string(), ..Default::default() };
    m.databases = cat.databases.iter().cloned().collect();
    let db_prefix = format!("{db}.");
    m.extensions = cat
        .extensions
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(&db_prefix).map(|name| (name.to_string(), v.clone())))
        .collect();
    m.schemas.push((PG_CATALOG_OID, "pg_catalog".into()));
    m.schemas.push((INFORMATION_SCHEMA_OID, "information_schema".into()));
    let prefix = format!("{db}.");
    for s in &cat.schemas {
        if let Some(name) = s.strip_prefix(&prefix) {
            m.schemas.push((schema_oid(db, name), name.to_string()));
        }
    }
    let mut tables: Vec<&Arc<TableInfo>> =
        cat.tables.values().filter(|t| t.storage_name.starts_with(&prefix)).collect();
    tables.sort_by_key(|t| t.schema.id);
    let mut extra = Vec::new();
    for t in tables {
        let schema = schema_of(&t.storage_name).to_string();
        let nsp_oid = schema_oid(db, &schema);
        let oid = 16384 + 1024 * t.schema.id as i64;
        let mut attrs = Vec::new();
        let column_types = t.column_types();
        for (position, c) in t.schema.columns().enumerate() {
            if c.name == ROWID && t.hidden.is_some() {
                continue;
            }
            let ty = column_types.get(position).cloned().unwrap_or_else(|| SqlType::from_data_type(&c.data_type));
            let default = c.default.as_ref().map(|d| default_text(t, &c.name, &ty, d, search_schema));
            if let Some(ColumnDefault::Expression(e)) = &c.default {
                if e == &format!("nextval('{}.{}_seq')", t.storage_name, c.name) {
                    extra.push(RelObj {
                        oid: oid + 400 + attrs.len() as i64,
                        name: format!("{}_{}_seq", t.name, c.name),
                        schema: schema.clone(),
                        nsp_oid,
                        kind: 'S',
                        attrs: Vec::new(),
                        indexes: Vec::new(),
                        constraints: Vec::new(),
                        parent: oid,
                        view_sql: None,
                    });
                }
            }
            attrs.push(Attr {
                name: c.name.clone(),
                num: attrs.len() as i64 + 1,
                typmod: typmod_of(&c.data_type),
                ty,
                not_null: !c.nullable,
                default,
            });
        }
        let attnum = |n: &str| attrs.iter().find(|a| a.name == n).map(|a| a.num).unwrap_or(0);
        let mut indexes = Vec::new();
        let mut constraints = Vec::new();
        if t.hidden.is_none() {
            let cols: Vec<String> = t.schema.primary_key_names().iter().map(|s| s.to_string()).collect();
            let ix = IndexObj {
                oid: oid + 1,
                name: t
                    .schema
                    .options
                    .get(crate::catalog::OPT_PKEY_NAME)
                    .cloned()
                    .unwrap_or_else(|| format!("{}_pkey", t.name)),
                attnums: cols.iter().map(|c| attnum(c)).collect(),
                columns: cols,
                unique: true,
                primary: true,
                constraint: true,
            };
            constraints.push(ConObj {
                oid: oid + 700,
                name: ix.name.clone(),
                kind: 'p',
                index_oid: ix.oid,
                attnums: ix.attnums.clone(),
                def: format!(
                    "PRIMARY KEY ({})",
                    ix.columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
                ),
            });
            indexes.push(ix);
        }
        for i in &t.schema.indexes {
            let cols: Vec<String> = t.schema.index_column_names(i).iter().map(|s| s.to_string()).collect();
            let marked = t.schema.options.contains_key(&format!("{OPT_UNIQUE_CONSTRAINT_PREFIX}{}", i.name));
            let legacy = i.unique && i.name == format!("{}_{}_key", t.name, cols.join("_"));
            let ix = IndexObj {
                oid: oid + 1 + (i.id as i64 % 390),
                name: i.name.clone(),
                attnums: cols.iter().map(|c| attnum(c)).collect(),
                columns: cols,
                unique: i.unique,
                primary: false,
                constraint: i.unique && (marked || legacy),
            };
            if ix.constraint {
                constraints.push(ConObj {
                    oid: oid + 701 + (i.id as i64 % 300),
                    name: ix.name.clone(),
                    kind: 'u',
                    index_oid: ix.oid,
                    attnums: ix.attnums.clone(),
                    def: format!(
                        "UNIQUE ({})",
                        ix.columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            indexes.push(ix);
        }
        let mut checks = t.checks.clone();
        checks.sort();
        for (k, (name, sql)) in checks.iter().enumerate() {
            let attnums = attrs.iter().filter(|a| sql.contains(a.name.as_str())).map(|a| a.num).collect();
            constraints.push(ConObj {
                oid: oid + 600 + k as i64,
                name: name.clone(),
                kind: 'c',
                index_oid: 0,
                attnums,
                def: format!("CHECK ({sql})"),
            });
        }
        for ix in &indexes {
            extra.push(RelObj {
                oid: ix.oid,
                name: ix.name.clone(),
                schema: schema.clone(),
                nsp_oid,
                kind: 'i',
                attrs: ix
                    .attnums
                    .iter()
                    .enumerate()
                    .filter_map(|(k, n)| {
                        attrs.iter().find(|a| a.num == *n).map(|a| Attr {
                            num: k as i64 + 1,
                            default: None,
                            ..a.clone()
                        })
                    })
                    .collect(),
                indexes: Vec::new(),
                constraints: Vec::new(),
                parent: oid,
                view_sql: None,
            });
        }
        m.relations.push(RelObj {
            oid,
            name: t.name.clone(),
            schema,
            nsp_oid,
            kind: 'r',
            attrs,
            indexes,
            constraints,
            parent: 0,
            view_sql: None,
        });
    }
    let mut views: Vec<(&String, &crate::catalog::ViewDef)> =
        cat.views.iter().filter(|(k, _)| k.starts_with(&prefix)).collect();
    views.sort_by_key(|(k, _)| k.as_str());
    for (q, v) in views {
        let schema = schema_of(q).to_string();
        let name = q.rsplit('.').next().unwrap_or(q).to_string();
        let attrs = view_columns(q)
            .into_iter()
            .enumerate()
            .map(|(i, (n, ty))| Attr { name: n, num: i as i64 + 1, ty, typmod: -1, not_null: false, default: None })
            .collect();
        m.relations.push(RelObj {
            oid: view_oid(q),
            name,
            nsp_oid: schema_oid(db, &schema),
            schema,
            kind: 'v',
            attrs,
            indexes: Vec::new(),
            constraints: Vec::new(),
            parent: 0,
            view_sql: Some(v.sql.clone()),
        });
    }
    m.relations.extend(extra);
    m
}
