//! Statements as cqlsh, the drivers and cqlpy send them.

use super::ast::*;
use super::parse_statement;
use crate::error::ErrorCode;
use crate::schema::{ClusteringOrder, IndexTarget};
use crate::types::CqlType;

fn parse(text: &str) -> Statement {
    parse_statement(text).unwrap_or_else(|e| panic!("{text}: {e}")).statement
}

fn name(keyspace: Option<&str>, name: &str) -> QualifiedName {
    QualifiedName { keyspace: keyspace.map(str::to_string), name: name.to_string() }
}

fn col(n: &str) -> RelationTarget {
    RelationTarget::Column(n.into())
}

fn str_lit(s: &str) -> Term {
    Term::Literal(Literal::Str(s.into()))
}

#[test]
fn driver_connect_queries() {
    let Statement::Select(s) = parse("SELECT * FROM system.local WHERE key='local'") else { panic!() };
    assert_eq!(s.table, name(Some("system"), "local"));
    assert!(s.items.is_empty());
    assert_eq!(s.where_clause, [Relation { target: col("key"), op: Operator::Eq, value: str_lit("local") }]);
    let Statement::Select(s) =
        parse("SELECT peer, data_center, host_id, preferred_ip, rack, release_version, rpc_address, schema_version, tokens FROM system.peers")
    else {
        panic!()
    };
    assert_eq!(s.items.len(), 9);
    let Statement::Select(s) =
        parse("SELECT * FROM system_schema.columns WHERE keyspace_name = 'ks' AND table_name = 't';")
    else {
        panic!()
    };
    assert_eq!(s.where_clause.len(), 2);
}

#[test]
fn create_keyspace_and_table_with_options() {
    assert_eq!(
        parse("CREATE KEYSPACE IF NOT EXISTS shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1} AND durable_writes = false"),
        Statement::CreateKeyspace {
            name: "shop".into(),
            if_not_exists: true,
            options: vec![
                (
                    "replication".into(),
                    OptionValue::Map(vec![("class".into(), "SimpleStrategy".into()), ("replication_factor".into(), "1".into())])
                ),
                ("durable_writes".into(), OptionValue::Constant(Literal::Bool(false))),
            ],
        }
    );
    let Statement::CreateTable(t) = parse(
        "CREATE TABLE ks.\"Events\" (day date, ts timeuuid, \"Kind\" text STATIC, tags set<text>, m frozen<map<text, list<int>>>, \
         PRIMARY KEY ((day, \"Kind\"), ts)) WITH CLUSTERING ORDER BY (ts DESC) AND default_time_to_live = 60 AND comment = 'x'",
    ) else {
        panic!()
    };
    assert_eq!(t.name, name(Some("ks"), "Events"));
    assert_eq!(t.partition_key, ["day", "Kind"]);
    assert_eq!(t.clustering, ["ts"]);
    assert_eq!(t.clustering_order, [("ts".to_string(), ClusteringOrder::Desc)]);
    assert!(t.columns[2].is_static);
    assert_eq!(t.columns[3].ty, CqlType::Set(Box::new(CqlType::Text)));
    assert_eq!(t.columns[4].ty.to_string(), "frozen<map<text, frozen<list<int>>>>");
    assert_eq!(t.options[0], ("default_time_to_live".into(), OptionValue::Constant(Literal::Integer("60".into()))));
    let Statement::CreateTable(t) = parse("create table t (k int primary key, v text)") else { panic!() };
    assert_eq!((t.partition_key, t.clustering.len()), (vec!["k".to_string()], 0));
}

