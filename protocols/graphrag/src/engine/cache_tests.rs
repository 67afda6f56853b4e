//! The read caches of a knowledge graph (vector indexes, entity graph and its word index,
//! BM25 postings) follow every committed change: a warm engine answers after a re-ingest,
//! a delete or a drop exactly what an engine opened afresh over the same storage answers,
//! and the vector indexes are loaded once however many readers need them at once.

use super::GraphRag;
use crate::config::{EmbedderSpec, EngineOptions, KgConfig};
use crate::types::*;
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::atomic::Ordering;
use std::sync::Arc;

const DOCS: &[(&str, &str)] = &[
    ("northwind", "Alice Marlow founded Northwind Laboratories in 1962. Northwind Laboratories makes optical sensors."),
    ("marlow", "Alice Marlow was born in Port Elmsworth. Alice Marlow studied chemistry at Halden University."),
    ("carter", "Ben Carter was born in Lowmoor. Ben Carter founded Sable Dynamics."),
    ("sable", "Sable Dynamics builds drones in Lowmoor and sells them to farmers."),
    ("weather", "Rain fell on the harbour for three days and the ferries stopped running."),
];

const QUESTIONS: &[&str] = &[
    "Where was the founder of Northwind Laboratories born?",
    "Who builds drones in Lowmoor?",
    "Where was Carter born?",
    "What does Kestrel Shipyards build?",
];

fn config() -> KgConfig {
    KgConfig { embedder: EmbedderSpec::Hashing { dim: 64 }, ..KgConfig::default() }
}

async fn storage() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap()
}

/// Every question in every mode but global (its communities are detected on demand).
async fn answers(engine: &GraphRag) -> Vec<Vec<RetrievedChunk>> {
    let mut out = Vec::new();
    for mode in RetrieveMode::ALL.into_iter().filter(|m| *m != RetrieveMode::Global) {
        for question in QUESTIONS {
            let options = RetrieveOptions { mode, k: 3, max_hops: 2 };
            out.push(engine.retrieve("kg", question, &options).await.unwrap());
        }
    }
    out
}

/// What a new engine over `storage` answers (no cache of the warm one).
async fn fresh(storage: &Arc<dyn TableStorage>) -> Vec<Vec<RetrievedChunk>> {
    answers(&*GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap()).await
}

/// The texts of the chunks BM25 scores for `question` (not the unscored padding).
async fn bm25_texts(engine: &GraphRag, question: &str) -> Vec<String> {
    let options = RetrieveOptions { mode: RetrieveMode::Bm25, k: 5, max_hops: 2 };
    let results = engine.retrieve("kg", question, &options).await.unwrap();
    results.into_iter().filter(|r| r.score > 0.0).map(|r| r.text).collect()
}

