//! Unit tests of the lexer and parser: precedence (as the openCypher grammar and the TCK's
//! precedence features define it), literals and escapes, comments, names that are
//! keywords, patterns, administration commands, error positions and the depth bound.

use super::parse;
use crate::ast::*;
use crate::error::ErrorKind;

fn ret(q: &str) -> Expr {
    let st = parse(q).unwrap_or_else(|e| panic!("{q}: {}", e.message));
    let Statement::Query(Query { first, .. }) = st else { panic!("not a query: {q}") };
    match first.clauses.last() {
        Some(Clause::Return(p)) => p.items[0].expr.clone(),
        other => panic!("no RETURN: {other:?}"),
    }
}

fn v(n: &str) -> Expr {
    Expr::Variable(n.into())
}

fn int(i: i64) -> Expr {
    Expr::Literal(Literal::Integer(i))
}

fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary(op, Box::new(l), Box::new(r))
}

fn un(op: UnaryOp, e: Expr) -> Expr {
    Expr::Unary(op, Box::new(e))
}

fn syntax_err(q: &str) -> String {
    match parse(q) {
        Ok(st) => panic!("{q} parsed: {st:?}"),
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Syntax, "{q}: {}", e.message);
            assert!(e.compile_time);
            e.message
        }
    }
}

#[test]
fn not_binds_looser_than_comparison() {
    assert_eq!(ret("RETURN NOT a = b"), un(UnaryOp::Not, bin(BinaryOp::Eq, v("a"), v("b"))));
    assert_eq!(ret("RETURN NOT a AND b"), bin(BinaryOp::And, un(UnaryOp::Not, v("a")), v("b")));
}

#[test]
fn boolean_operator_precedence() {
    // OR < XOR < AND (Precedence1.feature)
    assert_eq!(
        ret("RETURN a OR b XOR c AND d"),
        bin(BinaryOp::Or, v("a"), bin(BinaryOp::Xor, v("b"), bin(BinaryOp::And, v("c"), v("d"))))
    );
}

#[test]
fn unary_minus_binds_tighter_than_power() {
    // Precedence2 [4]: -3 ^ 2 is 9.0
    assert_eq!(ret("RETURN -3 ^ 2"), bin(BinaryOp::Pow, int(-3), int(2)));
    assert_eq!(ret("RETURN -a ^ 2"), bin(BinaryOp::Pow, un(UnaryOp::Neg, v("a")), int(2)));
    assert_eq!(ret("RETURN -(3 ^ 2)"), un(UnaryOp::Neg, bin(BinaryOp::Pow, int(3), int(2))));
}

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(
        ret("RETURN 1 + 2 * 3 ^ 2"),
        bin(BinaryOp::Add, int(1), bin(BinaryOp::Mul, int(2), bin(BinaryOp::Pow, int(3), int(2))))
    );
    assert_eq!(ret("RETURN 1 - 2 - 3"), bin(BinaryOp::Sub, bin(BinaryOp::Sub, int(1), int(2)), int(3)));
    assert_eq!(ret("RETURN 2 ^ 3 ^ 2"), bin(BinaryOp::Pow, bin(BinaryOp::Pow, int(2), int(3)), int(2)));
}

#[test]
fn predicates_bind_tighter_than_comparison() {
    assert_eq!(ret("RETURN a = b IN c"), bin(BinaryOp::Eq, v("a"), bin(BinaryOp::In, v("b"), v("c"))));
    assert_eq!(
        ret("RETURN a + b STARTS WITH c"),
        bin(BinaryOp::StartsWith, bin(BinaryOp::Add, v("a"), v("b")), v("c"))
    );
    assert_eq!(ret("RETURN a.x IS NOT NULL"), un(UnaryOp::IsNotNull, Expr::Property(Box::new(v("a")), "x".into())));
    assert_eq!(ret("RETURN NOT a IS NULL"), un(UnaryOp::Not, un(UnaryOp::IsNull, v("a"))));
}

#[test]
fn comparison_chains_desugar_to_and() {
    assert_eq!(
        ret("RETURN a < b <= c"),
        bin(BinaryOp::And, bin(BinaryOp::Lt, v("a"), v("b")), bin(BinaryOp::Le, v("b"), v("c")))
    );
    assert_eq!(
        ret("RETURN 1 < 2 > 0 = true"),
        bin(
            BinaryOp::And,
            bin(BinaryOp::And, bin(BinaryOp::Lt, int(1), int(2)), bin(BinaryOp::Gt, int(2), int(0))),
            bin(BinaryOp::Eq, int(0), Expr::Literal(Literal::Bool(true)))
        )
    );
}

