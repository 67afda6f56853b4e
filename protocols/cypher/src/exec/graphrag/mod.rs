//! The `graphrag.*` procedures (each also under `orbit.graphrag.*`): the Cypher surface of
//! the GraphRAG engine ([`orbit_graphrag::GraphRag`]), registered in the procedure table
//! of [`super::procedures`] so standalone `CALL` and `CALL ... YIELD` inside a query both
//! work. Each procedure translates its arguments, calls the engine once and turns the
//! result into rows; rankings pass through unchanged (scores as 64-bit floats).
//!
//! Procedures that change a knowledge graph (`create`, `drop`, `build`,
//! `deleteDocument`) are WRITE procedures: refused in a read-access session, and they
//! write to the GraphRAG storage at once (that storage has its own transactions: a Cypher
//! rollback does not undo them). Entities and relationships of `extractEntities` are two
//! procedures: `graphrag.extractEntities(text [, kg])` and
//! `graphrag.extractRelations(text [, kg])`.
//!
//! Engine errors are mapped to Neo4j status codes in [`engine_error`], the one place.

mod args;
mod specs;
#[cfg(test)]
mod tests;

use super::context::Cx;
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::{Map, Value};
use args::Args;
use orbit_graphrag::{EmbedderSpec, GraphRag, GraphRagError, KgConfig, QueryOptions, RetrieveOptions};
pub(crate) use specs::{spec, Spec, SPECS};
use std::sync::Arc;

/// The one mapping of engine errors to Neo4j status codes: bad arguments are
/// ArgumentErrors, what the engine does not offer UnsupportedOperationError, storage
/// trouble a DatabaseError, everything else (a missing knowledge graph, an existing one,
/// an endpoint that failed) ProcedureCallFailed with Neo4j's "Failed to invoke" wording.
pub(crate) fn engine_error(procedure: &str, e: GraphRagError) -> CypherError {
    use orbit_graphrag::error::ErrorKind as Rag;
    match e.kind {
        Rag::InvalidArgument | Rag::EmbedderMismatch => CypherError::argument(e.message),
        Rag::NotSupported => CypherError::not_supported(e.message),
        Rag::Storage | Rag::Corrupt => CypherError::new(ErrorKind::Database, e.message),
        Rag::NotFound | Rag::AlreadyExists | Rag::Upstream => call_failed(procedure, &e.message),
    }
}

pub(crate) fn call_failed(procedure: &str, cause: &str) -> CypherError {
    CypherError::new(
        ErrorKind::ProcedureCallFailed,
        format!("Failed to invoke procedure `{procedure}`: Caused by: {cause}"),
    )
}

fn engine(cx: &Cx, procedure: &str) -> CypherResult<Arc<GraphRag>> {
    cx.shared.graphrag.clone().ok_or_else(|| call_failed(procedure, "GraphRAG is disabled on this server"))
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn strings(items: Vec<String>) -> Value {
    Value::List(items.into_iter().map(Value::String).collect())
}

fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map>())
}

/// How an embedder is named in results (the form `EMBEDDER` / `{embedder}` accepts).
pub(crate) fn embedder_name(spec: &EmbedderSpec) -> String {
    match spec {
        EmbedderSpec::Static => "static".into(),
        EmbedderSpec::Hashing { dim } => format!("hashing:{dim}"),
        EmbedderSpec::OpenAi { url, model, .. } => format!("openai:{model}@{url}"),
        EmbedderSpec::Ollama { url, model } => format!("ollama:{model}@{url}"),
    }
}

