//! Result-set column metadata against a real MariaDB 10.11: the same tables (many column
//! types and keys) on both servers, the same queries, and the column definitions compared
//! field by field — through `mariadb --column-type-info` (text protocol) and mysql_async's
//! prepared statements (COM_STMT_PREPARE and the binary result set of COM_STMT_EXECUTE).
//!
//! Expected values are MariaDB's. Orbit follows MySQL 8 where the two differ; those
//! differences are the short list [`mysql8`] applies to MariaDB's answer:
//! - character columns: MySQL 8 reports the result charset utf8mb4's default collation
//!   utf8mb4_0900_ai_ci (255), MariaDB utf8mb4_general_ci (45);
//! - JSON columns: MySQL 8 sends MYSQL_TYPE_JSON (245) with the binary collation (63),
//!   MariaDB a utf8mb4 BLOB.
//!
//! Computed columns (expressions, aggregates; MariaDB gives them no database) are compared
//! on their names, tables and type only: their lengths and flags are the engine's and not
//! checked here.

use orbit_tests::mariadb::{mariadb_cli, RealMariaDb};
use orbit_tests::server::TestServer;
use std::collections::BTreeMap;

const SCHEMA: &str = "\
CREATE DATABASE meta;
USE meta;
CREATE TABLE kinds (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED NOT NULL DEFAULT 0, b BOOL, si SMALLINT, mi MEDIUMINT, bi BIGINT,
  bu BIGINT UNSIGNED,
  de DECIMAL(10,2), du DECIMAL(5,0) UNSIGNED, fl FLOAT, db DOUBLE,
  ch CHAR(10), vc VARCHAR(20) NOT NULL, tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
  bn BINARY(4), vb VARBINARY(8), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
  d DATE, dt DATETIME, dt3 DATETIME(3), ts TIMESTAMP NULL, tm TIME, tm6 TIME(6), yr YEAR,
  en ENUM('a','bb','ccc'), st SET('x','y'), js JSON,
  code VARCHAR(8), grp INT,
  UNIQUE KEY (code), KEY (grp), KEY (si, mi)
);
CREATE TABLE other (k INT PRIMARY KEY, kid INT NOT NULL, note VARCHAR(30));
CREATE TABLE t3 (a INT, b INT, c TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  e TEXT NOT NULL, f INT NOT NULL DEFAULT 5, u1 INT, u2 INT, PRIMARY KEY (a, b), UNIQUE KEY (u1, u2));
INSERT INTO kinds (ti, tu, b, si, mi, bi, bu, de, du, fl, db, ch, vc, tt, tx, mt, lt, bn, vb, tb, bl, mb, lb,
  d, dt, dt3, ts, tm, tm6, yr, en, st, js, code, grp)
  VALUES (-1, 2, 1, 3, 4, 5, 6, 1.25, 3, 0.5, 2.5, 'c', 'v', 'tt', 'tx', 'mt', 'lt', 'bn', 'vb', 'tb', 'bl', 'mb', 'lb',
  '2024-01-02', '2024-01-02 03:04:05', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05', '01:02:03', '01:02:03.5', 2024,
  'bb', 'x,y', '{\"a\": 1}', 'c1', 1);
CREATE TABLE cb (a VARCHAR(5) COLLATE utf8mb4_bin, b CHAR(3) COLLATE utf8mb4_bin, c TEXT COLLATE utf8mb4_bin,
  d VARCHAR(4) CHARACTER SET latin1, e ENUM('x') COLLATE utf8mb4_bin);
INSERT INTO cb VALUES ('a', 'b', 'c', 'd', 'x');
CREATE VIEW vw AS SELECT id, tu, vc AS name, id * 2 AS dbl FROM kinds;
INSERT INTO other VALUES (1, 1, 'n1'), (2, 9, 'n2');
INSERT INTO t3 (a, b, e) VALUES (1, 1, 'x');
";

