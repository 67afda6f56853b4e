//! Arithmetic with PostgreSQL's overflow and division rules, and the scalar function
//! library (string, math, date/time, conditional). Function *typing* lives in the binder
//! ([`return_type`]); evaluation here.

use crate::error::{sqlstate, SqlError};
use crate::expr::cast::{cast_value, check_int_range, int_out_of_range};
use crate::expr::compare::compare;
use crate::expr::BinOp;
use crate::format::{civil_from_days, days_from_civil, days_in_month, MICROS_PER_DAY};
use crate::types::SqlType;
use bigdecimal::{BigDecimal, RoundingMode, Signed, ToPrimitive, Zero};
use orbit_storage::{Interval, Value};
use std::cmp::Ordering;

pub fn division_by_zero() -> SqlError {
    SqlError::new(sqlstate::DIVISION_BY_ZERO, "division by zero")
}

fn to_decimal(v: &Value) -> Option<BigDecimal> {
    match v {
        Value::Int(i) => Some(BigDecimal::from(*i)),
        Value::Decimal(d) => Some(d.clone()),
        _ => None,
    }
}

fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(d) => d.to_f64(),
        _ => None,
    }
}

/// Natural logarithm of a positive numeric to about `prec` significant digits.
fn numeric_ln(x: &BigDecimal, prec: u64) -> BigDecimal {
    let ctx = bigdecimal::Context::default().with_prec(prec).unwrap_or_default();
    let one = BigDecimal::from(1);
    let threshold: BigDecimal = "0.001".parse().unwrap_or_else(|_| one.clone());
    let mut y = x.with_prec(prec);
    let mut k: u32 = 0;
    // Reduce towards 1 with square roots: ln(x) = 2^k ln(x^(1/2^k)).
    while (&y - &one).abs() > threshold && k < 200 {
        y = y.sqrt_with_context(&ctx).unwrap_or_else(|| one.clone());
        k += 1;
    }
    // ln(y) = 2 atanh(s), s = (y-1)/(y+1).
    let s = ((&y - &one) / (&y + &one)).with_prec(prec);
    let s2 = (&s * &s).with_prec(prec);
    let eps = BigDecimal::new(1.into(), prec as i64 + 5);
    let mut term = s.clone();
    let mut sum = s.clone();
    let mut n: u64 = 1;
    loop {
        term = (&term * &s2).with_prec(prec);
        n += 2;
        let t = (&term / BigDecimal::from(n)).with_prec(prec);
        if t.abs() < eps {
            break;
        }
        sum += t;
    }
    (sum * BigDecimal::from(2)
        * BigDecimal::from(1u64 << k.min(62))
        * BigDecimal::from(1u64 << k.saturating_sub(62).min(62)))
    .with_prec(prec)
}

/// `numeric ^ numeric` with PostgreSQL's result scale (power_var).
pub fn numeric_power(base: &BigDecimal, exp: &BigDecimal) -> Result<BigDecimal, SqlError> {
    let zero = BigDecimal::from(0);
    let base_dscale = dscale(base);
    let exp_dscale = dscale(exp);
    let exp_is_int = exp.is_integer();
    if base.is_zero() {
        if exp.is_negative() {
            return Err(SqlError::new("2201F", "zero raised to a negative power is undefined"));
        }
        let r = if exp.is_zero() { BigDecimal::from(1) } else { zero };
        return Ok(r.with_scale(base_dscale.max(exp_dscale).clamp(16, 1000)));
    }
    if base.is_negative() && !exp_is_int {
        return Err(SqlError::new("2201F", "a negative number raised to a non-integer power yields a complex result"));
    }
    if exp_is_int {
        if let Some(e) = exp.to_i64().filter(|e| (-1000..=1000).contains(e)) {
            let mut acc = BigDecimal::from(1);
            for _ in 0..e.unsigned_abs() {
                acc *= base;
            }
            if e < 0 {
                acc = (BigDecimal::from(1) / acc).with_prec(1100);
            }
            // PostgreSQL's rscale for an integer exponent: max(16, base dscale).
            let scale = base_dscale.clamp(16, 1000);
            return Ok(acc.with_scale_round(scale, RoundingMode::HalfUp));
        }
    }
    // Estimate the result's decimal weight from a double computation.
    let lb = base.abs().to_f64().unwrap_or(f64::NAN).ln();
    let lb = if lb.is_finite() {
        lb
    } else {
        (base.abs().digits() as i64 - base.abs().as_bigint_and_exponent().1) as f64 * std::f64::consts::LN_10
    };
    let val = lb * exp.to_f64().unwrap_or(0.0);
    if val.abs() > 1000.0 * 3.01 {
        if val > 0.0 {
            return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format"));
        }
        return Ok(zero.with_scale(1000));
    }
    let weight = val * std::f64::consts::LOG10_E;
    let rscale = (16 - weight as i64).max(base_dscale).max(exp_dscale).clamp(0, 1000);
    let prec = (rscale + weight.max(0.0) as i64 + 30).max(40) as u64;
    let ln_base = numeric_ln(&base.abs(), prec);
    let ctx = bigdecimal::Context::default().with_prec(prec).unwrap_or_default();
    let mut r = (ln_base * exp).with_prec(prec).exp_with_context(&ctx);
    if base.is_negative() && exp.with_scale(0).as_bigint_and_exponent().0.bit(0) {
        r = -r;
    }
    Ok(r.with_scale_round(rscale, RoundingMode::HalfUp))
}

fn dscale(d: &BigDecimal) -> i64 {
    d.as_bigint_and_exponent().1.max(0)
}

/// Base-10000 weight and leading base-10000 digit of a nonzero numeric (PostgreSQL's layout).
fn nbase_weight(d: &BigDecimal) -> (i64, i64) {
    let abs = d.abs();
    let plain = abs.to_plain_string();
    let (int_part, frac_part) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    let int_part = int_part.trim_start_matches('0');
    if !int_part.is_empty() {
        let len = int_part.len() as i64;
        let weight = (len - 1) / 4;
        let lead_len = (len - weight * 4) as usize;
        (weight, int_part[..lead_len].parse().unwrap_or(0))
    } else {
        let zeros = frac_part.len() - frac_part.trim_start_matches('0').len();
        let weight = -((zeros as i64) / 4) - 1;
        let start = ((-weight - 1) * 4) as usize;
        let group: String = frac_part.chars().skip(start).take(4).collect();
        let group = format!("{group:0<4}");
        (weight, group.parse().unwrap_or(0))
    }
}

/// PostgreSQL's numeric division: the result scale follows `select_div_scale`.
pub fn numeric_div(a: &BigDecimal, b: &BigDecimal) -> Result<BigDecimal, SqlError> {
    if b.is_zero() {
        return Err(division_by_zero());
    }
    let rscale = if a.is_zero() {
        16.max(dscale(a)).max(dscale(b))
    } else {
        let (w1, f1) = nbase_weight(a);
        let (w2, f2) = nbase_weight(b);
        let mut qweight = w1 - w2;
        if f1 <= f2 {
            qweight -= 1;
        }
        (16 - qweight * 4).max(dscale(a)).max(dscale(b)).clamp(0, 1000)
    };
    let q = a / b;
    Ok(q.with_scale_round(rscale, RoundingMode::HalfUp))
}

