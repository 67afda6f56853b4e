//! Tests of the arithmetic operators; expectations from the openCypher TCK and Neo4j's
//! documented behaviour (integer overflow and division by zero are ArithmeticErrors).

use super::*;
use crate::value::temporal::parse::{parse_date, parse_duration};
use crate::value::{Date, Duration};

fn kind(r: CypherResult<Value>) -> Option<ErrorKind> {
    r.err().map(|e| e.kind)
}

#[test]
fn integers_and_floats() {
    // Mathematical8 [1], [2]: precedence aside, 12 / 4 * 3 - 2 * 4 is 1 in integers.
    let i = Value::Int;
    let step = div(&i(12), &i(4)).and_then(|x| mul(&x, &i(3))).expect("ok");
    assert_eq!(sub(&step, &mul(&i(2), &i(4)).expect("ok")).ok(), Some(i(1)));
    assert_eq!(add(&i(1), &Value::Float(0.5)).ok(), Some(Value::Float(1.5)));
    assert_eq!(div(&i(7), &i(2)).ok(), Some(i(3)));
    assert_eq!(div(&i(-7), &i(2)).ok(), Some(i(-3)));
    assert_eq!(rem(&i(-7), &i(2)).ok(), Some(i(-1)));
    assert_eq!(pow(&i(2), &i(3)).ok(), Some(Value::Float(8.0)));
    assert_eq!(kind(add(&i(i64::MAX), &i(1))), Some(ErrorKind::Arithmetic));
    assert_eq!(kind(mul(&i(i64::MIN), &i(-1))), Some(ErrorKind::Arithmetic));
    assert_eq!(kind(neg(&i(i64::MIN))), Some(ErrorKind::Arithmetic));
    assert_eq!(kind(div(&i(1), &i(0))), Some(ErrorKind::Arithmetic));
    assert_eq!(kind(rem(&i(1), &i(0))), Some(ErrorKind::Arithmetic));
    assert_eq!(kind(div(&i(i64::MIN), &i(-1))), Some(ErrorKind::Arithmetic));
    assert_eq!(div(&Value::Float(1.0), &i(0)).ok(), Some(Value::Float(f64::INFINITY)));
    assert!(matches!(div(&Value::Float(0.0), &Value::Float(0.0)), Ok(Value::Float(f)) if f.is_nan()));
    assert_eq!(add(&Value::Null, &i(1)).ok(), Some(Value::Null));
    assert_eq!(kind(add(&Value::Bool(true), &i(1))), Some(ErrorKind::Type));
    assert_eq!(kind(sub(&Value::String("a".into()), &i(1))), Some(ErrorKind::Type));
}

#[test]
fn strings_and_lists() {
    let s = |x: &str| Value::String(x.to_string());
    assert_eq!(add(&s("a"), &s("b")).ok(), Some(s("ab")));
    assert_eq!(add(&s("a"), &Value::Int(1)).ok(), Some(s("a1")));
    assert_eq!(add(&Value::Float(1.0), &s("x")).ok(), Some(s("1.0x")));
    let l = |v: Vec<i64>| Value::List(v.into_iter().map(Value::Int).collect());
    assert_eq!(add(&l(vec![1]), &l(vec![2, 3])).ok(), Some(l(vec![1, 2, 3])));
    assert_eq!(add(&l(vec![1]), &Value::Int(2)).ok(), Some(l(vec![1, 2])));
    assert_eq!(add(&Value::Int(0), &l(vec![1])).ok(), Some(l(vec![0, 1])));
    assert_eq!(kind(add(&Value::Map(Default::default()), &s("x"))), Some(ErrorKind::Type));
}

#[test]
fn temporal_arithmetic() {
    // Temporal8 [1]: date ± duration.
    let date = Value::Date(Date { days: parse_date("1984-10-11").expect("ok") });
    let d = Value::Duration(parse_duration("P12Y5M14DT16H13M10.000000002S").expect("ok"));
    let sum = add(&date, &d).expect("ok");
    assert_eq!(sum, Value::Date(Date { days: parse_date("1997-03-25").expect("ok") }));
    assert_eq!(sub(&date, &d).ok(), Some(Value::Date(Date { days: parse_date("1972-04-27").expect("ok") })));
    // Month ends clamp: 2015-01-31 + 1 month is 2015-02-28.
    let jan31 = Value::Date(Date { days: parse_date("2015-01-31").expect("ok") });
    let month = Value::Duration(Duration { months: 1, ..Default::default() });
    assert_eq!(add(&jan31, &month).ok(), Some(Value::Date(Date { days: parse_date("2015-02-28").expect("ok") })));
    // Temporal8 [7]: duration * 2 and / 2.
    let base = Value::Duration(parse_duration("P12Y5M14DT16H13M10.000000001S").expect("ok"));
    let twice = mul(&base, &Value::Int(2)).map(|v| crate::value::format::to_cypher_string(&v)).ok();
    assert_eq!(twice.as_deref(), Some("P24Y10M28DT32H26M20.000000002S"));
    let half = div(&base, &Value::Int(2)).map(|v| crate::value::format::to_cypher_string(&v)).ok();
    assert_eq!(half.as_deref(), Some("P6Y2M22DT13H21M8S"));
    assert_eq!(kind(add(&date, &date)), Some(ErrorKind::Type));
    // Results beyond the year range are errors, not overflows.
    let huge = Value::Duration(Duration { days: i64::MAX, ..Default::default() });
    assert!(add(&date, &huge).is_err());
    let ldt = Value::LocalDateTime(crate::value::LocalDateTime { seconds: 0, nanos: 0 });
    let far = Value::Duration(Duration { months: i64::MAX, seconds: i64::MAX, ..Default::default() });
    assert!(add(&ldt, &far).is_err());
    assert!(mul(&far, &Value::Float(1e300)).is_err());
    assert_eq!(neg(&d).and_then(|n| add(&n, &d)).ok(), Some(Value::Duration(Duration::default())));
}
