//! Tests of the aggregators, with expectations from the openCypher TCK's aggregation
//! features (file and scenario at each case).

use super::*;
use crate::value::temporal::parse::parse_duration;

fn run(name: &str, distinct: bool, rows: Vec<Vec<Value>>) -> CypherResult<Value> {
    let mut agg = new_aggregator(name, distinct).expect("an aggregate");
    for row in rows {
        agg.update(row)?;
    }
    agg.finish()
}

fn one(values: Vec<Value>) -> Vec<Vec<Value>> {
    values.into_iter().map(|v| vec![v]).collect()
}

fn i(x: i64) -> Value {
    Value::Int(x)
}

fn f(x: f64) -> Value {
    Value::Float(x)
}

#[test]
fn min_and_max() {
    // Aggregation2 [1]-[6].
    let ints = || one(vec![i(1), i(2), i(0), Value::Null, i(-1)]);
    assert_eq!(run("max", false, ints()).ok(), Some(i(2)));
    assert_eq!(run("MIN", false, ints()).ok(), Some(i(-1)));
    let mixed = || one(vec![i(1), f(2.0), i(5), Value::Null, f(3.2), f(0.1)]);
    assert_eq!(run("max", false, mixed()).ok(), Some(i(5)));
    assert_eq!(run("min", false, mixed()).ok(), Some(f(0.1)));
    // Aggregation2 [9]: lists.
    let lists = one(vec![Value::List(vec![i(1)]), Value::List(vec![i(2)]), Value::List(vec![i(2), i(1)])]);
    assert_eq!(run("max", false, lists).ok(), Some(Value::List(vec![i(2), i(1)])));
    assert_eq!(run("max", false, vec![]).ok(), Some(Value::Null));
}

#[test]
fn counts_sums_and_averages() {
    // Aggregation8 [1]: count(DISTINCT) of nothing is 0.
    assert_eq!(run("count", true, vec![]).ok(), Some(i(0)));
    assert_eq!(run("count", false, one(vec![i(1), Value::Null, i(1)])).ok(), Some(i(2)));
    assert_eq!(run("count", true, one(vec![i(1), Value::Null, f(1.0)])).ok(), Some(i(1)));
    let mut star = count_star();
    for _ in 0..3 {
        star.update(vec![]).expect("ok");
    }
    assert_eq!(star.finish().ok(), Some(i(3)));
    // Aggregation3 [2]: the first 3000 of range(1000000, 2000000) sum beyond 2^31.
    let rows = one((1_000_000..1_003_000).map(i).collect());
    assert_eq!(run("sum", false, rows).ok(), Some(i(3_004_498_500)));
    assert_eq!(run("sum", false, vec![]).ok(), Some(i(0)));
    assert_eq!(run("sum", false, one(vec![i(1), f(0.5)])).ok(), Some(f(1.5)));
    assert_eq!(run("avg", false, one(vec![i(1), i(2), Value::Null])).ok(), Some(f(1.5)));
    assert_eq!(run("avg", false, vec![]).ok(), Some(Value::Null));
    let d = |s: &str| Value::Duration(parse_duration(s).expect("ok"));
    assert_eq!(run("sum", false, one(vec![d("P1D"), d("PT1H")])).ok(), Some(d("P1DT1H")));
    assert_eq!(run("avg", false, one(vec![d("PT1H"), d("PT3H")])).ok(), Some(d("PT2H")));
    assert!(run("sum", false, one(vec![i(1), d("P1D")])).is_err());
    assert!(run("sum", false, one(vec![Value::String("a".into())])).is_err());
}

#[test]
fn collect_drops_nulls() {
    // Aggregation5 [2]: collect(DISTINCT) keeps one of each.
    let rows = one(vec![i(42), Value::Null, i(43), i(42), i(44)]);
    assert_eq!(run("collect", true, rows).ok(), Some(Value::List(vec![i(42), i(43), i(44)])));
    assert_eq!(run("collect", false, one(vec![Value::Null])).ok(), Some(Value::List(vec![])));
}

#[test]
fn percentiles() {
    // Aggregation6 [1], [2]: prices 10.0, 20.0, 30.0.
    let rows = |p: f64| vec![vec![f(10.0), f(p)], vec![f(20.0), f(p)], vec![f(30.0), f(p)]];
    for (p, want) in [(0.0, 10.0), (0.5, 20.0), (1.0, 30.0)] {
        assert_eq!(run("percentileDisc", false, rows(p)).ok(), Some(f(want)));
        assert_eq!(run("percentileCont", false, rows(p)).ok(), Some(f(want)));
    }
    assert_eq!(run("percentileCont", false, rows(0.25)).ok(), Some(f(15.0)));
    // Aggregation6 [3], [4]: a percentile outside 0..=1 is an ArgumentError.
    for p in [1000.0, -1.0, 1.1] {
        let e = run("percentileDisc", false, rows(p)).err().map(|e| e.kind);
        assert_eq!(e, Some(ErrorKind::Argument));
    }
}

#[test]
fn standard_deviations() {
    let rows = || one(vec![i(2), i(4), i(4), i(4), i(5), i(5), i(7), i(9)]);
    assert_eq!(run("stDevP", false, rows()).ok(), Some(f(2.0)));
    let sample = match run("stDev", false, rows()) {
        Ok(Value::Float(x)) => x,
        other => panic!("{other:?}"),
    };
    assert!((sample - 2.138_089_935_299_395).abs() < 1e-12);
    assert_eq!(run("stDev", false, one(vec![i(1)])).ok(), Some(f(0.0)));
    assert!(is_aggregate("percentileCont") && !is_aggregate("size"));
    assert!(new_aggregator("nope", false).is_none());
}
