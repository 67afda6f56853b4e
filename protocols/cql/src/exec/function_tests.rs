//! Native functions end to end through the engine: blob conversions, time functions,
//! toJson/fromJson and CAST in terms and selections, with the result metadata and the
//! errors Cassandra 4.1 gives (the cases ScyllaDB's cqlpy suite checks).

use super::*;
use crate::engine::{BoundValue, Rows, Values};
use crate::error::ErrorCode;
use crate::types::CqlType;
use bytes::Bytes;
use orbit_storage::{KvTableStorage, MemoryEngine};

struct Db {
    engine: Arc<Executor>,
    session: SessionState,
}

impl Db {
    async fn new(tables: &[&str]) -> Db {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut db = Db { engine, session: SessionState::default() };
        db.ok("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").await;
        db.ok("USE ks").await;
        for t in tables {
            db.ok(t).await;
        }
        db
    }

    async fn run(&mut self, text: &str, values: Vec<BoundValue>) -> CqlResult<Outcome> {
        let params = QueryParams { values: Values::Positional(values), ..QueryParams::default() };
        self.engine.query(&mut self.session, text, params).await
    }

    async fn ok(&mut self, text: &str) {
        if let Err(e) = self.run(text, Vec::new()).await {
            panic!("{text}: {}", e.message());
        }
    }

    async fn rows(&mut self, text: &str) -> Rows {
        match self.run(text, Vec::new()).await {
            Ok(Outcome::Rows(rows)) => rows,
            Ok(other) => panic!("{text}: {other:?}"),
            Err(e) => panic!("{text}: {}", e.message()),
        }
    }

    /// The one cell of a one-row, one-column result.
    async fn cell(&mut self, text: &str) -> Option<Bytes> {
        let rows = self.rows(text).await;
        assert_eq!(rows.rows.len(), 1, "{text}");
        rows.rows[0][0].clone()
    }

    async fn err(&mut self, text: &str, values: Vec<BoundValue>) -> CqlError {
        match self.run(text, values).await {
            Ok(out) => panic!("{text} succeeded: {out:?}"),
            Err(e) => e,
        }
    }

    /// Prepares `text` and runs it with `values`.
    async fn prepared(&mut self, text: &str, values: Vec<BoundValue>) -> CqlResult<Outcome> {
        let prepared = self.engine.prepare(&mut self.session, text, None).await?;
        let params = QueryParams { values: Values::Positional(values), ..QueryParams::default() };
        self.engine.execute(&mut self.session, &prepared.id, params).await
    }
}

fn bytes(b: &[u8]) -> Option<Bytes> {
    Some(Bytes::copy_from_slice(b))
}

fn text(s: &str) -> BoundValue {
    BoundValue::Bytes(Bytes::copy_from_slice(s.as_bytes()))
}

fn int(n: i32) -> BoundValue {
    BoundValue::Bytes(Bytes::copy_from_slice(&n.to_be_bytes()))
}

fn names(rows: &Rows) -> Vec<(&str, CqlType)> {
    rows.columns.iter().map(|c| (c.name.as_str(), c.ty.clone())).collect()
}