/// Queries whose column metadata is compared.
const QUERIES: &[&str] = &[
    "SELECT * FROM kinds",
    "SELECT K.id AS kid, K.vc AS x, ch, (K.de), K.en, K.yr, VC FROM kinds AS K",
    "SELECT kinds.id, meta.kinds.vc, grp FROM meta.kinds WHERE id > 0 ORDER BY vc LIMIT 1",
    "SELECT k.id, o.k, o.kid, o.note, k.code FROM kinds k JOIN other o ON o.kid = k.id",
    "SELECT k.id, o.k, o.kid, o.note FROM kinds k LEFT JOIN other o ON o.kid = k.id",
    "SELECT o.note, k.vc FROM other o RIGHT JOIN kinds k ON o.kid = k.id",
    "SELECT o.*, k.id FROM other o, kinds k",
    "SELECT grp, COUNT(*) AS n, MAX(vc) AS m FROM kinds GROUP BY grp",
    "SELECT MAX(tu), MIN(id) AS m, MAX(de), MAX(bu), MAX(d), MAX(dt3), MAX(en), MAX(yr), MIN(ts) FROM kinds",
    "SELECT id + 1, CONCAT(vc, '!') AS c, 42 FROM kinds",
    "SELECT vc FROM kinds WHERE id IN (SELECT kid FROM other)",
    "SELECT * FROM t3",
    "SELECT x.* FROM (SELECT id, vc AS v, ti, id + 1 AS n FROM kinds) AS x",
    "WITH c AS (SELECT id, tu FROM kinds) SELECT c.*, z.tu FROM c, c AS z",
    "SELECT d.k, d.note FROM (SELECT o.k, o.note FROM kinds k LEFT JOIN other o ON o.kid = k.id) d",
    "SELECT * FROM vw",
    "SELECT * FROM cb",
    "SELECT v.name, v.tu FROM vw v WHERE v.id > 0",
];

/// One column definition, by the field names `mariadb --column-type-info` prints.
type Field = BTreeMap<String, String>;

/// What is compared for a computed column: its names and type.
const COMPUTED: &[&str] = &["Field", "Org_field", "Database", "Table", "Org_table", "Type"];
const ALL: &[&str] =
    &["Field", "Org_field", "Database", "Table", "Org_table", "Type", "Collation", "Length", "Decimals", "Flags"];

/// The JSON columns of [`SCHEMA`].
const JSON_COLUMNS: &[&str] = &["js"];

/// MariaDB's answer as MySQL 8 gives it (the module's list of deliberate differences).
/// Types are the CLI's names ("LONG", "BLOB (format=json)"; it has none for type 245) or
/// mysql_async's ("MYSQL_TYPE_LONG"; it sees no JSON format, so JSON columns are known by
/// name).
fn mysql8(mut f: Field) -> Field {
    let base_column = f.get("Org_table").is_some_and(|t| !t.is_empty());
    if base_column && f.get("Org_field").is_some_and(|n| JSON_COLUMNS.contains(&n.as_str())) {
        let async_names = f.get("Type").is_some_and(|t| t.starts_with("MYSQL_TYPE_"));
        f.insert("Type".into(), if async_names { "MYSQL_TYPE_JSON" } else { "?-unknown-?" }.into());
        f.insert("Collation".into(), "63".into());
    }
    if f.get("Collation").map(String::as_str) == Some("45") {
        f.insert("Collation".into(), "255".into());
    }
    f
}

/// The `Field N:` blocks of `--column-type-info` output; Collation is kept as its number
/// (the MariaDB client does not know MySQL 8's collation names).
fn parse_fields(out: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let out = format!("\n{out}");
    for block in out.split("\nField ").skip(1) {
        let mut f = Field::new();
        for (i, line) in block.lines().enumerate() {
            let (key, value) = if i == 0 {
                ("Field", line.split_once(':').map(|(_, v)| v).unwrap_or(""))
            } else {
                match line.split_once(':') {
                    Some((k, v)) => (k.trim(), v),
                    None => break,
                }
            };
            let mut value = value.trim().trim_matches('`').to_string();
            if key == "Collation" {
                value = value.rsplit('(').next().unwrap_or("").trim_end_matches(')').to_string();
            }
            f.insert(key.to_string(), value);
            if key == "Flags" {
                break;
            }
        }
        fields.push(f);
    }
    fields
}

fn column_info(port: u16, query: &str) -> Vec<Field> {
    let out =
        mariadb_cli("127.0.0.1", port, &["--column-type-info", "-t", "--default-character-set=utf8mb4", "meta"], query)
            .unwrap_or_else(|e| panic!("mariadb client: {e}"));
    assert!(out.status.success(), "{query}: {}{}", out.stdout, out.stderr);
    parse_fields(&out.stdout)
}

