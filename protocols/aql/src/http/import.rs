//! `POST /_api/import?collection=`: bulk import of JSON lines (`type=documents`), one
//! JSON array of objects (`type=list`/`array`; `auto` picks), or the header-row form
//! (no type: the first line an array of attribute names, each further line an array of
//! values). `onDuplicate` (error/update/replace/ignore), `complete` (all or nothing),
//! `details` (a message per failed document), `overwrite` (truncate first),
//! `fromPrefix`/`toPrefix` for edges. Runs in the stream transaction of
//! `x-arango-trx-id` when given.

use super::params::Req;
use super::response::{error_text, HttpResult, Reply};
use super::router::unknown_path;
use super::transaction::open;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{CollectionType, OverwriteMode, WriteOptions};
use crate::value::{json, Object, Value};
use axum::http::Method;

/// Details kept at most (the counts stay exact).
const MAX_DETAILS: usize = 10_000;

/// One input document with its position, or the reason its line is unusable.
enum Item {
    Doc(usize, Value),
    Bad(usize, String),
    Empty,
}

fn bad_request(message: &str) -> AqlError {
    AqlError::with_status(num::HTTP_BAD_PARAMETER, 400, message)
}

fn parse_line(line: &str) -> Result<Value, String> {
    json::parse(line.as_bytes()).map_err(|e| format!("invalid JSON: {e}"))
}

fn json_lines(text: &str) -> Vec<Item> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if line.trim().is_empty() {
                return Item::Empty;
            }
            match parse_line(line) {
                Ok(v) => Item::Doc(i, v),
                Err(e) => Item::Bad(i, e),
            }
        })
        .collect()
}

fn json_list(text: &str) -> AqlResult<Vec<Item>> {
    match json::parse(text.as_bytes()) {
        Ok(Value::Array(items)) => Ok(items.into_iter().enumerate().map(|(i, v)| Item::Doc(i + 1, v)).collect()),
        Ok(_) => Err(bad_request("expecting a JSON array in the request")),
        Err(e) => Err(AqlError::with_status(num::CORRUPTED_JSON, 400, format!("VPackError error: {e}"))),
    }
}

fn header_rows(text: &str) -> AqlResult<Vec<Item>> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, l)| parse_line(l));
    let Some(Ok(header)) = header else { return Err(bad_request("no JSON array found in first line")) };
    let rest: Vec<(usize, &str)> = lines.collect();
    if rest.is_empty() {
        return Err(bad_request("no JSON array found in second line"));
    }
    let Value::Array(names) = header else { return Err(bad_request("no JSON array found in first line")) };
    let names: Vec<String> = names.iter().map(|n| n.as_str().unwrap_or_default().to_string()).collect();
    Ok(rest
        .into_iter()
        .map(|(i, line)| {
            if line.trim().is_empty() {
                return Item::Empty;
            }
            match parse_line(line) {
                Ok(Value::Array(values)) if values.len() == names.len() => {
                    let o: Object = names
                        .iter()
                        .zip(values)
                        .filter(|(n, v)| !n.is_empty() && !v.is_null())
                        .map(|(n, v)| (n.clone(), v))
                        .collect();
                    Item::Doc(i, Value::Object(o))
                }
                Ok(Value::Array(_)) => Item::Bad(i, "wrong number of JSON values".into()),
                Ok(_) => Item::Bad(i, "no JSON array found in line".into()),
                Err(e) => Item::Bad(i, e),
            }
        })
        .collect())
}

fn prefixed(doc: &mut Value, attr: &str, prefix: Option<&str>) {
    let (Some(prefix), Value::Object(o)) = (prefix, doc) else { return };
    if let Some(Value::String(s)) = o.get_mut(attr) {
        if !s.contains('/') {
            *s = format!("{prefix}/{s}");
        }
    }
}

#[derive(Default)]
struct Counts {
    created: i64,
    errors: i64,
    empty: i64,
    updated: i64,
    ignored: i64,
    details: Vec<Value>,
}

