//! What a handler answers: a [`Reply`] (status, headers, a JSON, text or empty body)
//! and the one place an [`AqlError`] becomes ArangoDB's error envelope
//! `{code, error: true, errorMessage, errorNum}`. JSON bodies carry
//! `application/json; charset=utf-8`, as ArangoDB sends them.

use crate::error::AqlError;
use crate::value::{json, Object, Value};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

#[derive(Debug)]
pub enum Body {
    Json(Value),
    Text(String),
    Empty,
}

/// A handler's answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

pub type HttpResult = Result<Reply, AqlError>;

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply { status, headers: Vec::new(), body: Body::Json(body) }
    }

    /// `{"error": false, "code": status, ...fields}`: the success body most endpoints send.
    pub fn ok(status: u16, fields: Vec<(&str, Value)>) -> Reply {
        let mut o = Object::with_capacity(fields.len() + 2);
        o.insert("error".into(), Value::Bool(false));
        o.insert("code".into(), Value::Int(status as i64));
        for (k, v) in fields {
            o.insert(k.to_string(), v);
        }
        Reply::json(status, Value::Object(o))
    }

    /// `object` with `"error": false, "code": status` added at its end.
    pub fn ok_object(status: u16, mut object: Object) -> Reply {
        object.insert("error".into(), Value::Bool(false));
        object.insert("code".into(), Value::Int(status as i64));
        Reply::json(status, Value::Object(object))
    }

    pub fn empty(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: Body::Empty }
    }

    pub fn text(status: u16, text: String) -> Reply {
        Reply { status, headers: Vec::new(), body: Body::Text(text) }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// The same answer without a body (HEAD).
    pub fn without_body(mut self) -> Reply {
        self.body = Body::Empty;
        self
    }
}

/// The error envelope of `e`.
pub fn error_body(e: &AqlError) -> Object {
    let mut o = Object::with_capacity(4);
    o.insert("code".into(), Value::Int(e.status as i64));
    o.insert("error".into(), Value::Bool(true));
    o.insert("errorMessage".into(), Value::String(e.message.clone()));
    o.insert("errorNum".into(), Value::Int(e.num as i64));
    o
}

pub fn error_reply(e: &AqlError) -> Reply {
    Reply::json(e.status, Value::Object(error_body(e)))
}

/// A per-element error of a batch: `{error: true, errorNum, errorMessage}`.
pub fn element_error(e: &AqlError) -> Value {
    Value::object([
        ("error", Value::Bool(true)),
        ("errorNum", Value::Int(e.num as i64)),
        ("errorMessage", Value::String(e.message.clone())),
    ])
}

/// `x-arango-error-codes` of a batch: `{"1210":1,...}` counted per errorNum.
pub fn error_codes_header(errors: &[u32]) -> Option<String> {
    if errors.is_empty() {
        return None;
    }
    let mut counts = std::collections::BTreeMap::<u32, i64>::new();
    for n in errors {
        *counts.entry(*n).or_default() += 1;
    }
    let o: Object = counts.into_iter().map(|(n, c)| (n.to_string(), Value::Int(c))).collect();
    Some(json::to_json_string(&Value::Object(o)))
}

/// ArangoDB's plain text for an error number (errors.yaml), as import details use it.
pub fn error_text(num: u32) -> &'static str {
    match num {
        1200 => "conflict",
        1202 => "document not found",
        1203 => "collection or view not found",
        1210 => "unique constraint violated",
        1221 => "illegal document key",
        1227 => "invalid document type",
        1233 => "invalid edge attribute",
        _ => "error",
    }
}

/// The headers ArangoDB sends with every response. Orbit answers each request as it
/// arrives, with no scheduler queue in front, so its queue time is always zero.
const STANDARD_HEADERS: &[(&str, &str)] = &[
    ("server", "ArangoDB"),
    ("x-arango-queue-time-seconds", "0.000000"),
    ("cache-control", "no-cache, no-store, must-revalidate, pre-check=0, post-check=0, max-age=0, s-maxage=0"),
    ("content-security-policy", "frame-ancestors 'self'; form-action 'self';"),
    ("expires", "0"),
    ("pragma", "no-cache"),
    ("strict-transport-security", "max-age=31536000 ; includeSubDomains"),
    ("x-content-type-options", "nosniff"),
];

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (content_type, bytes): (Option<&str>, Vec<u8>) = match self.body {
            Body::Json(v) => (Some(JSON_CONTENT_TYPE), json::to_json_bytes(&v)),
            Body::Text(t) => (Some("text/plain; charset=utf-8"), t.into_bytes()),
            Body::Empty => (None, Vec::new()),
        };
        let mut response = (status, bytes).into_response();
        let headers = response.headers_mut();
        for (name, value) in STANDARD_HEADERS {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        if let Some(ct) = content_type {
            headers.insert("content-type", HeaderValue::from_static(ct));
        } else {
            headers.remove("content-type");
        }
        for (name, value) in self.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                headers.append(n, v);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_and_error_codes() {
        let e = AqlError::new(1202, "document not found");
        let body = json::to_json_string(&Value::Object(error_body(&e)));
        assert_eq!(body, r#"{"code":404,"error":true,"errorMessage":"document not found","errorNum":1202}"#);
        assert_eq!(error_codes_header(&[1210, 1202, 1210]).as_deref(), Some(r#"{"1202":1,"1210":2}"#));
        assert_eq!(error_codes_header(&[]), None);
    }
}