#[tokio::test]
async fn blob_conversions_in_values_where_clauses_and_selections() {
    let mut db = Db::new(&[
        "CREATE TABLE t (p int PRIMARY KEY, i int, g bigint, b blob, s text, c int)",
        "CREATE TABLE n (p int PRIMARY KEY, c counter)",
    ])
    .await;
    db.ok("INSERT INTO t (p, i, b) VALUES (1, 17, intAsBlob(258))").await;
    assert_eq!(db.cell("SELECT b FROM t WHERE p = 1").await, bytes(&[0, 0, 1, 2]));
    let rows = db.rows("SELECT intAsBlob(i), blobAsInt(intAsBlob(i)), system.blobasint(b) FROM t WHERE p = 1").await;
    assert_eq!(
        names(&rows),
        [
            ("system.intasblob(i)", CqlType::Blob),
            ("system.blobasint(system.intasblob(i))", CqlType::Int),
            ("system.blobasint(b)", CqlType::Int),
        ]
    );
    assert_eq!(rows.rows, vec![vec![bytes(&[0, 0, 0, 17]), bytes(&17i32.to_be_bytes()), bytes(&258i32.to_be_bytes())]]);
    // A constant argument, in a selection and in a WHERE restriction.
    assert_eq!(db.cell("SELECT tinyintAsBlob(4) FROM t WHERE p = 1").await, bytes(&[4]));
    db.ok("INSERT INTO t (p, b) VALUES (2, 0x03)").await;
    assert_eq!(db.rows("SELECT p FROM t WHERE p = 2 AND b = tinyintAsBlob(3) ALLOW FILTERING").await.rows.len(), 1);
    // An int result reads as a blob (a blob reads anything), and the other way round.
    db.ok("INSERT INTO t (p, b) VALUES (3, blobasint(blobasint(0xFEEDF00D)))").await;
    assert_eq!(db.cell("SELECT b FROM t WHERE p = 3").await, bytes(&[0xfe, 0xed, 0xf0, 0x0d]));
    // token() as a term: the Murmur3 token of a partition key of the table, as a bigint.
    db.ok("INSERT INTO t (p, b) VALUES (7, token(1234))").await;
    assert_eq!(db.cell("SELECT b FROM t WHERE p = 7").await, bytes(&8_821_045_555_241_575_141i64.to_be_bytes()));
    assert_eq!(db.rows("SELECT p FROM t WHERE token(p) = token(7)").await.rows, vec![vec![bytes(&7i32.to_be_bytes())]]);
    // blobAsInt(0x) is an empty int, not a null.
    db.ok("INSERT INTO t (p, i) VALUES (4, blobAsInt(0x))").await;
    assert_eq!(db.cell("SELECT i FROM t WHERE p = 4").await, bytes(&[]));
    db.ok("INSERT INTO t (p, s) VALUES (5, blobAsText(textAsBlob('héllo')))").await;
    assert_eq!(db.cell("SELECT s FROM t WHERE p = 5").await, bytes("héllo".as_bytes()));

    let e = db.err("SELECT blobasbigint(intasblob(i)) FROM t WHERE p = 1", vec![]).await;
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert_eq!(
        e.message(),
        "In call to function blobasbigint, value 0x00000011 is not a valid binary representation for type bigint"
    );
    let e = db.err("SELECT counterasblob(i) FROM t WHERE p = 1", vec![]).await;
    assert_eq!(
        e.message(),
        "Type error: i cannot be passed as argument 0 of function system.counterasblob of type counter"
    );
    let e = db.err("INSERT INTO t (p, i) VALUES (6, intAsBlob(1))", vec![]).await;
    assert_eq!(
        e.message(),
        "Type error: cannot assign result of function system.intasblob (type blob) to i (type int)"
    );
    let e = db.err("SELECT nosuchfn(i) FROM t", vec![]).await;
    assert_eq!(e.message(), "Unknown function 'nosuchfn'");
    let e = db.err("INSERT INTO t (p, i) VALUES (6, nosuchfn(1))", vec![]).await;
    assert_eq!(e.message(), "Unknown function nosuchfn called");

    db.ok("UPDATE n SET c = c + 1000 WHERE p = 1").await;
    let counter = db.cell("SELECT counterasblob(c) FROM n WHERE p = 1").await;
    assert_eq!(counter, bytes(&1000i64.to_be_bytes()));
    assert_eq!(db.cell("SELECT blobascounter(counterasblob(c)) FROM n WHERE p = 1").await, counter);
    let e = db.err("SELECT bigintasblob(c) FROM n WHERE p = 1", vec![]).await;
    assert!(e.message().contains("bigintasblob"), "{}", e.message());

    // Against a system table, prepared with markers typed by the functions' parameters.
    let out = db.prepared("SELECT blobAsInt(intAsBlob(?)) FROM system.local", vec![int(4)]).await.unwrap();
    let Outcome::Rows(rows) = out else { panic!() };
    assert_eq!(rows.rows, vec![vec![bytes(&4i32.to_be_bytes())]]);
    let prepared = db.engine.prepare(&mut db.session, "SELECT intAsBlob(?) FROM system.local", None).await.unwrap();
    assert_eq!(prepared.bind_columns[0].ty, CqlType::Int);
    assert_eq!(prepared.result_columns[0].name, "system.intasblob(?)");
}

