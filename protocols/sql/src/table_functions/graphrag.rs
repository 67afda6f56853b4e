//! The GraphRAG functions of the SQL listeners: `SELECT * FROM graphrag_retrieve('kg',
//! 'question', 'ppr', 5)` and friends, on PostgreSQL and MySQL alike. Each function only
//! translates its arguments into a call of the one [`orbit_graphrag::GraphRag`] engine and
//! its result into rows ([`super::graphrag_rows`]); engine errors become SQL errors in
//! [`sql_error`], the one place their kinds meet SQLSTATEs.

use super::graphrag_rows as rows;
use super::{Args, AsyncTableFunction, FunctionHost, Param, ParamType};
use crate::error::{sqlstate, SqlError};
use orbit_graphrag::config::ExtractorSpec;
use orbit_graphrag::error::ErrorKind;
use orbit_graphrag::{EmbedderSpec, GraphRag, GraphRagError, KgConfig, QueryOptions, RetrieveMode, RetrieveOptions};
use orbit_graphrag::{DEFAULT_ENTITY_LIMIT, DEFAULT_REASON_HOPS as DEFAULT_MAX_HOPS, DEFAULT_SIMILAR_LIMIT};
use std::sync::Arc;

/// The most chunks, entities or paths one call returns.
const MAX_ROWS: i64 = 10_000;
const MAX_HOPS: i64 = orbit_graphrag::MAX_REASON_HOPS as i64;

const fn p(name: &'static str, ty: ParamType) -> Param {
    Param { name, ty }
}

const KG: Param = p("kg", ParamType::Text);
const TEXT: ParamType = ParamType::Text;
const INT: ParamType = ParamType::Int;

