//! MySQL's INSERT rules on top of the shared INSERT path ([`crate::dml`]):
//! AUTO_INCREMENT values (NULL and 0 draw the next value unless NO_AUTO_VALUE_ON_ZERO,
//! explicit values move the counter, rows are numbered in order), the statement's
//! LAST_INSERT_ID (its first generated value), and MySQL's duplicate-key message
//! ("Duplicate entry '1' for key 't.PRIMARY'", MySQL 8 naming the key `table.index`).

use super::ddl::bump_sequence;
use super::types::{numeric_prefix, OPT_AUTO_INCREMENT_PREFIX};
use crate::catalog::{self, TableInfo};
use crate::error::SqlError;
use crate::session::Session;
use bigdecimal::ToPrimitive;
use orbit_storage::{StorageError, Value};

/// The AUTO_INCREMENT columns of a table: (position, sequence).
pub fn auto_increment_columns(info: &TableInfo) -> Vec<(usize, String)> {
    info.schema
        .options
        .iter()
        .filter_map(|(k, seq)| {
            let col = k.strip_prefix(OPT_AUTO_INCREMENT_PREFIX)?;
            Some((info.schema.column_position(col)?, seq.clone()))
        })
        .collect()
}

/// An explicit AUTO_INCREMENT value, or `None` when the row asks for a generated one.
fn explicit(v: &Value) -> Option<i64> {
    match v {
        Value::Null => None,
        Value::Int(0) => None,
        Value::Int(i) => Some(*i),
        Value::Bool(b) => (*b).then_some(1),
        Value::Float(f) => Some(f.round() as i64).filter(|i| *i != 0),
        Value::Decimal(d) => d.round(0).to_i64().filter(|i| *i != 0),
        Value::Text(s) => numeric_prefix(s).0.round(0).to_i64().filter(|i| *i != 0),
        _ => None,
    }
}

impl Session {
    /// Fills the AUTO_INCREMENT columns of `rows` and returns the first generated value.
    /// `needs_seq` (per row, the columns waiting for a sequence default) loses these
    /// columns: they are handled here.
    pub(crate) async fn mysql_auto_increment(
        &mut self,
        info: &TableInfo,
        rows: &mut [Vec<Value>],
        needs_seq: &mut [Vec<usize>],
    ) -> Result<Option<u64>, SqlError> {
        let cols = auto_increment_columns(info);
        let mut first: Option<u64> = None;
        for (pos, seq) in cols {
            for n in needs_seq.iter_mut() {
                n.retain(|c| *c != pos);
            }
            let wanted: Vec<Option<i64>> = rows.iter().map(|r| explicit(&r[pos])).collect();
            let generated = wanted.iter().filter(|w| w.is_none()).count();
            if wanted.iter().all(|w| w.is_none()) {
                if generated == 0 {
                    continue;
                }
                let start = self.draw(&seq, generated as i64).await?;
                for (i, row) in rows.iter_mut().enumerate() {
                    row[pos] = Value::Int(start + i as i64);
                }
                first.get_or_insert(start as u64);
                continue;
            }
            // Explicit values in between: number row by row, moving the counter past each.
            for (row, w) in rows.iter_mut().zip(&wanted) {
                match w {
                    Some(v) => {
                        if self.replay_draws.is_none() {
                            bump_sequence(&self.engine.storage, &seq, *v).await?;
                        }
                        row[pos] = Value::Int(*v);
                    }
                    None => {
                        let v = self.draw(&seq, 1).await?;
                        row[pos] = Value::Int(v);
                        first.get_or_insert(v as u64);
                    }
                }
            }
        }
        Ok(first)
    }

    async fn draw(&mut self, seq: &str, n: i64) -> Result<i64, SqlError> {
        let replayed = self.replay_draws.as_mut().and_then(|d| d.pop_front());
        let v = match replayed {
            Some(v) => v,
            None => catalog::next_values(&self.engine.storage, seq, n).await?,
        };
        self.seq_draws.push(v);
        Ok(v)
    }
}

/// MySQL's 1062 for a unique violation of `row`.
pub fn duplicate_error(info: &TableInfo, e: &StorageError, row: &[Value]) -> SqlError {
    let (key, cols): (String, Vec<usize>) = match e {
        StorageError::UniqueViolation { index, .. } => {
            let cols = info
                .schema
                .index(index)
                .map(|idx| {
                    info.schema.index_column_names(idx).iter().filter_map(|n| info.schema.column_position(n)).collect()
                })
                .unwrap_or_default();
            (index.clone(), cols)
        }
        _ => ("PRIMARY".to_string(), info.schema.primary_key_positions()),
    };
    let value = cols
        .iter()
        .map(|p| row.get(*p).and_then(super::format::text).unwrap_or_else(|| "NULL".into()))
        .collect::<Vec<_>>()
        .join("-");
    super::errors::duplicate_entry(&value, &format!("{}.{key}", info.name))
}
