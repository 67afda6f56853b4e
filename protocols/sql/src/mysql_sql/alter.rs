//! MySQL's DDL statements and forms beyond the shared ones, with MySQL's messages:
//! RENAME TABLE, CREATE TABLE ... LIKE, DROP TABLE [IF EXISTS] a, b (1051), DROP INDEX i
//! ON t, and ALTER TABLE ... MODIFY / CHANGE [COLUMN], ADD {INDEX|KEY|UNIQUE}, DROP INDEX,
//! AUTO_INCREMENT = n. Operations the shared ALTER TABLE knows run there, one by one.
//!
//! MODIFY / CHANGE keep the table when the column's storage type stays the same (a
//! VARCHAR length, NULL-ability of nothing, a comment: only the declared type text
//! and defaults change); otherwise the table is rebuilt under a temporary name with
//! every row converted by MySQL's assignment rules, then put in place of the old one.

use super::ddl::{OPT_COMMENT_PREFIX, OPT_ON_UPDATE_PREFIX};
use super::errors;
use super::types::{self, OPT_AUTO_INCREMENT_PREFIX, OPT_TYPE_PREFIX};
use crate::catalog::{self, TableInfo, ROWID};
use crate::ddl::TableBuilder;
use crate::error::SqlError;
use crate::plan::bind::ident;
use crate::session::{cmd, Session};
use crate::QueryOutput;
use orbit_storage::{AlterTable, ColumnDef, ColumnDefault, IndexDef, TableDef, Value};
use sqlparser::ast::{self, Statement};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The definition of an existing table (to copy or rebuild it).
fn table_def(info: &TableInfo, name: &str) -> TableDef {
    let schema = &info.schema;
    TableDef {
        name: name.to_string(),
        columns: schema.columns().cloned().collect(),
        primary_key: schema.primary_key_names().iter().map(|s| s.to_string()).collect(),
        indexes: schema
            .indexes
            .iter()
            .map(|i| IndexDef {
                name: i.name.clone(),
                columns: schema.index_column_names(i).iter().map(|s| s.to_string()).collect(),
                unique: i.unique,
            })
            .collect(),
        options: schema.options.clone(),
    }
}

/// Points a table definition's AUTO_INCREMENT sequences at `storage_name`'s own.
fn own_sequences(def: &mut TableDef, storage_name: &str) -> Vec<(String, String)> {
    let mut moved = Vec::new();
    let keys: Vec<String> = def.options.keys().filter(|k| k.starts_with(OPT_AUTO_INCREMENT_PREFIX)).cloned().collect();
    for k in keys {
        let col = k[OPT_AUTO_INCREMENT_PREFIX.len()..].to_string();
        let seq = format!("{storage_name}.{col}_seq");
        let old = def.options.insert(k, seq.clone()).unwrap_or_default();
        if let Some(c) = def.columns.iter_mut().find(|c| c.name == col) {
            c.default = Some(ColumnDefault::Expression(format!("nextval('{seq}')")));
        }
        moved.push((old, seq));
    }
    if def.options.contains_key(catalog::OPT_HIDDEN) {
        moved.push((format!("{}.{ROWID}", def.name), format!("{storage_name}.{ROWID}")));
    }
    moved
}

async fn sequence_value(storage: &Arc<dyn orbit_storage::TableStorage>, seq: &str) -> Result<Option<i64>, SqlError> {
    Ok(match storage.get(catalog::SEQUENCES, &[Value::Text(seq.to_string())]).await? {
        Some(row) => match row.get(1) {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        },
        None => None,
    })
}

impl Session {
    fn mysql_db(&self) -> String {
        self.current_schema()
    }

    /// MySQL's handling of `stmt` when it differs from the shared DDL (`None`: shared).
    pub(crate) async fn mysql_ddl(&mut self, stmt: &Statement) -> Option<Result<QueryOutput, SqlError>> {
        if let Some(r) = Box::pin(self.foreign_key_ddl(stmt)).await {
            return Some(r);
        }
        Some(match stmt {
            Statement::RenameTable(list) => self.rename_tables(list).await,
            Statement::CreateTable(ct) if ct.like.is_some() => self.create_like(ct).await,
            Statement::Drop { object_type: ast::ObjectType::Table, if_exists, names, .. } => {
                self.mysql_drop_tables(names, *if_exists).await
            }
            Statement::Drop { object_type: ast::ObjectType::Index, names, table: Some(t), .. } => {
                self.drop_index_on(names, t).await
            }
            Statement::AlterTable(at)
                if at.operations.iter().any(|op| {
                    matches!(
                        op,
                        ast::AlterTableOperation::ModifyColumn { .. }
                            | ast::AlterTableOperation::ChangeColumn { .. }
                            | ast::AlterTableOperation::DropIndex { .. }
                            | ast::AlterTableOperation::AutoIncrement { .. }
                            | ast::AlterTableOperation::AddColumn { column_position: Some(_), .. }
                            | ast::AlterTableOperation::AddConstraint {
                                constraint: ast::TableConstraint::Index(_) | ast::TableConstraint::Unique(_),
                                ..
                            }
                    )
                }) =>
            {
                self.mysql_alter(at).await
            }
            _ => return None,
        })
    }

