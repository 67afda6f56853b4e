//! Unit tests of semantic analysis: queries Neo4j accepts (the forms drivers, tools and
//! applications send) pass, and each compile-time error is reported with its detail.

use crate::error::ErrorKind;

fn check(q: &str) -> Result<(), (ErrorKind, String)> {
    let st = crate::syntax::parse(q).map_err(|e| (e.kind, e.message))?;
    super::check(&st).map_err(|e| (e.kind, e.message))
}

fn ok(q: &str) {
    if let Err((kind, msg)) = check(q) {
        panic!("{q}\n  rejected ({kind:?}): {msg}");
    }
}

fn fails(q: &str, detail: &str) {
    match check(q) {
        Ok(()) => panic!("{q}\n  accepted, expected {detail}"),
        Err((kind, msg)) => {
            assert_eq!(kind, ErrorKind::Semantic, "{q}: {msg}");
            assert!(msg.contains(detail), "{q}: expected {detail}, got {msg}");
        }
    }
}

#[test]
fn everyday_queries_pass() {
    for q in [
        "MATCH (n) RETURN n.name AS name ORDER BY n.age",
        "MATCH (n) WITH n, count(*) AS c WHERE c > 1 RETURN n",
        "CALL db.labels() YIELD label RETURN label",
        "CALL db.labels()",
        "CALL db.labels",
        "UNWIND $rows AS row MERGE (n:L {id: row.id}) SET n += row.props",
        "MATCH (a), (b) WHERE id(a) = $x AND elementId(b) = $y CREATE (a)-[:R]->(b)",
        "MATCH p = (a)-[*]->(b) RETURN nodes(p), length(p), relationships(p)",
        "MATCH (n) WHERE n:Person OR n:Movie RETURN n",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n) RETURN count(n) AS c, collect(n.name)[..5] AS names",
        "MATCH (n) RETURN n.x, count(*) ORDER BY count(*) DESC",
        "MATCH (n) WITH n ORDER BY n.x LIMIT 10 RETURN collect(n)",
        "MATCH (n:Person) RETURN n {.name, friends: [(n)-->(f) | f.name]}",
        "CALL { MATCH (n) RETURN n } RETURN n",
        "MATCH (n) CALL { WITH n MATCH (n)-->(m) RETURN m } RETURN n, m",
        "MATCH (n) CALL (n) { MATCH (n)-->(m) RETURN m } RETURN m",
        "MATCH (n) CALL { WITH n SET n.seen = true }",
        "RETURN $param.x, date(), datetime({epochMillis: 1}), duration.between(date(), date())",
        "MATCH (n) WHERE exists(n.name) RETURN n",
        "OPTIONAL MATCH (n)-[r]->() RETURN type(r), startNode(r) = n",
        "MATCH (n) SET n:Label:Other RETURN labels(n)",
        "FOREACH (x IN range(1, 3) | CREATE (:N {v: x}))",
        "MATCH (n) RETURN DISTINCT n.name ORDER BY n.name",
        "MATCH (n) WITH n.x AS x, count(*) AS c RETURN x, c ORDER BY c DESC, x",
        "CALL db.index.vector.queryNodes('idx', 5, $emb) YIELD node, score RETURN node, score",
        "MATCH (n) RETURN n SKIP $s LIMIT $limit",
        "RETURN 1 AS x UNION RETURN 2 AS x",
        "MATCH (n) WHERE n.name =~ '(?i)a.*' RETURN n",
        "RETURN [x IN range(1, 10) WHERE x % 2 = 0 | x * x] AS squares",
        "MATCH (n) RETURN COUNT { (n)-->() } AS degree",
        "MATCH (n) WHERE NOT (n)-[:KNOWS]->() RETURN n",
        "MATCH (n) WHERE EXISTS { MATCH (n)-->(m) WHERE m.x = 1 } RETURN n",
        "MATCH (n) RETURN COLLECT { MATCH (n)-->(m) RETURN m.name } AS names",
        "MERGE (a:A {id: 1}) MERGE (b:B {id: 2}) MERGE (a)-[:R]->(b)",
        "MATCH (a:A) MERGE (a)-[:R]->(b:B {id: 1}) ON CREATE SET b.created = timestamp()",
        "CREATE (a:Person {name: $name}) RETURN a",
        "CREATE (a)-[:R]->(b), (b)-[:S]->(c)",
        "UNWIND [1, 2] AS x RETURN sum(x) * 2, avg(x) / count(*)",
        "MATCH (n) RETURN n.a AS a, max(n.b) - min(n.b) AS spread",
        "MATCH (n) WITH n.city AS city, collect(n) AS people RETURN city, size(people)",
        "MATCH (n) RETURN n, count(*) AS c ORDER BY n.name",
        "MATCH (n) RETURN n.name, count(*) ORDER BY n.name",
        "MATCH (a)-[:KNOWS*1..3]->(b) RETURN DISTINCT b",
        "RETURN CASE WHEN 1 > 0 THEN 'a' ELSE 'b' END, count(DISTINCT 1)",
        "WITH [1, 2, 3] AS l RETURN l[0], l[1..], [false] + false",
        "MATCH (n) WITH collect(n) AS ns UNWIND ns AS n MATCH (n)-->(m) RETURN m",
        "MATCH (n) WITH * RETURN n",
        "MATCH ()-[r]->() MATCH ()-[r]->() RETURN r",
        "MATCH (n) WITH n.x AS x WHERE n.y > 1 RETURN x",
        "MATCH p = shortestPath((a)-[*]-(b)) RETURN p",
        "CREATE INDEX FOR (n:L) ON (n.p)",
        "EXPLAIN MATCH (n) RETURN n",
        "RETURN reduce(s = 0, x IN [1, 2] | s + x) AS total",
        "MATCH (n) RETURN n.x AS x ORDER BY x",
    ] {
        ok(q);
    }
}

