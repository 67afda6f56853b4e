//! graphrag_retrieve through the MySQL listener, driven by the Debian `mariadb` client:
//! the answer is the GraphRAG engine's own (its ranked chunk ids, or its error as a MySQL
//! error). Skipped (said loudly) without a client.

use crate::{MysqlListener, MysqlOptions};
use orbit_graphrag::{GraphRag, RetrieveOptions};
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::process::Command;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mariadb_client_calls_graphrag_retrieve() {
    let Some(bin) = ["/usr/bin/mariadb", "/usr/bin/mysql"].into_iter().find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("\n!!!! SKIPPED the_mariadb_client_calls_graphrag_retrieve: no mariadb client installed\n");
        return;
    };
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    let graphrag: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let local_addr = listener.local_addr().expect("addr");
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let ctx = ListenerContext { storage, graphrag_storage: Some(graphrag.clone()), local_addr, shutdown };
    tokio::spawn(async move { Box::new(MysqlListener::new(MysqlOptions::default())).serve(listener, ctx).await });
    let engine = GraphRag::attach(graphrag).await.expect("engine");
    let built =
        engine.build("kg", "curie", "Marie Curie was born in Warsaw. She founded the Radium Institute.", &[]).await;
    let direct = engine.retrieve("kg", "Where was Marie Curie born?", &RetrieveOptions::default()).await;
    let port = local_addr.port().to_string();
    let bin = bin.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin)
            .args(["-h", "127.0.0.1", "-P", &port, "-u", "root", "--batch", "--skip-ssl", "--skip-column-names"])
            .args(["-e", "SELECT chunk_id FROM graphrag_retrieve('kg', 'Where was Marie Curie born?')"])
            .output()
    })
    .await
    .expect("join")
    .expect("client");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match (built, direct) {
        (Ok(_), Ok(chunks)) => {
            assert!(out.status.success(), "{stderr}");
            let ids: Vec<&str> = stdout.lines().collect();
            assert_eq!(ids, chunks.iter().map(|c| c.chunk_id.as_str()).collect::<Vec<_>>());
        }
        (_, Err(e)) | (Err(e), _) => {
            // The engine failed (it may not be built yet): the client shows its message.
            assert!(!out.status.success() && stderr.contains(&e.message), "{stdout}{stderr} vs {e}");
        }
    }
}
