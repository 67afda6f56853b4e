//! Store-backed flows: databases, collections, documents, indexes, import, edges and
//! stream transactions, each against ArangoDB's recorded answer (the transcript named
//! in the comment).

use super::client::{basic, call, Resp};
use super::server::start;
use crate::value::{json, Value};
use std::net::SocketAddr;

struct Api {
    addr: SocketAddr,
    auth: String,
}

impl Api {
    async fn new() -> Api {
        Api { addr: start(Default::default()).await, auth: basic("root", "") }
    }

    async fn req(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        call(self.addr, method, path, &[("authorization", &self.auth)], body).await
    }

    async fn with(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
        let mut all = vec![("authorization", self.auth.as_str())];
        all.extend_from_slice(headers);
        call(self.addr, method, path, &all, body).await
    }

    async fn collection(&self, name: &str, ty: i64) {
        let r = self.req("POST", "/_api/collection", Some(&format!(r#"{{"name":"{name}","type":{ty}}}"#))).await;
        assert_eq!(r.status, 200, "create {name}: {}", String::from_utf8_lossy(&r.body));
    }
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    path.split('.')
        .try_fold(v, |v, p| match p.parse::<usize>() {
            Ok(i) => v.as_array().and_then(|a| a.get(i)),
            Err(_) => v.get(p),
        })
        .unwrap_or(&NULL)
}

fn s(v: &Value, path: &str) -> String {
    get(v, path).as_str().unwrap_or_default().to_string()
}

fn parse(text: &str) -> Value {
    json::parse(text.as_bytes()).expect("test JSON")
}

#[tokio::test]
async fn collections_follow_the_transcripts() {
    let api = Api::new().await;
    // RestCollectionCreateCollection
    let r = api.req("POST", "/_api/collection", Some(r#"{"name":"testCollectionBasics"}"#)).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    for (path, want) in [
        ("name", Value::str("testCollectionBasics")),
        ("type", Value::Int(2)),
        ("status", Value::Int(3)),
        ("isSystem", Value::Bool(false)),
        ("waitForSync", Value::Bool(false)),
        ("keyOptions.allowUserKeys", Value::Bool(true)),
        ("keyOptions.type", Value::str("traditional")),
        ("schema", Value::Null),
        ("error", Value::Bool(false)),
        ("code", Value::Int(200)),
    ] {
        assert_eq!(get(&v, path), &want, "{path}");
    }
    assert!(get(&v, "id").as_str().is_some());
    let r = api.req("POST", "/_api/collection", Some(r#"{"name":"testCollectionEdges","type":3}"#)).await;
    assert_eq!(get(&r.json(), "type"), &Value::Int(3));
    // RestCollectionCreateKeyopt
    let body =
        r#"{"name":"testCollectionUsers","keyOptions":{"type":"autoincrement","increment":5,"allowUserKeys":true}}"#;
    let v = api.req("POST", "/_api/collection", Some(body)).await.json();
    assert_eq!(get(&v, "keyOptions.type"), &Value::str("autoincrement"));
    assert_eq!(get(&v, "keyOptions.increment"), &Value::Int(5));
    assert_eq!(get(&v, "keyOptions.lastValue"), &Value::Int(0));
    let r = api.req("POST", "/_api/collection", Some(r#"{"name":"testCollectionBasics"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (409, Value::Int(1207)));
    // RestCollectionIdentifierPropertiesSync
    let r = api.req("PUT", "/_api/collection/testCollectionBasics/properties", Some(r#"{"waitForSync":true}"#)).await;
    assert_eq!(get(&r.json(), "waitForSync"), &Value::Bool(true));
    assert_eq!(r.header("location"), Some("/_db/_system/_api/collection/testCollectionBasics/properties"));
    // RestCollectionGetCollectionCount
    api.req("POST", "/_api/document/testCollectionBasics", Some("{}")).await;
    let v = api.req("GET", "/_api/collection/testCollectionBasics/count", None).await.json();
    assert_eq!(get(&v, "count"), &Value::Int(1));
    let key = s(&api.req("POST", "/_api/document/testCollectionBasics", Some("{}")).await.json(), "_key");
    assert_eq!(get(&v, "keyOptions.type"), &Value::str("traditional"));
    let v = api.req("GET", "/_api/collection/testCollectionBasics/properties", None).await.json();
    assert_eq!(get(&v, "keyOptions.lastValue").as_f64(), key.parse::<f64>().ok());
    // RestCollectionGetCollectionFigures, RestCollectionGetCollectionFiguresDetails
    let v = api.req("GET", "/_api/collection/testCollectionBasics/figures", None).await.json();
    assert!(get(&v, "figures.documentsSize").as_f64().is_some_and(|n| n > 0.0));
    assert_eq!(get(&v, "figures.indexes.count"), &Value::Int(1));
    assert!(get(&v, "figures.indexes.size").as_f64().is_some_and(|n| n > 0.0));
    assert_eq!(v.get("figures").and_then(|f| f.get("engine")), None);
    let v = api.req("GET", "/_api/collection/testCollectionBasics/figures?details=true", None).await.json();
    assert_eq!(get(&v, "figures.engine.documents"), &Value::Int(2));
    let engine_indexes = json::parse(br#"[{"type":"primary","id":0,"count":2}]"#).unwrap();
    assert_eq!(get(&v, "figures.engine.indexes"), &engine_indexes);
    // RestCollectionGetAllCollections (excludeSystem)
    let v = api.req("GET", "/_api/collection?excludeSystem=true", None).await.json();
    let names: Vec<String> = get(&v, "result").as_array().unwrap_or_default().iter().map(|c| s(c, "name")).collect();
    assert!(names.contains(&"testCollectionEdges".to_string()) && !names.iter().any(|n| n.starts_with('_')));
    // RestCollectionIdentifierRename
    let v = api.req("PUT", "/_api/collection/testCollectionUsers/rename", Some(r#"{"name":"newname"}"#)).await.json();
    assert_eq!(get(&v, "name"), &Value::str("newname"));
    // RestCollectionIdentifierTruncate
    let r = api.req("PUT", "/_api/collection/testCollectionBasics/truncate", None).await;
    assert_eq!(r.status, 200);
    let v = api.req("GET", "/_api/collection/testCollectionBasics/count", None).await.json();
    assert_eq!(get(&v, "count"), &Value::Int(0));
    let r = api.req("PUT", "/_api/collection/testCollectionBasics/recalculateCount", None).await;
    assert_eq!((get(&r.json(), "result"), get(&r.json(), "count")), (&Value::Bool(true), &Value::Int(0)));
    let r =
        api.with("POST", "/_api/document/testCollectionBasics", &[("content-encoding", "deflate")], Some("x")).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (501, Value::Int(9)));
    let r = api.req("GET", "/_api/collection/testCollectionBasics/checksum", None).await;
    assert_eq!(r.status, 200);
    assert!(get(&r.json(), "checksum").as_str().is_some());
    let r = api.req("GET", "/_api/collection/testCollectionBasics/responsibleShard", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (501, Value::Int(9)));
    // RestCollectionDeleteCollectionName
    let r = api.req("DELETE", "/_api/collection/newname", None).await;
    assert_eq!(r.status, 200);
    assert!(get(&r.json(), "id").as_str().is_some());
    let r = api.req("GET", "/_api/collection/newname", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1203)));
}

#[tokio::test]
async fn single_documents_follow_the_transcripts() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    // RestDocumentHandlerPostAccept1 / PostWait1
    let r = api.req("POST", "/_api/document/products", Some(r#"{"Hello":"World"}"#)).await;
    assert_eq!(r.status, 202);
    let v = r.json();
    let (key, rev) = (s(&v, "_key"), s(&v, "_rev"));
    assert_eq!(s(&v, "_id"), format!("products/{key}"));
    assert_eq!(r.header("etag"), Some(format!("\"{rev}\"").as_str()));
    assert_eq!(r.header("location"), Some(format!("/_db/_system/_api/document/products/{key}").as_str()));
    assert_eq!(v.as_object().map(|o| o.len()), Some(3));
    let r = api.req("POST", "/_api/document/products?waitForSync=true", Some(r#"{"Hello":"World"}"#)).await;
    assert_eq!(r.status, 201);
    // RestDocumentHandlerPostReturnNew
    let r = api.req("POST", "/_api/document/products?returnNew=true", Some(r#"{"Hello":"World"}"#)).await;
    assert_eq!(get(&r.json(), "new.Hello"), &Value::str("World"));
    // RestDocumentHandlerReadDocument, ReadDocumentHead, ReadDocumentIfNoneMatch
    let path = format!("/_api/document/products/{key}");
    let r = api.req("GET", &path, None).await;
    assert_eq!((r.status, s(&r.json(), "Hello")), (200, "World".to_string()));
    assert_eq!(r.header("etag"), Some(format!("\"{rev}\"").as_str()));
    let r = api.req("HEAD", &path, None).await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let quoted = format!("\"{rev}\"");
    let r = api.with("GET", &path, &[("if-none-match", &quoted)], None).await;
    assert_eq!((r.status, r.body.len()), (304, 0));
    // RestDocumentHandlerUpdateDocumentIfMatchOther
    let r = api.with("PUT", &path, &[("if-match", "\"_zzzzzzzzz--\"")], Some(r#"{"other":"content"}"#)).await;
    assert_eq!(r.status, 412);
    let v = r.json();
    assert_eq!((get(&v, "errorNum"), s(&v, "_rev")), (&Value::Int(1200), rev.clone()));
    assert_eq!(r.header("etag"), Some(quoted.as_str()));
    let r = api.with("GET", &path, &[("if-match", "\"_zzzzzzzzz--\"")], None).await;
    assert_eq!(r.status, 412);
    // RestDocumentHandlerUpdateDocument
    let r = api.req("PUT", &path, Some(r#"{"Hello":"you"}"#)).await;
    assert_eq!(r.status, 202);
    assert_eq!(s(&r.json(), "_oldRev"), rev);
    // RestDocumentHandlerReadDocumentUnknownHandle, UpdateDocumentUnknownHandle
    let r = api.req("GET", "/_api/document/products/unknown-identifier", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1202)));
    let r = api.req("PUT", "/_api/document/products/nothere", Some("{}")).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1202)));
    // RestDocumentHandlerPostUnknownCollection1
    let r = api.req("POST", "/_api/document/nothere", Some(r#"{"Hello":"World"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1203)));
    // RestDocumentHandlerPostOverwrite
    let r = api.req("POST", "/_api/document/products", Some(r#"{"Hello":"World","_key":"lock"}"#)).await;
    let first = s(&r.json(), "_rev");
    let r = api.req("POST", "/_api/document/products", Some(r#"{"Hello":"World","_key":"lock"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (409, Value::Int(1210)));
    let r =
        api.req("POST", "/_api/document/products?overwrite=true", Some(r#"{"Hello":"Universe","_key":"lock"}"#)).await;
    assert_eq!(s(&r.json(), "_oldRev"), first);
    let r = api.req("PATCH", "/_api/document/products/lock?versionAttribute=v", Some(r#"{"v":2}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (501, Value::Int(9)));
    // RestDocumentHandlerDeleteDocument
    let r = api.req("DELETE", &path, None).await;
    assert_eq!(r.status, 202);
    assert_eq!(s(&r.json(), "_key"), key);
    assert_eq!(api.req("GET", &path, None).await.status, 404);
}

#[tokio::test]
async fn patch_keep_null_and_merge_objects() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    let key = s(&api.req("POST", "/_api/document/products", Some(r#"{"one":"world"}"#)).await.json(), "_key");
    let path = format!("/_api/document/products/{key}");
    // RestDocumentHandlerPatchDocument
    assert_eq!(api.req("PATCH", &path, Some(r#"{"hello":"world"}"#)).await.status, 202);
    api.req("PATCH", &path, Some(r#"{"numbers":{"one":1,"two":2,"three":3,"empty":null}}"#)).await;
    api.req("PATCH", &format!("{path}?keepNull=false"), Some(r#"{"hello":null,"numbers":{"four":4}}"#)).await;
    let v = api.req("GET", &path, None).await.json();
    assert_eq!(get(&v, "hello"), &Value::Null);
    assert!(v.get("hello").is_none());
    assert_eq!(get(&v, "numbers"), &parse(r#"{"one":1,"two":2,"three":3,"empty":null,"four":4}"#));
    // RestDocumentHandlerPatchDocumentMerge
    api.req("PATCH", &format!("{path}?mergeObjects=false"), Some(r#"{"numbers":{"pakistan":188346000}}"#)).await;
    let v = api.req("GET", &path, None).await.json();
    assert_eq!(get(&v, "numbers"), &parse(r#"{"pakistan":188346000}"#));
}

#[tokio::test]
async fn batches_answer_per_element() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    // RestDocumentHandlerPostMulti1
    let r = api
        .req("POST", "/_api/document/products", Some(r#"[{"Hello":"Earth"},{"Hello":"Venus"},{"Hello":"Mars"}]"#))
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.json().as_array().map(|a| a.len()), Some(3));
    assert!(r.header("x-arango-error-codes").is_none());
    // RestDocumentHandlerPostBadJsonMulti
    let r = api.req("POST", "/_api/document/products", Some(r#"[{"_key":111},{"_key":"abc"}]"#)).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.header("x-arango-error-codes"), Some(r#"{"1221":1}"#));
    let v = r.json();
    assert_eq!((get(&v, "0.error"), get(&v, "0.errorNum")), (&Value::Bool(true), &Value::Int(1221)));
    assert_eq!(s(&v, "1._id"), "products/abc");
    api.req("POST", "/_api/document/products", Some(r#"[{"_key":"doc1","hello":"world"},{"_key":"doc2","say":"hi"}]"#))
        .await;
    // RestDocumentHandlerReadMultiDocument
    let r = api.req("PUT", "/_api/document/products?onlyget=true", Some(r#"["doc1",{"_key":"doc2"},"nope"]"#)).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!((s(&v, "0.hello"), s(&v, "1.say")), ("world".to_string(), "hi".to_string()));
    assert_eq!(get(&v, "2.errorNum"), &Value::Int(1202));
    assert_eq!(r.header("x-arango-error-codes"), Some(r#"{"1202":1}"#));
    // RestDocumentHandlerDeleteDocumentRevConflictMulti
    let body = r#"[{"_key":"doc1","_rev":"non-matching revision"},{"_key":"doc2","_rev":"non-matching revision"}]"#;
    let r = api.req("DELETE", "/_api/document/products?ignoreRevs=false", Some(body)).await;
    assert_eq!(r.header("x-arango-error-codes"), Some(r#"{"1200":2}"#));
    // python-arango's test_document_*_many: a batch with failures is 202 even with waitForSync
    let r =
        api.req("POST", "/_api/document/products?waitForSync=true", Some(r#"[{"_key":"abc"},{"_key":"new1"}]"#)).await;
    assert_eq!((r.status, r.header("x-arango-error-codes")), (202, Some(r#"{"1210":1}"#)));
    let r = api.req("POST", "/_api/document/products?waitForSync=true", Some(r#"[{"_key":"new2"}]"#)).await;
    assert_eq!(r.status, 201);
    // RestDocumentHandlerDeleteDocumentUnknownMulti
    let r = api.req("DELETE", "/_api/document/products", Some(r#"["nothere","other/doc1"]"#)).await;
    assert_eq!(r.header("x-arango-error-codes"), Some(r#"{"1202":2}"#));
    // RestDocumentHandlerDeleteDocumentIdentifierMulti
    let r = api.req("DELETE", "/_api/document/products", Some(r#"["products/doc1",{"_key":"doc2"}]"#)).await;
    assert!(r.header("x-arango-error-codes").is_none());
    assert_eq!(s(&r.json(), "0._id"), "products/doc1");
    assert_eq!(api.req("GET", "/_api/document/products/doc2", None).await.status, 404);
}

#[tokio::test]
async fn indexes_and_edges() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    // RestIndexCreateNewPersistent
    let body = r#"{"type":"persistent","unique":false,"fields":["a","b"]}"#;
    let r = api.req("POST", "/_api/index?collection=products", Some(body)).await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!((get(&v, "isNewlyCreated"), get(&v, "type")), (&Value::Bool(true), &Value::str("persistent")));
    assert_eq!(get(&v, "fields"), &parse(r#"["a","b"]"#));
    let id = s(&v, "id");
    assert!(id.starts_with("products/"));
    let r = api.req("POST", "/_api/index?collection=products", Some(body)).await;
    assert_eq!((r.status, get(&r.json(), "isNewlyCreated").clone()), (200, Value::Bool(false)));
    // RestIndexAllIndexes
    let v = api.req("GET", "/_api/index?collection=products", None).await.json();
    assert_eq!(s(&v, "indexes.0.type"), "primary");
    assert_eq!(get(&v, "indexes.0.fields"), &parse(r#"["_key"]"#));
    assert!(get(&v, "identifiers").get(&id).is_some());
    // RestIndexPrimaryIndex
    let primary = s(&v, "indexes.0.id");
    let r = api.req("GET", &format!("/_api/index/{primary}"), None).await;
    assert_eq!((r.status, s(&r.json(), "name")), (200, "primary".to_string()));
    // RestIndexDeleteUniquePersistent
    let r = api.req("DELETE", &format!("/_api/index/{id}"), None).await;
    assert_eq!((r.status, s(&r.json(), "id")), (200, id.clone()));
    let r = api.req("DELETE", &format!("/_api/index/{id}"), None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1212)));
    // RestEdgesReadEdgesAny / In / Out
    api.collection("nodes", 2).await;
    api.collection("edges", 3).await;
    api.req("POST", "/_api/document/nodes", Some(r#"[{"_key":"1"},{"_key":"2"},{"_key":"3"},{"_key":"4"}]"#)).await;
    let edges = r#"[{"_key":"5","_from":"nodes/1","_to":"nodes/3"},{"_key":"6","_from":"nodes/2","_to":"nodes/1"},{"_key":"7","_from":"nodes/4","_to":"nodes/1"}]"#;
    api.req("POST", "/_api/document/edges", Some(edges)).await;
    let count = |v: Value| get(&v, "edges").as_array().map(|a| a.len());
    assert_eq!(count(api.req("GET", "/_api/edges/edges?vertex=nodes/1", None).await.json()), Some(3));
    assert_eq!(count(api.req("GET", "/_api/edges/edges?vertex=nodes%2F1&direction=in", None).await.json()), Some(2));
    let v = api.req("GET", "/_api/edges/edges?vertex=nodes/1&direction=out", None).await.json();
    assert_eq!((count(v.clone()), s(&v, "edges.0._key")), (Some(1), "5".to_string()));
    // an edge without _to
    let r = api.req("POST", "/_api/document/edges", Some(r#"{"_from":"nodes/1"}"#)).await;
    assert_eq!(get(&r.json(), "errorNum"), &Value::Int(1233));
}

#[tokio::test]
async fn import_formats() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    api.collection("links", 3).await;
    let import = |q: &str| format!("/_api/import?collection=products&{q}");
    let counts = |v: &Value| {
        ["created", "errors", "empty", "updated", "ignored"].map(|k| get(v, k).as_f64().unwrap_or(-1.0) as i64)
    };
    // RestImportCsvExample
    let body = "[ \"_key\", \"value1\", \"value2\" ]\n[ \"abc\", 25, \"test\" ]\n\n[ \"foo\", \"bar\", \"baz\" ]";
    let r = api.req("POST", &import(""), Some(body)).await;
    assert_eq!((r.status, counts(&r.json())), (201, [2, 0, 1, 0, 0]));
    assert_eq!(get(&api.req("GET", "/_api/document/products/abc", None).await.json(), "value1"), &Value::Int(25));
    // RestImportJsonLines
    let body = "{ \"_key\": \"l1\", \"value1\": 25 }\n{ \"_key\": \"l2\", \"name\": \"baz\" }\n\n{ \"name\": {\"short\": \"x\"} }\n";
    let r = api.req("POST", &import("type=documents"), Some(body)).await;
    assert_eq!(counts(&r.json()), [3, 0, 1, 0, 0]);
    // RestImportJsonUniqueContinue
    let body = "{ \"_key\": \"u\", \"value1\": 25 }\n{ \"_key\": \"u\", \"value1\": \"bar\" }";
    let r = api.req("POST", &import("type=documents&details=true"), Some(body)).await;
    let v = r.json();
    assert_eq!(counts(&v), [1, 1, 0, 0, 0]);
    assert_eq!(
        s(&v, "details.0"),
        "at position 1: creating document failed with error 'unique constraint violated', offending document: \
         {\"_key\":\"u\",\"value1\":\"bar\"}"
    );
    // RestImportJsonUniqueFail
    let body = "{ \"_key\": \"w\", \"value1\": 25 }\n{ \"_key\": \"w\", \"value1\": \"bar\" }";
    let r = api.req("POST", &import("type=documents&complete=true"), Some(body)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (409, Value::Int(1210)));
    assert_eq!(api.req("GET", "/_api/document/products/w", None).await.status, 404);
    // RestImportJsonList with onDuplicate=update
    let r =
        api.req("POST", &import("type=list&onDuplicate=update"), Some(r#"[{"_key":"abc","value1":26},{"x":1}]"#)).await;
    assert_eq!(counts(&r.json()), [1, 0, 0, 1, 0]);
    // RestImportJsonInvalidBody, RestImportCsvInvalidBody, RestImportJsonInvalidCollection
    let r = api.req("POST", &import("type=list"), Some("{ }")).await;
    assert_eq!((r.status, s(&r.json(), "errorMessage")), (400, "expecting a JSON array in the request".to_string()));
    let r = api.req("POST", &import(""), Some(r#"{ "_key": "foo", "value1": "bar" }"#)).await;
    assert_eq!(s(&r.json(), "errorMessage"), "no JSON array found in second line");
    let r = api.req("POST", "/_api/import?collection=nothere&type=documents", Some(r#"{"name":"test"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1203)));
    // RestImportCsvEdgeInvalid
    let body = "[ \"name\" ]\n[ \"some name\" ]\n[ \"other name\" ]";
    let v = api.req("POST", "/_api/import?collection=links&details=true", Some(body)).await.json();
    assert_eq!(counts(&v), [0, 2, 0, 0, 0]);
    assert_eq!(
        s(&v, "details.0"),
        "at position 1: missing '_from' or '_to' attribute, offending document: {\"name\":\"some name\"}"
    );
}

#[tokio::test]
async fn databases_with_users() {
    let api = Api::new().await;
    // RestDatabaseCreateUsers
    let body = r#"{"name":"mydb","users":[{"username":"admin","passwd":"secret","active":true},{"username":"tester","passwd":"test001","active":false}]}"#;
    let r = api.req("POST", "/_db/_system/_api/database", Some(body)).await;
    assert_eq!((r.status, r.json()), (201, parse(r#"{"error":false,"code":201,"result":true}"#)));
    let r = api.req("POST", "/_api/database", Some(r#"{"name":"mydb"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (409, Value::Int(1207)));
    let v = api.req("GET", "/_api/database", None).await.json();
    assert!(get(&v, "result").as_array().is_some_and(|a| a.contains(&Value::str("mydb"))));
    // RestDatabaseGetInfo
    let v = api.req("GET", "/_db/mydb/_api/database/current", None).await.json();
    assert_eq!((s(&v, "result.name"), get(&v, "result.isSystem")), ("mydb".to_string(), &Value::Bool(false)));
    let v = api.req("GET", "/_api/database/current", None).await.json();
    assert_eq!(get(&v, "result"), &parse(r#"{"id":"1","name":"_system","isSystem":true,"path":"none"}"#));
    let admin = basic("admin", "secret");
    let r = call(api.addr, "GET", "/_db/mydb/_api/collection", &[("authorization", &admin)], None).await;
    assert_eq!(r.status, 200);
    let r = call(api.addr, "GET", "/_db/mydb/_api/collection", &[("authorization", &basic("tester", "test001"))], None)
        .await;
    assert_eq!(r.status, 401, "inactive users cannot log in");
    let v = call(api.addr, "GET", "/_api/database/user", &[("authorization", &admin)], None).await;
    assert_eq!(v.status, 401, "admin has no access to _system");
    let r = api.req("POST", "/_db/mydb/_api/database", Some(r#"{"name":"other"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (403, Value::Int(1230)));
    // a Unicode name, URL-encoded in the path
    let r = api.req("POST", "/_api/database", Some(r#"{"name":"€uro"}"#)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let v = api.req("GET", "/_db/%E2%82%ACuro/_api/database/current", None).await.json();
    assert_eq!(s(&v, "result.name"), "€uro");
    // RestDatabaseDrop
    let r = api.req("DELETE", "/_db/_system/_api/database/mydb", None).await;
    assert_eq!((r.status, r.json()), (200, parse(r#"{"error":false,"code":200,"result":true}"#)));
    let r = api.req("GET", "/_db/mydb/_api/collection", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (401, Value::Int(11)), "as ArangoDB: not authorized");
    let r = api.req("DELETE", "/_api/database/mydb", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1228)));
    // python-arango's test_database_management: a database that does not exist is not
    // authorized (has_database on it must fail with 11); listing from another one is 1230
    let r = api.req("GET", "/_db/nothere/_api/database", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (401, Value::Int(11)));
    let r = api.req("GET", "/_db/%E2%82%ACuro/_api/database", None).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (403, Value::Int(1230)));
    let r = api.req("DELETE", "/_api/database/_system", None).await;
    assert_eq!(get(&r.json(), "errorNum"), &Value::Int(1230));
}

#[tokio::test]
async fn stream_transactions() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    // RestTransactionBeginNonExisting
    let r = api.req("POST", "/_api/transaction/begin", Some(r#"{"collections":{"read":"nothere"}}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (404, Value::Int(1203)));
    // RestTransactionBeginSingle
    let r = api.req("POST", "/_api/transaction/begin", Some(r#"{"collections":{"write":"products"}}"#)).await;
    assert_eq!(r.status, 201);
    let v = r.json();
    let id = s(&v, "result.id");
    assert_eq!((s(&v, "result.status"), get(&v, "code")), ("running".to_string(), &Value::Int(201)));
    let trx = [("x-arango-trx-id", id.as_str())];
    let r = api.with("POST", "/_api/document/products", &trx, Some(r#"{"_key":"t1"}"#)).await;
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(api.with("GET", "/_api/document/products/t1", &trx, None).await.status, 200);
    assert_eq!(api.req("GET", "/_api/document/products/t1", None).await.status, 404, "not visible before commit");
    let counted = |r: Resp| get(&r.json(), "count").clone();
    assert_eq!(counted(api.with("GET", "/_api/collection/products/count", &trx, None).await), Value::Int(1));
    assert_eq!(counted(api.req("GET", "/_api/collection/products/count", None).await), Value::Int(0));
    // RestTransactionsGet, RestTransactionGet
    let v = api.req("GET", "/_api/transaction", None).await.json();
    assert_eq!(get(&v, "transactions"), &parse(&format!(r#"[{{"id":"{id}","state":"running"}}]"#)));
    let v = api.req("GET", &format!("/_api/transaction/{id}"), None).await.json();
    assert_eq!(s(&v, "result.status"), "running");
    // RestTransactionBeginAbort (PUT commits)
    let r = api.req("PUT", &format!("/_api/transaction/{id}"), None).await;
    assert_eq!(
        r.json(),
        parse(&format!(r#"{{"code":200,"error":false,"result":{{"id":"{id}","status":"committed"}}}}"#))
    );
    assert_eq!(api.req("GET", "/_api/document/products/t1", None).await.status, 200);
    let v = api.req("GET", &format!("/_api/transaction/{id}"), None).await.json();
    assert_eq!(s(&v, "result.status"), "committed");
    let r = api.with("GET", "/_api/document/products/t1", &trx, None).await;
    assert!(r.status >= 400, "a committed transaction takes no more work");
    // RestTransactionBeginCommit (DELETE aborts)
    let id = s(
        &api.req("POST", "/_api/transaction/begin", Some(r#"{"collections":{"write":["products"]}}"#)).await.json(),
        "result.id",
    );
    api.with("POST", "/_api/document/products", &[("x-arango-trx-id", &id)], Some(r#"{"_key":"t2"}"#)).await;
    let v = api.req("DELETE", &format!("/_api/transaction/{id}"), None).await.json();
    assert_eq!(s(&v, "result.status"), "aborted");
    assert_eq!(api.req("GET", "/_api/document/products/t2", None).await.status, 404);
}

#[tokio::test]
async fn read_only_and_collection_grants() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    api.collection("secret", 2).await;
    api.req("POST", "/_api/document/products", Some(r#"{"_key":"p"}"#)).await;
    api.req("POST", "/_api/user", Some(r#"{"user":"reader","passwd":"pw"}"#)).await;
    api.req("PUT", "/_api/user/reader/database/_system", Some(r#"{"grant":"ro"}"#)).await;
    api.req("PUT", "/_api/user/reader/database/_system/secret", Some(r#"{"grant":"none"}"#)).await;
    let reader = basic("reader", "pw");
    let as_reader = [("authorization", reader.as_str())];
    let r = call(api.addr, "GET", "/_api/document/products/p", &as_reader, None).await;
    assert_eq!(r.status, 200);
    let r = call(api.addr, "POST", "/_api/document/products", &as_reader, Some("{}")).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (403, Value::Int(11)));
    let r = call(api.addr, "POST", "/_api/collection", &as_reader, Some(r#"{"name":"mine"}"#)).await;
    assert_eq!(r.status, 403);
    let r = call(api.addr, "GET", "/_api/collection/secret/count", &as_reader, None).await;
    assert_eq!(r.status, 403);
    let r = call(api.addr, "PUT", "/_api/document/products?onlyget=true", &as_reader, Some(r#"["p"]"#)).await;
    assert_eq!(r.status, 200);
    // a user changes their own password, and nothing else
    let r = call(api.addr, "PATCH", "/_api/user/reader", &as_reader, Some(r#"{"active":false}"#)).await;
    assert_eq!(r.status, 403);
    let r = call(api.addr, "PATCH", "/_api/user/reader", &as_reader, Some(r#"{"passwd":"pw2"}"#)).await;
    assert_eq!(r.status, 200);
    let reader = basic("reader", "pw2");
    let as_reader = [("authorization", reader.as_str())];
    assert_eq!(call(api.addr, "GET", "/_api/document/products/p", &as_reader, None).await.status, 200);
    // RestFetchUserDatabaseListFull: every collection with its own grant or "undefined"
    let v = api.req("GET", "/_api/user/reader/database?full=true", None).await.json();
    let sys = get(&v, "result._system");
    assert_eq!(get(sys, "permission"), &Value::str("ro"));
    assert_eq!(get(sys, "collections.secret"), &Value::str("none"));
    assert_eq!(get(sys, "collections.products"), &Value::str("undefined"));
    assert_eq!(get(sys, "collections.*"), &Value::str("undefined"));
    assert_eq!(get(&v, "result.*.permission"), &Value::str("none"));
}

#[tokio::test]
async fn overwrite_modes_silent_and_return_old() {
    let api = Api::new().await;
    api.collection("products", 2).await;
    api.req("POST", "/_api/document/products", Some(r#"{"_key":"k","a":1,"n":{"x":1}}"#)).await;
    // overwriteMode=ignore: nothing written, the existing revision answered
    let before = s(&api.req("GET", "/_api/document/products/k", None).await.json(), "_rev");
    let r = api.req("POST", "/_api/document/products?overwriteMode=ignore", Some(r#"{"_key":"k","a":2}"#)).await;
    assert!(r.status < 300);
    assert_eq!(s(&r.json(), "_rev"), before);
    assert_eq!(get(&api.req("GET", "/_api/document/products/k", None).await.json(), "a"), &Value::Int(1));
    // overwriteMode=update merges, returnOld gives the previous body
    let r = api
        .req(
            "POST",
            "/_api/document/products?overwriteMode=update&returnOld=true",
            Some(r#"{"_key":"k","b":2,"n":{"y":2}}"#),
        )
        .await;
    let v = r.json();
    assert_eq!(get(&v, "old.a"), &Value::Int(1));
    assert_eq!(s(&v, "_oldRev"), before);
    let doc = api.req("GET", "/_api/document/products/k", None).await.json();
    assert_eq!(
        (get(&doc, "a"), get(&doc, "b"), get(&doc, "n")),
        (&Value::Int(1), &Value::Int(2), &parse(r#"{"x":1,"y":2}"#))
    );
    // overwriteMode=replace drops what the new body does not have
    api.req("POST", "/_api/document/products?overwriteMode=replace", Some(r#"{"_key":"k","c":3}"#)).await;
    let doc = api.req("GET", "/_api/document/products/k", None).await.json();
    assert!(doc.get("a").is_none() && get(&doc, "c") == &Value::Int(3));
    // overwriteMode=conflict (and bad values)
    let r = api.req("POST", "/_api/document/products?overwriteMode=conflict", Some(r#"{"_key":"k"}"#)).await;
    assert_eq!((r.status, get(&r.json(), "errorNum").clone()), (409, Value::Int(1210)));
    let r = api.req("POST", "/_api/document/products?overwriteMode=sideways", Some(r#"{"_key":"z"}"#)).await;
    assert_eq!(r.status, 400);
    // silent: an empty object for one document, only the failures for a batch
    let r = api.req("POST", "/_api/document/products?silent=true", Some(r#"{"_key":"s1"}"#)).await;
    assert_eq!((r.status, r.json()), (202, parse("{}")));
    let r = api.req("POST", "/_api/document/products?silent=true", Some(r#"[{"_key":"s2"},{"_key":"s1"}]"#)).await;
    let v = r.json();
    assert_eq!(v.as_array().map(|a| a.len()), Some(1));
    assert_eq!(get(&v, "0.errorNum"), &Value::Int(1210));
    // DELETE with returnOld
    let r = api.req("DELETE", "/_api/document/products/s2?returnOld=true", None).await;
    assert_eq!(s(&r.json(), "old._key"), "s2");
    // the old handle form: POST /_api/document?collection=
    let r = api.req("POST", "/_api/document?collection=products", Some(r#"{"_key":"old-form"}"#)).await;
    assert_eq!(s(&r.json(), "_id"), "products/old-form");
}