#[tokio::test]
async fn time_functions_in_selections_and_terms() {
    let mut db =
        Db::new(&["CREATE TABLE t (p int PRIMARY KEY, t timestamp, u timeuuid, d date, g bigint, s text)"]).await;
    db.ok("INSERT INTO t (p, t, d) VALUES (1, -1706638779000, 2147483649)").await;
    let ms = db.cell("SELECT tounixtimestamp(mintimeuuid(t)) FROM t WHERE p = 1").await;
    assert_eq!(ms, bytes(&(-1_706_638_779_000i64).to_be_bytes()));
    let rows = db.rows("SELECT totimestamp(d), todate(t), tounixtimestamp(d) FROM t WHERE p = 1").await;
    assert_eq!(
        names(&rows),
        [
            ("system.totimestamp(d)", CqlType::Timestamp),
            ("system.todate(t)", CqlType::Date),
            ("system.tounixtimestamp(d)", CqlType::Bigint),
        ]
    );
    let day = 86_400_000i64;
    // -1706638779000 ms is 1915-12-03 05:40:21, 19752.76 days before the epoch; Cassandra's
    // toDate truncates the days toward zero (Duration.toDays), giving 1915-12-04.
    let date = ((1i64 << 31) - 19_752) as u32;
    assert_eq!(rows.rows[0], vec![bytes(&day.to_be_bytes()), bytes(&date.to_be_bytes()), bytes(&day.to_be_bytes())]);
    let e = db.err("SELECT mintimeuuid(s) FROM t WHERE p = 1", vec![]).await;
    assert!(e.message().contains("of type timestamp"), "{}", e.message());

    db.ok("INSERT INTO t (p, u, t) VALUES (2, now(), currentTimestamp())").await;
    let rows = db.rows("SELECT dateOf(u), unixTimestampOf(u), toTimestamp(u), t FROM t WHERE p = 2").await;
    let ms = |cell: &Option<Bytes>| i64::from_be_bytes(cell.as_ref().unwrap()[..].try_into().unwrap());
    let (of_uuid, unix, written) = (ms(&rows.rows[0][0]), ms(&rows.rows[0][1]), ms(&rows.rows[0][3]));
    assert_eq!((of_uuid, ms(&rows.rows[0][2])), (unix, unix));
    assert!((written - unix).abs() < 60_000, "now() and currentTimestamp() agree: {unix} {written}");
    let found =
        db.rows("SELECT p FROM t WHERE p = 2 AND u > maxTimeuuid('2013-01-01 00:05+0000') ALLOW FILTERING").await;
    assert_eq!(found.rows.len(), 1);
    let none =
        db.rows("SELECT p FROM t WHERE p = 2 AND u < minTimeuuid('2013-02-02 10:00+0000') ALLOW FILTERING").await;
    assert!(none.rows.is_empty());
    let cells = db.rows("SELECT currentDate(), currentTime(), uuid() FROM t WHERE p = 2").await;
    assert_eq!(
        names(&cells).into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
        [CqlType::Date, CqlType::Time, CqlType::Uuid]
    );
    assert_eq!(cells.columns[0].name, "system.currentdate()");

    // Results read as compatible column types: bigint and timestamp, varint from either.
    db.ok("CREATE TABLE c (a int, b timestamp, c bigint, d varint, PRIMARY KEY (a, b, c, d))").await;
    db.ok("INSERT INTO c (a, b, c, d) VALUES (0, toUnixTimestamp(now()), toTimestamp(now()), dateOf(now()))").await;
    assert_eq!(db.rows("SELECT * FROM c WHERE a = 0 AND b <= toUnixTimestamp(now())").await.rows.len(), 1);
    // toDate(?) is ambiguous until a hint types the marker.
    let e = db.engine.prepare(&mut db.session, "INSERT INTO t (p, d) VALUES (3, toDate(?))", None).await.unwrap_err();
    assert!(e.message().starts_with("Ambiguous call to function system.todate"), "{}", e.message());
    let two_days = BoundValue::Bytes(Bytes::copy_from_slice(&(2 * day).to_be_bytes()));
    db.prepared("INSERT INTO t (p, d) VALUES (3, toDate((timestamp)?))", vec![two_days]).await.unwrap();
    assert_eq!(db.cell("SELECT d FROM t WHERE p = 3").await, bytes(&((1u32 << 31) + 2).to_be_bytes()));
    let e = db.err("INSERT INTO t (p) VALUES ((blob)0xBAAAAAAD)", vec![]).await;
    assert!(e.message().contains("blob"), "{}", e.message());
}