#[tokio::test]
async fn a_warm_engine_sees_every_change_as_a_fresh_one_does() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    for (doc, text) in DOCS {
        engine.build("kg", doc, text, &[]).await.unwrap();
    }
    assert_eq!(answers(&engine).await, fresh(&storage).await);
    assert!(bm25_texts(&engine, "drones").await.iter().any(|t| t.contains("drones")));
    let rec = engine.existing("kg").await.unwrap();
    let state = engine.state("kg", &rec).await.unwrap();
    assert!(!state.postings.lock().is_empty(), "the warm engine cached postings");

    // Re-ingest: the old words are gone, the new ones found, a new entity seeds by one word.
    engine.build("kg", "sable", "Kestrel Shipyards builds submarines in Lowmoor.", &[]).await.unwrap();
    assert!(bm25_texts(&engine, "drones").await.is_empty(), "no chunk says drones any more");
    assert_eq!(bm25_texts(&engine, "submarines").await, ["Kestrel Shipyards builds submarines in Lowmoor."]);
    let options = RetrieveOptions { mode: RetrieveMode::Ppr, k: 3, max_hops: 2 };
    let retrieval = engine.retrieval("kg", "What does Kestrel build?", &options).await.unwrap();
    assert_eq!(retrieval.seeds, ["Kestrel Shipyards"], "the word index holds the new entity");
    assert_eq!(answers(&engine).await, fresh(&storage).await, "after a re-ingest");

    // Delete: the document's chunk and its entity are gone from every mode.
    assert!(engine.delete_document("kg", "carter").await.unwrap());
    let after_delete = answers(&engine).await;
    assert!(after_delete.iter().flatten().all(|r| r.doc_id != "carter"));
    let retrieval = engine.retrieval("kg", "Where was Carter born?", &options).await.unwrap();
    assert!(retrieval.seeds.is_empty(), "Ben Carter is no longer an entity: {:?}", retrieval.seeds);
    assert_eq!(after_delete, fresh(&storage).await, "after a delete");

    // Drop and create again under the same name: nothing of the old graph answers.
    assert!(engine.drop_kg("kg").await.unwrap());
    engine.create("kg", config()).await.unwrap();
    engine.build("kg", "only", "Dana Whitfield repairs ferries in Brightwater.", &[]).await.unwrap();
    assert!(bm25_texts(&engine, "submarines").await.is_empty());
    assert_eq!(bm25_texts(&engine, "ferries").await, ["Dana Whitfield repairs ferries in Brightwater."]);
    assert_eq!(answers(&engine).await, fresh(&storage).await, "after a drop and create");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_readers_load_the_vectors_once() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    for (doc, text) in DOCS {
        engine.build("kg", doc, text, &[]).await.unwrap();
    }
    let rec = engine.existing("kg").await.unwrap();
    let state = engine.state("kg", &rec).await.unwrap();
    assert!(state.vectors.read().is_none(), "a bulk ingest leaves the indexes unloaded");
    let mut tasks = Vec::new();
    for i in 0..4 {
        let engine = engine.clone();
        let state = state.clone();
        tasks.push(tokio::spawn(async move {
            if i == 0 {
                engine.write_snapshots("kg", &state).await.map(|_| Vec::new())
            } else {
                let options = RetrieveOptions { mode: RetrieveMode::Vector, k: 3, max_hops: 2 };
                engine.retrieve("kg", QUESTIONS[i % QUESTIONS.len()], &options).await
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(state.vector_loads.load(Ordering::Relaxed), 1, "one load for three readers and the snapshot task");
    assert_eq!(answers(&engine).await, fresh(&storage).await);
}

#[tokio::test]
async fn short_rankings_are_padded_with_the_lowest_chunk_ids_of_the_current_generation() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    for (doc, text) in DOCS {
        engine.build("kg", doc, text, &[]).await.unwrap();
    }
    let options = RetrieveOptions { mode: RetrieveMode::Bm25, k: 4, max_hops: 2 };
    let ids =
        |results: Vec<RetrievedChunk>| results.into_iter().map(|r| (r.chunk_id, r.score > 0.0)).collect::<Vec<_>>();
    let padded = ids(engine.retrieve("kg", "drones", &options).await.unwrap());
    let expected = [("sable#0", true), ("carter#0", false), ("marlow#0", false), ("northwind#0", false)];
    assert_eq!(padded, expected.map(|(id, scored)| (id.to_string(), scored)));

    // A new document with a lower id takes the first unscored place; a deleted one leaves it.
    engine.build("kg", "aaa", "Quiet hills surround the valley.", &[]).await.unwrap();
    assert!(engine.delete_document("kg", "marlow").await.unwrap());
    let padded = ids(engine.retrieve("kg", "drones", &options).await.unwrap());
    let expected = [("sable#0", true), ("aaa#0", false), ("carter#0", false), ("northwind#0", false)];
    assert_eq!(padded, expected.map(|(id, scored)| (id.to_string(), scored)));
    assert_eq!(answers(&engine).await, fresh(&storage).await);
}

#[tokio::test]
async fn communities_and_global_rankings_follow_a_new_detection() {
    let storage = storage().await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    engine.create("kg", config()).await.unwrap();
    for (doc, text) in DOCS {
        engine.build("kg", doc, text, &[]).await.unwrap();
    }
    let global = RetrieveOptions { mode: RetrieveMode::Global, k: 3, max_hops: 2 };
    let question = "Who works at Kestrel Shipyards?";
    let before = engine.communities("kg", None).await.unwrap();
    engine.retrieve("kg", question, &global).await.unwrap();
    for (doc, text) in [
        ("kestrel", "Dana Whitfield works at Kestrel Shipyards. Kestrel Shipyards builds ferries for Lowmoor."),
        ("whitfield", "Dana Whitfield and Ben Carter met at Kestrel Shipyards."),
    ] {
        engine.build("kg", doc, text, &[]).await.unwrap();
    }
    let warm = engine.retrieve("kg", question, &global).await.unwrap();
    let after = engine.communities("kg", None).await.unwrap();
    assert_ne!(after, before, "the new entities are in the detected communities");
    assert!(after.iter().any(|c| c.entities.iter().any(|e| e == "Kestrel Shipyards")));
    let reopened = GraphRag::open(storage.clone(), EngineOptions::default()).await.unwrap();
    assert_eq!(reopened.communities("kg", None).await.unwrap(), after);
    assert_eq!(reopened.retrieve("kg", question, &global).await.unwrap(), warm);
}
