//! The seeded synthetic world the quality benchmark measures retrieval on, in the style of
//! HippoRAG's multi-hop evaluations but generated, so it needs no download and has exact
//! gold labels.
//!
//! A world ([`World::generate`]) holds people, organisations, places, works and years tied
//! by facts (born in, founded, headquartered in, wrote, works for, located in). Each fact is
//! stated by one passage in one of several paraphrased templates, padded with neutral
//! sentences; distractor passages mention the same entities without the fact. Questions
//! ([`World::questions`]) come in three kinds, each with its gold passage ids and answer:
//! single-hop ("Where was Alice Marlow born?"), two-hop bridge ("Where was the founder of
//! Northwind Laboratories born?": the bridge entity is not named) and comparison ("Who was
//! born earlier, Alice Marlow or Bruno Keats?").
//!
//! * [`names`]: the deterministic name generators;
//! * [`world`]: entities, facts and passages;
//! * [`questions`]: question generation;
//! * [`metrics`]: Recall@k, AllRecall@k, MRR@k and extraction precision/recall;
//! * [`eval`]: ingest a world into an engine, score every mode, render the table.

pub mod eval;
pub mod metrics;
pub mod names;
pub mod questions;
pub mod world;

pub use metrics::{ExtractionScore, RankingScores};
pub use questions::{Question, QuestionKind};
pub use world::{EntityKind, Passage, Size, World};

/// A small deterministic generator (SplitMix64): the world depends on the seed only.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

#[cfg(test)]
mod tests;
