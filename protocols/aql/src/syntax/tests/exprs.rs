//! Expressions: ArangoDB's operator precedence (docs "Operator precedence": ternary
//! lowest, then `||`, `&&`, quantifiers, `== != LIKE =~ !~`, `IN NOT IN`, `< <= > >=`,
//! `..`, `+ -`, `* / %`, unary, then member access), literals and the expansions.

use super::ret;
use crate::ast::{BinaryOp as B, Expr, ObjectKey, Quantifier, UnaryOp};
use crate::value::Value;

fn var(n: &str) -> Box<Expr> {
    Box::new(Expr::Var(n.to_string()))
}

fn int(i: i64) -> Box<Expr> {
    Box::new(Expr::Literal(Value::Int(i)))
}

fn bin(op: B, a: Box<Expr>, b: Box<Expr>) -> Box<Expr> {
    Box::new(Expr::Binary(op, a, b))
}

#[test]
fn multiplication_binds_tighter_than_addition() {
    assert_eq!(ret("1 + 2 * 3"), *bin(B::Add, int(1), bin(B::Mul, int(2), int(3))));
    assert_eq!(ret("1 - 2 - 3"), *bin(B::Sub, bin(B::Sub, int(1), int(2)), int(3)));
    assert_eq!(ret("(1 + 2) % 3"), *bin(B::Mod, bin(B::Add, int(1), int(2)), int(3)));
}

#[test]
fn and_binds_tighter_than_or_and_both_have_word_forms() {
    let expected = *bin(B::Or, var("a"), bin(B::And, var("b"), var("c")));
    assert_eq!(ret("a || b && c"), expected);
    assert_eq!(ret("a OR b and c"), expected);
}

#[test]
fn in_binds_tighter_than_equality_and_looser_than_relational() {
    assert_eq!(ret("a == b IN c"), *bin(B::Eq, var("a"), bin(B::In, var("b"), var("c"))));
    assert_eq!(ret("a < b IN c"), *bin(B::In, bin(B::Lt, var("a"), var("b")), var("c")));
    assert_eq!(ret("a < b == c"), *bin(B::Eq, bin(B::Lt, var("a"), var("b")), var("c")));
    assert_eq!(ret("a NOT IN b"), *bin(B::NotIn, var("a"), var("b")));
}

#[test]
fn range_sits_between_relational_and_additive() {
    assert_eq!(ret("1..2 + 3"), Expr::Range(int(1), bin(B::Add, int(2), int(3))));
    assert_eq!(ret("x < 1..3"), *bin(B::Lt, var("x"), Box::new(Expr::Range(int(1), int(3)))));
}

#[test]
fn unary_operators_bind_tighter_than_binary_ones() {
    let not_a = Box::new(Expr::Unary(UnaryOp::Not, var("a")));
    assert_eq!(ret("NOT a == b"), *bin(B::Eq, not_a.clone(), var("b")));
    assert_eq!(ret("!a == b"), *bin(B::Eq, not_a, var("b")));
    let attr = Box::new(Expr::Attribute(var("a"), "b".into()));
    assert_eq!(ret("-a.b"), Expr::Unary(UnaryOp::Minus, attr));
    assert_eq!(ret("-1"), Expr::Literal(Value::Int(-1)));
    assert_eq!(ret("- -2.5"), Expr::Literal(Value::Double(2.5)));
}

#[test]
fn ternary_is_lowest_and_right_associative() {
    let e = ret("a || b ? c : d ? e : f");
    let Expr::Ternary { cond, then, otherwise } = e else { panic!("not a ternary") };
    assert_eq!(cond, bin(B::Or, var("a"), var("b")));
    assert_eq!(then, Some(var("c")));
    assert!(matches!(*otherwise, Expr::Ternary { .. }));
    assert_eq!(ret("x ?: y"), Expr::Ternary { cond: var("x"), then: None, otherwise: var("y") });
}

#[test]
fn like_and_regex_operators() {
    assert_eq!(ret("a LIKE 'x%'"), *bin(B::Like, var("a"), Box::new(Expr::Literal(Value::str("x%")))));
    assert_eq!(ret("a NOT LIKE b"), *bin(B::NotLike, var("a"), var("b")));
    assert_eq!(ret("a =~ b"), *bin(B::RegexMatch, var("a"), var("b")));
    assert_eq!(ret("a !~ b"), *bin(B::RegexNotMatch, var("a"), var("b")));
    assert!(matches!(ret("LIKE(a, b)"), Expr::Call { name, .. } if name == "LIKE"));
}

