//! Expected texts are those of Cassandra 4.1's `DescribeStatementTest` (the real
//! server's output) where it has them, and otherwise follow the 4.1 source the module
//! docs name.

use super::cql_text::{compare_ignore_case, java_double, java_hash_map_order, java_string_hash, quote_if_needed};
use super::statement::{CF, KS};
use super::{describe, SchemaView};
use crate::engine::Rows;
use crate::error::ErrorCode;
use crate::parse::ast::{Describe, QualifiedName};
use crate::schema::{
    ClusteringOrder, ColumnDef, ColumnKind, IndexDef, IndexTarget, KeyspaceDef, Replication, TableDef, UserTypeDef,
};
use crate::types::CqlType;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `tableParametersCql()` of DescribeStatementTest: a table created without options.
const TABLE_PARAMETERS: &str = "additional_write_policy = '99p'\n\
    \x20   AND bloom_filter_fp_chance = 0.01\n\
    \x20   AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}\n\
    \x20   AND cdc = false\n\
    \x20   AND comment = ''\n\
    \x20   AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}\n\
    \x20   AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}\n\
    \x20   AND crc_check_chance = 1.0\n\
    \x20   AND default_time_to_live = 0\n\
    \x20   AND extensions = {}\n\
    \x20   AND gc_grace_seconds = 864000\n\
    \x20   AND max_index_interval = 2048\n\
    \x20   AND memtable_flush_period_in_ms = 0\n\
    \x20   AND min_index_interval = 128\n\
    \x20   AND read_repair = 'BLOCKING'\n\
    \x20   AND speculative_retry = '99p';";

/// `keyspaceOutput()` of DescribeStatementTest.
const KEYSPACE_TEST: &str = "CREATE KEYSPACE test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;";

fn simple(name: &str, rf: u32) -> KeyspaceDef {
    KeyspaceDef { name: name.into(), replication: Replication::Simple { replication_factor: rf }, durable_writes: true }
}

fn local(name: &str) -> KeyspaceDef {
    KeyspaceDef { name: name.into(), replication: Replication::Local, durable_writes: true }
}

/// A table from `(name, type)` pairs; `pk` and `ck` name the key columns, `statics` the
/// static ones. Columns are stored as the executor stores them (values by name).
struct Table {
    def: TableDef,
}

impl Table {
    fn new(ks: &str, name: &str, columns: &[(&str, CqlType)], pk: &[&str], ck: &[(&str, ClusteringOrder)]) -> Table {
        Self::with_statics(ks, name, columns, pk, ck, &[])
    }

    fn with_statics(
        ks: &str,
        name: &str,
        columns: &[(&str, CqlType)],
        pk: &[&str],
        ck: &[(&str, ClusteringOrder)],
        statics: &[&str],
    ) -> Table {
        let ty = |n: &str| columns.iter().find(|(c, _)| *c == n).map(|(_, t)| t.clone()).expect("declared column");
        let mut defs = Vec::new();
        for (i, k) in pk.iter().enumerate() {
            defs.push(ColumnDef {
                name: k.to_string(),
                ty: ty(k),
                kind: ColumnKind::PartitionKey,
                position: i as u32,
                order: ClusteringOrder::Asc,
            });
        }
        for (i, (c, order)) in ck.iter().enumerate() {
            defs.push(ColumnDef {
                name: c.to_string(),
                ty: ty(c),
                kind: ColumnKind::Clustering,
                position: i as u32,
                order: *order,
            });
        }
        let mut rest: Vec<&(&str, CqlType)> =
            columns.iter().filter(|(n, _)| !pk.contains(n) && !ck.iter().any(|(c, _)| c == n)).collect();
        rest.sort_by_key(|(n, _)| *n);
        for (n, t) in rest {
            defs.push(ColumnDef {
                name: n.to_string(),
                ty: t.clone(),
                kind: if statics.contains(n) { ColumnKind::Static } else { ColumnKind::Regular },
                position: 0,
                order: ClusteringOrder::Asc,
            });
        }
        Table {
            def: TableDef {
                keyspace: ks.into(),
                name: name.into(),
                columns: defs,
                id: [0; 16],
                default_ttl: 0,
                options: BTreeMap::new(),
                indexes: Vec::new(),
                is_counter: false,
            },
        }
    }

    fn index(mut self, name: &str, column: &str) -> Table {
        self.def.indexes.push(IndexDef { name: name.into(), column: column.into(), target: IndexTarget::Values });
        self
    }

    fn option(mut self, name: &str, value: &str) -> Table {
        self.def.options.insert(name.into(), value.into());
        self
    }

