//! MySQL's FOREIGN KEY constraints as InnoDB enforces them: a row written to the child
//! table must find its referenced row in the parent (1452); a parent row that is deleted or
//! whose referenced values change must not be referred to (RESTRICT / NO ACTION, the
//! default: 1451), or its referring rows are deleted or changed with it (CASCADE) or get
//! NULL (SET NULL), through any depth of tables up to MySQL's 15. `foreign_key_checks = 0`
//! turns the checks off. DROP TABLE and TRUNCATE of a referenced parent fail (3730, 1701);
//! DROP DATABASE drops it all.
//!
//! A constraint lives in the child table's options as `mysql.fk.<name>` (the columns, the
//! parent's storage name, the parent's columns); the name is the given one or
//! `<table>_ibfk_<n>`. CREATE TABLE checks that the parent exists and has an index that
//! starts with the referenced columns, and gives the child an index on its columns when
//! none starts with them (named after the constraint when it is named, as InnoDB does), so
//! both directions of the check are index lookups. SET DEFAULT (which InnoDB refuses too)
//! and ALTER TABLE ... ADD FOREIGN KEY answer "not supported".

use super::errors::{GENERAL, INTEGRITY};
use crate::catalog::{CatalogState, TableInfo};
use crate::ddl::TableBuilder;
use crate::error::SqlError;
use crate::plan::bind::ident;
use crate::session::Session;
use orbit_storage::{IndexDef, ScanOptions, Transaction, Value};
use sqlparser::ast;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const OPT_FK_PREFIX: &str = "mysql.fk.";
const FIELD: char = '\u{1f}';
const ITEM: &str = "\u{1e}";

/// One constraint of a child table.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's storage name (`def.<db>.<table>`).
    pub parent: String,
    pub parent_columns: Vec<String>,
    /// The name asked for the child's index (FOREIGN KEY idx (...)), if any.
    index: Option<String>,
    pub on_delete: Action,
    pub on_update: Action,
}

/// What a change of a referenced parent row does to the rows that refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Restrict,
    Cascade,
    SetNull,
}

impl Action {
    fn of(a: &Option<ast::ReferentialAction>) -> Result<Action, SqlError> {
        Ok(match a {
            None | Some(ast::ReferentialAction::Restrict | ast::ReferentialAction::NoAction) => Action::Restrict,
            Some(ast::ReferentialAction::Cascade) => Action::Cascade,
            Some(ast::ReferentialAction::SetNull) => Action::SetNull,
            Some(ast::ReferentialAction::SetDefault) => return Err(SqlError::not_supported("FOREIGN KEY ... SET DEFAULT")),
        })
    }

    fn code(self) -> &'static str {
        match self {
            Action::Restrict => "",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
        }
    }

    fn decode(s: Option<&str>) -> Action {
        match s {
            Some("CASCADE") => Action::Cascade,
            Some("SET NULL") => Action::SetNull,
            _ => Action::Restrict,
        }
    }
}

/// MySQL's limit on chained cascades.
const MAX_CASCADE_DEPTH: usize = 15;

fn split_items(s: &str) -> Vec<String> {
    s.split(ITEM).map(str::to_string).collect()
}

fn backticked(names: &[String]) -> String {
    names.iter().map(|n| format!("`{}`", n.replace('`', "``"))).collect::<Vec<_>>().join(", ")
}

/// (database, table) of a storage name `def.<db>.<table>`.
fn db_and_table(storage_name: &str) -> (&str, &str) {
    let mut parts = storage_name.splitn(3, '.');
    let _catalog = parts.next();
    match (parts.next(), parts.next()) {
        (Some(db), Some(t)) => (db, t),
        _ => ("", storage_name),
    }
}

impl ForeignKey {
    fn encode(&self) -> String {
        let index = self.index.clone().unwrap_or_default();
        format!(
            "{}{FIELD}{}{FIELD}{}{FIELD}{index}{FIELD}{}{FIELD}{}",
            self.columns.join(ITEM),
            self.parent,
            self.parent_columns.join(ITEM),
            self.on_delete.code(),
            self.on_update.code()
        )
    }

