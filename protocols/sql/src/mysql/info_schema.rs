//! information_schema as a MySQL 8 server shows it: upper-case relation and column
//! names (matched case-insensitively), TABLE_CATALOG 'def', one TABLE_SCHEMA per MySQL
//! database, MySQL type names ([`super::describe`]). The rows are computed from the
//! engine's in-memory catalog when a query names the relation, as a VALUES plan, like
//! PostgreSQL's views in [`crate::catalog_views`] (the binder asks through
//! [`crate::catalog_views::SystemCatalog`]).
//!
//! performance_schema has `session_variables` and `global_variables` (VARIABLE_NAME,
//! VARIABLE_VALUE); the other system databases (mysql, sys) exist but hold no tables.

use super::describe::{self, MyColumn};
use super::show::{CHARSETS, COLLATIONS};
use crate::catalog::CatalogState;
use crate::plan::bind::Bound;
use crate::types::SqlType;
use orbit_storage::Value;

/// The relations of information_schema (SHOW TABLES FROM information_schema).
pub const TABLES: &[&str] = &[
    "CHARACTER_SETS",
    "CHECK_CONSTRAINTS",
    "COLLATIONS",
    "COLUMNS",
    "ENGINES",
    "KEY_COLUMN_USAGE",
    "REFERENTIAL_CONSTRAINTS",
    "ROUTINES",
    "SCHEMATA",
    "STATISTICS",
    "TABLES",
    "TABLE_CONSTRAINTS",
    "TRIGGERS",
    "VIEWS",
];

const I: SqlType = SqlType::Int8;
const T: SqlType = SqlType::Text;

