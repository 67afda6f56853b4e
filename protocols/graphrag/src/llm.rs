//! OpenAI-compatible chat completions, for LLM answers and the LLM extractor: one POST of
//! `{model, messages, temperature: 0}` to the provider's endpoint, the reply read from
//! `choices[0].message.content`. Every failure is [`ErrorKind::Upstream`](crate::error::ErrorKind).

use crate::config::LlmProvider;
use crate::error::{GraphRagError, GraphRagResult};
use crate::http;
use serde_json::{json, Value};
use std::time::Duration;

/// How much of an unusable answer an error message quotes.
const QUOTED_CHARS: usize = 200;

/// The model's reply to `messages` (role, content) — roles as OpenAI names them: `system`,
/// `user`, `assistant`.
pub async fn chat(provider: &LlmProvider, messages: &[(String, String)], timeout: Duration) -> GraphRagResult<String> {
    if messages.is_empty() {
        return Err(GraphRagError::invalid("a chat needs at least one message"));
    }
    let messages: Vec<Value> =
        messages.iter().map(|(role, content)| json!({"role": role, "content": content})).collect();
    let body = json!({"model": provider.model, "messages": messages, "temperature": 0});
    let answer = http::post_json(&provider.url, provider.api_key.as_deref(), &body, timeout).await?;
    reply_of(&answer).map_err(|why| GraphRagError::upstream(format!("LLM provider '{}': {why}", provider.name)))
}

fn reply_of(answer: &Value) -> Result<String, String> {
    if let Some(message) = answer.pointer("/error/message").and_then(Value::as_str) {
        return Err(format!("the endpoint answered an error: {}", quote(message)));
    }
    match answer.pointer("/choices/0/message/content") {
        Some(Value::String(content)) => Ok(content.clone()),
        Some(Value::Null) | None => {
            Err(format!("no choices[0].message.content in the answer: {}", quote(&answer.to_string())))
        }
        Some(other) => Err(format!("choices[0].message.content is not a string: {}", quote(&other.to_string()))),
    }
}

pub(crate) fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
#[path = "llm_tests.rs"]
pub(crate) mod tests;
