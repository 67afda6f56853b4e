//! COPY through a session over the in-memory storage: rows in, rows out, errors with
//! their context, and nothing left behind by a failed COPY.

use super::CopyError;
use crate::{format_text, Engine, QueryOutput, Session, TransactionStatus};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;

async fn session() -> Session {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let engine = Engine::open(storage).await.unwrap();
    Session::new(engine, "postgres", "postgres").unwrap()
}

async fn ok(s: &mut Session, sql: &str) {
    for r in s.execute_batch(sql).await {
        r.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
}

async fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { columns, rows, .. }) => rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&columns)
                    .map(|(v, c)| format_text(v, &c.ty).unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect(),
        other => panic!("{sql}: {other:?}"),
    }
}

/// COPY FROM STDIN with `data` sent in pieces of `piece` bytes.
async fn copy_in(s: &mut Session, sql: &str, data: &[u8], piece: usize) -> Result<String, CopyError> {
    let mut copy = s.copy_in_start(sql, false).await?;
    for chunk in data.chunks(piece.max(1)) {
        if let Err(e) = s.copy_in_data(&mut copy, chunk).await {
            s.copy_in_abort(copy).await;
            return Err(e);
        }
    }
    match s.copy_in_finish(&mut copy).await {
        Ok(tag) => Ok(tag),
        Err(e) => {
            s.copy_in_abort(copy).await;
            Err(e)
        }
    }
}

async fn copy_out(s: &mut Session, sql: &str) -> (String, String) {
    let mut out = s.copy_out(sql, false).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    let mut bytes = Vec::new();
    while out.next_line(s, &mut bytes).await.unwrap_or_else(|e| panic!("{sql}: {e:?}")) {}
    (String::from_utf8(bytes).unwrap(), out.tag())
}

#[tokio::test]
async fn text_rows_go_through_defaults_sequences_and_back() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t (id serial PRIMARY KEY, a int NOT NULL, b text, c numeric(6,2) DEFAULT 1.5)").await;
    let data = b"1\tone\n2\t\\N\n3\ttab\\there\n";
    for piece in [1, 2, 5, 1000] {
        ok(&mut s, "DELETE FROM t").await;
        let tag = copy_in(&mut s, "COPY t (a, b) FROM STDIN", data, piece).await.unwrap();
        assert_eq!(tag, "COPY 3");
    }
    assert_eq!(
        rows(&mut s, "SELECT a, b, c FROM t ORDER BY a").await,
        vec!["1|one|1.50", "2|NULL|1.50", "3|tab\there|1.50"]
    );
    let ids = rows(&mut s, "SELECT id FROM t ORDER BY id").await;
    assert_eq!(ids, vec!["10", "11", "12"], "serial values drawn per batch, without gaps");
    let (text, tag) = copy_out(&mut s, "COPY (SELECT a, b, c FROM t ORDER BY a) TO STDOUT").await;
    assert_eq!(text, "1\tone\t1.50\n2\t\\N\t1.50\n3\ttab\\there\t1.50\n");
    assert_eq!(tag, "COPY 3");
    let (text, _) = copy_out(&mut s, "COPY t (b, a) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (b))").await;
    assert_eq!(text, "b,a\n\"one\",1\n,2\n\"tab\there\",3\n");
}

#[tokio::test]
async fn csv_with_header_match_and_force_options() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE c (k int PRIMARY KEY, v text, w text)").await;
    let data = b"k;v;w\n1;\"a;b\";\n2;'';x\n";
    let sql = "COPY c FROM STDIN WITH (FORMAT csv, HEADER match, DELIMITER ';', QUOTE '''', FORCE_NOT_NULL (w))";
    let e = copy_in(&mut s, sql, data, 7).await.unwrap_err();
    assert_eq!(e.error.message, "extra data after last expected column", "the quote is ' here, \" is data");
    assert_eq!(e.context.as_deref(), Some("COPY c, line 2: \"1;\"a;b\";\""));
    let data = b"k;v;w\n1;\"a;b\";\n2;\"\";x\n";
    let sql = "COPY c FROM STDIN WITH (FORMAT csv, HEADER match, DELIMITER ';', FORCE_NOT_NULL (w), FORCE_NULL (v))";
    assert_eq!(copy_in(&mut s, sql, data, 3).await.unwrap(), "COPY 2");
    assert_eq!(rows(&mut s, "SELECT k, v, w FROM c ORDER BY k").await, vec!["1|a;b|", "2|NULL|x"]);

    let e = copy_in(&mut s, "COPY c FROM STDIN (FORMAT csv, HEADER match)", b"k,x,w\n", 100).await.unwrap_err();
    assert_eq!(e.error.message, "column name mismatch in header line field 2: got \"x\", expected \"v\"");
    assert_eq!(e.context.as_deref(), Some("COPY c, line 1: \"k,x,w\""));
    let e = copy_in(&mut s, "COPY c (k) FROM STDIN (FORMAT csv, FORCE_NULL (v))", b"", 100).await.unwrap_err();
    assert_eq!(e.error.message, "FORCE_NULL column \"v\" not referenced by COPY");
}

