//! GraphRAG's settings, `[graphrag]`: the LLM endpoint answers come from when one is
//! configured (an OpenAI-compatible `/v1/chat/completions` URL, a model and an optional
//! API key: flags, variables or the file, provider name "default"), further named LLM
//! providers and HTTP embedders (`[graphrag.llm.<name>]`, `[graphrag.embedders.<name>]`,
//! file only), the HNSW search breadth and the HTTP timeout. Resolved like every other
//! setting (flag > variable > file > default, every given layer validated).

use super::ConfigError;
use super::{parse_file, value_flags, Layers, Setting, Source};
use clap::Command;
use orbit_graphrag::config::{EmbedderSpec, NamedEmbedder};
use orbit_graphrag::{EngineOptions, LlmProvider};
use serde::Deserialize;
use std::collections::BTreeMap;

pub mod names {
    pub const LLM_URL_FLAG: &str = "--graphrag-llm-url";
    pub const LLM_URL_ENV: &str = "ORBIT_GRAPHRAG_LLM_URL";
    pub const LLM_MODEL_FLAG: &str = "--graphrag-llm-model";
    pub const LLM_MODEL_ENV: &str = "ORBIT_GRAPHRAG_LLM_MODEL";
    pub const LLM_API_KEY_FLAG: &str = "--graphrag-llm-api-key";
    pub const LLM_API_KEY_ENV: &str = "ORBIT_GRAPHRAG_LLM_API_KEY";
    pub const EF_SEARCH_FLAG: &str = "--graphrag-ef-search";
    pub const EF_SEARCH_ENV: &str = "ORBIT_GRAPHRAG_EF_SEARCH";
    pub const HTTP_TIMEOUT_FLAG: &str = "--graphrag-http-timeout-ms";
    pub const HTTP_TIMEOUT_ENV: &str = "ORBIT_GRAPHRAG_HTTP_TIMEOUT_MS";
}

/// The name of the LLM provider the flags and variables configure.
pub const DEFAULT_PROVIDER: &str = "default";
pub const DEFAULT_EF_SEARCH: usize = 64;
pub const DEFAULT_HTTP_TIMEOUT_MS: u64 = 30_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphragConfig {
    pub llm_url: Setting<Option<String>>,
    pub llm_model: Setting<Option<String>>,
    pub llm_api_key: Setting<Option<String>>,
    /// `[graphrag.llm.<name>]`, sorted by name.
    pub llm_providers: Vec<LlmProvider>,
    /// `[graphrag.embedders.<name>]`, sorted by name.
    pub embedders: Vec<NamedEmbedder>,
    pub ef_search: Setting<usize>,
    pub http_timeout_ms: Setting<u64>,
}

impl GraphragConfig {
    /// What the GraphRAG engine is opened with. The flag/variable provider (when a URL is
    /// given) is named "default" and is the provider of answers that name none.
    pub fn engine_options(&self) -> EngineOptions {
        let mut llm_providers = Vec::new();
        if let Some(url) = &self.llm_url.value {
            llm_providers.push(LlmProvider {
                name: DEFAULT_PROVIDER.to_string(),
                url: url.clone(),
                model: self.llm_model.value.clone().unwrap_or_else(|| "gpt-4o-mini".to_string()),
                api_key: self.llm_api_key.value.clone(),
            });
        }
        llm_providers.extend(self.llm_providers.iter().filter(|p| p.name != DEFAULT_PROVIDER).cloned());
        let default_llm = llm_providers.first().map(|p| p.name.clone());
        EngineOptions {
            llm_providers,
            default_llm,
            embedders: self.embedders.clone(),
            http_timeout_ms: self.http_timeout_ms.value,
            ef_search: self.ef_search.value,
        }
    }
}

/// `[graphrag.llm.<name>]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LlmTable {
    url: String,
    model: String,
    api_key: Option<String>,
}

/// `[graphrag.embedders.<name>]`: `kind` is "openai" or "ollama".
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmbedderTable {
    kind: String,
    url: String,
    model: String,
    api_key: Option<String>,
}