    fn decode(name: &str, v: &str) -> Option<ForeignKey> {
        let mut f = v.split(FIELD);
        let columns = split_items(f.next()?);
        let parent = f.next()?.to_string();
        let parent_columns = split_items(f.next()?);
        let index = f.next().filter(|i| !i.is_empty()).map(str::to_string);
        let on_delete = Action::decode(f.next());
        let on_update = Action::decode(f.next());
        Some(ForeignKey { name: name.to_string(), columns, parent, parent_columns, index, on_delete, on_update })
    }

    /// The constraints among a table's options, by name.
    pub fn of(options: &BTreeMap<String, String>) -> Vec<ForeignKey> {
        options
            .range(OPT_FK_PREFIX.to_string()..)
            .take_while(|(k, _)| k.starts_with(OPT_FK_PREFIX))
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(k, v)| ForeignKey::decode(k.strip_prefix(OPT_FK_PREFIX)?, v))
            .collect()
    }

    /// `CONSTRAINT `c_ibfk_1` FOREIGN KEY (`p_id`) REFERENCES `p` (`id`)`, the parent
    /// qualified when it is in another database than `child_db`.
    pub fn clause(&self, child_db: &str) -> String {
        let (db, table) = db_and_table(&self.parent);
        let parent = if db == child_db { format!("`{table}`") } else { format!("`{db}`.`{table}`") };
        let mut text = format!(
            "CONSTRAINT `{}` FOREIGN KEY ({}) REFERENCES {parent} ({})",
            self.name,
            backticked(&self.columns),
            backticked(&self.parent_columns)
        );
        for (what, a) in [("DELETE", self.on_delete), ("UPDATE", self.on_update)] {
            if a != Action::Restrict {
                text.push_str(&format!(" ON {what} {}", a.code()));
            }
        }
        text
    }

    /// `(`db`.`child`, CONSTRAINT ...)`, the tail of 1451 and 1452.
    fn failing(&self, child: &str) -> String {
        let (db, table) = db_and_table(child);
        format!("(`{db}`.`{table}`, {})", self.clause(db))
    }
}

/// Records a FOREIGN KEY of CREATE TABLE (`columns`: the column of a column-level
/// REFERENCES, or the constraint's own list).
pub(crate) fn declare(s: &Session, tb: &mut TableBuilder, fk: &ast::ForeignKeyConstraint, columns: Vec<String>) -> Result<(), SqlError> {
    let (on_delete, on_update) = (Action::of(&fk.on_delete)?, Action::of(&fk.on_update)?);
    let name = match &fk.name {
        Some(n) => ident(n),
        None => {
            let mut n = 1;
            while tb.options.contains_key(&format!("{OPT_FK_PREFIX}{}_ibfk_{n}", tb.name)) {
                n += 1;
            }
            format!("{}_ibfk_{n}", tb.name)
        }
    };
    if tb.options.contains_key(&format!("{OPT_FK_PREFIX}{name}")) {
        return Err(SqlError::new(GENERAL, format!("Duplicate foreign key constraint name '{name}'")).with_mysql_errno(1826));
    }
    let parent_columns: Vec<String> = fk.referred_columns.iter().map(ident).collect();
    if parent_columns.len() != columns.len() {
        return Err(SqlError::new(
            INTEGRITY,
            format!("Incorrect foreign key definition for '{name}': Key reference and table reference don't match"),
        )
        .with_mysql_errno(1239));
    }
    let (parent, _) = s.qualified_name(&fk.foreign_table)?;
    let index = fk.index_name.as_ref().or(fk.name.as_ref()).map(ident);
    let def = ForeignKey { name: name.clone(), columns, parent, parent_columns, index, on_delete, on_update };
    tb.options.insert(format!("{OPT_FK_PREFIX}{name}"), def.encode());
    Ok(())
}

/// A column's declared MySQL type without an integer display width ("int", "bigint
/// unsigned", "decimal(10,2)", "varchar(20)").
fn declared(options: &BTreeMap<String, String>, column: &str) -> String {
    let t = options.get(&format!("{}{column}", super::types::OPT_TYPE_PREFIX)).cloned().unwrap_or_default().to_ascii_lowercase();
    match t.split_once('(') {
        Some((head, rest)) if head.ends_with("int") => {
            let tail = rest.split_once(')').map(|(_, t)| t).unwrap_or("");
            format!("{head}{tail}")
        }
        _ => t,
    }
}