#[tokio::test]
async fn bad_rows_fail_with_context_and_leave_nothing() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t (a int PRIMARY KEY, b int NOT NULL, c text CHECK (c <> 'bad'))").await;
    let cases: &[(&[u8], &str, &str, &str)] = &[
        (
            b"1\t2\tx\n2\tx\ty\n",
            "22P02",
            "invalid input syntax for type integer: \"x\"",
            "COPY t, line 2, column b: \"x\"",
        ),
        (b"1\t2\tx\n2\t3\n", "22P04", "missing data for column \"c\"", "COPY t, line 2: \"2\t3\""),
        (b"1\t2\tx\t5\n", "22P04", "extra data after last expected column", "COPY t, line 1: \"1\t2\tx\t5\""),
        (b"1\t2\tx\n1\t3\ty\n", "23505", "duplicate key value violates unique constraint \"t_pkey\"", "COPY t, line 2"),
        (
            b"1\t2\tx\n2\t\\N\ty\n",
            "23502",
            "null value in column \"b\" of relation \"t\" violates not-null constraint",
            "COPY t, line 2: \"2\t\\N\ty\"",
        ),
        (
            b"1\t2\tx\n2\t3\tbad\n",
            "23514",
            "new row for relation \"t\" violates check constraint \"t_c_check\"",
            "COPY t, line 2: \"2\t3\tbad\"",
        ),
        (b"1\t2\tx\r\n2\t3\ty\n", "22P04", "literal newline found in data", "COPY t, line 2"),
        (
            b"1\t99999999999\tx\n",
            "22003",
            "value \"99999999999\" is out of range for type integer",
            "COPY t, line 1, column b: \"99999999999\"",
        ),
    ];
    for (data, code, message, context) in cases {
        let e = copy_in(&mut s, "COPY t FROM STDIN", data, 3).await.unwrap_err();
        assert_eq!((e.error.code, e.error.message.as_str()), (*code, *message));
        assert_eq!(e.context.as_deref(), Some(*context));
        assert!(rows(&mut s, "SELECT a FROM t").await.is_empty(), "nothing of a failed COPY stays");
    }
    // Inside a block: the block fails, and ROLLBACK takes the earlier rows too.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO t VALUES (9, 9, 'z')").await;
    copy_in(&mut s, "COPY t FROM STDIN", b"1\t1\ta\n", 100).await.unwrap();
    let e = copy_in(&mut s, "COPY t FROM STDIN", b"2\tx\ta\n", 100).await.unwrap_err();
    assert_eq!(e.error.code, "22P02");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    ok(&mut s, "ROLLBACK").await;
    assert!(rows(&mut s, "SELECT a FROM t").await.is_empty());
    // Committed block: both.
    ok(&mut s, "BEGIN").await;
    copy_in(&mut s, "COPY t FROM STDIN", b"1\t1\ta\n", 100).await.unwrap();
    ok(&mut s, "INSERT INTO t VALUES (9, 9, 'z')").await;
    ok(&mut s, "COMMIT").await;
    assert_eq!(rows(&mut s, "SELECT a FROM t ORDER BY a").await, vec!["1", "9"]);
}

#[tokio::test]
async fn unsupported_forms_answer_0a000() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t (a int)").await;
    for sql in [
        "COPY t FROM '/etc/passwd'",
        "COPY t FROM PROGRAM 'ls'",
        "COPY t FROM STDIN (FORMAT binary)",
        "COPY t FROM STDIN WHERE a > 1",
    ] {
        let e = s.copy_in_start(sql, false).await.err().unwrap_or_else(|| panic!("{sql} started"));
        assert_eq!(e.error.code, "0A000", "{sql}: {e:?}");
    }
    let e = s.copy_out("COPY t TO '/tmp/out'", false).await.err().unwrap();
    assert_eq!(e.code, "0A000");
    assert!(e.message.contains("file"), "{}", e.message);
    assert!(e.hint.unwrap().contains("superuser"));
    ok(&mut s, "CREATE VIEW v AS SELECT a FROM t").await;
    let e = s.copy_out("COPY v TO STDOUT", false).await.err().unwrap();
    assert_eq!((e.code, e.message.as_str()), ("42809", "cannot copy from view \"v\""));
}

