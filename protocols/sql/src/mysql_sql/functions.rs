//! MySQL's scalar functions: typing ([`bind_call`], from the binder) and evaluation
//! ([`call`], from the expression evaluator for every `__my_*` function). Strings are
//! handled in characters except LENGTH (bytes); string ↔ number conversions follow
//! MySQL (see [`super::types::numeric_prefix`]); NULL in gives NULL out unless the
//! function says otherwise (CONCAT_WS, IFNULL, COALESCE, ...). Date and time helpers are
//! in [`super::datetime`].

use super::datetime;
use super::expr::{date_add, interval_unit};
use super::types::numeric_prefix;
use crate::error::{sqlstate, SqlError};
use crate::expr::Expr;
use crate::plan::bind::{AggCtx, Binder, Scope};
use crate::types::SqlType;
use bigdecimal::{BigDecimal, RoundingMode, Signed, ToPrimitive, Zero};
use orbit_storage::Value;
use sqlparser::ast;

type Bound = (Expr, SqlType);

fn my(name: &str, args: Vec<Expr>, ty: SqlType) -> Bound {
    (Expr::Func { name: format!("__my_{name}"), args, ty: ty.clone() }, ty)
}

fn wrong_count(name: &str) -> SqlError {
    SqlError::new(
        super::errors::SYNTAX,
        format!("Incorrect parameter count in the call to native function '{}'", name.to_uppercase()),
    )
    .with_mysql_errno(1582)
}

/// The common type of CASE-like results (IF, IFNULL, COALESCE, GREATEST, LEAST).
fn common(types: &[SqlType]) -> SqlType {
    let known: Vec<&SqlType> = types.iter().filter(|t| **t != SqlType::Unknown).collect();
    if known.is_empty() {
        return SqlType::Text;
    }
    if known.iter().all(|t| *t == known[0]) {
        return known[0].clone();
    }
    if known.iter().all(|t| crate::expr::cast::is_numeric(t) || **t == SqlType::Bool) {
        if known.iter().any(|t| matches!(t, SqlType::Float4 | SqlType::Float8)) {
            return SqlType::Float8;
        }
        if known.iter().any(|t| **t == SqlType::Numeric) {
            return SqlType::Numeric;
        }
        return SqlType::Int8;
    }
    SqlType::Text
}