#[test]
fn scoping_errors() {
    fails("MATCH () RETURN foo", "UndefinedVariable");
    fails("MATCH (a) WITH a.x AS x RETURN a", "UndefinedVariable");
    fails("CREATE (b {name: missing}) RETURN b", "UndefinedVariable");
    fails("MATCH (a) RETURN DISTINCT a.name ORDER BY a.age", "UndefinedVariable");
    fails("MATCH (n) WHERE (n)-->(m) RETURN n", "UndefinedVariable");
    fails("RETURN [x IN [1] | y]", "UndefinedVariable");
    fails("CALL { RETURN n } RETURN 1", "UndefinedVariable");
    fails("CALL db.proc(1) RETURN out", "UndefinedVariable");
}

#[test]
fn binding_errors() {
    fails("MATCH (a) CREATE (a)", "VariableAlreadyBound");
    fails("MATCH (a) CREATE (a {name: 'foo'})", "VariableAlreadyBound");
    fails("CREATE (n:Foo)-[:T1]->(), (n:Bar)-[:T2]->()", "VariableAlreadyBound");
    fails("MATCH (a) MERGE (a)", "VariableAlreadyBound");
    fails("MATCH (a)-[r]->(b) MERGE (a)-[r:T]->(b)", "VariableAlreadyBound");
    fails("MATCH p = (p)--() RETURN p", "VariableAlreadyBound");
    fails("WITH 'Hi' AS label CALL db.labels() YIELD label RETURN *", "VariableAlreadyBound");
    fails("CALL p(null) YIELD a, b AS a RETURN a", "VariableAlreadyBound");
    fails("WITH 1 AS x UNWIND [1] AS x RETURN x", "VariableAlreadyBound");
    fails("MATCH ()-[r]-() MATCH (r) RETURN r", "VariableTypeConflict");
    fails("MATCH (r) MATCH ()-[r]-() RETURN r", "VariableTypeConflict");
    fails("WITH true AS n MATCH (n) RETURN n", "VariableTypeConflict");
    fails("MATCH (n) WITH [n] AS users MATCH (users)-->(m) RETURN m", "VariableTypeConflict");
    fails("MATCH (a)-[r]->()-[r]->(a) RETURN r", "RelationshipUniquenessViolation");
}

#[test]
fn pattern_shape_errors() {
    fails("CREATE ()-->()", "NoSingleRelationshipType");
    fails("CREATE ()-[:A|B]->()", "NoSingleRelationshipType");
    fails("CREATE (a)-[:FOO]-(b)", "RequiresDirectedRelationship");
    fails("CREATE ()-[:FOO*2]->()", "CreatingVarLength");
    fails("MERGE (a)-[:FOO*2]->(b)", "CreatingVarLength");
    fails("MATCH (n $param) RETURN n", "InvalidParameterUse");
    fails("MERGE (n $param) RETURN n", "InvalidParameterUse");
    ok("CREATE (n $param) RETURN n");
    ok("MERGE (a)-[:R]-(b)");
}