#[tokio::test]
async fn every_type_round_trips() {
    let mut s = session().await;
    ok(
        &mut s,
        "CREATE TABLE all_types (id int PRIMARY KEY, b bool, i2 smallint, i8 bigint, f4 real, f8 double precision, \
         n numeric(20,5), t text, vc varchar(10), ch char(3), by bytea, d date, tm time, ts timestamp, \
         tz timestamptz, iv interval, u uuid, j json, jb jsonb, arr int[], tarr text[])",
    )
    .await;
    let line = |fields: &[&str]| fields.join("\t") + "\n";
    let nulls: Vec<&str> = std::iter::once("2").chain(std::iter::repeat(r"\N").take(20)).collect();
    let data = line(&[
        "1",
        "t",
        "-32768",
        "9223372036854775807",
        "1.5",
        "-2.25e-10",
        "12345.67890",
        "tab\\tnl\\ncr\\rbs\\\\ \u{e9}\u{1f600}",
        "short",
        "ab ",
        r"\\x00ff",
        "2024-02-29",
        "23:59:59.999999",
        "2024-01-02 03:04:05.123456",
        "2024-01-02 03:04:05+00",
        "1 year 2 mons 3 days 04:05:06",
        "123e4567-e89b-12d3-a456-426614174000",
        r#"{"a": [1, 2]}"#,
        r#"{"a": null, "b": 1}"#,
        "{1,NULL,3}",
        r#"{"x y","q\\\\\\"",NULL,"a,b"}"#,
    ]) + &line(&nulls)
        + &line(&[
            "3",
            "f",
            "0",
            "0",
            "NaN",
            "-Infinity",
            "0.00000",
            "",
            "",
            "   ",
            r"\\x",
            "infinity",
            "00:00:00",
            "-infinity",
            "infinity",
            "00:00:00",
            "00000000-0000-0000-0000-000000000000",
            r#""""#,
            "[]",
            "{}",
            "{}",
        ]);
    copy_in(&mut s, "COPY all_types FROM STDIN", data.as_bytes(), 13).await.unwrap();
    let (out, tag) = copy_out(&mut s, "COPY all_types TO STDOUT").await;
    assert_eq!(tag, "COPY 3");
    assert_eq!(out, data);
    // And the CSV form of the same rows survives a second round trip.
    let (csv, _) = copy_out(&mut s, "COPY all_types TO STDOUT (FORMAT csv, HEADER)").await;
    ok(&mut s, "CREATE TABLE copy2 AS SELECT * FROM all_types WHERE false").await;
    ok(&mut s, "DROP TABLE copy2").await;
    ok(&mut s, "DELETE FROM all_types").await;
    copy_in(&mut s, "COPY all_types FROM STDIN (FORMAT csv, HEADER true)", csv.as_bytes(), 17).await.unwrap();
    assert_eq!(copy_out(&mut s, "COPY all_types TO STDOUT").await.0, data);
}

#[tokio::test]
async fn end_marker_and_client_failure() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t (a int, b text)").await;
    assert_eq!(copy_in(&mut s, "COPY t FROM STDIN", b"1\tx\n\\.\n", 2).await.unwrap(), "COPY 1");
    let mut copy = s.copy_in_start("COPY t FROM STDIN", false).await.unwrap();
    s.copy_in_data(&mut copy, b"2\ty\n3\t").await.unwrap();
    let e = Session::copy_in_client_failure(&copy, "aborted by user");
    assert_eq!((e.error.code, e.error.message.as_str()), ("57014", "COPY from stdin failed: aborted by user"));
    s.copy_in_abort(copy).await;
    assert_eq!(rows(&mut s, "SELECT a, b FROM t").await, vec!["1|x"]);
    // A table without primary key gets hidden row ids; COPY TO does not show them.
    assert_eq!(copy_out(&mut s, "COPY t TO STDOUT").await.0, "1\tx\n");
}

/// Two sessions on one engine.
async fn two_sessions() -> (Session, Session) {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let engine = Engine::open(storage).await.unwrap();
    let a = Session::new(engine.clone(), "postgres", "postgres").unwrap();
    let b = Session::new(engine, "postgres", "postgres").unwrap();
    (a, b)
}

