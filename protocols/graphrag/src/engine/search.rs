//! Retrieval and question answering over one knowledge graph: the read transaction, the
//! question's embedding and entity mentions, the mode's ranking ([`crate::retrieve`]) and
//! the answer built from it ([`crate::answer`]).

use super::{deps, GraphRag};
use crate::error::{GraphRagError, GraphRagResult};
use crate::retrieve::{self, Query};
use crate::types::*;
use std::collections::HashMap;

/// Longest question (bytes).
const MAX_QUESTION: usize = 64 << 10;
/// Most chunks one retrieval answers.
pub const MAX_K: usize = 1000;

/// A retrieval's results with what the answer needs of its context.
pub struct Retrieval {
    pub chunks: Vec<(u64, RetrievedChunk)>,
    pub notes: Vec<String>,
    /// Seed entity names of the question, by id order.
    pub seeds: Vec<String>,
    /// Names of the entities mentioned by each result chunk.
    pub chunk_entities: Vec<Vec<String>>,
    pub graph: std::sync::Arc<super::state::EntityGraph>,
    pub terms: Vec<String>,
}

impl GraphRag {
    /// The `options.k` best chunks for `question`, best first (ties by chunk id).
    pub async fn retrieve(
        &self,
        kg: &str,
        question: &str,
        options: &RetrieveOptions,
    ) -> GraphRagResult<Vec<RetrievedChunk>> {
        Ok(self.retrieval(kg, question, options).await?.chunks.into_iter().map(|c| c.1).collect())
    }

    pub(crate) async fn retrieval(
        &self,
        kg: &str,
        question: &str,
        options: &RetrieveOptions,
    ) -> GraphRagResult<Retrieval> {
        if question.trim().is_empty() || question.len() > MAX_QUESTION {
            return Err(GraphRagError::invalid(format!("a question must be 1 to {MAX_QUESTION} bytes")));
        }
        if options.k > MAX_K {
            return Err(GraphRagError::invalid(format!("K must be at most {MAX_K}")));
        }
        let rec = self.existing(kg).await?;
        let state = self.state(kg, &rec).await?;
        let embedder = self.embedder_of(&rec)?;
        let normalised = deps::normalise(question);
        let mut texts = vec![normalised.clone()];
        let names: Vec<String> = deps::mentions(&normalised).into_iter().map(|m| m.name).collect();
        texts.extend(names.iter().cloned());
        let mut vectors = embedder.embed(&texts).await?.into_iter();
        let embedding = vectors.next().unwrap_or_default();
        let mention_vectors: HashMap<String, Vec<f32>> = names.into_iter().zip(vectors).collect();

        let mut tx = self.storage.begin().await?;
        // The record as this transaction sees it (a build may have committed since).
        let rec = self.store.kg(tx.as_mut(), kg).await?.filter(|r| r.id == rec.id).unwrap_or(rec);
        self.ensure_vectors(&state, &rec, tx.as_mut()).await?;
        let graph = self.entity_graph(&state, &rec, tx.as_mut()).await?;
        let mut q = Query {
            engine: self,
            kg,
            tx: tx.as_mut(),
            rec: &rec,
            state: &state,
            question,
            terms: deps::terms(&normalised),
            embedding,
            mention_vectors,
            graph: graph.clone(),
            seeds: std::sync::OnceLock::new(),
            notes: vec![format!("mode {}", options.mode.name())],
        };
        let ranked = retrieve::rank(&mut q, options, options.k.max(1)).await?;
        let chunks = retrieve::finish(&mut q, ranked, options.k).await?;
        let seeds = retrieve::graph::seeds(&q)
            .into_iter()
            .filter_map(|(id, _)| graph.nodes.get(id as usize).map(|n| n.record.name.clone()))
            .collect();
        let notes = std::mem::take(&mut q.notes);
        let terms = q.terms.clone();
        drop(q);
        tx.rollback().await?;
        let chunk_entities = chunks
            .iter()
            .map(|(number, _)| {
                graph
                    .chunk_entities
                    .get(number)
                    .map(|ids| {
                        ids.iter().filter_map(|&i| graph.nodes.get(i as usize)).map(|n| n.record.name.clone()).collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        Ok(Retrieval { chunks, notes, seeds, chunk_entities, graph, terms })
    }

    /// An answer with citations: extractive, or from an LLM provider when one is named
    /// (or configured as the default).
    pub async fn query(&self, kg: &str, question: &str, options: &QueryOptions) -> GraphRagResult<QueryAnswer> {
        let provider = match options.llm_provider.as_deref().or(self.options.default_llm.as_deref()) {
            Some(name) => Some(
                self.options
                    .llm(name)
                    .cloned()
                    .ok_or_else(|| GraphRagError::invalid(format!("no LLM provider named '{name}' is configured")))?,
            ),
            None => None,
        };
        let context = options.context_size.clamp(1, MAX_K);
        let retrieve = RetrieveOptions { k: context, ..options.retrieve.clone() };
        let retrieval = self.retrieval(kg, question, &retrieve).await?;
        crate::answer::answer(self, question, options, &retrieval, provider.as_ref()).await
    }
}
