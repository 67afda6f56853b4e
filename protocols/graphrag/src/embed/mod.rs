//! Embedders: text in, unit-length f32 vectors out. [`embedder_for`] builds the one a
//! knowledge graph's [`EmbedderSpec`] names: the shipped static model (potion-base-2M,
//! loaded once per process), feature hashing (no files), or an HTTP endpoint
//! (OpenAI-compatible or Ollama). The id, dimension and fingerprint are stored with the
//! knowledge graph so vectors of different embedders are never mixed.
//!
//! A text with nothing to embed (empty, or only unknown tokens) gives the zero vector,
//! which the vector index ranks as unrelated to everything.

mod hashing;
mod remote;
mod static_model;
mod wordpiece;

pub use hashing::HashingEmbedder;
pub use remote::{OllamaEmbedder, OpenAiEmbedder};
pub use static_model::StaticEmbedder;

use crate::config::{EmbedderSpec, EngineOptions};
use crate::error::GraphRagResult;
use std::sync::Arc;
use std::time::Duration;

/// An embedding model.
#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    /// What is stored as the knowledge graph's embedder id, e.g. `hashing-v1-256`.
    fn id(&self) -> String;
    /// The vector length; 0 for an HTTP embedder before its first answer.
    fn dim(&self) -> usize;
    /// Changes whenever the same text could embed differently (weights, algorithm).
    fn fingerprint(&self) -> String;
    /// One unit-length (or zero) vector per text, in order.
    async fn embed(&self, texts: &[String]) -> GraphRagResult<Vec<Vec<f32>>>;
}

/// The embedder `spec` names, with the HTTP timeout of `options`.
pub fn embedder_for(spec: &EmbedderSpec, options: &EngineOptions) -> GraphRagResult<Arc<dyn Embedder>> {
    let timeout = Duration::from_millis(if options.http_timeout_ms == 0 { 30_000 } else { options.http_timeout_ms });
    Ok(match spec {
        EmbedderSpec::Static => StaticEmbedder::shared()?,
        EmbedderSpec::Hashing { dim } => Arc::new(HashingEmbedder::new(*dim)?),
        EmbedderSpec::OpenAi { url, model, api_key } => {
            Arc::new(OpenAiEmbedder::new(url, model, api_key.clone(), timeout)?)
        }
        EmbedderSpec::Ollama { url, model } => Arc::new(OllamaEmbedder::new(url, model, timeout)?),
    })
}

/// Scales `v` to unit length in place; a zero (or non-finite) vector becomes all zeros.
pub fn l2_normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        let scale = (1.0 / norm) as f32;
        v.iter_mut().for_each(|x| *x *= scale);
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_normalise_gives_unit_or_zero() {
        let mut v = [3.0, 4.0];
        l2_normalise(&mut v);
        assert_eq!(v, [0.6, 0.8]);
        let mut zero = [0.0f32; 3];
        l2_normalise(&mut zero);
        assert_eq!(zero, [0.0; 3]);
        let mut bad = [f32::NAN, 1.0];
        l2_normalise(&mut bad);
        assert_eq!(bad, [0.0, 0.0]);
    }

    #[tokio::test]
    async fn embedder_for_builds_what_the_spec_names() {
        let options = EngineOptions::default();
        let hashing = embedder_for(&EmbedderSpec::Hashing { dim: 128 }, &options).unwrap();
        assert_eq!((hashing.id(), hashing.dim()), ("hashing-v1-128".to_string(), 128));
        assert_eq!(hashing.embed(&["a b".to_string()]).await.unwrap()[0].len(), 128);
        let openai =
            EmbedderSpec::OpenAi { url: "http://127.0.0.1:9/v1/embeddings".into(), model: "m".into(), api_key: None };
        assert_eq!(embedder_for(&openai, &options).unwrap().id(), "openai:m@http://127.0.0.1:9/v1/embeddings");
        let ollama = EmbedderSpec::Ollama { url: "http://127.0.0.1:9/api/embed".into(), model: "m".into() };
        assert_eq!(embedder_for(&ollama, &options).unwrap().id(), "ollama:m@http://127.0.0.1:9/api/embed");
        assert!(embedder_for(&EmbedderSpec::Hashing { dim: 0 }, &options).is_err());
        let shipped = embedder_for(&EmbedderSpec::Static, &options).unwrap();
        assert_eq!((shipped.id(), shipped.dim()), ("potion-base-2M".to_string(), 64));
        let again = embedder_for(&EmbedderSpec::Static, &options).unwrap();
        assert_eq!(shipped.fingerprint(), again.fingerprint());
        let vectors = shipped.embed(&["king".to_string(), String::new()]).await.unwrap();
        assert_eq!(vectors.len(), 2);
        assert!(vectors[1].iter().all(|x| *x == 0.0));
    }
}
