//! Tests of [`super`]: answer parsing and the extractor against a mock chat endpoint.

use super::*;
use crate::error::ErrorKind;
use crate::llm::tests::{completion, provider, serve};

const TEXT: &str = "Alice Marlow founded Northwind Laboratories in Port Elmsworth. Marlow led it for years.";

#[test]
fn fenced_json_with_prose_maps_to_keys_and_types() {
    let answer = "Sure! Here it is:\n```json\n{\"entities\": [{\"name\": \"Alice Marlow\", \"type\": \"person\"}, \
                  {\"name\": \"Northwind Laboratories\", \"type\": \"ORG\"}, {\"name\": \"Port Elmsworth\", \"type\": \"GPE\"}], \
                  \"relationships\": [{\"source\": \"Alice Marlow\", \"target\": \"Northwind Laboratories\", \"type\": \"founded\", \"confidence\": 0.95}, \
                  {\"source\": \"Northwind Laboratories\", \"target\": \"Port Elmsworth\", \"type\": \"located in\", \"strength\": 7}, \
                  {\"source\": \"Alice Marlow\", \"target\": \"Marie {Curie}\"}]}\n```\nHope that helps {!}";
    let e = parse_answer(answer, TEXT).expect("parsed");
    let entities: Vec<(&str, &str, &str, u32)> =
        e.entities.iter().map(|x| (x.key.as_str(), x.name.as_str(), x.entity_type.as_str(), x.mentions)).collect();
    assert_eq!(
        entities,
        vec![
            ("alice marlow", "Alice Marlow", "PERSON", 1),
            ("northwind laboratories", "Northwind Laboratories", "ORGANIZATION", 1),
            ("port elmsworth", "Port Elmsworth", "LOCATION", 1),
            ("marie curie", "Marie {Curie}", "OTHER", 1),
        ]
    );
    let typed: Vec<(&str, &str, &str, f64)> = e
        .relations
        .iter()
        .filter(|r| r.relation_type != CO_OCCURS)
        .map(|r| (r.source.as_str(), r.relation_type.as_str(), r.target.as_str(), r.confidence))
        .collect();
    assert_eq!(
        typed,
        vec![
            ("alice marlow", "FOUNDED", "northwind laboratories", 0.95),
            ("northwind laboratories", "LOCATED_IN", "port elmsworth", 0.7),
            ("alice marlow", "RELATED_TO", "marie curie", 0.8),
        ]
    );
    assert_eq!(e.relations.iter().filter(|r| r.relation_type == CO_OCCURS).count(), 6);
}

#[test]
fn garbage_answers_are_upstream_errors() {
    for answer in ["I cannot help with that.", "{not json}", "{\"answer\": 42}", "", "{\"entities\": [", "[1, 2]"] {
        let err = parse_answer(answer, TEXT).expect_err(answer);
        assert_eq!(err.kind, ErrorKind::Upstream, "{answer}");
    }
}

#[test]
fn odd_items_are_skipped_and_sizes_bounded() {
    let long = "x".repeat(500);
    let answer = json_text(&serde_json::json!({
        "entities": ["Ivy Chen", 7, {"type": "PERSON"}, {"name": long}, {"name": "  "}],
        "relations": [{"from": "Ivy Chen", "to": "Ivy Chen", "type": "SELF"}, {"head": "Ivy Chen"}]
    }));
    let e = parse_answer(&answer, "Ivy Chen").expect("parsed");
    assert_eq!(e.entities.len(), 1);
    assert_eq!(e.entities[0].entity_type, "OTHER");
    assert!(e.relations.is_empty());
}

fn json_text(v: &serde_json::Value) -> String {
    v.to_string()
}

#[tokio::test]
async fn extractor_prompts_the_model_and_reads_its_json() {
    let content = r#"{"entities":[{"name":"Alice Marlow","type":"PERSON"},{"name":"Northwind Laboratories","type":"ORGANIZATION"}],"relationships":[{"source":"Alice Marlow","target":"Northwind Laboratories","type":"FOUNDED"}]}"#;
    let (url, server) = serve(vec![(200, completion(content)), (200, completion("no JSON today"))]).await;
    let p = provider(&url);
    let e = extract_with_llm(&p, TEXT, Duration::from_secs(5)).await.expect("extraction");
    assert_eq!(e.entities.len(), 2);
    assert!(e.relations.iter().any(|r| r.relation_type == "FOUNDED" && r.source == "alice marlow"));
    let err = extract_with_llm(&p, TEXT, Duration::from_secs(5)).await.expect_err("garbage");
    assert_eq!(err.kind, ErrorKind::Upstream);
    let received = server.await.expect("server");
    let body: serde_json::Value = serde_json::from_str(&received[0].body).expect("json");
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][0]["content"], SYSTEM_PROMPT);
    assert_eq!(body["messages"][1]["content"], format!("Text:\n{TEXT}"));
}
