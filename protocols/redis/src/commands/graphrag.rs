//! GRAPHRAG.* — the GraphRAG engine ([`orbit_graphrag::GraphRag`]) served over RESP.
//!
//! These commands write the GraphRAG storage, not the Redis keyspace, so they run outside
//! any keyspace transaction and the write lock: the connection calls [`run`] directly and
//! refuses them inside MULTI (they could not be part of the transaction's atomic commit).
//! Each command's arguments are read through a checked cursor with Redis's own error
//! replies; results become [`Frame`]s whose maps RESP2 clients get as flat
//! `[name, value, ...]` arrays. Engine errors are mapped to error lines once, in
//! [`engine_error`]; rankings and scores are passed through unchanged (scores as doubles:
//! `%.17g` bulk strings in RESP2, RESP3 doubles).

use super::args::{is, parse_f64, parse_i64};
use super::{CommandSpec, Family};
use crate::error::{RedisError, RedisResult};
use crate::resp::Frame;
use orbit_graphrag::config::EmbedderSpec;
use orbit_graphrag::error::ErrorKind;
use orbit_graphrag::{GraphRag, GraphRagError, KgConfig, QueryOptions, RetrieveMode, RetrieveOptions};
use orbit_storage::TableStorage;
use std::sync::Arc;
use tokio::sync::OnceCell;

super::family_spec!(Family::GraphRag);

const W: &[&str] = &["write", "denyoom"];
const R: &[&str] = &["readonly"];

pub const SPECS: &[CommandSpec] = &[
    spec("graphrag.create", -2, W, 0, 0, 0),
    spec("graphrag.build", -4, W, 0, 0, 0),
    spec("graphrag.retrieve", -3, R, 0, 0, 0),
    spec("graphrag.query", -3, R, 0, 0, 0),
    spec("graphrag.extract", -2, R, 0, 0, 0),
    spec("graphrag.reason", -4, R, 0, 0, 0),
    spec("graphrag.entities", -2, R, 0, 0, 0),
    spec("graphrag.similar", -3, R, 0, 0, 0),
    spec("graphrag.communities", -2, R, 0, 0, 0),
    spec("graphrag.stats", 2, R, 0, 0, 0),
    spec("graphrag.del", 3, W, 0, 0, 0),
    spec("graphrag.drop", 2, W, 0, 0, 0),
    spec("graphrag.list", 1, R, 0, 0, 0),
];

/// The reply to a GRAPHRAG command inside MULTI.
pub const NOT_IN_MULTI: &str = "ERR GRAPHRAG commands are not allowed inside a transaction: they write the GraphRAG \
                                storage, not the keyspace, and cannot be part of its atomic commit";

/// Largest K, LIMIT, CONTEXT_SIZE or MAX_HOPS accepted (bounds the work one request asks for).
const MAX_COUNT: i64 = 10_000;

/// The server's GraphRAG engine, attached on first use.
#[derive(Default)]
pub struct GraphRagHandle {
    storage: Option<Arc<dyn TableStorage>>,
    engine: OnceCell<Arc<GraphRag>>,
}

impl GraphRagHandle {
    /// `None`: GraphRAG is disabled on this server.
    pub fn new(storage: Option<Arc<dyn TableStorage>>) -> Self {
        GraphRagHandle { storage, engine: OnceCell::new() }
    }

    async fn engine(&self) -> RedisResult<&Arc<GraphRag>> {
        let Some(storage) = &self.storage else {
            return Err(RedisError::err("GraphRAG is disabled on this server"));
        };
        self.engine.get_or_try_init(|| GraphRag::attach(storage.clone())).await.map_err(engine_error)
    }
}

/// The one mapping of engine errors to RESP error lines.
pub fn engine_error(e: GraphRagError) -> RedisError {
    let message = e.message.replace(['\r', '\n'], " ");
    RedisError::Reply(match e.kind {
        ErrorKind::NotFound | ErrorKind::AlreadyExists | ErrorKind::InvalidArgument | ErrorKind::EmbedderMismatch => {
            format!("ERR {message}")
        }
        ErrorKind::NotSupported => format!("ERR not supported: {message}"),
        ErrorKind::Upstream => format!("ERR upstream endpoint failed: {message}"),
        ErrorKind::Storage => format!("ERR storage error: {message}"),
        ErrorKind::Corrupt => format!("ERR corrupt GraphRAG data: {message}"),
    })
}

