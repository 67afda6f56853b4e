//! Text preparation: normalisation, tokens, sentences and chunks.
//!
//! Not built yet. Contract:
//! * `normalise(text) -> String`: Unicode NFKC-like cleanup, whitespace collapsed,
//!   control characters removed;
//! * `terms(text) -> Vec<String>`: lower-cased word terms for BM25 (stop words dropped,
//!   light stemming), the same function for documents and questions;
//! * `chunk(text, chunk_tokens, overlap) -> Vec<ChunkSpan>`: sentence-aware chunks.

/// One chunk of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSpan {
    pub ordinal: u32,
    /// Byte offsets into the normalised text.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub tokens: usize,
}
