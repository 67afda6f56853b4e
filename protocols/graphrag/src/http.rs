//! A small JSON-over-HTTP client for embedder and LLM endpoints. Not built yet.