/// Positional and option arguments of one request, read only through checked accessors.
struct Cursor<'a> {
    args: &'a [Vec<u8>],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(args: &'a [Vec<u8>]) -> Self {
        Cursor { args, at: 0 }
    }
    fn next(&mut self) -> Option<&'a [u8]> {
        let arg = self.args.get(self.at)?;
        self.at += 1;
        Some(arg.as_slice())
    }
    /// The value after an option name; a missing value is a syntax error.
    fn value(&mut self) -> RedisResult<&'a [u8]> {
        self.next().ok_or_else(RedisError::syntax)
    }
    fn text(&mut self) -> RedisResult<String> {
        utf8(self.value()?)
    }
    fn count(&mut self, min: i64) -> RedisResult<usize> {
        let n = parse_i64(self.value()?)?;
        if n < min || n > MAX_COUNT {
            return Err(RedisError::not_integer());
        }
        usize::try_from(n).map_err(|_| RedisError::not_integer())
    }
}

fn utf8(arg: &[u8]) -> RedisResult<String> {
    String::from_utf8(arg.to_vec()).map_err(|_| RedisError::err("arguments must be valid UTF-8"))
}

fn mode(arg: &[u8]) -> RedisResult<RetrieveMode> {
    let name = utf8(arg)?;
    RetrieveMode::parse(&name).ok_or_else(|| {
        let known: Vec<&str> = RetrieveMode::ALL.iter().map(|m| m.name()).collect();
        RedisError::err(format!("unknown MODE '{name}' (expected one of {})", known.join(", ")))
    })
}

/// Runs one GRAPHRAG command (`args[0]` is the name, arity checked by the caller).
pub async fn run(handle: &GraphRagHandle, args: &[Vec<u8>]) -> Frame {
    match execute(handle, args).await {
        Ok(frame) => frame,
        Err(e) => Frame::Error(e.reply_line()),
    }
}