    /// ALTER TABLE / DROP INDEX against the table's constraints (`Some`: refused, or DROP
    /// FOREIGN KEY done).
    async fn foreign_key_ddl(&mut self, stmt: &Statement) -> Option<Result<QueryOutput, SqlError>> {
        let checked = match stmt {
            Statement::AlterTable(at) => Some((&at.name, at.operations.clone())),
            Statement::Drop { object_type: ast::ObjectType::Index, names, table: Some(t), .. } => {
                let ops = names
                    .iter()
                    .filter_map(|n| n.0.last().and_then(|p| p.as_ident()).cloned())
                    .map(|name| ast::AlterTableOperation::DropIndex { name })
                    .collect();
                Some((t, ops))
            }
            _ => None,
        };
        if let Some((table, ops)) = checked {
            let cat = self.engine.catalog();
            if let Some(info) = self.qualified_name(table).ok().and_then(|(q, _)| cat.tables.get(&q).cloned()) {
                if let Err(e) = super::foreign_keys::check_alter(&cat, &info, &ops) {
                    return Some(Err(e));
                }
                if let [ast::AlterTableOperation::DropForeignKey { name, .. }] = ops.as_slice() {
                    let q = info.storage_name.clone();
                    let change = AlterTable::SetOptions(super::foreign_keys::dropped(&ident(name)));
                    let done = match self.engine.storage.alter_table(&q, change).await {
                        Ok(_) => self.engine.refresh_table(&q).await.map(|_| cmd("ALTER TABLE")),
                        Err(e) => Err(e.into()),
                    };
                    return Some(done);
                }
            }
        }
        None
    }

    fn existing(&self, name: &ast::ObjectName) -> Result<(String, String, Arc<TableInfo>), SqlError> {
        let (q, rel) = self.qualified_name(name)?;
        match self.engine.catalog().tables.get(&q).cloned() {
            Some(info) => Ok((q, rel, info)),
            None => Err(errors::no_such_table(&self.schema_of(&q), &rel)),
        }
    }

    fn schema_of(&self, q: &str) -> String {
        q.split('.').nth(1).map(str::to_string).unwrap_or_else(|| self.mysql_db())
    }

    async fn rename_tables(&mut self, list: &[ast::RenameTable]) -> Result<QueryOutput, SqlError> {
        for r in list {
            let (old_q, _, info) = self.existing(&r.old_name)?;
            let (new_q, new_rel) = self.qualified_name(&r.new_name)?;
            if self.engine.catalog().relation_exists(&new_q) {
                return Err(errors::table_exists(&new_rel));
            }
            let repointed = super::foreign_keys::renamed_parent(&self.engine.catalog(), &old_q, &new_q);
            self.engine.storage.alter_table(&old_q, AlterTable::RenameTable(new_q.clone())).await?;
            for (table, options) in repointed {
                self.engine.storage.alter_table(&table, AlterTable::SetOptions(options)).await?;
                if table != new_q {
                    self.engine.refresh_table(&table).await?;
                }
            }
            // The counters move with the table (a new table of the old name starts afresh).
            let mut def = table_def(&info, &old_q);
            let moved = own_sequences(&mut def, &new_q);
            let mut options = BTreeMap::new();
            for (k, v) in &def.options {
                if k.starts_with(OPT_AUTO_INCREMENT_PREFIX) {
                    options.insert(k.clone(), v.clone());
                }
            }
            for (old, new) in &moved {
                if let Some(v) = sequence_value(&self.engine.storage, old).await? {
                    self.engine.storage.upsert(catalog::SEQUENCES, vec![Value::Text(new.clone()), Value::Int(v)]).await?;
                }
            }
            for c in &def.columns {
                if options.contains_key(&format!("{OPT_AUTO_INCREMENT_PREFIX}{}", c.name)) {
                    let change = AlterTable::SetDefault { column: c.name.clone(), default: c.default.clone() };
                    self.engine.storage.alter_table(&new_q, change).await?;
                }
            }
            if !options.is_empty() {
                self.engine.storage.alter_table(&new_q, AlterTable::SetOptions(options)).await?;
            }
            catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{old_q}.")).await?;
            self.engine.refresh_table(&old_q).await?;
            self.engine.refresh_table(&new_q).await?;
        }
        Ok(cmd("RENAME TABLE"))
    }

