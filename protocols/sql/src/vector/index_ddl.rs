//! CREATE INDEX .. USING hnsw and DROP INDEX of one: the definition is a table option
//! (see [`super::hnsw`]); the structure is built at the first search.

use super::hnsw::{self, HnswDef, OpClass};
use crate::catalog::TableInfo;
use crate::error::{sqlstate, SqlError};
use crate::plan::bind::{ident, object_name_parts};
use crate::session::cmd;
use crate::{QueryOutput, Session, SqlType};
use orbit_storage::AlterTable;
use sqlparser::ast;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Whether CREATE INDEX names pgvector's access methods (hnsw, ivfflat).
pub fn is_vector_method(ci: &ast::CreateIndex) -> bool {
    matches!(&ci.using, Some(ast::IndexType::Custom(m)) if m.value.eq_ignore_ascii_case("hnsw") || m.value.eq_ignore_ascii_case("ivfflat"))
}

/// The `hnsw` index of `info` named `name`, if there is one.
pub fn find(info: &TableInfo, name: &str) -> Option<HnswDef> {
    hnsw::defs(&info.schema).into_iter().find(|d| d.name == name)
}

fn with_options(with: &[ast::Expr]) -> Result<Vec<(String, String)>, SqlError> {
    with.iter()
        .map(|e| match e {
            ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Eq, right } => {
                let key = match left.as_ref() {
                    ast::Expr::Identifier(i) => ident(i),
                    other => {
                        return Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid index option {other}")))
                    }
                };
                let value = match right.as_ref() {
                    ast::Expr::Value(v) => match &v.value {
                        ast::Value::Number(n, _) => n.clone(),
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    },
                    other => other.to_string(),
                };
                Ok((key, value))
            }
            other => Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid index option {other}"))),
        })
        .collect()
}

impl Session {
    pub(crate) async fn create_vector_index(
        &mut self,
        ci: &ast::CreateIndex,
        table: &str,
        info: Arc<TableInfo>,
    ) -> Result<QueryOutput, SqlError> {
        if matches!(&ci.using, Some(ast::IndexType::Custom(m)) if m.value.eq_ignore_ascii_case("ivfflat")) {
            return Err(SqlError::not_supported("access method \"ivfflat\" (use hnsw)"));
        }
        if ci.unique {
            return Err(SqlError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "access method \"hnsw\" does not support unique indexes",
            ));
        }
        let [column] = ci.columns.as_slice() else {
            return Err(SqlError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "access method \"hnsw\" does not support multicolumn indexes",
            ));
        };
        let name_of_column = match &column.column.expr {
            ast::Expr::Identifier(i) => ident(i),
            _ => return Err(SqlError::not_supported("hnsw indexes on expressions")),
        };
        let position = info.schema.column_position(&name_of_column).ok_or_else(|| {
            SqlError::new(sqlstate::UNDEFINED_COLUMN, format!("column \"{name_of_column}\" does not exist"))
        })?;
        let ty = info.column_types().get(position).cloned().unwrap_or(SqlType::Unknown);
        let opclass = match &column.operator_class {
            None => {
                return Err(SqlError::new(
                    sqlstate::UNDEFINED_OBJECT,
                    format!("data type {} has no default operator class for access method \"hnsw\"", ty.name()),
                )
                .with_hint("You must specify an operator class for the index or define a default operator class for the data type."))
            }
            Some(name) => {
                let n = object_name_parts(name)?.last().cloned().unwrap_or_default();
                OpClass::parse(&n).ok_or_else(|| {
                    SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("operator class \"{n}\" does not exist for access method \"hnsw\""))
                })?
            }
        };
        let dims = match ty {
            SqlType::Vector(Some(d)) => d,
            SqlType::Vector(None) => {
                return Err(SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, "column does not have dimensions"))
            }
            other => {
                return Err(SqlError::new(
                    sqlstate::DATATYPE_MISMATCH,
                    format!("operator class \"{}\" does not accept data type {}", opclass.name(), other.name()),
                ))
            }
        };
        if dims > hnsw::MAX_INDEX_DIM {
            return Err(SqlError::new(
                "54000",
                format!("column cannot have more than {} dimensions for hnsw index", hnsw::MAX_INDEX_DIM),
            ));
        }
        let (m, ef_construction) = hnsw::parameters(&with_options(&ci.with)?)?;
        let name = match &ci.name {
            Some(n) => object_name_parts(n)?.last().cloned().unwrap_or_default(),
            None => format!("{}_{}_idx", info.name, name_of_column),
        };
        let cat = self.engine.catalog();
        let prefix = table.rsplit_once('.').map(|(p, _)| p.to_string()).unwrap_or_default();
        let taken = cat.tables_in(&prefix).any(|t| t.schema.index(&name).is_some() || find(t, &name).is_some())
            || cat.relation_exists(&format!("{prefix}.{name}"));
        if taken {
            if ci.if_not_exists {
                self.notice("42P07", format!("relation \"{name}\" already exists, skipping"));
                return Ok(cmd("CREATE INDEX"));
            }
            return Err(SqlError::new(sqlstate::DUPLICATE_TABLE, format!("relation \"{name}\" already exists")));
        }
        let def = HnswDef { name, column: name_of_column, opclass, m, ef_construction };
        let (key, value) = def.option();
        self.engine.storage.alter_table(table, AlterTable::SetOptions(BTreeMap::from([(key, value)]))).await?;
        self.engine.refresh_table(table).await?;
        self.engine.vectors.mark_changed(table);
        Ok(cmd("CREATE INDEX"))
    }

    /// DROP INDEX of an hnsw index `name` in schema `prefix` ("db.schema"); false when
    /// there is none.
    pub(crate) async fn drop_vector_index(&mut self, prefix: &str, name: &str) -> Result<bool, SqlError> {
        let cat = self.engine.catalog();
        let Some(table) = cat.tables_in(prefix).find(|t| find(t, name).is_some()).map(|t| t.storage_name.clone())
        else {
            return Ok(false);
        };
        let key = format!("{}{name}", hnsw::OPT_PREFIX);
        self.engine.storage.alter_table(&table, AlterTable::SetOptions(BTreeMap::from([(key, String::new())]))).await?;
        self.engine.refresh_table(&table).await?;
        self.engine.vectors.mark_changed(&table);
        Ok(true)
    }
}
