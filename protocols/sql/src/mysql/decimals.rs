//! MySQL's "decimals" of a result column: how many fractional digits its values show,
//! fixed per column and known from the expression, not from each value. `PI()` shows 6,
//! an aggregate over an integer column (`AVG`, `STDDEV_POP`, `VAR_POP`) 4
//! (div_precision_increment), `a / b` the dividend's plus 4, `dt3 + INTERVAL n
//! MICROSECOND` 6, a DATETIME(3) column 3. The listener formats DOUBLE, DECIMAL and
//! temporal values of the column with that many digits (text protocol, DECIMAL in the
//! binary one) and sends it as the column definition's `decimals`; stored values are
//! never rounded.
//!
//! Only the forms below are known; any other expression has no decimals (None) and its
//! values keep their own form. [`NOT_FIXED`] is MySQL's NOT_FIXED_DEC: a DOUBLE (or a
//! string used as a number) in its shortest form.

use super::origin;
use crate::plan::bind::Binder;
use crate::Column;
use sqlparser::ast;

/// MySQL's NOT_FIXED_DEC: no fixed number of decimals.
pub const NOT_FIXED: u8 = 31;
/// MySQL's DECIMAL_MAX_SCALE.
const MAX_SCALE: u8 = 30;
/// div_precision_increment (the session variable's default; it cannot be changed here).
const DIV_INCREMENT: u8 = 4;

/// Sets `decimals` on a MySQL query's result columns: a base-table column from its
/// declared type, a computed one from its expression.
pub fn attach(binder: &Binder<'_>, query: &ast::Query, columns: &mut [Column]) {
    for column in columns.iter_mut() {
        if let Some(o) = column.origin.as_deref().filter(|o| !o.mysql_type.is_empty()) {
            column.decimals = Some(of_type(&o.mysql_type));
        }
    }
    let Some(items) = origin::per_item(binder, query, of_expr) else { return };
    if items.len() != columns.len() {
        return;
    }
    for (column, d) in columns.iter_mut().zip(items) {
        if let Some(d) = d {
            column.decimals = Some(d);
        }
    }
}

/// The decimals of a declared MySQL type ("decimal(10,2)" → 2, "datetime(3)" → 3,
/// "double" → NOT_FIXED).
pub fn of_type(mysql_type: &str) -> u8 {
    let t = mysql_type.trim().to_ascii_lowercase();
    let head: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let args: Vec<u8> = t
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(a, _)| a.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    match head.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" | "bit" | "date" | "bool"
        | "boolean" => 0,
        "decimal" | "numeric" | "dec" | "fixed" => args.get(1).copied().unwrap_or(0).min(MAX_SCALE),
        "float" | "double" | "real" => match args.as_slice() {
            [_, s] => (*s).min(MAX_SCALE),
            _ => NOT_FIXED,
        },
        "datetime" | "timestamp" | "time" => args.first().copied().unwrap_or(0).min(6),
        _ => NOT_FIXED,
    }
}

/// The decimals of a select-list expression; None when not known.
pub fn of_expr(e: &ast::Expr, type_of: &origin::TypeOf<'_>) -> Option<u8> {
    use ast::BinaryOperator as B;
    let d = |x: &ast::Expr| of_expr(x, type_of);
    match e {
        ast::Expr::Nested(inner) => d(inner),
        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) => type_of(e).map(|t| of_type(&t)),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) if n.contains(['e', 'E']) => Some(NOT_FIXED),
            ast::Value::Number(n, _) => {
                Some(n.split_once('.').map_or(0, |(_, f)| f.len().min(MAX_SCALE as usize) as u8))
            }
            ast::Value::Null => Some(0),
            ast::Value::SingleQuotedString(_) | ast::Value::DoubleQuotedString(_) => Some(NOT_FIXED),
            _ => None,
        },
        ast::Expr::UnaryOp { op: ast::UnaryOperator::Minus | ast::UnaryOperator::Plus, expr } => d(expr),
        ast::Expr::BinaryOp { left, op, right } => {
            if let Some(i) = interval_decimals(right).or_else(|| interval_decimals(left)) {
                let other = if matches!(right.as_ref(), ast::Expr::Interval(_)) { left } else { right };
                return d(other).map(|o| if o >= NOT_FIXED { o } else { o.max(i) });
            }
            let (l, r) = (d(left)?, d(right)?);
            let fixed = |x: u8| if l >= NOT_FIXED || r >= NOT_FIXED { NOT_FIXED } else { x.min(MAX_SCALE) };
            match op {
                B::Plus | B::Minus | B::Modulo => Some(fixed(l.max(r))),
                B::Multiply => Some(fixed(l.saturating_add(r))),
                B::Divide => Some(fixed(l.saturating_add(DIV_INCREMENT))),
                B::MyIntegerDivide => Some(0),
                _ => None,
            }
        }
        ast::Expr::Function(f) => function(f, type_of),
        _ => None,
    }
}

/// An `INTERVAL n unit` operand's decimals: 6 for a unit with microseconds, else 0.
fn interval_decimals(e: &ast::Expr) -> Option<u8> {
    let ast::Expr::Interval(i) = e else { return None };
    let unit = i.leading_field.as_ref().map(|f| f.to_string().to_ascii_uppercase()).unwrap_or_default();
    Some(if unit.ends_with("MICROSECOND") { 6 } else { 0 })
}

fn function(f: &ast::Function, type_of: &origin::TypeOf<'_>) -> Option<u8> {
    let name = match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => i.value.to_ascii_lowercase(),
        _ => return None,
    };
    if name == "count" {
        return Some(0);
    }
    let args: Vec<&ast::Expr> = match &f.args {
        ast::FunctionArguments::None => Vec::new(),
        ast::FunctionArguments::List(list) if list.clauses.is_empty() => list
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    if f.filter.is_some() || f.over.is_some() {
        return None;
    }
    let first = || args.first().and_then(|x| of_expr(x, type_of));
    let plus_increment =
        |x: u8| if x >= NOT_FIXED { NOT_FIXED } else { x.saturating_add(DIV_INCREMENT).min(MAX_SCALE) };
    match (name.as_str(), args.len()) {
        ("pi", 0) => Some(6),
        // The statistical aggregates as the MySQL rewrite names them (and as written).
        (
            "avg"
            | "std"
            | "stddev"
            | "stddev_pop"
            | "stddev_samp"
            | "variance"
            | "var_pop"
            | "var_samp"
            | "__orbit_stddev_pop"
            | "__orbit_var_pop"
            | "__orbit_stddev_samp"
            | "__orbit_var_samp",
            1,
        ) => first().map(plus_increment),
        ("sum" | "min" | "max", 1) => first(),
        _ => None,
    }
}
