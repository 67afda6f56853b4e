//! Catalog functions and `reg*` casts, resolved at bind time against the [`Model`].
//!
//! A function whose answer depends on the catalog (pg_get_indexdef, pg_table_is_visible,
//! `oid::regclass`, ...) becomes an `__orbit_lookup(x, keys, values, fallback)` call whose
//! key and value arrays are literals taken from the model when the statement is bound;
//! the evaluation itself ([`crate::expr::functions`]) stays free of catalog access.

use super::model::Model;
use super::pg_catalog::{index_def, DATABASE_OWNER_OID, OWNER};
use crate::error::{sqlstate, SqlError};
use crate::expr::Expr;
use crate::types::SqlType;
use orbit_storage::Value;

/// (name, result type OID) of the pg_catalog functions pg_proc lists.
pub const IMPLEMENTED: &[(&str, i64)] = &[
    ("array_to_string", 25),
    ("col_description", 25),
    ("current_database", 19),
    ("current_schema", 19),
    ("current_schemas", 1003),
    ("format_type", 25),
    ("has_schema_privilege", 16),
    ("has_table_privilege", 16),
    ("obj_description", 25),
    ("pg_encoding_to_char", 19),
    ("pg_get_constraintdef", 25),
    ("pg_get_expr", 25),
    ("pg_get_indexdef", 25),
    ("pg_get_userbyid", 19),
    ("pg_get_viewdef", 25),
    ("pg_relation_size", 20),
    ("pg_table_is_visible", 16),
    ("pg_total_relation_size", 20),
    ("quote_ident", 25),
    ("shobj_description", 25),
    ("version", 25),
];

