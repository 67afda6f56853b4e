//! The operator semantics against the examples of ArangoDB's operator documentation.

use super::*;
use crate::value::json;

fn v(text: &str) -> Value {
    json::parse(text.as_bytes()).unwrap()
}

fn bin(op: BinaryOp, a: &str, b: &str) -> (String, Vec<u32>) {
    let mut ctx = FnContext::default();
    let r = binary(op, &v(a), &v(b), &mut ctx);
    (json::to_json_string(&r), ctx.warnings.iter().map(|w| w.code).collect())
}

#[test]
fn arithmetic_casts_like_to_number() {
    let cases = [
        (BinaryOp::Add, r#"1"#, r#""a""#, "1"),
        (BinaryOp::Add, "1", r#""99""#, "100"),
        (BinaryOp::Add, "1", "null", "1"),
        (BinaryOp::Add, "null", "1", "1"),
        (BinaryOp::Add, "3", "[]", "3"),
        (BinaryOp::Add, "24", "[2]", "26"),
        (BinaryOp::Add, "24", "[2,4]", "24"),
        (BinaryOp::Sub, "25", "null", "25"),
        (BinaryOp::Sub, "17", "true", "16"),
        (BinaryOp::Mul, "23", "{}", "0"),
        (BinaryOp::Mul, "5", "[7]", "35"),
        (BinaryOp::Div, "24", r#""12""#, "2"),
        (BinaryOp::Div, "1", "4", "0.25"),
        (BinaryOp::Mod, "-5", "3", "-2"),
        (BinaryOp::Mod, "5.5", "2", "1.5"),
    ];
    for (op, a, b, want) in cases {
        assert_eq!(bin(op, a, b), (want.to_string(), vec![]), "{a} {op:?} {b}");
    }
    assert_eq!(bin(BinaryOp::Div, "1", "0"), ("null".into(), vec![1562]));
    assert_eq!(bin(BinaryOp::Mod, "1", "0"), ("null".into(), vec![1562]));
    assert_eq!(bin(BinaryOp::Mul, "1e308", "10"), ("null".into(), vec![]));
    let mut ctx = FnContext::default();
    let big = binary(BinaryOp::Add, &Value::Int(9_007_199_254_740_993), &Value::Int(0), &mut ctx);
    assert_eq!(big.as_f64(), Some(9_007_199_254_740_992.0), "arithmetic is in doubles, as ArangoDB's");
}

#[test]
fn unary_and_logical() {
    assert_eq!(json::to_json_string(&unary(UnaryOp::Minus, &v(r#""3""#))), "-3");
    assert_eq!(json::to_json_string(&unary(UnaryOp::Plus, &v("[4]"))), "4");
    assert_eq!(json::to_json_string(&unary(UnaryOp::Not, &v(r#""""#))), "true");
    assert_eq!(bin(BinaryOp::Or, "null", "2").0, "2");
    assert_eq!(bin(BinaryOp::And, "0", "2").0, "0");
    assert_eq!(bin(BinaryOp::And, r#""a""#, "2").0, "2");
}

#[test]
fn comparison_and_membership() {
    assert_eq!(bin(BinaryOp::Eq, "1", "1.0").0, "true");
    assert_eq!(bin(BinaryOp::Lt, "null", "false").0, "true");
    assert_eq!(bin(BinaryOp::Gt, r#""abc""#, "12").0, "true");
    assert_eq!(bin(BinaryOp::In, "2", "[1,2,3]").0, "true");
    assert_eq!(bin(BinaryOp::In, "2", r#""2""#).0, "false");
    assert_eq!(bin(BinaryOp::NotIn, "4", "[1,2,3]").0, "true");
    assert_eq!(bin(BinaryOp::NotIn, "4", r#""4""#).0, "false", "NOT IN a non-array is false too");
}

#[test]
fn like_patterns() {
    assert!(like("cart", "ca_t", false));
    assert!(like("carrot", "ca%", false));
    assert!(!like("carrot", "ca_", false));
    assert!(like("a_b_foo", "a\\_b\\_foo", false));
    assert!(!like("axbxfoo", "a\\_b\\_foo", false));
    assert!(like("100%", "100\\%", false));
    assert!(like("FoO", "f%o", true));
    assert!(!like("FoO", "f%o", false));
    assert!(like("", "%", false));
    assert!(like("überall", "_berall", false));
    assert!(like("abcabcabd", "%abc%abd", false));
    assert_eq!(bin(BinaryOp::NotLike, r#""abc""#, r#""a%""#).0, "false");
    assert!(like("a", "a%", false) && like("a", "%a", false) && like("a", "%%", false) && like("", "", false));
    assert!(like("ab", "_%_", false) && !like("a", "_%_", false) && like("aaa", "%aa%", false));
    assert!(!like("abc", "a%c%d", false) && like("xaybzc", "%a_b%c", false) && !like("", "_", false));
    let big = format!("{}ab{}", "x".repeat(1 << 20), "y".repeat(1 << 20));
    assert!(like(&big, "%a%b%", false) && !like(&big, "%b%a%", false));
}

#[test]
fn regex_operators() {
    assert_eq!(bin(BinaryOp::RegexMatch, r#""the quick""#, r#""^the\\s+q""#).0, "true");
    assert_eq!(bin(BinaryOp::RegexNotMatch, r#""abc""#, r#""d""#).0, "true");
    assert_eq!(bin(BinaryOp::RegexMatch, r#""abc""#, r#""(""#), ("null".into(), vec![1543]));
}

fn quant(q: Quantifier, n: usize, op: BinaryOp, a: &str, b: &str) -> bool {
    let mut ctx = FnContext::default();
    cast::to_bool(&quantified(&q, n, op, &v(a), &v(b), &mut ctx))
}

#[test]
fn array_comparison_operators() {
    use BinaryOp::*;
    use Quantifier::{All, Any, None as Nothing};
    assert!(!quant(All, 0, In, "[1,2,3]", "[2,3,4]"));
    assert!(quant(All, 0, In, "[1,2,3]", "[1,2,3]"));
    assert!(!quant(Nothing, 0, In, "[1,2,3]", "[3]"));
    assert!(quant(Nothing, 0, In, "[1,2,3]", "[23,42]"));
    assert!(!quant(Any, 0, In, "[1,2,3]", "[4,5,6]"));
    assert!(quant(Any, 0, In, "[1,2,3]", "[1,42]"));
    assert!(quant(Any, 0, Eq, "[1,2,3]", "2"));
    assert!(!quant(Any, 0, Eq, "[1,2,3]", "4"));
    assert!(quant(Any, 0, Le, "[1,2,3]", "1"));
    assert!(!quant(Nothing, 0, Lt, "[1,2,3]", "99"));
    assert!(quant(Nothing, 0, Gt, "[1,2,3]", "10"));
    assert!(!quant(All, 0, Gt, "[1,2,3]", "2"));
    assert!(quant(All, 0, Gt, "[1,2,3]", "0"));
    assert!(quant(All, 0, Ne, r#"["foo","bar"]"#, r#""moo""#));
    assert!(!quant(Nothing, 0, Eq, r#"["foo","bar"]"#, r#""bar""#));
    let at_least = || Quantifier::AtLeast(Box::new(crate::ast::Expr::Literal(Value::Int(2))));
    assert!(quant(at_least(), 2, In, "[1,2,3]", "[2,3,4]"));
    assert!(!quant(at_least(), 2, In, "[1,2,3]", "[3,4]"));
    assert!(quant(All, 0, Gt, "[]", "5"));
    assert!(quant(Nothing, 0, Gt, "[]", "5"));
    assert!(!quant(Any, 0, Gt, "[]", "5"));
    assert!(!quant(All, 0, Gt, "3", "1"), "a non-array left-hand side is false");
    assert!(!quant(Nothing, 0, NotIn, "[1]", "2"), "IN/NOT IN need an array on the right");
}
