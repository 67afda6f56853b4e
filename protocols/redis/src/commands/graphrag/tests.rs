//! GRAPHRAG.*: reply shapes in RESP2 and RESP3 (rendered frames, byte for byte), Redis's
//! own argument errors, the disabled and MULTI refusals, and the commands end to end over
//! a listener driven by the `redis` crate against the engine.

use super::render;
use crate::resp::encode::to_bytes;
use crate::test_listener::{raw, show, TestListener};
use orbit_graphrag::types::*;
use orbit_storage::MemoryEngine;
use redis::Value;
use std::sync::Arc;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn build_report_is_a_flat_array_in_resp2_and_a_map_in_resp3() {
    let report = BuildReport {
        entities_extracted: 3,
        relationships_extracted: 2,
        graph_nodes_created: 6,
        graph_relationships_created: 9,
        chunks: 1,
        processing_time_ms: 12,
    };
    let frame = render::build_report(&report);
    let resp2 = text(&to_bytes(&frame, 2));
    assert!(
        resp2.starts_with("*12\r\n$18\r\nentities_extracted\r\n:3\r\n$23\r\nrelationships_extracted\r\n:2\r\n"),
        "{resp2}"
    );
    assert!(resp2.ends_with("$18\r\nprocessing_time_ms\r\n:12\r\n"), "{resp2}");
    let resp3 = text(&to_bytes(&frame, 3));
    assert!(resp3.starts_with("%6\r\n$18\r\nentities_extracted\r\n:3\r\n"), "{resp3}");
}

#[test]
fn chunk_scores_keep_17_significant_digits() {
    let chunk = RetrievedChunk { chunk_id: "d1#0".into(), doc_id: "d1".into(), score: 0.1 + 0.2, text: "Hi.".into() };
    let frame = render::chunk(&chunk);
    assert_eq!(
        text(&to_bytes(&frame, 2)),
        "*4\r\n$4\r\nd1#0\r\n$2\r\nd1\r\n$19\r\n0.30000000000000004\r\n$3\r\nHi.\r\n"
    );
    assert_eq!(text(&to_bytes(&frame, 3)), "*4\r\n$4\r\nd1#0\r\n$2\r\nd1\r\n,0.30000000000000004\r\n$3\r\nHi.\r\n");
}

#[test]
fn query_answers_name_their_parts() {
    let answer = QueryAnswer {
        response: "Paris.".into(),
        confidence: 0.5,
        entities_involved: vec!["Paris".into()],
        citations: vec![Citation { chunk_id: "d#0".into(), doc_id: "d".into(), score: 1.0, text: "Paris.".into() }],
        reasoning_paths: vec![ReasoningPath {
            entities: vec!["A".into(), "B".into()],
            relationships: vec!["RELATED".into()],
            score: 0.25,
        }],
        explanation: Some("bm25".into()),
        mode: RetrieveMode::Hybrid,
        llm_provider: None,
    };
    let resp3 = text(&to_bytes(&render::answer(&answer, true), 3));
    for part in [
        "%8\r\n$8\r\nresponse\r\n$6\r\nParis.\r\n$10\r\nconfidence\r\n,0.5\r\n",
        "$17\r\nentities_involved\r\n*1\r\n$5\r\nParis\r\n",
        "$9\r\ncitations\r\n*1\r\n%4\r\n$8\r\nchunk_id\r\n$3\r\nd#0\r\n",
        "$15\r\nreasoning_paths\r\n*1\r\n%3\r\n$8\r\nentities\r\n*2\r\n",
        "$12\r\nllm_provider\r\n_\r\n$11\r\nexplanation\r\n$4\r\nbm25\r\n",
    ] {
        assert!(resp3.contains(part), "{part:?} in {resp3}");
    }
    let resp2 = text(&to_bytes(&render::answer(&answer, false), 2));
    assert!(resp2.starts_with("*14\r\n") && !resp2.contains("explanation"), "{resp2}");
    assert!(resp2.contains("$10\r\nconfidence\r\n$3\r\n0.5\r\n"), "{resp2}");
}

fn err(con: &mut redis::Connection, args: &[&[u8]]) -> String {
    match raw(con, args) {
        Ok(v) => {
            panic!("expected an error for {:?}, got {}", args.iter().map(|a| text(a)).collect::<Vec<_>>(), show(&v))
        }
        Err(e) => e.to_string(),
    }
}