fn lit(v: Value) -> Expr {
    Expr::Literal(v)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// `x` looked up in `pairs`; `fallback_text` answers the key as text when missing.
fn lookup(x: Expr, pairs: Vec<(Value, Value)>, fallback_text: bool, ty: SqlType) -> Expr {
    let (keys, vals): (Vec<Value>, Vec<Value>) = pairs.into_iter().unzip();
    Expr::Func {
        name: "__orbit_lookup".into(),
        args: vec![x, lit(Value::Array(keys)), lit(Value::Array(vals)), lit(Value::Bool(fallback_text))],
        ty,
    }
}

fn as_oid(e: Expr) -> Expr {
    Expr::Cast { expr: Box::new(e), to: SqlType::Int8, typmod: None }
}

fn rel_names(m: &Model) -> Vec<(Value, Value)> {
    let mut out: Vec<(Value, Value)> =
        m.relations.iter().map(|r| (Value::Int(r.oid), text(&m.regclass_name(r)))).collect();
    for (name, oid, ..) in super::defs::PG_CATALOG {
        out.push((Value::Int(*oid), text(name)));
    }
    out
}

/// A catalog function call, or None when `name` is not one.
pub fn bind_call(
    name: &str,
    mut args: Vec<(Expr, SqlType)>,
    m: &dyn Fn() -> Model,
) -> Option<Result<(Expr, SqlType), SqlError>> {
    let first = if args.is_empty() { lit(Value::Null) } else { args.remove(0).0 };
    let constant = |v: Value, ty: SqlType| Some(Ok((lit(v), ty)));
    let e = match name {
        "pg_get_userbyid" => {
            let pairs = vec![
                (Value::Int(super::model::BOOTSTRAP_ROLE_OID), text(OWNER)),
                (Value::Int(DATABASE_OWNER_OID), text("pg_database_owner")),
            ];
            lookup(as_oid(first), pairs, false, SqlType::Text)
        }
        "pg_table_is_visible" => {
            let model = m();
            let mut pairs: Vec<(Value, Value)> =
                model.relations.iter().map(|r| (Value::Int(r.oid), Value::Bool(model.visible(r)))).collect();
            pairs.extend(super::defs::PG_CATALOG.iter().map(|(_, oid, ..)| (Value::Int(*oid), Value::Bool(true))));
            return Some(Ok((lookup(as_oid(first), pairs, false, SqlType::Bool), SqlType::Bool)));
        }
        "pg_type_is_visible"
        | "pg_function_is_visible"
        | "has_table_privilege"
        | "has_schema_privilege"
        | "has_database_privilege"
        | "has_column_privilege"
        | "has_function_privilege"
        | "has_sequence_privilege"
        | "pg_has_role" => return constant(Value::Bool(true), SqlType::Bool),
        "pg_relation_is_publishable" => return constant(Value::Bool(false), SqlType::Bool),
        "obj_description"
        | "col_description"
        | "shobj_description"
        | "pg_get_statisticsobjdef_columns"
        | "pg_get_partkeydef" => return constant(Value::Null, SqlType::Text),
        "pg_get_expr" => {
            return Some(Ok((Expr::Cast { expr: Box::new(first), to: SqlType::Text, typmod: None }, SqlType::Text)))
        }
        "pg_get_indexdef" => {
            let model = m();
            // Key: index oid * 1000 + column (0: the whole definition).
            let mut pairs = Vec::new();
            for r in &model.relations {
                for ix in &r.indexes {
                    pairs.push((Value::Int(ix.oid * 1000), text(&index_def(r, ix))));
                    for (k, c) in ix.columns.iter().enumerate() {
                        pairs.push((Value::Int(ix.oid * 1000 + k as i64 + 1), text(&super::model::quote_ident(c))));
                    }
                }
            }
            let column = if args.is_empty() { lit(Value::Int(0)) } else { as_oid(args.remove(0).0) };
            let key = Expr::Binary {
                op: crate::expr::BinOp::Add,
                left: Box::new(Expr::Binary {
                    op: crate::expr::BinOp::Mul,
                    left: Box::new(as_oid(first)),
                    right: Box::new(lit(Value::Int(1000))),
                    ty: SqlType::Int8,
                }),
                right: Box::new(column),
                ty: SqlType::Int8,
            };
            lookup(key, pairs, false, SqlType::Text)
        }
        "pg_get_constraintdef" => {
            let model = m();
            let pairs = model
                .relations
                .iter()
                .flat_map(|r| r.constraints.iter().map(|k| (Value::Int(k.oid), text(&k.def))))
                .collect();
            lookup(as_oid(first), pairs, false, SqlType::Text)
        }
        "pg_get_viewdef" => {
            let model = m();
            let pairs: Vec<(Value, Value)> = model
                .relations
                .iter()
                .filter_map(|r| r.view_sql.as_ref().map(|s| (Value::Int(r.oid), text(s))))
                .collect();
            let key = match &first {
                Expr::Literal(Value::Text(name)) => match resolve_relation(&model, name) {
                    Ok(oid) => lit(Value::Int(oid)),
                    Err(e) => return Some(Err(e)),
                },
                _ => as_oid(first),
            };
            lookup(key, pairs, false, SqlType::Text)
        }
        "pg_get_function_result" | "pg_get_function_arguments" | "pg_get_function_identity_arguments" => {
            return constant(Value::Null, SqlType::Text)
        }
        "pg_relation_size" | "pg_total_relation_size" | "pg_table_size" | "pg_indexes_size" => {
            return constant(Value::Int(8192), SqlType::Int8)
        }
        _ => return None,
    };
    Some(Ok((e, SqlType::Text)))
}

fn resolve_relation(m: &Model, name: &str) -> Result<i64, SqlError> {
    let parts: Vec<String> = split_name(name);
    let found = match parts.as_slice() {
        [rel] => m
            .relations
            .iter()
            .find(|r| r.name == *rel && m.visible(r))
            .map(|r| r.oid)
            .or_else(|| super::defs::pg_catalog_columns(rel).map(|(oid, ..)| oid)),
        [schema, rel] => {
            if schema == "pg_catalog" {
                super::defs::pg_catalog_columns(rel).map(|(oid, ..)| oid)
            } else {
                m.relations.iter().find(|r| r.name == *rel && r.schema == *schema).map(|r| r.oid)
            }
        }
        _ => None,
    };
    found.ok_or_else(|| SqlError::new(sqlstate::UNDEFINED_TABLE, format!("relation \"{name}\" does not exist")))
}

/// Splits `a.b` / `"A".b` into identifiers (lower-casing unquoted ones).
fn split_name(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = name.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                out.push(if was_quoted { std::mem::take(&mut cur) } else { std::mem::take(&mut cur).to_lowercase() });
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    out.push(if was_quoted { cur } else { cur.to_lowercase() });
    out
}

/// Whether a cast target names one of the catalog types we map.
pub fn is_catalog_type(name: &str) -> bool {
    matches!(
        name,
        "oid" | "regclass" | "regtype" | "regproc" | "regprocedure" | "regnamespace" | "regrole" | "name" | "char"
    )
}

/// `x::regclass` (and the other reg* types, oid, name, "char"): from text, the OID;
/// from an integer, the name (PostgreSQL prints a reg* value as its name).
pub fn bind_cast(target: &str, x: Expr, from: &SqlType, m: &dyn Fn() -> Model) -> Result<(Expr, SqlType), SqlError> {
    let textual = matches!(from, SqlType::Text | SqlType::Varchar | SqlType::Unknown | SqlType::Bpchar);
    match target {
        "name" | "char" => Ok((Expr::Cast { expr: Box::new(x), to: SqlType::Text, typmod: None }, SqlType::Text)),
        "oid" => Ok((as_oid(x), SqlType::Int8)),
        "regclass" if textual => match x {
            Expr::Literal(Value::Text(name)) => Ok((lit(Value::Int(resolve_relation(&m(), &name)?)), SqlType::Int8)),
            x => {
                let model = m();
                let pairs = rel_names(&model).into_iter().map(|(a, b)| (b, a)).collect();
                Ok((lookup(x, pairs, false, SqlType::Int8), SqlType::Int8))
            }
        },
        "regclass" => Ok((lookup(as_oid(x), rel_names(&m()), true, SqlType::Text), SqlType::Text)),
        "regtype" if textual => match x {
            Expr::Literal(Value::Text(name)) => super::types::oid_by_name(&name)
                .map(|oid| (lit(Value::Int(oid)), SqlType::Int8))
                .ok_or_else(|| SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("type \"{name}\" does not exist"))),
            x => Ok((x, SqlType::Text)),
        },
        "regtype" => {
            let pairs = super::types::TYPES.iter().map(|t| (Value::Int(t.0), text(t.2))).collect();
            Ok((lookup(as_oid(x), pairs, true, SqlType::Text), SqlType::Text))
        }
        "regnamespace" if textual => match x {
            Expr::Literal(Value::Text(name)) => m()
                .schemas
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(oid, _)| (lit(Value::Int(*oid)), SqlType::Int8))
                .ok_or_else(|| SqlError::new("3F000", format!("schema \"{name}\" does not exist"))),
            x => Ok((x, SqlType::Text)),
        },
        "regnamespace" => {
            let pairs = m().schemas.iter().map(|(oid, n)| (Value::Int(*oid), text(n))).collect();
            Ok((lookup(as_oid(x), pairs, true, SqlType::Text), SqlType::Text))
        }
        "regrole" if textual => Ok((lit(Value::Int(super::model::BOOTSTRAP_ROLE_OID)), SqlType::Int8)),
        "regrole" => Ok((lookup(as_oid(x), vec![(Value::Int(10), text(OWNER))], true, SqlType::Text), SqlType::Text)),
        _ if textual => Ok((x, SqlType::Text)),
        _ => {
            let pairs =
                IMPLEMENTED.iter().enumerate().map(|(i, (n, _))| (Value::Int(20000 + i as i64), text(n))).collect();
            Ok((lookup(as_oid(x), pairs, true, SqlType::Text), SqlType::Text))
        }
    }
}