#[test]
fn integer_literals_and_bounds() {
    assert_eq!(ret("RETURN -9223372036854775808"), int(i64::MIN));
    assert_eq!(ret("RETURN 9223372036854775807"), int(i64::MAX));
    assert_eq!(ret("RETURN 0x1F"), int(31));
    assert_eq!(ret("RETURN -0x8000000000000000"), int(i64::MIN));
    assert_eq!(ret("RETURN 0o17"), int(15));
    assert_eq!(ret("RETURN 017"), int(15));
    assert!(syntax_err("RETURN 9223372036854775808").contains("integer is too large"));
    assert!(syntax_err("RETURN -9223372036854775809").contains("integer is too large"));
    assert!(syntax_err("RETURN 0x8000000000000000").contains("integer is too large"));
    syntax_err("RETURN 0x");
    syntax_err("RETURN 0x1G");
    syntax_err("RETURN 12a");
    syntax_err("RETURN 08");
}

#[test]
fn float_literals() {
    let f = |q: &str| match ret(q) {
        Expr::Literal(Literal::Float(f)) => f,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(f("RETURN 1.5"), 1.5);
    assert_eq!(f("RETURN .5"), 0.5);
    assert_eq!(f("RETURN 1e3"), 1000.0);
    assert_eq!(f("RETURN 1.5E-2"), 0.015);
    assert_eq!(f("RETURN -.5e1"), -5.0);
    syntax_err("RETURN 1.34E999");
}

#[test]
fn string_escapes() {
    let s = |q: &str| match ret(q) {
        Expr::Literal(Literal::String(s)) => s,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(s(r#"RETURN 'a\tb\bc\nd\re\ff\'g\"h\\i'"#), "a\tb\u{8}c\nd\re\u{c}f'g\"h\\i");
    assert_eq!(s(r#"RETURN "it's \u00e9 \U0001F600""#), "it's \u{e9} \u{1F600}");
    assert_eq!(s("RETURN 'no \"escape\" needed'"), "no \"escape\" needed");
    assert_eq!(s(r"RETURN '\uD83D\uDE00 \U0001f600'"), "\u{1F600} \u{1F600}");
    syntax_err(r"RETURN '\uH'");
    syntax_err(r"RETURN '\q'");
    syntax_err("RETURN 'open");
}

#[test]
fn comments_are_skipped() {
    assert_eq!(ret("RETURN /* a */ 1 // trailing\n"), int(1));
    assert_eq!(ret("// first\nRETURN /* multi\nline */ 2"), int(2));
    syntax_err("RETURN 1 /* unterminated");
}

#[test]
fn keywords_are_case_insensitive_and_names_case_sensitive() {
    let st = parse("match (N:Person) where N.Name = 'x' return N").unwrap();
    let Statement::Query(q) = st else { panic!() };
    let Clause::Match(m) = &q.first.clauses[0] else { panic!() };
    assert_eq!(m.pattern[0].element.start.variable.as_deref(), Some("N"));
    assert_eq!(m.pattern[0].element.start.labels, Some(LabelExpr::Name("Person".into())));
}

#[test]
fn keywords_as_names() {
    assert_eq!(ret("RETURN n.count"), Expr::Property(Box::new(v("n")), "count".into()));
    assert_eq!(ret("RETURN n.return"), Expr::Property(Box::new(v("n")), "return".into()));
    let st = parse("MATCH (n:Match)-[:Return]->(m:Where) RETURN n").unwrap();
    let Statement::Query(q) = st else { panic!() };
    let Clause::Match(m) = &q.first.clauses[0] else { panic!() };
    assert_eq!(m.pattern[0].element.start.labels, Some(LabelExpr::Name("Match".into())));
    assert_eq!(m.pattern[0].element.chain[0].0.types, vec!["Return".to_string()]);
    assert_eq!(ret("RETURN {match: 1, `a b`: 2}"), Expr::Map(vec![("match".into(), int(1)), ("a b".into(), int(2))]));
    assert_eq!(ret("WITH 1 AS `wei``rd` RETURN `wei``rd`"), v("wei`rd"));
}

#[test]
fn projection_text_is_the_source_slice() {
    let Statement::Query(q) = parse("MATCH (n) RETURN n.name,  count( * ) , n.x  +  1 AS y").unwrap() else { panic!() };
    let Some(Clause::Return(p)) = q.first.clauses.last() else { panic!() };
    let names: Vec<&str> = p.items.iter().map(|i| i.name()).collect();
    assert_eq!(names, ["n.name", "count( * )", "y"]);
    assert_eq!(p.items[2].text, "n.x  +  1");
    assert_eq!(p.items[1].expr, Expr::CountStar);
}

#[test]
fn function_calls() {
    assert_eq!(
        ret("RETURN count(DISTINCT x)"),
        Expr::Function { name: "count".into(), distinct: true, args: vec![v("x")] }
    );
    assert_eq!(
        ret("RETURN date.truncate('day', d)"),
        Expr::Function {
            name: "date.truncate".into(),
            distinct: false,
            args: vec![Expr::Literal(Literal::String("day".into())), v("d")]
        }
    );
}

#[test]
fn comprehensions_quantifiers_and_projections() {
    assert!(matches!(ret("RETURN [x IN l WHERE x > 1 | x * 2]"), Expr::ListComprehension { map: Some(_), .. }));
    assert!(matches!(ret("RETURN [x IN l WHERE x:A | x]"), Expr::ListComprehension { map: Some(_), .. }));
    assert!(matches!(
        ret("RETURN [p = (a)-->(b) WHERE b.x | p]"),
        Expr::PatternComprehension { variable: Some(_), .. }
    ));
    assert!(matches!(ret("RETURN [(a)-->(b) | b]"), Expr::PatternComprehension { variable: None, .. }));
    assert_eq!(ret("RETURN [(a), (b)]"), Expr::List(vec![v("a"), v("b")]));
    assert!(matches!(ret("RETURN none(x IN l WHERE x)"), Expr::Quantified { quantifier: Quantifier::None, .. }));
    assert!(matches!(ret("RETURN reduce(s = 0, x IN l | s + x)"), Expr::Reduce { .. }));
    assert_eq!(
        ret("RETURN n {.name, .*, k: 1, m}"),
        Expr::MapProjection {
            base: Box::new(v("n")),
            items: vec![
                MapProjectionItem::Property("name".into()),
                MapProjectionItem::AllProperties,
                MapProjectionItem::Literal("k".into(), int(1)),
                MapProjectionItem::Variable("m".into()),
            ]
        }
    );
    assert!(matches!(ret("RETURN l[1..]"), Expr::Slice(_, Some(_), None)));
    assert!(matches!(ret("RETURN l[..2]"), Expr::Slice(_, None, Some(_))));
    assert!(matches!(ret("RETURN l[0]"), Expr::Index(..)));
}

#[test]
fn pattern_predicates_and_parentheses() {
    assert_eq!(ret("RETURN (1 + 2) * 3"), bin(BinaryOp::Mul, bin(BinaryOp::Add, int(1), int(2)), int(3)));
    assert!(matches!(ret("MATCH (a) RETURN (a)-->()"), Expr::PatternPredicate(_)));
    assert!(matches!(ret("RETURN exists { (a)-->() }"), Expr::Exists(_)));
    assert!(matches!(ret("RETURN COUNT { MATCH (a) RETURN a }"), Expr::CountSubquery(_)));
    assert_eq!(ret("RETURN count(*)"), Expr::CountStar);
}

#[test]
fn label_expressions() {
    let Statement::Query(q) = parse("MATCH (n:A|B), (m:A&!C), (o:%), (p:(A|B)&C), (q:A:B) RETURN n").unwrap() else {
        panic!()
    };
    let Clause::Match(m) = &q.first.clauses[0] else { panic!() };
    let l = |i: usize| m.pattern[i].element.start.labels.clone().unwrap();
    let n = |s: &str| LabelExpr::Name(s.into());
    assert_eq!(l(0), LabelExpr::Or(vec![n("A"), n("B")]));
    assert_eq!(l(1), LabelExpr::And(vec![n("A"), LabelExpr::Not(Box::new(n("C")))]));
    assert_eq!(l(2), LabelExpr::Wildcard);
    assert_eq!(l(3), LabelExpr::And(vec![LabelExpr::Or(vec![n("A"), n("B")]), n("C")]));
    assert_eq!(l(4).conjunction(), Some(vec!["A".to_string(), "B".to_string()]));
    assert_eq!(ret("RETURN n:A:B"), Expr::HasLabels(Box::new(v("n")), LabelExpr::And(vec![n("A"), n("B")])));
}

#[test]
fn relationship_patterns() {
    let Statement::Query(q) =
        parse("MATCH (a)<-[r:T|:U*1..3 {k: 1}]-(b)-->(c)-[*]-(d)<-->(e)-[*2..]->(f) RETURN a").unwrap()
    else {
        panic!()
    };
    let Clause::Match(m) = &q.first.clauses[0] else { panic!() };
    let chain = &m.pattern[0].element.chain;
    assert_eq!(chain[0].0.direction, RelDirection::Incoming);
    assert_eq!(chain[0].0.types, vec!["T".to_string(), "U".to_string()]);
    assert_eq!(chain[0].0.length, Some((Some(1), Some(3))));
    assert!(chain[0].0.properties.is_some());
    assert_eq!(chain[1].0.direction, RelDirection::Outgoing);
    assert_eq!(chain[2].0.length, Some((None, None)));
    assert_eq!(chain[3].0.direction, RelDirection::Either);
    assert_eq!(chain[4].0.length, Some((Some(2), None)));
}

#[test]
fn clauses_parse() {
    for q in [
        "MERGE (n:L {k: 1}) ON CREATE SET n.c = 1 ON MATCH SET n += {m: 2}, n:X:Y",
        "MATCH (n) SET n = {a: 1}, (n).b = 2 REMOVE n:A, n.c DETACH DELETE n",
        "UNWIND [1, 2] AS x WITH DISTINCT x ORDER BY x DESC SKIP 1 LIMIT 2 WHERE x > 0 RETURN *",
        "FOREACH (x IN [1] | CREATE (:N {x: x}))",
        "CALL db.labels() YIELD label AS l WHERE l <> 'x' RETURN l",
        "CALL db.labels",
        "CALL { MATCH (n) RETURN n } IN TRANSACTIONS OF 10 ROWS",
        "MATCH (a) CALL (a) { RETURN a.x AS y } RETURN y",
        "MATCH (n) USING INDEX n:L(p) WHERE n.p = 1 RETURN n UNION ALL MATCH (n) RETURN n",
        "MATCH p = shortestPath((a)-[*]-(b)) RETURN p;",
        "EXPLAIN MATCH (n) RETURN n",
    ] {
        parse(q).unwrap_or_else(|e| panic!("{q}: {}", e.message));
    }
    let Statement::Query(q) = parse("CALL db.labels").unwrap() else { panic!() };
    assert!(matches!(&q.first.clauses[0], Clause::CallProcedure(c) if c.args.is_none() && c.name == "db.labels"));
    assert!(matches!(parse("PROFILE RETURN 1").unwrap(), Statement::Profile(_)));
}

#[test]
fn schema_show_and_user_commands() {
    let st = parse("CREATE INDEX idx IF NOT EXISTS FOR (n:Person) ON (n.name, n.age)").unwrap();
    assert_eq!(
        st,
        Statement::Schema(SchemaCommand::CreateIndex {
            name: Some("idx".into()),
            if_not_exists: true,
            kind: IndexKind::Range,
            entity: SchemaEntity::Node { label: "Person".into() },
            properties: vec!["name".into(), "age".into()],
        })
    );
    assert!(matches!(
        parse("CREATE INDEX ON :Person(name)").unwrap(),
        Statement::Schema(SchemaCommand::CreateIndex { name: None, .. })
    ));
    assert!(matches!(
        parse("CREATE TEXT INDEX FOR ()-[r:KNOWS]-() ON (r.since)").unwrap(),
        Statement::Schema(SchemaCommand::CreateIndex {
            kind: IndexKind::Text,
            entity: SchemaEntity::Relationship { .. },
            ..
        })
    ));
    assert!(matches!(
        parse("CREATE CONSTRAINT c FOR (n:P) REQUIRE n.id IS UNIQUE").unwrap(),
        Statement::Schema(SchemaCommand::CreateConstraint { kind: ConstraintKind::Unique, .. })
    ));
    assert!(matches!(
        parse("CREATE CONSTRAINT ON (n:P) ASSERT n.id IS UNIQUE").unwrap(),
        Statement::Schema(SchemaCommand::CreateConstraint { name: None, kind: ConstraintKind::Unique, .. })
    ));
    assert!(matches!(
        parse("CREATE CONSTRAINT FOR (n:P) REQUIRE (n.a, n.b) IS NODE KEY").unwrap(),
        Statement::Schema(SchemaCommand::CreateConstraint { kind: ConstraintKind::NodeKey, .. })
    ));
    assert!(matches!(
        parse("DROP INDEX idx IF EXISTS").unwrap(),
        Statement::Schema(SchemaCommand::DropIndex { if_exists: true, .. })
    ));
    assert_eq!(parse("SHOW INDEXES").unwrap(), Statement::Show(ShowCommand::Indexes));
    assert_eq!(parse("show current user").unwrap(), Statement::Show(ShowCommand::CurrentUser));
    assert_eq!(parse("SHOW TRANSACTIONS").unwrap(), Statement::Show(ShowCommand::Other("TRANSACTIONS".into())));
    assert_eq!(parse("SHOW INDEXES YIELD name").unwrap_err().kind, ErrorKind::NotSupported);
    assert_eq!(
        parse("CREATE USER bob SET PASSWORD 'pw' CHANGE NOT REQUIRED").unwrap(),
        Statement::User(UserCommand::Create {
            name: "bob".into(),
            password: Expr::Literal(Literal::String("pw".into())),
            if_not_exists: false,
            or_replace: false,
            change_required: Some(false),
        })
    );
    assert!(matches!(
        parse("ALTER USER bob SET PASSWORD CHANGE REQUIRED").unwrap(),
        Statement::User(UserCommand::Alter { password: None, change_required: Some(true), .. })
    ));
    assert!(matches!(
        parse("ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'b'").unwrap(),
        Statement::User(UserCommand::ChangeOwnPassword { .. })
    ));
    assert!(matches!(parse("DROP USER bob IF EXISTS").unwrap(), Statement::User(UserCommand::Drop { .. })));
    assert_eq!(parse("DROP INDEX ON :L(p)").unwrap_err().kind, ErrorKind::NotSupported);
    assert_eq!(parse("GRANT ROLE x TO y").unwrap_err().kind, ErrorKind::NotSupported);
}

#[test]
fn a_path_variable_named_like_a_command_word_is_a_query() {
    assert!(matches!(parse("CREATE index = (a)-[:R]->(b)").unwrap(), Statement::Query(_)));
}

#[test]
fn syntax_errors_carry_the_position() {
    let m = syntax_err("MATCH (n)\nRETRUN n");
    assert!(m.contains("Invalid input 'RETRUN'"), "{m}");
    assert!(m.contains("(line 2, column 1 (offset: 10))"), "{m}");
    let m = syntax_err("RETURN 1 +");
    assert!(m.contains("Unexpected end of input") && m.contains("offset: 10"), "{m}");
    syntax_err("RETURN a != b");
    syntax_err("RETURN {k1.k: 1}");
    syntax_err("RETURN [[[]]");
    syntax_err("MATCH (n RETURN n");
    syntax_err("RETURN 42 \u{2014} 41");
}

#[test]
fn nesting_depth_is_bounded() {
    let deep = format!("RETURN {}1{}", "(".repeat(500), ")".repeat(500));
    assert!(syntax_err(&deep).contains("nested too deeply"));
    let deep_list = format!("RETURN {}1{}", "[".repeat(500), "]".repeat(500));
    syntax_err(&deep_list);
    let long_chain = format!("RETURN 1{}", " + 1".repeat(5000));
    syntax_err(&long_chain);
    let nots = format!("RETURN {} true", "NOT ".repeat(500));
    syntax_err(&nots);
    let ok = format!("RETURN {}1{}", "(".repeat(40), ")".repeat(40));
    assert_eq!(ret(&ok), int(1));
    let maps = format!("RETURN {}1{}", "({a: ".repeat(40), "})".repeat(40));
    parse(&maps).unwrap();
}

#[test]
fn deep_nesting_within_the_bound_fits_a_small_stack() {
    let q = format!("RETURN {}1{}", "(".repeat(crate::syntax::MAX_DEPTH - 5), ")".repeat(crate::syntax::MAX_DEPTH - 5));
    let h = std::thread::Builder::new().stack_size(1 << 20).spawn(move || parse(&q).map(|_| ())).unwrap();
    assert!(h.join().unwrap().is_ok());
}