fn interval_mul(iv: Interval, f: f64) -> Interval {
    let months_f = iv.months as f64 * f;
    let months = months_f.trunc();
    let days_f = iv.days as f64 * f + (months_f - months) * 30.0;
    let days = days_f.trunc();
    let micros = iv.micros as f64 * f + (days_f - days) * MICROS_PER_DAY as f64;
    Interval { months: months as i32, days: days as i32, micros: micros.round() as i64 }
}

pub fn add_months(days: i64, months: i64) -> i64 {
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m as i64 - 1) + months;
    let ny = total.div_euclid(12);
    let nm = (total.rem_euclid(12) + 1) as u32;
    days_from_civil(ny, nm, d.min(days_in_month(ny, nm)))
}

fn ts_plus_interval(ts: i64, iv: &Interval, sign: i64) -> Result<i64, SqlError> {
    let overflow = || SqlError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    if ts == i64::MAX || ts == i64::MIN {
        return Ok(ts);
    }
    let days = ts.div_euclid(MICROS_PER_DAY);
    let rest = ts.rem_euclid(MICROS_PER_DAY);
    let days = add_months(days, sign * iv.months as i64) + sign * iv.days as i64;
    days.checked_mul(MICROS_PER_DAY)
        .and_then(|d| d.checked_add(rest))
        .and_then(|d| d.checked_add(sign.checked_mul(iv.micros)?))
        .ok_or_else(overflow)
}

fn undefined_operator(op: BinOp, a: &Value, b: &Value) -> SqlError {
    SqlError::new(
        sqlstate::UNDEFINED_FUNCTION,
        format!("operator does not exist: {} {} {}", a.kind_name(), op.symbol(), b.kind_name()),
    )
}

/// `a op b` for arithmetic operators; `ty` is the bound result type (for integer ranges).
pub fn arithmetic(op: BinOp, a: Value, b: Value, ty: &SqlType) -> Result<Value, SqlError> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    use Value::*;
    Ok(match (&a, &b) {
        (Int(x), Int(y)) => {
            let r = match op {
                BinOp::Add => x.checked_add(*y),
                BinOp::Sub => x.checked_sub(*y),
                BinOp::Mul => x.checked_mul(*y),
                BinOp::Div => {
                    if *y == 0 {
                        return Err(division_by_zero());
                    }
                    x.checked_div(*y)
                }
                BinOp::Mod => {
                    if *y == 0 {
                        return Err(division_by_zero());
                    }
                    Some(x.checked_rem(*y).unwrap_or(0))
                }
                BinOp::BitAnd => Some(x & y),
                BinOp::BitOr => Some(x | y),
                BinOp::BitXor => Some(x ^ y),
                BinOp::ShiftLeft | BinOp::ShiftRight => {
                    let bits: i64 = match ty {
                        SqlType::Int2 => 16,
                        SqlType::Int4 => 32,
                        _ => 64,
                    };
                    let sh = (y.rem_euclid(bits)) as u32;
                    let r = if op == BinOp::ShiftLeft { x.wrapping_shl(sh) } else { x.wrapping_shr(sh) };
                    // Wrap to the operand width, as PostgreSQL's fixed-width shifts do.
                    Some(match bits {
                        16 => r as i16 as i64,
                        32 => r as i32 as i64,
                        _ => r,
                    })
                }
                _ => return Err(undefined_operator(op, &a, &b)),
            };
            let r = r.ok_or_else(|| int_out_of_range(ty))?;
            check_int_range(r, if crate::expr::cast::is_integer(ty) { ty } else { &SqlType::Int8 })?;
            Int(r)
        }
        (Float(_), Int(_) | Float(_) | Decimal(_)) | (Int(_) | Decimal(_), Float(_)) => {
            let (x, y) = (to_f64(&a).unwrap_or(f64::NAN), to_f64(&b).unwrap_or(f64::NAN));
            let r = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => {
                    if y == 0.0 {
                        return Err(division_by_zero());
                    }
                    x / y
                }
                BinOp::Mod => {
                    if y == 0.0 {
                        return Err(division_by_zero());
                    }
                    x % y
                }
                _ => return Err(undefined_operator(op, &a, &b)),
            };
            if r.is_infinite() && !x.is_infinite() && !y.is_infinite() {
                return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow"));
            }
            if *ty == SqlType::Float4 {
                Float(r as f32 as f64)
            } else {
                Float(r)
            }
        }
        (Int(_) | Decimal(_), Int(_) | Decimal(_)) => {
            let (x, y) = (to_decimal(&a).unwrap_or_default(), to_decimal(&b).unwrap_or_default());
            Decimal(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => numeric_div(&x, &y)?,
                BinOp::Mod => {
                    if y.is_zero() {
                        return Err(division_by_zero());
                    }
                    let q = (&x / &y).with_scale_round(0, RoundingMode::Down);
                    x - q * y
                }
                _ => return Err(undefined_operator(op, &a, &b)),
            })
        }
        (Date(d), Int(_)) | (Int(_), Date(d))
            if (*d == i32::MAX || *d == i32::MIN) && matches!(op, BinOp::Add | BinOp::Sub) =>
        {
            Date(*d)
        }
        (Date(x), Date(y)) if op == BinOp::Sub && [*x, *y].iter().any(|d| *d == i32::MAX || *d == i32::MIN) => {
            return Err(SqlError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "cannot subtract infinite dates"));
        }
        (Date(d), Int(n)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            let r = if op == BinOp::Add { (*d as i64).checked_add(*n) } else { (*d as i64).checked_sub(*n) }
                .unwrap_or(i64::MAX);
            Date(i32::try_from(r).map_err(|_| SqlError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "date out of range"))?)
        }
        (Int(n), Date(d)) if op == BinOp::Add => Date(
            i32::try_from((*d as i64).saturating_add(*n))
                .map_err(|_| SqlError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "date out of range"))?,
        ),
        (Date(x), Date(y)) if op == BinOp::Sub => Int(*x as i64 - *y as i64),
        (Date(d), Interval(iv)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            Timestamp(ts_plus_interval(crate::format::date_to_micros(*d), iv, if op == BinOp::Add { 1 } else { -1 })?)
        }
        (Timestamp(t), Interval(iv)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            Timestamp(ts_plus_interval(*t, iv, if op == BinOp::Add { 1 } else { -1 })?)
        }
        (TimestampTz(t), Interval(iv)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            TimestampTz(ts_plus_interval(*t, iv, if op == BinOp::Add { 1 } else { -1 })?)
        }
        (Interval(iv), Timestamp(t)) if op == BinOp::Add => Timestamp(ts_plus_interval(*t, iv, 1)?),
        (Interval(iv), TimestampTz(t)) if op == BinOp::Add => TimestampTz(ts_plus_interval(*t, iv, 1)?),
        (Timestamp(x) | TimestampTz(x), Timestamp(y) | TimestampTz(y)) if op == BinOp::Sub => {
            let diff = x
                .checked_sub(*y)
                .ok_or_else(|| SqlError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "interval out of range"))?;
            Interval(orbit_storage::Interval {
                months: 0,
                days: (diff / MICROS_PER_DAY) as i32,
                micros: diff % MICROS_PER_DAY,
            })
        }
        (Time(a), Time(b)) if op == BinOp::Sub => {
            Interval(orbit_storage::Interval { months: 0, days: 0, micros: a - b })
        }
        (Time(t), Interval(iv)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            let s = if op == BinOp::Add { 1 } else { -1 };
            Time((t + s * (iv.micros % MICROS_PER_DAY)).rem_euclid(MICROS_PER_DAY))
        }
        (Interval(x), Interval(y)) if matches!(op, BinOp::Add | BinOp::Sub) => {
            let s: i64 = if op == BinOp::Add { 1 } else { -1 };
            Interval(orbit_storage::Interval {
                months: x.months.saturating_add((s as i32).saturating_mul(y.months)),
                days: x.days.saturating_add((s as i32).saturating_mul(y.days)),
                micros: x.micros.saturating_add(s.saturating_mul(y.micros)),
            })
        }
        (Interval(iv), n) | (n, Interval(iv)) if op == BinOp::Mul && to_f64(n).is_some() => {
            Interval(interval_mul(*iv, to_f64(n).unwrap_or(0.0)))
        }
        (Interval(iv), n) if op == BinOp::Div && to_f64(n).is_some() => {
            let f = to_f64(n).unwrap_or(0.0);
            if f == 0.0 {
                return Err(division_by_zero());
            }
            Interval(interval_mul(*iv, 1.0 / f))
        }
        _ => return Err(undefined_operator(op, &a, &b)),
    })
}

