//! MySQL's CREATE TABLE pieces: column definitions (MySQL types, AUTO_INCREMENT,
//! COMMENT, CHARACTER SET, COLLATE, ON UPDATE), KEY / INDEX / UNIQUE KEY clauses, table
//! options (ENGINE, DEFAULT CHARSET, COLLATE, AUTO_INCREMENT=n, COMMENT), and the
//! AUTO_INCREMENT counters over the engine's sequences.
//!
//! An AUTO_INCREMENT column gets the engine's sequence default (as SERIAL does) and the
//! option `mysql.auto_increment.<column>` naming its sequence; the INSERT path
//! ([`crate::dml`]) draws from it for NULL and 0 too, and moves it past explicit values.

use super::types::{self, OPT_AUTO_INCREMENT_PREFIX, OPT_TYPE_PREFIX};
use crate::catalog;
use crate::ddl::{index_columns, TableBuilder};
use crate::error::SqlError;
use crate::plan::bind::ident;
use crate::session::Session;
use orbit_storage::{ColumnDef, ColumnDefault, IndexDef, StorageError, TableStorage, Value};
use sqlparser::ast;
use sqlparser::tokenizer::Token;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const OPT_COMMENT_PREFIX: &str = "mysql.comment.";
pub const OPT_COLLATION_PREFIX: &str = "mysql.collation.";
pub const OPT_ON_UPDATE_PREFIX: &str = "mysql.on_update.";
/// Table options as given: `mysql.table.engine`, `mysql.table.charset`,
/// `mysql.table.collate`, `mysql.table.comment`.
pub const OPT_TABLE_PREFIX: &str = "mysql.table.";
const OPT_AUTO_INCREMENT_START: &str = "mysql.table.auto_increment";

fn is_auto_increment(tokens: &[Token]) -> bool {
    matches!(tokens, [Token::Word(w)] if w.value.eq_ignore_ascii_case("auto_increment"))
}