    async fn create_like(&mut self, ct: &ast::CreateTable) -> Result<QueryOutput, SqlError> {
        let source = match &ct.like {
            Some(ast::CreateTableLikeKind::Plain(l)) | Some(ast::CreateTableLikeKind::Parenthesized(l)) => &l.name,
            None => return Err(SqlError::not_supported("this CREATE TABLE form")),
        };
        let (q, rel) = self.qualified_name(&ct.name)?;
        if self.engine.catalog().relation_exists(&q) {
            if ct.if_not_exists {
                self.notice("42P07", format!("relation \"{rel}\" already exists, skipping"));
                return Ok(cmd("CREATE TABLE"));
            }
            return Err(errors::table_exists(&rel));
        }
        let (_, _, info) = self.existing(source)?;
        let mut def = table_def(&info, &q);
        own_sequences(&mut def, &q);
        super::foreign_keys::strip(&mut def.options);
        self.engine.storage.create_table(&def).await?;
        catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{q}.")).await?;
        self.engine.refresh_table(&q).await?;
        Ok(cmd("CREATE TABLE"))
    }

    async fn mysql_drop_tables(&mut self, names: &[ast::ObjectName], if_exists: bool) -> Result<QueryOutput, SqlError> {
        let mut targets = Vec::new();
        let mut missing = Vec::new();
        for n in names {
            let (q, rel) = self.qualified_name(n)?;
            let cat = self.engine.catalog();
            if cat.tables.contains_key(&q) {
                targets.push(q);
            } else {
                missing.push(format!("{}.{rel}", self.schema_of(&q)));
            }
        }
        if !missing.is_empty() {
            if !if_exists {
                let list = missing.join(",");
                let (d, t) = list.split_once('.').unwrap_or(("", &list));
                return Err(errors::unknown_table(d, t));
            }
            // In the shared notice form the session turns into MySQL's note 1051.
            for m in &missing {
                let rel = m.rsplit('.').next().unwrap_or(m);
                self.notice("00000", format!("table \"{rel}\" does not exist, skipping"));
            }
        }
        if self.mysql_foreign_key_checks() {
            let cat = self.engine.catalog();
            for q in &targets {
                if let Some((child, fk)) = cat.tables.get(q).and_then(|info| super::foreign_keys::referred_by(&cat, info, &targets)) {
                    let rel = q.rsplit('.').next().unwrap_or(q);
                    return Err(super::foreign_keys::drop_refused(rel, &child, &fk));
                }
            }
        }
        for q in targets {
            self.engine.storage.drop_table(&q).await?;
            catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{q}.")).await?;
            self.engine.refresh_table(&q).await?;
        }
        Ok(cmd("DROP TABLE"))
    }

    async fn drop_index_on(&mut self, names: &[ast::ObjectName], table: &ast::ObjectName) -> Result<QueryOutput, SqlError> {
        let (q, rel, info) = self.existing(table)?;
        for n in names {
            let idx = n.0.last().map(|p| p.to_string().trim_matches('`').to_string()).unwrap_or_default();
            self.drop_one_index(&q, &rel, &info, &idx).await?;
        }
        self.engine.refresh_table(&q).await?;
        Ok(cmd("DROP INDEX"))
    }

    async fn drop_one_index(&mut self, q: &str, rel: &str, info: &TableInfo, idx: &str) -> Result<(), SqlError> {
        if idx.eq_ignore_ascii_case("primary") {
            return Err(SqlError::not_supported("dropping the primary key"));
        }
        let Some(found) = info.schema.indexes.iter().find(|i| i.name.eq_ignore_ascii_case(idx)) else {
            return Err(SqlError::new(errors::SYNTAX, format!("Can't DROP '{idx}'; check that column/key exists"))
                .with_mysql_errno(1091));
        };
        let _ = rel;
        self.engine.storage.drop_index(q, &found.name.clone()).await?;
        Ok(())
    }