pub fn negate(v: Value, ty: &SqlType) -> Result<Value, SqlError> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(i) => {
            let r = i.checked_neg().ok_or_else(|| int_out_of_range(ty))?;
            check_int_range(r, ty)?;
            Value::Int(r)
        }
        Value::Float(f) => Value::Float(-f),
        Value::Decimal(d) => Value::Decimal(-d),
        Value::Interval(iv) => Value::Interval(Interval { months: -iv.months, days: -iv.days, micros: -iv.micros }),
        other => {
            return Err(SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("operator does not exist: - {}", other.kind_name()),
            ))
        }
    })
}

/// SQL LIKE matching with `%`, `_` and backslash escapes.
pub fn like_match(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = if case_insensitive {
        (text.to_lowercase().chars().collect(), pattern.to_lowercase().chars().collect())
    } else {
        (text.chars().collect(), pattern.chars().collect())
    };
    fn rec(t: &[char], p: &[char]) -> bool {
        let mut ti = 0;
        let mut pi = 0;
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            if pi < p.len() {
                match p[pi] {
                    '%' => {
                        star = Some((pi, ti));
                        pi += 1;
                        continue;
                    }
                    '_' => {
                        ti += 1;
                        pi += 1;
                        continue;
                    }
                    '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                        ti += 1;
                        pi += 2;
                        continue;
                    }
                    c if c == t[ti] => {
                        ti += 1;
                        pi += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            }
        }
        while pi < p.len() && p[pi] == '%' {
            pi += 1;
        }
        pi == p.len()
    }
    rec(&t, &p)
}

fn text_arg(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        other => crate::format::format_text(other, &SqlType::Text).unwrap_or_default(),
    }
}

fn int_arg(v: &Value) -> Result<i64, SqlError> {
    match cast_value(v.clone(), &SqlType::Int8)? {
        Value::Int(i) => Ok(i),
        _ => Err(SqlError::new(sqlstate::DATATYPE_MISMATCH, "integer argument expected")),
    }
}

fn round_decimal(d: &BigDecimal, scale: i64) -> BigDecimal {
    d.with_scale_round(scale, RoundingMode::HalfUp)
}

/// Result type of a scalar function given its argument types; `None` when unknown (42883).
pub fn return_type(name: &str, args: &[SqlType]) -> Option<SqlType> {
    if let Some(vector) = crate::vector::functions::return_type(name, args) {
        return vector;
    }
    let first = args.first().cloned().unwrap_or(SqlType::Unknown);
    let unify = || {
        args.iter().try_fold(SqlType::Unknown, |acc, t| crate::expr::cast::common_type(&acc, t)).map(|t| {
            if t == SqlType::Unknown {
                SqlType::Text
            } else {
                t
            }
        })
    };
    Some(match name {
        "coalesce" | "greatest" | "least" => unify()?,
        "nullif" => {
            if first == SqlType::Unknown {
                SqlType::Text
            } else {
                first
            }
        }
        "abs" => match first {
            SqlType::Unknown => SqlType::Float8,
            t if crate::expr::cast::is_numeric(&t) => t,
            _ => return None,
        },
        "round" | "trunc" => match first {
            SqlType::Float4 | SqlType::Float8 if args.len() == 1 => SqlType::Float8,
            t if crate::expr::cast::is_numeric(&t) => {
                if args.len() == 2 || t == SqlType::Numeric || crate::expr::cast::is_integer(&t) {
                    SqlType::Numeric
                } else {
                    SqlType::Float8
                }
            }
            SqlType::Unknown => SqlType::Numeric,
            _ => return None,
        },
        "ceil" | "ceiling" | "floor" | "sign" => match first {
            SqlType::Float4 | SqlType::Float8 | SqlType::Unknown => SqlType::Float8,
            t if crate::expr::cast::is_numeric(&t) => SqlType::Numeric,
            _ => return None,
        },
        "power" | "pow" if args.contains(&SqlType::Numeric) => SqlType::Numeric,
        "sqrt" | "power" | "pow" | "exp" | "ln" | "log" | "random" | "pi" => match first {
            SqlType::Numeric if name != "random" && name != "pi" => SqlType::Numeric,
            _ => SqlType::Float8,
        },
        "mod" => unify()?,
        "length" | "char_length" | "character_length" | "octet_length" | "strpos" | "position" | "ascii" => {
            SqlType::Int4
        }
        "lower" | "upper" | "substr" | "substring" | "trim" | "btrim" | "ltrim" | "rtrim" | "concat" | "concat_ws"
        | "replace" | "left" | "right" | "repeat" | "reverse" | "lpad" | "rpad" | "initcap" | "md5" | "chr"
        | "split_part" | "to_hex" | "quote_ident" | "quote_literal" | "version" | "current_database"
        | "current_schema" | "current_user" | "session_user" | "user" | "pg_typeof" | "format_type" => SqlType::Text,
        "now" | "current_timestamp" | "transaction_timestamp" | "statement_timestamp" | "clock_timestamp" => {
            SqlType::TimestampTz
        }
        "current_date" => SqlType::Date,
        "localtimestamp" => SqlType::Timestamp,
        "gen_random_uuid" => SqlType::Uuid,
        "date_trunc" => match args.get(1) {
            Some(SqlType::TimestampTz) => SqlType::TimestampTz,
            Some(SqlType::Interval) => SqlType::Interval,
            _ => SqlType::Timestamp,
        },
        "date_part" | "extract" => SqlType::Float8,
        "to_char" if args.len() == 2 => SqlType::Text,
        "age" if args.len() <= 2 => SqlType::Interval,
        "array_length" | "cardinality" | "array_upper" | "array_lower" | "pg_backend_pid" => SqlType::Int4,
        "array_to_string" | "pg_encoding_to_char" | "pg_size_pretty" => SqlType::Text,
        "current_schemas" => SqlType::Array(Box::new(SqlType::Text)),
        "make_date" => SqlType::Date,
        "nextval" | "currval" => SqlType::Int8,
        _ => return None,
    })
}

