//! pgvector's `hnsw` indexes: `CREATE INDEX .. USING hnsw (col vector_l2_ops) WITH (m = 16,
//! ef_construction = 64)`.
//!
//! A definition lives in its table's options ([`OPT_PREFIX`]`<index>`), so it is as
//! durable as the table; the searchable structure is an in-memory
//! [`orbit_vector::VectorIndex`] per index, built from a scan of the table at first use
//! and rebuilt at the next use after a transaction that wrote the table commits
//! ([`VectorIndexes::mark_changed`]; a rollback changes nothing). A search answers primary
//! keys; the scan reads those rows through the statement's own transaction, so it never
//! returns a row the statement could not see.

use crate::error::{sqlstate, SqlError};
use crate::expr::cast::cast_value;
use orbit_storage::{ScanOptions, TableSchema, TableStorage, Value};
use orbit_vector::{IndexKind, Metric, VectorIndex, VectorIndexConfig};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// Table option `orbit.hnsw.<index>` = `column \x1f opclass \x1f m \x1f ef_construction`
/// (empty once the index is dropped).
pub const OPT_PREFIX: &str = "orbit.hnsw.";
/// pgvector's `hnsw.ef_search` default.
pub const DEFAULT_EF_SEARCH: usize = 40;
/// pgvector's limit on dimensions of an hnsw index over `vector`.
pub const MAX_INDEX_DIM: u32 = 2000;

/// An operator class: the distance an index orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpClass {
    L2,
    InnerProduct,
    Cosine,
    L1,
}

impl OpClass {
    pub fn parse(name: &str) -> Option<OpClass> {
        Some(match name {
            "vector_l2_ops" => OpClass::L2,
            "vector_ip_ops" => OpClass::InnerProduct,
            "vector_cosine_ops" => OpClass::Cosine,
            "vector_l1_ops" => OpClass::L1,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            OpClass::L2 => "vector_l2_ops",
            OpClass::InnerProduct => "vector_ip_ops",
            OpClass::Cosine => "vector_cosine_ops",
            OpClass::L1 => "vector_l1_ops",
        }
    }

    /// The distance function whose ORDER BY this class answers.
    pub fn function(self) -> &'static str {
        match self {
            OpClass::L2 => "l2_distance",
            OpClass::InnerProduct => super::functions::NEGATIVE_INNER_PRODUCT,
            OpClass::Cosine => "cosine_distance",
            OpClass::L1 => "l1_distance",
        }
    }

    pub fn operator(self) -> &'static str {
        match self {
            OpClass::L2 => "<->",
            OpClass::InnerProduct => "<#>",
            OpClass::Cosine => "<=>",
            OpClass::L1 => "<+>",
        }
    }

    fn metric(self) -> Metric {
        match self {
            OpClass::L2 => Metric::L2,
            OpClass::InnerProduct => Metric::InnerProduct,
            OpClass::Cosine => Metric::Cosine,
            OpClass::L1 => Metric::L1,
        }
    }
}

/// An hnsw index of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct HnswDef {
    pub name: String,
    pub column: String,
    pub opclass: OpClass,
    pub m: usize,
    pub ef_construction: usize,
}

impl HnswDef {
    pub fn option(&self) -> (String, String) {
        let value =
            format!("{}\u{1f}{}\u{1f}{}\u{1f}{}", self.column, self.opclass.name(), self.m, self.ef_construction);
        (format!("{OPT_PREFIX}{}", self.name), value)
    }

    fn from_option(name: &str, value: &str) -> Option<HnswDef> {
        let mut parts = value.split('\u{1f}');
        let column = parts.next()?.to_string();
        let opclass = OpClass::parse(parts.next()?)?;
        let m = parts.next()?.parse().ok()?;
        let ef_construction = parts.next()?.parse().ok()?;
        Some(HnswDef { name: name.to_string(), column, opclass, m, ef_construction })
    }
}

/// The hnsw indexes of a table.
pub fn defs(schema: &TableSchema) -> Vec<HnswDef> {
    schema
        .options
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(OPT_PREFIX).and_then(|name| HnswDef::from_option(name, v)))
        .collect()
}