impl Counts {
    fn fail(&mut self, position: usize, what: String, doc: Option<&Value>) {
        self.errors += 1;
        if self.details.len() < MAX_DETAILS {
            let offending = doc.map(json::to_json_string).unwrap_or_default();
            self.details
                .push(Value::String(format!("at position {position}: {what}, offending document: {offending}")));
        }
    }
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    if req.segments.len() != 2 {
        return Err(unknown_path(req));
    }
    if req.method != Method::POST {
        return Err(AqlError::with_status(num::HTTP_METHOD_NOT_ALLOWED, 405, "method not supported"));
    }
    let collection = req.param("collection").filter(|c| !c.is_empty()).ok_or_else(|| {
        AqlError::with_status(num::DATA_SOURCE_NOT_FOUND, 404, "collection or view not found: (no collection given)")
    })?;
    let info = state.store.collection(&req.db, collection).await?;
    let text = req.body_text()?;
    let items = match req.param("type") {
        Some("documents") => json_lines(text),
        Some("list") | Some("array") => json_list(text)?,
        Some("auto") if text.trim_start().starts_with('[') => json_list(text)?,
        Some("auto") => json_lines(text),
        Some(other) if !other.is_empty() => return Err(bad_request("invalid value for 'type'")),
        _ => header_rows(text)?,
    };
    let mode = match req.param("onDuplicate").unwrap_or("error") {
        "update" => OverwriteMode::Update,
        "replace" => OverwriteMode::Replace,
        "ignore" => OverwriteMode::Ignore,
        _ => OverwriteMode::Conflict,
    };
    let complete = req.flag("complete", false);
    let options = WriteOptions {
        overwrite_mode: mode,
        wait_for_sync: req.flag("waitForSync", false) || info.wait_for_sync,
        ..WriteOptions::default()
    };
    if req.flag("overwrite", false) {
        state.store.truncate_collection(&req.db, &info.name).await?;
    }
    let edge = info.ty == CollectionType::Edge;
    let (from_prefix, to_prefix) = (req.param("fromPrefix"), req.param("toPrefix"));
    let mut txn = open(state, req).await?;
    let mut counts = Counts::default();
    for item in items {
        let (position, mut doc) = match item {
            Item::Empty => {
                counts.empty += 1;
                continue;
            }
            Item::Bad(position, why) => {
                if complete {
                    txn.finish(false).await?;
                    return Err(bad_request(&why));
                }
                counts.fail(position, why, None);
                continue;
            }
            Item::Doc(position, doc) => (position, doc),
        };
        if !matches!(doc, Value::Object(_)) {
            if complete {
                txn.finish(false).await?;
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            counts.fail(position, "invalid JSON type (expecting object)".into(), Some(&doc));
            continue;
        }
        if edge {
            prefixed(&mut doc, "_from", from_prefix);
            prefixed(&mut doc, "_to", to_prefix);
            if doc.get("_from").and_then(Value::as_str).is_none() || doc.get("_to").and_then(Value::as_str).is_none() {
                if complete {
                    txn.finish(false).await?;
                    return Err(AqlError::new(num::INVALID_EDGE_ATTRIBUTE, error_text(num::INVALID_EDGE_ATTRIBUTE)));
                }
                counts.fail(position, "missing '_from' or '_to' attribute".into(), Some(&doc));
                continue;
            }
        }
        match txn.get().insert(&info.name, doc.clone(), &options).await {
            Ok(r) if r.ignored => counts.ignored += 1,
            Ok(r) if r.old_rev.is_some() => counts.updated += 1,
            Ok(_) => counts.created += 1,
            Err(e) if e.status >= 500 => {
                txn.finish(false).await?;
                return Err(e);
            }
            Err(e) => {
                if complete {
                    txn.finish(false).await?;
                    return Err(AqlError::new(e.num, error_text(e.num)));
                }
                counts.fail(
                    position,
                    format!("creating document failed with error '{}'", error_text(e.num)),
                    Some(&doc),
                );
            }
        }
    }
    txn.finish(true).await?;
    let mut fields = vec![
        ("error", Value::Bool(false)),
        ("created", Value::Int(counts.created)),
        ("errors", Value::Int(counts.errors)),
        ("empty", Value::Int(counts.empty)),
        ("updated", Value::Int(counts.updated)),
        ("ignored", Value::Int(counts.ignored)),
    ];
    if req.flag("details", false) {
        fields.push(("details", Value::Array(counts.details)));
    }
    Ok(Reply::json(201, Value::object(fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_follow_arangodb() {
        let items = header_rows(
            "[ \"_key\", \"value1\", \"value2\" ]\n[ \"abc\", 25, \"test\" ]\n\n[ \"foo\", \"bar\", \"baz\" ]",
        )
        .unwrap();
        let docs = items.iter().filter(|i| matches!(i, Item::Doc(..))).count();
        let empty = items.iter().filter(|i| matches!(i, Item::Empty)).count();
        assert_eq!((docs, empty), (2, 1));
        let e = header_rows("{ \"_key\": \"foo\", \"value1\": \"bar\" }").err().unwrap();
        assert_eq!((e.status, e.num, e.message.as_str()), (400, 400, "no JSON array found in second line"));
        let e = json_list("{ }").err().unwrap();
        assert_eq!(e.message, "expecting a JSON array in the request");
    }
}
