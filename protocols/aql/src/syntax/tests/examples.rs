//! Every AQL query of ArangoDB's 3.12 documentation examples parses, and so does every
//! query text sent to /_api/cursor, /_api/explain and /_api/query in the HTTP
//! transcripts (../shared/arangodb-examples).

use serde_json::Value as Json;

fn load(file: &str) -> Json {
    let path = format!("{}/../../../shared/arangodb-examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_documented_aql_example_parses() {
    let examples = load("aql-examples.json");
    let examples = examples.as_array().expect("an array of examples");
    assert_eq!(examples.len(), 392);
    let mut failures = Vec::new();
    for ex in examples {
        let name = ex["name"].as_str().unwrap_or("?");
        let query = ex["query"].as_str().unwrap_or("");
        if let Err(e) = super::super::parse(query) {
            failures.push(format!("{name}: {e}\n  {query}"));
        }
    }
    assert!(failures.is_empty(), "{} of 392 failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_query_of_the_http_transcripts_parses_as_arangodb_did() {
    let transcripts = load("rest-examples.json");
    let mut checked = 0;
    for t in transcripts.as_array().expect("an array of transcripts") {
        for r in t["requests"].as_array().into_iter().flatten() {
            let path = r["path"].as_str().unwrap_or("");
            let Some(query) = r["body_json"]["query"].as_str() else { continue };
            if !["/_api/cursor", "/_api/explain", "/_api/query"].iter().any(|p| path.ends_with(p)) {
                continue;
            }
            checked += 1;
            let result = super::super::parse(query);
            let body = &r["response_body"];
            if body["errorNum"].as_u64() == Some(1501) {
                let e = result.expect_err(query);
                assert_eq!(e.num, 1501);
                assert_eq!(Some(e.message.as_str()), body["errorMessage"].as_str());
            } else if let Err(e) = result {
                panic!("{query}: {e}");
            }
        }
    }
    assert_eq!(checked, 25);
}