async fn execute(handle: &GraphRagHandle, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let mut c = Cursor::new(&args[1..]);
    match spec.name {
        "graphrag.create" => create(handle, &mut c).await,
        "graphrag.build" => {
            let kg = c.text()?;
            let doc_id = c.text()?;
            let text = c.text()?;
            let mut meta = Vec::new();
            while let Some(option) = c.next() {
                if !is(option, "META") {
                    return Err(RedisError::syntax());
                }
                meta.push((c.text()?, c.text()?));
                while c.args.get(c.at).is_some_and(|a| !is(a, "META")) {
                    meta.push((c.text()?, c.text()?));
                }
            }
            let report = handle.engine().await?.build(&kg, &doc_id, &text, &meta).await.map_err(engine_error)?;
            Ok(render::build_report(&report))
        }
        "graphrag.retrieve" => {
            let kg = c.text()?;
            let question = c.text()?;
            let mut options = RetrieveOptions::default();
            while let Some(option) = c.next() {
                if is(option, "MODE") {
                    options.mode = mode(c.value()?)?;
                } else if is(option, "K") {
                    options.k = c.count(1)?;
                } else if is(option, "MAX_HOPS") {
                    options.max_hops = c.count(1)?;
                } else {
                    return Err(RedisError::syntax());
                }
            }
            let chunks = handle.engine().await?.retrieve(&kg, &question, &options).await.map_err(engine_error)?;
            Ok(Frame::Array(chunks.iter().map(render::chunk).collect()))
        }
        "graphrag.query" => {
            let kg = c.text()?;
            let question = c.text()?;
            let mut options = QueryOptions::default();
            while let Some(option) = c.next() {
                if is(option, "MODE") {
                    options.retrieve.mode = mode(c.value()?)?;
                } else if is(option, "MAX_HOPS") {
                    options.retrieve.max_hops = c.count(1)?;
                } else if is(option, "K") {
                    options.retrieve.k = c.count(1)?;
                } else if is(option, "CONTEXT_SIZE") {
                    options.context_size = c.count(1)?;
                } else if is(option, "LLM_PROVIDER") {
                    options.llm_provider = Some(c.text()?);
                } else if is(option, "INCLUDE_EXPLANATION") {
                    options.include_explanation = true;
                } else {
                    return Err(RedisError::syntax());
                }
            }
            options.retrieve.k = options.retrieve.k.max(options.context_size);
            let answer = handle.engine().await?.query(&kg, &question, &options).await.map_err(engine_error)?;
            Ok(render::answer(&answer, options.include_explanation))
        }
        "graphrag.extract" => {
            let text = c.text()?;
            let mut kg = None;
            while let Some(option) = c.next() {
                if is(option, "KG") {
                    kg = Some(c.text()?);
                } else {
                    return Err(RedisError::syntax());
                }
            }
            let extraction = handle.engine().await?.extract(kg.as_deref(), &text).await.map_err(engine_error)?;
            Ok(render::extraction(&extraction))
        }
        "graphrag.reason" => {
            let kg = c.text()?;
            let from = c.text()?;
            let to = c.text()?;
            let mut max_hops = orbit_graphrag::DEFAULT_REASON_HOPS;
            while let Some(option) = c.next() {
                if is(option, "MAX_HOPS") {
                    max_hops = c.count(1)?;
                } else {
                    return Err(RedisError::syntax());
                }
            }
            let paths = handle.engine().await?.reason(&kg, &from, &to, max_hops).await.map_err(engine_error)?;
            Ok(Frame::Array(paths.iter().map(render::path).collect()))
        }
        "graphrag.entities" => {
            let kg = c.text()?;
            let (mut entity_type, mut limit, mut offset) = (None, orbit_graphrag::DEFAULT_ENTITY_LIMIT, 0);
            while let Some(option) = c.next() {
                if is(option, "TYPE") {
                    entity_type = Some(c.text()?);
                } else if is(option, "LIMIT") {
                    limit = c.count(0)?;
                } else if is(option, "OFFSET") {
                    offset = c.count(0)?;
                } else {
                    return Err(RedisError::syntax());
                }
            }
            let engine = handle.engine().await?;
            let entities = engine.entities(&kg, entity_type.as_deref(), limit, offset).await.map_err(engine_error)?;
            Ok(Frame::Array(entities.iter().map(render::entity).collect()))
        }
        "graphrag.similar" => {
            let kg = c.text()?;
            let entity = c.text()?;
            let (mut limit, mut threshold) =
                (orbit_graphrag::DEFAULT_SIMILAR_LIMIT, orbit_graphrag::DEFAULT_SIMILAR_THRESHOLD);
            while let Some(option) = c.next() {
                if is(option, "LIMIT") {
                    limit = c.count(0)?;
                } else if is(option, "THRESHOLD") {
                    threshold = parse_f64(c.value()?)?;
                    if !(-1.0..=1.0).contains(&threshold) {
                        return Err(RedisError::err("THRESHOLD must be between -1 and 1"));
                    }
                } else {
                    return Err(RedisError::syntax());
                }
            }
            let similar = handle.engine().await?.similar(&kg, &entity, limit, threshold).await.map_err(engine_error)?;
            Ok(Frame::Array(similar.iter().map(render::similar).collect()))
        }
        "graphrag.communities" => {
            let kg = c.text()?;
            let mut level = None;
            while let Some(option) = c.next() {
                if is(option, "LEVEL") {
                    level = Some(u32::try_from(c.count(0)?).map_err(|_| RedisError::not_integer())?);
                } else {
                    return Err(RedisError::syntax());
                }
            }
            let communities = handle.engine().await?.communities(&kg, level).await.map_err(engine_error)?;
            Ok(Frame::Array(communities.iter().map(render::community).collect()))
        }
        "graphrag.stats" => {
            let stats = handle.engine().await?.stats(&c.text()?).await.map_err(engine_error)?;
            Ok(render::stats(&stats))
        }
        "graphrag.del" => {
            let kg = c.text()?;
            let doc_id = c.text()?;
            let removed = handle.engine().await?.delete_document(&kg, &doc_id).await.map_err(engine_error)?;
            Ok(Frame::Integer(removed as i64))
        }
        "graphrag.drop" => {
            let dropped = handle.engine().await?.drop_kg(&c.text()?).await.map_err(engine_error)?;
            Ok(Frame::Integer(dropped as i64))
        }
        "graphrag.list" => {
            let names = handle.engine().await?.list().await.map_err(engine_error)?;
            Ok(Frame::array_of_bulks(names.into_iter().map(String::into_bytes)))
        }
        _ => Err(super::unknown_command(args)),
    }
}

/// GRAPHRAG.CREATE kg [EMBEDDER e] [CHUNK_TOKENS n] [OVERLAP n].
async fn create(handle: &GraphRagHandle, c: &mut Cursor<'_>) -> RedisResult<Frame> {
    let kg = c.text()?;
    let mut config = KgConfig::default();
    let mut embedder = None;
    while let Some(option) = c.next() {
        if is(option, "EMBEDDER") {
            embedder = Some(c.text()?);
        } else if is(option, "CHUNK_TOKENS") {
            config.chunk_tokens = c.count(1)?;
        } else if is(option, "OVERLAP") {
            config.overlap = c.count(0)?;
        } else {
            return Err(RedisError::syntax());
        }
    }
    let engine = handle.engine().await?;
    if let Some(name) = embedder {
        config.embedder = EmbedderSpec::parse(&name, engine.options()).map_err(engine_error)?;
    }
    config.validate().map_err(engine_error)?;
    engine.create(&kg, config).await.map_err(engine_error)?;
    Ok(Frame::ok())
}

/// The engine's results as frames.
mod render {
    use super::*;
    use orbit_graphrag::types::*;

