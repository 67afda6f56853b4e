//! Entity and relationship extraction, offline by default.
//!
//! * [`rules`]: entity mentions of a text — capitalised spans, acronyms, quoted titles and
//!   dates, typed by [`gazetteer`] and [`lexicon`] rules, keyed by [`key::entity_key`];
//! * [`relations`]: typed relation patterns between the entities of one sentence
//!   ([`patterns`]), co-occurrence pairs, normalised PMI, and [`extract`], the answer of
//!   GRAPHRAG.EXTRACT (relation ends are entity keys);
//! * [`llm`]: the same output from an OpenAI-compatible chat model, for knowledge graphs
//!   created with the LLM extractor.
//!
//! Everything but [`llm`] is pure and deterministic: a text always gives the same entities
//! in the same order (first mention), and the same relations.

pub(crate) mod gazetteer;
pub mod key;
pub(crate) mod lexicon;
pub mod llm;
mod patterns;
pub mod relations;
pub mod rules;
mod tokens;

pub use key::entity_key;
pub use relations::{analyse, entities_of_mentions, extract, pmi, Analysis, CO_OCCURS};
pub use rules::{extract_entities, EntityType, Mention};