#[test]
fn disabled_server_and_transactions_are_refused_explicitly() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.client();
    let e = err(&mut con, &[b"GRAPHRAG.CREATE", b"kg"]);
    assert!(e.contains("GraphRAG is disabled on this server"), "{e}");
    raw(&mut con, &[b"MULTI"]).expect("multi");
    let e = err(&mut con, &[b"GRAPHRAG.STATS", b"kg"]);
    assert!(e.contains("GRAPHRAG commands are not allowed inside a transaction"), "{e}");
    assert!(err(&mut con, &[b"EXEC"]).contains("Transaction discarded"));
    assert_eq!(raw(&mut con, &[b"PING"]).expect("ping"), Value::SimpleString("PONG".into()));
}

#[test]
fn arguments_are_checked_the_redis_way() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), Some(Arc::new(MemoryEngine::new())));
    let mut con = server.client();
    let cases: &[(&[&[u8]], &str)] = &[
        (&[b"GRAPHRAG.BUILD", b"kg", b"d1"], "wrong number of arguments for 'graphrag.build' command"),
        (&[b"GRAPHRAG.CREATE"], "wrong number of arguments for 'graphrag.create' command"),
        (&[b"GRAPHRAG.STATS", b"a", b"b"], "wrong number of arguments for 'graphrag.stats' command"),
        (&[b"GRAPHRAG.LIST", b"x"], "wrong number of arguments for 'graphrag.list' command"),
        (&[b"GRAPHRAG.CREATE", b"kg", b"CHUNK_TOKENS"], "syntax error"),
        (&[b"GRAPHRAG.CREATE", b"kg", b"CHUNK_TOKENS", b"x"], "value is not an integer or out of range"),
        (&[b"GRAPHRAG.CREATE", b"kg", b"BOGUS", b"1"], "syntax error"),
        (&[b"GRAPHRAG.RETRIEVE", b"kg", b"q", b"K", b"-1"], "value is not an integer or out of range"),
        (&[b"GRAPHRAG.RETRIEVE", b"kg", b"q", b"K", b"99999999999"], "value is not an integer or out of range"),
        (&[b"GRAPHRAG.RETRIEVE", b"kg", b"q", b"MODE", b"psychic"], "unknown MODE 'psychic'"),
        (&[b"GRAPHRAG.QUERY", b"kg", b"q", b"MAX_HOPS"], "syntax error"),
        (&[b"GRAPHRAG.QUERY", b"kg", b"q", b"INCLUDE_EXPLANATION", b"extra"], "syntax error"),
        (&[b"GRAPHRAG.BUILD", b"kg", b"d", b"t", b"META", b"k"], "syntax error"),
        (&[b"GRAPHRAG.BUILD", b"kg", b"d", b"\xff"], "valid UTF-8"),
        (&[b"GRAPHRAG.SIMILAR", b"kg", b"e", b"THRESHOLD", b"2"], "THRESHOLD"),
        (&[b"GRAPHRAG.SIMILAR", b"kg", b"e", b"THRESHOLD", b"x"], "not a valid float"),
        (&[b"GRAPHRAG.COMMUNITIES", b"kg", b"LEVEL", b"-2"], "value is not an integer or out of range"),
        (&[b"GRAPHRAG.ENTITIES", b"kg", b"LIMIT"], "syntax error"),
        (&[b"GRAPHRAG.EXTRACT", b"t", b"KG"], "syntax error"),
        (&[b"GRAPHRAG.REASON", b"kg", b"a", b"b", b"MAX_HOPS", b"0"], "value is not an integer or out of range"),
        (&[b"GRAPHRAG.NOSUCH", b"kg"], "unknown command"),
    ];
    for (args, expected) in cases {
        let e = err(&mut con, args);
        assert!(e.contains(expected), "{:?}: {e}", args.iter().map(|a| text(a)).collect::<Vec<_>>());
    }
}

/// RESP3's reply as a RESP2 client gets it: maps flattened, doubles as `%.17g` strings.
fn downgraded(v: &Value) -> Value {
    match v {
        Value::Map(pairs) => Value::Array(pairs.iter().flat_map(|(k, v)| [downgraded(k), downgraded(v)]).collect()),
        Value::Array(items) | Value::Set(items) => Value::Array(items.iter().map(downgraded).collect()),
        Value::Double(d) => Value::BulkString(crate::commands::args::format_double_reply(*d).into_bytes()),
        other => other.clone(),
    }
}