/// Runs procedure `spec` (called as `name`) with `values`: its rows, one value per output.
pub(crate) async fn run(cx: &Cx, spec: &Spec, name: &str, values: Vec<Value>) -> CypherResult<Vec<Vec<Value>>> {
    let mut a = Args::new(name, values);
    let failed = |e| engine_error(name, e);
    match spec.name {
        "create" => {
            let kg = a.string("kg")?;
            let o = a.options("options", &["embedder", "chunkTokens", "overlap"])?;
            let rag = engine(cx, name)?;
            let mut config = KgConfig::default();
            if let Some(e) = o.string("embedder")? {
                config.embedder = EmbedderSpec::parse(&e, rag.options()).map_err(failed)?;
            }
            config.chunk_tokens = o.count("chunkTokens", config.chunk_tokens, 1)?;
            config.overlap = o.count("overlap", config.overlap, 0)?;
            config.validate().map_err(failed)?;
            let row = vec![
                s(kg.clone()),
                s(embedder_name(&config.embedder)),
                int(config.chunk_tokens as u64),
                int(config.overlap as u64),
            ];
            rag.create(&kg, config).await.map_err(failed)?;
            Ok(vec![row])
        }
        "drop" => {
            let kg = a.string("kg")?;
            let dropped = engine(cx, name)?.drop_kg(&kg).await.map_err(failed)?;
            Ok(vec![vec![s(kg), Value::Bool(dropped)]])
        }
        "build" => {
            let (kg, doc, text) = (a.string("kg")?, a.string("docId")?, a.string("text")?);
            let meta = a.metadata("meta")?;
            let r = engine(cx, name)?.build(&kg, &doc, &text, &meta).await.map_err(failed)?;
            Ok(vec![vec![
                int(r.entities_extracted),
                int(r.relationships_extracted),
                int(r.graph_nodes_created),
                int(r.graph_relationships_created),
                int(r.chunks),
                int(r.processing_time_ms),
            ]])
        }
        "deleteDocument" => {
            let (kg, doc) = (a.string("kg")?, a.string("docId")?);
            let deleted = engine(cx, name)?.delete_document(&kg, &doc).await.map_err(failed)?;
            Ok(vec![vec![s(doc), Value::Bool(deleted)]])
        }
        "retrieve" => {
            let (kg, question) = (a.string("kg")?, a.string("question")?);
            let o = a.options("options", &["mode", "k", "maxHops"])?;
            let defaults = RetrieveOptions::default();
            let options = RetrieveOptions {
                mode: o.mode()?,
                k: o.count("k", defaults.k, 1)?,
                max_hops: o.count("maxHops", defaults.max_hops, 1)?,
            };
            let chunks = engine(cx, name)?.retrieve(&kg, &question, &options).await.map_err(failed)?;
            Ok(chunks
                .into_iter()
                .enumerate()
                .map(|(i, c)| vec![s(c.chunk_id), s(c.doc_id), Value::Float(c.score), s(c.text), int(i as u64 + 1)])
                .collect())
        }
        "query" => {
            let (kg, question) = (a.string("kg")?, a.string("question")?);
            let known = ["mode", "k", "maxHops", "contextSize", "llmProvider", "includeExplanation"];
            let o = a.options("options", &known)?;
            let defaults = QueryOptions::default();
            let options = QueryOptions {
                retrieve: RetrieveOptions {
                    mode: o.mode()?,
                    k: o.count("k", defaults.retrieve.k, 1)?,
                    max_hops: o.count("maxHops", defaults.retrieve.max_hops, 1)?,
                },
                context_size: o.count("contextSize", defaults.context_size, 1)?,
                llm_provider: o.string("llmProvider")?,
                include_explanation: o.boolean("includeExplanation")?,
            };
            let answer = engine(cx, name)?.query(&kg, &question, &options).await.map_err(failed)?;
            let citations = answer
                .citations
                .into_iter()
                .map(|c| {
                    map([
                        ("chunkId", s(c.chunk_id)),
                        ("docId", s(c.doc_id)),
                        ("score", Value::Float(c.score)),
                        ("text", s(c.text)),
                    ])
                })
                .collect();
            let paths = answer.reasoning_paths.into_iter().map(path_map).collect();
            Ok(vec![vec![
                s(answer.response),
                Value::Float(answer.confidence),
                strings(answer.entities_involved),
                Value::List(citations),
                Value::List(paths),
                s(answer.mode.name()),
                answer.llm_provider.map_or(Value::Null, Value::String),
                answer.explanation.map_or(Value::Null, Value::String),
            ]])
        }
        "extractEntities" | "extractRelations" => {
            let text = a.string("text")?;
            let kg = a.optional_string("kg")?;
            let found = engine(cx, name)?.extract(kg.as_deref(), &text).await.map_err(failed)?;
            if spec.name == "extractEntities" {
                return Ok(found
                    .entities
                    .into_iter()
                    .map(|e| vec![s(e.name), s(e.entity_type), s(e.key), int(u64::from(e.mentions))])
                    .collect());
            }
            Ok(found
                .relations
                .into_iter()
                .map(|r| vec![s(r.source), s(r.target), s(r.relation_type), Value::Float(r.confidence)])
                .collect())
        }
        "findPaths" => {
            let (kg, from, to) = (a.string("kg")?, a.string("from")?, a.string("to")?);
            let hops = a.count("maxHops", orbit_graphrag::DEFAULT_REASON_HOPS, 1)?;
            let paths = engine(cx, name)?.reason(&kg, &from, &to, hops).await.map_err(failed)?;
            Ok(paths
                .into_iter()
                .map(|p| vec![strings(p.entities), strings(p.relationships), Value::Float(p.score)])
                .collect())
        }
        "findSimilar" => {
            let (kg, entity) = (a.string("kg")?, a.string("entity")?);
            let limit = a.count("limit", orbit_graphrag::DEFAULT_SIMILAR_LIMIT, 0)?;
            let threshold = a.optional_float("threshold", orbit_graphrag::DEFAULT_SIMILAR_THRESHOLD)?;
            if !(-1.0..=1.0).contains(&threshold) {
                return Err(CypherError::argument("Argument `threshold` must be between -1 and 1"));
            }
            let found = engine(cx, name)?.similar(&kg, &entity, limit, threshold).await.map_err(failed)?;
            Ok(found
                .into_iter()
                .map(|e| vec![s(e.key), s(e.name), s(e.entity_type), Value::Float(e.similarity)])
                .collect())
        }
        "detectCommunities" => {
            let kg = a.string("kg")?;
            let level = match a.count("level", usize::MAX, 0)? {
                usize::MAX => None,
                n => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            };
            let found = engine(cx, name)?.communities(&kg, level).await.map_err(failed)?;
            Ok(found
                .into_iter()
                .map(|c| vec![s(c.id), int(u64::from(c.level)), int(c.size), strings(c.entities), s(c.summary)])
                .collect())
        }
        "getStats" => {
            let kg = a.string("kg")?;
            let t = engine(cx, name)?.stats(&kg).await.map_err(failed)?;
            Ok(vec![vec![
                s(t.name),
                int(t.documents),
                int(t.chunks),
                int(t.entities),
                int(t.relationships),
                int(t.communities),
                int(t.community_levels),
                s(t.embedder),
                int(t.embedding_dim),
                int(t.chunk_tokens),
                int(t.overlap),
                s(t.graph_table),
            ]])
        }
        "listEntities" => {
            let kg = a.string("kg")?;
            let o = a.options("options", &["type", "limit", "offset"])?;
            let ty = o.string("type")?;
            let (limit, offset) =
                (o.count("limit", orbit_graphrag::DEFAULT_ENTITY_LIMIT, 0)?, o.count("offset", 0, 0)?);
            let found = engine(cx, name)?.entities(&kg, ty.as_deref(), limit, offset).await.map_err(failed)?;
            Ok(found
                .into_iter()
                .map(|e| vec![s(e.key), s(e.name), s(e.entity_type), int(e.mentions), int(e.degree), int(e.node_id)])
                .collect())
        }
        other => Err(CypherError::new(ErrorKind::ProcedureNotFound, format!("no procedure graphrag.{other}"))),
    }
}

fn path_map(p: orbit_graphrag::ReasoningPath) -> Value {
    map([
        ("entities", strings(p.entities)),
        ("relationships", strings(p.relationships)),
        ("score", Value::Float(p.score)),
    ])
}