fn option_error(name: &str, value: i64, low: i64, high: i64) -> SqlError {
    SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, format!("value {value} out of bounds for option \"{name}\""))
        .with_detail(format!("Valid values are between \"{low}\" and \"{high}\"."))
}

/// The `WITH (m = .., ef_construction = ..)` of CREATE INDEX, checked as pgvector does.
pub fn parameters(with: &[(String, String)]) -> Result<(usize, usize), SqlError> {
    let (mut m, mut ef_construction) = (16i64, 64i64);
    for (key, value) in with {
        let number = || {
            value.parse::<i64>().map_err(|_| {
                SqlError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    format!("invalid value for integer option \"{key}\": {value}"),
                )
            })
        };
        match key.as_str() {
            "m" => m = number()?,
            "ef_construction" => ef_construction = number()?,
            _ => {
                return Err(SqlError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    format!("unrecognized parameter \"{key}\""),
                ))
            }
        }
    }
    if !(2..=100).contains(&m) {
        return Err(option_error("m", m, 2, 100));
    }
    if !(4..=1000).contains(&ef_construction) {
        return Err(option_error("ef_construction", ef_construction, 4, 1000));
    }
    if ef_construction < 2 * m {
        return Err(SqlError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            "ef_construction must be greater than or equal to 2 * m",
        ));
    }
    Ok((m as usize, ef_construction as usize))
}

/// `hnsw.ef_search`'s value checked (1 to 1000).
pub fn ef_search(value: &str) -> Result<usize, SqlError> {
    let n: i64 = value.trim().parse().map_err(|_| {
        SqlError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("invalid value for parameter \"hnsw.ef_search\": \"{value}\""),
        )
    })?;
    if !(1..=1000).contains(&n) {
        return Err(SqlError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("{n} is outside the valid range for parameter \"hnsw.ef_search\" (1 .. 1000)"),
        ));
    }
    Ok(n as usize)
}

/// One built index: the structure and the primary key of each of its ids.
struct Built {
    generation: u64,
    index: VectorIndex,
    keys: Vec<Vec<Value>>,
}

/// The in-memory structures of every hnsw index of one engine.
#[derive(Default)]
pub struct VectorIndexes {
    built: Mutex<HashMap<(String, String), Arc<Built>>>,
    /// Bumped when a transaction that wrote the table commits.
    generations: Mutex<HashMap<String, u64>>,
}

impl VectorIndexes {
    /// Called after a commit that wrote `table` (or after DDL on it).
    pub fn mark_changed(&self, table: &str) {
        *self.generations.lock().entry(table.to_string()).or_insert(0) += 1;
    }

    /// After a commit whose written tables are not known (COPY): every index rebuilds.
    pub fn mark_all_changed(&self) {
        let tables: Vec<String> = self.built.lock().keys().map(|(t, _)| t.clone()).collect();
        for table in tables {
            self.mark_changed(&table);
        }
    }

    fn generation(&self, table: &str) -> u64 {
        self.generations.lock().get(table).copied().unwrap_or(0)
    }

    /// The primary keys of the `k` rows nearest `query` by `def`'s distance, nearest first
    /// (searching at least `ef` candidates).
    pub async fn search(
        &self,
        storage: &Arc<dyn TableStorage>,
        table: &str,
        def: &HnswDef,
        query: &[f32],
        k: usize,
        ef: usize,
    ) -> Result<Vec<Vec<Value>>, SqlError> {
        let built = self.built(storage, table, def).await?;
        if built.index.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        if query.len() != built.index.config().dim {
            return Err(super::data_error(format!(
                "different vector dimensions {} and {}",
                built.index.config().dim,
                query.len()
            )));
        }
        let hits = built
            .index
            .search(query, k, Some(ef.max(k)), None)
            .map_err(|e| SqlError::new(sqlstate::INTERNAL_ERROR, format!("vector index search failed: {e}")))?;
        Ok(hits.into_iter().filter_map(|h| built.keys.get(h.id as usize).cloned()).collect())
    }