/// Every GraphRAG function, by name.
pub static FUNCTIONS: &[AsyncTableFunction] = &[
    AsyncTableFunction {
        name: "graphrag_create",
        params: &[KG, p("options", ParamType::Json)],
        required: 1,
        columns: rows::created_columns,
        call: |host, args| Box::pin(create(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_build",
        params: &[KG, p("doc_id", TEXT), p("text", TEXT), p("meta", ParamType::Json)],
        required: 3,
        columns: rows::build_columns,
        call: |host, args| Box::pin(build(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_retrieve",
        params: &[KG, p("question", TEXT), p("mode", TEXT), p("k", INT)],
        required: 2,
        columns: rows::retrieve_columns,
        call: |host, args| Box::pin(retrieve(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_query",
        params: &[KG, p("question", TEXT), p("mode", TEXT), p("context_size", INT), p("llm_provider", TEXT)],
        required: 2,
        columns: rows::query_columns,
        call: |host, args| Box::pin(query(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_entities",
        params: &[KG, p("type", TEXT), p("limit", INT), p("offset", INT)],
        required: 1,
        columns: rows::entity_columns,
        call: |host, args| Box::pin(entities(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_similar",
        params: &[KG, p("entity", TEXT), p("limit", INT), p("threshold", ParamType::Float)],
        required: 2,
        columns: rows::similar_columns,
        call: |host, args| Box::pin(similar(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_communities",
        params: &[KG, p("level", INT)],
        required: 1,
        columns: rows::community_columns,
        call: |host, args| Box::pin(communities(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_paths",
        params: &[KG, p("from", TEXT), p("to", TEXT), p("max_hops", INT)],
        required: 3,
        columns: rows::path_columns,
        call: |host, args| Box::pin(paths(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_extract",
        params: &[p("text", TEXT), KG],
        required: 1,
        columns: rows::extract_columns,
        call: |host, args| Box::pin(extract(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_stats",
        params: &[KG],
        required: 1,
        columns: rows::stats_columns,
        call: |host, args| Box::pin(stats(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_delete",
        params: &[KG, p("doc_id", TEXT)],
        required: 2,
        columns: rows::deleted_columns,
        call: |host, args| Box::pin(delete(host, args)),
    },
    AsyncTableFunction {
        name: "graphrag_drop",
        params: &[KG],
        required: 1,
        columns: rows::dropped_columns,
        call: |host, args| Box::pin(drop_kg(host, args)),
    },
];

/// The SQLSTATE of each engine error kind.
pub fn sql_error(e: GraphRagError) -> SqlError {
    let code = match e.kind {
        ErrorKind::NotFound => sqlstate::UNDEFINED_OBJECT,
        ErrorKind::AlreadyExists => sqlstate::DUPLICATE_OBJECT,
        ErrorKind::InvalidArgument | ErrorKind::EmbedderMismatch => sqlstate::INVALID_PARAMETER_VALUE,
        ErrorKind::NotSupported => sqlstate::FEATURE_NOT_SUPPORTED,
        ErrorKind::Upstream => "38000",
        ErrorKind::Storage => "58030",
        ErrorKind::Corrupt => sqlstate::DATA_CORRUPTED,
    };
    SqlError::new(code, e.message)
}

async fn engine(host: &FunctionHost) -> Result<Arc<GraphRag>, SqlError> {
    let Some(storage) = host.graphrag_storage() else {
        return Err(SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, "GraphRAG is disabled on this server"));
    };
    GraphRag::attach(storage.clone()).await.map_err(sql_error)
}

fn invalid(message: String) -> SqlError {
    SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, message)
}

fn mode(args: &Args, i: usize) -> Result<Option<RetrieveMode>, SqlError> {
    let Some(name) = args.opt_text(i)? else { return Ok(None) };
    RetrieveMode::parse(name.trim()).map(Some).ok_or_else(|| {
        let known: Vec<&str> = RetrieveMode::ALL.iter().map(|m| m.name()).collect();
        invalid(format!("unknown GraphRAG mode \"{name}\" (expected one of {})", known.join(", ")))
    })
}

/// A JSON object argument, `None` when absent or NULL.
fn json_object(
    args: &Args,
    i: usize,
    what: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, SqlError> {
    let Some(text) = args.opt_text(i)? else { return Ok(None) };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(invalid(format!("{what} must be a JSON object"))),
        Err(e) => Err(SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, format!("invalid JSON in {what}: {e}"))),
    }
}

/// The configuration of `graphrag_create`'s options object: `embedder`, `chunk_tokens`,
/// `overlap`, `seed` and `extractor` (`rules` or `llm:<provider>`); keys case-insensitive.
fn kg_config(
    options: Option<serde_json::Map<String, serde_json::Value>>,
    engine: &GraphRag,
) -> Result<KgConfig, SqlError> {
    let mut config = KgConfig::default();
    let Some(options) = options else { return Ok(config) };
    let number = |key: &str, v: &serde_json::Value| -> Result<u64, SqlError> {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| invalid(format!("option {key} must be a non-negative integer")))
    };
    let size = |key: &str, v: &serde_json::Value| -> Result<usize, SqlError> {
        usize::try_from(number(key, v)?).map_err(|_| invalid(format!("option {key} is too large")))
    };
    for (key, value) in &options {
        match key.to_ascii_lowercase().as_str() {
            "embedder" => {
                let name = value.as_str().ok_or_else(|| invalid("option embedder must be a string".into()))?;
                config.embedder = EmbedderSpec::parse(name, engine.options()).map_err(sql_error)?;
            }
            "chunk_tokens" => config.chunk_tokens = size(key, value)?,
            "overlap" => config.overlap = size(key, value)?,
            "seed" => config.seed = number(key, value)?,
            "extractor" => {
                let name = value.as_str().ok_or_else(|| invalid("option extractor must be a string".into()))?;
                config.extractor = match name.split_once(':') {
                    None if name.eq_ignore_ascii_case("rules") => ExtractorSpec::Rules,
                    Some((kind, provider)) if kind.eq_ignore_ascii_case("llm") && !provider.is_empty() => {
                        ExtractorSpec::Llm { provider: provider.to_string() }
                    }
                    _ => {
                        return Err(invalid(format!("unknown extractor \"{name}\" (expected rules or llm:<provider>)")))
                    }
                };
            }
            _ => {
                return Err(invalid(format!(
                "unknown graphrag_create option \"{key}\" (expected embedder, chunk_tokens, overlap, seed, extractor)"
            )))
            }
        }
    }
    config.validate().map_err(sql_error)?;
    Ok(config)
}

async fn create(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let kg = args.text(0)?;
    let options = json_object(&args, 1, "graphrag_create options")?;
    let engine = engine(host).await?;
    let config = kg_config(options, &engine)?;
    engine.create(&kg, config).await.map_err(sql_error)?;
    Ok(vec![vec![orbit_storage::Value::Text(kg), orbit_storage::Value::Bool(true)]])
}

async fn build(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let (kg, doc_id, text) = (args.text(0)?, args.text(1)?, args.text(2)?);
    let meta: Vec<(String, String)> = json_object(&args, 3, "graphrag_build meta")?
        .into_iter()
        .flatten()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect();
    let report = engine(host).await?.build(&kg, &doc_id, &text, &meta).await.map_err(sql_error)?;
    Ok(vec![rows::build_row(&report)])
}

fn retrieve_options(args: &Args, mode_at: usize, k_at: Option<usize>) -> Result<RetrieveOptions, SqlError> {
    let mut options = RetrieveOptions::default();
    if let Some(m) = mode(args, mode_at)? {
        options.mode = m;
    }
    if let Some(k) = k_at.map(|i| args.opt_count(i, MAX_ROWS)).transpose()?.flatten() {
        if k == 0 {
            return Err(invalid("k must be at least 1".into()));
        }
        options.k = k;
    }
    Ok(options)
}

async fn retrieve(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let (kg, question) = (args.text(0)?, args.text(1)?);
    let options = retrieve_options(&args, 2, Some(3))?;
    let chunks = engine(host).await?.retrieve(&kg, &question, &options).await.map_err(sql_error)?;
    Ok(rows::retrieve_rows(&chunks))
}

async fn query(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let (kg, question) = (args.text(0)?, args.text(1)?);
    let mut options = QueryOptions { retrieve: retrieve_options(&args, 2, None)?, ..QueryOptions::default() };
    if let Some(n) = args.opt_count(3, MAX_ROWS)? {
        if n == 0 {
            return Err(invalid("context_size must be at least 1".into()));
        }
        options.context_size = n;
    }
    options.llm_provider = args.opt_text(4)?;
    let answer = engine(host).await?.query(&kg, &question, &options).await.map_err(sql_error)?;
    Ok(vec![rows::query_row(args.dialect, &answer)])
}

async fn entities(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let kg = args.text(0)?;
    let entity_type = args.opt_text(1)?;
    let limit = args.opt_count(2, MAX_ROWS)?.unwrap_or(DEFAULT_ENTITY_LIMIT);
    let offset = args.opt_count(3, i64::MAX)?.unwrap_or(0);
    let found = engine(host).await?.entities(&kg, entity_type.as_deref(), limit, offset).await.map_err(sql_error)?;
    Ok(rows::entity_rows(&found))
}

async fn similar(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let (kg, entity) = (args.text(0)?, args.text(1)?);
    let limit = args.opt_count(2, MAX_ROWS)?.unwrap_or(DEFAULT_SIMILAR_LIMIT);
    let threshold = args.opt_float(3)?.unwrap_or(orbit_graphrag::DEFAULT_SIMILAR_THRESHOLD);
    if !(-1.0..=1.0).contains(&threshold) {
        return Err(invalid("threshold must be between -1 and 1".into()));
    }
    let found = engine(host).await?.similar(&kg, &entity, limit, threshold).await.map_err(sql_error)?;
    Ok(rows::similar_rows(&found))
}

async fn communities(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let kg = args.text(0)?;
    let level = args.opt_count(1, i64::from(u32::MAX))?.map(|l| l as u32);
    let found = engine(host).await?.communities(&kg, level).await.map_err(sql_error)?;
    Ok(rows::community_rows(args.dialect, &found))
}

async fn paths(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let (kg, from, to) = (args.text(0)?, args.text(1)?, args.text(2)?);
    let max_hops = args.opt_count(3, MAX_HOPS)?.unwrap_or(DEFAULT_MAX_HOPS);
    if max_hops == 0 {
        return Err(invalid("max_hops must be at least 1".into()));
    }
    let found = engine(host).await?.reason(&kg, &from, &to, max_hops).await.map_err(sql_error)?;
    Ok(rows::path_rows(args.dialect, &found))
}

async fn extract(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let text = args.text(0)?;
    let kg = args.opt_text(1)?;
    let found = engine(host).await?.extract(kg.as_deref(), &text).await.map_err(sql_error)?;
    Ok(rows::extract_rows(&found))
}

async fn stats(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let kg = args.text(0)?;
    let stats = engine(host).await?.stats(&kg).await.map_err(sql_error)?;
    Ok(vec![rows::stats_row(&stats)])
}

async fn delete(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let (kg, doc_id) = (args.text(0)?, args.text(1)?);
    let deleted = engine(host).await?.delete_document(&kg, &doc_id).await.map_err(sql_error)?;
    Ok(vec![vec![orbit_storage::Value::Bool(deleted)]])
}

async fn drop_kg(host: &FunctionHost, args: Args) -> Result<Vec<orbit_storage::Row>, SqlError> {
    let kg = args.text(0)?;
    let dropped = engine(host).await?.drop_kg(&kg).await.map_err(sql_error)?;
    Ok(vec![vec![orbit_storage::Value::Bool(dropped)]])
}
