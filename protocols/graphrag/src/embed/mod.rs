//! Embedders. Not built yet. Contract: an async `Embedder` trait (id, dimension,
//! fingerprint, embed a batch of texts into unit-length f32 vectors) and
//! `embedder_for(spec, options) -> Arc<dyn Embedder>`.
