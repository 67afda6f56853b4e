//! DDL: CREATE/DROP/ALTER TABLE, indexes, views, schemas and databases, TRUNCATE.
//! Catalog changes take effect at once (as the storage catalog does), outside any
//! transaction block; each updates the engine's in-memory catalog snapshot.

use crate::catalog::{self, TableInfo, ViewDef, OPT_CHECK_PREFIX, OPT_HIDDEN, ROWID};
use crate::error::{sqlstate, SqlError};
use crate::expr::cast::assign_value;
use crate::expr::Expr;
use crate::plan::bind::{ident, map_data_type, object_name_parts, serial_kind, Scope};
use crate::session::{cmd, Session};
use crate::QueryOutput;
use orbit_storage::{AlterTable, ColumnDef, ColumnDefault, DataType, IndexDef, StorageError, TableDef, Value};
use sqlparser::ast::{self, Statement};
use std::collections::BTreeMap;
use std::sync::Arc;

fn duplicate_relation(name: &str) -> SqlError {
    SqlError::new(sqlstate::DUPLICATE_TABLE, format!("relation \"{name}\" already exists"))
}

fn undefined_table(name: &str) -> SqlError {
    SqlError::new(sqlstate::UNDEFINED_TABLE, format!("relation \"{name}\" does not exist"))
}

pub(crate) struct TableBuilder {
    pub(crate) name: String,
    pub(crate) storage_name: String,
    pub(crate) columns: Vec<ColumnDef>,
    pub(crate) primary_key: Vec<String>,
    pub(crate) indexes: Vec<IndexDef>,
    pub(crate) options: BTreeMap<String, String>,
    pub(crate) checks: usize,
}

impl TableBuilder {
    pub(crate) fn add_unique(&mut self, cols: Vec<String>, name: Option<String>) {
        let name = name.unwrap_or_else(|| format!("{}_{}_key", self.name, cols.join("_")));
        if !self.indexes.iter().any(|i| i.columns == cols && i.unique) {
            self.options.insert(format!("{}{name}", crate::catalog_views::model::OPT_UNIQUE_CONSTRAINT_PREFIX), "1".into());
            self.indexes.push(IndexDef { name, columns: cols, unique: true });
        }
    }
    pub(crate) fn add_check(&mut self, expr: &ast::Expr, name: Option<String>, column: Option<&str>) {
        self.checks += 1;
        let name = name.unwrap_or_else(|| match column {
            Some(c) => format!("{}_{c}_check", self.name),
            None => {
                format!("{}_check{}", self.name, if self.checks > 1 { self.checks.to_string() } else { String::new() })
            }
        });
        self.options.insert(format!("{OPT_CHECK_PREFIX}{name}"), expr.to_string());
    }
    pub(crate) fn set_primary_key(&mut self, cols: Vec<String>) -> Result<(), SqlError> {
        if !self.primary_key.is_empty() {
            return Err(SqlError::new(
                sqlstate::INVALID_TABLE_DEFINITION,
                format!("multiple primary keys for table \"{}\" are not allowed", self.name),
            ));
        }
        self.primary_key = cols;
        Ok(())
    }
}

pub(crate) fn index_columns(cols: &[ast::IndexColumn]) -> Result<Vec<String>, SqlError> {
    cols.iter()
        .map(|c| match &c.column.expr {
            ast::Expr::Identifier(i) => Ok(ident(i)),
            _ => Err(SqlError::not_supported("index expressions")),
        })
        .collect()
}

impl Session {
    fn qualify_new(&self, name: &ast::ObjectName) -> Result<(String, String, String), SqlError> {
        let cat = self.engine.catalog();
        let b = self.binder(&cat, &[]);
        let (db, schema, rel) = b.qualify(name)?;
        if !cat.schemas.contains(&format!("{db}.{schema}")) {
            return Err(SqlError::new(sqlstate::INVALID_SCHEMA_NAME, format!("schema \"{schema}\" does not exist")));
        }
        Ok((db, schema, rel))
    }

    /// The storage name and the relation name of `name`.
    pub(crate) fn qualified_name(&self, name: &ast::ObjectName) -> Result<(String, String), SqlError> {
        self.qualified(name)
    }

    /// The shared ALTER TABLE (MySQL's runs its own operations and these).
    pub(crate) async fn alter_table_shared(&mut self, at: &ast::AlterTable) -> Result<QueryOutput, SqlError> {
        self.alter_table(at).await
    }

    fn qualified(&self, name: &ast::ObjectName) -> Result<(String, String), SqlError> {
        let cat = self.engine.catalog();
        let b = self.binder(&cat, &[]);
        let (db, schema, rel) = b.qualify(name)?;
        Ok((format!("{db}.{schema}.{rel}"), rel))
    }

    /// Binds and evaluates a constant default (or returns the expression text).
    pub(crate) fn column_default(&self, expr: &ast::Expr, dt: &DataType) -> Result<ColumnDefault, SqlError> {
        let cat = self.engine.catalog();
        let mut b = self.binder(&cat, &[]);
        let (x, _) = b.bind_expr(expr, &Scope::default(), None)?;
        match x {
            Expr::Literal(v) => Ok(ColumnDefault::Value(assign_value(v, dt)?)),
            _ => Ok(ColumnDefault::Expression(expr.to_string())),
        }
    }

