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
        "RETURN [RANGE(1.5, 2.5), RANGE(1, 2, 0.5), RANGE(-0.75, 1.1, 0.5), RANGE(3, 1)]",
        "[[[1,2],[1,1.5,2],[-0.75,-0.25,0.25,0.75],[3,2,1]]]",
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
    check("RETURN LENGTH(RANGE(1e20, 1e20 + 1e5, 1)) <= 100001", "[true]");
    check("RETURN DECAY_LINEAR(5, 0, 10, 0, 0.2)", "[0.6]");
    let (out, warnings) =
        run("RETURN [DECAY_EXP(1, 0, 0, 0, 0.5), MEDIAN([1, \"a\"]), AVERAGE([1, \"a\"]), SUM([1, \"a\"]), MAX(1)]");
    assert_eq!((out.as_str(), warnings), ("[[null,null,null,null,null]]", vec![1504, 1561, 1563, 1563]));
    check(
        "RETURN [PERCENTILE([1, 2, 3, 4], 10, \"interpolation\"), PERCENTILE([5], 1), PERCENTILE([], 50)]",
        "[[null,5,null]]",
    );
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
    check("RETURN [IS_KEY(\"a-b:c\"), IS_KEY(\"a/b\"), IS_KEY(\"\"), IS_DATESTRING(\"2020-02-32\"), IS_DATESTRING(\"2020-02-29T12:00:00Z\"), IS_DATESTRING(\"-2020-01-01\"), IS_DATESTRING(\"2020-02-30\")]", "[[true,false,false,false,true,false,true]]");
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
    let started = std::time::Instant::now();
    check("RETURN SLEEP(0.05)", "[null]");
    assert!(started.elapsed() >= std::time::Duration::from_millis(50), "SLEEP waits at least as long as asked");
    let too_long = mini::parse("RETURN SLEEP(3600)").and_then(|p| p.run().err()).map(|e| e.num);
    assert_eq!(too_long, Some(10), "SLEEP is bounded");
    let (out, warnings) = run("RETURN WARN(1 == 2, \"nope\")");
    assert_eq!((out.as_str(), warnings), ("[false]", vec![1594]));
    let fail = mini::parse("RETURN FAIL(\"boom\")").and_then(|p| p.run().err());
    assert_eq!(fail.map(|e| (e.num, e.message)), Some((1569, "boom".to_string())));
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