#[test]
fn writes_with_markers_ttl_collections_and_conditions() {
    let parsed =
        parse_statement("INSERT INTO t (k, v, l) VALUES (?, :v, [1, 2]) IF NOT EXISTS USING TTL 10 AND TIMESTAMP ?")
            .unwrap();
    assert_eq!(parsed.markers, [MarkerName::Positional, MarkerName::Named("v".into()), MarkerName::Positional]);
    let Statement::Insert(i) = parsed.statement else { panic!() };
    assert!(i.if_not_exists);
    assert_eq!(i.values[0], Term::Marker(0));
    assert_eq!(i.using.timestamp, Some(Term::Marker(2)));
    let int = |s: &str| Term::Literal(Literal::Integer(s.into()));
    assert_eq!(i.values[2], Term::List(vec![int("1"), int("2")]));

    let Statement::Update(u) =
        parse("UPDATE t USING TTL 5 SET c = c + 1, l = [0] + l, s = s - {'a'}, m['k'] = 'v', u.f = 3 WHERE k = 1 IF v = 'x' AND m['k'] = null")
    else {
        panic!()
    };
    assert_eq!(u.assignments[0].value, AssignValue::Append(int("1")));
    assert_eq!(u.assignments[1].value, AssignValue::Prepend(Term::List(vec![int("0")])));
    assert_eq!(u.assignments[2].value, AssignValue::Remove(Term::Set(vec![str_lit("a")])));
    assert_eq!(u.assignments[3].target, AssignTarget::Element("m".into(), str_lit("k")));
    assert_eq!(u.assignments[4].target, AssignTarget::Field("u".into(), "f".into()));
    assert!(matches!(&u.condition, Condition::If(r) if r.len() == 2));

    let Statement::Delete(d) = parse("DELETE m['k'], v FROM ks.t USING TIMESTAMP 3 WHERE k = 1 AND c >= 2 IF EXISTS")
    else {
        panic!()
    };
    assert_eq!(d.targets.len(), 2);
    assert_eq!(d.timestamp, Some(int("3")));
    assert_eq!(d.condition, Condition::IfExists);

    let Statement::Insert(j) = parse("INSERT INTO t JSON '{\"k\": 1}' DEFAULT UNSET") else { panic!() };
    assert_eq!(j.json, Some((str_lit("{\"k\": 1}"), true)));
    let Statement::Update(u) = parse("UPDATE t SET u = {f: 1, g: 'x'}, m = {'a': 1}, e = {} WHERE k = 1") else {
        panic!()
    };
    assert!(matches!(&u.assignments[0].value, AssignValue::Set(Term::Udt(f)) if f.len() == 2));
    assert!(matches!(&u.assignments[1].value, AssignValue::Set(Term::Map(e)) if e.len() == 1));
}

#[test]
fn select_clauses() {
    let Statement::Select(s) = parse(
        "SELECT DISTINCT k, count(*) AS n, writetime(v), CAST(x AS text), m['a'], l[1..3], u.f FROM t \
         WHERE k IN (1, 2) AND (c1, c2) > (1, 'a') AND token(k) > ? AND l CONTAINS 3 AND m CONTAINS KEY 'a' AND v IS NOT NULL \
         GROUP BY k ORDER BY c1 DESC PER PARTITION LIMIT 2 LIMIT 10 ALLOW FILTERING",
    ) else {
        panic!()
    };
    assert!(s.distinct && s.allow_filtering);
    assert_eq!(
        s.items[1],
        SelectItem {
            selector: Selector::Function { name: "count".into(), args: vec![Selector::Star] },
            alias: Some("n".into())
        }
    );
    assert_eq!(s.items[3].selector, Selector::Cast(Box::new(Selector::Column("x".into())), CqlType::Text));
    assert!(matches!(s.items[5].selector, Selector::Slice(..)));
    assert_eq!(s.items[6].selector, Selector::Field(Box::new(Selector::Column("u".into())), "f".into()));
    let Statement::Select(q) = parse("SELECT system.blobAsInt(b), ks.\"Fn\"(1) FROM t") else { panic!() };
    let function = |name: &str, args| Selector::Function { name: name.into(), args };
    assert_eq!(q.items[0].selector, function("system.blobasint", vec![Selector::Column("b".into())]));
    let one = Selector::Term(Term::Literal(Literal::Integer("1".into())));
    assert_eq!(q.items[1].selector, function("ks.Fn", vec![one]));
    assert_eq!(s.where_clause[0].op, Operator::In);
    assert_eq!(s.where_clause[1].target, RelationTarget::Tuple(vec!["c1".into(), "c2".into()]));
    assert_eq!(s.where_clause[2].target, RelationTarget::Token(vec!["k".into()]));
    assert_eq!(s.where_clause[4].op, Operator::ContainsKey);
    assert_eq!(s.where_clause[5].op, Operator::IsNotNull);
    assert_eq!(s.order_by, [("c1".to_string(), ClusteringOrder::Desc)]);
    assert!(s.per_partition_limit.is_some() && s.limit.is_some());
    let Statement::Select(s) = parse("SELECT JSON * FROM t WHERE k IN ?") else { panic!() };
    assert!(s.json);
    assert_eq!(s.where_clause[0].value, Term::Marker(0));
}

