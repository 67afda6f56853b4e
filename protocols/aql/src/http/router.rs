//! The one handler every request goes through: splits the path (`/_db/{name}/` prefix
//! or bare `_system`), authenticates (401/11 with `www-authenticate` otherwise), reads
//! the body only then (413 beyond max_body_bytes), checks the database (one that
//! does not exist is 401/11 with authentication on, as ArangoDB answers it, 404/1228
//! without) and the user's access to it and its collections, refuses async jobs and
//! parameters Orbit does not do (501/9), dispatches to the endpoint family,
//! and turns errors into the envelope; HEAD answers drop their body, OPTIONS is answered
//! without authentication (CORS preflight). Each request runs
//! in a tracing span with its method and path.

use super::auth::Credentials;
use super::params::{split_path, split_query, Req};
use super::response::{error_reply, Reply};
use super::{
    admin, caches, collection, cursor, database, document, edges, gharial, import, index, query, token, transaction,
    unsupported, user, SharedState,
};
use crate::error::{num, AqlError, AqlResult};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tracing::Instrument;

pub fn unknown_path(req: &Req) -> AqlError {
    AqlError::with_status(num::HTTP_NOT_FOUND, 404, format!("unknown path '{}'", req.path))
}

pub fn not_authorized() -> AqlError {
    AqlError::with_status(num::FORBIDDEN, 401, "not authorized to execute this request")
}

pub async fn handle(State(state): State<SharedState>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let span = tracing::info_span!("aql_request", protocol = "aql", method = %method, path = %path);
    async move {
        let head = method == Method::HEAD;
        let reply = match serve(&state, request).await {
            Ok(reply) => reply,
            Err(e) => {
                let reply = error_reply(&e);
                if e.status == 401 {
                    reply
                        .header("www-authenticate", "Basic, realm=\"ArangoDB\"")
                        .header("www-authenticate", "Bearer, token_type=\"JWT\", realm=\"ArangoDB\"")
                } else {
                    reply
                }
            }
        };
        tracing::debug!(status = reply.status, "answered");
        if head {
            reply.without_body().into_response()
        } else {
            reply.into_response()
        }
    }
    .instrument(span)
    .await
}

/// The request without its body: path, database, query and headers.
fn read_head(parts: axum::http::request::Parts) -> AqlResult<Req> {
    let path = parts.uri.path().to_string();
    let (db, segments) = split_path(&path)?;
    let query = split_query(parts.uri.query())?;
    Ok(Req { method: parts.method, path, db, segments, query, headers: parts.headers, body: Bytes::new(), user: None })
}

/// Reads the body (only once the request has authenticated), bounded by max_body_bytes.
async fn read_body(state: &SharedState, req: &mut Req, body: axum::body::Body) -> AqlResult<()> {
    let limit = state.options.max_body_bytes;
    let too_large = || {
        AqlError::with_status(num::HTTP_REQUEST_TOO_LARGE, 413, format!("request body is larger than {limit} bytes"))
    };
    let declared = req.header("content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    req.body = axum::body::to_bytes(body, limit).await.map_err(|e| {
        if e.to_string().contains("length limit") {
            too_large()
        } else {
            AqlError::with_status(num::HTTP_BAD_PARAMETER, 400, format!("cannot read the request body: {e}"))
        }
    })?;
    Ok(())
}

/// Who the request is from: Some(user), or 401.
fn authenticate(state: &SharedState, req: &Req) -> AqlResult<Option<String>> {
    if !state.options.authentication {
        return Ok(None);
    }
    match state.auth.credentials(req.header("authorization")) {
        Credentials::Basic { user, password } => {
            state.users.secret_user(&user, &password).map(Some).ok_or_else(not_authorized)
        }
        Credentials::Token { user: None } => Ok(Some("root".into())),
        Credentials::Token { user: Some(user) } if state.users.is_active(&user) => Ok(Some(user)),
        _ => Err(not_authorized()),
    }
}

