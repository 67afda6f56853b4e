//! In-process tests of the HTTP API over a real socket: a raw HTTP/1.1 client against
//! the router served on 127.0.0.1:0. Expected answers are ArangoDB's: the recorded
//! transcripts in ../shared/arangodb-examples/rest-examples.json (named per test) and
//! its documentation.

mod client;
mod cursors;
mod documents;
mod graphs;
mod server;
mod vectors;

use client::call;
use server::start_bare;

use crate::value::Value;

#[tokio::test]
async fn version_needs_authentication() {
    let srv = start_bare(Default::default()).await;
    let r = call(srv, "GET", "/_api/version", &[], None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        Value::object([
            ("code", Value::Int(401)),
            ("error", Value::Bool(true)),
            ("errorMessage", Value::str("not authorized to execute this request")),
            ("errorNum", Value::Int(11)),
        ])
    );
    assert!(r.header("www-authenticate").is_some());
    let r = call(srv, "GET", "/_api/version", &[("authorization", &client::basic("root", "x"))], None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn version_and_admin_answers() {
    let srv = start_bare(Default::default()).await;
    let root = client::basic("root", "");
    let auth = [("authorization", root.as_str())];
    let r = call(srv, "GET", "/_api/version", &auth, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    // Every recorded response carries these (rest-examples.json), the queue time too.
    assert_eq!(r.header("x-arango-queue-time-seconds"), Some("0.000000"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("server"), Some("ArangoDB"));
    let v = r.json();
    assert_eq!(v.get("server"), Some(&Value::str("arango")));
    assert_eq!(v.get("version"), Some(&Value::str("4.0.0")));
    assert!(v.get("details").is_none());
    assert!(v.get("errorNum").is_none());
    let v = call(srv, "GET", "/_api/version?details=true", &auth, None).await.json();
    assert_eq!(v.get("details").and_then(|d| d.get("engine")), Some(&Value::str("rocksdb")));
    let r = call(srv, "HEAD", "/_api/version", &auth, None).await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let v = call(srv, "GET", "/_api/engine", &auth, None).await.json();
    assert_eq!(v.get("name"), Some(&Value::str("rocksdb")));
    let v = call(srv, "GET", "/_admin/time", &auth, None).await.json();
    assert_eq!(v.get("error"), Some(&Value::Bool(false)));
    assert!(v.get("time").and_then(Value::as_f64).is_some_and(|t| t > 1.7e9));
    let v = call(srv, "GET", "/_admin/server/availability", &auth, None).await.json();
    assert_eq!(v.get("mode"), Some(&Value::str("default")));
    let r = call(srv, "GET", "/_admin/metrics/v2", &auth, None).await;
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(r.status == 200 && text.contains("# TYPE orbit_aql_http_requests_total counter"), "{text}");
    let v = call(srv, "GET", "/_admin/database/target-version", &auth, None).await.json();
    assert_eq!(v.get("version"), Some(&Value::str("4.0.0")));
    // python-arango's test_database_misc_methods: set_mode
    let r = call(srv, "PUT", "/_admin/server/mode", &auth, Some(r#"{"mode":"default"}"#)).await;
    assert_eq!((r.status, r.json()), (200, Value::object([("mode", Value::str("default"))])));
    let r = call(srv, "PUT", "/_admin/server/mode", &auth, Some(r#"{"mode":"readonly"}"#)).await;
    assert_eq!(r.status, 501);
    let r = call(srv, "PUT", "/_admin/server/mode", &auth, Some(r#"{"mode":"badmode"}"#)).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn jwt_login_and_superuser_tokens() {
    let options = super::AqlOptions { jwt_secret: Some("s3cret".into()), ..Default::default() };
    let srv = start_bare(options).await;
    let r = call(srv, "POST", "/_open/auth", &[], Some(r#"{"username":"root","password":""}"#)).await;
    assert_eq!(r.status, 200);
    let jwt = r.json().get("jwt").and_then(Value::as_str).map(str::to_string).unwrap_or_default();
    assert_eq!(jwt.split('.').count(), 3);
    let bearer = format!("bearer {jwt}");
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", &bearer)], None).await.status, 200);
    // arangojs renewAuthToken
    let r = call(srv, "POST", "/_open/auth/renew", &[("authorization", &bearer)], None).await;
    let renewed = r.json().get("jwt").and_then(Value::as_str).map(str::to_string).unwrap_or_default();
    assert_eq!((r.status, renewed.split('.').count()), (200, 3));
    assert_eq!(call(srv, "POST", "/_open/auth/renew", &[], None).await.status, 401);
    let r = call(srv, "POST", "/_open/auth", &[], Some(r#"{"username":"root","password":"wrong"}"#)).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (401, Some(Value::Int(401))));
    let forged = super::auth::Auth::new(Some("other")).issue("root");
    let r = call(srv, "GET", "/_api/version", &[("authorization", &format!("bearer {forged}"))], None).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (401, Some(Value::Int(11))));
    let challenges: Vec<&str> =
        r.headers.iter().filter(|(k, _)| k == "www-authenticate").map(|(_, v)| v.as_str()).collect();
    assert_eq!(challenges, ["Basic, realm=\"ArangoDB\"", "Bearer, token_type=\"JWT\", realm=\"ArangoDB\""]);
    let su = super::auth::Auth::new(Some("s3cret")).superuser_token();
    let r = call(srv, "GET", "/_api/version", &[("authorization", &format!("bearer {su}"))], None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unknown_paths_and_unsupported_features() {
    let srv = start_bare(Default::default()).await;
    let root = client::basic("root", "");
    let auth = [("authorization", root.as_str())];
    let r = call(srv, "GET", "/_api/nope", &auth, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json().get("errorMessage"), Some(&Value::str("unknown path '/_api/nope'")));
    assert_eq!(r.json().get("errorNum"), Some(&Value::Int(404)));
    for (method, path, body) in [
        ("GET", "/_api/view", None),
        ("POST", "/_api/aqlfunction", Some(r#"{"name":"a::b","code":"function(){}"}"#)),
        ("GET", "/_api/control_pregel", None),
        ("POST", "/_admin/backup/create", Some("{}")),
        ("GET", "/_api/analyzer", None),
        ("GET", "/_api/tasks", None),
        ("GET", "/_api/job/pending", None),
        ("POST", "/_api/transaction", Some(r#"{"collections":{},"action":"function () { return 1; }"}"#)),
        ("GET", "/_api/replication/logger-state", None),
        ("GET", "/_api/engine/stats", None),
        ("PUT", "/_admin/wal/flush", None),
        ("POST", "/_api/traversal", Some("{}")),
    ] {
        let r = call(srv, method, path, &auth, body).await;
        assert_eq!(r.status, 501, "{method} {path}");
        let v = r.json();
        assert_eq!(v.get("errorNum"), Some(&Value::Int(9)), "{method} {path}");
        assert!(v.get("errorMessage").and_then(Value::as_str).is_some_and(|m| m.contains("not supported")));
    }
    // HttpClearQueryResultsCache, HttpClearQueryPlanCache: no cache, nothing to clear
    let r = call(srv, "DELETE", "/_api/query-cache", &auth, None).await;
    assert_eq!((r.status, r.json()), (200, Value::object([("error", Value::Bool(false)), ("code", Value::Int(200))])));
    assert_eq!(call(srv, "DELETE", "/_api/query-plan-cache", &auth, None).await.status, 200);
    let v = call(srv, "GET", "/_api/query-cache/properties", &auth, None).await.json();
    assert_eq!(v.get("mode"), Some(&Value::str("off")));
    let r = call(srv, "PUT", "/_api/query-cache/properties", &auth, Some(r#"{"mode":"demand"}"#)).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (501, Some(Value::Int(9))));
    let async_header = [("authorization", root.as_str()), ("x-arango-async", "true")];
    let r = call(srv, "PUT", "/_api/version", &async_header, None).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (501, Some(Value::Int(9))));
}

#[tokio::test]
async fn bad_bodies_are_rejected() {
    let options = super::AqlOptions { max_body_bytes: 1024, ..Default::default() };
    let srv = start_bare(options).await;
    let root = client::basic("root", "");
    let auth = [("authorization", root.as_str())];
    // RestDocumentHandlerPostBadJson1: 400, errorNum 600.
    let r = call(srv, "POST", "/_api/document/products", &auth, Some(r#"{ 1: "World" }"#)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().get("errorNum"), Some(&Value::Int(600)));
    let r = client::call_bytes(srv, "POST", "/_api/document/products", &auth, b"{\"a\":\"\xff\xfe\"}").await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (400, Some(Value::Int(600))));
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(4096));
    let r = call(srv, "POST", "/_api/document/products", &auth, Some(&big)).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (413, Some(Value::Int(413))));
    let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
    let r = call(srv, "POST", "/_api/document/products", &auth, Some(&deep)).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (400, Some(Value::Int(600))));
    assert_eq!(call(srv, "GET", "/_api/version", &auth, None).await.status, 200);
}

#[tokio::test]
async fn cursor_and_transaction_errors() {
    let srv = start_bare(Default::default()).await;
    let root = client::basic("root", "");
    let auth = [("authorization", root.as_str())];
    // RestCursorMissingCursorIdentifier
    let r = call(srv, "PUT", "/_api/cursor", &auth, None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json().get("errorMessage"), Some(&Value::str("expecting POST /_api/cursor/<cursor-id>")));
    // RestCursorCreateCursorMissingBody
    let r = call(srv, "POST", "/_api/cursor", &auth, None).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (400, Some(Value::Int(1502))));
    assert_eq!(r.json().get("errorMessage"), Some(&Value::str("query is empty")));
    // RestCursorInvalidCursorIdentifier, RestCursorPostInvalidCursorIdentifier
    for method in ["PUT", "POST"] {
        let r = call(srv, method, "/_api/cursor/123123", &auth, None).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json().get("errorNum"), Some(&Value::Int(1600)));
        assert_eq!(r.json().get("errorMessage"), Some(&Value::str("cursor not found")));
    }
    assert_eq!(call(srv, "DELETE", "/_api/cursor/123123", &auth, None).await.status, 404);
    let r = call(srv, "GET", "/_api/transaction/424242", &auth, None).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (404, Some(Value::Int(10))));
    assert_eq!(r.json().get("errorMessage"), Some(&Value::str("transaction '424242' not found")));
    let r = call(srv, "PUT", "/_api/transaction/424242", &auth, None).await;
    assert_eq!(r.status, 404);
    let r = call(srv, "GET", "/_api/transaction", &auth, None).await;
    assert_eq!(r.json(), Value::object([("transactions", Value::Array(vec![]))]));
}

#[tokio::test]
async fn users_and_access_levels() {
    let srv = start_bare(Default::default()).await;
    let root = client::basic("root", "");
    let auth = [("authorization", root.as_str())];
    // RestCreateUser
    let r = call(srv, "POST", "/_api/user", &auth, Some(r#"{"user":"admin@example","passwd":"secure"}"#)).await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.json(),
        Value::object([
            ("user", Value::str("admin@example")),
            ("active", Value::Bool(true)),
            ("extra", Value::object::<[(&str, Value); 0], &str>([])),
            ("code", Value::Int(201)),
            ("error", Value::Bool(false)),
        ])
    );
    let r = call(srv, "POST", "/_api/user", &auth, Some(r#"{"user":"admin@example","passwd":"x"}"#)).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (409, Some(Value::Int(1702))));
    let admin = client::basic("admin@example", "secure");
    let as_admin = [("authorization", admin.as_str())];
    assert_eq!(call(srv, "GET", "/_api/version", &as_admin, None).await.status, 401);
    // RestGrantDatabase
    let r = call(srv, "PUT", "/_api/user/admin@example/database/_system", &auth, Some(r#"{"grant":"rw"}"#)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json().get("_system"), Some(&Value::str("rw")));
    assert_eq!(call(srv, "GET", "/_api/version", &as_admin, None).await.status, 200);
    // RestFetchUserDatabasePermission
    let r = call(srv, "GET", "/_api/user/admin@example/database/_system", &auth, None).await;
    assert_eq!(r.json().get("result"), Some(&Value::str("rw")));
    // RestGrantCollection
    let r =
        call(srv, "PUT", "/_api/user/admin@example/database/_system/reports", &auth, Some(r#"{"grant":"ro"}"#)).await;
    assert_eq!(r.json().get("_system/reports"), Some(&Value::str("ro")));
    // RestUpdateUser, RestReplaceUser
    let r = call(srv, "PATCH", "/_api/user/admin@example", &auth, Some(r#"{"passwd":"new"}"#)).await;
    assert_eq!(r.status, 200);
    assert_eq!(call(srv, "GET", "/_api/version", &as_admin, None).await.status, 401);
    let admin2 = client::basic("admin@example", "new");
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", admin2.as_str())], None).await.status, 200);
    // RestFetchAllUser
    let r = call(srv, "GET", "/_api/user", &auth, None).await;
    assert_eq!(r.json().get("result").and_then(Value::as_array).map(|a| a.len()), Some(2));
    // RestDeleteUser
    let r = call(srv, "DELETE", "/_api/user/admin@example", &auth, None).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), Value::object([("error", Value::Bool(false)), ("code", Value::Int(202))]));
    let r = call(srv, "GET", "/_api/user/admin@example", &auth, None).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (404, Some(Value::Int(1703))));
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", admin2.as_str())], None).await.status, 401);
}

#[tokio::test]
async fn options_needs_no_authentication() {
    let srv = start_bare(Default::default()).await;
    let r = call(srv, "OPTIONS", "/_api/collection", &[], None).await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert!(r.header("allow").is_some_and(|a| a.contains("POST")));
}

#[tokio::test]
async fn authentication_off_lets_everyone_in() {
    let options = super::AqlOptions { authentication: false, ..Default::default() };
    let srv = start_bare(options).await;
    assert_eq!(call(srv, "GET", "/_api/version", &[], None).await.status, 200);
}

#[tokio::test]
async fn the_listener_serves_caps_connections_and_stops_on_shutdown() {
    use orbit_protocol_api::{ListenerContext, ProtocolListener};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let storage = orbit_storage::KvTableStorage::open(std::sync::Arc::new(orbit_storage::MemoryEngine::new()))
        .await
        .expect("memory storage");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let ctx = ListenerContext { storage, graphrag_storage: None, local_addr: addr, shutdown };
    let options = super::AqlOptions { max_connections: Some(1), ..Default::default() };
    let served = tokio::spawn(Box::new(super::AqlListener::new(options)).serve(listener, ctx));
    let root = client::basic("root", "");
    let mut ready = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(ready);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = call(addr, "GET", "/_api/endpoint", &[("authorization", root.as_str())], None).await;
    assert_eq!(r.json(), Value::Array(vec![Value::object([("endpoint", Value::String(format!("http://{addr}")))])]));
    // One connection held open: the next one is closed without an answer.
    let mut held = tokio::net::TcpStream::connect(addr).await.expect("connect");
    held.write_all(format!("GET /_api/version HTTP/1.1\r\nHost: x\r\nAuthorization: {root}\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut first = [0u8; 12];
    held.read_exact(&mut first).await.expect("answer on the held connection");
    assert_eq!(&first, b"HTTP/1.1 200");
    let mut other = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = other.write_all(b"GET /_api/version HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut buf = Vec::new();
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), other.read_to_end(&mut buf)).await;
    assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "over the cap: closed, got {buf:?}");
    drop(held);
    stop.send(true).expect("shutdown");
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), served).await;
    assert!(matches!(done, Ok(Ok(Ok(())))), "serve returns Ok after shutdown");
}

#[tokio::test]
async fn users_survive_a_restart_and_are_stored_hashed() {
    use crate::store::TxnOptions;
    let storage = orbit_storage::KvTableStorage::open(std::sync::Arc::new(orbit_storage::MemoryEngine::new()))
        .await
        .expect("memory storage");
    let options = super::AqlOptions { users: vec![("root".into(), "rootpw".into())], ..Default::default() };
    let state = super::build_state(storage.clone(), options.clone()).await.expect("state");
    let app = super::router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let root = client::basic("root", "rootpw");
    let body = r#"{"user":"kept","passwd":"plain-secret-42"}"#;
    assert_eq!(call(addr, "POST", "/_api/user", &[("authorization", &root)], Some(body)).await.status, 201);
    let grant = r#"{"grant":"ro"}"#;
    call(addr, "PUT", "/_api/user/kept/database/_system", &[("authorization", &root)], Some(grant)).await;

    let again = super::build_state(storage, options).await.expect("state after restart");
    assert!(again.users.check_password("kept", "plain-secret-42"));
    assert!(!again.users.check_password("kept", "wrong"));
    assert_eq!(again.users.db_level("kept", "_system"), "ro");
    assert!(again.users.check_password("root", "rootpw"));
    let mut txn = again.store.begin("_system", TxnOptions::default()).await.expect("txn");
    let page = txn.scan(super::user::USERS_COLLECTION, None, 100).await.expect("scan");
    let stored = crate::value::json::to_json_string(&Value::Array(page.docs));
    assert!(stored.contains("\"user\":\"kept\"") && !stored.contains("plain-secret-42") && !stored.contains("rootpw"));
}

#[tokio::test]
async fn access_tokens_stand_in_for_passwords() {
    let srv = start_bare(Default::default()).await;
    let root = client::basic("root", "");
    let auth = [("authorization", root.as_str())];
    let until = super::auth::now_seconds() + 3600;
    // RestAccessTokenCreate
    let body = format!(r#"{{"name":"Token for Service A","valid_until":{until}}}"#);
    let r = call(srv, "POST", "/_api/token/root", &auth, Some(&body)).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let token = v.get("token").and_then(Value::as_str).unwrap_or_default().to_string();
    assert!(token.starts_with("v1."));
    assert_eq!((v.get("active"), v.get("valid_until")), (Some(&Value::Bool(true)), Some(&Value::Int(until))));
    let fingerprint = v.get("fingerprint").and_then(Value::as_str).unwrap_or_default();
    assert!(fingerprint.starts_with("v1...") && token.ends_with(&fingerprint[5..]));
    let r = call(srv, "POST", "/_api/token/root", &auth, Some(&body)).await;
    assert_eq!(r.status, 409, "a second token of the same name");
    // the token is a password
    let with_token = client::basic("root", &token);
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", &with_token)], None).await.status, 200);
    let login = format!(r#"{{"username":"root","password":"{token}"}}"#);
    assert_eq!(call(srv, "POST", "/_open/auth", &[], Some(&login)).await.status, 200);
    // with an empty user name the token says whose it is (arangojs useAccessToken, login("", token))
    let anonymous = client::basic("", &token);
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", &anonymous)], None).await.status, 200);
    let login = format!(r#"{{"username":"","password":"{token}"}}"#);
    let jwt = call(srv, "POST", "/_open/auth", &[], Some(&login)).await.json();
    let bearer = format!("bearer {}", jwt.get("jwt").and_then(Value::as_str).unwrap_or_default());
    let who = call(srv, "GET", "/_api/user/root", &[("authorization", &bearer)], None).await;
    assert_eq!(who.status, 200, "the session token is root's");
    let forged = format!("v1.{}", token.get(3..).unwrap_or_default().replace('a', "b"));
    assert_eq!(
        call(srv, "GET", "/_api/version", &[("authorization", &client::basic("", &forged))], None).await.status,
        401
    );
    // RestAccessTokenList: metadata only
    let v = call(srv, "GET", "/_api/token/root", &[("authorization", &with_token)], None).await.json();
    let listed = v.get("tokens").and_then(Value::as_array).unwrap_or_default().to_vec();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("token").is_none() && listed[0].get("hash").is_none());
    let id = listed[0].get("id").cloned().unwrap_or_default();
    // RestAccessTokenDelete
    let r = call(srv, "DELETE", &format!("/_api/token/root/{}", crate::value::json::to_json_string(&id)), &auth, None)
        .await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = call(srv, "DELETE", &format!("/_api/token/root/{}", crate::value::json::to_json_string(&id)), &auth, None)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", &with_token)], None).await.status, 401);
    let past = r#"{"name":"old","valid_until":1}"#;
    assert_eq!(call(srv, "POST", "/_api/token/root", &auth, Some(past)).await.status, 400);
    let v = call(srv, "POST", "/_api/token/root", &auth, Some(r#"{"name":"forever"}"#)).await.json();
    assert!(v.get("valid_until").is_none(), "{v:?}");
    let forever = client::basic("root", v.get("token").and_then(Value::as_str).unwrap_or_default());
    assert_eq!(call(srv, "GET", "/_api/version", &[("authorization", &forever)], None).await.status, 200);
}