#[test]
fn date_documentation_examples() {
    check("RETURN DATE_ISO8601(1399472349522)", "[\"2014-05-07T14:19:09.522Z\"]");
    check(
        "RETURN [DATE_TIMESTAMP(\"2014-05-07T14:19:09.522\"), DATE_TIMESTAMP(\"2014-05-07T14:19:09.522Z\"), \
         DATE_TIMESTAMP(\"2014-05-07 14:19:09.522\"), DATE_TIMESTAMP(\"2014-05-07 14:19\"), DATE_TIMESTAMP(2014, 5, 7, 14, 19, 9, 522)]",
        "[[1399472349522,1399472349522,1399472349522,1399472340000,1399472349522]]",
    );
    check("RETURN DATE_ISO8601(\"2014-05-07T14:19:09.522+01:00\")", "[\"2014-05-07T13:19:09.522Z\"]");
    check("RETURN DATE_SUBTRACT(DATE_TIMESTAMP(\"2017-03-01\"), 1, \"day\")", "[\"2017-02-28T00:00:00.000Z\"]");
    check("RETURN DATE_ADD(\"2015-04-01T12:34:56Z\", \"P1Y2M3W4DT5H6M7.89S\")", "[\"2016-06-26T17:41:03.890Z\"]");
    // ArangoDB keeps the day when it moves by months: 2016-02-31 runs on to March 2nd
    check("RETURN DATE_SUBTRACT(\"2016-03-31\", \"P1M\")", "[\"2016-03-02T00:00:00.000Z\"]");
    check("RETURN [DATE_ADD(\"2020-01-01\", 1.5, \"years\"), DATE_ADD(\"2020-01-01\", -1, \"d\"), DATE_DIFF(\"2020-01-01\", \"2020-01-02T13:00:00Z\", \"d\")]", "[[\"2021-07-01T00:00:00.000Z\",\"2019-12-31T00:00:00.000Z\",2]]");
    check("RETURN [DATE_COMPARE(\"2020-01-01\", \"2021-01-01\", \"days\", \"years\"), DATE_TIMESTAMP(2020, 13, 1), DATE_ISO8601(2020, 2, 30)]", "[[true,1609459200000,\"2020-03-01T00:00:00.000Z\"]]");
    check("RETURN DATE_DIFF(\"2016-01-01\", \"2017-01-01\", \"years\")", "[1]");
    check("RETURN DATE_DIFF(\"2017-01-01\", \"2016-01-01\", \"y\")", "[-1]");
    check(
        "RETURN [DATE_TRUNC(\"2017-02-03\", \"month\"), DATE_TRUNC(\"2017-02-03 04:05:06\", \"hours\")]",
        "[[\"2017-02-01T00:00:00.000Z\",\"2017-02-03T04:00:00.000Z\"]]",
    );
    check(
        "RETURN [DATE_ROUND(\"2000-04-28T11:11:11.111Z\", 1, \"day\"), DATE_ROUND(\"2000-04-10T11:39:29Z\", 15, \"minutes\")]",
        "[[\"2000-04-28T00:00:00.000Z\",\"2000-04-10T11:30:00.000Z\"]]",
    );
    check(
        "RETURN [DATE_FORMAT(\"1969\", \"Summer of '%yy\"), DATE_FORMAT(\"2016\", \"%%l = %l\"), DATE_FORMAT(\"2016-03-01\", \"%xxx%\")]",
        "[[\"Summer of '69\",\"%l = 1\",\"061\"]]",
    );
    check(
        "RETURN DATE_FORMAT(\"2016-12-25T08:09:10.011Z\", \"%wwww %dd %mmmm %yyyy, %www %mmm, %hh:%ii:%ss.%fff %z\")",
        "[\"Sunday 25 December 2016, Sun Dec, 08:09:10.011 2016-12-25T08:09:10.011Z\"]",
    );
    check(
        "RETURN [DATE_COMPARE(\"1985-04-04\", \"2000-04-04\", \"months\", \"days\"), \
         DATE_COMPARE(\"1984-02-29\", DATE_ADD(\"1984-02-29\", 4, \"years\"), \"months\", \"days\"), \
         DATE_COMPARE(\"2001-01-01T15:30:45.678Z\", \"2001-01-01T08:08:08.008Z\", \"years\", \"days\")]",
        "[[true,true,true]]",
    );
    let (out, warnings) =
        run("RETURN [DATE_YEAR(\"2020-13-01\"), DATE_YEAR({}), DATE_ADD(\"2020-01-01\", 1, \"fortnight\")]");
    assert_eq!((out.as_str(), warnings), ("[[null,null,null]]", vec![1572, 1542, 1572]));
    let (out, warnings) = run("RETURN DATE_HOUR(0, \"Mars/Olympus_Mons\")");
    assert_eq!((out.as_str(), warnings), ("[null]", vec![10]));
    let (_, warnings) = run("RETURN DATE_HOUR(0, \"../../etc/passwd\")");
    assert_eq!(warnings, vec![10], "a zone name never leaves the tz database");
}