/// Integer and fixed-point types must match exactly (size and sign), as InnoDB requires;
/// string lengths need not.
fn numeric(declared: &str) -> bool {
    declared.contains("int") || declared.starts_with("decimal") || declared.starts_with("numeric")
}

/// Whether `cols` start with `prefix`.
fn leads(cols: &[String], prefix: &[String]) -> bool {
    cols.len() >= prefix.len() && cols.iter().zip(prefix).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// CREATE TABLE's checks of its constraints once every column and index is known, and the
/// child indexes InnoDB adds.
pub(crate) fn prepare(s: &Session, tb: &mut TableBuilder) -> Result<(), SqlError> {
    let cat = s.engine.catalog();
    for fk in ForeignKey::of(&tb.options) {
        for c in &fk.columns {
            let Some(col) = tb.columns.iter().find(|x| x.name.eq_ignore_ascii_case(c)) else {
                return Err(SqlError::new(GENERAL, format!("Key column '{c}' doesn't exist in table")).with_mysql_errno(1072));
            };
            let set_null = fk.on_delete == Action::SetNull || fk.on_update == Action::SetNull;
            if set_null && (!col.nullable || tb.primary_key.iter().any(|k| k.eq_ignore_ascii_case(c))) {
                return Err(SqlError::new(
                    GENERAL,
                    format!("Column '{c}' cannot be NOT NULL: needed in a foreign key constraint '{}' SET NULL", fk.name),
                )
                .with_mysql_errno(1830));
            }
        }
        let (_, parent_table) = db_and_table(&fk.parent);
        // (column, storage type, declared MySQL type) of the parent's columns.
        let parent_types: Vec<(String, orbit_storage::DataType, String)> = if fk.parent == tb.storage_name {
            tb.columns.iter().map(|c| (c.name.clone(), c.data_type.clone(), declared(&tb.options, &c.name))).collect()
        } else {
            match cat.tables.get(&fk.parent) {
                Some(p) => p.columns().iter().map(|c| (c.name.clone(), c.data_type.clone(), declared(&p.schema.options, &c.name))).collect(),
                None => Vec::new(),
            }
        };
        let (parent_cols, parent_keys): (Vec<String>, Vec<Vec<String>>) = if fk.parent == tb.storage_name {
            let mut keys = vec![tb.primary_key.clone()];
            keys.extend(tb.indexes.iter().map(|i| i.columns.clone()));
            (tb.columns.iter().map(|c| c.name.clone()).collect(), keys)
        } else {
            let Some(p) = cat.tables.get(&fk.parent) else {
                return Err(SqlError::new(GENERAL, format!("Failed to open the referenced table '{parent_table}'"))
                    .with_mysql_errno(1824));
            };
            let schema = &p.schema;
            let mut keys = vec![schema.primary_key_names().iter().map(|c| c.to_string()).collect()];
            keys.extend(schema.indexes.iter().map(|i| schema.index_column_names(i).iter().map(|c| c.to_string()).collect()));
            let cols = p.columns().iter().enumerate().filter(|(i, _)| p.hidden != Some(*i)).map(|(_, c)| c.name.clone()).collect();
            (cols, keys)
        };
        for c in &fk.parent_columns {
            if !parent_cols.iter().any(|x| x.eq_ignore_ascii_case(c)) {
                return Err(SqlError::new(
                    GENERAL,
                    format!(
                        "Failed to add the foreign key constraint. Missing column '{c}' for constraint '{}' in the referenced table '{parent_table}'",
                        fk.name
                    ),
                )
                .with_mysql_errno(3734));
            }
        }
        for (c, pc) in fk.columns.iter().zip(&fk.parent_columns) {
            let child = tb.columns.iter().find(|x| x.name.eq_ignore_ascii_case(c)).map(|x| (x.data_type.clone(), declared(&tb.options, &x.name)));
            let parent = parent_types.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(pc));
            if let (Some((cdt, ct)), Some((_, pdt, pt))) = (child, parent) {
                if cdt != *pdt || (numeric(&ct) && ct != *pt) {
                    return Err(SqlError::new(
                        GENERAL,
                        format!(
                            "Referencing column '{c}' and referenced column '{pc}' in foreign key constraint '{}' are incompatible.",
                            fk.name
                        ),
                    )
                    .with_mysql_errno(3780));
                }
            }
        }
        if !parent_keys.iter().any(|k| leads(k, &fk.parent_columns)) {
            return Err(SqlError::new(
                GENERAL,
                format!(
                    "Failed to add the foreign key constraint. Missing index for constraint '{}' in the referenced table '{parent_table}'",
                    fk.name
                ),
            )
            .with_mysql_errno(1822));
        }
        let child_indexed = leads(&tb.primary_key, &fk.columns) || tb.indexes.iter().any(|i| leads(&i.columns, &fk.columns));
        if !child_indexed {
            let name = super::ddl::index_name(tb, &fk.columns, fk.index.clone());
            tb.indexes.push(IndexDef { name, columns: fk.columns.clone(), unique: false });
        }
    }
    Ok(())
}

