//! pg_catalog and information_schema as virtual, read-only relations.
//!
//! When the binder meets a relation of schema `pg_catalog` (also unqualified: pg_catalog
//! is implicitly first on the search path, as in PostgreSQL) or `information_schema`, it
//! asks [`relation`] for it: the rows are computed from the engine's in-memory
//! [`crate::catalog::CatalogState`] at that moment ([`model`]) and become a VALUES plan,
//! so the catalog views can never disagree with the catalog.
//!
//! * [`defs`]: column lists (PostgreSQL 15 names),
//! * [`model`]: the catalog's objects with stable OIDs,
//! * [`pg_catalog`], [`info_schema`]: the rows,
//! * [`types`]: built-in types and format_type,
//! * [`functions`]: catalog functions and `reg*` casts, resolved at bind time.

pub mod defs;
pub mod functions;
pub mod info_schema;
pub mod model;
pub mod pg_catalog;
pub mod types;

use crate::expr::Expr;
use crate::plan::bind::Bound;
use crate::plan::Plan;
use orbit_storage::Value;

pub use model::{build, Model};

/// Whether `schema` is one of the virtual catalog schemas.
pub fn is_catalog_schema(schema: &str) -> bool {
    schema == "pg_catalog" || schema == "information_schema"
}

/// Whether an unqualified relation name resolves in pg_catalog.
pub fn is_pg_catalog_relation(name: &str) -> bool {
    defs::pg_catalog_columns(name).is_some()
}

fn cell(v: Value) -> Expr {
    Expr::Literal(v)
}

/// pg_roles or pg_user as a projection of `scan`, a scan of the roles table whose
/// column names are `columns`; None for other names.
pub fn roles_relation(name: &str, scan: Plan, columns: &[String]) -> Option<Bound> {
    let (_, _, cols) = defs::pg_catalog_columns(name)?;
    let col = |n: &str| columns.iter().position(|c| c == n).map(|index| Expr::Column { level: 0, index });
    let get = |n: &str| col(n).unwrap_or(Expr::Literal(Value::Null));
    let int4 = |e: Expr| Expr::Cast { expr: Box::new(e), to: crate::types::SqlType::Int4, typmod: None };
    let lit = |v: Value| Expr::Literal(v);
    let stars = || lit(Value::Text("********".into()));
    let (input, exprs) = match name {
        "pg_roles" => (
            scan,
            vec![
                get("name"),
                get("superuser"),
                get("inherit"),
                get("createrole"),
                get("createdb"),
                get("login"),
                get("replication"),
                int4(get("connlimit")),
                stars(),
                lit(Value::Null),
                get("bypassrls"),
                lit(Value::Null),
                get("oid"),
            ],
        ),
        "pg_user" => (
            Plan::Filter { input: Box::new(scan), predicate: col("login")? },
            vec![
                get("name"),
                get("oid"),
                get("createdb"),
                get("superuser"),
                get("replication"),
                get("bypassrls"),
                stars(),
                lit(Value::Null),
                lit(Value::Null),
            ],
        ),
        _ => return None,
    };
    Some(Bound {
        plan: Plan::Project { input: Box::new(input), exprs },
        cols: cols.iter().map(|(n, t)| (n.to_string(), t.sql())).collect(),
    })
}

/// The system catalog a session's binder consults, chosen by the engine's dialect:
/// PostgreSQL's pg_catalog and information_schema (this module), or MySQL's
/// information_schema and its empty system databases ([`crate::mysql::info_schema`]).
/// pg_catalog is not visible to MySQL sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemCatalog {
    PostgreSql,
    MySql,
}

impl SystemCatalog {
    pub fn of(dialect: crate::Dialect) -> SystemCatalog {
        match dialect {
            crate::Dialect::PostgreSql => SystemCatalog::PostgreSql,
            crate::Dialect::MySql => SystemCatalog::MySql,
        }
    }

    /// The system schema the relation `schema.rel` (`qualified`: the schema was written)
    /// resolves in, if it is a system relation.
    pub fn schema_of(self, qualified: bool, schema: &str, rel: &str) -> Option<String> {
        match self {
            SystemCatalog::PostgreSql => {
                if is_catalog_schema(schema) {
                    Some(schema.to_string())
                } else if !qualified && is_pg_catalog_relation(rel) {
                    Some("pg_catalog".to_string())
                } else {
                    None
                }
            }
            SystemCatalog::MySql => crate::mysql::is_system_database(schema).then(|| schema.to_ascii_lowercase()),
        }
    }

    /// The rows and columns of system relation `schema.rel`, None when it does not exist.
    pub fn relation(self, schema: &str, rel: &str, binder: &crate::plan::bind::Binder) -> Option<Bound> {
        match self {
            SystemCatalog::PostgreSql => relation(schema, rel, &|| binder.catalog_model()),
            SystemCatalog::MySql if schema == "information_schema" => {
                let views = |db: &str, v: &str| binder.view_columns(&format!("{}.{db}.{v}", binder.db));
                crate::mysql::info_schema::relation(rel, binder.cat, &views)
            }
            SystemCatalog::MySql if schema == "performance_schema" => {
                crate::mysql::info_schema::performance_schema(rel, binder.mysql.as_deref())
            }
            SystemCatalog::MySql => None,
        }
    }

    /// The error for a system relation that does not exist.
    pub fn missing(self, schema: &str, rel: &str) -> crate::SqlError {
        match self {
            SystemCatalog::PostgreSql => crate::SqlError::new(
                crate::error::sqlstate::UNDEFINED_TABLE,
                format!("relation \"{schema}.{rel}\" does not exist"),
            ),
            SystemCatalog::MySql => crate::SqlError::new("42S02", format!("Table '{schema}.{rel}' doesn't exist")).with_mysql_errno(1146),
        }
    }
}

/// The relation `schema.name` as a bound VALUES plan, or None when there is none.
pub fn relation(schema: &str, name: &str, model: &dyn Fn() -> Model) -> Option<Bound> {
    let (cols, rows) = match schema {
        "pg_catalog" => {
            let (_, _, cols) = defs::pg_catalog_columns(name)?;
            (cols, pg_catalog::rows(name, &model())?)
        }
        "information_schema" => {
            let (_, cols) = defs::information_schema_columns(name)?;
            (cols, info_schema::rows(name, &model())?)
        }
        _ => return None,
    };
    let width = cols.len();
    let rows = rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, Value::Null);
            r.into_iter().map(cell).collect()
        })
        .collect();
    Some(Bound {
        plan: Plan::Values { rows, width },
        cols: cols.iter().map(|(n, t)| (n.to_string(), t.sql())).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relation_has_rows_of_its_width() {
        let m = Model::default();
        for (name, _, _, cols) in defs::PG_CATALOG {
            for r in pg_catalog::rows(name, &m).unwrap_or_default() {
                assert_eq!(r.len(), cols.len(), "pg_catalog.{name}");
            }
        }
        for (name, _, cols) in defs::INFORMATION_SCHEMA {
            for r in info_schema::rows(name, &m).unwrap_or_default() {
                assert_eq!(r.len(), cols.len(), "information_schema.{name}");
            }
        }
    }
}