fn numbered_rows(range: std::ops::Range<usize>) -> Vec<u8> {
    range.map(|i| format!("{i}\tname {i}\tu{i}@x\n")).collect::<String>().into_bytes()
}

const BULK_TABLE: &str = "CREATE TABLE b (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE)";

#[tokio::test]
async fn copy_into_an_empty_table_is_invisible_until_it_ends() {
    let (mut s, mut other) = two_sessions().await;
    ok(&mut s, BULK_TABLE).await;
    let mut copy = s.copy_in_start("COPY b FROM STDIN", false).await.unwrap();
    s.copy_in_data(&mut copy, &numbered_rows(0..3000)).await.unwrap();
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["0"], "nothing visible during the COPY");
    // The COPY owns the table while it loads: another writer fails.
    let err = other.execute_batch("INSERT INTO b VALUES (99999, 'x', NULL)").await.pop().unwrap().unwrap_err();
    assert_eq!(err.code, "40001", "{err:?}");
    s.copy_in_data(&mut copy, &numbered_rows(3000..5000)).await.unwrap();
    assert_eq!(s.copy_in_finish(&mut copy).await.unwrap(), "COPY 5000");
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["5000"]);
    assert_eq!(rows(&mut other, "SELECT id, name FROM b WHERE email = 'u4321@x'").await, ["4321|name 4321"]);
    assert_eq!(rows(&mut other, "SELECT id FROM b WHERE id BETWEEN 10 AND 12 ORDER BY id").await, ["10", "11", "12"]);
    let err = other.execute_batch("INSERT INTO b VALUES (7, 'x', NULL)").await.pop().unwrap().unwrap_err();
    assert_eq!(err.code, "23505", "the loaded keys are taken");
    ok(&mut other, "INSERT INTO b VALUES (5000, 'after', 'u5000@x')").await;
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["5001"]);
}

#[tokio::test]
async fn copy_into_a_table_with_rows_appends_in_its_transaction() {
    let (mut s, mut other) = two_sessions().await;
    ok(&mut s, BULK_TABLE).await;
    ok(&mut s, "INSERT INTO b VALUES (-1, 'first', NULL)").await;
    let mut copy = s.copy_in_start("COPY b FROM STDIN", false).await.unwrap();
    s.copy_in_data(&mut copy, &numbered_rows(0..2000)).await.unwrap();
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["1"]);
    ok(&mut other, "INSERT INTO b VALUES (-2, 'beside', NULL)").await;
    assert_eq!(s.copy_in_finish(&mut copy).await.unwrap(), "COPY 2000");
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["2002"]);
    let err = copy_in(&mut s, "COPY b FROM STDIN", b"5\tdup\t\\N\n", 64).await.unwrap_err();
    assert_eq!(err.error.code, "23505");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["2002"]);
}

#[tokio::test]
async fn a_bad_row_in_the_middle_leaves_nothing() {
    let mut s = session().await;
    ok(&mut s, BULK_TABLE).await;
    let mut data = numbered_rows(0..2500);
    data.extend_from_slice(b"oops\tbad\t\\N\n");
    data.extend_from_slice(&numbered_rows(2500..3000));
    let err = copy_in(&mut s, "COPY b FROM STDIN", &data, 1000).await.unwrap_err();
    assert_eq!(err.error.code, "22P02", "{err:?}");
    assert_eq!(err.context.as_deref(), Some("COPY b, line 2501, column id: \"oops\""));
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["0"]);
    // A duplicate key and a duplicate unique value, out of order, fail the same way.
    let mut data = numbered_rows(0..2500);
    data.extend_from_slice(b"17\tagain\t\\N\n");
    let err = copy_in(&mut s, "COPY b FROM STDIN", &data, 4096).await.unwrap_err();
    assert_eq!(err.error.code, "23505");
    assert_eq!(err.error.message, "duplicate key value violates unique constraint \"b_pkey\"");
    assert_eq!(err.context.as_deref(), Some("COPY b, line 2501"));
    let mut data = numbered_rows(0..10);
    data.extend_from_slice(b"100\tx\tu3@x\n");
    let err = copy_in(&mut s, "COPY b FROM STDIN", &data, 4096).await.unwrap_err();
    assert_eq!(err.error.code, "23505");
    assert!(err.error.message.contains("b_email"), "{}", err.error.message);
    let err = copy_in(&mut s, "COPY b FROM STDIN", b"1\t\\N\tx\n", 4096).await.unwrap_err();
    assert_eq!(err.error.code, "23502");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["0"]);
    // The table loads cleanly afterwards.
    assert_eq!(copy_in(&mut s, "COPY b FROM STDIN", &numbered_rows(0..100), 333).await.unwrap(), "COPY 100");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["100"]);
}