/// Evaluates a scalar function whose arguments are already evaluated.
pub fn call(
    name: &str,
    args: Vec<Value>,
    ty: &SqlType,
    now: i64,
    extra: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, SqlError> {
    if let Some(mysql) = name.strip_prefix("__my_") {
        return crate::mysql_sql::functions::call(mysql, args, ty, now);
    }
    if let Some(result) = crate::vector::functions::call(name, &args) {
        return result;
    }
    let null_in = args.iter().any(|a| a.is_null());
    let strict = !matches!(name, "coalesce" | "greatest" | "least" | "concat" | "concat_ws" | "nullif" | "pg_typeof");
    if strict && null_in {
        return Ok(Value::Null);
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    Ok(match name {
        "coalesce" => {
            args.into_iter().find(|v| !v.is_null()).map(|v| cast_value(v, ty)).transpose()?.unwrap_or(Value::Null)
        }
        "nullif" => {
            let (a, b) = (arg(0), arg(1));
            if !a.is_null() && !b.is_null() && compare(&a, &b) == Some(Ordering::Equal) {
                Value::Null
            } else {
                a
            }
        }
        "greatest" | "least" => {
            let mut best: Option<Value> = None;
            for v in args.into_iter().filter(|v| !v.is_null()) {
                let v = cast_value(v, ty)?;
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = compare(&v, &b).unwrap_or(Ordering::Equal);
                        if (name == "greatest" && o == Ordering::Greater) || (name == "least" && o == Ordering::Less) {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.unwrap_or(Value::Null)
        }
        "abs" => match arg(0) {
            Value::Int(i) => {
                let r = i.checked_abs().ok_or_else(|| int_out_of_range(ty))?;
                check_int_range(r, ty)?;
                Value::Int(r)
            }
            Value::Float(f) => Value::Float(f.abs()),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            v => cast_value(v, &SqlType::Float8).map(|v| match v {
                Value::Float(f) => Value::Float(f.abs()),
                v => v,
            })?,
        },
        "round" | "trunc" => {
            let scale = if args.len() > 1 { int_arg(&arg(1))? } else { 0 };
            match cast_value(arg(0), ty)? {
                Value::Float(f) => {
                    let r = if name == "round" { f.round_ties_even() } else { f.trunc() };
                    Value::Float(r)
                }
                Value::Decimal(d) => Value::Decimal(if name == "round" {
                    round_decimal(&d, scale)
                } else {
                    d.with_scale_round(scale, RoundingMode::Down)
                }),
                v => v,
            }
        }
        "ceil" | "ceiling" | "floor" => match cast_value(arg(0), ty)? {
            Value::Float(f) => Value::Float(if name == "floor" { f.floor() } else { f.ceil() }),
            Value::Decimal(d) => Value::Decimal(
                d.with_scale_round(0, if name == "floor" { RoundingMode::Floor } else { RoundingMode::Ceiling }),
            ),
            v => v,
        },
        "sign" => match cast_value(arg(0), ty)? {
            Value::Float(f) => Value::Float(if f > 0.0 {
                1.0
            } else if f < 0.0 {
                -1.0
            } else {
                0.0
            }),
            Value::Decimal(d) => Value::Decimal(BigDecimal::from(d.signum().to_i64().unwrap_or(0))),
            v => v,
        },
        "sqrt" | "exp" | "ln" | "log" | "power" | "pow" => {
            let x = to_f64(&cast_value(arg(0), &SqlType::Float8)?).unwrap_or(f64::NAN);
            if matches!(name, "power" | "pow") && *ty == SqlType::Numeric {
                if let (Value::Decimal(b), Value::Decimal(e)) =
                    (cast_value(arg(0), &SqlType::Numeric)?, cast_value(arg(1), &SqlType::Numeric)?)
                {
                    return Ok(Value::Decimal(numeric_power(&b, &e)?));
                }
            }
            let r = match name {
                "sqrt" => {
                    if x < 0.0 {
                        return Err(SqlError::new("2201F", "cannot take square root of a negative number"));
                    }
                    x.sqrt()
                }
                "exp" => x.exp(),
                "ln" | "log" if x <= 0.0 => {
                    return Err(SqlError::new("2201E", "cannot take logarithm of a non-positive number"))
                }
                "ln" => x.ln(),
                "log" => x.log10(),
                _ => {
                    let r = x.powf(to_f64(&cast_value(arg(1), &SqlType::Float8)?).unwrap_or(f64::NAN));
                    if r.is_infinite() && x.is_finite() {
                        return Err(SqlError::new(
                            sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
                            "value out of range: overflow",
                        ));
                    }
                    if x == 0.0 && r.is_infinite() {
                        return Err(SqlError::new("2201F", "zero raised to a negative power is undefined"));
                    }
                    r
                }
            };
            cast_value(Value::Float(r), ty)?
        }
        "pi" => Value::Float(std::f64::consts::PI),
        "random" => Value::Float(random_u64() as f64 / u64::MAX as f64),
        "mod" => arithmetic(BinOp::Mod, cast_value(arg(0), ty)?, cast_value(arg(1), ty)?, ty)?,
        "length" | "char_length" | "character_length" => match arg(0) {
            Value::Bytes(b) => Value::Int(b.len() as i64),
            v => Value::Int(text_arg(&v).trim_end_matches(|_| false).chars().count() as i64),
        },
        "octet_length" => match arg(0) {
            Value::Bytes(b) => Value::Int(b.len() as i64),
            v => Value::Int(text_arg(&v).len() as i64),
        },
        "lower" => Value::Text(text_arg(&arg(0)).to_ascii_lowercase()),
        "upper" => Value::Text(text_arg(&arg(0)).to_ascii_uppercase()),
        "__subscript" => match (arg(0), int_arg(&arg(1))?) {
            (Value::Array(items), i) if i >= 1 => items.get(i as usize - 1).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "__orbit_lookup" => {
            let key = arg(0);
            let found = match (arg(1), arg(2)) {
                (Value::Array(keys), Value::Array(vals)) => keys
                    .iter()
                    .position(|k| compare(k, &key) == Some(Ordering::Equal))
                    .and_then(|i| vals.get(i).cloned()),
                _ => None,
            };
            match found {
                Some(v) => v,
                None if arg(3) == Value::Bool(true) => cast_value(key, &SqlType::Text)?,
                None => Value::Null,
            }
        }
        "__orbit_regex" | "__orbit_regex_i" => {
            let pattern = text_arg(&arg(1));
            let re = regex::RegexBuilder::new(&pattern)
                .case_insensitive(name == "__orbit_regex_i")
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    SqlError::new(
                        "2201B",
                        format!("invalid regular expression: {}", e.to_string().lines().last().unwrap_or("")),
                    )
                })?;
            Value::Bool(re.is_match(&text_arg(&arg(0))))
        }
        "array_to_string" => match arg(0) {
            Value::Array(items) => {
                let sep = text_arg(&arg(1));
                let null_text = args.get(2).filter(|v| !v.is_null()).map(text_arg);
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|v| match v {
                        Value::Null => null_text.clone(),
                        v => crate::format::format_text(v, &SqlType::Text),
                    })
                    .collect();
                Value::Text(parts.join(&sep))
            }
            _ => Value::Null,
        },
        "array_upper" | "array_lower" => match (arg(0), int_arg(&arg(1))?) {
            (Value::Array(items), 1) if !items.is_empty() => {
                Value::Int(if name == "array_upper" { items.len() as i64 } else { 1 })
            }
            _ => Value::Null,
        },
        "pg_encoding_to_char" => Value::Text(
            match int_arg(&arg(0))? {
                0 => "SQL_ASCII",
                6 => "UTF8",
                _ => "",
            }
            .into(),
        ),
        "format_type" => match arg(0) {
            Value::Int(oid) => {
                let typmod = match args.get(1) {
                    Some(Value::Int(m)) => Some(*m),
                    _ => None,
                };
                Value::Text(crate::catalog_views::types::format_type(oid, typmod))
            }
            _ => Value::Null,
        },
        "current_schemas" => {
            let schema = extra("current_schema").unwrap_or_else(|| "public".into());
            let mut items = Vec::new();
            if arg(0) == Value::Bool(true) {
                items.push(Value::Text("pg_catalog".into()));
            }
            items.push(Value::Text(schema));
            Value::Array(items)
        }
        "pg_backend_pid" => Value::Int(std::process::id() as i64),
        "pg_size_pretty" => {
            let mut size = int_arg(&arg(0))?;
            let mut unit = 0;
            let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
            // PostgreSQL switches unit at 10 * 1024 and rounds half up.
            while unit + 1 < units.len() && size.abs() >= 10 * 1024 {
                size = (size + if size < 0 { -512 } else { 512 }) / 1024;
                unit += 1;
            }
            Value::Text(format!("{size} {}", units[unit]))
        }
        "array_length" | "cardinality" => match (arg(0), if args.len() > 1 { int_arg(&arg(1))? } else { 1 }) {
            (Value::Array(items), 1) if !items.is_empty() => Value::Int(items.len() as i64),
            (Value::Array(items), _) if name == "cardinality" => Value::Int(items.len() as i64),
            _ => Value::Null,
        },
        "make_date" => {
            let (y, m, d) = (int_arg(&arg(0))?, int_arg(&arg(1))?, int_arg(&arg(2))?);
            if !(1..=12).contains(&m)
                || d < 1
                || !(-4713..=294_276).contains(&y)
                || d > days_in_month(y, m as u32) as i64
            {
                return Err(SqlError::new(
                    sqlstate::DATETIME_FIELD_OVERFLOW,
                    format!("date field value out of range: {y}-{m:02}-{d:02}"),
                ));
            }
            Value::Date(days_from_civil(y, m as u32, d as u32) as i32)
        }
        "initcap" => {
            let mut out = String::new();
            let mut start = true;
            for c in text_arg(&arg(0)).chars() {
                if c.is_alphanumeric() {
                    if start {
                        out.push(c.to_ascii_uppercase());
                    } else {
                        out.push(c.to_ascii_lowercase());
                    }
                    start = false;
                } else {
                    out.push(c);
                    start = true;
                }
            }
            Value::Text(out)
        }
        "substr" | "substring" => {
            let s: Vec<char> = text_arg(&arg(0)).chars().collect();
            let start = int_arg(&arg(1))?;
            let (from, to) = if args.len() > 2 {
                let len = int_arg(&arg(2))?;
                if len < 0 {
                    return Err(SqlError::new("22011", "negative substring length not allowed"));
                }
                (start, start.saturating_add(len))
            } else {
                (start, i64::MAX)
            };
            let from = from.max(1) as usize - 1;
            let to = to.max(1).min(s.len() as i64 + 1) as usize - 1;
            Value::Text(if from < to { s[from..to].iter().collect() } else { String::new() })
        }
        "trim" | "btrim" | "ltrim" | "rtrim" => {
            let s = text_arg(&arg(0));
            let chars: Vec<char> = if args.len() > 1 { text_arg(&arg(1)).chars().collect() } else { vec![' '] };
            let f = |c: char| chars.contains(&c);
            Value::Text(match name {
                "ltrim" => s.trim_start_matches(f).to_string(),
                "rtrim" => s.trim_end_matches(f).to_string(),
                _ => s.trim_matches(f).to_string(),
            })
        }
        "concat" => Value::Text(args.iter().filter(|v| !v.is_null()).map(text_arg).collect()),
        "concat_ws" => {
            let sep = text_arg(&arg(0));
            if arg(0).is_null() {
                Value::Null
            } else {
                Value::Text(args[1..].iter().filter(|v| !v.is_null()).map(text_arg).collect::<Vec<_>>().join(&sep))
            }
        }
        "replace" => Value::Text(text_arg(&arg(0)).replace(&text_arg(&arg(1)), &text_arg(&arg(2)))),
        "strpos" | "position" => {
            let (hay, needle) = (text_arg(&arg(0)), text_arg(&arg(1)));
            Value::Int(hay.find(&needle).map(|i| hay[..i].chars().count() as i64 + 1).unwrap_or(0))
        }
        "left" | "right" => {
            let s: Vec<char> = text_arg(&arg(0)).chars().collect();
            let n = int_arg(&arg(1))?;
            let len = s.len() as i64;
            let take = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Value::Text(if name == "left" { s[..take].iter().collect() } else { s[s.len() - take..].iter().collect() })
        }
        "repeat" => {
            let n = int_arg(&arg(1))?.max(0) as usize;
            let s = text_arg(&arg(0));
            if s.len().saturating_mul(n) > 1 << 28 {
                return Err(SqlError::new("54000", "requested length too large"));
            }
            Value::Text(s.repeat(n))
        }
        "reverse" => Value::Text(text_arg(&arg(0)).chars().rev().collect()),
        "lpad" | "rpad" => {
            let s: Vec<char> = text_arg(&arg(0)).chars().collect();
            let n = int_arg(&arg(1))?.clamp(0, 1 << 24) as usize;
            let fill: Vec<char> = if args.len() > 2 { text_arg(&arg(2)).chars().collect() } else { vec![' '] };
            if s.len() >= n || fill.is_empty() {
                Value::Text(s[..n.min(s.len())].iter().collect())
            } else {
                let pad: String = fill.iter().cycle().take(n - s.len()).collect();
                let body: String = s.iter().collect();
                Value::Text(if name == "lpad" { pad + &body } else { body + &pad })
            }
        }
        "ascii" => Value::Int(text_arg(&arg(0)).chars().next().map(|c| c as i64).unwrap_or(0)),
        "chr" => Value::Text(
            char::from_u32(int_arg(&arg(0))? as u32)
                .ok_or_else(|| SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "character number out of range"))?
                .to_string(),
        ),
        "split_part" => {
            let s = text_arg(&arg(0));
            let d = text_arg(&arg(1));
            let n = int_arg(&arg(2))?;
            let parts: Vec<&str> = if d.is_empty() { vec![s.as_str()] } else { s.split(d.as_str()).collect() };
            let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
            Value::Text(
                parts
                    .get(idx.max(0) as usize)
                    .filter(|_| idx >= 0 && n != 0)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            )
        }
        "to_hex" => Value::Text(format!("{:x}", int_arg(&arg(0))?)),
        "quote_ident" => Value::Text(crate::catalog_views::model::quote_ident(&text_arg(&arg(0)))),
        "quote_literal" => Value::Text(format!("'{}'", text_arg(&arg(0)).replace('\'', "''"))),
        "now" | "current_timestamp" | "transaction_timestamp" | "statement_timestamp" => Value::TimestampTz(now),
        "clock_timestamp" => Value::TimestampTz(now_micros()),
        "localtimestamp" => Value::Timestamp(now),
        "current_date" => Value::Date(now.div_euclid(MICROS_PER_DAY) as i32),
        "gen_random_uuid" => {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&random_u64().to_le_bytes());
            bytes[8..].copy_from_slice(&random_u64().to_le_bytes());
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            Value::Uuid(bytes)
        }
        "version" => Value::Text(format!(
            "PostgreSQL 15.0 (Orbit {}) on {}-unknown-linux-gnu, compiled by rustc, 64-bit",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::ARCH
        )),
        "current_database" | "current_schema" | "current_user" | "session_user" | "user" => {
            extra(name).map(Value::Text).unwrap_or(Value::Null)
        }
        "date_trunc" => date_trunc(&text_arg(&arg(0)), arg(1))?,
        "to_char" => to_char(&arg(0), &text_arg(&arg(1)))?,
        "age" => {
            let (a, b) = if args.len() == 1 {
                (now.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY, ts_micros(&arg(0))?)
            } else {
                (ts_micros(&arg(0))?, ts_micros(&arg(1))?)
            };
            Value::Interval(age(a, b)?)
        }
        "date_part" | "extract" => date_part(&text_arg(&arg(0)), &arg(1))?,
        "nextval" | "currval" => return Err(SqlError::not_supported(format!("{name}() outside a column default"))),
        other => return Err(SqlError::new(sqlstate::UNDEFINED_FUNCTION, format!("function {other} does not exist"))),
    })
}