/// The first constraint of another table that refers to `info` (DROP TABLE, TRUNCATE),
/// as (child storage name, constraint); tables in `also_dropped` do not count.
pub(crate) fn referred_by(cat: &CatalogState, info: &TableInfo, also_dropped: &[String]) -> Option<(String, ForeignKey)> {
    let mut found: Vec<(String, ForeignKey)> = cat
        .tables
        .values()
        .filter(|t| t.storage_name != info.storage_name && !also_dropped.contains(&t.storage_name))
        .flat_map(|t| ForeignKey::of(&t.schema.options).into_iter().map(|fk| (t.storage_name.clone(), fk)))
        .filter(|(_, fk)| fk.parent == info.storage_name)
        .collect();
    found.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
    found.into_iter().next()
}

/// RENAME TABLE of `old` to `new`: the constraints that refer to it, re-pointed, per table
/// (by its storage name after the rename).
pub(crate) fn renamed_parent(cat: &CatalogState, old: &str, new: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        let mut options = BTreeMap::new();
        for mut fk in ForeignKey::of(&t.schema.options) {
            if fk.parent == old {
                fk.parent = new.to_string();
                options.insert(format!("{OPT_FK_PREFIX}{}", fk.name), fk.encode());
            }
        }
        if !options.is_empty() {
            let table = if t.storage_name == old { new.to_string() } else { t.storage_name.clone() };
            out.push((table, options));
        }
    }
    out
}

/// CREATE TABLE ... LIKE copies no constraint.
pub(crate) fn strip(options: &mut BTreeMap<String, String>) {
    options.retain(|k, _| !k.starts_with(OPT_FK_PREFIX));
}

/// 3730: DROP TABLE of a referenced parent.
pub(crate) fn drop_refused(parent: &str, child: &str, fk: &ForeignKey) -> SqlError {
    let (_, child_table) = db_and_table(child);
    SqlError::new(
        GENERAL,
        format!("Cannot drop table '{parent}' referenced by a foreign key constraint '{}' on table '{child_table}'.", fk.name),
    )
    .with_mysql_errno(3730)
}

/// 1701: TRUNCATE of a referenced parent.
pub(crate) fn truncate_refused(child: &str, fk: &ForeignKey) -> SqlError {
    let (db, table) = db_and_table(child);
    SqlError::new(
        super::errors::SYNTAX,
        format!("Cannot truncate a table referenced in a foreign key constraint (`{db}`.`{table}`, CONSTRAINT `{}`)", fk.name),
    )
    .with_mysql_errno(1701)
}

impl Session {
    /// `foreign_key_checks` of a MySQL session (false for PostgreSQL).
    pub(crate) fn mysql_foreign_key_checks(&self) -> bool {
        self.mysql.as_ref().is_some_and(|m| m.foreign_key_checks())
    }
}

