//! Tests of [`super::chat`] against a mock chat endpoint on 127.0.0.1, and that mock
//! server itself (also used by the LLM extractor's tests).

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the mock server received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub head: String,
    pub body: String,
}

/// Serves the `answers` (status, JSON or garbage body), one per connection, then returns
/// what it received. The URL is the endpoint's.
pub(crate) async fn serve(answers: Vec<(u16, String)>) -> (String, tokio::task::JoinHandle<Vec<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/v1/chat/completions", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let mut received = Vec::new();
        for (status, body) in answers {
            let Ok((mut socket, _)) = listener.accept().await else { break };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let head_end = loop {
                let Ok(n) = socket.read(&mut buf).await else { break None };
                if n == 0 {
                    break None;
                }
                data.extend_from_slice(&buf[..n]);
                if let Some(p) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&data[..head_end]).to_string();
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            while data.len() < head_end + length {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(&buf[..n]),
                }
            }
            let body_in = String::from_utf8_lossy(&data[head_end..]).to_string();
            received.push(Received { head, body: body_in });
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
        received
    });
    (url, task)
}

pub(crate) fn provider(url: &str) -> LlmProvider {
    LlmProvider { name: "mock".into(), url: url.into(), model: "tiny-model".into(), api_key: Some("sk-test".into()) }
}

pub(crate) fn completion(content: &str) -> String {
    json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}).to_string()
}

fn messages() -> Vec<(String, String)> {
    vec![("system".into(), "Be brief.".into()), ("user".into(), "Who founded Northwind?".into())]
}

#[tokio::test]
async fn chat_posts_model_messages_and_reads_the_reply() {
    let (url, server) = serve(vec![(200, completion("Alice Marlow [1]."))]).await;
    let reply = chat(&provider(&url), &messages(), Duration::from_secs(5)).await.expect("reply");
    assert_eq!(reply, "Alice Marlow [1].");
    let received = server.await.expect("server");
    assert_eq!(received.len(), 1);
    assert!(received[0].head.starts_with("POST /v1/chat/completions HTTP/1.1"), "{}", received[0].head);
    assert!(received[0].head.to_ascii_lowercase().contains("authorization: bearer sk-test"));
    let body: Value = serde_json::from_str(&received[0].body).expect("json body");
    assert_eq!(
        body,
        json!({"model": "tiny-model", "temperature": 0, "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Who founded Northwind?"}]})
    );
}

#[tokio::test]
async fn unusable_answers_are_upstream_errors() {
    let answers = vec![
        (200, "this is not json".to_string()),
        (200, json!({"choices": []}).to_string()),
        (200, json!({"choices": [{"message": {"content": 42}}]}).to_string()),
        (200, json!({"error": {"message": "model overloaded"}}).to_string()),
        (500, json!({"error": {"message": "boom"}}).to_string()),
    ];
    let count = answers.len();
    let (url, server) = serve(answers).await;
    for _ in 0..count {
        let err = chat(&provider(&url), &messages(), Duration::from_secs(5)).await.expect_err("must fail");
        assert_eq!(err.kind, crate::error::ErrorKind::Upstream, "{err}");
        assert!(!err.message.contains("sk-test"));
    }
    assert_eq!(server.await.expect("server").len(), count);
}

#[tokio::test]
async fn no_messages_and_no_server() {
    let err =
        chat(&provider("http://127.0.0.1:9/v1/chat/completions"), &[], Duration::from_secs(1)).await.expect_err("x");
    assert_eq!(err.kind, crate::error::ErrorKind::InvalidArgument);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/v1/chat/completions", listener.local_addr().expect("addr"));
    drop(listener);
    let err = chat(&provider(&url), &messages(), Duration::from_secs(2)).await.expect_err("refused");
    assert_eq!(err.kind, crate::error::ErrorKind::Upstream);
}