    fn column_def(&self, tb: &mut TableBuilder, c: &ast::ColumnDef) -> Result<ColumnDef, SqlError> {
        if self.engine.dialect.is_mysql() {
            return crate::mysql_sql::ddl::column_def(self, tb, c);
        }
        let name = ident(&c.name);
        if crate::vector::extension::names_vector(&c.data_type) && !self.engine.catalog().has_vector(&self.database) {
            return Err(crate::vector::extension::undefined_type());
        }
        let (dt, sql_type) = map_data_type(&c.data_type)?;
        if let crate::SqlType::Vector(dims) = sql_type {
            let dims = dims.map(|d| d.to_string()).unwrap_or_default();
            tb.options.insert(format!("{}{name}", crate::vector::OPT_DIMS_PREFIX), dims);
        }
        let mut col = ColumnDef::new(name.clone(), dt.clone());
        let seq_text = format!("nextval('{}.{}_seq')", tb.storage_name, name);
        let seq_default = || ColumnDefault::Expression(seq_text.clone());
        if serial_kind(&c.data_type) {
            col.nullable = false;
            col.default = Some(seq_default());
        }
        for opt in &c.options {
            let cname = opt.name.as_ref().map(ident);
            match &opt.option {
                ast::ColumnOption::Null => col.nullable = true,
                ast::ColumnOption::NotNull => col.nullable = false,
                ast::ColumnOption::Default(e) => {
                    col.default = Some(self.column_default(e, &dt)?);
                    tb.options.insert(format!("{}{name}", crate::catalog_views::model::OPT_DEFAULT_TEXT_PREFIX), e.to_string());
                }
                ast::ColumnOption::PrimaryKey(_) => {
                    tb.set_primary_key(vec![name.clone()])?;
                    col.nullable = false;
                }
                ast::ColumnOption::Unique(_) => tb.add_unique(vec![name.clone()], cname),
                ast::ColumnOption::Check(chk) => {
                    tb.add_check(&chk.expr, cname.or(chk.name.as_ref().map(ident)), Some(&name))
                }
                ast::ColumnOption::Generated {
                    generation_expr: None, generated_as: ast::GeneratedAs::Always, ..
                } => {
                    if !matches!(dt, DataType::Int16 | DataType::Int32 | DataType::Int64) {
                        return Err(SqlError::new(
                            sqlstate::INVALID_PARAMETER_VALUE,
                            "identity column type must be smallint, integer, or bigint",
                        ));
                    }
                    col.nullable = false;
                    col.default = Some(seq_default());
                    tb.options.insert(format!("{}{name}", catalog::OPT_IDENTITY_ALWAYS_PREFIX), "1".into());
                }
                ast::ColumnOption::Generated { generation_expr: None, .. } | ast::ColumnOption::Identity(_) => {
                    if !matches!(dt, DataType::Int16 | DataType::Int32 | DataType::Int64) {
                        return Err(SqlError::new(
                            sqlstate::INVALID_PARAMETER_VALUE,
                            "identity column type must be smallint, integer, or bigint".to_string(),
                        ));
                    }
                    col.nullable = false;
                    col.default = Some(seq_default());
                }
                ast::ColumnOption::ForeignKey(_) => return Err(SqlError::not_supported("FOREIGN KEY constraints")),
                ast::ColumnOption::Collation(_) => {
                    return Err(SqlError::not_supported("COLLATE in column definitions"))
                }
                other => return Err(SqlError::not_supported(format!("column option {other}"))),
            }
        }
        Ok(col)
    }

