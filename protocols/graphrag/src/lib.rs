//! GraphRAG: documents in, ranked and cited passages out, entirely offline by default.
//!
//! One engine ([`GraphRag`]) per GraphRAG storage instance (`data/graphrag/rocksdb`),
//! shared by the four surfaces that serve it: RESP (`GRAPHRAG.*`), SQL (`graphrag_*`
//! set-returning functions on the PostgreSQL and MySQL listeners), Cypher
//! (`CALL graphrag.*`) and AQL (`GRAPHRAG_*` functions). Each surface only translates
//! arguments and results; every ranking comes from here, so the same question gives the
//! same chunk ids on every protocol.
//!
//! The pipeline of one document ([`engine::GraphRag::build`]), one storage transaction:
//! * [`text`]: normalise, split into sentences, pack sentences into overlapping chunks;
//! * [`bm25`]: term statistics and Lucene's BM25 scoring (k1 1.2, b 0.75);
//! * [`embed`]: the embedders — offline static model, feature hashing, HTTP
//!   (OpenAI-compatible, Ollama) — over [`http`], the small JSON-over-HTTP client;
//! * [`extract`]: rule-based entities and relationships (and an LLM extractor over
//!   [`llm`]);
//! * [`store`]: the storage layout — catalog, chunks, postings, vectors and the knowledge
//!   graph in the property-graph model (Document -HAS_CHUNK-> Chunk -MENTIONS-> Entity
//!   -RELATED-> Entity -IN_COMMUNITY-> Community);
//! * [`algo`]: graph algorithms — hierarchical Leiden, personalised PageRank, paths;
//! * [`retrieve`]: the retrieval modes (bm25, vector, naive, local, ppr, global, hybrid)
//!   and [`answer`]: extractive or LLM answers with citations;
//! * [`synth`]: the seeded synthetic world the quality benchmark and tests measure on.

pub mod algo;
pub mod answer;
pub mod bm25;
pub mod config;
pub mod embed;
pub mod engine;
pub mod error;
pub mod extract;
pub mod http;
pub mod llm;
pub mod retrieve;
pub mod store;
pub mod synth;
pub mod text;
pub mod types;

pub use config::{EmbedderSpec, EngineOptions, KgConfig, LlmProvider};
pub use engine::GraphRag;
pub use error::{GraphRagError, GraphRagResult};
pub use types::*;
