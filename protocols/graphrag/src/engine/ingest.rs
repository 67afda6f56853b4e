//! One document's change of a knowledge graph, in one storage transaction: the removal of
//! what an earlier version of the document contributed (re-ingest, delete) and the
//! addition of the new version, as three phases over the same transaction — read every
//! row the change touches, write the knowledge graph through orbit-graph, write the
//! engine's rows and counters. Entities and entity pairs are kept in working sets so the
//! removal and the addition net out before anything is written.

use super::prepare::{chunk_pairs, Prepared};
use super::vectors::VectorDelta;
use crate::error::{GraphRagError, GraphRagResult};
use crate::store::codec::encode_f32s;
use crate::store::keys;
use crate::store::records::{encode_posting, ChunkRecord, DocRecord, EntityRecord, KgRecord, PairRecord};
use crate::store::Store;
use crate::types::BuildReport;
use orbit_graph::{Graph, GraphError, GraphTxn, Properties, Value};
use orbit_storage::Transaction;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

struct EntityWork {
    before: Option<EntityRecord>,
    after: EntityRecord,
}

struct PairWork {
    before: Option<PairRecord>,
    after: PairRecord,
}

/// What a change did, for the caller's report and its in-memory indexes.
pub struct Outcome {
    pub report: BuildReport,
    pub delta: VectorDelta,
    pub record: KgRecord,
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn labels(name: &str) -> Vec<String> {
    vec![name.to_string()]
}

/// The RELATED weight of a pair: co-mentions damped by a log, raised by positive PMI,
/// plus the confidence of every typed relation stated between them.
pub fn pair_weight(pair: &PairRecord, mentions_a: u64, mentions_b: u64, chunks: u64) -> f64 {
    let npmi = super::deps::npmi(pair.count, mentions_a, mentions_b, chunks);
    let typed: f64 = pair.typed.iter().map(|t| t.3).sum();
    (1.0 + pair.count as f64).ln() * (1.0 + npmi.max(0.0)) + typed
}

/// Replaces document `doc_id` of the knowledge graph `name` (record `rec`) by `new`, or
/// removes it when `new` is `None`. Leaves `tx` uncommitted.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    store: &Store,
    graph: &Arc<Graph>,
    mut tx: Box<dyn Transaction>,
    name: &str,
    mut rec: KgRecord,
    doc_id: &str,
    meta: &[(String, String)],
    new: Option<&Prepared>,
) -> GraphRagResult<(Box<dyn Transaction>, Outcome)> {
    let id = rec.id;
    let mut delta = VectorDelta::default();
    let mut report = BuildReport {
        entities_extracted: 0,
        relationships_extracted: 0,
        graph_nodes_created: 0,
        graph_relationships_created: 0,
        chunks: 0,
        processing_time_ms: 0,
    };

    // ---- read ----
    let old_doc = store.doc(tx.as_mut(), id, doc_id).await?;
    let mut old_chunks = Vec::new();
    if let Some(doc) = &old_doc {
        for &number in &doc.chunks {
            let chunk = store
                .chunk(tx.as_mut(), id, number)
                .await?
                .ok_or_else(|| GraphRagError::corrupt(format!("chunk {number} of document '{doc_id}' is missing")))?;
            old_chunks.push((number, chunk));
        }
    }
    let mut entity_keys: BTreeSet<String> = BTreeSet::new();
    let mut pair_keys: BTreeSet<(String, String)> = BTreeSet::new();
    let ordered =
        |a: &str, b: &str| if a < b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) };
    for (_, chunk) in &old_chunks {
        entity_keys.extend(chunk.entities.iter().map(|e| e.0.clone()));
        pair_keys.extend(chunk_pairs(&chunk.entities));
    }
    for (s, t, _, _) in old_doc.iter().flat_map(|d| d.relations.iter()) {
        pair_keys.insert(ordered(s, t));
    }
    if let Some(new) = new {
        entity_keys.extend(new.entities.keys().cloned());
        for chunk in &new.chunks {
            pair_keys.extend(chunk_pairs(&chunk.entities));
        }
        for (s, t, _, _) in &new.relations {
            pair_keys.insert(ordered(s, t));
        }
    }
    let mut entities: BTreeMap<String, EntityWork> = BTreeMap::new();
    for key in entity_keys {
        let before = store.entity(tx.as_mut(), id, &key).await?;
        let after = match (&before, new.and_then(|n| n.entities.get(&key))) {
            (Some(b), _) => b.clone(),
            (None, Some((name, ty))) => {
                EntityRecord { name: name.clone(), entity_type: ty.clone(), mentions: 0, node: 0 }
            }
            (None, None) => EntityRecord { name: key.clone(), entity_type: "OTHER".into(), mentions: 0, node: 0 },
        };
        entities.insert(key, EntityWork { before, after });
    }
    let mut pairs: BTreeMap<(String, String), PairWork> = BTreeMap::new();
    for (a, b) in pair_keys {
        let before = store.pair(tx.as_mut(), id, &a, &b).await?;
        let after = before.clone().unwrap_or(PairRecord { count: 0, typed: Vec::new(), rel: 0, weight: 0.0 });
        pairs.insert((a, b), PairWork { before, after });
    }

    // ---- net the removal and the addition ----
    for (_, chunk) in &old_chunks {
        for (key, _) in &chunk.entities {
            if let Some(e) = entities.get_mut(key) {
                e.after.mentions = e.after.mentions.saturating_sub(1);
            }
        }
        for p in chunk_pairs(&chunk.entities) {
            if let Some(w) = pairs.get_mut(&p) {
                w.after.count = w.after.count.saturating_sub(1);
            }
        }
        rec.chunks = rec.chunks.saturating_sub(1);
        rec.total_tokens = rec.total_tokens.saturating_sub(chunk.tokens);
        rec.total_terms = rec.total_terms.saturating_sub(chunk.term_count());
    }
    delta.removed_chunks = old_chunks.iter().map(|c| c.0).collect();
    for (s, t, ty, conf) in old_doc.iter().flat_map(|d| d.relations.iter()) {
        let key = ordered(s, t);
        if let Some(w) = pairs.get_mut(&key) {
            let forward = *s == key.0;
            if let Some(slot) = w.after.typed.iter_mut().find(|x| x.0 == *ty && x.1 == forward) {
                slot.2 = slot.2.saturating_sub(1);
                slot.3 -= conf;
            }
            w.after.typed.retain(|x| x.2 > 0);
        }
    }
    if let Some(new) = new {
        for chunk in &new.chunks {
            for (key, _) in &chunk.entities {
                if let Some(e) = entities.get_mut(key) {
                    e.after.mentions += 1;
                }
            }
            for p in chunk_pairs(&chunk.entities) {
                if let Some(w) = pairs.get_mut(&p) {
                    w.after.count += 1;
                }
            }
            rec.chunks += 1;
            rec.total_tokens += chunk.tokens;
            rec.total_terms += chunk.terms.iter().map(|t| u64::from(t.1)).sum::<u64>();
        }
        for (s, t, ty, conf) in &new.relations {
            let key = ordered(s, t);
            if let Some(w) = pairs.get_mut(&key) {
                let forward = *s == key.0;
                match w.after.typed.iter_mut().find(|x| x.0 == *ty && x.1 == forward) {
                    Some(slot) => {
                        slot.2 += 1;
                        slot.3 += conf;
                    }
                    None => w.after.typed.push((ty.clone(), forward, 1, *conf)),
                }
            }
        }
        report.entities_extracted = new.entities.len() as u64;
        let distinct_pairs: BTreeSet<(String, String)> =
            new.chunks.iter().flat_map(|c| chunk_pairs(&c.entities)).collect();
        report.relationships_extracted = new.relations.len() as u64 + distinct_pairs.len() as u64;
        report.chunks = new.chunks.len() as u64;
    }

    // ---- the knowledge graph ----
    let mut g: GraphTxn = graph.txn_over(tx);
    if let Some(doc) = &old_doc {
        for (_, chunk) in &old_chunks {
            g.delete_node(chunk.node, true).await?;
        }
        g.delete_node(doc.node, true).await?;
    }
    let mentioned = |key: &str| entities.get(key).is_some_and(|e| e.after.mentions > 0);
    let alive: BTreeSet<(String, String)> = pairs
        .iter()
        .filter(|((a, b), w)| (w.after.count > 0 || !w.after.typed.is_empty()) && mentioned(a) && mentioned(b))
        .map(|(k, _)| k.clone())
        .collect();
    for (key, w) in &pairs {
        if let Some(before) = &w.before {
            if !alive.contains(key) {
                delete_relationship(&mut g, before.rel).await?;
                rec.relationships = rec.relationships.saturating_sub(1);
            }
        }
    }
    for (key, e) in &mut entities {
        match (&e.before, e.after.mentions) {
            (Some(before), 0) => {
                g.delete_node(before.node, true).await?;
                delta.removed_entities.push(before.node);
                rec.entities = rec.entities.saturating_sub(1);
            }
            (None, 0) => {}
            (None, mentions) => {
                let props: Properties = [
                    ("key".to_string(), text(key)),
                    ("name".to_string(), text(&e.after.name)),
                    ("type".to_string(), text(&e.after.entity_type)),
                    ("mentions".to_string(), int(mentions)),
                ]
                .into_iter()
                .collect();
                e.after.node = g.create_node(&labels("Entity"), props).await?.id;
                report.graph_nodes_created += 1;
                rec.entities += 1;
                if let Some(v) = new.and_then(|n| n.entity_vectors.get(key)) {
                    delta.added_entities.push((e.after.node, v.clone()));
                }
            }
            (Some(before), mentions) => {
                if before.mentions != mentions {
                    g.set_node_property(before.node, "mentions", int(mentions)).await?;
                }
            }
        }
    }
    let mut doc_node = 0;
    let mut new_chunks: Vec<(u64, ChunkRecord)> = Vec::new();
    if let Some(new) = new {
        let mut props: Properties = meta.iter().map(|(k, v)| (k.clone(), text(v))).collect();
        props.insert("kg".into(), text(name));
        props.insert("doc_id".into(), text(doc_id));
        doc_node = g.create_node(&labels("Document"), props).await?.id;
        report.graph_nodes_created += 1;
        for chunk in &new.chunks {
            let number = rec.next_chunk;
            rec.next_chunk += 1;
            let chunk_id = format!("{doc_id}#{}", chunk.ordinal);
            let props: Properties = [
                ("chunk_id".to_string(), text(&chunk_id)),
                ("doc_id".to_string(), text(doc_id)),
                ("ordinal".to_string(), int(u64::from(chunk.ordinal))),
                ("text".to_string(), text(&chunk.text)),
                ("tokens".to_string(), int(chunk.tokens)),
            ]
            .into_iter()
            .collect();
            let node = g.create_node(&labels("Chunk"), props).await?.id;
            let has: Properties = [("ordinal".to_string(), int(u64::from(chunk.ordinal)))].into_iter().collect();
            g.create_relationship("HAS_CHUNK", doc_node, node, has).await?;
            report.graph_nodes_created += 1;
            report.graph_relationships_created += 1;
            for (key, count) in &chunk.entities {
                if let Some(e) = entities.get(key) {
                    let props: Properties = [("count".to_string(), int(u64::from(*count)))].into_iter().collect();
                    g.create_relationship("MENTIONS", node, e.after.node, props).await?;
                    report.graph_relationships_created += 1;
                }
            }
            delta.added_chunks.push((number, chunk.embedding.clone()));
            new_chunks.push((
                number,
                ChunkRecord {
                    doc_id: doc_id.to_string(),
                    ordinal: chunk.ordinal,
                    text: chunk.text.clone(),
                    tokens: chunk.tokens,
                    node,
                    terms: chunk.terms.clone(),
                    entities: chunk.entities.clone(),
                },
            ));
        }
    }
    for ((a, b), w) in &mut pairs {
        if !alive.contains(&(a.clone(), b.clone())) {
            continue;
        }
        let (Some(ea), Some(eb)) = (entities.get(a), entities.get(b)) else {
            return Err(GraphRagError::corrupt("an entity pair without its entities"));
        };
        w.after.weight = pair_weight(&w.after, ea.after.mentions, eb.after.mentions, rec.chunks);
        let (ty, forward) = w.after.dominant();
        let (start, end) = if forward { (ea.after.node, eb.after.node) } else { (eb.after.node, ea.after.node) };
        let same_shape = match (&w.before, g.relationship(w.after.rel).await?) {
            (Some(_), Some(rel)) => rel.ty == "RELATED" && rel.start == start && rel.end == end,
            _ => false,
        };
        let props: Properties = [
            ("type".to_string(), text(&ty)),
            ("weight".to_string(), Value::Float(w.after.weight)),
            ("count".to_string(), int(w.after.count)),
        ]
        .into_iter()
        .collect();
        if same_shape {
            for (k, v) in props {
                g.set_relationship_property(w.after.rel, &k, v).await?;
            }
        } else {
            if w.before.is_some() {
                delete_relationship(&mut g, w.after.rel).await?;
            } else {
                rec.relationships += 1;
            }
            w.after.rel = g.create_relationship("RELATED", start, end, props).await?.id;
            report.graph_relationships_created += 1;
        }
    }

    // ---- the engine's rows ----
    let mut tx = g.into_inner();
    let t = tx.as_mut();
    for (number, chunk) in &old_chunks {
        remove_chunk_rows(store, t, id, *number, chunk).await?;
    }
    for (number, chunk) in &new_chunks {
        store.put(t, &keys::chunk(id, *number), chunk.encode()).await?;
        let length = chunk.term_count();
        for (term, tf) in &chunk.terms {
            store.put(t, &keys::posting(id, term, *number), encode_posting(*tf, length)).await?;
        }
        for (key, count) in &chunk.entities {
            store.put(t, &keys::mention(id, key, *number), encode_posting(*count, 0)).await?;
        }
    }
    for (number, v) in &delta.added_chunks {
        store.put(t, &keys::embedding(id, *number), encode_f32s(v)).await?;
    }
    for (key, e) in &entities {
        if e.after.mentions == 0 {
            if e.before.is_some() {
                store.delete(t, &keys::entity(id, key)).await?;
                store.delete(t, &keys::entity_embedding(id, key)).await?;
            }
            continue;
        }
        if e.before.as_ref() != Some(&e.after) {
            store.put(t, &keys::entity(id, key), e.after.encode()).await?;
        }
        if e.before.is_none() {
            if let Some(v) = new.and_then(|n| n.entity_vectors.get(key)) {
                store.put(t, &keys::entity_embedding(id, key), encode_f32s(v)).await?;
            }
        }
    }
    for ((a, b), w) in &pairs {
        if !alive.contains(&(a.clone(), b.clone())) {
            if w.before.is_some() {
                store.delete(t, &keys::pair(id, a, b)).await?;
            }
        } else if w.before.as_ref() != Some(&w.after) {
            store.put(t, &keys::pair(id, a, b), w.after.encode()).await?;
        }
    }
    match new {
        Some(new) => {
            let doc = DocRecord {
                meta: meta.to_vec(),
                node: doc_node,
                chunks: new_chunks.iter().map(|c| c.0).collect(),
                relations: new.relations.clone(),
            };
            store.put(t, &keys::doc(id, doc_id), doc.encode()).await?;
            if old_doc.is_none() {
                rec.documents += 1;
            }
        }
        None => {
            if old_doc.is_some() {
                store.delete(t, &keys::doc(id, doc_id)).await?;
                rec.documents = rec.documents.saturating_sub(1);
            }
        }
    }
    rec.generation += 1;
    store.put_kg(t, name, &rec).await?;
    Ok((tx, Outcome { report, delta, record: rec }))
}

async fn delete_relationship(g: &mut GraphTxn, rel: u64) -> GraphRagResult<()> {
    match g.delete_relationship(rel).await {
        Ok(()) | Err(GraphError::RelationshipNotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

async fn remove_chunk_rows(
    store: &Store,
    t: &mut dyn Transaction,
    id: u32,
    number: u64,
    chunk: &ChunkRecord,
) -> GraphRagResult<()> {
    store.delete(t, &keys::chunk(id, number)).await?;
    store.delete(t, &keys::embedding(id, number)).await?;
    for (term, _) in &chunk.terms {
        store.delete(t, &keys::posting(id, term, number)).await?;
    }
    for (key, _) in &chunk.entities {
        store.delete(t, &keys::mention(id, key, number)).await?;
    }
    Ok(())
}
