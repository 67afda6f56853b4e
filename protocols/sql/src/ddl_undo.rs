//! Taking back schema changes made inside a transaction block.
//!
//! The storage catalog is not transactional: CREATE TABLE and friends take effect at
//! once. So that `BEGIN; CREATE TABLE t ...; ROLLBACK` leaves no `t` behind, the session
//! compares the catalog before and after each schema change in a block and records the
//! statements that take it back: new tables, views, schemas and indexes are dropped and
//! added columns removed, in reverse order, when the block (or a savepoint before the
//! change) is rolled back. Changes that destroy data or rename things (DROP, TRUNCATE,
//! DROP COLUMN, RENAME, type changes) cannot be taken back this way; rolling back a block
//! that made one answers 0A000, as before.

use crate::catalog::CatalogState;
use sqlparser::ast::Statement;

/// One schema change of the open block.
#[derive(Debug, Clone)]
pub struct SchemaChange {
    /// The statement's first words, for error messages ("CREATE TABLE t").
    pub label: String,
    /// Statements that undo it, in the order to run them; `None`: it cannot be undone.
    pub undo: Option<Vec<String>>,
}

/// `"name"` with embedded quotes doubled.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."rel"` of a storage/catalog key `db.schema.rel` of database `db`.
fn qualified(key: &str, db: &str) -> Option<String> {
    let rest = key.strip_prefix(db)?.strip_prefix('.')?;
    let (schema, rel) = rest.split_once('.')?;
    Some(format!("{}.{}", quote(schema), quote(rel)))
}

/// The statements undoing the change from `before` to `after` made by `stmt` in
/// database `db`; `None` when it cannot be undone.
pub fn undo_for(before: &CatalogState, after: &CatalogState, db: &str, stmt: &Statement) -> Option<Vec<String>> {
    if matches!(stmt, Statement::Truncate { .. } | Statement::Drop { .. }) {
        return None;
    }
    let in_db = |k: &String| k.starts_with(&format!("{db}."));
    // Anything removed, and any other database touched, is beyond undoing.
    if before.databases != after.databases
        || before.tables.keys().any(|k| !after.tables.contains_key(k))
        || before.views.keys().any(|k| !after.views.contains_key(k))
        || before.schemas.iter().any(|k| !after.schemas.contains(k))
    {
        return None;
    }
    let mut undo = Vec::new();
    for (key, now) in &after.tables {
        let Some(old) = before.tables.get(key) else { continue };
        if old.schema == now.schema && old.checks == now.checks {
            continue;
        }
        // Only appended columns and indexes can be taken back.
        let (o, n) = (&old.schema, &now.schema);
        if !in_db(key)
            || n.slots.len() < o.slots.len()
            || n.slots[..o.slots.len()] != o.slots[..]
            || n.indexes.len() < o.indexes.len()
            || n.indexes[..o.indexes.len()] != o.indexes[..]
            || n.primary_key != o.primary_key
            || old.checks != now.checks
        {
            return None;
        }
        let table = qualified(key, db)?;
        let schema_part = table.split_once('.').map(|(s, _)| s.to_string())?;
        for index in n.indexes[o.indexes.len()..].iter().rev() {
            undo.push(format!("DROP INDEX {schema_part}.{}", quote(&index.name)));
        }
        for slot in n.slots[o.slots.len()..].iter().rev() {
            if !slot.dropped {
                undo.push(format!("ALTER TABLE {table} DROP COLUMN {}", quote(&slot.def.name)));
            }
        }
    }
    for (key, old) in &before.views {
        if after.views.get(key) != Some(old) {
            return None; // CREATE OR REPLACE VIEW
        }
    }
    for key in after.views.keys().filter(|k| !before.views.contains_key(*k)) {
        undo.push(format!("DROP VIEW {}", qualified(key, db)?));
    }
    for key in after.tables.keys().filter(|k| !before.tables.contains_key(*k)) {
        undo.push(format!("DROP TABLE {}", qualified(key, db)?));
    }
    for key in after.schemas.iter().filter(|k| !before.schemas.contains(*k)) {
        let schema = key.strip_prefix(db)?.strip_prefix('.')?;
        undo.push(format!("DROP SCHEMA {}", quote(schema)));
    }
    Some(undo)
}
