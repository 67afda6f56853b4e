//! pgvector's surface through a PostgreSQL-dialect session. pgvector does not install on
//! this machine (Debian bookworm has no postgresql-15-pgvector), so expected values are
//! pgvector 0.8's documented messages and distances computed here from their definitions.

use super::basics::{err, ok, rows, session};
use crate::Session;

fn flat(r: Vec<Vec<String>>) -> Vec<String> {
    r.into_iter().map(|row| row.join("|")).collect()
}

async fn with_items() -> Session {
    let mut s = session().await;
    ok(&mut s, "CREATE EXTENSION vector").await;
    ok(&mut s, "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))").await;
    ok(&mut s, "INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[4,5,6]'), (3, '[1,1,1]'), (4, NULL)").await;
    s
}

#[tokio::test]
async fn the_type_exists_after_create_extension() {
    let mut s = session().await;
    let e = err(&mut s, "CREATE TABLE t (v vector(3))").await;
    assert_eq!((e.code, e.message.as_str()), ("42704", "type \"vector\" does not exist"));
    assert_eq!(err(&mut s, "SELECT '[1,2]'::vector").await.code, "42704");
    assert_eq!(ok(&mut s, "CREATE EXTENSION vector").await, "CREATE EXTENSION");
    let e = err(&mut s, "CREATE EXTENSION vector").await;
    assert_eq!((e.code, e.message.as_str()), ("42710", "extension \"vector\" already exists"));
    assert_eq!(ok(&mut s, "CREATE EXTENSION IF NOT EXISTS vector").await, "CREATE EXTENSION");
    assert_eq!(err(&mut s, "CREATE EXTENSION postgis").await.code, "58P01");
    assert_eq!(
        rows(&mut s, "SELECT extname, extversion FROM pg_extension WHERE extname = 'vector'").await,
        vec![vec!["vector".to_string(), "0.8.0".to_string()]]
    );
    assert_eq!(rows(&mut s, "SELECT typname FROM pg_type WHERE typname = 'vector'").await, vec![vec!["vector"]]);
    ok(&mut s, "CREATE TABLE t (v vector(3))").await;
    let e = err(&mut s, "DROP EXTENSION vector").await;
    assert_eq!(e.code, "2BP01");
    ok(&mut s, "DROP TABLE t").await;
    assert_eq!(ok(&mut s, "DROP EXTENSION vector").await, "DROP EXTENSION");
    assert_eq!(err(&mut s, "SELECT '[1,2]'::vector").await.code, "42704");
}