    fn arc(self) -> Arc<TableDef> {
        Arc::new(self.def)
    }
}

fn list(t: CqlType) -> CqlType {
    CqlType::List(Box::new(t))
}
fn set(t: CqlType) -> CqlType {
    CqlType::Set(Box::new(t))
}
fn map(k: CqlType, v: CqlType) -> CqlType {
    CqlType::Map(Box::new(k), Box::new(v))
}
fn frozen(t: CqlType) -> CqlType {
    CqlType::Frozen(Box::new(t))
}
fn udt(ks: &str, name: &str) -> CqlType {
    CqlType::UdtRef { keyspace: Some(ks.into()), name: name.into() }
}

const ASC: ClusteringOrder = ClusteringOrder::Asc;
const DESC: ClusteringOrder = ClusteringOrder::Desc;

/// `CREATE TABLE test.users ( userid text PRIMARY KEY, firstname text, lastname text, age int)`
/// and `CREATE INDEX myindex ON test.users (age)`.
fn users() -> Arc<TableDef> {
    Table::new(
        "test",
        "users",
        &[("userid", CqlType::Text), ("firstname", CqlType::Text), ("lastname", CqlType::Text), ("age", CqlType::Int)],
        &["userid"],
        &[],
    )
    .index("myindex", "age")
    .arc()
}

const USERS: &str = "CREATE TABLE test.users (\n    userid text PRIMARY KEY,\n    age int,\n    firstname text,\n    lastname text\n) WITH ";

/// `CREATE TABLE test."Test" (id int, col int, val text, PRIMARY KEY(id, col))` with an
/// index on `col` and one on `val`.
fn quoted_test() -> Arc<TableDef> {
    Table::new(
        "test",
        "Test",
        &[("id", CqlType::Int), ("col", CqlType::Int), ("val", CqlType::Text)],
        &["id"],
        &[("col", ASC)],
    )
    .index("Test_val_idx", "val")
    .index("Test_col_idx", "col")
    .arc()
}

const QUOTED_TEST: &str = "CREATE TABLE test.\"Test\" (\n    id int,\n    col int,\n    val text,\n    PRIMARY KEY (id, col)\n) WITH CLUSTERING ORDER BY (col ASC)\n    AND ";

/// `allTypesTable()` of DescribeStatementTest.
fn has_all_types() -> Arc<TableDef> {
    Table::new(
        "test",
        "has_all_types",
        &[
            ("num", CqlType::Int),
            ("asciicol", CqlType::Ascii),
            ("bigintcol", CqlType::Bigint),
            ("blobcol", CqlType::Blob),
            ("booleancol", CqlType::Boolean),
            ("decimalcol", CqlType::Decimal),
            ("doublecol", CqlType::Double),
            ("durationcol", CqlType::Duration),
            ("floatcol", CqlType::Float),
            ("frozenlistcol", frozen(list(CqlType::Text))),
            ("frozenmapcol", frozen(map(CqlType::Timestamp, CqlType::Timeuuid))),
            ("frozensetcol", frozen(set(CqlType::Bigint))),
            ("intcol", CqlType::Int),
            ("smallintcol", CqlType::Smallint),
            ("textcol", CqlType::Text),
            ("timestampcol", CqlType::Timestamp),
            ("tinyintcol", CqlType::Tinyint),
            ("tuplecol", CqlType::Tuple(vec![CqlType::Text, CqlType::Int, CqlType::Tuple(vec![CqlType::Timestamp])])),
            ("uuidcol", CqlType::Uuid),
            ("varcharcol", CqlType::Text),
            ("varintcol", CqlType::Varint),
            ("listcol", list(CqlType::Decimal)),
            ("mapcol", map(CqlType::Timestamp, CqlType::Timeuuid)),
            ("setcol", set(CqlType::Tinyint)),
        ],
        &["num"],
        &[],
    )
    .arc()
}

const HAS_ALL_TYPES: &str = "CREATE TABLE test.has_all_types (\n\
    \x20   num int PRIMARY KEY,\n\
    \x20   asciicol ascii,\n\
    \x20   bigintcol bigint,\n\
    \x20   blobcol blob,\n\
    \x20   booleancol boolean,\n\
    \x20   decimalcol decimal,\n\
    \x20   doublecol double,\n\
    \x20   durationcol duration,\n\
    \x20   floatcol float,\n\
    \x20   frozenlistcol frozen<list<text>>,\n\
    \x20   frozenmapcol frozen<map<timestamp, timeuuid>>,\n\
    \x20   frozensetcol frozen<set<bigint>>,\n\
    \x20   intcol int,\n\
    \x20   smallintcol smallint,\n\
    \x20   textcol text,\n\
    \x20   timestampcol timestamp,\n\
    \x20   tinyintcol tinyint,\n\
    \x20   tuplecol frozen<tuple<text, int, frozen<tuple<timestamp>>>>,\n\
    \x20   uuidcol uuid,\n\
    \x20   varcharcol text,\n\
    \x20   varintcol varint,\n\
    \x20   listcol list<decimal>,\n\
    \x20   mapcol map<timestamp, timeuuid>,\n\
    \x20   setcol set<tinyint>\n\
    ) WITH ";