/// The `[graphrag]` table: the protocol keys (no port: GraphRAG is served through the
/// other listeners) plus the engine's settings.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GraphragTable {
    pub enabled: Option<bool>,
    pub mode: Option<String>,
    llm_url: Option<String>,
    llm_model: Option<String>,
    llm_api_key: Option<String>,
    ef_search: Option<u64>,
    http_timeout_ms: Option<u64>,
    llm: Option<BTreeMap<String, LlmTable>>,
    embedders: Option<BTreeMap<String, EmbedderTable>>,
}

/// The command-line flags of these settings.
pub(super) fn args(cmd: Command) -> Command {
    let flags: [(&'static str, &'static str, String); 5] = [
        (
            names::LLM_URL_FLAG,
            "URL",
            format!(
                "OpenAI-compatible chat completions endpoint for GraphRAG answers [env: {}] [default: none, extractive answers]",
                names::LLM_URL_ENV
            ),
        ),
        (
            names::LLM_MODEL_FLAG,
            "MODEL",
            format!("Model name sent to the GraphRAG LLM endpoint [env: {}] [default: gpt-4o-mini]", names::LLM_MODEL_ENV),
        ),
        (
            names::LLM_API_KEY_FLAG,
            "KEY",
            format!("Bearer key of the GraphRAG LLM endpoint [env: {}] [default: none]", names::LLM_API_KEY_ENV),
        ),
        (
            names::EF_SEARCH_FLAG,
            "N",
            format!(
                "HNSW search breadth of GraphRAG vector retrieval [env: {}] [default: {DEFAULT_EF_SEARCH}]",
                names::EF_SEARCH_ENV
            ),
        ),
        (
            names::HTTP_TIMEOUT_FLAG,
            "MS",
            format!(
                "Timeout of one GraphRAG embedder or LLM call [env: {}] [default: {DEFAULT_HTTP_TIMEOUT_MS}]",
                names::HTTP_TIMEOUT_ENV
            ),
        ),
    ];
    value_flags(cmd, flags)
}

fn parse_url(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if !(s.starts_with("http://") || s.starts_with("https://")) || s.len() > 2048 {
        return Err(format!("invalid URL \"{s}\" (expected http://... or https://...)"));
    }
    Ok(Some(s.to_string()))
}

fn parse_text(s: &str) -> Result<Option<String>, String> {
    if s.len() > 4096 {
        return Err("longer than 4096 bytes".into());
    }
    Ok(Some(s.to_string()).filter(|v| !v.is_empty()))
}

fn parse_ef(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err(format!("invalid ef_search \"{s}\" (expected an integer from 1 to 10000)")),
    }
}

fn parse_timeout(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (100..=3_600_000).contains(&n) => Ok(n),
        _ => Err(format!("invalid http_timeout_ms \"{s}\" (expected milliseconds from 100 to 3600000)")),
    }
}