#[test]
fn time_zone_transitions() {
    // after the last transition a TZif file lists, the zone follows its footer's rule
    check(
        "RETURN [DATE_UTCTOLOCAL(\"2045-07-01T00:00:00Z\", \"Europe/Berlin\"), DATE_UTCTOLOCAL(\"2045-12-01T00:00:00Z\", \"America/New_York\")]",
        "[[\"2045-07-01T02:00:00.000\",\"2045-11-30T19:00:00.000\"]]",
    );
    check(
        "RETURN [DATE_UTCTOLOCAL(\"2021-03-28T00:59:59.999Z\", \"Europe/Berlin\"), DATE_UTCTOLOCAL(\"2021-03-28T01:00:00.000Z\", \"Europe/Berlin\")]",
        "[[\"2021-03-28T01:59:59.999\",\"2021-03-28T03:00:00.000\"]]",
    );
    check("RETURN DATE_LOCALTOUTC(\"2021-10-31T02:30:00\", \"Europe/Berlin\")", "[\"2021-10-31T00:30:00.000Z\"]");
    let zone = run("RETURN DATE_UTCTOLOCAL(\"2021-07-01T00:00:00Z\", \"Europe/Berlin\", true).zoneInfo").0;
    assert_eq!(
        zone,
        "[{\"name\":\"CEST\",\"begin\":\"2021-03-28T01:00:00.000Z\",\"end\":\"2021-10-31T01:00:00.000Z\",\"dst\":true,\"offset\":7200}]"
    );
}

#[test]
fn geo_documentation_examples() {
    let rows =
        mini::parse("RETURN DISTANCE(52.5163, 13.3777, 50.9322, 6.94)").and_then(|p| p.run().ok()).unwrap_or_default();
    let d = rows.first().and_then(Value::as_f64).unwrap_or(0.0);
    assert!((d - 476_918.896_883_809_65).abs() < 1e-3, "{d}");
    let rows = mini::parse("RETURN GEO_DISTANCE([-10, 40], [-10, 41])").and_then(|p| p.run().ok()).unwrap_or_default();
    let d = rows.first().and_then(Value::as_f64).unwrap_or(0.0);
    assert!((d - 6_371_000.0 * std::f64::consts::PI / 180.0).abs() < 1e-6, "one degree of latitude: {d}");
    check(
        "LET square = GEO_POLYGON([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]) \
         RETURN [GEO_CONTAINS(square, [5, 5]), GEO_CONTAINS(square, [15, 5]), \
                 GEO_CONTAINS(square, GEO_LINESTRING([[1, 1], [9, 9]])), GEO_CONTAINS(square, GEO_LINESTRING([[1, 1], [19, 9]])), \
                 GEO_INTERSECTS(square, GEO_LINESTRING([[5, 5], [19, 9]])), GEO_INTERSECTS(square, GEO_POINT(20, 20)), \
                 GEO_EQUALS(square, GEO_POLYGON([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]])), GEO_EQUALS(square, [0, 0])]",
        "[[true,false,true,false,true,false,true,null]]",
    );
    check("RETURN [IS_IN_POLYGON([[0, 0], [0, 10], [10, 10], [10, 0]], 4, 7), IS_IN_POLYGON([[0, 0], [0, 10], [10, 10], [10, 0]], 14, 7)]", "[[true,false]]");
    check("RETURN GEO_IN_RANGE([0, 0], [0, 1], 100000, 120000)", "[true]");
    // GEO_DISTANCE measures from the true (area-weighted) centroid, as S2 does: extra
    // vertices along one edge do not move it
    let crowded = "RETURN GEO_DISTANCE(GEO_POLYGON([[0, 0], [10, 0], [10, 10], [9, 10], [8, 10], [7, 10], [6, 10], [0, 10], [0, 0]]), [5, 5])";
    let d = mini::parse(crowded)
        .and_then(|p| p.run().ok())
        .and_then(|r| r.first().and_then(Value::as_f64))
        .unwrap_or(f64::MAX);
    assert!(d < 20_000.0, "{d} m from the square's centre");
    let (out, warnings) = run("RETURN [GEO_POLYGON([[0, 0], [1, 1]]), GEO_POINT(\"a\", 1), GEO_LINESTRING([[1, 2]]), GEO_MULTIPOINT(5), GEO_CONTAINS([0, 0], [0, 0]), GEO_CONTAINS(GEO_POINT(0, 0), [0, 0])]");
    assert_eq!((out.as_str(), warnings), ("[[null,null,null,null,null,null]]", vec![10, 1542, 1542, 1563, 1542, 1542]));
    let area = mini::parse("RETURN GEO_AREA(GEO_POLYGON([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]))")
        .and_then(|p| p.run().ok())
        .unwrap_or_default();
    let a = area.first().and_then(Value::as_f64).unwrap_or(0.0);
    let side = 6_371_000.0 * std::f64::consts::PI / 180.0;
    assert!((a / (side * side) - 1.0).abs() < 1e-3, "a one-degree square at the equator: {a}");
}

