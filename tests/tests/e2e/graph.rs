//! The graph model (orbit-graph) on RocksDB: a graph with relationships, labels and a
//! unique constraint written, the engine closed and opened again (a restart), and every
//! element, index entry and id counter found as it was.

use orbit_graph::{Direction, Graph, GraphError, Properties, PropertyIndex, Value};
use orbit_rocksdb::{RocksEngine, RocksOptions};
use orbit_storage::{KvTableStorage, TableStorage};
use std::path::Path;
use std::sync::Arc;

async fn open(path: &Path) -> Arc<Graph> {
    let engine = RocksEngine::open(path, &RocksOptions::default()).expect("open rocksdb");
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(engine)).await.expect("open table storage");
    Graph::open(storage).await.expect("open graph")
}

fn name(n: &str) -> Properties {
    [("name".to_string(), Value::Text(n.to_string()))].into_iter().collect()
}

#[tokio::test]
async fn graph_on_rocksdb_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let person = vec!["Person".to_string()];
    let (ids, rel) = {
        let graph = open(dir.path()).await;
        let unique =
            PropertyIndex { name: "person_name".into(), label: "Person".into(), property: "name".into(), unique: true };
        assert!(graph.create_index(unique, false).await.unwrap());
        let mut tx = graph.begin().await.unwrap();
        let mut ids = Vec::new();
        for n in ["ann", "bob", "cy"] {
            ids.push(tx.create_node(&person, name(n)).await.unwrap().id);
        }
        let rel = tx.create_relationship("KNOWS", ids[0], ids[1], Properties::new()).await.unwrap().id;
        tx.create_relationship("KNOWS", ids[0], ids[2], Properties::new()).await.unwrap();
        tx.commit().await.unwrap();
        (ids, rel)
    };
    let graph = open(dir.path()).await;
    let mut tx = graph.begin().await.unwrap();
    assert_eq!(tx.node_ids(Some("Person"), None, 10).await.unwrap(), ids);
    let out = tx.expand(ids[0], Direction::Outgoing, &["KNOWS".to_string()]).await.unwrap();
    assert_eq!(out.iter().map(|a| a.other).collect::<Vec<_>>(), vec![ids[1], ids[2]]);
    assert_eq!(tx.nodes_by_value("Person", "name", &Value::Text("bob".into())).await.unwrap(), Some(vec![ids[1]]));
    let err = tx.create_node(&person, name("cy")).await.unwrap_err();
    assert!(matches!(err, GraphError::ConstraintViolation { existing, .. } if existing == ids[2]), "{err:?}");
    tx.rollback().await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let next = tx.create_node(&person, name("dee")).await.unwrap().id;
    let next_rel = tx.create_relationship("KNOWS", next, ids[0], Properties::new()).await.unwrap().id;
    assert!(next > ids[2] && next_rel > rel, "ids continue past the stored ones");
    tx.commit().await.unwrap();
}
