//! The engine over the in-memory storage engine: catalog, build/replace/delete semantics,
//! one transaction per document, determinism across engines and reopening, the embedder
//! check, the graph shape seen through orbit-graph, and the retrieval modes.

use super::GraphRag;
use crate::config::{EmbedderSpec, EngineOptions, KgConfig};
use crate::error::ErrorKind;
use crate::store::keys;
use crate::store::records::KgRecord;
use crate::types::*;
use orbit_graph::{Direction, Graph, Value};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::atomic::Ordering;
use std::sync::Arc;

const CORPUS: &[(&str, &str)] = &[
    ("northwind", "Alice Marlow founded Northwind Laboratories in 1962. Northwind Laboratories makes optical sensors."),
    ("marlow", "Alice Marlow was born in Port Elmsworth. Alice Marlow studied chemistry at Halden University."),
    ("northwind-hq", "Northwind Laboratories is headquartered in Brightwater. Its engineers design lenses."),
    ("northwind-plant", "Northwind Laboratories opened a plant in Kestrel Bay in 1980."),
    ("carter", "Ben Carter was born in Lowmoor. Ben Carter founded Sable Dynamics."),
    ("sable", "Sable Dynamics builds drones in Lowmoor and sells them to farmers."),
    ("weather", "Rain fell on the harbour for three days and the ferries stopped running."),
];

async fn storage() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap()
}

fn config() -> KgConfig {
    KgConfig { embedder: EmbedderSpec::Hashing { dim: 64 }, ..KgConfig::default() }
}