#[test]
fn array_comparison_operators() {
    let q = |quantifier, op, lhs, rhs| Expr::Quantified { quantifier, op, lhs, rhs };
    let arr = Box::new(Expr::Array(vec![Expr::Literal(Value::Int(1)), Expr::Literal(Value::Int(2))]));
    assert_eq!(ret("[1, 2] ALL > 0"), q(Quantifier::All, B::Gt, arr.clone(), int(0)));
    assert_eq!(ret("[1, 2] any == 2"), q(Quantifier::Any, B::Eq, arr.clone(), int(2)));
    assert_eq!(ret("[1, 2] NONE IN x"), q(Quantifier::None, B::In, arr.clone(), var("x")));
    assert_eq!(ret("[1, 2] ALL NOT IN x"), q(Quantifier::All, B::NotIn, arr.clone(), var("x")));
    let at_least = Quantifier::AtLeast(int(2));
    assert_eq!(ret("[1, 2] AT LEAST (2) >= 1"), q(at_least, B::Ge, arr, int(1)));
    // looser than ==, tighter than &&
    let e = ret("a && b ALL == c");
    let Expr::Binary(B::And, _, rhs) = e else { panic!("not an AND") };
    assert!(matches!(*rhs, Expr::Quantified { .. }));
}

#[test]
fn literals() {
    assert_eq!(ret("0x1F"), Expr::Literal(Value::Int(31)));
    assert_eq!(ret("0b101"), Expr::Literal(Value::Int(5)));
    assert_eq!(ret(".5"), Expr::Literal(Value::Double(0.5)));
    assert_eq!(ret("1e3"), Expr::Literal(Value::Double(1000.0)));
    assert_eq!(ret("1.5E-2"), Expr::Literal(Value::Double(0.015)));
    assert!(matches!(ret("9223372036854775808"), Expr::Literal(Value::Double(_))));
    assert!(matches!(ret("9223372036854775807"), Expr::Literal(Value::Int(i64::MAX))));
    assert!(matches!(ret("NULL"), Expr::Literal(Value::Null)));
    assert!(matches!(ret("True"), Expr::Literal(Value::Bool(true))));
    assert!(matches!(ret("false"), Expr::Literal(Value::Bool(false))));
    let s = |t: &str| match ret(t) {
        Expr::Literal(Value::String(s)) => s,
        other => panic!("{t}: {other:?}"),
    };
    assert_eq!(s(r#""a\"b\n\t\\""#), "a\"b\n\t\\");
    assert_eq!(s(r"'it\'s'"), "it's");
    assert_eq!(s(r#""\u00e9""#), "é");
    assert_eq!(s(r#""\ud83d\ude00""#), "😀");
    assert_eq!(s("'multi\nline'"), "multi\nline");
}

#[test]
fn names_in_ticks_and_keywords_as_attributes() {
    assert_eq!(ret("`for`"), *var("for"));
    assert_eq!(ret("´filter´"), *var("filter"));
    assert_eq!(ret("doc.filter"), Expr::Attribute(var("doc"), "filter".into()));
    assert_eq!(ret("doc.`sort`"), Expr::Attribute(var("doc"), "sort".into()));
    assert_eq!(ret("doc.@attr"), Expr::Index(var("doc"), Box::new(Expr::Bind("attr".into()))));
    assert_eq!(ret("doc['x']"), Expr::Index(var("doc"), Box::new(Expr::Literal(Value::str("x")))));
    assert_eq!(ret("@x"), Expr::Bind("x".into()));
    assert_eq!(ret("@@c"), Expr::BindCollection("c".into()));
    assert_eq!(ret("$CURRENT"), *var("$CURRENT"));
    assert_eq!(ret("_key"), *var("_key"));
}

#[test]
fn objects_and_arrays() {
    let e = ret("{a, b: 1, 'c d': 2, [k]: 3, @p: 4, filter: 5,}");
    let Expr::Object(members) = e else { panic!("not an object") };
    let keys: Vec<ObjectKey> = members.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(
        keys,
        vec![
            ObjectKey::Static("a".into()),
            ObjectKey::Static("b".into()),
            ObjectKey::Static("c d".into()),
            ObjectKey::Computed(Expr::Var("k".into())),
            ObjectKey::Computed(Expr::Bind("p".into())),
            ObjectKey::Static("filter".into()),
        ]
    );
    assert_eq!(members[0].1, Expr::Var("a".into()));
    assert_eq!(ret("[1, 2,]"), Expr::Array(vec![Expr::Literal(Value::Int(1)), Expr::Literal(Value::Int(2))]));
    assert_eq!(ret("[]"), Expr::Array(vec![]));
    assert_eq!(ret("{}"), Expr::Object(vec![]));
}

#[test]
fn function_calls_are_upper_cased_with_their_namespace() {
    let Expr::Call { name, args, pos } = ret("concat('a', 1)") else { panic!("not a call") };
    assert_eq!((name.as_str(), args.len(), pos.line, pos.column), ("CONCAT", 2, 1, 8));
    assert!(matches!(ret("myfuncs::util::f()"), Expr::Call { name, .. } if name == "MYFUNCS::UTIL::F"));
    let Expr::Call { args, .. } = ret("LENGTH(FOR x IN y RETURN x)") else { panic!("not a call") };
    assert!(matches!(&args[0], Expr::Subquery(q) if q.ops.len() == 2));
    assert!(matches!(ret("(FOR x IN 1..3 RETURN x)"), Expr::Subquery(_)));
}

#[test]
fn expansion_maps_the_rest_of_the_path_over_current() {
    let Expr::Expansion(x) = ret("u.friends[*].name") else { panic!("no expansion") };
    assert_eq!(x.base, Box::new(Expr::Attribute(var("u"), "friends".into())));
    assert_eq!(x.depth, 1);
    assert_eq!(x.rest, Some(Box::new(Expr::Attribute(var("CURRENT"), "name".into()))));

    let Expr::Expansion(x) = ret("a[* FILTER CURRENT.x > 1 LIMIT 1, 2 RETURN CURRENT.y]") else { panic!() };
    assert!(x.filter.is_some() && x.ret.is_some() && x.rest.is_none());
    assert_eq!(x.limit, Some((Some(int(1)), int(2))));

    let Expr::Expansion(x) = ret("a[**]") else { panic!() };
    assert_eq!(x.depth, 2);

    let Expr::Expansion(outer) = ret("a[*].b[*].c") else { panic!() };
    let Some(rest) = outer.rest else { panic!("no inner expansion") };
    let Expr::Expansion(inner) = *rest else { panic!("rest is no expansion") };
    assert_eq!(inner.base, Box::new(Expr::Attribute(var("CURRENT"), "b".into())));
    assert_eq!(inner.rest, Some(Box::new(Expr::Attribute(var("CURRENT"), "c".into()))));

    let Expr::Index(base, _) = ret("(a[*].b)[0]") else { panic!("parentheses end the expansion") };
    assert!(matches!(*base, Expr::Expansion(_)));
}

#[test]
fn question_mark_filter_is_a_quantified_test() {
    let Expr::Quantified { quantifier, op, lhs, rhs } = ret("a[? ALL FILTER CURRENT > 1]") else { panic!() };
    assert_eq!((quantifier, op, *rhs), (Quantifier::All, B::Eq, Expr::Literal(Value::Bool(true))));
    assert!(matches!(*lhs, Expr::Expansion(ref x) if x.ret.is_some()));
    assert!(matches!(ret("a[? FILTER CURRENT]"), Expr::Quantified { quantifier: Quantifier::Any, .. }));
    assert!(matches!(ret("a[? 2..3 FILTER CURRENT]"), Expr::Binary(B::In, ..)));
    assert!(matches!(ret("a[? 2 FILTER CURRENT]"), Expr::Binary(B::Eq, ..)));
}

#[test]
fn comments_and_case_insensitive_keywords() {
    let q = super::parse_ok("for x /* c */ in [1] // tail\n filter x return x");
    assert_eq!(q.ops.len(), 3);
}
