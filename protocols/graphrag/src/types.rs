//! The engine's results, as every surface renders them. Field names are the names the
//! surfaces use (RESP map keys, SQL column names, Cypher YIELD names, AQL attributes).

use serde::{Deserialize, Serialize};

/// A retrieval mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetrieveMode {
    /// BM25 over chunk text.
    Bm25,
    /// Nearest chunk embeddings.
    Vector,
    /// Reciprocal-rank fusion of bm25 and vector.
    Naive,
    /// Entities of the question → their 1–2 hop neighbourhood → chunks mentioning them.
    Local,
    /// Personalised PageRank from the question's entities (HippoRAG), chunks scored by
    /// the rank of the entities they mention.
    Ppr,
    /// Community summaries ranked against the question, then their chunks.
    Global,
    /// Reciprocal-rank fusion of naive and ppr.
    Hybrid,
}

impl RetrieveMode {
    pub const ALL: [RetrieveMode; 7] = [
        RetrieveMode::Bm25,
        RetrieveMode::Vector,
        RetrieveMode::Naive,
        RetrieveMode::Local,
        RetrieveMode::Ppr,
        RetrieveMode::Global,
        RetrieveMode::Hybrid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RetrieveMode::Bm25 => "bm25",
            RetrieveMode::Vector => "vector",
            RetrieveMode::Naive => "naive",
            RetrieveMode::Local => "local",
            RetrieveMode::Ppr => "ppr",
            RetrieveMode::Global => "global",
            RetrieveMode::Hybrid => "hybrid",
        }
    }

    /// Case-insensitive; `None` for an unknown name.
    pub fn parse(name: &str) -> Option<RetrieveMode> {
        RetrieveMode::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// The default mode of RETRIEVE and QUERY.
pub const DEFAULT_MODE: RetrieveMode = RetrieveMode::Hybrid;
/// The default number of chunks.
pub const DEFAULT_K: usize = 5;
/// The default and the largest number of RELATED hops of a REASON / findPaths.
pub const DEFAULT_REASON_HOPS: usize = 3;
pub const MAX_REASON_HOPS: usize = 6;
/// The default number of entities listed, and of similar entities.
pub const DEFAULT_ENTITY_LIMIT: usize = 100;
pub const DEFAULT_SIMILAR_LIMIT: usize = 10;
/// The default least similarity of a similar entity.
pub const DEFAULT_SIMILAR_THRESHOLD: f64 = 0.0;

/// Options of a retrieval.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrieveOptions {
    pub mode: RetrieveMode,
    pub k: usize,
    /// Hops of the local mode's neighbourhood (1 or 2). Default 2.
    pub max_hops: usize,
}

impl Default for RetrieveOptions {
    fn default() -> Self {
        RetrieveOptions { mode: DEFAULT_MODE, k: DEFAULT_K, max_hops: 2 }
    }
}

/// One ranked chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievedChunk {
    /// `<doc_id>#<ordinal>`.
    pub chunk_id: String,
    pub doc_id: String,
    pub score: f64,
    pub text: String,
}

/// Options of a question answered with context.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOptions {
    pub retrieve: RetrieveOptions,
    /// Chunks given to the answer. Default 5.
    pub context_size: usize,
    /// An LLM provider by name; extractive answers when none.
    pub llm_provider: Option<String>,
    pub include_explanation: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            retrieve: RetrieveOptions::default(),
            context_size: 5,
            llm_provider: None,
            include_explanation: false,
        }
    }
}

/// A cited passage of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub chunk_id: String,
    pub doc_id: String,
    pub score: f64,
    pub text: String,
}

/// A path between entities through RELATED edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasoningPath {
    /// Entity names along the path, first to last.
    pub entities: Vec<String>,
    /// Relationship types between consecutive entities (one fewer than `entities`).
    pub relationships: Vec<String>,
    /// Product of the edge weights normalised to 0..1 (higher is stronger).
    pub score: f64,
}

/// The answer to GRAPHRAG.QUERY.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryAnswer {
    pub response: String,
    /// 0..1.
    pub confidence: f64,
    pub entities_involved: Vec<String>,
    pub citations: Vec<Citation>,
    pub reasoning_paths: Vec<ReasoningPath>,
    /// With INCLUDE_EXPLANATION: how the context was found (mode, seeds, scores).
    pub explanation: Option<String>,
    pub mode: RetrieveMode,
    /// The LLM provider that wrote `response`, or `None` for an extractive answer.
    pub llm_provider: Option<String>,
}

/// The reply of GRAPHRAG.BUILD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildReport {
    pub entities_extracted: u64,
    pub relationships_extracted: u64,
    pub graph_nodes_created: u64,
    pub graph_relationships_created: u64,
    pub chunks: u64,
    pub processing_time_ms: u64,
}

/// An entity found in text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedEntity {
    /// The normalised key entities are merged by (lower-cased, titles and punctuation
    /// stripped): "marie curie".
    pub key: String,
    /// The most frequent surface form: "Marie Curie".
    pub name: String,
    /// PERSON, ORGANIZATION, LOCATION, WORK, DATE, EVENT, CONCEPT or OTHER.
    pub entity_type: String,
    pub mentions: u32,
}

/// A relationship found in text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedRelation {
    pub source: String,
    pub target: String,
    /// A typed pattern (FOUNDED, BORN_IN, WORKS_FOR, ...) or CO_OCCURS.
    pub relation_type: String,
    /// Confidence 0..1.
    pub confidence: f64,
}

/// The result of GRAPHRAG.EXTRACT (no storage involved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Extraction {
    pub entities: Vec<ExtractedEntity>,
    pub relations: Vec<ExtractedRelation>,
}

/// An entity of a knowledge graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityInfo {
    pub key: String,
    pub name: String,
    pub entity_type: String,
    /// Chunks that mention it.
    pub mentions: u64,
    /// RELATED edges.
    pub degree: u64,
    /// The graph node id (usable from Cypher and AQL).
    pub node_id: u64,
}

/// An entity similar to another (by embedding of its name and context).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarEntity {
    pub key: String,
    pub name: String,
    pub entity_type: String,
    /// Cosine similarity, -1..1.
    pub similarity: f64,
}

/// A community at some level of the hierarchy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityInfo {
    /// `<level>-<ordinal>`.
    pub id: String,
    pub level: u32,
    pub size: u64,
    /// Member entity names, most central first (at most 20).
    pub entities: Vec<String>,
    /// The extractive summary.
    pub summary: String,
}

/// GRAPHRAG.STATS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KgStats {
    pub name: String,
    pub documents: u64,
    pub chunks: u64,
    pub entities: u64,
    pub relationships: u64,
    pub communities: u64,
    pub community_levels: u64,
    pub embedder: String,
    pub embedding_dim: u64,
    pub chunk_tokens: u64,
    pub overlap: u64,
    /// The orbit-graph table holding the knowledge graph (for Cypher/AQL).
    pub graph_table: String,
}