pub(super) fn resolve(
    layers: &Layers<'_>,
    table: &GraphragTable,
    from_file: &dyn Fn(&str) -> Source,
) -> Result<GraphragConfig, ConfigError> {
    let key = |k: &str| from_file(&format!("[graphrag] {k}"));
    let text_setting =
        |flag, env, value: &Option<String>, name: &str, parse: fn(&str) -> Result<Option<String>, String>| {
            layers.resolve(flag, env, parse_file(value.as_deref(), key(name), parse)?, None, parse)
        };
    let llm_url = text_setting(names::LLM_URL_FLAG, names::LLM_URL_ENV, &table.llm_url, "llm_url", parse_url)?;
    let llm_model =
        text_setting(names::LLM_MODEL_FLAG, names::LLM_MODEL_ENV, &table.llm_model, "llm_model", parse_text)?;
    let llm_api_key =
        text_setting(names::LLM_API_KEY_FLAG, names::LLM_API_KEY_ENV, &table.llm_api_key, "llm_api_key", parse_text)?;
    let ef_search = layers.resolve(
        names::EF_SEARCH_FLAG,
        names::EF_SEARCH_ENV,
        parse_file(table.ef_search.map(|n| n.to_string()).as_deref(), key("ef_search"), parse_ef)?,
        DEFAULT_EF_SEARCH,
        parse_ef,
    )?;
    let http_timeout_ms = layers.resolve(
        names::HTTP_TIMEOUT_FLAG,
        names::HTTP_TIMEOUT_ENV,
        parse_file(table.http_timeout_ms.map(|n| n.to_string()).as_deref(), key("http_timeout_ms"), parse_timeout)?,
        DEFAULT_HTTP_TIMEOUT_MS,
        parse_timeout,
    )?;
    let mut llm_providers = Vec::new();
    for (name, t) in table.llm.iter().flatten() {
        let source = from_file(&format!("[graphrag.llm.{name}] url"));
        let url = parse_url(&t.url).map_err(|m| ConfigError::new(source.clone(), m))?;
        let url = url.ok_or_else(|| ConfigError::new(source, "the URL must not be empty"))?;
        llm_providers.push(LlmProvider { name: name.clone(), url, model: t.model.clone(), api_key: t.api_key.clone() });
    }
    let mut embedders = Vec::new();
    for (name, t) in table.embedders.iter().flatten() {
        let source = from_file(&format!("[graphrag.embedders.{name}] url"));
        let url = parse_url(&t.url).map_err(|m| ConfigError::new(source.clone(), m))?;
        let url = url.ok_or_else(|| ConfigError::new(source, "the URL must not be empty"))?;
        let spec = match t.kind.to_ascii_lowercase().as_str() {
            "openai" => EmbedderSpec::OpenAi { url, model: t.model.clone(), api_key: t.api_key.clone() },
            "ollama" => EmbedderSpec::Ollama { url, model: t.model.clone() },
            other => {
                return Err(ConfigError::new(
                    from_file(&format!("[graphrag.embedders.{name}] kind")),
                    format!("unknown embedder kind \"{other}\" (expected openai or ollama)"),
                ))
            }
        };
        embedders.push(NamedEmbedder { name: name.clone(), spec });
    }
    Ok(GraphragConfig { llm_url, llm_model, llm_api_key, llm_providers, embedders, ef_search, http_timeout_ms })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{invalid, load};
    use super::*;

    #[test]
    fn defaults_give_extractive_answers() {
        let c = load(&[], &[]).expect("defaults").graphrag;
        let options = c.engine_options();
        assert!(options.llm_providers.is_empty());
        assert_eq!(options.default_llm, None);
        assert_eq!(options.ef_search, DEFAULT_EF_SEARCH);
        assert_eq!(options.http_timeout_ms, DEFAULT_HTTP_TIMEOUT_MS);
    }

    #[test]
    fn flag_beats_env_beats_file_and_named_tables_load() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        std::fs::write(
            &file,
            "[graphrag]\nllm_url = \"http://127.0.0.1:9/v1/chat/completions\"\nef_search = 32\n\
             [graphrag.llm.local]\nurl = \"http://127.0.0.1:11434/v1/chat/completions\"\nmodel = \"llama3\"\n\
             [graphrag.embedders.ol]\nkind = \"ollama\"\nurl = \"http://127.0.0.1:11434/api/embed\"\nmodel = \"nomic\"\n",
        )
        .expect("write");
        let f = file.to_str().expect("utf-8 path");
        let c = load(&["--config", f, "--graphrag-ef-search", "100"], &[("ORBIT_GRAPHRAG_LLM_MODEL", "m1")])
            .expect("file")
            .graphrag;
        assert_eq!(c.ef_search.value, 100);
        let options = c.engine_options();
        assert_eq!(options.default_llm.as_deref(), Some("default"));
        assert_eq!(options.llm_providers.len(), 2);
        assert_eq!(options.llm_providers[0].model, "m1");
        assert_eq!(options.llm_providers[1].name, "local");
        assert_eq!(options.embedders.len(), 1);
        assert!(matches!(options.embedders[0].spec, EmbedderSpec::Ollama { .. }));
    }

    #[test]
    fn bad_values_name_their_setting() {
        let e = invalid(&["--graphrag-ef-search", "0"], &[]);
        assert_eq!(e.setting, "--graphrag-ef-search");
        let e = invalid(&[], &[("ORBIT_GRAPHRAG_LLM_URL", "ftp://x")]);
        assert_eq!(e.setting, "ORBIT_GRAPHRAG_LLM_URL");
    }
}
