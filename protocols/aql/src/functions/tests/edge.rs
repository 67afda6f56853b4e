//! Edge cases of the function library, with the results ArangoDB's documentation
//! gives for them.

use super::mini;
use crate::value::{json, Value};

fn run(query: &str) -> (String, Vec<u32>) {
    let program = mini::parse(query).unwrap_or_else(|| panic!("the test evaluator reads {query}"));
    let (rows, warnings) = program.run_with_warnings();
    let rows = rows.unwrap_or_else(|e| panic!("{query}: {e}"));
    (json::to_json_string(&Value::Array(rows)), warnings)
}

fn check(query: &str, want: &str) {
    assert_eq!(run(query).0, want, "{query}");
}

#[test]
fn numeric_documentation_examples() {
    check("RETURN [ROUND(2.49), ROUND(2.50), ROUND(-2.50), ROUND(-2.51)]", "[[2,3,-2,-3]]");
    check("RETURN [FLOOR(2.49), FLOOR(-2.50), CEIL(2.49), CEIL(-2.50)]", "[[2,-3,3,-2]]");
    check("RETURN [ABS(-5), ABS(5), ABS(3.5)]", "[[5,5,3.5]]");
    check("RETURN [SQRT(9), SQRT(2)]", "[[3,1.4142135623730951]]");
    check("RETURN [POW(2, 4), POW(5, -1), POW(5, 0)]", "[[16,0.2,1]]");
    check("RETURN [LOG(2.718281828459045), LOG(10), LOG(0)]", "[[1,2.302585092994046,null]]");
    check("RETURN [LOG2(1024), LOG10(10000), EXP2(16)]", "[[10,4,65536]]");
    check("RETURN [RANGE(1, 4), RANGE(1, 4, 2), RANGE(1, 4, 3)]", "[[[1,2,3,4],[1,3],[1,4]]]");
    check(
        "RETURN [RANGE(1.5, 2.5), RANGE(1, 2, 0.5), RANGE(-0.75, 1.1, 0.5)]",
        "[[[1.5,2.5],[1,1.5,2],[-0.75,-0.25,0.25,0.75]]]",
    );
    check("RETURN [SUM([1, 2, 3, 4]), SUM([null, -5, 6]), SUM([])]", "[[10,1,0]]");
    check(
        "RETURN [AVERAGE([5, 2, 9, 2]), AVERAGE([-3, -5, 2]), AVERAGE([999, 80, 4, 4, 4, 3, 3, 3])]",
        "[[4.5,-2,137.5]]",
    );
    check(
        "RETURN [MEDIAN([1, 2, 3]), MEDIAN([1, 2, 3, 4]), MEDIAN([4, 2, 3, 1]), MEDIAN([999, 80, 4, 4, 4, 3, 3, 3])]",
        "[[2,2.5,2.5,4]]",
    );
    check("RETURN [PERCENTILE([1, 2, 3, 4], 50), PERCENTILE([1, 2, 3, 4], 50, \"rank\"), PERCENTILE([1, 2, 3, 4], 50, \"interpolation\")]", "[[2,2,2.5]]");
    let spread = "RETURN [VARIANCE_POPULATION([1, 3, 6, 5, 2]), VARIANCE_SAMPLE([1, 3, 6, 5, 2]), \
                  STDDEV_POPULATION([1, 3, 6, 5, 2]), STDDEV_SAMPLE([1, 3, 6, 5, 2])]";
    let rows = mini::parse(spread).and_then(|p| p.run().ok()).unwrap_or_default();
    let got: Vec<f64> =
        rows.first().and_then(Value::as_array).unwrap_or(&[]).iter().filter_map(Value::as_f64).collect();
    let want = [3.44, 4.3, 3.44f64.sqrt(), 4.3f64.sqrt()];
    assert_eq!(got.len(), 4, "{rows:?}");
    assert!(got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-12), "{got:?}");
    check("RETURN [MAX([5, 9, -2, null, 1]), MIN([5, 9, -2, null, 1]), MAX([])]", "[[9,-2,null]]");
    check("RETURN [PRODUCT([1, 2, 3, 4]), PRODUCT([null, -5, 6]), PRODUCT([])]", "[[24,-30,1]]");
    check("RETURN [DEGREES(0.7853981633974483), RADIANS(180), PI()]", "[[45,3.141592653589793,3.141592653589793]]");
    check("RETURN [L1_DISTANCE([-1, -1], [2, 2]), L2_DISTANCE([1, 1], [5, 2])]", "[[6,4.123105625617661]]");
    check("RETURN COSINE_SIMILARITY([0, 1], [1, 0])", "[0]");
    check("RETURN DECAY_GAUSS(41, 40, 5, 5, 0.5)", "[1]");
    check("RETURN DECAY_LINEAR(5, 0, 10, 0, 0.2)", "[0.6]");
}