/// ALTER TABLE operations that would break a constraint: dropping or renaming a column it
/// uses (1828 / 1829, renaming: not supported) or the child index it needs (1553).
pub(crate) fn check_alter(cat: &CatalogState, info: &TableInfo, ops: &[ast::AlterTableOperation]) -> Result<(), SqlError> {
    let own = ForeignKey::of(&info.schema.options);
    let mut referring: Vec<(String, ForeignKey)> = Vec::new();
    for t in cat.tables.values() {
        for fk in ForeignKey::of(&t.schema.options) {
            if fk.parent == info.storage_name {
                referring.push((t.name.clone(), fk));
            }
        }
    }
    referring.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
    let column_use = |c: &str| -> Result<(), SqlError> {
        if let Some(fk) = own.iter().find(|fk| fk.columns.iter().any(|x| x.eq_ignore_ascii_case(c))) {
            return Err(SqlError::new(GENERAL, format!("Cannot drop column '{c}': needed in a foreign key constraint '{}'", fk.name))
                .with_mysql_errno(1828));
        }
        if let Some((t, fk)) = referring.iter().find(|(_, fk)| fk.parent_columns.iter().any(|x| x.eq_ignore_ascii_case(c))) {
            return Err(SqlError::new(
                GENERAL,
                format!("Cannot drop column '{c}': needed in a foreign key constraint '{}' of table '{t}'", fk.name),
            )
            .with_mysql_errno(1829));
        }
        Ok(())
    };
    for op in ops {
        match op {
            ast::AlterTableOperation::DropColumn { column_names, .. } => {
                for c in column_names {
                    column_use(&ident(c))?;
                }
            }
            ast::AlterTableOperation::RenameColumn { old_column_name: c, .. }
            | ast::AlterTableOperation::ChangeColumn { old_name: c, .. } => {
                let (old, new) = match op {
                    ast::AlterTableOperation::ChangeColumn { new_name, .. } => (ident(c), ident(new_name)),
                    ast::AlterTableOperation::RenameColumn { new_column_name, .. } => (ident(c), ident(new_column_name)),
                    _ => continue,
                };
                if old != new && column_use(&old).is_err() {
                    return Err(SqlError::not_supported("renaming a column of a FOREIGN KEY"));
                }
            }
            ast::AlterTableOperation::DropIndex { name } => {
                let name = ident(name);
                let Some(ix) = info.schema.index(&name) else { continue };
                let cols: Vec<String> = info.schema.index_column_names(ix).iter().map(|c| c.to_string()).collect();
                let pk: Vec<String> = info.schema.primary_key_names().iter().map(|c| c.to_string()).collect();
                let others: Vec<Vec<String>> = info
                    .schema
                    .indexes
                    .iter()
                    .filter(|i| i.name != name)
                    .map(|i| info.schema.index_column_names(i).iter().map(|c| c.to_string()).collect())
                    .chain(std::iter::once(pk))
                    .collect();
                let needed = own.iter().any(|fk| leads(&cols, &fk.columns) && !others.iter().any(|o| leads(o, &fk.columns)))
                    || referring
                        .iter()
                        .any(|(_, fk)| leads(&cols, &fk.parent_columns) && !others.iter().any(|o| leads(o, &fk.parent_columns)));
                if needed {
                    return Err(SqlError::new(GENERAL, format!("Cannot drop index '{name}': needed in a foreign key constraint"))
                        .with_mysql_errno(1553));
                }
            }
            ast::AlterTableOperation::DropForeignKey { name, .. } if ops.len() == 1 => {
                let name = ident(name);
                if !own.iter().any(|fk| fk.name == name) {
                    return Err(SqlError::new(errors_syntax(), format!("Can't DROP '{name}'; check that column/key exists"))
                        .with_mysql_errno(1091));
                }
            }
            ast::AlterTableOperation::DropForeignKey { .. } => {
                return Err(SqlError::not_supported("DROP FOREIGN KEY with other ALTER TABLE operations"));
            }
            ast::AlterTableOperation::AddConstraint { constraint: ast::TableConstraint::ForeignKey(_), .. } => {
                return Err(SqlError::not_supported("ALTER TABLE ... ADD FOREIGN KEY"));
            }
            _ => {}
        }
    }
    Ok(())
}

fn errors_syntax() -> &'static str {
    super::errors::SYNTAX
}