#[tokio::test]
async fn functions_over_aggregates_and_aggregates_next_to_functions() {
    let mut db = Db::new(&["CREATE TABLE t (a int, b timeuuid, v int, PRIMARY KEY (a, b))"]).await;
    db.ok("INSERT INTO t (a, b, v) VALUES (0, 13814000-1dd2-11ff-8080-808080808080, 1)").await;
    db.ok("INSERT INTO t (a, b, v) VALUES (0, 6b1b3620-33fd-11eb-8080-808080808080, 2)").await;
    let rows = db.rows("SELECT todate(min(b)), todate(max(b)), intasblob(v), count(*) FROM t WHERE a = 0").await;
    assert_eq!(rows.columns[0].name, "system.todate(system.min(b))");
    let date = |days: u32| bytes(&((1u32 << 31) + days).to_be_bytes());
    // 2020-12-01 is day 18597 and 2038-09-06 day 25085 after 1970-01-01.
    // intasblob(v) takes the first row's v: the 2020 timeuuid sorts first.
    assert_eq!(rows.rows, vec![vec![date(18_597), date(25_085), bytes(&[0, 0, 0, 2]), bytes(&2i64.to_be_bytes())]]);
    let rows =
        db.rows("SELECT max(intasblob(v)), sum(CAST(v AS double)), count(intasblob(v)) FROM t WHERE a = 0").await;
    assert_eq!(
        names(&rows),
        [
            ("system.max(system.intasblob(v))", CqlType::Blob),
            ("system.sum(cast(v as double))", CqlType::Double),
            ("system.count(system.intasblob(v))", CqlType::Bigint),
        ]
    );
    assert_eq!(rows.rows, vec![vec![bytes(&[0, 0, 0, 2]), bytes(&3f64.to_be_bytes()), bytes(&2i64.to_be_bytes())]]);
    let e = db.err("SELECT max(count(*)) FROM t", vec![]).await;
    assert_eq!(e.message(), "aggregate functions cannot be used as arguments of aggregate functions");
    let empty = db.rows("SELECT intasblob(max(v)), count(*) FROM t WHERE a = 9").await;
    assert_eq!(empty.rows, vec![vec![None, bytes(&0i64.to_be_bytes())]]);
}