fn columns(name: &str) -> Option<Vec<(&'static str, SqlType)>> {
    let c = |v: &[(&'static str, SqlType)]| Some(v.to_vec());
    match name {
        "SCHEMATA" => c(&[
            ("CATALOG_NAME", T),
            ("SCHEMA_NAME", T),
            ("DEFAULT_CHARACTER_SET_NAME", T),
            ("DEFAULT_COLLATION_NAME", T),
            ("SQL_PATH", T),
            ("DEFAULT_ENCRYPTION", T),
        ]),
        "TABLES" => c(&[
            ("TABLE_CATALOG", T), ("TABLE_SCHEMA", T), ("TABLE_NAME", T), ("TABLE_TYPE", T), ("ENGINE", T),
            ("VERSION", I), ("ROW_FORMAT", T), ("TABLE_ROWS", I), ("AVG_ROW_LENGTH", I), ("DATA_LENGTH", I),
            ("MAX_DATA_LENGTH", I), ("INDEX_LENGTH", I), ("DATA_FREE", I), ("AUTO_INCREMENT", I),
            ("CREATE_TIME", T), ("UPDATE_TIME", T), ("CHECK_TIME", T), ("TABLE_COLLATION", T), ("CHECKSUM", I),
            ("CREATE_OPTIONS", T), ("TABLE_COMMENT", T),
        ]),
        "COLUMNS" => c(&[
            ("TABLE_CATALOG", T), ("TABLE_SCHEMA", T), ("TABLE_NAME", T), ("COLUMN_NAME", T), ("ORDINAL_POSITION", I),
            ("COLUMN_DEFAULT", T), ("IS_NULLABLE", T), ("DATA_TYPE", T), ("CHARACTER_MAXIMUM_LENGTH", I),
            ("CHARACTER_OCTET_LENGTH", I), ("NUMERIC_PRECISION", I), ("NUMERIC_SCALE", I), ("DATETIME_PRECISION", I),
            ("CHARACTER_SET_NAME", T), ("COLLATION_NAME", T), ("COLUMN_TYPE", T), ("COLUMN_KEY", T), ("EXTRA", T),
            ("PRIVILEGES", T), ("COLUMN_COMMENT", T), ("GENERATION_EXPRESSION", T), ("SRS_ID", I),
        ]),
        "STATISTICS" => c(&[
            ("TABLE_CATALOG", T), ("TABLE_SCHEMA", T), ("TABLE_NAME", T), ("NON_UNIQUE", I), ("INDEX_SCHEMA", T),
            ("INDEX_NAME", T), ("SEQ_IN_INDEX", I), ("COLUMN_NAME", T), ("COLLATION", T), ("CARDINALITY", I),
            ("SUB_PART", I), ("PACKED", T), ("NULLABLE", T), ("INDEX_TYPE", T), ("COMMENT", T), ("INDEX_COMMENT", T),
            ("IS_VISIBLE", T), ("EXPRESSION", T),
        ]),
        "KEY_COLUMN_USAGE" => c(&[
            ("CONSTRAINT_CATALOG", T), ("CONSTRAINT_SCHEMA", T), ("CONSTRAINT_NAME", T), ("TABLE_CATALOG", T),
            ("TABLE_SCHEMA", T), ("TABLE_NAME", T), ("COLUMN_NAME", T), ("ORDINAL_POSITION", I),
            ("POSITION_IN_UNIQUE_CONSTRAINT", I), ("REFERENCED_TABLE_SCHEMA", T), ("REFERENCED_TABLE_NAME", T),
            ("REFERENCED_COLUMN_NAME", T),
        ]),
        "TABLE_CONSTRAINTS" => c(&[
            ("CONSTRAINT_CATALOG", T), ("CONSTRAINT_SCHEMA", T), ("CONSTRAINT_NAME", T), ("TABLE_SCHEMA", T),
            ("TABLE_NAME", T), ("CONSTRAINT_TYPE", T), ("ENFORCED", T),
        ]),
        "CHECK_CONSTRAINTS" => c(&[("CONSTRAINT_CATALOG", T), ("CONSTRAINT_SCHEMA", T), ("CONSTRAINT_NAME", T), ("CHECK_CLAUSE", T)]),
        "REFERENTIAL_CONSTRAINTS" => c(&[
            ("CONSTRAINT_CATALOG", T), ("CONSTRAINT_SCHEMA", T), ("CONSTRAINT_NAME", T), ("UNIQUE_CONSTRAINT_CATALOG", T),
            ("UNIQUE_CONSTRAINT_SCHEMA", T), ("UNIQUE_CONSTRAINT_NAME", T), ("MATCH_OPTION", T), ("UPDATE_RULE", T),
            ("DELETE_RULE", T), ("TABLE_NAME", T), ("REFERENCED_TABLE_NAME", T),
        ]),
        "VIEWS" => c(&[
            ("TABLE_CATALOG", T), ("TABLE_SCHEMA", T), ("TABLE_NAME", T), ("VIEW_DEFINITION", T), ("CHECK_OPTION", T),
            ("IS_UPDATABLE", T), ("DEFINER", T), ("SECURITY_TYPE", T), ("CHARACTER_SET_CLIENT", T),
            ("COLLATION_CONNECTION", T),
        ]),
        "ROUTINES" => c(&[
            ("SPECIFIC_NAME", T), ("ROUTINE_CATALOG", T), ("ROUTINE_SCHEMA", T), ("ROUTINE_NAME", T), ("ROUTINE_TYPE", T),
            ("DATA_TYPE", T), ("ROUTINE_BODY", T), ("ROUTINE_DEFINITION", T), ("IS_DETERMINISTIC", T),
            ("SQL_DATA_ACCESS", T), ("SECURITY_TYPE", T), ("CREATED", T), ("LAST_ALTERED", T), ("SQL_MODE", T),
            ("ROUTINE_COMMENT", T), ("DEFINER", T),
        ]),
        "TRIGGERS" => c(&[
            ("TRIGGER_CATALOG", T), ("TRIGGER_SCHEMA", T), ("TRIGGER_NAME", T), ("EVENT_MANIPULATION", T),
            ("EVENT_OBJECT_CATALOG", T), ("EVENT_OBJECT_SCHEMA", T), ("EVENT_OBJECT_TABLE", T), ("ACTION_ORDER", I),
            ("ACTION_STATEMENT", T), ("ACTION_TIMING", T), ("CREATED", T), ("SQL_MODE", T), ("DEFINER", T),
        ]),
        "ENGINES" => c(&[("ENGINE", T), ("SUPPORT", T), ("COMMENT", T), ("TRANSACTIONS", T), ("XA", T), ("SAVEPOINTS", T)]),
        "CHARACTER_SETS" => c(&[("CHARACTER_SET_NAME", T), ("DEFAULT_COLLATE_NAME", T), ("DESCRIPTION", T), ("MAXLEN", I)]),
        "COLLATIONS" => c(&[
            ("COLLATION_NAME", T), ("CHARACTER_SET_NAME", T), ("ID", I), ("IS_DEFAULT", T), ("IS_COMPILED", T),
            ("SORTLEN", I), ("PAD_ATTRIBUTE", T),
        ]),
        _ => None,
    }
}

fn t(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}
fn i(n: i64) -> Value {
    Value::Int(n)
}
fn oi(n: Option<i64>) -> Value {
    n.map(Value::Int).unwrap_or(Value::Null)
}
fn ot(s: Option<String>) -> Value {
    s.map(Value::Text).unwrap_or(Value::Null)
}
const N: Value = Value::Null;

/// The user databases and their tables (sorted), from the catalog.
fn databases(cat: &CatalogState) -> Vec<String> {
    let prefix = format!("{}.", super::CATALOG);
    cat.schemas.iter().filter_map(|s| s.strip_prefix(&prefix).map(str::to_string)).collect()
}

fn tables_of(cat: &CatalogState, db: &str) -> Vec<std::sync::Arc<crate::catalog::TableInfo>> {
    let prefix = format!("{}.{db}", super::CATALOG);
    let mut v: Vec<_> = cat.tables_in(&prefix).cloned().collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn views_of<'a>(cat: &'a CatalogState, db: &str) -> Vec<(String, &'a crate::catalog::ViewDef)> {
    let prefix = format!("{}.{db}.", super::CATALOG);
    cat.views.iter().filter_map(|(k, v)| k.strip_prefix(&prefix).map(|n| (n.to_string(), v))).collect()
}

fn column_row(db: &str, table: &str, c: &MyColumn) -> Vec<Value> {
    let charset = c.collation.as_ref().map(|co| co.split('_').next().unwrap_or("utf8mb4").to_string());
    vec![
        t("def"),
        t(db),
        t(table),
        t(&c.name),
        i(c.position as i64),
        ot(c.default.clone()),
        t(if c.nullable { "YES" } else { "NO" }),
        t(&c.data_type),
        oi(c.char_max_length),
        oi(c.octet_length),
        oi(c.numeric_precision),
        oi(c.numeric_scale),
        oi(c.datetime_precision),
        ot(charset),
        ot(c.collation.clone()),
        t(&c.column_type),
        t(c.key),
        t(&c.extra),
        t("select,insert,update,references"),
        t(&c.comment),
        t(""),
        N,
    ]
}

/// The rows of one information_schema relation (upper-case name).
/// A view's columns by (database, view).
pub type ViewColumns<'a> = &'a dyn Fn(&str, &str) -> Vec<(String, SqlType)>;

fn rows(name: &str, cat: &CatalogState, view_columns: ViewColumns) -> Vec<Vec<Value>> {
    let dbs = databases(cat);
    let mut out = Vec::new();
    match name {
        "SCHEMATA" => {
            let mut all: Vec<String> = super::SYSTEM_DATABASES.iter().map(|s| s.to_string()).chain(dbs).collect();
            all.sort();
            for d in all {
                let (cs, co) = if d == "information_schema" { ("utf8mb3", "utf8mb3_general_ci") } else { ("utf8mb4", "utf8mb4_0900_ai_ci") };
                out.push(vec![t("def"), t(d), t(cs), t(co), N, t("NO")]);
            }
        }
        "TABLES" => {
            for n in TABLES {
                out.push(vec![
                    t("def"), t("information_schema"), t(*n), t("SYSTEM VIEW"), N, i(10), N, N, N, N, N, N, N, N,
                    N, N, N, N, N, t(""), t(""),
                ]);
            }
            for d in &dbs {
                for info in &tables_of(cat, d) {
                    let co = describe::table_option(info, "collate").unwrap_or_else(|| describe::DEFAULT_COLLATION.into());
                    let engine = describe::table_option(info, "engine").unwrap_or_else(|| "InnoDB".into());
                    out.push(vec![
                        t("def"), t(d), t(&info.name), t("BASE TABLE"), t(engine), i(10), t("Dynamic"), i(0), i(0),
                        i(16384), i(0), i(0), i(0), N, N, N, N, t(co), N, t(""),
                        t(describe::table_option(info, "comment").unwrap_or_default()),
                    ]);
                }
                for (v, _) in views_of(cat, d) {
                    out.push(vec![
                        t("def"), t(d), t(v), t("VIEW"), N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, t("VIEW"),
                    ]);
                }
            }
        }
        "COLUMNS" => {
            for d in &dbs {
                for info in &tables_of(cat, d) {
                    for c in describe::columns(info) {
                        out.push(column_row(d, &info.name, &c));
                    }
                }
                for (v, _) in views_of(cat, d) {
                    for c in describe::view_columns(&view_columns(d, &v)) {
                        out.push(column_row(d, &v, &c));
                    }
                }
            }
        }
        "STATISTICS" | "KEY_COLUMN_USAGE" | "TABLE_CONSTRAINTS" => {
            for d in &dbs {
                for info in &tables_of(cat, d) {
                    let cols = describe::columns(info);
                    for ix in describe::indexes(info) {
                        if name == "TABLE_CONSTRAINTS" {
                            if ix.unique {
                                let kind = if ix.name == "PRIMARY" { "PRIMARY KEY" } else { "UNIQUE" };
                                out.push(vec![t("def"), t(d), t(&ix.name), t(d), t(&info.name), t(kind), t("YES")]);
                            }
                            continue;
                        }
                        if name == "KEY_COLUMN_USAGE" && !ix.unique {
                            continue;
                        }
                        for (k, c) in ix.columns.iter().enumerate() {
                            let nullable = cols.iter().find(|x| &x.name == c).is_some_and(|x| x.nullable);
                            out.push(if name == "STATISTICS" {
                                vec![
                                    t("def"), t(d), t(&info.name), i(!ix.unique as i64), t(d), t(&ix.name), i(k as i64 + 1),
                                    t(c), t("A"), i(0), N, N, t(if nullable { "YES" } else { "" }), t("BTREE"), t(""), t(""),
                                    t("YES"), N,
                                ]
                            } else {
                                vec![
                                    t("def"), t(d), t(&ix.name), t("def"), t(d), t(&info.name), t(c), i(k as i64 + 1), N, N,
                                    N, N,
                                ]
                            });
                        }
                    }
                    if name == "TABLE_CONSTRAINTS" {
                        for (cn, _) in &info.checks {
                            out.push(vec![t("def"), t(d), t(cn), t(d), t(&info.name), t("CHECK"), t("YES")]);
                        }
                    }
                }
            }
        }
        "CHECK_CONSTRAINTS" => {
            for d in &dbs {
                for info in &tables_of(cat, d) {
                    for (cn, expr) in &info.checks {
                        out.push(vec![t("def"), t(d), t(cn), t(format!("({expr})"))]);
                    }
                }
            }
        }
        "VIEWS" => {
            for d in &dbs {
                for (v, def) in views_of(cat, d) {
                    out.push(vec![
                        t("def"), t(d), t(v), t(&def.sql), t("NONE"), t("NO"), t("root@localhost"), t("DEFINER"),
                        t("utf8mb4"), t("utf8mb4_0900_ai_ci"),
                    ]);
                }
            }
        }
        "ENGINES" => {
            out.push(vec![
                t("InnoDB"), t("DEFAULT"), t("Supports transactions, row-level locking, and foreign keys"), t("YES"),
                t("YES"), t("YES"),
            ]);
        }
        "CHARACTER_SETS" => {
            for (c, d, co, m) in CHARSETS {
                out.push(vec![t(*c), t(*co), t(*d), i(*m)]);
            }
        }
        "COLLATIONS" => {
            for (n, c, id, d, s, p) in COLLATIONS {
                out.push(vec![t(*n), t(*c), i(*id), t(*d), t("Yes"), i(*s), t(*p)]);
            }
        }
        _ => {}
    }
    out
}

/// `information_schema.<name>` (any case) as a bound VALUES plan; None when there is no
/// such relation.
pub fn relation(
    name: &str,
    cat: &CatalogState,
    view_columns: ViewColumns,
) -> Option<Bound> {
    let upper = name.to_ascii_uppercase();
    let cols = columns(&upper)?;
    let width = cols.len();
    let rows = rows(&upper, cat, view_columns)
        .into_iter()
        .map(|mut r| {
            r.resize(width, Value::Null);
            r
        })
        .collect();
    Some(crate::plan::bind::materialized(cols.into_iter().map(|(n, ty)| (n.to_string(), ty)).collect(), rows))
}

/// `performance_schema.session_variables` / `global_variables` (any case).
pub fn performance_schema(name: &str, env: Option<&super::bind::BindEnv>) -> Option<Bound> {
    let global = match name.to_ascii_lowercase().as_str() {
        "session_variables" => false,
        "global_variables" => true,
        _ => return None,
    };
    let env = env?;
    let scope = if global { "global" } else { "session" };
    let rows = super::variables::VARIABLES
        .iter()
        .filter(|v| !(global && v.scope == super::variables::Scope::Session))
        .filter_map(|v| {
            let value = env.system_variable(Some(scope), v.name).ok()
                .or_else(|| env.system_variable(None, v.name).ok())?;
            Some(vec![t(v.name), t(super::variables::show_text(v, &value))])
        })
        .collect();
    Some(crate::plan::bind::materialized(vec![("VARIABLE_NAME".into(), T), ("VARIABLE_VALUE".into(), T)], rows))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_relation_has_rows_of_its_width() {
        let cat = crate::catalog::CatalogState::default();
        for n in super::TABLES {
            let cols = super::columns(n).unwrap_or_else(|| panic!("{n}"));
            for r in super::rows(n, &cat, &|_, _| vec![]) {
                assert_eq!(r.len(), cols.len(), "{n}");
            }
        }
    }
}