fn ts_micros(v: &Value) -> Result<i64, SqlError> {
    match v {
        Value::Timestamp(t) | Value::TimestampTz(t) => Ok(*t),
        Value::Date(d) => Ok(crate::format::date_to_micros(*d)),
        other => Err(SqlError::new(
            sqlstate::UNDEFINED_FUNCTION,
            format!("function age({}) does not exist", other.kind_name()),
        )),
    }
}

/// Broken-down time: (year, month, day, hour, minute, second, microsecond).
fn split_ts(t: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let days = t.div_euclid(MICROS_PER_DAY);
    let rest = t.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = rest / 1_000_000;
    (y, m as i64, d as i64, secs / 3600, (secs / 60) % 60, secs % 60, rest % 1_000_000)
}

/// PostgreSQL's `age(a, b)`: a symbolic difference in years, months and days.
fn age(a: i64, b: i64) -> Result<orbit_storage::Interval, SqlError> {
    if [a, b].iter().any(|t| *t == i64::MAX || *t == i64::MIN) {
        return Err(SqlError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "interval out of range"));
    }
    let t1 = split_ts(a);
    let t2 = split_ts(b);
    let neg = a < b;
    let mut f = [t1.0 - t2.0, t1.1 - t2.1, t1.2 - t2.2, t1.3 - t2.3, t1.4 - t2.4, t1.5 - t2.5, t1.6 - t2.6];
    if neg {
        f.iter_mut().for_each(|x| *x = -*x);
    }
    while f[6] < 0 {
        f[6] += 1_000_000;
        f[5] -= 1;
    }
    while f[5] < 0 {
        f[5] += 60;
        f[4] -= 1;
    }
    while f[4] < 0 {
        f[4] += 60;
        f[3] -= 1;
    }
    while f[3] < 0 {
        f[3] += 24;
        f[2] -= 1;
    }
    while f[2] < 0 {
        let (y, m) = if neg { (t1.0, t1.1) } else { (t2.0, t2.1) };
        f[2] += days_in_month(y, m as u32) as i64;
        f[1] -= 1;
    }
    while f[1] < 0 {
        f[1] += 12;
        f[0] -= 1;
    }
    if neg {
        f.iter_mut().for_each(|x| *x = -*x);
    }
    Ok(orbit_storage::Interval {
        months: (f[0] * 12 + f[1]) as i32,
        days: f[2] as i32,
        micros: ((f[3] * 60 + f[4]) * 60 + f[5]) * 1_000_000 + f[6],
    })
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAY_NAMES: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Applies the case of a pattern (`Month`, `MONTH`, `month`) to a name.
fn name_case(pat: &str, name: &str) -> String {
    let mut c = pat.chars();
    let (first, second) = (c.next().unwrap_or('A'), c.next().unwrap_or('a'));
    if first.is_ascii_lowercase() {
        name.to_ascii_lowercase()
    } else if second.is_ascii_uppercase() {
        name.to_ascii_uppercase()
    } else {
        name.to_string()
    }
}

