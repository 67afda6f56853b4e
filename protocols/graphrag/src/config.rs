//! Configuration: per knowledge graph ([`KgConfig`], stored in the catalog with the
//! graph) and per engine ([`EngineOptions`], from the server's `[graphrag]` table: the
//! HTTP endpoints a user has).

use crate::error::{GraphRagError, GraphRagResult};
use serde::{Deserialize, Serialize};

/// Which embedder a knowledge graph uses. Stored with the graph together with the
/// embedder's dimension and fingerprint; a later build with another embedder is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmbedderSpec {
    /// The static embedding model shipped with Orbit (potion-base-2M, 64 dimensions).
    Static,
    /// Feature hashing of words and character n-grams into `dim` dimensions; needs no files.
    Hashing { dim: usize },
    /// An OpenAI-compatible `/v1/embeddings` endpoint (`url` is the full endpoint URL).
    OpenAi { url: String, model: String, api_key: Option<String> },
    /// An Ollama `/api/embed` endpoint (`url` is the full endpoint URL).
    Ollama { url: String, model: String },
}

impl EmbedderSpec {
    /// Parses the EMBEDDER argument: `static` / `potion-base-2M`, `hashing` /
    /// `hashing:<dim>`, `openai:<model>@<url>`, `ollama:<model>@<url>`, or the name of an
    /// embedder endpoint configured in [`EngineOptions::embedders`].
    pub fn parse(text: &str, options: &EngineOptions) -> GraphRagResult<EmbedderSpec> {
        let lower = text.to_ascii_lowercase();
        if lower == "static" || lower == "potion-base-2m" || lower == "potion" {
            return Ok(EmbedderSpec::Static);
        }
        if lower == "hashing" || lower == "hash" {
            return Ok(EmbedderSpec::Hashing { dim: 256 });
        }
        if let Some(dim) = lower.strip_prefix("hashing:").or_else(|| lower.strip_prefix("hash:")) {
            let dim: usize = dim.parse().map_err(|_| GraphRagError::invalid(format!("bad hashing dimension '{dim}'")))?;
            if !(8..=4096).contains(&dim) {
                return Err(GraphRagError::invalid("hashing dimension must be between 8 and 4096"));
            }
            return Ok(EmbedderSpec::Hashing { dim });
        }
        for (prefix, ollama) in [("openai:", false), ("ollama:", true)] {
            if lower.starts_with(prefix) {
                let rest = &text[prefix.len()..];
                let (model, url) = rest
                    .split_once('@')
                    .ok_or_else(|| GraphRagError::invalid(format!("expected {prefix}<model>@<url>, got '{text}'")))?;
                if model.is_empty() || !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(GraphRagError::invalid(format!("expected {prefix}<model>@<http(s) url>, got '{text}'")));
                }
                return Ok(if ollama {
                    EmbedderSpec::Ollama { url: url.to_string(), model: model.to_string() }
                } else {
                    EmbedderSpec::OpenAi { url: url.to_string(), model: model.to_string(), api_key: None }
                });
            }
        }
        if let Some(named) = options.embedders.iter().find(|e| e.name.eq_ignore_ascii_case(text)) {
            return Ok(named.spec.clone());
        }
        Err(GraphRagError::invalid(format!("unknown embedder '{text}'")))
    }
}

/// How entities and relationships are extracted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExtractorSpec {
    /// The offline rule-based extractor.
    Rules,
    /// An LLM over an OpenAI-compatible chat endpoint: the named [`LlmProvider`].
    Llm { provider: String },
}

/// A knowledge graph's settings, fixed when it is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KgConfig {
    pub embedder: EmbedderSpec,
    /// Chunk size in tokens (words and punctuation). Default 256.
    pub chunk_tokens: usize,
    /// Tokens shared by consecutive chunks. Default 32.
    pub overlap: usize,
    pub extractor: ExtractorSpec,
    /// The seed of community detection. Default 42.
    pub seed: u64,
}

impl Default for KgConfig {
    fn default() -> Self {
        KgConfig { embedder: EmbedderSpec::Static, chunk_tokens: 256, overlap: 32, extractor: ExtractorSpec::Rules, seed: 42 }
    }
}

impl KgConfig {
    /// Checks the numbers: 16 ≤ chunk_tokens ≤ 8192, overlap < chunk_tokens / 2.
    pub fn validate(&self) -> GraphRagResult<()> {
        if !(16..=8192).contains(&self.chunk_tokens) {
            return Err(GraphRagError::invalid("CHUNK_TOKENS must be between 16 and 8192"));
        }
        if self.overlap * 2 >= self.chunk_tokens {
            return Err(GraphRagError::invalid("OVERLAP must be less than half of CHUNK_TOKENS"));
        }
        Ok(())
    }
}

/// An OpenAI-compatible chat-completions endpoint a user has (`/v1/chat/completions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmProvider {
    pub name: String,
    /// The full endpoint URL, e.g. `http://127.0.0.1:11434/v1/chat/completions`.
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
}

/// A named embedder endpoint from the server configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedEmbedder {
    pub name: String,
    pub spec: EmbedderSpec,
}

/// Engine-wide settings from the server's `[graphrag]` table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EngineOptions {
    pub llm_providers: Vec<LlmProvider>,
    /// The provider GRAPHRAG.QUERY uses when it names none (answers are extractive when
    /// this is `None` and the query names none).
    pub default_llm: Option<String>,
    pub embedders: Vec<NamedEmbedder>,
    /// Timeout of one HTTP call to an embedder or LLM, in milliseconds. Default 30,000.
    pub http_timeout_ms: u64,
    /// HNSW search breadth for chunk vectors. Default 64.
    pub ef_search: usize,
}

impl EngineOptions {
    pub fn llm(&self, name: &str) -> Option<&LlmProvider> {
        self.llm_providers.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}
