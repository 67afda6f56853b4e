//! The graph model over the in-memory engine and RocksDB's semantics' twin: elements,
//! the label index, adjacency in both directions, DETACH, ids across a reopen.

use crate::{Direction, Graph, GraphError, Properties, Value};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;

fn props(pairs: &[(&str, Value)]) -> Properties {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

async fn storage() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap()
}

#[tokio::test]
async fn nodes_relationships_and_adjacency() {
    let graph = Graph::open(storage().await).await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let alice = tx
        .create_node(
            &labels(&["Person", "Admin", "Person"]),
            props(&[("name", Value::Text("Alice".into())), ("gone", Value::Null)]),
        )
        .await
        .unwrap();
    assert_eq!(alice.labels, labels(&["Admin", "Person"]));
    assert!(!alice.properties.contains_key("gone"), "a null property is not stored");
    let bob = tx.create_node(&labels(&["Person"]), props(&[("name", Value::Text("Bob".into()))])).await.unwrap();
    let acme = tx.create_node(&labels(&["Company"]), Properties::new()).await.unwrap();
    let knows = tx.create_relationship("KNOWS", alice.id, bob.id, props(&[("since", Value::Int(2020))])).await.unwrap();
    let works = tx.create_relationship("WORKS_AT", alice.id, acme.id, Properties::new()).await.unwrap();
    let back = tx.create_relationship("KNOWS", bob.id, alice.id, Properties::new()).await.unwrap();
    let me = tx.create_relationship("LIKES", bob.id, bob.id, Properties::new()).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = graph.begin().await.unwrap();
    let out = tx.expand(alice.id, Direction::Outgoing, &[]).await.unwrap();
    assert_eq!(
        out.iter().map(|a| (a.ty.as_str(), a.other, a.rel)).collect::<Vec<_>>(),
        vec![("KNOWS", bob.id, knows.id), ("WORKS_AT", acme.id, works.id)]
    );
    let incoming = tx.expand(alice.id, Direction::Incoming, &labels(&["KNOWS"])).await.unwrap();
    assert_eq!(incoming.len(), 1);
    assert_eq!((incoming[0].other, incoming[0].rel, incoming[0].direction), (bob.id, back.id, Direction::Incoming));
    assert_eq!(tx.degree(alice.id, Direction::Both, &[]).await.unwrap(), 3);
    assert_eq!(
        tx.degree(bob.id, Direction::Both, &labels(&["LIKES"])).await.unwrap(),
        2,
        "a self-loop in both directions"
    );
    assert_eq!(tx.degree(acme.id, Direction::Outgoing, &[]).await.unwrap(), 0);
    let rel = tx.relationship(knows.id).await.unwrap().unwrap();
    assert_eq!(
        (rel.ty.as_str(), rel.start, rel.end, rel.properties.get("since")),
        ("KNOWS", alice.id, bob.id, Some(&Value::Int(2020)))
    );
    assert_eq!(tx.node_ids(Some("Person"), None, 10).await.unwrap(), vec![alice.id, bob.id]);
    assert_eq!(tx.node_ids(Some("Person"), Some(alice.id), 10).await.unwrap(), vec![bob.id]);
    assert_eq!(tx.node_ids(None, None, 2).await.unwrap(), vec![alice.id, bob.id]);
    assert_eq!(tx.node_ids(Some("Nobody"), None, 10).await.unwrap(), Vec::<u64>::new());

    // Labels and properties change with their index entries.
    assert_eq!(tx.add_labels(acme.id, &labels(&["Org", "Company"])).await.unwrap(), 1);
    assert_eq!(tx.remove_labels(alice.id, &labels(&["Admin", "Missing"])).await.unwrap(), 1);
    assert_eq!(tx.node_ids(Some("Admin"), None, 10).await.unwrap(), Vec::<u64>::new());
    assert_eq!(tx.node_ids(Some("Org"), None, 10).await.unwrap(), vec![acme.id]);
    let updated = tx.set_node_property(bob.id, "age", Value::Int(42)).await.unwrap();
    assert_eq!(updated.properties.get("age"), Some(&Value::Int(42)));
    let cleared = tx.set_node_property(bob.id, "age", Value::Null).await.unwrap();
    assert!(!cleared.properties.contains_key("age"));
    tx.set_relationship_property(me.id, "w", Value::Float(0.5)).await.unwrap();

    // A node with relationships is deleted only by DETACH, which takes them and their
    // adjacency with it.
    match tx.delete_node(bob.id, false).await {
        Err(GraphError::NodeHasRelationships { node, relationships }) => assert_eq!((node, relationships), (bob.id, 3)),
        other => panic!("deleted a node with relationships: {other:?}"),
    }
    assert_eq!(tx.delete_node(bob.id, true).await.unwrap(), 3);
    assert!(tx.node(bob.id).await.unwrap().is_none());
    assert!(tx.relationship(knows.id).await.unwrap().is_none());
    assert_eq!(tx.expand(alice.id, Direction::Both, &[]).await.unwrap().len(), 1, "only WORKS_AT is left");
    assert_eq!(tx.node_ids(Some("Person"), None, 10).await.unwrap(), vec![alice.id]);
    assert!(matches!(
        tx.create_relationship("KNOWS", alice.id, bob.id, Properties::new()).await,
        Err(GraphError::NodeNotFound(_))
    ));
    tx.delete_relationship(works.id).await.unwrap();
    assert_eq!(tx.delete_node(alice.id, false).await.unwrap(), 0);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn rolled_back_changes_leave_nothing_and_ids_survive_a_reopen() {
    let storage = storage().await;
    let graph = Graph::open(storage.clone()).await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let a = tx.create_node(&labels(&["A"]), Properties::new()).await.unwrap();
    let b = tx.create_node(&labels(&["A"]), Properties::new()).await.unwrap();
    let r = tx.create_relationship("R", a.id, b.id, Properties::new()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    tx.delete_node(a.id, true).await.unwrap();
    tx.create_node(&labels(&["A"]), Properties::new()).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    assert_eq!(tx.node_ids(Some("A"), None, 10).await.unwrap(), vec![a.id, b.id]);
    assert_eq!(tx.expand(b.id, Direction::Incoming, &[]).await.unwrap().len(), 1);
    tx.rollback().await.unwrap();

    // A second open of the same storage (a restart) continues past the stored ids.
    let reopened = Graph::open(storage).await.unwrap();
    let mut tx = reopened.begin().await.unwrap();
    let c = tx.create_node(&[], Properties::new()).await.unwrap();
    let s = tx.create_relationship("R", c.id, b.id, Properties::new()).await.unwrap();
    assert!(c.id > b.id && s.id > r.id, "ids are never reused: {} {}", c.id, s.id);
    assert_eq!(tx.node(a.id).await.unwrap().map(|n| n.labels), Some(labels(&["A"])));
    tx.commit().await.unwrap();
}

fn index(name: &str, label: &str, property: &str, unique: bool) -> crate::PropertyIndex {
    crate::PropertyIndex { name: name.into(), label: label.into(), property: property.into(), unique }
}

#[tokio::test]
async fn property_indexes_follow_every_change_and_survive_a_reopen() {
    use std::ops::Bound;
    let storage = storage().await;
    let graph = Graph::open(storage.clone()).await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let mut ids = Vec::new();
    for age in [30, 25, 40, 25] {
        ids.push(tx.create_node(&labels(&["Person"]), props(&[("age", Value::Int(age))])).await.unwrap().id);
    }
    let robot = tx.create_node(&labels(&["Robot"]), props(&[("age", Value::Int(25))])).await.unwrap().id;
    tx.commit().await.unwrap();
    // Built from the nodes already there; only those with the label.
    assert!(graph.create_index(index("age", "Person", "age", false), false).await.unwrap());
    assert!(!graph.create_index(index("other", "Person", "age", false), true).await.unwrap());
    assert!(matches!(
        graph.create_index(index("other", "Person", "age", false), false).await,
        Err(GraphError::IndexEquivalent { .. })
    ));
    let mut tx = graph.begin().await.unwrap();
    assert_eq!(tx.nodes_by_value("Person", "age", &Value::Int(25)).await.unwrap(), Some(vec![ids[1], ids[3]]));
    assert_eq!(tx.nodes_by_value("Robot", "age", &Value::Int(25)).await.unwrap(), None, "no index on :Robot(age)");
    let range = tx
        .nodes_in_range("Person", "age", Bound::Excluded(&Value::Int(25)), Bound::Included(&Value::Int(40)))
        .await
        .unwrap();
    assert_eq!(range, Some(vec![ids[0], ids[2]]));
    // Property changes, label changes and deletes rewrite the entries in the same transaction.
    tx.set_node_property(ids[0], "age", Value::Int(26)).await.unwrap();
    tx.remove_labels(ids[3], &labels(&["Person"])).await.unwrap();
    tx.add_labels(robot, &labels(&["Person"])).await.unwrap();
    tx.delete_node(ids[2], false).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    assert_eq!(tx.nodes_by_value("Person", "age", &Value::Int(25)).await.unwrap(), Some(vec![ids[1], robot]));
    assert_eq!(tx.nodes_by_value("Person", "age", &Value::Int(30)).await.unwrap(), Some(vec![]));
    let all = tx.nodes_in_range("Person", "age", Bound::Unbounded, Bound::Unbounded).await.unwrap();
    assert_eq!(all, Some(vec![ids[1], robot, ids[0]]), "in value order: 25, 25, 26");
    tx.rollback().await.unwrap();

    // The definition is stored: a reopen (a restart) uses it.
    let reopened = Graph::open(storage.clone()).await.unwrap();
    assert_eq!(reopened.indexes().len(), 1);
    let mut tx = reopened.begin().await.unwrap();
    let n = tx.create_node(&labels(&["Person"]), props(&[("age", Value::Int(99))])).await.unwrap().id;
    assert_eq!(tx.nodes_by_value("Person", "age", &Value::Int(99)).await.unwrap(), Some(vec![n]));
    tx.commit().await.unwrap();
    assert!(reopened.drop_index("age", false).await.unwrap());
    assert!(!reopened.drop_index("age", true).await.unwrap());
    let mut tx = reopened.begin().await.unwrap();
    assert_eq!(tx.nodes_by_value("Person", "age", &Value::Int(99)).await.unwrap(), None);
    assert!(
        tx.tx.kv_scan(&reopened.handle, &crate::keys::space(crate::keys::PROP), false, 10).await.unwrap().is_empty(),
        "entries purged"
    );
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn unique_constraints_refuse_a_second_node_with_the_value() {
    let graph = Graph::open(storage().await).await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    let a = tx.create_node(&labels(&["User"]), props(&[("email", Value::Text("a@x".into()))])).await.unwrap().id;
    tx.create_node(&labels(&["User"]), props(&[("email", Value::Text("a@x".into()))])).await.unwrap();
    tx.commit().await.unwrap();
    // Duplicates already there: the constraint is refused and leaves nothing behind.
    match graph.create_index(index("email", "User", "email", true), false).await {
        Err(GraphError::ConstraintViolation { existing, value, .. }) => {
            assert_eq!((existing, value.as_str()), (a, "'a@x'"))
        }
        other => panic!("a unique constraint over duplicates: {other:?}"),
    }
    assert!(graph.indexes().is_empty());
    let mut tx = graph.begin().await.unwrap();
    let dup = tx.node_ids(Some("User"), None, 10).await.unwrap()[1];
    tx.set_node_property(dup, "email", Value::Text("b@x".into())).await.unwrap();
    tx.commit().await.unwrap();
    assert!(graph.create_index(index("email", "User", "email", true), false).await.unwrap());

    let mut tx = graph.begin().await.unwrap();
    let err = tx.create_node(&labels(&["User"]), props(&[("email", Value::Text("b@x".into()))])).await.unwrap_err();
    assert!(matches!(err, GraphError::ConstraintViolation { existing, .. } if existing == dup), "{err:?}");
    tx.rollback().await.unwrap();
    // A value freed by a change can be taken; the node keeping its value is no violation.
    let mut tx = graph.begin().await.unwrap();
    tx.set_node_property(a, "email", Value::Text("c@x".into())).await.unwrap();
    tx.set_node_property(a, "email", Value::Text("c@x".into())).await.unwrap();
    let taken = tx.create_node(&labels(&["User"]), props(&[("email", Value::Text("a@x".into()))])).await.unwrap().id;
    tx.commit().await.unwrap();
    let mut tx = graph.begin().await.unwrap();
    assert_eq!(tx.nodes_by_value("User", "email", &Value::Text("a@x".into())).await.unwrap(), Some(vec![taken]));
    tx.rollback().await.unwrap();

    // Two transactions giving two nodes one value: the second to commit fails.
    let mut first = graph.begin().await.unwrap();
    let mut second = graph.begin().await.unwrap();
    first.create_node(&labels(&["User"]), props(&[("email", Value::Text("d@x".into()))])).await.unwrap();
    second.create_node(&labels(&["User"]), props(&[("email", Value::Text("d@x".into()))])).await.unwrap();
    first.commit().await.unwrap();
    assert!(second.commit().await.is_err(), "both committed one unique value");
}

#[tokio::test]
async fn graphs_in_own_tables_and_over_a_callers_transaction() {
    let storage = storage().await;
    let first = Graph::open_table(storage.clone(), "graph_a").await.unwrap();
    let second = Graph::open_table(storage.clone(), "graph_b").await.unwrap();
    assert_eq!((first.table(), second.table()), ("graph_a", "graph_b"));
    let mut tx = first.begin().await.unwrap();
    tx.create_node(&labels(&["A"]), Properties::new()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = second.begin().await.unwrap();
    assert!(tx.node_ids(None, None, 10).await.unwrap().is_empty(), "graphs in two tables are apart");
    tx.rollback().await.unwrap();

    // A graph transaction over a transaction that also writes elsewhere: both or neither.
    let handle = storage.table_handle("graph_b").await.unwrap();
    let raw = storage.begin().await.unwrap();
    let mut g = first.txn_over(raw);
    let n = g.create_node(&labels(&["B"]), Properties::new()).await.unwrap();
    let mut raw = g.into_inner();
    raw.kv_put(&handle, b"\xffmine", b"x".to_vec()).await.unwrap();
    raw.rollback().await.unwrap();
    let mut tx = first.begin().await.unwrap();
    assert!(tx.node(n.id).await.unwrap().is_none(), "rolled back with the caller's transaction");
    tx.rollback().await.unwrap();
    let raw = storage.begin().await.unwrap();
    let mut g = first.txn_over(raw);
    let n = g.create_node(&labels(&["B"]), Properties::new()).await.unwrap();
    g.into_inner().commit().await.unwrap();
    let reopened = Graph::open_table(storage.clone(), "graph_a").await.unwrap();
    let mut tx = reopened.begin().await.unwrap();
    assert!(tx.node(n.id).await.unwrap().is_some());
    assert_eq!(tx.node_ids(None, None, 10).await.unwrap().len(), 2);
}
