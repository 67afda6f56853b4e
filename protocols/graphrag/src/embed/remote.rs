//! HTTP embedders: an OpenAI-compatible `/v1/embeddings` endpoint (`{model, input}` →
//! `data[i].embedding` ordered by `data[i].index`, Bearer API key) and Ollama's
//! `/api/embed` (`{model, input}` → `embeddings`). Texts go in batches of
//! [`MAX_BATCH`]; the dimension is learnt from the first answer and every later answer
//! must match it. Vectors are L2-normalised on arrival; anything unusable is an
//! [`ErrorKind::Upstream`](crate::error::ErrorKind::Upstream) error.

use super::{l2_normalise, Embedder};
use crate::error::{GraphRagError, GraphRagResult};
use crate::http::post_json;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Texts per HTTP call.
pub const MAX_BATCH: usize = 64;
/// The largest dimension accepted from an endpoint.
const MAX_DIM: usize = 65_536;

/// Which answer shape an endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    OpenAi,
    Ollama,
}

/// What both HTTP embedders share.
struct Remote {
    flavour: Flavour,
    url: String,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
    dim: AtomicUsize,
}

impl Remote {
    fn new(
        flavour: Flavour,
        url: &str,
        model: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> GraphRagResult<Self> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(GraphRagError::invalid(format!("embedder URL must be http:// or https://, got '{url}'")));
        }
        if model.is_empty() {
            return Err(GraphRagError::invalid("embedder model name is empty"));
        }
        Ok(Remote { flavour, url: url.into(), model: model.into(), api_key, timeout, dim: AtomicUsize::new(0) })
    }

    fn id(&self) -> String {
        let prefix = match self.flavour {
            Flavour::OpenAi => "openai",
            Flavour::Ollama => "ollama",
        };
        format!("{prefix}:{}@{}", self.model, self.url)
    }

    async fn embed(&self, texts: &[String]) -> GraphRagResult<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(MAX_BATCH) {
            let body = json!({ "model": self.model, "input": batch });
            let answer = post_json(&self.url, self.api_key.as_deref(), &body, self.timeout).await?;
            let vectors = match self.flavour {
                Flavour::OpenAi => openai_vectors(&answer, batch.len()),
                Flavour::Ollama => ollama_vectors(&answer, batch.len()),
            }
            .map_err(|why| GraphRagError::upstream(format!("{}: {why}", self.url)))?;
            for mut v in vectors {
                self.check_dim(v.len())?;
                l2_normalise(&mut v);
                out.push(v);
            }
        }
        Ok(out)
    }

    fn check_dim(&self, len: usize) -> GraphRagResult<()> {
        if len == 0 || len > MAX_DIM {
            return Err(GraphRagError::upstream(format!("{}: an embedding of {len} dimensions", self.url)));
        }
        match self.dim.compare_exchange(0, len, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => Ok(()),
            Err(known) if known == len => Ok(()),
            Err(known) => Err(GraphRagError::upstream(format!(
                "{}: an embedding of {len} dimensions, earlier ones had {known}",
                self.url
            ))),
        }
    }
}

/// `{"data": [{"index": i, "embedding": [..]}, ..]}`, one per input, any order.
fn openai_vectors(answer: &Value, expected: usize) -> Result<Vec<Vec<f32>>, String> {
    let data = answer.get("data").and_then(Value::as_array).ok_or("the answer has no data array")?;
    if data.len() != expected {
        return Err(format!("{} embeddings for {expected} inputs", data.len()));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
    for (position, item) in data.iter().enumerate() {
        let index = match item.get("index") {
            Some(index) => index.as_u64().ok_or("data[].index is not a non-negative integer")? as usize,
            None => position,
        };
        let slot = slots.get_mut(index).ok_or_else(|| format!("data[].index {index} out of range"))?;
        if slot.is_some() {
            return Err(format!("data[].index {index} given twice"));
        }
        *slot = Some(numbers(item.get("embedding"))?);
    }
    slots.into_iter().map(|s| s.ok_or_else(|| "an input has no embedding".to_string())).collect()
}

/// `{"embeddings": [[..], ..]}`, in input order.
fn ollama_vectors(answer: &Value, expected: usize) -> Result<Vec<Vec<f32>>, String> {
    let embeddings = answer.get("embeddings").and_then(Value::as_array).ok_or("the answer has no embeddings array")?;
    if embeddings.len() != expected {
        return Err(format!("{} embeddings for {expected} inputs", embeddings.len()));
    }
    embeddings.iter().map(|e| numbers(Some(e))).collect()
}

fn numbers(value: Option<&Value>) -> Result<Vec<f32>, String> {
    let items = value.and_then(Value::as_array).ok_or("an embedding is not an array of numbers")?;
    if items.len() > MAX_DIM {
        return Err(format!("an embedding of {} dimensions", items.len()));
    }
    items
        .iter()
        .map(|x| match x.as_f64() {
            Some(f) if f.is_finite() && f.abs() <= f64::from(f32::MAX) => Ok(f as f32),
            _ => Err(format!("an embedding holds {x}, not a finite number")),
        })
        .collect()
}

/// An OpenAI-compatible embeddings endpoint.
pub struct OpenAiEmbedder(Remote);

impl OpenAiEmbedder {
    pub fn new(url: &str, model: &str, api_key: Option<String>, timeout: Duration) -> GraphRagResult<Self> {
        Ok(OpenAiEmbedder(Remote::new(Flavour::OpenAi, url, model, api_key, timeout)?))
    }
}

/// An Ollama embed endpoint.
pub struct OllamaEmbedder(Remote);

impl OllamaEmbedder {
    pub fn new(url: &str, model: &str, timeout: Duration) -> GraphRagResult<Self> {
        Ok(OllamaEmbedder(Remote::new(Flavour::Ollama, url, model, None, timeout)?))
    }
}

macro_rules! remote_embedder {
    ($type:ty) => {
        #[async_trait::async_trait]
        impl Embedder for $type {
            fn id(&self) -> String {
                self.0.id()
            }
            fn dim(&self) -> usize {
                self.0.dim.load(Ordering::SeqCst)
            }
            fn fingerprint(&self) -> String {
                self.0.id()
            }
            async fn embed(&self, texts: &[String]) -> GraphRagResult<Vec<Vec<f32>>> {
                self.0.embed(texts).await
            }
        }
    };
}

remote_embedder!(OpenAiEmbedder);
remote_embedder!(OllamaEmbedder);

#[cfg(test)]
#[path = "remote_tests.rs"]
mod tests;
