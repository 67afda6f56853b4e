//! Table definitions as callers write them ([`TableDef`]) and as the catalog keeps them
//! ([`TableSchema`]).
//!
//! Columns live in physical *slots* that never move: adding a column appends a slot,
//! dropping one marks its slot dropped (as PostgreSQL's `attisdropped` does), so rows
//! written under an older schema version still decode. A slot added after rows exist
//! carries the value old rows take for it (`missing_value`, PostgreSQL's
//! `attmissingval`). Callers only ever see live columns, in order: a [`crate::Row`] is
//! one value per live column.

use crate::error::{StorageError, StorageResult};
use crate::value::{DataType, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A column default: a constant the storage can apply, or an expression (SQL text) that
/// the model layer evaluates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnDefault {
    Value(Value),
    Expression(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub default: Option<ColumnDefault>,
}

impl ColumnDef {
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        ColumnDef { name: name.into(), data_type, nullable: true, default: None }
    }
    pub fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }
    pub fn default_value(mut self, value: Value) -> Self {
        self.default = Some(ColumnDefault::Value(value));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexDef {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

impl IndexDef {
    pub fn new(name: impl Into<String>, columns: &[&str], unique: bool) -> Self {
        IndexDef { name: name.into(), columns: columns.iter().map(|c| c.to_string()).collect(), unique }
    }
}

/// What a caller asks for in `create_table`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Primary-key column names, in key order. Required: a model without a natural key
    /// (a SQL table without PRIMARY KEY) adds a hidden row-id column.
    pub primary_key: Vec<String>,
    pub indexes: Vec<IndexDef>,
    /// Free-form metadata for the model layer (CHECK expressions, sequences, ...).
    pub options: BTreeMap<String, String>,
}

impl TableDef {
    pub fn new(name: impl Into<String>) -> Self {
        TableDef { name: name.into(), ..Default::default() }
    }
    pub fn column(mut self, column: ColumnDef) -> Self {
        self.columns.push(column);
        self
    }
    pub fn primary_key(mut self, columns: &[&str]) -> Self {
        self.primary_key = columns.iter().map(|c| c.to_string()).collect();
        self
    }
    pub fn index(mut self, index: IndexDef) -> Self {
        self.indexes.push(index);
        self
    }
}

/// Schema changes accepted by `alter_table`.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterTable {
    /// Existing rows take the column's constant default (or NULL).
    AddColumn(ColumnDef),
    /// Drops the column and every index that uses it; primary-key columns cannot be dropped.
    DropColumn(String),
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTable(String),
    SetDefault {
        column: String,
        default: Option<ColumnDefault>,
    },
    SetOptions(BTreeMap<String, String>),
    /// Makes `columns` the primary key (and NOT NULL); every row moves under its new key
    /// and every index is rebuilt, in one write. `drop_old_key` drops the columns of the
    /// old key (a generated row id the new key replaces).
    SetPrimaryKey {
        columns: Vec<String>,
        drop_old_key: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredColumn {
    pub def: ColumnDef,
    pub dropped: bool,
    /// The value rows written before this column existed take for it.
    pub missing_value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredIndex {
    pub id: u32,
    pub name: String,
    /// Physical slots of the indexed columns.
    pub slots: Vec<usize>,
    pub unique: bool,
}

/// A table as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSchema {
    pub id: u32,
    pub name: String,
    /// Every physical slot, dropped ones included.
    pub slots: Vec<StoredColumn>,
    /// Physical slots of the primary key, in key order.
    pub primary_key: Vec<usize>,
    pub indexes: Vec<StoredIndex>,
    pub next_index_id: u32,
    pub options: BTreeMap<String, String>,
    /// Incremented on every change.
    pub version: u32,
}

impl TableSchema {
    /// Validates `def` and lays it out; `id` is the table's storage id.
    pub fn from_def(id: u32, def: &TableDef) -> StorageResult<Self> {
        if def.name.is_empty() {
            return Err(StorageError::InvalidSchema("table name is empty".into()));
        }
        if def.columns.is_empty() {
            return Err(StorageError::InvalidSchema(format!("table \"{}\" has no columns", def.name)));
        }
        let mut schema = TableSchema {
            id,
            name: def.name.clone(),
            slots: Vec::with_capacity(def.columns.len()),
            primary_key: Vec::new(),
            indexes: Vec::new(),
            next_index_id: 1,
            options: def.options.clone(),
            version: 1,
        };
        for column in &def.columns {
            if schema.live_slot(&column.name).is_some() {
                return Err(StorageError::ColumnExists { table: def.name.clone(), column: column.name.clone() });
            }
            check_default(&def.name, column)?;
            schema.slots.push(StoredColumn { def: column.clone(), dropped: false, missing_value: Value::Null });
        }
        if def.primary_key.is_empty() {
            return Err(StorageError::InvalidSchema(format!("table \"{}\" has no primary key", def.name)));
        }
        for name in &def.primary_key {
            let slot = schema.require_slot(name)?;
            if schema.primary_key.contains(&slot) {
                return Err(StorageError::InvalidSchema(format!("column \"{name}\" appears twice in the primary key")));
            }
            schema.slots[slot].def.nullable = false;
            schema.primary_key.push(slot);
        }
        for index in &def.indexes {
            schema.add_index(index)?;
        }
        Ok(schema)
    }

    /// Live columns in order.
    pub fn columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.slots.iter().filter(|c| !c.dropped).map(|c| &c.def)
    }

    pub fn column_count(&self) -> usize {
        self.slots.iter().filter(|c| !c.dropped).count()
    }

    /// Position of a live column among the live columns.
    pub fn column_position(&self, name: &str) -> Option<usize> {
        self.columns().position(|c| c.name == name)
    }

    /// Physical slot of a live column.
    pub fn live_slot(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|c| !c.dropped && c.def.name == name)
    }

    pub fn require_slot(&self, name: &str) -> StorageResult<usize> {
        self.live_slot(name)
            .ok_or_else(|| StorageError::ColumnNotFound { table: self.name.clone(), column: name.to_string() })
    }

    /// Live positions of the primary-key columns, in key order.
    pub fn primary_key_positions(&self) -> Vec<usize> {
        self.primary_key.iter().map(|slot| self.position_of_slot(*slot)).collect()
    }

    pub fn primary_key_names(&self) -> Vec<&str> {
        self.primary_key.iter().map(|slot| self.slots[*slot].def.name.as_str()).collect()
    }

    pub fn index(&self, name: &str) -> Option<&StoredIndex> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Column names of an index, in index order.
    pub fn index_column_names(&self, index: &StoredIndex) -> Vec<&str> {
        index.slots.iter().map(|slot| self.slots[*slot].def.name.as_str()).collect()
    }

    fn position_of_slot(&self, slot: usize) -> usize {
        self.slots[..slot].iter().filter(|c| !c.dropped).count()
    }

    /// Adds an index definition (no data is touched here).
    pub fn add_index(&mut self, def: &IndexDef) -> StorageResult<&StoredIndex> {
        if self.index(&def.name).is_some() {
            return Err(StorageError::IndexExists(def.name.clone()));
        }
        if def.columns.is_empty() {
            return Err(StorageError::InvalidSchema(format!("index \"{}\" has no columns", def.name)));
        }
        let slots = def.columns.iter().map(|c| self.require_slot(c)).collect::<StorageResult<Vec<_>>>()?;
        let id = self.next_index_id;
        self.next_index_id += 1;
        self.indexes.push(StoredIndex { id, name: def.name.clone(), slots, unique: def.unique });
        Ok(self.indexes.last().expect("just pushed"))
    }

    /// Applies a schema change to this definition. Returns the indexes the change
    /// removed, whose entries the caller deletes.
    pub fn apply(&mut self, change: &AlterTable) -> StorageResult<Vec<StoredIndex>> {
        let mut removed = Vec::new();
        match change {
            AlterTable::AddColumn(column) => {
                if self.live_slot(&column.name).is_some() {
                    return Err(StorageError::ColumnExists { table: self.name.clone(), column: column.name.clone() });
                }
                check_default(&self.name, column)?;
                let missing_value = match &column.default {
                    Some(ColumnDefault::Value(v)) => v.clone(),
                    _ => Value::Null,
                };
                if missing_value.is_null() && !column.nullable {
                    return Err(StorageError::NotNullViolation {
                        table: self.name.clone(),
                        column: column.name.clone(),
                    });
                }
                self.slots.push(StoredColumn { def: column.clone(), dropped: false, missing_value });
            }
            AlterTable::DropColumn(name) => {
                let slot = self.require_slot(name)?;
                if self.primary_key.contains(&slot) {
                    return Err(StorageError::InvalidSchema(format!(
                        "cannot drop column \"{name}\": it is part of the primary key"
                    )));
                }
                if self.column_count() == 1 {
                    return Err(StorageError::InvalidSchema(format!("cannot drop the last column \"{name}\"")));
                }
                let (gone, kept): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut self.indexes).into_iter().partition(|i| i.slots.contains(&slot));
                self.indexes = kept;
                removed = gone;
                self.slots[slot].dropped = true;
            }
            AlterTable::RenameColumn { from, to } => {
                let slot = self.require_slot(from)?;
                if from != to && self.live_slot(to).is_some() {
                    return Err(StorageError::ColumnExists { table: self.name.clone(), column: to.clone() });
                }
                self.slots[slot].def.name = to.clone();
            }
            AlterTable::RenameTable(to) => {
                if to.is_empty() {
                    return Err(StorageError::InvalidSchema("table name is empty".into()));
                }
                self.name = to.clone();
            }
            AlterTable::SetDefault { column, default } => {
                let slot = self.require_slot(column)?;
                let mut def = self.slots[slot].def.clone();
                def.default = default.clone();
                check_default(&self.name, &def)?;
                self.slots[slot].def = def;
            }
            AlterTable::SetOptions(options) => {
                for (k, v) in options {
                    self.options.insert(k.clone(), v.clone());
                }
            }
            AlterTable::SetPrimaryKey { columns, drop_old_key } => {
                if columns.is_empty() {
                    return Err(StorageError::InvalidSchema("a primary key needs at least one column".into()));
                }
                let slots = columns.iter().map(|c| self.require_slot(c)).collect::<StorageResult<Vec<_>>>()?;
                for &slot in &slots {
                    self.slots[slot].def.nullable = false;
                }
                let old = std::mem::replace(&mut self.primary_key, slots);
                if *drop_old_key {
                    for slot in old.into_iter().filter(|s| !self.primary_key.contains(s)) {
                        let (gone, kept): (Vec<_>, Vec<_>) =
                            std::mem::take(&mut self.indexes).into_iter().partition(|i| i.slots.contains(&slot));
                        self.indexes = kept;
                        removed.extend(gone);
                        self.slots[slot].dropped = true;
                    }
                }
            }
        }
        self.version += 1;
        Ok(removed)
    }

    /// Checks a live row (one value per live column) against types and NOT NULL.
    pub fn check_row(&self, row: &[Value]) -> StorageResult<()> {
        if row.len() != self.column_count() {
            return Err(StorageError::InvalidArgument(format!(
                "table \"{}\" has {} columns but the row has {} values",
                self.name,
                self.column_count(),
                row.len()
            )));
        }
        for (column, value) in self.columns().zip(row) {
            if value.is_null() {
                if !column.nullable {
                    return Err(StorageError::NotNullViolation {
                        table: self.name.clone(),
                        column: column.name.clone(),
                    });
                }
                continue;
            }
            if !column.data_type.accepts(value) {
                if column.data_type.is_out_of_range(value) {
                    return Err(StorageError::OutOfRange {
                        column: column.name.clone(),
                        data_type: column.data_type.to_string(),
                    });
                }
                return Err(StorageError::TypeMismatch {
                    table: self.name.clone(),
                    column: column.name.clone(),
                    expected: column.data_type.to_string(),
                    got: value.kind_name().to_string(),
                });
            }
        }
        Ok(())
    }

    /// Builds a live row from named values, filling the others with their constant
    /// defaults or NULL. Expression defaults are the caller's business and give an error here.
    pub fn row_from_named(&self, values: &[(&str, Value)]) -> StorageResult<Vec<Value>> {
        let mut row: Vec<Option<Value>> = vec![None; self.column_count()];
        for (name, value) in values {
            let pos = self
                .column_position(name)
                .ok_or_else(|| StorageError::ColumnNotFound { table: self.name.clone(), column: name.to_string() })?;
            row[pos] = Some(value.clone());
        }
        self.columns()
            .zip(row)
            .map(|(column, value)| match (value, &column.default) {
                (Some(v), _) => Ok(v),
                (None, None) => Ok(Value::Null),
                (None, Some(ColumnDefault::Value(v))) => Ok(v.clone()),
                (None, Some(ColumnDefault::Expression(e))) => Err(StorageError::Unsupported(format!(
                    "default expression \"{e}\" of column \"{}\" must be evaluated by the caller",
                    column.name
                ))),
            })
            .collect()
    }

    fn has_dropped_columns(&self) -> bool {
        self.slots.iter().any(|c| c.dropped)
    }

    /// Expands a live row to physical slots (dropped slots hold NULL).
    pub fn to_physical(&self, row: Vec<Value>) -> Vec<Value> {
        if row.len() == self.slots.len() && !self.has_dropped_columns() {
            return row;
        }
        let mut live = row.into_iter();
        self.slots.iter().map(|c| if c.dropped { Value::Null } else { live.next().unwrap_or(Value::Null) }).collect()
    }

    /// Projects physical values (possibly fewer than the current slot count, for rows
    /// written before a column was added) onto the live columns.
    pub fn to_live(&self, physical: Vec<Value>) -> Vec<Value> {
        if physical.len() == self.slots.len() && !self.has_dropped_columns() {
            return physical;
        }
        let mut physical = physical.into_iter();
        let mut row = Vec::with_capacity(self.column_count());
        for column in &self.slots {
            let value = physical.next();
            if column.dropped {
                continue;
            }
            row.push(value.unwrap_or_else(|| column.missing_value.clone()));
        }
        row
    }
}

fn check_default(table: &str, column: &ColumnDef) -> StorageResult<()> {
    if let Some(ColumnDefault::Value(v)) = &column.default {
        if !column.data_type.accepts(v) {
            return Err(StorageError::TypeMismatch {
                table: table.to_string(),
                column: column.name.clone(),
                expected: column.data_type.to_string(),
                got: v.kind_name().to_string(),
            });
        }
    }
    Ok(())
}