    pub(crate) async fn execute_ddl(&mut self, stmt: &Statement) -> Result<QueryOutput, SqlError> {
        let engine = self.engine.clone();
        let _guard = engine.ddl_lock.lock().await;
        if engine.dialect.is_mysql() {
            if let Some(r) = self.mysql_ddl(stmt).await {
                return r;
            }
        }
        match stmt {
            Statement::CreateTable(ct) => self.create_table(ct).await,
            Statement::Drop { object_type, if_exists, names, cascade, .. } => match object_type {
                ast::ObjectType::Table => self.drop_tables(names, *if_exists).await,
                ast::ObjectType::View => self.drop_views(names, *if_exists).await,
                ast::ObjectType::Index => self.drop_indexes(names, *if_exists).await,
                ast::ObjectType::Schema => self.drop_schemas(names, *if_exists, *cascade).await,
                ast::ObjectType::Database => self.drop_database(names, *if_exists).await,
                other => Err(SqlError::not_supported(format!("DROP {other}"))),
            },
            Statement::CreateIndex(ci) => self.create_index(ci).await,
            Statement::CreateExtension(ce) => Box::pin(self.create_extension(ce)).await,
            Statement::DropExtension(de) => Box::pin(self.drop_extension(de)).await,
            Statement::AlterTable(at) => self.alter_table(at).await,
            Statement::Truncate(t) => {
                for target in &t.table_names {
                    let (q, rel) = self.qualified(&target.name)?;
                    let cat = self.engine.catalog();
                    let Some(info) = cat.tables.get(&q) else { return Err(undefined_table(&rel)) };
                    if self.mysql_foreign_key_checks() {
                        if let Some((child, fk)) = crate::mysql_sql::foreign_keys::referred_by(&cat, info, &[]) {
                            return Err(crate::mysql_sql::foreign_keys::truncate_refused(&child, &fk));
                        }
                    }
                    self.engine.storage.truncate_table(&q).await?;
                }
                Ok(cmd("TRUNCATE TABLE"))
            }
            Statement::CreateView(cv) => self.create_view(cv).await,
            Statement::CreateSchema { schema_name, if_not_exists, .. } => {
                let name = match schema_name {
                    ast::SchemaName::Simple(n) | ast::SchemaName::NamedAuthorization(n, _) => {
                        object_name_parts(n)?.last().cloned().unwrap_or_default()
                    }
                    ast::SchemaName::UnnamedAuthorization(i) => ident(i),
                };
                let q = format!("{}.{}", self.database, name);
                if self.engine.catalog().schemas.contains(&q) {
                    if *if_not_exists {
                        self.notice("42P06", format!("schema \"{name}\" already exists, skipping"));
                        return Ok(cmd("CREATE SCHEMA"));
                    }
                    return Err(SqlError::new(sqlstate::DUPLICATE_SCHEMA, format!("schema \"{name}\" already exists")));
                }
                self.engine.storage.upsert(catalog::SCHEMAS, vec![Value::Text(q.clone())]).await?;
                self.engine.update_catalog(|c| {
                    c.schemas.insert(q);
                });
                Ok(cmd("CREATE SCHEMA"))
            }
            Statement::CreateDatabase { db_name, if_not_exists, .. } => {
                if self.transaction_status() != crate::TransactionStatus::Idle {
                    return Err(SqlError::new(
                        sqlstate::ACTIVE_SQL_TRANSACTION,
                        "CREATE DATABASE cannot run inside a transaction block",
                    ));
                }
                let name = object_name_parts(db_name)?.last().cloned().unwrap_or_default();
                if self.engine.catalog().databases.contains(&name) {
                    if *if_not_exists {
                        return Ok(cmd("CREATE DATABASE"));
                    }
                    return Err(SqlError::new(
                        sqlstate::DUPLICATE_DATABASE,
                        format!("database \"{name}\" already exists"),
                    ));
                }
                if name.contains('.') || name.is_empty() {
                    return Err(SqlError::not_supported("database names containing \".\""));
                }
                self.engine.storage.upsert(catalog::DATABASES, vec![Value::Text(name.clone())]).await?;
                let public = format!("{name}.public");
                self.engine.storage.upsert(catalog::SCHEMAS, vec![Value::Text(public.clone())]).await?;
                self.engine.update_catalog(|c| {
                    c.databases.insert(name);
                    c.schemas.insert(public);
                });
                Ok(cmd("CREATE DATABASE"))
            }
            other => Err(SqlError::not_supported(format!("statement {}", statement_kind(other)))),
        }
    }

