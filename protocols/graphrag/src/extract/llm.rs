//! The LLM extractor: an OpenAI-compatible chat model is asked for the entities and
//! relationships of a text as JSON, `{entities: [{name, type}], relationships: [{source,
//! target, type}]}`; the answer is read robustly (code fences, prose around the object,
//! synonyms of the field names) and mapped to the rule extractor's types and keys.
//! An answer without that object is an [`ErrorKind::Upstream`](crate::error::ErrorKind) error.

use super::key::entity_key;
use super::relations::CO_OCCURS;
use super::rules::EntityType;
use crate::config::LlmProvider;
use crate::error::{GraphRagError, GraphRagResult};
use crate::llm::{chat, quote};
use crate::types::{ExtractedEntity, ExtractedRelation, Extraction};
use serde_json::Value;
use std::time::Duration;

/// Characters of text sent in one prompt at most (the rest is not read).
pub const MAX_PROMPT_TEXT_CHARS: usize = 24_000;
/// Entities and relationships taken from one answer at most.
pub const MAX_ENTITIES: usize = 500;
pub const MAX_RELATIONS: usize = 2_000;
const MAX_NAME_CHARS: usize = 200;
const MAX_TYPE_CHARS: usize = 64;
/// Confidence of a relationship the model gave none for.
const DEFAULT_CONFIDENCE: f64 = 0.8;
/// Confidence of the co-occurrence pairs of the answer's entities.
const CO_OCCURRENCE_CONFIDENCE: f64 = 0.5;

pub const SYSTEM_PROMPT: &str = "You extract a knowledge graph from a text. Answer with one JSON object \
and nothing else: {\"entities\": [{\"name\": \"...\", \"type\": \
\"PERSON|ORGANIZATION|LOCATION|WORK|DATE|EVENT|CONCEPT|OTHER\"}], \"relationships\": [{\"source\": \
\"<entity name>\", \"target\": \"<entity name>\", \"type\": \"UPPER_SNAKE_CASE such as FOUNDED, \
BORN_IN, WORKS_FOR, LOCATED_IN, AUTHORED\", \"confidence\": 0.0-1.0}]}. Write names exactly as the text does.";

