//! MySQL expression typing, called first by the binder for every expression of a
//! MySQL-dialect statement ([`bind`] returns `None` for what the shared binder types the
//! same way). MySQL converts freely between strings and numbers ('3' + 1 = 4, 'abc' = 0),
//! has no boolean type (comparisons are 1/0, a number is true when it is not 0), divides
//! with `/` into DECIMAL (scale + div_precision_increment 4) and with DIV into integers,
//! returns NULL for x/0 and x % 0, and compares strings case-insensitively
//! (utf8mb4_0900_ai_ci; accents are not folded here).
//!
//! MySQL-only operations are engine functions named `__my_*`, evaluated by
//! [`super::functions`].

use crate::error::SqlError;
use crate::expr::cast::{is_integer, is_numeric, is_textual};
use crate::expr::{BinOp, Expr};
use crate::plan::bind::{AggCtx, Binder, Scope};
use crate::types::SqlType;
use orbit_storage::Value;
use sqlparser::ast;

type Bound = (Expr, SqlType);

fn func(name: &str, args: Vec<Expr>, ty: SqlType) -> Bound {
    (Expr::Func { name: format!("__my_{name}"), args, ty: ty.clone() }, ty)
}

fn is_text(t: &SqlType) -> bool {
    is_textual(t) || *t == SqlType::Unknown
}

fn is_string_literal(e: &Expr, t: &SqlType) -> bool {
    *t == SqlType::Unknown && matches!(e, Expr::Literal(Value::Text(_)))
}

/// A number as MySQL reads it from a string literal: an integer when the whole text is
/// one, else the double of its numeric prefix ('1.5' → 1.5e0, '12abc' → 12, 'abc' → 0).
fn literal_number(s: &str) -> Bound {
    let (d, whole) = super::types::numeric_prefix(s);
    if whole {
        if let Ok(i) = s.trim().parse::<i64>() {
            return (Expr::Literal(Value::Int(i)), SqlType::Int8);
        }
    } else {
        // Read when the statement runs, so the truncation warns (1292).
        return func("num", vec![Expr::Literal(Value::Text(s.to_string()))], SqlType::Float8);
    }
    use bigdecimal::ToPrimitive;
    (Expr::Literal(Value::Float(d.to_f64().unwrap_or(0.0))), SqlType::Float8)
}

/// An operand of arithmetic or of a numeric comparison, as a number.
fn numeric_operand(b: &mut Binder, e: Expr, t: SqlType) -> Result<Bound, SqlError> {
    Ok(match (&e, &t) {
        (Expr::Literal(Value::Text(s)), SqlType::Unknown) => literal_number(s),
        (Expr::Param(..), SqlType::Unknown) => (b.coerce(e, &t, &SqlType::Float8)?, SqlType::Float8),
        (_, SqlType::Bool) => func("int", vec![e], SqlType::Int8),
        (_, t) if is_text(t) || matches!(t, SqlType::Json | SqlType::Jsonb | SqlType::Bytea) => {
            func("num", vec![e], SqlType::Float8)
        }
        _ => (e, t),
    })
}

fn float(e: Expr, t: &SqlType) -> Expr {
    if *t == SqlType::Float8 {
        e
    } else {
        Expr::Cast { expr: Box::new(e), to: SqlType::Float8, typmod: None }
    }
}

/// The result type of MySQL arithmetic on two numbers.
fn arith_type(l: &SqlType, r: &SqlType) -> SqlType {
    if matches!(l, SqlType::Float4 | SqlType::Float8) || matches!(r, SqlType::Float4 | SqlType::Float8) {
        SqlType::Float8
    } else if is_integer(l) && is_integer(r) {
        SqlType::Int8
    } else {
        SqlType::Numeric
    }
}

fn cast(e: Expr, from: &SqlType, to: &SqlType) -> Expr {
    if from == to || (is_integer(from) && is_integer(to)) {
        e
    } else {
        Expr::Cast { expr: Box::new(e), to: to.clone(), typmod: None }
    }
}