/// `to_char(timestamp|date, text)` for the common template patterns.
fn to_char(v: &Value, fmt: &str) -> Result<Value, SqlError> {
    let t = match v {
        Value::Timestamp(t) | Value::TimestampTz(t) => *t,
        Value::Date(d) => crate::format::date_to_micros(*d),
        Value::Int(_) | Value::Decimal(_) | Value::Float(_) => return to_char_number(v, fmt),
        Value::Interval(iv) => {
            let days = iv.micros.div_euclid(MICROS_PER_DAY);
            iv.micros - days * MICROS_PER_DAY
        }
        other => {
            return Err(SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("function to_char({}, text) does not exist", other.kind_name()),
            ))
        }
    };
    if t == i64::MAX || t == i64::MIN {
        return Ok(Value::Null);
    }
    let (y, m, d, h, mi, sec, us) = split_ts(t);
    let days = t.div_euclid(MICROS_PER_DAY);
    let dow = (days + 4).rem_euclid(7) as usize;
    let doy = days - days_from_civil(y, 1, 1) + 1;
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let starts = |i: usize, p: &str| {
        let n = p.len();
        i + n <= chars.len() && chars[i..i + n].iter().collect::<String>().eq_ignore_ascii_case(p)
    };
    let raw = |i: usize, n: usize| chars[i..i + n].iter().collect::<String>();
    while i < chars.len() {
        let mut fm = false;
        if starts(i, "FM") {
            fm = true;
            i += 2;
            if i >= chars.len() {
                break;
            }
        }
        let num = |v: i64, w: usize| if fm { v.to_string() } else { format!("{v:0w$}") };
        let name = |pat: &str, n: &str, w: usize| {
            let s = name_case(pat, n);
            if fm {
                s
            } else {
                format!("{s:<w$}")
            }
        };
        if chars[i] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                out.push(chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        let (piece, n): (String, usize) = if starts(i, "YYYY") {
            (num(y, 4), 4)
        } else if starts(i, "YYY") {
            (num(y.rem_euclid(1000), 3), 3)
        } else if starts(i, "YY") {
            (num(y.rem_euclid(100), 2), 2)
        } else if starts(i, "HH24") {
            (num(h, 2), 4)
        } else if starts(i, "HH12") {
            (num(h12, 2), 4)
        } else if starts(i, "HH") {
            (num(h12, 2), 2)
        } else if starts(i, "MI") {
            (num(mi, 2), 2)
        } else if starts(i, "SS") {
            (num(sec, 2), 2)
        } else if starts(i, "MS") {
            (num(us / 1000, 3), 2)
        } else if starts(i, "US") {
            (num(us, 6), 2)
        } else if starts(i, "MONTH") {
            (name(&raw(i, 5), MONTH_NAMES[m as usize - 1], 9), 5)
        } else if starts(i, "MON") {
            (name_case(&raw(i, 3), &MONTH_NAMES[m as usize - 1][..3]), 3)
        } else if starts(i, "MM") {
            (num(m, 2), 2)
        } else if starts(i, "DAY") {
            (name(&raw(i, 3), DAY_NAMES[dow], 9), 3)
        } else if starts(i, "DY") {
            (name_case(&raw(i, 2), &DAY_NAMES[dow][..3]), 2)
        } else if starts(i, "DDD") {
            (num(doy, 3), 3)
        } else if starts(i, "DD") {
            (num(d, 2), 2)
        } else if starts(i, "D") {
            ((dow + 1).to_string(), 1)
        } else if starts(i, "AM") || starts(i, "PM") {
            let s = if h < 12 { "AM" } else { "PM" };
            (if chars[i].is_ascii_lowercase() { s.to_ascii_lowercase() } else { s.to_string() }, 2)
        } else if starts(i, "A.M.") || starts(i, "P.M.") {
            let s = if h < 12 { "A.M." } else { "P.M." };
            (if chars[i].is_ascii_lowercase() { s.to_ascii_lowercase() } else { s.to_string() }, 4)
        } else if starts(i, "Q") {
            (((m - 1) / 3 + 1).to_string(), 1)
        } else if chars[i] == '\\' && i + 1 < chars.len() {
            (chars[i + 1].to_string(), 2)
        } else {
            (chars[i].to_string(), 1)
        };
        out.push_str(&piece);
        i += n;
    }
    Ok(Value::Text(out))
}