    fn field(name: &str, value: Frame) -> (Frame, Frame) {
        (Frame::bulk(name), value)
    }
    fn text(s: &str) -> Frame {
        Frame::bulk(s.as_bytes())
    }
    fn int(n: u64) -> Frame {
        Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
    }
    fn names(items: &[String]) -> Frame {
        Frame::Array(items.iter().map(|s| text(s)).collect())
    }

    pub fn build_report(r: &BuildReport) -> Frame {
        Frame::Map(vec![
            field("entities_extracted", int(r.entities_extracted)),
            field("relationships_extracted", int(r.relationships_extracted)),
            field("graph_nodes_created", int(r.graph_nodes_created)),
            field("graph_relationships_created", int(r.graph_relationships_created)),
            field("chunks", int(r.chunks)),
            field("processing_time_ms", int(r.processing_time_ms)),
        ])
    }

    /// `[chunk_id, doc_id, score, text]`.
    pub fn chunk(c: &RetrievedChunk) -> Frame {
        Frame::Array(vec![text(&c.chunk_id), text(&c.doc_id), Frame::Double(c.score), text(&c.text)])
    }

    fn citation(c: &Citation) -> Frame {
        Frame::Map(vec![
            field("chunk_id", text(&c.chunk_id)),
            field("doc_id", text(&c.doc_id)),
            field("score", Frame::Double(c.score)),
            field("text", text(&c.text)),
        ])
    }

    pub fn path(p: &ReasoningPath) -> Frame {
        Frame::Map(vec![
            field("entities", names(&p.entities)),
            field("relationships", names(&p.relationships)),
            field("score", Frame::Double(p.score)),
        ])
    }

    pub fn answer(a: &QueryAnswer, with_explanation: bool) -> Frame {
        let mut pairs = vec![
            field("response", text(&a.response)),
            field("confidence", Frame::Double(a.confidence)),
            field("entities_involved", names(&a.entities_involved)),
            field("citations", Frame::Array(a.citations.iter().map(citation).collect())),
            field("reasoning_paths", Frame::Array(a.reasoning_paths.iter().map(path).collect())),
            field("mode", text(a.mode.name())),
            field("llm_provider", a.llm_provider.as_deref().map(text).unwrap_or(Frame::Null)),
        ];
        if with_explanation {
            pairs.push(field("explanation", text(a.explanation.as_deref().unwrap_or(""))));
        }
        Frame::Map(pairs)
    }

    pub fn extraction(x: &Extraction) -> Frame {
        let entities = x
            .entities
            .iter()
            .map(|e| {
                Frame::Map(vec![
                    field("key", text(&e.key)),
                    field("name", text(&e.name)),
                    field("type", text(&e.entity_type)),
                    field("mentions", int(u64::from(e.mentions))),
                ])
            })
            .collect();
        let relations = x
            .relations
            .iter()
            .map(|r| {
                Frame::Map(vec![
                    field("source", text(&r.source)),
                    field("target", text(&r.target)),
                    field("type", text(&r.relation_type)),
                    field("confidence", Frame::Double(r.confidence)),
                ])
            })
            .collect();
        Frame::Map(vec![field("entities", Frame::Array(entities)), field("relationships", Frame::Array(relations))])
    }

    pub fn entity(e: &EntityInfo) -> Frame {
        Frame::Map(vec![
            field("key", text(&e.key)),
            field("name", text(&e.name)),
            field("type", text(&e.entity_type)),
            field("mentions", int(e.mentions)),
            field("degree", int(e.degree)),
            field("node_id", int(e.node_id)),
        ])
    }

    pub fn similar(s: &SimilarEntity) -> Frame {
        Frame::Map(vec![
            field("key", text(&s.key)),
            field("name", text(&s.name)),
            field("type", text(&s.entity_type)),
            field("similarity", Frame::Double(s.similarity)),
        ])
    }

    pub fn community(c: &CommunityInfo) -> Frame {
        Frame::Map(vec![
            field("id", text(&c.id)),
            field("level", int(u64::from(c.level))),
            field("size", int(c.size)),
            field("entities", names(&c.entities)),
            field("summary", text(&c.summary)),
        ])
    }

    pub fn stats(s: &KgStats) -> Frame {
        Frame::Map(vec![
            field("name", text(&s.name)),
            field("documents", int(s.documents)),
            field("chunks", int(s.chunks)),
            field("entities", int(s.entities)),
            field("relationships", int(s.relationships)),
            field("communities", int(s.communities)),
            field("community_levels", int(s.community_levels)),
            field("embedder", text(&s.embedder)),
            field("embedding_dim", int(s.embedding_dim)),
            field("chunk_tokens", int(s.chunk_tokens)),
            field("overlap", int(s.overlap)),
            field("graph_table", text(&s.graph_table)),
        ])
    }
}

#[cfg(test)]
mod tests;