    async fn built(&self, storage: &Arc<dyn TableStorage>, table: &str, def: &HnswDef) -> Result<Arc<Built>, SqlError> {
        let key = (table.to_string(), def.name.clone());
        let generation = self.generation(table);
        if let Some(b) = self.built.lock().get(&key).filter(|b| b.generation == generation) {
            return Ok(b.clone());
        }
        let built = Arc::new(build(storage, table, def, generation).await?);
        self.built.lock().insert(key, built.clone());
        Ok(built)
    }
}

/// Builds the index from a snapshot taken after `generation` was read.
async fn build(
    storage: &Arc<dyn TableStorage>,
    table: &str,
    def: &HnswDef,
    generation: u64,
) -> Result<Built, SqlError> {
    let schema = storage
        .table_schema(table)
        .await?
        .ok_or_else(|| SqlError::new(sqlstate::UNDEFINED_TABLE, format!("relation \"{table}\" does not exist")))?;
    let column = schema.column_position(&def.column).ok_or_else(|| {
        SqlError::new(sqlstate::UNDEFINED_COLUMN, format!("column \"{}\" does not exist", def.column))
    })?;
    let dims: Option<u32> =
        schema.options.get(&format!("{}{}", super::OPT_DIMS_PREFIX, def.column)).and_then(|d| d.parse().ok());
    let pk = schema.primary_key_positions();
    let mut tx = storage.begin().await?;
    let rows = tx.scan(table, &ScanOptions::all()).await;
    let _ = tx.rollback().await;
    let rows = rows?;
    let dim = dims.map(|d| d as usize).unwrap_or(1);
    let mut config = VectorIndexConfig::new(dim, def.opclass.metric(), IndexKind::Hnsw);
    config.m = def.m;
    config.ef_construction = def.ef_construction;
    let mut index = VectorIndex::new(config).map_err(|e| {
        SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, format!("cannot build index \"{}\": {e}", def.name))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let Some(Value::Bytes(bytes)) = row.get(column) else { continue };
        let Ok(elements) = super::elements(bytes) else { continue };
        if elements.len() != dim {
            continue;
        }
        let id = keys.len() as u64;
        if index.insert(id, &elements).is_ok() {
            keys.push(pk.iter().map(|p| row.get(*p).cloned().unwrap_or(Value::Null)).collect());
        }
    }
    Ok(Built { generation, index, keys })
}

/// The vector a query expression evaluated to, for a search (`None` for NULL).
pub fn query_vector(v: Value) -> Result<Option<Vec<f32>>, SqlError> {
    match cast_value(v, &crate::SqlType::Vector(None))? {
        Value::Null => Ok(None),
        other => super::of_value(&other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_bounded_like_pgvector() {
        assert_eq!(parameters(&[]).unwrap(), (16, 64));
        let with = |k: &str, v: &str| parameters(&[(k.to_string(), v.to_string())]);
        assert_eq!(with("m", "8").unwrap(), (8, 64));
        let e = with("m", "1").unwrap_err();
        assert_eq!(e.message, "value 1 out of bounds for option \"m\"");
        assert_eq!(e.detail.as_deref(), Some("Valid values are between \"2\" and \"100\"."));
        assert_eq!(with("ef_construction", "2000").unwrap_err().code, "22023");
        assert_eq!(with("m", "40").unwrap_err().message, "ef_construction must be greater than or equal to 2 * m");
        assert_eq!(with("lists", "4").unwrap_err().message, "unrecognized parameter \"lists\"");
        assert_eq!(ef_search("100").unwrap(), 100);
        assert!(ef_search("0").unwrap_err().message.contains("(1 .. 1000)"));
        assert!(ef_search("x").is_err());
        let def = HnswDef { name: "i".into(), column: "v".into(), opclass: OpClass::Cosine, m: 8, ef_construction: 32 };
        let (k, v) = def.option();
        assert_eq!(HnswDef::from_option(k.strip_prefix(OPT_PREFIX).unwrap(), &v), Some(def));
        assert_eq!(HnswDef::from_option("i", ""), None);
    }
}
