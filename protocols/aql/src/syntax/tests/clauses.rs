//! Every operation form of AQL 3.12 as ArangoDB's documentation writes it.

use super::parse_ok;
use crate::ast::*;
use crate::value::Value;

fn first(text: &str) -> Op {
    parse_ok(text).ops.into_iter().next().expect("an operation")
}

fn for_op(text: &str) -> ForOp {
    match first(text) {
        Op::For(f) => f,
        other => panic!("not a FOR: {other:?}"),
    }
}

#[test]
fn for_over_collections_binds_and_options() {
    let f = for_op("FOR u IN users OPTIONS { indexHint: 'byName' } RETURN u");
    assert_eq!(f.vars, vec!["u"]);
    assert_eq!(f.source, ForSource::Expr(Expr::Var("users".into())));
    assert!(matches!(f.options, Some(Expr::Object(_))));
    assert_eq!(f.pos, Pos { line: 1, column: 1 });
    let f = for_op("FOR u IN @@coll RETURN u");
    assert_eq!(f.source, ForSource::Expr(Expr::BindCollection("coll".into())));
    let f = for_op("FOR d IN view SEARCH d.x == 1 OPTIONS {} RETURN d");
    assert!(f.search.is_some() && f.options.is_some());
    let q = parse_ok("WITH users, `groups` FOR u IN users RETURN u");
    assert_eq!(q.with_collections, vec!["users", "groups"]);
}

#[test]
fn traversal_with_depth_prune_and_options() {
    let text = "FOR v, e, p IN 1..3 OUTBOUND 'circles/A' GRAPH 'traversalGraph' \
                PRUNE cond = v._key == 'G' OPTIONS { bfs: true } RETURN v";
    let f = for_op(text);
    assert_eq!(f.vars, vec!["v", "e", "p"]);
    let ForSource::Traversal(t) = f.source else { panic!("not a traversal") };
    assert_eq!((t.min, t.max), (Some(Expr::Literal(Value::Int(1))), Some(Expr::Literal(Value::Int(3)))));
    assert_eq!(t.direction, EdgeDirection::Outbound);
    assert_eq!(t.start, Expr::Literal(Value::str("circles/A")));
    assert_eq!(t.graph, GraphRef::Named(Expr::Literal(Value::str("traversalGraph"))));
    assert_eq!(t.prune.as_ref().and_then(|p| p.var.clone()), Some("cond".to_string()));
    assert!(t.options.is_some());

    let ForSource::Traversal(t) = for_op("FOR v IN INBOUND x edges1, OUTBOUND edges2, @@e RETURN v").source else {
        panic!()
    };
    assert_eq!((t.min, t.max, t.direction), (None, None, EdgeDirection::Inbound));
    let GraphRef::Collections(list) = t.graph else { panic!("no edge collections") };
    assert_eq!(
        list,
        vec![
            (None, CollectionRef::Name("edges1".into())),
            (Some(EdgeDirection::Outbound), CollectionRef::Name("edges2".into())),
            (None, CollectionRef::Bind("e".into())),
        ]
    );
    let ForSource::Traversal(t) = for_op("FOR v IN 2 ANY @start GRAPH @g RETURN v").source else { panic!() };
    assert_eq!((t.min, t.max), (Some(Expr::Literal(Value::Int(2))), None));
    assert_eq!(t.graph, GraphRef::Named(Expr::Bind("g".into())));
}

#[test]
fn path_searches() {
    let f =
        for_op("FOR v, e IN OUTBOUND SHORTEST_PATH 'a/1' TO 'a/2' GRAPH 'g' OPTIONS { weightAttribute: 'w' } RETURN v");
    let ForSource::Path(p) = f.source else { panic!("no path search") };
    assert_eq!((p.kind, p.direction), (PathKind::ShortestPath, EdgeDirection::Outbound));
    assert_eq!(p.target, Expr::Literal(Value::str("a/2")));
    assert!(p.options.is_some());
    let kinds = [
        ("FOR p IN ANY K_SHORTEST_PATHS s TO t edges RETURN p", PathKind::KShortestPaths),
        ("FOR p IN 1..3 OUTBOUND K_PATHS s TO t GRAPH 'g' RETURN p", PathKind::KPaths),
        ("FOR p IN INBOUND ALL_SHORTEST_PATHS s to t GRAPH 'g' RETURN p", PathKind::AllShortestPaths),
    ];
    for (text, kind) in kinds {
        let ForSource::Path(p) = for_op(text).source else { panic!("{text}") };
        assert_eq!(p.kind, kind, "{text}");
    }
    let ForSource::Path(p) = for_op(kinds[1].0).source else { panic!() };
    assert_eq!(p.max, Some(Expr::Literal(Value::Int(3))));
}

#[test]
fn let_filter_limit_sort_return() {
    let q = parse_ok("FOR x IN xs LET a = 1, b = 2 FILTER a < b SORT x.n DESC, x.m LIMIT 2, 5 RETURN DISTINCT x");
    assert!(matches!(&q.ops[1], Op::Let { name, .. } if name == "a"));
    assert!(matches!(&q.ops[2], Op::Let { name, .. } if name == "b"));
    assert!(matches!(&q.ops[3], Op::Filter(_)));
    let Op::Sort(keys) = &q.ops[4] else { panic!("no SORT") };
    assert_eq!(keys.iter().map(|k| k.ascending).collect::<Vec<_>>(), vec![false, true]);
    assert!(matches!(&q.ops[5], Op::Limit { offset: Some(_), .. }));
    assert!(matches!(&q.ops[6], Op::Return { distinct: true, .. }));
    assert!(matches!(first("LIMIT 3 RETURN 1"), Op::Limit { offset: None, .. }));
}

