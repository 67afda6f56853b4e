//! The GraphRAG functions' output: typed columns per dialect and the engine's results as
//! rows. Lists are `text[]` in PostgreSQL and JSON arrays in MySQL (which has no array
//! type); nested results (citations, reasoning paths) are JSON in both. Rankings pass
//! through in the engine's order; scores stay full-precision doubles.

use crate::dialect::Dialect;
use crate::types::SqlType;
use orbit_graphrag::types::*;
use orbit_storage::{Row, Value};

pub type Columns = Vec<(&'static str, SqlType)>;

fn list_type(dialect: Dialect) -> SqlType {
    if dialect.is_mysql() {
        SqlType::Json
    } else {
        SqlType::Array(Box::new(SqlType::Text))
    }
}

fn list(dialect: Dialect, items: &[String]) -> Value {
    if dialect.is_mysql() {
        Value::Json(serde_json::Value::from(items.to_vec()).to_string())
    } else {
        Value::Array(items.iter().map(|s| Value::Text(s.clone())).collect())
    }
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    match serde_json::to_string(value) {
        Ok(s) => Value::Json(s),
        Err(_) => Value::Null,
    }
}

fn count(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn rank(i: usize) -> Value {
    Value::Int(i64::try_from(i + 1).unwrap_or(i64::MAX))
}

pub fn created_columns(_: Dialect) -> Columns {
    vec![("kg", SqlType::Text), ("created", SqlType::Bool)]
}

pub fn deleted_columns(_: Dialect) -> Columns {
    vec![("deleted", SqlType::Bool)]
}

pub fn dropped_columns(_: Dialect) -> Columns {
    vec![("dropped", SqlType::Bool)]
}

pub fn build_columns(_: Dialect) -> Columns {
    vec![
        ("entities_extracted", SqlType::Int8),
        ("relationships_extracted", SqlType::Int8),
        ("graph_nodes_created", SqlType::Int8),
        ("graph_relationships_created", SqlType::Int8),
        ("chunks", SqlType::Int8),
        ("processing_time_ms", SqlType::Int8),
    ]
}

pub fn build_row(r: &BuildReport) -> Row {
    vec![
        count(r.entities_extracted),
        count(r.relationships_extracted),
        count(r.graph_nodes_created),
        count(r.graph_relationships_created),
        count(r.chunks),
        count(r.processing_time_ms),
    ]
}

pub fn retrieve_columns(_: Dialect) -> Columns {
    vec![
        ("rank", SqlType::Int4),
        ("chunk_id", SqlType::Text),
        ("doc_id", SqlType::Text),
        ("score", SqlType::Float8),
        ("text", SqlType::Text),
    ]
}

pub fn retrieve_rows(chunks: &[RetrievedChunk]) -> Vec<Row> {
    chunks
        .iter()
        .enumerate()
        .map(|(i, c)| vec![rank(i), text(&c.chunk_id), text(&c.doc_id), Value::Float(c.score), text(&c.text)])
        .collect()
}

pub fn query_columns(dialect: Dialect) -> Columns {
    vec![
        ("response", SqlType::Text),
        ("confidence", SqlType::Float8),
        ("entities_involved", list_type(dialect)),
        ("citations", SqlType::Json),
        ("reasoning_paths", SqlType::Json),
    ]
}

pub fn query_row(dialect: Dialect, a: &QueryAnswer) -> Row {
    vec![
        text(&a.response),
        Value::Float(a.confidence),
        list(dialect, &a.entities_involved),
        json(&a.citations),
        json(&a.reasoning_paths),
    ]
}

pub fn entity_columns(_: Dialect) -> Columns {
    vec![
        ("key", SqlType::Text),
        ("name", SqlType::Text),
        ("entity_type", SqlType::Text),
        ("mentions", SqlType::Int8),
        ("degree", SqlType::Int8),
        ("node_id", SqlType::Int8),
    ]
}

pub fn entity_rows(entities: &[EntityInfo]) -> Vec<Row> {
    entities
        .iter()
        .map(|e| {
            vec![
                text(&e.key),
                text(&e.name),
                text(&e.entity_type),
                count(e.mentions),
                count(e.degree),
                count(e.node_id),
            ]
        })
        .collect()
}

pub fn similar_columns(_: Dialect) -> Columns {
    vec![
        ("key", SqlType::Text),
        ("name", SqlType::Text),
        ("entity_type", SqlType::Text),
        ("similarity", SqlType::Float8),
    ]
}

pub fn similar_rows(similar: &[SimilarEntity]) -> Vec<Row> {
    similar
        .iter()
        .map(|s| vec![text(&s.key), text(&s.name), text(&s.entity_type), Value::Float(s.similarity)])
        .collect()
}

pub fn community_columns(dialect: Dialect) -> Columns {
    vec![
        ("id", SqlType::Text),
        ("level", SqlType::Int4),
        ("size", SqlType::Int8),
        ("entities", list_type(dialect)),
        ("summary", SqlType::Text),
    ]
}

pub fn community_rows(dialect: Dialect, communities: &[CommunityInfo]) -> Vec<Row> {
    communities
        .iter()
        .map(|c| {
            vec![
                text(&c.id),
                Value::Int(i64::from(c.level)),
                count(c.size),
                list(dialect, &c.entities),
                text(&c.summary),
            ]
        })
        .collect()
}

pub fn path_columns(dialect: Dialect) -> Columns {
    vec![
        ("rank", SqlType::Int4),
        ("entities", list_type(dialect)),
        ("relationships", list_type(dialect)),
        ("score", SqlType::Float8),
    ]
}

pub fn path_rows(dialect: Dialect, paths: &[ReasoningPath]) -> Vec<Row> {
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| vec![rank(i), list(dialect, &p.entities), list(dialect, &p.relationships), Value::Float(p.score)])
        .collect()
}

pub fn stats_columns(_: Dialect) -> Columns {
    vec![
        ("name", SqlType::Text),
        ("documents", SqlType::Int8),
        ("chunks", SqlType::Int8),
        ("entities", SqlType::Int8),
        ("relationships", SqlType::Int8),
        ("communities", SqlType::Int8),
        ("community_levels", SqlType::Int8),
        ("embedder", SqlType::Text),
        ("embedding_dim", SqlType::Int8),
        ("chunk_tokens", SqlType::Int8),
        ("overlap", SqlType::Int8),
        ("graph_table", SqlType::Text),
    ]
}

pub fn stats_row(s: &KgStats) -> Row {
    vec![
        text(&s.name),
        count(s.documents),
        count(s.chunks),
        count(s.entities),
        count(s.relationships),
        count(s.communities),
        count(s.community_levels),
        text(&s.embedder),
        count(s.embedding_dim),
        count(s.chunk_tokens),
        count(s.overlap),
        text(&s.graph_table),
    ]
}

pub fn extract_columns(_: Dialect) -> Columns {
    vec![
        ("kind", SqlType::Text),
        ("name", SqlType::Text),
        ("entity_type", SqlType::Text),
        ("source", SqlType::Text),
        ("target", SqlType::Text),
        ("confidence", SqlType::Float8),
    ]
}

/// One row per entity (kind `entity`, with its key as `name`'s source form) then one per
/// relationship (kind `relationship`).
pub fn extract_rows(x: &Extraction) -> Vec<Row> {
    let entities = x
        .entities
        .iter()
        .map(|e| vec![text("entity"), text(&e.name), text(&e.entity_type), Value::Null, Value::Null, Value::Null]);
    let relations = x.relations.iter().map(|r| {
        vec![
            text("relationship"),
            Value::Null,
            text(&r.relation_type),
            text(&r.source),
            text(&r.target),
            Value::Float(r.confidence),
        ]
    });
    entities.chain(relations).collect()
}