/// `to_char(number, text)` for the digit patterns 9, 0, '.', 'D', ',', 'G', 'FM' and a sign.
fn to_char_number(v: &Value, fmt: &str) -> Result<Value, SqlError> {
    let d: BigDecimal = match v {
        Value::Int(i) => BigDecimal::from(*i),
        Value::Decimal(d) => d.clone(),
        Value::Float(f) => <BigDecimal as bigdecimal::FromPrimitive>::from_f64(*f).unwrap_or_default(),
        _ => BigDecimal::from(0),
    };
    let fm = fmt.to_ascii_uppercase().contains("FM");
    let pat: String = fmt.chars().filter(|c| !matches!(c, 'F' | 'M' | 'f' | 'm')).collect();
    let (int_pat, frac_pat) = match pat.find(['.', 'D', 'd']) {
        Some(i) => (&pat[..i], &pat[i + 1..]),
        None => (pat.as_str(), ""),
    };
    let frac_digits = frac_pat.chars().filter(|c| matches!(c, '9' | '0')).count();
    let int_slots = int_pat.chars().filter(|c| matches!(c, '9' | '0')).count();
    let rounded = d.with_scale_round(frac_digits as i64, RoundingMode::HalfUp);
    let neg = rounded.is_negative();
    let plain = rounded.abs().to_plain_string();
    let (int_s, frac_s) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    let int_s = int_s.trim_start_matches('0');
    if int_s.len() > int_slots {
        let hashes: String = pat.chars().map(|c| if matches!(c, '9' | '0') { '#' } else { c }).collect();
        return Ok(Value::Text(format!(" {hashes}")));
    }
    let digits: Vec<char> = int_s.chars().collect();
    let mut out_rev = Vec::new();
    let mut di = digits.len();
    let mut zero_fill = false;
    let first_zero = int_pat.find('0');
    for (pos, c) in int_pat.char_indices().rev() {
        match c {
            '9' | '0' => {
                if di > 0 {
                    di -= 1;
                    out_rev.push(digits[di]);
                } else if c == '0' || first_zero.is_some_and(|z| pos >= z) || zero_fill {
                    zero_fill = true;
                    out_rev.push('0');
                } else {
                    out_rev.push(' ');
                }
            }
            ',' | 'G' | 'g' => out_rev.push(if di > 0 || zero_fill { ',' } else { ' ' }),
            other => out_rev.push(other),
        }
    }
    let mut int_out: String = out_rev.into_iter().rev().collect();
    if int_s.is_empty() && frac_digits == 0 && !int_out.contains('0') {
        if let Some(p) = int_out.rfind(' ') {
            int_out.replace_range(p..p + 1, "0");
        }
    }
    // The sign goes right before the first digit.
    let first = int_out.find(|c: char| c != ' ').unwrap_or(int_out.len());
    let sign = if neg { "-" } else { " " };
    int_out.insert_str(first, sign);
    let mut out = int_out;
    if pat.find(['.', 'D', 'd']).is_some() {
        out.push('.');
        out.push_str(&frac_s[..frac_digits.min(frac_s.len())]);
    }
    if fm {
        out = out.trim_start().to_string();
        if out.contains('.') && frac_pat.contains('9') && !frac_pat.contains('0') {
            out = out.trim_end_matches('0').to_string();
        }
    }
    Ok(Value::Text(out))
}

