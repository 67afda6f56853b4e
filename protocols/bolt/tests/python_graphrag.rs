//! The Neo4j Python driver (PyPI `neo4j` 6.x, in the venv `ORBIT_NEO4J_VENV`, default
//! `~/.cache/orbit-venv-neo4j`) against a Bolt listener started here on a free port over
//! in-memory Cypher and GraphRAG storages, opened through the same engine factory the
//! server uses: vector indexes with Neo4j's scores, `vector.similarity.*`, the
//! `graphrag.*` procedures and their Neo4j error codes, a knowledge graph read as the
//! read-only database `graphrag.<kg>`. Without the venv the test skips loudly.

use std::path::PathBuf;
use std::sync::Arc;

use orbit_bolt::server::{BoltListener, BoltOptions, EngineOpener};
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};

fn venv_python() -> Option<PathBuf> {
    let venv = match std::env::var_os("ORBIT_NEO4J_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/orbit-venv-neo4j"),
    };
    let python = venv.join("bin/python");
    python.exists().then_some(python)
}

async fn memory() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("memory storage")
}

/// The factory as server/src/listeners.rs builds it.
fn opener() -> EngineOpener {
    Box::new(move |storage, graphrag_storage| {
        Box::pin(async move {
            let engine: Arc<dyn orbit_cypher::CypherEngine> = orbit_cypher::exec::GraphEngine::open_with_graphrag(
                storage,
                graphrag_storage,
                orbit_cypher::exec::EngineOptions::default(),
            )
            .await?;
            Ok(engine)
        })
    })
}

const EXPECTED: &[&str] = &[
    // (1 + cos)/2 for cos 1, 1/√2 and 0.
    "queryNodes a=1.000000 c=0.853553 b=0.500000",
    "index type VECTOR",
    // 1 / (1 + 25)
    "euclidean 0.038462",
    "missing index Neo.ClientError.Procedure.ProcedureCallFailed",
    "wrong dimensions Neo.ClientError.Statement.ArgumentError",
    "build chunks 1",
    "retrieve 1:ada#0:ada",
    "documents 2",
    "missing kg Neo.ClientError.Procedure.ProcedureCallFailed",
    "bad mode Neo.ClientError.Statement.ArgumentError",
    "kg database documents 2",
    // The driver answers the server's read-only failure with its own error.
    "kg database write WriteServiceUnavailable (Neo.ClientError.General.ForbiddenOnReadOnlyDatabase)",
    "write in read session Neo.ClientError.Security.Forbidden",
    "neo4j graphrag session ok",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_driver_vector_indexes_and_graphrag_procedures() {
    let Some(python) = venv_python() else {
        eprintln!(
            "\n!!!! SKIPPED python_driver_vector_indexes_and_graphrag_procedures: the neo4j driver is not installed\n"
        );
        return;
    };
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let local_addr = socket.local_addr().expect("address");
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let ctx = ListenerContext { storage: memory().await, graphrag_storage: Some(memory().await), local_addr, shutdown };
    let listener: Box<dyn ProtocolListener> = Box::new(BoltListener::new(BoltOptions::default(), opener()));
    let served = tokio::spawn(listener.serve(socket, ctx));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/neo4j_graphrag.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .args(["127.0.0.1", &local_addr.port().to_string()])
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, EXPECTED, "stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    let _ = stop.send(true);
    let _ = served.await;
}
