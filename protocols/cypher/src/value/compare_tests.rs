//! Tests of equality, comparison, orderability and grouping keys, with expectations from the
//! openCypher TCK (file and scenario named at each case).

use super::*;
use crate::value::{NodeValue, PathValue, RelationshipValue};
use std::collections::HashSet;

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn nan() -> Value {
    Value::Float(f64::NAN)
}

#[test]
fn equality_with_nulls_and_numbers() {
    // Comparison1 [1]-[5] and Null semantics.
    assert_eq!(equals(&Value::Int(1), &Value::Float(1.0)), Some(true));
    assert_eq!(equals(&Value::Int(1), &Value::Float(1.5)), Some(false));
    assert_eq!(equals(&Value::Null, &Value::Null), None);
    assert_eq!(equals(&nan(), &nan()), Some(false));
    assert_eq!(equals(&s("a"), &Value::Int(1)), Some(false));
    assert_eq!(equals(&list(vec![Value::Int(1), Value::Null]), &list(vec![Value::Int(1), Value::Null])), None);
    assert_eq!(equals(&list(vec![Value::Int(2), Value::Null]), &list(vec![Value::Int(1), Value::Null])), Some(false));
    assert_eq!(equals(&list(vec![Value::Int(1)]), &list(vec![Value::Int(1), Value::Null])), Some(false));
    let mut a = Map::new();
    a.insert("k".into(), Value::Null);
    assert_eq!(equals(&Value::Map(a.clone()), &Value::Map(a)), None);
    // 2^53 + 1 is not the float 2^53.
    assert_eq!(equals(&Value::Int(9_007_199_254_740_993), &Value::Float(9_007_199_254_740_992.0)), Some(false));
}

#[test]
#[allow(clippy::approx_constant)]
fn comparisons_of_lists_and_nan() {
    // Comparison2 [4]: lexicographic list comparison with nulls.
    let one_two = |b: Value| list(vec![Value::Int(1), b]);
    assert_eq!(ge(&list(vec![Value::Int(1), Value::Int(0)]), &list(vec![Value::Int(1)])), Some(true));
    assert_eq!(ge(&one_two(Value::Null), &list(vec![Value::Int(1)])), Some(true));
    assert_eq!(ge(&one_two(Value::Int(2)), &one_two(Value::Null)), None);
    assert_eq!(ge(&one_two(s("a")), &one_two(Value::Null)), None);
    assert_eq!(ge(&one_two(Value::Int(2)), &list(vec![Value::Int(3), Value::Null])), Some(false));
    // Comparison2 [5]: NaN compares false with numbers, null with other types.
    assert_eq!(gt(&nan(), &Value::Int(1)), Some(false));
    assert_eq!(le(&nan(), &nan()), Some(false));
    assert_eq!(lt(&nan(), &s("a")), None);
    // Comparison2 [6]: numbers and strings do not compare.
    assert_eq!(lt(&s("1"), &Value::Int(1)), None);
    assert_eq!(lt(&Value::Int(1), &Value::Float(1.0)), Some(false));
    assert_eq!(compare(&Value::Int(1), &Value::Float(3.14)), Some(Ordering::Less));
}

#[test]
fn temporal_comparisons() {
    use crate::value::temporal::parse::parse_datetime;
    // Temporal7 [5]: date times compare by instant.
    let a = Value::DateTime(parse_datetime("1980-12-11T12:31:14+00:00").expect("ok"));
    let b = Value::DateTime(parse_datetime("1984-10-11T12:31:14+05:00").expect("ok"));
    assert_eq!(lt(&a, &b), Some(true));
    assert_eq!(equals(&a, &b), Some(false));
    // Durations are not ordered.
    let d = Value::Duration(Duration::default());
    assert_eq!(lt(&d, &d), None);
    assert_eq!(equals(&d, &d), Some(true));
}

fn node(id: u64, label: &str) -> NodeValue {
    NodeValue { id, labels: vec![label.to_string()], properties: Map::new() }
}

#[test]
fn orderability_of_distinct_types() {
    // ReturnOrderBy1 [11]: map < node < relationship < list < path < string < boolean < number
    // < NaN < null.
    let rel = RelationshipValue { id: 1, ty: "REL".into(), start: 1, end: 2, properties: Map::new() };
    let path = PathValue { nodes: vec![node(1, "N"), node(2, "M")], relationships: vec![rel.clone()] };
    let mut m = Map::new();
    m.insert("a".into(), s("map"));
    let expected = vec![
        Value::Map(m),
        Value::Node(node(1, "N")),
        Value::Relationship(rel),
        list(vec![s("list")]),
        Value::Path(path),
        s("text"),
        Value::Bool(false),
        Value::Float(1.5),
        nan(),
        Value::Null,
    ];
    let mut shuffled = expected.clone();
    shuffled.reverse();
    shuffled.swap(0, 4);
    shuffled.sort_by(order);
    assert_eq!(shuffled.len(), expected.len());
    for (got, want) in shuffled.iter().zip(&expected) {
        assert_eq!(order(got, want), Ordering::Equal, "{got:?} vs {want:?}");
    }
}

#[test]
fn orderability_of_lists() {
    // ReturnOrderBy1 [9].
    let i = Value::Int;
    let expected = vec![
        list(vec![]),
        list(vec![s("a")]),
        list(vec![s("a"), i(1)]),
        list(vec![i(1)]),
        list(vec![i(1), s("a")]),
        list(vec![i(1), Value::Null]),
        list(vec![Value::Null, i(1)]),
        list(vec![Value::Null, i(2)]),
    ];
    let mut sorted = expected.clone();
    sorted.reverse();
    sorted.sort_by(order);
    assert_eq!(sorted, expected);
    // ReturnOrderBy1 [3]: strings.
    let mut strings = vec![s(".*"), s(""), s(" "), s("one")];
    strings.sort_by(order);
    assert_eq!(strings, vec![s(""), s(" "), s(".*"), s("one")]);
    // Aggregation2 [12]: mixed values, min is the list.
    let mut mixed = [i(1), s("a"), list(vec![i(1), i(2)]), Value::Float(0.2), s("b")];
    mixed.sort_by(order);
    assert_eq!(mixed.first(), Some(&list(vec![i(1), i(2)])));
    assert_eq!(mixed.last(), Some(&i(1)));
}

#[test]
fn group_keys_follow_equivalence() {
    let keys: HashSet<GroupKey> = [Value::Int(1), Value::Float(1.0), Value::Null, Value::Null, nan(), nan(), s("1")]
        .into_iter()
        .map(GroupKey)
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(keys.contains(&GroupKey(Value::Float(1.0))));
    let lists: HashSet<GroupKey> = [list(vec![Value::Int(1), Value::Null]), list(vec![Value::Float(1.0), Value::Null])]
        .into_iter()
        .map(GroupKey)
        .collect();
    assert_eq!(lists.len(), 1);
    assert_ne!(GroupKey(Value::Float(1.5)), GroupKey(Value::Int(1)));
}
