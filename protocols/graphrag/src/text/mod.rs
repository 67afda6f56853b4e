//! Text preparation shared by ingest and questions: normalisation ([`normalise`]), tokens
//! (the unit of chunk sizes, [`tokens`]), sentences ([`sentences`]), sentence-aware chunks
//! ([`chunk`]) and BM25 terms ([`terms`]). Everything here is pure and deterministic.

mod chunking;
mod normalise;
mod sentences;
mod stem;
mod stopwords;
mod terms;
mod tokens;

pub use chunking::chunk;
pub use normalise::normalise;
pub use sentences::sentences;
pub use stem::stem;
pub use stopwords::is_stop_word;
pub use terms::terms;
pub use tokens::{count_tokens, tokens};

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