    async fn create_table(&mut self, ct: &ast::CreateTable) -> Result<QueryOutput, SqlError> {
        if ct.temporary || ct.external || ct.like.is_some() || ct.clone.is_some() {
            return Err(SqlError::not_supported("this CREATE TABLE form"));
        }
        let (db, schema, name) = self.qualify_new(&ct.name)?;
        let storage_name = format!("{db}.{schema}.{name}");
        if self.engine.catalog().relation_exists(&storage_name) {
            if ct.if_not_exists {
                self.notice("42P07", format!("relation \"{name}\" already exists, skipping"));
                return Ok(cmd("CREATE TABLE"));
            }
            return Err(duplicate_relation(&name));
        }
        if ct.query.is_some() {
            return self.create_table_as(ct, &storage_name, &name).await;
        }
        let mut tb = TableBuilder {
            name: name.clone(),
            storage_name: storage_name.clone(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            indexes: Vec::new(),
            options: BTreeMap::new(),
            checks: 0,
        };
        for c in &ct.columns {
            let col = self.column_def(&mut tb, c)?;
            if tb.columns.iter().any(|x| x.name == col.name) {
                return Err(SqlError::new(
                    sqlstate::DUPLICATE_COLUMN,
                    format!("column \"{}\" specified more than once", col.name),
                ));
            }
            tb.columns.push(col);
        }
        if self.engine.dialect.is_mysql() {
            crate::mysql_sql::ddl::table_options(&mut tb, ct)?;
        }
        for con in &ct.constraints {
            if self.engine.dialect.is_mysql() {
                match con {
                    ast::TableConstraint::ForeignKey(fk) => {
                        let cols = fk.columns.iter().map(ident).collect();
                        crate::mysql_sql::foreign_keys::declare(self, &mut tb, fk, cols)?;
                    }
                    con => crate::mysql_sql::ddl::table_constraint(&mut tb, con)?,
                }
                continue;
            }
            match con {
                ast::TableConstraint::PrimaryKey(pk) => tb.set_primary_key(index_columns(&pk.columns)?)?,
                ast::TableConstraint::Unique(u) => {
                    let cols = index_columns(&u.columns)?;
                    tb.add_unique(cols, u.name.as_ref().map(ident));
                }
                ast::TableConstraint::Check(c) => tb.add_check(&c.expr, c.name.as_ref().map(ident), None),
                ast::TableConstraint::ForeignKey(_) => return Err(SqlError::not_supported("FOREIGN KEY constraints")),
                _ => return Err(SqlError::not_supported("this table constraint")),
            }
        }
        for k in &tb.primary_key {
            match tb.columns.iter_mut().find(|c| c.name == *k) {
                Some(c) => c.nullable = false,
                None => {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_COLUMN,
                        format!("column \"{k}\" named in key does not exist"),
                    ))
                }
            }
        }
        for i in &tb.indexes {
            for c in &i.columns {
                if !tb.columns.iter().any(|x| x.name == *c) {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_COLUMN,
                        format!("column \"{c}\" named in key does not exist"),
                    ));
                }
            }
        }
        if self.engine.dialect.is_mysql() {
            crate::mysql_sql::foreign_keys::prepare(self, &mut tb)?;
        }
        if tb.primary_key.is_empty() {
            tb.columns.push(ColumnDef::new(ROWID, DataType::Int64).not_null());
            tb.primary_key = vec![ROWID.to_string()];
            tb.options.insert(OPT_HIDDEN.into(), ROWID.into());
        }
        // Validate CHECK expressions against the new columns before creating anything.
        let def = TableDef {
            name: storage_name.clone(),
            columns: tb.columns,
            primary_key: tb.primary_key,
            indexes: tb.indexes,
            options: tb.options,
        };
        {
            let schema = orbit_storage::TableSchema::from_def(0, &def)?;
            let info = TableInfo::new(&storage_name, Arc::new(schema));
            let cat = self.engine.catalog();
            let mut b = self.binder(&cat, &[]);
            let scope = Scope {
                cols: info
                    .columns()
                    .iter()
                    .zip(info.column_types())
                    .map(|(c, t)| crate::plan::bind::ScopeCol {
                        table: Some(name.clone()),
                        name: c.name.clone(),
                        ty: t,
                        hidden: false,
                    })
                    .collect(),
            };
            for (_, sql) in &info.checks {
                let e = crate::parse::parse_expr(self.engine.dialect, sql)?;
                b.bind_expr(&e, &scope, None)?;
            }
        }
        self.engine.storage.create_table(&def).await.map_err(|e| match e {
            StorageError::TableExists(_) => duplicate_relation(&name),
            e => e.into(),
        })?;
        catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{storage_name}.")).await?;
        if self.engine.dialect.is_mysql() {
            crate::mysql_sql::ddl::start_auto_increment(&self.engine.storage, &def.options).await?;
        }
        self.engine.refresh_table(&storage_name).await?;
        Ok(cmd("CREATE TABLE"))
    }

    async fn create_table_as(
        &mut self,
        ct: &ast::CreateTable,
        storage_name: &str,
        name: &str,
    ) -> Result<QueryOutput, SqlError> {
        let Some(q) = &ct.query else { return Err(SqlError::not_supported("CREATE TABLE AS")) };
        let bound = {
            let cat = self.engine.catalog();
            let mut b = self.binder(&cat, &[]);
            b.bind_query(q)?
        };
        let mut def = TableDef::new(storage_name);
        for (i, (n, t)) in bound.cols.iter().enumerate() {
            let n = ct.columns.get(i).map(|c| ident(&c.name)).unwrap_or_else(|| n.clone());
            def.columns.push(ColumnDef::new(n, data_type_of(t)?));
        }
        def.columns.push(ColumnDef::new(ROWID, DataType::Int64).not_null());
        def.primary_key = vec![ROWID.to_string()];
        def.options.insert(OPT_HIDDEN.into(), ROWID.into());
        let mut tx = self.engine.storage.begin().await?;
        let rows = self.run_plan(tx.as_mut(), &bound.plan, &[]).await?;
        self.engine.storage.create_table(&def).await.map_err(|e| match e {
            StorageError::TableExists(_) => duplicate_relation(name),
            e => e.into(),
        })?;
        catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{storage_name}.")).await?;
        let n = rows.len();
        let first = catalog::next_values(&self.engine.storage, &format!("{storage_name}.{ROWID}"), n as i64).await?;
        let mut tx = self.engine.storage.begin().await?;
        for (i, mut row) in rows.into_iter().enumerate() {
            for (v, c) in row.iter_mut().zip(&def.columns) {
                *v = assign_value(std::mem::replace(v, Value::Null), &c.data_type)?;
            }
            row.push(Value::Int(first + i as i64));
            tx.insert(storage_name, row).await?;
        }
        tx.commit().await?;
        self.engine.refresh_table(storage_name).await?;
        Ok(cmd(&format!("SELECT {n}")))
    }

    async fn drop_tables(&mut self, names: &[ast::ObjectName], if_exists: bool) -> Result<QueryOutput, SqlError> {
        let mut targets = Vec::new();
        for n in names {
            let (q, rel) = self.qualified(n)?;
            let cat = self.engine.catalog();
            if cat.tables.contains_key(&q) {
                targets.push(q);
            } else if cat.views.contains_key(&q) {
                return Err(SqlError::new(sqlstate::WRONG_OBJECT_TYPE, format!("\"{rel}\" is not a table"))
                    .with_hint("Use DROP VIEW to remove a view."));
            } else if !if_exists {
                return Err(SqlError::new(sqlstate::UNDEFINED_TABLE, format!("table \"{rel}\" does not exist")));
            } else {
                self.notice("00000", format!("table \"{rel}\" does not exist, skipping"));
            }
        }
        for q in targets {
            self.engine.storage.drop_table(&q).await?;
            catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{q}.")).await?;
            self.engine.refresh_table(&q).await?;
        }
        Ok(cmd("DROP TABLE"))
    }

    async fn drop_views(&mut self, names: &[ast::ObjectName], if_exists: bool) -> Result<QueryOutput, SqlError> {
        let mut targets = Vec::new();
        for n in names {
            let (q, rel) = self.qualified(n)?;
            let cat = self.engine.catalog();
            if cat.views.contains_key(&q) {
                targets.push(q);
            } else if cat.tables.contains_key(&q) {
                return Err(SqlError::new(sqlstate::WRONG_OBJECT_TYPE, format!("\"{rel}\" is not a view"))
                    .with_hint("Use DROP TABLE to remove a table."));
            } else if !if_exists {
                return Err(SqlError::new(sqlstate::UNDEFINED_TABLE, format!("view \"{rel}\" does not exist")));
            } else {
                self.notice("00000", format!("view \"{rel}\" does not exist, skipping"));
            }
        }
        for q in targets {
            self.engine.storage.delete(catalog::VIEWS, &[Value::Text(q.clone())]).await?;
            self.engine.update_catalog(|c| {
                c.views.remove(&q);
            });
        }
        Ok(cmd("DROP VIEW"))
    }

    /// The table (storage name) of an index in the current schema.
    fn find_index(&self, name: &ast::ObjectName) -> Result<(Option<String>, String), SqlError> {
        let cat = self.engine.catalog();
        let b = self.binder(&cat, &[]);
        let (db, schema, idx) = b.qualify(name)?;
        let prefix = format!("{db}.{schema}");
        let table = cat.tables_in(&prefix).find(|t| t.schema.index(&idx).is_some()).map(|t| t.storage_name.clone());
        Ok((table, idx))
    }

    /// The "db.schema" an index name lives in.
    fn index_schema(&self, name: &ast::ObjectName) -> Result<String, SqlError> {
        let cat = self.engine.catalog();
        let (db, schema, _) = self.binder(&cat, &[]).qualify(name)?;
        Ok(format!("{db}.{schema}"))
    }

    async fn drop_indexes(&mut self, names: &[ast::ObjectName], if_exists: bool) -> Result<QueryOutput, SqlError> {
        for n in names {
            let (table, idx) = self.find_index(n)?;
            match table {
                Some(t) => {
                    self.engine.storage.drop_index(&t, &idx).await?;
                    self.engine.refresh_table(&t).await?;
                }
                None if Box::pin(self.drop_vector_index(&self.index_schema(n)?, &idx)).await? => {}
                None if if_exists => self.notice("00000", format!("index \"{idx}\" does not exist, skipping")),
                None => {
                    return Err(SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("index \"{idx}\" does not exist")))
                }
            }
        }
        Ok(cmd("DROP INDEX"))
    }

    async fn drop_schemas(
        &mut self,
        names: &[ast::ObjectName],
        if_exists: bool,
        cascade: bool,
    ) -> Result<QueryOutput, SqlError> {
        for n in names {
            let name = object_name_parts(n)?.last().cloned().unwrap_or_default();
            let q = format!("{}.{}", self.database, name);
            let cat = self.engine.catalog();
            if !cat.schemas.contains(&q) {
                if if_exists {
                    self.notice("00000", format!("schema \"{name}\" does not exist, skipping"));
                    continue;
                }
                return Err(SqlError::new(sqlstate::INVALID_SCHEMA_NAME, format!("schema \"{name}\" does not exist")));
            }
            let tables: Vec<String> = cat.tables_in(&q).map(|t| t.storage_name.clone()).collect();
            let views: Vec<String> = cat.views.keys().filter(|v| v.starts_with(&format!("{q}."))).cloned().collect();
            if (!tables.is_empty() || !views.is_empty()) && !cascade {
                return Err(SqlError::new(
                    sqlstate::DEPENDENT_OBJECTS_STILL_EXIST,
                    format!("cannot drop schema {name} because other objects depend on it"),
                )
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            self.drop_objects(&tables, &views).await?;
            self.engine.storage.delete(catalog::SCHEMAS, &[Value::Text(q.clone())]).await?;
            self.engine.update_catalog(|c| {
                c.schemas.remove(&q);
            });
        }
        Ok(cmd("DROP SCHEMA"))
    }

    async fn drop_objects(&mut self, tables: &[String], views: &[String]) -> Result<(), SqlError> {
        for t in tables {
            self.engine.storage.drop_table(t).await?;
            catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{t}.")).await?;
            self.engine.refresh_table(t).await?;
        }
        for v in views {
            self.engine.storage.delete(catalog::VIEWS, &[Value::Text(v.clone())]).await?;
            self.engine.update_catalog(|c| {
                c.views.remove(v);
            });
        }
        Ok(())
    }

    async fn drop_database(&mut self, names: &[ast::ObjectName], if_exists: bool) -> Result<QueryOutput, SqlError> {
        if self.transaction_status() != crate::TransactionStatus::Idle {
            return Err(SqlError::new(
                sqlstate::ACTIVE_SQL_TRANSACTION,
                "DROP DATABASE cannot run inside a transaction block",
            ));
        }
        for n in names {
            let name = object_name_parts(n)?.last().cloned().unwrap_or_default();
            let cat = self.engine.catalog();
            if !cat.databases.contains(&name) {
                if if_exists {
                    self.notice("00000", format!("database \"{name}\" does not exist, skipping"));
                    continue;
                }
                return Err(SqlError::new(
                    sqlstate::INVALID_CATALOG_NAME,
                    format!("database \"{name}\" does not exist"),
                ));
            }
            if name == self.database {
                return Err(SqlError::new(sqlstate::OBJECT_IN_USE, "cannot drop the currently open database"));
            }
            let prefix = format!("{name}.");
            let tables: Vec<String> = cat.tables.keys().filter(|t| t.starts_with(&prefix)).cloned().collect();
            let views: Vec<String> = cat.views.keys().filter(|v| v.starts_with(&prefix)).cloned().collect();
            let schemas: Vec<String> = cat.schemas.iter().filter(|s| s.starts_with(&prefix)).cloned().collect();
            self.drop_objects(&tables, &views).await?;
            for s in &schemas {
                self.engine.storage.delete(catalog::SCHEMAS, &[Value::Text(s.clone())]).await?;
            }
            self.engine.storage.delete(catalog::DATABASES, &[Value::Text(name.clone())]).await?;
            self.engine.update_catalog(|c| {
                c.databases.remove(&name);
                for s in &schemas {
                    c.schemas.remove(s);
                }
            });
        }
        Ok(cmd("DROP DATABASE"))
    }

    async fn create_index(&mut self, ci: &ast::CreateIndex) -> Result<QueryOutput, SqlError> {
        if ci.predicate.is_some() || !ci.include.is_empty() {
            return Err(SqlError::not_supported("partial indexes and INCLUDE"));
        }
        let (q, rel) = self.qualified(&ci.table_name)?;
        let cat = self.engine.catalog();
        let Some(info) = cat.tables.get(&q).cloned() else { return Err(undefined_table(&rel)) };
        if crate::vector::index_ddl::is_vector_method(ci) {
            return Box::pin(self.create_vector_index(ci, &q, info)).await; // boxed: keeps DDL futures small
        }
        let cols = index_columns(&ci.columns)?;
        for c in &cols {
            if info.schema.column_position(c).is_none() || *c == ROWID {
                return Err(SqlError::new(sqlstate::UNDEFINED_COLUMN, format!("column \"{c}\" does not exist")));
            }
        }
        let name = match &ci.name {
            Some(n) => object_name_parts(n)?.last().cloned().unwrap_or_default(),
            None => format!("{}_{}_idx", info.name, cols.join("_")),
        };
        let prefix = q.rsplit_once('.').map(|(p, _)| p.to_string()).unwrap_or_default();
        if cat.tables_in(&prefix).any(|t| t.schema.index(&name).is_some())
            || cat.relation_exists(&format!("{prefix}.{name}"))
        {
            if ci.if_not_exists {
                self.notice("42P07", format!("relation \"{name}\" already exists, skipping"));
                return Ok(cmd("CREATE INDEX"));
            }
            return Err(duplicate_relation(&name));
        }
        let def = IndexDef { name: name.clone(), columns: cols, unique: ci.unique };
        self.engine.storage.create_index(&q, &def).await.map_err(|e| match e {
            StorageError::UniqueViolation { .. } | StorageError::DuplicateKey { .. } => {
                SqlError::new(sqlstate::UNIQUE_VIOLATION, format!("could not create unique index \"{name}\""))
            }
            e => e.into(),
        })?;
        self.engine.refresh_table(&q).await?;
        Ok(cmd("CREATE INDEX"))
    }

    async fn alter_table(&mut self, at: &ast::AlterTable) -> Result<QueryOutput, SqlError> {
        let (q, rel) = self.qualified(&at.name)?;
        let cat = self.engine.catalog();
        let Some(info) = cat.tables.get(&q).cloned() else {
            if at.if_exists {
                self.notice("00000", format!("relation \"{rel}\" does not exist, skipping"));
                return Ok(cmd("ALTER TABLE"));
            }
            return Err(undefined_table(&rel));
        };
        let mut current = q.clone();
        for op in &at.operations {
            match op {
                ast::AlterTableOperation::AddColumn { if_not_exists, column_def, column_position, .. } => {
                    if column_position.is_some() {
                        return Err(SqlError::not_supported("column positions"));
                    }
                    let name = ident(&column_def.name);
                    if info.schema.column_position(&name).is_some() {
                        if *if_not_exists {
                            self.notice(
                                "42701",
                                format!("column \"{name}\" of relation \"{rel}\" already exists, skipping"),
                            );
                            continue;
                        }
                        return Err(SqlError::new(
                            sqlstate::DUPLICATE_COLUMN,
                            format!("column \"{name}\" of relation \"{rel}\" already exists"),
                        ));
                    }
                    let mut tb = TableBuilder {
                        name: rel.clone(),
                        storage_name: current.clone(),
                        columns: vec![],
                        primary_key: vec![],
                        indexes: vec![],
                        options: BTreeMap::new(),
                        checks: info.checks.len(),
                    };
                    let col = self.column_def(&mut tb, column_def)?;
                    if !tb.primary_key.is_empty() {
                        return Err(SqlError::not_supported("adding a primary-key column"));
                    }
                    if matches!(col.default, Some(ColumnDefault::Expression(_))) {
                        return Err(SqlError::not_supported("ADD COLUMN with a non-constant default"));
                    }
                    self.engine.storage.alter_table(&current, AlterTable::AddColumn(col)).await.map_err(
                        |e| match e {
                            StorageError::NotNullViolation { column, .. } => SqlError::new(
                                sqlstate::NOT_NULL_VIOLATION,
                                format!("column \"{column}\" of relation \"{rel}\" contains null values"),
                            ),
                            e => e.into(),
                        },
                    )?;
                    if !tb.options.is_empty() {
                        self.engine.storage.alter_table(&current, AlterTable::SetOptions(tb.options.clone())).await?;
                    }
                    for idx in tb.indexes {
                        self.engine.storage.create_index(&current, &idx).await?;
                    }
                }
                ast::AlterTableOperation::DropColumn { column_names, if_exists, .. } => {
                    for c in column_names {
                        let name = ident(c);
                        if info.schema.column_position(&name).is_none() || name == ROWID {
                            if *if_exists {
                                self.notice(
                                    "00000",
                                    format!("column \"{name}\" of relation \"{rel}\" does not exist, skipping"),
                                );
                                continue;
                            }
                            return Err(SqlError::new(
                                sqlstate::UNDEFINED_COLUMN,
                                format!("column \"{name}\" of relation \"{rel}\" does not exist"),
                            ));
                        }
                        if info.schema.primary_key_names().contains(&name.as_str()) {
                            return Err(SqlError::not_supported("dropping a primary-key column"));
                        }
                        self.engine.storage.alter_table(&current, AlterTable::DropColumn(name)).await?;
                    }
                }
                ast::AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                    let (from, to) = (ident(old_column_name), ident(new_column_name));
                    if info.schema.column_position(&from).is_none() {
                        return Err(SqlError::new(
                            sqlstate::UNDEFINED_COLUMN,
                            format!("column \"{from}\" does not exist"),
                        ));
                    }
                    self.engine.storage.alter_table(&current, AlterTable::RenameColumn { from, to }).await?;
                }
                ast::AlterTableOperation::RenameTable { table_name } => {
                    let n = match table_name {
                        ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                    };
                    let new_rel = object_name_parts(n)?.last().cloned().unwrap_or_default();
                    let prefix = current.rsplit_once('.').map(|(p, _)| p.to_string()).unwrap_or_default();
                    let new_q = format!("{prefix}.{new_rel}");
                    if self.engine.catalog().relation_exists(&new_q) {
                        return Err(duplicate_relation(&new_rel));
                    }
                    self.engine.storage.alter_table(&current, AlterTable::RenameTable(new_q.clone())).await?;
                    self.engine.refresh_table(&current).await?;
                    current = new_q;
                }
                ast::AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
                    ast::TableConstraint::Unique(u) => {
                        let cols = index_columns(&u.columns)?;
                        let name =
                            u.name.as_ref().map(ident).unwrap_or_else(|| format!("{rel}_{}_key", cols.join("_")));
                        self.engine
                            .storage
                            .create_index(&current, &IndexDef { name: name.clone(), columns: cols, unique: true })
                            .await
                            .map_err(|e| match e {
                                StorageError::UniqueViolation { .. } => SqlError::new(
                                    sqlstate::UNIQUE_VIOLATION,
                                    format!("could not create unique index \"{name}\""),
                                ),
                                e => e.into(),
                            })?;
                    }
                    ast::TableConstraint::PrimaryKey(pk) => {
                        let cols = index_columns(&pk.columns)?;
                        self.add_primary_key(&current, &rel, cols, pk.name.as_ref().map(ident)).await?;
                    }
                    _ => return Err(SqlError::not_supported("this ALTER TABLE ADD CONSTRAINT")),
                },
                ast::AlterTableOperation::AlterColumn { column_name, op } => {
                    let column = ident(column_name);
                    let Some(pos) = info.schema.column_position(&column) else {
                        return Err(SqlError::new(
                            sqlstate::UNDEFINED_COLUMN,
                            format!("column \"{column}\" of relation \"{rel}\" does not exist"),
                        ));
                    };
                    let dt = info.columns()[pos].data_type.clone();
                    let default = match op {
                        ast::AlterColumnOperation::SetDefault { value } => Some(self.column_default(value, &dt)?),
                        ast::AlterColumnOperation::DropDefault => None,
                        _ => return Err(SqlError::not_supported("this ALTER COLUMN operation")),
                    };
                    self.engine.storage.alter_table(&current, AlterTable::SetDefault { column, default }).await?;
                }
                _ => return Err(SqlError::not_supported("this ALTER TABLE operation")),
            }
        }
        self.engine.refresh_table(&current).await?;
        Ok(cmd("ALTER TABLE"))
    }

    /// ALTER TABLE ... ADD [CONSTRAINT name] PRIMARY KEY (cols). The primary key is the
    /// row key in storage, so the table is re-keyed in one storage write (rows moved
    /// under the new key, indexes rebuilt, the hidden row id dropped): lookups by the
    /// new key are then one point read, and a crash leaves either the old or the new table.
    async fn add_primary_key(
        &mut self,
        table: &str,
        rel: &str,
        cols: Vec<String>,
        name: Option<String>,
    ) -> Result<(), SqlError> {
        let Some(info) = self.engine.catalog().tables.get(table).cloned() else { return Err(undefined_table(rel)) };
        if info.hidden.is_none() {
            return Err(SqlError::new(
                sqlstate::INVALID_TABLE_DEFINITION,
                format!("multiple primary keys for table \"{rel}\" are not allowed"),
            ));
        }
        for c in &cols {
            if info.schema.column_position(c).is_none() || *c == ROWID {
                return Err(SqlError::new(
                    sqlstate::UNDEFINED_COLUMN,
                    format!("column \"{c}\" of relation \"{rel}\" does not exist"),
                ));
            }
        }
        let name = name.unwrap_or_else(|| format!("{rel}_pkey"));
        let change = AlterTable::SetPrimaryKey { columns: cols, drop_old_key: true };
        self.engine.storage.alter_table(table, change).await.map_err(|e| match e {
            StorageError::NotNullViolation { column, .. } => SqlError::new(
                sqlstate::NOT_NULL_VIOLATION,
                format!("column \"{column}\" of relation \"{rel}\" contains null values"),
            ),
            StorageError::UniqueViolation { .. } | StorageError::DuplicateKey { .. } => {
                SqlError::new(sqlstate::UNIQUE_VIOLATION, format!("could not create unique index \"{name}\""))
            }
            e => e.into(),
        })?;
        if name != format!("{rel}_pkey") {
            let options = BTreeMap::from([(catalog::OPT_PKEY_NAME.to_string(), name)]);
            self.engine.storage.alter_table(table, AlterTable::SetOptions(options)).await?;
        }
        Ok(())
    }

    async fn create_view(&mut self, cv: &ast::CreateView) -> Result<QueryOutput, SqlError> {
        if cv.materialized || cv.temporary {
            return Err(SqlError::not_supported("materialized and temporary views"));
        }
        let (db, schema, name) = self.qualify_new(&cv.name)?;
        let q = format!("{db}.{schema}.{name}");
        let cat = self.engine.catalog();
        if cat.tables.contains_key(&q) || (cat.views.contains_key(&q) && !cv.or_replace) {
            if cv.if_not_exists {
                return Ok(cmd("CREATE VIEW"));
            }
            return Err(duplicate_relation(&name));
        }
        let bound = {
            let mut b = self.binder(&cat, &[]);
            b.bind_query(&cv.query)?
        };
        let mut columns: Vec<String> = bound.cols.iter().map(|(n, _)| n.clone()).collect();
        for (i, c) in cv.columns.iter().enumerate() {
            if let Some(slot) = columns.get_mut(i) {
                *slot = ident(&c.name);
            } else {
                return Err(SqlError::new(
                    sqlstate::SYNTAX_ERROR,
                    "CREATE VIEW specifies more column names than columns",
                ));
            }
        }
        let sql = cv.query.to_string();
        self.engine
            .storage
            .upsert(
                catalog::VIEWS,
                vec![Value::Text(q.clone()), Value::Text(sql.clone()), Value::Text(columns.join("\u{1f}"))],
            )
            .await?;
        self.engine.update_catalog(|c| {
            c.views.insert(q, ViewDef { sql, columns });
        });
        Ok(cmd("CREATE VIEW"))
    }
}

fn data_type_of(t: &crate::SqlType) -> Result<DataType, SqlError> {
    use crate::SqlType as T;
    Ok(match t {
        T::Bool => DataType::Bool,
        T::Int2 => DataType::Int16,
        T::Int4 => DataType::Int32,
        T::Int8 => DataType::Int64,
        T::Float4 => DataType::Float32,
        T::Float8 => DataType::Float64,
        T::Numeric => DataType::Decimal { precision: None, scale: None },
        T::Text | T::Unknown => DataType::Text,
        T::Varchar => DataType::Varchar(None),
        T::Bpchar => DataType::Char(None),
        T::Bytea | T::Vector(_) => DataType::Bytes,
        T::Date => DataType::Date,
        T::Time => DataType::Time,
        T::Timestamp => DataType::Timestamp,
        T::TimestampTz => DataType::TimestampTz,
        T::Interval => DataType::Interval,
        T::Uuid => DataType::Uuid,
        T::Json => DataType::Json,
        T::Jsonb => DataType::Jsonb,
        T::Array(inner) => DataType::Array(Box::new(data_type_of(inner)?)),
    })
}

fn statement_kind(s: &Statement) -> String {
    let text = s.to_string();
    text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}
