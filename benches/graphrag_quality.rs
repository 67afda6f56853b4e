//! The GraphRAG quality and in-process speed benchmark: generates the seeded synthetic
//! world (size S, M or L), ingests it into an engine over RocksDB in a temporary
//! directory, scores every retrieval mode per question kind (Recall@2, Recall@5,
//! AllRecall@5, MRR@10, retrieval p50/p95 of a warm engine, after a timed first answer that
//! builds the vector indexes), measures entity extraction against the world's
//! ground truth, checks that a second run over the reopened storage ranks identically, and
//! prints how long the reopened engine took to answer its first question.
//!
//! `cargo run --release -p orbit-benches --bin graphrag-quality -- [--size S|M|L] [--seed N]
//! [--embedder static|hashing] [--modes bm25,vector,...] [--skip-extraction] [--dump FILE]`
//! (`--dump` only writes the world and its questions as JSON lines, for benches/graphrag-bench.sh)

use orbit_graphrag::synth::{eval, Size, World};
use orbit_graphrag::{EmbedderSpec, EngineOptions, GraphRag, KgConfig, RetrieveMode, RetrieveOptions};
use orbit_rocksdb::{RocksEngine, RocksOptions};
use orbit_storage::{KvTableStorage, TableStorage};
use std::sync::Arc;
use std::time::Instant;

struct Args {
    size: Size,
    seed: u64,
    embedder: EmbedderSpec,
    modes: Vec<RetrieveMode>,
    extraction: bool,
    dump: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        size: Size::S,
        seed: 16,
        embedder: EmbedderSpec::Static,
        modes: RetrieveMode::ALL.to_vec(),
        extraction: true,
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--size" => args.size = Size::parse(&value()?).ok_or("size is S, M or L")?,
            "--seed" => args.seed = value()?.parse().map_err(|_| "seed is an integer")?,
            "--embedder" => {
                args.embedder = match value()?.as_str() {
                    "static" => EmbedderSpec::Static,
                    "hashing" => EmbedderSpec::Hashing { dim: 256 },
                    other => return Err(format!("unknown embedder {other}")),
                }
            }
            "--modes" => {
                args.modes = value()?
                    .split(',')
                    .map(|m| RetrieveMode::parse(m).ok_or_else(|| format!("unknown mode {m}")))
                    .collect::<Result<_, _>>()?
            }
            "--skip-extraction" => args.extraction = false,
            "--dump" => args.dump = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Writes the world as JSON lines (passages, then questions with their gold chunk ids) for
/// the RESP benchmark (benches/graphrag_bench.py).
fn dump(path: &str, world: &World, questions: &[orbit_graphrag::synth::Question]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for p in &world.passages {
        writeln!(out, "{}", serde_json::json!({"type": "passage", "id": p.id, "text": p.text}))?;
    }
    for q in questions {
        let line = serde_json::json!({"type": "question", "kind": q.kind.name(), "text": q.text, "gold": q.gold});
        writeln!(out, "{line}")?;
    }
    out.flush()
}

async fn open(dir: &std::path::Path) -> Arc<dyn TableStorage> {
    let rocks = RocksEngine::open(dir, &RocksOptions::default()).expect("rocksdb");
    KvTableStorage::open(Arc::new(rocks)).await.expect("storage")
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("graphrag-quality: {e}");
            std::process::exit(2);
        }
    };
    let world = World::generate(args.seed, args.size);
    let questions = world.questions(args.size);
    println!(
        "world {:?} seed {}: {} passages, {} questions; embedder {:?}",
        args.size,
        args.seed,
        world.passages.len(),
        questions.len(),
        args.embedder
    );
    if let Some(path) = &args.dump {
        dump(path, &world, &questions).expect("write the world");
        println!("wrote {path}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = open(dir.path()).await;
    let engine = GraphRag::open(storage.clone(), EngineOptions::default()).await.expect("engine");
    engine.create("world", KgConfig { embedder: args.embedder.clone(), ..KgConfig::default() }).await.expect("create");
    let took = eval::ingest(&engine, "world", &world).await.expect("ingest");
    println!(
        "ingest: {:.1} s ({:.0} passages/s)",
        took.as_secs_f64(),
        world.passages.len() as f64 / took.as_secs_f64().max(1e-9)
    );
    // The first answer builds the vector indexes (once, shared with the snapshot task);
    // timed apart so the per-mode latencies are those of a warm engine.
    let started = Instant::now();
    let first = RetrieveOptions { mode: RetrieveMode::Naive, k: 10, ..RetrieveOptions::default() };
    engine.retrieve("world", &questions[0].text, &first).await.expect("first retrieve");
    println!("first answer after ingest: {:.2} s", started.elapsed().as_secs_f64());
    let mut reports = Vec::new();
    for mode in &args.modes {
        reports.push(eval::evaluate(&engine, "world", &questions, *mode).await.expect("evaluate"));
    }
    print!("{}", eval::render(&reports));
    if args.extraction {
        let score = eval::extraction(&engine, &world).await.expect("extraction");
        println!("entity extraction: precision {:.3} recall {:.3}", score.precision(), score.recall());
    }
    drop(engine);
    storage.flush().await.expect("flush");
    drop(storage);

    // Restart: reopen the storage, time the first answer, compare every ranking.
    let started = Instant::now();
    let storage = open(dir.path()).await;
    let engine = GraphRag::open(storage, EngineOptions::default()).await.expect("engine");
    let first = RetrieveOptions { mode: RetrieveMode::Vector, k: 10, ..RetrieveOptions::default() };
    engine.retrieve("world", &questions[0].text, &first).await.expect("first retrieve");
    println!("restart: first answer after {:.2} s", started.elapsed().as_secs_f64());
    let mut identical = true;
    for report in &reports {
        let again = eval::evaluate(&engine, "world", &questions, report.mode).await.expect("evaluate");
        if again.rankings != report.rankings {
            identical = false;
            println!("{}: rankings DIFFER after the restart", report.mode.name());
        }
    }
    println!("rankings identical after restart: {identical}");
}