/// The `test` keyspace of DescribeStatementTest.testDescribe (without its materialized
/// view, which Orbit does not have), a user keyspace of CQLTester, and the system ones.
struct Fixture {
    keyspaces: Vec<KeyspaceDef>,
    tables: Vec<Arc<TableDef>>,
    types: Vec<Arc<UserTypeDef>>,
}

impl Fixture {
    fn new() -> Fixture {
        let keyspaces = vec![
            simple("test", 1),
            local("system"),
            simple("cql_test_keyspace", 1),
            simple("system_auth", 1),
            local("system_schema"),
            simple("system_distributed", 3),
            simple("system_traces", 2),
            local("system_virtual_schema"),
            simple("cql_test_keyspace_alt", 1),
        ];
        let system_local =
            Table::new("system", "local", &[("key", CqlType::Text), ("cluster_name", CqlType::Text)], &["key"], &[])
                .arc();
        let tables = vec![users(), system_local, quoted_test(), has_all_types(), virtual_columns()];
        Fixture { keyspaces, tables, types: Vec::new() }
    }

    fn view(&self, session: Option<&'static str>) -> SchemaView<'_> {
        SchemaView {
            keyspaces: &self.keyspaces,
            tables: &self.tables,
            types: &self.types,
            session_keyspace: session,
            cluster_name: "Test Cluster",
            partitioner: "org.apache.cassandra.dht.ByteOrderedPartitioner",
            snitch: "org.apache.cassandra.locator.SimpleSnitch",
        }
    }
}

/// system_virtual_schema.columns as VirtualSchemaKeyspace defines it.
fn virtual_columns() -> Arc<TableDef> {
    Table::new(
        "system_virtual_schema",
        "columns",
        &[
            ("keyspace_name", CqlType::Text),
            ("table_name", CqlType::Text),
            ("column_name", CqlType::Text),
            ("clustering_order", CqlType::Text),
            ("column_name_bytes", CqlType::Blob),
            ("kind", CqlType::Text),
            ("position", CqlType::Int),
            ("type", CqlType::Text),
        ],
        &["keyspace_name"],
        &[("table_name", ASC), ("column_name", ASC)],
    )
    .option("comment", "'virtual column definitions'")
    .arc()
}

fn name(ks: Option<&str>, name: &str) -> QualifiedName {
    QualifiedName { keyspace: ks.map(str::to_string), name: name.into() }
}

/// The rows as strings.
fn cells(rows: &Rows) -> Vec<Vec<String>> {
    rows.rows
        .iter()
        .map(|r| r.iter().map(|c| String::from_utf8(c.as_ref().expect("no nulls").to_vec()).unwrap()).collect())
        .collect()
}

fn row(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn error(what: Describe, view: &SchemaView<'_>) -> String {
    let err = describe(&what, view).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    err.message().to_string()
}

fn index_output(index: &str, table: &str, col: &str) -> String {
    format!("CREATE INDEX {index} ON test.{table} ({col});")
}

/// testDescribeKeyspaceOutput's rows, in DescribeStatementTest's order.
fn test_keyspace_rows() -> Vec<Vec<String>> {
    vec![
        row(&["test", "keyspace", "test", KEYSPACE_TEST]),
        row(&["test", "table", "has_all_types", &format!("{HAS_ALL_TYPES}{TABLE_PARAMETERS}")]),
        row(&["test", "table", "\"Test\"", &format!("{QUOTED_TEST}{TABLE_PARAMETERS}")]),
        row(&["test", "index", "\"Test_col_idx\"", &index_output("\"Test_col_idx\"", "\"Test\"", "col")]),
        row(&["test", "index", "\"Test_val_idx\"", &index_output("\"Test_val_idx\"", "\"Test\"", "val")]),
        row(&["test", "table", "users", &format!("{USERS}{TABLE_PARAMETERS}")]),
        row(&["test", "index", "myindex", &index_output("myindex", "users", "age")]),
    ]
}

#[test]
fn describe_keyspace_lists_the_keyspace_its_tables_and_their_indexes() {
    let f = Fixture::new();
    let rows = describe(&Describe::Keyspace(Some("test".into())), &f.view(None)).unwrap();
    let names: Vec<&str> = rows.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["keyspace_name", "type", "name", "create_statement"]);
    assert!(rows.columns.iter().all(|c| c.keyspace == KS && c.table == CF && c.ty == CqlType::Text));
    assert_eq!((KS, CF), ("system", "describe"));
    assert_eq!(cells(&rows), test_keyspace_rows());
    // `DESCRIBE test` and `DESCRIBE KEYSPACE` in the keyspace answer the same.
    assert_eq!(describe(&Describe::Name(name(None, "test")), &f.view(None)).unwrap(), rows);
    assert_eq!(describe(&Describe::Keyspace(None), &f.view(Some("test"))).unwrap(), rows);
}

#[test]
fn describe_table_answers_the_table_then_its_indexes() {
    let f = Fixture::new();
    let expected = vec![
        row(&["test", "table", "\"Test\"", &format!("{QUOTED_TEST}{TABLE_PARAMETERS}")]),
        row(&["test", "index", "\"Test_col_idx\"", &index_output("\"Test_col_idx\"", "\"Test\"", "col")]),
        row(&["test", "index", "\"Test_val_idx\"", &index_output("\"Test_val_idx\"", "\"Test\"", "val")]),
    ];
    for (what, session) in [
        (Describe::Table(name(Some("test"), "Test")), None),
        (Describe::Table(name(None, "Test")), Some("test")),
        (Describe::Name(name(Some("test"), "Test")), None),
        (Describe::Name(name(None, "Test")), Some("test")),
    ] {
        assert_eq!(cells(&describe(&what, &f.view(session)).unwrap()), expected, "{what:?}");
    }
    let all_types = describe(&Describe::Table(name(Some("test"), "has_all_types")), &f.view(None)).unwrap();
    assert_eq!(
        cells(&all_types),
        vec![row(&["test", "table", "has_all_types", &format!("{HAS_ALL_TYPES}{TABLE_PARAMETERS}")])]
    );
}

#[test]
fn compound_keys_descending_clustering_and_collections_last() {
    // testDescribeTableAndMaterializedViewWithClustringOrder.
    let t = Table::new(
        "cql_test_keyspace",
        "table_00",
        &[
            ("pk1", CqlType::Int),
            ("pk2", CqlType::Int),
            ("ck1", CqlType::Int),
            ("ck2", CqlType::Int),
            ("reg1", CqlType::Int),
            ("reg2", list(CqlType::Int)),
            ("reg3", CqlType::Int),
        ],
        &["pk1", "pk2"],
        &[("ck1", ASC), ("ck2", DESC)],
    )
    .arc();
    let expected = format!(
        "CREATE TABLE cql_test_keyspace.table_00 (\n\
         \x20   pk1 int,\n\
         \x20   pk2 int,\n\
         \x20   ck1 int,\n\
         \x20   ck2 int,\n\
         \x20   reg1 int,\n\
         \x20   reg3 int,\n\
         \x20   reg2 list<int>,\n\
         \x20   PRIMARY KEY ((pk1, pk2), ck1, ck2)\n\
         ) WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC)\n\
         \x20   AND {TABLE_PARAMETERS}"
    );
    assert_eq!(super::table_text::create_table(&t, false), expected);
}

#[test]
fn static_columns_are_marked_and_listed_before_regular_ones() {
    // testDescribeTableWithInternals' table, as DESCRIBE without INTERNALS prints it.
    let t = Table::with_statics(
        "cql_test_keyspace",
        "table_01",
        &[
            ("pk1", CqlType::Text),
            ("pk2", CqlType::Int),
            ("c", CqlType::Int),
            ("s", CqlType::Decimal),
            ("v1", CqlType::Text),
            ("v2", CqlType::Int),
            ("v3", CqlType::Int),
        ],
        &["pk1", "pk2"],
        &[("c", ASC)],
        &["s"],
    )
    .arc();
    let expected = format!(
        "CREATE TABLE cql_test_keyspace.table_01 (\n\
         \x20   pk1 text,\n\
         \x20   pk2 int,\n\
         \x20   c int,\n\
         \x20   s decimal static,\n\
         \x20   v1 text,\n\
         \x20   v2 int,\n\
         \x20   v3 int,\n\
         \x20   PRIMARY KEY ((pk1, pk2), c)\n\
         ) WITH CLUSTERING ORDER BY (c ASC)\n\
         \x20   AND {TABLE_PARAMETERS}"
    );
    assert_eq!(super::table_text::create_table(&t, false), expected);
}

#[test]
fn frozen_udt_columns_quoted_identifiers_and_nested_frozen_types() {
    // Per CQL3Type.toString: UDTs by their (quoted if needed) name, frozen<> when frozen;
    // everything inside a frozen type or a collection is frozen.
    let t = Table::new(
        "Orbit",
        "select",
        &[
            ("Id", CqlType::Uuid),
            ("addr", frozen(udt("Orbit", "address"))),
            ("live", udt("Orbit", "Address")),
            ("nested", frozen(map(CqlType::Text, list(CqlType::Int)))),
            ("history", list(frozen(udt("Orbit", "address")))),
            ("n", CqlType::Counter),
        ],
        &["Id"],
        &[],
    )
    .arc();
    let expected = format!(
        "CREATE TABLE \"Orbit\".\"select\" (\n\
         \x20   \"Id\" uuid PRIMARY KEY,\n\
         \x20   addr frozen<address>,\n\
         \x20   n counter,\n\
         \x20   nested frozen<map<text, frozen<list<int>>>>,\n\
         \x20   history list<frozen<address>>,\n\
         \x20   live \"Address\"\n\
         ) WITH {TABLE_PARAMETERS}"
    );
    assert_eq!(super::table_text::create_table(&t, false), expected);
}

#[test]
fn types_are_described_alone_and_in_dependency_order() {
    // testDescribeTypes: type_02 uses type_01, type_00 (altered) uses type_02.
    let ks = "cql_test_keyspace";
    let ty = |name: &str, fields: Vec<(&str, CqlType)>| {
        Arc::new(UserTypeDef {
            keyspace: ks.into(),
            name: name.into(),
            fields: fields.into_iter().map(|(n, t)| (n.to_string(), t)).collect(),
        })
    };
    let types = vec![
        ty("type_00", vec![("a", CqlType::Int), ("b", frozen(udt(ks, "type_02")))]),
        ty("type_01", vec![("x", CqlType::Text), ("y", CqlType::Text)]),
        ty("type_02", vec![("a", CqlType::Text), ("b", frozen(udt(ks, "type_01")))]),
    ];
    let keyspaces = vec![simple(ks, 1)];
    let view = SchemaView {
        keyspaces: &keyspaces,
        tables: &[],
        types: &types,
        session_keyspace: Some(ks),
        cluster_name: "Test Cluster",
        partitioner: "Murmur3Partitioner",
        snitch: "SimpleSnitch",
    };
    let type_00 = "CREATE TYPE cql_test_keyspace.type_00 (\n    a int,\n    b frozen<type_02>\n);";
    let type_01 = "CREATE TYPE cql_test_keyspace.type_01 (\n    x text,\n    y text\n);";
    let type_02 = "CREATE TYPE cql_test_keyspace.type_02 (\n    a text,\n    b frozen<type_01>\n);";

    let listed = describe(&Describe::Types, &view).unwrap();
    assert_eq!(listed.columns.len(), 3);
    assert_eq!(
        cells(&listed),
        vec![row(&[ks, "type", "type_00"]), row(&[ks, "type", "type_01"]), row(&[ks, "type", "type_02"])]
    );
    assert_eq!(
        cells(&describe(&Describe::Type(name(None, "type_01")), &view).unwrap()),
        vec![row(&[ks, "type", "type_01", type_01])]
    );
    assert_eq!(
        cells(&describe(&Describe::Type(name(Some(ks), "type_00")), &view).unwrap()),
        vec![row(&[ks, "type", "type_00", type_00])]
    );
    let keyspace = "CREATE KEYSPACE cql_test_keyspace WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;";
    assert_eq!(
        cells(&describe(&Describe::Keyspace(Some(ks.into())), &view).unwrap()),
        vec![
            row(&[ks, "keyspace", ks, keyspace]),
            row(&[ks, "type", "type_01", type_01]),
            row(&[ks, "type", "type_02", type_02]),
            row(&[ks, "type", "type_00", type_00]),
        ]
    );
    assert_eq!(
        error(Describe::Type(name(None, "nope")), &view),
        "User defined type 'nope' not found in 'cql_test_keyspace'"
    );

    // UserType.toCqlString quotes the keyspace and type names but writes field names
    // as they are; collection fields stay non-frozen, tuples are always frozen.
    let odd = UserTypeDef {
        keyspace: "Shop".into(),
        name: "Address".into(),
        fields: vec![
            ("Zip".into(), CqlType::Text),
            ("lines".into(), list(CqlType::Text)),
            ("at".into(), CqlType::Tuple(vec![CqlType::Double, CqlType::Double])),
        ],
    };
    assert_eq!(
        super::type_text::create_type(&odd),
        "CREATE TYPE \"Shop\".\"Address\" (\n    Zip text,\n    lines list<text>,\n    at frozen<tuple<double, double>>\n);"
    );
}

#[test]
fn keyspaces_are_listed_by_name_ignoring_case() {
    let f = Fixture::new();
    let expected: Vec<Vec<String>> = [
        "cql_test_keyspace",
        "cql_test_keyspace_alt",
        "system",
        "system_auth",
        "system_distributed",
        "system_schema",
        "system_traces",
        "system_virtual_schema",
        "test",
    ]
    .iter()
    .map(|k| row(&[k, "keyspace", k]))
    .collect();
    for session in [None, Some("test")] {
        let rows = describe(&Describe::Keyspaces, &f.view(session)).unwrap();
        let names: Vec<&str> = rows.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["keyspace_name", "type", "name"]);
        assert_eq!(cells(&rows), expected);
    }
}