#[tokio::test]
async fn to_json_in_selections_and_select_json_of_function_calls() {
    let mut db =
        Db::new(&["CREATE TABLE t (p int PRIMARY KEY, v int, d double, f float, t time, ts timestamp, l list<int>, \
         m map<ascii, int>, dec decimal, \"CaseSensitive\" int)"])
        .await;
    db.ok("INSERT INTO t (p, v, d, f, t, ts, l, m, dec, \"CaseSensitive\") VALUES (1, 17, 123123.123123, 123.123, \
         '00:00:00.000000123', '2014-01-01 12:15:45+0000', [1, 2, 3], {'a': 1, 'b': 2}, -1.23E-12, 3) \
         USING TIMESTAMP 1234")
        .await;
    let rows =
        db.rows("SELECT toJson(v), toJson(d), toJson(f), toJson(t), toJson(ts), toJson(l), toJson(m) FROM t").await;
    assert_eq!(rows.columns[0].name, "system.tojson(v)");
    assert!(rows.columns.iter().all(|c| c.ty == CqlType::Text));
    let got: Vec<String> =
        rows.rows[0].iter().map(|c| String::from_utf8(c.as_ref().unwrap().to_vec()).unwrap()).collect();
    assert_eq!(
        got,
        [
            "17",
            "123123.123123",
            "123.123",
            "\"00:00:00.000000123\"",
            "\"2014-01-01 12:15:45.000Z\"",
            "[1, 2, 3]",
            "{\"a\": 1, \"b\": 2}"
        ]
    );
    assert_eq!(db.cell("SELECT toJson(dec) FROM t").await, bytes(b"-1.23E-12"));
    db.ok("INSERT INTO t (p) VALUES (2)").await;
    assert_eq!(db.cell("SELECT toJson(v) FROM t WHERE p = 2").await, bytes(b"null"));
    for (selector, expected) in [
        ("v", r#"{"v": 17}"#),
        ("count(*)", r#"{"count": 1}"#),
        ("ttl(v)", r#"{"ttl(v)": null}"#),
        ("writetime(v)", r#"{"writetime(v)": 1234}"#),
        ("intAsBlob(v)", r#"{"system.intasblob(v)": "0x00000011"}"#),
        ("blobasInt(intAsBlob(v))", r#"{"system.blobasint(system.intasblob(v))": 17}"#),
        ("tojson(v)", r#"{"system.tojson(v)": "17"}"#),
        ("CAST(v AS FLOAT)", r#"{"cast(v as float)": 17.0}"#),
        ("\"CaseSensitive\"", r#"{"\"CaseSensitive\"": 3}"#),
    ] {
        let json = db.cell(&format!("SELECT JSON {selector} FROM t WHERE p = 1")).await;
        assert_eq!(json, bytes(expected.as_bytes()), "{selector}");
    }
    let rows =
        db.rows("SELECT CAST(v AS double), CAST(p AS int), CAST(ts AS date), CAST(d AS text) FROM t WHERE p = 1").await;
    assert_eq!(
        names(&rows),
        [
            ("cast(v as double)", CqlType::Double),
            ("p", CqlType::Int),
            ("cast(ts as date)", CqlType::Date),
            ("cast(d as text)", CqlType::Text)
        ]
    );
    let date = (1u32 << 31) + 16_071;
    assert_eq!(
        rows.rows[0],
        vec![
            bytes(&17f64.to_be_bytes()),
            bytes(&1i32.to_be_bytes()),
            bytes(&date.to_be_bytes()),
            bytes(b"123123.123123")
        ]
    );
    let e = db.err("SELECT CAST(v AS blob) FROM t", vec![]).await;
    assert_eq!(e.message(), "v cannot be cast to blob");
    let e = db.err("INSERT INTO t (p, v) VALUES (3, toJson(1))", vec![]).await;
    assert_eq!(e.message(), "toJson() may only be used within the selection clause of SELECT statements");
    let e = db.err("SELECT fromJson(v) FROM t", vec![]).await;
    assert_eq!(e.message(), "fromJson() cannot be used in the selection clause of a SELECT statement");
    let e = db.err("SELECT toJson(v, d) FROM t", vec![]).await;
    assert_eq!(e.message(), "toJson() only accepts one argument (got 2)");
}

#[tokio::test]
async fn from_json_as_a_term_with_cassandras_failures() {
    let mut db = Db::new(&[
        "CREATE TYPE ut (a int, b uuid)",
        "CREATE TABLE t (p int PRIMARY KEY, v int, bigv bigint, a ascii, b boolean, ts timestamp, \
         mai map<ascii, int>, tup frozen<tuple<int, text>>, u frozen<ut>, l list<int>)",
    ])
    .await;
    db.ok("INSERT INTO t (p, v, b, ts) VALUES (1, fromJson('123'), fromJson('\"fALSe\"'), fromJson('\"2014-01-01T12:15:45.000Z\"'))")
        .await;
    let rows = db.rows("SELECT v, b, ts FROM t WHERE p = fromJson('1')").await;
    assert_eq!(
        rows.rows,
        vec![vec![bytes(&123i32.to_be_bytes()), bytes(&[0]), bytes(&1_388_578_545_000i64.to_be_bytes())]]
    );
    db.ok("UPDATE t SET mai = fromJson('{\"a\": 1, \"b\": 2}'), tup = fromJson('[1, null]') WHERE p = fromJson('1')")
        .await;
    let mut map = 2i32.to_be_bytes().to_vec();
    for (k, v) in [(b'a', 1i32), (b'b', 2)] {
        map.extend(1i32.to_be_bytes());
        map.push(k);
        map.extend(4i32.to_be_bytes());
        map.extend(v.to_be_bytes());
    }
    assert_eq!(db.cell("SELECT mai FROM t WHERE p = 1").await, Some(Bytes::from(map)));
    db.ok("UPDATE t SET u = fromJson('{\"b\": \"6bddc89a-5644-11e4-97fc-56847afe9799\", \"a\": 1}') WHERE p = 1").await;
    let rows = db.rows("SELECT u.a, u.b, toJson(u) FROM t WHERE p = 1").await;
    assert_eq!(names(&rows)[..2], [("u.a", CqlType::Int), ("u.b", CqlType::Uuid)]);
    let uuid = crate::exec::literal::parse_uuid("6bddc89a-5644-11e4-97fc-56847afe9799").unwrap();
    let json = br#"{"a": 1, "b": "6bddc89a-5644-11e4-97fc-56847afe9799"}"#;
    assert_eq!(rows.rows, vec![vec![bytes(&1i32.to_be_bytes()), bytes(&uuid), bytes(json)]]);
    let e = db.err("SELECT v.a FROM t", vec![]).await;
    assert_eq!(e.message(), "Invalid field selection: v of type int is not a user type");
    let mut tuple = 4i32.to_be_bytes().to_vec();
    tuple.extend(1i32.to_be_bytes());
    tuple.extend((-1i32).to_be_bytes());
    assert_eq!(db.cell("SELECT tup FROM t WHERE p = 1").await, Some(Bytes::from(tuple)));

    // Prepared: the marker is text; a null document is a null value.
    let out = db.prepared("INSERT INTO t (p, bigv) VALUES (?, fromJson(?))", vec![int(2), text("9223372036854775807")]);
    out.await.unwrap();
    assert_eq!(db.cell("SELECT bigv FROM t WHERE p = 2").await, bytes(&i64::MAX.to_be_bytes()));
    db.prepared("INSERT INTO t (p, bigv) VALUES (?, fromJson(?))", vec![int(2), BoundValue::Null]).await.unwrap();
    assert_eq!(db.cell("SELECT bigv FROM t WHERE p = 2").await, None);
    let prepared = db.engine.prepare(&mut db.session, "INSERT INTO t (p, v) VALUES (?, fromJson(?))", None).await;
    assert_eq!(prepared.unwrap().bind_columns[1].ty, CqlType::Text);

    for (column, document, message) in [
        ("v", "dog", None),
        ("v", "\"dog\"", Some("Unable to make int from 'dog'")),
        ("v", "1.2", Some("Expected an int value, but got a Double: 1.2")),
        ("v", "2147483648", Some("Expected an int value, but got a Long: 2147483648")),
        ("a", "3", Some("Expected an ascii string, but got a Integer: 3")),
        ("a", "\"שלום\"", None),
        ("bigv", "9223372036854775808", None),
        ("tup", "[1, \"a\", 3]", Some("Tuple contains extra items (expected 2): [1, a, 3]")),
        ("u", "{\"xxx\": 1}", Some("Unknown field 'xxx' in value of user defined type ut")),
        ("l", "[null]", Some("Invalid null element in list")),
    ] {
        let insert = format!("INSERT INTO t (p, {column}) VALUES (?, fromJson(?))");
        let e = db.prepared(&insert, vec![int(3), text(document)]).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::FunctionFailure, "{column} {document}: {}", e.message());
        if let Some(m) = message {
            assert_eq!(e.message(), format!("org.apache.cassandra.serializers.MarshalException: {m}"));
        }
        let unprepared =
            format!("INSERT INTO t (p, {column}) VALUES (3, fromJson('{}'))", document.replace('\'', "''"));
        assert_eq!(db.err(&unprepared, vec![]).await.code(), ErrorCode::FunctionFailure, "{unprepared}");
    }
    let e = db.err("DELETE FROM t WHERE p = fromJson(toJson(?))", vec![int(1)]).await;
    assert!(e.message().contains("clause"), "{}", e.message());
}

#[tokio::test]
async fn insert_json_and_literal_errors_in_cassandras_words() {
    let mut db = Db::new(&["CREATE TABLE t (k int PRIMARY KEY, v int, b blob)"]).await;
    let cases = [
        ("{\"k\": 0, \"v\": \"dog\"}", "Error decoding JSON value for v: Unable to make int from 'dog'"),
        ("{\"k\": 0, \"v\": 1.5}", "Error decoding JSON value for v: Expected an int value, but got a Double: 1.5"),
        (
            "{\"k\": 0, \"b\": \"12\"}",
            "Error decoding JSON value for b: Value '12' is not a valid blob representation: String representation of blob is missing 0x prefix: 12",
        ),
        ("{\"k\": 0, \"nope\": 1}", "JSON values map contains unrecognized column: nope"),
        ("null", "Got null for INSERT JSON values"),
    ];
    for (document, message) in cases {
        let e = db.err("INSERT INTO t JSON ?", vec![text(document)]).await;
        assert_eq!((e.code(), e.message()), (ErrorCode::Invalid, message), "{document}");
    }
    for document in ["\"notamap\"", "12.34", "{"] {
        let e = db.err("INSERT INTO t JSON ?", vec![text(document)]).await;
        assert!(e.message().starts_with("Could not decode JSON string as a map: "), "{}", e.message());
    }
    let e = db.err("INSERT INTO t (k, v) VALUES (0, 'a')", vec![]).await;
    assert_eq!(e.message(), "Invalid STRING constant (a) for \"v\" of type int");
    let e = db.err("INSERT INTO t (k, b) VALUES (0, 12)", vec![]).await;
    assert_eq!(e.message(), "Invalid INTEGER constant (12) for \"b\" of type blob");
    let e = db.err("INSERT INTO t (k, v) VALUES (0, 99999999999)", vec![]).await;
    assert_eq!(e.message(), "Unable to make int from '99999999999'");
    db.run("INSERT INTO t JSON ?", vec![text("{\"K\": 1, \"v\": \"7\"}")]).await.unwrap();
    assert_eq!(db.cell("SELECT v FROM t WHERE k = 1").await, bytes(&7i32.to_be_bytes()));
}
