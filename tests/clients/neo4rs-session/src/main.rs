//! An application session on the `neo4rs` crate (Bolt 4.4) against the server at
//! `bolt://127.0.0.1:<port>`: parameters, nodes and relationships read back as the
//! driver's types, an explicit transaction committed and one rolled back, a streamed
//! result larger than the fetch size, a syntax error with its Neo4j code. Each step prints
//! `ok <step>`; the first mismatch prints what it got and exits with status 1.
//!
//! Usage: orbit-neo4rs-session <port> [user] [password]

use neo4rs::{query, ConfigBuilder, Graph, Node, Path, Relation};
use std::process::exit;

fn check(step: &str, ok: bool, detail: impl std::fmt::Debug) {
    if ok {
        println!("ok {step}");
    } else {
        println!("FAILED {step}: {detail:?}");
        exit(1);
    }
}

async fn session(graph: &Graph) -> Result<(), neo4rs::Error> {
    graph.run(query("MATCH (n:Rs) DETACH DELETE n")).await?;
    graph
        .run(
            query("CREATE (a:Rs:Person {name: $a, age: $age})-[:KNOWS {since: $since}]->(b:Rs:Person {name: $b})")
                .param("a", "alice")
                .param("b", "bob")
                .param("age", 42i64)
                .param("since", 2020i64),
        )
        .await?;

    let mut rows = graph
        .execute(query("MATCH (a:Rs {name: $name})-[r:KNOWS]->(b) RETURN a, r, b, a.age AS age").param("name", "alice"))
        .await?;
    let row = rows.next().await?;
    check("one row", row.is_some(), "no row");
    let row = row.unwrap_or_else(|| exit(1));
    let a: Node = row.get("a").unwrap_or_else(|e| {
        check("node a", false, e);
        exit(1)
    });
    let mut labels = a.labels();
    labels.sort();
    check("node labels", labels == ["Person", "Rs"], &labels);
    check("node property", a.get::<String>("name").ok().as_deref() == Some("alice"), a.get::<String>("name"));
    let r: Relation = row.get("r").unwrap_or_else(|e| {
        check("relationship r", false, e);
        exit(1)
    });
    check("relationship type", r.typ() == "KNOWS", r.typ());
    check("relationship start", r.start_node_id() == a.id(), (r.start_node_id(), a.id()));
    check("relationship property", r.get::<i64>("since").ok() == Some(2020), r.get::<i64>("since"));
    let b: Node = row.get("b").unwrap_or_else(|e| {
        check("node b", false, e);
        exit(1)
    });
    check("relationship end", r.end_node_id() == b.id(), (r.end_node_id(), b.id()));
    check("integer column", row.get::<i64>("age").ok() == Some(42), row.get::<i64>("age"));
    check("single row", rows.next().await?.is_none(), "more rows");
    // A stream holds its pooled connection until dropped (shadowing does not drop it).
    drop(rows);

    let mut rows = graph.execute(query("MATCH p = (:Rs {name: 'alice'})-[:KNOWS]->(:Rs) RETURN p")).await?;
    let path: Option<Path> = rows.next().await?.and_then(|row| row.get("p").ok());
    check("path", path.as_ref().map(|p| (p.nodes().len(), p.rels().len())) == Some((2, 1)), &path);
    drop(rows);

    // An explicit transaction that commits and one that rolls back.
    let mut txn = graph.start_txn().await?;
    txn.run(query("CREATE (:Rs {name: 'committed'})")).await?;
    txn.commit().await?;
    let mut txn = graph.start_txn().await?;
    txn.run(query("CREATE (:Rs {name: 'rolled back'})")).await?;
    txn.rollback().await?;
    let mut rows =
        graph.execute(query("MATCH (n:Rs) WHERE n.name IN ['committed', 'rolled back'] RETURN n.name AS name")).await?;
    let mut names = Vec::new();
    while let Some(row) = rows.next().await? {
        names.push(row.get::<String>("name").unwrap_or_default());
    }
    check("commit kept, rollback discarded", names == ["committed"], &names);
    drop(rows);

    // More rows than the fetch size (set to 10 below): PULL with has_more, several times.
    let mut rows = graph.execute(query("UNWIND range(1, 95) AS i RETURN i")).await?;
    let mut sum = 0i64;
    let mut count = 0;
    while let Some(row) = rows.next().await? {
        sum += row.get::<i64>("i").unwrap_or(0);
        count += 1;
    }
    check("streamed rows", (count, sum) == (95, 95 * 96 / 2), (count, sum));
    drop(rows);

    // A syntax error: Neo.ClientError.Statement.SyntaxError, and the connection goes on.
    match graph.execute(query("MATCH (n RETURN n")).await {
        Err(neo4rs::Error::Neo4j(e)) => {
            check("syntax error code", e.code() == "Neo.ClientError.Statement.SyntaxError", e.code())
        }
        Err(other) => check("syntax error", false, other),
        Ok(_) => check("syntax error", false, "accepted"),
    }
    let mut rows = graph.execute(query("RETURN 1 AS one")).await?;
    let one = rows.next().await?.and_then(|row| row.get::<i64>("one").ok());
    check("after the error", one == Some(1), one);
    graph.run(query("MATCH (n:Rs) DETACH DELETE n")).await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(port) = args.next() else {
        eprintln!("usage: orbit-neo4rs-session <port> [user] [password]");
        exit(2);
    };
    let user = args.next().unwrap_or_else(|| "neo4j".into());
    let password = args.next().unwrap_or_else(|| "password".into());
    let config = ConfigBuilder::default()
        .uri(format!("127.0.0.1:{port}"))
        .user(user)
        .password(password)
        .fetch_size(10)
        .max_connections(2)
        .build();
    let graph = match config.and_then(Graph::connect) {
        Ok(graph) => graph,
        Err(e) => {
            println!("FAILED connect: {e:?}");
            exit(1)
        }
    };
    if let Err(e) = session(&graph).await {
        println!("FAILED: {e:?}");
        exit(1);
    }
    println!("neo4rs session ok");
}