#[test]
fn batches_types_indexes_roles_and_describe() {
    let Statement::Batch(b) =
        parse("BEGIN UNLOGGED BATCH USING TIMESTAMP 1 INSERT INTO t (k) VALUES (1); UPDATE t SET v = 2 WHERE k = 1; APPLY BATCH;")
    else {
        panic!()
    };
    assert_eq!((b.kind, b.statements.len()), (BatchType::Unlogged, 2));
    assert!(parse_statement("BEGIN BATCH SELECT * FROM t; APPLY BATCH").is_err());

    assert_eq!(
        parse("CREATE TYPE IF NOT EXISTS ks.addr (street text, zip int)"),
        Statement::CreateType {
            name: name(Some("ks"), "addr"),
            if_not_exists: true,
            fields: vec![("street".into(), CqlType::Text), ("zip".into(), CqlType::Int)]
        }
    );
    assert!(matches!(
        parse("CREATE INDEX ON t (keys(m))"),
        Statement::CreateIndex { name: None, target: IndexTarget::Keys, .. }
    ));
    assert!(matches!(
        parse("CREATE INDEX IF NOT EXISTS by_v ON ks.t (v)"),
        Statement::CreateIndex { if_not_exists: true, .. }
    ));
    assert_eq!(
        parse("CREATE ROLE alice WITH PASSWORD = 'pw' AND LOGIN = true"),
        Statement::CreateRole {
            name: "alice".into(),
            if_not_exists: false,
            options: RoleOptions { password: Some("pw".into()), login: Some(true), superuser: None, unsupported: None }
        }
    );
    assert!(matches!(parse("CREATE USER bob WITH PASSWORD 'pw' NOSUPERUSER"), Statement::CreateRole { .. }));
    assert_eq!(parse("DESCRIBE KEYSPACES"), Statement::Describe(Describe::Keyspaces));
    assert_eq!(parse("DESC TABLE ks.t"), Statement::Describe(Describe::Table(name(Some("ks"), "t"))));
    assert_eq!(parse("DESCRIBE KEYSPACE"), Statement::Describe(Describe::Keyspace(None)));
    assert_eq!(parse("describe full schema"), Statement::Describe(Describe::Schema { full: true }));
    assert_eq!(parse("DESCRIBE shop"), Statement::Describe(Describe::Name(name(None, "shop"))));
    assert_eq!(
        parse("CREATE MATERIALIZED VIEW v AS SELECT * FROM t"),
        Statement::Unsupported("CREATE MATERIALIZED VIEW".into())
    );
    assert_eq!(parse("USE \"MyKs\""), Statement::Use("MyKs".into()));
    assert_eq!(parse("TRUNCATE TABLE t"), Statement::Truncate(name(None, "t")));
    assert!(
        matches!(parse("ALTER TABLE t ADD (a int, b text)"), Statement::AlterTable { change: AlterTable::Add(c), .. } if c.len() == 2)
    );
}

#[test]
fn bad_input_is_a_syntax_error_without_panics() {
    for bad in [
        "",
        "SELEC * FROM t",
        "SELECT * FORM t",
        "SELECT * FROM",
        "INSERT INTO t (k) VALUES (1",
        "UPDATE t SET WHERE k = 1",
        "CREATE TABLE t (k int, PRIMARY KEY (k)",
        "SELECT * FROM t WHERE k = 'open",
        "\u{0}\u{1}\u{2}",
        "SELECT * FROM t; SELECT 1",
    ] {
        let err = parse_statement(bad).unwrap_err();
        assert_eq!(err.code(), ErrorCode::SyntaxError, "{bad}: {err}");
    }
    let deep = format!("INSERT INTO t (k) VALUES ({}1{})", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(parse_statement(&deep).unwrap_err().code(), ErrorCode::SyntaxError);
    // Every prefix of valid statements parses or fails cleanly.
    let valid = "BEGIN BATCH INSERT INTO ks.t (k, m) VALUES (?, {'a': [1, 2]}) USING TTL 3; UPDATE t SET c = c + 1 WHERE k IN (1, 2) IF v = (int) ?; APPLY BATCH";
    for end in 0..=valid.len() {
        let _ = parse_statement(&valid[..end]);
    }
    // Random bytes made into text.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let text: String = (0..40)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let alphabet = b"SELECT*FROM t WHERE(k,v)=?:'\"{}[]0x1.e-;+ ";
                alphabet[(seed % alphabet.len() as u64) as usize] as char
            })
            .collect();
        let _ = parse_statement(&text);
    }
}