/// MySQL's typing of a function call, or `None` for names the shared binder knows
/// (aggregates, window functions, and the PostgreSQL library).
pub fn bind_call(b: &mut Binder, f: &ast::Function, scope: &Scope, agg: Option<&AggCtx>) -> Result<Option<Bound>, SqlError> {
    let name = match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => i.value.to_lowercase(),
        _ => return Ok(None),
    };
    if f.over.is_some() {
        return Ok(None);
    }
    let list: Vec<&ast::FunctionArg> = match &f.args {
        ast::FunctionArguments::None => Vec::new(),
        ast::FunctionArguments::List(l) => {
            if !l.clauses.is_empty() || l.duplicate_treatment.is_some() {
                return Ok(None);
            }
            l.args.iter().collect()
        }
        ast::FunctionArguments::Subquery(_) => return Ok(None),
    };
    let exprs: Vec<&ast::Expr> = list
        .iter()
        .filter_map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
            _ => None,
        })
        .collect();
    if exprs.len() != list.len() {
        return Ok(None);
    }
    // Calls whose arguments are not plain expressions.
    match name.as_str() {
        "date_add" | "date_sub" | "adddate" | "subdate" if exprs.len() == 2 => {
            let (x, t) = b.bind_expr(exprs[0], scope, agg)?;
            let subtract = name == "date_sub" || name == "subdate";
            return Ok(Some(match exprs[1] {
                ast::Expr::Interval(iv) => date_add(b, x, t, iv, scope, agg, subtract)?,
                n => {
                    let iv = ast::Interval {
                        value: Box::new(n.clone()),
                        leading_field: Some(ast::DateTimeField::Day),
                        leading_precision: None,
                        last_field: None,
                        fractional_seconds_precision: None,
                    };
                    date_add(b, x, t, &iv, scope, agg, subtract)?
                }
            }));
        }
        "timestampdiff" | "timestampadd" if exprs.len() == 3 => {
            let unit = match exprs[0] {
                ast::Expr::Identifier(i) => i.value.to_uppercase(),
                other => other.to_string().to_uppercase(),
            };
            let (a, at) = b.bind_expr(exprs[1], scope, agg)?;
            let (c, ct) = b.bind_expr(exprs[2], scope, agg)?;
            let a = b.coerce(a, &at, &SqlType::Text)?;
            let c = b.coerce(c, &ct, &SqlType::Text)?;
            let unit = Expr::Literal(Value::Text(unit));
            return Ok(Some(if name == "timestampdiff" {
                my("timestampdiff", vec![unit, a, c], SqlType::Int8)
            } else {
                my("timestampadd", vec![unit, a, c], SqlType::Timestamp)
            }));
        }
        _ => {}
    }
    let mut args = Vec::with_capacity(exprs.len());
    let mut types = Vec::with_capacity(exprs.len());
    for x in &exprs {
        let (e, t) = match x {
            ast::Expr::Interval(iv) => {
                // An INTERVAL outside DATE_ADD: its amount, unit dropped.
                let _ = interval_unit(iv);
                b.bind_expr(&iv.value, scope, agg)?
            }
            x => b.bind_expr(x, scope, agg)?,
        };
        let e = if t == SqlType::Unknown { b.coerce(e, &t, &SqlType::Text)? } else { e };
        args.push(e);
        types.push(if t == SqlType::Unknown { SqlType::Text } else { t });
    }
    let n = args.len();
    let need = |ok: bool| if ok { Ok(()) } else { Err(wrong_count(&name)) };
    use SqlType as T;
    let ty = match name.as_str() {
        "concat" | "concat_ws" | "substring" | "substr" | "mid" | "substring_index" | "left" | "right" | "upper"
        | "ucase" | "lower" | "lcase" | "trim" | "ltrim" | "rtrim" | "lpad" | "rpad" | "replace" | "reverse"
        | "repeat" | "elt" | "hex" | "md5" | "sha1" | "sha" | "sha2" | "uuid" | "space" | "date_format"
        | "time_format" | "monthname" | "dayname" | "char" | "format" | "quote" | "insert" | "soundex"
        | "json_unquote" | "json_type" | "bin" | "oct" | "conv" | "database" | "schema" | "version" | "user"
        | "current_user" | "session_user" | "system_user" | "to_base64" => {
            match name.as_str() {
                "substring" | "substr" | "mid" => need((2..=3).contains(&n))?,
                "left" | "right" | "repeat" | "substring_index" => need(n == 2 || (name == "substring_index" && n == 3))?,
                "lpad" | "rpad" | "replace" => need(n == 3)?,
                "upper" | "ucase" | "lower" | "lcase" | "reverse" | "hex" | "md5" | "sha1" | "sha" | "space"
                | "monthname" | "dayname" | "quote" | "soundex" | "json_unquote" | "json_type" | "bin" | "oct"
                | "to_base64" => need(n == 1)?,
                "uuid" | "database" | "schema" | "version" | "user" | "current_user" | "session_user"
                | "system_user" => need(n == 0)?,
                "concat_ws" | "elt" => need(n >= 2)?,
                "concat" => need(n >= 1)?,
                "sha2" | "date_format" | "time_format" => need(n == 2)?,
                _ => {}
            }
            if matches!(name.as_str(), "database" | "schema" | "version" | "user" | "current_user" | "session_user" | "system_user") {
                // Session values belong to the session surface.
                return Ok(None);
            }
            T::Text
        }
        "length" | "octet_length" | "char_length" | "character_length" | "bit_length" | "locate" | "instr"
        | "position" | "field" | "find_in_set" | "ascii" | "ord" | "strcmp" | "crc32" | "sign" | "datediff"
        | "year" | "month" | "day" | "dayofmonth" | "hour" | "minute" | "second" | "microsecond" | "dayofweek"
        | "dayofyear" | "weekday" | "week" | "weekofyear" | "quarter" | "yearweek" | "to_days" | "unix_timestamp"
        | "time_to_sec" | "period_diff" | "json_length" | "json_valid" | "json_contains" | "interval"
        | "isnull" | "uncompressed_length" | "last_day_num" => {
            match name.as_str() {
                "locate" | "position" => need((2..=3).contains(&n))?,
                "instr" | "find_in_set" | "strcmp" | "datediff" => need(n == 2)?,
                "field" => need(n >= 2)?,
                "unix_timestamp" => need(n <= 1)?,
                _ => need(n >= 1)?,
            }
            if name == "unix_timestamp" && n == 1 && matches!(types[0], T::Timestamp | T::Text | T::Varchar | T::Date) {
                T::Numeric
            } else {
                T::Int8
            }
        }
        "last_day" => {
            need(n == 1)?;
            T::Date
        }
        "if" => {
            need(n == 3)?;
            common(&types[1..])
        }
        "ifnull" | "nullif" => {
            need(n == 2)?;
            if name == "nullif" {
                types[0].clone()
            } else {
                common(&types)
            }
        }
        "coalesce" | "greatest" | "least" => {
            need(n >= 1 && (name == "coalesce" || n >= 2))?;
            common(&types)
        }
        "abs" => {
            need(n == 1)?;
            match &types[0] {
                t if crate::expr::cast::is_integer(t) => T::Int8,
                T::Numeric => T::Numeric,
                _ => T::Float8,
            }
        }
        "ceil" | "ceiling" | "floor" => {
            need(n == 1)?;
            match &types[0] {
                t if crate::expr::cast::is_integer(t) => T::Int8,
                T::Numeric => T::Numeric,
                _ => T::Float8,
            }
        }
        "round" | "truncate" => {
            need(if name == "round" { (1..=2).contains(&n) } else { n == 2 })?;
            match &types[0] {
                t if crate::expr::cast::is_integer(t) => T::Int8,
                T::Numeric => T::Numeric,
                _ => T::Float8,
            }
        }
        "mod" => {
            need(n == 2)?;
            let both_int = types.iter().all(crate::expr::cast::is_integer);
            if both_int {
                T::Int8
            } else if types.iter().any(|t| matches!(t, T::Float4 | T::Float8 | T::Text | T::Varchar)) {
                T::Float8
            } else {
                T::Numeric
            }
        }
        "pow" | "power" | "sqrt" | "exp" | "ln" | "log" | "log2" | "log10" | "pi" | "rand" | "sin" | "cos" | "tan"
        | "asin" | "acos" | "atan" | "atan2" | "cot" | "degrees" | "radians" => {
            match name.as_str() {
                "pow" | "power" | "atan2" => need(n == 2)?,
                "pi" => need(n == 0)?,
                "rand" => need(n <= 1)?,
                "log" | "atan" => need((1..=2).contains(&n))?,
                _ => need(n == 1)?,
            }
            T::Float8
        }
        "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate" | "utc_timestamp" => T::Timestamp,
        "curdate" | "current_date" | "utc_date" => T::Date,
        "curtime" | "current_time" | "utc_time" => T::Time,
        "from_unixtime" => {
            need((1..=2).contains(&n))?;
            if n == 2 {
                T::Text
            } else {
                T::Timestamp
            }
        }
        "str_to_date" => {
            need(n == 2)?;
            T::Timestamp
        }
        "date" => {
            need(n == 1)?;
            T::Date
        }
        "time" => {
            need(n == 1)?;
            T::Time
        }
        "timestamp" => {
            need(n == 1)?;
            T::Timestamp
        }
        "from_days" | "makedate" => T::Date,
        "sec_to_time" | "maketime" => T::Time,
        "unhex" | "from_base64" => {
            need(n == 1)?;
            T::Bytea
        }
        "json_extract" => {
            need(n >= 2)?;
            T::Json
        }
        "json_object" | "json_array" | "json_set" | "json_insert" | "json_replace" | "json_remove" | "json_keys"
        | "json_quote" | "json_merge_patch" | "json_merge_preserve" => T::Json,
        "last_insert_id" | "row_count" | "found_rows" | "connection_id" => return Ok(None),
        _ => return Ok(None),
    };
    let name = match name.as_str() {
        "substr" | "mid" => "substring".to_string(),
        "ucase" => "upper".into(),
        "lcase" => "lower".into(),
        "ceiling" => "ceil".into(),
        "power" => "pow".into(),
        "sha" => "sha1".into(),
        "character_length" => "char_length".into(),
        "octet_length" => "length".into(),
        "dayofmonth" => "day".into(),
        "current_timestamp" | "localtime" | "localtimestamp" => "now".into(),
        "current_date" => "curdate".into(),
        "current_time" => "curtime".into(),
        "position" => "locate".into(),
        other => other.to_string(),
    };
    // Argument order of INSTR is (str, substr); LOCATE's is (substr, str[, pos]).
    if name == "instr" {
        args.swap(0, 1);
        return Ok(Some(my("locate", args, ty)));
    }
    Ok(Some(my(&name, args, ty)))
}