#[test]
fn tables_are_listed_for_the_session_keyspace_or_all() {
    let f = Fixture::new();
    assert_eq!(
        cells(&describe(&Describe::Tables, &f.view(Some("test"))).unwrap()),
        vec![
            row(&["test", "table", "has_all_types"]),
            row(&["test", "table", "\"Test\""]),
            row(&["test", "table", "users"])
        ]
    );
    let all = cells(&describe(&Describe::Tables, &f.view(None)).unwrap());
    assert_eq!(
        all,
        vec![
            row(&["system", "table", "local"]),
            row(&["system_virtual_schema", "table", "columns"]),
            row(&["test", "table", "has_all_types"]),
            row(&["test", "table", "\"Test\""]),
            row(&["test", "table", "users"]),
        ]
    );
    assert!(describe(&Describe::Functions, &f.view(Some("test"))).unwrap().rows.is_empty());
    assert_eq!(error(Describe::Tables, &f.view(Some("gone"))), "'gone' not found in keyspaces");
}

#[test]
fn schema_skips_system_keyspaces_unless_full() {
    let f = Fixture::new();
    let keyspace = |k: &str| {
        format!("CREATE KEYSPACE {k} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': '1'}}  AND durable_writes = true;")
    };
    let mut expected = vec![
        row(&["cql_test_keyspace", "keyspace", "cql_test_keyspace", &keyspace("cql_test_keyspace")]),
        row(&["cql_test_keyspace_alt", "keyspace", "cql_test_keyspace_alt", &keyspace("cql_test_keyspace_alt")]),
    ];
    expected.extend(test_keyspace_rows());
    assert_eq!(cells(&describe(&Describe::Schema { full: false }, &f.view(None)).unwrap()), expected);

    let full = cells(&describe(&Describe::Schema { full: true }, &f.view(None)).unwrap());
    let kinds: Vec<(&str, &str)> = full.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("cql_test_keyspace", "keyspace"),
            ("cql_test_keyspace_alt", "keyspace"),
            ("system", "keyspace"),
            ("system", "table"),
            ("system_auth", "keyspace"),
            ("system_distributed", "keyspace"),
            ("system_schema", "keyspace"),
            ("system_traces", "keyspace"),
            ("system_virtual_schema", "keyspace"),
            ("system_virtual_schema", "table"),
            ("test", "keyspace"),
            ("test", "table"),
            ("test", "table"),
            ("test", "index"),
            ("test", "index"),
            ("test", "table"),
            ("test", "index"),
        ]
    );
    assert_eq!(
        full[2][3],
        "CREATE KEYSPACE system WITH replication = {'class': 'LocalStrategy'}  AND durable_writes = true;"
    );
    assert_eq!(
        full[6][3],
        "CREATE KEYSPACE system_schema WITH replication = {'class': 'LocalStrategy'}  AND durable_writes = true;"
    );
}

