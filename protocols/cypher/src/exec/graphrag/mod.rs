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
#[cfg(test)]
mod tests;

use super::context::Cx;
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::{Map, Value};
use args::Args;
use orbit_graphrag::{EmbedderSpec, GraphRag, GraphRagError, KgConfig, QueryOptions, RetrieveOptions};
use std::sync::Arc;

/// One procedure: its name under `graphrag.`, its inputs (the first `required` have no
/// default), its output columns with their types, whether it writes.
pub(crate) struct Spec {
    pub name: &'static str,
    pub inputs: &'static [(&'static str, &'static str)],
    pub required: usize,
    pub outputs: &'static [(&'static str, &'static str)],
    pub writes: bool,
    pub description: &'static str,
}

const STRING: &str = "STRING";
const INTEGER: &str = "INTEGER";
const FLOAT: &str = "FLOAT";
const MAP: &str = "MAP";

pub(crate) const SPECS: &[Spec] = &[
    Spec {
        name: "create",
        inputs: &[("kg", STRING), ("options", MAP)],
        required: 1,
        outputs: &[("name", STRING), ("embedder", STRING), ("chunkTokens", INTEGER), ("overlap", INTEGER)],
        writes: true,
        description: "Creates a knowledge graph; options {embedder, chunkTokens, overlap}.",
    },
    Spec {
        name: "drop",
        inputs: &[("kg", STRING)],
        required: 1,
        outputs: &[("name", STRING), ("dropped", "BOOLEAN")],
        writes: true,
        description: "Drops a knowledge graph and everything in it.",
    },
    Spec {
        name: "build",
        inputs: &[("kg", STRING), ("docId", STRING), ("text", STRING), ("meta", MAP)],
        required: 3,
        outputs: &[
            ("entitiesExtracted", INTEGER),
            ("relationshipsExtracted", INTEGER),
            ("graphNodesCreated", INTEGER),
            ("graphRelationshipsCreated", INTEGER),
            ("chunks", INTEGER),
            ("processingTimeMs", INTEGER),
        ],
        writes: true,
        description: "Ingests (or re-ingests) a document into a knowledge graph.",
    },
    Spec {
        name: "deleteDocument",
        inputs: &[("kg", STRING), ("docId", STRING)],
        required: 2,
        outputs: &[("docId", STRING), ("deleted", "BOOLEAN")],
        writes: true,
        description: "Removes a document and its contributions from a knowledge graph.",
    },
    Spec {
        name: "retrieve",
        inputs: &[("kg", STRING), ("question", STRING), ("options", MAP)],
        required: 2,
        outputs: &[("chunkId", STRING), ("docId", STRING), ("score", FLOAT), ("text", STRING), ("rank", INTEGER)],
        writes: false,
        description: "The best chunks for a question, best first; options {mode, k, maxHops}.",
    },
    Spec {
        name: "query",
        inputs: &[("kg", STRING), ("question", STRING), ("options", MAP)],
        required: 2,
        outputs: &[
            ("response", STRING),
            ("confidence", FLOAT),
            ("entities", "LIST<STRING>"),
            ("citations", "LIST<MAP>"),
            ("reasoningPaths", "LIST<MAP>"),
            ("mode", STRING),
            ("llmProvider", STRING),
            ("explanation", STRING),
        ],
        writes: false,
        description:
            "An answer with citations; options {mode, k, maxHops, contextSize, llmProvider, includeExplanation}.",
    },
    Spec {
        name: "extractEntities",
        inputs: &[("text", STRING), ("kg", STRING)],
        required: 1,
        outputs: &[("name", STRING), ("type", STRING), ("key", STRING), ("mentions", INTEGER)],
        writes: false,
        description: "The entities of a text (stores nothing).",
    },
    Spec {
        name: "extractRelations",
        inputs: &[("text", STRING), ("kg", STRING)],
        required: 1,
        outputs: &[("source", STRING), ("target", STRING), ("type", STRING), ("confidence", FLOAT)],
        writes: false,
        description: "The relationships between the entities of a text (stores nothing).",
    },
    Spec {
        name: "findPaths",
        inputs: &[("kg", STRING), ("from", STRING), ("to", STRING), ("maxHops", INTEGER)],
        required: 3,
        outputs: &[("entities", "LIST<STRING>"), ("relationships", "LIST<STRING>"), ("score", FLOAT)],
        writes: false,
        description: "Paths of RELATED edges between two entities, strongest first.",
    },
    Spec {
        name: "findSimilar",
        inputs: &[("kg", STRING), ("entity", STRING), ("limit", INTEGER), ("threshold", FLOAT)],
        required: 2,
        outputs: &[("key", STRING), ("name", STRING), ("type", STRING), ("similarity", FLOAT)],
        writes: false,
        description: "Entities similar to an entity, most similar first.",
    },
    Spec {
        name: "detectCommunities",
        inputs: &[("kg", STRING), ("level", INTEGER)],
        required: 1,
        outputs: &[
            ("id", STRING),
            ("level", INTEGER),
            ("size", INTEGER),
            ("entities", "LIST<STRING>"),
            ("summary", STRING),
        ],
        writes: false,
        description: "The communities of a knowledge graph, of one level or all.",
    },
    Spec {
        name: "getStats",
        inputs: &[("kg", STRING)],
        required: 1,
        outputs: &[
            ("name", STRING),
            ("documents", INTEGER),
            ("chunks", INTEGER),
            ("entities", INTEGER),
            ("relationships", INTEGER),
            ("communities", INTEGER),
            ("communityLevels", INTEGER),
            ("embedder", STRING),
            ("embeddingDim", INTEGER),
            ("chunkTokens", INTEGER),
            ("overlap", INTEGER),
            ("graphTable", STRING),
        ],
        writes: false,
        description: "Counts and settings of a knowledge graph.",
    },
    Spec {
        name: "listEntities",
        inputs: &[("kg", STRING), ("options", MAP)],
        required: 1,
        outputs: &[
            ("key", STRING),
            ("name", STRING),
            ("type", STRING),
            ("mentions", INTEGER),
            ("degree", INTEGER),
            ("nodeId", INTEGER),
        ],
        writes: false,
        description: "Entities by mentions; options {type, limit, offset}.",
    },
];

