//! `CREATE EXTENSION vector` and `DROP EXTENSION vector`: the extension is recorded per
//! database in the catalog table [`crate::catalog::EXTENSIONS`] (pg_extension lists it,
//! pg_type gains `vector`), and without it the type does not exist, as in PostgreSQL.

use crate::catalog;
use crate::error::{sqlstate, SqlError};
use crate::session::cmd;
use crate::{QueryOutput, Session};
use orbit_storage::Value;
use sqlparser::ast;

/// The error of a type name that needs the extension in a database without it.
pub fn undefined_type() -> SqlError {
    SqlError::new(sqlstate::UNDEFINED_OBJECT, "type \"vector\" does not exist")
}

/// Whether a type name is pgvector's `vector` (with or without dimensions).
pub fn names_vector(dt: &ast::DataType) -> bool {
    match dt {
        ast::DataType::Custom(name, _) => crate::plan::bind::object_name_parts(name)
            .ok()
            .and_then(|parts| parts.last().cloned())
            .is_some_and(|n| n == "vector"),
        ast::DataType::Array(ast::ArrayElemTypeDef::SquareBracket(inner, _)) => names_vector(inner),
        _ => false,
    }
}

impl Session {
    pub(crate) async fn create_extension(&mut self, ce: &ast::CreateExtension) -> Result<QueryOutput, SqlError> {
        let name = ce.name.value.to_ascii_lowercase();
        if name != super::EXTENSION {
            return Err(SqlError::new(
                "58P01",
                format!(
                    "could not open extension control file \"/usr/share/postgresql/15/extension/{name}.control\": No such file or directory"
                ),
            )
            .with_hint("The extension must first be installed on the system where PostgreSQL is running."));
        }
        if let Some(version) = &ce.version {
            if version.value != super::EXTENSION_VERSION {
                return Err(SqlError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    format!(
                        "extension \"vector\" has no installation script nor update path for version \"{}\"",
                        version.value
                    ),
                ));
            }
        }
        let key = format!("{}.{name}", self.database);
        if self.engine.catalog().extensions.contains_key(&key) {
            if ce.if_not_exists {
                self.notice(sqlstate::DUPLICATE_OBJECT, format!("extension \"{name}\" already exists, skipping"));
                return Ok(cmd("CREATE EXTENSION"));
            }
            return Err(SqlError::new(sqlstate::DUPLICATE_OBJECT, format!("extension \"{name}\" already exists")));
        }
        let version = super::EXTENSION_VERSION.to_string();
        self.engine
            .storage
            .upsert(catalog::EXTENSIONS, vec![Value::Text(key.clone()), Value::Text(version.clone())])
            .await?;
        self.engine.update_catalog(|c| {
            c.extensions.insert(key, version);
        });
        Ok(cmd("CREATE EXTENSION"))
    }

    pub(crate) async fn drop_extension(&mut self, de: &ast::DropExtension) -> Result<QueryOutput, SqlError> {
        for ident in &de.names {
            let name = ident.value.to_ascii_lowercase();
            let key = format!("{}.{name}", self.database);
            let cat = self.engine.catalog();
            if !cat.extensions.contains_key(&key) {
                if de.if_exists {
                    self.notice("00000", format!("extension \"{name}\" does not exist, skipping"));
                    continue;
                }
                return Err(SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("extension \"{name}\" does not exist")));
            }
            let prefix = format!("{}.", self.database);
            let users: Vec<String> = cat
                .tables
                .values()
                .filter(|t| t.storage_name.starts_with(&prefix))
                .filter(|t| t.schema.options.keys().any(|k| k.starts_with(super::OPT_DIMS_PREFIX)))
                .map(|t| t.name.clone())
                .collect();
            if let Some(first) = users.first() {
                let cascade = matches!(de.cascade_or_restrict, Some(ast::ReferentialAction::Cascade));
                if cascade {
                    return Err(SqlError::not_supported(
                        "DROP EXTENSION vector CASCADE while tables have vector columns",
                    ));
                }
                return Err(SqlError::new(
                    sqlstate::DEPENDENT_OBJECTS_STILL_EXIST,
                    "cannot drop extension vector because other objects depend on it",
                )
                .with_detail(format!("column of table {first} depends on type vector"))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            self.engine.storage.delete(catalog::EXTENSIONS, &[Value::Text(key.clone())]).await?;
            self.engine.update_catalog(|c| {
                c.extensions.remove(&key);
            });
        }
        Ok(cmd("DROP EXTENSION"))
    }
}