#[test]
fn virtual_keyspaces_and_tables_print_as_warnings() {
    // testDescribeVirtualTables.
    let f = Fixture::new();
    let rows = cells(&describe(&Describe::Keyspace(Some("system_virtual_schema".into())), &f.view(None)).unwrap());
    assert_eq!(
        rows[0],
        row(&[
            "system_virtual_schema",
            "keyspace",
            "system_virtual_schema",
            "/*\n\
             Warning: Keyspace system_virtual_schema is a virtual keyspace and cannot be recreated with CQL.\n\
             Structure, for reference:\n\
             VIRTUAL KEYSPACE system_virtual_schema;\n\
             */"
        ])
    );
    let table =
        cells(&describe(&Describe::Table(name(Some("system_virtual_schema"), "columns")), &f.view(None)).unwrap());
    assert_eq!(
        table,
        vec![row(&[
            "system_virtual_schema",
            "table",
            "columns",
            "/*\n\
             Warning: Table system_virtual_schema.columns is a virtual table and cannot be recreated with CQL.\n\
             Structure, for reference:\n\
             VIRTUAL TABLE system_virtual_schema.columns (\n\
             \x20   keyspace_name text,\n\
             \x20   table_name text,\n\
             \x20   column_name text,\n\
             \x20   clustering_order text,\n\
             \x20   column_name_bytes blob,\n\
             \x20   kind text,\n\
             \x20   position int,\n\
             \x20   type text,\n\
             \x20   PRIMARY KEY (keyspace_name, table_name, column_name)\n\
             ) WITH CLUSTERING ORDER BY (table_name ASC, column_name ASC)\n\
             \x20   AND comment = 'virtual column definitions';\n\
             */"
        ])]
    );
    assert_eq!(rows[1], table[0]);
}