/// Runs `args` over RESP2 and RESP3, checks they answer the same (up to RESP3's types)
/// and returns the RESP3 reply.
fn both(con2: &mut redis::Connection, con3: &mut redis::Connection, args: &[&[u8]]) -> Value {
    let name = text(args[0]);
    let v2 = raw(con2, args).unwrap_or_else(|e| panic!("{name}: {e}"));
    let v3 = raw(con3, args).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(show(&downgraded(&v3)), show(&v2), "{name}: RESP3 downgraded is RESP2");
    v3
}

fn map_of(v: &Value) -> Vec<(String, Value)> {
    let pairs: Vec<(Value, Value)> = match v {
        Value::Map(pairs) => pairs.clone(),
        Value::Array(items) => items.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect(),
        other => panic!("not a map: {}", show(other)),
    };
    pairs
        .into_iter()
        .map(|(k, v)| match k {
            Value::BulkString(b) => (text(&b), v),
            other => panic!("key {}", show(&other)),
        })
        .collect()
}

fn get<'a>(pairs: &'a [(String, Value)], name: &str) -> &'a Value {
    &pairs.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no {name} in {pairs:?}")).1
}

const DOCS: [(&str, &str); 2] = [
    ("d1", "Marie Curie was born in Warsaw. Marie Curie worked at the University of Paris with Pierre Curie."),
    ("d2", "Pierre Curie was born in Paris. The University of Paris is in France."),
];