/// MySQL's typing of `e`, or `None` to let the shared binder type it.
pub fn bind(b: &mut Binder, e: &ast::Expr, scope: &Scope, agg: Option<&AggCtx>) -> Result<Option<Bound>, SqlError> {
    use ast::BinaryOperator as B;
    use ast::Expr as E;
    Ok(Some(match e {
        E::BinaryOp { left, op, right } if matches!(op, B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo | B::MyIntegerDivide) && (super::enums::members(&b.enum_columns, left).is_some() || super::enums::members(&b.enum_columns, right).is_some()) => {
            // An ENUM column in arithmetic is its member's position.
            let number = |e: &ast::Expr| -> Result<Box<ast::Expr>, SqlError> {
                Ok(Box::new(match super::enums::members(&b.enum_columns, e) {
                    Some(m) => super::enums::position(e, m)?,
                    None => e.clone(),
                }))
            };
            let arith = E::BinaryOp { left: number(left)?, op: op.clone(), right: number(right)? };
            b.bind_expr(&arith, scope, agg)?
        }
        E::BinaryOp { left, op, right } => {
            if let (B::Plus | B::Minus, E::Interval(iv)) = (op, right.as_ref()) {
                let (x, t) = b.bind_expr(left, scope, agg)?;
                return Ok(Some(date_add(b, x, t, iv, scope, agg, matches!(op, B::Minus))?));
            }
            if let (B::Plus, E::Interval(iv)) = (op, left.as_ref()) {
                let (x, t) = b.bind_expr(right, scope, agg)?;
                return Ok(Some(date_add(b, x, t, iv, scope, agg, false)?));
            }
            match op {
                B::StringConcat => {
                    // `||` is OR without PIPES_AS_CONCAT.
                    let or = E::BinaryOp { left: left.clone(), op: B::Or, right: right.clone() };
                    return Ok(Some(b.bind_expr(&or, scope, agg)?));
                }
                B::Arrow | B::LongArrow => {
                    let (l, lt) = b.bind_expr(left, scope, agg)?;
                    let (r, rt) = b.bind_expr(right, scope, agg)?;
                    let l = to_text(b, l, &lt)?;
                    let r = to_text(b, r, &rt)?;
                    let x = func("json_extract", vec![l, r], SqlType::Json);
                    if matches!(op, B::LongArrow) {
                        func("json_unquote", vec![x.0], SqlType::Text)
                    } else {
                        x
                    }
                }
                B::Xor => {
                    let (l, _) = b.bind_expr(left, scope, agg)?;
                    let (r, _) = b.bind_expr(right, scope, agg)?;
                    func("xor", vec![l, r], SqlType::Bool)
                }
                B::BitwiseAnd | B::BitwiseOr | B::BitwiseXor | B::PGBitwiseXor | B::PGBitwiseShiftLeft | B::PGBitwiseShiftRight => {
                    let (l, lt) = b.bind_expr(left, scope, agg)?;
                    let (r, rt) = b.bind_expr(right, scope, agg)?;
                    let (l, _) = numeric_operand(b, l, lt)?;
                    let (r, _) = numeric_operand(b, r, rt)?;
                    let name = match op {
                        B::BitwiseAnd => "bitand",
                        B::BitwiseOr => "bitor",
                        B::PGBitwiseShiftLeft => "shl",
                        B::PGBitwiseShiftRight => "shr",
                        _ => "bitxor",
                    };
                    func(name, vec![l, r], SqlType::Numeric)
                }
                B::MyIntegerDivide | B::Divide | B::Modulo => {
                    let (mut l, lt) = b.bind_expr(left, scope, agg)?;
                    let (mut r, rt) = b.bind_expr(right, scope, agg)?;
                    if *op == B::Divide {
                        widen_division(&mut l);
                        widen_division(&mut r);
                    }
                    let (l, lt) = numeric_operand(b, l, lt)?;
                    let (r, rt) = numeric_operand(b, r, rt)?;
                    match op {
                        B::MyIntegerDivide => func("intdiv", vec![l, r], SqlType::Int8),
                        B::Divide => {
                            let ty = if arith_type(&lt, &rt) == SqlType::Float8 { SqlType::Float8 } else { SqlType::Numeric };
                            func("div", vec![l, r], ty)
                        }
                        _ => {
                            let ty = arith_type(&lt, &rt);
                            func("mod", vec![l, r], ty)
                        }
                    }
                }
                B::Plus | B::Minus | B::Multiply => {
                    let (mut l, lt) = b.bind_expr(left, scope, agg)?;
                    let (mut r, rt) = b.bind_expr(right, scope, agg)?;
                    widen_division(&mut l);
                    widen_division(&mut r);
                    let needs = |e: &Expr, t: &SqlType| {
                        *t == SqlType::Bool || is_textual(t) || is_string_literal(e, t) || matches!(t, SqlType::Json | SqlType::Jsonb)
                    };
                    let temporal = |t: &SqlType| {
                        matches!(t, SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Time | SqlType::Interval)
                    };
                    if !(needs(&l, &lt) || needs(&r, &rt)) || temporal(&lt) || temporal(&rt) {
                        return shared_arith(b, op, l, lt, r, rt);
                    }
                    let (l, lt) = numeric_operand(b, l, lt)?;
                    let (r, rt) = numeric_operand(b, r, rt)?;
                    shared_arith(b, op, l, lt, r, rt)?.unwrap_or_else(unreachable_pair)
                }
                B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship => {
                    let (l, lt) = b.bind_expr(left, scope, agg)?;
                    let (r, rt) = b.bind_expr(right, scope, agg)?;
                    if *op == B::Eq {
                        if let Some(lookup) = key_lookup_of_text(b, scope, (&l, &lt), (&r, &rt)) {
                            return Ok(Some(lookup));
                        }
                    }
                    match compare(b, op, l, lt, r, rt)? {
                        Some(x) => x,
                        None => return Ok(None),
                    }
                }
                _ => return Ok(None),
            }
        }
        // A number with an exponent is a DOUBLE in MySQL.
        E::Value(ast::ValueWithSpan { value: ast::Value::Number(n, _), .. }) if n.contains(['e', 'E']) => {
            match n.parse::<f64>() {
                Ok(f) => (Expr::Literal(Value::Float(f)), SqlType::Float8),
                Err(_) => return Ok(None),
            }
        }
        E::UnaryOp { op: ast::UnaryOperator::Not, expr } => {
            let (x, t) = b.bind_expr(expr, scope, agg)?;
            let x = if t == SqlType::Bool { x } else { func("truth", vec![x], SqlType::Bool).0 };
            (Expr::Not(Box::new(x)), SqlType::Bool)
        }
        E::UnaryOp { op: ast::UnaryOperator::BitwiseNot, expr } => {
            let (x, t) = b.bind_expr(expr, scope, agg)?;
            let (x, _) = numeric_operand(b, x, t)?;
            func("bitnot", vec![x], SqlType::Numeric)
        }
        E::UnaryOp { op: ast::UnaryOperator::Minus, expr } => {
            let (x, t) = b.bind_expr(expr, scope, agg)?;
            if !(is_text(&t) || t == SqlType::Bool) || matches!(x, Expr::Literal(Value::Null)) {
                return Ok(None);
            }
            let (x, t) = numeric_operand(b, x, t)?;
            let zero = Expr::Literal(Value::Int(0));
            let ty = arith_type(&SqlType::Int8, &t);
            (Expr::Binary { op: BinOp::Sub, left: Box::new(cast(zero, &SqlType::Int8, &ty)), right: Box::new(cast(x, &t, &ty)), ty: ty.clone() }, ty)
        }
        E::Like { negated, any: false, expr, pattern, escape_char: None } => {
            let (x, xt) = b.bind_expr(expr, scope, agg)?;
            let (p, pt) = b.bind_expr(pattern, scope, agg)?;
            let x = to_text(b, x, &xt)?;
            let p = to_text(b, p, &pt)?;
            (Expr::Like { expr: Box::new(x), pattern: Box::new(p), negated: *negated, case_insensitive: true }, SqlType::Bool)
        }
        E::RLike { negated, expr, pattern, .. } => {
            let (x, xt) = b.bind_expr(expr, scope, agg)?;
            let (p, pt) = b.bind_expr(pattern, scope, agg)?;
            let x = to_text(b, x, &xt)?;
            let p = to_text(b, p, &pt)?;
            // The default collation is case-insensitive, and so is REGEXP under it.
            let m = Expr::Func { name: "__orbit_regex_i".into(), args: vec![x, p], ty: SqlType::Bool };
            (if *negated { Expr::Not(Box::new(m)) } else { m }, SqlType::Bool)
        }
        E::Convert { expr, data_type: None, charset: Some(_), .. } => {
            let (x, t) = b.bind_expr(expr, scope, agg)?;
            (to_text(b, x, &t)?, SqlType::Text)
        }
        E::Collate { expr, .. } => b.bind_expr(expr, scope, agg)?,
        E::Substring { expr, substring_from, substring_for, .. } => {
            let mut args = vec![b.bind_expr(expr, scope, agg)?.0];
            for x in [substring_from, substring_for].into_iter().flatten() {
                args.push(b.bind_expr(x, scope, agg)?.0);
            }
            func("substring", args, SqlType::Text)
        }
        E::Cast { expr, data_type, .. } | E::Convert { expr, data_type: Some(data_type), .. } => {
            let (x, t) = b.bind_expr(expr, scope, agg)?;
            cast_to(b, x, t, data_type)?
        }
        E::Extract { field, expr, .. } => {
            let (x, _) = b.bind_expr(expr, scope, agg)?;
            func("extract", vec![Expr::Literal(Value::Text(unit_name(field))), x], SqlType::Int8)
        }
        E::Function(f) => match super::calls::bind_call(b, f, scope, agg)? {
            Some(x) => x,
            None => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

fn unreachable_pair() -> Bound {
    (Expr::Literal(Value::Null), SqlType::Unknown)
}

/// Arithmetic on two numbers (or temporal values) through the shared operator.
/// A DECIMAL division that is an operand of arithmetic keeps MySQL's intermediate scale
/// (see `div` in [`super::functions`]); the result column's decimals round it for display.
fn widen_division(e: &mut Expr) {
    if let Expr::Func { name, args, ty: SqlType::Numeric } = e {
        if name == "__my_div" && args.len() == 2 {
            args.push(Expr::Literal(Value::Bool(true)));
        }
    }
}

fn shared_arith(
    _b: &mut Binder,
    op: &ast::BinaryOperator,
    l: Expr,
    lt: SqlType,
    r: Expr,
    rt: SqlType,
) -> Result<Option<Bound>, SqlError> {
    use ast::BinaryOperator as B;
    if !(is_numeric(&lt) || lt == SqlType::Unknown) || !(is_numeric(&rt) || rt == SqlType::Unknown) {
        return Ok(None);
    }
    if lt == SqlType::Unknown || rt == SqlType::Unknown {
        return Ok(None);
    }
    let bop = match op {
        B::Plus => BinOp::Add,
        B::Minus => BinOp::Sub,
        _ => BinOp::Mul,
    };
    let ty = arith_type(&lt, &rt);
    let l = cast(l, &lt, &ty);
    let r = cast(r, &rt, &ty);
    Ok(Some((Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: ty.clone() }, ty)))
}

fn to_text(b: &mut Binder, e: Expr, t: &SqlType) -> Result<Expr, SqlError> {
    Ok(match t {
        SqlType::Unknown => b.coerce(e, t, &SqlType::Text)?,
        t if is_textual(t) => e,
        _ => func("text", vec![e], SqlType::Text).0,
    })
}

/// MySQL comparisons: strings case-insensitively, a string against a number as doubles,
/// booleans as 1/0. `None` leaves the pair to the shared binder.
fn compare(
    b: &mut Binder,
    op: &ast::BinaryOperator,
    l: Expr,
    lt: SqlType,
    r: Expr,
    rt: SqlType,
) -> Result<Option<Bound>, SqlError> {
    use ast::BinaryOperator as B;
    let bop = match op {
        B::Eq | B::Spaceship => BinOp::Eq,
        B::NotEq => BinOp::NotEq,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::LtEq,
        B::Gt => BinOp::Gt,
        _ => BinOp::GtEq,
    };
    let build = |l: Expr, r: Expr| -> Bound {
        if matches!(op, B::Spaceship) {
            (Expr::IsDistinct { left: Box::new(l), right: Box::new(r), negated: true }, SqlType::Bool)
        } else {
            (Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: SqlType::Bool }, SqlType::Bool)
        }
    };
    let ci = |e: Expr| func("ci", vec![e], SqlType::Text).0;
    let temporal = |t: &SqlType| matches!(t, SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Time);
    // A binary string against a string: byte for byte.
    if (lt == SqlType::Bytea && is_text(&rt)) || (rt == SqlType::Bytea && is_text(&lt)) {
        let l = to_text(b, l, &lt)?;
        let r = to_text(b, r, &rt)?;
        return Ok(Some(build(l, r)));
    }
    // Both strings: case-insensitive.
    if is_text(&lt) && is_text(&rt) {
        let params = matches!(l, Expr::Param(..)) || matches!(r, Expr::Param(..));
        if lt == SqlType::Unknown && rt == SqlType::Unknown && params {
            return Ok(None);
        }
        let l = to_text(b, l, &lt)?;
        let r = to_text(b, r, &rt)?;
        return Ok(Some(build(ci(l), ci(r))));
    }
    if temporal(&lt) || temporal(&rt) {
        // A string against a date compares as dates (the shared binder parses literals);
        // a date against a number compares as numbers (YYYYMMDD...).
        let numeric_other = (temporal(&lt) && is_numeric(&rt)) || (temporal(&rt) && is_numeric(&lt));
        if !numeric_other {
            if (temporal(&lt) && is_textual(&rt)) || (temporal(&rt) && is_textual(&lt)) {
                let (l, r) = if temporal(&lt) { (l, Expr::Cast { expr: Box::new(r), to: lt.clone(), typmod: None }) } else { (Expr::Cast { expr: Box::new(l), to: rt.clone(), typmod: None }, r) };
                return Ok(Some(build(l, r)));
            }
            if matches!(op, B::Spaceship) {
                let (l, r) = unify_unknown(b, l, &lt, r, &rt)?;
                return Ok(Some(build(l, r)));
            }
            return Ok(None);
        }
        let l = if temporal(&lt) { func("num", vec![l], SqlType::Float8).0 } else { float(l, &lt) };
        let r = if temporal(&rt) { func("num", vec![r], SqlType::Float8).0 } else { float(r, &rt) };
        return Ok(Some(build(l, r)));
    }
    let numeric_like = |t: &SqlType| is_numeric(t) || *t == SqlType::Bool;
    if numeric_like(&lt) && numeric_like(&rt) {
        if lt == SqlType::Bool || rt == SqlType::Bool {
            let (l, lt) = numeric_operand(b, l, lt)?;
            let (r, rt) = numeric_operand(b, r, rt)?;
            let ty = arith_type(&lt, &rt);
            return Ok(Some(build(cast(l, &lt, &ty), cast(r, &rt, &ty))));
        }
        if matches!(op, B::Spaceship) {
            let ty = arith_type(&lt, &rt);
            return Ok(Some(build(cast(l, &lt, &ty), cast(r, &rt, &ty))));
        }
        return Ok(None);
    }
    // A string against a number.
    if (is_text(&lt) && numeric_like(&rt)) || (numeric_like(&lt) && is_text(&rt)) {
        let text_side_literal = |e: &Expr, t: &SqlType| match (e, t) {
            (Expr::Literal(Value::Text(s)), SqlType::Unknown) => Some(s.clone()),
            _ => None,
        };
        // A literal that is a clean integer keeps the column's type (index lookups).
        if let Some(s) = text_side_literal(&l, &lt).or_else(|| text_side_literal(&r, &rt)) {
            let (x, xt) = literal_number(&s);
            if xt == SqlType::Int8 && !matches!(op, B::Spaceship) {
                let (l, lt, r, rt) = if lt == SqlType::Unknown { (x, xt, r, rt) } else { (l, lt, x, xt) };
                if rt == SqlType::Bool || lt == SqlType::Bool {
                    return Ok(None);
                }
                return Ok(Some(build(cast_num(l, &lt, &rt), cast_num(r, &rt, &lt))));
            }
        }
        if matches!(l, Expr::Param(_, SqlType::Unknown)) || matches!(r, Expr::Param(_, SqlType::Unknown)) {
            return Ok(None);
        }
        let (l, lt) = numeric_operand(b, l, lt)?;
        let (r, rt) = numeric_operand(b, r, rt)?;
        return Ok(Some(build(float(l, &lt), float(r, &rt))));
    }
    if matches!(op, B::Spaceship) {
        let (l, r) = unify_unknown(b, l, &lt, r, &rt)?;
        return Ok(Some(build(l, r)));
    }
    Ok(None)
}

/// `x` of type `t` next to a number of type `other`: the common numeric type.
/// `k = 'abc'`, an integer key column against a string with no number in it: MariaDB looks
/// the key up with the string converted silently (to 0), so no row means no warning 1292;
/// a row found compares equal to 0 (MariaDB then warns, Orbit does not).
fn key_lookup_of_text(b: &Binder, scope: &Scope, l: (&Expr, &SqlType), r: (&Expr, &SqlType)) -> Option<Bound> {
    // Only with the column first: MariaDB evaluates (and warns for) `'abc' = k`.
    let ((col, ct), text) = match (l, r) {
        ((Expr::Column { level: 0, index }, t), (Expr::Literal(Value::Text(s)), SqlType::Unknown)) => ((*index, t), s),
        _ => return None,
    };
    let c = scope.cols.get(col)?;
    let keyed = b.key_columns.iter().any(|(t, k)| c.table.as_deref() == Some(t) && k.eq_ignore_ascii_case(&c.name));
    let (_, whole) = super::types::numeric_prefix(text);
    let no_number = !whole && !text.trim_start().starts_with(|ch: char| ch.is_ascii_digit() || matches!(ch, '.' | '-' | '+'));
    if !keyed || !no_number || !is_integer(ct) {
        return None;
    }
    let column = Expr::Column { level: 0, index: col };
    let cmp = Expr::Binary { op: BinOp::Eq, left: Box::new(column), right: Box::new(Expr::Literal(Value::Int(0))), ty: SqlType::Bool };
    Some((cmp, SqlType::Bool))
}

fn cast_num(x: Expr, t: &SqlType, other: &SqlType) -> Expr {
    let ty = arith_type(t, other);
    if ty == SqlType::Int8 {
        x
    } else {
        cast(x, t, &ty)
    }
}

fn unify_unknown(b: &mut Binder, l: Expr, lt: &SqlType, r: Expr, rt: &SqlType) -> Result<(Expr, Expr), SqlError> {
    Ok(if *lt == SqlType::Unknown && *rt != SqlType::Unknown {
        (b.coerce(l, lt, rt)?, r)
    } else if *rt == SqlType::Unknown && *lt != SqlType::Unknown {
        let r = b.coerce(r, rt, lt)?;
        (l, r)
    } else {
        (l, r)
    })
}

/// MySQL's unit name of an INTERVAL or EXTRACT field.
pub fn unit_name(f: &ast::DateTimeField) -> String {
    use ast::DateTimeField as F;
    match f {
        F::Year | F::Years => "YEAR".into(),
        F::Month | F::Months => "MONTH".into(),
        F::Week(_) | F::Weeks => "WEEK".into(),
        F::Day | F::Days => "DAY".into(),
        F::Hour | F::Hours => "HOUR".into(),
        F::Minute | F::Minutes => "MINUTE".into(),
        F::Second | F::Seconds => "SECOND".into(),
        F::Microsecond | F::Microseconds => "MICROSECOND".into(),
        F::Quarter => "QUARTER".into(),
        other => other.to_string().to_uppercase(),
    }
}

/// The unit of an INTERVAL: `DAY`, or a composite such as `HOUR_MINUTE`.
pub fn interval_unit(iv: &ast::Interval) -> String {
    match (&iv.leading_field, &iv.last_field) {
        (Some(a), Some(b)) => format!("{}_{}", unit_name(a), unit_name(b)),
        (Some(a), None) => unit_name(a),
        _ => "SECOND".into(),
    }
}

/// `x + INTERVAL n unit` (and DATE_ADD / DATE_SUB): a DATE stays a DATE for day units
/// and up, a string becomes a DATETIME string, a DATETIME stays one.
#[allow(clippy::too_many_arguments)]
pub fn date_add(
    b: &mut Binder,
    x: Expr,
    t: SqlType,
    iv: &ast::Interval,
    scope: &Scope,
    agg: Option<&AggCtx>,
    subtract: bool,
) -> Result<Bound, SqlError> {
    let (n, _) = b.bind_expr(&iv.value, scope, agg)?;
    let unit = interval_unit(iv);
    let x = if t == SqlType::Unknown { b.coerce(x, &t, &SqlType::Text)? } else { x };
    let day_or_more = matches!(unit.as_str(), "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR" | "YEAR_MONTH");
    let ty = match t {
        SqlType::Date if day_or_more => SqlType::Date,
        SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz => SqlType::Timestamp,
        SqlType::Time => SqlType::Time,
        _ => SqlType::Text,
    };
    let sign = Expr::Literal(Value::Int(if subtract { -1 } else { 1 }));
    Ok(func("date_add", vec![x, n, Expr::Literal(Value::Text(unit)), sign], ty))
}

/// CAST(x AS type) / CONVERT(x, type) with MySQL's target types.
pub fn cast_to(b: &mut Binder, x: Expr, t: SqlType, dt: &ast::DataType) -> Result<Bound, SqlError> {
    use ast::DataType as D;
    let x = if t == SqlType::Unknown { b.coerce(x, &t, &SqlType::Text)? } else { x };
    Ok(match dt {
        D::Signed | D::SignedInteger | D::Int(_) | D::Integer(_) | D::BigInt(_) => func("signed", vec![x], SqlType::Int8),
        D::Unsigned | D::UnsignedInteger | D::IntUnsigned(_) | D::BigIntUnsigned(_) | D::IntegerUnsigned(_) => {
            func("unsigned", vec![x], SqlType::Numeric)
        }
        D::Char(len) | D::Varchar(len) | D::Nvarchar(len) | D::Character(len) => {
            let n = match len {
                Some(ast::CharacterLength::IntegerLength { length, .. }) => Value::Int(*length as i64),
                _ => Value::Null,
            };
            func("char", vec![x, Expr::Literal(n)], SqlType::Text)
        }
        D::Binary(_) | D::Varbinary(_) | D::Blob(_) => func("binary", vec![x], SqlType::Bytea),
        D::Decimal(info) | D::Numeric(info) | D::Dec(info) => {
            let (p, s) = match info {
                ast::ExactNumberInfo::None => (10, 0),
                ast::ExactNumberInfo::Precision(p) => (*p as i64, 0),
                ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p as i64, *s),
            };
            func("decimal", vec![x, Expr::Literal(Value::Int(p)), Expr::Literal(Value::Int(s))], SqlType::Numeric)
        }
        D::Double(_) | D::DoublePrecision | D::Real | D::Float(_) | D::Float8 | D::Float64 => {
            func("double", vec![x], SqlType::Float8)
        }
        D::Date => func("to_date", vec![x], SqlType::Date),
        D::Datetime(_) | D::Timestamp(..) => func("to_datetime", vec![x], SqlType::Timestamp),
        D::Time(..) => func("to_time", vec![x], SqlType::Time),
        D::JSON => func("to_json", vec![x], SqlType::Json),
        other => return Err(SqlError::not_supported(format!("CAST to {other}"))),
    })
}