fn compare(what: &str, query: &str, orbit: &[Field], maria: &[Field], problems: &mut Vec<String>) {
    if orbit.len() != maria.len() {
        problems.push(format!("{what} {query}: {} columns, MariaDB {}", orbit.len(), maria.len()));
        return;
    }
    for (o, m) in orbit.iter().zip(maria) {
        let m = mysql8(m.clone());
        // Expressions, also through a derived table (which MariaDB names but puts in no database).
        let computed = m.get("Database").is_none_or(|t| t.is_empty());
        for key in if computed { COMPUTED } else { ALL } {
            if o.get(*key) != m.get(*key) {
                problems.push(format!(
                    "{what} {query}: column {:?} {key}: Orbit {:?}, MariaDB (as MySQL 8) {:?}",
                    m.get("Field").cloned().unwrap_or_default(),
                    o.get(*key),
                    m.get(*key)
                ));
            }
        }
    }
}

fn setup(port: u16) {
    let out = mariadb_cli("127.0.0.1", port, &["--default-character-set=utf8mb4"], SCHEMA).expect("mariadb client");
    assert!(out.status.success(), "schema: {}{}", out.stdout, out.stderr);
}

/// A mysql_async column definition in the CLI's terms (numbers for type and flags).
fn async_field(c: &mysql_async::Column) -> Field {
    let mut f = Field::new();
    for (k, v) in [
        ("Field", c.name_str().into_owned()),
        ("Org_field", c.org_name_str().into_owned()),
        ("Database", c.schema_str().into_owned()),
        ("Table", c.table_str().into_owned()),
        ("Org_table", c.org_table_str().into_owned()),
        ("Type", format!("{:?}", c.column_type())),
        ("Collation", c.character_set().to_string()),
        ("Length", c.column_length().to_string()),
        ("Decimals", c.decimals().to_string()),
        ("Flags", c.flags().bits().to_string()),
    ] {
        f.insert(k.to_string(), v);
    }
    f
}

async fn prepared_columns(port: u16, query: &str) -> (Vec<Field>, Vec<Field>) {
    use mysql_async::prelude::*;
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(port)
        .user(Some("root"))
        .db_name(Some("meta"))
        .prefer_socket(false);
    let mut conn = mysql_async::Conn::new(opts).await.expect("connect");
    let stmt = conn.prep(query).await.unwrap_or_else(|e| panic!("prepare {query}: {e}"));
    let prepared = stmt.columns().iter().map(async_field).collect();
    let mut result = conn.exec_iter(&stmt, ()).await.unwrap_or_else(|e| panic!("execute {query}: {e}"));
    let executed = result.columns().map(|c| c.iter().map(async_field).collect()).unwrap_or_default();
    let _rows: Vec<mysql_async::Row> = result.collect().await.unwrap_or_else(|e| panic!("rows of {query}: {e}"));
    drop(result);
    conn.disconnect().await.expect("disconnect");
    (prepared, executed)
}

/// The column definitions Orbit sends match MariaDB's (in MySQL 8's terms), for the text
/// protocol, COM_STMT_PREPARE and binary result sets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_column_metadata_matches_mariadb() {
    if orbit_tests::mariadb::client_binary().is_err() {
        eprintln!("\n!!!! SKIPPED mysql_column_metadata_matches_mariadb: the mariadb client is not installed\n");
        return;
    }
    let maria = match RealMariaDb::start() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("\n!!!! SKIPPED mysql_column_metadata_matches_mariadb: {e}\n");
            return;
        }
    };
    let server = TestServer::start(&[], &[]);
    let orbit_port = server.listener_port("--mysql-port");
    setup(orbit_port);
    setup(maria.port());
    let mut problems = Vec::new();
    let mut compared = 0;
    for query in QUERIES {
        let (o, m) = (column_info(orbit_port, query), column_info(maria.port(), query));
        assert!(!m.is_empty(), "no column info from MariaDB for {query}");
        compare("text", query, &o, &m, &mut problems);
        compared += m.len();
        let (o_prep, o_exec) = prepared_columns(orbit_port, query).await;
        let (m_prep, m_exec) = prepared_columns(maria.port(), query).await;
        compare("prepare", query, &o_prep, &m_prep, &mut problems);
        compare("execute", query, &o_exec, &m_exec, &mut problems);
    }
    eprintln!("column metadata: {compared} columns of {} queries compared (text, prepare, execute)", QUERIES.len());
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}