/// ALTER TABLE t DROP FOREIGN KEY name (checked by [`check_alter`]): the constraint goes,
/// its index stays.
pub(crate) fn dropped(name: &str) -> BTreeMap<String, String> {
    // SetOptions merges; an empty value is no constraint.
    BTreeMap::from([(format!("{OPT_FK_PREFIX}{name}"), String::new())])
}

/// Positions of `names` among a table's columns.
fn positions(info: &TableInfo, names: &[String]) -> Option<Vec<usize>> {
    let cols = info.columns();
    names.iter().map(|n| cols.iter().position(|c| c.name.eq_ignore_ascii_case(n))).collect()
}

/// The rows of `info` whose columns `cols` hold `values` (at most `limit`), through the
/// primary key or an index that starts with them when there is one.
async fn rows_with(
    tx: &mut dyn Transaction,
    info: &TableInfo,
    cols: &[String],
    values: Vec<Value>,
    limit: usize,
) -> Result<Vec<Vec<Value>>, SqlError> {
    let schema = &info.schema;
    let pk: Vec<String> = schema.primary_key_names().iter().map(|c| c.to_string()).collect();
    if pk.len() == cols.len() && leads(&pk, cols) {
        return Ok(tx.get(&info.storage_name, &values).await?.into_iter().collect());
    }
    if leads(&pk, cols) {
        return Ok(tx.scan(&info.storage_name, &ScanOptions::prefix(values).limit(limit)).await?);
    }
    for ix in &schema.indexes {
        let ix_cols: Vec<String> = schema.index_column_names(ix).iter().map(|c| c.to_string()).collect();
        if leads(&ix_cols, cols) {
            let opts = ScanOptions::prefix(values).limit(limit);
            return Ok(tx.index_scan(&info.storage_name, &ix.name, &opts).await?);
        }
    }
    let Some(pos) = positions(info, cols) else { return Ok(Vec::new()) };
    let all = tx.scan(&info.storage_name, &ScanOptions::all()).await?;
    Ok(all.into_iter().filter(|r| pos.iter().zip(&values).all(|(p, v)| &r[*p] == v)).take(limit).collect())
}

/// The constraint checks of one table for one statement.
pub(crate) struct Checks {
    table: Arc<TableInfo>,
    /// The table's own constraints and where their columns are.
    refs: Vec<(ForeignKey, Vec<usize>)>,
    /// The constraints of tables that refer to this one, with the referenced columns here.
    referrers: Vec<(Arc<TableInfo>, ForeignKey, Vec<usize>)>,
}

impl Checks {
    /// `None` when no constraint involves the table.
    pub(crate) fn of(cat: &CatalogState, table: &Arc<TableInfo>) -> Option<Checks> {
        let refs: Vec<(ForeignKey, Vec<usize>)> = ForeignKey::of(&table.schema.options)
            .into_iter()
            .filter_map(|fk| positions(table, &fk.columns).map(|p| (fk, p)))
            .collect();
        let mut referrers = Vec::new();
        for child in cat.tables.values() {
            for fk in ForeignKey::of(&child.schema.options) {
                if fk.parent == table.storage_name {
                    if let Some(p) = positions(table, &fk.parent_columns) {
                        referrers.push((child.clone(), fk, p));
                    }
                }
            }
        }
        referrers.sort_by(|a, b| (&a.0.storage_name, &a.1.name).cmp(&(&b.0.storage_name, &b.1.name)));
        (!refs.is_empty() || !referrers.is_empty()).then(|| Checks { table: table.clone(), refs, referrers })
    }

    /// A row about to be written (`old`: the row it replaces): every reference it makes
    /// must find its parent row.
    pub(crate) async fn written(
        &self,
        tx: &mut dyn Transaction,
        cat: &CatalogState,
        row: &[Value],
        old: Option<&[Value]>,
    ) -> Result<(), SqlError> {
        for (fk, pos) in &self.refs {
            let values: Vec<Value> = pos.iter().map(|p| row[*p].clone()).collect();
            if values.iter().any(Value::is_null) {
                continue;
            }
            if old.is_some_and(|o| pos.iter().zip(&values).all(|(p, v)| &o[*p] == v)) {
                continue;
            }
            let found = match cat.tables.get(&fk.parent) {
                // A row that refers to itself.
                Some(p) if p.storage_name == self.table.storage_name
                    && positions(p, &fk.parent_columns).is_some_and(|pp| pp.iter().zip(&values).all(|(q, v)| &row[*q] == v)) =>
                {
                    true
                }
                Some(p) => {
                    let p = p.clone();
                    !rows_with(tx, &p, &fk.parent_columns, values, 1).await?.is_empty()
                }
                None => false,
            };
            if !found {
                return Err(SqlError::new(
                    INTEGRITY,
                    format!("Cannot add or update a child row: a foreign key constraint fails {}", fk.failing(&self.table.storage_name)),
                )
                .with_mysql_errno(1452));
            }
        }
        Ok(())
    }