#[test]
fn collect_forms() {
    let collect = |text: &str| match parse_ok(text).ops.into_iter().nth(1) {
        Some(Op::Collect(c)) => c,
        other => panic!("{text}: {other:?}"),
    };
    let c = collect("FOR u IN users COLLECT city = u.city, age = u.age INTO g = u.name KEEP x OPTIONS { method: 'sorted' } RETURN g");
    assert_eq!(c.groups.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(), vec!["city", "age"]);
    let into = c.into.expect("INTO");
    assert_eq!(into.var, "g");
    assert!(into.projection.is_some());
    assert_eq!(c.keep, vec!["x"]);
    assert!(c.options.is_some());
    let c = collect("FOR u IN users COLLECT WITH COUNT INTO n RETURN n");
    assert_eq!((c.groups.len(), c.count_into.as_deref()), (0, Some("n")));
    let c = collect("FOR u IN users COLLECT a = u.a WITH COUNT INTO n RETURN n");
    assert_eq!((c.groups.len(), c.count_into.as_deref()), (1, Some("n")));
    let c = collect("FOR u IN users COLLECT AGGREGATE lo = MIN(u.age), hi = MAX(u.age) RETURN [lo, hi]");
    assert_eq!(c.aggregates.len(), 2);
    let c = collect("FOR u IN users COLLECT g = u.g AGGREGATE s = SUM(u.n) INTO grp RETURN s");
    assert_eq!((c.groups.len(), c.aggregates.len(), c.into.map(|i| i.var)), (1, 1, Some("grp".into())));
}

#[test]
fn window_forms() {
    let q = parse_ok("FOR t IN obs WINDOW { preceding: 1, following: 1 } AGGREGATE s = SUM(t.v) RETURN s");
    let Op::Window(w) = &q.ops[1] else { panic!("no WINDOW") };
    assert!(w.range_value.is_none() && w.aggregates.len() == 1);
    let q = parse_ok("FOR t IN obs WINDOW t.time WITH { preceding: 'PT30M' } AGGREGATE a = AVG(t.v) RETURN a");
    let Op::Window(w) = &q.ops[1] else { panic!("no WINDOW") };
    assert!(w.range_value.is_some());
}

#[test]
fn modifications() {
    let m = |op: Op| match op {
        Op::Insert(m) | Op::Update(m) | Op::Replace(m) | Op::Remove(m) => m,
        other => panic!("not a modification: {other:?}"),
    };
    let i = m(first("INSERT { a: 1 } INTO users OPTIONS { waitForSync: true } RETURN NEW"));
    assert_eq!(i.collection, CollectionRef::Name("users".into()));
    assert!(i.options.is_some() && i.with.is_none());
    let q = parse_ok("FOR u IN users UPDATE u WITH { n: u.n + 1 } IN users");
    let Op::Update(u) = &q.ops[1] else { panic!("no UPDATE") };
    assert_eq!(u.target, Expr::Var("u".into()));
    assert!(u.with.is_some());
    let q = parse_ok("FOR u IN users UPDATE { _key: u._key, n: 1 } IN @@c");
    let Op::Update(u) = &q.ops[1] else { panic!("no UPDATE") };
    assert_eq!(u.collection, CollectionRef::Bind("c".into()));
    assert!(matches!(first("REPLACE 'k' WITH {} IN 'users'"), Op::Replace(_)));
    let r = m(first("REMOVE 'bar' IN products OPTIONS { ignoreErrors: true }"));
    assert_eq!(r.target, Expr::Literal(Value::str("bar")));
    // a modification may end a query, and may be followed by more operations
    let q = parse_ok("FOR i IN 1..3 INSERT { i } INTO c LET x = NEW RETURN x");
    assert_eq!(q.ops.len(), 4);
}

#[test]
fn upsert_forms() {
    let Op::Upsert(u) = first("UPSERT { name: 'x' } INSERT { name: 'x', n: 1 } UPDATE { n: OLD.n + 1 } IN users")
    else {
        panic!("no UPSERT")
    };
    assert!(u.search.is_some() && u.filter.is_none() && !u.replace);
    let Op::Upsert(u) = first("UPSERT FILTER CURRENT.n IN [1, 2] INSERT {} REPLACE {} INTO users OPTIONS {}") else {
        panic!("no UPSERT")
    };
    assert!(u.search.is_none() && u.filter.is_some() && u.replace && u.options.is_some());
}

#[test]
fn destructuring_becomes_lets() {
    let q = parse_ok("FOR [key, value] IN ENTRIES({ a: 1 }) RETURN { key, value }");
    let Op::For(f) = &q.ops[0] else { panic!("no FOR") };
    let hidden = f.vars[0].clone();
    assert!(hidden.starts_with('#'));
    let index = |i| Expr::Index(Box::new(Expr::Var(hidden.clone())), Box::new(Expr::Literal(Value::Int(i))));
    assert_eq!(q.ops[1], Op::Let { name: "key".into(), expr: index(0) });
    assert_eq!(q.ops[2], Op::Let { name: "value".into(), expr: index(1) });
    let q = parse_ok("LET { name, age: years } = { name: 'a', age: 3 } RETURN [name, years]");
    assert!(matches!(&q.ops[2], Op::Let { name, expr: Expr::Attribute(_, attr) } if name == "years" && attr == "age"));
}

#[test]
fn bind_parameters_are_listed_once_in_order() {
    let q = parse_ok("FOR u IN @@coll FILTER u.a == @a AND u.b == @b LIMIT @a INSERT u INTO @@out");
    assert_eq!(super::super::bind_parameters(&q), vec!["@coll", "a", "b", "@out"]);
}