#[test]
fn string_edge_cases() {
    check("RETURN [REGEX_REPLACE(\"ab\", \"(a)\", \"$1x\"), REGEX_REPLACE(\"ab\", \"a\", \"$\"), REGEX_REPLACE(\"ab\", \"(a)(b)\", \"$2$1$12\")]", "[[\"axb\",\"$b\",\"baa2\"]]");
    check(
        "RETURN [TRIM(\" a \", null), LTRIM(\" a \", null), RTRIM(\"a1\", 1), TRIM(\" a \", true)]",
        "[[\"a\",\" a \",\"a\",\"a\"]]",
    );
    check("RETURN [CONTAINS(\"abc\", \"\"), FIND_FIRST(\"abc\", \"\", 2), FIND_LAST(\"abc\", \"\"), FIND_FIRST(\"abc\", \"c\", -1)]", "[[false,2,3,-1]]");
    check(
        "RETURN [SPLIT(5), SPLIT(\"a-b\", \"-\", 0), SPLIT(\"a-b\", \"-\", -1), SPLIT(\"\", \"-\")]",
        "[[[5],[],null,[\"\"]]]",
    );
    check("RETURN [SUBSTITUTE(\"aaa\", \"a\", \"b\", null), SUBSTITUTE(\"abc\", [\"a\", \"b\"], [\"x\"]), SUBSTITUTE(\"abc\", \"b\")]", "[[\"aaa\",\"xc\",\"ac\"]]");
    check("RETURN [SUBSTRING_BYTES(\"abcdef\", 2, 1, 1), TO_CHAR(65), REPEAT(\"ab\", 0)]", "[[\"bcd\",\"A\",\"\"]]");
    let (out, warnings) = run(
        "RETURN [TO_CHAR(-1), REPEAT(\"a\", -2), SUBSTRING_BYTES(5, 0), SUBSTITUTE(\"a\", {a: 1}), SPLIT(\"a\", {})]",
    );
    assert_eq!((out.as_str(), warnings), ("[[null,null,null,null,null]]", vec![1542, 1542, 10, 1542, 1542]));
    check(
        "RETURN [SUBSTRING(\"Holy Guacamole!\", 0, 4), SUBSTRING(\"abc\", 5), SUBSTRING(\"abc\", -10, 2)]",
        "[[\"Holy\",\"\",\"ab\"]]",
    );
    check(
        "RETURN [LEFT(\"电脑坏了\", 2), RIGHT(\"电脑坏了\", 1), CHAR_LENGTH(\"电脑坏了\"), UPPER(\"straße\")]",
        "[[\"电脑\",\"了\",4,\"STRASSE\"]]",
    );
    check(
        "RETURN [SPLIT(\"abc\", \"\"), TRIM(\"xxaxx\", \"x\"), TRIM(\"  a  \", 1), TRIM(\"  a  \", 2)]",
        "[[[\"a\",\"b\",\"c\"],\"a\",\"a  \",\"  a\"]]",
    );
    check(
        "RETURN [CONTAINS(\"电脑坏了\", \"坏\", true), FIND_FIRST(\"电脑坏了\", \"坏\"), FIND_LAST(\"aXbXc\", \"X\")]",
        "[[6,2,3]]",
    );
    check(
        "RETURN [REGEX_REPLACE(\"a1b22\", \"(\\\\d+)\", \"<$1>\"), REGEX_MATCHES(\"abc\", \"x\")]",
        "[[\"a<1>b<22>\",null]]",
    );
    let (out, warnings) = run("RETURN REGEX_REPLACE(REPEAT(\"x\", 100000), \"\", REPEAT(\"y\", 1000))");
    assert_eq!((out.as_str(), warnings), ("[null]", vec![32]), "a replacement result beyond 16 MiB is refused");
    let (out, warnings) = run("RETURN REPEAT(\"x\", 100000000)");
    assert_eq!((out.as_str(), warnings), ("[null]", vec![32]), "a result beyond 16 MiB is refused");
    check("RETURN [MD5(\"\"), SHA1(\"\"), CRC32(\"\"), FNV64(\"\")]", "[[\"d41d8cd98f00b204e9800998ecf8427e\",\"da39a3ee5e6b4b0d3255bfef95601890afd80709\",\"0\",\"CBF29CE484222325\"]]");
    check(
        "RETURN [TO_HEX(\"\"), TO_BASE64(\"\"), ENCODE_URI_COMPONENT(\"a-_.!~*'()b c/?\")]",
        "[[\"\",\"\",\"a-_.!~*'()b%20c%2F%3F\"]]",
    );
    check("RETURN [LENGTH(RANDOM_TOKEN(20)), LENGTH(UUID()), SOUNDEX(\"Robert\"), SOUNDEX(\"Tymczak\"), SOUNDEX(\"Ashcraft\")]", "[[20,36,\"R163\",\"T522\",\"A261\"]]");
}

