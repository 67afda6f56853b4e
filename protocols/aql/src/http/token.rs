//! Access tokens (`/_api/token/{user}[/{id}]`, ArangoDB 3.12): create (the token string
//! is shown once, `v1.` and hex), list (metadata only), revoke. A token stands in for
//! the user's password in Basic authentication and at `POST /_open/auth` until it
//! expires or is revoked; only its SHA-256 is stored, with the user in `_users`. A
//! token created without `valid_until` does not expire (as arangojs documents it) and
//! reports none.

use super::auth::{now_seconds, random_bytes};
use super::params::{str_attr, Req};
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::user::check_admin;
use super::SharedState;
use crate::error::{num, AqlError};
use crate::value::{json, Object, Value};
use axum::http::Method;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref())
}

/// The token's metadata as listed (without its hash).
fn public(token: &Value) -> Value {
    match token {
        Value::Object(o) => {
            Value::Object(o.iter().filter(|(k, _)| *k != "hash").map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        other => other.clone(),
    }
}

/// The user an access token names (its payload's `u`): access tokens may be given with an
/// empty user name. None for anything that is not such a token; the token still has to
/// verify against that user's stored hashes.
pub fn token_user(token: &str) -> Option<String> {
    let hex_text = token.strip_prefix("v1.")?;
    if hex_text.len() > 4096 || hex_text.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..hex_text.len()).step_by(2).map(|i| u8::from_str_radix(hex_text.get(i..i + 2)?, 16).ok()).collect();
    let payload = json::parse(&bytes?).ok()?;
    payload.get("u").and_then(Value::as_str).map(str::to_string)
}

fn not_found(what: &str) -> AqlError {
    AqlError::with_status(num::HTTP_NOT_FOUND, 404, format!("access token {what} not found"))
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let (Some(name), rest) = (req.seg(2), req.segments.get(3..).unwrap_or_default()) else {
        return Err(unknown_path(req));
    };
    check_admin(state, req, Some(name)).or_else(|e| if req.user.as_deref() == Some(name) { Ok(()) } else { Err(e) })?;
    let mut record = state
        .users
        .get(name)
        .ok_or_else(|| AqlError::with_status(num::USER_NOT_FOUND, 404, format!("user '{name}' not found")))?;
    match (rest, &req.method) {
        ([], &Method::GET) => {
            let tokens: Vec<Value> = record.tokens.iter().map(public).collect();
            Ok(Reply::json(200, Value::object([("tokens", Value::Array(tokens))])))
        }
        ([], &Method::POST) => {
            let body = req.body_object()?;
            let token_name = str_attr(&body, "name")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| AqlError::bad_parameter("an access token needs a name"))?;
            let now = now_seconds();
            let valid_until = match body.get("valid_until") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_f64()
                        .filter(|v| *v > now as f64)
                        .ok_or_else(|| AqlError::bad_parameter("valid_until must be a Unix time in the future"))?
                        as i64,
                ),
            };
            if record.tokens.iter().any(|t| str_attr(t, "name") == Some(token_name)) {
                return Err(AqlError::with_status(
                    num::DUPLICATE_NAME,
                    409,
                    format!("an access token named '{token_name}' exists"),
                ));
            }
            let id =
                record.tokens.iter().filter_map(|t| t.get("id").and_then(Value::as_f64)).fold(0.0, f64::max) as i64 + 1;
            let mut payload = Object::new();
            if let Some(until) = valid_until {
                payload.insert("e".into(), Value::Int(until));
            }
            payload.insert("c".into(), Value::Int(now));
            payload.insert("u".into(), Value::str(name));
            payload.insert("r".into(), Value::String(hex(&random_bytes(16))));
            let payload = Value::Object(payload);
            let token = format!("v1.{}", hex(&json::to_json_bytes(&payload)));
            let fingerprint = format!("v1...{}", &token[token.len().saturating_sub(6)..]);
            let mut stored = Object::new();
            stored.insert("id".into(), Value::Int(id));
            stored.insert("name".into(), Value::str(token_name));
            if let Some(until) = valid_until {
                stored.insert("valid_until".into(), Value::Int(until));
            }
            stored.insert("created_at".into(), Value::Int(now));
            stored.insert("fingerprint".into(), Value::String(fingerprint));
            stored.insert("active".into(), Value::Bool(true));
            let mut answer = stored.clone();
            stored.insert("hash".into(), Value::String(token_hash(&token)));
            answer.insert("token".into(), Value::String(token));
            record.tokens.push(Value::Object(stored));
            state.users.put(record).await?;
            Ok(Reply::json(200, Value::Object(answer)))
        }
        ([id], &Method::DELETE) => {
            let before = record.tokens.len();
            record.tokens.retain(|t| t.get("id").and_then(Value::as_f64).map(|n| n.to_string()) != Some(id.clone()));
            if record.tokens.len() == before {
                return Err(not_found(id));
            }
            state.users.put(record).await?;
            Ok(Reply::empty(200))
        }
        _ => Err(unknown_path(req)),
    }
}