async fn engine_with_corpus(storage: Arc<dyn TableStorage>) -> Arc<GraphRag> {
    let engine = GraphRag::open(storage, EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    for (doc, text) in CORPUS {
        engine.build("kg", doc, text, &[("source".to_string(), "test".to_string())]).await.unwrap();
    }
    engine
}

fn ids(results: &[RetrievedChunk]) -> Vec<&str> {
    results.iter().map(|r| r.chunk_id.as_str()).collect()
}

async fn snapshot_of(engine: &GraphRag) -> (KgStats, Vec<EntityInfo>, Vec<Vec<RetrievedChunk>>) {
    let stats = engine.stats("kg").await.unwrap();
    let entities = engine.entities("kg", None, 1000, 0).await.unwrap();
    let mut rankings = Vec::new();
    for mode in RetrieveMode::ALL {
        if mode == RetrieveMode::Global {
            continue;
        }
        let options = RetrieveOptions { mode, k: 4, max_hops: 2 };
        rankings.push(
            engine.retrieve("kg", "Where was the founder of Northwind Laboratories born?", &options).await.unwrap(),
        );
    }
    (stats, entities, rankings)
}

#[tokio::test]
async fn catalog_create_list_config_drop() {
    let engine = GraphRag::open(storage().await, EngineOptions::default()).await.unwrap();
    engine.create("b", config()).await.unwrap();
    engine.create("a", KgConfig { chunk_tokens: 64, overlap: 8, ..config() }).await.unwrap();
    assert_eq!(engine.create("a", config()).await.unwrap_err().kind, ErrorKind::AlreadyExists);
    assert_eq!(engine.list().await.unwrap(), vec!["a", "b"]);
    assert_eq!(engine.config("a").await.unwrap().chunk_tokens, 64);
    assert_eq!(engine.config("zzz").await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(
        engine.create("c", KgConfig { chunk_tokens: 4, ..config() }).await.unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    engine.build("a", "d1", "Alice Marlow founded Northwind Laboratories.", &[]).await.unwrap();
    let table = engine.graph_table("a").await.unwrap();
    assert!(engine.storage().table_schema(&table).await.unwrap().is_some());
    assert!(engine.drop_kg("a").await.unwrap());
    assert!(!engine.drop_kg("a").await.unwrap());
    assert_eq!(engine.list().await.unwrap(), vec!["b"]);
    assert!(engine.storage().table_schema(&table).await.unwrap().is_none(), "the graph table goes with it");
    // A new graph of the old name starts empty.
    engine.create("a", config()).await.unwrap();
    assert_eq!(engine.stats("a").await.unwrap().chunks, 0);
    assert!(engine.retrieve("a", "Alice", &RetrieveOptions::default()).await.unwrap().is_empty());
    // BUILD creates a missing graph with the defaults.
    engine.build("fresh", "d", "Ben Carter was born in Lowmoor.", &[]).await.unwrap();
    assert_eq!(engine.stats("fresh").await.unwrap().documents, 1);
}

#[tokio::test]
async fn build_report_and_graph_shape() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    let report =
        engine.build("kg", "northwind", CORPUS[0].1, &[("author".to_string(), "ann".to_string())]).await.unwrap();
    assert_eq!(report.chunks, 1);
    assert!(report.entities_extracted >= 2, "{report:?}");
    assert!(report.relationships_extracted >= 1, "{report:?}");
    // Document + chunk + entities; HAS_CHUNK + MENTIONS + RELATED.
    assert_eq!(report.graph_nodes_created, 2 + report.entities_extracted);
    assert!(report.graph_relationships_created >= 1 + report.entities_extracted + 1, "{report:?}");

    let stats = engine.stats("kg").await.unwrap();
    let graph = Graph::open_table(storage, &stats.graph_table).await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let docs = tx.node_ids(Some("Document"), None, 10).await.unwrap();
    assert_eq!(docs.len(), 1);
    let doc = tx.node(docs[0]).await.unwrap().unwrap();
    assert_eq!(doc.properties.get("doc_id"), Some(&Value::Text("northwind".into())));
    assert_eq!(doc.properties.get("kg"), Some(&Value::Text("kg".into())));
    assert_eq!(doc.properties.get("author"), Some(&Value::Text("ann".into())));
    let has = tx.expand(doc.id, Direction::Outgoing, &["HAS_CHUNK".to_string()]).await.unwrap();
    assert_eq!(has.len(), 1);
    let chunk = tx.node(has[0].other).await.unwrap().unwrap();
    assert_eq!(chunk.labels, vec!["Chunk"]);
    assert_eq!(chunk.properties.get("chunk_id"), Some(&Value::Text("northwind#0".into())));
    let mentions = tx.expand(chunk.id, Direction::Outgoing, &["MENTIONS".to_string()]).await.unwrap();
    assert_eq!(mentions.len() as u64, report.entities_extracted);
    let entity_ids = tx.node_ids(Some("Entity"), None, 100).await.unwrap();
    let mut founded = false;
    for id in entity_ids {
        let e = tx.node(id).await.unwrap().unwrap();
        assert!(e.properties.contains_key("key") && e.properties.contains_key("type"));
        for rel in tx.expand(id, Direction::Outgoing, &["RELATED".to_string()]).await.unwrap() {
            let rel = tx.relationship(rel.rel).await.unwrap().unwrap();
            assert!(matches!(rel.properties.get("weight"), Some(Value::Float(w)) if *w > 0.0));
            if rel.properties.get("type") == Some(&Value::Text("FOUNDED".into())) {
                assert_eq!(e.properties.get("name"), Some(&Value::Text("Alice Marlow".into())), "founder → founded");
                founded = true;
            }
        }
    }
    assert!(founded, "the FOUNDED relation is a RELATED edge from the founder");
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn delete_returns_to_the_previous_state_and_reingest_replaces() {
    let engine = GraphRag::open(storage().await, EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    for (doc, text) in &CORPUS[..3] {
        engine.build("kg", doc, text, &[]).await.unwrap();
    }
    let before = snapshot_of(&engine).await;
    engine.build("kg", "carter", CORPUS[4].1, &[]).await.unwrap();
    engine.build("kg", "marlow-2", "Alice Marlow married Ben Carter in Lowmoor.", &[]).await.unwrap();
    assert_ne!(engine.stats("kg").await.unwrap().entities, before.0.entities);
    assert!(engine.delete_document("kg", "carter").await.unwrap());
    assert!(engine.delete_document("kg", "marlow-2").await.unwrap());
    assert!(!engine.delete_document("kg", "marlow-2").await.unwrap());
    assert_eq!(snapshot_of(&engine).await, before, "counts, entities and rankings as before");

    // Re-ingesting a document replaces it: the same as building the new version only.
    engine.build("kg", "marlow", "Alice Marlow was born in Kestrel Bay.", &[]).await.unwrap();
    let replaced = snapshot_of(&engine).await;
    let other = GraphRag::open(storage().await, EngineOptions::default()).await.unwrap();
    other.create("kg", config()).await.unwrap();
    for (doc, text) in [CORPUS[0], ("marlow", "Alice Marlow was born in Kestrel Bay."), CORPUS[2]] {
        other.build("kg", doc, text, &[]).await.unwrap();
    }
    let fresh = snapshot_of(&other).await;
    assert_eq!(replaced.0.documents, 3);
    assert_eq!(
        (replaced.0.chunks, replaced.0.entities, replaced.0.relationships),
        (fresh.0.chunks, fresh.0.entities, fresh.0.relationships)
    );
    assert_eq!(
        replaced.1,
        fresh
            .1
            .iter()
            .map(|e| EntityInfo {
                node_id: replaced.1.iter().find(|r| r.key == e.key).map(|r| r.node_id).unwrap_or(0),
                ..e.clone()
            })
            .collect::<Vec<_>>()
    );
    let old_text = engine
        .retrieve("kg", "Port Elmsworth", &RetrieveOptions { mode: RetrieveMode::Bm25, k: 10, max_hops: 2 })
        .await
        .unwrap();
    assert!(old_text.iter().all(|r| !r.text.contains("Port Elmsworth")), "the old version's text is gone");
}

#[tokio::test]
async fn a_failed_build_leaves_nothing() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    engine.build("kg", "northwind", CORPUS[0].1, &[]).await.unwrap();
    let before = snapshot_of(&engine).await;
    let table = engine.graph_table("kg").await.unwrap();
    let count_rows = |storage: Arc<dyn TableStorage>, table: String| async move {
        let handle = storage.table_handle(&table).await.unwrap();
        let mut tx = storage.begin().await.unwrap();
        let n = tx.kv_scan(&handle, &orbit_storage::engine::KeyRange::all(), false, usize::MAX).await.unwrap().len();
        tx.rollback().await.unwrap();
        n
    };
    let graph_rows = count_rows(storage.clone(), table.clone()).await;
    let engine_rows = count_rows(storage.clone(), keys::TABLE.to_string()).await;
    engine.fail_before_commit.store(true, Ordering::SeqCst);
    let err = engine.build("kg", "marlow", CORPUS[1].1, &[]).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Storage);
    assert!(engine.build("kg", "northwind", "Something else entirely.", &[]).await.is_err());
    assert!(engine.delete_document("kg", "northwind").await.is_err());
    engine.fail_before_commit.store(false, Ordering::SeqCst);
    assert_eq!(count_rows(storage.clone(), table).await, graph_rows, "no graph element of the failed builds");
    assert_eq!(count_rows(storage, keys::TABLE.to_string()).await, engine_rows, "no engine row either");
    assert_eq!(snapshot_of(&engine).await, before);
    // And the engine goes on working.
    engine.build("kg", "marlow", CORPUS[1].1, &[]).await.unwrap();
    assert_eq!(engine.stats("kg").await.unwrap().documents, 2);
}

#[tokio::test]
async fn every_mode_is_deterministic_across_engines_and_reopening() {
    let storage_a = storage().await;
    let a = engine_with_corpus(storage_a.clone()).await;
    let b = engine_with_corpus(storage().await).await;
    let questions = [
        "Where was the founder of Northwind Laboratories born?",
        "What does Sable Dynamics build?",
        "rain harbour ferries",
        "Who studied chemistry?",
    ];
    let reopened = GraphRag::open(storage_a, EngineOptions::default()).await.unwrap();
    for mode in RetrieveMode::ALL {
        for question in questions {
            for k in [1, 3, 100] {
                let options = RetrieveOptions { mode, k, max_hops: 2 };
                let first = a.retrieve("kg", question, &options).await.unwrap();
                assert_eq!(first.len(), k.min(CORPUS.len()), "{mode:?} answers min(k, chunks)");
                assert_eq!(b.retrieve("kg", question, &options).await.unwrap(), first, "{mode:?} {question}");
                assert_eq!(
                    reopened.retrieve("kg", question, &options).await.unwrap(),
                    first,
                    "{mode:?} after reopening"
                );
                assert_eq!(a.retrieve("kg", question, &options).await.unwrap(), first, "{mode:?} twice");
                for pair in first.windows(2) {
                    assert!(
                        pair[0].score > pair[1].score
                            || (pair[0].score == pair[1].score && pair[0].chunk_id < pair[1].chunk_id),
                        "{mode:?}: best first, ties by chunk id"
                    );
                }
            }
        }
    }
    let empty = GraphRag::open(storage().await, EngineOptions::default()).await.unwrap();
    empty.create("kg", config()).await.unwrap();
    for mode in RetrieveMode::ALL {
        let options = RetrieveOptions { mode, k: 5, max_hops: 2 };
        assert!(empty.retrieve("kg", "anything at all", &options).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn graph_modes_find_the_bridge_passage() {
    let engine = engine_with_corpus(storage().await).await;
    let question = "Where was the founder of Northwind Laboratories born?";
    let ppr =
        engine.retrieve("kg", question, &RetrieveOptions { mode: RetrieveMode::Ppr, k: 2, max_hops: 2 }).await.unwrap();
    assert_eq!(ids(&ppr), vec!["northwind#0", "marlow#0"], "the founding and the founder's birth");
    // Hybrid lifts the bridge passage above where naive has it.
    let rank = |mode| {
        let engine = engine.clone();
        async move {
            let all = engine.retrieve("kg", question, &RetrieveOptions { mode, k: 10, max_hops: 2 }).await.unwrap();
            all.iter().position(|r| r.chunk_id == "marlow#0").unwrap_or(usize::MAX)
        }
    };
    let (naive, hybrid) = (rank(RetrieveMode::Naive).await, rank(RetrieveMode::Hybrid).await);
    assert!(hybrid < naive, "hybrid {hybrid}, naive {naive}");
    // A question naming no known entity falls back to naive, and says so.
    let options = QueryOptions {
        retrieve: RetrieveOptions { mode: RetrieveMode::Ppr, k: 3, max_hops: 2 },
        context_size: 3,
        include_explanation: true,
        ..QueryOptions::default()
    };
    let answer = engine.query("kg", "rain on the harbour", &options).await.unwrap();
    assert!(answer.explanation.as_deref().unwrap_or("").contains("naive ranking used"), "{:?}", answer.explanation);
    let naive = engine
        .retrieve("kg", "rain on the harbour", &RetrieveOptions { mode: RetrieveMode::Naive, k: 3, max_hops: 2 })
        .await
        .unwrap();
    assert_eq!(ids(&naive), answer.citations.iter().map(|c| c.chunk_id.as_str()).collect::<Vec<_>>());
}

#[tokio::test]
async fn query_answers_with_citations_and_paths() {
    let engine = engine_with_corpus(storage().await).await;
    let options = QueryOptions {
        retrieve: RetrieveOptions { mode: RetrieveMode::Ppr, k: 5, max_hops: 2 },
        context_size: 3,
        include_explanation: true,
        ..QueryOptions::default()
    };
    let answer = engine.query("kg", "Where was the founder of Northwind Laboratories born?", &options).await.unwrap();
    assert_eq!(answer.citations.len(), 3);
    assert!(answer.response.contains("born in Port Elmsworth"), "{}", answer.response);
    assert!(answer.response.contains('[') && answer.response.contains(']'));
    assert!(answer.entities_involved.iter().any(|e| e == "Northwind Laboratories"), "{:?}", answer.entities_involved);
    assert!((0.0..=1.0).contains(&answer.confidence) && answer.confidence > 0.0);
    assert!(answer.explanation.as_deref().unwrap_or("").contains("ppr: seeds Northwind Laboratories"));
    assert_eq!(answer.llm_provider, None);
    assert!(answer.reasoning_paths.iter().all(|p| p.relationships.len() + 1 == p.entities.len()));
    let unknown = QueryOptions { llm_provider: Some("nope".into()), ..options };
    assert_eq!(engine.query("kg", "x", &unknown).await.unwrap_err().kind, ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn entities_paths_similar_and_communities() {
    let storage = storage().await;
    let engine = engine_with_corpus(storage.clone()).await;
    let all = engine.entities("kg", None, 100, 0).await.unwrap();
    assert!(all
        .windows(2)
        .all(|w| w[0].mentions > w[1].mentions || (w[0].mentions == w[1].mentions && w[0].key < w[1].key)));
    let top = &all[0];
    assert!(top.mentions >= 3, "{top:?}");
    assert_eq!(engine.entities("kg", None, 2, 1).await.unwrap(), all[1..3].to_vec());
    let people = engine.entities("kg", Some("person"), 100, 0).await.unwrap();
    assert!(people.iter().all(|e| e.entity_type == "PERSON") && !people.is_empty());

    let paths = engine.reason("kg", "Northwind Laboratories", "port elmsworth", 3).await.unwrap();
    let first = paths.first().expect("a path through the founder");
    assert_eq!(first.entities, vec!["Northwind Laboratories", "Alice Marlow", "Port Elmsworth"]);
    assert_eq!(first.relationships[0], "FOUNDED");
    assert!(paths.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(engine.reason("kg", "Nobody Here", "Alice Marlow", 2).await.unwrap_err().kind, ErrorKind::NotFound);

    let similar = engine.similar("kg", "Northwind Laboratories", 3, -1.0).await.unwrap();
    assert_eq!(similar.len(), 3);
    assert!(similar.iter().all(|s| s.key != "northwind laboratories"));
    assert!(similar.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    assert!(engine.similar("kg", "Northwind Laboratories", 3, 1.01).await.unwrap().is_empty());

    let communities = engine.communities("kg", None).await.unwrap();
    assert!(!communities.is_empty());
    assert!(communities.iter().all(|c| c.size >= 2 && !c.summary.is_empty()));
    let stats = engine.stats("kg").await.unwrap();
    assert_eq!(stats.communities, communities.len() as u64);
    assert_eq!(engine.communities("kg", None).await.unwrap(), communities, "not detected again without a change");
    let graph = Graph::open_table(storage, &stats.graph_table).await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let nodes = tx.node_ids(Some("Community"), None, 100).await.unwrap();
    assert_eq!(nodes.len(), communities.len());
    let members = tx.expand(nodes[0], Direction::Incoming, &["IN_COMMUNITY".to_string()]).await.unwrap();
    assert!(members.len() >= 2);
    tx.rollback().await.unwrap();
    // Global mode ranks the chunks of the best community.
    let global = engine
        .retrieve("kg", "Sable Dynamics drones", &RetrieveOptions { mode: RetrieveMode::Global, k: 2, max_hops: 2 })
        .await
        .unwrap();
    assert_eq!(global.len(), 2);
}

#[tokio::test]
async fn a_changed_embedder_is_refused() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    engine.build("kg", "d", "Alice Marlow founded Northwind Laboratories.", &[]).await.unwrap();
    let handle = storage.table_handle(keys::TABLE).await.unwrap();
    let mut tx = storage.begin().await.unwrap();
    let mut rec = KgRecord::decode(&tx.kv_get(&handle, &keys::catalog("kg")).await.unwrap().unwrap()).unwrap();
    rec.fingerprint = "another-model".into();
    tx.kv_put(&handle, &keys::catalog("kg"), rec.encode()).await.unwrap();
    tx.commit().await.unwrap();
    let err = engine.build("kg", "e", "Ben Carter was born in Lowmoor.", &[]).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::EmbedderMismatch, "{err}");
    let err = engine.retrieve("kg", "Alice", &RetrieveOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::EmbedderMismatch);
}

#[tokio::test]
async fn bad_arguments_are_refused() {
    let engine = engine_with_corpus(storage().await).await;
    assert_eq!(engine.build("kg", "", "text", &[]).await.unwrap_err().kind, ErrorKind::InvalidArgument);
    assert_eq!(engine.build("kg", "d", "   ", &[]).await.unwrap_err().kind, ErrorKind::InvalidArgument);
    assert_eq!(
        engine.build("kg", "d", "t", &[("doc_id".into(), "x".into())]).await.unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        engine.retrieve("kg", "", &RetrieveOptions::default()).await.unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    let huge = RetrieveOptions { k: 1_000_000, ..RetrieveOptions::default() };
    assert_eq!(engine.retrieve("kg", "x", &huge).await.unwrap_err().kind, ErrorKind::InvalidArgument);
    assert_eq!(engine.retrieve("nope", "x", &RetrieveOptions::default()).await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(engine.reason("kg", "a", "b", 0).await.unwrap_err().kind, ErrorKind::InvalidArgument);
    assert!(engine
        .retrieve("kg", "x", &RetrieveOptions { k: 0, ..RetrieveOptions::default() })
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(start_paused = true)]
async fn vector_snapshots_are_stored_when_quiet_and_loaded_at_reopen() {
    let storage = storage().await;
    let engine = engine_with_corpus(storage.clone()).await;
    let options = RetrieveOptions { mode: RetrieveMode::Vector, k: 4, max_hops: 2 };
    let question = "Who founded Sable Dynamics?";
    let expected = engine.retrieve("kg", question, &options).await.unwrap();
    tokio::time::sleep(super::SNAPSHOT_IDLE * 2).await;
    let rec = engine.existing("kg").await.unwrap();
    let handle = storage.table_handle(keys::TABLE).await.unwrap();
    let read = |which| {
        let storage = storage.clone();
        let handle = handle.clone();
        async move {
            let mut tx = storage.begin().await.unwrap();
            let bytes = tx.kv_get(&handle, &keys::snapshot(rec.id, which)).await.unwrap();
            tx.rollback().await.unwrap();
            bytes
        }
    };
    let chunks = read(keys::SNAPSHOT_CHUNKS).await.expect("a chunk snapshot after two quiet seconds");
    assert!(read(keys::SNAPSHOT_ENTITIES).await.is_some());
    let mut r = crate::store::codec::Reader::new(&chunks, "test");
    assert_eq!(r.u64().unwrap(), rec.generation);

    let reopened = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    assert_eq!(reopened.retrieve("kg", question, &options).await.unwrap(), expected, "from the snapshot");
    let state = reopened.state("kg", &rec).await.unwrap();
    assert_eq!(state.vectors.read().as_ref().map(|v| v.chunks.len()), Some(CORPUS.len()));

    // Garbage in place of the snapshot: rebuilt from the embeddings, same answers.
    let mut w = crate::store::codec::Writer::new();
    w.u64(rec.generation).bytes(b"not a snapshot");
    let mut tx = storage.begin().await.unwrap();
    tx.kv_put(&handle, &keys::snapshot(rec.id, keys::SNAPSHOT_CHUNKS), w.finish()).await.unwrap();
    tx.commit().await.unwrap();
    let again = GraphRag::open(storage, EngineOptions::default()).await.unwrap();
    assert_eq!(again.retrieve("kg", question, &options).await.unwrap(), expected, "rebuilt");
}

#[tokio::test]
async fn a_knowledge_graph_with_the_llm_extractor_is_refused_not_built_with_rules() {
    let engine = GraphRag::open(storage().await, EngineOptions::default()).await.unwrap();
    let llm = KgConfig { extractor: crate::config::ExtractorSpec::Llm { provider: "default".into() }, ..config() };
    let e = engine.create("x", llm).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotSupported);
    assert!(e.message.contains("llm:default"), "{}", e.message);
    assert!(engine.list().await.unwrap().is_empty(), "nothing created");
}