#[test]
fn array_edge_cases() {
    check(
        "RETURN [FIRST(\"x\"), NTH([1], \"0\"), SLICE([1, 2, 3], -1), FLATTEN([1, [2, [3, [4]]]], 3)]",
        "[[null,1,[3],[1,2,3,4]]]",
    );
    check(
        "RETURN [PUSH(null, 1), APPEND(null, [1, 2]), UNSHIFT([1], 1, true), REMOVE_NTH([1, 2], 5)]",
        "[[[1],[1,2],[1],[1,2]]]",
    );
    check(
        "RETURN [UNIQUE([1, 1.0, \"1\", {a: 1, b: 2}, {b: 2, a: 1}]), SORTED([\"b\", 1, null, [2], false])]",
        "[[[1,\"1\",{\"a\":1,\"b\":2}],[null,false,1,\"b\",[2]]]]",
    );
    check("RETURN [COUNT_DISTINCT([null, null, 1]), OUTERSECTION([1, 1], [2]), REMOVE_VALUE(null, 1)]", "[[2,[2],[]]]");
    check(
        "RETURN [APPEND(5, null), APPEND(null, 3), APPEND([1, 1], [1, 2], true), REMOVE_VALUES([1, 2], null)]",
        "[[5,3,[1,2],[1,2]]]",
    );
    check("RETURN [REPLACE_NTH([1], 3, 9, 0), REMOVE_VALUE([1, 1, 1], 1, -1)]", "[[[1,0,0,9],[]]]");
    let too_far = mini::parse("RETURN REPLACE_NTH([1], 3, 9)").and_then(|p| p.run().err()).map(|e| e.num);
    assert_eq!(too_far, Some(1542), "past the end without a padding value is an error");
    let (out, warnings) = run("RETURN [FIRST(null), REVERSE(1), FLATTEN({}), POSITION(\"x\", 1)]");
    assert_eq!((out.as_str(), warnings), ("[[null,null,null,null]]", vec![1563, 1563, 1563, 1563]));
    check("RETURN [LENGTH(null), LENGTH(true), LENGTH(-1.5), COUNT([1, 2])]", "[[0,1,4,2]]");
    let (out, warnings) = run("RETURN [UNION([1], 2), SORTED(\"x\")]");
    assert_eq!((out.as_str(), warnings), ("[[null,null]]", vec![1542, 1563]));
}