fn text(v: &Value) -> String {
    super::types::as_text(v.clone())
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::Float(f) => f.round() as i64,
        Value::Decimal(d) => d.with_scale_round(0, RoundingMode::HalfUp).to_i64().unwrap_or(i64::MAX),
        other => numeric_prefix(&text(other)).0.with_scale_round(0, RoundingMode::HalfUp).to_i64().unwrap_or(0),
    }
}

pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Bool(b) => *b as i64 as f64,
        Value::Float(f) => *f,
        Value::Decimal(d) => d.to_f64().unwrap_or(0.0),
        Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) | Value::Time(_) => datetime::as_number(v),
        other => numeric_prefix(&text(other)).0.to_f64().unwrap_or(0.0),
    }
}

fn dec(v: &Value) -> BigDecimal {
    match v {
        Value::Int(i) => BigDecimal::from(*i),
        Value::Bool(b) => BigDecimal::from(*b as i64),
        Value::Float(f) => f.to_string().parse().unwrap_or_default(),
        Value::Decimal(d) => d.clone(),
        other => numeric_prefix(&text(other)).0,
    }
}

/// A number in the kind `ty` asks for.
fn typed(ty: &SqlType, i: impl FnOnce() -> Option<i64>, d: impl FnOnce() -> BigDecimal, f: impl FnOnce() -> f64) -> Value {
    match ty {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => i().map(Value::Int).unwrap_or(Value::Null),
        SqlType::Numeric => Value::Decimal(d()),
        _ => Value::Float(f()),
    }
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// MySQL's 1-based (negative: from the end) substring.
fn substring(s: &str, pos: i64, len: Option<i64>) -> String {
    let c = chars(s);
    let n = c.len() as i64;
    let start = if pos > 0 { pos - 1 } else if pos < 0 { n + pos } else { return String::new() };
    if start < 0 || start >= n {
        return String::new();
    }
    let end = match len {
        Some(l) if l <= 0 => return String::new(),
        Some(l) => (start + l).min(n),
        None => n,
    };
    c[start as usize..end as usize].iter().collect()
}

fn pad(s: &str, len: i64, with: &str, left: bool) -> Option<String> {
    if len < 0 {
        return None;
    }
    let c = chars(s);
    let len = len as usize;
    if c.len() >= len {
        return Some(c[..len].iter().collect());
    }
    let w = chars(with);
    if w.is_empty() {
        return None;
    }
    let fill: String = w.iter().cycle().take(len - c.len()).collect();
    Some(if left { format!("{fill}{s}") } else { format!("{s}{fill}") })
}

fn hex(v: &Value) -> String {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Decimal(_) => format!("{:X}", int(v)),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        other => text(other).bytes().map(|x| format!("{x:02X}")).collect(),
    }
}

fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.clone(),
        other => text(other).into_bytes(),
    }
}

fn round_dec(d: &BigDecimal, places: i64, truncate: bool) -> BigDecimal {
    let mode = if truncate { RoundingMode::Down } else { RoundingMode::HalfUp };
    if places >= 0 {
        d.with_scale_round(places, mode)
    } else {
        let f = BigDecimal::from(10i64.pow((-places).min(18) as u32));
        ((d / &f).with_scale_round(0, mode) * f).with_scale(0)
    }
}

fn round_f64(x: f64, places: i64, truncate: bool) -> f64 {
    let f = 10f64.powi(places.clamp(-308, 308) as i32);
    let y = x * f;
    let r = if truncate { y.trunc() } else if (y - y.trunc()).abs() == 0.5 { y.trunc() + y.signum() } else { y.round() };
    r / f
}

fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => crate::expr::compare::compare(a, b).unwrap_or_else(|| num(a).partial_cmp(&num(b)).unwrap_or(std::cmp::Ordering::Equal)),
    }
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        other => Some(num(other) != 0.0),
    }
}

/// Evaluates `__my_<name>` (the prefix already stripped).
pub fn call(name: &str, args: Vec<Value>, ty: &SqlType, now: i64) -> Result<Value, SqlError> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let null_safe = matches!(
        name,
        "concat_ws" | "ifnull" | "if" | "coalesce" | "nullif" | "xor" | "truth" | "elt" | "field" | "now" | "curdate"
            | "curtime" | "sysdate" | "utc_timestamp" | "utc_date" | "utc_time" | "rand" | "uuid" | "pi"
            | "unix_timestamp" | "json_object" | "json_array" | "isnull" | "ci" | "char"
    );
    if !null_safe && args.iter().any(|a| a.is_null()) {
        return Ok(Value::Null);
    }
    if let Some(v) = datetime::call(name, &args, ty, now)? {
        return Ok(v);
    }
    Ok(match name {
        // ----- conversions and operators -----
        "num" => Value::Float(num(&arg(0))),
        "int" => Value::Int(int(&arg(0))),
        "text" => Value::Text(text(&arg(0))),
        "ci" => match arg(0) {
            Value::Null => Value::Null,
            v => Value::Text(text(&v).to_lowercase()),
        },
        "truth" => truthy(&arg(0)).map(Value::Bool).unwrap_or(Value::Null),
        "xor" => match (truthy(&arg(0)), truthy(&arg(1))) {
            (Some(a), Some(b)) => Value::Bool(a != b),
            _ => Value::Null,
        },
        "intdiv" => {
            let (a, b) = (dec(&arg(0)), dec(&arg(1)));
            if b.is_zero() {
                return Ok(Value::Null);
            }
            let q = (a / b).with_scale_round(0, RoundingMode::Down);
            Value::Int(q.to_i64().ok_or_else(|| super::errors::unsigned_out_of_range("DIV"))?)
        }
        "div" => {
            if *ty == SqlType::Float8 {
                let b = num(&arg(1));
                if b == 0.0 {
                    return Ok(Value::Null);
                }
                Value::Float(num(&arg(0)) / b)
            } else {
                let (a, b) = (dec(&arg(0)), dec(&arg(1)));
                if b.is_zero() {
                    return Ok(Value::Null);
                }
                // Scale: the dividend's plus div_precision_increment (4).
                let scale = a.as_bigint_and_exponent().1.max(0) + 4;
                Value::Decimal((a / b).with_scale_round(scale, RoundingMode::HalfUp))
            }
        }
        "mod" => match ty {
            SqlType::Int8 => {
                let b = int(&arg(1));
                if b == 0 {
                    return Ok(Value::Null);
                }
                Value::Int(int(&arg(0)).wrapping_rem(b))
            }
            SqlType::Numeric => {
                let b = dec(&arg(1));
                if b.is_zero() {
                    return Ok(Value::Null);
                }
                Value::Decimal(dec(&arg(0)) % b)
            }
            _ => {
                let b = num(&arg(1));
                if b == 0.0 {
                    return Ok(Value::Null);
                }
                Value::Float(num(&arg(0)) % b)
            }
        },
        "signed" => Value::Int(match arg(0) {
            Value::Text(s) => numeric_prefix(&s).0.with_scale_round(0, RoundingMode::Down).to_i64().unwrap_or(i64::MAX),
            v => int(&v),
        }),
        "unsigned" => {
            let d = dec(&arg(0)).with_scale_round(0, RoundingMode::HalfUp);
            let d = if d.is_negative() { d + BigDecimal::from(u64::MAX) + BigDecimal::from(1) } else { d };
            Value::Decimal(d)
        }
        "char" => match arg(0) {
            Value::Null => Value::Null,
            v => {
                let s = text(&v);
                match arg(1) {
                    Value::Int(n) if n >= 0 => Value::Text(s.chars().take(n as usize).collect()),
                    _ => Value::Text(s),
                }
            }
        },
        "binary" => Value::Bytes(bytes(&arg(0))),
        "decimal" => {
            let (p, s) = (int(&arg(1)), int(&arg(2)));
            let d = dec(&arg(0)).with_scale_round(s, RoundingMode::HalfUp);
            let max = BigDecimal::from(10i64.pow((p - s).clamp(0, 18) as u32)) - BigDecimal::new(1.into(), s);
            Value::Decimal(if d > max { max } else if d < -max.clone() { -max } else { d })
        }
        "double" => Value::Float(num(&arg(0))),
        "to_json" => Value::Json(match arg(0) {
            Value::Json(j) => j,
            other => {
                let t = text(&other);
                serde_json::from_str::<serde_json::Value>(&t)
                    .map_err(|_| SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, "Invalid JSON text in argument 1 to function cast_as_json").with_mysql_errno(3141))?
                    .to_string()
            }
        }),
        // ----- strings -----
        "concat" => Value::Text(args.iter().map(text).collect()),
        "concat_ws" => {
            let Value::Text(sep) = arg(0) else {
                if arg(0).is_null() {
                    return Ok(Value::Null);
                }
                return Ok(Value::Text(args[1..].iter().filter(|a| !a.is_null()).map(text).collect::<Vec<_>>().join(&text(&arg(0)))));
            };
            Value::Text(args[1..].iter().filter(|a| !a.is_null()).map(text).collect::<Vec<_>>().join(&sep))
        }
        "substring" => {
            let len = if args.len() > 2 { Some(int(&arg(2))) } else { None };
            Value::Text(substring(&text(&arg(0)), int(&arg(1)), len))
        }
        "substring_index" => {
            let (s, d, n) = (text(&arg(0)), text(&arg(1)), int(&arg(2)));
            if d.is_empty() || n == 0 {
                return Ok(Value::Text(String::new()));
            }
            let parts: Vec<&str> = s.split(d.as_str()).collect();
            let k = n.unsigned_abs() as usize;
            Value::Text(if k >= parts.len() {
                s.clone()
            } else if n > 0 {
                parts[..k].join(&d)
            } else {
                parts[parts.len() - k..].join(&d)
            })
        }
        "left" => Value::Text(chars(&text(&arg(0))).into_iter().take(int(&arg(1)).max(0) as usize).collect()),
        "right" => {
            let c = chars(&text(&arg(0)));
            let k = (int(&arg(1)).max(0) as usize).min(c.len());
            Value::Text(c[c.len() - k..].iter().collect())
        }
        "length" => Value::Int(bytes(&arg(0)).len() as i64),
        "bit_length" => Value::Int(bytes(&arg(0)).len() as i64 * 8),
        "char_length" => Value::Int(match arg(0) {
            Value::Bytes(b) => b.len() as i64,
            v => text(&v).chars().count() as i64,
        }),
        "upper" => Value::Text(text(&arg(0)).to_uppercase()),
        "lower" => Value::Text(text(&arg(0)).to_lowercase()),
        "trim" => Value::Text(text(&arg(0)).trim_matches(' ').to_string()),
        "ltrim" => Value::Text(text(&arg(0)).trim_start_matches(' ').to_string()),
        "rtrim" => Value::Text(text(&arg(0)).trim_end_matches(' ').to_string()),
        "lpad" | "rpad" => match pad(&text(&arg(0)), int(&arg(1)), &text(&arg(2)), name == "lpad") {
            Some(s) => Value::Text(s),
            None => Value::Null,
        },
        "replace" => {
            let from = text(&arg(1));
            if from.is_empty() {
                return Ok(Value::Text(text(&arg(0))));
            }
            Value::Text(text(&arg(0)).replace(&from, &text(&arg(2))))
        }
        "reverse" => Value::Text(text(&arg(0)).chars().rev().collect()),
        "repeat" => Value::Text(text(&arg(0)).repeat(int(&arg(1)).clamp(0, 1 << 20) as usize)),
        "space" => Value::Text(" ".repeat(int(&arg(0)).clamp(0, 1 << 20) as usize)),
        "locate" => {
            let (sub, s) = (text(&arg(0)).to_lowercase(), chars(&text(&arg(1)).to_lowercase()));
            let start = if args.len() > 2 { int(&arg(2)) } else { 1 };
            if start < 1 || start as usize > s.len() + 1 {
                return Ok(Value::Int(0));
            }
            let hay: String = s[start as usize - 1..].iter().collect();
            Value::Int(match hay.find(&sub) {
                Some(byte) => hay[..byte].chars().count() as i64 + start,
                None => 0,
            })
        }
        "field" => {
            if arg(0).is_null() {
                return Ok(Value::Int(0));
            }
            let pos = args[1..].iter().position(|v| !v.is_null() && compare_values(&args[0], v) == std::cmp::Ordering::Equal);
            Value::Int(pos.map(|p| p as i64 + 1).unwrap_or(0))
        }
        "elt" => {
            let k = match arg(0) {
                Value::Null => return Ok(Value::Null),
                v => int(&v),
            };
            if k >= 1 && (k as usize) < args.len() {
                match &args[k as usize] {
                    Value::Null => Value::Null,
                    v => Value::Text(text(v)),
                }
            } else {
                Value::Null
            }
        }
        "find_in_set" => {
            let (s, list) = (text(&arg(0)), text(&arg(1)));
            if s.contains(',') {
                return Ok(Value::Int(0));
            }
            Value::Int(list.split(',').position(|p| p.eq_ignore_ascii_case(&s)).map(|p| p as i64 + 1).unwrap_or(0))
        }
        "ascii" | "ord" => Value::Int(bytes(&arg(0)).first().copied().unwrap_or(0) as i64),
        "strcmp" => Value::Int(match compare_values(&arg(0), &arg(1)) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "hex" => Value::Text(hex(&arg(0))),
        "unhex" => {
            let s = text(&arg(0));
            let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
            let mut out = Vec::with_capacity(s.len() / 2);
            for i in (0..s.len()).step_by(2) {
                match u8::from_str_radix(&s[i..i + 2], 16) {
                    Ok(b) => out.push(b),
                    Err(_) => return Ok(Value::Null),
                }
            }
            Value::Bytes(out)
        }
        "md5" => Value::Text(format!("{:x}", md5::compute(bytes(&arg(0))))),
        "sha1" => Value::Text(digest_hex(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &bytes(&arg(0)))),
        "sha2" => {
            let alg = match int(&arg(1)) {
                0 | 256 => &ring::digest::SHA256,
                384 => &ring::digest::SHA384,
                512 => &ring::digest::SHA512,
                _ => return Ok(Value::Null),
            };
            Value::Text(digest_hex(alg, &bytes(&arg(0))))
        }
        "to_base64" => {
            use base64::Engine;
            Value::Text(base64::engine::general_purpose::STANDARD.encode(bytes(&arg(0))))
        }
        "crc32" => Value::Int(crc32(&bytes(&arg(0))) as i64),
        "uuid" => {
            let r = crate::expr::functions::random_u64();
            let t = now as u64;
            let s = format!("{:016x}{:016x}", t.wrapping_mul(10).wrapping_add(0x01b21dd213814000), r);
            Value::Text(format!("{}-{}-1{}-{}-{}", &s[8..16], &s[4..8], &s[1..4], &s[16..20], &s[20..32]))
        }
        "quote" => Value::Text(format!("'{}'", text(&arg(0)).replace('\\', "\\\\").replace('\'', "\\'"))),
        // ----- conditionals -----
        "if" => {
            if truthy(&arg(0)) == Some(true) {
                cast_result(arg(1), ty)?
            } else {
                cast_result(arg(2), ty)?
            }
        }
        "ifnull" => cast_result(if arg(0).is_null() { arg(1) } else { arg(0) }, ty)?,
        "coalesce" => cast_result(args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null), ty)?,
        "nullif" => {
            if !arg(0).is_null() && !arg(1).is_null() && compare_values(&arg(0), &arg(1)) == std::cmp::Ordering::Equal {
                Value::Null
            } else {
                arg(0)
            }
        }
        "isnull" => Value::Int(arg(0).is_null() as i64),
        "greatest" | "least" => {
            let mut best = arg(0);
            for v in &args[1..] {
                let o = compare_values(v, &best);
                if (name == "greatest" && o == std::cmp::Ordering::Greater) || (name == "least" && o == std::cmp::Ordering::Less) {
                    best = v.clone();
                }
            }
            cast_result(best, ty)?
        }
        // ----- numbers -----
        "abs" => typed(ty, || int(&arg(0)).checked_abs(), || dec(&arg(0)).abs(), || num(&arg(0)).abs()),
        "ceil" | "floor" => {
            let up = name == "ceil";
            typed(
                ty,
                || Some(int(&arg(0))),
                || dec(&arg(0)).with_scale_round(0, if up { RoundingMode::Ceiling } else { RoundingMode::Floor }),
                || if up { num(&arg(0)).ceil() } else { num(&arg(0)).floor() },
            )
        }
        "round" | "truncate" => {
            let places = if args.len() > 1 { int(&arg(1)) } else { 0 };
            let t = name == "truncate";
            typed(
                ty,
                || round_dec(&dec(&arg(0)), places.min(0), t).to_i64(),
                || round_dec(&dec(&arg(0)), places, t),
                || round_f64(num(&arg(0)), places, t),
            )
        }
        "sign" => Value::Int(match num(&arg(0)) {
            x if x > 0.0 => 1,
            x if x < 0.0 => -1,
            _ => 0,
        }),
        "pow" => Value::Float(num(&arg(0)).powf(num(&arg(1)))),
        "sqrt" => {
            let x = num(&arg(0));
            if x < 0.0 {
                Value::Null
            } else {
                Value::Float(x.sqrt())
            }
        }
        "exp" => Value::Float(num(&arg(0)).exp()),
        "ln" | "log" | "log2" | "log10" => {
            let (base, x) = if name == "log" && args.len() == 2 { (Some(num(&arg(0))), num(&arg(1))) } else { (None, num(&arg(0))) };
            if x <= 0.0 {
                return Ok(Value::Null);
            }
            Value::Float(match (name, base) {
                ("log2", _) => x.log2(),
                ("log10", _) => x.log10(),
                (_, Some(b)) if b > 0.0 && b != 1.0 => x.ln() / b.ln(),
                (_, Some(_)) => return Ok(Value::Null),
                _ => x.ln(),
            })
        }
        "pi" => Value::Float(std::f64::consts::PI),
        "sin" => Value::Float(num(&arg(0)).sin()),
        "cos" => Value::Float(num(&arg(0)).cos()),
        "tan" => Value::Float(num(&arg(0)).tan()),
        "asin" => Value::Float(num(&arg(0)).asin()),
        "acos" => Value::Float(num(&arg(0)).acos()),
        "atan" => Value::Float(if args.len() == 2 { num(&arg(0)).atan2(num(&arg(1))) } else { num(&arg(0)).atan() }),
        "atan2" => Value::Float(num(&arg(0)).atan2(num(&arg(1)))),
        "cot" => Value::Float(1.0 / num(&arg(0)).tan()),
        "degrees" => Value::Float(num(&arg(0)).to_degrees()),
        "radians" => Value::Float(num(&arg(0)).to_radians()),
        "rand" => Value::Float(match arg(0) {
            Value::Null => (crate::expr::functions::random_u64() >> 11) as f64 / (1u64 << 53) as f64,
            seed => seeded_rand(int(&seed)),
        }),
        "format" => {
            let places = int(&arg(1)).clamp(0, 30);
            let d = dec(&arg(0)).with_scale_round(places, RoundingMode::HalfUp);
            Value::Text(group_thousands(&crate::format::format_decimal(&d)))
        }
        // ----- JSON -----
        "json_extract" | "json_unquote" | "json_object" | "json_array" | "json_type" | "json_length" | "json_valid"
        | "json_keys" | "json_quote" | "json_contains" => super::json::call(name, &args)?,
        other => {
            return Err(SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, format!("function {other} is not supported")))
        }
    })
}

fn cast_result(v: Value, ty: &SqlType) -> Result<Value, SqlError> {
    if v.is_null() {
        return Ok(v);
    }
    Ok(match ty {
        SqlType::Text => Value::Text(text(&v)),
        SqlType::Int8 => Value::Int(int(&v)),
        SqlType::Float8 => Value::Float(num(&v)),
        SqlType::Numeric => Value::Decimal(dec(&v)),
        _ => v,
    })
}

fn digest_hex(alg: &'static ring::digest::Algorithm, data: &[u8]) -> String {
    ring::digest::digest(alg, data).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// RAND(N): MySQL's seeded generator (my_rnd), first value.
fn seeded_rand(seed: i64) -> f64 {
    let max: u64 = 0x3FFF_FFFF;
    let s = seed as u32;
    let mut seed1 = s.wrapping_mul(0x10001).wrapping_add(55_555_555) as u64 % max;
    let seed2 = s.wrapping_mul(0x1000_0001) as u64 % max;
    seed1 = (seed1 * 3 + seed2) % max;
    seed1 as f64 / max as f64
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", s));
    let (int_part, frac) = rest.split_once('.').map(|(a, b)| (a, Some(b))).unwrap_or((rest, None));
    let mut out = String::new();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}
