//! AQL's GRAPHRAG_* functions over the one GraphRAG engine (orbit-graphrag) every protocol
//! shares: GRAPHRAG_CREATE / _DROP / _BUILD_KNOWLEDGE / _DELETE_DOCUMENT write;
//! GRAPHRAG_EXTRACT_ENTITIES / _QUERY / _RETRIEVE / _FIND_PATHS / _FIND_SIMILAR /
//! _GET_STATS / _LIST_ENTITIES / _DETECT_COMMUNITIES read. They run in the executor (the
//! engine is asynchronous) and answer objects or arrays usable anywhere, e.g.
//! `FOR c IN GRAPHRAG_RETRIEVE("kg", "question", {mode: "ppr", k: 5}) RETURN c`.
//! Rankings are the engine's, passed through unchanged; attribute names are the engine
//! result types' (`chunk_id`, `doc_id`, ...). Engine errors map to ArangoDB errorNums in
//! [`aql_error`]; a server without GraphRAG storage answers [`disabled`].

use super::context::Ctx;
use crate::error::{num, AqlError, AqlResult};
use crate::value::{json, Object, Value};
use orbit_graphrag::config::{EmbedderSpec, ExtractorSpec, KgConfig};
use orbit_graphrag::error::{ErrorKind, GraphRagError};
use orbit_graphrag::types::{QueryOptions, RetrieveMode, RetrieveOptions};
use orbit_graphrag::GraphRag;
use serde::Deserialize;
use std::sync::Arc;

/// One GRAPHRAG_* function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphRagFn {
    Create,
    Drop,
    BuildKnowledge,
    DeleteDocument,
    ExtractEntities,
    Query,
    Retrieve,
    FindPaths,
    FindSimilar,
    GetStats,
    ListEntities,
    DetectCommunities,
}

/// Every function: its AQL name and argument count bounds.
pub const FUNCTIONS: &[(GraphRagFn, &str, usize, usize)] = &[
    (GraphRagFn::Create, "GRAPHRAG_CREATE", 1, 2),
    (GraphRagFn::Drop, "GRAPHRAG_DROP", 1, 1),
    (GraphRagFn::BuildKnowledge, "GRAPHRAG_BUILD_KNOWLEDGE", 3, 4),
    (GraphRagFn::DeleteDocument, "GRAPHRAG_DELETE_DOCUMENT", 2, 2),
    (GraphRagFn::ExtractEntities, "GRAPHRAG_EXTRACT_ENTITIES", 1, 2),
    (GraphRagFn::Query, "GRAPHRAG_QUERY", 2, 3),
    (GraphRagFn::Retrieve, "GRAPHRAG_RETRIEVE", 2, 3),
    (GraphRagFn::FindPaths, "GRAPHRAG_FIND_PATHS", 3, 4),
    (GraphRagFn::FindSimilar, "GRAPHRAG_FIND_SIMILAR", 2, 4),
    (GraphRagFn::GetStats, "GRAPHRAG_GET_STATS", 1, 1),
    (GraphRagFn::ListEntities, "GRAPHRAG_LIST_ENTITIES", 1, 2),
    (GraphRagFn::DetectCommunities, "GRAPHRAG_DETECT_COMMUNITIES", 1, 2),
];

/// The most chunks, entities or paths one call answers.
const MAX_LIMIT: usize = 10_000;
/// The longest path GRAPHRAG_FIND_PATHS searches.
const MAX_HOPS: usize = orbit_graphrag::MAX_REASON_HOPS;

impl GraphRagFn {
    /// The function of an upper-case AQL name.
    pub fn from_name(name: &str) -> Option<GraphRagFn> {
        FUNCTIONS.iter().find(|(_, n, _, _)| *n == name).map(|(f, _, _, _)| *f)
    }

    fn entry(self) -> (&'static str, usize, usize) {
        FUNCTIONS.iter().find(|(f, _, _, _)| *f == self).map_or(("GRAPHRAG", 0, 0), |(_, n, lo, hi)| (*n, *lo, *hi))
    }

