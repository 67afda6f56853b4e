//! Tests of the HTTP embedders against a mock server answering like OpenAI and Ollama.

use super::*;
use crate::error::ErrorKind;
use crate::http::mock::{MockServer, Reply, Seen};

const TIMEOUT: Duration = Duration::from_secs(5);

fn inputs(seen: &Seen) -> Vec<String> {
    seen.json()["input"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// A vector for a text that the test can recognise: [len, 1, 0].
fn vector_of(text: &str) -> Value {
    json!([text.len() as f64, 1.0, 0.0])
}

fn texts(n: usize) -> Vec<String> {
    (0..n).map(|i| "t".repeat(i + 1)).collect()
}

fn expected(text: &str) -> Vec<f32> {
    let mut v = vec![text.len() as f32, 1.0, 0.0];
    l2_normalise(&mut v);
    v
}

fn openai_answer(seen: &Seen) -> Reply {
    let data: Vec<Value> = inputs(seen)
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": vector_of(t)}))
        .collect();
    Reply::Json(200, json!({"object": "list", "data": data, "model": "text-embedding-3-small"}).to_string())
}

#[tokio::test]
async fn openai_batches_orders_by_index_and_normalises() {
    let server = MockServer::start("/v1/embeddings", openai_answer).await;
    let embedder = OpenAiEmbedder::new(&server.url, "text-embedding-3-small", Some("sk-1".into()), TIMEOUT).unwrap();
    assert_eq!(embedder.dim(), 0);
    let texts = texts(150);
    let vectors = embedder.embed(&texts).await.unwrap();
    assert_eq!(vectors.len(), 150);
    for (text, v) in texts.iter().zip(&vectors) {
        assert_eq!(v, &expected(text));
    }
    assert_eq!(embedder.dim(), 3);
    let seen = server.requests();
    assert_eq!(seen.iter().map(|s| inputs(s).len()).collect::<Vec<_>>(), [64, 64, 22]);
    assert!(seen.iter().all(|s| s.json()["model"] == "text-embedding-3-small"));
    assert!(seen.iter().all(|s| s.header("authorization") == Some("Bearer sk-1")));
    assert_eq!(inputs(&seen[2])[0], texts[128]);
    assert_eq!(embedder.id(), format!("openai:text-embedding-3-small@{}", server.url));
    assert_eq!(embedder.fingerprint(), embedder.id());
}

#[tokio::test]
async fn nothing_to_embed_makes_no_call() {
    let server = MockServer::start("/", openai_answer).await;
    let embedder = OpenAiEmbedder::new(&server.url, "m", None, TIMEOUT).unwrap();
    assert!(embedder.embed(&[]).await.unwrap().is_empty());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn openai_error_answers_are_upstream_with_the_message() {
    let server = MockServer::start("/", |_| {
        Reply::Json(400, json!({"error": {"message": "This model's maximum context length is 8192 tokens", "type": "invalid_request_error"}}).to_string())
    })
    .await;
    let e = OpenAiEmbedder::new(&server.url, "m", None, TIMEOUT).unwrap().embed(&texts(1)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Upstream);
    assert!(e.message.contains("maximum context length"), "{}", e.message);
}

#[tokio::test]
async fn openai_garbage_is_refused() {
    let cases: Vec<(&str, Value)> = vec![
        ("no data array", json!({"object": "list"})),
        ("embeddings for", json!({"data": []})),
        ("not an array of numbers", json!({"data": [{"index": 0, "embedding": "abc"}]})),
        ("not a finite number", json!({"data": [{"index": 0, "embedding": [1.0, "x"]}]})),
        ("out of range", json!({"data": [{"index": 5, "embedding": [1.0]}]})),
        ("not a non-negative integer", json!({"data": [{"index": -1, "embedding": [1.0]}]})),
        ("0 dimensions", json!({"data": [{"index": 0, "embedding": []}]})),
    ];
    for (needle, answer) in cases {
        let body = answer.to_string();
        let server = MockServer::start("/", move |_| Reply::Json(200, body.clone())).await;
        let e = OpenAiEmbedder::new(&server.url, "m", None, TIMEOUT).unwrap().embed(&texts(1)).await.unwrap_err();
        assert!(e.kind == ErrorKind::Upstream && e.message.contains(needle), "{needle}: {}", e.message);
    }
    let twice = json!({"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]}).to_string();
    let server = MockServer::start("/", move |_| Reply::Json(200, twice.clone())).await;
    let e = OpenAiEmbedder::new(&server.url, "m", None, TIMEOUT).unwrap().embed(&texts(2)).await.unwrap_err();
    assert!(e.message.contains("given twice"), "{}", e.message);
}

#[tokio::test]
async fn a_changing_dimension_is_refused() {
    let server = MockServer::start("/", |seen| {
        let n = inputs(seen).len();
        let dim = if n == 64 { 3 } else { 4 };
        let data: Vec<Value> = (0..n).map(|i| json!({"index": i, "embedding": vec![1.0; dim]})).collect();
        Reply::Json(200, json!({"data": data}).to_string())
    })
    .await;
    let e = OpenAiEmbedder::new(&server.url, "m", None, TIMEOUT).unwrap().embed(&texts(70)).await.unwrap_err();
    assert!(e.kind == ErrorKind::Upstream && e.message.contains("earlier ones had 3"), "{}", e.message);
}

#[tokio::test]
async fn ollama_sends_model_and_input_and_reads_embeddings() {
    let server = MockServer::start("/api/embed", |seen| {
        let embeddings: Vec<Value> = inputs(seen).iter().map(|t| vector_of(t)).collect();
        Reply::Json(200, json!({"model": "nomic-embed-text", "embeddings": embeddings}).to_string())
    })
    .await;
    let embedder = OllamaEmbedder::new(&server.url, "nomic-embed-text", TIMEOUT).unwrap();
    let texts = texts(65);
    let vectors = embedder.embed(&texts).await.unwrap();
    assert_eq!(vectors[64], expected(&texts[64]));
    assert_eq!(vectors[0], expected(&texts[0]));
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].json()["model"], "nomic-embed-text");
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(embedder.id(), format!("ollama:nomic-embed-text@{}", server.url));
    assert_eq!(embedder.dim(), 3);
}

#[tokio::test]
async fn ollama_errors_and_garbage() {
    let server = MockServer::start("/", |_| {
        Reply::Json(404, r#"{"error":"model \"x\" not found, try pulling it first"}"#.into())
    })
    .await;
    let e = OllamaEmbedder::new(&server.url, "x", TIMEOUT).unwrap().embed(&texts(1)).await.unwrap_err();
    assert!(e.kind == ErrorKind::Upstream && e.message.contains("try pulling it first"), "{}", e.message);
    let server = MockServer::start("/", |_| Reply::Json(200, r#"{"embedding":[1,2]}"#.into())).await;
    let e = OllamaEmbedder::new(&server.url, "x", TIMEOUT).unwrap().embed(&texts(1)).await.unwrap_err();
    assert!(e.message.contains("no embeddings array"), "{}", e.message);
    let server = MockServer::start("/", |_| Reply::Json(200, r#"{"embeddings":[[1,2],[3,4]]}"#.into())).await;
    let e = OllamaEmbedder::new(&server.url, "x", TIMEOUT).unwrap().embed(&texts(1)).await.unwrap_err();
    assert!(e.message.contains("2 embeddings for 1 inputs"), "{}", e.message);
}

#[test]
fn bad_configuration_is_refused() {
    assert_eq!(
        OpenAiEmbedder::new("ftp://x", "m", None, TIMEOUT).err().map(|e| e.kind),
        Some(ErrorKind::InvalidArgument)
    );
    assert_eq!(
        OllamaEmbedder::new("http://x/api/embed", "", TIMEOUT).err().map(|e| e.kind),
        Some(ErrorKind::InvalidArgument)
    );
}
