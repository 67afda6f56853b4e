//! Tests of the scalar function library through [`call`], with expectations from the
//! openCypher TCK (file and scenario at each case) and Neo4j's function documentation.

use super::*;
use crate::error::ErrorKind;
use crate::value::{Map, NodeValue, PathValue, Point, RelationshipValue};

fn ctx() -> FunctionContext {
    FunctionContext::at(DateTime { seconds: 1_500_000_000, nanos: 123_456_789, zone: crate::value::Zone::Offset(0) })
}

fn f(name: &str, args: Vec<Value>) -> CypherResult<Value> {
    call(name, args, &ctx())
}

fn ok(name: &str, args: Vec<Value>) -> Value {
    match f(name, args) {
        Ok(v) => v,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

fn kind(name: &str, args: Vec<Value>) -> Option<ErrorKind> {
    f(name, args).err().map(|e| e.kind)
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn i(x: i64) -> Value {
    Value::Int(x)
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|x| s(x)).collect())
}

#[test]
fn registry() {
    assert!(is_function("toUpper") && is_function("DATE.TRUNCATE") && is_function("point.distance"));
    assert!(!is_function("count") && !is_function("nope"));
    assert_eq!(arity("substring"), Some((2, 3)));
    assert_eq!(arity("coalesce").map(|a| a.0), Some(1));
    assert_eq!(kind("nope", vec![]), Some(ErrorKind::Semantic));
    assert_eq!(kind("abs", vec![]), Some(ErrorKind::Semantic));
}

#[test]
fn strings() {
    // String1 [1], String2 [1], String3 [1].
    assert_eq!(ok("substring", vec![s("0123456789"), i(1)]), s("123456789"));
    assert_eq!(ok("substring", vec![s("0123456789"), i(1), i(3)]), s("123"));
    assert_eq!(ok("substring", vec![s("ab"), i(5)]), s(""));
    assert_eq!(kind("substring", vec![s("ab"), i(-1)]), Some(ErrorKind::Argument));
    assert_eq!(ok("reverse", vec![s("raksO")]), s("Oskar"));
    assert_eq!(ok("split", vec![s("one1two"), s("1")]), strs(&["one", "two"]));
    assert_eq!(ok("split", vec![s("a,b;c"), strs(&[",", ";"])]), strs(&["a", "b", "c"]));
    assert_eq!(ok("split", vec![s("a,,b,"), s(",")]), strs(&["a", "", "b", ""]));
    assert_eq!(ok("toUpper", vec![s("abc")]), s("ABC"));
    assert_eq!(ok("lower", vec![s("ÀB")]), s("àb"));
    assert_eq!(ok("trim", vec![s("  x \t")]), s("x"));
    assert_eq!(ok("ltrim", vec![s("xxaxx"), s("x")]), s("axx"));
    assert_eq!(ok("btrim", vec![s("xyaxy"), s("xy")]), s("a"));
    assert_eq!(ok("replace", vec![s("hello"), s("l"), s("w")]), s("hewwo"));
    assert_eq!(ok("left", vec![s("hello"), i(3)]), s("hel"));
    assert_eq!(ok("right", vec![s("hello"), i(3)]), s("llo"));
    assert_eq!(ok("right", vec![s("hi"), i(10)]), s("hi"));
    assert_eq!(ok("size", vec![s("héllo")]), i(5));
    assert_eq!(ok("char_length", vec![s("abc")]), i(3));
    assert_eq!(ok("toUpper", vec![Value::Null]), Value::Null);
    assert_eq!(ok("replace", vec![s("a"), Value::Null, s("b")]), Value::Null);
    assert_eq!(kind("toUpper", vec![i(1)]), Some(ErrorKind::Type));
    assert_eq!(ok("normalize", vec![s("abc")]), s("abc"));
    assert_eq!(kind("normalize", vec![s("é")]), Some(ErrorKind::NotSupported));
}

#[test]
fn to_string_conversions() {
    // TypeConversion4 [1]-[5], [10].
    assert_eq!(ok("toString", vec![i(42)]), s("42"));
    assert_eq!(ok("toString", vec![Value::Bool(true)]), s("true"));
    assert_eq!(ok("toString", vec![Value::Float(2.3)]), s("2.3"));
    assert_eq!(ok("toString", vec![s("apa")]), s("apa"));
    assert_eq!(kind("toString", vec![Value::List(vec![])]), Some(ErrorKind::Type));
    assert_eq!(kind("toString", vec![Value::Map(Map::new())]), Some(ErrorKind::Type));
    assert_eq!(ok("toStringOrNull", vec![Value::Map(Map::new())]), Value::Null);
    assert_eq!(
        ok("toStringList", vec![Value::List(vec![i(1), Value::List(vec![])])]),
        Value::List(vec![s("1"), Value::Null])
    );
}

#[test]
fn number_conversions() {
    // TypeConversion1-3.
    assert_eq!(ok("toBoolean", vec![s("true")]), Value::Bool(true));
    assert_eq!(ok("toBoolean", vec![s("FALSE")]), Value::Bool(false));
    assert_eq!(ok("toBoolean", vec![s("yes")]), Value::Null);
    assert_eq!(kind("toBoolean", vec![Value::Float(1.0)]), Some(ErrorKind::Type));
    assert_eq!(ok("toInteger", vec![Value::Float(82.9)]), i(82));
    assert_eq!(ok("toInteger", vec![s("42")]), i(42));
    assert_eq!(ok("toInteger", vec![s("42.5")]), i(42));
    assert_eq!(ok("toInteger", vec![s("foo")]), Value::Null);
    assert_eq!(ok("toInteger", vec![s("")]), Value::Null);
    assert_eq!(kind("toInteger", vec![Value::List(vec![])]), Some(ErrorKind::Type));
    assert_eq!(ok("toIntegerOrNull", vec![Value::List(vec![])]), Value::Null);
    assert_eq!(ok("toFloat", vec![s("3.4")]), Value::Float(3.4));
    assert_eq!(ok("toFloat", vec![i(3)]), Value::Float(3.0));
    assert_eq!(ok("toFloat", vec![s("1e3")]), Value::Float(1000.0));
    assert_eq!(ok("toFloat", vec![s("inf")]), Value::Null);
    assert_eq!(kind("toFloat", vec![Value::Bool(true)]), Some(ErrorKind::Type));
    assert_eq!(
        ok("toIntegerList", vec![Value::List(vec![s("2"), Value::Float(2.5), s("x")])]),
        Value::List(vec![i(2), i(2), Value::Null])
    );
    assert_eq!(ok("valueType", vec![i(1)]), s("INTEGER NOT NULL"));
    assert_eq!(ok("valueType", vec![Value::List(vec![i(1)])]), s("LIST<INTEGER NOT NULL> NOT NULL"));
}

#[test]
fn mathematics() {
    // Mathematical2 [1], Mathematical13 [1].
    assert_eq!(ok("abs", vec![i(-1)]), i(1));
    assert_eq!(ok("sqrt", vec![Value::Float(12.96)]), Value::Float(3.6));
    assert_eq!(ok("ceil", vec![Value::Float(1.7)]), Value::Float(2.0));
    assert_eq!(ok("floor", vec![i(2)]), Value::Float(2.0));
    assert_eq!(ok("sign", vec![Value::Float(-0.5)]), i(-1));
    assert_eq!(ok("isNaN", vec![Value::Float(f64::NAN)]), Value::Bool(true));
    assert_eq!(ok("haversin", vec![Value::Float(0.0)]), Value::Float(0.0));
    assert_eq!(ok("atan2", vec![i(1), i(1)]), Value::Float(std::f64::consts::FRAC_PI_4));
    assert_eq!(ok("round", vec![Value::Float(3.5)]), Value::Float(4.0));
    assert_eq!(ok("abs", vec![Value::Null]), Value::Null);
    assert_eq!(kind("abs", vec![s("x")]), Some(ErrorKind::Type));
    assert_eq!(kind("abs", vec![i(i64::MIN)]), Some(ErrorKind::Arithmetic));
    assert!(matches!(ok("log", vec![i(-1)]), Value::Float(x) if x.is_nan()));
}

#[test]
fn lists_and_maps() {
    let l = Value::List(vec![i(1), i(2), i(3)]);
    assert_eq!(ok("head", vec![l.clone()]), i(1));
    assert_eq!(ok("last", vec![l.clone()]), i(3));
    assert_eq!(ok("tail", vec![l.clone()]), Value::List(vec![i(2), i(3)]));
    assert_eq!(ok("head", vec![Value::List(vec![])]), Value::Null);
    assert_eq!(ok("size", vec![l.clone()]), i(3));
    assert_eq!(ok("reverse", vec![l]), Value::List(vec![i(3), i(2), i(1)]));
    assert_eq!(ok("coalesce", vec![Value::Null, i(2), i(3)]), i(2));
    assert_eq!(ok("coalesce", vec![Value::Null]), Value::Null);
    let mut m = Map::new();
    m.insert("b".into(), i(1));
    m.insert("a".into(), Value::Null);
    assert_eq!(ok("keys", vec![Value::Map(m)]), strs(&["a", "b"]));
    assert_eq!(kind("range", vec![i(0), i(1), i(0)]), Some(ErrorKind::Argument));
}

#[test]
fn graph_elements() {
    let mut props = Map::new();
    props.insert("p".into(), i(1));
    let n1 = NodeValue { id: 1, labels: vec!["A".into(), "B".into()], properties: props.clone() };
    let n2 = NodeValue { id: 2, labels: vec![], properties: Map::new() };
    let r = RelationshipValue { id: 9, ty: "T".into(), start: 1, end: 2, properties: props.clone() };
    let p = PathValue { nodes: vec![n1.clone(), n2], relationships: vec![r.clone()] };
    assert_eq!(ok("id", vec![Value::Node(n1.clone())]), i(1));
    assert_eq!(ok("elementId", vec![Value::Relationship(r.clone())]), s("5:orbit:9"));
    assert_eq!(ok("labels", vec![Value::Node(n1.clone())]), strs(&["A", "B"]));
    assert_eq!(ok("type", vec![Value::Relationship(r.clone())]), s("T"));
    assert_eq!(ok("properties", vec![Value::Node(n1.clone())]), Value::Map(props));
    assert_eq!(ok("length", vec![Value::Path(p.clone())]), i(1));
    assert!(matches!(ok("nodes", vec![Value::Path(p.clone())]), Value::List(n) if n.len() == 2));
    assert_eq!(ok("keys", vec![Value::Relationship(r.clone())]), strs(&["p"]));
    assert_eq!(kind("startNode", vec![Value::Relationship(r)]), Some(ErrorKind::NotSupported));
    assert_eq!(kind("type", vec![Value::Node(n1)]), Some(ErrorKind::Type));
    assert_eq!(ok("labels", vec![Value::Null]), Value::Null);
}

#[test]
fn clocks_are_the_statements() {
    let c = ctx();
    assert_eq!(ok("timestamp", vec![]), i(1_500_000_000_123));
    let dt = ok("datetime", vec![]);
    assert_eq!(crate::value::format::to_cypher_string(&dt), "2017-07-14T02:40:00.123456789Z");
    assert_eq!(ok("date.statement", vec![]), ok("date", vec![]));
    let in_zone = ok("datetime", vec![s("Europe/Stockholm")].into_iter().take(0).collect());
    assert_eq!(in_zone, dt);
    let stockholm = call("localtime.transaction", vec![s("Europe/Stockholm")], &c).expect("ok");
    assert_eq!(crate::value::format::to_cypher_string(&stockholm), "04:40:00.123456789");
    assert!(matches!(ok("datetime.realtime", vec![]), Value::DateTime(_)));
    let epoch = ok("datetime.fromEpochMillis", vec![i(1_000)]);
    assert_eq!(crate::value::format::to_cypher_string(&epoch), "1970-01-01T00:00:01Z");
    let epoch = ok("datetime.fromepoch", vec![i(1), i(5)]);
    assert_eq!(crate::value::format::to_cypher_string(&epoch), "1970-01-01T00:00:01.000000005Z");
}

fn point(pairs: &[(&str, Value)]) -> CypherResult<Value> {
    let m: Map = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    f("point", vec![Value::Map(m)])
}

#[test]
fn points_and_distances() {
    let fl = Value::Float;
    let c = point(&[("x", fl(2.3)), ("y", fl(4.5))]).expect("ok");
    assert_eq!(c, Value::Point(Point { srid: 7203, x: 2.3, y: 4.5, z: None }));
    let c2 = point(&[("x", fl(1.1)), ("y", fl(5.4)), ("crs", s("cartesian"))]).expect("ok");
    // Neo4j's documentation: the distance of these two cartesian points is 1.5.
    assert!(matches!(ok("point.distance", vec![c.clone(), c2]), Value::Float(d) if (d - 1.5).abs() < 1e-9));
    let g1 = point(&[("longitude", fl(12.78)), ("latitude", fl(56.7))]).expect("ok");
    let g2 = point(&[("longitude", fl(12.78)), ("latitude", fl(57.7))]).expect("ok");
    let one_degree = 6_378_140.0 * std::f64::consts::PI / 180.0;
    assert!(matches!(ok("distance", vec![g1.clone(), g2]), Value::Float(d) if (d - one_degree).abs() < 1e-6));
    assert_eq!(ok("point.distance", vec![c, g1.clone()]), Value::Null);
    let h1 = point(&[("longitude", fl(12.78)), ("latitude", fl(56.7)), ("height", i(100))]).expect("ok");
    let h2 = point(&[("latitude", fl(56.7)), ("longitude", fl(12.78)), ("height", i(200))]).expect("ok");
    assert_eq!(ok("point.distance", vec![h1.clone(), h2]), fl(100.0));
    assert!(matches!(h1, Value::Point(Point { srid: 4979, .. })));
    assert!(matches!(point(&[("x", i(1)), ("y", i(2)), ("z", i(3))]), Ok(Value::Point(Point { srid: 9157, .. }))));
    assert_eq!(
        point(&[("x", i(1)), ("y", i(2)), ("srid", i(4326))])
            .map(|p| matches!(p, Value::Point(Point { srid: 4326, .. })))
            .ok(),
        Some(true)
    );
    assert_eq!(point(&[("longitude", i(1)), ("latitude", i(100))]).err().map(|e| e.kind), Some(ErrorKind::Argument));
    assert_eq!(point(&[("x", i(1))]).err().map(|e| e.kind), Some(ErrorKind::Argument));
    assert_eq!(point(&[("x", i(1)), ("y", Value::Null)]).ok(), Some(Value::Null));
    let lower = point(&[("x", i(0)), ("y", i(0))]).expect("ok");
    let upper = point(&[("x", i(10)), ("y", i(10))]).expect("ok");
    let inside = point(&[("x", i(5)), ("y", i(5))]).expect("ok");
    assert_eq!(ok("point.withinBBox", vec![inside, lower, upper]), Value::Bool(true));
    let x = match &g1 {
        Value::Point(p) => {
            crate::value::temporal::fields::component(&g1, "latitude").and_then(|r| r.ok()).map(|v| (v, p.srid))
        }
        _ => None,
    };
    assert_eq!(x, Some((fl(56.7), 4326)));
}
