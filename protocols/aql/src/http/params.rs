//! A request as the handlers see it ([`Req`]): the database (`/_db/{name}/` prefix,
//! URL-decoded, Unicode names included; `_system` when bare), the URL-decoded path
//! segments after it, the decoded query parameters, the headers and the body, with the
//! readers every handler shares: boolean parameters (`true|false|1|0`), the JSON body
//! (400/600 for malformed JSON or invalid UTF-8) and the stream transaction header.

use crate::error::{num, AqlError, AqlResult};
use crate::value::{json, Value};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;
use percent_encoding::percent_decode_str;

/// Path segments accepted after the database prefix.
const MAX_SEGMENTS: usize = 16;

pub struct Req {
    pub method: Method,
    /// The path as sent, without the query string.
    pub path: String,
    pub db: String,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The authenticated user (None when authentication is off).
    pub user: Option<String>,
}

/// Decodes one percent-encoded part; 400 when it is not UTF-8.
pub fn decode(part: &str, plus_is_space: bool) -> AqlResult<String> {
    let replaced;
    let text = if plus_is_space && part.contains('+') {
        replaced = part.replace('+', " ");
        replaced.as_str()
    } else {
        part
    };
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| AqlError::with_status(num::HTTP_BAD_PARAMETER, 400, "invalid URL encoding (not UTF-8)"))
}

/// The database and the segments after it: `/_db/x/_api/y` → ("x", ["_api", "y"]).
pub fn split_path(path: &str) -> AqlResult<(String, Vec<String>)> {
    let mut raw: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut db = "_system".to_string();
    if raw.first() == Some(&"_db") {
        let name = raw.get(1).copied().unwrap_or("");
        db = decode(name, false)?;
        raw.drain(..raw.len().min(2));
    }
    if raw.len() > MAX_SEGMENTS {
        return Err(AqlError::with_status(num::HTTP_NOT_FOUND, 404, format!("unknown path '{path}'")));
    }
    let segments = raw.into_iter().map(|s| decode(s, false)).collect::<AqlResult<Vec<_>>>()?;
    Ok((db, segments))
}

pub fn split_query(query: Option<&str>) -> AqlResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((decode(k, true)?, decode(v, true)?));
    }
    Ok(out)
}

/// A boolean query parameter's text: `true`/`1` (and `yes`/`on`) are true.
pub fn parse_bool(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on" | "y")
}

impl Req {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.param(name).map(parse_bool).unwrap_or(default)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Segment `i` after the family's prefix, if present.
    pub fn seg(&self, i: usize) -> Option<&str> {
        self.segments.get(i).map(|s| s.as_str())
    }

    /// The body as text; 400/600 for invalid UTF-8.
    pub fn body_text(&self) -> AqlResult<&str> {
        std::str::from_utf8(&self.body)
            .map_err(|_| AqlError::with_status(num::CORRUPTED_JSON, 400, "VPackError error: invalid UTF-8 sequence"))
    }

    /// The JSON body; None when it is empty. 400/600 for malformed JSON.
    pub fn body_json(&self) -> AqlResult<Option<Value>> {
        let text = self.body_text()?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        json::parse(text.as_bytes())
            .map(Some)
            .map_err(|e| AqlError::with_status(num::CORRUPTED_JSON, 400, format!("VPackError error: {e}")))
    }

    /// The JSON body, which must be an object (an empty body is `{}`).
    pub fn body_object(&self) -> AqlResult<Value> {
        match self.body_json()? {
            None => Ok(Value::Object(Default::default())),
            Some(v @ Value::Object(_)) => Ok(v),
            Some(_) => Err(AqlError::with_status(num::HTTP_BAD_PARAMETER, 400, "expecting a JSON object body")),
        }
    }

    /// The stream transaction the request runs in (`x-arango-trx-id`).
    pub fn trx_id(&self) -> Option<&str> {
        self.header("x-arango-trx-id").map(str::trim).filter(|s| !s.is_empty())
    }

    pub fn is(&self, method: &Method) -> bool {
        self.method == *method || (*method == Method::GET && self.method == Method::HEAD)
    }
}

/// An attribute of a JSON body as a string.
pub fn str_attr<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// An attribute of a JSON body as a bool (`default` when absent or not a bool).
pub fn bool_attr(body: &Value, name: &str, default: bool) -> bool {
    match body.get(name) {
        Some(Value::Bool(b)) => *b,
        _ => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries_decode() {
        let (db, segs) = split_path("/_db/%E2%82%AC-db/_api/document/c/k%20x").unwrap();
        assert_eq!(db, "€-db");
        assert_eq!(segs, ["_api", "document", "c", "k x"]);
        let (db, segs) = split_path("/_api/user/x/database/").unwrap();
        assert_eq!(db, "_system");
        assert_eq!(segs, ["_api", "user", "x", "database"]);
        assert!(split_path("/_db/%FF/_api/version").is_err());
        let q = split_query(Some("vertex=nodes%2F1&direction=in&a+b=c+d&flag")).unwrap();
        assert_eq!(q[0], ("vertex".to_string(), "nodes/1".to_string()));
        assert_eq!(q[2], ("a b".to_string(), "c d".to_string()));
        assert_eq!(q[3], ("flag".to_string(), String::new()));
        assert!(parse_bool("true") && parse_bool("1") && !parse_bool("false") && !parse_bool("0"));
    }
}