    pub fn name(self) -> &'static str {
        self.entry().0
    }

    pub fn arity(self) -> (usize, usize) {
        let (_, lo, hi) = self.entry();
        (lo, hi)
    }

    /// Whether the function changes the GraphRAG store (the query then runs to
    /// completion before its cursor answers, as a modification query does).
    pub fn writes(self) -> bool {
        matches!(self, GraphRagFn::Create | GraphRagFn::Drop | GraphRagFn::BuildKnowledge | GraphRagFn::DeleteDocument)
    }
}

/// The answer of a query on a server without GraphRAG storage.
pub fn disabled() -> AqlError {
    AqlError::with_status(num::NOT_IMPLEMENTED, 501, "GraphRAG is disabled on this server")
}

/// An engine error as ArangoDB errorNum and status: unknown knowledge graph 1203 (404),
/// one that exists 1207 (409), bad arguments and a mismatched embedder 1542 (400), what
/// the engine does not offer 9 (501), an embedder or LLM endpoint that failed 1503 (502),
/// storage failures and corrupt data 4 (500).
pub fn aql_error(e: GraphRagError) -> AqlError {
    let message = format!("GraphRAG: {}", e.message);
    match e.kind {
        ErrorKind::NotFound => AqlError::new(num::DATA_SOURCE_NOT_FOUND, message),
        ErrorKind::AlreadyExists => AqlError::new(num::DUPLICATE_NAME, message),
        ErrorKind::InvalidArgument | ErrorKind::EmbedderMismatch => {
            AqlError::new(num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, message)
        }
        ErrorKind::NotSupported => AqlError::with_status(num::NOT_IMPLEMENTED, 501, message),
        ErrorKind::Upstream => AqlError::with_status(num::QUERY_SCRIPT, 502, message),
        ErrorKind::Storage | ErrorKind::Corrupt => AqlError::internal(message),
    }
}

/// The arguments of one call, checked by type with 1542 errors naming the function.
struct Call<'a> {
    name: &'static str,
    args: &'a [Value],
}

impl Call<'_> {
    fn bad(&self, what: impl std::fmt::Display) -> AqlError {
        AqlError::new(
            num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH,
            format!("invalid argument type in call to function '{}()': {what}", self.name),
        )
    }

    fn arg(&self, i: usize) -> Option<&Value> {
        self.args.get(i).filter(|v| !v.is_null())
    }

    fn string(&self, i: usize, what: &str) -> AqlResult<&str> {
        match self.args.get(i) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(self.bad(format!("{what} must be a string"))),
        }
    }

    fn options(&self, i: usize, known: &[&str]) -> AqlResult<Option<&Object>> {
        match self.arg(i) {
            None => Ok(None),
            Some(Value::Object(o)) => {
                if let Some(unknown) = o.keys().find(|k| !known.contains(&k.as_str())) {
                    return Err(self.bad(format!("unknown option '{unknown}' (known: {})", known.join(", "))));
                }
                Ok(Some(o))
            }
            Some(_) => Err(self.bad("the options must be an object")),
        }
    }

    fn count(&self, v: Option<&Value>, what: &str, min: usize, max: usize) -> AqlResult<Option<usize>> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(f) if f.fract() == 0.0 && f >= min as f64 && f <= max as f64 => Ok(Some(f as usize)),
                _ => Err(self.bad(format!("{what} must be an integer between {min} and {max}"))),
            },
        }
    }

    fn text_option<'o>(&self, o: Option<&'o Object>, key: &str) -> AqlResult<Option<&'o str>> {
        match o.and_then(|o| o.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.bad(format!("option '{key}' must be a string"))),
        }
    }

    fn bool_option(&self, o: Option<&Object>, key: &str) -> AqlResult<bool> {
        match o.and_then(|o| o.get(key)) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.bad(format!("option '{key}' must be a boolean"))),
        }
    }

    fn mode(&self, o: Option<&Object>) -> AqlResult<Option<RetrieveMode>> {
        match self.text_option(o, "mode")? {
            None => Ok(None),
            Some(m) => RetrieveMode::parse(m).map(Some).ok_or_else(|| {
                let names: Vec<&str> = RetrieveMode::ALL.iter().map(|m| m.name()).collect();
                self.bad(format!("unknown mode '{m}' (one of {})", names.join(", ")))
            }),
        }
    }

    fn retrieve_options(&self, o: Option<&Object>) -> AqlResult<RetrieveOptions> {
        let mut options = RetrieveOptions::default();
        if let Some(mode) = self.mode(o)? {
            options.mode = mode;
        }
        if let Some(k) = self.count(o.and_then(|o| o.get("k")), "option 'k'", 1, MAX_LIMIT)? {
            options.k = k;
        }
        if let Some(hops) = self.count(o.and_then(|o| o.get("maxHops")), "option 'maxHops'", 1, 2)? {
            options.max_hops = hops;
        }
        Ok(options)
    }

    fn kg_config(&self, o: Option<&Object>, engine: &GraphRag) -> AqlResult<KgConfig> {
        let mut config = KgConfig::default();
        if let Some(spec) = self.text_option(o, "embedder")? {
            config.embedder = EmbedderSpec::parse(spec, engine.options()).map_err(aql_error)?;
        }
        let number = |key: &str| self.count(o.and_then(|o| o.get(key)), &format!("option '{key}'"), 0, 1 << 20);
        if let Some(n) = number("chunkTokens")? {
            config.chunk_tokens = n;
        }
        if let Some(n) = number("overlap")? {
            config.overlap = n;
        }
        if let Some(n) = number("seed")? {
            config.seed = n as u64;
        }
        match self.text_option(o, "extractor")? {
            None => {}
            Some(e) if e.eq_ignore_ascii_case("rules") => config.extractor = ExtractorSpec::Rules,
            Some(e) => match e.split_once(':') {
                Some((kind, provider)) if kind.eq_ignore_ascii_case("llm") && !provider.is_empty() => {
                    config.extractor = ExtractorSpec::Llm { provider: provider.to_string() };
                }
                _ => return Err(self.bad(format!("extractor must be 'rules' or 'llm:<provider>', not '{e}'"))),
            },
        }
        config.validate().map_err(aql_error)?;
        Ok(config)
    }

    /// The metadata object of a document: string values as they are, others as JSON.
    fn meta(&self, i: usize) -> AqlResult<Vec<(String, String)>> {
        match self.arg(i) {
            None => Ok(Vec::new()),
            Some(Value::Object(o)) => Ok(o
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => json::to_json_string(other),
                    };
                    (k.clone(), text)
                })
                .collect()),
            Some(_) => Err(self.bad("the metadata must be an object")),
        }
    }
}