#[test]
fn document_edge_cases() {
    check("RETURN [KEEP({a: 1, \"1\": 2, \"null\": 3}, 1, null), MATCHES({a: 1}, [2, {a: 1}], true), MATCHES({a: 1}, {b: null})]", "[[{\"1\":2},1,true]]");
    check(
        "RETURN [HAS(null, \"a\"), VALUE({a: [1, 2]}, [\"a\", 1]), VALUE({a: [1, 2]}, [\"a\", -1]), VALUE({a: 1}, [\"b\", \"c\"]), VALUE({a: 1}, [])]",
        "[[false,2,null,null,null]]",
    );
    check("RETURN [ZIP([\"a\", \"a\"], [1, 2]), ENTRIES({})]", "[[{\"a\":1},[]]]");
    check("RETURN [PARSE_KEY(\"a/b/c\"), IS_SAME_COLLECTION(\"a\", \"a/1\")]", "[[\"b/c\",true]]");
    check(
        "RETURN MERGE_RECURSIVE({a: {b: 1}, c: 1}, {a: {d: 2}, c: {e: 3}})",
        "[{\"a\":{\"b\":1,\"d\":2},\"c\":{\"e\":3}}]",
    );
    let (out, warnings) = run("RETURN [MERGE({a: 1}, 2), PARSE_IDENTIFIER(\"nokey\"), ZIP([1], [])]");
    assert_eq!((out.as_str(), warnings), ("[[null,null,null]]", vec![1542, 1542, 1542]));
}

#[test]
fn aggregates_skip_nulls() {
    use crate::functions::{aggregate, FnContext};
    let feed = |name: &str, values: &str| {
        let mut agg = aggregate(name).unwrap_or_else(|| panic!("aggregate {name}"));
        let mut ctx = FnContext::default();
        if let Ok(Value::Array(items)) = json::parse(values.as_bytes()) {
            items.iter().for_each(|v| agg.add(v, &mut ctx));
        }
        (json::to_json_string(&agg.finish()), ctx.warnings.len())
    };
    assert_eq!(feed("MIN", "[3, null, 1]"), ("1".into(), 0));
    assert_eq!(feed("MAX", "[3, null, \"a\"]"), ("\"a\"".into(), 0));
    assert_eq!(feed("SUM", "[1, 2, null]"), ("3".into(), 0));
    assert_eq!(feed("SUM", "[1, \"x\"]"), ("null".into(), 0));
    assert_eq!(feed("AVG", "[]"), ("null".into(), 0));
    assert_eq!(feed("AVERAGE", "[1, 2, null]"), ("1.5".into(), 0));
    assert_eq!(feed("COUNT", "[null, 1]"), ("2".into(), 0));
    assert_eq!(feed("LENGTH", "[]"), ("0".into(), 0));
    assert_eq!(feed("VARIANCE_SAMPLE", "[2]"), ("null".into(), 0));
    assert_eq!(feed("STDDEV", "[2, 4]"), ("1".into(), 0));
    assert_eq!(feed("COUNT_UNIQUE", "[1, 1.0, null, 2]"), ("3".into(), 0));
    assert_eq!(feed("SORTED_UNIQUE", "[3, 1, 3, null]"), ("[null,1,3]".into(), 0));
    assert_eq!(feed("SUM", "[]"), ("null".into(), 0), "SUM of no rows is null");
    assert_eq!(feed("SUM", "[null]"), ("0".into(), 0));
    assert_eq!(feed("UNIQUE", "[3, 1, 3]"), ("[3,1]".into(), 0));
    assert_eq!(feed("PUSH", "[1, null]"), ("[1,null]".into(), 0));
    assert_eq!(feed("BIT_OR", "[1, 2, null, 8]"), ("11".into(), 0));
    assert_eq!(feed("BIT_AND", "[1, -1]"), ("null".into(), 0));
    assert!(aggregate("CONCAT").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleep_inside_a_runtime_hands_on_other_tasks() {
    let other = tokio::spawn(async { 7 });
    let slept = crate::functions::call("SLEEP", vec![Value::Double(0.02)], &mut Default::default());
    assert_eq!(slept.map(|v| v.is_null()), Ok(true));
    assert_eq!(other.await.ok(), Some(7));
}
