//! The read side besides retrieval: extraction without storage, entities and similar
//! entities, paths between entities, communities (detected again when the graph changed
//! since the last detection, stored as Community nodes with IN_COMMUNITY edges, and kept
//! in memory per detection) and statistics.

use super::state::{Communities, EntityGraph};
use super::{deps, GraphRag};
use crate::config::ExtractorSpec;
use crate::error::{GraphRagError, GraphRagResult};
use crate::store::keys;
use crate::store::records::{CommunityRecord, KgRecord};
use crate::types::*;
use orbit_graph::{Properties, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most entities, paths or communities one call answers.
const MAX_LIST: usize = 10_000;
/// Member names a community lists.
const COMMUNITY_NAMES: usize = 20;
/// Chunks whose sentences a community summary is drawn from.
const SUMMARY_CHUNKS: usize = 24;

/// A path of entity ids as names and relationship types.
pub fn path_of(g: &EntityGraph, path: &[u32], score: f64) -> ReasoningPath {
    let entities = path.iter().filter_map(|&i| g.nodes.get(i as usize)).map(|n| n.record.name.clone()).collect();
    let relationships = path
        .windows(2)
        .map(|w| g.pair(w[0], w[1]).map(|p| p.dominant().0).unwrap_or_else(|| "RELATED".to_string()))
        .collect();
    ReasoningPath { entities, relationships, score }
}

/// The entity `name_or_key` names: its key, its name (any case), or the entity whose key
/// holds all its words with the fewest others.
fn resolve(g: &EntityGraph, name_or_key: &str) -> Option<u32> {
    let wanted = deps::normalise(name_or_key).to_lowercase();
    let wanted = wanted.trim();
    if let Some(&id) = g.by_key.get(wanted) {
        return Some(id);
    }
    if let Some(&id) = g.by_lower_name.get(wanted) {
        return Some(id);
    }
    let words: Vec<&str> = wanted.split_whitespace().collect();
    g.holding_words(&words)
        .into_iter()
        .filter_map(|i| g.nodes.get(i as usize).map(|n| (i, n.key.split_whitespace().count())))
        .min_by_key(|&(_, count)| count)
        .map(|(i, _)| i)
}

impl GraphRag {
    async fn current_graph(
        &self,
        kg: &str,
    ) -> GraphRagResult<(KgRecord, Arc<super::state::KgState>, Arc<EntityGraph>)> {
        let rec = self.existing(kg).await?;
        let state = self.state(kg, &rec).await?;
        let mut tx = self.storage.begin().await?;
        let graph = self.entity_graph(&state, &rec, tx.as_mut()).await?;
        tx.rollback().await?;
        Ok((rec, state, graph))
    }

    /// Entities and relationships of `text` by `kg`'s extractor (rules when `kg` is
    /// `None`); stores nothing.
    pub async fn extract(&self, kg: Option<&str>, text: &str) -> GraphRagResult<Extraction> {
        if text.len() > super::MAX_TEXT {
            return Err(GraphRagError::invalid("the text is too long"));
        }
        if let Some(kg) = kg {
            if let ExtractorSpec::Llm { provider } = self.existing(kg).await?.config.extractor {
                return Err(GraphRagError::not_supported(format!("the LLM extractor ('{provider}') is not built yet")));
            }
        }
        Ok(deps::extract(text))
    }

    /// Paths of at most `max_hops` RELATED edges from entity `from` to entity `to` (names
    /// or keys), strongest first, at most 10.
    pub async fn reason(&self, kg: &str, from: &str, to: &str, max_hops: usize) -> GraphRagResult<Vec<ReasoningPath>> {
        if !(1..=MAX_REASON_HOPS).contains(&max_hops) {
            return Err(GraphRagError::invalid("MAX_HOPS must be between 1 and 6"));
        }
        let (_, _, g) = self.current_graph(kg).await?;
        let a = resolve(&g, from).ok_or_else(|| GraphRagError::not_found(format!("no entity '{from}'")))?;
        let b = resolve(&g, to).ok_or_else(|| GraphRagError::not_found(format!("no entity '{to}'")))?;
        Ok(deps::k_best_paths(&g.graph, a, b, max_hops, 10).into_iter().map(|(p, s)| path_of(&g, &p, s)).collect())
    }

    /// Entities, by mentions descending then key, optionally of one type.
    pub async fn entities(
        &self,
        kg: &str,
        entity_type: Option<&str>,
        limit: usize,
        offset: usize,
    ) -> GraphRagResult<Vec<EntityInfo>> {
        let (_, _, g) = self.current_graph(kg).await?;
        let mut out: Vec<EntityInfo> = g
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| entity_type.is_none_or(|t| n.record.entity_type.eq_ignore_ascii_case(t)))
            .map(|(i, n)| EntityInfo {
                key: n.key.clone(),
                name: n.record.name.clone(),
                entity_type: n.record.entity_type.clone(),
                mentions: n.record.mentions,
                degree: g.graph.adjacency.get(i).map(|a| a.len() as u64).unwrap_or(0),
                node_id: n.record.node,
            })
            .collect();
        out.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.key.cmp(&b.key)));
        Ok(out.into_iter().skip(offset).take(limit.min(MAX_LIST)).collect())
    }

    /// Entities most similar to `entity` with similarity ≥ `threshold`.
    pub async fn similar(
        &self,
        kg: &str,
        entity: &str,
        limit: usize,
        threshold: f64,
    ) -> GraphRagResult<Vec<SimilarEntity>> {
        if !threshold.is_finite() {
            return Err(GraphRagError::invalid("THRESHOLD must be a number"));
        }
        let (rec, state, g) = self.current_graph(kg).await?;
        let id = resolve(&g, entity).ok_or_else(|| GraphRagError::not_found(format!("no entity '{entity}'")))?;
        let mut tx = self.storage.begin().await?;
        self.ensure_vectors(&state, &rec, tx.as_mut()).await?;
        tx.rollback().await?;
        let node = g.nodes[id as usize].record.node;
        let hits = {
            let guard = state.vectors.read();
            let Some(vectors) = guard.as_ref() else { return Ok(Vec::new()) };
            let Some(query) = vectors.entities.get(node).map(<[f32]>::to_vec) else { return Ok(Vec::new()) };
            vectors.entities.search(&query, limit.min(MAX_LIST) + 1)?
        };
        let mut out: Vec<SimilarEntity> = hits
            .into_iter()
            .filter(|(n, s)| *n != node && *s >= threshold)
            .filter_map(|(n, s)| g.by_node.get(&n).and_then(|&i| g.nodes.get(i as usize)).map(|node| (node, s)))
            .map(|(n, s)| SimilarEntity {
                key: n.key.clone(),
                name: n.record.name.clone(),
                entity_type: n.record.entity_type.clone(),
                similarity: s,
            })
            .collect();
        out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.key.cmp(&b.key)));
        out.truncate(limit);
        Ok(out)
    }

    /// Communities (detected on demand when the graph changed since the last detection),
    /// of one level or all.
    pub async fn communities(&self, kg: &str, level: Option<u32>) -> GraphRagResult<Vec<CommunityInfo>> {
        let rec = self.existing(kg).await?;
        let state = self.state(kg, &rec).await?;
        let records = self.current_communities(kg, &rec, &state, true).await?;
        let mut tx = self.storage.begin().await?;
        let rec = self.existing(kg).await?;
        let g = self.entity_graph(&state, &rec, tx.as_mut()).await?;
        tx.rollback().await?;
        Ok(records
            .records
            .iter()
            .filter(|c| level.is_none_or(|l| l == c.level))
            .map(|c| CommunityInfo {
                id: c.id(),
                level: c.level,
                size: c.members.len() as u64,
                entities: c
                    .members
                    .iter()
                    .take(COMMUNITY_NAMES)
                    .map(|k| {
                        g.by_key.get(k).map(|&i| g.nodes[i as usize].record.name.clone()).unwrap_or_else(|| k.clone())
                    })
                    .collect(),
                summary: c.summary.clone(),
            })
            .collect())
    }

    /// The stored communities of `kg`, detected again first when they are older than the
    /// graph — always when `wait`, else only when no build holds the writer lock.
    pub(crate) async fn current_communities(
        &self,
        kg: &str,
        rec: &KgRecord,
        state: &super::state::KgState,
        wait: bool,
    ) -> GraphRagResult<Arc<Communities>> {
        if rec.communities_generation != rec.generation {
            let guard = if wait { Some(state.writer.lock().await) } else { state.writer.try_lock().ok() };
            if let Some(_writer) = guard {
                self.detect(kg, state).await?;
            }
        }
        let mut tx = self.storage.begin().await?;
        // A detection stores its communities with the generation it saw, never seen twice.
        let detected =
            self.store.kg(tx.as_mut(), kg).await?.filter(|r| r.id == rec.id).map(|r| r.communities_generation);
        let cached = state.communities.read().as_ref().filter(|c| Some(c.generation) == detected).cloned();
        if let Some(cached) = cached {
            tx.rollback().await?;
            return Ok(cached);
        }
        let mut records = Vec::new();
        for (_, value) in self.store.scan(tx.as_mut(), keys::communities(rec.id)).await? {
            records.push(CommunityRecord::decode(&value)?);
        }
        tx.rollback().await?;
        let summary_terms = records.iter().map(|c| deps::terms(&c.summary).into_iter().collect()).collect();
        let read = Arc::new(Communities { generation: detected.unwrap_or(0), records, summary_terms });
        if let Some(generation) = detected {
            let mut slot = state.communities.write();
            if slot.as_ref().is_none_or(|c| c.generation < generation) {
                *slot = Some(read.clone());
            }
        }
        Ok(read)
    }

    /// Detects communities of `kg` (its writer lock held) and stores them in one
    /// transaction when the graph changed since the last detection.
    async fn detect(&self, kg: &str, state: &super::state::KgState) -> GraphRagResult<()> {
        let mut tx = self.storage.begin().await?;
        let Some(mut rec) = self.store.kg(tx.as_mut(), kg).await?.filter(|r| r.id == state.id) else {
            tx.rollback().await?;
            return Ok(());
        };
        if rec.communities_generation == rec.generation {
            tx.rollback().await?;
            return Ok(());
        }
        let g = self.entity_graph(state, &rec, tx.as_mut()).await?;
        let levels = deps::communities(&g.graph, rec.config.seed);
        let mut detected: Vec<CommunityRecord> = Vec::new();
        for (level, assignment) in levels.iter().enumerate() {
            let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
            for (node, &c) in assignment.iter().enumerate() {
                groups.entry(c).or_default().push(node as u32);
            }
            let mut groups: Vec<Vec<u32>> = groups.into_values().filter(|m| m.len() >= 2).collect();
            for members in &mut groups {
                let strength = |i: u32| g.graph.strength(i);
                members.sort_by(|a, b| strength(*b).total_cmp(&strength(*a)).then(a.cmp(b)));
            }
            groups.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.first().cmp(&b.first())));
            for (ordinal, members) in groups.into_iter().enumerate() {
                let summary = self.summarise(tx.as_mut(), &rec, &g, &members).await?;
                detected.push(CommunityRecord {
                    level: level as u32,
                    ordinal: ordinal as u32,
                    node: 0,
                    members: members.iter().map(|&m| g.nodes[m as usize].key.clone()).collect(),
                    summary,
                });
            }
        }
        let old = self.store.scan(tx.as_mut(), keys::communities(rec.id)).await?;
        let mut gt = state.graph.txn_over(tx);
        for (_, value) in &old {
            let c = CommunityRecord::decode(value)?;
            if gt.node(c.node).await?.is_some() {
                gt.delete_node(c.node, true).await?;
            }
        }
        for c in &mut detected {
            let props: Properties = [
                ("id".to_string(), Value::Text(c.id())),
                ("level".to_string(), Value::Int(i64::from(c.level))),
                ("summary".to_string(), Value::Text(c.summary.clone())),
                ("size".to_string(), Value::Int(c.members.len() as i64)),
            ]
            .into_iter()
            .collect();
            c.node = gt.create_node(&["Community".to_string()], props).await?.id;
            for key in &c.members {
                if let Some(&i) = g.by_key.get(key) {
                    gt.create_relationship("IN_COMMUNITY", g.nodes[i as usize].record.node, c.node, Properties::new())
                        .await?;
                }
            }
        }
        let mut tx = gt.into_inner();
        for (key, _) in &old {
            self.store.delete(tx.as_mut(), key).await?;
        }
        for c in &detected {
            self.store.put(tx.as_mut(), &keys::community(rec.id, c.level, c.ordinal), c.encode()).await?;
        }
        rec.communities_generation = rec.generation;
        rec.communities = detected.len() as u64;
        rec.community_levels = detected.iter().map(|c| c.level + 1).max().unwrap_or(0) as u64;
        self.store.put_kg(tx.as_mut(), kg, &rec).await?;
        tx.commit().await?;
        // The record changed without a new generation: cached state stays valid.
        Ok(())
    }

    /// The extractive summary of a community: sentences of the chunks mentioning its
    /// most central members.
    async fn summarise(
        &self,
        tx: &mut dyn orbit_storage::Transaction,
        rec: &KgRecord,
        g: &EntityGraph,
        members: &[u32],
    ) -> GraphRagResult<String> {
        let member_keys: Vec<(String, f64)> =
            members.iter().map(|&m| (g.nodes[m as usize].key.clone(), g.graph.strength(m))).collect();
        let mut chunks: Vec<u64> =
            members.iter().take(5).flat_map(|&m| g.nodes[m as usize].chunks.iter().copied()).collect();
        chunks.sort_unstable();
        chunks.dedup();
        chunks.truncate(SUMMARY_CHUNKS);
        let mut sentences = Vec::new();
        for number in chunks {
            let Some(chunk) = self.store.chunk(tx, rec.id, number).await? else { continue };
            for (s, e) in deps::sentences(&chunk.text) {
                let Some(text) = chunk.text.get(s..e) else { continue };
                let named: Vec<String> = deps::mentions(text).into_iter().map(|m| m.key).collect();
                sentences.push((text.trim().to_string(), named));
            }
        }
        Ok(deps::summary(&sentences, &member_keys))
    }

    pub async fn stats(&self, kg: &str) -> GraphRagResult<KgStats> {
        let rec = self.existing(kg).await?;
        Ok(KgStats {
            name: kg.to_string(),
            documents: rec.documents,
            chunks: rec.chunks,
            entities: rec.entities,
            relationships: rec.relationships,
            communities: rec.communities,
            community_levels: rec.community_levels,
            embedder: rec.embedder_id.clone(),
            embedding_dim: rec.embedding_dim,
            chunk_tokens: rec.config.chunk_tokens as u64,
            overlap: rec.config.overlap as u64,
            graph_table: keys::graph_table(rec.id),
        })
    }
}
