//! The function library against ArangoDB's recorded documentation examples
//! (../shared/arangodb-examples/aql-examples.json): a test-only evaluator runs the
//! examples made of `LET name = expr` and one `RETURN expr` over literals, variables
//! and function calls, and compares with what ArangoDB 3.12 returned. Edge cases from
//! the ArangoDB documentation follow in [`edge`].
//!
//! The recorded query texts carry one level of backslash escaping more than ArangoDB
//! ran (`TRIM("  foobar\\t")` recorded for `TRIM("  foobar\t")`, whose result is
//! "foobar"): the harness undoes it before parsing.

mod edge;
mod mini;

use crate::value::{compare::compare, json, Value};

/// Examples whose result depends on chance or the clock.
const NONDETERMINISTIC: &[&str] = &["aqlRandomToken", "aqlUuid", "aqlDateTimeToLocal_3"];

/// Functions whose result order ArangoDB leaves undefined: compared as multisets.
const UNORDERED: &[&str] = &["UNION_DISTINCT", "INTERSECTION", "OUTERSECTION", "MINUS"];

/// Examples answered differently on purpose, with the reason.
const DIFFERENT: &[(&str, &str)] =
    &[("aqlMinHash", "MINHASH() is not supported (Enterprise Edition only in ArangoDB)")];

/// Examples whose `tzdb` names the tz database version ArangoDB bundled; Orbit names
/// the system's, the rest of the answer must match.
const TZDB_VERSION: &[&str] = &["aqlDateTimeToUTC_3"];

fn examples() -> Vec<serde_json::Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/arangodb-examples/aql-examples.json");
    let text = std::fs::read_to_string(path).expect("the recorded examples");
    serde_json::from_str(&text).expect("examples JSON")
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items = items.clone();
            items.sort_by(compare);
            Value::Array(items)
        }
        other => other.clone(),
    }
}

#[test]
fn recorded_examples() {
    let (mut evaluated, mut passed) = (0, 0);
    let mut failures = Vec::new();
    for ex in examples() {
        let name = ex["name"].as_str().unwrap_or_default();
        let query = ex["query"].as_str().unwrap_or_default();
        if !ex["dataset"].is_null() || NONDETERMINISTIC.contains(&name) {
            continue;
        }
        let Some(program) = mini::parse(&query.replace("\\\\", "\\")) else { continue };
        if !program.calls.iter().all(|f| super::registry().contains_key(f.as_str())) {
            continue;
        }
        evaluated += 1;
        let mut expected: Value = json::parse(ex["expected"].to_string().as_bytes()).expect("expected JSON");
        if TZDB_VERSION.contains(&name) {
            if let Value::Array(rows) = &mut expected {
                for row in rows.iter_mut() {
                    if let Value::Object(o) = row {
                        o.insert("tzdb".into(), Value::String(super::date::tz::tzdb_version()));
                    }
                }
            }
        }
        let binds = match json::parse(ex["bindVars"].to_string().as_bytes()) {
            Ok(Value::Object(o)) => o,
            _ => Default::default(),
        };
        let got = program.run_bound(&binds);
        let unordered = program.calls.iter().any(|f| UNORDERED.contains(&f.as_str()));
        let same = match &got {
            Ok(rows) if unordered => compare(
                &Value::Array(rows.iter().map(sorted).collect()),
                &Value::Array(expected.as_array().unwrap_or(&[]).iter().map(sorted).collect()),
            )
            .is_eq(),
            Ok(rows) => json_equal(&Value::Array(rows.clone()), &expected),
            Err(_) => false,
        };
        if same {
            passed += 1;
        } else if !DIFFERENT.iter().any(|(n, _)| *n == name) {
            failures
                .push(format!("{name}: {query}\n  expected {}\n  got      {got:?}", json::to_json_string(&expected)));
        }
    }
    println!("recorded function examples: {passed} of {evaluated} evaluated pass");
    assert!(evaluated > 250, "the evaluator reads most examples ({evaluated})");
    assert!(failures.is_empty(), "{} examples differ:\n{}", failures.len(), failures.join("\n"));
}

/// Equal and of the same JSON kinds all the way down (a string is not a number, an
/// integer result printed as ArangoDB prints it).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a.type_name() == b.type_name() && json::to_json_string(a) == json::to_json_string(b),
    }
}