/// One column of CREATE TABLE / ALTER TABLE ADD COLUMN in MySQL.
pub(crate) fn column_def(s: &Session, tb: &mut TableBuilder, c: &ast::ColumnDef) -> Result<ColumnDef, SqlError> {
    let name = ident(&c.name);
    let ty = types::map(&c.data_type, false)?;
    let dt = ty.storage.clone();
    let mut col = ColumnDef::new(name.clone(), dt.clone());
    tb.options.insert(format!("{OPT_TYPE_PREFIX}{name}"), ty.text.clone());
    let kind = types::Kind::parse(&ty.text);
    for opt in &c.options {
        match &opt.option {
            ast::ColumnOption::Null => col.nullable = true,
            ast::ColumnOption::NotNull => col.nullable = false,
            ast::ColumnOption::Default(e) => {
                let d = s.column_default(e, &orbit_storage::DataType::Text).or_else(|_| {
                    Ok::<_, SqlError>(ColumnDefault::Expression(e.to_string()))
                })?;
                col.default = Some(match d {
                    ColumnDefault::Value(Value::Null) => ColumnDefault::Value(Value::Null),
                    ColumnDefault::Value(v) => {
                        ColumnDefault::Value(types::store(&kind, &dt, v, &name, 1).map_err(|_| {
                            SqlError::new(super::errors::GENERAL, format!("Invalid default value for '{name}'"))
                                .with_mysql_errno(1067)
                        })?)
                    }
                    other => other,
                });
                tb.options.insert(format!("{}{name}", crate::catalog_views::model::OPT_DEFAULT_TEXT_PREFIX), e.to_string());
            }
            ast::ColumnOption::PrimaryKey(_) => {
                tb.set_primary_key(vec![name.clone()])?;
                col.nullable = false;
            }
            ast::ColumnOption::Unique(_) => add_unique(tb, vec![name.clone()], None),
            ast::ColumnOption::Check(chk) => tb.add_check(&chk.expr, chk.name.as_ref().map(ident), Some(&name)),
            ast::ColumnOption::DialectSpecific(tokens) if is_auto_increment(tokens) => {
                if !matches!(kind, types::Kind::Int { .. } | types::Kind::Float | types::Kind::Decimal { .. }) {
                    return Err(SqlError::new(
                        super::errors::SYNTAX,
                        format!("Incorrect column specifier for column '{name}'"),
                    )
                    .with_mysql_errno(1063));
                }
                let seq = format!("{}.{}_seq", tb.storage_name, name);
                col.nullable = false;
                col.default = Some(ColumnDefault::Expression(format!("nextval('{seq}')")));
                tb.options.insert(format!("{OPT_AUTO_INCREMENT_PREFIX}{name}"), seq);
            }
            ast::ColumnOption::Comment(text) => {
                tb.options.insert(format!("{OPT_COMMENT_PREFIX}{name}"), text.clone());
            }
            ast::ColumnOption::CharacterSet(_) => {}
            ast::ColumnOption::Collation(n) => {
                tb.options.insert(format!("{OPT_COLLATION_PREFIX}{name}"), n.to_string());
            }
            ast::ColumnOption::OnUpdate(e) => {
                tb.options.insert(format!("{OPT_ON_UPDATE_PREFIX}{name}"), e.to_string());
            }
            ast::ColumnOption::ForeignKey(fk) => super::foreign_keys::declare(s, tb, fk, vec![name.clone()])?,
            other => return Err(SqlError::not_supported(format!("column option {other}"))),
        }
    }
    if tb.options.contains_key(&format!("{OPT_AUTO_INCREMENT_PREFIX}{name}")) {
        // AUTO_INCREMENT keeps its sequence default even next to DEFAULT NULL.
        let seq = tb.options[&format!("{OPT_AUTO_INCREMENT_PREFIX}{name}")].clone();
        col.default = Some(ColumnDefault::Expression(format!("nextval('{seq}')")));
    }
    Ok(col)
}

/// MySQL names an index after its first column when it has no name ("email", "email_2").
pub(crate) fn index_name(tb: &TableBuilder, cols: &[String], name: Option<String>) -> String {
    if let Some(n) = name {
        return n;
    }
    let base = cols.first().cloned().unwrap_or_else(|| "idx".into());
    let mut candidate = base.clone();
    let mut n = 2;
    while tb.indexes.iter().any(|i| i.name == candidate) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    candidate
}

fn add_unique(tb: &mut TableBuilder, cols: Vec<String>, name: Option<String>) {
    let name = index_name(tb, &cols, name);
    tb.add_unique(cols, Some(name));
}

/// A table-level constraint or index of MySQL's CREATE TABLE.
pub(crate) fn table_constraint(tb: &mut TableBuilder, con: &ast::TableConstraint) -> Result<(), SqlError> {
    match con {
        ast::TableConstraint::PrimaryKey(pk) => tb.set_primary_key(index_columns(&pk.columns)?)?,
        ast::TableConstraint::Unique(u) => {
            let cols = index_columns(&u.columns)?;
            let name = u.index_name.as_ref().or(u.name.as_ref()).map(ident);
            add_unique(tb, cols, name);
        }
        ast::TableConstraint::Index(i) => {
            let cols = index_columns(&i.columns)?;
            let name = index_name(tb, &cols, i.name.as_ref().map(ident));
            tb.indexes.push(IndexDef { name, columns: cols, unique: false });
        }
        ast::TableConstraint::Check(c) => tb.add_check(&c.expr, c.name.as_ref().map(ident), None),
        ast::TableConstraint::ForeignKey(_) => return Err(SqlError::not_supported("FOREIGN KEY constraints")),
        ast::TableConstraint::FulltextOrSpatial(_) => return Err(SqlError::not_supported("FULLTEXT and SPATIAL indexes")),
        _ => return Err(SqlError::not_supported("this table constraint")),
    }
    Ok(())
}