    /// A row about to be deleted (`new`: None) or changed: the rows that refer to the
    /// values that go away block it (RESTRICT), go with it (CASCADE) or lose the reference
    /// (SET NULL).
    pub(crate) async fn removed(
        &self,
        tx: &mut dyn Transaction,
        cat: &CatalogState,
        old: &[Value],
        new: Option<&[Value]>,
    ) -> Result<(), SqlError> {
        self.removed_at(tx, cat, old, new, 0).await
    }

    fn removed_at<'a>(
        &'a self,
        tx: &'a mut dyn Transaction,
        cat: &'a CatalogState,
        old: &'a [Value],
        new: Option<&'a [Value]>,
        depth: usize,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), SqlError>> + Send + 'a>> {
        Box::pin(async move {
            let pk = self.table.schema.primary_key_positions();
            for (child, fk, pos) in &self.referrers {
                let values: Vec<Value> = pos.iter().map(|p| old[*p].clone()).collect();
                if values.iter().any(Value::is_null) {
                    continue;
                }
                if new.is_some_and(|n| pos.iter().zip(&values).all(|(p, v)| &n[*p] == v)) {
                    continue;
                }
                let action = if new.is_some() { fk.on_update } else { fk.on_delete };
                let limit = if action == Action::Restrict { 2 } else { usize::MAX };
                let referring = rows_with(tx, child, &fk.columns, values, limit).await?;
                // A row of a self-referring table may refer to itself.
                let same_table = child.storage_name == self.table.storage_name;
                let referring: Vec<Vec<Value>> =
                    referring.into_iter().filter(|r| !(same_table && pk.iter().all(|p| r[*p] == old[*p]))).collect();
                if referring.is_empty() {
                    continue;
                }
                if action == Action::Restrict {
                    return Err(SqlError::new(
                        INTEGRITY,
                        format!("Cannot delete or update a parent row: a foreign key constraint fails {}", fk.failing(&child.storage_name)),
                    )
                    .with_mysql_errno(1451));
                }
                if depth >= MAX_CASCADE_DEPTH {
                    return Err(SqlError::new(GENERAL, format!("Foreign key cascade delete/update exceeds max depth of {MAX_CASCADE_DEPTH}."))
                        .with_mysql_errno(3008));
                }
                let child_checks = Checks::of(cat, child);
                let child_pk = child.schema.primary_key_positions();
                let Some(child_pos) = positions(child, &fk.columns) else { continue };
                for r in referring {
                    let key: Vec<Value> = child_pk.iter().map(|p| r[*p].clone()).collect();
                    let changed = match (action, new) {
                        (Action::Cascade, None) => None,
                        (Action::Cascade, Some(n)) => {
                            let mut c = r.clone();
                            for (cp, pp) in child_pos.iter().zip(pos) {
                                c[*cp] = n[*pp].clone();
                            }
                            Some(c)
                        }
                        _ => {
                            let mut c = r.clone();
                            for cp in &child_pos {
                                c[*cp] = Value::Null;
                            }
                            Some(c)
                        }
                    };
                    if let Some(cc) = &child_checks {
                        cc.removed_at(tx, cat, &r, changed.as_deref(), depth + 1).await?;
                    }
                    match changed {
                        Some(c) => {
                            tx.update(&child.storage_name, &key, c).await?;
                        }
                        None => {
                            tx.delete(&child.storage_name, &key).await?;
                        }
                    }
                }
            }
            Ok(())
        })
    }
}