    async fn mysql_alter(&mut self, at: &ast::AlterTable) -> Result<QueryOutput, SqlError> {
        let (q, rel, _) = self.existing(&at.name)?;
        for op in &at.operations {
            let info = self.engine.catalog().tables.get(&q).cloned().ok_or_else(|| errors::no_such_table(&self.schema_of(&q), &rel))?;
            match op {
                ast::AlterTableOperation::ModifyColumn { col_name, data_type, options, column_position } => {
                    self.change_column(&q, &rel, &info, &ident(col_name), col_name, data_type, options).await?;
                    if let Some(p) = column_position {
                        Box::pin(self.position_column(&q, &rel, &ident(col_name), p)).await?;
                    }
                }
                ast::AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, column_position } => {
                    self.change_column(&q, &rel, &info, &ident(old_name), new_name, data_type, options).await?;
                    if let Some(p) = column_position {
                        Box::pin(self.position_column(&q, &rel, &ident(new_name), p)).await?;
                    }
                }
                ast::AlterTableOperation::AddColumn { column_position: Some(_), .. } => {
                    Box::pin(self.add_column_at(&q, &rel, &info, at, op)).await?;
                }
                ast::AlterTableOperation::DropIndex { name } => self.drop_one_index(&q, &rel, &info, &ident(name)).await?,
                ast::AlterTableOperation::AutoIncrement { value, .. } => {
                    let n: i64 = value.to_string().trim_matches('\'').parse().unwrap_or(1);
                    for (k, seq) in &info.schema.options {
                        if k.starts_with(OPT_AUTO_INCREMENT_PREFIX) {
                            super::ddl::bump_sequence(&self.engine.storage, seq, n - 1).await?;
                        }
                    }
                }
                ast::AlterTableOperation::AddConstraint { constraint, .. } => {
                    let mut tb = builder(&rel, &q);
                    tb.indexes = info
                        .schema
                        .indexes
                        .iter()
                        .map(|i| IndexDef { name: i.name.clone(), columns: vec![], unique: i.unique })
                        .collect();
                    let known = tb.indexes.len();
                    super::ddl::table_constraint(&mut tb, constraint)?;
                    for idx in tb.indexes.into_iter().skip(known) {
                        for c in &idx.columns {
                            if info.schema.column_position(c).is_none() {
                                return Err(errors::unknown_column(c, "table definition"));
                            }
                        }
                        let name = idx.name.clone();
                        self.engine.storage.create_index(&q, &idx).await.map_err(|e| match e {
                            orbit_storage::StorageError::UniqueViolation { .. } | orbit_storage::StorageError::DuplicateKey { .. } => {
                                errors::duplicate_entry("?", &format!("{rel}.{name}"))
                            }
                            e => e.into(),
                        })?;
                    }
                    if !tb.options.is_empty() {
                        self.engine.storage.alter_table(&q, AlterTable::SetOptions(tb.options)).await?;
                    }
                }
                other => {
                    // Shared operations, one at a time.
                    let single = ast::AlterTable { operations: vec![other.clone()], ..at.clone() };
                    self.engine.refresh_table(&q).await?;
                    self.alter_table_shared(&single).await?;
                }
            }
            self.engine.refresh_table(&q).await?;
        }
        Ok(cmd("ALTER TABLE"))
    }

    #[allow(clippy::too_many_arguments)]
    async fn change_column(
        &mut self,
        q: &str,
        rel: &str,
        info: &TableInfo,
        old: &str,
        new_name: &ast::Ident,
        data_type: &ast::DataType,
        options: &[ast::ColumnOption],
    ) -> Result<(), SqlError> {
        let Some(pos) = info.schema.column_position(old).filter(|p| info.hidden != Some(*p)) else {
            return Err(errors::unknown_column(old, rel));
        };
        let new = ident(new_name);
        if new != old && info.schema.column_position(&new).is_some() {
            return Err(SqlError::new(errors::DUP_FIELDNAME, format!("Duplicate column name '{new}'")).with_mysql_errno(1060));
        }
        let mut tb = builder(rel, q);
        let col_ast = ast::ColumnDef { name: new_name.clone(), data_type: data_type.clone(), options: options.iter().map(|o| ast::ColumnOptionDef { name: None, option: o.clone() }).collect() };
        let mut col = super::ddl::column_def(self, &mut tb, &col_ast)?;
        if !tb.indexes.is_empty() || !tb.primary_key.is_empty() {
            return Err(SqlError::not_supported("keys in ALTER TABLE ... MODIFY / CHANGE"));
        }
        let old_col = info.columns()[pos].clone();
        let was_auto = info.schema.options.get(&format!("{OPT_AUTO_INCREMENT_PREFIX}{old}")).cloned();
        if let (Some(seq), true) = (&was_auto, tb.options.contains_key(&format!("{OPT_AUTO_INCREMENT_PREFIX}{new}"))) {
            // Keep the column's counter.
            tb.options.insert(format!("{OPT_AUTO_INCREMENT_PREFIX}{new}"), seq.clone());
            col.default = Some(ColumnDefault::Expression(format!("nextval('{seq}')")));
        }
        if info.schema.primary_key_names().contains(&old) {
            col.nullable = false;
        }
        // The options of the old column go; the new column's come.
        let mut options_after: BTreeMap<String, String> = info
            .schema
            .options
            .iter()
            .filter(|(k, _)| {
                ![OPT_TYPE_PREFIX, OPT_AUTO_INCREMENT_PREFIX, OPT_COMMENT_PREFIX, OPT_ON_UPDATE_PREFIX, crate::catalog_views::model::OPT_DEFAULT_TEXT_PREFIX]
                    .iter()
                    .any(|p| k.strip_prefix(p) == Some(old))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        options_after.extend(tb.options.clone());
        let same_storage = col.data_type == old_col.data_type && col.nullable == old_col.nullable;
        if same_storage {
            // Check every stored value against the new declared type first.
            let kind = types::Kind::parse(tb.options.get(&format!("{OPT_TYPE_PREFIX}{new}")).map(String::as_str).unwrap_or(""));
            let rows = self.engine.storage.scan(q, &Default::default()).await?;
            for (i, row) in rows.iter().enumerate() {
                types::store(&kind, &col.data_type, row[pos].clone(), &new, i + 1)?;
            }
            if new != old {
                self.engine.storage.alter_table(q, AlterTable::RenameColumn { from: old.to_string(), to: new.clone() }).await?;
            }
            self.engine.storage.alter_table(q, AlterTable::SetDefault { column: new.clone(), default: col.default.clone() }).await?;
            // SetOptions merges: clear the old column's keys by rebuilding the map.
            let mut cleared: BTreeMap<String, String> = BTreeMap::new();
            for k in info.schema.options.keys() {
                if !options_after.contains_key(k) {
                    cleared.insert(k.clone(), String::new());
                }
            }
            cleared.extend(options_after);
            self.engine.storage.alter_table(q, AlterTable::SetOptions(cleared)).await?;
            return Ok(());
        }
        self.rebuild(q, info, pos, col, options_after).await
    }

    /// ADD COLUMN ... FIRST | AFTER c: the shared ADD COLUMN, then the column moved.
    async fn add_column_at(&mut self, q: &str, rel: &str, info: &TableInfo, at: &ast::AlterTable, op: &ast::AlterTableOperation) -> Result<(), SqlError> {
        let ast::AlterTableOperation::AddColumn { column_keyword, if_not_exists, column_def, column_position: Some(p) } = op else {
            return Ok(());
        };
        let name = ident(&column_def.name);
        let existed = info.schema.column_position(&name).is_some();
        if let ast::MySQLColumnPosition::After(after) = p {
            if info.schema.column_position(&ident(after)).filter(|c| info.hidden != Some(*c)).is_none() {
                return Err(errors::unknown_column(&ident(after), rel));
            }
        }
        let add = ast::AlterTableOperation::AddColumn {
            column_keyword: *column_keyword,
            if_not_exists: *if_not_exists,
            column_def: column_def.clone(),
            column_position: None,
        };
        let single = ast::AlterTable { operations: vec![add], ..at.clone() };
        self.alter_table_shared(&single).await?;
        self.engine.refresh_table(q).await?;
        if !existed {
            self.position_column(q, rel, &name, p).await?;
        }
        Ok(())
    }

    /// FIRST / AFTER c of ADD / MODIFY / CHANGE COLUMN: the table rebuilt with `column`
    /// moved there.
    async fn position_column(&mut self, q: &str, rel: &str, column: &str, at: &ast::MySQLColumnPosition) -> Result<(), SqlError> {
        self.engine.refresh_table(q).await?;
        let info = self.engine.catalog().tables.get(q).cloned().ok_or_else(|| errors::no_such_table(&self.schema_of(q), rel))?;
        let from = info.schema.column_position(column).ok_or_else(|| errors::unknown_column(column, rel))?;
        let mut order: Vec<usize> = (0..info.columns().len()).filter(|&i| i != from).collect();
        let to = match at {
            ast::MySQLColumnPosition::First => 0,
            ast::MySQLColumnPosition::After(after) => {
                let name = ident(after);
                let p = info.schema.column_position(&name).filter(|p| info.hidden != Some(*p) && *p != from);
                let p = p.ok_or_else(|| errors::unknown_column(&name, rel))?;
                order.iter().position(|&i| i == p).map_or(0, |i| i + 1)
            }
        };
        order.insert(to, from);
        if order.iter().enumerate().all(|(i, &c)| i == c) {
            return Ok(());
        }
        let mut def = table_def(&info, &format!("{q}__orbit_rebuild"));
        def.columns = order.iter().map(|&i| def.columns[i].clone()).collect();
        let rows = self.engine.storage.scan(q, &Default::default()).await?;
        let rows = rows.into_iter().map(|r| order.iter().map(|&i| r[i].clone()).collect()).collect();
        self.replace_table(q, &info, def, rows).await
    }

    /// Rebuilds a table with column `pos` replaced by `col` (rows converted by MySQL's rules).
    async fn rebuild(&mut self, q: &str, info: &TableInfo, pos: usize, col: ColumnDef, options: BTreeMap<String, String>) -> Result<(), SqlError> {
        let old_name = info.columns()[pos].name.clone();
        let mut def = table_def(info, &format!("{q}__orbit_rebuild"));
        def.columns[pos] = col.clone();
        for k in def.primary_key.iter_mut() {
            if *k == old_name {
                *k = col.name.clone();
            }
        }
        for idx in def.indexes.iter_mut() {
            for c in idx.columns.iter_mut() {
                if *c == old_name {
                    *c = col.name.clone();
                }
            }
        }
        def.options = options.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let kind = types::Kind::parse(def.options.get(&format!("{OPT_TYPE_PREFIX}{}", col.name)).map(String::as_str).unwrap_or(""));
        let rows = self.engine.storage.scan(q, &Default::default()).await?;
        let mut converted = Vec::with_capacity(rows.len());
        for (i, mut row) in rows.into_iter().enumerate() {
            let v = types::store(&kind, &col.data_type, std::mem::replace(&mut row[pos], Value::Null), &col.name, i + 1)?;
            if v.is_null() && !col.nullable {
                return Err(SqlError::new(errors::GENERAL, format!("Data truncated for column '{}' at row {}", col.name, i + 1)).with_mysql_errno(1265));
            }
            row[pos] = v;
            converted.push(row);
        }
        self.replace_table(q, info, def, converted).await
    }

    /// Puts a new table of definition `def` (its name a temporary one) holding `rows` in
    /// the place of `q`.
    async fn replace_table(&mut self, q: &str, info: &TableInfo, def: TableDef, converted: Vec<Vec<Value>>) -> Result<(), SqlError> {
        let temp = def.name.clone();
        let _ = self.engine.storage.drop_table(&temp).await;
        self.engine.storage.create_table(&def).await?;
        let mut tx = self.engine.storage.begin().await?;
        for row in converted {
            if let Err(e) = tx.insert(&temp, row.clone()).await {
                let _ = tx.rollback().await;
                let _ = self.engine.storage.drop_table(&temp).await;
                return Err(match e {
                    orbit_storage::StorageError::DuplicateKey { .. } | orbit_storage::StorageError::UniqueViolation { .. } => {
                        super::insert::duplicate_error(info, &e, &row)
                    }
                    e => e.into(),
                });
            }
        }
        tx.commit().await?;
        self.engine.storage.drop_table(q).await?;
        self.engine.storage.alter_table(&temp, AlterTable::RenameTable(q.to_string())).await?;
        self.engine.refresh_table(&temp).await?;
        self.engine.refresh_table(q).await?;
        Ok(())
    }
}

fn builder(rel: &str, q: &str) -> TableBuilder {
    TableBuilder {
        name: rel.to_string(),
        storage_name: q.to_string(),
        columns: vec![],
        primary_key: vec![],
        indexes: vec![],
        options: BTreeMap::new(),
        checks: 0,
    }
}