fn option_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}

/// ENGINE=, [DEFAULT] CHARSET=, COLLATE=, AUTO_INCREMENT=, COMMENT= of CREATE TABLE.
pub(crate) fn table_options(tb: &mut TableBuilder, ct: &ast::CreateTable) -> Result<(), SqlError> {
    let opts = match &ct.table_options {
        ast::CreateTableOptions::None => return Ok(()),
        ast::CreateTableOptions::Plain(o) | ast::CreateTableOptions::With(o) | ast::CreateTableOptions::Options(o) => o,
        ast::CreateTableOptions::TableProperties(_) => return Err(SqlError::not_supported("table properties")),
    };
    for o in opts {
        match o {
            ast::SqlOption::KeyValue { key, value } => {
                let k = key.value.to_lowercase().replace(' ', "_");
                let k = match k.as_str() {
                    "default_charset" | "character_set" | "default_character_set" | "charset" => "charset".to_string(),
                    "default_collate" | "collate" => "collate".to_string(),
                    other => other.to_string(),
                };
                tb.options.insert(format!("{OPT_TABLE_PREFIX}{k}"), option_text(value));
            }
            ast::SqlOption::Comment(c) => {
                let text = match c {
                    ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
                };
                tb.options.insert(format!("{OPT_TABLE_PREFIX}comment"), text);
            }
            ast::SqlOption::Ident(_) => {}
            // ENGINE = InnoDB, and KEY_BLOCK_SIZE-like options of the same shape.
            ast::SqlOption::NamedParenthesizedList(l) => {
                let k = l.key.value.to_lowercase();
                let v = l.name.as_ref().map(|n| n.value.clone()).unwrap_or_else(|| {
                    l.values.iter().map(|v| v.value.clone()).collect::<Vec<_>>().join(",")
                });
                tb.options.insert(format!("{OPT_TABLE_PREFIX}{k}"), v);
            }
            ast::SqlOption::TableSpace(_) => {}
            other => return Err(SqlError::not_supported(format!("table option {other}"))),
        }
    }
    Ok(())
}

/// Applies AUTO_INCREMENT=n of a new table to its AUTO_INCREMENT column's counter.
pub(crate) async fn start_auto_increment(
    storage: &Arc<dyn TableStorage>,
    options: &BTreeMap<String, String>,
) -> Result<(), SqlError> {
    let Some(start) = options.get(OPT_AUTO_INCREMENT_START).and_then(|v| v.parse::<i64>().ok()) else { return Ok(()) };
    for (k, seq) in options {
        if k.starts_with(OPT_AUTO_INCREMENT_PREFIX) {
            storage.upsert(catalog::SEQUENCES, vec![Value::Text(seq.clone()), Value::Int(start - 1)]).await?;
        }
    }
    Ok(())
}

/// Moves a counter forward so the next value exceeds `value` (an explicit AUTO_INCREMENT
/// value larger than the counter), in its own short transaction like every draw.
pub(crate) async fn bump_sequence(storage: &Arc<dyn TableStorage>, seq: &str, value: i64) -> Result<(), SqlError> {
    for _ in 0..100 {
        let mut tx = storage.begin().await?;
        let key = [Value::Text(seq.to_string())];
        let current = match tx.get(catalog::SEQUENCES, &key).await? {
            Some(row) => match row.get(1) {
                Some(Value::Int(v)) => *v,
                _ => 0,
            },
            None => 0,
        };
        if current >= value {
            let _ = tx.rollback().await;
            return Ok(());
        }
        tx.upsert(catalog::SEQUENCES, vec![Value::Text(seq.to_string()), Value::Int(value)]).await?;
        match tx.commit().await {
            Ok(()) => return Ok(()),
            Err(StorageError::Conflict) => {
                tokio::task::yield_now().await;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
