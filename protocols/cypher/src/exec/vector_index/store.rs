//! The durable part of the vector indexes: one row per index definition (name, label,
//! property, dimensions, similarity function) in a small table of the Cypher storage,
//! read when the engine opens. The vectors themselves are the nodes' properties; the
//! in-memory indexes are rebuilt from them.

use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::functions::vector::Similarity;
use orbit_storage::{ColumnDef, DataType, ScanOptions, StorageError, TableDef, TableStorage, Value};

const TABLE: &str = "cypher_vector_indexes";

/// Neo4j's bounds of `vector.dimensions`.
pub(crate) const MAX_DIMENSIONS: usize = 4096;

/// One vector index as created.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VectorIndexDef {
    pub name: String,
    pub label: String,
    pub property: String,
    pub dimensions: usize,
    pub similarity: Similarity,
}

pub(crate) async fn ensure_table(storage: &dyn TableStorage) -> CypherResult<()> {
    if storage.table_schema(TABLE).await?.is_some() {
        return Ok(());
    }
    let def = TableDef::new(TABLE)
        .column(ColumnDef::new("name", DataType::Text).not_null())
        .column(ColumnDef::new("label", DataType::Text).not_null())
        .column(ColumnDef::new("property", DataType::Text).not_null())
        .column(ColumnDef::new("dimensions", DataType::Int64).not_null())
        .column(ColumnDef::new("similarity", DataType::Text).not_null())
        .primary_key(&["name"]);
    match storage.create_table(&def).await {
        Ok(_) | Err(StorageError::TableExists(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn corrupt(what: &str) -> CypherError {
    CypherError::new(ErrorKind::Database, format!("Corrupt vector index definition: {what}"))
}

fn decode(row: &[Value]) -> CypherResult<VectorIndexDef> {
    let [Value::Text(name), Value::Text(label), Value::Text(property), Value::Int(dimensions), Value::Text(similarity)] =
        row
    else {
        return Err(corrupt("unexpected columns"));
    };
    let dimensions = usize::try_from(*dimensions)
        .ok()
        .filter(|d| (1..=MAX_DIMENSIONS).contains(d))
        .ok_or_else(|| corrupt("dimensions"))?;
    let similarity = Similarity::parse(similarity).ok_or_else(|| corrupt("similarity function"))?;
    Ok(VectorIndexDef { name: name.clone(), label: label.clone(), property: property.clone(), dimensions, similarity })
}

pub(crate) async fn load(storage: &dyn TableStorage) -> CypherResult<Vec<VectorIndexDef>> {
    let rows = storage.scan(TABLE, &ScanOptions::default()).await?;
    rows.iter().map(|r| decode(r)).collect()
}

pub(crate) async fn put(storage: &dyn TableStorage, def: &VectorIndexDef) -> CypherResult<()> {
    let row = vec![
        Value::Text(def.name.clone()),
        Value::Text(def.label.clone()),
        Value::Text(def.property.clone()),
        Value::Int(def.dimensions as i64),
        Value::Text(def.similarity.name().to_ascii_lowercase()),
    ];
    storage.upsert(TABLE, row).await?;
    Ok(())
}

pub(crate) async fn delete(storage: &dyn TableStorage, name: &str) -> CypherResult<()> {
    storage.delete(TABLE, &[Value::Text(name.to_string())]).await?;
    Ok(())
}