#[test]
fn describe_cluster_names_cluster_partitioner_and_snitch() {
    // testDescribeCluster (without a keyspace in use: no range_ownership).
    let f = Fixture::new();
    let rows = describe(&Describe::Cluster, &f.view(None)).unwrap();
    let names: Vec<&str> = rows.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["cluster", "partitioner", "snitch"]);
    assert!(rows.columns.iter().all(|c| c.keyspace == "system" && c.table == "describe"));
    assert_eq!(cells(&rows), vec![row(&["Test Cluster", "ByteOrderedPartitioner", "SimpleSnitch"])]);
}

#[test]
fn indexes_are_described_alone() {
    let f = Fixture::new();
    let expected = vec![row(&["test", "index", "myindex", &index_output("myindex", "users", "age")])];
    for (what, session) in [
        (Describe::Index(name(Some("test"), "myindex")), None),
        (Describe::Index(name(None, "myindex")), Some("test")),
        (Describe::Name(name(Some("test"), "myindex")), None),
        (Describe::Name(name(None, "myindex")), Some("test")),
    ] {
        assert_eq!(cells(&describe(&what, &f.view(session)).unwrap()), expected, "{what:?}");
    }
    let collections = Table::new(
        "test",
        "c",
        &[
            ("k", CqlType::Int),
            ("l", list(CqlType::Int)),
            ("m", map(CqlType::Text, CqlType::Int)),
            ("f", frozen(set(CqlType::Int))),
        ],
        &["k"],
        &[],
    )
    .arc();
    let target = |column: &str, target| {
        super::table_text::create_index(&collections, &IndexDef { name: "i".into(), column: column.into(), target })
    };
    assert_eq!(target("l", IndexTarget::Values), "CREATE INDEX i ON test.c (values(l));");
    assert_eq!(target("m", IndexTarget::Keys), "CREATE INDEX i ON test.c (keys(m));");
    assert_eq!(target("m", IndexTarget::Entries), "CREATE INDEX i ON test.c (entries(m));");
    assert_eq!(target("f", IndexTarget::Full), "CREATE INDEX i ON test.c (full(f));");
}