#[test]
fn projection_errors() {
    fails("MATCH (a) WITH a, count(*) RETURN a", "NoExpressionAlias");
    fails("RETURN 1 AS a, 2 AS a", "ColumnNameConflict");
    fails("MATCH () RETURN *", "NoVariablesInScope");
    fails("MATCH (a) WHERE count(a) > 10 RETURN a", "InvalidAggregation");
    fails("MATCH (n) RETURN n.num1 ORDER BY max(n.num2)", "InvalidAggregation");
    fails("RETURN [x IN [1, 2] | count(*)]", "InvalidAggregation");
    fails("MATCH (n) SET n.c = count(*)", "InvalidAggregation");
    fails("RETURN count(count(*))", "NestedAggregation");
    fails("RETURN count(rand())", "NonConstantExpression");
    fails("MATCH (me)--(you) RETURN me.age + count(you.age)", "AmbiguousAggregationExpression");
    fails("MATCH (me)--(you) RETURN me.age + you.age, me.age + you.age + count(*)", "AmbiguousAggregationExpression");
    ok("MATCH (me)--(you) RETURN me.age, me.age + count(you.age)");
    ok("MATCH (me)--(you) RETURN me, me.age + count(you.age)");
    ok("MATCH (me)--(you) RETURN me.age AS age, count(you.age) AS cnt ORDER BY me.age + count(you.age)");
}

#[test]
fn skip_and_limit_arguments() {
    fails("MATCH (n) RETURN n SKIP n.count", "NonConstantExpression");
    fails("MATCH (n) RETURN n LIMIT n.count", "NonConstantExpression");
    fails("MATCH (n) RETURN n SKIP -1", "NegativeIntegerArgument");
    fails("MATCH (n) RETURN n LIMIT -1", "NegativeIntegerArgument");
    fails("MATCH (n) RETURN n LIMIT 1.7", "InvalidArgumentType");
    ok("MATCH (n) RETURN n SKIP 1 + 1 LIMIT $l");
}

#[test]
fn composition_errors() {
    fails("MATCH (n) RETURN n MATCH (m) RETURN m", "InvalidClauseComposition");
    fails("MATCH (n)", "InvalidClauseComposition");
    fails("MATCH (n) WITH n", "InvalidClauseComposition");
    fails("RETURN 1 AS a UNION RETURN 2 AS a UNION ALL RETURN 3 AS a", "InvalidClauseComposition");
    fails("RETURN 1 AS a UNION RETURN 2 AS b", "DifferentColumnsInUnion");
    fails("MATCH (n) WHERE exists { MATCH (n)-->(m) SET m.p = 1 } RETURN n", "InvalidClauseComposition");
    fails("FOREACH (x IN [1] | MATCH (n) )", "InvalidClauseComposition");
    fails("CALL p YIELD out RETURN out", "InvalidArgumentPassingMode");
    fails("CALL p('x', 1) YIELD * RETURN city", "UnexpectedSyntax");
    ok("MATCH () CREATE () WITH * CREATE ()");
}

#[test]
fn functions_and_types() {
    fails("MATCH (a) RETURN foo(a)", "UnknownFunction");
    assert_eq!(
        check("MATCH (a), (b) RETURN shortestPath((a)-[*]-(b))").map_err(|(kind, _)| kind),
        Err(ErrorKind::NotSupported)
    );
    fails("RETURN toUpper()", "InvalidNumberOfArguments");
    fails("RETURN NOT 1", "InvalidArgumentType");
    fails("RETURN 1 AND true", "InvalidArgumentType");
    fails("RETURN 1 IN true", "InvalidArgumentType");
    fails("RETURN none(x IN ['a'] WHERE x % 2 = 0)", "InvalidArgumentType");
    fails("MATCH p = (a) RETURN labels(p)", "InvalidArgumentType");
    fails("MATCH (r) RETURN type(r)", "InvalidArgumentType");
    fails("RETURN properties(1)", "InvalidArgumentType");
    fails("MATCH (n) MATCH r = (n)-[*]->() WHERE r.name = 'apa' RETURN r", "InvalidArgumentType");
    fails("MATCH (n) WHERE (n) RETURN n", "InvalidArgumentType");
    fails("MATCH () DELETE 1 + 1", "InvalidArgumentType");
    fails("MATCH (n) DELETE n:Person", "InvalidDelete");
    fails("MATCH (n) RETURN (n)-[]->()", "UnexpectedSyntax");
    fails("MATCH (a) RETURN size((a)-->())", "UnexpectedSyntax");
    ok("RETURN toupper('a'), TOLOWER('B'), size('abc'), length('abc')");
}

#[test]
fn property_of_a_scalar_is_a_compile_time_type_error() {
    let st = crate::syntax::parse("WITH 123 AS x RETURN x.num").unwrap();
    let e = super::check(&st).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Type);
    assert!(e.compile_time);
}

#[test]
fn unsupported_clauses_say_so() {
    let st = crate::syntax::parse("LOAD CSV FROM 'file:///x.csv' AS line RETURN line").unwrap();
    let e = super::check(&st).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotSupported);
    assert!(e.message.contains("LOAD CSV"), "{}", e.message);
}
