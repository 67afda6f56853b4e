//! The world generator: deterministic, sized as documented, and its questions' gold
//! passages really state what the questions ask.

use super::*;
use std::collections::HashSet;

#[test]
fn the_same_seed_gives_the_same_world() {
    let a = World::generate(7, Size::S);
    let b = World::generate(7, Size::S);
    let texts = |w: &World| w.passages.iter().map(|p| (p.id.clone(), p.text.clone())).collect::<Vec<_>>();
    assert_eq!(texts(&a), texts(&b));
    let c = World::generate(8, Size::S);
    assert_ne!(texts(&a), texts(&c));
}

#[test]
fn size_s_has_about_300_passages_with_unique_names() {
    let w = World::generate(1, Size::S);
    assert!((250..=350).contains(&w.passages.len()), "{} passages", w.passages.len());
    let names: HashSet<&String> = w.people.iter().map(|p| &p.name).collect();
    assert_eq!(names.len(), w.people.len());
    let ids: HashSet<&String> = w.passages.iter().map(|p| &p.id).collect();
    assert_eq!(ids.len(), w.passages.len());
}

#[test]
fn gold_passages_contain_the_named_entities_and_the_answer() {
    let w = World::generate(3, Size::S);
    let qs = w.questions(Size::S);
    for kind in QuestionKind::ALL {
        let n = qs.iter().filter(|q| q.kind == kind).count();
        assert!(n >= 20, "{} {} questions", n, kind.name());
    }
    let text_of = |chunk: &str| {
        w.passages.iter().find(|p| p.chunk_id() == chunk).map(|p| p.text.clone()).expect("gold passage exists")
    };
    for q in &qs {
        let gold_text: String = q.gold.iter().map(|g| text_of(g)).collect::<Vec<_>>().join(" ");
        match q.kind {
            QuestionKind::SingleHop | QuestionKind::TwoHop => {
                assert!(gold_text.contains(&q.answer), "{:?}: answer not in gold {gold_text}", q.text)
            }
            QuestionKind::Comparison => assert_eq!(q.gold.len(), 2),
        }
        if q.kind == QuestionKind::TwoHop {
            assert_eq!(q.gold.len(), 2);
            // The bridge passage names something the question does not.
            let second = text_of(&q.gold[1]);
            assert!(!second.is_empty());
        }
    }
}

/// The quality targets of issue 16 on world S, measured through the engine: single-hop
/// Recall@5 ≥ 0.95 for the best mode; the best graph mode (ppr, local, hybrid) beats naive
/// by ≥ 0.10 Recall@5 on two-hop questions while losing ≤ 0.02 on single-hop; rankings are
/// identical on a second engine over the same storage (a restart).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_targets_on_world_s() {
    use crate::types::RetrieveMode;
    use crate::{EmbedderSpec, EngineOptions, GraphRag, KgConfig};
    use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
    use std::sync::Arc;

    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.expect("engine");
    let world = World::generate(16, Size::S);
    let questions = world.questions(Size::S);
    let config = KgConfig { embedder: EmbedderSpec::Static, ..KgConfig::default() };
    engine.create("world", config).await.expect("create");
    eval::ingest(&engine, "world", &world).await.expect("ingest");

    let mut reports = Vec::new();
    for mode in RetrieveMode::ALL {
        reports.push(eval::evaluate(&engine, "world", &questions, mode).await.expect("evaluate"));
    }
    let table = eval::render(&reports);
    eprintln!("{table}");
    let of = |m: RetrieveMode| reports.iter().find(|r| r.mode == m).expect("every mode ran");
    let single = |m| of(m).kind(QuestionKind::SingleHop).recall_at_5;
    let two = |m| of(m).kind(QuestionKind::TwoHop).recall_at_5;
    let best_single = RetrieveMode::ALL.into_iter().map(single).fold(0.0, f64::max);
    assert!(best_single >= 0.95, "single-hop Recall@5 {best_single:.3} < 0.95\n{table}");
    let graph_modes = [RetrieveMode::Ppr, RetrieveMode::Local, RetrieveMode::Hybrid];
    let best_graph = graph_modes.into_iter().max_by(|a, b| two(*a).total_cmp(&two(*b))).expect("three modes");
    assert!(
        two(best_graph) >= two(RetrieveMode::Naive) + 0.10,
        "two-hop Recall@5: {} {:.3} vs naive {:.3}\n{table}",
        best_graph.name(),
        two(best_graph),
        two(RetrieveMode::Naive)
    );
    assert!(
        single(best_graph) >= single(RetrieveMode::Naive) - 0.02,
        "single-hop Recall@5: {} {:.3} vs naive {:.3}\n{table}",
        best_graph.name(),
        single(best_graph),
        single(RetrieveMode::Naive)
    );

    let extraction = eval::extraction(&engine, &world).await.expect("extraction");
    eprintln!("extraction precision {:.3} recall {:.3}", extraction.precision(), extraction.recall());
    assert!(extraction.recall() >= 0.8, "entity recall {:.3}", extraction.recall());

    // A second engine over the same storage answers every question identically.
    let reopened = GraphRag::open(storage, EngineOptions::default()).await.expect("reopen");
    for report in &reports {
        let again = eval::evaluate(&reopened, "world", &questions, report.mode).await.expect("evaluate");
        assert_eq!(again.rankings, report.rankings, "{} rankings differ after reopening", report.mode.name());
    }
}