#[test]
fn missing_elements_answer_cassandras_messages() {
    let f = Fixture::new();
    let none = f.view(None);
    let in_test = f.view(Some("test"));
    // testDescribe / testDescribeNotFound / testDescribeMissingKeyspace.
    assert_eq!(error(Describe::Keyspace(Some("test2".into())), &none), "'test2' not found in keyspaces");
    assert_eq!(error(Describe::Name(name(None, "test2")), &none), "'test2' not found in keyspaces");
    assert_eq!(error(Describe::Name(name(None, "foo")), &none), "'foo' not found in keyspaces");
    assert_eq!(error(Describe::Name(name(None, "users2")), &in_test), "'users2' not found in keyspace 'test'");
    assert_eq!(error(Describe::Name(name(Some("test"), "users2")), &none), "'users2' not found in keyspace 'test'");
    assert_eq!(error(Describe::Name(name(Some("test"), "myindex2")), &none), "'myindex2' not found in keyspace 'test'");
    assert_eq!(error(Describe::Name(name(None, "myindex2")), &in_test), "'myindex2' not found in keyspace 'test'");
    for what in [
        Describe::Table(name(None, "foop")),
        Describe::Index(name(None, "foop")),
        Describe::Type(name(None, "foop")),
        Describe::Keyspace(None),
    ] {
        assert_eq!(error(what, &none), "No keyspace specified and no current keyspace");
    }
    // DescribeStatement's own messages for the explicit forms.
    assert_eq!(error(Describe::Table(name(Some("test"), "nope")), &none), "Table 'nope' not found in keyspace 'test'");
    assert_eq!(
        error(Describe::Index(name(Some("test"), "nope")), &none),
        "Table for existing index 'nope' not found in 'test'"
    );
    assert_eq!(error(Describe::Table(name(Some("gone"), "t")), &none), "'gone' not found in keyspaces");
}