fn date_trunc(field: &str, v: Value) -> Result<Value, SqlError> {
    let (micros, wrap): (i64, fn(i64) -> Value) = match v {
        Value::Timestamp(t) => (t, Value::Timestamp),
        Value::TimestampTz(t) => (t, Value::TimestampTz),
        Value::Date(d) => (crate::format::date_to_micros(d), Value::Timestamp),
        other => {
            return Err(SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("date_trunc of {} is not supported", other.kind_name()),
            ))
        }
    };
    if micros == i64::MAX || micros == i64::MIN {
        return Ok(wrap(micros));
    }
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, _) = civil_from_days(days);
    let r = match field.to_ascii_lowercase().as_str() {
        "year" => days_from_civil(y, 1, 1) * MICROS_PER_DAY,
        "quarter" => days_from_civil(y, ((m - 1) / 3) * 3 + 1, 1) * MICROS_PER_DAY,
        "month" => days_from_civil(y, m, 1) * MICROS_PER_DAY,
        "week" => (days - (days + 3).rem_euclid(7)) * MICROS_PER_DAY,
        "day" => days * MICROS_PER_DAY,
        "hour" => days * MICROS_PER_DAY + rest - rest % 3_600_000_000,
        "minute" => days * MICROS_PER_DAY + rest - rest % 60_000_000,
        "second" => days * MICROS_PER_DAY + rest - rest % 1_000_000,
        "milliseconds" => days * MICROS_PER_DAY + rest - rest % 1000,
        "microseconds" => micros,
        f => {
            return Err(SqlError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                format!("unit \"{f}\" not recognized for type timestamp"),
            ))
        }
    };
    Ok(wrap(r))
}

pub fn date_part(field: &str, v: &Value) -> Result<Value, SqlError> {
    let f = field.to_ascii_lowercase();
    if let Value::Interval(iv) = v {
        let r = match f.as_str() {
            "year" | "years" => (iv.months / 12) as f64,
            "month" | "months" | "mon" => (iv.months % 12) as f64,
            "day" | "days" => iv.days as f64,
            "hour" | "hours" => (iv.micros / 3_600_000_000) as f64,
            "minute" | "minutes" => ((iv.micros / 60_000_000) % 60) as f64,
            "second" | "seconds" => (iv.micros % 60_000_000) as f64 / 1e6,
            "epoch" => iv.total_micros() as f64 / 1e6,
            _ => {
                return Err(SqlError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    format!("unit \"{f}\" not recognized for type interval"),
                ))
            }
        };
        return Ok(Value::Float(r));
    }
    let micros = match v {
        Value::Timestamp(t) | Value::TimestampTz(t) => *t,
        Value::Date(d) => crate::format::date_to_micros(*d),
        Value::Time(t) => *t,
        other => {
            return Err(SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("extract from {} is not supported", other.kind_name()),
            ))
        }
    };
    if !matches!(v, Value::Time(_)) && (micros == i64::MAX || micros == i64::MIN) {
        let inf = if micros == i64::MAX { f64::INFINITY } else { f64::NEG_INFINITY };
        return Ok(Value::Float(match f.as_str() {
            "year" | "epoch" | "decade" | "century" | "millennium" => inf,
            _ => return Ok(Value::Null),
        }));
    }
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let r = match f.as_str() {
        "year" => y as f64,
        "month" => m as f64,
        "day" => d as f64,
        "hour" => (rest / 3_600_000_000) as f64,
        "minute" => ((rest / 60_000_000) % 60) as f64,
        "second" => (rest % 60_000_000) as f64 / 1e6,
        "epoch" => micros as f64 / 1e6,
        "dow" => (days + 4).rem_euclid(7) as f64,
        "doy" => (days - days_from_civil(y, 1, 1) + 1) as f64,
        "quarter" => ((m - 1) / 3 + 1) as f64,
        "decade" => (y / 10) as f64,
        "century" => ((y - 1) / 100 + 1) as f64,
        "millennium" => ((y - 1) / 1000 + 1) as f64,
        "microseconds" => (rest % 60_000_000) as f64,
        "milliseconds" => (rest % 60_000_000) as f64 / 1e3,
        "isodow" => ((days + 3).rem_euclid(7) + 1) as f64,
        _ => return Err(SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, format!("unit \"{f}\" not recognized"))),
    };
    Ok(Value::Float(r))
}

pub fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// A small xorshift generator seeded from the clock and a counter (not cryptographic).
pub fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = (now_micros() as u64) ^ 0x9E37_79B9_7F4A_7C15 ^ (std::process::id() as u64) << 32;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_arithmetic() {
        assert_eq!(arithmetic(BinOp::Div, Value::Int(7), Value::Int(2), &SqlType::Int4).unwrap(), Value::Int(3));
        assert_eq!(arithmetic(BinOp::Div, Value::Int(-7), Value::Int(2), &SqlType::Int4).unwrap(), Value::Int(-3));
        assert_eq!(arithmetic(BinOp::Div, Value::Int(1), Value::Int(0), &SqlType::Int4).unwrap_err().code, "22012");
        assert_eq!(
            arithmetic(BinOp::Mul, Value::Int(2_000_000_000), Value::Int(2), &SqlType::Int4).unwrap_err().code,
            "22003"
        );
        assert_eq!(arithmetic(BinOp::Mod, Value::Int(-7), Value::Int(3), &SqlType::Int4).unwrap(), Value::Int(-1));
    }

    #[test]
    fn numeric_division_scale() {
        let a: BigDecimal = "1".parse().unwrap();
        let b: BigDecimal = "3".parse().unwrap();
        assert_eq!(numeric_div(&a, &b).unwrap().to_string(), "0.33333333333333333333");
        let a: BigDecimal = "255".parse().unwrap();
        let b: BigDecimal = "2".parse().unwrap();
        assert_eq!(numeric_div(&a, &b).unwrap().to_string(), "127.5000000000000000");
    }

    #[test]
    fn like() {
        assert!(like_match("hello", "h%o", false));
        assert!(like_match("hello", "_ello", false));
        assert!(!like_match("hello", "H%", false));
        assert!(like_match("hello", "H%", true));
        assert!(like_match("50%", "50\\%", false));
        assert!(like_match("", "%", false));
    }

    #[test]
    fn strings() {
        let ty = SqlType::Text;
        let none = |_: &str| None;
        assert_eq!(
            call("substr", vec!["hello".into(), Value::Int(2), Value::Int(3)], &ty, 0, &none).unwrap(),
            Value::Text("ell".into())
        );
        assert_eq!(call("upper", vec!["abc".into()], &ty, 0, &none).unwrap(), Value::Text("ABC".into()));
        assert_eq!(call("coalesce", vec![Value::Null, "x".into()], &ty, 0, &none).unwrap(), Value::Text("x".into()));
        assert_eq!(call("length", vec![Value::Null], &SqlType::Int4, 0, &none).unwrap(), Value::Null);
    }
}