/// Entities and relationships of `text` by the model of `provider`.
pub async fn extract_with_llm(provider: &LlmProvider, text: &str, timeout: Duration) -> GraphRagResult<Extraction> {
    let text = match text.char_indices().nth(MAX_PROMPT_TEXT_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    let messages =
        vec![("system".to_string(), SYSTEM_PROMPT.to_string()), ("user".to_string(), format!("Text:\n{text}"))];
    let answer = chat(provider, &messages, timeout).await?;
    parse_answer(&answer, text)
        .map_err(|e| GraphRagError::upstream(format!("LLM provider '{}': {}", provider.name, e.message)))
}

/// The extraction an answer states about `text` (mention counts are counted in `text`).
pub fn parse_answer(answer: &str, text: &str) -> GraphRagResult<Extraction> {
    let object = json_object_in(answer).ok_or_else(|| {
        GraphRagError::upstream(format!("the extractor's answer holds no JSON object: {}", quote(answer)))
    })?;
    let entities_value = field(&object, &["entities", "nodes"]).and_then(Value::as_array);
    let relations_value = field(&object, &["relationships", "relations", "edges", "triples"]).and_then(Value::as_array);
    if entities_value.is_none() && relations_value.is_none() {
        return Err(GraphRagError::upstream(format!(
            "the extractor's answer has no entities or relationships: {}",
            quote(&object.to_string())
        )));
    }
    let lower_text = text.to_lowercase();
    let mut entities: Vec<ExtractedEntity> = Vec::new();
    for item in entities_value.into_iter().flatten() {
        let (name, ty) = match item {
            Value::String(name) => (name.as_str(), None),
            Value::Object(_) => match field(item, &["name", "entity", "text", "id"]).and_then(Value::as_str) {
                Some(name) => {
                    (name, field(item, &["type", "entity_type", "label", "category"]).and_then(Value::as_str))
                }
                None => continue,
            },
            _ => continue,
        };
        add_entity(&mut entities, name, ty, &lower_text);
    }
    let mut relations: Vec<ExtractedRelation> = Vec::new();
    for item in relations_value.into_iter().flatten() {
        if relations.len() >= MAX_RELATIONS {
            break;
        }
        let end = |names: &[&str]| field(item, names).and_then(Value::as_str);
        let (Some(source), Some(target)) =
            (end(&["source", "from", "head", "subject"]), end(&["target", "to", "tail", "object"]))
        else {
            continue;
        };
        let Some(source) = add_entity(&mut entities, source, None, &lower_text) else { continue };
        let Some(target) = add_entity(&mut entities, target, None, &lower_text) else { continue };
        if source == target {
            continue;
        }
        let relation_type = relation_type(end(&["type", "relation", "relationship", "label", "predicate"]));
        let confidence = confidence(field(item, &["confidence", "strength", "weight", "score"]));
        match relations
            .iter_mut()
            .find(|r| r.source == source && r.target == target && r.relation_type == relation_type)
        {
            Some(existing) => existing.confidence = existing.confidence.max(confidence),
            None => relations.push(ExtractedRelation { source, target, relation_type, confidence }),
        }
    }
    let keys: Vec<&str> = entities.iter().filter(|e| e.entity_type != "DATE").map(|e| e.key.as_str()).collect();
    let mut pairs = Vec::new();
    for (i, a) in keys.iter().enumerate().take(super::relations::MAX_CO_OCCURRING) {
        for b in keys.iter().take(super::relations::MAX_CO_OCCURRING).skip(i + 1) {
            let (source, target) = if a < b { (a, b) } else { (b, a) };
            pairs.push(ExtractedRelation {
                source: source.to_string(),
                target: target.to_string(),
                relation_type: CO_OCCURS.to_string(),
                confidence: CO_OCCURRENCE_CONFIDENCE,
            });
        }
    }
    relations.extend(pairs);
    Ok(Extraction { entities, relations })
}

/// Adds (or finds) the entity `name`; its key, or `None` for a name that is not usable.
fn add_entity(entities: &mut Vec<ExtractedEntity>, name: &str, ty: Option<&str>, lower_text: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return None;
    }
    let key = entity_key(name);
    if key.is_empty() {
        return None;
    }
    let parsed = ty.and_then(EntityType::parse);
    if let Some(existing) = entities.iter_mut().find(|e| e.key == key) {
        if let (Some(t), "OTHER") = (parsed, existing.entity_type.as_str()) {
            existing.entity_type = t.as_str().to_string();
        }
        return Some(key);
    }
    if entities.len() >= MAX_ENTITIES {
        return None;
    }
    let mentions = lower_text.matches(&name.to_lowercase()).count().max(1) as u32;
    let entity_type = parsed.unwrap_or(EntityType::Other).as_str().to_string();
    entities.push(ExtractedEntity { key: key.clone(), name: name.to_string(), entity_type, mentions });
    Some(key)
}

fn relation_type(given: Option<&str>) -> String {
    let mut out = String::new();
    for c in given.unwrap_or("").chars().take(MAX_TYPE_CHARS) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.is_empty() {
        "RELATED_TO".to_string()
    } else {
        trimmed.to_string()
    }
}

fn confidence(given: Option<&Value>) -> f64 {
    let value = match given {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    match value {
        Some(v) if v.is_finite() && (0.0..=1.0).contains(&v) => v,
        Some(v) if v.is_finite() && v > 1.0 && v <= 10.0 => v / 10.0,
        _ => DEFAULT_CONFIDENCE,
    }
}

fn field<'a>(object: &'a Value, names: &[&str]) -> Option<&'a Value> {
    let map = object.as_object()?;
    names.iter().find_map(|name| {
        map.get(*name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
    })
}

/// The first balanced `{...}` of `answer` that parses as JSON (code fences and prose
/// around it are ignored; braces inside strings are not counted).
fn json_object_in(answer: &str) -> Option<Value> {
    let mut from = 0;
    for _ in 0..8 {
        let start = from + answer.get(from..)?.find('{')?;
        if let Some(end) = balanced_end(&answer[start..]) {
            if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(&answer[start..start + end]) {
                return Some(value);
            }
        }
        from = start + 1;
    }
    None
}

/// The length of the balanced object at the start of `text`.
fn balanced_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[path = "llm_tests.rs"]
mod tests;