fn is_write(req: &Req) -> bool {
    !matches!(req.method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The collection a document, edge, index, import or collection request works on.
fn target_collection<'a>(req: &'a Req, family: &[&str]) -> Option<&'a str> {
    match family.get(1).copied()? {
        "document" | "edges" | "collection" => req.seg(2).or_else(|| req.param("collection")),
        "index" | "import" => req.param("collection").or_else(|| req.seg(2)),
        _ => None,
    }
}

async fn serve(state: &SharedState, request: Request) -> AqlResult<Reply> {
    state.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if request.method() == Method::OPTIONS {
        // Answered without authentication, as ArangoDB does (CORS preflight).
        return Ok(Reply::empty(200).header("allow", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"));
    }
    let (parts, body) = request.into_parts();
    let mut req = read_head(parts)?;
    let open = req.segments.iter().take(2).map(String::as_str).eq(["_open", "auth"]);
    if !open {
        req.user = authenticate(state, &req)?;
    }
    read_body(state, &mut req, body).await?;
    let family: Vec<&str> = req.segments.iter().take(2).map(String::as_str).collect();
    if open {
        return user::open_auth(state, &req).await;
    }
    if req.header("x-arango-async").is_some() {
        return Err(AqlError::not_supported("async jobs (x-arango-async header)"));
    }
    if req.db != "_system" {
        match state.store.database(&req.db).await {
            Ok(_) => {}
            // ArangoDB answers a database that does not exist as one the user may not use.
            Err(e) if e.num == num::DATABASE_NOT_FOUND && req.user.is_some() => return Err(not_authorized()),
            Err(e) => return Err(e),
        }
    }
    if req.param("versionAttribute").is_some() {
        return Err(AqlError::not_supported("versionAttribute (writes conditional on a version attribute)"));
    }
    if req.header("content-type").is_some_and(|t| t.to_ascii_lowercase().contains("velocypack")) {
        return Err(AqlError::not_supported("VelocyPack request bodies (application/x-velocypack)"));
    }
    if let Some(encoding) = req.header("content-encoding").filter(|e| !e.trim().eq_ignore_ascii_case("identity")) {
        return Err(AqlError::not_supported(format!("compressed request bodies (content-encoding: {encoding})")));
    }
    if let Some(user) = &req.user {
        let level = state.users.db_level(user, &req.db);
        if level == "none" && family != ["_api", "user"] {
            return Err(not_authorized());
        }
        let writes = is_write(&req) && !req.flag("onlyget", false);
        match target_collection(&req, &family) {
            Some(collection) => match state.users.collection_level(user, &req.db, collection).as_str() {
                "rw" => {}
                "ro" if !writes => {}
                _ => return Err(AqlError::with_status(num::FORBIDDEN, 403, "forbidden")),
            },
            None if level == "ro" && writes && matches!(family.get(1).copied(), Some("gharial" | "collection")) => {
                return Err(AqlError::with_status(num::FORBIDDEN, 403, "forbidden"))
            }
            None => {}
        }
    }
    dispatch(state, &req, &family).await
}

async fn dispatch(state: &SharedState, req: &Req, family: &[&str]) -> AqlResult<Reply> {
    match family {
        ["_api", "version"]
        | ["_api", "engine"]
        | ["_api", "endpoint"]
        | ["_api", "key-generators"]
        | ["_admin", _] => match admin::handle(state, req).await? {
            Some(reply) => Ok(reply),
            None => unsupported::fallback(req),
        },
        ["_api", "database"] => database::handle(state, req).await,
        ["_api", "collection"] => collection::handle(state, req).await,
        ["_api", "document"] => document::handle(state, req).await,
        ["_api", "edges"] => edges::handle(state, req).await,
        ["_api", "index"] => index::handle(state, req).await,
        ["_api", "import"] => import::handle(state, req).await,
        ["_api", "cursor"] => cursor::handle(state, req).await,
        ["_api", "explain"] | ["_api", "query"] => query::handle(state, req).await,
        ["_api", "transaction"] => transaction::handle(state, req).await,
        ["_api", "gharial"] => gharial::handle(state, req).await,
        ["_api", "user"] => user::handle(state, req).await,
        ["_api", "token"] => token::handle(state, req).await,
        ["_api", "query-cache"] | ["_api", "query-plan-cache"] => caches::handle(req),
        _ => unsupported::fallback(req),
    }
}