#[tokio::test]
async fn copy_inside_a_block_is_undone_by_rollback() {
    let (mut s, mut other) = two_sessions().await;
    ok(&mut s, BULK_TABLE).await;
    ok(&mut s, "BEGIN").await;
    assert_eq!(copy_in(&mut s, "COPY b FROM STDIN", &numbered_rows(0..1500), 700).await.unwrap(), "COPY 1500");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["1500"], "the block sees its COPY");
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["0"]);
    ok(&mut s, "ROLLBACK").await;
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b").await, ["0"]);
    ok(&mut s, "BEGIN").await;
    copy_in(&mut s, "COPY b FROM STDIN", &numbered_rows(0..10), 64).await.unwrap();
    ok(&mut s, "COMMIT").await;
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["10"]);
}

/// pgbench -i's shape: TRUNCATE, INSERTs and a COPY in one block; the COPY loads in bulk
/// and everything appears at COMMIT, together.
#[tokio::test]
async fn copy_in_a_block_appears_at_commit_with_the_block() {
    let (mut s, mut other) = two_sessions().await;
    ok(&mut s, BULK_TABLE).await;
    ok(&mut s, "CREATE TABLE branches (bid int PRIMARY KEY, total int)").await;
    ok(&mut s, "CREATE TABLE tellers (tid int PRIMARY KEY, bid int)").await;
    ok(&mut s, "INSERT INTO b VALUES (-1, 'old', NULL)").await;
    ok(&mut s, "BEGIN; TRUNCATE b; INSERT INTO branches VALUES (1, 0)").await;
    // A table the block wrote takes the transactional path; the others load in bulk.
    assert_eq!(copy_in(&mut s, "COPY branches FROM STDIN", b"2	0
", 64).await.unwrap(), "COPY 1");
    assert_eq!(copy_in(&mut s, "COPY tellers FROM STDIN", b"1	1
2	2
", 64).await.unwrap(), "COPY 2");
    assert_eq!(copy_in(&mut s, "COPY b FROM STDIN", &numbered_rows(0..4000), 1500).await.unwrap(), "COPY 4000");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM b WHERE id < 100").await, ["100"]);
    ok(&mut s, "UPDATE b SET name = 'changed' WHERE id = 3").await;
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["0"]);
    assert_eq!(rows(&mut other, "SELECT count(*) FROM branches").await, ["0"]);
    let err = other.execute_batch("INSERT INTO b VALUES (99999, 'x', NULL)").await.pop().unwrap().unwrap_err();
    assert_eq!(err.code, "40001", "{err:?}");
    ok(&mut s, "COMMIT").await;
    assert_eq!(rows(&mut other, "SELECT count(*) FROM b").await, ["4000"]);
    assert_eq!(rows(&mut other, "SELECT count(*) FROM branches").await, ["2"]);
    assert_eq!(rows(&mut other, "SELECT tid, bid FROM tellers ORDER BY tid").await, ["1|1", "2|2"]);
    assert_eq!(rows(&mut other, "SELECT name FROM b WHERE id = 3").await, ["changed"]);
    assert_eq!(rows(&mut other, "SELECT id FROM b WHERE email = 'u3999@x'").await, ["3999"]);
    // What pgbench -i runs next.
    ok(&mut s, "CREATE TABLE acc (aid int NOT NULL, bal int, filler text)").await;
    let data: String = (1..=3000).map(|i| format!("{i}\t0\t\n")).collect();
    ok(&mut s, "BEGIN").await;
    copy_in(&mut s, "COPY acc FROM STDIN", data.as_bytes(), 4096).await.unwrap();
    ok(&mut s, "COMMIT").await;
    ok(&mut s, "ALTER TABLE acc ADD PRIMARY KEY (aid)").await;
    ok(&mut s, "VACUUM ANALYZE acc").await;
    assert_eq!(rows(&mut other, "SELECT aid, bal FROM acc WHERE aid = 2999").await, ["2999|0"]);
    assert_eq!(rows(&mut other, "SELECT count(*) FROM acc").await, ["3000"]);
    let err = other.execute_batch("INSERT INTO acc VALUES (5, 1, '')").await.pop().unwrap().unwrap_err();
    assert_eq!(err.code, "23505");
}