/// An engine result as an AQL value (attribute names and numbers as the engine has them;
/// doubles round-trip exactly).
fn to_value<T: serde::Serialize>(v: &T) -> AqlResult<Value> {
    let json = serde_json::to_value(v).map_err(|e| AqlError::internal(format!("GraphRAG result: {e}")))?;
    Value::deserialize(json).map_err(|e| AqlError::internal(format!("GraphRAG result: {e}")))
}

async fn engine(ctx: &Ctx) -> AqlResult<Arc<GraphRag>> {
    let storage = ctx.store.graphrag_storage().ok_or_else(disabled)?;
    GraphRag::attach(storage).await.map_err(aql_error)
}

/// Runs `f` with its evaluated arguments.
pub async fn call(f: GraphRagFn, args: Vec<Value>, ctx: &mut Ctx) -> AqlResult<Value> {
    let (min, max) = f.arity();
    if args.len() < min || args.len() > max {
        return Err(crate::functions::argument_count_error(f.name(), min, max));
    }
    let call = Call { name: f.name(), args: &args };
    let engine = engine(ctx).await?;
    let kg = || call.string(0, "the knowledge graph name");
    let engine_result = |e: GraphRagError| aql_error(e);
    match f {
        GraphRagFn::Create => {
            let kg = kg()?;
            let options = call.options(1, &["embedder", "chunkTokens", "overlap", "seed", "extractor"])?;
            let config = call.kg_config(options, &engine)?;
            engine.create(kg, config).await.map_err(engine_result)?;
            Ok(Value::object([("name", Value::str(kg)), ("created", Value::Bool(true))]))
        }
        GraphRagFn::Drop => Ok(Value::Bool(engine.drop_kg(kg()?).await.map_err(engine_result)?)),
        GraphRagFn::BuildKnowledge => {
            let (kg, doc) = (kg()?, call.string(1, "the document id")?);
            let text = call.string(2, "the text")?;
            let meta = call.meta(3)?;
            to_value(&engine.build(kg, doc, text, &meta).await.map_err(engine_result)?)
        }
        GraphRagFn::DeleteDocument => {
            let (kg, doc) = (kg()?, call.string(1, "the document id")?);
            Ok(Value::Bool(engine.delete_document(kg, doc).await.map_err(engine_result)?))
        }
        GraphRagFn::ExtractEntities => {
            let (kg, text) = match args.len() {
                1 => (None, call.string(0, "the text")?),
                _ => (
                    call.arg(0).map(|_| call.string(0, "the knowledge graph name")).transpose()?,
                    call.string(1, "the text")?,
                ),
            };
            to_value(&engine.extract(kg, text).await.map_err(engine_result)?)
        }
        GraphRagFn::Retrieve => {
            let (kg, question) = (kg()?, call.string(1, "the question")?);
            let options = call.retrieve_options(call.options(2, &["mode", "k", "maxHops"])?)?;
            let chunks = engine.retrieve(kg, question, &options).await.map_err(engine_result)?;
            let mut out = Vec::with_capacity(chunks.len());
            for (rank, chunk) in chunks.iter().enumerate() {
                let mut v = to_value(chunk)?;
                if let Value::Object(o) = &mut v {
                    o.insert("rank".into(), Value::Int(rank as i64 + 1));
                }
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        GraphRagFn::Query => {
            let (kg, question) = (kg()?, call.string(1, "the question")?);
            let known = ["mode", "k", "maxHops", "contextSize", "llmProvider", "includeExplanation"];
            let o = call.options(2, &known)?;
            let mut options = QueryOptions { retrieve: call.retrieve_options(o)?, ..QueryOptions::default() };
            if let Some(n) = call.count(o.and_then(|o| o.get("contextSize")), "option 'contextSize'", 1, MAX_LIMIT)? {
                options.context_size = n;
            }
            options.llm_provider = call.text_option(o, "llmProvider")?.map(str::to_string);
            options.include_explanation = call.bool_option(o, "includeExplanation")?;
            to_value(&engine.query(kg, question, &options).await.map_err(engine_result)?)
        }
        GraphRagFn::FindPaths => {
            let (kg, from, to) = (kg()?, call.string(1, "the first entity")?, call.string(2, "the last entity")?);
            let hops = call.count(call.arg(3), "maxHops", 1, MAX_HOPS)?.unwrap_or(orbit_graphrag::DEFAULT_REASON_HOPS);
            to_value(&engine.reason(kg, from, to, hops).await.map_err(engine_result)?)
        }
        GraphRagFn::FindSimilar => {
            let (kg, entity) = (kg()?, call.string(1, "the entity")?);
            let limit =
                call.count(call.arg(2), "limit", 1, MAX_LIMIT)?.unwrap_or(orbit_graphrag::DEFAULT_SIMILAR_LIMIT);
            let threshold = match call.arg(3) {
                None => orbit_graphrag::DEFAULT_SIMILAR_THRESHOLD,
                Some(v) => v
                    .as_f64()
                    .filter(|t| (-1.0..=1.0).contains(t))
                    .ok_or_else(|| call.bad("threshold must be a number between -1 and 1"))?,
            };
            to_value(&engine.similar(kg, entity, limit, threshold).await.map_err(engine_result)?)
        }
        GraphRagFn::GetStats => to_value(&engine.stats(kg()?).await.map_err(engine_result)?),
        GraphRagFn::ListEntities => {
            let kg = kg()?;
            let o = call.options(1, &["type", "limit", "offset"])?;
            let ty = call.text_option(o, "type")?;
            let limit = call
                .count(o.and_then(|o| o.get("limit")), "option 'limit'", 0, MAX_LIMIT)?
                .unwrap_or(orbit_graphrag::DEFAULT_ENTITY_LIMIT);
            let offset =
                call.count(o.and_then(|o| o.get("offset")), "option 'offset'", 0, usize::MAX >> 12)?.unwrap_or(0);
            to_value(&engine.entities(kg, ty, limit, offset).await.map_err(engine_result)?)
        }
        GraphRagFn::DetectCommunities => {
            let kg = kg()?;
            let level = call.count(call.arg(1), "level", 0, 64)?.map(|l| l as u32);
            to_value(&engine.communities(kg, level).await.map_err(engine_result)?)
        }
    }
}