#[test]
fn bit_documentation_examples() {
    check(
        "RETURN [BIT_AND([1, 4, 8, 16]), BIT_AND([3, 7, 63]), BIT_AND(255, 127), BIT_AND(\"foo\")]",
        "[[0,3,127,null]]",
    );
    check("RETURN [BIT_OR([1, 4, 8, 16]), BIT_XOR([1, 4, 8, 16]), BIT_XOR(255, 127)]", "[[29,29,128]]");
    check(
        "RETURN [BIT_CONSTRUCT([1, 2, 3]), BIT_CONSTRUCT([0, 4, 8]), BIT_CONSTRUCT([0, 1, 10, 31])]",
        "[[14,273,2147484675]]",
    );
    check("RETURN [BIT_DECONSTRUCT(14), BIT_DECONSTRUCT(273), BIT_DECONSTRUCT(0)]", "[[[1,2,3],[0,4,8],[]]]");
    check(
        "RETURN [BIT_FROM_STRING(\"0111\"), BIT_FROM_STRING(\"000000000000010\"), BIT_FROM_STRING(\"\")]",
        "[[7,2,0]]",
    );
    check("RETURN [BIT_NEGATE(0, 8), BIT_NEGATE(11, 4), BIT_NEGATE(63, 8)]", "[[255,4,192]]");
    check("RETURN [BIT_POPCOUNT(0), BIT_POPCOUNT(255), BIT_POPCOUNT(69399252)]", "[[0,8,12]]");
    check("RETURN [BIT_SHIFT_LEFT(0, 1, 8), BIT_SHIFT_LEFT(7, 1, 16), BIT_SHIFT_LEFT(2, 10, 16), BIT_SHIFT_LEFT(878836, 16, 32)]", "[[0,14,2048,1760821248]]");
    check(
        "RETURN [BIT_SHIFT_RIGHT(0, 1, 8), BIT_SHIFT_RIGHT(33, 1, 16), BIT_SHIFT_RIGHT(65536, 13, 16)]",
        "[[0,16,8]]",
    );
    check("RETURN [BIT_TEST(0, 3), BIT_TEST(255, 0), BIT_TEST(7, 2), BIT_TEST(255, 8)]", "[[false,true,true,false]]");
    check(
        "RETURN [BIT_TO_STRING(7, 4), BIT_TO_STRING(255, 8), BIT_TO_STRING(60, 8), BIT_TO_STRING(1048576, 32)]",
        "[[\"0111\",\"11111111\",\"00111100\",\"00000000000100000000000000000000\"]]",
    );
}

#[test]
fn type_and_cast_examples() {
    check(
        "RETURN [TO_BOOL(null), TO_BOOL(0), TO_BOOL(\"\"), TO_BOOL(\" \"), TO_BOOL([]), TO_BOOL({})]",
        "[[false,false,false,true,true,true]]",
    );
    check("RETURN [TO_NUMBER(\"  12 \"), TO_NUMBER(\"abc\"), TO_NUMBER([\"-13\"]), TO_NUMBER(true)]", "[[12,0,-13,1]]");
    check(
        "RETURN [TO_STRING(null), TO_STRING(-3.5), TO_STRING([1, 2]), TO_STRING({a: 1})]",
        "[[\"\",\"-3.5\",\"[1,2]\",\"{\\\"a\\\":1}\"]]",
    );
    check("RETURN [TO_ARRAY(null), TO_ARRAY(\"x\"), TO_ARRAY({a: 1, b: 2})]", "[[[],[\"x\"],[1,2]]]");
    check(
        "RETURN [TYPENAME(null), TYPENAME(1.5), TYPENAME(\"\"), TYPENAME([]), TYPENAME({})]",
        "[[\"null\",\"number\",\"string\",\"array\",\"object\"]]",
    );
    check("RETURN [IS_KEY(\"a-b:c\"), IS_KEY(\"a/b\"), IS_KEY(\"\"), IS_DATESTRING(\"2020-02-30\"), IS_DATESTRING(\"2020-02-29T12:00:00Z\")]", "[[true,false,false,false,true]]");
}

#[test]
fn misc_examples() {
    check("RETURN [NOT_NULL(null, 2, 3), FIRST_LIST(1, [2]), FIRST_DOCUMENT(null, {a: 1})]", "[[2,[2],{\"a\":1}]]");
    check("RETURN [MIN_MATCH(1 == 1, 2 == 3, 3 == 3, 2), MIN_MATCH(1 == 2, 2 == 3, 3 == 3, 2)]", "[[true,false]]");
    check(
        "RETURN [HASH(1) == HASH(1.0), HASH({a: 1, b: 2}) == HASH({b: 2, a: 1}), HASH(\"a\") == HASH(\"b\")]",
        "[[true,true,false]]",
    );
    check("RETURN VERSION()", "[\"4.0.0\"]");
    let (out, warnings) = run("RETURN WARN(1 == 2, \"nope\")");
    assert_eq!((out.as_str(), warnings), ("[false]", vec![1594]));
    let fail = mini::parse("RETURN FAIL(\"boom\")").and_then(|p| p.run().err());
    assert_eq!(fail.map(|e| (e.num, e.message)), Some((1569, "FAIL(boom) called".to_string())));
    let assert = mini::parse("RETURN ASSERT(1 > 2, \"one is not more\")").and_then(|p| p.run().err());
    assert_eq!(assert.map(|e| e.num), Some(1593));
}

#[test]
fn argument_errors() {
    let e = crate::functions::call("LEFT", vec![Value::str("a")], &mut Default::default()).err();
    assert_eq!(
        e.map(|e| (e.num, e.message)),
        Some((
            1541,
            "invalid number of arguments for function 'LEFT()', expected number of arguments: minimum: 2, maximum: 2"
                .into()
        ))
    );
    let e = crate::functions::call("NO_SUCH_FN", vec![], &mut Default::default()).err();
    assert_eq!(e.map(|e| e.num), Some(1540));
    let (out, warnings) = run("RETURN [ATTRIBUTES(1), REGEX_TEST(\"a\", \"(\")]");
    assert_eq!((out.as_str(), warnings), ("[[null,null]]", vec![1542, 1543]));
    assert!(crate::functions::is_function("DOCUMENT"));
    assert_eq!(crate::functions::call("DOCUMENT", vec![], &mut Default::default()).err().map(|e| e.num), Some(9));
}