#[tokio::test]
async fn text_form_and_dimension_checks() {
    let mut s = with_items().await;
    assert_eq!(
        flat(rows(&mut s, "SELECT id, embedding FROM items ORDER BY id").await),
        vec!["1|[1,2,3]", "2|[4,5,6]", "3|[1,1,1]", "4|NULL"]
    );
    let e = err(&mut s, "INSERT INTO items VALUES (5, '[1,2]')").await;
    assert_eq!((e.code, e.message.as_str()), ("22000", "expected 3 dimensions, not 2"));
    assert_eq!(err(&mut s, "INSERT INTO items VALUES (5, '[1,,2]')").await.code, "22P02");
    assert_eq!(err(&mut s, "INSERT INTO items VALUES (5, '[nan,1,2]')").await.message, "NaN not allowed in vector");
    assert_eq!(
        err(&mut s, "UPDATE items SET embedding = '[1]' WHERE id = 1").await.message,
        "expected 3 dimensions, not 1"
    );
    assert_eq!(rows(&mut s, "SELECT '[0.1, 1e-5 , 1234567]'::vector").await, vec![vec!["[0.1,1e-05,1.234567e+06]"]]);
    assert_eq!(err(&mut s, "SELECT '[1,2]'::vector(3)").await.message, "expected 3 dimensions, not 2");
    assert_eq!(
        err(&mut s, "SELECT '[1]'::vector(16001)").await.message,
        "dimensions for type vector cannot exceed 16000"
    );
    let many = format!("SELECT vector_dims('[{}]'::vector)", vec!["1"; 16_001].join(","));
    assert_eq!(err(&mut s, &many).await.code, "54000");
    assert_eq!(
        rows(&mut s, "SELECT '[1,2]'::vector::text, '[1,2.5]'::vector::real[]").await,
        vec![vec!["[1,2]", "{1,2.5}"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2]::real[]::vector(2)").await,
        vec![vec!["[1,2,3]", "[1.5,2]"]]
    );
    assert_eq!(rows(&mut s, "SELECT pg_typeof(embedding) FROM items WHERE id = 1").await, vec![vec!["vector"]]);
}

#[tokio::test]
async fn operators_and_functions() {
    let mut s = with_items().await;
    // [1,2,3] against [4,5,6]: L2 sqrt(27), inner product 32, L1 9, cosine 1 - 32/sqrt(14*77).
    let l2 = crate::format::format_float(27f64.sqrt(), false);
    let cosine = crate::format::format_float(1.0 - 32.0 / (14f64 * 77f64).sqrt(), false);
    assert_eq!(
        rows(
            &mut s,
            "SELECT embedding <-> '[4,5,6]', embedding <#> '[4,5,6]', embedding <=> '[4,5,6]' FROM items WHERE id = 1"
        )
        .await,
        vec![vec![l2.clone(), "-32".to_string(), cosine.clone()]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT l2_distance(embedding, '[4,5,6]'), inner_product(embedding, '[4,5,6]'), \
             cosine_distance(embedding, '[4,5,6]'), l1_distance(embedding, '[4,5,6]') FROM items WHERE id = 1"
        )
        .await,
        vec![vec![l2, "32".to_string(), cosine, "9".to_string()]]
    );
    assert_eq!(
        rows(&mut s, "SELECT vector_dims(embedding), vector_norm('[3,4]'), l2_normalize('[3,4]'::vector), subvector('[1,2,3,4]'::vector, 2, 2) FROM items WHERE id = 1").await,
        vec![vec!["3", "5", "[0.6,0.8]", "[2,3]"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT embedding + '[1,1,1]', embedding - '[1,1,1]', embedding * '[2,2,2]' FROM items WHERE id = 1"
        )
        .await,
        vec![vec!["[2,3,4]", "[0,1,2]", "[2,4,6]"]]
    );
    let e = err(&mut s, "SELECT embedding <-> '[1,2]' FROM items").await;
    assert_eq!((e.code, e.message.as_str()), ("22000", "different vector dimensions 3 and 2"));
    assert_eq!(rows(&mut s, "SELECT embedding <-> NULL FROM items WHERE id = 1").await, vec![vec!["NULL"]]);
    // Exact nearest neighbours: ORDER BY distance, NULL vectors last, ties by id here.
    assert_eq!(
        flat(rows(&mut s, "SELECT id FROM items ORDER BY embedding <-> '[1,1,1]', id LIMIT 3").await),
        vec!["3", "1", "2"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT id FROM items ORDER BY embedding <#> '[1,1,1]' LIMIT 2").await),
        vec!["2", "1"]
    );
    assert_eq!(err(&mut s, "SELECT 1 <-> 2").await.code, "42883");
}

/// A deterministic point of `n` rows in 8 dimensions (a small linear congruential walk).
fn point(i: u64) -> String {
    let mut x = i.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut parts = Vec::new();
    for _ in 0..8 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        parts.push(format!("{}", ((x >> 33) % 1000) as f32 / 100.0));
    }
    format!("[{}]", parts.join(","))
}

async fn with_points(n: u64) -> Session {
    let mut s = session().await;
    ok(&mut s, "CREATE EXTENSION vector").await;
    ok(&mut s, "CREATE TABLE pts (id int PRIMARY KEY, v vector(8), tag int)").await;
    let values: Vec<String> = (1..=n).map(|i| format!("({i}, '{}', {})", point(i), i % 3)).collect();
    ok(&mut s, &format!("INSERT INTO pts VALUES {}", values.join(", "))).await;
    s
}

#[tokio::test]
async fn create_index_using_hnsw_is_checked_like_pgvector() {
    let mut s = with_points(10).await;
    let e = err(&mut s, "CREATE INDEX ON pts USING hnsw (v)").await;
    assert_eq!(
        (e.code, e.message.as_str()),
        ("42704", "data type vector has no default operator class for access method \"hnsw\"")
    );
    let e = err(&mut s, "CREATE INDEX ON pts USING hnsw (v vector_foo_ops)").await;
    assert_eq!(e.message, "operator class \"vector_foo_ops\" does not exist for access method \"hnsw\"");
    let e = err(&mut s, "CREATE INDEX ON pts USING hnsw (v vector_l2_ops) WITH (m = 1)").await;
    assert_eq!((e.code, e.message.as_str()), ("22023", "value 1 out of bounds for option \"m\""));
    let e = err(&mut s, "CREATE INDEX ON pts USING hnsw (tag vector_l2_ops)").await;
    assert_eq!(e.code, "42804");
    ok(&mut s, "CREATE TABLE free (v vector)").await;
    assert_eq!(
        err(&mut s, "CREATE INDEX ON free USING hnsw (v vector_l2_ops)").await.message,
        "column does not have dimensions"
    );
    assert_eq!(err(&mut s, "CREATE INDEX ON pts USING ivfflat (v vector_l2_ops)").await.code, "0A000");
    assert_eq!(
        ok(&mut s, "CREATE INDEX pts_v ON pts USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)").await,
        "CREATE INDEX"
    );
    assert_eq!(err(&mut s, "CREATE INDEX pts_v ON pts USING hnsw (v vector_l2_ops)").await.code, "42P07");
    assert_eq!(err(&mut s, "SET hnsw.ef_search = 0").await.code, "22023");
    assert_eq!(ok(&mut s, "SET hnsw.ef_search = 100").await, "SET");
    assert_eq!(rows(&mut s, "SHOW hnsw.ef_search").await, vec![vec!["100"]]);
}

#[tokio::test]
async fn order_by_distance_limit_uses_the_index_of_its_operator_class() {
    let mut s = with_points(1500).await;
    ok(&mut s, "CREATE INDEX pts_l2 ON pts USING hnsw (v vector_l2_ops)").await;
    ok(&mut s, "CREATE INDEX pts_cos ON pts USING hnsw (v vector_cosine_ops)").await;
    let q = point(7777);
    let plan = |r: Vec<Vec<String>>| r.into_iter().flatten().collect::<Vec<_>>();
    let explained = plan(rows(&mut s, &format!("EXPLAIN SELECT id FROM pts ORDER BY v <-> '{q}' LIMIT 5")).await);
    assert!(explained.iter().any(|l| l.contains("Index Scan using pts_l2 on pts")), "{explained:?}");
    assert!(explained.iter().any(|l| l.contains("Order By: (v <-> ")), "{explained:?}");
    let explained = plan(rows(&mut s, &format!("EXPLAIN SELECT id FROM pts ORDER BY v <=> '{q}' LIMIT 5")).await);
    assert!(explained.iter().any(|l| l.contains("Index Scan using pts_cos")), "{explained:?}");
    // No index of vector_ip_ops, a descending order, or no LIMIT: exact.
    for sql in [
        format!("EXPLAIN SELECT id FROM pts ORDER BY v <#> '{q}' LIMIT 5"),
        format!("EXPLAIN SELECT id FROM pts ORDER BY v <-> '{q}' DESC LIMIT 5"),
        format!("EXPLAIN SELECT id FROM pts ORDER BY v <-> '{q}'"),
    ] {
        assert!(plan(rows(&mut s, &sql).await).iter().all(|l| !l.contains("Index Scan")), "{sql}");
    }
    // The index's answer against the exact one (two sort keys are never planned onto it).
    let approx = rows(&mut s, &format!("SELECT id FROM pts ORDER BY v <-> '{q}' LIMIT 10")).await;
    let exact = rows(&mut s, &format!("SELECT id FROM pts ORDER BY v <-> '{q}', id LIMIT 10")).await;
    let found = approx.iter().filter(|r| exact.contains(r)).count();
    assert!(found >= 9, "recall@10 {found}/10: {approx:?} vs {exact:?}");
    assert_eq!(approx.len(), 10);
    // A parameter as the query vector, and OFFSET.
    let prepared = s.prepare("SELECT id FROM pts ORDER BY v <-> $1 LIMIT 3 OFFSET 1", &[]).await.unwrap();
    assert_eq!(prepared.param_types(), &[crate::SqlType::Vector(None)]);
    let out = s
        .execute_with_params(
            "SELECT id FROM pts ORDER BY v <-> $1 LIMIT 3 OFFSET 1",
            prepared.param_types(),
            &[orbit_storage::Value::Text(q.clone())],
        )
        .await
        .unwrap();
    let crate::QueryOutput::Rows { rows: got, .. } = out else { panic!("rows") };
    assert_eq!(got.len(), 3);
    // A filter applies to the candidates.
    let filtered = rows(&mut s, &format!("SELECT tag FROM pts WHERE tag = 1 ORDER BY v <-> '{q}' LIMIT 4")).await;
    assert!(filtered.len() <= 4 && filtered.iter().all(|r| r[0] == "1"), "{filtered:?}");
}

#[tokio::test]
async fn the_index_follows_commits_and_ignores_rollbacks() {
    let mut s = with_points(20).await;
    ok(&mut s, "CREATE INDEX ON pts USING hnsw (v vector_l2_ops)").await;
    let nearest = "SELECT id FROM pts ORDER BY v <-> '[50,50,50,50,50,50,50,50]' LIMIT 1";
    assert_ne!(rows(&mut s, nearest).await, vec![vec!["100"]]);
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO pts VALUES (100, '[50,50,50,50,50,50,50,50]', 0)").await;
    ok(&mut s, "ROLLBACK").await;
    assert_ne!(rows(&mut s, nearest).await, vec![vec!["100"]]);
    ok(&mut s, "INSERT INTO pts VALUES (100, '[50,50,50,50,50,50,50,50]', 0)").await;
    assert_eq!(rows(&mut s, nearest).await, vec![vec!["100"]]);
    ok(&mut s, "UPDATE pts SET v = '[0,0,0,0,0,0,0,0]' WHERE id = 100").await;
    assert_ne!(rows(&mut s, nearest).await, vec![vec!["100"]]);
    assert_eq!(rows(&mut s, "SELECT id FROM pts ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1").await, vec![vec!["100"]]);
    ok(&mut s, "DELETE FROM pts WHERE id = 100").await;
    assert_ne!(rows(&mut s, "SELECT id FROM pts ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1").await, vec![vec!["100"]]);
    ok(&mut s, "DROP INDEX pts_v_idx").await;
    let explained: Vec<String> = rows(&mut s, &format!("EXPLAIN {nearest}")).await.into_iter().flatten().collect();
    assert!(explained.iter().all(|l| !l.contains("Index Scan")), "{explained:?}");
}