#[test]
fn graphrag_end_to_end_in_resp2_and_resp3() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), Some(Arc::new(MemoryEngine::new())));
    let mut con = server.client();
    let mut con3 = server.resp3();
    assert_eq!(
        raw(&mut con, &[b"GRAPHRAG.CREATE", b"kg", b"EMBEDDER", b"hashing", b"CHUNK_TOKENS", b"64", b"OVERLAP", b"8"])
            .expect("create"),
        Value::Okay
    );
    assert!(err(&mut con, &[b"GRAPHRAG.CREATE", b"kg"]).to_lowercase().contains("exist"));
    for (i, (doc, body)) in DOCS.iter().enumerate() {
        let c = if i == 0 { &mut con } else { &mut con3 };
        let reply = raw(c, &[b"GRAPHRAG.BUILD", b"kg", doc.as_bytes(), body.as_bytes(), b"META", b"source", b"test"])
            .expect("build");
        if i == 0 {
            assert!(matches!(reply, Value::Array(_)), "RESP2: a flat array: {}", show(&reply));
        } else {
            assert!(matches!(reply, Value::Map(_)), "RESP3: a map: {}", show(&reply));
        }
        let report = map_of(&reply);
        let names: Vec<&str> = report.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "entities_extracted",
                "relationships_extracted",
                "graph_nodes_created",
                "graph_relationships_created",
                "chunks",
                "processing_time_ms"
            ]
        );
        assert!(matches!(get(&report, "chunks"), Value::Int(n) if *n >= 1));
    }

    let question: &[u8] = b"Where was Marie Curie born?";
    let r2 = raw(&mut con, &[b"GRAPHRAG.RETRIEVE", b"kg", question, b"MODE", b"naive", b"K", b"3"]).expect("retrieve");
    let r3 = raw(&mut con3, &[b"GRAPHRAG.RETRIEVE", b"kg", question, b"MODE", b"naive", b"K", b"3"]).expect("retrieve");
    let (Value::Array(rows2), Value::Array(rows3)) = (&r2, &r3) else { panic!("{} / {}", show(&r2), show(&r3)) };
    assert!(!rows2.is_empty() && rows2.len() <= 3 && rows2.len() == rows3.len(), "{}", show(&r2));
    for (row2, row3) in rows2.iter().zip(rows3) {
        let (Value::Array(a), Value::Array(b)) = (row2, row3) else { panic!("rows") };
        assert_eq!(a.len(), 4);
        assert_eq!(a[0], b[0], "same chunk ids in both protocols");
        let (Value::BulkString(score2), Value::Double(score3)) = (&a[2], &b[2]) else {
            panic!("{} / {}", show(row2), show(row3))
        };
        assert_eq!(text(score2), crate::commands::args::format_double_reply(*score3), "17 significant digits");
    }

    let answer = raw(
        &mut con3,
        &[b"GRAPHRAG.QUERY", b"kg", question, b"MAX_HOPS", b"2", b"CONTEXT_SIZE", b"2", b"INCLUDE_EXPLANATION"],
    )
    .expect("query");
    let answer = map_of(&answer);
    for name in ["response", "confidence", "entities_involved", "citations", "reasoning_paths", "explanation"] {
        get(&answer, name);
    }
    assert!(matches!(get(&answer, "confidence"), Value::Double(_)));

    let extraction = map_of(&both(&mut con, &mut con3, &[b"GRAPHRAG.EXTRACT", b"Ada Lovelace was born in London."]));
    assert!(matches!(get(&extraction, "entities"), Value::Array(e) if !e.is_empty()));
    let entities = both(&mut con, &mut con3, &[b"GRAPHRAG.ENTITIES", b"kg", b"LIMIT", b"2"]);
    let Value::Array(entities) = entities else { panic!("entities") };
    assert!(!entities.is_empty() && entities.len() <= 2);
    let first = map_of(&entities[0]);
    let Value::BulkString(name) = get(&first, "name") else { panic!("name") };
    let similar = both(&mut con, &mut con3, &[b"GRAPHRAG.SIMILAR", b"kg", name, b"LIMIT", b"3"]);
    assert!(matches!(similar, Value::Array(_)), "{}", show(&similar));
    for args in [
        &[&b"GRAPHRAG.REASON"[..], b"kg", b"Marie Curie", b"Paris"][..],
        &[b"GRAPHRAG.COMMUNITIES", b"kg"],
        &[b"GRAPHRAG.COMMUNITIES", b"kg", b"LEVEL", b"0"],
        &[b"GRAPHRAG.ENTITIES", b"kg", b"TYPE", b"PERSON", b"OFFSET", b"1"],
        &[b"GRAPHRAG.QUERY", b"kg", question, b"MODE", b"ppr", b"K", b"2"],
        &[b"GRAPHRAG.RETRIEVE", b"kg", question, b"MODE", b"local", b"MAX_HOPS", b"1"],
        &[b"GRAPHRAG.STATS", b"kg"],
        &[b"GRAPHRAG.LIST"],
    ] {
        assert!(matches!(both(&mut con, &mut con3, args), Value::Array(_) | Value::Map(_)));
    }
    let e = err(&mut con, &[b"GRAPHRAG.QUERY", b"kg", question, b"LLM_PROVIDER", b"nobody"]);
    assert!(e.contains("nobody"), "an unknown provider is an error: {e}");
    let e = err(&mut con, &[b"GRAPHRAG.RETRIEVE", b"missing", question]);
    assert!(e.contains("missing"), "{e}");
    let stats = map_of(&raw(&mut con3, &[b"GRAPHRAG.STATS", b"kg"]).expect("stats"));
    assert_eq!(get(&stats, "documents"), &Value::Int(2));
    assert_eq!(
        raw(&mut con, &[b"GRAPHRAG.LIST"]).expect("list"),
        Value::Array(vec![Value::BulkString(b"kg".to_vec())])
    );
    assert_eq!(raw(&mut con, &[b"GRAPHRAG.DEL", b"kg", b"d2"]).expect("del"), Value::Int(1));
    assert_eq!(raw(&mut con, &[b"GRAPHRAG.DEL", b"kg", b"d2"]).expect("del"), Value::Int(0));
    let stats = map_of(&raw(&mut con, &[b"GRAPHRAG.STATS", b"kg"]).expect("stats"));
    assert_eq!(get(&stats, "documents"), &Value::Int(1));
    assert_eq!(raw(&mut con, &[b"GRAPHRAG.DROP", b"kg"]).expect("drop"), Value::Int(1));
    assert_eq!(raw(&mut con, &[b"GRAPHRAG.LIST"]).expect("list"), Value::Array(vec![]));
    let e = err(&mut con, &[b"GRAPHRAG.STATS", b"kg"]);
    assert!(e.starts_with("An error was signalled by the server") || e.contains("kg"), "{e}");
}

#[test]
fn engine_errors_map_to_one_error_line_each() {
    use orbit_graphrag::error::ErrorKind::*;
    let cases = [
        (NotFound, "ERR no kg"),
        (AlreadyExists, "ERR no kg"),
        (InvalidArgument, "ERR no kg"),
        (EmbedderMismatch, "ERR no kg"),
        (NotSupported, "ERR not supported: no kg"),
        (Upstream, "ERR upstream endpoint failed: no kg"),
        (Storage, "ERR storage error: no kg"),
        (Corrupt, "ERR corrupt GraphRAG data: no kg"),
    ];
    for (kind, line) in cases {
        let e = super::engine_error(orbit_graphrag::GraphRagError::new(kind, "no\r\nkg"));
        assert_eq!(e.reply_line(), line.replace("no kg", "no  kg"), "{kind:?}");
    }
}