#[test]
fn stored_options_print_as_cassandra_normalises_them() {
    let t = Table::new("ks", "t", &[("k", CqlType::Int)], &["k"], &[])
        .option("comment", "'it''s mine'")
        .option("compaction", "{'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '160'}")
        .option("compression", "{'class': 'ZstdCompressor', 'chunk_length_in_kb': '64'}")
        .option("caching", "{'keys': 'none', 'rows_per_partition': '100'}")
        .option("gc_grace_seconds", "3600")
        .option("crc_check_chance", "0.5")
        .option("speculative_retry", "'95PERCENTILE'")
        .option("read_repair", "'none'")
        .option("cdc", "true");
    let mut def = t.def;
    def.default_ttl = 86400;
    let text = super::table_text::create_table(&def, false);
    let expected = "CREATE TABLE ks.t (\n    k int PRIMARY KEY\n) WITH additional_write_policy = '99p'\n\
         \x20   AND bloom_filter_fp_chance = 0.1\n\
         \x20   AND caching = {'keys': 'NONE', 'rows_per_partition': '100'}\n\
         \x20   AND cdc = true\n\
         \x20   AND comment = 'it''s mine'\n\
         \x20   AND compaction = {'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4', 'sstable_size_in_mb': '160'}\n\
         \x20   AND compression = {'chunk_length_in_kb': '64', 'class': 'org.apache.cassandra.io.compress.ZstdCompressor'}\n\
         \x20   AND crc_check_chance = 0.5\n\
         \x20   AND default_time_to_live = 86400\n\
         \x20   AND extensions = {}\n\
         \x20   AND gc_grace_seconds = 3600\n\
         \x20   AND max_index_interval = 2048\n\
         \x20   AND memtable_flush_period_in_ms = 0\n\
         \x20   AND min_index_interval = 128\n\
         \x20   AND read_repair = 'NONE'\n\
         \x20   AND speculative_retry = '95p';";
    assert_eq!(text, expected);

    let off = Table::new("ks", "t", &[("k", CqlType::Int)], &["k"], &[]).option("compression", "{'enabled': 'false'}");
    assert!(super::table_text::create_table(&off.def, false).contains("\n    AND compression = {'enabled': 'false'}\n"));
}

#[test]
fn network_topology_options_follow_java_hash_map_order() {
    let mut dcs = BTreeMap::new();
    dcs.insert("dc1".to_string(), 3);
    let one = KeyspaceDef {
        name: "ks".into(),
        replication: Replication::NetworkTopology { data_centers: dcs.clone() },
        durable_writes: false,
    };
    assert_eq!(
        super::keyspace_text::create_keyspace(&one),
        "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3'}  AND durable_writes = false;"
    );
    // With 'class', 3 entries: an 8-bucket HashMap where "dc1" hashes to bucket 3 and
    // "dc2" to bucket 2, so dc2 comes first.
    dcs.insert("dc2".to_string(), 1);
    let two = KeyspaceDef {
        name: "ks".into(),
        replication: Replication::NetworkTopology { data_centers: dcs },
        durable_writes: true,
    };
    assert_eq!(
        super::keyspace_text::replication_text(&two),
        "{'class': 'NetworkTopologyStrategy', 'dc2': '1', 'dc1': '3'}"
    );
}

#[test]
fn java_rules_are_reproduced() {
    assert_eq!(java_string_hash("hello"), 99162322);
    assert_eq!(java_string_hash(""), 0);
    assert_eq!(java_hash_map_order(&["a", "b"], 2), ["a", "b"]);
    assert_eq!(java_double(0.01), "0.01");
    assert_eq!(java_double(1.0), "1.0");
    assert_eq!(java_double(0.0001), "1.0E-4");
    assert_eq!(java_double(12345678.0), "1.2345678E7");
    assert_eq!(compare_ignore_case("Test", "has_all_types"), std::cmp::Ordering::Greater);
    assert_eq!(compare_ignore_case("Test", "users"), std::cmp::Ordering::Less);
    assert_eq!(quote_if_needed("users"), "users");
    assert_eq!(quote_if_needed("Test"), "\"Test\"");
    assert_eq!(quote_if_needed("select"), "\"select\"");
    assert_eq!(quote_if_needed("1st"), "\"1st\"");
    assert_eq!(quote_if_needed("a\"b"), "\"a\"\"b\"");
}