const PREFIXES: [&str; 2] = ["graphrag.", "orbit.graphrag."];

/// The procedure a (case-insensitive) name calls, if it is one of ours.
pub(crate) fn spec(name: &str) -> Option<&'static Spec> {
    let lower = name.to_ascii_lowercase();
    let short = PREFIXES.iter().find_map(|p| lower.strip_prefix(p))?;
    SPECS.iter().find(|s| s.name.eq_ignore_ascii_case(short))
}

impl Spec {
    pub(crate) fn columns(&self) -> Vec<String> {
        self.outputs.iter().map(|(n, _)| n.to_string()).collect()
    }

    /// Neo4j's signature form: `graphrag.retrieve(kg :: STRING, ...) :: (chunkId :: STRING, ...)`.
    pub(crate) fn signature(&self, prefix: &str) -> String {
        let inputs: Vec<String> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, (n, t))| if i < self.required { format!("{n} :: {t}") } else { format!("{n} = null :: {t}") })
            .collect();
        let outputs: Vec<String> = self.outputs.iter().map(|(n, t)| format!("{n} :: {t}")).collect();
        format!("{prefix}{}({}) :: ({})", self.name, inputs.join(", "), outputs.join(", "))
    }

    /// The compile-time check of the number of arguments.
    pub(crate) fn check_count(&self, name: &str, given: usize) -> CypherResult<()> {
        if given >= self.required && given <= self.inputs.len() {
            return Ok(());
        }
        Err(CypherError::semantic(format!(
            "Procedure call does not provide the required number of arguments: got {given} expected at least {} (total: {}, {} of which have default values).\n\nProcedure {name} has signature: {}",
            self.required,
            self.inputs.len(),
            self.inputs.len() - self.required,
            self.signature("graphrag.")
        )))
    }
}

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
            let hops = a.count("maxHops", 3, 1)?;
            let paths = engine(cx, name)?.reason(&kg, &from, &to, hops).await.map_err(failed)?;
            Ok(paths
                .into_iter()
                .map(|p| vec![strings(p.entities), strings(p.relationships), Value::Float(p.score)])
                .collect())
        }
        "findSimilar" => {
            let (kg, entity) = (a.string("kg")?, a.string("entity")?);
            let limit = a.count("limit", 10, 0)?;
            let threshold = a.optional_float("threshold", 0.0)?;
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
            let (limit, offset) = (o.count("limit", 100, 0)?, o.count("offset", 0, 0)?);
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
